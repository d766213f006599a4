/* dns_parse.c - DNS messages with ldns (see dns_parse.h). */
#include <ctype.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dns_parse.h"

#define MAX_CHAIN 16

/* ldns's presentation text of a name, lower-cased, without the final dot,
 * cut at a character boundary (never inside a \DDD escape). */
static void name_text(const ldns_rdf *rdf, char out[DNS_NAME_LEN])
{
	out[0] = '\0';
	if (!rdf)
		return;
	char *s = ldns_rdf2str(rdf);
	if (!s)
		return;
	size_t n = strlen(s);
	if (n > 1 && s[n - 1] == '.' && (n < 2 || s[n - 2] != '\\'))
		s[--n] = '\0';
	if (n >= DNS_NAME_LEN) {
		n = DNS_NAME_LEN - 1;
		/* Back off from a cut escape ("\0" or "\01" left dangling). */
		for (size_t i = n; i > 0 && i + 4 > n; i--)
			if (s[i - 1] == '\\') {
				n = i - 1;
				break;
			}
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[n] = '\0';
	LDNS_FREE(s);
}

static void add_record(struct dns_message *m, const ldns_rr *rr)
{
	ldns_rr_type type = ldns_rr_get_type(rr);
	if (type != LDNS_RR_TYPE_A && type != LDNS_RR_TYPE_AAAA &&
	    type != LDNS_RR_TYPE_CNAME)
		return;
	if (m->nrecords == DNS_MAX_RECORDS) {
		m->dropped_records++;
		return;
	}
	const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
	if (!rd)
		return;
	struct dns_record *r = &m->records[m->nrecords];
	memset(r, 0, sizeof(*r));
	r->type = (uint16_t)type;
	r->ttl = ldns_rr_ttl(rr);
	name_text(ldns_rr_owner(rr), r->owner);
	if (type == LDNS_RR_TYPE_CNAME) {
		name_text(rd, r->target);
	} else {
		size_t want = type == LDNS_RR_TYPE_A ? 4 : 16;
		if (ldns_rdf_size(rd) != want)
			return;
		r->ip_version = type == LDNS_RR_TYPE_A ? 4 : 6;
		memcpy(r->addr.b, ldns_rdf_data(rd), want);
	}
	m->nrecords++;
}

bool dns_parse(const uint8_t *data, size_t len, struct dns_message *out)
{
	ldns_pkt *pkt = NULL;

	memset(out, 0, sizeof(*out));
	if (!data || len < LDNS_HEADER_SIZE ||
	    ldns_wire2pkt(&pkt, data, len) != LDNS_STATUS_OK || !pkt)
		return false;
	out->id = ldns_pkt_id(pkt);
	out->is_response = ldns_pkt_qr(pkt);
	out->rcode = ldns_pkt_get_rcode(pkt);
	ldns_rr_list *q = ldns_pkt_question(pkt);
	if (q && ldns_rr_list_rr_count(q) > 0) {
		const ldns_rr *rr = ldns_rr_list_rr(q, 0);
		out->qtype = (uint16_t)ldns_rr_get_type(rr);
		name_text(ldns_rr_owner(rr), out->qname);
	}
	ldns_rr_list *an = ldns_pkt_answer(pkt);
	for (size_t i = 0; an && i < ldns_rr_list_rr_count(an); i++)
		add_record(out, ldns_rr_list_rr(an, i));
	ldns_pkt_free(pkt);
	return true;
}

unsigned dns_parse_tcp(const uint8_t *data, size_t len,
		       void (*fn)(void *ctx, const struct dns_message *m),
		       void *ctx, struct dns_message *scratch)
{
	unsigned n = 0;

	while (len >= 2) {
		size_t msg = (size_t)data[0] << 8 | data[1];
		if (msg == 0 || msg > len - 2)
			break;  /* the rest is in a later segment */
		if (dns_parse(data + 2, msg, scratch)) {
			fn(ctx, scratch);
			n++;
		}
		data += 2 + msg;
		len -= 2 + msg;
	}
	return n;
}

void dns_answers_for_question(const struct dns_message *m,
			      void (*fn)(void *ctx, const struct dns_record *r,
					 const char *chain),
			      void *ctx)
{
	char chain[MAX_CHAIN * DNS_NAME_LEN / 4] = "";
	const char *names[MAX_CHAIN + 1];
	unsigned nnames = 0;

	if (!m->qname[0])
		return;
	names[nnames++] = m->qname;
	/* Each round follows one CNAME from the newest name on the chain. */
	for (unsigned round = 0; round < MAX_CHAIN; round++) {
		const char *target = NULL;
		for (unsigned i = 0; i < m->nrecords && !target; i++) {
			const struct dns_record *r = &m->records[i];
			if (r->type == DNS_TYPE_CNAME &&
			    strcasecmp(r->owner, names[nnames - 1]) == 0)
				target = r->target;
		}
		if (!target)
			break;
		bool loop = false;
		for (unsigned i = 0; i < nnames; i++)
			loop |= strcasecmp(names[i], target) == 0;
		if (loop)
			break;
		names[nnames++] = target;
		size_t used = strlen(chain);
		snprintf(chain + used, sizeof(chain) - used, "%s%s",
			 used ? " > " : "", target);
	}
	for (unsigned i = 0; i < m->nrecords; i++) {
		const struct dns_record *r = &m->records[i];
		if (r->type != DNS_TYPE_A && r->type != DNS_TYPE_AAAA)
			continue;
		for (unsigned k = 0; k < nnames; k++) {
			if (strcasecmp(r->owner, names[k]) == 0) {
				fn(ctx, r, chain);
				break;
			}
		}
	}
}

const char *dns_rcode_name(int rcode)
{
	/* The header's rcode has four bits. */
	static const char *names[16] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI",
		"RCODE12", "RCODE13", "RCODE14", "RCODE15",
	};
	return rcode >= 0 && rcode < 16 ? names[rcode] : "RCODE?";
}
