/* test_dpi.c - nDPI's use: states only for flows with payload, a cap on
 * states alive at once, and the guess for a flow that never had a state. */
#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"
#include "classify/classify.h"
#include "classify/dpi.h"
#include "frames.h"
#include "tap.h"

#define LINKTYPE_ETHERNET 1

static struct decoder *dec;

/* One TCP segment through the real decoder, so the packet is as the
 * capture engine makes it. */
static struct packet tcp_packet(struct frame_buf *f, uint32_t src, uint32_t dst,
				uint16_t sport, uint16_t dport, uint8_t flags,
				const char *payload)
{
	struct packet out[DECODE_MAX_OUT];
	int n = 0;
	size_t plen = payload ? strlen(payload) : 0;

	f->len = 0;
	put_eth(f, 0x0800);
	put_ipv4(f, 6, src, dst, 20 + plen, 1, 0);
	put_tcp(f, sport, dport, 1000, flags & 0x10 ? 2000 : 0, flags);
	if (plen)
		put_bytes(f, payload, plen);
	decode_frame(dec, LINKTYPE_ETHERNET, f->b, (uint32_t)f->len, (uint32_t)f->len,
		     1700000000000000ull, 1, out, &n);
	return out[n ? n - 1 : 0];
}

static const char http_get[] = "GET / HTTP/1.1\r\nHost: www.example.com\r\n"
			       "User-Agent: test\r\nAccept: */*\r\n\r\n";

static void test_no_state_without_payload(void)
{
	struct dpi *d = dpi_new(80, 24, 8);
	struct dpi_flow *f = NULL;
	struct dpi_result r;
	dpi_handshake h = 0;
	struct frame_buf fb = { .len = 0 };
	const uint32_t cli = IP4(10, 0, 0, 1), srv = IP4(10, 0, 0, 2);

	struct packet syn = tcp_packet(&fb, cli, srv, 40000, 80, 0x02, NULL);
	dpi_track_handshake(&h, &syn);
	ok(!dpi_packet(d, &f, &syn, 1, h, &r) && !f && dpi_stats(d)->live == 0,
	   "a SYN gets no nDPI state");
	struct packet synack = tcp_packet(&fb, srv, cli, 80, 40000, 0x12, NULL);
	dpi_track_handshake(&h, &synack);
	struct packet ack = tcp_packet(&fb, cli, srv, 40000, 80, 0x10, NULL);
	dpi_track_handshake(&h, &ack);
	dpi_packet(d, &f, &synack, 2, h, &r);
	dpi_packet(d, &f, &ack, 3, h, &r);
	is_int(h, 0x07, "the handshake is tracked as nDPI does (SYN, SYN-ACK, ACK)");
	ok(!f, "nor does the rest of the handshake");

	struct packet get = tcp_packet(&fb, cli, srv, 40000, 80, 0x18, http_get);
	bool done = dpi_packet(d, &f, &get, 4, h, &r);
	ok(f || done, "the first payload gets a state");
	if (!done)
		dpi_give_up(d, &f, &r);
	is_str(dpi_protocol_name(d, r.app ? r.app : r.master), "HTTP",
	       "HTTP is detected from the payload");
	is_str(r.host, "www.example.com", "with its Host");
	is_int(dpi_stats(d)->live, 0, "and the state is released");
	dpi_free(d);
}

static void test_state_cap(void)
{
	struct dpi *d = dpi_new(80, 24, 1);
	struct dpi_flow *a = NULL, *b = NULL;
	struct dpi_result r;
	struct frame_buf fb = { .len = 0 };
	const uint32_t srv = IP4(10, 0, 0, 2);

	/* Unknown payload: nDPI keeps the state, wanting more. */
	struct packet pa = tcp_packet(&fb, IP4(10, 0, 0, 3), srv, 40001, 9999, 0x18, "xyzzy");
	ok(!dpi_packet(d, &a, &pa, 1, 0, &r) && a, "the first flow takes the only state");
	struct packet pb = tcp_packet(&fb, IP4(10, 0, 0, 4), srv, 40002, 9999, 0x18, "plugh");
	ok(!dpi_packet(d, &b, &pb, 1, 0, &r) && !b, "a second flow waits: the cap holds");
	is_int(dpi_stats(d)->waited, 1, "the wait is counted");
	is_int(dpi_stats(d)->peak_live, 1, "never more states than the cap");
	dpi_release(d, &a);
	struct packet get = tcp_packet(&fb, IP4(10, 0, 0, 4), srv, 40002, 80, 0x18, http_get);
	bool done = dpi_packet(d, &b, &get, 2, 0, &r);
	ok(done || b, "once a state is free the waiting flow gets it");
	if (!done)
		dpi_release(d, &b);
	dpi_free(d);
}

