/* cases_edges.c - the edges a mutation run found untested: both ends of a
 * port range (and the port just below it), a UDP service refused by ICMP
 * port unreachable, and server names built to break the audit reports'
 * quoting (CSV, HTML, XML). Addresses are those of the "separate" site
 * (tests/e2e/sites/separate.json): License Server 10.1.0.10, Mobile
 * Service 10.1.0.20, SpeechLive Service 10.1.0.21, WebAccess 10.1.0.22,
 * domain controller 10.1.0.2. */
#include <string.h>

#include "fixturegen.h"

#define LICENSE "10.1.0.10"
#define MOBILE "10.1.0.20"
#define SPEECHLIVE "10.1.0.21"
#define WEBACCESS "10.1.0.22"
#define DC "10.1.0.2"
/* A host none of the site's roles holds: only a site exception lets the
 * License Server talk to it (tests/e2e/sites/port-range-allow.json). */
#define OUTSIDE "10.9.9.9"

/* A TCP connection that opens, says a few bytes each way and closes. */
static void tcp_talk(struct gen *g, const char *client, uint16_t cport,
		     const char *server, uint16_t sport)
{
	static const char req[] = "ping", resp[] = "pong";
	struct conn c;

	conn_init(&c, g, client, cport, server, sport);
	tcp_session(&c, req, sizeof(req) - 1, resp, sizeof(resp) - 1);
}

/* The RPC range of the *-ad-other rules is tcp/49152-65535: its lowest
 * port (Mobile Service), its highest (SpeechLive Service) and the port
 * just below it (WebAccess, unexpected). Then the License Server to a host
 * of no role on 59999, 60000 and 65535, which a site exception for
 * 60000-65535 covers in part. */
static int port_range_edges(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };

	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	tcp_talk(&g, MOBILE, 50001, DC, 49152);
	tcp_talk(&g, SPEECHLIVE, 50002, DC, 65535);
	tcp_talk(&g, WEBACCESS, 50003, DC, 49151);
	tcp_talk(&g, LICENSE, 50004, OUTSIDE, 59999);
	tcp_talk(&g, LICENSE, 50005, OUTSIDE, 60000);
	tcp_talk(&g, LICENSE, 50006, OUTSIDE, 65535);
	return gen_finish(&g);
}

/* The Mobile Service asks the domain controller for a Kerberos ticket over
 * udp/88, twice; the controller has nothing on that port and answers each
 * datagram with ICMP port unreachable (type 3 code 3), quoting it. */
static int udp_icmp_unreachable(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct addr client = ip(MOBILE), dc = ip(DC);
	struct buf req = { .n = 0 };

	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	kerberos_as_req(&req, false, "svc-speechexec", "CLINIC.EXAMPLE");
	for (int attempt = 0; attempt < 2; attempt++) {
		struct pkt d;
		pkt_init(&d);
		pkt_append(&d, req.d, req.n);
		push_udp(&g, &d, &client, &dc, 50088, 88);
		push_ip(&g, &d, &client, &dc, 17);
		struct pkt copy = d;
		emit_ip(&g, &copy);
		icmp_error(&g, &dc, &client, 3, 3, &d);
		gen_wait(&g, 1000000);
	}
	return gen_finish(&g);
}

/* Server names that a careless writer would let out of their cell or
 * element: a comma, a double quote, a line break (each alone, then all
 * three), markup that closes a cell and opens a tag, an attribute breakout,
 * an entity that must not be decoded twice, and a spreadsheet formula.
 * Each name is the TLS server name of a connection from the SpeechLive
 * Service to an internet host of its own, so each is the server name of
 * an unexpected finding of its own. The last host is one a site exception
 * covers (tests/e2e/sites/hostile-text.json). */
static const char *const hostile_names[] = {
	"comma,host.example",
	"quote\"host.example",
	"line\nbreak.example",
	"all,of\"them\nhere.example",
	"x</code></td></tr><script>alert(1)</script>.example",
	"q\"><img src=x onerror=alert(2)>.example",
	"amp&amp;lt;&#39;.example",
	"=HYPERLINK(\"http://evil.example\").example",
};

static int hostile_audit_names(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	uint16_t cport = 51000;

	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	for (size_t i = 0; i <= sizeof(hostile_names) / sizeof(hostile_names[0]); i++) {
		bool excused = i == sizeof(hostile_names) / sizeof(hostile_names[0]);
		char server[32];
		struct conn c;
		snprintf(server, sizeof(server), "93.184.216.%zu", 40 + i);
		conn_init(&c, &g, SPEECHLIVE, cport++, server, 443);
		tls_session(&c, excused ? "excused.example" : hostile_names[i], 200,
			    (uint32_t)i + 1);
	}
	return gen_finish(&g);
}

const struct fixture_case edge_cases[] = {
	{ "port-range-edges", "tcp/49152 and tcp/65535 (both ends of the RPC range) and tcp/49151 to a DC; 59999, 60000, 65535 to a host of no role", FMT_PCAP, port_range_edges, false },
	{ "udp-icmp-unreachable", "the Mobile Service's Kerberos over udp/88 answered twice by ICMP port unreachable", FMT_PCAP, udp_icmp_unreachable, false },
	{ "hostile-audit-names", "TLS server names with commas, quotes, line breaks, markup and a formula, one internet host each", FMT_PCAP, hostile_audit_names, false },
	{ NULL, NULL, FMT_PCAP, NULL, false },
};
