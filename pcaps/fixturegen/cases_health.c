/* cases_health.c - what a capture can and cannot show: fragments that never
 * complete, content the mirror lost, frames without IP, a connection seen
 * both directly and through a GRE mirror, flows picked up at the server's
 * reply, and the demo site as one-sided and lossy mirrors capture it.
 * Client 192.0.2.10, server 198.51.100.20 unless a case says otherwise. */
#include <string.h>

#include "fixturegen.h"

#define CLIENT "192.0.2.10"
#define SERVER "198.51.100.20"

static const uint8_t data100[100] = { 'H', 'E', 'A', 'L', 'T', 'H' };

/* ---- fragment trains that never complete ---- */

/* The first fragment (offset 0, more to come) of an IP payload that is
 * never completed; the rest of it was not captured. */
static void first_fragment_only(struct gen *g, const struct addr *s,
				const struct addr *d, uint8_t proto,
				struct pkt *payload, uint16_t id)
{
	struct pkt f;

	pkt_init(&f);
	pkt_append(&f, pkt_data(payload), 1480);
	push_ipv4(&f, s, d, proto, id, 0x2000);
	emit_ip(g, &f);
}

static void esp_packet(struct gen *g, const struct addr *s, const struct addr *d,
		       uint32_t spi, uint32_t seq, size_t len)
{
	struct pkt p;
	uint8_t body[1600];

	memset(body, 0xa5, sizeof(body));
	body[0] = (uint8_t)(spi >> 24);
	body[1] = (uint8_t)(spi >> 16);
	body[2] = (uint8_t)(spi >> 8);
	body[3] = (uint8_t)spi;
	body[4] = (uint8_t)(seq >> 24);
	body[5] = (uint8_t)(seq >> 16);
	body[6] = (uint8_t)(seq >> 8);
	body[7] = (uint8_t)seq;
	pkt_init(&p);
	pkt_append(&p, body, len < sizeof(body) ? len : sizeof(body));
	push_ip(g, &p, s, d, 50);
	emit_ip(g, &p);
}

/* Three flows - UDP, TCP, ESP - each with a datagram of which only the
 * first fragment was captured, followed by more of the flow's traffic. The
 * train is given up at the end of input, long after the flow's last packet:
 * its first fragment's time must not become the flow's last. */
static int frag_incomplete(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct addr c = ip(CLIENT), s = ip(SERVER);
	uint8_t filler[3000];
	struct pkt big;

	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	for (size_t i = 0; i < sizeof(filler); i++)
		filler[i] = (uint8_t)(i * 13);

	/* UDP to port 4000 (no dissector there). */
	udp_send(&g, &c, 40001, &s, 4000, data100, sizeof(data100));
	pkt_init(&big);
	pkt_append(&big, filler, sizeof(filler));
	push_udp(&g, &big, &c, &s, 40001, 4000);
	first_fragment_only(&g, &c, &s, 17, &big, 0x5151);
	gen_wait(&g, 10000);
	udp_send(&g, &s, 4000, &c, 40001, data100, sizeof(data100));
	udp_send(&g, &c, 40001, &s, 4000, data100, sizeof(data100));
	udp_send(&g, &s, 4000, &c, 40001, data100, sizeof(data100));

	/* TCP: established, then a 2000-byte segment of which only the first
	 * fragment was captured; the server acknowledges it and answers. */
	struct conn t;
	conn_init(&t, &g, CLIENT, 40002, SERVER, 13667);
	tcp_handshake(&t);
	tcp_seg(&t, C2S, F_PSH | F_ACK, data100, sizeof(data100));
	tcp_seg(&t, S2C, F_ACK, NULL, 0);
	pkt_init(&big);
	pkt_append(&big, filler, 2000);
	push_tcp(&g, &big, &t.c, &t.s, t.cp, t.sp, t.cseq, t.sseq,
		 F_PSH | F_ACK, 64240, false);
	first_fragment_only(&g, &t.c, &t.s, 6, &big, 0x5252);
	t.cseq += 2000;
	gen_wait(&g, 10000);
	tcp_seg(&t, S2C, F_ACK, NULL, 0);
	tcp_seg(&t, S2C, F_PSH | F_ACK, data100, sizeof(data100));
	tcp_seg(&t, C2S, F_ACK, NULL, 0);

	/* ESP (IP protocol 50): a flow without ports. */
	esp_packet(&g, &c, &s, 0x1001, 1, 120);
	pkt_init(&big);
	pkt_append(&big, filler, 2400);
	first_fragment_only(&g, &c, &s, 50, &big, 0x5353);
	gen_wait(&g, 10000);
	esp_packet(&g, &s, &c, 0x2002, 1, 120);
	esp_packet(&g, &c, &s, 0x1001, 3, 120);
	esp_packet(&g, &s, &c, 0x2002, 2, 120);
	return gen_finish(&g);
}

