/* report_junit.c - the audit as JUnit XML, the test-report format Jenkins,
 * GitLab and most CI systems read: one testsuite per rule group, one
 * testcase per rule and concrete host (missing and blocked are failures,
 * observed passes, not applicable and inconclusive are skipped), and
 * unexpected traffic as
 * failures in a testsuite of its own. The failure count equals the report's
 * missing + blocked + unexpected. */
#include <string.h>

#include "audit_report.h"
#include "finding_text.h"
#include "common/addr.h"
#include "common/timefmt.h"
#include "escape.h"

#define UNEXPECTED_SUITE "Unexpected traffic"

struct suite_counts {
	unsigned tests, failures, skipped;
};

/* An attribute's value: as element text, but a parser normalises a tab or
 * line break written as itself to a space (XML 1.0, 3.3.3), so those are
 * written as character references and come back as they were. */
static void attr_value(FILE *f, const char *value)
{
	const char *s = value ? value : "";

	for (;;) {
		size_t n = strcspn(s, "\t\n\r");
		char piece[512];
		while (n) {
			size_t k = n < sizeof(piece) - 1 ? n : sizeof(piece) - 1;
			/* A piece ends on a character's first byte, not inside it. */
			size_t whole = k;
			while (whole < n && whole > k - 4 && ((unsigned char)s[whole] & 0xc0) == 0x80)
				whole--;
			if (whole > k - 4)
				k = whole;
			memcpy(piece, s, k);
			piece[k] = '\0';
			xml_put_escaped(f, piece);
			s += k;
			n -= k;
		}
		if (!*s)
			return;
		fprintf(f, "&#%d;", *s);
		s++;
	}
}

static void attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s=\"", name);
	attr_value(f, value);
	fputc('"', f);
}

static void side_text(const struct audit_report *r, const struct finding_endpoint *e,
		      bool port, char *out, size_t len)
{
	char where[512], roles[256];

	roles_join(r->rules, e->roles, "+", roles, sizeof(roles));
	if (e->has_ip && port && e->has_port)
		format_endpoint(where, e->ip_version, &e->ip, e->port);
	else if (e->has_ip)
		format_ip(where, e->ip_version, &e->ip);
	else
		expected_join(e, ",", where, sizeof(where));
	if (!where[0])
		snprintf(where, sizeof(where), "%s", e->host[0] ? e->host : "?");
	snprintf(out, len, "%s%s%s%s%s", roles, roles[0] ? " " : "",
		 e->host_name ? e->host_name : "", e->host_name ? " " : "", where);
}

/* "web-inbound: 10.1.0.20 -> www.example.com 443" */
static void case_name(const struct audit_report *r, const struct finding *x,
		      char *out, size_t len)
{
	char client[600], server[600];

	side_text(r, &x->client, false, client, sizeof(client));
	side_text(r, &x->server, true, server, sizeof(server));
	if (x->server.has_ip && x->server.host[0] &&
	    strlen(server) + strlen(x->server.host) + 4 < sizeof(server)) {
		strcat(server, " (");
		strcat(server, x->server.host);
		strcat(server, ")");
	}
	snprintf(out, len, "%s -> %s", client, server);
}

static void evidence(FILE *f, const struct finding *x)
{
	char first[TS_TEXT_LEN] = "-", last[TS_TEXT_LEN] = "-";

	if (x->first_us)
		format_ts_iso(first, x->first_us);
	if (x->last_us)
		format_ts_iso(last, x->last_us);
	fprintf(f, "flows %llu, attempts %llu, successes %llu, packets %llu, bytes %llu, "
		"proto %s, port %u, states ", (unsigned long long)x->flows,
		(unsigned long long)x->attempts, (unsigned long long)x->successes,
		(unsigned long long)x->packets, (unsigned long long)x->bytes,
		x->proto ? ip_proto_name(x->proto, "ip") : "-", x->port);
	xml_put_escaped(f, x->states[0] ? x->states : "-");
	fputs(", app ", f);
	xml_put_escaped(f, x->app[0] ? x->app : "-");
	fprintf(f, ", first %s, last %s", first, last);
}

static void testcase(FILE *f, const struct audit_report *r, const char *classname,
		     const struct finding *x)
{
	char name[1400], reason[REASON_LEN];

	case_name(r, x, name, sizeof(name));
	finding_reason(r->rules, x, reason, sizeof(reason));
	fputs("    <testcase", f);
	attr(f, "classname", classname);
	fputs(" name=\"", f);
	if (x->rule) {
		attr_value(f, x->rule->id);
		fputs(": ", f);
	}
	attr_value(f, name);
	fputs("\" time=\"0\"", f);
	if (x->kind == FINDING_OBSERVED) {
		fputs(">\n      <system-out>observed: ", f);
		xml_put_escaped(f, reason);
		fputs("; ", f);
		evidence(f, x);
		fputs("</system-out>\n    </testcase>\n", f);
		return;
	}
	if (x->kind == FINDING_INCONCLUSIVE) {
		/* Not a pass and not a failure: the capture cannot tell. */
		fputs(">\n      <skipped", f);
		attr(f, "message", reason);
		fputs("/>\n      <system-out>inconclusive: ", f);
		xml_put_escaped(f, reason);
		fputs("; ", f);
		evidence(f, x);
		fputs("</system-out>\n    </testcase>\n", f);
		return;
	}
	fputs(">\n      <failure", f);
	attr(f, "message", reason);
	attr(f, "type", finding_cause_name(x->cause));
	fputc('>', f);
	xml_put_escaped(f, finding_kind_name(x->kind));
	fputs(": ", f);
	xml_put_escaped(f, reason);
	if (x->rule) {
		char sections[256];
		sections_join(x->rule, ", ", sections, sizeof(sections));
		fputs("\nsections: ", f);
		xml_put_escaped(f, sections);
	}
	fputs("\nevidence: ", f);
	evidence(f, x);
	fputs("</failure>\n    </testcase>\n", f);
}

