/* findings.c - the engine's pairs and conversations as sorted findings
 * (see findings.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "common/array.h"

const char *finding_kind_name(enum finding_kind k)
{
	static const char *const names[FINDING_KIND_COUNT] = {
		"missing", "blocked", "unexpected", "inconclusive", "observed",
	};
	return (unsigned)k < FINDING_KIND_COUNT ? names[k] : "?";
}

const char *finding_cause_name(enum finding_cause c)
{
	static const char *const names[] = {
		[CAUSE_SUCCEEDED] = "succeeded",
		[CAUSE_NO_ATTEMPT] = "no-attempt",
		[CAUSE_HOST_NOT_SEEN] = "host-not-seen",
		[CAUSE_REPLY_NOT_VISIBLE] = "reply-not-visible",
		[CAUSE_NAME_NOT_SEEN] = "name-not-seen",
		[CAUSE_SYN_UNANSWERED] = "syn-unanswered",
		[CAUSE_REJECTED] = "rejected",
		[CAUSE_ICMP_PROHIBITED] = "icmp-prohibited",
		[CAUSE_ICMP_UNREACHABLE] = "icmp-unreachable",
		[CAUSE_ICMP_ERROR] = "icmp-error",
		[CAUSE_TLS_RESET] = "tls-reset",
		[CAUSE_RESET_AFTER_DATA] = "reset-after-data",
		[CAUSE_RESET_AT_HANDSHAKE] = "reset-at-handshake",
		[CAUSE_TLS_ALERT] = "tls-alert",
		[CAUSE_UDP_UNANSWERED] = "udp-unanswered",
		[CAUSE_NO_REPLY_SEEN] = "no-reply-seen",
		[CAUSE_DNS_NXDOMAIN] = "dns-nxdomain",
		[CAUSE_DNS_REFUSED] = "dns-refused",
		[CAUSE_APP_MISMATCH] = "app-mismatch",
		[CAUSE_NOT_APPLICABLE] = "not-applicable",
		[CAUSE_WRONG_DIRECTION] = "wrong-direction",
		[CAUSE_UNDOCUMENTED_INTERNET_HOST] = "internet-host-not-documented",
		[CAUSE_PORT_NOT_ALLOWED] = "port-not-allowed",
		[CAUSE_NO_RULE] = "no-rule",
	};
	_Static_assert(ARRAY_SIZE(names) == CAUSE_COUNT, "a name for every cause");
	return (unsigned)c < CAUSE_COUNT ? names[c] : "?";
}

void findings_free(struct findings *f)
{
	free(f->items);
	free(f->failures);
	free(f->exceptions);
	f->items = NULL;
	f->failures = NULL;
	f->exceptions = NULL;
	f->n = f->nexceptions = 0;
}

/* Each site exception with what it covered; expired when the traffic
 * reaches past its date. */
static bool exception_uses(const struct verdict *v, struct findings *out)
{
	unsigned n = ruleset_allow_count(v->rs);

	out->exceptions = calloc(n + 1, sizeof(*out->exceptions));
	if (!out->exceptions)
		return false;
	for (unsigned i = 0; i < n; i++) {
		struct exception_use *e = &out->exceptions[i];
		*e = v->exceptions[i];
		e->allow = ruleset_allow(v->rs, i);
		e->expired = e->allow->expires_us && v->latest_us >= e->allow->expires_us;
	}
	out->nexceptions = n;
	return true;
}

static void fill_endpoint(struct finding_endpoint *fe, bool present,
			  uint8_t version, const struct ip_addr *ip,
			  role_mask roles, const struct endpoint_geo *geo)
{
	fe->has_ip = present;
	fe->ip_version = version;
	if (present)
		fe->ip = *ip;
	fe->roles = roles;
	if (present && geo) {
		fe->has_geo = true;
		fe->geo = *geo;
	}
}

static void first_evidence_service(const struct rule *rule, struct finding *f)
{
	for (unsigned s = 0; s < rule->nservices; s++) {
		if (rule->services[s].evidence) {
			f->service = &rule->services[s];
			f->proto = rule->services[s].proto;
			f->port = rule->services[s].nports ? rule->services[s].ports[0].lo : 0;
			return;
		}
	}
}

