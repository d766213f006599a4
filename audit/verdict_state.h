/* verdict_state.h - a verdict's raw state as JSON, and back
 * (docs/report-format.md, "state"; docs/merge.md).
 *
 * Findings are derived from the state (verdict_findings); two parts of a
 * capture are combined by merging their states (verdict_merge) and
 * deriving again. The JSON report carries the state so that reports made
 * apart (two sensors, two files, a watch's windows) can be merged later by
 * `flowaudit merge`. Every number in it is a sum, a minimum or a maximum,
 * or a flag joined by "or"; examples carry the key that orders them.
 *
 * Loading reads untrusted input: every member is checked for its type and
 * range, indices against the rule set, and the sizes against the bounds of
 * one pass; an error names the file and the JSON path.
 */
#ifndef FLOWAUDIT_VERDICT_STATE_H
#define FLOWAUDIT_VERDICT_STATE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "verdict.h"

#define VERDICT_STATE_VERSION 1

/* The state as the text of a JSON object (members "latest_us", "summary",
 * "health", "untracked_hosts", "hosts", "pairs", "unexpected",
 * "exceptions"), laid out as cJSON_PrintUnformatted writes it; the caller
 * frees it. NULL when out of memory. Deterministic: the same state gives
 * the same bytes. json_text_format (common/json_text.h) lays it out as
 * cJSON_Print would. */
char *verdict_state_text(const struct verdict *v);

/* Adds the state read from JSON to v (a verdict of the same rule set; a
 * fresh one to read one part). False with err ("FILE: state.pairs[2].rule:
 * ...") when the state is not one this rule set can have given. */
bool verdict_state_load(struct verdict *v, const cJSON *state, const char *file,
			char *err, size_t errlen);

#endif
