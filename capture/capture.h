/* capture.h - the capture engine: sources, decoding, flows.
 *
 * Reads pcap and pcapng files (several, in order; "-" is standard input) or
 * a live interface, decodes every frame, tracks bidirectional flows with
 * Zeek's TCP states, and hands each flow's packets (until the consumer has
 * seen enough) and each finished flow to a consumer. capture/ never looks at
 * application payloads itself and never decides what a flow means.
 */
#ifndef FLOWAUDIT_CAPTURE_H
#define FLOWAUDIT_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "flow_config.h"
#include "flow_record.h"
#include "packet.h"

struct capture_options {
	struct decoder_options decode;
	struct flow_table_config flows;
	const char *bpf;          /* libpcap filter expression, or NULL */
	/* Live capture. */
	int snaplen;
	bool promisc;
	int buffer_mb;
	int timeout_ms;
	bool immediate;
	uint64_t duration_us;     /* stop a live capture after this; 0: never */
	/* Once the live interface is open: become this user when root (NULL:
	 * "nobody") and clear every capability (see privdrop.h). */
	bool drop_privileges;
	const char *user;
	bool quiet;               /* no warnings on stderr */
	/* Packet time may step back (watch): a frame more than a minute older
	 * than the latest is taken as the clock set back, not as a late
	 * frame; open flows end and time restarts there. Otherwise time never
	 * runs backwards and such a frame counts at the latest time. */
	bool clock_steps_back;
};

void capture_options_default(struct capture_options *o);

/* How far a run is, for a progress line. */
struct capture_progress {
	const char *input;        /* the input being read */
	uint64_t bytes_done;      /* of the current input (file offset) */
	uint64_t bytes_total;     /* its size; 0 when unknown (stdin, live) */
	uint64_t packets;         /* frames read so far, all inputs */
	uint64_t active_flows;
	uint64_t elapsed_us;      /* wall-clock time since the run began */
};

struct capture_consumer {
	void *ctx;
	/* A packet of a flow that still wants packets; return false once the
	 * flow needs no more (e.g. its application is known). */
	bool (*packet)(void *ctx, const struct flow_update *u,
		       const struct packet *p);
	/* A flow ended; slot may be reused right after. */
	void (*flow_end)(void *ctx, const struct flow_record *r, uint32_t slot);
	/* The flow in slot may end soon (idle flows are being ended in turn
	 * and it is two ahead; it may not be due yet): a hint to prefetch
	 * what is kept by slot, nothing more; may be NULL. */
	void (*flow_ending)(void *ctx, uint32_t slot);
	/* Packet time advanced (called about once a second of packet time),
	 * or stepped back (clock_steps_back). */
	void (*tick)(void *ctx, uint64_t now_us);
	/* About twice a second of wall-clock time while reading; may be NULL. */
	void (*progress)(void *ctx, const struct capture_progress *p);
};

/* One input as a report states it. */
struct capture_input {
	char name[256];
	bool live;
	bool opened;
	int linktype;
	uint64_t packets;
	uint64_t bytes;           /* wire bytes of the frames read */
	uint64_t first_us, last_us;
	uint64_t kernel_drops, interface_drops;  /* live only (pcap_stats) */
	char error[512];          /* "" when the input was read to its end */
};

struct capture;

struct capture *capture_new(const struct capture_options *o,
			    const struct capture_consumer *c);
void capture_free(struct capture *cap);

/* The run is over: the flow table's memory goes back (see
 * flow_table_release_memory); its figures stay. */
void capture_release_flow_memory(struct capture *cap);

/* ---- Sharded runs (cli/pipeline_threads.h) ----
 *
 * A reader capture reads and decodes (fragments reassembled, tunnels
 * opened) but keeps no flows: each decoded packet, each tick and each "end
 * every open flow" goes to a router, which hands it to one of several
 * workers. A worker is a capture with no inputs and a flow table of its
 * own, fed what the router gives it (capture_feed_*). */
struct capture_router {
	void *ctx;
	/* A decoded packet. to_consumer false: for the flow table only (the
	 * first bytes of a fragment train given up). */
	void (*packet)(void *ctx, const struct packet *p, bool to_consumer);
	/* Packet time reached now_us: workers expire idle flows. Called
	 * before the reader's consumer tick. */
	void (*tick)(void *ctx, uint64_t now_us);
	/* Every open flow ends (end of input, clock set back). */
	void (*finish)(void *ctx);
};

/* A reader: no flow table; c's packet and flow_end are never called. */
struct capture *capture_new_reader(const struct capture_options *o,
				   const struct capture_consumer *c,
				   const struct capture_router *r);

/* The reader's flow figures (capture_flow_stats) as the router last
 * summed its workers'. */
void capture_set_flow_stats(struct capture *reader,
			    const struct flow_table_stats *s);

/* A worker's side: what the router hands over, on the worker's thread. */
void capture_feed_packet(struct capture *cap, const struct packet *p,
			 bool to_consumer);
void capture_feed_expire(struct capture *cap, uint64_t now_us);
void capture_feed_finish(struct capture *cap);
/* An ICMP error whose own flow another worker tracks: evidence about the
 * flow it quotes, which this worker tracks. */
void capture_feed_icmp_evidence(struct capture *cap, const struct packet *p);

/* Which worker a packet belongs to: a symmetric hash, under the process's
 * key, of its addresses and IP protocol (of the packet an ICMP error
 * quotes, by_quote), to be taken modulo the number of workers. Addresses
 * only, no ports: every packet of a flow, its fragments too, goes the same
 * way. */
uint64_t packet_shard_hash(const struct packet *p, bool by_quote);

/* Queues an input; read in the order added. */
void capture_add_file(struct capture *cap, const char *path);
void capture_add_interface(struct capture *cap, const char *iface);

/* Reads every input. Returns 0 when at least one packet was read or no input
 * failed, 2 when nothing could be read at all. Finished flows reach the
 * consumer as they end; all remaining flows are finished at the end. */
int capture_run(struct capture *cap);

/* Async-signal-safe: makes capture_run stop after the current packet. */
void capture_stop(struct capture *cap);

/* True when the run stopped because privileges could not be dropped. */
bool capture_failed_fatally(const struct capture *cap);

/* Each flow still open, as its record reads now (for a report in the
 * middle of a capture); the flows stay open. */
void capture_each_active_flow(const struct capture *cap,
			      void (*fn)(void *ctx, const struct flow_record *r,
					 uint32_t slot),
			      void *ctx);

/* Refreshes the live input's kernel and interface drop counts now. */
void capture_refresh_stats(struct capture *cap);

/* Replaces the filter of the live source being read (and of later inputs);
 * false with a message when it does not compile. */
bool capture_set_filter(struct capture *cap, const char *bpf, char *err,
			size_t errlen);

unsigned capture_input_count(const struct capture *cap);
const struct capture_input *capture_input(const struct capture *cap,
					  unsigned i);
const struct decode_stats *capture_decode_stats(const struct capture *cap);
const struct flow_table_stats *capture_flow_stats(const struct capture *cap);

/* Frames that failed to decode, summed over reasons that drop them. */
uint64_t capture_malformed_total(const struct capture *cap);

/* Parses "tcp=300,udp=60,tcp-attempt=60,tcp-closed=5,icmp=60,other=60"
 * (seconds) into the flow table configuration; false on a bad item. */
bool capture_parse_timeouts(const char *spec, struct flow_table_config *c,
			    char *err, size_t errlen);

#endif
