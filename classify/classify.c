/* classify.c - per-flow classification state and the capture hooks (see
 * classify.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_confidence.h"
#include "classify.h"
#include "dns_digest.h"
#include "dns_parse.h"
#include "dpi.h"
#include "geoip.h"
#include "name_index.h"
#include "names.h"
#include "port_services.h"
#include "tls_records.h"
#include "common/addr.h"
#include "common/huge_pages.h"
#include "common/timefmt.h"

#define DNS_PORT 53
#define PENDING_QUERIES 8

#define CLS_ACTIVE 0x01
#define CLS_DPI_DONE 0x02
#define CLS_GUESSED 0x04
#define CLS_STRUCTURED 0x08 /* nDPI records the protocol's handshake */
#define CLS_HANDSHAKE 0x10  /* and parsed one in this flow */
#define CLS_NO_DPI 0x20     /* detection not wanted (classifier_set_dpi_wanted) */

#define LRU_NIL UINT32_MAX

/* Kept for every flow slot, so it stays small: 24 bytes today, at most
 * 32 (the flow's nDPI state pointer is kept apart, in dpi_of). */
struct flow_state {
	uint32_t name;          /* interned server name */
	uint32_t dns;           /* DNS state index + 1, 0 for none */
	uint16_t master, app, category;
	struct tls_track tls;   /* a TLS handshake's records (4 bytes) */
	uint8_t flags;
	uint8_t name_source;    /* enum name_source */
	uint8_t packets;        /* packets handed to the classifier, up to 255 */
	dpi_handshake handshake; /* while the flow has no nDPI state */
	uint8_t ndpi_confidence; /* ndpi_confidence_t of the result */
};
_Static_assert(sizeof(struct flow_state) <= 32, "a flow slot's state stays small");

/* Kept for DNS flows only (port 53). */
struct dns_state {
	uint32_t qname;         /* interned first question */
	uint16_t qtype;
	int16_t rcode;          /* of the last response, -1 none yet */
	uint32_t queries, responses, answers;
	uint16_t pending[PENDING_QUERIES];  /* query ids not yet answered */
	uint8_t npending;
	uint32_t unanswered;    /* pending ids pushed out by newer ones */
	uint32_t next_free;
};

struct classifier {
	struct classify_options opt;
	struct dpi *dpi;
	struct geoip *geo;
	struct port_labels *labels; /* opt.port_labels, copied */
	struct name_store *names;
	struct name_index *index;
	struct flow_state *flows;   /* opt.max_flows, touched lazily; no
				     * heap pointer in them (huge_pages.h) */
	struct dpi_flow **dpi_of;   /* each flow's nDPI state, or NULL: on the
				     * heap, where a leak checker sees them */
	struct dns_state *dns;      /* opt.dns_flows */
	uint32_t dns_used, dns_free;
	struct dns_message *msg;    /* scratch: one parsed DNS message */
	/* The digest of the DNS message in the packet about to be fed
	 * (classifier_expect_digest), used instead of parsing it again. */
	const struct packet *digest_packet;
	const void *digest;
	size_t digest_len;
	/* Flows holding an nDPI state, least recently fed first: when every
	 * state is taken, the one idle longest gives up (as it would at its
	 * end) so a new flow can be detected. */
	uint32_t *lru_prev, *lru_next;
	uint32_t lru_head, lru_tail;
	uint64_t dns_messages, dns_unparsed, dns_untracked;
	uint64_t dpi_given_up;      /* states given up early for newer flows */
	classify_dpi_wanted_fn *dpi_wanted;
	void *dpi_wanted_ctx;
};

void classify_options_default(struct classify_options *o)
{
	memset(o, 0, sizeof(*o));
	o->dpi = true;
	o->max_flows = 1000000;
	o->name_index_entries = 262144;
	o->dns_grace_us = 300 * 1000000ull;
	o->name_store_bytes = 64u << 20;
	o->dns_flows = 65536;
	o->dpi_max_tcp_packets = 80;
	o->dpi_max_udp_packets = 24;
	o->dpi_max_states = 8192;
}

