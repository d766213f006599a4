/* decode.c - frame entry point, options and the malformed-reason table. */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash_mix.h"
#include "capture.h"
#include "decode_internal.h"

/* Link types libpcap may not define on older systems. */
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#define LINKTYPE_RAW 101

static const struct {
	const char *name;
	bool drop;
} reason_table[DR_COUNT] = {
	[DR_LINK_UNSUPPORTED] = { "link.unsupported", true },
	[DR_ETHERNET_SHORT] = { "ethernet.short", true },
	[DR_VLAN_SHORT] = { "vlan.short", true },
	[DR_MPLS_SHORT] = { "mpls.short", true },
	[DR_PPPOE_SHORT] = { "pppoe.short", true },
	[DR_PPP_SHORT] = { "ppp.short", true },
	[DR_SLL_SHORT] = { "sll.short", true },
	[DR_SLL2_SHORT] = { "sll2.short", true },
	[DR_NULL_SHORT] = { "null.short", true },
	[DR_NULL_UNKNOWN_FAMILY] = { "null.unknown_family", true },
	[DR_RAW_BAD_VERSION] = { "raw.bad_version", true },
	[DR_ENCAP_TOO_DEEP] = { "encap.too_deep", true },
	[DR_IPV4_SHORT] = { "ipv4.short", true },
	[DR_IPV4_BAD_VERSION] = { "ipv4.bad_version", true },
	[DR_IPV4_BAD_HLEN] = { "ipv4.bad_header_len", true },
	[DR_IPV4_BAD_TOTAL_LEN] = { "ipv4.bad_total_len", true },
	[DR_IPV4_TRUNCATED] = { "ipv4.truncated", false },
	[DR_IPV4_BAD_CHECKSUM] = { "ipv4.bad_checksum", true },
	[DR_IPV6_SHORT] = { "ipv6.short", true },
	[DR_IPV6_BAD_VERSION] = { "ipv6.bad_version", true },
	[DR_IPV6_TRUNCATED] = { "ipv6.truncated", false },
	[DR_IPV6_BAD_EXT_HEADER] = { "ipv6.bad_ext_header", true },
	[DR_IPV6_EXT_CHAIN_TOO_LONG] = { "ipv6.ext_chain_too_long", true },
	[DR_FRAG_BAD_OFFSET] = { "frag.bad_offset", true },
	[DR_FRAG_TABLE_FULL] = { "frag.table_full", true },
	[DR_FRAG_TOO_MANY_PIECES] = { "frag.too_many_pieces", true },
	[DR_FRAG_INCOMPLETE] = { "frag.incomplete", false },
	[DR_FRAG_ORPHAN] = { "frag.orphan", true },
	[DR_TCP_SHORT] = { "tcp.short", true },
	[DR_TCP_BAD_OFFSET] = { "tcp.bad_data_offset", true },
	[DR_TCP_BAD_CHECKSUM] = { "tcp.bad_checksum", false },
	[DR_UDP_SHORT] = { "udp.short", true },
	[DR_UDP_BAD_LENGTH] = { "udp.bad_length", true },
	[DR_UDP_BAD_CHECKSUM] = { "udp.bad_checksum", false },
	[DR_ICMP_SHORT] = { "icmp.short", true },
	[DR_ICMPV6_SHORT] = { "icmpv6.short", true },
	[DR_ICMP_BAD_QUOTE] = { "icmp.bad_quote", false },
	[DR_GRE_SHORT] = { "gre.short", true },
	[DR_GRE_BAD_VERSION] = { "gre.bad_version", true },
	[DR_ERSPAN_SHORT] = { "erspan.short", true },
	[DR_VXLAN_SHORT] = { "vxlan.short", true },
	[DR_GENEVE_SHORT] = { "geneve.short", true },
};

const char *decode_reason_name(enum decode_reason r)
{
	return (unsigned)r < DR_COUNT ? reason_table[r].name : "unknown";
}

bool decode_reason_is_drop(enum decode_reason r)
{
	return (unsigned)r < DR_COUNT && reason_table[r].drop;
}

