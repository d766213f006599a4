/* test_escape.c - untrusted names reach every output language inert. */
#include <stdlib.h>
#include <string.h>

#include "reports/escape.h"
#include "reports/line_buffer.h"
#include "tap.h"

static char *capture(void (*fn)(FILE *, const char *), const char *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fn(f, in);
	fclose(f);
	return buf;
}

static void check(void (*fn)(FILE *, const char *), const char *in,
		  const char *want, const char *name)
{
	char *got = capture(fn, in);
	is_str(got, want, name);
	free(got);
}

/* The printf-free writer per-flow output uses must write every string
 * exactly as json_put_string does: random bytes, hostile ones included. */
static void test_line_buffer_matches(void)
{
	unsigned seed = 12345, mismatches = 0;
	char in[64];

	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(rand_r(&seed) % 40);
		for (size_t i = 0; i < n; i++) {
			int pick = rand_r(&seed) % 4;
			in[i] = (char)(pick == 0 ? 0x80 + rand_r(&seed) % 0x80 :
				       pick == 1 ? 1 + rand_r(&seed) % 0x20 :
				       "ab<>\"\\\x7f z\xc3\xa9"[rand_r(&seed) % 12]);
			if (!in[i])
				in[i] = 'x';
		}
		in[n] = '\0';
		char *want = NULL, *got = NULL;
		size_t wlen = 0, glen = 0;
		FILE *w = open_memstream(&want, &wlen), *g = open_memstream(&got, &glen);
		struct line_buffer lb;
		json_put_string(w, in);
		lb_begin(&lb, g);
		lb_json_string(&lb, in);
		lb_flush(&lb);
		fclose(w);
		fclose(g);
		mismatches += wlen != glen || memcmp(want, got, wlen) != 0;
		free(want);
		free(got);
	}
	ok(mismatches == 0, "the line buffer escapes 20000 random strings as "
	   "json_put_string does (%u differ)", mismatches);

	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct line_buffer lb;
	lb_begin(&lb, f);
	lb_u64(&lb, 0);
	lb_char(&lb, ' ');
	lb_u64(&lb, UINT64_MAX);
	lb_char(&lb, ' ');
	lb_seconds(&lb, 1700000000000042ull);
	lb_flush(&lb);
	fclose(f);
	is_str(out, "0 18446744073709551615 1700000000.000042", "numbers and seconds");
	free(out);
}

int main(void)
{
	check(json_put_string, "<script>alert(\"x\")</script>",
	      "\"\\u003cscript\\u003ealert(\\\"x\\\")\\u003c/script\\u003e\"",
	      "JSON: markup and quotes escaped");
	check(json_put_string, "a\x1b[31mb", "\"a\\u001b[31mb\"", "JSON: ESC escaped");
	check(json_put_string, "caf\xc3\xa9", "\"caf\xc3\xa9\"", "JSON: valid UTF-8 kept");
	check(json_put_string, "bad\xc3\x28", "\"bad\\ufffd(\"", "JSON: invalid UTF-8 replaced");
	check(json_put_string, "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"",
	      "JSON: UTF-16 surrogate bytes replaced");
	check(text_put_safe, "evil\x1b[2J\x07name", "evil\\x1b[2J\\x07name",
	      "terminal: ESC and BEL neutralised");
	check(text_put_safe, "x\xc2\x9by", "x\\xc2\\x9by", "terminal: C1 control neutralised");
	check(text_put_safe, "\xff\xfe", "\\xff\\xfe", "terminal: invalid bytes shown as hex");
	check(html_put_escaped, "<script>alert(1)</script>",
	      "&lt;script&gt;alert(1)&lt;/script&gt;", "HTML: script tag is text");
	check(html_put_escaped, "\"'&", "&quot;&#39;&amp;", "HTML: quotes and ampersand");
	check(xml_put_escaped, "a\x01<b", "a\xef\xbf\xbd&lt;b",
	      "XML: a character XML 1.0 cannot hold is replaced");
	check(csv_put_field, "plain", "plain", "CSV: plain field unquoted");
	check(csv_put_field, "a,\"b\"\nc", "\"a,\"\"b\"\"\nc\"", "CSV: RFC 4180 quoting");
	check(csv_put_field, "=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"",
	      "CSV: a formula from a packet stays text");
	check(csv_put_field, "a\xff", "a\xef\xbf\xbd", "CSV: invalid UTF-8 replaced");

	char buf[8];
	text_safe(buf, sizeof(buf), "\x1b\x1b\x1b");
	is_str(buf, "\\x1b", "a short buffer cuts between escapes, terminated");
	test_line_buffer_matches();
	return done_testing();
}
