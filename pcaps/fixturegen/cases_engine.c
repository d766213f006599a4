/* cases_engine.c - fixtures for the capture engine: every link type, every
 * encapsulation, every Zeek TCP state, UDP and ICMP (one flow of interest
 * each). Client 192.0.2.10:40001, server 198.51.100.20; IPv6 2001:db8::10
 * and 2001:db8::20. */
#include <string.h>

#include "fixturegen.h"

#define CLIENT "192.0.2.10"
#define SERVER "198.51.100.20"
#define CLIENT6 "2001:db8::10"
#define SERVER6 "2001:db8::20"
#define CPORT 40001
#define LICENSE_PORT 13667

/* The session every link-type and encapsulation case carries. */
static void http_session(struct gen *g, bool v6)
{
	struct conn c;
	struct buf req = { .n = 0 }, resp = { .n = 0 };

	conn_init(&c, g, v6 ? CLIENT6 : CLIENT, CPORT, v6 ? SERVER6 : SERVER, 80);
	http_get(&req, "www.example.test", "/index.html");
	http_ok(&resp, 512);
	tcp_session(&c, req.d, req.n, resp.d, resp.n);
}

static int http_case(const char *path, enum file_format fmt, enum link link,
		     enum encap encap, bool v6, unsigned interfaces)
{
	struct gen g = { .iface_count = interfaces };
	if (!gen_open(&g, path, fmt, link, encap))
		return 1;
	http_session(&g, v6);
	return gen_finish(&g);
}

#define HTTP_CASE(fn, fmt, link, encap, v6, ifaces)                          \
	static int fn(const char *path, const struct case_args *a)           \
	{                                                                     \
		(void)a;                                                      \
		return http_case(path, fmt, link, encap, v6, ifaces);         \
	}

HTTP_CASE(link_ethernet, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE, false, 1)
HTTP_CASE(link_sll, FMT_PCAP, LINK_SLL, ENCAP_NONE, false, 1)
HTTP_CASE(link_sll2, FMT_PCAP, LINK_SLL2, ENCAP_NONE, false, 1)
HTTP_CASE(link_raw, FMT_PCAP, LINK_RAW, ENCAP_NONE, false, 1)
HTTP_CASE(link_raw6, FMT_PCAP, LINK_RAW, ENCAP_NONE, true, 1)
HTTP_CASE(link_ipv4, FMT_PCAP, LINK_IPV4, ENCAP_NONE, false, 1)
HTTP_CASE(link_ipv6, FMT_PCAP, LINK_IPV6, ENCAP_NONE, true, 1)
HTTP_CASE(link_null, FMT_PCAP, LINK_NULL, ENCAP_NONE, false, 1)
HTTP_CASE(link_loop, FMT_PCAP, LINK_LOOP, ENCAP_NONE, false, 1)
HTTP_CASE(link_pcapng, FMT_PCAPNG, LINK_ETHERNET, ENCAP_NONE, false, 2)
HTTP_CASE(link_nsec, FMT_PCAP_NSEC, LINK_ETHERNET, ENCAP_NONE, false, 1)
HTTP_CASE(encap_vlan, FMT_PCAP, LINK_ETHERNET, ENCAP_VLAN, false, 1)
HTTP_CASE(encap_qinq, FMT_PCAP, LINK_ETHERNET, ENCAP_QINQ, false, 1)
HTTP_CASE(encap_mpls, FMT_PCAP, LINK_ETHERNET, ENCAP_MPLS, false, 1)
HTTP_CASE(encap_gre, FMT_PCAP, LINK_ETHERNET, ENCAP_GRE, false, 1)
HTTP_CASE(encap_gre_eth, FMT_PCAP, LINK_ETHERNET, ENCAP_GRE_ETH, false, 1)
HTTP_CASE(encap_erspan2, FMT_PCAP, LINK_ETHERNET, ENCAP_ERSPAN2, false, 1)
HTTP_CASE(encap_erspan3, FMT_PCAP, LINK_ETHERNET, ENCAP_ERSPAN3, false, 1)
HTTP_CASE(encap_vxlan, FMT_PCAP, LINK_ETHERNET, ENCAP_VXLAN, false, 1)
HTTP_CASE(encap_geneve, FMT_PCAP, LINK_ETHERNET, ENCAP_GENEVE, false, 1)
HTTP_CASE(encap_6in4, FMT_PCAP, LINK_ETHERNET, ENCAP_6IN4, true, 1)
HTTP_CASE(encap_ipip, FMT_PCAP, LINK_ETHERNET, ENCAP_IPIP, false, 1)
HTTP_CASE(encap_ipv6_ext, FMT_PCAP, LINK_ETHERNET, ENCAP_IPV6_EXT, true, 1)

