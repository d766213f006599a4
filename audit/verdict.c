/* verdict.c - the verdict engine (see verdict.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/hash.h"
#include "verdict.h"

/* Unexpected conversations itemized before they are only counted. */
#define MAX_UNEXPECTED 10000
/* Rule-host pairs for hosts that are not concrete site hosts (a role bound
 * to a network): itemized up to this many, then counted like unexpected. */
#define MAX_DYNAMIC_PAIRS 4096

#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_REFUSED 5

/* How an attempt failed; each kind becomes one sentence of a reason. */
enum failure {
	FAIL_NO_REPLY,           /* SYN never answered */
	FAIL_REJECTED,           /* SYN answered by RST */
	FAIL_ICMP,               /* answered by an ICMP error */
	FAIL_RESET_AFTER_DATA,   /* reset before any server data */
	FAIL_RESET_AT_HANDSHAKE, /* the server reset right after accepting */
	FAIL_UDP_NO_REPLY,
	FAIL_ONE_WAY,            /* picked up mid-stream, no reply seen */
	FAIL_DNS,                /* lookup refused or NXDOMAIN */
	FAIL_KIND_COUNT
};

struct failure_tally {
	uint32_t flows;
	uint64_t units;          /* SYNs, datagrams or lookups */
	char detail[200];        /* the first such attempt's server and name */
	char icmp[80];           /* FAIL_ICMP: which error */
	bool datagrams;          /* FAIL_ICMP: UDP rather than TCP */
};

/* The flows behind one finding. */
struct evidence {
	uint64_t flows, attempts, successes, packets, bytes;
	uint64_t first_us, last_us;
	char states[64];
	/* The example shown: the first successful flow, else the first one. */
	bool has_example, example_succeeded;
	uint8_t ip_version, proto;
	struct ip_addr client, server;
	uint16_t port;
	role_mask client_roles, server_roles;
	char host[HOST_NAME_LEN];
	enum name_source host_source;
	struct endpoint_geo client_geo, server_geo;
	char app[APP_NAME_LEN * 2 + 2];
	const struct rule_service *service;
};

/* How a rule's attempts went: kept only for rule-host pairs (a few per
 * site), not for the thousands of unexpected conversations. */
struct outcomes {
	struct failure_tally failures[FAIL_KIND_COUNT];
	char success_detail[200];
	uint32_t success_flows;
};

/* One rule judged on one host. */
struct rule_host {
	unsigned rule;
	bool judged_on_client;   /* the host is the rule's "from" side */
	bool concrete;           /* a host the site names: may be missing */
	uint8_t ip_version;
	struct ip_addr host;
	struct evidence ev;
	struct outcomes out;
};

struct unexpected {
	uint8_t ip_version, proto;
	struct ip_addr client, server;
	uint16_t port;
	uint32_t reason_hash;
	char reason[400];
	struct evidence ev;
};

/* Open-addressing indexes (entry + 1, 0 empty) keep lookups constant-time
 * however many pairs and conversations a busy capture brings. */
#define PAIR_SLOTS 32768u
#define UNEXPECTED_SLOTS 32768u

struct verdict {
	const struct ruleset *rs;
	role_mask audited;
	struct rule_host *pairs;
	unsigned npairs, ncap, nconcrete;
	uint32_t *pair_index;
	struct unexpected *unexp;
	unsigned nunexp, unexp_cap;
	uint32_t *unexp_index;
	struct audit_summary summary;
};

static uint32_t pair_hash(unsigned rule, uint8_t version, const struct ip_addr *host)
{
	uint32_t h = fnv1a(FNV1A_INIT, &rule, sizeof(rule));
	h = fnv1a(h, &version, 1);
	return fnv1a(h, host, sizeof(*host));
}

const char *finding_kind_name(enum finding_kind k)
{
	static const char *names[FINDING_KIND_COUNT] = {
		"missing", "blocked", "unexpected", "observed",
	};
	return (unsigned)k < FINDING_KIND_COUNT ? names[k] : "?";
}

void findings_free(struct findings *f)
{
	free(f->items);
	f->items = NULL;
	f->n = 0;
}

static role_mask bit(unsigned role)
{
	return (role_mask)1 << role;
}

/* ---- rule-host pairs ---- */

/* The side a rule is judged on (SPEC section 2): the "from" hosts when that
 * role is a list of hosts, else every host of the "to" role. */
static bool judged_on_client(const struct ruleset *rs, const struct rule *r)
{
	const struct role *from = ruleset_role(rs, r->from_role);
	const struct cidr *hosts;
	return from->audited || ruleset_role_hosts(rs, r->from_role, &hosts) > 0;
}

