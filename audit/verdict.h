/* verdict.h - matching flows to the matrix's rules (docs/verdicts.md).
 *
 * Every finished, classified flow is judged once: out of scope (no endpoint
 * holds an audited role), allowed (by one or more rules, or by the site), or
 * unexpected (with a cause). Flows a rule allows are attempts for that rule
 * and the concrete host it is judged on: a rule-host pair is observed if one
 * attempt succeeded, blocked if there were attempts and none did, missing if
 * there were none. ICMP errors are evidence about the flow they quote, never
 * judged themselves; a refused or NXDOMAIN lookup of a matrix host name is a
 * failed attempt of the rules bound to that name.
 *
 * State grows with the site (rules x hosts), not with traffic: unexpected
 * conversations are itemized up to a bound and counted past it.
 */
#ifndef FLOWAUDIT_VERDICT_H
#define FLOWAUDIT_VERDICT_H

#include <stdbool.h>

#include "capture/flow_record.h"
#include "classify/flow_class.h"
#include "findings.h"
#include "rules/rules.h"

struct verdict;

struct verdict *verdict_new(const struct ruleset *rs);
void verdict_free(struct verdict *v);

/* Judges a flow and records it as evidence; says how it was judged when j
 * is not NULL. */
void verdict_flow(struct verdict *v, const struct flow_record *r,
		  const struct flow_class *c, struct flow_judgement *j);

/* Whether a flow between addresses a and b could be in scope, whatever its
 * application and server name turn out to be. False only when neither
 * address holds an audited role and the site binds no role to a name (a
 * server name from TLS or HTTP could bring the flow into scope, or make it
 * a peer's): such a flow is counted out of scope, and its application is
 * never read, so it needs no application detection. */
bool verdict_may_judge(const struct verdict *v, uint8_t ip_version,
		       const struct ip_addr *a, const struct ip_addr *b);

/* How a flow would be judged, recording nothing (a flow already counted). */
void verdict_judge(const struct verdict *v, const struct flow_record *r,
		   const struct flow_class *c, struct flow_judgement *j);

/* The findings so far, sorted: missing, blocked, unexpected, observed; then
 * matrix order, addresses, ports, cause. The caller frees them
 * (findings_free). */
bool verdict_findings(const struct verdict *v, struct findings *out);

/* Adds everything `from` recorded into `into` (same ruleset): the state
 * of two parts of a capture (two files, two sensors, two workers) becomes
 * that of the whole, so that the findings derived from it are the ones one
 * pass over everything would give (docs/merge.md). Counts are summed, time
 * spans widened, conn_states joined; each example is the earliest flow
 * (example_key order), so the result does not depend on the order of
 * merging. Bounded like one pass: unexpected conversations past the
 * itemizing bound and pairs past the dynamic bound are only counted.
 * False when the verdicts were built from different rule sets, are the
 * same verdict, or memory ran out (into is then unchanged). */
bool verdict_merge(struct verdict *into, const struct verdict *from);

/* Forgets all evidence (a new reporting window), keeps the rules. */
void verdict_reset(struct verdict *v);

/* Whether a flow's outcome counts as a successful attempt; when it does
 * not, *failure says how it failed (a tally of this one flow). */
bool flow_attempt_outcome(const struct flow_record *r, const struct flow_class *c,
			  struct attempt_failure *failure);

#endif
