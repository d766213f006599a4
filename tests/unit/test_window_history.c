/* test_window_history.c - watch's window report names, retention and
 * streaks (cli/window_history.h, reports/watch_index.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/window_history.h"
#include "tap.h"

static char dir[] = "/tmp/flowaudit-wh-XXXXXX";

static void touch(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs("x", f);
		fclose(f);
	}
}

static bool exists(const char *name)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

static void names(void)
{
	char stamp[WINDOW_STAMP_LEN];
	uint64_t us;

	is_int(window_report_name("flowaudit-20231114T221320Z.json", stamp), 1,
	       "a JSON window report is ours");
	is_str(stamp, "20231114T221320Z", "its stamp");
	ok(window_report_name("flowaudit-20231114T221320Z.html", stamp) == 0,
	   "so is an HTML one");
	static const char *const not_ours[] = {
		"flowaudit-20231114T221320Z.json.tmp.abcdef", "flowaudit-20231114T221320Z.pdf",
		"flowaudit-2023111XT221320Z.json", "flowaudit-20231114T221320.json",
		"latest.json", "index.html", "xflowaudit-20231114T221320Z.json",
		"flowaudit-20231114T221320Z.", "flowaudit-20231114T221320Z",
		"flowaudit-20231114t221320Z.json",
	};
	for (size_t i = 0; i < sizeof(not_ours) / sizeof(not_ours[0]); i++)
		ok(window_report_name(not_ours[i], stamp) < 0, "not ours: %s", not_ours[i]);
	ok(window_stamp_time("20231114T221320Z", &us) && us == 1700000000ull * 1000000,
	   "a stamp's time");
	window_stamp(stamp, 1700000000ull * 1000000 + 5);
	is_str(stamp, "20231114T221320Z", "a window's stamp");
}

static void retention(void)
{
	struct window_retention keep = { .keep = 2 };
	char (*doomed)[WINDOW_STAMP_LEN];
	unsigned n;
	char err[256] = "";
	char target[512];

	touch("flowaudit-20231114T221320Z.json");
	touch("flowaudit-20231114T221320Z.html");
	touch("flowaudit-20231114T221322Z.json");
	touch("flowaudit-20231114T221324Z.json");
	touch("flowaudit-20231114T221326Z.csv");
	touch("notes.txt");
	touch("flowaudit-20231114T221320Z.json.tmp.Abc123");
	snprintf(target, sizeof(target), "%s/notes.txt", dir);
	char link[512];
	snprintf(link, sizeof(link), "%s/flowaudit-20231114T221320Z.xml", dir);
	ok(symlink(target, link) == 0, "a link named like a report");

	/* Time stepped back: the window just written is the oldest. */
	ok(window_retention_plan(dir, &keep, "20231114T221320Z", 1700000006ull * 1000000,
				 &doomed, &n, err, sizeof(err)), "a plan: %s", err);
	ok(n == 2 && strcmp(doomed[0], "20231114T221324Z") == 0 &&
	   strcmp(doomed[1], "20231114T221322Z") == 0,
	   "--keep 2 with the window just written the oldest: it stays, with the "
	   "newest other; the two between go (%u)", n);
	free(doomed);

	ok(window_retention_plan(dir, &keep, "20231114T221326Z", 1700000006ull * 1000000,
				 &doomed, &n, err, sizeof(err)) && n == 2 &&
	   strcmp(doomed[0], "20231114T221322Z") == 0 &&
	   strcmp(doomed[1], "20231114T221320Z") == 0,
	   "--keep 2: the two oldest windows go");
	FILE *warn = tmpfile();
	unsigned removed = window_retention_remove(dir, doomed, n, warn);
	free(doomed);
	is_int(removed, 3, "their regular files removed (two formats of one)");
	ok(!exists("flowaudit-20231114T221320Z.json") &&
	   !exists("flowaudit-20231114T221320Z.html") &&
	   !exists("flowaudit-20231114T221322Z.json"), "gone");
	ok(exists("flowaudit-20231114T221320Z.xml") && exists("notes.txt") &&
	   exists("flowaudit-20231114T221320Z.json.tmp.Abc123") &&
	   exists("flowaudit-20231114T221324Z.json") &&
	   exists("flowaudit-20231114T221326Z.csv"),
	   "the link, other names, temporaries and the kept windows stay");
	char said[512] = "";
	rewind(warn);
	size_t got = fread(said, 1, sizeof(said) - 1, warn);
	said[got] = '\0';
	fclose(warn);
	ok(strstr(said, "not removing") && strstr(said, "flowaudit-20231114T221320Z.xml"),
	   "the link left is said");

	struct window_retention days = { .keep_us = 3ull * 1000000 };
	ok(window_retention_plan(dir, &days, "20231114T221326Z", 1700000008ull * 1000000,
				 &doomed, &n, err, sizeof(err)) && n == 2,
	   "--keep-days: windows started longer ago than kept go (%u)", n);
	free(doomed);
	unlink(link);
}

