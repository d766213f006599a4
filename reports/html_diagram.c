/* html_diagram.c - the communication diagram of the HTML report.
 *
 * A hand-placed layered layout, read left to right, rather than Graphviz:
 * libgvc would bring cairo, pango, libgd, X11 and glib into a capture
 * sensor that runs with capabilities, and dot's output depends on its
 * version and the installed fonts, while ours must be the same bytes for
 * the same inputs. The graph is small (at most ~25 boxes) and already
 * tiered, so:
 *
 *   - boxes are the roles the site binds (plus "other hosts" for
 *     unexpected traffic outside every role); undeployed roles are left out;
 *   - a role's column is its rank in the rule graph: roles only ever a
 *     rule's "from" (clients) at 0, then the longest path along rule edges
 *     (cycles broken where a depth-first walk in matrix order closes them),
 *     capped; roles with no rule, and "other hosts", in a last column;
 *   - within a column boxes are ordered by the mean position of their
 *     neighbours (barycentre), a few sweeps each way;
 *   - one edge per role pair and status: rules grouped, unexpected
 *     conversations aggregated with their count and top ports;
 *   - each edge's label sits in the gap next to its source column at the
 *     height the edge would pass, labels in one gap pushed apart
 *     vertically; the edge is drawn through its label, and edges leave and
 *     enter a box spread along its side in the order of their labels.
 *
 * Text widths are estimated (DejaVu Sans, the widest common sans-serif
 * face), so boxes and labels are sized for the worst case. */
#include <stdlib.h>
#include <string.h>

#include "html_diagram.h"
#include "finding_text.h"
#include "common/addr.h"
#include "common/cidr.h"
#include "common/ip_proto.h"
#include "escape.h"

#define esc html_put_escaped

enum edge_status {
	EDGE_OBSERVED, EDGE_BLOCKED, EDGE_MISSING, EDGE_INCONCLUSIVE, EDGE_NOTSEEN,
	EDGE_NA, EDGE_UNEXPECTED, EDGE_STATUS_COUNT
};

static const char *const status_color[EDGE_STATUS_COUNT] = {
	"#2e7d32", "#c62828", "#e65100", "#8d6e00", "#90a4ae", "#b0bec5", "#6a1b9a",
};
static const char *const status_name[EDGE_STATUS_COUNT] = {
	"observed", "blocked", "missing", "inconclusive", "not seen",
	"not applicable", "unexpected",
};
/* For attributes and classes. */
static const char *const status_slug[EDGE_STATUS_COUNT] = {
	"observed", "blocked", "missing", "inconclusive", "not-seen",
	"not-applicable", "unexpected",
};
static const char *const status_dash[EDGE_STATUS_COUNT] = {
	"", "", "", "", "4 3", "2 4", "7 4",
};

#define MAX_NODES (MAX_ROLES + 1)
#define MAX_RANK 3                 /* rule ranks shown as columns 0..3 */
#define MAX_COLUMNS (MAX_RANK + 2) /* and one for rule-less roles, others */
#define MAX_UNEXPECTED_EDGES 40    /* the largest pairs; the rest counted */
#define MAX_TOKENS 16              /* distinct ports kept per edge */
#define LABEL_TOKENS 3             /* ports shown on a label */
#define MAX_HOST_LINES 3           /* hosts listed under a box, else "N hosts" */
#define OTHER_HOSTS_KEPT 256       /* distinct outside addresses counted */
#define BARYCENTRE_SWEEPS 4

/* Geometry, in SVG user units (CSS pixels at full size). */
#define MARGIN 16.0
#define BOX_W 192.0
#define BOX_NAME_H 24.0
#define LINE_H 14.0
#define BOX_PAD 8.0
#define BOX_GAP 18.0
#define LABEL_LINE_H 13.0
#define LABEL_PAD 6.0
#define LABEL_GAP 4.0
#define CURVE_ROOM 26.0
#define MIN_GAP_W 110.0
#define LEGEND_ROW_H 24.0
/* Upper bounds of a character's advance: 11px and bold 13px text. */
#define CHAR_W 6.9
#define NAME_CHAR_W 8.6

struct node {
	const char *name;
	const char *tip;              /* the role's description */
	int role;                     /* -1: other hosts */
	bool audited;
	unsigned col;
	double key;                   /* barycentre, or current position */
	unsigned pos;                 /* order within its column */
	double x, y, h;               /* top-left corner, height */
	char lines[MAX_HOST_LINES][80];
	unsigned nlines;
};

struct port_token {
	char text[24];                /* "tcp/443" */
	uint64_t count;
};

struct edge {
	unsigned from, to;            /* nodes */
	enum edge_status st;
	struct port_token tokens[MAX_TOKENS];
	unsigned ntokens;
	bool more_tokens;             /* distinct ports beyond MAX_TOKENS */
	unsigned rules;
	uint64_t conversations, flows;
	char tip[400];
	/* layout */
	char line1[96], line2[96];
	unsigned gap;
	double lx, ly, lw, lh;        /* label centre x, top y, size */
	bool from_right, to_right;    /* which side of each box it uses */
	double y0, y2;                /* where it leaves and enters */
};

