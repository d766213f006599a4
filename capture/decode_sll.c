/* decode_sll.c - link headers without Ethernet: Linux cooked v1 and v2,
 * BSD null/loopback, and raw IP. */
#include "decode_internal.h"

/* Address families of the BSD null header: each BSD spells AF_INET6 its own
 * way, and captures travel between systems. */
#define BSD_AF_INET 2
#define BSD_AF_INET6_LINUX 10
#define BSD_AF_INET6_NETBSD 24
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30

/* Linux cooked v1: type(2) arphrd(2) addrlen(2) addr(8) protocol(2). */
enum decode_result decode_sll(struct frame *f, struct cursor c)
{
	uint16_t proto;

	if (!peek_u16(&c, 14, &proto) || !skip(&c, 16))
		return frame_malformed(f, DR_SLL_SHORT);
	return decode_ethertype(f, proto, c);
}

/* Linux cooked v2: protocol(2) reserved(2) ifindex(4) arphrd(2) type(1)
 * addrlen(1) addr(8). */
enum decode_result decode_sll2(struct frame *f, struct cursor c)
{
	uint16_t proto;

	if (!peek_u16(&c, 0, &proto) || !skip(&c, 20))
		return frame_malformed(f, DR_SLL2_SHORT);
	return decode_ethertype(f, proto, c);
}

static enum decode_result decode_family(struct frame *f, uint32_t family,
					struct cursor c)
{
	switch (family) {
	case BSD_AF_INET:
		return decode_ipv4(f, c);
	case BSD_AF_INET6_LINUX:
	case BSD_AF_INET6_NETBSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		return decode_ipv6(f, c);
	default:
		return frame_malformed(f, DR_NULL_UNKNOWN_FAMILY);
	}
}

/* DLT_NULL: the family is in the capturing host's byte order. A value with
 * its low 16 bits clear was written big-endian. */
enum decode_result decode_null(struct frame *f, struct cursor c)
{
	uint32_t family;

	if (!peek_u32_le(&c, 0, &family) || !skip(&c, 4))
		return frame_malformed(f, DR_NULL_SHORT);
	if ((family & 0xffff) == 0)
		family >>= 24;
	return decode_family(f, family, c);
}

/* DLT_LOOP (OpenBSD): the family in network byte order. */
enum decode_result decode_loop(struct frame *f, struct cursor c)
{
	uint32_t family;

	if (!take_u32(&c, &family))
		return frame_malformed(f, DR_NULL_SHORT);
	return decode_family(f, family, c);
}

enum decode_result decode_raw(struct frame *f, struct cursor c)
{
	uint8_t first;

	if (!peek_u8(&c, 0, &first))
		return frame_malformed(f, DR_IPV4_SHORT);
	switch (first >> 4) {
	case 4:
		return decode_ipv4(f, c);
	case 6:
		return decode_ipv6(f, c);
	default:
		return frame_malformed(f, DR_RAW_BAD_VERSION);
	}
}
