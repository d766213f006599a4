/* test_shard.c - what a sharded run (cli/pipeline_threads.h) rests on:
 * packet_shard_hash sends both directions of a flow, all its ports and the
 * ICMP errors quoting it the same way; classifier_learn_names lets a
 * worker name its flows by DNS answers another worker's flow carried, and
 * from the reader's digest of the answer (dns_digest.h) exactly as from
 * the packet;
 * classifier_reads_bytes says which packets a worker gets without their
 * bytes; shard_default_workers takes no more workers than one reader
 * feeds. */
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "classify/classify.h"
#include "classify/dns_digest.h"
#include "cli/pipeline_threads.h"
#include "tap.h"

static struct packet tcp_packet(const uint8_t a[4], uint16_t ap,
				const uint8_t b[4], uint16_t bp)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	p.ts_us = 1700000000000000ull;
	p.ip_version = 4;
	p.ip_proto = IP_PROTO_TCP;
	memcpy(p.src.b, a, 4);
	memcpy(p.dst.b, b, 4);
	p.sport = ap;
	p.dport = bp;
	p.has_l4 = true;
	p.tcp_flags = TCP_SYN;
	return p;
}

static void test_shard_hash(void)
{
	static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 192, 0, 2, 7 },
			     c[4] = { 192, 0, 2, 8 }, r[4] = { 10, 0, 0, 254 };
	struct packet ab = tcp_packet(a, 40000, b, 443);
	struct packet ba = tcp_packet(b, 443, a, 40000);
	struct packet ab2 = tcp_packet(a, 40001, b, 80);
	struct packet ac = tcp_packet(a, 40000, c, 443);

	ok(packet_shard_hash(&ab, true) == packet_shard_hash(&ba, true),
	   "both directions of a flow hash alike");
	ok(packet_shard_hash(&ab, true) == packet_shard_hash(&ab2, true),
	   "other ports between the same addresses hash alike (a fragment has none)");
	ok(packet_shard_hash(&ab, true) != packet_shard_hash(&ac, true),
	   "another address pair hashes otherwise");
	struct packet udp = ab;
	udp.ip_proto = IP_PROTO_UDP;
	ok(packet_shard_hash(&ab, true) != packet_shard_hash(&udp, true),
	   "the IP protocol is part of the key");

	/* A router's "port unreachable" to a about a's packet to b. */
	struct packet icmp;
	memset(&icmp, 0, sizeof(icmp));
	icmp.ip_version = 4;
	icmp.ip_proto = IP_PROTO_ICMP;
	memcpy(icmp.src.b, r, 4);
	memcpy(icmp.dst.b, a, 4);
	icmp.icmp_type = 3;
	icmp.icmp_code = 3;
	icmp.has_l4 = true;
	icmp.quote = (struct icmp_quote){ .present = true, .ip_version = 4,
		.proto = IP_PROTO_TCP, .sport = 40000, .dport = 443, .has_ports = true };
	memcpy(icmp.quote.src.b, a, 4);
	memcpy(icmp.quote.dst.b, b, 4);
	ok(packet_shard_hash(&icmp, true) == packet_shard_hash(&ab, true),
	   "an ICMP error hashes by the packet it quotes");
	ok(packet_shard_hash(&icmp, false) != packet_shard_hash(&ab, true),
	   "and by its own addresses when asked");
}

/* A DNS response from 10.0.0.53 to 10.0.0.1: example.com A 192.0.2.7. */
static size_t dns_response(uint8_t *m)
{
	static const uint8_t msg[] = {
		0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0, 1, 0, 1,
		0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 7,
	};
	memcpy(m, msg, sizeof(msg));
	return sizeof(msg);
}

/* Ends the IPv4 flow in slot (orig to resp, ports as given) at ts: what
 * the classifier makes of it. answered: the responder sent a packet too. */
