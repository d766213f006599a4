/* ruleset.c - matrix + site resolved into the enforced rule set, and the
 * questions the verdict engine asks of it (see rules.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/addr.h"
#include "common/cidr.h"
#include "common/safe_text.h"
#include "rules_internal.h"

#ifndef MATRIX_DIR
#define MATRIX_DIR "/usr/local/share/flowaudit"
#endif
#define MATRIX_FILE "speechexec-enterprise.json"
#include <unistd.h>

const char *need_name(enum need n)
{
	switch (n) {
	case NEED_REQUIRED:
		return "required";
	case NEED_OPTIONAL:
		return "optional";
	default:
		return "allowed";
	}
}

/* FLOWAUDIT_MATRIX_DIR first; then the installed matrix; and for a program
 * run from its build tree, not yet installed, the source tree's. */
const char *ruleset_default_matrix(void)
{
	static char path[4096];
	const char *dir = getenv(MATRIX_DIR_ENV);

	if (!dir || !*dir) {
		dir = MATRIX_DIR;
#ifdef SOURCE_MATRIX_DIR
		snprintf(path, sizeof(path), "%s/%s", dir, MATRIX_FILE);
		if (access(path, R_OK) != 0)
			dir = SOURCE_MATRIX_DIR;
#endif
	}
	snprintf(path, sizeof(path), "%s/%s", dir, MATRIX_FILE);
	return path;
}

/* Substitutes parameters into a service's ports. */
static void resolve_ports(struct ruleset *rs, struct rule_service *s,
			  const struct pending_service *p)
{
	unsigned n = 0;
	for (unsigned i = 0; i < p->nitems; i++)
		n += p->items[i].param < 0 ? 1 : rs->params[p->items[i].param].nvalues;
	struct port_range *r = arena_alloc(&rs->arena, (n + 1) * sizeof(*r));
	if (!r)
		return;
	unsigned k = 0;
	for (unsigned i = 0; i < p->nitems; i++) {
		const struct port_item *it = &p->items[i];
		if (it->param < 0) {
			r[k++] = it->range;
			continue;
		}
		const struct param *pm = &rs->params[it->param];
		for (unsigned j = 0; j < pm->nvalues; j++)
			r[k++] = pm->values[j];
	}
	s->ports = r;
	s->nports = k;
}

static int host_addr_cmp(const void *pa, const void *pb)
{
	const struct host_addr *a = pa, *b = pb;
	if (a->ip_version != b->ip_version)
		return a->ip_version < b->ip_version ? -1 : 1;
	return memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

/* The host table: the site's named hosts, then a host for every other
 * single address a role is bound to (named by its address), and the
 * sorted index of every host address. */
static bool index_hosts(struct ruleset *rs)
{
	size_t n = 0;
	for (unsigned h = 0; h < rs->nnamed; h++)
		n += rs->hosts[h].naddrs;
	for (unsigned i = 0; i < rs->nroles; i++)
		n += rs->bindings[i].nhosts;
	struct host_addr *all = arena_alloc(&rs->arena, (n + 1) * sizeof(*all));
	if (!all)
		return false;
	size_t k = 0;
	for (unsigned h = 0; h < rs->nnamed; h++)
		for (unsigned j = 0; j < rs->hosts[h].naddrs; j++)
			all[k++] = (struct host_addr){ rs->hosts[h].addrs[j].ip_version,
						       rs->hosts[h].addrs[j].addr, h };
	for (unsigned i = 0; i < rs->nroles; i++)
		for (unsigned j = 0; j < rs->bindings[i].nhosts; j++)
			all[k++] = (struct host_addr){ rs->bindings[i].hosts[j].ip_version,
						       rs->bindings[i].hosts[j].addr, UINT32_MAX };
	qsort(all, n, sizeof(*all), host_addr_cmp);

	/* One entry per address: its named host, else a host of its own. */
	size_t unique = 0, own = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || host_addr_cmp(&all[i - 1], &all[i]) != 0)
			unique++;
	struct site_host *hosts = arena_alloc(&rs->arena, (rs->nnamed + unique + 1) *
					      sizeof(*hosts));
	struct host_addr *index = arena_alloc(&rs->arena, (unique + 1) * sizeof(*index));
	if (!hosts || !index)
		return false;
	if (rs->nnamed)
		memcpy(hosts, rs->hosts, rs->nnamed * sizeof(*hosts));
	unsigned nhosts = rs->nnamed;
	for (size_t i = 0; i < n; i = i + own) {
		struct host_addr e = all[i];
		for (own = 1; i + own < n && host_addr_cmp(&all[i], &all[i + own]) == 0; own++)
			if (all[i + own].host != UINT32_MAX)
				e.host = all[i + own].host;
		if (e.host == UINT32_MAX) {
			struct cidr *c = arena_alloc(&rs->arena, sizeof(*c));
			char text[IP_TEXT_LEN];
			if (!c)
				return false;
			c->ip_version = e.ip_version;
			c->addr = e.addr;
			c->prefix = e.ip_version == 4 ? 32 : 128;
			format_ip(text, e.ip_version, &e.addr);
			hosts[nhosts] = (struct site_host){ arena_strdup(&rs->arena, text),
							    false, c, 1 };
			e.host = nhosts++;
		}
		index[rs->nhost_index++] = e;
	}
	rs->hosts = hosts;
	rs->nhosts = nhosts;
	rs->host_index = index;
	return true;
}

