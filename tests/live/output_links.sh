#!/bin/sh
# output_links.sh - root never writes through a name an unprivileged user
# planted. A directory owned by nobody (as the report directory of the
# systemd unit is owned by its user) holds symbolic links that nobody made,
# pointing at a root-only file, a root-only FIFO with a reader, /dev/null, or
# a file not there yet in a root-only directory. As root, flowaudit must
# refuse each with a clear message and leave every target as it was
# (content, size, mtime; nothing read from the FIFO; nothing created):
#   - audit -o FILE;
#   - watch -r: latest.json and the timestamped report in --report-dir;
#   - watch -r --events FILE (root: no privilege drop when reading files);
#   - watch -i lo --events FILE: opened after the drop to nobody, the link
#     is still refused and nothing is created as root;
#   - watch -r as root into a directory anyone may write: refused.
# Needs root and setpriv; skips saying why otherwise. CI runs as root.
set -u
: "${FLOWAUDIT:?}" "${FIXTURES:?}" "${SRCDIR:?}"
SITE="$SRCDIR/pcaps/demo-site.json"
CAP="$FIXTURES/demo.pcap"

skip() {
	echo "1..0 # SKIP $*"
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip "needs root (root writing into a user's directory is the case)"
command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
id nobody >/dev/null 2>&1 || skip "no user nobody"
as_nobody() {
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"
}

# The other build's suite may run beside this one (bootstrap check): one
# capture on lo at a time, or each would see the other's packets.
exec 9>"${TMPDIR:-/tmp}/flowaudit-live-lo.lock"
flock 9
work=$(mktemp -d)
chmod 755 "$work"
readers=""
cleanup() {
	for r in $readers; do kill "$r" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

. "$SRCDIR/tests/tap.sh"

# Root's side: a file, a FIFO someone reads, a directory only root enters.
secret="$work/root-only"
mkdir -m 700 "$secret"
printf 'root:do not touch\n' >"$secret/victim"
touch -d '2001-01-01 00:00:00' "$secret/victim"
fingerprint() { stat -c '%s %Y' "$1"; sha256sum <"$1"; }
before=$(fingerprint "$secret/victim")
victim_intact() {
	[ "$(fingerprint "$secret/victim")" = "$before" ]
}
mkfifo -m 600 "$secret/fifo"
: >"$work/from-fifo"
timeout 300 cat "$secret/fifo" >>"$work/from-fifo" &
readers="$readers $!"

# nobody's side: its own directory, and links to root's things in it.
user_dir="$work/nobody"
mkdir -m 755 "$user_dir"
chown nobody "$user_dir"
plant() {  # plant NAME TARGET, as nobody
	as_nobody ln -sfn "$2" "$user_dir/$1"
}
still_link() {  # still_link NAME TARGET
	[ -L "$user_dir/$1" ] && [ "$(readlink "$user_dir/$1")" = "$2" ]
}

# -o FILE, as root: the link is refused whatever it points at.
for target in "$secret/victim" "$secret/fifo" /dev/null "$secret/new-file"; do
	plant report.json "$target"
	for opt in "" --allow-special-output; do
		timeout -k 5 30 "$FLOWAUDIT" audit -q --fail-on none --site "$SITE" $opt \
			--format json -o "$user_dir/report.json" "$CAP" 2>"$work/o.err"
		rc=$?
		[ $rc = 2 ] && still_link report.json "$target" && victim_intact &&
			[ ! -s "$work/from-fifo" ] && [ ! -e "$secret/new-file" ] &&
			grep -q "refusing to write $user_dir/report.json: it is a symbolic link" "$work/o.err"
		check $? "audit -o, a link nobody planted to $target ${opt:-}: refused (exit $rc), target untouched" "$work/o.err"
	done
done

# watch -r as root: the window reports' names are known in advance.
stamp=flowaudit-20231114T000000Z.json   # demo.pcap's day (1700000000)
plant latest.json "$secret/victim"
plant "$stamp" "$secret/fifo"
timeout -k 5 30 "$FLOWAUDIT" watch -q --site "$SITE" --window 1d --report-dir "$user_dir" \
	--format json "$CAP" 2>"$work/watch.err"
rc=$?
[ $rc = 2 ] && still_link latest.json "$secret/victim" && still_link "$stamp" "$secret/fifo" &&
	victim_intact && [ ! -s "$work/from-fifo" ] &&
	grep -q "refusing to write $user_dir/latest.json: it is a symbolic link" "$work/watch.err" &&
	grep -q "refusing to write $user_dir/$stamp: it is a symbolic link" "$work/watch.err"
check $? "watch -r --report-dir: planted latest.json and $stamp refused (exit $rc), targets untouched" "$work/watch.err"
rm -f "$user_dir/latest.json" "$user_dir/$stamp"

plant events.jsonl "$secret/victim"
timeout -k 5 30 "$FLOWAUDIT" watch -q --site "$SITE" --window 1d --report-dir "$user_dir" \
	--format json --events "$user_dir/events.jsonl" "$CAP" 2>"$work/events.err"
rc=$?
[ $rc = 2 ] && still_link events.jsonl "$secret/victim" && victim_intact &&
	grep -q "refusing to write $user_dir/events.jsonl: it is a symbolic link" "$work/events.err"
check $? "watch -r --events (as root): a planted link is refused (exit $rc), the target untouched" "$work/events.err"

# Live, as the systemd unit runs it: root opens lo, becomes nobody.
plant events.jsonl "$secret/created-by-root"
timeout -k 5 30 "$FLOWAUDIT" watch -i lo --duration 2s --site "$SITE" --report-dir "$user_dir" \
	--format json --events "$user_dir/events.jsonl" 2>"$work/live.err"
rc=$?
[ $rc = 2 ] && still_link events.jsonl "$secret/created-by-root" &&
	[ ! -e "$secret/created-by-root" ] &&
	grep -q "refusing to write $user_dir/events.jsonl: it is a symbolic link" "$work/live.err"
check $? "watch -i lo --events: a link to a new root-only file is refused after the drop (exit $rc), nothing created" "$work/live.err"

plant events.jsonl "$secret/victim"
timeout -k 5 30 "$FLOWAUDIT" watch -i lo --duration 2s --site "$SITE" --report-dir "$user_dir" \
	--format json --events "$user_dir/events.jsonl" 2>"$work/live2.err"
rc=$?
[ $rc = 2 ] && victim_intact && grep -q "symbolic link" "$work/live2.err"
check $? "watch -i lo --events: a link to a root-owned file is refused (exit $rc), the file untouched" "$work/live2.err"
rm -f "$user_dir/events.jsonl"

# Without links, the live sensor writes as nobody: events file and reports
# belong to nobody.
timeout -k 5 30 "$FLOWAUDIT" watch -i lo --duration 2s --site "$SITE" --report-dir "$user_dir" \
	--format json --events "$user_dir/events.jsonl" 2>"$work/live3.err"
rc=$?
[ $rc = 0 ] && [ "$(stat -c %U "$user_dir/events.jsonl")" = nobody ] &&
	[ "$(stat -c %U "$user_dir/latest.json")" = nobody ]
check $? "watch -i lo: events file and reports are created by nobody, after the drop (exit $rc)" "$work/live3.err"

# A directory anyone may write, without the sticky bit: refused for root.
open_dir="$work/open"
mkdir -m 777 "$open_dir"
chmod 777 "$open_dir"
timeout -k 5 30 "$FLOWAUDIT" watch -q --site "$SITE" --window 1d --report-dir "$open_dir" \
	--format json "$CAP" 2>"$work/open.err"
rc=$?
[ $rc = 2 ] && [ -z "$(ls -A "$open_dir")" ] &&
	grep -q "cannot write reports into $open_dir: refusing to write .* as root: its directory $open_dir is writable by every user" "$work/open.err"
check $? "watch -r as root, --report-dir writable by everyone (no sticky bit): refused at the start (exit $rc)" "$work/open.err"

victim_intact && [ ! -s "$work/from-fifo" ]
check $? "in the end: root's file as it was ($(fingerprint "$secret/victim" | head -1)), nothing read from root's FIFO" "$work/from-fifo"

echo "1..$n"
[ "$failed" -eq 0 ]