static struct rule_host *add_pair(struct verdict *v, unsigned rule,
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
	p->ip_version = version;
	p->host = *host;
	uint32_t i = pair_hash(rule, version, host) & (PAIR_SLOTS - 1);
	while (v->pair_index[i])
		i = (i + 1) & (PAIR_SLOTS - 1);
	v->pair_index[i] = v->npairs;
	return p;
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
		const struct cidr *hosts;
		unsigned n = ruleset_role_hosts(v->rs, role, &hosts);
		for (unsigned h = 0; h < n && v->npairs < PAIR_SLOTS / 2; h++)
			add_pair(v, i, hosts[h].ip_version, &hosts[h].addr, true);
	}
	v->nconcrete = v->npairs;
}

static struct rule_host *find_pair(struct verdict *v, unsigned rule,
				   uint8_t version, const struct ip_addr *host)
{
	for (uint32_t i = pair_hash(rule, version, host) & (PAIR_SLOTS - 1);
	     v->pair_index[i]; i = (i + 1) & (PAIR_SLOTS - 1)) {
		struct rule_host *p = &v->pairs[v->pair_index[i] - 1];
		if (p->rule == rule && p->ip_version == version &&
		    memcmp(&p->host, host, sizeof(*host)) == 0)
			return p;
	}
	/* The index stays at most half full. */
	if (v->npairs - v->nconcrete >= MAX_DYNAMIC_PAIRS ||
	    v->npairs >= PAIR_SLOTS / 2)
		return NULL;
	return add_pair(v, rule, version, host, false);
}

struct verdict *verdict_new(const struct ruleset *rs)
{
	struct verdict *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->rs = rs;
	v->audited = ruleset_audited_roles(rs);
	v->pair_index = calloc(PAIR_SLOTS, sizeof(*v->pair_index));
	v->unexp_index = calloc(UNEXPECTED_SLOTS, sizeof(*v->unexp_index));
	if (!v->pair_index || !v->unexp_index) {
		verdict_free(v);
		return NULL;
	}
	add_concrete_pairs(v);
	return v;
}

void verdict_free(struct verdict *v)
{
	if (!v)
		return;
	free(v->pairs);
	free(v->unexp);
	free(v->pair_index);
	free(v->unexp_index);
	free(v);
}

void verdict_reset(struct verdict *v)
{
	v->npairs = 0;
	v->nunexp = 0;
	memset(v->pair_index, 0, PAIR_SLOTS * sizeof(*v->pair_index));
	memset(v->unexp_index, 0, UNEXPECTED_SLOTS * sizeof(*v->unexp_index));
	memset(&v->summary, 0, sizeof(v->summary));
	add_concrete_pairs(v);
}

/* ---- one flow's outcome ---- */

static const char *icmp_error_text(uint8_t version, uint8_t type, uint8_t code)
{
	if (version == 4 && type == 3) {
		switch (code) {
		case 0: return "network unreachable";
		case 1: return "host unreachable";
		case 2: return "protocol unreachable";
		case 3: return "port unreachable";
		case 9:
		case 10:
		case 13: return "administratively prohibited";
		default: return "destination unreachable";
		}
	}
	if (version == 6 && type == 1) {
		switch (code) {
		case 0: return "no route to destination";
		case 1: return "administratively prohibited";
		case 3: return "address unreachable";
		case 4: return "port unreachable";
		case 5: return "source address failed policy";
		case 6: return "reject route";
		default: return "destination unreachable";
		}
	}
	if ((version == 4 && type == 11) || (version == 6 && type == 3))
		return "time exceeded";
	return "error";
}

/* The server as a reason names it: endpoint, then name and its source. */
static void server_text(char *out, size_t len, const struct flow_record *r,
			const struct flow_class *c)
{
	char ep[ENDPOINT_TEXT_LEN];

	format_endpoint(ep, r->ip_version, &r->resp_h, r->resp_p);
	if (c && c->server_name[0])
		snprintf(out, len, "%s (%s, from %s)", ep, c->server_name,
			 c->server_name_source == NAME_SNI ? "TLS SNI" :
			 c->server_name_source == NAME_HTTP ? "HTTP Host" : "DNS");
	else
		snprintf(out, len, "%s", ep);
}

static bool is_tls(const struct flow_class *c)
{
	return c && c->classified &&
	       (strcmp(c->master_app, "TLS") == 0 || strcmp(c->app, "TLS") == 0);
}

/* Classifies a flow as a successful attempt or a failure of a kind. */
static bool attempt_outcome(const struct flow_record *r, const struct flow_class *c,
			    enum failure *kind)
{
	bool replied = r->resp.pkts > 0;

