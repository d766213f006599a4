/* test_escape.c - untrusted names reach every output language inert. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "capture/flow_record.h"
#include "classify/dns_parse.h"
#include "classify/flow_class.h"
#include "common/addr.h"
#include "common/array.h"
#include "common/ip_proto.h"
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

/* ---- references: the escapers as they were written, one character at
 * a time with a switch per language, before JSON, HTML and XML shared one
 * table-driven loop. The shared loop must write every string exactly as
 * these do. */

/* What one ASCII byte becomes, into buf when it is not a constant. */
typedef const char *ref_ascii_fn(unsigned char c, char buf[8]);

static const char *ref_json_ascii(unsigned char c, char buf[8])
{
	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	}
	if (c < 0x20 || c == 0x7f || c == '<' || c == '>')
		snprintf(buf, 8, "\\u%04x", c);
	else
		snprintf(buf, 8, "%c", c);
	return buf;
}

static const char *ref_markup_ascii(unsigned char c, char buf[8], const char *bad)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	}
	if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
		return bad;
	snprintf(buf, 8, "%c", c);
	return buf;
}

static const char *ref_same_ascii(unsigned char c, char buf[8])
{
	snprintf(buf, 8, "%c", c);
	return buf;
}

static const char *ref_html_ascii(unsigned char c, char buf[8])
{
	return ref_markup_ascii(c, buf, "&#xFFFD;");
}

static const char *ref_xml_ascii(unsigned char c, char buf[8])
{
	return ref_markup_ascii(c, buf, "\xef\xbf\xbd");  /* XML 1.0 cannot hold it */
}

/* How a hidden character (text_char_hidden) is written, into buf; NULL:
 * as it is. */
typedef const char *ref_hidden_fn(uint32_t cp, char buf[16]);

static const char *ref_json_hidden(uint32_t cp, char buf[16])
{
	if (cp < 0x10000)
		snprintf(buf, 16, "\\u%04x", (unsigned)cp);
	else  /* UTF-16: the high ten bits of cp - 0x10000, then the low ten */
		snprintf(buf, 16, "\\u%04x\\u%04x", (unsigned)(0xd7c0 + (cp >> 10)),
			 (unsigned)(0xdc00 | (cp & 0x3ff)));
	return buf;
}

static const char *ref_shown_hidden(uint32_t cp, char buf[16])
{
	snprintf(buf, 16, cp < 0x10000 ? "\\u%04x" : "\\U%08x", (unsigned)cp);
	return buf;
}

static const char *ref_kept_hidden(uint32_t cp, char buf[16])
{
	(void)cp;
	(void)buf;
	return NULL;
}

/* Valid multi-byte characters as they are, hidden ones as `hidden` says,
 * each invalid byte as invalid. */
static void ref_escape(FILE *f, const char *str, ref_ascii_fn *ascii, const char *invalid,
		       ref_hidden_fn *hidden)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	char buf[16];

	while (*s) {
		size_t n = utf8_sequence(s);
		uint32_t cp = n > 1 ? utf8_code_point(s, n) : 0;
		const char *h = n > 1 && text_char_hidden(cp) ? hidden(cp, buf) : NULL;
		if (n == 0)
			fputs(invalid, f);
		else if (h)
			fputs(h, f);
		else if (n > 1)
			fwrite(s, 1, n, f);
		else
			fputs(ascii(*s, buf), f);
		s += n ? n : 1;
	}
}

static void ref_json(FILE *f, const char *s)
{
	fputc('"', f);
	ref_escape(f, s, ref_json_ascii, "\\ufffd", ref_json_hidden);
	fputc('"', f);
}

static void ref_html(FILE *f, const char *s)
{
	ref_escape(f, s, ref_html_ascii, "&#xFFFD;", ref_shown_hidden);
}

static void ref_xml(FILE *f, const char *s)
{
	ref_escape(f, s, ref_xml_ascii, "&#xFFFD;", ref_shown_hidden);
}

/* Random hostile text: invalid and truncated UTF-8, overlong forms,
 * encoded surrogates, control characters, every character the escapers
 * treat specially, valid 2-, 3- and 4-byte characters, hidden ones (C1,
 * U+2028, bidi overrides, U+FEFF, a tag) and ones next to them. */
