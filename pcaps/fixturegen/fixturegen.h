/* fixturegen.h - the fixture capture generator's parts.
 *
 * Captures are built from sessions (TCP, UDP, ICMP) carrying realistic
 * application payloads, wrapped in the link type and encapsulation a case
 * asks for, and written with fixed timestamps: the same arguments always
 * give the same bytes. Conventions: time starts at 1700000000.000000 UTC and
 * advances 1 ms per packet unless a case says otherwise; client ISNs are
 * 1000000 + port, server ISNs 5000000 + port.
 */
#ifndef FIXTUREGEN_H
#define FIXTUREGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define T0_US 1700000000000000ull
#define MAX_FRAME 70000

/* ---- writing captures ---- */

enum file_format { FMT_PCAP, FMT_PCAP_NSEC, FMT_PCAPNG };

struct writer {
	FILE *f;
	enum file_format format;
	int linktype;
	unsigned interfaces;     /* pcapng: interface description blocks */
	uint32_t snaplen;
	uint64_t packets;
};

bool writer_open(struct writer *w, const char *path, enum file_format fmt,
		 int linktype, unsigned interfaces, uint32_t snaplen);
void writer_frame(struct writer *w, uint64_t ts_us, unsigned iface,
		  const uint8_t *data, uint32_t caplen, uint32_t wirelen);
bool writer_close(struct writer *w);

/* ---- building packets ---- */

/* Headers are prepended in front of the payload: data lives at
 * buf[start..end). */
struct pkt {
	uint8_t buf[MAX_FRAME + 2048];
	size_t start, end;
};

void pkt_init(struct pkt *p);
uint8_t *pkt_push(struct pkt *p, size_t n);         /* room in front */
void pkt_append(struct pkt *p, const void *d, size_t n);
size_t pkt_len(const struct pkt *p);
uint8_t *pkt_data(struct pkt *p);

struct addr {
	uint8_t version;
	uint8_t b[16];
};

struct addr ip(const char *text);

enum link {
	LINK_ETHERNET, LINK_SLL, LINK_SLL2, LINK_RAW, LINK_IPV4, LINK_IPV6,
	LINK_NULL, LINK_LOOP,
};

enum encap {
	ENCAP_NONE, ENCAP_VLAN, ENCAP_QINQ, ENCAP_MPLS, ENCAP_GRE, ENCAP_GRE_ETH,
	ENCAP_ERSPAN2, ENCAP_ERSPAN3, ENCAP_VXLAN, ENCAP_GENEVE, ENCAP_6IN4,
	ENCAP_IPIP, ENCAP_IPV6_EXT,
};

/* The output of a case: where packets go and how they are wrapped. */
struct gen {
	struct writer w;
	enum link link;
	enum encap encap;
	uint64_t now_us;
	uint64_t step_us;
	unsigned iface_count;    /* pcapng: alternate interfaces */
	unsigned next_iface;
	bool bad_l4_checksum;    /* checksums as a sending host's offload leaves them */
	uint16_t ip_id;
	uint16_t vlan;           /* an outer VLAN tag on every frame, 0: none */
	/* Called before each frame is written: lets a flood case interleave
	 * its own frames with a scenario's. */
	void (*before_frame)(struct gen *g, void *ctx);
	void *hook_ctx;
	/* Asked about each IP packet (p at its IP header) before it is
	 * wrapped: false leaves it out of the capture, as a mirror that
	 * never saw it; its time still passes. */
	bool (*keep_packet)(struct gen *g, struct pkt *p, void *ctx);
	void *keep_ctx;
};

void gen_init(struct gen *g, enum link link, enum encap encap);
uint64_t gen_time(struct gen *g);        /* now, then advance one step */
void gen_wait(struct gen *g, uint64_t us);

/* Wraps an IP packet (at p) per g's encapsulation and link, writes it. */
void emit_ip(struct gen *g, struct pkt *p);

/* IP headers; the checksums of TCP/UDP/ICMP need the addresses, so L4
 * headers are added by these too. */
void push_ipv4(struct pkt *p, const struct addr *s, const struct addr *d,
	       uint8_t proto, uint16_t id, uint16_t frag);
void push_ipv6(struct pkt *p, const struct addr *s, const struct addr *d,
	       uint8_t next);
void push_ip(struct gen *g, struct pkt *p, const struct addr *s,
	     const struct addr *d, uint8_t proto);
void push_tcp(struct gen *g, struct pkt *p, const struct addr *s,
	      const struct addr *d, uint16_t sport, uint16_t dport,
	      uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win, bool syn_opts);
void push_udp(struct gen *g, struct pkt *p, const struct addr *s,
	      const struct addr *d, uint16_t sport, uint16_t dport);
void push_icmp(struct pkt *p, const struct addr *s, const struct addr *d,
	       uint8_t type, uint8_t code, uint32_t rest);
void push_eth(struct pkt *p, uint16_t type);
uint16_t inet_sum(const uint8_t *d, size_t n, uint32_t sum);

/* ---- sessions ---- */

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

enum dir { C2S, S2C };

struct conn {
	struct gen *g;
	struct addr c, s;
	uint16_t cp, sp;
	uint32_t cseq, sseq;     /* next sequence number of each side */
	bool established;
};

void conn_init(struct conn *c, struct gen *g, const char *client, uint16_t cport,
	       const char *server, uint16_t sport);
void conn_init_addr(struct conn *c, struct gen *g, struct addr client,
		    uint16_t cport, struct addr server, uint16_t sport);
