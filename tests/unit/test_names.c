/* test_names.c - interned names and the DNS name index: sharing, bounds,
 * TTL plus grace, eviction, and the evidence of why an address has a name. */
#include <arpa/inet.h>

#include "classify/name_index.h"
#include "classify/names.h"
#include "classify/port_services.h"
#include "common/array.h"
#include "common/ip_proto.h"
#include "tap.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

static struct ip_addr v4(const char *s)
{
	struct ip_addr a;
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, s, a.b);
	return a;
}

#define SEC 1000000ull

static void test_store(void)
{
	struct name_store *s = name_store_new(4096);
	uint32_t a = name_intern(s, "livebroker.speechexec.com");
	uint32_t b = name_intern(s, "livebroker.speechexec.com");

	ok(a && a == b, "the same name is stored once");
	is_int(name_store_stats(s)->names, 1, "one distinct name");
	is_str(name_get(s, a), "livebroker.speechexec.com", "the name reads back");
	name_unref(s, a);
	is_int(name_store_stats(s)->names, 1, "still held by its second reference");
	name_unref(s, b);
	is_int(name_store_stats(s)->names, 0, "freed with its last reference");
	ok(name_intern(s, "") == 0, "an empty name is no name");

	char big[200];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	unsigned held = 0;
	for (int i = 0; i < 100; i++) {
		big[0] = (char)('A' + i % 26);
		big[1] = (char)('A' + i / 26);
		held += name_intern(s, big) != 0;
	}
	ok(held < 100 && name_store_stats(s)->refused == 100 - held,
	   "past its byte bound the store refuses and counts");
	ok(name_store_stats(s)->bytes <= 4096, "and never holds more than the bound");
	name_store_free(s);
}

static void test_index(void)
{
	struct name_store *s = name_store_new(1 << 20);
	struct name_index *ix = name_index_new(s, 8, 60 * SEC);
	struct ip_addr cloud = v4("20.50.2.10"), dns = v4("10.1.0.2");
	struct name_evidence ev;

	name_index_add(ix, 4, &cloud, "livebroker.speechexec.com",
		       "livebroker.trafficmanager.net > speechexec-weu.cloudapp.azure.com",
		       300, 1000 * SEC, 4, &dns);
	ok(!name_index_lookup(ix, 4, &cloud, 999 * SEC, &ev),
	   "a flow before the answer does not get its name");
	ok(name_index_lookup(ix, 4, &cloud, 1001 * SEC, &ev), "a flow after it does");
	is_str(name_get(s, ev.name), "livebroker.speechexec.com", "the question name");
	ok(strstr(ev.chain, "cloudapp.azure.com") != NULL, "with the CNAME chain");
	is_int(ev.answer_us, 1000 * SEC, "and the time of the answer");
	ok(ev.resolver.b[3] == 2, "and who answered");
	name_unref(s, ev.name);
	ok(name_index_lookup(ix, 4, &cloud, (1000 + 300 + 59) * SEC, &ev),
	   "within TTL plus grace");
	name_unref(s, ev.name);
	ok(!name_index_lookup(ix, 4, &cloud, (1000 + 300 + 61) * SEC, &ev),
	   "not past TTL plus grace");

	/* A repeated answer extends the name's validity. */
	name_index_add(ix, 4, &cloud, "livebroker.speechexec.com", "", 300,
		       1200 * SEC, 4, &dns);
	ok(name_index_lookup(ix, 4, &cloud, 1500 * SEC, &ev),
	   "a later answer keeps the name valid");
	is_int(ev.answer_us, 1000 * SEC, "evidence still names the first answer");
	name_unref(s, ev.name);

	/* Bounded: 8 entries; older ones are evicted and counted. */
	for (int i = 0; i < 20; i++) {
		char ip[32], name[64];
		snprintf(ip, sizeof(ip), "93.184.216.%d", i);
		snprintf(name, sizeof(name), "n%d.flood.example", i);
		struct ip_addr a = v4(ip);
		name_index_add(ix, 4, &a, name, "", 60, (2000 + (uint64_t)i) * SEC, 4, &dns);
	}
	const struct name_index_stats *st = name_index_stats(ix);
	is_int(st->entries, 8, "the index holds its bound");
	is_int(st->evicted, 13, "the rest were evicted and counted");
	ok(!name_index_lookup(ix, 4, &cloud, 1500 * SEC, &ev),
	   "the oldest entry went first");
	name_index_free(ix);
	is_int(name_store_stats(s)->names, 0, "freeing the index releases its names");
	name_store_free(s);
}

