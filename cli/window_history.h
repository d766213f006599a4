/* window_history.h - what watch remembers of the windows it reported, for
 * the report directory's index.html, and which of their reports it keeps.
 *
 * The history is the windows whose reports are in the directory (at most
 * WINDOW_HISTORY_MAX, the latest) and, for each rule and host missing or
 * blocked in the latest window, in how many windows before it in a row.
 * Everything comes from the windows' own JSON reports: at start from those
 * already in the directory (so streaks survive a restart, counted from the
 * oldest report kept), then from each new window's. Fixed-size: memory
 * does not grow with running time.
 *
 * Retention removes the oldest windows' reports, every format of them, and
 * only files named exactly as watch names them (flowaudit-STAMP.EXT), never
 * through a link: reached through the directory opened once, each checked
 * to be a regular file and removed with unlinkat(). Never the window just
 * written.
 */
#ifndef FLOWAUDIT_WINDOW_HISTORY_H
#define FLOWAUDIT_WINDOW_HISTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "reports/watch_index.h"

#define WINDOW_HISTORY_MAX 1000
#define WINDOW_STREAKS_MAX 512
/* A window's JSON report bigger than this is not read back at start. */
#define WINDOW_REPORT_READ_MAX (64u << 20)

struct window_history {
	struct watch_window windows[WINDOW_HISTORY_MAX];  /* oldest first */
	unsigned nwindows;
	struct watch_streak streaks[WINDOW_STREAKS_MAX];
	unsigned nstreaks;
	uint64_t untracked;   /* failing pairs of the latest window past the bound */
};

void window_history_init(struct window_history *h);

/* Adds a window from its JSON report (formats: the bits of the report
 * files written for it) and carries the streaks on. False with err when
 * the report cannot be read. */
bool window_history_add(struct window_history *h, const char *json, size_t len,
			unsigned formats, char *err, size_t errlen);

/* At start: the windows whose JSON reports are in dir, oldest first (the
 * latest WINDOW_HISTORY_MAX). Reports that cannot be read are said on
 * warn and skipped. Returns how many windows were read back. */
unsigned window_history_rebuild(struct window_history *h, const char *dir, FILE *warn);

/* Forgets a window whose reports were removed. */
void window_history_forget(struct window_history *h, const char *stamp);

/* What to keep: the `keep` latest windows (0: no bound), and windows that
 * started less than keep_us before now_us (0: no bound). */
struct window_retention {
	unsigned keep;
	uint64_t keep_us;
};

/* The stamps of windows in dir whose reports retention removes now,
 * `written` (the window just put in place) never among them; sorted,
 * malloc'ed (*n of them, NULL when none). False with err when the
 * directory cannot be read. */
bool window_retention_plan(const char *dir, const struct window_retention *keep,
			   const char *written, uint64_t now_us, char (**doomed)[WINDOW_STAMP_LEN],
			   unsigned *n, char *err, size_t errlen);

/* Removes every report file of those windows: names matched exactly,
 * regular files only (a link, directory or anything else with such a name
 * is left and said on warn). Returns the files removed. */
unsigned window_retention_remove(const char *dir, char (*doomed)[WINDOW_STAMP_LEN],
				 unsigned n, FILE *warn);

/* The index of the history (site: the site's name). */
void window_history_index(const struct window_history *h, struct watch_index *ix,
			  const char *site, uint64_t window_us, const char *retention);

#endif
