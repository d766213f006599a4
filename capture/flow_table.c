/* flow_table.c - the flow table (see flow_table.h). */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash_key.h"
#include "common/hash_mix.h"
#include "common/huge_pages.h"
#include "community_id.h"
#include "flow_table.h"
#include "tcp_state.h"

#define NIL UINT32_MAX

/* Symmetric key: side 0 holds the lower (address, port) pair. */
struct flow_key {
	struct ip_addr addr[2];
	uint16_t port[2];
	uint8_t proto;
	uint8_t ip_version;
	uint8_t tunnel_type;
	uint8_t pad;
	uint16_t vlan, inner_vlan;
	uint32_t tunnel_id;
};

#define FLOW_ACTIVE 0x01
#define FLOW_WANT_PACKETS 0x02
#define FLOW_CLOSED 0x04
#define FLOW_FLIPPED 0x08
#define FLOW_QUOTES 0x10
#define FLOW_SEEN_SIDE0 0x20   /* a packet from key side 0 was counted */
#define FLOW_SEEN_SIDE1 0x40

struct flow {
	struct flow_key key;
	uint64_t serial;
	/* The earliest and latest packet times seen: a packet stamped out of
	 * order (a fragment train given up late, a clock step) widens them,
	 * never narrows them. */
	uint64_t first_us;
	uint64_t last_us;       /* Zeek's last_time: what duration ends at */
	uint64_t created_us;    /* the first packet's time: the uid's */
	uint64_t timer_us;      /* what the idle timer counts from */
	uint32_t prev, next;    /* timer list; next also links free slots */
	uint32_t pkts[2];
	uint64_t ip_bytes[2];
	uint64_t payload_bytes[2];
	uint32_t syns[2];
	uint8_t saw[2];
	uint8_t orig_side;      /* non-TCP flows; TCP keeps its own */
	uint8_t timer_class;
	uint8_t flags;
	uint8_t icmp_error_type, icmp_error_code;
	/* Tags of the first packet, reported even when not part of the key
	 * (the byte among the others above: on its own it took 4). */
	uint8_t seen_tunnel_type;
	uint32_t icmp_errors;
	uint16_t seen_vlan, seen_inner_vlan;
	uint32_t seen_tunnel_id;
	struct conn_history hist;
	union {
		struct tcp_conn tcp;
		struct {
			uint32_t bad_checksum_count[2];
		} udp;
		struct {
			uint64_t quoted_uid[2];
		} icmp;
	} u;
	/* The index hash's tag (hash_tag): ending the flow finds its index
	 * entry from this, without hashing the key again (it fits in what was
	 * padding). */
	uint32_t tag;
};

struct index_entry {
	/* The hash's high 32 bits: its low bits are the entry's home position
	 * (so moving entries never needs the flow's key, a cache miss away),
	 * all of it skips most key compares. */
	uint32_t tag;
	uint32_t slot;  /* NIL when empty */
};

static uint32_t hash_tag(uint64_t h)
{
	return (uint32_t)(h >> 32);
}

struct timer_list {
	uint32_t head, tail;
};

struct flow_table {
	struct flow_table_config cfg;
	struct server_ports *server_ports;  /* a copy of cfg's, or NULL */
	flow_end_fn *on_end;
	flow_ending_fn *on_ending;  /* may be NULL */
	void *ctx;

	struct flow *flows;        /* cfg.max_flows, touched lazily */
	/* TCP content state by slot, beside flows rather than in them: it is
	 * written only for streams that need it (tcp_endpoint.content_live),
	 * so slots whose connections never do (a SYN flood, data in order)
	 * cost no resident memory here. Never cleared: a live bit says what
	 * is. */
	struct tcp_content *content;
	uint32_t used;             /* high-water mark */
	uint32_t free_head;

	struct index_entry *index;
	uint32_t index_mask;
	uint32_t index_max;        /* never grows past this */
	struct siphash_key hash_key;  /* the process's: see key_hash */

	struct timer_list timers[TIMER_CLASS_COUNT];
	uint64_t serial;
	uint64_t next_expire_us;
	struct flow_table_stats stats;
};

void flow_table_config_default(struct flow_table_config *c)
{
	c->max_flows = 1000000;
	c->timeout_us[TIMER_TCP] = 300 * 1000000ull;
	c->timeout_us[TIMER_TCP_ATTEMPT] = 60 * 1000000ull;
	c->timeout_us[TIMER_TCP_CLOSED] = 5 * 1000000ull;
	c->timeout_us[TIMER_UDP] = 60 * 1000000ull;
	c->timeout_us[TIMER_ICMP] = 60 * 1000000ull;
	c->timeout_us[TIMER_OTHER] = 60 * 1000000ull;
	c->key_vlan = true;
	c->key_tunnel_id = false;
	c->server_ports = NULL;
}

const char *timer_class_name(enum timer_class c)
{
	static const char *names[TIMER_CLASS_COUNT] = {
		"tcp", "tcp-attempt", "tcp-closed", "udp", "icmp", "other",
	};
	return (unsigned)c < TIMER_CLASS_COUNT ? names[c] : "?";
}

