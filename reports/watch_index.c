/* watch_index.c - the report directory's index page (see watch_index.h). */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "common/timefmt.h"
#include "escape.h"
#include "watch_index.h"
#include "html_style.h"

#define esc html_put_escaped

/* html first: the report for people is the one a timeline cell opens. */
const char *const window_extensions[WINDOW_EXTENSIONS] = {
	"html", "json", "txt", "xml", "csv", "jsonl",
};

int window_extension_index(const char *ext)
{
	for (int i = 0; i < WINDOW_EXTENSIONS; i++)
		if (strcmp(ext, window_extensions[i]) == 0)
			return i;
	return -1;
}

/* ---- names ---- */

/* "YYYYMMDDTHHMMSSZ": digits where digits go, nothing else. */
static bool stamp_shaped(const char *s)
{
	for (int i = 0; i < WINDOW_STAMP_LEN - 1; i++) {
		char want = i == 8 ? 'T' : i == 15 ? 'Z' : '0';
		if (want == '0' ? !isdigit((unsigned char)s[i]) : s[i] != want)
			return false;
	}
	return true;
}

int window_report_name(const char *name, char stamp[WINDOW_STAMP_LEN])
{
	static const char prefix[] = "flowaudit-";
	const size_t plen = sizeof(prefix) - 1;

	if (strncmp(name, prefix, plen) != 0 || strlen(name) < plen + WINDOW_STAMP_LEN)
		return -1;
	const char *s = name + plen;
	if (!stamp_shaped(s) || s[WINDOW_STAMP_LEN - 1] != '.')
		return -1;
	int ext = window_extension_index(s + WINDOW_STAMP_LEN);
	if (ext >= 0) {
		memcpy(stamp, s, WINDOW_STAMP_LEN - 1);
		stamp[WINDOW_STAMP_LEN - 1] = '\0';
	}
	return ext;
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

bool window_stamp_time(const char *stamp, uint64_t *us)
{
	if (strlen(stamp) != WINDOW_STAMP_LEN - 1 || !stamp_shaped(stamp))
		return false;
	struct tm tm = {
		.tm_year = digits(stamp, 4) - 1900, .tm_mon = digits(stamp + 4, 2) - 1,
		.tm_mday = digits(stamp + 6, 2), .tm_hour = digits(stamp + 9, 2),
		.tm_min = digits(stamp + 11, 2), .tm_sec = digits(stamp + 13, 2),
	};
	time_t t = timegm(&tm);
	if (t < 0 || tm.tm_year < 70)
		return false;
	*us = (uint64_t)t * 1000000ull;
	return true;
}

void window_stamp(char out[WINDOW_STAMP_LEN], uint64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (strftime(out, WINDOW_STAMP_LEN, "%Y%m%dT%H%M%SZ", &tm) != WINDOW_STAMP_LEN - 1)
		snprintf(out, WINDOW_STAMP_LEN, "00000000T000000Z");
}

/* ---- reading a window's JSON report ---- */

static uint64_t number_us(const cJSON *n)
{
	return cJSON_IsNumber(n) && n->valuedouble > 0 ?
	       (uint64_t)llround(n->valuedouble * 1e6) : 0;
}

static uint64_t number(const cJSON *o, const char *key)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(n) && n->valuedouble > 0 ? (uint64_t)n->valuedouble : 0;
}

static const char *string(const cJSON *o, const char *key)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(s) ? s->valuestring : NULL;
}

/* The host a missing or blocked finding is about: the client when it was
 * seen (the audited host that should have made the flow), else the
 * server, else where the client was expected. */
static void finding_host(const cJSON *finding, char *out, size_t len)
{
	const cJSON *client = cJSON_GetObjectItemCaseSensitive(finding, "client");
	const cJSON *server = cJSON_GetObjectItemCaseSensitive(finding, "server");
	const char *ip = string(client, "ip");
	size_t o = 0;

	if (!ip)
		ip = string(server, "ip");
	if (ip) {
		snprintf(out, len, "%s", ip);
		return;
	}
	out[0] = '\0';
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(client, "expected")) {
		if (cJSON_IsString(e) && o + 2 < len)
			o += (size_t)snprintf(out + o, len - o, "%s%s", o ? ", " : "",
					      e->valuestring);
	}
	if (!out[0])
		snprintf(out, len, "?");
}

static void each_failing(const cJSON *report, watch_failing_fn *on_failing, void *ctx)
{
	const cJSON *finding;
	char host[STREAK_HOST_LEN];

	cJSON_ArrayForEach(finding, cJSON_GetObjectItemCaseSensitive(report, "findings")) {
		const char *kind = string(finding, "kind"), *rule = string(finding, "rule");
		if (!kind || !rule)
			continue;
		bool blocked = strcmp(kind, "blocked") == 0;
		if (!blocked && strcmp(kind, "missing") != 0)
			continue;
		finding_host(finding, host, sizeof(host));
		on_failing(ctx, rule, host, blocked);
	}
}

