/* report_csv.c - the findings as CSV (RFC 4180: CRLF line ends, a header
 * row, fields quoted when they hold a comma, quote or line break), for
 * spreadsheets and scripts. One row per finding, in the report's order. */
#include <string.h>

#include "audit_report.h"
#include "finding_text.h"
#include "common/addr.h"
#include "common/timefmt.h"
#include "escape.h"

static const char *const columns[] = {
	"kind", "cause", "rule", "group", "need", "sections",
	"client_ip", "client_roles", "client_host",
	"server_ip", "server_roles", "server_host", "server_expected",
	"proto", "port", "app", "states",
	"flows", "attempts", "successes", "packets", "bytes",
	"first_seen", "last_seen",
	"server_country", "server_asn", "server_as_org", "reason",
};

static void sep(FILE *f)
{
	fputc(',', f);
}

static void field(FILE *f, const char *s)
{
	sep(f);
	csv_put_field(f, s);
}

static void number(FILE *f, uint64_t v)
{
	fprintf(f, ",%llu", (unsigned long long)v);
}

static void timestamp(FILE *f, uint64_t us)
{
	char t[TS_TEXT_LEN] = "";
	if (us)
		format_ts_iso(t, us);
	field(f, t);
}

static void side(FILE *f, const struct audit_report *r,
		 const struct finding_endpoint *e, bool server)
{
	char ip[IP_TEXT_LEN] = "", roles[512], expected[1024] = "";

	if (e->has_ip)
		format_ip(ip, e->ip_version, &e->ip);
	roles_join(r->rules, e->roles, "+", roles, sizeof(roles));
	field(f, ip);
	field(f, roles);
	field(f, e->host);
	if (server) {
		if (!e->has_ip)
			expected_join(e, " ", expected, sizeof(expected));
		field(f, expected);
	}
}

static void row(FILE *f, const struct audit_report *r, const struct finding *x)
{
	char sections[256] = "", reason[REASON_LEN];
	const struct finding_endpoint *s = &x->server;

	finding_reason(r->rules, x, reason, sizeof(reason));
	csv_put_field(f, finding_kind_name(x->kind));
	field(f, finding_cause_name(x->cause));
	field(f, x->rule ? x->rule->id : "");
	field(f, x->rule ? rule_group(x->rule) : "");
	field(f, x->rule ? need_name(x->rule->need) : "");
	if (x->rule)
		sections_join(x->rule, " ", sections, sizeof(sections));
	field(f, sections);
	side(f, r, &x->client, false);
	side(f, r, s, true);
	field(f, x->proto ? ip_proto_name(x->proto, "ip") : "");
	if (x->proto)
		number(f, x->port);
	else
		sep(f);
	field(f, x->app);
	field(f, x->states);
	number(f, x->flows);
	number(f, x->attempts);
	number(f, x->successes);
	number(f, x->packets);
	number(f, x->bytes);
	timestamp(f, x->first_us);
	timestamp(f, x->last_us);
	field(f, s->has_geo ? s->geo.country : "");
	if (s->has_geo && s->geo.asn)
		number(f, s->geo.asn);
	else
		sep(f);
	field(f, s->has_geo ? s->geo.as_org : "");
	field(f, reason);
	fputs("\r\n", f);
}

bool report_csv(FILE *f, const struct audit_report *r)
{
	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		fprintf(f, "%s%s", i ? "," : "", columns[i]);
	fputs("\r\n", f);
	for (unsigned i = 0; i < r->findings->n; i++)
		row(f, r, &r->findings->items[i]);
	return !ferror(f);
}