	if (r->proto == IP_PROTO_TCP) {
		bool synack = r->resp.saw & SAW_SYNACK;
		bool opened = r->orig.saw & SAW_SYN;
		bool reset = (r->orig.saw | r->resp.saw) & SAW_RST;
		if (!opened && !synack) {
			/* Picked up mid-stream: success if both sides spoke. */
			if (replied && r->orig.pkts > 0)
				return true;
			*kind = FAIL_ONE_WAY;
			return false;
		}
		if (!synack) {
			if (r->icmp_errors)
				*kind = FAIL_ICMP;
			else if (r->resp.saw & SAW_RST)
				*kind = FAIL_REJECTED;
			else
				*kind = FAIL_NO_REPLY;
			return false;
		}
		if (reset && r->resp.payload_bytes == 0) {
			if (r->orig.payload_bytes > 0) {
				*kind = FAIL_RESET_AFTER_DATA;
				return false;
			}
			if (r->resp.saw & SAW_RST) {
				*kind = FAIL_RESET_AT_HANDSHAKE;
				return false;
			}
		}
		return true;
	}
	if (replied)
		return true;
	*kind = r->icmp_errors ? FAIL_ICMP :
		r->proto == IP_PROTO_UDP ? FAIL_UDP_NO_REPLY : FAIL_ONE_WAY;
	(void)c;
	return false;
}

static void icmp_text(char *out, size_t len, const struct flow_record *r)
{
	snprintf(out, len, "%s (type %u code %u)",
		 icmp_error_text(r->ip_version, r->icmp_error_type, r->icmp_error_code),
		 r->icmp_error_type, r->icmp_error_code);
}

/* One failure's sentence for a tally of flows. */
static void failure_text(char *out, size_t len, enum failure kind,
			 const struct failure_tally *t, bool tls)
{
	uint64_t units = t->units;
	uint32_t flows = t->flows;
	const char *detail = t->detail;

	switch (kind) {
	case FAIL_NO_REPLY:
		snprintf(out, len, "%llu SYN to %s, no reply",
			 (unsigned long long)units, detail);
		break;
	case FAIL_REJECTED:
		snprintf(out, len, "%llu SYN to %s answered by RST",
			 (unsigned long long)units, detail);
		break;
	case FAIL_ICMP:
		snprintf(out, len, "%llu %s to %s answered by ICMP %s",
			 (unsigned long long)units, t->datagrams ? "datagrams" : "SYN",
			 detail, t->icmp);
		break;
	case FAIL_RESET_AFTER_DATA:
		if (tls)
			snprintf(out, len, "TLS ClientHello to %s, connection reset "
				 "before any server data", detail);
		else
			snprintf(out, len, "%u connection%s to %s reset after the "
				 "client's first data, before any server data",
				 flows, flows == 1 ? "" : "s", detail);
		break;
	case FAIL_RESET_AT_HANDSHAKE:
		snprintf(out, len, "%u connection%s to %s reset by the server right "
			 "after the handshake", flows, flows == 1 ? "" : "s", detail);
		break;
	case FAIL_UDP_NO_REPLY:
		snprintf(out, len, "%llu UDP datagram%s to %s never answered",
			 (unsigned long long)units, units == 1 ? "" : "s", detail);
		break;
	case FAIL_ONE_WAY:
		snprintf(out, len, "%llu packet%s to %s, no reply seen",
			 (unsigned long long)units, units == 1 ? "" : "s", detail);
		break;
	case FAIL_DNS:
		snprintf(out, len, "%s", detail);
		break;
	default:
		snprintf(out, len, "failed");
	}
}

/* Counts one failed flow into its tally. */
static void tally_failure(struct failure_tally *t, enum failure kind,
			  const struct flow_record *r, const struct flow_class *c)
{
	if (!t->flows++) {
		server_text(t->detail, sizeof(t->detail), r, c);
		icmp_text(t->icmp, sizeof(t->icmp), r);
		t->datagrams = r->proto == IP_PROTO_UDP;
	}
	t->units += kind == FAIL_NO_REPLY || kind == FAIL_REJECTED ||
		    (kind == FAIL_ICMP && r->proto == IP_PROTO_TCP) ?
		r->orig.syns : r->orig.pkts;
}

bool flow_attempt_succeeded(const struct flow_record *r,
			    const struct flow_class *c, char *why, size_t len)
{
	enum failure kind = FAIL_NO_REPLY;
	struct failure_tally t;

	if (attempt_outcome(r, c, &kind)) {
		snprintf(why, len, "succeeded (%s)", r->conn_state);
		return true;
	}
	memset(&t, 0, sizeof(t));
	tally_failure(&t, kind, r, c);
	failure_text(why, len, kind, &t, is_tls(c));
	return false;
}

/* ---- evidence ---- */

