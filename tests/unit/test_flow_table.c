/* test_flow_table.c - flows: symmetric keys, orientation, timeouts, reuse,
 * eviction at the cap, ICMP errors attached to the flow they quote, uids
 * and Community IDs, and server ports a deployment names. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "capture/flow_table.h"
#include "tap.h"

#define MAX_RECORDS 64

static struct flow_record records[MAX_RECORDS];
static int nrecords;

static void on_end(void *ctx, const struct flow_record *r, uint32_t slot)
{
	(void)ctx;
	(void)slot;
	if (nrecords < MAX_RECORDS)
		records[nrecords++] = *r;
}

static struct packet pkt(int version, const char *src, uint16_t sport,
			 const char *dst, uint16_t dport, uint8_t proto,
			 uint64_t ts_s)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	p.ip_version = (uint8_t)version;
	p.ip_proto = proto;
	inet_pton(version == 4 ? AF_INET : AF_INET6, src, p.src.b);
	inet_pton(version == 4 ? AF_INET : AF_INET6, dst, p.dst.b);
	p.sport = sport;
	p.dport = dport;
	p.has_l4 = true;
	p.ts_us = ts_s * 1000000ull;
	p.ip_len = 40;
	return p;
}

static struct packet tcp(const char *src, uint16_t sport, const char *dst,
			 uint16_t dport, uint8_t flags, uint32_t seq,
			 uint32_t ack, uint64_t ts_s)
{
	struct packet p = pkt(4, src, sport, dst, dport, IP_PROTO_TCP, ts_s);
	p.tcp_flags = flags;
	p.seq = seq;
	p.ack = ack;
	p.window = 1000;
	return p;
}

static struct flow_table *table(uint32_t max)
{
	struct flow_table_config c;
	flow_table_config_default(&c);
	c.max_flows = max;
	nrecords = 0;
	return flow_table_new(&c, on_end, NULL);
}

static void test_symmetry_and_udp(void)
{
	struct flow_table *t = table(1000);
	struct flow_update u1, u2;
	struct packet q = pkt(4, "10.0.0.1", 40001, "10.0.0.2", 53, IP_PROTO_UDP, 100);
	struct packet r = pkt(4, "10.0.0.2", 53, "10.0.0.1", 40001, IP_PROTO_UDP, 100);

	flow_table_packet(t, &q, &u1);
	flow_table_packet(t, &r, &u2);
	ok(u1.created && !u2.created && u1.slot == u2.slot,
	   "a reply lands in the request's flow");
	ok(u1.from_orig && !u2.from_orig, "the requester originates");
	flow_table_finish(t);
	is_int(nrecords, 1, "one UDP flow");
	is_str(records[0].conn_state, "SF", "UDP request and reply: SF");
	is_str(records[0].history, "Dd", "UDP history Dd");

	/* Only the reply seen: Zeek flips to make the server the responder. */
	nrecords = 0;
	flow_table_packet(t, &r, &u1);
	flow_table_finish(t);
	is_str(records[0].conn_state, "SHR", "a lone reply from port 53: SHR");
	is_str(records[0].history, "^d", "flipped history ^d");
	is_int(records[0].resp_p, 53, "port 53 is the responder's");

	/* A DHCP server's answer first: the server on 67 is the responder. */
	nrecords = 0;
	struct packet ack = pkt(4, "10.1.0.1", 67, "10.1.0.77", 68, IP_PROTO_UDP, 100);
	flow_table_packet(t, &ack, &u1);
	flow_table_finish(t);
	is_int(records[0].resp_p, 67, "DHCP: udp/67 is the responder's");
	is_str(records[0].history, "^d", "flipped history ^d");
	flow_table_free(t);
}

static void test_timeouts(void)
{
	struct flow_table *t = table(1000);
	struct flow_update u;
	struct packet q = pkt(4, "10.0.0.1", 40001, "10.0.0.2", 53, IP_PROTO_UDP, 100);

	flow_table_packet(t, &q, &u);
	q.ts_us += 59 * 1000000ull;
	flow_table_packet(t, &q, &u);
	ok(!u.created, "59 s later: the same UDP flow");
	q.ts_us += 61 * 1000000ull;
	flow_table_packet(t, &q, &u);
	ok(u.created, "61 s idle: a new UDP flow");
	is_int(nrecords, 1, "the idle flow ended");
	is_int(records[0].end, FLOW_END_IDLE, "ended as idle");
	is_int(records[0].orig.pkts, 2, "with its two packets");

	flow_table_expire(t, q.ts_us + 60 * 1000000ull);
	is_int(nrecords, 2, "expiry ends the second flow at its timeout");
	flow_table_free(t);
}

