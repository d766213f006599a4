/* cmd_merge.c - `flowaudit merge`: JSON audit reports of parts of a site's
 * traffic (sensors, files, a watch's windows) into the site-wide report
 * (docs/merge.md).
 *
 * Each report carries the verdict's raw state (docs/report-format.md,
 * "state"); the states are added up (verdict_state_load, the operation of
 * verdict_merge) and the findings derived once from the sum, as for one
 * audit of everything. Reports name the parts they hold (leaf report
 * identities): a report whose parts are all in already is skipped, one
 * that overlaps partly is refused, so merging a report with itself, or a
 * merged report with one of its parts, counts nothing twice. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/verdict.h"
#include "audit/verdict_state.h"
#include "cli.h"
#include "common/read_whole.h"
#include "config.h"
#include "report_outputs.h"
#include "rules/rules.h"
#include "run_report.h"

/* What one run reads at most: reports, each report's size, its parts. */
#define MERGE_MAX_REPORTS 1024
#define MERGE_MAX_BYTES (256u << 20)
#define MERGE_MAX_PARTS 65536
#define MERGE_MAX_INPUTS 65536

struct merge_report {
	const char *path;
	cJSON *root;
	const cJSON *state;
	const char *matrix_sha256, *site_sha256;
	const char *matrix_file, *site_file;
	const cJSON *parts;        /* array of identities */
	bool skipped;              /* all its parts were in already */
};

struct merge {
	struct merge_report *reports;
	unsigned n;
	const char **ids;          /* the parts included, sorted at the end */
	unsigned nids;
	struct input_summary *inputs;
	unsigned ninputs;
};

static void merge_usage(FILE *f)
{
	fprintf(f,
	"usage: flowaudit merge [OPTIONS] REPORT.json...\n"
	"\n"
	"Merges JSON audit reports of parts of a site's traffic (sensors,\n"
	"capture files, a watch's windows) into the site-wide report: observed\n"
	"anywhere wins, blocked only where no part saw a success, missing only\n"
	"where no part saw an attempt and some part saw the host. The reports\n"
	"must come from the same matrix and site (by SHA-256). A report whose\n"
	"parts are all merged already is skipped; one that overlaps partly is\n"
	"refused. See docs/merge.md.\n"
	"\n"
	"Rules (default: the files the first report names, checked by SHA-256):\n"
	"      --site FILE          the site the reports were audited against\n"
	"      --matrix FILE        the matrix\n"
	"      --fail-on KINDS      finding kinds that fail (exit 1):\n"
	"                           missing,blocked,unexpected (default) or none\n"
	"Output (pairs repeat):\n"
	"      --format FMT         %s\n"
	"  -o, --output FILE        where the preceding --format goes (default\n"
	"                           stdout); written atomically\n"
	"      --allow-special-output  -o may name a FIFO or character device\n"
	"      --color WHEN         text colour: auto (default), always, never\n"
	"  -h, --help               this help\n"
	"\n"
	"Exit status: as audit: 0 no finding of a --fail-on kind, 1 such\n"
	"findings, 3 inconclusive, 2 bad usage or a report that cannot be\n"
	"merged.\n",
	report_formats_help());
}

/* The whole file, at most MERGE_MAX_BYTES, NUL-terminated. */
static char *read_report_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	enum read_whole_status status;
	size_t len;

	if (!f) {
		cli_error("merge: %s: %s", path, strerror(errno));
		return NULL;
	}
	char *text = read_whole(f, MERGE_MAX_BYTES, &len, &status);
	int saved = errno;
	fclose(f);
	if (status == READ_WHOLE_TOO_LARGE)
		cli_error("merge: %s: larger than %u MiB: not a report", path,
			  MERGE_MAX_BYTES >> 20);
	else if (status == READ_WHOLE_ERROR)
		cli_error("merge: %s: %s", path, strerror(saved));
	else if (status == READ_WHOLE_NO_MEMORY)
		cli_error("merge: %s: out of memory", path);
	return text;
}

static bool is_sha256(const cJSON *x)
{
	if (!cJSON_IsString(x) || strlen(x->valuestring) != 64)
		return false;
	for (const char *p = x->valuestring; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* The JSON path that fails, in a message naming the file. */
static bool bad(const struct merge_report *r, const char *path, const char *what)
{
	cli_error("merge: %s: %s: %s", r->path, path, what);
	return false;
}

static const char *file_of(const cJSON *root, const char *key)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, key);
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "file");
	return cJSON_IsString(f) ? f->valuestring : NULL;
}

