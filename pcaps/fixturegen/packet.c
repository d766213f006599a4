/* packet.c - headers, checksums, encapsulations and link layers. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "fixturegen.h"

#define HEADROOM 2048

void pkt_init(struct pkt *p)
{
	p->start = p->end = HEADROOM;
}

uint8_t *pkt_push(struct pkt *p, size_t n)
{
	if (n > p->start) {
		fprintf(stderr, "fixturegen: out of headroom\n");
		exit(3);
	}
	p->start -= n;
	return p->buf + p->start;
}

void pkt_append(struct pkt *p, const void *d, size_t n)
{
	if (p->end + n > sizeof(p->buf)) {
		fprintf(stderr, "fixturegen: packet too large\n");
		exit(3);
	}
	memcpy(p->buf + p->end, d, n);
	p->end += n;
}

size_t pkt_len(const struct pkt *p)
{
	return p->end - p->start;
}

uint8_t *pkt_data(struct pkt *p)
{
	return p->buf + p->start;
}

struct addr ip(const char *text)
{
	struct addr a;
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, text, a.b) == 1) {
		a.version = 4;
	} else if (inet_pton(AF_INET6, text, a.b) == 1) {
		a.version = 6;
	} else {
		fprintf(stderr, "fixturegen: bad address %s\n", text);
		exit(3);
	}
	return a;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

uint16_t inet_sum(const uint8_t *d, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(d[i] << 8 | d[i + 1]);
	if (n & 1)
		sum += (uint32_t)(d[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t pseudo_sum(const struct addr *s, const struct addr *d,
			   uint8_t proto, size_t len)
{
	size_t alen = s->version == 4 ? 4 : 16;
	uint32_t sum = 0;
	for (size_t i = 0; i < alen; i += 2) {
		sum += (uint32_t)(s->b[i] << 8 | s->b[i + 1]);
		sum += (uint32_t)(d->b[i] << 8 | d->b[i + 1]);
	}
	return sum + proto + (uint32_t)(len & 0xffff) + (uint32_t)(len >> 16);
}

void gen_init(struct gen *g, enum link link, enum encap encap)
{
	memset(g, 0, sizeof(*g));
	g->link = link;
	g->encap = encap;
	g->now_us = T0_US;
	g->step_us = 1000;
	g->iface_count = 1;
	g->ip_id = 0x1000;
}

uint64_t gen_time(struct gen *g)
{
	uint64_t t = g->now_us;
	g->now_us += g->step_us;
	return t;
}

void gen_wait(struct gen *g, uint64_t us)
{
	g->now_us += us;
}

void push_ipv4(struct pkt *p, const struct addr *s, const struct addr *d,
	       uint8_t proto, uint16_t id, uint16_t frag)
{
	size_t len = pkt_len(p) + 20;
	uint8_t *h = pkt_push(p, 20);
	memset(h, 0, 20);
	h[0] = 0x45;
	put16(h + 2, (uint16_t)len);
	put16(h + 4, id);
	put16(h + 6, frag);
	h[8] = 64;
	h[9] = proto;
	memcpy(h + 12, s->b, 4);
	memcpy(h + 16, d->b, 4);
	put16(h + 10, inet_sum(h, 20, 0));
}

void push_ipv6(struct pkt *p, const struct addr *s, const struct addr *d,
	       uint8_t next)
{
	size_t len = pkt_len(p);
	uint8_t *h = pkt_push(p, 40);
	memset(h, 0, 40);
	h[0] = 0x60;
	put16(h + 4, (uint16_t)len);
	h[6] = next;
	h[7] = 64;
	memcpy(h + 8, s->b, 16);
	memcpy(h + 24, d->b, 16);
}

void push_ip(struct gen *g, struct pkt *p, const struct addr *s,
	     const struct addr *d, uint8_t proto)
{
	if (s->version == 4)
		push_ipv4(p, s, d, proto, g->ip_id++, 0x4000);
	else
		push_ipv6(p, s, d, proto);
}

void push_tcp(struct gen *g, struct pkt *p, const struct addr *s,
	      const struct addr *d, uint16_t sport, uint16_t dport,
	      uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win, bool syn_opts)
{
	static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0 };
	size_t hlen = syn_opts ? 20 + sizeof(opts) : 20;
	uint8_t *h = pkt_push(p, hlen);
	memset(h, 0, hlen);
	put16(h, sport);
	put16(h + 2, dport);
	put32(h + 4, seq);
	put32(h + 8, ack);
	h[12] = (uint8_t)((hlen / 4) << 4);
	h[13] = flags;
	put16(h + 14, win);
	if (syn_opts)
		memcpy(h + 20, opts, sizeof(opts));
	size_t len = pkt_len(p);
	uint16_t sum = inet_sum(h, len, pseudo_sum(s, d, 6, len));
	put16(h + 16, g->bad_l4_checksum ? (uint16_t)(sum ^ 0x5a5a) : sum);
}

void push_udp(struct gen *g, struct pkt *p, const struct addr *s,
	      const struct addr *d, uint16_t sport, uint16_t dport)
{
	size_t len = pkt_len(p) + 8;
	uint8_t *h = pkt_push(p, 8);
	put16(h, sport);
	put16(h + 2, dport);
	put16(h + 4, (uint16_t)len);
	put16(h + 6, 0);
	uint16_t sum = inet_sum(h, len, pseudo_sum(s, d, 17, len));
	if (sum == 0)
		sum = 0xffff;
	put16(h + 6, g && g->bad_l4_checksum ? (uint16_t)(sum ^ 0x5a5a) : sum);
}

void push_icmp(struct pkt *p, const struct addr *s, const struct addr *d,
	       uint8_t type, uint8_t code, uint32_t rest)
{
	uint8_t *h = pkt_push(p, 8);
	h[0] = type;
	h[1] = code;
	put16(h + 2, 0);
	put32(h + 4, rest);
	size_t len = pkt_len(p);
	uint32_t sum = s->version == 6 ? pseudo_sum(s, d, 58, len) : 0;
	put16(h + 2, inet_sum(h, len, sum));
}

void push_eth(struct pkt *p, uint16_t type)
{
	static const uint8_t macs[12] = { 0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x5e,
					  0x00, 0x50, 0x56, 0x9a, 0x7b, 0x8c };
	uint8_t *h = pkt_push(p, 14);
	memcpy(h, macs, 12);
	put16(h + 12, type);
}

static uint16_t ethertype_of(struct pkt *p)
{
	return (pkt_data(p)[0] >> 4) == 6 ? 0x86dd : 0x0800;
}

static void push_vlan(struct pkt *p, uint16_t tpid_next, uint16_t vid)
{
	uint8_t *h = pkt_push(p, 4);
	put16(h, vid);
	put16(h + 2, tpid_next);
}

/* An outer IPv4 header between two tunnel endpoints; the direction follows
 * the inner packet so each side of a flow has its own outer source. */
