/* cases_audit.c - SpeechExec Enterprise sites as the auditor meets them:
 * healthy ones, and each way one can be broken (a flow missing, blocked in
 * each way, unexpected traffic), plus the classification fixtures (DNS
 * names, SNI, hostile names). Site files live with the golden cases. */
#include <string.h>

#include "fixturegen.h"

/* Who is where. The "separate" layout gives each service its own host; the
 * "combined" one puts Mobile Service, SpeechLive Service and WebAccess on
 * one IIS server and both shares on one file server (docs/site-format.md). */
struct layout {
	const char *license, *mobile, *speechlive, *webaccess, *sql, *dc;
	const char *seeroot, *dictations, *smtp, *wfm;
	const char *phone_out, *phone_in, *browser, *cloud, *other_host, *firewall;
	uint16_t license_port;
	/* Dual stack: the IPv6 addresses of the Mobile Service and the
	 * License Server (NULL: IPv4 only). */
	const char *mobile6, *license6;
};

static const struct layout separate = {
	"10.1.0.10", "10.1.0.20", "10.1.0.21", "10.1.0.22", "10.1.0.30", "10.1.0.2",
	"10.1.0.40", "10.1.0.41", "10.1.0.50", "10.1.0.60",
	"203.0.113.7", "10.3.0.15", "10.2.0.55", "20.50.2.10", "93.184.216.34",
	"10.1.0.1", 13667, NULL, NULL,
};

static const struct layout combined = {
	"10.1.0.10", "10.1.0.20", "10.1.0.20", "10.1.0.20", "10.1.0.30", "10.1.0.2",
	"10.1.0.40", "10.1.0.40", "10.1.0.50", "10.1.0.60",
	"203.0.113.7", "10.3.0.15", "10.2.0.55", "20.50.2.10", "93.184.216.34",
	"10.1.0.1", 13667, NULL, NULL,
};

static const struct layout ipv6 = {
	"2001:db8:1::10", "2001:db8:1::20", "2001:db8:1::21", "2001:db8:1::22",
	"2001:db8:1::30", "2001:db8:1::2", "2001:db8:1::40", "2001:db8:1::41",
	"2001:db8:1::50", "2001:db8:1::60", "2001:db8:99::7", "2001:db8:3::15",
	"2001:db8:2::55", "2a01:111:f100::10", "2606:2800:220:1::34",
	"2001:db8:1::1", 13667, NULL, NULL,
};

/* The separate layout with the Mobile Service and the License Server on
 * both IPv4 and IPv6. */
static const struct layout dual_stack = {
	"10.1.0.10", "10.1.0.20", "10.1.0.21", "10.1.0.22", "10.1.0.30", "10.1.0.2",
	"10.1.0.40", "10.1.0.41", "10.1.0.50", "10.1.0.60",
	"203.0.113.7", "10.3.0.15", "10.2.0.55", "20.50.2.10", "93.184.216.34",
	"10.1.0.1", 13667, "fd00::20", "fd00::10",
};

#define LIVEBROKER "livebroker.speechexec.com"

/* What to break. */
enum flaw {
	NO_MOBILE_LICENSE = 1 << 0,
	LICENSE_REFUSED = 1 << 1,
	CLOUD_NO_REPLY = 1 << 2,
	CLOUD_RST = 1 << 3,
	CLOUD_ICMP = 1 << 4,
	CLOUD_TLS_RESET = 1 << 5,
	CLOUD_NXDOMAIN = 1 << 6,
	UNEXPECTED_PORT = 1 << 7,
	WRONG_DIRECTION = 1 << 8,
	SSH_ON_443 = 1 << 9,
	OTHER_INTERNET_HOST = 1 << 10,
	MIDSTREAM_LICENSE = 1 << 11,
	/* With MIDSTREAM_LICENSE: the capture began after the request, so
	 * the License Server's reply is the first packet seen. */
	MIDSTREAM_REPLY_FIRST = 1 << 12,
	/* Not flaws: the rest of the organisation on the same mirror. */
	WORKSTATIONS_AD = 1 << 13,   /* workstations talk to the DCs */
	SQL_STRAY = 1 << 14,         /* the SQL server's other traffic */
	CLOUD_TLS_ALERT = 1 << 15,
	/* The Mobile Service gets its licences over IPv6 (mobile6 to
	 * license6); the rest of its traffic stays IPv4. */
	LICENSE_IPV6 = 1 << 16,
	/* Browsers reach WebAccess on 80, are redirected to https, and their
	 * SYNs to 443 go unanswered. */
	WEBACCESS_REDIRECT = 1 << 17,
};

