/* cmd_watch.c - `flowaudit watch`: a long-running sensor on a mirror port.
 *
 * The audit of `flowaudit audit`, judged per window: at the end of each
 * window every requested report is written into the report directory under
 * a timestamped name and as latest.EXT, then the evidence starts afresh (a
 * required flow is missing if it did not appear in that window). Flows open
 * at a window's end count in it as they are then, and again in the window
 * where they end. Unexpected flows and failed attempts go out as event lines
 * the moment the flow ends. Each window's input figures are its own (a
 * baseline of the capture's counters is taken where the window before
 * ended). After each window index.html is rewritten (the windows, their
 * verdicts, what has been missing or blocked in a row: window_history.h),
 * then, with --keep or --keep-days, the oldest windows' reports go, only
 * once the new ones are in place. SIGHUP reloads matrix and site (a broken
 * file keeps the old rules) and reopens --events (rotated by mv), SIGUSR1
 * ends the current window now, SIGINT and SIGTERM write a final report and
 * exit 0. Memory is bounded by the flow table, the name index, the
 * verdict's per-window state and the window history, none of which grows
 * with running time.
 *
 * Output is bounded too, whatever the clock does: time that jumps (a
 * capture with a gap of years, a sensor's clock set by NTP after the start)
 * closes the open window, says so once and starts afresh at the new time,
 * instead of writing a report for every window in between; and no more
 * than REPORT_WINDOWS_PER_SECOND windows a real second are written.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/safe_text.h"
#include "common/timefmt.h"
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
#include "stop_signal.h"
#include "window_history.h"

#define DEFAULT_WINDOW_US (3600ull * 1000000)
#define BPF_MAX 65536
/* Windows that pass with no tick between them (a quiet capture, a short
 * window) are each reported, empty as they may be; more at once is time
 * jumping, not passing. */
#define CATCH_UP_WINDOWS 4
/* Window reports a real second, beyond a first burst of as many. */
#define REPORT_WINDOWS_PER_SECOND 50
#define PACE_SLICE_NS (50ull * 1000000)
#define DAY_US (86400ull * 1000000)
/* --keep and --keep-days: beyond these a bound is no bound. */
#define KEEP_MAX 1000000u
#define KEEP_DAYS_MAX 36500u
/* How long the end of a run waits for a TCP collector to take what is
 * queued. */
#define EVENTS_DRAIN_MS 5000

