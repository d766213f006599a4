/* test_verdict.c - the verdict engine on hand-made flows: what counts as an
 * attempt that succeeded, observed/blocked/missing per rule and host, every
 * reason a flow is unexpected, scope, site allowances, bounds, order. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "audit/policy.h"
#include "audit/verdict.h"
#include "tap.h"

static struct ruleset *rs;

static struct flow_record flow(const char *o, uint16_t op, const char *r, uint16_t rp,
			       uint8_t proto, const char *state)
{
	struct flow_record f;
	memset(&f, 0, sizeof(f));
	f.ip_version = strchr(o, ':') ? 6 : 4;
	inet_pton(f.ip_version == 4 ? AF_INET : AF_INET6, o, f.orig_h.b);
	inet_pton(f.ip_version == 4 ? AF_INET : AF_INET6, r, f.resp_h.b);
	f.orig_p = op;
	f.resp_p = rp;
	f.proto = proto;
	f.conn_state = state;
	f.first_us = 1700000000000000ull;
	f.last_us = f.first_us + 1000;
	return f;
}

/* A TCP connection that completed, with data both ways. */
static struct flow_record tcp_ok(const char *o, const char *r, uint16_t port)
{
	struct flow_record f = flow(o, 50000, r, port, IP_PROTO_TCP, "SF");
	f.orig.saw = SAW_SYN | SAW_DATA | SAW_FIN;
	f.resp.saw = SAW_SYNACK | SAW_DATA | SAW_FIN;
	f.orig.pkts = 5;
	f.resp.pkts = 4;
	f.orig.payload_bytes = 100;
	f.resp.payload_bytes = 200;
	f.orig.syns = 1;
	return f;
}

/* A client's SYNs and nothing else, as a mirror shows them. */
static struct flow_record syn_only(const char *o, uint16_t op, const char *r, uint16_t rp,
				   uint32_t syns)
{
	struct flow_record f = flow(o, op, r, rp, IP_PROTO_TCP, "S0");
	f.orig.saw = SAW_SYN;
	f.orig.syns = syns;
	f.orig.pkts = syns;
	f.seen = FLOW_SEEN_ORIG_ONLY;
	return f;
}

static struct flow_class cls(const char *app, const char *master)
{
	struct flow_class c;
	memset(&c, 0, sizeof(c));
	c.classified = true;
	snprintf(c.app, sizeof(c.app), "%s", app);
	/* What nDPI names in these tests it named from a handshake. */
	c.app_confidence = strcmp(app, "Unknown") ? APP_CONFIDENCE_CONFIDENT : APP_CONFIDENCE_NONE;
	snprintf(c.master_app, sizeof(c.master_app), "%s", master);
	return c;
}

/* The one finding of a kind and rule with this cause (cause -1: any). */
static const struct finding *find(const struct findings *f, enum finding_kind k,
				  const char *rule, int cause)
{
	for (unsigned i = 0; i < f->n; i++) {
		const struct finding *x = &f->items[i];
		if (x->kind != k)
			continue;
		if (rule && (!x->rule || strcmp(x->rule->id, rule) != 0))
			continue;
		if (cause >= 0 && x->cause != (enum finding_cause)cause)
			continue;
		return x;
	}
	return NULL;
}

static bool ip_is(uint8_t version, const struct ip_addr *a, const char *text)
{
	struct ip_addr want;
	memset(&want, 0, sizeof(want));
	inet_pton(version == 4 ? AF_INET : AF_INET6, text, want.b);
	return memcmp(a, &want, sizeof(want)) == 0;
}

static void test_outcomes(void)
{
	struct attempt_failure why;
	struct flow_class c = cls("Unknown", "");
	struct flow_record f = tcp_ok("10.1.0.20", "10.1.0.10", 13667);

	ok(flow_attempt_outcome(&f, &c, &why) && why.cause == CAUSE_SUCCEEDED,
	   "a completed connection succeeded");
	f = flow("10.1.0.20", 50000, "10.1.0.10", 13667, IP_PROTO_TCP, "S0");
	f.orig.saw = SAW_SYN;
	f.orig.syns = 3;
	f.orig.pkts = 3;
	ok(!flow_attempt_outcome(&f, &c, &why) && why.cause == CAUSE_SYN_UNANSWERED &&
	   why.units == 3 && why.flows == 1 && why.port == 13667 &&
	   ip_is(4, &why.server, "10.1.0.10"), "S0: syn-unanswered, 3 SYNs to 10.1.0.10:13667");
	f.resp.saw = SAW_RST;
	f.resp.pkts = 1;
	ok(!flow_attempt_outcome(&f, &c, &why) && why.cause == CAUSE_REJECTED &&
	   why.units == 3, "REJ: rejected, 3 SYNs");
	f.resp.saw = 0;
	f.resp.pkts = 0;
	f.icmp_errors = 1;
	f.icmp_error_type = 3;
	f.icmp_error_code = 13;
	ok(!flow_attempt_outcome(&f, &c, &why) && why.cause == CAUSE_ICMP_PROHIBITED &&
	   why.icmp_type == 3 && why.icmp_code == 13, "ICMP type 3 code 13: icmp-prohibited");
	f.icmp_error_code = 3;
	ok(!flow_attempt_outcome(&f, &c, &why) && why.cause == CAUSE_ICMP_UNREACHABLE,
	   "ICMP port unreachable: icmp-unreachable");
	f.ip_version = 6;
	f.icmp_error_type = 1;
	f.icmp_error_code = 1;
	ok(!flow_attempt_outcome(&f, &c, &why) && why.cause == CAUSE_ICMP_PROHIBITED,
	   "ICMPv6 type 1 code 1: icmp-prohibited");
	f.icmp_error_type = 3;
	f.icmp_error_code = 0;
	ok(!flow_attempt_outcome(&f, &c, &why) && why.cause == CAUSE_ICMP_ERROR,
	   "ICMPv6 time exceeded: icmp-error");

	struct flow_class tls = cls("TLS", "");
	f = tcp_ok("10.1.0.20", "20.50.2.10", 443);
	f.resp.payload_bytes = 0;
	f.resp.saw = SAW_SYNACK | SAW_RST;
	ok(!flow_attempt_outcome(&f, &tls, &why) && why.cause == CAUSE_TLS_RESET,
	   "TLS ClientHello then reset: tls-reset");
	ok(!flow_attempt_outcome(&f, &c, &why) && why.cause == CAUSE_RESET_AFTER_DATA,
	   "the same without TLS: reset-after-data");
	f.orig.payload_bytes = 0;
	ok(!flow_attempt_outcome(&f, &c, &why) && why.cause == CAUSE_RESET_AT_HANDSHAKE,
	   "reset by the server right after the handshake: reset-at-handshake");

	f = flow("10.1.0.21", 50000, "10.1.0.30", 1434, IP_PROTO_UDP, "S0");
	f.orig.pkts = 2;
	ok(!flow_attempt_outcome(&f, &c, &why) && why.cause == CAUSE_UDP_UNANSWERED &&
	   why.units == 2, "UDP: udp-unanswered, 2 datagrams");

	f = flow("10.1.0.20", 50000, "10.1.0.40", 445, IP_PROTO_TCP, "OTH");
	f.orig.pkts = 3;
	ok(!flow_attempt_outcome(&f, &c, &why) && why.cause == CAUSE_NO_REPLY_SEEN,
	   "picked up mid-stream, one way: no-reply-seen");
	f.resp.pkts = 3;
	ok(flow_attempt_outcome(&f, &c, &why),
	   "picked up mid-stream with data both ways: succeeded");

	/* TLS succeeds when its handshake completes. */
	struct flow_class proxy = cls("TLS", "");
	proxy.tls.followed = proxy.tls.server_hello = proxy.tls.client_alert = true;
	proxy.tls.alert_level = 2;
	proxy.tls.alert_desc = 48;
	f = tcp_ok("10.1.0.21", "20.50.2.10", 443);
	ok(!flow_attempt_outcome(&f, &proxy, &why) && why.cause == CAUSE_TLS_ALERT &&
	   why.proven == 1 && why.tls_alert_level == 2 && why.tls_alert_desc == 48,
	   "server hello, then the client's fatal alert 48: tls-alert, proven, "
	   "with the alert");
	struct flow_class azure = cls("Azure", "TLS");
	azure.tls = proxy.tls;
	ok(!flow_attempt_outcome(&f, &azure, &why) && why.cause == CAUSE_TLS_ALERT,
	   "the same under TLS.Azure");
	struct flow_class x = proxy;
	x.tls.client_finished = true;
	ok(flow_attempt_outcome(&f, &x, &why), "an alert, then the client finished: succeeded");
	x = proxy;
	x.tls.server_hello = false;
	ok(flow_attempt_outcome(&f, &x, &why), "an alert with no server hello seen: "
	   "TCP decides (succeeded)");
	x = cls("Unknown", "");
	x.tls = proxy.tls;
	ok(flow_attempt_outcome(&f, &x, &why), "not classified TLS: TCP decides");
	x = proxy;
	x.tls.client_alert = false;
	x.tls.alert_level = x.tls.alert_desc = 0;
	ok(flow_attempt_outcome(&f, &x, &why), "no alert seen (encrypted, TLS 1.3): succeeded");
	x = proxy;
	x.tls.alert_level = 0;
	ok(!flow_attempt_outcome(&f, &x, &why) && why.cause == CAUSE_TLS_ALERT &&
	   why.tls_alert_level == 0, "an alert whose body was not read: tls-alert all the same");
}

