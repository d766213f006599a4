/* name_index.c - address to DNS name, bounded (see name_index.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash_key.h"
#include "name_index.h"

#define NIL UINT32_MAX
/* An address rarely has more names than this at once (CDNs, shared
 * hosting); the oldest of its names makes room for a new one. */
#define NAMES_PER_ADDRESS 4

struct ix_entry {
	struct ip_addr addr;
	uint8_t version;
	uint8_t resolver_version;
	uint32_t name;            /* interned */
	uint32_t ttl;
	uint64_t first_us;        /* first answer naming addr so */
	uint64_t answer_us;       /* latest one */
	struct ip_addr resolver;
	char *chain;              /* NULL when the question was answered directly */
	uint32_t hash_next;       /* chain of one hash bucket */
	uint32_t lru_prev, lru_next;
	bool used;
};

struct name_index {
	struct name_store *names;
	uint64_t grace_us;
	uint32_t max_entries;
	struct ix_entry *entries;
	uint32_t used_hw;          /* entries touched so far */
	uint32_t free_head;        /* via hash_next */
	uint32_t *buckets;
	uint32_t bucket_mask;
	struct siphash_key key;    /* the process's: see addr_hash */
	uint32_t lru_head, lru_tail;  /* head: unused longest */
	struct name_index_stats stats;
};

/* Keyed (common/hash_key.h): DNS answers are whatever a resolver, or anyone
 * spoofing one, sends, and an unkeyed hash lets them pick thousands of AAAA
 * addresses that share one bucket. */
static uint32_t addr_hash(const struct name_index *ix, uint8_t version,
			  const struct ip_addr *a)
{
	return hash_ip_addr(&ix->key, version, a);
}

struct name_index *name_index_new(struct name_store *names, uint32_t max_entries,
				  uint64_t grace_us)
{
	struct name_index *ix = calloc(1, sizeof(*ix));
	if (!ix)
		return NULL;
	ix->names = names;
	ix->grace_us = grace_us;
	ix->key = *hash_key();
	ix->max_entries = max_entries ? max_entries : 1;
	ix->entries = calloc(ix->max_entries, sizeof(*ix->entries));
	uint32_t nb = 1024;
	while (nb < ix->max_entries)
		nb *= 2;
	ix->buckets = malloc(nb * sizeof(*ix->buckets));
	if (!ix->entries || !ix->buckets) {
		name_index_free(ix);
		return NULL;
	}
	for (uint32_t i = 0; i < nb; i++)
		ix->buckets[i] = NIL;
	ix->bucket_mask = nb - 1;
	ix->free_head = NIL;
	ix->lru_head = ix->lru_tail = NIL;
	return ix;
}

void name_index_free(struct name_index *ix)
{
	if (!ix)
		return;
	for (uint32_t i = 0; ix->entries && i < ix->used_hw; i++) {
		if (ix->entries[i].used) {
			name_unref(ix->names, ix->entries[i].name);
			free(ix->entries[i].chain);
		}
	}
	free(ix->entries);
	free(ix->buckets);
	free(ix);
}

static void lru_unlink(struct name_index *ix, uint32_t id)
{
	struct ix_entry *e = &ix->entries[id];
	if (e->lru_prev != NIL)
		ix->entries[e->lru_prev].lru_next = e->lru_next;
	else
		ix->lru_head = e->lru_next;
	if (e->lru_next != NIL)
		ix->entries[e->lru_next].lru_prev = e->lru_prev;
	else
		ix->lru_tail = e->lru_prev;
}

static void lru_append(struct name_index *ix, uint32_t id)
{
	struct ix_entry *e = &ix->entries[id];
	e->lru_next = NIL;
	e->lru_prev = ix->lru_tail;
	if (ix->lru_tail != NIL)
		ix->entries[ix->lru_tail].lru_next = id;
	else
		ix->lru_head = id;
	ix->lru_tail = id;
}

static bool same_addr(const struct ix_entry *e, uint8_t version,
		      const struct ip_addr *a)
{
	return e->version == version && memcmp(&e->addr, a, sizeof(*a)) == 0;
}

static void remove_entry(struct name_index *ix, uint32_t id)
{
	struct ix_entry *e = &ix->entries[id];
	uint32_t *link = &ix->buckets[addr_hash(ix, e->version, &e->addr) & ix->bucket_mask];

	while (*link != id)
		link = &ix->entries[*link].hash_next;
	*link = e->hash_next;
	lru_unlink(ix, id);
	name_unref(ix->names, e->name);
	free(e->chain);
	e->chain = NULL;
	e->used = false;
	e->hash_next = ix->free_head;
	ix->free_head = id;
	ix->stats.entries--;
}

