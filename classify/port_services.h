/* port_services.h - what a server port usually carries, and which nDPI
 * protocols agree with it: the flow keeps both, so SSH on 443 or HTTP on
 * the License Server port stands out. */
#ifndef FLOWAUDIT_PORT_SERVICES_H
#define FLOWAUDIT_PORT_SERVICES_H

#include <stdbool.h>
#include <stdint.h>

/* "HTTPS", "Kerberos", ... or NULL when the port has no usual service. */
const char *port_service(uint8_t ip_proto, uint16_t port);

/* True when the port has a usual service and an nDPI result with master
 * protocol master (may be "") and application app contradicts it. */
bool port_contradicted(uint8_t ip_proto, uint16_t port, const char *master,
		       const char *app);

#endif
