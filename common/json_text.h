/* json_text.h - JSON written straight into one growing buffer, laid out
 * byte for byte as cJSON prints the same tree.
 *
 * Why: a report's merge state holds thousands of items (unexpected
 * conversations with their evidence). Built as a cJSON tree, each is a few
 * dozen allocations, freed again once printed; on the bench capture that
 * was most of the time an audit spent writing its report, all of it after
 * the last packet and on one thread. Written here as text, the state goes
 * into the tree as raw items, which cJSON prints as they are: the report's
 * bytes do not change (tests/unit/test_json_text compares with cJSON).
 *
 * The writer produces cJSON_PrintUnformatted's layout; json_text_format
 * turns such text into cJSON_Print's layout at a given depth. Members and
 * elements get their commas from the writer: open an object or array,
 * put values (with a key inside an object, NULL inside an array), close. */
#ifndef FLOWAUDIT_COMMON_JSON_TEXT_H
#define FLOWAUDIT_COMMON_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_TEXT_MAX_DEPTH 16

struct json_text {
	char *s;
	size_t len, cap;
	bool failed;     /* out of memory, or nesting past the maximum */
	unsigned depth;
	bool has_item[JSON_TEXT_MAX_DEPTH];
};

void json_text_init(struct json_text *t);
void json_text_free(struct json_text *t);
/* The text, NUL-terminated, now the caller's (free); NULL when writing
 * failed. The writer is left empty. */
char *json_text_take(struct json_text *t);

/* key: a member's name inside an object, NULL inside an array or at the
 * top. Strings are escaped as cJSON escapes them (its print of any bytes:
 * '"', '\\', the C0 controls; everything else as it is). */
void json_text_object(struct json_text *t, const char *key);
void json_text_array(struct json_text *t, const char *key);
void json_text_close_object(struct json_text *t);
void json_text_close_array(struct json_text *t);
void json_text_string(struct json_text *t, const char *key, const char *value);
void json_text_u64(struct json_text *t, const char *key, uint64_t value);
void json_text_i64(struct json_text *t, const char *key, int64_t value);
void json_text_bool(struct json_text *t, const char *key, bool value);
void json_text_null(struct json_text *t, const char *key);
/* The members of object (the text of a JSON object in this layout), added
 * to the object open in t after those it has. */
void json_text_members(struct json_text *t, const char *object);

/* text in cJSON_PrintUnformatted's layout, as cJSON_Print lays out a value
 * printed at depth (0 for the top; 1 for a member of the top object, ...):
 * a newline and tabs around object members, ":\t" after keys, ", " between
 * elements. A new string; NULL when out of memory, or when text's
 * brackets do not balance or nest deeper than 64. */
char *json_text_format(const char *text, unsigned depth);

#endif
