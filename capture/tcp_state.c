/* tcp_state.c - Zeek-compatible TCP endpoint state machine and history.
 *
 * The rules follow Zeek's TCP analyzer as documented in its conn.log
 * reference (conn_state and history): the same endpoint states, the same
 * transitions and the same history letters, so that our conn_state and
 * history equal Zeek's for the same packets. Comments name the Zeek
 * behaviour each rule reproduces.
 */
#include <ctype.h>
#include <string.h>

#include "tcp_state.h"

/* Sequence jumps larger than this on a SYN or RST are not trusted. */
#define TOO_LARGE_SEQ_DELTA 1048576
/* Bytes held past a hole while the peer has acknowledged no data at all:
 * beyond this the acknowledgements are presumably not being captured and
 * content is no longer tracked (Zeek's tcp_max_above_hole_without_any_acks). */
#define MAX_ABOVE_HOLE_WITHOUT_ACKS 16384

/* History letters recorded at most once per direction (Zeek's masks). */
#define HIST_SYN 0x01
#define HIST_FIN 0x02
#define HIST_RST 0x04
#define HIST_FIN_RST 0x08
#define HIST_DATA 0x10
#define HIST_ACK 0x20
#define HIST_MULTI_FLAG 0x40

static int32_t seq_delta(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

static uint64_t full_seq(uint32_t seq, uint32_t wraps)
{
	return ((uint64_t)wraps << 32) + seq;
}

void history_add(struct conn_history *h, char code)
{
	if ((size_t)h->len + 1 < sizeof(h->text)) {
		h->text[h->len++] = code;
		h->text[h->len] = '\0';
	}
}

bool history_check(struct conn_history *h, uint32_t mask, char code)
{
	if (h->seen & mask)
		return true;
	h->seen |= mask;
	history_add(h, code);
	return false;
}

static bool is_power_of_ten(uint32_t n)
{
	while (n >= 10 && n % 10 == 0)
		n /= 10;
	return n == 1;
}

void history_scaled(struct conn_history *h, char code, uint32_t *count)
{
	if (*count < UINT32_MAX)
		(*count)++;
	if (is_power_of_ten(*count))
		history_add(h, code);
}

static bool side_is_orig(const struct tcp_conn *t, int side)
{
	return side == t->orig_side;
}

static void set_state(struct tcp_endpoint *e, uint8_t state)
{
	if (state != e->state) {
		e->prev_state = e->state;
		e->state = state;
	}
}

/* Zeek's Connection::FlipRoles: the other side becomes the originator and
 * "^" marks it in the history. */
static void flip_roles(struct tcp_conn *t, struct conn_history *h)
{
	t->orig_side ^= 1;
	history_add(h, '^');
}

void tcp_conn_init(struct tcp_conn *t, struct conn_history *h, int first_side,
		   bool flip)
{
	memset(t, 0, sizeof(*t));
	t->orig_side = (uint8_t)first_side;
	if (flip)
		flip_roles(t, h);
}

/* History letter from endpoint `side`: upper case for the originator. A
 * connection that began with a SYN-ACK ("H") is flipped once productive
 * traffic follows, since the SYN-ACK sender was the responder after all. */
static bool endpoint_history(struct tcp_conn *t, struct conn_history *h,
			     int side, uint32_t mask, char code, bool *flipped)
{
	if ((code == 'A' || code == 'D') && strcmp(h->text, "H") == 0) {
		flip_roles(t, h);
		strcpy(h->text, "^h");
		h->len = 2;
		*flipped = true;
	}
	if (!side_is_orig(t, side)) {
		mask <<= 16;
		code = (char)tolower((unsigned char)code);
	}
	return history_check(h, mask, code);
}

static void endpoint_history_add(struct tcp_conn *t, struct conn_history *h,
				 int side, char code)
{
	if (!side_is_orig(t, side))
		code = (char)tolower((unsigned char)code);
	history_add(h, code);
}

static void endpoint_scaled(struct tcp_conn *t, struct conn_history *h,
			    int side, char code, uint32_t *count)
{
	if (!side_is_orig(t, side))
		code = (char)tolower((unsigned char)code);
	history_scaled(h, code, count);
}

/* Zeek's get_relative_seq: position of seq in the endpoint's stream. */
static uint64_t relative_seq(const struct tcp_endpoint *e, uint32_t cur,
			     uint32_t last, uint32_t wraps, bool *underflow)
{
	int32_t delta = seq_delta(cur, last);

	if (delta < 0) {
		if (wraps && cur > last)
			--wraps;
	} else if (delta > 0) {
		if (cur < last)
			++wraps;
	}
	if (wraps == 0) {
		delta = seq_delta(cur, e->start_seq);
		if (underflow && delta < 0)
			*underflow = true;
		return (uint64_t)(int64_t)delta;
	}
	return full_seq(cur, wraps) - e->start_seq;
}

/* ---- content state (struct tcp_stream) ---- */

/* What a stream reads as before anything was written to it: no hole, no
 * FIN, nothing counted. */
static const struct tcp_stream fresh_stream;

static const struct tcp_stream *stream_view(const struct tcp_conn *t,
					    const struct tcp_content *c,
					    int side)
{
	return t->ep[side].content_live ? &c->side[side] : &fresh_stream;
}

/* The stream of key side `side`, to be written: initialised here, at its
 * first write, so that connections which never need it leave it alone. */
static struct tcp_stream *stream_edit(struct tcp_conn *t,
				      struct tcp_content *c, int side)
{
	struct tcp_stream *s = &c->side[side];

	if (!t->ep[side].content_live) {
		*s = fresh_stream;
		t->ep[side].content_live = true;
	}
	return s;
}

/* Content is no longer tracked: gaps are then undercounted, never
 * invented. */
static void stream_stop(struct tcp_conn *t, struct tcp_content *c, int side)
{
	struct tcp_stream *s = stream_edit(t, c, side);

	s->skip_content = true;
	s->nheld = 0;
}

static void init_sequence(struct tcp_conn *t, struct tcp_content *c, int side,
			  uint32_t start, uint32_t last)
{
	struct tcp_endpoint *e = &t->ep[side];

	e->numbered_by_ack = false;
	e->start_seq = start;
	e->ack_seq = start;
	e->last_seq = last;
	/* Content is numbered afresh; a stream never written has no FIN or
	 * hole to forget. What was missed before stays missed. */
	e->reassem_seq = 1;
	if (e->content_live) {
		c->side[side].fin_seq = 0;
		c->side[side].nheld = 0;
	}
}

/* Zeek's init_endpoint: sets up sequence numbering on the first packet of a
 * side, or again when a SYN restarts it. */
static void init_endpoint(struct tcp_conn *t, struct tcp_content *c, int side,
			  uint8_t flags, uint32_t seq, uint32_t seq_past)
{
	const struct tcp_endpoint *e = &t->ep[side];
	bool syn = flags & TCP_SYN;

	switch (e->state) {
	case EP_INACTIVE:
		if (syn)
			init_sequence(t, c, side, seq, seq_past);
		else  /* partial: number as if a SYN had been seen */
			init_sequence(t, c, side, seq - 1, seq);
		break;
	case EP_SYN_SENT:
	case EP_SYN_ACK_SENT:
		if (syn && seq != e->start_seq)
			init_sequence(t, c, side, seq, seq_past);
		break;
	case EP_ESTABLISHED:
	case EP_PARTIAL:
		if (syn)
			init_sequence(t, c, side, seq, seq_past);
		break;
	case EP_RESET:
		if (syn && e->prev_state == EP_INACTIVE)
			init_sequence(t, c, side, seq, seq_past);
		break;
	default:
		break;
	}
}

static bool update_history(struct tcp_conn *t, struct tcp_content *c,
			   struct conn_history *h, int side, uint8_t flags,
			   uint64_t rel_seq, uint32_t len)
{
	struct tcp_endpoint *e = &t->ep[side];
	bool flipped = false;
	int bits = !!(flags & TCP_SYN) + !!(flags & TCP_FIN) +
		   !!(flags & TCP_RST);

	if (bits > 1) {
		if ((flags & TCP_FIN) && (flags & TCP_RST))
			endpoint_history(t, h, side, HIST_FIN_RST, 'I', &flipped);
		else
			endpoint_history(t, h, side, HIST_MULTI_FLAG, 'Q', &flipped);
		return flipped;
	}
	if (bits == 1) {
		uint32_t rel = (uint32_t)rel_seq;
		if (flags & TCP_SYN) {
			char code = (flags & TCP_ACK) ? 'H' : 'S';
			if (endpoint_history(t, h, side, HIST_SYN, code, &flipped) &&
			    rel != e->hist_last_syn)
				endpoint_history_add(t, h, side, code);
			e->hist_last_syn = rel;
		}
		if (flags & TCP_FIN) {
			/* A FIN's number is at the end of its data. */
			uint32_t last = stream_view(t, c, side)->hist_last_fin;
			if (endpoint_history(t, h, side, HIST_FIN, 'F', &flipped) &&
			    rel + len != last)
				endpoint_history_add(t, h, side, 'F');
			if (rel + len != last)
				stream_edit(t, c, side)->hist_last_fin = rel + len;
		}
		if (flags & TCP_RST) {
			if (endpoint_history(t, h, side, HIST_RST, 'R', &flipped) &&
			    rel != e->hist_last_rst)
				endpoint_history_add(t, h, side, 'R');
			e->hist_last_rst = rel;
		}
		return flipped;
	}
	if (len)
		endpoint_history(t, h, side, HIST_DATA, 'D', &flipped);
	else if (flags & TCP_ACK)
		endpoint_history(t, h, side, HIST_ACK, 'A', &flipped);
	return flipped;
}

static void update_ack_seq(struct tcp_endpoint *e, uint32_t ack)
{
	int32_t delta = seq_delta(ack, e->ack_seq);

	/* An ack of zero far ahead is more likely broken than a wrap. */
	if (ack == 0 && delta > TOO_LARGE_SEQ_DELTA)
		return;
	if (delta > 0) {
		if (ack < e->ack_seq)
			e->ack_wraps++;
		e->ack_seq = ack;
	}
}

static void update_last(struct tcp_endpoint *e, uint32_t seq)
{
	if (seq < e->last_seq)
		e->seq_wraps++;
	e->last_seq = seq;
}

/* Zeek's update_last_seq; a segment that does not advance is a
 * retransmission ("T"). */
static int32_t update_last_seq(struct tcp_conn *t, struct tcp_content *c,
			       struct conn_history *h, int side,
			       uint32_t seq_past, uint8_t flags, uint32_t len)
{
	struct tcp_endpoint *e = &t->ep[side];
	int32_t delta = seq_delta(seq_past, e->last_seq);

	if ((flags & (TCP_SYN | TCP_RST)) &&
	    (delta > TOO_LARGE_SEQ_DELTA || delta < -TOO_LARGE_SEQ_DELTA))
		; /* not trusted */
	else if ((flags & TCP_FIN) &&
		 (uint64_t)e->last_seq == (uint64_t)e->start_seq + 1)
		update_last(e, seq_past);  /* a >2 GB flow seen only at SYN and FIN */
	else if (e->state == EP_RESET)
		; /* nothing after a RST is trusted */
	else if (delta > 0)
		update_last(e, seq_past);
	else if (len > 0)
		endpoint_scaled(t, h, side, 'T',
				&stream_edit(t, c, side)->rexmit_count);
	return delta;
}

/* ---- content gaps ---- */

/* Zeek reports gaps only while both sides are established or closing
 * cleanly: elsewhere they arise from unseen earlier packets or from the
 * numbers in RSTs. */
static bool endpoint_clean(const struct tcp_endpoint *e)
{
	return e->state == EP_ESTABLISHED ||
	       (e->state == EP_CLOSED && e->prev_state == EP_ESTABLISHED);
}

static uint64_t held_bytes(const struct tcp_stream *s)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < s->nheld; i++)
		n += s->held[i].hi - s->held[i].lo;
	return n;
}

