/* line_buffer.c - see line_buffer.h. */
#include <string.h>

#include "escape.h"
#include "line_buffer.h"

void lb_begin(struct line_buffer *b, FILE *f)
{
	b->f = f;
	b->n = 0;
}

void lb_flush(struct line_buffer *b)
{
	if (b->n)
		fwrite(b->buf, 1, b->n, b->f);
	b->n = 0;
}

void lb_bytes_slow(struct line_buffer *b, const char *s, size_t n)
{
	lb_flush(b);
	if (n > sizeof(b->buf)) {
		fwrite(s, 1, n, b->f);
		return;
	}
	memcpy(b->buf, s, n);
	b->n = n;
}

void lb_u64(struct line_buffer *b, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do {
		digits[sizeof(digits) - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	lb_bytes(b, digits + sizeof(digits) - n, n);
}

void lb_seconds(struct line_buffer *b, uint64_t us)
{
	char frac[7];
	uint64_t f = us % 1000000;

	lb_u64(b, us / 1000000);
	frac[0] = '.';
	for (int i = 6; i >= 1; i--, f /= 10)
		frac[i] = (char)('0' + f % 10);
	lb_bytes(b, frac, 7);
}

/* Escapes straight into the buffer, with no copy in between: a name is
 * usually one call of the escaper. Flushes only when the buffer has too
 * little room left for the longest escape. */
void lb_json_string(struct line_buffer *b, const char *str)
{
	const char *s = str ? str : "";

	lb_char(b, '"');
	while (*s) {
		if (sizeof(b->buf) - b->n < ESCAPE_PIECE_MAX)
			lb_flush(b);
		b->n += json_escape_some(b->buf + b->n, sizeof(b->buf) - b->n, &s);
	}
	lb_char(b, '"');
}

void lb_json_plain(struct line_buffer *b, const char *s)
{
	size_t n = strlen(s);

	if (b->n + n + 2 > sizeof(b->buf)) {
		lb_char(b, '"');
		lb_bytes(b, s, n);
		lb_char(b, '"');
		return;
	}
	b->buf[b->n] = '"';
	memcpy(b->buf + b->n + 1, s, n);
	b->buf[b->n + 1 + n] = '"';
	b->n += n + 2;
}
