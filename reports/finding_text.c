/* finding_text.c - reasons from cause codes (see finding_text.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit_report.h"
#include "common/addr.h"
#include "finding_text.h"

/* Appends formatted text while it fits. */
#define APPEND(out, len, used, ...) do { \
	int w_ = snprintf((out) + *(used), (len) - *(used), __VA_ARGS__); \
	if (w_ > 0) \
		*(used) = *(used) + (size_t)w_ < (len) ? *(used) + (size_t)w_ : (len) - 1; \
} while (0)

static const char *icmp_error_text(uint8_t version, uint8_t type, uint8_t code)
{
	if (version == 4 && type == 3) {
		switch (code) {
		case 0: return "network unreachable";
		case 1: return "host unreachable";
		case 2: return "protocol unreachable";
		case 3: return "port unreachable";
		case 9:
		case 10:
		case 13: return "administratively prohibited";
		default: return "destination unreachable";
		}
	}
	if (version == 6 && type == 1) {
		switch (code) {
		case 0: return "no route to destination";
		case 1: return "administratively prohibited";
		case 3: return "address unreachable";
		case 4: return "port unreachable";
		case 5: return "source address failed policy";
		case 6: return "reject route";
		default: return "destination unreachable";
		}
	}
	if ((version == 4 && type == 11) || (version == 6 && type == 3))
		return "time exceeded";
	return "error";
}

static const char *name_origin(enum name_source s)
{
	return s == NAME_SNI ? "TLS SNI" : s == NAME_HTTP ? "HTTP Host" : "DNS";
}

void format_count(uint64_t n, char *out, size_t len)
{
	char digits[24];
	int nd = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
	size_t used = 0;

	for (int i = 0; i < nd && used + 1 < len; i++) {
		if (i && (nd - i) % 3 == 0 && used + 2 < len)
			out[used++] = ',';
		out[used++] = digits[i];
	}
	out[used < len ? used : len - 1] = '\0';
}

void counted(uint64_t n, const char *one, const char *many, char *out, size_t len)
{
	char num[COUNT_TEXT_LEN];

	format_count(n, num, sizeof(num));
	snprintf(out, len, "%s %s", num, n == 1 ? one : many);
}

void unexpected_headline(const struct audit_summary *s, char *out, size_t len)
{
	uint64_t conversations = s->count[FINDING_UNEXPECTED];
	uint64_t itemised_flows = s->unexpected_flows - s->unexpected_not_itemized;
	char flows[64], convs[64], first[64], further[64];

	if (!s->unexpected_flows && !conversations) {
		snprintf(out, len, "no unexpected traffic");
		return;
	}
	counted(s->unexpected_flows, "unexpected flow", "unexpected flows", flows,
		sizeof(flows));
	if (!s->unexpected_not_itemized) {
		counted(conversations, "conversation", "conversations", convs, sizeof(convs));
		snprintf(out, len, "%s in %s", flows, convs);
		return;
	}
	/* The bound was reached: how many conversations there were past it is
	 * unknown, only their flows were counted. */
	format_count(conversations, convs, sizeof(convs));
	counted(itemised_flows, "flow", "flows", first, sizeof(first));
	counted(s->unexpected_not_itemized, "further flow", "further flows", further,
		sizeof(further));
	snprintf(out, len, "%s; the first %s conversation%s (%s) itemised, %s counted only",
		 flows, convs, conversations == 1 ? "" : "s", first, further);
}

bool label_names_address(const char *label, uint8_t version, const struct ip_addr *ip)
{
	char text[IP_TEXT_LEN], bare[IP_TEXT_LEN + 2];
	unsigned char parsed[16];
	size_t n;

	if (!label || !label[0])
		return false;
	format_ip(text, version, ip);
	if (strcasecmp(label, text) == 0)
		return true;
	/* Another spelling of the same address ("[fd00::1]", "FD00:0::1"). */
	n = strlen(label);
	if (n >= sizeof(bare))
		return false;
	if (label[0] == '[' && n > 2 && label[n - 1] == ']') {
		memcpy(bare, label + 1, n - 2);
		bare[n - 2] = '\0';
	} else {
		memcpy(bare, label, n + 1);
	}
	if (inet_pton(version == 6 ? AF_INET6 : AF_INET, bare, parsed) != 1)
		return false;
	return memcmp(parsed, ip->b, version == 6 ? 16 : 4) == 0;
}