static void held_remove(struct tcp_stream *s, unsigned i)
{
	for (unsigned j = i + 1; j < s->nheld; j++)
		s->held[j - 1] = s->held[j];
	s->nheld--;
}

/* Held ranges that now touch the in-order part join it. A stream never
 * written holds none: it is only read then. */
static void held_absorb(struct tcp_conn *t, struct tcp_content *c, int side)
{
	struct tcp_endpoint *e = &t->ep[side];
	struct tcp_stream *s = &c->side[side];

	if (!e->content_live)
		return;
	while (s->nheld && s->held[0].lo <= e->reassem_seq) {
		if (s->held[0].hi > e->reassem_seq)
			e->reassem_seq = s->held[0].hi;
		held_remove(s, 0);
	}
}

/* Keeps [lo, hi) past the hole, the ranges sorted and disjoint. With no
 * room left the new range is merged into its nearest neighbour, which takes
 * the bytes between them for seen: a gap may then be undercounted, never
 * invented. */
static void held_add(struct tcp_stream *s, uint32_t lo, uint32_t hi)
{
	unsigned i = 0;

	while (i < s->nheld && s->held[i].hi < lo)
		i++;
	/* Merge with every range it overlaps or touches. */
	while (i < s->nheld && s->held[i].lo <= hi) {
		if (s->held[i].lo < lo)
			lo = s->held[i].lo;
		if (s->held[i].hi > hi)
			hi = s->held[i].hi;
		held_remove(s, i);
	}
	if (s->nheld == TCP_HELD_RANGES) {
		/* i is where it belongs: widen the closer neighbour. */
		unsigned n = i == 0 ? 0 : i == s->nheld ? i - 1 :
			     lo - s->held[i - 1].hi <= s->held[i].lo - hi ? i - 1 : i;
		if (lo < s->held[n].lo)
			s->held[n].lo = lo;
		if (hi > s->held[n].hi)
			s->held[n].hi = hi;
		return;
	}
	for (unsigned j = s->nheld; j > i; j--)
		s->held[j] = s->held[j - 1];
	s->held[i].lo = lo;
	s->held[i].hi = hi;
	s->nheld++;
}

