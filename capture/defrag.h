/* defrag.h - bounded IPv4/IPv6 fragment reassembly.
 *
 * A fixed number of datagrams are rebuilt at once, each in a buffer made on
 * first use and kept, so a fragment costs no allocation. Trains idle past the
 * timeout are given up; when full, the oldest train makes room. A fragment is
 * never a flow of its own: the rebuilt datagram goes to its flow, whole.
 *
 * A rebuilt datagram is read in place, in its train's buffer, and what it
 * carries may itself be a fragment (a tunnel inside a fragmented datagram).
 * So a buffer handed out is pinned: no train takes it over until
 * defrag_begin() says its reader is done (the decoder calls it as each frame
 * starts). Fragments always copy from memory no train will overwrite.
 */
#ifndef FLOWAUDIT_DEFRAG_H
#define FLOWAUDIT_DEFRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

struct defrag;

struct frag_key {
	uint8_t ip_version;
	uint8_t proto;
	uint32_t id;
	struct ip_addr src, dst;
	uint16_t vlan, inner_vlan;
	uint8_t tunnel_type;
	uint32_t tunnel_id;
};

enum defrag_result {
	DEFRAG_HELD,
	DEFRAG_COMPLETE,
	DEFRAG_BAD_OFFSET,
	DEFRAG_TOO_MANY_PIECES,
	DEFRAG_NO_TRAIN,  /* every train's buffer is pinned (or none could be made) */
};

struct defrag *defrag_new(unsigned max_trains, uint64_t timeout_us);
void defrag_free(struct defrag *d);

/* Unpins every buffer handed out so far: the datagrams defrag_add and
 * defrag_expire returned are no longer read. */
void defrag_begin(struct defrag *d);

/* Adds one fragment (offset and len in bytes of the IP payload). tmpl is the
 * packet as decoded up to the IP header; the first fragment's is kept and
 * handed back with the datagram. On DEFRAG_COMPLETE *tmpl, *data and *len
 * describe the whole IP payload; *data stays valid (its train pinned)
 * until defrag_begin(). frag may point into such a pinned buffer. */
enum defrag_result defrag_add(struct defrag *d, const struct frag_key *key,
			      uint64_t now, uint32_t offset, bool more,
			      const uint8_t *frag, uint32_t len,
			      struct packet *tmpl, const uint8_t **data,
			      uint32_t *data_len, unsigned *evicted);

/* Gives up one train idle past the timeout at time now (UINT64_MAX: all).
 * *tmpl has ip_version 0 when its first fragment never came; otherwise *data
 * and *len hold the bytes received from offset 0 on, *wire_len the
 * datagram's length as far as known, and tmpl->ts_us the time of the train's
 * latest fragment. *data stays valid until defrag_begin(), as above. */
bool defrag_expire(struct defrag *d, uint64_t now, struct packet *tmpl,
		   const uint8_t **data, uint32_t *len, uint32_t *wire_len);

#endif
