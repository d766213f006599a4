/* decode_ipv6.c - IPv6 header, extension header chain, fragments (RFC 8200). */
#include <string.h>

#include "decode_internal.h"

#define IP6_HOPOPTS 0
#define IP6_ROUTING 43
#define IP6_FRAGMENT 44
#define IP6_AH 51
#define IP6_DSTOPTS 60
#define IP6_MOBILITY 135
#define IP6_HIP 139
#define IP6_SHIM6 140
#define IP6_EXPERIMENT1 253
#define IP6_EXPERIMENT2 254

/* Real traffic rarely carries more than three; a longer chain is an attack. */
#define MAX_EXT_HEADERS 16

static bool is_extension_header(uint8_t nh)
{
	switch (nh) {
	case IP6_HOPOPTS:
	case IP6_ROUTING:
	case IP6_DSTOPTS:
	case IP6_AH:
	case IP6_MOBILITY:
	case IP6_HIP:
	case IP6_SHIM6:
	case IP6_EXPERIMENT1:
	case IP6_EXPERIMENT2:
		return true;
	default:
		return false;
	}
}

/* Where the walk along the extension header chain is: the type of the next
 * header, the bytes from it on, and how many of them the packet says it has
 * (more than c.len when the capture cut it). */
struct chain {
	uint8_t next;
	struct cursor c;
	uint32_t wire_len;
};

/* Hands one fragment to reassembly. True when the walk goes on in *ch: past
 * an atomic fragment (RFC 6946), in the same packet; past the fragment
 * header of a datagram this fragment completes, in the rebuilt datagram.
 * False when the packet ends here, *r saying how (held, malformed). */
static bool ipv6_fragment(struct frame *f, struct chain *ch,
			  enum decode_result *r)
{
	struct packet *p = f->pkt;
	struct cursor c = ch->c;
	uint8_t next;
	uint16_t off_flags;
	uint32_t id;

	if (!peek_u8(&c, 0, &next) || !peek_u16(&c, 2, &off_flags) ||
	    !peek_u32(&c, 4, &id) || !skip(&c, 8) || ch->wire_len < 8) {
		*r = frame_malformed(f, DR_IPV6_BAD_EXT_HEADER);
		return false;
	}

	uint32_t offset = off_flags & 0xfff8;
	bool more = off_flags & 1;
	if (offset == 0 && !more) {  /* atomic: the chain just goes on */
		ch->next = next;
		ch->c = c;
		ch->wire_len -= 8;
		return true;
	}

	struct frag_key key;
	const uint8_t *data;
	uint32_t len;
	unsigned evicted = 0;

	memset(&key, 0, sizeof(key));
	key.ip_version = 6;
	key.proto = next;
	key.id = id;
	key.src = p->src;
	key.dst = p->dst;
	key.vlan = p->vlan;
	key.inner_vlan = p->inner_vlan;
	key.tunnel_type = p->tunnel_type;
	key.tunnel_id = p->tunnel_id;

	/* Kept with the first fragment: what the datagram carries, as far
	 * as it is known before reassembly. */
	p->ip_proto = next;
	f->dec->stats.fragments++;
	enum defrag_result dr = defrag_add(f->dec->defrag, &key, p->ts_us,
					   offset, more, c.p, (uint32_t)c.len,
					   p, &data, &len, &evicted);
	f->dec->stats.reasons[DR_FRAG_TABLE_FULL] += evicted;
	switch (dr) {
	case DEFRAG_HELD:
		*r = DECODE_HELD;
		return false;
	case DEFRAG_BAD_OFFSET:
		*r = frame_malformed(f, DR_FRAG_BAD_OFFSET);
		return false;
	case DEFRAG_TOO_MANY_PIECES:
		*r = frame_malformed(f, DR_FRAG_TOO_MANY_PIECES);
		return false;
	case DEFRAG_NO_TRAIN:
		*r = frame_malformed(f, DR_FRAG_TABLE_FULL);
		return false;
	case DEFRAG_COMPLETE:
		break;
	}
	f->dec->stats.reassembled++;
	ch->next = next;
	ch->c = cursor_make(data, len);
	ch->wire_len = len;
	return true;
}

/* Skips one extension header other than a fragment header. */
static bool ipv6_skip_extension(struct chain *ch)
{
	uint8_t nh, hlen;

	if (!peek_u8(&ch->c, 0, &nh) || !peek_u8(&ch->c, 1, &hlen))
		return false;
	/* AH counts its length in 4-byte words minus two, the others in
	 * 8-byte words not counting the first. */
	uint32_t len = ch->next == IP6_AH ? ((uint32_t)hlen + 2) * 4 :
					    ((uint32_t)hlen + 1) * 8;
	if (len > ch->wire_len || !skip(&ch->c, len))
		return false;
	ch->wire_len -= len;
	ch->next = nh;
	return true;
}

/* Walks the extension headers from ch until a transport header: one loop,
 * one count for the whole chain, fragment headers (atomic or not) and the
 * headers of a rebuilt datagram included, so no input can make the walk
 * longer than MAX_EXT_HEADERS or the stack any deeper. */
static enum decode_result ipv6_chain(struct frame *f, struct chain ch)
{
	for (unsigned n = 0;; n++) {
		if (n >= MAX_EXT_HEADERS)
			return frame_malformed(f, DR_IPV6_EXT_CHAIN_TOO_LONG);
		if (ch.next == IP6_FRAGMENT) {
			enum decode_result r;
			if (!ipv6_fragment(f, &ch, &r))
				return r;
			continue;
		}
		if (!is_extension_header(ch.next))
			break;
		if (!ipv6_skip_extension(&ch))
			return frame_malformed(f, frame_was_cut(f) ?
						  DR_IPV6_SHORT :
						  DR_IPV6_BAD_EXT_HEADER);
	}
	f->pkt->ip_proto = ch.next;
	return decode_transport(f, ch.c, ch.wire_len);
}

enum decode_result decode_ipv6(struct frame *f, struct cursor c)
{
	struct packet *p = f->pkt;
	uint8_t vtc, next, hops;
	uint16_t payload_len;

	if (!cursor_has(&c, 40))
		return frame_malformed(f, DR_IPV6_SHORT);
	peek_u8(&c, 0, &vtc);
	if (vtc >> 4 != 6)
		return frame_malformed(f, DR_IPV6_BAD_VERSION);
	peek_u16(&c, 4, &payload_len);
	peek_u8(&c, 6, &next);
	peek_u8(&c, 7, &hops);

	/* Zero: a jumbogram or segmentation offload; trust the frame. */
	uint32_t plen = payload_len ? payload_len : (uint32_t)(c.len - 40);
	if (40 + plen > c.len && !frame_was_cut(f))
		frame_note(f, DR_IPV6_TRUNCATED);  /* as for IPv4: use what is there */
	p->truncated = 40 + plen > c.len;

	struct cursor ip = cursor_prefix(&c, 40 + plen);
	p->ip_version = 6;
	p->ip_ttl = hops;
	p->ip_len = 40 + plen;
	p->l3 = ip.p;
	p->l3_caplen = (uint32_t)ip.len;
	peek_copy(&ip, 8, 16, p->src.b);
	peek_copy(&ip, 24, 16, p->dst.b);
	skip(&ip, 40);
	struct chain ch = { .next = next, .c = ip, .wire_len = plen };
	return ipv6_chain(f, ch);
}
