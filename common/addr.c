/* addr.c - addresses as text (see addr.h). */
#include <arpa/inet.h>
#include <stdbool.h>
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

/* The longest run of two or more zero groups (the first of equal runs),
 * as RFC 5952 compresses it; *len 0 when there is none. */
static void longest_zero_run(const uint16_t g[8], int *start, int *len)
{
	*start = -1;
	*len = 0;
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > *len && j - i >= 2) {
			*start = i;
			*len = j - i;
		}
		i = j > i ? j : i + 1;
	}
}

static char *put_hex_group(char *p, uint16_t v)
{
	static const char hex[] = "0123456789abcdef";
	bool started = false;

	for (int shift = 12; shift >= 0; shift -= 4) {
		unsigned d = (v >> shift) & 15;
		if (d || started || shift == 0) {
			*p++ = hex[d];
			started = true;
		}
	}
	return p;
}

/* IPv6 text by hand, as glibc's inet_ntop writes it (test_escape compares
 * the two on many addresses): inet_ntop formats each group through
 * sprintf, and a flow record prints two addresses. Lower-case hex without
 * leading zeros, the longest run of two or more zero groups as "::", and
 * the last 32 bits as a dotted quad for IPv4-mapped (::ffff:0:0/96) and
 * IPv4-compatible addresses (six zero groups, then a non-zero one). */
static void format_ipv6(char *out, const uint8_t b[16])
{
	uint16_t g[8];
	int zs, zl;
	char *p = out;

	for (int i = 0; i < 8; i++)
		g[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
	longest_zero_run(g, &zs, &zl);
	for (int i = 0; i < 8; i++) {
		if (i == zs) {
			*p++ = ':';
			if (zs + zl == 8)
				*p++ = ':';
			i += zl - 1;
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && zs == 0 && (zl == 6 || (zl == 5 && g[5] == 0xffff))) {
			format_ipv4(p, b + 12);
			return;
		}
		p = put_hex_group(p, g[i]);
	}
	*p = '\0';
}

void format_ip(char out[IP_TEXT_LEN], uint8_t version, const struct ip_addr *a)
{
	if (version != 6)
		format_ipv4(out, a->b);
	else
		format_ipv6(out, a->b);
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
