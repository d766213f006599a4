/* test_suggest.c - audit/suggest.h on flows built here: the matrix alone
 * loads, roles come out of the matrix's rules, and a flood of server
 * endpoints past the bound is counted and asked, not remembered. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/suggest.h"
#include "tap.h"

static const struct ruleset *rs;

static struct ip_addr v4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	struct ip_addr x = { { 0 } };
	x.b[0] = (uint8_t)a;
	x.b[1] = (uint8_t)b;
	x.b[2] = (uint8_t)c;
	x.b[3] = (uint8_t)d;
	return x;
}

/* An answered TCP connection. */
static void flow(struct suggest *s, struct ip_addr client, struct ip_addr server,
		 uint16_t port, const char *app)
{
	struct flow_record r;
	struct flow_class c;

	memset(&r, 0, sizeof(r));
	memset(&c, 0, sizeof(c));
	r.ip_version = 4;
	r.proto = IP_PROTO_TCP;
	r.orig_h = client;
	r.resp_h = server;
	r.orig_p = 49152;
	r.resp_p = port;
	r.orig.pkts = 4;
	r.resp.pkts = 3;
	if (app) {
		snprintf(c.app, sizeof(c.app), "%s", app);
		c.app_confidence = APP_CONFIDENCE_CONFIDENT;
	}
	suggest_flow(s, &r, &c);
}

static int role_index(const char *name)
{
	for (unsigned i = 0; i < ruleset_role_count(rs); i++)
		if (strcmp(ruleset_role(rs, i)->name, name) == 0)
			return (int)i;
	return -1;
}

static const struct suggest_binding *binding(const struct suggestion *o,
					     const char *role, const char *value)
{
	int ro = role_index(role);
	for (unsigned i = 0; i < o->nbindings; i++)
		if ((int)o->bindings[i].role == ro && strcmp(o->bindings[i].value, value) == 0)
			return &o->bindings[i];
	return NULL;
}

/* A licence server two services reach, one of them the Mobile Service: a
 * public client and the licence server's health scan reach it on the web
 * ports, and it reaches the domain controller. */
static void small_site(struct suggest *s)
{
	struct ip_addr lic = v4(10, 1, 0, 10), mob = v4(10, 1, 0, 20);
	struct ip_addr slv = v4(10, 1, 0, 21), dc = v4(10, 1, 0, 2);

	flow(s, mob, lic, 13667, NULL);
	flow(s, slv, lic, 13667, NULL);
	flow(s, v4(203, 0, 113, 7), mob, 443, "TLS");
	flow(s, lic, mob, 80, "HTTP");
	flow(s, mob, dc, 88, "Kerberos");
}

static void test_matrix_alone(const char *matrix)
{
	struct diag d = { .out = stderr };
	struct ruleset *m = ruleset_load_matrix(matrix, &d);
	bool bound = false;

	ok(m != NULL && d.errors == 0, "the matrix loads without a site");
	if (!m)
		return;
	for (unsigned i = 0; i < ruleset_role_count(m); i++)
		bound |= ruleset_role(m, i)->bound;
	ok(!bound, "no role is bound");
	is_str(ruleset_site_name(m), "no site", "the rule set says it has no site");
	ok(ruleset_site_path(m) == NULL, "and no site path");
	ruleset_free(m);
}

static void test_roles(void)
{
	struct suggest *s = suggest_new(rs);
	struct suggestion *o = malloc(sizeof(*o));

	small_site(s);
	ok(suggest_decide(s, o), "decides");
	const struct suggest_binding *lic = binding(o, "license_server", "10.1.0.10");
	ok(lic && lic->confidence == SUGGEST_HIGH,
	   "the host two services reach on the licence port is the licence server, high");
	ok(lic && strstr(lic->evidence, "tcp/13667"), "its evidence names the port");
	ok(binding(o, "mobile_service", "10.1.0.20") != NULL,
	   "the host the health scan and a public client reach is the Mobile Service");
	const struct suggest_binding *mob = binding(o, "mobile_service", "10.1.0.20");
	ok(mob && mob->confidence == SUGGEST_HIGH, "high: the health scan sets it apart");
	/* WebAccess shows nothing the Mobile Service does not: no host holds
	 * it better, so the web server may be WebAccess too (a combined IIS
	 * server), but only by elimination. */
	const struct suggest_binding *web = binding(o, "webaccess", "10.1.0.20");
	ok(web && web->confidence == SUGGEST_LOW && strstr(web->evidence, "elimination"),
	   "WebAccess on the same host only by elimination, low");
	ok(binding(o, "domain_controller", "10.1.0.2") != NULL,
	   "the Kerberos responder the Mobile Service reaches is a domain controller");
	ok(binding(o, "speechlive_service", "10.1.0.21") == NULL,
	   "a host that only reaches the licence server is not bound");
	bool asked = false;
	for (unsigned i = 0; i < o->nquestions; i++)
		asked |= strstr(o->questions[i].text, "10.1.0.21") != NULL;
	ok(asked, "it is asked about instead");
	is_int(o->nparams, 0, "the licence port at its default proposes no parameter");
	free(o);
	suggest_free(s);
}

