/* report_html.c - the compliance report for security teams: one
 * self-contained HTML file (no scripts, fonts or external styles; a
 * Content-Security-Policy forbids them anyway), printable to PDF, with the
 * communication diagram drawn as inline SVG. Every string from a packet or a
 * user file goes through html_put_escaped. */
#include <string.h>
#include <strings.h>

#include "audit_report.h"
#include "finding_text.h"
#include "common/addr.h"
#include "common/cidr.h"
#include "common/timefmt.h"
#include "escape.h"
#include "html_diagram.h"
#include "html_style.h"

#define esc html_put_escaped

static const char *style =
	HTML_BASE_STYLE
	".counts span{display:inline-block;margin-right:1.2em;font-size:1.1em}"
	".st{font-weight:600;white-space:nowrap}.st-observed{color:#2e7d32}"
	".st-blocked{color:#c62828}.st-missing{color:#e65100}.st-unexpected{color:#6a1b9a}"
	".st-na,.st-notseen{color:#78909c}.st-inconclusive{color:#8d6e00}"
	".reason{font-size:.92em}"
	/* Host names wrap at the <wbr> after each dot, never inside a label. */
	"code{font:12px ui-monospace,Menlo,Consolas,monospace;overflow-wrap:break-word}"
	"code.digest{word-break:break-all}"
	"table.meta{font-size:.9em}table.meta th{width:9em;white-space:nowrap}"
	"table.meta td,table.meta th{padding:.15em .5em}"
	"#diagram-svg{max-width:100%;height:auto;border:1px solid #dde3ea;background:#fcfdfe}"
	"#diagram-svg text{font-family:inherit}"
	".small{color:#546e7a;font-size:.9em}"
	/* Print: the summary, the metadata and the diagram with its legend
	 * (inside the SVG) on the first page, the diagram scaled to the page
	 * width; tables repeat their header rows on each page. */
	"@page{margin:12mm}"
	"@media print{body{margin:0;max-width:none;padding:0;font-size:11px}"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1em;break-after:avoid}"
	"header,#provenance,.diagram{break-inside:avoid}"
	"thead{display:table-header-group}tr{break-inside:avoid}"
	"#diagram-svg{width:100%;height:auto;max-height:150mm;border:0}"
	"code{font-size:10px}}";

/* "FAIL", "INCONCLUSIVE", "PASS" */
static const char *verdict_text(const struct audit_report *r)
{
	return r->verdict == VERDICT_FAIL ? "FAIL" :
	       r->verdict == VERDICT_INCONCLUSIVE ? "INCONCLUSIVE" : "PASS";
}

static void head(FILE *f, const struct audit_report *r)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>Flow audit: ", f);
	esc(f, ruleset_site_name(r->rules));
	fprintf(f, " (%s)</title>\n<style>%s</style>\n</head>\n<body>\n",
		verdict_text(r), style);
}

static void ts(FILE *f, uint64_t us)
{
	char t[TS_TEXT_LEN];
	if (!us) {
		fputs("&ndash;", f);
		return;
	}
	format_ts_iso(t, us);
	fputs(t, f);
}

/* The verdict badge: a PASS beside findings that do not gate is not green,
 * and says why. */
static void verdict_badge(FILE *f, const struct audit_report *r)
{
	const char *cls = r->verdict == VERDICT_PASS && r->not_gating ? "pass-qualified" :
			  audit_verdict_name(r->verdict);
	char gating[64];

	fprintf(f, "<p><span class=\"verdict %s\" id=\"verdict\">%s</span>", cls,
		verdict_text(r));
	if (r->not_gating) {
		gating_text(&r->fail_on, gating, sizeof(gating));
		fprintf(f, " <span class=\"small\" id=\"not-gating\">%u finding%s below "
			"do%s not gate (--fail-on %s)</span>", r->not_gating,
			r->not_gating == 1 ? "" : "s", r->not_gating == 1 ? "es" : "", gating);
	}
	if (r->verdict == VERDICT_INCONCLUSIVE && !r->findings->summary.applicable_rules)
		fputs(" <span class=\"small\">nothing was judged: no rule applies under "
		      "this site (its roles are bound to nothing)</span>", f);
	else if (r->verdict == VERDICT_INCONCLUSIVE)
		fputs(" <span class=\"small\">this capture cannot support a pass: see the "
		      "inconclusive findings and the inputs</span>", f);
	fputs("</p>\n", f);
}

