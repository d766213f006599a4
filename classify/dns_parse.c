/* dns_parse.c - DNS messages parsed with ldns (see dns_parse.h). */
/* stdbool.h first: without it ldns's common.h defines bool as signed char
 * here, and struct dns_message's bools would not be the _Bool every other
 * file reads (a QR bit stored as 128 read back as a broken _Bool). */
#include <stdbool.h>
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

/* ---- the common messages, read without ldns ----
 *
 * ldns_wire2pkt builds every record of all four sections with several
 * mallocs each, then frees them: most of what reading DNS cost. The reader
 * below walks a message in place instead, taking only what dns_message
 * holds, and decides exactly as ldns 1.8.3 does (wire2host.c: which names,
 * record data and lengths it refuses, where each record ends), so that a
 * message parses, and parses to the same thing, either way. It knows the
 * record types common in answers (ldns's field layout for each); a message
 * with any other type, a TSIG, or anything it would refuse goes to ldns,
 * which decides. test_dns_parse compares the two on mutated messages. */

enum { FIELD_DNAME = -1, FIELD_LEN8 = -2, FIELD_REST = -3 };

/* ldns's rdata fields for a type: a byte count, or one of the above. */
struct rr_layout {
	uint16_t type;
	bool repeat;          /* the one field repeats to the end (TXT) */
	uint8_t nfields;
	int8_t field[9];
};

static const struct rr_layout layouts[] = {
	{ 1, false, 1, { 4 } },                                   /* A */
	{ 2, false, 1, { FIELD_DNAME } },                         /* NS */
	{ 5, false, 1, { FIELD_DNAME } },                         /* CNAME */
	{ 6, false, 7, { FIELD_DNAME, FIELD_DNAME, 4, 4, 4, 4, 4 } }, /* SOA */
	{ 12, false, 1, { FIELD_DNAME } },                        /* PTR */
	{ 15, false, 2, { 2, FIELD_DNAME } },                     /* MX */
	{ 16, true, 1, { FIELD_LEN8 } },                          /* TXT */
	{ 28, false, 1, { 16 } },                                 /* AAAA */
	{ 33, false, 4, { 2, 2, 2, FIELD_DNAME } },               /* SRV */
	{ 41, false, 1, { FIELD_REST } },                         /* OPT */
	{ 43, false, 4, { 2, 1, 1, FIELD_REST } },                /* DS */
	{ 46, false, 9, { 2, 1, 1, 4, 4, 4, 2, FIELD_DNAME, FIELD_REST } }, /* RRSIG */
	{ 47, false, 2, { FIELD_DNAME, FIELD_REST } },            /* NSEC */
	{ 48, false, 4, { 2, 1, 1, FIELD_REST } },                /* DNSKEY */
	{ 50, false, 6, { 1, 1, 2, FIELD_LEN8, FIELD_LEN8, FIELD_REST } }, /* NSEC3 */
};

static const struct rr_layout *layout_of(uint16_t type)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].type == type)
			return &layouts[i];
	return NULL;
}

enum wire_result { WIRE_OK, WIRE_ASK_LDNS };

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A name at *pos, as ldns_wire2dname reads it: pointers anywhere before
 * the end but 0, at most LDNS_MAX_POINTERS of them, labels of at most 63
 * bytes, LDNS_MAX_DOMAINLEN in all. The uncompressed name goes to name
 * (its length to *name_len); *pos ends after the name's first pointer, or
 * after its end. Every step is bounded by max: a name that loops runs out
 * of pointers or of length. */
static bool wire_name(const uint8_t *wire, size_t max, size_t *pos,
		      uint8_t name[LDNS_MAX_DOMAINLEN + 1], size_t *name_len)
{
	size_t at = *pos, out = 0, resume = 0;
	unsigned pointers = 0;

	if (at >= max)
		return false;
	uint8_t label = wire[at];
	while (label > 0) {
		while (label >= 192) {
			if (!resume)
				resume = at + 2;
			pointers++;
			if (at + 2 > max)
				return false;
			size_t target = (size_t)(wire[at] & 63) << 8 | wire[at + 1];
			if (target == 0 || target >= max || pointers > LDNS_MAX_POINTERS)
				return false;
			at = target;
			label = wire[at];
		}
		if (label == 0)
			break;
		if (label > LDNS_MAX_LABELLEN || at + 1 + label > max ||
		    out + 1 + label > LDNS_MAX_DOMAINLEN)
			return false;
		name[out++] = label;
		memcpy(name + out, wire + at + 1, label);
		out += label;
		at += 1 + (size_t)label;
		/* ldns keeps the last label's length at the end of the data:
		 * the check above then fails, as there. */
		if (at < max)
			label = wire[at];
	}
	*pos = resume ? resume : at + 1;
	if (out >= LDNS_MAX_DOMAINLEN)
		return false;
	name[out++] = 0;
	*name_len = out;
	return true;
}

/* The first field of a record's data, where the message needs it. */
struct rdata_first {
	size_t at, len;       /* in wire; len 0 when the data is empty */
	uint8_t name[LDNS_MAX_DOMAINLEN + 1]; /* a name field's, uncompressed */
	size_t name_len;
};

/* A record's data as ldns_wire2rdf reads it, by the type's layout: fields
 * while data is left, each inside the stated length (a name may run past
 * it); *pos ends after the last field read, not at the stated end. */
