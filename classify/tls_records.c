/* tls_records.c - a TLS handshake's record headers (see tls_records.h).
 *
 * Record layer: RFC 8446 section 5.1 (RFC 5246 section 6.2 before it). A
 * record is a content type byte, a version (3.x for SSL 3.0 to TLS 1.3),
 * a 16-bit length and that many bytes.
 */
#include <string.h>

#include "tls_records.h"
#include "capture/cursor.h"

#define REC_CHANGE_CIPHER_SPEC 20
#define REC_ALERT 21
#define REC_HANDSHAKE 22
#define REC_APPLICATION_DATA 23
#define REC_HEARTBEAT 24
#define REC_HEADER 5
/* TLSCiphertext may exceed the plaintext limit (2^14) by 2048 (RFC 5246
 * 6.2.3; TLS 1.3 allows 256). */
#define REC_MAX_LEN (16384 + 2048)

#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2

#define ALERT_WARNING 1
#define ALERT_FATAL 2

#define T_STARTED 0x01        /* a ClientHello opened the flow */
#define T_OVER 0x02           /* nothing more to follow */
#define T_SERVER_HELLO 0x04
#define T_CLIENT_FINISHED 0x08
#define T_CLIENT_ALERT 0x10
#define T_ALERT_READ 0x20     /* level and description read */
#define T_ALERT_FATAL 0x40

struct record {
	uint8_t type;
	uint16_t len;
	struct cursor body;   /* the part of the body the packet holds */
};

/* A record header at c, whole in the packet: a content type TLS defines,
 * version 3.x, a length a record can have (only application data may be
 * empty; a ChangeCipherSpec is one byte). */
static bool record_at(const struct cursor *c, struct record *r)
{
	uint8_t major, minor;

	if (!peek_u8(c, 0, &r->type) || !peek_u8(c, 1, &major) ||
	    !peek_u8(c, 2, &minor) || !peek_u16(c, 3, &r->len))
		return false;
	if (r->type < REC_CHANGE_CIPHER_SPEC || r->type > REC_HEARTBEAT || major != 3 ||
	    minor > 4 || r->len > REC_MAX_LEN)
		return false;
	if (r->len == 0 && r->type != REC_APPLICATION_DATA)
		return false;
	if (r->type == REC_CHANGE_CIPHER_SPEC && r->len != 1)
		return false;
	r->body = *c;
	skip(&r->body, REC_HEADER);
	if (r->body.len > r->len)
		r->body.len = r->len;
	return true;
}

/* A handshake record starting with a message of this type. */
static bool handshake_record(const struct cursor *c, uint8_t msg_type)
{
	struct record r;
	uint8_t t;

	return record_at(c, &r) && r.type == REC_HANDSHAKE && peek_u8(&r.body, 0, &t) &&
	       t == msg_type;
}

static void lose(struct tls_track *t)
{
	t->flags |= T_OVER;
}

/* A client alert once the server answered: plaintext, it is two bytes,
 * a level and a description. */
static void client_alert(struct tls_track *t, const struct record *r)
{
	uint8_t level, desc;

	t->flags = (uint8_t)((t->flags | T_CLIENT_ALERT) & ~(T_ALERT_READ | T_ALERT_FATAL));
	if (r->len != 2 || !peek_u8(&r->body, 0, &level) || !peek_u8(&r->body, 1, &desc)) {
		/* Cut by the packet's end, or not plaintext: an alert all the
		 * same, whose words are unknown; the client's side ends here. */
		lose(t);
		return;
	}
	if (level != ALERT_WARNING && level != ALERT_FATAL) {
		/* Not a plaintext alert after all: claim nothing. */
		t->flags &= (uint8_t)~T_CLIENT_ALERT;
		lose(t);
		return;
	}
	t->flags |= T_ALERT_READ;
	t->alert_desc = desc;
	if (level == ALERT_FATAL) {
		t->flags |= T_ALERT_FATAL;
		lose(t);
	}
}