static void outer_ipv4(struct gen *g, struct pkt *p, bool forward, uint8_t proto)
{
	struct addr a = ip("10.0.0.1"), b = ip("10.0.0.2");
	push_ipv4(p, forward ? &a : &b, forward ? &b : &a, proto, g->ip_id++, 0);
}

/* Whether the inner IP packet goes from the lower to the higher address. */
static bool inner_forward(struct pkt *p)
{
	const uint8_t *h = pkt_data(p);
	if ((h[0] >> 4) == 6)
		return memcmp(h + 8, h + 24, 16) < 0;
	return memcmp(h + 12, h + 16, 4) < 0;
}

/* A VTEP's source port comes from a hash of the inner flow's addresses and
 * ports (RFC 7348 section 5): fixed for each direction of a flow. */
static uint16_t vtep_port(struct pkt *p)
{
	const uint8_t *h = pkt_data(p);
	bool v6 = (h[0] >> 4) == 6;
	size_t addrs = v6 ? 8 : 12, alen = v6 ? 32 : 8, l4 = v6 ? 40 : 20;
	uint32_t x = 0;
	for (size_t i = addrs; i < addrs + alen; i++)
		x = x * 31 + h[i];
	for (size_t i = l4; i < l4 + 4 && i < pkt_len(p); i++)
		x = x * 31 + h[i];
	return (uint16_t)(49152 + (x & 0x3fff));
}

static void push_gre(struct pkt *p, uint16_t flags, uint16_t proto,
		     const uint32_t *key, const uint32_t *seq)
{
	size_t n = 4 + (key ? 4 : 0) + (seq ? 4 : 0);
	uint8_t *h = pkt_push(p, n);
	put16(h, flags);
	put16(h + 2, proto);
	size_t o = 4;
	if (key) {
		put32(h + o, *key);
		o += 4;
	}
	if (seq)
		put32(h + o, *seq);
}

