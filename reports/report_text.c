/* report_text.c - the audit report for a terminal: verdict first, then
 * missing and blocked, then unexpected, then observed (summarised); fits 100
 * columns; nothing from a packet, the matrix or the site reaches the
 * terminal but through the terminal filter (common/safe_text.h). */
#include <string.h>

#include "audit_report.h"
#include "finding_text.h"
#include "common/addr.h"
#include "common/timefmt.h"
#include "escape.h"

#define WIDTH 100

struct style {
	const char *bold, *red, *yellow, *green, *dim, *reset;
};

static const struct style colors = { "\033[1m", "\033[1;31m", "\033[1;33m",
				     "\033[32m", "\033[2m", "\033[0m" };
static const struct style plain = { "", "", "", "", "", "" };

/* Writes safe text wrapped at WIDTH, continuation lines indented. */
static void wrapped(FILE *f, const char *raw, unsigned indent, unsigned col)
{
	char text[2048];
	text_safe(text, sizeof(text), raw);
	const char *p = text;

	while (*p) {
		size_t room = WIDTH > col ? WIDTH - col : 20;
		size_t n = strlen(p);
		if (n > room) {
			size_t cut = room;
			while (cut > room / 2 && p[cut] != ' ')
				cut--;
			if (p[cut] != ' ')
				cut = room;
			n = cut;
		}
		fprintf(f, "%.*s\n", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
		if (*p) {
			fprintf(f, "%*s", (int)indent, "");
			col = indent;
		}
	}
}

static void endpoint_text(const struct ruleset *rs, const struct finding_endpoint *e,
			  bool with_port, char *out, size_t len)
{
	char ip[ENDPOINT_TEXT_LEN], roles[160];

	roles_join(rs, roles_worth_naming(rs, e), "+", roles, sizeof(roles));
	if (!e->has_ip) {
		snprintf(out, len, "%s%s%s", roles[0] ? roles : "?",
			 e->host[0] ? " " : "", e->host);
		return;
	}
	if (with_port && e->has_port)
		format_endpoint(ip, e->ip_version, &e->ip, e->port);
	else
		format_ip(ip, e->ip_version, &e->ip);
	/* A host the site named goes by its name, then the address seen (a
	 * name that is only the address is not said twice). */
	const char *name = e->host_name && !label_names_address(e->host_name, e->ip_version,
								 &e->ip) ? e->host_name : "";
	snprintf(out, len, "%s%s%s%s%s%s", name, name[0] ? " " : "", ip,
		 roles[0] ? " (" : "", roles, roles[0] ? ")" : "");
}

static void finding_line(FILE *f, const struct audit_report *r,
			 const struct finding *x, const struct style *st)
{
	char client[256], server[300], head[700], reason[REASON_LEN];

	finding_reason(r->rules, x, reason, sizeof(reason));
	endpoint_text(r->rules, &x->client, false, client, sizeof(client));
	endpoint_text(r->rules, &x->server, true, server, sizeof(server));
	if (x->rule) {
		char sections[128];
		sections_join(x->rule, ", ", sections, sizeof(sections));
		/* Pieces from the matrix made safe one by one: the colours
		 * between them are ours. */
		fprintf(f, "  %s", st->bold);
		text_put_safe(f, x->rule->id);
		fprintf(f, "%s  %s  [section ", st->reset, need_name(x->rule->need));
		text_put_safe(f, sections);
		fputs("]\n", f);
	}
	snprintf(head, sizeof(head), "    %s -> %s", client, server);
	fputs("    ", f);
	wrapped(f, head + 4, 6, 4);
	fprintf(f, "      ");
	wrapped(f, reason, 6, 6);
	if (x->flows) {
		char first[TS_TEXT_LEN], last[TS_TEXT_LEN], flows[48], packets[48], bytes[48];
		format_ts_iso(first, x->first_us);
		format_ts_iso(last, x->last_us);
		counted(x->flows, "flow", "flows", flows, sizeof(flows));
		counted(x->packets, "packet", "packets", packets, sizeof(packets));
		counted(x->bytes, "byte", "bytes", bytes, sizeof(bytes));
		fprintf(f, "      %s%s, %s, %s, state %s, %s .. %s%s\n", st->dim, flows,
			packets, bytes, x->states, first, last, st->reset);
	}
}

static void section(FILE *f, const struct audit_report *r, enum finding_kind k,
		    const char *title, const char *color, const struct style *st)
{
	unsigned n = (unsigned)r->findings->summary.count[k];
	if (!n)
		return;
	fprintf(f, "\n%s%s (%u)%s\n", color, title, n, st->reset);
	for (unsigned i = 0; i < r->findings->n; i++)
		if (r->findings->items[i].kind == k)
			finding_line(f, r, &r->findings->items[i], st);
}

/* Rule ids in a column: as wide as the longest id listed (at least min,
 * so short ids keep the usual layout), up to ID_COLUMN_MAX; a longer id
 * stands on a line of its own and its figures go on the next. */
#define ID_COLUMN_MAX 60
static unsigned id_column(const struct audit_report *r, unsigned min, bool observed)
{
	unsigned width = min;

	for (unsigned i = 0; i < ruleset_rule_count(r->rules); i++) {
		const struct rule *rule = ruleset_rule(r->rules, i);
		bool listed = !rule->applicable;
		if (observed) {
			listed = false;
			for (unsigned k = 0; k < r->findings->n && !listed; k++)
				listed = r->findings->items[k].kind == FINDING_OBSERVED &&
					 r->findings->items[k].rule == rule;
		}
		if (!listed)
			continue;
		char id[256];
		text_safe(id, sizeof(id), rule->id);
		size_t n = strlen(id);
		if (n > width && n <= ID_COLUMN_MAX)
			width = (unsigned)n;
	}
	return width;
}

/* "  id<padding> " in a column of width; a longer id on its own line. */
static void id_cell(FILE *f, const char *id, unsigned width)
{
	if (strlen(id) > width)
		fprintf(f, "  %s\n  %*s ", id, (int)width, "");
	else
		fprintf(f, "  %-*s ", (int)width, id);
}

/* Observed findings are many and good news: one line per rule. */
static void observed_summary(FILE *f, const struct audit_report *r,
			     const struct style *st)
{
	unsigned n = (unsigned)r->findings->summary.count[FINDING_OBSERVED];
	if (!n)
		return;
	unsigned width = id_column(r, 28, true);
	fprintf(f, "\n%sOBSERVED (%u)%s\n", st->green, n, st->reset);
	const struct rule *current = NULL;
	for (unsigned i = 0; i < r->findings->n; i++) {
		const struct finding *x = &r->findings->items[i];
		if (x->kind != FINDING_OBSERVED || x->rule == current)
			continue;
		current = x->rule;
		unsigned hosts = 0;
		uint64_t flows = 0;
		for (unsigned j = i; j < r->findings->n; j++)
			if (r->findings->items[j].kind == FINDING_OBSERVED &&
			    r->findings->items[j].rule == current) {
				hosts++;
				flows += r->findings->items[j].flows;
			}
		char id[256], count[COUNT_TEXT_LEN];
		text_safe(id, sizeof(id), current ? current->id : "?");
		format_count(flows, count, sizeof(count));
		id_cell(f, id, width);
		fprintf(f, "%-9s %3u host%s %5s flow%s\n",
			current ? need_name(current->need) : "", hosts,
			hosts == 1 ? ", " : "s,", count, flows == 1 ? "" : "s");
	}
}

static void inputs(FILE *f, const struct audit_report *r)
{
	for (unsigned i = 0; i < r->capture.ninputs; i++) {
		const struct input_summary *in = &r->capture.inputs[i];
		char first[TS_TEXT_LEN] = "-", last[TS_TEXT_LEN] = "-";
		if (in->packets) {
			format_ts_iso(first, in->first_us);
			format_ts_iso(last, in->last_us);
		}
		/* The name on a line of its own: how long a path is must not
		 * change how the rest of the report reads. */
		fprintf(f, "Input: ");
		text_put_safe(f, in->name);
		char packets[48];
		counted(in->packets, "packet", "packets", packets, sizeof(packets));
		fprintf(f, "\n       %s, %s .. %s\n", packets, first, last);
		if (in->part) {
			fprintf(f, "       part: ");
			text_put_safe(f, in->part);
			fputc('\n', f);
		}
		if (in->error[0]) {
			fprintf(f, "       error: ");
			wrapped(f, in->error, 14, 14);
		}
		if (in->live) {
			char kernel[COUNT_TEXT_LEN], iface[COUNT_TEXT_LEN];
			format_count(in->kernel_drops, kernel, sizeof(kernel));
			format_count(in->interface_drops, iface, sizeof(iface));
			fprintf(f, "       dropped: %s by the kernel, %s by the interface\n",
				kernel, iface);
		}
	}
}

/* What the capture could not show, before any finding that rests on it. */
static void health(FILE *f, const struct audit_report *r, const struct style *st)
{
	struct health_line lines[HEALTH_MAX_LINES];
	unsigned n = capture_health_lines(r, lines, HEALTH_MAX_LINES);

	if (!n) {
		fprintf(f, "Capture health: read whole, both directions seen, nothing "
			"dropped\n");
		return;
	}
	fprintf(f, "\n%sCAPTURE HEALTH (%u)%s\n", st->yellow, n, st->reset);
	for (unsigned i = 0; i < n; i++) {
		fputs("  - ", f);
		wrapped(f, lines[i].text, 4, 4);
	}
}

/* The site's exceptions, each with its reason, expiry and what it covered. */
static void exceptions(FILE *f, const struct audit_report *r, const struct style *st)
{
	const struct findings *x = r->findings;

	if (!x->nexceptions)
		return;
	fprintf(f, "\n%sSITE EXCEPTIONS (%u)%s\n", st->bold, x->nexceptions, st->reset);
	for (unsigned i = 0; i < x->nexceptions; i++) {
		const struct exception_use *e = &x->exceptions[i];
		const struct site_allow *a = e->allow;
		char from[512], to[512], ports[128], line[1400];
		exception_side_text(r->rules, a->from_roles, a->from_nets, a->nfrom_nets,
				    from, sizeof(from));
		exception_side_text(r->rules, a->to_roles, a->to_nets, a->nto_nets, to,
				    sizeof(to));
		exception_ports_text(a, ports, sizeof(ports));
		snprintf(line, sizeof(line), "  %s -> %s  %s: %s", from, to, ports, a->why);
		wrapped(f, line, 6, 0);
		char flows[48], packets[48];
		counted(e->flows, "flow", "flows", flows, sizeof(flows));
		counted(e->packets, "packet", "packets", packets, sizeof(packets));
		snprintf(line, sizeof(line), "      %s; covered %s, %s%s",
			 a->expires ? a->expires : "no expiry", flows, packets,
			 e->expired ? "; EXPIRED: no longer applies" : "");
		fputs(e->expired ? st->yellow : st->dim, f);
		text_put_safe(f, line);
		fprintf(f, "%s\n", st->reset);
		if (e->expired_flows) {
			char flows[48];
			counted(e->expired_flows, "flow", "flows", flows, sizeof(flows));
			fprintf(f, "      %s after its expiry judged as any other\n", flows);
		}
	}
}

/* The verdict, and what it rests on: a PASS beside findings that do not
 * gate says so, never an unqualified PASS. */
static void verdict_line(FILE *f, const struct audit_report *r, const struct style *st)
{
	const struct audit_summary *s = &r->findings->summary;
	const char *color = r->verdict == VERDICT_FAIL ? st->red :
			    r->verdict == VERDICT_INCONCLUSIVE || r->not_gating ?
			    st->yellow : st->green;
	char verdict[16], gating[64];

	gating_text(&r->fail_on, gating, sizeof(gating));
	snprintf(verdict, sizeof(verdict), "%s", audit_verdict_name(r->verdict));
	for (char *p = verdict; *p; p++)
		*p = (char)(*p - 'a' + 'A');
	/* The figures after the verdict, then the unexpected traffic's
	 * headline: its flows and conversations, never the itemising bound
	 * read as a count. */
	char counts[HEADLINE_LEN * 2], headline[HEADLINE_LEN], n[4][COUNT_TEXT_LEN];
	format_count(s->count[FINDING_MISSING], n[0], sizeof(n[0]));
	format_count(s->count[FINDING_BLOCKED], n[1], sizeof(n[1]));
	format_count(s->count[FINDING_INCONCLUSIVE], n[2], sizeof(n[2]));
	format_count(s->count[FINDING_OBSERVED], n[3], sizeof(n[3]));
	unexpected_headline(s, headline, sizeof(headline));
	snprintf(counts, sizeof(counts), "missing %s, blocked %s, %s%s%sobserved %s; %s",
		 n[0], n[1], s->count[FINDING_INCONCLUSIVE] ? "inconclusive " : "",
		 s->count[FINDING_INCONCLUSIVE] ? n[2] : "",
		 s->count[FINDING_INCONCLUSIVE] ? ", " : "", n[3], headline);
	fprintf(f, "%sVERDICT: %s%s  ", color, verdict, st->reset);
	wrapped(f, counts, 4, (unsigned)strlen("VERDICT: ") + (unsigned)strlen(verdict) + 2);
	if (r->not_gating)
		fprintf(f, "%s%u finding%s below do%s not gate (--fail-on %s)%s\n", st->yellow,
			r->not_gating, r->not_gating == 1 ? "" : "s",
			r->not_gating == 1 ? "es" : "", gating, st->reset);
	if (r->verdict == VERDICT_INCONCLUSIVE && !s->applicable_rules)
		fprintf(f, "%sNothing was judged: no rule applies under this site (its "
			"roles are bound to nothing); flowaudit check --site says why%s\n",
			st->yellow, st->reset);
	else if (r->verdict == VERDICT_INCONCLUSIVE)
		fprintf(f, "%sThis capture cannot support a pass: see the inconclusive "
			"findings and input errors below%s\n", st->yellow, st->reset);
}

/* A report of one window of `watch` says which window: its findings are
 * about that span only. */
static void window_line(FILE *f, const struct audit_report *r)
{
	char start[TS_TEXT_LEN] = "-", end[TS_TEXT_LEN] = "-";

	if (r->window_start_us)
		format_ts_iso(start, r->window_start_us);
	if (r->window_end_us)
		format_ts_iso(end, r->window_end_us);
	fprintf(f, "Window: %s .. %s\n", start, end);
}

static void flows_line(FILE *f, const struct audit_report *r, const struct audit_summary *s)
{
	char line[600], flows[48], in[COUNT_TEXT_LEN], out[COUNT_TEXT_LEN];
	char peers[COUNT_TEXT_LEN], broadcast[COUNT_TEXT_LEN], malformed[48], evicted[48];
	size_t used;

	format_count(s->flows, flows, sizeof(flows));
	format_count(s->in_scope, in, sizeof(in));
	format_count(s->out_of_scope, out, sizeof(out));
	used = (size_t)snprintf(line, sizeof(line), "Flows: %s (%s in scope, %s out of scope",
				flows, in, out);
	if ((s->peer_only || s->broadcast) && used < sizeof(line)) {
		format_count(s->peer_only, peers, sizeof(peers));
		format_count(s->broadcast, broadcast, sizeof(broadcast));
		used += (size_t)snprintf(line + used, sizeof(line) - used, ": %s of peers with "
					 "no audited host, %s broadcast or multicast", peers,
					 broadcast);
	}
	counted(r->capture.malformed, "malformed packet", "malformed packets", malformed,
		sizeof(malformed));
	counted(r->capture.evicted, "flow evicted early", "flows evicted early", evicted,
		sizeof(evicted));
	if (used < sizeof(line))
		snprintf(line + used, sizeof(line) - used, "); %s, %s", malformed, evicted);
	fprintf(f, "%s\n", line);
}

bool report_text(FILE *f, const struct audit_report *r, bool color)
{
	const struct style *st = color ? &colors : &plain;
	const struct audit_summary *s = &r->findings->summary;
	char site[300], matrix[300];

	text_safe(site, sizeof(site), ruleset_site_name(r->rules));
	text_safe(matrix, sizeof(matrix), ruleset_matrix_name(r->rules));
	fprintf(f, "%sflowaudit audit: %s%s (matrix: %s)\n", st->bold, site, st->reset,
		matrix);
	if (r->window_start_us || r->window_end_us)
		window_line(f, r);
	verdict_line(f, r, st);
	inputs(f, r);
	flows_line(f, r, s);
	health(f, r, st);

	section(f, r, FINDING_MISSING, "MISSING", st->red, st);
	section(f, r, FINDING_BLOCKED, "BLOCKED", st->red, st);
	section(f, r, FINDING_UNEXPECTED, "UNEXPECTED", st->yellow, st);
	section(f, r, FINDING_INCONCLUSIVE, "INCONCLUSIVE", st->yellow, st);
	observed_summary(f, r, st);

	exceptions(f, r, st);

	unsigned na = 0;
	for (unsigned i = 0; i < ruleset_rule_count(r->rules); i++)
		na += !ruleset_rule(r->rules, i)->applicable;
	if (na) {
		unsigned width = id_column(r, 26, false);
		fprintf(f, "\n%sNOT APPLICABLE (%u)%s\n", st->dim, na, st->reset);
		for (unsigned i = 0; i < ruleset_rule_count(r->rules); i++) {
			const struct rule *rule = ruleset_rule(r->rules, i);
			if (rule->applicable)
				continue;
			char id[256];
			text_safe(id, sizeof(id), rule->id);
			id_cell(f, id, width);
			text_put_safe(f, rule->not_applicable_why);
			fputc('\n', f);
		}
	}
	return !ferror(f);
}