/* watch's own options, past every id cli/options.h gives out. */
enum { OPT_KEEP = 0x1000, OPT_KEEP_DAYS };

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
	const char *events_path;  /* --events, opened by start_writing() */
	FILE *events;             /* the file's, or the syslog sink's stream */
	bool events_to_syslog;    /* --events syslog[+tcp]://: events_target */
	struct syslog_target events_target;
	struct syslog_sink *syslog;
	bool allow_special;       /* --allow-special-output */
	bool quiet;               /* -q */
	struct window_retention keep;   /* --keep, --keep-days */
	char retention[96];       /* the same, as index.html states it */
	struct window_history *history;
	/* The capture's counters where the last window ended: the next
	 * window's figures are counted from there. */
	struct capture_baseline base;
	uint64_t tick_us;         /* the packet time of the tick running */
	/* What the HTML reports state of their making: the files are hashed
	 * at the first window and again after a reload, not every window. */
	char *command_line;
	struct provenance prov;
	bool prov_ready;

	bool bpf_from_site;       /* the kernel filter follows the site */
	bool started;             /* start_writing() ran */
	bool failed;              /* a report could not be written */
	unsigned windows;
	uint64_t pace_ns;         /* report pacing: when the next is due */
	bool pace_said;
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
	"latest.EXT, atomically, and index.html is rewritten: the windows' verdicts\n"
	"on a timeline, linking each window's reports, and each rule and host\n"
	"missing or blocked in consecutive windows (read back from the windows'\n"
	"JSON reports at start). Required flows are judged per window; a window's\n"
	"input figures count its own packets. Unexpected\n"
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
	"      --events DEST        event lines for unexpected flows and failed\n"
	"                           attempts, appended to a file (\"-\": standard\n"
	"                           output) or sent to syslog://HOST[:PORT] (UDP)\n"
	"                           or syslog+tcp://HOST[:PORT] (docs/siem.md);\n"
	"                           opened as --user, after the privilege drop\n"
	"      --allow-special-output  --events and the reports may be a FIFO or\n"
	"                           character device (never through a link)\n"
	"      --keep N             keep the reports of the N latest windows only\n"
	"      --keep-days D        keep the reports of windows started in the\n"
	"                           last D days only (with --keep: both apply)\n"
	"%s"
	"  -h, --help               this help\n"
	"\n"
	"By default the kernel filter keeps only packets to or from the site's\n"
	"audited hosts, DNS and tunnels (--bpf replaces it). When started as root\n"
	"it becomes --user (default nobody) once the interface is open, and drops\n"
	"every capability; the report directory and the events file must be\n"
	"writable by that user. No file is written through a symbolic link.\n"
	"When time jumps by more than %d windows (a gap in a capture, a clock\n"
	"set forward or back), the open window is reported, the jump is logged\n"
	"once and windows restart at the new time; at most %d window reports\n"
	"are written a second.\n"
	"With --keep or --keep-days the oldest windows' reports (every format)\n"
	"are removed once the new window's are in place; only files named\n"
	"flowaudit-START.EXT, never through a link.\n"
	"Signals: SIGHUP reloads matrix and site (a broken file keeps the old\n"
	"rules) and reopens the --events file (after rotation by mv) or\n"
	"reconnects to the syslog collector, SIGUSR1 ends the current window\n"
	"and writes its reports now, SIGINT and SIGTERM write a final report\n"
	"and exit 0.\n"
	"\n"
	"Exit status: 0 the capture ended or watch was stopped by SIGINT or\n"
	"SIGTERM, every report written (findings never change it: see each\n"
	"window's verdict); 2 bad usage, a bad matrix or site file, no input\n"
	"could be read, a report or the events file could not be written, or\n"
	"privileges could not be dropped.\n",
	ruleset_default_matrix(), input_options_help(), CATCH_UP_WINDOWS,
	REPORT_WINDOWS_PER_SECOND);
}

/* ---- reports ---- */

/* The window's reports were written: its JSON report (rendered again, in
 * memory: the one reading of a window for windows written now and those
 * read back after a restart) goes into the history. */
static void remember_window(struct watch *w, const struct audit_report *report)
{
	char *json = NULL, err[256];
	size_t len = 0;
	unsigned formats = 0;
	FILE *mem = open_memstream(&json, &len);

	for (unsigned i = 0; i < w->nformats; i++)
		formats |= 1u << window_extension_index(report_format_extension(w->formats[i]));
	bool ok = mem && report_json(mem, report);
	if (mem && fclose(mem) != 0)
		ok = false;
	if (!ok || !window_history_add(w->history, json, len, formats, err, sizeof(err)))
		cli_error("watch: index.html: the window could not be added: %s",
			  ok ? err : "out of memory");
	free(json);
}

static bool write_index(struct watch *w)
{
	char path[PATH_MAX], err[PATH_MAX + 512];
	struct output_file of;
	struct watch_index ix;

	snprintf(path, sizeof(path), "%s/index.html", w->report_dir);
	window_history_index(w->history, &ix, ruleset_site_name(w->rs), w->window_us,
			     w->retention);
	if (!output_open(&of, path, 0, err, sizeof(err))) {
		cli_error("watch: %s", err);
		return false;
	}
	if (!watch_index_html(of.f, &ix)) {
		output_abort(&of);
		cli_error("watch: cannot write %s", path);
		return false;
	}
	if (!output_commit(&of, err, sizeof(err))) {
		cli_error("watch: %s", err);
		return false;
	}
	return true;
}

/* After a window's reports are in place (renamed): the windows retention
 * drops are left out of the history, index.html is rewritten without
 * them, and only then are their files removed. A reader following the
 * index never meets a removed report, and there are never fewer complete
 * windows than kept. */
