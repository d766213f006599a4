/* cases_volume.c - captures for memory, flood and benchmark runs (sized by
 * --count, streamed to disk), and hostile files written byte by byte. */
#include <stdlib.h>
#include <string.h>

#include "fixturegen.h"

static uint64_t count_or(const struct case_args *a, uint64_t dflt)
{
	return a->count ? a->count : dflt;
}

static struct addr v4(uint32_t x)
{
	struct addr a = { .version = 4 };
	a.b[0] = (uint8_t)(x >> 24);
	a.b[1] = (uint8_t)(x >> 16);
	a.b[2] = (uint8_t)(x >> 8);
	a.b[3] = (uint8_t)x;
	return a;
}

/* N TLS flows, all opened, none closed: N flows alive at the end. */
static int flows_concurrent(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	uint64_t n = count_or(a, 1000);
	struct buf ch = { .n = 0 }, sh = { .n = 0 };

	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	g.step_us = 1;
	tls_server_hello(&sh, 7);
	for (uint64_t i = 0; i < n; i++) {
		struct conn c;
		char sni[64];
		/* Clients 10.0.0.0/8, servers 172.16.0.0/12 on 443. */
		conn_init_addr(&c, &g, v4(0x0a000000u | (uint32_t)(i / 16 + 1)),
			       (uint16_t)(20000 + i % 16), v4(0xac100000u | (uint32_t)(i % 4096)),
			       443);
		snprintf(sni, sizeof(sni), "host%u.bench.example", (unsigned)(i % 1000));
		ch.n = 0;
		tls_client_hello(&ch, sni, (uint32_t)i);
		tcp_handshake(&c);
		tcp_seg(&c, C2S, F_PSH | F_ACK, ch.d, ch.n);
		tcp_seg(&c, S2C, F_PSH | F_ACK, sh.d, sh.n);
	}
	return gen_finish(&g);
}

struct flood {
	uint64_t remaining, per_frame, rng;
	uint16_t dst_ports[4];
};

static void flood_frames(struct gen *g, struct flood *f, uint64_t n)
{
	struct addr target = { .version = 4, .b = { 10, 1, 0, 10 } };

	for (uint64_t i = 0; i < n && f->remaining; i++, f->remaining--) {
		struct pkt p;
		uint64_t r = rng_next(&f->rng);
		/* Random sources outside the site's 10.1.0.0/16. */
		struct addr src = v4((uint32_t)(0x20000000u + (r & 0x9fffffffu)));
		uint16_t sport = (uint16_t)(1024 + (r >> 32) % 64511);
		uint16_t dport = f->dst_ports[(r >> 48) % 4];
		pkt_init(&p);
		push_tcp(g, &p, &src, &target, sport, dport, (uint32_t)r, 0, F_SYN,
			 1024, false);
		push_ipv4(&p, &src, &target, 6, (uint16_t)r, 0);
		push_eth(&p, 0x0800);
		writer_frame(&g->w, g->now_us, 0, pkt_data(&p), (uint32_t)pkt_len(&p),
			     (uint32_t)pkt_len(&p));
		g->now_us += 2;
	}
}

static void flood_hook(struct gen *g, void *ctx)
{
	struct flood *f = ctx;
	flood_frames(g, f, f->per_frame);
}

/* A SYN flood from random tuples with a legitimate site's traffic mixed in:
 * the site's findings must not change, whatever the flood's size. */
