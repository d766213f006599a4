/* batch_queue.c - see batch_queue.h. */
#include <pthread.h>
#include <stdlib.h>

#include "batch_queue.h"

struct batch {
	uint8_t *data;
	size_t used;
};

struct batch_queue {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct batch *batches;
	unsigned n;
	size_t size;
	/* Rings of batch indexes: full ones for the consumer, free ones for the
	 * producer; each holds at most n. */
	unsigned *full, *free_;
	unsigned full_head, full_count, free_head, free_count;
	bool closed;
	int filling;   /* the producer's batch, -1 none */
	int draining;  /* the consumer's batch, -1 none */
};

struct batch_queue *batch_queue_new(unsigned nbatches, size_t batch_bytes)
{
	struct batch_queue *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->batches = calloc(nbatches, sizeof(*q->batches));
	q->full = calloc(nbatches, sizeof(unsigned));
	q->free_ = calloc(nbatches, sizeof(unsigned));
	if (!q->batches || !q->full || !q->free_) {
		batch_queue_free(q);
		return NULL;
	}
	q->n = nbatches;
	q->size = batch_bytes;
	for (unsigned i = 0; i < nbatches; i++) {
		q->batches[i].data = malloc(batch_bytes);
		if (!q->batches[i].data) {
			batch_queue_free(q);
			return NULL;
		}
		q->free_[i] = i;
	}
	q->free_count = nbatches;
	q->filling = q->draining = -1;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->changed, NULL);
	return q;
}

void batch_queue_free(struct batch_queue *q)
{
	if (!q)
		return;
	if (q->n) {
		pthread_mutex_destroy(&q->lock);
		pthread_cond_destroy(&q->changed);
	}
	for (unsigned i = 0; q->batches && i < q->n; i++)
		free(q->batches[i].data);
	free(q->batches);
	free(q->full);
	free(q->free_);
	free(q);
}

/* With the lock held: the producer's batch goes to the consumer. */
static void hand_over(struct batch_queue *q)
{
	if (q->filling < 0)
		return;
	if (q->batches[q->filling].used) {
		q->full[(q->full_head + q->full_count) % q->n] = (unsigned)q->filling;
		q->full_count++;
	} else {
		q->free_[(q->free_head + q->free_count) % q->n] = (unsigned)q->filling;
		q->free_count++;
	}
	q->filling = -1;
	pthread_cond_broadcast(&q->changed);
}

void *batch_queue_reserve(struct batch_queue *q, size_t len)
{
	len = (len + 7) & ~(size_t)7;
	if (len > q->size)
		return NULL;
	if (q->filling >= 0 && q->batches[q->filling].used + len <= q->size) {
		struct batch *b = &q->batches[q->filling];
		void *p = b->data + b->used;
		b->used += len;
		return p;
	}
	pthread_mutex_lock(&q->lock);
	hand_over(q);
	while (!q->free_count)
		pthread_cond_wait(&q->changed, &q->lock);
	q->filling = (int)q->free_[q->free_head];
	q->free_head = (q->free_head + 1) % q->n;
	q->free_count--;
	pthread_mutex_unlock(&q->lock);
	struct batch *b = &q->batches[q->filling];
	b->used = len;
	return b->data;
}

void batch_queue_flush(struct batch_queue *q)
{
	pthread_mutex_lock(&q->lock);
	hand_over(q);
	pthread_mutex_unlock(&q->lock);
}

void batch_queue_close(struct batch_queue *q)
{
	pthread_mutex_lock(&q->lock);
	hand_over(q);
	q->closed = true;
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->lock);
}

bool batch_queue_next(struct batch_queue *q, const uint8_t **data, size_t *len)
{
	pthread_mutex_lock(&q->lock);
	while (!q->full_count && !q->closed)
		pthread_cond_wait(&q->changed, &q->lock);
	if (!q->full_count) {
		pthread_mutex_unlock(&q->lock);
		return false;
	}
	q->draining = (int)q->full[q->full_head];
	q->full_head = (q->full_head + 1) % q->n;
	q->full_count--;
	pthread_mutex_unlock(&q->lock);
	*data = q->batches[q->draining].data;
	*len = q->batches[q->draining].used;
	return true;
}

void batch_queue_release(struct batch_queue *q)
{
	pthread_mutex_lock(&q->lock);
	if (q->draining >= 0) {
		q->batches[q->draining].used = 0;
		q->free_[(q->free_head + q->free_count) % q->n] = (unsigned)q->draining;
		q->free_count++;
		q->draining = -1;
		pthread_cond_broadcast(&q->changed);
	}
	pthread_mutex_unlock(&q->lock);
}
