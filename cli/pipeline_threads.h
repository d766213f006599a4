/* pipeline_threads.h - a capture consumer moved onto a thread of its own.
 *
 * The capture calls a consumer (struct capture_consumer) for each packet a
 * flow still wants, each ended flow and each tick. On one thread that
 * consumer is called directly. consumer_thread_start() instead gives the
 * capture a stand-in that copies each call, with the packet's bytes, into a
 * batch queue (batch_queue.h); a second thread replays them, in the order
 * they were made, into the real consumer. What the consumer does, and what
 * it writes, is therefore what one thread would have done.
 *
 * Two things go back to the capture thread:
 *  - "no more packets of this flow": the consumer's packet() answer, kept
 *    per flow slot as a generation the consumer thread sets and the capture
 *    thread reads (a packet or two may still be sent meanwhile; the
 *    consumer ignores them, as it would have been done with them anyway);
 *  - the end of each tick: the capture thread waits at a tick until the
 *    consumer's tick() has returned. So a tick may look at the capture (its
 *    open flows, its figures, its filter) exactly as it stands at that tick,
 *    as on one thread: the capture does not move meanwhile. Ticks come once
 *    a second of packet time, and only consumers with a tick() have them.
 *
 * Signals are blocked on the consumer thread: SIGINT, SIGTERM and the
 * command's own go to the capture thread.
 */
#ifndef FLOWAUDIT_PIPELINE_THREADS_H
#define FLOWAUDIT_PIPELINE_THREADS_H

#include <stdint.h>

#include "capture/capture.h"

struct consumer_thread;

/* Sets up a thread to run inner's packet, flow_end and tick, and fills
 * *outer with the consumer the capture is to call instead (it calls inner's
 * progress directly, on the capture thread). nslots: the flow table's
 * slots. The thread itself starts with the first call handed over, once
 * the capture has opened its input and dropped privileges (a thread started
 * before would keep capabilities the drop took away); when it cannot start,
 * the calls go straight to inner. NULL when the memory for the queue cannot
 * be had: then call inner directly. */
struct consumer_thread *consumer_thread_start(const struct capture_consumer *inner,
					      uint32_t nslots,
					      struct capture_consumer *outer);

/* The capture is done: every call handed over is acted on, then the thread
 * ends. Once; later calls do nothing. */
void consumer_thread_finish(struct consumer_thread *t);

/* Finishes (if not yet) and frees; t may be NULL. */
void consumer_thread_free(struct consumer_thread *t);

#endif