static int syn_flood(const char *path, const struct case_args *a)
{
	struct flood f = { .remaining = count_or(a, 10000), .rng = a->seed,
			   .dst_ports = { 13667, 443, 445, 8080 } };
	struct gen g = { .before_frame = flood_hook, .hook_ctx = &f };
	struct conn c;
	struct buf req = { .n = 0 }, resp = { .n = 0 };

	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	/* About 40 legitimate frames: spread the flood between them. */
	f.per_frame = f.remaining / 40 + 1;
	conn_init(&c, &g, "10.1.0.20", 49200, "10.1.0.10", 13667);
	license_request(&req, 1);
	license_response(&resp, 1);
	tcp_session(&c, req.d, req.n, resp.d, resp.n);
	req.n = resp.n = 0;
	conn_init(&c, &g, "203.0.113.7", 49201, "10.1.0.20", 443);
	tls_client_hello(&req, "mobile.clinic.example", 2);
	tls_server_hello(&resp, 2);
	tcp_session(&c, req.d, req.n, resp.d, resp.n);
	g.before_frame = NULL;
	flood_frames(&g, &f, f.remaining);
	return gen_finish(&g);
}

/* N lookups of names never seen before, each answered. */
static int dns_flood(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	uint64_t n = count_or(a, 10000);

	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	g.step_us = 50;
	for (uint64_t i = 0; i < n; i++) {
		char name[64];
		struct addr target = v4(0x14000000u | (uint32_t)(i & 0xffffff));
		struct dns_answer_spec ans = { NULL, 0, &target, 1, 300 };
		snprintf(name, sizeof(name), "n%llu.flood.example", (unsigned long long)i);
		dns_exchange(&g, "10.1.0.21", (uint16_t)(1024 + i % 60000), "10.1.0.2",
			     (uint16_t)i, name, 0, &ans);
	}
	return gen_finish(&g);
}

/* ---- hostile files ---- */

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* The well-formed SYN that follows a hostile frame: the reader went on. */
static void good_syn(struct gen *g)
{
	struct pkt p;
	struct addr s = { .version = 4, .b = { 192, 0, 2, 10 } };
	struct addr d = { .version = 4, .b = { 198, 51, 100, 20 } };
	pkt_init(&p);
	push_tcp(g, &p, &s, &d, 40099, 443, 1, 0, F_SYN, 64240, true);
	push_ip(g, &p, &s, &d, 6);
	emit_ip(g, &p);
}

static void raw_ip_frame(struct gen *g, struct pkt *p)
{
	push_eth(p, (pkt_data(p)[0] >> 4) == 6 ? 0x86dd : 0x0800);
	writer_frame(&g->w, gen_time(g), 0, pkt_data(p), (uint32_t)pkt_len(p),
		     (uint32_t)pkt_len(p));
}

static int hostile_trunc_header(const char *path, const struct case_args *a)
{
	static const uint8_t head[10] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0 };
	FILE *f = fopen(path, "wb");
	(void)a;
	if (!f)
		return 1;
	fwrite(head, 1, sizeof(head), f);
	return fclose(f) == 0 ? 0 : 1;
}

/* A good SYN, then a record claiming 70000 bytes where 40 follow. */
static int hostile_reclen(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	uint8_t rec[16 + 40];
	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	good_syn(&g);
	memset(rec, 0x41, sizeof(rec));
	put_le32(rec, 1700000001);
	put_le32(rec + 4, 0);
	put_le32(rec + 8, 70000);
	put_le32(rec + 12, 70000);
	fwrite(rec, 1, sizeof(rec), g.w.f);
	return gen_finish(&g);
}

/* Packets cut by a 64-byte snapshot length, headers intact. */
static int hostile_snaplen_cut(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct conn c;
	struct buf req = { .n = 0 };
	(void)a;
	gen_init(&g, LINK_ETHERNET, ENCAP_NONE);
	if (!writer_open(&g.w, path, FMT_PCAP, 1, 1, 64))
		return 1;
	conn_init(&c, &g, "192.0.2.10", 40001, "198.51.100.20", 80);
	http_get(&req, "www.example.test", "/");
	/* Frames are written whole by emit_ip; a snaplen-cut copy follows. */
	struct pkt p;
	pkt_init(&p);
	pkt_append(&p, req.d, req.n);
	struct addr s = ip("192.0.2.10"), d = ip("198.51.100.20");
	push_tcp(&g, &p, &s, &d, 40001, 80, 1, 1, F_PSH | F_ACK, 64240, false);
	push_ip(&g, &p, &s, &d, 6);
	push_eth(&p, 0x0800);
	writer_frame(&g.w, gen_time(&g), 0, pkt_data(&p), 64, (uint32_t)pkt_len(&p));
	good_syn(&g);
	return gen_finish(&g);
}

