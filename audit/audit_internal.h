/* audit_internal.h - what the files of audit/ share; nothing outside
 * audit/ includes it.
 *
 *   outcome.c   one flow's outcome: success, or which kind of failure
 *   evidence.c  the flows behind a finding: counts, states, an example
 *   match.c     a flow against the rules: which allow it, or why none does
 *   verdict.c   the engine: rule-host pairs, unexpected conversations,
 *               judging a flow and recording it
 *   findings.c  pairs and conversations into sorted findings
 */
#ifndef FLOWAUDIT_AUDIT_INTERNAL_H
#define FLOWAUDIT_AUDIT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "verdict.h"
#include "visibility.h"

static inline role_mask role_bit(unsigned role)
{
	return (role_mask)1 << role;
}

/* ---- outcome.c ---- */

/* How an attempt failed: one tally each, in the order a blocked finding
 * lists them. */
enum failure {
	FAIL_NO_REPLY,           /* SYN never answered */
	FAIL_REJECTED,           /* SYN answered by RST */
	FAIL_ICMP,               /* answered by an ICMP error */
	FAIL_RESET_AFTER_DATA,   /* reset before any server data */
	FAIL_RESET_AT_HANDSHAKE, /* the server reset right after accepting */
	FAIL_TLS_ALERT,          /* TLS: the server sent its hello, the client
				  * answered with an alert instead of finishing */
	FAIL_UDP_NO_REPLY,
	FAIL_ONE_WAY,            /* picked up mid-stream, no reply seen */
	FAIL_DNS,                /* lookup refused or NXDOMAIN */
	FAIL_KIND_COUNT
};

/* One flow as an attempt: whether it succeeded (and was seen one-sided),
 * else how it failed and whether the capture proves the failure (an RST or
 * ICMP error came back, the client's own retransmissions show it got no
 * answer, the client's TLS alert is in it) rather than merely lacking an
 * answer. */
struct outcome {
	bool ok;
	bool one_sided;
	bool proven;
	enum failure kind;
};

void attempt_outcome(const struct flow_record *r, const struct flow_class *c,
		     struct outcome *o);

/* Counts one failed flow into its tally; the first one is the example.
 * tls: the flow carried TLS (a reset after its ClientHello). */
void tally_failure(struct attempt_failure *t, const struct outcome *o,
		   const struct flow_record *r, const struct flow_class *c, bool tls);

/* Counts one refused or NXDOMAIN lookup of a matrix name into its tally. */
void tally_dns_failure(struct attempt_failure *t, const struct flow_record *r,
		       const struct dns_outcome *d);

bool flow_is_tls(const struct flow_class *c);

/* ---- evidence.c ---- */

/* The flows behind one finding. */
struct evidence {
	uint64_t flows, attempts, successes, packets, bytes;
	uint64_t one_sided;      /* successes seen one-sided */
	uint64_t first_us, last_us;
	char states[64];
	/* The example shown: the earliest successful flow, else the earliest
	 * one (example_key order). */
	bool has_example, example_succeeded;
	struct example_key key;
	uint8_t ip_version, proto;
	struct ip_addr client, server;
	uint16_t port;
	role_mask client_roles, server_roles;
	char host[HOST_NAME_LEN];
	enum name_source host_source;
	struct endpoint_geo client_geo, server_geo;
	char app[APP_NAME_LEN * 2 + 2];
	const struct rule_service *service;
};

void evidence_count(struct evidence *e, const struct flow_record *r);

/* The example order's key of a flow. */
void flow_example_key(const struct flow_record *r, struct example_key *k);

/* Whether an example (succeeded, key) should replace e's. */
bool example_better(const struct evidence *e, bool succeeded,
		    const struct example_key *k);

/* Where one flow's counts and time span go (a finding's evidence, a site
 * exception's use). */
struct traffic {
	uint64_t *flows, *packets, *bytes, *first_us, *last_us;
};
void traffic_count(struct traffic *t, const struct flow_record *r);
/* Takes the flow as e's example if it comes first (example_better);
 * says whether it did. */
bool evidence_example(struct evidence *e, const struct flow_record *r,
		      const struct flow_class *c, role_mask client_roles,
		      role_mask server_roles, bool succeeded);
/* Adds from's flows to into's: counts summed, the span widened, states
 * joined, the better example kept. */
