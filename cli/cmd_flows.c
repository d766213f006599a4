/* cmd_flows.c - `flowaudit flows`: one record per flow, no judgement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pipeline.h"
#include "shard_output.h"
#include "reports/flow_output.h"
#include "reports/output_file.h"

struct flows_run;

/* One worker's records, on its own thread (shard_output.h). */
struct flows_part {
	struct flows_run *run;
	struct shard_writer *w;
};

struct flows_run {
	FILE *out;
	enum flow_format format;
	struct shard_output *shards;  /* with worker threads, else NULL */
	struct flows_part *parts;
};

static void flows_end(void *ctx, const struct flow_record *r,
		      const struct flow_class *c)
{
	struct flows_run *run = ctx;
	flow_output_write(run->out, run->format, r, c);
}

static void flows_part_end(void *ctx, const struct flow_record *r,
			   const struct flow_class *c)
{
	struct flows_part *part = ctx;
	flow_output_write(shard_writer_stream(part->w), part->run->format, r, c);
	shard_writer_record_done(part->w);
}

/* With worker threads, each writes its records apart and hands them over
 * in chunks; false when out of memory. */
static bool split_output(struct flows_run *run, struct pipeline *pl)
{
	unsigned n = pipeline_workers(pl);

	if (!n)
		return true;
	run->shards = shard_output_new(run->out, n);
	run->parts = calloc(n, sizeof(*run->parts));
	void **ctx = calloc(n, sizeof(*ctx));
	if (!run->shards || !run->parts || !ctx) {
		free(ctx);
		return false;
	}
	for (unsigned i = 0; i < n; i++) {
		run->parts[i].run = run;
		run->parts[i].w = shard_output_writer(run->shards, i);
		ctx[i] = &run->parts[i];
	}
	pipeline_split_flows(pl, flows_part_end, ctx, NULL);
	free(ctx);
	return true;
}

static void flows_usage(FILE *f)
{
	fprintf(f,
	"usage: flowaudit flows [OPTIONS] [-r FILE]... [-i IFACE] [FILE...]\n"
	"\n"
	"Prints one record per flow, as JSON lines with Zeek conn.log field names\n"
	"(ts, uid, community_id, id.orig_h, ..., conn_state, history) or as a\n"
	"text table. Flows are printed as they end (idle timeout, close, eviction)\n"
	"and, at the end of input, the rest in the order they began; with more\n"
	"than one worker (--threads), in an order that depends on the threads.\n"
	"A summary (packets, flows, evictions, malformed packets by reason) goes\n"
	"to standard error.\n"
	"\n"
	"Output:\n"
	"      --format FMT         text (default), jsonl, csv or events (ECS)\n"
	"  -o, --output FILE        write to FILE (atomically) instead of stdout;\n"
	"                           never through a symbolic link\n"
	"      --allow-special-output  FILE may be a FIFO or character device\n"
	"                           (written in place; \"-\" is stdout)\n"
	"%s"
	"  -h, --help               this help\n"
	"\n"
	"Exit status: 0 read (a capture cut short still counts: what was read is\n"
	"printed, and the summary says where it stopped), 2 bad usage, an output\n"
	"that could not be written, or no capture could be read at all.\n",
	input_options_help());
}

int cmd_flows(int argc, char **argv)
{
	static const struct option longopts[] = {
		INPUT_LONG_OPTIONS,
		OUTPUT_LONG_OPTIONS,
		HELP_LONG_OPTION,
		END_OF_OPTIONS,
	};
	struct input_options in;
	struct flows_run run = { .format = FLOW_FORMAT_TEXT };
	const char *output = NULL;
	unsigned output_flags = 0;
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
		case OPT_FORMAT:
			if (!flow_format_parse(optarg, &run.format)) {
				cli_error("flows: unknown format \"%s\" (text, jsonl, csv or events)", optarg);
				goto out;
			}
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		case OPT_ALLOW_SPECIAL_OUTPUT:
			output_flags |= OUTPUT_ALLOW_SPECIAL;
			break;
		case OPT_HELP:
			flows_usage(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			flows_usage(stderr);
			goto out;
		}
	}
	for (int i = optind; i < argc; i++)
		input_add_file(&in, argv[i]);
	if (!input_options_check(&in, "flows"))
		goto out;

	struct output_file of;
	char err[512];
	if (!output_open(&of, output, output_flags, err, sizeof(err))) {
		cli_error("%s", err);
		goto out;
	}
	run.out = of.f;

	struct pipeline pl;
	if (!pipeline_open(&pl, &in, flows_end, NULL, &run)) {
		output_abort(&of);
		goto out;
	}
	if (!split_output(&run, &pl)) {
		cli_error("out of memory setting up %u threads' output",
			  pipeline_workers(&pl));
		pipeline_close(&pl);
		output_abort(&of);
		goto out;
	}
	flow_output_begin(run.out, run.format);
	rc = pipeline_run(&pl);
	if (run.shards && !shard_output_finish(run.shards)) {
		cli_error("out of memory: flow records were lost");
		rc = EXIT_USAGE;
	}
	if (!in.capture.quiet)
		pipeline_summary(&pl, stderr);
	if (!output_commit(&of, err, sizeof(err))) {
		cli_error("%s", err);
		rc = EXIT_USAGE;
	}
	pipeline_close(&pl);
out:
	shard_output_free(run.shards);
	free(run.parts);
	input_options_free(&in);
	return rc;
}
