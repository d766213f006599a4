/* test_decode_hardening.c - frames made to break the decoder's memory and
 * stack bounds (issue 14): a fragment carried inside a datagram rebuilt
 * from fragments must not be copied over the bytes it is read from, and no
 * chain of headers, however long, may make the decoder recurse with it.
 *
 * Frames are built with frames.h in buffers of MAX_FRAME bytes on the heap,
 * and each is decoded from a heap copy of its own size, so a read past the
 * end shows under the sanitizers. */
#include <pcap/pcap.h>
#include <stdlib.h>

#include "capture/decode.h"
#include "tap.h"

#define MAX_FRAME 262144u   /* the largest frame libpcap reads from a file */
#define FRAME_BUF_SIZE MAX_FRAME
#include "frames.h"

#define CLIENT IP4(192, 0, 2, 10)
#define SERVER IP4(198, 51, 100, 20)
#define VTEP_A IP4(10, 0, 0, 1)
#define VTEP_B IP4(10, 0, 0, 2)

static struct decoder *new_decoder(unsigned trains, unsigned max_depth)
{
	struct decoder_options o;
	decoder_options_default(&o);
	if (trains)
		o.frag_datagrams = trains;
	if (max_depth)
		o.max_depth = max_depth;
	struct decoder *d = decoder_new(&o);
	if (!d)
		abort();
	return d;
}

static struct packet out[DECODE_MAX_OUT];
static int nout;

/* The frame last decoded, exactly its length: out[] may point into it. */
static uint8_t *frame;

static void frame_release(void)
{
	free(frame);
	frame = NULL;
}

static enum decode_result decode(struct decoder *d, const struct frame_buf *f)
{
	frame_release();
	frame = malloc(f->len ? f->len : 1);
	if (!frame)
		abort();
	memcpy(frame, f->b, f->len);
	return decode_frame(d, DLT_EN10MB, frame, (uint32_t)f->len,
			    (uint32_t)f->len, 1000000, 1, out, &nout);
}

static uint64_t reason(const struct decoder *d, enum decode_reason r)
{
	return decoder_stats(d)->reasons[r];
}

/* The inner datagram of the tunnel tests: UDP 40001 -> 53 with a payload
 * of INNER_DATA bytes i*7, sent as two fragments of 104 and 96 bytes. */
#define INNER_DATA 192u
#define INNER_FRAG1 104u
static uint8_t inner_udp[8 + INNER_DATA];

static void make_inner_udp(void)
{
	struct frame_buf *f = frame_new();
	put_udp(f, 40001, 53, INNER_DATA);
	for (unsigned i = 0; i < INNER_DATA; i++)
		put8(f, (uint8_t)(i * 7));
	if (f->len != sizeof(inner_udp))
		abort();
	memcpy(inner_udp, f->b, f->len);
	free(f);
}

static bool inner_payload_intact(const struct packet *p)
{
	return p->dport == 53 && p->payload_caplen == INNER_DATA &&
	       memcmp(p->payload, inner_udp + 8, INNER_DATA) == 0;
}

/* Ethernet, IPv4 fragment of the inner datagram (first or second). */
static void put_inner_fragment(struct frame_buf *f, bool first)
{
	size_t off = first ? 0 : INNER_FRAG1;
	size_t len = first ? INNER_FRAG1 : sizeof(inner_udp) - INNER_FRAG1;
	put_eth(f, 0x0800);
	put_ipv4(f, IP_PROTO_UDP, CLIENT, SERVER, len, 77,
		 (uint16_t)(first ? 0x2000 : off / 8));
	put_bytes(f, inner_udp + off, len);
}

/* The outer UDP datagram to VXLAN's port carrying the first inner fragment,
 * whole in *whole (UDP header on). */
static void make_vxlan_datagram(struct frame_buf *whole)
{
	struct frame_buf *inner = frame_new();
	put_inner_fragment(inner, true);
	put_udp(whole, 55555, 4789, 8 + inner->len);
	put_vxlan(whole, 5000);
	put_bytes(whole, inner->b, inner->len);
	free(inner);
}