static size_t random_text(char *out, size_t cap, unsigned *seed)
{
	static const char *const pieces[] = {
		"a", "b", "z", " ", "<", ">", "&", "\"", "'", "\\", "/", "\x7f",
		"\t", "\n", "\r", "\x01", "\x1b", "\x1f", "caf\xc3\xa9", "\xe6\x97\xa5",
		"\xf0\x9f\x98\x80", "\xe2\x80\xa8", "\xe2\x80\xa9", "\xc2\x9b",
		"\xed\xa0\x80", "\xc0\xaf", "\xe0\x80\xaf", "\xf4\x90\x80\x80",
		"\xc3", "\xe6\x97", "\xf0\x9f\x98", "\xff", "\xfe", "\x80", "\xbf",
		"\xe2\x80\xae", "\xe2\x81\xa6", "\xef\xbb\xbf", "\xf3\xa0\x81\x81",
		"\xc2\x80", "\xc2\x9f", "\xc2\xa0", "\xef\xb8\x8f", "\xe2\x80\x8a",
	};
	size_t o = 0, want = (size_t)rand_r(seed) % (rand_r(seed) % 8 ? 40 : cap);

	while (o < want) {
		const char *p = rand_r(seed) % 4 ? pieces[rand_r(seed) % ARRAY_SIZE(pieces)] : NULL;
		char one[2] = { (char)(1 + rand_r(seed) % 255), 0 };
		size_t n = strlen(p ? p : one);
		if (o + n >= cap)
			break;
		memcpy(out + o, p ? p : one, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

/* The bytes fn writes for in. */
static char *bytes_of(void (*fn)(FILE *, const char *), const char *in, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	fn(f, in);
	fclose(f);
	return buf;
}

static bool same_bytes(void (*fn)(FILE *, const char *),
		       void (*ref)(FILE *, const char *), const char *in)
{
	size_t glen, wlen;
	char *got = bytes_of(fn, in, &glen), *want = bytes_of(ref, in, &wlen);
	bool same = glen == wlen && memcmp(got, want, glen) == 0;
	free(got);
	free(want);
	return same;
}

/* lb_json_string with the buffer already `fill` bytes full, so escapes
 * meet its end and flush at every position; the filler is cut off. */
static char *lb_bytes_of(const char *in, size_t fill, size_t *len)
{
	static struct line_buffer lb;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	lb_begin(&lb, f);
	memset(lb.buf, '.', fill);
	lb.n = fill;
	lb_json_string(&lb, in);
	lb_flush(&lb);
	fclose(f);
	memmove(buf, buf + fill, *len - fill + 1);
	*len -= fill;
	return buf;
}

/* json_escape_some in pieces of `room` bytes: the pieces joined, quoted;
 * NULL when a call writes past room or makes no progress with room for
 * the longest piece. */
static char *chunked_json(const char *in, size_t room, size_t *len)
{
	char *buf = NULL, chunk[64];
	FILE *f = open_memstream(&buf, len);
	const char *s = in;
	bool bad = false;

	fputc('"', f);
	while (*s && !bad) {
		const char *before = s;
		memset(chunk, '#', sizeof(chunk));
		size_t n = json_escape_some(chunk, room, &s);
		bad = n > room || chunk[room] != '#' || (s == before && room >= ESCAPE_PIECE_MAX);
		fwrite(chunk, 1, n, f);
	}
	fputc('"', f);
	fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Every JSON string is escaped by one loop; its three ways out (stdio, the
 * line buffer, chunks into a caller's buffer) must write exactly what the
 * one-character-at-a-time reference writes, on hostile random text. */
static void test_random_against_reference(void)
{
	unsigned seed = 12345, json = 0, lbuf = 0, chunks = 0, html = 0, xml = 0;
	static char in[40000];
	const int rounds = 20000;

	for (int round = 0; round < rounds; round++) {
		random_text(in, round % 100 ? 200 : sizeof(in), &seed);
		size_t wlen, glen;
		char *want = bytes_of(ref_json, in, &wlen);
		json += !same_bytes(json_put_string, ref_json, in);
		size_t fill = LINE_BUFFER_SIZE - (size_t)rand_r(&seed) % 64;
		char *got = lb_bytes_of(in, rand_r(&seed) % 2 ? fill : 0, &glen);
		lbuf += glen != wlen || memcmp(got, want, wlen) != 0;
		free(got);
		got = chunked_json(in, ESCAPE_PIECE_MAX + (size_t)rand_r(&seed) % 40, &glen);
		chunks += !got || glen != wlen || memcmp(got, want, wlen) != 0;
		free(got);
		free(want);
		html += !same_bytes(html_put_escaped, ref_html, in);
		xml += !same_bytes(xml_put_escaped, ref_xml, in);
	}
	ok(json == 0, "json_put_string writes %d random strings as the reference "
	   "(%u differ)", rounds, json);
	ok(lbuf == 0, "lb_json_string writes them byte for byte the same, at any "
	   "fill of its buffer (%u differ)", lbuf);
	ok(chunks == 0, "json_escape_some in small pieces joins to the same, never "
	   "past its room (%u differ)", chunks);
	ok(html == 0, "html_put_escaped writes them as the reference (%u differ)", html);
	ok(xml == 0, "xml_put_escaped writes them as the reference (%u differ)", xml);
}

/* utf8_clean at every buffer size: the whole cleaned text when it fits,
 * else the longest start of it that ends on a whole character, always
 * terminated; the cleaned text is the input with each invalid byte U+FFFD. */
static bool clean_ok(const char *in, const char *full, size_t full_len)
{
	char out[256];

	for (size_t size = 1; size <= full_len + 1 && size <= sizeof(out); size++) {
		size_t n = utf8_clean(out, size, in);
		size_t next = n < full_len ? utf8_sequence((const unsigned char *)full + n) : 0;
		if (n >= size || out[n] || memcmp(out, full, n) != 0 ||
		    (n < full_len && n + next < size))
			return false;
	}
	return true;
}

static void test_utf8_clean(void)
{
	unsigned seed = 777, bad = 0;
	char in[200], full[800];

	for (int round = 0; round < 5000; round++) {
		random_text(in, sizeof(in), &seed);
		char *want = NULL;
		size_t wlen = 0;
		FILE *f = open_memstream(&want, &wlen);
		ref_escape(f, in, ref_same_ascii, "\xef\xbf\xbd", ref_kept_hidden);
		fclose(f);
		size_t n = utf8_clean(full, sizeof(full), in);
		bad += n != wlen || memcmp(full, want, wlen) != 0 || !clean_ok(in, full, n);
		free(want);
	}
	ok(bad == 0, "utf8_clean replaces exactly the invalid bytes and cuts on a "
	   "whole character at every size (%u differ)", bad);
}

/* A piece never splits: too little room takes nothing, and says so. */
static void test_escape_some_room(void)
{
	char out[16];
	const char *s = "\x01z";

	is_int(json_escape_some(out, 5, &s), 0, "\\u0001 does not fit in 5 bytes");
	ok(*s == '\x01', "and the string is not advanced");
	is_int(json_escape_some(out, 6, &s), 6, "it fits in 6");
	s = "\xf0\x9f\x98\x80!";
	is_int(json_escape_some(out, 3, &s), 0, "a 4-byte character is not split");
	is_int(json_escape_some(out, 4, &s), 4, "and goes whole when it fits");
	is_str(s, "!", "the string is advanced past it");
}

/* The line buffer's own writers. */
static void test_line_buffer_numbers(void)
{
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

/* Every digit count, and each side of each power of ten, against printf:
 * the writers go two digits a step, so odd and even lengths differ. */
static void test_line_buffer_numbers_by_printf(void)
{
	char *out = NULL, want[64];
	size_t len = 0;
	unsigned bad = 0, checked = 0;

	for (int digits = 1; digits <= 20; digits++) {
		uint64_t power = 1;
		for (int i = 1; i < digits; i++)
			power *= 10;
		uint64_t values[] = { power - 1, power, power + 1, power * 3 + 7,
				      digits == 20 ? UINT64_MAX : power * 10 - 1 };
		for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
			FILE *f = open_memstream(&out, &len);
			struct line_buffer lb;
			uint64_t v = values[i];
			lb_begin(&lb, f);
			lb_u64(&lb, v);
			lb_char(&lb, ' ');
			lb_seconds(&lb, v);
			lb_flush(&lb);
			fclose(f);
			snprintf(want, sizeof(want), "%llu %llu.%06llu", (unsigned long long)v,
				 (unsigned long long)(v / 1000000),
				 (unsigned long long)(v % 1000000));
			bad += strcmp(out, want) != 0;
			checked++;
			free(out);
			out = NULL;
		}
	}
	ok(bad == 0 && checked == 100, "numbers and seconds of 1 to 20 digits match printf "
	   "(%u of %u differ)", bad, checked);
}

/* Bytes past the buffer's end: pieces that overflow it part-way and one
 * larger than the whole buffer come out whole and in order. */
static void test_line_buffer_overflow(void)
{
	static char big[LINE_BUFFER_SIZE + 100], want[3 * LINE_BUFFER_SIZE];
	char *out = NULL;
	size_t len = 0, nwant = 0;
	FILE *f = open_memstream(&out, &len);
	struct line_buffer lb;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	lb_begin(&lb, f);
	for (int i = 0; i < 1000; i++) {
		lb_bytes(&lb, "0123456789", 10);
		memcpy(want + nwant, "0123456789", 10);
		nwant += 10;
	}
	lb_bytes(&lb, big, sizeof(big));
	memcpy(want + nwant, big, sizeof(big));
	nwant += sizeof(big);
	lb_str(&lb, "end");
	memcpy(want + nwant, "end", 3);
	nwant += 3;
	lb_flush(&lb);
	fclose(f);
	ok(len == nwant && memcmp(out, want, nwant) == 0,
	   "%zu bytes through a %d-byte line buffer, in order (got %zu)",
	   nwant, LINE_BUFFER_SIZE, len);
	free(out);
}

/* ---- values flow_output writes without the escaper (lb_json_plain) ---- */

/* Whether the escaper would leave s exactly as it is. */
static bool needs_no_escape(const char *s)
{
	char out[4096];
	const char *p = s;
	size_t n = json_escape_some(out, sizeof(out), &p);
	return *p == '\0' && n == strlen(s) && memcmp(out, s, n) == 0;
}

static void check_plain_values(void)
{
	static const char uid_alphabet[] =
		"C0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	static const char base64_alphabet[] =
		"1:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
	/* Zeek's history letters, flowaudit's ^, and the tunnel names. */
	static const char history_alphabet[] =
		"^ShHaAdDfFrRcCtTwWiIqQgGlLbBxXeEjJpPyYnNuUzZmMoOkKvVsS";
	static const char *const fixed[] = {
		"S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0",
		"RSTRH", "SH", "SHR", "OTH", "gre", "erspan2", "erspan3", "vxlan",
		"geneve", "ipip", "gtp", "unknown_transport",
		/* address_scope's names */
		"broadcast", "unspecified", "private", "shared", "loopback",
		"link-local", "reserved", "documentation", "benchmarking",
		"multicast", "translated", "discard",
	};
	bool all = needs_no_escape(uid_alphabet) && needs_no_escape(base64_alphabet) &&
		   needs_no_escape(history_alphabet);
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		all = all && needs_no_escape(fixed[i]);
	for (unsigned p = 0; p < 256; p++)
		all = all && needs_no_escape(ip_proto_name((uint8_t)p, "unknown_transport"));
	for (int e = FLOW_END_IDLE; e <= FLOW_END_INPUT; e++)
		all = all && needs_no_escape(flow_end_reason_name((enum flow_end_reason)e));
	for (int v = FLOW_SEEN_BOTH; v <= FLOW_SEEN_RESP_ONLY; v++)
		all = all && needs_no_escape(flow_seen_name((enum flow_seen)v));
	for (int n = NAME_NONE; n <= NAME_DNS; n++)
		all = all && needs_no_escape(name_source_text((enum name_source)n));
	for (int c = APP_CONFIDENCE_NONE; c <= APP_CONFIDENCE_CONFIDENT; c++)
		all = all && needs_no_escape(app_confidence_text((enum app_confidence)c));
	for (int r = -1; r < 4096; r++)
		all = all && needs_no_escape(dns_rcode_name(r));
	ok(all, "JSON lines: every generated name and alphabet needs no escape");

	struct ip_addr a;
	char text[IP_TEXT_LEN];
	bool addrs = true;
	for (unsigned i = 0; i < 256; i++) {
		memset(a.b, (int)i, sizeof(a.b));
		a.b[10] = a.b[11] = 0xff;  /* every fourth one IPv4-mapped */
		if (i % 4 == 0)
			memset(a.b, 0, 10);
		format_ip(text, 4, &a);
		addrs = addrs && needs_no_escape(text);
		format_ip(text, 6, &a);
		addrs = addrs && needs_no_escape(text);
	}
	ok(addrs, "JSON lines: IPv4 and IPv6 address text needs no escape");

	/* format_ip writes IPv6 by hand: as inet_ntop does, for addresses
	 * whose groups are zero, 0xffff or random in every pattern. */
	char want[INET6_ADDRSTRLEN];
	unsigned differ = 0;
	uint32_t r = 12345;
	for (unsigned pattern = 0; pattern < 6561; pattern++) {  /* 3^8 */
		unsigned p = pattern;
		for (int g = 0; g < 8; g++, p /= 3) {
			r = r * 1103515245u + 12345u;
			uint16_t v = p % 3 == 0 ? 0 : p % 3 == 1 ? 0xffff : (uint16_t)(r >> 8);
			if (p % 3 == 2 && (r & 0x300) == 0)
				v &= 0x00ff;  /* short groups too */
			a.b[2 * g] = (uint8_t)(v >> 8);
			a.b[2 * g + 1] = (uint8_t)v;
		}
		for (int last = 0; last < 3; last++) {
			if (last == 1)
				a.b[15] = 1;  /* ::1 and friends */
			if (last == 2)
				memcpy(a.b + 12, "\x0a\x00\x00\x01", 4);
			format_ip(text, 6, &a);
			inet_ntop(AF_INET6, a.b, want, sizeof(want));
			differ += strcmp(text, want) != 0;
		}
	}
	is_int(differ, 0, "IPv6 text is inet_ntop's for every zero/0xffff/other pattern");
	ok(!needs_no_escape("a<b") && !needs_no_escape("a\"b"),
	   "and the check itself sees an escape");
}

/* json_put_text copies ASCII eight bytes at a time: a non-ASCII piece at
 * every offset around those steps, and two pieces close together, each as
 * the table writes it (valid UTF-8 kept, a hidden character escaped, an
 * invalid byte U+FFFD), the ASCII around them as it is. */
static void test_json_text_around_words(void)
{
	static const struct { const char *in, *out; } piece[] = {
		{ "\xc3\xa9", "\xc3\xa9" },
		{ "\xe2\x80\xae", "\\u202e" },
		{ "\xff", "\xef\xbf\xbd" },
	};
	unsigned bad = 0, cases = 0;

	for (size_t pre = 0; pre < 40; pre++) {
		for (size_t k = 0; k < 3; k++) {
			for (size_t post = 0; post < 20; post += 3) {
				char in[160] = "", want[160] = "";
				size_t i = 0;
				for (; i < pre; i++)
					in[i] = want[i] = (char)('a' + i % 26);
				strcat(in, piece[k].in);
				strcat(want, piece[k].out);
				for (size_t j = 0; j < post; j++) {
					strcat(in, j == post / 2 ? piece[(k + 1) % 3].in : "z");
					strcat(want, j == post / 2 ? piece[(k + 1) % 3].out : "z");
				}
				size_t len;
				char *got = bytes_of(json_put_text, in, &len);
				bad += len != strlen(want) || memcmp(got, want, len) != 0;
				cases++;
				free(got);
			}
		}
	}
	ok(bad == 0, "JSON text: non-ASCII at every offset of the 8-byte copy "
	   "(%u of %u differ)", bad, cases);
}

int main(void)
{
	test_json_text_around_words();
	check_plain_values();
	test_line_buffer_overflow();
	check(json_put_string, "<script>alert(\"x\")</script>",
	      "\"\\u003cscript\\u003ealert(\\\"x\\\")\\u003c/script\\u003e\"",
	      "JSON: markup and quotes escaped");
	check(json_put_string, "a\x1b[31mb", "\"a\\u001b[31mb\"", "JSON: ESC escaped");
	check(json_put_string, "caf\xc3\xa9", "\"caf\xc3\xa9\"", "JSON: valid UTF-8 kept");
	check(json_put_string, "bad\xc3\x28", "\"bad\\ufffd(\"", "JSON: invalid UTF-8 replaced");
	check(json_put_string, "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"",
	      "JSON: UTF-16 surrogate bytes replaced");
	check(json_put_string, "\x7f\t\r\n\\/", "\"\\u007f\\t\\r\\n\\\\/\"",
	      "JSON: DEL, the short escapes and a backslash; '/' as it is");
	/* Valid in JSON text, but they break lines or hide on a screen. */
	check(json_put_string, "a\xe2\x80\xa8" "b\xe2\x80\xa9", "\"a\\u2028b\\u2029\"",
	      "JSON: U+2028 and U+2029 escaped");
	check(json_put_string, "abc\xe2\x80\xaelmth.exe\xe2\x80\xac.evil",
	      "\"abc\\u202elmth.exe\\u202c.evil\"", "JSON: bidi override escaped");
	check(json_put_string, "\xc2\x9b\xef\xbb\xbf\xf3\xa0\x81\x81",
	      "\"\\u009b\\ufeff\\udb40\\udc41\"",
	      "JSON: C1, BOM and a tag (a surrogate pair) escaped");
	check(json_put_text, "{\"a\":\"x\xe2\x80\xaey\\n\xc3\xa9\"}",
	      "{\"a\":\"x\\u202ey\\n\xc3\xa9\"}",
	      "JSON text: hidden characters escaped, the rest as it is");
	check(json_put_string, NULL, "\"\"", "JSON: NULL is the empty string");
	check(text_put_safe, "evil\x1b[2J\x07name", "evil\\x1b[2J\\x07name",
	      "terminal: ESC and BEL neutralised");
	check(md_put_escaped, "x|y*_[a](b)<i>&amp;`c`~~", "x\\|y\\*\\_\\[a\\](b)\\<i\\>\\&amp;\\`c\\`\\~\\~",
	      "Markdown: cell end, emphasis, link, HTML, entity, code, strike escaped");
	check(md_put_escaped, "see www.evil.example, http://x and a@b.c",
	      "see www\\.evil.example, http\\://x and a\\@b.c",
	      "Markdown: no autolink (www., scheme://, e-mail)");
	check(md_put_escaped, "a\x1b[2Jb", "a\\\\x1b\\[2Jb",
	      "Markdown: ESC shown as an escape whose backslash shows");
	check(md_put_code, "/tmp/_build/site.json", "`/tmp/_build/site.json`",
	      "Markdown: a plain path is a code span, _ as written");
	check(md_put_code, "a`b", "a\\`b", "Markdown: a backtick is escaped text, not a span");
	check(text_put_safe, "x\xc2\x9by", "x\\u009by", "terminal: C1 control neutralised");
	check(text_put_safe, "\xff\xfe", "\\xff\\xfe", "terminal: invalid bytes shown as hex");
	check(html_put_escaped, "<script>alert(1)</script>",
	      "&lt;script&gt;alert(1)&lt;/script&gt;", "HTML: script tag is text");
	check(html_put_escaped, "\"'&", "&quot;&#39;&amp;", "HTML: quotes and ampersand");
	check(xml_put_escaped, "a\x01<b", "a\xef\xbf\xbd&lt;b",
	      "XML: a character XML 1.0 cannot hold is replaced");
	check(html_put_escaped, "\t\n\r\x01\x7f\xff", "\t\n\r&#xFFFD;&#xFFFD;&#xFFFD;",
	      "HTML: tab and line ends kept, controls and invalid bytes replaced");
	check(xml_put_escaped, "\x7f\xff&'", "\xef\xbf\xbd&#xFFFD;&amp;&#39;",
	      "XML: DEL replaced by U+FFFD itself, an invalid byte by its reference");
	check(csv_put_field, "plain", "plain", "CSV: plain field unquoted");
	check(csv_put_field, "a,\"b\"c", "\"a,\"\"b\"\"c\"", "CSV: RFC 4180 quoting");
	check(csv_put_field, "a\r\nb\x1b[2J", "a\\x0d\\x0ab\\x1b[2J",
	      "CSV: line ends and ESC shown as on a terminal");
	check(csv_put_field, "abc\xe2\x80\xaelmth.exe", "abc\\u202elmth.exe",
	      "CSV: bidi override shown as on a terminal");
	check(csv_put_field, "\t=1+1", "\\x09=1+1", "CSV: a tab cannot lead a formula in");
	check(csv_put_field, "@SUM(A1)", "\"'@SUM(A1)\"", "CSV: @ leads a formula");
	check(csv_put_field, "-2+3,x", "\"'-2+3,x\"", "CSV: - leads a formula, quoted once");
	check(csv_put_field, "=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"",
	      "CSV: a formula from a packet stays text");
	check(csv_put_field, "a\xff", "a\\xff", "CSV: invalid UTF-8 shown as hex");
	check(html_put_escaped, "a\xe2\x80\xae" "b\xc2\x85", "a\\u202eb\\u0085",
	      "HTML: bidi override and C1 shown, not as references the browser obeys");
	check(xml_put_escaped, "\xe2\x81\xa6<\xf3\xa0\x81\x81", "\\u2066&lt;\\U000e0041",
	      "XML: bidi isolate and a tag shown");

	char buf[8];
	text_safe(buf, sizeof(buf), "\x1b\x1b\x1b");
	is_str(buf, "\\x1b", "a short buffer cuts between escapes, terminated");
	test_random_against_reference();
	test_escape_some_room();
	test_utf8_clean();
	test_line_buffer_numbers();
	test_line_buffer_numbers_by_printf();
	return done_testing();
}
