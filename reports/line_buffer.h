/* line_buffer.h - building output records without printf.
 *
 * Per-flow output runs once for every flow of a capture, hundreds of
 * thousands of times: formatting each field through stdio's printf costs
 * more than tracking the flow did. Records are assembled here with plain
 * copies and hand-made number formatting, then written with one fwrite.
 * Strings go in JSON-escaped by the escaper json_put_string uses.
 */
#ifndef FLOWAUDIT_LINE_BUFFER_H
#define FLOWAUDIT_LINE_BUFFER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define LINE_BUFFER_SIZE 16384

struct line_buffer {
	FILE *f;
	size_t n;
	char buf[LINE_BUFFER_SIZE];
};

void lb_begin(struct line_buffer *b, FILE *f);
/* Writes what is buffered. */
void lb_flush(struct line_buffer *b);
/* lb_bytes when the bytes do not fit (the rare way). */
void lb_bytes_slow(struct line_buffer *b, const char *s, size_t n);

/* Inline, so that a record's many keys (literals of known length) become
 * a few moves each rather than two calls: a tenth of `flows --no-dpi`
 * went to writing records. */
static inline void lb_bytes(struct line_buffer *b, const char *s, size_t n)
{
	if (b->n + n > sizeof(b->buf)) {
		lb_bytes_slow(b, s, n);
		return;
	}
	memcpy(b->buf + b->n, s, n);
	b->n += n;
}

static inline void lb_str(struct line_buffer *b, const char *s)
{
	lb_bytes(b, s, strlen(s));
}

static inline void lb_char(struct line_buffer *b, char c)
{
	if (b->n == sizeof(b->buf))
		lb_flush(b);
	b->buf[b->n++] = c;
}

void lb_u64(struct line_buffer *b, uint64_t v);
/* "seconds.micro" with six digits, from microseconds. */
void lb_seconds(struct line_buffer *b, uint64_t us);
/* A JSON string literal, quotes included (see json_put_string). */
void lb_json_string(struct line_buffer *b, const char *s);
/* The same for a string the caller knows needs no escape (written by this
 * program from a fixed alphabet): copied between quotes, not scanned. */
void lb_json_plain(struct line_buffer *b, const char *s);

#endif
