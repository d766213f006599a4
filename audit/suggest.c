/* suggest.c - a site file proposed from traffic (see suggest.h). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/array.h"
#include "common/cidr.h"
#include "common/hash_key.h"
#include "suggest.h"

#define SLOTS (SUGGEST_MAX_ENDPOINTS * 2)  /* at most half full */
#define MAX_PROBE 64
#define MAX_ROUNDS 32                      /* the candidates settle sooner */
#define MAX_ITEMS (1u << 20)               /* evidence items compared */
#define MAX_ROLE_NAMES 8

struct client {
	uint8_t version;
	struct ip_addr addr;
};

/* One server endpoint and who reached it. */
struct endpoint {
	struct ip_addr addr;
	uint8_t version;                   /* 0: empty */
	uint8_t proto;
	uint16_t port;
	uint32_t flows, answered;
	uint32_t nclients;
	uint64_t other_flows;              /* from clients past the bound */
	struct client clients[SUGGEST_MAX_CLIENTS];
	char app[APP_NAME_LEN];            /* first confidently named, or "" */
	char master_app[APP_NAME_LEN];     /* its master protocol ("TLS") */
	uint32_t unnamed;                  /* flows with no confident name */
	char name[HOST_NAME_LEN];          /* first server name seen, or "" */
	enum name_source name_source;
};

/* How a role takes part, as the matrix declares it. */
enum role_kind {
	KIND_SERVER,      /* bound to addresses, the "to" of some rule */
	KIND_NAME,        /* bound to host names */
	KIND_POPULATION,  /* never a "to": clients, bound to networks */
	KIND_OTHER,       /* the dedicated hosts: bound by the site's list */
};

struct suggest {
	const struct ruleset *rs;
	struct endpoint *eps;
	uint32_t *slots;                   /* endpoint index + 1, 0: free */
	unsigned neps;
	uint64_t flows, untracked_flows;
	struct siphash_key key;
};

/* A host: every address seen as a server or a client, sorted. */
struct host {
	uint8_t version;
	struct ip_addr addr;
	bool serves;       /* answers a port the matrix names: no population */
	role_mask cand;
};

/* One piece of evidence for a role on a host: a rule shown by an
 * endpoint and a peer, inbound (the host answered) or outbound. */
struct item {
	uint32_t host;
	uint8_t role;
	uint8_t dir;       /* 0 inbound, 1 outbound */
	uint32_t ep;
	uint32_t peer;
	uint16_t rule;     /* the rule that shows it */
};

/* Everything suggest_decide works with. */
struct decide {
	struct suggest *s;
	const struct ruleset *rs;
	unsigned nroles, nrules;
	enum role_kind kind[MAX_ROLES];
	const char *names[MAX_ROLES][MAX_ROLE_NAMES];
	char name_buf[MAX_ROLES][MAX_ROLE_NAMES][HOST_NAME_LEN];
	unsigned nnames[MAX_ROLES];
	bool req_in[MAX_ROLES], req_out[MAX_ROLES];
	bool *own_ports;                   /* per rule: see own_ports() */
	struct server_ports named;         /* every port the matrix names */
	bool param_unused[32];             /* a port parameter's default unseen */
	struct host *hosts;
	unsigned nhosts;
	uint64_t hosts_dropped;
	uint32_t *ep_host;                 /* per endpoint: its server's host */
	uint32_t *client_host;             /* per endpoint and client slot */
	uint32_t *ev_in, *ev_out;          /* per host and rule: endpoint + 1 */
	struct item *items;
	unsigned nitems;
	bool items_full;
	role_mask dominated[SUGGEST_MAX_HOSTS];
	role_mask sure[SUGGEST_MAX_HOSTS], tied[SUGGEST_MAX_HOSTS];
	role_mask plausible[SUGGEST_MAX_HOSTS]; /* every fact another role's too */
	role_mask grounded[SUGGEST_MAX_HOSTS];  /* see ground() */
	role_mask bound[SUGGEST_MAX_HOSTS];
	/* How a role was bound to a host by elimination: 0 it was not, else
	 * the confidence that leaves (a tie narrowed to one role: medium). */
	uint8_t by_elimination[SUGGEST_MAX_HOSTS][MAX_ROLES];
	/* A tie decided by where the host's clients are (see
	 * split_by_location): the role, and a public client (host + 1) or 0
	 * when every client was private. */
	role_mask located[SUGGEST_MAX_HOSTS];
	uint32_t located_by[SUGGEST_MAX_HOSTS];
	struct suggestion *out;
};

const char *suggest_confidence_name(enum suggest_confidence c)
{
	switch (c) {
	case SUGGEST_HIGH: return "high";
	case SUGGEST_MEDIUM: return "medium";
	default: return "low";
	}
}

struct suggest *suggest_new(const struct ruleset *rs)
{
	struct suggest *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->rs = rs;
	/* calloc'd pages are touched only as endpoints arrive. */
	s->eps = calloc(SUGGEST_MAX_ENDPOINTS, sizeof(*s->eps));
	s->slots = calloc(SLOTS, sizeof(*s->slots));
	if (!s->eps || !s->slots) {
		suggest_free(s);
		return NULL;
	}
	s->key = *hash_key();
	return s;
}

void suggest_free(struct suggest *s)
{
	if (!s)
		return;
	free(s->eps);
	free(s->slots);
	free(s);
}

/* Whether the site may bind role i to host names (a cloud service). */
static bool role_binds_names(const struct ruleset *rs, unsigned i)
{
	bool addresses, names, dedicated;
	ruleset_role_binds(rs, i, &addresses, &names, &dedicated);
	return names;
}

static uint32_t endpoint_hash(const struct suggest *s, uint8_t version,
			      const struct ip_addr *a, uint8_t proto, uint16_t port)
{
	uint8_t m[sizeof(a->b) + 4];
	memcpy(m, a->b, sizeof(a->b));
	m[16] = version;
	m[17] = proto;
	m[18] = (uint8_t)(port >> 8);
	m[19] = (uint8_t)port;
	return (uint32_t)siphash13(&s->key, m, sizeof(m));
}

/* The endpoint for a server address, protocol and port; NULL when the
 * table is full (or its probe run too long). */
static struct endpoint *endpoint_of(struct suggest *s, uint8_t version,
				    const struct ip_addr *a, uint8_t proto,
				    uint16_t port)
{
	uint32_t i = endpoint_hash(s, version, a, proto, port) & (SLOTS - 1);

	for (unsigned probe = 0; probe < MAX_PROBE; probe++, i = (i + 1) & (SLOTS - 1)) {
		if (!s->slots[i]) {
			if (s->neps >= SUGGEST_MAX_ENDPOINTS)
				return NULL;
			struct endpoint *e = &s->eps[s->neps];
			e->version = version;
			e->addr = *a;
			e->proto = proto;
			e->port = port;
			s->slots[i] = ++s->neps;
			return e;
		}
		struct endpoint *e = &s->eps[s->slots[i] - 1];
		if (e->version == version && e->proto == proto && e->port == port &&
		    memcmp(&e->addr, a, sizeof(*a)) == 0)
			return e;
	}
	return NULL;
}

static void endpoint_client(struct endpoint *e, uint8_t version,
			    const struct ip_addr *a)
{
	for (unsigned i = 0; i < e->nclients; i++)
		if (e->clients[i].version == version &&
		    memcmp(&e->clients[i].addr, a, sizeof(*a)) == 0)
			return;
	if (e->nclients < SUGGEST_MAX_CLIENTS) {
		e->clients[e->nclients].version = version;
		e->clients[e->nclients].addr = *a;
		e->nclients++;
	} else {
		e->other_flows++;
	}
}

static bool flow_answered(const struct flow_record *r)
{
	return r->resp.pkts > 0 || r->answered_unseen;
}

