/* output_file.h - report files that are never left half written, and never
 * written through a name someone else planted.
 *
 * A report goes to a temporary file created exclusively next to its
 * destination and is renamed over it only when complete, so a reader never
 * sees a partial report and a failed run leaves the previous one untouched.
 * "-" writes to stdout.
 *
 * Every file is reached through the directory it is in, opened once: the
 * checks and the writes are about the same directory, whatever happens to
 * the path meanwhile. The last component is never followed:
 *   - a symbolic link there is refused, not followed and not replaced;
 *   - a FIFO or character device is written in place only when the caller
 *     allows it (OUTPUT_ALLOW_SPECIAL), its type checked on the open
 *     descriptor; a block device or socket never;
 *   - when the effective user is root, a directory that users other than
 *     its owner may write (group or other write bit) without the sticky bit
 *     is refused: any of them could swap the file between our steps.
 */
#ifndef FLOWAUDIT_OUTPUT_FILE_H
#define FLOWAUDIT_OUTPUT_FILE_H

#include <stdbool.h>
#include <stdio.h>

/* Flags for output_open() and output_append_open(). */
enum {
	/* A FIFO or character device named by the user is written in place. */
	OUTPUT_ALLOW_SPECIAL = 1u << 0,
};

struct output_file {
	FILE *f;
	char *path;      /* destination as named; NULL for stdout */
	const char *base;    /* its last component, inside path */
	char *tmp_name;  /* the temporary's name in dir_fd while writing */
	int dir_fd;      /* the directory of both while writing; else -1 */
	bool in_place;   /* a FIFO or character device, written directly */
};

/* Opens path for writing (or stdout for "-" or NULL). On failure returns
 * false and writes a message naming the file to err. */
bool output_open(struct output_file *o, const char *path, unsigned flags,
		 char *err, size_t errlen);

/* Before a long read: false (with err) when what the name is now would
 * make output_open refuse it (a symbolic link, a directory, a FIFO or
 * device not allowed). Nothing is opened, and the directory is not judged:
 * that is output_open's, when it writes (after any privilege drop). */
bool output_precheck(const char *path, unsigned flags, char *err, size_t errlen);

/* Flushes, syncs and renames into place. False (with err) when any write
 * failed: the temporary file is removed and the destination untouched. */
bool output_commit(struct output_file *o, char *err, size_t errlen);

/* Gives up: removes the temporary file. */
void output_abort(struct output_file *o);

/* A file lines are appended to as they come (watch --events): created if
 * missing, never through a symbolic link; a regular file (when root, with no
 * other hard link), or with OUTPUT_ALLOW_SPECIAL a FIFO or character device;
 * the same directory rule. NULL with a message naming the file in err. */
FILE *output_append_open(const char *path, unsigned flags, char *err,
			 size_t errlen);

#endif