struct layout {
	const struct audit_report *r;
	struct node nodes[MAX_NODES];
	unsigned nnodes;
	int node_of_role[MAX_ROLES];
	int other;                    /* node of other hosts, -1 none */
	struct edge *edges;
	unsigned nedges, edges_cap;
	unsigned ncols;
	double col_x[MAX_COLUMNS], gap_w[MAX_COLUMNS];
	double width, height, top;
	uint64_t hidden_pairs, hidden_conversations;
	unsigned legend_rows;
};

/* ---- text ---- */

static unsigned text_chars(const char *s)
{
	unsigned n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* in, cut to max characters (at a character boundary) with an ellipsis. */
static void fit(char *out, size_t len, const char *in, unsigned max)
{
	size_t i = 0;
	unsigned chars = 0;

	if (text_chars(in) <= max) {
		snprintf(out, len, "%s", in);
		return;
	}
	while (in[i] && chars < max - 1) {
		i++;
		while (((unsigned char)in[i] & 0xc0) == 0x80)
			i++;
		chars++;
	}
	snprintf(out, len, "%.*s\xe2\x80\xa6", (int)i, in);
}

/* ---- nodes ---- */

static bool role_bound(const struct ruleset *rs, unsigned i)
{
	const struct cidr *nets;
	const char *const *names;
	return ruleset_role(rs, i)->bound || ruleset_role_nets(rs, i, &nets) ||
	       ruleset_role_names(rs, i, &names);
}

/* The lines under a role's box: its hosts, networks and names when few,
 * else how many. */
static void role_lines(const struct ruleset *rs, unsigned role, struct node *n)
{
	const unsigned *ids;
	const struct cidr *nets;
	const char *const *names;
	unsigned nh = ruleset_role_host_ids(rs, role, &ids);
	unsigned nn = ruleset_role_nets(rs, role, &nets);
	unsigned nm = ruleset_role_names(rs, role, &names);
	unsigned networks = 0;
	const unsigned max_chars = (unsigned)((BOX_W - 2 * BOX_PAD) / CHAR_W);

	/* Networks that are not single hosts (those are listed as hosts). */
	for (unsigned i = 0; i < nn; i++)
		networks += nets[i].prefix < (nets[i].ip_version == 6 ? 128 : 32);
	if (nh + networks + nm > MAX_HOST_LINES) {
		char a[32], b[32];
		format_count(nh, a, sizeof(a));
		format_count(networks + nm, b, sizeof(b));
		snprintf(n->lines[0], sizeof(n->lines[0]), "%s host%s%s%s%s", a,
			 nh == 1 ? "" : "s", networks + nm ? ", " : "",
			 networks + nm ? b : "",
			 networks + nm ? (networks + nm == 1 ? " network or name" :
					  " networks or names") : "");
		n->nlines = 1;
		return;
	}
	for (unsigned i = 0; i < nh; i++)
		fit(n->lines[n->nlines++], sizeof(n->lines[0]),
		    ruleset_host(rs, ids[i])->name, max_chars);
	for (unsigned i = 0; i < nn; i++) {
		if (nets[i].prefix >= (nets[i].ip_version == 6 ? 128 : 32))
			continue;
		char text[64];
		format_cidr(text, sizeof(text), &nets[i]);
		fit(n->lines[n->nlines++], sizeof(n->lines[0]), text, max_chars);
	}
	for (unsigned i = 0; i < nm; i++)
		fit(n->lines[n->nlines++], sizeof(n->lines[0]), names[i], max_chars);
}

static void add_role_nodes(struct layout *l)
{
	const struct ruleset *rs = l->r->rules;
	for (unsigned i = 0; i < ruleset_role_count(rs) && i < MAX_ROLES; i++) {
		l->node_of_role[i] = -1;
		if (!role_bound(rs, i))
			continue;
		struct node *n = &l->nodes[l->nnodes];
		const struct role *role = ruleset_role(rs, i);
		n->name = role->name;
		n->tip = role->description ? role->description : "";
		n->role = (int)i;
		n->audited = role->audited;
		role_lines(rs, i, n);
		l->node_of_role[i] = (int)l->nnodes++;
	}
	l->other = -1;
}

/* The box an endpoint of unexpected traffic goes to: a role bound to
 * concrete hosts first (a server inside a client network is the server),
 * else any drawn role, else "other hosts". */
static unsigned endpoint_node(struct layout *l, role_mask roles)
{
	const struct ruleset *rs = l->r->rules;
	int any = -1;
	for (unsigned i = 0; i < ruleset_role_count(rs) && i < MAX_ROLES; i++) {
		const unsigned *ids;
		if (!(roles & ((role_mask)1 << i)) || l->node_of_role[i] < 0)
			continue;
		if (ruleset_role_host_ids(rs, i, &ids))
			return (unsigned)l->node_of_role[i];
		if (any < 0)
			any = l->node_of_role[i];
	}
	if (any >= 0)
		return (unsigned)any;
	if (l->other < 0) {
		struct node *n = &l->nodes[l->nnodes];
		n->name = "other hosts";
		n->tip = "addresses that hold no role in the site";
		n->role = -1;
		l->other = (int)l->nnodes++;
	}
	return (unsigned)l->other;
}

/* ---- edges ---- */

static struct edge *edge_for(struct layout *l, unsigned from, unsigned to,
			     enum edge_status st)
{
	for (unsigned i = 0; i < l->nedges; i++)
		if (l->edges[i].from == from && l->edges[i].to == to && l->edges[i].st == st)
			return &l->edges[i];
	if (l->nedges == l->edges_cap)
		return NULL;
	struct edge *e = &l->edges[l->nedges++];
	memset(e, 0, sizeof(*e));
	e->from = from;
	e->to = to;
	e->st = st;
	return e;
}

static void add_token(struct edge *e, const char *text, uint64_t count)
{
	for (unsigned i = 0; i < e->ntokens; i++)
		if (strcmp(e->tokens[i].text, text) == 0) {
			e->tokens[i].count += count;
			return;
		}
	if (e->ntokens == MAX_TOKENS) {
		e->more_tokens = true;
		return;
	}
	snprintf(e->tokens[e->ntokens].text, sizeof(e->tokens[0].text), "%s", text);
	e->tokens[e->ntokens++].count = count;
}

static void append_tip(char *tip, size_t len, const char *text)
{
	size_t used = strlen(tip);
	if (used + strlen(text) + 3 < len)
		snprintf(tip + used, len - used, "%s%s", used ? ", " : "", text);
}

/* A rule's worst status over its hosts. */
static enum edge_status rule_status(const struct audit_report *r, const struct rule *rule,
				    uint64_t *flows)
{
	bool seen[FINDING_KIND_COUNT] = { false };

	*flows = 0;
	if (!rule->applicable)
		return EDGE_NA;
	for (unsigned i = 0; i < r->findings->n; i++)
		if (r->findings->items[i].rule == rule) {
			seen[r->findings->items[i].kind] = true;
			*flows += r->findings->items[i].flows;
		}
	return seen[FINDING_MISSING] ? EDGE_MISSING :
	       seen[FINDING_BLOCKED] ? EDGE_BLOCKED :
	       seen[FINDING_INCONCLUSIVE] ? EDGE_INCONCLUSIVE :
	       seen[FINDING_OBSERVED] ? EDGE_OBSERVED : EDGE_NOTSEEN;
}

static void service_tokens(struct edge *e, const struct rule_service *s)
{
	char t[24];
	if (s->proto == IP_PROTO_ICMP || !s->nports) {
		add_token(e, ip_proto_name(s->proto, "icmp"), 1);
		return;
	}
	for (unsigned p = 0; p < s->nports; p++) {
		if (s->ports[p].lo == s->ports[p].hi)
			snprintf(t, sizeof(t), "%s/%u", ip_proto_name(s->proto, "ip"),
				 s->ports[p].lo);
		else
			snprintf(t, sizeof(t), "%s/%u-%u", ip_proto_name(s->proto, "ip"),
				 s->ports[p].lo, s->ports[p].hi);
		add_token(e, t, 1);
	}
}

static void add_rule_edges(struct layout *l)
{
	const struct ruleset *rs = l->r->rules;
	for (unsigned i = 0; i < ruleset_rule_count(rs); i++) {
		const struct rule *rule = ruleset_rule(rs, i);
		if (rule->from_role >= MAX_ROLES || rule->to_role >= MAX_ROLES ||
		    l->node_of_role[rule->from_role] < 0 || l->node_of_role[rule->to_role] < 0)
			continue;
		uint64_t flows;
		enum edge_status st = rule_status(l->r, rule, &flows);
		struct edge *e = edge_for(l, (unsigned)l->node_of_role[rule->from_role],
					  (unsigned)l->node_of_role[rule->to_role], st);
		if (!e)
			return;
		e->rules++;
		e->flows += flows;
		for (unsigned s = 0; s < rule->nservices; s++)
			service_tokens(e, &rule->services[s]);
		append_tip(e->tip, sizeof(e->tip), rule->id);
	}
}

/* Unexpected conversations, one edge per pair of boxes. */
struct pair {
	uint64_t conversations, flows;
	unsigned index;                    /* of its edge in pairs order */
};

static int by_weight(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;
	if (x->conversations != y->conversations)
		return x->conversations > y->conversations ? -1 : 1;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return x->to < y->to ? -1 : x->to > y->to;
}

static int by_count(const void *a, const void *b)
{
	const struct port_token *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->text, y->text);
}

