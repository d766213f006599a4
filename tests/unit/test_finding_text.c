/* test_finding_text.c - the sentences reports write from cause codes: one
 * per cause, from findings and judgements the verdict engine made. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "audit/verdict.h"
#include "reports/audit_report.h"
#include "reports/finding_text.h"
#include "tap.h"

static struct ruleset *rs;

static struct flow_record flow(const char *o, const char *r, uint16_t rp, uint8_t proto,
			       const char *state)
{
	struct flow_record f;
	memset(&f, 0, sizeof(f));
	f.ip_version = 4;
	inet_pton(AF_INET, o, f.orig_h.b);
	inet_pton(AF_INET, r, f.resp_h.b);
	f.orig_p = 50000;
	f.resp_p = rp;
	f.proto = proto;
	f.conn_state = state;
	f.first_us = 1700000000000000ull;
	f.last_us = f.first_us + 1000;
	return f;
}

static struct flow_record tcp_ok(const char *o, const char *r, uint16_t port)
{
	struct flow_record f = flow(o, r, port, IP_PROTO_TCP, "SF");
	f.orig.saw = SAW_SYN | SAW_DATA | SAW_FIN;
	f.resp.saw = SAW_SYNACK | SAW_DATA | SAW_FIN;
	f.orig.pkts = 5;
	f.resp.pkts = 4;
	f.orig.payload_bytes = 100;
	f.resp.payload_bytes = 200;
	f.orig.syns = 1;
	return f;
}

static struct flow_class cls(const char *app)
{
	struct flow_class c;
	memset(&c, 0, sizeof(c));
	c.classified = true;
	snprintf(c.app, sizeof(c.app), "%s", app);
	/* What nDPI names in these tests it named from a handshake. */
	c.app_confidence = strcmp(app, "Unknown") ? APP_CONFIDENCE_CONFIDENT : APP_CONFIDENCE_NONE;
	return c;
}

/* The reason of the first finding of this kind and cause. */
static const char *reason_of(const struct findings *out, enum finding_kind k,
			     enum finding_cause cause, const char *rule)
{
	static char text[REASON_LEN];
	for (unsigned i = 0; i < out->n; i++) {
		const struct finding *x = &out->items[i];
		if (x->kind != k || x->cause != cause ||
		    (rule && (!x->rule || strcmp(x->rule->id, rule) != 0)))
			continue;
		finding_reason(rs, x, text, sizeof(text));
		return text;
	}
	return "(no such finding)";
}

#define is_text(got, want, what) is_str(got, want, what)