static void add_state(char *states, size_t len, const char *state)
{
	size_t n = strlen(state);
	for (const char *p = states; (p = strstr(p, state)); p += n)
		if ((p == states || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return;
	size_t used = strlen(states);
	if (used + n + 2 > len)
		return;
	if (used)
		states[used++] = ',';
	memcpy(states + used, state, n + 1);
}

static void set_example(struct evidence *e, const struct flow_record *r,
			const struct flow_class *c, role_mask client_roles,
			role_mask server_roles, bool succeeded)
{
	if (e->has_example && (e->example_succeeded || !succeeded))
		return;
	e->has_example = true;
	e->example_succeeded = succeeded;
	e->ip_version = r->ip_version;
	e->proto = r->proto;
	e->client = r->orig_h;
	e->server = r->resp_h;
	e->port = r->resp_p;
	e->client_roles = client_roles;
	e->server_roles = server_roles;
	snprintf(e->host, sizeof(e->host), "%s", c->server_name);
	e->host_source = c->server_name_source;
	e->client_geo = c->orig_geo;
	e->server_geo = c->resp_geo;
	if (c->classified)
		snprintf(e->app, sizeof(e->app), "%s%s%s", c->master_app,
			 c->master_app[0] ? "." : "", c->app);
}

static void count_flow(struct evidence *e, const struct flow_record *r)
{
	e->flows++;
	e->packets += r->orig.pkts + r->resp.pkts;
	e->bytes += r->orig.ip_bytes + r->resp.ip_bytes;
	if (!e->first_us || r->first_us < e->first_us)
		e->first_us = r->first_us;
	if (r->last_us > e->last_us)
		e->last_us = r->last_us;
	add_state(e->states, sizeof(e->states), r->conn_state);
}

static void record_attempt(struct rule_host *p, const struct flow_record *r,
			   const struct flow_class *c, role_mask client_roles,
			   role_mask server_roles)
{
	struct evidence *e = &p->ev;
	struct outcomes *o = &p->out;
	enum failure kind = FAIL_NO_REPLY;
	bool ok = attempt_outcome(r, c, &kind);

	count_flow(e, r);
	e->attempts++;
	set_example(e, r, c, client_roles, server_roles, ok);
	if (ok) {
		e->successes++;
		if (!o->success_flows++)
			server_text(o->success_detail, sizeof(o->success_detail), r, c);
		return;
	}
	tally_failure(&o->failures[kind], kind, r, c);
}

/* ---- matching ---- */

static bool app_allowed(const struct rule_service *s, const struct flow_class *c)
{
	if (s->napps == 0)
		return true;
	if (!c->classified || c->app_guessed || strcmp(c->app, "Unknown") == 0)
		return s->apps_allow_unknown;
	for (unsigned i = 0; i < s->napps; i++)
		if (strcmp(s->apps[i], c->app) == 0 ||
		    (c->master_app[0] && strcmp(s->apps[i], c->master_app) == 0))
			return true;
	return false;
}

struct match {
	unsigned rule;
	const struct rule_service *service;
};

#define MAX_MATCHES 32

/* Rules of the given applicability whose roles, protocol and port fit;
 * app_bad collects those the application contradicts. */
static unsigned match_rules(const struct verdict *v, role_mask client,
			    role_mask server, const struct flow_record *r,
			    const struct flow_class *c, bool applicable,
			    struct match *out, struct match *app_bad)
{
	unsigned n = 0;

	app_bad->service = NULL;
	for (unsigned i = 0; i < ruleset_rule_count(v->rs) && n < MAX_MATCHES; i++) {
		const struct rule *rule = ruleset_rule(v->rs, i);
		if (rule->applicable != applicable || !(client & bit(rule->from_role)) ||
		    !(server & bit(rule->to_role)))
			continue;
		for (unsigned s = 0; s < rule->nservices; s++) {
			const struct rule_service *svc = &rule->services[s];
			if (!service_matches(svc, r->proto, r->resp_p))
				continue;
			if (!app_allowed(svc, c)) {
				if (!app_bad->service)
					*app_bad = (struct match){ i, svc };
				continue;
			}
			out[n++] = (struct match){ i, svc };
			break;
		}
	}
	return n;
}

static bool nets_contain(const struct cidr *nets, unsigned n, uint8_t version,
			 const struct ip_addr *a)
{
	for (unsigned i = 0; i < n; i++)
		if (cidr_contains(&nets[i], version, a))
			return true;
	return false;
}

static bool allow_side(role_mask roles, const struct cidr *nets, unsigned nnets,
		       role_mask have, uint8_t version, const struct ip_addr *a)
{
	if (!roles && !nnets)
		return true;  /* "any" */
	return (roles & have) || nets_contain(nets, nnets, version, a);
}

static const struct site_allow *site_allows(const struct verdict *v,
					    const struct flow_record *r,
					    role_mask client, role_mask server)
{
	for (unsigned i = 0; i < ruleset_allow_count(v->rs); i++) {
		const struct site_allow *a = ruleset_allow(v->rs, i);
		if (a->proto && a->proto != r->proto)
			continue;
		if (a->nports) {
			bool hit = false;
			for (unsigned p = 0; p < a->nports && !hit; p++)
				hit = r->resp_p >= a->ports[p].lo && r->resp_p <= a->ports[p].hi;
			if (!hit)
				continue;
		}
		if (allow_side(a->from_roles, a->from_nets, a->nfrom_nets, client,
			       r->ip_version, &r->orig_h) &&
		    allow_side(a->to_roles, a->to_nets, a->nto_nets, server,
			       r->ip_version, &r->resp_h))
			return a;
	}
	return NULL;
}

/* The roles worth naming for an address: its audited ones when it has
 * any (every address is also a "mobile client" of 0.0.0.0/0). */
static role_mask shown_roles(const struct ruleset *rs, role_mask m)
{
	role_mask audited = m & ruleset_audited_roles(rs);
	if (audited)
		return audited;
	/* Then roles more specific than a catch-all network (0.0.0.0/0). */
	role_mask specific = m;
	for (unsigned i = 0; i < ruleset_role_count(rs); i++) {
		const struct cidr *nets;
		unsigned n = ruleset_role_nets(rs, i, &nets);
		for (unsigned j = 0; j < n; j++)
			if (nets[j].prefix == 0)
				specific &= ~bit(i);
	}
	return specific ? specific : m;
}

/* "mobile_service+webaccess" or "no role" */
static void roles_text(const struct ruleset *rs, role_mask m, char *out, size_t len)
{
	m = shown_roles(rs, m);
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < ruleset_role_count(rs) && used + 1 < len; i++) {
		if (!(m & bit(i)))
			continue;
		int w = snprintf(out + used, len - used, "%s%s", used ? "+" : "",
				 ruleset_role(rs, i)->name);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (!out[0])
		snprintf(out, len, "an address of no role");
}

/* Finds a rule between audited roles the flow would match in the other
 * direction (a population such as 0.0.0.0/0 holds every address, so it
 * says nothing about direction). */
static const struct rule *reversed_rule(const struct verdict *v, role_mask client,
					role_mask server, const struct flow_record *r)
{
	client &= v->audited;
	server &= v->audited;
	for (unsigned i = 0; i < ruleset_rule_count(v->rs); i++) {
		const struct rule *rule = ruleset_rule(v->rs, i);
		if (!rule->applicable || !(server & bit(rule->from_role)) ||
		    !(client & bit(rule->to_role)))
			continue;
		for (unsigned s = 0; s < rule->nservices; s++)
			if (service_matches(&rule->services[s], r->proto, r->resp_p))
				return rule;
	}
	return NULL;
}

/* A rule from the client's roles to a role bound by host name on this port:
 * the flow went to some other internet host. */
static const struct rule *name_bound_rule(const struct verdict *v, role_mask client,
					  const struct flow_record *r)
{
	for (unsigned i = 0; i < ruleset_rule_count(v->rs); i++) {
		const struct rule *rule = ruleset_rule(v->rs, i);
		const char *const *names;
		if (!rule->applicable || !(client & bit(rule->from_role)) ||
		    ruleset_role_names(v->rs, rule->to_role, &names) == 0)
			continue;
		for (unsigned s = 0; s < rule->nservices; s++)
			if (service_matches(&rule->services[s], r->proto, r->resp_p))
				return rule;
	}
	return NULL;
}

static bool any_rule_between(const struct verdict *v, role_mask client,
			     role_mask server)
{
	for (unsigned i = 0; i < ruleset_rule_count(v->rs); i++) {
		const struct rule *rule = ruleset_rule(v->rs, i);
		if (rule->applicable && (client & bit(rule->from_role)) &&
		    (server & bit(rule->to_role)))
			return true;
	}
	return false;
}

/* Why no rule allows the flow, most specific reason first. */
static void unexpected_reason(const struct verdict *v, const struct flow_record *r,
			      const struct flow_class *c, role_mask client,
			      role_mask server, const struct match *app_bad,
			      char *out, size_t len)
{
	char cr[160], sr[160], port[32];
	const struct rule *rule;
	struct match off[MAX_MATCHES], off_bad;

	roles_text(v->rs, client, cr, sizeof(cr));
	roles_text(v->rs, server, sr, sizeof(sr));
	snprintf(port, sizeof(port), "%s/%u", ip_proto_name(r->proto, "ip"), r->resp_p);

	if (app_bad->service) {
		rule = ruleset_rule(v->rs, app_bad->rule);
		char want[160] = "";
		size_t used = 0;
		for (unsigned i = 0; i < app_bad->service->napps && used + 1 < sizeof(want); i++) {
			int w = snprintf(want + used, sizeof(want) - used, "%s%s",
					 i ? "/" : "", app_bad->service->apps[i]);
			if (w > 0)
				used += (size_t)w;
		}
		snprintf(out, len, "application mismatch: nDPI found %s%s%s on %s; "
			 "rule %s expects %s", c->master_app, c->master_app[0] ? "." : "",
			 c->app, port, rule->id, want);
	} else if (match_rules(v, client, server, r, c, false, off, &off_bad)) {
		rule = ruleset_rule(v->rs, off[0].rule);
		snprintf(out, len, "rule %s would allow %s but is not applicable: %s",
			 rule->id, port, rule->not_applicable_why ?
			 rule->not_applicable_why : "not applicable");
	} else if ((rule = reversed_rule(v, client, server, r))) {
		snprintf(out, len, "wrong direction: %s -> %s on %s; rule %s allows "
			 "%s -> %s", cr, sr, port, rule->id,
			 ruleset_role(v->rs, rule->from_role)->name,
			 ruleset_role(v->rs, rule->to_role)->name);
	} else if ((rule = name_bound_rule(v, client, r))) {
		const char *const *names;
		unsigned n = ruleset_role_names(v->rs, rule->to_role, &names);
		char ip[IP_TEXT_LEN];
		format_ip(ip, r->ip_version, &r->resp_h);
		snprintf(out, len, "internet host not the documented one: %s%s%s%s "
			 "on %s; rule %s allows only %s%s", ip,
			 c->server_name[0] ? " (" : "", c->server_name,
			 c->server_name[0] ? ")" : "", port, rule->id,
			 n ? names[0] : "", n > 1 ? " and others" : "");
	} else if (any_rule_between(v, client, server)) {
		char rules[200] = "";
		size_t used = 0;
		for (unsigned i = 0; i < ruleset_rule_count(v->rs); i++) {
			const struct rule *x = ruleset_rule(v->rs, i);
			if (!x->applicable || !(client & bit(x->from_role)) ||
			    !(server & bit(x->to_role)))
				continue;
			int w = snprintf(rules + used, sizeof(rules) - used, "%s%s",
					 used ? ", " : "", x->id);
			if (w < 0 || (size_t)w >= sizeof(rules) - used)
				break;
			used += (size_t)w;
		}
		snprintf(out, len, "no rule for %s between %s and %s; %s cover "
			 "other ports", port, cr, sr, rules);
	} else {
		snprintf(out, len, "no rule allows %s -> %s on %s", cr, sr, port);
	}
}

static uint32_t unexpected_slot(const struct flow_record *r, uint32_t reason_hash)
{
	uint32_t h = fnv1a(reason_hash, &r->orig_h, sizeof(r->orig_h));
	h = fnv1a(h, &r->resp_h, sizeof(r->resp_h));
	h = fnv1a(h, &r->resp_p, sizeof(r->resp_p));
	return fnv1a(h, &r->proto, 1) & (UNEXPECTED_SLOTS - 1);
}

static struct unexpected *unexpected_entry(struct verdict *v,
					   const struct flow_record *r,
					   const char *reason)
{
	uint32_t h = fnv1a_str(FNV1A_INIT, reason);
	uint32_t slot = unexpected_slot(r, h);

	for (; v->unexp_index[slot]; slot = (slot + 1) & (UNEXPECTED_SLOTS - 1)) {
		struct unexpected *u = &v->unexp[v->unexp_index[slot] - 1];
		if (u->reason_hash == h && u->proto == r->proto &&
		    u->port == r->resp_p && u->ip_version == r->ip_version &&
		    memcmp(&u->client, &r->orig_h, sizeof(u->client)) == 0 &&
		    memcmp(&u->server, &r->resp_h, sizeof(u->server)) == 0 &&
		    strcmp(u->reason, reason) == 0)
			return u;
	}
	if (v->nunexp >= MAX_UNEXPECTED)
		return NULL;
	if (v->nunexp == v->unexp_cap) {
		unsigned n = v->unexp_cap ? v->unexp_cap * 2 : 64;
		if (n > MAX_UNEXPECTED)
			n = MAX_UNEXPECTED;
		struct unexpected *p = realloc(v->unexp, n * sizeof(*p));
		if (!p)
			return NULL;
		v->unexp = p;
		v->unexp_cap = n;
	}
	struct unexpected *u = &v->unexp[v->nunexp++];
	memset(u, 0, sizeof(*u));
	u->ip_version = r->ip_version;
	u->proto = r->proto;
	u->client = r->orig_h;
	u->server = r->resp_h;
	u->port = r->resp_p;
	u->reason_hash = h;
	snprintf(u->reason, sizeof(u->reason), "%s", reason);
	v->unexp_index[slot] = v->nunexp;
	return u;
}

static void judge_unexpected(struct verdict *v, const struct flow_record *r,
			     const struct flow_class *c, role_mask client,
			     role_mask server, const struct match *app_bad,
			     struct flow_judgement *j)
{
	char reason[400];

	v->summary.unexpected_flows++;
	unexpected_reason(v, r, c, client, server, app_bad, reason, sizeof(reason));
	if (j) {
		j->kind = JUDGED_UNEXPECTED;
		snprintf(j->reason, sizeof(j->reason), "%s", reason);
	}
	struct unexpected *u = unexpected_entry(v, r, reason);
	if (!u) {
		v->summary.unexpected_not_itemized++;
		return;
	}
	count_flow(&u->ev, r);
	bool ok = attempt_outcome(r, c, &(enum failure){ FAIL_NO_REPLY });
	set_example(&u->ev, r, c, client, server, ok);
}

static void judge_allowed(struct verdict *v, const struct flow_record *r,
			  const struct flow_class *c, role_mask client,
			  role_mask server, const struct match *m)
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
	record_attempt(p, r, c, client, server);
	if (!p->ev.service)
		p->ev.service = m->service;
}

/* A refused or NXDOMAIN lookup of a name the site binds to a role is a
 * failed attempt of every rule from the client's roles to that role. */
static void judge_dns_failure(struct verdict *v, const struct flow_record *r,
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
		if (!rule->applicable || !(client & bit(rule->from_role)) ||
		    !(named & bit(rule->to_role)) || !judged_on_client(v->rs, rule))
			continue;
		struct rule_host *p = find_pair(v, i, r->ip_version, &r->orig_h);
		if (!p)
			continue;
		struct evidence *e = &p->ev;
		char resolver[IP_TEXT_LEN];
		format_ip(resolver, r->ip_version, &r->resp_h);
		count_flow(e, r);
		e->attempts++;
		struct failure_tally *t = &p->out.failures[FAIL_DNS];
		if (!t->flows++)
			snprintf(t->detail, sizeof(t->detail),
				 "DNS lookup of %s answered %s by %s", d->query,
				 d->rcode_name, resolver);
		t->units++;
		if (!e->has_example) {
			set_example(e, r, c, client, named, false);
			e->has_example = true;
			memset(&e->server, 0, sizeof(e->server));
			e->port = 0;
			e->proto = 0;
			snprintf(e->host, sizeof(e->host), "%s", d->query);
			e->host_source = NAME_DNS;
		}
	}
}

