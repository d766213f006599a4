#!/bin/sh
# threads.sh - two threads (capture; classification and output) give the
# same output as one, byte for byte: every fixture through flows and audit,
# a generated capture large enough to fill many hand-over batches, and
# watch's window reports and events.
set -u
: "${FLOWAUDIT:?}" "${FIXTURES:?}" "${SRCDIR:?}"
FIXTUREGEN=${FIXTUREGEN:-$(dirname "$FLOWAUDIT")/pcaps/fixturegen/fixturegen}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$SRCDIR/tests/tap.sh"
set -- "$FIXTURES"/*.pcap "$FIXTURES"/*.pcapng
for t in 1 2; do
	"$FLOWAUDIT" flows -q --threads $t --format jsonl "$@" >"$work/flows.$t" 2>/dev/null
	"$FLOWAUDIT" audit -q --threads $t --fail-on none --site "$SRCDIR/pcaps/demo-site.json" \
		--format json "$@" >"$work/audit.$t" 2>/dev/null
done
same "$work/flows.1" "$work/flows.2" "flows of all $# fixtures: one thread and two agree"
same "$work/audit.1" "$work/audit.2" "audit of all $# fixtures: one thread and two agree"

"$FIXTUREGEN" syn-flood "$work/flood.pcap" --count 200000 >/dev/null 2>&1
"$FIXTUREGEN" flows-concurrent "$work/tls.pcap" --count 20000 >/dev/null 2>&1
for t in 1 2; do
	"$FLOWAUDIT" flows -q --threads $t --max-flows 5000 --format jsonl \
		"$work/flood.pcap" "$work/tls.pcap" >"$work/big.$t" 2>/dev/null
done
# watch: window boundaries are a rendezvous between the threads, so open
# flows are snapshotted as one thread would see them.
for t in 1 2; do
	mkdir -p "$work/watch.$t"
	"$FLOWAUDIT" watch -q --threads $t --site "$SRCDIR/pcaps/demo-site.json" --window 2s \
		--report-dir "$work/watch.$t" --format json --format csv \
		--events "$work/watch.$t/events.jsonl" "$FIXTURES"/demo*.pcap \
		"$work/tls.pcap" >/dev/null 2>&1
	(cd "$work/watch.$t" && ls | sort | while read -r f; do echo "== $f"; cat "$f"; done) \
		>"$work/watch.$t.all"
done
same "$work/watch.1.all" "$work/watch.2.all" "watch, 2 s windows: one thread and two write the same reports and events ($(grep -c '^== ' "$work/watch.1.all") files)"

[ -s "$work/big.1" ]
same "$work/big.1" "$work/big.2" "220,000 flows with evictions: one thread and two agree ($(wc -l <"$work/big.1") records)"
echo "1..$n"
[ "$failed" -eq 0 ]
