/* cmd_diff.c - `flowaudit diff OLD.json NEW.json`: what changed between
 * two audits of one site (two runs, two watch windows, two sensors), for
 * a person (text), a merge request's comment (markdown) or a script
 * (JSON); exit 1 when a finding that gates appeared (docs/diff.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report_outputs.h"
#include "reports/output_file.h"
#include "reports/report_diff.h"

enum diff_format { DIFF_TEXT, DIFF_JSON, DIFF_MARKDOWN };

static void diff_usage(FILE *f)
{
	fputs("usage: flowaudit diff [OPTIONS] OLD.json NEW.json\n"
	      "\n"
	      "Compares two JSON audit reports (audit --format json, or watch\n"
	      "windows) of one site: findings new, resolved and changed (same\n"
	      "rule and host, or same conversation, another kind or cause), and\n"
	      "capture-health notes that appeared or went away. Input names are\n"
	      "not compared: reports of two sensors of one site compare.\n"
	      "\n"
	      "  --format FMT     text (default), json or markdown (a merge\n"
	      "                   request's comment); -o FILE.json or FILE.md\n"
	      "                   choose it too\n"
	      "  --fail-on KINDS  new findings of these kinds fail the diff: any of\n"
	      "                   missing,blocked,unexpected,inconclusive, or none\n"
	      "                   (default: missing,blocked,unexpected, as audit)\n"
	      "  -o, --output FILE  write there instead of standard output\n"
	      "  -h, --help       this help\n"
	      "\n"
	      "Exit status: 0 no new gating finding, 1 a new gating finding (or one\n"
	      "that gates now and did not), 2 bad usage or input.\n", f);
}

static bool format_parse(const char *name, enum diff_format *fmt)
{
	if (strcmp(name, "text") == 0)
		*fmt = DIFF_TEXT;
	else if (strcmp(name, "json") == 0)
		*fmt = DIFF_JSON;
	else if (strcmp(name, "markdown") == 0 || strcmp(name, "md") == 0)
		*fmt = DIFF_MARKDOWN;
	else
		return false;
	return true;
}

/* -o FILE.json or FILE.md without --format: the extension says it. */
static enum diff_format format_of_path(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;
	enum diff_format fmt = DIFF_TEXT;

	if (dot && strcmp(dot, ".md") == 0)
		fmt = DIFF_MARKDOWN;
	else if (dot && strcmp(dot, ".json") == 0)
		fmt = DIFF_JSON;
	return fmt;
}

struct diff_job {
	const struct report_diff *d;
	enum diff_format fmt;
};

static bool render_diff(FILE *f, const void *ctx)
{
	const struct diff_job *j = ctx;
	if (j->fmt == DIFF_JSON)
		return report_diff_json(f, j->d);
	if (j->fmt == DIFF_MARKDOWN)
		report_diff_markdown(f, j->d);
	else
		report_diff_text(f, j->d);
	return true;
}

static bool write_diff(const struct report_diff *d, enum diff_format fmt,
		       const char *path, bool allow_special)
{
	struct diff_job j = { d, fmt };
	return output_write_document(path, allow_special ? OUTPUT_ALLOW_SPECIAL : 0,
				     "the diff", render_diff, &j);
}

int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		OUTPUT_LONG_OPTIONS,
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		HELP_LONG_OPTION,
		END_OF_OPTIONS,
	};
	struct fail_policy policy;
	enum diff_format fmt = DIFF_TEXT;
	bool format_given = false, allow_special = false;
	const char *path = NULL;
	char err[1024];
	int opt;

	fail_policy_default(&policy);
	optind = 1;
	while ((opt = getopt_long(argc, argv, HELP_SHORT_OPTIONS OUTPUT_SHORT_OPTIONS,
				  longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_FORMAT:
			if (!format_parse(optarg, &fmt)) {
				cli_error("diff: --format: \"%s\" is not text, json or "
					  "markdown", optarg);
				return EXIT_USAGE;
			}
			format_given = true;
			break;
		case OPT_FAIL_ON:
			if (!fail_on_option(optarg, &policy, "diff"))
				return EXIT_USAGE;
			break;
		case OPT_OUTPUT:
			path = strcmp(optarg, "-") == 0 ? NULL : optarg;
			break;
		case OPT_ALLOW_SPECIAL_OUTPUT:
			allow_special = true;
			break;
		case OPT_HELP:
			diff_usage(stdout);
			return EXIT_OK;
		default:
			diff_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		cli_error("diff: needs two JSON reports, OLD and NEW (got %d)",
			  argc - optind);
		return EXIT_USAGE;
	}
	if (!format_given)
		fmt = format_of_path(path);
	struct report_diff *d = report_diff_load(argv[optind], argv[optind + 1],
						 &policy, err, sizeof(err));
	if (!d) {
		cli_error("diff: %s", err);
		return EXIT_USAGE;
	}
	for (unsigned i = 0; report_diff_warning(d, i); i++)
		cli_error("diff: warning: %s", report_diff_warning(d, i));
	bool ok = write_diff(d, fmt, path, allow_special);
	unsigned gating = report_diff_new_gating(d);
	report_diff_free(d);
	if (!ok)
		return EXIT_USAGE;
	return gating ? EXIT_FINDINGS : EXIT_OK;
}
