/* escape.h - writing untrusted strings (names from packets, user files)
 * safely into each output language. Every renderer goes through these. */
#ifndef FLOWAUDIT_ESCAPE_H
#define FLOWAUDIT_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"
/* utf8_sequence, and the terminal's filter: text_safe, text_put_safe. */
#include "common/safe_text.h"

/* A JSON string literal with quotes: control characters and the hidden
 * characters of text_char_hidden escaped (\u202e: lossless, and a JSON
 * file shown on a terminal stays inert), invalid UTF-8 replaced by
 * U+FFFD so the output is always valid JSON. */
void json_put_string(FILE *f, const char *s);

/* JSON text (cJSON's output) onto f with each hidden character as a \u
 * escape: they can only stand inside its strings, where the escape means
 * the same character. */
void json_put_text(FILE *f, const char *json);

/* The longest piece one character is escaped to, in any language here:
 * a hidden character beyond the BMP in JSON, "\udb40\udc41". */
#define ESCAPE_PIECE_MAX 12

/* The JSON escaping of *s, without quotes, into out[0..room): advances *s
 * past what it took and returns the bytes written, stopping at the end of
 * the string or when the next piece does not fit (room of at least
 * ESCAPE_PIECE_MAX always takes one). json_put_string writes through it;
 * the line buffer escapes straight into its own buffer with it. */
size_t json_escape_some(char *out, size_t room, const char **s);

/* Copies in to out replacing each invalid UTF-8 byte with U+FFFD, so a
 * string from a packet can go into any UTF-8 format. Always terminated. */
size_t utf8_clean(char *out, size_t outlen, const char *in);

/* HTML text or attribute content: & < > " ' escaped; control characters
 * and invalid bytes replaced by U+FFFD; hidden characters written as the
 * terminal shows them (\u202e), since a character reference (&#x202E;)
 * would still reorder the page. */
void html_put_escaped(FILE *f, const char *s);

/* XML 1.0 text or attribute content: characters XML cannot hold replaced,
 * hidden characters as in HTML. */
void xml_put_escaped(FILE *f, const char *s);

/* An RFC 4180 CSV field, made safe as on a terminal first (text_safe: a
 * spreadsheet shows a cell to a person, and a CSV file is often shown on
 * a terminal): controls, line ends included, and invalid bytes as \xNN,
 * hidden characters as \u202e. Quoted when it holds a comma or a quote;
 * a field starting with = + - @ (a spreadsheet formula) is quoted with a
 * ' before it. */
void csv_put_field(FILE *f, const char *s);

/* Markdown text inside a line (a table cell, a list item; never a line's
 * start): unprintable and hidden characters escaped as on a terminal (the
 * escape's backslash doubled so it shows), and each character that could
 * start markup backslash-escaped (CommonMark lets any ASCII punctuation
 * be): code, emphasis, links and images, HTML and entities, a cell's end,
 * strikethrough, and GitHub's and GitLab's autolinks (scheme://, www.,
 * e-mail). What a matrix, a site or a capture says stays text. */
void md_put_escaped(FILE *f, const char *s);
/* A name or a path as a code span when it holds only plain characters
 * (letters, digits and _ . - $ / , space); else as md_put_escaped text (a
 * backtick would end the span, and escapes do not work inside one). */
void md_put_code(FILE *f, const char *s);

#endif
