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

/* "00" to "99": numbers are written two digits a step, halving the
 * divisions of a record's dozen numbers. */
static const char digit_pairs[] =
	"00010203040506070809101112131415161718192021222324"
	"25262728293031323334353637383940414243444546474849"
	"50515253545556575859606162636465666768697071727374"
	"75767778798081828384858687888990919293949596979899";

/* v's decimal digits, ending just before end; returns their start. */
static char *digits_before(char *end, uint64_t v)
{
	while (v >= 100) {
		end -= 2;
		memcpy(end, digit_pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, digit_pairs + 2 * v, 2);
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

void lb_u64(struct line_buffer *b, uint64_t v)
{
	char text[20];
	char *end = text + sizeof(text), *start = digits_before(end, v);

	lb_bytes(b, start, (size_t)(end - start));
}

void lb_seconds(struct line_buffer *b, uint64_t us)
{
	char text[28];  /* 20 digits, the point and 6 more */
	char *end = text + sizeof(text), *p = end;
	uint64_t micro = us % 1000000;

	for (int i = 0; i < 3; i++, micro /= 100) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * (micro % 100), 2);
	}
	*--p = '.';
	p = digits_before(p, us / 1000000);
	lb_bytes(b, p, (size_t)(end - p));
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
