/* read_whole.h - a whole file into memory, up to a limit.
 *
 * Reports, matrix and site files are read whole before they are parsed.
 * The buffer starts at the file's size (or 64 KiB for a pipe) and doubles
 * as needed, so a 20 KB report takes 20 KB and not the limit: a
 * sanitizer build marks every byte of a block it hands out, and reading
 * each report into a 256 MiB block made `flowaudit diff` take half a
 * second under ASan. */
#ifndef FLOWAUDIT_COMMON_READ_WHOLE_H
#define FLOWAUDIT_COMMON_READ_WHOLE_H

#include <stdio.h>

enum read_whole_status {
	READ_WHOLE_OK,
	READ_WHOLE_TOO_LARGE,  /* more than max bytes */
	READ_WHOLE_ERROR,      /* a read failed: errno says why */
	READ_WHOLE_NO_MEMORY,
};

/* Everything left in f, at most max bytes, NUL-terminated; *len is its
 * length (the text may hold NULs of its own). NULL, with *status saying
 * why, when it is too large, unreadable, or memory runs out. A regular
 * file larger than max is refused before anything is read. */
char *read_whole(FILE *f, size_t max, size_t *len, enum read_whole_status *status);

#endif
