/* cmd_watch.c - `flowaudit watch`: a long-running sensor on a mirror port.
 *
 * The audit of `flowaudit audit`, judged per window: at the end of each
 * window every requested report is written into the report directory under
 * a timestamped name and as latest.EXT, then the evidence starts afresh (a
 * required flow is missing if it did not appear in that window). Flows open
 * at a window's end count in it as they are then, and again in the window
 * where they end. Unexpected flows and failed attempts go out as event lines
 * the moment the flow ends. SIGHUP reloads matrix and site (a broken file
 * keeps the old rules), SIGUSR1 ends the current window now, SIGINT and
 * SIGTERM write a final report and exit 0. Memory is bounded by the flow
 * table, the name index and the verdict's per-window state, none of which
 * grows with running time.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/safe_text.h"
#include "common/timefmt.h"
#include "audit/verdict.h"
#include "cli.h"
#include "pipeline.h"
#include "report_outputs.h"
#include "reports/flow_output.h"
#include "rules/rules.h"
#include "run_report.h"

#define DEFAULT_WINDOW_US (3600ull * 1000000)
#define BPF_MAX 65536

struct watch {
	struct rules_options rules;
	struct ruleset *rs;
	struct verdict *verdict;
	struct pipeline *pl;
	struct fail_policy fail_on;

	uint64_t window_us, window_start_us, window_end_us, last_now_us;
	const char *report_dir;
	enum report_format formats[REPORT_FORMAT_COUNT];
	unsigned nformats;
	FILE *events;

	bool bpf_from_site;       /* the kernel filter follows the site */
	bool dir_checked;
	bool failed;              /* a report could not be written */
	unsigned windows;
};

/* Set by the handlers (on the capture thread), taken by the tick (on the
 * classification thread when there are two): lock-free atomics. */
static atomic_bool reload_requested, report_requested;
_Static_assert(ATOMIC_BOOL_LOCK_FREE == 2, "a signal handler needs a lock-free flag");

static void on_sighup(int sig)
{
	(void)sig;
	atomic_store(&reload_requested, true);
}

static void on_sigusr1(int sig)
{
	(void)sig;
	atomic_store(&report_requested, true);
}

static void watch_usage(FILE *f)
{
	fprintf(f,
	"usage: flowaudit watch -i IFACE --site FILE [--matrix FILE] [OPTIONS]\n"
	"\n"
	"Audits a live interface (a SPAN or mirror port) continuously. At the end\n"
	"of each window every requested report is written into the report\n"
	"directory as flowaudit-START.EXT (START the window's start, UTC) and as\n"
	"latest.EXT, atomically; required flows are judged per window. Unexpected\n"
	"flows and failed attempts are written as event lines (Elastic Common\n"
	"Schema) as soon as each flow ends. Capture files (-r) are accepted too,\n"
	"windowed by packet time.\n"
	"\n"
	"Rules:\n"
	"      --site FILE          the site: which addresses hold which roles\n"
	"      --matrix FILE        the matrix (default: %s)\n"
	"Windows and output:\n"
	"      --window TIME        window length (default 1h; 30s, 15m, 1d)\n"
	"      --report-dir DIR     where window reports go (default: .)\n"
	"      --format FMT         a report format per window; repeat for more\n"
	"                           (text, json, html, junit, csv or events;\n"
	"                           default json and html)\n"
	"      --events FILE        event lines for unexpected flows and failed\n"
	"                           attempts, appended (\"-\": standard output)\n"
	"%s"
	"  -h, --help               this help\n"
	"\n"
	"By default the kernel filter keeps only packets to or from the site's\n"
	"audited hosts, DNS and tunnels (--bpf replaces it). When started as root\n"
	"it becomes --user (default nobody) once the interface is open, and drops\n"
	"every capability; the report directory must be writable by that user.\n"
	"Signals: SIGHUP reloads matrix and site (a broken file keeps the old\n"
	"rules), SIGUSR1 ends the current window and writes its reports now,\n"
	"SIGINT and SIGTERM write a final report and exit 0.\n",
	ruleset_default_matrix(), input_options_help());
}

/* ---- reports ---- */

