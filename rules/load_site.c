/* load_site.c - the site file (docs/site-format.md): role bindings, parameter
 * overrides, features switched off, and site-local allowances. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "rules_internal.h"

static void unknown_role(struct ruleset *rs, struct json_file *f, const char *path,
			 bool at_value, const char *name)
{
	char hint[1024];

	unknown_name_hint(hint, sizeof(hint), name, ROLES(rs), "the matrix's roles are:", true);
	report_at(f, true, path, at_value, hint, "unknown role \"%s\"", name);
}

static bool push_net(struct ruleset *rs, struct role_binding *b, const struct cidr *c)
{
	if (b->nnets == b->cap_nets) {
		unsigned cap = b->cap_nets ? b->cap_nets * 2 : 8;
		struct cidr *n = arena_alloc(&rs->arena, cap * sizeof(*n));
		if (!n)
			return false;
		if (b->nnets)
			memcpy(n, b->nets, b->nnets * sizeof(*n));
		b->nets = n;
		b->cap_nets = cap;
	}
	b->nets[b->nnets++] = *c;
	return true;
}

static bool push_name(struct ruleset *rs, struct role_binding *b, const char *name)
{
	if (b->nnames == b->cap_names) {
		unsigned cap = b->cap_names ? b->cap_names * 2 : 4;
		const char **n = arena_alloc(&rs->arena, cap * sizeof(*n));
		if (!n)
			return false;
		if (b->nnames)
			memcpy(n, b->names, b->nnames * sizeof(*n));
		b->names = n;
		b->cap_names = cap;
	}
	char *lower = arena_strdup(&rs->arena, name);
	if (!lower)
		return false;
	for (char *p = lower; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	b->names[b->nnames++] = lower;
	return true;
}

/* ---- hosts with several addresses: {"host": "lic01", "addresses": [...]} ---- */