/* Sends datagram (the IPv4 payload, protocol proto) in two fragments; the
 * result of the second. */
static enum decode_result send_in_two(struct decoder *d, uint8_t proto,
				      const struct frame_buf *datagram, size_t cut)
{
	struct frame_buf *f = frame_new();
	put_eth(f, 0x0800);
	put_ipv4(f, proto, VTEP_A, VTEP_B, cut, 9, 0x2000);
	put_bytes(f, datagram->b, cut);
	enum decode_result r = decode(d, f);
	ok(r == DECODE_HELD, "the outer datagram's first fragment is held");

	f->len = 0;
	put_eth(f, 0x0800);
	put_ipv4(f, proto, VTEP_A, VTEP_B, datagram->len - cut, 9,
		 (uint16_t)(cut / 8));
	put_bytes(f, datagram->b + cut, datagram->len - cut);
	r = decode(d, f);
	free(f);
	return r;
}

/* A VXLAN datagram rebuilt from two fragments carries the first fragment of
 * an inner datagram. Before the fix the inner fragment took the train the
 * outer datagram had just been rebuilt in (free again) and was copied from
 * that buffer into itself: memcpy-param-overlap under ASan, and the outer
 * UDP packet's VXLAN header overwritten in a release build. */
static void test_fragment_in_rebuilt_tunnel(void)
{
	struct decoder *d = new_decoder(0, 0);
	struct frame_buf *outer = frame_new();
	make_vxlan_datagram(outer);

	enum decode_result r = send_in_two(d, IP_PROTO_UDP, outer, 80);
	ok(r == DECODE_OK && nout == 1 && out[0].dport == 4789 &&
	   out[0].reassembled, "the rebuilt outer datagram is the outer UDP flow's");
	ok(out[0].payload_caplen == outer->len - 8 &&
	   memcmp(out[0].payload, outer->b + 8, outer->len - 8) == 0,
	   "its payload (VXLAN and the inner fragment) is intact once the inner fragment is held");
	ok(decoder_stats(d)->fragments == 3, "three fragments seen");

	/* The inner datagram's second fragment, in a VXLAN frame whole. */
	struct frame_buf *inner2 = frame_new(), *f = frame_new();
	put_inner_fragment(inner2, false);
	put_eth(f, 0x0800);
	put_ipv4(f, IP_PROTO_UDP, VTEP_A, VTEP_B, 16 + inner2->len, 10, 0);
	put_udp(f, 55555, 4789, 8 + inner2->len);
	put_vxlan(f, 5000);
	put_bytes(f, inner2->b, inner2->len);
	r = decode(d, f);
	ok(r == DECODE_OK && nout == 2 && out[1].reassembled &&
	   out[1].tunnel_type == TUNNEL_VXLAN && inner_payload_intact(&out[1]),
	   "the inner datagram is rebuilt intact");
	free(inner2);
	free(f);
	free(outer);
	decoder_free(d);
}

/* With one train only, the fragment inside the rebuilt datagram finds none
 * free (the one is being read) and is counted as a full table, never
 * copied over the datagram. */
static void test_one_train_pinned(void)
{
	struct decoder *d = new_decoder(1, 0);
	struct frame_buf *outer = frame_new();
	make_vxlan_datagram(outer);

	uint64_t full = reason(d, DR_FRAG_TABLE_FULL);
	enum decode_result r = send_in_two(d, IP_PROTO_UDP, outer, 80);
	ok(r == DECODE_OK && nout == 1 && out[0].payload_caplen == outer->len - 8 &&
	   memcmp(out[0].payload, outer->b + 8, outer->len - 8) == 0,
	   "one train: the outer datagram is intact");
	ok(reason(d, DR_FRAG_TABLE_FULL) == full + 1,
	   "one train: the inner fragment finds no train (frag.table_full)");
	free(outer);
	decoder_free(d);
}

