/* flow_class.c - names for classification values. */
#include <stddef.h>

#include "flow_class.h"

const char *name_source_text(enum name_source s)
{
	switch (s) {
	case NAME_SNI:
		return "sni";
	case NAME_HTTP:
		return "http";
	case NAME_DNS:
		return "dns";
	default:
		return "none";
	}
}

const char *app_confidence_text(enum app_confidence c)
{
	switch (c) {
	case APP_CONFIDENCE_GUESS:
		return "guess";
	case APP_CONFIDENCE_WEAK:
		return "weak";
	case APP_CONFIDENCE_CONFIDENT:
		return "confident";
	default:
		return "none";
	}
}

/* RFC 8446 section 6 and the TLS Alert registry (RFC 5246 and 8446 names;
 * the SSL 3.0 and export-era ones kept, as old peers still send them). */
const char *tls_alert_text(uint8_t desc)
{
	switch (desc) {
	case 0: return "close_notify";
	case 10: return "unexpected_message";
	case 20: return "bad_record_mac";
	case 21: return "decryption_failed";
	case 22: return "record_overflow";
	case 30: return "decompression_failure";
	case 40: return "handshake_failure";
	case 41: return "no_certificate";
	case 42: return "bad_certificate";
	case 43: return "unsupported_certificate";
	case 44: return "certificate_revoked";
	case 45: return "certificate_expired";
	case 46: return "certificate_unknown";
	case 47: return "illegal_parameter";
	case 48: return "unknown_ca";
	case 49: return "access_denied";
	case 50: return "decode_error";
	case 51: return "decrypt_error";
	case 60: return "export_restriction";
	case 70: return "protocol_version";
	case 71: return "insufficient_security";
	case 80: return "internal_error";
	case 86: return "inappropriate_fallback";
	case 90: return "user_canceled";
	case 100: return "no_renegotiation";
	case 109: return "missing_extension";
	case 110: return "unsupported_extension";
	case 111: return "certificate_unobtainable";
	case 112: return "unrecognized_name";
	case 113: return "bad_certificate_status_response";
	case 114: return "bad_certificate_hash_value";
	case 115: return "unknown_psk_identity";
	case 116: return "certificate_required";
	case 120: return "no_application_protocol";
	default: return NULL;
	}
}