/* The server as a reason names it: endpoint, then name and its source (a
 * name that is only the address again is left out). */
#define SERVER_TEXT_LEN 200
static void server_text(char *out, uint8_t version, const struct ip_addr *ip,
			uint16_t port, const char *host, enum name_source source)
{
	char ep[ENDPOINT_TEXT_LEN];

	format_endpoint(ep, version, ip, port);
	if (host[0] && !label_names_address(host, version, ip))
		snprintf(out, SERVER_TEXT_LEN, "%s (%s, from %s)", ep, host,
			 name_origin(source));
	else
		snprintf(out, SERVER_TEXT_LEN, "%s", ep);
}

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/* Alerts a client sends when it does not accept the server's certificate. */
static bool certificate_alert(uint8_t desc)
{
	return (desc >= 42 && desc <= 46) || desc == 48;
}

/* The client's TLS alert after the server's hello. */
static void tls_alert_sentence(const struct attempt_failure *t, const char *server,
			       char *out, size_t len)
{
	const char *name = tls_alert_text(t->tls_alert_desc);
	char alert[64], times[48] = "";

	if (t->flows > 1)
		snprintf(times, sizeof(times), " (%u connections)", t->flows);
	snprintf(alert, sizeof(alert), "%s alert %u%s%s",
		 t->tls_alert_level == 2 ? "fatal" : "warning", t->tls_alert_desc,
		 name ? " " : "", name ? name : "");
	if (!t->tls_alert_level)
		snprintf(out, len, "TLS to %s%s: the client aborted the handshake with "
			 "an alert after the server's hello", server, times);
	else if (certificate_alert(t->tls_alert_desc))
		snprintf(out, len, "TLS to %s%s: the client aborted after the server's "
			 "certificate (%s): an intercepting proxy or a certificate the "
			 "client does not trust", server, times, alert);
	else
		snprintf(out, len, "TLS to %s%s: the client aborted the handshake after "
			 "the server's hello (%s)", server, times, alert);
}

/* One kind of failure as a sentence. */
static void failure_sentence(const struct attempt_failure *t, char *out, size_t len)
{
	char server[SERVER_TEXT_LEN], resolver[IP_TEXT_LEN];
	unsigned long long units = t->units;
	unsigned flows = t->flows;

	server_text(server, t->ip_version, &t->server, t->port, t->host, t->host_source);
	switch (t->cause) {
	case CAUSE_SYN_UNANSWERED:
		snprintf(out, len, "%llu SYN to %s, no reply", units, server);
		break;
	case CAUSE_REJECTED:
		snprintf(out, len, "%llu SYN to %s answered by RST", units, server);
		break;
	case CAUSE_ICMP_PROHIBITED:
	case CAUSE_ICMP_UNREACHABLE:
	case CAUSE_ICMP_ERROR:
		snprintf(out, len, "%llu %s to %s answered by ICMP %s (type %u code %u)",
			 units, t->proto == IP_PROTO_UDP ? "datagrams" : "SYN", server,
			 icmp_error_text(t->ip_version, t->icmp_type, t->icmp_code),
			 t->icmp_type, t->icmp_code);
		break;
	case CAUSE_TLS_RESET:
		snprintf(out, len, "TLS ClientHello to %s, connection reset before "
			 "any server data", server);
		break;
	case CAUSE_RESET_AFTER_DATA:
		snprintf(out, len, "%u connection%s to %s reset after the client's "
			 "first data, before any server data", flows, plural(flows), server);
		break;
	case CAUSE_RESET_AT_HANDSHAKE:
		snprintf(out, len, "%u connection%s to %s reset by the server right "
			 "after the handshake", flows, plural(flows), server);
		break;
	case CAUSE_TLS_ALERT:
		tls_alert_sentence(t, server, out, len);
		break;
	case CAUSE_UDP_UNANSWERED:
		snprintf(out, len, "%llu UDP datagram%s to %s never answered", units,
			 plural(units), server);
		break;
	case CAUSE_NO_REPLY_SEEN:
		snprintf(out, len, "%llu packet%s to %s, no reply seen", units,
			 plural(units), server);
		break;
	case CAUSE_DNS_NXDOMAIN:
	case CAUSE_DNS_REFUSED:
		format_ip(resolver, t->ip_version, &t->server);
		snprintf(out, len, "DNS lookup of %s answered %s by %s", t->host,
			 t->dns_rcode, resolver);
		break;
	default:
		snprintf(out, len, "failed");
	}
}

