#!/bin/sh
# soak.sh - watch under sustained traffic: memory stays flat, nothing is
# dropped. Not part of `make check` (it takes minutes); run as root:
#
#   FLOWAUDIT=build/flowaudit tests/live/soak.sh [SECONDS] [PPS] [MAX_FLOWS]
#
# A network namespace and a veth pair; the demo capture and a capture of
# 10,000 TLS flows replayed in a loop at PPS packets/s (default 20,000) for
# SECONDS (default 600), with --unique-ip so every loop makes new flows; watch
# captures everything (--bpf ip) with 1-minute windows and a flow table of
# MAX_FLOWS (default 100,000: at about 4,000 new flows a second the table is
# full, and evicting, within the first minute, so from then on memory is what
# it will stay; with the default million the plateau comes after the 300 s
# TCP timeout instead). Prints the resident
# set size each minute and the drops the final report states; fails when the
# last minute's RSS is more than 5% above the first minute's or a packet was
# dropped.
set -u
: "${FLOWAUDIT:?}"
SECONDS_TOTAL=${1:-600}
PPS=${2:-20000}
MAX_FLOWS=${3:-100000}
FLOWAUDIT=$(realpath "$FLOWAUDIT")
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=$(dirname "$FLOWAUDIT")
FIXTUREGEN=${FIXTUREGEN:-$BUILD/pcaps/fixturegen/fixturegen}

[ "$(id -u)" -eq 0 ] || { echo "soak.sh: needs root (network namespace)"; exit 2; }
ns="fa-soak-$$"
work=$(mktemp -d)
chmod 755 "$work"
cleanup() {
	[ -n "${pid:-}" ] && kill -KILL "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	ip link del "fs$$a" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip link add "fs$$a" type veth peer name "fs$$b"
ip link set "fs$$b" netns "$ns"
sysctl -qw "net.ipv6.conf.fs$$a.disable_ipv6=1"
ip netns exec "$ns" sysctl -qw "net.ipv6.conf.fs$$b.disable_ipv6=1"
ip link set "fs$$a" up
ip netns exec "$ns" ip link set "fs$$b" up

"$FIXTUREGEN" flows-concurrent "$work/tls.pcap" --count 10000 >/dev/null
"$FIXTUREGEN" demo "$work/demo.pcap" >/dev/null
mergecap -a -w "$work/mix.pcap" "$work/demo.pcap" "$work/tls.pcap" 2>/dev/null ||
	cat "$work/tls.pcap" >"$work/mix.pcap"
mkdir "$work/reports"
chmod 777 "$work/reports"
ip netns exec "$ns" "$FLOWAUDIT" watch -q -i "fs$$b" --bpf ip --window 1m --max-flows "$MAX_FLOWS" \
	--site "$SRCDIR/pcaps/demo-site.json" --report-dir "$work/reports" --format json \
	2>"$work/stderr" &
pid=$!
sleep 2
tcpreplay -q --pps "$PPS" --loop 0 --unique-ip --duration "$SECONDS_TOTAL" \
	-i "fs$$a" "$work/mix.pcap" >"$work/tcpreplay.log" 2>&1 &
replay=$!

minute=0 first="" last=""
start=$(date +%s)
while kill -0 "$replay" 2>/dev/null; do
	sleep 60
	minute=$((minute + 1))
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
	echo "minute $minute: VmRSS $rss kB"
	[ -z "$first" ] && first=$rss
	last=$rss
done
wait "$replay"
sent=$(sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p' "$work/tcpreplay.log")
sleep 2
kill -TERM "$pid"
wait "$pid"
pid=""
echo "tcpreplay: $(grep -E 'Actual|Rated' "$work/tcpreplay.log" | tr -s ' ' | tr '\n' ' ')"
python3 - "$work/reports" "$first" "$last" "$sent" <<'PY'
import glob, json, sys
d, first, last, sent = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4] or 0)
reports = sorted(glob.glob(d + "/flowaudit-*.json"))
final = json.load(open(reports[-1]))
i = final["inputs"][0]
kernel, iface, seen = i.get("kernel_drops", 0), i.get("interface_drops", 0), i["packets"]
growth = (last - first) / first * 100
print("windows %d; packets sent %d, seen %d; kernel drops %d, interface drops %d; "
      "flows evicted %d" % (len(reports), sent, seen, kernel, iface, final["capture"]["evicted"]))
print("RSS first minute %d kB, last minute %d kB: %+.1f%%" % (first, last, growth))
ok = kernel == 0 and iface == 0 and growth <= 5 and seen >= sent
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
