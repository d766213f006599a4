/* escape.c - safe output of untrusted strings (see escape.h). */
#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "escape.h"

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

/* Escaping by table: what each ASCII byte becomes (NULL: itself; never
 * NULL for the NUL that ends the string, which stops the copy loop) and
 * what a byte that is not valid UTF-8 becomes; valid multi-byte characters
 * pass as they are. JSON, HTML and XML differ only in their tables, so one
 * loop (escape_some) decides every escape they write. */
struct escape_table {
	const char *ascii[128];
	const char *invalid;
};

/* Callers size their room by ESCAPE_PIECE_MAX; the longest piece a table
 * below writes is "&#xFFFD;". */
static_assert(ESCAPE_PIECE_MAX >= sizeof("&#xFFFD;") - 1, "a piece must fit");

/* "<" and ">" escaped too, so JSON pasted into HTML stays inert. */
static const struct escape_table json_table = {
	.ascii = {
		"\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
		"\\u0008", "\\t", "\\n", "\\u000b", "\\u000c", "\\r", "\\u000e", "\\u000f",
		"\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
		"\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
		['"'] = "\\\"", ['\\'] = "\\\\", ['<'] = "\\u003c", ['>'] = "\\u003e",
		[0x7f] = "\\u007f",
	},
	.invalid = "\\ufffd",
};

#define HTML_BAD "&#xFFFD;"
#define XML_BAD "\xef\xbf\xbd"  /* XML 1.0 cannot hold these even escaped */
/* Control characters but tab, newline and carriage return, as bad. */
#define MARKUP_TABLE(bad) { \
	.ascii = { \
		bad, bad, bad, bad, bad, bad, bad, bad, bad, NULL, NULL, bad, bad, NULL, bad, bad, \
		bad, bad, bad, bad, bad, bad, bad, bad, bad, bad, bad, bad, bad, bad, bad, bad, \
		['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", \
		['\''] = "&#39;", [0x7f] = bad, \
	}, \
	.invalid = HTML_BAD, \
}
static const struct escape_table html_table = MARKUP_TABLE(HTML_BAD);
static const struct escape_table xml_table = MARKUP_TABLE(XML_BAD);

/* Writes what the character at *sp becomes and steps over it; false,
 * with nothing written, when that does not fit in out[*o..room). */
static bool put_escape(char *out, size_t room, size_t *o, const unsigned char **sp,
		       const struct escape_table *t)
{
	const unsigned char *s = *sp;
	size_t n = *s < 0x80 ? 1 : utf8_sequence(s);
	const char *piece = n == 0 ? t->invalid : n == 1 ? t->ascii[*s] : (const char *)s;
	size_t len = n > 1 ? n : strlen(piece);

	if (len > room - *o)
		return false;
	memcpy(out + *o, piece, len);
	*o += len;
	*sp = s + (n ? n : 1);
	return true;
}

/* Escapes from *sp into out[0..room), advancing *sp past what it took;
 * stops at the string's end or at a piece that does not fit. Runs of
 * plain ASCII are copied in the inner loop with no call per character:
 * per-flow output escapes every name of every flow through here. */
static size_t escape_some(char *out, size_t room, const char **sp,
			  const struct escape_table *t)
{
	const unsigned char *s = (const unsigned char *)*sp;
	size_t o = 0;

	for (;;) {
		while (o < room && *s < 0x80 && !t->ascii[*s])
			out[o++] = (char)*s++;
		if (!*s || o == room || !put_escape(out, room, &o, &s, t))
			break;
	}
	*sp = (const char *)s;
	return o;
}

size_t json_escape_some(char *out, size_t room, const char **s)
{
	return escape_some(out, room, s, &json_table);
}

/* Only invalid bytes change ("" for the NUL: it ends the string). */
static const struct escape_table utf8_table = {
	.ascii = { [0] = "" },
	.invalid = "\xef\xbf\xbd",
};

size_t utf8_clean(char *out, size_t outlen, const char *in)
{
	const char *s = in ? in : "";

	if (!outlen)
		return 0;
	/* Room for the terminator; a character that does not fit whole is
	 * left out with all after it. */
	size_t o = escape_some(out, outlen - 1, &s, &utf8_table);
	out[o] = '\0';
	return o;
}

/* Writes s escaped by t, a buffer at a time. */
static void put_escaped(FILE *f, const char *str, const struct escape_table *t)
{
	char buf[512];
	const char *s = str ? str : "";

	while (*s) {
		size_t n = escape_some(buf, sizeof(buf), &s, t);
		fwrite(buf, 1, n, f);
	}
}

void json_put_string(FILE *f, const char *s)
{
	fputc('"', f);
	put_escaped(f, s, &json_table);
	fputc('"', f);
}

size_t text_safe(char *out, size_t outlen, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t o = 0;

	if (outlen == 0)
		return 0;
	while (*s) {
		size_t n = utf8_sequence(s);
		char tmp[5];
		const char *piece;
		size_t plen;
		if (n == 1 && *s >= 0x20 && *s != 0x7f) {
			tmp[0] = (char)*s;
			piece = tmp;
			plen = 1;
		} else if (n > 1) {
			/* C1 controls (U+0080..U+009F) act on terminals too. */
			if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0) {
				snprintf(tmp, sizeof(tmp), "\\x%02x", s[0]);
				piece = tmp;
				plen = 4;
				n = 1;
			} else {
				piece = (const char *)s;
				plen = n;
			}
		} else {
			snprintf(tmp, sizeof(tmp), "\\x%02x", *s);
			piece = tmp;
			plen = 4;
			n = 1;
		}
		if (o + plen >= outlen)
			break;
		memcpy(out + o, piece, plen);
		o += plen;
		s += n;
	}
	out[o] = '\0';
	return o;
}

void text_put_safe(FILE *f, const char *s)
{
	char buf[1024];
	const char *p = s ? s : "";

	/* Long strings are written in pieces cut at character boundaries. */
	while (*p) {
		char piece[256];
		size_t take = strlen(p);
		if (take > sizeof(piece) - 1) {
			take = sizeof(piece) - 1;
			while (take > 0 && ((unsigned char)p[take] & 0xc0) == 0x80)
				take--;
			if (take == 0)
				take = 1;
		}
		memcpy(piece, p, take);
		piece[take] = '\0';
		text_safe(buf, sizeof(buf), piece);
		fputs(buf, f);
		p += take;
	}
}

void html_put_escaped(FILE *f, const char *s)
{
	put_escaped(f, s, &html_table);
}

void xml_put_escaped(FILE *f, const char *s)
{
	put_escaped(f, s, &xml_table);
}

void csv_put_field(FILE *f, const char *str)
{
	char clean[2048];
	const char *s = clean;

	utf8_clean(clean, sizeof(clean), str);
	/* A spreadsheet runs a cell that starts with = + - @ as a formula; a
	 * name from a packet must stay text (OWASP's CSV injection advice). */
	bool formula = strchr("=+-@\t\r", clean[0]) && clean[0];
	if (!formula && !strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}
