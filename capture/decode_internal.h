/* decode_internal.h - shared by the per-layer decoders, private to capture/. */
#ifndef FLOWAUDIT_DECODE_INTERNAL_H
#define FLOWAUDIT_DECODE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "decode.h"
#include "defrag.h"

struct decoder {
	struct decoder_options opt;
	struct decode_stats stats;
	struct defrag *defrag;
};

/* The state of decoding one frame. */
struct frame {
	struct decoder *dec;
	struct packet *pkt;           /* the packet being filled: out[nout] */
	struct packet *out;
	int nout;
	unsigned depth;
};

static inline enum decode_result frame_malformed(struct frame *f,
						 enum decode_reason r)
{
	f->dec->stats.reasons[r]++;
	return DECODE_MALFORMED;
}

static inline void frame_note(struct frame *f, enum decode_reason r)
{
	f->dec->stats.reasons[r]++;
}

/* A frame the snapshot length cut short on purpose (as opposed to one
 * whose headers claim more than it carried). */
static inline bool frame_was_cut(const struct frame *f)
{
	return f->pkt->caplen < f->pkt->wirelen;
}

/* Counts one more encapsulation layer; false once past the cap. */
static inline bool frame_descend(struct frame *f)
{
	f->depth++;
	f->pkt->depth = (uint8_t)(f->depth > 255 ? 255 : f->depth);
	return f->depth <= f->dec->opt.max_depth;
}

/* Link layers. */
enum decode_result decode_ethernet(struct frame *f, struct cursor c);
enum decode_result decode_ethertype(struct frame *f, uint16_t type,
				    struct cursor c);
enum decode_result decode_sll(struct frame *f, struct cursor c);
enum decode_result decode_sll2(struct frame *f, struct cursor c);
enum decode_result decode_null(struct frame *f, struct cursor c);
enum decode_result decode_loop(struct frame *f, struct cursor c);
enum decode_result decode_raw(struct frame *f, struct cursor c);
enum decode_result decode_ppp(struct frame *f, struct cursor c);

/* Network layer. */
enum decode_result decode_ipv4(struct frame *f, struct cursor c);
enum decode_result decode_ipv6(struct frame *f, struct cursor c);

/* Transport layer, given the captured IP payload and its length as the IP
 * header declares it (more than c.len when the capture cut the packet). */
enum decode_result decode_transport(struct frame *f, struct cursor c,
				    uint32_t wire_len);

/* Tunnels. */
enum decode_result decode_gre(struct frame *f, struct cursor c);
enum decode_result decode_vxlan(struct frame *f, struct cursor c);
enum decode_result decode_geneve(struct frame *f, struct cursor c);

/* Called by decode_udp for a UDP tunnel port: keeps the outer UDP packet as a
 * flow packet of its own and starts a fresh packet for the inner frame. False
 * when no room is left for another output packet. */
bool frame_push_outer(struct frame *f);

/* Starts the inner packet of a tunnel: keeps capture facts, clears layers. */
void frame_enter_tunnel(struct frame *f, enum tunnel_type type, uint32_t id);

uint16_t inet_checksum(const uint8_t *data, size_t len, uint32_t sum);
uint32_t inet_checksum_partial(const uint8_t *data, size_t len, uint32_t sum);

#endif