/* A rule that produced no finding: not applicable (skipped) or applicable
 * and never seen, which only a required rule would fail (and then it is
 * missing, a finding). */
static void rule_without_findings(FILE *f, const char *classname, const struct rule *rule)
{
	fputs("    <testcase", f);
	attr(f, "classname", classname);
	attr(f, "name", rule->id);
	fputs(" time=\"0\">\n", f);
	if (!rule->applicable) {
		fputs("      <skipped", f);
		attr(f, "message", rule->not_applicable_why ? rule->not_applicable_why
							     : "not applicable");
		fputs("/>\n", f);
	} else {
		fputs("      <system-out>not seen; the rule does not require traffic"
		      "</system-out>\n", f);
	}
	fputs("    </testcase>\n", f);
}

static bool is_failure(enum finding_kind k)
{
	return k == FINDING_MISSING || k == FINDING_BLOCKED || k == FINDING_UNEXPECTED;
}

/* What a rule contributes to its suite's counts. */
static void count_rule(const struct audit_report *r, const struct rule *rule,
		       struct suite_counts *c)
{
	unsigned rows = 0;

	for (unsigned k = 0; k < r->findings->n; k++) {
		const struct finding *x = &r->findings->items[k];
		if (x->rule != rule)
			continue;
		rows++;
		c->tests++;
		c->failures += is_failure(x->kind);
		c->skipped += x->kind == FINDING_INCONCLUSIVE;
	}
	if (!rows) {
		c->tests++;
		c->skipped += !rule->applicable;
	}
}

static bool group_seen_before(const struct ruleset *rs, unsigned i)
{
	const char *g = rule_group(ruleset_rule(rs, i));
	for (unsigned j = 0; j < i; j++)
		if (strcmp(rule_group(ruleset_rule(rs, j)), g) == 0)
			return true;
	return false;
}

static void suite_open(FILE *f, const char *name, const struct suite_counts *c,
		       unsigned id, const char *timestamp)
{
	fputs("  <testsuite", f);
	attr(f, "name", name);
	fprintf(f, " id=\"%u\" tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"%u\" "
		"time=\"0\"", id, c->tests, c->failures, c->skipped);
	if (timestamp[0])
		fprintf(f, " timestamp=\"%s\"", timestamp);
	fputs(">\n", f);
}

static void rule_group_suite(FILE *f, const struct audit_report *r, unsigned first,
			     unsigned id, const char *timestamp)
{
	const struct ruleset *rs = r->rules;
	const char *group = rule_group(ruleset_rule(rs, first));
	struct suite_counts c = { 0, 0, 0 };
	char classname[256];

	for (unsigned i = first; i < ruleset_rule_count(rs); i++)
		if (strcmp(rule_group(ruleset_rule(rs, i)), group) == 0)
			count_rule(r, ruleset_rule(rs, i), &c);
	suite_open(f, group, &c, id, timestamp);
	snprintf(classname, sizeof(classname), "flowaudit.%s", group);
	for (unsigned i = first; i < ruleset_rule_count(rs); i++) {
		const struct rule *rule = ruleset_rule(rs, i);
		unsigned rows = 0;
		if (strcmp(rule_group(rule), group) != 0)
			continue;
		for (unsigned k = 0; k < r->findings->n; k++)
			if (r->findings->items[k].rule == rule) {
				testcase(f, r, classname, &r->findings->items[k]);
				rows++;
			}
		if (!rows)
			rule_without_findings(f, classname, rule);
	}
	fputs("  </testsuite>\n", f);
}

static void unexpected_suite(FILE *f, const struct audit_report *r, unsigned id,
			     const char *timestamp)
{
	struct suite_counts c = { 0, 0, 0 };

	for (unsigned k = 0; k < r->findings->n; k++)
		if (r->findings->items[k].kind == FINDING_UNEXPECTED)
			c.tests++, c.failures++;
	if (!c.tests) {
		/* An explicit passing case, so "no unexpected traffic" is a
		 * result CI shows rather than an empty suite. */
		c.tests = 1;
		suite_open(f, UNEXPECTED_SUITE, &c, id, timestamp);
		fputs("    <testcase classname=\"flowaudit.unexpected\" name=\"no unexpected "
		      "traffic\" time=\"0\"/>\n  </testsuite>\n", f);
		return;
	}
	suite_open(f, UNEXPECTED_SUITE, &c, id, timestamp);
	for (unsigned k = 0; k < r->findings->n; k++)
		if (r->findings->items[k].kind == FINDING_UNEXPECTED)
			testcase(f, r, "flowaudit.unexpected", &r->findings->items[k]);
	fputs("  </testsuite>\n", f);
}

