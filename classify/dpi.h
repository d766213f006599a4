/* dpi.h - nDPI application detection, one detection module per thread.
 *
 * A flow's packets go to nDPI only until it has decided (or until a bounded
 * number of packets, when it gives up and guesses by port); then the nDPI
 * flow state is returned to a pool, so a long flow costs no more than a
 * short one. The stopping rule is ndpiReader's, so results agree with it.
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
	char host[HOST_NAME_LEN];          /* SNI or HTTP Host, "" if none */
	enum name_source host_source;
};

struct dpi *dpi_new(unsigned max_tcp_packets, unsigned max_udp_packets);
void dpi_free(struct dpi *d);

/* Feeds one packet; returns true once detection is over, with *r filled.
 * *f is made on the first packet and released when done. */
bool dpi_packet(struct dpi *d, struct dpi_flow **f, const struct packet *p,
		unsigned packets_seen, struct dpi_result *r);

/* The flow ended before nDPI decided: give up, guess, release. */
void dpi_give_up(struct dpi *d, struct dpi_flow **f, struct dpi_result *r);

/* Releases a flow's state without a result. */
void dpi_release(struct dpi *d, struct dpi_flow **f);

const char *dpi_protocol_name(struct dpi *d, uint16_t id);
const char *dpi_category_name(struct dpi *d, uint16_t category);

struct dpi_stats {
	uint64_t flows;        /* flows given to nDPI */
	uint64_t packets;      /* packets given to nDPI */
	uint64_t live;         /* nDPI flow states held now */
	uint64_t peak_live;
	uint64_t alloc_failed;
};
const struct dpi_stats *dpi_stats(const struct dpi *d);

#endif
