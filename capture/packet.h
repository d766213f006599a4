/* packet.h - what the decoders learned about one captured frame.
 *
 * Filled by decode_frame(); read by the flow table and by classify/. A packet
 * never owns memory: payload and l3 point into the capture buffer and are
 * valid only until the next frame is read.
 */
#ifndef FLOWAUDIT_PACKET_H
#define FLOWAUDIT_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/ip_proto.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

/* The tunnel a packet was carried in (innermost one when nested). */
enum tunnel_type {
	TUNNEL_NONE = 0,
	TUNNEL_GRE,
	TUNNEL_ERSPAN2,
	TUNNEL_ERSPAN3,
	TUNNEL_VXLAN,
	TUNNEL_GENEVE,
	TUNNEL_IPIP,   /* IPv4/IPv6 in IPv4/IPv6: 6in4, 4in4, 4in6, 6in6 */
	TUNNEL_GTP,
	TUNNEL_TYPE_COUNT
};

/* The header an ICMP/ICMPv6 error quotes: the packet it reports on. */
struct icmp_quote {
	bool present;
	uint8_t ip_version;
	uint8_t proto;
	struct ip_addr src, dst;
	uint16_t sport, dport;   /* zero when the quote is cut before them */
	bool has_ports;
};

struct packet {
	/* Capture facts. */
	uint64_t ts_us;          /* packet time, microseconds since the epoch */
	uint64_t number;         /* 1-based frame number within its input file */
	uint32_t caplen, wirelen;

	/* Link and encapsulation. */
	uint16_t vlan, inner_vlan;   /* 0 when untagged */
	uint8_t vlan_count;
	uint8_t tunnel_type;         /* enum tunnel_type of the innermost tunnel */
	uint32_t tunnel_id;          /* VNI, GRE key, ERSPAN session */
	uint8_t depth;               /* encapsulation layers walked */

	/* Network layer (innermost IP header). */
	uint8_t ip_version;          /* 4 or 6; 0 when the frame carried no IP */
	uint8_t ip_proto;            /* transport protocol number */
	uint8_t ip_ttl;
	struct ip_addr src, dst;
	uint32_t ip_len;             /* IP total length as the header says */
	const uint8_t *l3;           /* innermost IP header, for DPI */
	uint32_t l3_caplen;          /* bytes of it present in the capture */
	bool ip_checksum_bad;
	bool reassembled;            /* built from IP fragments */
	bool truncated;              /* bytes the headers announce are missing */

	/* Transport layer. */
	bool has_l4;                 /* transport header fully present */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint16_t window;
	uint8_t icmp_type, icmp_code;
	bool l4_checksum_bad;        /* set only when checksums are validated */
	const uint8_t *payload;      /* application bytes present in the capture */
	uint32_t payload_caplen;
	uint32_t payload_len;        /* application bytes as the headers say */

	struct icmp_quote quote;     /* set for ICMP/ICMPv6 error messages */
};

#endif
