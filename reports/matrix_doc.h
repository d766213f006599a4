/* matrix_doc.h - a matrix described on its own, without a site
 * (`flowaudit matrix`): its roles, parameters with their defaults, features
 * and rules with the vendor document's sections, and the skeleton of a
 * site file's "roles", "params" and "features" to copy and fill in.
 *
 * The renderer presents what the matrix says; it judges nothing. Every
 * string from the matrix is escaped for the format it goes into. The
 * output depends on the matrix alone (its file's name, never its
 * directory), so the same matrix always gives the same bytes.
 */
#ifndef FLOWAUDIT_MATRIX_DOC_H
#define FLOWAUDIT_MATRIX_DOC_H

#include <stdbool.h>
#include <stdio.h>

#include "rules/rules.h"

enum matrix_doc_format {
	MATRIX_DOC_TEXT,
	MATRIX_DOC_MARKDOWN,
	MATRIX_DOC_JSON,
};

/* "text", "markdown" (or "md"), "json"; false for another name. */
bool matrix_doc_format_parse(const char *name, enum matrix_doc_format *fmt);

/* Writes the description of rs's matrix to f. False when a write failed. */
bool matrix_doc_write(FILE *f, const struct ruleset *rs,
		      enum matrix_doc_format fmt);

#endif
