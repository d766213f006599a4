/* flow_output.c - per-flow records (see flow_output.h). */
#include <string.h>

#include "config.h"
#include "common/timefmt.h"
#include "ecs.h"
#include "escape.h"
#include "finding_text.h"
#include "flow_output.h"
#include "json_writer.h"
#include "line_buffer.h"

static const char *tunnel_names[TUNNEL_TYPE_COUNT] = {
	[TUNNEL_NONE] = "", [TUNNEL_GRE] = "gre", [TUNNEL_ERSPAN2] = "erspan2",
	[TUNNEL_ERSPAN3] = "erspan3", [TUNNEL_VXLAN] = "vxlan",
	[TUNNEL_GENEVE] = "geneve", [TUNNEL_IPIP] = "ipip", [TUNNEL_GTP] = "gtp",
};

bool flow_format_parse(const char *name, enum flow_format *out)
{
	if (strcmp(name, "jsonl") == 0 || strcmp(name, "json") == 0)
		*out = FLOW_FORMAT_JSONL;
	else if (strcmp(name, "text") == 0)
		*out = FLOW_FORMAT_TEXT;
	else if (strcmp(name, "csv") == 0)
		*out = FLOW_FORMAT_CSV;
	else if (strcmp(name, "events") == 0 || strcmp(name, "ecs") == 0)
		*out = FLOW_FORMAT_EVENTS;
	else
		return false;
	return true;
}

/* A key and its punctuation, written as one copy of a length known when
 * compiling (no strlen): every key is a literal. */
#define KEY(k) ",\"" k "\":"
#define PUT_KEY(b, k) lb_bytes((b), KEY(k), sizeof(KEY(k)) - 1)
#define PUT_STR(b, k, v) (PUT_KEY(b, k), lb_json_string((b), (v)))
#define PUT_U64(b, k, v) (PUT_KEY(b, k), lb_u64((b), (v)))
/* A value this program wrote from a fixed alphabet (a uid's base62, a
 * Community ID's base64, an address's hex digits, dots and colons, a
 * history's letters, a name from one of our own tables): nothing in it can
 * need a JSON escape, so it is copied as it is instead of being scanned a
 * character at a time. tests/unit/test_escape checks every such
 * value against the escaper. Never for a value from a packet or a library. */
#define PUT_PLAIN(b, k, v) (PUT_KEY(b, k), lb_json_plain((b), (v)))

/* The keys are literals (no snprintf per key); a scope is one of
 * address_scope's names, the rest comes from a database and is escaped. */
#define PUT_GEO(f, side, g) do { \
	if ((g)->scope[0]) \
		PUT_PLAIN(f, side "_scope", (g)->scope); \
	if ((g)->country[0]) \
		PUT_STR(f, side "_cc", (g)->country); \
	if ((g)->asn) \
		PUT_U64(f, side "_asn", (g)->asn); \
	if ((g)->as_org[0]) \
		PUT_STR(f, side "_as_org", (g)->as_org); \
} while (0)

static void put_class_json(struct line_buffer *f, const struct flow_class *c)
{
	if (c->classified) {
		PUT_STR(f, "app", c->app);
		if (c->master_app[0])
			PUT_STR(f, "master_app", c->master_app);
		PUT_STR(f, "category", c->category);
		if (c->app_guessed)
			lb_str(f, ",\"app_guessed\":true");
		if (!c->app_guessed && (c->app_confidence == APP_CONFIDENCE_WEAK ||
					c->app_confidence == APP_CONFIDENCE_GUESS))
			PUT_PLAIN(f, "app_confidence", app_confidence_text(c->app_confidence));
	}
	if (c->port_service[0])
		PUT_STR(f, "port_service", c->port_service);
	if (c->app_mismatch)
		lb_str(f, ",\"app_mismatch\":true");
	if (c->server_name[0]) {
		PUT_STR(f, "server_name", c->server_name);
		PUT_PLAIN(f, "server_name_source", name_source_text(c->server_name_source));
		if (c->server_name_why[0])
			PUT_STR(f, "server_name_evidence", c->server_name_why);
	}
	if (c->dns.is_dns) {
		if (c->dns.query[0])
			PUT_STR(f, "dns_query", c->dns.query);
		if (c->dns.rcode >= 0)
			PUT_PLAIN(f, "dns_rcode", c->dns.rcode_name);
		PUT_U64(f, "dns_answers", c->dns.answers);
		if (c->dns.unanswered)
			PUT_U64(f, "dns_unanswered", c->dns.unanswered);
	}
	if (c->has_geo) {
		PUT_GEO(f, "orig", &c->orig_geo);
		PUT_GEO(f, "resp", &c->resp_geo);
	}
}

