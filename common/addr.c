/* addr.c - addresses as text (see addr.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

/* Dotted quad by hand: every flow record prints two addresses, and glibc's
 * inet_ntop goes through sprintf for IPv4. */
static void format_ipv4(char *out, const uint8_t b[4])
{
	char *p = out;

	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (i)
			*p++ = '.';
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
	}
	*p = '\0';
}

void format_ip(char out[IP_TEXT_LEN], uint8_t version, const struct ip_addr *a)
{
	if (version != 6) {
		format_ipv4(out, a->b);
		return;
	}
	if (!inet_ntop(AF_INET6, a->b, out, IP_TEXT_LEN))
		snprintf(out, IP_TEXT_LEN, "?");
}

void format_endpoint(char out[ENDPOINT_TEXT_LEN], uint8_t version,
		     const struct ip_addr *a, uint16_t port)
{
	char ip[IP_TEXT_LEN];
	format_ip(ip, version, a);
	snprintf(out, ENDPOINT_TEXT_LEN, version == 6 ? "[%s]:%u" : "%s:%u", ip, port);
}

int ip_addr_compare(uint8_t va, const struct ip_addr *a, uint8_t vb,
		    const struct ip_addr *b)
{
	if (va != vb)
		return va < vb ? -1 : 1;
	return memcmp(a, b, sizeof(*a));
}
