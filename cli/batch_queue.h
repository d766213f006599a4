/* batch_queue.h - handing work from the reader thread to one worker
 * (pipeline_threads.h): one producer, one consumer, messages copied into
 * fixed batches that circulate between a free list and a full list.
 * Handing over a batch at a time keeps locking off the per-packet path, and
 * the fixed pool keeps memory bounded (the producer waits when the consumer
 * falls behind). Messages arrive in the order they were put: a worker sees
 * its packets, ticks and DNS answers in the order the reader read them. */
#ifndef FLOWAUDIT_BATCH_QUEUE_H
#define FLOWAUDIT_BATCH_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct batch_queue;

/* nbatches buffers of batch_bytes each (a message must fit in one). */
struct batch_queue *batch_queue_new(unsigned nbatches, size_t batch_bytes);
void batch_queue_free(struct batch_queue *q);

/* Producer: room for a message of len bytes (8-aligned), valid until the
 * next call; NULL when len can never fit. */
void *batch_queue_reserve(struct batch_queue *q, size_t len);
/* Producer: no more messages; the consumer's next_batch returns false once
 * all are taken. */
/* Producer: hands over what is written now (a tick the consumer must see
 * before the producer goes on). */
void batch_queue_flush(struct batch_queue *q);
void batch_queue_close(struct batch_queue *q);

/* Consumer: the next full batch (waits for one); false after close. */
bool batch_queue_next(struct batch_queue *q, const uint8_t **data, size_t *len);
/* Consumer: done with the batch next returned. */
void batch_queue_release(struct batch_queue *q);

#endif
