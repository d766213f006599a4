#!/bin/sh
# cli_messages.sh - what the command line says when something is wrong, and
# when: a file that cannot be opened is named once; a damaged record cannot
# inflate the byte count past the file; a missing default matrix names
# --matrix and FLOWAUDIT_MATRIX_DIR; a report that cannot be written is said
# before the capture is read, not after; the probe leaves nothing behind.
# (The wording of single errors is in golden cases: tests/e2e/cases.)
set -u
: "${FLOWAUDIT:?}" "${FIXTURES:?}" "${SRCDIR:?}"
SITE="$SRCDIR/pcaps/demo-site.json"
CAP="$FIXTURES/demo.pcap"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$SRCDIR/tests/tap.sh"

# -- a capture that cannot be opened: its path once, libpcap's reason once.
"$FLOWAUDIT" flows "$work/absent.pcap" >/dev/null 2>"$work/err"
[ "$(grep -o "$work/absent.pcap" "$work/err" | wc -l)" = 1 ] &&
	grep -q "^flowaudit: $work/absent.pcap: No such file or directory$" "$work/err"
check $? "a capture that cannot be opened is named once: FILE: reason" "$work/err"
# -q ends the progress and summary lines, not the reason nothing was read.
for cmd in "audit -q --site $SITE" "suggest -q" "flows -q"; do
	# shellcheck disable=SC2086
	"$FLOWAUDIT" $cmd "$work/absent.pcap" >/dev/null 2>"$work/err"
	rc=$?
	[ "$rc" = 2 ] && [ "$(grep -o "$work/absent.pcap" "$work/err" | wc -l)" = 1 ] &&
		grep -q "^flowaudit: $work/absent.pcap: No such file or directory$" "$work/err"
	check $? "${cmd%% *} -q still names a capture it cannot open, once (exit $rc)" "$work/err"
done

# -- a 239-byte capture cut short, whose first record claims 524354 bytes
# on the wire: the summary counts what the records can hold, never more
# bytes than the file has (the three frames read hold 66 bytes each).
head -c 239 "$CAP" >"$work/cut.pcap"
python3 - "$work/cut.pcap" <<'PY'
import struct, sys
path = sys.argv[1]
d = bytearray(open(path, 'rb').read())
caplen, = struct.unpack_from('<I', d, 32)
struct.pack_into('<I', d, 36, 524288 + caplen)   # the record's wire length
open(path, 'wb').write(d)
PY
[ "$(wc -c <"$work/cut.pcap")" = 239 ]
check $? "the damaged capture is 239 bytes"
"$FLOWAUDIT" flows "$work/cut.pcap" >/dev/null 2>"$work/err"
bytes=$(sed -n 's/^flowaudit: [0-9]* packets\{0,1\}, \([0-9]*\) bytes\{0,1\} from.*/\1/p' "$work/err")
[ -n "$bytes" ] && [ "$bytes" -le 239 ]
check $? "a cut 239-byte capture claiming a 512 KiB frame reports $bytes bytes, not 524 k" "$work/err"
"$FLOWAUDIT" audit -q --format json --site "$SITE" "$work/cut.pcap" >"$work/cut.json" 2>"$work/err"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if all(i["bytes"] <= 239 for i in r["inputs"]) else 1)' "$work/cut.json"
check $? "the JSON report's input bytes of the cut capture are at most its 239 bytes" "$work/err"

# -- the default matrix missing: say how to name one.
mkdir "$work/empty"
for cmd in "check --site $SITE" "audit -q --site $SITE $CAP" "matrix" \
	"watch -q --report-dir $work/empty -r $CAP --site $SITE"; do
	# shellcheck disable=SC2086
	FLOWAUDIT_MATRIX_DIR="$work/empty" "$FLOWAUDIT" $cmd >/dev/null 2>"$work/err"
	rc=$?
	[ "$rc" = 2 ] && grep -q -- "--matrix FILE" "$work/err" &&
		grep -q "FLOWAUDIT_MATRIX_DIR" "$work/err"
	check $? "${cmd%% *} without its matrix names --matrix and FLOWAUDIT_MATRIX_DIR (exit $rc)" "$work/err"
