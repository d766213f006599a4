/* firewall_internal.h - the ruleset the firewall targets render, built once
 * from the rule set: private to reports/firewall*.c. */
#ifndef FLOWAUDIT_FIREWALL_INTERNAL_H
#define FLOWAUDIT_FIREWALL_INTERNAL_H

#include "firewall.h"

/* One side of an allow rule: the addresses (networks, hosts, resolved
 * names) and the names that did not resolve. */
struct fw_side {
	struct cidr *nets;           /* no net inside another, in binding order */
	unsigned nnets;
	const struct fw_name **unresolved;
	unsigned nunresolved;
	const struct fw_name **resolved; /* names whose addresses are in nets */
	unsigned nresolved;
	bool any;                    /* no restriction: an exception's "any" */
	int role;                    /* the one role it is, or -1 */
};

/* The ports of one protocol, sorted and merged; nranges 0: every port. */
struct fw_proto {
	uint8_t proto;               /* IP_PROTO_TCP/UDP/ICMP, 0: any protocol */
	struct port_range *ranges;
	unsigned nranges;
};

struct fw_entry {
	const char *id;              /* the rule's id, or "exception-N" */
	const struct rule *rule;     /* NULL for an exception */
	const struct site_allow *allow;
	unsigned allow_no;           /* 1-based, for exceptions */
	bool expired;
	char sections[160];          /* "3.2.1, 2.1.1" */
	const struct fw_side *from, *to;
	struct fw_proto protos[4];
	unsigned nprotos;
};

struct fw_model {
	const struct ruleset *rs;
	const struct fw_export *x;
	struct fw_side *roles;       /* per role index */
	unsigned nroles;
	struct fw_side *owned;       /* exceptions' sides */
	unsigned nowned;
	struct fw_entry *entries;
	unsigned nentries;
	struct fw_side audited;      /* every address of the audited roles */
};

bool fw_model_build(struct fw_model *m, const struct ruleset *rs,
		    const struct fw_export *x);
void fw_model_free(struct fw_model *m);

/* Whether a side holds every address of a family (a /0). */
bool fw_side_any(const struct fw_side *s, uint8_t family);
/* Its networks of a family. */
unsigned fw_side_count(const struct fw_side *s, uint8_t family);

/* Untrusted text for the targets. */
/* A "# ..." comment line's text: one line whatever s holds. */
void fw_put_comment_text(FILE *f, const char *s);
/* A string for inside double quotes in nft/iptables, kept to characters
 * that mean nothing there, at most max bytes. */
void fw_quoted_safe(char *out, size_t max, const char *s);
/* A PowerShell single-quoted string, with its quotes. */
void fw_put_ps_string(FILE *f, const char *s);

/* "2023-11-14 22:13:20 UTC" */
void fw_format_time(char out[32], uint64_t us);

void fw_write_nftables(FILE *f, const struct fw_model *m, struct fw_stats *st);
void fw_write_iptables(FILE *f, const struct fw_model *m, uint8_t family,
		       struct fw_stats *st);
void fw_write_windows(FILE *f, const struct fw_model *m, struct fw_stats *st);
void fw_write_csv(FILE *f, const struct fw_model *m, struct fw_stats *st);

#endif
