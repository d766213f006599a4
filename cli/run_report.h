/* run_report.h - the audit report of a run: the rules, the findings and
 * the capture's figures (struct capture_summary) as reports/ prints them.
 * The one place a command builds a struct audit_report (audit once at the
 * end, watch per window). */
#ifndef FLOWAUDIT_RUN_REPORT_H
#define FLOWAUDIT_RUN_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"
#include "reports/audit_report.h"

/* The bounds of a window of a run (watch). */
struct run_window {
	uint64_t start_us, end_us;
};

/* The whole run (audit): no window. */
#define RUN_WHOLE ((struct run_window){ 0, 0 })

/* Fills *r from the capture as it stands now; the report points into the
 * capture (input names, errors) and into rs and f, so it is valid while
 * they are. False when out of memory (r is then empty). Free with
 * run_report_free(). */
bool run_report_build(struct audit_report *r, const struct capture *cap,
		      const struct ruleset *rs, const struct findings *f,
		      const struct fail_policy *fail_on, struct run_window window);
void run_report_free(struct audit_report *r);

/* The capture's figures alone. */
bool capture_summary_fill(struct capture_summary *s, const struct capture *cap);
void capture_summary_free(struct capture_summary *s);

#endif
