/* test_dns_digest.c - a parsed DNS message packed for another thread
 * (classify/dns_digest.h): the digest gives back the header fields and,
 * in order, the same addresses and chains as dns_answers_for_question on
 * the message; it is refused when it does not fit; a reader given fewer
 * bytes than the digest holds stops short instead of reading past them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/dns_digest.h"
#include "classify/dns_parse.h"
#include "tap.h"

/* www.example.com: a CNAME to edge.cdn.example.net, which has an A and an
 * AAAA record; and an A record for a name off the chain. */
static const uint8_t response[] = {
	0xbe, 0xef, 0x81, 0x80, 0, 1, 0, 4, 0, 0, 0, 0,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0, 1, 0, 1,
	/* www.example.com CNAME edge.cdn.example.net, TTL 300 */
	0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0x01, 0x2c, 0, 22,
	4, 'e', 'd', 'g', 'e', 3, 'c', 'd', 'n', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	3, 'n', 'e', 't', 0,
	/* edge.cdn.example.net A 192.0.2.7, TTL 60 (name at offset 45) */
	0xc0, 0x2d, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7,
	/* edge.cdn.example.net AAAA 2001:db8::7, TTL 60 */
	0xc0, 0x2d, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7,
	/* other.org A 198.51.100.1: not on the question's chain */
	5, 'o', 't', 'h', 'e', 'r', 3, 'o', 'r', 'g', 0,
	0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 51, 100, 1,
};

#define MAX_SEEN 8

struct seen {
	unsigned n;
	uint8_t version[MAX_SEEN];
	struct ip_addr addr[MAX_SEEN];
	uint32_t ttl[MAX_SEEN];
	char chain[MAX_SEEN][256];
};

static void note(struct seen *s, uint8_t version, const struct ip_addr *addr,
		 uint32_t ttl, const char *chain)
{
	if (s->n == MAX_SEEN)
		return;
	s->version[s->n] = version;
	s->addr[s->n] = *addr;
	s->ttl[s->n] = ttl;
	snprintf(s->chain[s->n], sizeof(s->chain[0]), "%s", chain);
	s->n++;
}

static void from_message(void *ctx, const struct dns_record *r, const char *chain)
{
	note(ctx, r->ip_version, &r->addr, r->ttl, chain);
}

static void from_digest(void *ctx, uint8_t version, const struct ip_addr *addr,
			uint32_t ttl, const char *chain)
{
	note(ctx, version, addr, ttl, chain);
}

static bool same_seen(const struct seen *a, const struct seen *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned i = 0; i < a->n; i++)
		if (a->version[i] != b->version[i] || a->ttl[i] != b->ttl[i] ||
		    memcmp(&a->addr[i], &b->addr[i], sizeof(a->addr[i])) != 0 ||
		    strcmp(a->chain[i], b->chain[i]) != 0)
			return false;
	return true;
}

static void test_round_trip(const struct dns_message *m)
{
	static uint8_t buf[4096] __attribute__((aligned(8)));
	size_t len = dns_digest_pack(m, buf, sizeof(buf));
	struct dns_digest_head h;
	struct seen want = { 0 }, got = { 0 };

	ok(len > 0 && len % 8 == 0, "the message packs (%zu bytes)", len);
	ok(dns_digest_head(buf, len, &h), "its head reads back");
	ok(h.id == 0xbeef && h.is_response && h.rcode == 0 && h.qtype == 1 &&
	   h.nrecords == m->nrecords, "id, response flag, rcode, qtype, record count");
	is_str(h.qname, "www.example.com", "the question");

	dns_answers_for_question(m, from_message, &want);
	unsigned n = dns_digest_each_address(buf, len, from_digest, &got);
	is_int(want.n, 2, "the message gives two addresses for the question");
	is_int(n, want.n, "the digest gives as many");
	ok(same_seen(&want, &got), "the same addresses, TTLs and chains, in order");
	is_str(got.chain[0], "edge.cdn.example.net",
	       "with the chain of CNAME targets that led there");

	/* Any shorter length: the head is refused or the list stops short. */
	bool short_safe = true;
	for (size_t cut = 0; cut < len; cut++) {
		struct seen part = { 0 };
		if (dns_digest_head(buf, cut, &h) ||
		    dns_digest_each_address(buf, cut, from_digest, &part) >= want.n)
			short_safe = false;
	}
	ok(short_safe, "a digest cut short anywhere is never read whole");

	/* A head that claims fewer bytes than itself: refused, not read as a
	 * question past the end. */
	static uint8_t bad[4096] __attribute__((aligned(8)));
	memcpy(bad, buf, len);
	uint32_t tiny = 8;
	memcpy(bad, &tiny, sizeof(tiny));   /* the head's first field: its length */
	struct seen none = { 0 };
	ok(!dns_digest_head(bad, len, &h) &&
	   dns_digest_each_address(bad, len, from_digest, &none) == 0,
	   "a head shorter than itself is refused");

	ok(dns_digest_pack(m, buf, len - 8) == 0, "a digest that does not fit is refused");
	ok(dns_digest_pack(m, buf, 8) == 0, "so is one with no room for its head");
}

static void test_query(struct dns_message *m)
{
	static uint8_t query[sizeof(response)], buf[512] __attribute__((aligned(8)));
	struct dns_digest_head h;
	struct seen got = { 0 };

	memcpy(query, response, 33);   /* header and question only */
	query[2] = 0x01;               /* QR clear, RD set */
	query[3] = 0x00;
	query[7] = 0;                  /* no answers */
	if (!ok(dns_parse(query, 33, m), "a query parses"))
		return;
	size_t len = dns_digest_pack(m, buf, sizeof(buf));
	ok(len && dns_digest_head(buf, len, &h) && !h.is_response && h.nrecords == 0,
	   "a query's digest: no response, no records");
	is_int(dns_digest_each_address(buf, len, from_digest, &got), 0,
	       "and no addresses");
}

int main(void)
{
	struct dns_message *m = malloc(sizeof(*m));

	if (!ok(m && dns_parse(response, sizeof(response), m), "the response parses")) {
		free(m);
		printf("1..%d\n", tap_count);
		return 1;
	}
	test_round_trip(m);
	test_query(m);
	free(m);
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}
