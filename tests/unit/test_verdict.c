/* test_verdict.c - the verdict engine on hand-made flows: what counts as an
 * attempt that succeeded, observed/blocked/missing per rule and host, every
 * reason a flow is unexpected, scope, site allowances, bounds, order. */
#include <arpa/inet.h>
#include <stdlib.h>

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

static struct flow_class cls(const char *app, const char *master)
{
	struct flow_class c;
	memset(&c, 0, sizeof(c));
	c.classified = true;
	snprintf(c.app, sizeof(c.app), "%s", app);
	snprintf(c.master_app, sizeof(c.master_app), "%s", master);
	return c;
}

static const struct finding *find(const struct findings *f, enum finding_kind k,
				  const char *rule, const char *reason_part)
{
	for (unsigned i = 0; i < f->n; i++) {
		const struct finding *x = &f->items[i];
		if (x->kind != k)
			continue;
		if (rule && (!x->rule || strcmp(x->rule->id, rule) != 0))
			continue;
		if (reason_part && !strstr(x->reason, reason_part))
			continue;
		return x;
	}
	return NULL;
}

static void test_outcomes(void)
{
	char why[512];
	struct flow_class c = cls("Unknown", "");
	struct flow_record f = tcp_ok("10.1.0.20", "10.1.0.10", 13667);

	ok(flow_attempt_succeeded(&f, &c, why, sizeof(why)), "a completed connection succeeded");
	f = flow("10.1.0.20", 50000, "10.1.0.10", 13667, IP_PROTO_TCP, "S0");
	f.orig.saw = SAW_SYN;
	f.orig.syns = 3;
	f.orig.pkts = 3;
	ok(!flow_attempt_succeeded(&f, &c, why, sizeof(why)) &&
	   strstr(why, "3 SYN to 10.1.0.10:13667, no reply"), "S0: %s", why);
	f.resp.saw = SAW_RST;
	f.resp.pkts = 1;
	ok(!flow_attempt_succeeded(&f, &c, why, sizeof(why)) && strstr(why, "answered by RST"),
	   "REJ: %s", why);
	f.resp.saw = 0;
	f.resp.pkts = 0;
	f.icmp_errors = 1;
	f.icmp_error_type = 3;
	f.icmp_error_code = 13;
	ok(!flow_attempt_succeeded(&f, &c, why, sizeof(why)) &&
	   strstr(why, "ICMP administratively prohibited (type 3 code 13)"), "ICMP: %s", why);

	struct flow_class tls = cls("TLS", "");
	f = tcp_ok("10.1.0.20", "20.50.2.10", 443);
	f.resp.payload_bytes = 0;
	f.resp.saw = SAW_SYNACK | SAW_RST;
	ok(!flow_attempt_succeeded(&f, &tls, why, sizeof(why)) &&
	   strstr(why, "TLS ClientHello to 20.50.2.10:443, connection reset before any server data"),
	   "TLS reset: %s", why);

	f = flow("10.1.0.21", 50000, "10.1.0.30", 1434, IP_PROTO_UDP, "S0");
	f.orig.pkts = 2;
	ok(!flow_attempt_succeeded(&f, &c, why, sizeof(why)) &&
	   strstr(why, "2 UDP datagrams to 10.1.0.30:1434 never answered"), "UDP: %s", why);

	f = flow("10.1.0.20", 50000, "10.1.0.40", 445, IP_PROTO_TCP, "OTH");
	f.orig.pkts = f.resp.pkts = 3;
	ok(flow_attempt_succeeded(&f, &c, why, sizeof(why)),
	   "picked up mid-stream with data both ways: succeeded");
}

