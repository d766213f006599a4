#!/bin/sh
# firewall_syntax.sh - `flowaudit firewall` output is accepted by the real
# tools, for every fixture site (tests/e2e/sites/*.json, pcaps/demo-site.json):
#   - nftables: `nft -c -f` in a network namespace, plain and --enforce,
#     with the sites' host names resolved (--resolve) and not (--no-resolve);
#     the ruleset also loads for real (`nft -f`), twice (it replaces itself);
#   - iptables and ip6tables: `iptables-restore --test --noflush` likewise;
#   - hostile site strings stay inside comments and quoted comments;
#   - the default deny is a comment unless --enforce, then a real drop;
#   - an unresolved host name is warned about and named in a comment;
#   - bad usage and a bad site exit 2.
# Needs root, ip netns, nft and iptables-restore; skips saying why otherwise.
set -u
: "${FLOWAUDIT:?}" "${SRCDIR:?}"
. "$SRCDIR/tests/tap.sh"

skip() {
	echo "1..0 # SKIP $*"
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip "needs root to make a network namespace"
command -v ip >/dev/null || skip "ip (iproute2) not installed"
command -v nft >/dev/null || skip "nft (nftables) not installed"
command -v iptables-restore >/dev/null || skip "iptables-restore not installed"

ns="fa-fw-$$"
work=$(mktemp -d)
cleanup() {
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
ip netns add "$ns" || skip "cannot make a network namespace"

resolve="--resolve livebroker.speechexec.com=192.0.2.80,2001:db8::80"
in_ns() { ip netns exec "$ns" "$@"; }

# The checkers themselves must be able to fail.
printf 'table inet x {\n\tchain y {\n\t\tbogus\n\t}\n}\n' >"$work/bad.nft"
in_ns nft -c -f "$work/bad.nft" >"$work/log" 2>&1
check $((! $?)) "nft -c refuses a broken ruleset" "$work/log"
printf '*filter\n-A FORWARD --no-such-option -j ACCEPT\nCOMMIT\n' >"$work/bad.ipt"
in_ns iptables-restore --test --noflush "$work/bad.ipt" >"$work/log" 2>&1
check $((! $?)) "iptables-restore --test refuses a broken ruleset" "$work/log"

for site in "$SRCDIR"/tests/e2e/sites/*.json "$SRCDIR/pcaps/demo-site.json"; do
	name=$(basename "$site" .json)
	for mode in plain enforce unresolved; do
		case $mode in
		plain) opts="$resolve" ;;
		enforce) opts="$resolve --enforce" ;;
		unresolved) opts="--no-resolve" ;;
		esac
		for target in nftables iptables ip6tables; do
			out="$work/$name-$mode.$target"
			# shellcheck disable=SC2086
			"$FLOWAUDIT" firewall --site "$site" --target "$target" $opts \
				-o "$out" >"$work/log" 2>&1
			check $? "$name: firewall --target $target ($mode) exits 0" "$work/log"
			case $target in
			nftables) in_ns nft -c -f "$out" >"$work/log" 2>&1 ;;
			iptables) in_ns iptables-restore --test --noflush "$out" >"$work/log" 2>&1 ;;
			ip6tables) in_ns ip6tables-restore --test --noflush "$out" >"$work/log" 2>&1 ;;
			esac
			check $? "$name: $target ($mode) accepted by the $target checker" "$work/log"
		done
	done
done

# Loaded for real, twice: the table replaces itself; the chain accepts by
# default, and --enforce adds real drops for the audited hosts.
demo="$work/demo-site-plain.nftables"
in_ns nft -f "$demo" >"$work/log" 2>&1 && in_ns nft -f "$demo" >>"$work/log" 2>&1
check $? "demo: the nftables ruleset loads twice with nft -f" "$work/log"
in_ns nft list chain inet flowaudit forward >"$work/list" 2>&1
grep -q "policy accept" "$work/list"
check $? "demo: the loaded forward chain has policy accept" "$work/list"
grep -q "drop" "$work/list"
check $((! $?)) "demo: without --enforce nothing is dropped" "$work/list"
in_ns nft -f "$work/demo-site-enforce.nftables" >"$work/log" 2>&1
in_ns nft list chain inet flowaudit forward >"$work/list" 2>&1
grep -q "ip daddr @audited-hosts-v4 drop" "$work/list"
check $? "demo: with --enforce the audited hosts' other traffic is dropped" "$work/list"
grep -q "^[[:space:]]*# ip saddr @audited-hosts-v4 drop" "$work/demo-site-plain.nftables"
check $? "demo: without --enforce the default deny is stated as a comment" \
	"$work/demo-site-plain.nftables"

# Hostile strings: outside comments (# lines, quoted "comment" values) no
# word of the site's name or reasons appears, and no line is cut short.
for f in "$work"/hostile-text-plain.*; do
	sed -e '/^[[:space:]]*#/d' -e 's/comment "[^"]*"//g' "$f" >"$work/bare"
	grep -n 'Clinic\|north\|vendor\|support\|ticket\|second line' "$work/bare" >"$work/log"
	check $((! $?)) "hostile-text: $(basename "$f"): site strings only in comments" \
		"$work/log"
done
grep -q 'exception 1 of the site: vendor, "support" tunnel\\x0aticket' \
	"$work/hostile-text-plain.nftables"
check $? "hostile-text: the reason's line end is escaped in its comment" \
	"$work/hostile-text-plain.nftables"

# An unresolved name: a warning naming it, and its rule as a comment.
"$FLOWAUDIT" firewall --site "$SRCDIR/pcaps/demo-site.json" --target nftables \
	--no-resolve >"$work/out" 2>"$work/err"
grep -q "warning: firewall: host name livebroker.speechexec.com not resolved" "$work/err"
check $? "an unresolved host name is warned about on stderr" "$work/err"
grep -q "NOT RESOLVED: livebroker.speechexec.com" "$work/out"
check $? "an unresolved host name's rule is named in a comment" "$work/out"
"$FLOWAUDIT" firewall --site "$SRCDIR/pcaps/demo-site.json" --target nftables \
	$resolve >"$work/out" 2>"$work/err"
grep -q "daddr { 192.0.2.80 } tcp dport 443\|daddr 192.0.2.80 tcp dport 443\|daddr @speechlive_cloud_v4 tcp dport 443" "$work/out"
check $? "a resolved host name's addresses are in its rule" "$work/out"
grep -q "livebroker.speechexec.com resolved to 192.0.2.80, 2001:db8::80 at 2023-11-14" "$work/out"
check $? "what a name resolved to, and when, is stated" "$work/out"

# Bad usage and bad input.
"$FLOWAUDIT" firewall --site "$SRCDIR/pcaps/demo-site.json" --target pf >/dev/null 2>&1
check $(($? != 2)) "an unknown target exits 2"
"$FLOWAUDIT" firewall --target nftables >/dev/null 2>&1
check $(($? != 2)) "no --site exits 2"
"$FLOWAUDIT" firewall --site "$SRCDIR/tests/e2e/sites/no-such-site.json" \
	--target csv >/dev/null 2>&1
check $(($? != 2)) "an unreadable site exits 2"
"$FLOWAUDIT" firewall --site "$SRCDIR/pcaps/demo-site.json" --target csv \
	--resolve nonsense >/dev/null 2>&1
check $(($? != 2)) "a --resolve without an address exits 2"

echo "1..$n"
[ "$failed" -eq 0 ]
