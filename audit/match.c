/* match.c - a flow against the rules: which allow it, the site's own
 * exceptions, and, when nothing allows it, the most specific cause. Reads
 * the rule set only; records nothing. */
#include <stdio.h>
#include <string.h>

#include "audit_internal.h"

bool judged_on_client(const struct ruleset *rs, const struct rule *r)
{
	const struct role *from = ruleset_role(rs, r->from_role);
	const struct cidr *hosts;
	return from->audited || ruleset_role_hosts(rs, r->from_role, &hosts) > 0;
}

/* An application constraint holds unless nDPI confidently identified
 * something the service does not list. A guess, or a detector that also
 * fires on random or encrypted bytes, is no identification: the flow counts
 * as unknown (docs/app-confidence.md), so a proprietary protocol such as
 * the licence traffic is never unexpected for what a heuristic saw in it. */
static bool app_allowed(const struct rule_service *s, const struct flow_class *c)
{
	if (s->napps == 0)
		return true;
	if (c->app_confidence < APP_CONFIDENCE_CONFIDENT)
		return s->apps_allow_unknown;
	for (unsigned i = 0; i < s->napps; i++)
		if (strcmp(s->apps[i], c->app) == 0 ||
		    (c->master_app[0] && strcmp(s->apps[i], c->master_app) == 0))
			return true;
	return false;
}

static bool rule_links(const struct rule *rule, role_mask client, role_mask server)
{
	return (client & role_bit(rule->from_role)) && (server & role_bit(rule->to_role));
}

