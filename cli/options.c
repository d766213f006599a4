/* options.c - options shared beyond input (see options.h). */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "audit/policy.h"
#include "rules/rules.h"

int rules_option(struct rules_options *r, int opt, const char *arg)
{
	switch (opt) {
	case OPT_SITE:
		r->site = arg;
		return 1;
	case OPT_MATRIX:
		r->matrix = arg;
		return 1;
	default:
		return 0;
	}
}

bool rules_options_check(const struct rules_options *r, const char *cmd,
			 const char *why)
{
	if (r->site)
		return true;
	cli_error("%s: --site FILE is required%s", cmd, why);
	return false;
}

bool rules_matrix_found(const struct rules_options *r)
{
	if (r->matrix)
		return true;  /* named: its loader says what is wrong with it */
	const char *path = ruleset_default_matrix();
	if (access(path, R_OK) == 0)
		return true;
	cli_error("no matrix at %s, the default: name one with --matrix FILE, or "
		  "set %s to the directory that holds it", path, MATRIX_DIR_ENV);
	return false;
}

void rules_load_failed(const struct diag *d)
{
	fprintf(stderr, "flowaudit: %u error%s, %u warning%s\n", d->errors,
		plural_s(d->errors), d->warnings, plural_s(d->warnings));
}

bool fail_on_option(const char *spec, struct fail_policy *p, const char *cmd)
{
	char err[512];

	if (fail_policy_parse(spec, p, err, sizeof(err)))
		return true;
	if (cmd)
		cli_error("%s: --fail-on: %s", cmd, err);
	else
		cli_error("--fail-on: %s", err);
	return false;
}