/* Data [seq, seq + len) of key side `side` reached the capture. In order,
 * it only moves the endpoint's reassem_seq; past a hole it is the first
 * thing that needs the stream. */
static void content_seen(struct tcp_conn *t, struct tcp_content *c, int side,
			 uint64_t seq, uint32_t len)
{
	struct tcp_endpoint *e = &t->ep[side];
	uint64_t hi = seq + len;

	if (stream_view(t, c, side)->skip_content || hi <= e->reassem_seq)
		return;  /* already known: a retransmission */
	if (hi > UINT32_MAX) {
		stream_stop(t, c, side);  /* past 4 GiB */
		return;
	}
	if (seq <= e->reassem_seq) {
		e->reassem_seq = (uint32_t)hi;
		held_absorb(t, c, side);
		return;
	}
	struct tcp_stream *s = stream_edit(t, c, side);
	held_add(s, (uint32_t)seq, (uint32_t)hi);
	/* The peer acknowledged no data at all so far: its acknowledgements
	 * are probably not in the capture. */
	uint64_t acked = full_seq(e->ack_seq, e->ack_wraps);
	bool no_data_acked = acked <= (uint64_t)e->start_seq + 1;
	if (no_data_acked && held_bytes(s) > MAX_ABOVE_HOLE_WITHOUT_ACKS)
		stream_stop(t, c, side);
}