static struct flow_class end_flow(struct classifier *c, uint32_t slot, uint8_t proto,
				  const uint8_t orig[4], uint16_t orig_p,
				  const uint8_t resp[4], uint16_t resp_p,
				  uint64_t ts, bool answered)
{
	struct flow_record r;
	struct flow_class fc;

	memset(&r, 0, sizeof(r));
	r.ip_version = 4;
	r.proto = proto;
	memcpy(r.orig_h.b, orig, 4);
	memcpy(r.resp_h.b, resp, 4);
	r.orig_p = orig_p;
	r.resp_p = resp_p;
	r.first_us = r.last_us = ts;
	r.orig.pkts = 1;
	r.resp.pkts = answered;
	memset(&fc, 0, sizeof(fc));
	classifier_flow_end(c, &r, slot, &fc);
	return fc;
}

/* What a classifier names a new flow from 10.0.0.1 to 192.0.2.7:443. */
static void name_of_new_flow(struct classifier *c, char *out, size_t n)
{
	static const uint8_t cli[4] = { 10, 0, 0, 1 }, srv[4] = { 192, 0, 2, 7 };
	struct packet syn = tcp_packet(cli, 40000, srv, 443);
	syn.ts_us += 1000000;
	struct flow_update u = { .slot = 1, .created = true, .from_orig = true,
				 .want_packets = true };

	classifier_packet(c, &u, &syn);
	struct flow_class fc = end_flow(c, 1, IP_PROTO_TCP, cli, 40000, srv, 443,
					syn.ts_us, false);
	snprintf(out, n, "%s", fc.server_name);
}

static void test_learn_names(void)
{
	static const uint8_t resolver[4] = { 10, 0, 0, 53 }, cli[4] = { 10, 0, 0, 1 };
	struct classify_options o;
	char err[256], name[256];
	uint8_t payload[128];

	classify_options_default(&o);
	o.dpi = false;
	o.max_flows = 4;
	o.dns_flows = 4;
	struct classifier *learner = classifier_new(&o, err, sizeof(err));
	struct classifier *other = classifier_new(&o, err, sizeof(err));
	if (!ok(learner && other, "two classifiers")) {
		classifier_free(learner);
		classifier_free(other);
		return;
	}
	struct packet resp = tcp_packet(resolver, 53, cli, 40000);
	resp.ip_proto = IP_PROTO_UDP;
	resp.tcp_flags = 0;
	resp.payload = payload;
	resp.payload_caplen = resp.payload_len = (uint32_t)dns_response(payload);
	classifier_learn_names(learner, &resp);

	name_of_new_flow(learner, name, sizeof(name));
	is_str(name, "example.com", "a flow is named by an answer learnt from another worker's flow");
	name_of_new_flow(other, name, sizeof(name));
	is_str(name, "", "a classifier that learnt nothing names nothing");

	struct classifier_stats s;
	classifier_stats(learner, &s);
	ok(s.dns_messages == 0 && s.dns_flows_untracked == 0,
	   "learning counts no DNS message: the owning worker counts it");
	ok(s.name_index_entries == 1, "the answer is in the name index (%llu entries)",
	   (unsigned long long)s.name_index_entries);

	/* A query teaches nothing. */
	struct classifier *q = classifier_new(&o, err, sizeof(err));
	if (q) {
		payload[2] = 0x01;  /* QR clear: a query */
		payload[3] = 0x00;
		classifier_learn_names(q, &resp);
		name_of_new_flow(q, name, sizeof(name));
		is_str(name, "", "a DNS query names nothing");
		classifier_free(q);
	}
	classifier_free(learner);
	classifier_free(other);
}

/* A DNS flow (10.0.0.1:40000 to the resolver, slot 2): its query, then its
 * response, which the classifier reads from digest when one is given (the
 * response's own payload is then garbage: only the digest can teach it);
 * returns what the flow's end says. */
static struct flow_class dns_flow(struct classifier *c, const void *digest, size_t len)
{
	static const uint8_t resolver[4] = { 10, 0, 0, 53 }, cli[4] = { 10, 0, 0, 1 };
	uint8_t query[128], response[128];

	size_t n = dns_response(query);
	query[2] = 0x01;  /* QR clear: the query */
	query[3] = 0x00;
	query[7] = 0;     /* no answers */
	struct packet q = tcp_packet(cli, 40000, resolver, 53);
	q.ip_proto = IP_PROTO_UDP;
	q.tcp_flags = 0;
	q.payload = query;
	q.payload_caplen = q.payload_len = (uint32_t)(n - 16);
	struct flow_update u = { .slot = 2, .created = true, .from_orig = true,
				 .want_packets = true };
	classifier_packet(c, &u, &q);

