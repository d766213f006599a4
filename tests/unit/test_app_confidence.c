/* test_app_confidence.c - how sure an identification is
 * (docs/app-confidence.md): the rule on its own, then whole flows through
 * the classifier and the real nDPI, each way the rule can go. */
#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"
#include "classify/app_confidence.h"
#include "classify/classify.h"
#include "frames.h"
#include "tap.h"

#define LINKTYPE_ETHERNET 1

static struct decoder *dec;

static void test_rule(void)
{
	struct app_evidence e = { .app = "Unknown", .master = "" };
	is_int(app_confidence_judge(&e), APP_CONFIDENCE_NONE, "Unknown: none");

	e = (struct app_evidence){ .app = "SMBv23", .master = "", .guessed = true };
	is_int(app_confidence_judge(&e), APP_CONFIDENCE_GUESS, "a give-up guess: guess");
	e = (struct app_evidence){ .app = "TLS", .master = "", .by_dpi = false,
				   .structured = true, .handshake = true, .both_ways = true };
	is_int(app_confidence_judge(&e), APP_CONFIDENCE_GUESS,
	       "not nDPI's DPI (by port, address or cache): guess, whatever else");

	e = (struct app_evidence){ .app = "RTMP", .master = "", .by_dpi = true,
				   .both_ways = true };
	is_int(app_confidence_judge(&e), APP_CONFIDENCE_WEAK,
	       "RTMP both ways: weak (a detector that fires on random bytes)");
	e.app = "Telegram";
	is_int(app_confidence_judge(&e), APP_CONFIDENCE_WEAK, "Telegram: weak");
	e.app = "Google";
	e.master = "Z39.50";
	is_int(app_confidence_judge(&e), APP_CONFIDENCE_WEAK,
	       "a noise-prone master protocol makes it weak too");

	e = (struct app_evidence){ .app = "TLS", .master = "", .by_dpi = true,
				   .structured = true, .handshake = false, .both_ways = true };
	is_int(app_confidence_judge(&e), APP_CONFIDENCE_WEAK,
	       "TLS without a hello that parses: weak, even both ways");
	e.handshake = true;
	e.both_ways = false;
	is_int(app_confidence_judge(&e), APP_CONFIDENCE_CONFIDENT,
	       "a parsed ClientHello stands on its own: confident one-sided");

	e = (struct app_evidence){ .app = "SMBv23", .master = "NetBIOS", .by_dpi = true,
				   .both_ways = true };
	is_int(app_confidence_judge(&e), APP_CONFIDENCE_CONFIDENT,
	       "SMB in a conversation: confident");
	e.both_ways = false;
	is_int(app_confidence_judge(&e), APP_CONFIDENCE_WEAK,
	       "SMB from one side only: weak");

	ok(app_fires_on_noise("Z39.50") && !app_fires_on_noise("SSH") &&
	   !app_fires_on_noise("") && !app_fires_on_noise(NULL),
	   "the noise list names the measured detectors only");
	is_str(app_confidence_text(APP_CONFIDENCE_CONFIDENT), "confident", "text: confident");
	is_str(app_confidence_text(APP_CONFIDENCE_WEAK), "weak", "text: weak");
	is_str(app_confidence_text(APP_CONFIDENCE_GUESS), "guess", "text: guess");
	is_str(app_confidence_text(APP_CONFIDENCE_NONE), "none", "text: none");
}

/* One TCP segment with binary payload through the real decoder. */
static struct packet segment(struct frame_buf *f, uint32_t src, uint32_t dst,
			     uint16_t sport, uint16_t dport, const void *data, size_t n)
{
	struct packet out[DECODE_MAX_OUT];
	int k = 0;

	f->len = 0;
	put_eth(f, 0x0800);
	put_ipv4(f, 6, src, dst, 20 + n, 1, 0);
	put_tcp(f, sport, dport, 1000, 2000, 0x18);
	put_bytes(f, data, n);
	decode_frame(dec, LINKTYPE_ETHERNET, f->b, (uint32_t)f->len, (uint32_t)f->len,
		     1700000000000000ull, 1, out, &k);
	return out[k ? k - 1 : 0];
}

/* Bytes that look random (a fixed generator, so the test never varies). */
static void noise(uint8_t *d, size_t n, uint32_t seed)
{
	uint32_t x = seed;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		d[i] = (uint8_t)(x >> 16);
	}
}

struct msg {
	bool from_client;
	const uint8_t *data;
	size_t n;
};

/* A mid-stream flow (no handshake) 10.0.0.1:50000 -> 10.0.0.2:port with
 * these messages, classified to its end. */
static struct flow_class classify_flow(uint16_t port, const struct msg *m, unsigned nm)
{
	struct classify_options o;
	char err[256];
	struct frame_buf fb = { .len = 0 };
	const uint32_t cli = IP4(10, 0, 0, 1), srv = IP4(10, 0, 0, 2);
	struct flow_record r;
	struct flow_class out;