static void write_jsonl(FILE *out, const struct flow_record *r,
			const struct flow_class *c)
{
	char orig[IP_TEXT_LEN], resp[IP_TEXT_LEN];
	struct line_buffer lb, *f = &lb;

	lb_begin(f, out);
	format_ip(orig, r->ip_version, &r->orig_h);
	format_ip(resp, r->ip_version, &r->resp_h);
	lb_str(f, "{\"ts\":");
	lb_seconds(f, r->first_us);
	PUT_PLAIN(f, "uid", r->uid);
	PUT_PLAIN(f, "community_id", r->community_id);
	PUT_PLAIN(f, "id.orig_h", orig);
	PUT_U64(f, "id.orig_p", r->orig_p);
	PUT_PLAIN(f, "id.resp_h", resp);
	PUT_U64(f, "id.resp_p", r->resp_p);
	PUT_PLAIN(f, "proto", ip_proto_name(r->proto, "unknown_transport"));
	uint64_t dur = r->last_us > r->first_us ? r->last_us - r->first_us : 0;
	lb_str(f, ",\"duration\":");
	lb_seconds(f, dur);
	PUT_U64(f, "orig_bytes", r->orig.bytes);
	PUT_U64(f, "resp_bytes", r->resp.bytes);
	PUT_PLAIN(f, "conn_state", r->conn_state);
	PUT_U64(f, "missed_bytes", r->missed_bytes);
	if (r->history[0])
		PUT_PLAIN(f, "history", r->history);
	PUT_U64(f, "orig_pkts", r->orig.pkts);
	PUT_U64(f, "orig_ip_bytes", r->orig.ip_bytes);
	PUT_U64(f, "resp_pkts", r->resp.pkts);
	PUT_U64(f, "resp_ip_bytes", r->resp.ip_bytes);
	PUT_U64(f, "ip_proto", r->proto);
	if (r->vlan)
		PUT_U64(f, "vlan", r->vlan);
	if (r->inner_vlan)
		PUT_U64(f, "inner_vlan", r->inner_vlan);
	if (r->tunnel_type) {
		PUT_PLAIN(f, "tunnel", tunnel_names[r->tunnel_type]);
		PUT_U64(f, "tunnel_id", r->tunnel_id);
	}
	if (r->icmp_errors) {
		PUT_U64(f, "icmp_errors", r->icmp_errors);
		PUT_U64(f, "icmp_error_type", r->icmp_error_type);
		PUT_U64(f, "icmp_error_code", r->icmp_error_code);
	}
	if (r->is_icmp_error && r->quoted_uid[0])
		PUT_PLAIN(f, "icmp_quoted_uid", r->quoted_uid);
	PUT_PLAIN(f, "seen", flow_seen_name(r->seen));
	if (r->answered_unseen)
		lb_str(f, ",\"answered_unseen\":true");
	PUT_PLAIN(f, "end_reason", flow_end_reason_name(r->end));
	if (c)
		put_class_json(f, c);
	lb_bytes(f, "}\n", 2);
	lb_flush(f);
}

static const char *const csv_columns[] = {
	"ts", "uid", "community_id", "id.orig_h", "id.orig_p", "id.resp_h",
	"id.resp_p", "proto", "duration", "orig_bytes", "resp_bytes", "conn_state",
	"missed_bytes", "history", "orig_pkts", "orig_ip_bytes", "resp_pkts",
	"resp_ip_bytes", "vlan", "tunnel", "tunnel_id", "app", "master_app",
	"category", "server_name", "server_name_source", "seen", "answered_unseen",
	"end_reason",
};

void flow_output_begin(FILE *f, enum flow_format fmt)
{
	if (fmt == FLOW_FORMAT_CSV) {
		for (size_t i = 0; i < sizeof(csv_columns) / sizeof(csv_columns[0]); i++)
			fprintf(f, "%s%s", i ? "," : "", csv_columns[i]);
		fputs("\r\n", f);
	}
	if (fmt == FLOW_FORMAT_TEXT)
		fprintf(f, "%-27s %-5s %-22s %-22s %-6s %-12s %7s %7s %9s %9s %-12s %s\n",
			"start", "proto", "originator", "responder", "state",
			"history", "o.pkts", "r.pkts", "o.bytes", "r.bytes",
			"app", "server name");
}

