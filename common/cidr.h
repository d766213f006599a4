/* cidr.h - networks (address and prefix length) for site bindings,
 * exceptions and special-address tables. */
#ifndef FLOWAUDIT_COMMON_CIDR_H
#define FLOWAUDIT_COMMON_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct cidr {
	uint8_t ip_version;
	uint8_t prefix;
	struct ip_addr addr;
};

/* A mask of a 64-bit word's first `bits` bits (0 to 64), most
 * significant first. */
static inline uint64_t cidr_mask64(unsigned bits)
{
	return bits == 0 ? 0 : bits >= 64 ? ~0ull : ~(~0ull >> bits);
}

static inline uint64_t cidr_be64(const uint8_t *b)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static inline uint32_t cidr_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Whether the address (of that family) lies in the network.
 *
 * Whole words under a mask, not a byte compare of variable length: every
 * flow's ends are tested against the site's networks, four times a flow
 * in `audit` (a memcmp call each was a twentieth of its samples); and
 * inline, as the loops that ask are short. A prefix longer than the
 * family's is its whole address. */
static inline bool cidr_contains(const struct cidr *c, uint8_t version, const struct ip_addr *a)
{
	if (c->ip_version != version)
		return false;
	if (version == 4) {
		uint32_t mask = (uint32_t)(cidr_mask64(c->prefix > 32 ? 32 : c->prefix) >> 32);
		return ((cidr_be32(c->addr.b) ^ cidr_be32(a->b)) & mask) == 0;
	}
	unsigned prefix = c->prefix > 128 ? 128 : c->prefix;
	uint64_t high = cidr_mask64(prefix);
	uint64_t low = cidr_mask64(prefix > 64 ? prefix - 64 : 0);
	return ((cidr_be64(c->addr.b) ^ cidr_be64(a->b)) & high) == 0 &&
	       ((cidr_be64(c->addr.b + 8) ^ cidr_be64(a->b + 8)) & low) == 0;
}

/* "192.0.2.7" for a host, "192.0.2.0/24" for a network. */
#define CIDR_TEXT_LEN (IP_TEXT_LEN + 4)
void format_cidr(char *out, size_t len, const struct cidr *c);

#endif
