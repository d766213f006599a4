/* flow_class.c - names for classification values. */
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