struct classifier *classifier_new(const struct classify_options *o, char *err,
				  size_t errlen)
{
	struct classifier *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->opt = *o;
	c->opt.port_labels = NULL;
	c->opt.nport_labels = 0;
	c->lru_head = c->lru_tail = LRU_NIL;
	if (o->geoip_path || o->asn_path) {
		c->geo = geoip_open(o->geoip_path, o->asn_path, err, errlen);
		if (!c->geo) {
			free(c);
			return NULL;
		}
	}
	if (o->dpi) {
		c->dpi = dpi_new(o->dpi_max_tcp_packets, o->dpi_max_udp_packets,
				 o->dpi_max_states);
		if (!c->dpi) {
			snprintf(err, errlen, "cannot start nDPI");
			classifier_free(c);
			return NULL;
		}
	}
	c->names = name_store_new(o->name_store_bytes);
	c->index = c->names ? name_index_new(c->names, o->name_index_entries,
					     o->dns_grace_us) : NULL;
	c->flows = huge_pages_alloc(o->max_flows, sizeof(*c->flows));
	c->dpi_of = calloc(o->max_flows ? o->max_flows : 1, sizeof(*c->dpi_of));
	c->dns = huge_pages_alloc(o->dns_flows, sizeof(*c->dns));
	c->msg = malloc(sizeof(*c->msg));
	c->lru_prev = huge_pages_alloc(o->max_flows, sizeof(uint32_t));
	c->lru_next = huge_pages_alloc(o->max_flows, sizeof(uint32_t));
	c->lru_head = c->lru_tail = LRU_NIL;
	c->labels = port_labels_new(o->port_labels, o->nport_labels);
	if (!c->names || !c->index || !c->flows || !c->dpi_of || !c->dns || !c->msg || !c->lru_prev ||
	    !c->lru_next || !c->labels) {
		snprintf(err, errlen, "out of memory for %u flows", o->max_flows);
		classifier_free(c);
		return NULL;
	}
	return c;
}

static void lru_unlink(struct classifier *c, uint32_t slot);

void classifier_free(struct classifier *c)
{
	if (!c)
		return;
	/* Flows still being detected (a run cut short): their states go. */
	while (c->dpi_of && c->lru_prev && c->lru_next && c->lru_head != LRU_NIL) {
		uint32_t slot = c->lru_head;
		lru_unlink(c, slot);
		dpi_release(c->dpi, &c->dpi_of[slot]);
	}
	free(c->msg);
	huge_pages_free(c->dns, c->opt.dns_flows, sizeof(*c->dns));
	huge_pages_free(c->flows, c->opt.max_flows, sizeof(*c->flows));
	free(c->dpi_of);
	huge_pages_free(c->lru_prev, c->opt.max_flows, sizeof(uint32_t));
	huge_pages_free(c->lru_next, c->opt.max_flows, sizeof(uint32_t));
	name_index_free(c->index);
	name_store_free(c->names);
	dpi_free(c->dpi);
	geoip_close(c->geo);
	port_labels_free(c->labels);
	free(c);
}

/* ---- DNS ---- */

static bool is_dns_flow(const struct packet *p)
{
	return (p->ip_proto == IP_PROTO_UDP || p->ip_proto == IP_PROTO_TCP) &&
	       (p->sport == DNS_PORT || p->dport == DNS_PORT);
}

static uint32_t dns_state_new(struct classifier *c)
{
	uint32_t id;

	if (c->dns_free) {
		id = c->dns_free;
		c->dns_free = c->dns[id - 1].next_free;
	} else if (c->dns_used < c->opt.dns_flows) {
		id = ++c->dns_used;
	} else {
		c->dns_untracked++;
		return 0;
	}
	struct dns_state *d = &c->dns[id - 1];
	memset(d, 0, sizeof(*d));
	d->rcode = -1;
	return id;
}

static void dns_state_free(struct classifier *c, uint32_t id)
{
	struct dns_state *d = &c->dns[id - 1];
	name_unref(c->names, d->qname);
	d->next_free = c->dns_free;
	c->dns_free = id;
}

/* A parsed message's header fields, from a dns_message or a digest. */
static struct dns_digest_head head_of(const struct dns_message *m)
{
	struct dns_digest_head h = {
		.id = m->id, .qtype = m->qtype, .rcode = m->rcode,
		.nrecords = m->nrecords, .is_response = m->is_response,
		.qname = m->qname,
	};
	return h;
}

