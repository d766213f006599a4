/* dns_digest.c - a parsed DNS message, packed (see dns_digest.h).
 *
 * Layout, every part starting 8-aligned: a fixed head; the question name
 * with its NUL; then for each address an entry head and its chain's text
 * with its NUL. Parts are copied in and out with memcpy, so nothing here
 * depends on where the bytes sit. */
#include <string.h>

#include "dns_digest.h"

struct packed_head {
	uint32_t len;          /* the whole digest */
	uint32_t nrecords;
	int32_t rcode;
	uint16_t id, qtype;
	uint16_t qname_len;    /* without its NUL */
	uint16_t naddrs;
	uint8_t is_response;
	uint8_t pad[3];
};

struct packed_addr {
	struct ip_addr addr;
	uint32_t ttl;
	uint16_t chain_len;    /* without its NUL */
	uint8_t ip_version;
	uint8_t pad;
};

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

struct packer {
	uint8_t *out;
	size_t cap, used;
	unsigned naddrs;
	bool full;
};

/* Appends n bytes and a NUL when text is not NULL, then pads to 8. */
static bool put(struct packer *pk, const void *bytes, size_t n, bool text)
{
	size_t end = align8(pk->used + n + (text ? 1 : 0));

	if (pk->full || end > pk->cap || end - pk->used < n) {
		pk->full = true;
		return false;
	}
	memcpy(pk->out + pk->used, bytes, n);
	memset(pk->out + pk->used + n, 0, end - pk->used - n);
	pk->used = end;
	return true;
}

static void pack_address(void *ctx, const struct dns_record *r, const char *chain)
{
	struct packer *pk = ctx;
	size_t chain_len = strlen(chain);
	struct packed_addr a;

	memset(&a, 0, sizeof(a));
	a.addr = r->addr;
	a.ttl = r->ttl;
	a.ip_version = r->ip_version;
	a.chain_len = (uint16_t)chain_len;
	if (chain_len > UINT16_MAX || pk->naddrs == UINT16_MAX) {
		pk->full = true;
		return;
	}
	if (put(pk, &a, sizeof(a), false) && put(pk, chain, chain_len, true))
		pk->naddrs++;
}

size_t dns_digest_pack(const struct dns_message *m, void *out, size_t cap)
{
	struct packer pk = { out, cap, 0, 0, false };
	struct packed_head h;
	size_t qlen = strnlen(m->qname, sizeof(m->qname));

	if (qlen == sizeof(m->qname) || cap < sizeof(h))
		return 0;  /* dns_parse ends every name within it */
	memset(&h, 0, sizeof(h));
	pk.used = align8(sizeof(h));
	if (!put(&pk, m->qname, qlen, true))
		return 0;
	dns_answers_for_question(m, pack_address, &pk);
	if (pk.full || pk.used > UINT32_MAX)
		return 0;
	h.len = (uint32_t)pk.used;
	h.nrecords = m->nrecords;
	h.rcode = m->rcode;
	h.id = m->id;
	h.qtype = m->qtype;
	h.qname_len = (uint16_t)qlen;
	h.naddrs = (uint16_t)pk.naddrs;
	h.is_response = m->is_response;
	memcpy(out, &h, sizeof(h));
	return pk.used;
}

/* The head of the digest, checked against len: its own length and the
 * question's must fit, and the question must end in its NUL. */
static bool read_head(const uint8_t *d, size_t len, struct packed_head *h)
{
	if (len < align8(sizeof(*h)))
		return false;
	memcpy(h, d, sizeof(*h));
	size_t q = align8(sizeof(*h));
	return h->len <= len && h->len >= q && (size_t)h->qname_len + 1 <= h->len - q &&
	       d[q + h->qname_len] == '\0';
}

bool dns_digest_head(const void *d, size_t len, struct dns_digest_head *out)
{
	struct packed_head h;

	if (!read_head(d, len, &h))
		return false;
	out->id = h.id;
	out->qtype = h.qtype;
	out->rcode = h.rcode;
	out->nrecords = h.nrecords;
	out->is_response = h.is_response;
	out->qname = (const char *)d + align8(sizeof(h));
	return true;
}

unsigned dns_digest_each_address(const void *d, size_t len,
				 void (*fn)(void *ctx, uint8_t ip_version,
					    const struct ip_addr *addr,
					    uint32_t ttl, const char *chain),
				 void *ctx)
{
	const uint8_t *p = d;
	struct packed_head h;
	unsigned n = 0;

	if (!read_head(p, len, &h))
		return 0;
	size_t off = align8(align8(sizeof(h)) + h.qname_len + 1);
	for (unsigned i = 0; i < h.naddrs; i++) {
		struct packed_addr a;
		if (off > h.len || h.len - off < sizeof(a))
			break;
		memcpy(&a, p + off, sizeof(a));
		size_t text = off + sizeof(a);
		if ((size_t)a.chain_len + 1 > h.len - text || p[text + a.chain_len] != '\0')
			break;
		fn(ctx, a.ip_version, &a.addr, a.ttl, (const char *)p + text);
		n++;
		off = align8(text + a.chain_len + 1);
	}
	return n;
}
