/* siphash.h - SipHash (Aumasson and Bernstein, 2012), a keyed hash that is
 * a pseudorandom function: without the 128-bit key, whoever sends the
 * traffic cannot choose inputs that collide in a table, however many hash
 * values of the unkeyed kind they could compute offline.
 *
 * SipHash-c-d compresses each 8-byte block with c rounds and finishes with
 * d. SipHash-2-4 is the paper's recommended strength; the tables fed by
 * traffic use SipHash-1-3 (the rounds Rust's and CPython's hash tables
 * settled on for the same job) because the flow table hashes every packet:
 * a table only needs the attacker unable to predict collisions, not a MAC.
 *
 * Written here from the paper's description; tests/unit/test_hash.c checks
 * it against the reference SipHash-2-4 vectors. */
#ifndef FLOWAUDIT_COMMON_SIPHASH_H
#define FLOWAUDIT_COMMON_SIPHASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct siphash_key {
	uint64_t k0, k1;  /* the key's bytes 0-7 and 8-15, little-endian */
};

/* The key from its 16 bytes, as the paper numbers them. */
static inline struct siphash_key siphash_key_from_bytes(const uint8_t b[16])
{
	struct siphash_key k = { 0, 0 };
	for (int i = 7; i >= 0; i--) {
		k.k0 = (k.k0 << 8) | b[i];
		k.k1 = (k.k1 << 8) | b[8 + i];
	}
	return k;
}

static inline uint64_t siphash_rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

/* One SipRound over the state v[0..3]. */
static inline void siphash_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = siphash_rotl(v[1], 13);
	v[1] ^= v[0];
	v[0] = siphash_rotl(v[0], 32);
	v[2] += v[3];
	v[3] = siphash_rotl(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = siphash_rotl(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = siphash_rotl(v[1], 17);
	v[1] ^= v[2];
	v[2] = siphash_rotl(v[2], 32);
}

/* Little-endian load of 8 bytes, whatever the host's byte order: on a
 * little-endian host one unaligned load. */
static inline uint64_t siphash_load64(const uint8_t *p)
{
	uint64_t m;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(&m, p, sizeof(m));
#else
	m = 0;
	for (int i = 7; i >= 0; i--)
		m = (m << 8) | p[i];
#endif
	return m;
}

static inline void siphash_absorb(uint64_t v[4], uint64_t m, int c)
{
	v[3] ^= m;
	for (int i = 0; i < c; i++)
		siphash_round(v);
	v[0] ^= m;
}

/* SipHash-c-d of n bytes: static inline so that the fixed c, d (and, for a
 * packed flow key, n) of each caller unroll. */
static inline uint64_t siphash_cd(const struct siphash_key *k, int c, int d,
				  const void *data, size_t n)
{
	const uint8_t *p = data;
	uint64_t v[4] = {
		k->k0 ^ 0x736f6d6570736575ull, k->k1 ^ 0x646f72616e646f6dull,
		k->k0 ^ 0x6c7967656e657261ull, k->k1 ^ 0x7465646279746573ull,
	};
	size_t whole = n & ~(size_t)7;

	for (size_t i = 0; i < whole; i += 8)
		siphash_absorb(v, siphash_load64(p + i), c);
	/* The last block: the 0-7 bytes left, and the length's low byte on top
	 * (a switch rather than a copy: no call, and nothing for a known n). */
	const uint8_t *t = p + whole;
	uint64_t b = (uint64_t)(n & 0xff) << 56;
	switch (n & 7) {
	case 7: b |= (uint64_t)t[6] << 48; /* fall through */
	case 6: b |= (uint64_t)t[5] << 40; /* fall through */
	case 5: b |= (uint64_t)t[4] << 32; /* fall through */
	case 4: b |= (uint64_t)t[3] << 24; /* fall through */
	case 3: b |= (uint64_t)t[2] << 16; /* fall through */
	case 2: b |= (uint64_t)t[1] << 8;  /* fall through */
	case 1: b |= (uint64_t)t[0]; break;
	default: break;
	}
	siphash_absorb(v, b, c);
	v[2] ^= 0xff;
	for (int i = 0; i < d; i++)
		siphash_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static inline uint64_t siphash24(const struct siphash_key *k, const void *data,
				 size_t n)
{
	return siphash_cd(k, 2, 4, data, n);
}

static inline uint64_t siphash13(const struct siphash_key *k, const void *data,
				 size_t n)
{
	return siphash_cd(k, 1, 3, data, n);
}

#endif
