/* port_services.c - usual services of server ports (see port_services.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/ip_proto.h"
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
};

static const struct port_service *lookup(uint8_t ip_proto, uint16_t port)
{
	for (size_t i = 0; i < ARRAY_SIZE(services); i++)
		if (services[i].port == port &&
		    (services[i].proto == ANY_PROTO || services[i].proto == ip_proto))
			return &services[i];
	return NULL;
}

/* ---- told labels ---- */

struct told_label {
	uint8_t proto;
	uint16_t lo, hi;
	char *service;
	char **apps;             /* napps 0: any application agrees */
	unsigned napps;
};

struct port_labels {
	unsigned n;
	struct told_label *labels;
};

void port_labels_free(struct port_labels *pl)
{
	if (!pl)
		return;
	for (unsigned i = 0; i < pl->n; i++) {
		struct told_label *l = &pl->labels[i];
		for (unsigned j = 0; j < l->napps; j++)
			free(l->apps[j]);
		free(l->apps);
		free(l->service);
	}
	free(pl->labels);
	free(pl);
}

static bool copy_label(struct told_label *to, const struct port_label *from)
{
	to->proto = from->proto;
	to->lo = from->lo;
	to->hi = from->hi;
	to->service = strdup(from->service ? from->service : "");
	if (!to->service)
		return false;
	if (!from->napps)
		return true;
	to->apps = calloc(from->napps, sizeof(*to->apps));
	if (!to->apps)
		return false;
	for (unsigned j = 0; j < from->napps; j++) {
		if (!(to->apps[j] = strdup(from->apps[j])))
			return false;
		to->napps++;
	}
	return true;
}

struct port_labels *port_labels_new(const struct port_label *labels, unsigned n)
{
	struct port_labels *pl = calloc(1, sizeof(*pl));

	if (!pl)
		return NULL;
	pl->labels = calloc(n ? n : 1, sizeof(*pl->labels));
	if (!pl->labels) {
		free(pl);
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		bool ok = copy_label(&pl->labels[i], &labels[i]);
		pl->n++;
		if (!ok) {
			port_labels_free(pl);
			return NULL;
		}
	}
	return pl;
}

/* The next told label from *i on naming the port, or NULL. */
static const struct told_label *told_next(const struct port_labels *told,
					  unsigned *i, uint8_t ip_proto,
					  uint16_t port)
{
	while (told && *i < told->n) {
		const struct told_label *l = &told->labels[(*i)++];
		if (l->proto == ip_proto && port >= l->lo && port <= l->hi)
			return l;
	}
	return NULL;
}

const char *port_service(const struct port_labels *told, uint8_t ip_proto,
			 uint16_t port)
{
	const struct port_service *s = lookup(ip_proto, port);
	if (s)
		return s->service;
	unsigned i = 0;
	const struct told_label *l = told_next(told, &i, ip_proto, port);
	return l ? l->service : NULL;
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

static bool told_agrees(const struct told_label *l, const char *carrier,
			const char *app)
{
	if (!l->napps)
		return true;
	for (unsigned i = 0; i < l->napps; i++)
		if (strcmp(l->apps[i], carrier) == 0 || (app && strcmp(l->apps[i], app) == 0))
			return true;
	return false;
}

bool port_contradicted(const struct port_labels *told, uint8_t ip_proto,
		       uint16_t port, const char *master, const char *app)
{
	const struct port_service *s = lookup(ip_proto, port);
	unsigned i = 0;
	const struct told_label *l = s ? NULL : told_next(told, &i, ip_proto, port);

	if (!s && !l)
		return false;
	/* nDPI names a service on top of its carrier (TLS.Google): the
	 * carrier is what the port speaks. */
	const char *carrier = master && *master ? master : app;
	if (!carrier || !*carrier || strcmp(carrier, "Unknown") == 0)
		return false;
	if (s)
		return !listed(s->agrees, carrier) && !listed(s->agrees, app);
	/* Several rules may name the port: one that agrees is enough. */
	for (; l; l = told_next(told, &i, ip_proto, port))
		if (told_agrees(l, carrier, app))
			return false;
	return true;
}
