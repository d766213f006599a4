/* test_read_whole.c - read_whole reads regular files and pipes whole, up
 * to a limit, into a buffer sized by what was read, not by the limit. */
#include <errno.h>
#include <malloc.h>  /* malloc_usable_size: _GNU_SOURCE comes from config */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/read_whole.h"
#include "tap.h"

#define MIB ((size_t)1 << 20)

/* A temporary regular file holding n bytes of pattern, rewound. */
static FILE *regular_file(size_t n)
{
	FILE *f = tmpfile();

	for (size_t i = 0; f && i < n; i++)
		fputc((int)(i % 251), f);
	if (f)
		rewind(f);
	return f;
}

/* The read end of a pipe a child fills with n bytes of pattern. */
static FILE *pipe_of(size_t n, pid_t *child)
{
	int fd[2];

	if (pipe(fd) != 0)
		return NULL;
	*child = fork();
	if (*child == 0) {
		close(fd[0]);
		char chunk[4096];
		size_t sent = 0;
		while (sent < n) {
			size_t k = n - sent < sizeof(chunk) ? n - sent : sizeof(chunk);
			for (size_t i = 0; i < k; i++)
				chunk[i] = (char)((sent + i) % 251);
			ssize_t w = write(fd[1], chunk, k);
			if (w <= 0)
				_exit(0);  /* the reader gave up: fine */
			sent += (size_t)w;
		}
		_exit(0);
	}
	close(fd[1]);
	return fdopen(fd[0], "rb");
}

static void reap(FILE *f, pid_t child)
{
	fclose(f);
	waitpid(child, NULL, 0);
}

static bool has_pattern(const char *text, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] != i % 251)
			return false;
	return true;
}

static void test_regular(size_t n, size_t max, const char *what)
{
	FILE *f = regular_file(n);
	size_t len = 12345;
	enum read_whole_status st;
	char *text = read_whole(f, max, &len, &st);

	is_int(st, READ_WHOLE_OK, what);
	ok(text && len == n && has_pattern(text, n) && text[n] == '\0',
	   "%s: every byte, then a NUL", what);
	/* The point of the helper: a small file takes a small buffer. */
	ok(text && malloc_usable_size(text) < n + 4096 + 64,
	   "%s: the buffer fits the file (%zu bytes for %zu)", what,
	   text ? malloc_usable_size(text) : 0, n);
	free(text);
	fclose(f);
}

static void test_regular_too_large(void)
{
	FILE *f = regular_file(1001);
	size_t len;
	enum read_whole_status st;

	ok(read_whole(f, 1000, &len, &st) == NULL && st == READ_WHOLE_TOO_LARGE,
	   "a regular file one byte over the limit: too large");
	ok(ftell(f) == 0, "and refused unread, by its size");
	fclose(f);
	f = regular_file(1000);
	char *text = read_whole(f, 1000, &len, &st);
	ok(text && st == READ_WHOLE_OK && len == 1000, "exactly the limit: read");
	free(text);
	fclose(f);
}

static void test_pipe(size_t n, size_t max, enum read_whole_status want,
		      const char *what)
{
	pid_t child;
	FILE *f = pipe_of(n, &child);
	size_t len = 0;
	enum read_whole_status st;

	if (!ok(f != NULL, "%s: a pipe", what))
		return;
	char *text = read_whole(f, max, &len, &st);
	is_int(st, want, what);
	if (want == READ_WHOLE_OK) {
		ok(text && len == n && has_pattern(text, n) && text[n] == '\0',
		   "%s: every byte, then a NUL", what);
		ok(text && malloc_usable_size(text) <= 2 * n + 64 * 1024 + 64,
		   "%s: the buffer grew by doubling, not to the limit", what);
	} else {
		ok(text == NULL, "%s: nothing returned", what);
	}
	free(text);
	reap(f, child);
}

static void test_read_error(void)
{
	FILE *f = fopen(".", "rb");  /* a directory: reading it fails */
	size_t len;
	enum read_whole_status st;

	if (!f) {
		ok(1, "# SKIP cannot open a directory as a stream here");
		return;
	}
	ok(read_whole(f, 1000, &len, &st) == NULL && st == READ_WHOLE_ERROR &&
	   errno == EISDIR, "a read that fails: an error, errno kept (EISDIR)");
	fclose(f);
}

int main(void)
{
	test_regular(0, 1000, "an empty file");
	test_regular(22000, 256 * MIB, "a 22 KB report under a 256 MiB limit");
	test_regular(3 * MIB + 17, 4 * MIB, "3 MiB under a 4 MiB limit");
	test_regular_too_large();
	test_pipe(0, 1000, READ_WHOLE_OK, "an empty pipe");
	test_pipe(65536, 256 * MIB, READ_WHOLE_OK, "exactly 64 KiB through a pipe");
	test_pipe(700001, 256 * MIB, READ_WHOLE_OK, "700 KB through a pipe");
	test_pipe(1000, 1000, READ_WHOLE_OK, "a pipe of exactly the limit");
	test_pipe(1001, 1000, READ_WHOLE_TOO_LARGE, "a pipe one byte over");
	test_pipe(5 * MIB, 1 * MIB, READ_WHOLE_TOO_LARGE, "a pipe far over");
	test_read_error();
	return done_testing();
}
