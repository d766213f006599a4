/* decode.h - turns captured frames into struct packet.
 *
 * One decoder per layer (decode_ethernet.c, decode_ipv4.c, decode_gre.c, ...),
 * all of the same shape, each handing the rest of the frame to the next. A
 * depth counter stops runaway nesting. Every way a frame can be malformed has
 * a named counter so a report can say why packets were skipped; a malformed
 * frame is counted and dropped, never read past its end.
 *
 * A frame can yield more than one packet for the flow table: a VXLAN or
 * Geneve frame is both a packet of the outer UDP flow and of the inner flow
 * (as Zeek logs both). IPv4/IPv6 fragments are held and reassembled, so a
 * fragmented datagram reaches its flow once, whole.
 */
#ifndef FLOWAUDIT_DECODE_H
#define FLOWAUDIT_DECODE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "packet.h"

/* Named reasons a frame was not (fully) decoded. Keep in step with
 * decode_reason_name(). */
enum decode_reason {
	DR_LINK_UNSUPPORTED,
	DR_ETHERNET_SHORT,
	DR_VLAN_SHORT,
	DR_MPLS_SHORT,
	DR_PPPOE_SHORT,
	DR_PPP_SHORT,
	DR_SLL_SHORT,
	DR_SLL2_SHORT,
	DR_NULL_SHORT,
	DR_NULL_UNKNOWN_FAMILY,
	DR_RAW_BAD_VERSION,
	DR_ENCAP_TOO_DEEP,
	DR_IPV4_SHORT,
	DR_IPV4_BAD_VERSION,
	DR_IPV4_BAD_HLEN,
	DR_IPV4_BAD_TOTAL_LEN,
	DR_IPV4_TRUNCATED,
	DR_IPV4_BAD_CHECKSUM,
	DR_IPV6_SHORT,
	DR_IPV6_BAD_VERSION,
	DR_IPV6_TRUNCATED,
	DR_IPV6_BAD_EXT_HEADER,
	DR_IPV6_EXT_CHAIN_TOO_LONG,
	DR_FRAG_BAD_OFFSET,
	DR_FRAG_TABLE_FULL,
	DR_FRAG_TOO_MANY_PIECES,
	DR_FRAG_INCOMPLETE,
	DR_FRAG_ORPHAN,
	DR_TCP_SHORT,
	DR_TCP_BAD_OFFSET,
	DR_TCP_BAD_CHECKSUM,
	DR_UDP_SHORT,
	DR_UDP_BAD_LENGTH,
	DR_UDP_BAD_CHECKSUM,
	DR_ICMP_SHORT,
	DR_ICMPV6_SHORT,
	DR_ICMP_BAD_QUOTE,
	DR_GRE_SHORT,
	DR_GRE_BAD_VERSION,
	DR_ERSPAN_SHORT,
	DR_VXLAN_SHORT,
	DR_GENEVE_SHORT,
	DR_COUNT
};

const char *decode_reason_name(enum decode_reason r);

/* Which reasons drop the frame (malformed) and which are notes about a frame
 * that was still used (a bad ICMP quote, an incomplete fragment train). */
bool decode_reason_is_drop(enum decode_reason r);

struct decode_stats {
	uint64_t frames;          /* frames handed to the decoder */
	uint64_t ip_packets;      /* packets that reached the flow table */
	uint64_t non_ip;          /* ARP, LLDP, STP, ... : counted, not malformed */
	uint64_t unknown_transport; /* IP protocols other than TCP/UDP/ICMP */
	uint64_t fragments;       /* IP fragments seen */
	uint64_t reassembled;     /* datagrams rebuilt from fragments */
	uint64_t reasons[DR_COUNT];
};

struct decoder_options {
	bool validate_checksums;  /* drop bad IPv4 headers, mark bad TCP/UDP */
	unsigned max_depth;       /* encapsulation layers before giving up
				   * (at most DECODE_DEPTH_LIMIT) */
	unsigned frag_datagrams;  /* datagrams reassembled at once */
	uint64_t frag_timeout_us; /* incomplete datagrams are given up after */
};

/* Each encapsulation layer is decoded a call deeper: whatever max_depth
 * asks, the stack a frame can make the decoder use is bounded by this. */
#define DECODE_DEPTH_LIMIT 32

void decoder_options_default(struct decoder_options *o);

enum decode_result {
	DECODE_OK,        /* *nout packets are ready for the flow table */
	DECODE_NON_IP,    /* counted, nothing to track */
	DECODE_MALFORMED, /* counted under a reason, dropped */
	DECODE_HELD,      /* a fragment kept for reassembly */
};

#define DECODE_MAX_OUT 4

struct decoder;

struct decoder *decoder_new(const struct decoder_options *o);
void decoder_free(struct decoder *d);

/* True when decode_frame() understands this libpcap link type. */
bool decoder_supports_linktype(int linktype);
const char *decoder_linktype_name(int linktype);

/* Decodes one frame. out[] receives up to DECODE_MAX_OUT packets (outer
 * tunnel flows first, the innermost last); they point into data or into
 * the reassembly buffers and stay valid until the next call (of this or
 * decoder_expire). */
enum decode_result decode_frame(struct decoder *d, int linktype,
				const uint8_t *data, uint32_t caplen,
				uint32_t wirelen, uint64_t ts_us,
				uint64_t number, struct packet out[DECODE_MAX_OUT],
				int *nout);

/* Gives up fragment trains idle past the timeout at time now. When the first
 * fragment of a train was seen, its flow still gets the datagram (cut short)
 * in *out and true is returned; call again until false. At the end of input
 * pass now = UINT64_MAX. *out points into a reassembly buffer, valid until
 * the next call (of this or decode_frame). */
bool decoder_expire(struct decoder *d, uint64_t now, struct packet *out);

const struct decode_stats *decoder_stats(const struct decoder *d);

#endif