static bool add_unexpected_edges(struct layout *l)
{
	const struct findings *fs = l->r->findings;
	unsigned cap = fs->n ? fs->n : 1;
	struct edge *pairs = calloc(cap, sizeof(*pairs));
	unsigned npairs = 0;

	if (!pairs)
		return false;
	for (unsigned i = 0; i < fs->n; i++) {
		const struct finding *x = &fs->items[i];
		if (x->kind != FINDING_UNEXPECTED)
			continue;
		unsigned from = endpoint_node(l, x->client.roles);
		unsigned to = endpoint_node(l, x->server.roles);
		struct edge *e = NULL;
		for (unsigned k = 0; k < npairs && !e; k++)
			if (pairs[k].from == from && pairs[k].to == to)
				e = &pairs[k];
		if (!e) {
			e = &pairs[npairs++];
			e->from = from;
			e->to = to;
			e->st = EDGE_UNEXPECTED;
		}
		char t[24];
		if (x->proto == IP_PROTO_TCP || x->proto == IP_PROTO_UDP)
			snprintf(t, sizeof(t), "%s/%u", ip_proto_name(x->proto, "ip"), x->port);
		else
			snprintf(t, sizeof(t), "%s", ip_proto_name(x->proto, "ip"));
		add_token(e, t, 1);
		e->conversations++;
		e->flows += x->flows;
	}
	qsort(pairs, npairs, sizeof(*pairs), by_weight);
	for (unsigned k = 0; k < npairs; k++) {
		if (k >= MAX_UNEXPECTED_EDGES || l->nedges == l->edges_cap) {
			l->hidden_pairs++;
			l->hidden_conversations += pairs[k].conversations;
			continue;
		}
		l->edges[l->nedges++] = pairs[k];
	}
	free(pairs);
	return true;
}

