/* report_diff.c - drift between two JSON audit reports (see report_diff.h).
 *
 * Reading: each report is parsed with cJSON and the fields the diff uses
 * are checked as they are read; the findings keep pointers into the parsed
 * tree, which lives as long as the diff. Comparing: each finding gets its
 * identity, both lists are sorted by it and walked side by side. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "report_diff.h"
#include "escape.h"
#include "common/read_whole.h"

enum side { SIDE_UNKNOWN, SIDE_CLIENT, SIDE_SERVER };

struct diff_finding {
	char *key;               /* identity: what is compared */
	char *name;              /* identity for people: "rule: host -> role" */
	enum finding_kind kind;
	const char *cause, *rule, *need, *reason;  /* in the parsed tree */
	bool gates;              /* under the diff's --fail-on */
	size_t order;            /* in the report */
};

struct diff_note {
	const char *code, *host, *text;  /* host "" when the note has none */
};

struct diff_input {
	const char *path;
	cJSON *root;
	const char *site, *matrix, *matrix_file, *verdict;
	const cJSON *window_start, *window_end;  /* numbers, or NULL */
	struct diff_finding *findings;
	size_t nfindings;
	struct diff_note *notes;
	size_t nnotes;
};

enum change { CHANGE_NEW, CHANGE_RESOLVED, CHANGE_CHANGED, CHANGE_UNCHANGED };

struct diff_item {
	enum change change;
	const struct diff_finding *old, *new;  /* NULL for the side without it */
};

#define MAX_WARNINGS 4
#define WARNING_LEN 600

struct report_diff {
	struct diff_input old, new;
	struct fail_policy policy;
	struct diff_item *items;
	size_t nitems;
	size_t count[4];                       /* by enum change */
	const struct diff_note **appeared, **gone;
	size_t nappeared, ngone;
	unsigned new_gating;
	char warnings[MAX_WARNINGS][WARNING_LEN];
	unsigned nwarnings;
};

/* ---- reading ---- */

static bool fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

static char *read_bounded(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	enum read_whole_status status;
	char *text = read_whole(f, REPORT_DIFF_MAX_BYTES, len, &status);
	int saved = errno;
	fclose(f);
	if (status == READ_WHOLE_TOO_LARGE)
		fail(err, errlen, "%s: larger than 256 MiB: not a report", path);
	else if (status == READ_WHOLE_ERROR)
		fail(err, errlen, "%s: read error: %s", path, strerror(saved));
	else if (status == READ_WHOLE_NO_MEMORY)
		fail(err, errlen, "%s: out of memory", path);
	return text;
}

