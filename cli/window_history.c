/* window_history.c - the windows behind index.html, and retention (see
 * window_history.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/safe_text.h"
#include "window_history.h"

void window_history_init(struct window_history *h)
{
	memset(h, 0, sizeof(*h));
}

/* ---- streaks ---- */

/* The streaks as they stand after the window being added: built here, then
 * copied over the old ones. */
struct streak_step {
	struct window_history *h;
	struct watch_streak next[WINDOW_STREAKS_MAX];
	unsigned n;
	uint64_t untracked;
};

static struct watch_streak *streak_find(struct watch_streak *s, unsigned n,
					const char *rule, const char *host)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(s[i].rule, rule) == 0 && strcmp(s[i].host, host) == 0)
			return &s[i];
	return NULL;
}

/* A rule and host missing or blocked in the window: one window more in a
 * row if it was in the one before, else a streak starting now. Several
 * findings of one pair (a rule judged per service) count once. */
static void on_failing(void *ctx, const char *rule, const char *host, bool blocked)
{
	struct streak_step *st = ctx;
	struct watch_streak key = { .blocked = blocked };

	snprintf(key.rule, sizeof(key.rule), "%s", rule);
	snprintf(key.host, sizeof(key.host), "%s", host);
	struct watch_streak *seen = streak_find(st->next, st->n, key.rule, key.host);
	if (seen) {
		seen->blocked |= blocked;
		return;
	}
	if (st->n == WINDOW_STREAKS_MAX) {
		st->untracked++;
		return;
	}
	const struct watch_streak *before = streak_find(st->h->streaks, st->h->nstreaks,
							key.rule, key.host);
	key.windows = before ? before->windows + 1 : 1;
	key.since_us = before ? before->since_us : 0;  /* 0: this window's start */
	st->next[st->n++] = key;
}

/* Longest first, then by rule and host: the same page for the same
 * windows. */
static int streak_order(const void *a, const void *b)
{
	const struct watch_streak *x = a, *y = b;
	if (x->windows != y->windows)
		return x->windows > y->windows ? -1 : 1;
	int c = strcmp(x->rule, y->rule);
	return c ? c : strcmp(x->host, y->host);
}

/* ---- windows ---- */

static void push_window(struct window_history *h, const struct watch_window *w)
{
	/* The same window reported again (time stepped back over it): the
	 * new report replaced the old files. */
	for (unsigned i = 0; i < h->nwindows; i++) {
		if (strcmp(h->windows[i].stamp, w->stamp) == 0) {
			memmove(&h->windows[i], &h->windows[i + 1],
				(h->nwindows - i - 1) * sizeof(h->windows[0]));
			h->nwindows--;
			break;
		}
	}
	if (h->nwindows == WINDOW_HISTORY_MAX) {
		memmove(&h->windows[0], &h->windows[1],
			(WINDOW_HISTORY_MAX - 1) * sizeof(h->windows[0]));
		h->nwindows--;
	}
	h->windows[h->nwindows++] = *w;
}

bool window_history_add(struct window_history *h, const char *json, size_t len,
			unsigned formats, char *err, size_t errlen)
{
	struct streak_step *st = calloc(1, sizeof(*st));
	struct watch_window w;

	if (!st) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	st->h = h;
	/* The window's start is known only once the report is read; the
	 * streaks it starts are dated after. */
	if (!watch_report_read(json, len, &w, on_failing, st, err, errlen)) {
		free(st);
		return false;
	}
	for (unsigned i = 0; i < st->n; i++)
		if (st->next[i].windows == 1)
			st->next[i].since_us = w.start_us;
	w.formats = formats;
	push_window(h, &w);
	qsort(st->next, st->n, sizeof(st->next[0]), streak_order);
	memcpy(h->streaks, st->next, st->n * sizeof(st->next[0]));
	h->nstreaks = st->n;
	h->untracked = st->untracked;
	free(st);
	return true;
}

