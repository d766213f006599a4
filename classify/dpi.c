/* dpi.c - nDPI 4.2 detection (see dpi.h). */
#include <ndpi/ndpi_api.h>
#include <stdlib.h>
#include <string.h>

#include "dpi.h"

/* Freed nDPI flow states kept for reuse, so detection does not call malloc
 * for every new flow. */
#define POOL_MAX 4096

struct dpi {
	struct ndpi_detection_module_struct *ndpi;
	unsigned max_tcp, max_udp;
	struct ndpi_flow_struct *pool[POOL_MAX];
	unsigned npool;
	struct dpi_stats stats;
};

struct dpi *dpi_new(unsigned max_tcp_packets, unsigned max_udp_packets)
{
	struct dpi *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->max_tcp = max_tcp_packets;
	d->max_udp = max_udp_packets;
	d->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
	if (!d->ndpi) {
		free(d);
		return NULL;
	}
	NDPI_PROTOCOL_BITMASK all;
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(d->ndpi, &all);
	ndpi_finalize_initialization(d->ndpi);
	return d;
}

void dpi_free(struct dpi *d)
{
	if (!d)
		return;
	for (unsigned i = 0; i < d->npool; i++)
		ndpi_flow_free(d->pool[i]);
	ndpi_exit_detection_module(d->ndpi);
	free(d);
}

static struct ndpi_flow_struct *flow_get(struct dpi *d)
{
	struct ndpi_flow_struct *f =
		d->npool ? d->pool[--d->npool] : ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
	if (!f) {
		d->stats.alloc_failed++;
		return NULL;
	}
	memset(f, 0, SIZEOF_FLOW_STRUCT);
	d->stats.flows++;
	if (++d->stats.live > d->stats.peak_live)
		d->stats.peak_live = d->stats.live;
	return f;
}

void dpi_release(struct dpi *d, struct dpi_flow **fp)
{
	struct ndpi_flow_struct *f = (struct ndpi_flow_struct *)*fp;

	if (!f)
		return;
	if (d->npool < POOL_MAX) {
		/* Pooled states hold no data, so freeing them later is safe. */
		ndpi_free_flow_data(f);
		memset(f, 0, SIZEOF_FLOW_STRUCT);
		d->pool[d->npool++] = f;
	} else {
		ndpi_flow_free(f);  /* frees its data and itself */
	}
	d->stats.live--;
	*fp = NULL;
}

static bool is_tls_family(struct dpi *d, uint16_t id)
{
	const char *n = ndpi_get_proto_name(d->ndpi, id);
	return n && (strcmp(n, "TLS") == 0 || strcmp(n, "QUIC") == 0 ||
		     strcmp(n, "DTLS") == 0);
}

static void fill_result(struct dpi *d, struct ndpi_flow_struct *f,
			ndpi_protocol proto, bool guessed, struct dpi_result *r)
{
	memset(r, 0, sizeof(*r));
	r->master = proto.master_protocol;
	r->app = proto.app_protocol;
	r->category = (uint16_t)proto.category;
	r->guessed = guessed;

	/* nDPI keeps one host name per flow; what it means depends on the
	 * protocol that found it (DNS names are learnt elsewhere, properly). */
	uint16_t carrier = r->master ? r->master : r->app;
	const char *carrier_name = ndpi_get_proto_name(d->ndpi, carrier);
	if (!f->host_server_name[0] || !carrier_name)
		return;
	if (is_tls_family(d, carrier))
		r->host_source = NAME_SNI;
	else if (strcmp(carrier_name, "HTTP") == 0 ||
		 strcmp(carrier_name, "HTTP_Proxy") == 0)
		r->host_source = NAME_HTTP;
	else
		return;
	size_t n = strnlen(f->host_server_name, sizeof(f->host_server_name));
	if (n >= sizeof(r->host))
		n = sizeof(r->host) - 1;
	memcpy(r->host, f->host_server_name, n);
	r->host[n] = '\0';
}

static unsigned packet_cap(const struct dpi *d, uint8_t ip_proto)
{
	return ip_proto == IP_PROTO_TCP ? d->max_tcp : d->max_udp;
}

bool dpi_packet(struct dpi *d, struct dpi_flow **fp, const struct packet *p,
		unsigned packets_seen, struct dpi_result *r)
{
	struct ndpi_flow_struct *f = (struct ndpi_flow_struct *)*fp;

	if (!f) {
		f = flow_get(d);
		if (!f) {
			memset(r, 0, sizeof(*r));
			return true;  /* no memory: leave the flow unclassified */
		}
		*fp = (struct dpi_flow *)f;
	}
	uint16_t len = (uint16_t)(p->l3_caplen > 0xffff ? 0xffff : p->l3_caplen);
	ndpi_protocol proto = ndpi_detection_process_packet(
		d->ndpi, f, p->l3, len, p->ts_us / 1000);
	d->stats.packets++;

	bool enough = packets_seen > packet_cap(d, p->ip_proto);
	if (!enough && proto.app_protocol == NDPI_PROTOCOL_UNKNOWN)
		return false;
	/* Known, but more may come (a certificate, a later host name). */
	if (!enough && ndpi_extra_dissection_possible(d->ndpi, f))
		return false;
	if (proto.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
		dpi_give_up(d, fp, r);
		return true;
	}
	fill_result(d, f, proto, false, r);
	dpi_release(d, fp);
	return true;
}

void dpi_give_up(struct dpi *d, struct dpi_flow **fp, struct dpi_result *r)
{
	struct ndpi_flow_struct *f = (struct ndpi_flow_struct *)*fp;
	uint8_t guessed = 0;

	if (!f) {
		memset(r, 0, sizeof(*r));
		return;
	}
	/* nDPI may already know the protocol and only wait for more (SSH's key
	 * exchange, a certificate): that is a detection, not a guess. */
	bool known = f->detected_protocol_stack[0] != NDPI_PROTOCOL_UNKNOWN;
	ndpi_protocol proto = ndpi_detection_giveup(d->ndpi, f, 1, &guessed);
	fill_result(d, f, proto, !known, r);
	dpi_release(d, fp);
}

const char *dpi_protocol_name(struct dpi *d, uint16_t id)
{
	const char *n = ndpi_get_proto_name(d->ndpi, id);
	return n ? n : "Unknown";
}

const char *dpi_category_name(struct dpi *d, uint16_t category)
{
	const char *n = ndpi_category_get_name(d->ndpi, (ndpi_protocol_category_t)category);
	return n ? n : "Unspecified";
}

const struct dpi_stats *dpi_stats(const struct dpi *d)
{
	return &d->stats;
}
