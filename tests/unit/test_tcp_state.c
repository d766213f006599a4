/* test_tcp_state.c - every Zeek conn_state reached by a packet sequence, and
 * the history letters Zeek writes for it. Side 0 is the client, side 1 the
 * server; flip says whether the likely-server heuristic swapped roles at the
 * first packet, as the flow table decides from the ports. */
#include "capture/tcp_state.h"
#include "tap.h"

#define C 0
#define S 1
#define SYN TCP_SYN
#define ACK TCP_ACK
#define FIN TCP_FIN
#define RST TCP_RST
#define PSH TCP_PSH

struct step {
	int side;
	uint8_t flags;
	uint32_t seq, ack, len;
	uint16_t window;
};

#define END { -1, 0, 0, 0, 0, 0 }

/* One content entry serves every connection here, as a flow table slot
 * serves one connection after another: what an earlier connection left in
 * it must never show in a later one. */
static struct tcp_content content;

/* Client ISN 1000, server ISN 5000; data segments carry 100 bytes. */
#define HANDSHAKE                                  \
	{ C, SYN, 1000, 0, 0, 64240 },             \
	{ S, SYN | ACK, 5000, 1001, 0, 64240 },    \
	{ C, ACK, 1001, 5001, 0, 64240 }
#define DATA_BOTH_WAYS                                 \
	{ C, PSH | ACK, 1001, 5001, 100, 64240 },      \
	{ S, ACK, 5001, 1101, 0, 64240 },              \
	{ S, PSH | ACK, 5001, 1101, 100, 64240 },      \
	{ C, ACK, 1101, 5101, 0, 64240 }

static void play(struct tcp_conn *t, struct conn_history *h, int first_side,
		 int flip, const struct step *steps)
{
	memset(h, 0, sizeof(*h));
	tcp_conn_init(t, h, first_side, flip);
	for (const struct step *s = steps; s->side >= 0; s++) {
		struct packet p;
		memset(&p, 0, sizeof(p));
		p.ip_proto = IP_PROTO_TCP;
		p.tcp_flags = s->flags;
		p.seq = s->seq;
		p.ack = s->ack;
		p.payload_len = s->len;
		p.payload_caplen = s->len;
		p.window = s->window;
		tcp_packet(t, &content, h, s->side, &p);
	}
}

static void run(const char *name, int first_side, int flip,
		const struct step *steps, const char *want_state,
		const char *want_history)
{
	struct tcp_conn t;
	struct conn_history h;
	char label[128];

	play(&t, &h, first_side, flip, steps);
	snprintf(label, sizeof(label), "%s: conn_state", name);
	is_str(tcp_conn_state(&t, &h), want_state, label);
	snprintf(label, sizeof(label), "%s: history", name);
	is_str(h.text, want_history, label);
}

