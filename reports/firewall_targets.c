/* firewall_targets.c - the model of firewall.c in each target's syntax:
 * nftables, iptables-restore, PowerShell (Windows Defender Firewall), CSV. */
#include <string.h>

#include "escape.h"
#include "firewall_internal.h"

/* nft refuses comments of 128 characters or more. */
#define NFT_COMMENT_MAX 120
#define IPT_COMMENT_MAX 200

static const char *family_name(uint8_t family)
{
	return family == 4 ? "IPv4" : "IPv6";
}

/* ---- what every target says first ---- */

static void put_names(FILE *f, const struct fw_model *m)
{
	for (unsigned i = 0; i < m->x->nnames; i++) {
		const struct fw_name *n = &m->x->names[i];
		fputs("# host name ", f);
		fw_put_comment_text(f, n->name);
		if (!n->naddrs) {
			fputs(": NOT RESOLVED (", f);
			fw_put_comment_text(f, n->how);
			fputs("): its rules are comments below\n", f);
			continue;
		}
		fputs(" resolved to ", f);
		for (unsigned a = 0; a < n->naddrs; a++) {
			char t[CIDR_TEXT_LEN];
			format_cidr(t, sizeof(t), &n->addrs[a]);
			fprintf(f, "%s%s", a ? ", " : "", t);
		}
		char when[32];
		fw_format_time(when, m->x->now_us);
		fprintf(f, " at %s (", when);
		fw_put_comment_text(f, n->how);
		fputs(")\n", f);
	}
}

static void put_header(FILE *f, const struct fw_model *m, const char *what)
{
	fprintf(f, "# flowaudit firewall: %s\n# site: ", what);
	fw_put_comment_text(f, ruleset_site_name(m->rs));
	fputs("\n# matrix: ", f);
	fw_put_comment_text(f, ruleset_matrix_name(m->rs));
	if (ruleset_document(m->rs)[0]) {
		fputs("\n# document: ", f);
		fw_put_comment_text(f, ruleset_document(m->rs));
	}
	fputs("\n# Every rule the document requires for this site, citing its sections,\n"
	      "# then the site's own exceptions. Nothing else is allowed or denied here.\n", f);
	put_names(f, m);
}

/* "# mobile-license (required): ... [sections 3.2.1, 2.1.1]" */
static void put_entry_title(FILE *f, const char *indent, const struct fw_entry *e)
{
	fputs(indent, f);
	if (e->rule) {
		fputs("# ", f);
		fw_put_comment_text(f, e->id);
		fprintf(f, " (%s): ", need_name(e->rule->need));
		fw_put_comment_text(f, e->rule->description);
		fputs(" [sections ", f);
		fw_put_comment_text(f, e->sections);
		fputs("]\n", f);
		return;
	}
	fprintf(f, "# exception %u of the site: ", e->allow_no);
	fw_put_comment_text(f, e->allow->why);
	if (e->allow->expires) {
		fprintf(f, e->expired ? " (EXPIRED on " : " (expires ");
		fw_put_comment_text(f, e->allow->expires);
		fputs(")", f);
	}
	fputs("\n", f);
}

/* The comment stored in the firewall with a rule: its id and sections,
 * or the exception's number and reason. */
static void entry_tag(char *out, size_t max, const struct fw_entry *e)
{
	char raw[512];
	if (e->rule)
		snprintf(raw, sizeof(raw), "flowaudit %s sections %s", e->id, e->sections);
	else
		snprintf(raw, sizeof(raw), "flowaudit exception %u: %s", e->allow_no,
			 e->allow->why);
	fw_quoted_safe(out, max, raw);
}

/* Names a rule needs and the firewall cannot hold: said, never dropped
 * silently. True when there were some. */
static bool put_unresolved(FILE *f, const char *indent, const struct fw_entry *e)
{
	const struct fw_side *sides[2] = { e->from, e->to };
	bool any = false;
	for (unsigned s = 0; s < 2; s++)
		for (unsigned i = 0; i < sides[s]->nunresolved; i++) {
			fputs(indent, f);
			fputs("#   NOT RESOLVED: ", f);
			fw_put_comment_text(f, sides[s]->unresolved[i]->name);
			fprintf(f, " (%s): allow it here by hand once its addresses are "
				"known\n", s ? "destination" : "source");
			any = true;
		}
	return any;
}

