/* port_services.c - usual services of server ports (see port_services.h). */
#include <stddef.h>
#include <string.h>

#include "capture/packet.h"
#include "port_services.h"

#define ANY_PROTO 0

struct port_service {
	uint8_t proto;          /* IP_PROTO_TCP, IP_PROTO_UDP or ANY_PROTO */
	uint16_t port;
	const char *service;
	/* nDPI protocol names that agree, "|"-separated; "" means the
	 * protocol is one nDPI does not know, so any named one disagrees. */
	const char *agrees;
};

static const struct port_service services[] = {
	{ IP_PROTO_TCP, 22, "SSH", "SSH" },
	{ IP_PROTO_TCP, 25, "SMTP", "SMTP|SMTPS|TLS" },
	{ ANY_PROTO, 53, "DNS", "DNS" },
	{ IP_PROTO_TCP, 80, "HTTP", "HTTP|HTTP_Proxy|HTTP_Connect|OCSP|WebSocket" },
	{ ANY_PROTO, 88, "Kerberos", "Kerberos" },
	{ IP_PROTO_UDP, 123, "NTP", "NTP" },
	{ IP_PROTO_TCP, 135, "DCE-RPC", "DCE_RPC" },
	{ IP_PROTO_UDP, 137, "NetBIOS-NS", "NetBIOS" },
	{ IP_PROTO_UDP, 138, "NetBIOS-DGM", "NetBIOS|SMBv1" },
	{ IP_PROTO_TCP, 139, "NetBIOS-SSN", "NetBIOS|SMBv1|SMBv23" },
	{ ANY_PROTO, 389, "LDAP", "LDAP" },
	{ IP_PROTO_TCP, 443, "HTTPS", "TLS|HTTP|HTTP2|QUIC" },
	{ IP_PROTO_UDP, 443, "QUIC", "QUIC|DTLS" },
	{ IP_PROTO_TCP, 445, "SMB", "SMBv23|SMBv1|DCE_RPC|NetBIOS" },
	{ ANY_PROTO, 464, "Kerberos-kpasswd", "Kerberos" },
	{ IP_PROTO_TCP, 465, "SMTPS", "SMTPS|TLS|SMTP" },
	{ IP_PROTO_TCP, 587, "SMTP-submission", "SMTP|SMTPS|TLS" },
	{ IP_PROTO_TCP, 636, "LDAPS", "TLS|LDAP" },
	{ IP_PROTO_TCP, 1433, "MS-SQL", "MsSQL-TDS|TLS" },
	{ IP_PROTO_UDP, 1434, "MS-SQL-browser", "MsSQL-TDS" },
	{ IP_PROTO_TCP, 3268, "LDAP-GC", "LDAP" },
	{ IP_PROTO_TCP, 3269, "LDAPS-GC", "TLS|LDAP" },
	{ IP_PROTO_TCP, 3389, "RDP", "RDP|TLS" },
	{ IP_PROTO_TCP, 13667, "SpeechExec-License", "" },
	{ IP_PROTO_TCP, 49256, "SpeechExec-WFM-health", "HTTP" },
};

static const struct port_service *lookup(uint8_t ip_proto, uint16_t port)
{
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (services[i].port == port &&
		    (services[i].proto == ANY_PROTO || services[i].proto == ip_proto))
			return &services[i];
	return NULL;
}

const char *port_service(uint8_t ip_proto, uint16_t port)
{
	const struct port_service *s = lookup(ip_proto, port);
	return s ? s->service : NULL;
}

/* Whether name is one of the "|"-separated names in list. */
static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	if (n == 0)
		return false;
	for (const char *p = list; *p;) {
		const char *end = strchr(p, '|');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

bool port_contradicted(uint8_t ip_proto, uint16_t port, const char *master,
		       const char *app)
{
	const struct port_service *s = lookup(ip_proto, port);

	if (!s)
		return false;
	/* nDPI names a service on top of its carrier (TLS.Google): the
	 * carrier is what the port speaks. */
	const char *carrier = master && *master ? master : app;
	if (!carrier || !*carrier || strcmp(carrier, "Unknown") == 0)
		return false;
	return !listed(s->agrees, carrier) && !listed(s->agrees, app);
}