static void dns_query(struct classifier *c, struct dns_state *d,
		      const struct dns_digest_head *m)
{
	d->queries++;
	if (!d->qname) {
		d->qname = name_intern(c->names, m->qname);
		d->qtype = m->qtype;
	}
	for (unsigned i = 0; i < d->npending; i++)
		if (d->pending[i] == m->id)
			return;  /* a retransmission of a pending query */
	if (d->npending == PENDING_QUERIES) {
		d->unanswered++;
		memmove(d->pending, d->pending + 1,
			(PENDING_QUERIES - 1) * sizeof(d->pending[0]));
		d->npending--;
	}
	d->pending[d->npending++] = m->id;
}

struct answer_ctx {
	struct classifier *c;
	const struct dns_message *m;
	const struct packet *p;
};

static void learn_answer(void *ctx, const struct dns_record *r, const char *chain)
{
	struct answer_ctx *a = ctx;
	name_index_add(a->c->index, r->ip_version, &r->addr, a->m->qname, chain,
		       r->ttl, a->p->ts_us, a->p->ip_version, &a->p->src);
}

/* Whether a message's answers name addresses: a successful response to
 * a question. */
static bool teaches(const struct dns_digest_head *m)
{
	return m->is_response && m->rcode == 0 && m->qname[0];
}

/* A successful answer names its addresses. */
static void learn_answers(struct classifier *c, const struct dns_message *m,
			  const struct packet *p)
{
	struct dns_digest_head h = head_of(m);

	if (teaches(&h)) {
		struct answer_ctx a = { c, m, p };
		dns_answers_for_question(m, learn_answer, &a);
	}
}

struct digest_ctx {
	struct classifier *c;
	const char *qname;
	uint64_t ts_us;
	uint8_t resolver_version;
	const struct ip_addr *resolver;
};

static void learn_digest_address(void *ctx, uint8_t ip_version,
				 const struct ip_addr *addr, uint32_t ttl,
				 const char *chain)
{
	struct digest_ctx *g = ctx;
	name_index_add(g->c->index, ip_version, addr, g->qname, chain, ttl,
		       g->ts_us, g->resolver_version, g->resolver);
}

/* learn_answers, from a digest of the message. */
static void learn_digest(struct classifier *c, const void *digest, size_t len,
			 const struct dns_digest_head *m, uint64_t ts_us,
			 uint8_t resolver_version, const struct ip_addr *resolver)
{
	if (teaches(m)) {
		struct digest_ctx g = { c, m->qname, ts_us, resolver_version, resolver };
		dns_digest_each_address(digest, len, learn_digest_address, &g);
	}
}

/* What a response does to its flow's DNS state (its names are learnt by
 * the caller). */
static void dns_response(struct classifier *c, struct dns_state *d,
			 const struct dns_digest_head *m)
{
	d->responses++;
	d->rcode = (int16_t)m->rcode;
	d->answers += m->nrecords;
	if (!d->qname) {
		d->qname = name_intern(c->names, m->qname);
		d->qtype = m->qtype;
	}
	for (unsigned i = 0; i < d->npending; i++) {
		if (d->pending[i] == m->id) {
			memmove(d->pending + i, d->pending + i + 1,
				(d->npending - i - 1) * sizeof(d->pending[0]));
			d->npending--;
			break;
		}
	}
}

struct tcp_dns_ctx {
	struct classifier *c;
	struct dns_state *d;
	const struct packet *p;
};

static void dns_message(struct classifier *c, struct dns_state *d,
			const struct dns_message *m, const struct packet *p)
{
	struct dns_digest_head h = head_of(m);

	c->dns_messages++;
	if (h.is_response) {
		dns_response(c, d, &h);
		learn_answers(c, m, p);
	} else {
		dns_query(c, d, &h);
	}
}

/* dns_message, from the digest the reader made of p's message. */
static void dns_digest_message(struct classifier *c, struct dns_state *d,
			       const struct packet *p)
{
	struct dns_digest_head h;

	if (!dns_digest_head(c->digest, c->digest_len, &h)) {
		c->dns_unparsed++;  /* not reached: the reader made it whole */
		return;
	}
	c->dns_messages++;
	if (h.is_response) {
		dns_response(c, d, &h);
		learn_digest(c, c->digest, c->digest_len, &h, p->ts_us,
			     p->ip_version, &p->src);
	} else {
		dns_query(c, d, &h);
	}
}