static void test_findings(void)
{
	struct verdict *v = verdict_new(rs);
	struct flow_class unknown = cls("Unknown"), ssh = cls("SSH"), tls = cls("TLS");
	struct findings out;

	struct flow_record f = flow("10.1.0.20", "10.1.0.10", 13667, IP_PROTO_TCP, "S0");
	f.orig.saw = SAW_SYN;
	f.orig.syns = f.orig.pkts = 3;
	verdict_flow(v, &f, &unknown, NULL);
	f = tcp_ok("10.1.0.20", "20.50.2.10", 443);
	f.resp.payload_bytes = 0;
	f.resp.saw = SAW_SYNACK | SAW_RST;
	struct flow_class sni = tls;
	snprintf(sni.server_name, sizeof(sni.server_name), "livebroker.speechexec.com");
	sni.server_name_source = NAME_SNI;
	verdict_flow(v, &f, &sni, NULL);
	f = tcp_ok("203.0.113.7", "10.1.0.20", 443);
	verdict_flow(v, &f, &tls, NULL);
	verdict_flow(v, &f, &ssh, NULL);
	f = tcp_ok("10.1.0.10", "10.1.0.20", 13667);
	verdict_flow(v, &f, &unknown, NULL);
	f = tcp_ok("10.1.0.20", "10.1.0.2", 3389);
	verdict_flow(v, &f, &unknown, NULL);
	ok(verdict_findings(v, &out), "findings built");

	is_text(reason_of(&out, FINDING_BLOCKED, CAUSE_SYN_UNANSWERED, "mobile-license"),
		"3 SYN to 10.1.0.10:13667, no reply", "syn-unanswered");
	is_text(reason_of(&out, FINDING_BLOCKED, CAUSE_TLS_RESET, "speechlive-cloud"),
		"TLS ClientHello to 20.50.2.10:443 (livebroker.speechexec.com, from TLS SNI), "
		"connection reset before any server data", "tls-reset names the SNI");
	is_text(reason_of(&out, FINDING_OBSERVED, CAUSE_SUCCEEDED, "mobile-inbound"),
		"1 of 1 attempt to 10.1.0.20:443 succeeded (SF)", "succeeded");
	is_text(reason_of(&out, FINDING_MISSING, CAUSE_NO_ATTEMPT, "speechlive-sql"),
		"no traffic from 10.1.0.20 to sql_server on tcp/1433", "no-attempt");
	const char *app = reason_of(&out, FINDING_UNEXPECTED, CAUSE_APP_MISMATCH, NULL);
	ok(strncmp(app, "application mismatch: nDPI found SSH on tcp/443; rule mobile-inbound "
		   "expects ", 77) == 0, "app-mismatch: %s", app);
	is_text(reason_of(&out, FINDING_UNEXPECTED, CAUSE_WRONG_DIRECTION, NULL),
		"wrong direction: license_server -> mobile_service+speechlive_service+webaccess "
		"on tcp/13667; rule mobile-license allows mobile_service -> license_server",
		"wrong-direction");
	const char *port = reason_of(&out, FINDING_UNEXPECTED, CAUSE_PORT_NOT_ALLOWED, NULL);
	const char *port_head = "no rule for tcp/3389 between mobile_service+speechlive_service+"
		"webaccess and domain_controller; rules mobile-ad-auth, ";
	ok(strncmp(port, port_head, strlen(port_head)) == 0 &&
	   strstr(port, " cover other ports"), "port-not-allowed: %s", port);
	ok(strstr(port, "; rules mobile-ad-auth, ") != NULL,
	   "port-not-allowed: several rules are \"rules ... cover\": %s", port);
	/* A rule accepting any of several services: the whole set, not the
	 * first port. */
	is_text(reason_of(&out, FINDING_MISSING, CAUSE_NO_ATTEMPT, "mobile-ad-auth"),
		"no traffic from 10.1.0.20 to domain_controller on any of tcp or udp 88, "
		"389; tcp 636", "missing names the rule's whole any-of set");
	is_text(reason_of(&out, FINDING_MISSING, CAUSE_NO_ATTEMPT, "mobile-ad-directory"),
		"no traffic from 10.1.0.20 to domain_controller on any of tcp or udp 389; "
		"tcp 636, 3268, 3269", "the any-of set grouped by protocol, ports ascending");
	findings_free(&out);
	verdict_free(v);
}

/* A name that is only the address again says nothing: never "10.1.0.60
 * (10.1.0.60, ...)". */
static void test_label_equal_to_host(void)
{
	struct verdict *v = verdict_new(rs);
	struct flow_class http = cls("HTTP");
	struct findings out;
	char text[REASON_LEN];

	snprintf(http.server_name, sizeof(http.server_name), "10.1.0.20");
	http.server_name_source = NAME_HTTP;
	struct flow_record f = tcp_ok("203.0.113.7", "10.1.0.20", 443);
	verdict_flow(v, &f, &http, NULL);
	ok(verdict_findings(v, &out), "findings built");
	is_text(reason_of(&out, FINDING_OBSERVED, CAUSE_SUCCEEDED, "mobile-inbound"),
		"1 of 1 attempt to 10.1.0.20:443 succeeded (SF)",
		"a host name equal to the address is not repeated");
	findings_free(&out);

	struct flow_judgement j;
	f = tcp_ok("10.1.0.20", "93.184.216.34", 443);
	struct flow_class tls = cls("TLS");
	snprintf(tls.server_name, sizeof(tls.server_name), "93.184.216.34");
	verdict_flow(v, &f, &tls, &j);
	judgement_reason(rs, &f, &j, text, sizeof(text));
	ok(strncmp(text, "internet host not the documented one: 93.184.216.34 on tcp/443;",
		   63) == 0, "an internet host named by its address is named once: %s", text);
	verdict_free(v);
}