/* ---- keys and hashing ---- */

/* Only the flow's uid (a name that must not change from run to run) is
 * derived from this unkeyed hash; the index is keyed (key_hash). */
static uint64_t uid_hash(const struct flow_key *k)
{
	uint64_t words[sizeof(*k) / 8];
	uint64_t h = 0x9e3779b97f4a7c15ull;

	memcpy(words, k, sizeof(words));
	for (size_t i = 0; i < sizeof(words) / 8; i++)
		h = hash_mix64(h ^ words[i]);
	return h;
}

/* The key's fields after the addresses: ports, protocol, tags. */
#define KEY_TAIL (sizeof(struct flow_key) - offsetof(struct flow_key, port))
static_assert(KEY_TAIL == 16, "flow_key's fields after the addresses");

/* The index's hash: SipHash-1-3 under the process's key, so that tuples
 * crafted to share a home position (easy against an unkeyed hash: hash_mix64
 * can be inverted) cannot be made without the key. An IPv4 key leaves out
 * its addresses' 12 unused bytes each: 24 bytes hashed instead of 48, on
 * every packet. */
static uint64_t key_hash(const struct flow_table *t, const struct flow_key *k)
{
	if (k->ip_version != 4)
		return siphash13(&t->hash_key, k, sizeof(*k));
	uint8_t m[8 + KEY_TAIL];
	memcpy(m, k->addr[0].b, 4);
	memcpy(m + 4, k->addr[1].b, 4);
	memcpy(m + 8, k->port, KEY_TAIL);
	return siphash13(&t->hash_key, m, sizeof(m));
}

/* Word by word, with no early exit: a memcmp call (the key's size is not
 * one the compiler inlines) was a tenth of the index lookup it ends. */
