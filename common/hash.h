/* hash.h - FNV-1a, the small hash of tables whose keys the program itself
 * chooses (rule ids, site keys). Tables fed by traffic use SipHash under
 * the process's key instead (hash_key.h): FNV collisions are easy to make. */
#ifndef FLOWAUDIT_COMMON_HASH_H
#define FLOWAUDIT_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A_INIT 2166136261u

/* Continues hash h over n bytes. */
static inline uint32_t fnv1a(uint32_t h, const void *data, size_t n)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Continues hash h over a NUL-terminated string. */
static inline uint32_t fnv1a_str(uint32_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

#endif
