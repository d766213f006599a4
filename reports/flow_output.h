/* flow_output.h - one record per flow: JSON lines with Zeek conn.log field
 * names, a readable text table, CSV with the same names, or Elastic Common
 * Schema event lines. */
#ifndef FLOWAUDIT_FLOW_OUTPUT_H
#define FLOWAUDIT_FLOW_OUTPUT_H

#include <stdio.h>

#include "capture/flow_record.h"
#include "audit/findings.h"
#include "classify/flow_class.h"

enum flow_format {
	FLOW_FORMAT_JSONL,
	FLOW_FORMAT_TEXT,
	FLOW_FORMAT_CSV,
	FLOW_FORMAT_EVENTS,
};

/* False for an unknown name. */
bool flow_format_parse(const char *name, enum flow_format *out);

/* Writes the header line of the text table and of CSV (JSON lines have
 * none). */
void flow_output_begin(FILE *f, enum flow_format fmt);

/* One flow; c may be NULL when nothing was classified. */
void flow_output_write(FILE *f, enum flow_format fmt,
		       const struct flow_record *r, const struct flow_class *c);

/* An alert line (ECS) for a flow judged unexpected or a failed attempt, as
 * soon as it ended. */
void flow_event_judged(FILE *f, const struct ruleset *rs, const struct flow_record *r,
		       const struct flow_class *c, const struct flow_judgement *j);

#endif
