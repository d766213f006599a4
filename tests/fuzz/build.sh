#!/bin/sh
# build.sh - builds the libFuzzer targets (`make fuzz` runs it).
#
#   tests/fuzz/build.sh OUTDIR
#
# Writes OUTDIR/fuzz_decode, fuzz_dns, fuzz_matrix, fuzz_site and
# fuzz_capture. Each is compiled with clang, libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer together with the project's own capture/,
# classify/ and rules/ sources (compiled here, instrumented for coverage,
# into OUTDIR/obj/libfuzzaudit.a, so each target links only what it uses),
# against the same pkg-config libraries as flowaudit. cli/ and reports/ are
# not compiled. The source tree is found from this script's location, so it
# runs from any directory, e.g. a build directory's Makefile:
#
#   fuzz:
#   	$(SHELL) $(srcdir)/tests/fuzz/build.sh $(abs_builddir)/fuzz
#
# No config.h: no file under capture/, classify/ or rules/ includes it (the
# Makefile's -I$(top_builddir) serves cli/). The only -D the Makefile gives
# those sources besides _GNU_SOURCE are MATRIX_DIR and SOURCE_MATRIX_DIR,
# where ruleset.c looks for the default matrix; both name the source tree's
# rules/ here. FUZZ_SRCDIR tells the targets where the shipped matrix and
# sites are.
#
# Objects are rebuilt when their source, a header they include (-MMD) or
# the flags changed, so a second run only relinks what is out of date.
#
# Exit status: 0 built; 77 (skip) when clang or libFuzzer is missing; 1 on
# any other failure (pkg-config missing a library, a compile error).
# Environment: FUZZ_CC (default clang), FUZZ_EXTRA_CFLAGS.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 1
fi
mkdir -p "$1/obj"
out=$(cd "$1" && pwd)
obj=$out/obj

# shellcheck source=tests/fuzz/targets.sh
. "$here/targets.sh"
TARGETS=$FUZZ_TARGETS
CC=${FUZZ_CC:-clang}

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "build.sh: SKIP: $CC not found (apt-get install -y clang libfuzzer-14-dev)" >&2
	exit 77
fi
probe=$obj/probe.c
cat >"$probe" <<'PROBE'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }
PROBE
if ! "$CC" -fsanitize=fuzzer,address,undefined "$probe" -o "$obj/probe" 2>"$obj/probe.log"; then
	sed 's/^/build.sh: /' "$obj/probe.log" >&2
	echo "build.sh: SKIP: $CC cannot link libFuzzer with ASan and UBSan (apt-get install -y libfuzzer-14-dev)" >&2
	exit 77
fi
rm -f "$obj/probe" "$obj/probe.log" "$probe"

if ! command -v pkg-config >/dev/null 2>&1; then
	echo "build.sh: pkg-config not found (apt-get install -y pkg-config)" >&2
	exit 1
fi
PKGS="libpcap libndpi libmaxminddb libcjson ldns nettle libcap"
# shellcheck disable=SC2086
if ! pkg_cflags=$(pkg-config --cflags $PKGS) || ! pkg_libs=$(pkg-config --libs $PKGS); then
	echo "build.sh: pkg-config does not know all of: $PKGS (./bootstrap installs them)" >&2
	exit 1
fi

CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -pthread \
-fsanitize=address,undefined -fno-sanitize-recover=undefined \
-Wall -Wextra"
DEFS="-I$src -DMATRIX_DIR=\"$src/rules\" -DSOURCE_MATRIX_DIR=\"$src/rules\" -DFUZZ_SRCDIR=\"$src\""
# shellcheck disable=SC2086
set -- $CFLAGS $DEFS $pkg_cflags ${FUZZ_EXTRA_CFLAGS:-}

stamp=$obj/flags
now="$CC $* -fsanitize=fuzzer-no-link"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$now" ]; then
	rm -f "$obj"/*.o "$obj"/*.d "$obj"/libfuzzaudit.a
	printf '%s\n' "$now" >"$stamp"
fi
# stale FILE DEPFILE: true when FILE or DEPFILE is missing or anything
# DEPFILE lists is newer than FILE.
stale() {
	[ -f "$1" ] && [ -f "$2" ] || return 0
	for dep in $(sed -e 's/\\$//' -e 's/^[^:]*://' "$2"); do
		[ "$dep" -nt "$1" ] && return 0
	done
	return 1
}

# The library's sources compile as many at once as there are CPUs: the
# suite builds these last, often with nothing else left running.
jobs=$(nproc 2>/dev/null || echo 1)
objs=""
rebuilt=0
running=0
failed=0
for f in "$src"/common/*.c "$src"/capture/*.c "$src"/classify/*.c "$src"/rules/*.c \
	"$src"/audit/*.c; do
	o=$obj/$(basename "$(dirname "$f")")_$(basename "$f" .c).o
	if stale "$o" "${o%.o}.d"; then
		echo "  CC      ${f#"$src"/}"
		rm -f "$o"
		"$CC" "$@" -fsanitize=fuzzer-no-link -MMD -MF "${o%.o}.d" -c "$f" -o "$o" &
		rebuilt=1
		running=$((running + 1))
		if [ "$running" -ge "$jobs" ]; then
			wait
			running=0
		fi
	fi
	objs="$objs $o"
done
wait
# wait with no operand returns 0 whatever the jobs did: an object that is
# missing is what tells a failed compile.
for o in $objs; do
	[ -f "$o" ] || failed=1
done
if [ "$failed" = 1 ]; then
	echo "build.sh: compiling the library for the fuzz targets failed" >&2
	exit 1
fi
lib=$obj/libfuzzaudit.a
if [ $rebuilt = 1 ] || [ ! -f "$lib" ]; then
	rm -f "$lib"
	# shellcheck disable=SC2086
	ar cr "$lib" $objs
	ranlib "$lib"
fi

for t in $TARGETS; do
	exe=$out/$t
	if [ -f "$exe" ] && [ "$exe" -nt "$lib" ] && ! stale "$exe" "$obj/$t.d"; then
		echo "  (up to date) $exe"
		continue
	fi
	echo "  CCLD    $t"
	# shellcheck disable=SC2086
	"$CC" "$@" -fsanitize=fuzzer -MMD -MF "$obj/$t.d" "$here/$t.c" "$lib" \
		$pkg_libs -lm -o "$exe"
	echo "built $exe"
done
