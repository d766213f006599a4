/* findings.c - the engine's pairs and conversations as sorted findings
 * (see findings.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "common/array.h"
#include "common/huge_pages.h"

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
	/* A host the site named has several addresses: none showed it. */
	const struct site_host *h = p->host_id >= 0 ? ruleset_host(v->rs, (unsigned)p->host_id)
						    : NULL;
	if (h && h->named) {
		judged->addresses = h->addrs;
		judged->naddresses = h->naddrs;
	}
	expected_side(v->rs, other, absent);
	if (!p->judged_on_client) {
		f->server.has_port = true;
		f->server.port = f->port;
	}
}

/* A blocked pair's (or unit's) failures, in cause order, copied to the
 * findings' own array. A reset after the client's data is a TLS reset when
 * the example flow carried TLS. */
static void blocked_failures(const struct outcomes *out, const char *app,
			     struct finding *f, struct attempt_failure *dst)
{
	f->failures = dst;
	for (int k = 0; k < FAIL_KIND_COUNT; k++) {
		const struct attempt_failure *t = &out->failures[k];
		if (!t->flows)
			continue;
		struct attempt_failure *d = &dst[f->nfailures++];
		*d = *t;
		if (k == FAIL_RESET_AFTER_DATA)
			d->cause = strstr(app, "TLS") ? CAUSE_TLS_RESET :
				   CAUSE_RESET_AFTER_DATA;
	}
	f->cause = f->nfailures ? f->failures[0].cause : CAUSE_NO_REPLY_SEEN;
}

/* What the capture showed of a host: of every address of it, when the
 * site groups several. */
static uint8_t host_seen(const struct verdict *v, uint8_t version, const struct ip_addr *a)
{
	int id = ruleset_host_of(v->rs, version, a);
	const struct site_host *h = id >= 0 ? ruleset_host(v->rs, (unsigned)id) : NULL;
	uint8_t seen = 0;

	if (!h || h->naddrs < 2)
		return host_visibility_of(v->hosts, version, a);
	for (unsigned i = 0; i < h->naddrs; i++)
		seen |= host_visibility_of(v->hosts, h->addrs[i].ip_version, &h->addrs[i].addr);
	return seen;
}

/* Whether the capture could have shown the flow a missing pair lacks: a
 * client host seen opening connections of its own, or a server host seen
 * receiving (on any of its addresses). Otherwise "missing" would blame the
 * network for what the mirror never carried. */
static bool could_have_seen(const struct verdict *v, const struct rule_host *p)
{
	uint8_t seen = host_seen(v, p->ip_version, &p->host);
	return p->judged_on_client ? seen & HOST_OPENED : seen & HOST_RECEIVED;
}

/* Failed attempts the capture proves (an RST or ICMP came back, the client
 * asked again), or whose client's receive direction the capture carries
 * (answers to its other connections were captured, on any address of the
 * host): then the missing answer is the network's. Otherwise
 * inconclusive. */
static bool failure_shown(const struct verdict *v, const struct finding *f)
{
	for (unsigned i = 0; i < f->nfailures; i++) {
		const struct attempt_failure *t = &f->failures[i];
		if (t->proven || host_seen(v, t->client_version, &t->client) & HOST_GOT_ANSWERS)
			return true;
	}
	return false;
}

/* A pair (or one unit of it) that had attempts: observed, blocked, or
 * inconclusive when the capture cannot show the failure. */
static void attempts_finding(const struct verdict *v, const struct evidence *e,
			     const struct outcomes *out, struct finding *f,
			     struct attempt_failure *failures)
{
	copy_counts(f, e);
	example_endpoints(v->rs, f, e);
	f->service = e->service;
	if (e->successes) {
		f->kind = FINDING_OBSERVED;
		f->cause = CAUSE_SUCCEEDED;
		return;
	}
	f->kind = FINDING_BLOCKED;
	blocked_failures(out, e->app, f, failures);
	if (!failure_shown(v, f)) {
		f->kind = FINDING_INCONCLUSIVE;
		f->cause = CAUSE_REPLY_NOT_VISIBLE;
	}
}

