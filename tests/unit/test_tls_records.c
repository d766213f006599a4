/* test_tls_records.c - the TLS record walker: a client that aborts with an
 * alert after the server's hello, one that finishes, records split across
 * packets, retransmissions and gaps, short and garbage records, and a TLS
 * 1.3 alert under the handshake keys (never read as a plaintext one). */
#include <stdlib.h>
#include <string.h>

#include "classify/tls_records.h"
#include "tap.h"

#define CLIENT true
#define SERVER false
#define CISN 1000001u   /* the client's first payload byte */
#define SISN 5000001u

struct bytes {
	uint8_t b[8192];
	size_t n;
};

static void put(struct bytes *x, const void *d, size_t n)
{
	memcpy(x->b + x->n, d, n);
	x->n += n;
}

static void u8(struct bytes *x, uint8_t v)
{
	x->b[x->n++] = v;
}

static void u16(struct bytes *x, uint16_t v)
{
	u8(x, (uint8_t)(v >> 8));
	u8(x, (uint8_t)v);
}

/* A record of a type whose body starts with first (a handshake message
 * type), filled to len. */
static void record(struct bytes *x, uint8_t type, uint16_t version, size_t len,
		   uint8_t first)
{
	u8(x, type);
	u16(x, version);
	u16(x, (uint16_t)len);
	for (size_t i = 0; i < len; i++)
		u8(x, i == 0 ? first : (uint8_t)(0x41 + i % 26));
}

static void client_hello(struct bytes *x, size_t len)
{
	record(x, 22, 0x0301, len, 1);
}

static void server_flight(struct bytes *x)
{
	record(x, 22, 0x0303, 80, 2);     /* ServerHello */
	record(x, 22, 0x0303, 900, 11);   /* Certificate */
	record(x, 22, 0x0303, 4, 14);     /* ServerHelloDone */
}

static void alert(struct bytes *x, uint8_t level, uint8_t desc)
{
	u8(x, 21);
	u16(x, 0x0303);
	u16(x, 2);
	u8(x, level);
	u8(x, desc);
}

struct flow {
	struct tls_track t;
	uint32_t cseq, sseq;
};

static void flow_init(struct flow *f)
{
	memset(f, 0, sizeof(*f));
	f->cseq = CISN;
	f->sseq = SISN;
}

/* A segment of what one side sends next: len bytes of x from off. */
static bool seg(struct flow *f, bool client, const struct bytes *x, size_t off, size_t len)
{
	uint32_t *seq = client ? &f->cseq : &f->sseq;
	bool more = tls_track_packet(&f->t, client, *seq, x->b + off, len, len);
	*seq += (uint32_t)len;
	return more;
}

static bool all(struct flow *f, bool client, const struct bytes *x)
{
	return seg(f, client, x, 0, x->n);
}

static struct tls_outcome outcome(const struct flow *f)
{
	struct tls_outcome o;
	tls_track_outcome(&f->t, &o);
	return o;
}

static void test_alert_after_certificate(void)
{
	struct flow f;
	struct bytes ch = { .n = 0 }, sf = { .n = 0 }, al = { .n = 0 };

	flow_init(&f);
	client_hello(&ch, 300);
	server_flight(&sf);
	alert(&al, 2, 48);
	ok(tls_track_packet(&f.t, CLIENT, CISN - 1, NULL, 0, 0),
	   "packets without payload are waited through");
	ok(all(&f, CLIENT, &ch), "a ClientHello starts the following");
	ok(all(&f, SERVER, &sf), "the server's hello and certificate: still following");
	ok(!all(&f, CLIENT, &al), "a fatal alert from the client ends it");
	struct tls_outcome o = outcome(&f);
	ok(o.followed && o.server_hello && o.client_alert && !o.client_finished,
	   "server hello seen, client alert, not finished");
	is_int(o.alert_level, 2, "level fatal");
	is_int(o.alert_desc, 48, "description 48 (unknown_ca)");
	is_str(tls_alert_text(o.alert_desc), "unknown_ca", "named unknown_ca");
	ok(!tls_track_wants(&f.t), "no more packets wanted");
}

