/* verdict_state.c - the verdict's raw state as JSON and back (see
 * verdict_state.h; the format is docs/report-format.md, "state"). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "common/json_text.h"
#include "common/safe_text.h"
#include "verdict_state.h"

/* Largest whole number a JSON reader keeps exactly (2^53): anything above
 * is refused as absurd rather than rounded. */
#define STATE_MAX_COUNT 9007199254740992.0

static const char *const failure_names[FAIL_KIND_COUNT] = {
	"no-reply", "rejected", "icmp", "reset-after-data", "reset-at-handshake",
	"tls-alert", "udp-no-reply", "one-way", "dns",
};

/* ---- writing ----
 *
 * As text (common/json_text.h): thousands of unexpected conversations and
 * hosts as cJSON items were dozens of allocations each, most of the time
 * an audit spent writing its report, after the last packet and on one
 * thread. The text reads exactly as cJSON would print those items. */

typedef struct json_text jt;

/* Names from packets may be any bytes: valid UTF-8 is written as a
 * string, anything else as {"hex": ...}, so that it reads back exactly. */
static void put_bytes(jt *t, const char *key, const char *s)
{
	static const char digits[] = "0123456789abcdef";
	size_t n = strlen(s);

	if (utf8_invalid_at(s, n) == n) {
		json_text_string(t, key, s);
		return;
	}
	char *hex = malloc(2 * n + 1);
	json_text_object(t, key);
	if (hex) {
		for (size_t i = 0; i < n; i++) {
			hex[2 * i] = digits[(unsigned char)s[i] >> 4];
			hex[2 * i + 1] = digits[(unsigned char)s[i] & 15];
		}
		hex[2 * n] = '\0';
		json_text_string(t, "hex", hex);
	}
	json_text_close_object(t);
	free(hex);
}

static void put_text(jt *t, const char *key, const char *s)
{
	if (s[0])
		put_bytes(t, key, s);
}

static void put_ip(jt *t, const char *key, uint8_t version, const struct ip_addr *a)
{
	char buf[IP_TEXT_LEN];
	format_ip(buf, version == 6 ? 6 : 4, a);
	json_text_string(t, key, buf);
}

static void put_roles(jt *t, const char *key, role_mask m)
{
	json_text_array(t, key);
	for (unsigned i = 0; i < 64; i++)
		if (m & ((role_mask)1 << i))
			json_text_u64(t, NULL, i);
	json_text_close_array(t);
}

static unsigned rule_index(const struct ruleset *rs, const struct rule *r)
{
	return (unsigned)(r - ruleset_rule(rs, 0));
}

/* A service as [rule, service index], or null. */
static void put_service(jt *t, const char *key, const struct ruleset *rs,
			const struct rule_service *s)
{
	for (unsigned i = 0; s && i < ruleset_rule_count(rs); i++) {
		const struct rule *r = ruleset_rule(rs, i);
		if (s >= r->services && s < r->services + r->nservices) {
			json_text_array(t, key);
			json_text_u64(t, NULL, i);
			json_text_u64(t, NULL, (uint64_t)(s - r->services));
			json_text_close_array(t);
			return;
		}
	}
	json_text_null(t, key);
}

/* The example order's key: [first_us, ip_version, client, server, proto,
 * port, client_port]. */
static void put_key(jt *t, const char *key, const struct example_key *k)
{
	json_text_array(t, key);
	json_text_u64(t, NULL, k->first_us);
	json_text_u64(t, NULL, k->ip_version);
	put_ip(t, NULL, k->ip_version, &k->client);
	put_ip(t, NULL, k->ip_version, &k->server);
	json_text_u64(t, NULL, k->proto);
	json_text_u64(t, NULL, k->port);
	json_text_u64(t, NULL, k->client_port);
	json_text_close_array(t);
}

static void put_geo(jt *t, const char *key, const struct endpoint_geo *g)
{
	json_text_object(t, key);
	put_text(t, "scope", g->scope);
	put_text(t, "country", g->country);
	if (g->asn)
		json_text_u64(t, "asn", g->asn);
	put_text(t, "as_org", g->as_org);
	json_text_close_object(t);
}

static void put_example(jt *t, const struct ruleset *rs, const struct evidence *e)
{
	json_text_object(t, "example");
	json_text_bool(t, "succeeded", e->example_succeeded);
	put_key(t, "key", &e->key);
	json_text_u64(t, "ip_version", e->ip_version);
	json_text_u64(t, "proto", e->proto);
	put_ip(t, "client", e->ip_version, &e->client);
	put_ip(t, "server", e->ip_version, &e->server);
	json_text_u64(t, "port", e->port);
	put_roles(t, "client_roles", e->client_roles);
	put_roles(t, "server_roles", e->server_roles);
	put_text(t, "host", e->host);
	json_text_u64(t, "host_source", e->host_source);
	put_geo(t, "client_geo", &e->client_geo);
	put_geo(t, "server_geo", &e->server_geo);
	put_text(t, "app", e->app);
	put_service(t, "service", rs, e->service);
	json_text_close_object(t);
}

static void put_evidence(jt *t, const char *key, const struct ruleset *rs,
			 const struct evidence *e)
{
	json_text_object(t, key);
	json_text_u64(t, "flows", e->flows);
	json_text_u64(t, "attempts", e->attempts);
	json_text_u64(t, "successes", e->successes);
	json_text_u64(t, "one_sided", e->one_sided);
	json_text_u64(t, "packets", e->packets);
	json_text_u64(t, "bytes", e->bytes);
	json_text_u64(t, "first_us", e->first_us);
	json_text_u64(t, "last_us", e->last_us);
	json_text_string(t, "states", e->states);
	if (e->has_example)
		put_example(t, rs, e);
	json_text_close_object(t);
}

