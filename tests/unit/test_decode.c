/* test_decode.c - each link type, encapsulation and malformation reaches the
 * decoder as bytes and comes out as the packet (or the named reason) it must. */
#include <pcap/pcap.h>

#include "capture/decode.h"
#include "frames.h"
#include "tap.h"

#define LINKTYPE_RAW 101
#define LINKTYPE_SLL2 276
#define CLIENT IP4(192, 0, 2, 10)
#define SERVER IP4(198, 51, 100, 20)

static struct decoder *dec;
static struct packet out[DECODE_MAX_OUT];
static int nout;

static enum decode_result decode(int linktype, const struct frame_buf *f)
{
	return decode_frame(dec, linktype, f->b, (uint32_t)f->len,
			    (uint32_t)f->len, 1000000, 1, out, &nout);
}

static uint64_t reason(enum decode_reason r)
{
	return decoder_stats(dec)->reasons[r];
}

/* IPv4 TCP SYN 192.0.2.10:40001 -> 198.51.100.20:443 after the link header. */
static void put_syn4(struct frame_buf *f)
{
	put_ipv4(f, IP_PROTO_TCP, CLIENT, SERVER, 20, 1, 0x4000);
	put_tcp(f, 40001, 443, 1000, 0, TCP_SYN);
}

static int is_the_syn(const struct packet *p)
{
	return p->ip_version == 4 && p->ip_proto == IP_PROTO_TCP &&
	       p->has_l4 && p->sport == 40001 && p->dport == 443 &&
	       p->tcp_flags == TCP_SYN && p->seq == 1000 &&
	       p->src.b[0] == 192 && p->dst.b[3] == 20;
}

static void test_link_types(void)
{
	struct frame_buf f = { .len = 0 };

	put_eth(&f, 0x0800);
	put_syn4(&f);
	ok(decode(DLT_EN10MB, &f) == DECODE_OK && nout == 1 && is_the_syn(&out[0]),
	   "Ethernet IPv4 TCP SYN");

	f.len = 0;
	put16(&f, 0); put16(&f, 1); put16(&f, 6); put_zeros(&f, 8); put16(&f, 0x0800);
	put_syn4(&f);
	ok(decode(DLT_LINUX_SLL, &f) == DECODE_OK && is_the_syn(&out[0]), "Linux cooked v1");

	f.len = 0;
	put16(&f, 0x0800); put16(&f, 0); put32(&f, 2); put16(&f, 1); put8(&f, 0);
	put8(&f, 6); put_zeros(&f, 8);
	put_syn4(&f);
	ok(decode(LINKTYPE_SLL2, &f) == DECODE_OK && is_the_syn(&out[0]), "Linux cooked v2");

	f.len = 0;
	put8(&f, 2); put8(&f, 0); put8(&f, 0); put8(&f, 0);  /* AF_INET, little-endian */
	put_syn4(&f);
	ok(decode(DLT_NULL, &f) == DECODE_OK && is_the_syn(&out[0]), "BSD null, host order");

	f.len = 0;
	put32(&f, 24);  /* AF_INET6 on OpenBSD, network order */
	put_ipv6(&f, IP_PROTO_TCP, 0x10, 0x20, 20);
	put_tcp(&f, 40001, 443, 1000, 0, TCP_SYN);
	ok(decode(DLT_LOOP, &f) == DECODE_OK && out[0].ip_version == 6 &&
	   out[0].dport == 443, "BSD loop, IPv6");

	f.len = 0;
	put_syn4(&f);
	ok(decode(LINKTYPE_RAW, &f) == DECODE_OK && is_the_syn(&out[0]), "raw IPv4");
	ok(decode(DLT_IPV4, &f) == DECODE_OK && is_the_syn(&out[0]), "LINKTYPE_IPV4");

	f.len = 0;
	put_ipv6(&f, IP_PROTO_UDP, 0x10, 0x20, 8);
	put_udp(&f, 40001, 53, 0);
	ok(decode(LINKTYPE_RAW, &f) == DECODE_OK && out[0].ip_version == 6 &&
	   out[0].dport == 53 && out[0].src.b[15] == 0x10, "raw IPv6 UDP");

	f.len = 0;
	put_eth(&f, 0x0806);
	put_zeros(&f, 28);
	uint64_t non_ip = decoder_stats(dec)->non_ip;
	ok(decode(DLT_EN10MB, &f) == DECODE_NON_IP &&
	   decoder_stats(dec)->non_ip == non_ip + 1, "ARP is counted as non-IP");
	f.len = 0;
	put_eth(&f, 0x0026);  /* 802.3 length: LLC, as STP's BPDUs */
	put_zeros(&f, 38);
	ok(decode(DLT_EN10MB, &f) == DECODE_NON_IP &&
	   decoder_stats(dec)->non_ip == non_ip + 2, "an 802.3/LLC frame is counted as non-IP");
	f.len = 0;
	put_syn4(&f);
	ok(decode(LINKTYPE_RAW, &f) == DECODE_OK &&
	   decoder_stats(dec)->non_ip == non_ip + 2, "an IP frame is not");
	f.len = 0;
	put_eth(&f, 0x0806);
	put_zeros(&f, 28);

	uint64_t before = reason(DR_LINK_UNSUPPORTED);
	ok(decode(105 /* 802.11 */, &f) == DECODE_MALFORMED &&
	   reason(DR_LINK_UNSUPPORTED) == before + 1, "unsupported link type is named");
}

