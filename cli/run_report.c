/* run_report.c - an audit report from a run (see run_report.h). */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "provenance.h"
#include "run_report.h"

_Static_assert(DR_COUNT <= CAPTURE_SUMMARY_NOTES,
	       "every decode counter must fit a capture summary");

/* A counter since the baseline: counters only grow, but a wrapped or
 * restarted one (pcap_stats after an interface reset) must not turn into
 * a huge number. */
static uint64_t since(uint64_t now, uint64_t then)
{
	return now >= then ? now - then : now;
}

static const struct input_baseline zero_input;

static const struct input_baseline *input_base(const struct capture_baseline *b,
					       unsigned i)
{
	return b && i < b->ninputs ? &b->inputs[i] : &zero_input;
}

/* One input's figures since the baseline. Its first frame after the
 * baseline is the one that brought the tick the baseline was taken at,
 * at that tick's time (when the input had frames before it). */
static struct input_summary input_since(const struct capture_input *in,
					const struct input_baseline *base,
					uint64_t taken_us)
{
	struct input_summary s = {
		.name = in->name,
		.live = in->live,
		.packets = since(in->packets, base->packets),
		.bytes = since(in->bytes, base->bytes),
		.kernel_drops = since(in->kernel_drops, base->kernel_drops),
		.interface_drops = since(in->interface_drops, base->interface_drops),
		.error = in->error,
	};
	if (s.packets) {
		s.first_us = in->first_us;
		if (base->packets && taken_us > s.first_us)
			s.first_us = taken_us;
		s.last_us = in->last_us;
	}
	return s;
}

bool capture_summary_fill_since(struct capture_summary *s, const struct capture *cap,
				const struct capture_baseline *base)
{
	unsigned n = capture_input_count(cap);
	struct input_summary *inputs = NULL;
	uint64_t taken_us = base ? base->taken_us : 0;

	memset(s, 0, sizeof(*s));
	if (n && !(inputs = calloc(n, sizeof(*inputs))))
		return false;
	for (unsigned i = 0; i < n; i++) {
		inputs[i] = input_since(capture_input(cap, i), input_base(base, i), taken_us);
		s->packets += inputs[i].packets;
		if (inputs[i].first_us && (!s->first_us || inputs[i].first_us < s->first_us))
			s->first_us = inputs[i].first_us;
		if (inputs[i].last_us > s->last_us)
			s->last_us = inputs[i].last_us;
	}
	s->inputs = inputs;
	s->ninputs = n;

	const struct decode_stats *ds = capture_decode_stats(cap);
	s->non_ip = since(ds->non_ip, base ? base->non_ip : 0);
	s->malformed = since(capture_malformed_total(cap), base ? base->malformed : 0);
	for (int r = 0; r < DR_COUNT; r++) {
		uint64_t count = since(ds->reasons[r], base ? base->reasons[r] : 0);
		if (count)
			s->notes[s->nnotes++] = (struct decode_note){
				.name = decode_reason_name(r), .count = count,
			};
	}

	const struct flow_table_stats *fs = capture_flow_stats(cap);
	s->flows = since(fs->created, base ? base->flows : 0);
	s->evicted = since(fs->evicted, base ? base->evicted : 0);
	s->peak_flows = fs->peak_active;
	return true;
}

bool capture_summary_fill(struct capture_summary *s, const struct capture *cap)
{
	return capture_summary_fill_since(s, cap, NULL);
}

void capture_summary_free(struct capture_summary *s)
{
	free((void *)s->inputs);
	memset(s, 0, sizeof(*s));
}

bool capture_baseline_take(struct capture_baseline *b, const struct capture *cap,
			   uint64_t now_us)
{
	unsigned n = capture_input_count(cap);

	if (n > b->ninputs) {
		struct input_baseline *more = realloc(b->inputs, n * sizeof(*more));
		if (!more)
			return false;
		b->inputs = more;
	}
	b->ninputs = n;
	for (unsigned i = 0; i < n; i++) {
		const struct capture_input *in = capture_input(cap, i);
		b->inputs[i] = (struct input_baseline){
			.packets = in->packets, .bytes = in->bytes,
			.kernel_drops = in->kernel_drops,
			.interface_drops = in->interface_drops,
		};
	}
	const struct decode_stats *ds = capture_decode_stats(cap);
	b->non_ip = ds->non_ip;
	b->malformed = capture_malformed_total(cap);
	memcpy(b->reasons, ds->reasons, sizeof(b->reasons));
	const struct flow_table_stats *fs = capture_flow_stats(cap);
	b->flows = fs->created;
	b->evicted = fs->evicted;
	b->taken_us = now_us;
	return true;
}

void capture_baseline_free(struct capture_baseline *b)
{
	free(b->inputs);
	memset(b, 0, sizeof(*b));
}

/* Every input was read to its end. */
static bool inputs_complete(const struct capture_summary *s)
{
	for (unsigned i = 0; i < s->ninputs; i++)
		if (s->inputs[i].error && s->inputs[i].error[0])
			return false;
	return true;
}

bool run_report_build_since(struct audit_report *r, const struct capture *cap,
			    const struct ruleset *rs, const struct findings *f,
			    const struct fail_policy *fail_on, struct run_window window,
			    const struct capture_baseline *base)
{
	memset(r, 0, sizeof(*r));
	if (!capture_summary_fill_since(&r->capture, cap, base))
		return false;
	r->version = PACKAGE_VERSION;
	r->rules = rs;
	r->findings = f;
	r->fail_on = *fail_on;
	r->verdict = audit_verdict(f, fail_on, inputs_complete(&r->capture));
	r->not_gating = findings_not_gating(f, fail_on);
	r->window_start_us = window.start_us;
	r->window_end_us = window.end_us;
	rules_identity(rs, r->matrix_sha256, r->site_sha256);
	return true;
}

void rules_identity(const struct ruleset *rs, char matrix[65], char site[65])
{
	char why[PROVENANCE_WHY_LEN];
	uint64_t size;
	const char *m = ruleset_matrix_path(rs), *s = ruleset_site_path(rs);

	/* A file that cannot be read again is stated as unknown (""); a
	 * merge then refuses the report. */
	if (!m || !provenance_hash_file(m, matrix, &size, why, sizeof(why)))
		matrix[0] = '\0';
	if (!s || !provenance_hash_file(s, site, &size, why, sizeof(why)))
		site[0] = '\0';
}

bool run_report_build(struct audit_report *r, const struct capture *cap,
		      const struct ruleset *rs, const struct findings *f,
		      const struct fail_policy *fail_on, struct run_window window)
{
	return run_report_build_since(r, cap, rs, f, fail_on, window, NULL);
}

void run_report_free(struct audit_report *r)
{
	capture_summary_free(&r->capture);
}
