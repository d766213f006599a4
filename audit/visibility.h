/* visibility.h - what the capture shows of each host: whether it was seen
 * opening connections, answering, and receiving (docs/verdicts.md, "What
 * the capture can prove"). A mirror that carries one direction only shows
 * a host sending but never receiving, or the reverse; the verdict asks
 * these facts before it blames the network.
 *
 * Bounded: at most HOST_VISIBILITY_MAX hosts are remembered (the first
 * seen); a host past that reads as not seen, which only ever makes a
 * verdict more cautious. The table's hash is keyed per process.
 */
#ifndef FLOWAUDIT_VISIBILITY_H
#define FLOWAUDIT_VISIBILITY_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/flow_record.h"

#define HOST_VISIBILITY_MAX 65536u

#define HOST_OPENED 0x01     /* sent packets as a flow's originator */
#define HOST_ANSWERED 0x02   /* sent packets as a flow's responder */
#define HOST_RECEIVED 0x04   /* packets to it were captured */
#define HOST_GOT_ANSWERS 0x08 /* answers to its own connections were
			       * captured: its receive direction as a client */

struct host_visibility;

struct host_visibility *host_visibility_new(void);
void host_visibility_free(struct host_visibility *v);
void host_visibility_reset(struct host_visibility *v);

/* Remembers a host from the start whatever comes later: the site's own
 * hosts, so that a flood of other addresses cannot make the capture seem
 * blind to them (and turn a missing flow inconclusive). */
void host_visibility_reserve(struct host_visibility *v, uint8_t version,
			     const struct ip_addr *a);

/* Notes what one flow showed of its two hosts. */
void host_visibility_flow(struct host_visibility *v, const struct flow_record *r);

/* HOST_* flags of a host; 0 when never seen (or not remembered). */
uint8_t host_visibility_of(const struct host_visibility *v, uint8_t version,
			   const struct ip_addr *a);

/* A TCP attempt the capture proves went unanswered: its SYN drew an ICMP
 * error, or the client sent its SYN again and never acknowledged anything.
 * It is one-sided because nobody answered (a firewall dropped it), not
 * because the mirror lost a direction, so it is no evidence of a
 * one-sided capture. */
bool flow_unanswered_attempt(const struct flow_record *r);

/* Its TCP flows and how many of them were seen one-sided, leaving out
 * unanswered attempts (flow_unanswered_attempt): what they say of the
 * mirror. */
void host_visibility_tcp(const struct host_visibility *v, uint8_t version,
			 const struct ip_addr *a, uint32_t *flows, uint32_t *one_sided);

/* Hosts not remembered because the table was full. */
uint64_t host_visibility_untracked(const struct host_visibility *v);

/* What the table holds of one host, as a report's state carries it. */
struct host_seen {
	uint8_t ip_version, flags;
	struct ip_addr addr;
	uint32_t tcp_flows, tcp_one_sided;
};

/* The hosts remembered, in address order (*n of them; the caller frees
 * the array). False when out of memory. */
bool host_visibility_list(const struct host_visibility *v, struct host_seen **out,
			  unsigned *n);

/* Adds what another part saw of a host: flags joined, counts summed; a
 * host past the bound counts as untracked. */
void host_visibility_add(struct host_visibility *v, const struct host_seen *h);
void host_visibility_add_untracked(struct host_visibility *v, uint64_t n);

/* Everything `from` saw, added to `into` (verdict_merge), in address order:
 * when `into` fills, it keeps the lowest addresses, the same in every run.
 * False, with `into` unchanged, when out of memory. */
bool host_visibility_merge(struct host_visibility *into,
			   const struct host_visibility *from);

#endif