/* Packets stamped out of order (a fragment train given up at the end of
 * input carries an earlier time) never shrink a flow's span, and the uid
 * stays the one of the flow's first packet. */
static void test_time_span(void)
{
	const uint8_t protos[] = { IP_PROTO_UDP, IP_PROTO_TCP, 50 };

	for (size_t i = 0; i < sizeof(protos); i++) {
		struct flow_table *t = table(1000);
		struct flow_update u;
		char uid[FLOW_UID_LEN], label[80];
		struct packet p = pkt(4, "10.0.0.1", 40001, "10.0.0.2", 4000, protos[i], 100);

		if (protos[i] == IP_PROTO_TCP) {
			p.tcp_flags = TCP_ACK;
			p.seq = 1000;
			p.ack = 5000;
		}
		flow_table_packet(t, &p, &u);
		p.ts_us = 110 * 1000000ull;
		flow_table_packet(t, &p, &u);
		flow_table_finish(t);
		memcpy(uid, records[0].uid, sizeof(uid));
		flow_table_free(t);

		t = table(1000);
		p.ts_us = 100 * 1000000ull;
		flow_table_packet(t, &p, &u);
		p.ts_us = 110 * 1000000ull;
		flow_table_packet(t, &p, &u);
		p.ts_us = 101 * 1000000ull;  /* late, stamped early */
		flow_table_packet(t, &p, &u);
		p.ts_us = 99 * 1000000ull;   /* earlier than the first */
		flow_table_packet(t, &p, &u);
		flow_table_finish(t);
		snprintf(label, sizeof(label), "proto %u: one flow", protos[i]);
		is_int(nrecords, 1, label);
		snprintf(label, sizeof(label), "proto %u: last_us never goes back", protos[i]);
		is_int(records[0].last_us, 110 * 1000000ull, label);
		snprintf(label, sizeof(label), "proto %u: first_us is the earliest", protos[i]);
		is_int(records[0].first_us, 99 * 1000000ull, label);
		snprintf(label, sizeof(label), "proto %u: the uid is the first packet's", protos[i]);
		is_str(records[0].uid, uid, label);
		flow_table_free(t);
	}
}

static void test_tcp_reuse_and_close(void)
{
	struct flow_table *t = table(1000);
	struct flow_update u;
	const char *c = "192.0.2.10", *s = "198.51.100.20";
	struct packet seq[] = {
		tcp(c, 40001, s, 13667, TCP_SYN, 1000, 0, 10),
		tcp(s, 13667, c, 40001, TCP_SYN | TCP_ACK, 5000, 1001, 10),
		tcp(c, 40001, s, 13667, TCP_ACK, 1001, 5001, 10),
		tcp(c, 40001, s, 13667, TCP_FIN | TCP_ACK, 1001, 5001, 11),
		tcp(s, 13667, c, 40001, TCP_FIN | TCP_ACK, 5001, 1002, 11),
		tcp(c, 40001, s, 13667, TCP_ACK, 1002, 5002, 11),
	};
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		flow_table_packet(t, &seq[i], &u);
	struct packet again = tcp(c, 40001, s, 13667, TCP_SYN, 9000, 0, 12);
	flow_table_packet(t, &again, &u);
	ok(u.created, "a SYN after the close starts a second flow");
	is_int(nrecords, 1, "the first flow ended");
	is_str(records[0].conn_state, "SF", "the first flow is SF");
	is_int(records[0].end, FLOW_END_REUSED, "ended by reuse of its tuple");

	/* A closed connection lingers 5 s, then ends. */
	struct packet rst = tcp(s, 13667, c, 40001, TCP_RST | TCP_ACK, 0, 9001, 12);
	flow_table_packet(t, &rst, &u);
	flow_table_expire(t, 16 * 1000000ull);
	is_int(nrecords, 1, "4 s after a reset the flow still lingers");
	flow_table_expire(t, 17 * 1000000ull);
	is_int(nrecords, 2, "5 s after a reset the flow is over");
	is_str(records[1].conn_state, "REJ", "the refused SYN is REJ");
	is_int(records[1].end, FLOW_END_CLOSED, "ended as closed");
	is_int(records[1].orig.syns, 1, "one SYN counted");
	ok(records[1].resp.saw & SAW_RST, "the responder's RST is recorded");
	flow_table_free(t);
}