	memset(&out, 0, sizeof(out));
	classify_options_default(&o);
	o.max_flows = 4;
	struct classifier *c = classifier_new(&o, err, sizeof(err));
	if (!c)
		return out;
	memset(&r, 0, sizeof(r));
	r.ip_version = 4;
	r.proto = 6;
	r.orig_h = (struct ip_addr){ { 10, 0, 0, 1 } };
	r.resp_h = (struct ip_addr){ { 10, 0, 0, 2 } };
	r.orig_p = 50000;
	r.resp_p = port;
	for (unsigned i = 0; i < nm; i++) {
		struct flow_update u = { .slot = 0, .created = i == 0,
					 .from_orig = m[i].from_client, .want_packets = true };
		struct packet p = m[i].from_client ?
			segment(&fb, cli, srv, 50000, port, m[i].data, m[i].n) :
			segment(&fb, srv, cli, port, 50000, m[i].data, m[i].n);
		classifier_packet(c, &u, &p);
		struct flow_side *side = m[i].from_client ? &r.orig : &r.resp;
		side->pkts++;
		side->payload_bytes += m[i].n;
	}
	classifier_flow_end(c, &r, 0, &out);
	classifier_free(c);
	return out;
}

static void test_flows(void)
{
	uint8_t q[300], a[400];
	struct flow_class fc;

	/* The user report: RTMP's detector wants only a first byte each way. */
	noise(q, sizeof(q), 1);
	noise(a, sizeof(a), 2);
	q[0] = 0x03;
	a[0] = 0x06;
	struct msg rtmp[] = { { true, q, sizeof(q) }, { false, a, sizeof(a) } };
	fc = classify_flow(13667, rtmp, 2);
	is_str(fc.app, "RTMP", "random bytes starting 0x03, answered 0x06: nDPI says RTMP");
	is_str(fc.ndpi_confidence, "DPI", "with nDPI's confidence DPI");
	is_int(fc.app_confidence, APP_CONFIDENCE_WEAK, "which is weak");

	/* A TLS record header and a "ClientHello" of noise: nDPI 4.2 says
	 * TLS (hello_processed) though nothing in it parses. */
	noise(q, sizeof(q), 3);
	static const uint8_t hdr[] = { 0x16, 0x03, 0x01, 0x01, 0x27, 0x01, 0x00, 0x01, 0x23,
				       0x7a, 0x7f };
	memcpy(q, hdr, sizeof(hdr));
	noise(a, sizeof(a), 4);
	struct msg fake_tls[] = { { true, q, sizeof(q) }, { false, a, sizeof(a) } };
	fc = classify_flow(443, fake_tls, 2);
	is_str(fc.app, "TLS", "a record header over noise: nDPI says TLS");
	is_int(fc.app_confidence, APP_CONFIDENCE_WEAK,
	       "weak: the hello's version (0x7a7f) is none there is");

	/* SSH: both banners, a handshake nDPI records. */
	static const char cb[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
	static const char sb[] = "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.4\r\n";
	struct msg ssh[] = { { false, (const uint8_t *)sb, sizeof(sb) - 1 },
			     { true, (const uint8_t *)cb, sizeof(cb) - 1 } };
	fc = classify_flow(443, ssh, 2);
	is_str(fc.app, "SSH", "SSH banners both ways on 443: SSH");
	is_int(fc.app_confidence, APP_CONFIDENCE_CONFIDENT, "confident");

	/* HTTP: a request line, one side only. */
	static const char get[] = "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n"
				  "User-Agent: test\r\nAccept: */*\r\n\r\n";
	struct msg http[] = { { true, (const uint8_t *)get, sizeof(get) - 1 } };
	fc = classify_flow(80, http, 1);
	is_str(fc.app, "HTTP", "an HTTP request, never answered: HTTP");
	is_int(fc.app_confidence, APP_CONFIDENCE_CONFIDENT,
	       "confident: the request line is the structure");

	/* Noise with no heuristic match: nDPI's port guess. */
	noise(q, sizeof(q), 5);
	noise(a, sizeof(a), 6);
	q[0] = 0x00;
	a[0] = 0x00;
	struct msg plain[] = { { true, q, sizeof(q) }, { false, a, sizeof(a) } };
	fc = classify_flow(445, plain, 2);
	ok(fc.app_guessed, "random bytes on 445: a give-up guess (%s)", fc.app);
	is_int(fc.app_confidence, APP_CONFIDENCE_GUESS, "guess");
}

int main(void)
{
	struct decoder_options o;
	decoder_options_default(&o);
	dec = decoder_new(&o);
	test_rule();
	test_flows();
	decoder_free(dec);
	return done_testing();
}
