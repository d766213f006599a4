/* watch_index.h - the index page of a watch's report directory: the
 * latest verdict, a timeline of the windows coloured by verdict with a
 * link to each window's reports, and for each rule and host how many
 * windows in a row it has been missing or blocked, since when.
 *
 * The windows and streaks are plain values the command keeps (cli/); this
 * module renders them and reads them back from the window's own JSON
 * report, the one source for a window written now and for one found in
 * the directory after a restart. Every string in it came from a report and
 * ultimately from traffic or a site file: it is escaped on output. */
#ifndef FLOWAUDIT_WATCH_INDEX_H
#define FLOWAUDIT_WATCH_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audit/policy.h"

/* "20261124T150000Z": a window's start as its report files are named,
 * flowaudit-STAMP.EXT. */
#define WINDOW_STAMP_LEN 17

/* The extensions a window's reports may have, in the order the index
 * links them; a window's `formats` has bit i for window_extensions[i]. */
#define WINDOW_EXTENSIONS 6
extern const char *const window_extensions[WINDOW_EXTENSIONS];
/* Its index in window_extensions, or -1. */
int window_extension_index(const char *ext);

/* "flowaudit-STAMP.EXT" exactly, EXT one of window_extensions: a window
 * report flowaudit wrote (and nothing else, not even its temporaries).
 * Copies the stamp out and returns the extension's index, or -1. */
int window_report_name(const char *name, char stamp[WINDOW_STAMP_LEN]);
/* The window start a stamp names, in microseconds; false if it names
 * none. */
bool window_stamp_time(const char *stamp, uint64_t *us);
/* The stamp of a window starting at us. */
void window_stamp(char out[WINDOW_STAMP_LEN], uint64_t us);

struct watch_window {
	char stamp[WINDOW_STAMP_LEN];
	uint64_t start_us, end_us;
	enum audit_verdict verdict;
	uint64_t missing, blocked, unexpected, inconclusive;
	unsigned formats;          /* bit i: flowaudit-STAMP.window_extensions[i] */
};

#define STREAK_RULE_LEN 128
#define STREAK_HOST_LEN 256

/* A rule and host missing or blocked in consecutive windows up to the
 * latest. */
struct watch_streak {
	char rule[STREAK_RULE_LEN];
	char host[STREAK_HOST_LEN];  /* "client -> server" as the report has them */
	bool blocked;                /* in the latest window; else missing */
	unsigned windows;            /* in a row, the latest included */
	uint64_t since_us;           /* the start of the first of them */
};

/* What a window's JSON report says: its window and verdict, and each rule
 * and host it found missing or blocked (handed to on_failing, which may
 * be NULL). False with a message in err when the text is not a window
 * report of ours (not JSON, another schema, no window). */
typedef void watch_failing_fn(void *ctx, const char *rule, const char *host,
			      bool blocked);
bool watch_report_read(const char *json, size_t len, struct watch_window *w,
		       watch_failing_fn *on_failing, void *ctx, char *err,
		       size_t errlen);

struct watch_index {
	const char *site;                     /* the site's name */
	const struct watch_window *windows;   /* oldest first; the last is the latest */
	unsigned nwindows;
	const struct watch_streak *streaks;   /* in the order to list them */
	unsigned nstreaks;
	uint64_t streaks_untracked;           /* rule-host pairs past the bound */
	uint64_t window_us;                   /* --window */
	const char *retention;                /* "the last 48 windows", "" none */
};

/* The index page: self-contained HTML, no script, no outside resource;
 * byte-for-byte the same for the same index. */
bool watch_index_html(FILE *f, const struct watch_index *ix);

#endif