static void test_judgement(void)
{
	struct verdict *v = verdict_new(rs);
	struct findings out;
	struct flow_class unknown = cls("Unknown", ""), tls = cls("TLS", "");

	struct flow_record f = tcp_ok("10.1.0.20", "10.1.0.10", 13667);
	verdict_flow(v, &f, &unknown, NULL);
	/* 10.1.0.20 holds three services: the one flow counts for the
	 * license rule of each (docs/verdicts.md: a flow counts for each rule). */
	f = tcp_ok("203.0.113.7", "10.1.0.20", 443);
	verdict_flow(v, &f, &tls, NULL);
	f = tcp_ok("203.0.113.7", "10.1.0.20", 443);
	struct flow_class ssh = cls("SSH", "");
	verdict_flow(v, &f, &ssh, NULL);
	f = tcp_ok("10.1.0.10", "10.1.0.20", 13667);
	verdict_flow(v, &f, &unknown, NULL);
	f = tcp_ok("10.1.0.20", "10.1.0.2", 3389);
	verdict_flow(v, &f, &unknown, NULL);
	f = tcp_ok("10.1.0.20", "93.184.216.34", 443);
	struct flow_class example = cls("TLS", "");
	snprintf(example.server_name, sizeof(example.server_name), "www.example.com");
	example.server_name_source = NAME_SNI;
	verdict_flow(v, &f, &example, NULL);
	f = tcp_ok("8.8.8.8", "1.1.1.1", 443);
	verdict_flow(v, &f, &tls, NULL);
	f = tcp_ok("10.9.9.9", "10.1.0.10", 3389);
	verdict_flow(v, &f, &unknown, NULL);

	/* The cloud's name was looked up and refused. */
	f = flow("10.1.0.20", 50001, "10.1.0.2", 53, IP_PROTO_UDP, "SF");
	f.orig.pkts = f.resp.pkts = 1;
	struct flow_class dns = cls("DNS", "");
	dns.dns.is_dns = true;
	snprintf(dns.dns.query, sizeof(dns.dns.query), "livebroker.speechexec.com");
	dns.dns.rcode = 3;
	snprintf(dns.dns.rcode_name, sizeof(dns.dns.rcode_name), "NXDOMAIN");
	verdict_flow(v, &f, &dns, NULL);

	/* An ICMP error flow is evidence only. */
	f = flow("10.1.0.1", 3, "10.1.0.20", 13, IP_PROTO_ICMP, "OTH");
	f.is_icmp_error = true;
	verdict_flow(v, &f, &unknown, NULL);

	ok(verdict_findings(v, &out), "findings built");
	const struct audit_summary *s = &out.summary;
	is_int(s->flows, 10, "ten flows judged");
	is_int(s->out_of_scope, 1, "8.8.8.8 -> 1.1.1.1 is out of scope");
	is_int(s->icmp_errors, 1, "the ICMP error is not judged");
	is_int(s->allowed_by_site, 1, "the admin jump host is allowed by the site");

	ok(find(&out, FINDING_OBSERVED, "mobile-license", CAUSE_SUCCEEDED) &&
	   find(&out, FINDING_OBSERVED, "speechlive-license", CAUSE_SUCCEEDED) &&
	   find(&out, FINDING_OBSERVED, "webaccess-license", CAUSE_SUCCEEDED),
	   "one licence flow from a shared host counts for all three services");
	ok(find(&out, FINDING_OBSERVED, "mobile-inbound", -1), "inbound 443 observed");
	const struct finding *m = find(&out, FINDING_MISSING, "speechlive-sql", -1);
	ok(m && m->cause == CAUSE_NO_ATTEMPT && m->client.has_ip && !m->server.has_ip &&
	   m->proto == IP_PROTO_TCP && m->port == 1433,
	   "SQL never reached: missing (no-attempt), server side null, tcp/1433");
	m = find(&out, FINDING_MISSING, "mobile-seeroot", CAUSE_NO_ATTEMPT);
	ok(m && m->client.has_ip && ip_is(4, &m->client.ip, "10.1.0.20"),
	   "a missing share access names its host");
	ok(!find(&out, FINDING_MISSING, "license-smtp", -1),
	   "an optional rule is never missing");
	m = find(&out, FINDING_BLOCKED, "speechlive-cloud", CAUSE_DNS_NXDOMAIN);
	ok(m && m->nfailures == 1 && m->failures[0].units == 1 &&
	   strcmp(m->failures[0].host, "livebroker.speechexec.com") == 0 &&
	   strcmp(m->failures[0].dns_rcode, "NXDOMAIN") == 0 &&
	   ip_is(4, &m->failures[0].server, "10.1.0.2"),
	   "a refused lookup of the cloud blocks its rule (dns-nxdomain, resolver 10.1.0.2)");
	m = find(&out, FINDING_UNEXPECTED, NULL, CAUSE_APP_MISMATCH);
	ok(m && m->port == 443 && strcmp(m->why.app, "SSH") == 0 && m->why.nrules == 1 &&
	   m->why.service && m->why.service->napps > 0,
	   "SSH on an allowed 443 is unexpected: app-mismatch, with the rule's service");
	m = find(&out, FINDING_UNEXPECTED, NULL, CAUSE_WRONG_DIRECTION);
	ok(m && m->port == 13667 && m->why.nrules == 1 &&
	   strcmp(m->why.rules[0]->id, "mobile-license") == 0 &&
	   ip_is(4, &m->client.ip, "10.1.0.10"),
	   "licence traffic the wrong way round: wrong-direction, rule mobile-license");
	m = find(&out, FINDING_UNEXPECTED, NULL, CAUSE_PORT_NOT_ALLOWED);
	ok(m && m->port == 3389 && m->why.nrules > 1,
	   "a port no rule between the roles has: port-not-allowed, the rules listed");
	m = find(&out, FINDING_UNEXPECTED, NULL, CAUSE_UNDOCUMENTED_INTERNET_HOST);
	ok(m && ip_is(4, &m->server.ip, "93.184.216.34") &&
	   strcmp(m->why.host, "www.example.com") == 0 &&
	   strcmp(m->why.rules[0]->id, "speechlive-cloud") == 0,
	   "egress to an internet host that is not livebroker: internet-host-not-documented");
	ok(!find(&out, FINDING_UNEXPECTED, NULL, CAUSE_NO_RULE),
	   "every unexpected flow here has a more specific cause than no-rule");
	bool sorted = true;
	for (unsigned i = 1; i < out.n; i++)
		sorted &= out.items[i - 1].kind <= out.items[i].kind;
	ok(sorted, "missing, then blocked, then unexpected, then observed");
	findings_free(&out);

	verdict_reset(v);
	ok(verdict_findings(v, &out) && out.summary.flows == 0 &&
	   out.summary.count[FINDING_OBSERVED] == 0 && out.summary.count[FINDING_MISSING] == 0 &&
	   out.summary.count[FINDING_INCONCLUSIVE] > 0,
	   "a reset window starts with nothing observed, and nothing missing either: "
	   "no host has been seen yet (inconclusive)");
	findings_free(&out);
	verdict_free(v);
}