/* The first fragment of an IP-in-IP datagram carries a whole inner
 * fragment; the train is given up. Decoding what it holds hands the inner
 * fragment to reassembly, which must not take the train being read. */
static void test_fragment_in_expired_train(void)
{
	struct decoder *d = new_decoder(0, 0);
	struct frame_buf *inner = frame_new(), *f = frame_new();

	put_ipv4(inner, IP_PROTO_UDP, CLIENT, SERVER, sizeof(inner_udp), 78,
		 0x2000);
	put_bytes(inner, inner_udp, sizeof(inner_udp));
	put_eth(f, 0x0800);
	put_ipv4(f, 4, VTEP_A, VTEP_B, inner->len, 11, 0x2000);
	put_bytes(f, inner->b, inner->len);
	ok(decode(d, f) == DECODE_HELD, "an IP-in-IP first fragment is held");

	struct packet p;
	ok(decoder_expire(d, UINT64_MAX, &p) && p.tunnel_type == TUNNEL_IPIP &&
	   inner_payload_intact(&p),
	   "given up, its inner fragment (given up too) reaches its flow intact");
	ok(!decoder_expire(d, UINT64_MAX, &p), "nothing else pending");
	free(inner);
	free(f);
	decoder_free(d);
}

/* An IPv6 datagram rebuilt from fragments whose payload starts with the
 * fragment header of another datagram (a fragment in a fragment, as only
 * an attacker sends): no tunnel needed to reach the same reuse. */
static void test_fragment_in_rebuilt_ipv6(void)
{
	struct decoder *d = new_decoder(0, 0);
	struct frame_buf *dgram = frame_new(), *f = frame_new();

	put_frag6(dgram, IP_PROTO_UDP, 0x0001, 0x5151);  /* offset 0, more */
	put_bytes(dgram, inner_udp, INNER_FRAG1);
	for (int i = 0; i < 2; i++) {
		size_t off = i ? 64 : 0, len = i ? dgram->len - 64 : 64;
		f->len = 0;
		put_eth(f, 0x86dd);
		put_ipv6(f, 44, 0x10, 0x20, 8 + len);
		put_frag6(f, 44, (uint16_t)(off | (i ? 0 : 1)), 0x4242);
		put_bytes(f, dgram->b + off, len);
		enum decode_result r = decode(d, f);
		ok(r == DECODE_HELD, "IPv6 fragment %d of the outer datagram: %s",
		   i + 1, i ? "rebuilt, its inner fragment held" : "held");
	}
	f->len = 0;
	put_eth(f, 0x86dd);
	put_ipv6(f, 44, 0x10, 0x20, 8 + sizeof(inner_udp) - INNER_FRAG1);
	put_frag6(f, IP_PROTO_UDP, INNER_FRAG1, 0x5151);
	put_bytes(f, inner_udp + INNER_FRAG1, sizeof(inner_udp) - INNER_FRAG1);
	ok(decode(d, f) == DECODE_OK && nout == 1 && inner_payload_intact(&out[0]),
	   "the inner datagram is rebuilt intact");
	free(dgram);
	free(f);
	decoder_free(d);
}

/* An IPv6 packet of n atomic fragment headers (RFC 6946: offset 0, no
 * more), the last followed by UDP, or by no next header when udp is false. */
static struct frame_buf *atomic_chain(unsigned n, bool udp)
{
	size_t plen = 8 * (size_t)n + (udp ? 8 : 0);
	struct frame_buf *f = frame_new();
	put_eth(f, 0x86dd);
	put_ipv6(f, 44, 0x10, 0x20, plen);  /* 0 (jumbo) past 0xffff */
	for (unsigned i = 0; i < n; i++)
		put_frag6(f, i + 1 < n ? 44 : (udp ? IP_PROTO_UDP : 59), 0, i);
	if (udp)
		put_udp(f, 40001, 53, 0);
	return f;
}

