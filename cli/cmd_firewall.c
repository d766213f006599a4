/* cmd_firewall.c - `flowaudit firewall`: the allow rules the matrix needs
 * for a site, as nftables, iptables-restore, PowerShell or CSV.
 *
 * The rendering is reports/firewall.c's; this file resolves the host names
 * the site binds (a firewall holds addresses), at export time, and says on
 * stderr what did not resolve: such rules are written as comments, never
 * left out silently. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "cli.h"
#include "report_outputs.h"
#include "common/safe_text.h"
#include "reports/firewall.h"
#include "rules/rules.h"

/* Options of this command alone, numbered past every shared code of
 * options.h so that the two lists can grow apart. */
enum {
	OPT_FW_TARGET = OPT_LONG_ONLY + 0x400,
	OPT_FW_ENFORCE,
	OPT_FW_NO_RESOLVE,
	OPT_FW_RESOLVE,
};

#define MAX_FW_NAMES 256       /* host names a site binds, at most */
#define MAX_NAME_ADDRS 16      /* addresses kept per name */
#define MAX_RESOLVE_ARGS 64

static void firewall_usage(FILE *f)
{
	fprintf(f,
	"usage: flowaudit firewall --site FILE --target TARGET [-o FILE]\n"
	"\n"
	"Writes the allow rules the matrix requires for the site: every\n"
	"applicable rule between the hosts the site binds, each citing the\n"
	"document's sections, then the site's exceptions (expired ones as a\n"
	"comment). Default deny for the audited hosts is stated, not imposed.\n"
	"\n"
	"  --target T         nftables (nft -f), iptables or ip6tables\n"
	"                     (iptables-restore --noflush), windows (PowerShell\n"
	"                     New-NetFirewallRule per server), csv (RFC 4180)\n"
	"  --matrix FILE      the matrix (default: the installed one)\n"
	"  -o, --output FILE  where to write (default: standard output)\n"
	"  --enforce          make the default deny a real final drop\n"
	"  --resolve N=A[,A]  host name N has addresses A, not looked up\n"
	"  --no-resolve       look up no host name: their rules are comments\n"
	"  -h, --help         this help\n"
	"\n"
	"Host names are resolved now (DNS); the output says to what and when.\n"
	"A name that does not resolve is warned about, its rules commented.\n"
	"\n"
	"Exit status: 0 written, 2 bad usage, bad site or unwritable output.\n");
}

/* SOURCE_DATE_EPOCH (reproducible-builds.org) when it is a plain number of
 * seconds, else the wall clock: tests and reproducible builds get one date. */
static uint64_t export_now_us(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde && strspn(sde, "0123456789") == strlen(sde) && strlen(sde) <= 12)
		return strtoull(sde, NULL, 10) * 1000000ull;
	return (uint64_t)time(NULL) * 1000000ull;
}

struct name_table {
	struct fw_name names[MAX_FW_NAMES];
	struct cidr addrs[MAX_FW_NAMES][MAX_NAME_ADDRS];
	unsigned n;
	char why[MAX_FW_NAMES][96];
	const char *resolve[MAX_RESOLVE_ARGS];  /* --resolve arguments */
	unsigned nresolve;
	bool no_resolve;
};

static bool add_addr(struct fw_name *n, struct cidr *slots, uint8_t version,
		     const void *bytes)
{
	struct cidr c = { .ip_version = version, .prefix = version == 4 ? 32 : 128 };
	memcpy(c.addr.b, bytes, version == 4 ? 4 : 16);
	for (unsigned i = 0; i < n->naddrs; i++)
		if (memcmp(&slots[i], &c, sizeof(c)) == 0)
			return true;
	if (n->naddrs == MAX_NAME_ADDRS)
		return false;
	slots[n->naddrs++] = c;
	return true;
}

static int cidr_order(const void *pa, const void *pb)
{
	const struct cidr *a = pa, *b = pb;
	return ip_addr_compare(a->ip_version, &a->addr, b->ip_version, &b->addr);
}

