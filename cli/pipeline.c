/* pipeline.c - capture -> classify wiring (see pipeline.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pipeline.h"
#include "pipeline_threads.h"
#include "rule_ports.h"
#include "stop_signal.h"
#include "summary.h"

/* ---- the consumer: classification, then the command ---- */

static bool classify_packet(void *ctx, const struct flow_update *u,
			    const struct packet *p)
{
	struct pipeline *pl = ctx;
	return classifier_packet(pl->cls, u, p);
}

static void classify_flow_end(void *ctx, const struct flow_record *r, uint32_t slot)
{
	struct pipeline *pl = ctx;
	struct flow_class c;

	classifier_flow_end(pl->cls, r, slot, &c);
	pl->on_flow(pl->ctx, r, &c);
}

static void tick(void *ctx, uint64_t now_us)
{
	struct pipeline *pl = ctx;
	pl->on_tick(pl->ctx, now_us);
}

/* On the capture's thread, whichever runs the rest. */
static void progress(void *ctx, const struct capture_progress *p)
{
	struct pipeline *pl = ctx;
	progress_line_show(&pl->progress, p);
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

/* ---- open, run, close ---- */

static bool want_threads(const struct input_options *in)
{
	if (in->threads)
		return in->threads > 1;
	return !in->iface && sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

bool pipeline_open(struct pipeline *pl, const struct input_options *in,
		   classified_flow_fn *on_flow, pipeline_tick_fn *on_tick,
		   void *ctx)
{
	struct classify_options co;
	struct capture_options capo = in->capture;
	struct rule_ports rp;
	char err[512];

	memset(pl, 0, sizeof(*pl));
	pl->on_flow = on_flow;
	pl->on_tick = on_tick;
	pl->ctx = ctx;
	if (!rule_ports_get(in->rules, &rp)) {
		cli_error("out of memory");
		return false;
	}
	classify_options_default(&co);
	co.dpi = !in->no_dpi;
	co.geoip_path = in->geoip_path;
	co.asn_path = in->asn_path;
	co.max_flows = in->capture.flows.max_flows;
	co.port_labels = rp.labels;
	co.nport_labels = rp.nlabels;
	capo.flows.server_ports = rp.servers;
	pl->cls = classifier_new(&co, err, sizeof(err));
	if (!pl->cls) {
		rule_ports_free(&rp);
		cli_error("%s", err);
		return false;
	}
	const struct capture_consumer classify = {
		.ctx = pl,
		.packet = classify_packet,
		.flow_end = classify_flow_end,
		.tick = on_tick ? tick : NULL,
		.progress = progress_line_wanted(in->capture.quiet) ? progress : NULL,
	};
	struct capture_consumer consumer = classify;
	/* Without a second thread (or the memory for its queue) everything
	 * runs on this one: the same results, later. */
	if (want_threads(in))
		pl->thread = consumer_thread_start(&classify, in->capture.flows.max_flows,
						   &consumer);
	pl->cap = capture_new(&capo, &consumer);
	rule_ports_free(&rp);  /* capture and classifier keep copies */
	if (!pl->cap) {
		cli_error("out of memory setting up a flow table of %u flows",
			  in->capture.flows.max_flows);
		consumer_thread_free(pl->thread);
		classifier_free(pl->cls);
		memset(pl, 0, sizeof(*pl));
		return false;
	}
	input_options_apply(in, pl->cap);
	return true;
}

void pipeline_set_dpi_wanted(struct pipeline *pl, classify_dpi_wanted_fn *fn,
			     void *ctx)
{
	classifier_set_dpi_wanted(pl->cls, fn, ctx);
}

void pipeline_close(struct pipeline *pl)
{
	consumer_thread_free(pl->thread);
	capture_free(pl->cap);
	classifier_free(pl->cls);
	memset(pl, 0, sizeof(*pl));
}

int pipeline_run(struct pipeline *pl)
{
	struct stop_signal stop;

	stop_signal_arm(&stop, pl->cap);
	int rc = capture_run(pl->cap);
	consumer_thread_finish(pl->thread);
	progress_line_clear(&pl->progress);
	stop_signal_disarm(&stop);
	return rc;
}

void pipeline_summary(const struct pipeline *pl, FILE *f)
{
	struct classifier_stats s;

	summary_print(f, pl->cap);
	classifier_stats(pl->cls, &s);
	fprintf(f, "flowaudit: nDPI saw %llu flow%s (%llu packet%s, at most %llu "
		"at once); %llu DNS message%s (%llu unparsable); %llu name%s held, "
		"%llu refused; name index %llu entr%s, %llu evicted\n",
		(unsigned long long)s.dpi_flows, plural_s(s.dpi_flows),
		(unsigned long long)s.dpi_packets, plural_s(s.dpi_packets),
		(unsigned long long)s.dpi_peak_states,
		(unsigned long long)s.dns_messages, plural_s(s.dns_messages),
		(unsigned long long)s.dns_unparsed,
		(unsigned long long)s.names_held, plural_s(s.names_held),
		(unsigned long long)s.names_refused,
		(unsigned long long)s.name_index_entries,
		s.name_index_entries == 1 ? "y" : "ies",
		(unsigned long long)s.name_index_evicted);
	if (s.dpi_given_up_early)
		fprintf(f, "flowaudit: %llu undecided flows gave up application "
			"detection early, idle longest when every nDPI state was in use\n",
			(unsigned long long)s.dpi_given_up_early);
	if (s.dpi_waited)
		fprintf(f, "flowaudit: %llu packets waited for application "
			"detection: every nDPI flow state was in use\n",
			(unsigned long long)s.dpi_waited);
	if (s.dns_flows_untracked)
		fprintf(f, "flowaudit: %llu DNS flows not followed (too many at once)\n",
			(unsigned long long)s.dns_flows_untracked);
}
