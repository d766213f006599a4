/* load_matrix.c - the matrix file: roles, parameters, features and rules
 * (format in docs/matrix-format.md). Every problem is reported with its place. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"

/* The member key of obj when is_type accepts it, else NULL after saying
 * why: missing (only when required), or "key" must be <must_be>. p gets
 * its path for the caller's further messages. */
static const cJSON *typed_field(struct json_file *f, const cJSON *obj, const char *path,
				const char *key, bool required, char p[PATH_LEN],
				cJSON_bool (*is_type)(const cJSON *), const char *must_be)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	path_key(p, path, key);
	if (!v) {
		if (required)
			report_at(f, true, path, true, NULL, "missing \"%s\"", key);
		return NULL;
	}
	if (!is_type(v)) {
		report_at(f, true, p, true, NULL, "\"%s\" must be %s", key, must_be);
		return NULL;
	}
	return v;
}

static const char *string_field(struct ruleset *rs, struct json_file *f,
				const cJSON *obj, const char *path,
				const char *key, bool required)
{
	char p[PATH_LEN];
	const cJSON *v = typed_field(f, obj, path, key, required, p, cJSON_IsString,
				     "a string");

	return v ? arena_strdup(&rs->arena, v->valuestring) : NULL;
}

static bool bool_field(struct json_file *f, const cJSON *obj, const char *path,
		       const char *key, bool dflt)
{
	char p[PATH_LEN];
	const cJSON *v = typed_field(f, obj, path, key, false, p, cJSON_IsBool,
				     "true or false");

	return v ? cJSON_IsTrue(v) : dflt;
}

/* A list of strings ("sections": ["3.2.1", "2.1.1"]). */
static const char *const *string_list(struct ruleset *rs, struct json_file *f,
				      const cJSON *obj, const char *path,
				      const char *key, unsigned *n, bool required)
{
	char p[PATH_LEN];
	const cJSON *v = typed_field(f, obj, path, key, required, p, cJSON_IsArray,
				     "a list of strings");

	*n = 0;
	if (!v)
		return NULL;
	unsigned count = (unsigned)cJSON_GetArraySize(v);
	const char **out = arena_alloc(&rs->arena, (count + 1) * sizeof(*out));
	if (!out)
		return NULL;
	unsigned i = 0;
	for (const cJSON *e = v->child; e; e = e->next, i++) {
		char ep[PATH_LEN];
		path_index(ep, p, i);
		if (!cJSON_IsString(e) || !e->valuestring[0]) {
			report_at(f, true, ep, true, NULL, "\"%s\" items must be "
				  "non-empty strings", key);
			continue;
		}
		out[(*n)++] = arena_strdup(&rs->arena, e->valuestring);
	}
	if (required && *n == 0)
		report_at(f, true, p, true, NULL, "\"%s\" must not be empty", key);
	return out;
}

static const char *const role_keys[] = { "description", "sections", "audited", "peer",
					 "binds", "location" };

/* "location": where a client population's hosts normally are. Only a
 * population has one: an audited or peer role is bound by the site. */
static enum role_location role_location(struct ruleset *rs, struct json_file *f,
					const cJSON *r, const char *p,
					const struct role *role)
{
	const char *v = string_field(rs, f, r, p, "location", false);
	if (!v)
		return LOCATION_UNSAID;
	char lp[PATH_LEN];
	path_key(lp, p, "location");
	if (role->audited || role->peer) {
		report_at(f, true, lp, true, "only a client population "
			  "(\"audited\": false, not a peer) has a location",
			  "\"location\" on an audited or peer role");
		return LOCATION_UNSAID;
	}
	if (strcmp(v, "internet") == 0)
		return LOCATION_INTERNET;
	if (strcmp(v, "site") == 0)
		return LOCATION_SITE;
	report_at(f, true, lp, true, "a population's location is \"internet\" "
		  "or \"site\"", "unknown location \"%s\"", v);
	return LOCATION_UNSAID;
}

/* "binds": how a site may bind the role; addresses when it does not say. */
static void role_binds(struct ruleset *rs, struct json_file *f, const cJSON *r,
		       const char *p, struct role_binding *b)
{
	unsigned nbinds;
	const char *const *binds = string_list(rs, f, r, p, "binds", &nbinds, false);

	b->binds_addresses = nbinds == 0;
	for (unsigned i = 0; i < nbinds; i++) {
		if (strcmp(binds[i], "address") == 0) {
			b->binds_addresses = true;
		} else if (strcmp(binds[i], "name") == 0) {
			b->binds_names = true;
		} else if (strcmp(binds[i], "dedicated") == 0) {
			b->binds_dedicated = true;
		} else {
			char bp[PATH_LEN], ip[PATH_LEN];
			path_key(bp, p, "binds");
			path_index(ip, bp, i);
			report_at(f, true, ip, true, "a role binds \"address\" and/or "
				  "\"name\", or is \"dedicated\" alone",
				  "unknown binding \"%s\"", binds[i]);
		}
	}
}

