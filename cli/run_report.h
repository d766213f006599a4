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

/* The capture's running counters where one window of a watch ended: the
 * next window's report states what was read after it. Taken at a tick,
 * when the frame that brought the tick has not been counted yet
 * (capture.h): that frame, at the tick's time, is the next window's first. */
struct capture_baseline {
	uint64_t taken_us;        /* the tick's packet time; 0: never taken */
	struct input_baseline {
		uint64_t packets, bytes, kernel_drops, interface_drops;
	} *inputs;                /* one per input opened then; malloc'ed */
	unsigned ninputs;
	uint64_t non_ip, malformed, reasons[DR_COUNT];
	uint64_t flows, evicted;
};

/* Records the counters now (at packet time now_us); false when out of
 * memory (the baseline is then unchanged). */
bool capture_baseline_take(struct capture_baseline *b, const struct capture *cap,
			   uint64_t now_us);
void capture_baseline_free(struct capture_baseline *b);

/* Fills *r from the capture as it stands now; the report points into the
 * capture (input names, errors) and into rs and f, so it is valid while
 * they are. False when out of memory (r is then empty). Free with
 * run_report_free(). */
bool run_report_build(struct audit_report *r, const struct capture *cap,
		      const struct ruleset *rs, const struct findings *f,
		      const struct fail_policy *fail_on, struct run_window window);
/* The same for a window of a watch: the capture's figures since the
 * baseline (NULL or never taken: since the start). Counters are the
 * difference; first and last packet times are those of the frames read
 * since; peak_flows stays the run's. */
bool run_report_build_since(struct audit_report *r, const struct capture *cap,
			    const struct ruleset *rs, const struct findings *f,
			    const struct fail_policy *fail_on, struct run_window window,
			    const struct capture_baseline *since);
void run_report_free(struct audit_report *r);

/* The SHA-256 of the rule set's matrix and site files (lowercase hex, ""
 * when a file cannot be read): what a report's merge state names them
 * by. */
void rules_identity(const struct ruleset *rs, char matrix[65], char site[65]);

/* The capture's figures alone (since the baseline when there is one). */
bool capture_summary_fill(struct capture_summary *s, const struct capture *cap);
bool capture_summary_fill_since(struct capture_summary *s, const struct capture *cap,
				const struct capture_baseline *since);
void capture_summary_free(struct capture_summary *s);

#endif
