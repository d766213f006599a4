/* batch_queue.c - see batch_queue.h. */
#include <pthread.h>
#include <stdlib.h>

#include "batch_queue.h"

struct batch {
	uint8_t *data;
	size_t used;
};

struct batch_queue {
	struct batch_pool *pool;
	pthread_cond_t changed;   /* full ring grew, or closed: for the consumer */
	/* Ring of full batch indexes, oldest first; holds at most pool->n. */
	unsigned *full;
	unsigned full_head, full_count;
	bool closed;
	int filling;   /* the producer's batch, -1 none */
	int draining;  /* the consumer's batch, -1 none */
	/* Set by the consumer while it waits with nothing to do; read by the
	 * producer under the lock when it must wait itself (feed_starving).
	 * Handing a part-filled batch to a starving worker at every packet
	 * was tried: in `audit` the workers starve most of the time, and the
	 * wake-ups cost the reader, the busiest thread, more than it saved. */
	bool starving;
};

struct batch_pool {
	pthread_mutex_t lock;     /* everything below, and every queue's rings */
	pthread_cond_t freed;     /* a batch went back: for the producer */
	struct batch *batches;
	unsigned n;
	size_t size;
	unsigned *free_;          /* ring of free batch indexes */
	unsigned free_head, free_count;
	unsigned nqueues;
	struct batch_queue *queues;
	bool lock_ready;
};

struct batch_pool *batch_pool_new(unsigned nqueues, unsigned nbatches, size_t batch_bytes)
{
	/* Each queue's producer may hold a batch it is filling: with no more
	 * batches than queues, every one could sit half full and nothing
	 * would ever reach a consumer. */
	if (!nqueues || nbatches <= nqueues)
		return NULL;
	struct batch_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->n = nbatches;
	p->size = batch_bytes;
	p->batches = calloc(nbatches, sizeof(*p->batches));
	p->free_ = calloc(nbatches, sizeof(unsigned));
	p->queues = calloc(nqueues, sizeof(*p->queues));
	if (!p->batches || !p->free_ || !p->queues) {
		batch_pool_free(p);
		return NULL;
	}
	for (unsigned i = 0; i < nbatches; i++) {
		p->batches[i].data = malloc(batch_bytes);
		if (!p->batches[i].data) {
			batch_pool_free(p);
			return NULL;
		}
		p->free_[i] = i;
	}
	p->free_count = nbatches;
	for (unsigned i = 0; i < nqueues; i++, p->nqueues++) {
		struct batch_queue *q = &p->queues[i];
		q->pool = p;
		q->full = calloc(nbatches, sizeof(unsigned));
		if (!q->full) {
			batch_pool_free(p);
			return NULL;
		}
		q->filling = q->draining = -1;
		pthread_cond_init(&q->changed, NULL);
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->freed, NULL);
	p->lock_ready = true;
	return p;
}

void batch_pool_free(struct batch_pool *p)
{
	if (!p)
		return;
	if (p->lock_ready) {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->freed);
	}
	for (unsigned i = 0; i < p->nqueues; i++) {
		free(p->queues[i].full);
		pthread_cond_destroy(&p->queues[i].changed);
	}
	for (unsigned i = 0; p->batches && i < p->n; i++)
		free(p->batches[i].data);
	free(p->batches);
	free(p->free_);
	free(p->queues);
	free(p);
}

struct batch_queue *batch_pool_queue(struct batch_pool *p, unsigned i)
{
	return i < p->nqueues ? &p->queues[i] : NULL;
}

/* With the lock held: batch b back to the free ring. */
static void put_free(struct batch_pool *p, unsigned b)
{
	p->batches[b].used = 0;
	p->free_[(p->free_head + p->free_count) % p->n] = b;
	p->free_count++;
	pthread_cond_signal(&p->freed);
}

/* With the lock held: the producer's batch goes to the consumer. */
static void hand_over(struct batch_queue *q)
{
	struct batch_pool *p = q->pool;

	if (q->filling < 0)
		return;
	if (p->batches[q->filling].used) {
		q->full[(q->full_head + q->full_count) % p->n] = (unsigned)q->filling;
		q->full_count++;
		pthread_cond_signal(&q->changed);
	} else {
		put_free(p, (unsigned)q->filling);
	}
	q->filling = -1;
}

/* With the lock held, about to wait for a free batch: a consumer with
 * nothing to do gets what the producer has gathered for it, rather than
 * idle until the producer next has a message for it. */
static void feed_starving(struct batch_pool *p)
{
	for (unsigned i = 0; i < p->nqueues; i++) {
		struct batch_queue *q = &p->queues[i];
		if (q->filling >= 0 && q->starving)
			hand_over(q);
	}
}

void *batch_queue_reserve(struct batch_queue *q, size_t len)
{
	struct batch_pool *p = q->pool;

	len = (len + 7) & ~(size_t)7;
	if (len > p->size)
		return NULL;
	if (q->filling >= 0 && p->batches[q->filling].used + len <= p->size) {
		struct batch *b = &p->batches[q->filling];
		void *m = b->data + b->used;
		b->used += len;
		return m;
	}
	pthread_mutex_lock(&p->lock);
	hand_over(q);
	while (!p->free_count) {
		feed_starving(p);
		if (p->free_count)
			break;
		pthread_cond_wait(&p->freed, &p->lock);
	}
	q->filling = (int)p->free_[p->free_head];
	p->free_head = (p->free_head + 1) % p->n;
	p->free_count--;
	pthread_mutex_unlock(&p->lock);
	struct batch *b = &p->batches[q->filling];
	b->used = len;
	return b->data;
}

void batch_queue_flush(struct batch_queue *q)
{
	pthread_mutex_lock(&q->pool->lock);
	hand_over(q);
	pthread_mutex_unlock(&q->pool->lock);
}

void batch_queue_close(struct batch_queue *q)
{
	pthread_mutex_lock(&q->pool->lock);
	hand_over(q);
	q->closed = true;
	pthread_cond_signal(&q->changed);
	pthread_mutex_unlock(&q->pool->lock);
}

bool batch_queue_next(struct batch_queue *q, const uint8_t **data, size_t *len)
{
	struct batch_pool *p = q->pool;

	pthread_mutex_lock(&p->lock);
	while (!q->full_count && !q->closed) {
		if (!q->starving) {
			q->starving = true;
			/* A producer waiting for a free batch may hold work for
			 * this queue: it looks again (feed_starving). */
			pthread_cond_signal(&p->freed);
		}
		pthread_cond_wait(&q->changed, &p->lock);
	}
	q->starving = false;
	if (!q->full_count) {
		pthread_mutex_unlock(&p->lock);
		return false;
	}
	q->draining = (int)q->full[q->full_head];
	q->full_head = (q->full_head + 1) % p->n;
	q->full_count--;
	pthread_mutex_unlock(&p->lock);
	*data = p->batches[q->draining].data;
	*len = p->batches[q->draining].used;
	return true;
}

void batch_queue_release(struct batch_queue *q)
{
	struct batch_pool *p = q->pool;

	pthread_mutex_lock(&p->lock);
	if (q->draining >= 0) {
		put_free(p, (unsigned)q->draining);
		q->draining = -1;
	}
	pthread_mutex_unlock(&p->lock);
}
