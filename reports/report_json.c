/* report_json.c - the JSON audit report (docs/report-format.md), with cJSON. */
#include <cjson/cJSON.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>

#include "audit/verdict_state.h"
#include "audit_report.h"
#include "finding_text.h"
#include "common/addr.h"
#include "common/json_text.h"
#include "escape.h"

/* cJSON copies strings as bytes; names from packets may not be UTF-8. */
static cJSON *text(const char *s)
{
	char buf[2048];
	utf8_clean(buf, sizeof(buf), s);
	return cJSON_CreateString(buf);
}

static void add_text(cJSON *o, const char *key, const char *s)
{
	cJSON_AddItemToObject(o, key, text(s));
}

/* Times as exact decimal seconds: cJSON's doubles would round them. */
static cJSON *ts_value(uint64_t us)
{
	char buf[32];
	if (!us)
		return cJSON_CreateNull();
	snprintf(buf, sizeof(buf), "%llu.%06llu", (unsigned long long)(us / 1000000),
		 (unsigned long long)(us % 1000000));
	return cJSON_CreateRaw(buf);
}

static cJSON *count(uint64_t n)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)n);
	return cJSON_CreateRaw(buf);
}

static cJSON *string_or_null(const char *s)
{
	return s && *s ? text(s) : cJSON_CreateNull();
}

static cJSON *role_array(const struct ruleset *rs, role_mask m)
{
	cJSON *a = cJSON_CreateArray();
	for (unsigned i = 0; i < ruleset_role_count(rs); i++)
		if (m & ((role_mask)1 << i))
			cJSON_AddItemToArray(a, text(ruleset_role(rs, i)->name));
	return a;
}

static cJSON *text_array(const char *const *s, unsigned n)
{
	cJSON *a = cJSON_CreateArray();
	for (unsigned i = 0; i < n; i++)
		cJSON_AddItemToArray(a, text(s[i]));
	return a;
}

static cJSON *cidr_array(const struct cidr *c, unsigned n, const char *const *names,
			 unsigned nnames)
{
	cJSON *a = cJSON_CreateArray();
	for (unsigned i = 0; i < n; i++) {
		char buf[IP_TEXT_LEN + 8];
		format_cidr(buf, sizeof(buf), &c[i]);
		cJSON_AddItemToArray(a, cJSON_CreateString(buf));
	}
	for (unsigned i = 0; i < nnames; i++)
		cJSON_AddItemToArray(a, text(names[i]));
	return a;
}

static cJSON *endpoint(const struct ruleset *rs, const struct finding_endpoint *e,
		       bool server)
{
	cJSON *o = cJSON_CreateObject();
	char ip[IP_TEXT_LEN];

	if (e->has_ip) {
		format_ip(ip, e->ip_version, &e->ip);
		cJSON_AddStringToObject(o, "ip", ip);
	} else {
		cJSON_AddNullToObject(o, "ip");
	}
	cJSON_AddItemToObject(o, "role", role_array(rs, e->roles));
	cJSON_AddItemToObject(o, "port", e->has_port ? count(e->port) : cJSON_CreateNull());
	if (server || e->host[0]) {
		cJSON_AddItemToObject(o, "host", string_or_null(e->host));
		if (e->host[0] && e->has_ip)
			cJSON_AddStringToObject(o, "host_source",
						name_source_text(e->host_source));
	}
	cJSON_AddItemToObject(o, "country", string_or_null(e->has_geo ? e->geo.country : NULL));
	cJSON_AddItemToObject(o, "asn", e->has_geo && e->geo.asn ? count(e->geo.asn)
							     : cJSON_CreateNull());
	if (e->has_geo && e->geo.as_org[0])
		add_text(o, "as_org", e->geo.as_org);
	if (e->has_geo && e->geo.scope[0])
		cJSON_AddStringToObject(o, "scope", e->geo.scope);
	if (!e->has_ip && (e->nexpected || e->nexpected_names))
		cJSON_AddItemToObject(o, "expected", cidr_array(e->expected, e->nexpected,
							       e->expected_names,
							       e->nexpected_names));
	if (e->host_name)
		add_text(o, "host_name", e->host_name);
	if (e->naddresses)
		cJSON_AddItemToObject(o, "addresses", cidr_array(e->addresses, e->naddresses,
								 NULL, 0));
	return o;
}