static void test_bound(void)
{
	struct verdict *v = verdict_new(rs);
	struct findings out;
	struct flow_class unknown = cls("Unknown", "");

	for (unsigned i = 0; i < 10500; i++) {
		char src[32];
		snprintf(src, sizeof(src), "198.18.%u.%u", i / 250, i % 250 + 1);
		struct flow_record f = tcp_ok(src, "10.1.0.10", 22);
		verdict_flow(v, &f, &unknown, NULL);
	}
	ok(verdict_findings(v, &out), "findings of a scan");
	is_int(out.summary.unexpected_flows, 10500, "every unexpected flow is counted");
	is_int(out.summary.count[FINDING_UNEXPECTED], 10000, "10000 are itemized");
	is_int(out.summary.unexpected_not_itemized, 500, "the rest counted, not itemized");
	findings_free(&out);
	verdict_free(v);
}

/* One flow through the one way in: judged and recorded, the judgement
 * returned; verdict_judge says the same and records nothing. */
static void test_judged_flow(void)
{
	struct verdict *v = verdict_new(rs);
	struct flow_class unknown = cls("Unknown", "");
	struct flow_judgement j, again;
	struct findings out;

	struct flow_record f = tcp_ok("10.1.0.20", "10.1.0.2", 3389);
	verdict_flow(v, &f, &unknown, &j);
	ok(j.kind == JUDGED_UNEXPECTED && j.why.cause == CAUSE_PORT_NOT_ALLOWED && !j.rule,
	   "an RDP flow to a DC is judged unexpected (port-not-allowed)");
	verdict_judge(v, &f, &unknown, &again);
	ok(again.kind == j.kind && again.why.cause == j.why.cause,
	   "judging it again says the same");

	f = flow("10.1.0.20", 50000, "10.1.0.10", 13667, IP_PROTO_TCP, "S0");
	f.orig.saw = SAW_SYN;
	f.orig.syns = f.orig.pkts = 2;
	verdict_flow(v, &f, &unknown, &j);
	ok(j.kind == JUDGED_FAILED_ATTEMPT && j.failure.cause == CAUSE_SYN_UNANSWERED &&
	   j.failure.units == 2 && j.rule && strcmp(j.rule->id, "mobile-license") == 0,
	   "an unanswered licence SYN is a failed attempt of mobile-license");

	f = tcp_ok("10.1.0.20", "10.1.0.10", 13667);
	verdict_flow(v, &f, &unknown, &j);
	ok(j.kind == JUDGED_ALLOWED && j.rule, "a completed licence flow is allowed");

	ok(verdict_findings(v, &out), "findings built");
	is_int(out.summary.flows, 3, "verdict_judge recorded nothing: three flows");
	const struct finding *x = find(&out, FINDING_UNEXPECTED, NULL, CAUSE_PORT_NOT_ALLOWED);
	ok(x && x->flows == 1, "the RDP conversation holds one flow");
	x = find(&out, FINDING_OBSERVED, "mobile-license", CAUSE_SUCCEEDED);
	ok(x && x->attempts == 2 && x->successes == 1,
	   "mobile-license observed: 1 of 2 attempts succeeded");
	findings_free(&out);
	verdict_free(v);
}

/* A feature switched off: its rules' traffic is unexpected, not
 * applicable; a flow between roles no rule links: no-rule. */
static void test_not_applicable(const char *src)
{
	char site[1200], matrix[1200];
	struct diag d = { .out = stderr };
	struct flow_class tls = cls("TLS", ""), unknown = cls("Unknown", "");
	struct findings out;

	snprintf(site, sizeof(site), "%s/tests/e2e/sites/speechlive-off.json", src);
	snprintf(matrix, sizeof(matrix), "%s/rules/speechexec-enterprise.json", src);
	struct ruleset *off = ruleset_load(matrix, site, &d);
	if (!ok(off != NULL, "the speechlive-off site loads"))
		return;
	struct verdict *v = verdict_new(off);
	struct flow_record f = tcp_ok("10.1.0.21", "10.1.0.30", 1433);
	verdict_flow(v, &f, &unknown, NULL);
	f = tcp_ok("10.1.0.10", "10.7.7.7", 8443);
	verdict_flow(v, &f, &tls, NULL);
	ok(verdict_findings(v, &out), "findings built");
	const struct finding *x = find(&out, FINDING_UNEXPECTED, NULL, CAUSE_NOT_APPLICABLE);
	ok(x && x->port == 1433 && x->why.nrules == 1 && !x->why.rules[0]->applicable,
	   "SQL traffic of a switched-off SpeechLive: not-applicable, naming its rule");
	x = find(&out, FINDING_UNEXPECTED, NULL, CAUSE_NO_RULE);
	ok(x && x->port == 8443 && x->why.nrules == 0,
	   "the License Server to an unknown host on 8443: no-rule");
	findings_free(&out);
	verdict_free(v);
	ruleset_free(off);
}

/* Gating: a blocked optional flow is reported with its need but fails
 * nothing; a blocked required one fails; --fail-on none fails nothing and
 * says how many findings it let pass; an input read short makes a clean
 * audit inconclusive. */