/* What the capture can prove: which sides were seen, whether the client
 * acknowledged anything, and answers the capture does not hold. */
static void test_one_sided(void)
{
	struct flow_table *t = table(1000);
	struct flow_update u;
	const char *c = "192.0.2.10", *s = "198.51.100.20";

	/* The client's SYN, three times, never answered. */
	for (uint64_t i = 0; i < 3; i++) {
		struct packet syn = tcp(c, 40001, s, 443, TCP_SYN, 1000, 0, 10 + i);
		flow_table_packet(t, &syn, &u);
	}
	/* Only the client's packets: SYN, the ACK of an unseen SYN-ACK, data. */
	struct packet orig_only[] = {
		tcp(c, 40002, s, 13667, TCP_SYN, 2000, 0, 10),
		tcp(c, 40002, s, 13667, TCP_ACK, 2001, 7001, 10),
		tcp(c, 40002, s, 13667, TCP_PSH | TCP_ACK, 2001, 7001, 10),
	};
	orig_only[2].payload_len = orig_only[2].payload_caplen = 100;
	/* Only the server's: SYN-ACK and data. */
	struct packet resp_only[] = {
		tcp(s, 445, c, 40003, TCP_SYN | TCP_ACK, 9000, 3001, 10),
		tcp(s, 445, c, 40003, TCP_PSH | TCP_ACK, 9001, 3001, 10),
	};
	resp_only[1].payload_len = resp_only[1].payload_caplen = 100;
	/* Both sides. */
	struct packet both[] = {
		tcp(c, 40004, s, 80, TCP_SYN, 4000, 0, 10),
		tcp(s, 80, c, 40004, TCP_SYN | TCP_ACK, 8000, 4001, 10),
		tcp(c, 40004, s, 80, TCP_ACK, 4001, 8001, 10),
	};
	for (size_t i = 0; i < 3; i++)
		flow_table_packet(t, &orig_only[i], &u);
	for (size_t i = 0; i < 2; i++)
		flow_table_packet(t, &resp_only[i], &u);
	for (size_t i = 0; i < 3; i++)
		flow_table_packet(t, &both[i], &u);
	struct packet udp_reply = pkt(4, s, 53, c, 40005, IP_PROTO_UDP, 10);
	flow_table_packet(t, &udp_reply, &u);
	flow_table_finish(t);
	is_int(nrecords, 5, "five flows");

	const struct flow_record *r = &records[0];
	is_int(r->seen, FLOW_SEEN_ORIG_ONLY, "SYNs only: seen from the originator");
	is_str(flow_seen_name(r->seen), "orig", "named orig");
	is_int(r->orig.syns, 3, "three SYNs");
	ok(!(r->orig.saw & SAW_ACK), "the client never acknowledged anything");
	ok(!r->answered_unseen, "nothing proves an answer");

	r = &records[1];
	is_int(r->seen, FLOW_SEEN_ORIG_ONLY, "client only: seen from the originator");
	ok(r->orig.saw & SAW_ACK, "the client acknowledged something");
	ok(r->answered_unseen, "its ACK of an unseen SYN-ACK proves an answer");

	r = &records[2];
	is_int(r->seen, FLOW_SEEN_RESP_ONLY, "SYN-ACK and data only: seen from the responder");
	is_str(flow_seen_name(r->seen), "resp", "named resp");
	is_int(r->resp_p, 445, "the SYN-ACK's sender is the responder");
	ok(r->resp.saw & SAW_SYNACK && r->resp.saw & SAW_DATA,
	   "its SYN-ACK and data are recorded");
	ok(!r->answered_unseen, "the originator proves nothing");

	r = &records[3];
	is_int(r->seen, FLOW_SEEN_BOTH, "handshake: seen both ways");
	is_str(flow_seen_name(r->seen), "both", "named both");
	ok(!r->answered_unseen, "the answer is in the capture");

	r = &records[4];
	is_int(r->seen, FLOW_SEEN_RESP_ONLY, "a lone DNS answer: seen from the responder");
	flow_table_free(t);
}

