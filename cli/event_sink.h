/* event_sink.h - event lines to a syslog collector: --events
 * syslog://HOST[:PORT] (UDP, RFC 5426) or syslog+tcp://HOST[:PORT] (TCP,
 * octet-counted framing, RFC 6587), one RFC 5424 message per line with the
 * line, unchanged, as MSG.
 *
 * The event writers (reports/report_events.c, reports/flow_output.c) write
 * to a FILE; syslog_sink_stream() is one whose lines become messages, so a
 * line sent is byte for byte the line a file would hold.
 *
 * Nothing here blocks or grows with the peer's trouble: a TCP collector
 * that is down or slow gets a bounded queue (SYSLOG_QUEUE_BYTES); what
 * does not fit is dropped and counted, the connection is retried with a
 * doubling backoff, and the counts go into the run summary. A UDP message
 * longer than SYSLOG_UDP_MAX is not sent (a receiver would cut it, and a
 * cut JSON line is no event): it is counted as too large. */
#ifndef FLOWAUDIT_EVENT_SINK_H
#define FLOWAUDIT_EVENT_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The longest event line taken (longer ones are counted as too large). */
#define SYSLOG_EVENT_MAX (64u * 1024)
/* What waits for a TCP collector, framed; beyond it events are dropped. */
#define SYSLOG_QUEUE_BYTES (1024u * 1024)
/* The longest UDP message: rsyslog's default maximum message size. */
#define SYSLOG_UDP_MAX 8096u
/* Facility unless ?facility= says otherwise: local0. */
#define SYSLOG_DEFAULT_FACILITY 16
#define SYSLOG_DEFAULT_PORT "514"

struct syslog_target {
	bool tcp;
	char host[256];      /* without brackets */
	char port[8];
	int facility;        /* 0..23 */
	char url[300];       /* as the user wrote it, for messages */
};

struct syslog_counts {
	uint64_t events;     /* lines written to the stream */
	uint64_t sent;       /* handed whole to the kernel */
	uint64_t dropped;    /* queue full, peer down at the end, send error */
	uint64_t too_large;  /* over SYSLOG_EVENT_MAX, or SYSLOG_UDP_MAX on UDP */
};

struct syslog_sink;

/* Whether an --events destination names a syslog collector. */
bool event_dest_is_syslog(const char *dest);

/* syslog[+tcp]://HOST[:PORT][?facility=NAME]; HOST may be [IPv6]. False
 * with a message saying what is wrong. */
bool syslog_target_parse(const char *url, struct syslog_target *t, char *err,
			 size_t errlen);

/* Whether the host resolves now: said before a long read rather than
 * after it. False with a message. */
bool syslog_target_resolves(const struct syslog_target *t, char *err, size_t errlen);

/* Resolves the host and starts connecting (TCP does not wait for it). NULL
 * with a message when the host does not resolve or no socket can be had. */
struct syslog_sink *syslog_sink_open(const struct syslog_target *t, bool quiet,
				     char *err, size_t errlen);

/* Where event lines are written; each complete line becomes a message
 * when the stream is flushed (or its buffer fills). */
FILE *syslog_sink_stream(struct syslog_sink *s);

/* Flushes the stream, sends what is queued as far as the peer takes it
 * now, connects again when the backoff allows. Never waits. */
void syslog_sink_service(struct syslog_sink *s);

/* SIGHUP: resolve again and connect afresh now (a collector moved or
 * restarted); what is queued goes to the new connection. */
void syslog_sink_reconnect(struct syslog_sink *s);

void syslog_sink_counts(const struct syslog_sink *s, struct syslog_counts *out);

/* One line for the run summary: what was sent, dropped and why. */
void syslog_counts_print(FILE *f, const char *url, const struct syslog_counts *c);

/* Sends what is left, waiting at most drain_ms for the peer, then closes;
 * what could not be sent counts as dropped. The final counts into out
 * (may be NULL). */
void syslog_sink_close(struct syslog_sink *s, unsigned drain_ms,
		       struct syslog_counts *out);

#endif
