/* pcap_file.c - see pcap_file.h. The format is pcap-savefile(5): a 24-byte
 * file header, then records of a 16-byte header and the captured bytes. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcap_file.h"

#define MAGIC_MICRO 0xa1b2c3d4u
#define MAGIC_NANO 0xa1b23c4du
#define FILE_HEADER_LEN 24
#define RECORD_HEADER_LEN 16
/* The largest record libpcap accepts for the link types claimed here (its
 * MAXIMUM_SNAPLEN), and what a snapshot length of 0 means. */
#define SNAPLEN_MAX 262144u
/* Read in chunks this large: small enough that a chunk the kernel has just
 * copied is still in the core's cache (L2 is 512 KiB on the bench machine)
 * when its records are read, large enough that the calls cost nothing
 * (4,096 for a GiB). The buffer holds the longest record whole besides. */
#define CHUNK (1u << 18)
#define BUFFER_LEN (CHUNK + RECORD_HEADER_LEN + SNAPLEN_MAX)
/* The link-type field's upper bits carry extras (an FCS length); libpcap
 * keeps them apart. Files with any are left to it. */
#define LINKTYPE_EXT_MASK 0xFC000000u
#define LINKTYPE_RAW 101

struct pcap_file {
	int fd;
	uint8_t *buf;
	size_t pos, end;      /* unread bytes: buf[pos, end) */
	uint64_t base;        /* the file offset of buf[0] */
	uint64_t size;
	bool eof;
	int read_errno;       /* a read that failed, 0 if none */
	bool nano;
	int dlt;
	uint32_t snaplen;
	char error[PCAP_ERRBUF_SIZE];
};

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t u16_at(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* The DLT_ value libpcap reports for a file's link type, for the link
 * types the decoder reads (decoder_supports_linktype); -1 for any other.
 * All but LINKTYPE_RAW have the same number as link type and DLT. */
static int claimed_dlt(uint32_t linktype)
{
	switch (linktype) {
	case DLT_NULL:
	case DLT_EN10MB:
	case DLT_PPP:
	case DLT_LOOP:
	case DLT_LINUX_SLL:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_LINUX_SLL2:
		return (int)linktype;
	case LINKTYPE_RAW:
		return DLT_RAW;
	default:
		return -1;
	}
}

/* Reads until at least want unread bytes are in the buffer, or the file
 * ends (or fails); returns how many are there. Before reading, the unread
 * bytes move to the buffer's start (a part of one record), and each read
 * asks for a chunk after them. */
static size_t fill(struct pcap_file *f, size_t want)
{
	while (f->end - f->pos < want && !f->eof) {
		if (f->pos) {
			memmove(f->buf, f->buf + f->pos, f->end - f->pos);
			f->base += f->pos;
			f->end -= f->pos;
			f->pos = 0;
		}
		size_t room = BUFFER_LEN - f->end;
		ssize_t n = read(f->fd, f->buf + f->end, room < CHUNK ? room : CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			f->eof = true;
			f->read_errno = n < 0 ? errno : 0;
			break;
		}
		f->end += (size_t)n;
	}
	return f->end - f->pos;
}

/* A file header this reader claims: see pcap_file.h. */
static bool claim_header(struct pcap_file *f, const uint8_t *h)
{
	uint32_t magic = u32_at(h);
	uint32_t linktype = u32_at(h + 20);

	if (magic != MAGIC_MICRO && magic != MAGIC_NANO)
		return false;
	if (u16_at(h + 4) != 2 || u16_at(h + 6) != 4)
		return false;  /* older versions may swap the two lengths */
	if (linktype & LINKTYPE_EXT_MASK)
		return false;
	f->dlt = claimed_dlt(linktype);
	if (f->dlt < 0)
		return false;
	f->nano = magic == MAGIC_NANO;
	f->snaplen = u32_at(h + 16);
	if (f->snaplen == 0 || f->snaplen > SNAPLEN_MAX)
		f->snaplen = SNAPLEN_MAX;
	return true;
}

/* Opens path only if it is a regular file. Opening a named pipe to look
 * would take its writer away from libpcap, which then waits for ever for
 * another: it is looked at first, and opened without waiting, in case it
 * became a pipe in between. */
static int open_regular(const char *path, struct stat *st)
{
	struct stat before;

	if (stat(path, &before) != 0 || !S_ISREG(before.st_mode))
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_ino != before.st_ino ||
	    st->st_dev != before.st_dev) {
		close(fd);
		return -1;
	}
	return fd;  /* O_NONBLOCK means nothing to a regular file's reads */
}

