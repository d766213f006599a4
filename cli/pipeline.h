/* pipeline.h - capture -> classify wiring shared by the commands: the
 * classifier sees each flow's packets and completes each flow record with
 * what it found before the command gets it.
 *
 * The classifier and the command's callbacks form one consumer of the
 * capture. Files are read with that consumer on a second thread when there
 * are two CPUs (unless --threads 1), a live interface on one thread (unless
 * --threads 2); see pipeline_threads.h. The output is the same either way.
 */
#ifndef FLOWAUDIT_PIPELINE_H
#define FLOWAUDIT_PIPELINE_H

#include <stdio.h>

#include "capture/capture.h"
#include "classify/classify.h"
#include "cli.h"
#include "progress.h"

struct consumer_thread;

/* A flow ended, classified. */
typedef void classified_flow_fn(void *ctx, const struct flow_record *r,
				const struct flow_class *c);

/* Packet time reached now_us: about once a second of it (or of wall-clock
 * time on a quiet live link), between packets. While it runs the capture
 * stands still, on either threading: it may look at the capture and its
 * open flows (pipeline_each_open_flow), change its filter, or stop it. */
typedef void pipeline_tick_fn(void *ctx, uint64_t now_us);

struct pipeline {
	struct capture *cap;
	struct classifier *cls;
	classified_flow_fn *on_flow;
	pipeline_tick_fn *on_tick;
	void *ctx;
	struct consumer_thread *thread;  /* NULL: everything on one thread */
	struct progress_line progress;
};

/* Builds capture and classifier from the input options; on_flow gets every
 * flow as it ends, on_tick (may be NULL) every tick, both with ctx and on
 * the same thread. On failure prints why and returns false. */
bool pipeline_open(struct pipeline *pl, const struct input_options *in,
		   classified_flow_fn *on_flow, pipeline_tick_fn *on_tick,
		   void *ctx);
void pipeline_close(struct pipeline *pl);

/* Application detection only for the flows fn wants (see
 * classifier_set_dpi_wanted); call it before pipeline_run. */
void pipeline_set_dpi_wanted(struct pipeline *pl, classify_dpi_wanted_fn *fn,
			     void *ctx);

/* Reads every input, SIGINT and SIGTERM ending it early (stop_signal.h);
 * when it returns, every flow has reached on_flow. Returns capture_run's
 * status. */
int pipeline_run(struct pipeline *pl);

/* Each flow still open, classified as far as it is, without ending it.
 * From within on_tick, or outside a run. */
void pipeline_each_open_flow(struct pipeline *pl, classified_flow_fn *fn, void *ctx);

/* The summary on standard error, with classification figures. */
void pipeline_summary(const struct pipeline *pl, FILE *f);

#endif