void evidence_merge(struct evidence *into, const struct evidence *from);
/* The same for a failure tally. */
void failure_merge(struct attempt_failure *into, const struct attempt_failure *from);
/* "Master.App", or "App" when nDPI named no master. */
void app_text(char *out, size_t len, const struct flow_class *c);

/* ---- match.c ---- */

struct match {
	unsigned rule;
	const struct rule_service *service;
};

#define MAX_MATCHES 32

/* Rules of the given applicability whose roles, protocol and port fit;
 * app_bad receives the first the application contradicts. */
unsigned match_rules(const struct ruleset *rs, role_mask client, role_mask server,
		     const struct flow_record *r, const struct flow_class *c,
		     bool applicable, struct match *out, struct match *app_bad);

/* The first allow entry covering the flow, its index in *index; *expired
 * counts an entry that would have, had its date not passed. */
const struct site_allow *site_allows(const struct ruleset *rs,
				     const struct flow_record *r,
				     role_mask client, role_mask server,
				     unsigned *index, int *expired);

/* Broadcast or multicast: no peer to judge (limited and site networks'
 * directed broadcasts, IPv4 and IPv6 multicast). */
bool is_broadcast_or_multicast(const struct ruleset *rs, uint8_t version,
			       const struct ip_addr *a);
/* The same for a whole flow, with neighbour discovery and unanswered UDP
 * to .255. */
bool is_peerless(const struct ruleset *rs, const struct flow_record *r);

/* The roles worth naming for an address. */
role_mask shown_roles(const struct ruleset *rs, role_mask m);

/* A rule from the client's roles to a role bound by host name whose
 * service the flow's port fits, or NULL. */
const struct rule *name_bound_rule(const struct ruleset *rs, role_mask client,
				   const struct flow_record *r);

/* Why no rule allows the flow, most specific cause first. */
void unexpected_cause(const struct ruleset *rs, role_mask audited,
		      const struct flow_record *r, const struct flow_class *c,
		      role_mask client, role_mask server,
		      const struct match *app_bad, struct unexpected_cause *out);

/* ---- verdict.c: the engine's state, read by findings.c ---- */

/* How a rule's attempts went: kept only for rule-host pairs (a few per
 * site), not for the thousands of unexpected conversations. */
struct outcomes {
	struct attempt_failure failures[FAIL_KIND_COUNT];
};

/* One unit of a rule that needs each of its services. */
struct unit_state {
	struct evidence ev;
	struct outcomes out;
};

/* One rule judged on one host: a concrete host of the site with all its
 * addresses (host_id), else one address. */
struct rule_host {
	unsigned rule;
	bool judged_on_client;   /* the host is the rule's "from" side */
	bool concrete;           /* a host the site names: may be missing */
	int host_id;             /* ruleset_host, or -1: keyed by the address */
	uint8_t ip_version;      /* the address (a host's first, or the flow's) */
	struct ip_addr host;
	struct evidence ev;
	struct outcomes out;
	/* A rule that needs each service: per unit, as well as the whole. */
	struct unit_state *units;
	unsigned nunits;
	/* Flows to hosts whose name the capture never showed, on this
	 * name-bound rule's port: shown only when nothing else was seen. */
	struct evidence unconfirmed;
};

/* One unexpected conversation: client, server, protocol, port and cause. */
struct unexpected {
	uint8_t ip_version, proto;
	struct ip_addr client, server;
	uint16_t port;
	struct unexpected_cause why;      /* as the earliest flow showed it */
	struct example_key why_key;       /* that flow */
	struct evidence ev;
};

struct verdict {
	const struct ruleset *rs;
	role_mask audited, peers;
	role_mask catch_all;               /* roles of 0.0.0.0/0 and ::/0 */
	struct rule_host *pairs;
	unsigned npairs, ncap, nconcrete;
	unsigned dynamic_units;            /* units held by non-concrete pairs */
	uint32_t *pair_index;
	struct unexpected *unexp;
	unsigned nunexp, unexp_cap;
	uint32_t *unexp_index;
	struct audit_summary summary;
	struct exception_use *exceptions;  /* per allow entry */
	uint64_t latest_us;                /* the latest flow seen */
	struct host_visibility *hosts;     /* what the capture showed of each */
	struct capture_health health;      /* flow-level figures */
};

#endif
