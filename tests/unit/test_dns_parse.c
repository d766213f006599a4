/* test_dns_parse.c - DNS messages through ldns: questions, answers, CNAME
 * chains, response codes, TCP framing, and hostile bytes that must neither
 * crash nor leak nor leave unsafe text behind.
 *
 * The messages are written byte by byte here, with name compression, so the
 * test does not depend on ldns to build what ldns then parses. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "classify/dns_parse.h"
#include "tap.h"

/* ---- a small DNS message writer ---- */

#define QR 0x8000
#define OPCODE_UPDATE (5 << 11)
#define TYPE_SOA 6
#define TYPE_OPT 41
#define TYPE_TSIG 250
#define CLASS_IN 1
#define CLASS_CH 3

struct msg {
	uint8_t b[4096];
	size_t n;
	unsigned pointers;    /* compression pointers written */
	struct {
		char name[DNS_NAME_LEN];
		uint16_t off;
	} seen[256];          /* name suffixes written so far, for compression */
	unsigned nseen;
};

static void put8(struct msg *w, unsigned v)
{
	if (w->n < sizeof(w->b))
		w->b[w->n++] = (uint8_t)v;
}

static void put16(struct msg *w, unsigned v)
{
	put8(w, v >> 8);
	put8(w, v & 0xff);
}

static void put32(struct msg *w, uint32_t v)
{
	put16(w, v >> 16);
	put16(w, v & 0xffff);
}

static int seen_at(const struct msg *w, const char *name)
{
	for (unsigned i = 0; i < w->nseen; i++)
		if (strcmp(w->seen[i].name, name) == 0)
			return w->seen[i].off;
	return -1;
}

/* Writes a dotted name, pointing back at any suffix written before. */
static void put_name(struct msg *w, const char *name)
{
	while (*name) {
		int off = seen_at(w, name);
		if (off >= 0) {
			put16(w, 0xc000 | (unsigned)off);
			w->pointers++;
			return;
		}
		if (w->nseen < 256 && w->n < 0x3fff) {
			snprintf(w->seen[w->nseen].name, DNS_NAME_LEN, "%s", name);
			w->seen[w->nseen++].off = (uint16_t)w->n;
		}
		const char *dot = strchr(name, '.');
		size_t len = dot ? (size_t)(dot - name) : strlen(name);
		put8(w, (unsigned)len);
		for (size_t i = 0; i < len; i++)
			put8(w, (uint8_t)name[i]);
		name += len + (dot != NULL);
	}
	put8(w, 0);
}

static void put_header(struct msg *w, unsigned id, unsigned flags,
		       unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
	memset(w, 0, sizeof(*w));
	put16(w, id);
	put16(w, flags);
	put16(w, qd);
	put16(w, an);
	put16(w, ns);
	put16(w, ar);
}

static void put_question(struct msg *w, const char *name, unsigned type)
{
	put_name(w, name);
	put16(w, type);
	put16(w, CLASS_IN);
}

/* Writes an RR's owner, type, class and TTL; returns where RDLENGTH goes. */
static size_t put_rr(struct msg *w, const char *owner, unsigned type,
		     unsigned cls, uint32_t ttl)
{
	put_name(w, owner);
	put16(w, type);
	put16(w, cls);
	put32(w, ttl);
	put16(w, 0);
	return w->n - 2;
}

static void end_rdata(struct msg *w, size_t at)
{
	size_t len = w->n - at - 2;
	w->b[at] = (uint8_t)(len >> 8);
	w->b[at + 1] = (uint8_t)len;
}

static void put_a(struct msg *w, const char *owner, uint32_t ttl,
		  unsigned a, unsigned b, unsigned c, unsigned d)
{
	size_t at = put_rr(w, owner, DNS_TYPE_A, CLASS_IN, ttl);
	put8(w, a);
	put8(w, b);
	put8(w, c);
	put8(w, d);
	end_rdata(w, at);
}

static void put_aaaa(struct msg *w, const char *owner, uint32_t ttl,
		     const uint8_t addr[16])
{
	size_t at = put_rr(w, owner, DNS_TYPE_AAAA, CLASS_IN, ttl);
	for (int i = 0; i < 16; i++)
		put8(w, addr[i]);
	end_rdata(w, at);
}

static void put_cname(struct msg *w, const char *owner, uint32_t ttl,
		      const char *target)
{
	size_t at = put_rr(w, owner, DNS_TYPE_CNAME, CLASS_IN, ttl);
	put_name(w, target);
	end_rdata(w, at);
}

static void put_soa(struct msg *w, const char *zone)
{
	size_t at = put_rr(w, zone, TYPE_SOA, CLASS_IN, 900);
	put_name(w, "ns1.example.com");
	put_name(w, "hostmaster.example.com");
	for (int i = 0; i < 5; i++)
		put32(w, 3600);
	end_rdata(w, at);
}

/* An empty-rdata record in the root name: OPT's TTL holds the upper rcode
 * bits, and a TSIG without rdata still passes ldns. */
static void put_root_rr(struct msg *w, unsigned type, unsigned cls,
			uint32_t ttl)
{
	put8(w, 0);
	put16(w, type);
	put16(w, cls);
	put32(w, ttl);
	put16(w, 0);
}

/* ---- what the parser and the chain walker give back ---- */

static struct dns_message msg;   /* ~35 KB: kept off the stack */

static bool parse(const struct msg *w)
{
	return dns_parse(w->b, w->n, &msg);
}

#define MAX_GOT 80
#define CHAIN_TEXT 4200

static struct got {
	unsigned n;
	struct dns_record rec[MAX_GOT];
	char chain[MAX_GOT][CHAIN_TEXT];
} got;

static void collect(void *ctx, const struct dns_record *r, const char *chain)
{
	struct got *g = ctx;
	if (g->n < MAX_GOT) {
		g->rec[g->n] = *r;
		snprintf(g->chain[g->n], CHAIN_TEXT, "%s", chain);
	}
	g->n++;
}