void decoder_options_default(struct decoder_options *o)
{
	memset(o, 0, sizeof(*o));
	o->validate_checksums = false;
	o->max_depth = 10;
	o->frag_datagrams = 64;
	o->frag_timeout_us = 30 * 1000000ull;
}

struct decoder *decoder_new(const struct decoder_options *o)
{
	struct decoder *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	if (o)
		d->opt = *o;
	else
		decoder_options_default(&d->opt);
	/* Each layer is a call deeper: the input must not choose how deep. */
	if (d->opt.max_depth > DECODE_DEPTH_LIMIT)
		d->opt.max_depth = DECODE_DEPTH_LIMIT;
	d->defrag = defrag_new(d->opt.frag_datagrams, d->opt.frag_timeout_us);
	if (!d->defrag) {
		free(d);
		return NULL;
	}
	return d;
}

void decoder_free(struct decoder *d)
{
	if (!d)
		return;
	defrag_free(d->defrag);
	free(d);
}

const struct decode_stats *decoder_stats(const struct decoder *d)
{
	return &d->stats;
}

bool decoder_supports_linktype(int linktype)
{
	switch (linktype) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_NULL:
	case DLT_LOOP:
	case DLT_RAW:
	case LINKTYPE_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_PPP:
		return true;
	default:
		return false;
	}
}

const char *decoder_linktype_name(int linktype)
{
	const char *n = pcap_datalink_val_to_name(linktype);
	return n ? n : "unknown";
}

static enum decode_result decode_link(struct frame *f, int linktype,
				      struct cursor c)
{
	switch (linktype) {
	case DLT_EN10MB:
		return decode_ethernet(f, c);
	case DLT_LINUX_SLL:
		return decode_sll(f, c);
	case DLT_LINUX_SLL2:
		return decode_sll2(f, c);
	case DLT_NULL:
		return decode_null(f, c);
	case DLT_LOOP:
		return decode_loop(f, c);
	case DLT_RAW:
	case LINKTYPE_RAW:
		return decode_raw(f, c);
	case DLT_IPV4:
		return decode_ipv4(f, c);
	case DLT_IPV6:
		return decode_ipv6(f, c);
	case DLT_PPP:
		return decode_ppp(f, c);
	default:
		return frame_malformed(f, DR_LINK_UNSUPPORTED);
	}
}

static void packet_start(struct packet *p, uint64_t ts_us, uint64_t number,
			 uint32_t caplen, uint32_t wirelen)
{
	memset(p, 0, sizeof(*p));
	p->ts_us = ts_us;
	p->number = number;
	p->caplen = caplen;
	p->wirelen = wirelen;
}

enum decode_result decode_frame(struct decoder *d, int linktype,
				const uint8_t *data, uint32_t caplen,
				uint32_t wirelen, uint64_t ts_us,
				uint64_t number, struct packet out[DECODE_MAX_OUT],
				int *nout)
{
	struct frame f = { .dec = d, .pkt = &out[0], .out = out, .nout = 0 };

	d->stats.frames++;
	/* The packets of the previous frame are no longer read. */
	defrag_begin(d->defrag);
	packet_start(&out[0], ts_us, number, caplen, wirelen);
	enum decode_result r = decode_link(&f, linktype, cursor_make(data, caplen));

	if (r == DECODE_OK)
		f.nout++;
	else if (f.nout > 0)
		r = DECODE_OK;  /* outer tunnel packets still count */
	else if (r == DECODE_NON_IP)
		d->stats.non_ip++;  /* ARP, LLDP, STP, PPP control, ... */
	*nout = f.nout;
	d->stats.ip_packets += (uint64_t)f.nout;
	return r;
}

bool frame_push_outer(struct frame *f)
{
	if (f->nout + 1 >= DECODE_MAX_OUT)
		return false;
	struct packet *outer = &f->out[f->nout];
	f->nout++;
	f->pkt = &f->out[f->nout];
	*f->pkt = *outer;
	return true;
}

void frame_enter_tunnel(struct frame *f, enum tunnel_type type, uint32_t id)
{
	struct packet *p = f->pkt;
	uint64_t ts = p->ts_us, number = p->number;
	uint32_t caplen = p->caplen, wirelen = p->wirelen;
	uint8_t depth = p->depth;

	packet_start(p, ts, number, caplen, wirelen);
	p->depth = depth;
	p->tunnel_type = (uint8_t)type;
	p->tunnel_id = id;
}

