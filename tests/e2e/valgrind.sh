#!/bin/sh
# valgrind.sh - memcheck over every fixture capture: the reading path, flows
# and every report format, with no invalid read or write, no use of
# uninitialised memory and no leak. The sanitizer build skips it (ASan and
# valgrind do not mix; ASan covers that build).
set -u
: "${FLOWAUDIT:?}" "${FIXTURES:?}" "${SRCDIR:?}"

if [ "${SANITIZED:-no}" = yes ]; then
	echo "1..0 # SKIP the sanitizer build is checked by ASan, not valgrind"
	exit 0
fi
if ! command -v valgrind >/dev/null 2>&1; then
	echo "1..0 # SKIP valgrind not installed"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --track-origins finds no error memcheck would miss; it only says where an
# uninitialised value came from, and doubles the run (a minute and a half
# of the suite). VALGRIND_ORIGINS=1 turns it on to diagnose a failure.
origins=
[ "${VALGRIND_ORIGINS:-0}" = 1 ] && origins=--track-origins=yes
# Runs go as many at once as there are CPUs (each is one process, most of a
# minute under memcheck); results are reported in order at the end.
jobs=$(nproc 2>/dev/null || echo 1)
n=0 failed=0 running=0
memcheck() {
	name=$1
	shift
	n=$((n + 1))
	printf '%s\n' "$name" >"$work/name.$n"
	(
		valgrind --quiet --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite,indirect \
			--show-leak-kinds=definite,indirect \
			$origins --log-file="$work/vg.$n" "$FLOWAUDIT" "$@" \
			>/dev/null 2>"$work/err.$n"
		echo $? >"$work/rc.$n"
	) &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
}

report() {
	wait
	i=0
	while [ "$i" -lt "$n" ]; do
		i=$((i + 1))
		name=$(cat "$work/name.$i")
		rc=$(cat "$work/rc.$i" 2>/dev/null || echo "none")
		if [ "$rc" != 99 ] && [ "$rc" != none ] && [ ! -s "$work/vg.$i" ]; then
			echo "ok $i - memcheck clean: $name (exit $rc)"
		else
			echo "not ok $i - memcheck: $name (exit $rc; VALGRIND_ORIGINS=1 says where)"
			sed 's/^/# /' "$work/vg.$i" | head -40
			failed=$((failed + 1))
		fi
	done
}

# Every fixture, one run each way, in order as several inputs.
set -- "$FIXTURES"/*.pcap "$FIXTURES"/*.pcapng
memcheck "flows over all $# fixtures" flows -q --format jsonl "$@"
memcheck "flows as CSV and events" flows -q --format events "$FIXTURES/demo.pcap" \
	"$FIXTURES/names-hostile.pcap" "$FIXTURES/dns-cname-tls.pcap"
for site in "$SRCDIR"/tests/e2e/sites/*.json "$SRCDIR/pcaps/demo-site.json"; do
	r=$work/r$n  # runs at once write files of their own
	memcheck "audit of all fixtures against $(basename "$site"), every format" \
		audit -q --site "$site" --format json -o "$r.json" \
		--format html -o "$r.html" --format junit -o "$r.xml" \
		--format csv -o "$r.csv" --format events -o "$r.jsonl" \
		--format text -o "$r.txt" --flow-events "$r.flows.jsonl" "$@"
done
# The checks after the audits: runs go in batches, like with like.
for site in "$SRCDIR"/tests/e2e/sites/*.json "$SRCDIR/pcaps/demo-site.json"; do
	memcheck "check --site $(basename "$site")" check --site "$site"
done
memcheck "suggest over all fixtures, site and evidence" suggest -q -o "$work/s.json" \
	--evidence "$work/s.md" "$@"
for bad in "$SRCDIR"/tests/data/sites/*.json; do
	memcheck "check of $(basename "$bad")" check --site "$bad"
done

report
echo "1..$n"
[ "$failed" -eq 0 ]