static bool load_role(struct ruleset *rs, struct json_file *f, const cJSON *r,
		      const char *p)
{
	if (rs->nroles == MAX_ROLES) {
		report_at(f, true, p, false, NULL, "more than %d roles", MAX_ROLES);
		return false;
	}
	if (!cJSON_IsObject(r)) {
		report_at(f, true, p, true, NULL, "a role must be an object");
		return true;
	}
	CHECK_KEYS(f, r, p, role_keys, "a role");
	struct role *role = &rs->roles[rs->nroles];
	role->name = arena_strdup(&rs->arena, r->string);
	role->description = string_field(rs, f, r, p, "description", true);
	role->sections = string_list(rs, f, r, p, "sections", &role->nsections, true);
	role->audited = bool_field(f, r, p, "audited", true);
	role->peer = bool_field(f, r, p, "peer", false);
	role_binds(rs, f, r, p, &rs->bindings[rs->nroles]);
	role->dedicated = rs->bindings[rs->nroles].binds_dedicated;
	role->location = role_location(rs, f, r, p, role);
	if (role->dedicated && (role->peer || !role->audited))
		report_at(f, true, p, false, "the dedicated hosts are audited",
			  "a \"dedicated\" role must be audited and not a peer");
	rs->nroles++;
	return true;
}

/* The default: a number for "port", a list for "ports". */
static bool param_default(struct ruleset *rs, struct param *pm, const cJSON *v)
{
	if (pm->list ? !cJSON_IsArray(v) : !cJSON_IsNumber(v))
		return false;
	return set_param_values(rs, pm, v);
}

static const char *const param_keys[] = { "description", "sections", "type", "default" };

static bool load_param(struct ruleset *rs, struct json_file *f, const cJSON *p,
		       const char *path)
{
	char dp[PATH_LEN];

	if (rs->nparams == MAX_PARAMS || !cJSON_IsObject(p)) {
		report_at(f, true, path, true, NULL, "a parameter must be an object "
			  "(at most %d parameters)", MAX_PARAMS);
		return true;
	}
	CHECK_KEYS(f, p, path, param_keys, "a parameter");
	struct param *pm = &rs->params[rs->nparams];
	pm->name = arena_strdup(&rs->arena, p->string);
	pm->description = string_field(rs, f, p, path, "description", true);
	pm->sections = string_list(rs, f, p, path, "sections", &pm->nsections, false);
	const char *type = string_field(rs, f, p, path, "type", true);
	pm->list = type && strcmp(type, "ports") == 0;
	if (type && !pm->list && strcmp(type, "port") != 0)
		report_at(f, true, path, true, "\"port\" or \"ports\"",
			  "unknown parameter type \"%s\"", type);
	path_key(dp, path, "default");
	const cJSON *dv = cJSON_GetObjectItemCaseSensitive(p, "default");
	if (!dv || !param_default(rs, pm, dv))
		report_at(f, true, dv ? dp : path, true, "a port is 1 to 65535",
			  "the default of \"%s\" must be %s", pm->name,
			  pm->list ? "a list of ports" : "a port number");
	rs->nparams++;
	return true;
}

static const char *const feature_keys[] = { "description", "default" };

static bool load_feature(struct ruleset *rs, struct json_file *f, const cJSON *x,
			 const char *path)
{
	if (rs->nfeatures == MAX_FEATURES || !cJSON_IsObject(x)) {
		report_at(f, true, path, true, NULL, "a feature must be an object "
			  "(at most %d features)", MAX_FEATURES);
		return true;
	}
	CHECK_KEYS(f, x, path, feature_keys, "a feature");
	struct feature *ft = &rs->features[rs->nfeatures++];
	ft->name = arena_strdup(&rs->arena, x->string);
	ft->description = string_field(rs, f, x, path, "description", true);
	ft->on = bool_field(f, x, path, "default", true);
	return true;
}

