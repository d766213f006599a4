/* report_html.c - the compliance report for security teams: one
 * self-contained HTML file (no scripts, fonts or external styles; a
 * Content-Security-Policy forbids them anyway), printable to PDF, with the
 * communication diagram drawn as inline SVG. Every string from a packet or a
 * user file goes through html_put_escaped. */
#include <math.h>
#include <string.h>

#include "audit_report.h"
#include "finding_text.h"
#include "common/addr.h"
#include "common/timefmt.h"
#include "escape.h"

#define esc html_put_escaped

static const char *style =
	"body{font:14px/1.45 -apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
	"color:#1d2330;margin:2em auto;max-width:1200px;padding:0 1em}"
	"h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin-top:1.8em;"
	"border-bottom:2px solid #dde3ea;padding-bottom:.2em}"
	"table{border-collapse:collapse;width:100%;margin:.6em 0}"
	"th,td{border:1px solid #dde3ea;padding:.3em .5em;text-align:left;vertical-align:top}"
	"th{background:#f3f6f9}td.num{text-align:right;font-variant-numeric:tabular-nums}"
	".verdict{display:inline-block;font-weight:700;font-size:1.4em;padding:.2em .8em;"
	"border-radius:4px;color:#fff}.pass{background:#2e7d32}.fail{background:#c62828}"
	".inconclusive,.pass-qualified{background:#f9a825;color:#212121}"
	".counts span{display:inline-block;margin-right:1.2em;font-size:1.1em}"
	".st{font-weight:600;white-space:nowrap}.st-observed{color:#2e7d32}"
	".st-blocked{color:#c62828}.st-missing{color:#e65100}.st-unexpected{color:#6a1b9a}"
	".st-na,.st-notseen{color:#78909c}.st-inconclusive{color:#8d6e00}"
	".reason{font-size:.92em}"
	"code{font:12px ui-monospace,Menlo,Consolas,monospace;word-break:break-all}"
	"svg{max-width:100%;height:auto;border:1px solid #dde3ea;background:#fcfdfe}"
	".legend span{margin-right:1.4em}.small{color:#546e7a;font-size:.9em}"
	"@media print{body{margin:0;max-width:none}h2{break-after:avoid}"
	"tr{break-inside:avoid}svg{break-inside:avoid}}";

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
	if (r->verdict == VERDICT_INCONCLUSIVE)
		fputs(" <span class=\"small\">this capture cannot support a pass: see the "
		      "inconclusive findings and the inputs</span>", f);
	fputs("</p>\n", f);
}

static void summary(FILE *f, const struct audit_report *r)
{
	const struct audit_summary *s = &r->findings->summary;

	fputs("<header>\n<h1>Flow audit: ", f);
	esc(f, ruleset_site_name(r->rules));
	fputs("</h1>\n<p class=\"small\">Matrix: ", f);
	esc(f, ruleset_matrix_name(r->rules));
	fprintf(f, " &middot; flowaudit %s</p>\n", r->version);
	verdict_badge(f, r);
	fprintf(f, "<p class=\"counts\"><span class=\"st st-missing\">%llu missing</span>"
		"<span class=\"st st-blocked\">%llu blocked</span>"
		"<span class=\"st st-unexpected\">%llu unexpected</span>",
		(unsigned long long)s->count[FINDING_MISSING],
		(unsigned long long)s->count[FINDING_BLOCKED],
		(unsigned long long)s->count[FINDING_UNEXPECTED]);
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
	fprintf(f, "; %llu unexpected flows%s.</p>\n</header>\n",
		(unsigned long long)s->unexpected_flows,
		s->unexpected_not_itemized ? " (some counted but not itemized)" : "");
}

