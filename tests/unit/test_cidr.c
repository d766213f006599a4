/* test_cidr.c - cidr_contains (common/cidr.h) against the definition, bit
 * by bit: an address is in a network when its first prefix bits are the
 * network's. Every prefix length of both families, with addresses that
 * differ from the network in exactly one bit, before and after the prefix's
 * end (the word-mask comparison's edges: 0, 31/32, 63/64, 127/128). */
#include <stdlib.h>
#include <string.h>

#include "common/cidr.h"
#include "tap.h"

static bool bit(const struct ip_addr *a, unsigned i)
{
	return (a->b[i / 8] >> (7 - i % 8)) & 1;
}

/* The definition, one bit at a time; a prefix past the family's width is
 * the whole address. */
static bool contains_by_bits(const struct cidr *c, uint8_t version,
			     const struct ip_addr *a)
{
	unsigned width = version == 4 ? 32 : 128;
	unsigned prefix = c->prefix < width ? c->prefix : width;

	if (c->ip_version != version)
		return false;
	for (unsigned i = 0; i < prefix; i++)
		if (bit(&c->addr, i) != bit(a, i))
			return false;
	return true;
}

static void random_addr(struct ip_addr *a, uint8_t version)
{
	memset(a, 0, sizeof(*a));
	for (unsigned i = 0; i < (version == 4 ? 4u : 16u); i++)
		a->b[i] = (uint8_t)(rand() >> 7);
}

/* Every prefix of one network against the network itself and each
 * one-bit change of it; returns the number of disagreements. */
static unsigned disagreements(uint8_t version, const struct ip_addr *net)
{
	unsigned width = version == 4 ? 32 : 128, bad = 0;
	struct cidr c = { .ip_version = version, .addr = *net };

	for (unsigned prefix = 0; prefix <= width; prefix++) {
		c.prefix = (uint8_t)prefix;
		for (unsigned flip = 0; flip <= width; flip++) {
			struct ip_addr a = *net;
			if (flip < width)
				a.b[flip / 8] ^= (uint8_t)(0x80 >> flip % 8);
			if (cidr_contains(&c, version, &a) != contains_by_bits(&c, version, &a))
				bad++;
		}
	}
	return bad;
}

int main(void)
{
	srand(7);
	for (uint8_t version = 4; version <= 6; version += 2) {
		unsigned bad = 0;
		for (int n = 0; n < 50; n++) {
			struct ip_addr net;
			random_addr(&net, version);
			bad += disagreements(version, &net);
		}
		is_int(bad, 0, version == 4 ? "IPv4: every prefix, every one-bit change"
					     : "IPv6: every prefix, every one-bit change");
	}

	struct cidr v4 = { .ip_version = 4, .prefix = 8, .addr = { { 10 } } };
	struct ip_addr a = { { 10, 1, 2, 3 } }, b = { { 11, 1, 2, 3 } };
	ok(cidr_contains(&v4, 4, &a), "10.1.2.3 is in 10.0.0.0/8");
	ok(!cidr_contains(&v4, 4, &b), "11.1.2.3 is not in 10.0.0.0/8");
	ok(!cidr_contains(&v4, 6, &a), "an IPv6 address is never in an IPv4 network");
	struct cidr all = { .ip_version = 6, .prefix = 0 };
	ok(cidr_contains(&all, 6, &b), "::/0 holds every IPv6 address");
	struct cidr host = { .ip_version = 4, .prefix = 32, .addr = a };
	ok(cidr_contains(&host, 4, &a) && !cidr_contains(&host, 4, &b),
	   "a /32 holds its own address only");
	return done_testing();
}