static void test_guess_without_state(void)
{
	struct dpi *d = dpi_new(80, 24, 8);
	struct dpi_result r;
	struct ip_addr cli = { { 10, 0, 0, 1 } }, srv = { { 10, 0, 0, 2 } };
	struct dpi_opening o = { 4, 6, &cli, &srv, 40000, 443 };

	dpi_guess(d, &o, &r);
	is_str(dpi_protocol_name(d, r.app ? r.app : r.master), "TLS",
	       "a SYN-only flow to 443 is guessed TLS by port, as nDPI's give-up does");
	ok(r.guessed, "and marked as a guess");
	is_int(dpi_stats(d)->live, 0, "a guess holds no state afterwards");
	struct dpi_opening u = { 4, 17, &cli, &srv, 40000, 53 };
	dpi_guess(d, &u, &r);
	is_str(dpi_protocol_name(d, r.app ? r.app : r.master), "DNS",
	       "a UDP flow to 53 is guessed DNS");
	dpi_free(d);
}

static void test_peek(void)
{
	struct dpi *d = dpi_new(80, 24, 8);
	struct dpi_flow *f = NULL;
	struct dpi_result r;
	struct frame_buf fb = { .len = 0 };
	const uint32_t cli = IP4(10, 0, 0, 1), srv = IP4(10, 0, 0, 2);
	struct ip_addr a = { { 10, 0, 0, 1 } }, b = { { 10, 0, 0, 2 } };
	struct dpi_opening o = { 4, 6, &a, &b, 40000, 443 };

	dpi_peek(d, NULL, &o, &r);
	is_str(dpi_protocol_name(d, r.app ? r.app : r.master), "TLS",
	       "peek without a state: the guess by port (TLS on 443)");
	struct packet banner = tcp_packet(&fb, srv, cli, 443, 40000, 0x18,
					  "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
	struct packet hello = tcp_packet(&fb, cli, srv, 40000, 443, 0x18,
					 "SSH-2.0-OpenSSH_9.2p1\r\n");
	bool done = dpi_packet(d, &f, &banner, 1, 0, &r) || dpi_packet(d, &f, &hello, 2, 0, &r);
	ok(!done && f, "SSH on 443: found, detection goes on (key exchange)");
	dpi_peek(d, f, &o, &r);
	is_str(dpi_protocol_name(d, r.app ? r.app : r.master), "SSH",
	       "peek mid-detection: what nDPI found (SSH), not the port's guess");
	ok(!r.guessed, "and not marked as a guess");
	ok(f && dpi_stats(d)->live == 1, "peeking leaves the state in place");
	dpi_release(d, &f);
	dpi_free(d);
}

/* When every state is taken, the flow fed longest ago gives up its state
 * (and is decided with what nDPI saw), so a new flow is detected at once. */
static void test_oldest_gives_up(void)
{
	struct classify_options o;
	char err[256];
	struct frame_buf fb = { .len = 0 };
	const uint32_t srv = IP4(10, 0, 0, 2);

	classify_options_default(&o);
	o.max_flows = 16;
	o.dpi_max_states = 2;
	struct classifier *c = classifier_new(&o, err, sizeof(err));
	ok(c != NULL, "a classifier with two nDPI states");
	if (!c)
		return;
	for (uint32_t slot = 0; slot < 3; slot++) {
		struct flow_update u = { .slot = slot, .created = true, .from_orig = true,
					 .want_packets = true };
		struct packet p = tcp_packet(&fb, IP4(10, 0, 0, 10 + slot), srv,
					     (uint16_t)(40000 + slot), 9999, 0x18, "xyzzy");
		ok(classifier_packet(c, &u, &p), "flow %u: undecided, wants more", slot);
	}
	struct classifier_stats st;
	classifier_stats(c, &st);
	is_int(st.dpi_given_up_early, 1, "the third flow made the first give up its state");
	is_int(st.dpi_waited, 0, "and nobody waited");
	is_int(st.dpi_peak_states, 2, "never more than two states");
	struct flow_update u0 = { .slot = 0, .from_orig = true, .want_packets = true };
	struct packet more = tcp_packet(&fb, IP4(10, 0, 0, 10), srv, 40000, 9999, 0x18, "more");
	ok(!classifier_packet(c, &u0, &more), "the flow that gave up wants no more packets");
	classifier_free(c);
}

/* A TCP segment with binary payload and a sequence number. */
static struct packet tcp_bytes(struct frame_buf *f, uint32_t src, uint32_t dst,
			       uint16_t sport, uint16_t dport, uint8_t flags,
			       uint32_t seq, const uint8_t *payload, size_t plen)
{
	struct packet out[DECODE_MAX_OUT];
	int n = 0;

	f->len = 0;
	put_eth(f, 0x0800);
	put_ipv4(f, 6, src, dst, 20 + plen, 1, 0);
	put_tcp(f, sport, dport, seq, 1, flags);
	if (plen)
		put_bytes(f, payload, plen);
	decode_frame(dec, LINKTYPE_ETHERNET, f->b, (uint32_t)f->len, (uint32_t)f->len,
		     1700000000000000ull, 1, out, &n);
	return out[n ? n - 1 : 0];
}

/* A record of a type, its body's first byte first, filled to len. */
static size_t tls_record(uint8_t *b, uint8_t type, size_t len, uint8_t first)
{
	b[0] = type;
	b[1] = 3;
	b[2] = 3;
	b[3] = (uint8_t)(len >> 8);
	b[4] = (uint8_t)len;
	for (size_t i = 0; i < len; i++)
		b[5 + i] = i ? (uint8_t)(i * 7) : first;
	return 5 + len;
}

/* The classifier follows a TLS handshake beside nDPI and reports how it
 * went when the flow ends; without nDPI it does not. */
static void test_tls_followed(bool dpi)
{
	struct classify_options o;
	char err[256];
	struct frame_buf fb = { .len = 0 };
	const uint32_t cli = IP4(10, 1, 0, 21), srv = IP4(20, 50, 2, 10);
	uint8_t ch[400], sh[1200], al[8];
	size_t nch = tls_record(ch, 22, 300, 1);
	size_t nsh = tls_record(sh, 22, 90, 2);
	nsh += tls_record(sh + nsh, 22, 900, 11);
	size_t nal = tls_record(al, 21, 2, 2);
	al[6] = 48;

	classify_options_default(&o);
	o.max_flows = 4;
	o.dpi = dpi;
	struct classifier *c = classifier_new(&o, err, sizeof(err));
	if (!ok(c != NULL, "a classifier (nDPI %s)", dpi ? "on" : "off"))
		return;
	struct flow_update u = { .slot = 1, .created = true, .from_orig = true,
				 .want_packets = true };
	struct packet p = tcp_bytes(&fb, cli, srv, 50000, 443, 0x02, 999, NULL, 0);
	classifier_packet(c, &u, &p);
	u.created = false;
	u.from_orig = false;
	p = tcp_bytes(&fb, srv, cli, 443, 50000, 0x12, 4999, NULL, 0);
	classifier_packet(c, &u, &p);
	u.from_orig = true;
	p = tcp_bytes(&fb, cli, srv, 50000, 443, 0x10, 1000, NULL, 0);
	classifier_packet(c, &u, &p);
	p = tcp_bytes(&fb, cli, srv, 50000, 443, 0x18, 1000, ch, nch);
	bool more = classifier_packet(c, &u, &p);
	u.from_orig = false;
	p = tcp_bytes(&fb, srv, cli, 443, 50000, 0x18, 5000, sh, nsh);
	more = classifier_packet(c, &u, &p);
	if (dpi)
		ok(more, "the handshake is followed past the server's hello");
	u.from_orig = true;
	p = tcp_bytes(&fb, cli, srv, 50000, 443, 0x18, (uint32_t)(1000 + nch), al, nal);
	classifier_packet(c, &u, &p);

	struct flow_record r;
	struct flow_class out;
	memset(&r, 0, sizeof(r));
	r.ip_version = 4;
	r.proto = IP_PROTO_TCP;
	r.orig_p = 50000;
	r.resp_p = 443;
	classifier_flow_end(c, &r, 1, &out);
	if (dpi) {
		ok(out.tls.followed && out.tls.server_hello && out.tls.client_alert &&
		   !out.tls.client_finished, "the flow's end reports the client's alert "
		   "after the server's hello");
		ok(out.tls.alert_level == 2 && out.tls.alert_desc == 48, "fatal, unknown_ca");
	} else {
		ok(!out.tls.followed, "without nDPI no handshake is followed");
	}
	classifier_free(c);
}

/* A TLS 1.2 ClientHello record carrying a server_name; returns its length. */
static size_t client_hello_sni(uint8_t *b, const char *name)
{
	size_t n = strlen(name), o = 0;
	uint8_t body[512];

	body[o++] = 0x03;             /* client version TLS 1.2 */
	body[o++] = 0x03;
	for (int i = 0; i < 32; i++)  /* random */
		body[o++] = (uint8_t)(i * 13 + 7);
	body[o++] = 0;                /* no session id */
	body[o++] = 0;                /* two cipher suites */
	body[o++] = 4;
	body[o++] = 0xc0;
	body[o++] = 0x2f;
	body[o++] = 0x00;
	body[o++] = 0x9c;
	body[o++] = 1;                /* compression: null */
	body[o++] = 0;
	size_t ext = n + 9;           /* server_name extension, whole */
	body[o++] = (uint8_t)(ext >> 8);
	body[o++] = (uint8_t)ext;
	body[o++] = 0;                /* type server_name */
	body[o++] = 0;
	body[o++] = (uint8_t)((n + 5) >> 8);
	body[o++] = (uint8_t)(n + 5);
	body[o++] = (uint8_t)((n + 3) >> 8);  /* server name list */
	body[o++] = (uint8_t)(n + 3);
	body[o++] = 0;                /* host_name */
	body[o++] = (uint8_t)(n >> 8);
	body[o++] = (uint8_t)n;
	memcpy(body + o, name, n);
	o += n;

	b[0] = 22;                    /* handshake record */
	b[1] = 3;
	b[2] = 1;
	b[3] = (uint8_t)((o + 4) >> 8);
	b[4] = (uint8_t)(o + 4);
	b[5] = 1;                     /* ClientHello */
	b[6] = 0;
	b[7] = (uint8_t)(o >> 8);
	b[8] = (uint8_t)o;
	memcpy(b + 9, body, o);
	return 9 + o;
}

/* Whether nDPI is done with a TLS flow after its ClientHello. */
static bool done_after_hello(const char *sni, struct dpi_result *r)
{
	struct dpi *d = dpi_new(80, 24, 8);
	struct dpi_flow *f = NULL;
	dpi_handshake h = 0;
	struct frame_buf fb = { .len = 0 };
	const uint32_t cli = IP4(10, 1, 0, 21), srv = IP4(20, 50, 2, 10);
	uint8_t ch[600];
	size_t nch = client_hello_sni(ch, sni);

	struct packet p = tcp_bytes(&fb, cli, srv, 50000, 443, 0x02, 999, NULL, 0);
	dpi_track_handshake(&h, &p);
	p = tcp_bytes(&fb, srv, cli, 443, 50000, 0x12, 4999, NULL, 0);
	dpi_track_handshake(&h, &p);
	p = tcp_bytes(&fb, cli, srv, 50000, 443, 0x10, 1000, NULL, 0);
	dpi_track_handshake(&h, &p);
	p = tcp_bytes(&fb, cli, srv, 50000, 443, 0x18, 1000, ch, nch);
	bool done = dpi_packet(d, &f, &p, 4, h, r);
	if (!done)
		dpi_give_up(d, &f, r);
	dpi_free(d);
	return done;
}

/* A server name that names the application settles the flow: nDPI is fed
 * none of the server's hello or certificate. One that names nothing
 * leaves nDPI to look at the certificate, as before. */
static void test_tls_settled(void)
{
	struct dpi_result r;

	ok(done_after_hello("www.google.com", &r),
	   "an SNI that names the application: done after the ClientHello");
	ok(r.master && r.handshake && strcmp(r.host, "www.google.com") == 0,
	   "with TLS as master, the hello parsed and the name");
	ok(!done_after_hello("ordinary.example.org", &r),
	   "an SNI that names nothing: the certificate is still awaited");
	is_str(r.host, "ordinary.example.org", "and the name is kept");
}

int main(void)
{
	struct decoder_options o;
	decoder_options_default(&o);
	dec = decoder_new(&o);
	test_no_state_without_payload();
	test_state_cap();
	test_guess_without_state();
	test_peek();
	test_oldest_gives_up();
	test_tls_followed(true);
	test_tls_followed(false);
	test_tls_settled();
	decoder_free(dec);
	return done_testing();
}