static void put_failure(jt *t, int kind, const struct attempt_failure *f)
{
	json_text_object(t, NULL);
	json_text_string(t, "kind", failure_names[kind]);
	json_text_string(t, "cause", finding_cause_name(f->cause));
	json_text_u64(t, "flows", f->flows);
	json_text_u64(t, "units", f->units);
	json_text_u64(t, "proven", f->proven);
	put_key(t, "key", &f->key);
	json_text_u64(t, "ip_version", f->ip_version);
	json_text_u64(t, "proto", f->proto);
	put_ip(t, "server", f->ip_version, &f->server);
	json_text_u64(t, "port", f->port);
	put_text(t, "host", f->host);
	json_text_u64(t, "host_source", f->host_source);
	json_text_u64(t, "icmp_type", f->icmp_type);
	json_text_u64(t, "icmp_code", f->icmp_code);
	put_text(t, "dns_rcode", f->dns_rcode);
	json_text_u64(t, "tls_alert_level", f->tls_alert_level);
	json_text_u64(t, "tls_alert_desc", f->tls_alert_desc);
	json_text_u64(t, "client_version", f->client_version);
	put_ip(t, "client", f->client_version, &f->client);
	json_text_close_object(t);
}

static void put_failures(jt *t, const struct outcomes *out)
{
	json_text_array(t, "failures");
	for (int k = 0; k < FAIL_KIND_COUNT; k++)
		if (out->failures[k].flows)
			put_failure(t, k, &out->failures[k]);
	json_text_close_array(t);
}

static bool evidence_empty(const struct evidence *e)
{
	return !e->flows && !e->has_example;
}

static void put_pair(jt *t, const struct verdict *v, const struct rule_host *p)
{
	json_text_object(t, NULL);
	json_text_u64(t, "rule", p->rule);
	json_text_i64(t, "host_id", p->host_id);
	put_ip(t, "host", p->ip_version, &p->host);
	put_evidence(t, "evidence", v->rs, &p->ev);
	put_failures(t, &p->out);
	if (!evidence_empty(&p->unconfirmed))
		put_evidence(t, "unconfirmed", v->rs, &p->unconfirmed);
	if (p->nunits) {
		json_text_array(t, "units");
		for (unsigned u = 0; u < p->nunits; u++) {
			json_text_object(t, NULL);
			put_evidence(t, "evidence", v->rs, &p->units[u].ev);
			put_failures(t, &p->units[u].out);
			json_text_close_object(t);
		}
		json_text_close_array(t);
	}
	json_text_close_object(t);
}

static bool pair_empty(const struct rule_host *p)
{
	return evidence_empty(&p->ev) && evidence_empty(&p->unconfirmed);
}

static void put_why(jt *t, const struct ruleset *rs, const struct unexpected_cause *w)
{
	json_text_object(t, "why");
	put_roles(t, "client_roles", w->client_roles);
	put_roles(t, "server_roles", w->server_roles);
	json_text_array(t, "rules");
	for (unsigned i = 0; i < w->nrules && i < CAUSE_MAX_RULES; i++)
		json_text_u64(t, NULL, rule_index(rs, w->rules[i]));
	json_text_close_array(t);
	put_service(t, "service", rs, w->service);
	put_text(t, "app", w->app);
	put_text(t, "host", w->host);
	json_text_close_object(t);
}

/* Unexpected conversations in a fixed order (arrival order would differ
 * between runs of the same parts). */
static int cmp_unexpected(const void *pa, const void *pb)
{
	const struct unexpected *a = *(const struct unexpected *const *)pa;
	const struct unexpected *b = *(const struct unexpected *const *)pb;
	int c;

	if ((c = ip_addr_compare(a->ip_version, &a->client, b->ip_version, &b->client)) ||
	    (c = ip_addr_compare(a->ip_version, &a->server, b->ip_version, &b->server)))
		return c;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return a->why.cause < b->why.cause ? -1 : a->why.cause > b->why.cause;
}

static bool put_unexpected(jt *t, const struct verdict *v)
{
	const struct unexpected **order = malloc(((size_t)v->nunexp + 1) * sizeof(*order));

	if (!order)
		return false;
	for (unsigned i = 0; i < v->nunexp; i++)
		order[i] = &v->unexp[i];
	qsort(order, v->nunexp, sizeof(*order), cmp_unexpected);
	json_text_array(t, "unexpected");
	for (unsigned i = 0; i < v->nunexp; i++) {
		const struct unexpected *u = order[i];
		json_text_object(t, NULL);
		json_text_string(t, "cause", finding_cause_name(u->why.cause));
		json_text_u64(t, "ip_version", u->ip_version);
		put_ip(t, "client", u->ip_version, &u->client);
		put_ip(t, "server", u->ip_version, &u->server);
		json_text_u64(t, "proto", u->proto);
		json_text_u64(t, "port", u->port);
		put_why(t, v->rs, &u->why);
		put_key(t, "why_key", &u->why_key);
		put_evidence(t, "evidence", v->rs, &u->ev);
		json_text_close_object(t);
	}
	json_text_close_array(t);
	free(order);
	return true;
}

