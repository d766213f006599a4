/* test_pcap_file.c - capture/pcap_file.c against libpcap itself: for every
 * file it claims, the same link type, snapshot length, records (time
 * stamps, lengths, bytes), end, error message and stopping offset as
 * libpcap's pcap_next_ex, read the way capture.c opens files (microsecond
 * time stamps). Made-up files cover each rule of the format and each way a
 * file can be damaged; then every capture under $FIXTURES and the shared
 * real captures (../shared/pcaps/real, when beside the source tree). Files
 * it must leave to libpcap are checked to be left. */
#include <dirent.h>
#include <signal.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/pcap_file.h"
#include "tap.h"

/* ---- comparing with libpcap ---- */

struct outcome {
	bool claimed;
	bool equal;
	unsigned records;
	int end;           /* 0: end of file, -1: an error */
	char diag[512];
};

static int libpcap_next(pcap_t *p, struct pcap_pkthdr *h, const uint8_t **data)
{
	struct pcap_pkthdr *ph;
	const u_char *d;
	int rc = pcap_next_ex(p, &ph, &d);

	if (rc == 1) {
		*h = *ph;
		*data = d;
		return 1;
	}
	return rc == PCAP_ERROR_BREAK ? 0 : -1;
}

static bool same_record(const struct pcap_pkthdr *a, const uint8_t *da,
			const struct pcap_pkthdr *b, const uint8_t *db)
{
	return a->ts.tv_sec == b->ts.tv_sec && a->ts.tv_usec == b->ts.tv_usec &&
	       a->caplen == b->caplen && a->len == b->len &&
	       memcmp(da, db, a->caplen) == 0;
}

/* Reads path both ways, to the end or the first error. */
static struct outcome compare(const char *path)
{
	struct outcome o = { .equal = true };
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_file *f = pcap_file_open(path);

	if (!f)
		return o;
	o.claimed = true;
	FILE *stream = fopen(path, "rb");
	pcap_t *p = stream ? pcap_fopen_offline_with_tstamp_precision(
		stream, PCAP_TSTAMP_PRECISION_MICRO, err) : NULL;
	if (!p) {
		snprintf(o.diag, sizeof(o.diag), "libpcap cannot open what was claimed: %s",
			 stream ? err : strerror(errno));
		o.equal = false;
		if (stream)
			fclose(stream);
		pcap_file_close(f);
		return o;
	}
	if (pcap_datalink(p) != pcap_file_datalink(f) ||
	    pcap_snapshot(p) != pcap_file_snapshot(f)) {
		snprintf(o.diag, sizeof(o.diag), "link type %d/%d, snapshot %d/%d",
			 pcap_file_datalink(f), pcap_datalink(p),
			 pcap_file_snapshot(f), pcap_snapshot(p));
		o.equal = false;
	}
	for (;;) {
		struct pcap_pkthdr ho, hl;
		const uint8_t *dout = NULL, *dlib = NULL;
		int ro = pcap_file_next(f, &ho, &dout);
		int rl = libpcap_next(p, &hl, &dlib);

		if (ro != rl) {
			snprintf(o.diag, sizeof(o.diag), "record %u: %d here, %d from libpcap (%s)",
				 o.records + 1, ro, rl, rl < 0 ? pcap_geterr(p) : pcap_file_error(f));
			o.equal = false;
			break;
		}
		if (ro == 1 && !same_record(&ho, dout, &hl, dlib)) {
			snprintf(o.diag, sizeof(o.diag), "record %u differs", o.records + 1);
			o.equal = false;
			break;
		}
		if (ro == 1) {
			o.records++;
			continue;
		}
		o.end = ro;
		long off = ftell(pcap_file(p));
		if (ro < 0 && (strcmp(pcap_file_error(f), pcap_geterr(p)) != 0 ||
			       (long long)pcap_file_offset(f) != off)) {
			snprintf(o.diag, sizeof(o.diag), "\"%s\" at %llu; libpcap \"%s\" at %ld",
				 pcap_file_error(f), (unsigned long long)pcap_file_offset(f),
				 pcap_geterr(p), off);
			o.equal = false;
		}
		break;
	}
	pcap_close(p);
	pcap_file_close(f);
	return o;
}

