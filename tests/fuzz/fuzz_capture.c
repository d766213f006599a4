/* fuzz_capture.c - whole capture files through the reading path: libpcap's
 * pcap/pcapng reader, the decoder, flows, and the classifier (nDPI, DNS,
 * names) on every flow, as `flowaudit flows` runs them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/capture.h"
#include "classify/classify.h"

#define FLOWS 256

static struct classifier *cls;

static bool on_packet(void *ctx, const struct flow_update *u, const struct packet *p)
{
	(void)ctx;
	return classifier_packet(cls, u, p);
}

static void on_end(void *ctx, const struct flow_record *r, uint32_t slot)
{
	struct flow_class c;
	(void)ctx;
	classifier_flow_end(cls, r, slot, &c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[256];

	if (!cls) {
		/* nDPI's set-up is costly: made once, like a long run's. */
		struct classify_options co;
		classify_options_default(&co);
		co.max_flows = FLOWS;
		cls = classifier_new(&co, err, sizeof(err));
		if (!cls)
			abort();
	}
	int fd = memfd_create("fuzz-capture", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct capture_options o;
	capture_options_default(&o);
	o.flows.max_flows = FLOWS;
	o.quiet = true;
	struct capture_consumer consumer = { .packet = on_packet, .flow_end = on_end };
	struct capture *cap = capture_new(&o, &consumer);
	if (cap) {
		capture_add_file(cap, path);
		capture_run(cap);  /* ends every flow: the classifier is clean again */
		capture_free(cap);
	}
	close(fd);
	return 0;
}