static void test_policy(void)
{
	struct verdict *v = verdict_new(rs);
	struct flow_class unknown = cls("Unknown", "");
	struct fail_policy p, none;
	struct findings out;
	char err[200];

	struct flow_record f = flow("10.1.0.10", 50000, "10.1.0.50", 587, IP_PROTO_TCP, "S0");
	f.orig.saw = SAW_SYN;
	f.orig.syns = f.orig.pkts = 3;
	verdict_flow(v, &f, &unknown, NULL);
	/* The Mobile Service is seen opening a connection (so its licence
	 * flow is missing, not unknown). */
	f = tcp_ok("10.1.0.20", "10.1.0.40", 445);
	verdict_flow(v, &f, &unknown, NULL);
	fail_policy_default(&p);
	ok(fail_policy_parse("none", &none, err, sizeof(err)), "--fail-on none parses");
	ok(!fail_policy_parse("", &none, err, sizeof(err)) && strstr(err, "none"),
	   "an empty --fail-on is an error that names none: %s", err);
	ok(!fail_policy_parse("missing,bogus", &none, err, sizeof(err)) && strstr(err, "bogus"),
	   "an unknown kind is named: %s", err);
	ok(fail_policy_parse("none", &none, err, sizeof(err)), "none again");
	ok(verdict_findings(v, &out), "findings built");
	const struct finding *smtp = find(&out, FINDING_BLOCKED, "license-smtp", CAUSE_SYN_UNANSWERED);
	ok(smtp && !finding_gates(smtp, &p), "a blocked optional rule is reported, not gating");
	const struct finding *miss = find(&out, FINDING_MISSING, "mobile-license", -1);
	ok(miss && finding_gates(miss, &p) && !finding_gates(miss, &none),
	   "a missing required pair gates under the default policy, not under none");
	is_int(audit_verdict(&out, &p, true), VERDICT_FAIL, "missing required flows fail the audit");
	is_int(audit_verdict(&out, &none, true), VERDICT_PASS, "--fail-on none: pass ...");
	ok(findings_not_gating(&out, &none) == out.summary.count[FINDING_MISSING] +
	   out.summary.count[FINDING_BLOCKED] + out.summary.count[FINDING_UNEXPECTED],
	   "... with every missing, blocked and unexpected finding counted as not gating");
	is_int(audit_verdict(&out, &none, false), VERDICT_INCONCLUSIVE,
	       "an input not read whole: inconclusive at best");
	findings_free(&out);
	verdict_free(v);
}

/* What the capture can prove: one-sided successes, failures it proves or
 * cannot, hosts it never shows (docs/verdicts.md). */
static void test_capture_proof(const char *src)
{
	char site[1200], matrix[1200];
	struct diag d = { .out = stderr };

	snprintf(site, sizeof(site), "%s/tests/e2e/sites/separate.json", src);
	snprintf(matrix, sizeof(matrix), "%s/rules/speechexec-enterprise.json", src);
	struct ruleset *sep = ruleset_load(matrix, site, &d);
	if (!ok(sep != NULL, "the separate site loads"))
		return;
	struct verdict *v = verdict_new(sep);
	struct flow_class unknown = cls("Unknown", "");
	struct findings out;
	const struct finding *x;

	/* Only the Mobile Service's side of its licence connection: it acked
	 * a SYN-ACK the mirror never carried. */
	struct flow_record f = flow("10.1.0.20", 50000, "10.1.0.10", 13667, IP_PROTO_TCP, "SH");
	f.orig.saw = SAW_SYN | SAW_ACK | SAW_DATA | SAW_FIN;
	f.orig.syns = 1;
	f.orig.pkts = 5;
	f.seen = FLOW_SEEN_ORIG_ONLY;
	f.answered_unseen = true;
	verdict_flow(v, &f, &unknown, NULL);
	/* Only the License Server's side of WebAccess's. */
	f = flow("10.1.0.22", 50001, "10.1.0.10", 13667, IP_PROTO_TCP, "SHR");
	f.resp.saw = SAW_SYNACK | SAW_DATA | SAW_FIN;
	f.resp.pkts = 4;
	f.seen = FLOW_SEEN_RESP_ONLY;
	verdict_flow(v, &f, &unknown, NULL);
	/* One SYN from SpeechLive to the SQL server, and no packet ever to
	 * SpeechLive: the capture cannot say it went unanswered. */
	f = syn_only("10.1.0.21", 50002, "10.1.0.30", 1433, 1);
	verdict_flow(v, &f, &unknown, NULL);
	ok(verdict_findings(v, &out), "findings built");
	x = find(&out, FINDING_OBSERVED, "mobile-license", CAUSE_SUCCEEDED);
	ok(x && x->successes == 1 && x->one_sided == 1,
	   "seen from the client alone, acking an unseen SYN-ACK: succeeded, one-sided");
	x = find(&out, FINDING_OBSERVED, "webaccess-license", CAUSE_SUCCEEDED);
	ok(x && x->successes == 1 && x->one_sided == 1,
	   "seen from the server alone, SYN-ACK and data: succeeded, one-sided");
	x = find(&out, FINDING_INCONCLUSIVE, "speechlive-sql", CAUSE_REPLY_NOT_VISIBLE);
	ok(x && x->nfailures == 1 && x->failures[0].cause == CAUSE_SYN_UNANSWERED &&
	   !x->failures[0].proven,
	   "one SYN and no packet ever to its client: inconclusive, not blocked");
	ok(!find(&out, FINDING_BLOCKED, NULL, -1), "no phantom block");
	ok(find(&out, FINDING_INCONCLUSIVE, "mobile-inbound", CAUSE_HOST_NOT_SEEN) &&
	   !find(&out, FINDING_MISSING, "mobile-inbound", -1),
	   "no packet to the Mobile Service captured: its inbound rule is host-not-seen, "
	   "not missing");
	ok(find(&out, FINDING_MISSING, "mobile-seeroot", CAUSE_NO_ATTEMPT),
	   "the Mobile Service was seen opening connections: its share access is missing");
	findings_free(&out);

	/* The same SYN once the capture shows answers to SpeechLive's own
	 * connections: the missing answer is the network's. */
	verdict_reset(v);
	f = tcp_ok("10.1.0.21", "10.1.0.40", 445);
	verdict_flow(v, &f, &unknown, NULL);
	f = syn_only("10.1.0.21", 50002, "10.1.0.30", 1433, 1);
	verdict_flow(v, &f, &unknown, NULL);
	/* Three SYNs and never an ACK: the client's own word, visible or not. */
	f = syn_only("10.1.0.22", 50003, "10.1.0.10", 13667, 3);
	verdict_flow(v, &f, &unknown, NULL);
	ok(verdict_findings(v, &out), "findings built");
	ok(find(&out, FINDING_BLOCKED, "speechlive-sql", CAUSE_SYN_UNANSWERED),
	   "with the client's receive direction in the capture: blocked");
	x = find(&out, FINDING_BLOCKED, "webaccess-license", CAUSE_SYN_UNANSWERED);
	ok(x && x->failures[0].proven == 1,
	   "SYN retransmitted, nothing acknowledged: blocked on the client's own evidence");
	findings_free(&out);

	/* SpeechLive to an internet host of unknown name on the cloud's port. */
	verdict_reset(v);
	f = flow("10.1.0.21", 50004, "52.1.2.3", 443, IP_PROTO_TCP, "S0");
	f.orig.saw = SAW_SYN;
	f.orig.syns = f.orig.pkts = 3;
	struct flow_judgement j;
	verdict_flow(v, &f, &unknown, &j);
	ok(j.kind == JUDGED_NAME_UNCONFIRMED && j.rule &&
	   strcmp(j.rule->id, "speechlive-cloud") == 0,
	   "a nameless internet host on 443: neither the cloud nor unexpected");
	ok(verdict_findings(v, &out), "findings built");
	x = find(&out, FINDING_INCONCLUSIVE, "speechlive-cloud", CAUSE_NAME_NOT_SEEN);
	ok(x && x->flows == 1 && !find(&out, FINDING_UNEXPECTED, NULL, -1) &&
	   out.summary.name_unconfirmed == 1,
	   "the cloud rule is inconclusive (name-not-seen), nothing unexpected");
	findings_free(&out);
	verdict_free(v);
	ruleset_free(sep);
}