static void test_eviction(void)
{
	struct flow_table *t = table(16);
	struct flow_update u;

	for (int i = 0; i < 20; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.0.1.%d", i + 1);
		struct packet p = tcp(src, 40000, "10.0.0.2", 445, TCP_SYN, 1, 0,
				      (uint64_t)(100 + i));
		flow_table_packet(t, &p, &u);
	}
	const struct flow_table_stats *st = flow_table_stats(t);
	is_int(st->evicted, 4, "20 flows in a table of 16: 4 evicted");
	is_int(st->active, 16, "16 flows kept");
	is_int(nrecords, 4, "evicted flows are reported, not dropped");
	ok(records[0].end == FLOW_END_EVICTED && records[0].orig_h.b[3] == 1,
	   "the longest-idle flow went first");
	flow_table_finish(t);
	is_int(nrecords, 20, "every flow is reported in the end");
	flow_table_free(t);
}

static struct packet tcp_data(const char *src, uint16_t sport, const char *dst,
			      uint16_t dport, uint32_t seq, uint32_t ack,
			      uint32_t len, uint64_t ts_s)
{
	struct packet p = tcp(src, sport, dst, dport, TCP_PSH | TCP_ACK, seq, ack, ts_s);
	p.payload_len = p.payload_caplen = len;
	return p;
}

/* TCP content state lives in a table beside the flows, written only for
 * streams that need it: SYN-only flows and data in order never do, and a
 * slot's next flow never reads what its last one left there. */
static void test_content_table(void)
{
	struct flow_table *t = table(1000);
	const struct flow_table_stats *st = flow_table_stats(t);
	struct flow_update u;
	const char *c = "192.0.2.10", *s = "198.51.100.20";

	/* A gap in the client's data: 101..200 never captured. */
	struct packet gap[] = {
		tcp(c, 40001, s, 80, TCP_SYN, 1000, 0, 10),
		tcp(s, 80, c, 40001, TCP_SYN | TCP_ACK, 5000, 1001, 10),
		tcp(c, 40001, s, 80, TCP_ACK, 1001, 5001, 10),
		tcp_data(c, 40001, s, 80, 1001, 5001, 100, 10),
		tcp_data(c, 40001, s, 80, 1201, 5001, 100, 10),
		tcp(s, 80, c, 40001, TCP_ACK, 5001, 1301, 10),
	};
	for (size_t i = 0; i < sizeof(gap) / sizeof(gap[0]); i++)
		flow_table_packet(t, &gap[i], &u);
	uint32_t gap_slot = u.slot;
	is_int(st->tcp_streams, 1, "a gap: one stream's content state written");
	flow_table_expire(t, 400 * 1000000ull);
	is_int(nrecords, 1, "the flow with the gap ended");
	is_int(records[0].missed_bytes, 200 - 100, "its missed bytes");
	is_str(records[0].history, "ShADaG", "its history");

	/* The next flow takes the same slot: data in order both ways. */
	struct packet in_order[] = {
		tcp(c, 40002, s, 443, TCP_SYN, 7000, 0, 500),
		tcp(s, 443, c, 40002, TCP_SYN | TCP_ACK, 9000, 7001, 500),
		tcp(c, 40002, s, 443, TCP_ACK, 7001, 9001, 500),
		tcp_data(c, 40002, s, 443, 7001, 9001, 300, 500),
		tcp_data(s, 443, c, 40002, 9001, 7301, 2000, 500),
		tcp(c, 40002, s, 443, TCP_ACK, 7301, 11001, 500),
	};
	for (size_t i = 0; i < sizeof(in_order) / sizeof(in_order[0]); i++)
		flow_table_packet(t, &in_order[i], &u);
	is_int(u.slot, gap_slot, "the next flow reuses the slot");
	/* A SYN flood of 50 tuples, each SYN retransmitted. */
	for (int i = 0; i < 50; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.9.0.%d", i + 1);
		struct packet syn = tcp(src, (uint16_t)(30000 + i), s, 22, TCP_SYN,
					(uint32_t)i * 7919u, 0, 500);
		flow_table_packet(t, &syn, &u);
		flow_table_packet(t, &syn, &u);
	}
	is_int(st->active, 51, "51 flows open");
	is_int(st->tcp_streams, 1,
	       "SYN-only flows and data in order write no content state");
	flow_table_each_active(t, on_end, NULL);
	is_int(records[1].missed_bytes, 0,
	       "the reused slot's old content state is not read");
	is_str(records[1].history, "ShADd", "the new flow's history");

	/* The client's FIN: its stream's state is written afresh. */
	struct packet fin = tcp(c, 40002, s, 443, TCP_FIN | TCP_ACK, 7301, 11001, 501);
	flow_table_packet(t, &fin, &u);
	is_int(st->tcp_streams, 2, "a FIN writes its stream's state");
	nrecords = 0;
	flow_table_finish(t);
	is_int(nrecords, 51, "every flow ends");
	is_int(records[0].missed_bytes, 0, "nothing of the old flow shows");
	is_str(records[0].history, "ShADdF", "the new flow's history, closing");
	for (int i = 1; i < nrecords; i++)
		if (records[i].missed_bytes || strcmp(records[i].history, "S")) {
			ok(0, "a SYN-only flow: S, nothing missed (flow %d)", i);
			break;
		}
	flow_table_free(t);
}

