/* hash_mix.h - an unkeyed 64-bit mixing function, for hashes that must be
 * the same in every run (a flow's uid, the worker a flow goes to), never
 * for a table traffic fills: those are keyed (hash_key.h). */
#ifndef FLOWAUDIT_COMMON_HASH_MIX_H
#define FLOWAUDIT_COMMON_HASH_MIX_H

#include <stdint.h>

/* A finalizer of the xor-shift-multiply kind: every input bit changes
 * about half of the output bits. */
static inline uint64_t hash_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

#endif