/* "mobile_service+webaccess" or "an address of no role" */
static void roles_text(const struct ruleset *rs, role_mask m, char *out, size_t len)
{
	roles_join(rs, m, "+", out, len);
	if (!out[0])
		snprintf(out, len, "an address of no role");
}

static void unexpected_sentence(const struct ruleset *rs, const struct unexpected_cause *why,
				uint8_t version, const struct ip_addr *server,
				uint8_t proto, uint16_t port_number, char *out, size_t len)
{
	char cr[160], sr[160], port[32], ip[IP_TEXT_LEN], list[200] = "";
	const struct rule *rule = why->nrules ? why->rules[0] : NULL;
	size_t used = 0;

	roles_text(rs, why->client_roles, cr, sizeof(cr));
	roles_text(rs, why->server_roles, sr, sizeof(sr));
	snprintf(port, sizeof(port), "%s/%u", ip_proto_name(proto, "ip"), port_number);
	switch (why->cause) {
	case CAUSE_APP_MISMATCH:
		for (unsigned i = 0; i < why->service->napps && used + 1 < 160; i++)
			APPEND(list, 160, &used, "%s%s", i ? "/" : "", why->service->apps[i]);
		snprintf(out, len, "application mismatch: nDPI found %s on %s; rule %s "
			 "expects %s", why->app, port, rule->id, list);
		break;
	case CAUSE_NOT_APPLICABLE:
		snprintf(out, len, "rule %s would allow %s but is not applicable: %s",
			 rule->id, port, rule->not_applicable_why ?
			 rule->not_applicable_why : "not applicable");
		break;
	case CAUSE_WRONG_DIRECTION:
		snprintf(out, len, "wrong direction: %s -> %s on %s; rule %s allows "
			 "%s -> %s", cr, sr, port, rule->id,
			 ruleset_role(rs, rule->from_role)->name,
			 ruleset_role(rs, rule->to_role)->name);
		break;
	case CAUSE_UNDOCUMENTED_INTERNET_HOST: {
		const char *const *names;
		unsigned n = ruleset_role_names(rs, rule->to_role, &names);
		bool named = why->host[0] && !label_names_address(why->host, version, server);
		format_ip(ip, version, server);
		snprintf(out, len, "internet host not the documented one: %s%s%s%s "
			 "on %s; rule %s allows only %s%s", ip, named ? " (" : "",
			 named ? why->host : "", named ? ")" : "", port, rule->id,
			 n ? names[0] : "", n > 1 ? " and others" : "");
		break;
	}
	case CAUSE_PORT_NOT_ALLOWED:
		for (unsigned i = 0; i < why->nrules; i++) {
			int w = snprintf(list + used, sizeof(list) - used, "%s%s",
					 used ? ", " : "", why->rules[i]->id);
			if (w < 0 || (size_t)w >= sizeof(list) - used)
				break;
			used += (size_t)w;
		}
		snprintf(out, len, "no rule for %s between %s and %s; rule%s %s cover%s "
			 "other ports", port, cr, sr, why->nrules == 1 ? "" : "s", list,
			 why->nrules == 1 ? "s" : "");
		break;
	default:
		snprintf(out, len, "no rule allows %s -> %s on %s", cr, sr, port);
	}
}

