/* json_file.c - reading matrix and site files safely, and saying where a
 * problem is: FILE:LINE:COLUMN, the message, a hint. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
 * the output. */
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
	if (offset == JSON_NOWHERE || !f->text) {
		fprintf(out, "%s: ", f->path);
	} else {
		struct json_where w = json_where_at(f->text, offset);
		fprintf(out, "%s:%u:%u: ", f->path, w.line, w.col);
	}
	fputs(error ? "error: " : "warning: ", out);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	if (hint)
		fprintf(out, "  hint: %s\n", hint);
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

static bool read_whole(struct json_file *f)
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
	size_t want = regular ? (size_t)st.st_size : MAX_FILE_BYTES;
	f->text = malloc(want + 2);
	if (!f->text) {
		fclose(in);
		diag_at(f, true, JSON_NOWHERE, NULL, "out of memory");
		return false;
	}
	f->len = fread(f->text, 1, want + 1, in);
	bool bad = ferror(in);
	fclose(in);
	if (bad) {
		diag_at(f, true, JSON_NOWHERE, NULL, "cannot read: %s", strerror(errno));
		return false;
	}
	if (f->len > want) {  /* grew while being read, or a pipe */
		diag_at(f, true, JSON_NOWHERE, NULL, "is more than %u bytes",
			MAX_FILE_BYTES);
		return false;
	}
	f->text[f->len] = '\0';
	return true;
}

bool json_file_load(struct json_file *f, const char *path, struct diag *d)
{
	struct json_error err;

	memset(f, 0, sizeof(*f));
	f->path = path;
	f->d = d;
	if (!read_whole(f))
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

/* ---- small parsers shared by matrix and site ---- */

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

const char *nearest_name(const char *word, const char *const *list, unsigned n)
{
	const char *best = NULL;
	unsigned best_d = 99;

	for (unsigned i = 0; i < n; i++) {
		unsigned d = edit_distance(word, list[i]);
		if (d < best_d) {
			best_d = d;
			best = list[i];
		}
	}
	/* Close enough to be a typo: a third of the word. */
	return best && best_d <= 1 + strlen(word) / 3 ? best : NULL;
}

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