/* ---- made-up files ---- */

static char dir[] = "/tmp/test_pcap_file.XXXXXX";

struct builder {
	uint8_t b[4 << 20];  /* several of the reader's chunks */
	size_t n;
};

static void put32(struct builder *w, uint32_t v)
{
	memcpy(w->b + w->n, &v, 4);
	w->n += 4;
}

static void put16(struct builder *w, uint16_t v)
{
	memcpy(w->b + w->n, &v, 2);
	w->n += 2;
}

static void file_header(struct builder *w, uint32_t magic, uint16_t major, uint16_t minor,
			uint32_t snaplen, uint32_t linktype)
{
	w->n = 0;
	put32(w, magic);
	put16(w, major);
	put16(w, minor);
	put32(w, 0);
	put32(w, 0);
	put32(w, snaplen);
	put32(w, linktype);
}

/* A record whose header says caplen and len, with have bytes of data
 * (fewer than caplen: a file cut short), each byte its own index. */
static void record(struct builder *w, uint32_t sec, uint32_t frac, uint32_t caplen,
		   uint32_t len, uint32_t have)
{
	put32(w, sec);
	put32(w, frac);
	put32(w, caplen);
	put32(w, len);
	for (uint32_t i = 0; i < have; i++)
		w->b[w->n++] = (uint8_t)(i * 7 + 1);
}

static const char *save(const struct builder *w, const char *name)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(w->b, 1, w->n, f) != w->n || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	return path;
}

static struct builder w;

static void claimed_like_libpcap(const char *name, unsigned records, int end)
{
	struct outcome o = compare(save(&w, name));
	if (!ok(o.claimed && o.equal && o.records == records && o.end == end,
		"%s: claimed, %u records and %s, as libpcap reads it", name, records,
		end ? "an error" : "the end"))
		printf("#   claimed %d equal %d records %u end %d: %s\n", o.claimed,
		       o.equal, o.records, o.end, o.diag);
}

static void left_to_libpcap(const char *name)
{
	struct outcome o = compare(save(&w, name));
	ok(!o.claimed, "%s: left to libpcap", name);
}

static void test_good_files(void)
{
	file_header(&w, 0xa1b2c3d4, 2, 4, 65535, DLT_EN10MB);
	record(&w, 1700000000, 1, 60, 60, 60);
	record(&w, 1700000000, 999999, 1514, 1514, 1514);
	record(&w, 1700000001, 0, 0, 0, 0);  /* empty: still a record */
	claimed_like_libpcap("micro.pcap", 3, 0);

	file_header(&w, 0xa1b23c4d, 2, 4, 65535, DLT_EN10MB);
	record(&w, 1700000000, 999999999, 60, 60, 60);
	record(&w, 0xffffffff, 0xfffffc18, 60, 60, 60);  /* negative, as signed */
	claimed_like_libpcap("nano.pcap", 2, 0);

	file_header(&w, 0xa1b2c3d4, 2, 4, 100, DLT_EN10MB);
	record(&w, 1, 0, 150, 150, 150);  /* longer than the snapshot: cut to it */
	record(&w, 2, 0, 60, 60, 60);
	claimed_like_libpcap("over-snaplen.pcap", 2, 0);

	file_header(&w, 0xa1b2c3d4, 2, 4, 0, DLT_EN10MB);
	record(&w, 1, 0, 70000, 70000, 70000);
	claimed_like_libpcap("snaplen-zero.pcap", 1, 0);

	file_header(&w, 0xa1b2c3d4, 2, 4, 65535, 101);  /* LINKTYPE_RAW */
	record(&w, 1, 0, 20, 20, 20);
	claimed_like_libpcap("linktype-raw.pcap", 1, 0);
	struct pcap_file *raw = pcap_file_open(save(&w, "linktype-raw.pcap"));
	is_int(raw ? pcap_file_datalink(raw) : -1, DLT_RAW,
	       "LINKTYPE_RAW is DLT_RAW, as libpcap names it");
	pcap_file_close(raw);

	file_header(&w, 0xa1b2c3d4, 2, 4, 65535, DLT_LINUX_SLL2);
	claimed_like_libpcap("no-records.pcap", 0, 0);
}

