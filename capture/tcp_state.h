/* tcp_state.h - TCP endpoint states and connection history as Zeek keeps them.
 *
 * The flow table feeds every TCP packet of a flow through tcp_packet(); at the
 * end tcp_conn_state() names the connection's fate with Zeek's conn_state
 * (S0, S1, SF, REJ, ...) and the history letters explain how it got there, so
 * security teams read our flows exactly as they read a Zeek conn.log.
 *
 * Endpoints are indexed by the side of the flow key (0 = lower address), not
 * by role, so a role flip (Zeek's "^") only changes which side originates.
 */
#ifndef FLOWAUDIT_TCP_STATE_H
#define FLOWAUDIT_TCP_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

enum tcp_endpoint_state {
	EP_INACTIVE,
	EP_SYN_SENT,
	EP_SYN_ACK_SENT,
	EP_PARTIAL,
	EP_ESTABLISHED,
	EP_CLOSED,
	EP_RESET,
};

/* Segments seen beyond a hole in a stream, kept (as ranges, never bytes)
 * until the peer acknowledges past them. */
#define TCP_HELD_RANGES 2

struct tcp_byte_range {
	uint32_t lo, hi;        /* [lo, hi), relative to start_seq */
};

/* What one endpoint's stream needs only once it does something out of the
 * ordinary: a hole, a content gap, a FIN, a retransmission, a zero window,
 * a bad checksum, content no longer tracked. Held ranges lie past a hole;
 * when the peer acknowledges beyond what was seen, the difference is a
 * content gap ("G"/"g") and counts in missed_bytes.
 *
 * Kept apart from struct tcp_endpoint, in a table of its own that the
 * caller indexes like its connections, and written only once the stream
 * has such a thing to remember (tcp_endpoint.content_live): a SYN flood, a
 * scan or a stream whose data all arrives in order never touches it, so
 * its pages never become resident. Positions are 32-bit: a stream tracked
 * past 4 GiB stops being tracked (skip_content), its gaps then
 * undercounted, never invented. */
struct tcp_stream {
	uint32_t fin_seq;       /* one past the FIN, relative; 0 before one */
	/* The last FIN's number, relative: a repeat with the same number
	 * adds no history letter. */
	uint32_t hist_last_fin;
	/* Events whose history letter repeats at 1, 10, 100, ... */
	uint32_t rexmit_count, zero_window_count, bad_checksum_count;
	uint32_t gap_count;
	uint32_t missed_bytes;  /* saturates; positions stay below 4 GiB */
	struct tcp_byte_range held[TCP_HELD_RANGES];
	uint8_t nheld;
	bool skip_content;      /* too much unacknowledged past a hole, or
				   past 4 GiB */
};

struct tcp_content {
	struct tcp_stream side[2];   /* by key side, as tcp_conn.ep */
};

struct tcp_endpoint {
	uint8_t state, prev_state;
	/* Flags in one byte: every connection slot holds two endpoints. */
	bool did_close : 1;
	bool sent_fin : 1;
	bool numbered_by_ack : 1;  /* silent so far: numbered from the peer's ack */
	/* This side's tcp_stream holds what was written to it; until then it
	 * reads as a fresh one (no hole, no FIN, nothing counted) whatever
	 * bytes a previous connection left there. Starting a connection
	 * clears the bit without touching the stream. */
	bool content_live : 1;
	/* This endpoint's own evidence of an answer the capture may not
	 * hold (TCP_EV_*), kept per endpoint since roles may flip later. */
	uint8_t evidence;
	uint16_t seq_wraps, ack_wraps;
	uint32_t start_seq, last_seq, ack_seq;
	/* Sequence numbers of the last SYN and RST, relative to start_seq:
	 * a repeat with the same number adds no history letter (the FIN's
	 * is in tcp_stream). */
	uint32_t hist_last_syn, hist_last_rst;
	/* The content this endpoint sent that the capture carried, as Zeek's
	 * reassembler tracks it (without keeping bytes): known in order up
	 * to here (relative; data begins at 1). Here rather than in
	 * tcp_stream because every stream with data moves it, where the
	 * rest of tcp_stream waits for the out of the ordinary. */
	uint32_t reassem_seq;
};

#define TCP_EV_ACKED_SYNACK 0x01    /* after its SYN, an ACK: of a SYN-ACK */
#define TCP_EV_DATA_AFTER_SYN 0x02  /* data while its SYN was unanswered */
#define TCP_EV_ACKED_UNSEEN 0x04    /* acked bytes of a silent peer */

/* Connection-wide history, shared with UDP and ICMP flows. */
struct conn_history {
	char text[23];
	uint8_t len;
	uint32_t seen;          /* letters that appear at most once */
};

struct tcp_conn {
	struct tcp_endpoint ep[2];
	uint8_t orig_side;      /* which key side originates */
	bool is_partial;        /* picked up without its opening SYN */
	uint8_t first_packet_seen;  /* key sides seen, a bit each */
};

/* What the flow table must do after a packet. */
struct tcp_result {
	bool flipped;           /* roles were swapped */
	bool closed_complete;   /* the connection is over: linger, then end */
};

void history_add(struct conn_history *h, char code);
/* Adds code once per mask bit; true if the bit was already set. */
bool history_check(struct conn_history *h, uint32_t mask, char code);
/* Adds code when the count reaches 1, 10, 100, ... */
void history_scaled(struct conn_history *h, char code, uint32_t *count);

/* Starts a connection whose first packet comes from key side first_side;
 * flip asks for the roles to be swapped at once (the likely-server
 * heuristic), which Zeek records as "^". */
void tcp_conn_init(struct tcp_conn *t, struct conn_history *h, int first_side,
		   bool flip);

/* Processes one packet sent by key side `side`; c is the connection's
 * content table entry (written only as the streams need it). */
struct tcp_result tcp_packet(struct tcp_conn *t, struct tcp_content *c,
			     struct conn_history *h, int side,
			     const struct packet *p);

/* Zeek's test for a new connection on the same tuple (IsReuse): a SYN on a
 * closed connection, or a SYN with a new initial sequence number. */
bool tcp_is_reuse(const struct tcp_conn *t, int side, const struct packet *p);

/* True while neither side got past the handshake. */
bool tcp_in_handshake(const struct tcp_conn *t);

const char *tcp_conn_state(const struct tcp_conn *t,
			   const struct conn_history *h);

/* True when the originator's packets prove it was answered by packets the
 * capture does not hold (flow_record.answered_unseen). resp_synack_seen:
 * whether the responder's SYN-ACK was captured after all (captures may
 * carry it after the ACK that answers it). */
bool tcp_answered_unseen(const struct tcp_conn *t, bool resp_synack_seen);

/* Zeek's idea of the bytes an endpoint sent: from sequence numbers, so
 * bytes missing from the capture but acknowledged still count. */
uint64_t tcp_endpoint_size(const struct tcp_endpoint *e,
			   const struct tcp_endpoint *peer);

/* Bytes of key side `side`'s stream its peer acknowledged that the capture
 * never carried (Zeek's missed_bytes); reads c only once the stream is
 * live. */
uint64_t tcp_missed_bytes(const struct tcp_conn *t, const struct tcp_content *c,
			  int side);

#endif
