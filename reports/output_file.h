/* output_file.h - report files that are never left half written.
 *
 * A report goes to a temporary file next to its destination and is renamed
 * over it only when complete, so a reader never sees a partial report and a
 * failed run leaves the previous one untouched. "-" writes to stdout; a
 * device or FIFO (/dev/null, a pipe a collector reads) is written directly.
 */
#ifndef FLOWAUDIT_OUTPUT_FILE_H
#define FLOWAUDIT_OUTPUT_FILE_H

#include <stdbool.h>
#include <stdio.h>

struct output_file {
	FILE *f;
	char *path;      /* destination; NULL for stdout */
	char *tmp_path;  /* temporary name while writing */
	bool in_place;   /* a device or FIFO, written directly */
};

/* Opens path for writing (or stdout for "-" or NULL). On failure returns
 * false and writes a message naming the file to err. */
bool output_open(struct output_file *o, const char *path, char *err,
		 size_t errlen);

/* Flushes, syncs and renames into place. False (with err) when any write
 * failed: the temporary file is removed and the destination untouched. */
bool output_commit(struct output_file *o, char *err, size_t errlen);

/* Gives up: removes the temporary file. */
void output_abort(struct output_file *o);

#endif
