/* rules.h - the matrix and the site, resolved into the rule set an audit
 * enforces.
 *
 * A matrix file is vendor knowledge: roles, parameters, features and rules,
 * each rule citing the sections of the vendor document that state it. A site
 * file binds the matrix's roles to the addresses, networks and host names of
 * one deployment, overrides parameters, switches features off, and lists
 * site-local allowances. Both are JSON, read with cJSON; every error names
 * the file, line and column, with a hint. Loaded once, then read-only.
 */
#ifndef FLOWAUDIT_RULES_H
#define FLOWAUDIT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/cidr.h"
#include "common/ip_proto.h"

#define MAX_ROLES 64  /* role sets are 64-bit masks */

typedef uint64_t role_mask;

enum need {
	NEED_REQUIRED,  /* must be seen: missing if never attempted */
	NEED_OPTIONAL,  /* judged when seen; never missing */
	NEED_ALLOWED,   /* permitted traffic; no finding of its own */
};

const char *need_name(enum need n);

struct port_range {
	uint16_t lo, hi;
};

/* One protocol and its ports within a rule ("kerberos tcp/88"). */
struct rule_service {
	const char *label;           /* e.g. "kerberos"; may be "" */
	uint8_t proto;               /* IP_PROTO_TCP, IP_PROTO_UDP, IP_PROTO_ICMP */
	const struct port_range *ports;
	unsigned nports;             /* 0 for ICMP */
	/* Counts as evidence for the rule's requirement. False for ports the
	 * rule only allows (the SQL Browser's udp/1434 next to tcp/1433). */
	bool evidence;
	/* nDPI protocols that may run on these ports; a positive detection of
	 * anything else makes the flow not match. napps 0: no constraint. */
	const char *const *apps;
	unsigned napps;
	bool apps_allow_unknown;     /* an undetected application is fine */
};

struct rule {
	const char *id;
	const char *description;
	unsigned from_role, to_role;
	enum need need;
	const char *const *sections;
	unsigned nsections;
	const struct rule_service *services;
	unsigned nservices;
	const char *group;           /* for reports: e.g. "License Server" */
	bool applicable;             /* roles bound and feature on */
	const char *not_applicable_why; /* when !applicable */
	/* Each evidence service (each port of each, see rule_unit_count) must
	 * work, not any one: the matrix says so ("each": true), or names the
	 * parameter whose value, once the site declares it, binds the ports
	 * ("each": "$webaccess_ports"). */
	bool each;
	const char *each_param;      /* that parameter's name, or NULL */
};

/* Where a client population's hosts normally are (the matrix's
 * "location"): suggest tells servers that answer the same ports apart by
 * whether their clients are on the internet or on the site's networks. */
enum role_location {
	LOCATION_UNSAID,             /* the matrix does not say */
	LOCATION_INTERNET,           /* anywhere: public addresses */
	LOCATION_SITE,               /* the site's own (private) networks */
};

struct role {
	const char *name;
	const char *description;
	const char *const *sections;
	unsigned nsections;
	/* Audited roles bring a flow into scope; peers (shared
	 * infrastructure) are judged only opposite an audited host unless the
	 * site declares them dedicated; client populations and external
	 * services only say who may connect or be reached. */
	bool audited;
	bool peer;
	/* Bound to the site's "dedicated" hosts, never by the site directly:
	 * those hosts are audited, and are domain members like the servers. */
	bool dedicated;
	bool bound;                  /* the site binds it */
	enum role_location location; /* client populations only */
};

/* A concrete host: one machine the site binds, with every address it has.
 * A site may group several addresses under a name (dual stack: {"host":
 * "lic01", "addresses": ["10.1.0.10", "fd00::10"]}); a single address
 * bound on its own is a host of its own, named by its address. A rule is
 * judged per host: an attempt from any of its addresses counts. */
struct site_host {
	const char *name;
	bool named;                  /* the site gave it its name */
	const struct cidr *addrs;    /* single addresses (/32, /128), at least one */
	unsigned naddrs;
};