static void test_icmp_attach(void)
{
	struct flow_table *t = table(1000);
	struct flow_update u;
	struct packet syn = tcp("192.0.2.10", 40001, "20.50.2.10", 443, TCP_SYN, 1, 0, 5);
	struct packet icmp = pkt(4, "192.0.2.1", 0, "192.0.2.10", 0, IP_PROTO_ICMP, 5);

	icmp.icmp_type = 3;
	icmp.icmp_code = 13;
	icmp.quote.present = true;
	icmp.quote.has_ports = true;
	icmp.quote.ip_version = 4;
	icmp.quote.proto = IP_PROTO_TCP;
	icmp.quote.src = syn.src;
	icmp.quote.dst = syn.dst;
	icmp.quote.sport = 40001;
	icmp.quote.dport = 443;
	flow_table_packet(t, &syn, &u);
	uint32_t syn_slot = u.slot;
	flow_table_packet(t, &icmp, &u);
	ok(u.quotes_flow && u.quoted_slot == syn_slot,
	   "the ICMP error is matched to the SYN's flow");
	flow_table_finish(t);
	is_int(nrecords, 2, "two records: the TCP flow and the ICMP one");
	is_int(records[0].icmp_errors, 1, "the TCP flow counts the error");
	is_int(records[0].icmp_error_code, 13, "administratively prohibited");
	ok(records[1].is_icmp_error, "the ICMP flow is marked as an error");
	is_str(records[1].quoted_uid, records[0].uid, "and names the flow it quotes");
	is_int(records[1].orig_p, 3, "ICMP orig_p is the type");
	is_int(records[1].resp_p, 13, "ICMP resp_p is the code");
	flow_table_free(t);
}