static void test_states(void)
{
	const struct step s0[] = {
		{ C, SYN, 1000, 0, 0, 64240 },
		{ C, SYN, 1000, 0, 0, 64240 },  /* retransmissions: same ISN */
		{ C, SYN, 1000, 0, 0, 64240 }, END };
	run("S0 (SYN retransmitted)", C, 0, s0, "S0", "S");

	const struct step s1[] = { HANDSHAKE, DATA_BOTH_WAYS, END };
	run("S1", C, 0, s1, "S1", "ShADad");

	const struct step sf[] = { HANDSHAKE, DATA_BOTH_WAYS,
		{ C, FIN | ACK, 1101, 5101, 0, 64240 },
		{ S, FIN | ACK, 5101, 1102, 0, 64240 },
		{ C, ACK, 1102, 5102, 0, 64240 }, END };
	run("SF", C, 0, sf, "SF", "ShADadFf");

	const struct step rej[] = {
		{ C, SYN, 1000, 0, 0, 64240 },
		{ S, RST | ACK, 0, 1001, 0, 0 }, END };
	run("REJ", C, 0, rej, "REJ", "Sr");

	const struct step s2[] = { HANDSHAKE, DATA_BOTH_WAYS,
		{ C, FIN | ACK, 1101, 5101, 0, 64240 },
		{ S, ACK, 5101, 1102, 0, 64240 }, END };
	run("S2", C, 0, s2, "S2", "ShADadF");

	const struct step s3[] = { HANDSHAKE, DATA_BOTH_WAYS,
		{ S, FIN | ACK, 5101, 1101, 0, 64240 },
		{ C, ACK, 1101, 5102, 0, 64240 }, END };
	run("S3", C, 0, s3, "S3", "ShADadf");

	const struct step rsto[] = { HANDSHAKE, DATA_BOTH_WAYS,
		{ C, RST | ACK, 1101, 5101, 0, 0 }, END };
	run("RSTO", C, 0, rsto, "RSTO", "ShADadR");

	const struct step rstr[] = { HANDSHAKE, DATA_BOTH_WAYS,
		{ S, RST | ACK, 5101, 1101, 0, 0 }, END };
	run("RSTR", C, 0, rstr, "RSTR", "ShADadr");

	const struct step rstos0[] = {
		{ C, SYN, 1000, 0, 0, 64240 },
		{ C, RST, 1001, 0, 0, 0 }, END };
	run("RSTOS0", C, 0, rstos0, "RSTOS0", "SR");

	/* The SYN was not captured: the flow table flips roles because the
	 * SYN-ACK came from the likely server port. */
	const struct step rstrh[] = {
		{ S, SYN | ACK, 5000, 1001, 0, 64240 },
		{ S, RST, 5001, 0, 0, 0 }, END };
	run("RSTRH", S, 1, rstrh, "RSTRH", "^hr");

	const struct step sh[] = {
		{ C, SYN, 1000, 0, 0, 64240 },
		{ C, FIN, 1001, 0, 0, 64240 }, END };
	run("SH", C, 0, sh, "SH", "SF");

	const struct step shr[] = {
		{ S, SYN | ACK, 5000, 1001, 0, 64240 },
		{ S, FIN | ACK, 5001, 1001, 0, 64240 }, END };
	run("SHR", S, 1, shr, "SHR", "^hf");

	/* Mid-stream pickup: the server's data first, flipped by port. */
	const struct step oth[] = {
		{ S, PSH | ACK, 5001, 1001, 100, 64240 },
		{ C, ACK, 1001, 5101, 0, 64240 },
		{ C, PSH | ACK, 1001, 5101, 100, 64240 },
		{ S, ACK, 5101, 1101, 0, 64240 }, END };
	run("OTH (mid-stream)", S, 1, oth, "OTH", "^dADa");
}

static void test_history_details(void)
{
	/* A SYN-ACK first from an unlikely port: no flip at first, then the
	 * client's ACK shows the SYN-ACK sender was the responder. Zeek then
	 * leaves the client PARTIAL and the server in SYN_ACK_SENT: OTH. */
	const struct step h_then_a[] = {
		{ S, SYN | ACK, 5000, 1001, 0, 64240 },
		{ C, ACK, 1001, 5001, 0, 64240 },
		{ C, PSH | ACK, 1001, 5001, 100, 64240 }, END };
	run("SYN-ACK then ACK flips", S, 0, h_then_a, "OTH", "^hAD");

	const struct step rexmit[] = { HANDSHAKE,
		{ C, PSH | ACK, 1001, 5001, 100, 64240 },
		{ C, PSH | ACK, 1001, 5001, 100, 64240 },
		{ S, ACK, 5001, 1101, 0, 64240 }, END };
	run("retransmission", C, 0, rexmit, "S1", "ShADTa");

	const struct step zero_win[] = { HANDSHAKE,
		{ C, PSH | ACK, 1001, 5001, 100, 64240 },
		{ S, ACK, 5001, 1101, 0, 0 }, END };
	run("zero window", C, 0, zero_win, "S1", "ShADaw");

	/* A new ISN restarts the numbering, so the SYN's relative number
	 * repeats and adds no letter (the flow table starts a new flow). */
	const struct step two_syns[] = {
		{ C, SYN, 1000, 0, 0, 64240 },
		{ C, SYN, 7000, 0, 0, 64240 }, END };
	run("SYN with new ISN", C, 0, two_syns, "S0", "S");

	const struct step fin_then_rst[] = { HANDSHAKE, DATA_BOTH_WAYS,
		{ C, FIN | ACK, 1101, 5101, 0, 64240 },
		{ S, FIN | ACK, 5101, 1102, 0, 64240 },
		{ C, RST, 1102, 0, 0, 0 }, END };
	run("RST after both FINs", C, 0, fin_then_rst, "SF", "ShADadFfR");

	const struct step synfin[] = {
		{ C, SYN | FIN, 1000, 0, 0, 64240 }, END };
	run("SYN+FIN", C, 0, synfin, "SH", "Q");
}

