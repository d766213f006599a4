#!/bin/sh
# threads.sh - --threads N (a reader and N sharded workers,
# cli/pipeline_threads.h) gives what one thread gives, for N = 2 and 4:
#  - flows: the same records, byte for byte, once sorted (workers end
#    flows in an order that depends on their timing; docs/architecture.md, Threads);
#  - audit and watch: the same reports; watch's events, sorted;
# on every fixture, a generated capture large enough to fill many batches,
# and every real capture in ../shared/pcaps/real when it is there.
#
# Two figures are allowed to differ, and are left out of the comparison:
#  - peak_flows: no one thread sees the peak of the workers' summed open
#    flows; a sharded run reports the sum of each worker's peak, an upper
#    bound;
#  - icmp_quoted_uid of an ICMP flow whose first packet quoted nothing and
#    a later one quoted a flow of another worker (the evidence still reaches
#    that flow: its icmp_errors are counted).
set -u
: "${FLOWAUDIT:?}" "${FIXTURES:?}" "${SRCDIR:?}"
FIXTUREGEN=${FIXTUREGEN:-$(dirname "$FLOWAUDIT")/pcaps/fixturegen/fixturegen}
REAL=${REAL_PCAPS:-$SRCDIR/../shared/pcaps/real}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$SRCDIR/tests/tap.sh"
SITE=$SRCDIR/pcaps/demo-site.json
# Under ASan (SANITIZED=yes, the suite's second build) every run costs
# several times more: the runs over all real captures at once take every
# STRIDE-th one there, which still runs the sharded code under the
# sanitizers; the normal build compares them all. The loops over single
# files take every EACH_STRIDE-th: every file is also in a run with all
# the others at 1, 2 and 4 workers, and a run alone at 4 workers costs
# four nDPI set-ups (40 ms each), most of a run on a small file.
STRIDE=1 EACH_STRIDE=2
[ "${SANITIZED:-no}" = yes ] && STRIDE=8 EACH_STRIDE=8

# The records, sorted, without the figures allowed to differ.
flows_of() {
	t=$1
	shift
	"$FLOWAUDIT" flows -q --threads "$t" --format jsonl "$@" 2>/dev/null |
		sed 's/"icmp_quoted_uid":"[^"]*",//' | LC_ALL=C sort
}

audit_of() {
	t=$1
	shift
	"$FLOWAUDIT" audit -q --threads "$t" --fail-on none --site "$SITE" \
		--format json "$@" 2>/dev/null | grep -v '"peak_flows"'
}

