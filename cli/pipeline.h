/* pipeline.h - capture -> classify wiring shared by the commands: the
 * classifier sees each flow's packets and completes each flow record with
 * what it found before the command gets it.
 *
 * With --threads 1 everything runs on one thread. With N > 1 the capture
 * reads and decodes on this thread and N workers, each with a flow table
 * and a classifier of its own, track and classify the flows
 * (pipeline_threads.h). The command's flow callback is then called from
 * the workers, one call at a time (under a lock), in an order that depends
 * on the threads' timing; its tick, on this thread, with every worker
 * standing still at that tick. Everything else is what one thread gives.
 */
#ifndef FLOWAUDIT_PIPELINE_H
#define FLOWAUDIT_PIPELINE_H

#include <pthread.h>
#include <stdio.h>

#include "capture/capture.h"
#include "classify/classify.h"
#include "cli.h"
#include "progress.h"

struct pipeline_worker;
struct shard_pool;

/* A flow ended, classified. */
typedef void classified_flow_fn(void *ctx, const struct flow_record *r,
				const struct flow_class *c);

/* Packet time reached now_us: about once a second of it (or of wall-clock
 * time on a quiet live link), between packets. While it runs the capture
 * stands still, on either threading: it may look at the capture and its
 * open flows (pipeline_each_open_flow), change its filter, or stop it. */
typedef void pipeline_tick_fn(void *ctx, uint64_t now_us);

struct pipeline {
	struct capture *cap;       /* reads (and, on one thread, tracks) */
	struct classifier *cls;    /* on one thread; NULL with workers */
	classified_flow_fn *on_flow;
	pipeline_tick_fn *on_tick;
	void *ctx;
	struct progress_line progress;
	/* Sharded (--threads N > 1); nworkers 0 on one thread. */
	unsigned nworkers;
	struct pipeline_worker *workers;
	struct shard_pool *pool;
	pthread_mutex_t flow_lock;  /* one on_flow call at a time */
};

/* Without --threads: $FLOWAUDIT_THREADS (1 to 64) when set, else, for a
 * command whose output does not depend on the order flows end in
 * (input_options.order_free), the CPUs the process may run on (at most
 * SHARD_DEFAULT_WORKERS_MAX), and one thread for the others.
 * pipeline_default_threads() is the former. */
#define THREADS_ENV "FLOWAUDIT_THREADS"
unsigned pipeline_default_threads(void);

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

/* Worker threads of a sharded run; 0 on one thread. */
unsigned pipeline_workers(const struct pipeline *pl);

/* A sharded run, before pipeline_run: each worker i calls fn(ctx[i]) for
 * its flows, on its own thread and without the lock, so that what the
 * command builds from flows is built in parts, in parallel, and combined
 * after the run (audit: one verdict per worker, verdict_merge). shared
 * replaces on_flow (may be NULL): still called, under the lock, after fn.
 * Does nothing on one thread. */
void pipeline_split_flows(struct pipeline *pl, classified_flow_fn *fn,
			  void *const *ctx, classified_flow_fn *shared);

/* Each flow still open, classified as far as it is, without ending it.
 * From within on_tick, or outside a run. */
void pipeline_each_open_flow(struct pipeline *pl, classified_flow_fn *fn, void *ctx);

/* The summary on standard error, with classification figures. */
void pipeline_summary(const struct pipeline *pl, FILE *f);

/* After pipeline_run, before a report is built: every flow table's memory
 * goes back, so the report's own peak does not add to the tables'. */
void pipeline_release_flow_memory(struct pipeline *pl);

#endif