/* IPv6 with hop-by-hop, destination options and a segment routing header
 * (type 4) whose one segment is the destination, already reached. */
static void add_ipv6_extensions(struct pkt *p)
{
	uint8_t *h = pkt_data(p);
	uint8_t upper = h[6];
	uint8_t hdr[40];
	memcpy(hdr, h, 40);
	p->start += 40;
	uint8_t *ext = pkt_push(p, 40);
	memset(ext, 0, 40);
	ext[0] = 60;                 /* hop-by-hop -> destination options */
	ext[2] = 1;                  /* PadN over the rest */
	ext[3] = 4;
	ext[8] = 43;                 /* destination options -> routing */
	ext[10] = 1;
	ext[11] = 4;
	ext[16] = upper;             /* routing -> the transport */
	ext[17] = 2;                 /* 24 bytes */
	ext[18] = 4;                 /* segment routing */
	ext[19] = 0;                 /* segments left */
	ext[20] = 0;                 /* last entry */
	memcpy(ext + 24, hdr + 24, 16);
	uint8_t *nh = pkt_push(p, 40);
	memcpy(nh, hdr, 40);
	nh[6] = 0;
	put16(nh + 4, (uint16_t)(pkt_len(p) - 40));
}

static void encapsulate(struct gen *g, struct pkt *p)
{
	static uint32_t gre_seq = 1;
	bool fwd = inner_forward(p);
	uint32_t key = 42;

	switch (g->encap) {
	case ENCAP_VLAN:
		push_vlan(p, ethertype_of(p), 100);
		push_eth(p, 0x8100);
		return;
	case ENCAP_QINQ: {
		uint16_t inner = ethertype_of(p);
		push_vlan(p, inner, 100);
		push_vlan(p, 0x8100, 200);
		push_eth(p, 0x88a8);
		return;
	}
	case ENCAP_MPLS: {
		uint8_t *m = pkt_push(p, 8);
		put32(m, (16u << 12) | 64);
		put32(m + 4, (17u << 12) | 0x100 | 64);
		push_eth(p, 0x8847);
		return;
	}
	case ENCAP_GRE:
		push_gre(p, 0x2000, ethertype_of(p), &key, NULL);
		outer_ipv4(g, p, fwd, 47);
		break;
	case ENCAP_GRE_ETH:
		push_eth(p, ethertype_of(p));
		push_gre(p, 0, 0x6558, NULL, NULL);
		outer_ipv4(g, p, fwd, 47);
		break;
	case ENCAP_ERSPAN2: {
		push_eth(p, ethertype_of(p));
		uint8_t *e = pkt_push(p, 8);
		memset(e, 0, 8);
		put16(e, 0x1000);        /* version 1, VLAN 0 */
		put16(e + 2, 7);         /* session 7 */
		uint32_t seq = gre_seq++;
		push_gre(p, 0x1000, 0x88be, NULL, &seq);
		outer_ipv4(g, p, true, 47);
		break;
	}
	case ENCAP_ERSPAN3: {
		push_eth(p, ethertype_of(p));
		uint8_t *e = pkt_push(p, 12);
		memset(e, 0, 12);
		put16(e, 0x2000);        /* version 2 */
		put16(e + 2, 7);         /* session 7 */
		put32(e + 4, (uint32_t)(g->now_us & 0xffffffff));
		uint32_t seq = gre_seq++;
		push_gre(p, 0x1000, 0x22eb, NULL, &seq);
		outer_ipv4(g, p, true, 47);
		break;
	}
	case ENCAP_VXLAN: {
		uint16_t sport = vtep_port(p);
		push_eth(p, ethertype_of(p));
		uint8_t *v = pkt_push(p, 8);
		memset(v, 0, 8);
		v[0] = 0x08;
		put32(v + 4, 5000u << 8);
		struct addr a = ip("10.0.0.1"), b = ip("10.0.0.2");
		push_udp(NULL, p, fwd ? &a : &b, fwd ? &b : &a, sport, 4789);
		outer_ipv4(g, p, fwd, 17);
		break;
	}
	case ENCAP_GENEVE: {
		uint16_t sport = vtep_port(p);
		push_eth(p, ethertype_of(p));
		uint8_t *v = pkt_push(p, 8);
		memset(v, 0, 8);
		put16(v + 2, 0x6558);
		put32(v + 4, 77u << 8);
		struct addr a = ip("10.0.0.1"), b = ip("10.0.0.2");
		push_udp(NULL, p, fwd ? &a : &b, fwd ? &b : &a, sport, 6081);
		outer_ipv4(g, p, fwd, 17);
		break;
	}
	case ENCAP_6IN4:
		outer_ipv4(g, p, fwd, 41);
		break;
	case ENCAP_IPIP:
		outer_ipv4(g, p, fwd, 4);
		break;
	case ENCAP_IPV6_EXT:
		add_ipv6_extensions(p);
		break;
	case ENCAP_NONE:
		break;
	}
}

