/* flow_record.h - a finished flow as the rest of flowaudit sees it.
 *
 * capture/ hands one record to its consumer when a flow ends (idle timeout,
 * close, reuse of its tuple, eviction, or the end of input). Field names
 * follow Zeek's conn.log so a record reads like a conn.log line. Records are
 * plain values: nothing in them points into capture/'s tables.
 */
#ifndef FLOWAUDIT_FLOW_RECORD_H
#define FLOWAUDIT_FLOW_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

enum flow_end_reason {
	FLOW_END_IDLE,      /* no packet for the idle timeout */
	FLOW_END_CLOSED,    /* TCP close or reset, after a short linger */
	FLOW_END_REUSED,    /* a new connection took its tuple */
	FLOW_END_EVICTED,   /* the table was full: finished early */
	FLOW_END_INPUT,     /* the capture ended with the flow still open */
};

const char *flow_end_reason_name(enum flow_end_reason r);

/* What each side was seen doing (TCP flags and data). */
#define SAW_SYN 0x01
#define SAW_SYNACK 0x02
#define SAW_FIN 0x04
#define SAW_RST 0x08
#define SAW_DATA 0x10
/* An ACK on a packet that is neither SYN nor RST: the side acknowledged
 * something of its peer's. A client that only ever sent SYNs never did. */
#define SAW_ACK 0x20

/* Which sides the capture carried packets from (docs/verdicts.md, what the
 * capture can prove): a mirror often shows one direction only. */
enum flow_seen {
	FLOW_SEEN_BOTH,
	FLOW_SEEN_ORIG_ONLY,   /* nothing from the responder */
	FLOW_SEEN_RESP_ONLY,   /* nothing from the originator (e.g. its
				  SYN-ACK and data only) */
};

/* "both", "orig", "resp". */
const char *flow_seen_name(enum flow_seen s);

struct flow_side {
	uint64_t pkts;
	uint64_t ip_bytes;       /* IP total lengths */
	uint64_t bytes;          /* Zeek's orig_bytes/resp_bytes */
	uint64_t payload_bytes;  /* application bytes seen in packets */
	uint32_t syns;           /* SYN packets sent */
	uint8_t saw;             /* SAW_* */
	/* TCP: bytes of this side's stream the peer acknowledged that the
	 * capture never carried (content gaps, history G/g). */
	uint64_t missed_bytes;
};

#define FLOW_UID_LEN 20
#define COMMUNITY_ID_LEN 32

struct flow_record {
	uint64_t serial;         /* creation order within the run */
	char uid[FLOW_UID_LEN];
	char community_id[COMMUNITY_ID_LEN];

	uint8_t ip_version;
	uint8_t proto;           /* IP protocol number */
	struct ip_addr orig_h, resp_h;
	uint16_t orig_p, resp_p; /* ICMP: type and code/counterpart, as Zeek */
	uint16_t vlan, inner_vlan;
	uint8_t tunnel_type;     /* enum tunnel_type */
	uint32_t tunnel_id;

	uint64_t first_us, last_us;
	struct flow_side orig, resp;
	/* Zeek's missed_bytes: orig.missed_bytes + resp.missed_bytes. */
	uint64_t missed_bytes;
	const char *conn_state;  /* Zeek conn_state */
	char history[24];        /* Zeek history, "" when none */
	bool flipped;            /* the first packet came from the responder */

	/* What the capture can prove (docs/verdicts.md). */
	enum flow_seen seen;
	/* TCP: the originator's own packets show it was answered by packets
	 * the capture does not hold: it acknowledged a SYN-ACK never captured
	 * or sent data after its SYN with no SYN-ACK captured, or it
	 * acknowledged responder data beyond what the capture carried (Zeek:
	 * possible split routing). Never set by the responder's packets. */
	bool answered_unseen;
	enum flow_end_reason end;

	/* ICMP errors that quoted a packet of this flow. */
	uint32_t icmp_errors;
	uint8_t icmp_error_type, icmp_error_code;

	/* This flow is itself an ICMP error; quoted_uid names the flow it
	 * reports on when that flow was being tracked. */
	bool is_icmp_error;
	char quoted_uid[FLOW_UID_LEN];
};

/* What the flow table did with one packet, as the consumer of packets
 * (classify/) needs to know it. */
struct flow_update {
	uint32_t slot;       /* stable while the flow lives: index for side tables */
	bool created;        /* first packet of the flow */
	bool from_orig;      /* sent by the originator */
	bool want_packets;   /* the consumer still asks for this flow's packets */
	bool quotes_flow;    /* an ICMP error that quoted a tracked flow */
	uint32_t quoted_slot;
};

/* Server ports a deployment names (the services of the rules an audit
 * enforces): a bit per TCP and per UDP port, 16 KiB in all. */
struct server_ports {
	uint64_t tcp[65536 / 64];
	uint64_t udp[65536 / 64];
};

/* A range wider than this is not taken as server ports: one that wide
 * (RPC's dynamic 49152-65535) holds clients' ephemeral ports as well. */
#define SERVER_PORTS_MAX_RANGE 1024

/* Adds ports lo..hi of TCP or UDP; false (nothing added) for another
 * protocol or a range wider than SERVER_PORTS_MAX_RANGE. */
bool server_ports_add(struct server_ports *s, uint8_t ip_proto, uint16_t lo,
		      uint16_t hi);

/* Zeek's likely_server_ports idea: well-known ports but the few that are a
 * protocol's client side (DHCP's udp/68, DHCPv6's udp/546, FTP's active data
 * tcp/20), registered service and tunnel ports, and those of extra (may be
 * NULL). Decides who is the responder when a flow is picked up mid-stream. */
bool port_is_likely_server(const struct server_ports *extra, uint8_t ip_proto,
			   uint16_t port);

#endif
