/* cmd_check.c - `flowaudit check`: validate a site (and matrix) and show the
 * rule set they yield, before any capture is read. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "common/read_whole.h"
#include "common/safe_text.h"
#include "rules/rules.h"

/* The largest report --report reads: a report is a few MB at most. */
#define LAST_REPORT_MAX (64u << 20)

static void check_usage(FILE *f)
{
	fprintf(f,
	"usage: flowaudit check --site FILE [--matrix FILE] [--report FILE]\n"
	"\n"
	"Loads the matrix and the site, reports every problem as\n"
	"FILE:LINE:COLUMN with a hint, and prints the resolved rule set: each\n"
	"enforced rule with the concrete hosts it applies to, the rules that do\n"
	"not apply and why, and the site's own allowances. Warns about a role\n"
	"bound to nothing, and a bound role no rule applies to (all its traffic\n"
	"would be unexpected).\n"
	"\n"
	"  --site FILE    the site: which addresses hold which roles\n"
	"  --matrix FILE  the matrix; default: the installed matrix, or the one\n"
	"                 in $%s; now:\n"
	"                   %s\n"
	"  --report FILE  the JSON report of the last audit: also warn about site\n"
	"                 exceptions that matched no traffic in it\n"
	"  -h, --help     this help\n"
	"\n"
	"Exit status: 0 valid (warnings or not), 2 errors.\n",
	MATRIX_DIR_ENV, ruleset_default_matrix());
}

static char *read_small_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	enum read_whole_status status;
	size_t len;

	if (!f)
		return NULL;
	char *text = read_whole(f, LAST_REPORT_MAX, &len, &status);
	int err = status == READ_WHOLE_NO_MEMORY ? ENOMEM :
		  status == READ_WHOLE_TOO_LARGE ? EFBIG : errno;
	fclose(f);
	errno = err;
	return text;
}

/* The exceptions of the last audit's report (in the site's order) that
 * covered no flow: an exception nothing uses is one nobody reviews. */
static bool warn_unused_exceptions(const struct ruleset *rs, const char *path)
{
	char *text = read_small_file(path);
	if (!text) {
		cli_error("check: cannot read %s: %s", path, strerror(errno));
		return false;
	}
	cJSON *root = cJSON_Parse(text);
	free(text);
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "exceptions");
	if (!cJSON_IsArray(list)) {
		cli_error("check: %s is not a flowaudit JSON report with exceptions", path);
		cJSON_Delete(root);
		return false;
	}
	unsigned i = 0;
	for (const cJSON *e = list->child; e; e = e->next, i++) {
		const struct site_allow *a = ruleset_allow(rs, i);
		const cJSON *why = cJSON_GetObjectItemCaseSensitive(e, "why");
		const cJSON *flows = cJSON_GetObjectItemCaseSensitive(e, "flows");
		if (!a || !cJSON_IsString(why) || strcmp(why->valuestring, a->why) != 0) {
			text_printf_safe(stdout, "warning: %s lists other exceptions "
					 "than the site: its exception %u is not the "
					 "site's", path, i + 1);
			putchar('\n');
			break;
		}
		if (cJSON_IsNumber(flows) && flows->valuedouble == 0) {
			text_printf_safe(stdout, "warning: allow entry %u (%s) matched "
					 "no traffic in %s", i + 1, a->why, path);
			putchar('\n');
		}
	}
	cJSON_Delete(root);
	return true;
}

/* What judging a bound role no rule applies to would do. */
static const char *role_consequence(const struct role *r)
{
	if (r->audited)
		return "all its traffic would be unexpected";
	if (r->peer)
		return "its flows with the audited hosts would be unexpected";
	return "it allows nothing";
}

/* A bound role no applicable rule names: the site binds it for nothing,
 * or (more likely) lacks the roles and features its rules need. Says the
 * first few reasons the rules give. Returns how many such roles. */
static unsigned warn_idle_roles(const struct ruleset *rs)
{
	unsigned warned = 0, bound = 0;

	for (unsigned i = 0; i < ruleset_role_count(rs); i++)
		bound += ruleset_role(rs, i)->bound;
	if (bound == 0) {
		puts("warning: the site binds no role: no rule applies, and an audit "
		     "would judge nothing");
		return 1;
	}
	for (unsigned i = 0; i < ruleset_role_count(rs); i++) {
		const struct role *role = ruleset_role(rs, i);
		char why[512] = "";
		size_t used = 0;
		unsigned named = 0;
		bool applies = false;
		if (!role->bound)
			continue;
		for (unsigned k = 0; k < ruleset_rule_count(rs) && !applies; k++) {
			const struct rule *r = ruleset_rule(rs, k);
			if (r->from_role != i && r->to_role != i)
				continue;
			applies = r->applicable;
			if (!applies && named++ < 3 && used < sizeof(why))
				used += (size_t)snprintf(why + used, sizeof(why) - used,
							 "%s%s: %s", named > 1 ? "; " : "",
							 r->id, r->not_applicable_why);
		}
		if (applies)
			continue;
		text_printf_safe(stdout, "warning: role %s is bound, but no rule applies "
				 "to it: %s (%s%s)", role->name, role_consequence(role),
				 named ? why : "the matrix has no rule for it",
				 named > 3 ? "; ..." : "");
		putchar('\n');
		warned++;
	}
	return warned;
}

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		RULES_LONG_OPTIONS,
		{ "report", required_argument, NULL, OPT_LAST_REPORT },
		HELP_LONG_OPTION,
		END_OF_OPTIONS,
	};
	struct rules_options rules = { 0 };
	const char *last_report = NULL;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, HELP_SHORT_OPTIONS, longopts, NULL)) != -1) {
		if (rules_option(&rules, opt, optarg))
			continue;
		switch (opt) {
		case OPT_LAST_REPORT:
			last_report = optarg;
			break;
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
	if (!rules_options_check(&rules, "check", "") || !rules_matrix_found(&rules))
		return EXIT_USAGE;
	struct diag d = { .out = stderr };
	struct ruleset *rs = ruleset_load(rules.matrix, rules.site, &d);
	if (!rs) {
		rules_load_failed(&d);
		return EXIT_USAGE;
	}
	ruleset_print(rs, stdout, (uint64_t)time(NULL) * 1000000u);
	warn_idle_roles(rs);
	bool ok = !last_report || warn_unused_exceptions(rs, last_report);
	ruleset_free(rs);
	return ok ? EXIT_OK : EXIT_USAGE;
}
