/* report_events.c - one JSON line per finding with Elastic Common Schema
 * field names (event.kind, rule.id, source.ip, destination.port,
 * network.transport, ...), so Filebeat/Elastic or Splunk ingest them without
 * a custom parser. What ECS has no field for goes under "flowaudit". */
#include <string.h>

#include "audit_report.h"
#include "finding_text.h"
#include "common/addr.h"
#include "ecs.h"
#include "escape.h"
#include "json_writer.h"

/* ECS event.type values for each finding kind. */
static void event_types(struct jw *w, enum finding_kind k)
{
	jw_array(w, "type");
	switch (k) {
	case FINDING_BLOCKED:
		jw_str(w, NULL, "connection");
		jw_str(w, NULL, "denied");
		break;
	case FINDING_OBSERVED:
		jw_str(w, NULL, "connection");
		jw_str(w, NULL, "allowed");
		break;
	case FINDING_UNEXPECTED:
		jw_str(w, NULL, "connection");
		break;
	case FINDING_MISSING:
	case FINDING_INCONCLUSIVE:
	default:
		jw_str(w, NULL, "info");
		break;
	}
	jw_close_array(w);
}

static const char *outcome(enum finding_kind k)
{
	return k == FINDING_BLOCKED ? "failure" : k == FINDING_OBSERVED ? "success" : "unknown";
}

static void event_object(struct jw *w, const struct finding *x, const char *reason)
{
	char action[32];

	snprintf(action, sizeof(action), "flow-%s", finding_kind_name(x->kind));
	jw_object(w, "event");
	jw_str(w, "kind", x->kind == FINDING_OBSERVED || x->kind == FINDING_INCONCLUSIVE ?
	       "event" : "alert");
	jw_array(w, "category");
	jw_str(w, NULL, "network");
	jw_close_array(w);
	event_types(w, x->kind);
	jw_str(w, "action", action);
	jw_str(w, "outcome", outcome(x->kind));
	jw_str(w, "dataset", "flowaudit.finding");
	jw_str(w, "module", "flowaudit");
	jw_str(w, "reason", reason);
	if (x->first_us)
		jw_time(w, "start", x->first_us);
	if (x->last_us)
		jw_time(w, "end", x->last_us);
	jw_close_object(w);
}

static void rule_object(struct jw *w, const struct audit_report *r, const struct finding *x)
{
	if (!x->rule)
		return;
	jw_object(w, "rule");
	jw_str(w, "id", x->rule->id);
	jw_str_nonempty(w, "name", x->rule->description);
	jw_str(w, "category", rule_group(x->rule));
	jw_str(w, "ruleset", ruleset_matrix_name(r->rules));
	jw_close_object(w);
}

static void endpoint_object(struct jw *w, const char *key, const struct finding_endpoint *e,
			    bool server)
{
	char ip[IP_TEXT_LEN];

	if (!e->has_ip && !e->host[0])
		return;
	jw_object(w, key);
	if (e->has_ip) {
		format_ip(ip, e->ip_version, &e->ip);
		jw_str(w, "ip", ip);
		jw_str(w, "address", ip);
	}
	if (server && e->has_port)
		jw_u64(w, "port", e->port);
	jw_str_nonempty(w, "domain", e->host);
	if (e->has_geo)
		ecs_geo(w, &e->geo);
	jw_close_object(w);
}

static void roles_array(struct jw *w, const char *key, const struct ruleset *rs,
			role_mask m)
{
	jw_array(w, key);
	for (unsigned i = 0; i < ruleset_role_count(rs); i++)
		if (m & ((role_mask)1 << i))
			jw_str(w, NULL, ruleset_role(rs, i)->name);
	jw_close_array(w);
}

static void flowaudit_object(struct jw *w, const struct audit_report *r,
			     const struct finding *x)
{
	jw_object(w, "flowaudit");
	jw_str(w, "finding", finding_kind_name(x->kind));
	jw_str(w, "cause", finding_cause_name(x->cause));
	if (x->rule) {
		/* The vendor document's sections: ECS's rule.reference is a URL,
		 * which they are not. */
		char sections[256];
		sections_join(x->rule, ", ", sections, sizeof(sections));
		jw_str(w, "need", need_name(x->rule->need));
		jw_str_nonempty(w, "sections", sections);
	}
	roles_array(w, "client_roles", r->rules, x->client.roles);
	roles_array(w, "server_roles", r->rules, x->server.roles);
	if (!x->server.has_ip && (x->server.nexpected || x->server.nexpected_names)) {
		jw_array(w, "server_expected");
		for (unsigned i = 0; i < x->server.nexpected; i++) {
			char net[IP_TEXT_LEN + 8];
			format_cidr(net, sizeof(net), &x->server.expected[i]);
			jw_str(w, NULL, net);
		}
		for (unsigned i = 0; i < x->server.nexpected_names; i++)
			jw_str(w, NULL, x->server.expected_names[i]);
		jw_close_array(w);
	}
	jw_str_nonempty(w, "app", x->app);
	jw_str_nonempty(w, "conn_states", x->states);
	jw_u64(w, "flows", x->flows);
	jw_u64(w, "attempts", x->attempts);
	jw_u64(w, "successes", x->successes);
	jw_str(w, "site", ruleset_site_name(r->rules));
	jw_close_object(w);
}

