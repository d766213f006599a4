/* session.c - TCP connections, UDP datagrams and ICMP errors with
 * consistent sequence numbers, acknowledgements and checksums. */
#include <string.h>

#include "fixturegen.h"

#define IP_TCP 6
#define IP_UDP 17

void conn_init_addr(struct conn *c, struct gen *g, struct addr client,
		    uint16_t cport, struct addr server, uint16_t sport)
{
	memset(c, 0, sizeof(*c));
	c->g = g;
	c->c = client;
	c->s = server;
	c->cp = cport;
	c->sp = sport;
	c->cseq = 1000000u + cport;
	c->sseq = 5000000u + sport;
}

void conn_init(struct conn *c, struct gen *g, const char *client, uint16_t cport,
	       const char *server, uint16_t sport)
{
	conn_init_addr(c, g, ip(client), cport, ip(server), sport);
}

void tcp_seg(struct conn *c, enum dir d, uint8_t flags, const void *data, size_t len)
{
	struct pkt p;
	bool c2s = d == C2S;
	uint32_t *seq = c2s ? &c->cseq : &c->sseq;
	uint32_t ack = c2s ? c->sseq : c->cseq;

	pkt_init(&p);
	if (len)
		pkt_append(&p, data, len);
	/* A first SYN acknowledges nothing. */
	if (!(flags & F_ACK))
		ack = 0;
	push_tcp(c->g, &p, c2s ? &c->c : &c->s, c2s ? &c->s : &c->c,
		 c2s ? c->cp : c->sp, c2s ? c->sp : c->cp, *seq, ack, flags,
		 flags & F_RST ? 0 : 64240, (flags & F_SYN) != 0);
	push_ip(c->g, &p, c2s ? &c->c : &c->s, c2s ? &c->s : &c->c, IP_TCP);
	emit_ip(c->g, &p);
	if (!(flags & F_RST))
		*seq += (uint32_t)len + ((flags & F_SYN) ? 1 : 0) + ((flags & F_FIN) ? 1 : 0);
}

void tcp_handshake(struct conn *c)
{
	tcp_seg(c, C2S, F_SYN, NULL, 0);
	tcp_seg(c, S2C, F_SYN | F_ACK, NULL, 0);
	tcp_seg(c, C2S, F_ACK, NULL, 0);
	c->established = true;
}

void tcp_data(struct conn *c, enum dir d, const void *data, size_t len)
{
	const uint8_t *p = data;
	/* Segments of at most 1448 bytes, as on a 1500-byte path. */
	while (len) {
		size_t n = len > 1448 ? 1448 : len;
		tcp_seg(c, d, F_PSH | F_ACK, p, n);
		p += n;
		len -= n;
	}
	tcp_seg(c, d == C2S ? S2C : C2S, F_ACK, NULL, 0);
}

void tcp_close(struct conn *c)
{
	tcp_seg(c, C2S, F_FIN | F_ACK, NULL, 0);
	tcp_seg(c, S2C, F_FIN | F_ACK, NULL, 0);
	tcp_seg(c, C2S, F_ACK, NULL, 0);
}

void tcp_session(struct conn *c, const void *req, size_t reqlen,
		 const void *resp, size_t resplen)
{
	tcp_handshake(c);
	if (reqlen)
		tcp_data(c, C2S, req, reqlen);
	if (resplen)
		tcp_data(c, S2C, resp, resplen);
	tcp_close(c);
}

void tls_session(struct conn *c, const char *sni, size_t data, uint32_t seed)
{
	struct buf ch = { .n = 0 }, sh = { .n = 0 }, app = { .n = 0 };

	tls_client_hello(&ch, sni, seed);
	tls_server_hello(&sh, seed);
	tls_app_data(&app, data, seed + 1);
	tcp_handshake(c);
	tcp_data(c, C2S, ch.d, ch.n);
	tcp_data(c, S2C, sh.d, sh.n);
	tcp_data(c, C2S, app.d, app.n);
	tcp_data(c, S2C, app.d, app.n);
	tcp_close(c);
}

void udp_send(struct gen *g, const struct addr *s, uint16_t sport,
	      const struct addr *d, uint16_t dport, const void *data, size_t len)
{
	struct pkt p;

	pkt_init(&p);
	pkt_append(&p, data, len);
	push_udp(g, &p, s, d, sport, dport);
	push_ip(g, &p, s, d, IP_UDP);
	emit_ip(g, &p);
}

void icmp_error(struct gen *g, const struct addr *from, const struct addr *to,
		uint8_t type, uint8_t code, struct pkt *q)
{
	struct pkt p;
	size_t hdr = (pkt_data(q)[0] >> 4) == 6 ? 40 : 20;
	size_t n = hdr + 8 < pkt_len(q) ? hdr + 8 : pkt_len(q);

	pkt_init(&p);
	pkt_append(&p, pkt_data(q), n);
	push_icmp(&p, from, to, type, code, 0);
	push_ip(g, &p, from, to, from->version == 4 ? 1 : 58);
	emit_ip(g, &p);
}