/* A 3008-byte UDP datagram in fragments, then a short reply (port 4000:
 * no dissector to mistake the filler for its protocol). */
static int fragments(const char *path, bool v6)
{
	struct gen g = { 0 };
	struct addr c = ip(v6 ? CLIENT6 : CLIENT), s = ip(v6 ? SERVER6 : SERVER);
	struct pkt dgram;
	uint8_t data[3000];

	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	pkt_init(&dgram);
	pkt_append(&dgram, data, sizeof(data));
	push_udp(&g, &dgram, &c, &s, CPORT, 4000);
	size_t total = pkt_len(&dgram), chunk = v6 ? 1448 : 1480;
	for (size_t off = 0; off < total; off += chunk) {
		size_t n = total - off < chunk ? total - off : chunk;
		bool more = off + n < total;
		struct pkt f;
		pkt_init(&f);
		pkt_append(&f, pkt_data(&dgram) + off, n);
		if (v6) {
			uint8_t *h = pkt_push(&f, 8);
			h[0] = 17;
			h[1] = 0;
			uint16_t of = (uint16_t)(off | (more ? 1 : 0));
			h[2] = (uint8_t)(of >> 8);
			h[3] = (uint8_t)of;
			h[4] = 0; h[5] = 0; h[6] = 0xbe; h[7] = 0xef;
			push_ipv6(&f, &c, &s, 44);
		} else {
			push_ipv4(&f, &c, &s, 17, 0x4242,
				  (uint16_t)((off / 8) | (more ? 0x2000 : 0)));
		}
		emit_ip(&g, &f);
	}
	uint8_t reply[100] = { 0 };
	udp_send(&g, &s, 4000, &c, CPORT, reply, sizeof(reply));
	return gen_finish(&g);
}

static int encap_frag4(const char *path, const struct case_args *a)
{
	(void)a;
	return fragments(path, false);
}

static int encap_frag6(const char *path, const struct case_args *a)
{
	(void)a;
	return fragments(path, true);
}

static void syn_packet(struct gen *g, struct pkt *p, const char *src, uint16_t sport,
		       const char *dst, uint16_t dport)
{
	struct addr s = ip(src), d = ip(dst);
	pkt_init(p);
	push_tcp(g, p, &s, &d, sport, dport, 1000u + sport, 0, F_SYN, 64240, true);
	push_ip(g, p, &s, &d, 6);
}

/* Twelve nested VLAN tags, past any sane cap, then a normal SYN. */
static int encap_nest_deep(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct pkt p;

	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	syn_packet(&g, &p, CLIENT, CPORT, SERVER, 80);
	for (int i = 0; i < 12; i++) {
		uint8_t *h = pkt_push(&p, 4);
		h[0] = 0;
		h[1] = (uint8_t)(i + 1);
		h[2] = i == 0 ? 0x08 : 0x81;
		h[3] = 0x00;
	}
	push_eth(&p, 0x8100);
	writer_frame(&g.w, gen_time(&g), 0, pkt_data(&p), (uint32_t)pkt_len(&p),
		     (uint32_t)pkt_len(&p));
	syn_packet(&g, &p, CLIENT, CPORT + 1, SERVER, 80);
	emit_ip(&g, &p);
	return gen_finish(&g);
}

/* ---- TCP states ---- */

static const uint8_t data100[100] = { 'F', 'L', 'O', 'W', 'A', 'U', 'D', 'I', 'T' };

