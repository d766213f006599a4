/* dns_digest.h - what one parsed DNS message says to a classifier, packed
 * into bytes another thread can take: the header fields a DNS flow's state
 * keeps (id, response flag, response code, question, record count) and
 * each address its answers give for the question, with the CNAME chain
 * that led there (dns_answers_for_question), without the records' text.
 *
 * A sharded run's reader parses each DNS answer once and hands the digest
 * to every worker: the one whose flow carried it keeps the flow's DNS
 * state with it, the others learn its names. Before, each worker parsed
 * every answer again, so DNS cost as many parses as there were workers.
 *
 * A digest is made and read by this program, never taken from the wire,
 * but its reader still checks every length against the bytes it has. */
#ifndef FLOWAUDIT_DNS_DIGEST_H
#define FLOWAUDIT_DNS_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "dns_parse.h"

/* The header fields, as the digest holds them. */
struct dns_digest_head {
	uint16_t id;
	uint16_t qtype;
	int32_t rcode;
	uint32_t nrecords;
	bool is_response;
	const char *qname;   /* inside the digest; "" if none */
};

/* Packs m into out (cap bytes, 8-aligned); returns the digest's length, a
 * multiple of 8, or 0 when it does not fit (the caller then passes the
 * message itself on). */
size_t dns_digest_pack(const struct dns_message *m, void *out, size_t cap);

/* Reads the header of the digest of len bytes at d; false when the bytes
 * are not a whole digest. */
bool dns_digest_head(const void *d, size_t len, struct dns_digest_head *out);

/* Calls fn for each address the answers give for the question, in message
 * order, with its record's TTL and the chain (as dns_answers_for_question
 * gives it). Returns how many; stops at the first entry that does not fit
 * in len. */
unsigned dns_digest_each_address(const void *d, size_t len,
				 void (*fn)(void *ctx, uint8_t ip_version,
					    const struct ip_addr *addr,
					    uint32_t ttl, const char *chain),
				 void *ctx);

#endif
