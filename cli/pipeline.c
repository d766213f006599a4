/* pipeline.c - capture -> classify wiring (see pipeline.h). */
#include <sched.h>  /* sched_getaffinity, CPU_COUNT (_GNU_SOURCE) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline.h"
#include "pipeline_threads.h"
#include "rule_ports.h"
#include "stop_signal.h"
#include "summary.h"

/* One worker of a sharded run: a flow table (a capture with no inputs)
 * and a classifier, on the worker's thread. */
struct pipeline_worker {
	struct pipeline *pl;
	struct capture *cap;
	struct classifier *cls;
	classified_flow_fn *own_flow;  /* pipeline_split_flows, or NULL */
	void *own_ctx;
};

/* ---- the consumer: classification, then the command ---- */

static bool classify_packet(void *ctx, const struct flow_update *u,
			    const struct packet *p)
{
	struct pipeline *pl = ctx;
	return classifier_packet(pl->cls, u, p);
}

static void classify_flow_end(void *ctx, const struct flow_record *r, uint32_t slot)
{
	struct pipeline *pl = ctx;
	struct flow_class c;

	classifier_flow_end(pl->cls, r, slot, &c);
	pl->on_flow(pl->ctx, r, &c);
}

static void classify_flow_ending(void *ctx, uint32_t slot)
{
	struct pipeline *pl = ctx;
	classifier_prefetch(pl->cls, slot);
}

static void tick(void *ctx, uint64_t now_us)
{
	struct pipeline *pl = ctx;
	pl->on_tick(pl->ctx, now_us);
}

/* On the capture's thread, whichever runs the rest. */
static void progress(void *ctx, const struct capture_progress *p)
{
	struct pipeline *pl = ctx;
	progress_line_show(&pl->progress, p);
}

/* ---- a worker's consumer ---- */

static bool worker_classify_packet(void *ctx, const struct flow_update *u,
				   const struct packet *p)
{
	struct pipeline_worker *w = ctx;
	return classifier_packet(w->cls, u, p);
}

/* Classified on the worker; the command's callback one call at a time. */
static void worker_flow_end(void *ctx, const struct flow_record *r, uint32_t slot)
{
	struct pipeline_worker *w = ctx;
	struct flow_class c;

	classifier_flow_end(w->cls, r, slot, &c);
	if (w->own_flow)
		w->own_flow(w->own_ctx, r, &c);
	if (!w->pl->on_flow)
		return;
	pthread_mutex_lock(&w->pl->flow_lock);
	w->pl->on_flow(w->pl->ctx, r, &c);
	pthread_mutex_unlock(&w->pl->flow_lock);
}

static void worker_flow_ending(void *ctx, uint32_t slot)
{
	struct pipeline_worker *w = ctx;
	classifier_prefetch(w->cls, slot);
}

unsigned pipeline_workers(const struct pipeline *pl)
{
	return pl->nworkers;
}

void pipeline_split_flows(struct pipeline *pl, classified_flow_fn *fn,
			  void *const *ctx, classified_flow_fn *shared)
{
	for (unsigned i = 0; i < pl->nworkers; i++) {
		pl->workers[i].own_flow = fn;
		pl->workers[i].own_ctx = ctx[i];
	}
	if (pl->nworkers)
		pl->on_flow = shared;
}

static void shard_packet(void *ctx, const struct packet *p, bool to_consumer,
			 const void *digest, size_t digest_len)
{
	struct pipeline_worker *w = ctx;

	if (!digest) {
		capture_feed_packet(w->cap, p, to_consumer);
		return;
	}
	classifier_expect_digest(w->cls, p, digest, digest_len);
	capture_feed_packet(w->cap, p, to_consumer);
	classifier_expect_digest(w->cls, NULL, NULL, 0);
}

static bool shard_reads_bytes(void *ctx, const struct packet *p)
{
	const struct pipeline_worker *w = ctx;
	return classifier_reads_bytes(w->cls, p);
}

static void shard_learn(void *ctx, const struct packet *p)
{
	struct pipeline_worker *w = ctx;
	classifier_learn_names(w->cls, p);
}

static void shard_learn_digest(void *ctx, const struct packet *p,
			       const void *digest, size_t digest_len)
{
	struct pipeline_worker *w = ctx;
	classifier_learn_digest(w->cls, digest, digest_len, p);
}

static void shard_icmp_evidence(void *ctx, const struct packet *p)
{
	struct pipeline_worker *w = ctx;
	capture_feed_icmp_evidence(w->cap, p);
}

static void shard_expire(void *ctx, uint64_t now_us)
{
	struct pipeline_worker *w = ctx;
	capture_feed_expire(w->cap, now_us);
}