static void answers(const struct dns_message *m)
{
	memset(&got, 0, sizeof(got));
	dns_answers_for_question(m, collect, &got);
}

static bool addr4_is(const struct dns_record *r, unsigned a, unsigned b,
		     unsigned c, unsigned d)
{
	const uint8_t want[16] = { (uint8_t)a, (uint8_t)b, (uint8_t)c,
				   (uint8_t)d };
	return r->ip_version == 4 && memcmp(r->addr.b, want, 16) == 0;
}

static bool is_zeroed(const struct dns_message *m)
{
	static const struct dns_message zero;
	return memcmp(m, &zero, sizeof(zero)) == 0;
}

/* A name as this module promises it: short, printable, lower case, every
 * backslash starting a whole \DDD or \c escape, no trailing dot. */
static bool name_is_safe(const char *s)
{
	size_t len = strnlen(s, DNS_NAME_LEN);
	bool bare_dot_last = false;

	if (len == DNS_NAME_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c >= 0x7f || (c >= 'A' && c <= 'Z'))
			return false;
		bare_dot_last = c == '.';
		if (c != '\\')
			continue;
		if (s[i + 1] && strchr(".;()\\", s[i + 1])) {
			i++;
		} else if (i + 3 < len && isdigit((unsigned char)s[i + 1]) &&
			   isdigit((unsigned char)s[i + 2]) &&
			   isdigit((unsigned char)s[i + 3]) &&
			   (s[i + 1] - '0') * 100 + (s[i + 2] - '0') * 10 +
			   (s[i + 3] - '0') <= 255) {
			i += 3;
		} else {
			return false;
		}
	}
	return len <= 1 || !bare_dot_last;
}

static bool message_is_sane(const struct dns_message *m, bool parsed)
{
	if (!parsed)
		return is_zeroed(m);
	if (m->nrecords > DNS_MAX_RECORDS || !name_is_safe(m->qname))
		return false;
	for (unsigned i = 0; i < m->nrecords; i++) {
		const struct dns_record *r = &m->records[i];
		bool typed = (r->type == DNS_TYPE_A && r->ip_version == 4) ||
			     (r->type == DNS_TYPE_AAAA && r->ip_version == 6) ||
			     (r->type == DNS_TYPE_CNAME && r->ip_version == 0 &&
			      r->target[0] && name_is_safe(r->target));
		if (!typed || !r->owner[0] || !name_is_safe(r->owner))
			return false;
	}
	return true;
}

static bool text_is_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* ---- questions and plain answers ---- */

static void test_query(void)
{
	struct msg w;

	put_header(&w, 0x1234, 0x0100, 1, 0, 0, 0);
	put_question(&w, "www.example.com", DNS_TYPE_AAAA);
	ok(parse(&w), "a query parses");
	is_int(msg.id, 0x1234, "query id");
	ok(!msg.is_response, "a query is not a response");
	is_str(msg.qname, "www.example.com", "query name");
	is_int(msg.qtype, DNS_TYPE_AAAA, "query type");
	is_int(msg.nrecords, 0, "a query has no records");

	put_header(&w, 7, QR, 0, 0, 0, 0);
	ok(parse(&w), "a bare header is a message");
	is_str(msg.qname, "", "no question: empty name");
	is_int(msg.qtype, 0, "no question: type 0");
	answers(&msg);
	is_int(got.n, 0, "no question: no answers for it");
}

static void test_one_a(void)
{
	struct msg w;

	put_header(&w, 0xbeef, QR | 0x0180, 1, 1, 0, 0);
	put_question(&w, "example.com", DNS_TYPE_A);
	put_a(&w, "example.com", 3600, 93, 184, 216, 34);
	ok(parse(&w), "a response with one A parses");
	ok(msg.is_response, "it is a response");
	is_int(msg.id, 0xbeef, "response id");
	is_int(msg.rcode, 0, "NOERROR");
	is_int(msg.nrecords, 1, "one record");
	is_int(msg.records[0].type, DNS_TYPE_A, "an A record");
	is_int(msg.records[0].ttl, 3600, "its TTL");
	is_str(msg.records[0].owner, "example.com", "its owner");
	ok(addr4_is(&msg.records[0], 93, 184, 216, 34), "its IPv4 address");
	answers(&msg);
	is_int(got.n, 1, "it answers the question");
	is_str(got.chain[0], "", "directly, with no chain");
}

static void test_cname_chain(void)
{
	struct msg w;

	put_header(&w, 42, QR | 0x0180, 1, 3, 0, 0);
	put_question(&w, "livebroker.speechexec.com", DNS_TYPE_A);
	put_cname(&w, "livebroker.speechexec.com", 60,
		  "livebroker.trafficmanager.net");
	put_cname(&w, "livebroker.trafficmanager.net", 60,
		  "speechexec-weu.cloudapp.azure.com");
	put_a(&w, "speechexec-weu.cloudapp.azure.com", 300, 20, 50, 2, 10);
	ok(w.pointers >= 3, "the chain is written with compression pointers");
	ok(parse(&w), "the CNAME chain parses");
	is_int(msg.nrecords, 3, "two CNAMEs and an A");
	is_str(msg.records[0].target, "livebroker.trafficmanager.net",
	       "first CNAME target, through a pointer");
	is_str(msg.records[1].owner, "livebroker.trafficmanager.net",
	       "second CNAME owner, through a pointer");
	answers(&msg);
	is_int(got.n, 1, "exactly one address answers the question");
	ok(addr4_is(&got.rec[0], 20, 50, 2, 10), "it is 20.50.2.10");
	is_int(got.rec[0].ttl, 300, "with TTL 300");
	is_str(got.chain[0],
	       "livebroker.trafficmanager.net > speechexec-weu.cloudapp.azure.com",
	       "and the chain that led there");
}

