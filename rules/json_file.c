/* json_file.c - reading matrix and site files safely, and saying where a
 * problem is: FILE:LINE:COLUMN, the message, a hint. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/read_whole.h"
#include "common/safe_text.h"
#include "rules_internal.h"

/* Site and matrix files are small; anything bigger is a mistake. */
#define MAX_FILE_BYTES (4u << 20)
/* One file's errors stop being listed after this many. */
#define MAX_ERRORS_PER_FILE 50

void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (!a->head || a->head->size - a->head->used < n) {
		size_t size = n > 16384 ? n : 16384;
		struct arena_block *b = calloc(1, sizeof(*b) + size);
		if (!b)
			return NULL;
		b->size = size;
		b->next = a->head;
		a->head = b;
	}
	void *p = a->head->data + a->head->used;
	a->head->used += n;
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(a, n);
	if (p)
		memcpy(p, s, n);
	return p;
}

void arena_free(struct arena *a)
{
	while (a->head) {
		struct arena_block *next = a->head->next;
		free(a->head);
		a->head = next;
	}
}

/* The one diagnostic printer: FILE:LINE:COLUMN (FILE alone when there is
 * no place), the message, the hint. Every one is counted; errors past
 * MAX_ERRORS_PER_FILE are not printed, so one broken file cannot flood
 * the output. Messages quote keys and values of the file, hints the
 * matrix's names, and the path is whatever was given: each is made safe
 * for the terminal (common/safe_text.h). */
static void vdiag(struct json_file *f, bool error, size_t offset,
		  const char *hint, const char *fmt, va_list ap)
{
	FILE *out = f->d->out ? f->d->out : stderr;

	if (error) {
		f->d->errors++;
		if (++f->file_errors > MAX_ERRORS_PER_FILE)
			return;
	} else {
		f->d->warnings++;
	}
	text_put_safe(out, f->path);
	if (offset != JSON_NOWHERE && f->text) {
		struct json_where w = json_where_at(f->text, offset);
		fprintf(out, ":%u:%u", w.line, w.col);
	}
	fputs(error ? ": error: " : ": warning: ", out);
	text_vprintf_safe(out, fmt, ap);
	fputc('\n', out);
	if (hint) {
		fputs("  hint: ", out);
		text_put_safe(out, hint);
		fputc('\n', out);
	}
}

/* A diagnostic at a byte offset of the text (JSON_NOWHERE: the file). */
static void diag_at(struct json_file *f, bool error, size_t offset,
		    const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void diag_at(struct json_file *f, bool error, size_t offset,
		    const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(f, error, offset, hint, fmt, ap);
	va_end(ap);
}

void report_at(struct json_file *f, bool error, const char *path, bool value,
	       const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(f, error, json_index_find(&f->ix, path, value), hint, fmt, ap);
	va_end(ap);
}

static bool read_file_text(struct json_file *f)
{
	FILE *in = fopen(f->path, "rb");
	struct stat st;

	if (!in) {
		diag_at(f, true, JSON_NOWHERE, NULL, "cannot open: %s", strerror(errno));
		return false;
	}
	if (fstat(fileno(in), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(in);
		diag_at(f, true, JSON_NOWHERE, NULL, "is a directory, not a JSON file");
		return false;
	}
	bool regular = fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode);
	if (regular && st.st_size > (off_t)MAX_FILE_BYTES) {
		fclose(in);
		diag_at(f, true, JSON_NOWHERE, "matrix and site files are a few "
			"kilobytes; check that this is the right file",
			"is %lld bytes, more than the %u a matrix or site file may "
			"have", (long long)st.st_size, MAX_FILE_BYTES);
		return false;
	}
	enum read_whole_status status;
	f->text = read_whole(in, MAX_FILE_BYTES, &f->len, &status);
	int saved = errno;
	fclose(in);
	if (status == READ_WHOLE_NO_MEMORY) {
		diag_at(f, true, JSON_NOWHERE, NULL, "out of memory");
		return false;
	}
	if (status == READ_WHOLE_ERROR) {
		diag_at(f, true, JSON_NOWHERE, NULL, "cannot read: %s", strerror(saved));
		return false;
	}
	if (status == READ_WHOLE_TOO_LARGE) {  /* grew while being read, or a pipe */
		diag_at(f, true, JSON_NOWHERE, NULL, "is more than %u bytes",
			MAX_FILE_BYTES);
		return false;
	}
	return true;
}

/* A UTF-8 byte-order mark, which Windows editors write at the start: not
 * JSON, and invisible in the editor, so it is dropped before anything
 * reads the text, and line 1, column 1 is where the editor shows it. */
static void drop_bom(struct json_file *f)
{
	static const char bom[] = "\xef\xbb\xbf";

	if (f->len >= 3 && memcmp(f->text, bom, 3) == 0) {
		memmove(f->text, f->text + 3, f->len - 3 + 1);
		f->len -= 3;
	}
}

/* Matrix and site files are UTF-8 (RFC 8259): every string in them
 * reaches reports as it is, and a byte that is no character would be
 * shown differently by each reader. The first bad byte is an error. */
static bool valid_utf8(struct json_file *f)
{
	size_t bad = utf8_invalid_at(f->text, f->len);

	if (bad == f->len)
		return true;
	diag_at(f, true, bad, "save the file as UTF-8 (in a Windows editor: "
		"\"UTF-8\", not \"ANSI\" or a code page)",
		"not valid UTF-8: byte 0x%02x", (unsigned char)f->text[bad]);
	return false;
}

bool json_file_load(struct json_file *f, const char *path, struct diag *d)
{
	struct json_error err;

	memset(f, 0, sizeof(*f));
	f->path = path;
	f->d = d;
	if (!read_file_text(f))
		return false;
	drop_bom(f);
	if (!valid_utf8(f))
		return false;
	if (!json_index_build(f->text, f->len, &f->ix, &err)) {
		diag_at(f, true, err.offset, NULL, "not valid JSON: %s", err.message);
		return false;
	}
	if (f->ix.has_duplicate) {
		diag_at(f, true, f->ix.duplicate_second,
			"JSON readers disagree on which value wins; keep one",
			"duplicate key \"%s\" (first at line %u)",
			strrchr(f->ix.duplicate_path, '/') + 1,
			json_where_at(f->text, f->ix.duplicate_first).line);
		return false;
	}
	const char *end = NULL;
	f->root = cJSON_ParseWithLengthOpts(f->text, f->len, &end, false);
	if (!f->root) {
		size_t off = end && end >= f->text ? (size_t)(end - f->text) : 0;
		diag_at(f, true, off, NULL, "not valid JSON");
		return false;
	}
	if (!cJSON_IsObject(f->root)) {
		diag_at(f, true, 0, NULL, "the top level must be an object { ... }");
		return false;
	}
	return true;
}

void json_file_free(struct json_file *f)
{
	cJSON_Delete(f->root);
	json_index_free(&f->ix);
	free(f->text);
	memset(f, 0, sizeof(*f));
}