static void test_atomic_fragments(void)
{
	struct decoder *d = new_decoder(0, 0);

	struct frame_buf *f = atomic_chain(3, true);
	ok(decode(d, f) == DECODE_OK && nout == 1 && out[0].dport == 53 &&
	   !out[0].reassembled, "three atomic fragment headers, then UDP");
	free(f);

	/* Each atomic fragment used to start the chain afresh, its count
	 * with it: 1,000 passed a cap of 16. */
	f = atomic_chain(1000, true);
	uint64_t before = reason(d, DR_IPV6_EXT_CHAIN_TOO_LONG);
	enum decode_result r = decode(d, f);
	ok(r == DECODE_MALFORMED &&
	   reason(d, DR_IPV6_EXT_CHAIN_TOO_LONG) == before + 1,
	   "1,000 atomic fragment headers: ipv6.ext_chain_too_long");
	free(f);

	/* ... and, a call deeper each, 32,761 of them in a 256 KiB frame ran
	 * the sanitizer build out of stack. */
	f = atomic_chain((MAX_FRAME - 14 - 40) / 8, false);
	ok(f->len <= MAX_FRAME && f->len > MAX_FRAME - 8, "a %zu-byte frame", f->len);
	before = reason(d, DR_IPV6_EXT_CHAIN_TOO_LONG);
	r = decode(d, f);
	ok(r == DECODE_MALFORMED &&
	   reason(d, DR_IPV6_EXT_CHAIN_TOO_LONG) == before + 1,
	   "32,761 atomic fragment headers: ipv6.ext_chain_too_long, the stack intact");
	free(f);
	decoder_free(d);
}

/* Tunnels nest a call deeper per layer; max_depth caps them, and however
 * high it is set DECODE_DEPTH_LIMIT does. */
static void test_depth_limit(void)
{
	const unsigned layers = 5000;
	struct decoder *d = new_decoder(0, 1000000);
	struct frame_buf *f = frame_new();

	put_eth(f, 0x0800);
	for (unsigned i = 0; i < layers; i++)
		put_ipv4(f, i + 1 < layers ? 4 : IP_PROTO_UDP, VTEP_A, VTEP_B,
			 20 * (size_t)(layers - 1 - i) + 8, (uint16_t)i, 0);
	put_udp(f, 40001, 53, 0);
	uint64_t before = reason(d, DR_ENCAP_TOO_DEEP);
	ok(decode(d, f) == DECODE_MALFORMED &&
	   reason(d, DR_ENCAP_TOO_DEEP) == before + 1,
	   "5,000 nested IP-in-IP headers with max_depth 1000000: encap.too_deep");
	free(f);

	f = frame_new();
	put_eth(f, 0x0800);
	for (unsigned i = 0; i < 4; i++)
		put_ipv4(f, i < 3 ? 4 : IP_PROTO_UDP, VTEP_A, VTEP_B,
			 20 * (size_t)(3 - i) + 8, (uint16_t)i, 0);
	put_udp(f, 40001, 53, 0);
	ok(decode(d, f) == DECODE_OK && nout == 1 && out[0].dport == 53 &&
	   out[0].depth == 3, "three IP-in-IP layers still decode");
	free(f);
	decoder_free(d);
}

static const struct {
	const char *name;
	void (*run)(void);
} tests[] = {
	{ "rebuilt_tunnel", test_fragment_in_rebuilt_tunnel },
	{ "one_train", test_one_train_pinned },
	{ "expired_train", test_fragment_in_expired_train },
	{ "rebuilt_ipv6", test_fragment_in_rebuilt_ipv6 },
	{ "atomic", test_atomic_fragments },
	{ "depth", test_depth_limit },
};

/* With arguments, only the tests named (as in the table above) run: a
 * sanitizer stops a process at its first report, and each test has its
 * own to show against code without the fixes. */
int main(int argc, char **argv)
{
	make_inner_udp();
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		bool run = argc < 2;
		for (int a = 1; a < argc; a++)
			run = run || strcmp(argv[a], tests[i].name) == 0;
		if (run)
			tests[i].run();
	}
	frame_release();
	return done_testing();
}
