#!/bin/sh
# make-seeds.sh - seed corpora for the fuzz targets from the project's
# fixture captures, shipped matrix and sites (see make_seeds.py, which does
# the work with Python's standard library only).
#
#   tests/fuzz/make-seeds.sh FIXTURES_DIR OUTDIR
#
# FIXTURES_DIR: the captures `pcaps/fixturegen/fixturegen --all DIR` writes
# (build/pcaps/fixtures after `make check`). OUTDIR gets one directory per
# target (OUTDIR/fuzz_decode, ...). Seeds are made at build time, never
# committed; only crash inputs are (regressions/<target>/).
set -eu
if [ $# -ne 2 ]; then
	echo "usage: $0 FIXTURES_DIR OUTDIR" >&2
	exit 1
fi
if [ ! -d "$1" ]; then
	echo "make-seeds.sh: $1: no such directory (make the fixtures: fixturegen --all $1)" >&2
	exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$2"
exec python3 "$here/make_seeds.py" "$1" "$2"