/* "20261124T150000Z": sortable, no characters file systems dislike. */
static void stamp(char *out, size_t len, uint64_t us)
{
	char iso[TS_TEXT_LEN];
	size_t o = 0;

	format_ts_iso(iso, us);
	for (const char *p = iso; *p && *p != '.' && o + 2 < len; p++)
		if (*p != '-' && *p != ':')
			out[o++] = *p;
	out[o++] = 'Z';
	out[o] = '\0';
}

static bool write_window(struct watch *w, const struct findings *f, uint64_t start,
			 uint64_t end)
{
	struct run_window window = { start, end > start ? end : start + 1 };
	struct audit_report report;
	char when[32], paths[2 * REPORT_FORMAT_COUNT][PATH_MAX];
	struct report_outputs outs;

	if (!run_report_build(&report, w->pl->cap, w->rs, f, &w->fail_on, window)) {
		cli_error("watch: out of memory building the report");
		return false;
	}
	stamp(when, sizeof(when), start);
	report_outputs_init(&outs);
	for (unsigned i = 0; i < w->nformats; i++) {
		const char *ext = report_format_extension(w->formats[i]);
		snprintf(paths[2 * i], PATH_MAX, "%s/flowaudit-%s.%s", w->report_dir, when, ext);
		snprintf(paths[2 * i + 1], PATH_MAX, "%s/latest.%s", w->report_dir, ext);
		for (unsigned k = 0; k < 2; k++) {
			outs.out[outs.n].format = w->formats[i];
			outs.out[outs.n].path = paths[2 * i + k];
			outs.n++;
		}
	}
	outs.color = COLOR_NEVER;
	bool ok = report_outputs_write(&outs, &report);
	report_outputs_free(&outs);
	run_report_free(&report);
	return ok;
}

/* A flow counts in each window it had packets in: open at a window's end
 * (as it is then) and again where it ends, unless it was quiet since. A
 * flow lingering after its close, or idle until its timeout, is not counted
 * twice. */
static bool active_in_window(const struct watch *w, const struct flow_record *r)
{
	return r->last_us >= w->window_start_us;
}

static void add_open_flow(void *ctx, const struct flow_record *r, const struct flow_class *c)
{
	struct watch *w = ctx;
	if (active_in_window(w, r))
		verdict_flow(w->verdict, r, c, NULL);
}

/* Ends the current window at `end`: open flows count as they are now, the
 * reports go out, the evidence starts afresh. */
static void close_window(struct watch *w, uint64_t end, bool open_flows)
{
	struct findings f;

	capture_refresh_stats(w->pl->cap);
	if (open_flows)
		pipeline_each_open_flow(w->pl, add_open_flow, w);
	if (!verdict_findings(w->verdict, &f)) {
		cli_error("watch: out of memory building the findings");
		w->failed = true;
	} else {
		if (!write_window(w, &f, w->window_start_us, end))
			w->failed = true;
		findings_free(&f);
		w->windows++;
	}
	verdict_reset(w->verdict);
	w->window_start_us = end;
}

/* ---- rules ---- */

static void derive_filter(struct watch *w, struct input_options *in, char *bpf)
{
	if (!w->bpf_from_site)
		return;
	if (ruleset_capture_filter(w->rs, bpf, BPF_MAX)) {
		in->capture.bpf = bpf;
		/* Say it: an administrator checks what the sensor will see. */
		if (!in->capture.quiet)
			fprintf(stderr, "flowaudit: watch: kernel filter from the site: %s\n", bpf);
	} else {
		in->capture.bpf = NULL;
		if (!in->capture.quiet)
			fprintf(stderr, "flowaudit: watch: the site binds an audited role by "
				"name or to every address: capturing everything\n");
	}
}

