/* batch_queue.h - handing work from the reader thread to its workers
 * (pipeline_threads.h): one producer (the reader) for all the queues, one
 * consumer (a worker) per queue. Messages are copied into fixed batches
 * that circulate between a free ring the workers share and each worker's
 * ring of full batches; handing over a batch at a time keeps locking off
 * the per-packet path.
 * The batches are one pool for all the workers: memory is bounded by the
 * pool (the producer waits when none is free), while a worker that traffic
 * favours for a while (one big flow) can take more than an even share
 * instead of the reader stopping for it as the others run dry. When the
 * reader must wait for a batch, a worker waiting for work is first handed
 * the part-filled batch the reader holds for it.
 * Messages arrive in the order they were put: a worker sees its packets,
 * ticks and DNS answers in the order the reader read them. */
#ifndef FLOWAUDIT_BATCH_QUEUE_H
#define FLOWAUDIT_BATCH_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct batch_pool;
struct batch_queue;

/* nbatches buffers of batch_bytes each (a message must fit in one) for
 * nqueues queues; NULL when out of memory or nbatches <= nqueues (the
 * producer may hold one part-filled batch per queue: one more keeps work
 * moving). */
struct batch_pool *batch_pool_new(unsigned nqueues, unsigned nbatches, size_t batch_bytes);
void batch_pool_free(struct batch_pool *p);
/* Queue i of the pool (0 <= i < nqueues). */
struct batch_queue *batch_pool_queue(struct batch_pool *p, unsigned i);

/* Producer: room for a message of len bytes (8-aligned), valid until the
 * next call; NULL when len can never fit. */
void *batch_queue_reserve(struct batch_queue *q, size_t len);
/* Producer: hands over what is written now (a tick the consumer must see
 * before the producer goes on). */
void batch_queue_flush(struct batch_queue *q);
/* Producer: no more messages; the consumer's next returns false once all
 * are taken. */
void batch_queue_close(struct batch_queue *q);

/* Consumer: the next full batch (waits for one); false after close. */
bool batch_queue_next(struct batch_queue *q, const uint8_t **data, size_t *len);
/* Consumer: done with the batch next returned. */
void batch_queue_release(struct batch_queue *q);

#endif