void suggest_flow(struct suggest *s, const struct flow_record *r,
		  const struct flow_class *c)
{
	if (r->is_icmp_error || (r->proto != IP_PROTO_TCP && r->proto != IP_PROTO_UDP))
		return;
	s->flows++;
	struct endpoint *e = endpoint_of(s, r->ip_version, &r->resp_h, r->proto,
					 r->resp_p);
	if (!e) {
		s->untracked_flows++;
		return;
	}
	e->flows++;
	e->answered += flow_answered(r);
	endpoint_client(e, r->ip_version, &r->orig_h);
	if (c && c->app_confidence >= APP_CONFIDENCE_CONFIDENT && c->app[0]) {
		if (!e->app[0]) {
			snprintf(e->app, sizeof(e->app), "%s", c->app);
			snprintf(e->master_app, sizeof(e->master_app), "%s", c->master_app);
		}
	} else {
		e->unnamed++;
	}
	if (c && c->server_name[0] && !e->name[0]) {
		snprintf(e->name, sizeof(e->name), "%s", c->server_name);
		e->name_source = c->server_name_source;
	}
}

/* ---- what the matrix says ---- */

static role_mask bit(unsigned role)
{
	return (role_mask)1 << role;
}

/* A word of a role's description that reads as a host name
 * ("livebroker.speechexec.com"): labels of letters, digits and '-', at
 * least one dot, a last label of two letters or more. That is how a
 * name-bound role's names reach suggest without naming them here. */
static bool host_name_word(const char *w, size_t n)
{
	if (n < 4 || n >= HOST_NAME_LEN || w[0] == '.' || w[n - 1] == '.')
		return false;
	size_t last = 0, dots = 0;
	for (size_t i = 0; i < n; i++) {
		if (w[i] == '.') {
			if (i > 0 && w[i - 1] == '.')
				return false;
			dots++;
			last = i + 1;
		} else if (!isalnum((unsigned char)w[i]) && w[i] != '-') {
			return false;
		}
	}
	if (!dots || n - last < 2)
		return false;
	for (size_t i = last; i < n; i++)
		if (!isalpha((unsigned char)w[i]))
			return false;
	return true;
}

