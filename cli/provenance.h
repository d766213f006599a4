/* provenance.h - who made a report, when, and from which exact inputs:
 * the metadata an auditor signs (struct report_provenance). Built only
 * for the reports that show it (HTML): hashing a capture of a gigabyte
 * takes seconds that a text or JSON run should not pay. */
#ifndef FLOWAUDIT_PROVENANCE_H
#define FLOWAUDIT_PROVENANCE_H

#include <stdbool.h>

#include "components.h"
#include "report_outputs.h"
#include "reports/audit_report.h"

#define PROVENANCE_WHY_LEN 160

/* A report_provenance and the storage it points into. */
struct provenance {
	struct report_provenance p;
	struct component components[COMPONENT_COUNT];
	struct report_file *inputs;
	char (*input_why)[PROVENANCE_WHY_LEN];
	char matrix_why[PROVENANCE_WHY_LEN], site_why[PROVENANCE_WHY_LEN];
	char *command_line;
};

/* "flowaudit" and the arguments, each shell-quoted where it needs to be
 * ('it'\''s'), joined by spaces; NULL when out of memory. Call it before
 * getopt, which reorders argv. The caller frees it. */
char *provenance_command_line(int argc, char *const argv[]);

/* Whether any output renders the provenance (an HTML report). */
bool provenance_wanted(const struct report_outputs *o);

/* Fills pv for report r (its capture inputs and its rules): the time (from
 * SOURCE_DATE_EPOCH when set, so reproducible builds and tests get fixed
 * bytes), the components' versions, and each input file, the matrix and
 * the site with size and SHA-256, read anew from disk. Sets
 * r->provenance and takes over command_line. False when out of memory (pv
 * is then empty, r and command_line untouched); a file that cannot be read
 * is stated in the report, not an error. Free with provenance_free. */
bool provenance_fill(struct provenance *pv, struct audit_report *r,
		     char *command_line);
void provenance_free(struct provenance *pv);

/* A report made later from the same files (watch's next window): the
 * files are not hashed again, only the time is taken anew, and r points
 * at pv. */
void provenance_reuse(struct provenance *pv, struct audit_report *r);

/* The SHA-256 of a file as lowercase hex, and its size. False with why
 * filled when it cannot be read. */
bool provenance_hash_file(const char *path, char hex[65], uint64_t *size,
			  char *why, size_t whylen);

#endif