/* Reads and checks a report's header and state header. */
static bool load_report(struct merge_report *r)
{
	char *text = read_report_file(r->path);
	if (!text)
		return false;
	const char *end = NULL;
	r->root = cJSON_ParseWithOpts(text, &end, true);
	if (!r->root) {
		size_t at = end ? (size_t)(end - text) : 0;
		cli_error("merge: %s: not JSON (at byte %zu)", r->path, at);
		free(text);
		return false;
	}
	free(text);
	const cJSON *schema = cJSON_GetObjectItemCaseSensitive(r->root, "schema");
	if (!cJSON_IsObject(r->root) || !cJSON_IsString(schema) ||
	    strcmp(schema->valuestring, "flowaudit-report/1") != 0)
		return bad(r, "$.schema", "not a flowaudit JSON audit report "
			   "(flowaudit-report/1)");
	r->state = cJSON_GetObjectItemCaseSensitive(r->root, "state");
	if (!cJSON_IsObject(r->state))
		return bad(r, "$.state", "missing: the report carries no merge state "
			   "(made by a flowaudit before merge, or not by audit)");
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(r->state, "version");
	if (!cJSON_IsNumber(version) || version->valuedouble != VERDICT_STATE_VERSION)
		return bad(r, "$.state.version", "wants 1, the state version this "
			   "flowaudit reads");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(r->state, "matrix_sha256");
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(r->state, "site_sha256");
	if (!is_sha256(m))
		return bad(r, "$.state.matrix_sha256", "wants 64 lowercase hex digits "
			   "(the matrix could not be read when the report was made)");
	if (!is_sha256(s))
		return bad(r, "$.state.site_sha256", "wants 64 lowercase hex digits "
			   "(the site could not be read when the report was made)");
	r->matrix_sha256 = m->valuestring;
	r->site_sha256 = s->valuestring;
	r->matrix_file = file_of(r->root, "matrix");
	r->site_file = file_of(r->root, "site");
	r->parts = cJSON_GetObjectItemCaseSensitive(r->state, "parts");
	int n = cJSON_IsArray(r->parts) ? cJSON_GetArraySize(r->parts) : -1;
	if (n < 1 || n > MERGE_MAX_PARTS)
		return bad(r, "$.state.parts", "wants an array of 1 to 65536 report "
			   "identities");
	int i = 0;
	const cJSON *id;
	cJSON_ArrayForEach(id, r->parts) {
		if (!is_sha256(id)) {
			char path[64];
			snprintf(path, sizeof(path), "$.state.parts[%d]", i);
			return bad(r, path, "wants 64 lowercase hex digits");
		}
		i++;
	}
	return true;
}

/* Two reports of one rules file (what: "matrices" or "sites"), by hash. */
static bool same_rules_file(const char *what, const struct merge_report *a,
			    const char *a_file, const char *a_sha256,
			    const struct merge_report *b, const char *b_file,
			    const char *b_sha256)
{
	if (strcmp(a_sha256, b_sha256) == 0)
		return true;
	cli_error("merge: %s and %s were audited against different %s (%s, sha256 "
		  "%.12s; %s, sha256 %.12s): their findings cannot be merged",
		  a->path, b->path, what, a_file ? a_file : "?", a_sha256,
		  b_file ? b_file : "?", b_sha256);
	return false;
}

/* Every report from the first one's matrix and site. */
static bool same_rules(const struct merge *m)
{
	const struct merge_report *a = &m->reports[0];
	for (unsigned i = 1; i < m->n; i++) {
		const struct merge_report *b = &m->reports[i];
		if (!same_rules_file("matrices", a, a->matrix_file, a->matrix_sha256,
				     b, b->matrix_file, b->matrix_sha256) ||
		    !same_rules_file("sites", a, a->site_file, a->site_sha256,
				     b, b->site_file, b->site_sha256))
			return false;
	}
	return true;
}