static void put_exceptions(jt *t, const struct verdict *v)
{
	json_text_array(t, "exceptions");
	for (unsigned i = 0; i < ruleset_allow_count(v->rs); i++) {
		const struct exception_use *e = &v->exceptions[i];
		if (!e->flows && !e->expired_flows)
			continue;
		json_text_object(t, NULL);
		json_text_u64(t, "index", i);
		json_text_u64(t, "flows", e->flows);
		json_text_u64(t, "packets", e->packets);
		json_text_u64(t, "bytes", e->bytes);
		json_text_u64(t, "first_us", e->first_us);
		json_text_u64(t, "last_us", e->last_us);
		json_text_u64(t, "expired_flows", e->expired_flows);
		json_text_u64(t, "more_clients", e->more_clients);
		json_text_array(t, "clients");
		for (unsigned k = 0; k < e->nclients; k++) {
			json_text_array(t, NULL);
			json_text_u64(t, NULL, e->clients[k].ip_version);
			put_ip(t, NULL, e->clients[k].ip_version, &e->clients[k].ip);
			json_text_u64(t, NULL, e->clients[k].flows);
			json_text_close_array(t);
		}
		json_text_close_array(t);
		json_text_close_object(t);
	}
	json_text_close_array(t);
}

static void put_summary(jt *t, const struct audit_summary *s)
{
	json_text_object(t, "summary");
	json_text_u64(t, "flows", s->flows);
	json_text_u64(t, "in_scope", s->in_scope);
	json_text_u64(t, "out_of_scope", s->out_of_scope);
	json_text_u64(t, "peer_only", s->peer_only);
	json_text_u64(t, "broadcast", s->broadcast);
	json_text_u64(t, "icmp_errors", s->icmp_errors);
	json_text_u64(t, "allowed_by_site", s->allowed_by_site);
	json_text_u64(t, "unexpected_flows", s->unexpected_flows);
	json_text_u64(t, "name_unconfirmed", s->name_unconfirmed);
	json_text_u64(t, "unexpected_not_itemized", s->unexpected_not_itemized);
	json_text_close_object(t);
}

static void put_health(jt *t, const struct capture_health *h)
{
	json_text_object(t, "health");
	json_text_u64(t, "tcp_flows", h->tcp_flows);
	json_text_u64(t, "one_sided_flows", h->one_sided_flows);
	json_text_u64(t, "orig_only", h->orig_only);
	json_text_u64(t, "resp_only", h->resp_only);
	json_text_u64(t, "answered_unseen", h->answered_unseen);
	json_text_u64(t, "unanswered_attempts", h->unanswered_attempts);
	json_text_u64(t, "gap_flows", h->gap_flows);
	json_text_u64(t, "missed_bytes", h->missed_bytes);
	json_text_close_object(t);
}

/* Each host as [ip_version, address, flags, tcp_flows, tcp_one_sided]. */
static bool put_hosts(jt *t, const struct verdict *v)
{
	struct host_seen *hosts;
	unsigned n;

	if (!host_visibility_list(v->hosts, &hosts, &n))
		return false;
	json_text_array(t, "hosts");
	for (unsigned i = 0; i < n; i++) {
		const struct host_seen *h = &hosts[i];
		json_text_array(t, NULL);
		json_text_u64(t, NULL, h->ip_version);
		put_ip(t, NULL, h->ip_version, &h->addr);
		json_text_u64(t, NULL, h->flags);
		json_text_u64(t, NULL, h->tcp_flows);
		json_text_u64(t, NULL, h->tcp_one_sided);
		json_text_close_array(t);
	}
	json_text_close_array(t);
	free(hosts);
	return true;
}

/* Pairs by rule, then host: the order pairs were created in depends on
 * the order flows ended in (and, merged, on the order of the parts). */
static int cmp_pair(const void *pa, const void *pb)
{
	const struct rule_host *a = *(const struct rule_host *const *)pa;
	const struct rule_host *b = *(const struct rule_host *const *)pb;

	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	if (a->host_id != b->host_id)
		return a->host_id < b->host_id ? -1 : 1;
	return ip_addr_compare(a->ip_version, &a->host, b->ip_version, &b->host);
}

static bool put_pairs(jt *t, const struct verdict *v)
{
	const struct rule_host **order = malloc(((size_t)v->npairs + 1) * sizeof(*order));
	unsigned n = 0;

	if (!order)
		return false;
	for (unsigned i = 0; i < v->npairs; i++)
		if (!pair_empty(&v->pairs[i]))
			order[n++] = &v->pairs[i];
	qsort(order, n, sizeof(*order), cmp_pair);
	json_text_array(t, "pairs");
	for (unsigned i = 0; i < n; i++)
		put_pair(t, v, order[i]);
	json_text_close_array(t);
	free(order);
	return true;
}

char *verdict_state_text(const struct verdict *v)
{
	jt t;

	json_text_init(&t);
	json_text_object(&t, NULL);
	json_text_u64(&t, "latest_us", v->latest_us);
	put_summary(&t, &v->summary);
	put_health(&t, &v->health);
	json_text_u64(&t, "untracked_hosts", host_visibility_untracked(v->hosts));
	bool ok = put_hosts(&t, v) && put_pairs(&t, v) && put_unexpected(&t, v);
	put_exceptions(&t, v);
	json_text_close_object(&t);
	if (!ok)
		t.failed = true;
	return json_text_take(&t);
}

/* ---- reading ---- */

struct reader {
	const struct ruleset *rs;
	const char *file;
	char path[256];
	char *err;
	size_t errlen;
	bool failed;
};

/* Appends to the JSON path; returns the length to restore. */
static size_t path_push(struct reader *rd, const char *fmt, ...)
{
	size_t at = strlen(rd->path);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rd->path + at, sizeof(rd->path) - at, fmt, ap);
	va_end(ap);
	return at;
}

static void path_pop(struct reader *rd, size_t at)
{
	rd->path[at] = '\0';
}