/* Records spanning the reader's chunks: many of every length up to a
 * jumbo frame's, so their starts fall at every offset of a chunk's end. */
static void test_chunk_edges(void)
{
	static struct builder big;
	unsigned n = 0;

	big.n = 0;
	file_header(&big, 0xa1b2c3d4, 2, 4, 262144, DLT_EN10MB);
	while (big.n < sizeof(big.b) - 10000) {
		uint32_t len = 1 + (n * 37) % 9000;
		record(&big, n, n, len, len, len);
		n++;
	}
	w = big;  /* save reads w */
	claimed_like_libpcap("chunks.pcap", n, 0);
	file_header(&w, 0xa1b2c3d4, 2, 4, 262144, DLT_EN10MB);
	for (unsigned i = 0; i < 6; i++)
		record(&w, i, 0, 262144, 262144, 262144);  /* the longest, end to end */
	claimed_like_libpcap("longest-records.pcap", 6, 0);
}

static void test_damaged_files(void)
{
	file_header(&w, 0xa1b2c3d4, 2, 4, 65535, DLT_EN10MB);
	record(&w, 1, 0, 60, 60, 60);
	record(&w, 2, 0, 300000, 300000, 0);
	claimed_like_libpcap("caplen-over-snaplen-and-maximum.pcap", 1, -1);

	file_header(&w, 0xa1b2c3d4, 2, 4, 262144, DLT_EN10MB);
	record(&w, 2, 0, 262145, 262145, 0);
	claimed_like_libpcap("caplen-over-maximum.pcap", 0, -1);

	file_header(&w, 0xa1b2c3d4, 2, 4, 65535, DLT_EN10MB);
	record(&w, 1, 0, 60, 60, 60);
	w.n += 7;  /* seven bytes of a record header */
	memset(w.b + w.n - 7, 0, 7);
	claimed_like_libpcap("cut-in-header.pcap", 1, -1);

	file_header(&w, 0xa1b2c3d4, 2, 4, 65535, DLT_EN10MB);
	record(&w, 1, 0, 60, 60, 60);
	record(&w, 2, 0, 70000, 70000, 40);
	claimed_like_libpcap("cut-in-data.pcap", 1, -1);

	file_header(&w, 0xa1b2c3d4, 2, 4, 100, DLT_EN10MB);
	record(&w, 1, 0, 150, 150, 50);  /* over the snapshot, cut before it */
	claimed_like_libpcap("cut-before-snaplen.pcap", 0, -1);

	file_header(&w, 0xa1b2c3d4, 2, 4, 100, DLT_EN10MB);
	record(&w, 1, 0, 150, 150, 120);  /* over the snapshot, cut after it */
	claimed_like_libpcap("cut-after-snaplen.pcap", 0, -1);
}

