/* defrag.c - bounded IP fragment reassembly (see defrag.h). */
#include <stdlib.h>
#include <string.h>

#include "defrag.h"

#define MAX_DATAGRAM 65535u
#define MAX_PIECES 32
/* Room in front of the payload for a rebuilt IP header, so DPI gets one
 * contiguous datagram. */
#define HEADER_ROOM 40u

struct byte_range {
	uint32_t lo, hi;  /* [lo, hi) */
};

struct frag_train {
	bool used;
	bool have_first;
	bool have_last;
	uint8_t npieces;
	uint32_t total;            /* payload length, known once have_last */
	uint64_t last_us;
	struct frag_key key;
	struct byte_range pieces[MAX_PIECES];
	struct packet tmpl;
	uint8_t *buf;              /* HEADER_ROOM + MAX_DATAGRAM, made on first use */
	uint64_t pinned;           /* the epoch its buffer was handed out in */
};

struct defrag {
	unsigned ntrains;
	uint64_t timeout_us;
	/* Buffers handed out in the current epoch are being read: pinned.
	 * Starts at 1 so that a train never handed out (0) is not. */
	uint64_t epoch;
	struct frag_train *trains;
};

struct defrag *defrag_new(unsigned max_trains, uint64_t timeout_us)
{
	struct defrag *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->ntrains = max_trains ? max_trains : 1;
	d->timeout_us = timeout_us;
	d->epoch = 1;
	d->trains = calloc(d->ntrains, sizeof(*d->trains));
	if (!d->trains) {
		free(d);
		return NULL;
	}
	return d;
}

void defrag_free(struct defrag *d)
{
	if (!d)
		return;
	for (unsigned i = 0; i < d->ntrains; i++)
		free(d->trains[i].buf);
	free(d->trains);
	free(d);
}

void defrag_begin(struct defrag *d)
{
	d->epoch++;  /* O(1): no train's pin matches any more */
}

static bool train_pinned(const struct defrag *d, const struct frag_train *t)
{
	return t->pinned == d->epoch;
}

static bool key_equal(const struct frag_key *a, const struct frag_key *b)
{
	return a->ip_version == b->ip_version && a->proto == b->proto &&
	       a->id == b->id && a->vlan == b->vlan &&
	       a->inner_vlan == b->inner_vlan &&
	       a->tunnel_type == b->tunnel_type &&
	       a->tunnel_id == b->tunnel_id &&
	       memcmp(&a->src, &b->src, sizeof(a->src)) == 0 &&
	       memcmp(&a->dst, &b->dst, sizeof(a->dst)) == 0;
}

/* Keeps the buffer, and the pin: a pinned buffer is still being read. */
static void train_reset(struct frag_train *t)
{
	uint8_t *buf = t->buf;
	uint64_t pinned = t->pinned;
	memset(t, 0, sizeof(*t));
	t->buf = buf;
	t->pinned = pinned;
}

/* Finds the train of key, or takes a free one, or the oldest. A pinned
 * train (its datagram handed out, used is false) is neither free nor
 * evictable: reusing it would overwrite bytes still being decoded, among
 * them, perhaps, the very fragment being added. NULL when every train is
 * pinned. */
static struct frag_train *train_for(struct defrag *d, const struct frag_key *key,
				    unsigned *evicted)
{
	struct frag_train *free_slot = NULL, *oldest = NULL;

	for (unsigned i = 0; i < d->ntrains; i++) {
		struct frag_train *t = &d->trains[i];
		if (!t->used) {
			if (!free_slot && !train_pinned(d, t))
				free_slot = t;
			continue;
		}
		if (key_equal(&t->key, key))
			return t;
		if (!oldest || t->last_us < oldest->last_us)
			oldest = t;
	}
	struct frag_train *t = free_slot;
	if (!t) {
		t = oldest;
		if (!t)
			return NULL;
		(*evicted)++;
	}
	train_reset(t);
	if (!t->buf) {
		t->buf = malloc(HEADER_ROOM + MAX_DATAGRAM);
		if (!t->buf)
			return NULL;
	}
	t->used = true;
	t->key = *key;
	return t;
}

/* Merges [lo,hi) into the sorted, disjoint piece list. */
static bool add_piece(struct frag_train *t, uint32_t lo, uint32_t hi)
{
	struct byte_range merged = { lo, hi };
	struct byte_range keep[MAX_PIECES];
	unsigned n = 0;
	bool placed = false;

	for (unsigned i = 0; i < t->npieces; i++) {
		struct byte_range r = t->pieces[i];
		if (r.hi < merged.lo) {
			keep[n++] = r;
		} else if (r.lo > merged.hi) {
			if (!placed) {
				if (n == MAX_PIECES)
					return false;
				keep[n++] = merged;
				placed = true;
			}
			if (n == MAX_PIECES)
				return false;
			keep[n++] = r;
		} else {
			merged.lo = r.lo < merged.lo ? r.lo : merged.lo;
			merged.hi = r.hi > merged.hi ? r.hi : merged.hi;
		}
	}
	if (!placed) {
		if (n == MAX_PIECES)
			return false;
		keep[n++] = merged;
	}
	memcpy(t->pieces, keep, n * sizeof(keep[0]));
	t->npieces = (uint8_t)n;
	return true;
}

