/* audit_report.c - what all renderers share (see audit_report.h). */
#include <string.h>

#include "audit_report.h"
#include "common/addr.h"

void fail_policy_default(struct fail_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->kind[FINDING_MISSING] = p->kind[FINDING_BLOCKED] =
		p->kind[FINDING_UNEXPECTED] = true;
}

bool fail_policy_parse(const char *spec, struct fail_policy *p, char *err,
		       size_t errlen)
{
	char buf[128];
	char *save = NULL;

	memset(p, 0, sizeof(*p));
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *item = strtok_r(buf, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		if (strcmp(item, "none") == 0)
			continue;
		int k;
		for (k = 0; k < FINDING_KIND_COUNT; k++)
			if (k != FINDING_OBSERVED && strcmp(item, finding_kind_name(k)) == 0)
				break;
		if (k == FINDING_KIND_COUNT) {
			snprintf(err, errlen, "unknown finding kind \"%s\" (missing, "
				 "blocked, unexpected or none)", item);
			return false;
		}
		p->kind[k] = true;
	}
	return true;
}

bool audit_failed(const struct audit_report *r)
{
	for (int k = 0; k < FINDING_KIND_COUNT; k++)
		if (r->fail_on.kind[k] && r->findings->summary.count[k])
			return true;
	return false;
}

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
