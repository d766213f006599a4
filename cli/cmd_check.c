/* cmd_check.c - `flowaudit check`: validate a site (and matrix) and show the
 * rule set they yield, before any capture is read. */
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "rules/rules.h"

static void check_usage(FILE *f)
{
	fprintf(f,
	"usage: flowaudit check --site FILE [--matrix FILE]\n"
	"\n"
	"Loads the matrix (default: the installed matrix,\n"
	"%s) and the site, reports every problem as FILE:LINE:COLUMN with a hint,\n"
	"and prints the resolved rule set: each enforced rule with the concrete\n"
	"hosts it applies to, the rules that do not apply and why, and the site's\n"
	"own allowances.\n"
	"\n"
	"  -h, --help   this help\n"
	"\n"
	"Exit status: 0 valid, 2 errors.\n", ruleset_default_matrix());
}

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		RULES_LONG_OPTIONS,
		HELP_LONG_OPTION,
		END_OF_OPTIONS,
	};
	struct rules_options rules = { 0 };
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, HELP_SHORT_OPTIONS, longopts, NULL)) != -1) {
		if (rules_option(&rules, opt, optarg))
			continue;
		switch (opt) {
		case OPT_HELP:
			check_usage(stdout);
			return EXIT_OK;
		default:
			check_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("check: unexpected argument \"%s\"", argv[optind]);
		return EXIT_USAGE;
	}
	if (!rules_options_check(&rules, "check", ""))
		return EXIT_USAGE;
	struct diag d = { .out = stderr };
	struct ruleset *rs = ruleset_load(rules.matrix, rules.site, &d);
	if (!rs) {
		fprintf(stderr, "flowaudit: %u error%s, %u warning%s\n", d.errors,
			d.errors == 1 ? "" : "s", d.warnings, d.warnings == 1 ? "" : "s");
		return EXIT_USAGE;
	}
	ruleset_print(rs, stdout, (uint64_t)time(NULL) * 1000000u);
	ruleset_free(rs);
	return EXIT_OK;
}