/* One item of a "ports" list: 13667, "49152-65535" or "$license_port". */
static bool port_item(struct ruleset *rs, struct json_file *f, const cJSON *e,
		      const char *path, struct port_item *out)
{
	char text[PORT_TEXT_LEN];

	out->param = -1;
	if (cJSON_IsString(e) && e->valuestring[0] == '$') {
		out->param = name_index(PARAMS(rs), e->valuestring + 1);
		if (out->param < 0) {
			char hint[128];
			const char *near = nearest_in(PARAMS(rs), e->valuestring + 1);
			snprintf(hint, sizeof(hint), near ? "did you mean \"$%s\"?" :
				 "declare it under \"params\"", near);
			report_at(f, true, path, true, hint, "unknown parameter \"%s\"",
				  e->valuestring);
			return false;
		}
		return true;
	}
	if (!json_port(e, &out->range, text)) {
		report_at(f, true, path, true, "a port is 1 to 65535; a range is "
			  "\"low-high\" with low <= high", "bad port or range \"%s\"",
			  text);
		return false;
	}
	return true;
}

static const char *const service_keys[] = { "label", "proto", "ports", "evidence", "apps" };

/* One service object may name several protocols: one service for each. */
static unsigned load_service(struct ruleset *rs, struct json_file *f,
			     const cJSON *sv, const char *path,
			     struct rule_service *out, struct pending_service *pend,
			     unsigned room)
{
	uint8_t protos[3];
	unsigned nprotos = 0;
	char pp[PATH_LEN];

	if (!cJSON_IsObject(sv)) {
		report_at(f, true, path, true, NULL, "a service must be an object");
		return 0;
	}
	CHECK_KEYS(f, sv, path, service_keys, "a service");
	const cJSON *pv = cJSON_GetObjectItemCaseSensitive(sv, "proto");
	path_key(pp, path, "proto");
	const cJSON *pe = cJSON_IsArray(pv) ? pv->child : pv;
	for (; pe && nprotos < 3; pe = cJSON_IsArray(pv) ? pe->next : NULL) {
		if (!cJSON_IsString(pe) || !parse_proto(pe->valuestring, &protos[nprotos])) {
			report_at(f, true, pp, true, "\"tcp\", \"udp\" or \"icmp\", or a "
				  "list of them", "bad protocol");
			return 0;
		}
		nprotos++;
	}
	if (!nprotos) {
		report_at(f, true, path, true, NULL, "a service needs \"proto\"");
		return 0;
	}

	const cJSON *ports = cJSON_GetObjectItemCaseSensitive(sv, "ports");
	struct pending_service ps = { NULL, 0 };
	char portsp[PATH_LEN];
	path_key(portsp, path, "ports");
	if (ports && cJSON_IsArray(ports)) {
		unsigned n = (unsigned)cJSON_GetArraySize(ports);
		ps.items = arena_alloc(&rs->arena, (n + 1) * sizeof(*ps.items));
		unsigned i = 0;
		for (const cJSON *e = ports->child; e && ps.items; e = e->next, i++) {
			char ip[PATH_LEN];
			path_index(ip, portsp, i);
			if (port_item(rs, f, e, ip, &ps.items[ps.nitems]))
				ps.nitems++;
		}
	} else if (ports) {
		report_at(f, true, portsp, true, NULL, "\"ports\" must be a list");
	}

	unsigned napps;
	const char *const *apps = string_list(rs, f, sv, path, "apps", &napps, false);
	bool allow_unknown = false;
	for (unsigned i = 0; i < napps; i++)
		allow_unknown |= strcmp(apps[i], "unknown") == 0;

	unsigned made = 0;
	for (unsigned i = 0; i < nprotos && made < room; i++) {
		bool icmp = protos[i] == IP_PROTO_ICMP;
		if (!icmp && ps.nitems == 0) {
			report_at(f, true, path, true, NULL, "a %s service needs \"ports\"",
				  ip_proto_name(protos[i], "?"));
			continue;
		}
		struct rule_service *s = &out[made];
		memset(s, 0, sizeof(*s));
		const char *label = string_field(rs, f, sv, path, "label", false);
		s->label = label ? label : "";
		s->proto = protos[i];
		s->evidence = bool_field(f, sv, path, "evidence", true);
		s->apps = apps;
		s->napps = napps;
		s->apps_allow_unknown = allow_unknown;
		pend[made] = icmp ? (struct pending_service){ NULL, 0 } : ps;
		made++;
	}
	return made;
}

