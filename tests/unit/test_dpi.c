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
	decoder_free(dec);
	return done_testing();
}