static void test_judgements(void)
{
	struct verdict *v = verdict_new(rs);
	struct flow_class unknown = cls("Unknown");
	struct flow_judgement j;
	char text[REASON_LEN];

	struct flow_record f = flow("10.1.0.20", "10.1.0.30", 1434, IP_PROTO_UDP, "S0");
	f.orig.pkts = 2;
	verdict_flow(v, &f, &unknown, &j);
	judgement_reason(rs, &f, &j, text, sizeof(text));
	is_text(text, "2 UDP datagrams to 10.1.0.30:1434 never answered", "udp-unanswered");

	f = flow("10.1.0.20", "10.1.0.10", 13667, IP_PROTO_TCP, "S0");
	f.orig.saw = SAW_SYN;
	f.orig.syns = f.orig.pkts = 1;
	f.icmp_errors = 1;
	f.icmp_error_type = 3;
	f.icmp_error_code = 13;
	verdict_flow(v, &f, &unknown, &j);
	judgement_reason(rs, &f, &j, text, sizeof(text));
	is_text(text, "1 SYN to 10.1.0.10:13667 answered by ICMP administratively "
		"prohibited (type 3 code 13)", "icmp-prohibited");

	f = tcp_ok("10.1.0.20", "10.1.0.10", 13667);
	verdict_flow(v, &f, &unknown, &j);
	judgement_reason(rs, &f, &j, text, sizeof(text));
	is_text(text, "succeeded (SF)", "an allowed flow");

	f = tcp_ok("10.1.0.20", "93.184.216.34", 443);
	struct flow_class example = cls("TLS");
	snprintf(example.server_name, sizeof(example.server_name), "www.example.com");
	verdict_flow(v, &f, &example, &j);
	judgement_reason(rs, &f, &j, text, sizeof(text));
	is_text(text, "internet host not the documented one: 93.184.216.34 (www.example.com) "
		"on tcp/443; rule speechlive-cloud allows only livebroker.speechexec.com",
		"internet-host-not-documented");

	/* The SpeechLive Service's TLS through an intercepting proxy. */
	f = tcp_ok("10.1.0.20", "20.50.2.10", 443);
	struct flow_class proxy = cls("TLS");
	snprintf(proxy.server_name, sizeof(proxy.server_name), "livebroker.speechexec.com");
	proxy.server_name_source = NAME_SNI;
	proxy.tls.followed = proxy.tls.server_hello = proxy.tls.client_alert = true;
	proxy.tls.alert_level = 2;
	proxy.tls.alert_desc = 48;
	verdict_flow(v, &f, &proxy, &j);
	judgement_reason(rs, &f, &j, text, sizeof(text));
	is_text(text, "TLS to 20.50.2.10:443 (livebroker.speechexec.com, from TLS SNI): the "
		"client aborted after the server's certificate (fatal alert 48 unknown_ca): "
		"an intercepting proxy or a certificate the client does not trust",
		"tls-alert on a certificate names the alert and what it means");
	proxy.tls.alert_desc = 70;
	verdict_flow(v, &f, &proxy, &j);
	judgement_reason(rs, &f, &j, text, sizeof(text));
	is_text(text, "TLS to 20.50.2.10:443 (livebroker.speechexec.com, from TLS SNI): the "
		"client aborted the handshake after the server's hello (fatal alert 70 "
		"protocol_version)", "tls-alert for another reason names it");
	proxy.tls.alert_desc = 201;
	proxy.tls.alert_level = 1;
	verdict_flow(v, &f, &proxy, &j);
	judgement_reason(rs, &f, &j, text, sizeof(text));
	is_text(text, "TLS to 20.50.2.10:443 (livebroker.speechexec.com, from TLS SNI): the "
		"client aborted the handshake after the server's hello (warning alert 201)",
		"an alert without a name: its number");
	proxy.tls.alert_level = 0;
	proxy.tls.alert_desc = 0;
	verdict_flow(v, &f, &proxy, &j);
	judgement_reason(rs, &f, &j, text, sizeof(text));
	is_text(text, "TLS to 20.50.2.10:443 (livebroker.speechexec.com, from TLS SNI): the "
		"client aborted the handshake with an alert after the server's hello",
		"an alert whose body was not read");
	verdict_free(v);
}


/* Figures for people: thousands separators, singular and plural. */
static void test_counts_and_headline(void)
{
	char text[HEADLINE_LEN];
	struct audit_summary s;

	format_count(0, text, sizeof(text));
	is_text(text, "0", "0 has no separator");
	format_count(999, text, sizeof(text));
	is_text(text, "999", "999 has no separator");
	format_count(62467, text, sizeof(text));
	is_text(text, "62,467", "thousands separated");
	format_count(1234567890ull, text, sizeof(text));
	is_text(text, "1,234,567,890", "every thousand separated");
	counted(1, "flow", "flows", text, sizeof(text));
	is_text(text, "1 flow", "one flow, singular");
	counted(10000, "flow", "flows", text, sizeof(text));
	is_text(text, "10,000 flows", "many flows, plural and separated");

	memset(&s, 0, sizeof(s));
	unexpected_headline(&s, text, sizeof(text));
	is_text(text, "no unexpected traffic", "headline without unexpected traffic");
	s.unexpected_flows = 1;
	s.count[FINDING_UNEXPECTED] = 1;
	unexpected_headline(&s, text, sizeof(text));
	is_text(text, "1 unexpected flow in 1 conversation", "headline, singular");
	s.unexpected_flows = 62467;
	s.count[FINDING_UNEXPECTED] = 312;
	unexpected_headline(&s, text, sizeof(text));
	is_text(text, "62,467 unexpected flows in 312 conversations",
		"headline: flows and conversations, all itemised");
	s.count[FINDING_UNEXPECTED] = 10000;
	s.unexpected_not_itemized = 17344;
	unexpected_headline(&s, text, sizeof(text));
	is_text(text, "62,467 unexpected flows; the first 10,000 conversations (45,123 "
		"flows) itemised, 17,344 further flows counted only",
		"headline past the bound: the bound is not read as the count");
}

