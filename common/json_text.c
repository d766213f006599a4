/* json_text.c - JSON text in cJSON's layouts (see json_text.h). */
#include <stdlib.h>
#include <string.h>

#include "json_text.h"
#include "huge_pages.h"

void json_text_init(struct json_text *t)
{
	memset(t, 0, sizeof(*t));
}

void json_text_free(struct json_text *t)
{
	free(t->s);
	json_text_init(t);
}

/* Room for n more bytes and the terminating NUL. */
static bool reserve(struct json_text *t, size_t n)
{
	if (t->failed)
		return false;
	if (t->len + n + 1 <= t->cap)
		return true;
	size_t cap = t->cap ? t->cap : 4096;
	while (cap < t->len + n + 1)
		cap *= 2;
	char *s = realloc(t->s, cap);
	if (!s) {
		t->failed = true;
		return false;
	}
	huge_pages_advise(s, cap);  /* a state's text runs to megabytes */
	t->s = s;
	t->cap = cap;
	return true;
}

char *json_text_take(struct json_text *t)
{
	if (!t->s)
		reserve(t, 0);  /* nothing written: an empty text, not a failure */
	char *s = t->failed ? NULL : t->s;

	if (!s)
		free(t->s);
	else
		s[t->len] = '\0';
	json_text_init(t);
	return s;
}

static void put(struct json_text *t, const char *s, size_t n)
{
	if (!reserve(t, n))
		return;
	memcpy(t->s + t->len, s, n);
	t->len += n;
}

static void put_char(struct json_text *t, char c)
{
	if (reserve(t, 1))
		t->s[t->len++] = c;
}

/* A string as cJSON's print_string_ptr writes it. */
static void put_quoted(struct json_text *t, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	put_char(t, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		const unsigned char *run = p;
		while (*p >= 32 && *p != '"' && *p != '\\')
			p++;
		put(t, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		char esc[6] = { '\\', 0 };
		switch (*p) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			put(t, esc, 6);
			continue;
		}
		put(t, esc, 2);
	}
	put_char(t, '"');
}

/* The comma before a value, and its key. */
static void begin_value(struct json_text *t, const char *key)
{
	if (t->depth && t->has_item[t->depth - 1])
		put_char(t, ',');
	if (t->depth)
		t->has_item[t->depth - 1] = true;
	if (key) {
		put_quoted(t, key);
		put_char(t, ':');
	}
}

static void open_container(struct json_text *t, const char *key, char c)
{
	begin_value(t, key);
	if (t->depth == JSON_TEXT_MAX_DEPTH) {
		t->failed = true;
		return;
	}
	put_char(t, c);
	t->has_item[t->depth++] = false;
}

static void close_container(struct json_text *t, char c)
{
	if (t->depth)
		t->depth--;
	put_char(t, c);
}

void json_text_object(struct json_text *t, const char *key)
{
	open_container(t, key, '{');
}

void json_text_array(struct json_text *t, const char *key)
{
	open_container(t, key, '[');
}

void json_text_close_object(struct json_text *t)
{
	close_container(t, '}');
}

void json_text_close_array(struct json_text *t)
{
	close_container(t, ']');
}

void json_text_string(struct json_text *t, const char *key, const char *value)
{
	begin_value(t, key);
	put_quoted(t, value);
}

static void put_decimal(struct json_text *t, uint64_t n)
{
	char digits[20];
	unsigned k = sizeof(digits);

	do {
		digits[--k] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	put(t, digits + k, sizeof(digits) - k);
}

void json_text_u64(struct json_text *t, const char *key, uint64_t value)
{
	begin_value(t, key);
	put_decimal(t, value);
}

void json_text_i64(struct json_text *t, const char *key, int64_t value)
{
	begin_value(t, key);
	if (value < 0)
		put_char(t, '-');
	put_decimal(t, value < 0 ? 0 - (uint64_t)value : (uint64_t)value);
}

void json_text_bool(struct json_text *t, const char *key, bool value)
{
	begin_value(t, key);
	if (value)
		put(t, "true", 4);
	else
		put(t, "false", 5);
}

void json_text_null(struct json_text *t, const char *key)
{
	begin_value(t, key);
	put(t, "null", 4);
}

void json_text_members(struct json_text *t, const char *object)
{
	size_t n = strlen(object);

	if (n < 2 || object[0] != '{' || object[n - 1] != '}') {
		t->failed = true;
		return;
	}
	if (n == 2)
		return;
	begin_value(t, NULL);
	put(t, object + 1, n - 2);
}

/* ---- cJSON_Print's layout ---- */

static void put_tabs(struct json_text *t, unsigned n)
{
	if (!reserve(t, n))
		return;
	memset(t->s + t->len, '\t', n);
	t->len += n;
}

/* The length of the string starting at s (a quote), quotes included. */
static size_t string_length(const char *s)
{
	size_t i = 1;

	while (s[i] && s[i] != '"')
		i += s[i] == '\\' && s[i + 1] ? 2 : 1;
	return s[i] ? i + 1 : i;
}

#define FORMAT_MAX_NESTING 64

char *json_text_format(const char *text, unsigned depth)
{
	struct json_text out;
	bool in_object[FORMAT_MAX_NESTING];
	unsigned nesting = 0;

	json_text_init(&out);
	size_t len = strlen(text);
	reserve(&out, len + len / 4);
	for (const char *p = text; *p && !out.failed; p++) {
		switch (*p) {
		case '"': {
			size_t n = string_length(p);
			put(&out, p, n);
			p += n - 1;
			break;
		}
		case '{':
		case '[':
			if (nesting == FORMAT_MAX_NESTING) {
				out.failed = true;
				break;
			}
			in_object[nesting++] = *p == '{';
			depth++;
			put_char(&out, *p);
			if (*p == '[')
				break;
			put_char(&out, '\n');
			if (p[1] != '}')
				put_tabs(&out, depth);
			break;
		case '}':
		case ']':
			if (!nesting || in_object[nesting - 1] != (*p == '}')) {
				out.failed = true;
				break;
			}
			nesting--;
			depth--;
			if (*p == '}' && p[-1] != '{')
				put_char(&out, '\n');
			if (*p == '}')
				put_tabs(&out, depth);
			put_char(&out, *p);
			break;
		case ':':
			put(&out, ":\t", 2);
			break;
		case ',':
			if (nesting && in_object[nesting - 1]) {
				put(&out, ",\n", 2);
				put_tabs(&out, depth);
			} else {
				put(&out, ", ", 2);
			}
			break;
		default: {
			/* Numbers and literals: copied a run at a time. */
			size_t n = strcspn(p, "\"{}[]:,");
			put(&out, p, n);
			p += n - 1;
		}
		}
	}
	if (nesting)
		out.failed = true;
	return json_text_take(&out);
}