static void test_cname_middle(void)
{
	struct msg w;

	put_header(&w, 1, QR, 1, 4, 0, 0);
	put_question(&w, "q.example", DNS_TYPE_A);
	put_cname(&w, "q.example", 60, "c1.example");
	put_a(&w, "c1.example", 60, 10, 0, 0, 1);
	put_cname(&w, "c1.example", 60, "c2.example");
	put_a(&w, "c2.example", 60, 10, 0, 0, 2);
	ok(parse(&w), "addresses along a chain parse");
	answers(&msg);
	is_int(got.n, 2, "both addresses on the chain answer");
	is_str(got.chain[0], "c1.example", "the first shows the link to it");
	is_str(got.chain[1], "c1.example > c2.example",
	       "the second shows both links");
}

static void test_aaaa(void)
{
	static const uint8_t a1[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t a2[16] = { 0x2a, 0x00, 0x14, 0x50, [14] = 0xab,
					[15] = 0xcd };
	struct msg w;

	put_header(&w, 2, QR, 1, 2, 0, 0);
	put_question(&w, "v6.example.net", DNS_TYPE_AAAA);
	put_aaaa(&w, "v6.example.net", 120, a1);
	put_aaaa(&w, "v6.example.net", 120, a2);
	ok(parse(&w), "AAAA answers parse");
	is_int(msg.nrecords, 2, "two AAAA records");
	is_int(msg.records[0].type, DNS_TYPE_AAAA, "type AAAA");
	is_int(msg.records[0].ip_version, 6, "IPv6");
	ok(memcmp(msg.records[0].addr.b, a1, 16) == 0, "first IPv6 address");
	ok(memcmp(msg.records[1].addr.b, a2, 16) == 0, "second IPv6 address");
	answers(&msg);
	is_int(got.n, 2, "both answer the question");
}

/* ---- response codes ---- */

static void test_rcodes(void)
{
	struct msg w;

	put_header(&w, 3, QR | 3, 1, 0, 1, 0);
	put_question(&w, "nothing.example.com", DNS_TYPE_A);
	put_soa(&w, "example.com");
	ok(parse(&w), "NXDOMAIN with an SOA parses");
	is_int(msg.rcode, 3, "rcode 3");
	is_str(dns_rcode_name(msg.rcode), "NXDOMAIN", "named NXDOMAIN");
	is_int(msg.nrecords, 0, "the authority SOA is not an answer");
	is_str(msg.qname, "nothing.example.com", "the question survives");

	put_header(&w, 4, QR | 5, 1, 0, 0, 0);
	put_question(&w, "blocked.example", DNS_TYPE_A);
	ok(parse(&w) && msg.rcode == 5, "REFUSED is rcode 5");
	is_str(dns_rcode_name(msg.rcode), "REFUSED", "named REFUSED");

	put_header(&w, 5, QR | 2, 1, 0, 0, 0);
	put_question(&w, "broken.example", DNS_TYPE_A);
	ok(parse(&w) && msg.rcode == 2, "SERVFAIL is rcode 2");
	is_str(dns_rcode_name(msg.rcode), "SERVFAIL", "named SERVFAIL");

	put_header(&w, 6, QR, 1, 0, 0, 1);
	put_question(&w, "edns.example", DNS_TYPE_A);
	put_root_rr(&w, TYPE_OPT, 1232, 1u << 24);
	ok(parse(&w), "a response with OPT parses");
	is_int(msg.rcode, 16, "the OPT record extends the rcode");
	is_str(dns_rcode_name(msg.rcode), "BADVERS", "named BADVERS");

	is_str(dns_rcode_name(0), "NOERROR", "rcode 0");
	is_str(dns_rcode_name(1), "FORMERR", "rcode 1");
	is_str(dns_rcode_name(4), "NOTIMP", "rcode 4");
	is_str(dns_rcode_name(23), "BADCOOKIE", "rcode 23");
	is_str(dns_rcode_name(12), "RCODE12", "unassigned rcode 12");
	is_str(dns_rcode_name(24), "RCODE24", "unassigned rcode 24");
	is_str(dns_rcode_name(4095), "RCODE4095", "largest rcode");
	is_str(dns_rcode_name(-1), "RCODE-1", "a negative code");
}

/* ---- names and which answers count ---- */

static void test_mixed_case(void)
{
	struct msg w;

	put_header(&w, 8, QR, 1, 2, 0, 0);
	put_question(&w, "WwW.ExAmPle.COM", DNS_TYPE_A);
	put_cname(&w, "WWW.EXAMPLE.COM", 60, "Cdn.Example.NET");
	put_a(&w, "cdn.example.net", 60, 1, 2, 3, 4);
	ok(parse(&w), "mixed-case names parse");
	is_str(msg.qname, "www.example.com", "the question is lower-cased");
	is_str(msg.records[0].owner, "www.example.com", "owners are lower-cased");
	is_str(msg.records[0].target, "cdn.example.net",
	       "CNAME targets are lower-cased");
	answers(&msg);
	is_int(got.n, 1, "the chain is followed across case");
	is_str(got.chain[0], "cdn.example.net", "chain text");

	/* A message built by hand keeps its case: matching must ignore it. */
	memset(&msg, 0, sizeof(msg));
	strcpy(msg.qname, "Host.Example");
	msg.nrecords = 2;
	msg.records[0].type = DNS_TYPE_CNAME;
	strcpy(msg.records[0].owner, "HOST.example");
	strcpy(msg.records[0].target, "Edge.Example");
	msg.records[1].type = DNS_TYPE_A;
	msg.records[1].ip_version = 4;
	strcpy(msg.records[1].owner, "edge.EXAMPLE");
	answers(&msg);
	is_int(got.n, 1, "chain names match case-insensitively");
}

static void test_cname_loop(void)
{
	struct msg w;

	put_header(&w, 9, QR, 1, 4, 0, 0);
	put_question(&w, "a.loop.test", DNS_TYPE_A);
	put_cname(&w, "a.loop.test", 60, "b.loop.test");
	put_cname(&w, "b.loop.test", 60, "a.loop.test");
	put_a(&w, "a.loop.test", 60, 10, 9, 9, 1);
	put_a(&w, "b.loop.test", 60, 10, 9, 9, 2);
	ok(parse(&w), "a CNAME loop parses");
	answers(&msg);
	is_int(got.n, 2, "each address on the loop is reported once");
	is_str(got.chain[0], "", "the question's own address");
	is_str(got.chain[1], "b.loop.test", "the loop stops after one link");

	put_header(&w, 10, QR, 1, 2, 0, 0);
	put_question(&w, "self.loop.test", DNS_TYPE_A);
	put_cname(&w, "self.loop.test", 60, "self.loop.test");
	put_a(&w, "self.loop.test", 60, 10, 9, 9, 3);
	ok(parse(&w), "a CNAME to itself parses");
	answers(&msg);
	is_int(got.n, 1, "its address is reported once");
	is_str(got.chain[0], "", "with no links");
}

static void test_long_chain(void)
{
	struct msg w;
	char owner[32], target[32], want[400] = "";

	/* q -> l1 -> ... -> l17, with an address at l16 and at l17. */
	put_header(&w, 11, QR, 1, 19, 0, 0);
	put_question(&w, "l0.chain.test", DNS_TYPE_A);
	for (int i = 0; i < 17; i++) {
		snprintf(owner, sizeof(owner), "l%d.chain.test", i);
		snprintf(target, sizeof(target), "l%d.chain.test", i + 1);
		put_cname(&w, owner, 60, target);
		if (i < 16)
			snprintf(want + strlen(want), sizeof(want) - strlen(want),
				 "%s%s", i ? " > " : "", target);
	}
	put_a(&w, "l16.chain.test", 60, 10, 16, 0, 1);
	put_a(&w, "l17.chain.test", 60, 10, 17, 0, 1);
	ok(parse(&w), "a 17-link chain parses");
	answers(&msg);
	is_int(got.n, 1, "only the address 16 links away is reported");
	ok(addr4_is(&got.rec[0], 10, 16, 0, 1), "it is the one at link 16");
	is_str(got.chain[0], want, "with all 16 links");
}

static void test_unrelated(void)
{
	struct msg w;

	put_header(&w, 12, QR, 1, 4, 0, 0);
	put_question(&w, "example.org", DNS_TYPE_A);
	put_a(&w, "example.org", 60, 1, 1, 1, 1);
	put_a(&w, "evil.test", 60, 6, 6, 6, 6);
	put_cname(&w, "evil2.test", 60, "example.org");
	put_a(&w, "evil2.test", 60, 7, 7, 7, 7);
	ok(parse(&w), "a response with unrelated records parses");
	is_int(msg.nrecords, 4, "all records are kept");
	answers(&msg);
	is_int(got.n, 1, "only the question's address is reported");
	ok(addr4_is(&got.rec[0], 1, 1, 1, 1), "and it is 1.1.1.1");
}

static void test_many_records(void)
{
	struct msg w;

	put_header(&w, 13, QR, 1, 70, 0, 0);
	put_question(&w, "many.example", DNS_TYPE_A);
	for (unsigned i = 1; i <= 70; i++)
		put_a(&w, "many.example", 60, 10, 0, 0, i);
	ok(parse(&w), "70 A records parse");
	is_int(msg.nrecords, DNS_MAX_RECORDS, "64 are kept");
	is_int(msg.dropped_records, 6, "6 are counted as dropped");
	ok(addr4_is(&msg.records[63], 10, 0, 0, 64), "the kept ones come first");
	answers(&msg);
	is_int(got.n, DNS_MAX_RECORDS, "all kept ones answer the question");
}

/* Records that ldns accepts but that are not addresses for a name. */
static void test_skipped_records(void)
{
	struct msg w;
	size_t at;

	put_header(&w, 14, QR, 1, 3, 0, 0);
	put_question(&w, "odd.example", DNS_TYPE_A);
	at = put_rr(&w, "odd.example", DNS_TYPE_A, CLASS_CH, 60);
	put16(&w, 0x1234);
	put16(&w, 0x5678);
	end_rdata(&w, at);
	put_rr(&w, "odd.example", DNS_TYPE_A, CLASS_IN, 60); /* no rdata */
	put_a(&w, "odd.example", 0x80000000u, 10, 1, 1, 1);
	ok(parse(&w), "odd records parse");
	is_int(msg.nrecords, 1, "CHAOS and empty A records are skipped");
	is_int(msg.records[0].ttl, 0, "a TTL with the top bit set is zero");

	put_header(&w, 15, QR | OPCODE_UPDATE, 1, 1, 0, 0);
	put_question(&w, "zone.example", TYPE_SOA);
	put_a(&w, "host.zone.example", 60, 10, 2, 2, 2);
	ok(parse(&w), "an UPDATE parses");
	is_int(msg.nrecords, 0, "its prerequisites are not answers");
}

/* ---- TCP framing ---- */

struct tcp_seen {
	unsigned n;
	uint16_t id[8];
};

static void on_tcp(void *ctx, const struct dns_message *m)
{
	struct tcp_seen *s = ctx;
	if (s->n < 8)
		s->id[s->n] = m->id;
	s->n++;
}

static void frame(uint8_t *seg, size_t *len, const uint8_t *data, size_t n)
{
	seg[(*len)++] = (uint8_t)(n >> 8);
	seg[(*len)++] = (uint8_t)n;
	memcpy(seg + *len, data, n);
	*len += n;
}

static void test_tcp(void)
{
	static uint8_t seg[3 * sizeof(((struct msg *)0)->b)];
	static const uint8_t junk[5] = { 1, 2, 3, 4, 5 };
	struct msg a, b;
	struct tcp_seen seen;
	size_t len;

	put_header(&a, 0x1111, 0x0100, 1, 0, 0, 0);
	put_question(&a, "tcp.example", DNS_TYPE_A);
	put_header(&b, 0x2222, QR, 1, 1, 0, 0);
	put_question(&b, "tcp.example", DNS_TYPE_A);
	put_a(&b, "tcp.example", 60, 10, 3, 3, 3);

	len = 0;
	frame(seg, &len, a.b, a.n);
	frame(seg, &len, b.b, b.n);
	memset(&seen, 0, sizeof(seen));
	is_int(dns_parse_tcp(seg, len, on_tcp, &seen, &msg), 2,
	       "two messages in one segment");
	ok(seen.n == 2 && seen.id[0] == 0x1111 && seen.id[1] == 0x2222,
	   "both reach the callback, in order");
	ok(msg.nrecords == 1 && addr4_is(&msg.records[0], 10, 3, 3, 3),
	   "the scratch message holds the last one");

	memset(&seen, 0, sizeof(seen));
	is_int(dns_parse_tcp(seg, len - 1, on_tcp, &seen, &msg), 1,
	       "an incomplete second message is left for later");
	is_int(seen.n, 1, "only the complete one is reported");
	is_int(dns_parse_tcp(seg, a.n + 3, on_tcp, &seen, &msg), 1,
	       "one byte of the next length prefix is not a message");

	len = 0;
	frame(seg, &len, a.b, a.n);
	frame(seg, &len, junk, sizeof(junk));
	frame(seg, &len, junk, 0);
	frame(seg, &len, b.b, b.n);
	memset(&seen, 0, sizeof(seen));
	is_int(dns_parse_tcp(seg, len, on_tcp, &seen, &msg), 2,
	       "framed junk and empty frames are skipped, not fatal");
	ok(seen.n == 2 && seen.id[1] == 0x2222, "the message after them is seen");
	is_int(dns_parse_tcp(seg, 0, on_tcp, &seen, &msg), 0,
	       "an empty segment holds no message");
}

/* ---- hostile bytes ---- */

static void test_too_short(void)
{
	static const uint8_t one[1] = { 0x42 };
	struct msg w;

	memset(&msg, 0xa5, sizeof(msg));
	ok(!dns_parse(one, 0, &msg), "an empty payload is rejected");
	ok(is_zeroed(&msg), "and the message is zeroed");
	ok(!dns_parse(NULL, 0, &msg), "no payload at all is rejected");
	ok(!dns_parse(one, 1, &msg), "one byte is rejected");
	put_header(&w, 1, 0, 0, 0, 0, 0);
	ok(!dns_parse(w.b, 11, &msg),
	   "a header one byte short is rejected");

	put_header(&w, 1, QR, 1, 1, 0, 0);
	put_question(&w, "cut.example", DNS_TYPE_A);
	put_a(&w, "cut.example", 60, 10, 4, 4, 4);
	unsigned accepted = 0;
	for (size_t n = 0; n < w.n; n++)
		accepted += dns_parse(w.b, n, &msg);
	is_int(accepted, 0, "every cut short copy of a message is rejected");
	ok(is_zeroed(&msg), "leaving a zeroed message");
}

static void test_bad_pointers(void)
{
	struct msg w;

	put_header(&w, 1, 0, 1, 0, 0, 0);
	put16(&w, 0xc000 | 12);   /* the name points at itself */
	put16(&w, DNS_TYPE_A);
	put16(&w, CLASS_IN);
	ok(!parse(&w), "a pointer to itself is rejected");

	put_header(&w, 1, 0, 1, 0, 0, 0);
	put16(&w, 0xc000 | 14);   /* 12 -> 14 -> 12 ... */
	put16(&w, 0xc000 | 12);
	put16(&w, DNS_TYPE_A);
	put16(&w, CLASS_IN);
	ok(!parse(&w), "a two-pointer loop is rejected");

	put_header(&w, 1, 0, 1, 0, 0, 0);
	put8(&w, 1);
	put8(&w, 'a');
	put16(&w, 0xc000 | 12);   /* a.a.a.a... until the name is too long */
	put16(&w, DNS_TYPE_A);
	put16(&w, CLASS_IN);
	ok(!parse(&w), "a loop that adds labels is rejected");

	put_header(&w, 1, 0, 1, 0, 0, 0);
	put16(&w, 0xc000 | 0x3fff);
	put16(&w, DNS_TYPE_A);
	put16(&w, CLASS_IN);
	ok(!parse(&w), "a pointer past the end is rejected");
	ok(is_zeroed(&msg), "and leaves a zeroed message");
}

static void put_raw_label(struct msg *w, const uint8_t *bytes, size_t n)
{
	put8(w, (unsigned)n);
	for (size_t i = 0; i < n; i++)
		put8(w, bytes[i]);
}

static void test_strange_bytes(void)
{
	static const uint8_t label[] = { 'a', 0x00, 0x1b, '<', 'B', '.', '\\',
					 ' ', 0xff };
	struct msg w;

	put_header(&w, 1, QR, 1, 1, 0, 0);
	put_raw_label(&w, label, sizeof(label));
	put_name(&w, "example");
	put16(&w, DNS_TYPE_A);
	put16(&w, CLASS_IN);
	put16(&w, 0xc000 | 12);   /* the answer's owner: the question name */
	put16(&w, DNS_TYPE_A);
	put16(&w, CLASS_IN);
	put32(&w, 60);
	put16(&w, 4);
	put32(&w, 0x0a050505);
	ok(parse(&w), "a label with NUL, ESC and friends parses");
	is_str(msg.qname, "a\\000\\027<b\\.\\\\\\032\\255.example",
	       "they stay escaped, '<' stays as it is");
	ok(text_is_printable(msg.qname), "no raw control bytes in the name");
	is_str(msg.records[0].owner, msg.qname, "the owner reads the same");
	answers(&msg);
	is_int(got.n, 1, "and still answers the question");
}

static void put_label_of(struct msg *w, int c, size_t n)
{
	put8(w, (unsigned)n);
	for (size_t i = 0; i < n; i++)
		put8(w, (unsigned)c);
}

/* A question name made of labels of the given lengths, all bytes c. */
static bool parse_name_of(int c, const size_t *lens, size_t nlens,
			  const char *first)
{
	struct msg w;

	put_header(&w, 1, 0, 1, 0, 0, 0);
	if (first)
		put_raw_label(&w, (const uint8_t *)first, strlen(first));
	for (size_t i = 0; i < nlens; i++)
		put_label_of(&w, c, lens[i]);
	put8(&w, 0);
	put16(&w, DNS_TYPE_A);
	put16(&w, CLASS_IN);
	return parse(&w);
}

static void repeat(char *out, const char *s, size_t times)
{
	out[0] = '\0';
	for (size_t i = 0; i < times; i++)
		strcat(out, s);
}

static void test_long_names(void)
{
	static const size_t l63[] = { 63 }, l64[] = { 64 };
	static const size_t full[] = { 63, 63, 63, 61 };  /* 253 characters */
	static const size_t over[] = { 63, 63, 63, 62 };  /* 254 characters */
	char want[1100];

	ok(parse_name_of('x', l63, 1, NULL), "a 63-byte label parses");
	repeat(want, "x", 63);
	is_str(msg.qname, want, "and reads back whole");
	ok(!parse_name_of('x', l64, 1, NULL), "a 64-byte label is rejected");

	ok(parse_name_of('y', full, 4, NULL), "a 253-character name parses");
	is_int(strlen(msg.qname), 253, "and reads back whole");
	ok(msg.qname[63] == '.' && msg.qname[252] == 'y', "dots in place");
	ok(!parse_name_of('y', over, 4, NULL), "a 254-character name is rejected");

	/* 0xff prints as \255: the text is far longer than DNS_NAME_LEN. */
	ok(parse_name_of(0xff, full, 4, NULL), "a name of escapes parses");
	repeat(want, "\\255", 63);
	is_str(msg.qname, want, "it is cut after whole escapes, no final dot");

	/* "xyz" + 62 escapes is 251 characters, and the next escape would
	 * end at 256: a cut at 255 would split it. */
	static const size_t l62[] = { 62, 63 };
	ok(parse_name_of(0xff, l62, 2, "xyz"), "a name cut inside an escape parses");
	strcpy(want, "xyz.");
	repeat(want + 4, "\\255", 62);
	is_str(msg.qname, want, "the cut escape is left out entirely");
	ok(name_is_safe(msg.qname), "the cut name is well-formed");
}

/* ldns 1.8.3 keeps only the last TSIG it meets and leaks the others. */
static void test_tsig(void)
{
	struct msg w;

	put_header(&w, 1, QR, 1, 1, 0, 3);
	put_question(&w, "signed.example", DNS_TYPE_A);
	put_a(&w, "signed.example", 60, 10, 6, 6, 6);
	put_a(&w, "glue.example", 60, 10, 6, 6, 7);
	put_root_rr(&w, TYPE_OPT, 1232, 0);
	put_root_rr(&w, TYPE_TSIG, 255, 0);
	ok(parse(&w), "one TSIG in a full additional section is fine");
	is_int(msg.nrecords, 1, "and the answer is read");

	put_header(&w, 1, QR, 1, 1, 0, 3);
	put_question(&w, "signed.example", DNS_TYPE_A);
	put_a(&w, "signed.example", 60, 10, 6, 6, 6);
	put_root_rr(&w, TYPE_TSIG, 255, 0);
	put_root_rr(&w, TYPE_TSIG, 255, 0);
	put_a(&w, "glue.example", 60, 10, 6, 6, 7);
	ok(!parse(&w), "two TSIG records are refused");
	ok(is_zeroed(&msg), "leaving a zeroed message");
}

/* ---- random bytes ---- */

static uint32_t rng = 2463534242u;

static uint32_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static unsigned sane_answers;

static void check_answer(void *ctx, const struct dns_record *r, const char *chain)
{
	(void)ctx;
	sane_answers += (r->type == DNS_TYPE_A || r->type == DNS_TYPE_AAAA) &&
			strlen(chain) < CHAIN_TEXT && text_is_printable(chain);
	got.n++;
}

/* Parses buf and checks what came out; counts parsed messages. */
static bool fuzz_one(const uint8_t *buf, size_t len, unsigned *parsed)
{
	bool p = dns_parse(buf, len, &msg);

	*parsed += p;
	if (!message_is_sane(&msg, p))
		return false;
	got.n = 0;
	sane_answers = 0;
	dns_answers_for_question(&msg, check_answer, NULL);
	return sane_answers == got.n && got.n <= msg.nrecords;
}

static void test_random(void)
{
	static uint8_t buf[600];
	struct msg w;
	unsigned bad = 0, parsed = 0;

	for (int i = 0; i < 400; i++) {
		size_t len = next_random() % sizeof(buf);
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)next_random();
		if (i % 2 && len >= 12) {
			/* Small section counts let ldns get past the header. */
			memset(buf + 4, 0, 8);
			buf[5] = (uint8_t)(next_random() % 3);
			buf[7] = (uint8_t)(next_random() % 5);
			buf[11] = (uint8_t)(next_random() % 4);
		}
		bad += !fuzz_one(buf, len, &parsed);
	}
	is_int(bad, 0, "400 random buffers: no crash, all results within bounds");

	put_header(&w, 42, QR, 1, 3, 1, 1);
	put_question(&w, "livebroker.speechexec.com", DNS_TYPE_A);
	put_cname(&w, "livebroker.speechexec.com", 60,
		  "livebroker.trafficmanager.net");
	put_cname(&w, "livebroker.trafficmanager.net", 60,
		  "speechexec-weu.cloudapp.azure.com");
	put_a(&w, "speechexec-weu.cloudapp.azure.com", 300, 20, 50, 2, 10);
	put_soa(&w, "azure.com");
	put_root_rr(&w, TYPE_OPT, 1232, 0);
	parsed = 0;
	for (int i = 0; i < 400; i++) {
		memcpy(buf, w.b, w.n);
		for (unsigned k = 1 + next_random() % 4; k > 0; k--)
			buf[next_random() % w.n] = (uint8_t)next_random();
		bad += !fuzz_one(buf, w.n, &parsed);
	}
	is_int(bad, 0, "400 mutated responses: no crash, all results within bounds");
	ok(parsed > 0 && parsed < 400, "some mutants parse and some do not");
}