/* ---- content the mirror lost ---- */

/* An established connection where one client segment and one server
 * segment never reached the capture, though the other side acknowledged
 * each: a content gap in both directions, 100 bytes each. */
static int content_gap(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct conn c;

	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	conn_init(&c, &g, CLIENT, 40001, SERVER, 13667);
	tcp_handshake(&c);
	tcp_seg(&c, C2S, F_PSH | F_ACK, data100, sizeof(data100));
	c.cseq += sizeof(data100);          /* lost on the way to the mirror */
	tcp_seg(&c, C2S, F_PSH | F_ACK, data100, sizeof(data100));
	tcp_seg(&c, S2C, F_ACK, NULL, 0);
	c.sseq += sizeof(data100);          /* lost as well */
	tcp_seg(&c, S2C, F_PSH | F_ACK, data100, sizeof(data100));
	tcp_seg(&c, C2S, F_ACK, NULL, 0);
	tcp_close(&c);
	return gen_finish(&g);
}

/* ---- frames without IP ---- */

static void raw_frame(struct gen *g, struct pkt *p)
{
	writer_frame(&g->w, gen_time(g), 0, pkt_data(p), (uint32_t)pkt_len(p),
		     (uint32_t)pkt_len(p));
}

static void arp_frame(struct gen *g, bool reply, const char *sender,
		      const char *target)
{
	static const uint8_t mac_a[6] = { 0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x5e };
	static const uint8_t mac_b[6] = { 0x00, 0x50, 0x56, 0x9a, 0x7b, 0x8c };
	struct addr sa = ip(sender), ta = ip(target);
	uint8_t arp[28] = { 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, reply ? 2 : 1 };
	struct pkt p;

	memcpy(arp + 8, reply ? mac_b : mac_a, 6);
	memcpy(arp + 14, sa.b, 4);
	if (reply)
		memcpy(arp + 18, mac_a, 6);
	memcpy(arp + 24, ta.b, 4);
	pkt_init(&p);
	pkt_append(&p, arp, sizeof(arp));
	push_eth(&p, 0x0806);
	raw_frame(g, &p);
}

static void lldp_frame(struct gen *g)
{
	static const uint8_t lldp[] = {
		0x02, 0x07, 0x04, 0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x5e, /* chassis: MAC */
		0x04, 0x05, 0x05, 'G', 'i', '0', '7',                  /* port: name */
		0x06, 0x02, 0x00, 0x78,                                /* TTL 120 s */
		0x00, 0x00,                                            /* end */
	};
	struct pkt p;

	pkt_init(&p);
	pkt_append(&p, lldp, sizeof(lldp));
	push_eth(&p, 0x88cc);
	raw_frame(g, &p);
}

/* An 802.3 frame (length, not type) carrying LLC and a configuration
 * BPDU. */
static void stp_frame(struct gen *g)
{
	uint8_t bpdu[38] = { 0x42, 0x42, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
			     0x80, 0x00, 0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x5e };
	struct pkt p;

	pkt_init(&p);
	pkt_append(&p, bpdu, sizeof(bpdu));
	push_eth(&p, sizeof(bpdu));
	raw_frame(g, &p);
}

