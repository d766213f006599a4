/* report_matrix.c - a matrix described without a site (see matrix_doc.h). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/safe_text.h"
#include "escape.h"
#include "matrix_doc.h"

/* Names and lists shown in one table cell or column: longer ones are cut
 * (a matrix is written by people; nothing sensible is this long). */
#define CELL_MAX 512
#define NAME_COLUMN_MAX 32

bool matrix_doc_format_parse(const char *name, enum matrix_doc_format *fmt)
{
	if (strcmp(name, "text") == 0)
		*fmt = MATRIX_DOC_TEXT;
	else if (strcmp(name, "markdown") == 0 || strcmp(name, "md") == 0)
		*fmt = MATRIX_DOC_MARKDOWN;
	else if (strcmp(name, "json") == 0)
		*fmt = MATRIX_DOC_JSON;
	else
		return false;
	return true;
}

/* ---- what every format says the same way ---- */

/* The matrix file's own name: its directory differs between machines. */
static const char *file_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	return slash ? slash + 1 : path ? path : "";
}

static void join_sections(char *out, size_t len, const char *const *s, unsigned n)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", s[i]);
}

static void join_ports(char *out, size_t len, const struct port_range *p, unsigned n)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < n && used < len; i++)
		used += (size_t)(p[i].lo == p[i].hi ?
			snprintf(out + used, len - used, "%s%u", i ? ", " : "", p[i].lo) :
			snprintf(out + used, len - used, "%s%u-%u", i ? ", " : "",
				 p[i].lo, p[i].hi));
}

/* Where a population's hosts are, as the matrix says; "" when it does not. */
static const char *location_text(const struct role *r)
{
	switch (r->location) {
	case LOCATION_INTERNET: return "; its hosts are on the internet";
	case LOCATION_SITE: return "; its hosts are on the site's networks";
	default: return "";
	}
}

static const char *location_name(const struct role *r)
{
	return r->location == LOCATION_INTERNET ? "internet" :
	       r->location == LOCATION_SITE ? "site" : NULL;
}

/* How the matrix lets a site treat a role (docs/verdicts.md, scope). */
static const char *role_kind(const struct role *r)
{
	if (r->dedicated)
		return "dedicated";
	if (r->audited)
		return "audited";
	return r->peer ? "peer" : "population";
}

static const char *const kinds_legend[][2] = {
	{ "audited", "all its traffic is judged" },
	{ "peer", "shared infrastructure: judged opposite an audited host" },
	{ "population", "clients or external services: say who may connect or be reached" },
	{ "dedicated", "bound only through the site's \"dedicated\" list; audited" },
};

/* One service as the matrix writes it, with what qualifies it:
 * "tcp/$license_port (apps: unknown)", "tcp/443 (not evidence)". */
static void service_text(const struct ruleset *rs, unsigned i, unsigned s,
			 char *out, size_t len)
{
	const struct rule_service *sv = &ruleset_rule(rs, i)->services[s];
	size_t used;

	ruleset_service_source(rs, i, s, out, len);
	used = strlen(out);
	if (!sv->evidence && used < len)
		used += (size_t)snprintf(out + used, len - used, " (not evidence)");
	for (unsigned a = 0; a < sv->napps && used < len; a++)
		used += (size_t)snprintf(out + used, len - used, "%s%s%s",
					 a ? ", " : " (apps: ", sv->apps[a],
					 a + 1 == sv->napps ? ")" : "");
}

static void services_text(const struct ruleset *rs, unsigned i, char *out, size_t len)
{
	const struct rule *r = ruleset_rule(rs, i);
	size_t used = 0;

	out[0] = '\0';
	for (unsigned s = 0; s < r->nservices && used < len; s++) {
		char one[CELL_MAX];
		service_text(rs, i, s, one, sizeof(one));
		used += (size_t)snprintf(out + used, len - used, "%s%s", s ? "; " : "", one);
	}
}

/* "each must work", "each once the site sets $webaccess_ports", or "". */
static void each_text(const struct rule *r, char *out, size_t len)
{
	if (r->each_param)
		snprintf(out, len, "each once the site sets $%s", r->each_param);
	else
		snprintf(out, len, "%s", r->each ? "each must work" : "");
}