static void test_finished(void)
{
	struct flow f;
	struct bytes ch = { .n = 0 }, sf = { .n = 0 }, fin = { .n = 0 };

	/* TLS 1.2: key exchange, ChangeCipherSpec, (encrypted) Finished. */
	flow_init(&f);
	client_hello(&ch, 250);
	server_flight(&sf);
	record(&fin, 22, 0x0303, 70, 16);
	record(&fin, 20, 0x0303, 1, 1);
	record(&fin, 22, 0x0303, 40, 0x9c);
	all(&f, CLIENT, &ch);
	all(&f, SERVER, &sf);
	ok(!all(&f, CLIENT, &fin), "TLS 1.2: the client's ChangeCipherSpec ends the following");
	struct tls_outcome o = outcome(&f);
	ok(o.server_hello && o.client_finished && !o.client_alert, "finished, no alert");

	/* TLS 1.3: a compatibility ChangeCipherSpec right after the
	 * ClientHello counts for nothing; the encrypted Finished does. */
	struct bytes ch13 = { .n = 0 }, sh = { .n = 0 }, enc = { .n = 0 };
	flow_init(&f);
	client_hello(&ch13, 250);
	record(&ch13, 20, 0x0303, 1, 1);
	record(&sh, 22, 0x0303, 118, 2);
	record(&sh, 20, 0x0303, 1, 1);
	record(&sh, 23, 0x0303, 600, 0x55);
	record(&enc, 23, 0x0303, 53, 0x77);
	all(&f, CLIENT, &ch13);
	o = outcome(&f);
	ok(!o.client_finished, "TLS 1.3: a ChangeCipherSpec before the server's hello finishes nothing");
	all(&f, SERVER, &sh);
	ok(!all(&f, CLIENT, &enc), "TLS 1.3: the client's encrypted Finished ends the following");
	o = outcome(&f);
	ok(o.server_hello && o.client_finished && !o.client_alert, "finished, no alert");
}

static void test_encrypted_alert_not_read(void)
{
	struct flow f;
	struct bytes ch = { .n = 0 }, sh = { .n = 0 }, enc = { .n = 0 };

	/* A TLS 1.3 client rejecting the certificate under the handshake
	 * keys: application data of 19 bytes (2 + 1 + a 16-byte tag) whose
	 * first bytes happen to read "fatal, unknown_ca". */
	flow_init(&f);
	client_hello(&ch, 250);
	record(&sh, 22, 0x0303, 118, 2);
	record(&sh, 23, 0x0303, 900, 0x55);
	u8(&enc, 23);
	u16(&enc, 0x0303);
	u16(&enc, 19);
	u8(&enc, 2);
	u8(&enc, 48);
	for (int i = 0; i < 17; i++)
		u8(&enc, (uint8_t)(i * 37));
	all(&f, CLIENT, &ch);
	all(&f, SERVER, &sh);
	all(&f, CLIENT, &enc);
	struct tls_outcome o = outcome(&f);
	ok(!o.client_alert && o.alert_level == 0 && o.alert_desc == 0,
	   "an encrypted TLS 1.3 alert is not taken for a plaintext one");
	ok(o.client_finished, "it reads as the client going on (not guessed at)");

	/* An alert record that is not two plaintext bytes. */
	struct bytes odd = { .n = 0 };
	flow_init(&f);
	record(&odd, 21, 0x0303, 26, 0x17);
	all(&f, CLIENT, &ch);
	all(&f, SERVER, &sh);
	ok(!all(&f, CLIENT, &odd), "an alert record of 26 bytes ends the following");
	o = outcome(&f);
	ok(o.client_alert && o.alert_level == 0 && o.alert_desc == 0,
	   "an alert, its level and description not read");

	/* Two bytes that are no alert level. */
	struct bytes bogus = { .n = 0 };
	flow_init(&f);
	alert(&bogus, 0xa7, 48);
	all(&f, CLIENT, &ch);
	all(&f, SERVER, &sh);
	all(&f, CLIENT, &bogus);
	o = outcome(&f);
	ok(!o.client_alert, "an alert of level 0xa7 is no plaintext alert: nothing claimed");
}

