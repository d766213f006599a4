/* components.h - the libraries this build runs on, with the versions they
 * report at run time (not the headers it was compiled against): what
 * --version prints and what a report's provenance names. */
#ifndef FLOWAUDIT_COMPONENTS_H
#define FLOWAUDIT_COMPONENTS_H

#include <stddef.h>

#define COMPONENT_VERSION_LEN 96

struct component {
	const char *name;                      /* "nDPI", "libpcap", ... */
	char version[COMPONENT_VERSION_LEN];   /* as the library states it */
};

/* flowaudit itself, then nDPI, libpcap, libmaxminddb, cJSON, ldns, nettle,
 * libcap. */
#define COMPONENT_COUNT 8

/* Fills out[0..COMPONENT_COUNT) and returns COMPONENT_COUNT. */
size_t components_list(struct component out[COMPONENT_COUNT]);

#endif