/* The site's exceptions: one passing case each, its coverage as output (an
 * expired one says so; its traffic is judged with the rest). */
static void exceptions_suite(FILE *f, const struct audit_report *r, unsigned id,
			     const char *timestamp)
{
	const struct findings *x = r->findings;
	struct suite_counts c = { x->nexceptions, 0, 0 };

	suite_open(f, "Site exceptions", &c, id, timestamp);
	for (unsigned i = 0; i < x->nexceptions; i++) {
		const struct exception_use *e = &x->exceptions[i];
		const struct site_allow *a = e->allow;
		char from[512], to[512], ports[128], name[1300];
		exception_side_text(r->rules, a->from_roles, a->from_nets, a->nfrom_nets,
				    from, sizeof(from));
		exception_side_text(r->rules, a->to_roles, a->to_nets, a->nto_nets, to,
				    sizeof(to));
		exception_ports_text(a, ports, sizeof(ports));
		snprintf(name, sizeof(name), "%s -> %s %s", from, to, ports);
		fputs("    <testcase classname=\"flowaudit.exceptions\"", f);
		attr(f, "name", name);
		fputs(" time=\"0\">\n      <system-out>", f);
		xml_put_escaped(f, a->why);
		fprintf(f, "; expires %s%s; covered %llu flows, %llu packets; %llu flows after "
			"its expiry</system-out>\n    </testcase>\n", a->expires ? a->expires :
			"never", e->expired ? " (expired: no longer applies)" : "",
			(unsigned long long)e->flows, (unsigned long long)e->packets,
			(unsigned long long)e->expired_flows);
	}
	fputs("  </testsuite>\n", f);
}

/* The capture's health: one case per note, passing, its sentence as
 * output (CI shows what the capture could not see beside the verdict). */
static void health_suite(FILE *f, const struct audit_report *r,
			 const struct health_line *lines, unsigned n, unsigned id,
			 const char *timestamp)
{
	struct suite_counts c = { n, 0, 0 };

	suite_open(f, "Capture health", &c, id, timestamp);
	for (unsigned i = 0; i < n; i++) {
		char name[128];
		snprintf(name, sizeof(name), "%s%s%s", lines[i].code, lines[i].host[0] ? " " : "",
			 lines[i].host);
		fputs("    <testcase classname=\"flowaudit.capture_health\"", f);
		attr(f, "name", name);
		fputs(" time=\"0\">\n      <system-out>", f);
		xml_put_escaped(f, lines[i].text);
		fputs("</system-out>\n    </testcase>\n", f);
	}
	fputs("  </testsuite>\n", f);
	(void)r;
}

/* The capture's first packet time (not the wall clock: reports of the same
 * capture are identical). */
static void first_packet_time(const struct audit_report *r, char *out)
{
	uint64_t first = r->capture.first_us;

	out[0] = '\0';
	if (first) {
		/* JUnit's timestamp is xs:dateTime without a zone designator. */
		format_ts_iso(out, first);
		char *z = strchr(out, 'Z');
		char *dot = strchr(out, '.');
		if (dot)
			*dot = '\0';
		else if (z)
			*z = '\0';
	}
}

bool report_junit(FILE *f, const struct audit_report *r)
{
	const struct audit_summary *s = &r->findings->summary;
	const struct ruleset *rs = r->rules;
	char timestamp[TS_TEXT_LEN];
	unsigned id = 0;

	first_packet_time(r, timestamp);
	struct suite_counts all = { 0, 0, 0 };
	for (unsigned i = 0; i < ruleset_rule_count(rs); i++)
		count_rule(r, ruleset_rule(rs, i), &all);
	unsigned unexpected = (unsigned)s->count[FINDING_UNEXPECTED];
	all.tests += unexpected ? unexpected : 1;
	all.failures += unexpected;
	all.tests += r->findings->nexceptions;
	struct health_line lines[HEALTH_MAX_LINES];
	unsigned nhealth = capture_health_lines(r, lines, HEALTH_MAX_LINES);
	all.tests += nhealth;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", f);
	char name[512];
	snprintf(name, sizeof(name), "flowaudit: %s", ruleset_site_name(rs));
	attr(f, "name", name);
	fprintf(f, " tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"%u\" time=\"0\">\n",
		all.tests, all.failures, all.skipped);
	for (unsigned i = 0; i < ruleset_rule_count(rs); i++)
		if (!group_seen_before(rs, i))
			rule_group_suite(f, r, i, id++, timestamp);
	unexpected_suite(f, r, id++, timestamp);
	if (r->findings->nexceptions)
		exceptions_suite(f, r, id++, timestamp);
	if (nhealth)
		health_suite(f, r, lines, nhealth, id, timestamp);
	fputs("</testsuites>\n", f);
	return !ferror(f);
}