/* Name text is built by our own label walk rather than ldns's printf-heavy
 * ldns_rdf2buffer_str_dname: on random names, hostile bytes included, both
 * must give the same text (lower-cased, without the final dot). */
static void test_name_text_matches_ldns(void)
{
	unsigned seed = 4242, differ = 0, parsed = 0;

	for (int round = 0; round < 5000; round++) {
		uint8_t wire[512] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
		size_t n = 12;
		int labels = 1 + rand_r(&seed) % 4;
		for (int l = 0; l < labels; l++) {
			int len = 1 + rand_r(&seed) % 12;
			wire[n++] = (uint8_t)len;
			for (int i = 0; i < len; i++) {
				int pick = rand_r(&seed) % 3;
				wire[n++] = (uint8_t)(pick == 0 ? rand_r(&seed) % 256 :
						      pick == 1 ? "a.;()\\Z-_ "[rand_r(&seed) % 10] :
						      'a' + rand_r(&seed) % 26);
			}
		}
		wire[n++] = 0;
		wire[n++] = 0;
		wire[n++] = 1;  /* A */
		wire[n++] = 0;
		wire[n++] = 1;  /* IN */

		struct dns_message m;
		ldns_pkt *pkt = NULL;
		if (!dns_parse(wire, n, &m) || ldns_wire2pkt(&pkt, wire, n) != LDNS_STATUS_OK) {
			ldns_pkt_free(pkt);
			continue;
		}
		parsed++;
		ldns_buffer *b = ldns_buffer_new(1024);
		ldns_rdf2buffer_str_dname(b, ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(pkt), 0)));
		char want[1100];
		size_t len = ldns_buffer_position(b);
		memcpy(want, ldns_buffer_begin(b), len);
		want[len] = '\0';
		/* The final dot goes unless it is escaped: an odd run of
		 * backslashes before it. */
		size_t slashes = 0;
		while (len > 1 + slashes && want[len - 2 - slashes] == '\\')
			slashes++;
		if (len > 1 && want[len - 1] == '.' && slashes % 2 == 0)
			want[len - 1] = '\0';
		for (char *c = want; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (strcmp(want, m.qname) != 0 && differ++ < 3)
			printf("# want %s\n# got  %s\n", want, m.qname);
		ldns_buffer_free(b);
		ldns_pkt_free(pkt);
	}
	ok(parsed > 4000 && differ == 0, "names of %u random queries read as ldns prints "
	   "them (%u differ)", parsed, differ);
}