static int linktype_of(enum link l)
{
	static const int types[] = {
		[LINK_ETHERNET] = 1, [LINK_SLL] = 113, [LINK_SLL2] = 276,
		[LINK_RAW] = 101, [LINK_IPV4] = 228, [LINK_IPV6] = 229,
		[LINK_NULL] = 0, [LINK_LOOP] = 108,
	};
	return types[l];
}

static void link_wrap(struct gen *g, struct pkt *p)
{
	uint16_t type = ethertype_of(p);
	bool v6 = type == 0x86dd;
	uint8_t *h;

	switch (g->link) {
	case LINK_ETHERNET:
		if (g->vlan) {
			push_vlan(p, type, g->vlan);
			type = 0x8100;
		}
		push_eth(p, type);
		return;
	case LINK_SLL:
		h = pkt_push(p, 16);
		memset(h, 0, 16);
		put16(h + 2, 1);        /* ARPHRD_ETHER */
		put16(h + 4, 6);
		h[6] = 0x00; h[7] = 0x1b; h[8] = 0x21; h[9] = 0x3a; h[10] = 0x4c; h[11] = 0x5e;
		put16(h + 14, type);
		return;
	case LINK_SLL2:
		h = pkt_push(p, 20);
		memset(h, 0, 20);
		put16(h, type);
		put32(h + 4, 2);        /* interface index */
		put16(h + 8, 1);        /* ARPHRD_ETHER */
		h[11] = 6;
		return;
	case LINK_NULL:
		h = pkt_push(p, 4);
		h[0] = v6 ? 24 : 2;     /* host (little-endian) order */
		h[1] = h[2] = h[3] = 0;
		return;
	case LINK_LOOP:
		h = pkt_push(p, 4);
		put32(h, v6 ? 24 : 2);
		return;
	default:
		return;  /* raw IP */
	}
}

void emit_ip(struct gen *g, struct pkt *p)
{
	bool ethernet_encap = g->encap != ENCAP_NONE && g->encap != ENCAP_IPV6_EXT &&
			      g->encap != ENCAP_VLAN && g->encap != ENCAP_QINQ &&
			      g->encap != ENCAP_MPLS;
	if (g->keep_packet && !g->keep_packet(g, p, g->keep_ctx)) {
		gen_time(g);
		return;
	}
	encapsulate(g, p);
	/* VLAN, QinQ and MPLS bring their own Ethernet header. */
	if (g->encap == ENCAP_NONE || g->encap == ENCAP_IPV6_EXT || ethernet_encap)
		link_wrap(g, p);
	if (g->before_frame)
		g->before_frame(g, g->hook_ctx);
	uint64_t t = gen_time(g);
	unsigned iface = g->next_iface++ % g->iface_count;
	writer_frame(&g->w, t, iface, pkt_data(p), (uint32_t)pkt_len(p),
		     (uint32_t)pkt_len(p));
}

bool gen_open(struct gen *g, const char *path, enum file_format fmt, enum link link,
	      enum encap encap)
{
	unsigned ifaces = g->iface_count ? g->iface_count : 1;
	uint16_t vlan = g->vlan;
	void (*hook)(struct gen *, void *) = g->before_frame;
	void *ctx = g->hook_ctx;
	bool (*keep)(struct gen *, struct pkt *, void *) = g->keep_packet;
	void *keep_ctx = g->keep_ctx;
	gen_init(g, link, encap);
	g->iface_count = ifaces;
	g->vlan = vlan;
	g->before_frame = hook;
	g->hook_ctx = ctx;
	g->keep_packet = keep;
	g->keep_ctx = keep_ctx;
	if (!writer_open(&g->w, path, fmt, linktype_of(link), ifaces, 262144)) {
		perror(path);
		return false;
	}
	return true;
}

int gen_finish(struct gen *g)
{
	return writer_close(&g->w) ? 0 : 1;
}

uint64_t rng_next(uint64_t *state)
{
	/* splitmix64: deterministic, seedable, good enough for addresses. */
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
