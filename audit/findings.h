/* findings.h - the audit's result: what every report renders.
 *
 * Findings are per rule and concrete host (observed, blocked, missing) or
 * per unexpected conversation (client, server, protocol, port, cause), each
 * with a stable cause code and the fields behind it (docs/verdicts.md).
 * Findings carry no sentences: reports/ writes those from the codes. Plain
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
	FINDING_INCONCLUSIVE,    /* the capture cannot show the outcome */
	FINDING_OBSERVED,
	FINDING_KIND_COUNT
};

const char *finding_kind_name(enum finding_kind k);

/* Why a finding is what it is. The blocked causes stand in the order a
 * blocked finding lists its failures; the unexpected ones from the most
 * specific to the least. The names (finding_cause_name) are part of the
 * report format and never change. */
enum finding_cause {
	CAUSE_SUCCEEDED,             /* observed */
	CAUSE_NO_ATTEMPT,            /* missing */
	CAUSE_HOST_NOT_SEEN,         /* inconclusive: the host never showed */
	CAUSE_REPLY_NOT_VISIBLE,     /* inconclusive: no reply, and the capture
				      * does not carry the client's receive
				      * direction */
	CAUSE_NAME_NOT_SEEN,         /* inconclusive: flows to a host whose
				      * name the capture never showed */
	CAUSE_SYN_UNANSWERED,        /* blocked ... */
	CAUSE_REJECTED,
	CAUSE_ICMP_PROHIBITED,
	CAUSE_ICMP_UNREACHABLE,
	CAUSE_ICMP_ERROR,
	CAUSE_TLS_RESET,
	CAUSE_RESET_AFTER_DATA,
	CAUSE_RESET_AT_HANDSHAKE,
	CAUSE_TLS_ALERT,             /* the client's TLS alert after the
				      * server's hello */
	CAUSE_UDP_UNANSWERED,
	CAUSE_NO_REPLY_SEEN,
	CAUSE_DNS_NXDOMAIN,
	CAUSE_DNS_REFUSED,
	CAUSE_APP_MISMATCH,          /* unexpected ... */
	CAUSE_NOT_APPLICABLE,
	CAUSE_WRONG_DIRECTION,
	CAUSE_UNDOCUMENTED_INTERNET_HOST,
	CAUSE_PORT_NOT_ALLOWED,
	CAUSE_NO_RULE,
	CAUSE_COUNT
};

const char *finding_cause_name(enum finding_cause c);

/* Which of two flows is an example: the earlier, then the lower address
 * pair and ports. A total order on what the flows showed, so that an
 * example does not depend on the order flows ended in, nor on how a
 * capture was split and merged again (verdict_merge). */
struct example_key {
	uint64_t first_us;
	uint8_t ip_version, proto;
	uint16_t client_port, port;
	struct ip_addr client, server;
};

int example_key_cmp(const struct example_key *a, const struct example_key *b);

/* One kind of failed attempt, with the first such attempt as its example
 * (for a DNS failure: the resolver as server, the name looked up as host). */
struct attempt_failure {
	enum finding_cause cause;
	uint32_t flows;
	uint64_t units;               /* SYNs, packets or datagrams, lookups */
	uint8_t ip_version, proto;
	struct ip_addr server;
	uint16_t port;
	char host[HOST_NAME_LEN];     /* "" none */
	enum name_source host_source;
	uint8_t icmp_type, icmp_code; /* ICMP causes */
	char dns_rcode[12];           /* DNS causes: "NXDOMAIN", "REFUSED" */
	/* tls-alert: the client's alert, level 1 warning or 2 fatal (0: its
	 * body could not be read) and description (48 unknown_ca, ...). */
	uint8_t tls_alert_level, tls_alert_desc;
	/* Flows whose failure the capture proves (RST, ICMP, retransmitted
	 * requests); the rest lacked an answer only in the capture. */
	uint32_t proven;
	uint8_t client_version;       /* the first such attempt's client */
	struct ip_addr client;
	struct example_key key;       /* which attempt is the example */
};

/* What an unexpected finding's cause refers to, as the conversation's first
 * flow showed it. */
#define CAUSE_MAX_RULES 16
struct unexpected_cause {
	enum finding_cause cause;
	role_mask client_roles, server_roles;   /* the roles worth naming */
	/* app-mismatch, not-applicable, wrong-direction and
	 * internet-host-not-documented: the rule; port-not-allowed: every
	 * applicable rule between the two roles. */
	const struct rule *rules[CAUSE_MAX_RULES];
	unsigned nrules;
	const struct rule_service *service;     /* app-mismatch: its apps */
	char app[APP_NAME_LEN * 2 + 2];         /* app-mismatch: nDPI's finding */
	char host[HOST_NAME_LEN];               /* the server's name, "" none */
};

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
	/* The site's name for the host the address belongs to, when the site
	 * grouped that host's addresses under one (NULL otherwise). */
	const char *host_name;
	/* The judged side of a missing or host-not-seen finding on such a
	 * host: all its addresses, none of which showed the flow. */
	const struct cidr *addresses;
	unsigned naddresses;
};

