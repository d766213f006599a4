#!/bin/sh
# outputs.sh - report files: several formats from one read, each written to
# a temporary name and renamed; a device or FIFO written in place (never
# replaced by a file) only with --allow-special-output; a symbolic link as
# the file is refused, its target untouched; as root, a directory others may
# write without the sticky bit is refused; an unwritable directory or a full
# disk gives a clear error and a non-zero exit with the previous report
# untouched.
set -u
: "${FLOWAUDIT:?}" "${FIXTURES:?}" "${SRCDIR:?}"
SITE="$SRCDIR/pcaps/demo-site.json"
CAP="$FIXTURES/demo.pcap"

work=$(mktemp -d)
cleanup() {
	[ -n "${mnt:-}" ] && umount "$mnt" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

. "$SRCDIR/tests/tap.sh"
# Bounded: a writer stuck on a FIFO nobody reads fails the check, not the run.
audit() {
	timeout -k 5 30 "$FLOWAUDIT" audit -q --fail-on none --site "$SITE" "$@" "$CAP"
}

audit --format json -o "$work/r.json" --format html -o "$work/r.html" \
	--format junit -o "$work/r.xml" -o "$work/r.csv" 2>"$work/err"
[ $? = 0 ] && [ -s "$work/r.json" ] && [ -s "$work/r.html" ] && [ -s "$work/r.xml" ] &&
	head -1 "$work/r.csv" | grep -q '^kind,cause,rule,'
check $? "one run writes every requested format; -o FILE.csv alone means CSV" "$work/err"

ls "$work" | grep -q '\.tmp\.'
[ $? != 0 ]
check $? "no temporary file is left behind"

umask 022
audit --format json -o "$work/mode.json"
[ "$(stat -c %a "$work/mode.json")" = 644 ]
check $? "a report file gets the usual mode (0644 under umask 022), not mkstemp's 0600"

mkfifo "$work/fifo"
timeout 20 cat "$work/fifo" >"$work/from-fifo" &
reader=$!
audit --format events --allow-special-output -o "$work/fifo"
wait $reader
[ -p "$work/fifo" ] && grep -q '"dataset":"flowaudit.finding"' "$work/from-fifo"
check $? "with --allow-special-output a FIFO is written in place and stays a FIFO"

# Without it, a FIFO (or a device) is refused before it is opened: no
# reader is needed for the refusal, and none is left waiting.
audit --format events -o "$work/fifo" 2>"$work/fifo.err"
rc=$?
[ $rc = 2 ] && [ -p "$work/fifo" ] &&
	grep -q "refusing to write $work/fifo: it is a FIFO.*--allow-special-output" "$work/fifo.err"
check $? "a FIFO without --allow-special-output: refused, exit 2, the message says how (exit $rc)" "$work/fifo.err"

# A symbolic link as the report's name is neither followed nor replaced,
# whatever it points at: a file, a device, a FIFO, nothing yet.
echo "victim" >"$work/victim"
cp "$work/victim" "$work/victim.before"
touch -d '2001-01-01 00:00:00' "$work/victim"
links_ok=0
for target in "$work/victim" /dev/null "$work/fifo" "$work/not-there-yet"; do
	ln -sf "$target" "$work/link.json"
	for opt in "" --allow-special-output; do
		audit --format json $opt -o "$work/link.json" 2>"$work/link.err"
		rc=$?
		if ! { [ $rc = 2 ] && [ -L "$work/link.json" ] &&
			[ "$(readlink "$work/link.json")" = "$target" ] &&
			grep -q "refusing to write $work/link.json: it is a symbolic link" "$work/link.err"; }; then
			echo "# -o link to $target ${opt:-(no option)}: exit $rc"
			sed 's/^/#   /' "$work/link.err"
			links_ok=1
		fi
	done
done
cmp -s "$work/victim" "$work/victim.before" &&
	[ "$(stat -c %Y "$work/victim")" = "$(date -d '2001-01-01 00:00:00' +%s)" ] &&
	[ ! -e "$work/not-there-yet" ]
[ $? = 0 ] && [ $links_ok = 0 ]
check $? "-o naming a symbolic link (to a file, /dev/null, a FIFO, nothing): refused with exit 2, the link and its target untouched"

ln -sf "$work/victim" "$work/link.jsonl"
timeout -k 5 30 "$FLOWAUDIT" flows -q -o "$work/link.jsonl" "$CAP" 2>"$work/flows-link.err"
rc1=$?
audit --flow-events "$work/link.jsonl" -o "$work/events-ok.json" 2>"$work/fe-link.err"
rc2=$?
[ $rc1 = 2 ] && [ $rc2 = 2 ] && [ -L "$work/link.jsonl" ] && cmp -s "$work/victim" "$work/victim.before" &&
	grep -q "symbolic link" "$work/flows-link.err" && grep -q "symbolic link" "$work/fe-link.err"
check $? "flows -o and audit --flow-events refuse a symbolic link too (exit $rc1, $rc2)" "$work/fe-link.err"

# A directory on the way is followed (only the last component is refused).
mkdir "$work/real"
ln -s "$work/real" "$work/dirlink"
audit --format json -o "$work/dirlink/r.json" && [ -f "$work/real/r.json" ] && [ ! -L "$work/real/r.json" ]
check $? "a symbolic link to a directory on the way is fine: the report lands in it"

# Root and a directory others can write: refused unless sticky.
if [ "$(id -u)" = 0 ]; then
	mkdir "$work/open" "$work/sticky"
	chmod 777 "$work/open"
	chmod 1777 "$work/sticky"
	audit --format json -o "$work/open/r.json" 2>"$work/open.err"
	rc=$?
	[ $rc = 2 ] && [ ! -e "$work/open/r.json" ] && ! ls "$work/open" | grep -q . &&
		grep -q "refusing to write $work/open/r.json as root: its directory $work/open is writable by every user (mode 0777) without the sticky bit" "$work/open.err"
	check $? "as root, a world-writable directory without the sticky bit is refused (exit $rc)" "$work/open.err"
	audit --format json -o "$work/sticky/r.json" 2>"$work/sticky.err" && [ -s "$work/sticky/r.json" ]
	check $? "as root, a sticky world-writable directory (like /tmp) is fine" "$work/sticky.err"
else
	echo "ok $((n += 1)) # SKIP the directory rule applies to root only"
	echo "ok $((n += 1)) # SKIP the directory rule applies to root only"
fi

cp "$work/r.json" "$work/before.json"
mkdir "$work/ro"
cp "$work/r.json" "$work/ro/r.json"
chmod 555 "$work/ro"
if [ "$(id -u)" = 0 ] && ! command -v setpriv >/dev/null; then
	echo "ok $((n += 1)) # SKIP root ignores directory permissions and setpriv is missing"
else
	as_user=""
	[ "$(id -u)" = 0 ] && as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod 755 "$work"
	$as_user "$FLOWAUDIT" audit -q --fail-on none --site "$SITE" --format json \
		-o "$work/ro/r.json" "$CAP" 2>"$work/ro.err"
	rc=$?
	[ $rc = 2 ] && grep -q "cannot write $work/ro/r.json" "$work/ro.err" &&
		cmp -s "$work/ro/r.json" "$work/before.json"
	check $? "an unwritable directory: exit 2, a message naming the file, the old report untouched" "$work/ro.err"
fi

audit --format json --allow-special-output -o /dev/full 2>"$work/full.err"
rc=$?
[ $rc = 2 ] && grep -q "cannot write /dev/full.*No space left on device" "$work/full.err" && [ -c /dev/full ]
check $? "a write error (/dev/full): exit 2 and a message naming the file" "$work/full.err"

audit --format json -o /dev/null 2>"$work/null.err"
rc=$?
[ $rc = 2 ] && grep -q "refusing to write /dev/null: it is a character device" "$work/null.err"
check $? "a device without --allow-special-output: refused (exit $rc)" "$work/null.err"

# ... and refused before the capture is read, not after: the capture here
# is a pcap header on a FIFO whose writer stays for a minute. Refused up
# front, the run ends at once; refused at the end, it would wait for it.
mkfifo "$work/slow"
mkdir "$work/windows"
for run in "audit -o /dev/null" "audit -o $work/fifo" "audit --events /dev/null" \
	   "watch --report-dir $work/windows --events /dev/null"; do
	set -- $run
	cmd=$1
	shift
	{ head -c 24 "$CAP"; exec sleep 60; } >"$work/slow" &
	writer=$!
	start=$(date +%s)
	timeout -k 5 30 "$FLOWAUDIT" "$cmd" -q --site "$SITE" --format json "$@" \
		"$work/slow" 2>"$work/early.err"
	rc=$?
	took=$(( $(date +%s) - start ))
	kill $writer 2>/dev/null
	wait $writer 2>/dev/null
	eval "dest=\${$#}"
	[ $rc = 2 ] && [ $took -lt 20 ] && grep -q "refusing to write $dest" "$work/early.err"
	check $? "$cmd $* without --allow-special-output: refused before the capture is read (exit $rc after $took s)" "$work/early.err"
done

# A real full file system: a tiny tmpfs (needs root, as in CI).
mnt="$work/small"
mkdir "$mnt"
if mount -t tmpfs -o size=16k tmpfs "$mnt" 2>/dev/null; then
	echo '{"old": "report"}' >"$mnt/r.html"
	cp "$mnt/r.html" "$work/old.html"
	audit --format html -o "$mnt/r.html" 2>"$work/disk.err"
	rc=$?
	[ $rc = 2 ] && grep -q "cannot write $mnt/r.html.*No space left on device" "$work/disk.err" &&
		cmp -s "$mnt/r.html" "$work/old.html" && ! ls "$mnt" | grep -q '\.tmp\.'
	check $? "a full disk: exit 2, a clear message, the previous report untouched, no temporary file" "$work/disk.err"
else
	mnt=""
	echo "ok $((n += 1)) # SKIP cannot mount a small tmpfs here (needs root)"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