/* The label's two lines: ports, then how many. */
static void label_text(struct edge *e)
{
	char a[32], b[32];
	size_t used = 0;
	unsigned shown = 0;

	if (e->st == EDGE_UNEXPECTED)
		qsort(e->tokens, e->ntokens, sizeof(e->tokens[0]), by_count);
	e->line1[0] = '\0';
	for (unsigned i = 0; i < e->ntokens && shown < LABEL_TOKENS + 1; i++) {
		size_t n = strlen(e->tokens[i].text);
		/* Keep the line short; a fourth port only when it is the last. */
		if (shown == LABEL_TOKENS && i + 1 < e->ntokens)
			break;
		if (used + n + 2 > 26 && shown)
			break;
		used += (size_t)snprintf(e->line1 + used, sizeof(e->line1) - used, "%s%s",
					 shown ? " " : "", e->tokens[i].text);
		shown++;
	}
	unsigned rest = e->ntokens - shown;
	if (rest || e->more_tokens)
		snprintf(e->line1 + used, sizeof(e->line1) - used, " +%u%s more", rest,
			 e->more_tokens ? "+" : "");
	if (e->st == EDGE_UNEXPECTED) {
		format_count(e->conversations, a, sizeof(a));
		format_count(e->flows, b, sizeof(b));
		snprintf(e->line2, sizeof(e->line2), "%s conversation%s, %s flow%s", a,
			 e->conversations == 1 ? "" : "s", b, e->flows == 1 ? "" : "s");
	} else if (e->flows) {
		format_count(e->flows, b, sizeof(b));
		snprintf(e->line2, sizeof(e->line2), "%u rule%s, %s flow%s", e->rules,
			 e->rules == 1 ? "" : "s", b, e->flows == 1 ? "" : "s");
	} else {
		snprintf(e->line2, sizeof(e->line2), "%u rule%s, %s", e->rules,
			 e->rules == 1 ? "" : "s", status_name[e->st]);
	}
	unsigned w = text_chars(e->line1) > text_chars(e->line2) ?
		     text_chars(e->line1) : text_chars(e->line2);
	e->lw = w * CHAR_W + 2 * LABEL_PAD;
	e->lh = 2 * LABEL_LINE_H + LABEL_PAD;
}

/* ---- ranks and columns ---- */

/* Marks rule edges that close a cycle (a depth-first walk from v reaching
 * a box still on its path) so the longest path is defined. */
static void walk(const bool *adj, unsigned n, unsigned v, unsigned char *state, bool *back)
{
	state[v] = 1;
	for (unsigned w = 0; w < n; w++) {
		if (!adj[v * n + w])
			continue;
		if (state[w] == 1)
			back[v * n + w] = true;
		else if (state[w] == 0)
			walk(adj, n, w, state, back);
	}
	state[v] = 2;
}

static bool assign_columns(struct layout *l)
{
	const struct ruleset *rs = l->r->rules;
	unsigned n = l->nnodes;
	bool *adj = calloc((size_t)n * n, sizeof(bool));
	bool *back = calloc((size_t)n * n, sizeof(bool));
	bool has_rule[MAX_NODES] = { false }, is_to[MAX_NODES] = { false };
	unsigned char state[MAX_NODES] = { 0 };
	unsigned rank[MAX_NODES] = { 0 }, max_rank = 0;

	if (!adj || !back) {
		free(adj);
		free(back);
		return false;
	}
	for (unsigned i = 0; i < ruleset_rule_count(rs); i++) {
		const struct rule *rule = ruleset_rule(rs, i);
		if (rule->from_role >= MAX_ROLES || rule->to_role >= MAX_ROLES)
			continue;
		int a = l->node_of_role[rule->from_role], b = l->node_of_role[rule->to_role];
		if (a < 0 || b < 0)
			continue;
		has_rule[a] = has_rule[b] = true;
		if (a != b) {
			adj[a * n + b] = true;
			is_to[b] = true;
		}
	}
	/* Clients first, so cycles break against the flow from them. */
	for (unsigned v = 0; v < n; v++)
		if (has_rule[v] && !is_to[v] && !state[v])
			walk(adj, n, v, state, back);
	for (unsigned v = 0; v < n; v++)
		if (has_rule[v] && !state[v])
			walk(adj, n, v, state, back);
	/* Longest path: n rounds of relaxation settle any acyclic graph. */
	for (unsigned round = 0; round < n; round++)
		for (unsigned a = 0; a < n; a++)
			for (unsigned b = 0; b < n; b++)
				if (adj[a * n + b] && !back[a * n + b] && rank[b] < rank[a] + 1)
					rank[b] = rank[a] + 1;
	for (unsigned v = 0; v < n; v++) {
		if (rank[v] > MAX_RANK)
			rank[v] = MAX_RANK;
		if (has_rule[v] && rank[v] > max_rank)
			max_rank = rank[v];
	}
	bool extra = false;
	for (unsigned v = 0; v < n; v++) {
		l->nodes[v].col = has_rule[v] ? rank[v] : max_rank + 1;
		extra |= !has_rule[v];
	}
	l->ncols = max_rank + 1 + extra;
	free(adj);
	free(back);
	return true;
}