/* A host name that may wrap after each dot (a <wbr> there), never inside a
 * label: "substrate.<wbr>office.<wbr>com". */
static void host_name(FILE *f, const char *name)
{
	char piece[HOST_NAME_LEN + 1];
	while (*name) {
		size_t n = strcspn(name, ".");
		bool dot = name[n] == '.';
		n += dot;
		if (n >= sizeof(piece))
			n = sizeof(piece) - 1;
		memcpy(piece, name, n);
		piece[n] = '\0';
		esc(f, piece);
		name += n;
		if (dot && *name)
			fputs("<wbr>", f);
	}
}

/* The unexpected traffic in the words every format uses (finding_text.h). */
static void headline(FILE *f, const struct audit_summary *s)
{
	char text[HEADLINE_LEN];
	unexpected_headline(s, text, sizeof(text));
	fputs("<p id=\"headline\"><strong>", f);
	esc(f, text);
	fputs("</strong></p>\n", f);
}

static void summary(FILE *f, const struct audit_report *r)
{
	const struct audit_summary *s = &r->findings->summary;

	fputs("<header>\n<h1>Flow audit: ", f);
	esc(f, ruleset_site_name(r->rules));
	fputs("</h1>\n<p class=\"small\">Matrix: ", f);
	esc(f, ruleset_matrix_name(r->rules));
	fprintf(f, " &middot; flowaudit %s", r->version);
	if (r->window_start_us || r->window_end_us) {
		fputs(" &middot; <span id=\"window\">window ", f);
		ts(f, r->window_start_us);
		fputs(" &ndash; ", f);
		ts(f, r->window_end_us);
		fputs(" (UTC)</span>", f);
	}
	fputs("</p>\n", f);
	verdict_badge(f, r);
	headline(f, s);
	fprintf(f, "<p class=\"counts\"><span class=\"st st-missing\">%llu missing</span>"
		"<span class=\"st st-blocked\">%llu blocked</span>"
		"<span class=\"st st-unexpected\">%llu unexpected conversation%s</span>",
		(unsigned long long)s->count[FINDING_MISSING],
		(unsigned long long)s->count[FINDING_BLOCKED],
		(unsigned long long)s->count[FINDING_UNEXPECTED],
		s->count[FINDING_UNEXPECTED] == 1 ? "" : "s");
	if (s->count[FINDING_INCONCLUSIVE])
		fprintf(f, "<span class=\"st st-inconclusive\">%llu inconclusive</span>",
			(unsigned long long)s->count[FINDING_INCONCLUSIVE]);
	fprintf(f, "<span class=\"st st-observed\">%llu observed</span></p>\n",
		(unsigned long long)s->count[FINDING_OBSERVED]);
	fprintf(f, "<p class=\"small\">%llu flows, %llu in scope, %llu out of scope",
		(unsigned long long)s->flows, (unsigned long long)s->in_scope,
		(unsigned long long)s->out_of_scope);
	if (s->peer_only || s->broadcast)
		fprintf(f, " (%llu of shared infrastructure with no audited host, %llu "
			"broadcast or multicast)", (unsigned long long)s->peer_only,
			(unsigned long long)s->broadcast);
	fputs(".</p>\n</header>\n", f);
}

/* ---- what an auditor signs: when, with what, from which inputs ---- */

