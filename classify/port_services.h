/* port_services.h - what a server port usually carries, and which nDPI
 * protocols agree with it: the flow keeps both, so SSH on 443 or HTTP on a
 * port the deployment's rules reserve for something else stands out. */
#ifndef FLOWAUDIT_PORT_SERVICES_H
#define FLOWAUDIT_PORT_SERVICES_H

#include <stdbool.h>
#include <stdint.h>

/* A service a deployment names on its own ports (its rules' service labels),
 * consulted where the usual services have nothing to say. */
struct port_label {
	uint8_t proto;                /* IP_PROTO_TCP or IP_PROTO_UDP */
	uint16_t lo, hi;              /* port range */
	const char *service;          /* e.g. "license" */
	/* nDPI protocols that may run there; napps 0: any may. */
	const char *const *apps;
	unsigned napps;
};

/* A copy of told labels, owned by whoever made it. NULL when out of memory
 * (n 0 makes an empty set). */
struct port_labels *port_labels_new(const struct port_label *labels, unsigned n);
void port_labels_free(struct port_labels *pl);

/* "HTTPS", "Kerberos", ... or a told label (told may be NULL), or NULL when
 * the port has no usual service. */
const char *port_service(const struct port_labels *told, uint8_t ip_proto,
			 uint16_t port);

/* True when the port has a usual or told service and an nDPI result with
 * master protocol master (may be "") and application app contradicts it:
 * for told labels, every one naming the port. */
bool port_contradicted(const struct port_labels *told, uint8_t ip_proto,
		       uint16_t port, const char *master, const char *app);

#endif