/* Key side `side` sent a FIN numbered fin - 1 (relative). */
static void content_fin(struct tcp_conn *t, struct tcp_content *c, int side,
			uint64_t fin)
{
	/* A FIN past 4 GiB (or numbered before the stream began) could only
	 * bound acknowledgements that stop tracking anyway: none is kept,
	 * as a 64-bit number would never have bounded a 32-bit one. */
	uint32_t v = fin > UINT32_MAX ? 0 : (uint32_t)fin;

	if (v != stream_view(t, c, side)->fin_seq)
		stream_edit(t, c, side)->fin_seq = v;
}

static void content_gap(struct tcp_conn *t, struct tcp_content *c,
			struct conn_history *h, int side, bool report,
			uint32_t len)
{
	if (!report || len == 0)
		return;
	struct tcp_stream *s = stream_edit(t, c, side);
	/* A restarted numbering may add up past 4 GiB: saturate. */
	s->missed_bytes = len > UINT32_MAX - s->missed_bytes ? UINT32_MAX
							      : s->missed_bytes + len;
	endpoint_scaled(t, h, side, 'G', &s->gap_count);
}

/* The peer of key side `side` acknowledged its stream up to up_to
 * (relative): whatever of it the capture never carried is a content gap,
 * one per hole (Zeek's Undelivered). */
