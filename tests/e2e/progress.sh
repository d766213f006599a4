#!/bin/sh
# progress.sh - the progress line on standard error: shown while reading a
# large capture when stderr is a terminal (bytes done of total, packets/s,
# open flows), never in a pipe or a log, never with -q.
set -u
: "${FLOWAUDIT:?}" "${SRCDIR:?}"
FIXTUREGEN=${FIXTUREGEN:-$(dirname "$FLOWAUDIT")/pcaps/fixturegen/fixturegen}

if ! command -v script >/dev/null 2>&1; then
	echo "1..0 # SKIP script(1) (package bsdutils) is needed to give the run a terminal"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Big enough to take more than the half second between updates.
"$FIXTUREGEN" flows-concurrent "$work/big.pcap" --count 150000 >/dev/null 2>&1

. "$SRCDIR/tests/tap.sh"

script -qfc "'$FLOWAUDIT' flows -o '$work/flows.txt' '$work/big.pcap'" \
	"$work/tty.log" >/dev/null 2>&1
grep -q '% big.pcap .* MB of .* MB, .* packets, .* packets/s, .* open flows' "$work/tty.log"
check $? "on a terminal a progress line shows bytes done of total, packets/s and open flows (those still in memory, which go down as flows end)"
tail -c 400 "$work/tty.log" | tr '\r' '\n' | grep -q '^.\[Kflowaudit: '
check $? "the progress line is cleared before the summary"

"$FLOWAUDIT" flows -o "$work/flows2.txt" "$work/big.pcap" 2>"$work/pipe.err"
! grep -q "$(printf '\033')" "$work/pipe.err" && ! grep -q 'packets/s' "$work/pipe.err"
check $? "standard error to a file: no progress line, no escape sequences"

script -qfc "'$FLOWAUDIT' flows -q --no-dpi -o '$work/flows3.txt' '$work/big.pcap'" \
	"$work/quiet.log" >/dev/null 2>&1
! grep -q 'packets/s' "$work/quiet.log"
check $? "-q: no progress line even on a terminal"

# A file name is shown through the terminal filter: an OSC title-set and
# a right-to-left override in it are written as text, not obeyed.
evil=$(printf 'evil\033]0;pwned\007\342\200\256.pcap')
ln -s big.pcap "$work/$evil"
script -qfc "'$FLOWAUDIT' flows -o '$work/flows4.txt' '$work/$evil'" \
	"$work/evil.log" >/dev/null 2>&1
# (script(1)'s first line quotes the command as it is.)
grep -qF '% evil\x1b]0;pwned\x07\u202e.pcap ' "$work/evil.log" &&
	! sed 1d "$work/evil.log" | grep -q "$(printf '\033]0;')"
check $? "the progress line shows a hostile file name escaped"

cmp -s "$work/flows.txt" "$work/flows2.txt"
check $? "the flows written are the same with and without a progress line"

echo "1..$n"
[ "$failed" -eq 0 ]
