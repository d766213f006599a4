#!/bin/sh
# hash_seeds.sh - no output depends on the hash key: flows and audit of
# every fixture, and of captures crafted to collide in the old tables,
# are byte-identical under two FLOWAUDIT_HASH_SEED values and a random key;
# a malformed seed is refused. So is audit --threads 2 of a SYN flood from
# more hosts than the host visibility table holds: which hosts the merged
# table keeps once full must not follow the key's slot order.
set -u
: "${FLOWAUDIT:?}" "${FIXTURES:?}" "${SRCDIR:?}" "${FIXTUREGEN:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$SRCDIR/tests/tap.sh"

python3 "$SRCDIR/pcaps/collisions.py" flows --crafted -n 3000 -o "$work/flows.pcap"
python3 "$SRCDIR/pcaps/collisions.py" dns --crafted -n 3000 -o "$work/dns.pcap"
"$FIXTUREGEN" syn-flood "$work/hosts.pcap" --count 100000 >/dev/null
set -- "$FIXTURES"/*.pcap "$FIXTURES"/*.pcapng
# run TAG: the outputs under one key (TAG "random": none set).
run() {
	if [ "$1" = random ]; then
		unset FLOWAUDIT_HASH_SEED
	else
		FLOWAUDIT_HASH_SEED=$1
		export FLOWAUDIT_HASH_SEED
	fi
	shift
	"$FLOWAUDIT" flows -q --format jsonl "$@" >"$work/flows.$tag" 2>/dev/null
	"$FLOWAUDIT" audit -q --fail-on none --site "$SRCDIR/pcaps/demo-site.json" \
		--format json "$@" >"$work/audit.$tag" 2>/dev/null
	"$FLOWAUDIT" audit -q --fail-on none --site "$SRCDIR/pcaps/demo-site.json" \
		--format text "$work/flows.pcap" "$work/dns.pcap" >"$work/crafted.$tag" 2>/dev/null
	"$FLOWAUDIT" flows --no-dpi --format jsonl "$work/flows.pcap" "$work/dns.pcap" \
		>"$work/nodpi.$tag" 2>"$work/nodpi-err.$tag"
	"$FLOWAUDIT" audit -q --threads 2 --fail-on none --site "$SRCDIR/pcaps/demo-site.json" \
		--format json "$work/hosts.pcap" >"$work/hosts.$tag" 2>/dev/null
}
for tag in 1 0123456789abcdef0123456789ABCDEF random; do
	run "$tag" "$@"
done
grep -q "visibility table was full" "$work/hosts.1"
check $? "the SYN flood overflows the host visibility table"
for out in flows audit crafted nodpi nodpi-err hosts; do
	same "$work/$out.1" "$work/$out.0123456789abcdef0123456789ABCDEF" \
		"$out: two seeds give the same bytes"
	same "$work/$out.1" "$work/$out.random" "$out: a seed and a random key give the same bytes"
done

n=$((n + 1))
FLOWAUDIT_HASH_SEED=xyz "$FLOWAUDIT" flows "$work/dns.pcap" >/dev/null 2>"$work/err"
rc=$?
if [ $rc -eq 2 ] && grep -q FLOWAUDIT_HASH_SEED "$work/err"; then
	echo "ok $n - a malformed seed is refused (exit 2)"
else
	echo "not ok $n - a malformed seed is refused (exit $rc)"
	failed=$((failed + 1))
fi
echo "1..$n"
