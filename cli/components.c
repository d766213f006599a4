/* components.c - run-time library versions (see components.h). */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <ldns/ldns.h>
#include <maxminddb.h>
#include <ndpi/ndpi_api.h>
#include <nettle/version.h>
#include <pcap/pcap.h>
#include <sys/capability.h>

#include "components.h"
#include "config.h"

static void set(struct component *c, const char *name, const char *version)
{
	c->name = name;
	snprintf(c->version, sizeof(c->version), "%s", version ? version : "unknown");
}

/* libpcap states itself as "libpcap version 1.10.3 (with TPACKET_V3)":
 * the version is the word after "version". */
static const char *pcap_version_word(const char *s, char *out, size_t len)
{
	const char *v = s ? strstr(s, "version ") : NULL;
	if (!v)
		return s;
	v += strlen("version ");
	size_t n = strcspn(v, " ");
	snprintf(out, len, "%.*s", (int)n, v);
	return out;
}

size_t components_list(struct component out[COMPONENT_COUNT])
{
	char buf[COMPONENT_VERSION_LEN];
	size_t n = 0;

	set(&out[n++], "flowaudit", PACKAGE_VERSION);
	set(&out[n++], "nDPI", ndpi_revision());
	set(&out[n++], "libpcap", pcap_version_word(pcap_lib_version(), buf, sizeof(buf)));
	set(&out[n++], "libmaxminddb", MMDB_lib_version());
	set(&out[n++], "cJSON", cJSON_Version());
	set(&out[n++], "ldns", ldns_version());
	snprintf(buf, sizeof(buf), "%d.%d", nettle_version_major(), nettle_version_minor());
	set(&out[n++], "nettle", buf);
	/* libcap has no run-time version call; the headers' is what was built. */
	snprintf(buf, sizeof(buf), "%d.%d", LIBCAP_MAJOR, LIBCAP_MINOR);
	set(&out[n++], "libcap", buf);
	return n;
}