static void file_row(FILE *f, const char *label, const char *what,
		     const struct report_file *file)
{
	fprintf(f, "<tr><th>%s</th><td>", label);
	if (what && what[0]) {
		esc(f, what);
		fputs(" &middot; ", f);
	}
	fputs("<code>", f);
	esc(f, file->name);
	fputs("</code>", f);
	if (file->sha256[0]) {
		char size[32];
		format_count(file->size, size, sizeof(size));
		fprintf(f, " &middot; %s bytes &middot; SHA-256 <code class=\"digest\">%s</code>",
			size, file->sha256);
	} else if (file->why_unhashed && file->why_unhashed[0]) {
		fputs(" &middot; <em>not hashed: ", f);
		esc(f, file->why_unhashed);
		fputs("</em>", f);
	}
	fputs("</td></tr>\n", f);
}

static void provenance(FILE *f, const struct audit_report *r)
{
	const struct report_provenance *p = r->provenance;

	fputs("<section id=\"provenance\">\n<table class=\"meta\">\n<tbody>\n", f);
	if (p) {
		fputs("<tr><th>Generated</th><td id=\"generated\">", f);
		ts(f, p->generated_us);
		fputs(" (UTC)</td></tr>\n", f);
	}
	if (r->window_start_us || r->window_end_us) {
		fputs("<tr><th>Window</th><td>", f);
		ts(f, r->window_start_us);
		fputs(" &ndash; ", f);
		ts(f, r->window_end_us);
		fputs(" (UTC)</td></tr>\n", f);
	}
	if (p) {
		file_row(f, "Site", ruleset_site_name(r->rules), &p->site);
		file_row(f, "Matrix", ruleset_matrix_name(r->rules), &p->matrix);
	} else {
		fputs("<tr><th>Site</th><td>", f);
		esc(f, ruleset_site_name(r->rules));
		fputs(" &middot; <code>", f);
		esc(f, ruleset_site_path(r->rules));
		fputs("</code></td></tr>\n<tr><th>Matrix</th><td>", f);
		esc(f, ruleset_matrix_name(r->rules));
		fputs(" &middot; <code>", f);
		esc(f, ruleset_matrix_path(r->rules));
		fputs("</code></td></tr>\n", f);
	}
	for (unsigned i = 0; i < r->capture.ninputs; i++) {
		const struct input_summary *in = &r->capture.inputs[i];
		if (p && i < p->ninputs) {
			file_row(f, "Input", NULL, &p->inputs[i]);
		} else {
			fputs("<tr><th>Input</th><td><code>", f);
			esc(f, in->name);
			fputs("</code></td></tr>\n", f);
		}
		fputs("<tr><th></th><td class=\"small\">packets ", f);
		ts(f, in->first_us);
		fputs(" &ndash; ", f);
		ts(f, in->last_us);
		fputs("</td></tr>\n", f);
	}
	if (p) {
		fputs("<tr><th>Tools</th><td id=\"components\">", f);
		for (unsigned i = 0; i < p->ncomponents; i++) {
			fputs(i ? ", " : "", f);
			esc(f, p->components[i].name);
			fputc(' ', f);
			esc(f, p->components[i].version);
		}
		fputs("</td></tr>\n<tr><th>Command</th><td><code id=\"command-line\">", f);
		esc(f, p->command_line);
		fputs("</code></td></tr>\n", f);
	}
	fputs("</tbody></table>\n</section>\n", f);
}