static void judged(struct flow_judgement *j, enum flow_judgement_kind kind,
		   const struct rule *rule)
{
	if (!j)
		return;
	j->kind = kind;
	j->rule = rule;
}

/* Judges one flow; records it as evidence only when `record` (a flow
 * already counted elsewhere is judged for its event line alone). */
static void judge_flow(struct verdict *v, const struct flow_record *r,
		       const struct flow_class *c, struct flow_judgement *j, bool record)
{
	if (j)
		memset(j, 0, sizeof(*j));
	if (record)
		v->summary.flows++;
	if (r->is_icmp_error) {
		if (record)
			v->summary.icmp_errors++;
		judged(j, JUDGED_ICMP_ERROR, NULL);
		return;
	}
	role_mask client = ruleset_roles_of_addr(v->rs, r->ip_version, &r->orig_h);
	role_mask server = ruleset_roles_of_addr(v->rs, r->ip_version, &r->resp_h);
	if (c->server_name[0])
		server |= ruleset_roles_of_name(v->rs, c->server_name);
	if (!((client | server) & v->audited)) {
		if (record)
			v->summary.out_of_scope++;
		judged(j, JUDGED_OUT_OF_SCOPE, NULL);
		return;
	}
	if (record) {
		v->summary.in_scope++;
		judge_dns_failure(v, r, c, client);
	}

	struct match m[MAX_MATCHES], app_bad;
	unsigned n = match_rules(v, client, server, r, c, true, m, &app_bad);
	for (unsigned i = 0; record && i < n; i++)
		judge_allowed(v, r, c, client, server, &m[i]);
	if (n) {
		if (j) {
			bool ok = flow_attempt_succeeded(r, c, j->reason, sizeof(j->reason));
			judged(j, ok ? JUDGED_ALLOWED : JUDGED_FAILED_ATTEMPT,
			       ruleset_rule(v->rs, m[0].rule));
		}
		return;
	}
	if (!app_bad.service && site_allows(v, r, client, server)) {
		if (record)
			v->summary.allowed_by_site++;
		judged(j, JUDGED_ALLOWED_BY_SITE, NULL);
		return;
	}
	if (record) {
		judge_unexpected(v, r, c, client, server, &app_bad, j);
	} else if (j) {
		j->kind = JUDGED_UNEXPECTED;
		unexpected_reason(v, r, c, client, server, &app_bad, j->reason,
				  sizeof(j->reason));
	}
}