int named_host(const struct ruleset *rs, const char *name)
{
	for (unsigned i = 0; i < rs->nnamed; i++)
		if (strcmp(rs->hosts[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool same_address(const struct cidr *a, const struct cidr *b)
{
	return a->ip_version == b->ip_version &&
	       memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0;
}

int named_host_of(const struct ruleset *rs, const struct cidr *c)
{
	for (unsigned i = 0; i < rs->nnamed; i++)
		for (unsigned j = 0; j < rs->hosts[i].naddrs; j++)
			if (same_address(&rs->hosts[i].addrs[j], c))
				return (int)i;
	return -1;
}

static bool single_address(const struct cidr *c)
{
	return c->prefix == (c->ip_version == 4 ? 32 : 128);
}

static struct site_host *new_named_host(struct ruleset *rs)
{
	if (rs->nnamed == rs->cap_hosts) {
		unsigned cap = rs->cap_hosts ? rs->cap_hosts * 2 : 8;
		struct site_host *h = arena_alloc(&rs->arena, cap * sizeof(*h));
		struct host_def *d = arena_alloc(&rs->arena, cap * sizeof(*d));
		if (!h || !d)
			return NULL;
		if (rs->nnamed) {
			memcpy(h, rs->hosts, rs->nnamed * sizeof(*h));
			memcpy(d, rs->host_defs, rs->nnamed * sizeof(*d));
		}
		rs->hosts = h;
		rs->host_defs = d;
		rs->cap_hosts = cap;
	}
	rs->nhosts = ++rs->nnamed;
	return &rs->hosts[rs->nnamed - 1];
}

/* A host object's name, or NULL (reported when report is set). A name is
 * a host name, not an address, and not a role's (dedicated lists both). */
static const char *host_object_name(struct ruleset *rs, struct json_file *f,
				    const cJSON *e, const char *path, bool report)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "host");
	char p[PATH_LEN];
	struct cidr c;
	bool host_bits;

	path_key(p, path, "host");
	if (!cJSON_IsString(n) || !n->valuestring[0]) {
		if (report)
			report_at(f, true, n ? p : path, true, "{\"host\": \"lic01\", "
				  "\"addresses\": [\"10.1.0.10\", \"fd00::10\"]}",
				  "a host needs \"host\": its name");
		return NULL;
	}
	const char *name = n->valuestring;
	const char *why = NULL;
	if (parse_cidr(name, &c, &host_bits))
		why = "is an address: name the host, and list its addresses under "
		      "\"addresses\"";
	else if (!valid_host_name(name) || name[0] == '*')
		why = "is not a host name (letters, digits, '-', '_' and dots)";
	else if (name_index(ROLES(rs), name) >= 0)
		why = "is a role's name";
	if (why) {
		if (report)
			report_at(f, true, p, true, "name it as the site knows the machine, "
				  "such as \"lic01\"", "bad host name \"%s\": it %s", name, why);
		return NULL;
	}
	return name;
}

static const char *const host_keys[] = { "host", "addresses" };

/* A host's addresses from its object: single addresses, each once; false
 * after reporting any that is not. */
static bool host_addresses(struct ruleset *rs, struct json_file *f, const cJSON *list,
			   const char *path, struct cidr **out, unsigned *n)
{
	unsigned count = (unsigned)cJSON_GetArraySize(list), i = 0;
	bool ok = true;

	*n = 0;
	*out = arena_alloc(&rs->arena, (count + 1) * sizeof(**out));
	if (!*out)
		return false;
	for (const cJSON *e = list->child; e; e = e->next, i++) {
		char ep[PATH_LEN];
		struct cidr c;
		bool host_bits;
		path_index(ep, path, i);
		if (!cJSON_IsString(e) || !parse_cidr(e->valuestring, &c, &host_bits)) {
			report_at(f, true, ep, true, "an IPv4 or IPv6 address, such as "
				  "\"10.1.0.10\" or \"fd00::10\"", "bad address %s%s%s",
				  cJSON_IsString(e) ? "\"" : "",
				  cJSON_IsString(e) ? e->valuestring : "(not a string)",
				  cJSON_IsString(e) ? "\"" : "");
			ok = false;
			continue;
		}
		if (!single_address(&c)) {
			report_at(f, true, ep, true, "bind networks to the role directly, "
				  "not inside a host", "\"%s\" is a network: a host's "
				  "addresses are single addresses", e->valuestring);
			ok = false;
			continue;
		}
		bool twice = false;
		for (unsigned k = 0; k < *n; k++)
			twice |= same_address(&(*out)[k], &c);
		if (twice) {
			report_at(f, false, ep, true, NULL, "\"%s\" is listed twice",
				  e->valuestring);
			continue;
		}
		int other = named_host_of(rs, &c);
		if (other >= 0) {
			report_at(f, true, ep, true, "an address belongs to one host",
				  "\"%s\" is already an address of host \"%s\"",
				  e->valuestring, rs->hosts[other].name);
			ok = false;
			continue;
		}
		(*out)[(*n)++] = c;
	}
	return ok;
}

static bool same_addresses(const struct site_host *h, const struct cidr *a, unsigned n)
{
	if (h->naddrs != n)
		return false;
	for (unsigned i = 0; i < n; i++) {
		bool found = false;
		for (unsigned j = 0; j < h->naddrs && !found; j++)
			found = same_address(&h->addrs[j], &a[i]);
		if (!found)
			return false;
	}
	return true;
}

/* The first pass over the roles: a host object that lists addresses
 * defines the host (anywhere in the file, so that another role may name
 * it alone: {"host": "lic01"}). A host given twice must have the same
 * addresses both times. */
static void define_host(struct ruleset *rs, struct json_file *f, const cJSON *e,
			const char *path)
{
	char p[PATH_LEN];

	check_keys(f, e, path, host_keys, ARRAY_SIZE(host_keys), "a host",
		   "a host has \"host\" (its name) and \"addresses\"", true);
	const char *name = host_object_name(rs, f, e, path, true);
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(e, "addresses");
	if (!name || !list)
		return;  /* a bad name is reported; no list: a reference */
	path_key(p, path, "addresses");
	int h = named_host(rs, name);
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0) {
		report_at(f, true, p, true, "[\"10.1.0.10\", \"fd00::10\"]",
			  "\"addresses\" must be a non-empty list of addresses");
		if (h < 0 && new_named_host(rs)) {
			rs->hosts[rs->nnamed - 1].name = arena_strdup(&rs->arena, name);
			rs->host_defs[rs->nnamed - 1].broken = true;
		}
		return;
	}
	if (h >= 0) {
		/* Given before: the same addresses, or an error. */
		struct cidr *addrs = arena_alloc(&rs->arena, (unsigned)cJSON_GetArraySize(list) *
						 sizeof(*addrs) + sizeof(*addrs));
		unsigned n = 0, i = 0;
		if (rs->host_defs[h].broken || !addrs)
			return;
		for (const cJSON *x = list->child; x; x = x->next, i++) {
			struct cidr c;
			bool host_bits;
			if (cJSON_IsString(x) && parse_cidr(x->valuestring, &c, &host_bits) &&
			    single_address(&c))
				addrs[n++] = c;
		}
		if (n != i || !same_addresses(&rs->hosts[h], addrs, n)) {
			char hint[160];
			size_t off = json_index_find(&f->ix, rs->host_defs[h].path, true);
			snprintf(hint, sizeof(hint), "give a host's addresses once; elsewhere "
				 "write {\"host\": \"%s\"}", name);
			report_at(f, true, p, true, hint, "host \"%s\" is given other "
				  "addresses at line %u", name, json_where_at(f->text, off).line);
		}
		return;
	}
	struct cidr *addrs;
	unsigned n;
	bool ok = host_addresses(rs, f, list, p, &addrs, &n);
	struct site_host *host = new_named_host(rs);
	if (!host)
		return;
	host->name = arena_strdup(&rs->arena, name);
	host->named = true;
	host->addrs = addrs;
	host->naddrs = n;
	rs->host_defs[rs->nnamed - 1].path = arena_strdup(&rs->arena, p);
	rs->host_defs[rs->nnamed - 1].broken = !ok || n == 0;
}

static void define_hosts(struct ruleset *rs, struct json_file *f, const cJSON *roles)
{
	char prefix[PATH_LEN], p[PATH_LEN], ep[PATH_LEN];

	if (!cJSON_IsObject(roles))
		return;
	path_key(prefix, "", "roles");
	for (const cJSON *r = roles->child; r; r = r->next) {
		if (name_index(ROLES(rs), r->string) < 0)
			continue;  /* reported when the role is bound */
		path_key(p, prefix, r->string);
		if (cJSON_IsObject(r))
			define_host(rs, f, r, p);
		unsigned i = 0;
		for (const cJSON *e = cJSON_IsArray(r) ? r->child : NULL; e; e = e->next, i++) {
			path_index(ep, p, i);
			if (cJSON_IsObject(e))
				define_host(rs, f, e, ep);
		}
	}
}

/* A host object in a role's bindings: all its addresses hold the role. */
static void bind_host(struct ruleset *rs, struct json_file *f, unsigned role,
		      const cJSON *e, const char *path)
{
	struct role_binding *b = &rs->bindings[role];
	const char *name = host_object_name(rs, f, e, path, false);

	if (!name)
		return;
	int h = named_host(rs, name);
	if (h >= 0 && rs->host_defs[h].broken)
		return;
	if (h < 0) {
		char hint[200];
		snprintf(hint, sizeof(hint), "give them once: {\"host\": \"%s\", "
			 "\"addresses\": [\"10.1.0.10\", \"fd00::10\"]}", name);
		report_at(f, true, path, true, hint, "host \"%s\" is given no addresses",
			  name);
		return;
	}
	if (!b->binds_addresses) {
		report_at(f, true, path, true, "bind it by host name", "role \"%s\" "
			  "is bound by name, not by address", rs->roles[role].name);
		return;
	}
	for (unsigned i = 0; i < rs->hosts[h].naddrs; i++)
		push_net(rs, b, &rs->hosts[h].addrs[i]);
}

/* One binding: an address, a network, a host name or a host object. */
static void bind_one(struct ruleset *rs, struct json_file *f, unsigned role,
		     const cJSON *e, const char *path)
{
	struct role_binding *b = &rs->bindings[role];
	struct cidr c;
	bool host_bits;

	if (cJSON_IsObject(e)) {
		bind_host(rs, f, role, e, path);
		return;
	}
	if (!cJSON_IsString(e)) {
		report_at(f, true, path, true, "write addresses, networks and names as "
			  "strings: \"10.1.0.10\", \"10.2.0.0/16\", \"host.example\"; "
			  "a host with several addresses as {\"host\": \"lic01\", "
			  "\"addresses\": [...]}", "a binding must be a string or a host");
		return;
	}
	const char *s = e->valuestring;
	if (parse_cidr(s, &c, &host_bits)) {
		if (!b->binds_addresses) {
			report_at(f, true, path, true, "bind it by host name", "role \"%s\" "
				  "is bound by name, not by address", rs->roles[role].name);
			return;
		}
		int h = single_address(&c) ? named_host_of(rs, &c) : -1;
		if (h >= 0) {
			char hint[160];
			snprintf(hint, sizeof(hint), "bind the host with all its addresses: "
				 "{\"host\": \"%s\"}", rs->hosts[h].name);
			report_at(f, true, path, true, hint, "\"%s\" is an address of host "
				  "\"%s\"", s, rs->hosts[h].name);
			return;
		}
		if (host_bits)
			report_at(f, false, path, true, NULL, "\"%s\" has host bits set; "
				  "it means the network around it", s);
		push_net(rs, b, &c);
		return;
	}
	bool looks_numeric = strspn(s, "0123456789./:abcdefABCDEF") == strlen(s) &&
			     (strchr(s, '.') || strchr(s, ':') || strchr(s, '/'));
	if (looks_numeric || strchr(s, '/') || !valid_host_name(s)) {
		report_at(f, true, path, true, "an IPv4 or IPv6 address, a network "
			  "such as 10.2.0.0/16 or 2001:db8::/64, or a host name",
			  "bad address, prefix or host name \"%s\"", s);
		return;
	}
	if (!b->binds_names) {
		report_at(f, true, path, true, "give its addresses instead", "role "
			  "\"%s\" is bound by address, not by host name",
			  rs->roles[role].name);
		return;
	}
	push_name(rs, b, s);
}

/* A role's bindings: one string, or a list of them. */
static bool bind_role(struct ruleset *rs, struct json_file *f, const cJSON *r,
		      const char *p)
{
	int role = name_index(ROLES(rs), r->string);

	if (role < 0) {
		unknown_role(rs, f, p, false, r->string);
	} else if (rs->bindings[role].binds_dedicated) {
		report_at(f, true, p, false, "list those hosts (or their roles) in "
			  "\"dedicated\"", "role \"%s\" is bound through \"dedicated\"",
			  r->string);
	} else if (cJSON_IsString(r) || cJSON_IsObject(r)) {
		bind_one(rs, f, (unsigned)role, r, p);
	} else if (cJSON_IsArray(r)) {
		unsigned i = 0;
		if (!r->child)
			report_at(f, false, p, true, "bind it to addresses, networks or "
				  "host names, or leave the role out", "role \"%s\" is "
				  "bound to nothing: none of its rules applies", r->string);
		for (const cJSON *e = r->child; e; e = e->next, i++) {
			char ep[PATH_LEN];
			path_index(ep, p, i);
			bind_one(rs, f, (unsigned)role, e, ep);
		}
	} else {
		report_at(f, true, p, true, NULL, "a role takes a list of "
			  "addresses, networks, names or hosts");
	}
	return true;
}

/* A site may write a single port as a number or a string; only a "ports"
 * parameter takes a list. */
static bool site_param_value(struct ruleset *rs, struct param *pm, const cJSON *v)
{
	if (!pm->list && cJSON_IsArray(v))
		return false;
	if (!set_param_values(rs, pm, v))
		return false;
	pm->overridden = true;
	return true;
}

/* The matrix's item that key x of a site section names, or -1 after
 * reporting it at the key: a site sets only what the matrix declares. */
static int declared(struct json_file *f, const cJSON *x, const char *path,
		    struct names known, const char *what, const char *otherwise,
		    bool list)
{
	char hint[256];  /* cuts a long list of parameters, as it always has */
	int i = name_index(known, x->string);

	if (i < 0) {
		unknown_name_hint(hint, sizeof(hint), x->string, known, otherwise, list);
		report_at(f, true, path, false, hint, "unknown %s \"%s\"", what, x->string);
	}
	return i;
}

static bool set_param(struct ruleset *rs, struct json_file *f, const cJSON *p,
		      const char *path)
{
	int i = declared(f, p, path, PARAMS(rs), "parameter",
			 "the matrix's parameters are:", true);
	if (i < 0)
		return true;
	struct param *pm = &rs->params[i];
	if (!site_param_value(rs, pm, p))
		report_at(f, true, path, true, "a port is 1 to 65535",
			  "\"%s\" must be %s", pm->name,
			  pm->list ? "a list of ports" : "a port number");
	return true;
}

static bool set_feature(struct ruleset *rs, struct json_file *f, const cJSON *x,
			const char *path)
{
	/* The hint is short, "did you mean" and a name under 63
	 * characters, so the hint buffer's size never cuts it. */
	int i = declared(f, x, path, FEATURES(rs), "feature",
			 "see the matrix's \"features\"", false);
	if (i < 0)
		return true;
	if (!cJSON_IsBool(x))
		report_at(f, true, path, true, NULL, "a feature is true or false");
	else
		rs->features[i].on = cJSON_IsTrue(x);
	return true;
}

/* One side of an allow entry: a role, an address or network, or "any". */
static bool allow_side(struct ruleset *rs, struct json_file *f, const cJSON *side,
		       const char *path, role_mask *roles, const struct cidr **nets,
		       unsigned *nnets)
{
	struct cidr c, *one;
	bool host_bits;

	*roles = 0;
	*nets = NULL;
	*nnets = 0;
	if (!cJSON_IsString(side)) {
		report_at(f, true, path, true, "a role name, an address, a network "
			  "or \"any\"", "missing or bad side");
		return false;
	}
	const char *s = side->valuestring;
	if (strcmp(s, "any") == 0)
		return true;
	int role = name_index(ROLES(rs), s);
	if (role >= 0) {
		*roles = (role_mask)1 << role;
		return true;
	}
	if (parse_cidr(s, &c, &host_bits)) {
		one = arena_alloc(&rs->arena, sizeof(*one));
		if (!one)
			return false;
		*one = c;
		*nets = one;
		*nnets = 1;
		return true;
	}
	unknown_role(rs, f, path, true, s);
	return false;
}

/* An allowance may also cover every protocol: "any", stored as 0. */
static bool allow_proto(const char *s, uint8_t *proto)
{
	if (strcmp(s, "any") != 0)
		return parse_proto(s, proto);
	*proto = 0;
	return true;
}

static void load_allow_ports(struct ruleset *rs, struct json_file *f,
			     const cJSON *ports, const char *path, struct site_allow *a)
{
	unsigned n = (unsigned)cJSON_GetArraySize(ports), i = 0;
	struct port_range *r = arena_alloc(&rs->arena, (n + 1) * sizeof(*r));

	for (const cJSON *e = ports->child; e && r; e = e->next, i++) {
		char text[PORT_TEXT_LEN], ep[PATH_LEN];
		path_index(ep, path, i);
		if (!json_port(e, &r[a->nports], text))
			report_at(f, true, ep, true, "a port is 1 to 65535",
				  "bad port or range \"%s\"", text);
		else
			a->nports++;
	}
	a->ports = r;
}

static const char *const allow_keys[] = { "from", "to", "proto", "ports", "why",
					  "expires" };

/* "2027-06-30": the exception applies to traffic up to the end of that day
 * (UTC); false when it is not such a date. */
static bool parse_expiry(const char *s, uint64_t *end_us)
{
	struct tm tm;
	int y, m, d;
	char extra;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 ||
	    y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	time_t t = timegm(&tm);
	struct tm back;
	/* 2027-02-30 normalises to March: not a date. */
	if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d)
		return false;
	*end_us = ((uint64_t)t + 86400u) * 1000000u;
	return true;
}