set -- "$FIXTURES"/*.pcap "$FIXTURES"/*.pcapng
for t in 1 2 4; do
	flows_of $t "$@" >"$work/flows.$t"
	audit_of $t "$@" >"$work/audit.$t"
	# Without nDPI the workers get only the lengths of packets that are
	# not DNS (classifier_reads_bytes): the flow table counts those.
	flows_of $t --no-dpi "$@" >"$work/nodpi.$t"
done
[ -s "$work/flows.1" ] && [ -s "$work/audit.1" ] && [ -s "$work/nodpi.1" ]
check $? "flows and audit of all $# fixtures wrote something ($(wc -l <"$work/flows.1") records)"
for t in 2 4; do
	same "$work/flows.1" "$work/flows.$t" "flows of all $# fixtures: one thread and $t workers agree"
	same "$work/audit.1" "$work/audit.$t" "audit of all $# fixtures: one thread and $t workers agree"
	same "$work/nodpi.1" "$work/nodpi.$t" "flows --no-dpi of all $# fixtures: one thread and $t workers agree"
done

# Without --threads or FLOWAUDIT_THREADS: audit takes a worker per CPU it
# may run on (nproc counts its affinity mask), at most 8 (one reader feeds
# no more), while flows and audit --flow-events keep one thread, so that
# what they write is the same from run to run.
cpus=$(nproc)
[ "$cpus" -gt 8 ] && cpus=8
demo=$FIXTURES/demo.pcap
env -u FLOWAUDIT_THREADS "$FLOWAUDIT" flows --format jsonl "$demo" >/dev/null 2>"$work/flows.err"
grep -q "worker threads" "$work/flows.err"
[ $? -ne 0 ]
check $? "flows runs on one thread by default"
env -u FLOWAUDIT_THREADS "$FLOWAUDIT" audit --fail-on none --site "$SITE" \
	--flow-events /dev/null "$demo" >/dev/null 2>"$work/fe.err"
grep -q "worker threads" "$work/fe.err"
[ $? -ne 0 ]
check $? "audit --flow-events runs on one thread by default"
env -u FLOWAUDIT_THREADS "$FLOWAUDIT" audit --fail-on none --site "$SITE" "$demo" \
	>/dev/null 2>"$work/audit.err"
if [ "$cpus" -gt 1 ]; then
	grep -q "^flowaudit: $cpus worker threads" "$work/audit.err"
	check $? "audit takes one worker per usable CPU by default ($cpus)"
else
	grep -q "worker threads" "$work/audit.err"
	[ $? -ne 0 ]
	check $? "audit on one CPU runs on one thread by default"
fi
# Held to one CPU (taskset, as a container's cpuset would), audit counts
# that CPU, not the machine's.
if command -v taskset >/dev/null 2>&1; then
	env -u FLOWAUDIT_THREADS taskset -c 0 "$FLOWAUDIT" audit --fail-on none \
		--site "$SITE" "$demo" >/dev/null 2>"$work/one-cpu.err"
	grep -q "worker threads" "$work/one-cpu.err"
	[ $? -ne 0 ] && grep -q "^flowaudit: " "$work/one-cpu.err"
	check $? "audit held to one CPU by its affinity runs on one thread"
fi

# audit's flow events: written one at a time from the workers, while each
# worker judges into a verdict of its own.
for t in 1 4; do
	"$FLOWAUDIT" audit -q --threads $t --fail-on none --site "$SITE" --format json \
		--flow-events "$work/fe.$t" "$@" >/dev/null 2>&1
	LC_ALL=C sort "$work/fe.$t" >"$work/fe.$t.sorted"
done
[ -s "$work/fe.1.sorted" ]
check $? "audit --flow-events wrote events ($(wc -l <"$work/fe.1") lines)"
same "$work/fe.1.sorted" "$work/fe.4.sorted" "audit --flow-events: one thread and 4 workers write the same events"

# Each fixture on its own: a flow's packets, fragments and tunnels land on
# one worker whatever else the capture holds.
differ=0 files=0 i=0
for f in "$@"; do
	i=$((i + 1))
	[ $((i % EACH_STRIDE)) -eq 0 ] || continue
	files=$((files + 1))
	flows_of 1 "$f" >"$work/one.1"
	flows_of 4 "$f" >"$work/one.4"
	cmp -s "$work/one.1" "$work/one.4" || { differ=$((differ + 1)); echo "# differs: $f"; }
done
check $differ "flows of each of $files fixtures alone: 1 and 4 workers agree"

# A tenth of it under ASan, where every run costs several times more.
flood=200000 tls=20000
[ "$STRIDE" -eq 1 ] || { flood=20000 tls=2000; }
"$FIXTUREGEN" syn-flood "$work/flood.pcap" --count $flood >/dev/null 2>&1
"$FIXTUREGEN" flows-concurrent "$work/tls.pcap" --count $tls >/dev/null 2>&1
for t in 1 2 4; do
	flows_of $t "$work/flood.pcap" "$work/tls.pcap" >"$work/big.$t"
done
[ -s "$work/big.1" ]
check $? "$((flood + tls)) flows: written ($(wc -l <"$work/big.1") records)"
for t in 2 4; do
	same "$work/big.1" "$work/big.$t" "$((flood + tls)) flows: one thread and $t workers agree"
done

# --max-flows is shared: each of N workers keeps its part, so the flows in
# memory never pass it in total (the reported peak, the sum of the workers'
# peaks, would be 20000 with a whole --max-flows each).
"$FLOWAUDIT" flows --threads 4 --max-flows 5000 --format jsonl >/dev/null \
	"$work/flood.pcap" 2>"$work/bound.err"
peak=$(sed -n 's/.*peak \([0-9]*\) in memory.*/\1/p' "$work/bound.err")
[ -n "$peak" ] && [ "$peak" -le 5000 ] && grep -q 'evicted early' "$work/bound.err"
check $? "--max-flows 5000 over 4 workers: at most 5000 flows in memory (peak ${peak:-?})" "$work/bound.err"

# watch: a tick is a rendezvous of the reader and every worker, so windows
# close on the same flows, open ones snapshotted as one thread sees them.
# A rendezvous that never completes would hang the suite: a run still going
# after 300 s (seconds are needed) is killed and fails its line.
for t in 1 2 4; do
	mkdir -p "$work/watch.$t"
	timeout -s KILL 300 "$FLOWAUDIT" watch -q --threads $t --site "$SITE" --window 2s \
		--report-dir "$work/watch.$t" --format json --format csv \
		--events "$work/watch.$t/events.jsonl" "$FIXTURES"/demo*.pcap \
		"$work/tls.pcap" >/dev/null 2>&1
	rc=$?
	[ $rc -ne 137 ]
	check $? "watch --threads $t ends (no rendezvous left waiting; exit $rc)"
	(cd "$work/watch.$t" && ls | grep -v '^events' | sort | while read -r f; do
		echo "== $f"; grep -v '"peak_flows"' "$f"; done) >"$work/watch.$t.all"
	LC_ALL=C sort "$work/watch.$t/events.jsonl" >"$work/events.$t"
done
[ -s "$work/events.1" ]
check $? "watch wrote events ($(wc -l <"$work/events.1") lines)"
for t in 2 4; do
	same "$work/watch.1.all" "$work/watch.$t.all" "watch, 2 s windows: one thread and $t workers write the same reports ($(grep -c '^== ' "$work/watch.1.all") files)"
	same "$work/events.1" "$work/events.$t" "watch, 2 s windows: one thread and $t workers write the same events"