/* The rule set the reports were judged against, checked by content. */
static struct ruleset *load_rules(const struct merge *m, const struct rules_options *opt)
{
	const struct merge_report *a = &m->reports[0];
	const char *matrix = opt->matrix ? opt->matrix : a->matrix_file;
	const char *site = opt->site ? opt->site : a->site_file;
	char msha[65], ssha[65];

	if (!matrix || !site) {
		cli_error("merge: %s names no %s file: give it with --%s", a->path,
			  matrix ? "site" : "matrix", matrix ? "site" : "matrix");
		return NULL;
	}
	struct diag d = { .out = stderr };
	struct ruleset *rs = ruleset_load(matrix, site, &d);
	if (!rs) {
		rules_load_failed(&d);
		return NULL;
	}
	rules_identity(rs, msha, ssha);
	if (strcmp(msha, a->matrix_sha256) != 0) {
		cli_error("merge: the matrix %s (sha256 %.12s) is not the one %s was "
			  "audited against (sha256 %.12s): give that one with --matrix",
			  matrix, msha[0] ? msha : "unreadable", a->path, a->matrix_sha256);
		ruleset_free(rs);
		return NULL;
	}
	if (strcmp(ssha, a->site_sha256) != 0) {
		cli_error("merge: the site %s (sha256 %.12s) is not the one %s was "
			  "audited against (sha256 %.12s): give that one with --site",
			  site, ssha[0] ? ssha : "unreadable", a->path, a->site_sha256);
		ruleset_free(rs);
		return NULL;
	}
	return rs;
}

static bool has_id(const struct merge *m, const char *id)
{
	for (unsigned i = 0; i < m->nids; i++)
		if (strcmp(m->ids[i], id) == 0)
			return true;
	return false;
}

/* Takes a report's parts in, or says why not: all in already (skipped,
 * on stderr), some in already (refused). */
static bool take_parts(struct merge *m, struct merge_report *r)
{
	unsigned n = 0, known = 0;
	const cJSON *id;

	cJSON_ArrayForEach(id, r->parts) {
		n++;
		known += has_id(m, id->valuestring);
	}
	if (known == n) {
		fprintf(stderr, "flowaudit: merge: %s: already included (its %u "
			"part%s merged already): skipped\n", r->path, n, plural_s(n));
		r->skipped = true;
		return true;
	}
	if (known) {
		cli_error("merge: %s shares %u of its %u parts with the reports before "
			  "it: merging it would count those twice; merge its other "
			  "parts' reports instead", r->path, known, n);
		return false;
	}
	if (m->nids + n > MERGE_MAX_PARTS) {
		cli_error("merge: more than %u parts in all", MERGE_MAX_PARTS);
		return false;
	}
	const char **ids = realloc(m->ids, (m->nids + n) * sizeof(*ids));
	if (!ids) {
		cli_error("merge: out of memory");
		return false;
	}
	m->ids = ids;
	cJSON_ArrayForEach(id, r->parts)
		m->ids[m->nids++] = id->valuestring;
	return true;
}

/* "1700000000.250000" (a number) as microseconds; 0 for null. */
static uint64_t ts_of(const cJSON *x)
{
	if (!cJSON_IsNumber(x) || x->valuedouble <= 0 || x->valuedouble > 1e11)
		return 0;
	return (uint64_t)(x->valuedouble * 1e6 + 0.5);
}

static uint64_t count_of(const cJSON *o, const char *key)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble > 9007199254740992.0)
		return 0;
	return (uint64_t)x->valuedouble;
}

