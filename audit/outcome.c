/* outcome.c - one flow's outcome as an attempt: success, or which kind of
 * failure, with the evidence a report names (docs/verdicts.md, "Attempts"). */
#include <stdio.h>
#include <string.h>

#include "audit_internal.h"

#define DNS_RCODE_NXDOMAIN 3

bool flow_is_tls(const struct flow_class *c)
{
	return c && c->classified &&
	       (strcmp(c->master_app, "TLS") == 0 || strcmp(c->app, "TLS") == 0);
}

/* A TCP attempt: the handshake decides, then whether the server reset the
 * connection before it sent anything. */
static bool tcp_outcome(const struct flow_record *r, enum failure *kind)
{
	bool synack = r->resp.saw & SAW_SYNACK;
	bool opened = r->orig.saw & SAW_SYN;
	bool reset = (r->orig.saw | r->resp.saw) & SAW_RST;

	if (!opened && !synack) {
		/* Picked up mid-stream: success if both sides spoke. */
		if (r->resp.pkts > 0 && r->orig.pkts > 0)
			return true;
		*kind = FAIL_ONE_WAY;
		return false;
	}
	if (!synack) {
		if (r->icmp_errors)
			*kind = FAIL_ICMP;
		else if (r->resp.saw & SAW_RST)
			*kind = FAIL_REJECTED;
		else
			*kind = FAIL_NO_REPLY;
		return false;
	}
	if (reset && r->resp.payload_bytes == 0) {
		if (r->orig.payload_bytes > 0) {
			*kind = FAIL_RESET_AFTER_DATA;
			return false;
		}
		if (r->resp.saw & SAW_RST) {
			*kind = FAIL_RESET_AT_HANDSHAKE;
			return false;
		}
	}
	return true;
}

bool attempt_outcome(const struct flow_record *r, enum failure *kind)
{
	if (r->proto == IP_PROTO_TCP)
		return tcp_outcome(r, kind);
	if (r->resp.pkts > 0)
		return true;
	*kind = r->icmp_errors ? FAIL_ICMP :
		r->proto == IP_PROTO_UDP ? FAIL_UDP_NO_REPLY : FAIL_ONE_WAY;
	return false;
}

/* Administratively prohibited: ICMPv4 type 3 codes 9, 10 and 13 (RFC 1812),
 * ICMPv6 type 1 code 1 (RFC 4443); other unreachables; anything else. */
static enum finding_cause icmp_cause(uint8_t version, uint8_t type, uint8_t code)
{
	if (version == 4 && type == 3)
		return code == 9 || code == 10 || code == 13 ?
		       CAUSE_ICMP_PROHIBITED : CAUSE_ICMP_UNREACHABLE;
	if (version == 6 && type == 1)
		return code == 1 ? CAUSE_ICMP_PROHIBITED : CAUSE_ICMP_UNREACHABLE;
	return CAUSE_ICMP_ERROR;
}

static enum finding_cause failure_cause(enum failure kind, const struct flow_record *r,
					bool tls)
{
	switch (kind) {
	case FAIL_NO_REPLY: return CAUSE_SYN_UNANSWERED;
	case FAIL_REJECTED: return CAUSE_REJECTED;
	case FAIL_ICMP:
		return icmp_cause(r->ip_version, r->icmp_error_type, r->icmp_error_code);
	case FAIL_RESET_AFTER_DATA:
		return tls ? CAUSE_TLS_RESET : CAUSE_RESET_AFTER_DATA;
	case FAIL_RESET_AT_HANDSHAKE: return CAUSE_RESET_AT_HANDSHAKE;
	case FAIL_UDP_NO_REPLY: return CAUSE_UDP_UNANSWERED;
	case FAIL_ONE_WAY: return CAUSE_NO_REPLY_SEEN;
	case FAIL_DNS:
	case FAIL_KIND_COUNT: break;
	}
	return CAUSE_DNS_NXDOMAIN;
}

void tally_failure(struct attempt_failure *t, enum failure kind,
		   const struct flow_record *r, const struct flow_class *c, bool tls)
{
	if (!t->flows++) {
		t->cause = failure_cause(kind, r, tls);
		t->ip_version = r->ip_version;
		t->proto = r->proto;
		t->server = r->resp_h;
		t->port = r->resp_p;
		if (c && c->server_name[0]) {
			snprintf(t->host, sizeof(t->host), "%s", c->server_name);
			t->host_source = c->server_name_source;
		}
		t->icmp_type = r->icmp_error_type;
		t->icmp_code = r->icmp_error_code;
	}
	/* A refused TCP attempt counts its SYNs; anything else its packets. */
	t->units += kind == FAIL_NO_REPLY || kind == FAIL_REJECTED ||
		    (kind == FAIL_ICMP && r->proto == IP_PROTO_TCP) ?
		r->orig.syns : r->orig.pkts;
}

void tally_dns_failure(struct attempt_failure *t, const struct flow_record *r,
		       const struct dns_outcome *d)
{
	if (!t->flows++) {
		t->cause = d->rcode == DNS_RCODE_NXDOMAIN ? CAUSE_DNS_NXDOMAIN :
			   CAUSE_DNS_REFUSED;
		t->ip_version = r->ip_version;
		t->proto = r->proto;
		t->server = r->resp_h;
		t->port = r->resp_p;
		snprintf(t->host, sizeof(t->host), "%s", d->query);
		t->host_source = NAME_DNS;
		snprintf(t->dns_rcode, sizeof(t->dns_rcode), "%s", d->rcode_name);
	}
	t->units++;
}

bool flow_attempt_outcome(const struct flow_record *r, const struct flow_class *c,
			  struct attempt_failure *failure)
{
	enum failure kind = FAIL_NO_REPLY;

	memset(failure, 0, sizeof(*failure));
	if (attempt_outcome(r, &kind)) {
		failure->cause = CAUSE_SUCCEEDED;
		return true;
	}
	tally_failure(failure, kind, r, c, flow_is_tls(c));
	return false;
}