static void load_allow_expiry(struct ruleset *rs, struct json_file *f, const cJSON *e,
			      const char *p, struct site_allow *a)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(e, "expires");
	char sub[PATH_LEN];

	if (!x || cJSON_IsNull(x))
		return;
	path_key(sub, p, "expires");
	if (!cJSON_IsString(x) || !parse_expiry(x->valuestring, &a->expires_us)) {
		report_at(f, true, sub, true, "a date such as \"2027-06-30\" (the last "
			  "day it applies)", "bad \"expires\" date");
		return;
	}
	a->expires = arena_strdup(&rs->arena, x->valuestring);
}

static void load_allow(struct ruleset *rs, struct json_file *f, const cJSON *allow)
{
	if (!allow)
		return;
	if (!cJSON_IsArray(allow)) {
		report_at(f, true, "/allow", true, NULL, "\"allow\" must be a list");
		return;
	}
	unsigned n = (unsigned)cJSON_GetArraySize(allow), i = 0;
	rs->allows = arena_alloc(&rs->arena, (n + 1) * sizeof(*rs->allows));
	for (const cJSON *e = allow->child; e && rs->allows; e = e->next, i++) {
		char p[PATH_LEN], sub[PATH_LEN];
		path_index(p, "/allow", i);
		if (!cJSON_IsObject(e)) {
			report_at(f, true, p, true, NULL, "an allow entry is an object");
			continue;
		}
		/* The hint lists the keys, close or not: there are only five. */
		check_keys(f, e, p, allow_keys, ARRAY_SIZE(allow_keys), "an allow entry",
			   "from, to, proto, ports, why, expires", false);
		struct site_allow *a = &rs->allows[rs->nallows];
		memset(a, 0, sizeof(*a));
		bool ok = true;
		path_key(sub, p, "from");
		ok &= allow_side(rs, f, cJSON_GetObjectItemCaseSensitive(e, "from"),
				 sub, &a->from_roles, &a->from_nets, &a->nfrom_nets);
		path_key(sub, p, "to");
		ok &= allow_side(rs, f, cJSON_GetObjectItemCaseSensitive(e, "to"),
				 sub, &a->to_roles, &a->to_nets, &a->nto_nets);
		const cJSON *proto = cJSON_GetObjectItemCaseSensitive(e, "proto");
		path_key(sub, p, "proto");
		if (proto && (!cJSON_IsString(proto) || !allow_proto(proto->valuestring, &a->proto))) {
			report_at(f, true, sub, true, "\"tcp\", \"udp\", \"icmp\" or \"any\"",
				  "bad protocol");
			ok = false;
		}
		const cJSON *ports = cJSON_GetObjectItemCaseSensitive(e, "ports");
		path_key(sub, p, "ports");
		if (ports && cJSON_IsArray(ports))
			load_allow_ports(rs, f, ports, sub, a);
		else if (ports)
			report_at(f, true, sub, true, NULL, "\"ports\" must be a list");
		const cJSON *why = cJSON_GetObjectItemCaseSensitive(e, "why");
		if (cJSON_IsString(why) && why->valuestring[0])
			a->why = arena_strdup(&rs->arena, why->valuestring);
		else
			report_at(f, false, p, true, "say why the traffic is allowed: the "
				  "report shows it", "allow entry without \"why\"");
		if (!a->why)
			a->why = "allowed by the site";
		load_allow_expiry(rs, f, e, p, a);
		if (ok)
			rs->nallows++;
	}
}

