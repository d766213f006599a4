/* pipeline_threads.c - a capture sharded over worker threads (see
 * pipeline_threads.h). */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "batch_queue.h"
#include "classify/dns_digest.h"
#include "classify/dns_parse.h"
#include "pipeline_threads.h"

#define BATCH_BYTES (1u << 19)  /* more than any packet: snaplen 262144 */
/* Batches in the pool per worker: enough to keep a worker busy while the
 * reader fills the next, and for one to run ahead while traffic favours it;
 * fewer each with many workers, to bound the total. */
#define BATCHES_FEW_WORKERS 8
#define BATCHES_MANY_WORKERS 4
#define FEW_WORKERS 8
#define DNS_PORT 53
/* ICMP address pairs whose worker is remembered (see icmp_owner). */
#define ICMP_OWNERS 4096
/* Room for one DNS message's digest: a few hundred bytes as a rule; one
 * that does not fit goes to the workers as its packet, parsed by each. */
#define DIGEST_BYTES 16384

enum worker_state { NOT_STARTED, RUNNING, DIRECT, JOINED };

struct shard_worker {
	struct shard_pool *pool;
	void *ctx;
	struct batch_queue *q;
	pthread_t thread;
	enum worker_state state;
};

struct shard_pool {
	struct shard_ops ops;
	unsigned n;
	struct shard_worker *w;
	struct batch_pool *batches;
	bool started;
	bool finished;
	bool sync_ticks;

	/* The worker of ICMP between two addresses (icmp_owner), by a hash
	 * of the pair. Direct-mapped, so bounded. */
	struct icmp_owner {
		uint64_t tag;
		unsigned worker;
		bool set;
	} icmp_owners[ICMP_OWNERS];

	/* The DNS answer being routed, parsed once here (route_packet). */
	struct dns_message *dns;
	uint8_t digest[DIGEST_BYTES];

	/* Ticks handed to every worker, and acknowledgements of them. */
	pthread_mutex_t tick_lock;
	pthread_cond_t tick_done;
	uint64_t ticks_sent, acks;
};

enum msg_type {
	MSG_PACKET = 1, MSG_TABLE_PACKET, MSG_LEARN, MSG_ICMP_EVIDENCE, MSG_TICK,
	MSG_FINISH
};

struct msg_head {
	uint32_t type;
	uint32_t len;
};

struct msg_packet {
	struct msg_head h;
	uint32_t digest_off, digest_len;  /* a DNS digest after the bytes; 0: none */
	struct packet p;
	uint8_t data[];  /* the IP header on (l3), then a payload kept apart,
			  * then the digest */
};

struct msg_tick {
	struct msg_head h;
	uint64_t now_us;
};

