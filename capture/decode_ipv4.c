/* decode_ipv4.c - IPv4 header, fragments (RFC 791). */
#include <string.h>

#include "decode_internal.h"

#define IPV4_MF 0x2000
#define IPV4_OFFSET_MASK 0x1fff

static enum decode_result ipv4_fragment(struct frame *f, uint16_t id,
					uint16_t frag, struct cursor payload)
{
	struct packet *p = f->pkt;
	struct frag_key key;
	const uint8_t *data;
	uint32_t len;
	unsigned evicted = 0;

	memset(&key, 0, sizeof(key));
	key.ip_version = 4;
	key.proto = p->ip_proto;
	key.id = id;
	key.src = p->src;
	key.dst = p->dst;
	key.vlan = p->vlan;
	key.inner_vlan = p->inner_vlan;
	key.tunnel_type = p->tunnel_type;
	key.tunnel_id = p->tunnel_id;

	f->dec->stats.fragments++;
	enum defrag_result r = defrag_add(f->dec->defrag, &key, p->ts_us,
					  (uint32_t)(frag & IPV4_OFFSET_MASK) * 8,
					  (frag & IPV4_MF) != 0, payload.p,
					  (uint32_t)payload.len, p, &data, &len,
					  &evicted);
	f->dec->stats.reasons[DR_FRAG_TABLE_FULL] += evicted;
	switch (r) {
	case DEFRAG_HELD:
		return DECODE_HELD;
	case DEFRAG_BAD_OFFSET:
		return frame_malformed(f, DR_FRAG_BAD_OFFSET);
	case DEFRAG_TOO_MANY_PIECES:
		return frame_malformed(f, DR_FRAG_TOO_MANY_PIECES);
	case DEFRAG_NO_TRAIN:
		return frame_malformed(f, DR_FRAG_TABLE_FULL);
	case DEFRAG_COMPLETE:
		break;
	}
	f->dec->stats.reassembled++;
	return decode_transport(f, cursor_make(data, len), len);
}

enum decode_result decode_ipv4(struct frame *f, struct cursor c)
{
	struct packet *p = f->pkt;
	uint8_t vhl, ttl, proto;
	uint16_t total_len, id, frag;

	if (!cursor_has(&c, 20))
		return frame_malformed(f, DR_IPV4_SHORT);
	peek_u8(&c, 0, &vhl);
	if (vhl >> 4 != 4)
		return frame_malformed(f, DR_IPV4_BAD_VERSION);

	uint32_t hlen = (uint32_t)(vhl & 0x0f) * 4;
	peek_u16(&c, 2, &total_len);
	peek_u16(&c, 4, &id);
	peek_u16(&c, 6, &frag);
	peek_u8(&c, 8, &ttl);
	peek_u8(&c, 9, &proto);

	/* A zero total length is what TCP segmentation offload leaves in
	 * captures taken on the sending host: trust the frame then. */
	uint32_t ip_len = total_len ? total_len : (uint32_t)c.len;
	if (hlen < 20 || hlen > ip_len)
		return frame_malformed(f, DR_IPV4_BAD_HLEN);
	if (hlen > c.len)
		return frame_malformed(f, frame_was_cut(f) ? DR_IPV4_SHORT
							   : DR_IPV4_BAD_HLEN);
	/* A frame shorter than its IP header says, though not cut by the
	 * snapshot length: the writer lost bytes. What is there is still
	 * evidence, so use it as a cut packet and note it. */
	if (ip_len > c.len && !frame_was_cut(f))
		frame_note(f, DR_IPV4_TRUNCATED);
	p->truncated = ip_len > c.len;
	if (f->dec->opt.validate_checksums &&
	    inet_checksum(c.p, hlen, 0) != 0)
		return frame_malformed(f, DR_IPV4_BAD_CHECKSUM);

	struct cursor ip = cursor_prefix(&c, ip_len);  /* drops link padding */
	p->ip_version = 4;
	p->ip_proto = proto;
	p->ip_ttl = ttl;
	p->ip_len = ip_len;
	p->l3 = ip.p;
	p->l3_caplen = (uint32_t)ip.len;
	memset(&p->src, 0, sizeof(p->src));
	memset(&p->dst, 0, sizeof(p->dst));
	peek_copy(&ip, 12, 4, p->src.b);
	peek_copy(&ip, 16, 4, p->dst.b);
	skip(&ip, hlen);

	if (frag & (IPV4_MF | IPV4_OFFSET_MASK))
		return ipv4_fragment(f, id, frag, ip);
	return decode_transport(f, ip, ip_len - hlen);
}
