/* output_file.c - report files written safely (see output_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output_file.h"

/* Tries at a fresh temporary name before giving up: a name taken is
 * another writer's (or someone guessing), never ours to reuse. */
#define TMP_NAME_TRIES 32
#define TMP_SUFFIX_LEN 6

/* ---- where a path lives ---- */

/* The directory part of path ("." when there is none); malloc'ed. */
static char *directory_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static const char *last_component(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Root writing into a directory that someone other than its owner may
 * change could have its temporary swapped before the rename, or find a
 * link planted where it is about to look: refused. The owner alone, or a
 * sticky directory (only a file's owner may remove or rename it), is
 * safe: nothing is ever written through a name found there. */
static bool directory_safe(int dir_fd, const char *dir, const char *path,
			   char *err, size_t errlen)
{
	struct stat st;

	if (fstat(dir_fd, &st) != 0) {
		snprintf(err, errlen, "cannot write %s: %s: %s", path, dir, strerror(errno));
		return false;
	}
	if (geteuid() != 0)
		return true;
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		snprintf(err, errlen, "refusing to write %s as root: its directory %s is "
			 "writable by %s (mode %04o) without the sticky bit, so another "
			 "user could swap the file; write it into a directory only its "
			 "owner can change", path, dir,
			 (st.st_mode & S_IWOTH) ? "every user" : "its group",
			 (unsigned)(st.st_mode & 07777));
		return false;
	}
	return true;
}

/* Opens the directory path is in, checked; -1 with err. */
static int open_directory(const char *path, char *err, size_t errlen)
{
	const char *base = last_component(path);

	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		snprintf(err, errlen, "cannot write %s: it names a directory, not a file", path);
		return -1;
	}
	char *dir = directory_of(path);
	if (!dir) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		snprintf(err, errlen, "cannot write %s: %s: %s", path, dir, strerror(errno));
	else if (!directory_safe(fd, dir, path, err, errlen)) {
		close(fd);
		fd = -1;
	}
	free(dir);
	return fd;
}

/* ---- what is there now ---- */

enum existing {
	EXISTING_NONE,      /* nothing: a new file */
	EXISTING_REGULAR,   /* replaced (report) or appended to (events) */
	EXISTING_SPECIAL,   /* a FIFO or character device, allowed */
	EXISTING_REFUSED,   /* anything else; err says why */
};

