/* cidr.c - networks (see cidr.h). */
#include <stdio.h>

#include "cidr.h"

void format_cidr(char *out, size_t len, const struct cidr *c)
{
	char ip[IP_TEXT_LEN];

	format_ip(ip, c->ip_version, &c->addr);
	if (c->prefix == (c->ip_version == 4 ? 32 : 128))
		snprintf(out, len, "%s", ip);
	else
		snprintf(out, len, "%s/%u", ip, c->prefix);
}