/* Whether a side has addresses of a family (or is any). */
static bool side_has(const struct fw_side *s, uint8_t family)
{
	return s->any || fw_side_count(s, family) > 0;
}

static bool entry_has(const struct fw_entry *e, uint8_t family)
{
	return side_has(e->from, family) && side_has(e->to, family);
}

static void put_ports(FILE *f, const struct fw_proto *p, const char *sep,
		      const char *range_sep)
{
	for (unsigned i = 0; i < p->nranges; i++) {
		fprintf(f, "%s%u", i ? sep : "", p->ranges[i].lo);
		if (p->ranges[i].hi != p->ranges[i].lo)
			fprintf(f, "%s%u", range_sep, p->ranges[i].hi);
	}
}

/* ---- nftables ---- */

/* A role's set name: its own name when it is a plain identifier, else one
 * made of its number (a matrix's role names are not checked for nft). */
static void nft_set_name(char *out, size_t len, const struct fw_model *m, int role,
			 uint8_t family)
{
	const char *name = ruleset_role(m->rs, (unsigned)role)->name;
	bool plain = name[0] >= 'a' && name[0] <= 'z' && strlen(name) <= 40;
	for (const char *p = name; plain && *p; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
	if (plain)
		snprintf(out, len, "%s_v%u", name, family);
	else
		snprintf(out, len, "role%d_v%u", role, family);
}

static void nft_put_elements(FILE *f, const struct fw_side *s, uint8_t family)
{
	bool first = true;
	for (unsigned i = 0; i < s->nnets; i++) {
		char t[CIDR_TEXT_LEN];
		if (s->nets[i].ip_version != family)
			continue;
		format_cidr(t, sizeof(t), &s->nets[i]);
		fprintf(f, "%s%s", first ? "" : ", ", t);
		first = false;
	}
}

static void nft_put_set(FILE *f, const struct fw_model *m, const struct fw_side *s,
			const char *name, uint8_t family)
{
	fprintf(f, "\tset %s {\n\t\ttype %s\n\t\tflags interval\n\t\telements = { ",
		name, family == 4 ? "ipv4_addr" : "ipv6_addr");
	nft_put_elements(f, s, family);
	fputs(" }\n\t}\n", f);
	(void)m;
}

/* Whether a role's side is given as a named set in this family. */
static bool nft_role_set(const struct fw_side *s, uint8_t family)
{
	return !fw_side_any(s, family) && fw_side_count(s, family) > 0;
}

static void nft_put_sets(FILE *f, const struct fw_model *m)
{
	for (unsigned r = 0; r < m->nroles; r++)
		for (uint8_t family = 4; family <= 6; family += 2) {
			const struct fw_side *s = &m->roles[r];
			char name[64];
			if (!nft_role_set(s, family))
				continue;
			nft_set_name(name, sizeof(name), m, (int)r, family);
			fputs("\t# role ", f);
			fw_put_comment_text(f, ruleset_role(m->rs, r)->name);
			for (unsigned i = 0; i < s->nresolved; i++) {
				fputs(i ? ", " : " (with the addresses of ", f);
				fw_put_comment_text(f, s->resolved[i]->name);
			}
			fputs(s->nresolved ? ")\n" : "\n", f);
			nft_put_set(f, m, s, name, family);
		}
	for (uint8_t family = 4; family <= 6; family += 2)
		if (nft_role_set(&m->audited, family)) {
			fputs("\t# every address of the audited roles\n", f);
			nft_put_set(f, m, &m->audited, family == 4 ? "audited-hosts-v4" :
				    "audited-hosts-v6", family);
		}
}

/* " ip saddr @mobile_service_v4" or " ip daddr { 10.9.9.9, 10.9.9.10 }",
 * nothing for every address. */
static void nft_put_match(FILE *f, const struct fw_model *m, const struct fw_side *s,
			  uint8_t family, const char *dir, bool *started)
{
	if (fw_side_any(s, family))
		return;
	fprintf(f, "%s%s %s ", *started ? " " : "", family == 4 ? "ip" : "ip6", dir);
	*started = true;
	if (s->role >= 0 && nft_role_set(s, family)) {
		char name[64];
		nft_set_name(name, sizeof(name), m, s->role, family);
		fprintf(f, "@%s", name);
		return;
	}
	bool set = fw_side_count(s, family) > 1;
	fputs(set ? "{ " : "", f);
	nft_put_elements(f, s, family);
	fputs(set ? " }" : "", f);
}

static void nft_put_proto(FILE *f, const struct fw_proto *p, uint8_t family,
			  bool *started)
{
	const char *sep = *started ? " " : "";
	if (p->proto == 0)
		return;
	*started = true;
	if (p->proto == IP_PROTO_ICMP) {
		fprintf(f, "%smeta l4proto %s", sep, family == 4 ? "icmp" : "ipv6-icmp");
		return;
	}
	const char *name = p->proto == IP_PROTO_TCP ? "tcp" : "udp";
	if (!p->nranges) {
		fprintf(f, "%smeta l4proto %s", sep, name);
		return;
	}
	bool set = p->nranges > 1;
	fprintf(f, "%s%s dport %s", sep, name, set ? "{ " : "");
	put_ports(f, p, ", ", "-");
	fputs(set ? " }" : "", f);
}

/* Whether a line of this family matches no address on either side. */
static bool nft_unmatched(const struct fw_entry *e, uint8_t family)
{
	return fw_side_any(e->from, family) && fw_side_any(e->to, family);
}

static void nft_put_entry(FILE *f, const struct fw_model *m, const struct fw_entry *e,
			  struct fw_stats *st)
{
	char tag[NFT_COMMENT_MAX + 1];

	put_entry_title(f, "\t\t", e);
	if (e->expired) {
		fputs("\t\t#   left out: the exception has expired\n", f);
		st->expired++;
		return;
	}
	if (put_unresolved(f, "\t\t", e))
		st->unresolved++;
	entry_tag(tag, sizeof(tag), e);
	for (uint8_t family = 4; family <= 6; family += 2) {
		if (!entry_has(e, family))
			continue;
		for (unsigned p = 0; p < e->nprotos; p++) {
			const struct fw_proto *pr = &e->protos[p];
			bool unmatched = nft_unmatched(e, family);
			/* A line matching no address and no ICMP of one family
			 * covers both: written once, for IPv4. */
			if (unmatched && family == 6 && pr->proto != IP_PROTO_ICMP &&
			    nft_unmatched(e, 4))
				continue;
			bool started = false;
			fputs("\t\t", f);
			if (unmatched && pr->proto != IP_PROTO_ICMP &&
			    !nft_unmatched(e, (uint8_t)(10 - family))) {
				fprintf(f, "meta nfproto %s", family == 4 ? "ipv4" : "ipv6");
				started = true;
			}
			nft_put_match(f, m, e->from, family, "saddr", &started);
			nft_put_match(f, m, e->to, family, "daddr", &started);
			nft_put_proto(f, pr, family, &started);
			fprintf(f, "%saccept comment \"%s\"\n", started ? " " : "", tag);
		}
	}
}

static void nft_put_default(FILE *f, const struct fw_model *m)
{
	const char *c = m->x->enforce ? "" : "# ";
	fputs(m->x->enforce ?
	      "\t\t# Default deny for the audited hosts (--enforce): whatever the\n"
	      "\t\t# rules above did not accept to or from them is dropped.\n" :
	      "\t\t# Default deny for the audited hosts: stated, not imposed. Traffic\n"
	      "\t\t# to or from them that no rule above accepts is undocumented;\n"
	      "\t\t# --enforce writes these two lines as real drops.\n", f);
	for (uint8_t family = 4; family <= 6; family += 2) {
		if (!nft_role_set(&m->audited, family))
			continue;
		const char *ip = family == 4 ? "ip" : "ip6";
		fprintf(f, "\t\t%s%s saddr @audited-hosts-v%u drop\n", c, ip, family);
		fprintf(f, "\t\t%s%s daddr @audited-hosts-v%u drop\n", c, ip, family);
	}
}

void fw_write_nftables(FILE *f, const struct fw_model *m, struct fw_stats *st)
{
	fputs("#!/usr/sbin/nft -f\n", f);
	put_header(f, m, "nftables ruleset (nft -f FILE)");
	fputs("# A table of its own, replaced whole on each load. Its forward chain\n"
	      "# accepts by default: the allow rules document, the stance at its end\n"
	      "# says what default deny would drop.\n"
	      "table inet flowaudit\n"
	      "delete table inet flowaudit\n"
	      "table inet flowaudit {\n", f);
	nft_put_sets(f, m);
	fprintf(f, "\tchain forward {\n"
		"\t\ttype filter hook forward priority filter; policy accept;\n"
		"\t\tct state established,related accept\n");
	for (unsigned i = 0; i < m->nentries; i++)
		nft_put_entry(f, m, &m->entries[i], st);
	nft_put_default(f, m);
	fputs("\t}\n}\n", f);
}

/* ---- iptables-restore ---- */

static void ipt_put_net(FILE *f, const char *opt, const struct cidr *c)
{
	char t[CIDR_TEXT_LEN];
	if (!c || c->prefix == 0)
		return;
	format_cidr(t, sizeof(t), c);
	fprintf(f, " %s %s", opt, t);
}

static void ipt_put_proto_line(FILE *f, const struct cidr *from, const struct cidr *to,
			       const struct fw_proto *p, const struct port_range *r,
			       uint8_t family, const char *tag)
{
	fputs("-A FLOWAUDIT", f);
	ipt_put_net(f, "-s", from);
	ipt_put_net(f, "-d", to);
	if (p->proto == IP_PROTO_ICMP)
		fprintf(f, " -p %s", family == 4 ? "icmp" : "ipv6-icmp");
	else if (p->proto) {
		const char *name = p->proto == IP_PROTO_TCP ? "tcp" : "udp";
		fprintf(f, " -p %s", name);
		if (r) {
			fprintf(f, " -m %s --dport %u", name, r->lo);
			if (r->hi != r->lo)
				fprintf(f, ":%u", r->hi);
		}
	}
	fprintf(f, " -m comment --comment \"%s\" -j ACCEPT\n", tag);
}

/* One line per source, destination, protocol and port range of a family. */
static void ipt_put_lines(FILE *f, const struct fw_entry *e, uint8_t family,
			  const char *tag)
{
	const struct fw_side *from = e->from, *to = e->to;
	unsigned nf = from->any ? 1 : from->nnets, nt = to->any ? 1 : to->nnets;

	for (unsigned i = 0; i < nf; i++) {
		const struct cidr *a = from->any ? NULL : &from->nets[i];
		if (a && a->ip_version != family)
			continue;
		for (unsigned j = 0; j < nt; j++) {
			const struct cidr *b = to->any ? NULL : &to->nets[j];
			if (b && b->ip_version != family)
				continue;
			for (unsigned p = 0; p < e->nprotos; p++) {
				const struct fw_proto *pr = &e->protos[p];
				for (unsigned r = 0; r < (pr->nranges ? pr->nranges : 1); r++)
					ipt_put_proto_line(f, a, b, pr,
							   pr->nranges ? &pr->ranges[r] : NULL,
							   family, tag);
			}
		}
	}
}

static void ipt_put_default(FILE *f, const struct fw_model *m, uint8_t family)
{
	const char *c = m->x->enforce ? "" : "# ";
	fputs(m->x->enforce ?
	      "# Default deny for the audited hosts (--enforce): whatever the rules\n"
	      "# above did not accept to or from them is dropped.\n" :
	      "# Default deny for the audited hosts: stated, not imposed. Traffic to\n"
	      "# or from them that no rule above accepts is undocumented; --enforce\n"
	      "# writes these lines as real drops.\n", f);
	for (unsigned i = 0; i < m->audited.nnets; i++) {
		const struct cidr *n = &m->audited.nets[i];
		char t[CIDR_TEXT_LEN];
		if (n->ip_version != family)
			continue;
		format_cidr(t, sizeof(t), n);
		fprintf(f, "%s-A FLOWAUDIT -s %s -j DROP\n", c, t);
		fprintf(f, "%s-A FLOWAUDIT -d %s -j DROP\n", c, t);
	}
}

void fw_write_iptables(FILE *f, const struct fw_model *m, uint8_t family,
		       struct fw_stats *st)
{
	const char *tool = family == 4 ? "iptables" : "ip6tables";
	char what[96], tag[IPT_COMMENT_MAX + 1];

	snprintf(what, sizeof(what), "%s-restore input, %s only", tool,
		 family_name(family));
	put_header(f, m, what);
	fprintf(f, "# Load without flushing the rest of the filter table, then send the\n"
		"# forwarded traffic through the chain once:\n"
		"#   %s-restore --noflush FILE\n"
		"#   %s -C FORWARD -j FLOWAUDIT || %s -I FORWARD -j FLOWAUDIT\n"
		"# %s rules are written by --target %s.\n"
		"*filter\n:FLOWAUDIT - [0:0]\n"
		"-A FLOWAUDIT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n",
		tool, tool, tool, family_name(family == 4 ? 6 : 4),
		family == 4 ? "ip6tables" : "iptables");
	for (unsigned i = 0; i < m->nentries; i++) {
		const struct fw_entry *e = &m->entries[i];
		put_entry_title(f, "", e);
		if (e->expired) {
			fputs("#   left out: the exception has expired\n", f);
			st->expired++;
			continue;
		}
		if (put_unresolved(f, "", e))
			st->unresolved++;
		if (entry_has(e, family == 4 ? 6 : 4) && !(e->from->any && e->to->any))
			st->other_family++;
		if (!entry_has(e, family))
			continue;
		entry_tag(tag, sizeof(tag), e);
		ipt_put_lines(f, e, family, tag);
	}
	ipt_put_default(f, m, family);
	fputs("COMMIT\n", f);
}

/* ---- Windows Defender Firewall (PowerShell) ---- */

static bool host_in_roles(const struct ruleset *rs, unsigned host, role_mask roles)
{
	for (unsigned r = 0; r < ruleset_role_count(rs); r++) {
		const unsigned *ids;
		if (!(roles & ((role_mask)1 << r)))
			continue;
		unsigned n = ruleset_role_host_ids(rs, r, &ids);
		for (unsigned i = 0; i < n; i++)
			if (ids[i] == host)
				return true;
	}
	return false;
}

/* Whether an entry's destination is this host: a rule to one of its
 * roles, or an exception to one of them or to one of its addresses. */
static bool entry_to_host(const struct fw_model *m, const struct fw_entry *e,
			  unsigned host)
{
	if (e->rule)
		return host_in_roles(m->rs, host, (role_mask)1 << e->rule->to_role);
	if (host_in_roles(m->rs, host, e->allow->to_roles))
		return true;
	const struct site_host *h = ruleset_host(m->rs, host);
	for (unsigned i = 0; i < e->allow->nto_nets; i++)
		for (unsigned a = 0; a < h->naddrs; a++)
			if (cidr_contains(&e->allow->to_nets[i], h->addrs[a].ip_version,
					  &h->addrs[a].addr))
				return true;
	return false;
}

/* -RemoteAddress: 'Any', or the source's networks of the families given. */
static void win_put_remote(FILE *f, const struct fw_side *s, bool v4, bool v6)
{
	bool any4 = !v4 || fw_side_any(s, 4), any6 = !v6 || fw_side_any(s, 6);
	if (s->any || (any4 && any6)) {
		fputs(" -RemoteAddress Any", f);
		return;
	}
	fputs(" -RemoteAddress ", f);
	bool first = true;
	if (v4 && any4) {
		fputs("'0.0.0.0-255.255.255.255'", f);
		first = false;
	}
	if (v6 && any6) {
		fprintf(f, "%s'::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'", first ? "" : ",");
		first = false;
	}
	for (unsigned i = 0; i < s->nnets; i++) {
		char t[CIDR_TEXT_LEN];
		uint8_t fam = s->nets[i].ip_version;
		if ((fam == 4 && (!v4 || any4)) || (fam == 6 && (!v6 || any6)))
			continue;
		format_cidr(t, sizeof(t), &s->nets[i]);
		fprintf(f, "%s'%s'", first ? "" : ",", t);
		first = false;
	}
}

static void win_put_rule(FILE *f, const struct fw_entry *e, const struct fw_proto *p,
			 const char *proto, bool v4, bool v6)
{
	char name[160];
	if (e->rule)
		snprintf(name, sizeof(name), "flowaudit-%s-%s", e->id, proto);
	else
		snprintf(name, sizeof(name), "flowaudit-exception-%u-%s", e->allow_no, proto);
	fputs("New-NetFirewallRule -Name ", f);
	fw_put_ps_string(f, name);
	fputs(" -DisplayName ", f);
	fw_put_ps_string(f, name);
	fputs(" -Group 'flowaudit' -Direction Inbound -Action Allow -Protocol ", f);
	fputs(proto, f);
	if (p->nranges) {
		fputs(" -LocalPort ", f);
		for (unsigned i = 0; i < p->nranges; i++) {
			fprintf(f, "%s'%u", i ? "," : "", p->ranges[i].lo);
			if (p->ranges[i].hi != p->ranges[i].lo)
				fprintf(f, "-%u", p->ranges[i].hi);
			fputc('\'', f);
		}
	}
	win_put_remote(f, e->from, v4, v6);
	char desc[512];
	if (e->rule)
		snprintf(desc, sizeof(desc), "%s (sections %s)", e->rule->description,
			 e->sections);
	else
		snprintf(desc, sizeof(desc), "exception %u of the site: %s%s%s", e->allow_no,
			 e->allow->why, e->allow->expires ? "; expires " : "",
			 e->allow->expires ? e->allow->expires : "");
	fputs(" -Description ", f);
	fw_put_ps_string(f, desc);
	fputc('\n', f);
}

static void win_put_entry(FILE *f, const struct fw_entry *e, struct fw_stats *st)
{
	put_entry_title(f, "", e);
	if (e->expired) {
		fputs("#   left out: the exception has expired\n", f);
		st->expired++;
		return;
	}
	if (put_unresolved(f, "", e))
		st->unresolved++;
	bool v4 = side_has(e->from, 4), v6 = side_has(e->from, 6);
	if (!v4 && !v6)
		return;
	for (unsigned i = 0; i < e->nprotos; i++) {
		const struct fw_proto *p = &e->protos[i];
		if (p->proto == IP_PROTO_TCP)
			win_put_rule(f, e, p, "TCP", v4, v6);
		else if (p->proto == IP_PROTO_UDP)
			win_put_rule(f, e, p, "UDP", v4, v6);
		else if (p->proto == 0)
			win_put_rule(f, e, p, "Any", v4, v6);
		else {
			if (v4)
				win_put_rule(f, e, p, "ICMPv4", true, false);
			if (v6)
				win_put_rule(f, e, p, "ICMPv6", false, true);
		}
	}
}

static void win_put_host(FILE *f, const struct fw_model *m, unsigned host,
			 struct fw_stats *st)
{
	const struct site_host *h = ruleset_host(m->rs, host);

	fputs("\n# ---- on host ", f);
	fw_put_comment_text(f, h->name);
	for (unsigned a = 0; a < h->naddrs && h->named; a++) {
		char t[CIDR_TEXT_LEN];
		format_cidr(t, sizeof(t), &h->addrs[a]);
		fprintf(f, "%s%s", a ? ", " : " [", t);
	}
	fputs(h->named ? "]" : "", f);
	fputs(", roles", f);
	for (unsigned r = 0; r < m->nroles; r++)
		if (host_in_roles(m->rs, host, (role_mask)1 << r)) {
			fputc(' ', f);
			fw_put_comment_text(f, ruleset_role(m->rs, r)->name);
		}
	fputs(" ----\n", f);
	for (unsigned i = 0; i < m->nentries; i++)
		if (entry_to_host(m, &m->entries[i], host))
			win_put_entry(f, &m->entries[i], st);
}

void fw_write_windows(FILE *f, const struct fw_model *m, struct fw_stats *st)
{
	role_mask audited = ruleset_audited_roles(m->rs);

	put_header(f, m, "Windows Defender Firewall, inbound rules per server (PowerShell)");
	fputs("# Run each host's block on that host, as an administrator. Outbound\n"
	      "# traffic is allowed by Windows' default; the rules below open what the\n"
	      "# document says each server must accept.\n", f);
	for (unsigned host = 0; host < ruleset_host_count(m->rs); host++)
		if (host_in_roles(m->rs, host, audited))
			win_put_host(f, m, host, st);
	fputs(m->x->enforce ?
	      "\n# Default deny (--enforce): block inbound traffic no rule allows.\n" :
	      "\n# Default deny for the audited hosts: stated, not imposed. Windows\n"
	      "# blocks unsolicited inbound traffic unless a rule allows it when the\n"
	      "# profiles say so; --enforce writes this line as a command:\n", f);
	fprintf(f, "%sSet-NetFirewallProfile -Profile Domain,Private,Public "
		"-DefaultInboundAction Block\n", m->x->enforce ? "" : "# ");
}

/* ---- CSV (RFC 4180) for a change request ---- */

static void csv_side(char *out, size_t len, const struct fw_side *s)
{
	size_t used = 0;
	out[0] = '\0';
	if (s->any) {
		snprintf(out, len, "any");
		return;
	}
	for (unsigned i = 0; i < s->nnets && used < len; i++) {
		char t[CIDR_TEXT_LEN];
		format_cidr(t, sizeof(t), &s->nets[i]);
		used += (size_t)snprintf(out + used, len - used, "%s%s", used ? " " : "", t);
	}
	for (unsigned i = 0; i < s->nunresolved && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s (not resolved)",
					 used ? " " : "", s->unresolved[i]->name);
}

static void csv_names_note(char *out, size_t len, const struct fw_model *m,
			   const struct fw_entry *e)
{
	const struct fw_side *sides[2] = { e->from, e->to };
	size_t used = strlen(out);
	char when[32];
	fw_format_time(when, m->x->now_us);
	for (unsigned s = 0; s < 2; s++)
		for (unsigned i = 0; i < sides[s]->nresolved && used < len; i++)
			used += (size_t)snprintf(out + used, len - used,
						 "; %s resolved at %s (%s)",
						 sides[s]->resolved[i]->name, when,
						 sides[s]->resolved[i]->how);
}

static const char *csv_proto(uint8_t p)
{
	return p == IP_PROTO_TCP ? "tcp" : p == IP_PROTO_UDP ? "udp" :
	       p == IP_PROTO_ICMP ? "icmp" : "any";
}

static void csv_row(FILE *f, const struct fw_model *m, const struct fw_entry *e,
		    const struct fw_proto *p, const char *dest)
{
	char from[2048], action[64], note[1024], ports[512] = "";
	size_t used = 0;

	csv_side(from, sizeof(from), e->from);
	for (unsigned i = 0; i < p->nranges && used < sizeof(ports); i++) {
		used += (size_t)snprintf(ports + used, sizeof(ports) - used, "%s%u",
					 i ? " " : "", p->ranges[i].lo);
		if (p->ranges[i].hi != p->ranges[i].lo && used < sizeof(ports))
			used += (size_t)snprintf(ports + used, sizeof(ports) - used, "-%u",
						 p->ranges[i].hi);
	}
	if (!p->nranges && (p->proto == IP_PROTO_TCP || p->proto == IP_PROTO_UDP || !p->proto))
		snprintf(ports, sizeof(ports), "any");
	snprintf(action, sizeof(action), e->expired ? "omit (expired)" : "allow");
	if (e->rule)
		snprintf(note, sizeof(note), "%s", e->rule->description);
	else
		snprintf(note, sizeof(note), "%s%s%s", e->allow->why,
			 e->allow->expires ? "; expires " : "",
			 e->allow->expires ? e->allow->expires : "");
	csv_names_note(note, sizeof(note), m, e);

	const struct ruleset *rs = m->rs;
	const char *fields[] = {
		e->rule ? e->id : "exception",
		e->rule ? need_name(e->rule->need) : "site",
		e->sections,
		e->from->role >= 0 ? ruleset_role(rs, (unsigned)e->from->role)->name : "",
		from,
		e->to->role >= 0 ? ruleset_role(rs, (unsigned)e->to->role)->name : "",
		dest, csv_proto(p->proto), ports, action, note,
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (i)
			fputc(',', f);
		csv_put_field(f, fields[i]);
	}
	fputs("\r\n", f);
}

/* One row per destination (host, network or unresolved name) and
 * protocol: what a change request names one by one. */
static void csv_entry(FILE *f, const struct fw_model *m, const struct fw_entry *e,
		      struct fw_stats *st)
{
	const struct fw_side *to = e->to;
	if (e->expired)
		st->expired++;
	else if (e->from->nunresolved || to->nunresolved)
		st->unresolved++;
	for (unsigned p = 0; p < e->nprotos; p++) {
		if (to->any)
			csv_row(f, m, e, &e->protos[p], "any");
		for (unsigned i = 0; i < to->nnets; i++) {
			char t[CIDR_TEXT_LEN];
			format_cidr(t, sizeof(t), &to->nets[i]);
			csv_row(f, m, e, &e->protos[p], t);
		}
		for (unsigned i = 0; i < to->nunresolved; i++) {
			char t[300];
			snprintf(t, sizeof(t), "%s (not resolved)", to->unresolved[i]->name);
			csv_row(f, m, e, &e->protos[p], t);
		}
	}
}

void fw_write_csv(FILE *f, const struct fw_model *m, struct fw_stats *st)
{
	fputs("rule,need,sections,source_role,source,destination_role,destination,"
	      "protocol,ports,action,note\r\n", f);
	for (unsigned i = 0; i < m->nentries; i++)
		csv_entry(f, m, &m->entries[i], st);
}
