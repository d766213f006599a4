/* dpi.c - nDPI 4.2 detection (see dpi.h). */
#include <ndpi/ndpi_api.h>
#include <stdlib.h>
#include <string.h>

#include "dpi.h"

/* Freed nDPI flow states kept for reuse, so detection does not call malloc
 * for every new flow. */
#define POOL_MAX 4096

struct dpi {
	struct ndpi_detection_module_struct *ndpi;
	unsigned max_tcp, max_udp, max_states;
	struct ndpi_flow_struct *pool[POOL_MAX];
	unsigned npool;
	struct dpi_stats stats;
};

struct dpi *dpi_new(unsigned max_tcp_packets, unsigned max_udp_packets,
		    unsigned max_states)
{
	struct dpi *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->max_tcp = max_tcp_packets;
	d->max_udp = max_udp_packets;
	d->max_states = max_states;
	d->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
	if (!d->ndpi) {
		free(d);
		return NULL;
	}
	NDPI_PROTOCOL_BITMASK all;
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(d->ndpi, &all);
	ndpi_finalize_initialization(d->ndpi);
	return d;
}

void dpi_free(struct dpi *d)
{
	if (!d)
		return;
	for (unsigned i = 0; i < d->npool; i++)
		ndpi_flow_free(d->pool[i]);
	ndpi_exit_detection_module(d->ndpi);
	free(d);
}

static struct ndpi_flow_struct *flow_get(struct dpi *d)
{
	if (d->stats.live >= d->max_states) {
		d->stats.waited++;
		return NULL;
	}
	struct ndpi_flow_struct *f =
		d->npool ? d->pool[--d->npool] : ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
	if (!f) {
		d->stats.alloc_failed++;
		return NULL;
	}
	memset(f, 0, SIZEOF_FLOW_STRUCT);
	d->stats.flows++;
	if (++d->stats.live > d->stats.peak_live)
		d->stats.peak_live = d->stats.live;
	return f;
}

void dpi_release(struct dpi *d, struct dpi_flow **fp)
{
	struct ndpi_flow_struct *f = (struct ndpi_flow_struct *)*fp;

	if (!f)
		return;
	if (d->npool < POOL_MAX) {
		/* Pooled states hold no data, so freeing them later is safe. */
		ndpi_free_flow_data(f);
		memset(f, 0, SIZEOF_FLOW_STRUCT);
		d->pool[d->npool++] = f;
	} else {
		ndpi_flow_free(f);  /* frees its data and itself */
	}
	d->stats.live--;
	*fp = NULL;
}

static bool is_tls_family(struct dpi *d, uint16_t id)
{
	const char *n = ndpi_get_proto_name(d->ndpi, id);
	return n && (strcmp(n, "TLS") == 0 || strcmp(n, "QUIC") == 0 ||
		     strcmp(n, "DTLS") == 0);
}

/* A version a TLS or DTLS hello can carry: SSL 3.0 to TLS 1.3, DTLS 1.0
 * to 1.3. */
static bool tls_version_known(uint16_t v)
{
	return (v >= 0x0300 && v <= 0x0304) || (v >= 0xfefc && v <= 0xfeff);
}

/* Whether nDPI keeps a record of the protocol's handshake (*structured: TLS,
 * QUIC, DTLS, SSH, HTTP, DNS)
 * and found one in this flow (the return). protos is a union: only the
 * carrier's member is read. TLS needs more than hello_processed: nDPI 4.2
 * sets it for any record that starts like a hello, however little of it
 * parses, and random bytes do that (docs/app-confidence.md); a server name
 * or a version that exists is what a real hello shows. */
static bool handshake_parsed(struct dpi *d, const struct ndpi_flow_struct *f,
			     uint16_t carrier, bool *structured)
{
	*structured = true;
	if (is_tls_family(d, carrier))
		return f->protos.tls_quic.hello_processed &&
		       (f->host_server_name[0] ||
			tls_version_known(f->protos.tls_quic.ssl_version));
	if (carrier == NDPI_PROTOCOL_SSH)
		return f->protos.ssh.client_signature[0] || f->protos.ssh.server_signature[0];
	if (carrier == NDPI_PROTOCOL_HTTP || carrier == NDPI_PROTOCOL_HTTP_PROXY ||
	    carrier == NDPI_PROTOCOL_HTTP_CONNECT)
		return f->http.method != NDPI_HTTP_METHOD_UNKNOWN ||
		       f->http.response_status_code != 0;
	if (carrier == NDPI_PROTOCOL_DNS || carrier == NDPI_PROTOCOL_LLMNR ||
	    carrier == NDPI_PROTOCOL_MDNS)
		return f->host_server_name[0];  /* a question's name parsed */
	*structured = false;
	return false;
}

