/* json_writer.c - see json_writer.h. */
#include "json_writer.h"

#include "common/addr.h"
#include "common/timefmt.h"
#include "escape.h"

void jw_begin(struct jw *w, FILE *f)
{
	w->f = f;
	w->depth = 0;
	w->has_member[0] = false;
	fputc('{', f);
}

void jw_end_line(struct jw *w)
{
	fputs("}\n", w->f);
}

/* The comma and key before a member. */
static void member(struct jw *w, const char *key)
{
	if (w->has_member[w->depth])
		fputc(',', w->f);
	w->has_member[w->depth] = true;
	if (key) {
		json_put_string(w->f, key);
		fputc(':', w->f);
	}
}

static void open_container(struct jw *w, const char *key, char c)
{
	member(w, key);
	fputc(c, w->f);
	/* Deeper nesting than the outputs use is a programming error; stay
	 * valid JSON anyway by sharing the deepest level's comma state. */
	if (w->depth + 1 < JW_MAX_DEPTH)
		w->depth++;
	w->has_member[w->depth] = false;
}

void jw_object(struct jw *w, const char *key)
{
	open_container(w, key, '{');
}

void jw_array(struct jw *w, const char *key)
{
	open_container(w, key, '[');
}

static void close_container(struct jw *w, char c)
{
	fputc(c, w->f);
	if (w->depth)
		w->depth--;
}

void jw_close_object(struct jw *w)
{
	close_container(w, '}');
}

void jw_close_array(struct jw *w)
{
	close_container(w, ']');
}

void jw_str(struct jw *w, const char *key, const char *value)
{
	member(w, key);
	json_put_string(w->f, value ? value : "");
}

void jw_str_nonempty(struct jw *w, const char *key, const char *value)
{
	if (value && value[0])
		jw_str(w, key, value);
}

void jw_u64(struct jw *w, const char *key, uint64_t value)
{
	member(w, key);
	fprintf(w->f, "%llu", (unsigned long long)value);
}

void jw_bool(struct jw *w, const char *key, bool value)
{
	member(w, key);
	fputs(value ? "true" : "false", w->f);
}

void jw_time(struct jw *w, const char *key, uint64_t us)
{
	char t[TS_TEXT_LEN];
	format_ts_iso(t, us);
	jw_str(w, key, t);
}