/* One segment; data advances the sender's sequence. */
void tcp_seg(struct conn *c, enum dir d, uint8_t flags, const void *data, size_t len);
void tcp_handshake(struct conn *c);
/* Data from one side, acknowledged by the other. */
void tcp_data(struct conn *c, enum dir d, const void *data, size_t len);
void tcp_close(struct conn *c);  /* FIN both ways, final ACK */
/* A request/response session: handshake, exchange, close. */
void tcp_session(struct conn *c, const void *req, size_t reqlen,
		 const void *resp, size_t resplen);
/* A TLS session on c: handshake, ClientHello naming sni (none when NULL),
 * ServerHello, data bytes of application data each way, close. seed makes
 * the hellos (seed) and the data (seed + 1) differ from session to session. */
void tls_session(struct conn *c, const char *sni, size_t data, uint32_t seed);

void udp_send(struct gen *g, const struct addr *s, uint16_t sport,
	      const struct addr *d, uint16_t dport, const void *data, size_t len);
/* An ICMP/ICMPv6 error from `from` to `to` quoting the first bytes of q. */
void icmp_error(struct gen *g, const struct addr *from, const struct addr *to,
		uint8_t type, uint8_t code, struct pkt *q);

/* ---- payloads ---- */

struct buf {
	uint8_t d[8192];
	size_t n;
};

void buf_put(struct buf *b, const void *d, size_t n);
void buf_u8(struct buf *b, uint8_t v);
void buf_u16(struct buf *b, uint16_t v);
void buf_u32(struct buf *b, uint32_t v);
void buf_str(struct buf *b, const char *s);

void http_get(struct buf *b, const char *host, const char *path);
void http_ok(struct buf *b, size_t body);
/* TLS 1.3 ClientHello; sni NULL: no server_name extension. */
void tls_client_hello(struct buf *b, const char *sni, uint32_t seed);
void tls_server_hello(struct buf *b, uint32_t seed);
void tls_app_data(struct buf *b, size_t n, uint32_t seed);
/* TLS 1.2: ServerHello, Certificate (for name, issued by the CA named),
 * ServerKeyExchange and ServerHelloDone, each in a record of its own. */
void tls12_server_flight(struct buf *b, const char *name, const char *issuer_org,
			 const char *issuer_cn, uint32_t seed);
/* An alert record: level 1 warning or 2 fatal, a description (48
 * unknown_ca). */
void tls_alert(struct buf *b, uint8_t level, uint8_t desc);
void ssh_banner(struct buf *b, const char *software);
void smtp_banner(struct buf *b);
void smtp_ehlo(struct buf *b);
void smtp_ehlo_reply(struct buf *b);
void kerberos_as_req(struct buf *b, bool tcp, const char *user, const char *realm);
void kerberos_as_rep_error(struct buf *b, bool tcp, const char *realm);
void ldap_bind_request(struct buf *b, const char *dn);
void ldap_bind_response(struct buf *b);
void cldap_search(struct buf *b, const char *domain);
void cldap_search_done(struct buf *b);
void smb2_negotiate_request(struct buf *b);
void smb2_negotiate_response(struct buf *b);
void tds_prelogin(struct buf *b, bool response);
void ntp_packet(struct buf *b, bool server);
void dcerpc_bind(struct buf *b);
void dcerpc_bind_ack(struct buf *b);
void license_request(struct buf *b, uint32_t seed);
void license_response(struct buf *b, uint32_t seed);

/* DNS: a query, or a response with an rcode and a CNAME chain ending in
 * addresses (chain and addrs may be empty). */
struct dns_answer_spec {
	const char *const *cnames;   /* chain after the question name */
	unsigned ncnames;
	const struct addr *addrs;
	unsigned naddrs;
	uint32_t ttl;
};
void dns_query(struct buf *b, uint16_t id, const char *name, uint16_t qtype);
void dns_response(struct buf *b, uint16_t id, const char *name, uint16_t qtype,
		  int rcode, const struct dns_answer_spec *a);
/* A query and its answer from client to a resolver on udp/53. */
void dns_exchange(struct gen *g, const char *client, uint16_t cport,
		  const char *resolver, uint16_t id, const char *name,
		  int rcode, const struct dns_answer_spec *a);

/* ---- cases ---- */

struct case_args {
	uint64_t count;
	uint64_t seed;
};

struct fixture_case {
	const char *name;
	const char *description;
	enum file_format format;
	int (*run)(const char *path, const struct case_args *a);
	bool volume;   /* flood/benchmark: not part of --all */
};

extern const struct fixture_case engine_cases[];
extern const struct fixture_case audit_cases[];
extern const struct fixture_case volume_cases[];
extern const struct fixture_case confidence_cases[];
extern const struct fixture_case health_cases[];
extern const struct fixture_case edge_cases[];
extern const struct fixture_case layout_cases[];

/* The demo site's traffic (the "demo" case), each IP packet offered to
 * keep (NULL: all kept) so a case can write what a lossy or one-sided
 * mirror would have captured of it. */
int demo_capture(const char *path,
		 bool (*keep)(struct gen *g, struct pkt *p, void *ctx), void *ctx);

/* Opens the output of a simple case on the usual link. */
bool gen_open(struct gen *g, const char *path, enum file_format fmt, enum link link,
	      enum encap encap);
int gen_finish(struct gen *g);

uint64_t rng_next(uint64_t *state);

#endif