/* SIGHUP: new rules for the next window, or the old ones kept. */
static void reload(struct watch *w)
{
	struct diag d = { .out = stderr };
	struct ruleset *rs = ruleset_load(w->rules.matrix, w->rules.site, &d);

	if (!rs) {
		cli_error("watch: reload failed (%u errors above); keeping the rules "
			  "loaded before", d.errors);
		return;
	}
	struct verdict *v = verdict_new(rs);
	if (!v) {
		cli_error("watch: reload: out of memory; keeping the rules loaded before");
		ruleset_free(rs);
		return;
	}
	/* The window so far was judged by the old rules: report it with them. */
	close_window(w, w->last_now_us, true);
	verdict_free(w->verdict);
	ruleset_free(w->rs);
	w->rs = rs;
	w->verdict = v;
	if (w->bpf_from_site) {
		char *bpf = malloc(BPF_MAX), err[512];
		if (bpf && ruleset_capture_filter(rs, bpf, BPF_MAX) &&
		    !capture_set_filter(w->pl->cap, bpf, err, sizeof(err)))
			cli_error("watch: reload: %s; keeping the filter", err);
		free(bpf);
	}
	text_printf_safe(stderr, "flowaudit: watch: reloaded %s and %s",
			 ruleset_matrix_path(rs), ruleset_site_path(rs));
	fputc('\n', stderr);
}

/* ---- the run ---- */

/* After the privilege drop, once: can reports be written at all? */
static bool report_dir_writable(struct watch *w)
{
	char probe[PATH_MAX];

	snprintf(probe, sizeof(probe), "%s/.flowaudit-probe.%ld", w->report_dir, (long)getpid());
	int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		cli_error("watch: cannot write reports into %s: %s%s", w->report_dir,
			  strerror(errno), geteuid() == 0 ? "" :
			  " (after dropping privileges: make it writable by --user)");
		return false;
	}
	close(fd);
	unlink(probe);
	return true;
}

/* Between packets, the capture standing still (pipeline.h), on whichever
 * thread classifies: a window's open flows and figures are the capture's
 * at this tick, however many threads there are. */
static void watch_tick(void *ctx, uint64_t now)
{
	struct watch *w = ctx;

	if (!w->dir_checked) {
		w->dir_checked = true;
		if (!report_dir_writable(w)) {
			w->failed = true;
			capture_stop(w->pl->cap);
			return;
		}
	}
	if (!w->window_start_us) {
		w->window_start_us = now - now % w->window_us;
		w->window_end_us = w->window_start_us + w->window_us;
	}
	w->last_now_us = now;
	if (atomic_exchange(&reload_requested, false))
		reload(w);
	if (atomic_exchange(&report_requested, false))
		close_window(w, now, true);
	while (now >= w->window_end_us) {
		close_window(w, w->window_end_us, true);
		w->window_end_us += w->window_us;
	}
}

static void watch_flow(void *ctx, const struct flow_record *r, const struct flow_class *c)
{
	struct watch *w = ctx;
	struct flow_judgement j;

	/* A flow quiet since an earlier window was counted there, where it
	 * last moved; its event is due now, as it ends. */
	if (active_in_window(w, r))
		verdict_flow(w->verdict, r, c, &j);
	else
		verdict_judge(w->verdict, r, c, &j);
	if (w->events && (j.kind == JUDGED_UNEXPECTED || j.kind == JUDGED_FAILED_ATTEMPT)) {
		flow_event_judged(w->events, w->rs, r, c, &j);
		fflush(w->events);
	}
}

static bool add_format(struct watch *w, const char *name)
{
	enum report_format f;

	if (!report_format_parse(name, &f)) {
		cli_error("watch: unknown format \"%s\" (%s)", name, report_formats_help());
		return false;
	}
	for (unsigned i = 0; i < w->nformats; i++)
		if (w->formats[i] == f)
			return true;
	w->formats[w->nformats++] = f;
	return true;
}

static bool open_events(struct watch *w, const char *path)
{
	if (strcmp(path, "-") == 0) {
		w->events = stdout;
		return true;
	}
	w->events = fopen(path, "a");
	if (!w->events) {
		cli_error("watch: cannot open %s for events: %s", path, strerror(errno));
		return false;
	}
	return true;
}