static bool state_open(struct gen *g, struct conn *c, const char *path, bool v6)
{
	if (!gen_open(g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return false;
	conn_init(c, g, v6 ? CLIENT6 : CLIENT, CPORT, v6 ? SERVER6 : SERVER, LICENSE_PORT);
	return true;
}

static void data_both_ways(struct conn *c)
{
	tcp_seg(c, C2S, F_PSH | F_ACK, data100, sizeof(data100));
	tcp_seg(c, S2C, F_ACK, NULL, 0);
	tcp_seg(c, S2C, F_PSH | F_ACK, data100, sizeof(data100));
	tcp_seg(c, C2S, F_ACK, NULL, 0);
}

enum state_case {
	ST_S0, ST_S1, ST_SF, ST_REJ, ST_S2, ST_S3, ST_RSTO, ST_RSTR, ST_RSTOS0,
	ST_RSTRH, ST_SH, ST_SHR, ST_OTH, ST_REUSE, ST_SF6, ST_RETRANS, ST_BADSUM,
};

static void full_sf(struct conn *c)
{
	tcp_handshake(c);
	data_both_ways(c);
	tcp_close(c);
}

static void run_state(struct gen *g, struct conn *c, enum state_case k)
{
	switch (k) {
	case ST_S0:
		tcp_seg(c, C2S, F_SYN, NULL, 0);
		c->cseq--;                   /* retransmissions keep the ISN */
		gen_wait(g, 1000000);
		tcp_seg(c, C2S, F_SYN, NULL, 0);
		c->cseq--;
		gen_wait(g, 2000000);
		tcp_seg(c, C2S, F_SYN, NULL, 0);
		break;
	case ST_S1:
		tcp_handshake(c);
		data_both_ways(c);
		break;
	case ST_SF:
	case ST_SF6:
	case ST_BADSUM:
		full_sf(c);
		break;
	case ST_REJ:
		tcp_seg(c, C2S, F_SYN, NULL, 0);
		tcp_seg(c, S2C, F_RST | F_ACK, NULL, 0);
		break;
	case ST_S2:
		tcp_handshake(c);
		data_both_ways(c);
		tcp_seg(c, C2S, F_FIN | F_ACK, NULL, 0);
		tcp_seg(c, S2C, F_ACK, NULL, 0);
		break;
	case ST_S3:
		tcp_handshake(c);
		data_both_ways(c);
		tcp_seg(c, S2C, F_FIN | F_ACK, NULL, 0);
		tcp_seg(c, C2S, F_ACK, NULL, 0);
		break;
	case ST_RSTO:
		tcp_handshake(c);
		data_both_ways(c);
		tcp_seg(c, C2S, F_RST | F_ACK, NULL, 0);
		break;
	case ST_RSTR:
		tcp_handshake(c);
		data_both_ways(c);
		tcp_seg(c, S2C, F_RST | F_ACK, NULL, 0);
		break;
	case ST_RSTOS0:
		tcp_seg(c, C2S, F_SYN, NULL, 0);
		tcp_seg(c, C2S, F_RST, NULL, 0);
		break;
	case ST_RSTRH:
		/* The SYN went uncaptured: the responder is known by its
		 * port, so one every deployment agrees is a server's. */
		c->sp = 445;
		c->cseq++;
		tcp_seg(c, S2C, F_SYN | F_ACK, NULL, 0);
		tcp_seg(c, S2C, F_RST, NULL, 0);
		break;
	case ST_SH:
		tcp_seg(c, C2S, F_SYN, NULL, 0);
		tcp_seg(c, C2S, F_FIN, NULL, 0);
		break;
	case ST_SHR:
		c->sp = 445;                 /* as for RSTRH */
		c->cseq++;
		tcp_seg(c, S2C, F_SYN | F_ACK, NULL, 0);
		tcp_seg(c, S2C, F_FIN | F_ACK, NULL, 0);
		break;
	case ST_OTH:
		/* Picked up mid-stream on a file server's port. */
		c->sp = 445;
		c->sseq = 5000445;
		tcp_seg(c, S2C, F_PSH | F_ACK, data100, sizeof(data100));
		tcp_seg(c, C2S, F_ACK, NULL, 0);
		tcp_seg(c, C2S, F_PSH | F_ACK, data100, sizeof(data100));
		tcp_seg(c, S2C, F_ACK, NULL, 0);
		break;
	case ST_REUSE:
		full_sf(c);
		gen_wait(g, 10000000);
		c->cseq += 77777;            /* a new ISN */
		c->sseq += 55555;
		full_sf(c);
		break;
	case ST_RETRANS:
		tcp_handshake(c);
		tcp_seg(c, C2S, F_PSH | F_ACK, data100, sizeof(data100));
		c->cseq -= sizeof(data100);  /* the same segment again */
		tcp_seg(c, C2S, F_PSH | F_ACK, data100, sizeof(data100));
		tcp_seg(c, S2C, F_ACK, NULL, 0);
		tcp_seg(c, S2C, F_PSH | F_ACK, data100, sizeof(data100));
		tcp_seg(c, C2S, F_ACK, NULL, 0);
		tcp_close(c);
		break;
	}
}

static int state_case(const char *path, enum state_case k)
{
	struct gen g = { 0 };
	struct conn c;

	if (!state_open(&g, &c, path, k == ST_SF6))
		return 1;
	g.bad_l4_checksum = k == ST_BADSUM;
	run_state(&g, &c, k);
	return gen_finish(&g);
}

#define STATE_CASE(fn, k)                                            \
	static int fn(const char *path, const struct case_args *a)   \
	{                                                             \
		(void)a;                                              \
		return state_case(path, k);                           \
	}

STATE_CASE(tcp_s0, ST_S0)
STATE_CASE(tcp_s1, ST_S1)
STATE_CASE(tcp_sf, ST_SF)
STATE_CASE(tcp_rej, ST_REJ)
STATE_CASE(tcp_s2, ST_S2)
STATE_CASE(tcp_s3, ST_S3)
STATE_CASE(tcp_rsto, ST_RSTO)
STATE_CASE(tcp_rstr, ST_RSTR)
STATE_CASE(tcp_rstos0, ST_RSTOS0)
STATE_CASE(tcp_rstrh, ST_RSTRH)
STATE_CASE(tcp_sh, ST_SH)
STATE_CASE(tcp_shr, ST_SHR)
STATE_CASE(tcp_oth, ST_OTH)
STATE_CASE(tcp_reuse, ST_REUSE)
STATE_CASE(tcp_ipv6_sf, ST_SF6)
STATE_CASE(tcp_retrans, ST_RETRANS)
STATE_CASE(tcp_badsum, ST_BADSUM)

/* ---- UDP and ICMP ---- */

static int udp_case(const char *path, bool query, bool reply)
{
	struct gen g = { 0 };
	struct addr c = ip(CLIENT), s = ip(SERVER), answer = ip("198.51.100.80");
	struct buf q = { .n = 0 }, r = { .n = 0 };
	struct dns_answer_spec a = { .addrs = &answer, .naddrs = 1, .ttl = 300 };

	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	dns_query(&q, 0x1a2b, "www.example.test", 1);
	dns_response(&r, 0x1a2b, "www.example.test", 1, 0, &a);
	if (query)
		udp_send(&g, &c, CPORT, &s, 53, q.d, q.n);
	if (reply)
		udp_send(&g, &s, 53, &c, CPORT, r.d, r.n);
	return gen_finish(&g);
}

static int udp_sf(const char *path, const struct case_args *a)
{
	(void)a;
	return udp_case(path, true, true);
}

static int udp_s0(const char *path, const struct case_args *a)
{
	(void)a;
	return udp_case(path, true, false);
}

static int udp_shr(const char *path, const struct case_args *a)
{
	(void)a;
	return udp_case(path, false, true);
}

static void echo(struct gen *g, const struct addr *s, const struct addr *d,
		 bool request, uint16_t seq)
{
	struct pkt p;
	uint8_t data[56];
	bool v6 = s->version == 6;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0x10 + i);
	pkt_init(&p);
	pkt_append(&p, data, sizeof(data));
	uint8_t type = v6 ? (request ? 128 : 129) : (request ? 8 : 0);
	push_icmp(&p, s, d, type, 0, 0x12340000u | seq);
	push_ip(g, &p, s, d, v6 ? 58 : 1);
	emit_ip(g, &p);
}

static int icmp_echo_case(const char *path, bool v6)
{
	struct gen g = { 0 };
	struct addr c = ip(v6 ? CLIENT6 : CLIENT), s = ip(v6 ? SERVER6 : SERVER);

	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	for (uint16_t i = 1; i <= 2; i++) {
		echo(&g, &c, &s, true, i);
		echo(&g, &s, &c, false, i);
		gen_wait(&g, 1000000);
	}
	return gen_finish(&g);
}

static int icmp_echo(const char *path, const struct case_args *a)
{
	(void)a;
	return icmp_echo_case(path, false);
}

static int icmpv6_echo(const char *path, const struct case_args *a)
{
	(void)a;
	return icmp_echo_case(path, true);
}

static int icmp_unreach_udp(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct addr c = ip(CLIENT), s = ip(SERVER);
	struct pkt d;
	static const uint8_t snmp[] = { 0x30, 0x26, 0x02, 0x01, 0x01, 0x04, 0x06,
					'p', 'u', 'b', 'l', 'i', 'c' };

	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	pkt_init(&d);
	pkt_append(&d, snmp, sizeof(snmp));
	push_udp(&g, &d, &c, &s, CPORT, 161);
	push_ip(&g, &d, &c, &s, 17);
	struct pkt copy = d;
	emit_ip(&g, &copy);
	icmp_error(&g, &s, &c, 3, 3, &d);
	return gen_finish(&g);
}

/* A firewall answers the SYN (and its retransmission) with "prohibited". */
static int prohibited(const char *path, bool v6)
{
	struct gen g = { 0 };
	struct addr fw = ip(v6 ? "2001:db8::1" : "192.0.2.1"), c = ip(v6 ? CLIENT6 : CLIENT);
	struct pkt syn;

	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	syn_packet(&g, &syn, v6 ? CLIENT6 : CLIENT, CPORT, v6 ? SERVER6 : SERVER, 443);
	for (int i = 0; i < 2; i++) {
		struct pkt copy = syn;
		emit_ip(&g, &copy);
		icmp_error(&g, &fw, &c, v6 ? 1 : 3, v6 ? 1 : 13, &syn);
		gen_wait(&g, 1000000);
	}
	return gen_finish(&g);
}

static int icmp_prohibited(const char *path, const struct case_args *a)
{
	(void)a;
	return prohibited(path, false);
}

static int icmpv6_prohibited(const char *path, const struct case_args *a)
{
	(void)a;
	return prohibited(path, true);
}

const struct fixture_case engine_cases[] = {
	{ "link-ethernet", "HTTP session over Ethernet", FMT_PCAP, link_ethernet, false },
	{ "link-sll", "HTTP session, Linux cooked (SLL)", FMT_PCAP, link_sll, false },
	{ "link-sll2", "HTTP session, Linux cooked v2 (SLL2)", FMT_PCAP, link_sll2, false },
	{ "link-raw", "HTTP session, raw IPv4 (LINKTYPE_RAW)", FMT_PCAP, link_raw, false },
	{ "link-raw6", "HTTP session, raw IPv6 (LINKTYPE_RAW)", FMT_PCAP, link_raw6, false },
	{ "link-ipv4", "HTTP session, LINKTYPE_IPV4", FMT_PCAP, link_ipv4, false },
	{ "link-ipv6", "HTTP session, LINKTYPE_IPV6", FMT_PCAP, link_ipv6, false },
	{ "link-null", "HTTP session, BSD null (host order)", FMT_PCAP, link_null, false },
	{ "link-loop", "HTTP session, BSD loop (network order)", FMT_PCAP, link_loop, false },
	{ "link-pcapng", "HTTP session in pcapng, two interfaces", FMT_PCAPNG, link_pcapng, false },
	{ "link-nsec", "HTTP session, nanosecond pcap", FMT_PCAP_NSEC, link_nsec, false },
	{ "encap-vlan", "HTTP session in 802.1Q VLAN 100", FMT_PCAP, encap_vlan, false },
	{ "encap-qinq", "HTTP session in QinQ 200/100", FMT_PCAP, encap_qinq, false },
	{ "encap-mpls", "HTTP session under two MPLS labels", FMT_PCAP, encap_mpls, false },
	{ "encap-gre", "HTTP session in GRE with key 42", FMT_PCAP, encap_gre, false },
	{ "encap-gre-eth", "HTTP session in GRE transparent Ethernet bridging", FMT_PCAP, encap_gre_eth, false },
	{ "encap-erspan2", "HTTP session mirrored by ERSPAN type II, session 7", FMT_PCAP, encap_erspan2, false },
	{ "encap-erspan3", "HTTP session mirrored by ERSPAN type III, session 7", FMT_PCAP, encap_erspan3, false },
	{ "encap-vxlan", "HTTP session in VXLAN VNI 5000", FMT_PCAP, encap_vxlan, false },
	{ "encap-geneve", "HTTP session in Geneve VNI 77", FMT_PCAP, encap_geneve, false },
	{ "encap-6in4", "IPv6 HTTP session in IPv4 (proto 41)", FMT_PCAP, encap_6in4, false },
	{ "encap-ipip", "HTTP session in IPv4-in-IPv4", FMT_PCAP, encap_ipip, false },
	{ "encap-ipv6-ext", "IPv6 HTTP session behind hop-by-hop, destination options and routing headers", FMT_PCAP, encap_ipv6_ext, false },
	{ "encap-frag4", "3008-byte UDP datagram to port 4000 in three IPv4 fragments, and its reply", FMT_PCAP, encap_frag4, false },
	{ "encap-frag6", "3008-byte UDP datagram in IPv6 fragments, and its reply", FMT_PCAP, encap_frag6, false },
	{ "encap-nest-deep", "12 nested VLAN tags (malformed), then a normal SYN", FMT_PCAP, encap_nest_deep, false },
	{ "tcp-S0", "SYN, retransmitted after 1 s and 3 s, never answered", FMT_PCAP, tcp_s0, false },
	{ "tcp-S1", "handshake and data, no close", FMT_PCAP, tcp_s1, false },
	{ "tcp-SF", "handshake, data, FIN both ways", FMT_PCAP, tcp_sf, false },
	{ "tcp-REJ", "SYN answered by RST", FMT_PCAP, tcp_rej, false },
	{ "tcp-S2", "established, only the originator closes", FMT_PCAP, tcp_s2, false },
	{ "tcp-S3", "established, only the responder closes", FMT_PCAP, tcp_s3, false },
	{ "tcp-RSTO", "established, the originator resets", FMT_PCAP, tcp_rsto, false },
	{ "tcp-RSTR", "established, the responder resets", FMT_PCAP, tcp_rstr, false },
	{ "tcp-RSTOS0", "SYN, then the originator's own RST", FMT_PCAP, tcp_rstos0, false },
	{ "tcp-RSTRH", "responder SYN-ACK then RST, SYN not captured", FMT_PCAP, tcp_rstrh, false },
	{ "tcp-SH", "SYN then FIN from the originator, no reply", FMT_PCAP, tcp_sh, false },
	{ "tcp-SHR", "responder SYN-ACK then FIN, SYN not captured", FMT_PCAP, tcp_shr, false },
	{ "tcp-OTH", "picked up mid-stream on port 445", FMT_PCAP, tcp_oth, false },
	{ "tcp-reuse", "a closed connection's tuple reused by a new SYN 10 s later", FMT_PCAP, tcp_reuse, false },
	{ "tcp-ipv6-SF", "handshake, data, FIN both ways over IPv6", FMT_PCAP, tcp_ipv6_sf, false },
	{ "tcp-retrans", "SF with one client segment retransmitted", FMT_PCAP, tcp_retrans, false },
	{ "tcp-badsum", "SF where every TCP checksum is wrong (offload)", FMT_PCAP, tcp_badsum, false },
	{ "udp-SF", "DNS query and answer", FMT_PCAP, udp_sf, false },
	{ "udp-S0", "DNS query, no answer", FMT_PCAP, udp_s0, false },
	{ "udp-SHR", "a DNS answer only", FMT_PCAP, udp_shr, false },
	{ "icmp-echo", "two echo requests and replies", FMT_PCAP, icmp_echo, false },
	{ "icmp-unreach-udp", "UDP to port 161 answered by port unreachable", FMT_PCAP, icmp_unreach_udp, false },
	{ "icmp-prohibited", "SYN to 443 answered twice by a firewall's administratively prohibited", FMT_PCAP, icmp_prohibited, false },
	{ "icmpv6-echo", "two ICMPv6 echo requests and replies", FMT_PCAP, icmpv6_echo, false },
	{ "icmpv6-prohibited", "IPv6 SYN answered by ICMPv6 administratively prohibited", FMT_PCAP, icmpv6_prohibited, false },
	{ NULL, NULL, FMT_PCAP, NULL, false },
};