static bool wire_rdata(const uint8_t *wire, size_t max, size_t *pos,
		       const struct rr_layout *l, struct rdata_first *first)
{
	if (*pos + 2 > max)
		return false;
	size_t rdlen = get16(wire + *pos);
	*pos += 2;
	if (*pos + rdlen > max)
		return false;
	size_t end = *pos + rdlen;
	first->len = 0;
	for (unsigned i = 0; *pos < end && (l->repeat || i < l->nfields); i++) {
		int f = l->field[l->repeat ? 0 : i];
		size_t at = *pos, n;
		if (f == FIELD_DNAME) {
			uint8_t scratch[LDNS_MAX_DOMAINLEN + 1];
			size_t scratch_len;
			bool want = i == 0;
			if (!wire_name(wire, max, pos, want ? first->name : scratch,
				       want ? &first->name_len : &scratch_len))
				return false;
			n = *pos - at;
		} else {
			n = f == FIELD_LEN8 ? (size_t)wire[at] + 1 :
			    f == FIELD_REST ? end - at : (size_t)f;
			if (at + n > end)
				return false;
			*pos += n;
		}
		if (i == 0) {
			first->at = at;
			first->len = n ? n : 1;
		}
	}
	return true;
}

/* Fills the next record from an answer, as fill_record does from ldns's. */
static void wire_answer(struct dns_message *m, char *text, uint16_t type, uint32_t ttl,
			const uint8_t *owner, size_t owner_len,
			const struct rdata_first *rd, const uint8_t *wire)
{
	struct dns_record spare;
	bool full = m->nrecords == DNS_MAX_RECORDS;
	struct dns_record *r = full ? &spare : &m->records[m->nrecords];
	size_t size = type == DNS_TYPE_A ? 4 : 16;

	if (!rd->len)
		return;  /* no data: ldns has no field to read */
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->ttl = ttl > INT32_MAX ? 0 : ttl;
	copy_name(r->owner, text, (size_t)dname_text(owner, owner_len, text));
	if (type == DNS_TYPE_CNAME) {
		copy_name(r->target, text,
			  (size_t)dname_text(rd->name, rd->name_len, text));
	} else {
		r->ip_version = type == DNS_TYPE_A ? 4 : 6;
		memcpy(r->addr.b, wire + rd->at, size);
	}
	if (full)
		m->dropped_records++;
	else
		m->nrecords++;
}

/* Reads a message ldns would read the same way, or says to ask ldns. */
static enum wire_result wire_message(const uint8_t *wire, size_t max,
				     struct dns_message *m, char *text)
{
	if (max < LDNS_HEADER_SIZE)
		return WIRE_ASK_LDNS;
	const unsigned count[4] = {
		LDNS_QDCOUNT(wire), LDNS_ANCOUNT(wire),
		LDNS_NSCOUNT(wire), LDNS_ARCOUNT(wire),
	};
	bool query = LDNS_OPCODE_WIRE(wire) == LDNS_PACKET_QUERY;
	unsigned extended_rcode = 0;
	size_t pos = LDNS_HEADER_SIZE;
	uint8_t owner[LDNS_MAX_DOMAINLEN + 1];
	size_t owner_len;
	struct rdata_first rd;

	m->id = get16(wire);
	m->is_response = LDNS_QR_WIRE(wire) != 0;
	for (unsigned s = 0; s < 4; s++) {
		for (unsigned i = 0; i < count[s]; i++) {
			if (!wire_name(wire, max, &pos, owner, &owner_len) || pos + 4 > max)
				return WIRE_ASK_LDNS;
			uint16_t type = get16(wire + pos), class = get16(wire + pos + 2);
			pos += 4;
			if (s == 0) {
				if (i == 0) {
					m->qtype = type;
					copy_name(m->qname, text,
						  (size_t)dname_text(owner, owner_len, text));
				}
				continue;
			}
			const struct rr_layout *l = layout_of(type);
			if (!l || pos + 4 > max)
				return WIRE_ASK_LDNS;  /* TSIG among the types */
			uint32_t ttl = get32(wire + pos);
			pos += 4;
			if (!wire_rdata(wire, max, &pos, l, &rd))
				return WIRE_ASK_LDNS;
			if (s == 3 && type == LDNS_RR_TYPE_OPT)
				extended_rcode = ttl >> 24;
			if (s == 1 && query && class == LDNS_RR_CLASS_IN &&
			    (type == DNS_TYPE_A || type == DNS_TYPE_AAAA ||
			     type == DNS_TYPE_CNAME))
				wire_answer(m, text, type, ttl, owner, owner_len, &rd, wire);
		}
	}
	m->rcode = (int)(extended_rcode << 4 | LDNS_RCODE_WIRE(wire));
	return WIRE_OK;
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
	char text[NAME_TEXT_CAP];

	message_clear(out);
	if (wire_message(data, len, out, text) == WIRE_OK)
		return true;
	return dns_parse_ldns(data, len, out);
}

bool dns_parse_ldns(const uint8_t *data, size_t len, struct dns_message *out)
{
	ldns_pkt *pkt = NULL;
	char text[NAME_TEXT_CAP];
	bool parsed = false;

	message_clear(out);  /* what the reader filled before it gave up */
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