unsigned match_rules(const struct ruleset *rs, role_mask client, role_mask server,
		     const struct flow_record *r, const struct flow_class *c,
		     bool applicable, struct match *out, struct match *app_bad)
{
	unsigned n = 0;

	app_bad->service = NULL;
	for (unsigned i = 0; i < ruleset_rule_count(rs) && n < MAX_MATCHES; i++) {
		const struct rule *rule = ruleset_rule(rs, i);
		if (rule->applicable != applicable || !rule_links(rule, client, server))
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

static bool allow_port(const struct site_allow *a, uint16_t port)
{
	if (!a->nports)
		return true;
	for (unsigned p = 0; p < a->nports; p++)
		if (port >= a->ports[p].lo && port <= a->ports[p].hi)
			return true;
	return false;
}

const struct site_allow *site_allows(const struct ruleset *rs,
				     const struct flow_record *r,
				     role_mask client, role_mask server,
				     unsigned *index, int *expired)
{
	*expired = -1;
	for (unsigned i = 0; i < ruleset_allow_count(rs); i++) {
		const struct site_allow *a = ruleset_allow(rs, i);
		if ((a->proto && a->proto != r->proto) || !allow_port(a, r->resp_p))
			continue;
		if (!allow_side(a->from_roles, a->from_nets, a->nfrom_nets, client,
				r->ip_version, &r->orig_h) ||
		    !allow_side(a->to_roles, a->to_nets, a->nto_nets, server,
				r->ip_version, &r->resp_h))
			continue;
		/* An exception covers traffic up to the end of its last day. */
		if (a->expires_us && r->first_us >= a->expires_us) {
			if (*expired < 0)
				*expired = (int)i;
			continue;
		}
		*index = i;
		return a;
	}
	return NULL;
}

/* The all-ones host part of an IPv4 network of /30 or wider. */
static bool is_directed_broadcast(const struct cidr *net, const struct ip_addr *a)
{
	if (net->ip_version != 4 || net->prefix == 0 || net->prefix > 30 ||
	    !cidr_contains(net, 4, a))
		return false;
	uint32_t v = (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 |
		     (uint32_t)a->b[2] << 8 | a->b[3];
	uint32_t host = 0xffffffffu >> net->prefix;
	return (v & host) == host;
}

/* Traffic with no peer to judge: broadcast and multicast, and IPv6
 * neighbour discovery (router and neighbour solicitations and adverts,
 * redirects: ICMPv6 types 133 to 137, unicast ones included). A UDP datagram
 * to an IPv4 address ending in .255 that nothing answered is taken for a
 * subnet broadcast even where the site binds no network around it (a
 * server's NetBIOS broadcast): a host numbered .255 that answers is judged. */
bool is_peerless(const struct ruleset *rs, const struct flow_record *r)
{
	if (r->proto == IP_PROTO_ICMPV6 && r->orig_p >= 133 && r->orig_p <= 137)
		return true;
	if (r->ip_version == 4 && r->proto == IP_PROTO_UDP && r->resp_h.b[3] == 255 &&
	    r->resp.pkts == 0)
		return true;
	return is_broadcast_or_multicast(rs, r->ip_version, &r->resp_h);
}

bool is_broadcast_or_multicast(const struct ruleset *rs, uint8_t version,
			       const struct ip_addr *a)
{
	if (version == 6)
		return a->b[0] == 0xff;
	if ((a->b[0] & 0xf0) == 224)
		return true;
	if (a->b[3] != 255 && (a->b[3] & 1) == 0)
		return false;  /* no broadcast of a /30 or wider ends even */
	if (a->b[0] == 255 && a->b[1] == 255 && a->b[2] == 255 && a->b[3] == 255)
		return true;
	for (unsigned i = 0; i < ruleset_role_count(rs); i++) {
		const struct cidr *nets;
		unsigned n = ruleset_role_nets(rs, i, &nets);
		for (unsigned j = 0; j < n; j++)
			if (is_directed_broadcast(&nets[j], a))
				return true;
	}
	return false;
}

/* Its audited roles when it has any (every address is also a "mobile
 * client" of 0.0.0.0/0), else its peer roles; else the roles more specific
 * than a catch-all network. */
role_mask shown_roles(const struct ruleset *rs, role_mask m)
{
	role_mask dedicated = 0;
	for (unsigned i = 0; i < ruleset_role_count(rs); i++)
		if (ruleset_role(rs, i)->dedicated)
			dedicated |= role_bit(i);
	/* A dedicated SQL server is named as the SQL server it is. */
	role_mask named = m & ruleset_audited_roles(rs) & ~dedicated;
	if (!named)
		named = m & ruleset_peer_roles(rs);
	if (!named)
		named = m & dedicated;
	if (named)
		return named;
	role_mask specific = m;
	for (unsigned i = 0; i < ruleset_role_count(rs); i++) {
		const struct cidr *nets;
		unsigned n = ruleset_role_nets(rs, i, &nets);
		for (unsigned j = 0; j < n; j++)
			if (nets[j].prefix == 0)
				specific &= ~role_bit(i);
	}
	return specific ? specific : m;
}

static bool rule_serves(const struct rule *rule, const struct flow_record *r)
{
	for (unsigned s = 0; s < rule->nservices; s++)
		if (service_matches(&rule->services[s], r->proto, r->resp_p))
			return true;
	return false;
}

/* A rule between audited or peer roles the flow would match in the other
 * direction (a population such as 0.0.0.0/0 holds every address, so it
 * says nothing about direction). */
static const struct rule *reversed_rule(const struct ruleset *rs, role_mask named,
					role_mask client, role_mask server,
					const struct flow_record *r)
{
	for (unsigned i = 0; i < ruleset_rule_count(rs); i++) {
		const struct rule *rule = ruleset_rule(rs, i);
		if (rule->applicable &&
		    rule_links(rule, server & named, client & named) &&
		    rule_serves(rule, r))
			return rule;
	}
	return NULL;
}

/* A rule from the client's roles to a role bound by host name on this
 * port: the flow went to some other internet host. */
const struct rule *name_bound_rule(const struct ruleset *rs, role_mask client,
				   const struct flow_record *r)
{
	for (unsigned i = 0; i < ruleset_rule_count(rs); i++) {
		const struct rule *rule = ruleset_rule(rs, i);
		const char *const *names;
		if (rule->applicable && (client & role_bit(rule->from_role)) &&
		    ruleset_role_names(rs, rule->to_role, &names) > 0 &&
		    rule_serves(rule, r))
			return rule;
	}
	return NULL;
}

/* Every applicable rule between the two roles, whatever its ports. */
static unsigned rules_between(const struct ruleset *rs, role_mask client,
			      role_mask server, struct unexpected_cause *out)
{
	for (unsigned i = 0; i < ruleset_rule_count(rs) && out->nrules < CAUSE_MAX_RULES; i++) {
		const struct rule *rule = ruleset_rule(rs, i);
		if (rule->applicable && rule_links(rule, client, server))
			out->rules[out->nrules++] = rule;
	}
	return out->nrules;
}

static void cause_rule(struct unexpected_cause *out, enum finding_cause cause,
		       const struct rule *rule)
{
	out->cause = cause;
	out->rules[0] = rule;
	out->nrules = 1;
}

void unexpected_cause(const struct ruleset *rs, role_mask audited,
		      const struct flow_record *r, const struct flow_class *c,
		      role_mask client, role_mask server,
		      const struct match *app_bad, struct unexpected_cause *out)
{
	struct match off[MAX_MATCHES], off_bad;
	const struct rule *rule;

	memset(out, 0, sizeof(*out));
	out->client_roles = shown_roles(rs, client);
	out->server_roles = shown_roles(rs, server);
	snprintf(out->host, sizeof(out->host), "%s", c->server_name);
	if (app_bad->service) {
		cause_rule(out, CAUSE_APP_MISMATCH, ruleset_rule(rs, app_bad->rule));
		out->service = app_bad->service;
		app_text(out->app, sizeof(out->app), c);
	} else if (match_rules(rs, client, server, r, c, false, off, &off_bad)) {
		cause_rule(out, CAUSE_NOT_APPLICABLE, ruleset_rule(rs, off[0].rule));
	} else if ((rule = reversed_rule(rs, audited | ruleset_peer_roles(rs), client,
					 server, r))) {
		cause_rule(out, CAUSE_WRONG_DIRECTION, rule);
	} else if ((rule = name_bound_rule(rs, client, r))) {
		cause_rule(out, CAUSE_UNDOCUMENTED_INTERNET_HOST, rule);
	} else if (rules_between(rs, client, server, out)) {
		out->cause = CAUSE_PORT_NOT_ALLOWED;
	} else {
		out->cause = CAUSE_NO_RULE;
	}
}