/* "name=10.0.0.1,fd00::1": the addresses, or false with why. */
static bool parse_resolve(const char *arg, struct fw_name *n, struct cidr *slots)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", arg);
	char *eq = strchr(buf, '=');
	if (!eq)
		return false;
	for (char *tok = strtok(eq + 1, ","); tok; tok = strtok(NULL, ",")) {
		unsigned char b[16];
		if (inet_pton(AF_INET, tok, b) == 1)
			add_addr(n, slots, 4, b);
		else if (inet_pton(AF_INET6, tok, b) == 1)
			add_addr(n, slots, 6, b);
		else
			return false;
	}
	return n->naddrs > 0;
}

static const char *given_resolve(const struct name_table *t, const char *name)
{
	size_t len = strlen(name);
	for (unsigned i = 0; i < t->nresolve; i++)
		if (strncmp(t->resolve[i], name, len) == 0 && t->resolve[i][len] == '=')
			return t->resolve[i];
	return NULL;
}

static void dns_resolve(struct fw_name *n, struct cidr *slots, char *why, size_t len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(n->name, NULL, &hints, &res);
	if (rc != 0) {
		snprintf(why, len, "%s", gai_strerror(rc));
		n->how = why;
		return;
	}
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		if (a->ai_family == AF_INET)
			add_addr(n, slots, 4, &((struct sockaddr_in *)a->ai_addr)->sin_addr);
		else if (a->ai_family == AF_INET6)
			add_addr(n, slots, 6, &((struct sockaddr_in6 *)a->ai_addr)->sin6_addr);
	}
	freeaddrinfo(res);
	n->how = n->naddrs ? "DNS" : "no address";
}

static void resolve_one(struct name_table *t, unsigned i)
{
	struct fw_name *n = &t->names[i];
	const char *given = given_resolve(t, n->name);

	if (given) {
		n->how = "--resolve";
		parse_resolve(given, n, t->addrs[i]);
	} else if (strncmp(n->name, "*.", 2) == 0) {
		n->how = "a wildcard names no address";
	} else if (t->no_resolve) {
		n->how = "--no-resolve";
	} else {
		dns_resolve(n, t->addrs[i], t->why[i], sizeof(t->why[i]));
	}
	/* Sorted: the output does not follow the resolver's order. */
	qsort(t->addrs[i], n->naddrs, sizeof(struct cidr), cidr_order);
	n->addrs = t->addrs[i];
}

/* Every name the site binds, once, in role order. */
static void resolve_names(struct name_table *t, const struct ruleset *rs)
{
	for (unsigned r = 0; r < ruleset_role_count(rs); r++) {
		const char *const *names;
		unsigned nn = ruleset_role_names(rs, r, &names);
		for (unsigned i = 0; i < nn && t->n < MAX_FW_NAMES; i++) {
			bool seen = false;
			for (unsigned j = 0; j < t->n && !seen; j++)
				seen = strcmp(t->names[j].name, names[i]) == 0;
			if (seen)
				continue;
			t->names[t->n].name = names[i];
			resolve_one(t, t->n++);
		}
	}
}

static void warn_names(const struct name_table *t)
{
	for (unsigned i = 0; i < t->n; i++) {
		if (t->names[i].naddrs)
			continue;
		text_printf_safe(stderr, "flowaudit: warning: firewall: host name %s not "
				 "resolved (%s): its rules are written as comments; "
				 "allow its addresses by hand", t->names[i].name,
				 t->names[i].how);
		fputc('\n', stderr);
	}
}

static void warn_stats(const struct fw_stats *st, enum fw_target target)
{
	if (st->other_family)
		fprintf(stderr, "flowaudit: warning: firewall: %u rule%s also %s %s "
			"addresses: --target %s writes those\n", st->other_family,
			st->other_family == 1 ? "" : "s",
			st->other_family == 1 ? "has" : "have",
			target == FW_IPTABLES ? "IPv6" : "IPv4",
			target == FW_IPTABLES ? "ip6tables" : "iptables");
	if (st->expired)
		fprintf(stderr, "flowaudit: firewall: %u expired exception%s left out\n",
			st->expired, st->expired == 1 ? "" : "s");
}

struct firewall_args {
	struct rules_options rules;
	const char *target_name;
	const char *output;
	bool enforce;
};

