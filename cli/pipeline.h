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
	bool progress_shown;  /* a progress line is on the terminal */
};

/* Builds capture and classifier from the input options; on failure prints
 * why and returns false. */
bool pipeline_open(struct pipeline *pl, const struct input_options *in,
		   classified_flow_fn *on_flow, void *ctx);
void pipeline_close(struct pipeline *pl);

/* Reads every input; returns capture_run's status. */
int pipeline_run(struct pipeline *pl);

/* The summary on standard error, with classification figures. */
void pipeline_summary(const struct pipeline *pl, FILE *f);

#endif