static void test_judgement(void)
{
	struct verdict *v = verdict_new(rs);
	struct findings out;
	struct flow_class unknown = cls("Unknown", ""), tls = cls("TLS", "");

	struct flow_record f = tcp_ok("10.1.0.20", "10.1.0.10", 13667);
	verdict_flow(v, &f, &unknown);
	/* 10.1.0.20 holds three services: the one flow counts for the
	 * license rule of each (docs/verdicts.md: a flow counts for each rule). */
	f = tcp_ok("203.0.113.7", "10.1.0.20", 443);
	verdict_flow(v, &f, &tls);
	f = tcp_ok("203.0.113.7", "10.1.0.20", 443);
	struct flow_class ssh = cls("SSH", "");
	verdict_flow(v, &f, &ssh);
	f = tcp_ok("10.1.0.10", "10.1.0.20", 13667);
	verdict_flow(v, &f, &unknown);
	f = tcp_ok("10.1.0.20", "10.1.0.2", 3389);
	verdict_flow(v, &f, &unknown);
	f = tcp_ok("10.1.0.20", "93.184.216.34", 443);
	struct flow_class example = cls("TLS", "");
	snprintf(example.server_name, sizeof(example.server_name), "www.example.com");
	example.server_name_source = NAME_SNI;
	verdict_flow(v, &f, &example);
	f = tcp_ok("8.8.8.8", "1.1.1.1", 443);
	verdict_flow(v, &f, &tls);
	f = tcp_ok("10.9.9.9", "10.1.0.10", 3389);
	verdict_flow(v, &f, &unknown);

	/* The cloud's name was looked up and refused. */
	f = flow("10.1.0.20", 50001, "10.1.0.2", 53, IP_PROTO_UDP, "SF");
	f.orig.pkts = f.resp.pkts = 1;
	struct flow_class dns = cls("DNS", "");
	dns.dns.is_dns = true;
	snprintf(dns.dns.query, sizeof(dns.dns.query), "livebroker.speechexec.com");
	dns.dns.rcode = 3;
	snprintf(dns.dns.rcode_name, sizeof(dns.dns.rcode_name), "NXDOMAIN");
	verdict_flow(v, &f, &dns);

	/* An ICMP error flow is evidence only. */
	f = flow("10.1.0.1", 3, "10.1.0.20", 13, IP_PROTO_ICMP, "OTH");
	f.is_icmp_error = true;
	verdict_flow(v, &f, &unknown);

	ok(verdict_findings(v, &out), "findings built");
	const struct audit_summary *s = &out.summary;
	is_int(s->flows, 10, "ten flows judged");
	is_int(s->out_of_scope, 1, "8.8.8.8 -> 1.1.1.1 is out of scope");
	is_int(s->icmp_errors, 1, "the ICMP error is not judged");
	is_int(s->allowed_by_site, 1, "the admin jump host is allowed by the site");

	ok(find(&out, FINDING_OBSERVED, "mobile-license", NULL) &&
	   find(&out, FINDING_OBSERVED, "speechlive-license", NULL) &&
	   find(&out, FINDING_OBSERVED, "webaccess-license", NULL),
	   "one licence flow from a shared host counts for all three services");
	ok(find(&out, FINDING_OBSERVED, "mobile-inbound", NULL), "inbound 443 observed");
	const struct finding *m = find(&out, FINDING_MISSING, "speechlive-sql", NULL);
	ok(m && m->client.has_ip && !m->server.has_ip && m->proto == IP_PROTO_TCP &&
	   m->port == 1433, "SQL never reached: missing, server side null, tcp/1433");
	ok(find(&out, FINDING_MISSING, "mobile-seeroot", "no traffic from 10.1.0.20"),
	   "a missing share access names its host");
	ok(!find(&out, FINDING_MISSING, "license-smtp", NULL),
	   "an optional rule is never missing");
	ok(find(&out, FINDING_BLOCKED, "speechlive-cloud",
		"DNS lookup of livebroker.speechexec.com answered NXDOMAIN by 10.1.0.2"),
	   "a refused lookup of the cloud blocks its rule");
	ok(find(&out, FINDING_UNEXPECTED, NULL, "application mismatch: nDPI found SSH on tcp/443"),
	   "SSH on an allowed 443 is unexpected");
	ok(find(&out, FINDING_UNEXPECTED, NULL,
		"wrong direction: license_server -> mobile_service+speechlive_service+webaccess on tcp/13667"),
	   "licence traffic the wrong way round");
	ok(find(&out, FINDING_UNEXPECTED, NULL, "no rule for tcp/3389 between"),
	   "a port no rule has");
	ok(find(&out, FINDING_UNEXPECTED, NULL,
		"internet host not the documented one: 93.184.216.34 (www.example.com)"),
	   "egress to an internet host that is not livebroker");
	bool sorted = true;
	for (unsigned i = 1; i < out.n; i++)
		sorted &= out.items[i - 1].kind <= out.items[i].kind;
	ok(sorted, "missing, then blocked, then unexpected, then observed");
	findings_free(&out);

	verdict_reset(v);
	ok(verdict_findings(v, &out) && out.summary.flows == 0 &&
	   out.summary.count[FINDING_OBSERVED] == 0 && out.summary.count[FINDING_MISSING] > 0,
	   "a reset window starts with nothing observed and everything missing");
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
		verdict_flow(v, &f, &unknown);
	}
	ok(verdict_findings(v, &out), "findings of a scan");
	is_int(out.summary.unexpected_flows, 10500, "every unexpected flow is counted");
	is_int(out.summary.count[FINDING_UNEXPECTED], 10000, "10000 are itemized");
	is_int(out.summary.unexpected_not_itemized, 500, "the rest counted, not itemized");
	findings_free(&out);
	verdict_free(v);
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
	ruleset_free(rs);
	return done_testing();
}
