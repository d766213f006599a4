/* ecs.h - the Elastic Common Schema parts that finding events and flow
 * events share. */
#ifndef FLOWAUDIT_ECS_H
#define FLOWAUDIT_ECS_H

#include <stddef.h>

#include "capture/flow_record.h"
#include "classify/flow_class.h"
#include "json_writer.h"

#define ECS_VERSION "8.11.0"

/* "ecs": {"version"} and "observer": {"product", "vendor", "type", "version"}. */
void ecs_header(struct jw *w, const char *flowaudit_version);

/* "geo": {"country_iso_code"} and "as": {"number", "organization": {"name"}}
 * of one endpoint, only the parts known. */
void ecs_geo(struct jw *w, const struct endpoint_geo *g);

/* "source", "destination" and "network" of a flow record (c may be NULL). */
void ecs_flow(struct jw *w, const struct flow_record *r, const struct flow_class *c);

/* network.protocol is lowercase by ECS's convention ("tls", "dns"). */
void ecs_protocol_name(char *out, size_t len, const char *app);

#endif
