/* cidr.c - networks (see cidr.h). */
#include <stdio.h>
#include <string.h>

#include "cidr.h"

bool cidr_contains(const struct cidr *c, uint8_t version, const struct ip_addr *a)
{
	if (c->ip_version != version)
		return false;
	unsigned full = c->prefix / 8, rest = c->prefix % 8;
	if (memcmp(c->addr.b, a->b, full) != 0)
		return false;
	return !rest || ((c->addr.b[full] ^ a->b[full]) & (0xff << (8 - rest))) == 0;
}

void format_cidr(char *out, size_t len, const struct cidr *c)
{
	char ip[IP_TEXT_LEN];

	format_ip(ip, c->ip_version, &c->addr);
	if (c->prefix == (c->ip_version == 4 ? 32 : 128))
		snprintf(out, len, "%s", ip);
	else
		snprintf(out, len, "%s/%u", ip, c->prefix);
}
