/* dns_parse.h - DNS messages from the wire, parsed with ldns.
 *
 * Every answer of every response matters (nDPI 4.2 keeps only the first):
 * A, AAAA and CNAME records, the response code and the question. Packets are
 * attacker-controlled; ldns validates the message and names come out as
 * ldns's presentation text (non-printable bytes escaped as \DDD), lower-cased,
 * so they are safe C strings.
 */
#ifndef FLOWAUDIT_DNS_PARSE_H
#define FLOWAUDIT_DNS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/packet.h"

#define DNS_NAME_LEN 256
#define DNS_MAX_RECORDS 64

#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_AAAA 28

struct dns_record {          /* an answer-section A, AAAA or CNAME record */
	uint16_t type;
	uint32_t ttl;
	char owner[DNS_NAME_LEN];
	uint8_t ip_version;      /* A: 4, AAAA: 6 */
	struct ip_addr addr;
	char target[DNS_NAME_LEN]; /* CNAME */
};

struct dns_message {
	uint16_t id;
	bool is_response;
	int rcode;                /* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED */
	uint16_t qtype;           /* of the first question, 0 if none */
	char qname[DNS_NAME_LEN]; /* first question, "" if none */
	unsigned nrecords;
	struct dns_record records[DNS_MAX_RECORDS];
	unsigned dropped_records; /* A/AAAA/CNAME records past DNS_MAX_RECORDS */
};

/* Parses one DNS message (a UDP payload, or a TCP message without its
 * length prefix). False when ldns does not accept it; *out is zeroed then. */
bool dns_parse(const uint8_t *data, size_t len, struct dns_message *out);

/* Parses the length-prefixed messages of a TCP segment, calling fn for each
 * complete one; returns how many. */
unsigned dns_parse_tcp(const uint8_t *data, size_t len,
		       void (*fn)(void *ctx, const struct dns_message *m),
		       void *ctx, struct dns_message *scratch);

/* Follows CNAMEs from the question name (at most 16 links, loops stopped)
 * and calls fn for every A/AAAA record on the chain, with the links as text
 * ("a.example > b.example"; "" when the address answers the question). */
void dns_answers_for_question(const struct dns_message *m,
			      void (*fn)(void *ctx, const struct dns_record *r,
					 const char *chain),
			      void *ctx);

const char *dns_rcode_name(int rcode);

#endif
