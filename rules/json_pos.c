/* json_pos.c - positions of keys and values in JSON text (see json_pos.h).
 * A recursive-descent scan bounded by JSON_MAX_DEPTH; it validates the
 * grammar just enough to place errors precisely. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "json_pos.h"

struct scan {
	const char *text;
	size_t len, pos;
	char path[1024];
	size_t path_len;
	unsigned depth;
	struct json_index *ix;
	struct json_error *err;
	bool failed;
};

struct json_where json_where_at(const char *text, size_t offset)
{
	struct json_where w = { 1, 1 };
	for (size_t i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			w.line++;
			w.col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			w.col++;  /* columns count characters, not bytes */
		}
	}
	return w;
}

static bool fail(struct scan *s, const char *msg)
{
	if (!s->failed) {
		s->failed = true;
		s->err->offset = s->pos < s->len ? s->pos : s->len;
		snprintf(s->err->message, sizeof(s->err->message), "%s", msg);
	}
	return false;
}

static void skip_space(struct scan *s)
{
	while (s->pos < s->len) {
		char c = s->text[s->pos];
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			return;
		s->pos++;
	}
}

/* Takes c when it is next; false, taking nothing, when it is not. */
static bool eat(struct scan *s, char c)
{
	if (s->pos >= s->len || s->text[s->pos] != c)
		return false;
	s->pos++;
	return true;
}

static unsigned path_hash(const char *p)
{
	return fnv1a_str(FNV1A_INIT, p);
}

/* The slot of path in the hash set: its entry, or the empty slot for it. */
static unsigned *path_slot(const struct json_index *ix, const char *path)
{
	for (unsigned i = path_hash(path) & ix->slot_mask;; i = (i + 1) & ix->slot_mask) {
		unsigned id = ix->slots[i];
		if (!id || strcmp(ix->items[id - 1].path, path) == 0)
			return &ix->slots[i];
	}
}

static bool grow_set(struct json_index *ix)
{
	unsigned size = ix->slot_mask ? (ix->slot_mask + 1) * 2 : 256;
	unsigned *fresh = calloc(size, sizeof(*fresh));
	if (!fresh)
		return false;
	free(ix->slots);
	ix->slots = fresh;
	ix->slot_mask = size - 1;
	for (unsigned i = 0; i < ix->n; i++)
		*path_slot(ix, ix->items[i].path) = i + 1;
	return true;
}

static bool add_entry(struct scan *s, size_t key, size_t value)
{
	struct json_index *ix = s->ix;
	if (ix->n == ix->cap) {
		unsigned cap = ix->cap ? ix->cap * 2 : 64;
		struct json_pos_entry *e = realloc(ix->items, cap * sizeof(*e));
		if (!e)
			return fail(s, "out of memory");
		ix->items = e;
		ix->cap = cap;
	}
	char *path = strdup(s->path);
	if (!path)
		return fail(s, "out of memory");
	if ((ix->n + 1) * 2 > ix->slot_mask + 1 && !grow_set(ix)) {
		free(path);
		return fail(s, "out of memory");
	}
	unsigned *slot = path_slot(ix, path);
	if (*slot) {
		/* The same path twice: a key repeated in one object. */
		if (!ix->has_duplicate) {
			ix->has_duplicate = true;
			snprintf(ix->duplicate_path, sizeof(ix->duplicate_path), "%s", path);
			ix->duplicate_first = ix->items[*slot - 1].key;
			ix->duplicate_second = key;
		}
		free(path);
		return true;
	}
	ix->items[ix->n++] = (struct json_pos_entry){ path, key, value };
	*slot = ix->n;
	return true;
}

static bool parse_value(struct scan *s);

/* Appends one UTF-8 encoded code point to buf. */
static size_t put_utf8(char *buf, uint32_t cp)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | cp >> 6);
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | cp >> 12);
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | cp >> 18);
	buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	buf[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static bool hex4(struct scan *s, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		if (s->pos >= s->len)
			return fail(s, "unfinished \\u escape");
		char c = s->text[s->pos++];
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (uint32_t)(c - 'A' + 10);
		else
			return fail(s, "bad \\u escape");
	}
	return true;
}

/* Scans a string; when out is given, decodes it (as cJSON would). */
static bool parse_string(struct scan *s, char *out, size_t outlen)
{
	size_t o = 0;

	s->pos++;  /* the opening quote */
	while (s->pos < s->len) {
		unsigned char c = (unsigned char)s->text[s->pos];
		char piece[4];
		size_t n = 1;
		if (c == '"') {
			s->pos++;
			if (out)
				out[o < outlen ? o : outlen - 1] = '\0';
			return true;
		}
		if (c < 0x20)
			return fail(s, "control character inside a string");
		s->pos++;
		piece[0] = (char)c;
		if (c == '\\') {
			if (s->pos >= s->len)
				break;
			char e = s->text[s->pos++];
			const char *simple = strchr("\"\\/bfnrt", e);
			if (simple && e) {
				static const char map[] = "\"\\/\b\f\n\r\t";
				piece[0] = map[simple - "\"\\/bfnrt"];
			} else if (e == 'u') {
				uint32_t cp, lo;
				if (!hex4(s, &cp))
					return false;
				if (cp >= 0xd800 && cp < 0xdc00 && s->pos + 6 <= s->len &&
				    s->text[s->pos] == '\\' && s->text[s->pos + 1] == 'u') {
					s->pos += 2;
					if (!hex4(s, &lo))
						return false;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				n = put_utf8(piece, cp);
			} else {
				return fail(s, "unknown escape in a string");
			}
		}
		if (out && o + n < outlen) {
			memcpy(out + o, piece, n);
			o += n;
		}
	}
	return fail(s, "unterminated string");
}

static bool parse_literal(struct scan *s)
{
	static const char *words[] = { "true", "false", "null" };
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(words[i]);
		if (s->len - s->pos >= n && memcmp(s->text + s->pos, words[i], n) == 0) {
			s->pos += n;
			return true;
		}
	}
	return fail(s, "expected a value (string, number, object, array, "
		       "true, false or null)");
}

