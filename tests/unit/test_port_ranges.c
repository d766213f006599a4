/* test_port_ranges.c - port ranges at their edges: both ends of a range
 * belong to it, the port just outside does not, whether the range comes
 * from the shipped matrix (tcp/49152-65535), a site parameter or a site
 * exception; and the highest port, 65535, is a port like any other. */
#include <stdlib.h>
#include <unistd.h>

#include "rules/rules.h"
#include "tap.h"

static char srcdir[1024], tmpdir[] = "/tmp/flowaudit-ports-XXXXXX";

static struct ruleset *load_site(const char *text)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/site.json", tmpdir);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	struct diag d = { 0, 0, fopen("/dev/null", "w") };
	struct ruleset *rs = ruleset_load(NULL, path, &d);
	fclose(d.out);
	return rs;
}

static struct ruleset *load_file(const char *rel)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/%s", srcdir, rel);
	struct diag d = { 0, 0, stderr };
	return ruleset_load(NULL, path, &d);
}

static const struct rule *rule(const struct ruleset *rs, const char *id)
{
	for (unsigned i = 0; rs && i < ruleset_rule_count(rs); i++)
		if (strcmp(ruleset_rule(rs, i)->id, id) == 0)
			return ruleset_rule(rs, i);
	return NULL;
}

/* The rule's TCP service whose ports are a range, or NULL. */
static const struct rule_service *range_service(const struct rule *r)
{
	for (unsigned s = 0; r && s < r->nservices; s++)
		for (unsigned p = 0; p < r->services[s].nports; p++)
			if (r->services[s].proto == IP_PROTO_TCP &&
			    r->services[s].ports[p].lo != r->services[s].ports[p].hi)
				return &r->services[s];
	return NULL;
}

/* Whether any service of the rule matches. */
static bool rule_matches(const struct rule *r, uint8_t proto, uint16_t port)
{
	for (unsigned s = 0; r && s < r->nservices; s++)
		if (service_matches(&r->services[s], proto, port))
			return true;
	return false;
}

static void test_matrix_range(void)
{
	struct ruleset *rs = load_file("tests/e2e/sites/separate.json");
	const struct rule *other = rule(rs, "mobile-ad-other");
	const struct rule_service *rpc = range_service(other);

	if (!ok(rpc != NULL, "mobile-ad-other has a TCP port range")) {
		ruleset_free(rs);
		return;
	}
	ok(rpc->nports == 1 && rpc->ports[0].lo == 49152 && rpc->ports[0].hi == 65535,
	   "it is read as 49152-65535, both ends kept");
	ok(service_matches(rpc, IP_PROTO_TCP, 49152), "tcp/49152, its lowest port, matches");
	ok(service_matches(rpc, IP_PROTO_TCP, 65535), "tcp/65535, its highest port, matches");
	ok(service_matches(rpc, IP_PROTO_TCP, 65534), "tcp/65534 matches");
	ok(!service_matches(rpc, IP_PROTO_TCP, 49151), "tcp/49151, just below, does not");
	ok(!service_matches(rpc, IP_PROTO_UDP, 65535), "udp/65535 does not: TCP only");
	ok(rule_matches(other, IP_PROTO_TCP, 65535) && !rule_matches(other, IP_PROTO_TCP, 49151),
	   "so the rule allows tcp/65535 and not tcp/49151");

	char text[64];
	service_format(rpc, text, sizeof(text));
	is_str(text, "tcp/49152-65535", "the range prints with both ends");

	/* Every service of an allowed rule is a unit: the range is one. */
	int lo = rule_unit_of(other, rpc, 49152), hi = rule_unit_of(other, rpc, 65535);
	ok(lo >= 0 && hi == lo, "both ends are evidence for the range's unit");
	is_int(rule_unit_of(other, rpc, 49151), -1, "the port below is evidence for none");
	if (lo >= 0) {
		rule_unit_format(other, (unsigned)lo, text, sizeof(text));
		is_str(text, "tcp/49152-65535", "the unit prints as the whole range");
	}

	struct server_port sp[512];
	unsigned n = ruleset_server_ports(rs, sp, 512);
	bool listed = false, cut = false;
	for (unsigned i = 0; i < n && i < 512; i++) {
		if (sp[i].rule != other || sp[i].proto != IP_PROTO_TCP)
			continue;
		listed |= sp[i].range.lo == 49152 && sp[i].range.hi == 65535;
		cut |= sp[i].range.lo == 49152 && sp[i].range.hi != 65535;
	}
	ok(listed && !cut, "the server ports list the range 49152-65535 whole");
	ruleset_free(rs);
}

#define SITE_HEAD "{\"roles\": {\"license_server\": [\"10.1.0.10\"], " \
		  "\"mobile_service\": [\"10.1.0.20\"]}"

