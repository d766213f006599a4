/* decode_vxlan.c - the UDP overlays mirror ports carry: VXLAN (RFC 7348,
 * udp/4789) and Geneve (RFC 8926, udp/6081). */
#include "decode_internal.h"

#define VXLAN_FLAG_VNI 0x08
#define GENEVE_PROTO_ETHERNET 0x6558

enum decode_result decode_vxlan(struct frame *f, struct cursor c)
{
	uint8_t flags;
	uint32_t vni;

	if (!frame_descend(f))
		return frame_malformed(f, DR_ENCAP_TOO_DEEP);
	if (!peek_u8(&c, 0, &flags) || !peek_u32(&c, 4, &vni) || !skip(&c, 8))
		return frame_malformed(f, DR_VXLAN_SHORT);
	if (!(flags & VXLAN_FLAG_VNI))
		return DECODE_NON_IP;  /* not VXLAN after all: the outer flow stays */
	frame_enter_tunnel(f, TUNNEL_VXLAN, vni >> 8);
	return decode_ethernet(f, c);
}

enum decode_result decode_geneve(struct frame *f, struct cursor c)
{
	uint8_t ver_optlen;
	uint16_t proto;
	uint32_t vni;

	if (!frame_descend(f))
		return frame_malformed(f, DR_ENCAP_TOO_DEEP);
	if (!peek_u8(&c, 0, &ver_optlen) || !peek_u16(&c, 2, &proto) ||
	    !peek_u32(&c, 4, &vni) || !skip(&c, 8))
		return frame_malformed(f, DR_GENEVE_SHORT);
	if (ver_optlen >> 6 != 0)
		return DECODE_NON_IP;  /* unknown Geneve version */
	if (!skip(&c, (size_t)(ver_optlen & 0x3f) * 4))
		return frame_malformed(f, DR_GENEVE_SHORT);
	frame_enter_tunnel(f, TUNNEL_GENEVE, vni >> 8);
	if (proto == GENEVE_PROTO_ETHERNET)
		return decode_ethernet(f, c);
	return decode_ethertype(f, proto, c);
}
