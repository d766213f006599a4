/* load_site.c - the site file (docs/site-format.md): role bindings, parameter
 * overrides, features switched off, and site-local allowances. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_internal.h"

#define PATH_LEN 256

static void path_key(char *out, const char *parent, const char *key)
{
	snprintf(out, PATH_LEN, "%s/%s", parent, key);
}

static void path_index(char *out, const char *parent, unsigned i)
{
	snprintf(out, PATH_LEN, "%s/%u", parent, i);
}

static const char **role_names(struct ruleset *rs)
{
	const char **names = arena_alloc(&rs->arena, (rs->nroles + 1) * sizeof(*names));
	for (unsigned i = 0; names && i < rs->nroles; i++)
		names[i] = rs->roles[i].name;
	return names;
}

static void unknown_role(struct ruleset *rs, struct json_file *f, const char *path,
			 bool at_value, const char *name)
{
	char hint[1024];
	const char **names = role_names(rs);
	const char *near = names ? nearest_name(name, names, rs->nroles) : NULL;

	if (near) {
		snprintf(hint, sizeof(hint), "did you mean \"%s\"?", near);
	} else {
		size_t used = (size_t)snprintf(hint, sizeof(hint), "the matrix's roles are:");
		for (unsigned i = 0; i < rs->nroles && used < sizeof(hint); i++)
			used += (size_t)snprintf(hint + used, sizeof(hint) - used, " %s",
						 rs->roles[i].name);
	}
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

/* One binding: an address, a network or a host name. */
static void bind_one(struct ruleset *rs, struct json_file *f, unsigned role,
		     const cJSON *e, const char *path)
{
	struct role_binding *b = &rs->bindings[role];
	struct cidr c;
	bool host_bits;

	if (!cJSON_IsString(e)) {
		report_at(f, true, path, true, "write addresses, networks and names as "
			  "strings: \"10.1.0.10\", \"10.2.0.0/16\", \"host.example\"",
			  "a binding must be a string");
		return;
	}
	const char *s = e->valuestring;
	if (parse_cidr(s, &c, &host_bits)) {
		if (!b->binds_addresses) {
			report_at(f, true, path, true, "bind it by host name", "role \"%s\" "
				  "is bound by name, not by address", rs->roles[role].name);
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

static void load_roles(struct ruleset *rs, struct json_file *f, const cJSON *roles)
{
	if (!roles) {
		report_at(f, true, "", true, NULL, "the site needs \"roles\"");
		return;
	}
	if (!cJSON_IsObject(roles)) {
		report_at(f, true, "/roles", true, NULL, "\"roles\" must be an object");
		return;
	}
	for (const cJSON *r = roles->child; r; r = r->next) {
		char p[PATH_LEN];
		path_key(p, "/roles", r->string);
		int role = role_index(rs, r->string);
		if (role < 0) {
			unknown_role(rs, f, p, false, r->string);
			continue;
		}
		const cJSON *list = r;
		if (cJSON_IsString(r)) {
			bind_one(rs, f, (unsigned)role, r, p);
		} else if (cJSON_IsArray(list)) {
			unsigned i = 0;
			for (const cJSON *e = list->child; e; e = e->next, i++) {
				char ep[PATH_LEN];
				path_index(ep, p, i);
				bind_one(rs, f, (unsigned)role, e, ep);
			}
		} else {
			report_at(f, true, p, true, NULL, "a role takes a list of "
				  "addresses, networks or names");
		}
	}
}

static const char **param_names(struct ruleset *rs)
{
	const char **names = arena_alloc(&rs->arena, (rs->nparams + 1) * sizeof(*names));
	for (unsigned i = 0; names && i < rs->nparams; i++)
		names[i] = rs->params[i].name;
	return names;
}

static bool site_param_value(struct ruleset *rs, struct param *pm, const cJSON *v)
{
	unsigned n = cJSON_IsArray(v) ? (unsigned)cJSON_GetArraySize(v) : 1;
	if (n == 0 || (!pm->list && cJSON_IsArray(v)))
		return false;
	struct port_range *vals = arena_alloc(&rs->arena, n * sizeof(*vals));
	if (!vals)
		return false;
	const cJSON *e = cJSON_IsArray(v) ? v->child : v;
	for (unsigned i = 0; i < n; i++, e = e->next) {
		char text[32];
		if (cJSON_IsNumber(e))
			snprintf(text, sizeof(text), "%.17g", e->valuedouble);
		else if (cJSON_IsString(e))
			snprintf(text, sizeof(text), "%s", e->valuestring);
		else
			return false;
		if (!parse_port_text(text, &vals[i]))
			return false;
	}
	pm->values = vals;
	pm->nvalues = n;
	pm->overridden = true;
	return true;
}

static void load_params(struct ruleset *rs, struct json_file *f, const cJSON *params)
{
	if (!params)
		return;
	if (!cJSON_IsObject(params)) {
		report_at(f, true, "/params", true, NULL, "\"params\" must be an object");
		return;
	}
	for (const cJSON *p = params->child; p; p = p->next) {
		char path[PATH_LEN], hint[256];
		path_key(path, "/params", p->string);
		struct param *pm = NULL;
		for (unsigned i = 0; i < rs->nparams && !pm; i++)
			if (strcmp(rs->params[i].name, p->string) == 0)
				pm = &rs->params[i];
		if (!pm) {
			const char *near = nearest_name(p->string, param_names(rs), rs->nparams);
			size_t used = (size_t)snprintf(hint, sizeof(hint), near ?
				"did you mean \"%s\"?" : "the matrix's parameters are:", near);
			for (unsigned i = 0; !near && i < rs->nparams && used < sizeof(hint); i++)
				used += (size_t)snprintf(hint + used, sizeof(hint) - used, " %s",
							 rs->params[i].name);
			report_at(f, true, path, false, hint, "unknown parameter \"%s\"",
				  p->string);
			continue;
		}
		if (!site_param_value(rs, pm, p))
			report_at(f, true, path, true, "a port is 1 to 65535",
				  "\"%s\" must be %s", pm->name,
				  pm->list ? "a list of ports" : "a port number");
	}
}

static void load_features(struct ruleset *rs, struct json_file *f, const cJSON *features)
{
	if (!features)
		return;
	if (!cJSON_IsObject(features)) {
		report_at(f, true, "/features", true, NULL, "\"features\" must be an object");
		return;
	}
	for (const cJSON *x = features->child; x; x = x->next) {
		char path[PATH_LEN], hint[128];
		path_key(path, "/features", x->string);
		struct feature *ft = NULL;
		const char *names[MAX_FEATURES];
		for (unsigned i = 0; i < rs->nfeatures; i++) {
			names[i] = rs->features[i].name;
			if (strcmp(names[i], x->string) == 0)
				ft = &rs->features[i];
		}
		if (!ft) {
			const char *near = nearest_name(x->string, names, rs->nfeatures);
			snprintf(hint, sizeof(hint), near ? "did you mean \"%s\"?" :
				 "see the matrix's \"features\"", near);
			report_at(f, true, path, false, hint, "unknown feature \"%s\"",
				  x->string);
			continue;
		}
		if (!cJSON_IsBool(x)) {
			report_at(f, true, path, true, NULL, "a feature is true or false");
			continue;
		}
		ft->on = cJSON_IsTrue(x);
	}
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
	int role = role_index(rs, s);
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

static bool allow_proto(const char *s, uint8_t *proto)
{
	if (strcmp(s, "any") == 0)
		*proto = 0;
	else if (strcmp(s, "tcp") == 0)
		*proto = IP_PROTO_TCP;
	else if (strcmp(s, "udp") == 0)
		*proto = IP_PROTO_UDP;
	else if (strcmp(s, "icmp") == 0)
		*proto = IP_PROTO_ICMP;
	else
		return false;
	return true;
}

static void load_allow_ports(struct ruleset *rs, struct json_file *f,
			     const cJSON *ports, const char *path, struct site_allow *a)
{
	unsigned n = (unsigned)cJSON_GetArraySize(ports), i = 0;
	struct port_range *r = arena_alloc(&rs->arena, (n + 1) * sizeof(*r));

	for (const cJSON *e = ports->child; e && r; e = e->next, i++) {
		char text[32], ep[PATH_LEN];
		path_index(ep, path, i);
		if (cJSON_IsNumber(e))
			snprintf(text, sizeof(text), "%.17g", e->valuedouble);
		else if (cJSON_IsString(e))
			snprintf(text, sizeof(text), "%s", e->valuestring);
		else
			text[0] = '\0';
		if (!parse_port_text(text, &r[a->nports]))
			report_at(f, true, ep, true, "a port is 1 to 65535",
				  "bad port or range \"%s\"", text);
		else
			a->nports++;
	}
	a->ports = r;
}

static const char *const allow_keys[] = { "from", "to", "proto", "ports", "why" };

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
		for (const cJSON *k = e->child; k; k = k->next) {
			bool known = false;
			for (unsigned j = 0; j < 5; j++)
				known |= strcmp(k->string, allow_keys[j]) == 0;
			if (!known) {
				path_key(sub, p, k->string);
				report_at(f, true, sub, false, "from, to, proto, ports, why",
					  "unknown key \"%s\" in an allow entry", k->string);
			}
		}
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
		if (ok)
			rs->nallows++;
	}
}

static const char *const site_keys[] = { "name", "description", "roles", "params",
					 "features", "allow" };

bool load_site(struct ruleset *rs, struct json_file *f)
{
	unsigned before = f->d->errors;
	const cJSON *root = f->root;

	for (const cJSON *k = root->child; k; k = k->next) {
		bool known = false;
		for (unsigned j = 0; j < 6; j++)
			known |= strcmp(k->string, site_keys[j]) == 0;
		if (!known) {
			char p[PATH_LEN], hint[128];
			const char *near = nearest_name(k->string, site_keys, 6);
			path_key(p, "", k->string);
			snprintf(hint, sizeof(hint), near ? "did you mean \"%s\"?" :
				 "a site has name, description, roles, params, features "
				 "and allow", near);
			report_at(f, true, p, false, hint, "unknown key \"%s\" in a site",
				  k->string);
		}
	}
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
	rs->site_name = cJSON_IsString(name) ? arena_strdup(&rs->arena, name->valuestring)
					     : "unnamed site";
	load_roles(rs, f, cJSON_GetObjectItemCaseSensitive(root, "roles"));
	load_params(rs, f, cJSON_GetObjectItemCaseSensitive(root, "params"));
	load_features(rs, f, cJSON_GetObjectItemCaseSensitive(root, "features"));
	load_allow(rs, f, cJSON_GetObjectItemCaseSensitive(root, "allow"));
	return f->d->errors == before;
}