void verdict_flow_judged(struct verdict *v, const struct flow_record *r,
			 const struct flow_class *c, struct flow_judgement *j)
{
	judge_flow(v, r, c, j, true);
}

void verdict_judge(const struct verdict *v, const struct flow_record *r,
		   const struct flow_class *c, struct flow_judgement *j)
{
	/* Nothing is recorded: the cast only lets the shared code run. */
	judge_flow((struct verdict *)v, r, c, j, false);
}

void verdict_flow(struct verdict *v, const struct flow_record *r,
		  const struct flow_class *c)
{
	verdict_flow_judged(v, r, c, NULL);
}

/* ---- findings ---- */

static void compose_failures(const struct evidence *e, const struct outcomes *o,
			     char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (int k = 0; k < FAIL_KIND_COUNT && used + 3 < len; k++) {
		const struct failure_tally *t = &o->failures[k];
		char one[400];
		if (!t->flows)
			continue;
		failure_text(one, sizeof(one), (enum failure)k, t,
			     strstr(e->app, "TLS") != NULL);
		int w = snprintf(out + used, len - used, "%s%s", used ? "; " : "", one);
		if (w < 0)
			break;
		used += (size_t)w;
	}
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
	fe->roles = bit(role);
	fe->nexpected = ruleset_role_nets(rs, role, &fe->expected);
	fe->nexpected_names = ruleset_role_names(rs, role, &fe->expected_names);
	if (fe->nexpected_names) {
		snprintf(fe->host, sizeof(fe->host), "%s", fe->expected_names[0]);
	}
}

