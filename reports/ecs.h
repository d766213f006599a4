/* ecs.h - the Elastic Common Schema parts that finding events and flow
 * events share. */
#ifndef FLOWAUDIT_ECS_H
#define FLOWAUDIT_ECS_H

#include <stddef.h>

#include "classify/flow_class.h"
#include "json_writer.h"

#define ECS_VERSION "8.11.0"

/* "ecs": {"version"} and "observer": {"product", "vendor", "type", "version"}. */
void ecs_header(struct jw *w, const char *flowaudit_version);

/* "geo": {"country_iso_code"} and "as": {"number", "organization": {"name"}}
 * of one endpoint, only the parts known. */
void ecs_geo(struct jw *w, const struct endpoint_geo *g);

/* network.protocol is lowercase by ECS's convention ("tls", "dns"). */
void ecs_protocol_name(char *out, size_t len, const char *app);

#endif
