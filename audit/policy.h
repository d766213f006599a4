/* policy.h - which findings gate, and the audit's verdict (docs/verdicts.md,
 * "Verdict and exit status").
 *
 * fail: a finding of a kind in --fail-on gates (a blocked finding only when
 * its rule is required); inconclusive: nothing gates, but a required
 * rule-host pair is inconclusive, an input could not be read whole, or no
 * rule applies under the site (nothing was judged); pass: none of these. Findings that do not gate are still reported.
 */
#ifndef FLOWAUDIT_POLICY_H
#define FLOWAUDIT_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "findings.h"

/* Which finding kinds fail the audit (--fail-on). */
struct fail_policy {
	bool kind[FINDING_KIND_COUNT];
};

/* "missing,blocked,unexpected", any of them and "inconclusive", or "none";
 * false with a message on error (an empty list is one: "none" says it). */
bool fail_policy_parse(const char *spec, struct fail_policy *p, char *err,
		       size_t errlen);
void fail_policy_default(struct fail_policy *p);

enum audit_verdict {
	VERDICT_PASS,
	VERDICT_FAIL,
	VERDICT_INCONCLUSIVE,
};

const char *audit_verdict_name(enum audit_verdict v);

/* Whether this finding fails the audit under the policy. */
bool finding_gates(const struct finding *f, const struct fail_policy *p);

/* inputs_complete: every input was read to its end. */
enum audit_verdict audit_verdict(const struct findings *f, const struct fail_policy *p,
				 bool inputs_complete);

/* Missing, blocked and unexpected findings the policy lets pass: a PASS
 * beside them must say so. */
unsigned findings_not_gating(const struct findings *f, const struct fail_policy *p);

#endif