static unsigned column_count(const struct layout *l, unsigned col)
{
	unsigned c = 0;
	for (unsigned v = 0; v < l->nnodes; v++)
		c += l->nodes[v].col == col;
	return c;
}

/* Reorders one column by key; equal keys keep their order. */
static void sort_column(struct layout *l, unsigned col)
{
	unsigned idx[MAX_NODES], m = 0;
	for (unsigned p = 0; p < l->nnodes; p++)
		for (unsigned v = 0; v < l->nnodes; v++)
			if (l->nodes[v].col == col && l->nodes[v].pos == p)
				idx[m++] = v;
	for (unsigned i = 1; i < m; i++)     /* insertion sort: stable */
		for (unsigned j = i; j > 0 && l->nodes[idx[j]].key < l->nodes[idx[j - 1]].key; j--) {
			unsigned t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	for (unsigned i = 0; i < m; i++)
		l->nodes[idx[i]].pos = i;
}

static double rel_pos(const struct layout *l, unsigned v)
{
	return (l->nodes[v].pos + 0.5) / column_count(l, l->nodes[v].col);
}

static void barycentre(struct layout *l, unsigned col)
{
	for (unsigned v = 0; v < l->nnodes; v++) {
		struct node *nv = &l->nodes[v];
		if (nv->col != col)
			continue;
		double sum = 0;
		unsigned k = 0;
		for (unsigned i = 0; i < l->nedges; i++) {
			const struct edge *e = &l->edges[i];
			unsigned u = e->from == v ? e->to : e->to == v ? e->from : v;
			if (u == v || l->nodes[u].col == col)
				continue;
			sum += rel_pos(l, u);
			k++;
		}
		nv->key = k ? sum / k : rel_pos(l, v);
	}
	sort_column(l, col);
}

static void order_columns(struct layout *l)
{
	unsigned seen[MAX_COLUMNS] = { 0 };
	for (unsigned v = 0; v < l->nnodes; v++)
		l->nodes[v].pos = seen[l->nodes[v].col]++;
	for (unsigned s = 0; s < BARYCENTRE_SWEEPS; s++) {
		for (unsigned c = 1; c < l->ncols; c++)
			barycentre(l, c);
		for (unsigned c = l->ncols; c-- > 0;)
			barycentre(l, c);
	}
}

/* ---- geometry ---- */

static double box_height(const struct node *n)
{
	return BOX_NAME_H + n->nlines * LINE_H + BOX_PAD;
}

/* Each edge's label goes in a gap: right of the source column, or left of
 * it for an edge that goes back. */
static void place_gaps(struct layout *l)
{
	unsigned in_gap[MAX_COLUMNS] = { 0 };
	for (unsigned c = 0; c < MAX_COLUMNS; c++)
		l->gap_w[c] = 0;
	for (unsigned i = 0; i < l->nedges; i++) {
		struct edge *e = &l->edges[i];
		unsigned a = l->nodes[e->from].col, b = l->nodes[e->to].col;
		label_text(e);
		e->from_right = b >= a;
		e->to_right = b <= a;
		e->gap = b < a ? a - 1 : a;
		/* An edge across several columns takes the least crowded gap
		 * on its way, so no single gap holds every label. */
		unsigned lo = b < a ? b : a, hi = b < a ? a - 1 : (b > a ? b - 1 : a);
		for (unsigned g = lo; g <= hi; g++)
			if (in_gap[g] < in_gap[e->gap])
				e->gap = g;
		in_gap[e->gap]++;
		double need = e->lw + 2 * CURVE_ROOM;
		if (need > l->gap_w[e->gap])
			l->gap_w[e->gap] = need;
	}
	double x = MARGIN;
	for (unsigned c = 0; c < l->ncols; c++) {
		if (c + 1 < l->ncols && l->gap_w[c] < MIN_GAP_W)
			l->gap_w[c] = MIN_GAP_W;
		l->col_x[c] = x;
		x += BOX_W + l->gap_w[c];
	}
	l->width = x + MARGIN;
}

static void legend_size(struct layout *l)
{
	double x = MARGIN;
	l->legend_rows = 1;
	for (unsigned s = 0; s < EDGE_STATUS_COUNT; s++) {
		double w = 34 + text_chars(status_name[s]) * CHAR_W + 16;
		if (x + w > l->width - MARGIN && x > MARGIN) {
			l->legend_rows++;
			x = MARGIN;
		}
		x += w;
	}
	l->top = MARGIN + l->legend_rows * LEGEND_ROW_H + 8;
}

/* Stacks each column's boxes, spread evenly over the diagram's height
 * (the tallest column, or the labels when they need more). */
static void place_boxes(struct layout *l)
{
	double colh[MAX_COLUMNS] = { 0 }, tallest = 0;
	unsigned count[MAX_COLUMNS] = { 0 };
	for (unsigned v = 0; v < l->nnodes; v++) {
		struct node *n = &l->nodes[v];
		n->h = box_height(n);
		colh[n->col] += n->h;
		count[n->col]++;
	}
	for (unsigned c = 0; c < l->ncols; c++)
		if (colh[c] + (count[c] - (count[c] > 0)) * BOX_GAP > tallest)
			tallest = colh[c] + (count[c] - (count[c] > 0)) * BOX_GAP;
	if (l->height < l->top + tallest + MARGIN)
		l->height = l->top + tallest + MARGIN;
	double avail = l->height - MARGIN - l->top;
	for (unsigned c = 0; c < l->ncols; c++) {
		if (!count[c])
			continue;
		/* Equal space between boxes and, half of it, at both ends. */
		double space = (avail - colh[c]) / count[c];
		double y = l->top + space / 2;
		for (unsigned p = 0; p < l->nnodes; p++)
			for (unsigned v = 0; v < l->nnodes; v++) {
				struct node *n = &l->nodes[v];
				if (n->col != c || n->pos != p)
					continue;
				n->x = l->col_x[c];
				n->y = y;
				y += n->h + space;
			}
	}
}

static double centre_y(const struct node *n)
{
	return n->y + n->h / 2;
}

/* The label's centre x in its gap, and the height at which a straight line
 * between the two boxes would cross it. */
static void label_wish(struct layout *l, struct edge *e)
{
	const struct node *a = &l->nodes[e->from], *b = &l->nodes[e->to];
	double gx = l->col_x[e->gap] + BOX_W, mid = gx + l->gap_w[e->gap] / 2;
	double ax = e->from_right ? a->x + BOX_W : a->x;
	double bx = e->to_right ? b->x + BOX_W : b->x;
	double ay = centre_y(a), by = centre_y(b), y;

	if (a->col == b->col || bx == ax)
		y = (ay + by) / 2;
	else
		y = ay + (by - ay) * (mid - ax) / (bx - ax);
	e->lx = mid;
	e->ly = y - e->lh / 2;
}

/* Pushes the labels of one gap apart: down from the top, then back up
 * from the bottom so a crowd near the bottom does not run off. */
static void spread_gap(struct layout *l, unsigned gap, unsigned *idx)
{
	unsigned m = 0;
	for (unsigned i = 0; i < l->nedges; i++)
		if (l->edges[i].gap == gap)
			idx[m++] = i;
	for (unsigned i = 1; i < m; i++)
		for (unsigned j = i; j > 0 && l->edges[idx[j]].ly < l->edges[idx[j - 1]].ly; j--) {
			unsigned t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	double floor_y = l->top;
	for (unsigned k = 0; k < m; k++) {
		struct edge *e = &l->edges[idx[k]];
		if (e->ly < floor_y)
			e->ly = floor_y;
		floor_y = e->ly + e->lh + LABEL_GAP;
	}
	double ceil_y = l->height - MARGIN;
	for (unsigned k = m; k-- > 0;) {
		struct edge *e = &l->edges[idx[k]];
		double lowest = ceil_y - e->lh;
		if (e->ly > lowest)
			e->ly = lowest < l->top ? e->ly : lowest;
		ceil_y = e->ly - LABEL_GAP;
	}
	/* More labels than the boxes are tall: the diagram grows. */
	for (unsigned k = 0; k < m; k++) {
		struct edge *e = &l->edges[idx[k]];
		if (k && e->ly < l->edges[idx[k - 1]].ly + l->edges[idx[k - 1]].lh + LABEL_GAP)
			e->ly = l->edges[idx[k - 1]].ly + l->edges[idx[k - 1]].lh + LABEL_GAP;
		if (e->ly + e->lh + MARGIN > l->height)
			l->height = e->ly + e->lh + MARGIN;
	}
}

/* Where edges meet a box's side: spread along it, in the order of the
 * labels they pass through, so arrows do not pile on one point. */
static void attach(struct layout *l, unsigned v, bool right)
{
	const struct node *n = &l->nodes[v];
	unsigned m = 0, total = 0;

	for (unsigned i = 0; i < l->nedges; i++) {
		const struct edge *e = &l->edges[i];
		total += (e->from == v && e->from_right == right) +
			 (e->to == v && e->to_right == right);
	}
	if (!total)
		return;
	/* Each end in turn, ordered by its label's height then edge order. */
	for (unsigned done = 0; done < total; done++) {
		int best = -1;
		bool best_is_from = false;
		double best_y = 0;
		for (unsigned i = 0; i < l->nedges; i++) {
			struct edge *e = &l->edges[i];
			for (int end = 0; end < 2; end++) {
				bool is_from = end == 0;
				if ((is_from ? e->from : e->to) != v ||
				    (is_from ? e->from_right : e->to_right) != right)
					continue;
				double *slot = is_from ? &e->y0 : &e->y2;
				if (*slot > 0)
					continue;  /* placed already */
				double y = e->ly + e->lh / 2 + (is_from ? 0 : 0.1);
				if (best < 0 || y < best_y) {
					best = (int)i;
					best_is_from = is_from;
					best_y = y;
				}
			}
		}
		struct edge *e = &l->edges[best];
		double y = n->y + n->h * (m + 1) / (total + 1);
		if (best_is_from)
			e->y0 = y;
		else
			e->y2 = y;
		m++;
	}
}

static bool layout_geometry(struct layout *l)
{
	unsigned *idx = malloc((l->nedges ? l->nedges : 1) * sizeof(*idx));
	if (!idx)
		return false;
	place_gaps(l);
	legend_size(l);
	l->height = 0;
	/* Twice: when the labels make the diagram taller than its boxes, the
	 * boxes spread over the new height and the labels follow them. */
	for (int pass = 0; pass < 2; pass++) {
		place_boxes(l);
		for (unsigned i = 0; i < l->nedges; i++)
			label_wish(l, &l->edges[i]);
		for (unsigned g = 0; g < l->ncols; g++)
			spread_gap(l, g, idx);
	}
	free(idx);
	for (unsigned i = 0; i < l->nedges; i++)
		l->edges[i].y0 = l->edges[i].y2 = 0;
	for (unsigned v = 0; v < l->nnodes; v++) {
		attach(l, v, false);
		attach(l, v, true);
	}
	return true;
}

/* ---- drawing ---- */

static double curve(double dx)
{
	dx = dx < 0 ? -dx : dx;
	return dx / 2 > 24 ? dx / 2 : 24;
}

static void draw_edge(FILE *f, const struct layout *l, const struct edge *e)
{
	const struct node *a = &l->nodes[e->from], *b = &l->nodes[e->to];
	double x0 = e->from_right ? a->x + BOX_W : a->x;
	double x2 = e->to_right ? b->x + BOX_W : b->x;
	double cy = e->ly + e->lh / 2, left = e->lx - e->lw / 2, right = e->lx + e->lw / 2;
	bool forward = e->from_right && !e->to_right, back = !e->from_right && e->to_right;
	/* Where the edge enters and leaves its label. */
	double in_x = back ? right : left, out_x = forward ? right : left;
	double s0 = e->from_right ? 1 : -1, s_in = back ? 1 : -1;
	double s_out = forward ? 1 : -1, s2 = e->to_right ? 1 : -1;
	double d1 = curve(in_x - x0), d2 = curve(x2 - out_x);

	fprintf(f, "<path d=\"M%.1f %.1f C%.1f %.1f %.1f %.1f %.1f %.1f L%.1f %.1f "
		"C%.1f %.1f %.1f %.1f %.1f %.1f\" fill=\"none\" stroke=\"%s\" "
		"stroke-width=\"2\"", x0, e->y0, x0 + s0 * d1, e->y0, in_x + s_in * d1, cy,
		in_x, cy, out_x, cy, out_x + s_out * d2, cy, x2 + s2 * d2, e->y2, x2, e->y2,
		status_color[e->st]);
	if (status_dash[e->st][0])
		fprintf(f, " stroke-dasharray=\"%s\"", status_dash[e->st]);
	fprintf(f, " marker-end=\"url(#arrow-%s)\"/>\n", status_slug[e->st]);
}

static void draw_label(FILE *f, const struct edge *e)
{
	fprintf(f, "<g class=\"edge-label\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		"height=\"%.1f\" rx=\"3\" fill=\"#ffffff\" stroke=\"%s\"/>",
		e->lx - e->lw / 2, e->ly, e->lw, e->lh, status_color[e->st]);
	fprintf(f, "<text class=\"ports\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
		"font-size=\"11\" fill=\"#1d2330\">", e->lx, e->ly + LABEL_PAD / 2 + 10);
	esc(f, e->line1);
	fprintf(f, "</text><text class=\"count\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
		"font-size=\"11\" fill=\"%s\">", e->lx, e->ly + LABEL_PAD / 2 + 10 + LABEL_LINE_H,
		status_color[e->st]);
	esc(f, e->line2);
	fputs("</text></g>\n", f);
}

static void draw_edges(FILE *f, const struct layout *l)
{
	for (unsigned i = 0; i < l->nedges; i++) {
		const struct edge *e = &l->edges[i];
		fputs("<g class=\"edge\" data-from=\"", f);
		esc(f, l->nodes[e->from].name);
		fputs("\" data-to=\"", f);
		esc(f, l->nodes[e->to].name);
		fprintf(f, "\" data-status=\"%s\"><title>", status_slug[e->st]);
		esc(f, l->nodes[e->from].name);
		fputs(" \xe2\x86\x92 ", f);
		esc(f, l->nodes[e->to].name);
		fprintf(f, ": %s", status_name[e->st]);
		if (e->tip[0]) {
			fputs(" (", f);
			esc(f, e->tip);
			fputs(")", f);
		}
		fputs("</title>\n", f);
		draw_edge(f, l, e);
		fputs("</g>\n", f);
	}
}

static void draw_boxes(FILE *f, const struct layout *l)
{
	const unsigned name_chars = (unsigned)((BOX_W - 2 * BOX_PAD) / NAME_CHAR_W);
	for (unsigned v = 0; v < l->nnodes; v++) {
		const struct node *n = &l->nodes[v];
		char name[96];
		fit(name, sizeof(name), n->name, name_chars);
		fprintf(f, "<g class=\"role%s\" data-role=\"", n->role < 0 ? " other" : "");
		esc(f, n->role < 0 ? "" : n->name);
		fputs("\"><title>", f);
		esc(f, n->name);
		if (n->tip[0]) {
			fputs(": ", f);
			esc(f, n->tip);
		}
		fprintf(f, "</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"rx=\"6\" fill=\"%s\" stroke=\"#455a64\"%s/>", n->x, n->y, BOX_W, n->h,
			n->audited ? "#e3f2fd" : "#f5f7f8",
			n->role < 0 ? " stroke-dasharray=\"5 3\"" : "");
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" font-weight=\"700\" "
			"fill=\"#1d2330\">", n->x + BOX_PAD, n->y + 17);
		esc(f, name);
		fputs("</text>", f);
		for (unsigned k = 0; k < n->nlines; k++) {
			fprintf(f, "<text class=\"host\" x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
				"fill=\"#455a64\">", n->x + BOX_PAD, n->y + BOX_NAME_H + 10 + k * LINE_H);
			esc(f, n->lines[k]);
			fputs("</text>", f);
		}
		fputs("</g>\n", f);
	}
}

static void draw_legend(FILE *f, const struct layout *l)
{
	double x = MARGIN, y = MARGIN;
	fputs("<g class=\"legend\">", f);
	for (unsigned s = 0; s < EDGE_STATUS_COUNT; s++) {
		double w = 34 + text_chars(status_name[s]) * CHAR_W + 16;
		if (x + w > l->width - MARGIN && x > MARGIN) {
			x = MARGIN;
			y += LEGEND_ROW_H;
		}
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"3\"%s%s%s/><text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
			"fill=\"#1d2330\">%s</text>", x, y + 8, x + 28, y + 8, status_color[s],
			status_dash[s][0] ? " stroke-dasharray=\"" : "", status_dash[s],
			status_dash[s][0] ? "\"" : "", x + 34, y + 12, status_name[s]);
		x += w;
	}
	fputs("</g>\n", f);
}

