/* names.c - interned, reference-counted host names (see names.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash_key.h"
#include "names.h"

#define NIL 0u
/* Per-name overhead counted against the bound: entry plus index slot. */
#define NAME_OVERHEAD 40u

struct name_entry {
	char *text;
	uint32_t hash;
	uint32_t refs;     /* 0: free, then next_free links the free list */
	uint32_t next_free;
};

struct name_store {
	size_t max_bytes;
	struct name_entry *entries;  /* entries[0] unused: handle 0 is "none" */
	uint32_t nentries, cap;
	uint32_t free_head;
	uint32_t *index;             /* open addressing: entry ids, NIL empty */
	uint32_t index_mask;
	struct siphash_key key;      /* the process's: names come from traffic */
	struct name_store_stats stats;
};

/* Keyed: names come from DNS and TLS, and FNV collisions are easy to
 * make, so an unkeyed hash would let a sender fill one probe run. */
static uint32_t hash_text(const struct name_store *s, const char *text)
{
	return (uint32_t)siphash13(&s->key, text, strlen(text));
}

struct name_store *name_store_new(size_t max_bytes)
{
	struct name_store *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->max_bytes = max_bytes;
	s->key = *hash_key();
	s->cap = 1024;
	s->entries = calloc(s->cap, sizeof(*s->entries));
	s->index_mask = 2047;
	s->index = calloc(s->index_mask + 1, sizeof(*s->index));
	s->nentries = 1;
	if (!s->entries || !s->index) {
		name_store_free(s);
		return NULL;
	}
	return s;
}

void name_store_free(struct name_store *s)
{
	if (!s)
		return;
	for (uint32_t i = 1; s->entries && i < s->nentries; i++)
		free(s->entries[i].text);
	free(s->entries);
	free(s->index);
	free(s);
}

static uint32_t *index_slot(struct name_store *s, uint32_t hash, const char *text)
{
	for (uint32_t i = hash & s->index_mask;; i = (i + 1) & s->index_mask) {
		uint32_t id = s->index[i];
		if (id == NIL)
			return &s->index[i];
		if (s->entries[id].hash == hash && strcmp(s->entries[id].text, text) == 0)
			return &s->index[i];
	}
}

static bool index_grow(struct name_store *s)
{
	uint32_t size = (s->index_mask + 1) * 2;
	uint32_t *fresh = calloc(size, sizeof(*fresh));
	if (!fresh)
		return false;
	uint32_t *old = s->index, old_size = s->index_mask + 1;
	s->index = fresh;
	s->index_mask = size - 1;
	for (uint32_t i = 0; i < old_size; i++)
		if (old[i] != NIL)
			*index_slot(s, s->entries[old[i]].hash, s->entries[old[i]].text) = old[i];
	free(old);
	return true;
}

static uint32_t new_entry(struct name_store *s)
{
	if (s->free_head != NIL) {
		uint32_t id = s->free_head;
		s->free_head = s->entries[id].next_free;
		return id;
	}
	if (s->nentries == s->cap) {
		struct name_entry *e = realloc(s->entries, 2 * s->cap * sizeof(*e));
		if (!e)
			return NIL;
		memset(e + s->cap, 0, s->cap * sizeof(*e));
		s->entries = e;
		s->cap *= 2;
	}
	return s->nentries++;
}

uint32_t name_intern(struct name_store *s, const char *name)
{
	if (!name || !*name)
		return NIL;
	uint32_t hash = hash_text(s, name);
	uint32_t *slot = index_slot(s, hash, name);
	if (*slot != NIL) {
		s->entries[*slot].refs++;
		return *slot;
	}
	size_t len = strlen(name);
	if (s->stats.bytes + len + 1 + NAME_OVERHEAD > s->max_bytes) {
		s->stats.refused++;
		return NIL;
	}
	if ((s->stats.names + 1) * 2 > s->index_mask + 1) {
		if (!index_grow(s))
			return NIL;
		slot = index_slot(s, hash, name);
	}
	uint32_t id = new_entry(s);
	char *text = id != NIL ? strdup(name) : NULL;
	if (!text) {
		if (id != NIL) {
			s->entries[id].next_free = s->free_head;
			s->free_head = id;
		}
		s->stats.refused++;
		return NIL;
	}
	s->entries[id] = (struct name_entry){ text, hash, 1, 0 };
	*slot = id;
	s->stats.names++;
	s->stats.bytes += len + 1 + NAME_OVERHEAD;
	return id;
}

void name_ref(struct name_store *s, uint32_t h)
{
	if (h != NIL)
		s->entries[h].refs++;
}

/* Removes entry id from the index by backward shifting its cluster. */
static void index_remove(struct name_store *s, uint32_t id)
{
	struct name_entry *e = &s->entries[id];
	uint32_t hole = e->hash & s->index_mask;

	while (s->index[hole] != id)
		hole = (hole + 1) & s->index_mask;
	s->index[hole] = NIL;
	for (uint32_t i = (hole + 1) & s->index_mask; s->index[i] != NIL;
	     i = (i + 1) & s->index_mask) {
		uint32_t home = s->entries[s->index[i]].hash & s->index_mask;
		bool movable = hole <= i ? (home <= hole || home > i)
					 : (home <= hole && home > i);
		if (movable) {
			s->index[hole] = s->index[i];
			s->index[i] = NIL;
			hole = i;
		}
	}
}

void name_unref(struct name_store *s, uint32_t h)
{
	if (h == NIL)
		return;
	struct name_entry *e = &s->entries[h];
	if (--e->refs > 0)
		return;
	index_remove(s, h);
	s->stats.names--;
	s->stats.bytes -= strlen(e->text) + 1 + NAME_OVERHEAD;
	free(e->text);
	e->text = NULL;
	e->next_free = s->free_head;
	s->free_head = h;
}

const char *name_get(const struct name_store *s, uint32_t h)
{
	return h != NIL && s->entries[h].text ? s->entries[h].text : "";
}

const struct name_store_stats *name_store_stats(const struct name_store *s)
{
	return &s->stats;
}
