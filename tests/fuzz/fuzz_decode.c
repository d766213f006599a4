/* fuzz_decode.c - the packet decoder from the link layer down, and what
 * IP reassembly, the flow table and the TCP state machine make of the
 * packets it yields.
 *
 * Input: one selector byte, then frames, each behind a 2-byte big-endian
 * length (a run of frames, so fragments reassemble, flows evolve through
 * their TCP states, expire, are evicted and reused).
 *
 *   selector bits 0-3  link type: linktypes[] below, modulo its length
 *            bit 4     validate checksums
 *            bit 5     key flows on the tunnel id as well
 *            bits 6-7  time between frames: 1 ms, 1 s, 61 s, 400 s (the
 *                      larger ones expire fragments and idle flows)
 *   length   bit 15    the frame was cut by the snaplen: its wire length
 *                      is 1500 bytes more than captured
 *            bits 0-14 bytes of frame that follow (fewer at the end);
 *                      0x7fff: the rest of the input, up to MAX_FRAME,
 *                      so a frame can be as large as libpcap reads one
 *                      (run with -max_len of at least MAX_FRAME + 3)
 *
 * Everything is made and freed per input: nothing carries over.
 */
#include <pcap/dlt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/ip_proto.h"
#include "common/timefmt.h"
#include "capture/community_id.h"
#include "capture/decode.h"
#include "capture/flow_table.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

/* The order is the seed format (make_seeds.py LINKTYPES): append only. */
static const int linktypes[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL, DLT_LOOP,
	DLT_RAW, 101 /* LINKTYPE_RAW */, DLT_IPV4, DLT_IPV6, DLT_PPP,
};
#define NLINKTYPES (sizeof(linktypes) / sizeof(linktypes[0]))

#define REST_OF_INPUT 0x7fff
#define MAX_FRAME 262144u  /* libpcap's largest snapshot length */

static const uint64_t steps_us[4] = { 1000, 1000000, 61000000, 400000000 };

struct run {
	struct flow_table *t;
	uint64_t ended;
	size_t touched;
};

/* Reads every field a consumer reads, so a record that is wrong in a way
 * the sanitizers see (an unterminated string, a stale pointer) shows. */
static void read_record(struct run *r, const struct flow_record *rec)
{
	char a[ENDPOINT_TEXT_LEN], b[ENDPOINT_TEXT_LEN], ts[TS_TEXT_LEN];
	char cid[COMMUNITY_ID_LEN];

	format_endpoint(a, rec->ip_version, &rec->orig_h, rec->orig_p);
	format_endpoint(b, rec->ip_version, &rec->resp_h, rec->resp_p);
	format_ts_iso(ts, rec->first_us);
	community_id_v1(rec->ip_version, rec->proto, &rec->orig_h, rec->orig_p,
			&rec->resp_h, rec->resp_p, cid);
	r->touched += strlen(a) + strlen(b) + strlen(ts) + strlen(cid) +
		      strlen(rec->uid) + strlen(rec->community_id) +
		      strlen(rec->history) + strlen(rec->quoted_uid) +
		      strlen(rec->conn_state ? rec->conn_state : "") +
		      strlen(flow_end_reason_name(rec->end)) +
		      strlen(ip_proto_name(rec->proto, "unknown_transport"));
}

static void on_end(void *ctx, const struct flow_record *rec, uint32_t slot)
{
	struct run *r = ctx;
	(void)slot;
	r->ended++;
	read_record(r, rec);
}

static void on_active(void *ctx, const struct flow_record *rec, uint32_t slot)
{
	(void)slot;
	read_record(ctx, rec);
}

static void deliver(struct run *r, const struct packet *p)
{
	struct flow_update u;

	if (!flow_table_packet(r->t, p, &u))
		return;
	/* A consumer that has seen enough of a flow, as the classifier
	 * says once it knows the application. */
	if (u.want_packets && (p->seq & 7) == 0)
		flow_table_stop_packets(r->t, u.slot);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decoder_options dopt;
	struct flow_table_config fopt;
	struct packet out[DECODE_MAX_OUT], p;
	struct run r = { 0 };

	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	int linktype = linktypes[(sel & 0x0f) % NLINKTYPES];
	uint64_t step = steps_us[sel >> 6];

	decoder_options_default(&dopt);
	dopt.validate_checksums = sel & 0x10;
	dopt.frag_datagrams = 4;      /* small: trains are evicted too */
	flow_table_config_default(&fopt);
	fopt.max_flows = 16;          /* small: flows are evicted too */
	fopt.key_tunnel_id = sel & 0x20;

	struct decoder *d = decoder_new(&dopt);
	r.t = flow_table_new(&fopt, on_end, &r);
	if (!d || !r.t)
		abort();

	uint64_t ts = 1700000000000000ull, number = 0;
	size_t off = 1;
	while (off + 2 <= size) {
		unsigned hdr = (unsigned)data[off] << 8 | data[off + 1];
		off += 2;
		size_t len = hdr & 0x7fff;
		if (len == REST_OF_INPUT)
			len = MAX_FRAME;
		if (len > size - off)
			len = size - off;
		uint32_t wirelen = (uint32_t)len + (hdr & 0x8000 ? 1500 : 0);
		/* The frame in a buffer of its own size, so a read past its
		 * end is caught even where the input goes on. */
		uint8_t *frame = malloc(len ? len : 1);
		if (!frame)
			abort();
		memcpy(frame, data + off, len);
		off += len;

		/* Packet time advances as in capture.c: stale fragments, then
		 * idle flows, then the frame. */
		while (decoder_expire(d, ts, &p))
			deliver(&r, &p);
		flow_table_expire(r.t, ts);

		int n = 0;
		if (decode_frame(d, linktype, frame, (uint32_t)len, wirelen, ts,
				 ++number, out, &n) == DECODE_OK)
			for (int i = 0; i < n; i++)
				deliver(&r, &out[i]);
		free(frame);
		ts += step;
	}
	while (decoder_expire(d, UINT64_MAX, &p))
		deliver(&r, &p);
	flow_table_each_active(r.t, on_active, &r);
	flow_table_finish(r.t);

	const struct flow_table_stats *fs = flow_table_stats(r.t);
	if (fs->active != 0 || fs->ended != fs->created || r.ended != fs->ended)
		abort();  /* every flow made must end, once */
	flow_table_free(r.t);
	decoder_free(d);
	return 0;
}
