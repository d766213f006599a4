#!/bin/sh
# man_pages.sh - the manual pages format without a warning (as man itself
# checks them), and flowaudit(1) documents what the program offers: each
# command `flowaudit --help` lists, and each library `--version` names.
set -u
: "${FLOWAUDIT:?}" "${SRCDIR:?}"
. "$SRCDIR/tests/tap.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if command -v man >/dev/null 2>&1; then
	for page in flowaudit.1 flowaudit-site.5; do
		# 80 columns: what man uses when its output is not a terminal
		# (narrower terminals may warn about lines it cannot justify).
		for width in 80; do
			MANWIDTH=$width man --warnings -l "$SRCDIR/man/$page" \
				>"$work/out" 2>"$work/err"
			[ $? = 0 ] && [ ! -s "$work/err" ] && [ -s "$work/out" ]
			check $? "man --warnings -l man/$page: no warning at $width columns" "$work/err"
		done
	done
else
	for page in flowaudit.1 flowaudit-site.5; do
		n=$((n + 1)); echo "ok $n # SKIP man is not installed (man-db)"
	done
fi

page="$SRCDIR/man/flowaudit.1"
"$FLOWAUDIT" --help >"$work/help"
commands=$(sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\)  .*/\1/p' "$work/help")
[ -n "$commands" ]
check $? "flowaudit --help lists commands" "$work/help"
for cmd in $commands; do
	grep -q "^\.B flowaudit $cmd\$" "$page" &&
		sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$page" | grep -A1 '^\.TP' | grep -q "^\.B $cmd\$"
	check $? "flowaudit.1 has $cmd in its synopsis and under COMMANDS"
done

"$FLOWAUDIT" --version | sed -n 's/^  \([^ ]*\) .*/\1/p' >"$work/libs"
[ -s "$work/libs" ]
check $? "flowaudit --version lists libraries"
while read -r lib; do
	sed -n '/flowaudit \\-\\-version/,/^\.SH/p' "$page" | grep -q "$lib" &&
		grep -q "$lib" "$SRCDIR/README.md"
	check $? "the library $lib that --version names is named where flowaudit.1 and README.md describe --version"
done <"$work/libs"

echo "1..$n"
[ "$failed" -eq 0 ]