int ruleset_host_of(const struct ruleset *rs, uint8_t ip_version,
		    const struct ip_addr *a)
{
	struct host_addr key = { .ip_version = ip_version, .addr = *a };
	size_t lo = 0, hi = rs->nhost_index;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = host_addr_cmp(&key, &rs->host_index[mid]);
		if (c == 0)
			return (int)rs->host_index[mid].host;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* Each role's hosts, each once, in binding order. */
static bool role_hosts(struct ruleset *rs)
{
	unsigned *mark = calloc(rs->nhosts + 1, sizeof(*mark));
	if (!mark)
		return false;
	for (unsigned i = 0; i < rs->nroles; i++) {
		struct role_binding *b = &rs->bindings[i];
		b->host_ids = arena_alloc(&rs->arena, (b->nhosts + 1) * sizeof(*b->host_ids));
		for (unsigned j = 0; b->host_ids && j < b->nhosts; j++) {
			int h = ruleset_host_of(rs, b->hosts[j].ip_version, &b->hosts[j].addr);
			if (h < 0 || mark[h] == i + 1)
				continue;
			mark[h] = i + 1;
			b->host_ids[b->nhost_ids++] = (unsigned)h;
		}
	}
	free(mark);
	return true;
}

static void find_hosts(struct ruleset *rs)
{
	for (unsigned i = 0; i < rs->nroles; i++) {
		struct role_binding *b = &rs->bindings[i];
		b->hosts = arena_alloc(&rs->arena, (b->nnets + 1) * sizeof(*b->hosts));
		for (unsigned j = 0; b->hosts && j < b->nnets; j++)
			if (b->nets[j].prefix == (b->nets[j].ip_version == 4 ? 32 : 128))
				b->hosts[b->nhosts++] = b->nets[j];
		rs->roles[i].bound = b->nnets + b->nnames > 0;
	}
	if (!index_hosts(rs) || !role_hosts(rs))
		rs->nhost_index = 0;  /* out of memory: every pair by address */
}

/* A rule that needs each service: always, or once the site declares the
 * parameter it names. Judged per unit, of which there are at most
 * RULE_MAX_UNITS; false after saying so. */
static bool resolve_each(struct ruleset *rs, struct rule *r, unsigned i, struct diag *d)
{
	int param = rs->rule_each_param[i];

	if (param >= 0) {
		r->each = rs->params[param].overridden;
		r->each_param = rs->params[param].name;
	}
	if (!r->each || rule_unit_count(r) <= RULE_MAX_UNITS)
		return true;
	text_printf_safe(d->out, "%s: error: rule %s needs each of %u services or ports; "
			 "at most %u can be judged each", param >= 0 ? rs->site_path :
			 rs->matrix_path, r->id, rule_unit_count(r), RULE_MAX_UNITS);
	fputc('\n', d->out);
	d->errors++;
	return false;
}

/* ruleset.role_nets, from the bindings the site made. */
static bool index_role_nets(struct ruleset *rs)
{
	unsigned n = 0;

	for (unsigned i = 0; i < rs->nroles; i++)
		n += rs->bindings[i].nnets;
	rs->role_nets = arena_alloc(&rs->arena, (n + 1) * sizeof(*rs->role_nets));
	if (!rs->role_nets)
		return false;
	for (unsigned i = 0; i < rs->nroles; i++)
		for (unsigned j = 0; j < rs->bindings[i].nnets; j++)
			rs->role_nets[rs->nrole_nets++] =
				(struct role_net){ rs->bindings[i].nets[j], i };
	return true;
}

static bool resolve(struct ruleset *rs, struct diag *d)
{
	bool ok = true;

	find_hosts(rs);
	if (!index_role_nets(rs)) {
		fprintf(d->out, "flowaudit: out of memory\n");
		d->errors++;
		return false;
	}
	for (unsigned i = 0; i < rs->nrules; i++) {
		struct rule *r = &rs->rules[i];
		for (unsigned s = 0; s < r->nservices; s++)
			resolve_ports(rs, (struct rule_service *)&r->services[s],
				      &rs->pending[i][s]);
		ok &= resolve_each(rs, r, i, d);
		const struct role *from = &rs->roles[r->from_role];
		const struct role *to = &rs->roles[r->to_role];
		int feat = rs->rule_feature[i];
		char why[160];
		r->applicable = false;
		if (feat >= 0 && !rs->features[feat].on)
			snprintf(why, sizeof(why), "feature %s is off in the site",
				 rs->features[feat].name);
		else if (!from->bound && from->dedicated)
			snprintf(why, sizeof(why), "the site dedicates no host");
		else if (!from->bound)
			snprintf(why, sizeof(why), "%s is not in the site", from->name);
		else if (!to->bound)
			snprintf(why, sizeof(why), "%s is not in the site", to->name);
		else
			r->applicable = true;
		if (!r->applicable)
			r->not_applicable_why = arena_strdup(&rs->arena, why);
	}
	return ok;
}

/* A rule set holding its matrix, loaded; NULL (said on d) when the matrix
 * cannot be read or is wrong. */
static struct ruleset *ruleset_with_matrix(const char *matrix_path, struct diag *d)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));
	struct json_file mf;

	if (!d->out)
		d->out = stderr;
	if (!rs) {
		fprintf(d->out, "flowaudit: out of memory\n");
		d->errors++;
		return NULL;
	}
	if (!matrix_path)
		matrix_path = ruleset_default_matrix();
	rs->matrix_path = arena_strdup(&rs->arena, matrix_path);
	bool ok = json_file_load(&mf, matrix_path, d) && load_matrix(rs, &mf);
	json_file_free(&mf);
	if (!ok) {
		ruleset_free(rs);
		return NULL;
	}
	return rs;
}

