/* cmd_audit.c - `flowaudit audit`: captured flows against matrix and site. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/verdict.h"
#include "cli.h"
#include "event_sink.h"
#include "pipeline.h"
#include "provenance.h"
#include "report_outputs.h"
#include "reports/flow_output.h"
#include "reports/output_file.h"
#include "rules/rules.h"
#include "run_report.h"

struct audit_run {
	struct verdict *verdict;
	FILE *flow_events;  /* --flow-events: one ECS line per flow, or NULL */
	/* With worker threads: a verdict per worker, merged after the run. */
	struct verdict **parts;
	unsigned nparts;
};

static void audit_flow(void *ctx, const struct flow_record *r,
		       const struct flow_class *c)
{
	struct audit_run *run = ctx;
	verdict_flow(run->verdict, r, c, NULL);
	if (run->flow_events)
		flow_output_write(run->flow_events, FLOW_FORMAT_EVENTS, r, c);
}

/* --events DEST: the finding events (the "events" report's lines) to a
 * file, standard output or a syslog collector, besides the reports. */
struct events_dest {
	const char *dest;  /* NULL: none */
	bool syslog;
	struct syslog_target target;
};

/* How long the end of the run waits for a TCP collector to take what is
 * queued. */
#define EVENTS_DRAIN_MS 5000

static bool events_dest_set(struct events_dest *e, const char *dest)
{
	char err[512];

	e->dest = dest;
	e->syslog = event_dest_is_syslog(dest);
	if (e->syslog && !syslog_target_parse(dest, &e->target, err, sizeof(err))) {
		cli_error("--events %s: %s", dest, err);
		return false;
	}
	return true;
}

/* "--events -" shares standard output with no report. */
static bool events_dest_check(const struct events_dest *e, const struct report_outputs *o)
{
	if (!e->dest || strcmp(e->dest, "-") != 0)
		return true;
	bool taken = o->n == 0;  /* the text report goes there */
	for (unsigned i = 0; i < o->n; i++)
		if (!o->out[i].path || strcmp(o->out[i].path, "-") == 0)
			taken = true;
	if (taken)
		cli_error("audit: --events - and a report would both go to standard "
			  "output: give the report a file with -o FILE");
	return !taken;
}

static bool write_events_document(FILE *f, const void *ctx)
{
	return report_events(f, ctx);
}

/* Sent or written after the reports (and so after any privilege drop);
 * a collector's losses are counted and said, not fatal. */
static bool send_events(const struct events_dest *e, const struct audit_report *r,
			unsigned flags, bool quiet)
{
	char err[512];
	struct syslog_counts n;

	if (!e->dest)
		return true;
	if (!e->syslog)
		return output_write_document(e->dest, flags, "the events",
					     write_events_document, r);
	struct syslog_sink *s = syslog_sink_open(&e->target, quiet, err, sizeof(err));
	if (!s) {
		cli_error("--events %s: %s", e->target.url, err);
		return false;
	}
	report_events(syslog_sink_stream(s), r);
	syslog_sink_close(s, EVENTS_DRAIN_MS, &n);
	if (!quiet || n.dropped || n.too_large)
		syslog_counts_print(stderr, e->target.url, &n);
	return true;
}

/* ---- with worker threads: a verdict each, merged at the end ---- */

static void audit_part_flow(void *ctx, const struct flow_record *r,
			    const struct flow_class *c)
{
	verdict_flow(ctx, r, c, NULL);
}

static void audit_flow_event(void *ctx, const struct flow_record *r,
			     const struct flow_class *c)
{
	struct audit_run *run = ctx;
	flow_output_write(run->flow_events, FLOW_FORMAT_EVENTS, r, c);
}

/* Each worker judges its flows into a verdict of its own, in parallel;
 * the flow events, one writer, still go one at a time. */
static bool split_verdicts(struct audit_run *run, struct pipeline *pl,
			   const struct ruleset *rs)
{
	unsigned n = pipeline_workers(pl);

	if (!n)
		return true;
	run->parts = calloc(n, sizeof(*run->parts));
	if (!run->parts)
		return false;
	run->nparts = n;
	for (unsigned i = 0; i < n; i++)
		if (!(run->parts[i] = verdict_new(rs)))
			return false;
	pipeline_split_flows(pl, audit_part_flow, (void *const *)run->parts,
			     run->flow_events ? audit_flow_event : NULL);
	return true;
}

/* The workers' verdicts into the run's: the findings one pass over every
 * flow gives (verdict_merge). */
static bool merge_verdicts(struct audit_run *run)
{
	for (unsigned i = 0; i < run->nparts; i++)
		if (!verdict_merge(run->verdict, run->parts[i]))
			return false;
	return true;
}

