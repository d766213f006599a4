/* policy.c - gating and the verdict (see policy.h). */
#include <stdio.h>
#include <string.h>

#include "policy.h"

void fail_policy_default(struct fail_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->kind[FINDING_MISSING] = p->kind[FINDING_BLOCKED] =
		p->kind[FINDING_UNEXPECTED] = true;
}

static int gating_kind(const char *name)
{
	for (int k = 0; k < FINDING_KIND_COUNT; k++)
		if (k != FINDING_OBSERVED && strcmp(name, finding_kind_name(k)) == 0)
			return k;
	return -1;
}

bool fail_policy_parse(const char *spec, struct fail_policy *p, char *err,
		       size_t errlen)
{
	char buf[128];
	char *save = NULL;
	unsigned items = 0;

	memset(p, 0, sizeof(*p));
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "--fail-on list too long");
		return false;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *item = strtok_r(buf, ",", &save); item;
	     item = strtok_r(NULL, ",", &save), items++) {
		if (strcmp(item, "none") == 0)
			continue;
		int k = gating_kind(item);
		if (k < 0) {
			snprintf(err, errlen, "unknown finding kind \"%s\" (missing, "
				 "blocked, unexpected, inconclusive or none)", item);
			return false;
		}
		p->kind[k] = true;
	}
	if (items == 0) {
		snprintf(err, errlen, "needs finding kinds (missing, blocked, "
			 "unexpected, inconclusive), or none to gate on nothing");
		return false;
	}
	return true;
}

const char *audit_verdict_name(enum audit_verdict v)
{
	return v == VERDICT_FAIL ? "fail" : v == VERDICT_INCONCLUSIVE ?
	       "inconclusive" : "pass";
}

/* A blocked optional or allowed flow is reported with its need, but only
 * a required rule-host pair can fail the audit for it. */
bool finding_gates(const struct finding *f, const struct fail_policy *p)
{
	if (f->kind == FINDING_OBSERVED || !p->kind[f->kind])
		return false;
	if (f->kind == FINDING_BLOCKED || f->kind == FINDING_INCONCLUSIVE)
		return f->rule && f->rule->need == NEED_REQUIRED;
	return true;
}

enum audit_verdict audit_verdict(const struct findings *f, const struct fail_policy *p,
				 bool inputs_complete)
{
	/* A site under which no rule applies (every role left unbound, say)
	 * judged nothing: a pass would certify what was never checked. */
	bool unsure = !inputs_complete || f->summary.applicable_rules == 0;

	for (unsigned i = 0; i < f->n; i++) {
		const struct finding *x = &f->items[i];
		if (finding_gates(x, p))
			return VERDICT_FAIL;
		if (x->kind == FINDING_INCONCLUSIVE && x->rule &&
		    x->rule->need == NEED_REQUIRED)
			unsure = true;
	}
	return unsure ? VERDICT_INCONCLUSIVE : VERDICT_PASS;
}

unsigned findings_not_gating(const struct findings *f, const struct fail_policy *p)
{
	unsigned n = 0;

	for (unsigned i = 0; i < f->n; i++) {
		const struct finding *x = &f->items[i];
		if ((x->kind == FINDING_MISSING || x->kind == FINDING_BLOCKED ||
		     x->kind == FINDING_UNEXPECTED) && !finding_gates(x, p))
			n++;
	}
	return n;
}
