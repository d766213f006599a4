/* escape.c - safe output of untrusted strings (see escape.h). */
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

size_t utf8_clean(char *out, size_t outlen, const char *in)
{
	const unsigned char *s = (const unsigned char *)(in ? in : "");
	size_t o = 0;

	if (!outlen)
		return 0;
	while (*s) {
		size_t n = utf8_sequence(s);
		const char *piece = (const char *)s;
		size_t plen = n;
		if (n == 0) {
			piece = "\xef\xbf\xbd";
			plen = 3;
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

void json_put_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	fputc('"', f);
	while (*s) {
		size_t n = utf8_sequence(s);
		if (n == 0) {
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		if (n > 1) {
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		unsigned char c = *s++;
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			/* "<" escaped too, so JSON pasted into HTML stays inert. */
			if (c < 0x20 || c == 0x7f || c == '<' || c == '>')
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
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

static void markup_put(FILE *f, const char *str, int xml)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	while (*s) {
		size_t n = utf8_sequence(s);
		if (n == 0) {
			fputs("&#xFFFD;", f);
			s++;
			continue;
		}
		if (n > 1) {
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		unsigned char c = *s++;
		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if (c == '\t' || c == '\n' || c == '\r')
				fputc(c, f);
			else if (c < 0x20 || c == 0x7f)
				/* XML 1.0 cannot hold these even escaped. */
				fputs(xml ? "\xef\xbf\xbd" : "&#xFFFD;", f);
			else
				fputc(c, f);
		}
	}
}

void html_put_escaped(FILE *f, const char *s)
{
	markup_put(f, s, 0);
}

void xml_put_escaped(FILE *f, const char *s)
{
	markup_put(f, s, 1);
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