/* Content gaps: bytes one side acknowledged that the capture never
 * carried, "G" for the originator's stream, "g" for the responder's. */
static void gaps(const char *name, const struct step *steps, const char *history,
		 uint64_t orig_missed, uint64_t resp_missed)
{
	struct tcp_conn t;
	struct conn_history h;
	char label[128];

	play(&t, &h, C, 0, steps);
	snprintf(label, sizeof(label), "%s: history", name);
	is_str(h.text, history, label);
	snprintf(label, sizeof(label), "%s: originator's missed bytes", name);
	is_int(tcp_missed_bytes(&t, &content, C), orig_missed, label);
	snprintf(label, sizeof(label), "%s: responder's missed bytes", name);
	is_int(tcp_missed_bytes(&t, &content, S), resp_missed, label);
}

static void test_gaps(void)
{
	const struct step orig_gap[] = { HANDSHAKE,
		{ C, PSH | ACK, 1001, 5001, 100, 64240 },
		/* 1101..1200 never captured */
		{ C, PSH | ACK, 1201, 5001, 100, 64240 },
		{ S, ACK, 5001, 1301, 0, 64240 }, END };
	gaps("a gap in the originator's data", orig_gap, "ShADaG", 100, 0);

	const struct step resp_gap[] = { HANDSHAKE,
		/* 5001..5100 never captured */
		{ S, PSH | ACK, 5101, 1001, 100, 64240 },
		{ C, ACK, 1001, 5201, 0, 64240 }, END };
	gaps("a gap in the responder's data", resp_gap, "ShAdg", 0, 100);

	const struct step both[] = { HANDSHAKE,
		{ C, PSH | ACK, 1001, 5001, 100, 64240 },
		{ C, PSH | ACK, 1201, 5001, 100, 64240 },
		{ S, ACK, 5001, 1301, 0, 64240 },
		{ S, PSH | ACK, 5101, 1301, 100, 64240 },
		{ C, ACK, 1301, 5201, 0, 64240 },
		{ C, FIN | ACK, 1301, 5201, 0, 64240 },
		{ S, FIN | ACK, 5201, 1302, 0, 64240 },
		{ C, ACK, 1302, 5202, 0, 64240 }, END };
	gaps("a gap each way, closed", both, "ShADaGdgFf", 100, 100);

	const struct step reordered[] = { HANDSHAKE,
		{ C, PSH | ACK, 1101, 5001, 100, 64240 },
		{ C, PSH | ACK, 1001, 5001, 100, 64240 },
		{ S, ACK, 5001, 1201, 0, 64240 }, END };
	gaps("segments out of order are no gap", reordered, "ShADTa", 0, 0);

	const struct step three_holes[] = { HANDSHAKE,
		{ C, PSH | ACK, 1101, 5001, 100, 64240 },
		{ C, PSH | ACK, 1301, 5001, 100, 64240 },
		{ S, ACK, 5001, 1501, 0, 64240 }, END };
	gaps("three holes, one letter", three_holes, "ShADaG", 300, 0);

	/* The responder never seen: nothing of the capture's is clean, and
	 * Zeek reports no gap (the ack of unseen data is evidence of another
	 * kind, see tcp_answered_unseen). */
	const struct step one_sided[] = {
		{ C, SYN, 1000, 0, 0, 64240 },
		{ C, ACK, 1001, 5001, 0, 64240 },
		{ C, PSH | ACK, 1001, 5001, 100, 64240 },
		{ C, ACK, 1101, 5301, 0, 64240 }, END };
	gaps("one-sided: no gap", one_sided, "SAD", 0, 0);

	/* Acknowledging a FIN is not acknowledging content. */
	const struct step fin_acked[] = { HANDSHAKE,
		{ C, FIN | PSH | ACK, 1001, 5001, 100, 64240 },
		{ S, ACK, 5001, 1102, 0, 64240 }, END };
	gaps("the FIN's number is no gap", fin_acked, "ShAFa", 0, 0);

	/* A segment cut by the snapshot length is not content. */
	struct tcp_conn t;
	struct conn_history h;
	const struct step hs[] = { HANDSHAKE, END };
	struct packet p;
	play(&t, &h, C, 0, hs);
	memset(&p, 0, sizeof(p));
	p.tcp_flags = PSH | ACK;
	p.seq = 1001;
	p.ack = 5001;
	p.payload_len = 1000;
	p.payload_caplen = 10;
	p.window = 64240;
	tcp_packet(&t, &content, &h, C, &p);
	memset(&p, 0, sizeof(p));
	p.tcp_flags = ACK;
	p.seq = 5001;
	p.ack = 2001;
	p.window = 64240;
	tcp_packet(&t, &content, &h, S, &p);
	is_str(h.text, "ShADaG", "a snaplen-cut segment acknowledged: a gap");
	is_int(tcp_missed_bytes(&t, &content, C), 1000, "of the whole segment, as Zeek");

	/* Gap letters scale like retransmissions: at 1, 10, 100 gaps. */
	play(&t, &h, C, 0, hs);
	for (uint32_t i = 0; i < 12; i++) {
		memset(&p, 0, sizeof(p));
		p.tcp_flags = PSH | ACK;
		p.seq = 1001 + 200 * i + 100;
		p.ack = 5001;
		p.payload_len = p.payload_caplen = 100;
		p.window = 64240;
		tcp_packet(&t, &content, &h, C, &p);
		memset(&p, 0, sizeof(p));
		p.tcp_flags = ACK;
		p.seq = 5001;
		p.ack = 1001 + 200 * (i + 1);
		p.window = 64240;
		tcp_packet(&t, &content, &h, S, &p);
	}
	is_str(h.text, "ShADaGG", "12 gaps: G at the 1st and the 10th");
	is_int(tcp_missed_bytes(&t, &content, C), 1200, "1200 bytes missed");
}