static void inputs(FILE *f, const struct audit_report *r)
{
	fputs("<h2 id=\"inputs\">Inputs</h2>\n<table>\n<thead><tr><th>Source</th><th>Packets</th>"
	      "<th>Bytes</th><th>First packet</th><th>Last packet</th><th>Dropped</th>"
	      "<th>Errors</th></tr></thead>\n<tbody>\n", f);
	for (unsigned i = 0; i < r->capture.ninputs; i++) {
		const struct input_summary *in = &r->capture.inputs[i];
		fputs("<tr><td><code>", f);
		esc(f, in->name);
		if (in->part) {
			fputs("</code><br><span class=\"small\">part <code>", f);
			esc(f, in->part);
			fputs("</code></span>", f);
		} else {
			fputs("</code>", f);
		}
		fprintf(f, "</td><td class=\"num\">%llu</td><td class=\"num\">%llu</td><td>",
			(unsigned long long)in->packets, (unsigned long long)in->bytes);
		ts(f, in->first_us);
		fputs("</td><td>", f);
		ts(f, in->last_us);
		if (in->live)
			fprintf(f, "</td><td class=\"num\">%llu kernel, %llu interface",
				(unsigned long long)in->kernel_drops,
				(unsigned long long)in->interface_drops);
		else
			fputs("</td><td>&ndash;", f);
		fputs("</td><td>", f);
		esc(f, in->error[0] ? in->error : "none");
		fputs("</td></tr>\n", f);
	}
	fprintf(f, "</tbody></table>\n<p class=\"small\">%llu malformed packets, %llu non-IP frames, "
		"%llu flows (at most %llu at once), %llu finished early because the flow "
		"table was full.</p>\n", (unsigned long long)r->capture.malformed,
		(unsigned long long)r->capture.non_ip, (unsigned long long)r->capture.flows,
		(unsigned long long)r->capture.peak_flows,
		(unsigned long long)r->capture.evicted);
}

/* ---- tables ---- */

static void sections(FILE *f, const struct rule *rule)
{
	char text[256];
	sections_join(rule, ", ", text, sizeof(text));
	esc(f, text);
}

/* Whether a side that never appeared was expected at this name: then the
 * name is said once, in the "expected at" list. */
static bool expected_name(const struct finding_endpoint *e, const char *name)
{
	for (unsigned i = 0; i < e->nexpected_names; i++)
		if (strcasecmp(e->expected_names[i], name) == 0)
			return true;
	return false;
}

static void expected_at(FILE *f, const struct finding_endpoint *e)
{
	if (!e->nexpected && !e->nexpected_names)
		return;
	fputs("<br><span class=\"small\">expected at ", f);
	for (unsigned i = 0; i < e->nexpected; i++) {
		char net[IP_TEXT_LEN + 8];
		format_cidr(net, sizeof(net), &e->expected[i]);
		fputs(i ? ", <code>" : "<code>", f);
		esc(f, net);
		fputs("</code>", f);
	}
	for (unsigned i = 0; i < e->nexpected_names; i++) {
		fputs(i || e->nexpected ? ", <code>" : "<code>", f);
		host_name(f, e->expected_names[i]);
		fputs("</code>", f);
	}
	fputs("</span>", f);
}

static void endpoint(FILE *f, const struct ruleset *rs, const struct finding_endpoint *e,
		     bool port)
{
	char ip[ENDPOINT_TEXT_LEN], roles[256];

	/* Roles only where they explain the host; a name that is only the
	 * address is not said twice (as the text report, audit_report.h). */
	roles_join(rs, roles_worth_naming(rs, e), ", ", roles, sizeof(roles));
	if (e->host_name && !(e->has_ip && label_names_address(e->host_name, e->ip_version,
								&e->ip))) {
		fputs("<strong>", f);
		esc(f, e->host_name);
		fputs("</strong> ", f);
	}
	if (e->has_ip) {
		if (port && e->has_port)
			format_endpoint(ip, e->ip_version, &e->ip, e->port);
		else
			format_ip(ip, e->ip_version, &e->ip);
		fputs("<code>", f);
		esc(f, ip);
		fputs("</code>", f);
	} else {
		fputs("<em>never seen</em>", f);
		expected_at(f, e);
	}
	if (e->host[0] && !(!e->has_ip && expected_name(e, e->host)) &&
	    !(e->has_ip && label_names_address(e->host, e->ip_version, &e->ip))) {
		fputs(" <code>", f);
		host_name(f, e->host);
		fputs("</code>", f);
	}
	if (roles[0]) {
		fputs("<br><span class=\"small\">", f);
		esc(f, roles);
		fputs("</span>", f);
	}
}

