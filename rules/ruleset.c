/* ruleset.c - matrix + site resolved into the enforced rule set, and the
 * questions the verdict engine asks of it (see rules.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/addr.h"
#include "common/cidr.h"
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
	const char *dir = getenv("FLOWAUDIT_MATRIX_DIR");

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
}

static void resolve(struct ruleset *rs)
{
	find_hosts(rs);
	for (unsigned i = 0; i < rs->nrules; i++) {
		struct rule *r = &rs->rules[i];
		for (unsigned s = 0; s < r->nservices; s++)
			resolve_ports(rs, (struct rule_service *)&r->services[s],
				      &rs->pending[i][s]);
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
}

struct ruleset *ruleset_load(const char *matrix_path, const char *site_path,
			     struct diag *d)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));
	struct json_file mf, sf;
	bool ok;

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
	rs->site_path = arena_strdup(&rs->arena, site_path);
	ok = json_file_load(&mf, matrix_path, d) && load_matrix(rs, &mf);
	json_file_free(&mf);
	if (ok) {
		ok = json_file_load(&sf, site_path, d) && load_site(rs, &sf);
		json_file_free(&sf);
	}
	if (!ok || d->errors) {
		ruleset_free(rs);
		return NULL;
	}
	resolve(rs);
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
const char *ruleset_site_path(const struct ruleset *rs) { return rs->site_path; }
unsigned ruleset_role_count(const struct ruleset *rs) { return rs->nroles; }
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
	for (unsigned i = 0; i < rs->nroles; i++) {
		const struct role_binding *b = &rs->bindings[i];
		for (unsigned j = 0; j < b->nnets; j++) {
			if (cidr_contains(&b->nets[j], ip_version, a)) {
				m |= (role_mask)1 << i;
				break;
			}
		}
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
	used = 0;
	for (unsigned s = 0; s < r->nsections && used < sizeof(sections); s++)
		used += (size_t)snprintf(sections + used, sizeof(sections) - used, "%s%s",
					 s ? ", " : "", r->sections[s]);
	fprintf(f, "%-24s %-8s %s -> %s  %s  [%s]\n", r->id, need_name(r->need),
		rs->roles[r->from_role].name, rs->roles[r->to_role].name, services,
		sections);

	const struct cidr *fh, *th;
	unsigned nf = ruleset_role_hosts(rs, r->from_role, &fh);
	unsigned nt = ruleset_role_hosts(rs, r->to_role, &th);
	char from[512], to[512];
	if (nf == 0 || nf != rs->bindings[r->from_role].nnets)
		population_text(rs, r->from_role, from, sizeof(from));
	if (nt == 0 || nt != rs->bindings[r->to_role].nnets)
		population_text(rs, r->to_role, to, sizeof(to));
	bool from_hosts = nf && nf == rs->bindings[r->from_role].nnets;
	bool to_hosts = nt && nt == rs->bindings[r->to_role].nnets;
	for (unsigned i = 0; i < (from_hosts ? nf : 1); i++) {
		char a[IP_TEXT_LEN + 8];
		if (from_hosts)
			format_cidr(a, sizeof(a), &fh[i]);
		for (unsigned j = 0; j < (to_hosts ? nt : 1); j++) {
			char b[IP_TEXT_LEN + 8];
			if (to_hosts)
				format_cidr(b, sizeof(b), &th[j]);
			fprintf(f, "    %s%s%s%s -> %s%s%s%s\n",
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
			fputs(rs->roles[i].name, f);
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

/* Every address and network the site binds, once, with its roles and how
 * its traffic is judged. */
static void print_hosts(const struct ruleset *rs, FILE *f)
{
	fprintf(f, "Hosts:\n");
	for (unsigned i = 0; i < rs->nroles; i++) {
		for (unsigned j = 0; j < rs->bindings[i].nnets; j++) {
			const struct cidr *c = &rs->bindings[i].nets[j];
			char text[IP_TEXT_LEN + 8], roles[256] = "";
			size_t used = 0;
			if (printed_before(rs, i, j))
				continue;
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
			for (unsigned k = 0; k < rs->nroles && used + 1 < sizeof(roles); k++)
				if (m & ((role_mask)1 << k) && !rs->roles[k].dedicated)
					used += (size_t)snprintf(roles + used, sizeof(roles) - used,
								 "%s%s", used ? "+" : "",
								 rs->roles[k].name);
			format_cidr(text, sizeof(text), c);
			fprintf(f, "    %-24s %-40s %s\n", text, roles[0] ? roles : "-",
				host_scope(rs, m));
		}
	}
	fputc('\n', f);
}

/* An exception's expiry as check states it, against today. */
static void print_expiry(const struct site_allow *a, uint64_t now_us, FILE *f)
{
	if (!a->expires)
		return;
	if (now_us >= a->expires_us) {
		fprintf(f, "      warning: expired on %s: it no longer applies\n", a->expires);
		return;
	}
	uint64_t days = (a->expires_us - now_us) / (86400ull * 1000000u);
	if (days < 30)
		fprintf(f, "      warning: expires on %s, in %llu day%s\n", a->expires,
			(unsigned long long)days, days == 1 ? "" : "s");
	else
		fprintf(f, "      expires on %s\n", a->expires);
}

void ruleset_print(const struct ruleset *rs, FILE *f, uint64_t now_us)
{
	unsigned na = 0;

	fprintf(f, "Site %s, matrix %s (%s)\n\n", rs->site_name, rs->matrix_name,
		rs->matrix_path);
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
				fprintf(f, "%-24s %s\n", rs->rules[i].id,
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
			fprintf(f, "  %s  (%s)\n", a->proto ? svc : "any protocol", a->why);
			print_expiry(a, now_us, f);
		}
	}
}