/* The content entry is written only when a stream needs it: a SYN flood's
 * connections, a handshake and data in order never touch it (its pages
 * then never become resident in the flow table's array). */
static bool content_untouched(int side)
{
	const unsigned char *b = (const unsigned char *)&content.side[side];
	for (size_t i = 0; i < sizeof(content.side[side]); i++)
		if (b[i] != 0xa5)
			return false;
	return true;
}

static void test_content_lazy(void)
{
	struct tcp_conn t;
	struct conn_history h;

	/* Whatever an earlier connection left there. */
	memset(&content, 0xa5, sizeof(content));
	const struct step syns[] = {
		{ C, SYN, 1000, 0, 0, 64240 },
		{ C, SYN, 1000, 0, 0, 64240 }, END };
	play(&t, &h, C, 0, syns);
	ok(!t.ep[C].content_live && !t.ep[S].content_live,
	   "SYNs only: no content state made live");
	ok(content_untouched(C) && content_untouched(S),
	   "SYNs only: the content entry is never written");
	is_int(tcp_missed_bytes(&t, &content, C), 0, "SYNs only: nothing missed");

	const struct step in_order[] = { HANDSHAKE, DATA_BOTH_WAYS, END };
	play(&t, &h, C, 0, in_order);
	is_str(h.text, "ShADad", "handshake and data in order");
	ok(content_untouched(C) && content_untouched(S),
	   "data in order: the content entry is never written");
	is_int(tcp_missed_bytes(&t, &content, S), 0,
	       "... and reads as nothing missed, whatever bytes it holds");

	const struct step rej[] = {
		{ C, SYN, 1000, 0, 0, 64240 },
		{ S, RST | ACK, 0, 1001, 0, 0 }, END };
	play(&t, &h, C, 0, rej);
	ok(content_untouched(C) && content_untouched(S),
	   "a refused SYN: the content entry is never written");

	const struct step gap[] = { HANDSHAKE,
		{ C, PSH | ACK, 1001, 5001, 100, 64240 },
		{ C, PSH | ACK, 1201, 5001, 100, 64240 },
		{ S, ACK, 5001, 1301, 0, 64240 }, END };
	play(&t, &h, C, 0, gap);
	ok(t.ep[C].content_live && !t.ep[S].content_live,
	   "a hole: the stream with it is made live, the other is not");
	ok(content_untouched(S), "the other side's entry is not written");
	is_int(tcp_missed_bytes(&t, &content, C), 100, "the hole's bytes are missed");
	memset(&content, 0, sizeof(content));
}

