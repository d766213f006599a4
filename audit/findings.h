/* findings.h - the audit's result: what every report renders.
 *
 * Findings are per rule and concrete host (observed, blocked, missing) or
 * per unexpected conversation (client, server, protocol, port, reason), each
 * with its evidence. Produced by the verdict engine, read by reports/; plain
 * values that point only into the rule set they were judged against.
 */
#ifndef FLOWAUDIT_FINDINGS_H
#define FLOWAUDIT_FINDINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/packet.h"
#include "classify/flow_class.h"
#include "rules/rules.h"

enum finding_kind {
	FINDING_MISSING,
	FINDING_BLOCKED,
	FINDING_UNEXPECTED,
	FINDING_OBSERVED,
	FINDING_KIND_COUNT
};

const char *finding_kind_name(enum finding_kind k);

struct finding_endpoint {
	bool has_ip;                  /* false: this side never appeared */
	uint8_t ip_version;
	struct ip_addr ip;
	role_mask roles;
	bool has_port;
	uint16_t port;
	char host[HOST_NAME_LEN];     /* best known name ("" none) */
	enum name_source host_source;
	bool has_geo;
	struct endpoint_geo geo;
	/* For a side that never appeared: the hosts the site binds it to. */
	const struct cidr *expected;
	unsigned nexpected;
	const char *const *expected_names;
	unsigned nexpected_names;
};

struct finding {
	enum finding_kind kind;
	const struct rule *rule;      /* NULL for unexpected traffic */
	const struct rule_service *service; /* the service seen, if any */
	struct finding_endpoint client, server;
	uint8_t proto;                /* 0 when nothing was seen */
	uint16_t port;
	char app[APP_NAME_LEN * 2 + 2];
	char states[64];              /* conn_states seen, e.g. "S0,REJ" */
	uint64_t flows, attempts, successes;
	uint64_t packets, bytes;
	uint64_t first_us, last_us;
	char reason[512];
	const char *allowed_by;       /* unexpected only: never; allowed flows
				       * are not findings */
};

struct audit_summary {
	uint64_t flows;               /* every flow seen */
	uint64_t in_scope;
	uint64_t out_of_scope;
	uint64_t icmp_errors;         /* ICMP error flows, used as evidence */
	uint64_t allowed_by_site;     /* flows only a site allow entry permits */
	uint64_t unexpected_flows;
	uint64_t unexpected_not_itemized; /* beyond the itemizing bound */
	uint64_t count[FINDING_KIND_COUNT];
};

struct findings {
	struct finding *items;
	unsigned n;
	struct audit_summary summary;
};

void findings_free(struct findings *f);

/* How one flow was judged when it ended: what an event line says at once,
 * before any report. */
enum flow_judgement_kind {
	JUDGED_OUT_OF_SCOPE,
	JUDGED_ICMP_ERROR,       /* evidence about another flow */
	JUDGED_ALLOWED,          /* a rule allows it and the attempt succeeded */
	JUDGED_ALLOWED_BY_SITE,
	JUDGED_FAILED_ATTEMPT,   /* a rule allows it; it did not succeed */
	JUDGED_UNEXPECTED,
};

struct flow_judgement {
	enum flow_judgement_kind kind;
	const struct rule *rule;      /* the rule, for allowed and failed */
	char reason[512];
};

#endif