/* The host a missing finding is judged on: its address, or the host the
 * site named with all its addresses, "mobile01 (10.1.0.20, fd00::20)". */
static void judged_host_text(const struct finding_endpoint *e, char *out, size_t len)
{
	size_t used = 0;

	if (!e->host_name) {
		format_ip(out, e->ip_version, &e->ip);
		return;
	}
	out[0] = '\0';
	APPEND(out, len, &used, "%s", e->host_name);
	for (unsigned i = 0; i < e->naddresses; i++) {
		char a[IP_TEXT_LEN];
		format_ip(a, e->addresses[i].ip_version, &e->addresses[i].addr);
		APPEND(out, len, &used, "%s%s", i ? ", " : " (", a);
	}
	if (e->naddresses)
		APPEND(out, len, &used, ")");
}

/* One port range of the any-of set and the protocols that carry it. */
#define ANY_OF_MAX 64
#define ANY_OF_PROTOS 8
struct any_of_port {
	struct port_range range;
	uint32_t protos;              /* bit i: protos[i] of the set */
};

struct any_of_set {
	uint8_t protos[ANY_OF_PROTOS];
	unsigned nprotos;
	struct any_of_port ports[ANY_OF_MAX];
	unsigned nports;
	bool icmp;
	unsigned combos;              /* protocol-port pairs, for "any of" */
};

static int proto_slot(struct any_of_set *set, uint8_t proto)
{
	for (unsigned i = 0; i < set->nprotos; i++)
		if (set->protos[i] == proto)
			return (int)i;
	if (set->nprotos == ANY_OF_PROTOS)
		return -1;
	set->protos[set->nprotos] = proto;
	return (int)set->nprotos++;
}

static void any_of_add(struct any_of_set *set, uint8_t proto, struct port_range r)
{
	int slot = proto_slot(set, proto);
	unsigned i;

	if (slot < 0)
		return;
	for (i = 0; i < set->nports; i++)
		if (set->ports[i].range.lo == r.lo && set->ports[i].range.hi == r.hi)
			break;
	if (i == set->nports) {
		if (set->nports == ANY_OF_MAX)
			return;
		set->ports[set->nports++] = (struct any_of_port){ r, 0 };
	}
	if (!(set->ports[i].protos & (1u << slot)))
		set->combos++;
	set->ports[i].protos |= 1u << slot;
}

static int port_order(const void *a, const void *b)
{
	const struct any_of_port *x = a, *y = b;
	return x->range.lo != y->range.lo ? (x->range.lo > y->range.lo) - (x->range.lo < y->range.lo)
					  : (x->range.hi > y->range.hi) - (x->range.hi < y->range.hi);
}

/* "tcp or udp 88, 389; tcp 636": ports ascending, grouped by the protocols
 * that carry them, groups in the order of their lowest port. */
static void any_of_text(struct any_of_set *set, char *out, size_t len, size_t *used)
{
	bool done[ANY_OF_MAX] = { false };
	unsigned groups = 0;

	qsort(set->ports, set->nports, sizeof(set->ports[0]), port_order);
	for (unsigned i = 0; i < set->nports; i++) {
		if (done[i])
			continue;
		uint32_t mask = set->ports[i].protos;
		APPEND(out, len, used, "%s", groups++ ? "; " : "");
		for (unsigned p = 0, k = 0; p < set->nprotos; p++)
			if (mask & (1u << p))
				APPEND(out, len, used, "%s%s", k++ ? " or " : "",
				       ip_proto_name(set->protos[p], "ip"));
		for (unsigned j = i, k = 0; j < set->nports; j++) {
			const struct port_range *r = &set->ports[j].range;
			if (done[j] || set->ports[j].protos != mask)
				continue;
			done[j] = true;
			if (r->lo == r->hi)
				APPEND(out, len, used, "%s%u", k++ ? ", " : " ", r->lo);
			else
				APPEND(out, len, used, "%s%u-%u", k++ ? ", " : " ", r->lo, r->hi);
		}
	}
	if (set->icmp)
		APPEND(out, len, used, "%sicmp", groups ? "; " : "");
}

