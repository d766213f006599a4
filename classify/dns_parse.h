/* dns_parse.h - DNS messages from the wire, parsed as ldns parses them.
 *
 * Every answer of every response matters (not just the first): A, AAAA and
 * CNAME records, the response code and the question. Packets are
 * attacker-controlled: a bounded reader takes common messages in place,
 * deciding exactly as ldns 1.8.3 would, and ldns parses every other one (see
 * dns_parse.c). Names come out as ldns's presentation text: bytes that are not printable ASCII become \DDD and the
 * characters special in zone files (. ; ( ) \) become \c. Names are then
 * lower-cased, lose the final dot (the root stays ".") and are cut to
 * DNS_NAME_LEN-1 characters between two characters, never inside an escape,
 * so they are always safe, NUL-terminated C strings.
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
	uint16_t type;           /* DNS_TYPE_A, DNS_TYPE_AAAA or DNS_TYPE_CNAME */
	uint32_t ttl;            /* 0 when the wire TTL has its top bit set */
	char owner[DNS_NAME_LEN];
	uint8_t ip_version;      /* A: 4, AAAA: 6 */
	struct ip_addr addr;
	char target[DNS_NAME_LEN]; /* CNAME */
};

struct dns_message {
	uint16_t id;
	bool is_response;
	int rcode;                /* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED;
				     with EDNS the 12-bit extended code */
	uint16_t qtype;           /* of the first question, 0 if none */
	char qname[DNS_NAME_LEN]; /* first question, "" if none */
	unsigned nrecords;
	struct dns_record records[DNS_MAX_RECORDS];
	unsigned dropped_records; /* A/AAAA/CNAME records past DNS_MAX_RECORDS */
};

/* Parses one DNS message: a UDP payload, or one TCP DNS message without its
 * two-byte length prefix. Returns false when the bytes are not a DNS message
 * ldns accepts (or carry more than one TSIG record, which ldns 1.8 would
 * leak); *out is zeroed then. A message that parses has records[] valid up
 * to nrecords only: the slots past it are not cleared (the message is 34 KiB,
 * and clearing it cost more than the parse). Records are taken only from the answer section
 * of standard queries (opcode QUERY) and only in class IN: an UPDATE's
 * prerequisites or a CHAOS "A" record are not addresses for a name. */
bool dns_parse(const uint8_t *data, size_t len, struct dns_message *out);

/* The same parse by ldns alone, which dns_parse asks about any message its
 * own reader does not take: for tests that compare the two. */
bool dns_parse_ldns(const uint8_t *data, size_t len, struct dns_message *out);

/* Splits a TCP segment payload holding length-prefixed DNS messages and calls
 * fn for each complete one that parses (a complete one that does not is
 * skipped); stops at the first incomplete one. scratch holds the message fn
 * sees. Returns how many times fn was called. */
unsigned dns_parse_tcp(const uint8_t *data, size_t len,
		       void (*fn)(void *ctx, const struct dns_message *m),
		       void *ctx, struct dns_message *scratch);

/* Follows the CNAME chain from the question name through the answer records
 * (case-insensitively, at most 16 links, loops stopped) and calls fn once for
 * every A/AAAA record whose owner is on the chain, in message order. chain is
 * the text of the links from the question name to that owner, e.g.
 * "www.example.com.cdn.example.net > edge-7.cdn.example.net", or ""
 * when the address answers the question name directly. */
void dns_answers_for_question(const struct dns_message *m,
			      void (*fn)(void *ctx,
					 const struct dns_record *addr_record,
					 const char *chain),
			      void *ctx);

/* "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", ...,
 * "BADCOOKIE", or "RCODE<n>" for unassigned codes; that last text lives in a
 * per-thread buffer that the next call overwrites. */
const char *dns_rcode_name(int rcode);

#endif
