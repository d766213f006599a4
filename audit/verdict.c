/* verdict.c - the verdict engine (see verdict.h): rule-host pairs and
 * unexpected conversations, and the one way a flow goes through them: it
 * is judged (pure), then recorded as evidence. */
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "classify/geoip.h"
#include "common/hash_key.h"
#include "common/huge_pages.h"

/* Unexpected conversations itemized before they are only counted. */
#define MAX_UNEXPECTED 10000
/* Rule-host pairs for hosts that are not concrete site hosts (a role bound
 * to a network): itemized up to this many, then counted like unexpected. */
#define MAX_DYNAMIC_PAIRS 4096
/* Units of rules that need each service, kept for those pairs. */
#define MAX_DYNAMIC_UNITS 4096

#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_REFUSED 5

/* Open-addressing indexes (entry + 1, 0 empty) keep lookups constant-time
 * however many pairs and conversations a busy capture brings. */
#define PAIR_SLOTS 32768u
#define UNEXPECTED_SLOTS 32768u

/* Roles bound to a catch-all network (0.0.0.0/0, ::/0): they hold every
 * address, so they say nothing about a host. */
static role_mask catch_all_roles(const struct ruleset *rs)
{
	role_mask m = 0;
	for (unsigned i = 0; i < ruleset_role_count(rs); i++) {
		const struct cidr *nets;
		unsigned n = ruleset_role_nets(rs, i, &nets);
		for (unsigned j = 0; j < n; j++)
			if (nets[j].prefix == 0)
				m |= role_bit(i);
	}
	return m;
}

/* ---- rule-host pairs ---- */

/* A pair of a concrete host is keyed by the host, so that each of its
 * addresses counts for it; any other by its one address. */
static uint32_t pair_hash(unsigned rule, int host_id, uint8_t version,
			  const struct ip_addr *host)
{
	uint8_t m[sizeof(rule) + sizeof(host_id) + 1 + sizeof(*host)];
	size_t n = 0;

	memcpy(m + n, &rule, sizeof(rule));
	n += sizeof(rule);
	memcpy(m + n, &host_id, sizeof(host_id));
	n += sizeof(host_id);
	if (host_id < 0) {
		/* An address from traffic: keyed, so no sender can line up
		 * thousands of them in one probe run. */
		m[n++] = version;
		memcpy(m + n, host, sizeof(*host));
		n += sizeof(*host);
	}
	return (uint32_t)siphash13(hash_key(), m, n);
}

static bool pair_is(const struct rule_host *p, unsigned rule, int host_id,
		    uint8_t version, const struct ip_addr *host)
{
	if (p->rule != rule || p->host_id != host_id)
		return false;
	return host_id >= 0 ||
	       (p->ip_version == version && memcmp(&p->host, host, sizeof(*host)) == 0);
}

/* A rule that needs each service keeps each unit's evidence apart. Pairs
 * of hosts the site does not name hold at most MAX_DYNAMIC_UNITS units
 * between them, so memory stays bounded by the site; past that (or
 * without memory) a pair is judged as any-of, which can only be kinder. */
static void add_units(struct verdict *v, struct rule_host *p, const struct rule *rule)
{
	unsigned n = rule->each ? rule_unit_count(rule) : 0;

	if (n < 2 || n > RULE_MAX_UNITS ||
	    (!p->concrete && v->dynamic_units + n > MAX_DYNAMIC_UNITS))
		return;
	p->units = calloc(n, sizeof(*p->units));
	p->nunits = p->units ? n : 0;
	if (!p->concrete)
		v->dynamic_units += p->nunits;
}

static struct rule_host *add_pair(struct verdict *v, unsigned rule, int host_id,
				  uint8_t version, const struct ip_addr *host,
				  bool concrete)
{
	if (v->npairs == v->ncap) {
		unsigned n = v->ncap ? v->ncap * 2 : 64;
		struct rule_host *p = realloc(v->pairs, n * sizeof(*p));
		if (!p)
			return NULL;
		v->pairs = p;
		v->ncap = n;
	}
	struct rule_host *p = &v->pairs[v->npairs++];
	memset(p, 0, sizeof(*p));
	p->rule = rule;
	p->judged_on_client = judged_on_client(v->rs, ruleset_rule(v->rs, rule));
	p->concrete = concrete;
	p->host_id = host_id;
	p->ip_version = version;
	p->host = *host;
	add_units(v, p, ruleset_rule(v->rs, rule));
	uint32_t i = pair_hash(rule, host_id, version, host) & (PAIR_SLOTS - 1);
	while (v->pair_index[i])
		i = (i + 1) & (PAIR_SLOTS - 1);
	v->pair_index[i] = v->npairs;
	return p;
}

