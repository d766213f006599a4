/* visibility.c - per-host capture visibility (see visibility.h). */
#include <stdlib.h>
#include <string.h>

#include "common/cidr.h"
#include "common/hash_key.h"
#include "common/huge_pages.h"
#include "visibility.h"

#define SLOTS (HOST_VISIBILITY_MAX * 2)   /* at most half full */
#define MAX_PROBE 64                      /* a longer run: not remembered */

struct host_entry {
	struct ip_addr addr;
	uint8_t version;                  /* 0: empty slot */
	uint8_t flags;
	uint32_t tcp_flows, tcp_one_sided;
};

struct host_visibility {
	struct host_entry *slots;
	uint32_t *used;                   /* the n slots in use, as filled:
					   * listing and clearing them reads
					   * no empty slot (the table is 4 MiB,
					   * a page fault per 4 KiB untouched) */
	unsigned n;
	uint64_t untracked;
	struct siphash_key key;           /* the process's: addresses are
					   * chosen by whoever sends traffic */
};

struct host_visibility *host_visibility_new(void)
{
	struct host_visibility *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	/* calloc'd pages are touched only as hosts arrive. */
	v->slots = calloc(SLOTS, sizeof(*v->slots));
	v->used = malloc(HOST_VISIBILITY_MAX * sizeof(*v->used));
	if (!v->slots || !v->used) {
		free(v->slots);
		free(v->used);
		free(v);
		return NULL;
	}
	huge_pages_advise(v->slots, SLOTS * sizeof(*v->slots));
	v->key = *hash_key();
	return v;
}

void host_visibility_free(struct host_visibility *v)
{
	if (!v)
		return;
	free(v->slots);
	free(v->used);
	free(v);
}

void host_visibility_reset(struct host_visibility *v)
{
	for (unsigned i = 0; i < v->n; i++)
		memset(&v->slots[v->used[i]], 0, sizeof(v->slots[0]));
	v->n = 0;
	v->untracked = 0;
}

static struct host_entry *lookup(const struct host_visibility *v, uint8_t version,
				 const struct ip_addr *a, bool *found)
{
	uint32_t i = hash_ip_addr(&v->key, version, a) & (SLOTS - 1);

	for (unsigned probe = 0; probe < MAX_PROBE; probe++, i = (i + 1) & (SLOTS - 1)) {
		struct host_entry *e = &v->slots[i];
		if (!e->version) {
			*found = false;
			return e;
		}
		if (e->version == version && memcmp(&e->addr, a, sizeof(*a)) == 0) {
			*found = true;
			return e;
		}
	}
	*found = false;
	return NULL;
}

static struct host_entry *entry(struct host_visibility *v, uint8_t version,
				const struct ip_addr *a)
{
	bool found;
	struct host_entry *e = lookup(v, version, a, &found);

	if (found)
		return e;
	if (!e || v->n >= HOST_VISIBILITY_MAX) {
		v->untracked++;
		return NULL;
	}
	e->version = version;
	e->addr = *a;
	v->used[v->n++] = (uint32_t)(e - v->slots);
	return e;
}

void host_visibility_reserve(struct host_visibility *v, uint8_t version,
			     const struct ip_addr *a)
{
	entry(v, version, a);
}

bool flow_unanswered_attempt(const struct flow_record *r)
{
	return r->proto == IP_PROTO_TCP && !r->is_icmp_error && !r->answered_unseen &&
	       r->seen == FLOW_SEEN_ORIG_ONLY && (r->orig.saw & SAW_SYN) &&
	       !(r->orig.saw & SAW_ACK) && (r->icmp_errors > 0 || r->orig.syns > 1);
}

void host_visibility_flow(struct host_visibility *v, const struct flow_record *r)
{
	struct host_entry *o = entry(v, r->ip_version, &r->orig_h);
	struct host_entry *s = entry(v, r->ip_version, &r->resp_h);
	/* Only flows that say something about the mirror count for its
	 * health notes. */
	bool tcp = r->proto == IP_PROTO_TCP && !r->is_icmp_error &&
		   !flow_unanswered_attempt(r);
	bool one_sided = r->seen != FLOW_SEEN_BOTH;

	if (o) {
		if (r->orig.pkts)
			o->flags |= HOST_OPENED;
		if (r->resp.pkts)
			o->flags |= HOST_RECEIVED | HOST_GOT_ANSWERS;
		o->tcp_flows += tcp;
		o->tcp_one_sided += tcp && one_sided;
	}
	if (s) {
		if (r->resp.pkts)
			s->flags |= HOST_ANSWERED;
		if (r->orig.pkts)
			s->flags |= HOST_RECEIVED;
		s->tcp_flows += tcp;
		s->tcp_one_sided += tcp && one_sided;
	}
}