static int hostile_ip_hlen(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct addr s = ip("192.0.2.10"), d = ip("198.51.100.20");
	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	for (int k = 0; k < 2; k++) {
		struct pkt p;
		pkt_init(&p);
		push_tcp(&g, &p, &s, &d, 40001, 80, 1, 0, F_SYN, 1024, false);
		push_ipv4(&p, &s, &d, 6, 1, 0);
		pkt_data(&p)[0] = k ? 0x42 : 0x4f;   /* IHL 2, IHL 15 */
		raw_ip_frame(&g, &p);
	}
	good_syn(&g);
	return gen_finish(&g);
}

static int hostile_tcp_doff(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct addr s = ip("192.0.2.10"), d = ip("198.51.100.20");
	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	for (int k = 0; k < 2; k++) {
		struct pkt p;
		pkt_init(&p);
		push_tcp(&g, &p, &s, &d, 40001, 80, 1, 0, F_SYN, 1024, false);
		pkt_data(&p)[12] = k ? 0x20 : 0xf0;  /* offset 2, offset 15 */
		push_ipv4(&p, &s, &d, 6, 1, 0);
		raw_ip_frame(&g, &p);
	}
	good_syn(&g);
	return gen_finish(&g);
}

static int hostile_ipv6_ext(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct addr s = ip("2001:db8::10"), d = ip("2001:db8::20");
	struct pkt p;
	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	/* A destination-options header claiming 48 bytes in an 8-byte tail. */
	pkt_init(&p);
	uint8_t *e = pkt_push(&p, 8);
	memset(e, 0, 8);
	e[0] = 6;
	e[1] = 5;
	push_ipv6(&p, &s, &d, 60);
	raw_ip_frame(&g, &p);
	/* 50 destination-options headers in a row. */
	pkt_init(&p);
	for (int i = 0; i < 50; i++) {
		e = pkt_push(&p, 8);
		memset(e, 0, 8);
		e[0] = i ? 60 : 59;
	}
	push_ipv6(&p, &s, &d, 60);
	raw_ip_frame(&g, &p);
	good_syn(&g);
	return gen_finish(&g);
}

/* VLAN, MPLS and GRE nested far past any sane depth. */
static int hostile_nest(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct pkt p;
	struct addr s = ip("192.0.2.10"), d = ip("198.51.100.20");
	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	pkt_init(&p);
	push_tcp(&g, &p, &s, &d, 40001, 80, 1, 0, F_SYN, 1024, false);
	push_ipv4(&p, &s, &d, 6, 1, 0);
	for (int i = 0; i < 30; i++) {
		uint8_t *h = pkt_push(&p, 4);
		h[0] = 0; h[1] = 0; h[2] = 0x08; h[3] = 0;  /* GRE -> IPv4 */
		push_ipv4(&p, &s, &d, 47, (uint16_t)i, 0);
	}
	for (int i = 0; i < 40; i++) {
		uint8_t *h = pkt_push(&p, 4);
		h[0] = 0; h[1] = 0; h[2] = (uint8_t)(i ? 0x81 : 0x08); h[3] = 0;
	}
	push_eth(&p, 0x8100);
	writer_frame(&g.w, gen_time(&g), 0, pkt_data(&p), (uint32_t)pkt_len(&p),
		     (uint32_t)pkt_len(&p));
	good_syn(&g);
	return gen_finish(&g);
}

