/* dns_parse.c - DNS messages parsed with ldns (see dns_parse.h). */
#include <ldns/ldns.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dns_parse.h"

/* The longest name text ldns writes: 250 label bytes all as \DDD plus four
 * dots, about 1004 characters, so one buffer never has to grow. */
#define NAME_TEXT_CAP 1024

#define MAX_LINKS 16
/* MAX_LINKS names joined by " > ", and the NUL. */
#define CHAIN_TEXT_LEN (MAX_LINKS * (DNS_NAME_LEN - 1 + 3) + 1)

/* ---- names ---- */

/* Length of the presentation-format character at s: ldns writes "\DDD" for
 * bytes that are not printable, "\c" for the special ones, else the byte. */
static size_t text_char_len(const char *s, size_t left)
{
	size_t n = 1;

	if (s[0] == '\\' && left > 1)
		n = s[1] >= '0' && s[1] <= '9' ? 4 : 2;
	return n < left ? n : left;
}

/* Copies ldns's text of a name into out, lower-casing ASCII letters (escapes
 * hold only digits and punctuation, so they are unchanged). Stops before a
 * character that would not fit, then drops a trailing dot: the one ldns puts
 * after the last label, or one a cut left behind. The root "." stays. */
static void copy_name(char out[DNS_NAME_LEN], const char *text, size_t len)
{
	size_t n = 0, last = 0;

	while (n < len) {
		size_t c = text_char_len(text + n, len - n);
		if (n + c > DNS_NAME_LEN - 1)
			break;
		for (size_t i = n; i < n + c; i++)
			out[i] = text[i] >= 'A' && text[i] <= 'Z' ?
				 (char)(text[i] - 'A' + 'a') : text[i];
		n += c;
		last = c;
	}
	if (n > 1 && last == 1 && out[n - 1] == '.')
		n--;
	out[n] = '\0';
}

/* ldns's presentation text of a wire-format name, as its
 * ldns_rdf2buffer_str_dname writes it ("\." "\;" "\(" "\)" "\\" escaped,
 * bytes that are not printable ASCII as "\DDD", a "." after each label, "."
 * alone for the root). ldns formats each character through printf, which
 * made name text the most expensive part of reading a DNS answer; this walks
 * the labels within the name's own length. Returns the text's length, or
 * -1 for a name longer than DNS allows. */
/* How dname_text writes a byte: 0 as itself, 1 after a backslash, 2 as
 * "\DDD". A switch, not a strchr per character (a tenth of reading a
 * name). */
static int byte_form(unsigned char c)
{
	if (c < 0x21 || c > 0x7e)
		return 2;
	switch (c) {
	case '.': case ';': case '(': case ')': case '\\':
		return 1;
	default:
		return 0;
	}
}

static int dname_text(const uint8_t *data, size_t size, char text[NAME_TEXT_CAP])
{
	size_t pos = 0, o = 0;

	if (size > LDNS_MAX_DOMAINLEN || size == 0)
		return -1;
	if (size == 1) {
		text[o++] = '.';
		text[o] = '\0';
		return (int)o;
	}
	while (pos < size && data[pos] > 0) {
		size_t len = data[pos++];
		for (size_t i = 0; i < len && pos < size; i++, pos++) {
			unsigned char c = data[pos];
			switch (byte_form(c)) {
			case 1:
				text[o++] = '\\';
				text[o++] = (char)c;
				break;
			case 2:
				text[o++] = '\\';
				text[o++] = (char)('0' + c / 100);
				text[o++] = (char)('0' + c / 10 % 10);
				text[o++] = (char)('0' + c % 10);
				break;
			default:
				text[o++] = (char)c;
			}
		}
		if (pos < size)
			text[o++] = '.';
	}
	text[o] = '\0';
	return (int)o;
}

/* Writes the name in rdf to out ("" and false when it is not a name or too
 * long). text is a scratch buffer reused for every name. */