static void tcp_dns_message(void *ctx, const struct dns_message *m)
{
	struct tcp_dns_ctx *t = ctx;
	dns_message(t->c, t->d, m, t->p);
}

static void dns_packet(struct classifier *c, struct flow_state *s,
		       const struct packet *p)
{
	struct dns_state *d = &c->dns[s->dns - 1];

	if (!p->payload_caplen)
		return;
	if (p->ip_proto == IP_PROTO_TCP) {
		struct tcp_dns_ctx t = { c, d, p };
		if (!dns_parse_tcp(p->payload, p->payload_caplen, tcp_dns_message,
				   &t, c->msg))
			c->dns_unparsed++;
		return;
	}
	if (c->digest && c->digest_packet == p)
		dns_digest_message(c, d, p);
	else if (dns_parse(p->payload, p->payload_caplen, c->msg))
		dns_message(c, d, c->msg, p);
	else
		c->dns_unparsed++;
}

struct learn_ctx {
	struct classifier *c;
	const struct packet *p;
};

static void learn_tcp_message(void *ctx, const struct dns_message *m)
{
	struct learn_ctx *l = ctx;
	learn_answers(l->c, m, l->p);
}

void classifier_learn_names(struct classifier *c, const struct packet *p)
{
	if (!is_dns_flow(p) || !p->payload_caplen)
		return;
	if (p->ip_proto == IP_PROTO_TCP) {
		struct learn_ctx l = { c, p };
		dns_parse_tcp(p->payload, p->payload_caplen, learn_tcp_message,
			      &l, c->msg);
	} else if (dns_parse(p->payload, p->payload_caplen, c->msg)) {
		learn_answers(c, c->msg, p);
	}
}

void classifier_learn_digest(struct classifier *c, const void *digest,
			     size_t len, const struct packet *p)
{
	struct dns_digest_head h;

	if (dns_digest_head(digest, len, &h))
		learn_digest(c, digest, len, &h, p->ts_us, p->ip_version, &p->src);
}

void classifier_expect_digest(struct classifier *c, const struct packet *p,
			      const void *digest, size_t len)
{
	c->digest_packet = digest ? p : NULL;
	c->digest = digest;
	c->digest_len = digest ? len : 0;
}

/* ---- names and applications ---- */

static void set_name(struct classifier *c, struct flow_state *s,
		     const char *name, enum name_source src)
{
	uint32_t h = name_intern(c->names, name);
	if (!h)
		return;
	name_unref(c->names, s->name);
	s->name = h;
	s->name_source = (uint8_t)src;
}

/* A new flow to an address a DNS answer named is known by that name. */
static void name_from_dns(struct classifier *c, struct flow_state *s,
			  const struct flow_update *u, const struct packet *p)
{
	struct name_evidence ev;
	const struct ip_addr *server = u->from_orig ? &p->dst : &p->src;

	if (!name_index_lookup(c->index, p->ip_version, server, p->ts_us, &ev))
		return;
	s->name = ev.name;  /* the lookup's reference becomes the flow's */
	s->name_source = NAME_DNS;
}

static void dpi_done(struct classifier *c, struct flow_state *s,
		     const struct dpi_result *r)
{
	s->flags |= CLS_DPI_DONE;
	s->master = r->master;
	s->app = r->app;
	s->category = r->category;
	if (r->guessed)
		s->flags |= CLS_GUESSED;
	if (r->structured)
		s->flags |= CLS_STRUCTURED;
	if (r->handshake)
		s->flags |= CLS_HANDSHAKE;
	s->ndpi_confidence = r->confidence;
	if (r->host[0])
		set_name(c, s, r->host, r->host_source);
}

