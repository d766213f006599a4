/* community_id.h - Community ID v1 flow hashes (corelight/community-id-spec),
 * the key Zeek and Suricata logs share for correlating one flow. */
#ifndef FLOWAUDIT_COMMUNITY_ID_H
#define FLOWAUDIT_COMMUNITY_ID_H

#include <stdbool.h>
#include <stdint.h>

#include "flow_record.h"

/* ICMP/ICMPv6 request types pair with their reply types (Zeek and the
 * Community ID specification use the same table); other types are one-way
 * and pair with their code. */
uint16_t icmp_counterpart(uint8_t ip_version, uint8_t type, uint8_t code,
			  bool *one_way);

/* "1:" and the base64 SHA-1 of the ordered tuple, seed 0. For ICMP, sport is
 * the type and dport the counterpart (or code), as in flow records. */
void community_id_v1(uint8_t ip_version, uint8_t proto,
		     const struct ip_addr *src, uint16_t sport,
		     const struct ip_addr *dst, uint16_t dport,
		     char out[COMMUNITY_ID_LEN]);

#endif