void window_history_forget(struct window_history *h, const char *stamp)
{
	for (unsigned i = 0; i < h->nwindows; i++) {
		if (strcmp(h->windows[i].stamp, stamp) == 0) {
			memmove(&h->windows[i], &h->windows[i + 1],
				(h->nwindows - i - 1) * sizeof(h->windows[0]));
			h->nwindows--;
			return;
		}
	}
}

void window_history_index(const struct window_history *h, struct watch_index *ix,
			  const char *site, uint64_t window_us, const char *retention)
{
	*ix = (struct watch_index){
		.site = site,
		.windows = h->windows, .nwindows = h->nwindows,
		.streaks = h->streaks, .nstreaks = h->nstreaks,
		.streaks_untracked = h->untracked,
		.window_us = window_us,
		.retention = retention,
	};
}

/* ---- the directory ---- */

struct stamp_entry {
	char stamp[WINDOW_STAMP_LEN];
	unsigned formats;
};

struct stamp_list {
	struct stamp_entry *e;
	size_t n, cap;
};

static int stamp_order(const void *a, const void *b)
{
	return strcmp(((const struct stamp_entry *)a)->stamp,
		      ((const struct stamp_entry *)b)->stamp);
}

/* Every window whose report files are in the directory, by stamp, with
 * the formats found. Transient: as many entries as windows in it. */