static void missing_or_unseen(const struct verdict *v, const struct rule_host *p,
			      struct finding *f)
{
	missing_finding(v, p, f);
	if (!could_have_seen(v, p)) {
		f->kind = FINDING_INCONCLUSIVE;
		f->cause = CAUSE_HOST_NOT_SEEN;
	}
}

/* A missing unit is missing on its own port. */
static void unit_port(const struct rule *rule, unsigned u, struct finding *f)
{
	const struct rule_service *s;
	struct port_range range;

	if (!rule_unit(rule, u, &s, &range))
		return;
	f->service = s;
	f->proto = s->proto;
	f->port = range.lo;
	if (f->server.has_port)
		f->server.port = range.lo;
}

/* A pair of a rule that needs each service: observed when every unit that
 * must work had a success; else a finding for each unit that did not:
 * blocked (or inconclusive) on that unit, or missing on its port. */
static unsigned unit_findings(const struct verdict *v, const struct rule_host *p,
			      struct finding *f, struct attempt_failure *failures)
{
	const struct rule *rule = ruleset_rule(v->rs, p->rule);
	uint32_t met = 0;
	unsigned n = 0;

	for (unsigned u = 0; u < p->nunits; u++)
		if (p->units[u].ev.successes)
			met |= (uint32_t)1 << u;
	for (unsigned u = 0; u < p->nunits; u++) {
		const struct unit_state *s = &p->units[u];
		struct finding *x = &f[n];
		if (s->ev.successes)
			continue;
		if (!s->ev.attempts && (!p->concrete || rule->need != NEED_REQUIRED))
			continue;  /* only a required unit of a site host is missing */
		memset(x, 0, sizeof(*x));
		x->rule = rule;
		if (s->ev.attempts) {
			attempts_finding(v, &s->ev, &s->out, x, failures);
			failures += x->nfailures;
		} else {
			missing_or_unseen(v, p, x);
			unit_port(rule, u, x);
		}
		x->has_unit = true;
		x->unit = u;
		n++;
	}
	if (n == 0) {
		memset(f, 0, sizeof(*f));
		f->rule = rule;
		attempts_finding(v, &p->ev, &p->out, f, failures);
		n = 1;
	}
	for (unsigned i = 0; i < n; i++) {
		f[i].each = true;
		f[i].each_met = met;
	}
	return n;
}

/* The findings of one pair, written to f: none (an optional rule never
 * attempted), one, or for a rule that needs each service one per unit
 * that did not work. */
static unsigned pair_findings(const struct verdict *v, const struct rule_host *p,
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
		return 1;
	}
	if (e->attempts == 0) {
		if (!p->concrete || rule->need != NEED_REQUIRED)
			return 0;
		missing_or_unseen(v, p, f);
		return 1;
	}
	if (p->nunits)
		return unit_findings(v, p, f, failures);
	attempts_finding(v, e, &p->out, f, failures);
	return 1;
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

/* One audited host (all its addresses): most of its TCP flows one-sided,
 * or seen sending and never receiving. A few flows say nothing about the
 * mirror. */
#define HEALTH_MIN_FLOWS 4
static void host_notes(const struct verdict *v, const struct site_host *host,
		       struct capture_health *h)
{
	uint64_t flows = 0, one_sided = 0;
	uint8_t seen = 0;
	unsigned before = h->nnotes;

	if (host_noted(h, &host->addrs[0]))
		return;
	for (unsigned i = 0; i < host->naddrs; i++) {
		const struct cidr *c = &host->addrs[i];
		uint32_t f, o;
		host_visibility_tcp(v->hosts, c->ip_version, &c->addr, &f, &o);
		flows += f;
		one_sided += o;
		seen |= host_visibility_of(v->hosts, c->ip_version, &c->addr);
	}
	if (flows >= HEALTH_MIN_FLOWS && one_sided * 2 >= flows)
		add_note(h, HEALTH_ONE_SIDED_HOST, &host->addrs[0], flows, one_sided);
	else if ((seen & (HOST_OPENED | HOST_ANSWERED)) && !(seen & HOST_RECEIVED))
		add_note(h, HEALTH_HOST_NOT_RECEIVING, &host->addrs[0], flows, one_sided);
	if (h->nnotes > before && host->named)
		h->notes[before].host_name = host->name;
}

