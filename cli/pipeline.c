/* pipeline.c - capture -> classify wiring (see pipeline.h). */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline.h"
#include "rule_ports.h"
#include "summary.h"

static bool on_packet(void *ctx, const struct flow_update *u,
		      const struct packet *p)
{
	struct pipeline *pl = ctx;
	return classifier_packet(pl->cls, u, p);
}

static void on_flow_end(void *ctx, const struct flow_record *r, uint32_t slot)
{
	struct pipeline *pl = ctx;
	struct flow_class c;

	classifier_flow_end(pl->cls, r, slot, &c);
	pl->on_flow(pl->ctx, r, &c);
}

static void on_tick(void *ctx, uint64_t now_us)
{
	struct pipeline *pl = ctx;
	if (pl->on_tick)
		pl->on_tick(pl->ctx, now_us);
}

struct open_flow_visit {
	struct pipeline *pl;
	classified_flow_fn *fn;
	void *ctx;
};

static void visit_open_flow(void *ctx, const struct flow_record *r, uint32_t slot)
{
	struct open_flow_visit *v = ctx;
	struct flow_class c;

	classifier_peek(v->pl->cls, r, slot, &c);
	v->fn(v->ctx, r, &c);
}

void pipeline_each_open_flow(struct pipeline *pl, classified_flow_fn *fn, void *ctx)
{
	struct open_flow_visit v = { pl, fn, ctx };
	capture_each_active_flow(pl->cap, visit_open_flow, &v);
}

/* "1.2 G", "840 k": three significant figures are plenty on a progress line. */
static void human(char *out, size_t len, double v, const char *unit)
{
	static const char *const prefix[] = { "", " k", " M", " G", " T" };
	unsigned i = 0;

	while (v >= 1000 && i + 1 < sizeof(prefix) / sizeof(prefix[0])) {
		v /= 1000;
		i++;
	}
	snprintf(out, len, i ? "%.3g%s%s" : "%.0f%s%s", v, prefix[i], unit);
}

/* One line on a terminal's standard error, rewritten in place. */
static void show_progress(void *ctx, const struct capture_progress *p)
{
	struct pipeline *pl = ctx;
	char done[32], total[32], pkts[32], rate[32], flows[32];
	double secs = p->elapsed_us / 1e6;
	const char *name = strrchr(p->input, '/') ? strrchr(p->input, '/') + 1 : p->input;

	human(pkts, sizeof(pkts), (double)p->packets, " packets");
	human(rate, sizeof(rate), secs > 0 ? p->packets / secs : 0, " packets/s");
	human(flows, sizeof(flows), (double)p->active_flows, " flows");
	fputs("\r\033[K", stderr);
	if (p->bytes_total) {
		human(done, sizeof(done), (double)p->bytes_done, "B");
		human(total, sizeof(total), (double)p->bytes_total, "B");
		fprintf(stderr, "%3.0f%% %.40s %s of %s, ",
			100.0 * (double)p->bytes_done / (double)p->bytes_total, name, done, total);
	} else {
		fprintf(stderr, "%.40s: ", name);
	}
	fprintf(stderr, "%s, %s, %s", pkts, rate, flows);
	fflush(stderr);
	pl->progress_shown = true;
}

/* ---- two threads ----
 *
 * The capture thread reads, decodes and tracks flows; each packet the
 * classifier still wants, each ended flow and each tick is copied into the
 * batch queue. The classifier thread takes them in that order, so what it
 * does, and what on_flow writes, is what one thread would have done. The
 * one thing that goes back is "no more packets of this flow": a per-slot
 * generation the classifier thread sets and the capture thread reads (a
 * packet or two may still be sent meanwhile; the classifier ignores them,
 * as it would have been done with them anyway). */

#define BATCHES 8
#define BATCH_BYTES (1u << 19)

enum msg_type { MSG_PACKET = 1, MSG_END, MSG_TICK };

struct msg_head {
	uint32_t type;
	uint32_t len;
};

struct msg_packet {
	struct msg_head h;
	uint32_t gen;
	struct flow_update u;
	struct packet p;
	uint8_t data[];  /* the IP header on (l3), then a payload kept apart */
};

