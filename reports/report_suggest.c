/* report_suggest.c - the proposed site and its evidence (see
 * report_suggest.h). */
#include <string.h>

#include "escape.h"
#include "report_suggest.h"

bool suggest_format_parse(const char *text, enum suggest_format *out)
{
	static const struct { const char *name; enum suggest_format f; } formats[] = {
		{ "json", SUGGEST_FORMAT_JSON },
		{ "text", SUGGEST_FORMAT_TEXT },
		{ "markdown", SUGGEST_FORMAT_MARKDOWN },
	};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(text, formats[i].name) == 0) {
			*out = formats[i].f;
			return true;
		}
	return false;
}

static unsigned role_bindings(const struct suggestion *s, unsigned role)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->nbindings; i++)
		n += s->bindings[i].role == role;
	return n;
}

/* Two-space indentation, as the project's own site files. */
void suggest_write_site(FILE *f, const struct ruleset *matrix,
			const struct suggestion *s, const char *site_name)
{
	bool first = true;

	fputs("{\n  \"name\": ", f);
	json_put_string(f, site_name);
	fprintf(f, ",\n  \"description\": \"proposed by flowaudit suggest from "
		"%llu flows: review it with its evidence before use\",\n",
		(unsigned long long)s->flows);
	fputs("  \"roles\": {", f);
	for (unsigned ro = 0; ro < ruleset_role_count(matrix); ro++) {
		if (!role_bindings(s, ro))
			continue;
		fprintf(f, "%s\n    ", first ? "" : ",");
		json_put_string(f, ruleset_role(matrix, ro)->name);
		fputs(": [", f);
		bool one = true;
		for (unsigned i = 0; i < s->nbindings; i++) {
			if (s->bindings[i].role != ro)
				continue;
			fputs(one ? "\n      " : ",\n      ", f);
			json_put_string(f, s->bindings[i].value);
			one = false;
		}
		fputs("\n    ]", f);
		first = false;
	}
	fputs(first ? "}" : "\n  }", f);
	if (s->nparams) {
		fputs(",\n  \"params\": {", f);
		for (unsigned i = 0; i < s->nparams; i++) {
			fputs(i ? ",\n    " : "\n    ", f);
			json_put_string(f, s->params[i].name);
			fprintf(f, ": %u", s->params[i].port);
		}
		fputs("\n  }", f);
	}
	if (s->nfeatures) {
		fputs(",\n  \"features\": {", f);
		for (unsigned i = 0; i < s->nfeatures; i++) {
			fputs(i ? ",\n    " : "\n    ", f);
			json_put_string(f, s->features[i].name);
			fprintf(f, ": %s", s->features[i].on ? "true" : "false");
		}
		fputs("\n  }", f);
	}
	fputs("\n}\n", f);
}

static void put(FILE *f, bool md, const char *s)
{
	if (md)
		md_put_escaped(f, s);
	else
		text_put_safe(f, s);
}

/* A file's path: in Markdown a code span where it can be one, so it reads
 * as written ("_build", not "\\_build"). */
static void put_path(FILE *f, bool md, const char *s)
{
	if (md)
		md_put_code(f, s);
	else
		text_put_safe(f, s);
}

static void heading(FILE *f, bool md, const char *title)
{
	fprintf(f, md ? "\n## %s\n\n" : "\n%s:\n", title);
}

static void write_bindings(FILE *f, bool md, const struct ruleset *matrix,
			   const struct suggestion *s)
{
	heading(f, md, "Bindings");
	if (!s->nbindings)
		fputs(md ? "None: the capture shows no role of the matrix.\n" :
		      "  none: the capture shows no role of the matrix\n", f);
	else if (md)
		fputs("| role | bound to | confidence | evidence |\n|---|---|---|---|\n", f);
	for (unsigned i = 0; i < s->nbindings; i++) {
		const struct suggest_binding *b = &s->bindings[i];
		const char *role = ruleset_role(matrix, b->role)->name;
		const char *conf = suggest_confidence_name(b->confidence);
		if (md) {
			fputs("| ", f);
			md_put_escaped(f, role);
			fputs(" | ", f);
			md_put_escaped(f, b->value);
			fprintf(f, " | %s | ", conf);
			md_put_escaped(f, b->evidence);
			fputs(" |\n", f);
		} else {
			fputs("  ", f);
			text_put_safe(f, role);
			fputs("  ", f);
			text_put_safe(f, b->value);
			fprintf(f, "  [%s]\n      ", conf);
			text_put_safe(f, b->evidence);
			fputc('\n', f);
		}
	}
}

static void write_params(FILE *f, bool md, const struct suggestion *s)
{
	heading(f, md, "Parameters");
	if (!s->nparams)
		fputs(md ? "The matrix's defaults: no parameter shows another value.\n" :
		      "  the matrix's defaults: no parameter shows another value\n", f);
	for (unsigned i = 0; i < s->nparams; i++) {
		fputs(md ? "- **" : "  ", f);
		put(f, md, s->params[i].name);
		fprintf(f, md ? "** = %u: " : " = %u: ", s->params[i].port);
		put(f, md, s->params[i].evidence);
		fputc('\n', f);
	}
}

static void write_features(FILE *f, bool md, const struct suggestion *s)
{
	heading(f, md, "Features");
	for (unsigned i = 0; i < s->nfeatures; i++) {
		fputs(md ? "- **" : "  ", f);
		put(f, md, s->features[i].name);
		fprintf(f, md ? "** %s: " : " %s: ", s->features[i].on ? "on" : "off");
		put(f, md, s->features[i].evidence);
		fputc('\n', f);
	}
}

static void write_questions(FILE *f, bool md, const struct suggestion *s)
{
	heading(f, md, "Questions the capture could not decide");
	if (!s->nquestions)
		fputs(md ? "None.\n" : "  none\n", f);
	for (unsigned i = 0; i < s->nquestions; i++) {
		fputs(md ? "- " : "  - ", f);
		put(f, md, s->questions[i].text);
		fputc('\n', f);
	}
}

void suggest_write_evidence(FILE *f, enum suggest_format format,
			    const struct ruleset *matrix, const struct suggestion *s,
			    const char *site_name, const char *const *inputs,
			    unsigned ninputs)
{
	bool md = format == SUGGEST_FORMAT_MARKDOWN;

	fputs(md ? "# Proposed site: " : "Proposed site: ", f);
	put(f, md, site_name);
	fputs("\n\n", f);
	fputs(md ? "- Matrix: " : "Matrix:   ", f);
	put(f, md, ruleset_matrix_name(matrix));
	fputs(" (", f);
	put_path(f, md, ruleset_matrix_path(matrix));
	fputs(")\n", f);
	fputs(md ? "- Captures: " : "Captures: ", f);
	for (unsigned i = 0; i < ninputs; i++) {
		fputs(i ? ", " : "", f);
		put_path(f, md, inputs[i]);
	}
	fprintf(f, "\n%s%llu flows, %llu server endpoints\n", md ? "- Read: " : "Read:     ",
		(unsigned long long)s->flows, (unsigned long long)s->endpoints);
	write_bindings(f, md, matrix, s);
	write_params(f, md, s);
	write_features(f, md, s);
	write_questions(f, md, s);
}