static int parse_args(int argc, char **argv, struct firewall_args *a,
		      struct name_table *t)
{
	static const struct option longopts[] = {
		RULES_LONG_OPTIONS,
		{ "target", required_argument, NULL, OPT_FW_TARGET },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "enforce", no_argument, NULL, OPT_FW_ENFORCE },
		{ "no-resolve", no_argument, NULL, OPT_FW_NO_RESOLVE },
		{ "resolve", required_argument, NULL, OPT_FW_RESOLVE },
		HELP_LONG_OPTION,
		END_OF_OPTIONS,
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:" HELP_SHORT_OPTIONS, longopts,
				  NULL)) != -1) {
		if (rules_option(&a->rules, opt, optarg))
			continue;
		switch (opt) {
		case OPT_FW_TARGET: a->target_name = optarg; break;
		case OPT_OUTPUT: a->output = optarg; break;
		case OPT_FW_ENFORCE: a->enforce = true; break;
		case OPT_FW_NO_RESOLVE: t->no_resolve = true; break;
		case OPT_FW_RESOLVE: {
			struct fw_name probe = { 0 };
			struct cidr slots[MAX_NAME_ADDRS];
			if (!parse_resolve(optarg, &probe, slots) ||
			    t->nresolve == MAX_RESOLVE_ARGS) {
				cli_error("firewall: --resolve wants NAME=ADDRESS[,ADDRESS...], "
					  "not \"%s\"", optarg);
				return EXIT_USAGE;
			}
			t->resolve[t->nresolve++] = optarg;
			break;
		}
		case OPT_HELP:
			firewall_usage(stdout);
			return EXIT_OK;
		default:
			firewall_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("firewall: unexpected argument \"%s\"", argv[optind]);
		return EXIT_USAGE;
	}
	return -1;
}

struct firewall_job {
	const struct ruleset *rs;
	const struct fw_export *x;
	struct fw_stats *st;
};

static bool render_rules(FILE *f, const void *ctx)
{
	const struct firewall_job *j = ctx;
	return firewall_write(f, j->rs, j->x, j->st);
}

static int write_output(const struct firewall_args *a, const struct ruleset *rs,
			const struct fw_export *x)
{
	struct fw_stats st;
	struct firewall_job j = { rs, x, &st };

	if (!output_write_document(a->output, 0, "the firewall rules", render_rules, &j))
		return EXIT_USAGE;
	warn_stats(&st, x->target);
	return EXIT_OK;
}

int cmd_firewall(int argc, char **argv)
{
	struct firewall_args a = { 0 };
	struct name_table *t = calloc(1, sizeof(*t));
	struct fw_export x = { .now_us = export_now_us() };

	if (!t) {
		cli_error("firewall: out of memory");
		return EXIT_USAGE;
	}
	int rc = parse_args(argc, argv, &a, t);
	if (rc < 0 && !rules_options_check(&a.rules, "firewall", ""))
		rc = EXIT_USAGE;
	if (rc < 0 && !a.target_name) {
		cli_error("firewall: --target nftables|iptables|ip6tables|windows|csv "
			  "is required");
		rc = EXIT_USAGE;
	}
	if (rc < 0 && !firewall_target_parse(a.target_name, &x.target)) {
		cli_error("firewall: unknown --target \"%s\" (nftables, iptables, "
			  "ip6tables, windows, csv)", a.target_name);
		rc = EXIT_USAGE;
	}
	if (rc >= 0) {
		free(t);
		return rc;
	}
	struct diag d = { .out = stderr };
	struct ruleset *rs = ruleset_load(a.rules.matrix, a.rules.site, &d);
	if (!rs) {
		fprintf(stderr, "flowaudit: %u error%s, %u warning%s\n", d.errors,
			d.errors == 1 ? "" : "s", d.warnings, d.warnings == 1 ? "" : "s");
		free(t);
		return EXIT_USAGE;
	}
	resolve_names(t, rs);
	warn_names(t);
	x.enforce = a.enforce;
	x.names = t->names;
	x.nnames = t->n;
	rc = write_output(&a, rs, &x);
	ruleset_free(rs);
	free(t);
	return rc;
}
