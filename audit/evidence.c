/* evidence.c - the flows behind one finding: counts, the conn_states seen,
 * and one example flow to show. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "audit_internal.h"

/* Adds a conn_state to a comma list unless it is there already. The list
 * stays in byte order, so that it reads the same whatever order the flows
 * came in (or parts were merged in). */
static void add_state(char *states, size_t len, const char *state, size_t n)
{
	size_t used = strlen(states);
	char *p = states;

	if (n == 0 || used + n + 2 > len)
		return;
	while (*p) {
		size_t m = strcspn(p, ",");
		int c = strncmp(p, state, m < n ? m : n);
		if (c == 0 && m == n)
			return;
		if (c > 0 || (c == 0 && m > n))
			break;
		p += m + (p[m] == ',');
	}
	size_t at = (size_t)(p - states);
	if (at == used) {
		if (used)
			states[used++] = ',';
		memcpy(states + used, state, n);
		states[used + n] = '\0';
		return;
	}
	memmove(p + n + 1, p, used - at + 1);
	memcpy(p, state, n);
	p[n] = ',';
}

void flow_example_key(const struct flow_record *r, struct example_key *k)
{
	memset(k, 0, sizeof(*k));
	k->first_us = r->first_us;
	k->ip_version = r->ip_version;
	k->proto = r->proto;
	k->client_port = r->orig_p;
	k->port = r->resp_p;
	k->client = r->orig_h;
	k->server = r->resp_h;
}

int example_key_cmp(const struct example_key *a, const struct example_key *b)
{
	int c;

	if (a->first_us != b->first_us)
		return a->first_us < b->first_us ? -1 : 1;
	if ((c = ip_addr_compare(a->ip_version, &a->client, b->ip_version, &b->client)) ||
	    (c = ip_addr_compare(a->ip_version, &a->server, b->ip_version, &b->server)))
		return c;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->client_port != b->client_port)
		return a->client_port < b->client_port ? -1 : 1;
	return 0;
}

bool example_better(const struct evidence *e, bool succeeded,
		    const struct example_key *k)
{
	if (!e->has_example || succeeded != e->example_succeeded)
		return !e->has_example || succeeded;
	return example_key_cmp(k, &e->key) < 0;
}

void app_text(char *out, size_t len, const struct flow_class *c)
{
	snprintf(out, len, "%s%s%s", c->master_app, c->master_app[0] ? "." : "",
		 c->app);
}

bool evidence_example(struct evidence *e, const struct flow_record *r,
		      const struct flow_class *c, role_mask client_roles,
		      role_mask server_roles, bool succeeded)
{
	struct example_key k;

	flow_example_key(r, &k);
	if (!example_better(e, succeeded, &k))
		return false;
	e->key = k;
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
	e->app[0] = '\0';
	if (c->classified)
		app_text(e->app, sizeof(e->app), c);
	return true;
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
	if (r->conn_state)
		add_state(e->states, sizeof(e->states), r->conn_state,
			  strlen(r->conn_state));
}

/* The example's fields: everything from has_example to the end. */
#define EXAMPLE_OFFSET offsetof(struct evidence, has_example)

void evidence_merge(struct evidence *into, const struct evidence *from)
{
	if (!from->flows && !from->has_example)
		return;
	if (from->flows && (!into->first_us || (from->first_us && from->first_us < into->first_us)))
		into->first_us = from->first_us;
	if (from->last_us > into->last_us)
		into->last_us = from->last_us;
	into->flows += from->flows;
	into->attempts += from->attempts;
	into->successes += from->successes;
	into->packets += from->packets;
	into->bytes += from->bytes;
	into->one_sided += from->one_sided;
	for (const char *p = from->states; *p;) {
		size_t n = strcspn(p, ",");
		add_state(into->states, sizeof(into->states), p, n);
		p += n + (p[n] == ',');
	}
	if (from->has_example && example_better(into, from->example_succeeded, &from->key))
		memcpy((char *)into + EXAMPLE_OFFSET, (const char *)from + EXAMPLE_OFFSET,
		       sizeof(*into) - EXAMPLE_OFFSET);
}

void failure_merge(struct attempt_failure *into, const struct attempt_failure *from)
{
	if (!from->flows)
		return;
	bool take = !into->flows || example_key_cmp(&from->key, &into->key) < 0;
	uint32_t flows = into->flows + from->flows, proven = into->proven + from->proven;
	uint64_t units = into->units + from->units;

	if (take)
		*into = *from;
	into->flows = flows;
	into->proven = proven;
	into->units = units;
}
