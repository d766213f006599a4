/* test_safe_text.c - the terminal filter (common/safe_text.h): nothing a
 * terminal acts on and nothing that reorders or hides text gets through;
 * text in any script does, unchanged. */
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/safe_text.h"
#include "tap.h"

static char out[4096];

static const char *safe(const char *in)
{
	text_safe(out, sizeof(out), in);
	return out;
}

/* UTF-8 of one code point into buf (terminated). */
static const char *utf8(uint32_t cp, char buf[5])
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		buf[1] = 0;
	} else if (cp < 0x800) {
		buf[0] = (char)(0xc0 | cp >> 6);
		buf[1] = (char)(0x80 | (cp & 0x3f));
		buf[2] = 0;
	} else if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | cp >> 12);
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		buf[3] = 0;
	} else {
		buf[0] = (char)(0xf0 | cp >> 18);
		buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[3] = (char)(0x80 | (cp & 0x3f));
		buf[4] = 0;
	}
	return buf;
}

/* Each C0 control and DEL as \xNN, whatever surrounds it. */
static void test_c0_and_del(void)
{
	unsigned bad = 0;
	char in[4] = "a?b", want[16];

	for (unsigned c = 1; c < 0x20; c++) {
		in[1] = (char)c;
		snprintf(want, sizeof(want), "a\\x%02xb", c);
		bad += strcmp(safe(in), want) != 0;
	}
	ok(bad == 0, "each C0 control is \\xNN (%u wrong)", bad);
	is_str(safe("tab\there"), "tab\\x09here", "tab is escaped");
	is_str(safe("line\nbreak"), "line\\x0abreak", "newline is escaped");
	is_str(safe("ok\rEVIL"), "ok\\x0dEVIL", "CR cannot overwrite the line");
	is_str(safe("del\x7f"), "del\\x7f", "DEL is escaped");
}

