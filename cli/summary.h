/* summary.h - the closing lines on standard error: what was read, how many
 * flows, what was evicted and why packets were skipped. */
#ifndef FLOWAUDIT_SUMMARY_H
#define FLOWAUDIT_SUMMARY_H

#include <stdio.h>

#include "capture/capture.h"

void summary_print(FILE *f, const struct capture *cap);

#endif
