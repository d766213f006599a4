/* pipeline_threads.c - a capture consumer on its own thread (see
 * pipeline_threads.h). */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "batch_queue.h"
#include "pipeline_threads.h"

#define BATCHES 8
#define BATCH_BYTES (1u << 19)

struct consumer_thread {
	struct capture_consumer inner;
	struct batch_queue *q;
	pthread_t thread;
	enum { NOT_STARTED, RUNNING, DIRECT, JOINED } state;

	/* "No more packets of this flow", per flow slot. gen is the capture
	 * thread's own: how many flows have ended in the slot. done_gen is set
	 * by the consumer thread to the gen of a flow whose packets it wants
	 * no more, and read by the capture thread; UINT32_MAX at first. */
	uint32_t nslots;
	uint32_t *gen;
	atomic_uint_least32_t *done_gen;

	/* Ticks handed over and ticks the consumer has returned from. */
	pthread_mutex_t tick_lock;
	pthread_cond_t tick_done;
	uint64_t ticks_sent, ticks_done;
	bool tick_sync_ready;           /* tick_lock and tick_done made */
};

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

static size_t aligned(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void *consumer_main(void *arg);

/* ---- the capture thread's side ---- */

/* The thread starts with the first call to hand over: by then the capture
 * has opened its input and, reading a live interface, dropped privileges.
 * Capabilities belong to each thread (capset(2)): a thread started before
 * the drop would keep them. False when it cannot start: then every call
 * goes straight to the consumer, on this thread. */
static bool started(struct consumer_thread *t)
{
	if (t->state == RUNNING)
		return true;
	if (t->state != NOT_STARTED)
		return false;
	/* The thread starts with every signal blocked, and keeps them so. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&t->thread, NULL, consumer_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	t->state = rc == 0 ? RUNNING : DIRECT;
	return rc == 0;
}

/* A packet the consumer still wants, copied with its bytes. */
static bool queue_packet(void *ctx, const struct flow_update *u, const struct packet *p)
{
	struct consumer_thread *t = ctx;
	uint32_t slot = u->slot;

	if (!started(t))
		return t->inner.packet(t->inner.ctx, u, p);
	if (slot >= t->nslots)
		return false;
	if (atomic_load_explicit(&t->done_gen[slot], memory_order_relaxed) == t->gen[slot])
		return false;
	const uint8_t *l3 = p->l3, *pay = p->payload;
	size_t l3_len = l3 ? p->l3_caplen : 0;
	bool pay_inside = pay && l3 && pay >= l3 && pay + p->payload_caplen <= l3 + l3_len;
	size_t pay_len = pay && !pay_inside ? p->payload_caplen : 0;
	size_t len = aligned(sizeof(struct msg_packet) + l3_len + pay_len);
	struct msg_packet *m = batch_queue_reserve(t->q, len);
	if (!m)
		return true;  /* larger than a batch: cannot happen for IP */
	m->h.type = MSG_PACKET;
	m->h.len = (uint32_t)len;
	m->gen = t->gen[slot];
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
	struct consumer_thread *t = ctx;

	if (!started(t)) {
		t->inner.flow_end(t->inner.ctx, r, slot);
		return;
	}
	struct msg_end *m = batch_queue_reserve(t->q, aligned(sizeof(*m)));

	m->h.type = MSG_END;
	m->h.len = (uint32_t)aligned(sizeof(*m));
	m->slot = slot;
	m->r = *r;
	if (slot < t->nslots)
		t->gen[slot]++;  /* the next flow in this slot is a new one */
}

/* Hands the tick over with everything before it and waits until the
 * consumer has returned from it: meanwhile the capture stands still. */
static void queue_tick(void *ctx, uint64_t now_us)
{
	struct consumer_thread *t = ctx;

	if (!started(t)) {
		t->inner.tick(t->inner.ctx, now_us);
		return;
	}
	struct msg_tick *m = batch_queue_reserve(t->q, aligned(sizeof(*m)));

	m->h.type = MSG_TICK;
	m->h.len = (uint32_t)aligned(sizeof(*m));
	m->now_us = now_us;
	t->ticks_sent++;
	batch_queue_flush(t->q);
	pthread_mutex_lock(&t->tick_lock);
	while (t->ticks_done != t->ticks_sent)
		pthread_cond_wait(&t->tick_done, &t->tick_lock);
	pthread_mutex_unlock(&t->tick_lock);
}

/* Progress is for the person watching the capture: passed straight on. */
static void pass_progress(void *ctx, const struct capture_progress *p)
{
	struct consumer_thread *t = ctx;
	t->inner.progress(t->inner.ctx, p);
}

/* ---- the consumer thread's side ---- */

static void run_message(struct consumer_thread *t, const struct msg_head *h)
{
	const struct capture_consumer *c = &t->inner;

	switch (h->type) {
	case MSG_PACKET: {
		const struct msg_packet *m = (const void *)h;
		if (!c->packet(c->ctx, &m->u, &m->p))
			atomic_store_explicit(&t->done_gen[m->u.slot], m->gen,
					      memory_order_relaxed);
		break;
	}
	case MSG_END: {
		const struct msg_end *m = (const void *)h;
		c->flow_end(c->ctx, &m->r, m->slot);
		break;
	}
	case MSG_TICK:
		c->tick(c->ctx, ((const struct msg_tick *)h)->now_us);
		pthread_mutex_lock(&t->tick_lock);
		t->ticks_done++;
		pthread_cond_signal(&t->tick_done);
		pthread_mutex_unlock(&t->tick_lock);
		break;
	}
}

static void *consumer_main(void *arg)
{
	struct consumer_thread *t = arg;
	const uint8_t *data;
	size_t len;

	while (batch_queue_next(t->q, &data, &len)) {
		for (size_t off = 0; off + sizeof(struct msg_head) <= len;) {
			const struct msg_head *h = (const void *)(data + off);
			run_message(t, h);
			off += h->len;
		}
		batch_queue_release(t->q);
	}
	return NULL;
}

/* ---- life ---- */

static void release(struct consumer_thread *t)
{
	batch_queue_free(t->q);
	free(t->gen);
	free(t->done_gen);
	if (t->tick_sync_ready) {
		pthread_mutex_destroy(&t->tick_lock);
		pthread_cond_destroy(&t->tick_done);
	}
	free(t);
}

struct consumer_thread *consumer_thread_start(const struct capture_consumer *inner,
					      uint32_t nslots,
					      struct capture_consumer *outer)
{
	struct consumer_thread *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->inner = *inner;
	t->nslots = nslots;
	t->gen = calloc(nslots, sizeof(*t->gen));
	t->done_gen = malloc((size_t)nslots * sizeof(*t->done_gen));
	t->q = batch_queue_new(BATCHES, BATCH_BYTES);
	if (!t->gen || !t->done_gen || !t->q) {
		release(t);
		return NULL;
	}
	for (uint32_t i = 0; i < nslots; i++)
		atomic_init(&t->done_gen[i], UINT32_MAX);
	if (pthread_mutex_init(&t->tick_lock, NULL) != 0) {
		release(t);
		return NULL;
	}
	if (pthread_cond_init(&t->tick_done, NULL) != 0) {
		pthread_mutex_destroy(&t->tick_lock);
		release(t);
		return NULL;
	}
	t->tick_sync_ready = true;

	memset(outer, 0, sizeof(*outer));
	outer->ctx = t;
	outer->packet = inner->packet ? queue_packet : NULL;
	outer->flow_end = inner->flow_end ? queue_end : NULL;
	outer->tick = inner->tick ? queue_tick : NULL;
	outer->progress = inner->progress ? pass_progress : NULL;
	return t;
}

void consumer_thread_finish(struct consumer_thread *t)
{
	if (!t || t->state != RUNNING)
		return;
	batch_queue_close(t->q);
	pthread_join(t->thread, NULL);
	t->state = JOINED;
}

void consumer_thread_free(struct consumer_thread *t)
{
	if (!t)
		return;
	consumer_thread_finish(t);
	release(t);
}