static int run(struct watch *w, struct input_options *in)
{
	struct diag d = { .out = stderr };
	char *bpf = malloc(BPF_MAX);
	int rc = EXIT_USAGE;

	w->rs = ruleset_load(w->rules.matrix, w->rules.site, &d);
	if (!bpf || !w->rs)
		goto out;
	in->rules = w->rs;
	w->verdict = verdict_new(w->rs);
	if (!w->verdict)
		goto out;
	derive_filter(w, in, bpf);

	struct pipeline pl;
	if (!pipeline_open(&pl, in, watch_flow, watch_tick, w))
		goto out;
	w->pl = &pl;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_sighup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_sigusr1;
	sigaction(SIGUSR1, &sa, NULL);

	int read_rc = pipeline_run(&pl);
	if (!w->dir_checked && !capture_failed_fatally(pl.cap))
		w->failed |= !report_dir_writable(w);
	if (capture_failed_fatally(pl.cap)) {
		cli_error("watch: stopped: privileges could not be dropped");
	} else if (!w->failed) {
		/* Every flow has ended now: the last window holds them all. */
		uint64_t end = w->last_now_us;
		for (unsigned i = 0; i < capture_input_count(pl.cap); i++)
			if (capture_input(pl.cap, i)->last_us > end)
				end = capture_input(pl.cap, i)->last_us;
		if (!w->window_start_us)
			w->window_start_us = end;
		close_window(w, end, false);
	}
	if (!in->capture.quiet)
		pipeline_summary(&pl, stderr);
	if (!in->capture.quiet) {
		text_printf_safe(stderr, "flowaudit: watch: %u window report%s written "
				 "to %s", w->windows, w->windows == 1 ? "" : "s", w->report_dir);
		fputc('\n', stderr);
	}
	rc = read_rc || w->failed || capture_failed_fatally(pl.cap) ? EXIT_USAGE : EXIT_OK;
	pipeline_close(&pl);
out:
	signal(SIGHUP, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
	verdict_free(w->verdict);
	ruleset_free(w->rs);
	free(bpf);
	return rc;
}

int cmd_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
		INPUT_LONG_OPTIONS,
		RULES_LONG_OPTIONS,
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "report-dir", required_argument, NULL, OPT_REPORT_DIR },
		FORMAT_LONG_OPTION,
		{ "events", required_argument, NULL, OPT_EVENTS },
		HELP_LONG_OPTION,
		END_OF_OPTIONS,
	};
	struct input_options in;
	struct watch w = { .window_us = DEFAULT_WINDOW_US, .report_dir = "." };
	const char *events = NULL;
	int opt, rc = EXIT_USAGE;

	input_options_init(&in);
	fail_policy_default(&w.fail_on);
	/* A sensor gives up root once the interface is open, unless told
	 * otherwise with --user. */
	in.capture.drop_privileges = true;
	optind = 1;
	while ((opt = getopt_long(argc, argv, INPUT_SHORT_OPTIONS HELP_SHORT_OPTIONS,
				  longopts, NULL)) != -1) {
		int r = input_option(&in, opt, optarg);
		if (r < 0)
			goto out;
		if (r > 0 || rules_option(&w.rules, opt, optarg))
			continue;
		switch (opt) {
		case OPT_WINDOW:
			if (!parse_duration(optarg, &w.window_us) || w.window_us < 1000000) {
				cli_error("--window wants a time of at least 1s (30s, 15m, 1h), "
					  "not \"%s\"", optarg);
				goto out;
			}
			break;
		case OPT_REPORT_DIR:
			w.report_dir = optarg;
			break;
		case OPT_FORMAT:
			if (!add_format(&w, optarg))
				goto out;
			break;
		case OPT_EVENTS:
			events = optarg;
			break;
		case OPT_HELP:
			watch_usage(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			watch_usage(stderr);
			goto out;
		}
	}
	for (int i = optind; i < argc; i++)
		input_add_file(&in, argv[i]);
	if (!rules_options_check(&w.rules, "watch", ""))
		goto out;
	if (!input_options_check(&in, "watch"))
		goto out;
	if (!w.nformats) {
		add_format(&w, "json");
		add_format(&w, "html");
	}
	w.bpf_from_site = in.capture.bpf == NULL;
	if (events && !open_events(&w, events))
		goto out;
	rc = run(&w, &in);
out:
	if (w.events && w.events != stdout)
		fclose(w.events);
	input_options_free(&in);
	return rc;
}