static bool fail(struct reader *rd, const char *fmt, ...)
{
	if (rd->failed)
		return false;
	int n = snprintf(rd->err, rd->errlen, "%s: %s: ", rd->file, rd->path);
	if (n >= 0 && (size_t)n < rd->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(rd->err + n, rd->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	rd->failed = true;
	return false;
}

static const cJSON *member(struct reader *rd, const cJSON *o, const char *key,
			   bool required)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!x && required) {
		size_t at = path_push(rd, ".%s", key);
		fail(rd, "missing");
		path_pop(rd, at);
	}
	return x;
}

static bool whole(struct reader *rd, const cJSON *x, uint64_t max, uint64_t *out)
{
	if (!cJSON_IsNumber(x) || x->valuedouble < 0 ||
	    x->valuedouble != (double)(uint64_t)x->valuedouble ||
	    x->valuedouble > STATE_MAX_COUNT || (uint64_t)x->valuedouble > max)
		return fail(rd, "wants a whole number from 0 to %llu",
			    (unsigned long long)max);
	*out = (uint64_t)x->valuedouble;
	return true;
}

/* A whole-number member (0 when absent and optional). */
static uint64_t get_num(struct reader *rd, const cJSON *o, const char *key,
			uint64_t max, bool required)
{
	const cJSON *x = member(rd, o, key, required);
	uint64_t n = 0;
	if (!x)
		return 0;
	size_t at = path_push(rd, ".%s", key);
	whole(rd, x, max, &n);
	path_pop(rd, at);
	return n;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A name (a string or {"hex": ...}) into out, which holds len bytes. */
static bool bytes_value(struct reader *rd, const cJSON *x, char *out, size_t len)
{
	if (cJSON_IsString(x)) {
		if (strlen(x->valuestring) >= len)
			return fail(rd, "longer than %zu bytes", len - 1);
		memcpy(out, x->valuestring, strlen(x->valuestring) + 1);
		return true;
	}
	const cJSON *h = cJSON_IsObject(x) ? cJSON_GetObjectItemCaseSensitive(x, "hex") : NULL;
	if (!cJSON_IsString(h))
		return fail(rd, "wants a string or {\"hex\": ...}");
	size_t n = strlen(h->valuestring);
	if (n % 2 || n / 2 >= len)
		return fail(rd, "wants an even number of hex digits, at most %zu bytes",
			    len - 1);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(h->valuestring[2 * i]), lo = hexval(h->valuestring[2 * i + 1]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return fail(rd, "wants lowercase hex digits of non-zero bytes");
		out[i] = (char)(hi * 16 + lo);
	}
	out[n / 2] = '\0';
	return true;
}

static void get_text(struct reader *rd, const cJSON *o, const char *key, char *out,
		     size_t len)
{
	const cJSON *x = member(rd, o, key, false);
	out[0] = '\0';
	if (!x)
		return;
	size_t at = path_push(rd, ".%s", key);
	bytes_value(rd, x, out, len);
	path_pop(rd, at);
}

static bool ip_value(struct reader *rd, const cJSON *x, uint8_t version,
		     struct ip_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!cJSON_IsString(x) ||
	    inet_pton(version == 6 ? AF_INET6 : AF_INET, x->valuestring, a->b) != 1)
		return fail(rd, "wants an IPv%u address", version == 6 ? 6u : 4u);
	return true;
}

static void get_ip(struct reader *rd, const cJSON *o, const char *key,
		   uint8_t version, struct ip_addr *a)
{
	const cJSON *x = member(rd, o, key, true);
	memset(a, 0, sizeof(*a));
	if (!x)
		return;
	size_t at = path_push(rd, ".%s", key);
	ip_value(rd, x, version, a);
	path_pop(rd, at);
}

static uint8_t get_version(struct reader *rd, const cJSON *o, const char *key)
{
	const cJSON *x = member(rd, o, key, true);
	uint64_t v = 0;
	if (!x)
		return 4;
	size_t at = path_push(rd, ".%s", key);
	if (!whole(rd, x, 6, &v) || (v != 4 && v != 6 && v != 0))
		fail(rd, "wants 4 or 6");
	path_pop(rd, at);
	return v == 6 ? 6 : 4;
}

static bool array_of(struct reader *rd, const cJSON *x, int min, int max)
{
	int n = cJSON_IsArray(x) ? cJSON_GetArraySize(x) : -1;
	if (n < min || n > max)
		return fail(rd, min == max ? "wants an array of %d" :
			    "wants an array of %d to %d items", min, max);
	return true;
}

static role_mask get_roles(struct reader *rd, const cJSON *o, const char *key)
{
	const cJSON *x = member(rd, o, key, true), *it;
	role_mask m = 0;
	unsigned i = 0;
	if (!x)
		return 0;
	size_t at = path_push(rd, ".%s", key);
	if (array_of(rd, x, 0, 64))
		cJSON_ArrayForEach(it, x) {
			size_t at2 = path_push(rd, "[%u]", i++);
			uint64_t r;
			if (whole(rd, it, ruleset_role_count(rd->rs) - 1, &r))
				m |= (role_mask)1 << r;
			path_pop(rd, at2);
		}
	path_pop(rd, at);
	return m;
}

static const struct rule *get_rule(struct reader *rd, const cJSON *x)
{
	uint64_t r;
	if (!ruleset_rule_count(rd->rs)) {
		fail(rd, "the matrix has no rules");
		return NULL;
	}
	if (!whole(rd, x, ruleset_rule_count(rd->rs) - 1, &r))
		return NULL;
	return ruleset_rule(rd->rs, (unsigned)r);
}