struct ruleset *ruleset_load(const char *matrix_path, const char *site_path,
			     struct diag *d)
{
	struct ruleset *rs = ruleset_with_matrix(matrix_path, d);
	struct json_file sf;

	if (!rs)
		return NULL;
	rs->site_path = arena_strdup(&rs->arena, site_path);
	bool ok = json_file_load(&sf, site_path, d) && load_site(rs, &sf);
	json_file_free(&sf);
	if (!ok || d->errors || !resolve(rs, d)) {
		ruleset_free(rs);
		return NULL;
	}
	return rs;
}

struct ruleset *ruleset_load_matrix(const char *matrix_path, struct diag *d)
{
	struct ruleset *rs = ruleset_with_matrix(matrix_path, d);

	if (rs)
		rs->site_name = "no site";  /* the matrix alone: nothing bound */
	if (rs && (d->errors || !resolve(rs, d))) {
		ruleset_free(rs);
		return NULL;
	}
	return rs;
}

void ruleset_free(struct ruleset *rs)
{
	if (!rs)
		return;
	arena_free(&rs->arena);
	free(rs);
}

const char *ruleset_site_name(const struct ruleset *rs) { return rs->site_name; }
const char *ruleset_matrix_name(const struct ruleset *rs) { return rs->matrix_name; }
const char *ruleset_matrix_path(const struct ruleset *rs) { return rs->matrix_path; }
const char *ruleset_document(const struct ruleset *rs) { return rs->document ? rs->document : ""; }
const char *ruleset_site_path(const struct ruleset *rs) { return rs->site_path; }
const char *ruleset_matrix_document(const struct ruleset *rs) { return rs->document; }
unsigned ruleset_role_count(const struct ruleset *rs) { return rs->nroles; }
unsigned ruleset_param_count(const struct ruleset *rs) { return rs->nparams; }
unsigned ruleset_feature_count(const struct ruleset *rs) { return rs->nfeatures; }

bool ruleset_param(const struct ruleset *rs, unsigned i, struct matrix_param *out)
{
	if (i >= rs->nparams)
		return false;
	const struct param *pm = &rs->params[i];
	*out = (struct matrix_param){
		.name = pm->name, .description = pm->description,
		.sections = pm->sections, .nsections = pm->nsections,
		.list = pm->list, .values = pm->values, .nvalues = pm->nvalues,
		.overridden = pm->overridden,
	};
	return true;
}

bool ruleset_feature(const struct ruleset *rs, unsigned i, struct matrix_feature *out)
{
	if (i >= rs->nfeatures)
		return false;
	const struct feature *ft = &rs->features[i];
	*out = (struct matrix_feature){ ft->name, ft->description, ft->on };
	return true;
}

