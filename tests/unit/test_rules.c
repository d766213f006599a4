/* test_rules.c - matrix and site files: the shipped matrix, resolution,
 * and every kind of bad file reported with its place, never a crash. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "rules/rules.h"
#include "tap.h"

static char srcdir[1024], tmpdir[] = "/tmp/flowaudit-rules-XXXXXX";
static char diag_text[16384];

static const char *path(const char *rel)
{
	static char buf[4][1200];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", srcdir, rel);
	return buf[k];
}

/* Loads with diagnostics captured into diag_text. */
static struct ruleset *load(const char *matrix, const char *site, struct diag *d)
{
	FILE *f = fmemopen(diag_text, sizeof(diag_text) - 1, "w");
	memset(diag_text, 0, sizeof(diag_text));
	memset(d, 0, sizeof(*d));
	d->out = f;
	struct ruleset *rs = ruleset_load(matrix, site, d);
	fclose(f);
	return rs;
}

static const char *write_temp(const char *name, const char *text)
{
	static char buf[8][1200];
	static int k;
	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	FILE *f = fopen(buf[k], "w");
	fputs(text, f);
	fclose(f);
	return buf[k];
}

static const struct rule *rule(const struct ruleset *rs, const char *id)
{
	for (unsigned i = 0; i < ruleset_rule_count(rs); i++)
		if (strcmp(ruleset_rule(rs, i)->id, id) == 0)
			return ruleset_rule(rs, i);
	return NULL;
}

static int role(const struct ruleset *rs, const char *name)
{
	for (unsigned i = 0; i < ruleset_role_count(rs); i++)
		if (strcmp(ruleset_role(rs, i)->name, name) == 0)
			return (int)i;
	return -1;
}

static role_mask roles_of(const struct ruleset *rs, const char *ip)
{
	struct ip_addr a;
	memset(&a, 0, sizeof(a));
	uint8_t v = inet_pton(AF_INET, ip, a.b) == 1 ? 4 : 6;
	if (v == 6)
		inet_pton(AF_INET6, ip, a.b);
	return ruleset_roles_of_addr(rs, v, &a);
}

#define BIT(rs, name) ((role_mask)1 << role(rs, name))

static void test_shipped(void)
{
	struct diag d;
	struct ruleset *rs = load(NULL, path("tests/e2e/sites/combined.json"), &d);

	if (!ok(rs && d.errors == 0, "the shipped matrix and the combined site load"))
		printf("%s", diag_text);
	if (!rs)
		return;
	static const char *const ids[] = {
		"mobile-license", "speechlive-license", "webaccess-license", "clients-license",
		"license-wfm-health", "license-service-health", "license-smtp",
		"mobile-inbound", "mobile-speechlive", "webaccess-speechlive",
		"speechlive-cloud", "speechlive-sql", "webaccess-inbound",
		"mobile-ad-auth", "speechlive-ad-auth", "webaccess-ad-auth",
		"mobile-ad-directory", "webaccess-ad-other", "speechlive-seeroot",
		"webaccess-dictations", "mobile-netbios-seeroot",
	};
	unsigned found = 0;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		found += rule(rs, ids[i]) != NULL;
	is_int(found, sizeof(ids) / sizeof(ids[0]),
	       "every rule family of docs/matrix-speechexec.md is in the matrix");
	bool cited = true;
	for (unsigned i = 0; i < ruleset_rule_count(rs); i++)
		cited &= ruleset_rule(rs, i)->nsections > 0;
	ok(cited, "every rule cites sections of the document");

	const struct rule *sql = rule(rs, "speechlive-sql");
	ok(sql && sql->nservices == 2 && sql->services[0].evidence &&
	   !sql->services[1].evidence && sql->services[1].proto == IP_PROTO_UDP,
	   "the SQL rule's udp/1434 is allowed but not evidence");
	ok(service_matches(&sql->services[0], IP_PROTO_TCP, 1433) &&
	   !service_matches(&sql->services[0], IP_PROTO_UDP, 1433),
	   "services match protocol and port");
	const struct rule *other = rule(rs, "mobile-ad-other");
	bool dynamic = false;
	for (unsigned s = 0; s < other->nservices; s++)
		dynamic |= service_matches(&other->services[s], IP_PROTO_TCP, 50000);
	ok(dynamic, "the RPC range 49152-65535 matches tcp/50000");

	is_int(roles_of(rs, "10.1.0.20"), BIT(rs, "mobile_service") | BIT(rs, "speechlive_service") |
	       BIT(rs, "webaccess") | BIT(rs, "mobile_clients"),
	       "10.1.0.20 holds three service roles (and is a mobile client)");
	is_int(roles_of(rs, "8.8.8.8"), BIT(rs, "mobile_clients"), "8.8.8.8 is a mobile client");
	is_int(roles_of(rs, "2001:db8::5"), BIT(rs, "mobile_clients"), "so is any IPv6 address");
	is_int(ruleset_roles_of_name(rs, "LiveBroker.SpeechExec.com"),
	       BIT(rs, "speechlive_cloud"), "names match without regard to case");
	ok(!(ruleset_audited_roles(rs) & BIT(rs, "mobile_clients")) &&
	   (ruleset_audited_roles(rs) & BIT(rs, "license_server")),
	   "client populations are not audited roles");
	ok(!rule(rs, "clients-license")->applicable, "rules of unbound roles do not apply");
	is_str(rule(rs, "clients-license")->not_applicable_why,
	       "license_clients is not in the site", "and say why");

	const struct cidr *hosts;
	is_int(ruleset_role_hosts(rs, (unsigned)role(rs, "domain_controller"), &hosts), 2,
	       "two concrete domain controllers");

	char *printed = NULL;
	size_t plen = 0;
	FILE *f = open_memstream(&printed, &plen);
	ruleset_print(rs, f, 1700000000000000ull);
	fclose(f);
	ok(strstr(printed, "10.1.0.20 (mobile_service) -> 10.1.0.10 (license_server)") &&
	   strstr(printed, "any of 0.0.0.0/0, ::/0 (mobile_clients) -> 10.1.0.20 (mobile_service)") &&
	   strstr(printed, "admin jump host"), "check prints concrete host pairs and allowances");
	free(printed);
	ruleset_free(rs);
}