static bool verdict_from(const char *s, enum audit_verdict *v)
{
	if (!s)
		return false;
	if (strcmp(s, "pass") == 0)
		*v = VERDICT_PASS;
	else if (strcmp(s, "fail") == 0)
		*v = VERDICT_FAIL;
	else if (strcmp(s, "inconclusive") == 0)
		*v = VERDICT_INCONCLUSIVE;
	else
		return false;
	return true;
}

bool watch_report_read(const char *json, size_t len, struct watch_window *w,
		       watch_failing_fn *on_failing, void *ctx, char *err,
		       size_t errlen)
{
	cJSON *r = cJSON_ParseWithLength(json, len);
	bool ok = false;

	memset(w, 0, sizeof(*w));
	if (!r) {
		snprintf(err, errlen, "not JSON");
		return false;
	}
	const char *schema = string(r, "schema");
	const cJSON *capture = cJSON_GetObjectItemCaseSensitive(r, "capture");
	const cJSON *summary = cJSON_GetObjectItemCaseSensitive(r, "summary");
	w->start_us = number_us(cJSON_GetObjectItemCaseSensitive(capture, "window_start"));
	w->end_us = number_us(cJSON_GetObjectItemCaseSensitive(capture, "window_end"));
	if (!schema || strcmp(schema, "flowaudit-report/1") != 0)
		snprintf(err, errlen, "not a flowaudit report (schema flowaudit-report/1)");
	else if (!w->start_us || w->end_us < w->start_us)
		snprintf(err, errlen, "not a window report of watch (no window)");
	else if (!verdict_from(string(summary, "verdict"), &w->verdict))
		snprintf(err, errlen, "no verdict in its summary");
	else
		ok = true;
	if (ok) {
		window_stamp(w->stamp, w->start_us);
		w->missing = number(summary, "missing");
		w->blocked = number(summary, "blocked");
		w->unexpected = number(summary, "unexpected");
		w->inconclusive = number(summary, "inconclusive");
		if (on_failing)
			each_failing(r, on_failing, ctx);
	}
	cJSON_Delete(r);
	return ok;
}

/* ---- the page ---- */

static const char *style =
	HTML_BASE_STYLE
	".timeline{display:flex;flex-wrap:wrap;gap:2px;margin:.6em 0}"
	".timeline a{display:block;width:14px;height:28px;border-radius:2px}"
	".timeline a.latest{outline:2px solid #1d2330;outline-offset:1px}"
	".legend span{margin-right:1.4em}.swatch{display:inline-block;width:.9em;"
	"height:.9em;border-radius:2px;vertical-align:middle;margin-right:.3em}"
	".st-blocked{color:#c62828;font-weight:600}.st-missing{color:#e65100;font-weight:600}"
	".small{color:#546e7a;font-size:.9em}";

static const char *verdict_upper(enum audit_verdict v)
{
	return v == VERDICT_FAIL ? "FAIL" : v == VERDICT_INCONCLUSIVE ? "INCONCLUSIVE" : "PASS";
}

static void ts(FILE *f, uint64_t us)
{
	char t[TS_TEXT_LEN];
	format_ts_iso(t, us);
	fputs(t, f);
}

/* The window's report for people when there is one, else the first
 * format written; NULL when none is known. */
static const char *first_format(const struct watch_window *w)
{
	for (int i = 0; i < WINDOW_EXTENSIONS; i++)
		if (w->formats & (1u << i))
			return window_extensions[i];
	return NULL;
}

static void head(FILE *f, const struct watch_index *ix)
{
	const struct watch_window *latest = ix->nwindows ? &ix->windows[ix->nwindows - 1] : NULL;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>flowaudit watch: ", f);
	esc(f, ix->site);
	fprintf(f, " (%s)</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n"
		"<h1>flowaudit watch: ", latest ? verdict_upper(latest->verdict) : "no window yet",
		style);
	esc(f, ix->site);
	fputs("</h1>\n", f);
}

static void latest_verdict(FILE *f, const struct watch_index *ix)
{
	if (!ix->nwindows) {
		fputs("<p id=\"latest\">No window has been reported yet.</p>\n</header>\n", f);
		return;
	}
	const struct watch_window *w = &ix->windows[ix->nwindows - 1];
	fprintf(f, "<p id=\"latest\">Latest window <span class=\"verdict %s\" id=\"verdict\">"
		"%s</span> ", audit_verdict_name(w->verdict), verdict_upper(w->verdict));
	ts(f, w->start_us);
	fputs(" &ndash; ", f);
	ts(f, w->end_us);
	fprintf(f, ": %llu missing, %llu blocked, %llu unexpected",
		(unsigned long long)w->missing, (unsigned long long)w->blocked,
		(unsigned long long)w->unexpected);
	if (w->inconclusive)
		fprintf(f, ", %llu inconclusive", (unsigned long long)w->inconclusive);
	fputs(".</p>\n", f);
	fprintf(f, "<p class=\"small\">%u window%s listed", ix->nwindows,
		ix->nwindows == 1 ? "" : "s");
	if (ix->retention && ix->retention[0]) {
		fputs("; reports kept: ", f);
		esc(f, ix->retention);
	}
	fputs(".</p>\n</header>\n", f);
}

