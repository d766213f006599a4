/* json_writer.h - a small streaming JSON writer for line-oriented outputs
 * (event lines), where building a tree per record would cost an allocation
 * per record. Strings go through json_put_string: always valid JSON, even
 * from packet bytes. */
#ifndef FLOWAUDIT_JSON_WRITER_H
#define FLOWAUDIT_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 8

struct jw {
	FILE *f;
	unsigned depth;
	bool has_member[JW_MAX_DEPTH];
};

/* Starts a top-level object on f. */
void jw_begin(struct jw *w, FILE *f);
/* Ends it and the line. */
void jw_end_line(struct jw *w);

/* key may be NULL inside an array. */
void jw_object(struct jw *w, const char *key);
void jw_array(struct jw *w, const char *key);
void jw_close_object(struct jw *w);
void jw_close_array(struct jw *w);

void jw_str(struct jw *w, const char *key, const char *value);
/* Only when value is non-empty: ECS leaves absent fields out. */
void jw_str_nonempty(struct jw *w, const char *key, const char *value);
void jw_u64(struct jw *w, const char *key, uint64_t value);
void jw_bool(struct jw *w, const char *key, bool value);
/* An ISO 8601 UTC time from microseconds since the epoch. */
void jw_time(struct jw *w, const char *key, uint64_t us);

#endif