static bool has_note(const struct findings *f, enum health_note_code code)
{
	for (unsigned i = 0; i < f->health.nnotes; i++)
		if (f->health.notes[i].code == code)
			return true;
	return false;
}

/* A firewall that drops: the clients' SYNs sent again and again, or
 * answered by the firewall's ICMP error, are one-sided because nobody
 * answered, not because the mirror carries one direction (tests/lab, run 2:
 * the License Server's flows, 3 of 5 dropped, drew "the mirror seems to
 * carry one direction of its traffic"). */
static void test_dropped_not_one_sided(const char *src)
{
	char site[1200], matrix[1200];
	struct diag d = { .out = stderr };

	snprintf(site, sizeof(site), "%s/tests/e2e/sites/separate.json", src);
	snprintf(matrix, sizeof(matrix), "%s/rules/speechexec-enterprise.json", src);
	struct ruleset *sep = ruleset_load(matrix, site, &d);
	if (!ok(sep != NULL, "the separate site loads"))
		return;
	struct verdict *v = verdict_new(sep);
	struct flow_class unknown = cls("Unknown", "");
	struct findings out;

	struct flow_record f = tcp_ok("10.1.0.20", "10.1.0.10", 13667);
	verdict_flow(v, &f, &unknown, NULL);
	f = tcp_ok("10.1.0.22", "10.1.0.10", 13667);
	verdict_flow(v, &f, &unknown, NULL);
	f = syn_only("10.1.0.21", 50001, "10.1.0.10", 13667, 3);
	verdict_flow(v, &f, &unknown, NULL);
	f = syn_only("10.1.0.22", 50002, "10.1.0.10", 23, 2);
	verdict_flow(v, &f, &unknown, NULL);
	f = syn_only("10.1.0.20", 50003, "10.1.0.10", 445, 1);
	f.icmp_errors = 1;
	verdict_flow(v, &f, &unknown, NULL);
	ok(verdict_findings(v, &out), "findings built");
	ok(out.health.tcp_flows == 5 && out.health.one_sided_flows == 3,
	   "the figures stay facts: 5 TCP flows, 3 seen one way (got %llu, %llu)",
	   (unsigned long long)out.health.tcp_flows,
	   (unsigned long long)out.health.one_sided_flows);
	ok(!has_note(&out, HEALTH_ONE_SIDED_HOST) && !has_note(&out, HEALTH_ONE_SIDED_CAPTURE),
	   "SYNs retransmitted or answered by ICMP: no one-sided note (%u notes)",
	   out.health.nnotes);
	findings_free(&out);

	/* A single SYN, never answered, says nothing either way: it still
	 * counts, and four of them with one connection seen whole are what a
	 * one-direction mirror looks like. */
	verdict_reset(v);
	f = tcp_ok("10.1.0.20", "10.1.0.10", 13667);
	verdict_flow(v, &f, &unknown, NULL);
	for (uint16_t i = 0; i < 4; i++) {
		f = syn_only("10.1.0.21", (uint16_t)(50010 + i), "10.1.0.10", 13667, 1);
		verdict_flow(v, &f, &unknown, NULL);
	}
	ok(verdict_findings(v, &out), "findings built");
	ok(has_note(&out, HEALTH_ONE_SIDED_HOST) && has_note(&out, HEALTH_ONE_SIDED_CAPTURE),
	   "single unanswered SYNs: the one-sided notes stay");
	findings_free(&out);
	verdict_free(v);
	ruleset_free(sep);
}

/* Traffic with no peer to judge: broadcasts (limited, a bound network's,
 * an unanswered UDP datagram to .255), multicast, neighbour discovery. */
static void test_peerless(void)
{
	struct verdict *v = verdict_new(rs);
	struct flow_class unknown = cls("Unknown", "");
	struct flow_judgement j;
	struct findings out;

	struct flow_record f = flow("10.1.0.20", 137, "10.1.0.255", 137, IP_PROTO_UDP, "S0");
	f.orig.pkts = 3;
	verdict_flow(v, &f, &unknown, &j);
	ok(j.kind == JUDGED_OUT_OF_SCOPE, "a server's unanswered NetBIOS broadcast to .255");
	f = flow("10.1.0.20", 5353, "224.0.0.251", 5353, IP_PROTO_UDP, "S0");
	f.orig.pkts = 1;
	verdict_flow(v, &f, &unknown, &j);
	ok(j.kind == JUDGED_OUT_OF_SCOPE, "mDNS to its multicast group");
	f = flow("fd00::20", 135, "fd00::1", 0, IP_PROTO_ICMPV6, "OTH");
	f.orig.pkts = 1;
	verdict_flow(v, &f, &unknown, &j);
	ok(j.kind == JUDGED_OUT_OF_SCOPE, "a unicast IPv6 neighbour solicitation");
	f = flow("10.1.0.20", 50000, "10.1.0.255", 8080, IP_PROTO_UDP, "SF");
	f.orig.pkts = f.resp.pkts = 1;
	verdict_flow(v, &f, &unknown, &j);
	ok(j.kind == JUDGED_UNEXPECTED, "a host numbered .255 that answers is judged");
	/* The solicitation's host is in no role of this IPv4 site: out of scope
	 * before it is asked whether it is discovery. */
	ok(verdict_findings(v, &out) && out.summary.broadcast == 2 &&
	   out.summary.out_of_scope == 3,
	   "the broadcast and the multicast flow counted as such, out of scope");
	findings_free(&out);
	verdict_free(v);
}

static struct ruleset *load_site(const char *src, const char *name)
{
	char site[1200], matrix[1200];
	struct diag d = { .out = stderr };

	snprintf(site, sizeof(site), "%s/tests/e2e/sites/%s", src, name);
	snprintf(matrix, sizeof(matrix), "%s/rules/speechexec-enterprise.json", src);
	return ruleset_load(matrix, site, &d);
}

/* How many findings of a kind and rule (cause -1: any). */
static unsigned count(const struct findings *f, enum finding_kind k, const char *rule)
{
	unsigned n = 0;
	for (unsigned i = 0; i < f->n; i++)
		n += f->items[i].kind == k && f->items[i].rule &&
		     strcmp(f->items[i].rule->id, rule) == 0;
	return n;
}

/* Dual stack: a rule-host pair is judged per host (all its addresses), not
 * per address (docs/verdicts.md). */