static void test_split_records(void)
{
	struct flow f;
	struct bytes ch = { .n = 0 }, sf = { .n = 0 }, fl = { .n = 0 };

	/* A ClientHello of 2000 bytes over two segments, the server's flight
	 * over two, then the client's key exchange and its alert in one. */
	flow_init(&f);
	client_hello(&ch, 1995);
	server_flight(&sf);
	record(&fl, 22, 0x0303, 70, 16);
	alert(&fl, 2, 42);
	ok(seg(&f, CLIENT, &ch, 0, 1448), "the first part of a ClientHello");
	ok(seg(&f, CLIENT, &ch, 1448, ch.n - 1448), "its rest: skipped by sequence number");
	seg(&f, SERVER, &sf, 0, 700);
	seg(&f, SERVER, &sf, 700, sf.n - 700);
	ok(!all(&f, CLIENT, &fl), "two records in one segment, the second an alert");
	struct tls_outcome o = outcome(&f);
	ok(o.server_hello && o.client_alert && o.alert_level == 2 && o.alert_desc == 42,
	   "alert 42 found after a record split across segments");

	/* The ClientHello's rest ending in the next record's first bytes: a
	 * header cut by a packet's end is not reassembled. */
	struct bytes both = { .n = 0 }, sh = { .n = 0 };
	flow_init(&f);
	client_hello(&both, 1440);
	record(&both, 22, 0x0303, 70, 16);
	alert(&both, 2, 48);
	record(&sh, 22, 0x0303, 90, 2);
	seg(&f, CLIENT, &both, 0, 1445);
	all(&f, SERVER, &sh);
	seg(&f, CLIENT, &both, 1445, 2);
	ok(!tls_track_wants(&f.t), "a record header across two packets: out of step, over");
	seg(&f, CLIENT, &both, 1447, both.n - 1447);
	o = outcome(&f);
	ok(!o.client_alert, "and the alert after it is not claimed");

	/* The alert's header in one packet, its body in the next. */
	struct bytes cut = { .n = 0 };
	flow_init(&f);
	client_hello(&cut, 200);
	alert(&cut, 2, 48);
	struct bytes only_ch = { .n = 0 };
	client_hello(&only_ch, 200);
	all(&f, CLIENT, &only_ch);
	all(&f, SERVER, &sh);
	seg(&f, CLIENT, &cut, only_ch.n, 5);
	o = outcome(&f);
	ok(o.client_alert && o.alert_level == 0, "an alert cut after its header: an alert, words unknown");
}