static bool pair_finding(const struct verdict *v, const struct rule_host *p,
			 struct finding *f)
{
	const struct rule *rule = ruleset_rule(v->rs, p->rule);
	const struct evidence *e = &p->ev;

	memset(f, 0, sizeof(*f));
	f->rule = rule;
	if (e->attempts == 0) {
		if (!p->concrete || rule->need != NEED_REQUIRED)
			return false;
		f->kind = FINDING_MISSING;
		first_evidence_service(rule, f);
		unsigned other = p->judged_on_client ? rule->to_role : rule->from_role;
		struct finding_endpoint *judged = p->judged_on_client ? &f->client : &f->server;
		struct finding_endpoint *absent = p->judged_on_client ? &f->server : &f->client;
		fill_endpoint(judged, true, p->ip_version, &p->host,
			      shown_roles(v->rs, ruleset_roles_of_addr(v->rs, p->ip_version,
								       &p->host)), NULL);
		expected_side(v->rs, other, absent);
		if (!p->judged_on_client) {
			f->server.has_port = true;
			f->server.port = f->port;
		}
		char host[IP_TEXT_LEN], svc[64] = "";
		format_ip(host, p->ip_version, &p->host);
		if (f->service)
			service_format(f->service, svc, sizeof(svc));
		if (p->judged_on_client)
			snprintf(f->reason, sizeof(f->reason), "no traffic from %s to %s "
				 "on %s", host, ruleset_role(v->rs, rule->to_role)->name, svc);
		else
			snprintf(f->reason, sizeof(f->reason), "no traffic from %s to %s "
				 "on %s", ruleset_role(v->rs, rule->from_role)->name, host, svc);
		return true;
	}
	copy_counts(f, e);
	example_endpoints(v->rs, f, e);
	f->service = e->service;
	if (e->successes) {
		f->kind = FINDING_OBSERVED;
		snprintf(f->reason, sizeof(f->reason), "%llu of %llu attempt%s to %s "
			 "succeeded (%s)", (unsigned long long)e->successes,
			 (unsigned long long)e->attempts, e->attempts == 1 ? "" : "s",
			 p->out.success_detail, e->states);
	} else {
		f->kind = FINDING_BLOCKED;
		compose_failures(e, &p->out, f->reason, sizeof(f->reason));
	}
	return true;
}