static void client_record(struct tls_track *t, const struct record *r)
{
	/* Before the server's hello the client's records only keep the
	 * count: its ClientHello, a TLS 1.3 compatibility ChangeCipherSpec,
	 * early data. */
	if (!(t->flags & T_SERVER_HELLO))
		return;
	switch (r->type) {
	case REC_CHANGE_CIPHER_SPEC:
	case REC_APPLICATION_DATA:
		/* TLS 1.2's ChangeCipherSpec before its Finished; TLS 1.3's
		 * Finished (or anything else under the handshake keys: an
		 * encrypted alert looks the same and is not guessed at). */
		t->flags |= T_CLIENT_FINISHED | T_OVER;
		break;
	case REC_ALERT:
		client_alert(t, r);
		break;
	default:
		break;  /* its key exchange, certificate, heartbeats */
	}
}

/* The client's records that start in this packet, from where its next
 * header is due. */
static void client_packet(struct tls_track *t, uint32_t seq, const uint8_t *payload,
			  size_t caplen, size_t len)
{
	uint16_t due = (uint16_t)(t->next_seq - (uint16_t)seq);
	unsigned records = 0;

	/* A packet starting past the header is out of order (the header may
	 * come yet) or past bytes the capture missed (then nothing more is
	 * read): either way nothing is read from it. */
	if (due & 0x8000)
		return;
	/* A packet ending before the header holds old data or the middle of
	 * a record: nothing starts in it. */
	size_t off = due;
	while (off < len && !(t->flags & T_OVER)) {
		struct cursor c = cursor_make(payload, caplen);
		struct record r;
		if (!skip(&c, off) || !record_at(&c, &r) ||
		    ++records > TLS_RECORDS_PER_PACKET) {
			lose(t);  /* cut, or not a record: out of step */
			return;
		}
		client_record(t, &r);
		off += REC_HEADER + (size_t)r.len;
	}
	t->next_seq = (uint16_t)(seq + off);
}

/* A server packet: its hello among the records it starts with (a warning
 * such as unrecognized_name may come first). A packet that does not start
 * with a record is a later segment arriving first: the hello may follow.
 * A fatal alert is the server's refusal: nothing more to follow. */
static void server_packet(struct tls_track *t, const uint8_t *payload, size_t caplen)
{
	struct cursor c = cursor_make(payload, caplen);
	struct record r;
	uint8_t first;

	for (unsigned records = 0; records < TLS_RECORDS_PER_PACKET; records++) {
		if (!record_at(&c, &r))
			return;
		if (r.type == REC_HANDSHAKE && peek_u8(&r.body, 0, &first) &&
		    first == HS_SERVER_HELLO) {
			t->flags |= T_SERVER_HELLO;
			return;
		}
		if (r.type == REC_ALERT && r.len == 2 && peek_u8(&r.body, 0, &first) &&
		    first == ALERT_FATAL) {
			lose(t);
			return;
		}
		if (!skip(&c, REC_HEADER + (size_t)r.len))
			return;
	}
}

bool tls_track_packet(struct tls_track *t, bool from_client, uint32_t seq,
		      const uint8_t *payload, size_t caplen, size_t len)
{
	if (t->flags & T_OVER)
		return false;
	if (!len)
		return true;
	if (caplen > len)
		caplen = len;
	struct cursor c = cursor_make(payload, caplen);
	if (!(t->flags & T_STARTED)) {
		if (!from_client || !handshake_record(&c, HS_CLIENT_HELLO)) {
			lose(t);  /* not a TLS client speaking first */
			return false;
		}
		t->flags |= T_STARTED;
		t->next_seq = (uint16_t)seq;
	}
	if (from_client)
		client_packet(t, seq, payload, caplen, len);
	else if (!(t->flags & T_SERVER_HELLO))
		server_packet(t, payload, caplen);
	return !(t->flags & T_OVER);
}

bool tls_track_wants(const struct tls_track *t)
{
	return !(t->flags & T_OVER);
}

void tls_track_stop(struct tls_track *t)
{
	t->flags |= T_OVER;
}

void tls_track_outcome(const struct tls_track *t, struct tls_outcome *o)
{
	memset(o, 0, sizeof(*o));
	if (!(t->flags & T_STARTED))
		return;
	o->followed = true;
	o->server_hello = t->flags & T_SERVER_HELLO;
	o->client_finished = t->flags & T_CLIENT_FINISHED;
	o->client_alert = t->flags & T_CLIENT_ALERT;
	if (o->client_alert && (t->flags & T_ALERT_READ)) {
		o->alert_level = t->flags & T_ALERT_FATAL ? ALERT_FATAL : ALERT_WARNING;
		o->alert_desc = t->alert_desc;
	}
}
