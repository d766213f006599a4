/* ip_proto.c - protocol names (see ip_proto.h). */
#include "ip_proto.h"

const char *ip_proto_name(uint8_t proto, const char *other)
{
	switch (proto) {
	case IP_PROTO_TCP:
		return "tcp";
	case IP_PROTO_UDP:
		return "udp";
	case IP_PROTO_ICMP:
	case IP_PROTO_ICMPV6:
		return "icmp";
	default:
		return other;
	}
}