static void test_vlan_mpls(void)
{
	struct frame_buf f = { .len = 0 };

	put_eth(&f, 0x88a8);
	put_vlan(&f, 200, 0x8100);
	put_vlan(&f, 100, 0x0800);
	put_syn4(&f);
	ok(decode(DLT_EN10MB, &f) == DECODE_OK && is_the_syn(&out[0]) &&
	   out[0].vlan == 200 && out[0].inner_vlan == 100, "QinQ: outer 200, inner 100");

	f.len = 0;
	put_eth(&f, 0x8847);
	put32(&f, (16u << 12) | 64);          /* label 16, not bottom */
	put32(&f, (17u << 12) | 0x100 | 64);  /* label 17, bottom of stack */
	put_syn4(&f);
	ok(decode(DLT_EN10MB, &f) == DECODE_OK && is_the_syn(&out[0]), "MPLS two labels");

	f.len = 0;
	put_eth(&f, 0x8100);
	for (int i = 0; i < 11; i++)
		put_vlan(&f, (uint16_t)(i + 1), 0x8100);
	put_vlan(&f, 99, 0x0800);
	put_syn4(&f);
	uint64_t before = reason(DR_ENCAP_TOO_DEEP);
	ok(decode(DLT_EN10MB, &f) == DECODE_MALFORMED &&
	   reason(DR_ENCAP_TOO_DEEP) == before + 1, "12 VLAN tags pass the nesting cap");
}

