/* escape.c - safe output of untrusted strings (see escape.h). */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "escape.h"

/* How a table writes a hidden character (text_char_hidden). */
enum hidden_as {
	HIDDEN_KEPT,	/* as it is */
	HIDDEN_JSON,	/* \u202e, a surrogate pair beyond the BMP */
	HIDDEN_SHOWN,	/* as the terminal shows it: "\u202e" as text */
};

/* Escaping by table: what each ASCII byte becomes (NULL: itself; never
 * NULL for the NUL that ends the string, which stops the copy loop), what
 * a byte that is not valid UTF-8 becomes, and how a hidden character is
 * written; other valid multi-byte characters pass as they are. JSON, HTML
 * and XML differ only in their tables, so one loop (escape_some) decides
 * every escape they write. */
struct escape_table {
	const char *ascii[128];
	const char *invalid;
	enum hidden_as hidden;
};

/* Callers size their room by ESCAPE_PIECE_MAX; the longest pieces the
 * tables below write are a JSON surrogate pair and "&#xFFFD;". */
static_assert(ESCAPE_PIECE_MAX >= sizeof("\\udb40\\udc41") - 1, "a piece must fit");
static_assert(ESCAPE_PIECE_MAX >= TEXT_PIECE_MAX, "a piece must fit");

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
	.hidden = HIDDEN_JSON,
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
	.hidden = HIDDEN_SHOWN, \
}
static const struct escape_table html_table = MARKUP_TABLE(HTML_BAD);
static const struct escape_table xml_table = MARKUP_TABLE(XML_BAD);

/* The JSON escape of code point cp into out; returns its length. */
static size_t json_u_escape(uint32_t cp, char out[ESCAPE_PIECE_MAX + 1])
{
	if (cp <= 0xffff)
		return (size_t)snprintf(out, ESCAPE_PIECE_MAX + 1, "\\u%04x", (unsigned)cp);
	cp -= 0x10000;
	return (size_t)snprintf(out, ESCAPE_PIECE_MAX + 1, "\\u%04x\\u%04x",
				0xd800u + (unsigned)(cp >> 10), 0xdc00u + (unsigned)(cp & 0x3ff));
}

/* A valid multi-byte character of n bytes at s as table t writes it:
 * into tmp when it is escaped, else as itself. Sets *len. */
static const char *multibyte_piece(const unsigned char *s, size_t n,
				   const struct escape_table *t,
				   char tmp[ESCAPE_PIECE_MAX + 1], size_t *len)
{
	uint32_t cp = utf8_code_point(s, n);
	size_t step;

	*len = n;
	if (t->hidden == HIDDEN_KEPT || !text_char_hidden(cp))
		return (const char *)s;
	*len = t->hidden == HIDDEN_JSON ? json_u_escape(cp, tmp) : text_char_escape(s, tmp, &step);
	return tmp;
}

/* Writes what the character at *sp becomes and steps over it; false,
 * with nothing written, when that does not fit in out[*o..room). */
static bool put_escape(char *out, size_t room, size_t *o, const unsigned char **sp,
		       const struct escape_table *t)
{
	const unsigned char *s = *sp;
	size_t n = *s < 0x80 ? 1 : utf8_sequence(s);
	char tmp[ESCAPE_PIECE_MAX + 1];
	size_t len;
	const char *piece;

	if (n > 1) {
		piece = multibyte_piece(s, n, t, tmp, &len);
	} else {
		piece = n == 0 ? t->invalid : t->ascii[*s];
		len = strlen(piece);
	}
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
	.hidden = HIDDEN_KEPT,
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

/* How many bytes from s t leaves as they are: plain ASCII. */
static size_t plain_run(const char *str, const struct escape_table *t)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = 0;

	while (s[n] && s[n] < 0x80 && !t->ascii[s[n]])
		n++;
	return n;
}

/* Writes s escaped by t: runs that need nothing straight from s (a JSON
 * report is megabytes of them), the rest a buffer at a time. */
static void put_escaped(FILE *f, const char *str, const struct escape_table *t)
{
	char buf[512];
	const char *s = str ? str : "";

	while (*s) {
		size_t plain = plain_run(s, t);
		if (plain) {
			fwrite(s, 1, plain, f);
			s += plain;
			continue;
		}
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

/* Only hidden characters change: cJSON has escaped the rest. */
static const struct escape_table json_text_table = {
	.ascii = { [0] = "" },
	.invalid = "\xef\xbf\xbd",
	.hidden = HIDDEN_JSON,
};

/* How many of s's first len bytes are ASCII before the first that is not,
 * eight at a time: a JSON report is megabytes of ASCII, which the table
 * leaves as it is. */
static size_t ascii_run(const char *s, size_t len)
{
	size_t n = 0;

	for (; n + sizeof(uint64_t) <= len; n += sizeof(uint64_t)) {
		uint64_t w;
		memcpy(&w, s + n, sizeof(w));
		if (w & 0x8080808080808080ull)
			break;
	}
	while (n < len && !((unsigned char)s[n] & 0x80))
		n++;
	return n;
}

void json_put_text(FILE *f, const char *json)
{
	const char *s = json ? json : "";
	const char *end = s + strlen(s);

	while (s < end) {
		size_t plain = ascii_run(s, (size_t)(end - s));
		fwrite(s, 1, plain, f);
		s += plain;
		if (s == end)
			break;
		/* Not ASCII: a buffer's worth through the table. */
		char buf[512];
		size_t n = escape_some(buf, sizeof(buf), &s, &json_text_table);
		fwrite(buf, 1, n, f);
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

/* Whether a spreadsheet would take the cell for a formula. */
static bool csv_formula(const char *s)
{
	return s[0] && strchr("=+-@", s[0]);
}

void csv_put_field(FILE *f, const char *str)
{
	/* An escape is at most 4 bytes per byte it replaces ("\x1b"), and
	 * fields are names and sentences well under 2 KiB. */
	char clean[8192];
	const char *s = clean;

	text_safe(clean, sizeof(clean), str);
	/* A spreadsheet runs a cell that starts with = + - @ as a formula; a
	 * name from a packet must stay text (OWASP's CSV injection advice).
	 * Tab and CR, also on OWASP's list, cannot start it: text_safe has
	 * written them as \x09 and \x0d. */
	bool formula = csv_formula(clean);
	if (!formula && !strpbrk(s, ",\"")) {
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

/* Whether the ASCII character at p could start markup in a line (see
 * md_put_escaped). */
static bool md_special(const unsigned char *p, const unsigned char *start)
{
	if (strchr("\\`*_[]<>|~&@", *p))
		return true;
	if (*p == ':')
		return p[1] == '/' && p[2] == '/';
	if (*p == '.' && p - start >= 3)
		return strncasecmp((const char *)p - 3, "www", 3) == 0;
	return false;
}

void md_put_escaped(FILE *f, const char *s)
{
	const unsigned char *start = (const unsigned char *)(s ? s : ""), *p = start;
	char piece[TEXT_PIECE_MAX + 1];
	size_t step;

	while (*p) {
		size_t n = text_char_escape(p, piece, &step);
		if (n) {
			for (size_t i = 0; i < n; i++) {
				if (piece[i] == '\\')
					fputc('\\', f);
				fputc(piece[i], f);
			}
		} else {
			if (*p < 0x80 && md_special(p, start))
				fputc('\\', f);
			fwrite(p, 1, step, f);
		}
		p += step;
	}
}

void md_put_code(FILE *f, const char *s)
{
	if (s && *s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			      "0123456789_.-$/, ") == strlen(s))
		fprintf(f, "`%s`", s);
	else
		md_put_escaped(f, s);
}
