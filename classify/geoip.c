/* geoip.c - special ranges and MaxMind lookups (see geoip.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/array.h"
#include "common/cidr.h"
#include "geoip.h"

struct geoip {
	bool has_country, has_asn;
	MMDB_s country, asn;
};

struct special_range {
	struct cidr net;
	const char *scope;
};

/* IANA IPv4/IPv6 Special-Purpose Address Registries, most specific first
 * where ranges nest. */
static const struct special_range ranges[] = {
	{ { 4, 32, { { 255, 255, 255, 255 } } }, "broadcast" },
	{ { 4, 8, { { 0 } } }, "unspecified" },
	{ { 4, 8, { { 10 } } }, "private" },
	{ { 4, 10, { { 100, 64 } } }, "shared" },
	{ { 4, 8, { { 127 } } }, "loopback" },
	{ { 4, 16, { { 169, 254 } } }, "link-local" },
	{ { 4, 12, { { 172, 16 } } }, "private" },
	{ { 4, 24, { { 192, 0, 0 } } }, "reserved" },
	{ { 4, 24, { { 192, 0, 2 } } }, "documentation" },
	{ { 4, 24, { { 192, 88, 99 } } }, "reserved" },
	{ { 4, 16, { { 192, 168 } } }, "private" },
	{ { 4, 15, { { 198, 18 } } }, "benchmarking" },
	{ { 4, 24, { { 198, 51, 100 } } }, "documentation" },
	{ { 4, 24, { { 203, 0, 113 } } }, "documentation" },
	{ { 4, 4, { { 224 } } }, "multicast" },
	{ { 4, 4, { { 240 } } }, "reserved" },
	{ { 6, 128, { { 0 } } }, "unspecified" },
	{ { 6, 128, { { [15] = 1 } } }, "loopback" },
	{ { 6, 96, { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } } }, "reserved" },  /* IPv4-compatible */
	{ { 6, 96, { { 0, 0x64, 0xff, 0x9b } } }, "translated" },
	{ { 6, 64, { { 1, 0 } } }, "discard" },
	{ { 6, 32, { { 0x20, 0x01, 0x0d, 0xb8 } } }, "documentation" },
	{ { 6, 48, { { 0x20, 0x01, 0x00, 0x02, 0x00, 0x00 } } }, "benchmarking" },
	{ { 6, 23, { { 0x20, 0x01 } } }, "reserved" },  /* IETF protocol assignments */
	{ { 6, 7, { { 0xfc } } }, "private" },          /* unique local */
	{ { 6, 10, { { 0xfe, 0x80 } } }, "link-local" },
	{ { 6, 8, { { 0xff } } }, "multicast" },
};

static bool is_v4_mapped(const struct ip_addr *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };
	return memcmp(a->b, prefix, sizeof(prefix)) == 0;
}

/* The first bytes the IPv4 ranges above can start with: every one of
 * them has a prefix of 8 bits or more but 224/4 and 240/4 (and 255/32),
 * which together are 224 to 255. Keep in step with the table. */
static bool v4_first_byte_special(uint8_t b)
{
	switch (b) {
	case 0: case 10: case 100: case 127: case 169: case 172: case 192:
	case 198: case 203:
		return true;
	default:
		return b >= 224;
	}
}

const char *address_scope(uint8_t ip_version, const struct ip_addr *a)
{
	/* An IPv4-mapped IPv6 address is the IPv4 address it carries. */
	if (ip_version == 6 && is_v4_mapped(a)) {
		struct ip_addr v4;
		memset(&v4, 0, sizeof(v4));
		memcpy(v4.b, a->b + 12, 4);
		return address_scope(4, &v4);
	}
	/* Most addresses are global: an IPv4 address whose first byte starts
	 * none of the ranges above is, without a walk of the table (which
	 * was a tenth of flow tracking's instructions). */
	if (ip_version == 4 && !v4_first_byte_special(a->b[0]))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(ranges); i++)
		if (cidr_contains(&ranges[i].net, ip_version, a))
			return ranges[i].scope;
	return NULL;
}

