/* report_junit.c - the audit as JUnit XML, the test-report format Jenkins,
 * GitLab and most CI systems read: one testsuite per rule group, one
 * testcase per rule and concrete host (missing and blocked are failures,
 * observed passes, not applicable and inconclusive are skipped), and
 * unexpected traffic as
 * failures in a testsuite of its own. The failure count equals the report's
 * missing + blocked + unexpected. */
#include <stdlib.h>
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

static const struct finding_endpoint *judged_side(const struct ruleset *rs,
						  const struct finding *x)
{
	return judged_on_client(rs, x->rule) ? &x->client : &x->server;
}

/* The site host a finding is judged on, or -1 (an address of a population). */
static int judged_host(const struct ruleset *rs, const struct finding *x)
{
	const struct finding_endpoint *e = judged_side(rs, x);
	return e->has_ip ? ruleset_host_of(rs, e->ip_version, &e->ip) : -1;
}

/* A test's name: the rule, the host it is judged on and the other side's
 * role, and the unit of a rule that needs each port. Nothing the outcome
 * decides (the port seen, the server that answered, the state) is in it,
 * so CI keeps one history per test: "mobile-license: 10.1.0.20 ->
 * license_server", "mobile-inbound: mobile_clients -> 10.1.0.20 tcp/443". */
static void rule_case_name(const struct ruleset *rs, const struct rule *rule,
			   const char *host, int unit, char *out, size_t len)
{
	char svc[64] = "";

	if (unit >= 0)
		rule_unit_format(rule, (unsigned)unit, svc, sizeof(svc));
	if (judged_on_client(rs, rule))
		snprintf(out, len, "%s: %s -> %s%s%s", rule->id, host,
			 ruleset_role(rs, rule->to_role)->name, svc[0] ? " " : "", svc);
	else
		snprintf(out, len, "%s: %s -> %s%s%s", rule->id,
			 ruleset_role(rs, rule->from_role)->name, host, svc[0] ? " " : "", svc);
}

/* An unexpected conversation by who talked to whom on what:
 * "10.1.0.20 -> 10.1.0.2 tcp/3389". */