static_assert(sizeof(struct flow_key) % 8 == 0, "flow_key: whole 64-bit words");
static bool key_equal(const struct flow_key *a, const struct flow_key *b)
{
	uint64_t x[sizeof(*a) / 8], y[sizeof(*b) / 8], diff = 0;

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	for (size_t i = 0; i < sizeof(x) / 8; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

static bool is_icmp(uint8_t proto)
{
	return proto == IP_PROTO_ICMP || proto == IP_PROTO_ICMPV6;
}

/* The ports a packet contributes to its key: ICMP uses type and counterpart
 * as Zeek does; protocols without ports use zero. */
static void packet_ports(const struct packet *p, uint16_t *sport,
			 uint16_t *dport)
{
	bool one_way;

	if (p->ip_proto == IP_PROTO_TCP || p->ip_proto == IP_PROTO_UDP) {
		*sport = p->sport;
		*dport = p->dport;
	} else if (is_icmp(p->ip_proto) && p->has_l4) {
		*sport = p->icmp_type;
		*dport = icmp_counterpart(p->ip_version, p->icmp_type,
					  p->icmp_code, &one_way);
	} else {
		*sport = *dport = 0;
	}
}

/* Orders (src, sport) and (dst, dport); returns the side src lands on. */
static int make_key(const struct flow_table *t, struct flow_key *k,
		    uint8_t version, uint8_t proto,
		    const struct ip_addr *src, uint16_t sport,
		    const struct ip_addr *dst, uint16_t dport,
		    const struct packet *outer)
{
	int c = memcmp(src, dst, sizeof(*src));
	int side = (c > 0 || (c == 0 && sport > dport)) ? 1 : 0;

	memset(k, 0, sizeof(*k));
	k->addr[side] = *src;
	k->port[side] = sport;
	k->addr[side ^ 1] = *dst;
	k->port[side ^ 1] = dport;
	k->proto = proto;
	k->ip_version = version;
	if (t->cfg.key_vlan) {
		k->vlan = outer->vlan;
		k->inner_vlan = outer->inner_vlan;
	}
	/* The kind of tunnel is context like a VLAN tag; only a key of the
	 * bare 5-tuple (neither item) drops it, so that a mirror showing a
	 * connection both directly and in GRE/ERSPAN makes one flow of it. */
	if (t->cfg.key_vlan || t->cfg.key_tunnel_id)
		k->tunnel_type = outer->tunnel_type;
	if (t->cfg.key_tunnel_id)
		k->tunnel_id = outer->tunnel_id;
	return side;
}

/* ---- index ---- */

static uint32_t index_find(const struct flow_table *t, uint64_t h,
			   const struct flow_key *k, uint32_t *pos)
{
	uint32_t tag = hash_tag(h);
	uint32_t i = tag & t->index_mask;

	for (;; i = (i + 1) & t->index_mask) {
		const struct index_entry *e = &t->index[i];
		if (e->slot == NIL) {
			*pos = i;
			return NIL;
		}
		if (e->tag == tag && key_equal(&t->flows[e->slot].key, k)) {
			*pos = i;
			return e->slot;
		}
	}
}

/* The index position of the entry for slot, whose tag is tag: a probe from
 * its home that compares slots only (no key, no hash). NIL if absent. */
static uint32_t index_position(const struct flow_table *t, uint32_t tag, uint32_t slot)
{
	for (uint32_t i = tag & t->index_mask;; i = (i + 1) & t->index_mask) {
		const struct index_entry *e = &t->index[i];
		if (e->slot == slot)
			return i;
		if (e->slot == NIL)
			return NIL;
	}
}

static bool index_grow(struct flow_table *t)
{
	uint32_t old_size = t->index_mask + 1;
	uint32_t new_size = old_size * 2;
	if (new_size > t->index_max)
		return false;

	struct index_entry *old = t->index;
	struct index_entry *fresh = malloc(new_size * sizeof(*fresh));
	if (!fresh)
		return false;
	huge_pages_advise(fresh, new_size * sizeof(*fresh));
	for (uint32_t i = 0; i < new_size; i++)
		fresh[i].slot = NIL;
	t->index = fresh;
	t->index_mask = new_size - 1;
	for (uint32_t i = 0; i < old_size; i++) {
		if (old[i].slot == NIL)
			continue;
		/* Keys are unique: the first free place from home will do. */
		uint32_t pos = old[i].tag & t->index_mask;
		while (fresh[pos].slot != NIL)
			pos = (pos + 1) & t->index_mask;
		fresh[pos] = old[i];
	}
	free(old);
	return true;
}

/* Backward-shift deletion keeps linear probing free of tombstones. */
static void index_remove(struct flow_table *t, uint32_t pos)
{
	uint32_t hole = pos;

	t->index[hole].slot = NIL;
	for (uint32_t i = (hole + 1) & t->index_mask; t->index[i].slot != NIL;
	     i = (i + 1) & t->index_mask) {
		uint32_t home = t->index[i].tag & t->index_mask;
		/* Can entry i move into the hole without passing its home? */
		bool movable = hole <= i ? (home <= hole || home > i)
					 : (home <= hole && home > i);
		if (movable) {
			t->index[hole] = t->index[i];
			t->index[i].slot = NIL;
			hole = i;
		}
	}
}

/* ---- timer lists ---- */

static void timer_unlink(struct flow_table *t, uint32_t slot)
{
	struct flow *f = &t->flows[slot];
	struct timer_list *l = &t->timers[f->timer_class];

	if (f->prev != NIL)
		t->flows[f->prev].next = f->next;
	else
		l->head = f->next;
	if (f->next != NIL)
		t->flows[f->next].prev = f->prev;
	else
		l->tail = f->prev;
	f->prev = f->next = NIL;
}

static void timer_append(struct flow_table *t, uint32_t slot, uint8_t cls)
{
	struct flow *f = &t->flows[slot];
	struct timer_list *l = &t->timers[cls];

	f->timer_class = cls;
	f->next = NIL;
	f->prev = l->tail;
	if (l->tail != NIL)
		t->flows[l->tail].next = slot;
	else
		l->head = slot;
	l->tail = slot;
}

/* Moves the flow to the tail of its (possibly new) class list. A closed
 * flow keeps its place: it ends a fixed time after closing. */
static void timer_touch(struct flow_table *t, uint32_t slot, uint8_t cls,
			uint64_t now)
{
	struct flow *f = &t->flows[slot];

	if (f->timer_class == cls &&
	    (cls == TIMER_TCP_CLOSED || t->timers[cls].tail == slot)) {
		if (cls != TIMER_TCP_CLOSED)
			f->timer_us = now;
		return;
	}
	timer_unlink(t, slot);
	f->timer_us = now;
	timer_append(t, slot, cls);
}

static bool timer_due(const struct flow_table *t, const struct flow *f,
		      uint64_t now)
{
	return f->timer_us + t->cfg.timeout_us[f->timer_class] <= now;
}

/* ---- records ---- */

static int flow_orig_side(const struct flow *f)
{
	return f->key.proto == IP_PROTO_TCP ? f->u.tcp.orig_side : f->orig_side;
}

/* Zeek-style uid: "C" and 17 base62 digits, derived from the flow's key and
 * start so that the same capture always yields the same uids. */
static void uid_value(const struct flow *f, uint64_t v[2])
{
	uint64_t h = uid_hash(&f->key);
	v[0] = hash_mix64(h ^ f->created_us);
	v[1] = hash_mix64(v[0] ^ 0x5851f42d4c957f2dull ^ (f->created_us << 1));
}

static void uid_format(const uint64_t v[2], char out[FLOW_UID_LEN])
{
	static const char digits[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	uint64_t a = v[0], b = v[1];

	out[0] = 'C';
	for (int i = 1; i <= 17; i++) {
		uint64_t *w = i <= 9 ? &a : &b;
		out[i] = digits[*w % 62];
		*w /= 62;
	}
	out[18] = '\0';
}

static const char *conn_state_of(const struct flow *f)
{
	int o = flow_orig_side(f);

	switch (f->key.proto) {
	case IP_PROTO_TCP:
		return tcp_conn_state(&f->u.tcp, &f->hist);
	case IP_PROTO_UDP:
		if (f->pkts[o])
			return f->pkts[o ^ 1] ? "SF" : "S0";
		return f->pkts[o ^ 1] ? "SHR" : "OTH";
	default:
		return "OTH";
	}
}

static void fill_side(const struct flow *f, const struct tcp_content *c,
		      int side, struct flow_side *s)
{
	s->pkts = f->pkts[side];
	s->ip_bytes = f->ip_bytes[side];
	s->payload_bytes = f->payload_bytes[side];
	s->syns = f->syns[side];
	s->saw = f->saw[side];
	if (f->key.proto == IP_PROTO_TCP) {
		s->bytes = tcp_endpoint_size(&f->u.tcp.ep[side],
					     &f->u.tcp.ep[side ^ 1]);
		s->missed_bytes = tcp_missed_bytes(&f->u.tcp, c, side);
	} else {
		s->bytes = f->payload_bytes[side];
	}
}

static void record_fill(const struct flow_table *t, uint32_t slot,
			struct flow_record *r, enum flow_end_reason why)
{
	const struct flow *f = &t->flows[slot];
	const struct tcp_content *c = &t->content[slot];
	int o = flow_orig_side(f);
	uint64_t uid[2];

	memset(r, 0, sizeof(*r));
	r->serial = f->serial;
	uid_value(f, uid);
	uid_format(uid, r->uid);
	r->ip_version = f->key.ip_version;
	r->proto = f->key.proto;
	r->orig_h = f->key.addr[o];
	r->resp_h = f->key.addr[o ^ 1];
	r->orig_p = f->key.port[o];
	r->resp_p = f->key.port[o ^ 1];
	r->vlan = f->seen_vlan;
	r->inner_vlan = f->seen_inner_vlan;
	r->tunnel_type = f->seen_tunnel_type;
	r->tunnel_id = f->seen_tunnel_id;
	r->first_us = f->first_us;
	r->last_us = f->last_us;
	fill_side(f, c, o, &r->orig);
	fill_side(f, c, o ^ 1, &r->resp);
	r->missed_bytes = r->orig.missed_bytes + r->resp.missed_bytes;
	r->conn_state = conn_state_of(f);
	if (!is_icmp(f->key.proto) && f->key.proto != IP_PROTO_TCP &&
	    f->key.proto != IP_PROTO_UDP)
		r->history[0] = '\0';
	else if (!is_icmp(f->key.proto))
		memcpy(r->history, f->hist.text,  /* r is zeroed: ends in NUL */
		       strnlen(f->hist.text, sizeof(r->history) - 1));
	r->flipped = f->flags & FLOW_FLIPPED;
	uint8_t orig_seen = o ? FLOW_SEEN_SIDE1 : FLOW_SEEN_SIDE0;
	uint8_t resp_seen = o ? FLOW_SEEN_SIDE0 : FLOW_SEEN_SIDE1;
	r->seen = !(f->flags & resp_seen) ? FLOW_SEEN_ORIG_ONLY :
		  !(f->flags & orig_seen) ? FLOW_SEEN_RESP_ONLY : FLOW_SEEN_BOTH;
	if (f->key.proto == IP_PROTO_TCP)
		r->answered_unseen = tcp_answered_unseen(&f->u.tcp,
							 f->saw[o ^ 1] & SAW_SYNACK);
	r->end = why;
	r->icmp_errors = f->icmp_errors;
	r->icmp_error_type = f->icmp_error_type;
	r->icmp_error_code = f->icmp_error_code;
	if (is_icmp(f->key.proto) && (f->flags & FLOW_QUOTES)) {
		r->is_icmp_error = true;
		if (f->u.icmp.quoted_uid[0] || f->u.icmp.quoted_uid[1])
			uid_format(f->u.icmp.quoted_uid, r->quoted_uid);
	}
	community_id_v1(r->ip_version, r->proto, &r->orig_h, r->orig_p,
			&r->resp_h, r->resp_p, r->community_id);
}

/* ---- flow life ---- */

struct flow_table *flow_table_new(const struct flow_table_config *c,
				  flow_end_fn *on_end, void *ctx)
{
	struct flow_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->cfg = *c;
	t->cfg.server_ports = NULL;
	if (c->server_ports) {
		t->server_ports = malloc(sizeof(*t->server_ports));
		if (!t->server_ports) {
			free(t);
			return NULL;
		}
		*t->server_ports = *c->server_ports;
	}
	if (t->cfg.max_flows < 16)
		t->cfg.max_flows = 16;
	if (t->cfg.max_flows > (1u << 30))
		t->cfg.max_flows = 1u << 30;
	t->on_end = on_end;
	t->ctx = ctx;
	t->hash_key = *hash_key();
	t->flows = huge_pages_alloc(t->cfg.max_flows, sizeof(*t->flows));
	t->content = huge_pages_alloc(t->cfg.max_flows, sizeof(*t->content));
	t->free_head = NIL;

	uint32_t max = 1024;
	while (max < t->cfg.max_flows * 2u)
		max *= 2;
	t->index_max = max;
	uint32_t start = max < 4096 ? max : 4096;
	t->index = malloc(start * sizeof(*t->index));
	if (!t->flows || !t->content || !t->index) {
		flow_table_free(t);
		return NULL;
	}
	t->index_mask = start - 1;
	for (uint32_t i = 0; i < start; i++)
		t->index[i].slot = NIL;
	for (int i = 0; i < TIMER_CLASS_COUNT; i++)
		t->timers[i].head = t->timers[i].tail = NIL;
	return t;
}

static void free_slots(uint32_t max_flows, struct flow *flows,
		       struct tcp_content *content)
{
	huge_pages_free(flows, max_flows, sizeof(*flows));
	huge_pages_free(content, max_flows, sizeof(*content));
}

bool flow_table_release_memory(struct flow_table *t)
{
	if (t->stats.active)
		return false;
	/* Fresh mappings: nothing resident until used. */
	struct flow *flows = huge_pages_alloc(t->cfg.max_flows, sizeof(*flows));
	struct tcp_content *content = huge_pages_alloc(t->cfg.max_flows, sizeof(*content));
	uint32_t start = t->index_max < 4096 ? t->index_max : 4096;
	struct index_entry *index = malloc(start * sizeof(*index));
	if (!flows || !content || !index) {
		free_slots(t->cfg.max_flows, flows, content);
		free(index);
		return false;
	}
	free_slots(t->cfg.max_flows, t->flows, t->content);
	free(t->index);
	t->flows = flows;
	t->content = content;
	t->index = index;
	t->index_mask = start - 1;
	for (uint32_t i = 0; i < start; i++)
		t->index[i].slot = NIL;
	t->used = 0;
	t->free_head = NIL;
	for (int i = 0; i < TIMER_CLASS_COUNT; i++)
		t->timers[i].head = t->timers[i].tail = NIL;
	return true;
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	free_slots(t->cfg.max_flows, t->flows, t->content);
	free(t->index);
	free(t->server_ports);
	free(t);
}

static void end_flow(struct flow_table *t, uint32_t slot,
		     enum flow_end_reason why)
{
	struct flow *f = &t->flows[slot];
	struct flow_record r;

	record_fill(t, slot, &r, why);
	if (t->on_end)
		t->on_end(t->ctx, &r, slot);

	timer_unlink(t, slot);
	uint32_t pos = index_position(t, f->tag, slot);
	if (pos != NIL)
		index_remove(t, pos);
	f->flags = 0;
	f->next = t->free_head;
	t->free_head = slot;
	t->stats.ended++;
	t->stats.active--;
	if (why == FLOW_END_EVICTED)
		t->stats.evicted++;
}

/* The flow idle longest, across all timer classes. */
static uint32_t oldest_flow(const struct flow_table *t)
{
	uint32_t best = NIL;

	for (int c = 0; c < TIMER_CLASS_COUNT; c++) {
		uint32_t h = t->timers[c].head;
		if (h != NIL && (best == NIL ||
				 t->flows[h].timer_us < t->flows[best].timer_us))
			best = h;
	}
	return best;
}

/* Every line of a flow, asked for ahead of its use (see take_slot and
 * flow_table_expire). Always inlined: GCC counts a prefetch as no effect
 * at all, judges a function that only prefetches pure, and drops the call
 * unused. */
#define PREFETCHER static inline __attribute__((always_inline)) void

PREFETCHER prefetch_flow(const struct flow_table *t, uint32_t slot)
{
	const char *f = (const char *)&t->flows[slot];

	for (size_t off = 0; off < sizeof(struct flow); off += 64)
		__builtin_prefetch(f + off);
}

/* A new flow's slot. The free slot after it is asked for at once: the
 * next new flow comes packets later, and would otherwise wait for its
 * slot (freed at a tick, long since out of the cache) twice, reading the
 * free list's link and clearing the flow. */
static uint32_t take_slot(struct flow_table *t)
{
	if (t->free_head != NIL) {
		uint32_t s = t->free_head;
		t->free_head = t->flows[s].next;
		if (t->free_head != NIL)
			prefetch_flow(t, t->free_head);
		return s;
	}
	if (t->used < t->cfg.max_flows)
		return t->used++;  /* never used: nothing cached to wait for */
	uint32_t victim = oldest_flow(t);
	end_flow(t, victim, FLOW_END_EVICTED);
	return take_slot(t);
}

static uint8_t initial_class(uint8_t proto)
{
	switch (proto) {
	case IP_PROTO_TCP:
		return TIMER_TCP_ATTEMPT;
	case IP_PROTO_UDP:
		return TIMER_UDP;
	case IP_PROTO_ICMP:
	case IP_PROTO_ICMPV6:
		return TIMER_ICMP;
	default:
		return TIMER_OTHER;
	}
}

/* Who originates, per Zeek's WantConnection: the sender of the first packet,
 * unless a connection picked up mid-stream or a UDP datagram comes from a
 * likely server port towards an unlikely one. */
static bool should_flip(const struct flow_table *t, const struct packet *p)
{
	bool src_server = port_is_likely_server(t->server_ports, p->ip_proto, p->sport);
	bool dst_server = port_is_likely_server(t->server_ports, p->ip_proto, p->dport);

	if (p->ip_proto == IP_PROTO_UDP)
		return src_server && !dst_server;
	if (p->ip_proto != IP_PROTO_TCP)
		return false;
	bool partial = !(p->tcp_flags & TCP_SYN) || (p->tcp_flags & TCP_ACK);
	if (!partial || !src_server)
		return false;
	if (dst_server)  /* both plausible: never for a SYN-ACK (scans) */
		return !(p->tcp_flags & TCP_SYN) && p->sport < p->dport;
	return true;
}

static uint32_t create_flow(struct flow_table *t, const struct flow_key *k,
			    uint64_t h, int side, const struct packet *p)
{
	uint32_t slot = take_slot(t);
	struct flow *f = &t->flows[slot];
	uint32_t pos;

	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->tag = hash_tag(h);
	f->serial = ++t->serial;
	f->first_us = f->last_us = f->created_us = f->timer_us = p->ts_us;
	f->flags = FLOW_ACTIVE | FLOW_WANT_PACKETS;
	f->prev = f->next = NIL;
	f->seen_vlan = p->vlan;
	f->seen_inner_vlan = p->inner_vlan;
	f->seen_tunnel_type = p->tunnel_type;
	f->seen_tunnel_id = p->tunnel_id;

	bool flip = should_flip(t, p);
	if (flip)
		f->flags |= FLOW_FLIPPED;
	if (k->proto == IP_PROTO_TCP) {
		tcp_conn_init(&f->u.tcp, &f->hist, side, flip);
	} else {
		f->orig_side = (uint8_t)(flip ? side ^ 1 : side);
		if (flip)
			history_add(&f->hist, '^');
	}
	timer_append(t, slot, initial_class(k->proto));

	if ((t->stats.active + 1) * 2 > (uint64_t)t->index_mask + 1)
		index_grow(t);
	index_find(t, h, k, &pos);
	t->index[pos].tag = hash_tag(h);
	t->index[pos].slot = slot;

	t->stats.created++;
	t->stats.active++;
	if (t->stats.active > t->stats.peak_active)
		t->stats.peak_active = t->stats.active;
	return slot;
}

static uint8_t tcp_timer_class(const struct flow *f)
{
	if (f->flags & FLOW_CLOSED)
		return TIMER_TCP_CLOSED;
	return tcp_in_handshake(&f->u.tcp) ? TIMER_TCP_ATTEMPT : TIMER_TCP;
}

/* A packet's time as the flow's span sees it: first_us never later and
 * last_us never earlier than a time already seen. */
static void widen_span(struct flow *f, uint64_t ts)
{
	if (ts < f->first_us)
		f->first_us = ts;
	if (ts > f->last_us)
		f->last_us = ts;
}

/* What the idle timer counts from after a packet: never earlier than
 * before (a packet stamped in the past is not an hour of silence). */
static uint64_t timer_time(const struct flow *f, uint64_t ts)
{
	return ts > f->timer_us ? ts : f->timer_us;
}

static void count_packet(struct flow *f, int side, const struct packet *p)
{
	f->flags |= side ? FLOW_SEEN_SIDE1 : FLOW_SEEN_SIDE0;
	f->pkts[side]++;
	f->ip_bytes[side] += p->ip_len;
	f->payload_bytes[side] += p->payload_len;
	if (p->payload_len)
		f->saw[side] |= SAW_DATA;
}

static void tcp_flow_packet(struct flow_table *t, uint32_t slot, int side,
			    const struct packet *p)
{
	struct flow *f = &t->flows[slot];
	const struct tcp_conn *c = &f->u.tcp;
	bool both_closed = c->ep[0].did_close && c->ep[1].did_close;
	bool was_live[2] = { c->ep[0].content_live, c->ep[1].content_live };

	struct tcp_result r = tcp_packet(&f->u.tcp, &t->content[slot], &f->hist,
					 side, p);
	for (int i = 0; i < 2; i++)
		if (c->ep[i].content_live && !was_live[i])
			t->stats.tcp_streams++;
	if (p->l4_checksum_bad)
		return;  /* Zeek neither counts nor times such a packet */
	if (!both_closed)
		widen_span(f, p->ts_us);
	count_packet(f, side, p);
	uint8_t fl = p->tcp_flags;
	if ((fl & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		f->saw[side] |= SAW_SYN;
		f->syns[side]++;
	}
	if ((fl & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
		f->saw[side] |= SAW_SYNACK;
	if (fl & TCP_FIN)
		f->saw[side] |= SAW_FIN;
	if (fl & TCP_RST)
		f->saw[side] |= SAW_RST;
	else if ((fl & (TCP_ACK | TCP_SYN)) == TCP_ACK)
		f->saw[side] |= SAW_ACK;
	if (r.closed_complete)
		f->flags |= FLOW_CLOSED;
	timer_touch(t, slot, tcp_timer_class(f), timer_time(f, p->ts_us));
}

/* Zeek's UDP history: "D" and "d" once per direction. */
static void udp_flow_packet(struct flow_table *t, uint32_t slot, int side,
			    const struct packet *p)
{
	struct flow *f = &t->flows[slot];
	bool from_orig = side == f->orig_side;

	if (p->l4_checksum_bad) {
		history_scaled(&f->hist, from_orig ? 'C' : 'c',
			       &f->u.udp.bad_checksum_count[side]);
		return;
	}
	history_check(&f->hist, from_orig ? 0x01 : 0x10000, from_orig ? 'D' : 'd');
	widen_span(f, p->ts_us);
	count_packet(f, side, p);
	timer_touch(t, slot, TIMER_UDP, timer_time(f, p->ts_us));
}

static void other_flow_packet(struct flow_table *t, uint32_t slot, int side,
			      const struct packet *p)
{
	struct flow *f = &t->flows[slot];

	widen_span(f, p->ts_us);
	count_packet(f, side, p);
	timer_touch(t, slot, f->timer_class, timer_time(f, p->ts_us));
}

/* The flow an ICMP error quotes, with the error counted on it; NIL when
 * it is not tracked here. */
static uint32_t count_icmp_error(struct flow_table *t, const struct packet *p)
{
	const struct icmp_quote *q = &p->quote;
	struct flow_key k;
	uint32_t pos;

	if (!q->present || !q->has_ports)
		return NIL;
	make_key(t, &k, q->ip_version, q->proto, &q->src, q->sport, &q->dst,
		 q->dport, p);
	uint32_t slot = index_find(t, key_hash(t, &k), &k, &pos);
	if (slot == NIL)
		return NIL;

	struct flow *target = &t->flows[slot];
	target->icmp_errors++;
	target->icmp_error_type = p->icmp_type;
	target->icmp_error_code = p->icmp_code;
	return slot;
}

void flow_table_icmp_evidence(struct flow_table *t, const struct packet *p)
{
	count_icmp_error(t, p);
}

/* An ICMP error is evidence about the flow whose packet it quotes. */
static void attach_icmp_error(struct flow_table *t, uint32_t icmp_slot,
			      const struct packet *p, struct flow_update *u)
{
	uint32_t slot = count_icmp_error(t, p);
	if (slot == NIL)
		return;

	struct flow *target = &t->flows[slot];
	struct flow *icmp = &t->flows[icmp_slot];
	if (!(icmp->u.icmp.quoted_uid[0] || icmp->u.icmp.quoted_uid[1]))
		uid_value(target, icmp->u.icmp.quoted_uid);
	u->quotes_flow = true;
	u->quoted_slot = slot;
}

bool flow_table_packet(struct flow_table *t, const struct packet *p,
		       struct flow_update *u)
{
	struct flow_key k;
	uint16_t sport, dport;
	uint32_t pos;

	memset(u, 0, sizeof(*u));
	if ((p->ip_proto == IP_PROTO_TCP || p->ip_proto == IP_PROTO_UDP ||
	     is_icmp(p->ip_proto)) && !p->has_l4) {
		t->stats.untracked++;
		return false;
	}
	packet_ports(p, &sport, &dport);
	int side = make_key(t, &k, p->ip_version, p->ip_proto, &p->src, sport,
			    &p->dst, dport, p);
	uint64_t h = key_hash(t, &k);

	uint32_t slot = index_find(t, h, &k, &pos);
	if (slot != NIL) {
		struct flow *f = &t->flows[slot];
		if (timer_due(t, f, p->ts_us)) {
			end_flow(t, slot, f->flags & FLOW_CLOSED ? FLOW_END_CLOSED
								  : FLOW_END_IDLE);
			slot = NIL;
		} else if (k.proto == IP_PROTO_TCP &&
			   tcp_is_reuse(&f->u.tcp, side, p)) {
			end_flow(t, slot, FLOW_END_REUSED);
			slot = NIL;
		}
	}
	if (slot == NIL) {
		slot = create_flow(t, &k, h, side, p);
		u->created = true;
	}

	struct flow *f = &t->flows[slot];
	switch (k.proto) {
	case IP_PROTO_TCP:
		tcp_flow_packet(t, slot, side, p);
		break;
	case IP_PROTO_UDP:
		udp_flow_packet(t, slot, side, p);
		break;
	default:
		other_flow_packet(t, slot, side, p);
		break;
	}
	if (is_icmp(k.proto) && p->quote.present) {
		f->flags |= FLOW_QUOTES;
		attach_icmp_error(t, slot, p, u);
	}
	u->slot = slot;
	u->from_orig = side == flow_orig_side(f);
	u->want_packets = f->flags & FLOW_WANT_PACKETS;
	return true;
}

void flow_table_stop_packets(struct flow_table *t, uint32_t slot)
{
	t->flows[slot].flags &= (uint8_t)~FLOW_WANT_PACKETS;
}

/* A flow about to end has been idle for its whole timeout: its lines, and
 * its index entry, are long out of the cache. Asked for while the flow
 * before it ends (a record written, a callback run), they are there when
 * its turn comes: the flow two ahead in the timer list, and the index
 * entry of the one next (its tag, in a flow asked for a turn ago). */
PREFETCHER prefetch_expiry(const struct flow_table *t, uint32_t slot)
{
	uint32_t next = t->flows[slot].next;
	if (next == NIL)
		return;
	const struct flow *n = &t->flows[next];
	__builtin_prefetch(&t->index[n->tag & t->index_mask]);
	if (n->next != NIL) {
		prefetch_flow(t, n->next);
		if (t->on_ending)
			t->on_ending(t->ctx, n->next);
	}
}

void flow_table_on_ending(struct flow_table *t, flow_ending_fn *fn)
{
	t->on_ending = fn;
}

void flow_table_expire(struct flow_table *t, uint64_t now)
{
	for (int c = 0; c < TIMER_CLASS_COUNT; c++) {
		uint32_t h = t->timers[c].head;
		if (h != NIL && t->flows[h].next != NIL)
			prefetch_flow(t, t->flows[h].next);
		while ((h = t->timers[c].head) != NIL &&
		       timer_due(t, &t->flows[h], now)) {
			prefetch_expiry(t, h);
			end_flow(t, h, c == TIMER_TCP_CLOSED ? FLOW_END_CLOSED
							    : FLOW_END_IDLE);
		}
	}
}

/* A flow to finish: its serial, less the smallest one, and its slot. */
struct finish_entry {
	uint64_t serial;
	uint32_t slot;
};

#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)

/* Sorts e[0..n) by serial with an LSD radix sort through tmp, as many
 * passes as the largest serial needs. Serials are unique, so the order is
 * the one a comparison sort gives; qsort_r with a comparator reading each
 * flow's serial through its slot cost more than writing all the records. */
static struct finish_entry *sort_by_serial(struct finish_entry *e, struct finish_entry *tmp,
					   uint32_t n, uint64_t max)
{
	uint32_t count[RADIX_SIZE];

	for (unsigned shift = 0; shift < 64 && (max >> shift); shift += RADIX_BITS) {
		memset(count, 0, sizeof(count));
		for (uint32_t i = 0; i < n; i++)
			count[(e[i].serial >> shift) & (RADIX_SIZE - 1)]++;
		uint32_t sum = 0;
		for (uint32_t d = 0; d < RADIX_SIZE; d++) {
			uint32_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (uint32_t i = 0; i < n; i++)
			tmp[count[(e[i].serial >> shift) & (RADIX_SIZE - 1)]++] = e[i];
		struct finish_entry *swap = e;
		e = tmp;
		tmp = swap;
	}
	return e;
}

void flow_table_finish(struct flow_table *t)
{
	uint32_t n = 0;
	uint64_t active = t->stats.active + 1;
	struct finish_entry *order = malloc(active * sizeof(*order));
	struct finish_entry *tmp = malloc(active * sizeof(*tmp));

	if (!order || !tmp) {
		free(order);
		free(tmp);
		/* Out of memory at the very end: finish in slot order. */
		for (uint32_t s = 0; s < t->used; s++)
			if (t->flows[s].flags & FLOW_ACTIVE)
				end_flow(t, s, FLOW_END_INPUT);
		return;
	}
	uint64_t min = UINT64_MAX, max = 0;
	for (uint32_t s = 0; s < t->used; s++) {
		if (!(t->flows[s].flags & FLOW_ACTIVE))
			continue;
		uint64_t serial = t->flows[s].serial;
		min = serial < min ? serial : min;
		max = serial > max ? serial : max;
		order[n].serial = serial;
		order[n++].slot = s;
	}
	for (uint32_t i = 0; i < n; i++)
		order[i].serial -= min;
	const struct finish_entry *sorted = sort_by_serial(order, tmp, n, n ? max - min : 0);
	for (uint32_t i = 0; i < n; i++)
		end_flow(t, sorted[i].slot, FLOW_END_INPUT);
	free(order);
	free(tmp);
}

void flow_table_each_active(const struct flow_table *t, flow_end_fn *fn, void *ctx)
{
	struct flow_record r;

	for (uint32_t s = 0; s < t->used; s++) {
		if (!(t->flows[s].flags & FLOW_ACTIVE))
			continue;
		record_fill(t, s, &r, FLOW_END_INPUT);
		fn(ctx, &r, s);
	}
}

const struct flow_table_stats *flow_table_stats(const struct flow_table *t)
{
	return &t->stats;
}
