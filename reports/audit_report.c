/* audit_report.c - what all renderers share (see audit_report.h). */
#include <string.h>

#include "audit_report.h"
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