static void test_tunnels(void)
{
	struct frame_buf f = { .len = 0 };

	/* GRE with key 42 carrying IPv4. */
	put_eth(&f, 0x0800);
	put_ipv4(&f, 47, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 8 + 40, 7, 0);
	put16(&f, 0x2000); put16(&f, 0x0800); put32(&f, 42);
	put_syn4(&f);
	ok(decode(DLT_EN10MB, &f) == DECODE_OK && nout == 1 && is_the_syn(&out[0]) &&
	   out[0].tunnel_type == TUNNEL_GRE && out[0].tunnel_id == 42,
	   "GRE key 42: only the inner flow");

	/* ERSPAN type II: GRE with sequence number, 8-byte header, Ethernet. */
	f.len = 0;
	put_eth(&f, 0x0800);
	put_ipv4(&f, 47, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 8 + 8 + 14 + 40, 7, 0);
	put16(&f, 0x1000); put16(&f, 0x88be); put32(&f, 1);
	put16(&f, 0x1000); put16(&f, 7); put32(&f, 0);
	put_eth(&f, 0x0800);
	put_syn4(&f);
	ok(decode(DLT_EN10MB, &f) == DECODE_OK && is_the_syn(&out[0]) &&
	   out[0].tunnel_type == TUNNEL_ERSPAN2 && out[0].tunnel_id == 7,
	   "ERSPAN type II session 7");

	/* ERSPAN type III with the optional platform sub-header. */
	f.len = 0;
	put_eth(&f, 0x0800);
	put_ipv4(&f, 47, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 8 + 20 + 14 + 40, 7, 0);
	put16(&f, 0x1000); put16(&f, 0x22eb); put32(&f, 1);
	put16(&f, 0x2000); put16(&f, 9); put32(&f, 12345); put16(&f, 0); put16(&f, 1);
	put_zeros(&f, 8);
	put_eth(&f, 0x0800);
	put_syn4(&f);
	ok(decode(DLT_EN10MB, &f) == DECODE_OK && is_the_syn(&out[0]) &&
	   out[0].tunnel_type == TUNNEL_ERSPAN3 && out[0].tunnel_id == 9,
	   "ERSPAN type III with sub-header");

	/* VXLAN: the outer UDP flow and the inner flow. */
	f.len = 0;
	put_eth(&f, 0x0800);
	put_ipv4(&f, IP_PROTO_UDP, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 8 + 8 + 14 + 40, 7, 0);
	put_udp(&f, 55555, 4789, 8 + 14 + 40);
	put_vxlan(&f, 5000);
	put_eth(&f, 0x0800);
	put_syn4(&f);
	ok(decode(DLT_EN10MB, &f) == DECODE_OK && nout == 2 &&
	   out[0].dport == 4789 && out[0].tunnel_type == TUNNEL_NONE &&
	   is_the_syn(&out[1]) && out[1].tunnel_type == TUNNEL_VXLAN &&
	   out[1].tunnel_id == 5000, "VXLAN VNI 5000: outer UDP and inner TCP");

	/* Geneve with 4 bytes of options, Ethernet payload. */
	f.len = 0;
	put_eth(&f, 0x0800);
	put_ipv4(&f, IP_PROTO_UDP, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 8 + 12 + 14 + 40, 7, 0);
	put_udp(&f, 55555, 6081, 12 + 14 + 40);
	put8(&f, 1); put8(&f, 0); put16(&f, 0x6558); put32(&f, 77u << 8); put32(&f, 0);
	put_eth(&f, 0x0800);
	put_syn4(&f);
	ok(decode(DLT_EN10MB, &f) == DECODE_OK && nout == 2 && is_the_syn(&out[1]) &&
	   out[1].tunnel_type == TUNNEL_GENEVE && out[1].tunnel_id == 77, "Geneve VNI 77");

	/* 6in4. */
	f.len = 0;
	put_eth(&f, 0x0800);
	put_ipv4(&f, 41, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 40 + 20, 7, 0);
	put_ipv6(&f, IP_PROTO_TCP, 0x10, 0x20, 20);
	put_tcp(&f, 40001, 80, 1, 0, TCP_SYN);
	ok(decode(DLT_EN10MB, &f) == DECODE_OK && out[0].ip_version == 6 &&
	   out[0].dport == 80 && out[0].tunnel_type == TUNNEL_IPIP, "IPv6 in IPv4");
}

