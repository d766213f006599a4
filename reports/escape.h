/* escape.h - writing untrusted strings (names from packets, user files)
 * safely into each output language. Every renderer goes through these. */
#ifndef FLOWAUDIT_ESCAPE_H
#define FLOWAUDIT_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t utf8_sequence(const unsigned char *s);

/* A JSON string literal with quotes: control characters escaped, invalid
 * UTF-8 replaced by U+FFFD so the output is always valid JSON. */
void json_put_string(FILE *f, const char *s);

/* The longest piece one character is escaped to, in any language here. */
#define ESCAPE_PIECE_MAX 8

/* The JSON escaping of *s, without quotes, into out[0..room): advances *s
 * past what it took and returns the bytes written, stopping at the end of
 * the string or when the next piece does not fit (room of at least
 * ESCAPE_PIECE_MAX always takes one). json_put_string writes through it;
 * the line buffer escapes straight into its own buffer with it. */
size_t json_escape_some(char *out, size_t room, const char **s);

/* Copies in to out replacing each invalid UTF-8 byte with U+FFFD, so a
 * string from a packet can go into any UTF-8 format. Always terminated. */
size_t utf8_clean(char *out, size_t outlen, const char *in);

/* Text for a terminal or a log: printable ASCII and valid UTF-8 pass,
 * control characters (ESC included) and invalid bytes become \xNN. */
void text_put_safe(FILE *f, const char *s);
/* Same, into a buffer (always terminated). Returns the length written. */
size_t text_safe(char *out, size_t outlen, const char *s);

/* HTML text or attribute content: & < > " ' escaped, as text_put_safe. */
void html_put_escaped(FILE *f, const char *s);

/* XML 1.0 text or attribute content: characters XML cannot hold replaced. */
void xml_put_escaped(FILE *f, const char *s);

/* An RFC 4180 CSV field: quoted when it holds a comma, quote or newline. */
void csv_put_field(FILE *f, const char *s);

#endif
