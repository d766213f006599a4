#!/bin/sh
# headers.sh - every header compiles on its own: a translation unit that
# includes it (twice: the include guard must hold) and nothing else, with
# warnings as errors so a function a static inline uses without its
# declaration shows. One TAP line per header under common/ capture/
# classify/ rules/ audit/ reports/ cli/.
#
# Environment: SRCDIR (the source tree), BUILDDIR (where config.h is),
# HEADERS_CC and HEADERS_CFLAGS (the compiler and the libraries' -I flags
# the build uses; without them cc and pkg-config's).
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
CC=${HEADERS_CC:-cc}
if [ -z "${HEADERS_CFLAGS+set}" ]; then
	HEADERS_CFLAGS=$(pkg-config --cflags libndpi libpcap libmaxminddb \
		libcjson ldns nettle libcap 2>/dev/null)
fi

n=0 failed=0
err=$(mktemp)
trap 'rm -f "$err"' EXIT
cd "$SRCDIR" || exit 1
for h in common/*.h capture/*.h classify/*.h rules/*.h audit/*.h reports/*.h cli/*.h; do
	[ -f "$h" ] || continue
	n=$((n + 1))
	# shellcheck disable=SC2086
	if printf '#include "%s"\n#include "%s"\n' "$h" "$h" |
		$CC -std=c11 -fsyntax-only -Wall -Wextra -Werror -D_GNU_SOURCE \
			-I"$SRCDIR" -I"$BUILDDIR" $HEADERS_CFLAGS -x c - 2>"$err"; then
		echo "ok $n - $h compiles on its own"
	else
		echo "not ok $n - $h compiles on its own"
		sed 's/^/# /' "$err" | head -10
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