static void window_title(FILE *f, const struct watch_window *w)
{
	ts(f, w->start_us);
	fprintf(f, " %s: %llu missing, %llu blocked, %llu unexpected",
		verdict_upper(w->verdict), (unsigned long long)w->missing,
		(unsigned long long)w->blocked, (unsigned long long)w->unexpected);
}

/* One cell per window, oldest first, each a link to its report. */
static void timeline(FILE *f, const struct watch_index *ix)
{
	fputs("<h2>Timeline</h2>\n<p class=\"legend small\">"
	      "<span><span class=\"swatch pass\"></span>pass</span>"
	      "<span><span class=\"swatch fail\"></span>fail</span>"
	      "<span><span class=\"swatch inconclusive\"></span>inconclusive</span>"
	      "oldest on the left; each opens its window's report</p>\n"
	      "<nav class=\"timeline\" id=\"timeline\">\n", f);
	for (unsigned i = 0; i < ix->nwindows; i++) {
		const struct watch_window *w = &ix->windows[i];
		const char *ext = first_format(w);
		fputs("<a", f);
		if (ext)
			fprintf(f, " href=\"flowaudit-%s.%s\"", w->stamp, ext);
		fprintf(f, " class=\"%s%s\" data-verdict=\"%s\" title=\"",
			audit_verdict_name(w->verdict), i + 1 == ix->nwindows ? " latest" : "",
			audit_verdict_name(w->verdict));
		window_title(f, w);
		fputs("\"></a>\n", f);
	}
	fputs("</nav>\n", f);
}

static void streaks(FILE *f, const struct watch_index *ix)
{
	fputs("<h2>Missing or blocked in a row</h2>\n", f);
	if (!ix->nstreaks) {
		fputs("<p id=\"streaks\">No required flow is missing or blocked in the "
		      "latest window.</p>\n", f);
		return;
	}
	fputs("<table id=\"streaks\">\n<thead><tr><th>rule</th><th>host</th><th>now</th>"
	      "<th>windows in a row</th><th>since</th></tr></thead>\n<tbody>\n", f);
	for (unsigned i = 0; i < ix->nstreaks; i++) {
		const struct watch_streak *s = &ix->streaks[i];
		const char *kind = s->blocked ? "blocked" : "missing";
		fputs("<tr><td>", f);
		esc(f, s->rule);
		fputs("</td><td>", f);
		esc(f, s->host);
		fprintf(f, "</td><td class=\"st-%s\">%s</td><td class=\"num\">%u</td><td>",
			kind, kind, s->windows);
		ts(f, s->since_us);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
	if (ix->streaks_untracked)
		fprintf(f, "<p class=\"small\">%llu more rule and host pairs were missing or "
			"blocked, past the %u this page follows.</p>\n",
			(unsigned long long)ix->streaks_untracked, ix->nstreaks);
}

/* Newest first: the table is read from the top. */
static void windows(FILE *f, const struct watch_index *ix)
{
	fputs("<h2>Windows</h2>\n<table id=\"windows\">\n<thead><tr><th>window</th>"
	      "<th>verdict</th><th>missing</th><th>blocked</th><th>unexpected</th>"
	      "<th>reports</th></tr></thead>\n<tbody>\n", f);
	for (unsigned k = ix->nwindows; k-- > 0;) {
		const struct watch_window *w = &ix->windows[k];
		fputs("<tr><td>", f);
		ts(f, w->start_us);
		fputs(" &ndash; ", f);
		ts(f, w->end_us);
		fprintf(f, "</td><td class=\"%s\">%s</td><td class=\"num\">%llu</td>"
			"<td class=\"num\">%llu</td><td class=\"num\">%llu</td><td>",
			audit_verdict_name(w->verdict), verdict_upper(w->verdict),
			(unsigned long long)w->missing, (unsigned long long)w->blocked,
			(unsigned long long)w->unexpected);
		for (int i = 0, n = 0; i < WINDOW_EXTENSIONS; i++)
			if (w->formats & (1u << i))
				fprintf(f, "%s<a href=\"flowaudit-%s.%s\">%s</a>", n++ ? " " : "",
					w->stamp, window_extensions[i], window_extensions[i]);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
}

bool watch_index_html(FILE *f, const struct watch_index *ix)
{
	head(f, ix);
	latest_verdict(f, ix);
	timeline(f, ix);
	streaks(f, ix);
	windows(f, ix);
	fprintf(f, "<p class=\"small\">Windows of %llu s. Rewritten by flowaudit watch at "
		"the end of each window; latest.html is the latest window's report.</p>\n"
		"</body>\n</html>\n", (unsigned long long)(ix->window_us / 1000000));
	return !ferror(f);
}
