/* report_outputs.c - format/output pairs (see report_outputs.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "options.h"
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

/* The format a file extension names ("xml" -> junit), or -1. */
static int format_of_extension(const char *ext)
{
	for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++)
		if (strcasecmp(ext, extensions[i].ext) == 0)
			return (int)extensions[i].format;
	return -1;
}

void report_format_unknown(const char *name, char *err, size_t errlen)
{
	/* "--format xml": the user named the file type they want. */
	int by_ext = format_of_extension(name);

	if (by_ext >= 0 && strcmp(name, format_names[by_ext]) != 0)
		snprintf(err, errlen, "unknown format \"%s\": did you mean %s? (%s)",
			 name, format_names[by_ext], report_formats_help());
	else
		snprintf(err, errlen, "unknown format \"%s\" (%s)", name,
			 report_formats_help());
}

bool report_outputs_format(struct report_outputs *o, const char *name,
			   char *err, size_t errlen)
{
	enum report_format f;

	if (!report_format_parse(name, &f)) {
		report_format_unknown(name, err, errlen);
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

static bool is_stdout(const char *path)
{
	return !path || strcmp(path, "-") == 0;
}

/* -o FILE without --format: the format its extension names. Standard
 * output gets text; any other name must say which format it wants, since
 * writing text into "report.pdf" helps nobody. */
static bool format_by_extension(const char *path, enum report_format *f,
				char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash + 1 : path, '.');
	int by_ext = dot ? format_of_extension(dot + 1) : -1;

	if (is_stdout(path)) {
		*f = REPORT_TEXT;
		return true;
	}
	if (by_ext >= 0) {
		*f = (enum report_format)by_ext;
		return true;
	}
	snprintf(err, errlen, "%s: %s; name the format first (--format FMT -o FILE: "
		 "%s) or use an extension: .txt, .json, .html, .xml (junit), .csv, "
		 ".jsonl (events)", path, dot ? "unknown file extension" :
		 "no file extension", report_formats_help());
	return false;
}

bool report_outputs_path(struct report_outputs *o, const char *path,
			 char *err, size_t errlen)
{
	if (o->n == 0 || o->out[o->n - 1].path) {
		if (o->n == MAX_REPORT_OUTPUTS) {
			snprintf(err, errlen, "at most %d outputs", MAX_REPORT_OUTPUTS);
			return false;
		}
		if (!format_by_extension(path, &o->out[o->n].format, err, errlen))
			return false;
		o->n++;
	}
	o->out[o->n - 1].path = path;
	return true;
}

bool report_outputs_check(const struct report_outputs *o, char *err, size_t errlen)
{
	int first = -1;

	for (unsigned i = 0; i < o->n; i++) {
		if (!is_stdout(o->out[i].path))
			continue;
		if (first < 0) {
			first = (int)i;
			continue;
		}
		snprintf(err, errlen, "two reports to standard output (%s and %s) would "
			 "run into each other: give all but one a file with -o FILE",
			 format_names[o->out[first].format], format_names[o->out[i].format]);
		return false;
	}
	return true;
}

/* Whether path is a FIFO or character device: written in place, and
 * opening one to probe it could wait for a reader. */
static bool special_file(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode));
}

bool report_outputs_probe(const struct report_outputs *o, char *err, size_t errlen)
{
	for (unsigned i = 0; i < o->n; i++) {
		const char *path = o->out[i].path;
		struct output_file of;
		if (is_stdout(path) || (special_file(path) && o->allow_special))
			continue;
		/* The very steps of writing it, up to the rename: a temporary
		 * file next to the destination, then removed. A FIFO or device
		 * not allowed is refused by output_open before it is opened,
		 * so here, not after the capture has been read. */
		if (!output_open(&of, path, o->allow_special ? OUTPUT_ALLOW_SPECIAL : 0,
				 err, errlen))
			return false;
		output_abort(&of);
	}
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

bool output_write_document(const char *path, unsigned flags, const char *what,
			   bool (*write)(FILE *f, const void *ctx), const void *ctx)
{
	struct output_file of;
	char err[512];

	if (!output_open(&of, path, flags, err, sizeof(err))) {
		cli_error("%s", err);
		return false;
	}
	errno = 0;
	if (!write(of.f, ctx) || ferror(of.f)) {
		cli_error("cannot write %s (%s): %s", path && strcmp(path, "-") ?
			  path : "standard output", what, strerror(errno ? errno : EIO));
		output_abort(&of);
		return false;
	}
	if (!output_commit(&of, err, sizeof(err))) {
		cli_error("%s", err);
		return false;
	}
	return true;
}

/* One report of an audit, as output_write_document renders it. */
struct one_report {
	const struct report_outputs *o;
	enum report_format fmt;
	const struct audit_report *r;
};

static bool render_one(FILE *f, const void *ctx)
{
	const struct one_report *x = ctx;
	return render(x->fmt, f, x->r, use_color(x->o, f));
}

static bool write_one(const struct report_outputs *o, enum report_format fmt,
		      const char *path, const struct audit_report *r)
{
	char what[64];
	struct one_report x = { o, fmt, r };

	snprintf(what, sizeof(what), "the %s report", format_names[fmt]);
	return output_write_document(path, o->allow_special ? OUTPUT_ALLOW_SPECIAL : 0,
				     what, render_one, &x);
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

int report_outputs_option(struct report_outputs *o, int opt, const char *arg)
{
	char err[512];

	switch (opt) {
	case OPT_FORMAT:
		if (report_outputs_format(o, arg, err, sizeof(err)))
			return 1;
		cli_error("--format: %s", err);
		return -1;
	case OPT_OUTPUT:
		if (report_outputs_path(o, arg, err, sizeof(err)))
			return 1;
		cli_error("-o: %s", err);
		return -1;
	case OPT_COLOR:
		if (report_outputs_color(o, arg))
			return 1;
		cli_error("--color wants auto, always or never, not \"%s\"", arg);
		return -1;
	case OPT_ALLOW_SPECIAL_OUTPUT:
		o->allow_special = true;
		return 1;
	default:
		return 0;
	}
}