struct finding {
	enum finding_kind kind;
	enum finding_cause cause;     /* blocked: its first failure's cause */
	const struct rule *rule;      /* NULL for unexpected traffic */
	const struct rule_service *service; /* the service seen, if any */
	struct finding_endpoint client, server;
	uint8_t proto;                /* 0 when nothing was seen */
	uint16_t port;
	char app[APP_NAME_LEN * 2 + 2];
	char states[64];              /* conn_states seen, e.g. "S0,REJ" */
	uint64_t flows, attempts, successes;
	uint64_t one_sided;           /* successes seen one-sided */
	uint64_t packets, bytes;
	uint64_t first_us, last_us;
	/* Blocked: each kind of failure, in cause order (owned by the
	 * findings). */
	const struct attempt_failure *failures;
	unsigned nfailures;
	/* Unexpected: what the cause refers to. */
	struct unexpected_cause why;
	/* A rule that needs each of its services (rule->each) is judged per
	 * unit (rule_unit_count): observed when every unit had a success,
	 * else one finding for each unit that did not. */
	bool each;
	uint32_t each_met;            /* bit u: unit u had a success */
	bool has_unit;                /* the finding is about one unit */
	unsigned unit;
};

struct audit_summary {
	uint64_t flows;               /* every flow seen */
	uint64_t in_scope;
	uint64_t out_of_scope;
	uint64_t peer_only;           /* of those: touching a peer (shared
				       * infrastructure) with no audited host */
	uint64_t broadcast;           /* of those: broadcast or multicast */
	uint64_t icmp_errors;         /* ICMP error flows, used as evidence */
	uint64_t allowed_by_site;     /* flows only a site allow entry permits */
	uint64_t unexpected_flows;
	uint64_t name_unconfirmed;    /* flows to hosts of unknown name on a
				       * name-bound rule's port */
	uint64_t unexpected_not_itemized; /* beyond the itemizing bound */
	uint64_t count[FINDING_KIND_COUNT];
	/* Rules the site makes applicable (set by verdict_findings from the
	 * rule set, never summed): with none, nothing was judged, and the
	 * audit cannot pass (audit_verdict). */
	unsigned applicable_rules;
};

/* What one site exception (an "allow" entry) covered. */
#define EXCEPTION_CLIENTS 8
struct exception_use {
	const struct site_allow *allow;
	uint64_t flows, packets, bytes;
	uint64_t first_us, last_us;
	/* Flows it would have covered after its expiry date: judged, not
	 * excused. */
	uint64_t expired_flows;
	bool expired;                 /* the capture reaches past its date */
	/* The clients with the lowest addresses, in address order, with
	 * their flows: the same whatever order flows came in or parts were
	 * merged in. */
	struct { uint8_t ip_version; struct ip_addr ip; uint64_t flows; }
		clients[EXCEPTION_CLIENTS];
	unsigned nclients;
	uint64_t more_clients;        /* flows from the other clients */
};

/* What the capture itself can and cannot show, as coded notes; reports
 * word them. */
enum health_note_code {
	HEALTH_ONE_SIDED_CAPTURE,   /* most TCP flows seen one direction only */
	HEALTH_ONE_SIDED_HOST,      /* most TCP flows of an audited host */
	HEALTH_HOST_NOT_RECEIVING,  /* an audited host seen sending, never
				     * receiving */
	HEALTH_HOSTS_UNTRACKED,     /* more hosts than the table remembers */
};

#define HEALTH_MAX_NOTES 24
struct health_note {
	enum health_note_code code;
	uint8_t ip_version;
	struct ip_addr host;
	const char *host_name;        /* a host the site named (all its addresses) */
	uint64_t flows, one_sided;
};

struct capture_health {
	uint64_t tcp_flows;
	uint64_t one_sided_flows;     /* TCP flows seen in one direction only */
	uint64_t orig_only, resp_only;
	uint64_t answered_unseen;     /* answered by packets the capture lacks */
	uint64_t unanswered_attempts; /* one-sided because nobody answered
				       * (flow_unanswered_attempt): no
				       * evidence against the mirror */
	uint64_t gap_flows, missed_bytes;  /* content the capture never carried */
	struct health_note notes[HEALTH_MAX_NOTES];
	unsigned nnotes;
};

const char *health_note_name(enum health_note_code c);

struct findings {
	struct finding *items;
	unsigned n;
	struct exception_use *exceptions;  /* one per allow entry, in order */
	unsigned nexceptions;
	struct capture_health health;
	struct attempt_failure *failures;  /* what items' failures point to */
	struct audit_summary summary;
};

void findings_free(struct findings *f);

/* The side a rule is judged on: the "from" hosts when that role is a list
 * of hosts, else every host of the "to" role. Reports name a rule's tests
 * by that host (docs/verdicts.md). */
bool judged_on_client(const struct ruleset *rs, const struct rule *r);

/* How one flow was judged when it ended: what an event line says at once,
 * before any report. */
enum flow_judgement_kind {
	JUDGED_OUT_OF_SCOPE,
	JUDGED_ICMP_ERROR,       /* evidence about another flow */
	JUDGED_ALLOWED,          /* a rule allows it and the attempt succeeded */
	JUDGED_ALLOWED_BY_SITE,
	JUDGED_FAILED_ATTEMPT,   /* a rule allows it; it did not succeed */
	JUDGED_UNEXPECTED,
	/* To a host whose name the capture never showed, on the port of a rule
	 * bound by name: it may be the documented host or not. */
	JUDGED_NAME_UNCONFIRMED,
};

struct flow_judgement {
	enum flow_judgement_kind kind;
	const struct rule *rule;          /* the rule, for allowed and failed */
	struct attempt_failure failure;   /* JUDGED_FAILED_ATTEMPT */
	struct unexpected_cause why;      /* JUDGED_UNEXPECTED */
};

#endif