/* The site's single-address bindings are remembered by the visibility
 * table before any traffic arrives. */
static void reserve_site_hosts(struct verdict *v)
{
	for (unsigned i = 0; i < ruleset_role_count(v->rs); i++) {
		const struct cidr *nets;
		unsigned n = ruleset_role_nets(v->rs, i, &nets);
		for (unsigned j = 0; j < n; j++)
			if (nets[j].prefix == (nets[j].ip_version == 4 ? 32 : 128))
				host_visibility_reserve(v->hosts, nets[j].ip_version,
							&nets[j].addr);
	}
}

/* Every applicable rule gets a pair for each concrete host it is judged on,
 * so a required flow that never appears is still reported (missing). */
static void add_concrete_pairs(struct verdict *v)
{
	for (unsigned i = 0; i < ruleset_rule_count(v->rs); i++) {
		const struct rule *r = ruleset_rule(v->rs, i);
		if (!r->applicable)
			continue;
		unsigned role = judged_on_client(v->rs, r) ? r->from_role : r->to_role;
		const unsigned *ids;
		unsigned n = ruleset_role_host_ids(v->rs, role, &ids);
		for (unsigned h = 0; h < n && v->npairs < PAIR_SLOTS / 2; h++) {
			const struct cidr *first = &ruleset_host(v->rs, ids[h])->addrs[0];
			add_pair(v, i, (int)ids[h], first->ip_version, &first->addr, true);
		}
	}
	v->nconcrete = v->npairs;
}

/* The pair of a rule and host, added when there is room. */
struct rule_host *pair_of(struct verdict *v, unsigned rule, int host_id,
				 uint8_t version, const struct ip_addr *host)
{
	for (uint32_t i = pair_hash(rule, host_id, version, host) & (PAIR_SLOTS - 1);
	     v->pair_index[i]; i = (i + 1) & (PAIR_SLOTS - 1)) {
		struct rule_host *p = &v->pairs[v->pair_index[i] - 1];
		if (pair_is(p, rule, host_id, version, host))
			return p;
	}
	/* The index stays at most half full. */
	if (v->npairs - v->nconcrete >= MAX_DYNAMIC_PAIRS ||
	    v->npairs >= PAIR_SLOTS / 2)
		return NULL;
	return add_pair(v, rule, host_id, version, host, false);
}

static struct rule_host *find_pair(struct verdict *v, unsigned rule,
				   uint8_t version, const struct ip_addr *host)
{
	return pair_of(v, rule, ruleset_host_of(v->rs, version, host), version, host);
}

static void free_units(struct verdict *v)
{
	for (unsigned i = 0; i < v->npairs; i++) {
		free(v->pairs[i].units);
		v->pairs[i].units = NULL;
		v->pairs[i].nunits = 0;
	}
	v->dynamic_units = 0;
}

struct verdict *verdict_new(const struct ruleset *rs)
{
	struct verdict *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->rs = rs;
	v->audited = ruleset_audited_roles(rs);
	v->peers = ruleset_peer_roles(rs);
	v->catch_all = catch_all_roles(rs);
	v->pair_index = calloc(PAIR_SLOTS, sizeof(*v->pair_index));
	v->unexp_index = calloc(UNEXPECTED_SLOTS, sizeof(*v->unexp_index));
	v->exceptions = calloc(ruleset_allow_count(rs) + 1, sizeof(*v->exceptions));
	v->hosts = host_visibility_new();
	if (!v->pair_index || !v->unexp_index || !v->exceptions || !v->hosts) {
		verdict_free(v);
		return NULL;
	}
	add_concrete_pairs(v);
	reserve_site_hosts(v);
	return v;
}

void verdict_free(struct verdict *v)
{
	if (!v)
		return;
	free_units(v);
	free(v->pairs);
	free(v->unexp);
	free(v->pair_index);
	free(v->unexp_index);
	free(v->exceptions);
	host_visibility_free(v->hosts);
	free(v);
}

