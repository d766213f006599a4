/* addr.h - IP addresses of either family, and their text, for every layer.
 *
 * The one address type of the project: decoders fill it, the flow table
 * keys on it, rules bind roles to it, reports print it. IPv4 is stored in
 * the first four bytes; the ip_version beside it says which family.
 */
#ifndef FLOWAUDIT_COMMON_ADDR_H
#define FLOWAUDIT_COMMON_ADDR_H

#include <stddef.h>
#include <stdint.h>

struct ip_addr {
	uint8_t b[16];
};

#define IP_TEXT_LEN 46
void format_ip(char out[IP_TEXT_LEN], uint8_t version, const struct ip_addr *a);

/* "192.0.2.10:443" or "[2001:db8::1]:443" */
#define ENDPOINT_TEXT_LEN (IP_TEXT_LEN + 8)
void format_endpoint(char out[ENDPOINT_TEXT_LEN], uint8_t version,
		     const struct ip_addr *a, uint16_t port);

/* Orders addresses: IPv4 before IPv6, then by bytes. */
int ip_addr_compare(uint8_t va, const struct ip_addr *a, uint8_t vb,
		    const struct ip_addr *b);

#endif