static bool train_complete(const struct frag_train *t)
{
	return t->have_first && t->have_last && t->npieces == 1 &&
	       t->pieces[0].lo == 0 && t->pieces[0].hi == t->total;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Writes a plain IP header for the rebuilt datagram in front of its payload
 * and points the packet's l3 at it. */
static void rebuild_header(struct frag_train *t, struct packet *p,
			   uint32_t payload_len)
{
	const struct frag_key *k = &t->key;
	uint32_t hlen = k->ip_version == 4 ? 20 : 40;
	uint8_t *h = t->buf + HEADER_ROOM - hlen;

	memset(h, 0, hlen);
	if (k->ip_version == 4) {
		h[0] = 0x45;
		put16(h + 2, hlen + payload_len);
		put16(h + 4, k->id & 0xffff);
		h[8] = p->ip_ttl;
		h[9] = k->proto;
		memcpy(h + 12, k->src.b, 4);
		memcpy(h + 16, k->dst.b, 4);
		uint32_t sum = 0;
		for (unsigned i = 0; i < 20; i += 2)
			sum += (uint32_t)(h[i] << 8 | h[i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(h + 10, ~sum & 0xffff);
	} else {
		h[0] = 0x60;
		put16(h + 4, payload_len);
		h[6] = k->proto;
		h[7] = p->ip_ttl;
		memcpy(h + 8, k->src.b, 16);
		memcpy(h + 24, k->dst.b, 16);
	}
	p->l3 = h;
	p->l3_caplen = hlen + payload_len;
	p->ip_len = hlen + payload_len;
}

enum defrag_result defrag_add(struct defrag *d, const struct frag_key *key,
			      uint64_t now, uint32_t offset, bool more,
			      const uint8_t *frag, uint32_t len,
			      struct packet *tmpl, const uint8_t **data,
			      uint32_t *data_len, unsigned *evicted)
{
	if (offset + (uint64_t)len > MAX_DATAGRAM)
		return DEFRAG_BAD_OFFSET;

	struct frag_train *t = train_for(d, key, evicted);
	if (!t)
		return DEFRAG_NO_TRAIN;
	t->last_us = now;

	if (!more) {
		t->have_last = true;
		t->total = offset + len;
	}
	if (offset == 0 && !t->have_first) {
		t->have_first = true;
		t->tmpl = *tmpl;
	}
	if (len > 0) {
		if (!add_piece(t, offset, offset + len)) {
			train_reset(t);
			return DEFRAG_TOO_MANY_PIECES;
		}
		memcpy(t->buf + HEADER_ROOM + offset, frag, len);
	}
	if (!train_complete(t))
		return DEFRAG_HELD;

	uint64_t ts = tmpl->ts_us, number = tmpl->number;
	uint32_t caplen = tmpl->caplen, wirelen = tmpl->wirelen;
	*tmpl = t->tmpl;
	tmpl->ts_us = ts;
	tmpl->number = number;
	tmpl->caplen = caplen;
	tmpl->wirelen = wirelen;
	tmpl->reassembled = true;
	rebuild_header(t, tmpl, t->total);
	*data = t->buf + HEADER_ROOM;
	*data_len = t->total;
	/* Free for another datagram, but not before the decoder is done
	 * with this one (defrag_begin). */
	t->used = false;
	t->pinned = d->epoch;
	return DEFRAG_COMPLETE;
}

bool defrag_expire(struct defrag *d, uint64_t now, struct packet *tmpl,
		   const uint8_t **data, uint32_t *len, uint32_t *wire_len)
{
	for (unsigned i = 0; i < d->ntrains; i++) {
		struct frag_train *t = &d->trains[i];
		if (!t->used)
			continue;
		if (now != UINT64_MAX && t->last_us + d->timeout_us > now)
			continue;
		t->used = false;
		if (!t->have_first) {
			memset(tmpl, 0, sizeof(*tmpl));
			*data = NULL;
			*len = 0;
			*wire_len = 0;
			return true;
		}
		t->pinned = d->epoch;  /* its bytes are decoded next */
		*tmpl = t->tmpl;
		tmpl->ts_us = t->last_us;  /* when the train was last added to */
		*data = t->buf + HEADER_ROOM;
		*len = t->npieces && t->pieces[0].lo == 0 ? t->pieces[0].hi : 0;
		*wire_len = t->have_last ? t->total : *len;
		rebuild_header(t, tmpl, *len);
		tmpl->reassembled = true;
		return true;
	}
	return false;
}
