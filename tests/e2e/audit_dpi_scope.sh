#!/bin/sh
# audit_dpi_scope.sh - audit runs application detection only on flows a
# rule could judge (verdict_may_judge), and its reports are the same as
# when every flow is detected (--flow-events needs every flow's
# application, so it turns the saving off): every fixture against three
# sites, one that leaves the whole capture out of scope, and one that binds
# a role to a host name (a TLS server name can make any flow a peer's, so
# every flow is detected).
set -u
: "${FLOWAUDIT:?}" "${FIXTURES:?}" "${SRCDIR:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$SRCDIR/tests/tap.sh"

cat >"$work/nobody.json" <<'SITE'
{ "name": "no audited host in the capture",
  "roles": { "license_server": ["198.18.255.254"] } }
SITE
cat >"$work/named.json" <<'SITE'
{ "name": "a role bound by host name",
  "roles": { "speechlive_cloud": ["speechlive.clinic.example"],
             "license_server": ["198.18.255.254"] } }
SITE

# audit SITE OUT [ARGS...]: the JSON report of every fixture, and stderr.
audit() {
	site=$1 out=$2
	shift 2
	"$FLOWAUDIT" audit --threads 1 --fail-on none --site "$site" --format json \
		"$@" "$FIXTURES"/*.pcap >"$out" 2>"$out.err"
}

for site in "$SRCDIR/pcaps/demo-site.json" "$SRCDIR/tests/e2e/sites/separate.json" \
	    "$SRCDIR/tests/e2e/sites/combined.json" "$work/nobody.json" "$work/named.json"; do
	name=$(basename "$site" .json)
	audit "$site" "$work/$name.some"
	audit "$site" "$work/$name.all" --flow-events "$work/$name.events"
	same "$work/$name.some" "$work/$name.all" \
		"site $name: the report is the same with detection only where a rule can judge"
done

# nDPI's flow count from the run's summary line.
dpi_flows() {
	sed -n 's/^flowaudit: nDPI saw \([0-9]*\) flow.*/\1/p' "$1"
}
all=$(dpi_flows "$work/nobody.all.err")
some=$(dpi_flows "$work/nobody.some.err")
[ "${all:-0}" -gt 100 ] && [ "$some" = 0 ]
check $? "no audited host in the capture: nDPI saw $some flows, $all with flow events" \
	"$work/nobody.some.err"
all=$(dpi_flows "$work/named.all.err")
some=$(dpi_flows "$work/named.some.err")
[ "${all:-0}" -gt 100 ] && [ "$some" = "$all" ]
check $? "a role bound by host name: every flow detected ($some of $all)" \
	"$work/named.some.err"
echo "1..$n"
[ "$failed" -eq 0 ]
