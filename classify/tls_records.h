/* tls_records.h - how a TLS handshake over TCP went, from its record layer.
 *
 * A TCP flow whose client opens with a ClientHello record is followed
 * through the record headers of its first packets (content type, version,
 * length; the two bytes of a plaintext alert): whether the server answered
 * with its handshake (a ServerHello among the records a server packet
 * starts with), and whether the client then went on (a ChangeCipherSpec,
 * or encrypted records: its Finished) or sent an alert instead. Nothing is
 * reassembled: the client's records are walked by sequence number, a
 * record's bytes beyond the packet that starts it only skipped, so a
 * retransmission reads as old data and a packet past the next header
 * (out of order, or past bytes the capture missed) is not read; a record
 * header cut by a packet's end, or bytes that are no record, stop the
 * following. Nothing is claimed past what was read. Encrypted records are
 * never read: a TLS 1.3 alert sent under the handshake keys is an
 * application-data record like the client's Finished, and is not taken for
 * either.
 *
 * Four bytes per flow slot, no allocation; every read is bounds-checked.
 */
#ifndef FLOWAUDIT_TLS_RECORDS_H
#define FLOWAUDIT_TLS_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow_class.h"

/* Packets of a flow (both ways, bare ACKs included) after which its
 * handshake is no longer followed: a TLS 1.2 handshake with client
 * certificates takes about 20. */
#define TLS_FOLLOW_PACKETS 40

/* Records read in one packet at most; more and the packet is not TLS. */
#define TLS_RECORDS_PER_PACKET 16

struct tls_track {
	uint16_t next_seq;   /* the client's next record header: the low 16
			      * bits of its sequence number */
	uint8_t flags;
	uint8_t alert_desc;
};

/* One packet of a TCP flow (from_client: from its originator), with its
 * TCP sequence number, the payload bytes present (caplen) and the payload
 * length the headers give (len). Until the client's first payload decides
 * whether there is a TLS handshake to follow, packets without payload are
 * only waited through. Returns whether the following goes on. */
bool tls_track_packet(struct tls_track *t, bool from_client, uint32_t seq,
		      const uint8_t *payload, size_t caplen, size_t len);

/* Whether packets are still wanted: the first payload has not come yet, or
 * the handshake it started is not over. */
bool tls_track_wants(const struct tls_track *t);

/* Stops the following (the packet budget is spent): what was seen stays. */
void tls_track_stop(struct tls_track *t);

/* What was seen; all false when no ClientHello opened the flow. */
void tls_track_outcome(const struct tls_track *t, struct tls_outcome *o);

#endif