/* A rule judged per service: each unit, and those that worked. */
static cJSON *each_json(const struct finding *f)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *all = cJSON_AddArrayToObject(o, "services");
	cJSON *met = cJSON_AddArrayToObject(o, "met");
	unsigned n = rule_unit_count(f->rule);

	for (unsigned u = 0; u < n && u < RULE_MAX_UNITS; u++) {
		char svc[64];
		rule_unit_format(f->rule, u, svc, sizeof(svc));
		cJSON_AddItemToArray(all, cJSON_CreateString(svc));
		if (f->each_met & ((uint32_t)1 << u))
			cJSON_AddItemToArray(met, cJSON_CreateString(svc));
	}
	return o;
}

/* The fields behind a finding's cause: each kind of failure of a blocked
 * finding, the rules an unexpected one refers to. */
static void cause_fields(cJSON *o, const struct finding *f)
{
	if (f->nfailures) {
		cJSON *a = cJSON_AddArrayToObject(o, "failures");
		for (unsigned i = 0; i < f->nfailures; i++) {
			cJSON *x = cJSON_CreateObject();
			cJSON_AddStringToObject(x, "cause", finding_cause_name(f->failures[i].cause));
			cJSON_AddItemToObject(x, "flows", count(f->failures[i].flows));
			cJSON_AddItemToObject(x, "units", count(f->failures[i].units));
			cJSON_AddItemToArray(a, x);
		}
	}
	if (f->kind != FINDING_UNEXPECTED || !f->why.nrules)
		return;
	if (f->why.cause == CAUSE_PORT_NOT_ALLOWED) {
		cJSON *a = cJSON_AddArrayToObject(o, "related_rules");
		for (unsigned i = 0; i < f->why.nrules; i++)
			cJSON_AddItemToArray(a, text(f->why.rules[i]->id));
	} else {
		add_text(o, "related_rule", f->why.rules[0]->id);
	}
	if (f->why.cause == CAUSE_APP_MISMATCH)
		cJSON_AddItemToObject(o, "expected_apps",
				      text_array(f->why.service->apps, f->why.service->napps));
}

static cJSON *finding_json(const struct audit_report *report, const struct finding *f)
{
	const struct ruleset *rs = report->rules;
	cJSON *o = cJSON_CreateObject();
	const struct rule *r = f->rule;

	cJSON_AddStringToObject(o, "kind", finding_kind_name(f->kind));
	cJSON_AddStringToObject(o, "cause", finding_cause_name(f->cause));
	cJSON_AddBoolToObject(o, "gates", finding_gates(f, &report->fail_on));
	cJSON_AddItemToObject(o, "rule", r ? text(r->id) : cJSON_CreateNull());
	/* The side the rule is judged on: the host a finding is about, which
	 * names it across runs (JUnit's test names, flowaudit diff). */
	if (r)
		cJSON_AddStringToObject(o, "judged", judged_on_client(rs, r) ? "client" : "server");
	cJSON_AddItemToObject(o, "sections", r ? text_array(r->sections, r->nsections)
					       : cJSON_CreateArray());
	cJSON_AddItemToObject(o, "need", r ? cJSON_CreateString(need_name(r->need))
					   : cJSON_CreateNull());
	if (r && r->group)
		add_text(o, "group", r->group);
	cJSON_AddItemToObject(o, "client", endpoint(rs, &f->client, false));
	cJSON_AddItemToObject(o, "server", endpoint(rs, &f->server, true));
	cJSON_AddItemToObject(o, "proto", f->proto ? cJSON_CreateString(ip_proto_name(f->proto, "ip"))
						   : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "port", f->proto && f->proto != IP_PROTO_ICMP
					 ? count(f->port) : cJSON_CreateNull());
	if (f->service) {
		char svc[64];
		if (f->has_unit)
			rule_unit_format(f->rule, f->unit, svc, sizeof(svc));
		else
			service_format(f->service, svc, sizeof(svc));
		cJSON_AddStringToObject(o, "service", svc);
	}
	if (f->each && f->rule)
		cJSON_AddItemToObject(o, "each", each_json(f));
	cJSON_AddItemToObject(o, "app", string_or_null(f->app));
	cJSON_AddItemToObject(o, "state", string_or_null(f->states));
	cJSON_AddItemToObject(o, "flows", count(f->flows));
	cJSON_AddItemToObject(o, "attempts", count(f->attempts));
	cJSON_AddItemToObject(o, "successes", count(f->successes));
	if (f->one_sided)
		cJSON_AddItemToObject(o, "one_sided", count(f->one_sided));
	cJSON_AddItemToObject(o, "packets", count(f->packets));
	cJSON_AddItemToObject(o, "bytes", count(f->bytes));
	cJSON_AddItemToObject(o, "first_ts", ts_value(f->first_us));
	cJSON_AddItemToObject(o, "last_ts", ts_value(f->last_us));
	cause_fields(o, f);
	char reason[REASON_LEN];
	finding_reason(rs, f, reason, sizeof(reason));
	add_text(o, "reason", reason);
	return o;
}