/* ---- dns_parse's own reader against ldns ---- */

static struct dns_message reference;  /* ~35 KB each: off the stack */

/* The same result: parsed or not, and the same header and records. */
static bool same_parse(const uint8_t *buf, size_t len)
{
	bool a = dns_parse(buf, len, &msg);
	bool b = dns_parse_ldns(buf, len, &reference);

	if (a != b)
		return false;
	if (msg.id != reference.id || msg.is_response != reference.is_response ||
	    msg.rcode != reference.rcode || msg.qtype != reference.qtype ||
	    strcmp(msg.qname, reference.qname) != 0 ||
	    msg.nrecords != reference.nrecords ||
	    msg.dropped_records != reference.dropped_records)
		return false;
	for (unsigned i = 0; i < msg.nrecords; i++) {
		const struct dns_record *x = &msg.records[i], *y = &reference.records[i];
		if (x->type != y->type || x->ttl != y->ttl || x->ip_version != y->ip_version ||
		    memcmp(&x->addr, &y->addr, sizeof(x->addr)) != 0 ||
		    strcmp(x->owner, y->owner) != 0 || strcmp(x->target, y->target) != 0)
			return false;
	}
	return true;
}

/* Raw rdata of any type. */
static void put_raw_rr(struct msg *w, const char *owner, unsigned type,
		       const uint8_t *rdata, size_t n)
{
	size_t at = put_rr(w, owner, type, CLASS_IN, 300);
	for (size_t i = 0; i < n; i++)
		put8(w, rdata[i]);
	end_rdata(w, at);
}