static void unexpected_finding(const struct ruleset *rs, const struct unexpected *u,
			       struct finding *f)
{
	memset(f, 0, sizeof(*f));
	f->kind = FINDING_UNEXPECTED;
	copy_counts(f, &u->ev);
	example_endpoints(rs, f, &u->ev);
	f->client.has_port = false;
	snprintf(f->reason, sizeof(f->reason), "%s", u->reason);
}

static unsigned rule_index(const struct ruleset *rs, const struct rule *r)
{
	for (unsigned i = 0; r && i < ruleset_rule_count(rs); i++)
		if (ruleset_rule(rs, i) == r)
			return i;
	return UINT32_MAX;
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
	if (a->client.has_ip != b->client.has_ip)
		return a->client.has_ip ? 1 : -1;
	if ((c = ip_addr_compare(a->client.ip_version, &a->client.ip, b->client.ip_version,
			&b->client.ip)))
		return c;
	if (a->server.has_ip != b->server.has_ip)
		return a->server.has_ip ? 1 : -1;
	if ((c = ip_addr_compare(a->server.ip_version, &a->server.ip, b->server.ip_version,
			&b->server.ip)))
		return c;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return strcmp(a->reason, b->reason);
}

bool verdict_findings(const struct verdict *v, struct findings *out)
{
	memset(out, 0, sizeof(*out));
	out->items = calloc((size_t)v->npairs + v->nunexp + 1, sizeof(*out->items));
	if (!out->items)
		return false;
	for (unsigned i = 0; i < v->npairs; i++)
		if (pair_finding(v, &v->pairs[i], &out->items[out->n]))
			out->n++;
	for (unsigned i = 0; i < v->nunexp; i++)
		unexpected_finding(v->rs, &v->unexp[i], &out->items[out->n++]);
	qsort_r(out->items, out->n, sizeof(*out->items), cmp_finding,
		(void *)v->rs);
	out->summary = v->summary;
	for (unsigned i = 0; i < out->n; i++)
		out->summary.count[out->items[i].kind]++;
	return true;
}
