/* decode_ethernet.c - Ethernet II, 802.1Q/802.1ad VLAN tags, MPLS, PPPoE, PPP. */
#include "decode_internal.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MC 0x8848
#define ETHERTYPE_PPPOE_SESSION 0x8864

#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057

enum decode_result decode_ethernet(struct frame *f, struct cursor c)
{
	uint16_t type;

	if (!skip(&c, 12) || !take_u16(&c, &type))
		return frame_malformed(f, DR_ETHERNET_SHORT);
	if (type < 0x0600)
		return DECODE_NON_IP;  /* 802.3 length field: LLC, STP, ... */
	return decode_ethertype(f, type, c);
}

static void record_vlan(struct packet *p, uint16_t tci)
{
	uint16_t vid = tci & 0x0fff;

	if (p->vlan_count == 0)
		p->vlan = vid;
	else if (p->vlan_count == 1)
		p->inner_vlan = vid;
	if (p->vlan_count < 255)
		p->vlan_count++;
}

static enum decode_result decode_vlan(struct frame *f, struct cursor c)
{
	uint16_t tci, type;

	if (!frame_descend(f))
		return frame_malformed(f, DR_ENCAP_TOO_DEEP);
	if (!take_u16(&c, &tci) || !take_u16(&c, &type))
		return frame_malformed(f, DR_VLAN_SHORT);
	record_vlan(f->pkt, tci);
	return decode_ethertype(f, type, c);
}

/* MPLS does not say what it carries: after the bottom of the label stack an
 * IP version nibble means IP; a zero nibble is the pseudowire control word in
 * front of an Ethernet frame (RFC 4385). */
static enum decode_result decode_mpls(struct frame *f, struct cursor c)
{
	uint32_t entry;
	uint8_t first;

	do {
		if (!frame_descend(f))
			return frame_malformed(f, DR_ENCAP_TOO_DEEP);
		if (!take_u32(&c, &entry))
			return frame_malformed(f, DR_MPLS_SHORT);
	} while (!(entry & 0x100));

	if (!peek_u8(&c, 0, &first))
		return frame_malformed(f, DR_MPLS_SHORT);
	switch (first >> 4) {
	case 4:
		return decode_ipv4(f, c);
	case 6:
		return decode_ipv6(f, c);
	case 0:
		if (!skip(&c, 4))
			return frame_malformed(f, DR_MPLS_SHORT);
		return decode_ethernet(f, c);
	default:
		return decode_ethernet(f, c);
	}
}

static enum decode_result decode_ppp_protocol(struct frame *f, uint16_t proto,
					      struct cursor c)
{
	switch (proto) {
	case PPP_IPV4:
		return decode_ipv4(f, c);
	case PPP_IPV6:
		return decode_ipv6(f, c);
	default:
		return DECODE_NON_IP;  /* LCP, IPCP, CHAP, ... */
	}
}

static enum decode_result decode_pppoe(struct frame *f, struct cursor c)
{
	uint16_t proto;

	if (!frame_descend(f))
		return frame_malformed(f, DR_ENCAP_TOO_DEEP);
	if (!skip(&c, 6) || !take_u16(&c, &proto))
		return frame_malformed(f, DR_PPPOE_SHORT);
	return decode_ppp_protocol(f, proto, c);
}

/* PPP as in HDLC-like framing or in GRE (PPTP): an optional FF 03 address
 * and control field, then a protocol field of one byte when compressed. */
enum decode_result decode_ppp(struct frame *f, struct cursor c)
{
	uint8_t b0, b1;
	uint16_t proto;

	if (!peek_u8(&c, 0, &b0) || !peek_u8(&c, 1, &b1))
		return frame_malformed(f, DR_PPP_SHORT);
	if (b0 == 0xff && b1 == 0x03) {
		skip(&c, 2);
		if (!peek_u8(&c, 0, &b0))
			return frame_malformed(f, DR_PPP_SHORT);
	}
	if (b0 & 1) {
		skip(&c, 1);
		proto = b0;
	} else if (!take_u16(&c, &proto)) {
		return frame_malformed(f, DR_PPP_SHORT);
	}
	return decode_ppp_protocol(f, proto, c);
}

enum decode_result decode_ethertype(struct frame *f, uint16_t type,
				    struct cursor c)
{
	switch (type) {
	case ETHERTYPE_IPV4:
		return decode_ipv4(f, c);
	case ETHERTYPE_IPV6:
		return decode_ipv6(f, c);
	case ETHERTYPE_VLAN:
	case ETHERTYPE_QINQ:
	case ETHERTYPE_QINQ_OLD:
		return decode_vlan(f, c);
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MC:
		return decode_mpls(f, c);
	case ETHERTYPE_PPPOE_SESSION:
		return decode_pppoe(f, c);
	default:
		return DECODE_NON_IP;
	}
}
