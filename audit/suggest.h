/* suggest.h - a site file proposed from traffic (`flowaudit suggest`).
 *
 * Every classified flow is folded into a bounded table of server
 * endpoints (address, protocol, port) with the clients seen reaching each.
 * At the end the matrix decides what those endpoints mean: which role
 * answers which ports, and which role talks to which. Nothing about a
 * product is written here; a role is proposed for a host when the host
 * shows the rules the matrix gives that role:
 *
 *  - a host is a candidate for a role when it serves at least one of the
 *    role's inbound rules (if any is required) from clients that are
 *    themselves candidates of the rule's "from" role, and opens at least
 *    one of its outbound rules (if any is required) to candidates of the
 *    rule's "to" role, or to a name the matrix gives a name-bound role.
 *    Candidates start as everything and shrink until nothing changes;
 *  - a candidate is bound when one of its rules is specific to the role
 *    (no other role has a rule with the same peer and services); roles
 *    no host shows specifically go to their candidates by elimination,
 *    and say so as a question;
 *  - a port parameter whose default port nobody uses is looked for on
 *    other ports, with the same application, from several candidates;
 *  - client populations are summarised to networks.
 *
 * Memory is bounded: SUGGEST_MAX_ENDPOINTS server endpoints, each with up
 * to SUGGEST_MAX_CLIENTS clients remembered; what does not fit is counted.
 * The table is hashed with the process's key (common/hash_key.h). Output
 * never depends on the key: everything is sorted before it is used.
 */
#ifndef FLOWAUDIT_SUGGEST_H
#define FLOWAUDIT_SUGGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/flow_record.h"
#include "classify/flow_class.h"
#include "rules/rules.h"

#define SUGGEST_MAX_ENDPOINTS 8192u
#define SUGGEST_MAX_CLIENTS 16u
#define SUGGEST_MAX_HOSTS 4096u
#define SUGGEST_MAX_BINDINGS 256u
#define SUGGEST_MAX_QUESTIONS 64u
#define SUGGEST_EVIDENCE_LEN 512
#define SUGGEST_VALUE_LEN 260   /* an address, network or host name */

enum suggest_confidence {
	SUGGEST_LOW,      /* by elimination, or attempts never answered */
	SUGGEST_MEDIUM,   /* one rule of the role shown, or not answered */
	SUGGEST_HIGH,     /* a rule only this role has, answered, and more */
};
const char *suggest_confidence_name(enum suggest_confidence c);

/* One proposed binding: a role and one address, network or name. */
struct suggest_binding {
	unsigned role;
	char value[SUGGEST_VALUE_LEN];
	enum suggest_confidence confidence;
	char evidence[SUGGEST_EVIDENCE_LEN];
};

/* A parameter whose value the capture shows differs from the default. */
struct suggest_param {
	const char *name;            /* the matrix's */
	uint16_t port;
	char evidence[SUGGEST_EVIDENCE_LEN];
};

struct suggest_feature {
	const char *name;            /* the matrix's */
	bool on;
	char evidence[SUGGEST_EVIDENCE_LEN];
};

/* What the capture could not decide: for a person to answer. */
struct suggest_question {
	char text[SUGGEST_EVIDENCE_LEN];
};

struct suggestion {
	struct suggest_binding bindings[SUGGEST_MAX_BINDINGS];
	unsigned nbindings;
	struct suggest_param params[32];
	unsigned nparams;
	struct suggest_feature features[32];
	unsigned nfeatures;
	struct suggest_question questions[SUGGEST_MAX_QUESTIONS];
	unsigned nquestions;
	/* Figures for the evidence report. */
	uint64_t flows;              /* flows folded in */
	uint64_t endpoints;          /* server endpoints remembered */
	uint64_t untracked_flows;    /* flows to endpoints past the bound */
};

struct suggest;

/* rs: a matrix loaded without a site (ruleset_load(m, NULL, d)). */
struct suggest *suggest_new(const struct ruleset *rs);
void suggest_free(struct suggest *s);

/* Folds in one finished, classified flow. */
void suggest_flow(struct suggest *s, const struct flow_record *r,
		  const struct flow_class *c);

/* Decides, into out (bindings in role then address order). False when
 * memory ran out. */
bool suggest_decide(struct suggest *s, struct suggestion *out);

#endif