static void flow_start(struct classifier *c, struct flow_state *s,
		       const struct flow_update *u, const struct packet *p)
{
	memset(s, 0, sizeof(*s));
	s->flags = CLS_ACTIVE;
	if (!c->dpi)
		s->flags |= CLS_DPI_DONE;
	else if (c->dpi_wanted &&
		 !c->dpi_wanted(c->dpi_wanted_ctx, p->ip_version, &p->src, &p->dst))
		s->flags |= CLS_DPI_DONE | CLS_NO_DPI;
	/* A TLS handshake is followed only where nDPI can name the flow TLS. */
	if ((s->flags & CLS_NO_DPI) || !c->dpi || p->ip_proto != IP_PROTO_TCP)
		tls_track_stop(&s->tls);
	name_from_dns(c, s, u, p);
	if (is_dns_flow(p))
		s->dns = dns_state_new(c);
}

/* ---- nDPI states, least recently used first ---- */

static void lru_unlink(struct classifier *c, uint32_t slot)
{
	uint32_t prev = c->lru_prev[slot], next = c->lru_next[slot];

	if (prev == LRU_NIL)
		c->lru_head = next;
	else
		c->lru_next[prev] = next;
	if (next == LRU_NIL)
		c->lru_tail = prev;
	else
		c->lru_prev[next] = prev;
}

static void lru_append(struct classifier *c, uint32_t slot)
{
	c->lru_prev[slot] = c->lru_tail;
	c->lru_next[slot] = LRU_NIL;
	if (c->lru_tail == LRU_NIL)
		c->lru_head = slot;
	else
		c->lru_next[c->lru_tail] = slot;
	c->lru_tail = slot;
}

/* Every state taken: the flow fed longest ago gives up now, with what
 * nDPI has seen of it, as it would at its end. */
static void give_up_oldest(struct classifier *c)
{
	uint32_t slot = c->lru_head;
	struct flow_state *s = &c->flows[slot];
	struct dpi_result r;

	lru_unlink(c, slot);
	dpi_give_up(c->dpi, &c->dpi_of[slot], &r);
	dpi_done(c, s, &r);
	c->dpi_given_up++;
}

static void feed_dpi(struct classifier *c, uint32_t slot, struct flow_state *s,
		     const struct packet *p)
{
	struct dpi_result r;
	bool had = c->dpi_of[slot] != NULL;

	if (!had) {
		dpi_track_handshake(&s->handshake, p);
		if (dpi_full(c->dpi) && c->lru_head != LRU_NIL && p->payload_caplen)
			give_up_oldest(c);
	}
	/* Every packet so far was fed to nDPI: the count is nDPI's. */
	bool done = dpi_packet(c->dpi, &c->dpi_of[slot], p, s->packets, s->handshake, &r);
	if (had)
		lru_unlink(c, slot);
	if (c->dpi_of[slot])
		lru_append(c, slot);
	if (done)
		dpi_done(c, s, &r);
}

void classifier_set_dpi_wanted(struct classifier *c, classify_dpi_wanted_fn *fn,
			       void *ctx)
{
	c->dpi_wanted = fn;
	c->dpi_wanted_ctx = ctx;
}

/* What classifier_packet reads of a packet's bytes: DNS messages
 * (is_dns_flow); nDPI's packets and the TLS handshake only with a DPI
 * module (flow_start). Keep in step with both. */
bool classifier_reads_bytes(const struct classifier *c, const struct packet *p)
{
	return c->dpi || is_dns_flow(p);
}

bool classifier_packet(struct classifier *c, const struct flow_update *u,
		       const struct packet *p)
{
	struct flow_state *s = &c->flows[u->slot];

	if (u->created || !(s->flags & CLS_ACTIVE))
		flow_start(c, s, u, p);
	if (s->packets < UINT8_MAX)
		s->packets++;
	if (s->dns)
		dns_packet(c, s, p);
	if (!(s->flags & CLS_DPI_DONE))
		feed_dpi(c, u->slot, s, p);
	if (tls_track_wants(&s->tls)) {
		tls_track_packet(&s->tls, u->from_orig, p->seq, p->payload,
				 p->payload_caplen, p->payload_len);
		if (s->packets >= TLS_FOLLOW_PACKETS)
			tls_track_stop(&s->tls);
	}
	/* DNS flows are followed to the end: every answer may name a host;
	 * a TLS handshake until it is over (a few dozen packets at most). */
	return !(s->flags & CLS_DPI_DONE) || s->dns || tls_track_wants(&s->tls);
}

/* ---- the end of a flow ---- */

