/* json_pos.h - where things are in a JSON file.
 *
 * cJSON parses the values but keeps no positions, so before it runs one pass
 * over the text records the line and column of every object key and array
 * element under a JSON-pointer-like path ("/roles/mobile_service/0"). The
 * same pass finds what cJSON would accept silently or handle badly:
 * duplicate keys, and nesting beyond a sane depth. Errors are reported with
 * line and column, never by crashing.
 */
#ifndef FLOWAUDIT_JSON_POS_H
#define FLOWAUDIT_JSON_POS_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 64

struct json_where {
	unsigned line, col;
};

/* Byte offsets: turned into line and column only when an error needs them,
 * so a long one-line file costs no more than a pretty one. */
struct json_pos_entry {
	char *path;
	size_t key;     /* where the key is (array element: the value) */
	size_t value;   /* where the value starts */
};

struct json_index {
	struct json_pos_entry *items;
	unsigned n, cap;
	unsigned *slots;          /* hash set of paths: item index + 1 */
	unsigned slot_mask;
	/* A duplicate key: its path and both positions. */
	bool has_duplicate;
	char duplicate_path[256];
	size_t duplicate_first, duplicate_second;
};

/* Where the text went wrong, as a byte offset like every other place. */
struct json_error {
	size_t offset;
	char message[160];
};

/* Indexes text. False on invalid JSON or excessive nesting, with the place
 * and reason in *err. The index must be freed either way. */
bool json_index_build(const char *text, size_t len, struct json_index *ix,
		      struct json_error *err);
void json_index_free(struct json_index *ix);

#define JSON_NOWHERE ((size_t)-1)

/* Offset of path's key (value=false) or value (value=true), JSON_NOWHERE
 * when the path is not in the text. */
size_t json_index_find(const struct json_index *ix, const char *path, bool value);

/* Line and column of a byte offset. */
struct json_where json_where_at(const char *text, size_t offset);

#endif
