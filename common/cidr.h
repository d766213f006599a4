/* cidr.h - networks (address and prefix length) for site bindings,
 * exceptions and special-address tables. */
#ifndef FLOWAUDIT_COMMON_CIDR_H
#define FLOWAUDIT_COMMON_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct cidr {
	uint8_t ip_version;
	uint8_t prefix;
	struct ip_addr addr;
};

/* Whether the address (of that family) lies in the network. */
bool cidr_contains(const struct cidr *c, uint8_t version, const struct ip_addr *a);

/* "192.0.2.7" for a host, "192.0.2.0/24" for a network. */
#define CIDR_TEXT_LEN (IP_TEXT_LEN + 4)
void format_cidr(char *out, size_t len, const struct cidr *c);

#endif
