/* flow_record.c - names and port knowledge shared by flow records. */
#include <stddef.h>

#include "common/array.h"
#include "flow_record.h"

const char *flow_end_reason_name(enum flow_end_reason r)
{
	switch (r) {
	case FLOW_END_IDLE:
		return "idle";
	case FLOW_END_CLOSED:
		return "closed";
	case FLOW_END_REUSED:
		return "reused";
	case FLOW_END_EVICTED:
		return "evicted";
	case FLOW_END_INPUT:
		return "end_of_input";
	}
	return "unknown";
}

const char *flow_seen_name(enum flow_seen s)
{
	switch (s) {
	case FLOW_SEEN_BOTH:
		return "both";
	case FLOW_SEEN_ORIG_ONLY:
		return "orig";
	case FLOW_SEEN_RESP_ONLY:
		return "resp";
	}
	return "unknown";
}

/* Service ports above 1023 that are servers far more often than clients:
 * the registered ports of protocols an auditor meets (databases, directory,
 * management, messaging, tunnels: L2TP 1701, GTP 2123/2152, Teredo 3544,
 * IPsec NAT-T 4500, VXLAN 4789, AYIYA 5072, Geneve 6081). A deployment's own
 * ports come from its rules (struct server_ports). */
static const uint16_t registered_server_ports[] = {
	1080, 1194, 1433, 1434, 1521, 1701, 1723, 1812, 1813, 1883, 1900,
	2049, 2082, 2083, 2123, 2152, 2181, 2375, 2376, 2404, 3128, 3260,
	3268, 3269, 3306, 3389, 3478, 3544, 4443, 4500, 4789, 5060, 5061,
	5072, 5222, 5223, 5353, 5355, 5432, 5601, 5671, 5672, 5900, 5985,
	5986, 6081, 6379, 6443, 6514, 8000, 8008, 8080, 8081, 8088, 8443,
	8883, 9090, 9092, 9200, 9300, 9418, 11211, 27017,
};

/* Well-known ports that are a protocol's client side, never its server's
 * (as Zeek's likely_server_ports leaves them out): a datagram from one is a
 * request, not an answer. */
static const struct {
	uint8_t ip_proto;
	uint16_t port;
} client_ports[] = {
	{ IP_PROTO_UDP, 68 },   /* DHCP/BOOTP client; the server is on 67 */
	{ IP_PROTO_UDP, 546 },  /* DHCPv6 client; the server is on 547 */
	{ IP_PROTO_TCP, 20 },   /* FTP active data: the server connects from it */
};

bool server_ports_add(struct server_ports *s, uint8_t ip_proto, uint16_t lo,
		      uint16_t hi)
{
	uint64_t *bits = ip_proto == IP_PROTO_TCP ? s->tcp :
			 ip_proto == IP_PROTO_UDP ? s->udp : NULL;

	if (!bits || lo > hi || hi - lo >= SERVER_PORTS_MAX_RANGE)
		return false;
	for (unsigned p = lo; p <= hi; p++)
		bits[p / 64] |= 1ull << (p % 64);
	return true;
}

bool port_is_likely_server(const struct server_ports *extra, uint8_t ip_proto,
			   uint16_t port)
{
	if (port == 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(client_ports); i++)
		if (client_ports[i].port == port && client_ports[i].ip_proto == ip_proto)
			return false;
	if (port < 1024)
		return true;
	if (extra) {
		const uint64_t *bits = ip_proto == IP_PROTO_TCP ? extra->tcp :
				       ip_proto == IP_PROTO_UDP ? extra->udp : NULL;
		if (bits && bits[port / 64] >> (port % 64) & 1)
			return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(registered_server_ports); i++)
		if (registered_server_ports[i] == port)
			return true;
	return false;
}