static size_t aligned(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* ---- the worker's side ---- */

static void ack_tick(struct shard_pool *pool)
{
	pthread_mutex_lock(&pool->tick_lock);
	pool->acks++;
	pthread_cond_signal(&pool->tick_done);
	pthread_mutex_unlock(&pool->tick_lock);
}

/* A packet message's work, with the digest of its DNS message if the
 * reader made one. */
static void run_packet(struct shard_worker *w, uint32_t type, const struct packet *p,
		       const void *digest, size_t digest_len)
{
	const struct shard_ops *ops = &w->pool->ops;

	switch (type) {
	case MSG_PACKET:
	case MSG_TABLE_PACKET:
		ops->packet(w->ctx, p, type == MSG_PACKET, digest, digest_len);
		break;
	case MSG_LEARN:
		if (digest)
			ops->learn_digest(w->ctx, p, digest, digest_len);
		else
			ops->learn(w->ctx, p);
		break;
	case MSG_ICMP_EVIDENCE:
		ops->icmp_evidence(w->ctx, p);
		break;
	}
}

/* own_thread: on the worker's thread, which acknowledges ticks; a worker
 * run on the reader (its thread could not start) has reached the tick when
 * this returns, and an acknowledgement the reader never counted would
 * leave it waiting for ever. */
static void run_message(struct shard_worker *w, const struct msg_head *h,
			bool own_thread)
{
	const struct shard_ops *ops = &w->pool->ops;

	switch (h->type) {
	case MSG_PACKET:
	case MSG_TABLE_PACKET:
	case MSG_LEARN:
	case MSG_ICMP_EVIDENCE: {
		const struct msg_packet *m = (const void *)h;
		const uint8_t *digest = m->digest_len ? (const uint8_t *)m + m->digest_off : NULL;
		run_packet(w, h->type, &m->p, digest, m->digest_len);
		break;
	}
	case MSG_TICK:
		ops->expire(w->ctx, ((const struct msg_tick *)h)->now_us);
		if (w->pool->sync_ticks && own_thread)
			ack_tick(w->pool);
		break;
	case MSG_FINISH:
		ops->finish(w->ctx);
		break;
	}
}

/* A batch was written on the reader's core, and each message's first
 * touch here waited for its lines to come across (a quarter of a worker's
 * time in `audit`, sampled). Asking for the lines PREFETCH_AHEAD bytes on
 * while the current message runs hides that wait; returns how far the
 * batch has been asked for. */
#define PREFETCH_AHEAD 2048
#define CACHE_LINE 64

static size_t prefetch_batch(const uint8_t *data, size_t len, size_t off,
			     size_t ahead)
{
	size_t want = off + PREFETCH_AHEAD < len ? off + PREFETCH_AHEAD : len;

	if (ahead < off)
		ahead = off;
	for (; ahead < want; ahead += CACHE_LINE)
		__builtin_prefetch(data + ahead);
	return ahead;
}

static void *worker_main(void *arg)
{
	struct shard_worker *w = arg;
	const uint8_t *data;
	size_t len;

	while (batch_queue_next(w->q, &data, &len)) {
		size_t ahead = 0;  /* prefetched up to here */
		for (size_t off = 0; off + sizeof(struct msg_head) <= len;) {
			const struct msg_head *h = (const void *)(data + off);
			ahead = prefetch_batch(data, len, off, ahead);
			run_message(w, h, true);
			off += h->len;
		}
		batch_queue_release(w->q);
	}
	return NULL;
}

/* ---- the reader's side ---- */

/* Every worker starts with the first message: by then the capture has
 * opened its input and, reading a live interface, dropped privileges. Each
 * starts with every signal blocked, and keeps them so. */
static void start_workers(struct shard_pool *pool)
{
	sigset_t all, old;

	pool->started = true;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned i = 0; i < pool->n; i++) {
		struct shard_worker *w = &pool->w[i];
		int rc = pthread_create(&w->thread, NULL, worker_main, w);
		w->state = rc == 0 ? RUNNING : DIRECT;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* The message as the worker would act on it, acted on here: a worker whose
 * thread could not start. */
static void run_direct(struct shard_worker *w, const struct msg_head *h)
{
	run_message(w, h, false);
}

/* What of a packet's bytes a message carries. */
enum carry {
	CARRY_BYTES,    /* all: its IP header on, and a payload kept apart */
	CARRY_LENGTHS,  /* none, but their lengths, which the flow table counts:
			 * for a worker that never reads them (no DPI, not
			 * DNS: classifier_reads_bytes) */
	CARRY_DIGEST,   /* none, nor their lengths: a digest says what they did */
};

/* A packet message of type for worker w, carrying what carry says, with
 * the digest (digest_len a multiple of 8) if there is one. */
static void put_packet(struct shard_worker *w, uint32_t type, const struct packet *p,
		       enum carry carry, const void *digest, size_t digest_len)
{
	bool bytes = carry == CARRY_BYTES;
	const uint8_t *l3 = bytes ? p->l3 : NULL, *pay = bytes ? p->payload : NULL;
	size_t l3_len = l3 ? p->l3_caplen : 0;
	bool pay_inside = pay && l3 && pay >= l3 && pay + p->payload_caplen <= l3 + l3_len;
	size_t pay_len = pay && !pay_inside ? p->payload_caplen : 0;
	size_t head_len = aligned(sizeof(struct msg_packet) + l3_len + pay_len);
	size_t len = head_len + digest_len;

	if (w->state == DIRECT) {
		run_packet(w, type, p, digest, digest_len);
		return;
	}
	struct msg_packet *m = batch_queue_reserve(w->q, len);
	if (!m)
		return;  /* larger than a batch: no captured packet is */
	m->h.type = type;
	m->h.len = (uint32_t)len;
	m->digest_off = (uint32_t)head_len;
	m->digest_len = (uint32_t)digest_len;
	if (digest_len)
		memcpy((uint8_t *)m + head_len, digest, digest_len);
	m->p = *p;
	if (l3_len)
		memcpy(m->data, l3, l3_len);
	m->p.l3 = l3_len ? m->data : NULL;
	if (!bytes) {
		m->p.payload = NULL;
		if (carry == CARRY_DIGEST)
			m->p.payload_caplen = m->p.l3_caplen = 0;
	} else if (pay_inside) {
		m->p.payload = m->data + (pay - l3);
	} else if (pay_len) {
		memcpy(m->data + l3_len, pay, pay_len);
		m->p.payload = m->data + l3_len;
	}
}

static void put_small(struct shard_worker *w, uint32_t type, uint64_t now_us)
{
	struct msg_tick tmp = { .h = { type, 0 }, .now_us = now_us };

	if (w->state == DIRECT) {
		run_direct(w, &tmp.h);
		return;
	}
	struct msg_tick *m = batch_queue_reserve(w->q, aligned(sizeof(*m)));
	*m = tmp;
	m->h.len = (uint32_t)aligned(sizeof(*m));
}

/* A DNS message that may carry answers a name index learns from: UDP
 * responses to a standard query (QR set, opcode QUERY) with no error in
 * the header's response code and at least one answer record, and any DNS
 * over TCP with bytes (a segment may hold a response's end). The reader
 * parses each of these (digest_answer) and every other worker learns from
 * it, so those that cannot teach anything (NXDOMAIN, empty answers: 416 of
 * the 2,711 UDP responses in the first 1/32 of the bench capture, tshark's
 * count) are left to their own worker. An extended
 * response code (EDNS) only adds high bits: a non-zero low half is an
 * error whatever they are. */
#define DNS_HEADER_LEN 12
static bool may_answer(const struct packet *p)
{
	if (!p->has_l4 || !p->payload_caplen ||
	    (p->sport != DNS_PORT && p->dport != DNS_PORT))
		return false;
	if (p->ip_proto == IP_PROTO_TCP)
		return true;
	if (p->ip_proto != IP_PROTO_UDP || p->payload_caplen < DNS_HEADER_LEN)
		return false;
	const uint8_t *h = p->payload;
	bool response = h[2] & 0x80, standard_query = ((h[2] >> 3) & 0x0f) == 0;
	bool no_error = (h[3] & 0x0f) == 0, answers = h[6] || h[7];
	return response && standard_query && no_error && answers;
}

/* An ICMP error is a packet of its own flow (router to sender) and
 * evidence about the flow it quotes. ICMP between two addresses goes to
 * one worker: that of the flow the first such packet quoted (its own
 * pair's when it quoted none), remembered by the pair; so each ICMP flow
 * stays whole and its first quote is matched, as on one thread. When a
 * later error quotes a flow of another worker, that worker gets it too,
 * as evidence only. */
static unsigned icmp_owner(struct shard_pool *pool, const struct packet *p,
			   unsigned quoted)
{
	uint64_t tag = packet_shard_hash(p, false);
	struct icmp_owner *o = &pool->icmp_owners[tag % ICMP_OWNERS];

	if (o->tag != tag || !o->set) {
		o->tag = tag;
		o->set = true;
		o->worker = quoted;
	}
	return o->worker;
}

static bool is_icmp(const struct packet *p)
{
	return p->ip_proto == IP_PROTO_ICMP || p->ip_proto == IP_PROTO_ICMPV6;
}

/* A DNS answer every worker learns from: parsed here, once, into
 * pool->digest. Returns the digest's length; 0 with *parsed false when it
 * is not a message (no worker would learn from it either), 0 with *parsed
 * true when it is one whose digest does not fit, or comes over TCP (where
 * a segment may hold several messages, or a part of one): each worker
 * then parses the packet itself. */
static size_t digest_answer(struct shard_pool *pool, const struct packet *p, bool *parsed)
{
	*parsed = true;
	if (p->ip_proto != IP_PROTO_UDP)
		return 0;
	if (!dns_parse(p->payload, p->payload_caplen, pool->dns)) {
		*parsed = false;
		return 0;
	}
	return dns_digest_pack(pool->dns, pool->digest, sizeof(pool->digest));
}

/* What the owner's message carries: the bytes only if its consumer reads
 * them (a packet for the flow table alone never is). */
static enum carry owner_carry(struct shard_pool *pool, unsigned owner,
			      const struct packet *p, bool to_consumer)
{
	if (!to_consumer)
		return CARRY_LENGTHS;
	if (pool->ops.reads_bytes && !pool->ops.reads_bytes(pool->w[owner].ctx, p))
		return CARRY_LENGTHS;
	return CARRY_BYTES;
}

static void route_packet(void *ctx, const struct packet *p, bool to_consumer)
{
	struct shard_pool *pool = ctx;
	unsigned owner = (unsigned)(packet_shard_hash(p, true) % pool->n);
	bool learn = to_consumer && may_answer(p), parsed = false;
	size_t digest_len = learn ? digest_answer(pool, p, &parsed) : 0;
	const void *digest = digest_len ? pool->digest : NULL;

	if (!pool->started)
		start_workers(pool);
	if (is_icmp(p)) {
		unsigned quoted = owner;
		owner = icmp_owner(pool, p, quoted);
		if (p->quote.present && owner != quoted)
			put_packet(&pool->w[quoted], MSG_ICMP_EVIDENCE, p, CARRY_BYTES,
				   NULL, 0);
	}
	put_packet(&pool->w[owner], to_consumer ? MSG_PACKET : MSG_TABLE_PACKET, p,
		   owner_carry(pool, owner, p, to_consumer), digest, digest_len);
	if (!learn || !parsed)
		return;
	for (unsigned i = 0; i < pool->n; i++)
		if (i != owner)
			put_packet(&pool->w[i], MSG_LEARN, p,
				   digest ? CARRY_DIGEST : CARRY_BYTES, digest, digest_len);
}

/* Hands the tick to every worker with everything before it; with
 * sync_ticks waits until each has expired its flows at it. */
static void route_tick(void *ctx, uint64_t now_us)
{
	struct shard_pool *pool = ctx;
	unsigned queued = 0;

	if (!pool->started)
		start_workers(pool);
	for (unsigned i = 0; i < pool->n; i++) {
		put_small(&pool->w[i], MSG_TICK, now_us);
		if (pool->w[i].state == RUNNING) {
			batch_queue_flush(pool->w[i].q);
			queued++;
		}
	}
	if (!pool->sync_ticks || !queued)
		return;
	pthread_mutex_lock(&pool->tick_lock);
	pool->ticks_sent += queued;
	while (pool->acks != pool->ticks_sent)
		pthread_cond_wait(&pool->tick_done, &pool->tick_lock);
	pthread_mutex_unlock(&pool->tick_lock);
}

static void route_finish(void *ctx)
{
	struct shard_pool *pool = ctx;

	if (!pool->started)
		start_workers(pool);
	for (unsigned i = 0; i < pool->n; i++)
		put_small(&pool->w[i], MSG_FINISH, 0);
}

/* ---- life ---- */

unsigned shard_default_workers(long cpus)
{
	if (cpus < 1)
		return 1;
	return cpus > SHARD_DEFAULT_WORKERS_MAX ? SHARD_DEFAULT_WORKERS_MAX : (unsigned)cpus;
}

static void release(struct shard_pool *pool)
{
	batch_pool_free(pool->batches);
	free(pool->dns);
	free(pool->w);
	pthread_mutex_destroy(&pool->tick_lock);
	pthread_cond_destroy(&pool->tick_done);
	free(pool);
}

struct shard_pool *shard_pool_new(unsigned n, const struct shard_ops *ops,
				  void *const *ctx, bool sync_ticks,
				  struct capture_router *router)
{
	if (n < 2 || n > SHARD_WORKERS_MAX)
		return NULL;
	struct shard_pool *pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pthread_mutex_init(&pool->tick_lock, NULL);
	pthread_cond_init(&pool->tick_done, NULL);
	pool->ops = *ops;
	pool->n = n;
	pool->sync_ticks = sync_ticks;
	pool->w = calloc(n, sizeof(*pool->w));
	pool->dns = malloc(sizeof(*pool->dns));
	if (!pool->w || !pool->dns) {
		release(pool);
		return NULL;
	}
	unsigned batches = n <= FEW_WORKERS ? BATCHES_FEW_WORKERS : BATCHES_MANY_WORKERS;
	pool->batches = batch_pool_new(n, n * batches, BATCH_BYTES);
	if (!pool->batches) {
		release(pool);
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		pool->w[i].pool = pool;
		pool->w[i].ctx = ctx[i];
		pool->w[i].q = batch_pool_queue(pool->batches, i);
	}
	memset(router, 0, sizeof(*router));
	router->ctx = pool;
	router->packet = route_packet;
	router->tick = route_tick;
	router->finish = route_finish;
	return pool;
}

void shard_pool_finish(struct shard_pool *pool)
{
	if (!pool || pool->finished)
		return;
	pool->finished = true;
	for (unsigned i = 0; i < pool->n; i++)
		if (pool->w[i].state == RUNNING)
			batch_queue_close(pool->w[i].q);
	for (unsigned i = 0; i < pool->n; i++) {
		if (pool->w[i].state == RUNNING) {
			pthread_join(pool->w[i].thread, NULL);
			pool->w[i].state = JOINED;
		}
	}
}

void shard_pool_free(struct shard_pool *pool)
{
	if (!pool)
		return;
	shard_pool_finish(pool);
	release(pool);
}