uint8_t host_visibility_of(const struct host_visibility *v, uint8_t version,
			   const struct ip_addr *a)
{
	bool found;
	const struct host_entry *e = lookup(v, version, a, &found);
	return found ? e->flags : 0;
}

void host_visibility_tcp(const struct host_visibility *v, uint8_t version,
			 const struct ip_addr *a, uint32_t *flows, uint32_t *one_sided)
{
	bool found;
	const struct host_entry *e = lookup(v, version, a, &found);
	*flows = found ? e->tcp_flows : 0;
	*one_sided = found ? e->tcp_one_sided : 0;
}

uint64_t host_visibility_untracked(const struct host_visibility *v)
{
	return v->untracked;
}

void host_visibility_add(struct host_visibility *v, const struct host_seen *h)
{
	struct host_entry *e = entry(v, h->ip_version, &h->addr);

	if (!e)
		return;
	e->flags |= h->flags;
	e->tcp_flows += h->tcp_flows;
	e->tcp_one_sided += h->tcp_one_sided;
}

void host_visibility_add_untracked(struct host_visibility *v, uint64_t n)
{
	v->untracked += n;
}

/* In address order: when `into` fills up, which hosts it takes must not
 * depend on where the process's hash key put them in `from` (a sharded
 * run's report would change from run to run). */
bool host_visibility_merge(struct host_visibility *into,
			   const struct host_visibility *from)
{
	struct host_seen *sorted;
	unsigned n;

	if (!host_visibility_list(from, &sorted, &n))
		return false;
	for (unsigned i = 0; i < n; i++)
		host_visibility_add(into, &sorted[i]);
	free(sorted);
	into->untracked += from->untracked;
	return true;
}

/* The sort key of a remembered host: its address as two big-endian words,
 * compared inline, and where it lies. The hosts themselves are 28 bytes,
 * which glibc's qsort moves with a copy call each, compared through
 * memcmp; a report merged from workers sorts 65,536 of them twice, after
 * the last packet, when nothing else runs beside it. */
struct seen_key {
	uint64_t high, low;
	uint32_t version, slot;
};

static int cmp_key(const void *pa, const void *pb)
{
	const struct seen_key *a = pa, *b = pb;

	if (a->version != b->version)
		return a->version < b->version ? -1 : 1;
	if (a->high != b->high)
		return a->high < b->high ? -1 : 1;
	return (a->low > b->low) - (a->low < b->low);
}

bool host_visibility_list(const struct host_visibility *v, struct host_seen **out,
			  unsigned *n)
{
	struct seen_key *keys = malloc(((size_t)v->n + 1) * sizeof(*keys));

	*n = 0;
	*out = malloc(((size_t)v->n + 1) * sizeof(**out));
	if (!*out || !keys) {
		free(*out);
		free(keys);
		*out = NULL;
		return false;
	}
	for (unsigned i = 0; i < v->n; i++) {
		const struct host_entry *e = &v->slots[v->used[i]];
		keys[(*n)++] = (struct seen_key){ cidr_be64(e->addr.b),
						  cidr_be64(e->addr.b + 8),
						  e->version, v->used[i] };
	}
	qsort(keys, *n, sizeof(*keys), cmp_key);
	for (unsigned i = 0; i < *n; i++) {
		const struct host_entry *e = &v->slots[keys[i].slot];
		struct host_seen *h = &(*out)[i];
		memset(h, 0, sizeof(*h));
		h->ip_version = e->version;
		h->flags = e->flags;
		h->addr = e->addr;
		h->tcp_flows = e->tcp_flows;
		h->tcp_one_sided = e->tcp_one_sided;
	}
	free(keys);
	return true;
}
