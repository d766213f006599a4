/* report_outputs.c - format/output pairs (see report_outputs.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "report_outputs.h"
#include "reports/output_file.h"

static const char *const format_names[REPORT_FORMAT_COUNT] = {
	[REPORT_TEXT] = "text",
	[REPORT_JSON] = "json",
	[REPORT_HTML] = "html",
	[REPORT_JUNIT] = "junit",
	[REPORT_CSV] = "csv",
	[REPORT_EVENTS] = "events",
};

/* -o FILE without --format: the format its extension names. */
static const struct {
	const char *ext;
	enum report_format format;
} extensions[] = {
	{ "txt", REPORT_TEXT }, { "json", REPORT_JSON }, { "html", REPORT_HTML },
	{ "htm", REPORT_HTML }, { "xml", REPORT_JUNIT }, { "csv", REPORT_CSV },
	{ "jsonl", REPORT_EVENTS }, { "ndjson", REPORT_EVENTS },
};

void report_outputs_init(struct report_outputs *o)
{
	memset(o, 0, sizeof(*o));
}

void report_outputs_free(struct report_outputs *o)
{
	memset(o, 0, sizeof(*o));
}

const char *report_formats_help(void)
{
	return "text (default), json, html, junit, csv or events";
}

static const char *const format_extensions[REPORT_FORMAT_COUNT] = {
	[REPORT_TEXT] = "txt", [REPORT_JSON] = "json", [REPORT_HTML] = "html",
	[REPORT_JUNIT] = "xml", [REPORT_CSV] = "csv", [REPORT_EVENTS] = "jsonl",
};

const char *report_format_extension(enum report_format f)
{
	return format_extensions[f];
}

bool report_format_parse(const char *name, enum report_format *f)
{
	for (int i = 0; i < REPORT_FORMAT_COUNT; i++) {
		if (strcmp(name, format_names[i]) == 0) {
			*f = (enum report_format)i;
			return true;
		}
	}
	return false;
}

bool report_outputs_format(struct report_outputs *o, const char *name,
			   char *err, size_t errlen)
{
	enum report_format f;

	if (!report_format_parse(name, &f)) {
		snprintf(err, errlen, "unknown format \"%s\" (%s)", name,
			 report_formats_help());
		return false;
	}
	if (o->n == MAX_REPORT_OUTPUTS) {
		snprintf(err, errlen, "at most %d outputs", MAX_REPORT_OUTPUTS);
		return false;
	}
	o->out[o->n].format = f;
	o->out[o->n].path = NULL;
	o->n++;
	return true;
}

static enum report_format format_by_extension(const char *path)
{
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(extensions) / sizeof(extensions[0]); i++)
		if (strcasecmp(dot + 1, extensions[i].ext) == 0)
			return extensions[i].format;
	return REPORT_TEXT;
}

bool report_outputs_path(struct report_outputs *o, const char *path,
			 char *err, size_t errlen)
{
	if (o->n == 0 || o->out[o->n - 1].path) {
		if (o->n == MAX_REPORT_OUTPUTS) {
			snprintf(err, errlen, "at most %d outputs", MAX_REPORT_OUTPUTS);
			return false;
		}
		o->out[o->n].format = format_by_extension(path);
		o->n++;
	}
	o->out[o->n - 1].path = path;
	return true;
}

bool report_outputs_color(struct report_outputs *o, const char *when)
{
	if (strcmp(when, "auto") == 0)
		o->color = COLOR_AUTO;
	else if (strcmp(when, "always") == 0)
		o->color = COLOR_ALWAYS;
	else if (strcmp(when, "never") == 0)
		o->color = COLOR_NEVER;
	else
		return false;
	return true;
}

/* Colour only on a terminal, and never when NO_COLOR is set (no-color.org). */
static bool use_color(const struct report_outputs *o, FILE *f)
{
	if (o->color == COLOR_ALWAYS)
		return true;
	if (o->color == COLOR_NEVER)
		return false;
	const char *no = getenv("NO_COLOR");
	if (no && *no)
		return false;
	return isatty(fileno(f));
}

static bool render(enum report_format fmt, FILE *f, const struct audit_report *r,
		   bool color)
{
	switch (fmt) {
	case REPORT_JSON:
		return report_json(f, r);
	case REPORT_HTML:
		return report_html(f, r);
	case REPORT_JUNIT:
		return report_junit(f, r);
	case REPORT_CSV:
		return report_csv(f, r);
	case REPORT_EVENTS:
		return report_events(f, r);
	case REPORT_TEXT:
	default:
		return report_text(f, r, color);
	}
}

static bool write_one(const struct report_outputs *o, enum report_format fmt,
		      const char *path, const struct audit_report *r)
{
	struct output_file of;
	char err[512];

	if (!output_open(&of, path, o->allow_special ? OUTPUT_ALLOW_SPECIAL : 0,
			 err, sizeof(err))) {
		cli_error("%s", err);
		return false;
	}
	errno = 0;
	if (!render(fmt, of.f, r, use_color(o, of.f))) {
		cli_error("cannot write %s (the %s report): %s",
			  path ? path : "standard output", format_names[fmt],
			  strerror(errno ? errno : EIO));
		output_abort(&of);
		return false;
	}
	if (!output_commit(&of, err, sizeof(err))) {
		cli_error("%s", err);
		return false;
	}
	return true;
}

bool report_outputs_write(const struct report_outputs *o,
			  const struct audit_report *r)
{
	bool ok = true;

	if (o->n == 0)
		return write_one(o, REPORT_TEXT, NULL, r);
	for (unsigned i = 0; i < o->n; i++)
		ok &= write_one(o, o->out[i].format, o->out[i].path, r);
	return ok;
}