static void draw(FILE *f, const struct layout *l)
{
	fprintf(f, "<svg id=\"diagram-svg\" xmlns=\"http://www.w3.org/2000/svg\" "
		"viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
		"aria-label=\"Roles and the flows between them\">\n<defs>",
		l->width, l->height, l->width, l->height);
	for (unsigned s = 0; s < EDGE_STATUS_COUNT; s++)
		fprintf(f, "<marker id=\"arrow-%s\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
			"markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
			"<path d=\"M0 0L10 5L0 10z\" fill=\"%s\"/></marker>", status_slug[s],
			status_color[s]);
	fputs("</defs>\n", f);
	draw_legend(f, l);
	draw_edges(f, l);
	draw_boxes(f, l);
	for (unsigned i = 0; i < l->nedges; i++)
		draw_label(f, &l->edges[i]);
	fputs("</svg>\n", f);
}

void html_diagram(FILE *f, const struct audit_report *r)
{
	struct layout *l = calloc(1, sizeof(*l));
	unsigned nrules = ruleset_rule_count(r->rules);

	fputs("<section id=\"diagram\" class=\"diagram\">\n<h2>Communication diagram</h2>\n", f);
	if (l) {
		l->r = r;
		l->edges_cap = nrules + MAX_UNEXPECTED_EDGES;
		l->edges = calloc(l->edges_cap, sizeof(*l->edges));
	}
	if (!l || !l->edges) {
		fputs("<p>The diagram could not be drawn: out of memory.</p>\n</section>\n", f);
		if (l)
			free(l->edges);
		free(l);
		return;
	}
	add_role_nodes(l);
	add_rule_edges(l);
	if (!add_unexpected_edges(l) || !assign_columns(l) ||
	    (order_columns(l), !layout_geometry(l))) {
		fputs("<p>The diagram could not be drawn: out of memory.</p>\n</section>\n", f);
		free(l->edges);
		free(l);
		return;
	}
	draw(f, l);
	fputs("<p class=\"small\">Boxes are the roles the site binds (roles it does not "
	      "deploy are left out), with their hosts when there are at most three; "
	      "columns run from clients to the services they reach. One edge per role "
	      "pair and status, labelled with its ports and how many rules or "
	      "conversations it stands for.", f);
	if (l->hidden_pairs) {
		char a[32], b[32];
		format_count(l->hidden_pairs, a, sizeof(a));
		format_count(l->hidden_conversations, b, sizeof(b));
		fprintf(f, " <span id=\"diagram-hidden\">%s further role pair%s with %s "
			"unexpected conversation%s are not drawn: see Unexpected traffic.</span>",
			a, l->hidden_pairs == 1 ? "" : "s", b,
			l->hidden_conversations == 1 ? "" : "s");
	}
	fputs("</p>\n</section>\n", f);
	free(l->edges);
	free(l);
}