/* Each part's inputs, named by the report they came from. */
static bool collect_inputs(struct merge *m, const struct merge_report *r)
{
	const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(r->root, "inputs"), *in;
	int n = cJSON_IsArray(inputs) ? cJSON_GetArraySize(inputs) : -1;

	if (n < 0)
		return bad(r, "$.inputs", "wants an array");
	if (m->ninputs + (unsigned)n > MERGE_MAX_INPUTS) {
		cli_error("merge: more than %u inputs in all", MERGE_MAX_INPUTS);
		return false;
	}
	struct input_summary *more = realloc(m->inputs, (m->ninputs + (unsigned)n + 1) *
					     sizeof(*more));
	if (!more) {
		cli_error("merge: out of memory");
		return false;
	}
	m->inputs = more;
	int i = 0;
	cJSON_ArrayForEach(in, inputs) {
		const cJSON *source = cJSON_GetObjectItemCaseSensitive(in, "source");
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(in, "type");
		const cJSON *errors = cJSON_GetObjectItemCaseSensitive(in, "errors");
		if (!cJSON_IsObject(in) || !cJSON_IsString(source)) {
			char path[64];
			snprintf(path, sizeof(path), "$.inputs[%d].source", i);
			return bad(r, path, "wants a string");
		}
		struct input_summary *s = &m->inputs[m->ninputs++];
		memset(s, 0, sizeof(*s));
		s->name = source->valuestring;
		s->live = cJSON_IsString(type) && strcmp(type->valuestring, "interface") == 0;
		s->packets = count_of(in, "packets");
		s->bytes = count_of(in, "bytes");
		s->first_us = ts_of(cJSON_GetObjectItemCaseSensitive(in, "first_ts"));
		s->last_us = ts_of(cJSON_GetObjectItemCaseSensitive(in, "last_ts"));
		s->kernel_drops = count_of(in, "kernel_drops");
		s->interface_drops = count_of(in, "interface_drops");
		const cJSON *e = cJSON_IsArray(errors) ? errors->child : NULL;
		s->error = cJSON_IsString(e) ? e->valuestring : "";
		s->part = r->path;
		i++;
	}
	return true;
}

/* The parts' capture figures added up (peak_flows: the largest part's). */
static void add_capture(struct capture_summary *c, const struct merge_report *r)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(r->root, "capture");
	const cJSON *notes = cJSON_GetObjectItemCaseSensitive(o, "decode_notes"), *n;

	c->packets += count_of(o, "packets");
	c->non_ip += count_of(o, "non_ip");
	c->malformed += count_of(o, "malformed");
	c->flows += count_of(o, "flows");
	c->evicted += count_of(o, "evicted");
	uint64_t peak = count_of(o, "peak_flows");
	if (peak > c->peak_flows)
		c->peak_flows = peak;
	if (!cJSON_IsObject(notes))
		return;
	cJSON_ArrayForEach(n, notes) {
		unsigned k = 0;
		if (!n->string || !cJSON_IsNumber(n))
			continue;
		while (k < c->nnotes && strcmp(c->notes[k].name, n->string) != 0)
			k++;
		if (k == c->nnotes) {
			if (k == CAPTURE_SUMMARY_NOTES)
				continue;
			c->notes[c->nnotes++].name = n->string;
		}
		c->notes[k].count += count_of(notes, n->string);
	}
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool inputs_complete(const struct capture_summary *s)
{
	for (unsigned i = 0; i < s->ninputs; i++)
		if (s->inputs[i].error && s->inputs[i].error[0])
			return false;
	return true;
}

/* The merged verdict's report, written to every output. */
static int write_merged(struct merge *m, const struct ruleset *rs,
			struct verdict *v, const struct fail_policy *fail_on,
			const struct report_outputs *outs)
{
	struct findings f;
	struct audit_report r;
	int rc = EXIT_USAGE;

	if (!verdict_findings(v, &f)) {
		cli_error("merge: out of memory building the findings");
		return EXIT_USAGE;
	}
	memset(&r, 0, sizeof(r));
	for (unsigned i = 0; i < m->n; i++)
		if (!m->reports[i].skipped)
			add_capture(&r.capture, &m->reports[i]);
	r.capture.inputs = m->inputs;
	r.capture.ninputs = m->ninputs;
	for (unsigned i = 0; i < m->ninputs; i++) {
		const struct input_summary *in = &m->inputs[i];
		if (in->first_us && (!r.capture.first_us || in->first_us < r.capture.first_us))
			r.capture.first_us = in->first_us;
		if (in->last_us > r.capture.last_us)
			r.capture.last_us = in->last_us;
	}
	qsort(m->ids, m->nids, sizeof(*m->ids), cmp_id);
	r.version = PACKAGE_VERSION;
	r.rules = rs;
	r.findings = &f;
	r.fail_on = *fail_on;
	r.verdict = audit_verdict(&f, fail_on, inputs_complete(&r.capture));
	r.not_gating = findings_not_gating(&f, fail_on);
	r.state = v;
	snprintf(r.matrix_sha256, sizeof(r.matrix_sha256), "%s", m->reports[0].matrix_sha256);
	snprintf(r.site_sha256, sizeof(r.site_sha256), "%s", m->reports[0].site_sha256);
	r.parts = m->ids;
	r.nparts = m->nids;
	if (report_outputs_write(outs, &r))
		rc = r.verdict == VERDICT_FAIL ? EXIT_FINDINGS :
		     r.verdict == VERDICT_INCONCLUSIVE ? EXIT_INCONCLUSIVE : EXIT_OK;
	findings_free(&f);
	return rc;
}