	struct packet a = tcp_packet(resolver, 53, cli, 40000);
	a.ip_proto = IP_PROTO_UDP;
	a.tcp_flags = 0;
	a.payload = response;
	a.payload_caplen = a.payload_len = (uint32_t)dns_response(response);
	if (digest)
		memset(response, 0xff, sizeof(response));
	u.created = false;
	u.from_orig = false;
	classifier_expect_digest(c, &a, digest, len);
	classifier_packet(c, &u, &a);
	classifier_expect_digest(c, NULL, NULL, 0);
	return end_flow(c, 2, IP_PROTO_UDP, cli, 40000, resolver, 53, a.ts_us, true);
}

/* The reader parses a DNS answer once and hands workers its digest: the
 * flow's own worker keeps the same DNS outcome, and every worker names
 * flows by it, as when each parsed the packet. */
static void test_learn_digest(void)
{
	static const uint8_t resolver[4] = { 10, 0, 0, 53 }, cli[4] = { 10, 0, 0, 1 };
	static uint8_t digest[1024] __attribute__((aligned(8)));
	struct classify_options o;
	char err[256], name[256];
	uint8_t payload[128];
	struct dns_message *m = malloc(sizeof(*m));

	classify_options_default(&o);
	o.dpi = false;
	o.max_flows = 4;
	o.dns_flows = 4;
	size_t n = dns_response(payload);
	size_t len = m && dns_parse(payload, n, m) ? dns_digest_pack(m, digest, sizeof(digest)) : 0;
	free(m);
	struct classifier *parsed = classifier_new(&o, err, sizeof(err));
	struct classifier *digested = classifier_new(&o, err, sizeof(err));
	struct classifier *learner = classifier_new(&o, err, sizeof(err));
	if (!ok(len && parsed && digested && learner, "a digest and three classifiers")) {
		classifier_free(parsed);
		classifier_free(digested);
		classifier_free(learner);
		return;
	}

	struct flow_class want = dns_flow(parsed, NULL, 0), got = dns_flow(digested, digest, len);
	ok(want.dns.is_dns && want.dns.responses == 1 && want.dns.rcode == 0,
	   "the flow parsed from its packets has its response");
	ok(got.dns.is_dns && got.dns.queries == want.dns.queries &&
	   got.dns.responses == want.dns.responses && got.dns.rcode == want.dns.rcode &&
	   got.dns.answers == want.dns.answers && got.dns.unanswered == want.dns.unanswered &&
	   got.dns.qtype == want.dns.qtype && strcmp(got.dns.query, want.dns.query) == 0,
	   "from the digest: the same DNS outcome (%u answers, query %s)",
	   got.dns.answers, got.dns.query);
	struct classifier_stats s;
	classifier_stats(digested, &s);
	ok(s.dns_messages == 2 && s.dns_unparsed == 0,
	   "two messages counted, none unparsable: the garbage payload was not read");
	name_of_new_flow(digested, name, sizeof(name));
	is_str(name, "example.com", "the flow's own worker names by the digest's answer");

	struct packet resp = tcp_packet(resolver, 53, cli, 40000);
	resp.ip_proto = IP_PROTO_UDP;
	classifier_learn_digest(learner, digest, len, &resp);
	name_of_new_flow(learner, name, sizeof(name));
	is_str(name, "example.com", "another worker names by the digest alone");
	classifier_stats(learner, &s);
	ok(s.dns_messages == 0 && s.name_index_entries == 1,
	   "learning from a digest counts no message (%llu index entries)",
	   (unsigned long long)s.name_index_entries);

	classifier_free(parsed);
	classifier_free(digested);
	classifier_free(learner);
}

/* Pair i of the balance test: clients in one /16 (IPv4) or differing in
 * the last bytes only (IPv6), to one of five servers, as a site looks. */
static struct packet balance_pair(bool v6, unsigned i)
{
	struct packet p;
	uint8_t *c = p.src.b, *s = p.dst.b;