static void test_params_features(void)
{
	struct diag d;
	struct ruleset *rs = load(NULL, path("tests/e2e/sites/custom-port.json"), &d);
	const struct rule *lic = rs ? rule(rs, "mobile-license") : NULL;
	ok(lic && service_matches(&lic->services[0], IP_PROTO_TCP, 23667) &&
	   !service_matches(&lic->services[0], IP_PROTO_TCP, 13667),
	   "a site's license_port replaces 13667");
	ruleset_free(rs);

	rs = load(NULL, path("tests/e2e/sites/speechlive-off.json"), &d);
	const struct rule *cloud = rs ? rule(rs, "speechlive-cloud") : NULL;
	ok(cloud && !cloud->applicable && strstr(cloud->not_applicable_why, "speechlive"),
	   "switching SpeechLive off makes its rules not applicable");
	ruleset_free(rs);

	rs = load(NULL, path("tests/e2e/sites/ipv6.json"), &d);
	ok(rs && (roles_of(rs, "2001:db8:1::10") & BIT(rs, "license_server")),
	   "an IPv6 site binds IPv6 addresses");
	ruleset_free(rs);
}

/* Whether the server ports list has proto/lo-hi, with its label. */
static bool lists_port(const struct server_port *sp, unsigned n, uint8_t proto,
		       uint16_t lo, uint16_t hi, const char *label)
{
	for (unsigned i = 0; i < n; i++)
		if (sp[i].proto == proto && sp[i].range.lo == lo && sp[i].range.hi == hi &&
		    strcmp(sp[i].label, label) == 0)
			return true;
	return false;
}

static bool lists_any(const struct server_port *sp, unsigned n, uint16_t port)
{
	for (unsigned i = 0; i < n; i++)
		if (port >= sp[i].range.lo && port <= sp[i].range.hi)
			return true;
	return false;
}

/* The server ports of the applicable rules, the site's parameters in. */
static void test_server_ports(void)
{
	struct diag d;
	struct server_port sp[512];
	struct ruleset *rs = load(NULL, path("tests/e2e/sites/custom-port.json"), &d);
	unsigned n = rs ? ruleset_server_ports(rs, sp, 512) : 0;

	ok(n > 0 && n <= 512 && n == ruleset_server_ports(rs, NULL, 0),
	   "the count is the same with no room to write");
	ok(lists_port(sp, n, IP_PROTO_TCP, 23667, 23667, "license"),
	   "the site's license_port, with the service's label");
	ok(!lists_any(sp, n, 13667), "not the matrix's default 13667");
	ok(lists_port(sp, n, IP_PROTO_TCP, 49256, 49256, "health scan"),
	   "a parameter's default where the site sets none");
	ok(lists_port(sp, n, IP_PROTO_UDP, 1434, 1434, "sql browser"),
	   "services that are no evidence are servers too");
	bool all_tcp_udp = true;
	for (unsigned i = 0; i < n; i++)
		all_tcp_udp &= (sp[i].proto == IP_PROTO_TCP || sp[i].proto == IP_PROTO_UDP) &&
			       sp[i].rule->applicable && sp[i].label[0];
	ok(all_tcp_udp, "only TCP and UDP ports of applicable rules, each labelled");
	ruleset_free(rs);

	rs = load(NULL, path("tests/e2e/sites/speechlive-off.json"), &d);
	n = rs ? ruleset_server_ports(rs, sp, 512) : 0;
	bool cloud = false;
	for (unsigned i = 0; i < n && i < 512; i++)
		cloud |= strcmp(sp[i].rule->id, "speechlive-cloud") == 0;
	ok(n > 0 && !cloud, "rules that do not apply name no server ports");
	ruleset_free(rs);
}