static const struct rule_service *get_service(struct reader *rd, const cJSON *o,
					      const char *key)
{
	const cJSON *x = member(rd, o, key, false);
	const struct rule_service *s = NULL;
	if (!x || cJSON_IsNull(x))
		return NULL;
	size_t at = path_push(rd, ".%s", key);
	if (array_of(rd, x, 2, 2)) {
		path_push(rd, "[0]");
		const struct rule *r = get_rule(rd, cJSON_GetArrayItem(x, 0));
		path_pop(rd, at + strlen(key) + 1);
		uint64_t i;
		path_push(rd, "[1]");
		if (r && r->nservices &&
		    whole(rd, cJSON_GetArrayItem(x, 1), r->nservices - 1, &i))
			s = &r->services[i];
		else if (r && !r->nservices)
			fail(rd, "the rule has no services");
	}
	path_pop(rd, at);
	return s;
}

static void get_key(struct reader *rd, const cJSON *o, const char *key,
		    struct example_key *k)
{
	const cJSON *x = member(rd, o, key, true);
	uint64_t n;
	memset(k, 0, sizeof(*k));
	if (!x)
		return;
	size_t at = path_push(rd, ".%s", key);
	if (array_of(rd, x, 7, 7)) {
		if (whole(rd, cJSON_GetArrayItem(x, 0), UINT64_MAX, &n))
			k->first_us = n;
		if (whole(rd, cJSON_GetArrayItem(x, 1), 6, &n))
			k->ip_version = (uint8_t)n;
		ip_value(rd, cJSON_GetArrayItem(x, 2), k->ip_version, &k->client);
		ip_value(rd, cJSON_GetArrayItem(x, 3), k->ip_version, &k->server);
		if (whole(rd, cJSON_GetArrayItem(x, 4), 255, &n))
			k->proto = (uint8_t)n;
		if (whole(rd, cJSON_GetArrayItem(x, 5), 65535, &n))
			k->port = (uint16_t)n;
		if (whole(rd, cJSON_GetArrayItem(x, 6), 65535, &n))
			k->client_port = (uint16_t)n;
	}
	path_pop(rd, at);
}

static void get_geo(struct reader *rd, const cJSON *o, const char *key,
		    struct endpoint_geo *g)
{
	const cJSON *x = member(rd, o, key, false);
	memset(g, 0, sizeof(*g));
	if (!x)
		return;
	size_t at = path_push(rd, ".%s", key);
	if (!cJSON_IsObject(x)) {
		fail(rd, "wants an object");
	} else {
		get_text(rd, x, "scope", g->scope, sizeof(g->scope));
		get_text(rd, x, "country", g->country, sizeof(g->country));
		g->asn = (uint32_t)get_num(rd, x, "asn", UINT32_MAX, false);
		get_text(rd, x, "as_org", g->as_org, sizeof(g->as_org));
	}
	path_pop(rd, at);
}

static void get_states(struct reader *rd, const cJSON *o, char *out, size_t len)
{
	get_text(rd, o, "states", out, len);
	for (const char *p = out; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == ',')) {
			size_t at = path_push(rd, ".states");
			fail(rd, "wants conn_states such as \"S0,SF\"");
			path_pop(rd, at);
			return;
		}
}

static void get_example(struct reader *rd, const cJSON *x, struct evidence *e)
{
	const cJSON *s = member(rd, x, "succeeded", true);
	e->has_example = true;
	e->example_succeeded = cJSON_IsTrue(s);
	if (s && !cJSON_IsBool(s)) {
		size_t at = path_push(rd, ".succeeded");
		fail(rd, "wants true or false");
		path_pop(rd, at);
	}
	get_key(rd, x, "key", &e->key);
	e->ip_version = get_version(rd, x, "ip_version");
	e->proto = (uint8_t)get_num(rd, x, "proto", 255, true);
	get_ip(rd, x, "client", e->ip_version, &e->client);
	get_ip(rd, x, "server", e->ip_version, &e->server);
	e->port = (uint16_t)get_num(rd, x, "port", 65535, true);
	e->client_roles = get_roles(rd, x, "client_roles");
	e->server_roles = get_roles(rd, x, "server_roles");
	get_text(rd, x, "host", e->host, sizeof(e->host));
	e->host_source = (enum name_source)get_num(rd, x, "host_source", NAME_DNS, false);
	get_geo(rd, x, "client_geo", &e->client_geo);
	get_geo(rd, x, "server_geo", &e->server_geo);
	get_text(rd, x, "app", e->app, sizeof(e->app));
	e->service = get_service(rd, x, "service");
}

static void get_evidence(struct reader *rd, const cJSON *o, const char *key,
			 bool required, struct evidence *e)
{
	const cJSON *x = member(rd, o, key, required);
	memset(e, 0, sizeof(*e));
	if (!x)
		return;
	size_t at = path_push(rd, ".%s", key);
	if (!cJSON_IsObject(x)) {
		fail(rd, "wants an object");
		path_pop(rd, at);
		return;
	}
	e->flows = get_num(rd, x, "flows", UINT64_MAX, true);
	e->attempts = get_num(rd, x, "attempts", e->flows, true);
	e->successes = get_num(rd, x, "successes", e->attempts, true);
	e->one_sided = get_num(rd, x, "one_sided", e->successes, true);
	e->packets = get_num(rd, x, "packets", UINT64_MAX, true);
	e->bytes = get_num(rd, x, "bytes", UINT64_MAX, true);
	e->first_us = get_num(rd, x, "first_us", UINT64_MAX, true);
	e->last_us = get_num(rd, x, "last_us", UINT64_MAX, true);
	get_states(rd, x, e->states, sizeof(e->states));
	const cJSON *ex = member(rd, x, "example", false);
	if (ex) {
		size_t at2 = path_push(rd, ".example");
		if (cJSON_IsObject(ex))
			get_example(rd, ex, e);
		else
			fail(rd, "wants an object");
		path_pop(rd, at2);
	}
	path_pop(rd, at);
}

