/* pipeline.c - capture -> classify wiring (see pipeline.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pipeline.h"
#include "summary.h"

static bool on_packet(void *ctx, const struct flow_update *u,
		      const struct packet *p)
{
	struct pipeline *pl = ctx;
	return classifier_packet(pl->cls, u, p);
}

static void on_flow_end(void *ctx, const struct flow_record *r, uint32_t slot)
{
	struct pipeline *pl = ctx;
	struct flow_class c;

	classifier_flow_end(pl->cls, r, slot, &c);
	pl->on_flow(pl->ctx, r, &c);
}

static void on_tick(void *ctx, uint64_t now_us)
{
	struct pipeline *pl = ctx;
	if (pl->on_tick)
		pl->on_tick(pl->ctx, now_us);
}

struct open_flow_visit {
	struct pipeline *pl;
	classified_flow_fn *fn;
	void *ctx;
};

static void visit_open_flow(void *ctx, const struct flow_record *r, uint32_t slot)
{
	struct open_flow_visit *v = ctx;
	struct flow_class c;

	classifier_peek(v->pl->cls, r, slot, &c);
	v->fn(v->ctx, r, &c);
}

void pipeline_each_open_flow(struct pipeline *pl, classified_flow_fn *fn, void *ctx)
{
	struct open_flow_visit v = { pl, fn, ctx };
	capture_each_active_flow(pl->cap, visit_open_flow, &v);
}

/* "1.2 G", "840 k": three significant figures are plenty on a progress line. */
static void human(char *out, size_t len, double v, const char *unit)
{
	static const char *const prefix[] = { "", " k", " M", " G", " T" };
	unsigned i = 0;

	while (v >= 1000 && i + 1 < sizeof(prefix) / sizeof(prefix[0])) {
		v /= 1000;
		i++;
	}
	snprintf(out, len, i ? "%.3g%s%s" : "%.0f%s%s", v, prefix[i], unit);
}

/* One line on a terminal's standard error, rewritten in place. */
static void show_progress(void *ctx, const struct capture_progress *p)
{
	struct pipeline *pl = ctx;
	char done[32], total[32], pkts[32], rate[32], flows[32];
	double secs = p->elapsed_us / 1e6;
	const char *name = strrchr(p->input, '/') ? strrchr(p->input, '/') + 1 : p->input;

	human(pkts, sizeof(pkts), (double)p->packets, " packets");
	human(rate, sizeof(rate), secs > 0 ? p->packets / secs : 0, " packets/s");
	human(flows, sizeof(flows), (double)p->active_flows, " flows");
	fputs("\r\033[K", stderr);
	if (p->bytes_total) {
		human(done, sizeof(done), (double)p->bytes_done, "B");
		human(total, sizeof(total), (double)p->bytes_total, "B");
		fprintf(stderr, "%3.0f%% %.40s %s of %s, ",
			100.0 * (double)p->bytes_done / (double)p->bytes_total, name, done, total);
	} else {
		fprintf(stderr, "%.40s: ", name);
	}
	fprintf(stderr, "%s, %s, %s", pkts, rate, flows);
	fflush(stderr);
	pl->progress_shown = true;
}

bool pipeline_open(struct pipeline *pl, const struct input_options *in,
		   classified_flow_fn *on_flow, void *ctx)
{
	struct classify_options co;
	char err[512];

	memset(pl, 0, sizeof(*pl));
	pl->on_flow = on_flow;
	pl->ctx = ctx;
	classify_options_default(&co);
	co.dpi = !in->no_dpi;
	co.geoip_path = in->geoip_path;
	co.asn_path = in->asn_path;
	co.max_flows = in->capture.flows.max_flows;
	pl->cls = classifier_new(&co, err, sizeof(err));
	if (!pl->cls) {
		cli_error("%s", err);
		return false;
	}
	struct capture_consumer consumer = {
		.ctx = pl, .packet = on_packet, .flow_end = on_flow_end, .tick = on_tick,
	};
	/* A progress line only for a person watching: never in a pipe or a
	 * log, never with -q. */
	if (!in->capture.quiet && isatty(STDERR_FILENO))
		consumer.progress = show_progress;
	pl->cap = capture_new(&in->capture, &consumer);
	if (!pl->cap) {
		cli_error("out of memory setting up a flow table of %u flows",
			  in->capture.flows.max_flows);
		classifier_free(pl->cls);
		return false;
	}
	input_options_apply(in, pl->cap);
	return true;
}

void pipeline_close(struct pipeline *pl)
{
	capture_free(pl->cap);
	classifier_free(pl->cls);
	memset(pl, 0, sizeof(*pl));
}

static struct capture *volatile running;

/* SIGINT/SIGTERM end a run cleanly: the flows so far are still reported. */
static void stop_on_signal(int sig)
{
	(void)sig;
	if (running)
		capture_stop(running);
}

int pipeline_run(struct pipeline *pl)
{
	struct sigaction sa, old_int, old_term;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stop_on_signal;
	sigemptyset(&sa.sa_mask);
	running = pl->cap;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	int rc = capture_run(pl->cap);
	if (pl->progress_shown)
		fputs("\r\033[K", stderr);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	running = NULL;
	return rc;
}

void pipeline_summary(const struct pipeline *pl, FILE *f)
{
	struct classifier_stats s;

	summary_print(f, pl->cap);
	classifier_stats(pl->cls, &s);
	fprintf(f, "flowaudit: nDPI saw %llu flows (%llu packets, at most %llu "
		"at once); %llu DNS messages (%llu unparsable); %llu names held, "
		"%llu refused; name index %llu entries, %llu evicted\n",
		(unsigned long long)s.dpi_flows, (unsigned long long)s.dpi_packets,
		(unsigned long long)s.dpi_peak_states,
		(unsigned long long)s.dns_messages, (unsigned long long)s.dns_unparsed,
		(unsigned long long)s.names_held, (unsigned long long)s.names_refused,
		(unsigned long long)s.name_index_entries,
		(unsigned long long)s.name_index_evicted);
	if (s.dpi_waited)
		fprintf(f, "flowaudit: %llu packets waited for application "
			"detection: every nDPI flow state was in use\n",
			(unsigned long long)s.dpi_waited);
	if (s.dns_flows_untracked)
		fprintf(f, "flowaudit: %llu DNS flows not followed (too many at once)\n",
			(unsigned long long)s.dns_flows_untracked);
}
