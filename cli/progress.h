/* progress.h - the progress line: one line on standard error, rewritten in
 * place while a capture is read (bytes done of total, packets, packets/s,
 * flows). Only for a person watching: never in a pipe or a log, never with
 * -q. It runs on the capture's thread. */
#ifndef FLOWAUDIT_PROGRESS_H
#define FLOWAUDIT_PROGRESS_H

#include <stdbool.h>

#include "capture/capture.h"

struct progress_line {
	bool shown;  /* a line is on the terminal */
};

/* Whether to show one: standard error is a terminal and not quiet. */
bool progress_line_wanted(bool quiet);

/* A capture_consumer.progress callback; ctx is a struct progress_line. */
void progress_line_show(void *ctx, const struct capture_progress *p);

/* Clears the line, if one is shown, before anything else is written. */
void progress_line_clear(struct progress_line *pg);

#endif