static bool index_and_retain(struct watch *w, const char *written, uint64_t end)
{
	char (*doomed)[WINDOW_STAMP_LEN] = NULL;
	unsigned ndoomed = 0;
	char err[PATH_MAX + 256];
	bool retain = w->keep.keep || w->keep.keep_us;

	if (retain && !window_retention_plan(w->report_dir, &w->keep, written, end,
					     &doomed, &ndoomed, err, sizeof(err))) {
		cli_error("watch: old reports not removed: %s", err);
		retain = false;
	}
	for (unsigned i = 0; i < ndoomed; i++)
		window_history_forget(w->history, doomed[i]);
	bool ok = write_index(w);
	if (retain && ndoomed)
		window_retention_remove(w->report_dir, doomed, ndoomed, stderr);
	free(doomed);
	return ok;
}

/* The window's report states its making (an HTML report shows it). */
static void state_provenance(struct watch *w, struct audit_report *report)
{
	if (w->prov_ready) {
		provenance_reuse(&w->prov, report);
		return;
	}
	char *line = w->command_line ? strdup(w->command_line) : NULL;
	w->prov_ready = provenance_fill(&w->prov, report, line);
	if (!w->prov_ready)
		free(line);
}

static bool write_window(struct watch *w, const struct findings *f, uint64_t start,
			 uint64_t end)
{
	struct run_window window = { start, end > start ? end : start + 1 };
	struct audit_report report;
	char when[WINDOW_STAMP_LEN], paths[2 * REPORT_FORMAT_COUNT][PATH_MAX];
	struct report_outputs outs;

	if (!run_report_build_since(&report, w->pl->cap, w->rs, f, &w->fail_on, window,
				    &w->base)) {
		cli_error("watch: out of memory building the report");
		return false;
	}
	report.state = w->verdict;  /* the window's, for flowaudit merge */
	window_stamp(when, start);
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
	outs.allow_special = w->allow_special;
	if (provenance_wanted(&outs))
		state_provenance(w, &report);
	bool ok = report_outputs_write(&outs, &report);
	report_outputs_free(&outs);
	/* Nothing is removed unless the new window is complete. */
	if (ok) {
		remember_window(w, &report);
		ok = index_and_retain(w, when, window.end_us);
	}
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

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Waits, if need be, so that window reports go out at no more than
 * REPORT_WINDOWS_PER_SECOND a real second after a first burst of as many
 * (a virtual schedule: each report books the next slot). SIGINT and
 * SIGTERM end the wait. */
static void pace_reports(struct watch *w)
{
	const uint64_t interval = 1000000000ull / REPORT_WINDOWS_PER_SECOND;
	const uint64_t burst = REPORT_WINDOWS_PER_SECOND * interval;
	uint64_t now = monotonic_ns();

	if (w->pace_ns < now)
		w->pace_ns = now;
	while (w->pace_ns > now + burst && !stop_signal_caught()) {
		if (!w->pace_said) {
			w->pace_said = true;
			fprintf(stderr, "flowaudit: watch: more than %d window reports a "
				"second: writing them more slowly\n", REPORT_WINDOWS_PER_SECOND);
		}
		uint64_t wait = w->pace_ns - now - burst;
		if (wait > PACE_SLICE_NS)
			wait = PACE_SLICE_NS;
		struct timespec ts = { 0, (long)wait };
		nanosleep(&ts, NULL);
		now = monotonic_ns();
	}
	w->pace_ns += interval;
}

/* Ends the current window at `end`: open flows count as they are now, the
 * reports go out, the evidence starts afresh. */
static void close_window(struct watch *w, uint64_t end, bool open_flows)
{
	struct findings f;

	/* No packet and no tick yet: there is no time to put a window at,
	 * and a report of 1970 would say nothing true. */
	if (!end)
		return;
	pace_reports(w);
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
	/* The next window's figures start here: at a tick, before the frame
	 * that brought it is counted (capture.h). */
	if (!capture_baseline_take(&w->base, w->pl->cap, w->tick_us))
		cli_error("watch: out of memory: the next window's input figures "
			  "count from an earlier window");
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
		cli_error("watch: reload failed (%u error%s above); keeping the rules "
			  "loaded before", d.errors, d.errors == 1 ? "" : "s");
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
	/* The next window's report hashes the files it now rests on. */
	provenance_free(&w->prov);
	w->prov_ready = false;
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

/* Can reports be written at all? Tried the way reports are written (a
 * temporary created in the directory and removed), so the same checks
 * apply: a directory unsafe for root is refused now, not at the first
 * window's end. */
static bool report_dir_writable(struct watch *w)
{
	char probe[PATH_MAX], err[PATH_MAX + 512];
	struct output_file of;

	snprintf(probe, sizeof(probe), "%s/.flowaudit-probe.%ld", w->report_dir, (long)getpid());
	if (!output_open(&of, probe, 0, err, sizeof(err))) {
		cli_error("watch: cannot write reports into %s: %s%s", w->report_dir, err,
			  geteuid() == 0 ? "" :
			  " (after dropping privileges: make it writable by --user)");
		return false;
	}
	output_abort(&of);
	return true;
}

/* --events is opened here, after the privilege drop: as root it would be
 * a file in a directory the unprivileged user owns (the report directory,
 * typically), one a link could turn into any file on the system. */
static bool open_events(struct watch *w)
{
	char err[PATH_MAX + 512];

	if (!w->events_path || w->events)
		return true;
	if (w->events_to_syslog) {
		/* A socket, not a file, but also as --user: nothing of root's
		 * is kept for it. */
		w->syslog = syslog_sink_open(&w->events_target, w->quiet, err, sizeof(err));
		if (!w->syslog) {
			cli_error("watch: --events %s: %s", w->events_target.url, err);
			return false;
		}
		w->events = syslog_sink_stream(w->syslog);
		return true;
	}
	w->events = output_append_open(w->events_path, w->allow_special ?
				       OUTPUT_ALLOW_SPECIAL : 0, err, sizeof(err));
	if (!w->events) {
		cli_error("watch: --events: %s%s", err, geteuid() == 0 ? "" :
			  " (opened after dropping privileges: it must be writable by --user)");
		return false;
	}
	return true;
}

/* SIGHUP: the events file anew under its name, as --user (the tick runs
 * after the privilege drop): a log rotated by mv gets a new file and the
 * moved one keeps what it has. If the name cannot be opened the old file
 * stays in use, and it is said. */
static void reopen_events(struct watch *w)
{
	char err[PATH_MAX + 512];

	if (!w->events_path || !w->events)
		return;
	if (w->syslog) {
		syslog_sink_reconnect(w->syslog);
		return;
	}
	FILE *f = output_append_open(w->events_path, w->allow_special ?
				     OUTPUT_ALLOW_SPECIAL : 0, err, sizeof(err));
	if (!f) {
		cli_error("watch: --events not reopened, still writing the file open "
			  "before: %s", err);
		return;
	}
	if (fclose(w->events) != 0)
		cli_error("watch: --events: the file before could not be closed cleanly");
	w->events = f;
	text_printf_safe(stderr, "flowaudit: watch: reopened %s", w->events_path);
	fputc('\n', stderr);
}

/* The windows already in the report directory (a restart): index.html
 * goes on from them. Read as --user, after the privilege drop. */
static void read_back_windows(struct watch *w)
{
	unsigned n = window_history_rebuild(w->history, w->report_dir, stderr);
	if (n && !w->quiet) {
		text_printf_safe(stderr, "flowaudit: watch: %u earlier window%s read back "
				 "from %s for index.html", n, n == 1 ? "" : "s", w->report_dir);
		fputc('\n', stderr);
	}
}

/* Once, at the first tick (after the privilege drop when there is one),
 * or after the run when there was none. */
static bool start_writing(struct watch *w)
{
	w->started = true;
	if (report_dir_writable(w) && open_events(w)) {
		read_back_windows(w);
		return true;
	}
	w->failed = true;
	return false;
}

/* ---- time ---- */

static void start_window_at(struct watch *w, uint64_t now)
{
	w->window_start_us = now - now % w->window_us;
	w->window_end_us = w->window_start_us + w->window_us;
}

/* Time before the open window, or more windows due at once than time
 * passing explains: the clock (or the capture) jumped. */
static bool time_jumped(const struct watch *w, uint64_t now)
{
	if (now < w->window_start_us)
		return true;
	return now >= w->window_end_us &&
	       (now - w->window_end_us) / w->window_us >= CATCH_UP_WINDOWS;
}

/* Reports the open window (to its end going forward, to the last time seen
 * going back), says so once, and starts afresh at the window holding now:
 * one report whatever the size of the jump. */
static void jump_to(struct watch *w, uint64_t now)
{
	char from[TS_TEXT_LEN], to[TS_TEXT_LEN], resume[TS_TEXT_LEN];
	bool back = now < w->window_start_us;
	uint64_t was = w->last_now_us > w->window_start_us ? w->last_now_us
							     : w->window_start_us;
	uint64_t end = back ? was : w->window_end_us;

	close_window(w, end, true);
	uint64_t skipped_from = end;
	start_window_at(w, now);
	format_ts_iso(from, was);
	format_ts_iso(to, now);
	format_ts_iso(resume, w->window_start_us);
	if (back)
		fprintf(stderr, "flowaudit: watch: time jumped back from %s to %s: the "
			"open window is reported as it stood; windows restart at %s\n",
			from, to, resume);
	else
		fprintf(stderr, "flowaudit: watch: time jumped forward from %s to %s "
			"(no packets or no clock between): the open window is reported, "
			"%llu windows between are not; windows restart at %s\n", from, to,
			(unsigned long long)((w->window_start_us - skipped_from) / w->window_us),
			resume);
}

/* Between packets, the capture standing still (pipeline.h), on whichever
 * thread classifies: a window's open flows and figures are the capture's
 * at this tick, however many threads there are. */
static void watch_tick(void *ctx, uint64_t now)
{
	struct watch *w = ctx;

	w->tick_us = now;
	if (!w->started && !start_writing(w)) {
		capture_stop(w->pl->cap);
		return;
	}
	if (w->syslog)
		syslog_sink_service(w->syslog);  /* what waited for the collector */
	if (!w->window_start_us)
		start_window_at(w, now);
	else if (time_jumped(w, now))
		jump_to(w, now);
	w->last_now_us = now;
	if (atomic_exchange(&reload_requested, false)) {
		reload(w);
		reopen_events(w);
	}
	if (atomic_exchange(&report_requested, false))
		close_window(w, now, true);
	while (now >= w->window_end_us && !stop_signal_caught()) {
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
		if (w->syslog)
			syslog_sink_service(w->syslog);
		else
			fflush(w->events);
	}
}

/* A whole number from 1 to max, nothing after it. */
static bool parse_keep(const char *s, unsigned max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || *s == '+' || v < 1 || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* What index.html says is kept. */
static void retention_text(struct watch *w)
{
	char *o = w->retention;
	size_t len = sizeof(w->retention);
	int n = 0;

	if (w->keep.keep)
		n = snprintf(o, len, "the latest %u window%s", w->keep.keep,
			     w->keep.keep == 1 ? "" : "s");
	if (w->keep.keep_us)
		snprintf(o + n, len - (size_t)n, "%swindows started in the last %llu day%s",
			 n ? "; " : "", (unsigned long long)(w->keep.keep_us / DAY_US),
			 w->keep.keep_us == DAY_US ? "" : "s");
}

static bool add_format(struct watch *w, const char *name)
{
	enum report_format f;

	if (!report_format_parse(name, &f)) {
		char err[512];
		report_format_unknown(name, err, sizeof(err));  /* xml: did you mean junit? */
		cli_error("watch: %s", err);
		return false;
	}
	for (unsigned i = 0; i < w->nformats; i++)
		if (w->formats[i] == f)
			return true;
	w->formats[w->nformats++] = f;
	return true;
}

/* The end of the last window: the last tick's time, or a packet after it
 * (ticks come once a second) unless that packet is from before time
 * stepped back. */
static uint64_t run_end(const struct watch *w, const struct capture *cap)
{
	uint64_t end = w->last_now_us;

	for (unsigned i = 0; i < capture_input_count(cap); i++) {
		uint64_t last = capture_input(cap, i)->last_us;
		if (last > end && (!w->last_now_us || last - end <= w->window_us))
			end = last;
	}
	return end;
}

/* The collector gets what is queued (a bounded wait), and the run summary
 * says what it got. */
static void close_syslog(struct watch *w)
{
	struct syslog_counts n;

	if (!w->syslog)
		return;
	syslog_sink_close(w->syslog, EVENTS_DRAIN_MS, &n);
	w->syslog = NULL;
	w->events = NULL;
	if (!w->quiet || n.dropped || n.too_large)
		syslog_counts_print(stderr, w->events_target.url, &n);
}

static int run(struct watch *w, struct input_options *in)
{
	struct diag d = { .out = stderr };
	char *bpf = malloc(BPF_MAX);
	int rc = EXIT_USAGE;

	if (!rules_matrix_found(&w->rules))  /* names --matrix and the variable */
		goto out;
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
	/* Their work waits for the next tick: a read in progress carries on
	 * (without SA_RESTART a capture read from a pipe ended with EINTR). */
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_sighup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_sigusr1;
	sigaction(SIGUSR1, &sa, NULL);

	int read_rc = pipeline_run(&pl);
	if (!w->started && !capture_failed_fatally(pl.cap))
		start_writing(w);
	if (capture_failed_fatally(pl.cap)) {
		cli_error("watch: stopped: privileges could not be dropped");
	} else if (!w->failed) {
		/* Every flow has ended now: the last window holds them all. */
		uint64_t end = run_end(w, pl.cap);
		if (!w->window_start_us)
			w->window_start_us = end;
		close_window(w, end, false);
		if (!end && !in->capture.quiet)
			fprintf(stderr, "flowaudit: watch: the input held no packets: "
				"no window to report\n");
	}
	if (!in->capture.quiet)
		pipeline_summary(&pl, stderr);
	close_syslog(w);
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
	capture_baseline_free(&w->base);
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
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "keep-days", required_argument, NULL, OPT_KEEP_DAYS },
		ALLOW_SPECIAL_LONG_OPTION,
		HELP_LONG_OPTION,
		END_OF_OPTIONS,
	};
	struct input_options in;
	struct watch w = { .window_us = DEFAULT_WINDOW_US, .report_dir = "." };
	int opt, rc = EXIT_USAGE;
	unsigned n;

	input_options_init(&in);
	fail_policy_default(&w.fail_on);
	w.command_line = provenance_command_line(argc, argv);  /* before getopt */
	/* A sensor gives up root once the interface is open, unless told
	 * otherwise with --user. */
	in.capture.drop_privileges = true;
	/* A sensor's clock may be set back: windows follow it (capture.h). */
	in.capture.clock_steps_back = true;
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
			w.events_path = optarg;
			w.events_to_syslog = event_dest_is_syslog(optarg);
			if (w.events_to_syslog) {
				char err[512];
				if (!syslog_target_parse(optarg, &w.events_target, err,
							 sizeof(err))) {
					cli_error("watch: --events %s: %s", optarg, err);
					goto out;
				}
			}
			break;
		case OPT_ALLOW_SPECIAL_OUTPUT:
			w.allow_special = true;
			break;
		case OPT_KEEP:
			if (!parse_keep(optarg, KEEP_MAX, &n)) {
				cli_error("--keep wants a number of windows from 1 to %u, not "
					  "\"%s\"", KEEP_MAX, optarg);
				goto out;
			}
			w.keep.keep = n;
			break;
		case OPT_KEEP_DAYS:
			if (!parse_keep(optarg, KEEP_DAYS_MAX, &n)) {
				cli_error("--keep-days wants a number of days from 1 to %u, not "
					  "\"%s\"", KEEP_DAYS_MAX, optarg);
				goto out;
			}
			w.keep.keep_us = n * DAY_US;
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
	w.quiet = in.capture.quiet;
	retention_text(&w);
	w.history = malloc(sizeof(*w.history));
	if (!w.history) {
		cli_error("watch: out of memory");
		goto out;
	}
	window_history_init(w.history);
	if (w.events_path && strcmp(w.events_path, "-") == 0) {
		w.events = stdout;
		w.events_path = NULL;
	}
	/* The file is opened at the first tick, after any privilege drop;
	 * a name that would be refused then is refused now, before a wait. */
	char err[PATH_MAX + 512];
	if (w.events_path && !w.events_to_syslog &&
	    !output_precheck(w.events_path, w.allow_special ? OUTPUT_ALLOW_SPECIAL : 0,
			     err, sizeof(err))) {
		cli_error("watch: --events: %s", err);
		goto out;
	}
	rc = run(&w, &in);
out:
	if (w.syslog)
		close_syslog(&w);
	else if (w.events && w.events != stdout)
		fclose(w.events);
	input_options_free(&in);
	free(w.history);
	provenance_free(&w.prov);
	free(w.command_line);
	return rc;
}