static void test_keys(void)
{
	struct flow_table *t = table(1000);
	struct flow_update u1, u2;
	struct packet a = tcp("10.0.0.1", 40001, "10.0.0.2", 80, TCP_SYN, 1, 0, 1);
	struct packet b = a;

	b.vlan = 20;
	flow_table_packet(t, &a, &u1);
	flow_table_packet(t, &b, &u2);
	ok(u1.slot != u2.slot, "the same tuple on another VLAN is another flow");
	flow_table_free(t);

	struct flow_table_config c;
	flow_table_config_default(&c);
	c.key_vlan = false;
	t = flow_table_new(&c, on_end, NULL);
	flow_table_packet(t, &a, &u1);
	flow_table_packet(t, &b, &u2);
	ok(u1.slot == u2.slot, "without VLAN in the key they are one flow");
	flow_table_free(t);

	/* The same connection seen directly and inside GRE. */
	struct packet plain = a, in_gre = a;
	in_gre.tunnel_type = TUNNEL_GRE;
	in_gre.tunnel_id = 42;
	t = table(1000);
	flow_table_packet(t, &plain, &u1);
	flow_table_packet(t, &in_gre, &u2);
	ok(u1.slot != u2.slot, "by default the kind of tunnel tells flows apart");
	flow_table_free(t);

	c.key_vlan = c.key_tunnel_id = false;  /* --flow-key none */
	nrecords = 0;
	t = flow_table_new(&c, on_end, NULL);
	flow_table_packet(t, &in_gre, &u1);
	flow_table_packet(t, &plain, &u2);
	ok(u1.slot == u2.slot, "keyed on the 5-tuple alone they are one flow");
	flow_table_finish(t);
	is_int(records[0].tunnel_type, TUNNEL_GRE, "reporting the first packet's tunnel");
	is_int(records[0].tunnel_id, 42, "and its key");
	flow_table_free(t);
}

static void test_ids(void)
{
	struct flow_table *t = table(1000);
	struct flow_update u;
	struct packet p = tcp("128.232.110.120", 34855, "66.35.250.204", 80, TCP_SYN, 1, 0, 1);
	char uid[FLOW_UID_LEN];

	flow_table_packet(t, &p, &u);
	flow_table_finish(t);
	/* The example of the Community ID specification. */
	is_str(records[0].community_id, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
	       "Community ID v1 of the specification's example");
	ok(records[0].uid[0] == 'C' && strlen(records[0].uid) == 18, "a Zeek-style uid");
	memcpy(uid, records[0].uid, sizeof(uid));
	flow_table_free(t);

	t = table(1000);
	flow_table_packet(t, &p, &u);
	flow_table_finish(t);
	is_str(records[0].uid, uid, "the same flow gets the same uid in another run");
	flow_table_free(t);

	/* Equal addresses are ordered by port (nDPI 4.2 gets this wrong). */
	t = table(1000);
	struct packet lo = pkt(4, "127.0.0.1", 50435, "127.0.0.1", 53, IP_PROTO_UDP, 1);
	flow_table_packet(t, &lo, &u);
	flow_table_finish(t);
	is_str(records[0].community_id, "1:9BWIIrdFSlMcS81Gxerg4ZNbZog=",
	       "Community ID with equal addresses");
	flow_table_free(t);

	t = table(1000);
	struct packet echo = pkt(4, "192.168.0.89", 0, "192.168.0.1", 0, IP_PROTO_ICMP, 1);
	echo.icmp_type = 8;
	struct packet reply = pkt(4, "192.168.0.1", 0, "192.168.0.89", 0, IP_PROTO_ICMP, 1);
	reply.icmp_type = 0;
	flow_table_packet(t, &echo, &u);
	flow_table_packet(t, &reply, &u);
	flow_table_finish(t);
	is_int(nrecords, 1, "echo request and reply are one flow");
	is_str(records[0].community_id, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
	       "Community ID of an ICMP echo");
	flow_table_free(t);
}

/* A flow picked up mid-stream by the server's packet: the server port
 * decides who the responder is. No vendor's port is known unless told. */