static void free_parts(struct audit_run *run)
{
	for (unsigned i = 0; i < run->nparts; i++)
		verdict_free(run->parts[i]);
	free(run->parts);
	run->parts = NULL;
	run->nparts = 0;
}

/* A flow no rule can judge needs no application detection: nothing in
 * the reports reads its application (flow events do: with them, every
 * flow is detected). */
static bool audit_dpi_wanted(void *ctx, uint8_t ip_version, const struct ip_addr *a,
			     const struct ip_addr *b)
{
	return verdict_may_judge(ctx, ip_version, a, b);
}

static void audit_usage(FILE *f)
{
	fprintf(f,
	"usage: flowaudit audit --site FILE [--matrix FILE] [OPTIONS]\n"
	"                       [-r FILE]... [-i IFACE] [FILE...]\n"
	"\n"
	"Checks every flow of the captures against the port and service matrix\n"
	"as the site file binds it, and reports unexpected flows (no rule allows\n"
	"them), missing flows (a required flow never attempted) and blocked flows\n"
	"(attempted, never succeeded), with observed flows as evidence. Every\n"
	"finding cites the section of the vendor document it enforces.\n"
	"\n"
	"Rules:\n"
	"      --site FILE          the site: which addresses hold which roles\n"
	"      --matrix FILE        the matrix; default: the installed matrix,\n"
	"                           or the one in $%s; now:\n"
	"                             %s\n"
	"      --fail-on KINDS      finding kinds that fail the audit (exit 1):\n"
	"                           missing,blocked,unexpected (default) or none\n"
	"Output (pairs repeat; one read of the capture writes every report):\n"
	"      --format FMT         %s\n"
	"  -o, --output FILE        where the preceding --format goes (default\n"
	"                           stdout; at most one report there); written\n"
	"                           atomically, never through a symbolic link.\n"
	"                           Without --format the extension names the\n"
	"                           format: .txt .json .html .xml .csv .jsonl\n"
	"      --events DEST        the finding events (as --format events) to a\n"
	"                           file, \"-\" (stdout), syslog://HOST[:PORT] (UDP)\n"
	"                           or syslog+tcp://HOST[:PORT] (RFC 5424; see\n"
	"                           docs/siem.md)\n"
	"      --flow-events FILE   also one event line (Elastic Common Schema)\n"
	"                           per flow, as flows end (\"-\": stdout)\n"
	"      --allow-special-output  -o and --flow-events may name a FIFO or\n"
	"                           character device (written in place)\n"
	"      --color WHEN         text colour: auto (default; off unless a\n"
	"                           terminal, and off when NO_COLOR is set),\n"
	"                           always, never\n"
	"%s"
	"  -h, --help               this help\n"
	"\n"
	"Exit status: 0 no finding of a --fail-on kind, 1 such findings,\n"
	"2 bad usage, a bad matrix or site file, or no capture could be read.\n",
	MATRIX_DIR_ENV, ruleset_default_matrix(), report_formats_help(),
	input_options_help());
}

int cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
		INPUT_LONG_OPTIONS,
		RULES_LONG_OPTIONS,
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		OUTPUT_LONG_OPTIONS,
		COLOR_LONG_OPTIONS,
		{ "flow-events", required_argument, NULL, OPT_FLOW_EVENTS },
		{ "events", required_argument, NULL, OPT_EVENTS },
		HELP_LONG_OPTION,
		END_OF_OPTIONS,
	};
	struct input_options in;
	struct rules_options rules = { 0 };
	struct report_outputs outs;
	const char *flow_events = NULL;
	struct events_dest events = { 0 };
	struct output_file events_file = { 0 };
	bool events_failed = false;
	struct fail_policy fail_on;
	char err[512];
	int opt, rc = EXIT_USAGE;
	struct ruleset *rs = NULL;
	/* Quoted before getopt reorders argv: the command as it was typed. */
	char *command_line = provenance_command_line(argc, argv);

	input_options_init(&in);
	report_outputs_init(&outs);
	fail_policy_default(&fail_on);
	optind = 1;
	while ((opt = getopt_long(argc, argv, INPUT_SHORT_OPTIONS OUTPUT_SHORT_OPTIONS
				  HELP_SHORT_OPTIONS, longopts, NULL)) != -1) {
		int r = input_option(&in, opt, optarg);
		if (r == 0)
			r = report_outputs_option(&outs, opt, optarg);
		if (r < 0)
			goto out;
		if (r > 0 || rules_option(&rules, opt, optarg))
			continue;
		switch (opt) {
		case OPT_FAIL_ON:
			if (!fail_on_option(optarg, &fail_on, NULL))
				goto out;
			break;
		case OPT_FLOW_EVENTS:
			flow_events = optarg;
			break;
		case OPT_EVENTS:
			if (!events_dest_set(&events, optarg))
				goto out;
			break;
		case OPT_HELP:
			audit_usage(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			audit_usage(stderr);
			goto out;
		}
	}
	for (int i = optind; i < argc; i++)
		input_add_file(&in, argv[i]);
	if (!rules_options_check(&rules, "audit", " (the site binds the matrix's "
				 "roles to addresses; see flowaudit check)"))
		goto out;
	if (!input_options_check(&in, "audit"))
		goto out;
	if (!report_outputs_check(&outs, err, sizeof(err))) {
		cli_error("audit: %s", err);
		goto out;
	}
	if (!events_dest_check(&events, &outs))
		goto out;
	if (events.dest && !events.syslog &&
	    !output_precheck(events.dest, outs.allow_special ? OUTPUT_ALLOW_SPECIAL : 0,
			     err, sizeof(err))) {
		cli_error("--events: %s", err);
		goto out;
	}
	if (events.syslog && !syslog_target_resolves(&events.target, err, sizeof(err))) {
		cli_error("--events %s: %s", events.target.url, err);
		goto out;
	}
	/* Before a read that may take minutes: a report that cannot be
	 * written is said now, not after the capture. */
	if (!report_outputs_probe(&outs, err, sizeof(err))) {
		cli_error("%s", err);
		goto out;
	}
	if (!rules_matrix_found(&rules))
		goto out;

	struct diag d = { .out = stderr };
	rs = ruleset_load(rules.matrix, rules.site, &d);
	if (!rs) {
		rules_load_failed(&d);
		goto out;
	}
	in.rules = rs;

	if (flow_events) {
		if (!output_open(&events_file, flow_events, outs.allow_special ?
				 OUTPUT_ALLOW_SPECIAL : 0, err, sizeof(err))) {
			cli_error("--flow-events: %s", err);
			goto out;
		}
	}
	struct audit_run run = { .verdict = verdict_new(rs), .flow_events = events_file.f };
	/* The findings come out the same whatever order flows end in; the
	 * flow events are written in that order. */
	in.order_free = !run.flow_events;
	struct pipeline pl;
	if (!run.verdict || !pipeline_open(&pl, &in, audit_flow, NULL, &run)) {
		verdict_free(run.verdict);
		goto out;
	}
	if (!split_verdicts(&run, &pl, rs)) {
		cli_error("audit: out of memory for the workers' verdicts");
		pipeline_close(&pl);
		free_parts(&run);
		verdict_free(run.verdict);
		goto out;
	}
	if (!run.flow_events)
		pipeline_set_dpi_wanted(&pl, audit_dpi_wanted, run.verdict);
	int read_rc = pipeline_run(&pl);
	bool merged = merge_verdicts(&run);
	free_parts(&run);
	pipeline_release_flow_memory(&pl);
	if (!in.capture.quiet)
		pipeline_summary(&pl, stderr);
	if (events_file.f && !output_commit(&events_file, err, sizeof(err))) {
		cli_error("--flow-events: %s", err);
		events_failed = true;
	}

	struct findings findings;
	struct audit_report report;
	if (!merged) {
		cli_error("audit: the workers' verdicts could not be merged");
	} else if (!verdict_findings(run.verdict, &findings)) {
		cli_error("audit: out of memory building the findings");
	} else if (!run_report_build(&report, pl.cap, rs, &findings, &fail_on,
				     RUN_WHOLE)) {
		cli_error("audit: out of memory building the report");
		findings_free(&findings);
	} else {
		report.state = run.verdict;  /* JSON carries it for merge */
		/* Only an HTML report shows it: hashing the inputs costs time. */
		struct provenance prov = { 0 };
		if (provenance_wanted(&outs) && provenance_fill(&prov, &report, command_line))
			command_line = NULL;  /* prov owns it now */
		if (read_rc != 0)
			rc = EXIT_USAGE;  /* nothing could be read: no report */
		else if (!report_outputs_write(&outs, &report))
			rc = EXIT_USAGE;
		else if (events_failed)
			rc = EXIT_USAGE;
		else if (!send_events(&events, &report, outs.allow_special ?
				      OUTPUT_ALLOW_SPECIAL : 0, in.capture.quiet))
			rc = EXIT_USAGE;
		else
			rc = report.verdict == VERDICT_FAIL ? EXIT_FINDINGS :
			     report.verdict == VERDICT_INCONCLUSIVE ? EXIT_INCONCLUSIVE :
			     EXIT_OK;
		provenance_free(&prov);
		run_report_free(&report);
		findings_free(&findings);
	}
	pipeline_close(&pl);
	verdict_free(run.verdict);
out:
	if (events_file.f)
		output_abort(&events_file);
	ruleset_free(rs);
	report_outputs_free(&outs);
	input_options_free(&in);
	free(command_line);
	return rc;
}