/* A site text with one error: the message must name the place and hint. */
static void expect_error(const char *site_text, const char *want, const char *name)
{
	struct diag d;
	const char *file = write_temp("site.json", site_text);
	struct ruleset *rs = load(NULL, file, &d);
	if (!ok(!rs && d.errors > 0 && strstr(diag_text, want), "%s", name))
		printf("#   want \"%s\" in:\n%s", want, diag_text);
	ruleset_free(rs);
}

static void test_site_errors(void)
{
	expect_error("{\n  \"roles\": {\n    \"mobile_servce\": [\"10.1.0.20\"]\n  }\n}\n",
		     "site.json:3:5: error: unknown role \"mobile_servce\"",
		     "a typo in a role name: file:line:column");
	ok(strstr(diag_text, "did you mean \"mobile_service\"?") != NULL,
	   "with the nearest role as a hint");
	expect_error("{\"roles\": {\"browser_clients\": [\"10.2.0.0/33\"]}}",
		     "site.json:1:32: error: bad address, prefix or host name \"10.2.0.0/33\"",
		     "a prefix beyond /32");
	expect_error("{\"roles\": {\"license_server\": [\"10.1.0.300\"]}}",
		     "bad address, prefix or host name \"10.1.0.300\"", "a bad address");
	expect_error("{\"roles\": {\"license_server\": [\"fe80::zz\"]}}",
		     "bad address", "a bad IPv6 address");
	expect_error("{\"roles\": {\"license_server\": [\"10.1.0.10\"]}, \"params\": {\"licence_port\": 1}}",
		     "unknown parameter \"licence_port\"", "an unknown parameter");
	ok(strstr(diag_text, "did you mean \"license_port\"?") != NULL, "with a hint");
	expect_error("{\"roles\": {\"license_server\": [\"10.1.0.10\"]}, \"params\": {\"license_port\": 70000}}",
		     "\"license_port\" must be a port number", "a port out of range");
	expect_error("{\"roles\": {\"license_server\": [\"10.1.0.10\"]}, \"features\": {\"speechlve\": false}}",
		     "unknown feature \"speechlve\"", "an unknown feature");
	expect_error("{\"roles\": {\"license_server\": [\"livebroker.example\"]}}",
		     "bound by address, not by host name", "a name for an address-only role");
	expect_error("{\"roles\": {}, \"allow\": [{\"from\": \"admins\", \"to\": \"any\", \"why\": \"x\"}]}",
		     "unknown role \"admins\"", "an allow entry naming no role");
	expect_error("{\"roles\": {\"license_server\": [\"10.1.0.10\"], \"license_server\": []}}",
		     "duplicate key \"license_server\"", "a duplicate key");
	expect_error("{\"roles\": [1, 2,", "site.json:1:17: error: not valid JSON",
		     "JSON cut short");
	expect_error("\x89PNG\r\n\x1a\nbinary", "site.json:1:1: error: not valid UTF-8: byte 0x89",
		     "a binary file: not UTF-8");
	/* Site and matrix files are UTF-8: the first byte that is not is an
	 * error at its place, columns counting characters before it. */
	expect_error("{\n  \"name\": \"Caf\xc3\xa9 m\xe9" "dical\",\n  \"roles\": {}\n}\n",
		     "site.json:2:18: error: not valid UTF-8: byte 0xe9", "a Latin-1 byte");
	expect_error("{\"name\": \"x\xed\xa0\x80\"}", "site.json:1:12: error: not valid UTF-8: byte 0xed",
		     "an encoded surrogate");
	expect_error("{\"name\": \"cut \xe2\x80", "site.json:1:15: error: not valid UTF-8: byte 0xe2",
		     "a character cut by the end of the file");
	/* A byte-order mark is dropped: places count from the character
	 * after it, as the editor that wrote it shows them. */
	expect_error("\xef\xbb\xbf{\"roles\": {\"browser_clients\": [\"10.2.0.0/33\"]}}",
		     "site.json:1:32: error: bad address, prefix or host name \"10.2.0.0/33\"",
		     "a byte-order mark: a later error's place as without it");
	expect_error("\xef\xbb\xbf\xef\xbb\xbf{}", "site.json:1:1: error: not valid JSON",
		     "a second byte-order mark is not JSON");
	/* A NUL byte inside the text: not a JSON text file at all. */
	const char *nulfile = write_temp("nul.json", "");
	FILE *nul = fopen(nulfile, "wb");
	fwrite("{\"roles\":\0}", 1, 11, nul);
	fclose(nul);
	struct diag dn;
	struct ruleset *rn = load(NULL, nulfile, &dn);
	ok(!rn && strstr(diag_text, "nul.json:1:10: error: not valid JSON: a NUL byte"),
	   "a NUL byte in a site file");
	ruleset_free(rn);
	expect_error("{\"rolez\": {}}", "unknown key \"rolez\"", "an unknown top-level key");
	ok(strstr(diag_text, "did you mean \"roles\"?") != NULL, "with a hint");

	char *deep = malloc(20003);
	for (int i = 0; i < 10000; i++)
		deep[i] = '[';
	for (int i = 0; i < 10000; i++)
		deep[10000 + i] = ']';
	deep[20000] = '\0';
	expect_error(deep, "nested more than 64 levels deep", "10,000 nested arrays");
	free(deep);

	struct diag d;
	char big[1200];
	snprintf(big, sizeof(big), "%s/big.json", tmpdir);
	int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(fd >= 0 && ftruncate(fd, 100 * 1024 * 1024) == 0, "a 100 MB site file made");
	close(fd);
	struct ruleset *rs = load(NULL, big, &d);
	ok(!rs && strstr(diag_text, "more than") && strstr(diag_text, "big.json"),
	   "a 100 MB file is refused by size");
	ruleset_free(rs);
	rs = load(NULL, "/nonexistent/site.json", &d);
	ok(!rs && strstr(diag_text, "/nonexistent/site.json: error: cannot open"),
	   "a missing file names itself");
	ruleset_free(rs);
}