static cJSON *inputs_json(const struct audit_report *r)
{
	cJSON *a = cJSON_CreateArray();
	for (unsigned i = 0; i < r->capture.ninputs; i++) {
		const struct input_summary *in = &r->capture.inputs[i];
		cJSON *o = cJSON_CreateObject();
		add_text(o, "source", in->name);
		cJSON_AddStringToObject(o, "type", in->live ? "interface" : "file");
		cJSON_AddItemToObject(o, "packets", count(in->packets));
		cJSON_AddItemToObject(o, "bytes", count(in->bytes));
		cJSON_AddItemToObject(o, "first_ts", ts_value(in->first_us));
		cJSON_AddItemToObject(o, "last_ts", ts_value(in->last_us));
		if (in->live) {
			cJSON_AddItemToObject(o, "kernel_drops", count(in->kernel_drops));
			cJSON_AddItemToObject(o, "interface_drops", count(in->interface_drops));
		}
		if (in->part)
			add_text(o, "part", in->part);
		cJSON *errors = cJSON_AddArrayToObject(o, "errors");
		if (in->error[0])
			cJSON_AddItemToArray(errors, text(in->error));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *capture_json(const struct audit_report *r)
{
	const struct capture_summary *c = &r->capture;
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, "packets", count(c->packets));
	cJSON_AddItemToObject(o, "non_ip", count(c->non_ip));
	cJSON_AddItemToObject(o, "malformed", count(c->malformed));
	cJSON *reasons = cJSON_AddObjectToObject(o, "decode_notes");
	for (unsigned i = 0; i < c->nnotes; i++)
		cJSON_AddItemToObject(reasons, c->notes[i].name, count(c->notes[i].count));
	cJSON_AddItemToObject(o, "flows", count(c->flows));
	cJSON_AddItemToObject(o, "evicted", count(c->evicted));
	cJSON_AddItemToObject(o, "peak_flows", count(c->peak_flows));
	if (r->window_end_us) {
		cJSON_AddItemToObject(o, "window_start", ts_value(r->window_start_us));
		cJSON_AddItemToObject(o, "window_end", ts_value(r->window_end_us));
	}
	return o;
}

/* What the capture can and cannot show: figures, and each note with its
 * code and sentence. */
static cJSON *health_json(const struct audit_report *r)
{
	const struct capture_health *h = &r->findings->health;
	struct health_line lines[HEALTH_MAX_LINES];
	unsigned n = capture_health_lines(r, lines, HEALTH_MAX_LINES);
	uint64_t dropped = 0;
	cJSON *o = cJSON_CreateObject();

	for (unsigned i = 0; i < r->capture.ninputs; i++)
		dropped += r->capture.inputs[i].kernel_drops + r->capture.inputs[i].interface_drops;
	cJSON_AddBoolToObject(o, "complete", capture_complete(r));
	cJSON_AddItemToObject(o, "dropped", count(dropped));
	cJSON_AddItemToObject(o, "evicted", count(r->capture.evicted));
	cJSON_AddItemToObject(o, "tcp_flows", count(h->tcp_flows));
	cJSON_AddItemToObject(o, "one_sided_flows", count(h->one_sided_flows));
	cJSON_AddItemToObject(o, "orig_only_flows", count(h->orig_only));
	cJSON_AddItemToObject(o, "resp_only_flows", count(h->resp_only));
	cJSON_AddItemToObject(o, "answered_unseen_flows", count(h->answered_unseen));
	cJSON_AddItemToObject(o, "gap_flows", count(h->gap_flows));
	cJSON_AddItemToObject(o, "gap_bytes", count(h->missed_bytes));
	cJSON *notes = cJSON_AddArrayToObject(o, "notes");
	for (unsigned i = 0; i < n; i++) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "code", lines[i].code);
		cJSON_AddItemToObject(x, "host", string_or_null(lines[i].host));
		add_text(x, "text", lines[i].text);
		cJSON_AddItemToArray(notes, x);
	}
	return o;
}

