/* audit_report.c - what all renderers share (see audit_report.h). */
#include <string.h>

#include "audit_report.h"
#include "finding_text.h"
#include "common/addr.h"

void roles_join(const struct ruleset *rs, role_mask m, const char *sep,
		char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < ruleset_role_count(rs) && used + 1 < len; i++) {
		if (!(m & ((role_mask)1 << i)))
			continue;
		int w = snprintf(out + used, len - used, "%s%s", used ? sep : "",
				 ruleset_role(rs, i)->name);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* Whether one of the role's networks narrow enough to mean something
 * holds the address. */
static bool bound_narrowly(const struct ruleset *rs, unsigned role, uint8_t version,
			   const struct ip_addr *ip)
{
	const struct cidr *nets;
	unsigned n = ruleset_role_nets(rs, role, &nets);
	unsigned min = version == 6 ? ROLE_EXPLAINS_PREFIX_V6 : ROLE_EXPLAINS_PREFIX_V4;

	for (unsigned i = 0; i < n; i++)
		if (nets[i].prefix >= min && cidr_contains(&nets[i], version, ip))
			return true;
	return false;
}

role_mask roles_worth_naming(const struct ruleset *rs, const struct finding_endpoint *e)
{
	role_mask named = e->host[0] ? ruleset_roles_of_name(rs, e->host) : 0;
	role_mask keep = 0;

	if (!e->has_ip)
		return e->roles;
	for (unsigned i = 0; i < ruleset_role_count(rs); i++) {
		role_mask bit = (role_mask)1 << i;
		if ((e->roles & bit) &&
		    ((named & bit) || bound_narrowly(rs, i, e->ip_version, &e->ip)))
			keep |= bit;
	}
	return keep;
}

/* Appends item to out (sep between items) while it fits. */
static void append_item(char *out, size_t len, size_t *used, const char *sep,
			const char *item)
{
	int w = snprintf(out + *used, len - *used, "%s%s", *used ? sep : "", item);
	if (w < 0 || (size_t)w >= len - *used)
		return;
	*used += (size_t)w;
}

void expected_join(const struct finding_endpoint *e, const char *sep, char *out,
		   size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < e->nexpected; i++) {
		char net[IP_TEXT_LEN + 8];
		format_cidr(net, sizeof(net), &e->expected[i]);
		append_item(out, len, &used, sep, net);
	}
	for (unsigned i = 0; i < e->nexpected_names; i++)
		append_item(out, len, &used, sep, e->expected_names[i]);
}

void exception_side_text(const struct ruleset *rs, role_mask roles,
			 const struct cidr *nets, unsigned nnets, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	if (!roles && !nnets) {
		snprintf(out, len, "any");
		return;
	}
	for (unsigned i = 0; i < ruleset_role_count(rs); i++)
		if (roles & ((role_mask)1 << i))
			append_item(out, len, &used, ", ", ruleset_role(rs, i)->name);
	for (unsigned i = 0; i < nnets; i++) {
		char net[CIDR_TEXT_LEN];
		format_cidr(net, sizeof(net), &nets[i]);
		append_item(out, len, &used, ", ", net);
	}
}

void exception_ports_text(const struct site_allow *a, char *out, size_t len)
{
	if (!a->proto) {
		snprintf(out, len, "any protocol");
		return;
	}
	struct rule_service s = { .proto = a->proto, .ports = a->ports, .nports = a->nports };
	service_format(&s, out, len);
	if (!a->nports && a->proto != IP_PROTO_ICMP)
		snprintf(out + strlen(out), len - strlen(out), "/any port");
}

void gating_text(const struct fail_policy *p, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (int k = 0; k < FINDING_KIND_COUNT; k++)
		if (p->kind[k])
			append_item(out, len, &used, ",", finding_kind_name(k));
	if (!used)
		snprintf(out, len, "none");
}

bool capture_complete(const struct audit_report *r)
{
	for (unsigned i = 0; i < r->capture.ninputs; i++)
		if (r->capture.inputs[i].error && r->capture.inputs[i].error[0])
			return false;
	return true;
}

