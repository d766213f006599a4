# tap.sh - the TAP helpers the shell tests share. Sourced (after SRCDIR is
# known): n counts the checks, failed the failures; a script ends with
#   echo "1..$n"; [ "$failed" -eq 0 ]
n=0 failed=0

# check STATUS DESCRIPTION [FILE]: ok when STATUS is 0; otherwise not ok,
# with the end of FILE (what the command said) as comment lines.
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && [ -f "$3" ] && sed 's/^/# /' "$3" | tail -15
		failed=$((failed + 1))
	fi
}

# same A B DESCRIPTION: ok when files A and B are byte for byte the same;
# otherwise not ok, with the start of their difference.
same() {
	n=$((n + 1))
	if cmp -s "$1" "$2"; then
		echo "ok $n - $3"
	else
		echo "not ok $n - $3"
		diff "$1" "$2" | head -5 | sed 's/^/# /'
		failed=$((failed + 1))
	fi
}