static void load_services(struct ruleset *rs, struct json_file *f, const cJSON *rule,
			  const char *path, unsigned ri)
{
	const cJSON *svs = cJSON_GetObjectItemCaseSensitive(rule, "services");
	char sp[PATH_LEN];
	struct rule *r = &rs->rules[ri];

	path_key(sp, path, "services");
	if (!cJSON_IsArray(svs) || cJSON_GetArraySize(svs) == 0) {
		report_at(f, true, svs ? sp : path, true, NULL,
			  "a rule needs a non-empty \"services\" list");
		return;
	}
	unsigned room = 3 * (unsigned)cJSON_GetArraySize(svs);
	struct rule_service *out = arena_alloc(&rs->arena, room * sizeof(*out));
	struct pending_service *pend = arena_alloc(&rs->arena, room * sizeof(*pend));
	if (!out || !pend)
		return;
	unsigned n = 0, i = 0;
	for (const cJSON *sv = svs->child; sv; sv = sv->next, i++) {
		char p[PATH_LEN];
		path_index(p, sp, i);
		n += load_service(rs, f, sv, p, out + n, pend + n, room - n);
	}
	r->services = out;
	r->nservices = n;
	rs->pending[ri] = pend;
}

/* The words are need_name's: the matrix and the reports spell them alike. */
static bool parse_need(const char *s, enum need *n)
{
	for (enum need k = NEED_REQUIRED; k <= NEED_ALLOWED; k++) {
		if (strcmp(s, need_name(k)) == 0) {
			*n = k;
			return true;
		}
	}
	return false;
}

/* "from"/"to" must name a role the matrix defines, or no site can bind it. */
static unsigned rule_role(struct ruleset *rs, struct json_file *f, const cJSON *rule,
			  const char *path, const char *key)
{
	const char *name = string_field(rs, f, rule, path, key, true);
	char p[PATH_LEN], hint[160];

	if (!name)
		return 0;
	int i = name_index(ROLES(rs), name);
	if (i >= 0)
		return (unsigned)i;
	path_key(p, path, key);
	unknown_name_hint(hint, sizeof(hint), name, ROLES(rs),
			  "declare the role under \"roles\"", false);
	report_at(f, true, p, true, hint, "rule names role \"%s\", which the matrix "
		  "does not define, so no site could bind it", name);
	return 0;
}

static const char *const rule_keys[] = { "id", "group", "description", "from", "to",
					 "need", "sections", "feature", "each", "services" };

/* Whether a service of rule i names parameter param in its ports. */
static bool rule_uses_param(const struct ruleset *rs, unsigned i, int param)
{
	const struct rule *r = &rs->rules[i];
	for (unsigned s = 0; rs->pending[i] && s < r->nservices; s++)
		for (unsigned k = 0; k < rs->pending[i][s].nitems; k++)
			if (rs->pending[i][s].items[k].param == param)
				return true;
	return false;
}

/* "each": true (every evidence service must work), false (any one will
 * do: the default), or "$param": each once the site declares the
 * parameter, whose ports the rule's services must use. */
static void load_each(struct ruleset *rs, struct json_file *f, const cJSON *rule,
		      const char *path, unsigned i)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rule, "each");
	char p[PATH_LEN];

	rs->rule_each_param[i] = -1;
	if (!v)
		return;
	path_key(p, path, "each");
	if (cJSON_IsBool(v)) {
		rs->rules[i].each = cJSON_IsTrue(v);
		return;
	}
	if (!cJSON_IsString(v) || v->valuestring[0] != '$') {
		report_at(f, true, p, true, "true: each service must work; false: any "
			  "one will do; \"$param\": each once the site sets that "
			  "parameter", "\"each\" must be true, false or \"$parameter\"");
		return;
	}
	int param = name_index(PARAMS(rs), v->valuestring + 1);
	if (param < 0) {
		char hint[128];
		const char *near = nearest_in(PARAMS(rs), v->valuestring + 1);
		snprintf(hint, sizeof(hint), near ? "did you mean \"$%s\"?" :
			 "declare it under \"params\"", near);
		report_at(f, true, p, true, hint, "unknown parameter \"%s\"", v->valuestring);
		return;
	}
	if (!rule_uses_param(rs, i, param)) {
		report_at(f, true, p, true, "name the parameter that holds the ports "
			  "the site binds", "no service of the rule uses \"%s\"",
			  v->valuestring);
		return;
	}
	rs->rule_each_param[i] = param;
}