static void test_hosts(const char *src)
{
	struct ruleset *ds = load_site(src, "dual-stack.json");
	if (!ok(ds != NULL, "the dual-stack site loads"))
		return;
	struct verdict *v = verdict_new(ds);
	struct flow_class unknown = cls("Unknown", ""), tls = cls("TLS", "");
	struct findings out;
	const struct finding *x;

	/* The licence over IPv6; the share access and the inbound web over IPv4. */
	struct flow_record f = tcp_ok("fd00::20", "fd00::10", 13667);
	verdict_flow(v, &f, &unknown, NULL);
	f = tcp_ok("10.1.0.20", "10.1.0.40", 445);
	verdict_flow(v, &f, &unknown, NULL);
	f = tcp_ok("203.0.113.7", "10.1.0.20", 443);
	verdict_flow(v, &f, &tls, NULL);
	f = tcp_ok("2001:db8:99::7", "fd00::20", 443);
	verdict_flow(v, &f, &tls, NULL);
	ok(verdict_findings(v, &out), "findings built");
	x = find(&out, FINDING_OBSERVED, "mobile-license", CAUSE_SUCCEEDED);
	ok(x && ip_is(6, &x->client.ip, "fd00::20") && x->client.host_name &&
	   strcmp(x->client.host_name, "mobile01") == 0 && x->server.host_name &&
	   strcmp(x->server.host_name, "lic01") == 0,
	   "the licence over IPv6 is observed for mobile01, naming both hosts");
	ok(count(&out, FINDING_OBSERVED, "mobile-license") == 1 &&
	   !find(&out, FINDING_MISSING, "mobile-license", -1) &&
	   !find(&out, FINDING_INCONCLUSIVE, "mobile-license", -1),
	   "once, and not missing for the IPv4 address");
	x = find(&out, FINDING_OBSERVED, "mobile-inbound", CAUSE_SUCCEEDED);
	ok(x && x->flows == 2 && count(&out, FINDING_OBSERVED, "mobile-inbound") == 1,
	   "inbound over IPv4 and IPv6: one pair, two flows");
	x = find(&out, FINDING_OBSERVED, "mobile-seeroot", CAUSE_SUCCEEDED);
	ok(x && x->client.host_name && !x->server.host_name,
	   "a host the site did not name gets no host_name");
	findings_free(&out);

	/* No licence flow: missing for the host, on all its addresses. The
	 * host was seen opening connections only from its IPv6 address. */
	verdict_reset(v);
	f = tcp_ok("fd00::20", "fd00::40", 445);
	verdict_flow(v, &f, &unknown, NULL);
	ok(verdict_findings(v, &out), "findings built");
	x = find(&out, FINDING_MISSING, "mobile-license", CAUSE_NO_ATTEMPT);
	ok(x && x->client.host_name && strcmp(x->client.host_name, "mobile01") == 0 &&
	   x->client.naddresses == 2 && x->server.nexpected == 2,
	   "missing: mobile01 with both addresses; lic01's two addresses expected");
	ok(count(&out, FINDING_MISSING, "mobile-license") == 1,
	   "one missing finding, not one per address");
	ok(find(&out, FINDING_INCONCLUSIVE, "speechlive-license", CAUSE_HOST_NOT_SEEN) != NULL,
	   "a host never seen is still inconclusive");
	findings_free(&out);

	/* A SYN from the IPv4 address, unanswered once; answers to the host's
	 * IPv6 address show its receive direction: blocked, not inconclusive. */
	verdict_reset(v);
	f = tcp_ok("fd00::20", "fd00::40", 445);
	verdict_flow(v, &f, &unknown, NULL);
	f = syn_only("10.1.0.20", 50002, "10.1.0.10", 13667, 1);
	verdict_flow(v, &f, &unknown, NULL);
	ok(verdict_findings(v, &out), "findings built");
	ok(find(&out, FINDING_BLOCKED, "mobile-license", CAUSE_SYN_UNANSWERED) != NULL,
	   "the capture carries the host's receive direction on its other address: blocked");
	findings_free(&out);
	verdict_free(v);
	ruleset_free(ds);
}

/* A rule that needs each service: the site declares WebAccess bound to
 * 80 and 443, and each must work. */
static void test_each(const char *src)
{
	struct ruleset *each = load_site(src, "webaccess-ports.json");
	struct ruleset *any = load_site(src, "separate.json");
	if (!ok(each && any, "the webaccess-ports and separate sites load"))
		return;
	struct flow_class http = cls("HTTP", ""), unknown = cls("Unknown", "");
	struct findings out;
	const struct finding *x;

	/* 80 works; 443: three SYNs, no answer. */
	struct flow_record ok80 = tcp_ok("10.2.0.55", "10.1.0.22", 80);
	struct flow_record syn443 = flow("10.2.0.55", 50001, "10.1.0.22", 443, IP_PROTO_TCP, "S0");
	syn443.orig.saw = SAW_SYN;
	syn443.orig.syns = syn443.orig.pkts = 3;

	struct verdict *v = verdict_new(each);
	verdict_flow(v, &ok80, &http, NULL);
	verdict_flow(v, &syn443, &unknown, NULL);
	ok(verdict_findings(v, &out), "findings built");
	x = find(&out, FINDING_BLOCKED, "webaccess-inbound", CAUSE_SYN_UNANSWERED);
	ok(x && x->port == 443 && x->has_unit && x->unit == 1 && x->each &&
	   x->each_met == 1 && x->flows == 1 && x->nfailures == 1 &&
	   x->failures[0].units == 3,
	   "80 worked, 443 never answered: blocked on 443, its own failures");
	ok(!find(&out, FINDING_OBSERVED, "webaccess-inbound", -1) &&
	   count(&out, FINDING_BLOCKED, "webaccess-inbound") == 1,
	   "and not observed");
	findings_free(&out);

	/* 80 works; 443 never tried: missing on 443. */
	verdict_reset(v);
	verdict_flow(v, &ok80, &http, NULL);
	ok(verdict_findings(v, &out), "findings built");
	x = find(&out, FINDING_MISSING, "webaccess-inbound", CAUSE_NO_ATTEMPT);
	ok(x && x->port == 443 && x->server.port == 443 && x->has_unit && x->unit == 1 &&
	   ip_is(4, &x->server.ip, "10.1.0.22") && !x->client.has_ip,
	   "80 worked, 443 never tried: missing on 443");
	findings_free(&out);

	/* Both work: observed, each of them met. */
	verdict_reset(v);
	struct flow_record ok443 = tcp_ok("10.2.0.55", "10.1.0.22", 443);
	struct flow_class tls = cls("TLS", "");
	verdict_flow(v, &ok80, &http, NULL);
	verdict_flow(v, &ok443, &tls, NULL);
	ok(verdict_findings(v, &out), "findings built");
	x = find(&out, FINDING_OBSERVED, "webaccess-inbound", CAUSE_SUCCEEDED);
	ok(x && x->each && x->each_met == 3 && !x->has_unit && x->flows == 2 &&
	   count(&out, FINDING_OBSERVED, "webaccess-inbound") == 1,
	   "both worked: one observed finding for the pair");
	findings_free(&out);

	/* Nothing at all: one missing finding, as any rule. */
	verdict_reset(v);
	ok(verdict_findings(v, &out), "findings built");
	ok(count(&out, FINDING_INCONCLUSIVE, "webaccess-inbound") == 1 &&
	   !find(&out, FINDING_MISSING, "webaccess-inbound", -1),
	   "nothing seen at all: one finding for the pair (here host-not-seen)");
	findings_free(&out);
	verdict_free(v);

	/* The site says nothing: either port will do. */
	v = verdict_new(any);
	verdict_flow(v, &ok80, &http, NULL);
	verdict_flow(v, &syn443, &unknown, NULL);
	ok(verdict_findings(v, &out), "findings built");
	x = find(&out, FINDING_OBSERVED, "webaccess-inbound", CAUSE_SUCCEEDED);
	ok(x && !x->each && x->attempts == 2 && x->successes == 1 &&
	   !find(&out, FINDING_BLOCKED, "webaccess-inbound", -1),
	   "by default 80 working is enough: observed");
	findings_free(&out);
	verdict_free(v);
	ruleset_free(each);
	ruleset_free(any);
}