static const char *file_kind(mode_t mode)
{
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* What a file of this type means for a writer: the one rule for the look
 * before opening and the check of the open descriptor after. */
static enum existing judge_type(mode_t mode, const char *path, unsigned flags,
				char *err, size_t errlen)
{
	if (S_ISREG(mode))
		return EXISTING_REGULAR;
	if (S_ISLNK(mode)) {
		snprintf(err, errlen, "refusing to write %s: it is a symbolic link, which "
			 "is neither followed nor replaced (remove it, or name the file "
			 "it points to)", path);
		return EXISTING_REFUSED;
	}
	if ((S_ISFIFO(mode) || S_ISCHR(mode)) && (flags & OUTPUT_ALLOW_SPECIAL))
		return EXISTING_SPECIAL;
	if (S_ISFIFO(mode) || S_ISCHR(mode))
		snprintf(err, errlen, "refusing to write %s: it is %s, written only when "
			 "asked for with --allow-special-output (\"-\" is standard output)",
			 path, file_kind(mode));
	else
		snprintf(err, errlen, "refusing to write %s: it is %s", path, file_kind(mode));
	return EXISTING_REFUSED;
}

/* A look at the name without following it: which way to open. The
 * descriptor is checked again after opening; this only picks the way. */
static enum existing look(int dir_fd, const char *base, const char *path,
			  unsigned flags, char *err, size_t errlen)
{
	struct stat st;

	if (fstatat(dir_fd, base, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return EXISTING_NONE;
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return EXISTING_REFUSED;
	}
	return judge_type(st.st_mode, path, flags, err, errlen);
}

/* The open descriptor is what counts: a name swapped since the look is
 * caught here. */
static bool opened_type_allowed(int fd, enum existing want, const char *path,
				unsigned flags, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return false;
	}
	enum existing got = judge_type(st.st_mode, path, flags, err, errlen);
	if (got == EXISTING_REFUSED)
		return false;
	if (want == EXISTING_SPECIAL && got != EXISTING_SPECIAL) {
		snprintf(err, errlen, "refusing to write %s: it changed while being opened", path);
		return false;
	}
	/* A second name for a file root appends to could be anyone's file. */
	if (got == EXISTING_REGULAR && geteuid() == 0 && st.st_nlink > 1) {
		snprintf(err, errlen, "refusing to write %s as root: it has %lu hard links, "
			 "so it may be another file too", path, (unsigned long)st.st_nlink);
		return false;
	}
	return true;
}

/* open() failing on the last component: a link shows as ELOOP. */
static void open_failed(const char *path, char *err, size_t errlen)
{
	if (errno == ELOOP)
		snprintf(err, errlen, "refusing to write %s: it is a symbolic link, which "
			 "is neither followed nor replaced (remove it, or name the file "
			 "it points to)", path);
	else
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
}

/* ---- the temporary ---- */

static void random_suffix(char *out, size_t n)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static unsigned counter;
	uint8_t bytes[TMP_SUFFIX_LEN];

	if (getrandom(bytes, sizeof(bytes), GRND_NONBLOCK) != (ssize_t)sizeof(bytes)) {
		/* No entropy yet (early boot): unique enough, and O_EXCL keeps
		 * it safe whatever the name. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^ ++counter;
		for (size_t i = 0; i < sizeof(bytes); i++, x = x * 6364136223846793005ull + 1)
			bytes[i] = (uint8_t)(x >> 56);
	}
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[bytes[i % sizeof(bytes)] % (sizeof(alphabet) - 1)];
	out[n] = '\0';
}

/* BASE.tmp.XXXXXX, created exclusively in the directory: never an
 * existing file, never through a link. Mode 0666 less the umask, as a
 * report gets. */
static int create_temporary(struct output_file *o, char *err, size_t errlen)
{
	size_t n = strlen(o->base) + sizeof(".tmp.") + TMP_SUFFIX_LEN;

	o->tmp_name = malloc(n);
	if (!o->tmp_name) {
		snprintf(err, errlen, "%s: out of memory", o->path);
		return -1;
	}
	for (int i = 0; i < TMP_NAME_TRIES; i++) {
		int len = snprintf(o->tmp_name, n, "%s.tmp.", o->base);
		random_suffix(o->tmp_name + len, TMP_SUFFIX_LEN);
		int fd = openat(o->dir_fd, o->tmp_name, O_WRONLY | O_CREAT | O_EXCL |
				O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			break;
	}
	snprintf(err, errlen, "cannot write %s: %s", o->path, strerror(errno));
	free(o->tmp_name);
	o->tmp_name = NULL;
	return -1;
}

/* ---- reports ---- */

/* A FIFO or device named on purpose: opened without following a link, its
 * type checked on the descriptor. Neither created nor truncated. */
static bool open_in_place(struct output_file *o, int dir_fd, unsigned flags,
			  char *err, size_t errlen)
{
	int fd = openat(dir_fd, o->base, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		open_failed(o->path, err, errlen);
		return false;
	}
	if (!opened_type_allowed(fd, EXISTING_SPECIAL, o->path, flags, err, errlen)) {
		close(fd);
		return false;
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		snprintf(err, errlen, "cannot write %s: %s", o->path, strerror(errno));
		close(fd);
		return false;
	}
	o->in_place = true;
	return true;
}

bool output_precheck(const char *path, unsigned flags, char *err, size_t errlen)
{
	struct stat st;

	if (!path || strcmp(path, "-") == 0 || lstat(path, &st) != 0)
		return true;  /* nothing there yet, or output_open will say why */
	return judge_type(st.st_mode, path, flags, err, errlen) != EXISTING_REFUSED;
}

bool output_open(struct output_file *o, const char *path, unsigned flags,
		 char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->dir_fd = -1;
	if (!path || strcmp(path, "-") == 0) {
		o->f = stdout;
		return true;
	}
	o->path = strdup(path);
	if (!o->path) {
		snprintf(err, errlen, "%s: out of memory", path);
		return false;
	}
	o->base = last_component(o->path);
	int dir_fd = open_directory(o->path, err, errlen);
	if (dir_fd < 0)
		goto fail;
	enum existing now = look(dir_fd, o->base, o->path, flags, err, errlen);
	if (now == EXISTING_REFUSED) {
		close(dir_fd);
		goto fail;
	}
	if (now == EXISTING_SPECIAL) {
		bool ok = open_in_place(o, dir_fd, flags, err, errlen);
		close(dir_fd);
		if (!ok)
			goto fail;
		return true;
	}
	/* New or regular: a fresh file renamed over the name. A link planted
	 * there meanwhile is replaced by the rename, never written through. */
	o->dir_fd = dir_fd;
	int fd = create_temporary(o, err, errlen);
	if (fd < 0)
		goto fail;
	o->f = fdopen(fd, "w");
	if (!o->f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		goto fail;
	}
	return true;
fail:
	output_abort(o);
	return false;
}

/* Closes the temporary's directory and forgets everything. */
static void release(struct output_file *o)
{
	if (o->path && o->dir_fd >= 0)
		close(o->dir_fd);
	free(o->tmp_name);
	free(o->path);
	memset(o, 0, sizeof(*o));
	o->dir_fd = -1;
}

static bool close_stream(struct output_file *o, bool sync, char *err, size_t errlen)
{
	const char *name = o->path ? o->path : "output";
	bool ok = true;

	errno = 0;
	if (fflush(o->f) != 0 || ferror(o->f) || (sync && fsync(fileno(o->f)) != 0)) {
		snprintf(err, errlen, "cannot write %s: %s", name, strerror(errno ? errno : EIO));
		ok = false;
	}
	if (fclose(o->f) != 0 && ok) {
		snprintf(err, errlen, "cannot write %s: %s", name, strerror(errno));
		ok = false;
	}
	o->f = NULL;
	return ok;
}

bool output_commit(struct output_file *o, char *err, size_t errlen)
{
	bool ok = true;

	if (o->f == stdout) {
		if (fflush(stdout) != 0 || ferror(stdout)) {
			snprintf(err, errlen, "cannot write to standard output: %s",
				 strerror(errno));
			ok = false;
		}
		o->f = NULL;
		return ok;
	}
	ok = close_stream(o, !o->in_place, err, errlen);
	if (!o->in_place && ok &&
	    renameat(o->dir_fd, o->tmp_name, o->dir_fd, o->base) != 0) {
		snprintf(err, errlen, "cannot put %s in place: %s", o->path,
			 strerror(errno));
		ok = false;
	}
	if (!ok && o->tmp_name)
		unlinkat(o->dir_fd, o->tmp_name, 0);
	release(o);
	return ok;
}

void output_abort(struct output_file *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	o->f = NULL;
	if (o->path && o->tmp_name && o->dir_fd >= 0)
		unlinkat(o->dir_fd, o->tmp_name, 0);
	release(o);
}

/* ---- appended files ---- */

FILE *output_append_open(const char *path, unsigned flags, char *err, size_t errlen)
{
	const char *base = last_component(path);
	FILE *f = NULL;

	err[0] = '\0';
	int dir_fd = open_directory(path, err, errlen);
	if (dir_fd < 0)
		return NULL;
	enum existing now = look(dir_fd, base, path, flags, err, errlen);
	if (now == EXISTING_REFUSED) {
		close(dir_fd);
		return NULL;
	}
	/* Not blocking on a FIFO swapped in meanwhile: it is refused below
	 * unless allowed, and an allowed one waits for its reader as asked. */
	int mode = O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	if (now != EXISTING_SPECIAL)
		mode |= O_NONBLOCK;
	int fd = openat(dir_fd, base, mode, 0666);
	close(dir_fd);
	if (fd < 0) {
		open_failed(path, err, errlen);
		return NULL;
	}
	if (opened_type_allowed(fd, now, path, flags, err, errlen) &&
	    fcntl(fd, F_SETFL, O_APPEND) == 0)
		f = fdopen(fd, "a");
	if (!f) {
		if (!*err)
			snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		close(fd);
	}
	return f;
}