static void capture_health(const struct verdict *v, struct capture_health *h)
{
	*h = v->health;
	h->nnotes = 0;
	/* Attempts nobody answered are one-sided whatever the mirror does:
	 * the note weighs the other flows. */
	uint64_t flows = h->tcp_flows - h->unanswered_attempts;
	uint64_t one_sided = h->one_sided_flows - h->unanswered_attempts;
	if (flows >= HEALTH_MIN_FLOWS && one_sided * 2 >= flows)
		add_note(h, HEALTH_ONE_SIDED_CAPTURE, NULL, flows, one_sided);
	role_mask audited = ruleset_audited_roles(v->rs);
	for (unsigned r = 0; r < ruleset_role_count(v->rs); r++) {
		const unsigned *ids;
		if (!(audited & role_bit(r)))
			continue;
		unsigned n = ruleset_role_host_ids(v->rs, r, &ids);
		for (unsigned i = 0; i < n; i++)
			host_notes(v, ruleset_host(v->rs, ids[i]), h);
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

/* How many failure tallies the pairs and their units hold (at most what
 * their findings copy). */
static size_t failure_count(const struct verdict *v)
{
	size_t n = 0;
	for (unsigned i = 0; i < v->npairs; i++) {
		const struct rule_host *p = &v->pairs[i];
		for (int k = 0; k < FAIL_KIND_COUNT; k++) {
			n += p->out.failures[k].flows != 0;
			for (unsigned u = 0; u < p->nunits; u++)
				n += p->units[u].out.failures[k].flows != 0;
		}
	}
	return n;
}

/* The site's name for an endpoint's host, when it grouped the host's
 * addresses under one. */
static void name_host(const struct ruleset *rs, struct finding_endpoint *e)
{
	if (!e->has_ip)
		return;
	int id = ruleset_host_of(rs, e->ip_version, &e->ip);
	const struct site_host *h = id >= 0 ? ruleset_host(rs, (unsigned)id) : NULL;
	if (h && h->named)
		e->host_name = h->name;
}

bool verdict_findings(const struct verdict *v, struct findings *out)
{
	size_t used = 0, room = (size_t)v->npairs + v->nunexp + 1;

	for (unsigned i = 0; i < v->npairs; i++)
		room += v->pairs[i].nunits;
	memset(out, 0, sizeof(*out));
	out->items = calloc(room, sizeof(*out->items));
	huge_pages_advise(out->items, room * sizeof(*out->items));
	out->failures = calloc(failure_count(v) + 1, sizeof(*out->failures));
	if (!out->items || !out->failures || !exception_uses(v, out)) {
		findings_free(out);
		return false;
	}
	for (unsigned i = 0; i < v->npairs; i++) {
		struct finding *f = &out->items[out->n];
		unsigned n = pair_findings(v, &v->pairs[i], f, out->failures + used);
		for (unsigned k = 0; k < n; k++)
			used += f[k].nfailures;
		out->n += n;
	}
	for (unsigned i = 0; i < v->nunexp; i++)
		unexpected_finding(v->rs, &v->unexp[i], &out->items[out->n++]);
	for (unsigned i = 0; i < out->n; i++) {
		name_host(v->rs, &out->items[i].client);
		name_host(v->rs, &out->items[i].server);
	}
	qsort_r(out->items, out->n, sizeof(*out->items), cmp_finding,
		(void *)v->rs);
	out->summary = v->summary;
	out->summary.applicable_rules = 0;
	for (unsigned i = 0; i < ruleset_rule_count(v->rs); i++)
		if (ruleset_rule(v->rs, i)->applicable)
			out->summary.applicable_rules++;
	capture_health(v, &out->health);
	for (unsigned i = 0; i < out->n; i++)
		out->summary.count[out->items[i].kind]++;
	return true;
}