const char *ruleset_rule_feature(const struct ruleset *rs, unsigned i)
{
	if (i >= rs->nrules || rs->rule_feature[i] < 0)
		return NULL;
	return rs->features[rs->rule_feature[i]].name;
}

void ruleset_role_binds(const struct ruleset *rs, unsigned i, bool *addresses,
			bool *names, bool *dedicated)
{
	const struct role_binding *b = i < rs->nroles ? &rs->bindings[i] : NULL;
	*addresses = b && b->binds_addresses;
	*names = b && b->binds_names;
	*dedicated = b && b->binds_dedicated;
}

void ruleset_service_source(const struct ruleset *rs, unsigned i, unsigned s,
			    char *buf, size_t len)
{
	if (len == 0)
		return;
	buf[0] = '\0';
	if (i >= rs->nrules || s >= rs->rules[i].nservices)
		return;
	const struct pending_service *p = &rs->pending[i][s];
	size_t used = (size_t)snprintf(buf, len, "%s",
				       ip_proto_name(rs->rules[i].services[s].proto, "icmp"));
	for (unsigned k = 0; k < p->nitems && used < len; k++) {
		const struct port_item *it = &p->items[k];
		const char *sep = k ? "," : "/";
		int w = it->param >= 0 ?
			snprintf(buf + used, len - used, "%s$%s", sep, rs->params[it->param].name) :
			it->range.lo == it->range.hi ?
			snprintf(buf + used, len - used, "%s%u", sep, it->range.lo) :
			snprintf(buf + used, len - used, "%s%u-%u", sep, it->range.lo, it->range.hi);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}
unsigned ruleset_rule_count(const struct ruleset *rs) { return rs->nrules; }
unsigned ruleset_allow_count(const struct ruleset *rs) { return rs->nallows; }

const struct role *ruleset_role(const struct ruleset *rs, unsigned i)
{
	return i < rs->nroles ? &rs->roles[i] : NULL;
}

const struct rule *ruleset_rule(const struct ruleset *rs, unsigned i)
{
	return i < rs->nrules ? &rs->rules[i] : NULL;
}

const struct site_allow *ruleset_allow(const struct ruleset *rs, unsigned i)
{
	return i < rs->nallows ? &rs->allows[i] : NULL;
}

role_mask ruleset_roles_of_addr(const struct ruleset *rs, uint8_t ip_version,
				const struct ip_addr *a)
{
	role_mask m = 0;
	for (unsigned i = 0; i < rs->nrole_nets; i++) {
		const struct role_net *e = &rs->role_nets[i];
		role_mask bit = (role_mask)1 << e->role;
		if (!(m & bit) && cidr_contains(&e->net, ip_version, a))
			m |= bit;
	}
	return m;
}

/* "*.example.com" matches names under example.com, not example.com. */
static bool name_matches(const char *pattern, const char *name)
{
	if (strncmp(pattern, "*.", 2) == 0) {
		size_t pl = strlen(pattern + 1), nl = strlen(name);
		return nl > pl && strcasecmp(name + nl - pl, pattern + 1) == 0;
	}
	return strcasecmp(pattern, name) == 0;
}

role_mask ruleset_roles_of_name(const struct ruleset *rs, const char *name)
{
	role_mask m = 0;
	if (!name || !*name)
		return 0;
	for (unsigned i = 0; i < rs->nroles; i++) {
		const struct role_binding *b = &rs->bindings[i];
		for (unsigned j = 0; j < b->nnames; j++) {
			if (name_matches(b->names[j], name)) {
				m |= (role_mask)1 << i;
				break;
			}
		}
	}
	return m;
}

bool ruleset_binds_names(const struct ruleset *rs)
{
	for (unsigned i = 0; i < rs->nroles; i++)
		if (rs->bindings[i].nnames)
			return true;
	return false;
}

role_mask ruleset_audited_roles(const struct ruleset *rs)
{
	role_mask m = 0;
	for (unsigned i = 0; i < rs->nroles; i++)
		if (rs->roles[i].audited)
			m |= (role_mask)1 << i;
	return m;
}

role_mask ruleset_peer_roles(const struct ruleset *rs)
{
	role_mask m = 0;
	for (unsigned i = 0; i < rs->nroles; i++)
		if (rs->roles[i].peer)
			m |= (role_mask)1 << i;
	return m;
}

role_mask ruleset_dedicated_roles(const struct ruleset *rs)
{
	return rs->dedicated_roles;
}

unsigned ruleset_role_hosts(const struct ruleset *rs, unsigned role,
			    const struct cidr **hosts)
{
	*hosts = rs->bindings[role].hosts;
	return rs->bindings[role].nhosts;
}

unsigned ruleset_host_count(const struct ruleset *rs) { return rs->nhosts; }

const struct site_host *ruleset_host(const struct ruleset *rs, unsigned i)
{
	return i < rs->nhosts ? &rs->hosts[i] : NULL;
}

unsigned ruleset_role_host_ids(const struct ruleset *rs, unsigned role,
			       const unsigned **ids)
{
	*ids = rs->bindings[role].host_ids;
	return rs->bindings[role].nhost_ids;
}

unsigned ruleset_role_nets(const struct ruleset *rs, unsigned role,
			   const struct cidr **nets)
{
	*nets = rs->bindings[role].nets;
	return rs->bindings[role].nnets;
}

/* Appends text when it fits; false once it does not. */
static bool append(char *out, size_t len, size_t *used, const char *text)
{
	size_t n = strlen(text);
	if (*used + n + 1 > len)
		return false;
	memcpy(out + *used, text, n + 1);
	*used += n;
	return true;
}

bool ruleset_capture_filter(const struct ruleset *rs, char *out, size_t len)
{
	char hosts[8192];
	size_t used = 0;

	hosts[0] = '\0';
	for (unsigned r = 0; r < rs->nroles; r++) {
		const struct role_binding *b = &rs->bindings[r];
		if (!rs->roles[r].audited)
			continue;
		/* A role found by name is only known after DNS: the kernel
		 * cannot filter for it. */
		if (b->nnames)
			return false;
		for (unsigned i = 0; i < b->nnets; i++) {
			char ip[IP_TEXT_LEN], term[IP_TEXT_LEN + 16];
			format_ip(ip, b->nets[i].ip_version, &b->nets[i].addr);
			if (b->nets[i].prefix == 0)
				return false;  /* everything is in scope */
			snprintf(term, sizeof(term), "%snet %s/%u", used ? " or " : "", ip,
				 b->nets[i].prefix);
			if (!append(hosts, sizeof(hosts), &used, term))
				return false;
		}
	}
	if (!used)
		return false;
	/* DNS answers name the servers; tunnels (GRE and ERSPAN, VXLAN,
	 * Geneve) carry the traffic inside them; VLAN tags shift the headers. */
	int n = snprintf(out, len, "(%s or port 53) or (vlan and (%s or port 53)) or "
			 "ip proto 47 or ip6 proto 47 or udp port 4789 or udp port 6081",
			 hosts, hosts);
	return n > 0 && (size_t)n < len;
}

unsigned ruleset_role_names(const struct ruleset *rs, unsigned role,
			    const char *const **names)
{
	*names = rs->bindings[role].names;
	return rs->bindings[role].nnames;
}

bool service_matches(const struct rule_service *s, uint8_t proto, uint16_t port)
{
	if (s->proto == IP_PROTO_ICMP)
		return proto == IP_PROTO_ICMP || proto == IP_PROTO_ICMPV6;
	if (s->proto != proto)
		return false;
	for (unsigned i = 0; i < s->nports; i++)
		if (port >= s->ports[i].lo && port <= s->ports[i].hi)
			return true;
	return false;
}

unsigned ruleset_server_ports(const struct ruleset *rs, struct server_port *out,
			      unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];
		if (!r->applicable)
			continue;
		for (unsigned s = 0; s < r->nservices; s++) {
			const struct rule_service *sv = &r->services[s];
			if (sv->proto != IP_PROTO_TCP && sv->proto != IP_PROTO_UDP)
				continue;
			for (unsigned p = 0; p < sv->nports; p++, n++) {
				if (n >= max)
					continue;
				out[n] = (struct server_port){
					.proto = sv->proto,
					.range = sv->ports[p],
					.label = sv->label[0] ? sv->label : r->id,
					.rule = r,
					.service = sv,
				};
			}
		}
	}
	return n;
}

