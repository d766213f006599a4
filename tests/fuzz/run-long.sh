#!/bin/sh
# run-long.sh - long fuzz runs (not part of the suite), with a table of
# what each target did.
#
#   tests/fuzz/run-long.sh [SECONDS] [TARGET...]
#   make fuzz-long [FUZZ_SECONDS=600] [FUZZ_RUN_TARGETS="fuzz_decode ..."]
#
# Runs each TARGET (default: all of targets.sh) for SECONDS (default
# $FUZZ_SECONDS, else 600) with the options of targets.sh (-max_len for a
# full 256 KiB frame, the dictionary), then prints one Markdown table row
# per target: executions, executions per second, coverage (libFuzzer's
# cov: edges and ft: features), corpus size (libFuzzer's corp:, seeds
# included) and the inputs kept in corpus/TARGET, and ok or what went
# wrong.
# Arguments may come in any order (`run-long.sh fuzz_decode 60` works).
#
# Environment:
#   FUZZ_DIR   where the targets are built (build.sh, incremental; default
#              build/fuzz of the source tree). Under it, kept from run to
#              run: corpus/TARGET (grows; delete it to start afresh),
#              logs/TARGET.log, artifacts/ (crash inputs), seeds/.
#   FIXTURES   fixture captures to seed from (default build/pcaps/fixtures;
#              `make check` or `make fuzz-long` makes them).
#   FUZZ_JOBS  targets run at once (default 1; 2 on a 2-core machine
#              leaves nothing for anything else).
#   FUZZ_NICE  niceness of the runs (default 10).
#
# Exit status: 0 when every target ran its time with no crash, leak,
# sanitizer report or timeout; 1 otherwise (the table says which, and
# artifacts/ holds the input; commit it as regressions/TARGET/crash-<sha1>
# once fixed).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
# shellcheck source=tests/fuzz/targets.sh
. "$here/targets.sh"

seconds=${FUZZ_SECONDS:-600}
targets=""
for a in "$@"; do
	case $a in
	'' | *[!0-9]*)
		case " $FUZZ_TARGETS " in
		*" $a "*) targets="$targets $a" ;;
		*)
			echo "run-long.sh: $a: not a target ($FUZZ_TARGETS)" >&2
			exit 2
			;;
		esac
		;;
	*) seconds=$a ;;
	esac
done
[ -n "$targets" ] || targets=$FUZZ_TARGETS

dir=${FUZZ_DIR:-$src/build/fuzz}
fixtures=${FIXTURES:-$src/build/pcaps/fixtures}
jobs=${FUZZ_JOBS:-1}
mkdir -p "$dir" || exit 1
dir=$(cd "$dir" && pwd)

echo "run-long.sh: building the targets in $dir" >&2
if ! sh "$here/build.sh" "$dir" >"$dir/build.log" 2>&1; then
	tail -20 "$dir/build.log" >&2
	exit 1
fi
mkdir -p "$dir/logs" "$dir/artifacts" "$dir/dicts"
if [ -d "$fixtures" ]; then
	sh "$here/make-seeds.sh" "$fixtures" "$dir/seeds" >"$dir/seeds.log" 2>&1 ||
		echo "run-long.sh: make-seeds.sh failed (see $dir/seeds.log)" >&2
else
	echo "run-long.sh: no fixtures in $fixtures: corpus and regressions only" >&2
fi

# run_one TARGET: fuzzes TARGET for $seconds into corpus/TARGET.
run_one() {
	fuzz_run "$1" "$dir" "$dir" "$seconds" nice -n "${FUZZ_NICE:-10}"
	echo $? >"$dir/logs/$1.rc"
}

# row TARGET: its line of the table, from its log.
row() {
	t=$1
	log=$dir/logs/$t.log
	rc=$(cat "$dir/logs/$t.rc" 2>/dev/null || echo '?')
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
	kept=$(find "$dir/corpus/$t" -type f | wc -l)
	if [ "$rc" = 0 ]; then
		result=ok
	else
		what=$(grep -Eo 'ERROR: [A-Za-z]+: [a-z-]+|ERROR: libFuzzer: [a-z-]+|runtime error' \
			"$log" | head -1)
		art=$(sed -n 's/.*Test unit written to \([^ ]*\).*/\1/p' "$log" | tail -1)
		result="FAILED (exit $rc${what:+: $what}${art:+; input $art})"
	fi
	# shellcheck disable=SC2086
	set -- ${cov:-? ? ? ? ? ?}
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$t" "$seconds" \
		"${execs:-?}" "${rate:-?}" "$2" "$4" "$6" "$kept" "$result"
}

echo "run-long.sh: $seconds s each, $jobs at a time:$targets" >&2
running=0
for t in $targets; do
	echo "run-long.sh: $t (log: $dir/logs/$t.log)" >&2
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

echo "| target | seconds | executions | exec/s | cov | ft | corpus | kept | result |"
echo "|---|---|---|---|---|---|---|---|---|"
failed=0
for t in $targets; do
	row "$t"
	[ "$(cat "$dir/logs/$t.rc" 2>/dev/null)" = 0 ] || failed=1
done
exit $failed