static void test_told_server_ports(void)
{
	struct server_ports *sp = calloc(1, sizeof(*sp));
	struct flow_update u;
	struct packet reply = tcp("10.1.0.10", 23667, "10.1.0.20", 49155,
				  TCP_PSH | TCP_ACK, 5000, 1000, 1);
	struct packet reply13667 = reply;
	reply13667.sport = 13667;

	ok(sp && server_ports_add(sp, IP_PROTO_TCP, 23667, 23667), "tcp/23667 told");
	ok(!server_ports_add(sp, IP_PROTO_TCP, 49152, 65535),
	   "a range as wide as the ephemeral ports is refused");
	ok(!server_ports_add(sp, IP_PROTO_ICMP, 1, 1), "ICMP has no ports");
	ok(port_is_likely_server(sp, IP_PROTO_TCP, 23667), "tcp/23667 is a server");
	ok(!port_is_likely_server(sp, IP_PROTO_UDP, 23667), "udp/23667 is not");
	ok(!port_is_likely_server(sp, IP_PROTO_TCP, 50000), "nor tcp/50000");
	ok(!port_is_likely_server(NULL, IP_PROTO_TCP, 13667),
	   "no vendor's port is compiled in (tcp/13667)");
	ok(port_is_likely_server(NULL, IP_PROTO_TCP, 1433), "registered ports are");
	ok(port_is_likely_server(NULL, IP_PROTO_UDP, 67) &&
	   !port_is_likely_server(NULL, IP_PROTO_UDP, 68),
	   "udp/67 is DHCP's server, udp/68 its client");
	ok(port_is_likely_server(NULL, IP_PROTO_UDP, 547) &&
	   !port_is_likely_server(NULL, IP_PROTO_UDP, 546),
	   "udp/547 is DHCPv6's server, udp/546 its client");
	ok(!port_is_likely_server(NULL, IP_PROTO_TCP, 20) &&
	   port_is_likely_server(NULL, IP_PROTO_TCP, 21) &&
	   port_is_likely_server(NULL, IP_PROTO_TCP, 68),
	   "tcp/20 (FTP active data) is a client's; tcp/21 and tcp/68 are servers");
	ok(port_is_likely_server(NULL, IP_PROTO_UDP, 3544) &&
	   port_is_likely_server(NULL, IP_PROTO_UDP, 5072),
	   "Teredo (3544) and AYIYA (5072) are tunnel servers");

	struct flow_table *t = table(1000);
	flow_table_packet(t, &reply, &u);
	flow_table_packet(t, &reply13667, &u);
	flow_table_finish(t);
	is_int(nrecords, 2, "two flows");
	is_int(records[0].orig_p, 23667, "untold: tcp/23667 sent first, so originated");
	is_int(records[1].orig_p, 13667, "untold: so did tcp/13667");
	flow_table_free(t);

	struct flow_table_config c;
	flow_table_config_default(&c);
	c.server_ports = sp;
	nrecords = 0;
	t = flow_table_new(&c, on_end, NULL);
	memset(sp, 0, sizeof(*sp));  /* the table keeps its own copy */
	flow_table_packet(t, &reply, &u);
	flow_table_packet(t, &reply13667, &u);
	flow_table_finish(t);
	is_int(nrecords, 2, "two flows");
	is_int(records[0].resp_p, 23667, "told: tcp/23667 is the responder");
	ok(records[0].flipped && records[0].history[0] == '^',
	   "and the flow is marked flipped (^)");
	is_int(records[1].orig_p, 13667, "tcp/13667, not told, still originates");
	flow_table_free(t);
	free(sp);
}

/* ---- the end of the input: open flows in the order they began ---- */

static uint64_t last_serial;
static int ended, out_of_order;

static void on_end_ordered(void *ctx, const struct flow_record *r, uint32_t slot)
{
	(void)ctx;
	(void)slot;
	out_of_order += r->serial <= last_serial;
	last_serial = r->serial;
	ended++;
}

static void udp_flows(struct flow_table *t, int first, int count, uint64_t ts_s)
{
	struct flow_update u;

	for (int i = first; i < first + count; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		struct packet p = pkt(4, src, 5353, "10.255.0.1", 53, IP_PROTO_UDP, ts_s);
		flow_table_packet(t, &p, &u);
	}
}

/* Flows that reuse freed slots (the free list gives the last freed first)
 * end after the older flows in higher slots, and serials span more than
 * one pass of the radix sort. */
static void test_finish_order(void)
{
	struct flow_table_config c;
	flow_table_config_default(&c);
	c.max_flows = 16384;
	struct flow_table *t = flow_table_new(&c, on_end_ordered, NULL);

	udp_flows(t, 0, 3000, 100);
	udp_flows(t, 3000, 3000, 150);
	flow_table_expire(t, 161 * 1000000ull);  /* the first 3000 idle out */
	is_int(ended, 3000, "the first 3000 flows ended idle");
	udp_flows(t, 6000, 3000, 170);            /* into the freed slots */
	ended = 0;
	last_serial = 0;
	flow_table_finish(t);
	is_int(ended, 6000, "every open flow is reported at the end");
	is_int(out_of_order, 0, "in the order the flows began, not by slot");
	flow_table_free(t);
}

