/* safe_text.c - the terminal filter (see safe_text.h). */
#include <stdlib.h>
#include <string.h>

#include "safe_text.h"

size_t utf8_sequence(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t min, cp;

	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		n = 2; min = 0x80; cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3; min = 0x800; cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4; min = 0x10000; cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

uint32_t utf8_code_point(const unsigned char *s, size_t n)
{
	static const unsigned char lead_mask[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t cp = s[0] & lead_mask[n];

	for (size_t i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

size_t utf8_invalid_at(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_sequence(s + i);
		/* A sequence running past len is cut short, however it goes on. */
		if (n == 0 || n > len - i)
			return i;
		i += n;
	}
	return len;
}

/* Hidden characters above ASCII, ascending (safe_text.h says which and
 * why). From Unicode 15's Default_Ignorable_Code_Point less the
 * variation selectors, with C1 controls, U+2028/U+2029 and U+FFF9-U+FFFB. */
static const struct { uint32_t lo, hi; } hidden[] = {
	{ 0x0080, 0x009f },	/* C1 controls: CSI (U+009B) acts as ESC [ */
	{ 0x00ad, 0x00ad },	/* soft hyphen */
	{ 0x034f, 0x034f },	/* combining grapheme joiner */
	{ 0x061c, 0x061c },	/* Arabic letter mark (bidi) */
	{ 0x115f, 0x1160 },	/* Hangul fillers */
	{ 0x17b4, 0x17b5 },	/* Khmer inherent vowels */
	{ 0x180e, 0x180e },	/* Mongolian vowel separator */
	{ 0x200b, 0x200f },	/* zero-width space, joiners, LRM, RLM */
	{ 0x2028, 0x202e },	/* line and paragraph separators, bidi embeddings and overrides */
	{ 0x2060, 0x206f },	/* word joiner, invisible operators, bidi isolates, deprecated */
	{ 0x3164, 0x3164 },	/* Hangul filler */
	{ 0xfeff, 0xfeff },	/* byte-order mark, zero-width no-break space */
	{ 0xffa0, 0xffa0 },	/* halfwidth Hangul filler */
	{ 0xfff0, 0xfffb },	/* unassigned ignorables, interlinear annotation */
	{ 0x1bca0, 0x1bca3 },	/* shorthand format controls */
	{ 0x1d173, 0x1d17a },	/* musical format controls */
	{ 0xe0000, 0xe00ff },	/* tags: invisible copies of ASCII */
	{ 0xe01f0, 0xe0fff },	/* ignorable, unassigned */
};

bool text_char_hidden(uint32_t cp)
{
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]) && cp >= hidden[i].lo; i++)
		if (cp <= hidden[i].hi)
			return true;
	return false;
}

size_t text_char_escape(const unsigned char *s, char out[TEXT_PIECE_MAX + 1], size_t *step)
{
	size_t n = utf8_sequence(s);

	*step = n ? n : 1;
	if (n == 0 || (n == 1 && (*s < 0x20 || *s == 0x7f)))
		return (size_t)snprintf(out, TEXT_PIECE_MAX + 1, "\\x%02x", *s);
	if (n == 1)
		return 0;
	uint32_t cp = utf8_code_point(s, n);
	if (!text_char_hidden(cp))
		return 0;
	return (size_t)snprintf(out, TEXT_PIECE_MAX + 1, cp > 0xffff ? "\\U%08x" : "\\u%04x",
				(unsigned)cp);
}

/* Makes safe from *sp into out[0..room), advancing *sp past what it
 * took; stops at the end of the string or at a piece that does not fit.
 * Runs of printable ASCII are copied without a call per character. */
static size_t safe_some(char *out, size_t room, const char **sp)
{
	const unsigned char *s = (const unsigned char *)*sp;
	size_t o = 0;

	while (*s) {
		while (o < room && *s >= 0x20 && *s < 0x7f)
			out[o++] = (char)*s++;
		if (!*s || o == room)
			break;
		char esc[TEXT_PIECE_MAX + 1];
		size_t step, len = text_char_escape(s, esc, &step);
		const char *piece = len ? esc : (const char *)s;
		if (!len)
			len = step;
		if (len > room - o)
			break;
		memcpy(out + o, piece, len);
		o += len;
		s += step;
	}
	*sp = (const char *)s;
	return o;
}

size_t text_safe(char *out, size_t outlen, const char *str)
{
	const char *s = str ? str : "";

	if (outlen == 0)
		return 0;
	size_t o = safe_some(out, outlen - 1, &s);
	out[o] = '\0';
	return o;
}

void text_put_safe(FILE *f, const char *str)
{
	char buf[512];
	const char *s = str ? str : "";

	while (*s)
		fwrite(buf, 1, safe_some(buf, sizeof(buf), &s), f);
}

void text_vprintf_safe(FILE *f, const char *fmt, va_list ap)
{
	char small[1024], *text = small;
	va_list again;

	va_copy(again, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	/* A longer message is formatted again, whole: cutting it could
	 * drop the very name it is about. */
	if (n >= (int)sizeof(small)) {
		text = malloc((size_t)n + 1);
		if (text)
			vsnprintf(text, (size_t)n + 1, fmt, again);
		else
			text = small;
	}
	va_end(again);
	if (n > 0)
		text_put_safe(f, text);
	if (text != small)
		free(text);
}

void text_printf_safe(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_vprintf_safe(f, fmt, ap);
	va_end(ap);
}