struct site_run {
	struct gen g;
	const struct layout *l;
	unsigned flaws;
	uint16_t next_port;
	uint16_t dns_id;
};

static uint16_t port(struct site_run *s)
{
	return s->next_port++;
}

static bool has(const struct site_run *s, enum flaw f)
{
	return s->flaws & f;
}

static void tls_exchange(struct site_run *s, const char *client, const char *server,
			 const char *sni, size_t data)
{
	struct conn c;
	uint32_t seed = s->next_port;

	conn_init(&c, &s->g, client, port(s), server, 443);
	tls_session(&c, sni, data, seed);
}

static void http_exchange(struct site_run *s, const char *client, const char *server,
			  uint16_t sport, const char *host, const char *path)
{
	struct conn c;
	struct buf req = { .n = 0 }, resp = { .n = 0 };

	conn_init(&c, &s->g, client, port(s), server, sport);
	http_get(&req, host, path);
	http_ok(&resp, 300);
	tcp_session(&c, req.d, req.n, resp.d, resp.n);
}

static void license_exchange_to(struct site_run *s, const char *client,
				const char *server, bool midstream, bool reply_first)
{
	struct conn c;
	struct buf req = { .n = 0 }, resp = { .n = 0 };

	conn_init(&c, &s->g, client, port(s), server, s->l->license_port);
	license_request(&req, c.cp);
	license_response(&resp, c.cp);
	if (!midstream) {
		tcp_session(&c, req.d, req.n, resp.d, resp.n);
		return;
	}
	/* The capture began while the connection was up. */
	if (reply_first) {
		tcp_data(&c, S2C, resp.d, resp.n);
		tcp_data(&c, C2S, req.d, req.n);
	} else {
		tcp_data(&c, C2S, req.d, req.n);
		tcp_data(&c, S2C, resp.d, resp.n);
	}
	tcp_close(&c);
}

static void license_exchange(struct site_run *s, const char *client, bool midstream,
			     bool reply_first)
{
	license_exchange_to(s, client, s->l->license, midstream, reply_first);
}

/* A browser asks WebAccess over HTTP and is redirected to HTTPS; its
 * SYN to 443 is sent three times and never answered. */
static void webaccess_redirect(struct site_run *s)
{
	struct conn c;
	struct buf req = { .n = 0 }, resp = { .n = 0 };

	conn_init(&c, &s->g, s->l->browser, port(s), s->l->webaccess, 80);
	http_get(&req, "webaccess.clinic.example", "/WebAccess/");
	buf_str(&resp, "HTTP/1.1 301 Moved Permanently\r\nServer: Microsoft-IIS/10.0\r\n"
		"Location: https://webaccess.clinic.example/WebAccess/\r\n"
		"Content-Length: 0\r\n\r\n");
	tcp_session(&c, req.d, req.n, resp.d, resp.n);

	conn_init(&c, &s->g, s->l->browser, port(s), s->l->webaccess, 443);
	for (int attempt = 0; attempt < 3; attempt++) {
		struct pkt syn;
		pkt_init(&syn);
		push_tcp(&s->g, &syn, &c.c, &c.s, c.cp, 443, c.cseq, 0, F_SYN, 64240, true);
		push_ip(&s->g, &syn, &c.c, &c.s, 6);
		emit_ip(&s->g, &syn);
		gen_wait(&s->g, attempt ? 2000000 : 1000000);
	}
}