/* Messages with every record type the reader knows (and some it does
 * not), compressed names, EDNS with an extended rcode. */
static unsigned seed_messages(struct msg *seeds)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
	static const uint8_t rrsig[] = { 0, 1, 8, 2, 0, 0, 1, 44, 1, 2, 3, 4, 5, 6, 7, 8,
					 0x12, 0x34, 3, 'c', 'o', 'm', 0, 0xde, 0xad };
	static const uint8_t dnskey[] = { 1, 0, 3, 8, 0xaa, 0xbb, 0xcc };
	static const uint8_t nsec3[] = { 1, 0, 0, 10, 2, 0xab, 0xcd, 3, 1, 2, 3,
					 0, 6, 0x40, 0, 0, 0, 0, 2 };
	static const uint8_t txt[] = { 3, 'a', 'b', 'c', 0, 2, 'h', 'i' };
	static const uint8_t mx[] = { 0, 10, 4, 'm', 'a', 'i', 'l', 0xc0, 12 };
	static const uint8_t srv[] = { 0, 1, 0, 2, 0x01, 0xbb, 0 };
	static const uint8_t ds[] = { 0x12, 0x34, 8, 2, 0xfe, 0xed };
	static const uint8_t hinfo[] = { 1, 'x', 1, 'y' };
	unsigned n = 0;
	struct msg *w;

	w = &seeds[n++];
	put_header(w, 42, QR, 1, 3, 1, 1);
	put_question(w, "livebroker.speechexec.com", DNS_TYPE_A);
	put_cname(w, "livebroker.speechexec.com", 60, "livebroker.trafficmanager.net");
	put_cname(w, "livebroker.trafficmanager.net", 60, "speechexec-weu.cloudapp.azure.com");
	put_a(w, "speechexec-weu.cloudapp.azure.com", 300, 20, 50, 2, 10);
	put_soa(w, "azure.com");
	put_root_rr(w, TYPE_OPT, 1232, 0x01000000);  /* extended rcode bits */

	w = &seeds[n++];
	put_header(w, 7, 0x0100, 1, 0, 0, 1);
	put_question(w, "www.example.com", DNS_TYPE_AAAA);
	put_root_rr(w, TYPE_OPT, 4096, 0);

	w = &seeds[n++];
	put_header(w, 9, QR, 1, 6, 2, 0);
	put_question(w, "example.com", DNS_TYPE_AAAA);
	put_aaaa(w, "example.com", 0x80000001u, v6);
	put_raw_rr(w, "example.com", 46, rrsig, sizeof(rrsig));
	put_raw_rr(w, "example.com", 16, txt, sizeof(txt));
	put_raw_rr(w, "example.com", 15, mx, sizeof(mx));
	put_raw_rr(w, "_x._tcp.example.com", 33, srv, sizeof(srv));
	put_a(w, "example.com", 5, 192, 0, 2, 1);
	put_raw_rr(w, "example.com", 48, dnskey, sizeof(dnskey));
	put_raw_rr(w, "example.com", 50, nsec3, sizeof(nsec3));

	w = &seeds[n++];
	put_header(w, 11, QR, 1, 3, 0, 0);
	put_question(w, "x.example.net", DNS_TYPE_A);
	put_raw_rr(w, "x.example.net", 43, ds, sizeof(ds));
	put_raw_rr(w, "x.example.net", 13, hinfo, sizeof(hinfo));  /* not known */
	put_a(w, "x.example.net", 30, 10, 1, 2, 3);
	return n;
}