static bool list_windows(int dir_fd, struct stamp_list *l, char *err, size_t errlen)
{
	int fd = dup(dir_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char stamp[WINDOW_STAMP_LEN];

	memset(l, 0, sizeof(*l));
	if (!d) {
		snprintf(err, errlen, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	while ((de = readdir(d))) {
		int ext = window_report_name(de->d_name, stamp);
		if (ext < 0)
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap ? 2 * l->cap : 64;
			struct stamp_entry *more = realloc(l->e, cap * sizeof(*more));
			if (!more) {
				snprintf(err, errlen, "out of memory");
				closedir(d);
				return false;
			}
			l->e = more;
			l->cap = cap;
		}
		l->e[l->n++] = (struct stamp_entry){ .formats = 1u << ext };
		memcpy(l->e[l->n - 1].stamp, stamp, WINDOW_STAMP_LEN);
	}
	closedir(d);
	if (!l->n)
		return true;
	qsort(l->e, l->n, sizeof(l->e[0]), stamp_order);
	size_t o = 0;
	for (size_t i = 1; i < l->n; i++) {
		if (strcmp(l->e[i].stamp, l->e[o].stamp) == 0)
			l->e[o].formats |= l->e[i].formats;
		else
			l->e[++o] = l->e[i];
	}
	l->n = o + 1;
	return true;
}

static int open_dir(const char *dir)
{
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* A report of ours read back: a regular file reached without following a
 * link, of bounded size. NULL with why in err. */
static char *read_report(int dir_fd, const char *name, size_t *len, char *err,
			 size_t errlen)
{
	int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	char *buf = NULL;

	if (fd < 0) {
		snprintf(err, errlen, "%s", errno == ELOOP ? "a symbolic link" : strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		snprintf(err, errlen, "not a regular file");
	else if ((uint64_t)st.st_size > WINDOW_REPORT_READ_MAX)
		snprintf(err, errlen, "bigger than %u MiB", WINDOW_REPORT_READ_MAX >> 20);
	else if (!(buf = malloc((size_t)st.st_size + 1)))
		snprintf(err, errlen, "out of memory");
	else {
		size_t got = 0;
		ssize_t r;
		while (got < (size_t)st.st_size &&
		       (r = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
			got += (size_t)r;
		buf[got] = '\0';
		*len = got;
	}
	close(fd);
	return buf;
}

unsigned window_history_rebuild(struct window_history *h, const char *dir, FILE *warn)
{
	struct stamp_list l;
	char err[256], name[64];
	unsigned added = 0;
	int dir_fd = open_dir(dir);

	if (dir_fd < 0)
		return 0;
	if (!list_windows(dir_fd, &l, err, sizeof(err))) {
		close(dir_fd);
		return 0;
	}
	int json = window_extension_index("json");
	size_t from = l.n > WINDOW_HISTORY_MAX ? l.n - WINDOW_HISTORY_MAX : 0;
	for (size_t i = from; i < l.n; i++) {
		size_t len = 0;
		if (!(l.e[i].formats & (1u << json)))
			continue;
		snprintf(name, sizeof(name), "flowaudit-%s.json", l.e[i].stamp);
		char *text = read_report(dir_fd, name, &len, err, sizeof(err));
		if (text && window_history_add(h, text, len, l.e[i].formats, err, sizeof(err)))
			added++;
		else if (warn) {
			text_printf_safe(warn, "flowaudit: watch: %s/%s: not read back for "
					 "index.html: %s", dir, name, err);
			fputc('\n', warn);
		}
		free(text);
	}
	free(l.e);
	close(dir_fd);
	return added;
}

/* ---- retention ---- */

static bool too_old(const char *stamp, const struct window_retention *keep,
		    uint64_t now_us)
{
	uint64_t start;
	return keep->keep_us && window_stamp_time(stamp, &start) && start < now_us &&
	       now_us - start > keep->keep_us;
}

bool window_retention_plan(const char *dir, const struct window_retention *keep,
			   const char *written, uint64_t now_us,
			   char (**doomed)[WINDOW_STAMP_LEN], unsigned *n, char *err,
			   size_t errlen)
{
	struct stamp_list l;
	int dir_fd = open_dir(dir);

	*doomed = NULL;
	*n = 0;
	if (dir_fd < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return false;
	}
	bool ok = list_windows(dir_fd, &l, err, errlen);
	close(dir_fd);
	if (!ok || !l.n) {
		free(l.e);
		return ok;
	}
	*doomed = malloc(l.n * sizeof(**doomed));
	if (!*doomed) {
		snprintf(err, errlen, "out of memory");
		free(l.e);
		return false;
	}
	/* Newest first: the window just written counts as one of those kept
	 * wherever it sorts (time may have stepped back). */
	unsigned kept = 1;
	for (size_t k = l.n; k-- > 0;) {
		const char *s = l.e[k].stamp;
		if (strcmp(s, written) == 0)
			continue;
		if ((keep->keep && kept >= keep->keep) || too_old(s, keep, now_us))
			memcpy((*doomed)[(*n)++], s, WINDOW_STAMP_LEN);
		else
			kept++;
	}
	free(l.e);
	if (!*n) {
		free(*doomed);
		*doomed = NULL;
	}
	return true;
}

static bool is_doomed(const char *stamp, char (*doomed)[WINDOW_STAMP_LEN], unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(stamp, doomed[i]) == 0)
			return true;
	return false;
}

unsigned window_retention_remove(const char *dir, char (*doomed)[WINDOW_STAMP_LEN],
				 unsigned n, FILE *warn)
{
	int dir_fd = open_dir(dir);
	int fd = dir_fd >= 0 ? dup(dir_fd) : -1;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char stamp[WINDOW_STAMP_LEN];
	unsigned removed = 0;

	if (!d) {
		if (warn) {
			text_printf_safe(warn, "flowaudit: watch: cannot remove old reports "
					 "from %s: %s", dir, strerror(errno));
			fputc('\n', warn);
		}
		if (fd >= 0)
			close(fd);
		if (dir_fd >= 0)
			close(dir_fd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (window_report_name(de->d_name, stamp) < 0 || !is_doomed(stamp, doomed, n))
			continue;
		/* The name is looked at, never followed; unlinkat removes a name,
		 * so even a file swapped in since is removed as a name, never
		 * anything it points to. */
		if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (!S_ISREG(st.st_mode)) {
			if (warn) {
				text_printf_safe(warn, "flowaudit: watch: not removing %s/%s: "
						 "not a regular file", dir, de->d_name);
				fputc('\n', warn);
			}
			continue;
		}
		if (unlinkat(dir_fd, de->d_name, 0) == 0)
			removed++;
		else if (warn) {
			text_printf_safe(warn, "flowaudit: watch: cannot remove %s/%s: %s",
					 dir, de->d_name, strerror(errno));
			fputc('\n', warn);
		}
	}
	closedir(d);
	close(dir_fd);
	return removed;
}
