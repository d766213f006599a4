/* dpi.h - nDPI application detection, one detection module per thread.
 *
 * A flow's packets go to nDPI only until it has decided (or until a bounded
 * number of packets, when it gives up and guesses by port); then the nDPI
 * flow state is returned to a pool, so a long flow costs no more than a
 * short one. The stopping rule is ndpiReader's, so results agree with it.
 *
 * A TCP flow gets its nDPI state only with its first payload (the
 * handshake's flags are handed over then, as nDPI would have seen them), so
 * a SYN flood costs no nDPI memory; and at most max_states states live at
 * once, later flows waiting for one. A flow that ends without ever getting
 * a state is guessed (by port and address, as nDPI's give-up does) from a
 * synthetic first packet. (The classifier gives up the state of the flow
 * fed longest ago when all are taken, so waiting is rare.)
 */
#ifndef FLOWAUDIT_DPI_H
#define FLOWAUDIT_DPI_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/packet.h"
#include "flow_class.h"

struct dpi;
struct dpi_flow;

struct dpi_result {
	uint16_t master, app, category;
	bool guessed;                      /* given up: a guess by port */
	uint8_t confidence;                /* nDPI's ndpi_confidence_t */
	bool structured;                   /* nDPI records this protocol's
					    * handshake (TLS/QUIC/DTLS, SSH, HTTP, DNS) */
	bool handshake;                    /* and found one: a hello with a server
					    * name or a real version, an SSH
					    * banner, an HTTP request or status
					    * line, a DNS question */
	char host[HOST_NAME_LEN];          /* SNI or HTTP Host, "" if none */
	enum name_source host_source;
};

struct dpi *dpi_new(unsigned max_tcp_packets, unsigned max_udp_packets,
		    unsigned max_states);
void dpi_free(struct dpi *d);

/* What nDPI notes of a TCP handshake before any payload (its seen_syn,
 * seen_syn_ack, seen_ack), kept by the caller while a flow has no state. */
typedef uint8_t dpi_handshake;
void dpi_track_handshake(dpi_handshake *h, const struct packet *p);

/* Feeds one packet; returns true once detection is over, with *r filled.
 * *f is made when the flow first needs it and released when done. */
bool dpi_packet(struct dpi *d, struct dpi_flow **f, const struct packet *p,
		unsigned packets_seen, dpi_handshake h, struct dpi_result *r);

/* The orientation of a flow's first packet, for a guess without a state. */
struct dpi_opening {
	uint8_t ip_version, proto;
	const struct ip_addr *src, *dst;
	uint16_t sport, dport;
};

/* What is known of a flow still being detected, its state untouched: what
 * nDPI has found so far, or else the guess from its opening. */
void dpi_peek(struct dpi *d, const struct dpi_flow *f, const struct dpi_opening *o,
	      struct dpi_result *r);

/* Every state is taken: a new flow would wait. */
bool dpi_full(const struct dpi *d);

/* Detection over for a flow that never got a state: nDPI's give-up guess
 * from a synthetic first packet with the flow's addresses and ports. */
void dpi_guess(struct dpi *d, const struct dpi_opening *o, struct dpi_result *r);

/* The flow ended before nDPI decided: give up, guess, release. */
void dpi_give_up(struct dpi *d, struct dpi_flow **f, struct dpi_result *r);

/* Releases a flow's state without a result. */
void dpi_release(struct dpi *d, struct dpi_flow **f);

const char *dpi_protocol_name(struct dpi *d, uint16_t id);
const char *dpi_category_name(struct dpi *d, uint16_t category);
/* nDPI's name for an ndpi_confidence_t ("DPI", "Match by port", ...). */
const char *dpi_confidence_name(uint8_t confidence);
/* Whether a confidence says this flow's own bytes (not its port, address or
 * a cache). */
bool dpi_confidence_is_dpi(uint8_t confidence);

struct dpi_stats {
	uint64_t flows;        /* flows given to nDPI */
	uint64_t packets;      /* packets given to nDPI */
	uint64_t live;         /* nDPI flow states held now */
	uint64_t peak_live;
	uint64_t alloc_failed;
	uint64_t waited;       /* packets that found every state taken */
	uint64_t guessed_without_state;
};
const struct dpi_stats *dpi_stats(const struct dpi *d);

#endif
