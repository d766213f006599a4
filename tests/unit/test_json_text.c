/* test_json_text.c - common/json_text.h writes what cJSON prints.
 *
 * A report's merge state is written as text and spliced into the report
 * (reports/report_json.c); a report must read byte for byte as before,
 * when the whole was a cJSON tree. So every check here builds the same
 * value both ways and compares the writer's text with
 * cJSON_PrintUnformatted, and json_text_format's with cJSON_Print at the
 * depth the value is printed at. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_text.h"
#include "tap.h"

/* ---- the same value both ways ---- */

struct both {
	struct json_text t;
	cJSON *stack[JSON_TEXT_MAX_DEPTH + 1];
	unsigned depth;
	cJSON *root;
};

static void add(struct both *b, const char *key, cJSON *item)
{
	if (!b->depth)
		b->root = item;
	else if (key)
		cJSON_AddItemToObject(b->stack[b->depth - 1], key, item);
	else
		cJSON_AddItemToArray(b->stack[b->depth - 1], item);
}

static void open_both(struct both *b, const char *key, bool object)
{
	cJSON *c = object ? cJSON_CreateObject() : cJSON_CreateArray();
	add(b, key, c);
	b->stack[b->depth++] = c;
	if (object)
		json_text_object(&b->t, key);
	else
		json_text_array(&b->t, key);
}

static void close_both(struct both *b, bool object)
{
	b->depth--;
	if (object)
		json_text_close_object(&b->t);
	else
		json_text_close_array(&b->t);
}

static void string_both(struct both *b, const char *key, const char *s)
{
	add(b, key, cJSON_CreateString(s));
	json_text_string(&b->t, key, s);
}

/* cJSON keeps numbers as doubles: exact to 2^53, as the state's are. */
static void u64_both(struct both *b, const char *key, uint64_t n)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)n);
	add(b, key, cJSON_CreateRaw(buf));
	json_text_u64(&b->t, key, n);
}

/* As cJSON_CreateNumber prints an int (the state's host_id). */
static void int_both(struct both *b, const char *key, int n)
{
	add(b, key, cJSON_CreateNumber(n));
	json_text_i64(&b->t, key, n);
}

static void bool_both(struct both *b, const char *key, bool v)
{
	add(b, key, cJSON_CreateBool(v));
	json_text_bool(&b->t, key, v);
}

static void null_both(struct both *b, const char *key)
{
	add(b, key, cJSON_CreateNull());
	json_text_null(&b->t, key);
}

/* cJSON_Print of the value as a member nested depth objects deep, cut
 * down to the value's own text. */
static char *cjson_print_at(const cJSON *value, unsigned depth)
{
	cJSON *root = cJSON_Duplicate(value, true), *outer = root;
	for (unsigned i = 0; i < depth; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "k", outer);
		outer = o;
	}
	char *text = cJSON_Print(outer);
	cJSON_Delete(outer);
	/* Each level adds "{\n" + tabs + "\"k\":\t" before and "\n" + tabs +
	 * "}" after. */
	size_t head = 0, tail = 0;
	for (unsigned i = 0; i < depth; i++) {
		head += 2 + (i + 1) + 5;
		tail += 1 + i + 1;
	}
	size_t len = strlen(text);
	memmove(text, text + head, len - head - tail);
	text[len - head - tail] = '\0';
	return text;
}

/* Compares both layouts at every depth to 3; name says which value. */
static void compare(struct both *b, const char *name)
{
	char *mine = json_text_take(&b->t);
	char *theirs = cJSON_PrintUnformatted(b->root);
	char label[200];

	snprintf(label, sizeof(label), "%s: as cJSON_PrintUnformatted", name);
	is_str(mine, theirs, label);
	for (unsigned depth = 0; mine && depth <= 3; depth++) {
		char *formatted = json_text_format(mine, depth);
		char *want = cjson_print_at(b->root, depth);
		snprintf(label, sizeof(label), "%s: as cJSON_Print at depth %u", name, depth);
		is_str(formatted, want, label);
		free(formatted);
		free(want);
	}
	free(mine);
	cJSON_free(theirs);
	cJSON_Delete(b->root);
	memset(b, 0, sizeof(*b));
}

/* ---- fixed values ---- */

static void test_every_byte(void)
{
	struct both b = { 0 };
	char s[256];

	for (int i = 1; i < 256; i++)
		s[i - 1] = (char)i;
	s[255] = '\0';
	open_both(&b, NULL, false);
	string_both(&b, NULL, s);
	string_both(&b, NULL, "");
	string_both(&b, NULL, "\"{a:[1,2]}\\\"");
	close_both(&b, false);
	compare(&b, "every byte, an empty string, JSON's punctuation inside one");
}

