/* run_report.c - an audit report from a run (see run_report.h). */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "run_report.h"

_Static_assert(DR_COUNT <= CAPTURE_SUMMARY_NOTES,
	       "every decode counter must fit a capture summary");

bool capture_summary_fill(struct capture_summary *s, const struct capture *cap)
{
	unsigned n = capture_input_count(cap);
	struct input_summary *inputs = NULL;

	memset(s, 0, sizeof(*s));
	if (n && !(inputs = calloc(n, sizeof(*inputs))))
		return false;
	for (unsigned i = 0; i < n; i++) {
		const struct capture_input *in = capture_input(cap, i);
		inputs[i] = (struct input_summary){
			.name = in->name,
			.live = in->live,
			.packets = in->packets,
			.bytes = in->bytes,
			.first_us = in->first_us,
			.last_us = in->last_us,
			.kernel_drops = in->kernel_drops,
			.interface_drops = in->interface_drops,
			.error = in->error,
		};
		s->packets += in->packets;
		if (in->first_us && (!s->first_us || in->first_us < s->first_us))
			s->first_us = in->first_us;
		if (in->last_us > s->last_us)
			s->last_us = in->last_us;
	}
	s->inputs = inputs;
	s->ninputs = n;

	const struct decode_stats *ds = capture_decode_stats(cap);
	s->non_ip = ds->non_ip;
	s->malformed = capture_malformed_total(cap);
	for (int r = 0; r < DR_COUNT; r++)
		if (ds->reasons[r])
			s->notes[s->nnotes++] = (struct decode_note){
				.name = decode_reason_name(r), .count = ds->reasons[r],
			};

	const struct flow_table_stats *fs = capture_flow_stats(cap);
	s->flows = fs->created;
	s->evicted = fs->evicted;
	s->peak_flows = fs->peak_active;
	return true;
}

void capture_summary_free(struct capture_summary *s)
{
	free((void *)s->inputs);
	memset(s, 0, sizeof(*s));
}

/* Every input was read to its end. */
static bool inputs_complete(const struct capture_summary *s)
{
	for (unsigned i = 0; i < s->ninputs; i++)
		if (s->inputs[i].error && s->inputs[i].error[0])
			return false;
	return true;
}

bool run_report_build(struct audit_report *r, const struct capture *cap,
		      const struct ruleset *rs, const struct findings *f,
		      const struct fail_policy *fail_on, struct run_window window)
{
	memset(r, 0, sizeof(*r));
	if (!capture_summary_fill(&r->capture, cap))
		return false;
	r->version = PACKAGE_VERSION;
	r->rules = rs;
	r->findings = f;
	r->fail_on = *fail_on;
	r->verdict = audit_verdict(f, fail_on, inputs_complete(&r->capture));
	r->not_gating = findings_not_gating(f, fail_on);
	r->window_start_us = window.start_us;
	r->window_end_us = window.end_us;
	return true;
}

void run_report_free(struct audit_report *r)
{
	capture_summary_free(&r->capture);
}
