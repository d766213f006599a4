/* options.c - options shared beyond input (see options.h). */
#include "cli.h"

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