static void evidence(FILE *f, const struct ruleset *rs, const struct finding *x)
{
	char reason[REASON_LEN];

	finding_reason(rs, x, reason, sizeof(reason));
	fputs("<td class=\"reason\">", f);
	esc(f, reason);
	if (x->flows) {
		fprintf(f, "<br><span class=\"small\">%llu flow%s, %llu packets, %llu bytes, "
			"state ", (unsigned long long)x->flows, x->flows == 1 ? "" : "s",
			(unsigned long long)x->packets, (unsigned long long)x->bytes);
		esc(f, x->states);
		if (x->app[0]) {
			fputs(", app ", f);
			esc(f, x->app);
		}
		fputs(", ", f);
		ts(f, x->first_us);
		fputs(" &ndash; ", f);
		ts(f, x->last_us);
		fputs("</span>", f);
	}
	fputs("</td>", f);
}

static const char *kind_class(enum finding_kind k)
{
	return finding_kind_name(k);
}

static void rule_cells(FILE *f, const struct ruleset *rs, const struct rule *rule)
{
	fputs("<td><strong>", f);
	esc(f, rule->id);
	fputs("</strong><br><span class=\"small\">", f);
	esc(f, rule->description ? rule->description : "");
	fprintf(f, "</span></td><td>%s</td><td>", need_name(rule->need));
	sections(f, rule);
	fputs("</td><td>", f);
	esc(f, ruleset_role(rs, rule->from_role)->name);
	fputs(" &rarr; ", f);
	esc(f, ruleset_role(rs, rule->to_role)->name);
	fputs("<br><span class=\"small\">", f);
	for (unsigned s = 0; s < rule->nservices; s++) {
		char svc[96];
		service_format(&rule->services[s], svc, sizeof(svc));
		fputs(s ? " " : "", f);
		esc(f, svc);
	}
	fputs("</span></td>", f);
}

static void matrix(FILE *f, const struct audit_report *r)
{
	const struct ruleset *rs = r->rules;

	fputs("<h2 id=\"matrix\">Matrix: every rule and host</h2>\n<table>\n<thead><tr><th>Rule</th>"
	      "<th>Need</th><th>Sections</th><th>From &rarr; to</th><th>Client</th>"
	      "<th>Server</th><th>Status</th><th>Evidence</th></tr></thead>\n<tbody>\n", f);
	for (unsigned i = 0; i < ruleset_rule_count(rs); i++) {
		const struct rule *rule = ruleset_rule(rs, i);
		unsigned rows = 0;
		for (unsigned k = 0; k < r->findings->n; k++) {
			const struct finding *x = &r->findings->items[k];
			if (x->rule != rule)
				continue;
			fprintf(f, "<tr class=\"row-%s\" data-rule=\"", kind_class(x->kind));
			esc(f, rule->id);
			fputs("\">", f);
			rule_cells(f, rs, rule);
			fputs("<td>", f);
			endpoint(f, rs, &x->client, false);
			fputs("</td><td>", f);
			endpoint(f, rs, &x->server, true);
			fprintf(f, "</td><td class=\"st st-%s\">%s</td>", kind_class(x->kind),
				finding_kind_name(x->kind));
			evidence(f, rs, x);
			fputs("</tr>\n", f);
			rows++;
		}
		if (rows)
			continue;
		fputs("<tr data-rule=\"", f);
		esc(f, rule->id);
		fputs("\">", f);
		rule_cells(f, rs, rule);
		if (rule->applicable)
			fputs("<td colspan=\"2\">&ndash;</td><td class=\"st st-notseen\">not seen"
			      "</td><td class=\"reason\">no traffic (the rule does not require any)"
			      "</td></tr>\n", f);
		else {
			fputs("<td colspan=\"2\">&ndash;</td><td class=\"st st-na\">not applicable"
			      "</td><td class=\"reason\">", f);
			esc(f, rule->not_applicable_why ? rule->not_applicable_why : "");
			fputs("</td></tr>\n", f);
		}
	}
	fputs("</tbody></table>\n", f);
}