/* "dedicated": peer roles or addresses; the dedicated role is bound only
 * through it; exceptions expire at the end of their day. */
static void test_dedicated_and_expiry(void)
{
	struct diag d;

	expect_error("{\"roles\": {\"sql_server\": [\"10.1.0.30\"]}, \"dedicated\": "
		     "[\"mobile_clients\"]}", "role \"mobile_clients\" is not a peer role",
		     "only a peer role can be dedicated");
	expect_error("{\"roles\": {\"sql_server\": [\"10.1.0.30\"]}, \"dedicated\": "
		     "[\"sql_servr\"]}", "did you mean \"sql_server\"",
		     "a dedicated role's typo gets a hint");
	expect_error("{\"roles\": {\"dedicated_hosts\": [\"10.1.0.30\"]}}",
		     "is bound through \"dedicated\"", "the dedicated role is not bound directly");
	expect_error("{\"roles\": {}, \"allow\": [{\"from\": \"any\", \"to\": \"any\", "
		     "\"why\": \"x\", \"expires\": \"2027-02-30\"}]}", "bad \"expires\" date",
		     "an expiry that is not a date");

	const char *file = write_temp("site.json", "{\"roles\": {\"license_server\": "
		"[\"10.1.0.10\"], \"sql_server\": [\"10.1.0.30\"]}, \"dedicated\": "
		"[\"sql_server\", \"10.1.0.99\"], \"allow\": [{\"from\": \"any\", "
		"\"to\": \"license_server\", \"why\": \"x\", \"expires\": \"2027-06-30\"}]}");
	struct ruleset *rs = load(NULL, file, &d);
	if (!ok(rs != NULL, "a site with dedicated hosts and an expiring exception loads"))
		return;
	int ded = role(rs, "dedicated_hosts"), sql = role(rs, "sql_server");
	ok(ded >= 0 && (roles_of(rs, "10.1.0.30") & ((role_mask)1 << ded)) &&
	   (roles_of(rs, "10.1.0.30") & ((role_mask)1 << sql)),
	   "the dedicated SQL server holds its own role and the dedicated one");
	ok(roles_of(rs, "10.1.0.99") & ((role_mask)1 << ded), "a dedicated address");
	ok(ruleset_audited_roles(rs) & ((role_mask)1 << ded) &&
	   !(ruleset_audited_roles(rs) & ((role_mask)1 << sql)) &&
	   ruleset_peer_roles(rs) & ((role_mask)1 << sql) &&
	   ruleset_dedicated_roles(rs) == ((role_mask)1 << sql),
	   "the SQL server's role stays a peer; its hosts are audited through dedication");
	const struct site_allow *a = ruleset_allow(rs, 0);
	/* 2027-07-01T00:00:00Z = 1814400000 s. */
	ok(a && strcmp(a->expires, "2027-06-30") == 0 &&
	   a->expires_us == 1814400000ull * 1000000u, "the exception ends with its day");
	ruleset_free(rs);
}


