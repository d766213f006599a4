/* read_whole.c - see read_whole.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "read_whole.h"

#define PIPE_START ((size_t)64 << 10)

/* The first buffer: the file's size and one byte more (to see it end, or
 * grow), or a guess for what has no size. */
static size_t first_capacity(FILE *f, size_t max, enum read_whole_status *status)
{
	struct stat st;

	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0) {
		if ((uintmax_t)st.st_size > max) {
			*status = READ_WHOLE_TOO_LARGE;
			return 0;
		}
		return (size_t)st.st_size + 1;
	}
	return max < PIPE_START ? max + 1 : PIPE_START;
}

static char *fail(char *text, enum read_whole_status *status, enum read_whole_status why)
{
	int saved = errno;

	free(text);
	errno = saved;
	*status = why;
	return NULL;
}

char *read_whole(FILE *f, size_t max, size_t *len, enum read_whole_status *status)
{
	*len = 0;
	*status = READ_WHOLE_OK;
	if (max >= SIZE_MAX / 2)
		max = SIZE_MAX / 2 - 1;
	size_t cap = first_capacity(f, max, status);
	if (*status != READ_WHOLE_OK)
		return NULL;
	char *text = malloc(cap + 1);
	size_t n = 0;

	if (!text)
		return fail(NULL, status, READ_WHOLE_NO_MEMORY);
	/* Each pass fills the buffer or meets the end; the buffer doubles up
	 * to max + 1 bytes, so the loop ends by then. */
	for (;;) {
		n += fread(text + n, 1, cap - n, f);
		if (ferror(f))
			return fail(text, status, READ_WHOLE_ERROR);
		if (n > max)
			return fail(text, status, READ_WHOLE_TOO_LARGE);
		if (n < cap)
			break;
		size_t grown = cap > max / 2 ? max + 1 : cap * 2;
		char *more = realloc(text, grown + 1);
		if (!more)
			return fail(text, status, READ_WHOLE_NO_MEMORY);
		text = more;
		cap = grown;
	}
	text[n] = '\0';
	*len = n;
	return text;
}