void service_format(const struct rule_service *s, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "%s", ip_proto_name(s->proto, "icmp"));
	for (unsigned i = 0; i < s->nports && used < len; i++) {
		const struct port_range *r = &s->ports[i];
		int w = r->lo == r->hi ?
			snprintf(buf + used, len - used, "%s%u", i ? "," : "/", r->lo) :
			snprintf(buf + used, len - used, "%s%u-%u", i ? "," : "/", r->lo, r->hi);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* ---- rules that need each service: their units ---- */

static bool unit_service(const struct rule *r, const struct rule_service *s)
{
	return s->evidence || r->need == NEED_ALLOWED;
}

static unsigned service_units(const struct rule_service *s)
{
	return s->proto == IP_PROTO_ICMP || s->nports == 0 ? 1 : s->nports;
}

unsigned rule_unit_count(const struct rule *r)
{
	unsigned n = 0;
	for (unsigned s = 0; s < r->nservices; s++)
		if (unit_service(r, &r->services[s]))
			n += service_units(&r->services[s]);
	return n;
}

bool rule_unit(const struct rule *r, unsigned u, const struct rule_service **s,
	       struct port_range *range)
{
	for (unsigned i = 0; i < r->nservices; i++) {
		const struct rule_service *sv = &r->services[i];
		if (!unit_service(r, sv))
			continue;
		if (u < service_units(sv)) {
			*s = sv;
			*range = sv->proto == IP_PROTO_ICMP || sv->nports == 0 ?
				 (struct port_range){ 0, 0 } : sv->ports[u];
			return true;
		}
		u -= service_units(sv);
	}
	return false;
}

int rule_unit_of(const struct rule *r, const struct rule_service *s, uint16_t port)
{
	unsigned base = 0;
	for (unsigned i = 0; i < r->nservices; i++) {
		const struct rule_service *sv = &r->services[i];
		if (!unit_service(r, sv))
			continue;
		if (sv == s) {
			if (sv->proto == IP_PROTO_ICMP || sv->nports == 0)
				return (int)base;
			for (unsigned p = 0; p < sv->nports; p++)
				if (port >= sv->ports[p].lo && port <= sv->ports[p].hi)
					return (int)(base + p);
			return -1;
		}
		base += service_units(sv);
	}
	return -1;
}

void rule_unit_format(const struct rule *r, unsigned u, char *buf, size_t len)
{
	const struct rule_service *s;
	struct port_range range;

	if (!rule_unit(r, u, &s, &range)) {
		snprintf(buf, len, "?");
		return;
	}
	struct rule_service one = *s;
	one.ports = &range;
	one.nports = s->proto == IP_PROTO_ICMP ? 0 : 1;
	service_format(&one, buf, len);
}

/* ---- flowaudit check: the resolved rule set for administrators ---- */

/* "any of 0.0.0.0/0, ::/0 (mobile_clients)" for a population. */
static void population_text(const struct ruleset *rs, unsigned role, char *out,
			    size_t len)
{
	const struct role_binding *b = &rs->bindings[role];
	size_t used = (size_t)snprintf(out, len, "any of ");
	for (unsigned i = 0; i < b->nnets && used < len; i++) {
		char c[IP_TEXT_LEN + 8];
		format_cidr(c, sizeof(c), &b->nets[i]);
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", c);
	}
	for (unsigned i = 0; i < b->nnames && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s",
					 i || b->nnets ? ", " : "", b->names[i]);
	if (used < len)
		snprintf(out + used, len - used, " (%s)", rs->roles[role].name);
}

/* A concrete host as check names it: its address, or for a host the site
 * named, "lic01 [10.1.0.10, fd00::10]". */
static void host_text(const struct ruleset *rs, unsigned id, char *out, size_t len)
{
	const struct site_host *h = &rs->hosts[id];
	size_t used = (size_t)snprintf(out, len, "%s", h->name);

	if (!h->named)
		return;
	for (unsigned i = 0; i < h->naddrs && used < len; i++) {
		char a[IP_TEXT_LEN];
		format_ip(a, h->addrs[i].ip_version, &h->addrs[i].addr);
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : " [", a);
	}
	if (used < len)
		snprintf(out + used, len - used, "]");
}

