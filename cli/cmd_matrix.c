/* cmd_matrix.c - `flowaudit matrix`: what a matrix holds, without a site:
 * a newcomer's first look, and the names a site file uses. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report_outputs.h"
#include "reports/matrix_doc.h"
#include "rules/rules.h"

static void matrix_usage(FILE *f)
{
	fprintf(f,
	"usage: flowaudit matrix [--matrix FILE] [--format FMT] [-o FILE]\n"
	"\n"
	"Describes a matrix on its own: its roles (what each is and its\n"
	"sections of the vendor document), its parameters with their defaults,\n"
	"its features and its rules with their sections; then, in text and\n"
	"markdown, a site file's skeleton with every name the matrix has, to\n"
	"copy and fill in. No site is needed.\n"
	"\n"
	"  --matrix FILE   the matrix; default: the installed matrix, or the\n"
	"                  one in $%s; now:\n"
	"                    %s\n"
	"  --format FMT    text (default), markdown or json\n"
	"  -o, --output FILE  write there instead of standard output (\"-\":\n"
	"                  standard output); written atomically\n"
	"  -h, --help      this help\n"
	"\n"
	"Exit status: 0 described, 2 bad usage or a bad matrix.\n",
	MATRIX_DIR_ENV, ruleset_default_matrix());
}

struct matrix_doc_job {
	const struct ruleset *rs;
	enum matrix_doc_format fmt;
};

static bool render_doc(FILE *f, const void *ctx)
{
	const struct matrix_doc_job *j = ctx;
	return matrix_doc_write(f, j->rs, j->fmt);
}

/* Writes the description to path (NULL: stdout); false after saying why. */
static bool write_doc(const struct ruleset *rs, enum matrix_doc_format fmt,
		      const char *path)
{
	struct matrix_doc_job j = { rs, fmt };
	return output_write_document(path, 0, "the matrix description", render_doc, &j);
}

int cmd_matrix(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "matrix", required_argument, NULL, OPT_MATRIX },
		FORMAT_LONG_OPTION,
		{ "output", required_argument, NULL, OPT_OUTPUT },
		HELP_LONG_OPTION,
		END_OF_OPTIONS,
	};
	struct rules_options rules = { 0 };
	enum matrix_doc_format fmt = MATRIX_DOC_TEXT;
	const char *path = NULL;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, OUTPUT_SHORT_OPTIONS HELP_SHORT_OPTIONS,
				  longopts, NULL)) != -1) {
		if (rules_option(&rules, opt, optarg))
			continue;
		switch (opt) {
		case OPT_FORMAT:
			if (!matrix_doc_format_parse(optarg, &fmt)) {
				cli_error("matrix: --format: unknown format \"%s\" "
					  "(text, markdown or json)", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_OUTPUT:
			path = optarg;
			break;
		case OPT_HELP:
			matrix_usage(stdout);
			return EXIT_OK;
		default:
			matrix_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("matrix: unexpected argument \"%s\" (a matrix is named "
			  "with --matrix FILE)", argv[optind]);
		return EXIT_USAGE;
	}
	if (!rules_matrix_found(&rules))
		return EXIT_USAGE;
	struct diag d = { .out = stderr };
	struct ruleset *rs = ruleset_load_matrix(rules.matrix, &d);
	if (!rs) {
		rules_load_failed(&d);
		return EXIT_USAGE;
	}
	bool ok = write_doc(rs, fmt, path);
	ruleset_free(rs);
	return ok ? EXIT_OK : EXIT_USAGE;
}