static void test_escape_sequences(void)
{
	is_str(safe("\x1b[2Jclear"), "\\x1b[2Jclear", "ESC [2J (clear screen) is inert");
	is_str(safe("\x1b]0;pwned\x07title"), "\\x1b]0;pwned\\x07title",
	       "OSC window title, BEL-terminated, is inert");
	is_str(safe("\x1b]8;;http://x\x1b\\link"), "\\x1b]8;;http://x\\x1b\\link",
	       "OSC hyperlink, ST-terminated, is inert");
	is_str(safe("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m", "colours are inert");
}

/* C1 controls: as lone bytes (not UTF-8: \xNN) and as UTF-8 characters
 * U+0080-U+009F (\u0080), which some terminals obey like ESC-sequences. */
static void test_c1(void)
{
	unsigned raw = 0, encoded = 0;
	char in[8], want[16], buf[5];

	for (unsigned c = 0x80; c < 0xa0; c++) {
		snprintf(in, sizeof(in), "a%cb", (char)c);
		snprintf(want, sizeof(want), "a\\x%02xb", c);
		raw += strcmp(safe(in), want) != 0;
		snprintf(in, sizeof(in), "a%sb", utf8(c, buf));
		snprintf(want, sizeof(want), "a\\u%04xb", c);
		encoded += strcmp(safe(in), want) != 0;
	}
	ok(raw == 0, "each C1 control as a raw byte is \\xNN (%u wrong)", raw);
	ok(encoded == 0, "each C1 control as UTF-8 is \\u0080..\\u009f (%u wrong)", encoded);
	is_str(safe("\xc2\x9b" "2J"), "\\u009b2J", "CSI (U+009B) cannot clear the screen");
	is_str(safe("\xc2\xa0nbsp"), "\xc2\xa0nbsp", "U+00A0, just past C1, passes");
}

/* Every bidi control and invisible format character the issue names,
 * and the ones safe_text.h adds, listed here on their own. */
static const uint32_t hidden_chars[] = {
	0x202a, 0x202b, 0x202c, 0x202d, 0x202e,		/* embeddings, overrides */
	0x2066, 0x2067, 0x2068, 0x2069,			/* isolates */
	0x200b, 0x200c, 0x200d, 0x200e, 0x200f,		/* zero-width, LRM, RLM */
	0xfeff,						/* BOM, ZWNBSP */
	0x061c, 0x2028, 0x2029, 0x00ad,			/* ALM, separators, soft hyphen */
	0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x206a, 0x206f, /* joiners, deprecated */
	0x034f, 0x115f, 0x1160, 0x17b4, 0x17b5, 0x180e, 0x3164, 0xffa0,
	0xfff9, 0xfffa, 0xfffb,				/* interlinear annotation */
	0x1bca0, 0x1bca3, 0x1d173, 0x1d17a,
	0xe0001, 0xe0020, 0xe0041, 0xe007f,		/* tags */
};

/* Characters beside them that must pass: visible, or only choosing a
 * glyph (variation selectors). */
static const uint32_t shown_chars[] = {
	0x00a0, 0x00ac, 0x00ae, 0x034e, 0x0350, 0x061b, 0x061d, 0x180d, 0x180f,
	0x200a, 0x2010, 0x2027, 0x202f, 0x205f, 0x2070, 0x3000, 0x3165, 0xfe00,
	0xfe0f, 0xfefe, 0xfff8 + 8, 0xfffd, 0x1f600, 0xe0100, 0xe01ef, 0x10ffff,
};

static void test_hidden(void)
{
	unsigned bad = 0, passed = 0;
	char in[16], want[32], buf[5];

	for (size_t i = 0; i < ARRAY_SIZE(hidden_chars); i++) {
		uint32_t cp = hidden_chars[i];
		snprintf(in, sizeof(in), "a%sb", utf8(cp, buf));
		snprintf(want, sizeof(want), cp > 0xffff ? "a\\U%08xb" : "a\\u%04xb", (unsigned)cp);
		if (strcmp(safe(in), want) != 0) {
			bad++;
			printf("# U+%04X shown as \"%s\"\n", (unsigned)cp, out);
		}
	}
	ok(bad == 0, "each of %zu bidi and invisible characters is \\uNNNN or "
	   "\\UNNNNNNNN (%u wrong)", ARRAY_SIZE(hidden_chars), bad);
	for (size_t i = 0; i < ARRAY_SIZE(shown_chars); i++) {
		snprintf(in, sizeof(in), "a%sb", utf8(shown_chars[i], buf));
		if (strcmp(safe(in), in) == 0)
			passed++;
		else
			printf("# U+%04X shown as \"%s\"\n", (unsigned)shown_chars[i], out);
	}
	ok(passed == ARRAY_SIZE(shown_chars), "visible neighbours and variation "
	   "selectors pass (%zu of %zu)", (size_t)passed, ARRAY_SIZE(shown_chars));
	is_str(safe("abc\xe2\x80\xaelmth.exe\xe2\x80\xac.evil"),
	       "abc\\u202elmth.exe\\u202c.evil",
	       "a right-to-left override cannot spoof a file name");
}

static void test_invalid(void)
{
	is_str(safe("\xff\xfe"), "\\xff\\xfe", "bytes never in UTF-8");
	is_str(safe("bad\xc3\x28"), "bad\\xc3(", "a lead byte without its continuation");
	is_str(safe("\xc0\xaf"), "\\xc0\\xaf", "an overlong '/'");
	is_str(safe("\xe0\x80\xaf"), "\\xe0\\x80\\xaf", "an overlong 3-byte form");
	is_str(safe("\xed\xa0\x80"), "\\xed\\xa0\\x80", "an encoded surrogate");
	is_str(safe("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80", "past U+10FFFF");
	is_str(safe("cut\xe2\x80"), "cut\\xe2\\x80", "a character cut at the end");
	is_str(safe("\x80x"), "\\x80x", "a lone continuation byte");
}

static void test_multilingual(void)
{
	static const char *const texts[] = {
		"Cabinet médical Saint-Étienne", "Praxis Müller & Söhne, Straße 5",
		"Κλινική Αθηνών", "Клиника «Здоровье»", "عيادة الشفاء", "מרפאת השרון",
		"北京协和医院", "東京クリニック（本院）", "서울 병원", "दिल्ली क्लिनिक",
		"คลินิกกรุงเทพ", "Ordination 🩺 Wien ✔️", "naïve café — “quoted” … ½ °C",
		"punctuation !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
	};
	unsigned bad = 0;

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
		if (strcmp(safe(texts[i]), texts[i]) != 0) {
			bad++;
			printf("# changed: %s\n", texts[i]);
		}
	ok(bad == 0, "text in %zu scripts passes unchanged (%u changed)",
	   ARRAY_SIZE(texts), bad);
	is_str(safe(NULL), "", "NULL is the empty string");
}

/* At every buffer size the output is the start of the whole, cut between
 * pieces (never inside an escape or a character), and terminated. */
static void test_cut(void)
{
	const char *in = "a\x1b\xe2\x80\xae\xc3\xa9\xf0\x9f\x98\x80\xff\xf3\xa0\x81\x81z";
	char whole[128], part[128];
	size_t n = text_safe(whole, sizeof(whole), in);
	/* Where a piece ends in the whole. */
	static const size_t ends[] = { 0, 1, 5, 11, 13, 17, 21, 31, 32 };
	unsigned bad = 0;

	for (size_t size = 1; size <= n + 1; size++) {
		size_t m = text_safe(part, size, in), want = 0;
		for (size_t i = 0; i < ARRAY_SIZE(ends) && ends[i] < size; i++)
			want = ends[i];
		bad += m != want || part[m] || memcmp(part, whole, m) != 0;
	}
	ok(n == 32 && bad == 0, "cut between whole pieces at every size (%u wrong)", bad);
	is_int(text_safe(part, 0, in), 0, "no room: nothing written");
}

static char *put_safe_bytes(const char *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	text_put_safe(f, in);
	fclose(f);
	return buf;
}

/* text_put_safe writes any length, in the pieces of its buffer, exactly
 * as text_safe writes it with room enough. */
static void test_put_long(void)
{
	static char in[3000], want[12000];
	size_t o = 0;

	while (o + 4 < sizeof(in)) {
		static const char *const p[] = { "x", "\x1b", "\xe2\x80\xae", "\xc3\xa9", "\xff" };
		const char *piece = p[(o * 7) % ARRAY_SIZE(p)];
		memcpy(in + o, piece, strlen(piece));
		o += strlen(piece);
	}
	in[o] = '\0';
	text_safe(want, sizeof(want), in);
	char *got = put_safe_bytes(in);
	ok(strcmp(got, want) == 0 && strlen(want) > 3000, "a long string is written whole");
	free(got);
}

static char *printf_bytes(const char *fmt, const char *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	text_printf_safe(f, fmt, arg);
	fclose(f);
	return buf;
}

static void test_printf(void)
{
	char *got = printf_bytes("cannot read %s: no such file", "evil\x1b]0;t\x07.json");
	is_str(got, "cannot read evil\\x1b]0;t\\x07.json: no such file",
	       "a message is made safe as a whole");
	free(got);
	char *long_arg = malloc(5001);
	memset(long_arg, 'n', 5000);
	long_arg[4998] = '\r';
	long_arg[5000] = '\0';
	got = printf_bytes("<%s>", long_arg);
	ok(strlen(got) == 5005 && got[0] == '<' && got[5004] == '>' &&
	   memcmp(got + 4999, "\\x0dn>", 6) == 0, "a long message is written whole");
	free(got);
	free(long_arg);
}

static void test_invalid_at(void)
{
	is_int(utf8_invalid_at("abc", 3), 3, "all valid: the length");
	is_int(utf8_invalid_at("ab\xffz", 4), 2, "the first invalid byte");
	is_int(utf8_invalid_at("\xc3\xa9\xe2\x80", 4), 2, "a character cut by the end");
	is_int(utf8_invalid_at("\xc3\xa9\xe2\x80\xae", 4), 2,
	       "a character running past len is cut");
	is_int(utf8_invalid_at("a\0b", 3), 3, "NUL is valid UTF-8 (JSON refuses it)");
}

int main(void)
{
	test_c0_and_del();
	test_escape_sequences();
	test_c1();
	test_hidden();
	test_invalid();
	test_multilingual();
	test_cut();
	test_put_long();
	test_printf();
	test_invalid_at();
	return done_testing();
}