/* The address in text as a host index (-1: no concrete host). */
static int host_of(const struct ruleset *rs, const char *ip)
{
	struct ip_addr a;
	memset(&a, 0, sizeof(a));
	uint8_t v = inet_pton(AF_INET, ip, a.b) == 1 ? 4 : 6;
	if (v == 6)
		inet_pton(AF_INET6, ip, a.b);
	return ruleset_host_of(rs, v, &a);
}

/* A host may have several addresses: the site groups them under a name,
 * once, and other roles and "dedicated" name the host. */
static void test_hosts(void)
{
	struct diag d;
	struct ruleset *rs = load(NULL, path("tests/e2e/sites/dual-stack.json"), &d);

	if (!ok(rs && d.errors == 0 && d.warnings == 0, "the dual-stack site loads"))
		printf("%s", diag_text);
	if (!rs)
		return;
	int lic = host_of(rs, "10.1.0.10");
	ok(lic >= 0 && host_of(rs, "fd00::10") == lic, "both of lic01's addresses are one host");
	const struct site_host *h = lic >= 0 ? ruleset_host(rs, (unsigned)lic) : NULL;
	ok(h && h->named && strcmp(h->name, "lic01") == 0 && h->naddrs == 2,
	   "named lic01, with two addresses");
	ok(roles_of(rs, "fd00::10") & BIT(rs, "license_server"),
	   "each of its addresses holds the role");
	const unsigned *ids;
	ok(ruleset_role_host_ids(rs, (unsigned)role(rs, "license_server"), &ids) == 1 &&
	   ids[0] == (unsigned)lic, "the License Server role has one host");
	int sql = host_of(rs, "10.1.0.30");
	h = sql >= 0 ? ruleset_host(rs, (unsigned)sql) : NULL;
	ok(h && !h->named && strcmp(h->name, "10.1.0.30") == 0 && h->naddrs == 1,
	   "a single address is a host of its own, named by its address");
	is_int(ruleset_role_host_ids(rs, (unsigned)role(rs, "domain_controller"), &ids), 2,
	       "two domain controllers, two hosts");
	ok(host_of(rs, "10.1.0.99") < 0 && host_of(rs, "10.2.0.55") < 0,
	   "addresses of no host, or only in a network, are no concrete host");

	char *printed = NULL;
	size_t plen = 0;
	FILE *f = open_memstream(&printed, &plen);
	ruleset_print(rs, f, 1700000000000000ull);
	fclose(f);
	ok(strstr(printed, "    lic01 ") && strstr(printed, "addresses: 10.1.0.10, fd00::10") &&
	   strstr(printed, "mobile01 [10.1.0.20, fd00::20] (mobile_service) -> "
		  "lic01 [10.1.0.10, fd00::10] (license_server)"),
	   "check names the hosts and their addresses");
	free(printed);
	ruleset_free(rs);

	/* Defined once, named elsewhere; dedicated by name or by an address. */
	const char *file = write_temp("site.json", "{\"roles\": {"
		"\"mobile_service\": [{\"host\": \"iis01\"}],"
		"\"webaccess\": [{\"host\": \"iis01\", \"addresses\": [\"10.1.0.20\", \"fd00::20\"]}],"
		"\"sql_server\": [{\"host\": \"sql01\", \"addresses\": [\"10.1.0.30\", \"fd00::30\"]}],"
		"\"seeroot_share\": [{\"host\": \"fs01\", \"addresses\": [\"10.1.0.40\", \"fd00::40\"]}]},"
		"\"dedicated\": [\"sql01\", \"fd00::40\"]}");
	rs = load(NULL, file, &d);
	if (!ok(rs != NULL, "a host named in one role, its addresses given in another"))
		printf("%s", diag_text);
	if (!rs)
		return;
	ok((roles_of(rs, "fd00::20") & BIT(rs, "mobile_service")) &&
	   (roles_of(rs, "10.1.0.20") & BIT(rs, "webaccess")),
	   "{\"host\": \"iis01\"} binds every address of it");
	int ded = role(rs, "dedicated_hosts");
	ok((roles_of(rs, "fd00::30") & ((role_mask)1 << ded)) &&
	   (roles_of(rs, "10.1.0.40") & ((role_mask)1 << ded)),
	   "a host is dedicated whole, by its name or by one of its addresses");
	ruleset_free(rs);
}

