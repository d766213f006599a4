/* classify.h - what each flow is and whom it talks to.
 *
 * The classifier consumes the capture engine's packets (only until it has
 * what it needs from a flow) and its finished flows. It runs nDPI, parses
 * DNS messages into a name index, reads SNI and HTTP Host through nDPI,
 * labels special addresses and looks external ones up in MaxMind databases.
 * It never changes a flow's state and never decides whether a flow is
 * allowed: that is audit/'s job.
 */
#ifndef FLOWAUDIT_CLASSIFY_H
#define FLOWAUDIT_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/flow_record.h"
#include "capture/packet.h"
#include "flow_class.h"
#include "port_services.h"

struct classify_options {
	bool dpi;                     /* run nDPI (--no-dpi turns it off) */
	const char *geoip_path;       /* MaxMind country DB, or NULL */
	const char *asn_path;         /* MaxMind ASN DB, or NULL */
	uint32_t max_flows;           /* the flow table's cap: per-flow state */
	uint32_t name_index_entries;  /* addresses x names remembered */
	uint64_t dns_grace_us;        /* a DNS answer applies TTL + this */
	size_t name_store_bytes;      /* bound on all host names held */
	uint32_t dns_flows;           /* DNS flows followed at once */
	unsigned dpi_max_tcp_packets; /* ndpiReader's limits: 80 and 24 */
	unsigned dpi_max_udp_packets;
	unsigned dpi_max_states;      /* nDPI flow states alive at once (about
				       * 2.7 KiB each with nDPI's own data); when
				       * all are taken the flow fed longest ago
				       * gives up its state */
	/* Services the deployment names on its own ports (port_services.h),
	 * for ports without a usual service; copied by classifier_new. */
	const struct port_label *port_labels;
	unsigned nport_labels;
};

void classify_options_default(struct classify_options *o);

struct classifier;

/* NULL on failure with a message in err (a database that cannot be used
 * names its file). */
struct classifier *classifier_new(const struct classify_options *o, char *err,
				  size_t errlen);
void classifier_free(struct classifier *c);

/* Whether a new flow between a and b (either way round) needs application
 * detection; false leaves the flow unclassified (flow_class.classified
 * false) and feeds nDPI nothing of it. DNS answers, server names from DNS
 * and places are kept for every flow. */
typedef bool classify_dpi_wanted_fn(void *ctx, uint8_t ip_version,
				    const struct ip_addr *a, const struct ip_addr *b);

/* Asks fn about each flow from now on (NULL: every flow is detected).
 * fn runs on the classifier's thread; what it reads must not change. */
void classifier_set_dpi_wanted(struct classifier *c, classify_dpi_wanted_fn *fn,
			       void *ctx);

/* A packet of a flow; false once the classifier needs no more of it. */
bool classifier_packet(struct classifier *c, const struct flow_update *u,
		       const struct packet *p);

/* Whether classifier_packet may read p's bytes (p->l3 and p->payload):
 * always with application detection, else for DNS only. When false it
 * reads only the lengths, so a sharded reader hands the worker those
 * without the bytes. Reads only what classifier_new set, so any thread
 * may ask. (Asking the classify_dpi_wanted_fn too would spare the bytes of
 * flows `audit` does not detect, but cost the reader more, on every
 * packet, than the copy it spares: perf, bench capture.) */
bool classifier_reads_bytes(const struct classifier *c, const struct packet *p);

/* A DNS packet of a flow another classifier follows (a sharded run:
 * cli/pipeline_threads.h): its answers go into this classifier's name
 * index, as if it followed the flow, so flows here are named by answers
 * seen there; nothing else of it is kept or counted. */
void classifier_learn_names(struct classifier *c, const struct packet *p);

/* classifier_learn_names for a UDP DNS packet p whose message another
 * thread parsed into the digest of len bytes (dns_digest.h): p's header
 * fields are used (time, resolver), its payload is not read. */
void classifier_learn_digest(struct classifier *c, const void *digest,
			     size_t len, const struct packet *p);

/* The UDP DNS packet p, fed next, carries the message of this digest: its
 * flow's DNS state and the name index take it from the digest instead of
 * parsing p again. Cleared with digest NULL once p is fed; the digest must
 * stay valid until then. */
void classifier_expect_digest(struct classifier *c, const struct packet *p,
			      const void *digest, size_t len);

/* The flow in slot may end soon: its state is brought into the cache
 * (a flow idle for its timeout has long left it). A hint only. */
void classifier_prefetch(const struct classifier *c, uint32_t slot);

/* The flow ended: fills *out and forgets the flow's state. */
void classifier_flow_end(struct classifier *c, const struct flow_record *r,
			 uint32_t slot, struct flow_class *out);

/* A flow still open (a report in the middle of it): what is known so far,
 * its state untouched. An application still being detected reads as nDPI's
 * guess from the flow's opening. */
void classifier_peek(struct classifier *c, const struct flow_record *r,
		     uint32_t slot, struct flow_class *out);

struct classifier_stats {
	uint64_t dpi_flows, dpi_packets, dpi_peak_states;
	uint64_t dpi_waited;          /* packets that found every state taken */
	uint64_t dpi_given_up_early;  /* undecided flows that gave up their
				       * state, idle longest, for a newer one */
	uint64_t dpi_guessed_without_state; /* flows guessed from their opening */
	uint64_t dns_messages, dns_unparsed, dns_flows_untracked;
	uint64_t names_held, names_refused;
	uint64_t name_index_entries, name_index_evicted;
};

void classifier_stats(const struct classifier *c, struct classifier_stats *s);

#endif