static int cause_of(const char *name)
{
	for (int c = 0; c < CAUSE_COUNT; c++)
		if (strcmp(finding_cause_name((enum finding_cause)c), name) == 0)
			return c;
	return -1;
}

static enum finding_cause get_cause(struct reader *rd, const cJSON *o)
{
	const cJSON *x = member(rd, o, "cause", true);
	int c = x && cJSON_IsString(x) ? cause_of(x->valuestring) : -1;
	if (x && c < 0) {
		size_t at = path_push(rd, ".cause");
		fail(rd, "wants a cause code of docs/verdicts.md");
		path_pop(rd, at);
	}
	return c < 0 ? CAUSE_NO_RULE : (enum finding_cause)c;
}

static void get_failure(struct reader *rd, const cJSON *x, struct outcomes *out)
{
	const cJSON *k = member(rd, x, "kind", true);
	int kind = -1;
	for (int i = 0; k && cJSON_IsString(k) && i < FAIL_KIND_COUNT; i++)
		if (strcmp(k->valuestring, failure_names[i]) == 0)
			kind = i;
	if (kind < 0) {
		if (k) {
			size_t at = path_push(rd, ".kind");
			fail(rd, "wants a failure kind (no-reply, rejected, ...)");
			path_pop(rd, at);
		}
		return;
	}
	struct attempt_failure t;
	memset(&t, 0, sizeof(t));
	t.cause = get_cause(rd, x);
	t.flows = (uint32_t)get_num(rd, x, "flows", UINT32_MAX, true);
	t.units = get_num(rd, x, "units", UINT64_MAX, true);
	t.proven = (uint32_t)get_num(rd, x, "proven", t.flows, true);
	get_key(rd, x, "key", &t.key);
	t.ip_version = get_version(rd, x, "ip_version");
	t.proto = (uint8_t)get_num(rd, x, "proto", 255, true);
	get_ip(rd, x, "server", t.ip_version, &t.server);
	t.port = (uint16_t)get_num(rd, x, "port", 65535, true);
	get_text(rd, x, "host", t.host, sizeof(t.host));
	t.host_source = (enum name_source)get_num(rd, x, "host_source", NAME_DNS, false);
	t.icmp_type = (uint8_t)get_num(rd, x, "icmp_type", 255, false);
	t.icmp_code = (uint8_t)get_num(rd, x, "icmp_code", 255, false);
	get_text(rd, x, "dns_rcode", t.dns_rcode, sizeof(t.dns_rcode));
	t.tls_alert_level = (uint8_t)get_num(rd, x, "tls_alert_level", 255, false);
	t.tls_alert_desc = (uint8_t)get_num(rd, x, "tls_alert_desc", 255, false);
	t.client_version = get_version(rd, x, "client_version");
	get_ip(rd, x, "client", t.client_version, &t.client);
	if (t.flows)
		failure_merge(&out->failures[kind], &t);
}

static void get_failures(struct reader *rd, const cJSON *o, struct outcomes *out)
{
	const cJSON *x = member(rd, o, "failures", true), *it;
	unsigned i = 0;
	memset(out, 0, sizeof(*out));
	if (!x)
		return;
	size_t at = path_push(rd, ".failures");
	if (array_of(rd, x, 0, FAIL_KIND_COUNT))
		cJSON_ArrayForEach(it, x) {
			size_t at2 = path_push(rd, "[%u]", i++);
			if (cJSON_IsObject(it))
				get_failure(rd, it, out);
			else
				fail(rd, "wants an object");
			path_pop(rd, at2);
		}
	path_pop(rd, at);
}

/* Where a pair of the state goes in v: the pair of that rule and host. */
static struct rule_host *state_pair(struct reader *rd, struct verdict *v,
				    const cJSON *x)
{
	const cJSON *rule = member(rd, x, "rule", true);
	const cJSON *hid = member(rd, x, "host_id", true);
	if (!rule || !hid)
		return NULL;
	size_t at = path_push(rd, ".rule");
	const struct rule *r = get_rule(rd, rule);
	path_pop(rd, at);
	at = path_push(rd, ".host_id");
	int host_id = -1;
	if (!cJSON_IsNumber(hid) || hid->valuedouble != (double)(int)hid->valuedouble ||
	    hid->valuedouble < -1 || hid->valuedouble >= ruleset_host_count(rd->rs))
		fail(rd, "wants -1 or a host of the site (0 to %u)",
		     ruleset_host_count(rd->rs) ? ruleset_host_count(rd->rs) - 1 : 0);
	else
		host_id = (int)hid->valuedouble;
	path_pop(rd, at);
	if (!r || rd->failed)
		return NULL;
	struct ip_addr host;
	const cJSON *h = member(rd, x, "host", true);
	if (!h)
		return NULL;
	at = path_push(rd, ".host");
	uint8_t version = cJSON_IsString(h) && strchr(h->valuestring, ':') ? 6 : 4;
	ip_value(rd, h, version, &host);
	path_pop(rd, at);
	if (rd->failed)
		return NULL;
	if (host_id >= 0) {
		/* A site host's pair is keyed by the host: its first address. */
		const struct cidr *first = &ruleset_host(rd->rs, (unsigned)host_id)->addrs[0];
		version = first->ip_version;
		host = first->addr;
	}
	return pair_of(v, rule_index(rd->rs, r), host_id, version, &host);
}