static void copy_counts(struct finding *f, const struct evidence *e)
{
	f->flows = e->flows;
	f->attempts = e->attempts;
	f->successes = e->successes;
	f->one_sided = e->one_sided;
	f->packets = e->packets;
	f->bytes = e->bytes;
	f->first_us = e->first_us;
	f->last_us = e->last_us;
	snprintf(f->states, sizeof(f->states), "%s", e->states);
	snprintf(f->app, sizeof(f->app), "%s", e->app);
}

static void example_endpoints(const struct ruleset *rs, struct finding *f,
			      const struct evidence *e)
{
	fill_endpoint(&f->client, true, e->ip_version, &e->client,
		      shown_roles(rs, e->client_roles), &e->client_geo);
	bool server_seen = e->proto != 0;  /* a DNS failure has no server */
	fill_endpoint(&f->server, server_seen, e->ip_version, &e->server,
		      shown_roles(rs, e->server_roles), &e->server_geo);
	snprintf(f->server.host, sizeof(f->server.host), "%s", e->host);
	f->server.host_source = e->host_source;
	f->proto = e->proto;
	f->port = e->port;
	f->server.has_port = server_seen;
	f->server.port = e->port;
}

static void expected_side(const struct ruleset *rs, unsigned role,
			  struct finding_endpoint *fe)
{
	fe->roles = role_bit(role);
	fe->nexpected = ruleset_role_nets(rs, role, &fe->expected);
	fe->nexpected_names = ruleset_role_names(rs, role, &fe->expected_names);
	if (fe->nexpected_names)
		snprintf(fe->host, sizeof(fe->host), "%s", fe->expected_names[0]);
}

static void missing_finding(const struct verdict *v, const struct rule_host *p,
			    struct finding *f)
{
	const struct rule *rule = f->rule;
	unsigned other = p->judged_on_client ? rule->to_role : rule->from_role;
	struct finding_endpoint *judged = p->judged_on_client ? &f->client : &f->server;
	struct finding_endpoint *absent = p->judged_on_client ? &f->server : &f->client;

	f->kind = FINDING_MISSING;
	f->cause = CAUSE_NO_ATTEMPT;
	first_evidence_service(rule, f);
	fill_endpoint(judged, true, p->ip_version, &p->host,
		      shown_roles(v->rs, ruleset_roles_of_addr(v->rs, p->ip_version,
							       &p->host)), NULL);
	expected_side(v->rs, other, absent);
	if (!p->judged_on_client) {
		f->server.has_port = true;
		f->server.port = f->port;
	}
}

/* A blocked pair's failures, in cause order, copied to the findings' own
 * array. A reset after the client's data is a TLS reset when the example
 * flow carried TLS. */
static void blocked_failures(const struct rule_host *p, struct finding *f,
			     struct attempt_failure *dst)
{
	f->failures = dst;
	for (int k = 0; k < FAIL_KIND_COUNT; k++) {
		const struct attempt_failure *t = &p->out.failures[k];
		if (!t->flows)
			continue;
		struct attempt_failure *d = &dst[f->nfailures++];
		*d = *t;
		if (k == FAIL_RESET_AFTER_DATA)
			d->cause = strstr(p->ev.app, "TLS") ? CAUSE_TLS_RESET :
				   CAUSE_RESET_AFTER_DATA;
	}
	f->cause = f->failures[0].cause;
}

/* Whether the capture could have shown the flow a missing pair lacks: a
 * client host seen opening connections of its own, or a server host seen
 * receiving. Otherwise "missing" would blame the network for what the
 * mirror never carried. */
static bool could_have_seen(const struct verdict *v, const struct rule_host *p)
{
	uint8_t seen = host_visibility_of(v->hosts, p->ip_version, &p->host);
	return p->judged_on_client ? seen & HOST_OPENED : seen & HOST_RECEIVED;
}

/* Failed attempts the capture proves (an RST or ICMP came back, the client
 * asked again), or whose client's receive direction the capture carries
 * (answers to its other connections were captured): then the missing
 * answer is the network's. Otherwise inconclusive. */
