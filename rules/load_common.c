/* load_common.c - what the matrix and site loaders share: places in the
 * file, names and their typos, key checks, and the small parsers for
 * ports, protocols, addresses and host names. One copy each, so the two
 * files report the same problem the same way. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"

/* ---- places: "/roles/mobile_service/0" ---- */

void path_key(char *out, const char *parent, const char *key)
{
	snprintf(out, PATH_LEN, "%s/%s", parent, key);
}

void path_index(char *out, const char *parent, unsigned i)
{
	snprintf(out, PATH_LEN, "%s/%u", parent, i);
}

/* ---- names and typos ---- */

static const char *name_at(struct names ns, unsigned i)
{
	return *(const char *const *)((const char *)ns.first + i * ns.stride);
}

int name_index(struct names ns, const char *name)
{
	for (unsigned i = 0; i < ns.n; i++)
		if (strcmp(name_at(ns, i), name) == 0)
			return (int)i;
	return -1;
}

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost = tolower((unsigned char)a[i - 1]) !=
					tolower((unsigned char)b[j - 1]);
			unsigned best = diag + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *nearest_in(struct names ns, const char *word)
{
	const char *best = NULL;
	unsigned best_d = 99;

	for (unsigned i = 0; i < ns.n; i++) {
		unsigned d = edit_distance(word, name_at(ns, i));
		if (d < best_d) {
			best_d = d;
			best = name_at(ns, i);
		}
	}
	/* Close enough to be a typo: a third of the word. */
	return best && best_d <= 1 + strlen(word) / 3 ? best : NULL;
}

void unknown_name_hint(char *hint, size_t size, const char *word,
		       struct names known, const char *otherwise, bool list)
{
	const char *near = nearest_in(known, word);

	if (near) {
		snprintf(hint, size, "did you mean \"%s\"?", near);
		return;
	}
	size_t used = (size_t)snprintf(hint, size, "%s", otherwise);
	for (unsigned i = 0; list && i < known.n && used < size; i++)
		used += (size_t)snprintf(hint + used, size - used, " %s",
					 name_at(known, i));
}

/* ---- the shape of objects ---- */

void check_keys(struct json_file *f, const cJSON *obj, const char *path,
		const char *const *keys, unsigned n, const char *what,
		const char *otherwise, bool suggest)
{
	struct names known = { keys, sizeof(*keys), n };

	for (const cJSON *c = obj->child; c; c = c->next) {
		if (name_index(known, c->string) >= 0)
			continue;
		char p[PATH_LEN], hint[128];
		path_key(p, path, c->string);
		if (suggest)
			unknown_name_hint(hint, sizeof(hint), c->string, known, otherwise, false);
		else
			snprintf(hint, sizeof(hint), "%s", otherwise);
		report_at(f, true, p, false, hint, "unknown key \"%s\" in %s",
			  c->string, what);
	}
}

bool want_object(struct json_file *f, const cJSON *v, const char *key)
{
	char p[PATH_LEN];

	if (cJSON_IsObject(v))
		return true;
	path_key(p, "", key);
	report_at(f, true, p, true, NULL, "\"%s\" must be an object", key);
	return false;
}

void each_member(struct ruleset *rs, struct json_file *f, const cJSON *root,
		 const char *key, bool required, member_fn *one)
{
	const cJSON *section = cJSON_GetObjectItemCaseSensitive(root, key);
	char prefix[PATH_LEN], path[PATH_LEN];

	if ((!section && !required) || !want_object(f, section, key))
		return;
	path_key(prefix, "", key);
	for (const cJSON *m = section->child; m; m = m->next) {
		path_key(path, prefix, m->string);
		if (!one(rs, f, m, path))
			return;
	}
}

/* ---- ports and protocols ---- */

static bool parse_port_number(const char *s, const char **end, uint16_t *out)
{
	unsigned long v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			return false;
		p++;
	}
	if (v == 0)
		return false;
	*out = (uint16_t)v;
	*end = p;
	return true;
}

bool parse_port_text(const char *text, struct port_range *r)
{
	const char *p;

	if (!parse_port_number(text, &p, &r->lo))
		return false;
	r->hi = r->lo;
	if (*p == '-' && (!parse_port_number(p + 1, &p, &r->hi) || r->hi < r->lo))
		return false;
	return *p == '\0';
}

bool json_port(const cJSON *e, struct port_range *r, char text[PORT_TEXT_LEN])
{
	/* A number goes through its text too, so 1.5 and 1e9 are refused
	 * as the same words a user typed would be. */
	if (cJSON_IsNumber(e))
		snprintf(text, PORT_TEXT_LEN, "%.17g", e->valuedouble);
	else if (cJSON_IsString(e))
		snprintf(text, PORT_TEXT_LEN, "%s", e->valuestring);
	else
		text[0] = '\0';
	return parse_port_text(text, r);
}

bool set_param_values(struct ruleset *rs, struct param *pm, const cJSON *v)
{
	unsigned n = cJSON_IsArray(v) ? (unsigned)cJSON_GetArraySize(v) : 1;
	if (n == 0)
		return false;
	struct port_range *vals = arena_alloc(&rs->arena, n * sizeof(*vals));
	if (!vals)
		return false;
	const cJSON *e = cJSON_IsArray(v) ? v->child : v;
	for (unsigned i = 0; i < n; i++, e = e->next) {
		char text[PORT_TEXT_LEN];
		if (!json_port(e, &vals[i], text))
			return false;
	}
	pm->values = vals;
	pm->nvalues = n;
	return true;
}

/* The words are ip_proto_name's, so files and reports spell them alike. */
bool parse_proto(const char *s, uint8_t *proto)
{
	static const uint8_t protos[] = { IP_PROTO_TCP, IP_PROTO_UDP, IP_PROTO_ICMP };

	for (unsigned i = 0; i < ARRAY_SIZE(protos); i++) {
		if (strcmp(s, ip_proto_name(protos[i], "")) == 0) {
			*proto = protos[i];
			return true;
		}
	}
	return false;
}

/* ---- addresses and names ---- */

bool parse_cidr(const char *text, struct cidr *out, bool *host_bits)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);

	memset(out, 0, sizeof(*out));
	*host_bits = false;
	if (alen == 0 || alen >= INET6_ADDRSTRLEN)
		return false;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, out->addr.b) == 1)
		out->ip_version = 4;
	else if (inet_pton(AF_INET6, buf, out->addr.b) == 1)
		out->ip_version = 6;
	else
		return false;
	unsigned max = out->ip_version == 4 ? 32 : 128;
	out->prefix = (uint8_t)max;
	if (slash) {
		char *end;
		errno = 0;
		long p = strtol(slash + 1, &end, 10);
		if (errno || *end || end == slash + 1 || p < 0 || p > (long)max ||
		    !isdigit((unsigned char)slash[1]))
			return false;
		out->prefix = (uint8_t)p;
	}
	/* Clear host bits; note that there were some. */
	for (unsigned bit = out->prefix; bit < max; bit++) {
		uint8_t mask = (uint8_t)(0x80 >> (bit % 8));
		if (out->addr.b[bit / 8] & mask) {
			*host_bits = true;
			out->addr.b[bit / 8] &= (uint8_t)~mask;
		}
	}
	return true;
}

bool valid_host_name(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len == 0 || len > 253)
		return false;
	if (strncmp(s, "*.", 2) == 0)
		s += 2;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0;
}
