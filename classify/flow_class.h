/* flow_class.h - what classify/ found out about one flow.
 *
 * A plain value handed to reports together with the flow record: the
 * application nDPI named, the service the port usually carries, the server's
 * name and where it came from, DNS outcome for DNS flows, and where the
 * endpoints are (GeoIP/ASN, or a special-range label).
 */
#ifndef FLOWAUDIT_FLOW_CLASS_H
#define FLOWAUDIT_FLOW_CLASS_H

#include <stdbool.h>
#include <stdint.h>

enum name_source {
	NAME_NONE,
	NAME_SNI,     /* TLS or QUIC ClientHello server_name */
	NAME_HTTP,    /* HTTP Host header */
	NAME_DNS,     /* a DNS answer seen earlier for the server's address */
};

const char *name_source_text(enum name_source s);

/* How sure the application is (docs/app-confidence.md). Ordered: an
 * application constraint acts only on APP_CONFIDENCE_CONFIDENT. */
enum app_confidence {
	APP_CONFIDENCE_NONE,      /* not classified, or nDPI found nothing */
	APP_CONFIDENCE_GUESS,     /* by port or address, from another flow
				   * (nDPI's cache), or nDPI's give-up guess */
	APP_CONFIDENCE_WEAK,      /* this flow's bytes, but by a detector that
				   * fires on random bytes, or on one side's
				   * bytes with no handshake parsed */
	APP_CONFIDENCE_CONFIDENT, /* a handshake or protocol structure nDPI
				   * recognised in this flow */
};

const char *app_confidence_text(enum app_confidence c);

#define APP_NAME_LEN 40
#define HOST_NAME_LEN 256

/* Where an address sits: a special range labelled without a lookup, or an
 * external address with what the databases say. */
struct endpoint_geo {
	char scope[24];     /* "private", "loopback", ..., or "" for external */
	char country[4];    /* ISO 3166 code, "" unknown */
	uint32_t asn;       /* 0 unknown */
	char as_org[96];
};

struct dns_outcome {
	bool is_dns;
	char query[HOST_NAME_LEN];  /* first question */
	uint16_t qtype;
	int rcode;                  /* -1: no response seen */
	char rcode_name[12];        /* "NOERROR", "NXDOMAIN", ... */
	uint32_t queries, responses;
	uint32_t answers;           /* A/AAAA/CNAME records over all responses */
	uint32_t unanswered;        /* query ids never answered */
};

/* How a TLS handshake over TCP went (classify/tls_records.h): only for a
 * flow whose client opened with a ClientHello. */
struct tls_outcome {
	bool followed;          /* a ClientHello opened the flow */
	bool server_hello;      /* the server answered with its handshake */
	bool client_finished;   /* then the client went on: ChangeCipherSpec or
				 * encrypted records (its Finished) */
	bool client_alert;      /* the client sent an alert after the server's
				 * hello, before it finished */
	uint8_t alert_level;    /* 1 warning, 2 fatal; 0: its body was not
				 * readable (cut, or not two plaintext bytes) */
	uint8_t alert_desc;     /* RFC 8446 section 6 (48 unknown_ca, ...) */
};

/* The name of a TLS alert description ("unknown_ca"), NULL if unknown. */
const char *tls_alert_text(uint8_t desc);

struct flow_class {
	bool classified;             /* nDPI ran on this flow */
	char app[APP_NAME_LEN];      /* nDPI application, e.g. "TLS", "Google" */
	char master_app[APP_NAME_LEN]; /* nDPI master protocol, "" if none */
	char category[APP_NAME_LEN];
	char port_service[APP_NAME_LEN]; /* what the server port usually carries */
	bool app_guessed;            /* nDPI gave up and guessed by port */
	bool app_mismatch;           /* the payload contradicts the port */
	enum app_confidence app_confidence;
	char ndpi_confidence[16];    /* nDPI's own word ("DPI", "Match by
				      * port", ...), "" if not classified */
	char server_name[HOST_NAME_LEN];
	enum name_source server_name_source;
	char server_name_why[640];   /* for a DNS name: which answer, when */
	struct dns_outcome dns;
	struct tls_outcome tls;
	bool has_geo;
	struct endpoint_geo orig_geo, resp_geo;
};

#endif