/* Unexpected traffic, grouped by the server it went to and its port. */
static void unexpected(FILE *f, const struct audit_report *r)
{
	const struct ruleset *rs = r->rules;

	fputs("<h2 id=\"unexpected\">Unexpected traffic</h2>\n", f);
	if (!r->findings->summary.count[FINDING_UNEXPECTED]) {
		fputs("<p>None: every in-scope flow is allowed by a rule or by the site.</p>\n", f);
		return;
	}
	fputs("<table>\n<thead><tr><th>Server</th><th>Port</th><th>Client</th><th>Reason and "
	      "evidence</th></tr></thead>\n<tbody>\n", f);
	/* Findings are sorted by client; group by server with a linear pass
	 * over each distinct server in first-seen order. */
	for (unsigned i = 0; i < r->findings->n; i++) {
		const struct finding *x = &r->findings->items[i];
		if (x->kind != FINDING_UNEXPECTED)
			continue;
		bool first = true;
		for (unsigned j = 0; j < i && first; j++) {
			const struct finding *y = &r->findings->items[j];
			first = !(y->kind == FINDING_UNEXPECTED && y->port == x->port &&
				  y->proto == x->proto &&
				  memcmp(&y->server.ip, &x->server.ip, sizeof(x->server.ip)) == 0);
		}
		if (!first)
			continue;
		for (unsigned j = i; j < r->findings->n; j++) {
			const struct finding *y = &r->findings->items[j];
			if (y->kind != FINDING_UNEXPECTED || y->port != x->port ||
			    y->proto != x->proto ||
			    memcmp(&y->server.ip, &x->server.ip, sizeof(x->server.ip)) != 0)
				continue;
			fputs("<tr class=\"row-unexpected\"><td>", f);
			struct finding_endpoint s = y->server;
			s.has_port = false;
			endpoint(f, rs, &s, false);
			fprintf(f, "</td><td>%s/%u</td><td>", ip_proto_name(y->proto, "ip"), y->port);
			endpoint(f, rs, &y->client, false);
			fputs("</td>", f);
			evidence(f, rs, y);
			fputs("</tr>\n", f);
		}
	}
	fputs("</tbody></table>\n", f);
}

/* What the capture could not show, near the top: a reader weighs every
 * finding below against it. */
static void health(FILE *f, const struct audit_report *r)
{
	struct health_line lines[HEALTH_MAX_LINES];
	unsigned n = capture_health_lines(r, lines, HEALTH_MAX_LINES);

	fputs("<h2 id=\"capture-health\">Capture health</h2>\n", f);
	if (!n) {
		fputs("<p class=\"small\">Every input read whole, both directions seen, "
		      "nothing dropped, no content gaps.</p>\n", f);
		return;
	}
	fputs("<ul class=\"health\">\n", f);
	for (unsigned i = 0; i < n; i++) {
		fprintf(f, "<li data-code=\"%s\">", lines[i].code);
		esc(f, lines[i].text);
		fputs("</li>\n", f);
	}
	fputs("</ul>\n", f);
}

/* The site's documented exceptions: each with its reason, its expiry and
 * what it covered, so a reader sees what was excused and why. */