/* A site's port parameter at the top of the port space, and just past it. */
static void test_param_edges(void)
{
	struct ruleset *rs = load_site(SITE_HEAD ", \"params\": {\"license_port\": 65535}}");
	const struct rule *lic = rule(rs, "mobile-license");
	ok(lic && rule_matches(lic, IP_PROTO_TCP, 65535) &&
	   !rule_matches(lic, IP_PROTO_TCP, 65534) && !rule_matches(lic, IP_PROTO_TCP, 13667),
	   "license_port 65535 is the licence port, and only it");
	ruleset_free(rs);

	rs = load_site(SITE_HEAD ", \"params\": {\"license_port\": \"65535\"}}");
	lic = rule(rs, "mobile-license");
	ok(lic && rule_matches(lic, IP_PROTO_TCP, 65535), "so is the text \"65535\"");
	ruleset_free(rs);

	rs = load_site(SITE_HEAD ", \"params\": {\"license_port\": 1}}");
	lic = rule(rs, "mobile-license");
	ok(lic && rule_matches(lic, IP_PROTO_TCP, 1), "license_port 1, the lowest, is accepted");
	ruleset_free(rs);

	static const char *const bad[] = { "65536", "0", "\"65536\"", "\"-1\"", "99999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text), SITE_HEAD ", \"params\": {\"license_port\": %s}}",
			 bad[i]);
		rs = load_site(text);
		ok(rs == NULL, "license_port %s is refused", bad[i]);
		ruleset_free(rs);
	}
	static const char *const bad_ranges[] = { "49152-65536", "65535-49152", "0-10", "5-" };
	for (size_t i = 0; i < sizeof(bad_ranges) / sizeof(bad_ranges[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text), "{\"roles\": {\"license_server\": [\"10.1.0.10\"]}, "
			 "\"params\": {\"wfm_health_ports\": [\"%s\"]}}", bad_ranges[i]);
		rs = load_site(text);
		ok(rs == NULL, "wfm_health_ports \"%s\" is refused", bad_ranges[i]);
		ruleset_free(rs);
	}
	rs = load_site("{\"roles\": {\"license_server\": [\"10.1.0.10\"]}, "
		       "\"params\": {\"wfm_health_ports\": [\"65535-65535\"]}}");
	ok(rs != NULL, "wfm_health_ports \"65535-65535\", one port as a range, is accepted");
	ruleset_free(rs);

	/* A ports parameter holding ranges: the health scan of the Workflow
	 * Manager on 60000-65535. */
	rs = load_site("{\"roles\": {\"license_server\": [\"10.1.0.10\"], "
		       "\"workflow_manager\": [\"10.1.0.60\"]}, "
		       "\"params\": {\"wfm_health_ports\": [\"60000-65535\", 80]}}");
	const struct rule *wfm = rule(rs, "license-wfm-health");
	ok(wfm && rule_matches(wfm, IP_PROTO_TCP, 60000) && rule_matches(wfm, IP_PROTO_TCP, 65535) &&
	   rule_matches(wfm, IP_PROTO_TCP, 80) && !rule_matches(wfm, IP_PROTO_TCP, 59999) &&
	   !rule_matches(wfm, IP_PROTO_TCP, 81),
	   "a ports parameter of \"60000-65535\" and 80: both ends and 80, not 59999 or 81");
	ruleset_free(rs);
}

/* A site exception's ports keep both ends of their ranges. */
static void test_allow_edges(void)
{
	struct ruleset *rs = load_site(SITE_HEAD ", \"allow\": [{\"from\": \"license_server\", "
		"\"to\": \"10.9.9.9\", \"proto\": \"tcp\", \"ports\": [\"60000-65535\", 1, "
		"\"65535\"], \"why\": \"edges\"}]}");
	const struct site_allow *a = rs && ruleset_allow_count(rs) == 1 ? ruleset_allow(rs, 0) : NULL;

	if (!ok(a != NULL, "a site exception with port ranges loads"))
		return;
	ok(a->nports == 3 && a->ports[0].lo == 60000 && a->ports[0].hi == 65535 &&
	   a->ports[1].lo == 1 && a->ports[1].hi == 1 &&
	   a->ports[2].lo == 65535 && a->ports[2].hi == 65535,
	   "its ports are 60000-65535, 1 and 65535, each with both ends");
	ruleset_free(rs);
}

int main(void)
{
	const char *s = getenv("SRCDIR");
	snprintf(srcdir, sizeof(srcdir), "%s", s && *s ? s : ".");
	if (!getenv("FLOWAUDIT_MATRIX_DIR")) {
		char rules[1100];
		snprintf(rules, sizeof(rules), "%s/rules", srcdir);
		setenv("FLOWAUDIT_MATRIX_DIR", rules, 1);
	}
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_matrix_range();
	test_param_edges();
	test_allow_edges();
	char path[1200];
	snprintf(path, sizeof(path), "%s/site.json", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return done_testing();
}