/* A flood of other addresses fills the visibility table, but the site's
 * own hosts were reserved: what the capture shows of them still counts. */
static void test_visibility_flood(void)
{
	struct verdict *v = verdict_new(rs);
	struct flow_class unknown = cls("Unknown", "");
	struct findings out;

	for (unsigned i = 0; i < 70000; i++) {
		char src[32];
		snprintf(src, sizeof(src), "198.%u.%u.%u", 18 + i / 65536, i / 256 % 256, i % 256);
		struct flow_record f = syn_only(src, 40000, "203.0.113.99", 80, 1);
		verdict_flow(v, &f, &unknown, NULL);
	}
	struct flow_record f = tcp_ok("10.1.0.20", "10.1.0.40", 445);
	verdict_flow(v, &f, &unknown, NULL);
	ok(verdict_findings(v, &out), "findings built");
	ok(find(&out, FINDING_MISSING, "mobile-license", CAUSE_NO_ATTEMPT) &&
	   !find(&out, FINDING_INCONCLUSIVE, "mobile-license", -1),
	   "after 70,000 other hosts the Mobile Service is still seen: missing, not inconclusive");
	findings_free(&out);
	verdict_free(v);
}

/* ---- verdict_merge: parts of a capture merged give the whole's verdict ---- */

struct corpus_flow {
	struct flow_record r;
	struct flow_class c;
};

#define CORPUS_MAX 32

/* Flows that exercise every kind of state: successes and failures of the
 * same pair, a conversation seen more than once, a DNS failure, a site
 * exception, a one-sided host. Their start times are all different but
 * not in the order they are listed in, as flows end out of order. */
static unsigned merge_corpus(struct corpus_flow *cf)
{
	unsigned n = 0;
	struct flow_class unknown = cls("Unknown", ""), tls = cls("TLS", "");
	struct flow_class ssh = cls("SSH", "");

#define ADD(rec, klass, at) do { cf[n].r = (rec); cf[n].c = (klass); \
	cf[n].r.first_us += (uint64_t)(at) * 1000000; \
	cf[n].r.last_us += (uint64_t)(at) * 1000000; n++; } while (0)
	/* mobile-license: a failure first, then a success: observed. */
	ADD(syn_only("10.1.0.20", 40001, "10.1.0.10", 13667, 3), unknown, 9);
	ADD(tcp_ok("10.1.0.20", "10.1.0.10", 13667), unknown, 3);
	/* speechlive-license: blocked twice (proven by retransmission),
	 * with different numbers of SYNs. */
	ADD(syn_only("10.1.0.21", 40002, "10.1.0.10", 13667, 2), unknown, 5);
	ADD(syn_only("10.1.0.21", 40003, "10.1.0.10", 13667, 4), unknown, 1);
	/* The same unexpected conversation three times, classified
	 * differently: the earliest is the example. */
	ADD(tcp_ok("10.1.0.20", "10.1.0.2", 3389), unknown, 7);
	ADD(tcp_ok("10.1.0.20", "10.1.0.2", 3389), ssh, 2);
	ADD(tcp_ok("10.1.0.20", "10.1.0.2", 3389), unknown, 11);
	/* Inbound TLS, twice, one of them one-sided. */
	struct flow_record f = tcp_ok("203.0.113.7", "10.1.0.20", 443);
	ADD(f, tls, 4);
	f.seen = FLOW_SEEN_ORIG_ONLY;
	f.conn_state = "SH";
	ADD(f, tls, 12);
	/* A refused lookup of the cloud's name. */
	f = flow("10.1.0.21", 50001, "10.1.0.2", 53, IP_PROTO_UDP, "SF");
	f.orig.pkts = f.resp.pkts = 1;
	struct flow_class dns = cls("DNS", "");
	dns.dns.is_dns = true;
	snprintf(dns.dns.query, sizeof(dns.dns.query), "livebroker.speechexec.com");
	dns.dns.rcode = 5;
	snprintf(dns.dns.rcode_name, sizeof(dns.dns.rcode_name), "REFUSED");
	ADD(f, dns, 6);
	/* The site's exception, from two clients. */
	ADD(tcp_ok("10.9.9.9", "10.1.0.10", 3389), unknown, 8);
	ADD(tcp_ok("10.9.9.8", "10.1.0.10", 3389), unknown, 10);
	/* Out of scope, and an ICMP error. */
	ADD(tcp_ok("8.8.8.8", "1.1.1.1", 443), tls, 13);
	f = flow("10.1.0.1", 3, "10.1.0.20", 13, IP_PROTO_ICMP, "OTH");
	f.is_icmp_error = true;
	ADD(f, unknown, 14);
#undef ADD
	return n;
}

/* Everything a report shows of a verdict, as one line per finding plus the
 * counts: what "the same verdict" means. */
static void verdict_text(const struct verdict *v, char *buf, size_t len)
{
	struct findings f;
	size_t used = 0;

	buf[0] = '\0';
	if (!verdict_findings(v, &f))
		return;
#define PUT(...) do { int w_ = snprintf(buf + used, len - used, __VA_ARGS__); \
	if (w_ > 0 && (size_t)w_ < len - used) used += (size_t)w_; } while (0)
	for (unsigned i = 0; i < f.n; i++) {
		const struct finding *x = &f.items[i];
		char c[64] = "", sv[64] = "";
		inet_ntop(x->client.ip_version == 6 ? AF_INET6 : AF_INET, x->client.ip.b, c, sizeof(c));
		inet_ntop(x->server.ip_version == 6 ? AF_INET6 : AF_INET, x->server.ip.b, sv, sizeof(sv));
		PUT("%s %s %s %s>%s %u/%u app=%s st=%s host=%s f=%llu a=%llu s=%llu o=%llu "
		    "p=%llu b=%llu %llu-%llu svc=%p", finding_kind_name(x->kind),
		    finding_cause_name(x->cause), x->rule ? x->rule->id : "-", c, sv,
		    x->proto, x->port, x->app, x->states, x->server.host,
		    (unsigned long long)x->flows, (unsigned long long)x->attempts,
		    (unsigned long long)x->successes, (unsigned long long)x->one_sided,
		    (unsigned long long)x->packets, (unsigned long long)x->bytes,
		    (unsigned long long)x->first_us, (unsigned long long)x->last_us,
		    (const void *)x->service);
		for (unsigned k = 0; k < x->nfailures; k++)
			PUT(" [%s f=%u u=%llu pr=%u port=%u]", finding_cause_name(x->failures[k].cause),
			    x->failures[k].flows, (unsigned long long)x->failures[k].units,
			    x->failures[k].proven, x->failures[k].port);
		if (x->kind == FINDING_UNEXPECTED)
			PUT(" why=%s", x->why.app);
		PUT("\n");
	}
	const struct audit_summary *s = &f.summary;
	PUT("flows=%llu scope=%llu out=%llu icmp=%llu site=%llu unexp=%llu\n",
	    (unsigned long long)s->flows, (unsigned long long)s->in_scope,
	    (unsigned long long)s->out_of_scope, (unsigned long long)s->icmp_errors,
	    (unsigned long long)s->allowed_by_site, (unsigned long long)s->unexpected_flows);
	PUT("tcp=%llu one-sided=%llu notes=%u\n", (unsigned long long)f.health.tcp_flows,
	    (unsigned long long)f.health.one_sided_flows, f.health.nnotes);
	for (unsigned i = 0; i < f.nexceptions; i++) {
		const struct exception_use *e = &f.exceptions[i];
		PUT("exception %u: %llu flows, %u clients, %llu-%llu\n", i,
		    (unsigned long long)e->flows, e->nclients,
		    (unsigned long long)e->first_us, (unsigned long long)e->last_us);
	}