static void inputs(FILE *f, const struct audit_report *r)
{
	fputs("<h2 id=\"inputs\">Inputs</h2>\n<table>\n<tr><th>Source</th><th>Packets</th>"
	      "<th>Bytes</th><th>First packet</th><th>Last packet</th><th>Dropped</th>"
	      "<th>Errors</th></tr>\n", f);
	for (unsigned i = 0; i < r->capture.ninputs; i++) {
		const struct input_summary *in = &r->capture.inputs[i];
		fputs("<tr><td><code>", f);
		esc(f, in->name);
		fprintf(f, "</code></td><td class=\"num\">%llu</td><td class=\"num\">%llu</td><td>",
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
	fprintf(f, "</table>\n<p class=\"small\">%llu malformed packets, %llu non-IP frames, "
		"%llu flows (at most %llu at once), %llu finished early because the flow "
		"table was full.</p>\n", (unsigned long long)r->capture.malformed,
		(unsigned long long)r->capture.non_ip, (unsigned long long)r->capture.flows,
		(unsigned long long)r->capture.peak_flows,
		(unsigned long long)r->capture.evicted);
}

/* ---- the communication diagram ---- */

enum edge_status { EDGE_OBSERVED, EDGE_BLOCKED, EDGE_MISSING, EDGE_NOTSEEN, EDGE_NA };

static const char *const edge_color[] = { "#2e7d32", "#c62828", "#e65100", "#b0bec5", "#cfd8dc" };
static const char *const edge_name[] = { "observed", "blocked", "missing", "not seen",
					  "not applicable" };

/* A rule's worst status over its hosts: missing and blocked outrank observed. */
static enum edge_status rule_status(const struct audit_report *r, const struct rule *rule)
{
	bool seen[FINDING_KIND_COUNT] = { false };

	if (!rule->applicable)
		return EDGE_NA;
	for (unsigned i = 0; i < r->findings->n; i++)
		if (r->findings->items[i].rule == rule)
			seen[r->findings->items[i].kind] = true;
	if (seen[FINDING_MISSING])
		return EDGE_MISSING;
	if (seen[FINDING_BLOCKED])
		return EDGE_BLOCKED;
	if (seen[FINDING_OBSERVED])
		return EDGE_OBSERVED;
	return EDGE_NOTSEEN;
}

#define DIAGRAM_W 1160
#define DIAGRAM_H 820
#define BOX_W 150
#define BOX_H 36

struct point {
	double x, y;
};

/* Roles on an ellipse in matrix order; one more spot for "other hosts". */
static struct point role_point(unsigned i, unsigned n)
{
	double a = 2 * M_PI * i / n - M_PI / 2;
	struct point p = { DIAGRAM_W / 2 + 480 * cos(a), DIAGRAM_H / 2 + 350 * sin(a) };
	return p;
}

/* Where the line from a box's centre towards `toward` leaves the box, so
 * arrowheads sit on the box's border rather than under it. */
static struct point box_border(struct point centre, struct point toward)
{
	double dx = toward.x - centre.x, dy = toward.y - centre.y;
	double tx = dx ? (BOX_W / 2.0 + 3) / fabs(dx) : 1e9;
	double ty = dy ? (BOX_H / 2.0 + 3) / fabs(dy) : 1e9;
	double t = tx < ty ? tx : ty;
	if (t > 1)
		return centre;
	struct point p = { centre.x + dx * t, centre.y + dy * t };
	return p;
}

static void edge(FILE *f, struct point a, struct point b, unsigned lane,
		 const char *color, bool dashed, const char *title_prefix,
		 const char *title)
{
	/* Parallel edges between the same boxes bend apart. */
	double mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
	double dx = b.x - a.x, dy = b.y - a.y, len = sqrt(dx * dx + dy * dy);
	double bend = ((double)(lane % 2 ? 1 : -1)) * (double)((lane + 1) / 2) * 26.0;
	double cx = len > 0 ? mx - dy / len * bend : mx, cy = len > 0 ? my + dx / len * bend : my;
	struct point c = { cx, cy };
	struct point from = box_border(a, c), to = box_border(b, c);
	fputs("<path d=\"", f);
	if (len < 1) {
		/* Between two hosts of the same role: a loop above its box,
		 * larger for each further lane. */
		double top = a.y - BOX_H / 2.0, h = 40 + 14.0 * lane;
		fprintf(f, "M%.0f %.0f C%.0f %.0f %.0f %.0f %.0f %.0f", a.x - 24, top,
			a.x - 60, top - h, a.x + 60, top - h, a.x + 24, top - 3);
	} else {
		fprintf(f, "M%.0f %.0f Q%.0f %.0f %.0f %.0f", from.x, from.y, cx, cy, to.x, to.y);
	}
	fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-opacity=\"0.85\"%s "
		"marker-end=\"url(#arrow)\"><title>", color,
		dashed ? " stroke-dasharray=\"6 4\"" : "");
	esc(f, title_prefix);
	esc(f, title);
	fputs("</title></path>\n", f);
}

static unsigned lane_for(unsigned *lanes, unsigned from, unsigned to, unsigned n)
{
	unsigned a = from < to ? from : to, b = from < to ? to : from;
	return lanes[a * (n + 1) + b]++;
}

static void diagram(FILE *f, const struct audit_report *r)
{
	const struct ruleset *rs = r->rules;
	unsigned n = ruleset_role_count(rs);
	unsigned other = n;  /* the spot for hosts that hold no role */
	unsigned lanes[(MAX_ROLES + 1) * (MAX_ROLES + 1)];

	memset(lanes, 0, sizeof(lanes));
	fputs("<h2 id=\"diagram\">Communication diagram</h2>\n<p class=\"small legend\">", f);
	for (int s = 0; s <= EDGE_NA; s++)
		fprintf(f, "<span><svg width=\"28\" height=\"8\"><line x1=\"0\" y1=\"4\" x2=\"28\" "
			"y2=\"4\" stroke=\"%s\" stroke-width=\"3\"/></svg> %s</span>",
			edge_color[s], edge_name[s]);
	fputs("<span><svg width=\"28\" height=\"8\"><line x1=\"0\" y1=\"4\" x2=\"28\" y2=\"4\" "
	      "stroke=\"#6a1b9a\" stroke-width=\"3\" stroke-dasharray=\"6 4\"/></svg> "
	      "unexpected</span></p>\n", f);
	fprintf(f, "<svg id=\"diagram-svg\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		"width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"Roles and the flows "
		"between them\">\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" "
		"refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
		"<path d=\"M0 0L10 5L0 10z\" fill=\"#455a64\"/></marker></defs>\n",
		DIAGRAM_W, DIAGRAM_H, DIAGRAM_W, DIAGRAM_H);

	for (unsigned i = 0; i < ruleset_rule_count(rs); i++) {
		const struct rule *rule = ruleset_rule(rs, i);
		enum edge_status st = rule_status(r, rule);
		char title[160];
		snprintf(title, sizeof(title), " (%s, %s)", need_name(rule->need), edge_name[st]);
		edge(f, role_point(rule->from_role, n + 1), role_point(rule->to_role, n + 1),
		     lane_for(lanes, rule->from_role, rule->to_role, n), edge_color[st],
		     st == EDGE_NA, rule->id, title);
	}
	/* Unexpected conversations, between the roles they touched. */
	for (unsigned i = 0; i < r->findings->n; i++) {
		const struct finding *x = &r->findings->items[i];
		if (x->kind != FINDING_UNEXPECTED)
			continue;
		unsigned from = other, to = other;
		for (unsigned k = 0; k < n; k++) {
			if (from == other && (x->client.roles & ((role_mask)1 << k)))
				from = k;
			if (to == other && (x->server.roles & ((role_mask)1 << k)))
				to = k;
		}
		char reason[REASON_LEN];
		finding_reason(rs, x, reason, sizeof(reason));
		edge(f, role_point(from, n + 1), role_point(to, n + 1),
		     lane_for(lanes, from, to, n), "#6a1b9a", true, "unexpected: ", reason);
	}
	for (unsigned i = 0; i <= n; i++) {
		struct point p = role_point(i, n + 1);
		const char *name = i < n ? ruleset_role(rs, i)->name : "other hosts";
		bool audited = i < n && ruleset_role(rs, i)->audited;
		fprintf(f, "<g><rect x=\"%.0f\" y=\"%.0f\" width=\"%d\" height=\"%d\" rx=\"6\" "
			"fill=\"%s\" stroke=\"#455a64\"/><text x=\"%.0f\" y=\"%.0f\" "
			"text-anchor=\"middle\" font-size=\"13\" fill=\"#1d2330\">",
			p.x - BOX_W / 2, p.y - BOX_H / 2, BOX_W, BOX_H,
			audited ? "#e3f2fd" : "#f5f5f5", p.x, p.y + 5);
		esc(f, name);
		fputs("</text></g>\n", f);
	}
	fputs("</svg>\n", f);
}

/* ---- tables ---- */

static void sections(FILE *f, const struct rule *rule)
{
	char text[256];
	sections_join(rule, ", ", text, sizeof(text));
	esc(f, text);
}

static void endpoint(FILE *f, const struct ruleset *rs, const struct finding_endpoint *e,
		     bool port)
{
	char ip[ENDPOINT_TEXT_LEN], roles[256];

	roles_join(rs, e->roles, ", ", roles, sizeof(roles));
	if (e->host_name) {
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
		char hosts[512];
		expected_join(e, ", ", hosts, sizeof(hosts));
		fputs("<em>never seen</em>", f);
		if (hosts[0]) {
			fputs("<br><span class=\"small\">expected at <code>", f);
			esc(f, hosts);
			fputs("</code></span>", f);
		}
	}
	if (e->host[0]) {
		fputs(" <code>", f);
		esc(f, e->host);
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

	fputs("<h2 id=\"matrix\">Matrix: every rule and host</h2>\n<table>\n<tr><th>Rule</th>"
	      "<th>Need</th><th>Sections</th><th>From &rarr; to</th><th>Client</th>"
	      "<th>Server</th><th>Status</th><th>Evidence</th></tr>\n", f);
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
	fputs("</table>\n", f);
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
	fputs("<table>\n<tr><th>Server</th><th>Port</th><th>Client</th><th>Reason and "
	      "evidence</th></tr>\n", f);
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
	fputs("</table>\n", f);
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
	fputs("<h2 id=\"exceptions\">Site exceptions</h2>\n<table>\n<tr><th>from</th>"
	      "<th>to</th><th>service</th><th>why</th><th>expires</th><th>covered</th></tr>\n", f);
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
	fputs("</table>\n", f);
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
			fputs("<table>\n<tr><th>Address</th><th>Name</th><th>Country</th>"
			      "<th>AS</th><th>Seen as</th></tr>\n", f);
		char ip[IP_TEXT_LEN];
		format_ip(ip, e->ip_version, &e->ip);
		fputs("<tr><td><code>", f);
		esc(f, ip);
		fputs("</code></td><td>", f);
		if (e->host[0]) {
			fputs("<code>", f);
			esc(f, e->host);
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
		fputs("</table>\n<p class=\"small\">Country and AS come from the MaxMind "
		      "databases given with --geoip and --asn.</p>\n", f);
	else
		fputs("<p>No in-scope flow reached a global address.</p>\n", f);
}

bool report_html(FILE *f, const struct audit_report *r)
{
	head(f, r);
	summary(f, r);
	health(f, r);
	inputs(f, r);
	diagram(f, r);
	matrix(f, r);
	unexpected(f, r);
	exceptions(f, r);
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
