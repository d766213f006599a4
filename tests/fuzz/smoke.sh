#!/bin/sh
# smoke.sh - a short run of every fuzz target, in TAP (part of the suite).
#
#   tests/fuzz/smoke.sh [BUILD_FUZZ_DIR [FIXTURES_DIR]]
#
# BUILD_FUZZ_DIR holds the targets build.sh makes (`make fuzz`: the build
# directory's fuzz/); by default $FUZZ_DIR, else fuzz/ next to $FLOWAUDIT.
# Targets missing or older than their sources are built first with build.sh
# (quick when they are up to date; FUZZ_NO_BUILD=1 turns that off). FIXTURES_DIR (default
# $FIXTURES) holds the fixture captures the seeds are made from.
#
# Each target runs over its seeds (make-seeds.sh) and every committed crash
# input (regressions/<target>/), with the options of targets.sh (input size,
# dictionary), then mutates for FUZZ_SMOKE_SECONDS (4)
# seconds: about 20 seconds of fuzzing and half a minute in all. Any crash,
# leak, sanitizer report or input slower than 30 s fails its line.
#
# Skips (TAP "1..0 # SKIP", exit status 77) when the targets are not built
# and cannot be (no clang or libFuzzer), and in the suite that is not
# FUZZ_SMOKE_SUITE's (normal, the default, or sanitized).
# Under automake's TAP driver (which counts any non-zero status as an
# error; it sets AM_TAP_AWK) a skip exits 0. FUZZ_SKIP_STATUS overrides.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/fuzz/targets.sh
. "$here/targets.sh"
TARGETS=$FUZZ_TARGETS
SECONDS_EACH=${FUZZ_SMOKE_SECONDS:-4}

skip() {
	echo "1..0 # SKIP $*"
	if [ -n "${FUZZ_SKIP_STATUS:-}" ]; then
		exit "$FUZZ_SKIP_STATUS"
	elif [ -n "${AM_TAP_AWK:-}" ]; then
		exit 0
	fi
	exit 77
}

if [ $# -ge 1 ]; then
	dir=$1
elif [ -n "${FUZZ_DIR:-}" ]; then
	dir=$FUZZ_DIR
elif [ -n "${FLOWAUDIT:-}" ]; then
	dir=$(dirname "$FLOWAUDIT")/fuzz
else
	echo "usage: $0 BUILD_FUZZ_DIR [FIXTURES_DIR]" >&2
	exit 2
fi
fixtures=${2:-${FIXTURES:-}}

# One suite runs the targets: the normal build's, or the sanitizer
# build's when FUZZ_SMOKE_SUITE=sanitized (./bootstrap check, which runs
# the two side by side, says so: the sanitizer build's ends first).
case "${FUZZ_SMOKE_SUITE:-normal}:${SANITIZED:-no}" in
normal:yes) skip "the fuzz targets carry their own sanitizers: run from the normal build's suite" ;;
sanitized:no) skip "run from the sanitizer build's suite (FUZZ_SMOKE_SUITE=sanitized)" ;;
esac

missing=""
for t in $TARGETS; do
	[ -x "$dir/$t" ] || missing="$missing $t"
done
# build.sh runs even when every target is there: it rebuilds what is older
# than its sources (a target built from yesterday's code fuzzes yesterday's
# bugs) and is quick when nothing is.
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
	mkdir -p "$dir"
	sh "$here/build.sh" "$dir" >"$dir/build.log" 2>&1
	rc=$?
	if [ $rc = 77 ]; then
		skip "$(grep SKIP "$dir/build.log" | tail -1)"
	elif [ $rc != 0 ]; then
		echo "1..1"
		echo "not ok 1 - the fuzz targets build (tests/fuzz/build.sh $dir)"
		tail -20 "$dir/build.log" | sed 's/^/# /'
		exit 1
	fi
	missing=""
	for t in $TARGETS; do
		[ -x "$dir/$t" ] || missing="$missing $t"
	done
fi
if [ -n "$missing" ]; then
	skip "fuzz targets not built in $dir:$missing (make fuzz)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -n "$fixtures" ] && [ -d "$fixtures" ]; then
	sh "$here/make-seeds.sh" "$fixtures" "$work/seeds" >"$work/seeds.log" 2>&1 ||
		{ echo "# make-seeds.sh failed:"; sed 's/^/# /' "$work/seeds.log"; }
else
	echo "# no fixture captures (FIXTURES_DIR): regressions and mutation only"
fi

set -- $TARGETS
echo "1..$#"
n=0 failed=0
for t in "$@"; do
	n=$((n + 1))
	fuzz_run "$t" "$dir" "$work" "$SECONDS_EACH"
	rc=$?
	log=$work/logs/$t.log
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
	if [ $rc = 0 ]; then
		echo "ok $n - $t smoke: ${execs:-?} inputs, ${cov:-no coverage line}"
	else
		echo "not ok $n - $t smoke (exit $rc)"
		grep -E 'ERROR|SUMMARY|runtime error|^ *#[0-9]+ |Test unit written' \
			"$log" | head -25 | sed 's/^/# /'
		for a in "$work/artifacts/$t"-*; do
			[ -f "$a" ] || continue
			keep=${FUZZ_KEEP_DIR:-$dir/smoke-failures}
			mkdir -p "$keep" && cp "$a" "$keep/" &&
				echo "# input kept as $keep/$(basename "$a")"
		done
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
