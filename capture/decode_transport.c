/* decode_transport.c - TCP, UDP, ICMP, ICMPv6 and IP-in-IP dispatch. */
#include <string.h>

#include "decode_internal.h"

#define IP_PROTO_IPIP 4
#define IP_PROTO_IPV6 41
#define IP_PROTO_GRE 47

#define UDP_PORT_VXLAN 4789
#define UDP_PORT_GENEVE 6081

static void set_payload(struct packet *p, struct cursor c, uint32_t wire_len)
{
	p->payload = c.p;
	p->payload_caplen = (uint32_t)(c.len < wire_len ? c.len : wire_len);
	p->payload_len = wire_len;
}

/* Sum of the IPv4/IPv6 pseudo-header (RFC 768, RFC 8200 8.1). */
static uint32_t pseudo_header_sum(const struct packet *p, uint32_t l4_len)
{
	unsigned alen = p->ip_version == 4 ? 4 : 16;
	uint32_t sum = inet_checksum_partial(p->src.b, alen, 0);
	sum = inet_checksum_partial(p->dst.b, alen, sum);
	sum += p->ip_proto;
	sum += l4_len & 0xffff;
	sum += l4_len >> 16;
	return sum;
}

/* Only a complete segment can be checked; a cut one is given the benefit. */
static bool l4_checksum_bad(const struct frame *f, const uint8_t *l4,
			    uint32_t caplen, uint32_t wire_len)
{
	if (!f->dec->opt.validate_checksums || caplen < wire_len)
		return false;
	return inet_checksum(l4, wire_len, pseudo_header_sum(f->pkt, wire_len)) != 0;
}

static enum decode_result decode_tcp(struct frame *f, struct cursor c,
				     uint32_t wire_len)
{
	struct packet *p = f->pkt;
	const uint8_t *l4 = c.p;
	uint32_t l4_caplen = (uint32_t)c.len;
	uint8_t off, flags;

	if (wire_len < 20 || !cursor_has(&c, 20))
		return frame_malformed(f, DR_TCP_SHORT);
	peek_u8(&c, 12, &off);
	peek_u8(&c, 13, &flags);
	uint32_t doff = (uint32_t)(off >> 4) * 4;
	if (doff < 20 || doff > wire_len)
		return frame_malformed(f, DR_TCP_BAD_OFFSET);
	if (doff > c.len)
		return frame_malformed(f, DR_TCP_SHORT);

	take_u16(&c, &p->sport);
	take_u16(&c, &p->dport);
	take_u32(&c, &p->seq);
	take_u32(&c, &p->ack);
	skip(&c, 2);
	take_u16(&c, &p->window);
	skip(&c, doff - 16);
	p->tcp_flags = flags;
	p->has_l4 = true;
	set_payload(p, c, wire_len - doff);
	p->l4_checksum_bad = l4_checksum_bad(f, l4, l4_caplen, wire_len);
	if (p->l4_checksum_bad)
		frame_note(f, DR_TCP_BAD_CHECKSUM);
	return DECODE_OK;
}

static enum decode_result udp_tunnel(struct frame *f, uint16_t dport,
				     struct cursor payload)
{
	if (!frame_push_outer(f))
		return frame_malformed(f, DR_ENCAP_TOO_DEEP);
	if (dport == UDP_PORT_VXLAN)
		return decode_vxlan(f, payload);
	return decode_geneve(f, payload);
}

static enum decode_result decode_udp(struct frame *f, struct cursor c,
				     uint32_t wire_len)
{
	struct packet *p = f->pkt;
	const uint8_t *l4 = c.p;
	uint32_t l4_caplen = (uint32_t)c.len;
	uint16_t ulen, cksum;

	if (wire_len < 8 || !cursor_has(&c, 8))
		return frame_malformed(f, DR_UDP_SHORT);
	take_u16(&c, &p->sport);
	take_u16(&c, &p->dport);
	take_u16(&c, &ulen);
	take_u16(&c, &cksum);
	if (ulen == 0 && p->ip_version == 6)
		ulen = (uint16_t)(wire_len > 0xffff ? 0xffff : wire_len);
	/* A truncated datagram (lost bytes, a fragment train given up) may
	 * announce more than arrived; anything else claiming more is bad. */
	if (ulen < 8 || (ulen > wire_len && !p->truncated))
		return frame_malformed(f, DR_UDP_BAD_LENGTH);
	p->has_l4 = true;
	set_payload(p, c, ulen - 8u);
	/* An IPv4 UDP checksum of zero means "not computed". */
	if (!(p->ip_version == 4 && cksum == 0) &&
	    l4_checksum_bad(f, l4, l4_caplen, ulen)) {
		p->l4_checksum_bad = true;
		frame_note(f, DR_UDP_BAD_CHECKSUM);
	}
	if ((p->dport == UDP_PORT_VXLAN || p->dport == UDP_PORT_GENEVE) &&
	    !p->l4_checksum_bad)
		return udp_tunnel(f, p->dport, cursor_prefix(&c, ulen - 8u));
	return DECODE_OK;
}