void verdict_reset(struct verdict *v)
{
	free_units(v);
	v->npairs = 0;
	v->nunexp = 0;
	memset(v->pair_index, 0, PAIR_SLOTS * sizeof(*v->pair_index));
	memset(v->unexp_index, 0, UNEXPECTED_SLOTS * sizeof(*v->unexp_index));
	memset(&v->summary, 0, sizeof(v->summary));
	memset(v->exceptions, 0, ruleset_allow_count(v->rs) * sizeof(*v->exceptions));
	v->latest_us = 0;
	host_visibility_reset(v->hosts);
	memset(&v->health, 0, sizeof(v->health));
	add_concrete_pairs(v);
	reserve_site_hosts(v);
}

/* ---- unexpected conversations: (client, server, proto, port, cause) ---- */

/* Keyed like pair_hash: client, server and port are the sender's choice. */
static uint32_t conversation_slot(enum finding_cause cause, const struct ip_addr *client,
				  const struct ip_addr *server, uint16_t port,
				  uint8_t proto)
{
	uint8_t m[sizeof(cause) + 2 * sizeof(*client) + sizeof(port) + 1];
	size_t n = 0;

	memcpy(m + n, &cause, sizeof(cause));
	n += sizeof(cause);
	memcpy(m + n, client, sizeof(*client));
	n += sizeof(*client);
	memcpy(m + n, server, sizeof(*server));
	n += sizeof(*server);
	memcpy(m + n, &port, sizeof(port));
	n += sizeof(port);
	m[n++] = proto;
	return (uint32_t)siphash13(hash_key(), m, n) & (UNEXPECTED_SLOTS - 1);
}

/* A conversation as its key: what an unexpected entry and a flow share. */
struct conversation {
	enum finding_cause cause;
	uint8_t ip_version, proto;
	struct ip_addr client, server;
	uint16_t port;
};

static bool same_conversation(const struct unexpected *u, const struct conversation *k)
{
	return u->why.cause == k->cause && u->proto == k->proto &&
	       u->port == k->port && u->ip_version == k->ip_version &&
	       memcmp(&u->client, &k->client, sizeof(u->client)) == 0 &&
	       memcmp(&u->server, &k->server, sizeof(u->server)) == 0;
}

static struct unexpected *new_unexpected(struct verdict *v, const struct conversation *k,
					 const struct unexpected_cause *why)
{
	if (v->nunexp >= MAX_UNEXPECTED)
		return NULL;
	if (v->nunexp == v->unexp_cap) {
		unsigned n = v->unexp_cap ? v->unexp_cap * 2 : 64;
		if (n > MAX_UNEXPECTED)
			n = MAX_UNEXPECTED;
		struct unexpected *p = realloc(v->unexp, n * sizeof(*p));
		if (!p)
			return NULL;
		huge_pages_advise(p, n * sizeof(*p));
		v->unexp = p;
		v->unexp_cap = n;
	}
	struct unexpected *u = &v->unexp[v->nunexp++];
	memset(u, 0, sizeof(*u));
	u->ip_version = k->ip_version;
	u->proto = k->proto;
	u->client = k->client;
	u->server = k->server;
	u->port = k->port;
	u->why = *why;
	return u;
}

static struct unexpected *conversation_entry(struct verdict *v,
					     const struct conversation *k,
					     const struct unexpected_cause *why)
{
	uint32_t slot = conversation_slot(k->cause, &k->client, &k->server, k->port, k->proto);

	for (; v->unexp_index[slot]; slot = (slot + 1) & (UNEXPECTED_SLOTS - 1)) {
		struct unexpected *u = &v->unexp[v->unexp_index[slot] - 1];
		if (same_conversation(u, k))
			return u;
	}
	struct unexpected *u = new_unexpected(v, k, why);
	if (u)
		v->unexp_index[slot] = v->nunexp;
	return u;
}

static struct unexpected *unexpected_entry(struct verdict *v,
					   const struct flow_record *r,
					   const struct unexpected_cause *why)
{
	struct conversation k = {
		.cause = why->cause, .ip_version = r->ip_version, .proto = r->proto,
		.client = r->orig_h, .server = r->resp_h, .port = r->resp_p,
	};
	return conversation_entry(v, &k, why);
}

/* ---- judging a flow (reads the engine, changes nothing) ---- */