static struct packet segment(uint32_t seq, uint32_t ack, uint8_t flags,
			     uint32_t len)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	p.ip_proto = IP_PROTO_TCP;
	p.tcp_flags = flags;
	p.seq = seq;
	p.ack = ack;
	p.payload_len = p.payload_caplen = len;
	p.window = 64240;
	return p;
}

/* Positions are 32-bit: a stream tracked past 4 GiB stops being tracked,
 * its gaps undercounted from then on, never invented. The client's ISN is
 * just below a wrap, so that relative numbers past 2 GiB are counted with
 * a wrap rather than taken for numbers before the stream began. */
static void test_content_past_4gib(void)
{
	const uint32_t isn = 0xfffff000u, gib = 1u << 30;
	struct tcp_conn t;
	struct conn_history h;
	struct packet p;

	memset(&h, 0, sizeof(h));
	tcp_conn_init(&t, &h, C, 0);
	p = segment(isn, 0, SYN, 0);
	tcp_packet(&t, &content, &h, C, &p);
	p = segment(5000, isn + 1, SYN | ACK, 0);
	tcp_packet(&t, &content, &h, S, &p);
	p = segment(isn + 1, 5001, ACK, 0);
	tcp_packet(&t, &content, &h, C, &p);
	/* 1..100 and 201..300 carried, 101..200 not: a gap of 100. */
	p = segment(isn + 1, 5001, PSH | ACK, 100);
	tcp_packet(&t, &content, &h, C, &p);
	p = segment(isn + 201, 5001, PSH | ACK, 100);
	tcp_packet(&t, &content, &h, C, &p);
	p = segment(5001, isn + 301, ACK, 0);
	tcp_packet(&t, &content, &h, S, &p);
	is_int(tcp_missed_bytes(&t, &content, C), 100, "a gap below 4 GiB counts");
	/* Four GiB more, all carried and acknowledged, each acknowledgement
	 * a segment late (delayed acks): the last segment crosses 4 GiB
	 * relative, and the ack after it is still below. */
	uint32_t seq = isn + 301;
	for (int i = 0; i < 4; i++, seq += gib) {
		p = segment(seq, 5001, ACK, gib);
		tcp_packet(&t, &content, &h, C, &p);
		p = segment(5001, seq, ACK, 0);
		tcp_packet(&t, &content, &h, S, &p);
	}
	p = segment(5001, seq, ACK, 0);
	tcp_packet(&t, &content, &h, S, &p);
	is_int(tcp_missed_bytes(&t, &content, C), 100,
	       "a stream crossing 4 GiB, all of it carried: no gap invented");
	/* Past 4 GiB a hole is no longer seen: undercounted. */
	p = segment(seq + 1000, 5001, ACK, 100);
	tcp_packet(&t, &content, &h, C, &p);
	p = segment(5001, seq + 1100, ACK, 0);
	tcp_packet(&t, &content, &h, S, &p);
	is_int(tcp_missed_bytes(&t, &content, C), 100,
	       "past 4 GiB content is no longer tracked: nothing counted");
	is_str(h.text, "ShADaG", "one gap letter, none invented");
	is_int(tcp_endpoint_size(&t.ep[C], &t.ep[S]), 4ull * gib + 1400,
	       "the bytes sent still count past 4 GiB");

	/* An acknowledgement is the first to pass 4 GiB, over bytes never
	 * carried: tracking stops there, the gap goes uncounted. */
	memset(&h, 0, sizeof(h));
	tcp_conn_init(&t, &h, C, 0);
	p = segment(isn, 0, SYN, 0);
	tcp_packet(&t, &content, &h, C, &p);
	p = segment(5000, isn + 1, SYN | ACK, 0);
	tcp_packet(&t, &content, &h, S, &p);
	seq = isn + 1;
	for (int i = 0; i < 4; i++) {
		uint32_t len = i < 3 ? gib : gib - 101;  /* up to 4 GiB - 100 */
		p = segment(seq, 5001, ACK, len);
		tcp_packet(&t, &content, &h, C, &p);
		seq += len;
		p = segment(5001, seq, ACK, 0);
		tcp_packet(&t, &content, &h, S, &p);
	}
	is_int(tcp_missed_bytes(&t, &content, C), 0, "up to 4 GiB - 100: no gap");
	p = segment(5001, seq + 200, ACK, 0);
	tcp_packet(&t, &content, &h, S, &p);
	is_int(tcp_missed_bytes(&t, &content, C), 0,
	       "an ack past 4 GiB stops tracking: its gap is not counted");
	p = segment(seq, 5001, ACK, 200);
	tcp_packet(&t, &content, &h, C, &p);
	p = segment(5001, seq + 300, ACK, 0);
	tcp_packet(&t, &content, &h, S, &p);
	is_int(tcp_missed_bytes(&t, &content, C), 0, "nor any after it");
	is_str(h.text, "ShDa", "no gap letter");
}

