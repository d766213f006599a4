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
 * connection before it sent anything. What the capture cannot show is
 * never held against the network: an originator that acknowledged a
 * SYN-ACK or data the mirror never carried was answered, and so was one
 * seen only through its responder's SYN-ACK or data. */
static void tcp_outcome(const struct flow_record *r, struct outcome *o)
{
	bool synack = r->resp.saw & SAW_SYNACK;
	bool opened = r->orig.saw & SAW_SYN;
	bool reset = (r->orig.saw | r->resp.saw) & SAW_RST;
	bool responder_spoke = r->resp.saw & (SAW_SYNACK | SAW_DATA);

	o->one_sided = r->seen != FLOW_SEEN_BOTH;
	if (r->answered_unseen ||
	    (r->seen == FLOW_SEEN_RESP_ONLY && responder_spoke && !(r->resp.saw & SAW_RST))) {
		o->ok = true;
		return;
	}
	if (!opened && !synack) {
		/* Picked up mid-stream: success if both sides spoke. */
		if (r->resp.pkts > 0 && r->orig.pkts > 0) {
			o->ok = true;
			return;
		}
		o->kind = FAIL_ONE_WAY;
		return;
	}
	if (!synack) {
		o->proven = true;
		if (r->icmp_errors)
			o->kind = FAIL_ICMP;
		else if (r->resp.saw & SAW_RST)
			o->kind = FAIL_REJECTED;
		else {
			/* Its own packets say it got no answer: it sent its
			 * SYN again and never acknowledged anything. */
			o->kind = FAIL_NO_REPLY;
			o->proven = r->orig.syns > 1 && !(r->orig.saw & SAW_ACK);
		}
		return;
	}
	if (reset && r->resp.payload_bytes == 0) {
		if (r->orig.payload_bytes > 0) {
			o->kind = FAIL_RESET_AFTER_DATA;
			o->proven = true;
			return;
		}
		if (r->resp.saw & SAW_RST) {
			o->kind = FAIL_RESET_AT_HANDSHAKE;
			o->proven = true;
			return;
		}
	}
	o->ok = true;
}

/* TLS succeeds when its handshake completes: a server that sent its hello
 * and a client that then sent an alert instead of finishing (it did not
 * trust the certificate: an intercepting proxy) is a failure the capture
 * itself shows, whatever TCP did. An alert under the handshake keys
 * (TLS 1.3) cannot be read and is not guessed at (classify/tls_records.h). */
static bool tls_client_aborted(const struct flow_record *r, const struct flow_class *c)
{
	return r->proto == IP_PROTO_TCP && flow_is_tls(c) && c->tls.server_hello &&
	       c->tls.client_alert && !c->tls.client_finished;
}

void attempt_outcome(const struct flow_record *r, const struct flow_class *c,
		     struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	if (tls_client_aborted(r, c)) {
		o->kind = FAIL_TLS_ALERT;
		o->proven = true;
		return;
	}
	if (r->proto == IP_PROTO_TCP) {
		tcp_outcome(r, o);
		return;
	}
	o->one_sided = r->seen != FLOW_SEEN_BOTH;
	if (r->resp.pkts > 0) {
		o->ok = true;
		return;
	}
	if (r->icmp_errors) {
		o->kind = FAIL_ICMP;
		o->proven = true;
		return;
	}
	o->kind = r->proto == IP_PROTO_UDP ? FAIL_UDP_NO_REPLY : FAIL_ONE_WAY;
	/* A request sent again with no reply is the client's own word. */
	o->proven = r->orig.pkts > 1;
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
	case FAIL_TLS_ALERT: return CAUSE_TLS_ALERT;
	case FAIL_UDP_NO_REPLY: return CAUSE_UDP_UNANSWERED;
	case FAIL_ONE_WAY: return CAUSE_NO_REPLY_SEEN;
	case FAIL_DNS:
	case FAIL_KIND_COUNT: break;
	}
	return CAUSE_DNS_NXDOMAIN;
}

void tally_failure(struct attempt_failure *t, const struct outcome *o,
		   const struct flow_record *r, const struct flow_class *c, bool tls)
{
	enum failure kind = o->kind;

	struct example_key k;

	t->proven += o->proven;
	flow_example_key(r, &k);
	if (!t->flows++ || example_key_cmp(&k, &t->key) < 0) {
		/* The earliest failed flow is the example. */
		t->key = k;
		t->host[0] = '\0';
		t->host_source = 0;
		t->tls_alert_level = t->tls_alert_desc = 0;
		t->client_version = r->ip_version;
		t->client = r->orig_h;
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
		if (kind == FAIL_TLS_ALERT && c) {
			t->tls_alert_level = c->tls.alert_level;
			t->tls_alert_desc = c->tls.alert_desc;
		}
	}
	/* A refused TCP attempt counts its SYNs; anything else its packets. */
	t->units += kind == FAIL_NO_REPLY || kind == FAIL_REJECTED ||
		    (kind == FAIL_ICMP && r->proto == IP_PROTO_TCP) ?
		r->orig.syns : r->orig.pkts;
}

void tally_dns_failure(struct attempt_failure *t, const struct flow_record *r,
		       const struct dns_outcome *d)
{
	struct example_key k;

	flow_example_key(r, &k);
	if (!t->flows++ || example_key_cmp(&k, &t->key) < 0) {
		t->key = k;
		t->cause = d->rcode == DNS_RCODE_NXDOMAIN ? CAUSE_DNS_NXDOMAIN :
			   CAUSE_DNS_REFUSED;
		t->ip_version = r->ip_version;
		t->proto = r->proto;
		t->server = r->resp_h;
		t->port = r->resp_p;
		snprintf(t->host, sizeof(t->host), "%s", d->query);
		t->host_source = NAME_DNS;
		snprintf(t->dns_rcode, sizeof(t->dns_rcode), "%s", d->rcode_name);
		t->client_version = r->ip_version;
		t->client = r->orig_h;
	}
	t->proven++;  /* the resolver's answer is in the capture */
	t->units++;
}

bool flow_attempt_outcome(const struct flow_record *r, const struct flow_class *c,
			  struct attempt_failure *failure)
{
	struct outcome o;

	memset(failure, 0, sizeof(*failure));
	attempt_outcome(r, c, &o);
	if (o.ok) {
		failure->cause = CAUSE_SUCCEEDED;
		return true;
	}
	tally_failure(failure, &o, r, c, flow_is_tls(c));
	return false;
}