static void conversation_name(const struct finding *x, char *out, size_t len)
{
	char client[IP_TEXT_LEN] = "?", server[IP_TEXT_LEN] = "?";

	if (x->client.has_ip)
		format_ip(client, x->client.ip_version, &x->client.ip);
	if (x->server.has_ip)
		format_ip(server, x->server.ip_version, &x->server.ip);
	if (x->proto == IP_PROTO_TCP || x->proto == IP_PROTO_UDP)
		snprintf(out, len, "%s -> %s %s/%u", client, server,
			 ip_proto_name(x->proto, "ip"), x->port);
	else
		snprintf(out, len, "%s -> %s %s", client, server, ip_proto_name(x->proto, "ip"));
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
		     const char *name, const struct finding *x)
{
	char reason[REASON_LEN];

	finding_reason(r->rules, x, reason, sizeof(reason));
	fputs("    <testcase", f);
	attr(f, "classname", classname);
	attr(f, "name", name);
	fputs(" time=\"0\"", f);
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

static bool is_failure(enum finding_kind k)
{
	return k == FINDING_MISSING || k == FINDING_BLOCKED || k == FINDING_UNEXPECTED;
}

/* One testcase of a rule suite. */
enum case_kind {
	CASE_FINDING,          /* a finding (observed, blocked, missing, ...) */
	CASE_UNIT_WORKED,      /* a unit of an each-rule that worked on a host
				* whose other units did not */
	CASE_NOT_SEEN,         /* a site host the rule does not require */
	CASE_RULE,             /* a rule not applicable, or judged on hosts of
				* a population: the rule itself */
};

#define CASE_NAME_LEN 700
struct junit_case {
	enum case_kind kind;
	const struct rule *rule;
	const struct finding *finding;  /* CASE_FINDING; CASE_UNIT_WORKED: a
					 * sibling finding (each_met) */
	int unit;                       /* -1: the rule as a whole */
	char name[CASE_NAME_LEN];
};

struct case_list {
	struct junit_case *items;
	unsigned n, cap;
};

static struct junit_case *case_add(struct case_list *l, enum case_kind kind,
				   const struct rule *rule, const struct finding *x, int unit)
{
	if (l->n == l->cap) {
		unsigned cap = l->cap ? l->cap * 2 : 64;
		struct junit_case *p = realloc(l->items, cap * sizeof(*p));
		if (!p)
			return NULL;
		l->items = p;
		l->cap = cap;
	}
	struct junit_case *c = &l->items[l->n++];
	c->kind = kind;
	c->rule = rule;
	c->finding = x;
	c->unit = unit;
	c->name[0] = '\0';
	return c;
}

/* The finding of a rule on one site host (and unit), or NULL. An observed
 * finding of an each-rule covers every unit. */
static const struct finding *finding_on(const struct audit_report *r, const struct rule *rule,
					int host, int unit, bool *used)
{
	for (unsigned k = 0; k < r->findings->n; k++) {
		const struct finding *x = &r->findings->items[k];
		if (x->rule != rule || judged_host(r->rules, x) != host)
			continue;
		if (unit < 0 || (x->has_unit ? (int)x->unit == unit : x->kind == FINDING_OBSERVED)) {
			used[k] = true;
			return x;
		}
	}
	return NULL;
}

/* Any finding of the rule on the host: says which units worked. */
static const struct finding *sibling_on(const struct audit_report *r, const struct rule *rule,
					int host)
{
	for (unsigned k = 0; k < r->findings->n; k++)
		if (r->findings->items[k].rule == rule &&
		    judged_host(r->rules, &r->findings->items[k]) == host)
			return &r->findings->items[k];
	return NULL;
}

static int address_order(const void *a, const void *b)
{
	const struct finding *const *x = a, *const *y = b;
	int c = memcmp(&(*x)->client.ip, &(*y)->client.ip, sizeof((*x)->client.ip));
	if (!c)
		c = memcmp(&(*x)->server.ip, &(*y)->server.ip, sizeof((*x)->server.ip));
	if (!c)
		c = ((*x)->has_unit ? (int)(*x)->unit : -1) - ((*y)->has_unit ? (int)(*y)->unit : -1);
	return c;
}

/* The cases of one applicable rule: per site host it is judged on (and per
 * unit of a rule that needs each port), whatever the outcome; then the
 * hosts of a population the capture showed, by address. */
static void rule_cases(const struct audit_report *r, const struct rule *rule,
		       struct case_list *l, bool *used)
{
	const struct ruleset *rs = r->rules;
	unsigned role = judged_on_client(rs, rule) ? rule->from_role : rule->to_role;
	const unsigned *ids;
	unsigned nhosts = ruleset_role_host_ids(rs, role, &ids);
	int units = rule->each ? (int)rule_unit_count(rule) : 0;
	struct junit_case *c;

	if (!rule->applicable || !nhosts) {
		if ((c = case_add(l, CASE_RULE, rule, NULL, -1)))
			snprintf(c->name, sizeof(c->name), "%s", rule->id);
		if (!rule->applicable)
			return;
	}
	for (unsigned h = 0; h < nhosts; h++) {
		const char *host = ruleset_host(rs, ids[h])->name;
		for (int u = units ? 0 : -1; u < (units ? units : 0); u++) {
			const struct finding *x = finding_on(r, rule, (int)ids[h], u, used);
			const struct finding *sib = x ? NULL : sibling_on(r, rule, (int)ids[h]);
			enum case_kind kind = x ? CASE_FINDING :
				sib && u >= 0 && (sib->each_met & ((uint32_t)1 << u)) ?
				CASE_UNIT_WORKED : CASE_NOT_SEEN;
			if ((c = case_add(l, kind, rule, x ? x : sib, u)))
				rule_case_name(rs, rule, host, u, c->name, sizeof(c->name));
		}
	}
	/* Hosts of a population: only those the capture showed, by address. */
	const struct finding **rest = calloc(r->findings->n + 1, sizeof(*rest));
	unsigned nrest = 0;
	if (!rest)
		return;
	for (unsigned k = 0; k < r->findings->n; k++)
		if (r->findings->items[k].rule == rule && !used[k])
			rest[nrest++] = &r->findings->items[k];
	qsort(rest, nrest, sizeof(*rest), address_order);
	for (unsigned i = 0; i < nrest; i++) {
		const struct finding_endpoint *e = judged_side(rs, rest[i]);
		char host[IP_TEXT_LEN] = "?";
		if (e->has_ip)
			format_ip(host, e->ip_version, &e->ip);
		if ((c = case_add(l, CASE_FINDING, rule, rest[i],
				  rest[i]->has_unit ? (int)rest[i]->unit : -1)))
			rule_case_name(rs, rule, host, c->unit, c->name, sizeof(c->name));
	}
	free(rest);
}

/* Names stay unique within a suite: a name met again gets " #2", " #3" in
 * the order of the cases, which the rule set and the site decide. */
static void unique_names(struct case_list *l)
{
	for (unsigned i = 1; i < l->n; i++) {
		unsigned seen = 1;
		for (unsigned j = 0; j < i; j++)
			if (strcmp(l->items[i].name, l->items[j].name) == 0)
				seen++;
		if (seen > 1) {
			size_t n = strlen(l->items[i].name);
			if (n + 12 < CASE_NAME_LEN)
				snprintf(l->items[i].name + n, CASE_NAME_LEN - n, " #%u", seen);
		}
	}
}

/* The cases of every rule of a group (first: the group's first rule). */
static void group_cases(const struct audit_report *r, unsigned first, struct case_list *l)
{
	const struct ruleset *rs = r->rules;
	const char *group = rule_group(ruleset_rule(rs, first));
	bool *used = calloc(r->findings->n + 1, sizeof(*used));

	if (!used)
		return;
	for (unsigned i = first; i < ruleset_rule_count(rs); i++)
		if (strcmp(rule_group(ruleset_rule(rs, i)), group) == 0)
			rule_cases(r, ruleset_rule(rs, i), l, used);
	free(used);
	unique_names(l);
}

static void count_cases(const struct case_list *l, struct suite_counts *c)
{
	for (unsigned i = 0; i < l->n; i++) {
		const struct junit_case *x = &l->items[i];
		c->tests++;
		if (x->kind == CASE_FINDING) {
			c->failures += is_failure(x->finding->kind);
			c->skipped += x->finding->kind == FINDING_INCONCLUSIVE;
		} else if (x->kind == CASE_RULE) {
			c->skipped += !x->rule->applicable;
		}
	}
}

static void passing_case(FILE *f, const char *classname, const char *name, const char *out)
{
	fputs("    <testcase", f);
	attr(f, "classname", classname);
	attr(f, "name", name);
	fputs(" time=\"0\">\n      <system-out>", f);
	xml_put_escaped(f, out);
	fputs("</system-out>\n    </testcase>\n", f);
}

static void emit_case(FILE *f, const struct audit_report *r, const char *classname,
		      const struct junit_case *c)
{
	char text[300];

	switch (c->kind) {
	case CASE_FINDING:
		testcase(f, r, classname, c->name, c->finding);
		return;
	case CASE_UNIT_WORKED: {
		char unit[64];
		rule_unit_format(c->rule, (unsigned)c->unit, unit, sizeof(unit));
		snprintf(text, sizeof(text), "observed: %s worked", unit);
		passing_case(f, classname, c->name, text);
		return;
	}
	case CASE_NOT_SEEN:
		passing_case(f, classname, c->name, "not seen; the rule does not require "
			     "traffic");
		return;
	case CASE_RULE:
		if (!c->rule->applicable) {
			fputs("    <testcase", f);
			attr(f, "classname", classname);
			attr(f, "name", c->name);
			fputs(" time=\"0\">\n      <skipped", f);
			attr(f, "message", c->rule->not_applicable_why ?
			     c->rule->not_applicable_why : "not applicable");
			fputs("/>\n    </testcase>\n", f);
			return;
		}
		unsigned seen = 0;
		for (unsigned k = 0; k < r->findings->n; k++)
			seen += r->findings->items[k].rule == c->rule;
		if (seen) {
			char n[48];
			counted(seen, "case", "cases", n, sizeof(n));
			snprintf(text, sizeof(text), "judged per host the capture showed: %s "
				 "below", n);
		} else {
			snprintf(text, sizeof(text), "not seen; the rule does not require traffic");
		}
		passing_case(f, classname, c->name, text);
		return;
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
	const char *group = rule_group(ruleset_rule(r->rules, first));
	struct suite_counts c = { 0, 0, 0 };
	struct case_list l = { NULL, 0, 0 };
	char classname[256];

	group_cases(r, first, &l);
	count_cases(&l, &c);
	suite_open(f, group, &c, id, timestamp);
	snprintf(classname, sizeof(classname), "flowaudit.%s", group);
	for (unsigned i = 0; i < l.n; i++)
		emit_case(f, r, classname, &l.items[i]);
	fputs("  </testsuite>\n", f);
	free(l.items);
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
	struct case_list l = { NULL, 0, 0 };
	struct junit_case *x;
	for (unsigned k = 0; k < r->findings->n; k++)
		if (r->findings->items[k].kind == FINDING_UNEXPECTED &&
		    (x = case_add(&l, CASE_FINDING, NULL, &r->findings->items[k], -1)))
			conversation_name(x->finding, x->name, sizeof(x->name));
	/* Conversations of one client, server and port that differ in cause. */
	unique_names(&l);
	for (unsigned i = 0; i < l.n; i++)
		testcase(f, r, "flowaudit.unexpected", l.items[i].name, l.items[i].finding);
	free(l.items);
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
		char flows[64], packets[64], after[64];
		counted(e->flows, "flow", "flows", flows, sizeof(flows));
		counted(e->packets, "packet", "packets", packets, sizeof(packets));
		counted(e->expired_flows, "flow", "flows", after, sizeof(after));
		fprintf(f, "; expires %s%s; covered %s, %s; %s after its expiry</system-out>\n"
			"    </testcase>\n", a->expires ? a->expires : "never",
			e->expired ? " (expired: no longer applies)" : "", flows, packets, after);
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
	for (unsigned i = 0; i < ruleset_rule_count(rs); i++) {
		if (group_seen_before(rs, i))
			continue;
		struct case_list l = { NULL, 0, 0 };
		group_cases(r, i, &l);
		count_cases(&l, &all);
		free(l.items);
	}
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
