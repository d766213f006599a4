/* main.c - fixturegen: deterministic fixture captures for flowaudit's tests.
 *
 *   fixturegen --list                 every case, one line each
 *   fixturegen CASE OUT [--count N] [--seed S]
 *   fixturegen --all DIR              every case but the volume ones
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixturegen.h"

static const struct fixture_case *const tables[] = {
	engine_cases, audit_cases, health_cases, volume_cases, confidence_cases,
	edge_cases, layout_cases,
};

static const struct fixture_case *find_case(const char *name)
{
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct fixture_case *c = tables[t]; c->name; c++)
			if (strcmp(c->name, name) == 0)
				return c;
	return NULL;
}

static void list(void)
{
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct fixture_case *c = tables[t]; c->name; c++)
			printf("%-28s %s%s\n", c->name, c->description,
			       c->volume ? " [--count N]" : "");
}

static const char *extension(const struct fixture_case *c)
{
	return c->format == FMT_PCAPNG ? "pcapng" : "pcap";
}

static int all(const char *dir)
{
	char path[4096];
	int rc = 0;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		perror(dir);
		return 2;
	}
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (const struct fixture_case *c = tables[t]; c->name; c++) {
			struct case_args a = { 0, 1 };
			if (c->volume)
				continue;
			snprintf(path, sizeof(path), "%s/%s.%s", dir, c->name, extension(c));
			if (c->run(path, &a) != 0) {
				fprintf(stderr, "fixturegen: %s failed\n", c->name);
				rc = 1;
			}
		}
	}
	return rc;
}

static int usage(void)
{
	fprintf(stderr, "usage: fixturegen --list | --all DIR | CASE OUT [--count N] [--seed S]\n");
	return 2;
}

static bool number(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || !*s)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		list();
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--all") == 0)
		return all(argv[2]);
	if (argc < 3)
		return usage();
	const struct fixture_case *c = find_case(argv[1]);
	if (!c) {
		fprintf(stderr, "fixturegen: unknown case %s (see --list)\n", argv[1]);
		return 2;
	}
	struct case_args a = { 0, 1 };
	for (int i = 3; i < argc; i += 2) {
		if (i + 1 >= argc)
			return usage();
		uint64_t *dst = strcmp(argv[i], "--count") == 0 ? &a.count :
				strcmp(argv[i], "--seed") == 0 ? &a.seed : NULL;
		if (!dst || !number(argv[i + 1], dst))
			return usage();
	}
	return c->run(argv[2], &a);
}