/* One line of check's output, made safe as a whole: every name in it
 * comes from the matrix or the site, and what a terminal shows of them
 * must be what the file says (common/safe_text.h). */
static void print_line(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void print_line(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_vprintf_safe(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static void print_rule(const struct ruleset *rs, const struct rule *r, FILE *f)
{
	char services[256] = "", sections[128] = "";
	size_t used = 0;

	for (unsigned s = 0; s < r->nservices && used < sizeof(services); s++) {
		char one[96];
		service_format(&r->services[s], one, sizeof(one));
		used += (size_t)snprintf(services + used, sizeof(services) - used, "%s%s%s",
					 s ? " " : "", one, r->services[s].evidence ? "" : "(allowed)");
	}
	if (r->each && used < sizeof(services))
		snprintf(services + used, sizeof(services) - used, " (each must work%s%s)",
			 r->each_param ? ": the site sets " : "",
			 r->each_param ? r->each_param : "");
	used = 0;
	for (unsigned s = 0; s < r->nsections && used < sizeof(sections); s++)
		used += (size_t)snprintf(sections + used, sizeof(sections) - used, "%s%s",
					 s ? ", " : "", r->sections[s]);
	print_line(f, "%-24s %-8s %s -> %s  %s  [%s]", r->id, need_name(r->need),
		rs->roles[r->from_role].name, rs->roles[r->to_role].name, services,
		sections);

	const unsigned *fh, *th;
	unsigned nf = ruleset_role_host_ids(rs, r->from_role, &fh);
	unsigned nt = ruleset_role_host_ids(rs, r->to_role, &th);
	const struct role_binding *fb = &rs->bindings[r->from_role];
	const struct role_binding *tb = &rs->bindings[r->to_role];
	char from[512], to[512];
	/* A role all of whose bindings are hosts is listed host by host. */
	bool from_hosts = nf && fb->nhosts == fb->nnets;
	bool to_hosts = nt && tb->nhosts == tb->nnets;
	if (!from_hosts)
		population_text(rs, r->from_role, from, sizeof(from));
	if (!to_hosts)
		population_text(rs, r->to_role, to, sizeof(to));
	for (unsigned i = 0; i < (from_hosts ? nf : 1); i++) {
		char a[512];
		if (from_hosts)
			host_text(rs, fh[i], a, sizeof(a));
		for (unsigned j = 0; j < (to_hosts ? nt : 1); j++) {
			char b[512];
			if (to_hosts)
				host_text(rs, th[j], b, sizeof(b));
			print_line(f, "    %s%s%s%s -> %s%s%s%s",
				from_hosts ? a : from, from_hosts ? " (" : "",
				from_hosts ? rs->roles[r->from_role].name : "",
				from_hosts ? ")" : "", to_hosts ? b : to,
				to_hosts ? " (" : "",
				to_hosts ? rs->roles[r->to_role].name : "",
				to_hosts ? ")" : "");
		}
	}
}

static void print_allow_side(const struct ruleset *rs, role_mask roles,
			     const struct cidr *nets, unsigned nnets, FILE *f)
{
	if (!roles && !nnets) {
		fputs("any", f);
		return;
	}
	for (unsigned i = 0; i < rs->nroles; i++)
		if (roles & ((role_mask)1 << i))
			text_put_safe(f, rs->roles[i].name);
	for (unsigned i = 0; i < nnets; i++) {
		char c[IP_TEXT_LEN + 8];
		format_cidr(c, sizeof(c), &nets[i]);
		fputs(c, f);
	}
}

/* How a host's traffic is judged: audited (whole), dedicated (a peer the
 * site gives to the product: whole), peer (only opposite an audited host),
 * or population (only as the other side of a rule). */
static const char *host_scope(const struct ruleset *rs, role_mask m)
{
	role_mask dedicated = 0, audited = 0, peer = 0;
	for (unsigned i = 0; i < rs->nroles; i++) {
		if (!(m & ((role_mask)1 << i)))
			continue;
		dedicated |= rs->roles[i].dedicated;
		audited |= rs->roles[i].audited && !rs->roles[i].dedicated;
		peer |= rs->roles[i].peer;
	}
	return audited ? "audited" : dedicated ? "dedicated: all its traffic is audited" :
	       peer ? "peer: judged only opposite an audited host" :
	       "population: judged only as the other side of a rule";
}

static bool printed_before(const struct ruleset *rs, unsigned role, unsigned net)
{
	const struct cidr *c = &rs->bindings[role].nets[net];
	for (unsigned i = 0; i <= role; i++)
		for (unsigned j = 0; j < (i == role ? net : rs->bindings[i].nnets); j++)
			if (memcmp(&rs->bindings[i].nets[j], c, sizeof(*c)) == 0)
				return true;
	return false;
}

/* The roles bound to exactly this address or network. */
static role_mask roles_bound_to(const struct ruleset *rs, const struct cidr *c)
{
	role_mask m = 0;
	for (unsigned k = 0; k < rs->nroles; k++)
		for (unsigned n = 0; n < rs->bindings[k].nnets; n++)
			if (memcmp(&rs->bindings[k].nets[n], c, sizeof(*c)) == 0)
				m |= (role_mask)1 << k;
	/* A host inside a dedicated network is dedicated too. */
	if (c->prefix == (c->ip_version == 4 ? 32 : 128))
		for (unsigned k = 0; k < rs->nroles; k++)
			if (rs->roles[k].dedicated)
				m |= ruleset_roles_of_addr(rs, c->ip_version, &c->addr) &
				     ((role_mask)1 << k);
	return m;
}

static void print_host_line(const struct ruleset *rs, const char *text, role_mask m,
			    FILE *f)
{
	char roles[256] = "";
	size_t used = 0;

	for (unsigned k = 0; k < rs->nroles && used + 1 < sizeof(roles); k++)
		if (m & ((role_mask)1 << k) && !rs->roles[k].dedicated)
			used += (size_t)snprintf(roles + used, sizeof(roles) - used,
						 "%s%s", used ? "+" : "", rs->roles[k].name);
	print_line(f, "    %-24s %-40s %s", text, roles[0] ? roles : "-", host_scope(rs, m));
}

/* Every address and network the site binds, once, with its roles and how
 * its traffic is judged; a host the site names once for all its
 * addresses, where the first of them is bound. */
static void print_hosts(const struct ruleset *rs, FILE *f)
{
	bool *shown = calloc(rs->nnamed + 1, sizeof(*shown));

	fprintf(f, "Hosts:\n");
	for (unsigned i = 0; i < rs->nroles; i++) {
		for (unsigned j = 0; j < rs->bindings[i].nnets; j++) {
			const struct cidr *c = &rs->bindings[i].nets[j];
			char text[IP_TEXT_LEN + 8];
			if (printed_before(rs, i, j))
				continue;
			int h = c->prefix == (c->ip_version == 4 ? 32 : 128) ?
				ruleset_host_of(rs, c->ip_version, &c->addr) : -1;
			if (h >= 0 && rs->hosts[h].named) {
				if (!shown || shown[h])
					continue;
				shown[h] = true;
				role_mask m = 0;
				for (unsigned a = 0; a < rs->hosts[h].naddrs; a++)
					m |= roles_bound_to(rs, &rs->hosts[h].addrs[a]);
				print_host_line(rs, rs->hosts[h].name, m, f);
				fputs("        addresses:", f);
				for (unsigned a = 0; a < rs->hosts[h].naddrs; a++) {
					format_cidr(text, sizeof(text), &rs->hosts[h].addrs[a]);
					fprintf(f, "%s %s", a ? "," : "", text);
				}
				fputc('\n', f);
				continue;
			}
			format_cidr(text, sizeof(text), c);
			print_host_line(rs, text, roles_bound_to(rs, c), f);
		}
	}
	free(shown);
	fputc('\n', f);
}

/* An exception's expiry as check states it, against today. */
static void print_expiry(const struct site_allow *a, uint64_t now_us, FILE *f)
{
	if (!a->expires)
		return;
	if (now_us >= a->expires_us) {
		print_line(f, "      warning: expired on %s: it no longer applies", a->expires);
		return;
	}
	uint64_t days = (a->expires_us - now_us) / (86400ull * 1000000u);
	if (days < 30)
		print_line(f, "      warning: expires on %s, in %llu day%s", a->expires,
			(unsigned long long)days, days == 1 ? "" : "s");
	else
		print_line(f, "      expires on %s", a->expires);
}

void ruleset_print(const struct ruleset *rs, FILE *f, uint64_t now_us)
{
	unsigned na = 0;

	print_line(f, "Site %s, matrix %s (%s)", rs->site_name, rs->matrix_name,
		   rs->matrix_path);
	fputc('\n', f);
	print_hosts(rs, f);
	fprintf(f, "Enforced rules:\n");
	for (unsigned i = 0; i < rs->nrules; i++) {
		if (rs->rules[i].applicable)
			print_rule(rs, &rs->rules[i], f);
		else
			na++;
	}
	if (na) {
		fprintf(f, "\nNot applicable:\n");
		for (unsigned i = 0; i < rs->nrules; i++)
			if (!rs->rules[i].applicable)
				print_line(f, "%-24s %s", rs->rules[i].id,
					   rs->rules[i].not_applicable_why);
	}
	if (rs->nallows) {
		fprintf(f, "\nAllowed by the site:\n");
		for (unsigned i = 0; i < rs->nallows; i++) {
			const struct site_allow *a = &rs->allows[i];
			fputs("    ", f);
			print_allow_side(rs, a->from_roles, a->from_nets, a->nfrom_nets, f);
			fputs(" -> ", f);
			print_allow_side(rs, a->to_roles, a->to_nets, a->nto_nets, f);
			struct rule_service s = { .proto = a->proto ? a->proto : IP_PROTO_TCP,
						  .ports = a->ports, .nports = a->nports };
			char svc[96];
			service_format(&s, svc, sizeof(svc));
			print_line(f, "  %s  (%s)", a->proto ? svc : "any protocol", a->why);
			print_expiry(a, now_us, f);
		}
	}
}