static void test_host_errors(void)
{
	expect_error("{\"roles\": {\n  \"license_server\": [{\"host\": \"lic01\", "
		     "\"addresses\": [\"10.1.0.0/24\"]}]}}",
		     "site.json:2:54: error: \"10.1.0.0/24\" is a network: a host's "
		     "addresses are single addresses", "a network among a host's addresses");
	expect_error("{\"roles\": {\"license_server\": [{\"host\": \"lic01\", \"addresses\": []}]}}",
		     "\"addresses\" must be a non-empty list", "a host without addresses");
	expect_error("{\"roles\": {\"license_server\": [{\"host\": \"lic01\", \"addresses\": "
		     "[\"10.1.0.300\"]}]}}", "bad address \"10.1.0.300\"", "a bad address in a host");
	expect_error("{\"roles\": {\"license_server\": [{\"addresses\": [\"10.1.0.10\"]}]}}",
		     "a host needs \"host\": its name", "a host without a name");
	expect_error("{\"roles\": {\"license_server\": [{\"host\": \"\", \"addresses\": "
		     "[\"10.1.0.10\"]}]}}", "a host needs \"host\": its name", "an empty host name");
	expect_error("{\"roles\": {\"license_server\": [{\"host\": \"10.1.0.10\", \"addresses\": "
		     "[\"10.1.0.10\"]}]}}", "bad host name \"10.1.0.10\": it is an address",
		     "a host named by an address");
	expect_error("{\"roles\": {\"license_server\": [{\"host\": \"sql_server\", \"addresses\": "
		     "[\"10.1.0.10\"]}]}}", "it is a role's name", "a host named like a role");
	expect_error("{\"roles\": {\"license_server\": [{\"host\": \"lic01\", \"adresses\": "
		     "[\"10.1.0.10\"]}]}}", "unknown key \"adresses\" in a host",
		     "a misspelt key in a host");
	ok(strstr(diag_text, "did you mean \"addresses\"?") != NULL, "with a hint");
	expect_error("{\"roles\": {\"license_server\": [{\"host\": \"lic01\", \"addresses\": "
		     "[\"10.1.0.10\"]}], \"mobile_service\": [{\"host\": \"mob01\", \"addresses\": "
		     "[\"10.1.0.10\"]}]}}", "\"10.1.0.10\" is already an address of host \"lic01\"",
		     "an address in two hosts");
	expect_error("{\"roles\": {\n\"license_server\": [{\"host\": \"lic01\", \"addresses\": "
		     "[\"10.1.0.10\"]}],\n\"webaccess\": [{\"host\": \"lic01\", \"addresses\": "
		     "[\"10.1.0.11\"]}]}}", "host \"lic01\" is given other addresses at line 2",
		     "a host given twice with other addresses");
	expect_error("{\"roles\": {\"domain_controller\": [\"10.1.0.10\"], \"license_server\": "
		     "[{\"host\": \"lic01\", \"addresses\": [\"10.1.0.10\", \"fd00::10\"]}]}}",
		     "\"10.1.0.10\" is an address of host \"lic01\"",
		     "an address of a host bound alone, before the host");
	ok(strstr(diag_text, "{\"host\": \"lic01\"}") != NULL, "the hint says how to bind the host");
	expect_error("{\"roles\": {\"license_server\": [{\"host\": \"lic01\"}]}}",
		     "host \"lic01\" is given no addresses", "a host named but never given addresses");
	expect_error("{\"roles\": {\"speechlive_cloud\": [{\"host\": \"cloud\", \"addresses\": "
		     "[\"20.50.2.10\"]}], \"license_server\": [7]}}",
		     "a binding must be a string or a host", "a number as a binding");
}

/* "each": a rule needs each of its services; the shipped inbound rules
 * once the site declares the ports their service is bound to. */