static void write_text(FILE *f, const struct flow_record *r,
		       const struct flow_class *c)
{
	char ts[TS_TEXT_LEN], orig[ENDPOINT_TEXT_LEN], resp[ENDPOINT_TEXT_LEN];

	format_ts_iso(ts, r->first_us);
	format_endpoint(orig, r->ip_version, &r->orig_h, r->orig_p);
	format_endpoint(resp, r->ip_version, &r->resp_h, r->resp_p);
	fprintf(f, "%-27s %-5s %-22s %-22s %-6s %-12s %7llu %7llu %9llu %9llu ",
		ts, r->proto == IP_PROTO_TCP || r->proto == IP_PROTO_UDP ||
		    r->proto == IP_PROTO_ICMP || r->proto == IP_PROTO_ICMPV6
			? ip_proto_name(r->proto, "unknown_transport") : "other",
		orig, resp, r->conn_state, r->history[0] ? r->history : "-",
		(unsigned long long)r->orig.pkts, (unsigned long long)r->resp.pkts,
		(unsigned long long)r->orig.bytes, (unsigned long long)r->resp.bytes);
	if (c && c->classified) {
		char app[APP_NAME_LEN * 2 + 2];
		snprintf(app, sizeof(app), "%s%s%s", c->master_app,
			 c->master_app[0] ? "." : "", c->app);
		fprintf(f, "%-12s ", app);
	} else {
		fprintf(f, "%-12s ", "-");
	}
	if (c && c->server_name[0]) {
		text_put_safe(f, c->server_name);
		fprintf(f, " (%s)", name_source_text(c->server_name_source));
	} else {
		fputc('-', f);
	}
	fputc('\n', f);
}

static void csv_text(FILE *f, const char *s)
{
	fputc(',', f);
	csv_put_field(f, s);
}

static void csv_u64(FILE *f, uint64_t v)
{
	fprintf(f, ",%llu", (unsigned long long)v);
}

static void write_csv(FILE *f, const struct flow_record *r, const struct flow_class *c)
{
	char orig[IP_TEXT_LEN], resp[IP_TEXT_LEN];
	uint64_t dur = r->last_us > r->first_us ? r->last_us - r->first_us : 0;
	bool cls = c && c->classified;

	format_ip(orig, r->ip_version, &r->orig_h);
	format_ip(resp, r->ip_version, &r->resp_h);
	fprintf(f, "%llu.%06llu", (unsigned long long)(r->first_us / 1000000),
		(unsigned long long)(r->first_us % 1000000));
	csv_text(f, r->uid);
	csv_text(f, r->community_id);
	csv_text(f, orig);
	csv_u64(f, r->orig_p);
	csv_text(f, resp);
	csv_u64(f, r->resp_p);
	csv_text(f, ip_proto_name(r->proto, "unknown_transport"));
	fprintf(f, ",%llu.%06llu", (unsigned long long)(dur / 1000000),
		(unsigned long long)(dur % 1000000));
	csv_u64(f, r->orig.bytes);
	csv_u64(f, r->resp.bytes);
	csv_text(f, r->conn_state);
	csv_u64(f, r->missed_bytes);
	csv_text(f, r->history);
	csv_u64(f, r->orig.pkts);
	csv_u64(f, r->orig.ip_bytes);
	csv_u64(f, r->resp.pkts);
	csv_u64(f, r->resp.ip_bytes);
	if (r->vlan)
		csv_u64(f, r->vlan);
	else
		fputc(',', f);
	csv_text(f, tunnel_names[r->tunnel_type]);
	if (r->tunnel_type)
		csv_u64(f, r->tunnel_id);
	else
		fputc(',', f);
	csv_text(f, cls ? c->app : "");
	csv_text(f, cls ? c->master_app : "");
	csv_text(f, cls ? c->category : "");
	csv_text(f, c ? c->server_name : "");
	csv_text(f, c && c->server_name[0] ? name_source_text(c->server_name_source) : "");
	csv_text(f, flow_seen_name(r->seen));
	csv_text(f, r->answered_unseen ? "true" : "false");
	csv_text(f, flow_end_reason_name(r->end));
	fputs("\r\n", f);
}