#undef PUT
	findings_free(&f);
}

/* A verdict of the corpus flows whose index i has (i * mul + add) % k == part,
 * fed in reverse when backwards. */
static struct verdict *part_verdict(const struct corpus_flow *cf, unsigned n,
				    unsigned k, unsigned part, unsigned mul,
				    bool backwards)
{
	struct verdict *v = verdict_new(rs);
	for (unsigned j = 0; j < n; j++) {
		unsigned i = backwards ? n - 1 - j : j;
		if ((i * mul + 1) % k == part)
			verdict_flow(v, &cf[i].r, &cf[i].c, NULL);
	}
	return v;
}

static void test_merge(void)
{
	struct corpus_flow cf[CORPUS_MAX];
	unsigned n = merge_corpus(cf);
	static char whole_text[16384], text[16384];
	struct verdict *whole = verdict_new(rs);
	struct findings out;

	for (unsigned i = 0; i < n; i++)
		verdict_flow(whole, &cf[i].r, &cf[i].c, NULL);
	verdict_text(whole, whole_text, sizeof(whole_text));
	ok(strstr(whole_text, "observed succeeded mobile-license") != NULL &&
	   strstr(whole_text, "unexpected port-not-allowed - 10.1.0.20>10.1.0.2 6/3389 "
			      "app=SSH") != NULL,
	   "the whole: observed licence, the earliest RDP flow as the example");

	/* The same flows fed backwards give the same verdict: examples do
	 * not depend on arrival order. */
	struct verdict *back = part_verdict(cf, n, 1, 0, 1, true);
	verdict_text(back, text, sizeof(text));
	is_str(text, whole_text, "fed in reverse: the same verdict");
	verdict_free(back);

	unsigned checked = 0, equal = 0;
	const unsigned ks[] = { 2, 3, 7 };
	for (unsigned ki = 0; ki < 3; ki++) {
		unsigned k = ks[ki];
		for (unsigned mul = 1; mul <= 5; mul += 2) {
			struct verdict *p[7] = { NULL };
			for (unsigned i = 0; i < k; i++)
				p[i] = part_verdict(cf, n, k, i, mul, mul == 3);
			/* Left to right, and right to left into a fresh one. */
			struct verdict *l = verdict_new(rs), *r = verdict_new(rs);
			for (unsigned i = 0; i < k; i++) {
				verdict_merge(l, p[i]);
				verdict_merge(r, p[k - 1 - i]);
			}
			/* Grouped: (p0 + p1) + (p2 + ...). */
			struct verdict *g = verdict_new(rs), *h = verdict_new(rs);
			verdict_merge(g, p[0]);
			verdict_merge(g, p[1]);
			for (unsigned i = 2; i < k; i++)
				verdict_merge(h, p[i]);
			verdict_merge(h, g);
			struct verdict *all[3] = { l, r, h };
			for (unsigned x = 0; x < 3; x++) {
				verdict_text(all[x], text, sizeof(text));
				checked++;
				equal += strcmp(text, whole_text) == 0;
				if (strcmp(text, whole_text) != 0)
					fprintf(stderr, "# k=%u mul=%u order %u:\n%s\nwhole:\n%s", k, mul, x,
					     text, whole_text);
			}
			for (unsigned i = 0; i < k; i++)
				verdict_free(p[i]);
			verdict_free(l);
			verdict_free(r);
			verdict_free(g);
			verdict_free(h);
		}
	}
	is_int(equal, checked, "every split (k = 2, 3, 7) merged in every order equals the whole");

	/* Observed anywhere wins; blocked only where nobody saw success. */
	struct verdict *a = verdict_new(rs), *b = verdict_new(rs);
	verdict_flow(a, &cf[0].r, &cf[0].c, NULL);   /* licence SYNs, unanswered */
	verdict_flow(b, &cf[1].r, &cf[1].c, NULL);   /* licence success */
	ok(verdict_findings(a, &out) &&
	   find(&out, FINDING_BLOCKED, "mobile-license", CAUSE_SYN_UNANSWERED),
	   "one part alone: blocked");
	findings_free(&out);
	ok(verdict_merge(a, b) && verdict_findings(a, &out) &&
	   find(&out, FINDING_OBSERVED, "mobile-license", CAUSE_SUCCEEDED) &&
	   !find(&out, FINDING_BLOCKED, "mobile-license", -1),
	   "merged with a part that saw a success: observed");
	findings_free(&out);
	verdict_free(a);
	verdict_free(b);

	/* Missing only where the host was visible somewhere: a part that saw
	 * nothing of 10.1.0.20 says inconclusive, the other shows it opening
	 * connections, so the merge says missing. */
	a = verdict_new(rs);
	b = verdict_new(rs);
	verdict_flow(b, &cf[4].r, &cf[4].c, NULL);   /* 10.1.0.20 -> RDP */
	ok(verdict_findings(a, &out) &&
	   find(&out, FINDING_INCONCLUSIVE, "mobile-license", CAUSE_HOST_NOT_SEEN),
	   "a part that never saw the host: inconclusive");
	findings_free(&out);
	verdict_merge(a, b);
	ok(verdict_findings(a, &out) &&
	   find(&out, FINDING_MISSING, "mobile-license", CAUSE_NO_ATTEMPT),
	   "merged with a part that saw it open connections: missing");
	findings_free(&out);
	verdict_free(a);
	verdict_free(b);
	verdict_free(whole);
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
	test_outcomes();
	test_judgement();
	test_bound();
	test_judged_flow();
	test_policy();
	test_peerless();
	test_visibility_flood();
	test_capture_proof(src ? src : ".");
	test_dropped_not_one_sided(src ? src : ".");
	test_not_applicable(src ? src : ".");
	test_hosts(src ? src : ".");
	test_each(src ? src : ".");
	test_merge();
	ruleset_free(rs);
	return done_testing();
}