/* ARP, LLDP and STP around an HTTP session: four frames without IP. */
static int non_ip_frames(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct conn c;
	struct buf req = { .n = 0 }, resp = { .n = 0 };

	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	arp_frame(&g, false, CLIENT, "192.0.2.1");
	arp_frame(&g, true, "192.0.2.1", CLIENT);
	lldp_frame(&g);
	conn_init(&c, &g, CLIENT, 40001, SERVER, 80);
	http_get(&req, "www.example.test", "/");
	http_ok(&resp, 200);
	tcp_session(&c, req.d, req.n, resp.d, resp.n);
	stp_frame(&g);
	return gen_finish(&g);
}

/* ---- one connection, seen directly and through a GRE mirror ---- */

/* The first half of an HTTP session captured as is, the second half as a
 * GRE (key 42) mirror delivered it. */
static int encap_gre_half(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct conn c;
	struct buf req = { .n = 0 }, resp = { .n = 0 };

	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	conn_init(&c, &g, CLIENT, 40001, SERVER, 80);
	http_get(&req, "www.example.test", "/index.html");
	http_ok(&resp, 512);
	tcp_handshake(&c);
	tcp_data(&c, C2S, req.d, req.n);
	g.encap = ENCAP_GRE;
	tcp_data(&c, S2C, resp.d, resp.n);
	tcp_close(&c);
	return gen_finish(&g);
}

/* ---- flows picked up at the server's reply ---- */

/* A BOOTP/DHCP message (RFC 2131) of the given DHCP type. */
static void dhcp_message(struct buf *b, bool reply, uint8_t type, uint32_t xid,
			 const char *client, const char *server)
{
	struct addr ca = ip(client), sa = ip(server);
	static const uint8_t chaddr[6] = { 0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x5e };
	static const uint8_t none[4];

	buf_u8(b, reply ? 2 : 1);       /* op */
	buf_u8(b, 1);                   /* Ethernet */
	buf_u8(b, 6);
	buf_u8(b, 0);
	buf_u32(b, xid);
	buf_u16(b, 0);
	buf_u16(b, 0);
	buf_put(b, ca.b, 4);            /* ciaddr: renewing */
	buf_put(b, reply ? ca.b : none, 4);   /* yiaddr */
	buf_put(b, reply ? sa.b : none, 4);   /* siaddr */
	buf_u32(b, 0);                  /* giaddr */
	buf_put(b, chaddr, 6);
	for (int i = 0; i < 10 + 64 + 128; i++)
		buf_u8(b, 0);           /* chaddr padding, sname, file */
	buf_u32(b, 0x63825363);         /* magic cookie */
	buf_u8(b, 53);
	buf_u8(b, 1);
	buf_u8(b, type);
	if (reply) {
		buf_u8(b, 54);          /* server identifier */
		buf_u8(b, 4);
		buf_put(b, sa.b, 4);
		buf_u8(b, 51);          /* lease time */
		buf_u8(b, 4);
		buf_u32(b, 86400);
	}
	buf_u8(b, 255);
}

/* A DHCPv6 message (RFC 8415): type, transaction id, client id. */
static void dhcpv6_message(struct buf *b, uint8_t type)
{
	static const uint8_t duid[] = { 0x00, 0x01, 0x00, 0x01, 0x2c, 0x6a, 0x1b,
					0x00, 0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x5e };
	buf_u8(b, type);
	buf_u8(b, 0x4a);
	buf_u8(b, 0x11);
	buf_u8(b, 0x22);
	buf_u16(b, 1);                  /* client identifier */
	buf_u16(b, sizeof(duid));
	buf_put(b, duid, sizeof(duid));
}

/* Each capture begins with the server's reply: DHCP (server on udp/67,
 * client on udp/68), DHCPv6 (547 and 546), Teredo (3544) and AYIYA (5072).
 * In every one the server must be the responder. */
