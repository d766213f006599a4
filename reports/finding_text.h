/* finding_text.h - the sentences that explain findings and judged flows,
 * written from their cause codes and fields. The only place a finding's
 * reason is worded: every format prints these. */
#ifndef FLOWAUDIT_FINDING_TEXT_H
#define FLOWAUDIT_FINDING_TEXT_H

#include <stddef.h>

#include "audit/findings.h"
#include "capture/flow_record.h"
#include "rules/rules.h"

#define REASON_LEN 512

/* "3 SYN to 10.1.0.10:13667, no reply", "application mismatch: ...". */
void finding_reason(const struct ruleset *rs, const struct finding *f,
		    char *out, size_t len);

/* Why one flow was judged as it was ("" when there is nothing to say:
 * out of scope, ICMP errors, site exceptions). */
void judgement_reason(const struct ruleset *rs, const struct flow_record *r,
		      const struct flow_judgement *j, char *out, size_t len);

#endif