static void test_ports(void)
{
	is_str(port_service(NULL, IP_PROTO_TCP, 443), "HTTPS", "tcp/443 is HTTPS");
	ok(port_service(NULL, IP_PROTO_TCP, 40000) == NULL, "tcp/40000 has no usual service");
	ok(port_contradicted(NULL, IP_PROTO_TCP, 443, "", "SSH"), "SSH on 443 contradicts it");
	ok(!port_contradicted(NULL, IP_PROTO_TCP, 443, "TLS", "Google"),
	   "TLS.Google on 443 agrees (the carrier is TLS)");
	ok(port_service(NULL, IP_PROTO_TCP, 13667) == NULL,
	   "no vendor's port is compiled in (tcp/13667)");
	ok(!port_contradicted(NULL, IP_PROTO_TCP, 13667, "", "HTTP"),
	   "a port with no service contradicts nothing");
}

/* Labels a deployment's rules name: only where no usual service is. */
static void test_told_ports(void)
{
	static const char *const unknown[] = { "unknown" };
	static const char *const web[] = { "HTTP", "TLS" };
	const struct port_label told[] = {
		{ IP_PROTO_TCP, 23667, 23667, "license", unknown, 1 },
		{ IP_PROTO_TCP, 49256, 49256, "health scan", NULL, 0 },
		{ IP_PROTO_TCP, 8500, 8500, "api", web, 2 },
		{ IP_PROTO_TCP, 8500, 8500, "admin", unknown, 1 },
		{ IP_PROTO_TCP, 443, 443, "web", unknown, 1 },
		{ IP_PROTO_UDP, 5000, 5010, "media", NULL, 0 },
	};
	struct port_labels *pl = port_labels_new(told, ARRAY_SIZE(told));

	ok(pl != NULL, "told labels copied");
	is_str(port_service(pl, IP_PROTO_TCP, 23667), "license", "tcp/23667 is told");
	ok(port_service(pl, IP_PROTO_UDP, 23667) == NULL, "not udp/23667");
	is_str(port_service(pl, IP_PROTO_UDP, 5005), "media", "a range holds its ports");
	is_str(port_service(pl, IP_PROTO_TCP, 443), "HTTPS", "a usual service comes first");
	ok(port_contradicted(pl, IP_PROTO_TCP, 23667, "", "HTTP"),
	   "HTTP where the rules allow no named application contradicts");
	ok(!port_contradicted(pl, IP_PROTO_TCP, 23667, "", "Unknown"),
	   "an unknown application contradicts nothing");
	ok(!port_contradicted(pl, IP_PROTO_TCP, 49256, "", "SSH"),
	   "a label without applications agrees with any");
	ok(!port_contradicted(pl, IP_PROTO_TCP, 8500, "TLS", "Google"),
	   "one of the labels naming a port agreeing is enough");
	ok(port_contradicted(pl, IP_PROTO_TCP, 8500, "", "SSH"),
	   "none agreeing contradicts");
	ok(!port_contradicted(pl, IP_PROTO_TCP, 443, "TLS", "Google"),
	   "the usual service decides, not the told one");
	port_labels_free(pl);

	pl = port_labels_new(NULL, 0);
	ok(pl && port_service(pl, IP_PROTO_TCP, 23667) == NULL, "no labels told");
	port_labels_free(pl);
}

/* Under LeakSanitizer (the suite's sanitizer build): a name index in use
 * leaks nothing, its CNAME chains included. Its entries once lived in a
 * mapping of its own (common/huge_pages.h), where the leak checker does
 * not look: every chain, pointed to only from there, read as leaked. */
static void test_index_seen_by_leak_checker(void)
{
#ifdef __SANITIZE_ADDRESS__
	struct name_store *s = name_store_new(1 << 20);
	struct name_index *ix = name_index_new(s, 262144, 60 * SEC);
	struct ip_addr dns = v4("10.1.0.2");

	for (unsigned i = 0; i < 64; i++) {
		struct ip_addr a = v4("20.50.2.10");
		char name[64];
		a.b[3] = (uint8_t)i;
		snprintf(name, sizeof(name), "host%u.speechexec.com", i);
		name_index_add(ix, 4, &a, name, "edge.trafficmanager.net > x.cloudapp.azure.com",
			       300, 1000 * SEC, 4, &dns);
	}
	is_int(__lsan_do_recoverable_leak_check(), 0,
	       "a name index holding 64 CNAME chains: no leak reported while in use");
	name_index_free(ix);
	name_store_free(s);
#else
	ok(1, "# SKIP no leak checker in this build (the sanitizer build runs it)");
#endif
}

int main(void)
{
	test_store();
	test_index_seen_by_leak_checker();
	test_index();
	test_ports();
	test_told_ports();
	return done_testing();
}