struct msg_end {
	struct msg_head h;
	uint32_t slot;
	struct flow_record r;
};

struct msg_tick {
	struct msg_head h;
	uint64_t now_us;
};

static uint32_t done_gen_load(const struct pipeline *pl, uint32_t slot)
{
	return atomic_load_explicit((_Atomic uint32_t *)&pl->done_gen[slot],
				    memory_order_relaxed);
}

static size_t aligned(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Capture thread: a packet the classifier wants, copied with its bytes. */
static bool queue_packet(void *ctx, const struct flow_update *u, const struct packet *p)
{
	struct pipeline *pl = ctx;
	uint32_t slot = u->slot;

	if (slot >= pl->nslots)
		return false;
	if (done_gen_load(pl, slot) == pl->gen[slot])
		return false;
	const uint8_t *l3 = p->l3, *pay = p->payload;
	size_t l3_len = l3 ? p->l3_caplen : 0;
	bool pay_inside = pay && l3 && pay >= l3 && pay + p->payload_caplen <= l3 + l3_len;
	size_t pay_len = pay && !pay_inside ? p->payload_caplen : 0;
	size_t len = aligned(sizeof(struct msg_packet) + l3_len + pay_len);
	struct msg_packet *m = batch_queue_reserve(pl->q, len);
	if (!m)
		return true;  /* larger than a batch: cannot happen for IP */
	m->h.type = MSG_PACKET;
	m->h.len = (uint32_t)len;
	m->gen = pl->gen[slot];
	m->u = *u;
	m->p = *p;
	if (l3_len)
		memcpy(m->data, l3, l3_len);
	m->p.l3 = l3_len ? m->data : NULL;
	if (pay_inside) {
		m->p.payload = m->data + (pay - l3);
	} else if (pay_len) {
		memcpy(m->data + l3_len, pay, pay_len);
		m->p.payload = m->data + l3_len;
	}
	return true;
}

static void queue_end(void *ctx, const struct flow_record *r, uint32_t slot)
{
	struct pipeline *pl = ctx;
	struct msg_end *m = batch_queue_reserve(pl->q, aligned(sizeof(*m)));

	m->h.type = MSG_END;
	m->h.len = (uint32_t)aligned(sizeof(*m));
	m->slot = slot;
	m->r = *r;
	if (slot < pl->nslots)
		pl->gen[slot]++;  /* the next flow in this slot is a new one */
}

static void queue_tick(void *ctx, uint64_t now_us)
{
	struct pipeline *pl = ctx;
	struct msg_tick *m = batch_queue_reserve(pl->q, aligned(sizeof(*m)));

	m->h.type = MSG_TICK;
	m->h.len = (uint32_t)aligned(sizeof(*m));
	m->now_us = now_us;
}

static void run_message(struct pipeline *pl, const struct msg_head *h)
{
	switch (h->type) {
	case MSG_PACKET: {
		const struct msg_packet *m = (const void *)h;
		if (!classifier_packet(pl->cls, &m->u, &m->p))
			atomic_store_explicit((_Atomic uint32_t *)&pl->done_gen[m->u.slot],
					      m->gen, memory_order_relaxed);
		break;
	}
	case MSG_END: {
		const struct msg_end *m = (const void *)h;
		on_flow_end(pl, &m->r, m->slot);
		break;
	}
	case MSG_TICK:
		on_tick(pl, ((const struct msg_tick *)h)->now_us);
		break;
	}
}

static void *classifier_thread(void *arg)
{
	struct pipeline *pl = arg;
	const uint8_t *data;
	size_t len;

	while (batch_queue_next(pl->q, &data, &len)) {
		for (size_t off = 0; off + sizeof(struct msg_head) <= len;) {
			const struct msg_head *h = (const void *)(data + off);
			run_message(pl, h);
			off += h->len;
		}
		batch_queue_release(pl->q);
	}
	return NULL;
}

static bool want_threads(const struct input_options *in)
{
	if (in->threads)
		return in->threads > 1;
	return !in->iface && sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

static bool threads_setup(struct pipeline *pl, uint32_t max_flows)
{
	pl->nslots = max_flows;
	pl->gen = calloc(max_flows, sizeof(*pl->gen));
	pl->done_gen = malloc((size_t)max_flows * sizeof(*pl->done_gen));
	pl->q = batch_queue_new(BATCHES, BATCH_BYTES);
	if (!pl->gen || !pl->done_gen || !pl->q)
		return false;
	memset(pl->done_gen, 0xff, (size_t)max_flows * sizeof(*pl->done_gen));
	return true;
}

/* Every message taken and acted on: the classifier thread ends. */
static void threads_join(struct pipeline *pl)
{
	if (!pl->threaded)
		return;
	batch_queue_close(pl->q);
	pthread_join(pl->worker, NULL);
	pl->threaded = false;
}

static void threads_free(struct pipeline *pl)
{
	batch_queue_free(pl->q);
	free(pl->gen);
	free(pl->done_gen);
	pl->q = NULL;
	pl->gen = pl->done_gen = NULL;
}

bool pipeline_open(struct pipeline *pl, const struct input_options *in,
		   classified_flow_fn *on_flow, void *ctx)
{
	struct classify_options co;
	struct capture_options capo = in->capture;
	struct rule_ports rp;
	char err[512];

	memset(pl, 0, sizeof(*pl));
	pl->on_flow = on_flow;
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
	pl->cls = classifier_new(&co, err, sizeof(err));
	if (!pl->cls) {
		rule_ports_free(&rp);
		cli_error("%s", err);
		return false;
	}
	struct capture_consumer consumer = {
		.ctx = pl, .packet = on_packet, .flow_end = on_flow_end, .tick = on_tick,
	};
	/* Without a second thread (or the memory for its queue) everything
	 * runs on this one: the same results, later. */
	if (want_threads(in) && threads_setup(pl, in->capture.flows.max_flows) &&
	    pthread_create(&pl->worker, NULL, classifier_thread, pl) == 0) {
		pl->threaded = true;
		consumer.packet = queue_packet;
		consumer.flow_end = queue_end;
		consumer.tick = queue_tick;
	} else {
		threads_free(pl);
	}
	/* A progress line only for a person watching: never in a pipe or a
	 * log, never with -q. */
	if (!in->capture.quiet && isatty(STDERR_FILENO))
		consumer.progress = show_progress;
	pl->cap = capture_new(&capo, &consumer);
	rule_ports_free(&rp);  /* capture and classifier keep copies */
	if (!pl->cap) {
		cli_error("out of memory setting up a flow table of %u flows",
			  in->capture.flows.max_flows);
		threads_join(pl);
		threads_free(pl);
		classifier_free(pl->cls);
		return false;
	}
	input_options_apply(in, pl->cap);
	return true;
}

void pipeline_close(struct pipeline *pl)
{
	threads_join(pl);
	threads_free(pl);
	capture_free(pl->cap);
	classifier_free(pl->cls);
	memset(pl, 0, sizeof(*pl));
}

static struct capture *volatile running;

/* SIGINT/SIGTERM end a run cleanly: the flows so far are still reported. */
static void stop_on_signal(int sig)
{
	(void)sig;
	if (running)
		capture_stop(running);
}

int pipeline_run(struct pipeline *pl)
{
	struct sigaction sa, old_int, old_term;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stop_on_signal;
	sigemptyset(&sa.sa_mask);
	running = pl->cap;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	int rc = capture_run(pl->cap);
	threads_join(pl);
	if (pl->progress_shown)
		fputs("\r\033[K", stderr);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	running = NULL;
	return rc;
}

void pipeline_summary(const struct pipeline *pl, FILE *f)
{
	struct classifier_stats s;

	summary_print(f, pl->cap);
	classifier_stats(pl->cls, &s);
	fprintf(f, "flowaudit: nDPI saw %llu flows (%llu packets, at most %llu "
		"at once); %llu DNS messages (%llu unparsable); %llu names held, "
		"%llu refused; name index %llu entries, %llu evicted\n",
		(unsigned long long)s.dpi_flows, (unsigned long long)s.dpi_packets,
		(unsigned long long)s.dpi_peak_states,
		(unsigned long long)s.dns_messages, (unsigned long long)s.dns_unparsed,
		(unsigned long long)s.names_held, (unsigned long long)s.names_refused,
		(unsigned long long)s.name_index_entries,
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
}