static bool same_group(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Rules are shown by group, the groups in the order they first appear and
 * the rules of each in the matrix's order: whether rule i opens its group. */
static bool opens_group(const struct ruleset *rs, unsigned i)
{
	for (unsigned j = 0; j < i; j++)
		if (same_group(ruleset_rule(rs, j)->group, ruleset_rule(rs, i)->group))
			return false;
	return true;
}

/* Whether a site binds the role itself (not through "dedicated"). */
static bool site_binds(const struct ruleset *rs, unsigned i)
{
	bool addresses, names, dedicated;
	ruleset_role_binds(rs, i, &addresses, &names, &dedicated);
	return addresses || names;
}

static const char *plural(unsigned n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* "15 roles, 1 parameter, 3 features, 36 rules" into out. */
static void counts_text(const struct ruleset *rs, char *out, size_t len)
{
	unsigned ro = ruleset_role_count(rs), pa = ruleset_param_count(rs);
	unsigned fe = ruleset_feature_count(rs), ru = ruleset_rule_count(rs);

	snprintf(out, len, "%u %s, %u %s, %u %s, %u %s", ro, plural(ro, "role", "roles"),
		 pa, plural(pa, "parameter", "parameters"), fe,
		 plural(fe, "feature", "features"), ru, plural(ru, "rule", "rules"));
}

/* ---- text ---- */

static void line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_vprintf_safe(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static int name_width(size_t longest)
{
	return (int)(longest > NAME_COLUMN_MAX ? NAME_COLUMN_MAX : longest);
}

static void text_roles(FILE *f, const struct ruleset *rs)
{
	size_t w = 4;
	for (unsigned i = 0; i < ruleset_role_count(rs); i++)
		if (strlen(ruleset_role(rs, i)->name) > w)
			w = strlen(ruleset_role(rs, i)->name);
	line(f, "Roles (a site binds them to addresses, networks or names under \"roles\"):");
	for (unsigned i = 0; i < ruleset_role_count(rs); i++) {
		const struct role *r = ruleset_role(rs, i);
		char sections[CELL_MAX];
		join_sections(sections, sizeof(sections), r->sections, r->nsections);
		line(f, "  %-*s  %-10s  %-10s  %s%s", name_width(w), r->name, role_kind(r),
		     sections, r->description ? r->description : "", location_text(r));
	}
	line(f, "  Kinds:");
	for (size_t k = 0; k < ARRAY_SIZE(kinds_legend); k++)
		line(f, "    %-10s  %s", kinds_legend[k][0], kinds_legend[k][1]);
}

static void text_params(FILE *f, const struct ruleset *rs)
{
	struct matrix_param p;
	size_t w = 4;
	for (unsigned i = 0; ruleset_param(rs, i, &p); i++)
		if (strlen(p.name) > w)
			w = strlen(p.name);
	line(f, "Parameters (a site may set them under \"params\"; default shown):");
	if (ruleset_param_count(rs) == 0)
		line(f, "  none");
	for (unsigned i = 0; ruleset_param(rs, i, &p); i++) {
		char values[CELL_MAX], sections[CELL_MAX];
		join_ports(values, sizeof(values), p.values, p.nvalues);
		join_sections(sections, sizeof(sections), p.sections, p.nsections);
		line(f, "  %-*s  %-5s  %-14s  %-10s  %s", name_width(w), p.name,
		     p.list ? "ports" : "port", values, sections,
		     p.description ? p.description : "");
	}
}

static void text_features(FILE *f, const struct ruleset *rs)
{
	struct matrix_feature ft;
	size_t w = 4;
	for (unsigned i = 0; ruleset_feature(rs, i, &ft); i++)
		if (strlen(ft.name) > w)
			w = strlen(ft.name);
	line(f, "Features (a site may switch them under \"features\"; default shown):");
	if (ruleset_feature_count(rs) == 0)
		line(f, "  none");
	for (unsigned i = 0; ruleset_feature(rs, i, &ft); i++)
		line(f, "  %-*s  %-3s  %s", name_width(w), ft.name, ft.on ? "on" : "off",
		     ft.description ? ft.description : "");
}

static void text_rule(FILE *f, const struct ruleset *rs, unsigned i, int w)
{
	const struct rule *r = ruleset_rule(rs, i);
	char services[CELL_MAX * 2], sections[CELL_MAX], each[CELL_MAX];
	const char *feature = ruleset_rule_feature(rs, i);

	services_text(rs, i, services, sizeof(services));
	join_sections(sections, sizeof(sections), r->sections, r->nsections);
	each_text(r, each, sizeof(each));
	line(f, "  %-*s  %-8s  %s -> %s  [%s]", w, r->id, need_name(r->need),
	     ruleset_role(rs, r->from_role)->name, ruleset_role(rs, r->to_role)->name,
	     sections);
	line(f, "  %-*s  %s%s%s%s%s", w, "", services, *each ? "; " : "", each,
	     feature ? "; feature " : "", feature ? feature : "");
	if (r->description && *r->description)
		line(f, "  %-*s  %s", w, "", r->description);
}

static void text_rules(FILE *f, const struct ruleset *rs)
{
	size_t w = 4;
	for (unsigned i = 0; i < ruleset_rule_count(rs); i++)
		if (strlen(ruleset_rule(rs, i)->id) > w)
			w = strlen(ruleset_rule(rs, i)->id);
	line(f, "Rules (need, from -> to, [the document's sections]; then services):");
	for (unsigned i = 0; i < ruleset_rule_count(rs); i++) {
		const char *group = ruleset_rule(rs, i)->group;
		if (!opens_group(rs, i))
			continue;
		line(f, " %s", group ? group : "(no group)");
		for (unsigned j = i; j < ruleset_rule_count(rs); j++)
			if (same_group(group, ruleset_rule(rs, j)->group))
				text_rule(f, rs, j, name_width(w));
	}
}

/* The start of a site file: every role a site binds itself, each an empty
 * list to fill in. Parameters and features are left out on purpose: a
 * site that sets a parameter declares it (a "ports" parameter named by a
 * rule's "each" then needs each port), so only what differs belongs there. */
static void site_skeleton(FILE *f, const struct ruleset *rs, const char *indent)
{
	unsigned n = 0;

	fprintf(f, "%s{\n%s  \"name\": \"my site\",\n%s  \"roles\": {", indent, indent, indent);
	for (unsigned i = 0; i < ruleset_role_count(rs); i++) {
		if (!site_binds(rs, i))
			continue;
		fprintf(f, "%s\n%s    ", n++ ? "," : "", indent);
		json_put_string(f, ruleset_role(rs, i)->name);
		fputs(": []", f);
	}
	fprintf(f, "\n%s  }\n%s}\n", indent, indent);
}

static const char skeleton_note[] =
	"Site skeleton: every role a site binds. Fill in addresses, networks or\n"
	"host names and drop the roles the site does not have; add \"params\" and\n"
	"\"features\" only where the site differs from the defaults above, and\n"
	"\"dedicated\" for shared hosts that serve the product alone. Then run\n"
	"flowaudit check --site FILE (flowaudit-site(5)).";

static void write_text(FILE *f, const struct ruleset *rs)
{
	const char *doc = ruleset_matrix_document(rs);

	line(f, "Matrix: %s (%s)", ruleset_matrix_name(rs) ? ruleset_matrix_name(rs) : "",
	     file_name(ruleset_matrix_path(rs)));
	if (doc)
		line(f, "Document: %s", doc);
	char counts[128];
	counts_text(rs, counts, sizeof(counts));
	line(f, "%s; [sections] are the document's.", counts);
	fputc('\n', f);
	text_roles(f, rs);
	fputc('\n', f);
	text_params(f, rs);
	fputc('\n', f);
	text_features(f, rs);
	fputc('\n', f);
	text_rules(f, rs);
	fputc('\n', f);
	fprintf(f, "%s\n\n", skeleton_note);
	site_skeleton(f, rs, "  ");
}

/* ---- Markdown ---- */

static void md_roles(FILE *f, const struct ruleset *rs)
{
	fputs("## Roles\n\nA site binds them to addresses, networks or host names "
	      "under `\"roles\"`.\n\n| role | kind | what | § |\n|---|---|---|---|\n", f);
	for (unsigned i = 0; i < ruleset_role_count(rs); i++) {
		const struct role *r = ruleset_role(rs, i);
		char sections[CELL_MAX];
		join_sections(sections, sizeof(sections), r->sections, r->nsections);
		fputs("| ", f);
		md_put_code(f, r->name);
		fprintf(f, " | %s | ", role_kind(r));
		md_put_escaped(f, r->description);
		md_put_escaped(f, location_text(r));
		fputs(" | ", f);
		md_put_escaped(f, sections);
		fputs(" |\n", f);
	}
	fputc('\n', f);
	for (size_t k = 0; k < ARRAY_SIZE(kinds_legend); k++) {
		fprintf(f, "- %s: ", kinds_legend[k][0]);
		md_put_escaped(f, kinds_legend[k][1]);
		fputc('\n', f);
	}
}

static void md_params(FILE *f, const struct ruleset *rs)
{
	struct matrix_param p;

	fputs("\n## Parameters\n\nA site may set them under `\"params\"`.\n\n"
	      "| parameter | type | default | what | § |\n|---|---|---|---|---|\n", f);
	for (unsigned i = 0; ruleset_param(rs, i, &p); i++) {
		char values[CELL_MAX], sections[CELL_MAX];
		join_ports(values, sizeof(values), p.values, p.nvalues);
		join_sections(sections, sizeof(sections), p.sections, p.nsections);
		fputs("| ", f);
		md_put_code(f, p.name);
		fprintf(f, " | %s | %s | ", p.list ? "ports" : "port", values);
		md_put_escaped(f, p.description);
		fputs(" | ", f);
		md_put_escaped(f, sections);
		fputs(" |\n", f);
	}
}

static void md_features(FILE *f, const struct ruleset *rs)
{
	struct matrix_feature ft;

	fputs("\n## Features\n\nA site may switch them under `\"features\"`.\n\n"
	      "| feature | default | what |\n|---|---|---|\n", f);
	for (unsigned i = 0; ruleset_feature(rs, i, &ft); i++) {
		fputs("| ", f);
		md_put_code(f, ft.name);
		fprintf(f, " | %s | ", ft.on ? "on" : "off");
		md_put_escaped(f, ft.description);
		fputs(" |\n", f);
	}
}

static void md_rule(FILE *f, const struct ruleset *rs, unsigned i)
{
	const struct rule *r = ruleset_rule(rs, i);
	char services[CELL_MAX * 2], sections[CELL_MAX], each[CELL_MAX];
	const char *feature = ruleset_rule_feature(rs, i);

	services_text(rs, i, services, sizeof(services));
	join_sections(sections, sizeof(sections), r->sections, r->nsections);
	each_text(r, each, sizeof(each));
	fputs("| ", f);
	md_put_code(f, r->id);
	fputs(" | ", f);
	md_put_code(f, ruleset_role(rs, r->from_role)->name);
	fputs(" → ", f);
	md_put_code(f, ruleset_role(rs, r->to_role)->name);
	fputs(" | ", f);
	md_put_escaped(f, services);
	if (*each) {
		fputs(" (", f);
		md_put_escaped(f, each);
		fputc(')', f);
	}
	fprintf(f, " | %s | ", need_name(r->need));
	md_put_escaped(f, feature);
	fputs(" | ", f);
	md_put_escaped(f, sections);
	fputs(" | ", f);
	md_put_escaped(f, r->description);
	fputs(" |\n", f);
}

static void md_rules(FILE *f, const struct ruleset *rs)
{
	fputs("\n## Rules\n", f);
	for (unsigned i = 0; i < ruleset_rule_count(rs); i++) {
		const char *group = ruleset_rule(rs, i)->group;
		if (!opens_group(rs, i))
			continue;
		fputs("\n### ", f);
		md_put_escaped(f, group ? group : "(no group)");
		fputs("\n\n| rule | from → to | services | need | feature | § "
		      "| what |\n|---|---|---|---|---|---|---|\n", f);
		for (unsigned j = i; j < ruleset_rule_count(rs); j++)
			if (same_group(group, ruleset_rule(rs, j)->group))
				md_rule(f, rs, j);
	}
}

static void write_markdown(FILE *f, const struct ruleset *rs)
{
	const char *doc = ruleset_matrix_document(rs);

	fputs("# Matrix reference: ", f);
	md_put_escaped(f, ruleset_matrix_name(rs));
	fputs("\n\nGenerated by `flowaudit matrix --format markdown` from ", f);
	md_put_code(f, file_name(ruleset_matrix_path(rs)));
	fputs(": do not edit by hand.\n\n", f);
	if (doc) {
		fputs("Derived from *", f);
		md_put_escaped(f, doc);
		fputs("*. ", f);
	}
	char counts[128];
	counts_text(rs, counts, sizeof(counts));
	fprintf(f, "%s. Section numbers (§) are the document's; every finding "
		"repeats them.\n\n", counts);
	md_roles(f, rs);
	md_params(f, rs);
	md_features(f, rs);
	md_rules(f, rs);
	fputs("\n## Site skeleton\n\n", f);
	md_put_escaped(f, skeleton_note);
	fputs("\n\n```json\n", f);
	site_skeleton(f, rs, "");
	fputs("```\n", f);
}

/* ---- JSON ---- */

static cJSON *string_array(const char *const *s, unsigned n)
{
	cJSON *a = cJSON_CreateArray();
	for (unsigned i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(s[i]));
	return a;
}

static cJSON *json_roles(const struct ruleset *rs)
{
	cJSON *list = cJSON_CreateArray();
	for (unsigned i = 0; list && i < ruleset_role_count(rs); i++) {
		const struct role *r = ruleset_role(rs, i);
		bool addresses, names, dedicated;
		cJSON *o = cJSON_CreateObject(), *binds = cJSON_CreateArray();
		ruleset_role_binds(rs, i, &addresses, &names, &dedicated);
		if (addresses)
			cJSON_AddItemToArray(binds, cJSON_CreateString("address"));
		if (names)
			cJSON_AddItemToArray(binds, cJSON_CreateString("name"));
		if (dedicated)
			cJSON_AddItemToArray(binds, cJSON_CreateString("dedicated"));
		cJSON_AddStringToObject(o, "name", r->name);
		cJSON_AddStringToObject(o, "kind", role_kind(r));
		cJSON_AddStringToObject(o, "description", r->description ? r->description : "");
		cJSON_AddItemToObject(o, "sections", string_array(r->sections, r->nsections));
		cJSON_AddBoolToObject(o, "audited", r->audited);
		cJSON_AddBoolToObject(o, "peer", r->peer);
		cJSON_AddItemToObject(o, "binds", binds);
		if (location_name(r))
			cJSON_AddStringToObject(o, "location", location_name(r));
		cJSON_AddItemToArray(list, o);
	}
	return list;
}

static cJSON *json_params(const struct ruleset *rs)
{
	struct matrix_param p;
	cJSON *list = cJSON_CreateArray();
	for (unsigned i = 0; list && ruleset_param(rs, i, &p); i++) {
		cJSON *o = cJSON_CreateObject(), *values = cJSON_CreateArray();
		for (unsigned v = 0; v < p.nvalues; v++) {
			char text[16];
			join_ports(text, sizeof(text), &p.values[v], 1);
			cJSON_AddItemToArray(values, p.values[v].lo == p.values[v].hi ?
					     cJSON_CreateNumber(p.values[v].lo) :
					     cJSON_CreateString(text));
		}
		cJSON_AddStringToObject(o, "name", p.name);
		cJSON_AddStringToObject(o, "type", p.list ? "ports" : "port");
		cJSON_AddItemToObject(o, "default", values);
		cJSON_AddStringToObject(o, "description", p.description ? p.description : "");
		cJSON_AddItemToObject(o, "sections", string_array(p.sections, p.nsections));
		cJSON_AddItemToArray(list, o);
	}
	return list;
}

static cJSON *json_features(const struct ruleset *rs)
{
	struct matrix_feature ft;
	cJSON *list = cJSON_CreateArray();
	for (unsigned i = 0; list && ruleset_feature(rs, i, &ft); i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", ft.name);
		cJSON_AddBoolToObject(o, "default", ft.on);
		cJSON_AddStringToObject(o, "description", ft.description ? ft.description : "");
		cJSON_AddItemToArray(list, o);
	}
	return list;
}

static cJSON *json_services(const struct ruleset *rs, unsigned i)
{
	const struct rule *r = ruleset_rule(rs, i);
	cJSON *list = cJSON_CreateArray();
	for (unsigned s = 0; list && s < r->nservices; s++) {
		const struct rule_service *sv = &r->services[s];
		char written[CELL_MAX], resolved[CELL_MAX];
		cJSON *o = cJSON_CreateObject();
		ruleset_service_source(rs, i, s, written, sizeof(written));
		service_format(sv, resolved, sizeof(resolved));
		cJSON_AddStringToObject(o, "label", sv->label ? sv->label : "");
		cJSON_AddStringToObject(o, "ports", written);
		cJSON_AddStringToObject(o, "default_ports", resolved);
		cJSON_AddBoolToObject(o, "evidence", sv->evidence);
		cJSON_AddItemToObject(o, "apps", string_array(sv->apps, sv->napps));
		cJSON_AddItemToArray(list, o);
	}
	return list;
}

static cJSON *json_rules(const struct ruleset *rs)
{
	cJSON *list = cJSON_CreateArray();
	for (unsigned i = 0; list && i < ruleset_rule_count(rs); i++) {
		const struct rule *r = ruleset_rule(rs, i);
		const char *feature = ruleset_rule_feature(rs, i);
		char each[CELL_MAX];
		cJSON *o = cJSON_CreateObject();
		each_text(r, each, sizeof(each));
		cJSON_AddStringToObject(o, "id", r->id);
		cJSON_AddStringToObject(o, "group", r->group ? r->group : "");
		cJSON_AddStringToObject(o, "description", r->description ? r->description : "");
		cJSON_AddStringToObject(o, "from", ruleset_role(rs, r->from_role)->name);
		cJSON_AddStringToObject(o, "to", ruleset_role(rs, r->to_role)->name);
		cJSON_AddStringToObject(o, "need", need_name(r->need));
		cJSON_AddItemToObject(o, "sections", string_array(r->sections, r->nsections));
		cJSON_AddItemToObject(o, "feature", feature ? cJSON_CreateString(feature) :
				      cJSON_CreateNull());
		cJSON_AddStringToObject(o, "each", each);
		cJSON_AddItemToObject(o, "services", json_services(rs, i));
		cJSON_AddItemToArray(list, o);
	}
	return list;
}

static bool write_json(FILE *f, const struct ruleset *rs)
{
	cJSON *root = cJSON_CreateObject();
	const char *doc = ruleset_matrix_document(rs);

	if (!root)
		return false;
	cJSON_AddStringToObject(root, "name", ruleset_matrix_name(rs) ? ruleset_matrix_name(rs) : "");
	cJSON_AddStringToObject(root, "file", file_name(ruleset_matrix_path(rs)));
	cJSON_AddItemToObject(root, "document", doc ? cJSON_CreateString(doc) : cJSON_CreateNull());
	cJSON_AddItemToObject(root, "roles", json_roles(rs));
	cJSON_AddItemToObject(root, "params", json_params(rs));
	cJSON_AddItemToObject(root, "features", json_features(rs));
	cJSON_AddItemToObject(root, "rules", json_rules(rs));
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text) {
		errno = ENOMEM;
		return false;
	}
	json_put_text(f, text);  /* hidden characters escaped, as in the report */
	fputc('\n', f);
	free(text);
	return true;
}

bool matrix_doc_write(FILE *f, const struct ruleset *rs, enum matrix_doc_format fmt)
{
	bool ok = true;

	switch (fmt) {
	case MATRIX_DOC_MARKDOWN:
		write_markdown(f, rs);
		break;
	case MATRIX_DOC_JSON:
		ok = write_json(f, rs);
		break;
	case MATRIX_DOC_TEXT:
	default:
		write_text(f, rs);
		break;
	}
	return ok && !ferror(f);
}
