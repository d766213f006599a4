/* app_confidence.h - how sure an nDPI identification is.
 *
 * nDPI 4.2 calls every identification made from a flow's own bytes "DPI",
 * whether a TLS ClientHello was parsed or three bytes happened to look like
 * a message header. An application constraint must act only on the first
 * kind (docs/app-confidence.md): this is where the two are told apart.
 */
#ifndef FLOWAUDIT_APP_CONFIDENCE_H
#define FLOWAUDIT_APP_CONFIDENCE_H

#include <stdbool.h>

#include "flow_class.h"

/* What is known of one identification. */
struct app_evidence {
	const char *app;      /* nDPI's application name, "Unknown" if none */
	const char *master;   /* its master protocol, "" if none */
	bool guessed;         /* nDPI gave up and guessed */
	bool by_dpi;          /* nDPI's confidence is NDPI_CONFIDENCE_DPI: this
			       * flow's own bytes, not its port, address or a
			       * cache filled by another flow */
	bool structured;      /* nDPI records this protocol's handshake:
			       * TLS/QUIC/DTLS, SSH, HTTP, DNS */
	bool handshake;       /* and found one in this flow: a hello with a
			       * server name or a real version, an SSH banner,
			       * an HTTP request or status line,
			       * a DNS question */
	bool both_ways;       /* the flow carried payload in both directions */
};

enum app_confidence app_confidence_judge(const struct app_evidence *e);

/* nDPI 4.2 detectors seen firing on random bytes (the list's comment
 * cites the measurement). */
bool app_fires_on_noise(const char *name);

#endif
