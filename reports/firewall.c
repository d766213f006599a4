/* firewall.c - the allow rules a site needs (firewall.h): the model every
 * target renders, and the escaping each target's strings need. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "firewall_internal.h"

bool firewall_target_parse(const char *name, enum fw_target *t)
{
	static const struct { const char *name; enum fw_target t; } targets[] = {
		{ "nftables", FW_NFTABLES }, { "iptables", FW_IPTABLES },
		{ "ip6tables", FW_IP6TABLES }, { "windows", FW_WINDOWS },
		{ "csv", FW_CSV },
	};
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if (strcmp(name, targets[i].name) == 0) {
			*t = targets[i].t;
			return true;
		}
	return false;
}

/* ---- sides ---- */

static bool grow(void **p, unsigned n, size_t size)
{
	/* Capacity doubles at each power of two: no separate count kept. */
	if (n && (n & (n - 1)))
		return true;
	void *q = realloc(*p, (n ? 2 * n : 1) * size);
	if (!q)
		return false;
	*p = q;
	return true;
}

static bool side_add_net(struct fw_side *s, const struct cidr *c)
{
	if (!grow((void **)&s->nets, s->nnets, sizeof(*s->nets)))
		return false;
	s->nets[s->nnets++] = *c;
	return true;
}

static bool side_add_name(const struct fw_name ***list, unsigned *n,
			  const struct fw_name *name)
{
	for (unsigned i = 0; i < *n; i++)
		if ((*list)[i] == name)
			return true;
	if (!grow((void **)list, *n, sizeof(**list)))
		return false;
	(*list)[(*n)++] = name;
	return true;
}

/* Whether net a lies inside net b (b no longer than a). */
static bool net_inside(const struct cidr *a, const struct cidr *b)
{
	return a->ip_version == b->ip_version && b->prefix <= a->prefix &&
	       cidr_contains(b, a->ip_version, &a->addr);
}

/* Drops every net another one covers, so that a set never holds
 * overlapping intervals (nft refuses them) and no address is listed twice;
 * the first of two equal nets stays. */
static void side_reduce(struct fw_side *s)
{
	unsigned kept = 0;
	for (unsigned i = 0; i < s->nnets; i++) {
		bool covered = false;
		for (unsigned j = 0; j < s->nnets && !covered; j++) {
			if (j == i || !net_inside(&s->nets[i], &s->nets[j]))
				continue;
			covered = s->nets[j].prefix < s->nets[i].prefix || j < i;
		}
		if (!covered)
			s->nets[kept++] = s->nets[i];
	}
	s->nnets = kept;
}

static const struct fw_name *find_name(const struct fw_export *x, const char *name)
{
	for (unsigned i = 0; i < x->nnames; i++)
		if (strcmp(x->names[i].name, name) == 0)
			return &x->names[i];
	return NULL;
}

/* A role's side: its networks and hosts, then the addresses its names
 * resolved to. */
static bool role_side(struct fw_side *s, const struct ruleset *rs,
		      const struct fw_export *x, unsigned role)
{
	const struct cidr *nets;
	const char *const *names;
	unsigned nn = ruleset_role_nets(rs, role, &nets);
	unsigned nm = ruleset_role_names(rs, role, &names);

	s->role = (int)role;
	for (unsigned i = 0; i < nn; i++)
		if (!side_add_net(s, &nets[i]))
			return false;
	for (unsigned i = 0; i < nm; i++) {
		const struct fw_name *n = find_name(x, names[i]);
		if (!n)
			continue;  /* the caller hands in every name (firewall.h) */
		if (!n->naddrs) {
			if (!side_add_name(&s->unresolved, &s->nunresolved, n))
				return false;
			continue;
		}
		for (unsigned a = 0; a < n->naddrs; a++)
			if (!side_add_net(s, &n->addrs[a]))
				return false;
		if (!side_add_name(&s->resolved, &s->nresolved, n))
			return false;
	}
	side_reduce(s);
	return true;
}

/* The union of other sides (roles of a mask) and networks. */
static bool side_union(struct fw_side *s, const struct fw_model *m, role_mask roles,
		       const struct cidr *nets, unsigned nnets)
{
	s->role = -1;
	s->any = !roles && !nnets;
	for (unsigned r = 0; r < m->nroles; r++) {
		if (!(roles & ((role_mask)1 << r)))
			continue;
		const struct fw_side *o = &m->roles[r];
		s->role = roles == ((role_mask)1 << r) && !nnets ? (int)r : -1;
		for (unsigned i = 0; i < o->nnets; i++)
			if (!side_add_net(s, &o->nets[i]))
				return false;
		for (unsigned i = 0; i < o->nunresolved; i++)
			if (!side_add_name(&s->unresolved, &s->nunresolved, o->unresolved[i]))
				return false;
		for (unsigned i = 0; i < o->nresolved; i++)
			if (!side_add_name(&s->resolved, &s->nresolved, o->resolved[i]))
				return false;
	}
	for (unsigned i = 0; i < nnets; i++)
		if (!side_add_net(s, &nets[i]))
			return false;
	side_reduce(s);
	return true;
}