struct judgement {
	enum flow_judgement_kind kind;
	unsigned allow;                   /* JUDGED_ALLOWED_BY_SITE: the entry */
	int allow_expired;                /* an entry past its date, or -1 */
	bool broadcast, peer_only;        /* why a flow is out of scope */
	role_mask client, server;
	struct match matches[MAX_MATCHES];
	unsigned nmatches;
	struct outcome outcome;           /* the flow as an attempt */
	const struct rule *name_rule;     /* JUDGED_NAME_UNCONFIRMED */
	struct unexpected_cause why;      /* JUDGED_UNEXPECTED */
};

static void judge(const struct verdict *v, const struct flow_record *r,
		  const struct flow_class *c, struct judgement *jd)
{
	struct match app_bad;

	jd->nmatches = 0;
	jd->name_rule = NULL;
	jd->allow_expired = -1;
	jd->broadcast = jd->peer_only = false;
	if (r->is_icmp_error) {
		jd->kind = JUDGED_ICMP_ERROR;
		return;
	}
	jd->client = ruleset_roles_of_addr(v->rs, r->ip_version, &r->orig_h);
	jd->server = ruleset_roles_of_addr(v->rs, r->ip_version, &r->resp_h);
	if (c->server_name[0])
		jd->server |= ruleset_roles_of_name(v->rs, c->server_name);
	if (!((jd->client | jd->server) & v->audited)) {
		jd->kind = JUDGED_OUT_OF_SCOPE;
		jd->peer_only = ((jd->client | jd->server) & v->peers) != 0;
		return;
	}
	if (is_peerless(v->rs, r)) {
		jd->kind = JUDGED_OUT_OF_SCOPE;
		jd->broadcast = true;
		return;
	}
	attempt_outcome(r, c, &jd->outcome);
	jd->nmatches = match_rules(v->rs, jd->client, jd->server, r, c, true,
				   jd->matches, &app_bad);
	if (jd->nmatches) {
		jd->kind = jd->outcome.ok ? JUDGED_ALLOWED : JUDGED_FAILED_ATTEMPT;
	} else if (!app_bad.service && site_allows(v->rs, r, jd->client, jd->server,
						   &jd->allow, &jd->allow_expired)) {
		jd->kind = JUDGED_ALLOWED_BY_SITE;
	} else if (!app_bad.service && !c->server_name[0] &&
		   !(jd->server & ~v->catch_all) &&
		   !address_scope(r->ip_version, &r->resp_h) &&
		   (jd->name_rule = name_bound_rule(v->rs, jd->client, r))) {
		jd->kind = JUDGED_NAME_UNCONFIRMED;
	} else {
		jd->kind = JUDGED_UNEXPECTED;
		unexpected_cause(v->rs, v->audited, r, c, jd->client, jd->server,
				 &app_bad, &jd->why);
	}
}

/* The judgement as callers see it. */
static void publish(const struct verdict *v, const struct flow_record *r,
		    const struct flow_class *c, const struct judgement *jd,
		    struct flow_judgement *j)
{
	memset(j, 0, sizeof(*j));
	j->kind = jd->kind;
	if (jd->nmatches)
		j->rule = ruleset_rule(v->rs, jd->matches[0].rule);
	else if (jd->name_rule)
		j->rule = jd->name_rule;
	if (jd->kind == JUDGED_FAILED_ATTEMPT)
		flow_attempt_outcome(r, c, &j->failure);
	else if (jd->kind == JUDGED_UNEXPECTED)
		j->why = jd->why;
}

/* ---- recording a judged flow as evidence ---- */

/* One attempt into a pair's (or a unit's) evidence and tallies. */
static void count_attempt(struct evidence *e, struct outcomes *out,
			  const struct flow_record *r, const struct flow_class *c,
			  const struct judgement *jd, const struct match *m)
{
	evidence_count(e, r);
	e->attempts++;
	/* The service shown is the example's. */
	if (evidence_example(e, r, c, jd->client, jd->server, jd->outcome.ok))
		e->service = m->service;
	if (jd->outcome.ok) {
		e->successes++;
		e->one_sided += jd->outcome.one_sided;
	} else {
		tally_failure(&out->failures[jd->outcome.kind], &jd->outcome, r, c, false);
	}
}