static void shard_finish(void *ctx)
{
	struct pipeline_worker *w = ctx;
	capture_feed_finish(w->cap);
}

/* The workers' flow figures, summed into the reader's: with the workers
 * standing still (at a synchronised tick, or after the run). The peak is
 * the sum of the workers' own peaks: no one thread saw the peak of their
 * sum, and this bounds it from above, as memory was bounded (each worker
 * holds at most its share of --max-flows). */
static void sum_flow_stats(struct pipeline *pl)
{
	struct flow_table_stats sum = { 0 };

	for (unsigned i = 0; i < pl->nworkers; i++) {
		const struct flow_table_stats *s = capture_flow_stats(pl->workers[i].cap);
		sum.created += s->created;
		sum.ended += s->ended;
		sum.evicted += s->evicted;
		sum.active += s->active;
		sum.peak_active += s->peak_active;
		sum.untracked += s->untracked;
		sum.tcp_streams += s->tcp_streams;
	}
	capture_set_flow_stats(pl->cap, &sum);
}

/* The command's tick, every worker standing still at it. */
static void sharded_tick(void *ctx, uint64_t now_us)
{
	struct pipeline *pl = ctx;

	sum_flow_stats(pl);
	pl->on_tick(pl->ctx, now_us);
}

struct open_flow_visit {
	struct classifier *cls;
	classified_flow_fn *fn;
	void *ctx;
};

static void visit_open_flow(void *ctx, const struct flow_record *r, uint32_t slot)
{
	struct open_flow_visit *v = ctx;
	struct flow_class c;

	classifier_peek(v->cls, r, slot, &c);
	v->fn(v->ctx, r, &c);
}

void pipeline_each_open_flow(struct pipeline *pl, classified_flow_fn *fn, void *ctx)
{
	if (!pl->nworkers) {
		struct open_flow_visit v = { pl->cls, fn, ctx };
		capture_each_active_flow(pl->cap, visit_open_flow, &v);
		return;
	}
	for (unsigned i = 0; i < pl->nworkers; i++) {
		struct open_flow_visit v = { pl->workers[i].cls, fn, ctx };
		capture_each_active_flow(pl->workers[i].cap, visit_open_flow, &v);
	}
}

/* ---- open, run, close ---- */

/* FLOWAUDIT_THREADS, when it is a number from 1 to the maximum, else 0. */
static unsigned threads_from_environment(void)
{
	const char *env = getenv(THREADS_ENV);
	if (env && *env) {
		char *end;
		unsigned long v = strtoul(env, &end, 10);
		if (!*end && v >= 1 && v <= SHARD_WORKERS_MAX)
			return (unsigned)v;
	}
	return 0;
}

/* The CPUs this process may run on: its affinity mask (taskset, a
 * container's cpuset), else the online CPUs. */
static long usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		int n = CPU_COUNT(&set);
		if (n > 0)
			return n;
	}
	return sysconf(_SC_NPROCESSORS_ONLN);
}

/* FLOWAUDIT_THREADS, else the usable CPUs, at most
 * SHARD_DEFAULT_WORKERS_MAX. */
unsigned pipeline_default_threads(void)
{
	unsigned env = threads_from_environment();
	if (env)
		return env;
	return shard_default_workers(usable_cpus());
}

static unsigned threads_wanted(const struct input_options *in)
{
	if (in->threads)
		return in->threads;
	if (in->order_free)
		return pipeline_default_threads();
	unsigned env = threads_from_environment();
	return env ? env : 1;
}

/* A bound shared by n workers: each gets its part, rounded up. */
static uint32_t share(uint32_t total, unsigned n)
{
	return total / n + (total % n != 0);
}

static void free_workers(struct pipeline *pl)
{
	for (unsigned i = 0; pl->workers && i < pl->nworkers; i++) {
		capture_free(pl->workers[i].cap);
		classifier_free(pl->workers[i].cls);
	}
	free(pl->workers);
	pl->workers = NULL;
}

/* n workers, each with its share of the flow, nDPI-state and DNS-flow
 * bounds; every worker keeps the whole name index, since every worker's
 * flows may be named by any answer. */