static void test_moved_port(void)
{
	struct suggest *s = suggest_new(rs);
	struct suggestion *o = malloc(sizeof(*o));
	struct ip_addr lic = v4(10, 1, 0, 10), mob = v4(10, 1, 0, 20);

	flow(s, mob, lic, 23667, NULL);
	flow(s, v4(10, 1, 0, 21), lic, 23667, NULL);
	flow(s, v4(203, 0, 113, 7), mob, 443, "TLS");
	flow(s, lic, mob, 80, "HTTP");
	ok(suggest_decide(s, o), "decides");
	ok(binding(o, "license_server", "10.1.0.10") != NULL,
	   "nobody on 13667: the host answering 23667 to two services is the licence server");
	ok(o->nparams == 1 && strcmp(o->params[0].name, "license_port") == 0 &&
	   o->params[0].port == 23667, "license_port is proposed as 23667");
	free(o);
	suggest_free(s);
}

static void test_flood(void)
{
	struct suggest *s = suggest_new(rs);
	struct suggestion *o = malloc(sizeof(*o));

	small_site(s);
	/* Servers past the bound: each a new endpoint. */
	for (unsigned i = 0; i < SUGGEST_MAX_ENDPOINTS + 5000; i++)
		flow(s, v4(10, 9, 9, 9), v4(172, 16, (i >> 8) & 0xff, i & 0xff),
		     (uint16_t)(2000 + i / 65536), NULL);
	ok(suggest_decide(s, o), "decides after the flood");
	ok(o->endpoints == SUGGEST_MAX_ENDPOINTS, "endpoints stop at the bound (%llu)",
	   (unsigned long long)o->endpoints);
	ok(o->untracked_flows >= 5000, "the flows past it are counted (%llu)",
	   (unsigned long long)o->untracked_flows);
	bool asked = false;
	for (unsigned i = 0; i < o->nquestions; i++)
		asked |= strstr(o->questions[i].text, "not looked at") != NULL;
	ok(asked, "a question says what was not looked at");
	ok(binding(o, "license_server", "10.1.0.10") != NULL,
	   "what came before the flood is still decided");
	free(o);
	suggest_free(s);
}

/* The costly shape: every endpoint on a port the matrix names, each with
 * its full set of clients, the clients themselves servers (a mesh of
 * domain members). It must still decide, and no role may come of it: no
 * host shows anything opposite a role that is not shared infrastructure. */
static void test_mesh(void)
{
	struct suggest *s = suggest_new(rs);
	struct suggestion *o = malloc(sizeof(*o));
	static const uint16_t ports[] = { 88, 389, 445, 443 };

	for (unsigned i = 0; i < SUGGEST_MAX_ENDPOINTS / 4; i++)
		for (unsigned p = 0; p < 4; p++)
			for (unsigned c = 0; c < SUGGEST_MAX_CLIENTS; c++)
				flow(s, v4(10, 5, ((i + c * 131) >> 8) & 0xff, (i + c * 131) & 0xff),
				     v4(10, 5, (i >> 8) & 0xff, i & 0xff), ports[p], NULL);
	ok(suggest_decide(s, o), "a mesh of %u endpoints with %u clients each decides",
	   SUGGEST_MAX_ENDPOINTS, SUGGEST_MAX_CLIENTS);
	unsigned audited = 0;
	for (unsigned i = 0; i < o->nbindings; i++)
		audited += ruleset_role(rs, o->bindings[i].role)->audited;
	is_int(audited, 0, "no product role comes of domain members talking to each other");
	for (unsigned i = 0; audited && i < o->nbindings && i < 4; i++)
		printf("#   %s %s: %s\n", ruleset_role(rs, o->bindings[i].role)->name,
		       o->bindings[i].value, o->bindings[i].evidence);
	free(o);
	suggest_free(s);
}

/* Two web servers as the lab has them: both reach the licence server and
 * the domain controller, and both answer a web port the Mobile Service
 * and WebAccess share, so their evidence is the same for both roles.
 * Only who reaches them differs: web_a's clients, then web_b's. */
