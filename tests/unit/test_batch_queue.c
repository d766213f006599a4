/* test_batch_queue.c - the reader's hand-over to its workers
 * (cli/batch_queue.h): every message arrives, in order, on its own queue;
 * one queue may hold more than an even share of the shared pool; a worker
 * waiting for work gets a part-filled batch when the reader must wait too.
 * A run that would hang instead is stopped by an alarm: a failure. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/batch_queue.h"
#include "tap.h"

#define BATCH 4096
#define MSG 64            /* bytes per message: 64 to a batch */
#define QUEUES 3
#define MESSAGES 200000

struct msg {
	uint32_t queue;
	uint32_t seq;
	uint8_t pad[MSG - 8];
};

struct consumer {
	struct batch_queue *q;
	unsigned index;
	uint32_t got;        /* messages taken */
	bool in_order;       /* each one the next of its queue */
};

static void *consume(void *arg)
{
	struct consumer *c = arg;
	const uint8_t *data;
	size_t len;

	c->in_order = true;
	while (batch_queue_next(c->q, &data, &len)) {
		for (size_t off = 0; off + MSG <= len; off += MSG) {
			const struct msg *m = (const void *)(data + off);
			if (m->queue != c->index || m->seq != c->got)
				c->in_order = false;
			c->got++;
		}
		batch_queue_release(c->q);
	}
	return NULL;
}

/* Skewed like traffic: long runs for one queue, then the others. */
static unsigned queue_of(uint32_t i)
{
	return (i / 5000) % 4 == 0 ? 0 : i % QUEUES;
}

static void test_order(void)
{
	struct batch_pool *p = batch_pool_new(QUEUES, 2 * QUEUES, BATCH);
	struct consumer c[QUEUES];
	pthread_t t[QUEUES];
	uint32_t sent[QUEUES] = { 0 };

	ok(p != NULL, "a pool of 6 batches for 3 queues");
	if (!p)
		return;
	for (unsigned i = 0; i < QUEUES; i++) {
		c[i] = (struct consumer){ .q = batch_pool_queue(p, i), .index = i };
		pthread_create(&t[i], NULL, consume, &c[i]);
	}
	for (uint32_t i = 0; i < MESSAGES; i++) {
		unsigned k = queue_of(i);
		struct msg *m = batch_queue_reserve(batch_pool_queue(p, k), MSG);
		m->queue = k;
		m->seq = sent[k]++;
	}
	for (unsigned i = 0; i < QUEUES; i++)
		batch_queue_close(batch_pool_queue(p, i));
	bool all = true, order = true;
	for (unsigned i = 0; i < QUEUES; i++) {
		pthread_join(t[i], NULL);
		all &= c[i].got == sent[i];
		order &= c[i].in_order;
	}
	ok(all, "every message arrives on its queue (%u, %u, %u)", c[0].got, c[1].got,
	   c[2].got);
	ok(order, "in the order it was put");
	batch_pool_free(p);
}

/* With no consumer running, one queue takes 7 of a pool's 8 batches (a
 * queue of its own would have had 4): the producer does not wait while a
 * batch is free. */
static void test_uneven_share(void)
{
	struct batch_pool *p = batch_pool_new(2, 8, BATCH);
	struct batch_queue *q0 = batch_pool_queue(p, 0);

	for (unsigned i = 0; i < 7 * (BATCH / MSG); i++)
		memset(batch_queue_reserve(q0, MSG), 0, MSG);
	batch_queue_flush(q0);
	ok(1, "one queue filled 7 of 8 batches without waiting");
	struct consumer c = { .q = q0, .index = 0 };
	batch_queue_close(q0);
	batch_queue_close(batch_pool_queue(p, 1));
	const uint8_t *data;
	size_t len;
	unsigned batches = 0;
	while (batch_queue_next(q0, &data, &len)) {
		batches++;
		c.got += (uint32_t)(len / MSG);
		batch_queue_release(q0);
	}
	ok(batches == 7 && c.got == 7 * (BATCH / MSG), "and its worker gets them all (%u batches)",
	   batches);
	batch_pool_free(p);
}

/* Three batches, two queues: queue 1 has one message in a part-filled
 * batch and its worker waits; queue 0 fills the other two and wants a
 * third. The reader, about to wait for a free batch, hands queue 1's over:
 * its worker takes the message and frees the batch, and the reader goes
 * on though queue 0's worker never runs. */
static void test_starving_worker_fed(void)
{
	struct batch_pool *p = batch_pool_new(2, 3, BATCH);
	struct batch_queue *q0 = batch_pool_queue(p, 0), *q1 = batch_pool_queue(p, 1);
	struct consumer c1 = { .q = q1, .index = 1 };
	pthread_t t;

	struct msg *m = batch_queue_reserve(q1, MSG);
	m->queue = 1;
	m->seq = 0;
	pthread_create(&t, NULL, consume, &c1);
	/* The worker is waiting by now, or soon is: either way it is fed. */
	nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	for (unsigned i = 0; i < 3 * (BATCH / MSG); i++)
		memset(batch_queue_reserve(q0, MSG), 0, MSG);
	batch_queue_close(q1);
	pthread_join(t, NULL);
	ok(c1.got == 1 && c1.in_order,
	   "a waiting worker is handed its part-filled batch when the reader must wait");
	batch_queue_close(q0);
	batch_pool_free(p);
}

static void test_refusals(void)
{
	ok(batch_pool_new(2, 2, BATCH) == NULL,
	   "a pool with no more batches than queues is refused (it could stall)");
	struct batch_pool *p = batch_pool_new(1, 2, BATCH);
	ok(p && batch_queue_reserve(batch_pool_queue(p, 0), BATCH + 8) == NULL,
	   "a message larger than a batch is refused");
	ok(p && batch_pool_queue(p, 1) == NULL, "there is no queue past the last");
	batch_pool_free(p);
}

int main(void)
{
	alarm(60);  /* SIGALRM ends a run that hangs, and that is a failure */
	test_order();
	test_uneven_share();
	test_starving_worker_fed();
	test_refusals();
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}