/* Where cJSON stopped, as line and column (1-based, columns in bytes). */
static void position(const char *text, const char *at, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (const char *p = text; p < at && *p; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* A field's JSON path for messages: "$.findings[3].client.ip". */
struct where {
	const char *file;
	char path[96];
	char *err;
	size_t errlen;
};

static bool bad(struct where *w, const char *key, const char *want)
{
	return fail(w->err, w->errlen, "%s: %s%s%s: %s", w->file, w->path,
		    key ? "." : "", key ? key : "", want);
}

static const cJSON *member(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* A string member; a null one too when nullable (then *out is NULL). */
static bool get_string(struct where *w, const cJSON *o, const char *key,
		       bool nullable, const char **out)
{
	const cJSON *v = member(o, key);
	*out = NULL;
	if (cJSON_IsString(v) && v->valuestring) {
		*out = v->valuestring;
		return true;
	}
	if (nullable && (!v || cJSON_IsNull(v)))
		return true;
	return bad(w, key, nullable ? "expected a string or null" : "expected a string");
}

static bool get_object(struct where *w, const cJSON *o, const char *key, const cJSON **out)
{
	*out = member(o, key);
	return cJSON_IsObject(*out) || bad(w, key, "expected an object");
}

static bool get_array(struct where *w, const cJSON *o, const char *key, const cJSON **out)
{
	*out = member(o, key);
	return cJSON_IsArray(*out) || bad(w, key, "expected an array");
}

static int kind_of(const char *name)
{
	for (int k = 0; k < FINDING_KIND_COUNT; k++)
		if (strcmp(name, finding_kind_name((enum finding_kind)k)) == 0)
			return k;
	return -1;
}

/* An endpoint's fields the identity uses, checked. */
struct endpoint {
	const char *ip, *host_name, *first_role;
	const cJSON *expected;
};

static bool read_endpoint(struct where *w, const cJSON *finding, const char *key,
			  struct endpoint *e)
{
	const cJSON *o, *roles;
	size_t base = strlen(w->path);

	memset(e, 0, sizeof(*e));
	if (!get_object(w, finding, key, &o))
		return false;
	snprintf(w->path + base, sizeof(w->path) - base, ".%s", key);
	bool ok = get_string(w, o, "ip", true, &e->ip) &&
		  get_string(w, o, "host_name", true, &e->host_name) &&
		  get_array(w, o, "role", &roles);
	if (ok && roles->child) {
		ok = cJSON_IsString(roles->child) || bad(w, "role[0]", "expected a string");
		e->first_role = ok ? roles->child->valuestring : NULL;
	}
	e->expected = member(o, "expected");
	w->path[base] = '\0';
	return ok;
}

/* The parts of one finding the diff reads, checked. */
struct raw_finding {
	enum finding_kind kind;
	const char *cause, *rule, *need, *reason, *proto, *unit;
	const char *judged;   /* "client", "server"; NULL in reports before it */
	const cJSON *port;
	struct endpoint client, server;
};

static bool read_finding(struct where *w, const cJSON *x, struct raw_finding *r)
{
	const char *kind;
	const cJSON *each;

	memset(r, 0, sizeof(*r));
	if (!cJSON_IsObject(x))
		return bad(w, NULL, "expected an object");
	if (!get_string(w, x, "kind", false, &kind))
		return false;
	int k = kind_of(kind);
	if (k < 0)
		return bad(w, "kind", "expected observed, missing, blocked, "
			   "unexpected or inconclusive");
	r->kind = (enum finding_kind)k;
	if (!get_string(w, x, "cause", false, &r->cause) ||
	    !get_string(w, x, "rule", true, &r->rule) ||
	    !get_string(w, x, "need", true, &r->need) ||
	    !get_string(w, x, "reason", false, &r->reason) ||
	    !get_string(w, x, "proto", true, &r->proto) ||
	    !get_string(w, x, "judged", true, &r->judged))
		return false;
	if (r->judged && strcmp(r->judged, "client") != 0 && strcmp(r->judged, "server") != 0)
		return bad(w, "judged", "expected client or server");
	if (r->kind != FINDING_UNEXPECTED && !r->rule)
		return bad(w, "rule", "expected the rule's id (only an unexpected "
			   "finding has none)");
	r->port = member(x, "port");
	if (r->port && !cJSON_IsNull(r->port) &&
	    (!cJSON_IsNumber(r->port) || r->port->valuedouble < 0 ||
	     r->port->valuedouble > 65535))
		return bad(w, "port", "expected a port number or null");
	/* A rule judged per service: the unit is part of the identity. */
	each = member(x, "each");
	if (each && !get_string(w, x, "service", false, &r->unit))
		return false;
	return read_endpoint(w, x, "client", &r->client) &&
	       read_endpoint(w, x, "server", &r->server);
}

static bool read_notes(struct where *w, const cJSON *root, struct diff_input *in)
{
	const cJSON *health, *notes, *x;
	size_t i = 0;

	strcpy(w->path, "$");
	if (!get_object(w, root, "capture_health", &health))
		return false;
	strcpy(w->path, "$.capture_health");
	if (!get_array(w, health, "notes", &notes))
		return false;
	in->notes = calloc((size_t)cJSON_GetArraySize(notes) + 1, sizeof(*in->notes));
	if (!in->notes)
		return fail(w->err, w->errlen, "%s: out of memory", w->file);
	cJSON_ArrayForEach(x, notes) {
		struct diff_note *n = &in->notes[i];
		snprintf(w->path, sizeof(w->path), "$.capture_health.notes[%zu]", i);
		if (!cJSON_IsObject(x))
			return bad(w, NULL, "expected an object");
		if (!get_string(w, x, "code", false, &n->code) ||
		    !get_string(w, x, "host", true, &n->host) ||
		    !get_string(w, x, "text", false, &n->text))
			return false;
		if (!n->host)
			n->host = "";
		i++;
	}
	in->nnotes = i;
	return true;
}

static bool read_header(struct where *w, struct diff_input *in)
{
	const cJSON *root = in->root, *o;
	const char *schema;

	strcpy(w->path, "$");
	if (!cJSON_IsObject(root))
		return bad(w, NULL, "expected an object: not a flowaudit report");
	if (!get_string(w, root, "schema", false, &schema))
		return false;
	if (strcmp(schema, "flowaudit-report/1") != 0)
		return bad(w, "schema", "not \"flowaudit-report/1\": not a flowaudit "
			   "audit report this version reads");
	if (!get_object(w, root, "site", &o))
		return false;
	strcpy(w->path, "$.site");
	if (!get_string(w, o, "name", false, &in->site))
		return false;
	strcpy(w->path, "$");
	if (!get_object(w, root, "matrix", &o))
		return false;
	strcpy(w->path, "$.matrix");
	if (!get_string(w, o, "name", false, &in->matrix) ||
	    !get_string(w, o, "file", false, &in->matrix_file))
		return false;
	strcpy(w->path, "$");
	if (!get_object(w, root, "summary", &o))
		return false;
	strcpy(w->path, "$.summary");
	if (!get_string(w, o, "verdict", false, &in->verdict))
		return false;
	strcpy(w->path, "$");
	if (!get_object(w, root, "capture", &o))
		return false;
	/* A watch window's bounds, for the header; absent in an audit's. */
	in->window_start = member(o, "window_start");
	in->window_end = member(o, "window_end");
	if (!cJSON_IsNumber(in->window_start) || !cJSON_IsNumber(in->window_end))
		in->window_start = in->window_end = NULL;
	return true;
}

/* ---- identity ---- */

/* What the findings of both reports say about one rule: the side it is
 * judged on and the role of the other side, for its findings' names. */
struct rule_info {
	const char *rule;
	enum side side;       /* from a missing finding: exact */
	bool client_named;    /* some finding's client has a role or a site name */
	long votes;           /* findings whose client alone is a known site
			       * host, less those whose server alone is */
	const char *other;    /* the other side's role, for the name */
};

/* Addresses, sorted and each once after addr_list_sort. */
struct addr_list {
	const char **v;
	size_t n, cap;
};

struct rule_table {
	struct rule_info *items;
	size_t n;
	/* The rule findings' client and server addresses, and the addresses
	 * known to be site hosts (see known_site_hosts). */
	struct addr_list clients, servers, known;
};

static int rule_info_order(const void *a, const void *b)
{
	return strcmp(((const struct rule_info *)a)->rule, ((const struct rule_info *)b)->rule);
}

/* A missing (or host-not-seen) finding shows its judged side: the one
 * present; the side that never appeared has no address. */
static enum side missing_side(const struct raw_finding *r)
{
	bool absent = r->kind == FINDING_MISSING ||
		      (r->kind == FINDING_INCONCLUSIVE && strcmp(r->cause, "host-not-seen") == 0);
	if (!absent)
		return SIDE_UNKNOWN;
	if (r->client.ip && !r->server.ip)
		return SIDE_CLIENT;
	if (r->server.ip && !r->client.ip)
		return SIDE_SERVER;
	return SIDE_UNKNOWN;
}

static struct rule_info raw_rule_info(const struct raw_finding *r)
{
	/* A report states the side (its "judged"); one made before it did
	 * shows it by a missing finding, or leaves it to judged_side(). */
	enum side side = !r->judged ? missing_side(r) :
			 strcmp(r->judged, "client") == 0 ? SIDE_CLIENT : SIDE_SERVER;
	struct rule_info info = { .rule = r->rule, .side = side };

	info.client_named = r->client.first_role || r->client.host_name;
	if (info.side == SIDE_CLIENT)
		info.other = r->server.first_role;
	else if (info.side == SIDE_SERVER)
		info.other = r->client.first_role;
	return info;
}

/* Folds the entries of one rule (sorted together) into the first. Exact
 * evidence wins; the other side's role comes from it when there is some,
 * else from the first entry that names one. */
static void fold_rule(struct rule_info *into, const struct rule_info *x)
{
	if (into->side == SIDE_UNKNOWN && x->side != SIDE_UNKNOWN) {
		into->side = x->side;
		if (x->other)
			into->other = x->other;
	}
	into->client_named |= x->client_named;
}

static struct rule_info *rule_lookup(const struct rule_table *t, const char *rule)
{
	struct rule_info key = { .rule = rule };
	return bsearch(&key, t->items, t->n, sizeof(*t->items), rule_info_order);
}

/* An array realloc'd to n items of size bytes; NULL (the old one kept)
 * when memory is out. */
static void *resized(void *v, size_t n, size_t size)
{
	return n > SIZE_MAX / size ? NULL : realloc(v, n * size);
}

static bool addr_push(struct addr_list *l, const char *ip)
{
	if (!ip)
		return true;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		const char **v = resized(l->v, cap, sizeof(*v));
		if (!v)
			return false;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = ip;
	return true;
}

static int addr_order(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void addr_list_sort(struct addr_list *l)
{
	size_t out = 0;

	qsort(l->v, l->n, sizeof(*l->v), addr_order);
	for (size_t i = 0; i < l->n; i++)
		if (!out || strcmp(l->v[out - 1], l->v[i]) != 0)
			l->v[out++] = l->v[i];
	l->n = out;
}

static bool addr_known(const struct rule_table *t, const char *ip)
{
	return ip && bsearch(&ip, t->known.v, t->known.n, sizeof(*t->known.v), addr_order);
}

/* Site hosts the reports show: the side of a missing finding that was
 * there and the addresses the site binds its absent side's role to, a
 * host the site named, and an address that is a client in one
 * rule's finding and a server in another's (a product server: client
 * populations and internet hosts are never a rule's server). A rule
 * judged per client host has site hosts as clients, one judged per server
 * host has them as servers. */
static bool known_site_hosts(struct rule_table *t)
{
	size_t i = 0, j = 0;

	addr_list_sort(&t->clients);
	addr_list_sort(&t->servers);
	while (i < t->clients.n && j < t->servers.n) {
		int c = strcmp(t->clients.v[i], t->servers.v[j]);
		if (c == 0 && !addr_push(&t->known, t->clients.v[i]))
			return false;
		i += c <= 0;
		j += c >= 0;
	}
	addr_list_sort(&t->known);
	return true;
}

/* Each rule finding of a report votes for the side its rule is judged on,
 * when its rule's side is not known exactly. */
static void vote_sides(const struct diff_input *in, struct rule_table *t)
{
	const cJSON *x;
	struct where w = { .file = in->path };
	char err[8];
	struct raw_finding r;

	w.err = err;
	w.errlen = sizeof(err);
	cJSON_ArrayForEach(x, member(in->root, "findings")) {
		if (!read_finding(&w, x, &r) || !r.rule || r.kind == FINDING_UNEXPECTED)
			continue;
		struct rule_info *info = rule_lookup(t, r.rule);
		if (!info || info->side != SIDE_UNKNOWN)
			continue;
		bool client = addr_known(t, r.client.ip), server = addr_known(t, r.server.ip);
		info->votes += (client && !server) - (server && !client);
	}
}

/* Where the rule's judged side is not shown by a missing finding: the
 * side its findings show to be site hosts; failing that, the client when a
 * client of its findings holds a role worth naming or a site host name,
 * else the server (clients from a catch-all population). */
static enum side judged_side(const struct rule_info *info)
{
	if (info->side != SIDE_UNKNOWN)
		return info->side;
	if (info->votes)
		return info->votes > 0 ? SIDE_CLIENT : SIDE_SERVER;
	return info->client_named ? SIDE_CLIENT : SIDE_SERVER;
}

static void endpoint_label(const struct endpoint *e, char *out, size_t len)
{
	const cJSON *x;
	size_t o = 0;

	if (e->host_name || e->ip) {
		snprintf(out, len, "%s", e->host_name ? e->host_name : e->ip);
		return;
	}
	out[0] = '\0';
	cJSON_ArrayForEach(x, e->expected) {
		if (cJSON_IsString(x) && o + 2 < len)
			o += (size_t)snprintf(out + o, len - o, "%s%s", o ? ", " : "",
					      x->valuestring);
	}
	if (!out[0])
		snprintf(out, len, "?");
}

#define NAME_LEN 768

/* "mobile-license: 10.1.0.20 -> license_server tcp/13667" (JUnit's test
 * name) and its key, which leaves out the other side's role: the role an
 * example flow's address holds may differ from run to run. */
static void rule_identity(const struct rule_info *info, const struct raw_finding *r,
			  char *name, char *key)
{
	enum side side = judged_side(info);
	const struct endpoint *judged = side == SIDE_CLIENT ? &r->client : &r->server;
	const struct endpoint *other = side == SIDE_CLIENT ? &r->server : &r->client;
	const char *other_label = info->other ? info->other :
				  other->first_role ? other->first_role : "?";
	char host[256];
	const char *unit = r->unit ? r->unit : "";
	const char *sep = r->unit ? " " : "";

	endpoint_label(judged, host, sizeof(host));
	if (side == SIDE_CLIENT)
		snprintf(name, NAME_LEN, "%s: %s -> %s%s%s", r->rule, host, other_label, sep, unit);
	else
		snprintf(name, NAME_LEN, "%s: %s -> %s%s%s", r->rule, other_label, host, sep, unit);
	snprintf(key, NAME_LEN, "rule\x1f%s\x1f%s\x1f%s\x1f%s", r->rule,
		 side == SIDE_CLIENT ? "client" : "server", host, unit);
}

/* "10.1.0.20 -> 10.1.0.2 tcp/3389": the conversation. */
static void conversation_identity(const struct raw_finding *r, char *name, char *key)
{
	char client[256], server[256], service[32] = "";

	snprintf(client, sizeof(client), "%s", r->client.ip ? r->client.ip : "?");
	snprintf(server, sizeof(server), "%s", r->server.ip ? r->server.ip : "?");
	if (r->proto && cJSON_IsNumber(r->port))
		snprintf(service, sizeof(service), " %.10s/%d", r->proto, r->port->valueint);
	else if (r->proto)
		snprintf(service, sizeof(service), " %.10s", r->proto);
	snprintf(name, NAME_LEN, "%s -> %s%s", client, server, service);
	snprintf(key, NAME_LEN, "unexpected\x1f%s", name);
}

/* ---- reading a report ---- */

static bool parse(struct diff_input *in, char *err, size_t errlen)
{
	size_t len;
	char *text = read_bounded(in->path, &len, err, errlen);
	const char *end = NULL;

	if (!text)
		return false;
	/* Reports are UTF-8 throughout; a string that is not would reach
	 * every output as it is. */
	size_t bad_at = utf8_invalid_at(text, len);
	if (bad_at < len) {
		unsigned line, col;
		position(text, text + bad_at, &line, &col);
		free(text);
		return fail(err, errlen, "%s:%u:%u: not valid UTF-8: not a flowaudit "
			    "report", in->path, line, col);
	}
	in->root = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!in->root) {
		unsigned line, col;
		position(text, end ? end : text, &line, &col);
		free(text);
		return fail(err, errlen, "%s:%u:%u: not JSON: not a flowaudit report",
			    in->path, line, col);
	}
	free(text);
	return true;
}

/* The addresses the site binds the role of a side that never appeared to
 * (its `expected`): hosts of the site. Networks and names are not hosts. */
static bool add_expected_hosts(struct addr_list *known, const cJSON *expected)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, expected)
		if (cJSON_IsString(e) && !strchr(e->valuestring, '/') &&
		    !addr_push(known, e->valuestring))
			return false;
	return true;
}

/* What a rule finding shows of the site's hosts (see known_site_hosts). */
static bool note_hosts(struct rule_table *t, const struct raw_finding *r)
{
	enum side present = missing_side(r);
	const struct endpoint *absent = present == SIDE_CLIENT ? &r->server : &r->client;
	bool ok = addr_push(&t->clients, r->client.ip) &&
		  addr_push(&t->servers, r->server.ip);

	if (ok && present != SIDE_UNKNOWN)
		ok = addr_push(&t->known, present == SIDE_CLIENT ? r->client.ip : r->server.ip) &&
		     add_expected_hosts(&t->known, absent->expected);
	if (ok && r->client.host_name)
		ok = addr_push(&t->known, r->client.ip);
	if (ok && r->server.host_name)
		ok = addr_push(&t->known, r->server.ip);
	return ok;
}

/* Checks every finding and collects what each says about its rule and
 * its hosts. */
static bool scan_findings(struct where *w, const cJSON *list, struct rule_table *t)
{
	const cJSON *x;
	size_t i = 0;
	struct raw_finding r;
	size_t more = (size_t)cJSON_GetArraySize(list) + 1;
	struct rule_info *items = resized(t->items, t->n + more, sizeof(*items));
	if (!items)
		return fail(w->err, w->errlen, "%s: out of memory", w->file);
	t->items = items;
	cJSON_ArrayForEach(x, list) {
		snprintf(w->path, sizeof(w->path), "$.findings[%zu]", i++);
		if (!read_finding(w, x, &r))
			return false;
		if (!r.rule || r.kind == FINDING_UNEXPECTED)
			continue;
		t->items[t->n++] = raw_rule_info(&r);
		if (!note_hosts(t, &r))
			return fail(w->err, w->errlen, "%s: out of memory", w->file);
	}
	return true;
}

static void rule_table_fold(struct rule_table *t)
{
	size_t out = 0;

	qsort(t->items, t->n, sizeof(*t->items), rule_info_order);
	for (size_t i = 0; i < t->n; i++) {
		if (out && strcmp(t->items[out - 1].rule, t->items[i].rule) == 0) {
			fold_rule(&t->items[out - 1], &t->items[i]);
		} else {
			t->items[out] = t->items[i];
			out++;
		}
	}
	t->n = out;
}

static bool gates(const struct fail_policy *p, enum finding_kind k, const char *need)
{
	if (k == FINDING_OBSERVED || !p->kind[k])
		return false;
	if (k == FINDING_BLOCKED || k == FINDING_INCONCLUSIVE)
		return need && strcmp(need, "required") == 0;
	return true;
}

/* By identity; findings of one identity in the report's order. */
static int key_order(const void *a, const void *b)
{
	const struct diff_finding *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static bool append(char **s, const char *suffix)
{
	size_t n = strlen(*s);
	char *grown = realloc(*s, n + strlen(suffix) + 1);
	if (!grown)
		return false;
	strcpy(grown + n, suffix);
	*s = grown;
	return true;
}

/* A second finding of one identity in a report (two findings about one
 * conversation, of different causes) is told apart by " #2", " #3" in
 * the report's order, as JUnit names are. */
static bool number_repeats(struct diff_input *in)
{
	bool renamed = false;
	unsigned nth = 1;

	qsort(in->findings, in->nfindings, sizeof(*in->findings), key_order);
	for (size_t i = 1; i < in->nfindings; i++) {
		if (strcmp(in->findings[i].key, in->findings[i - 1].key) != 0) {
			nth = 1;
			continue;
		}
		char suffix[24];
		snprintf(suffix, sizeof(suffix), " #%u", ++nth);
		if (!append(&in->findings[i].key, suffix) ||
		    !append(&in->findings[i].name, suffix))
			return false;
		renamed = true;
	}
	/* Compare again with the repeats renamed (nth counted on the old
	 * keys: each run of one key was contiguous). */
	if (renamed)
		qsort(in->findings, in->nfindings, sizeof(*in->findings), key_order);
	return true;
}

static bool build_findings(struct where *w, struct diff_input *in, const struct rule_table *t,
			   const struct fail_policy *p)
{
	const cJSON *list = member(in->root, "findings"), *x;
	char *name = malloc(NAME_LEN), *key = malloc(NAME_LEN);
	struct raw_finding r;

	in->findings = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(*in->findings));
	if (!name || !key || !in->findings) {
		free(name);
		free(key);
		return fail(w->err, w->errlen, "%s: out of memory", w->file);
	}
	cJSON_ArrayForEach(x, list) {
		struct diff_finding *f = &in->findings[in->nfindings];
		if (!read_finding(w, x, &r))  /* checked by scan_findings */
			break;
		const struct rule_info *info = r.rule ? rule_lookup(t, r.rule) : NULL;
		if (r.kind == FINDING_UNEXPECTED || !info)
			conversation_identity(&r, name, key);
		else
			rule_identity(info, &r, name, key);
		f->key = strdup(key);
		f->name = strdup(name);
		if (!f->key || !f->name) {
			free(f->key);
			free(f->name);
			break;
		}
		f->kind = r.kind;
		f->cause = r.cause;
		f->rule = r.rule;
		f->need = r.need;
		f->reason = r.reason;
		f->gates = gates(p, r.kind, r.need);
		f->order = in->nfindings;
		in->nfindings++;
	}
	free(name);
	free(key);
	if (in->nfindings != (size_t)cJSON_GetArraySize(list))
		return fail(w->err, w->errlen, "%s: out of memory", w->file);
	return number_repeats(in) ||
	       fail(w->err, w->errlen, "%s: out of memory", w->file);
}

/* ---- comparing ---- */

static bool same_status(const struct diff_finding *a, const struct diff_finding *b)
{
	return a->kind == b->kind && strcmp(a->cause, b->cause) == 0;
}

static void add_item(struct report_diff *d, enum change c, const struct diff_finding *o,
		     const struct diff_finding *n)
{
	d->items[d->nitems++] = (struct diff_item){ c, o, n };
	d->count[c]++;
	if ((c == CHANGE_NEW && n->gates) || (c == CHANGE_CHANGED && n->gates && !o->gates))
		d->new_gating++;
}

static void compare_findings(struct report_diff *d)
{
	size_t i = 0, j = 0;
	const struct diff_input *o = &d->old, *n = &d->new;

	while (i < o->nfindings || j < n->nfindings) {
		int c = i == o->nfindings ? 1 : j == n->nfindings ? -1 :
			strcmp(o->findings[i].key, n->findings[j].key);
		if (c < 0) {
			add_item(d, CHANGE_RESOLVED, &o->findings[i++], NULL);
		} else if (c > 0) {
			add_item(d, CHANGE_NEW, NULL, &n->findings[j++]);
		} else {
			const struct diff_finding *a = &o->findings[i++], *b = &n->findings[j++];
			add_item(d, same_status(a, b) ? CHANGE_UNCHANGED : CHANGE_CHANGED, a, b);
		}
	}
}

/* Listed by the finding's kind (missing first, as reports list them; the
 * new kind for a changed one), then by name. */
static int item_order(const void *a, const void *b)
{
	const struct diff_item *x = a, *y = b;
	const struct diff_finding *fx = x->new ? x->new : x->old;
	const struct diff_finding *fy = y->new ? y->new : y->old;
	if (fx->kind != fy->kind)
		return (int)fx->kind - (int)fy->kind;
	int c = strcmp(fx->name, fy->name);
	return c ? c : strcmp(fx->key, fy->key);
}

static int note_order(const void *a, const void *b)
{
	const struct diff_note *x = *(const struct diff_note *const *)a;
	const struct diff_note *y = *(const struct diff_note *const *)b;
	int c = strcmp(x->code, y->code);
	return c ? c : strcmp(x->host, y->host);
}

static const struct diff_note **sorted_notes(const struct diff_input *in)
{
	const struct diff_note **v = calloc(in->nnotes + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < in->nnotes; i++)
		v[i] = &in->notes[i];
	qsort(v, in->nnotes, sizeof(*v), note_order);
	return v;
}

/* Notes (by code and host) each report has and the other lacks, sorted,
 * each once: both lists sorted and walked side by side. */
static bool compare_notes(struct report_diff *d)
{
	const struct diff_note **o = sorted_notes(&d->old), **n = sorted_notes(&d->new);
	size_t i = 0, j = 0;

	if (!o || !n) {
		free(o);
		free(n);
		return false;
	}
	while (i < d->old.nnotes || j < d->new.nnotes) {
		int c = i == d->old.nnotes ? 1 : j == d->new.nnotes ? -1 :
			note_order(&o[i], &n[j]);
		const struct diff_note *x = c < 0 ? o[i] : n[j];
		if (c < 0 && (!d->ngone || note_order(&d->gone[d->ngone - 1], &x) != 0))
			d->gone[d->ngone++] = x;
		if (c > 0 && (!d->nappeared || note_order(&d->appeared[d->nappeared - 1], &x) != 0))
			d->appeared[d->nappeared++] = x;
		/* Past every copy of this note on the side(s) holding it. */
		while (c <= 0 && i < d->old.nnotes && note_order(&o[i], &x) == 0)
			i++;
		while (c >= 0 && j < d->new.nnotes && note_order(&n[j], &x) == 0)
			j++;
	}
	free(o);
	free(n);
	return true;
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void warn(struct report_diff *d, const char *what, const char *a, const char *b)
{
	if (d->nwarnings < MAX_WARNINGS)
		snprintf(d->warnings[d->nwarnings++], WARNING_LEN,
			 "the reports are of different %s (\"%s\" and \"%s\"): "
			 "findings may differ for that alone", what, a, b);
}

static void check_comparable(struct report_diff *d)
{
	if (strcmp(d->old.site, d->new.site) != 0)
		warn(d, "sites", d->old.site, d->new.site);
	if (strcmp(d->old.matrix, d->new.matrix) != 0)
		warn(d, "matrices", d->old.matrix, d->new.matrix);
	else if (strcmp(basename_of(d->old.matrix_file), basename_of(d->new.matrix_file)) != 0)
		warn(d, "matrix files", basename_of(d->old.matrix_file),
		     basename_of(d->new.matrix_file));
	if (d->old.window_start && d->new.window_start &&
	    d->old.window_start->valuedouble > d->new.window_start->valuedouble &&
	    d->nwarnings < MAX_WARNINGS)
		snprintf(d->warnings[d->nwarnings++], WARNING_LEN,
			 "the old report's window starts after the new one's: "
			 "are the two reports given in the right order?");
}

static bool load_input(struct diff_input *in, struct rule_table *t, char *err, size_t errlen)
{
	struct where w = { .file = in->path, .err = err, .errlen = errlen };
	const cJSON *list;

	if (!parse(in, err, errlen) || !read_header(&w, in))
		return false;
	strcpy(w.path, "$");
	return get_array(&w, in->root, "findings", &list) &&
	       scan_findings(&w, list, t) && read_notes(&w, in->root, in);
}

struct report_diff *report_diff_load(const char *old_path, const char *new_path,
				     const struct fail_policy *policy,
				     char *err, size_t errlen)
{
	struct report_diff *d = calloc(1, sizeof(*d));
	struct rule_table t = { 0 };

	if (!d) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	d->old.path = old_path;
	d->new.path = new_path;
	d->policy = *policy;
	struct where wo = { .file = old_path, .err = err, .errlen = errlen };
	struct where wn = { .file = new_path, .err = err, .errlen = errlen };
	bool ok = load_input(&d->old, &t, err, errlen) && load_input(&d->new, &t, err, errlen);
	if (ok) {
		/* One rule table for both: a rule-host pair is named alike in each. */
		rule_table_fold(&t);
		ok = known_site_hosts(&t);
		if (!ok)
			fail(err, errlen, "out of memory");
	}
	if (ok) {
		vote_sides(&d->old, &t);
		vote_sides(&d->new, &t);
		ok = build_findings(&wo, &d->old, &t, policy) &&
		     build_findings(&wn, &d->new, &t, policy);
	}
	free(t.items);
	free(t.clients.v);
	free(t.servers.v);
	free(t.known.v);
	if (ok) {
		d->items = calloc(d->old.nfindings + d->new.nfindings + 1, sizeof(*d->items));
		d->appeared = calloc(d->new.nnotes + 1, sizeof(*d->appeared));
		d->gone = calloc(d->old.nnotes + 1, sizeof(*d->gone));
		ok = d->items && d->appeared && d->gone;
		if (!ok)
			fail(err, errlen, "out of memory");
	}
	if (!ok) {
		report_diff_free(d);
		return NULL;
	}
	if (!compare_notes(d)) {
		fail(err, errlen, "out of memory");
		report_diff_free(d);
		return NULL;
	}
	compare_findings(d);
	qsort(d->items, d->nitems, sizeof(*d->items), item_order);
	check_comparable(d);
	return d;
}

static void input_free(struct diff_input *in)
{
	for (size_t i = 0; i < in->nfindings; i++) {
		free(in->findings[i].key);
		free(in->findings[i].name);
	}
	free(in->findings);
	free(in->notes);
	cJSON_Delete(in->root);
}

void report_diff_free(struct report_diff *d)
{
	if (!d)
		return;
	input_free(&d->old);
	input_free(&d->new);
	free(d->items);
	free(d->appeared);
	free(d->gone);
	free(d);
}

unsigned report_diff_new_gating(const struct report_diff *d)
{
	return d->new_gating;
}

const char *report_diff_warning(const struct report_diff *d, unsigned i)
{
	return i < d->nwarnings ? d->warnings[i] : NULL;
}

/* ---- rendering ---- */

static const char *const change_title[] = {
	[CHANGE_NEW] = "New findings",
	[CHANGE_RESOLVED] = "Resolved findings",
	[CHANGE_CHANGED] = "Changed findings",
};

static void fail_on_list(const struct fail_policy *p, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (int k = 0; k < FINDING_KIND_COUNT; k++)
		if (p->kind[k] && o < len)
			o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "," : "",
					      finding_kind_name((enum finding_kind)k));
	if (!out[0])
		snprintf(out, len, "none");
}

static void status_text(FILE *f, const struct diff_finding *x)
{
	fprintf(f, "%s (", finding_kind_name(x->kind));
	text_put_safe(f, x->cause);
	fputc(')', f);
}

/* "2026-11-24 15:00:00" of a window bound, UTC. */
static void window_bound(char *out, size_t len, const cJSON *n)
{
	struct tm tm;

	/* Checked before the conversion: a double past time_t's range is
	 * undefined behaviour to convert. Years 1970 to 9999. */
	if (!(n->valuedouble >= 0 && n->valuedouble <= 253402300799.0)) {
		snprintf(out, len, "?");
		return;
	}
	time_t t = (time_t)n->valuedouble;
	if (!gmtime_r(&t, &tm))
		snprintf(out, len, "?");
	else
		strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static void text_input(FILE *f, const char *label, const struct diff_input *in)
{
	fprintf(f, "%s: ", label);
	text_put_safe(f, in->path);
	fputs(", verdict ", f);
	text_put_safe(f, in->verdict);
	if (in->window_start) {
		char a[32], b[32];
		window_bound(a, sizeof(a), in->window_start);
		window_bound(b, sizeof(b), in->window_end);
		fprintf(f, ", window %s .. %s UTC", a, b);
	}
	fputc('\n', f);
}

static void text_item(FILE *f, const struct diff_item *it)
{
	const struct diff_finding *x = it->new ? it->new : it->old;

	fputs("  ", f);
	text_put_safe(f, x->name);
	fputs("\n    ", f);
	if (it->change == CHANGE_CHANGED) {
		status_text(f, it->old);
		fputs(" -> ", f);
	}
	status_text(f, x);
	if (it->change != CHANGE_RESOLVED && x->gates)
		fputs(", gates", f);
	fputs("\n    ", f);
	text_put_safe(f, x->reason);
	fputc('\n', f);
}

static void text_notes(FILE *f, const char *title, const struct diff_note *const *v, size_t n)
{
	if (!n)
		return;
	fprintf(f, "\nCapture health, %s:\n", title);
	for (size_t i = 0; i < n; i++) {
		fputs("  ", f);
		text_put_safe(f, v[i]->code);
		fputs(": ", f);
		text_put_safe(f, v[i]->text);
		fputc('\n', f);
	}
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void report_diff_text(FILE *f, const struct report_diff *d)
{
	char fail_on[80];

	fputs("Site: ", f);
	text_put_safe(f, d->new.site);
	fputs("\nMatrix: ", f);
	text_put_safe(f, d->new.matrix);
	fputc('\n', f);
	text_input(f, "Old", &d->old);
	text_input(f, "New", &d->new);
	for (unsigned i = 0; i < d->nwarnings; i++) {
		fputs("Warning: ", f);
		text_put_safe(f, d->warnings[i]);
		fputc('\n', f);
	}
	fprintf(f, "\n%zu new, %zu resolved, %zu changed, %zu unchanged; capture "
		"health: %zu %s appeared, %zu gone\n", d->count[CHANGE_NEW],
		d->count[CHANGE_RESOLVED], d->count[CHANGE_CHANGED],
		d->count[CHANGE_UNCHANGED], d->nappeared,
		plural(d->nappeared, "note", "notes"), d->ngone);
	for (int c = CHANGE_NEW; c <= CHANGE_CHANGED; c++) {
		if (!d->count[c])
			continue;
		fprintf(f, "\n%s:\n", change_title[c]);
		for (size_t i = 0; i < d->nitems; i++)
			if (d->items[i].change == (enum change)c)
				text_item(f, &d->items[i]);
	}
	text_notes(f, "appeared", d->appeared, d->nappeared);
	text_notes(f, "gone", d->gone, d->ngone);
	fail_on_list(&d->policy, fail_on, sizeof(fail_on));
	if (d->new_gating)
		fprintf(f, "\nFAIL: %u new gating %s (--fail-on %s)\n", d->new_gating,
			plural(d->new_gating, "finding", "findings"), fail_on);
	else
		fprintf(f, "\nOK: no new gating finding (--fail-on %s)\n", fail_on);
}

static void md_status(FILE *f, const struct diff_finding *x)
{
	fprintf(f, "%s (", finding_kind_name(x->kind));
	md_put_escaped(f, x->cause);
	fputc(')', f);
}

static void md_input(FILE *f, const char *label, const struct diff_input *in)
{
	fprintf(f, "| %s | ", label);
	md_put_escaped(f, in->path);
	fputs(" | ", f);
	md_put_escaped(f, in->verdict);
	fputs(" | ", f);
	if (in->window_start) {
		char a[32], b[32];
		window_bound(a, sizeof(a), in->window_start);
		window_bound(b, sizeof(b), in->window_end);
		md_put_escaped(f, a);
		fputs(" .. ", f);
		md_put_escaped(f, b);
	}
	fputs(" |\n", f);
}

static void md_items(FILE *f, const struct report_diff *d, enum change c)
{
	if (!d->count[c])
		return;
	fprintf(f, "\n#### %s (%zu)\n\n| finding | %s | gates | reason |\n"
		"|---|---|---|---|\n", change_title[c], d->count[c],
		c == CHANGE_CHANGED ? "was \xe2\x86\x92 now" : "kind (cause)");
	for (size_t i = 0; i < d->nitems; i++) {
		const struct diff_item *it = &d->items[i];
		const struct diff_finding *x = it->new ? it->new : it->old;
		if (it->change != c)
			continue;
		fputs("| ", f);
		md_put_escaped(f, x->name);
		fputs(" | ", f);
		if (c == CHANGE_CHANGED) {
			md_status(f, it->old);
			fputs(" \xe2\x86\x92 ", f);
		}
		md_status(f, x);
		fprintf(f, " | %s | ", c != CHANGE_RESOLVED && x->gates ? "**yes**" : "no");
		md_put_escaped(f, x->reason);
		fputs(" |\n", f);
	}
}

static void md_notes(FILE *f, const char *title, const struct diff_note *const *v, size_t n)
{
	if (!n)
		return;
	fprintf(f, "\n#### Capture health: %s\n\n", title);
	for (size_t i = 0; i < n; i++) {
		fputs("- **", f);
		md_put_escaped(f, v[i]->code);
		fputs("**: ", f);
		md_put_escaped(f, v[i]->text);
		fputc('\n', f);
	}
}

void report_diff_markdown(FILE *f, const struct report_diff *d)
{
	char fail_on[80];

	fail_on_list(&d->policy, fail_on, sizeof(fail_on));
	if (d->new_gating)
		fprintf(f, "### flowaudit diff: FAIL, %u new gating %s\n\n", d->new_gating,
			plural(d->new_gating, "finding", "findings"));
	else
		fputs("### flowaudit diff: OK, no new gating finding\n\n", f);
	fprintf(f, "%zu new, %zu resolved, %zu changed, %zu unchanged; capture "
		"health: %zu %s appeared, %zu gone (--fail-on %s)\n\n",
		d->count[CHANGE_NEW], d->count[CHANGE_RESOLVED], d->count[CHANGE_CHANGED],
		d->count[CHANGE_UNCHANGED], d->nappeared,
		plural(d->nappeared, "note", "notes"), d->ngone, fail_on);
	fputs("Site: ", f);
	md_put_escaped(f, d->new.site);
	fputs("; matrix: ", f);
	md_put_escaped(f, d->new.matrix);
	fputs("\n\n| | report | verdict | window (UTC) |\n|---|---|---|---|\n", f);
	md_input(f, "old", &d->old);
	md_input(f, "new", &d->new);
	for (unsigned i = 0; i < d->nwarnings; i++) {
		fputs("\n> **Warning:** ", f);
		md_put_escaped(f, d->warnings[i]);
		fputc('\n', f);
	}
	for (int c = CHANGE_NEW; c <= CHANGE_CHANGED; c++)
		md_items(f, d, (enum change)c);
	md_notes(f, "appeared", d->appeared, d->nappeared);
	md_notes(f, "gone", d->gone, d->ngone);
}

/* ---- JSON ---- */

static cJSON *json_status(const struct diff_finding *x)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", finding_kind_name(x->kind));
	cJSON_AddStringToObject(o, "cause", x->cause);
	cJSON_AddBoolToObject(o, "gates", x->gates);
	cJSON_AddStringToObject(o, "reason", x->reason);
	return o;
}

static cJSON *json_item(const struct diff_item *it)
{
	const struct diff_finding *x = it->new ? it->new : it->old;
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", x->name);
	if (x->rule && x->kind != FINDING_UNEXPECTED)
		cJSON_AddStringToObject(o, "rule", x->rule);
	else
		cJSON_AddNullToObject(o, "rule");
	if (x->need)
		cJSON_AddStringToObject(o, "need", x->need);
	else
		cJSON_AddNullToObject(o, "need");
	if (it->old)
		cJSON_AddItemToObject(o, "old", json_status(it->old));
	else
		cJSON_AddNullToObject(o, "old");
	if (it->new)
		cJSON_AddItemToObject(o, "new", json_status(it->new));
	else
		cJSON_AddNullToObject(o, "new");
	return o;
}

/* Seconds with six decimals, as the reports write times. */
static void json_time(cJSON *o, const char *key, const cJSON *n)
{
	char text[40];

	if (!n) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	snprintf(text, sizeof(text), "%.6f", n->valuedouble);
	cJSON_AddItemToObject(o, key, cJSON_CreateRaw(text));
}

static cJSON *json_input(const struct diff_input *in)
{
	cJSON *o = cJSON_CreateObject();
	/* The name as given on the command line: any bytes, made UTF-8. */
	size_t room = strlen(in->path) * 3 + 1;
	char *file = malloc(room);
	if (file)
		utf8_clean(file, room, in->path);
	cJSON_AddStringToObject(o, "file", file ? file : "?");
	free(file);
	cJSON_AddStringToObject(o, "site", in->site);
	cJSON_AddStringToObject(o, "matrix", in->matrix);
	cJSON_AddStringToObject(o, "verdict", in->verdict);
	json_time(o, "window_start", in->window_start);
	json_time(o, "window_end", in->window_end);
	return o;
}

static cJSON *json_notes(const struct diff_note *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "code", v[i]->code);
		if (v[i]->host[0])
			cJSON_AddStringToObject(o, "host", v[i]->host);
		else
			cJSON_AddNullToObject(o, "host");
		cJSON_AddStringToObject(o, "text", v[i]->text);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *json_summary(const struct report_diff *d)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *fail_on = cJSON_CreateArray();

	cJSON_AddNumberToObject(o, "new", (double)d->count[CHANGE_NEW]);
	cJSON_AddNumberToObject(o, "resolved", (double)d->count[CHANGE_RESOLVED]);
	cJSON_AddNumberToObject(o, "changed", (double)d->count[CHANGE_CHANGED]);
	cJSON_AddNumberToObject(o, "unchanged", (double)d->count[CHANGE_UNCHANGED]);
	cJSON_AddNumberToObject(o, "health_appeared", (double)d->nappeared);
	cJSON_AddNumberToObject(o, "health_gone", (double)d->ngone);
	cJSON_AddNumberToObject(o, "new_gating", d->new_gating);
	for (int k = 0; k < FINDING_KIND_COUNT; k++)
		if (d->policy.kind[k])
			cJSON_AddItemToArray(fail_on, cJSON_CreateString(
				finding_kind_name((enum finding_kind)k)));
	cJSON_AddItemToObject(o, "fail_on", fail_on);
	cJSON_AddStringToObject(o, "verdict", d->new_gating ? "fail" : "pass");
	return o;
}

bool report_diff_json(FILE *f, const struct report_diff *d)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *warnings = cJSON_CreateArray();
	static const char *const lists[] = {
		[CHANGE_NEW] = "new", [CHANGE_RESOLVED] = "resolved",
		[CHANGE_CHANGED] = "changed",
	};

	cJSON_AddStringToObject(root, "schema", "flowaudit-diff/1");
	cJSON_AddItemToObject(root, "old", json_input(&d->old));
	cJSON_AddItemToObject(root, "new", json_input(&d->new));
	for (unsigned i = 0; i < d->nwarnings; i++)
		cJSON_AddItemToArray(warnings, cJSON_CreateString(d->warnings[i]));
	cJSON_AddItemToObject(root, "warnings", warnings);
	cJSON_AddItemToObject(root, "summary", json_summary(d));
	cJSON *findings = cJSON_AddObjectToObject(root, "findings");
	for (int c = CHANGE_NEW; c <= CHANGE_CHANGED; c++) {
		cJSON *a = cJSON_AddArrayToObject(findings, lists[c]);
		for (size_t i = 0; i < d->nitems; i++)
			if (d->items[i].change == (enum change)c)
				cJSON_AddItemToArray(a, json_item(&d->items[i]));
	}
	cJSON *health = cJSON_AddObjectToObject(root, "capture_health");
	cJSON_AddItemToObject(health, "appeared", json_notes(d->appeared, d->nappeared));
	cJSON_AddItemToObject(health, "gone", json_notes(d->gone, d->ngone));
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return false;
	json_put_text(f, text);
	fputc('\n', f);
	free(text);
	return true;
}