static void fill_result(struct dpi *d, struct ndpi_flow_struct *f,
			ndpi_protocol proto, bool guessed, struct dpi_result *r)
{
	memset(r, 0, sizeof(*r));
	r->master = proto.master_protocol;
	r->app = proto.app_protocol;
	r->category = (uint16_t)proto.category;
	r->guessed = guessed;
	r->confidence = (uint8_t)f->confidence;
	if (r->master || r->app)
		r->handshake = handshake_parsed(d, f, r->master ? r->master : r->app,
						&r->structured);

	/* nDPI keeps one host name per flow; what it means depends on the
	 * protocol that found it (DNS names are learnt elsewhere, properly). */
	uint16_t carrier = r->master ? r->master : r->app;
	const char *carrier_name = ndpi_get_proto_name(d->ndpi, carrier);
	if (!f->host_server_name[0] || !carrier_name)
		return;
	if (is_tls_family(d, carrier))
		r->host_source = NAME_SNI;
	else if (strcmp(carrier_name, "HTTP") == 0 ||
		 strcmp(carrier_name, "HTTP_Proxy") == 0)
		r->host_source = NAME_HTTP;
	else
		return;
	size_t n = strnlen(f->host_server_name, sizeof(f->host_server_name));
	if (n >= sizeof(r->host))
		n = sizeof(r->host) - 1;
	memcpy(r->host, f->host_server_name, n);
	r->host[n] = '\0';
}

static unsigned packet_cap(const struct dpi *d, uint8_t ip_proto)
{
	return ip_proto == IP_PROTO_TCP ? d->max_tcp : d->max_udp;
}

#define HS_SYN 0x01
#define HS_SYN_ACK 0x02
#define HS_ACK 0x04
#define TCP_SYN 0x02
#define TCP_ACK 0x10

/* nDPI 4.2's own rule (ndpi_main.c, connection tracking): each step only
 * after the one before, only once. */
void dpi_track_handshake(dpi_handshake *h, const struct packet *p)
{
	bool syn = p->tcp_flags & TCP_SYN, ack = p->tcp_flags & TCP_ACK;

	if (p->ip_proto != IP_PROTO_TCP)
		return;
	if (syn && !ack && *h == 0)
		*h = HS_SYN;
	else if (syn && ack && *h == HS_SYN)
		*h |= HS_SYN_ACK;
	else if (!syn && ack && *h == (HS_SYN | HS_SYN_ACK))
		*h |= HS_ACK;
}

/* A state for a flow that has none yet, with the handshake it saw. */
static struct ndpi_flow_struct *flow_start(struct dpi *d, dpi_handshake h)
{
	struct ndpi_flow_struct *f = flow_get(d);
	if (f) {
		f->l4.tcp.seen_syn = !!(h & HS_SYN);
		f->l4.tcp.seen_syn_ack = !!(h & HS_SYN_ACK);
		f->l4.tcp.seen_ack = !!(h & HS_ACK);
	}
	return f;
}

static uint16_t capped_len(uint32_t n)
{
	return (uint16_t)(n > 0xffff ? 0xffff : n);
}

/* A TLS flow whose server name named its application (nDPI's
 * subprotocol_detected) after a hello was parsed. nDPI 4.2 goes on for the
 * server's hello and certificate, but what they could change is consulted
 * only while no subprotocol is known (tls.c: the certificate's names and
 * subject, the certificate cache), and with a server name the handshake
 * counts as parsed whatever the version (handshake_parsed). So every field
 * fill_result reads is final: the rest of the handshake (most of the
 * packets nDPI was fed) is not needed. */
static bool tls_settled(const struct ndpi_flow_struct *f, ndpi_protocol proto)
{
	return proto.master_protocol == NDPI_PROTOCOL_TLS &&
	       f->protos.tls_quic.subprotocol_detected &&
	       f->protos.tls_quic.hello_processed && f->host_server_name[0];
}

bool dpi_packet(struct dpi *d, struct dpi_flow **fp, const struct packet *p,
		unsigned packets_seen, dpi_handshake h, struct dpi_result *r)
{
	struct ndpi_flow_struct *f = (struct ndpi_flow_struct *)*fp;
	bool enough = packets_seen > packet_cap(d, p->ip_proto);

	if (!f) {
		/* Without payload nDPI learns nothing a later state cannot be
		 * told (the handshake); every state taken: wait for one. */
		bool bare_tcp = p->ip_proto == IP_PROTO_TCP && p->payload_caplen == 0;
		f = bare_tcp ? NULL : flow_start(d, h);
		if (!f) {
			if (!enough)
				return false;
			struct dpi_opening o = { p->ip_version, p->ip_proto, &p->src, &p->dst,
						 p->sport, p->dport };
			dpi_guess(d, &o, r);
			return true;
		}
		*fp = (struct dpi_flow *)f;
	}
	ndpi_protocol proto = ndpi_detection_process_packet(
		d->ndpi, f, p->l3, capped_len(p->l3_caplen), p->ts_us / 1000);
	d->stats.packets++;

	if (!enough && proto.app_protocol == NDPI_PROTOCOL_UNKNOWN)
		return false;
	/* Known, but more may come (a certificate, a later host name),
	 * unless nothing that comes can change what we take. */
	if (!enough && ndpi_extra_dissection_possible(d->ndpi, f) &&
	    !tls_settled(f, proto))
		return false;
	if (proto.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
		dpi_give_up(d, fp, r);
		return true;
	}
	fill_result(d, f, proto, false, r);
	dpi_release(d, fp);
	return true;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An IP header and a bare transport header: what nDPI's guesses read (the
 * addresses, the protocol, the ports). Returns its length. */