static uint32_t take_entry(struct name_index *ix)
{
	if (ix->free_head == NIL && ix->used_hw == ix->max_entries) {
		remove_entry(ix, ix->lru_head);
		ix->stats.evicted++;
	}
	if (ix->free_head != NIL) {
		uint32_t id = ix->free_head;
		ix->free_head = ix->entries[id].hash_next;
		return id;
	}
	return ix->used_hw++;
}

/* The entry of (addr, name), or NIL; also the oldest entry of addr and how
 * many names addr has. */
static uint32_t find(struct name_index *ix, uint8_t version,
		     const struct ip_addr *addr, uint32_t name,
		     uint32_t *oldest, unsigned *count)
{
	uint32_t found = NIL;

	*oldest = NIL;
	*count = 0;
	for (uint32_t id = ix->buckets[addr_hash(ix, version, addr) & ix->bucket_mask];
	     id != NIL; id = ix->entries[id].hash_next) {
		struct ix_entry *e = &ix->entries[id];
		if (!same_addr(e, version, addr))
			continue;
		(*count)++;
		if (e->name == name)
			found = id;
		if (*oldest == NIL || e->answer_us < ix->entries[*oldest].answer_us)
			*oldest = id;
	}
	return found;
}

void name_index_add(struct name_index *ix, uint8_t version,
		    const struct ip_addr *addr, const char *name,
		    const char *chain, uint32_t ttl, uint64_t now_us,
		    uint8_t resolver_version, const struct ip_addr *resolver)
{
	uint32_t h = name_intern(ix->names, name);
	if (!h)
		return;

	uint32_t oldest;
	unsigned count;
	uint32_t id = find(ix, version, addr, h, &oldest, &count);
	if (id != NIL) {
		name_unref(ix->names, h);  /* the entry holds its own reference */
		lru_unlink(ix, id);
		free(ix->entries[id].chain);
	} else {
		if (count >= NAMES_PER_ADDRESS)
			remove_entry(ix, oldest);
		id = take_entry(ix);
		struct ix_entry *e = &ix->entries[id];
		memset(e, 0, sizeof(*e));
		e->addr = *addr;
		e->version = version;
		e->name = h;
		e->used = true;
		e->first_us = now_us;
		uint32_t *bucket = &ix->buckets[addr_hash(ix, version, addr) & ix->bucket_mask];
		e->hash_next = *bucket;
		*bucket = id;
		ix->stats.entries++;
	}
	struct ix_entry *e = &ix->entries[id];
	e->ttl = ttl;
	e->answer_us = now_us;
	e->resolver_version = resolver_version;
	e->resolver = *resolver;
	e->chain = chain && *chain ? strdup(chain) : NULL;
	lru_append(ix, id);
	ix->stats.added++;
}

bool name_index_lookup(struct name_index *ix, uint8_t version,
		       const struct ip_addr *addr, uint64_t t,
		       struct name_evidence *out)
{
	const struct ix_entry *best = NULL;

	for (uint32_t id = ix->buckets[addr_hash(ix, version, addr) & ix->bucket_mask];
	     id != NIL; id = ix->entries[id].hash_next) {
		const struct ix_entry *e = &ix->entries[id];
		/* Repeated answers keep a name valid from the first to the
		 * latest one's TTL (plus grace). */
		if (!same_addr(e, version, addr) || e->first_us > t)
			continue;
		if (t > e->answer_us &&
		    t - e->answer_us > (uint64_t)e->ttl * 1000000u + ix->grace_us)
			continue;
		if (!best || e->first_us > best->first_us)
			best = e;
	}
	if (!best)
		return false;
	memset(out, 0, sizeof(*out));
	out->name = best->name;
	name_ref(ix->names, best->name);
	if (best->chain)
		snprintf(out->chain, sizeof(out->chain), "%s", best->chain);
	out->answer_us = best->first_us;
	out->ttl = best->ttl;
	out->resolver_version = best->resolver_version;
	out->resolver = best->resolver;
	return true;
}

const struct name_index_stats *name_index_stats(const struct name_index *ix)
{
	return &ix->stats;
}
