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

/* A site exception as a row of its own kind after the findings: its sides
 * in the client and server columns, its reason (and expiry) as the reason,
 * "expired" as its cause once past its date. */
static void exception_row(FILE *f, const struct audit_report *r,
			  const struct exception_use *e)
{
	const struct site_allow *a = e->allow;
	char side[512], ports[256] = "", why[600];
	size_t used = 0;

	csv_put_field(f, "exception");
	field(f, e->expired ? "expired" : "");
	for (int i = 0; i < 4; i++)
		sep(f);  /* rule, group, need, sections */
	exception_side_text(r->rules, a->from_roles, a->from_nets, a->nfrom_nets, side,
			    sizeof(side));
	field(f, side);
	sep(f);
	sep(f);
	exception_side_text(r->rules, a->to_roles, a->to_nets, a->nto_nets, side,
			    sizeof(side));
	field(f, side);
	for (int i = 0; i < 3; i++)
		sep(f);  /* server roles, host, expected */
	field(f, a->proto ? ip_proto_name(a->proto, "ip") : "any");
	for (unsigned i = 0; i < a->nports && used + 16 < sizeof(ports); i++)
		used += (size_t)snprintf(ports + used, sizeof(ports) - used,
					 a->ports[i].lo == a->ports[i].hi ? "%s%u" : "%s%u-%u",
					 i ? " " : "", a->ports[i].lo, a->ports[i].hi);
	field(f, ports);
	sep(f);  /* app */
	sep(f);  /* states */
	number(f, e->flows);
	sep(f);
	sep(f);
	number(f, e->packets);
	number(f, e->bytes);
	timestamp(f, e->first_us);
	timestamp(f, e->last_us);
	for (int i = 0; i < 3; i++)
		sep(f);  /* country, ASN, AS organisation */
	snprintf(why, sizeof(why), "%s%s%s%s", a->why, a->expires ? " (expires " : "",
		 a->expires ? a->expires : "", a->expires ? ")" : "");
	field(f, why);
	fputs("\r\n", f);
}

/* A capture-health note as a row of its own kind after the exceptions:
 * its code as the cause, the host it is about as the server, its sentence
 * as the reason. */
static void health_row(FILE *f, const struct health_line *l)
{
	csv_put_field(f, "capture-health");
	field(f, l->code);
	for (int i = 0; i < 7; i++)
		sep(f);  /* rule .. client_host */
	field(f, l->host);
	for (int i = 0; i < 17; i++)
		sep(f);  /* server_roles .. server_as_org */
	field(f, l->text);
	fputs("\r\n", f);
}

bool report_csv(FILE *f, const struct audit_report *r)
{
	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		fprintf(f, "%s%s", i ? "," : "", columns[i]);
	fputs("\r\n", f);
	for (unsigned i = 0; i < r->findings->n; i++)
		row(f, r, &r->findings->items[i]);
	for (unsigned i = 0; i < r->findings->nexceptions; i++)
		exception_row(f, r, &r->findings->exceptions[i]);
	struct health_line lines[HEALTH_MAX_LINES];
	unsigned n = capture_health_lines(r, lines, HEALTH_MAX_LINES);
	for (unsigned i = 0; i < n; i++)
		health_row(f, &lines[i]);
	return !ferror(f);
}