static void side_free(struct fw_side *s)
{
	free(s->nets);
	free(s->unresolved);
	free(s->resolved);
}

bool fw_side_any(const struct fw_side *s, uint8_t family)
{
	if (s->any)
		return true;
	for (unsigned i = 0; i < s->nnets; i++)
		if (s->nets[i].ip_version == family && s->nets[i].prefix == 0)
			return true;
	return false;
}

unsigned fw_side_count(const struct fw_side *s, uint8_t family)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->nnets; i++)
		n += s->nets[i].ip_version == family;
	return n;
}

/* ---- protocols and ports ---- */

static int range_cmp(const void *pa, const void *pb)
{
	const struct port_range *a = pa, *b = pb;
	return a->lo != b->lo ? (a->lo > b->lo) - (a->lo < b->lo) :
	       (a->hi > b->hi) - (a->hi < b->hi);
}

/* Sorted, overlapping and adjacent ranges joined: a set of ports nft and
 * iptables take without complaint, and the same text for the same ports. */
static void merge_ranges(struct fw_proto *p)
{
	if (!p->nranges)
		return;
	qsort(p->ranges, p->nranges, sizeof(*p->ranges), range_cmp);
	unsigned kept = 0;
	for (unsigned i = 1; i < p->nranges; i++) {
		struct port_range *last = &p->ranges[kept];
		if ((unsigned)p->ranges[i].lo <= (unsigned)last->hi + 1) {
			if (p->ranges[i].hi > last->hi)
				last->hi = p->ranges[i].hi;
		} else {
			p->ranges[++kept] = p->ranges[i];
		}
	}
	p->nranges = kept + 1;
}

static struct fw_proto *entry_proto(struct fw_entry *e, uint8_t proto)
{
	for (unsigned i = 0; i < e->nprotos; i++)
		if (e->protos[i].proto == proto)
			return &e->protos[i];
	if (e->nprotos == sizeof(e->protos) / sizeof(e->protos[0]))
		return NULL;
	e->protos[e->nprotos] = (struct fw_proto){ .proto = proto };
	return &e->protos[e->nprotos++];
}

static bool add_ports(struct fw_entry *e, uint8_t proto, const struct port_range *r,
		      unsigned n)
{
	struct fw_proto *p = entry_proto(e, proto);
	if (!p)
		return true;
	for (unsigned i = 0; i < n; i++) {
		if (!grow((void **)&p->ranges, p->nranges, sizeof(*p->ranges)))
			return false;
		p->ranges[p->nranges++] = r[i];
	}
	return true;
}

/* Protocols in a fixed order whatever order the matrix lists them in. */
static int proto_rank(uint8_t p)
{
	return p == IP_PROTO_TCP ? 0 : p == IP_PROTO_UDP ? 1 : p == IP_PROTO_ICMP ? 2 : 3;
}

static void sort_protos(struct fw_entry *e)
{
	for (unsigned i = 1; i < e->nprotos; i++)
		for (unsigned j = i; j > 0 && proto_rank(e->protos[j].proto) <
					  proto_rank(e->protos[j - 1].proto); j--) {
			struct fw_proto t = e->protos[j];
			e->protos[j] = e->protos[j - 1];
			e->protos[j - 1] = t;
		}
	for (unsigned i = 0; i < e->nprotos; i++)
		merge_ranges(&e->protos[i]);
}

/* ---- entries ---- */

static bool rule_entry(struct fw_model *m, struct fw_entry *e, const struct rule *r)
{
	size_t used = 0;

	e->id = r->id;
	e->rule = r;
	for (unsigned s = 0; s < r->nsections && used < sizeof(e->sections); s++)
		used += (size_t)snprintf(e->sections + used, sizeof(e->sections) - used,
					 "%s%s", s ? ", " : "", r->sections[s]);
	e->from = &m->roles[r->from_role];
	e->to = &m->roles[r->to_role];
	for (unsigned s = 0; s < r->nservices; s++) {
		const struct rule_service *sv = &r->services[s];
		if (sv->proto == IP_PROTO_ICMP) {
			if (!entry_proto(e, IP_PROTO_ICMP))
				return false;
		} else if (!add_ports(e, sv->proto, sv->ports, sv->nports)) {
			return false;
		}
	}
	sort_protos(e);
	return true;
}

static bool allow_entry(struct fw_model *m, struct fw_entry *e,
			const struct site_allow *a, unsigned no)
{
	struct fw_side *from = &m->owned[m->nowned++];
	struct fw_side *to = &m->owned[m->nowned++];

	e->id = "exception";
	e->allow = a;
	e->allow_no = no;
	e->expired = a->expires_us && m->x->now_us >= a->expires_us;
	snprintf(e->sections, sizeof(e->sections), "the site's allow entry %u", no);
	if (!side_union(from, m, a->from_roles, a->from_nets, a->nfrom_nets) ||
	    !side_union(to, m, a->to_roles, a->to_nets, a->nto_nets))
		return false;
	e->from = from;
	e->to = to;
	if (a->proto == 0 && a->nports) {
		/* Ports without a protocol: the ports of TCP and of UDP. */
		if (!add_ports(e, IP_PROTO_TCP, a->ports, a->nports) ||
		    !add_ports(e, IP_PROTO_UDP, a->ports, a->nports))
			return false;
	} else if (a->proto == IP_PROTO_TCP || a->proto == IP_PROTO_UDP) {
		if (!add_ports(e, a->proto, a->ports, a->nports))
			return false;
	} else if (!entry_proto(e, a->proto)) {
		return false;
	}
	sort_protos(e);
	return true;
}