/* What the originator's own packets prove (docs/verdicts.md). */
static void answered(const char *name, int first_side, int flip,
		     const struct step *steps, bool synack_seen, bool want)
{
	struct tcp_conn t;
	struct conn_history h;
	char label[128];

	play(&t, &h, first_side, flip, steps);
	snprintf(label, sizeof(label), "%s: %s", name,
		 want ? "answered, unseen" : "no unseen answer");
	ok(tcp_answered_unseen(&t, synack_seen) == want, label);
}

static void test_answered_unseen(void)
{
	const struct step full[] = { HANDSHAKE, DATA_BOTH_WAYS, END };
	answered("a whole connection", C, 0, full, true, false);

	/* Only the client's packets: it acknowledged a SYN-ACK the capture
	 * never carried, then sent data and closed. */
	const struct step orig_only[] = {
		{ C, SYN, 1000, 0, 0, 64240 },
		{ C, ACK, 1001, 5001, 0, 64240 },
		{ C, PSH | ACK, 1001, 5001, 100, 64240 },
		{ C, ACK, 1101, 5101, 0, 64240 },
		{ C, FIN | ACK, 1101, 5101, 0, 64240 }, END };
	answered("orig only, ACK of an unseen SYN-ACK", C, 0, orig_only, false, true);
	answered("... whose SYN-ACK came later in the capture", C, 0, orig_only,
		 true, true);  /* its acknowledged data is still unseen */

	const struct step orig_ack_only[] = {
		{ C, SYN, 1000, 0, 0, 64240 },
		{ C, ACK, 1001, 5001, 0, 64240 }, END };
	answered("orig only, just the ACK of the SYN-ACK", C, 0, orig_ack_only, false, true);
	answered("... the SYN-ACK captured out of order", C, 0, orig_ack_only, true, false);

	const struct step s0[] = {
		{ C, SYN, 1000, 0, 0, 64240 },
		{ C, SYN, 1000, 0, 0, 64240 },
		{ C, SYN, 1000, 0, 0, 64240 }, END };
	answered("orig only, SYN retransmitted, never answered", C, 0, s0, false, false);

	/* TCP Fast Open style: data without an ACK after the SYN. */
	const struct step data_after_syn[] = {
		{ C, SYN, 1000, 0, 0, 64240 },
		{ C, PSH, 1001, 0, 100, 64240 }, END };
	answered("data after the SYN, no SYN-ACK captured", C, 0, data_after_syn, false, true);

	/* The mirror lost the SYN-ACK; data flowed both ways afterwards. */
	const struct step lost_synack[] = {
		{ C, SYN, 1000, 0, 0, 64240 },
		{ C, ACK, 1001, 5001, 0, 64240 },
		DATA_BOTH_WAYS, END };
	answered("SYN-ACK lost, data both ways", C, 0, lost_synack, false, true);

	/* Only the server's packets: its SYN-ACK and data are visible
	 * evidence of their own; the originator proves nothing. */
	const struct step resp_only[] = {
		{ S, SYN | ACK, 5000, 1001, 0, 64240 },
		{ S, PSH | ACK, 5001, 1001, 100, 64240 },
		{ S, FIN | ACK, 5101, 1001, 0, 64240 }, END };
	answered("resp only, SYN-ACK and data", S, 1, resp_only, true, false);
	/* From a port not known as a server's: the SYN-ACK's sender starts
	 * as originator and is flipped to responder by its data; what it
	 * did before the flip is not the originator's evidence. */
	answered("resp only, flipped by its data", S, 0, resp_only, true, false);

	/* Picked up mid-stream, the responder never seen: a lone ACK (an ACK
	 * scan) proves nothing; acknowledgements that advance do. */
	const struct step ack_scan[] = {
		{ C, ACK, 1001, 777, 0, 1024 }, END };
	answered("a lone mid-stream ACK (scan)", C, 0, ack_scan, false, false);
	const struct step midstream_acks[] = {
		{ C, PSH | ACK, 1001, 5001, 100, 64240 },
		{ C, ACK, 1101, 5201, 0, 64240 }, END };
	answered("mid-stream, acks advancing over unseen data", C, 0, midstream_acks,
		 false, true);

	/* Both sides seen, but the client acknowledged server data the
	 * capture never carried. */
	const struct step acked_beyond[] = { HANDSHAKE,
		{ S, PSH | ACK, 5001, 1001, 100, 64240 },
		{ C, ACK, 1001, 5301, 0, 64240 }, END };
	answered("acknowledged beyond the responder's last captured byte", C, 0,
		 acked_beyond, true, true);

	/* A refused SYN: the RST is the answer, visible. */
	const struct step rej[] = {
		{ C, SYN, 1000, 0, 0, 64240 },
		{ S, RST | ACK, 0, 1001, 0, 0 }, END };
	answered("REJ", C, 0, rej, false, false);
}