static void test_ipv6_extensions(void)
{
	struct frame_buf f = { .len = 0 };

	put_eth(&f, 0x86dd);
	put_ipv6(&f, 0, 0x10, 0x20, 8 + 8 + 8 + 20);
	put8(&f, 60); put8(&f, 0); put_zeros(&f, 6);   /* hop-by-hop -> dstopts */
	put8(&f, 43); put8(&f, 0); put_zeros(&f, 6);   /* dstopts -> routing */
	put8(&f, 6); put8(&f, 0); put8(&f, 4); put8(&f, 0); put_zeros(&f, 4);
	put_tcp(&f, 40001, 443, 1, 0, TCP_SYN);
	ok(decode(DLT_EN10MB, &f) == DECODE_OK && out[0].ip_proto == IP_PROTO_TCP &&
	   out[0].dport == 443, "IPv6 hop-by-hop, destination options, routing, TCP");

	f.len = 0;
	put_eth(&f, 0x86dd);
	put_ipv6(&f, 60, 0x10, 0x20, 8);
	put8(&f, 60); put8(&f, 5); put_zeros(&f, 6);   /* claims 48 bytes */
	uint64_t before = reason(DR_IPV6_BAD_EXT_HEADER);
	ok(decode(DLT_EN10MB, &f) == DECODE_MALFORMED &&
	   reason(DR_IPV6_BAD_EXT_HEADER) == before + 1,
	   "an extension header running past the packet");

	f.len = 0;
	put_eth(&f, 0x86dd);
	put_ipv6(&f, 60, 0x10, 0x20, 8 * 20);
	for (int i = 0; i < 20; i++) {
		put8(&f, 60); put8(&f, 0); put_zeros(&f, 6);
	}
	before = reason(DR_IPV6_EXT_CHAIN_TOO_LONG);
	ok(decode(DLT_EN10MB, &f) == DECODE_MALFORMED &&
	   reason(DR_IPV6_EXT_CHAIN_TOO_LONG) == before + 1, "20 chained extension headers");
}

static void test_fragments(void)
{
	struct frame_buf f;
	uint8_t payload[3008];
	struct frame_buf udp = { .len = 0 };

	put_udp(&udp, 40001, 53, 3000);
	memcpy(payload, udp.b, 8);
	for (int i = 8; i < 3008; i++)
		payload[i] = (uint8_t)i;

	/* Fragments at 0, 1480, 2960 of a 3008-byte UDP datagram, sent out
	 * of order: the last one first. */
	const size_t offs[3] = { 2960, 0, 1480 };
	for (int i = 0; i < 3; i++) {
		size_t off = offs[i], len = off == 2960 ? 48 : 1480;
		uint16_t frag = (uint16_t)(off / 8) | (off == 2960 ? 0 : 0x2000);
		f.len = 0;
		put_eth(&f, 0x0800);
		put_ipv4(&f, IP_PROTO_UDP, CLIENT, SERVER, len, 99, frag);
		put_bytes(&f, payload + off, len);
		enum decode_result r = decode(DLT_EN10MB, &f);
		if (i < 2)
			ok(r == DECODE_HELD, "IPv4 fragment %d of 3 is held", i + 1);
		else
			ok(r == DECODE_OK && out[0].reassembled && out[0].dport == 53 &&
			   out[0].payload_len == 3000 && out[0].payload_caplen == 3000 &&
			   out[0].payload[2999] == (uint8_t)3007 &&
			   out[0].ip_len == 3028 && out[0].l3[9] == IP_PROTO_UDP,
			   "the third fragment completes the datagram");
	}

	/* IPv6: two fragments. */
	for (int i = 0; i < 2; i++) {
		size_t off = i ? 1448 : 0, len = i ? 3008 - 1448 : 1448;
		f.len = 0;
		put_eth(&f, 0x86dd);
		put_ipv6(&f, 44, 0x10, 0x20, 8 + len);
		put_frag6(&f, IP_PROTO_UDP, (uint16_t)(off | (i ? 0 : 1)), 0xabcd);
		put_bytes(&f, payload + off, len);
		enum decode_result r = decode(DLT_EN10MB, &f);
		if (i == 0)
			ok(r == DECODE_HELD, "IPv6 first fragment is held");
		else
			ok(r == DECODE_OK && out[0].ip_version == 6 &&
			   out[0].payload_len == 3000 && out[0].dport == 53,
			   "IPv6 datagram rebuilt");
	}

	/* A first fragment whose train never completes still reaches its flow
	 * when given up. */
	f.len = 0;
	put_eth(&f, 0x0800);
	put_ipv4(&f, IP_PROTO_UDP, CLIENT, SERVER, 1480, 100, 0x2000);
	put_bytes(&f, payload, 1480);
	ok(decode(DLT_EN10MB, &f) == DECODE_HELD, "a lone first fragment is held");
	struct packet p;
	ok(decoder_expire(dec, UINT64_MAX, &p) && p.dport == 53 && p.truncated &&
	   p.payload_len == 3000, "given up, it still yields its flow's packet");
	ok(!decoder_expire(dec, UINT64_MAX, &p), "nothing else pending");
}