static const char *report(const char *start, const char *verdict, const char *rule,
			  const char *kind)
{
	static char buf[2048];
	snprintf(buf, sizeof(buf),
		 "{\"schema\":\"flowaudit-report/1\",\"capture\":{\"window_start\":%s,"
		 "\"window_end\":%s.5},\"summary\":{\"verdict\":\"%s\",\"missing\":1},"
		 "\"findings\":[{\"kind\":\"%s\",\"rule\":\"%s\",\"client\":{\"ip\":"
		 "\"10.1.0.20\"},\"server\":{\"ip\":null}},{\"kind\":\"%s\",\"rule\":"
		 "\"%s\",\"client\":{\"ip\":\"10.1.0.20\"},\"server\":{\"ip\":null}}]}",
		 start, start, verdict, kind, rule, kind, rule);
	return buf;
}

static void streaks(void)
{
	static struct window_history h;
	char err[256] = "";
	const char *r;

	window_history_init(&h);
	r = report("1700000000", "fail", "a", "missing");
	ok(window_history_add(&h, r, strlen(r), 1, err, sizeof(err)), "window 1: %s", err);
	r = report("1700000002", "fail", "a", "blocked");
	window_history_add(&h, r, strlen(r), 1, err, sizeof(err));
	r = report("1700000004", "fail", "a", "missing");
	window_history_add(&h, r, strlen(r), 1, err, sizeof(err));
	ok(h.nstreaks == 1 && h.streaks[0].windows == 3 &&
	   h.streaks[0].since_us == 1700000000ull * 1000000 && !h.streaks[0].blocked &&
	   strcmp(h.streaks[0].host, "10.1.0.20") == 0,
	   "missing, blocked, missing: three windows in a row (the same pair twice "
	   "in a window counts once), since the first");
	r = report("1700000006", "pass", "b", "missing");
	window_history_add(&h, r, strlen(r), 1, err, sizeof(err));
	ok(h.nstreaks == 1 && strcmp(h.streaks[0].rule, "b") == 0 &&
	   h.streaks[0].windows == 1, "a pair absent from a window ends its streak");
	ok(h.nwindows == 4 && h.windows[3].verdict == VERDICT_PASS &&
	   strcmp(h.windows[0].stamp, "20231114T221320Z") == 0, "the windows, in order");
	window_history_forget(&h, "20231114T221320Z");
	ok(h.nwindows == 3 && strcmp(h.windows[0].stamp, "20231114T221322Z") == 0,
	   "a removed window is forgotten");
	ok(!window_history_add(&h, "{\"schema\":\"other\"}", 18, 1, err, sizeof(err)) &&
	   strstr(err, "schema"), "another JSON file is refused: %s", err);
	ok(!window_history_add(&h, "{", 1, 1, err, sizeof(err)), "broken JSON is refused");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	names();
	retention();
	streaks();
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return done_testing();
}
