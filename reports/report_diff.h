/* report_diff.h - drift between two JSON audit reports (flowaudit-report/1):
 * which findings are new, which were resolved, which changed, and which
 * capture-health notes appeared or went away (docs/diff.md).
 *
 * A finding is identified as CI identifies its JUnit test: a rule's
 * finding by the rule, the host it is judged on and the unit of a rule
 * that needs each port; an unexpected one by its conversation (client,
 * server, protocol and port). Nothing else (input names, ports seen,
 * times, counts) is part of the identity, so reports of two sensors of
 * one site, or two windows of one watch, compare.
 *
 * The reports are read, never trusted: each file is bounded in size, each
 * field read is checked, and an error names the file and the place (line
 * and column for bad JSON, the JSON path for a bad field). Every string in
 * the output came from a report: it is escaped for the output's language.
 * The same two reports give the same output byte for byte.
 */
#ifndef FLOWAUDIT_REPORT_DIFF_H
#define FLOWAUDIT_REPORT_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "audit/policy.h"

/* The largest report read: reports are a few MB; a bound keeps a wrong
 * file (a capture named .json) from being read into memory whole. */
#define REPORT_DIFF_MAX_BYTES (256u << 20)

struct report_diff;

/* Reads both reports and compares them; gating is judged under policy
 * (--fail-on). NULL with a message naming the file and place in err. */
struct report_diff *report_diff_load(const char *old_path, const char *new_path,
				     const struct fail_policy *policy,
				     char *err, size_t errlen);
void report_diff_free(struct report_diff *d);

/* Findings that newly gate: new ones whose kind is in --fail-on (a
 * blocked or inconclusive one only for a required rule), and changed ones
 * that gate now and did not before. */
unsigned report_diff_new_gating(const struct report_diff *d);

/* Why the two reports may not be comparable (different site or matrix):
 * NULL past the last. Plain text, not yet made safe. */
const char *report_diff_warning(const struct report_diff *d, unsigned i);

/* The three renderings. */
void report_diff_text(FILE *f, const struct report_diff *d);
void report_diff_markdown(FILE *f, const struct report_diff *d);
bool report_diff_json(FILE *f, const struct report_diff *d);

#endif
