/* cases_confidence.c - captures that measure how sure nDPI's identifications
 * are (docs/app-confidence.md): flows of random bytes, which no protocol
 * carries, so whatever nDPI names on them is a heuristic firing on noise;
 * and the real protocols the application constraint must still catch.
 *
 * Layout (tests/e2e/sites/random-payload.json binds it): the License Server
 * 10.1.0.10 (tcp/13667), the Mobile Service 10.1.0.20 (tcp/443 and tcp/80),
 * the SQL Server 10.1.0.30 (tcp/1433), the SEERoot share 10.1.0.40
 * (tcp/445), a domain controller 10.1.0.2 (tcp/88). Clients of 443 and 80
 * are mobile clients in 10.4.0.0/16; clients of the others are the three
 * IIS services 10.1.0.20-22, as the matrix has them. */
#include <string.h>

#include "fixturegen.h"

static struct addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct addr x = { .version = 4, .b = { a, b, c, d } };
	return x;
}

/* The server ports, in the order flows take them. */
static const uint16_t random_ports[] = { 13667, 443, 80, 1433, 445, 88 };
#define NPORTS (sizeof(random_ports) / sizeof(random_ports[0]))

static struct addr random_server(uint16_t port)
{
	switch (port) {
	case 13667:
		return v4(10, 1, 0, 10);
	case 443:
	case 80:
		return v4(10, 1, 0, 20);
	case 1433:
		return v4(10, 1, 0, 30);
	case 445:
		return v4(10, 1, 0, 40);
	default:
		return v4(10, 1, 0, 2);
	}
}

/* A client the matrix allows to reach that port: mobile clients for the
 * web ports; for SQL the SpeechLive Service (the only one with a rule);
 * else the three IIS services in turn. */
static struct addr random_client(uint16_t port, uint64_t k)
{
	if (port == 443 || port == 80)
		return v4(10, 4, (uint8_t)(k >> 8), (uint8_t)(k | 1));
	if (port == 1433)
		return v4(10, 1, 0, 21);
	return v4(10, 1, 0, (uint8_t)(20 + k % 3));
}

static void random_bytes(uint8_t *d, size_t n, uint64_t *rng)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t r = rng_next(rng);
		for (size_t k = 0; k < 8 && i + k < n; k++)
			d[i + k] = (uint8_t)(r >> (8 * k));
	}
}

/* Flows of uniformly random payload, both directions, each side sending
 * min..max data segments of 16..1400 bytes, the sides in a random order.
 * Client ports come from Windows' ephemeral range (49152 up), none a
 * service's well-known port, unique per client and server port for 16384
 * flows a port (--count up to 98304).
 * Flow i goes to random_ports[i % 6]; (i / 6) even opens with a full
 * handshake from the SYN, odd is picked up mid-stream (no SYN seen,
 * sequence numbers far from the generator's usual ISNs) and its first
 * segment is the client's or the server's at random. Half of the handshake
 * flows close with FINs; the mid-stream ones stay open, as a long-lived
 * connection does. Same --seed, same bytes. */
static int random_flows(const char *path, const struct case_args *a, uint64_t dflt,
			unsigned min_segs, unsigned max_segs)
{
	struct gen g = { 0 };
	uint64_t n = a->count ? a->count : dflt;
	uint64_t rng = 0x5eed0000u ^ a->seed;
	uint8_t data[1400];

	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	g.step_us = 100;
	for (uint64_t i = 0; i < n; i++) {
		uint16_t sport = random_ports[i % NPORTS];
		uint64_t k = i / NPORTS;
		bool midstream = k % 2;
		struct conn c;
		conn_init_addr(&c, &g, random_client(sport, k),
			       (uint16_t)(49152 + k % 16384), random_server(sport), sport);
		unsigned span = max_segs - min_segs + 1;
		unsigned left[2] = { min_segs + (unsigned)(rng_next(&rng) % span),
				     min_segs + (unsigned)(rng_next(&rng) % span) };
		enum dir next = C2S;
		if (midstream) {
			c.cseq += (uint32_t)rng_next(&rng);
			c.sseq += (uint32_t)rng_next(&rng);
			if (rng_next(&rng) % 2)
				next = S2C;
		} else {
			tcp_handshake(&c);
		}
		while (left[C2S] || left[S2C]) {
			if (!left[next])
				next = next == C2S ? S2C : C2S;
			size_t len = 16 + (size_t)(rng_next(&rng) % (1400 - 16 + 1));
			random_bytes(data, len, &rng);
			tcp_seg(&c, next, F_PSH | F_ACK, data, len);
			left[next]--;
			next = rng_next(&rng) % 2 ? C2S : S2C;
		}
		if (!midstream && rng_next(&rng) % 2)
			tcp_close(&c);
	}
	return gen_finish(&g);
}

/* 10,000 flows of a few segments each way (1..4). */
static int random_payload(const char *path, const struct case_args *a)
{
	return random_flows(path, a, 10000, 1, 4);
}

/* 1,000 long-lived flows: 40 segments each way, as many as nDPI reads of
 * a flow before it gives up (80 packets), so every detector gets every
 * chance. */
static int random_payload_long(const char *path, const struct case_args *a)
{
	return random_flows(path, a, 1000, 40, 40);
}

/* A telnet session from the Mobile Service to the License Server, as a
 * Linux telnetd opens one: option negotiation both ways (nDPI names telnet
 * after three packets of IAC commands), the terminal type asked and told,
 * a login prompt, a user name typed a character at a time and echoed. */