static void test_malformed(void)
{
	struct frame_buf f = { .len = 0 };
	uint64_t before;

	put8(&f, 1);
	before = reason(DR_ETHERNET_SHORT);
	ok(decode(DLT_EN10MB, &f) == DECODE_MALFORMED &&
	   reason(DR_ETHERNET_SHORT) == before + 1, "a 1-byte frame");

	f.len = 0;
	put_eth(&f, 0x0800);
	put_syn4(&f);
	f.b[14] = 0x4f;  /* IHL 15: 60 bytes of header in a 40-byte packet */
	before = reason(DR_IPV4_BAD_HLEN);
	ok(decode(DLT_EN10MB, &f) == DECODE_MALFORMED &&
	   reason(DR_IPV4_BAD_HLEN) == before + 1, "IPv4 header length 15");

	f.b[14] = 0x42;
	before = reason(DR_IPV4_BAD_HLEN);
	ok(decode(DLT_EN10MB, &f) == DECODE_MALFORMED &&
	   reason(DR_IPV4_BAD_HLEN) == before + 1, "IPv4 header length 2");

	f.b[14] = 0x55;
	before = reason(DR_IPV4_BAD_VERSION);
	ok(decode(DLT_EN10MB, &f) == DECODE_MALFORMED &&
	   reason(DR_IPV4_BAD_VERSION) == before + 1, "IP version 5 under IPv4 ethertype");

	f.b[14] = 0x45;
	f.b[14 + 20 + 12] = 0xf0;  /* TCP data offset 15 */
	before = reason(DR_TCP_BAD_OFFSET);
	ok(decode(DLT_EN10MB, &f) == DECODE_MALFORMED &&
	   reason(DR_TCP_BAD_OFFSET) == before + 1, "TCP data offset 15");
	f.b[14 + 20 + 12] = 0x20;
	before = reason(DR_TCP_BAD_OFFSET);
	ok(decode(DLT_EN10MB, &f) == DECODE_MALFORMED &&
	   reason(DR_TCP_BAD_OFFSET) == before + 1, "TCP data offset 2");

	f.len = 0;
	put_eth(&f, 0x0800);
	put_ipv4(&f, IP_PROTO_UDP, CLIENT, SERVER, 8, 1, 0);
	put_udp(&f, 40001, 53, 100);  /* claims 108 bytes in an 8-byte payload */
	before = reason(DR_UDP_BAD_LENGTH);
	ok(decode(DLT_EN10MB, &f) == DECODE_MALFORMED &&
	   reason(DR_UDP_BAD_LENGTH) == before + 1, "UDP length past the IP payload");
}

static void test_cut_and_padding(void)
{
	struct frame_buf f = { .len = 0 };

	/* A 100-byte TCP payload cut by a 64-byte snapshot length. */
	put_eth(&f, 0x0800);
	put_ipv4(&f, IP_PROTO_TCP, CLIENT, SERVER, 20 + 100, 1, 0);
	put_tcp(&f, 40001, 443, 1000, 0, TCP_ACK | TCP_PSH);
	put_zeros(&f, 100);
	ok(decode_frame(dec, DLT_EN10MB, f.b, 64, (uint32_t)f.len, 1, 1, out, &nout) ==
	   DECODE_OK && out[0].payload_len == 100 && out[0].payload_caplen == 10,
	   "snaplen-cut packet: headers used, payload length from IP");

	/* A frame that lies: IP says 120 bytes, only 60 were written. */
	uint64_t before = reason(DR_IPV4_TRUNCATED);
	ok(decode_frame(dec, DLT_EN10MB, f.b, 74, 74, 1, 1, out, &nout) == DECODE_OK &&
	   out[0].truncated && reason(DR_IPV4_TRUNCATED) == before + 1,
	   "IPv4 length beyond the frame: noted and used");

	/* Ethernet padding after a short packet is not payload. */
	f.len = 0;
	put_eth(&f, 0x0800);
	put_syn4(&f);
	put_zeros(&f, 6);
	ok(decode(DLT_EN10MB, &f) == DECODE_OK && out[0].payload_len == 0 &&
	   out[0].payload_caplen == 0, "Ethernet padding is not payload");
}

