#!/bin/sh
# loopback.sh - the live source: flowaudit captures connections made on the
# loopback interface while it runs, stops after --duration, and on SIGINT
# still reports what it saw. Needs capture rights (root in CI); skips with
# the reason otherwise.
set -u
: "${FLOWAUDIT:?}"
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP live capture needs root (or cap_net_raw)"
	exit 0
fi
# The other build's suite may run beside this one (bootstrap check): one
# capture on lo at a time, or each would count the other's packets.
exec 9>"${TMPDIR:-/tmp}/flowaudit-live-lo.lock"
flock 9
out=$(mktemp)
connect() {
	python3 - "$1" <<'PY'
import socket, sys, time
time.sleep(1)
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", 9))   # nothing listens: refused
    except OSError:
        pass
    s.close()
PY
}
connect 3 &
"$FLOWAUDIT" flows -i lo --duration 3s --bpf "tcp port 9" --format jsonl -q >"$out" 2>&1
rc=$?
wait
n=$(grep -c '"conn_state":"REJ"' "$out")
[ "$rc" -eq 0 ] && echo "ok 1 - --duration ends a live capture (exit $rc)" ||
	echo "not ok 1 - --duration ends a live capture (exit $rc)"
[ "$n" -eq 3 ] && echo "ok 2 - three refused connections seen live as REJ" ||
	{ echo "not ok 2 - three refused connections seen live as REJ (got $n)"; sed 's/^/# /' "$out"; }

connect 2 &
"$FLOWAUDIT" flows -i lo --bpf "tcp port 9" --format jsonl -q >"$out" 2>&1 &
pid=$!
sleep 3
kill -INT "$pid"
wait "$pid"
rc=$?
wait
n=$(grep -c '"conn_state":"REJ"' "$out")
[ "$rc" -eq 0 ] && [ "$n" -eq 2 ] && echo "ok 3 - SIGINT ends the capture and the flows are still reported" ||
	{ echo "not ok 3 - SIGINT ends the capture and the flows are still reported (exit $rc, $n flows)"; sed 's/^/# /' "$out"; }
rm -f "$out"
echo "1..3"