static const char *const site_keys[] = { "name", "description", "roles", "params",
					 "features", "dedicated", "allow" };

/* The matrix's role for dedicated hosts, or -1 when it has none. */
static int dedicated_role(const struct ruleset *rs)
{
	for (unsigned i = 0; i < rs->nroles; i++)
		if (rs->bindings[i].binds_dedicated)
			return (int)i;
	return -1;
}

/* A peer role named in "dedicated": all its addresses become dedicated. */
static void dedicate_role(struct ruleset *rs, struct json_file *f, unsigned role,
			  struct role_binding *to, const char *path)
{
	const struct role_binding *from = &rs->bindings[role];

	if (!rs->roles[role].peer) {
		report_at(f, true, path, true, "only shared infrastructure (a peer role: "
			  "a domain controller, SQL Server, a file share...) can be dedicated",
			  "role \"%s\" is not a peer role", rs->roles[role].name);
		return;
	}
	if (!from->nnets && !from->nnames)
		report_at(f, false, path, true, "bind it in \"roles\" first", "role \"%s\" "
			  "is dedicated but the site binds no address to it",
			  rs->roles[role].name);
	if (from->nnames)
		report_at(f, false, path, true, NULL, "role \"%s\" is also bound by name: "
			  "only its addresses are dedicated", rs->roles[role].name);
	for (unsigned i = 0; i < from->nnets; i++)
		push_net(rs, to, &from->nets[i]);
	rs->dedicated_roles |= (role_mask)1 << role;
}