static struct health_line *next_line(struct health_line *out, unsigned max,
				     unsigned *n, const char *code)
{
	if (*n >= max)
		return NULL;
	struct health_line *l = &out[(*n)++];
	memset(l, 0, sizeof(*l));
	l->code = code;
	return l;
}

static void note_line(const struct health_note *note, struct health_line *l)
{
	unsigned percent = note->flows ? (unsigned)(note->one_sided * 100 / note->flows) : 0;

	if (note->host_name)
		snprintf(l->host, sizeof(l->host), "%s", note->host_name);
	else if (note->ip_version)
		format_ip(l->host, note->ip_version, &note->host);
	switch (note->code) {
	case HEALTH_ONE_SIDED_CAPTURE:
		snprintf(l->text, sizeof(l->text), "%u%% of TCP flows (%llu of %llu) were "
			 "seen in one direction only: the mirror seems to carry one direction",
			 percent, (unsigned long long)note->one_sided,
			 (unsigned long long)note->flows);
		break;
	case HEALTH_ONE_SIDED_HOST:
		snprintf(l->text, sizeof(l->text), "%u%% of TCP flows of %s (%llu of %llu) "
			 "were seen in one direction only: the mirror seems to carry one "
			 "direction of its traffic", percent, l->host,
			 (unsigned long long)note->one_sided, (unsigned long long)note->flows);
		break;
	case HEALTH_HOST_NOT_RECEIVING:
		snprintf(l->text, sizeof(l->text), "%s was seen sending but no packet to it "
			 "was captured: its receive direction is not visible", l->host);
		break;
	case HEALTH_HOSTS_UNTRACKED:
		snprintf(l->text, sizeof(l->text), "the host visibility table was full: "
			 "%llu flow endpoints were not remembered, and verdicts that rest on "
			 "them are cautious", (unsigned long long)note->flows);
		break;
	}
}

unsigned capture_health_lines(const struct audit_report *r, struct health_line *out,
			      unsigned max)
{
	const struct capture_health *h = &r->findings->health;
	struct health_line *l;
	unsigned n = 0;
	uint64_t kernel = 0, iface = 0;

	for (unsigned i = 0; i < r->capture.ninputs; i++) {
		const struct input_summary *in = &r->capture.inputs[i];
		kernel += in->kernel_drops;
		iface += in->interface_drops;
		if (in->error && in->error[0] && (l = next_line(out, max, &n, "input-incomplete")))
			snprintf(l->text, sizeof(l->text), "%s was not read whole (%s): what it "
				 "did not show cannot count against the network", in->name,
				 in->error);
	}
	char a[COUNT_TEXT_LEN + 16], b[COUNT_TEXT_LEN + 16];
	if ((kernel || iface) && (l = next_line(out, max, &n, "packets-dropped"))) {
		counted(kernel, "packet", "packets", a, sizeof(a));
		format_count(iface, b, sizeof(b));
		snprintf(l->text, sizeof(l->text), "%s dropped by the kernel and %s by the "
			 "interface: flows may look unanswered that were not", a, b);
	}
	if (r->capture.evicted && (l = next_line(out, max, &n, "flows-evicted"))) {
		counted(r->capture.evicted, "flow was", "flows were", a, sizeof(a));
		snprintf(l->text, sizeof(l->text), "%s finished early because the flow "
			 "table was full", a);
	}
	if (h->missed_bytes && (l = next_line(out, max, &n, "content-gaps"))) {
		counted(h->missed_bytes, "byte", "bytes", a, sizeof(a));
		counted(h->gap_flows, "TCP flow", "TCP flows", b, sizeof(b));
		snprintf(l->text, sizeof(l->text), "%s in %s %s acknowledged but never "
			 "captured (content gaps)", a, b, h->missed_bytes == 1 ? "was" : "were");
	}
	for (unsigned i = 0; i < h->nnotes; i++)
		if ((l = next_line(out, max, &n, health_note_name(h->notes[i].code))))
			note_line(&h->notes[i], l);
	return n;
}

const char *rule_group(const struct rule *rule)
{
	return rule->group && rule->group[0] ? rule->group : "Other rules";
}

void sections_join(const struct rule *rule, const char *sep, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < rule->nsections; i++)
		append_item(out, len, &used, sep, rule->sections[i]);
}