static int hostile_icmp_garbage(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct addr s = ip("192.0.2.1"), d = ip("192.0.2.10");
	struct addr s6 = ip("2001:db8::1"), d6 = ip("2001:db8::10");
	struct pkt p;
	static const uint8_t junk[8] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };
	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	pkt_init(&p);
	pkt_append(&p, junk, sizeof(junk));
	push_icmp(&p, &s, &d, 3, 13, 0);
	push_ip(&g, &p, &s, &d, 1);
	emit_ip(&g, &p);
	pkt_init(&p);
	uint8_t half[20] = { 0x60 };
	pkt_append(&p, half, sizeof(half));
	push_icmp(&p, &s6, &d6, 1, 1, 0);
	push_ip(&g, &p, &s6, &d6, 58);
	emit_ip(&g, &p);
	good_syn(&g);
	return gen_finish(&g);
}

static int hostile_sizes(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct pkt p;
	static uint8_t big[65535];
	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	writer_frame(&g.w, gen_time(&g), 0, big, 0, 0);
	pkt_init(&p);
	memset(big, 0x55, sizeof(big));
	pkt_append(&p, big, sizeof(big) - 14);
	push_eth(&p, 0x0800);
	writer_frame(&g.w, gen_time(&g), 0, pkt_data(&p), (uint32_t)pkt_len(&p),
		     (uint32_t)pkt_len(&p));
	good_syn(&g);
	return gen_finish(&g);
}

/* A session whose middle packets carry times an hour in the past. */
static int hostile_time_backwards(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct conn c;
	struct buf req = { .n = 0 }, resp = { .n = 0 };
	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	conn_init(&c, &g, "192.0.2.10", 40001, "198.51.100.20", 80);
	http_get(&req, "www.example.test", "/");
	http_ok(&resp, 100);
	tcp_handshake(&c);
	g.now_us -= 3600000000ull;
	tcp_data(&c, C2S, req.d, req.n);
	g.now_us += 3600000000ull;
	tcp_data(&c, S2C, resp.d, resp.n);
	tcp_close(&c);
	good_syn(&g);
	return gen_finish(&g);
}

const struct fixture_case volume_cases[] = {
	{ "flows-concurrent", "N TLS flows opened and left open (memory per flow)", FMT_PCAP, flows_concurrent, true },
	{ "syn-flood", "N SYNs from random tuples around a small legitimate site", FMT_PCAP, syn_flood, true },
	{ "dns-flood", "N DNS lookups of unique names", FMT_PCAP, dns_flood, true },
	{ "hostile-trunc-header", "a pcap global header cut at 10 bytes", FMT_PCAP, hostile_trunc_header, false },
	{ "hostile-reclen", "a record claiming 70000 bytes where 40 follow", FMT_PCAP, hostile_reclen, false },
	{ "hostile-snaplen-cut", "an HTTP request cut by a 64-byte snapshot length", FMT_PCAP, hostile_snaplen_cut, false },
	{ "hostile-ip-hlen", "IPv4 header lengths 15 and 2", FMT_PCAP, hostile_ip_hlen, false },
	{ "hostile-tcp-doff", "TCP data offsets 15 and 2", FMT_PCAP, hostile_tcp_doff, false },
	{ "hostile-ipv6-ext", "an IPv6 extension header past the packet, and a chain of 50", FMT_PCAP, hostile_ipv6_ext, false },
	{ "hostile-nest", "40 VLAN tags around 30 nested GRE layers", FMT_PCAP, hostile_nest, false },
	{ "hostile-icmp-garbage", "ICMP errors quoting junk and half an IPv6 header", FMT_PCAP, hostile_icmp_garbage, false },
	{ "hostile-sizes", "a zero-length record and a 65535-byte frame", FMT_PCAP, hostile_sizes, false },
	{ "hostile-time-backwards", "timestamps that jump an hour back mid-session", FMT_PCAP, hostile_time_backwards, false },
	{ NULL, NULL, FMT_PCAP, NULL, false },
};
