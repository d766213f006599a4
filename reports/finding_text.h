/* finding_text.h - the sentences that explain findings and judged flows,
 * written from their cause codes and fields. The only place a finding's
 * reason is worded: every format prints these. */
#ifndef FLOWAUDIT_FINDING_TEXT_H
#define FLOWAUDIT_FINDING_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* A count for people, with thousands separators: "62,467". */
#define COUNT_TEXT_LEN 32
void format_count(uint64_t n, char *out, size_t len);
/* A count and its noun, singular or plural as the count wants:
 * "1 flow", "62,467 flows". */
void counted(uint64_t n, const char *one, const char *many, char *out, size_t len);

/* The unexpected traffic in one phrase, every format's headline: "no
 * unexpected traffic", "62,467 unexpected flows in 312 conversations", or
 * past the itemising bound "62,467 unexpected flows; the first 10,000
 * conversations (45,123 flows) itemised, 17,344 further flows counted
 * only". (summary.count[FINDING_UNEXPECTED] is the conversations
 * itemised, not a count of all of them.) */
#define HEADLINE_LEN 256
void unexpected_headline(const struct audit_summary *s, char *out, size_t len);

/* Whether a host name or label is only the address again ("10.1.0.60" for
 * 10.1.0.60, "[fd00::1]" for fd00::1): such a label is never printed
 * beside the address. */
bool label_names_address(const char *label, uint8_t version, const struct ip_addr *ip);

/* Every protocol and port a rule accepts as evidence, any one of which
 * would satisfy it: "tcp/13667" for one, else "any of tcp or udp 88, 389;
 * tcp 636" (ports ascending, grouped by the protocols that carry them). */
void rule_any_of_text(const struct rule *rule, char *out, size_t len);

#endif