static void network_object(struct jw *w, const struct finding *x)
{
	if (!x->proto)
		return;
	jw_object(w, "network");
	jw_str(w, "transport", ip_proto_name(x->proto, "ip"));
	if (x->server.has_ip)
		jw_str(w, "type", x->server.ip_version == 6 ? "ipv6" : "ipv4");
	if (x->app[0]) {
		char app[sizeof(x->app)];
		ecs_protocol_name(app, sizeof(app), x->app);
		jw_str(w, "protocol", app);
	}
	jw_u64(w, "packets", x->packets);
	jw_u64(w, "bytes", x->bytes);
	jw_close_object(w);
}

/* The time a finding is filed at: its last evidence, or for a flow that
 * never appeared the end of what was watched. Never the wall clock, so the
 * same capture gives the same lines. */
static uint64_t finding_time(const struct audit_report *r, const struct finding *x)
{
	uint64_t t = x->last_us ? x->last_us : r->window_end_us;

	return t ? t : r->capture.last_us;
}

static void finding_event(FILE *f, const struct audit_report *r, const struct finding *x)
{
	struct jw w;
	char message[700], reason[REASON_LEN];

	finding_reason(r->rules, x, reason, sizeof(reason));
	snprintf(message, sizeof(message), "%s%s%s: %s", finding_kind_name(x->kind),
		 x->rule ? " " : "", x->rule ? x->rule->id : "", reason);
	jw_begin(&w, f);
	jw_time(&w, "@timestamp", finding_time(r, x));
	ecs_header(&w, r->version);
	jw_str(&w, "message", message);
	event_object(&w, x, reason);
	rule_object(&w, r, x);
	endpoint_object(&w, "source", &x->client, false);
	endpoint_object(&w, "destination", &x->server, true);
	network_object(&w, x);
	flowaudit_object(&w, r, x);
	jw_end_line(&w);
}

/* The start of an informational line (not a finding): header, message,
 * the ECS event object, and the opened "flowaudit" object the caller
 * fills and closes. */
static void info_event_open(struct jw *w, FILE *f, const struct audit_report *r,
			    uint64_t ts, const char *message, const char *action,
			    const char *dataset, const char *reason)
{
	jw_begin(w, f);
	jw_time(w, "@timestamp", ts);
	ecs_header(w, r->version);
	jw_str(w, "message", message);
	jw_object(w, "event");
	jw_str(w, "kind", "event");
	jw_array(w, "category");
	jw_str(w, NULL, "network");
	jw_close_array(w);
	jw_array(w, "type");
	jw_str(w, NULL, "info");
	jw_close_array(w);
	jw_str(w, "action", action);
	jw_str(w, "dataset", dataset);
	jw_str(w, "module", "flowaudit");
	jw_str(w, "reason", reason);
	jw_close_object(w);
	jw_object(w, "flowaudit");
}

/* One line per site exception, after the findings: what it excused. */
static void exception_event(FILE *f, const struct audit_report *r,
			    const struct exception_use *e)
{
	const struct site_allow *a = e->allow;
	char from[512], to[512], ports[128], message[1500];
	struct jw w;

	exception_side_text(r->rules, a->from_roles, a->from_nets, a->nfrom_nets, from,
			    sizeof(from));
	exception_side_text(r->rules, a->to_roles, a->to_nets, a->nto_nets, to, sizeof(to));
	exception_ports_text(a, ports, sizeof(ports));
	char flows[64];
	counted(e->flows, "flow", "flows", flows, sizeof(flows));
	snprintf(message, sizeof(message), "site exception %s -> %s %s: %s; %s%s",
		 from, to, ports, a->why, flows,
		 e->expired ? "; expired, no longer applies" : "");
	info_event_open(&w, f, r, e->last_us ? e->last_us : r->capture.last_us, message,
			"site-exception", "flowaudit.exception", a->why);
	jw_object(&w, "exception");
	jw_str(&w, "from", from);
	jw_str(&w, "to", to);
	jw_str(&w, "service", ports);
	jw_str_nonempty(&w, "expires", a->expires ? a->expires : "");
	jw_bool(&w, "expired", e->expired);
	jw_u64(&w, "flows", e->flows);
	jw_u64(&w, "packets", e->packets);
	jw_u64(&w, "flows_after_expiry", e->expired_flows);
	jw_close_object(&w);
	jw_str(&w, "site", ruleset_site_name(r->rules));
	jw_close_object(&w);
	jw_end_line(&w);
}

/* One line per capture-health note. */
static void health_event(FILE *f, const struct audit_report *r, const struct health_line *l)
{
	struct jw w;

	info_event_open(&w, f, r, r->window_end_us ? r->window_end_us : r->capture.last_us,
			l->text, "capture-health", "flowaudit.health", l->text);
	jw_str(&w, "health", l->code);
	jw_str_nonempty(&w, "host", l->host);
	jw_str(&w, "site", ruleset_site_name(r->rules));
	jw_close_object(&w);
	jw_end_line(&w);
}

bool report_events(FILE *f, const struct audit_report *r)
{
	for (unsigned i = 0; i < r->findings->n; i++)
		finding_event(f, r, &r->findings->items[i]);
	for (unsigned i = 0; i < r->findings->nexceptions; i++)
		exception_event(f, r, &r->findings->exceptions[i]);
	struct health_line lines[HEALTH_MAX_LINES];
	unsigned n = capture_health_lines(r, lines, HEALTH_MAX_LINES);
	for (unsigned i = 0; i < n; i++)
		health_event(f, r, &lines[i]);
	return !ferror(f);
}