static int dhcp_midstream(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct buf b = { .n = 0 };
	struct addr dc = ip("10.1.0.77"), ds = ip("10.1.0.1");
	struct addr v6c = ip("2001:db8:5::77"), v6s = ip("2001:db8:5::1");
	struct addr tc = ip("192.0.2.66"), ts = ip("198.51.100.35");
	uint8_t tunnel[48] = { 0 };

	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	/* A DHCPACK to a renewing client; then its next renewal. */
	dhcp_message(&b, true, 5, 0x3903f326, "10.1.0.77", "10.1.0.1");
	udp_send(&g, &ds, 67, &dc, 68, b.d, b.n);
	gen_wait(&g, 30000000);
	b.n = 0;
	dhcp_message(&b, false, 3, 0x3903f327, "10.1.0.77", "10.1.0.1");
	udp_send(&g, &dc, 68, &ds, 67, b.d, b.n);
	b.n = 0;
	dhcp_message(&b, true, 5, 0x3903f327, "10.1.0.77", "10.1.0.1");
	udp_send(&g, &ds, 67, &dc, 68, b.d, b.n);

	/* A DHCPv6 Reply, then the client's Renew and its Reply. */
	b.n = 0;
	dhcpv6_message(&b, 7);
	udp_send(&g, &v6s, 547, &v6c, 546, b.d, b.n);
	b.n = 0;
	dhcpv6_message(&b, 5);
	udp_send(&g, &v6c, 546, &v6s, 547, b.d, b.n);
	b.n = 0;
	dhcpv6_message(&b, 7);
	udp_send(&g, &v6s, 547, &v6c, 546, b.d, b.n);

	/* Tunnel servers answering a client's ephemeral port. */
	udp_send(&g, &ts, 3544, &tc, 50123, tunnel, sizeof(tunnel));
	udp_send(&g, &tc, 50123, &ts, 3544, tunnel, sizeof(tunnel));
	udp_send(&g, &ts, 5072, &tc, 50124, tunnel, sizeof(tunnel));
	udp_send(&g, &tc, 50124, &ts, 5072, tunnel, sizeof(tunnel));
	return gen_finish(&g);
}

/* ---- the demo as one-sided and lossy mirrors capture it ---- */

/* A packet's addresses, ports and flags, read back from the IP header the
 * generator just built. */