static cJSON *summary_json(const struct audit_report *r)
{
	const struct audit_summary *s = &r->findings->summary;
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, "flows", count(s->flows));
	cJSON_AddItemToObject(o, "in_scope", count(s->in_scope));
	cJSON_AddItemToObject(o, "out_of_scope", count(s->out_of_scope));
	cJSON_AddItemToObject(o, "out_of_scope_peers", count(s->peer_only));
	cJSON_AddItemToObject(o, "out_of_scope_broadcast", count(s->broadcast));
	cJSON_AddItemToObject(o, "icmp_error_flows", count(s->icmp_errors));
	cJSON_AddItemToObject(o, "allowed_by_site", count(s->allowed_by_site));
	for (int k = 0; k < FINDING_KIND_COUNT; k++)
		cJSON_AddItemToObject(o, finding_kind_name(k), count(s->count[k]));
	cJSON_AddItemToObject(o, "unexpected_flows", count(s->unexpected_flows));
	cJSON_AddItemToObject(o, "name_unconfirmed_flows", count(s->name_unconfirmed));
	cJSON_AddItemToObject(o, "unexpected_not_itemized",
			      count(s->unexpected_not_itemized));
	cJSON *fail_on = cJSON_AddArrayToObject(o, "fail_on");
	for (int k = 0; k < FINDING_KIND_COUNT; k++)
		if (r->fail_on.kind[k])
			cJSON_AddItemToArray(fail_on, cJSON_CreateString(finding_kind_name(k)));
	cJSON_AddItemToObject(o, "not_gating", count(r->not_gating));
	cJSON_AddItemToObject(o, "applicable_rules", count(s->applicable_rules));
	cJSON_AddStringToObject(o, "verdict", audit_verdict_name(r->verdict));
	return o;
}

