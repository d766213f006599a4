#!/bin/sh
# watch_netns.sh - `flowaudit watch` as a mirror-port sensor, for real: a
# network namespace with a veth pair made here; each fixture capture is
# replayed with tcpreplay into one end while watch captures on the other.
#   - every audit fixture: the window report's findings equal those of
#     `flowaudit audit` on the same file, with no packet dropped;
#   - privileges: after the drop, /proc/PID/status shows the unprivileged
#     uid and no effective capability;
#   - signals: SIGUSR1 writes a report now, SIGHUP with a broken site keeps
#     the old rules, SIGTERM writes the final report and exits 0;
#   - overload: a large capture at top speed through a small buffer: every
#     packet is either seen or counted as dropped in the report.
# Needs root, ip netns and tcpreplay; skips saying why otherwise. CI runs as
# root and must not skip it.
set -u
: "${FLOWAUDIT:?}" "${FIXTURES:?}" "${SRCDIR:?}" "${CASES:?}"
FIXTUREGEN=${FIXTUREGEN:-$(dirname "$FLOWAUDIT")/pcaps/fixturegen/fixturegen}
SITES="$SRCDIR/tests/e2e/sites"

skip() {
	echo "1..0 # SKIP $*"
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip "needs root to make a network namespace"
command -v ip >/dev/null || skip "ip (iproute2) not installed"
command -v tcpreplay >/dev/null || skip "tcpreplay not installed"

ns="fa-watch-$$"
work=$(mktemp -d)
chmod 755 "$work"
cleanup() {
	[ -n "${pid:-}" ] && kill -KILL "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	ip link del "fa$$a" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns" 2>"$work/ns.err" || skip "cannot create a network namespace: $(cat "$work/ns.err")"
ip link add "fa$$a" type veth peer name "fa$$b" || skip "cannot create a veth pair"
ip link set "fa$$b" netns "$ns"
# No addresses and no IPv6 autoconfiguration: the namespace's own stack
# stays silent, so only replayed frames are seen.
sysctl -qw "net.ipv6.conf.fa$$a.disable_ipv6=1" 2>/dev/null
ip netns exec "$ns" sysctl -qw "net.ipv6.conf.fa$$b.disable_ipv6=1" 2>/dev/null
ip link set "fa$$a" up
ip netns exec "$ns" ip link set "fa$$b" up
tx="fa$$a" rx="fa$$b"

. "$SRCDIR/tests/tap.sh"

# Starts watch in the namespace; waits until it is listening.
start_watch() {
	dir=$1
	shift
	mkdir -p "$dir"
	# watch drops to nobody once the interface is open: the directory is
	# nobody's, as the systemd unit makes it (root refuses to write into
	# one anyone may write, so no chmod 777).
	chown nobody "$dir"
	chmod 755 "$dir"
	ip netns exec "$ns" "$FLOWAUDIT" watch -i "$rx" --window 1d --report-dir "$dir" \
		--format json "$@" 2>"$dir/stderr" &
	pid=$!
	for _ in $(seq 100); do
		grep -q "listening on" "$dir/stderr" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

stop_watch() {
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	pid=""
	return $rc
}

# Findings without times (live packets carry the replay's clock).
findings() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["findings"]:
    f.pop("first_ts", None); f.pop("last_ts", None)
    for side in ("client", "server"):
        f[side].pop("host_source", None)
print(json.dumps(d["findings"], sort_keys=True, indent=1))
' "$1"
}

drops() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
i = d["inputs"][0]
print(i.get("kernel_drops", "?"), i.get("interface_drops", "?"), i["packets"])
' "$1"
}

for case_dir in "$CASES"/audit-*/; do
	cmd=$(cat "$case_dir/cmd")
	case "$cmd" in *"--format json"*) ;; *) continue ;; esac
	name=$(basename "$case_dir")
	site=$(echo "$cmd" | sed -n 's/.*--site @SITES@\/\([^ ]*\).*/\1/p')
	pcap=$(echo "$cmd" | sed -n 's/.*@FIXTURES@\/\([^ ]*\).*/\1/p')
	[ -n "$site" ] && [ -n "$pcap" ] || continue
	dir="$work/$name"
	# One case with sharded workers: they start after the drop, so no
	# thread keeps a capability (checked below, thread by thread).
	threads=1
	[ "$name" = audit-demo ] && threads=2
	if ! start_watch "$dir" --site "$SITES/$site" --threads $threads; then
		check 1 "$name: watch starts listening" "$dir/stderr"
		continue
	fi
	if [ "$name" = audit-demo ]; then
		status=/proc/$pid/status
		uid=$(awk '/^Uid:/ {print $2 $3 $4 $5}' "$status")
		capeff=$(awk '/^CapEff:/ {print $2}' "$status")
		nobody=$(id -u nobody)
		[ "$uid" = "$nobody$nobody$nobody$nobody" ] && [ "$capeff" = 0000000000000000 ]
		check $? "after the drop /proc/PID/status shows uid $nobody (got $uid) and CapEff 0 (got $capeff)" "$status"
	fi
	# 5000 packets a second, not --topspeed: each packet keeps a time of
	# its own, so the flow a finding shows as its example (the earliest,
	# docs/report-format.md) is the file's, not a tie broken by address.
	sent=$(tcpreplay -q --pps 5000 -i "$tx" "$FIXTURES/$pcap" 2>&1 | sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p')
	sleep 0.5
	if [ "$name" = audit-demo ]; then
		tasks=0 privileged=0
		for st in /proc/$pid/task/*/status; do
			tasks=$((tasks + 1))
			grep -q '^CapEff:[[:space:]]*0000000000000000$' "$st" &&
				[ "$(awk '/^Uid:/ {print $2}' "$st")" = "$(id -u nobody)" ] ||
				privileged=$((privileged + 1))
		done
		[ "$tasks" -ge 3 ] && [ "$privileged" = 0 ]
		check $? "--threads 2: the reader and both workers ($tasks threads) run as nobody with CapEff 0 ($privileged not)"
	fi
	stop_watch
	rc=$?
	"$FLOWAUDIT" audit -q --site "$SITES/$site" --format json -o "$dir/audit.json" \
		"$FIXTURES/$pcap"
	findings "$dir/audit.json" >"$dir/want" 2>&1
	findings "$dir/latest.json" >"$dir/got" 2>&1
	diff -u "$dir/want" "$dir/got" >"$dir/diff"
	same=$?
	# The kernel filter keeps what can be in scope (the site's audited
	# hosts, DNS, tunnels): flows of peers alone never reach watch. Every
	# packet it lets through must be seen.
	filter=$(sed -n 's/^flowaudit: watch: kernel filter from the site: //p' "$dir/stderr")
	want=$sent
	[ -n "$filter" ] && want=$(tcpdump -nn -r "$FIXTURES/$pcap" "$filter" 2>/dev/null | wc -l)
	set -- $(drops "$dir/latest.json")
	[ $rc = 0 ] && [ $same = 0 ] && [ "${1:-x}" = 0 ] && [ "${3:-x}" -ge "${want:-0}" ] &&
		[ "${3:-x}" -le "${sent:-0}" ]
	check $? "$name: replayed live ($sent packets, $want through the site's filter, $3 seen, $1 dropped), findings equal the audit's" "$dir/diff"
done

# A drop that cannot happen stops the sensor: it never reads as root.
ip netns exec "$ns" "$FLOWAUDIT" watch -i "$rx" --site "$SITES/separate.json" \
	--report-dir "$work" --user no-such-user-here >"$work/nouser.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q 'cannot drop privileges: no user "no-such-user-here"' "$work/nouser.out"
check $? "--user naming no account: a clear error and exit 2, nothing captured (exit $rc)" "$work/nouser.out"

# Signals.
dir="$work/signals"
cp "$SRCDIR/pcaps/demo-site.json" "$work/site.json"
chmod 644 "$work/site.json"
# Short timeouts: the unanswered SYNs end (as S0) two seconds after the
# last, closed connections a second after their close, and each flow's
# event line goes out as it ends.
start_watch "$dir" --site "$work/site.json" --events "$dir/events.jsonl" \
	--timeout tcp-attempt=2,tcp-closed=1
tcpreplay -q -t -i "$tx" "$FIXTURES/demo.pcap" >/dev/null 2>&1
# At once, with most flows still open (closing, or unanswered).
sleep 0.3
kill -USR1 "$pid"
for _ in $(seq 50); do [ -f "$dir/latest.json" ] && break; sleep 0.1; done
ls "$dir"/flowaudit-*.json >/dev/null 2>&1 && kill -0 "$pid"
check $? "SIGUSR1 writes a window report now and watch goes on" "$dir/stderr"
summary() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
print(s["missing"], s["blocked"], s["unexpected"], s["observed"], s["flows"])
' "$1"
}
summary "$dir/latest.json" >"$dir/summary"
[ "$(cat "$dir/summary")" = "1 1 2 22 26" ]
check $? "the SIGUSR1 report, flows still open, holds the demo's findings (1 missing, 1 blocked, 2 unexpected, 22 observed)" "$dir/summary"
for _ in $(seq 50); do
	[ "$(wc -l <"$dir/events.jsonl")" -ge 3 ] && break
	sleep 0.1
done
[ "$(wc -l <"$dir/events.jsonl")" -eq 3 ]
check $? "three event lines (2 unexpected flows, 1 failed attempt) written as the flows ended" "$dir/events.jsonl"

echo '{ "roles": broken' >"$work/site.json"
kill -HUP "$pid"
sleep 1
grep -q "reload failed" "$dir/stderr" && grep -q "site.json:1:" "$dir/stderr" && kill -0 "$pid"
check $? "SIGHUP with a broken site: the error names the file and line, the old rules stay" "$dir/stderr"
tcpreplay -q -t -i "$tx" "$FIXTURES/demo.pcap" >/dev/null 2>&1
sleep 0.5
stop_watch
rc=$?
count=$(ls "$dir"/flowaudit-*.json | wc -l)
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
sys.exit(0 if (s["missing"], s["blocked"], s["unexpected"]) == (1, 1, 2) else 1)
' "$dir/latest.json"
ok=$?
[ $rc = 0 ] && [ "$count" -ge 2 ] && [ $ok = 0 ]
check $? "SIGTERM writes the final report (judged by the old rules) and exits 0 (exit $rc, $count reports)" "$dir/stderr"

# Overload: far more than a 1 MiB buffer holds, at top speed.
big="$work/big.pcap"
"$FIXTUREGEN" flows-concurrent "$big" --count 100000 >/dev/null 2>&1
dir="$work/overload"
start_watch "$dir" --site "$SITES/separate.json" --bpf ip --buffer-size 1
sent=$(tcpreplay -q -t -i "$tx" "$big" 2>&1 | sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p')
sleep 1
stop_watch
set -- $(drops "$dir/latest.json")
seen=$3 dropped=$1
[ -n "$sent" ] && [ "$dropped" != "?" ] && [ $((seen + dropped)) -ge "$sent" ]
check $? "overload: $sent sent = $seen seen + $dropped dropped (reported, not hidden)" "$dir/stderr"

echo "1..$n"
[ "$failed" -eq 0 ]