uint32_t inet_checksum_partial(const uint8_t *data, size_t len, uint32_t sum)
{
	size_t i;
	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)((data[i] << 8) | data[i + 1]);
	if (len & 1)
		sum += (uint32_t)(data[len - 1] << 8);
	return sum;
}

uint16_t inet_checksum(const uint8_t *data, size_t len, uint32_t sum)
{
	sum = inet_checksum_partial(data, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Decodes what one given-up train holds into *out; false when it yields no
 * packet (no first fragment, or nothing a flow can use). */
static bool expired_packet(struct decoder *d, const struct packet *tmpl,
			   const uint8_t *data, uint32_t len, uint32_t wire_len,
			   struct packet *out)
{
	d->stats.reasons[DR_FRAG_INCOMPLETE]++;
	if (!tmpl->ip_version) {
		/* The first fragment never came: no ports, no flow. */
		d->stats.reasons[DR_FRAG_ORPHAN]++;
		return false;
	}

	struct packet slot[DECODE_MAX_OUT];
	struct frame f = { .dec = d, .pkt = &slot[0], .out = slot, .nout = 0 };
	slot[0] = *tmpl;
	slot[0].truncated = true;  /* a train given up is never whole */
	if (decode_transport(&f, cursor_make(data, len), wire_len) != DECODE_OK)
		return false;
	*out = slot[0];
	d->stats.ip_packets++;
	return true;
}

bool decoder_expire(struct decoder *d, uint64_t now, struct packet *out)
{
	const uint8_t *data;
	uint32_t len, wire_len;
	struct packet tmpl;

	/* A loop, not a call per train given up: the stack stays flat however
	 * many trains there are. Each turn starts afresh, as a frame does:
	 * the train decoded last turn yielded nothing still read. */
	for (;;) {
		defrag_begin(d->defrag);
		if (!defrag_expire(d->defrag, now, &tmpl, &data, &len, &wire_len))
			return false;
		if (expired_packet(d, &tmpl, data, len, wire_len, out))
			return true;
	}
}

/* ---- which worker a packet goes to (capture.h, packet_shard) ---- */

/* Which worker a flow lands on decides which other flows share its nDPI
 * instance, and nDPI remembers things across flows (a Teams or STUN
 * server's address, say): with a key drawn per process, a flow could be
 * labelled differently from one run to the next. The shard hash is
 * therefore fixed, so a run's output depends only on its input and N.
 * Being fixed, a keyed hash would add nothing (its key would be in the
 * source): traffic chosen to land on one worker costs only parallelism,
 * and that worker's flow table is keyed per process like every other. So
 * it is a plain mixing function, a few multiplies where SipHash took a
 * twentieth of the reader's samples (`audit --threads 2`, perf). */

static uint64_t addr_mix(uint8_t version, const struct ip_addr *a)
{
	uint64_t w[2];
	uint32_t v4;

	if (version == 4) {
		memcpy(&v4, a->b, sizeof(v4));
		return hash_mix64(v4 ^ 0x9e3779b97f4a7c15ull);
	}
	memcpy(w, a->b, sizeof(w));
	return hash_mix64(w[0] ^ hash_mix64(w[1] ^ 0x9e3779b97f4a7c15ull));
}

/* Each address mixed on its own (hash_mix64 spreads every input bit, so
 * `% n` spreads flows evenly). Symmetric by construction: the two
 * addresses' mixes are added, and addition does not care which came
 * first. */
static uint64_t pair_hash(uint8_t version, uint8_t proto, const struct ip_addr *a,
			  const struct ip_addr *b)
{
	uint64_t pair = addr_mix(version, a) + addr_mix(version, b);
	return hash_mix64(pair ^ ((uint64_t)version << 8 | proto));
}

uint64_t packet_shard_hash(const struct packet *p, bool by_quote)
{
	if (by_quote && p->quote.present)
		return pair_hash(p->quote.ip_version, p->quote.proto, &p->quote.src,
				 &p->quote.dst);
	return pair_hash(p->ip_version, p->ip_proto, &p->src, &p->dst);
}