static void two_web_servers(struct suggest *s, const struct ip_addr *a_clients,
			    unsigned na, const struct ip_addr *b_clients, unsigned nb)
{
	struct ip_addr lic = v4(10, 1, 0, 10), dc = v4(10, 1, 0, 2);
	struct ip_addr web_a = v4(10, 1, 0, 20), web_b = v4(10, 1, 0, 22);

	for (unsigned i = 0; i < 2; i++) {
		struct ip_addr h = i ? web_b : web_a;
		flow(s, h, lic, 13667, NULL);
		flow(s, h, dc, 88, "Kerberos");
		flow(s, h, dc, 389, "LDAP");
	}
	for (unsigned i = 0; i < na; i++)
		flow(s, a_clients[i], web_a, 443, "TLS");
	for (unsigned i = 0; i < nb; i++)
		flow(s, b_clients[i], web_b, 80, "HTTP");
}

static bool asked_same_evidence(const struct suggestion *o)
{
	for (unsigned i = 0; i < o->nquestions; i++)
		if (strstr(o->questions[i].text, "same evidence"))
			return true;
	return false;
}

/* The matrix says mobile clients come from the internet and browsers
 * from the site: a tie between the Mobile Service and WebAccess is
 * decided by where each host's own clients are. */
static void test_tie_by_location(void)
{
	struct suggest *s = suggest_new(rs);
	struct suggestion *o = malloc(sizeof(*o));
	const struct ip_addr inet[] = { v4(198, 51, 100, 7) };
	const struct ip_addr lan[] = { v4(10, 2, 0, 50) };

	/* Before the location was read, both hosts were bound to both roles. */
	two_web_servers(s, inet, 1, lan, 1);
	ok(suggest_decide(s, o), "two web servers: decides");
	const struct suggest_binding *mob = binding(o, "mobile_service", "10.1.0.20");
	ok(mob && mob->confidence == SUGGEST_MEDIUM,
	   "the host a public address reaches is the Mobile Service, medium");
	ok(mob && strstr(mob->evidence, "inbound from 198.51.100.7, a public address") &&
	   strstr(mob->evidence, "mobile_clients come from the internet (matrix)"),
	   "its evidence says why");
	const struct suggest_binding *web = binding(o, "webaccess", "10.1.0.22");
	ok(web && web->confidence == SUGGEST_MEDIUM &&
	   strstr(web->evidence, "private addresses: browser_clients come from the site"),
	   "the host only private clients reach is WebAccess, medium, saying why");
	ok(!binding(o, "webaccess", "10.1.0.20") && !binding(o, "mobile_service", "10.1.0.22"),
	   "neither host holds the other role");
	ok(!asked_same_evidence(o), "and no tie is asked about");
	suggest_free(s);

	/* A phone on the Wi-Fi reaches the Mobile Service too: its clients
	 * are mixed, the other host's all private, so it is still decided. */
	const struct ip_addr mixed[] = { v4(198, 51, 100, 7), v4(10, 2, 0, 60) };
	s = suggest_new(rs);
	two_web_servers(s, mixed, 2, lan, 1);
	ok(suggest_decide(s, o), "a workstation a mobile client too: decides");
	ok(binding(o, "mobile_service", "10.1.0.20") && binding(o, "webaccess", "10.1.0.22") &&
	   !binding(o, "webaccess", "10.1.0.20") && !binding(o, "mobile_service", "10.1.0.22"),
	   "the host with public clients is the Mobile Service, the other WebAccess");
	suggest_free(s);

	/* Both hosts reached from the internet and the site alike: the
	 * evidence is not one-sided, the question stays. */
	const struct ip_addr mixed_b[] = { v4(198, 51, 100, 8), v4(10, 2, 0, 50) };
	s = suggest_new(rs);
	two_web_servers(s, mixed, 2, mixed_b, 2);
	ok(suggest_decide(s, o), "both hosts mixed: decides");
	ok(asked_same_evidence(o), "the tie is asked about");
	mob = binding(o, "mobile_service", "10.1.0.20");
	ok(!mob || !strstr(mob->evidence, "(matrix)"), "no binding cites the location");
	free(o);
	suggest_free(s);
}

int main(void)
{
	char matrix[1200];
	const char *src = getenv("SRCDIR");
	struct diag d = { .out = stderr };

	snprintf(matrix, sizeof(matrix), "%s/rules/speechexec-enterprise.json", src ? src : ".");
	test_matrix_alone(matrix);
	struct ruleset *m = ruleset_load_matrix(matrix, &d);
	rs = m;
	if (!ok(rs != NULL, "the shipped matrix loads"))
		return done_testing();
	test_roles();
	test_moved_port();
	test_flood();
	test_mesh();
	test_tie_by_location();
	ruleset_free(m);
	return done_testing();
}