/* A site-local allowance: known extra traffic, allowed not unexpected. */
struct site_allow {
	const char *why;
	const char *expires;         /* "YYYY-MM-DD" or NULL: never */
	uint64_t expires_us;         /* the end of that day (UTC); 0: never */
	/* Each side is a role (mask) or a list of networks (or any). */
	role_mask from_roles, to_roles;
	const struct cidr *from_nets, *to_nets;
	unsigned nfrom_nets, nto_nets;
	uint8_t proto;               /* 0: any */
	const struct port_range *ports;
	unsigned nports;             /* 0: any */
};

struct ruleset;

/* Errors and warnings, each "FILE:LINE:COLUMN: message" with a hint. */
struct diag {
	unsigned errors, warnings;
	FILE *out;                   /* where messages go (stderr) */
};

/* Loads a matrix (NULL: the installed SpeechExec Enterprise matrix) and a
 * site. Returns NULL when either has errors, all of them reported. */
struct ruleset *ruleset_load(const char *matrix_path, const char *site_path,
			     struct diag *d);
void ruleset_free(struct ruleset *rs);

/* The matrix alone, bound to no site (`flowaudit matrix`): parameters and
 * features at their defaults, no role bound, so no rule applies. NULL when
 * it has errors, all of them reported. */
struct ruleset *ruleset_load_matrix(const char *matrix_path, struct diag *d);

/* The environment variable naming the directory of the default matrix. */
#define MATRIX_DIR_ENV "FLOWAUDIT_MATRIX_DIR"

/* The default matrix path (installed under $(pkgdatadir)). */
const char *ruleset_default_matrix(void);

const char *ruleset_site_name(const struct ruleset *rs);
const char *ruleset_matrix_name(const struct ruleset *rs);
/* The vendor document the matrix cites ("" when it names none). */
const char *ruleset_document(const struct ruleset *rs);
const char *ruleset_matrix_path(const struct ruleset *rs);
const char *ruleset_site_path(const struct ruleset *rs);
/* The vendor document the matrix derives from ("document"), or NULL. */
const char *ruleset_matrix_document(const struct ruleset *rs);

/* A parameter of the matrix: a port ("port") or a list ("ports"), with its
 * value (the site's, else the matrix's default). */
struct matrix_param {
	const char *name;
	const char *description;
	const char *const *sections;
	unsigned nsections;
	bool list;
	const struct port_range *values;
	unsigned nvalues;
	bool overridden;             /* the site sets it */
};
/* A feature a site may switch off; on: the site's choice, else the default. */
struct matrix_feature {
	const char *name;
	const char *description;
	bool on;
};
unsigned ruleset_param_count(const struct ruleset *rs);
bool ruleset_param(const struct ruleset *rs, unsigned i, struct matrix_param *out);
unsigned ruleset_feature_count(const struct ruleset *rs);
bool ruleset_feature(const struct ruleset *rs, unsigned i, struct matrix_feature *out);
/* The feature that gates rule i, or NULL. */
const char *ruleset_rule_feature(const struct ruleset *rs, unsigned i);
/* Service s of rule i as the matrix writes it, parameters by name
 * ("tcp/$mobile_ports", "udp/137-138"), into buf. */
void ruleset_service_source(const struct ruleset *rs, unsigned i, unsigned s,
			    char *buf, size_t len);
/* How a site binds role i: to addresses and networks, host names, or
 * through its "dedicated" list. */
void ruleset_role_binds(const struct ruleset *rs, unsigned i, bool *addresses,
			bool *names, bool *dedicated);

unsigned ruleset_role_count(const struct ruleset *rs);
const struct role *ruleset_role(const struct ruleset *rs, unsigned i);
unsigned ruleset_rule_count(const struct ruleset *rs);
const struct rule *ruleset_rule(const struct ruleset *rs, unsigned i);

/* The roles an address holds by the site's address and network bindings. */
role_mask ruleset_roles_of_addr(const struct ruleset *rs, uint8_t ip_version,
				const struct ip_addr *a);
/* The roles bound to a host name (case-insensitive, exact or "*.domain"). */
role_mask ruleset_roles_of_name(const struct ruleset *rs, const char *name);
/* Whether any role is bound to a host name: when none is, a flow's roles
 * come from its addresses alone. */
bool ruleset_binds_names(const struct ruleset *rs);
/* The roles that bring a flow into scope: the matrix's audited roles, and
 * the role of the site's dedicated hosts. */
