/* report_suggest.h - what `flowaudit suggest` proposes, written out: the
 * site file itself (JSON that `flowaudit check --site` accepts), and the
 * evidence report beside it (text or Markdown): each binding with its
 * evidence and confidence, the parameters and features, and the questions
 * the capture could not decide. Host names in the evidence come from
 * traffic: every writer escapes them for its language. */
#ifndef FLOWAUDIT_REPORT_SUGGEST_H
#define FLOWAUDIT_REPORT_SUGGEST_H

#include <stdio.h>

#include "audit/suggest.h"
#include "rules/rules.h"

enum suggest_format {
	SUGGEST_FORMAT_JSON,      /* the site file */
	SUGGEST_FORMAT_TEXT,      /* the evidence, for a terminal */
	SUGGEST_FORMAT_MARKDOWN,  /* the evidence, for a ticket or a wiki */
};

/* "json", "text", "markdown"; false for anything else. */
bool suggest_format_parse(const char *text, enum suggest_format *out);

/* The proposed site: name, roles in the matrix's order, parameters the
 * capture shows moved, every feature on or off. */
void suggest_write_site(FILE *f, const struct ruleset *matrix,
			const struct suggestion *s, const char *site_name);

/* The evidence report; inputs names the captures read. */
void suggest_write_evidence(FILE *f, enum suggest_format format,
			    const struct ruleset *matrix, const struct suggestion *s,
			    const char *site_name, const char *const *inputs,
			    unsigned ninputs);

#endif