static void test_retransmission_and_gap(void)
{
	struct flow f;
	struct bytes ch = { .n = 0 }, sf = { .n = 0 }, al = { .n = 0 };

	flow_init(&f);
	client_hello(&ch, 1995);
	server_flight(&sf);
	alert(&al, 2, 46);
	seg(&f, CLIENT, &ch, 0, 1448);
	seg(&f, CLIENT, &ch, 1448, ch.n - 1448);
	/* The first segment again, as the mirror copied it twice. */
	ok(tls_track_packet(&f.t, CLIENT, CISN, ch.b, 1448, 1448),
	   "a retransmitted segment is old data: still following");
	all(&f, SERVER, &sf);
	all(&f, CLIENT, &al);
	struct tls_outcome o = outcome(&f);
	ok(o.client_alert && o.alert_desc == 46, "the alert after it is read (46)");

	/* The ClientHello's second segment never captured: only the middle
	 * of a record was lost, the next header is where it was due. */
	flow_init(&f);
	seg(&f, CLIENT, &ch, 0, 1448);
	f.cseq += (uint32_t)(ch.n - 1448);
	all(&f, SERVER, &sf);
	all(&f, CLIENT, &al);
	o = outcome(&f);
	ok(o.client_alert && o.alert_desc == 46, "a gap inside a record's body: the alert is read");

	/* The client's key exchange never captured: a header was lost. */
	struct bytes kx = { .n = 0 };
	record(&kx, 22, 0x0303, 70, 16);
	flow_init(&f);
	all(&f, CLIENT, &ch);
	all(&f, SERVER, &sf);
	f.cseq += (uint32_t)kx.n;
	all(&f, CLIENT, &al);
	o = outcome(&f);
	ok(!o.client_alert, "a packet past a lost header is not read: nothing claimed");

	/* Out of order: the segment holding the alert before the one that
	 * holds the key exchange's header. The alert is not read (nothing is
	 * reassembled), and nothing is claimed. */
	struct bytes fl = { .n = 0 };
	record(&fl, 22, 0x0303, 70, 16);
	alert(&fl, 2, 48);
	flow_init(&f);
	all(&f, CLIENT, &ch);
	all(&f, SERVER, &sf);
	uint32_t at = f.cseq;
	f.cseq = at + 40;
	ok(seg(&f, CLIENT, &fl, 40, fl.n - 40), "a segment ahead of the next header: waited past");
	f.cseq = at;
	seg(&f, CLIENT, &fl, 0, 40);
	o = outcome(&f);
	ok(!o.client_alert && !o.client_finished, "out of order: nothing claimed");
}