/* The capture-health sentences count in the right number: "1 flow was",
 * never "1 flows were". */
static void test_health_plurals(void)
{
	struct findings f;
	struct audit_report r;
	struct input_summary in = { .name = "x.pcap", .error = "", .kernel_drops = 1 };
	struct health_line lines[HEALTH_MAX_LINES];

	memset(&f, 0, sizeof(f));
	memset(&r, 0, sizeof(r));
	r.rules = rs;
	r.findings = &f;
	r.capture.inputs = &in;
	r.capture.ninputs = 1;
	r.capture.evicted = 1;
	f.health.missed_bytes = 1;
	f.health.gap_flows = 1;
	unsigned n = capture_health_lines(&r, lines, HEALTH_MAX_LINES);
	if (!ok(n == 3, "three health lines: drops, evictions, gaps (got %u)", n))
		return;
	is_text(lines[0].text, "1 packet dropped by the kernel and 0 by the interface: "
		"flows may look unanswered that were not", "one packet dropped, singular");
	is_text(lines[1].text, "1 flow was finished early because the flow table was full",
		"one flow evicted, singular");
	is_text(lines[2].text, "1 byte in 1 TCP flow was acknowledged but never captured "
		"(content gaps)", "one byte in one flow, singular");
	in.kernel_drops = 12000;
	r.capture.evicted = 2;
	f.health.missed_bytes = 3000;
	f.health.gap_flows = 2;
	capture_health_lines(&r, lines, HEALTH_MAX_LINES);
	is_text(lines[1].text, "2 flows were finished early because the flow table was full",
		"two flows evicted, plural");
	is_text(lines[2].text, "3,000 bytes in 2 TCP flows were acknowledged but never "
		"captured (content gaps)", "bytes and flows plural and separated");
	ok(strncmp(lines[0].text, "12,000 packets dropped", 22) == 0,
	   "drops plural and separated: %s", lines[0].text);
}

/* A role is named beside a host only where it explains the host. */
static void test_roles_worth_naming(void)
{
	struct finding_endpoint e;
	char roles[200];

	memset(&e, 0, sizeof(e));
	e.has_ip = true;
	e.ip_version = 4;
	inet_pton(AF_INET, "203.0.113.7", e.ip.b);
	e.roles = ruleset_roles_of_addr(rs, 4, &e.ip);
	roles_join(rs, e.roles, "+", roles, sizeof(roles));
	is_text(roles, "mobile_clients", "an internet host holds the catch-all role");
	roles_join(rs, roles_worth_naming(rs, &e), "+", roles, sizeof(roles));
	is_text(roles, "", "a role bound to 0.0.0.0/0 is not worth naming");

	inet_pton(AF_INET, "10.2.0.55", e.ip.b);
	e.roles = ruleset_roles_of_addr(rs, 4, &e.ip);
	roles_join(rs, roles_worth_naming(rs, &e), "+", roles, sizeof(roles));
	is_text(roles, "browser_clients", "a role bound to a /16 explains the host");

	inet_pton(AF_INET, "10.1.0.10", e.ip.b);
	e.roles = ruleset_roles_of_addr(rs, 4, &e.ip);
	roles_join(rs, roles_worth_naming(rs, &e), "+", roles, sizeof(roles));
	ok(strstr(roles, "license_server") && !strstr(roles, "mobile_clients"),
	   "a host bound by its address keeps that role, loses the catch-all: %s", roles);

	e.ip_version = 6;
	inet_pton(AF_INET6, "2001:db8::7", e.ip.b);
	e.roles = ruleset_roles_of_addr(rs, 6, &e.ip);
	ok(e.roles != 0, "an IPv6 internet host holds the catch-all role");
	ok(roles_worth_naming(rs, &e) == 0, "a role bound to ::/0 is not worth naming");

	e.has_ip = false;
	e.roles = ruleset_roles_of_addr(rs, 4, &(struct ip_addr){ .b = { 203, 0, 113, 7 } });
	ok(roles_worth_naming(rs, &e) == e.roles, "a side never seen keeps its roles");
}