static void load_rule(struct ruleset *rs, struct json_file *f, const cJSON *rule,
		      unsigned i)
{
	char path[PATH_LEN];
	struct rule *r = &rs->rules[i];

	path_index(path, "/rules", i);
	rs->rule_feature[i] = -1;
	rs->rule_each_param[i] = -1;
	if (!cJSON_IsObject(rule)) {
		report_at(f, true, path, true, NULL, "a rule must be an object");
		r->id = "";
		return;
	}
	CHECK_KEYS(f, rule, path, rule_keys, "a rule");
	const char *id = string_field(rs, f, rule, path, "id", true);
	r->id = id ? id : "";
	for (unsigned j = 0; id && j < i; j++) {
		if (strcmp(rs->rules[j].id, id) == 0) {
			char p[PATH_LEN], first[PATH_LEN], hint[96];
			path_key(p, path, "id");
			path_index(first, "/rules", j);
			size_t off = json_index_find(&f->ix, first, true);
			snprintf(hint, sizeof(hint), "the first is at line %u; rule ids "
				 "must be unique", json_where_at(f->text, off).line);
			report_at(f, true, p, true, hint, "duplicate rule id \"%s\"", id);
		}
	}
	r->group = string_field(rs, f, rule, path, "group", false);
	r->description = string_field(rs, f, rule, path, "description", true);
	r->from_role = rule_role(rs, f, rule, path, "from");
	r->to_role = rule_role(rs, f, rule, path, "to");
	const char *need = string_field(rs, f, rule, path, "need", true);
	if (need && !parse_need(need, &r->need)) {
		char p[PATH_LEN];
		path_key(p, path, "need");
		report_at(f, true, p, true, "\"required\", \"optional\" or \"allowed\"",
			  "unknown need \"%s\"", need);
	}
	r->sections = string_list(rs, f, rule, path, "sections", &r->nsections, true);
	const char *feature = string_field(rs, f, rule, path, "feature", false);
	if (feature) {
		rs->rule_feature[i] = name_index(FEATURES(rs), feature);
		if (rs->rule_feature[i] < 0) {
			char p[PATH_LEN];
			path_key(p, path, "feature");
			report_at(f, true, p, true, "declare it under \"features\"",
				  "unknown feature \"%s\"", feature);
		}
	}
	load_services(rs, f, rule, path, i);
	load_each(rs, f, rule, path, i);
}

static void load_rules(struct ruleset *rs, struct json_file *f, const cJSON *rules)
{
	if (!cJSON_IsArray(rules)) {
		report_at(f, true, rules ? "/rules" : "", true, NULL,
			  "the matrix needs a \"rules\" list");
		return;
	}
	unsigned n = (unsigned)cJSON_GetArraySize(rules);
	rs->rules = arena_alloc(&rs->arena, (n + 1) * sizeof(*rs->rules));
	rs->rule_feature = arena_alloc(&rs->arena, (n + 1) * sizeof(*rs->rule_feature));
	rs->rule_each_param = arena_alloc(&rs->arena, (n + 1) * sizeof(*rs->rule_each_param));
	rs->pending = arena_alloc(&rs->arena, (n + 1) * sizeof(*rs->pending));
	if (!rs->rules || !rs->rule_feature || !rs->rule_each_param || !rs->pending)
		return;
	memset(rs->rules, 0, (n + 1) * sizeof(*rs->rules));
	memset(rs->pending, 0, (n + 1) * sizeof(*rs->pending));
	unsigned i = 0;
	for (const cJSON *r = rules->child; r; r = r->next, i++)
		load_rule(rs, f, r, i);
	rs->nrules = n;
}

static const char *const matrix_keys[] = { "schema", "name", "document", "roles",
					   "params", "features", "rules" };

bool load_matrix(struct ruleset *rs, struct json_file *f)
{
	unsigned before = f->d->errors;
	const cJSON *root = f->root;

	CHECK_KEYS(f, root, "", matrix_keys, "a matrix");
	const char *schema = string_field(rs, f, root, "", "schema", true);
	if (schema && strcmp(schema, "flowaudit-matrix/1") != 0)
		report_at(f, true, "/schema", true, "this flowaudit reads "
			  "\"flowaudit-matrix/1\"", "unknown matrix schema \"%s\"", schema);
	rs->matrix_name = string_field(rs, f, root, "", "name", true);
	rs->document = string_field(rs, f, root, "", "document", false);
	each_member(rs, f, root, "roles", true, load_role);
	each_member(rs, f, root, "params", false, load_param);
	each_member(rs, f, root, "features", false, load_feature);
	load_rules(rs, f, cJSON_GetObjectItemCaseSensitive(root, "rules"));
	return f->d->errors == before;
}