struct pcap_file *pcap_file_open(const char *path)
{
	struct stat st;
	struct pcap_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->fd = open_regular(path, &st);
	f->buf = f->fd >= 0 ? malloc(BUFFER_LEN) : NULL;
	if (!f->buf || fill(f, FILE_HEADER_LEN) < FILE_HEADER_LEN ||
	    !claim_header(f, f->buf)) {
		pcap_file_close(f);
		return NULL;
	}
	f->size = (uint64_t)st.st_size;
	f->pos = FILE_HEADER_LEN;
	return f;
}

void pcap_file_close(struct pcap_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->buf);
	free(f);
}

int pcap_file_datalink(const struct pcap_file *f)
{
	return f->dlt;
}

int pcap_file_snapshot(const struct pcap_file *f)
{
	return (int)f->snaplen;
}

const char *pcap_file_error(const struct pcap_file *f)
{
	return f->error;
}

uint64_t pcap_file_offset(const struct pcap_file *f)
{
	return f->base + f->pos;
}

uint64_t pcap_file_size(const struct pcap_file *f)
{
	return f->size;
}

/* A record cut short by the file's end, or by a read error: what libpcap
 * says of it, with every byte there was counted as read. */
static int cut_short(struct pcap_file *f, const char *what, size_t tried, size_t got)
{
	f->pos += got;
	if (f->read_errno)
		snprintf(f->error, sizeof(f->error), "error reading dump file: %s",
			 strerror(f->read_errno));
	else
		snprintf(f->error, sizeof(f->error),
			 "truncated dump file; tried to read %zu %s bytes, only got %zu",
			 tried, what, got);
	return -1;
}

int pcap_file_next(struct pcap_file *f, struct pcap_pkthdr *h, const uint8_t **data)
{
	size_t have = fill(f, RECORD_HEADER_LEN);

	if (have == 0 && !f->read_errno)
		return 0;
	if (have < RECORD_HEADER_LEN)
		return cut_short(f, "header", RECORD_HEADER_LEN, have);

	const uint8_t *r = f->buf + f->pos;
	int32_t sec = (int32_t)u32_at(r), frac = (int32_t)u32_at(r + 4);
	uint32_t caplen = u32_at(r + 8);

	h->ts.tv_sec = sec;
	h->ts.tv_usec = f->nano ? frac / 1000 : frac;
	h->len = u32_at(r + 12);
	f->pos += RECORD_HEADER_LEN;
	if (caplen > SNAPLEN_MAX) {
		/* Damaged or fuzzed: libpcap gives up on the file here. Its
		 * other wording ("bigger than maximum") is for a snapshot
		 * length above the maximum, which claim_header lowers to it. */
		snprintf(f->error, sizeof(f->error), "invalid packet capture length %u, "
			 "bigger than snaplen of %u", caplen, f->snaplen);
		return -1;
	}
	have = fill(f, caplen);
	/* A record longer than the file's snapshot length is cut to it, the
	 * rest skipped, as libpcap does: no frame is longer than the file
	 * says its frames can be. */
	if (caplen > f->snaplen && have < f->snaplen)
		return cut_short(f, "captured", f->snaplen, have);
	if (have < caplen)
		return cut_short(f, "captured", caplen, have);
	*data = f->buf + f->pos;
	h->caplen = caplen > f->snaplen ? f->snaplen : caplen;
	f->pos += caplen;
	return 1;
}