static void record_attempt(struct verdict *v, const struct flow_record *r,
			   const struct flow_class *c, const struct judgement *jd,
			   const struct match *m)
{
	const struct rule *rule = ruleset_rule(v->rs, m->rule);

	/* Ports a rule only tolerates are not evidence of its requirement. */
	if (rule->need != NEED_ALLOWED && !m->service->evidence)
		return;
	bool on_client = judged_on_client(v->rs, rule);
	struct rule_host *p = find_pair(v, m->rule, r->ip_version,
					on_client ? &r->orig_h : &r->resp_h);
	if (!p)
		return;
	count_attempt(&p->ev, &p->out, r, c, jd, m);
	int u = p->nunits ? rule_unit_of(rule, m->service, r->resp_p) : -1;
	if (u >= 0 && (unsigned)u < p->nunits)
		count_attempt(&p->units[u].ev, &p->units[u].out, r, c, jd, m);
}

static void dns_attempt(struct evidence *e, struct outcomes *out,
			const struct flow_record *r, const struct flow_class *c,
			role_mask client, role_mask named)
{
	const struct dns_outcome *d = &c->dns;

	evidence_count(e, r);
	e->attempts++;
	tally_dns_failure(&out->failures[FAIL_DNS], r, d);
	if (evidence_example(e, r, c, client, named, false)) {
		/* The example names the lookup: no server was reached. */
		e->service = NULL;
		memset(&e->server, 0, sizeof(e->server));
		e->port = 0;
		e->proto = 0;
		snprintf(e->host, sizeof(e->host), "%s", d->query);
		e->host_source = NAME_DNS;
	}
}

/* A refused or NXDOMAIN lookup of a name the site binds to a role is a
 * failed attempt of every rule from the client's roles to that role. */
static void record_dns_failure(struct verdict *v, const struct flow_record *r,
			       const struct flow_class *c, role_mask client)
{
	const struct dns_outcome *d = &c->dns;

	if (!d->is_dns || !d->query[0] ||
	    (d->rcode != DNS_RCODE_NXDOMAIN && d->rcode != DNS_RCODE_REFUSED))
		return;
	role_mask named = ruleset_roles_of_name(v->rs, d->query);
	if (!named)
		return;
	for (unsigned i = 0; i < ruleset_rule_count(v->rs); i++) {
		const struct rule *rule = ruleset_rule(v->rs, i);
		if (!rule->applicable || !(client & role_bit(rule->from_role)) ||
		    !(named & role_bit(rule->to_role)) || !judged_on_client(v->rs, rule))
			continue;
		struct rule_host *p = find_pair(v, i, r->ip_version, &r->orig_h);
		if (!p)
			continue;
		/* No port can work when the name does not resolve: a failure
		 * of the whole pair and of each of its units. */
		dns_attempt(&p->ev, &p->out, r, c, client, named);
		for (unsigned u = 0; u < p->nunits; u++)
			dns_attempt(&p->units[u].ev, &p->units[u].out, r, c, client, named);
	}
}

static void record_unexpected(struct verdict *v, const struct flow_record *r,
			      const struct flow_class *c, const struct judgement *jd)
{
	v->summary.unexpected_flows++;
	struct unexpected *u = unexpected_entry(v, r, &jd->why);
	if (!u) {
		v->summary.unexpected_not_itemized++;
		return;
	}
	struct example_key k;
	flow_example_key(r, &k);
	if (u->ev.flows == 0 || example_key_cmp(&k, &u->why_key) < 0) {
		u->why = jd->why;
		u->why_key = k;
	}
	evidence_count(&u->ev, r);
	evidence_example(&u->ev, r, c, jd->client, jd->server, jd->outcome.ok);
}

/* A flow that may be the name-bound rule's, or not: evidence of the rule
 * judged on its client, never an attempt (it cannot be observed, blocked
 * or missing on it). */
static void record_unconfirmed(struct verdict *v, const struct flow_record *r,
			       const struct flow_class *c, const struct judgement *jd)
{
	unsigned rule = (unsigned)(jd->name_rule - ruleset_rule(v->rs, 0));
	struct rule_host *p = find_pair(v, rule, r->ip_version, &r->orig_h);

	if (!p)
		return;
	evidence_count(&p->unconfirmed, r);
	evidence_example(&p->unconfirmed, r, c, jd->client, jd->server, jd->outcome.ok);
}

/* What every TCP flow says about the capture itself. */
static void count_health(struct capture_health *h, const struct flow_record *r)
{
	if (r->proto != IP_PROTO_TCP || r->is_icmp_error)
		return;
	h->tcp_flows++;
	h->one_sided_flows += r->seen != FLOW_SEEN_BOTH;
	h->orig_only += r->seen == FLOW_SEEN_ORIG_ONLY;
	h->resp_only += r->seen == FLOW_SEEN_RESP_ONLY;
	h->answered_unseen += r->answered_unseen;
	h->unanswered_attempts += flow_unanswered_attempt(r);
	h->gap_flows += r->missed_bytes > 0;
	h->missed_bytes += r->missed_bytes;
}