static bool open_workers(struct pipeline *pl, unsigned n,
			 const struct classify_options *co,
			 const struct capture_options *capo)
{
	struct classify_options wco = *co;
	struct capture_options wcapo = *capo;
	char err[512];

	pl->workers = calloc(n, sizeof(*pl->workers));
	if (!pl->workers) {
		cli_error("out of memory");
		return false;
	}
	pl->nworkers = n;
	wcapo.flows.max_flows = share(capo->flows.max_flows, n);
	wco.max_flows = wcapo.flows.max_flows;
	wco.dpi_max_states = share(co->dpi_max_states, n);
	wco.dns_flows = share(co->dns_flows, n);
	for (unsigned i = 0; i < n; i++) {
		struct pipeline_worker *w = &pl->workers[i];
		w->pl = pl;
		w->cls = classifier_new(&wco, err, sizeof(err));
		if (!w->cls) {
			cli_error("%s", err);
			return false;
		}
		const struct capture_consumer wc = {
			.ctx = w,
			.packet = worker_classify_packet,
			.flow_end = worker_flow_end,
			.flow_ending = worker_flow_ending,
		};
		w->cap = capture_new(&wcapo, &wc);
		if (!w->cap) {
			cli_error("out of memory setting up a flow table of %u flows",
				  wcapo.flows.max_flows);
			return false;
		}
	}
	return true;
}

static bool open_sharded(struct pipeline *pl, unsigned n,
			 const struct classify_options *co,
			 const struct capture_options *capo, bool quiet)
{
	static const struct shard_ops ops = {
		.reads_bytes = shard_reads_bytes,
		.packet = shard_packet,
		.learn = shard_learn,
		.learn_digest = shard_learn_digest,
		.icmp_evidence = shard_icmp_evidence,
		.expire = shard_expire,
		.finish = shard_finish,
	};
	void *ctx[SHARD_WORKERS_MAX];
	struct capture_router router;

	if (pthread_mutex_init(&pl->flow_lock, NULL) != 0) {
		cli_error("cannot set up %u threads", n);
		return false;
	}
	if (!open_workers(pl, n, co, capo)) {
		free_workers(pl);
		pthread_mutex_destroy(&pl->flow_lock);
		return false;
	}
	for (unsigned i = 0; i < n; i++)
		ctx[i] = &pl->workers[i];
	pl->pool = shard_pool_new(n, &ops, ctx, pl->on_tick != NULL, &router);
	const struct capture_consumer reader = {
		.ctx = pl,
		.tick = pl->on_tick ? sharded_tick : NULL,
		.progress = progress_line_wanted(quiet) ? progress : NULL,
	};
	pl->cap = pl->pool ? capture_new_reader(capo, &reader, &router) : NULL;
	if (!pl->cap) {
		cli_error("out of memory setting up %u threads", n);
		shard_pool_free(pl->pool);
		free_workers(pl);
		pthread_mutex_destroy(&pl->flow_lock);
		return false;
	}
	return true;
}

static bool open_single(struct pipeline *pl, const struct classify_options *co,
			const struct capture_options *capo, bool quiet)
{
	char err[512];

	pl->cls = classifier_new(co, err, sizeof(err));
	if (!pl->cls) {
		cli_error("%s", err);
		return false;
	}
	const struct capture_consumer classify = {
		.ctx = pl,
		.packet = classify_packet,
		.flow_end = classify_flow_end,
		.flow_ending = classify_flow_ending,
		.tick = pl->on_tick ? tick : NULL,
		.progress = progress_line_wanted(quiet) ? progress : NULL,
	};
	pl->cap = capture_new(capo, &classify);
	if (!pl->cap) {
		cli_error("out of memory setting up a flow table of %u flows",
			  capo->flows.max_flows);
		classifier_free(pl->cls);
		return false;
	}
	return true;
}

bool pipeline_open(struct pipeline *pl, const struct input_options *in,
		   classified_flow_fn *on_flow, pipeline_tick_fn *on_tick,
		   void *ctx)
{
	struct classify_options co;
	struct capture_options capo = in->capture;
	struct rule_ports rp;
	unsigned n = threads_wanted(in);

	memset(pl, 0, sizeof(*pl));
	pl->on_flow = on_flow;
	pl->on_tick = on_tick;
	pl->ctx = ctx;
	if (!rule_ports_get(in->rules, &rp)) {
		cli_error("out of memory");
		return false;
	}
	classify_options_default(&co);
	co.dpi = !in->no_dpi;
	co.geoip_path = in->geoip_path;
	co.asn_path = in->asn_path;
	co.max_flows = in->capture.flows.max_flows;
	co.port_labels = rp.labels;
	co.nport_labels = rp.nlabels;
	capo.flows.server_ports = rp.servers;
	bool ok = n > 1 ? open_sharded(pl, n, &co, &capo, in->capture.quiet)
			: open_single(pl, &co, &capo, in->capture.quiet);
	rule_ports_free(&rp);  /* captures and classifiers keep copies */
	if (!ok) {
		memset(pl, 0, sizeof(*pl));
		return false;
	}
	input_options_apply(in, pl->cap);
	return true;
}