/* "dedicated": peer roles or addresses whose whole traffic is audited. */
static void load_dedicated(struct ruleset *rs, struct json_file *f, const cJSON *list)
{
	int target = dedicated_role(rs);

	if (!list)
		return;
	if (!cJSON_IsArray(list)) {
		report_at(f, true, "/dedicated", true, NULL, "\"dedicated\" must be a list "
			  "of peer roles, hosts or addresses");
		return;
	}
	if (target < 0) {
		report_at(f, true, "/dedicated", false, NULL, "this matrix has no role "
			  "for dedicated hosts");
		return;
	}
	unsigned i = 0;
	for (const cJSON *e = list->child; e; e = e->next, i++) {
		char p[PATH_LEN];
		struct cidr c;
		bool host_bits;
		path_index(p, "/dedicated", i);
		int role = cJSON_IsString(e) ? name_index(ROLES(rs), e->valuestring) : -1;
		int host = cJSON_IsString(e) ? named_host(rs, e->valuestring) : -1;
		if (role >= 0)
			dedicate_role(rs, f, (unsigned)role, &rs->bindings[target], p);
		else if (host >= 0 || (cJSON_IsString(e) &&
				       parse_cidr(e->valuestring, &c, &host_bits) &&
				       single_address(&c) && (host = named_host_of(rs, &c)) >= 0))
			/* A host is dedicated whole, whichever address names it. */
			for (unsigned k = 0; k < rs->hosts[host].naddrs; k++)
				push_net(rs, &rs->bindings[target], &rs->hosts[host].addrs[k]);
		else if (cJSON_IsString(e) && parse_cidr(e->valuestring, &c, &host_bits))
			push_net(rs, &rs->bindings[target], &c);
		else if (cJSON_IsString(e))
			unknown_role(rs, f, p, true, e->valuestring);
		else
			report_at(f, true, p, true, NULL, "a peer role's name, a host's name or "
				  "an address");
	}
}

bool load_site(struct ruleset *rs, struct json_file *f)
{
	unsigned before = f->d->errors;
	const cJSON *root = f->root;

	check_keys(f, root, "", site_keys, ARRAY_SIZE(site_keys), "a site",
		   "a site has name, description, roles, params, features, dedicated "
		   "and allow", true);
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
	rs->site_name = cJSON_IsString(name) ? arena_strdup(&rs->arena, name->valuestring)
					     : "unnamed site";
	/* A site without roles binds nothing: say so plainly. */
	if (!cJSON_GetObjectItemCaseSensitive(root, "roles"))
		report_at(f, true, "", true, NULL, "the site needs \"roles\"");
	define_hosts(rs, f, cJSON_GetObjectItemCaseSensitive(root, "roles"));
	each_member(rs, f, root, "roles", false, bind_role);
	each_member(rs, f, root, "params", false, set_param);
	each_member(rs, f, root, "features", false, set_feature);
	load_dedicated(rs, f, cJSON_GetObjectItemCaseSensitive(root, "dedicated"));
	load_allow(rs, f, cJSON_GetObjectItemCaseSensitive(root, "allow"));
	return f->d->errors == before;
}
