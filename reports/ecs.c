/* ecs.c - see ecs.h. */
#include <ctype.h>
#include <stdio.h>

#include "ecs.h"

void ecs_header(struct jw *w, const char *flowaudit_version)
{
	jw_object(w, "ecs");
	jw_str(w, "version", ECS_VERSION);
	jw_close_object(w);
	jw_object(w, "observer");
	jw_str(w, "product", "flowaudit");
	jw_str(w, "vendor", "flowaudit");
	jw_str(w, "type", "sensor");
	jw_str(w, "version", flowaudit_version);
	jw_close_object(w);
}

void ecs_geo(struct jw *w, const struct endpoint_geo *g)
{
	if (g->country[0]) {
		jw_object(w, "geo");
		jw_str(w, "country_iso_code", g->country);
		jw_close_object(w);
	}
	if (g->asn) {
		jw_object(w, "as");
		jw_u64(w, "number", g->asn);
		if (g->as_org[0]) {
			jw_object(w, "organization");
			jw_str(w, "name", g->as_org);
			jw_close_object(w);
		}
		jw_close_object(w);
	}
}

void ecs_protocol_name(char *out, size_t len, const char *app)
{
	size_t i = 0;

	if (!len)
		return;
	/* "TLS.Azure": the protocol is the master, before the dot. */
	for (; app[i] && app[i] != '.' && i + 1 < len; i++)
		out[i] = (char)tolower((unsigned char)app[i]);
	out[i] = '\0';
}