static void role_names(struct decide *d, unsigned role, const char *text)
{
	const char *p = text ? text : "";
	while (*p && d->nnames[role] < MAX_ROLE_NAMES) {
		size_t skip = strcspn(p, "abcdefghijklmnopqrstuvwxyz"
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
		p += skip;
		size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
		while (n && p[n - 1] == '.')
			n--;  /* the sentence's full stop */
		if (n && host_name_word(p, n)) {
			char *buf = d->name_buf[role][d->nnames[role]];
			memcpy(buf, p, n);
			buf[n] = '\0';
			d->names[role][d->nnames[role]++] = buf;
		}
		p += n ? n : strlen(p);
		while (*p == '.')
			p++;
	}
}

static void classify_roles(struct decide *d)
{
	bool is_to[MAX_ROLES] = { false };
	for (unsigned i = 0; i < d->nrules; i++)
		is_to[ruleset_rule(d->rs, i)->to_role] = true;
	for (unsigned i = 0; i < d->nroles; i++) {
		const struct role *ro = ruleset_role(d->rs, i);
		if (ro->dedicated)
			d->kind[i] = KIND_OTHER;
		else if (role_binds_names(d->rs, i))
			d->kind[i] = KIND_NAME;
		else if (is_to[i])
			d->kind[i] = KIND_SERVER;
		else
			d->kind[i] = KIND_POPULATION;
		if (d->kind[i] == KIND_NAME)
			role_names(d, i, ro->description);
	}
	for (unsigned i = 0; i < d->nrules; i++) {
		const struct rule *r = ruleset_rule(d->rs, i);
		if (r->need != NEED_REQUIRED)
			continue;
		d->req_in[r->to_role] = true;
		d->req_out[r->from_role] = true;
	}
}

static bool narrow_range(const struct port_range *p)
{
	return (unsigned)(p->hi - p->lo) < SERVER_PORTS_MAX_RANGE;
}

static void named_ports(struct decide *d)
{
	for (unsigned i = 0; i < d->nrules; i++) {
		const struct rule *r = ruleset_rule(d->rs, i);
		for (unsigned k = 0; k < r->nservices; k++)
			for (unsigned p = 0; p < r->services[k].nports; p++)
				server_ports_add(&d->named, r->services[k].proto,
						 r->services[k].ports[p].lo,
						 r->services[k].ports[p].hi);
	}
}

static bool port_named(const struct decide *d, uint8_t proto, uint16_t port)
{
	const uint64_t *b = proto == IP_PROTO_TCP ? d->named.tcp :
			    proto == IP_PROTO_UDP ? d->named.udp : NULL;
	return b && (b[port / 64] >> (port % 64)) & 1;
}

/* Whether another role is the "to" of a rule naming one of the ports
 * of rule ri's evidence services. */
static bool ports_shared(const struct decide *d, const struct rule *r)
{
	for (unsigned oi = 0; oi < d->nrules; oi++) {
		const struct rule *o = ruleset_rule(d->rs, oi);
		if (o->to_role == r->to_role)
			continue;
		for (unsigned k = 0; k < r->nservices; k++)
			for (unsigned l = 0; l < o->nservices; l++) {
				const struct rule_service *a = &r->services[k], *b = &o->services[l];
				if (!a->evidence || a->proto != b->proto)
					continue;
				for (unsigned p = 0; p < a->nports; p++)
					for (unsigned q = 0; q < b->nports; q++)
						if (a->ports[p].lo <= b->ports[q].hi &&
						    b->ports[q].lo <= a->ports[p].hi)
							return true;
			}
	}
	return false;
}

/* Per rule: its ports are its "to" role's alone (the licence port), so
 * answering them to anyone is the product's own, as much as being reached
 * by one of its servers. */
static bool own_ports(struct decide *d)
{
	d->own_ports = calloc(d->nrules + 1, sizeof(*d->own_ports));
	if (!d->own_ports)
		return false;
	for (unsigned i = 0; i < d->nrules; i++)
		d->own_ports[i] = !ports_shared(d, ruleset_rule(d->rs, i));
	return true;
}

/* A port parameter whose default no endpoint of its services uses: the
 * site may have moved it (a licence server on another port). */
static void unused_params(struct decide *d)
{
	for (unsigned i = 0; i < d->nrules; i++) {
		const struct rule *r = ruleset_rule(d->rs, i);
		for (unsigned k = 0; k < r->nservices; k++) {
			int p = ruleset_service_param(d->rs, i, k);
			struct matrix_param mp;
			if (p < 0 || p >= (int)ARRAY_SIZE(d->param_unused) ||
			    !ruleset_param(d->rs, (unsigned)p, &mp) || mp.list || !mp.nvalues)
				continue;
			const struct port_range *v = mp.values;
			bool seen = false;
			for (unsigned e = 0; e < d->s->neps && !seen; e++)
				seen = d->s->eps[e].proto == r->services[k].proto &&
				       d->s->eps[e].port == v[0].lo;
			d->param_unused[p] = !seen;
		}
	}
}

/* ---- hosts ---- */

static int host_cmp(const void *pa, const void *pb)
{
	const struct host *a = pa, *b = pb;
	return ip_addr_compare(a->version, &a->addr, b->version, &b->addr);
}

static int host_index(const struct decide *d, uint8_t version, const struct ip_addr *a)
{
	struct host key = { .version = version, .addr = *a };
	const struct host *h = bsearch(&key, d->hosts, d->nhosts, sizeof(*h), host_cmp);
	return h ? (int)(h - d->hosts) : -1;
}

static void add_host(struct host *all, unsigned *n, unsigned cap,
		     uint8_t version, const struct ip_addr *a)
{
	if (*n < cap) {
		all[*n].version = version;
		all[*n].addr = *a;
		(*n)++;
	}
}

/* Every address, sorted and once; at most SUGGEST_MAX_HOSTS (servers
 * first: they are what a site binds). */
static bool collect_hosts(struct decide *d)
{
	const struct suggest *s = d->s;
	unsigned cap = s->neps * (1 + SUGGEST_MAX_CLIENTS), n = 0;
	struct host *all = calloc(cap ? cap : 1, sizeof(*all));
	if (!all)
		return false;
	for (unsigned e = 0; e < s->neps; e++)
		add_host(all, &n, cap, s->eps[e].version, &s->eps[e].addr);
	for (unsigned e = 0; e < s->neps; e++)
		for (unsigned c = 0; c < s->eps[e].nclients; c++)
			add_host(all, &n, cap, s->eps[e].clients[c].version,
				 &s->eps[e].clients[c].addr);
	qsort(all, n, sizeof(*all), host_cmp);
	unsigned u = 0;
	for (unsigned i = 0; i < n; i++)
		if (u == 0 || host_cmp(&all[u - 1], &all[i]) != 0)
			all[u++] = all[i];
	if (u > SUGGEST_MAX_HOSTS) {
		d->hosts_dropped = u - SUGGEST_MAX_HOSTS;
		u = SUGGEST_MAX_HOSTS;
	}
	d->hosts = all;
	d->nhosts = u;
	return true;
}

static bool index_endpoints(struct decide *d)
{
	const struct suggest *s = d->s;
	d->ep_host = calloc(s->neps + 1, sizeof(*d->ep_host));
	d->client_host = calloc((size_t)s->neps * SUGGEST_MAX_CLIENTS + 1,
				sizeof(*d->client_host));
	if (!d->ep_host || !d->client_host)
		return false;
	for (unsigned e = 0; e < s->neps; e++) {
		const struct endpoint *ep = &s->eps[e];
		int h = host_index(d, ep->version, &ep->addr);
		d->ep_host[e] = h < 0 ? UINT32_MAX : (uint32_t)h;
		for (unsigned c = 0; c < SUGGEST_MAX_CLIENTS; c++) {
			int ch = c < ep->nclients ? host_index(d, ep->clients[c].version,
							      &ep->clients[c].addr) : -1;
			d->client_host[(size_t)e * SUGGEST_MAX_CLIENTS + c] =
				ch < 0 ? UINT32_MAX : (uint32_t)ch;
		}
		/* A server: it answers a port the matrix names, or one port
		 * to several clients (a licence server on a moved port). */
		if (h >= 0 && ep->answered && (port_named(d, ep->proto, ep->port) ||
					       ep->nclients >= 2))
			d->hosts[h].serves = true;
	}
	return true;
}

/* ---- evidence ---- */

/* Whether the endpoint's named application is one the service lists. */
static bool app_named(const struct rule_service *sv, const struct endpoint *e)
{
	/* As the audit reads it: the application or its master protocol
	 * (Azure over TLS is TLS). */
	for (unsigned i = 0; e->app[0] && i < sv->napps; i++)
		if (strcmp(sv->apps[i], e->app) == 0 ||
		    (e->master_app[0] && strcmp(sv->apps[i], e->master_app) == 0))
			return true;
	return false;
}

/* Whether the endpoint's flows fit the service's applications: some of
 * them, so that one odd flow (a Telnet session to the licence port) does
 * not hide the licence server its other flows show. */
static bool app_fits(const struct rule_service *sv, const struct endpoint *e,
		     bool strict)
{
	if (sv->napps == 0)
		return !strict;
	return (e->unnamed && sv->apps_allow_unknown) || app_named(sv, e);
}

/* Whether endpoint e shows service k of rule ri. Off the service's ports
 * only when its port parameter looks moved, the port is none the matrix
 * names and the application fits as the matrix lists it; *wild then when
 * only unnamed flows fit (any port a client happened to use looks the
 * same: the caller wants several clients). */
static bool service_hit(const struct decide *d, unsigned ri, unsigned k,
			const struct endpoint *e, bool *wild)
{
	const struct rule *r = ruleset_rule(d->rs, ri);
	const struct rule_service *sv = &r->services[k];

	*wild = false;
	if (!sv->evidence || sv->proto != e->proto || !sv->nports)
		return false;
	for (unsigned p = 0; p < sv->nports; p++)
		if (narrow_range(&sv->ports[p]) && e->port >= sv->ports[p].lo &&
		    e->port <= sv->ports[p].hi)
			return app_fits(sv, e, false);
	int param = ruleset_service_param(d->rs, ri, k);
	if (param < 0 || param >= (int)ARRAY_SIZE(d->param_unused) ||
	    !d->param_unused[param] || port_named(d, e->proto, e->port) ||
	    !app_fits(sv, e, true))
		return false;
	*wild = !app_named(sv, e);
	return true;
}

static bool client_fits(const struct decide *d, uint32_t h, unsigned role)
{
	if (h == UINT32_MAX)
		return false;
	if (d->kind[role] == KIND_POPULATION)
		return !d->hosts[h].serves;
	if (d->kind[role] == KIND_SERVER)
		return d->hosts[h].cand & bit(role);
	return false;
}

static bool name_fits(const struct decide *d, unsigned role, const char *name)
{
	for (unsigned i = 0; i < d->nnames[role]; i++)
		if (strcasecmp(d->names[role][i], name) == 0)
			return true;
	return false;
}

static bool server_fits(const struct decide *d, uint32_t h, const struct endpoint *e,
			unsigned role)
{
	if (d->kind[role] == KIND_NAME)
		return e->name[0] && name_fits(d, role, e->name);
	if (d->kind[role] == KIND_SERVER)
		return h != UINT32_MAX && (d->hosts[h].cand & bit(role));
	return false;
}

static void add_item(struct decide *d, uint32_t host, unsigned role, uint8_t dir,
		     uint32_t ep, uint32_t peer, unsigned rule)
{
	if (d->nitems >= MAX_ITEMS) {
		d->items_full = true;
		return;
	}
	d->items[d->nitems++] = (struct item){ host, (uint8_t)role, dir, ep, peer,
					       (uint16_t)rule };
}

/* One endpoint against one rule: inbound evidence for its server, outbound
 * for its clients. */
static void rule_evidence(struct decide *d, unsigned ri, unsigned e, bool items)
{
	const struct rule *r = ruleset_rule(d->rs, ri);
	const struct endpoint *ep = &d->s->eps[e];
	uint32_t sh = d->ep_host[e];
	const uint32_t *ch = &d->client_host[(size_t)e * SUGGEST_MAX_CLIENTS];
	bool hit = false, wild = false;

	for (unsigned k = 0; k < r->nservices && !hit; k++)
		hit = service_hit(d, ri, k, ep, &wild);
	if (!hit)
		return;
	if (d->kind[r->to_role] == KIND_SERVER && sh != UINT32_MAX) {
		unsigned fit = 0, like = 0;
		for (unsigned c = 0; c < ep->nclients; c++) {
			bool f = client_fits(d, ch[c], r->from_role);
			fit += f;
			like += f || (ch[c] != UINT32_MAX && d->hosts[ch[c]].cand);
		}
		/* A moved port of an unnamed application: several clients that
		 * hold roles of the matrix, or it is any port a client happened
		 * to use. */
		bool enough = fit >= 1 && (!wild || like >= 2);
		if (enough && !d->ev_in[(size_t)sh * d->nrules + ri])
			d->ev_in[(size_t)sh * d->nrules + ri] = e + 1;
		if (enough && items && (d->hosts[sh].cand & bit(r->to_role)))
			for (unsigned c = 0; c < ep->nclients; c++)
				if (client_fits(d, ch[c], r->from_role))
					add_item(d, sh, r->to_role, 0, e, ch[c], ri);
	}
	if (d->kind[r->from_role] == KIND_SERVER && server_fits(d, sh, ep, r->to_role)) {
		for (unsigned c = 0; c < ep->nclients; c++) {
			if (ch[c] == UINT32_MAX)
				continue;
			size_t at = (size_t)ch[c] * d->nrules + ri;
			if (!d->ev_out[at])
				d->ev_out[at] = e + 1;
			if (items && (d->hosts[ch[c]].cand & bit(r->from_role)))
				add_item(d, ch[c], r->from_role, 1, e, sh, ri);
		}
	}
}

static void evidence_pass(struct decide *d, bool items)
{
	size_t n = (size_t)d->nhosts * d->nrules;
	memset(d->ev_in, 0, n * sizeof(*d->ev_in));
	memset(d->ev_out, 0, n * sizeof(*d->ev_out));
	d->nitems = 0;
	for (unsigned e = 0; e < d->s->neps; e++)
		for (unsigned ri = 0; ri < d->nrules; ri++) {
			const struct rule *r = ruleset_rule(d->rs, ri);
			if (d->kind[r->from_role] == KIND_OTHER || d->kind[r->to_role] == KIND_OTHER)
				continue;
			rule_evidence(d, ri, e, items);
		}
}

/* The product's own: an audited role, or one bound to the product's
 * names (its cloud). */
static bool product_role(const struct decide *d, unsigned role)
{
	return ruleset_role(d->rs, role)->audited || d->kind[role] == KIND_NAME;
}

/* The roles a host's evidence supports: each required side shown, and
 * something shown. */
static role_mask supported_roles(const struct decide *d, unsigned h)
{
	unsigned in[MAX_ROLES] = { 0 }, out[MAX_ROLES] = { 0 };
	bool own[MAX_ROLES] = { false };
	bool product[MAX_ROLES] = { false };
	role_mask m = 0;

	for (unsigned ri = 0; ri < d->nrules; ri++) {
		const struct rule *r = ruleset_rule(d->rs, ri);
		bool i = d->ev_in[(size_t)h * d->nrules + ri] != 0;
		bool o = d->ev_out[(size_t)h * d->nrules + ri] != 0;
		bool from_own = !ruleset_role(d->rs, r->from_role)->peer;
		bool to_own = !ruleset_role(d->rs, r->to_role)->peer;
		in[r->to_role] += i;
		out[r->from_role] += o;
		own[r->to_role] |= i && from_own;
		own[r->from_role] |= o && to_own;
		product[r->to_role] |= i && (product_role(d, r->from_role) ||
					     d->own_ports[ri]);
		product[r->from_role] |= o && product_role(d, r->to_role);
	}
	for (unsigned ro = 0; ro < d->nroles; ro++) {
		if (d->kind[ro] != KIND_SERVER)
			continue;
		if ((d->req_in[ro] && !in[ro]) || (d->req_out[ro] && !out[ro]) ||
		    in[ro] + out[ro] == 0)
			continue;
		/* An audited role shows itself opposite something not shared
		 * infrastructure: every domain member talks to the domain
		 * controllers and file servers, only the product's servers
		 * to each other, their clients and the product's cloud. */
		if (ruleset_role(d->rs, ro)->audited && !own[ro])
			continue;
		/* And one opposite the product itself, an audited role or the
		 * product's cloud: an intranet web server that is a domain
		 * member, reached by workstations, is no Mobile Service. */
		if (ruleset_role(d->rs, ro)->audited && !product[ro])
			continue;
		m |= bit(ro);
	}
	return m;
}

/* Whether the item's rule holds a role of the product's own by itself:
 * its ports are its "to" role's alone, or its other end is a name of the
 * product's cloud. */
static bool anchor(const struct decide *d, const struct item *it)
{
	const struct rule *r = ruleset_rule(d->rs, it->rule);
	return it->dir ? d->kind[r->to_role] == KIND_NAME : d->own_ports[it->rule];
}

/* Mutual support is no evidence: web servers of an intranet reaching each
 * other on 443 would hold each other up as Mobile Service and SpeechLive
 * Service. An audited role stays a candidate only when grounded: shown by
 * an anchor (the licence port, the product's cloud), or opposite a role
 * of a host that is grounded itself; spread from the anchors until
 * nothing changes. d->grounded holds the supported roles on entry. */
static void ground(struct decide *d)
{
	role_mask audited = 0;
	for (unsigned ro = 0; ro < d->nroles; ro++)
		if (ruleset_role(d->rs, ro)->audited)
			audited |= bit(ro);
	role_mask *g = calloc(d->nhosts + 1, sizeof(*g));
	if (!g)
		return;  /* out of memory: the supported roles stand */
	for (unsigned i = 0; i < d->nitems; i++) {
		const struct item *it = &d->items[i];
		if ((d->grounded[it->host] & bit(it->role) & audited) && anchor(d, it))
			g[it->host] |= bit(it->role);
	}
	for (bool more = true; more;) {
		more = false;
		for (unsigned i = 0; i < d->nitems; i++) {
			const struct item *it = &d->items[i];
			const struct rule *r = ruleset_rule(d->rs, it->rule);
			unsigned other = it->dir ? r->to_role : r->from_role;
			/* Only through the product's own roles: every domain
			 * member is opposite the same domain controllers. */
			if (!(d->grounded[it->host] & bit(it->role)) || (g[it->host] & bit(it->role)) ||
			    !(audited & bit(other)) || it->peer == UINT32_MAX ||
			    !(g[it->peer] & bit(other)))
				continue;
			g[it->host] |= bit(it->role);
			more = true;
		}
	}
	for (unsigned h = 0; h < d->nhosts; h++)
		d->grounded[h] &= g[h] | ~audited;
	free(g);
}

/* Candidates start as every server role on every host and shrink to what
 * the evidence, judged against the other candidates, still supports. */
static void settle_candidates(struct decide *d)
{
	role_mask all = 0;
	for (unsigned ro = 0; ro < d->nroles; ro++)
		if (d->kind[ro] == KIND_SERVER)
			all |= bit(ro);
	for (unsigned h = 0; h < d->nhosts; h++)
		d->hosts[h].cand = all;
	for (unsigned round = 0; round < MAX_ROUNDS; round++) {
		bool changed = false;
		evidence_pass(d, true);
		for (unsigned h = 0; h < d->nhosts; h++)
			d->grounded[h] = supported_roles(d, h) & d->hosts[h].cand;
		ground(d);
		for (unsigned h = 0; h < d->nhosts; h++) {
			role_mask m = d->grounded[h];
			changed |= m != d->hosts[h].cand;
			d->hosts[h].cand = m;
		}
		if (!changed)
			break;
	}
	evidence_pass(d, true);
}

/* ---- deciding between candidate roles of one host ---- */

/* A fact (what a host showed: direction, endpoint, peer) in order. */
static int fact_cmp(const struct item *a, const struct item *b)
{
	if (a->dir != b->dir)
		return a->dir < b->dir ? -1 : 1;
	if (a->ep != b->ep)
		return a->ep < b->ep ? -1 : 1;
	if (a->peer != b->peer)
		return a->peer < b->peer ? -1 : 1;
	return 0;
}

static int item_cmp(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	if (a->role != b->role)
		return a->role < b->role ? -1 : 1;
	int c = fact_cmp(a, b);
	if (c)
		return c;
	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	return 0;
}

/* Whether every fact of run a is in run b (both sorted). */
static bool facts_within(const struct item *a, unsigned na, const struct item *b,
			 unsigned nb)
{
	unsigned j = 0;
	for (unsigned i = 0; i < na; i++) {
		while (j < nb && fact_cmp(&b[j], &a[i]) < 0)
			j++;
		if (j == nb || fact_cmp(&a[i], &b[j]) != 0)
			return false;
	}
	return true;
}

/* Whether role other's rules explain the fact just as well: the same
 * endpoint on one of its services, the peer fitting the rule's other end. */
static bool fact_explained(const struct decide *d, const struct item *it,
			   unsigned other)
{
	const struct endpoint *ep = &d->s->eps[it->ep];
	for (unsigned ri = 0; ri < d->nrules; ri++) {
		const struct rule *r = ruleset_rule(d->rs, ri);
		unsigned mine = it->dir ? r->from_role : r->to_role;
		unsigned peer = it->dir ? r->to_role : r->from_role;
		bool hit = false, wild;
		if (mine != other)
			continue;
		for (unsigned k = 0; k < r->nservices && !hit; k++)
			hit = service_hit(d, ri, k, ep, &wild);
		if (hit && (it->dir ? server_fits(d, it->peer, ep, peer) :
			    client_fits(d, it->peer, peer)))
			return true;
	}
	return false;
}

/* Whether one other server role explains every fact of a role's run,
 * candidate or not: a licence client that shows nothing else could be
 * any of the services that need a licence. */
static bool all_facts_shared(const struct decide *d, const struct item *items,
			     unsigned n)
{
	for (unsigned other = 0; other < d->nroles; other++) {
		if (other == items[0].role || d->kind[other] != KIND_SERVER)
			continue;
		unsigned i = 0;
		while (i < n && fact_explained(d, &items[i], other))
			i++;
		if (i == n)
			return true;
	}
	return false;
}

/* On each host: a role whose facts another candidate role shows too, and
 * more, is dominated (a health scan makes a web server the Mobile Service
 * rather than WebAccess); roles with the very same facts are tied. */
static void compare_roles(struct decide *d)
{
	qsort(d->items, d->nitems, sizeof(*d->items), item_cmp);
	unsigned u = 0;
	for (unsigned k = 0; k < d->nitems; k++)
		if (u == 0 || item_cmp(&d->items[u - 1], &d->items[k]) != 0)
			d->items[u++] = d->items[k];
	d->nitems = u;
	unsigned i = 0;
	while (i < d->nitems) {
		uint32_t h = d->items[i].host;
		unsigned start[MAX_ROLES], count[MAX_ROLES] = { 0 };
		for (; i < d->nitems && d->items[i].host == h; i++) {
			unsigned ro = d->items[i].role;
			if (!count[ro])
				start[ro] = i;
			count[ro]++;
		}
		for (unsigned a = 0; a < d->nroles; a++) {
			if (!count[a] || !(d->hosts[h].cand & bit(a)))
				continue;
			bool dom = false, tie = false;
			for (unsigned b = 0; b < d->nroles; b++) {
				if (b == a || !count[b] || !(d->hosts[h].cand & bit(b)))
					continue;
				bool ab = facts_within(&d->items[start[a]], count[a],
						       &d->items[start[b]], count[b]);
				bool ba = facts_within(&d->items[start[b]], count[b],
						       &d->items[start[a]], count[a]);
				if (ab && ba)
					tie = true;
				else if (ab)
					dom = true;
			}
			if (dom)
				d->dominated[h] |= bit(a);
			else if (tie)
				d->tied[h] |= bit(a);
			else if (all_facts_shared(d, &d->items[start[a]], count[a]))
				d->plausible[h] |= bit(a);
			else
				d->sure[h] |= bit(a);
		}
	}
}

/* ---- the proposal ---- */

static void question(struct decide *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void question(struct decide *d, const char *fmt, ...)
{
	struct suggestion *o = d->out;
	if (o->nquestions >= SUGGEST_MAX_QUESTIONS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->questions[o->nquestions++].text, SUGGEST_EVIDENCE_LEN, fmt, ap);
	va_end(ap);
}

static const char *role_name(const struct decide *d, unsigned role)
{
	return ruleset_role(d->rs, role)->name;
}

static void host_text(const struct decide *d, uint32_t h, char out[IP_TEXT_LEN])
{
	if (h == UINT32_MAX)
		snprintf(out, IP_TEXT_LEN, "?");
	else
		format_ip(out, d->hosts[h].version, &d->hosts[h].addr);
}

/* "a, b and c" of the roles in m. */
static void roles_text(const struct decide *d, role_mask m, char *out, size_t len)
{
	size_t used = 0;
	out[0] = '\0';
	for (unsigned ro = 0; ro < d->nroles && used < len; ro++)
		if (m & bit(ro)) {
			m &= ~bit(ro);
			int n = snprintf(out + used, len - used, "%s%s", role_name(d, ro),
					 !m ? "" : (m & (m - 1)) ? ", " : " and ");
			used += n > 0 ? (size_t)n : 0;
		}
}

static unsigned popcount(role_mask m)
{
	unsigned n = 0;
	for (; m; m &= m - 1)
		n++;
	return n;
}

/* ---- a tie decided by where the clients are ---- */

static bool addr_public(uint8_t version, const struct ip_addr *a);

/* The population whose clients reach role ro, when every population its
 * rules name says where its hosts are, and all the same place: its
 * location, and *pop the first such population. */
static enum role_location clients_location(const struct decide *d, unsigned ro,
					   unsigned *pop)
{
	enum role_location loc = LOCATION_UNSAID;
	for (unsigned ri = 0; ri < d->nrules; ri++) {
		const struct rule *r = ruleset_rule(d->rs, ri);
		if (r->to_role != ro || d->kind[r->from_role] != KIND_POPULATION)
			continue;
		enum role_location l = ruleset_role(d->rs, r->from_role)->location;
		if (l == LOCATION_UNSAID || (loc != LOCATION_UNSAID && l != loc))
			return LOCATION_UNSAID;
		if (loc == LOCATION_UNSAID)
			*pop = r->from_role;
		loc = l;
	}
	return loc;
}

/* Who reached host h as a client population of the roles in m: how many
 * public and private clients, and the first public one (host + 1). */
struct client_places {
	unsigned public, private;
	uint32_t first_public;
};

static struct client_places client_places(const struct decide *d, uint32_t h,
					  role_mask m)
{
	struct client_places cp = { 0, 0, 0 };
	bool *seen = calloc(d->nhosts + 1, sizeof(*seen));
	if (!seen)
		return cp;  /* out of memory: no evidence, the tie stays */
	for (unsigned i = 0; i < d->nitems; i++) {
		const struct item *it = &d->items[i];
		const struct rule *r = ruleset_rule(d->rs, it->rule);
		if (it->host != h || it->dir != 0 || !(m & bit(it->role)) ||
		    d->kind[r->from_role] != KIND_POPULATION ||
		    it->peer == UINT32_MAX || seen[it->peer])
			continue;
		seen[it->peer] = true;
		const struct host *c = &d->hosts[it->peer];
		if (!addr_public(c->version, &c->addr)) {
			cp.private++;
		} else {
			cp.public++;
			/* Hosts are sorted: the lowest address is cited. */
			if (!cp.first_public || it->peer + 1 < cp.first_public)
				cp.first_public = it->peer + 1;
		}
	}
	free(seen);
	return cp;
}

/* The tied roles of host h that no other host holds for sure, split by
 * where their clients come from: *in the internet's, *site the site's;
 * false unless every one says. A tie elimination decides stays its. */
static bool tie_places(const struct decide *d, uint32_t h, role_mask taken,
		       role_mask *in, role_mask *site)
{
	role_mask left = d->tied[h] & ~taken;
	*in = *site = 0;
	if (popcount(left) < 2)
		return false;
	for (unsigned ro = 0; ro < d->nroles; ro++) {
		if (!(left & bit(ro)))
			continue;
		unsigned pop;
		enum role_location l = clients_location(d, ro, &pop);
		if (l == LOCATION_INTERNET)
			*in |= bit(ro);
		else if (l == LOCATION_SITE)
			*site |= bit(ro);
		else
			return false;
	}
	return *in && *site;
}

/* A host showing the same evidence for a role the internet reaches (the
 * Mobile Service) and one the site's clients reach (WebAccess): the
 * matrix says where each role's clients are, the capture where this
 * host's are. Clients all private: the site's role. Some public: the
 * internet's, when they are all public or another host of the same tie
 * has only private clients (a phone on the Wi-Fi reaches the Mobile
 * Service too; WebAccess is the other host). Anything else stays a tie. */
static void split_by_location(struct decide *d, role_mask taken)
{
	struct client_places *cp = calloc(d->nhosts + 1, sizeof(*cp));
	if (!cp)
		return;  /* out of memory: the ties stay questions */
	role_mask in, site;
	for (uint32_t h = 0; h < d->nhosts; h++)
		if (tie_places(d, h, taken, &in, &site))
			cp[h] = client_places(d, h, in | site);
	for (uint32_t h = 0; h < d->nhosts; h++) {
		if (!tie_places(d, h, taken, &in, &site))
			continue;
		bool contrast = false;
		role_mask in2, site2;
		for (uint32_t o = 0; o < d->nhosts && !contrast; o++)
			contrast = o != h && tie_places(d, o, taken, &in2, &site2) &&
				   (site2 & site) && !cp[o].public && cp[o].private;
		role_mask pick = 0;
		if (cp[h].public && (!cp[h].private || contrast))
			pick = in;
		else if (!cp[h].public && cp[h].private)
			pick = site;
		if (!pick)
			continue;
		d->tied[h] = pick;
		if (popcount(pick) == 1) {
			d->located[h] = pick;
			d->located_by[h] = cp[h].first_public;
		}
	}
	free(cp);
}

static void decide_roles(struct decide *d)
{
	role_mask taken = 0, held = 0;
	char a[256], b[256], ip[IP_TEXT_LEN];

	for (unsigned h = 0; h < d->nhosts; h++) {
		d->bound[h] = d->sure[h];
		taken |= d->sure[h];
	}
	split_by_location(d, taken);
	for (unsigned h = 0; h < d->nhosts; h++) {
		if (!d->tied[h])
			continue;
		role_mask left = d->tied[h] & ~taken;
		host_text(d, h, ip);
		roles_text(d, d->tied[h], a, sizeof(a));
		if (!left) {
			question(d, "%s shows the same evidence for %s, each held by "
				 "another host: not bound; is it a further server?", ip, a);
			continue;
		}
		d->bound[h] |= left;
		for (unsigned ro = 0; ro < d->nroles; ro++)
			if (left & bit(ro))
				d->by_elimination[h][ro] = popcount(left) > 1 ?
					1 + SUGGEST_LOW : left != d->tied[h] ?
					1 + SUGGEST_MEDIUM : 0;
		if (popcount(left) > 1) {
			roles_text(d, left, b, sizeof(b));
			question(d, "%s shows the same evidence for %s: bound to each; "
				 "keep only the ones it holds", ip, b);
		}
	}
	for (unsigned h = 0; h < d->nhosts; h++) {
		held |= d->bound[h];
		if (!d->plausible[h] || (d->bound[h] & d->plausible[h]))
			continue;
		host_text(d, h, ip);
		roles_text(d, d->plausible[h], a, sizeof(a));
		question(d, "%s shows only what other roles show too (could be %s, "
			 "or another role the matrix gives the same rules): not bound; "
			 "which role does it hold?", ip, a);
	}
	/* A role no host shows better than another role: its candidates. */
	for (unsigned ro = 0; ro < d->nroles; ro++) {
		if (d->kind[ro] != KIND_SERVER || (held & bit(ro)))
			continue;
		unsigned n = 0;
		for (unsigned h = 0; h < d->nhosts; h++)
			if ((d->hosts[h].cand & bit(ro)) && !(d->plausible[h] & bit(ro))) {
				d->bound[h] |= bit(ro);
				d->by_elimination[h][ro] = 1 + SUGGEST_LOW;
				n++;
			}
		if (n > 1)
			question(d, "%u hosts show %s no better than their other roles: "
				 "bound to each; keep only the ones that hold it",
				 n, role_name(d, ro));
		if (n == 0)
			question(d, "no host shows %s (%s): bind it by hand, or leave "
				 "it out if it is not deployed", role_name(d, ro),
				 ruleset_role(d->rs, ro)->description);
	}
}

/* The proposal must hold up on its own: the evidence again, between the
 * bound roles only, drops a binding whose support was a role the end
 * left unbound (a licence server on a host that only a host of no role
 * reached), until nothing changes. What the report cites is then what the
 * proposed site would see. */
static void prune_bindings(struct decide *d)
{
	char ip[IP_TEXT_LEN], a[256];

	for (unsigned round = 0; round < MAX_ROUNDS; round++) {
		bool changed = false;
		for (unsigned h = 0; h < d->nhosts; h++)
			d->hosts[h].cand = d->bound[h];
		evidence_pass(d, false);
		for (unsigned h = 0; h < d->nhosts; h++) {
			role_mask keep = d->bound[h] & supported_roles(d, h);
			if (keep == d->bound[h])
				continue;
			host_text(d, h, ip);
			roles_text(d, d->bound[h] & ~keep, a, sizeof(a));
			question(d, "%s looked like %s, but only opposite hosts left "
				 "unbound: not bound", ip, a);
			d->bound[h] = keep;
			changed = true;
		}
		if (!changed)
			break;
	}
	for (unsigned h = 0; h < d->nhosts; h++)
		d->hosts[h].cand = d->bound[h];
	evidence_pass(d, false);
}

static size_t append(char *out, size_t len, size_t used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t append(char *out, size_t len, size_t used, const char *fmt, ...)
{
	if (used >= len)
		return used;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + used, len - used, fmt, ap);
	va_end(ap);
	return n < 0 ? used : used + (size_t)n >= len ? len : used + (size_t)n;
}

static const char *proto_text(uint8_t proto)
{
	return proto == IP_PROTO_TCP ? "tcp" : proto == IP_PROTO_UDP ? "udp" : "?";
}

/* One endpoint as evidence: "10.1.0.10 tcp/13667 (3 flows, 3 answered)". */
static size_t endpoint_text(const struct decide *d, uint32_t e, char *out,
			    size_t len, size_t used)
{
	const struct endpoint *ep = &d->s->eps[e];
	char ip[IP_TEXT_LEN];
	format_ip(ip, ep->version, &ep->addr);
	used = append(out, len, used, "%s %s/%u (%u flow%s, %u answered", ip,
		      proto_text(ep->proto), ep->port, ep->flows,
		      ep->flows == 1 ? "" : "s", ep->answered);
	if (ep->app[0])  /* the first named; others may be unnamed */
		used = append(out, len, used, ep->unnamed ? ", partly %s" : ", %s",
			      ep->app);
	if (ep->name[0])
		used = append(out, len, used, ", name %s from %s", ep->name,
			      name_source_text(ep->name_source));
	return append(out, len, used, ")");
}

/* What shows role ro on host h, rule by rule, and how sure that is. */
static enum suggest_confidence host_evidence(const struct decide *d, uint32_t h,
					     unsigned ro, char *out, size_t len)
{
	size_t used = 0;
	unsigned rules = 0;
	bool answered = false;

	out[0] = '\0';
	for (unsigned ri = 0; ri < d->nrules; ri++) {
		const struct rule *r = ruleset_rule(d->rs, ri);
		uint32_t in = r->to_role == ro ? d->ev_in[(size_t)h * d->nrules + ri] : 0;
		uint32_t outb = r->from_role == ro ? d->ev_out[(size_t)h * d->nrules + ri] : 0;
		if (!in && !outb)
			continue;
		rules++;
		answered |= d->s->eps[(in ? in : outb) - 1].answered > 0;
		if (rules > 4)
			continue;
		used = append(out, len, used, "%s%s: %s ", rules > 1 ? "; " : "",
			      r->id, in ? "answers" : "reaches");
		used = endpoint_text(d, (in ? in : outb) - 1, out, len, used);
	}
	if (rules > 4)
		used = append(out, len, used, "; and %u more rule%s of the role",
			      rules - 4, rules - 4 == 1 ? "" : "s");
	if (d->by_elimination[h][ro]) {
		append(out, len, used, d->by_elimination[h][ro] == 1 + SUGGEST_MEDIUM ?
		       "; by elimination: the roles it shows alike are held by "
		       "other hosts" : "; by elimination: no host shows it better "
		       "than another role");
		return (enum suggest_confidence)(d->by_elimination[h][ro] - 1);
	}
	if (d->located[h] & bit(ro)) {
		unsigned pop = ro;
		clients_location(d, ro, &pop);
		if (d->located_by[h]) {
			char ip[IP_TEXT_LEN];
			host_text(d, d->located_by[h] - 1, ip);
			append(out, len, used, "; inbound from %s, a public address: "
			       "%s come from the internet (matrix)", ip,
			       role_name(d, pop));
		} else {
			append(out, len, used, "; inbound only from private addresses: "
			       "%s come from the site's networks (matrix)",
			       role_name(d, pop));
		}
		return SUGGEST_MEDIUM;
	}
	return rules >= 2 && answered ? SUGGEST_HIGH : SUGGEST_MEDIUM;
}

static struct suggest_binding *new_binding(struct decide *d, unsigned ro,
					   const char *value)
{
	struct suggestion *o = d->out;
	if (o->nbindings >= SUGGEST_MAX_BINDINGS) {
		if (o->nbindings == SUGGEST_MAX_BINDINGS)
			question(d, "more than %u bindings: the rest left out",
				 SUGGEST_MAX_BINDINGS);
		return NULL;
	}
	struct suggest_binding *b = &o->bindings[o->nbindings++];
	b->role = ro;
	snprintf(b->value, sizeof(b->value), "%s", value);
	return b;
}

static void bind_hosts(struct decide *d, unsigned ro)
{
	char ip[IP_TEXT_LEN];
	for (unsigned h = 0; h < d->nhosts; h++) {
		if (!(d->bound[h] & bit(ro)))
			continue;
		host_text(d, h, ip);
		struct suggest_binding *b = new_binding(d, ro, ip);
		if (b)
			b->confidence = host_evidence(d, h, ro, b->evidence,
						      sizeof(b->evidence));
	}
}

/* The matrix's names for a name-bound role that clients of its rules'
 * "from" roles reached. */
static void bind_names(struct decide *d, unsigned ro)
{
	for (unsigned n = 0; n < d->nnames[ro]; n++) {
		struct suggest_binding *b = NULL;
		size_t used = 0;
		for (unsigned e = 0; e < d->s->neps && !b; e++) {
			const struct endpoint *ep = &d->s->eps[e];
			if (!ep->name[0] || strcasecmp(ep->name, d->names[ro][n]) != 0)
				continue;
			for (unsigned ri = 0; ri < d->nrules && !b; ri++) {
				const struct rule *r = ruleset_rule(d->rs, ri);
				if (r->to_role != ro)
					continue;
				for (unsigned c = 0; c < ep->nclients && !b; c++) {
					uint32_t ch = d->client_host[(size_t)e * SUGGEST_MAX_CLIENTS + c];
					if (ch == UINT32_MAX || !(d->bound[ch] & bit(r->from_role)))
						continue;
					char ip[IP_TEXT_LEN];
					host_text(d, ch, ip);
					b = new_binding(d, ro, d->names[ro][n]);
					if (!b)
						return;
					b->confidence = ep->answered ? SUGGEST_HIGH : SUGGEST_MEDIUM;
					used = append(b->evidence, sizeof(b->evidence), used,
						      "%s: %s (%s) reaches ", r->id, ip,
						      role_name(d, r->from_role));
					endpoint_text(d, e, b->evidence, sizeof(b->evidence), used);
				}
			}
		}
	}
}

static bool addr_in(uint8_t version, const struct ip_addr *a, const char *net,
		    uint8_t prefix)
{
	struct cidr c = { .ip_version = version, .prefix = prefix };
	if (version == 4) {
		unsigned x[4];
		if (sscanf(net, "%u.%u.%u.%u", &x[0], &x[1], &x[2], &x[3]) != 4)
			return false;
		for (int i = 0; i < 4; i++)
			c.addr.b[i] = (uint8_t)x[i];
	} else {
		unsigned hi;
		if (sscanf(net, "%x::", &hi) != 1)
			return false;
		c.addr.b[0] = (uint8_t)(hi >> 8);
		c.addr.b[1] = (uint8_t)hi;
	}
	return cidr_contains(&c, version, a);
}

/* Private, shared, link-local and loopback ranges: an address in none is
 * reached from anywhere (documentation ranges stand in for the
 * Internet). */
static bool addr_public(uint8_t version, const struct ip_addr *a)
{
	static const struct { uint8_t v; const char *net; uint8_t prefix; } local[] = {
		{ 4, "10.0.0.0", 8 }, { 4, "172.16.0.0", 12 }, { 4, "192.168.0.0", 16 },
		{ 4, "100.64.0.0", 10 }, { 4, "169.254.0.0", 16 }, { 4, "127.0.0.0", 8 },
		{ 6, "fc00::", 7 }, { 6, "fe80::", 10 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(local); i++)
		if (local[i].v == version && addr_in(version, a, local[i].net, local[i].prefix))
			return false;
	return true;
}

#define MAX_POP_NETS 32

/* A population: the clients its rules show reaching the hosts bound to
 * the rules' "to" roles, as networks: every address when some are
 * public, else each private client's /24 (IPv4) or /64 (IPv6). */
static void bind_population(struct decide *d, unsigned ro)
{
	struct cidr nets[MAX_POP_NETS];
	unsigned nnets = 0, clients = 0;
	bool *counted = calloc(d->nhosts + 1, sizeof(*counted));
	bool public4 = false, public6 = false, dropped = false;
	char first[3][IP_TEXT_LEN];
	const char *via = NULL;

	if (!counted)
		return;  /* out of memory: the population stays unbound */
	for (unsigned e = 0; e < d->s->neps; e++) {
		uint32_t sh = d->ep_host[e];
		if (sh == UINT32_MAX)
			continue;
		for (unsigned ri = 0; ri < d->nrules; ri++) {
			const struct rule *r = ruleset_rule(d->rs, ri);
			bool hit = false, wild;
			if (r->from_role != ro || !(d->bound[sh] & bit(r->to_role)))
				continue;
			for (unsigned k = 0; k < r->nservices && !hit; k++)
				hit = service_hit(d, ri, k, &d->s->eps[e], &wild);
			if (!hit)
				continue;
			for (unsigned c = 0; c < d->s->eps[e].nclients; c++) {
				uint32_t ch = d->client_host[(size_t)e * SUGGEST_MAX_CLIENTS + c];
				if (!client_fits(d, ch, ro) || counted[ch])
					continue;
				counted[ch] = true;  /* each client once, however
						      * many services it reached */
				const struct host *h = &d->hosts[ch];
				if (clients < 3)
					host_text(d, ch, first[clients]);
				clients++;
				via = via ? via : r->id;
				if (addr_public(h->version, &h->addr)) {
					public4 |= h->version == 4;
					public6 |= h->version == 6;
					continue;
				}
				struct cidr n = { .ip_version = h->version,
						  .prefix = h->version == 4 ? 24 : 64 };
				memcpy(n.addr.b, h->addr.b, n.prefix / 8);
				bool have = false;
				for (unsigned i = 0; i < nnets && !have; i++)
					have = memcmp(&nets[i], &n, sizeof(n)) == 0;
				if (!have && nnets < MAX_POP_NETS)
					nets[nnets++] = n;
				else if (!have)
					dropped = true;
			}
		}
	}
	free(counted);
	if (!clients)
		return;
	char ev[SUGGEST_EVIDENCE_LEN];
	size_t used = append(ev, sizeof(ev), 0, "%s: %u client%s (", via, clients,
			     clients == 1 ? "" : "s");
	for (unsigned i = 0; i < clients && i < 3; i++)
		used = append(ev, sizeof(ev), used, "%s%s", i ? ", " : "", first[i]);
	used = append(ev, sizeof(ev), used, "%s)", clients > 3 ? ", ..." : "");
	if (public4 || public6)
		append(ev, sizeof(ev), used, "; some from public addresses: "
		       "every address");
	const char *every[2] = { "0.0.0.0/0", "::/0" };
	for (unsigned i = 0; i < 2; i++) {
		if (!(public4 || public6))
			break;
		struct suggest_binding *b = new_binding(d, ro, every[i]);
		if (b) {
			b->confidence = SUGGEST_MEDIUM;
			snprintf(b->evidence, sizeof(b->evidence), "%s", ev);
		}
	}
	for (unsigned i = 0; i < nnets && !(public4 || public6); i++) {
		char text[CIDR_TEXT_LEN];
		format_cidr(text, sizeof(text), &nets[i]);
		struct suggest_binding *b = new_binding(d, ro, text);
		if (b) {
			b->confidence = SUGGEST_MEDIUM;
			snprintf(b->evidence, sizeof(b->evidence), "%s", ev);
		}
	}
	if (!(public4 || public6))
		question(d, "%s: the networks are the clients' /24 (/64): widen "
			 "them to the client networks the site has", role_name(d, ro));
	if (dropped)
		question(d, "%s: clients in more than %u networks; the rest left out",
			 role_name(d, ro), MAX_POP_NETS);
}

/* Whether the capture shows rule ri between hosts bound to its roles. */
static uint32_t rule_shown(const struct decide *d, unsigned ri)
{
	const struct rule *r = ruleset_rule(d->rs, ri);
	for (unsigned h = 0; h < d->nhosts; h++) {
		uint32_t in = d->ev_in[(size_t)h * d->nrules + ri];
		uint32_t out = d->ev_out[(size_t)h * d->nrules + ri];
		if (in && (d->bound[h] & bit(r->to_role)))
			return in;
		if (out && (d->bound[h] & bit(r->from_role)))
			return out;
	}
	return 0;
}

/* Whether a rule of feature f has a side the proposal binds: only then
 * does its silence say the feature is off. */
static bool feature_roles_bound(const struct decide *d, unsigned f)
{
	role_mask held = 0;
	for (unsigned h = 0; h < d->nhosts; h++)
		held |= d->bound[h];
	for (unsigned ri = 0; ri < d->nrules; ri++) {
		const struct rule *r = ruleset_rule(d->rs, ri);
		if (ruleset_rule_feature_index(d->rs, ri) == (int)f &&
		    (held & (bit(r->from_role) | bit(r->to_role))))
			return true;
	}
	return false;
}

static void decide_features(struct decide *d)
{
	struct suggestion *o = d->out;
	unsigned nf = ruleset_feature_count(d->rs);
	for (unsigned f = 0; f < nf && o->nfeatures < ARRAY_SIZE(o->features); f++) {
		struct suggest_feature *ft = &o->features[o->nfeatures++];
		unsigned nrules = 0, best_rank = 3, best = 0;
		uint32_t best_e = 0;
		struct matrix_feature mf;
		ruleset_feature(d->rs, f, &mf);
		ft->name = mf.name;
		/* The evidence cited: a rule reaching the product's cloud by
		 * name first (SpeechLive is on when livebroker is reached),
		 * then a required rule, then any. */
		for (unsigned ri = 0; ri < d->nrules; ri++) {
			if (ruleset_rule_feature_index(d->rs, ri) != (int)f)
				continue;
			nrules++;
			const struct rule *r = ruleset_rule(d->rs, ri);
			uint32_t e = rule_shown(d, ri);
			unsigned rank = d->kind[r->to_role] == KIND_NAME ? 0 :
					r->need == NEED_REQUIRED ? 1 : 2;
			if (e && rank < best_rank) {
				best_rank = rank;
				best = ri;
				best_e = e;
			}
		}
		if (best_e) {
			ft->on = true;
			size_t used = append(ft->evidence, sizeof(ft->evidence), 0, "%s: ",
					     ruleset_rule(d->rs, best)->id);
			endpoint_text(d, best_e - 1, ft->evidence, sizeof(ft->evidence), used);
		}
		if (!ft->on && !feature_roles_bound(d, f)) {
			/* Nothing of it either way: the matrix's default stands. */
			ft->on = true;
			snprintf(ft->evidence, sizeof(ft->evidence), "none of its %u "
				 "rule%s has a bound role; the matrix's default", nrules,
				 nrules == 1 ? "" : "s");
		} else if (!ft->on) {
			snprintf(ft->evidence, sizeof(ft->evidence), "no flow of its %u "
				 "rule%s seen", nrules, nrules == 1 ? "" : "s");
			question(d, "feature %s: no flow of its rules seen, proposed "
				 "off; set it true if the site uses it", ft->name);
		}
	}
}

/* A port parameter nobody used at its default, found on another port. */
static void decide_params(struct decide *d)
{
	struct suggestion *o = d->out;
	for (unsigned p = 0; p < ruleset_param_count(d->rs) && p < ARRAY_SIZE(d->param_unused); p++) {
		struct matrix_param mp;
		if (!ruleset_param(d->rs, p, &mp) || !d->param_unused[p] || mp.list || !mp.nvalues)
			continue;
		const char *name = mp.name;
		const struct port_range *v = mp.values;
		uint32_t best = 0;
		unsigned ports = 0;
		uint16_t seen[8];
		for (unsigned ri = 0; ri < d->nrules; ri++) {
			const struct rule *r = ruleset_rule(d->rs, ri);
			bool uses = false;
			for (unsigned k = 0; k < r->nservices; k++)
				uses |= ruleset_service_param(d->rs, ri, k) == (int)p;
			for (unsigned h = 0; uses && h < d->nhosts; h++) {
				uint32_t e = d->ev_in[(size_t)h * d->nrules + ri];
				if (!e || !(d->bound[h] & bit(r->to_role)) ||
				    d->s->eps[e - 1].port == v[0].lo)
					continue;
				uint16_t port = d->s->eps[e - 1].port;
				bool have = false;
				for (unsigned i = 0; i < ports && !have; i++)
					have = seen[i] == port;
				if (!have && ports < ARRAY_SIZE(seen))
					seen[ports++] = port;
				if (!best || d->s->eps[e - 1].flows > d->s->eps[best - 1].flows ||
				    (d->s->eps[e - 1].flows == d->s->eps[best - 1].flows &&
				     port < d->s->eps[best - 1].port))
					best = e;
			}
		}
		if (!best || o->nparams >= ARRAY_SIZE(o->params))
			continue;
		struct suggest_param *sp = &o->params[o->nparams++];
		sp->name = name;
		sp->port = d->s->eps[best - 1].port;
		size_t used = append(sp->evidence, sizeof(sp->evidence), 0,
				     "nothing uses the default %u; ", v[0].lo);
		endpoint_text(d, best - 1, sp->evidence, sizeof(sp->evidence), used);
		if (ports > 1)
			question(d, "%s: %u ports show its pattern; proposed %u, the "
				 "busiest", name, ports, sp->port);
	}
}

static void free_decide(struct decide *d)
{
	free(d->hosts);
	free(d->ep_host);
	free(d->client_host);
	free(d->ev_in);
	free(d->ev_out);
	free(d->items);
	free(d->own_ports);
}

bool suggest_decide(struct suggest *s, struct suggestion *out)
{
	struct decide *d = calloc(1, sizeof(*d));
	bool ok = false;

	memset(out, 0, sizeof(*out));
	if (!d)
		return false;
	d->s = s;
	d->rs = s->rs;
	d->out = out;
	d->nroles = ruleset_role_count(s->rs);
	d->nrules = ruleset_rule_count(s->rs);
	out->flows = s->flows;
	out->endpoints = s->neps;
	out->untracked_flows = s->untracked_flows;
	classify_roles(d);
	named_ports(d);
	unused_params(d);
	if (!own_ports(d) || !collect_hosts(d) || !index_endpoints(d))
		goto out;
	size_t n = (size_t)d->nhosts * d->nrules + 1;
	d->ev_in = calloc(n, sizeof(*d->ev_in));
	d->ev_out = calloc(n, sizeof(*d->ev_out));
	d->items = calloc(MAX_ITEMS, sizeof(*d->items));
	if (!d->ev_in || !d->ev_out || !d->items)
		goto out;
	settle_candidates(d);
	compare_roles(d);
	decide_roles(d);
	prune_bindings(d);
	for (unsigned ro = 0; ro < d->nroles; ro++) {
		if (d->kind[ro] == KIND_SERVER)
			bind_hosts(d, ro);
		else if (d->kind[ro] == KIND_NAME)
			bind_names(d, ro);
		else if (d->kind[ro] == KIND_POPULATION)
			bind_population(d, ro);
	}
	decide_params(d);
	decide_features(d);
	if (d->items_full)
		question(d, "more than %u pieces of evidence: roles of the busiest "
			 "hosts were not compared in full", MAX_ITEMS);
	if (s->untracked_flows)
		question(d, "%llu flows went to server endpoints past the first %u "
			 "and were not looked at", (unsigned long long)s->untracked_flows,
			 SUGGEST_MAX_ENDPOINTS);
	if (d->hosts_dropped)
		question(d, "%llu addresses past the first %u were not looked at",
			 (unsigned long long)d->hosts_dropped, SUGGEST_MAX_HOSTS);
	ok = true;
out:
	free_decide(d);
	free(d);
	return ok;
}