static void get_pair(struct reader *rd, struct verdict *v, const cJSON *x)
{
	struct rule_host *p = state_pair(rd, v, x);
	struct evidence e;
	struct outcomes out;

	if (rd->failed)
		return;
	get_evidence(rd, x, "evidence", true, &e);
	get_failures(rd, x, &out);
	if (p && !rd->failed) {
		evidence_merge(&p->ev, &e);
		for (int k = 0; k < FAIL_KIND_COUNT; k++)
			failure_merge(&p->out.failures[k], &out.failures[k]);
	}
	get_evidence(rd, x, "unconfirmed", false, &e);
	if (p && !rd->failed)
		evidence_merge(&p->unconfirmed, &e);
	const cJSON *units = member(rd, x, "units", false), *it;
	if (!units)
		return;
	size_t at = path_push(rd, ".units");
	unsigned u = 0;
	if (array_of(rd, units, 0, RULE_MAX_UNITS))
		cJSON_ArrayForEach(it, units) {
			size_t at2 = path_push(rd, "[%u]", u);
			if (!cJSON_IsObject(it)) {
				fail(rd, "wants an object");
			} else {
				get_evidence(rd, it, "evidence", true, &e);
				get_failures(rd, it, &out);
			}
			/* A pair judged any-of here (past the bound on
			 * units) keeps the whole only, as one pass would. */
			if (p && !rd->failed && p->nunits == (unsigned)cJSON_GetArraySize(units)) {
				evidence_merge(&p->units[u].ev, &e);
				for (int k = 0; k < FAIL_KIND_COUNT; k++)
					failure_merge(&p->units[u].out.failures[k],
						      &out.failures[k]);
			}
			path_pop(rd, at2);
			u++;
		}
	path_pop(rd, at);
}

static void get_why(struct reader *rd, const cJSON *o, struct unexpected_cause *w)
{
	const cJSON *x = member(rd, o, "why", true), *it;
	if (!x)
		return;
	size_t at = path_push(rd, ".why");
	if (!cJSON_IsObject(x)) {
		fail(rd, "wants an object");
		path_pop(rd, at);
		return;
	}
	w->client_roles = get_roles(rd, x, "client_roles");
	w->server_roles = get_roles(rd, x, "server_roles");
	const cJSON *rules = member(rd, x, "rules", true);
	if (rules) {
		size_t at2 = path_push(rd, ".rules");
		if (array_of(rd, rules, 0, CAUSE_MAX_RULES))
			cJSON_ArrayForEach(it, rules) {
				size_t at3 = path_push(rd, "[%u]", w->nrules);
				const struct rule *r = get_rule(rd, it);
				if (r)
					w->rules[w->nrules++] = r;
				path_pop(rd, at3);
			}
		path_pop(rd, at2);
	}
	w->service = get_service(rd, x, "service");
	get_text(rd, x, "app", w->app, sizeof(w->app));
	get_text(rd, x, "host", w->host, sizeof(w->host));
	path_pop(rd, at);
}

static void get_unexpected(struct reader *rd, struct verdict *v, const cJSON *x)
{
	struct unexpected u;

	memset(&u, 0, sizeof(u));
	u.why.cause = get_cause(rd, x);
	if (!rd->failed && (u.why.cause < CAUSE_APP_MISMATCH || u.why.cause >= CAUSE_COUNT)) {
		size_t at = path_push(rd, ".cause");
		fail(rd, "wants the cause of an unexpected finding");
		path_pop(rd, at);
	}
	u.ip_version = get_version(rd, x, "ip_version");
	get_ip(rd, x, "client", u.ip_version, &u.client);
	get_ip(rd, x, "server", u.ip_version, &u.server);
	u.proto = (uint8_t)get_num(rd, x, "proto", 255, true);
	u.port = (uint16_t)get_num(rd, x, "port", 65535, true);
	enum finding_cause cause = u.why.cause;
	get_why(rd, x, &u.why);
	u.why.cause = cause;
	get_key(rd, x, "why_key", &u.why_key);
	get_evidence(rd, x, "evidence", true, &u.ev);
	if (!rd->failed)
		unexpected_merge(v, &u);
}

static void get_exception(struct reader *rd, struct verdict *v, const cJSON *x)
{
	unsigned n = ruleset_allow_count(rd->rs);
	struct exception_use e;
	const cJSON *it;

	if (!n) {
		fail(rd, "the site has no allow entries");
		return;
	}
	memset(&e, 0, sizeof(e));
	uint64_t i = get_num(rd, x, "index", n - 1, true);
	e.flows = get_num(rd, x, "flows", UINT64_MAX, true);
	e.packets = get_num(rd, x, "packets", UINT64_MAX, true);
	e.bytes = get_num(rd, x, "bytes", UINT64_MAX, true);
	e.first_us = get_num(rd, x, "first_us", UINT64_MAX, true);
	e.last_us = get_num(rd, x, "last_us", UINT64_MAX, true);
	e.expired_flows = get_num(rd, x, "expired_flows", UINT64_MAX, true);
	e.more_clients = get_num(rd, x, "more_clients", e.flows, true);
	const cJSON *c = member(rd, x, "clients", true);
	if (c) {
		size_t at = path_push(rd, ".clients");
		if (array_of(rd, c, 0, EXCEPTION_CLIENTS))
			cJSON_ArrayForEach(it, c) {
				size_t at2 = path_push(rd, "[%u]", e.nclients);
				uint64_t ver = 4, flows = 0;
				if (array_of(rd, it, 3, 3) &&
				    whole(rd, cJSON_GetArrayItem(it, 0), 6, &ver) &&
				    ip_value(rd, cJSON_GetArrayItem(it, 1), (uint8_t)ver,
					     &e.clients[e.nclients].ip) &&
				    whole(rd, cJSON_GetArrayItem(it, 2), e.flows, &flows)) {
					e.clients[e.nclients].ip_version = (uint8_t)ver;
					e.clients[e.nclients++].flows = flows;
				}
				path_pop(rd, at2);
			}
		path_pop(rd, at);
	}
	if (!rd->failed)
		exception_merge(&v->exceptions[i], &e);
}

