/* cmd_suggest.c - `flowaudit suggest`: a site file proposed from traffic,
 * with the evidence for each binding (audit/suggest.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/suggest.h"
#include "cli.h"
#include "report_outputs.h"
#include "pipeline.h"
#include "reports/report_suggest.h"
#include "rules/rules.h"

/* suggest's own long options, numbered clear of options.h's (which the
 * other commands share) so that neither list has to know the other. */
enum {
	OPT_SUGGEST_SITE_NAME = OPT_LONG_ONLY + 0x1000,
	OPT_SUGGEST_EVIDENCE,
};

static void suggest_usage(FILE *f)
{
	fprintf(f,
	"usage: flowaudit suggest [--matrix FILE] [--site-name NAME]\n"
	"                         [--format json|text|markdown] [-o FILE]\n"
	"                         [--evidence FILE] [OPTIONS] CAPTURE...\n"
	"\n"
	"Proposes a site file from what the captures show: which hosts hold\n"
	"the matrix's roles (each binding with its evidence and a confidence),\n"
	"the client networks, parameters whose ports differ from the defaults,\n"
	"the features in use, and the questions the traffic could not decide.\n"
	"Review it before use: it binds what was seen, not what should be.\n"
	"\n"
	"      --matrix FILE        the matrix (default: the installed one,\n"
	"                           %s)\n"
	"      --site-name NAME     the proposed site's name\n"
	"                           (default \"suggested site\")\n"
	"      --format FMT         json: the site file (default); text or\n"
	"                           markdown: the evidence report\n"
	"  -o, --output FILE        where it goes (default stdout); written\n"
	"                           atomically, never through a symbolic link\n"
	"      --evidence FILE      also the evidence report (Markdown) in FILE\n"
	"%s"
	"  -h, --help               this help\n"
	"\n"
	"Exit status: 0 a site proposed; 2 bad usage, a bad matrix, a capture\n"
	"that cannot be read, or captures that show no role of the matrix.\n",
	ruleset_default_matrix(), input_options_help());
}

struct suggest_job {
	enum suggest_format fmt;
	const struct ruleset *rs;
	const struct suggestion *s;
	const char *name;
	const struct input_options *in;
};

static bool render_suggestion(FILE *f, const void *ctx)
{
	const struct suggest_job *j = ctx;
	if (j->fmt == SUGGEST_FORMAT_JSON)
		suggest_write_site(f, j->rs, j->s, j->name);
	else
		suggest_write_evidence(f, j->fmt, j->rs, j->s, j->name, j->in->files,
				       j->in->nfiles);
	return true;
}

/* Writes one report into path ("-" or NULL: stdout); false after saying
 * why. */
static bool write_report(const char *path, enum suggest_format fmt,
			 const struct ruleset *rs, const struct suggestion *s,
			 const char *name, const struct input_options *in)
{
	struct suggest_job j = { fmt, rs, s, name, in };
	return output_write_document(path, 0, fmt == SUGGEST_FORMAT_JSON ? "the proposed site"
				     : "the evidence report", render_suggestion, &j);
}

static void suggest_one_flow(void *ctx, const struct flow_record *r,
			     const struct flow_class *c)
{
	suggest_flow(ctx, r, c);
}

int cmd_suggest(int argc, char **argv)
{
	static const struct option longopts[] = {
		INPUT_LONG_OPTIONS,
		{ "matrix", required_argument, NULL, OPT_MATRIX },
		{ "site-name", required_argument, NULL, OPT_SUGGEST_SITE_NAME },
		FORMAT_LONG_OPTION,
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "evidence", required_argument, NULL, OPT_SUGGEST_EVIDENCE },
		HELP_LONG_OPTION,
		END_OF_OPTIONS,
	};
	struct input_options in;
	const char *matrix = NULL, *name = "suggested site";
	const char *output = NULL, *evidence = NULL;
	enum suggest_format fmt = SUGGEST_FORMAT_JSON;
	struct ruleset *rs = NULL;
	struct suggest *sg = NULL;
	struct suggestion *result = NULL;
	int opt, rc = EXIT_USAGE;

	input_options_init(&in);
	optind = 1;
	while ((opt = getopt_long(argc, argv, INPUT_SHORT_OPTIONS OUTPUT_SHORT_OPTIONS
				  HELP_SHORT_OPTIONS, longopts, NULL)) != -1) {
		int r = input_option(&in, opt, optarg);
		if (r < 0)
			goto out;
		if (r > 0)
			continue;
		switch (opt) {
		case OPT_MATRIX:
			matrix = optarg;
			break;
		case OPT_SUGGEST_SITE_NAME:
			name = optarg;
			break;
		case OPT_FORMAT:
			if (!suggest_format_parse(optarg, &fmt)) {
				cli_error("--format wants json, text or markdown, not \"%s\"",
					  optarg);
				goto out;
			}
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		case OPT_SUGGEST_EVIDENCE:
			evidence = optarg;
			break;
		case OPT_HELP:
			suggest_usage(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			suggest_usage(stderr);
			goto out;
		}
	}
	for (int i = optind; i < argc; i++)
		input_add_file(&in, argv[i]);
	if (!input_options_check(&in, "suggest"))
		goto out;
	if (evidence && output && strcmp(evidence, output) == 0 && strcmp(output, "-") != 0) {
		cli_error("suggest: -o and --evidence name the same file \"%s\"", output);
		goto out;
	}

	struct diag d = { .out = stderr };
	rs = ruleset_load_matrix(matrix, &d);
	if (!rs)
		goto out;
	sg = suggest_new(rs);
	result = malloc(sizeof(*result));
	if (!sg || !result) {
		cli_error("suggest: out of memory");
		goto out;
	}
	struct pipeline pl;
	if (!pipeline_open(&pl, &in, suggest_one_flow, NULL, sg))
		goto out;
	int read_rc = pipeline_run(&pl);
	if (!in.capture.quiet)
		pipeline_summary(&pl, stderr);
	pipeline_close(&pl);
	if (read_rc != 0)
		goto out;
	if (!suggest_decide(sg, result)) {
		cli_error("suggest: out of memory deciding the roles");
		goto out;
	}
	/* Nothing shown: no site (an empty one would pass for a proposal),
	 * but the evidence asked for says what was looked at and asks. */
	bool site = fmt == SUGGEST_FORMAT_JSON;
	if ((!site || result->nbindings) &&
	    !write_report(output, fmt, rs, result, name, &in))
		goto out;
	if (evidence && !write_report(evidence, SUGGEST_FORMAT_MARKDOWN,
				      rs, result, name, &in))
		goto out;
	if (!result->nbindings) {
		cli_error("suggest: the captures show no role of the matrix (%llu "
			  "flows read): no site proposed",
			  (unsigned long long)result->flows);
		goto out;
	}
	rc = EXIT_OK;
out:
	free(result);
	suggest_free(sg);
	ruleset_free(rs);
	input_options_free(&in);
	return rc;
}