static void directory_logon(struct site_run *s, const char *host)
{
	struct conn c;
	struct buf q = { .n = 0 }, r = { .n = 0 };

	conn_init(&c, &s->g, host, port(s), s->l->dc, 88);
	kerberos_as_req(&q, true, "svc-speechexec", "CLINIC.EXAMPLE");
	kerberos_as_rep_error(&r, true, "CLINIC.EXAMPLE");
	tcp_session(&c, q.d, q.n, r.d, r.n);

	q.n = r.n = 0;
	conn_init(&c, &s->g, host, port(s), s->l->dc, 389);
	ldap_bind_request(&q, "cn=svc-speechexec,ou=services,dc=clinic,dc=example");
	ldap_bind_response(&r);
	tcp_session(&c, q.d, q.n, r.d, r.n);
}

static void share_access(struct site_run *s, const char *host, const char *share)
{
	struct conn c;
	struct buf q = { .n = 0 }, r = { .n = 0 };

	conn_init(&c, &s->g, host, port(s), share, 445);
	smb2_negotiate_request(&q);
	smb2_negotiate_response(&r);
	tcp_session(&c, q.d, q.n, r.d, r.n);
}

/* A service host's own duties: licenses, directory, shares. */
static void service_host(struct site_run *s, const char *host, bool license)
{
	if (license)
		license_exchange(s, host, false, false);
	directory_logon(s, host);
	share_access(s, host, s->l->seeroot);
	if (strcmp(s->l->seeroot, s->l->dictations) != 0)
		share_access(s, host, s->l->dictations);
}

static void resolve_cloud(struct site_run *s, int rcode)
{
	static const char *const chain[] = { "livebroker.trafficmanager.net",
					     "speechexec-weu.cloudapp.azure.com" };
	struct addr cloud = ip(s->l->cloud);
	struct dns_answer_spec a = { chain, 2, &cloud, 1, 300 };

	dns_exchange(&s->g, s->l->speechlive, port(s), s->l->dc, ++s->dns_id,
		     LIVEBROKER, rcode, rcode == 0 ? &a : NULL);
}

static void cloud_syn_failure(struct site_run *s, bool reset, bool icmp)
{
	struct conn c;
	struct addr fw = ip(s->l->firewall), client = ip(s->l->speechlive);

	conn_init(&c, &s->g, s->l->speechlive, port(s), s->l->cloud, 443);
	for (int attempt = 0; attempt < 3; attempt++) {
		struct pkt syn;
		pkt_init(&syn);
		push_tcp(&s->g, &syn, &c.c, &c.s, c.cp, 443, c.cseq, 0, F_SYN, 64240, true);
		push_ip(&s->g, &syn, &c.c, &c.s, 6);
		struct pkt copy = syn;
		emit_ip(&s->g, &copy);
		if (reset) {
			c.cseq++;
			tcp_seg(&c, S2C, F_RST | F_ACK, NULL, 0);
			c.cseq--;
			return;
		}
		if (icmp)
			icmp_error(&s->g, &fw, &client, fw.version == 4 ? 3 : 1,
				   fw.version == 4 ? 13 : 1, &syn);
		gen_wait(&s->g, attempt ? 2000000 : 1000000);
	}
}

/* A middlebox lets the handshake through, then resets the connection as
 * soon as it sees the ClientHello's server name. */
static void cloud_tls_reset(struct site_run *s)
{
	struct conn c;
	struct buf ch = { .n = 0 };

	conn_init(&c, &s->g, s->l->speechlive, port(s), s->l->cloud, 443);
	tls_client_hello(&ch, LIVEBROKER, c.cp);
	tcp_handshake(&c);
	tcp_seg(&c, C2S, F_PSH | F_ACK, ch.d, ch.n);
	tcp_seg(&c, S2C, F_RST | F_ACK, NULL, 0);
}

/* A TLS-intercepting proxy answers for livebroker with a certificate of
 * its own CA, which the SpeechLive Service does not trust: it sends a
 * fatal unknown_ca alert and closes. */
