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

void lb_bytes(struct line_buffer *b, const char *s, size_t n)
{
	if (b->n + n > sizeof(b->buf)) {
		lb_flush(b);
		if (n > sizeof(b->buf)) {
			fwrite(s, 1, n, b->f);
			return;
		}
	}
	memcpy(b->buf + b->n, s, n);
	b->n += n;
}

void lb_str(struct line_buffer *b, const char *s)
{
	lb_bytes(b, s, strlen(s));
}

void lb_char(struct line_buffer *b, char c)
{
	if (b->n == sizeof(b->buf))
		lb_flush(b);
	b->buf[b->n++] = c;
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

void lb_json_string(struct line_buffer *b, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	lb_char(b, '"');
	while (*s) {
		/* The common case: a run of plain printable ASCII. */
		const unsigned char *run = s;
		while (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\' && *s != '<' && *s != '>')
			s++;
		if (s > run)
			lb_bytes(b, (const char *)run, (size_t)(s - run));
		if (!*s)
			break;
		size_t n = utf8_sequence(s);
		if (n == 0) {
			lb_bytes(b, "\\ufffd", 6);
			s++;
		} else if (n > 1) {
			lb_bytes(b, (const char *)s, n);
			s += n;
		} else {
			unsigned char c = *s++;
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			switch (c) {
			case '"': lb_bytes(b, "\\\"", 2); break;
			case '\\': lb_bytes(b, "\\\\", 2); break;
			case '\n': lb_bytes(b, "\\n", 2); break;
			case '\r': lb_bytes(b, "\\r", 2); break;
			case '\t': lb_bytes(b, "\\t", 2); break;
			default: lb_bytes(b, esc, 6); break;
			}
		}
	}
	lb_char(b, '"');
}
