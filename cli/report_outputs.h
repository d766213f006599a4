/* report_outputs.h - the --format/-o pairs of a command: one read of the
 * capture writes every requested report, each atomically. */
#ifndef FLOWAUDIT_REPORT_OUTPUTS_H
#define FLOWAUDIT_REPORT_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>

#include "reports/audit_report.h"

enum report_format {
	REPORT_TEXT,
	REPORT_JSON,
	REPORT_HTML,
	REPORT_JUNIT,
	REPORT_CSV,
	REPORT_EVENTS,
	REPORT_FORMAT_COUNT
};

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

#define MAX_REPORT_OUTPUTS 16

struct report_outputs {
	struct {
		enum report_format format;
		const char *path;  /* NULL: standard output */
	} out[MAX_REPORT_OUTPUTS];
	unsigned n;
	enum color_mode color;
	bool allow_special;  /* --allow-special-output: FIFOs, char devices */
};

/* "json" -> REPORT_JSON; false for an unknown name. */
bool report_format_parse(const char *name, enum report_format *f);
/* Why name is no format, into err: the formats, and the one meant when
 * name is a file extension ("xml": did you mean junit?). */
void report_format_unknown(const char *name, char *err, size_t errlen);
/* The file extension a format's reports get ("xml" for junit). */
const char *report_format_extension(enum report_format f);

void report_outputs_init(struct report_outputs *o);
void report_outputs_free(struct report_outputs *o);
const char *report_formats_help(void);

/* --format FMT starts an output; -o PATH sets the latest one's file (or
 * starts one whose format follows the file name's extension: an unknown
 * or missing extension is an error listing the formats; "-" is text on
 * standard output). */
bool report_outputs_format(struct report_outputs *o, const char *name,
			   char *err, size_t errlen);
bool report_outputs_path(struct report_outputs *o, const char *path,
			 char *err, size_t errlen);
/* After the options: false (with err) when two reports would go to
 * standard output. */
bool report_outputs_check(const struct report_outputs *o, char *err, size_t errlen);
/* Before a long read: each report file can be created where it goes (its
 * directory exists, is writable and is safe to write in), and a FIFO or
 * device is named only with --allow-special-output. Nothing is left behind.
 * False with a message naming the file. */
bool report_outputs_probe(const struct report_outputs *o, char *err, size_t errlen);
bool report_outputs_color(struct report_outputs *o, const char *when);

/* The options of every command that writes audit reports (audit, merge):
 * --format, -o, --color and --allow-special-output. 1: opt was one of
 * them and is taken; -1: its value is bad (said on standard error); 0:
 * another option. */
int report_outputs_option(struct report_outputs *o, int opt, const char *arg);

/* Writes one document to path (NULL or "-": standard output) the way every
 * report is written (reports/output_file.h: a temporary renamed into
 * place, nothing half written): write(f, ctx) renders it and returns
 * false on failure. flags: OUTPUT_ALLOW_SPECIAL or 0. False after saying
 * why, naming what ("the json report", "the firewall rules"). */
bool output_write_document(const char *path, unsigned flags, const char *what,
			   bool (*write)(FILE *f, const void *ctx), const void *ctx);

/* Writes every output (text to stdout when none was asked for). Each file
 * appears complete or not at all. False when any could not be written. */
bool report_outputs_write(const struct report_outputs *o,
			  const struct audit_report *r);

#endif