done

# -- an HTML report of a capture read from a named pipe: the pipe is not
# opened again to hash (it would hang with no writer, or hash nothing).
mkfifo "$work/pipe.pcap"
cat "$CAP" >"$work/pipe.pcap" &
timeout 30 "$FLOWAUDIT" audit -q --fail-on none --site "$SITE" -o "$work/pipe.html" \
	"$work/pipe.pcap" 2>"$work/err"
rc=$?
wait
[ "$rc" = 0 ] && grep -q "not a regular file" "$work/pipe.html" &&
	! grep -q "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" "$work/pipe.html"
check $? "an HTML report of a capture from a named pipe says it is not hashed, and ends (exit $rc)" "$work/err"

# -- watch takes its --format as audit does: xml suggests junit.
"$FLOWAUDIT" watch -q --format xml -r "$CAP" --site "$SITE" >/dev/null 2>"$work/err"
rc=$?
[ "$rc" = 2 ] && grep -q 'unknown format "xml": did you mean junit?' "$work/err"
check $? "watch --format xml suggests junit (exit $rc)" "$work/err"

# -- an output that cannot be written is said before the read: a FIFO that
# sends nothing for 30 s stands for a long capture (its writer is ended
# after each run).
mkfifo "$work/slow"
slow_capture() {
	sleep 30 >"$work/slow" &
	writer=$!
	started=$(date +%s)
	timeout -k 5 20 "$FLOWAUDIT" audit -q --site "$SITE" "$@" "$work/slow" \
		>/dev/null 2>"$work/err"
	rc=$? took=$(($(date +%s) - started))
	kill "$writer" 2>/dev/null
	wait "$writer" 2>/dev/null
}

slow_capture --format json -o "$work/no-such-dir/report.json"
[ "$rc" = 2 ] && [ "$took" -lt 10 ] && grep -q "no-such-dir" "$work/err"
check $? "-o into a missing directory fails at once (exit $rc after ${took}s), before reading" "$work/err"

chmod 555 "$work/empty"
if [ "$(id -u)" != 0 ]; then
	slow_capture -o "$work/empty/report.html"
	[ "$rc" = 2 ] && [ "$took" -lt 10 ] && grep -q "empty/report.html" "$work/err"
	check $? "-o into a directory we may not write fails before reading (exit $rc)" "$work/err"
else
	n=$((n + 1)); echo "ok $n # SKIP root may write any directory"
fi
chmod 755 "$work/empty"

mkdir "$work/out"
"$FLOWAUDIT" audit -q --site "$SITE" -o "$work/out/r.json" "$work/absent.pcap" \
	>/dev/null 2>"$work/err"
[ $? = 2 ] && [ -z "$(ls -A "$work/out")" ]
check $? "probing the report's directory leaves nothing there when the run fails" "$work/err"

"$FLOWAUDIT" audit -q --fail-on none --site "$SITE" -o "$work/out/r.json" \
	--format text -o - "$CAP" >"$work/stdout" 2>"$work/err"
[ $? = 0 ] && [ -s "$work/out/r.json" ] && grep -q '^VERDICT' "$work/stdout"
check $? "-o - is standard output (text), beside a file report" "$work/err"

# -- help pages: each says its exit status, and stays within 80 columns
# however long the default matrix's path is (it gets a line of its own).
long="$work/a-rather-long-directory-name-for-the-matrix/and-one-more-level-below-it"
for cmd in audit check flows matrix; do
	FLOWAUDIT_MATRIX_DIR="$long" "$FLOWAUDIT" $cmd --help >"$work/help" 2>&1
	grep -q '^Exit status: ' "$work/help"
	check $? "$cmd --help states the exit status" "$work/help"
	grep -v "^ *$long/speechexec-enterprise.json\$" "$work/help" |
		awk 'length($0) > 80 { bad = 1; print "# " length($0) ": " $0 } END { exit bad }'
	check $? "$cmd --help keeps to 80 columns, a long default matrix path on its own line"
done
"$FLOWAUDIT" --help | grep -q '^  matrix  '
check $? "flowaudit --help lists the matrix command"

echo "1..$n"
[ "$failed" -eq 0 ]