/* Counts a client's flows into an exception's list: the lowest addresses
 * are kept, in order, so the list does not depend on the order flows came
 * in; a client pushed out takes its flows to more_clients. */
static void exception_client(struct exception_use *e, uint8_t version,
			     const struct ip_addr *ip, uint64_t flows)
{
	unsigned i = 0;
	int c = 1;

	while (i < e->nclients &&
	       (c = ip_addr_compare(e->clients[i].ip_version, &e->clients[i].ip,
				    version, ip)) < 0)
		i++;
	if (i < e->nclients && c == 0) {
		e->clients[i].flows += flows;
		return;
	}
	if (i == EXCEPTION_CLIENTS) {
		e->more_clients += flows;
		return;
	}
	if (e->nclients == EXCEPTION_CLIENTS)
		e->more_clients += e->clients[--e->nclients].flows;
	memmove(&e->clients[i + 1], &e->clients[i],
		(e->nclients - i) * sizeof(e->clients[0]));
	e->clients[i].ip_version = version;
	e->clients[i].ip = *ip;
	e->clients[i].flows = flows;
	e->nclients++;
}

/* What an exception covered: counts, time span, the clients. */
static void record_exception(struct exception_use *e, const struct flow_record *r)
{
	struct traffic t = { &e->flows, &e->packets, &e->bytes, &e->first_us, &e->last_us };

	traffic_count(&t, r);
	exception_client(e, r->ip_version, &r->orig_h, 1);
}

static void record(struct verdict *v, const struct flow_record *r,
		   const struct flow_class *c, const struct judgement *jd)
{
	struct audit_summary *s = &v->summary;

	s->flows++;
	if (r->last_us > v->latest_us)
		v->latest_us = r->last_us;
	host_visibility_flow(v->hosts, r);
	count_health(&v->health, r);
	switch (jd->kind) {
	case JUDGED_ICMP_ERROR:
		s->icmp_errors++;
		return;
	case JUDGED_OUT_OF_SCOPE:
		s->out_of_scope++;
		s->peer_only += jd->peer_only;
		s->broadcast += jd->broadcast;
		return;
	default:
		break;
	}
	s->in_scope++;
	record_dns_failure(v, r, c, jd->client);
	for (unsigned i = 0; i < jd->nmatches; i++)
		record_attempt(v, r, c, jd, &jd->matches[i]);
	if (jd->kind == JUDGED_ALLOWED_BY_SITE) {
		s->allowed_by_site++;
		record_exception(&v->exceptions[jd->allow], r);
	} else if (jd->kind == JUDGED_NAME_UNCONFIRMED) {
		s->name_unconfirmed++;
		record_unconfirmed(v, r, c, jd);
	} else if (jd->kind == JUDGED_UNEXPECTED) {
		record_unexpected(v, r, c, jd);
		if (jd->allow_expired >= 0)
			v->exceptions[jd->allow_expired].expired_flows++;
	}
}

void verdict_flow(struct verdict *v, const struct flow_record *r,
		  const struct flow_class *c, struct flow_judgement *j)
{
	struct judgement jd;

	judge(v, r, c, &jd);
	record(v, r, c, &jd);
	if (j)
		publish(v, r, c, &jd, j);
}

bool verdict_may_judge(const struct verdict *v, uint8_t ip_version,
		       const struct ip_addr *a, const struct ip_addr *b)
{
	/* judge()'s test of scope, before a name can add to the roles. */
	role_mask roles = ruleset_roles_of_addr(v->rs, ip_version, a) |
			  ruleset_roles_of_addr(v->rs, ip_version, b);
	return (roles & v->audited) || ruleset_binds_names(v->rs);
}

void verdict_judge(const struct verdict *v, const struct flow_record *r,
		   const struct flow_class *c, struct flow_judgement *j)
{
	struct judgement jd;

	judge(v, r, c, &jd);
	publish(v, r, c, &jd, j);
}

/* ---- merging two verdicts of the same rule set ---- */

static void outcomes_merge(struct outcomes *into, const struct outcomes *from)
{
	for (int k = 0; k < FAIL_KIND_COUNT; k++)
		failure_merge(&into->failures[k], &from->failures[k]);
}

