#!/bin/sh
# smoke.sh - a short run of every fuzz target, part of `make check`: the
# targets are built (build.sh), seeded from the fixtures (make_seeds.py),
# run over every seed and every committed regression input, then mutated
# for a few seconds each. Any crash, leak or sanitizer report fails. The
# long runs are described in README.md.
set -u
: "${SRCDIR:?}" "${FIXTURES:?}"
BUILDDIR=${BUILDDIR:-$(dirname "$FLOWAUDIT")}
SECONDS_EACH=${FUZZ_SMOKE_SECONDS:-8}

if [ "${SANITIZED:-no}" = yes ]; then
	echo "1..0 # SKIP the fuzz targets carry their own sanitizers; run once, from the normal build"
	exit 0
fi
out="$BUILDDIR/fuzz"
sh "$SRCDIR/tests/fuzz/build.sh" "$out" >"$BUILDDIR/fuzz-build.log" 2>&1
rc=$?
if [ $rc = 77 ]; then
	echo "1..0 # SKIP $(tail -1 "$BUILDDIR/fuzz-build.log")"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
if [ $rc != 0 ]; then
	echo "not ok 1 - the fuzz targets build"
	sed 's/^/# /' "$BUILDDIR/fuzz-build.log" | tail -20
	echo "1..1"
	exit 1
fi
python3 "$SRCDIR/tests/fuzz/make_seeds.py" "$FIXTURES" "$work/seeds"
for target in "$out"/fuzz_*; do
	name=$(basename "$target")
	n=$((n + 1))
	mkdir -p "$work/corpus/$name"
	dirs="$work/corpus/$name $work/seeds/$name"
	[ -d "$SRCDIR/tests/fuzz/regressions/$name" ] &&
		dirs="$dirs $SRCDIR/tests/fuzz/regressions/$name"
	# shellcheck disable=SC2086
	"$target" -max_total_time="$SECONDS_EACH" -print_final_stats=1 -close_fd_mask=3 \
		-artifact_prefix="$work/" $dirs >"$work/$name.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log")
	cov=$(grep -o 'cov: [0-9]*' "$work/$name.log" | tail -1)
	if [ $rc = 0 ]; then
		echo "ok $n - $name: ${execs:-?} inputs, $cov, no crash, leak or sanitizer report"
	else
		echo "not ok $n - $name (exit $rc)"
		grep -E 'ERROR|SUMMARY|#[0-9] ' "$work/$name.log" | head -20 | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
