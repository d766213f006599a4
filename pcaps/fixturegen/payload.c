/* payload.c - application messages realistic enough for nDPI 4.2 to name
 * them: HTTP, TLS, SSH, SMTP, Kerberos, LDAP/CLDAP, SMB2, TDS, NTP, DCE-RPC,
 * DNS, and the License Server's own (to nDPI unknown) exchange. */
#include <string.h>

#include "fixturegen.h"

void buf_put(struct buf *b, const void *d, size_t n)
{
	if (b->n + n > sizeof(b->d))
		n = sizeof(b->d) - b->n;
	memcpy(b->d + b->n, d, n);
	b->n += n;
}

void buf_u8(struct buf *b, uint8_t v)
{
	buf_put(b, &v, 1);
}

void buf_u16(struct buf *b, uint16_t v)
{
	buf_u8(b, (uint8_t)(v >> 8));
	buf_u8(b, (uint8_t)v);
}

void buf_u32(struct buf *b, uint32_t v)
{
	buf_u16(b, (uint16_t)(v >> 16));
	buf_u16(b, (uint16_t)v);
}

void buf_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void fill_random(uint8_t *d, size_t n, uint32_t seed)
{
	uint64_t st = seed;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t r = rng_next(&st);
		for (size_t k = 0; k < 8 && i + k < n; k++)
			d[i + k] = (uint8_t)(r >> (8 * k));
	}
}

/* ---- HTTP ---- */

void http_get(struct buf *b, const char *host, const char *path)
{
	buf_str(b, "GET ");
	buf_str(b, path);
	buf_str(b, " HTTP/1.1\r\nHost: ");
	buf_str(b, host);
	buf_str(b, "\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\n"
		   "Accept: */*\r\nConnection: keep-alive\r\n\r\n");
}

void http_ok(struct buf *b, size_t body)
{
	char head[160];
	snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/10.0\r\n"
		 "Content-Type: text/html\r\nContent-Length: %zu\r\n\r\n", body);
	buf_str(b, head);
	for (size_t i = 0; i < body; i++)
		buf_u8(b, (uint8_t)"<html>flowaudit fixture</html>\n"[i % 31]);
}

/* ---- TLS ---- */

static void ext(struct buf *b, uint16_t type, const struct buf *data)
{
	buf_u16(b, type);
	buf_u16(b, (uint16_t)data->n);
	buf_put(b, data->d, data->n);
}