static const char *judgement_action(enum flow_judgement_kind k)
{
	return k == JUDGED_UNEXPECTED ? "flow-unexpected" :
	       k == JUDGED_FAILED_ATTEMPT ? "flow-attempt-failed" : "flow-end";
}

/* One ECS line for a flow; with a judgement, an alert saying why. */
static void write_event(FILE *f, const struct flow_record *r, const struct flow_class *c,
			const struct flow_judgement *j, const char *reason)
{
	struct jw w;
	uint64_t dur = r->last_us > r->first_us ? r->last_us - r->first_us : 0;

	jw_begin(&w, f);
	jw_time(&w, "@timestamp", j ? r->last_us : r->first_us);
	ecs_header(&w, PACKAGE_VERSION);
	if (j && reason[0]) {
		char message[700];
		snprintf(message, sizeof(message), "%s%s%s: %s",
			 j->kind == JUDGED_UNEXPECTED ? "unexpected" : "attempt failed",
			 j->rule ? " " : "", j->rule ? j->rule->id : "", reason);
		jw_str(&w, "message", message);
	}
	jw_object(&w, "event");
	jw_str(&w, "kind", j ? "alert" : "event");
	jw_array(&w, "category");
	jw_str(&w, NULL, "network");
	jw_close_array(&w);
	jw_array(&w, "type");
	jw_str(&w, NULL, "connection");
	jw_str(&w, NULL, j && j->kind == JUDGED_FAILED_ATTEMPT ? "denied" : "end");
	jw_close_array(&w);
	jw_str(&w, "action", judgement_action(j ? j->kind : JUDGED_ALLOWED));
	jw_str(&w, "dataset", "flowaudit.flow");
	jw_str(&w, "module", "flowaudit");
	jw_str(&w, "id", r->uid);
	if (j)
		jw_str(&w, "reason", reason);
	jw_time(&w, "start", r->first_us);
	jw_time(&w, "end", r->last_us);
	jw_u64(&w, "duration", dur * 1000);  /* ECS: nanoseconds */
	jw_close_object(&w);
	if (j && j->rule) {
		jw_object(&w, "rule");
		jw_str(&w, "id", j->rule->id);
		jw_str_nonempty(&w, "name", j->rule->description);
		jw_close_object(&w);
	}
	ecs_flow(&w, r, c);
	jw_object(&w, "flowaudit");
	if (j && j->kind == JUDGED_UNEXPECTED)
		jw_str(&w, "cause", finding_cause_name(j->why.cause));
	else if (j && j->kind == JUDGED_FAILED_ATTEMPT)
		jw_str(&w, "cause", finding_cause_name(j->failure.cause));
	jw_str(&w, "conn_state", r->conn_state);
	jw_u64(&w, "missed_bytes", r->missed_bytes);
	jw_str_nonempty(&w, "history", r->history);
	jw_str(&w, "seen", flow_seen_name(r->seen));
	jw_str(&w, "end_reason", flow_end_reason_name(r->end));
	if (c && c->classified) {
		jw_str(&w, "app", c->app);
		jw_str_nonempty(&w, "master_app", c->master_app);
		jw_str_nonempty(&w, "category", c->category);
	}
	if (c && c->server_name[0])
		jw_str(&w, "server_name_source", name_source_text(c->server_name_source));
	jw_close_object(&w);
	jw_end_line(&w);
}

void flow_event_judged(FILE *f, const struct ruleset *rs, const struct flow_record *r,
		       const struct flow_class *c, const struct flow_judgement *j)
{
	char reason[REASON_LEN];

	judgement_reason(rs, r, j, reason, sizeof(reason));
	write_event(f, r, c, j, reason);
}

void flow_output_write(FILE *f, enum flow_format fmt,
		       const struct flow_record *r, const struct flow_class *c)
{
	switch (fmt) {
	case FLOW_FORMAT_JSONL:
		write_jsonl(f, r, c);
		break;
	case FLOW_FORMAT_CSV:
		write_csv(f, r, c);
		break;
	case FLOW_FORMAT_EVENTS:
		write_event(f, r, c, NULL, NULL);
		break;
	case FLOW_FORMAT_TEXT:
	default:
		write_text(f, r, c);
		break;
	}
}
