#!/bin/sh
# golden.sh - end-to-end cases: one directory per case under tests/e2e/cases,
# in the manner of suricata-verify and Zeek's btest baselines.
#
#   cmd       the flowaudit arguments, one line; @FIXTURES@ is the directory
#             of generated fixture captures, @SITES@ tests/e2e/sites, @CASE@
#             the case directory
#   expected  the expected standard output, byte for byte (the directories
#             above written back as their @NAMES@, so baselines do not
#             depend on where the tree is)
#   exit      (optional) the expected exit status, default 0
#   stderr    (optional) lines that must each appear in standard error
#
# A directory without cmd is not a case; one with test.yaml instead of
# expected is a targeted case, checked by cases.py, and skipped here.
#
# Prints TAP, one test per case. With UPDATE_GOLDEN=1 it rewrites every
# expected file from the current output instead (make update-golden), so a
# change of baseline is a reviewed diff.
set -u
: "${FLOWAUDIT:?}" "${FIXTURES:?}" "${CASES:?}"

n=0 failed=0
# What an HTML report's provenance states about this machine rather than
# about the case: the libraries' versions, and the shipped matrix's size
# and digest (which change with every matrix edit). html_print.py checks
# those against the files themselves.
PROVENANCE_VARIES='s|<td id="components">[^<]*</td>|<td id="components">@COMPONENTS@</td>|
/<th>Matrix<\/th>/s|[0-9,]* bytes|@SIZE@ bytes|
/<th>Matrix<\/th>/s|[0-9a-f]\{64\}|@SHA256@|'

for dir in "$CASES"/*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	[ -f "$dir/cmd" ] || continue
	[ -f "$dir/test.yaml" ] && continue
	n=$((n + 1))
	sites=$(cd "$CASES/../sites" && pwd)
	args=$(sed -e "s|@FIXTURES@|$FIXTURES|g" -e "s|@SITES@|$sites|g" \
		-e "s|@CASE@|$dir|g" "$dir/cmd")
	want_exit=0
	[ -f "$dir/exit" ] && want_exit=$(cat "$dir/exit")
	actual=$(mktemp)
	# shellcheck disable=SC2086
	"$FLOWAUDIT" $args >"$actual.raw" 2>"$actual.err"
	got_exit=$?
	sed -e "s|$FIXTURES|@FIXTURES@|g" -e "s|$sites|@SITES@|g" \
	    -e "s|${FLOWAUDIT_MATRIX_DIR:-@@}|@MATRIX_DIR@|g" -e "s|$dir|@CASE@|g" \
	    -e "$PROVENANCE_VARIES" "$actual.raw" >"$actual"
	missing_err=""
	if [ -f "$dir/stderr" ]; then
		while IFS= read -r want; do
			[ -z "$want" ] && continue
			grep -qF -- "$want" "$actual.err" || missing_err="$want"
		done <"$dir/stderr"
	fi
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$actual" "$dir/expected"
		[ "$got_exit" -eq 0 ] && rm -f "$dir/exit" || echo "$got_exit" >"$dir/exit"
		echo "ok $n - $name (baseline rewritten)"
	elif [ "$got_exit" -ne "$want_exit" ]; then
		echo "not ok $n - $name: exit $got_exit, want $want_exit"
		sed 's/^/# /' "$actual.err" | head -20
		failed=$((failed + 1))
	elif [ -n "$missing_err" ]; then
		echo "not ok $n - $name: standard error lacks: $missing_err"
		sed 's/^/# /' "$actual.err" | head -20
		failed=$((failed + 1))
	elif ! diff -u "$dir/expected" "$actual" >"$actual.diff"; then
		echo "not ok $n - $name: output differs from expected"
		sed 's/^/# /' "$actual.diff" | head -40
		failed=$((failed + 1))
	else
		echo "ok $n - $name"
	fi
	rm -f "$actual" "$actual.raw" "$actual.err" "$actual.diff"
done
echo "1..$n"
[ "$failed" -eq 0 ]