static void test_reuse(void)
{
	struct tcp_conn t;
	struct conn_history h;
	struct packet p;
	const struct step sf[] = { HANDSHAKE, DATA_BOTH_WAYS,
		{ C, FIN | ACK, 1101, 5101, 0, 64240 },
		{ S, FIN | ACK, 5101, 1102, 0, 64240 }, END };

	memset(&h, 0, sizeof(h));
	tcp_conn_init(&t, &h, C, 0);
	memset(&p, 0, sizeof(p));
	p.tcp_flags = SYN;
	p.seq = 1000;
	tcp_packet(&t, &content, &h, C, &p);
	ok(!tcp_is_reuse(&t, C, &p), "a retransmitted SYN is not a new connection");
	ok(tcp_in_handshake(&t), "a lone SYN is still in the handshake");
	p.seq = 9000;
	ok(tcp_is_reuse(&t, C, &p), "a SYN with a new ISN starts a new connection");

	memset(&h, 0, sizeof(h));
	tcp_conn_init(&t, &h, C, 0);
	for (const struct step *s = sf; s->side >= 0; s++) {
		memset(&p, 0, sizeof(p));
		p.tcp_flags = s->flags;
		p.seq = s->seq;
		p.ack = s->ack;
		p.payload_len = s->len;
		p.window = s->window;
		tcp_packet(&t, &content, &h, s->side, &p);
	}
	memset(&p, 0, sizeof(p));
	p.tcp_flags = SYN;
	p.seq = 1000;  /* even the old ISN: the connection is closed */
	ok(tcp_is_reuse(&t, C, &p), "a SYN after a close starts a new connection");
	ok(!tcp_in_handshake(&t), "a closed connection left its handshake");
	is_int(tcp_endpoint_size(&t.ep[C], &t.ep[S]), 100, "client bytes from sequence numbers");
	is_int(tcp_endpoint_size(&t.ep[S], &t.ep[C]), 100, "server bytes from sequence numbers");
}

static void test_scaled_history(void)
{
	struct conn_history h;
	uint32_t n = 0;

	memset(&h, 0, sizeof(h));
	for (int i = 0; i < 150; i++)
		history_scaled(&h, 'T', &n);
	is_str(h.text, "TTT", "scaled letters at 1, 10 and 100 events");
}

int main(void)
{
	test_states();
	test_history_details();
	test_gaps();
	test_content_lazy();
	test_content_past_4gib();
	test_answered_unseen();
	test_reuse();
	test_scaled_history();
	return done_testing();
}
