/* pipeline_threads.h - a capture sharded over worker threads.
 *
 * With --threads N (N > 1) the capture that reads the input is a reader
 * (capture_new_reader): it reads and decodes each frame - fragments
 * reassembled, tunnels opened - on the main thread and routes every decoded
 * packet, by packet_shard(), to one of N workers. Each worker has a flow
 * table and a classifier of its own and runs on its own thread; the
 * routing keeps every packet of a flow and its fragments on one worker
 * (packet_shard_hash), so each flow is tracked whole, as one thread would
 * track it. An ICMP error is both a flow of its own and evidence about the
 * flow it quotes: it goes to the worker of the flow its error flow's first
 * error quoted, and, when a later one quotes a flow of another worker,
 * there too as evidence only.
 *
 * What one thread would have seen across flows is kept as well:
 *  - names: a flow's name can come from a DNS answer in another flow, on
 *    another worker. DNS packets go to their flow's worker and, to every
 *    other, as "learn" messages that only feed the name index, in the
 *    order the reader read them; so each worker's index holds, at each
 *    packet, what one thread's would;
 *  - time: every tick goes to every worker, after the packets before it;
 *    each expires its idle flows at the same packet time one thread would.
 *    When the command has a tick of its own (watch) the reader waits at
 *    each tick until every worker has reached it: the command's tick then
 *    sees every worker standing still (their open flows, their figures).
 *
 * Each worker has its own queue of batches from one bounded pool
 * (batch_queue.h): no allocation per packet; a worker may run ahead of an
 * even share while traffic favours it, and the reader waits only when the
 * whole pool is full. Workers start with the first message, once the capture has
 * opened its input and dropped privileges (capabilities belong to each
 * thread, capset(2): a thread started before the drop would keep them),
 * and with every signal blocked: SIGINT, SIGTERM and the command's own go
 * to the reader. A worker whose thread cannot start is run on the reader.
 */
#ifndef FLOWAUDIT_PIPELINE_THREADS_H
#define FLOWAUDIT_PIPELINE_THREADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"

#define SHARD_WORKERS_MAX 64
/* Workers a run takes by default, however many CPUs it may use: one reader
 * feeds only so many. On the bench capture the reader's share of the CPU
 * at two workers (perf record, by thread) says it keeps up with about 6.5
 * workers' worth of `flows` and 2.4 of `audit`; each worker beyond that
 * only costs its start (about 35 ms: its own nDPI module) and its memory
 * (about 7 MiB). --threads still asks for up to SHARD_WORKERS_MAX. */
#define SHARD_DEFAULT_WORKERS_MAX 8

/* What a worker does with what the reader routes to it; each called on the
 * worker's thread with that worker's ctx, but reads_bytes. */
struct shard_ops {
	/* Whether the worker may read p's bytes (l3, payload) or only its
	 * lengths; on the reader's thread, so it reads only what a run does
	 * not change. NULL: always. */
	bool (*reads_bytes)(void *ctx, const struct packet *p);
	/* digest: the reader's parse of the packet's DNS message
	 * (classify/dns_digest.h), or NULL. */
	void (*packet)(void *ctx, const struct packet *p, bool to_consumer,
		       const void *digest, size_t digest_len);
	void (*learn)(void *ctx, const struct packet *p);  /* a DNS packet of
							    * another worker's */
	/* The same, parsed once by the reader: p without its bytes. */
	void (*learn_digest)(void *ctx, const struct packet *p, const void *digest,
			     size_t digest_len);
	/* An ICMP error whose own flow another worker tracks, quoting a flow
	 * of this one. */
	void (*icmp_evidence)(void *ctx, const struct packet *p);
	void (*expire)(void *ctx, uint64_t now_us);
	void (*finish)(void *ctx);
};

struct shard_pool;

/* The default number of workers for a run that may use cpus CPUs: cpus,
 * at most SHARD_DEFAULT_WORKERS_MAX, at least 1. */
unsigned shard_default_workers(long cpus);

/* n workers (2 to SHARD_WORKERS_MAX), worker i acting on ctx[i]; fills
 * *router for capture_new_reader. sync_ticks: the reader waits at each
 * tick until every worker has expired its flows. NULL when the memory for
 * the queues cannot be had. */
struct shard_pool *shard_pool_new(unsigned n, const struct shard_ops *ops,
				  void *const *ctx, bool sync_ticks,
				  struct capture_router *router);

/* The reading is done: every message handed over is acted on, then the
 * workers end. Once; later calls do nothing. */
void shard_pool_finish(struct shard_pool *p);

/* Finishes (if not yet) and frees; p may be NULL. */
void shard_pool_free(struct shard_pool *p);

#endif
