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
