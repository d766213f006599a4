/* pipeline.h - capture -> classify wiring shared by the commands: the
 * classifier sees each flow's packets and completes each flow record with
 * what it found before the command gets it. */
#ifndef FLOWAUDIT_PIPELINE_H
#define FLOWAUDIT_PIPELINE_H

#include <pthread.h>

#include "batch_queue.h"
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

	/* Two threads: capture's packets and ended flows go through q to a
	 * thread that classifies and calls on_flow, in capture order. */
	bool threaded;
	struct batch_queue *q;
	pthread_t worker;
	uint32_t *gen;                  /* per slot: flows ended in it */
	uint32_t *done_gen;             /* per slot: gen of a flow whose
					 * classifier wants no more packets */
	uint32_t nslots;
};

/* Builds capture and classifier from the input options; on failure prints
 * why and returns false. Files are read on two threads when there are two
 * CPUs (unless --threads 1), a live interface on one. */
bool pipeline_open(struct pipeline *pl, const struct input_options *in,
		   classified_flow_fn *on_flow, void *ctx);
void pipeline_close(struct pipeline *pl);

/* Reads every input; returns capture_run's status. */
int pipeline_run(struct pipeline *pl);

/* Each flow still open, classified as far as it is, without ending it.
 * Only on one thread (a live capture): it reads capture's table. */
void pipeline_each_open_flow(struct pipeline *pl, classified_flow_fn *fn, void *ctx);

/* The summary on standard error, with classification figures. */
void pipeline_summary(const struct pipeline *pl, FILE *f);

#endif
