/* decode_gre.c - GRE (RFC 2784/2890), PPTP's enhanced GRE (RFC 2637) and the
 * ERSPAN type II and III mirror headers carried in it. */
#include "decode_internal.h"

#define GRE_CHECKSUM 0x8000
#define GRE_ROUTING 0x4000
#define GRE_KEY 0x2000
#define GRE_SEQ 0x1000
#define GRE_ACK_V1 0x0080
#define GRE_VERSION 0x0007

#define GRE_PROTO_TEB 0x6558     /* transparent Ethernet bridging */
#define GRE_PROTO_ERSPAN2 0x88be /* type I when the sequence bit is clear */
#define GRE_PROTO_ERSPAN3 0x22eb
#define GRE_PROTO_PPP 0x880b

#define ERSPAN3_OPTIONAL_SUBHEADER 0x0001
#define ERSPAN3_FRAME_IP 2

static enum decode_result decode_erspan2(struct frame *f, struct cursor c)
{
	uint16_t session;

	if (!peek_u16(&c, 2, &session) || !skip(&c, 8))
		return frame_malformed(f, DR_ERSPAN_SHORT);
	frame_enter_tunnel(f, TUNNEL_ERSPAN2, session & 0x03ff);
	return decode_ethernet(f, c);
}

static enum decode_result decode_erspan3(struct frame *f, struct cursor c)
{
	uint16_t session, flags;

	if (!peek_u16(&c, 2, &session) || !peek_u16(&c, 10, &flags) ||
	    !skip(&c, 12))
		return frame_malformed(f, DR_ERSPAN_SHORT);
	if ((flags & ERSPAN3_OPTIONAL_SUBHEADER) && !skip(&c, 8))
		return frame_malformed(f, DR_ERSPAN_SHORT);
	frame_enter_tunnel(f, TUNNEL_ERSPAN3, session & 0x03ff);
	if (((flags >> 10) & 0x1f) == ERSPAN3_FRAME_IP)
		return decode_raw(f, c);
	return decode_ethernet(f, c);
}

/* Skips the deprecated source-route entries of RFC 1701. */
static bool skip_routing(struct cursor *c)
{
	for (unsigned n = 0; n < 64; n++) {
		uint16_t family;
		uint8_t len;
		if (!take_u16(c, &family) || !skip(c, 1) || !take_u8(c, &len))
			return false;
		if (family == 0 && len == 0)
			return true;
		if (!skip(c, len))
			return false;
	}
	return false;
}

enum decode_result decode_gre(struct frame *f, struct cursor c)
{
	uint16_t flags, proto;
	uint32_t key = 0;

	if (!frame_descend(f))
		return frame_malformed(f, DR_ENCAP_TOO_DEEP);
	if (!take_u16(&c, &flags) || !take_u16(&c, &proto))
		return frame_malformed(f, DR_GRE_SHORT);

	unsigned version = flags & GRE_VERSION;
	if (version > 1 || (version == 1 && !(flags & GRE_KEY)))
		return frame_malformed(f, DR_GRE_BAD_VERSION);
	if ((flags & (GRE_CHECKSUM | GRE_ROUTING)) && !skip(&c, 4))
		return frame_malformed(f, DR_GRE_SHORT);
	if ((flags & GRE_KEY) && !take_u32(&c, &key))
		return frame_malformed(f, DR_GRE_SHORT);
	if ((flags & GRE_SEQ) && !skip(&c, 4))
		return frame_malformed(f, DR_GRE_SHORT);
	if (version == 1 && (flags & GRE_ACK_V1) && !skip(&c, 4))
		return frame_malformed(f, DR_GRE_SHORT);
	if (version == 0 && (flags & GRE_ROUTING) && !skip_routing(&c))
		return frame_malformed(f, DR_GRE_SHORT);
	if (version == 1)
		key &= 0xffff;  /* PPTP: the call id */

	switch (proto) {
	case GRE_PROTO_ERSPAN2:
		if (!(flags & GRE_SEQ)) {  /* ERSPAN type I: no header */
			frame_enter_tunnel(f, TUNNEL_ERSPAN2, 0);
			return decode_ethernet(f, c);
		}
		return decode_erspan2(f, c);
	case GRE_PROTO_ERSPAN3:
		return decode_erspan3(f, c);
	case GRE_PROTO_TEB:
		frame_enter_tunnel(f, TUNNEL_GRE, key);
		return decode_ethernet(f, c);
	case GRE_PROTO_PPP:
		frame_enter_tunnel(f, TUNNEL_GRE, key);
		return decode_ppp(f, c);
	default:
		frame_enter_tunnel(f, TUNNEL_GRE, key);
		return decode_ethertype(f, proto, c);
	}
}