static void test_reader_matches_ldns(void)
{
	static struct msg seeds[4];
	static uint8_t buf[4096];
	unsigned nseeds = seed_messages(seeds), differ = 0, parsed = 0, tried = 0;

	for (unsigned s = 0; s < nseeds; s++)
		differ += !same_parse(seeds[s].b, seeds[s].n);
	is_int(differ, 0, "the seed messages parse the same with ldns");
	for (unsigned s = 0; s < nseeds; s++) {
		const struct msg *w = &seeds[s];
		/* Every cut: a message ending inside a name, a count or data. */
		for (size_t len = 0; len <= w->n; len++, tried++)
			differ += !same_parse(w->b, len);
		for (int i = 0; i < 3000; i++, tried++) {
			memcpy(buf, w->b, w->n);
			for (unsigned k = 1 + next_random() % 3; k > 0; k--) {
				size_t at = next_random() % w->n;
				/* Lengths, pointers and counts are where readers
				 * differ: small changes there, random bytes
				 * elsewhere. */
				buf[at] = next_random() % 2 ? (uint8_t)(buf[at] + next_random() % 5 - 2)
							    : (uint8_t)next_random();
			}
			bool p = dns_parse(buf, w->n, &msg);
			parsed += p;
			differ += !same_parse(buf, w->n);
		}
	}
	is_int(differ, 0, "every cut and mutant parses the same as with ldns");

	/* Compression loops: an owner pointing at itself, two names pointing
	 * at each other. Both readers refuse them, in bounded time. */
	struct msg w;
	put_header(&w, 5, QR, 1, 1, 0, 0);
	put_question(&w, "loop.example", DNS_TYPE_A);
	size_t self = w.n;
	put16(&w, 0xc000 | (unsigned)self);
	put16(&w, DNS_TYPE_A);
	put16(&w, CLASS_IN);
	put32(&w, 60);
	put16(&w, 4);
	put32(&w, 0x0a000001);
	ok(!dns_parse(w.b, w.n, &msg) && same_parse(w.b, w.n),
	   "an owner that points at itself is refused by both");
	put_header(&w, 6, QR, 1, 0, 0, 0);
	put16(&w, 0xc000 | 14);   /* the question's name: at 12, points to 14 */
	put16(&w, 0xc000 | 12);   /* which points back to 12 */
	put16(&w, DNS_TYPE_A);
	put16(&w, CLASS_IN);
	ok(!dns_parse(w.b, w.n, &msg) && same_parse(w.b, w.n),
	   "two pointers at each other are refused by both");
	ok(parsed > 1000 && parsed < tried, "many mutants parse and some do not (%u of %u)",
	   parsed, tried);
}

int main(void)
{
	test_name_text_matches_ldns();
	test_query();
	test_one_a();
	test_cname_chain();
	test_cname_middle();
	test_aaaa();
	test_rcodes();
	test_mixed_case();
	test_cname_loop();
	test_long_chain();
	test_unrelated();
	test_many_records();
	test_skipped_records();
	test_tcp();
	test_too_short();
	test_bad_pointers();
	test_strange_bytes();
	test_long_names();
	test_tsig();
	test_random();
	test_reader_matches_ldns();
	return done_testing();
}
