/* pipeline.h - capture -> classify wiring shared by the commands: the
 * classifier sees each flow's packets and completes each flow record with
 * what it found before the command gets it. */
#ifndef FLOWAUDIT_PIPELINE_H
#define FLOWAUDIT_PIPELINE_H

#include "capture/capture.h"
#include "classify/classify.h"
#include "cli.h"

typedef void classified_flow_fn(void *ctx, const struct flow_record *r,
				const struct flow_class *c);

struct pipeline {
	struct capture *cap;
	struct classifier *cls;
	classified_flow_fn *on_flow;
	void *ctx;
	/* Called about once a second of packet time (or of wall-clock time on
	 * a quiet live link), between packets; may be NULL. */
	void (*on_tick)(void *ctx, uint64_t now_us);
	bool progress_shown;  /* a progress line is on the terminal */
};

/* Builds capture and classifier from the input options; on failure prints
 * why and returns false. */
bool pipeline_open(struct pipeline *pl, const struct input_options *in,
		   classified_flow_fn *on_flow, void *ctx);
void pipeline_close(struct pipeline *pl);

/* Reads every input; returns capture_run's status. */
int pipeline_run(struct pipeline *pl);

/* Each flow still open, classified as far as it is, without ending it. */
void pipeline_each_open_flow(struct pipeline *pl, classified_flow_fn *fn, void *ctx);

/* The summary on standard error, with classification figures. */
void pipeline_summary(const struct pipeline *pl, FILE *f);

#endif