static void pair_merge(struct verdict *v, const struct rule_host *from)
{
	struct rule_host *p = pair_of(v, from->rule, from->host_id, from->ip_version,
				      &from->host);

	if (!p)
		return;  /* past the bound on dynamic pairs, as in one pass */
	evidence_merge(&p->ev, &from->ev);
	outcomes_merge(&p->out, &from->out);
	evidence_merge(&p->unconfirmed, &from->unconfirmed);
	if (from->nunits && p->nunits == from->nunits)
		for (unsigned u = 0; u < p->nunits; u++) {
			evidence_merge(&p->units[u].ev, &from->units[u].ev);
			outcomes_merge(&p->units[u].out, &from->units[u].out);
		}
}

void unexpected_merge(struct verdict *v, const struct unexpected *from)
{
	struct conversation k = {
		.cause = from->why.cause, .ip_version = from->ip_version,
		.proto = from->proto, .client = from->client, .server = from->server,
		.port = from->port,
	};
	bool fresh = false;
	struct unexpected *u = conversation_entry(v, &k, &from->why);

	if (!u) {
		/* Past the itemizing bound: counted, as in one pass. */
		v->summary.unexpected_not_itemized += from->ev.flows;
		return;
	}
	fresh = u->ev.flows == 0;
	if (fresh || example_key_cmp(&from->why_key, &u->why_key) < 0) {
		u->why = from->why;
		u->why_key = from->why_key;
	}
	evidence_merge(&u->ev, &from->ev);
}

void exception_merge(struct exception_use *into, const struct exception_use *from)
{
	if (!from->flows && !from->expired_flows)
		return;
	if (from->flows && (!into->first_us || from->first_us < into->first_us))
		into->first_us = from->first_us;
	if (from->last_us > into->last_us)
		into->last_us = from->last_us;
	into->flows += from->flows;
	into->packets += from->packets;
	into->bytes += from->bytes;
	into->expired_flows += from->expired_flows;
	into->more_clients += from->more_clients;
	for (unsigned i = 0; i < from->nclients; i++)
		exception_client(into, from->clients[i].ip_version, &from->clients[i].ip,
				 from->clients[i].flows);
}

void summary_merge(struct audit_summary *into, const struct audit_summary *from)
{
	into->flows += from->flows;
	into->in_scope += from->in_scope;
	into->out_of_scope += from->out_of_scope;
	into->peer_only += from->peer_only;
	into->broadcast += from->broadcast;
	into->icmp_errors += from->icmp_errors;
	into->allowed_by_site += from->allowed_by_site;
	into->unexpected_flows += from->unexpected_flows;
	into->name_unconfirmed += from->name_unconfirmed;
	into->unexpected_not_itemized += from->unexpected_not_itemized;
	for (int k = 0; k < FINDING_KIND_COUNT; k++)
		into->count[k] += from->count[k];
}

void health_merge(struct capture_health *into, const struct capture_health *from)
{
	into->tcp_flows += from->tcp_flows;
	into->one_sided_flows += from->one_sided_flows;
	into->orig_only += from->orig_only;
	into->resp_only += from->resp_only;
	into->answered_unseen += from->answered_unseen;
	into->unanswered_attempts += from->unanswered_attempts;
	into->gap_flows += from->gap_flows;
	into->missed_bytes += from->missed_bytes;
}

bool verdict_merge(struct verdict *into, const struct verdict *from)
{
	if (into == from)
		return false;  /* its own pairs would move under it */
	if (into->rs != from->rs &&
	    (ruleset_rule_count(into->rs) != ruleset_rule_count(from->rs) ||
	     ruleset_allow_count(into->rs) != ruleset_allow_count(from->rs)))
		return false;
	/* First, as the one step that may fail: into is then unchanged. */
	if (!host_visibility_merge(into->hosts, from->hosts))
		return false;
	for (unsigned i = 0; i < from->npairs; i++)
		pair_merge(into, &from->pairs[i]);
	for (unsigned i = 0; i < from->nunexp; i++)
		unexpected_merge(into, &from->unexp[i]);
	for (unsigned i = 0; i < ruleset_allow_count(into->rs); i++)
		exception_merge(&into->exceptions[i], &from->exceptions[i]);
	summary_merge(&into->summary, &from->summary);
	health_merge(&into->health, &from->health);
	if (from->latest_us > into->latest_us)
		into->latest_us = from->latest_us;
	return true;
}
