/* hash_key.h - the process's key for every hash table fed by traffic.
 *
 * Addresses, ports and DNS answers are chosen by whoever sends the
 * traffic; a table hashed without a secret lets them pick, offline, inputs
 * that all land in one bucket and make each insert walk all the others.
 * The key is drawn once per process from getrandom(), so such inputs
 * cannot be precomputed. FLOWAUDIT_HASH_SEED (1 to 32 hex digits) fixes it
 * instead, for reproducing a run: no output depends on the key, only how
 * long lookups take. */
#ifndef FLOWAUDIT_COMMON_HASH_KEY_H
#define FLOWAUDIT_COMMON_HASH_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "siphash.h"

#define HASH_SEED_ENV "FLOWAUDIT_HASH_SEED"

/* Draws (or reads from the environment) the key, once; later calls only
 * repeat the first one's result. False when FLOWAUDIT_HASH_SEED is set but
 * not 1 to 32 hex digits: the key is then random, and the caller decides
 * whether that is an error. Safe to call from several threads. */
bool hash_key_init(void);

/* The key; the first use draws it if hash_key_init was not called. */
const struct siphash_key *hash_key(void);

/* Whether the key came from FLOWAUDIT_HASH_SEED. */
bool hash_key_fixed(void);

/* Parses 1 to 32 hex digits into a key: the digits are a 128-bit number,
 * its most significant byte the key's first (so "000102...0f" is the
 * paper's test key). False on anything else. */
bool hash_seed_parse(const char *text, struct siphash_key *out);

/* An address under key k: its 4 bytes for IPv4, 16 for IPv6, then the
 * version, so tables of addresses from traffic hash them one way. */
static inline uint32_t hash_ip_addr(const struct siphash_key *k, uint8_t version,
				    const struct ip_addr *a)
{
	uint8_t m[sizeof(a->b) + 1];
	size_t n = version == 4 ? 4 : sizeof(a->b);

	for (size_t i = 0; i < n; i++)
		m[i] = a->b[i];
	m[n] = version;
	return (uint32_t)siphash13(k, m, n + 1);
}

#endif