static bool name_text(char *text, const ldns_rdf *rdf, char out[DNS_NAME_LEN])
{
	out[0] = '\0';
	if (!rdf || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return false;
	int n = dname_text(ldns_rdf_data(rdf), ldns_rdf_size(rdf), text);
	if (n < 0)
		return false;
	copy_name(out, text, (size_t)n);
	return true;
}

/* ---- records ---- */

static bool copy_addr(struct dns_record *r, const ldns_rdf *rd, size_t size,
		      uint8_t ip_version)
{
	/* ldns sizes A and AAAA fields exactly, but the copy below should not
	 * rest on that alone. */
	if (ldns_rdf_size(rd) != size)
		return false;
	r->ip_version = ip_version;
	memcpy(r->addr.b, ldns_rdf_data(rd), size);
	return true;
}

/* Fills r from an A, AAAA or CNAME RR; false when its data is unusable. */
static bool fill_record(struct dns_record *r, char *text,
			const ldns_rr *rr)
{
	const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
	uint32_t ttl = ldns_rr_ttl(rr);

	memset(r, 0, sizeof(*r));
	r->type = (uint16_t)ldns_rr_get_type(rr);
	/* RFC 2181 section 8: a TTL with the top bit set means zero, so a
	 * forged answer cannot pin a name to an address for decades. */
	r->ttl = ttl > INT32_MAX ? 0 : ttl;
	if (!rd || !name_text(text, ldns_rr_owner(rr), r->owner))
		return false;
	switch (r->type) {
	case DNS_TYPE_A:
		return copy_addr(r, rd, 4, 4);
	case DNS_TYPE_AAAA:
		return copy_addr(r, rd, 16, 6);
	default: /* CNAME: add_answer passes nothing else */
		return name_text(text, rd, r->target);
	}
}

/* Fills the next free record in place (a record is half a kilobyte: no
 * copy through the stack); it counts only once it is complete. */
static void add_answer(struct dns_message *m, char *text,
		       const ldns_rr *rr)
{
	ldns_rr_type type = ldns_rr_get_type(rr);
	struct dns_record spare;

	if ((type != LDNS_RR_TYPE_A && type != LDNS_RR_TYPE_AAAA &&
	     type != LDNS_RR_TYPE_CNAME) ||
	    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
		return;
	bool full = m->nrecords == DNS_MAX_RECORDS;
	/* A record past the limit is still checked: only a usable one counts
	 * as dropped. */
	if (!fill_record(full ? &spare : &m->records[m->nrecords], text, rr))
		return;
	if (full)
		m->dropped_records++;
	else
		m->nrecords++;
}

/* ---- messages ---- */

/* ldns_wire2pkt keeps only the last TSIG record of the additional section and
 * leaks the earlier ones (ldns 1.8.3), while RFC 8945 allows a single TSIG,
 * so a message with two is refused before ldns_wire2pkt sees it. Its
 * additional-section loop shrinks ARCOUNT per TSIG and so only reaches a
 * second one when ARCOUNT >= 3, which spares most messages this walk. The
 * walk ends at the first record ldns rejects, as ldns_wire2pkt would. */
static bool repeats_tsig(const uint8_t *wire, size_t len)
{
	static const ldns_pkt_section section[4] = {
		LDNS_SECTION_QUESTION, LDNS_SECTION_ANSWER,
		LDNS_SECTION_AUTHORITY, LDNS_SECTION_ADDITIONAL,
	};

	if (len < LDNS_HEADER_SIZE || LDNS_ARCOUNT(wire) < 3)
		return false;
	const unsigned count[4] = {
		LDNS_QDCOUNT(wire), LDNS_ANCOUNT(wire),
		LDNS_NSCOUNT(wire), LDNS_ARCOUNT(wire),
	};
	size_t pos = LDNS_HEADER_SIZE;
	unsigned tsigs = 0;

	for (unsigned s = 0; s < 4; s++) {
		for (unsigned i = 0; i < count[s]; i++) {
			ldns_rr *rr = NULL;
			if (ldns_wire2rr(&rr, wire, len, &pos, section[s]) !=
			    LDNS_STATUS_OK)
				return false;
			if (section[s] == LDNS_SECTION_ADDITIONAL &&
			    ldns_rr_get_type(rr) == LDNS_RR_TYPE_TSIG)
				tsigs++;
			ldns_rr_free(rr);
			if (tsigs == 2)
				return true;
		}
	}
	return false;
}

static void fill_message(struct dns_message *out, const ldns_pkt *pkt,
			 char *text)
{
	const ldns_rr_list *q = ldns_pkt_question(pkt);
	const ldns_rr_list *an = ldns_pkt_answer(pkt);

	out->id = ldns_pkt_id(pkt);
	out->is_response = ldns_pkt_qr(pkt);
	/* The OPT record carries the upper eight bits of a 12-bit rcode. */
	out->rcode = (int)ldns_pkt_edns_extended_rcode(pkt) << 4 |
		     (int)ldns_pkt_get_rcode(pkt);
	if (ldns_rr_list_rr_count(q) > 0) {
		const ldns_rr *rr = ldns_rr_list_rr(q, 0);
		out->qtype = (uint16_t)ldns_rr_get_type(rr);
		name_text(text, ldns_rr_owner(rr), out->qname);
	}
	if (ldns_pkt_get_opcode(pkt) != LDNS_PACKET_QUERY)
		return;
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++)
		add_answer(out, text, ldns_rr_list_rr(an, i));
}

/* Zeroes what a parse fills in, but not the records it may not reach: the
 * whole message is 34 KiB, and zeroing it for every DNS packet cost more
 * than parsing the packet (a quarter of `flows --no-dpi`'s instructions
 * on the bench capture). */
static void message_clear(struct dns_message *m)
{
	memset(m, 0, offsetof(struct dns_message, records));
	m->dropped_records = 0;
}

bool dns_parse(const uint8_t *data, size_t len, struct dns_message *out)
{
	ldns_pkt *pkt = NULL;
	char text[NAME_TEXT_CAP];
	bool parsed = false;

	message_clear(out);
	if (!repeats_tsig(data, len) &&
	    ldns_wire2pkt(&pkt, data, len) == LDNS_STATUS_OK) {
		fill_message(out, pkt, text);
		parsed = true;
	}
	ldns_pkt_free(pkt);
	if (!parsed)
		memset(out, 0, sizeof(*out));  /* rare: the promise is kept */
	return parsed;
}

unsigned dns_parse_tcp(const uint8_t *data, size_t len,
		       void (*fn)(void *ctx, const struct dns_message *m),
		       void *ctx, struct dns_message *scratch)
{
	unsigned n = 0;

	while (len >= 2) {
		size_t size = (size_t)data[0] << 8 | data[1];
		if (size > len - 2)
			break;  /* the rest comes in a later segment */
		if (dns_parse(data + 2, size, scratch)) {
			fn(ctx, scratch);
			n++;
		}
		data += 2 + size;
		len -= 2 + size;
	}
	return n;
}

/* ---- CNAME chains ---- */

struct chain {
	const char *name[MAX_LINKS + 1]; /* the question, then each target */
	size_t text_end[MAX_LINKS + 1];  /* text up to name[i] ends here */
	unsigned n;
	char text[CHAIN_TEXT_LEN];
};

static int chain_find(const struct chain *c, const char *name)
{
	for (unsigned i = 0; i < c->n; i++)
		if (strcasecmp(c->name[i], name) == 0)
			return (int)i;
	return -1;
}

static const char *cname_target(const struct dns_message *m, const char *owner)
{
	for (unsigned i = 0; i < m->nrecords; i++) {
		const struct dns_record *r = &m->records[i];
		if (r->type == DNS_TYPE_CNAME && strcasecmp(r->owner, owner) == 0)
			return r->target;
	}
	return NULL;
}

static void chain_build(struct chain *c, const struct dns_message *m)
{
	c->name[0] = m->qname;
	c->text_end[0] = 0;
	c->text[0] = '\0';
	c->n = 1;
	while (c->n <= MAX_LINKS) {
		const char *next = cname_target(m, c->name[c->n - 1]);
		if (!next || chain_find(c, next) >= 0)
			break;  /* the chain ends, or loops back */
		size_t at = c->text_end[c->n - 1];
		/* CHAIN_TEXT_LEN fits MAX_LINKS names, so this never cuts. */
		at += (size_t)snprintf(c->text + at, sizeof(c->text) - at,
				       "%s%s", c->n > 1 ? " > " : "", next);
		c->name[c->n] = next;
		c->text_end[c->n] = at;
		c->n++;
	}
}

void dns_answers_for_question(const struct dns_message *m,
			      void (*fn)(void *ctx,
					 const struct dns_record *addr_record,
					 const char *chain),
			      void *ctx)
{
	struct chain c;

	if (!m->qname[0])
		return;
	chain_build(&c, m);
	for (unsigned i = 0; i < m->nrecords; i++) {
		const struct dns_record *r = &m->records[i];
		if (r->type != DNS_TYPE_A && r->type != DNS_TYPE_AAAA)
			continue;
		int k = chain_find(&c, r->owner);
		if (k < 0)
			continue;
		/* Show only the links up to this owner: end the text there
		 * for the call, then put the chain back. */
		char *end = c.text + c.text_end[k];
		char saved = *end;
		*end = '\0';
		fn(ctx, r, c.text);
		*end = saved;
	}
}

/* ---- response codes ---- */

const char *dns_rcode_name(int rcode)
{
	/* IANA's DNS RCODEs that fit the header or the EDNS extension; 16
	 * is BADVERS because the extended bits come from an OPT record. */
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
		"NOTZONE", "DSOTYPENI", NULL, NULL, NULL, NULL, "BADVERS",
		"BADKEY", "BADTIME", "BADMODE", "BADNAME", "BADALG",
		"BADTRUNC", "BADCOOKIE",
	};
	static _Thread_local char other[sizeof("RCODE-2147483648")];

	if (rcode >= 0 && (size_t)rcode < sizeof(names) / sizeof(names[0]) &&
	    names[rcode])
		return names[rcode];
	snprintf(other, sizeof(other), "RCODE%d", rcode);
	return other;
}