void tls_client_hello(struct buf *b, const char *sni, uint32_t seed)
{
	static const uint16_t ciphers[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
					    0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
					    0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
	struct buf body = { .n = 0 }, exts = { .n = 0 }, e = { .n = 0 };
	uint8_t rnd[64];

	fill_random(rnd, sizeof(rnd), seed);
	buf_u16(&body, 0x0303);
	buf_put(&body, rnd, 32);
	buf_u8(&body, 32);
	buf_put(&body, rnd + 32, 32);
	buf_u16(&body, (uint16_t)(2 * (sizeof(ciphers) / sizeof(ciphers[0]))));
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		buf_u16(&body, ciphers[i]);
	buf_u8(&body, 1);
	buf_u8(&body, 0);

	if (sni) {
		size_t n = strlen(sni);
		buf_u16(&e, (uint16_t)(n + 3));
		buf_u8(&e, 0);
		buf_u16(&e, (uint16_t)n);
		buf_put(&e, sni, n);
		ext(&exts, 0x0000, &e);
	}
	e.n = 0;
	buf_u16(&e, 6); buf_u16(&e, 0x001d); buf_u16(&e, 0x0017); buf_u16(&e, 0x0018);
	ext(&exts, 0x000a, &e);                   /* supported groups */
	e.n = 0;
	buf_u8(&e, 1); buf_u8(&e, 0);
	ext(&exts, 0x000b, &e);                   /* ec point formats */
	e.n = 0;
	buf_u16(&e, 8); buf_u16(&e, 0x0403); buf_u16(&e, 0x0804); buf_u16(&e, 0x0401);
	buf_u16(&e, 0x0503);
	ext(&exts, 0x000d, &e);                   /* signature algorithms */
	e.n = 0;
	buf_u16(&e, 12); buf_u8(&e, 2); buf_str(&e, "h2"); buf_u8(&e, 8);
	buf_str(&e, "http/1.1");
	ext(&exts, 0x0010, &e);                   /* ALPN */
	e.n = 0;
	buf_u8(&e, 4); buf_u16(&e, 0x0304); buf_u16(&e, 0x0303);
	ext(&exts, 0x002b, &e);                   /* supported versions */
	e.n = 0;
	buf_u8(&e, 1); buf_u8(&e, 1);
	ext(&exts, 0x002d, &e);                   /* psk key exchange modes */
	e.n = 0;
	buf_u16(&e, 36); buf_u16(&e, 0x001d); buf_u16(&e, 32);
	buf_put(&e, rnd, 32);
	ext(&exts, 0x0033, &e);                   /* key share */

	buf_u16(&body, (uint16_t)exts.n);
	buf_put(&body, exts.d, exts.n);

	buf_u8(b, 0x16);
	buf_u16(b, 0x0301);
	buf_u16(b, (uint16_t)(body.n + 4));
	buf_u8(b, 1);
	buf_u8(b, 0);
	buf_u16(b, (uint16_t)body.n);
	buf_put(b, body.d, body.n);
}

void tls_server_hello(struct buf *b, uint32_t seed)
{
	struct buf body = { .n = 0 }, exts = { .n = 0 }, e = { .n = 0 };
	uint8_t rnd[64];

	fill_random(rnd, sizeof(rnd), seed ^ 0x5a5a);
	buf_u16(&body, 0x0303);
	buf_put(&body, rnd, 32);
	buf_u8(&body, 32);
	buf_put(&body, rnd + 32, 32);
	buf_u16(&body, 0x1301);
	buf_u8(&body, 0);
	buf_u16(&e, 0x0304);
	ext(&exts, 0x002b, &e);
	e.n = 0;
	buf_u16(&e, 0x001d); buf_u16(&e, 32); buf_put(&e, rnd, 32);
	ext(&exts, 0x0033, &e);
	buf_u16(&body, (uint16_t)exts.n);
	buf_put(&body, exts.d, exts.n);

	buf_u8(b, 0x16);
	buf_u16(b, 0x0303);
	buf_u16(b, (uint16_t)(body.n + 4));
	buf_u8(b, 2);
	buf_u8(b, 0);
	buf_u16(b, (uint16_t)body.n);
	buf_put(b, body.d, body.n);
	/* ChangeCipherSpec, then the encrypted rest of the handshake. */
	buf_u8(b, 0x14); buf_u16(b, 0x0303); buf_u16(b, 1); buf_u8(b, 1);
	tls_app_data(b, 600, seed ^ 0x77);
}

void tls_app_data(struct buf *b, size_t n, uint32_t seed)
{
	uint8_t d[4096];
	if (n > sizeof(d))
		n = sizeof(d);
	fill_random(d, n, seed);
	buf_u8(b, 0x17);
	buf_u16(b, 0x0303);
	buf_u16(b, (uint16_t)n);
	buf_put(b, d, n);
}

/* ---- text protocols ---- */

void ssh_banner(struct buf *b, const char *software)
{
	buf_str(b, "SSH-2.0-");
	buf_str(b, software);
	buf_str(b, "\r\n");
}

void smtp_banner(struct buf *b)
{
	buf_str(b, "220 mail.clinic.example ESMTP Postfix\r\n");
}

void smtp_ehlo(struct buf *b)
{
	buf_str(b, "EHLO licsrv.clinic.example\r\n");
}

void smtp_ehlo_reply(struct buf *b)
{
	buf_str(b, "250-mail.clinic.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
		   "250-STARTTLS\r\n250 8BITMIME\r\n");
}

/* ---- ASN.1 DER, for Kerberos, LDAP and X.509 ---- */

static void der(struct buf *out, uint8_t tag, const struct buf *content)
{
	buf_u8(out, tag);
	if (content->n < 128) {
		buf_u8(out, (uint8_t)content->n);
	} else if (content->n < 256) {
		buf_u8(out, 0x81);
		buf_u8(out, (uint8_t)content->n);
	} else {
		buf_u8(out, 0x82);
		buf_u16(out, (uint16_t)content->n);
	}
	buf_put(out, content->d, content->n);
}

static void der_int(struct buf *out, uint8_t tag, uint32_t v)
{
	struct buf c = { .n = 0 };
	if (v < 0x80) {
		buf_u8(&c, (uint8_t)v);
	} else {
		buf_u8(&c, 0);
		buf_u32(&c, v);
	}
	der(out, tag, &c);
}

static void der_str(struct buf *out, uint8_t tag, const char *s)
{
	struct buf c = { .n = 0 };
	buf_str(&c, s);
	der(out, tag, &c);
}

/* [ctx] EXPLICIT wrapper around one element. */
static void der_ctx(struct buf *out, uint8_t n, const struct buf *inner)
{
	der(out, (uint8_t)(0xa0 | n), inner);
}

/* ---- TLS 1.2: a server's flight with its certificate, alerts ---- */

static void der_bytes(struct buf *b, uint8_t tag, const void *d, size_t n)
{
	struct buf c = { .n = 0 };
	buf_put(&c, d, n);
	der(b, tag, &c);
}

/* A Name of an organisation (if any) and a common name. */
static void der_name(struct buf *b, const char *org, const char *cn)
{
	static const uint8_t oid_o[] = { 0x55, 0x04, 0x0a }, oid_cn[] = { 0x55, 0x04, 0x03 };
	struct buf rdns = { .n = 0 };
	for (int i = 0; i < 2; i++) {
		const char *v = i ? cn : org;
		struct buf atv = { .n = 0 }, set = { .n = 0 };
		if (!v)
			continue;
		der_bytes(&atv, 0x06, i ? oid_cn : oid_o, 3);
		der_bytes(&atv, 0x0c, v, strlen(v));
		der(&set, 0x30, &atv);
		der(&rdns, 0x31, &set);
	}
	der(b, 0x30, &rdns);
}

/* An X.509 v3 certificate for name, issued by issuer_org's CA: P-256
 * key, ECDSA signature (random bytes: nobody verifies it here). */
static void x509_cert(struct buf *b, const char *name, const char *issuer_org,
		      const char *issuer_cn, uint32_t seed)
{
	static const uint8_t ecdsa_sha256[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
	static const uint8_t ec_key[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
	static const uint8_t p256[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
	static const uint8_t san_oid[] = { 0x55, 0x1d, 0x11 };
	struct buf tbs = { .n = 0 }, t = { .n = 0 }, u = { .n = 0 }, cert = { .n = 0 };
	uint8_t rnd[160];

	fill_random(rnd, sizeof(rnd), seed ^ 0xce27);
	rnd[0] &= 0x7f;
	buf_u8(&t, 0x02); buf_u8(&t, 0x01); buf_u8(&t, 0x02);     /* INTEGER 2: v3 */
	der(&tbs, 0xa0, &t);
	der_bytes(&tbs, 0x02, rnd, 16);                           /* serial */
	t.n = 0;
	der_bytes(&t, 0x06, ecdsa_sha256, sizeof(ecdsa_sha256));
	der(&tbs, 0x30, &t);
	der_name(&tbs, issuer_org, issuer_cn);
	t.n = 0;
	der_bytes(&t, 0x17, "231101000000Z", 13);
	der_bytes(&t, 0x17, "241101000000Z", 13);
	der(&tbs, 0x30, &t);                                      /* validity */
	der_name(&tbs, NULL, name);
	t.n = u.n = 0;
	der_bytes(&u, 0x06, ec_key, sizeof(ec_key));
	der_bytes(&u, 0x06, p256, sizeof(p256));
	der(&t, 0x30, &u);
	u.n = 0;
	buf_u8(&u, 0);
	buf_u8(&u, 0x04);
	buf_put(&u, rnd + 16, 64);
	der(&t, 0x03, &u);
	der(&tbs, 0x30, &t);                                      /* public key */
	struct buf dns = { .n = 0 }, names = { .n = 0 }, ext = { .n = 0 }, exts = { .n = 0 };
	der_bytes(&dns, 0x82, name, strlen(name));
	der(&names, 0x30, &dns);
	der_bytes(&ext, 0x06, san_oid, sizeof(san_oid));
	der(&ext, 0x04, &names);
	der(&exts, 0x30, &ext);
	t.n = 0;
	der(&t, 0x30, &exts);
	der(&tbs, 0xa3, &t);                                      /* subjectAltName */
	der(&cert, 0x30, &tbs);
	t.n = 0;
	der_bytes(&t, 0x06, ecdsa_sha256, sizeof(ecdsa_sha256));
	der(&cert, 0x30, &t);
	u.n = 0;
	buf_u8(&u, 0);
	buf_put(&u, rnd + 80, 72);
	der(&cert, 0x03, &u);
	der(b, 0x30, &cert);
}

/* One handshake message in a record of its own. */
static void tls12_handshake(struct buf *b, uint8_t type, const struct buf *body)
{
	buf_u8(b, 0x16);
	buf_u16(b, 0x0303);
	buf_u16(b, (uint16_t)(body->n + 4));
	buf_u8(b, type);
	buf_u8(b, 0);
	buf_u16(b, (uint16_t)body->n);
	buf_put(b, body->d, body->n);
}

void tls12_server_flight(struct buf *b, const char *name, const char *issuer_org,
			 const char *issuer_cn, uint32_t seed)
{
	struct buf body = { .n = 0 }, exts = { .n = 0 }, cert = { .n = 0 };
	uint8_t rnd[128];

	fill_random(rnd, sizeof(rnd), seed ^ 0x1212);
	buf_u16(&body, 0x0303);
	buf_put(&body, rnd, 32);
	buf_u8(&body, 32);
	buf_put(&body, rnd + 32, 32);
	buf_u16(&body, 0xc02f);                   /* ECDHE-RSA-AES128-GCM-SHA256 */
	buf_u8(&body, 0);
	buf_u16(&exts, 0xff01); buf_u16(&exts, 1); buf_u8(&exts, 0);  /* renegotiation_info */
	buf_u16(&exts, 0x0017); buf_u16(&exts, 0);                    /* extended master secret */
	buf_u16(&body, (uint16_t)exts.n);
	buf_put(&body, exts.d, exts.n);
	tls12_handshake(b, 2, &body);                                  /* ServerHello */

	x509_cert(&cert, name, issuer_org, issuer_cn, seed);
	body.n = 0;
	buf_u8(&body, 0);
	buf_u16(&body, (uint16_t)(cert.n + 3));
	buf_u8(&body, 0);
	buf_u16(&body, (uint16_t)cert.n);
	buf_put(&body, cert.d, cert.n);
	tls12_handshake(b, 11, &body);                                 /* Certificate */

	body.n = 0;
	buf_u8(&body, 3);                         /* named curve */
	buf_u16(&body, 0x001d);                   /* x25519 */
	buf_u8(&body, 32);
	buf_put(&body, rnd + 64, 32);
	buf_u16(&body, 0x0804);                   /* rsa_pss_rsae_sha256 */
	buf_u16(&body, 64);
	buf_put(&body, rnd + 64, 64);
	tls12_handshake(b, 12, &body);                                 /* ServerKeyExchange */

	body.n = 0;
	tls12_handshake(b, 14, &body);                                 /* ServerHelloDone */
}

void tls_alert(struct buf *b, uint8_t level, uint8_t desc)
{
	buf_u8(b, 0x15);
	buf_u16(b, 0x0303);
	buf_u16(b, 2);
	buf_u8(b, level);
	buf_u8(b, desc);
}

static void principal(struct buf *out, uint8_t type, const char *a, const char *b)
{
	struct buf seq = { .n = 0 }, t = { .n = 0 }, names = { .n = 0 }, n = { .n = 0 };
	der_int(&t, 0x02, type);
	der_ctx(&seq, 0, &t);
	der_str(&n, 0x1b, a);
	if (b)
		der_str(&n, 0x1b, b);
	der(&names, 0x30, &n);
	der_ctx(&seq, 1, &names);
	der(out, 0x30, &seq);
}

static void record_mark(struct buf *b, bool tcp, const struct buf *msg)
{
	if (tcp)
		buf_u32(b, (uint32_t)msg->n);
	buf_put(b, msg->d, msg->n);
}

void kerberos_as_req(struct buf *b, bool tcp, const char *user, const char *realm)
{
	struct buf body = { .n = 0 }, t = { .n = 0 }, x = { .n = 0 };
	struct buf req = { .n = 0 }, seq = { .n = 0 }, msg = { .n = 0 };
	static const uint8_t kdc_options[] = { 0x00, 0x40, 0x81, 0x00, 0x10 };

	buf_put(&t, kdc_options, sizeof(kdc_options));
	der(&x, 0x03, &t);
	der_ctx(&body, 0, &x);
	x.n = 0;
	principal(&x, 1, user, NULL);
	der_ctx(&body, 1, &x);
	x.n = 0;
	der_str(&x, 0x1b, realm);
	der_ctx(&body, 2, &x);
	x.n = 0;
	principal(&x, 2, "krbtgt", realm);
	der_ctx(&body, 3, &x);
	x.n = 0;
	der_str(&x, 0x18, "20370913024805Z");
	der_ctx(&body, 5, &x);
	x.n = 0;
	der_int(&x, 0x02, 0x2a1b3c4d);
	der_ctx(&body, 7, &x);
	x.n = 0;
	t.n = 0;
	der_int(&t, 0x02, 18);
	der_int(&t, 0x02, 17);
	der_int(&t, 0x02, 23);
	der(&x, 0x30, &t);
	der_ctx(&body, 8, &x);

	x.n = 0;
	der_int(&x, 0x02, 5);
	der_ctx(&seq, 1, &x);                 /* pvno */
	x.n = 0;
	der_int(&x, 0x02, 10);
	der_ctx(&seq, 2, &x);                 /* msg-type AS-REQ */
	x.n = 0;
	der(&x, 0x30, &body);
	der_ctx(&seq, 4, &x);                 /* req-body */
	der(&req, 0x30, &seq);
	der(&msg, 0x6a, &req);                /* [APPLICATION 10] */
	record_mark(b, tcp, &msg);
}

void kerberos_as_rep_error(struct buf *b, bool tcp, const char *realm)
{
	struct buf seq = { .n = 0 }, x = { .n = 0 }, err = { .n = 0 }, msg = { .n = 0 };

	der_int(&x, 0x02, 5);
	der_ctx(&seq, 0, &x);                 /* pvno */
	x.n = 0;
	der_int(&x, 0x02, 30);
	der_ctx(&seq, 1, &x);                 /* msg-type KRB-ERROR */
	x.n = 0;
	der_str(&x, 0x18, "20231114221320Z");
	der_ctx(&seq, 4, &x);
	x.n = 0;
	der_int(&x, 0x02, 0);
	der_ctx(&seq, 5, &x);
	x.n = 0;
	der_int(&x, 0x02, 25);                /* KDC_ERR_PREAUTH_REQUIRED */
	der_ctx(&seq, 6, &x);
	x.n = 0;
	der_str(&x, 0x1b, realm);
	der_ctx(&seq, 9, &x);
	x.n = 0;
	principal(&x, 2, "krbtgt", realm);
	der_ctx(&seq, 10, &x);
	der(&err, 0x30, &seq);
	der(&msg, 0x7e, &err);                /* [APPLICATION 30] */
	record_mark(b, tcp, &msg);
}

/* Windows writes LDAP lengths in the four-byte long form (0x84 ...), which
 * is also what nDPI recognises LDAP by. */
static void ber_long(struct buf *out, uint8_t tag, const struct buf *content)
{
	buf_u8(out, tag);
	buf_u8(out, 0x84);
	buf_u32(out, (uint32_t)content->n);
	buf_put(out, content->d, content->n);
}

static void ldap_message(struct buf *b, uint32_t id, uint8_t op, const struct buf *body)
{
	struct buf seq = { .n = 0 };
	der_int(&seq, 0x02, id);
	ber_long(&seq, op, body);
	ber_long(b, 0x30, &seq);
}

void ldap_bind_request(struct buf *b, const char *dn)
{
	struct buf body = { .n = 0 };
	der_int(&body, 0x02, 3);
	der_str(&body, 0x04, dn);
	der_str(&body, 0x80, "fixture-password");
	ldap_message(b, 1, 0x60, &body);
}

void ldap_bind_response(struct buf *b)
{
	struct buf body = { .n = 0 };
	der_int(&body, 0x0a, 0);
	der_str(&body, 0x04, "");
	der_str(&body, 0x04, "");
	ldap_message(b, 1, 0x61, &body);
}

void cldap_search(struct buf *b, const char *domain)
{
	struct buf body = { .n = 0 }, filter = { .n = 0 }, eq = { .n = 0 };
	struct buf attrs = { .n = 0 }, a = { .n = 0 };

	der_str(&body, 0x04, "");
	der_int(&body, 0x0a, 0);              /* base object */
	der_int(&body, 0x0a, 0);
	der_int(&body, 0x02, 0);
	der_int(&body, 0x02, 0);
	buf_u8(&body, 0x01); buf_u8(&body, 0x01); buf_u8(&body, 0x00);
	der_str(&eq, 0x04, "DnsDomain");
	der_str(&eq, 0x04, domain);
	der(&filter, 0xa3, &eq);              /* equalityMatch */
	buf_put(&body, filter.d, filter.n);
	der_str(&a, 0x04, "Netlogon");
	der(&attrs, 0x30, &a);
	buf_put(&body, attrs.d, attrs.n);
	ldap_message(b, 2, 0x63, &body);
}

void cldap_search_done(struct buf *b)
{
	struct buf body = { .n = 0 };
	der_int(&body, 0x0a, 0);
	der_str(&body, 0x04, "");
	der_str(&body, 0x04, "");
	ldap_message(b, 2, 0x65, &body);
}

/* ---- binary protocols ---- */

static void le16(struct buf *b, uint16_t v)
{
	buf_u8(b, (uint8_t)v);
	buf_u8(b, (uint8_t)(v >> 8));
}

static void le32(struct buf *b, uint32_t v)
{
	le16(b, (uint16_t)v);
	le16(b, (uint16_t)(v >> 16));
}

static void smb2_header(struct buf *b, bool response)
{
	buf_str(b, "\xfeSMB");
	le16(b, 64);                 /* structure size */
	le16(b, 0);                  /* credit charge */
	le32(b, 0);                  /* status */
	le16(b, 0);                  /* NEGOTIATE */
	le16(b, response ? 1 : 31);  /* credits */
	le32(b, response ? 1 : 0);   /* flags: server to redirector */
	le32(b, 0);                  /* next command */
	le32(b, 0); le32(b, 0);      /* message id */
	le32(b, 0);                  /* reserved / process id */
	le32(b, 0);                  /* tree id */
	le32(b, 0); le32(b, 0);      /* session id */
	for (int i = 0; i < 16; i++)
		buf_u8(b, 0);            /* signature */
}

static void netbios_wrap(struct buf *b, const struct buf *smb)
{
	buf_u8(b, 0);
	buf_u8(b, (uint8_t)(smb->n >> 16));
	buf_u16(b, (uint16_t)smb->n);
	buf_put(b, smb->d, smb->n);
}

void smb2_negotiate_request(struct buf *b)
{
	static const uint16_t dialects[] = { 0x0202, 0x0210, 0x0300, 0x0302, 0x0311 };
	struct buf m = { .n = 0 };

	smb2_header(&m, false);
	le16(&m, 36);
	le16(&m, 5);
	le16(&m, 1);                 /* signing enabled */
	le16(&m, 0);
	le32(&m, 0x7f);              /* capabilities */
	for (int i = 0; i < 16; i++)
		buf_u8(&m, (uint8_t)(0x10 + i));  /* client GUID */
	le32(&m, 0); le32(&m, 0);    /* negotiate contexts: none */
	for (int i = 0; i < 5; i++)
		le16(&m, dialects[i]);
	netbios_wrap(b, &m);
}

void smb2_negotiate_response(struct buf *b)
{
	struct buf m = { .n = 0 };

	smb2_header(&m, true);
	le16(&m, 65);
	le16(&m, 1);                 /* signing enabled */
	le16(&m, 0x0311);
	le16(&m, 0);
	for (int i = 0; i < 16; i++)
		buf_u8(&m, (uint8_t)(0x80 + i));  /* server GUID */
	le32(&m, 0x2f);
	le32(&m, 8388608); le32(&m, 8388608); le32(&m, 8388608);
	le32(&m, 0); le32(&m, 0x01d9e0f0);  /* system time */
	le32(&m, 0); le32(&m, 0);    /* server start time */
	le16(&m, 128);               /* security buffer offset */
	le16(&m, 0);
	le32(&m, 0);
	netbios_wrap(b, &m);
}

void tds_prelogin(struct buf *b, bool response)
{
	struct buf opts = { .n = 0 }, data = { .n = 0 };
	/* VERSION, ENCRYPTION, INSTOPT, THREADID, MARS, terminator. */
	uint16_t off = 5 * 5 + 1;

	buf_u8(&data, 0x0f); buf_u8(&data, 0x00); buf_u16(&data, 0x07d0);
	buf_u16(&data, 0);                               /* version 15.0.2000.0 */
	buf_u8(&data, response ? 0x00 : 0x02);           /* encryption */
	buf_u8(&data, 0);                                /* instance "" */
	buf_u32(&data, response ? 0 : 0x00001f40);       /* thread id */
	buf_u8(&data, 0);                                /* MARS off */
	static const uint16_t lens[] = { 6, 1, 1, 4, 1 };
	for (int i = 0; i < 5; i++) {
		buf_u8(&opts, (uint8_t)i);
		buf_u16(&opts, off);
		buf_u16(&opts, lens[i]);
		off = (uint16_t)(off + lens[i]);
	}
	buf_u8(&opts, 0xff);
	buf_u8(b, response ? 0x04 : 0x12);               /* reply / pre-login */
	buf_u8(b, 0x01);                                 /* end of message */
	buf_u16(b, (uint16_t)(8 + opts.n + data.n));
	buf_u16(b, 0);
	buf_u8(b, 0);
	buf_u8(b, 0);
	buf_put(b, opts.d, opts.n);
	buf_put(b, data.d, data.n);
}

void ntp_packet(struct buf *b, bool server)
{
	buf_u8(b, server ? 0x24 : 0x23);   /* version 4, mode 4 / 3 */
	buf_u8(b, server ? 2 : 0);         /* stratum */
	buf_u8(b, 6);
	buf_u8(b, server ? 0xe9 : 0x20);
	for (int i = 0; i < 44; i++)
		buf_u8(b, server ? (uint8_t)(0x40 + i) : (i >= 36 ? (uint8_t)(0xe8 + i) : 0));
}

static void dcerpc_header(struct buf *b, uint8_t type, uint16_t frag_len)
{
	buf_u8(b, 5); buf_u8(b, 0);        /* version 5.0 */
	buf_u8(b, type);
	buf_u8(b, 0x03);                   /* first and last fragment */
	le32(b, 0x00000010);               /* little-endian, ASCII, IEEE */
	le16(b, frag_len);
	le16(b, 0);
	le32(b, 2);                        /* call id */
}

void dcerpc_bind(struct buf *b)
{
	/* EPM v3 interface, NDR transfer syntax. */
	static const uint8_t epm[16] = { 0x08, 0x83, 0xaf, 0xe1, 0x1f, 0x5d, 0xc9, 0x11,
					 0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa };
	static const uint8_t ndr[16] = { 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
					 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 };
	dcerpc_header(b, 11, 72);
	le16(b, 5840); le16(b, 5840); le32(b, 0);
	le32(b, 1);                        /* one context */
	le16(b, 0); buf_u8(b, 1); buf_u8(b, 0);
	buf_put(b, epm, 16); le16(b, 3); le16(b, 0);
	buf_put(b, ndr, 16); le32(b, 2);
}

void dcerpc_bind_ack(struct buf *b)
{
	static const uint8_t ndr[16] = { 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
					 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 };
	dcerpc_header(b, 12, 60);
	le16(b, 5840); le16(b, 5840); le32(b, 0x1234);
	le16(b, 4); buf_str(b, "135"); buf_u8(b, 0);
	le32(b, 1);
	le16(b, 0); le16(b, 0);
	buf_put(b, ndr, 16); le32(b, 2);
}

/* The License Server speaks its own binary protocol: a length, a message
 * type and an opaque body - nothing nDPI should name. */
void license_request(struct buf *b, uint32_t seed)
{
	uint8_t body[96];
	fill_random(body, sizeof(body), seed);
	buf_u32(b, (uint32_t)sizeof(body) + 4);
	buf_u32(b, 0x0000a001);
	buf_put(b, body, sizeof(body));
}

void license_response(struct buf *b, uint32_t seed)
{
	uint8_t body[180];
	fill_random(body, sizeof(body), seed ^ 0x1111);
	buf_u32(b, (uint32_t)sizeof(body) + 4);
	buf_u32(b, 0x0000a002);
	buf_put(b, body, sizeof(body));
}

/* ---- DNS ---- */

/* Names already written in this message, for compression pointers. */
struct dns_names {
	const char *name[24];
	uint16_t off[24];
	unsigned n;
};

static void dns_name(struct buf *b, struct dns_names *t, const char *name)
{
	const char *p = name;
	while (*p) {
		for (unsigned i = 0; i < t->n; i++) {
			if (strcmp(t->name[i], p) == 0) {
				buf_u16(b, (uint16_t)(0xc000 | t->off[i]));
				return;
			}
		}
		if (t->n < 24 && b->n < 0x3fff) {
			t->name[t->n] = p;
			t->off[t->n++] = (uint16_t)b->n;
		}
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		buf_u8(b, (uint8_t)len);
		buf_put(b, p, len);
		p += len;
		if (*p == '.')
			p++;
	}
	buf_u8(b, 0);
}

static void dns_header(struct buf *b, uint16_t id, uint16_t flags, uint16_t qd,
		       uint16_t an, uint16_t ns)
{
	buf_u16(b, id);
	buf_u16(b, flags);
	buf_u16(b, qd);
	buf_u16(b, an);
	buf_u16(b, ns);
	buf_u16(b, 0);
}

void dns_query(struct buf *b, uint16_t id, const char *name, uint16_t qtype)
{
	struct dns_names t = { .n = 0 };
	dns_header(b, id, 0x0100, 1, 0, 0);
	dns_name(b, &t, name);
	buf_u16(b, qtype);
	buf_u16(b, 1);
}

static void rr_head(struct buf *b, struct dns_names *t, const char *owner,
		    uint16_t type, uint32_t ttl)
{
	dns_name(b, t, owner);
	buf_u16(b, type);
	buf_u16(b, 1);
	buf_u32(b, ttl);
}

void dns_response(struct buf *b, uint16_t id, const char *name, uint16_t qtype,
		  int rcode, const struct dns_answer_spec *a)
{
	struct dns_names t = { .n = 0 };
	unsigned an = a ? a->ncnames + a->naddrs : 0;
	bool soa = rcode == 3;

	dns_header(b, id, (uint16_t)(0x8180 | rcode), 1, (uint16_t)an, soa ? 1 : 0);
	dns_name(b, &t, name);
	buf_u16(b, qtype);
	buf_u16(b, 1);
	const char *owner = name;
	for (unsigned i = 0; a && i < a->ncnames; i++) {
		rr_head(b, &t, owner, 5, a->ttl);
		size_t len_at = b->n;
		buf_u16(b, 0);
		dns_name(b, &t, a->cnames[i]);
		b->d[len_at] = (uint8_t)((b->n - len_at - 2) >> 8);
		b->d[len_at + 1] = (uint8_t)(b->n - len_at - 2);
		owner = a->cnames[i];
	}
	for (unsigned i = 0; a && i < a->naddrs; i++) {
		bool v4 = a->addrs[i].version == 4;
		rr_head(b, &t, owner, v4 ? 1 : 28, a->ttl);
		buf_u16(b, v4 ? 4 : 16);
		buf_put(b, a->addrs[i].b, v4 ? 4 : 16);
	}
	if (soa) {
		const char *zone = strchr(name, '.') ? strchr(name, '.') + 1 : name;
		rr_head(b, &t, zone, 6, 900);
		size_t len_at = b->n;
		buf_u16(b, 0);
		dns_name(b, &t, "ns1.example.net");
		dns_name(b, &t, "hostmaster.example.net");
		buf_u32(b, 2023111401); buf_u32(b, 7200); buf_u32(b, 900);
		buf_u32(b, 1209600); buf_u32(b, 300);
		b->d[len_at] = (uint8_t)((b->n - len_at - 2) >> 8);
		b->d[len_at + 1] = (uint8_t)(b->n - len_at - 2);
	}
}

void dns_exchange(struct gen *g, const char *client, uint16_t cport,
		  const char *resolver, uint16_t id, const char *name,
		  int rcode, const struct dns_answer_spec *a)
{
	struct addr c = ip(client), r = ip(resolver);
	struct buf q = { .n = 0 }, resp = { .n = 0 };
	uint16_t qtype = a && a->naddrs && a->addrs[0].version == 6 ? 28 : 1;

	dns_query(&q, id, name, qtype);
	udp_send(g, &c, cport, &r, 53, q.d, q.n);
	dns_response(&resp, id, name, qtype, rcode, a);
	udp_send(g, &r, 53, &c, cport, resp.d, resp.n);
}