done

# A worker whose thread cannot start is run on the reader; at a tick the
# reader waits only for the workers on threads of their own (it once
# counted the other's acknowledgement too, and waited for ever). As an
# unprivileged user with a process limit of 2, the first of two workers'
# threads starts and the second cannot.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && command -v prlimit >/dev/null; then
	lim=$(mktemp -d)
	chmod 777 "$lim"
	mkdir -m 777 "$lim/out"
	cp "$FIXTURES/demo.pcap" "$lim/"
	chmod 644 "$lim/demo.pcap"
	timeout -s KILL 120 setpriv --reuid=65534 --regid=65534 --clear-groups \
		prlimit --nproc=2 "$FLOWAUDIT" watch --threads 2 --site "$SITE" --window 2s \
		--report-dir "$lim/out" --format json "$lim/demo.pcap" >/dev/null 2>"$lim/err"
	rc=$?
	[ $rc -eq 0 ] && [ "$(ls "$lim/out" | grep -c '\.json$')" -ge 2 ]
	check $? "watch --threads 2 with one worker thread refused (RLIMIT_NPROC): ends and writes its windows (exit $rc)" "$lim/err"
	rm -rf "$lim"
else
	echo "ok $((n + 1)) # SKIP needs root, setpriv and prlimit to run as a user with a process limit"
	n=$((n + 1))
fi

# The real third-party captures, each on its own. nDPI keeps state across
# flows in its detection module (Teams clients, STUN, Ookla and BitTorrent
# peers: flows named from another flow's evidence), and each worker has a
# module of its own: a capture whose records differ in the application
# alone, when two flows sharing such state land on different workers, is
# listed as such (docs/architecture.md, Threads), not failed. Any other
# difference fails.
without_app() {
	sed 's/"app":"[^"]*",//; s/"app_confidence":"[^"]*",//' "$1"
}
if [ -d "$REAL" ]; then
	differ=0 files=0 app_only=0 i=0
	real=$(find "$REAL" -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' | LC_ALL=C sort)
	# Each capture on its own, one thread against 4 workers; then all of
	# them as the inputs of one run, at 2 and 4 workers (one run each
	# rather than one per capture: the suite's time).
	for f in $real; do
		i=$((i + 1))
		[ $((i % EACH_STRIDE)) -eq 0 ] || continue
		files=$((files + 1))
		flows_of 1 "$f" >"$work/real.1"
		audit_of 1 "$f" >"$work/reala.1"
		for t in 4; do
			flows_of $t "$f" >"$work/real.$t"
			audit_of $t "$f" >"$work/reala.$t"
			cmp -s "$work/reala.1" "$work/reala.$t" || {
				differ=$((differ + 1)); echo "# audit differs: $f ($t workers)"; }
			cmp -s "$work/real.1" "$work/real.$t" && continue
			without_app "$work/real.1" >"$work/noapp.1"
			without_app "$work/real.$t" >"$work/noapp.$t"
			if cmp -s "$work/noapp.1" "$work/noapp.$t"; then
				app_only=$((app_only + 1))
				echo "# nDPI cross-flow state: $f ($t workers) names an application otherwise"
			else
				differ=$((differ + 1))
				echo "# flows differ: $f ($t workers)"
			fi
		done
	done
	check $differ "flows and audit of each of $files real captures: 1 and 4 workers agree ($app_only runs differing only in nDPI's cross-flow naming)"
	[ "$STRIDE" -eq 1 ] || real=$(echo "$real" | sed -n "1~$STRIDE p")
	# shellcheck disable=SC2086
	{ flows_of 1 $real >"$work/all.1"; audit_of 1 $real >"$work/alla.1"; }
	differ=0
	for t in 2 4; do
		# shellcheck disable=SC2086
		{ flows_of $t $real >"$work/all.$t"; audit_of $t $real >"$work/alla.$t"; }
		cmp -s "$work/alla.1" "$work/alla.$t" || {
			differ=$((differ + 1)); echo "# audit of all real captures differs ($t workers)"; }
		without_app "$work/all.1" >"$work/allnoapp.1"
		without_app "$work/all.$t" >"$work/allnoapp.$t"
		cmp -s "$work/allnoapp.1" "$work/allnoapp.$t" || {
			differ=$((differ + 1)); echo "# flows of all real captures differ ($t workers)"; }
	done
	[ -s "$work/all.1" ]
	check $((differ + $?)) "flows and audit of all $(echo "$real" | wc -l) real captures in one run: 1, 2 and 4 workers agree ($(wc -l <"$work/all.1") records)"
else
	echo "ok $((n + 1)) # SKIP no ../shared/pcaps/real"
	n=$((n + 1))
fi
echo "1..$n"
[ "$failed" -eq 0 ]
