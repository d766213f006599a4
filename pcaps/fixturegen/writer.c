/* writer.c - classic pcap (micro- and nanosecond) and pcapng files, written
 * byte by byte in little-endian order so any link type and any number of
 * interfaces can be produced. */
#include <string.h>

#include "fixturegen.h"

static void put16le(FILE *f, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	fwrite(b, 1, 2, f);
}

static void put32le(FILE *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };
	fwrite(b, 1, 4, f);
}

static void pad4(FILE *f, size_t n)
{
	static const uint8_t zero[4];
	fwrite(zero, 1, (4 - n % 4) % 4, f);
}

static void pcapng_header(struct writer *w)
{
	/* Section header block. */
	put32le(w->f, 0x0a0d0d0a);
	put32le(w->f, 28);
	put32le(w->f, 0x1a2b3c4d);
	put16le(w->f, 1);
	put16le(w->f, 0);
	put32le(w->f, 0xffffffff);  /* section length unknown */
	put32le(w->f, 0xffffffff);
	put32le(w->f, 28);
	/* One interface description block per interface. */
	for (unsigned i = 0; i < w->interfaces; i++) {
		put32le(w->f, 1);
		put32le(w->f, 20);
		put16le(w->f, (uint16_t)w->linktype);
		put16le(w->f, 0);
		put32le(w->f, w->snaplen);
		put32le(w->f, 20);
	}
}

bool writer_open(struct writer *w, const char *path, enum file_format fmt,
		 int linktype, unsigned interfaces, uint32_t snaplen)
{
	memset(w, 0, sizeof(*w));
	w->f = fopen(path, "wb");
	if (!w->f)
		return false;
	w->format = fmt;
	w->linktype = linktype;
	w->interfaces = interfaces ? interfaces : 1;
	w->snaplen = snaplen;
	if (fmt == FMT_PCAPNG) {
		pcapng_header(w);
		return true;
	}
	put32le(w->f, fmt == FMT_PCAP_NSEC ? 0xa1b23c4d : 0xa1b2c3d4);
	put16le(w->f, 2);
	put16le(w->f, 4);
	put32le(w->f, 0);
	put32le(w->f, 0);
	put32le(w->f, snaplen);
	put32le(w->f, (uint32_t)linktype);
	return true;
}

void writer_frame(struct writer *w, uint64_t ts_us, unsigned iface,
		  const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	w->packets++;
	if (w->format == FMT_PCAPNG) {
		uint32_t total = 32 + caplen + (4 - caplen % 4) % 4;
		put32le(w->f, 6);  /* enhanced packet block */
		put32le(w->f, total);
		put32le(w->f, iface % w->interfaces);
		put32le(w->f, (uint32_t)(ts_us >> 32));
		put32le(w->f, (uint32_t)ts_us);
		put32le(w->f, caplen);
		put32le(w->f, wirelen);
		fwrite(data, 1, caplen, w->f);
		pad4(w->f, caplen);
		put32le(w->f, total);
		return;
	}
	uint32_t frac = (uint32_t)(ts_us % 1000000);
	if (w->format == FMT_PCAP_NSEC)
		frac *= 1000;
	put32le(w->f, (uint32_t)(ts_us / 1000000));
	put32le(w->f, frac);
	put32le(w->f, caplen);
	put32le(w->f, wirelen);
	fwrite(data, 1, caplen, w->f);
}

bool writer_close(struct writer *w)
{
	bool ok = !ferror(w->f);
	ok &= fclose(w->f) == 0;
	w->f = NULL;
	return ok;
}
