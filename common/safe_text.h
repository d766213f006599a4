/* safe_text.h - the one filter between untrusted text and a screen.
 *
 * Names from packets, strings from matrix and site files, file names and
 * arguments quoted in messages can all hold characters a terminal acts on
 * (ESC sequences that clear the screen or set the window title, CR that
 * overwrites the line, C1 controls) or characters that change how text
 * reads without showing themselves (a right-to-left override makes
 * "abc<RLO>lmth.exe" read "abcexe.html"; zero-width spaces and
 * byte-order marks hide inside a name). Whatever a terminal or a text
 * report shows goes through text_safe or a function here, which write
 * such characters visibly:
 *
 *   \xNN        a byte that is not valid UTF-8; a C0 control (tab, CR and
 *               newline too) or DEL
 *   \uNNNN      a hidden character (text_char_hidden) in the BMP
 *   \UNNNNNNNN  a hidden character beyond it
 *
 * Printable ASCII and every other valid UTF-8 character pass unchanged,
 * so names in any script read as they are. A backslash is not escaped:
 * "\x1b" on the screen may have been those four characters, but nothing
 * on the screen acts or hides. The other output languages (JSON, HTML,
 * XML, CSV; reports/escape.h) escape the same hidden characters. */
#ifndef FLOWAUDIT_COMMON_SAFE_TEXT_H
#define FLOWAUDIT_COMMON_SAFE_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid (an
 * overlong form, a surrogate, past U+10FFFF, or cut short). */
size_t utf8_sequence(const unsigned char *s);
/* The code point of the valid sequence of n bytes at s. */
uint32_t utf8_code_point(const unsigned char *s, size_t n);
/* The offset of the first byte of s[0..len) that is not valid UTF-8, or
 * len when all are. */
size_t utf8_invalid_at(const char *s, size_t len);

/* Whether a valid character above ASCII is hidden: shown escaped rather
 * than as itself. C1 controls (U+0080-U+009F), bidirectional controls
 * (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069), line and
 * paragraph separators (U+2028-U+2029), and invisible format characters:
 * Unicode's default-ignorable code points (U+00AD soft hyphen, U+200B-U+200D
 * zero-width space and joiners, U+2060-U+206F, U+FEFF, fillers, tags
 * U+E0000-U+E007F...), and U+FFF9-U+FFFB (interlinear annotation, which
 * can hide text). Variation selectors (U+FE00-U+FE0F, U+E0100-U+E01EF,
 * Mongolian U+180B-U+180D and U+180F) pass: they only pick the glyph of
 * the character before them. */
bool text_char_hidden(uint32_t cp);

/* The longest escape of one character: "\U000e0041". */
#define TEXT_PIECE_MAX 10

/* How the character at s (not its end) shows: its escape into out,
 * terminated, returning the escape's length; or 0 when it shows as
 * itself. *step is set to the bytes the character takes (1 for an
 * invalid byte). */
size_t text_char_escape(const unsigned char *s, char out[TEXT_PIECE_MAX + 1],
			size_t *step);

/* s made safe into out[0..outlen), always terminated; a piece that does
 * not fit whole is left out, with all after it. Returns the length. */
size_t text_safe(char *out, size_t outlen, const char *s);

/* s made safe onto f, however long (NULL is the empty string). */
void text_put_safe(FILE *f, const char *s);

/* A message formatted, then made safe as a whole onto f: for one-line
 * messages quoting file names, arguments or file content. No newline is
 * added: the caller ends the line. */
void text_vprintf_safe(FILE *f, const char *fmt, va_list ap);
void text_printf_safe(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
