/* fuzz_capture.c - whole capture files through the reading path, as
 * `flowaudit audit` runs it: the input is a pcap or pcapng file (in a
 * memory file) read by capture_new/capture_add_file/capture_run (classic
 * pcap by capture/pcap_file.c, the rest by libpcap), decoded, tracked as
 * flows, classified (nDPI, DNS answers, the name index, port services) and
 * judged by the verdict engine against the shipped matrix and the demo
 * site, whose findings are then listed.
 *
 * The classifier (nDPI's set-up costs more than a typical input) and the
 * rule set are made once; the capture and the verdict are made per input.
 * capture_run ends every flow at the end of its input, so each input leaves
 * the classifier with no flow state; only the name index (DNS answers
 * seen, kept small here) carries over from one input to the next, as it
 * does from one capture file to the next in one run of flowaudit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/capture.h"
#include "classify/classify.h"
#include "audit/verdict.h"
#include "rules/rules.h"

#ifndef FUZZ_SRCDIR
#error FUZZ_SRCDIR must name the source tree (build.sh defines it)
#endif

#define FLOWS 64  /* small: eviction and state give-up are exercised too */

static struct classifier *cls;
static struct ruleset *rs;

struct run {
	struct capture *cap;
	struct verdict *v;
	uint64_t ended;
	size_t touched;
};

static bool on_packet(void *ctx, const struct flow_update *u, const struct packet *p)
{
	(void)ctx;
	return classifier_packet(cls, u, p);
}

static void on_end(void *ctx, const struct flow_record *r, uint32_t slot)
{
	struct run *run = ctx;
	struct flow_class c;

	classifier_flow_end(cls, r, slot, &c);
	run->touched += strlen(c.app) + strlen(c.master_app) + strlen(c.category) +
			strlen(c.port_service) + strlen(c.server_name) +
			strlen(c.server_name_why) + strlen(c.dns.query) +
			strlen(c.dns.rcode_name) + strlen(name_source_text(c.server_name_source));
	if (run->v)
		verdict_flow(run->v, r, &c, NULL);
	run->ended++;
}

static void on_active(void *ctx, const struct flow_record *r, uint32_t slot)
{
	struct run *run = ctx;
	struct flow_class c;

	classifier_peek(cls, r, slot, &c);
	run->touched += strlen(c.app) + strlen(c.server_name);
}

/* About once a second of packet time: what a report in the middle of a
 * capture (flowaudit watch's window) reads of the flows still open. */
static void on_tick(void *ctx, uint64_t now_us)
{
	struct run *run = ctx;
	(void)now_us;
	capture_each_active_flow(run->cap, on_active, run);
}

static void set_up(void)
{
	char err[256];
	struct classify_options co;
	struct diag d = { .out = stderr };

	classify_options_default(&co);
	co.max_flows = FLOWS;
	co.name_index_entries = 256;
	co.name_store_bytes = 16384;
	co.dns_flows = 16;
	co.dpi_max_states = 16;
	cls = classifier_new(&co, err, sizeof(err));
	if (!cls) {
		fprintf(stderr, "fuzz_capture: %s\n", err);
		abort();
	}
	rs = ruleset_load(FUZZ_SRCDIR "/rules/speechexec-enterprise.json",
			  FUZZ_SRCDIR "/pcaps/demo-site.json", &d);
	if (!rs)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct run run = { 0 };

	if (!cls)
		set_up();
	int fd = memfd_create("fuzz-capture", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	struct capture_options o;
	capture_options_default(&o);
	o.flows.max_flows = FLOWS;
	o.decode.frag_datagrams = 4;
	o.quiet = true;
	run.v = verdict_new(rs);
	if (!run.v)
		abort();
	struct capture_consumer consumer = {
		.ctx = &run, .packet = on_packet, .flow_end = on_end, .tick = on_tick,
	};
	struct capture *cap = capture_new(&o, &consumer);
	run.cap = cap;
	if (!cap)
		abort();
	capture_add_file(cap, path);
	/* The same file twice, as `flowaudit audit a.pcap a.pcap` reads it:
	 * flows and DNS names meet their own repeats. */
	if (size & 1)
		capture_add_file(cap, path);
	capture_run(cap);
	const struct flow_table_stats *fs = capture_flow_stats(cap);
	if (fs->active != 0 || run.ended != fs->created)
		abort();  /* every flow made must end, once */
	for (unsigned i = 0; i < capture_input_count(cap); i++)
		run.touched += strlen(capture_input(cap, i)->error);
	(void)capture_malformed_total(cap);
	capture_free(cap);

	struct findings f;
	if (verdict_findings(run.v, &f))
		findings_free(&f);
	verdict_free(run.v);
	close(fd);
	return 0;
}