role_mask ruleset_audited_roles(const struct ruleset *rs);
/* Shared infrastructure: judged opposite an audited host. */
role_mask ruleset_peer_roles(const struct ruleset *rs);
/* The peer roles the site dedicates to the audited product whole. */
role_mask ruleset_dedicated_roles(const struct ruleset *rs);

/* The concrete hosts of a role: single addresses it is bound to (/32, /128).
 * Networks (0.0.0.0/0, 10.2.0.0/16) and host names are populations. */
unsigned ruleset_role_hosts(const struct ruleset *rs, unsigned role,
			    const struct cidr **hosts);
/* The hosts the site binds (see struct site_host). */
unsigned ruleset_host_count(const struct ruleset *rs);
const struct site_host *ruleset_host(const struct ruleset *rs, unsigned i);
/* The host an address belongs to, or -1 when it is no concrete host. */
int ruleset_host_of(const struct ruleset *rs, uint8_t ip_version,
		    const struct ip_addr *a);
/* The concrete hosts of a role, each once, in the order the site binds
 * them: indexes for ruleset_host. */
unsigned ruleset_role_host_ids(const struct ruleset *rs, unsigned role,
			       const unsigned **ids);
/* The networks and names a role is bound to, for display. */
unsigned ruleset_role_nets(const struct ruleset *rs, unsigned role,
			   const struct cidr **nets);
unsigned ruleset_role_names(const struct ruleset *rs, unsigned role,
			    const char *const **names);

/* A libpcap filter expression keeping what an audit can use: packets to or
 * from the audited roles' addresses, DNS, and tunnels that may carry them
 * (VLAN-tagged too). False when no such filter exists (an audited role
 * bound by name or to every address): capture everything. */
bool ruleset_capture_filter(const struct ruleset *rs, char *out, size_t len);

/* The parameter a service's port list is, when it is exactly one "$param"
 * item (an index for ruleset_param); else -1. rules/matrix_info.c. */
int ruleset_service_param(const struct ruleset *rs, unsigned rule, unsigned service);
/* The feature that gates a rule, as an index for ruleset_feature; or -1. */
int ruleset_rule_feature_index(const struct ruleset *rs, unsigned rule);

unsigned ruleset_allow_count(const struct ruleset *rs);
const struct site_allow *ruleset_allow(const struct ruleset *rs, unsigned i);

/* One server port range of an applicable rule: a service's protocol and
 * one of its port ranges, the site's parameters resolved. */
struct server_port {
	uint8_t proto;               /* IP_PROTO_TCP or IP_PROTO_UDP */
	struct port_range range;
	const char *label;           /* the service's label, else the rule's id */
	const struct rule *rule;
	const struct rule_service *service;
};

/* The server ports of the applicable rules, in rule and service order (a
 * port several rules name is listed for each): writes at most max to out
 * and returns how many there are. ICMP services have no ports. */
unsigned ruleset_server_ports(const struct ruleset *rs, struct server_port *out,
			      unsigned max);

/* Whether a flow's ports match a service (proto and server port). */
bool service_matches(const struct rule_service *s, uint8_t proto, uint16_t port);

/* Prints the resolved rule set: each applicable rule with its concrete
 * hosts, then what is not applicable and why (`flowaudit check`). */
/* now_us: today, for exceptions that expire. */
void ruleset_print(const struct ruleset *rs, FILE *f, uint64_t now_us);

/* "tcp/13667", "tcp/49152-65535", "udp/137-138" into buf. */
void service_format(const struct rule_service *s, char *buf, size_t len);

/* A rule that needs each of its services is judged per unit: one port (or
 * range) of one evidence service, or an ICMP service. At most
 * RULE_MAX_UNITS: more is refused when the site is loaded. */
#define RULE_MAX_UNITS 32
unsigned rule_unit_count(const struct rule *r);
/* Unit u's service and port range (0-0 for ICMP); false past the last. */
bool rule_unit(const struct rule *r, unsigned u, const struct rule_service **s,
	       struct port_range *range);
/* The unit a flow on service s and server port is evidence for, or -1. */
int rule_unit_of(const struct rule *r, const struct rule_service *s, uint16_t port);
/* "tcp/443", "tcp/49152-65535", "icmp". */
void rule_unit_format(const struct rule *r, unsigned u, char *buf, size_t len);

#endif
