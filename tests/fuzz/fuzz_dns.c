/* fuzz_dns.c - DNS messages as they come off the wire (classify/dns_parse.h):
 * the input as one UDP payload (dns_parse), as a TCP segment of
 * length-prefixed messages (dns_parse_tcp), and every parsed message through
 * the CNAME-chain walk (dns_answers_for_question). Each result is checked
 * for what the header promises: NUL-terminated names, at most
 * DNS_MAX_RECORDS records, a zeroed message when parsing fails, and the
 * same result from ldns alone (dns_parse_ldns). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify/dns_parse.h"

static void check_name(const char *s)
{
	if (memchr(s, '\0', DNS_NAME_LEN) == NULL)
		abort();
}

static void on_address(void *ctx, const struct dns_record *r, const char *chain)
{
	size_t *n = ctx;

	if (r->type != DNS_TYPE_A && r->type != DNS_TYPE_AAAA)
		abort();
	/* Read what a caller reads, so a bad pointer shows. */
	*n += strlen(r->owner) + strlen(chain) + r->ip_version + r->addr.b[15];
}

static void on_message(void *ctx, const struct dns_message *m)
{
	size_t *n = ctx;

	if (m->nrecords > DNS_MAX_RECORDS)
		abort();
	check_name(m->qname);
	for (unsigned i = 0; i < m->nrecords; i++) {
		check_name(m->records[i].owner);
		check_name(m->records[i].target);
	}
	dns_answers_for_question(m, on_address, ctx);
	*n += strlen(dns_rcode_name(m->rcode));
}

static bool same_message(const struct dns_message *a, const struct dns_message *b)
{
	if (a->id != b->id || a->is_response != b->is_response || a->rcode != b->rcode ||
	    a->qtype != b->qtype || strcmp(a->qname, b->qname) != 0 ||
	    a->nrecords != b->nrecords || a->dropped_records != b->dropped_records)
		return false;
	for (unsigned i = 0; i < a->nrecords; i++) {
		const struct dns_record *x = &a->records[i], *y = &b->records[i];
		if (x->type != y->type || x->ttl != y->ttl || x->ip_version != y->ip_version ||
		    memcmp(&x->addr, &y->addr, sizeof(x->addr)) != 0 ||
		    strcmp(x->owner, y->owner) != 0 || strcmp(x->target, y->target) != 0)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dns_message zero;
	/* A copy of the input's exact size: a read past it is caught. */
	uint8_t *buf = malloc(size ? size : 1);
	struct dns_message *m = malloc(sizeof(*m));
	size_t touched = 0;

	if (!buf || !m)
		abort();
	memcpy(buf, data, size);
	memset(m, 0xa5, sizeof(*m));  /* what was there before must not show */
	if (dns_parse(buf, size, m))
		on_message(&touched, m);
	else if (memcmp(m, &zero, sizeof(zero)) != 0)
		abort();  /* the header promises *out is zeroed */
	/* dns_parse's own reader decides as ldns does (dns_parse_ldns). */
	struct dns_message *ref = malloc(sizeof(*ref));
	if (!ref)
		abort();
	bool parsed = dns_parse(buf, size, m);
	if (parsed != dns_parse_ldns(buf, size, ref) ||
	    (parsed && !same_message(m, ref)))
		abort();
	free(ref);
	unsigned calls = dns_parse_tcp(buf, size, on_message, &touched, m);
	if (calls > size / 2)
		abort();  /* each message takes at least its 2-byte prefix */
	free(m);
	free(buf);
	return 0;
}
