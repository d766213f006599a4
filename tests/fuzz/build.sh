#!/bin/sh
# build.sh - builds the libFuzzer targets (make fuzz runs it).
#
#   tests/fuzz/build.sh OUTDIR
#
# Each target is compiled with clang, libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer, together with the project's own capture/,
# classify/ and rules/ sources (instrumented for coverage), linked against
# the same Debian libraries as flowaudit. Exits 77 (skip) when clang or
# libFuzzer is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
out=${1:?usage: build.sh OUTDIR}
mkdir -p "$out/obj"
out=$(cd "$out" && pwd)

CC=${FUZZ_CC:-clang}
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "build.sh: $CC not found (apt-get install clang libfuzzer-14-dev)" >&2
	exit 77
fi
probe="$out/obj/probe.c"
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' >"$probe"
if ! "$CC" -fsanitize=fuzzer "$probe" -o "$out/obj/probe" 2>/dev/null; then
	echo "build.sh: $CC cannot link libFuzzer (apt-get install libfuzzer-14-dev)" >&2
	exit 77
fi

libs="libpcap libndpi libmaxminddb libcjson ldns nettle libcap"
CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
-I$src -DMATRIX_DIR=\"$src/rules\" -DSOURCE_MATRIX_DIR=\"$src/rules\" \
-DFUZZ_SRCDIR=\"$src\" $(pkg-config --cflags $libs)"
LIBS="$(pkg-config --libs $libs) -lm"

# The project's sources, once, into objects every target links.
objs=""
for f in "$src"/capture/*.c "$src"/classify/*.c "$src"/rules/*.c; do
	o="$out/obj/$(basename "$(dirname "$f")")_$(basename "$f" .c).o"
	if [ ! -f "$o" ] || [ "$f" -nt "$o" ]; then
		# shellcheck disable=SC2086
		"$CC" $CFLAGS -c "$f" -o "$o"
	fi
	objs="$objs $o"
done

for t in "$here"/fuzz_*.c; do
	name=$(basename "$t" .c)
	# shellcheck disable=SC2086
	"$CC" $CFLAGS -fsanitize=fuzzer "$t" $objs $LIBS -o "$out/$name"
	echo "built $out/$name"
done