static void test_icmp_quote(void)
{
	struct frame_buf f = { .len = 0 };

	put_eth(&f, 0x0800);
	put_ipv4(&f, IP_PROTO_ICMP, IP4(192, 0, 2, 1), CLIENT, 8 + 28, 1, 0);
	put8(&f, 3); put8(&f, 13); put16(&f, 0); put32(&f, 0);
	put_ipv4(&f, IP_PROTO_TCP, CLIENT, SERVER, 20, 1, 0);
	put16(&f, 40001); put16(&f, 443); put32(&f, 1000);
	ok(decode(DLT_EN10MB, &f) == DECODE_OK && out[0].icmp_type == 3 &&
	   out[0].icmp_code == 13 && out[0].quote.present &&
	   out[0].quote.has_ports && out[0].quote.sport == 40001 &&
	   out[0].quote.dport == 443 && out[0].quote.proto == IP_PROTO_TCP &&
	   out[0].quote.dst.b[0] == 198, "ICMP prohibited quotes the SYN");

	f.len = 0;
	put_eth(&f, 0x0800);
	put_ipv4(&f, IP_PROTO_ICMP, IP4(192, 0, 2, 1), CLIENT, 8 + 8, 1, 0);
	put8(&f, 3); put8(&f, 1); put16(&f, 0); put32(&f, 0);
	put_zeros(&f, 8);
	uint64_t before = reason(DR_ICMP_BAD_QUOTE);
	ok(decode(DLT_EN10MB, &f) == DECODE_OK && !out[0].quote.present &&
	   reason(DR_ICMP_BAD_QUOTE) == before + 1,
	   "ICMP quoting garbage: the ICMP packet stays, the quote is noted");
}

static void test_checksums(void)
{
	struct decoder_options o;
	struct frame_buf f = { .len = 0 };

	put_eth(&f, 0x0800);
	put_syn4(&f);
	f.b[14 + 10] ^= 0xff;  /* break the IPv4 header checksum */
	ok(decode(DLT_EN10MB, &f) == DECODE_OK, "by default a bad IPv4 checksum is used");

	decoder_options_default(&o);
	o.validate_checksums = true;
	struct decoder *strict = decoder_new(&o);
	ok(decode_frame(strict, DLT_EN10MB, f.b, (uint32_t)f.len, (uint32_t)f.len, 1,
			1, out, &nout) == DECODE_MALFORMED &&
	   decoder_stats(strict)->reasons[DR_IPV4_BAD_CHECKSUM] == 1,
	   "validating, a bad IPv4 checksum drops the packet");
	f.b[14 + 10] ^= 0xff;
	ok(decode_frame(strict, DLT_EN10MB, f.b, (uint32_t)f.len, (uint32_t)f.len, 1,
			1, out, &nout) == DECODE_OK && out[0].l4_checksum_bad,
	   "validating, the unset TCP checksum is marked bad");
	decoder_free(strict);
}

int main(void)
{
	dec = decoder_new(NULL);
	test_link_types();
	test_vlan_mpls();
	test_tunnels();
	test_ipv6_extensions();
	test_fragments();
	test_malformed();
	test_cut_and_padding();
	test_icmp_quote();
	test_checksums();
	decoder_free(dec);
	return done_testing();
}