/* snprintf(out, size, "%s", s) without the format machinery: a flow's end
 * copies half a dozen names, and printf cost more than the copies. */
static void copy_text(char *out, size_t size, const char *s)
{
	size_t n = strnlen(s, size - 1);

	memcpy(out, s, n);
	out[n] = '\0';
}


static void fill_dns(struct classifier *c, const struct dns_state *d,
		     struct dns_outcome *o)
{
	o->is_dns = true;
	copy_text(o->query, sizeof(o->query), name_get(c->names, d->qname));
	o->qtype = d->qtype;
	o->rcode = d->rcode;
	if (d->rcode >= 0)
		copy_text(o->rcode_name, sizeof(o->rcode_name), dns_rcode_name(d->rcode));
	o->queries = d->queries;
	o->responses = d->responses;
	o->answers = d->answers;
	o->unanswered = d->unanswered + d->npending;
}

static void fill_app(struct classifier *c, const struct flow_state *s,
		     const struct flow_record *r, struct flow_class *out)
{
	if (!c->dpi || (s->flags & CLS_NO_DPI))
		return;
	out->classified = true;
	copy_text(out->app, sizeof(out->app), dpi_protocol_name(c->dpi, s->app));
	if (s->master && s->master != s->app)
		copy_text(out->master_app, sizeof(out->master_app),
			  dpi_protocol_name(c->dpi, s->master));
	copy_text(out->category, sizeof(out->category),
		  dpi_category_name(c->dpi, s->category));
	out->app_guessed = s->flags & CLS_GUESSED;
	copy_text(out->ndpi_confidence, sizeof(out->ndpi_confidence),
		  dpi_confidence_name(s->ndpi_confidence));
	struct app_evidence ev = {
		.app = out->app,
		.master = out->master_app,
		.guessed = out->app_guessed,
		.by_dpi = dpi_confidence_is_dpi(s->ndpi_confidence),
		.structured = s->flags & CLS_STRUCTURED,
		.handshake = s->flags & CLS_HANDSHAKE,
		/* The capture's view, not nDPI's: nDPI stops at its decision,
		 * often on the first message, before any reply. ICMP and
		 * the like are named by their IP protocol: nothing to answer. */
		.both_ways = (r->proto != IP_PROTO_TCP && r->proto != IP_PROTO_UDP) ||
			     (r->orig.payload_bytes && r->resp.payload_bytes),
	};
	out->app_confidence = app_confidence_judge(&ev);
	if (!out->app_guessed)
		out->app_mismatch = port_contradicted(c->labels, r->proto,
						      r->resp_p, out->master_app,
						      out->app);
}

/* Why the server has its DNS name: which answer, when, from whom. */
static void fill_name_evidence(struct classifier *c, const struct flow_record *r,
			       struct flow_class *out)
{
	struct name_evidence ev;
	char when[TS_TEXT_LEN], resolver[IP_TEXT_LEN];

	if (!name_index_lookup(c->index, r->ip_version, &r->resp_h, r->first_us, &ev))
		return;
	format_ts_iso(when, ev.answer_us);
	format_ip(resolver, ev.resolver_version, &ev.resolver);
	snprintf(out->server_name_why, sizeof(out->server_name_why),
		 "DNS answer from %s at %s for %s%s%s, TTL %u", resolver, when,
		 name_get(c->names, ev.name), ev.chain[0] ? " via CNAME " : "",
		 ev.chain, ev.ttl);
	name_unref(c->names, ev.name);
}

/* The opening of a flow, as its first packet went. */
static struct dpi_opening opening_of(const struct flow_record *r)
{
	struct dpi_opening o = {
		r->ip_version, r->proto,
		r->flipped ? &r->resp_h : &r->orig_h,
		r->flipped ? &r->orig_h : &r->resp_h,
		r->flipped ? r->resp_p : r->orig_p,
		r->flipped ? r->orig_p : r->resp_p,
	};
	return o;
}

static void fill_name(struct classifier *c, const struct flow_state *s,
		      const struct flow_record *r, struct flow_class *out)
{
	if (!s->name)
		return;
	copy_text(out->server_name, sizeof(out->server_name),
		  name_get(c->names, s->name));
	out->server_name_source = (enum name_source)s->name_source;
	if (s->name_source == NAME_DNS)
		fill_name_evidence(c, r, out);
}