static void test_shapes(void)
{
	struct both b = { 0 };

	open_both(&b, NULL, true);
	u64_both(&b, "zero", 0);
	u64_both(&b, "big", 9007199254740992ull);
	int_both(&b, "minus", -1);
	bool_both(&b, "yes", true);
	bool_both(&b, "no", false);
	null_both(&b, "none");
	open_both(&b, "empty_object", true);
	close_both(&b, true);
	open_both(&b, "empty_array", false);
	close_both(&b, false);
	open_both(&b, "objects_in_array", false);
	for (int i = 0; i < 3; i++) {
		open_both(&b, NULL, true);
		u64_both(&b, "i", (uint64_t)i);
		open_both(&b, "inner", true);
		close_both(&b, true);
		open_both(&b, "list", false);
		open_both(&b, NULL, false);
		close_both(&b, false);
		string_both(&b, NULL, "x,y:z");
		close_both(&b, false);
		close_both(&b, true);
	}
	close_both(&b, false);
	open_both(&b, "k\"ey\n", true);
	string_both(&b, "\t", "tab key");
	close_both(&b, true);
	close_both(&b, true);
	compare(&b, "numbers, literals, empty and nested containers, odd keys");
}

/* ---- random values ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void random_string(char *s, size_t room)
{
	size_t n = rng() % room;
	for (size_t i = 0; i < n; i++) {
		char c = (char)(rng() % 255 + 1);
		/* JSON's punctuation often, to find a miscounted string. */
		s[i] = rng() % 3 ? "\"\\{}[]:, a0"[rng() % 11] : c;
	}
	s[n] = '\0';
}

static void random_value(struct both *b, const char *key, unsigned level)
{
	char s[24];
	unsigned kind = (unsigned)(rng() % (level < 6 ? 8 : 5));

	switch (kind) {
	case 0: random_string(s, sizeof(s)); string_both(b, key, s); break;
	case 1: u64_both(b, key, rng() >> 11); break;
	case 2: int_both(b, key, (int)(rng() % 2001) - 1000); break;
	case 3: bool_both(b, key, rng() & 1); break;
	case 4: null_both(b, key); break;
	default: {
		bool object = kind == 5 || kind == 7;
		unsigned n = (unsigned)(rng() % 5);
		open_both(b, key, object);
		for (unsigned i = 0; i < n; i++) {
			char k[24];
			random_string(k, sizeof(k));
			random_value(b, object ? k : NULL, level + 1);
		}
		close_both(b, object);
	}
	}
}

static void test_random(void)
{
	for (int i = 0; i < 200; i++) {
		struct both b = { 0 };
		char name[40];
		random_value(&b, NULL, 0);
		snprintf(name, sizeof(name), "random value %d", i);
		compare(&b, name);
	}
}

/* ---- the rest of the interface ---- */

static void test_members(void)
{
	struct json_text t;
	json_text_init(&t);
	json_text_object(&t, NULL);
	json_text_u64(&t, "a", 1);
	json_text_members(&t, "{\"b\":2,\"c\":[3]}");
	json_text_members(&t, "{}");
	json_text_u64(&t, "d", 4);
	json_text_close_object(&t);
	char *s = json_text_take(&t);
	is_str(s, "{\"a\":1,\"b\":2,\"c\":[3],\"d\":4}", "members spliced after those there");
	free(s);

	json_text_object(&t, NULL);
	json_text_members(&t, "[1]");
	json_text_close_object(&t);
	ok(!json_text_take(&t), "members of what is not an object: writing fails");
}

static void test_empty(void)
{
	struct json_text t;
	json_text_init(&t);
	char *s = json_text_take(&t);
	is_str(s, "", "nothing written: an empty text");
	free(s);
	s = json_text_format("", 2);
	is_str(s, "", "format: an empty text stays empty");
	free(s);
}

static void test_too_deep(void)
{
	struct json_text t;
	json_text_init(&t);
	for (int i = 0; i <= JSON_TEXT_MAX_DEPTH; i++)
		json_text_array(&t, NULL);
	for (int i = 0; i <= JSON_TEXT_MAX_DEPTH; i++)
		json_text_close_array(&t);
	ok(!json_text_take(&t), "nesting past JSON_TEXT_MAX_DEPTH: writing fails, no text");

	char deep[201];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	deep[200] = '\0';
	ok(!json_text_format("[[1]", 0), "format: an unclosed array is refused");
	ok(!json_text_format("[1}", 0), "format: a mismatched close is refused");
	ok(!json_text_format("]", 0), "format: a close with nothing open is refused");
	char *s = json_text_format(deep, 0);
	ok(!s, "format: nesting past its bound is refused, not overrun");
	free(s);
}

int main(void)
{
	test_every_byte();
	test_shapes();
	test_random();
	test_members();
	test_empty();
	test_too_deep();
	return done_testing();
}
