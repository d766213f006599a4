/* main.c - flowaudit: passive packet-capture flow auditor. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "components.h"
#include "common/hash_key.h"
#include "config.h"

static void usage(FILE *f)
{
	fprintf(f,
	"usage: flowaudit COMMAND [OPTIONS] [CAPTURE...]\n"
	"\n"
	"Checks the traffic of a site against a vendor's documented port and\n"
	"service matrix: what is there that should not be (unexpected), what\n"
	"should be there and never appeared (missing), and what was tried and\n"
	"failed (blocked).\n"
	"\n"
	"Commands:\n"
	"  audit     check captured flows against a matrix and a site file\n"
	"  flows     one record per flow (Zeek conn.log fields), no judgement\n"
	"  check     validate a site (and matrix) and show the rules it yields\n"
	"  watch     audit a live mirror port continuously, report per window\n"
	"  matrix    describe a matrix: roles, parameters, features, rules, and\n"
	"            a site file's skeleton (start here)\n"
	"  firewall  the allow rules a site needs: nftables, iptables, Windows, CSV\n"
	"  diff      compare two JSON audit reports: new, resolved, changed\n"
	"  merge     merge JSON audit reports of parts (sensors, files, windows)\n"
	"            into the site-wide report\n"
	"  suggest   propose a site file from captured traffic, with evidence\n"
	"\n"
	"  flowaudit COMMAND --help   options of one command\n"
	"  flowaudit --version        version and library versions\n"
	"\n"
	"Exit status: 0 nothing at or above --fail-on, 1 findings, 2 bad usage or\n"
	"input. See flowaudit(1).\n");
}

/* The program's version, then each library's as it states it at run time
 * (the library loaded, not the headers built against). */
static void version(void)
{
	struct component c[COMPONENT_COUNT];
	size_t n = components_list(c);

	printf("flowaudit %s\n", c[0].version);
	for (size_t i = 1; i < n; i++)
		printf("  %-13s %s\n", c[i].name, c[i].version);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 ||
	    strcmp(cmd, "version") == 0) {
		version();
		return EXIT_OK;
	}
	/* Drawn before any table exists (and before privileges are dropped). */
	if (!hash_key_init()) {
		cli_error("%s must be 1 to 32 hex digits", HASH_SEED_ENV);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "flows") == 0)
		return cmd_flows(argc - 1, argv + 1);
	if (strcmp(cmd, "audit") == 0)
		return cmd_audit(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(cmd, "matrix") == 0)
		return cmd_matrix(argc - 1, argv + 1);
	if (strcmp(cmd, "watch") == 0)
		return cmd_watch(argc - 1, argv + 1);
	if (strcmp(cmd, "firewall") == 0)
		return cmd_firewall(argc - 1, argv + 1);
	if (strcmp(cmd, "diff") == 0)
		return cmd_diff(argc - 1, argv + 1);
	if (strcmp(cmd, "merge") == 0)
		return cmd_merge(argc - 1, argv + 1);
	if (strcmp(cmd, "suggest") == 0)
		return cmd_suggest(argc - 1, argv + 1);
	cli_error("unknown command \"%s\" (try: flowaudit --help)", cmd);
	return EXIT_USAGE;
}