static void cloud_tls_alert(struct site_run *s)
{
	struct conn c;
	struct buf ch = { .n = 0 }, sf = { .n = 0 }, al = { .n = 0 };

	conn_init(&c, &s->g, s->l->speechlive, port(s), s->l->cloud, 443);
	tls_client_hello(&ch, LIVEBROKER, c.cp);
	tls12_server_flight(&sf, LIVEBROKER, "Contoso", "Contoso TLS Inspection CA", c.cp);
	tls_alert(&al, 2, 48);
	tcp_handshake(&c);
	tcp_data(&c, C2S, ch.d, ch.n);
	tcp_data(&c, S2C, sf.d, sf.n);
	tcp_data(&c, C2S, al.d, al.n);
	tcp_close(&c);
}

static void speechlive_cloud(struct site_run *s)
{
	if (has(s, CLOUD_NXDOMAIN)) {
		resolve_cloud(s, 3);
		return;
	}
	resolve_cloud(s, 0);
	if (has(s, CLOUD_NO_REPLY))
		cloud_syn_failure(s, false, false);
	else if (has(s, CLOUD_RST))
		cloud_syn_failure(s, true, false);
	else if (has(s, CLOUD_ICMP))
		cloud_syn_failure(s, false, true);
	else if (has(s, CLOUD_TLS_RESET))
		cloud_tls_reset(s);
	else if (has(s, CLOUD_TLS_ALERT))
		cloud_tls_alert(s);
	else
		tls_exchange(s, s->l->speechlive, s->l->cloud, LIVEBROKER, 1200);
}

static void sql_access(struct site_run *s)
{
	struct conn c;
	struct buf q = { .n = 0 }, r = { .n = 0 };

	conn_init(&c, &s->g, s->l->speechlive, port(s), s->l->sql, 1433);
	tds_prelogin(&q, false);
	tds_prelogin(&r, true);
	tcp_session(&c, q.d, q.n, r.d, r.n);
}

static void license_server_duties(struct site_run *s)
{
	struct conn c;
	struct buf b = { .n = 0 }, e = { .n = 0 }, r = { .n = 0 };

	http_exchange(s, s->l->license, s->l->wfm, 49256, s->l->wfm, "/health");
	http_exchange(s, s->l->license, s->l->mobile, 80, s->l->mobile,
		      "/MobileService/health");
	conn_init(&c, &s->g, s->l->license, port(s), s->l->smtp, 587);
	smtp_banner(&b);
	smtp_ehlo(&e);
	smtp_ehlo_reply(&r);
	tcp_handshake(&c);
	tcp_data(&c, S2C, b.d, b.n);
	tcp_data(&c, C2S, e.d, e.n);
	tcp_data(&c, S2C, r.d, r.n);
	tcp_close(&c);
}

static void refused_license(struct site_run *s)
{
	struct conn c;
	conn_init(&c, &s->g, s->l->mobile, port(s), s->l->license, s->l->license_port);
	tcp_seg(&c, C2S, F_SYN, NULL, 0);
	tcp_seg(&c, S2C, F_RST | F_ACK, NULL, 0);
}

static void unexpected_traffic(struct site_run *s)
{
	if (has(s, UNEXPECTED_PORT)) {
		struct conn c;
		conn_init(&c, &s->g, s->l->mobile, port(s), s->l->dc, 3389);
		tcp_handshake(&c);
		tcp_close(&c);
	}
	if (has(s, WRONG_DIRECTION)) {
		struct conn c;
		struct buf q = { .n = 0 }, r = { .n = 0 };
		conn_init(&c, &s->g, s->l->license, port(s), s->l->mobile, s->l->license_port);
		license_request(&q, 7);
		license_response(&r, 7);
		tcp_session(&c, q.d, q.n, r.d, r.n);
	}
	if (has(s, SSH_ON_443)) {
		struct conn c;
		struct buf cb = { .n = 0 }, sb = { .n = 0 };
		conn_init(&c, &s->g, s->l->phone_out, port(s), s->l->mobile, 443);
		ssh_banner(&cb, "OpenSSH_9.2p1 Debian-2");
		ssh_banner(&sb, "OpenSSH_8.9p1 Ubuntu-3ubuntu0.4");
		tcp_handshake(&c);
		tcp_data(&c, S2C, sb.d, sb.n);
		tcp_data(&c, C2S, cb.d, cb.n);
		tcp_close(&c);
	}
	if (has(s, OTHER_INTERNET_HOST))
		tls_exchange(s, s->l->speechlive, s->l->other_host, "www.example.com", 400);
}