void rule_any_of_text(const struct rule *rule, char *out, size_t len)
{
	struct any_of_set set;
	size_t used = 0;

	memset(&set, 0, sizeof(set));
	out[0] = '\0';
	for (unsigned i = 0; i < rule->nservices; i++) {
		const struct rule_service *s = &rule->services[i];
		if (!s->evidence)
			continue;
		if (!s->nports) {
			set.combos += !set.icmp;
			set.icmp = true;
		}
		for (unsigned k = 0; k < s->nports; k++)
			any_of_add(&set, s->proto, s->ports[k]);
	}
	if (set.combos == 1 && set.nports == 1) {
		/* One protocol and one port: "tcp/13667", as everywhere. */
		const struct port_range *r = &set.ports[0].range;
		if (r->lo == r->hi)
			APPEND(out, len, &used, "%s/%u", ip_proto_name(set.protos[0], "ip"), r->lo);
		else
			APPEND(out, len, &used, "%s/%u-%u", ip_proto_name(set.protos[0], "ip"),
			       r->lo, r->hi);
		return;
	}
	if (set.combos > 1)
		APPEND(out, len, &used, "any of ");
	any_of_text(&set, out, len, &used);
}

/* The service a finding is about: one unit of a rule judged per unit, else
 * every service the rule accepts as evidence (any one of them would do). */
static void finding_service(const struct finding *f, char *out, size_t len)
{
	out[0] = '\0';
	if (f->has_unit && f->rule)
		rule_unit_format(f->rule, f->unit, out, len);
	else if (f->rule)
		rule_any_of_text(f->rule, out, len);
	if (!out[0] && f->service)
		service_format(f->service, out, len);
}

static void missing_sentence(const struct ruleset *rs, const struct finding *f,
			     char *out, size_t len)
{
	char host[300], svc[200] = "";
	bool on_client = f->client.has_ip;
	const struct finding_endpoint *judged = on_client ? &f->client : &f->server;

	judged_host_text(judged, host, sizeof(host));
	finding_service(f, svc, sizeof(svc));
	if (on_client)
		snprintf(out, len, "no traffic from %s to %s on %s", host,
			 ruleset_role(rs, f->rule->to_role)->name, svc);
	else
		snprintf(out, len, "no traffic from %s to %s on %s",
			 ruleset_role(rs, f->rule->from_role)->name, host, svc);
}

/* A rule that needs each of its services: which must work, which did. */
static void each_sentence(const struct finding *f, char *out, size_t len)
{
	char all[200] = "", met[200] = "";
	size_t used = strlen(out), ua = 0, um = 0;
	unsigned n = rule_unit_count(f->rule);

	for (unsigned u = 0; u < n && u < RULE_MAX_UNITS; u++) {
		char svc[64];
		rule_unit_format(f->rule, u, svc, sizeof(svc));
		APPEND(all, sizeof(all), &ua, "%s%s", ua ? ", " : "", svc);
		if (f->each_met & ((uint32_t)1 << u))
			APPEND(met, sizeof(met), &um, "%s%s", um ? ", " : "", svc);
	}
	if (f->kind == FINDING_OBSERVED)
		APPEND(out, len, &used, "; each of %s worked", all);
	else if (um)
		APPEND(out, len, &used, "; each of %s must work, and only %s did", all, met);
	else
		APPEND(out, len, &used, "; each of %s must work, and none did", all);
}

/* Every failure of a blocked finding, joined by "; ". */
static void blocked_sentence(const struct finding *f, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned k = 0; k < f->nfailures && used + 3 < len; k++) {
		char one[400];
		failure_sentence(&f->failures[k], one, sizeof(one));
		APPEND(out, len, &used, "%s%s", used ? "; " : "", one);
	}
}

