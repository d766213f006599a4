/* evidence.c - the flows behind one finding: counts, the conn_states seen,
 * and one example flow to show. */
#include <stdio.h>
#include <string.h>

#include "audit_internal.h"

/* Appends a conn_state to a comma list unless it is there already. */
static void add_state(char *states, size_t len, const char *state)
{
	size_t n = strlen(state);
	for (const char *p = states; (p = strstr(p, state)); p += n)
		if ((p == states || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return;
	size_t used = strlen(states);
	if (used + n + 2 > len)
		return;
	if (used)
		states[used++] = ',';
	memcpy(states + used, state, n + 1);
}

void app_text(char *out, size_t len, const struct flow_class *c)
{
	snprintf(out, len, "%s%s%s", c->master_app, c->master_app[0] ? "." : "",
		 c->app);
}

void evidence_example(struct evidence *e, const struct flow_record *r,
		      const struct flow_class *c, role_mask client_roles,
		      role_mask server_roles, bool succeeded)
{
	if (e->has_example && (e->example_succeeded || !succeeded))
		return;
	e->has_example = true;
	e->example_succeeded = succeeded;
	e->ip_version = r->ip_version;
	e->proto = r->proto;
	e->client = r->orig_h;
	e->server = r->resp_h;
	e->port = r->resp_p;
	e->client_roles = client_roles;
	e->server_roles = server_roles;
	snprintf(e->host, sizeof(e->host), "%s", c->server_name);
	e->host_source = c->server_name_source;
	e->client_geo = c->orig_geo;
	e->server_geo = c->resp_geo;
	if (c->classified)
		app_text(e->app, sizeof(e->app), c);
}

void traffic_count(struct traffic *t, const struct flow_record *r)
{
	(*t->flows)++;
	*t->packets += r->orig.pkts + r->resp.pkts;
	*t->bytes += r->orig.ip_bytes + r->resp.ip_bytes;
	if (!*t->first_us || r->first_us < *t->first_us)
		*t->first_us = r->first_us;
	if (r->last_us > *t->last_us)
		*t->last_us = r->last_us;
}

void evidence_count(struct evidence *e, const struct flow_record *r)
{
	struct traffic t = { &e->flows, &e->packets, &e->bytes, &e->first_us, &e->last_us };

	traffic_count(&t, r);
	add_state(e->states, sizeof(e->states), r->conn_state);
}