/* Workstations of the rest of the organisation logging on: Kerberos,
 * LDAP, SMB and RPC to the domain controller, none of SpeechExec's
 * business. */
static void workstations_ad(struct site_run *s)
{
	char ws[32];

	for (unsigned i = 1; i <= 5; i++) {
		struct conn c;
		struct buf q = { .n = 0 }, r = { .n = 0 };
		snprintf(ws, sizeof(ws), "10.4.0.%u", 10 + i);
		directory_logon(s, ws);
		share_access(s, ws, s->l->dc);
		conn_init(&c, &s->g, ws, port(s), s->l->dc, 135);
		dcerpc_bind(&q);
		dcerpc_bind_ack(&r);
		tcp_session(&c, q.d, q.n, r.d, r.n);
	}
}

/* The SQL server's own life: its logon to the domain, an administrator's
 * SSH session out to a host on the internet, and a workstation's query.
 * A peer's traffic that only a "dedicated" site judges. */
static void sql_stray(struct site_run *s)
{
	struct conn c;
	struct buf q = { .n = 0 }, r = { .n = 0 };

	directory_logon(s, s->l->sql);
	conn_init(&c, &s->g, s->l->sql, port(s), "198.51.100.22", 22);
	ssh_banner(&q, "OpenSSH_9.2p1 Debian-2");
	ssh_banner(&r, "OpenSSH_9.6");
	tcp_handshake(&c);
	tcp_data(&c, S2C, r.d, r.n);
	tcp_data(&c, C2S, q.d, q.n);
	tcp_close(&c);
	q.n = r.n = 0;
	conn_init(&c, &s->g, "10.4.0.11", port(s), s->l->sql, 1433);
	tds_prelogin(&q, false);
	tds_prelogin(&r, true);
	tcp_session(&c, q.d, q.n, r.d, r.n);
}

static void run_site(struct site_run *s)
{
	const struct layout *l = s->l;
	bool split = strcmp(l->mobile, l->speechlive) != 0;

	/* Users and devices reach the web services. */
	tls_exchange(s, l->phone_out, l->mobile, "mobile.clinic.example", 800);
	http_exchange(s, l->phone_in, l->mobile, 80, "mobile.clinic.example",
		      "/MobileService/api/dictations");
	if (has(s, WEBACCESS_REDIRECT))
		webaccess_redirect(s);
	else
		tls_exchange(s, l->browser, l->webaccess, "webaccess.clinic.example", 900);

	/* The services' own duties. */
	if (has(s, MIDSTREAM_LICENSE))
		license_exchange(s, l->mobile, true, has(s, MIDSTREAM_REPLY_FIRST));
	if (has(s, LICENSE_IPV6))
		license_exchange_to(s, l->mobile6, l->license6, false, false);
	service_host(s, l->mobile, !has(s, NO_MOBILE_LICENSE) &&
				   !has(s, LICENSE_REFUSED) && !has(s, MIDSTREAM_LICENSE) &&
				   !has(s, LICENSE_IPV6));
	if (has(s, LICENSE_REFUSED))
		refused_license(s);
	if (split) {
		service_host(s, l->speechlive, true);
		service_host(s, l->webaccess, true);
		tls_exchange(s, l->mobile, l->speechlive, "speechlive.clinic.example", 500);
	}
	speechlive_cloud(s);
	sql_access(s);
	license_server_duties(s);
	unexpected_traffic(s);
	if (has(s, WORKSTATIONS_AD))
		workstations_ad(s);
	if (has(s, SQL_STRAY))
		sql_stray(s);
}

