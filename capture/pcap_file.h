/* pcap_file.h - the common kind of classic pcap file, read without
 * libpcap's per-packet copies.
 *
 * libpcap reads a savefile with two fread(3) calls per packet, copying each
 * record from stdio's buffer into its own: on the bench capture (3.8
 * million packets in 1 GiB) that was a seventh of `flows --no-dpi`'s time.
 * This reader takes the file in chunks of 256 KiB with read(2) and hands
 * out each record where it lies in the chunk.
 *
 * It claims only what it reads exactly as libpcap does (docs/architecture.md,
 * "Reading files"): version 2.4 files in this machine's byte order, with
 * micro- or nanosecond time stamps, whose link type the decoder supports,
 * from a regular file. Everything else (pcapng, the other byte order, old
 * versions, the modified formats, pipes and standard input, live
 * interfaces) stays with libpcap. A claimed file gives the records, time
 * stamps, lengths, errors and stopping offsets libpcap gives
 * (tests/unit/test_pcap_file checks each against libpcap itself, on made-up
 * files and on every real capture it can find). Packet filters stay
 * libpcap's too: the caller runs a compiled program on each record
 * (pcap_offline_filter). */
#ifndef FLOWAUDIT_PCAP_FILE_H
#define FLOWAUDIT_PCAP_FILE_H

#include <pcap/pcap.h>
#include <stdint.h>

struct pcap_file;

/* The file at path if it is one this reader claims, NULL otherwise (not
 * one, not readable, out of memory: libpcap then opens it and says why). */
struct pcap_file *pcap_file_open(const char *path);
void pcap_file_close(struct pcap_file *f);

/* The link type as libpcap names it (a DLT_ value), and the snapshot
 * length as libpcap adjusts it (0 or too large: the largest). */
int pcap_file_datalink(const struct pcap_file *f);
int pcap_file_snapshot(const struct pcap_file *f);

/* The next record: 1 with *h and *data (valid until the next call), 0 at
 * the end of the file, -1 on a damaged or unreadable record (then
 * pcap_file_error says what, in libpcap's words). */
int pcap_file_next(struct pcap_file *f, struct pcap_pkthdr *h, const uint8_t **data);
const char *pcap_file_error(const struct pcap_file *f);

/* Bytes of the file read so far: where the next record starts, or where a
 * damaged one stopped the reading, as ftell(3) says for libpcap. */
uint64_t pcap_file_offset(const struct pcap_file *f);
/* The file's size in bytes (0 if unknown). */
uint64_t pcap_file_size(const struct pcap_file *f);

#endif