static bool icmp_is_error(uint8_t version, uint8_t type)
{
	if (version == 4)
		return type == 3 || type == 4 || type == 5 || type == 11 ||
		       type == 12;
	return type >= 1 && type <= 4;
}

/* Reads the IP header and first transport bytes an ICMP error quotes. */
static bool decode_quote(struct icmp_quote *q, struct cursor c)
{
	uint8_t vhl, proto;

	memset(q, 0, sizeof(*q));
	if (!peek_u8(&c, 0, &vhl))
		return false;
	if (vhl >> 4 == 4) {
		uint32_t hlen = (uint32_t)(vhl & 0x0f) * 4;
		if (hlen < 20 || !cursor_has(&c, hlen))
			return false;
		peek_u8(&c, 9, &proto);
		peek_copy(&c, 12, 4, q->src.b);
		peek_copy(&c, 16, 4, q->dst.b);
		q->ip_version = 4;
		skip(&c, hlen);
	} else if (vhl >> 4 == 6) {
		if (!cursor_has(&c, 40))
			return false;
		peek_u8(&c, 6, &proto);
		peek_copy(&c, 8, 16, q->src.b);
		peek_copy(&c, 24, 16, q->dst.b);
		q->ip_version = 6;
		skip(&c, 40);
	} else {
		return false;
	}
	q->proto = proto;
	q->present = true;
	if ((proto == IP_PROTO_TCP || proto == IP_PROTO_UDP) &&
	    peek_u16(&c, 0, &q->sport) && peek_u16(&c, 2, &q->dport))
		q->has_ports = true;
	return true;
}

static enum decode_result decode_icmp(struct frame *f, struct cursor c,
				      uint32_t wire_len)
{
	struct packet *p = f->pkt;
	enum decode_reason short_reason =
		p->ip_version == 4 ? DR_ICMP_SHORT : DR_ICMPV6_SHORT;

	if (wire_len < 4 || !cursor_has(&c, 4))
		return frame_malformed(f, short_reason);
	take_u8(&c, &p->icmp_type);
	take_u8(&c, &p->icmp_code);
	p->has_l4 = true;
	if (!skip(&c, 6)) {  /* checksum and the 4 type-specific bytes */
		/* Only type and code: still a packet of its flow. */
		set_payload(p, cursor_make(c.p, 0), 0);
		return DECODE_OK;
	}
	set_payload(p, c, wire_len >= 8 ? wire_len - 8 : 0);
	if (icmp_is_error(p->ip_version, p->icmp_type) &&
	    !decode_quote(&p->quote, c))
		frame_note(f, DR_ICMP_BAD_QUOTE);
	return DECODE_OK;
}

static enum decode_result decode_ip_in_ip(struct frame *f, uint8_t proto,
					  struct cursor c)
{
	if (!frame_descend(f))
		return frame_malformed(f, DR_ENCAP_TOO_DEEP);
	frame_enter_tunnel(f, TUNNEL_IPIP, 0);
	return proto == IP_PROTO_IPIP ? decode_ipv4(f, c) : decode_ipv6(f, c);
}

enum decode_result decode_transport(struct frame *f, struct cursor c,
				    uint32_t wire_len)
{
	struct packet *p = f->pkt;

	if (c.len > wire_len)
		c.len = wire_len;
	switch (p->ip_proto) {
	case IP_PROTO_TCP:
		return decode_tcp(f, c, wire_len);
	case IP_PROTO_UDP:
		return decode_udp(f, c, wire_len);
	case IP_PROTO_ICMP:
		if (p->ip_version != 4)
			break;
		return decode_icmp(f, c, wire_len);
	case IP_PROTO_ICMPV6:
		if (p->ip_version != 6)
			break;
		return decode_icmp(f, c, wire_len);
	case IP_PROTO_IPIP:
	case IP_PROTO_IPV6:
		return decode_ip_in_ip(f, p->ip_proto, c);
	case IP_PROTO_GRE:
		return decode_gre(f, c);
	default:
		break;
	}
	/* Any other protocol is still a flow between two hosts. */
	f->dec->stats.unknown_transport++;
	set_payload(p, c, wire_len);
	return DECODE_OK;
}