static bool failure_shown(const struct verdict *v, const struct finding *f)
{
	for (unsigned i = 0; i < f->nfailures; i++) {
		const struct attempt_failure *t = &f->failures[i];
		if (t->proven ||
		    host_visibility_of(v->hosts, t->client_version, &t->client) &
		    HOST_GOT_ANSWERS)
			return true;
	}
	return false;
}

static bool pair_finding(const struct verdict *v, const struct rule_host *p,
			 struct finding *f, struct attempt_failure *failures)
{
	const struct rule *rule = ruleset_rule(v->rs, p->rule);
	const struct evidence *e = &p->ev;

	memset(f, 0, sizeof(*f));
	f->rule = rule;
	if (e->attempts == 0 && p->unconfirmed.flows) {
		/* Only flows to hosts of unknown name: maybe the documented
		 * host, maybe not. */
		copy_counts(f, &p->unconfirmed);
		example_endpoints(v->rs, f, &p->unconfirmed);
		first_evidence_service(rule, f);
		f->proto = p->unconfirmed.proto;
		f->port = p->unconfirmed.port;
		f->kind = FINDING_INCONCLUSIVE;
		f->cause = CAUSE_NAME_NOT_SEEN;
		expected_side(v->rs, rule->to_role, &f->server);
		f->server.host[0] = '\0';  /* no name was seen: that is the point */
		return true;
	}
	if (e->attempts == 0) {
		if (!p->concrete || rule->need != NEED_REQUIRED)
			return false;
		missing_finding(v, p, f);
		if (!could_have_seen(v, p)) {
			f->kind = FINDING_INCONCLUSIVE;
			f->cause = CAUSE_HOST_NOT_SEEN;
		}
		return true;
	}
	copy_counts(f, e);
	example_endpoints(v->rs, f, e);
	f->service = e->service;
	if (e->successes) {
		f->kind = FINDING_OBSERVED;
		f->cause = CAUSE_SUCCEEDED;
		return true;
	}
	f->kind = FINDING_BLOCKED;
	blocked_failures(p, f, failures);
	if (!failure_shown(v, f)) {
		f->kind = FINDING_INCONCLUSIVE;
		f->cause = CAUSE_REPLY_NOT_VISIBLE;
	}
	return true;
}

static void unexpected_finding(const struct ruleset *rs, const struct unexpected *u,
			       struct finding *f)
{
	memset(f, 0, sizeof(*f));
	f->kind = FINDING_UNEXPECTED;
	f->cause = u->why.cause;
	f->why = u->why;
	copy_counts(f, &u->ev);
	example_endpoints(rs, f, &u->ev);
	f->client.has_port = false;
}

const char *health_note_name(enum health_note_code c)
{
	switch (c) {
	case HEALTH_ONE_SIDED_CAPTURE: return "one-sided-capture";
	case HEALTH_ONE_SIDED_HOST: return "one-sided-host";
	case HEALTH_HOST_NOT_RECEIVING: return "host-not-receiving";
	case HEALTH_HOSTS_UNTRACKED: return "hosts-untracked";
	}
	return "?";
}

static void add_note(struct capture_health *h, enum health_note_code code,
		     const struct cidr *host, uint64_t flows, uint64_t one_sided)
{
	if (h->nnotes == HEALTH_MAX_NOTES)
		return;
	struct health_note *n = &h->notes[h->nnotes++];
	memset(n, 0, sizeof(*n));
	n->code = code;
	if (host) {
		n->ip_version = host->ip_version;
		n->host = host->addr;
	}
	n->flows = flows;
	n->one_sided = one_sided;
}

static bool host_noted(const struct capture_health *h, const struct cidr *c)
{
	for (unsigned i = 0; i < h->nnotes; i++)
		if (h->notes[i].ip_version == c->ip_version &&
		    memcmp(&h->notes[i].host, &c->addr, sizeof(c->addr)) == 0)
			return true;
	return false;
}

/* One audited host: most of its TCP flows one-sided, or seen sending and
 * never receiving. A few flows say nothing about the mirror. */
#define HEALTH_MIN_FLOWS 4
static void host_notes(const struct verdict *v, const struct cidr *c,
		       struct capture_health *h)
{
	uint32_t flows, one_sided;
	uint8_t seen = host_visibility_of(v->hosts, c->ip_version, &c->addr);