static size_t synthetic_packet(uint8_t *b, const struct dpi_opening *o)
{
	size_t ip = o->ip_version == 6 ? 40 : 20;
	size_t l4 = o->proto == IP_PROTO_TCP ? 20 : 8;

	memset(b, 0, ip + l4);
	if (o->ip_version == 6) {
		b[0] = 0x60;
		put16(b + 4, (uint16_t)l4);
		b[6] = o->proto;
		b[7] = 64;
		memcpy(b + 8, o->src->b, 16);
		memcpy(b + 24, o->dst->b, 16);
	} else {
		b[0] = 0x45;
		put16(b + 2, (uint16_t)(ip + l4));
		b[8] = 64;
		b[9] = o->proto;
		memcpy(b + 12, o->src->b, 4);
		memcpy(b + 16, o->dst->b, 4);
	}
	uint8_t *t = b + ip;
	if (o->proto == IP_PROTO_TCP || o->proto == IP_PROTO_UDP) {
		put16(t, o->sport);
		put16(t + 2, o->dport);
	}
	if (o->proto == IP_PROTO_TCP) {
		t[12] = 5 << 4;
		t[13] = TCP_SYN;
	} else if (o->proto == IP_PROTO_UDP) {
		put16(t + 4, (uint16_t)l4);
	}
	return ip + l4;
}

bool dpi_full(const struct dpi *d)
{
	return d->stats.live >= d->max_states;
}

void dpi_peek(struct dpi *d, const struct dpi_flow *fp, const struct dpi_opening *o,
	      struct dpi_result *r)
{
	const struct ndpi_flow_struct *f = (const struct ndpi_flow_struct *)fp;

	if (!f || f->detected_protocol_stack[0] == NDPI_PROTOCOL_UNKNOWN) {
		dpi_guess(d, o, r);
		return;
	}
	ndpi_protocol proto = {
		.master_protocol = f->detected_protocol_stack[1],
		.app_protocol = f->detected_protocol_stack[0],
		.category = f->category,
	};
	fill_result(d, (struct ndpi_flow_struct *)f, proto, false, r);
}

void dpi_guess(struct dpi *d, const struct dpi_opening *o, struct dpi_result *r)
{
	uint8_t buf[64];
	uint8_t guessed = 0;

	memset(r, 0, sizeof(*r));
	/* A state from the pool but outside the cap (it lives for this call
	 * only), so a scan of a million SYNs costs no malloc per flow. */
	struct ndpi_flow_struct *f =
		d->npool ? d->pool[--d->npool] : ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
	if (!f) {
		d->stats.alloc_failed++;
		return;
	}
	memset(f, 0, SIZEOF_FLOW_STRUCT);
	size_t n = synthetic_packet(buf, o);
	ndpi_detection_process_packet(d->ndpi, f, buf, (uint16_t)n, 0);
	ndpi_protocol proto = ndpi_detection_giveup(d->ndpi, f, 1, &guessed);
	fill_result(d, f, proto, true, r);
	d->stats.live++;  /* dpi_release counts it back */
	struct dpi_flow *handle = (struct dpi_flow *)f;
	dpi_release(d, &handle);
	d->stats.guessed_without_state++;
}

void dpi_give_up(struct dpi *d, struct dpi_flow **fp, struct dpi_result *r)
{
	struct ndpi_flow_struct *f = (struct ndpi_flow_struct *)*fp;
	uint8_t guessed = 0;

	if (!f) {
		memset(r, 0, sizeof(*r));
		return;
	}
	/* nDPI may already know the protocol and only wait for more (SSH's key
	 * exchange, a certificate): that is a detection, not a guess. */
	bool known = f->detected_protocol_stack[0] != NDPI_PROTOCOL_UNKNOWN;
	ndpi_protocol proto = ndpi_detection_giveup(d->ndpi, f, 1, &guessed);
	fill_result(d, f, proto, !known, r);
	dpi_release(d, fp);
}

const char *dpi_protocol_name(struct dpi *d, uint16_t id)
{
	const char *n = ndpi_get_proto_name(d->ndpi, id);
	return n ? n : "Unknown";
}

const char *dpi_category_name(struct dpi *d, uint16_t category)
{
	const char *n = ndpi_category_get_name(d->ndpi, (ndpi_protocol_category_t)category);
	return n ? n : "Unspecified";
}

const char *dpi_confidence_name(uint8_t confidence)
{
	const char *n = ndpi_confidence_get_name((ndpi_confidence_t)confidence);
	return n ? n : "Unknown";
}

bool dpi_confidence_is_dpi(uint8_t confidence)
{
	return confidence == NDPI_CONFIDENCE_DPI;
}

const struct dpi_stats *dpi_stats(const struct dpi *d)
{
	return &d->stats;
}