static void test_each(void)
{
	struct diag d;
	struct ruleset *rs = load(NULL, path("tests/e2e/sites/separate.json"), &d);
	const struct rule *web = rs ? rule(rs, "webaccess-inbound") : NULL;

	ok(web && !web->each && web->each_param && strcmp(web->each_param, "webaccess_ports") == 0,
	   "webaccess-inbound: any port will do while the site keeps webaccess_ports' default");
	ok(web && service_matches(&web->services[0], IP_PROTO_TCP, 80) &&
	   service_matches(&web->services[0], IP_PROTO_TCP, 443),
	   "its default is 80 and 443");
	ruleset_free(rs);

	rs = load(NULL, path("tests/e2e/sites/webaccess-ports.json"), &d);
	web = rs ? rule(rs, "webaccess-inbound") : NULL;
	ok(web && web->each, "a site that declares webaccess_ports makes each port required");
	ok(rs && !rule(rs, "mobile-inbound")->each, "mobile-inbound keeps any-of");
	char unit[32] = "";
	if (web)
		rule_unit_format(web, 1, unit, sizeof(unit));
	ok(web && rule_unit_count(web) == 2 && strcmp(unit, "tcp/443") == 0 &&
	   rule_unit_of(web, &web->services[0], 443) == 1 &&
	   rule_unit_of(web, &web->services[0], 80) == 0 &&
	   rule_unit_of(web, &web->services[0], 8080) == -1,
	   "its units: tcp/80 and tcp/443");
	ruleset_free(rs);

	const struct rule *sql = NULL;
	rs = load(NULL, path("tests/e2e/sites/combined.json"), &d);
	sql = rs ? rule(rs, "speechlive-sql") : NULL;
	ok(sql && rule_unit_count(sql) == 1, "a service that is no evidence is no unit");
	const struct rule *ad = rs ? rule(rs, "license-ad") : NULL;
	ok(ad && rule_unit_count(ad) == 16, "an allowed rule's services are all units");
	ruleset_free(rs);

	static const char head[] =
		"{\"schema\": \"flowaudit-matrix/1\", \"name\": \"t\",\n"
		" \"roles\": {\"a\": {\"description\": \"a\", \"sections\": [\"1\"]}},\n"
		" \"params\": {\"p\": {\"description\": \"p\", \"type\": \"ports\", \"default\": [1]},\n"
		"            \"q\": {\"description\": \"q\", \"type\": \"ports\", \"default\": [2]}},\n"
		" \"rules\": [\n";
	char text[2048];
	snprintf(text, sizeof(text), "%s"
		 "  {\"id\": \"r1\", \"description\": \"d\", \"from\": \"a\", \"to\": \"a\", \"need\": \"required\",\n"
		 "   \"sections\": [\"1\"], \"each\": \"$pp\", \"services\": [{\"proto\": \"tcp\", \"ports\": [\"$p\"]}]},\n"
		 "  {\"id\": \"r2\", \"description\": \"d\", \"from\": \"a\", \"to\": \"a\", \"need\": \"required\",\n"
		 "   \"sections\": [\"1\"], \"each\": \"$q\", \"services\": [{\"proto\": \"tcp\", \"ports\": [\"$p\"]}]},\n"
		 "  {\"id\": \"r3\", \"description\": \"d\", \"from\": \"a\", \"to\": \"a\", \"need\": \"required\",\n"
		 "   \"sections\": [\"1\"], \"each\": \"yes\", \"services\": [{\"proto\": \"tcp\", \"ports\": [1]}]}\n"
		 " ]}\n", head);
	const char *site_a = write_temp("site-a.json", "{\"roles\": {\"a\": [\"10.0.0.1\"]}}");
	rs = load(write_temp("matrix.json", text), site_a, &d);
	if (!ok(!rs, "a matrix with bad \"each\" keys is refused"))
		printf("%s", diag_text);
	if (!ok(strstr(diag_text, "matrix.json:7:31: error: unknown parameter \"$pp\"") &&
		strstr(diag_text, "did you mean \"$p\"?"),
		"an unknown parameter, at its place, with a hint"))
		printf("%s", diag_text);
	ok(strstr(diag_text, "no service of the rule uses \"$q\"") != NULL,
	   "a parameter the rule's ports do not use");
	ok(strstr(diag_text, "\"each\" must be true, false or \"$parameter\"") != NULL,
	   "neither a boolean nor a parameter");
	ruleset_free(rs);

	/* Each of 40 ports: more units than can be judged each. */
	char ports[256] = "";
	size_t used = 0;
	for (unsigned i = 1; i <= 40; i++)
		used += (size_t)snprintf(ports + used, sizeof(ports) - used, "%s%u", i > 1 ? "," : "", i);
	snprintf(text, sizeof(text), "%s"
		 "  {\"id\": \"many\", \"description\": \"d\", \"from\": \"a\", \"to\": \"a\", \"need\": \"required\",\n"
		 "   \"sections\": [\"1\"], \"each\": true, \"services\": [{\"proto\": \"tcp\", \"ports\": [%s]}]}\n"
		 " ]}\n", head, ports);
	rs = load(write_temp("matrix.json", text), site_a, &d);
	ok(!rs && strstr(diag_text, "rule many needs each of 40 services or ports; at most 32"),
	   "more than 32 units judged each is refused: %s", diag_text);
	ruleset_free(rs);
}