static struct ruleset *load_site(const char *src, const char *name)
{
	char site[1200], matrix[1200];
	struct diag d = { .out = stderr };

	snprintf(site, sizeof(site), "%s/tests/e2e/sites/%s", src, name);
	snprintf(matrix, sizeof(matrix), "%s/rules/speechexec-enterprise.json", src);
	return ruleset_load(matrix, site, &d);
}

/* A host the site names with several addresses; a rule that needs each of
 * its ports. */
static void test_hosts_and_each(const char *src)
{
	struct ruleset *combined = rs;
	struct flow_class unknown = cls("Unknown"), http = cls("HTTP");
	struct findings out;

	rs = load_site(src, "dual-stack.json");
	if (ok(rs != NULL, "the dual-stack site loads")) {
		struct verdict *v = verdict_new(rs);
		struct flow_record f = tcp_ok("10.1.0.20", "10.1.0.40", 445);
		verdict_flow(v, &f, &unknown, NULL);
		ok(verdict_findings(v, &out), "findings built");
		is_text(reason_of(&out, FINDING_MISSING, CAUSE_NO_ATTEMPT, "mobile-license"),
			"no traffic from mobile01 (10.1.0.20, fd00::20) to license_server on "
			"tcp/13667", "a missing flow names the host and all its addresses");
		is_text(reason_of(&out, FINDING_INCONCLUSIVE, CAUSE_HOST_NOT_SEEN,
				  "license-wfm-health"), "(no such finding)",
			"an optional rule is never missing");
		const char *unseen = reason_of(&out, FINDING_INCONCLUSIVE, CAUSE_HOST_NOT_SEEN,
					       "speechlive-license");
		ok(strstr(unseen, "the capture never shows 10.1.0.21 opening") != NULL,
		   "a host of one address is named by it: %s", unseen);
		findings_free(&out);
		verdict_free(v);
		ruleset_free(rs);
	}

	rs = load_site(src, "webaccess-ports.json");
	if (ok(rs != NULL, "the webaccess-ports site loads")) {
		struct verdict *v = verdict_new(rs);
		struct flow_record f = tcp_ok("10.2.0.55", "10.1.0.22", 80);
		verdict_flow(v, &f, &http, NULL);
		ok(verdict_findings(v, &out), "findings built");
		is_text(reason_of(&out, FINDING_MISSING, CAUSE_NO_ATTEMPT, "webaccess-inbound"),
			"no traffic from browser_clients to 10.1.0.22 on tcp/443; each of "
			"tcp/80, tcp/443 must work, and only tcp/80 did",
			"missing on one port of a rule that needs each");
		findings_free(&out);
		f = flow("10.2.0.55", "10.1.0.22", 443, IP_PROTO_TCP, "S0");
		f.orig.saw = SAW_SYN;
		f.orig.syns = f.orig.pkts = 3;
		verdict_flow(v, &f, &unknown, NULL);
		ok(verdict_findings(v, &out), "findings built");
		is_text(reason_of(&out, FINDING_BLOCKED, CAUSE_SYN_UNANSWERED, "webaccess-inbound"),
			"3 SYN to 10.1.0.22:443, no reply; each of tcp/80, tcp/443 must work, "
			"and only tcp/80 did", "blocked on one port of a rule that needs each");
		findings_free(&out);
		f = tcp_ok("10.2.0.55", "10.1.0.22", 443);
		verdict_flow(v, &f, &unknown, NULL);
		ok(verdict_findings(v, &out), "findings built");
		is_text(reason_of(&out, FINDING_OBSERVED, CAUSE_SUCCEEDED, "webaccess-inbound"),
			"2 of 3 attempts to 10.1.0.22:80 succeeded (S0,SF); each of tcp/80, "
			"tcp/443 worked", "observed when each worked");
		findings_free(&out);
		verdict_free(v);
		ruleset_free(rs);
	}
	rs = combined;
}

int main(void)
{
	char site[1200], matrix[1200];
	const char *src = getenv("SRCDIR");
	struct diag d = { .out = stderr };

	snprintf(site, sizeof(site), "%s/tests/e2e/sites/combined.json", src ? src : ".");
	snprintf(matrix, sizeof(matrix), "%s/rules/speechexec-enterprise.json", src ? src : ".");
	rs = ruleset_load(matrix, site, &d);
	if (!ok(rs != NULL, "the combined site loads"))
		return done_testing();
	test_findings();
	test_judgements();
	test_label_equal_to_host();
	test_counts_and_headline();
	test_roles_worth_naming();
	test_health_plurals();
	test_hosts_and_each(src ? src : ".");
	ruleset_free(rs);
	return done_testing();
}
