/* ip_proto.h - IP protocol numbers the project names, and their names. */
#ifndef FLOWAUDIT_COMMON_IP_PROTO_H
#define FLOWAUDIT_COMMON_IP_PROTO_H

#include <stdint.h>

#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define IP_PROTO_ICMPV6 58

/* "tcp", "udp" or "icmp" (ICMPv6 too); `other` for any other protocol. */
const char *ip_proto_name(uint8_t proto, const char *other);

#endif