static int site_case_kept(const char *path, const struct layout *l, unsigned flaws,
			  uint16_t license_port,
			  bool (*keep)(struct gen *, struct pkt *, void *), void *ctx)
{
	struct site_run s = { .next_port = 49152, .dns_id = 0x4000 };
	struct layout custom = *l;

	s.g.keep_packet = keep;
	s.g.keep_ctx = ctx;

	custom.license_port = license_port ? license_port : l->license_port;
	s.l = &custom;
	s.flaws = flaws;
	if (!gen_open(&s.g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	run_site(&s);
	return gen_finish(&s.g);
}

static int site_case(const char *path, const struct layout *l, unsigned flaws,
		     uint16_t license_port)
{
	return site_case_kept(path, l, flaws, license_port, NULL, NULL);
}

#define SITE_CASE(fn, layout, flaws, port)                            \
	static int fn(const char *path, const struct case_args *a)    \
	{                                                              \
		(void)a;                                               \
		return site_case(path, &layout, flaws, port);          \
	}

SITE_CASE(healthy_separate, separate, 0, 0)
SITE_CASE(healthy_combined, combined, 0, 0)
SITE_CASE(missing_13667, separate, NO_MOBILE_LICENSE, 0)
SITE_CASE(refused_13667, separate, LICENSE_REFUSED, 0)
SITE_CASE(blocked_noreply, separate, CLOUD_NO_REPLY, 0)
SITE_CASE(blocked_rst, separate, CLOUD_RST, 0)
SITE_CASE(blocked_icmp, separate, CLOUD_ICMP, 0)
SITE_CASE(blocked_tlsreset, separate, CLOUD_TLS_RESET, 0)
SITE_CASE(blocked_tls_alert, separate, CLOUD_TLS_ALERT, 0)
SITE_CASE(blocked_nxdomain, separate, CLOUD_NXDOMAIN, 0)
SITE_CASE(unexpected, separate, UNEXPECTED_PORT | WRONG_DIRECTION | SSH_ON_443 |
	  OTHER_INTERNET_HOST, 0)
SITE_CASE(custom_license_port, separate, 0, 23667)
SITE_CASE(speechlive_off, separate, 0, 0)
SITE_CASE(ipv6_site, ipv6, 0, 0)
SITE_CASE(midstream, separate, MIDSTREAM_LICENSE, 0)
SITE_CASE(midstream_reply, separate, MIDSTREAM_LICENSE | MIDSTREAM_REPLY_FIRST, 0)
SITE_CASE(midstream_reply_custom_port, separate,
	  MIDSTREAM_LICENSE | MIDSTREAM_REPLY_FIRST, 23667)
SITE_CASE(peers_workstations, separate, WORKSTATIONS_AD | UNEXPECTED_PORT, 0)
SITE_CASE(dedicated_sql, separate, SQL_STRAY, 0)
SITE_CASE(dual_stack_site, dual_stack, LICENSE_IPV6, 0)
SITE_CASE(webaccess_redirect_site, separate, WEBACCESS_REDIRECT, 0)
#define DEMO_FLAWS (NO_MOBILE_LICENSE | CLOUD_NO_REPLY | UNEXPECTED_PORT | SSH_ON_443)
SITE_CASE(demo, separate, DEMO_FLAWS, 0)

int demo_capture(const char *path,
		 bool (*keep)(struct gen *g, struct pkt *p, void *ctx), void *ctx)
{
	return site_case_kept(path, &separate, DEMO_FLAWS, 0, keep, ctx);
}

/* ---- classification fixtures ---- */

static int dns_cname_tls(const char *path, const struct case_args *a)
{
	struct site_run s = { .next_port = 50000, .dns_id = 0x7000, .l = &separate };

	(void)a;
	if (!gen_open(&s.g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	resolve_cloud(&s, 0);
	gen_wait(&s.g, 50000);
	tls_exchange(&s, separate.speechlive, separate.cloud, NULL, 700);
	return gen_finish(&s.g);
}

static int dns_rcode_case(const char *path, int rcode)
{
	struct site_run s = { .next_port = 50000, .dns_id = 0x7100, .l = &separate };

	if (!gen_open(&s.g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	resolve_cloud(&s, rcode);
	return gen_finish(&s.g);
}

static int dns_nxdomain(const char *path, const struct case_args *a)
{
	(void)a;
	return dns_rcode_case(path, 3);
}

static int dns_refused(const char *path, const struct case_args *a)
{
	(void)a;
	return dns_rcode_case(path, 5);
}

/* A query retransmitted once (same id) and never answered. */
static int dns_unanswered(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct addr c = ip(separate.speechlive), r = ip(separate.dc);
	struct buf q = { .n = 0 };

	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	dns_query(&q, 0x7200, LIVEBROKER, 1);
	udp_send(&g, &c, 50000, &r, 53, q.d, q.n);
	gen_wait(&g, 1000000);
	udp_send(&g, &c, 50000, &r, 53, q.d, q.n);
	return gen_finish(&g);
}

static int dns_aaaa(const char *path, const struct case_args *a)
{
	struct gen g = { 0 };
	struct addr v6 = ip("2001:db8:50::10");
	struct dns_answer_spec ans = { NULL, 0, &v6, 1, 600 };

	(void)a;
	if (!gen_open(&g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	dns_exchange(&g, separate.speechlive, 50001, separate.dc, 0x7300,
		     "ipv6.speechexec.example", 0, &ans);
	return gen_finish(&g);
}

static int sni_script(const char *path, const struct case_args *a)
{
	struct site_run s = { .next_port = 50000, .l = &separate };

	(void)a;
	if (!gen_open(&s.g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	tls_exchange(&s, separate.speechlive, separate.other_host,
		     "<script>alert(1)</script>", 300);
	return gen_finish(&s.g);
}

/* Names an attacker controls, in DNS answers and in TLS server names.
 * (A NUL byte inside a label is covered by the DNS parser's unit test.) */
static int names_hostile(const char *path, const struct case_args *a)
{
	static const char *const names[] = {
		"<b>bold</b>.example", "quote\"and'apos.example",
		"ctl\x01" "byte.example", "esc\x1b[31mred.example",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
		"bad\xc3\x28utf8.example",
	};
	struct site_run s = { .next_port = 50000, .dns_id = 0x7400, .l = &separate };
	char long_name[254];

	(void)a;
	if (!gen_open(&s.g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	/* 253 characters: labels of 61 and a final one. */
	size_t n = 0;
	while (n + 62 < 253) {
		memset(long_name + n, 'l', 61);
		long_name[n + 61] = '.';
		n += 62;
	}
	memset(long_name + n, 'x', 253 - n);
	long_name[253] = '\0';
	for (size_t i = 0; i <= sizeof(names) / sizeof(names[0]); i++) {
		const char *name = i < sizeof(names) / sizeof(names[0]) ? names[i] : long_name;
		struct addr target = ip("93.184.216.34");
		struct dns_answer_spec ans = { NULL, 0, &target, 1, 60 };
		dns_exchange(&s.g, separate.speechlive, port(&s), separate.dc,
			     ++s.dns_id, name, 0, &ans);
		tls_exchange(&s, separate.speechlive, separate.other_host, name, 100);
	}
	return gen_finish(&s.g);
}

/* Names whose characters reorder or hide text on a screen: a right-to-left
 * override makes "abc<RLO>lmth.exe<PDF>.evil" read as "abcexe.html.evil";
 * in an HTTP Host, a TLS server name and a DNS question. */
static int names_bidi(const char *path, const struct case_args *a)
{
	static const char *const names[] = {
		"abc\xe2\x80\xaelmth.exe\xe2\x80\xac.evil",
		"zero\xe2\x80\x8bwidth\xef\xbb\xbf.example",
		"c1\xc2\x9b" "31m.example",
	};
	struct site_run s = { .next_port = 50000, .dns_id = 0x7500, .l = &separate };

	(void)a;
	if (!gen_open(&s.g, path, FMT_PCAP, LINK_ETHERNET, ENCAP_NONE))
		return 1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct addr target = ip("93.184.216.34");
		struct dns_answer_spec ans = { NULL, 0, &target, 1, 60 };
		http_exchange(&s, separate.speechlive, separate.other_host, 80,
			      names[i], "/");
		tls_exchange(&s, separate.speechlive, separate.other_host, names[i], 100);
		dns_exchange(&s.g, separate.speechlive, port(&s), separate.dc,
			     ++s.dns_id, names[i], 0, &ans);
	}
	return gen_finish(&s.g);
}

const struct fixture_case audit_cases[] = {
	{ "healthy-separate", "a healthy site, each service on its own host", FMT_PCAP, healthy_separate, false },
	{ "healthy-combined", "a healthy site, the three web services on one host", FMT_PCAP, healthy_combined, false },
	{ "missing-13667", "the Mobile Service never reaches the License Server", FMT_PCAP, missing_13667, false },
	{ "refused-13667", "the Mobile Service's licence connection is refused (RST)", FMT_PCAP, refused_13667, false },
	{ "blocked-noreply", "SpeechLive's 443 to livebroker: three SYNs, no reply", FMT_PCAP, blocked_noreply, false },
	{ "blocked-rst", "SpeechLive's 443 to livebroker answered by RST", FMT_PCAP, blocked_rst, false },
	{ "blocked-icmp", "SpeechLive's 443 to livebroker answered by ICMP administratively prohibited", FMT_PCAP, blocked_icmp, false },
	{ "blocked-tlsreset", "SpeechLive's TLS to livebroker reset right after the ClientHello", FMT_PCAP, blocked_tlsreset, false },
	{ "blocked-tls-alert", "SpeechLive's TLS to livebroker: an intercepting proxy's certificate, the client's fatal alert unknown_ca", FMT_PCAP, blocked_tls_alert, false },
	{ "blocked-nxdomain", "livebroker.speechexec.com answered NXDOMAIN", FMT_PCAP, blocked_nxdomain, false },
	{ "unexpected", "RDP to a DC, licence traffic the wrong way, SSH on 443, TLS to another internet host", FMT_PCAP, unexpected, false },
	{ "custom-license-port", "a License Server on port 23667", FMT_PCAP, custom_license_port, false },
	{ "speechlive-off", "SpeechLive traffic at a site that switched SpeechLive off", FMT_PCAP, speechlive_off, false },
	{ "ipv6-site", "a healthy site on IPv6", FMT_PCAP, ipv6_site, false },
	{ "midstream", "the capture starts in the middle of the licence connection", FMT_PCAP, midstream, false },
	{ "midstream-reply", "the capture starts with the License Server's reply on 13667", FMT_PCAP, midstream_reply, false },
	{ "midstream-reply-custom-port", "the capture starts with the License Server's reply on 23667", FMT_PCAP, midstream_reply_custom_port, false },
	{ "demo", "the demo: observed, missing, blocked and unexpected flows", FMT_PCAP, demo, false },
	{ "peers-workstations", "workstations log on to the DCs; the Mobile Service's RDP to a DC", FMT_PCAP, peers_workstations, false },
	{ "dedicated-sql", "the SQL server's logon, SSH out and a workstation's query", FMT_PCAP, dedicated_sql, false },
	{ "dual-stack", "the Mobile Service's licence connection over IPv6, its other traffic over IPv4", FMT_PCAP, dual_stack_site, false },
	{ "webaccess-redirect", "browsers reach WebAccess on 80, are redirected to 443, whose SYNs go unanswered", FMT_PCAP, webaccess_redirect_site, false },
	{ "dns-cname-tls", "CNAME chain to 20.50.2.10, then TLS without SNI to it", FMT_PCAP, dns_cname_tls, false },
	{ "dns-nxdomain", "livebroker.speechexec.com answered NXDOMAIN", FMT_PCAP, dns_nxdomain, false },
	{ "dns-refused", "livebroker.speechexec.com answered REFUSED", FMT_PCAP, dns_refused, false },
	{ "dns-unanswered", "a query sent twice, never answered", FMT_PCAP, dns_unanswered, false },
	{ "dns-aaaa", "an AAAA answer", FMT_PCAP, dns_aaaa, false },
	{ "sni-script", "TLS whose SNI is <script>alert(1)</script>", FMT_PCAP, sni_script, false },
	{ "names-hostile", "DNS names and SNIs with markup, quotes, NUL, ESC, long labels, bad UTF-8", FMT_PCAP, names_hostile, false },
	{ "names-bidi", "HTTP Host, SNI and DNS names with a right-to-left override, invisible characters, a C1 control", FMT_PCAP, names_bidi, false },
	{ NULL, NULL, FMT_PCAP, NULL, false },
};
