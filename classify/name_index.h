/* name_index.h - which name a server address had, learnt from DNS answers.
 *
 * Every A/AAAA answer (after its CNAME chain) maps an address to the name
 * the client asked for. A flow that starts after the answer, within its TTL
 * plus a grace period, is known by that name even when it carries none
 * itself (no SNI, no Host header). The index is bounded: when full the
 * entry unused longest goes, and is counted.
 */
#ifndef FLOWAUDIT_NAME_INDEX_H
#define FLOWAUDIT_NAME_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/packet.h"
#include "names.h"

/* Why an address has a name. */
struct name_evidence {
	uint32_t name;             /* interned: the question name */
	char chain[384];           /* CNAME links followed, "" if none */
	uint64_t answer_us;        /* when the first answer naming it was seen */
	uint32_t ttl;
	uint8_t resolver_version;
	struct ip_addr resolver;   /* who answered */
};

struct name_index_stats {
	uint64_t entries;
	uint64_t added;
	uint64_t evicted;
};

struct name_index;

struct name_index *name_index_new(struct name_store *names, uint32_t max_entries,
				  uint64_t grace_us);
void name_index_free(struct name_index *ix);

/* Records that addr answers for name (the question) at time now. */
void name_index_add(struct name_index *ix, uint8_t version,
		    const struct ip_addr *addr, const char *name,
		    const char *chain, uint32_t ttl, uint64_t now_us,
		    uint8_t resolver_version, const struct ip_addr *resolver);

/* The name whose answers cover t: the first answer at or before t, the
 * latest one's TTL plus the grace period after it. The evidence's name is a new reference the
 * caller releases (name_unref) when done. */
bool name_index_lookup(struct name_index *ix, uint8_t version,
		       const struct ip_addr *addr, uint64_t t,
		       struct name_evidence *out);

const struct name_index_stats *name_index_stats(const struct name_index *ix);

#endif