	memset(&p, 0, sizeof(p));
	p.ip_version = v6 ? 6 : 4;
	p.ip_proto = IP_PROTO_TCP;
	unsigned last = v6 ? 15 : 3;
	c[0] = v6 ? 0x20 : 10;
	c[1] = v6 ? 0x01 : 1;
	c[last - 1] = (uint8_t)(i >> 8);
	c[last] = (uint8_t)i;
	s[0] = v6 ? 0x20 : 192;
	s[last] = (uint8_t)(1 + i % 5);
	return p;
}

/* The workers share the flows evenly: 40,000 address pairs land on each
 * of 2, 3 and 4 workers within 3% of an even share. A hash that ignored
 * some address bytes would pile them on one worker; the outputs would
 * still agree, so only this test would notice. */
static void test_shard_balance(void)
{
	static const unsigned workers[] = { 2, 3, 4 };
	enum { PAIRS = 40000 };

	for (int v6 = 0; v6 <= 1; v6++) {
		for (size_t w = 0; w < sizeof(workers) / sizeof(workers[0]); w++) {
			unsigned n = workers[w], count[4] = { 0 };
			for (unsigned i = 0; i < PAIRS; i++) {
				struct packet p = balance_pair(v6, i);
				count[packet_shard_hash(&p, true) % n]++;
			}
			bool even = true;
			for (unsigned k = 0; k < n; k++)
				if (count[k] < PAIRS / n * 97 / 100 || count[k] > PAIRS / n * 103 / 100)
					even = false;
			ok(even, "IPv%d pairs spread evenly over %u workers (first: %u of %u)",
			   v6 ? 6 : 4, n, count[0], PAIRS);
		}
	}
}

/* One worker per usable CPU, but no more than one reader keeps busy, and
 * one when the count is unknown (sysconf's -1). */
static void test_default_workers(void)
{
	is_int(shard_default_workers(-1), 1, "default workers: CPUs unknown, one");
	is_int(shard_default_workers(0), 1, "default workers: no CPU reported, one");
	is_int(shard_default_workers(1), 1, "default workers: one CPU, one");
	is_int(shard_default_workers(2), 2, "default workers: two CPUs, two");
	is_int(shard_default_workers(SHARD_DEFAULT_WORKERS_MAX), SHARD_DEFAULT_WORKERS_MAX,
	       "default workers: as many as the cap");
	is_int(shard_default_workers(64), SHARD_DEFAULT_WORKERS_MAX,
	       "default workers: 64 CPUs, the cap (8)");
	is_int(shard_default_workers(4096), SHARD_DEFAULT_WORKERS_MAX,
	       "default workers: 4096 CPUs, the cap");
	ok(SHARD_DEFAULT_WORKERS_MAX <= SHARD_WORKERS_MAX,
	   "the default cap is within what --threads accepts");
}

/* What a worker's packets carry (cli/pipeline_threads.c): the bytes of
 * every packet when the classifier runs nDPI, of DNS alone when not. */
static void test_reads_bytes(void)
{
	static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 192, 0, 2, 1 };
	struct classify_options o;
	char err[256];
	struct packet web = tcp_packet(a, 40000, b, 443), dns_tcp = tcp_packet(a, 40001, b, 53);
	struct packet dns_udp = tcp_packet(b, 53, a, 40002);

	dns_udp.ip_proto = IP_PROTO_UDP;
	classify_options_default(&o);
	o.max_flows = 4;
	o.dns_flows = 4;
	o.dpi = false;
	struct classifier *plain = classifier_new(&o, err, sizeof(err));
	o.dpi = true;
	struct classifier *dpi = classifier_new(&o, err, sizeof(err));
	if (ok(plain && dpi, "classifiers with and without nDPI")) {
		ok(!classifier_reads_bytes(plain, &web),
		   "without nDPI, a TCP 443 packet's bytes are not read");
		ok(classifier_reads_bytes(plain, &dns_udp) && classifier_reads_bytes(plain, &dns_tcp),
		   "without nDPI, DNS over UDP and TCP is read (either port 53)");
		ok(classifier_reads_bytes(dpi, &web) && classifier_reads_bytes(dpi, &dns_udp),
		   "with nDPI, every packet is read");
	}
	classifier_free(plain);
	classifier_free(dpi);
}

int main(void)
{
	test_shard_hash();
	test_shard_balance();
	test_learn_names();
	test_learn_digest();
	test_reads_bytes();
	test_default_workers();
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}