static void content_acked(struct tcp_conn *t, struct tcp_content *c,
			  struct conn_history *h, int side, uint64_t up_to)
{
	struct tcp_endpoint *e = &t->ep[side];
	const struct tcp_endpoint *peer = &t->ep[side ^ 1];
	const struct tcp_stream *v = stream_view(t, c, side);

	/* The FIN's own number is not content. */
	if (v->fin_seq && up_to >= v->fin_seq)
		up_to = v->fin_seq - 1;
	if (v->skip_content || up_to <= e->reassem_seq)
		return;
	if (up_to > UINT32_MAX) {
		stream_stop(t, c, side);  /* past 4 GiB */
		return;
	}
	if (up_to <= 2 && t->is_partial) {
		/* The numbering of a partial connection was made up from its
		 * first ack; a complaint about its first byte means nothing. */
		e->reassem_seq = (uint32_t)up_to;
		held_absorb(t, c, side);
		return;
	}
	bool report = endpoint_clean(e) && endpoint_clean(peer);
	/* Only a stream already written holds ranges. */
	struct tcp_stream *s = e->content_live ? &c->side[side] : NULL;
	while (s && s->nheld && s->held[0].lo < up_to) {
		content_gap(t, c, h, side, report, s->held[0].lo - e->reassem_seq);
		e->reassem_seq = s->held[0].hi;
		held_remove(s, 0);
		held_absorb(t, c, side);
	}
	if (up_to > e->reassem_seq) {
		content_gap(t, c, h, side, report, (uint32_t)up_to - e->reassem_seq);
		e->reassem_seq = (uint32_t)up_to;
		held_absorb(t, c, side);
	}
}

uint64_t tcp_missed_bytes(const struct tcp_conn *t, const struct tcp_content *c,
			  int side)
{
	return stream_view(t, c, side)->missed_bytes;
}

/* ---- what the originator's packets prove ---- */

/* Called before the packet changes any state. An endpoint whose SYN was
 * captured (it is in SYN_SENT or further, as Zeek's possible_split_routing
 * test has it) and that sends an ACK while its peer has shown nothing
 * acknowledges a SYN-ACK the capture never carried. */
static void note_evidence(struct tcp_endpoint *e, const struct tcp_endpoint *peer,
			  uint8_t flags, uint32_t ack, uint32_t len)
{
	if (flags & (TCP_RST | TCP_SYN))
		return;
	bool after_syn = e->state == EP_SYN_SENT || e->state == EP_SYN_ACK_SENT ||
			 e->state == EP_ESTABLISHED;
	if ((flags & TCP_ACK) && after_syn && peer->state == EP_INACTIVE)
		e->evidence |= TCP_EV_ACKED_SYNACK;
	if (len > 0 && e->state == EP_SYN_SENT)
		e->evidence |= TCP_EV_DATA_AFTER_SYN;
	/* The silent peer is numbered from this endpoint's previous ack:
	 * acknowledging further is acknowledging its data. */
	if ((flags & TCP_ACK) && peer->state == EP_INACTIVE &&
	    peer->numbered_by_ack && seq_delta(ack, peer->ack_seq + 1) > 0)
		e->evidence |= TCP_EV_ACKED_UNSEEN;
}

bool tcp_answered_unseen(const struct tcp_conn *t, bool resp_synack_seen)
{
	const struct tcp_endpoint *o = &t->ep[t->orig_side];
	const struct tcp_endpoint *r = &t->ep[t->orig_side ^ 1];

	if (o->evidence & TCP_EV_ACKED_UNSEEN)
		return true;
	if ((o->evidence & (TCP_EV_ACKED_SYNACK | TCP_EV_DATA_AFTER_SYN)) &&
	    !resp_synack_seen)
		return true;
	/* Acknowledged beyond the last responder byte the capture carried
	 * (r->ack_seq is the originator's highest acknowledgement). */
	return o->state != EP_INACTIVE && r->state != EP_INACTIVE &&
	       r->state != EP_RESET && seq_delta(r->ack_seq, r->last_seq) > 0;
}