static void test_matrix_errors(void)
{
	struct diag d;
	const char *site = path("tests/e2e/sites/combined.json");
	const char *m = write_temp("matrix.json",
		"{\"schema\": \"flowaudit-matrix/1\", \"name\": \"t\",\n"
		" \"roles\": {\"a\": {\"description\": \"a\", \"sections\": [\"1\"]}},\n"
		" \"rules\": [\n"
		"  {\"id\": \"r\", \"description\": \"d\", \"from\": \"a\", \"to\": \"b\", \"need\": \"required\",\n"
		"   \"sections\": [\"1\"], \"services\": [{\"proto\": \"tcp\", \"ports\": [1]}]},\n"
		"  {\"id\": \"r\", \"description\": \"d\", \"from\": \"a\", \"to\": \"a\", \"need\": \"sometimes\",\n"
		"   \"sections\": [], \"services\": [{\"proto\": \"tcp\", \"ports\": [\"5-3\"]}]}\n"
		" ]}\n");
	struct ruleset *rs = load(m, site, &d);
	ok(!rs, "a bad matrix is refused");
	ok(strstr(diag_text, "matrix.json:4:54: error: rule names role \"b\""),
	   "a rule naming a role the matrix lacks, at its place");
	ok(strstr(diag_text, "duplicate rule id \"r\""), "a duplicate rule id");
	ok(strstr(diag_text, "unknown need \"sometimes\""), "an unknown need");
	ok(strstr(diag_text, "\"sections\" must not be empty"), "a rule without sections");
	ok(strstr(diag_text, "bad port or range \"5-3\""), "a reversed port range");
	ruleset_free(rs);
}

/* "location": where a client population's hosts normally are. */
static void test_location(void)
{
	struct diag d;
	struct ruleset *rs = load(NULL, path("tests/e2e/sites/combined.json"), &d);
	int mc = rs ? role(rs, "mobile_clients") : -1, bc = rs ? role(rs, "browser_clients") : -1;
	ok(mc >= 0 && ruleset_role(rs, (unsigned)mc)->location == LOCATION_INTERNET &&
	   bc >= 0 && ruleset_role(rs, (unsigned)bc)->location == LOCATION_SITE,
	   "the shipped matrix: mobile clients on the internet, browsers on the site");
	int ms = rs ? role(rs, "mobile_service") : -1;
	ok(ms >= 0 && ruleset_role(rs, (unsigned)ms)->location == LOCATION_UNSAID,
	   "a server role has none");
	ruleset_free(rs);

	static const char fmt[] =
		"{\"schema\": \"flowaudit-matrix/1\", \"name\": \"t\",\n"
		" \"roles\": {\"a\": {\"description\": \"a\", \"sections\": [\"1\"]%s},\n"
		"  \"c\": {\"description\": \"c\", \"sections\": [\"1\"], \"audited\": false, \"location\": \"%s\"}},\n"
		" \"rules\": [\n"
		"  {\"id\": \"r\", \"description\": \"d\", \"from\": \"c\", \"to\": \"a\", \"need\": \"required\",\n"
		"   \"sections\": [\"1\"], \"services\": [{\"proto\": \"tcp\", \"ports\": [1]}]}\n"
		" ]}\n";
	const char *site = write_temp("site-loc.json", "{\"roles\": {\"a\": [\"10.0.0.1\"]}}");
	char text[1024];
	snprintf(text, sizeof(text), fmt, "", "site");
	rs = load(write_temp("matrix-loc.json", text), site, &d);
	int c = rs ? role(rs, "c") : -1;
	if (!ok(rs && c >= 0 && ruleset_role(rs, (unsigned)c)->location == LOCATION_SITE,
		"a population's \"location\": \"site\" is read"))
		printf("%s", diag_text);
	ruleset_free(rs);

	snprintf(text, sizeof(text), fmt, "", "moon");
	rs = load(write_temp("matrix-loc.json", text), site, &d);
	ok(!rs, "an unknown location is refused");
	if (!ok(strstr(diag_text, "matrix-loc.json:3:78: error: unknown location \"moon\""),
		"at its place"))
		printf("%s", diag_text);
	ruleset_free(rs);

	snprintf(text, sizeof(text), fmt, ", \"location\": \"internet\"", "site");
	rs = load(write_temp("matrix-loc.json", text), site, &d);
	if (!ok(!rs && strstr(diag_text, "matrix-loc.json:2:69: error: \"location\" on an "
			      "audited or peer role"), "a location on an audited role is refused"))
		printf("%s", diag_text);
	ruleset_free(rs);
}

int main(void)
{
	const char *s = getenv("SRCDIR");
	snprintf(srcdir, sizeof(srcdir), "%s", s && *s ? s : ".");
	if (!getenv("FLOWAUDIT_MATRIX_DIR"))
		setenv("FLOWAUDIT_MATRIX_DIR", path("rules"), 1);
	if (!mkdtemp(tmpdir))
		return 1;
	test_shipped();
	test_params_features();
	test_server_ports();
	test_site_errors();
	test_dedicated_and_expiry();
	test_hosts();
	test_host_errors();
	test_each();
	test_matrix_errors();
	test_location();
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