static void test_garbage(void)
{
	struct flow f;
	struct bytes http = { .n = 0 }, ch = { .n = 0 }, sf = { .n = 0 };
	static const char get[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

	flow_init(&f);
	put(&http, get, sizeof(get) - 1);
	ok(!all(&f, CLIENT, &http), "HTTP: not followed");
	ok(!outcome(&f).followed, "and nothing reported");

	flow_init(&f);
	client_hello(&ch, 200);
	ok(!all(&f, SERVER, &ch), "a server speaking first: not followed");

	struct bytes tiny = { .n = 0 };
	flow_init(&f);
	put(&tiny, "\x16\x03", 2);
	ok(!all(&f, CLIENT, &tiny), "two bytes of a record header: not followed");

	struct bytes sh_only = { .n = 0 };
	flow_init(&f);
	put(&sh_only, "\x16\x03\x01\x00\x30", 5);
	ok(!all(&f, CLIENT, &sh_only), "a handshake header without its message type: not followed");

	/* After a real hello: garbage where a header is due. */
	server_flight(&sf);
	static const struct { const char *what; uint8_t b[7]; } bad[] = {
		{ "a content type TLS lacks", { 0x30, 3, 3, 0, 2, 2, 48 } },
		{ "a version 4.x", { 21, 4, 3, 0, 2, 2, 48 } },
		{ "a version 3.9", { 21, 3, 9, 0, 2, 2, 48 } },
		{ "an empty alert", { 21, 3, 3, 0, 0, 2, 48 } },
		{ "a record longer than TLS allows", { 21, 3, 3, 0x48, 0x01, 2, 48 } },
		{ "a two-byte ChangeCipherSpec", { 20, 3, 3, 0, 2, 1, 1 } },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bytes g = { .n = 0 };
		flow_init(&f);
		all(&f, CLIENT, &ch);
		all(&f, SERVER, &sf);
		put(&g, bad[i].b, sizeof(bad[i].b));
		ok(!all(&f, CLIENT, &g) && !outcome(&f).client_alert &&
		   !outcome(&f).client_finished, "%s: over, nothing claimed", bad[i].what);
	}

	/* A server whose first bytes are no ServerHello (its own alert). */
	struct bytes salert = { .n = 0 }, al = { .n = 0 };
	flow_init(&f);
	alert(&salert, 2, 40);
	alert(&al, 2, 48);
	all(&f, CLIENT, &ch);
	ok(!all(&f, SERVER, &salert), "a server's fatal alert instead of a hello: over");
	all(&f, CLIENT, &al);
	struct tls_outcome o = outcome(&f);
	ok(o.followed && !o.server_hello && !o.client_alert, "no server hello, no client alert");

	/* A server's warning (unrecognized_name), then its hello. */
	struct bytes warned = { .n = 0 };
	flow_init(&f);
	alert(&warned, 1, 112);
	server_flight(&warned);
	all(&f, CLIENT, &ch);
	all(&f, SERVER, &warned);
	all(&f, CLIENT, &al);
	o = outcome(&f);
	ok(o.server_hello && o.client_alert && o.alert_desc == 48,
	   "a server's warning before its hello: the hello is found");

	/* The server's segments out of order: the middle of its certificate
	 * first, then the segment with its hello. */
	flow_init(&f);
	all(&f, CLIENT, &ch);
	seg(&f, SERVER, &sf, 500, sf.n - 500);
	ok(!outcome(&f).server_hello && tls_track_wants(&f.t),
	   "a server segment that starts with no record: still waiting");
	seg(&f, SERVER, &sf, 0, 500);
	ok(outcome(&f).server_hello, "then the segment with the hello");

	/* More records in one packet than a handshake sends. */
	struct bytes many = { .n = 0 };
	flow_init(&f);
	all(&f, CLIENT, &ch);
	all(&f, SERVER, &sf);
	for (int i = 0; i < TLS_RECORDS_PER_PACKET + 1; i++)
		record(&many, 22, 0x0303, 4, 16);
	alert(&many, 2, 48);
	ok(!all(&f, CLIENT, &many) && !outcome(&f).client_alert,
	   "17 records in one packet: over, nothing claimed");
}

static void test_order(void)
{
	struct flow f;
	struct bytes ch = { .n = 0 }, sf = { .n = 0 }, al = { .n = 0 }, warn = { .n = 0 };
	struct bytes fin = { .n = 0 };

	/* An alert before the server answered is not an abort after it. */
	flow_init(&f);
	client_hello(&ch, 200);
	server_flight(&sf);
	alert(&al, 2, 90);
	all(&f, CLIENT, &ch);
	all(&f, CLIENT, &al);
	all(&f, SERVER, &sf);
	ok(!outcome(&f).client_alert, "an alert before the server's hello is not counted");

	/* A warning, then the handshake goes on. */
	flow_init(&f);
	alert(&warn, 1, 100);
	record(&fin, 20, 0x0303, 1, 1);
	all(&f, CLIENT, &ch);
	all(&f, SERVER, &sf);
	ok(all(&f, CLIENT, &warn), "a warning alert: still following");
	struct tls_outcome o = outcome(&f);
	ok(o.client_alert && o.alert_level == 1 && o.alert_desc == 100, "warning 100 seen");
	all(&f, CLIENT, &fin);
	o = outcome(&f);
	ok(o.client_alert && o.client_finished, "then finished: the handshake went on");

	/* The packet budget spent: what was seen stays. */
	flow_init(&f);
	all(&f, CLIENT, &ch);
	all(&f, SERVER, &sf);
	tls_track_stop(&f.t);
	ok(!tls_track_wants(&f.t) && outcome(&f).server_hello, "stopped: the server hello stays");
	ok(!all(&f, CLIENT, &al) && !outcome(&f).client_alert, "nothing read after stopping");
}

int main(void)
{
	test_alert_after_certificate();
	test_finished();
	test_encrypted_alert_not_read();
	test_split_records();
	test_retransmission_and_gap();
	test_garbage();
	test_order();
	ok(sizeof(struct tls_track) == 4, "four bytes per flow slot");
	return done_testing();
}