static bool parse_number(struct scan *s)
{
	size_t start = s->pos;
	if (s->text[s->pos] == '-')
		s->pos++;
	while (s->pos < s->len && strchr("0123456789.eE+-", s->text[s->pos]) &&
	       s->text[s->pos])
		s->pos++;
	if (s->pos == start || (s->pos == start + 1 && s->text[start] == '-'))
		return fail(s, "bad number");
	return true;
}

static void path_push(struct scan *s, const char *part, size_t *saved)
{
	*saved = s->path_len;
	size_t room = sizeof(s->path) - s->path_len;
	int n = snprintf(s->path + s->path_len, room, "/%s", part);
	if (n > 0)
		s->path_len += (size_t)n < room ? (size_t)n : room - 1;
}

static void path_pop(struct scan *s, size_t saved)
{
	s->path_len = saved;
	s->path[saved] = '\0';
}

/* An object member's "key": with the key's path pushed; *kpos is where
 * the key starts. */
static bool member_key(struct scan *s, size_t *kpos, size_t *saved)
{
	char key[256];

	if (s->pos >= s->len || s->text[s->pos] != '"')
		return fail(s, "expected a quoted key");
	*kpos = s->pos;
	if (!parse_string(s, key, sizeof(key)))
		return false;
	skip_space(s);
	if (!eat(s, ':'))
		return fail(s, "expected ':' after the key");
	skip_space(s);
	path_push(s, key, saved);
	return true;
}

/* An object or an array: members or elements, each indexed under its
 * path (the key, or the element's number) at its key and its value. */
static bool parse_container(struct scan *s, bool object)
{
	char close = object ? '}' : ']';

	s->pos++;  /* { or [ */
	skip_space(s);
	if (eat(s, close))
		return true;
	for (unsigned i = 0;; i++) {
		size_t saved, kpos;
		skip_space(s);
		if (object && !member_key(s, &kpos, &saved))
			return false;
		if (!object) {
			char idx[16];
			snprintf(idx, sizeof(idx), "%u", i);
			path_push(s, idx, &saved);
			kpos = s->pos;  /* an element has no key: its value */
		}
		if (!add_entry(s, kpos, s->pos) || !parse_value(s))
			return false;
		path_pop(s, saved);
		skip_space(s);
		if (eat(s, ','))
			continue;
		if (eat(s, close))
			return true;
		return fail(s, object ? "expected ',' or '}' in an object" :
			    "expected ',' or ']' in an array");
	}
}

static bool parse_value(struct scan *s)
{
	skip_space(s);
	if (s->pos >= s->len)
		return fail(s, "unexpected end of file");
	char c = s->text[s->pos];
	if (c == '{' || c == '[') {
		if (++s->depth > JSON_MAX_DEPTH)
			return fail(s, "nested more than 64 levels deep");
		bool ok = parse_container(s, c == '{');
		s->depth--;
		return ok;
	}
	if (c == '"')
		return parse_string(s, NULL, 0);
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(s);
	return parse_literal(s);
}

bool json_index_build(const char *text, size_t len, struct json_index *ix,
		      struct json_error *err)
{
	struct scan s = { .text = text, .len = len, .ix = ix, .err = err };

	memset(ix, 0, sizeof(*ix));
	memset(err, 0, sizeof(*err));
	if (memchr(text, '\0', len)) {
		err->offset = (size_t)((const char *)memchr(text, '\0', len) - text);
		snprintf(err->message, sizeof(err->message),
			 "a NUL byte: this is not a JSON text file");
		return false;
	}
	if (!parse_value(&s))
		return false;
	skip_space(&s);
	if (s.pos != s.len)
		return fail(&s, "text after the end of the JSON value");
	return true;
}

void json_index_free(struct json_index *ix)
{
	for (unsigned i = 0; i < ix->n; i++)
		free(ix->items[i].path);
	free(ix->items);
	free(ix->slots);
	memset(ix, 0, sizeof(*ix));
}

size_t json_index_find(const struct json_index *ix, const char *path, bool value)
{
	if (!ix->slots)
		return JSON_NOWHERE;
	unsigned id = *path_slot(ix, path);
	if (!id)
		return JSON_NOWHERE;
	return value ? ix->items[id - 1].value : ix->items[id - 1].key;
}
