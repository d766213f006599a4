#!/bin/sh
# outputs.sh - report files: several formats from one read, each written to
# a temporary name and renamed; a device or FIFO written in place (never
# replaced by a file); an unwritable directory or a full disk gives a clear
# error and a non-zero exit with the previous report untouched.
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

n=0 failed=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && [ -f "$3" ] && sed 's/^/# /' "$3" | head -10
		failed=$((failed + 1))
	fi
}
audit() {
	"$FLOWAUDIT" audit -q --fail-on none --site "$SITE" "$@" "$CAP"
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
cat "$work/fifo" >"$work/from-fifo" &
reader=$!
audit --format events -o "$work/fifo"
wait $reader
[ -p "$work/fifo" ] && grep -q '"dataset":"flowaudit.finding"' "$work/from-fifo"
check $? "a FIFO is written in place and stays a FIFO"

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

audit --format json -o /dev/full 2>"$work/full.err"
rc=$?
[ $rc = 2 ] && grep -q "cannot write /dev/full.*No space left on device" "$work/full.err" && [ -c /dev/full ]
check $? "a write error (/dev/full): exit 2 and a message naming the file" "$work/full.err"

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