void pipeline_set_dpi_wanted(struct pipeline *pl, classify_dpi_wanted_fn *fn,
			     void *ctx)
{
	if (pl->cls)
		classifier_set_dpi_wanted(pl->cls, fn, ctx);
	/* Each worker's classifier asks on its own thread: fn only reads. */
	for (unsigned i = 0; i < pl->nworkers; i++)
		classifier_set_dpi_wanted(pl->workers[i].cls, fn, ctx);
}

void pipeline_close(struct pipeline *pl)
{
	if (pl->nworkers) {
		shard_pool_free(pl->pool);
		free_workers(pl);
		pthread_mutex_destroy(&pl->flow_lock);
	}
	capture_free(pl->cap);
	classifier_free(pl->cls);
	memset(pl, 0, sizeof(*pl));
}

int pipeline_run(struct pipeline *pl)
{
	struct stop_signal stop;

	stop_signal_arm(&stop, pl->cap);
	int rc = capture_run(pl->cap);
	if (pl->nworkers) {
		shard_pool_finish(pl->pool);
		sum_flow_stats(pl);
	}
	progress_line_clear(&pl->progress);
	stop_signal_disarm(&stop);
	return rc;
}

/* The classifiers' figures, summed over the workers; every worker's name
 * index holds every answer, so its figures are one worker's. */
static void classifier_stats_total(const struct pipeline *pl,
				   struct classifier_stats *s)
{
	if (!pl->nworkers) {
		classifier_stats(pl->cls, s);
		return;
	}
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < pl->nworkers; i++) {
		struct classifier_stats w;
		classifier_stats(pl->workers[i].cls, &w);
		s->dpi_flows += w.dpi_flows;
		s->dpi_packets += w.dpi_packets;
		s->dpi_peak_states += w.dpi_peak_states;
		s->dpi_waited += w.dpi_waited;
		s->dpi_given_up_early += w.dpi_given_up_early;
		s->dpi_guessed_without_state += w.dpi_guessed_without_state;
		s->dns_messages += w.dns_messages;
		s->dns_unparsed += w.dns_unparsed;
		s->dns_flows_untracked += w.dns_flows_untracked;
		if (i == 0) {
			s->names_held = w.names_held;
			s->names_refused = w.names_refused;
			s->name_index_entries = w.name_index_entries;
			s->name_index_evicted = w.name_index_evicted;
		}
	}
}

void pipeline_summary(const struct pipeline *pl, FILE *f)
{
	struct classifier_stats s;

	summary_print(f, pl->cap);
	classifier_stats_total(pl, &s);
	fprintf(f, "flowaudit: nDPI saw %llu flow%s (%llu packet%s, at most %llu "
		"at once); %llu DNS message%s (%llu unparsable); %llu name%s held, "
		"%llu refused; name index %llu entr%s, %llu evicted\n",
		(unsigned long long)s.dpi_flows, plural_s(s.dpi_flows),
		(unsigned long long)s.dpi_packets, plural_s(s.dpi_packets),
		(unsigned long long)s.dpi_peak_states,
		(unsigned long long)s.dns_messages, plural_s(s.dns_messages),
		(unsigned long long)s.dns_unparsed,
		(unsigned long long)s.names_held, plural_s(s.names_held),
		(unsigned long long)s.names_refused,
		(unsigned long long)s.name_index_entries,
		s.name_index_entries == 1 ? "y" : "ies",
		(unsigned long long)s.name_index_evicted);
	if (s.dpi_given_up_early)
		fprintf(f, "flowaudit: %llu undecided flows gave up application "
			"detection early, idle longest when every nDPI state was in use\n",
			(unsigned long long)s.dpi_given_up_early);
	if (s.dpi_waited)
		fprintf(f, "flowaudit: %llu packets waited for application "
			"detection: every nDPI flow state was in use\n",
			(unsigned long long)s.dpi_waited);
	if (s.dns_flows_untracked)
		fprintf(f, "flowaudit: %llu DNS flows not followed (too many at once)\n",
			(unsigned long long)s.dns_flows_untracked);
	if (pl->nworkers)
		fprintf(f, "flowaudit: %u worker threads, flows sharded by address "
			"pair\n", pl->nworkers);
}

void pipeline_release_flow_memory(struct pipeline *pl)
{
	capture_release_flow_memory(pl->cap);
	for (unsigned i = 0; i < pl->nworkers; i++)
		capture_release_flow_memory(pl->workers[i].cap);
}