static void telnet_session(struct gen *g, uint16_t cport, uint16_t sport)
{
	struct conn c;
	/* IAC DO TTYPE, DO TSPEED, DO XDISPLOC, DO NEW-ENVIRON */
	static const uint8_t srv_do[] = {
		0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20, 0xff, 0xfd, 0x23, 0xff, 0xfd, 0x27,
	};
	/* IAC WILL TTYPE, WONT TSPEED, WONT XDISPLOC, WONT NEW-ENVIRON */
	static const uint8_t cli_will[] = {
		0xff, 0xfb, 0x18, 0xff, 0xfc, 0x20, 0xff, 0xfc, 0x23, 0xff, 0xfc, 0x27,
	};
	/* IAC SB TTYPE SEND IAC SE */
	static const uint8_t srv_ttype_send[] = { 0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0 };
	/* IAC SB TTYPE IS "XTERM" IAC SE */
	static const uint8_t cli_ttype_is[] = {
		0xff, 0xfa, 0x18, 0x00, 'X', 'T', 'E', 'R', 'M', 0xff, 0xf0,
	};
	/* IAC WILL ECHO, WILL SGA, DO SGA */
	static const uint8_t srv_echo[] = { 0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03, 0xff, 0xfd, 0x03 };
	/* IAC DO ECHO, DO SGA, WILL SGA */
	static const uint8_t cli_echo[] = { 0xff, 0xfd, 0x01, 0xff, 0xfd, 0x03, 0xff, 0xfb, 0x03 };
	static const char prompt[] = "\r\nlic01 login: ";
	static const char user[] = "admin\r";
	static const char pass_prompt[] = "\r\nPassword: ";

	conn_init(&c, g, "10.1.0.20", cport, "10.1.0.10", sport);
	tcp_handshake(&c);
	tcp_data(&c, S2C, srv_do, sizeof(srv_do));
	tcp_data(&c, C2S, cli_will, sizeof(cli_will));
	tcp_data(&c, S2C, srv_ttype_send, sizeof(srv_ttype_send));
	tcp_data(&c, C2S, cli_ttype_is, sizeof(cli_ttype_is));
	tcp_data(&c, S2C, srv_echo, sizeof(srv_echo));
	tcp_data(&c, C2S, cli_echo, sizeof(cli_echo));
	tcp_data(&c, S2C, prompt, sizeof(prompt) - 1);
	for (size_t i = 0; i < sizeof(user) - 1; i++) {
		tcp_data(&c, C2S, user + i, 1);
		if (user[i] != '\r')
			tcp_data(&c, S2C, user + i, 1);  /* the server's echo */
	}
	tcp_data(&c, S2C, pass_prompt, sizeof(pass_prompt) - 1);
	tcp_close(&c);
}

/* Telnet to the License Server: on port 23, which the matrix does not
 * allow there, and on the licence port 13667, where the licence rule
 * allows only what nDPI cannot name (apps ["unknown"]): a confident
 * identification, so an application mismatch. */
static int telnet_license(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };

	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	telnet_session(&g, 50023, 23);
	telnet_session(&g, 50024, 13667);
	return gen_finish(&g);
}

/* The user report: a licence connection from the Mobile Service, open
 * before the capture started, whose proprietary bytes nDPI names RTMP (a
 * streaming-media protocol): its detector wants only a first byte of 0x03
 * or 0x06 one way and one of 0x03, 0x06, 0x08-0x0a back, which one flow of
 * random bytes in about 6,000 shows (docs/app-confidence.md). Here the
 * request happens to begin 0x03 and the reply 0x06; the rest is random. */
static int midstream_license_rtmp(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct conn c;
	uint64_t rng = 0x11c3a5eu ^ a->seed;
	uint8_t data[600];

	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	conn_init(&c, &g, "10.1.0.20", 49801, "10.1.0.10", 13667);
	c.cseq += 0x3a000000u;  /* long past the connection's start */
	c.sseq += 0x51000000u;
	for (unsigned round = 0; round < 4; round++) {
		size_t qlen = 120 + (size_t)(rng_next(&rng) % 200);
		size_t rlen = 200 + (size_t)(rng_next(&rng) % 400);
		random_bytes(data, qlen, &rng);
		if (round == 0)
			data[0] = 0x03;
		tcp_data(&c, C2S, data, qlen);
		random_bytes(data, rlen, &rng);
		if (round == 0)
			data[0] = 0x06;
		tcp_data(&c, S2C, data, rlen);
	}
	return gen_finish(&g);
}

const struct fixture_case confidence_cases[] = {
	{ "random-payload", "N flows of random bytes on 13667, 443, 80, 1433, 445, 88, half mid-stream (nDPI's heuristics on noise)", FMT_PCAP, random_payload, true },
	{ "random-payload-long", "N flows of random bytes, 40 segments each way (all of nDPI's packets)", FMT_PCAP, random_payload_long, true },
	{ "midstream-license-rtmp", "a licence connection picked up mid-stream whose bytes nDPI names RTMP", FMT_PCAP, midstream_license_rtmp, false },
	{ "telnet-license", "telnet from the Mobile Service to the License Server, on 23 and on 13667", FMT_PCAP, telnet_license, false },
	{ NULL, NULL, FMT_PCAP, NULL, false },
};