static cJSON *not_applicable_json(const struct ruleset *rs)
{
	cJSON *a = cJSON_CreateArray();
	for (unsigned i = 0; i < ruleset_rule_count(rs); i++) {
		const struct rule *rule = ruleset_rule(rs, i);
		if (rule->applicable)
			continue;
		cJSON *o = cJSON_CreateObject();
		add_text(o, "rule", rule->id);
		cJSON_AddItemToObject(o, "sections", text_array(rule->sections,
								    rule->nsections));
		cJSON_AddStringToObject(o, "need", need_name(rule->need));
		cJSON_AddItemToObject(o, "why", string_or_null(rule->not_applicable_why));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/* Each site exception: what it says, why, until when, and what it covered. */
static cJSON *exception_json(const struct audit_report *r, const struct exception_use *e)
{
	const struct site_allow *a = e->allow;
	cJSON *o = cJSON_CreateObject();
	char side[512], ports[128];

	exception_side_text(r->rules, a->from_roles, a->from_nets, a->nfrom_nets, side,
			    sizeof(side));
	add_text(o, "from", side);
	exception_side_text(r->rules, a->to_roles, a->to_nets, a->nto_nets, side,
			    sizeof(side));
	add_text(o, "to", side);
	cJSON_AddItemToObject(o, "proto", a->proto ? cJSON_CreateString(ip_proto_name(a->proto, "ip"))
						   : cJSON_CreateNull());
	cJSON *pa = cJSON_AddArrayToObject(o, "ports");
	for (unsigned i = 0; i < a->nports; i++) {
		snprintf(ports, sizeof(ports), a->ports[i].lo == a->ports[i].hi ? "%u" : "%u-%u",
			 a->ports[i].lo, a->ports[i].hi);
		cJSON_AddItemToArray(pa, a->ports[i].lo == a->ports[i].hi ?
				     count(a->ports[i].lo) : cJSON_CreateString(ports));
	}
	add_text(o, "why", a->why);
	cJSON_AddItemToObject(o, "expires", string_or_null(a->expires ? a->expires : ""));
	cJSON_AddBoolToObject(o, "expired", e->expired);
	cJSON_AddItemToObject(o, "flows", count(e->flows));
	cJSON_AddItemToObject(o, "packets", count(e->packets));
	cJSON_AddItemToObject(o, "bytes", count(e->bytes));
	cJSON_AddItemToObject(o, "first_ts", ts_value(e->first_us));
	cJSON_AddItemToObject(o, "last_ts", ts_value(e->last_us));
	cJSON *clients = cJSON_AddArrayToObject(o, "clients");
	for (unsigned i = 0; i < e->nclients; i++) {
		char ip[IP_TEXT_LEN];
		format_ip(ip, e->clients[i].ip_version, &e->clients[i].ip);
		cJSON_AddItemToArray(clients, cJSON_CreateString(ip));
	}
	cJSON_AddItemToObject(o, "more_client_flows", count(e->more_clients));
	cJSON_AddItemToObject(o, "flows_after_expiry", count(e->expired_flows));
	return o;
}

static cJSON *exceptions_json(const struct audit_report *r)
{
	cJSON *a = cJSON_CreateArray();
	for (unsigned i = 0; i < r->findings->nexceptions; i++)
		cJSON_AddItemToArray(a, exception_json(r, &r->findings->exceptions[i]));
	return a;
}

bool report_identity(const struct audit_report *r, const char *state_text,
		     char out[65])
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];
	char line[64];

	sha256_init(&ctx);
	for (unsigned i = 0; i < r->capture.ninputs; i++) {
		const struct input_summary *in = &r->capture.inputs[i];
		/* The file's name without its directory: a capture moved (or a
		 * report made in another tree) is the same part. With its
		 * terminating NUL: no two lists run together. */
		const char *slash = strrchr(in->name, '/');
		const char *base = slash && !in->live ? slash + 1 : in->name;
		sha256_update(&ctx, strlen(base) + 1, (const uint8_t *)base);
		int n = snprintf(line, sizeof(line), "%llu %llu %llu %llu;",
				 (unsigned long long)in->packets,
				 (unsigned long long)in->bytes,
				 (unsigned long long)in->first_us,
				 (unsigned long long)in->last_us);
		sha256_update(&ctx, (size_t)n, (const uint8_t *)line);
	}
	/* Two windows of a watch may read alike (both quiet): their bounds
	 * tell them apart. */
	int n = snprintf(line, sizeof(line), "window %llu %llu;",
			 (unsigned long long)r->window_start_us,
			 (unsigned long long)r->window_end_us);
	sha256_update(&ctx, (size_t)n, (const uint8_t *)line);
	sha256_update(&ctx, strlen(state_text), (const uint8_t *)state_text);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
	return true;
}

/* The merge state (docs/report-format.md, "state"): the rule set's
 * identity, the parts it holds, and the verdict's raw state. Written as
 * text (common/json_text.h), laid out as cJSON_Print lays out a member of
 * the top object; the caller frees it. NULL when out of memory. */
