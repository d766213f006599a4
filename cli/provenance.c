/* provenance.c - the metadata an auditor signs (see provenance.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "provenance.h"

/* Characters a POSIX shell reads as themselves anywhere in a word. */
static bool shell_plain(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_@%+=:,./-", *s))
			return false;
	return true;
}

/* The bytes s takes once quoted: each ' becomes '\'' inside '...'. */
static size_t quoted_len(const char *s)
{
	size_t n = 2;
	if (shell_plain(s))
		return strlen(s);
	for (; *s; s++)
		n += *s == '\'' ? 4 : 1;
	return n;
}

static char *put_quoted(char *o, const char *s)
{
	if (shell_plain(s))
		return stpcpy(o, s);
	*o++ = '\'';
	for (; *s; s++) {
		if (*s == '\'')
			o = stpcpy(o, "'\\''");
		else
			*o++ = *s;
	}
	*o++ = '\'';
	return o;
}

char *provenance_command_line(int argc, char *const argv[])
{
	size_t len = strlen("flowaudit") + 1;
	for (int i = 0; i < argc; i++)
		len += 1 + quoted_len(argv[i]);
	char *line = malloc(len), *o = line;
	if (!line)
		return NULL;
	o = stpcpy(o, "flowaudit");
	for (int i = 0; i < argc; i++) {
		*o++ = ' ';
		o = put_quoted(o, argv[i]);
	}
	*o = '\0';
	return line;
}

bool provenance_wanted(const struct report_outputs *o)
{
	for (unsigned i = 0; i < o->n; i++)
		if (o->out[i].format == REPORT_HTML)
			return true;
	return false;
}

bool provenance_hash_file(const char *path, char hex[65], uint64_t *size,
			  char *why, size_t whylen)
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];
	static uint8_t chunk[1 << 16];  /* one report at a time, on one thread */
	size_t got;
	struct stat st;

	hex[0] = '\0';
	*size = 0;
	/* Non-blocking: a FIFO with no writer must not hang the report. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "could not be opened to hash: %s", strerror(errno));
		return false;
	}
	/* A pipe or a device was read once by the capture: opened again it
	 * gives other bytes or none, and a digest of those would be a lie. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file (a pipe or a device): read once, "
			 "so it cannot be hashed afterwards");
		close(fd);
		return false;
	}
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		snprintf(why, whylen, "could not be opened to hash: %s", strerror(errno));
		close(fd);
		return false;
	}
	sha256_init(&ctx);
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		sha256_update(&ctx, got, chunk);
		*size += got;
	}
	bool ok = !ferror(f);
	if (!ok)
		snprintf(why, whylen, "could not be read to hash: %s", strerror(errno));
	fclose(f);
	if (!ok)
		return false;
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	return true;
}

/* SOURCE_DATE_EPOCH (reproducible-builds.org) when it is a plain number of
 * seconds; else the wall clock. */
static uint64_t generated_now_us(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde && strspn(sde, "0123456789") == strlen(sde) && strlen(sde) <= 12)
		return strtoull(sde, NULL, 10) * 1000000ull;
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000ull + (uint64_t)t.tv_nsec / 1000;
}

/* A file named on the command line: hashed now, from disk. */
static void describe_file(struct report_file *out, const char *path, char *why,
			  size_t whylen)
{
	why[0] = '\0';
	out->name = path ? path : "";
	if (path)
		provenance_hash_file(path, out->sha256, &out->size, why, whylen);
	out->why_unhashed = why;
}

/* A capture input: a file is hashed; standard input and interfaces are
 * gone once read, and the report says so rather than leaving a gap. */
static void describe_input(struct report_file *out, const struct input_summary *in,
			   char *why, size_t whylen)
{
	if (in->live) {
		out->name = in->name;
		snprintf(why, whylen, "a live interface: packets are not kept, "
			 "so there is no file to hash");
		out->why_unhashed = why;
	} else if (strcmp(in->name, "-") == 0) {
		out->name = in->name;
		snprintf(why, whylen, "standard input: read once and not kept, "
			 "so it cannot be hashed afterwards");
		out->why_unhashed = why;
	} else {
		describe_file(out, in->name, why, whylen);
	}
}

bool provenance_fill(struct provenance *pv, struct audit_report *r,
		     char *command_line)
{
	unsigned n = r->capture.ninputs;

	memset(pv, 0, sizeof(*pv));
	pv->inputs = calloc(n ? n : 1, sizeof(*pv->inputs));
	pv->input_why = calloc(n ? n : 1, sizeof(*pv->input_why));
	if (!pv->inputs || !pv->input_why) {
		provenance_free(pv);
		return false;
	}
	pv->command_line = command_line;
	pv->p.command_line = command_line ? command_line : "";
	pv->p.generated_us = generated_now_us();
	size_t nc = components_list(pv->components);
	for (size_t i = 0; i < nc && i < REPORT_COMPONENTS; i++) {
		pv->p.components[i].name = pv->components[i].name;
		pv->p.components[i].version = pv->components[i].version;
		pv->p.ncomponents++;
	}
	describe_file(&pv->p.matrix, ruleset_matrix_path(r->rules), pv->matrix_why,
		      sizeof(pv->matrix_why));
	describe_file(&pv->p.site, ruleset_site_path(r->rules), pv->site_why,
		      sizeof(pv->site_why));
	for (unsigned i = 0; i < n; i++)
		describe_input(&pv->inputs[i], &r->capture.inputs[i], pv->input_why[i],
			       sizeof(pv->input_why[i]));
	pv->p.inputs = pv->inputs;
	pv->p.ninputs = n;
	r->provenance = &pv->p;
	return true;
}

void provenance_reuse(struct provenance *pv, struct audit_report *r)
{
	pv->p.generated_us = generated_now_us();
	r->provenance = &pv->p;
}

void provenance_free(struct provenance *pv)
{
	free(pv->inputs);
	free(pv->input_why);
	free(pv->command_line);
	memset(pv, 0, sizeof(*pv));
}