static void get_summary(struct reader *rd, const cJSON *o, struct audit_summary *s)
{
	const cJSON *x = member(rd, o, "summary", true);
	memset(s, 0, sizeof(*s));
	if (!x)
		return;
	size_t at = path_push(rd, ".summary");
	s->flows = get_num(rd, x, "flows", UINT64_MAX, true);
	s->in_scope = get_num(rd, x, "in_scope", s->flows, true);
	s->out_of_scope = get_num(rd, x, "out_of_scope", s->flows, true);
	s->peer_only = get_num(rd, x, "peer_only", s->out_of_scope, true);
	s->broadcast = get_num(rd, x, "broadcast", s->out_of_scope, true);
	s->icmp_errors = get_num(rd, x, "icmp_errors", s->flows, true);
	s->allowed_by_site = get_num(rd, x, "allowed_by_site", s->in_scope, true);
	s->unexpected_flows = get_num(rd, x, "unexpected_flows", s->in_scope, true);
	s->name_unconfirmed = get_num(rd, x, "name_unconfirmed", s->in_scope, true);
	s->unexpected_not_itemized = get_num(rd, x, "unexpected_not_itemized",
					     s->unexpected_flows, true);
	path_pop(rd, at);
}

static void get_health(struct reader *rd, const cJSON *o, struct capture_health *h)
{
	const cJSON *x = member(rd, o, "health", true);
	memset(h, 0, sizeof(*h));
	if (!x)
		return;
	size_t at = path_push(rd, ".health");
	h->tcp_flows = get_num(rd, x, "tcp_flows", UINT64_MAX, true);
	h->one_sided_flows = get_num(rd, x, "one_sided_flows", h->tcp_flows, true);
	h->orig_only = get_num(rd, x, "orig_only", h->one_sided_flows, true);
	h->resp_only = get_num(rd, x, "resp_only", h->one_sided_flows, true);
	h->answered_unseen = get_num(rd, x, "answered_unseen", h->tcp_flows, true);
	h->unanswered_attempts = get_num(rd, x, "unanswered_attempts",
					 h->one_sided_flows, true);
	h->gap_flows = get_num(rd, x, "gap_flows", h->tcp_flows, true);
	h->missed_bytes = get_num(rd, x, "missed_bytes", UINT64_MAX, true);
	path_pop(rd, at);
}

static void get_host(struct reader *rd, struct verdict *v, const cJSON *x)
{
	struct host_seen h;
	uint64_t n;

	memset(&h, 0, sizeof(h));
	if (!array_of(rd, x, 5, 5) || !whole(rd, cJSON_GetArrayItem(x, 0), 6, &n))
		return;
	h.ip_version = n == 6 ? 6 : 4;
	if (!ip_value(rd, cJSON_GetArrayItem(x, 1), h.ip_version, &h.addr) ||
	    !whole(rd, cJSON_GetArrayItem(x, 2), 0xff, &n))
		return;
	h.flags = (uint8_t)n;
	if (!whole(rd, cJSON_GetArrayItem(x, 3), UINT32_MAX, &n))
		return;
	h.tcp_flows = (uint32_t)n;
	if (!whole(rd, cJSON_GetArrayItem(x, 4), h.tcp_flows, &n))
		return;
	h.tcp_one_sided = (uint32_t)n;
	host_visibility_add(v->hosts, &h);
}

/* Each item of an array member, bounded. */
#define EACH_ITEM(rd, o, key, max, item, body) do { \
	const cJSON *arr_ = member(rd, o, key, true); \
	if (!arr_) \
		break; \
	size_t at_ = path_push(rd, "." key); \
	unsigned i_ = 0; \
	if (array_of(rd, arr_, 0, max)) \
		cJSON_ArrayForEach(item, arr_) { \
			size_t at2_ = path_push(rd, "[%u]", i_++); \
			if (!cJSON_IsArray(item) && !cJSON_IsObject(item)) \
				fail(rd, "wants an array or object"); \
			else \
				body; \
			path_pop(rd, at2_); \
			if ((rd)->failed) \
				break; \
		} \
	path_pop(rd, at_); \
} while (0)

bool verdict_state_load(struct verdict *v, const cJSON *state, const char *file,
			char *err, size_t errlen)
{
	struct reader rd = { .rs = v->rs, .file = file, .err = err, .errlen = errlen };
	const cJSON *it;
	struct audit_summary s;
	struct capture_health h;

	snprintf(rd.path, sizeof(rd.path), "state");
	if (!cJSON_IsObject(state))
		return fail(&rd, "wants an object");
	uint64_t latest = get_num(&rd, state, "latest_us", UINT64_MAX, true);
	get_summary(&rd, state, &s);
	get_health(&rd, state, &h);
	uint64_t untracked = get_num(&rd, state, "untracked_hosts", UINT64_MAX, true);
	if (rd.failed)
		return false;
	EACH_ITEM(&rd, state, "hosts", (int)HOST_VISIBILITY_MAX, it, get_host(&rd, v, it));
	EACH_ITEM(&rd, state, "pairs", 32768, it, get_pair(&rd, v, it));
	EACH_ITEM(&rd, state, "unexpected", 10000, it, get_unexpected(&rd, v, it));
	EACH_ITEM(&rd, state, "exceptions", (int)ruleset_allow_count(v->rs), it,
		  get_exception(&rd, v, it));
	if (rd.failed)
		return false;
	summary_merge(&v->summary, &s);
	health_merge(&v->health, &h);
	host_visibility_add_untracked(v->hosts, untracked);
	if (latest > v->latest_us)
		v->latest_us = latest;
	return true;
}
