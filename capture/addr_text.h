/* addr_text.h - addresses and packet times as text, for every layer. */
#ifndef FLOWAUDIT_ADDR_TEXT_H
#define FLOWAUDIT_ADDR_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"

#define IP_TEXT_LEN 46
void format_ip(char out[IP_TEXT_LEN], uint8_t version, const struct ip_addr *a);

/* "192.0.2.10:443" or "[2001:db8::1]:443" */
#define ENDPOINT_TEXT_LEN (IP_TEXT_LEN + 8)
void format_endpoint(char out[ENDPOINT_TEXT_LEN], uint8_t version,
		     const struct ip_addr *a, uint16_t port);

/* "2023-11-14T22:13:20.123456Z" */
#define TS_TEXT_LEN 32
void format_ts_iso(char out[TS_TEXT_LEN], uint64_t us);

#endif