static void exceptions(FILE *f, const struct audit_report *r)
{
	const struct findings *x = r->findings;

	if (!x->nexceptions)
		return;
	fputs("<h2 id=\"exceptions\">Site exceptions</h2>\n<table>\n<thead><tr><th>from</th>"
	      "<th>to</th><th>service</th><th>why</th><th>expires</th><th>covered</th>"
	      "</tr></thead>\n<tbody>\n", f);
	for (unsigned i = 0; i < x->nexceptions; i++) {
		const struct exception_use *e = &x->exceptions[i];
		const struct site_allow *a = e->allow;
		char side[512], ports[128];
		fprintf(f, "<tr class=\"exception%s\"><td>", e->expired ? " expired" : "");
		exception_side_text(r->rules, a->from_roles, a->from_nets, a->nfrom_nets,
				    side, sizeof(side));
		esc(f, side);
		fputs("</td><td>", f);
		exception_side_text(r->rules, a->to_roles, a->to_nets, a->nto_nets, side,
				    sizeof(side));
		esc(f, side);
		exception_ports_text(a, ports, sizeof(ports));
		fputs("</td><td>", f);
		esc(f, ports);
		fputs("</td><td>", f);
		esc(f, a->why);
		fputs("</td><td>", f);
		esc(f, a->expires ? a->expires : "never");
		if (e->expired)
			fputs(" <span class=\"st st-blocked\">expired: no longer applies</span>", f);
		fprintf(f, "</td><td>%llu flow%s, %llu packets", (unsigned long long)e->flows,
			e->flows == 1 ? "" : "s", (unsigned long long)e->packets);
		if (e->flows) {
			fputs(", ", f);
			ts(f, e->first_us);
			fputs(" .. ", f);
			ts(f, e->last_us);
		}
		if (e->expired_flows)
			fprintf(f, "; %llu flow%s after it expired, judged", (unsigned long long)
				e->expired_flows, e->expired_flows == 1 ? "" : "s");
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

/* External endpoints: global addresses the audited hosts talked to. */
static void external(FILE *f, const struct audit_report *r)
{
	unsigned shown = 0;

	fputs("<h2 id=\"external\">External endpoints</h2>\n", f);
	for (unsigned i = 0; i < r->findings->n; i++) {
		const struct finding *x = &r->findings->items[i];
		const struct finding_endpoint *e = &x->server;
		if (!e->has_ip || !e->has_geo || e->geo.scope[0])
			continue;
		bool dup = false;
		for (unsigned j = 0; j < i && !dup; j++) {
			const struct finding_endpoint *o = &r->findings->items[j].server;
			dup = o->has_ip && o->has_geo && !o->geo.scope[0] &&
			      memcmp(&o->ip, &e->ip, sizeof(e->ip)) == 0;
		}
		if (dup)
			continue;
		if (!shown++)
			fputs("<table>\n<thead><tr><th>Address</th><th>Name</th><th>Country</th>"
			      "<th>AS</th><th>Seen as</th></tr></thead>\n<tbody>\n", f);
		char ip[IP_TEXT_LEN];
		format_ip(ip, e->ip_version, &e->ip);
		fputs("<tr><td><code>", f);
		esc(f, ip);
		fputs("</code></td><td>", f);
		if (e->host[0]) {
			fputs("<code>", f);
			host_name(f, e->host);
			fprintf(f, "</code> <span class=\"small\">(%s)</span>",
				name_source_text(e->host_source));
		} else {
			fputs("&ndash;", f);
		}
		fputs("</td><td>", f);
		esc(f, e->geo.country[0] ? e->geo.country : "unknown");
		fputs("</td><td>", f);
		if (e->geo.asn) {
			fprintf(f, "AS%u ", e->geo.asn);
			esc(f, e->geo.as_org);
		} else {
			fputs("unknown", f);
		}
		fprintf(f, "</td><td class=\"st st-%s\">%s</td></tr>\n", kind_class(x->kind),
			finding_kind_name(x->kind));
	}
	if (shown)
		fputs("</tbody></table>\n<p class=\"small\">Country and AS come from the MaxMind "
		      "databases given with --geoip and --asn.</p>\n", f);
	else
		fputs("<p>No in-scope flow reached a global address.</p>\n", f);
}

bool report_html(FILE *f, const struct audit_report *r)
{
	head(f, r);
	summary(f, r);
	provenance(f, r);
	health(f, r);
	exceptions(f, r);
	html_diagram(f, r);
	inputs(f, r);
	matrix(f, r);
	unexpected(f, r);
	external(f, r);
	fputs("<footer><p class=\"small\">Each finding cites the sections of the vendor "
	      "document it enforces. Connection states are Zeek's conn_state names. "
	      "Matrix file <code>", f);
	esc(f, ruleset_matrix_path(r->rules));
	fputs("</code>, site file <code>", f);
	esc(f, ruleset_site_path(r->rules));
	fputs("</code>.</p></footer>\n</body>\n</html>\n", f);
	return !ferror(f);
}