/* Reads, checks and adds up every report; the merged report is written. */
static int run_merge(struct merge *m, const struct rules_options *rules,
		     const struct fail_policy *fail_on, const struct report_outputs *outs)
{
	char err[512];
	struct ruleset *rs = NULL;
	struct verdict *v = NULL;
	int rc = EXIT_USAGE;

	for (unsigned i = 0; i < m->n; i++)
		if (!load_report(&m->reports[i]))
			return EXIT_USAGE;
	if (!same_rules(m) || !(rs = load_rules(m, rules)))
		goto out;
	if (!(v = verdict_new(rs))) {
		cli_error("merge: out of memory");
		goto out;
	}
	for (unsigned i = 0; i < m->n; i++) {
		struct merge_report *r = &m->reports[i];
		if (!take_parts(m, r))
			goto out;
		/* A skipped report is read all the same, into a scratch
		 * verdict: a bad one is said, whatever it claims to be. */
		struct verdict *into = r->skipped ? verdict_new(rs) : v;
		bool oom = !into;
		bool loaded = !oom && verdict_state_load(into, r->state, r->path, err,
							 sizeof(err));
		if (r->skipped)
			verdict_free(into);
		if (!loaded) {
			cli_error("merge: %s", oom ? "out of memory" : err);
			goto out;
		}
		if (r->skipped)
			continue;
		if (!collect_inputs(m, r))
			goto out;
	}
	rc = write_merged(m, rs, v, fail_on, outs);
out:
	verdict_free(v);
	ruleset_free(rs);
	return rc;
}

int cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		RULES_LONG_OPTIONS,
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		OUTPUT_LONG_OPTIONS,
		COLOR_LONG_OPTIONS,
		HELP_LONG_OPTION,
		END_OF_OPTIONS,
	};
	struct rules_options rules = { 0 };
	struct report_outputs outs;
	struct fail_policy fail_on;
	struct merge m = { 0 };
	char err[512];
	int opt, rc = EXIT_USAGE;

	report_outputs_init(&outs);
	fail_policy_default(&fail_on);
	optind = 1;
	while ((opt = getopt_long(argc, argv, OUTPUT_SHORT_OPTIONS HELP_SHORT_OPTIONS,
				  longopts, NULL)) != -1) {
		int r = report_outputs_option(&outs, opt, optarg);
		if (r < 0)
			goto out;
		if (r > 0 || rules_option(&rules, opt, optarg))
			continue;
		switch (opt) {
		case OPT_FAIL_ON:
			if (!fail_on_option(optarg, &fail_on, NULL))
				goto out;
			break;
		case OPT_HELP:
			merge_usage(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			merge_usage(stderr);
			goto out;
		}
	}
	if (optind >= argc) {
		cli_error("merge: name the JSON reports to merge (flowaudit merge "
			  "--help)");
		goto out;
	}
	if (argc - optind > MERGE_MAX_REPORTS) {
		cli_error("merge: at most %u reports at once (merge them in groups: a "
			  "merged report merges again)", MERGE_MAX_REPORTS);
		goto out;
	}
	if (!report_outputs_check(&outs, err, sizeof(err)) ||
	    !report_outputs_probe(&outs, err, sizeof(err))) {
		cli_error("merge: %s", err);
		goto out;
	}
	m.n = (unsigned)(argc - optind);
	m.reports = calloc(m.n, sizeof(*m.reports));
	if (!m.reports) {
		cli_error("merge: out of memory");
		goto out;
	}
	for (unsigned i = 0; i < m.n; i++)
		m.reports[i].path = argv[optind + (int)i];
	rc = run_merge(&m, &rules, &fail_on, &outs);
out:
	for (unsigned i = 0; m.reports && i < m.n; i++)
		cJSON_Delete(m.reports[i].root);
	free(m.reports);
	free(m.ids);
	free(m.inputs);
	report_outputs_free(&outs);
	return rc;
}
