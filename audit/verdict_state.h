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

/* The state as a new JSON object (members "pairs", "unexpected",
 * "exceptions", "summary", "health", "hosts", ...), NULL when out of
 * memory. Deterministic: the same state gives the same bytes. "hosts" is
 * one raw item, its text as cJSON_PrintUnformatted would write the list. */
cJSON *verdict_state_json(const struct verdict *v);

/* Lays out the raw items of a state from verdict_state_json as cJSON_Print
 * (formatted) would have written them as items: call before printing it
 * formatted, after any unformatted print. False when out of memory. */
bool verdict_state_format(cJSON *state);

/* Adds the state read from JSON to v (a verdict of the same rule set; a
 * fresh one to read one part). False with err ("FILE: state.pairs[2].rule:
 * ...") when the state is not one this rule set can have given. */
bool verdict_state_load(struct verdict *v, const cJSON *state, const char *file,
			char *err, size_t errlen);

#endif