static bool build_roles(struct fw_model *m)
{
	m->nroles = ruleset_role_count(m->rs);
	m->roles = calloc(m->nroles ? m->nroles : 1, sizeof(*m->roles));
	if (!m->roles)
		return false;
	for (unsigned i = 0; i < m->nroles; i++)
		if (!role_side(&m->roles[i], m->rs, m->x, i))
			return false;
	role_mask audited = ruleset_audited_roles(m->rs);
	return side_union(&m->audited, m, audited, NULL, 0);
}

bool fw_model_build(struct fw_model *m, const struct ruleset *rs,
		    const struct fw_export *x)
{
	unsigned nrules = ruleset_rule_count(rs), nallows = ruleset_allow_count(rs);

	memset(m, 0, sizeof(*m));
	m->rs = rs;
	m->x = x;
	m->entries = calloc(nrules + nallows + 1, sizeof(*m->entries));
	m->owned = calloc(2 * nallows + 1, sizeof(*m->owned));
	if (!m->entries || !m->owned || !build_roles(m))
		return false;
	for (unsigned i = 0; i < nrules; i++) {
		const struct rule *r = ruleset_rule(rs, i);
		if (r->applicable && !rule_entry(m, &m->entries[m->nentries++], r))
			return false;
	}
	for (unsigned i = 0; i < nallows; i++)
		if (!allow_entry(m, &m->entries[m->nentries++], ruleset_allow(rs, i), i + 1))
			return false;
	return true;
}

void fw_model_free(struct fw_model *m)
{
	for (unsigned i = 0; m->roles && i < m->nroles; i++)
		side_free(&m->roles[i]);
	for (unsigned i = 0; i < m->nowned; i++)
		side_free(&m->owned[i]);
	for (unsigned i = 0; m->entries && i < m->nentries; i++)
		for (unsigned p = 0; p < m->entries[i].nprotos; p++)
			free(m->entries[i].protos[p].ranges);
	side_free(&m->audited);
	free(m->roles);
	free(m->owned);
	free(m->entries);
	memset(m, 0, sizeof(*m));
}

/* ---- untrusted text ---- */

void fw_put_comment_text(FILE *f, const char *s)
{
	/* text_safe writes every control (line ends too) and every hidden
	 * character as an escape: the comment stays on its line. */
	text_put_safe(f, s);
}

void fw_quoted_safe(char *out, size_t max, const char *s)
{
	size_t n = 0;
	for (; s && *s && n + 1 < max; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || strchr(" ._,:/()+=@-", c);
		out[n++] = plain && c ? (char)c : '_';
	}
	out[n] = '\0';
}

/* PowerShell takes the typographic single quotes (U+2018-U+201B) as quote
 * characters too; each is written as a doubled ASCII quote, which inside a
 * single-quoted string means one literal quote. */
static size_t ps_quote_at(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] == '\'')
		return 1;
	if (u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x98 && u[2] <= 0x9b)
		return 3;
	return 0;
}

void fw_put_ps_string(FILE *f, const char *s)
{
	char *safe;
	size_t len = s ? strlen(s) : 0;

	/* Escapes are at most TEXT_PIECE_MAX bytes for a 1-byte character. */
	safe = malloc(len * TEXT_PIECE_MAX + 1);
	if (!safe) {
		fputs("''", f);
		return;
	}
	text_safe(safe, len * TEXT_PIECE_MAX + 1, s ? s : "");
	fputc('\'', f);
	for (const char *p = safe; *p;) {
		size_t q = ps_quote_at(p);
		if (q) {
			fputs("''", f);
			p += q;
		} else {
			fputc(*p++, f);
		}
	}
	fputc('\'', f);
	free(safe);
}

void fw_format_time(char out[32], uint64_t us)
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

bool firewall_write(FILE *f, const struct ruleset *rs, const struct fw_export *x,
		    struct fw_stats *stats)
{
	struct fw_model m;
	struct fw_stats ignored;

	if (!stats)
		stats = &ignored;
	memset(stats, 0, sizeof(*stats));
	if (!fw_model_build(&m, rs, x)) {
		fw_model_free(&m);
		return false;
	}
	switch (x->target) {
	case FW_NFTABLES: fw_write_nftables(f, &m, stats); break;
	case FW_IPTABLES: fw_write_iptables(f, &m, 4, stats); break;
	case FW_IP6TABLES: fw_write_iptables(f, &m, 6, stats); break;
	case FW_WINDOWS: fw_write_windows(f, &m, stats); break;
	case FW_CSV: fw_write_csv(f, &m, stats); break;
	}
	fw_model_free(&m);
	return true;
}
