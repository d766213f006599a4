/* test_output_file.c - report and event files are never written through a
 * link, a device or FIFO only when allowed, temporaries are exclusive and
 * leave nothing behind. Needs no root (the directory rule for root is in
 * tests/e2e/outputs.sh and tests/live/output_links.sh). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/output_file.h"
#include "tap.h"

static char dir[] = "/tmp/flowaudit-output-XXXXXX";
static char path[512], victim[512];

static const char *in_dir(char *out, const char *name)
{
	snprintf(out, 512, "%s/%s", dir, name);
	return out;
}

static void write_text(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
}

static bool has_text(const char *p, const char *text)
{
	char buf[256] = "";
	FILE *f = fopen(p, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strcmp(buf, text) == 0;
}

/* A temporary left in the directory. */
static int stray_files(void)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "ls -A %s | grep -c '\\.tmp\\.' >/dev/null", dir);
	return system(cmd) == 0;
}

static void report_through_link(void)
{
	struct output_file o;
	char err[1024];

	in_dir(victim, "victim");
	write_text(victim, "untouched");
	in_dir(path, "link.json");
	symlink(victim, path);
	ok(!output_open(&o, path, 0, err, sizeof(err)) &&
	   strstr(err, "is a symbolic link") && strstr(err, path),
	   "a link as the report's name is refused, naming it: %s", err);
	ok(!output_open(&o, path, OUTPUT_ALLOW_SPECIAL, err, sizeof(err)),
	   "... with special outputs allowed too");
	struct stat st;
	ok(lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && has_text(victim, "untouched") &&
	   !stray_files(), "the link, its target and the directory are as they were");

	unlink(path);
	symlink("/dev/null", path);
	ok(!output_open(&o, path, OUTPUT_ALLOW_SPECIAL, err, sizeof(err)) &&
	   strstr(err, "symbolic link"), "a link to /dev/null is refused even when devices are allowed");
	unlink(path);

	FILE *f = output_append_open(in_dir(path, "ev.jsonl"), 0, err, sizeof(err));
	ok(f != NULL, "an events file is created");
	if (f)
		fclose(f);
	unlink(path);
	symlink(victim, path);
	ok(!output_append_open(path, 0, err, sizeof(err)) && strstr(err, "symbolic link") &&
	   has_text(victim, "untouched"), "an events file that is a link is refused: %s", err);
	unlink(path);
	char later[512];
	symlink(in_dir(later, "not-yet"), path);
	ok(!output_append_open(path, 0, err, sizeof(err)) && access(later, F_OK) != 0,
	   "a dangling link as the events file: refused, nothing created at its target");
	unlink(path);
}

static void special_files(void)
{
	struct output_file o;
	char err[1024];

	in_dir(path, "fifo");
	mkfifo(path, 0600);
	ok(!output_open(&o, path, 0, err, sizeof(err)) && strstr(err, "is a FIFO") &&
	   strstr(err, "--allow-special-output"),
	   "a FIFO is refused unless allowed, before any open (no reader needed): %s", err);
	ok(!output_append_open(path, 0, err, sizeof(err)) && strstr(err, "is a FIFO"),
	   "... as an events file too");
	/* A reader, so that opening for writing does not wait. */
	int reader = open(path, O_RDONLY | O_NONBLOCK);
	ok(output_open(&o, path, OUTPUT_ALLOW_SPECIAL, err, sizeof(err)) && o.in_place,
	   "allowed, a FIFO is written in place");
	if (o.f) {
		fputs("hello", o.f);
		ok(output_commit(&o, err, sizeof(err)), "and committed");
	}
	char buf[16] = "";
	ok(read(reader, buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0,
	   "the reader gets the report");
	struct stat st;
	ok(lstat(path, &st) == 0 && S_ISFIFO(st.st_mode), "the FIFO stays a FIFO");
	close(reader);
	unlink(path);

	ok(!output_open(&o, dir, 0, err, sizeof(err)) && strstr(err, "it is a directory"),
	   "a directory is no report file: %s", err);
	snprintf(path, sizeof(path), "%s/", dir);
	ok(!output_open(&o, path, 0, err, sizeof(err)) && strstr(err, "names a directory"),
	   "a path ending in / names a directory: %s", err);
}

static void atomic_replace(void)
{
	struct output_file o;
	char err[1024];

	in_dir(path, "r.json");
	write_text(path, "old");
	ok(output_open(&o, path, 0, err, sizeof(err)) && o.tmp_name &&
	   strncmp(o.tmp_name, "r.json.tmp.", 11) == 0, "a temporary next to the report");
	fputs("new", o.f);
	ok(has_text(path, "old"), "the old report stays until the commit");
	ok(output_commit(&o, err, sizeof(err)) && has_text(path, "new") && !stray_files(),
	   "committed: the new report in place, no temporary left");

	ok(output_open(&o, path, 0, err, sizeof(err)), "opened again");
	fputs("half", o.f);
	output_abort(&o);
	ok(has_text(path, "new") && !stray_files(), "aborted: the report untouched, no temporary");

	/* Two writers at once get two temporaries. */
	struct output_file a, b;
	ok(output_open(&a, path, 0, err, sizeof(err)) && output_open(&b, path, 0, err, sizeof(err)) &&
	   strcmp(a.tmp_name, b.tmp_name) != 0, "two writers, two temporaries");
	output_abort(&a);
	output_abort(&b);
	unlink(path);

	ok(!output_open(&o, "/nonexistent-dir-flowaudit/r.json", 0, err, sizeof(err)) &&
	   strstr(err, "/nonexistent-dir-flowaudit/r.json"), "a missing directory: %s", err);
	ok(output_open(&o, "-", 0, err, sizeof(err)) && o.f == stdout, "\"-\" is standard output");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	report_through_link();
	special_files();
	atomic_replace();
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "clean up %s", dir);
	return done_testing();
}
