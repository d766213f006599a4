/* output_file.c - atomic report files (see output_file.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output_file.h"

bool output_open(struct output_file *o, const char *path, char *err,
		 size_t errlen)
{
	memset(o, 0, sizeof(*o));
	if (!path || strcmp(path, "-") == 0) {
		o->f = stdout;
		return true;
	}
	/* A device or a pipe (/dev/null, a FIFO a collector reads) is written
	 * in place: renaming over it would replace it with a file. */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->f = fopen(path, "w");
		if (!o->f) {
			snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
			return false;
		}
		o->in_place = true;
		o->path = strdup(path);
		return true;
	}
	size_t n = strlen(path) + sizeof(".tmp.XXXXXX");
	o->path = strdup(path);
	o->tmp_path = malloc(n);
	if (!o->path || !o->tmp_path) {
		snprintf(err, errlen, "%s: out of memory", path);
		output_abort(o);
		return false;
	}
	snprintf(o->tmp_path, n, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(o->tmp_path);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		free(o->tmp_path);
		o->tmp_path = NULL;
		output_abort(o);
		return false;
	}
	/* mkstemp makes the file 0600; a report gets the usual mode. */
	mode_t mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0666 & ~mask);
	o->f = fdopen(fd, "w");
	if (!o->f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		output_abort(o);
		return false;
	}
	return true;
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
	if (o->in_place) {
		if (fflush(o->f) != 0 || ferror(o->f)) {
			snprintf(err, errlen, "cannot write %s: %s", o->path ? o->path : "output",
				 strerror(errno ? errno : EIO));
			ok = false;
		}
		if (fclose(o->f) != 0 && ok) {
			snprintf(err, errlen, "cannot write %s: %s", o->path ? o->path : "output",
				 strerror(errno));
			ok = false;
		}
		free(o->path);
		memset(o, 0, sizeof(*o));
		return ok;
	}
	if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", o->path,
			 strerror(errno ? errno : EIO));
		ok = false;
	}
	if (fclose(o->f) != 0 && ok) {
		snprintf(err, errlen, "cannot write %s: %s", o->path,
			 strerror(errno));
		ok = false;
	}
	o->f = NULL;
	if (ok && rename(o->tmp_path, o->path) != 0) {
		snprintf(err, errlen, "cannot put %s in place: %s", o->path,
			 strerror(errno));
		ok = false;
	}
	if (!ok)
		unlink(o->tmp_path);
	free(o->tmp_path);
	free(o->path);
	o->tmp_path = o->path = NULL;
	return ok;
}

void output_abort(struct output_file *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	if (o->tmp_path)
		unlink(o->tmp_path);
	free(o->tmp_path);
	free(o->path);
	memset(o, 0, sizeof(*o));
}