/* What the port says and where the addresses are. */
static void fill_place(struct classifier *c, const struct flow_record *r,
		       struct flow_class *out)
{
	const char *svc = port_service(c->labels, r->proto, r->resp_p);
	if (svc)
		copy_text(out->port_service, sizeof(out->port_service), svc);
	out->has_geo = true;
	geoip_lookup(c->geo, r->ip_version, &r->orig_h, &out->orig_geo);
	geoip_lookup(c->geo, r->ip_version, &r->resp_h, &out->resp_geo);
}

void classifier_prefetch(const struct classifier *c, uint32_t slot)
{
	__builtin_prefetch(&c->flows[slot]);
}

void classifier_flow_end(struct classifier *c, const struct flow_record *r,
			 uint32_t slot, struct flow_class *out)
{
	struct flow_state *s = &c->flows[slot];

	memset(out, 0, sizeof(*out));
	if (s->flags & CLS_ACTIVE) {
		if (!(s->flags & CLS_DPI_DONE) && c->dpi_of[slot]) {
			struct dpi_result res;
			lru_unlink(c, slot);
			dpi_give_up(c->dpi, &c->dpi_of[slot], &res);
			dpi_done(c, s, &res);
		} else if (!(s->flags & CLS_DPI_DONE)) {
			/* Never any payload (or never a free state): guess from
			 * the flow's opening, as nDPI would have. */
			struct dpi_result res;
			struct dpi_opening o = opening_of(r);
			dpi_guess(c->dpi, &o, &res);
			dpi_done(c, s, &res);
		}
		fill_app(c, s, r, out);
		fill_name(c, s, r, out);
		tls_track_outcome(&s->tls, &out->tls);
		if (s->dns) {
			fill_dns(c, &c->dns[s->dns - 1], &out->dns);
			dns_state_free(c, s->dns);
		}
		name_unref(c->names, s->name);
	}
	fill_place(c, r, out);
	memset(s, 0, sizeof(*s));
}

void classifier_peek(struct classifier *c, const struct flow_record *r,
		     uint32_t slot, struct flow_class *out)
{
	const struct flow_state *s = &c->flows[slot];

	memset(out, 0, sizeof(*out));
	if (s->flags & CLS_ACTIVE) {
		struct flow_state now = *s;
		if (!(s->flags & CLS_DPI_DONE) && c->dpi) {
			/* Still being detected: what nDPI found so far, or its
			 * guess from the opening, without disturbing detection. */
			struct dpi_result res;
			struct dpi_opening o = opening_of(r);
			dpi_peek(c->dpi, c->dpi_of[slot], &o, &res);
			now.master = res.master;
			now.app = res.app;
			now.category = res.category;
			now.ndpi_confidence = res.confidence;
			if (res.guessed)
				now.flags |= CLS_GUESSED;
			if (res.structured)
				now.flags |= CLS_STRUCTURED;
			if (res.handshake)
				now.flags |= CLS_HANDSHAKE;
		}
		fill_app(c, &now, r, out);
		fill_name(c, s, r, out);
		tls_track_outcome(&s->tls, &out->tls);
		if (s->dns)
			fill_dns(c, &c->dns[s->dns - 1], &out->dns);
	}
	fill_place(c, r, out);
}

void classifier_stats(const struct classifier *c, struct classifier_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (c->dpi) {
		const struct dpi_stats *d = dpi_stats(c->dpi);
		s->dpi_flows = d->flows;
		s->dpi_packets = d->packets;
		s->dpi_peak_states = d->peak_live;
		s->dpi_waited = d->waited;
		s->dpi_given_up_early = c->dpi_given_up;
		s->dpi_guessed_without_state = d->guessed_without_state;
	}
	s->dns_messages = c->dns_messages;
	s->dns_unparsed = c->dns_unparsed;
	s->dns_flows_untracked = c->dns_untracked;
	s->names_held = name_store_stats(c->names)->names;
	s->names_refused = name_store_stats(c->names)->refused;
	s->name_index_entries = name_index_stats(c->index)->entries;
	s->name_index_evicted = name_index_stats(c->index)->evicted;
}