/* Zeek's SetPartialStatus: a connection whose first packet from the
 * originator is not a bare SYN, or whose responder's first is not a SYN. */
static void set_partial_status(struct tcp_conn *t, int side, bool is_orig,
			       uint8_t flags)
{
	uint8_t bit = (uint8_t)(1u << side);

	if (!(t->first_packet_seen & bit)) {
		if (is_orig)
			t->is_partial = !(flags & TCP_SYN) || (flags & TCP_ACK);
		else if (!t->is_partial)
			t->is_partial = !(flags & TCP_SYN);
		t->first_packet_seen |= bit;
	}
}

static void inactive_state(struct tcp_conn *t, struct conn_history *h,
			   int side, bool is_orig, uint8_t flags,
			   uint32_t seq, uint32_t len, bool *do_close,
			   bool *flipped)
{
	struct tcp_endpoint *e = &t->ep[side], *peer = &t->ep[side ^ 1];

	if (flags & TCP_SYN) {
		if (is_orig) {
			set_state(e, (flags & TCP_ACK) ? EP_SYN_ACK_SENT : EP_SYN_SENT);
		} else {
			/* A SYN from the responder after the originator's
			 * SYN-ACK: the two were captured in reverse. */
			if (!(flags & TCP_ACK) && peer->state == EP_SYN_ACK_SENT &&
			    seq == e->start_seq) {
				flip_roles(t, h);
				*flipped = true;
				t->is_partial = false;
				set_state(peer, EP_ESTABLISHED);
			}
			if (peer->state == EP_SYN_SENT)
				set_state(peer, EP_ESTABLISHED);
			set_state(e, EP_ESTABLISHED);
		}
	}
	if (flags & TCP_FIN) {
		set_state(e, EP_CLOSED);
		*do_close = true;
	}
	if (flags & TCP_RST) {
		set_state(e, EP_RESET);
		*do_close = true;
	}
	if (e->state == EP_INACTIVE) {
		/* No control flag moved this side. */
		const struct tcp_endpoint *orig = &t->ep[t->orig_side];
		if (!is_orig && len == 0 && orig->state == EP_SYN_SENT)
			; /* some stacks ack a SYN before answering it */
		else if ((flags & TCP_ACK) && peer->state == EP_ESTABLISHED) {
			set_state(e, EP_ESTABLISHED);  /* the SYN was missed */
			t->is_partial = false;
		}
		else
			set_state(e, EP_PARTIAL);
	}
}

static void syn_sent_state(struct tcp_endpoint *e, uint8_t flags,
			   bool *do_close)
{
	if (flags & TCP_FIN) {
		set_state(e, EP_CLOSED);
		*do_close = true;
	}
	if (flags & TCP_RST) {
		set_state(e, EP_RESET);
		*do_close = true;
	}
}

static void established_state(struct tcp_endpoint *e, struct tcp_endpoint *peer,
			      uint8_t flags, bool *do_close)
{
	if ((flags & TCP_SYN) && e->state == EP_PARTIAL &&
	    peer->state == EP_INACTIVE && !(flags & TCP_ACK))
		set_state(e, EP_SYN_SENT);
	if ((flags & TCP_FIN) && !(flags & TCP_RST)) {
		set_state(e, EP_CLOSED);
		/* The peer's FIN then RST was a normal close after all. */
		if (peer->state == EP_RESET && peer->prev_state == EP_CLOSED)
			set_state(peer, EP_CLOSED);
		*do_close = true;
	}
	if (flags & TCP_RST) {
		set_state(e, EP_RESET);
		*do_close = true;
	}
}

static void closed_state(struct tcp_endpoint *e, const struct tcp_endpoint *peer,
			 uint8_t flags, bool *do_close)
{
	/* After a FIN exchange from both sides a RST changes nothing. */
	if ((flags & TCP_RST) && peer->state != EP_CLOSED) {
		set_state(e, EP_RESET);
		if (!e->did_close)
			*do_close = true;
	}
}