/* After the run the table gives its memory back and still works as new,
 * its figures kept; never while a flow is open. */
static void test_release_memory(void)
{
	struct flow_table *t = table(1000);
	struct flow_update u;
	char src[32];

	for (int i = 0; i < 600; i++) {
		snprintf(src, sizeof(src), "10.0.%d.%d", i / 250, i % 250 + 1);
		struct packet p = pkt(4, src, 40000, "10.9.0.1", 53, IP_PROTO_UDP, 100);
		flow_table_packet(t, &p, &u);
	}
	ok(!flow_table_release_memory(t), "not released while 600 flows are open");
	flow_table_finish(t);
	is_int((long long)flow_table_stats(t)->ended, 600, "600 flows ended");
	ok(flow_table_release_memory(t), "released once every flow ended");
	is_int((long long)flow_table_stats(t)->created, 600, "its figures are kept");
	nrecords = 0;
	struct packet a = tcp("10.0.0.1", 40000, "10.9.0.2", 443, TCP_SYN, 1, 0, 200);
	struct packet b = tcp("10.9.0.2", 443, "10.0.0.1", 40000, TCP_SYN | TCP_ACK, 9, 2, 200);
	flow_table_packet(t, &a, &u);
	ok(u.created, "a new flow after the release");
	flow_table_packet(t, &b, &u);
	ok(!u.created, "its reply finds it in the fresh index");
	flow_table_finish(t);
	is_int(nrecords, 1, "one flow ended after the release");
	is_str(records[0].history, "Sh", "as a new table tracks it");
	flow_table_free(t);
}

/* The ending hint: a flow's slot is named before that flow ends (so that
 * its consumer can fetch what it keeps by slot), and only then. */
#define ENDING_FLOWS 50
static uint32_t hinted[ENDING_FLOWS * 2];
static int nhinted, hinted_live_at_end, hinted_ended_before;
static bool slot_live[ENDING_FLOWS * 2];

static void on_end_hinted(void *ctx, const struct flow_record *r, uint32_t slot)
{
	(void)ctx;
	(void)r;
	for (int i = 0; i < nhinted; i++)
		if (hinted[i] == slot)
			hinted_live_at_end++;
	slot_live[slot] = false;
}

static void on_ending(void *ctx, uint32_t slot)
{
	(void)ctx;
	if (slot >= ENDING_FLOWS * 2 || !slot_live[slot])
		hinted_ended_before++;
	else if (nhinted < ENDING_FLOWS * 2)
		hinted[nhinted++] = slot;
}

static void test_ending_hint(void)
{
	struct flow_table_config c;
	flow_table_config_default(&c);
	c.max_flows = ENDING_FLOWS * 2;
	struct flow_table *t = flow_table_new(&c, on_end_hinted, NULL);
	struct flow_update u;

	flow_table_on_ending(t, on_ending);
	for (int i = 0; i < ENDING_FLOWS; i++) {
		struct packet p = pkt(4, "10.0.0.1", (uint16_t)(40000 + i), "10.0.0.2",
				      53, IP_PROTO_UDP, 100);
		flow_table_packet(t, &p, &u);
		slot_live[u.slot] = true;
	}
	flow_table_expire(t, 100 * 1000000ull);
	is_int(nhinted, 0, "no hint before any flow is due");
	flow_table_expire(t, 200 * 1000000ull);
	/* Expiry names the flow two ahead of the one it ends: all but the
	 * first two of a run of due flows. */
	is_int(nhinted, ENDING_FLOWS - 2, "every due flow but the first two is hinted");
	is_int(hinted_live_at_end, ENDING_FLOWS - 2, "each hinted flow then ended");
	is_int(hinted_ended_before, 0, "no hint names a slot already free");
	flow_table_free(t);
}

int main(void)
{
	test_symmetry_and_udp();
	test_timeouts();
	test_time_span();
	test_tcp_reuse_and_close();
	test_one_sided();
	test_eviction();
	test_content_table();
	test_icmp_attach();
	test_keys();
	test_ids();
	test_told_server_ports();
	test_finish_order();
	test_release_memory();
	test_ending_hint();
	return done_testing();
}