	if (host_noted(h, c))
		return;
	host_visibility_tcp(v->hosts, c->ip_version, &c->addr, &flows, &one_sided);
	if (flows >= HEALTH_MIN_FLOWS && one_sided * 2 >= flows)
		add_note(h, HEALTH_ONE_SIDED_HOST, c, flows, one_sided);
	else if ((seen & (HOST_OPENED | HOST_ANSWERED)) && !(seen & HOST_RECEIVED))
		add_note(h, HEALTH_HOST_NOT_RECEIVING, c, flows, one_sided);
}

static void capture_health(const struct verdict *v, struct capture_health *h)
{
	*h = v->health;
	h->nnotes = 0;
	if (h->tcp_flows >= HEALTH_MIN_FLOWS && h->one_sided_flows * 2 >= h->tcp_flows)
		add_note(h, HEALTH_ONE_SIDED_CAPTURE, NULL, h->tcp_flows, h->one_sided_flows);
	role_mask audited = ruleset_audited_roles(v->rs);
	for (unsigned r = 0; r < ruleset_role_count(v->rs); r++) {
		const struct cidr *hosts;
		if (!(audited & role_bit(r)))
			continue;
		unsigned n = ruleset_role_hosts(v->rs, r, &hosts);
		for (unsigned i = 0; i < n; i++)
			host_notes(v, &hosts[i], h);
	}
	uint64_t untracked = host_visibility_untracked(v->hosts);
	if (untracked)
		add_note(h, HEALTH_HOSTS_UNTRACKED, NULL, untracked, 0);
}

static unsigned rule_index(const struct ruleset *rs, const struct rule *r)
{
	for (unsigned i = 0; r && i < ruleset_rule_count(rs); i++)
		if (ruleset_rule(rs, i) == r)
			return i;
	return UINT32_MAX;
}

static int cmp_side(const struct finding_endpoint *a, const struct finding_endpoint *b)
{
	if (a->has_ip != b->has_ip)
		return a->has_ip ? 1 : -1;
	return ip_addr_compare(a->ip_version, &a->ip, b->ip_version, &b->ip);
}

static int cmp_finding(const void *pa, const void *pb, void *rules)
{
	const struct finding *a = pa, *b = pb;
	const struct ruleset *rs = rules;
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	unsigned ra = rule_index(rs, a->rule), rb = rule_index(rs, b->rule);
	if (ra != rb)
		return ra < rb ? -1 : 1;
	if ((c = cmp_side(&a->client, &b->client)) || (c = cmp_side(&a->server, &b->server)))
		return c;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return a->cause < b->cause ? -1 : a->cause > b->cause;
}

/* How many failure tallies the blocked pairs hold. */
static size_t blocked_failure_count(const struct verdict *v)
{
	size_t n = 0;
	for (unsigned i = 0; i < v->npairs; i++) {
		const struct rule_host *p = &v->pairs[i];
		if (p->ev.attempts == 0 || p->ev.successes)
			continue;
		for (int k = 0; k < FAIL_KIND_COUNT; k++)
			n += p->out.failures[k].flows != 0;
	}
	return n;
}

bool verdict_findings(const struct verdict *v, struct findings *out)
{
	size_t used = 0;

	memset(out, 0, sizeof(*out));
	out->items = calloc((size_t)v->npairs + v->nunexp + 1, sizeof(*out->items));
	out->failures = calloc(blocked_failure_count(v) + 1, sizeof(*out->failures));
	if (!out->items || !out->failures || !exception_uses(v, out)) {
		findings_free(out);
		return false;
	}
	for (unsigned i = 0; i < v->npairs; i++) {
		struct finding *f = &out->items[out->n];
		if (!pair_finding(v, &v->pairs[i], f, out->failures + used))
			continue;
		used += f->nfailures;
		out->n++;
	}
	for (unsigned i = 0; i < v->nunexp; i++)
		unexpected_finding(v->rs, &v->unexp[i], &out->items[out->n++]);
	qsort_r(out->items, out->n, sizeof(*out->items), cmp_finding,
		(void *)v->rs);
	out->summary = v->summary;
	capture_health(v, &out->health);
	for (unsigned i = 0; i < out->n; i++)
		out->summary.count[out->items[i].kind]++;
	return true;
}