/* Zeek's ConnectionClosed: true once the connection is over as a whole. */
static bool connection_closed(struct tcp_endpoint *e,
			      const struct tcp_endpoint *peer)
{
	if (e->did_close)
		return false;
	e->did_close = true;
	return e->state == EP_RESET || peer->did_close ||
	       peer->state == EP_INACTIVE;
}

struct tcp_result tcp_packet(struct tcp_conn *t, struct tcp_content *c,
			     struct conn_history *h, int side,
			     const struct packet *p)
{
	struct tcp_result r = { false, false };
	struct tcp_endpoint *e = &t->ep[side], *peer = &t->ep[side ^ 1];
	uint8_t flags = p->tcp_flags;
	uint32_t len = p->payload_len;
	/* Zeek decides direction before the packet and does not revisit it
	 * when the packet itself flips the roles. */
	bool is_orig = side_is_orig(t, side);

	if (p->l4_checksum_bad) {
		endpoint_scaled(t, h, side, 'C',
				&stream_edit(t, c, side)->bad_checksum_count);
		return r;
	}
	set_partial_status(t, side, is_orig, flags);

	uint32_t seg_len = len;
	if (flags & TCP_SYN)
		seg_len++;
	if (flags & TCP_FIN)
		seg_len++;
	if (flags & TCP_RST)
		seg_len -= len;  /* data on a RST is not part of the stream */
	uint32_t seq_past = p->seq + seg_len;

	init_endpoint(t, c, side, flags, p->seq, seq_past);
	bool seq_underflow = false;
	uint64_t rel_seq = relative_seq(e, p->seq, e->last_seq, e->seq_wraps,
					&seq_underflow);
	r.flipped |= update_history(t, c, h, side, flags, rel_seq, len);

	if (p->window == 0 && !(flags & TCP_RST) && peer->state != EP_CLOSED &&
	    e->state != EP_RESET)
		endpoint_scaled(t, h, side, 'W',
				&stream_edit(t, c, side)->zero_window_count);
	if (flags & TCP_FIN) {
		e->sent_fin = true;
		content_fin(t, c, side, rel_seq + seg_len);
	}

	note_evidence(e, peer, flags, p->ack, len);
	uint64_t rel_ack = 0;
	if (flags & TCP_ACK) {
		if (peer->state == EP_INACTIVE) {
			/* Number the silent side as if its SYN had been seen. */
			init_sequence(t, c, side ^ 1, p->ack - 1, p->ack - 1);
			peer->numbered_by_ack = true;
			rel_ack = 1;
		} else {
			bool underflow = false;
			rel_ack = relative_seq(peer, p->ack, peer->ack_seq,
					       peer->ack_wraps, &underflow);
			if (underflow)
				rel_ack = 0;
			else if (!(flags & TCP_RST))
				update_ack_seq(peer, p->ack);
		}
	}

	update_last_seq(t, c, h, side, seq_past, flags, len);

	bool do_close = false;
	switch (e->state) {
	case EP_INACTIVE:
		inactive_state(t, h, side, is_orig, flags, p->seq, len,
			       &do_close, &r.flipped);
		break;
	case EP_SYN_SENT:
	case EP_SYN_ACK_SENT:
		syn_sent_state(e, flags, &do_close);
		break;
	case EP_ESTABLISHED:
	case EP_PARTIAL:
		established_state(e, peer, flags, &do_close);
		break;
	case EP_CLOSED:
		closed_state(e, peer, flags, &do_close);
		break;
	default:
		break;
	}
	/* After the state machine, as Zeek does, so that a gap revealed by a
	 * FIN or RST at the very end is judged in the state it left. */
	if (flags & TCP_ACK)
		content_acked(t, c, h, side ^ 1, rel_ack);
	/* Content the capture carried whole: not on a RST, not cut by the
	 * snapshot length, not numbered before the stream began. */
	if (len > 0 && p->payload_caplen >= len && !(flags & TCP_RST) &&
	    !seq_underflow)
		content_seen(t, c, side, (flags & TCP_SYN) ? rel_seq + 1 : rel_seq,
			     len);
	if (do_close)
		r.closed_complete = connection_closed(e, peer);
	return r;
}

