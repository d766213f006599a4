/* firewall.h - the inverse of the audit: the allow rules a site needs, as
 * firewall configuration (`flowaudit firewall`).
 *
 * Every applicable rule of the matrix, between the addresses the site binds
 * its roles to, with the document's sections cited on each, and the site's
 * own exceptions with their reason and expiry (expired ones left out, with a
 * comment saying so). The default-deny stance for the audited hosts is stated
 * as a comment; only when asked (enforce) is it a real final drop.
 *
 * Renderers present; they never resolve names: the command resolves the
 * host names the site binds at export time and hands them in as data. A
 * name that did not resolve still yields its rule, as a comment naming it.
 *
 * Every string from the matrix or the site is untrusted: it is made safe for
 * each target (comments cannot end their line, quoted strings cannot end
 * their quote), so a hostile site cannot add a firewall statement. Output is
 * deterministic: the same site, matrix, names and date give the same bytes.
 */
#ifndef FLOWAUDIT_FIREWALL_H
#define FLOWAUDIT_FIREWALL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/cidr.h"
#include "rules/rules.h"

enum fw_target {
	FW_NFTABLES,   /* nft -f: table inet flowaudit */
	FW_IPTABLES,   /* iptables-restore --noflush: IPv4, chain FLOWAUDIT */
	FW_IP6TABLES,  /* ip6tables-restore --noflush: IPv6, chain FLOWAUDIT */
	FW_WINDOWS,    /* PowerShell New-NetFirewallRule, per server host */
	FW_CSV,        /* RFC 4180, one row per rule, destination and protocol */
};

/* "nftables" -> FW_NFTABLES; false for an unknown name. */
bool firewall_target_parse(const char *name, enum fw_target *t);

/* A host name the site binds, as the command resolved it. */
struct fw_name {
	const char *name;
	const struct cidr *addrs;    /* single addresses (/32, /128), sorted */
	unsigned naddrs;             /* 0: not resolved */
	const char *how;             /* "DNS", "--resolve", or why not resolved */
};

struct fw_export {
	enum fw_target target;
	bool enforce;                /* the final statement drops, not a comment */
	uint64_t now_us;             /* today (exceptions' expiry), names' time */
	/* Every name a role of the site is bound to (ruleset_role_names). */
	const struct fw_name *names;
	unsigned nnames;
};

/* What the caller should warn about on stderr. */
struct fw_stats {
	unsigned unresolved;         /* rules (or exceptions) naming an unresolved host */
	unsigned other_family;       /* iptables/ip6tables: rules of the other family left out */
	unsigned expired;            /* exceptions left out */
};

/* Writes the ruleset for x->target onto f. False when memory ran out. */
bool firewall_write(FILE *f, const struct ruleset *rs, const struct fw_export *x,
		    struct fw_stats *stats);

#endif