static bool open_db(MMDB_s *db, const char *path, const char *want,
		    const char *flag, char *err, size_t errlen)
{
	int rc = MMDB_open(path, MMDB_MODE_MMAP, db);
	if (rc != MMDB_SUCCESS) {
		if (rc == MMDB_FILE_OPEN_ERROR)
			snprintf(err, errlen, "%s: cannot open %s: %s", flag, path,
				 strerror(errno ? errno : ENOENT));
		else
			snprintf(err, errlen, "%s: %s is not a MaxMind database: %s",
				 flag, path, MMDB_strerror(rc));
		return false;
	}
	const char *type = db->metadata.database_type;
	bool ok = false;
	if (strcmp(want, "country") == 0)
		ok = type && (strstr(type, "Country") || strstr(type, "City"));
	else
		ok = type && strstr(type, "ASN");
	if (!ok) {
		snprintf(err, errlen, "%s: %s has database type %s, not %s "
			 "database", flag, path, type ? type : "(none)",
			 strcmp(want, "country") == 0 ? "a country or city" : "an ASN");
		MMDB_close(db);
		return false;
	}
	return true;
}

struct geoip *geoip_open(const char *country_path, const char *asn_path,
			 char *err, size_t errlen)
{
	struct geoip *g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (country_path) {
		if (!open_db(&g->country, country_path, "country", "--geoip", err, errlen))
			goto fail;
		g->has_country = true;
	}
	if (asn_path) {
		if (!open_db(&g->asn, asn_path, "asn", "--asn", err, errlen))
			goto fail;
		g->has_asn = true;
	}
	return g;
fail:
	geoip_close(g);
	return NULL;
}

void geoip_close(struct geoip *g)
{
	if (!g)
		return;
	if (g->has_country)
		MMDB_close(&g->country);
	if (g->has_asn)
		MMDB_close(&g->asn);
	free(g);
}

/* Copies a UTF-8 string value from the database, bounded. */
static void copy_string(MMDB_entry_s *e, char *out, size_t len, ...)
{
	MMDB_entry_data_s data;
	va_list path;

	out[0] = '\0';
	va_start(path, len);
	int rc = MMDB_vget_value(e, &data, path);
	va_end(path);
	if (rc != MMDB_SUCCESS || !data.has_data ||
	    data.type != MMDB_DATA_TYPE_UTF8_STRING)
		return;
	size_t n = data.data_size < len - 1 ? data.data_size : len - 1;
	memcpy(out, data.utf8_string, n);
	out[n] = '\0';
}

static bool lookup(const MMDB_s *db, uint8_t version, const struct ip_addr *a,
		   MMDB_lookup_result_s *res)
{
	struct sockaddr_storage ss;
	int mmdb_err = 0;

	memset(&ss, 0, sizeof(ss));
	if (version == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->b, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->b, 16);
	}
	*res = MMDB_lookup_sockaddr(db, (struct sockaddr *)&ss, &mmdb_err);
	return mmdb_err == MMDB_SUCCESS && res->found_entry;
}

void geoip_lookup(const struct geoip *g, uint8_t ip_version,
		  const struct ip_addr *a, struct endpoint_geo *out)
{
	MMDB_lookup_result_s res;

	memset(out, 0, sizeof(*out));
	const char *scope = address_scope(ip_version, a);
	if (scope) {
		/* scope is one of ours and fits: no snprintf per flow. */
		memcpy(out->scope, scope, strnlen(scope, sizeof(out->scope) - 1));
		return;  /* special addresses are never looked up */
	}
	if (!g)
		return;
	if (g->has_country && lookup(&g->country, ip_version, a, &res)) {
		copy_string(&res.entry, out->country, sizeof(out->country),
			    "country", "iso_code", NULL);
		if (!out->country[0])
			copy_string(&res.entry, out->country, sizeof(out->country),
				    "registered_country", "iso_code", NULL);
	}
	if (g->has_asn && lookup(&g->asn, ip_version, a, &res)) {
		MMDB_entry_data_s data;
		if (MMDB_get_value(&res.entry, &data, "autonomous_system_number",
				   NULL) == MMDB_SUCCESS && data.has_data &&
		    data.type == MMDB_DATA_TYPE_UINT32)
			out->asn = data.uint32;
		copy_string(&res.entry, out->as_org, sizeof(out->as_org),
			    "autonomous_system_organization", NULL);
	}
}
