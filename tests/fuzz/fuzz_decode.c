/* fuzz_decode.c - the packet decoder from the link layer down, and what
 * the flow table and TCP state machine make of its packets. The first byte
 * picks the link type; each input is a short run of frames (2-byte length
 * prefixes) so reassembly, flows and TCP state see more than one packet. */
#include <pcap/dlt.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/decode.h"
#include "capture/flow_table.h"

static const int linktypes[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL, DLT_LOOP,
	DLT_RAW, 101 /* LINKTYPE_RAW */, DLT_IPV4, DLT_IPV6, DLT_PPP,
};

static void ignore_end(void *ctx, const struct flow_record *r, uint32_t slot)
{
	(void)ctx;
	(void)r;
	(void)slot;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decoder_options dopt;
	struct flow_table_config fopt;
	struct packet out[DECODE_MAX_OUT];
	struct flow_update u;

	if (size < 1)
		return 0;
	decoder_options_default(&dopt);
	dopt.validate_checksums = data[0] & 0x80;
	flow_table_config_default(&fopt);
	fopt.max_flows = 64;  /* small: eviction is exercised too */
	struct decoder *d = decoder_new(&dopt);
	struct flow_table *t = flow_table_new(&fopt, ignore_end, NULL);
	int linktype = linktypes[(data[0] & 0x7f) % (sizeof(linktypes) / sizeof(linktypes[0]))];
	size_t off = 1;
	uint64_t ts = 1700000000000000ull, number = 0;

	while (d && t && off + 2 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		int n = 0;
		decode_frame(d, linktype, data + off, (uint32_t)len, (uint32_t)len, ts, ++number,
			     out, &n);
		for (int i = 0; i < n; i++)
			flow_table_packet(t, &out[i], &u);
		off += len;
		ts += 1000;
	}
	struct packet p;
	while (d && t && decoder_expire(d, UINT64_MAX, &p))
		flow_table_packet(t, &p, &u);
	if (t)
		flow_table_finish(t);
	flow_table_free(t);
	decoder_free(d);
	return 0;
}