bool tcp_is_reuse(const struct tcp_conn *t, int side, const struct packet *p)
{
	const struct tcp_endpoint *orig = &t->ep[t->orig_side];
	const struct tcp_endpoint *resp = &t->ep[t->orig_side ^ 1];
	const struct tcp_endpoint *opener = orig;
	uint8_t flags = p->tcp_flags;

	(void)side;
	if (!(flags & TCP_SYN))
		return false;
	if (flags & TCP_ACK) {
		/* Only a half connection is reused by a SYN-ACK. */
		if (orig->state != EP_INACTIVE)
			return false;
		opener = resp;
	}
	if (orig->did_close || resp->did_close)
		return true;
	if (p->seq == opener->start_seq)
		return false;  /* a retransmitted SYN */
	/* SYN and SYN-ACK captured in reverse order: not a new connection. */
	if (!(flags & TCP_ACK) && opener->state == EP_SYN_ACK_SENT &&
	    resp->state == EP_INACTIVE && p->seq == resp->start_seq)
		return false;
	return true;
}

bool tcp_in_handshake(const struct tcp_conn *t)
{
	for (int i = 0; i < 2; i++) {
		uint8_t s = t->ep[i].state;
		if (s != EP_INACTIVE && s != EP_SYN_SENT && s != EP_SYN_ACK_SENT)
			return false;
	}
	return true;
}

uint64_t tcp_endpoint_size(const struct tcp_endpoint *e,
			   const struct tcp_endpoint *peer)
{
	uint64_t last = full_seq(e->last_seq, e->seq_wraps);
	uint64_t ack = full_seq(e->ack_seq, e->ack_wraps);
	uint64_t start = e->start_seq;
	bool no_data_acked = ack == start || ack == start + 1;

	/* A half-open connection found and aborted: its numbers mean nothing. */
	if (e->prev_state == EP_SYN_SENT && e->state == EP_RESET &&
	    peer->state == EP_INACTIVE && !no_data_acked)
		return 0;

	uint64_t top = last > ack ? last : ack;
	if (top < start)
		return 0;
	uint64_t size = top - start;
	if (size != 0)
		size--;  /* the SYN */
	if (e->sent_fin && size != 0)
		size--;  /* the FIN */
	return size;
}

/* Zeek's RSTOS0 pattern /^\^?S[^HAFGIQ]*R.*$/ on the history. */
static bool history_is_syn_then_rst(const char *h)
{
	if (*h == '^')
		h++;
	if (*h != 'S')
		return false;
	for (h++; *h; h++) {
		if (*h == 'R')
			return true;
		if (strchr("HAFGIQ", *h))
			return false;
	}
	return false;
}

const char *tcp_conn_state(const struct tcp_conn *t,
			   const struct conn_history *h)
{
	const struct tcp_endpoint *o = &t->ep[t->orig_side];
	const struct tcp_endpoint *r = &t->ep[t->orig_side ^ 1];
	uint8_t os = o->state, rs = r->state;
	bool o_inactive = os == EP_INACTIVE || os == EP_PARTIAL;
	bool r_inactive = rs == EP_INACTIVE || rs == EP_PARTIAL;

	if (rs == EP_RESET) {
		if (os == EP_SYN_SENT || os == EP_SYN_ACK_SENT ||
		    (os == EP_RESET && tcp_endpoint_size(o, r) == 0 &&
		     tcp_endpoint_size(r, o) == 0))
			return "REJ";
		return o_inactive ? "RSTRH" : "RSTR";
	}
	if (os == EP_RESET) {
		if (r_inactive)
			return history_is_syn_then_rst(h->text) ? "RSTOS0" : "OTH";
		return "RSTO";
	}
	if (rs == EP_CLOSED && os == EP_CLOSED)
		return "SF";
	if (os == EP_CLOSED)
		return r_inactive ? "SH" : "S2";
	if (rs == EP_CLOSED)
		return o_inactive ? "SHR" : "S3";
	if (os == EP_SYN_SENT && rs == EP_INACTIVE)
		return "S0";
	if (os == EP_ESTABLISHED && rs == EP_ESTABLISHED)
		return "S1";
	return "OTH";
}