struct pkt_view {
	uint8_t version, proto, flags;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

static void view(struct pkt *p, struct pkt_view *v)
{
	const uint8_t *h = pkt_data(p);
	size_t l4;

	memset(v, 0, sizeof(*v));
	v->version = h[0] >> 4;
	if (v->version == 4) {
		v->proto = h[9];
		memcpy(v->src, h + 12, 4);
		memcpy(v->dst, h + 16, 4);
		l4 = (size_t)(h[0] & 0x0f) * 4;
	} else {
		v->proto = h[6];
		memcpy(v->src, h + 8, 16);
		memcpy(v->dst, h + 24, 16);
		l4 = 40;
	}
	if ((v->proto == 6 || v->proto == 17) && pkt_len(p) >= l4 + 4) {
		v->sport = (uint16_t)(h[l4] << 8 | h[l4 + 1]);
		v->dport = (uint16_t)(h[l4 + 2] << 8 | h[l4 + 3]);
		if (v->proto == 6 && pkt_len(p) >= l4 + 14)
			v->flags = h[l4 + 13];
	}
}

#define MAX_TRACKED 512

/* Who sent the first packet of each flow: its originator. */
struct originators {
	unsigned n;
	struct pkt_view first[MAX_TRACKED];
	bool keep_originators;   /* which side a one-sided mirror shows */
};

static bool same_flow(const struct pkt_view *a, const struct pkt_view *b,
		      bool *same_direction)
{
	if (a->version != b->version || a->proto != b->proto)
		return false;
	if (!memcmp(a->src, b->src, 16) && !memcmp(a->dst, b->dst, 16) &&
	    a->sport == b->sport && a->dport == b->dport) {
		*same_direction = true;
		return true;
	}
	if (!memcmp(a->src, b->dst, 16) && !memcmp(a->dst, b->src, 16) &&
	    a->sport == b->dport && a->dport == b->sport) {
		*same_direction = false;
		return true;
	}
	return false;
}

/* True when the packet's sender originated its flow. */
static bool from_originator(struct originators *o, const struct pkt_view *v)
{
	bool fwd;

	for (unsigned i = 0; i < o->n; i++)
		if (same_flow(&o->first[i], v, &fwd))
			return fwd;
	if (o->n < MAX_TRACKED)
		o->first[o->n++] = *v;
	return true;
}

static bool keep_one_side(struct gen *g, struct pkt *p, void *ctx)
{
	struct originators *o = ctx;
	struct pkt_view v;

	(void)g;
	view(p, &v);
	return from_originator(o, &v) == o->keep_originators;
}

static int demo_one_side(const char *path, bool originators)
{
	static struct originators o;

	memset(&o, 0, sizeof(o));
	o.keep_originators = originators;
	return demo_capture(path, keep_one_side, &o);
}

static int demo_orig_only(const char *path, const struct case_args *a)
{
	(void)a;
	return demo_one_side(path, true);
}

static int demo_resp_only(const char *path, const struct case_args *a)
{
	(void)a;
	return demo_one_side(path, false);
}

/* What the mirror of lost-synack loses: the SYN-ACK of connections to a
 * server port (from one client, or from any when client is NULL), or
 * every packet the server sent. */
static const struct lost {
	uint16_t port;
	const char *client;
	bool all_from_server;
} lost_synack_table[] = {
	{ 13667, NULL, false },          /* both licence connections */
	{ 88, "10.1.0.20", false },      /* the Mobile Service's Kerberos */
	{ 445, "10.1.0.20", false },     /* ... and its two shares */
	{ 1433, NULL, true },            /* SpeechLive's SQL: client only */
};

static bool keep_lost_synack(struct gen *g, struct pkt *p, void *ctx)
{
	struct pkt_view v;

	(void)g;
	(void)ctx;
	view(p, &v);
	if (v.proto != 6)
		return true;
	for (size_t i = 0; i < sizeof(lost_synack_table) / sizeof(lost_synack_table[0]); i++) {
		const struct lost *l = &lost_synack_table[i];
		if (v.sport != l->port)
			continue;  /* only what the server sends is lost */
		if (l->client) {
			struct addr c = ip(l->client);
			if (memcmp(v.dst, c.b, 4) != 0)
				continue;
		}
		if (l->all_from_server)
			return false;
		if ((v.flags & (F_SYN | F_ACK)) == (F_SYN | F_ACK))
			return false;
	}
	return true;
}

static int lost_synack(const char *path, const struct case_args *a)
{
	(void)a;
	return demo_capture(path, keep_lost_synack, NULL);
}

const struct fixture_case health_cases[] = {
	{ "frag-incomplete", "UDP, TCP and ESP flows each with a datagram whose first fragment alone was captured, then more traffic", FMT_PCAP, frag_incomplete, false },
	{ "content-gap", "an established TCP connection missing one acknowledged segment each way (100 bytes each)", FMT_PCAP, content_gap, false },
	{ "non-ip-frames", "ARP request and reply, LLDP and STP around an HTTP session", FMT_PCAP, non_ip_frames, false },
	{ "encap-gre-half", "an HTTP session, its first half captured directly, the rest in GRE key 42", FMT_PCAP, encap_gre_half, false },
	{ "dhcp-midstream", "DHCP, DHCPv6, Teredo and AYIYA flows each picked up at the server's reply", FMT_PCAP, dhcp_midstream, false },
	{ "demo-orig-only", "the demo as a mirror showing only the originators' packets", FMT_PCAP, demo_orig_only, false },
	{ "demo-resp-only", "the demo as a mirror showing only the responders' packets", FMT_PCAP, demo_resp_only, false },
	{ "lost-synack", "the demo with the SYN-ACKs lost of both licence connections (13667) and of the Mobile Service's Kerberos and SMB (both shares), and SpeechLive's SQL seen from the client only", FMT_PCAP, lost_synack, false },
	{ NULL, NULL, FMT_PCAP, NULL, false },
};