static void test_left_to_libpcap(void)
{
	file_header(&w, 0x0a0d0d0a, 2, 4, 65535, DLT_EN10MB);
	left_to_libpcap("pcapng.pcap");
	file_header(&w, 0xd4c3b2a1, 2, 4, 65535, DLT_EN10MB);
	left_to_libpcap("other-byte-order.pcap");
	file_header(&w, 0xa1b2cd34, 2, 4, 65535, DLT_EN10MB);
	left_to_libpcap("kuznetzov.pcap");
	file_header(&w, 0xa1b2c3d4, 2, 3, 65535, DLT_EN10MB);
	left_to_libpcap("version-2.3.pcap");
	file_header(&w, 0xa1b2c3d4, 2, 4, 65535, 105);  /* 802.11: not decoded */
	left_to_libpcap("linktype-802.11.pcap");
	file_header(&w, 0xa1b2c3d4, 2, 4, 65535, DLT_EN10MB | 0x14000000);  /* FCS */
	left_to_libpcap("linktype-fcs.pcap");
	file_header(&w, 0xa1b2c3d4, 2, 4, 65535, DLT_EN10MB);
	w.n = 20;
	left_to_libpcap("short-header.pcap");
	ok(!pcap_file_open("/dev/null"), "a device: left to libpcap");
	ok(!pcap_file_open(dir), "a directory: left to libpcap");
	ok(!pcap_file_open("/nonexistent/x.pcap"), "a missing file: left to libpcap");
}

/* A named pipe is left to libpcap unopened: opening it to look took the
 * writer waiting on it (`cat x.pcap > pipe &`), which then died writing to
 * a pipe with no reader, and libpcap waited for another for ever. A child
 * writes more than a pipe holds; after pcap_file_open has looked, the next
 * reader must get all of it. An alarm interrupts a reader left waiting, so
 * that a hang fails here instead of stalling the suite. */
#define PIPE_BYTES (256u * 1024)

static void on_alarm(int sig)
{
	(void)sig;
}

static void test_named_pipe_untouched(void)
{
	static char chunk[4096];
	char fifo[300];
	int status = -1;
	size_t have = 0;

	snprintf(fifo, sizeof(fifo), "%s/pipe.pcap", dir);
	if (!ok(mkfifo(fifo, 0600) == 0, "a named pipe made"))
		return;
	pid_t child = fork();
	if (child == 0) {
		alarm(10);
		int fd = open(fifo, O_WRONLY);
		size_t done = 0;
		while (fd >= 0 && done < PIPE_BYTES && write(fd, chunk, sizeof(chunk)) > 0)
			done += sizeof(chunk);
		_exit(done == PIPE_BYTES ? 0 : 1);
	}
	struct sigaction sa = { .sa_handler = on_alarm };  /* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	alarm(10);
	ok(!pcap_file_open(fifo), "a named pipe: left to libpcap");
	int fd = open(fifo, O_RDONLY);
	for (ssize_t n = 1; fd >= 0 && n > 0; have += (size_t)n)
		n = read(fd, chunk, sizeof(chunk));
	if (fd >= 0)
		close(fd);
	alarm(0);
	if (child > 0) {
		kill(child, SIGKILL);  /* if it is still waiting: nothing to wait for */
		waitpid(child, &status, 0);
	}
	ok(have == PIPE_BYTES && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "and its writer's %u bytes all reach the next reader (%zu did)", PIPE_BYTES, have);
}

/* ---- captures found on disk ---- */

static unsigned compare_dir(const char *path, unsigned depth)
{
	DIR *d = opendir(path);
	struct dirent *e;
	unsigned claimed = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char sub[4096];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (stat(sub, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth)
				claimed += compare_dir(sub, depth - 1);
			continue;
		}
		struct outcome o = compare(sub);
		if (!o.claimed)
			continue;
		claimed++;
		if (!ok(o.equal, "%s: %u records and %s, as libpcap reads them", sub,
			o.records, o.end ? "an error" : "the end"))
			printf("#   %s\n", o.diag);
	}
	closedir(d);
	return claimed;
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_good_files();
	test_chunk_edges();
	test_damaged_files();
	test_left_to_libpcap();
	test_named_pipe_untouched();

	const char *fixtures = getenv("FIXTURES"), *src = getenv("SRCDIR");
	if (fixtures)
		printf("# fixtures: %u claimed\n", compare_dir(fixtures, 1));
	if (src) {
		char real[4096];
		snprintf(real, sizeof(real), "%s/../shared/pcaps/real", src);
		printf("# shared real captures: %u claimed\n", compare_dir(real, 1));
	}
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return done_testing();
}