static char *state_text(const struct audit_report *r)
{
	char *body = verdict_state_text(r->state), id[65];
	struct json_text t;

	if (!body)
		return NULL;
	json_text_init(&t);
	json_text_object(&t, NULL);
	json_text_u64(&t, "version", VERDICT_STATE_VERSION);
	json_text_string(&t, "matrix_sha256", r->matrix_sha256);
	json_text_string(&t, "site_sha256", r->site_sha256);
	json_text_array(&t, "parts");
	if (r->nparts) {
		for (unsigned i = 0; i < r->nparts; i++)
			json_text_string(&t, NULL, r->parts[i]);
	} else if (report_identity(r, body, id)) {
		json_text_string(&t, NULL, id);
	} else {
		t.failed = true;
	}
	json_text_close_array(&t);
	/* The state's members follow the header. */
	json_text_members(&t, body);
	json_text_close_object(&t);
	free(body);
	char *unformatted = json_text_take(&t);
	char *text = unformatted ? json_text_format(unformatted, 1) : NULL;
	free(unformatted);
	return text;
}

bool report_json(FILE *f, const struct audit_report *r)
{
	cJSON *root = cJSON_CreateObject();

	cJSON_AddStringToObject(root, "schema", "flowaudit-report/1");
	cJSON *tool = cJSON_AddObjectToObject(root, "tool");
	cJSON_AddStringToObject(tool, "name", "flowaudit");
	cJSON_AddStringToObject(tool, "version", r->version);
	cJSON *matrix = cJSON_AddObjectToObject(root, "matrix");
	cJSON_AddItemToObject(matrix, "name", string_or_null(ruleset_matrix_name(r->rules)));
	cJSON_AddItemToObject(matrix, "file", string_or_null(ruleset_matrix_path(r->rules)));
	if (r->matrix_sha256[0])
		cJSON_AddStringToObject(matrix, "sha256", r->matrix_sha256);
	cJSON *site = cJSON_AddObjectToObject(root, "site");
	cJSON_AddItemToObject(site, "name", string_or_null(ruleset_site_name(r->rules)));
	cJSON_AddItemToObject(site, "file", string_or_null(ruleset_site_path(r->rules)));
	if (r->site_sha256[0])
		cJSON_AddStringToObject(site, "sha256", r->site_sha256);
	cJSON_AddItemToObject(root, "inputs", inputs_json(r));
	cJSON_AddItemToObject(root, "capture", capture_json(r));
	cJSON_AddItemToObject(root, "summary", summary_json(r));
	cJSON_AddItemToObject(root, "capture_health", health_json(r));
	cJSON *items = cJSON_AddArrayToObject(root, "findings");
	for (unsigned i = 0; i < r->findings->n; i++)
		cJSON_AddItemToArray(items, finding_json(r, &r->findings->items[i]));
	cJSON_AddItemToObject(root, "not_applicable", not_applicable_json(r->rules));
	cJSON_AddItemToObject(root, "exceptions", exceptions_json(r));
	char *state = r->state ? state_text(r) : NULL;
	if (r->state && !state) {
		cJSON_Delete(root);
		return false;
	}
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text) {
		free(state);
		return false;
	}
	/* The state is the last member: written after the rest, as cJSON_Print
	 * would have laid it out ("\n}" closes the top object), rather than
	 * copied into the tree and again into cJSON's growing print buffer
	 * (megabytes on a busy capture). A bidi override in a name reorders a
	 * JSON file shown on a terminal as much as a text report: written as
	 * \u202e, it means the same. */
	size_t len = strlen(text);
	if (state && len >= 2) {
		text[len - 2] = '\0';
		json_put_text(f, text);
		fputs(",\n\t\"state\":\t", f);
		json_put_text(f, state);
		fputs("\n}", f);
	} else {
		json_put_text(f, text);
	}
	bool ok = fputc('\n', f) != EOF && !ferror(f);
	free(state);
	cJSON_free(text);
	return ok;
}
