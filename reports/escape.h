/* escape.h - writing untrusted strings (names from packets, user files)
 * safely into each output language. Every renderer goes through these. */
#ifndef FLOWAUDIT_ESCAPE_H
#define FLOWAUDIT_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/packet.h"

/* A JSON string literal with quotes: control characters escaped, invalid
 * UTF-8 replaced by U+FFFD so the output is always valid JSON. */
void json_put_string(FILE *f, const char *s);

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

#define IP_TEXT_LEN 46
void format_ip(char out[IP_TEXT_LEN], uint8_t version, const struct ip_addr *a);

/* "2023-11-14T22:13:20.123456Z" */
#define TS_TEXT_LEN 32
void format_ts_iso(char out[TS_TEXT_LEN], uint64_t us);

#endif
