/* geoip.h - where an endpoint is: special-purpose addresses labelled without
 * a lookup (IANA special-purpose registries), external ones looked up in
 * MaxMind databases through libmaxminddb. */
#ifndef FLOWAUDIT_GEOIP_H
#define FLOWAUDIT_GEOIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/packet.h"
#include "classify/flow_class.h"

struct geoip;

/* Opens a country and/or an ASN database (either may be NULL). NULL with a
 * message naming the file when one is missing, unreadable, not a MaxMind
 * database, or of the wrong kind. */
struct geoip *geoip_open(const char *country_path, const char *asn_path,
			 char *err, size_t errlen);
void geoip_close(struct geoip *g);

/* "loopback", "private", "link-local", ... or NULL for a global address. */
const char *address_scope(uint8_t ip_version, const struct ip_addr *a);

/* The scope of a special address, else what the databases say. g may be
 * NULL (scope only). Never allocates. */
void geoip_lookup(const struct geoip *g, uint8_t ip_version,
		  const struct ip_addr *a, struct endpoint_geo *out);

#endif