static void observed_sentence(const struct finding *f, char *out, size_t len)
{
	char server[SERVER_TEXT_LEN];
	int n;

	server_text(server, f->server.ip_version, &f->server.ip, f->server.port,
		    f->server.host, f->server.host_source);
	n = snprintf(out, len, "%llu of %llu attempt%s to %s succeeded (%s)",
		     (unsigned long long)f->successes, (unsigned long long)f->attempts,
		     plural(f->attempts), server, f->states);
	if (f->one_sided && n > 0 && (size_t)n < len)
		snprintf(out + n, len - (size_t)n, "; %s seen one-sided: the capture "
			 "carries one direction of %s", f->one_sided == f->successes ?
			 "all" : "some", f->one_sided == 1 ? "it" : "them");
}

/* The side the capture could not show, in the words of an inconclusive
 * finding. */
static void inconclusive_sentence(const struct ruleset *rs, const struct finding *f,
				  char *out, size_t len)
{
	char host[HOST_NAME_LEN > IP_TEXT_LEN ? HOST_NAME_LEN : IP_TEXT_LEN], first[REASON_LEN];
	int n;

	if (f->cause == CAUSE_HOST_NOT_SEEN) {
		const struct finding_endpoint *judged = f->client.has_ip ? &f->client : &f->server;
		missing_sentence(rs, f, first, sizeof(first));
		if (judged->host_name)
			snprintf(host, sizeof(host), "%s", judged->host_name);
		else
			format_ip(host, judged->ip_version, &judged->ip);
		snprintf(out, len, "%s, but the capture never shows %s %s: it cannot tell "
			 "whether the flow happened", first, host, f->client.has_ip ?
			 "opening a connection" : "receiving anything");
		return;
	}
	if (f->cause == CAUSE_NAME_NOT_SEEN) {
		char server[ENDPOINT_TEXT_LEN], names[300];
		format_endpoint(server, f->server.ip_version, &f->server.ip, f->server.port);
		expected_join(&f->server, " or ", names, sizeof(names));
		snprintf(out, len, "%llu flow%s to %s (%s), a host whose name the capture never "
			 "showed (no DNS answer, TLS SNI or HTTP Host): it cannot tell whether "
			 "%s %s", (unsigned long long)f->flows, plural(f->flows), server,
			 f->states, f->flows == 1 ? "it went to" : "they went to", names);
		return;
	}
	blocked_sentence(f, first, sizeof(first));
	n = snprintf(out, len, "%s", first);
	if (f->nfailures && n > 0 && (size_t)n < len) {
		format_ip(host, f->failures[0].client_version, &f->failures[0].client);
		snprintf(out + n, len - (size_t)n, "; the capture shows no answer to any "
			 "connection %s opened, so it cannot tell whether one came", host);
	}
}

void finding_reason(const struct ruleset *rs, const struct finding *f,
		    char *out, size_t len)
{
	switch (f->kind) {
	case FINDING_MISSING:
		missing_sentence(rs, f, out, len);
		break;
	case FINDING_BLOCKED:
		blocked_sentence(f, out, len);
		break;
	case FINDING_OBSERVED:
		observed_sentence(f, out, len);
		break;
	case FINDING_INCONCLUSIVE:
		inconclusive_sentence(rs, f, out, len);
		break;
	case FINDING_UNEXPECTED:
		unexpected_sentence(rs, &f->why, f->server.ip_version, &f->server.ip,
				    f->proto, f->port, out, len);
		break;
	default:
		snprintf(out, len, "?");
	}
	if (f->each && f->rule)
		each_sentence(f, out, len);
}

void judgement_reason(const struct ruleset *rs, const struct flow_record *r,
		      const struct flow_judgement *j, char *out, size_t len)
{
	switch (j->kind) {
	case JUDGED_ALLOWED:
		snprintf(out, len, "succeeded (%s)", r->conn_state);
		break;
	case JUDGED_FAILED_ATTEMPT:
		failure_sentence(&j->failure, out, len);
		break;
	case JUDGED_UNEXPECTED:
		unexpected_sentence(rs, &j->why, r->ip_version, &r->resp_h, r->proto,
				    r->resp_p, out, len);
		break;
	default:
		out[0] = '\0';
	}
}
