/* test_geoip.c - special ranges are labelled without a lookup; external
 * addresses get country and ASN from MaxMind databases; unusable databases
 * are refused with a message naming the file. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <unistd.h>

#include "classify/geoip.h"
#include "tap.h"

static struct ip_addr addr(const char *s, uint8_t *version)
{
	struct ip_addr a;
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.b) == 1)
		*version = 4;
	else if (inet_pton(AF_INET6, s, a.b) == 1)
		*version = 6;
	return a;
}

static const char *scope(const char *s)
{
	uint8_t v = 0;
	struct ip_addr a = addr(s, &v);
	const char *r = address_scope(v, &a);
	return r ? r : "global";
}

static void test_scopes(void)
{
	static const char *const cases[][2] = {
		{ "10.1.0.20", "private" }, { "172.20.1.1", "private" },
		{ "192.168.1.1", "private" }, { "127.0.0.1", "loopback" },
		{ "169.254.10.10", "link-local" }, { "224.0.0.251", "multicast" },
		{ "255.255.255.255", "broadcast" }, { "0.0.0.0", "unspecified" },
		{ "100.64.1.1", "shared" }, { "192.0.2.1", "documentation" },
		{ "198.51.100.20", "documentation" }, { "198.18.0.1", "benchmarking" },
		{ "240.0.0.1", "reserved" }, { "::1", "loopback" }, { "::", "unspecified" },
		{ "fe80::1", "link-local" }, { "fd00::1", "private" },
		{ "ff02::fb", "multicast" }, { "2001:db8::10", "documentation" },
		{ "::ffff:10.1.0.1", "private" }, { "20.50.2.10", "global" },
		{ "2a01:111::1", "global" }, { "8.8.8.8", "global" },
		/* Each range's edges, and the bytes next to the first ones. */
		{ "203.0.113.9", "documentation" }, { "203.0.114.1", "global" },
		{ "192.0.0.8", "reserved" }, { "192.88.99.1", "reserved" },
		{ "198.19.255.1", "benchmarking" }, { "198.20.0.1", "global" },
		{ "172.31.255.255", "private" }, { "172.32.0.1", "global" },
		{ "100.127.255.255", "shared" }, { "100.128.0.1", "global" },
		{ "9.255.255.255", "global" }, { "11.0.0.1", "global" },
		{ "126.255.255.255", "global" }, { "128.0.0.1", "global" },
		{ "223.255.255.255", "global" }, { "255.255.255.254", "reserved" },
		{ "1.0.0.1", "global" }, { "::ffff:8.8.8.8", "global" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s is %s", cases[i][0], cases[i][1]);
		is_str(scope(cases[i][0]), cases[i][1], name);
	}
}

static void lookup(struct geoip *g, const char *s, struct endpoint_geo *out)
{
	uint8_t v = 0;
	struct ip_addr a = addr(s, &v);
	geoip_lookup(g, v, &a, out);
}

static char *make_databases(void)
{
	static char dir[] = "/tmp/flowaudit-mmdb-XXXXXX";
	const char *env = getenv("TEST_MMDB_DIR");
	if (env && *env)
		return (char *)env;
	if (!mkdtemp(dir))
		return NULL;
	const char *src = getenv("SRCDIR");
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "perl %s/tests/data/make-test-mmdb.pl %s",
		 src ? src : ".", dir);
	return system(cmd) == 0 ? dir : NULL;
}

static void test_lookups(const char *dir)
{
	char country[512], asn[512], err[512];
	struct endpoint_geo g;

	snprintf(country, sizeof(country), "%s/test-country.mmdb", dir);
	snprintf(asn, sizeof(asn), "%s/test-asn.mmdb", dir);
	struct geoip *db = geoip_open(country, asn, err, sizeof(err));
	if (!ok(db != NULL, "the test databases open"))
		printf("#   %s\n", err);
	if (!db)
		return;
	lookup(db, "20.50.2.10", &g);
	is_str(g.country, "NL", "20.50.2.10 is in NL");
	is_int(g.asn, 8075, "and in AS8075");
	is_str(g.as_org, "MICROSOFT-CORP-MSN-AS-BLOCK", "with its organisation");
	lookup(db, "93.184.216.34", &g);
	ok(strcmp(g.country, "US") == 0 && g.asn == 15133, "93.184.216.34: US, AS15133");
	lookup(db, "2a01:111::1", &g);
	ok(strcmp(g.country, "DE") == 0 && g.asn == 8075, "IPv6 2a01:111::1: DE, AS8075");
	lookup(db, "10.1.0.20", &g);
	ok(strcmp(g.scope, "private") == 0 && !g.country[0] && g.asn == 0,
	   "10.1.0.20 is private and never looked up (the database has a record)");
	lookup(db, "8.8.8.8", &g);
	ok(!g.scope[0] && !g.country[0] && g.asn == 0, "an address not in the databases");
	geoip_close(db);

	ok(!geoip_open(asn, NULL, err, sizeof(err)) && strstr(err, asn) &&
	   strstr(err, "not a country"), "an ASN database given as the country one is refused");
	ok(!geoip_open("/nonexistent/x.mmdb", NULL, err, sizeof(err)) &&
	   strstr(err, "/nonexistent/x.mmdb"), "a missing database names its file");
	ok(!geoip_open(NULL, "/etc/hostname", err, sizeof(err)) &&
	   strstr(err, "/etc/hostname") && strstr(err, "not a MaxMind"),
	   "a file that is not a database is refused");
}

int main(void)
{
	test_scopes();
	struct endpoint_geo g;
	lookup(NULL, "10.1.0.1", &g);
	is_str(g.scope, "private", "without databases the scope is still given");
	const char *dir = make_databases();
	if (ok(dir != NULL, "test databases made with libmaxmind-db-writer-perl"))
		test_lookups(dir);
	return done_testing();
}
