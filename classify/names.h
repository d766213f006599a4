/* names.h - interned host names.
 *
 * Each distinct name is stored once and shared by every flow and every name
 * index entry that refers to it; it is freed when the last reference goes.
 * The store is bounded in bytes: past the bound a new name is refused (and
 * counted), never allowed to grow memory without limit.
 */
#ifndef FLOWAUDIT_NAMES_H
#define FLOWAUDIT_NAMES_H

#include <stddef.h>
#include <stdint.h>

struct name_store;

struct name_store_stats {
	uint64_t names;      /* distinct names held now */
	uint64_t bytes;      /* their size */
	uint64_t refused;    /* names not stored because the store was full */
};

struct name_store *name_store_new(size_t max_bytes);
void name_store_free(struct name_store *s);

/* A reference to name (case kept), 0 when name is empty or the store is
 * full. Each returned handle must be released with name_unref. */
uint32_t name_intern(struct name_store *s, const char *name);
void name_ref(struct name_store *s, uint32_t h);
void name_unref(struct name_store *s, uint32_t h);

/* The name of a live handle ("" for 0). */
const char *name_get(const struct name_store *s, uint32_t h);

const struct name_store_stats *name_store_stats(const struct name_store *s);

#endif
