#!/bin/sh
# layering.sh - every module includes only the modules below it.
#
# Reads each `#include "..."` of the .c and .h files of the modules below
# and resolves it as the compiler does: beside the including file first,
# then from the top of the tree (-I$(top_srcdir)); so "flow_class.h" inside
# classify/ is classify/flow_class.h. An include must resolve to a file the
# module may use (RULES). One that resolves to nothing in the tree is
# reported too; config.h, autoconf's, is allowed everywhere (a generated
# header of another name would join it in ALWAYS). <...> includes are
# system headers and not looked at.
#
# Prints TAP: two controls on a made-up tree, then one test per module,
# listing each offending file:line. A module missing from the tree is
# skipped.
set -u
set -f  # "*" in RULES is a word, not a glob

# ---- The architecture ----------------------------------------------------
# module     what its files may include: a directory (ending in /) or one
#            header; * is anything
RULES='
common/      common/
capture/     capture/ common/
classify/    classify/ capture/ common/
rules/       rules/ common/
audit/       audit/ classify/ rules/ capture/packet.h capture/flow_record.h common/
reports/     reports/ audit/ rules/ classify/flow_class.h capture/flow_record.h capture/packet.h common/
cli/         *
'
# So reports/ never includes capture/capture.h, capture/flow_table.h,
# capture/decode*.h or any other capture internal, nor classify/ beyond the
# flow classification it prints.
ALWAYS="config.h"
# ---------------------------------------------------------------------------

top=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}

# allowed INCLUDE ALLOWLIST...: whether the resolved include is allowed.
allowed() {
	inc=$1; shift
	for a in "$@"; do
		case "$a" in
		'*') return 0 ;;
		*/) case "$inc" in "$a"*) return 0 ;; esac ;;
		*) [ "$inc" = "$a" ] && return 0 ;;
		esac
	done
	return 1
}

# violations TOP MODULE ALLOWLIST...: prints "file:line: includes X" for
# each include of MODULE's files outside ALLOWLIST.
violations() {
	vtop=$1 module=$2; shift 2
	find "$vtop/$module" -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort |
	while IFS= read -r file; do
		rel=${file#"$vtop"/}
		dir=$(dirname "$rel")
		awk '/^[ \t]*#[ \t]*include[ \t]*"/ {
			s = $0; sub(/^[^"]*"/, "", s); sub(/".*$/, "", s)
			print FNR " " s }' "$file" |
		while read -r line inc; do
			case " $ALWAYS " in *" $inc "*) continue ;; esac
			if [ -f "$vtop/$dir/$inc" ]; then
				res=$(realpath -m --relative-to="$vtop" "$vtop/$dir/$inc")
			elif [ -f "$vtop/$inc" ]; then
				res=$(realpath -m --relative-to="$vtop" "$vtop/$inc")
			else
				echo "$rel:$line: includes \"$inc\", found neither in $dir/ nor at the top"
				continue
			fi
			allowed "$res" "$@" || echo "$rel:$line: includes $res"
		done
	done
}

n=0 failed=0
report() { # ok|not-ok description [diagnostics file]
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		[ -n "${3:-}" ] && sed 's/^/# /' "$3"
	fi
}

# Controls: a made-up tree where reports/ has a decode.h of its own.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/t/capture" "$work/t/reports"
: >"$work/t/capture/decode.h"
: >"$work/t/reports/decode.h"
printf '#include "config.h"\n#include "decode.h"\n#include <stdio.h>\n' >"$work/t/reports/own.c"
printf '#include "escape.h"\n  #  include "capture/decode.h"\n' >"$work/t/reports/bad.c"
: >"$work/t/reports/escape.h"
violations "$work/t" reports/ reports/ common/ >"$work/out"
result=not-ok
grep -q '^reports/bad.c:2: includes capture/decode.h$' "$work/out" && result=ok
report $result "control: an include of a capture header from reports/ is caught" "$work/out"
result=not-ok
[ "$(wc -l <"$work/out")" -eq 1 ] && result=ok
report $result "control: \"decode.h\" inside reports/ is reports/decode.h; config.h and <...> pass" \
	"$work/out"

echo "$RULES" | while read -r module allow; do
	[ -n "$module" ] && echo "$module $allow"
done >"$work/rules"
while read -r module allow; do
	if [ ! -d "$top/$module" ]; then
		n=$((n + 1))
		echo "ok $n - $module # SKIP not in this tree"
		continue
	fi
	what="includes only $allow"
	[ "$allow" = "*" ] && what="may include any module (each include found)"
	# shellcheck disable=SC2086
	violations "$top" "$module" $allow >"$work/found"
	if [ -s "$work/found" ]; then
		report not-ok "$module $what: $(wc -l <"$work/found") forbidden" "$work/found"
	else
		report ok "$module $what"
	fi
done <"$work/rules"
echo "1..$n"
[ "$failed" -eq 0 ]
