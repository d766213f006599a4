/* event_sink.c - see event_sink.h. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/timefmt.h"
#include "event_sink.h"

#define MAX_ADDRS 4
/* Reconnect backoff: 1 s, doubling, at most 30 s. */
#define BACKOFF_FIRST_US 1000000ull
#define BACKOFF_MAX_US 30000000ull
/* <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD: well under this. */
#define HEADER_MAX 400
/* RFC 5424: MSGID is at most 32 printable characters. */
#define MSGID_MAX 32

enum link_state { LINK_DOWN, LINK_CONNECTING, LINK_UP };

struct syslog_sink {
	struct syslog_target t;
	bool quiet;
	FILE *stream;
	struct sockaddr_storage addr[MAX_ADDRS];
	socklen_t addrlen[MAX_ADDRS];
	unsigned naddr, next_addr;
	int fd;
	enum link_state state;
	uint64_t retry_at_us, backoff_us;
	bool said_down;          /* the outage was said on stderr */
	char hostname[256];      /* RFC 5424 HOSTNAME, or "-" */
	/* The line being written, until its newline. */
	char *line;
	size_t line_len;
	bool line_too_long;
	/* One message: header and line (framed for TCP). */
	char *msg;
	/* TCP: framed messages waiting for the peer, [head, tail); the frame
	 * at head has frame_sent bytes on the wire already. */
	char *queue;
	size_t head, tail, frame_sent;
	struct syslog_counts n;
};

static const char *const facility_names[24] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};

static uint64_t monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- the destination ---- */

bool event_dest_is_syslog(const char *dest)
{
	return strncmp(dest, "syslog://", 9) == 0 || strncmp(dest, "syslog+tcp://", 13) == 0;
}

static bool parse_facility(const char *s, int *out)
{
	for (int i = 0; i < 24; i++)
		if (strcmp(s, facility_names[i]) == 0) {
			*out = i;
			return true;
		}
	char *end;
	long v = strtol(s, &end, 10);
	if (end != s && !*end && v >= 0 && v < 24) {
		*out = (int)v;
		return true;
	}
	return false;
}

static bool parse_port(const char *s, size_t len, char out[8])
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	snprintf(out, 8, "%lu", v);
	return true;
}

/* HOST[:PORT] or [IPv6][:PORT], len bytes of s. */
static bool parse_authority(const char *s, size_t len, struct syslog_target *t,
			    char *err, size_t errlen)
{
	const char *host = s, *port = NULL;
	size_t hostlen;

	if (len && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (!close) {
			snprintf(err, errlen, "no ']' after the IPv6 address");
			return false;
		}
		host = s + 1;
		hostlen = (size_t)(close - host);
		if (close + 1 < s + len) {
			if (close[1] != ':') {
				snprintf(err, errlen, "after ']' only \":PORT\" may follow");
				return false;
			}
			port = close + 2;
		}
	} else {
		const char *colon = memchr(s, ':', len);
		if (colon && memchr(colon + 1, ':', len - (size_t)(colon + 1 - s))) {
			snprintf(err, errlen, "an IPv6 address goes in brackets: "
				 "syslog://[::1]:514");
			return false;
		}
		hostlen = colon ? (size_t)(colon - s) : len;
		if (colon)
			port = colon + 1;
	}
	if (hostlen == 0 || hostlen >= sizeof(t->host)) {
		snprintf(err, errlen, hostlen ? "the host name is too long" : "no host");
		return false;
	}
	for (size_t i = 0; i < hostlen; i++)
		if ((unsigned char)host[i] <= ' ' || host[i] == '/' || host[i] == '@' ||
		    (unsigned char)host[i] >= 0x7f) {
			snprintf(err, errlen, "the host has a character no host name has");
			return false;
		}
	memcpy(t->host, host, hostlen);
	t->host[hostlen] = '\0';
	if (!port) {
		strcpy(t->port, SYSLOG_DEFAULT_PORT);
	} else if (!parse_port(port, len - (size_t)(port - s), t->port)) {
		snprintf(err, errlen, "the port is not a number from 1 to 65535");
		return false;
	}
	return true;
}

bool syslog_target_parse(const char *url, struct syslog_target *t, char *err,
			 size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->facility = SYSLOG_DEFAULT_FACILITY;
	snprintf(t->url, sizeof(t->url), "%s", url);
	const char *rest;
	if (strncmp(url, "syslog://", 9) == 0) {
		rest = url + 9;
	} else if (strncmp(url, "syslog+tcp://", 13) == 0) {
		rest = url + 13;
		t->tcp = true;
	} else {
		snprintf(err, errlen, "not syslog://HOST[:PORT] or syslog+tcp://HOST[:PORT]");
		return false;
	}
	const char *query = strchr(rest, '?');
	size_t len = query ? (size_t)(query - rest) : strlen(rest);
	if (len && rest[len - 1] == '/')
		len--;  /* syslog://host:514/ */
	if (!parse_authority(rest, len, t, err, errlen))
		return false;
	if (query) {
		if (strncmp(query, "?facility=", 10) != 0 ||
		    !parse_facility(query + 10, &t->facility)) {
			snprintf(err, errlen, "the only query is ?facility=NAME "
				 "(local0..local7, user, daemon, auth, ... or 0..23)");
			return false;
		}
	}
	return true;
}

/* ---- messages ---- */

/* RFC 5424 severities by event.action: what a reader of the collector
 * should be woken for. A required flow missing or blocked is an error; an
 * unexpected flow or a failed attempt a warning; what could not be judged,
 * capture health and site exceptions a notice; evidence information. */
static int severity_of(const char *action)
{
	static const struct {
		const char *action;
		int severity;
	} table[] = {
		{ "flow-missing", 3 }, { "flow-blocked", 3 },
		{ "flow-unexpected", 4 }, { "flow-attempt-failed", 4 },
		{ "flow-inconclusive", 5 }, { "capture-health", 5 },
		{ "site-exception", 5 },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(action, table[i].action) == 0)
			return table[i].severity;
	return 6;  /* informational: flow-observed, flow-end */
}

/* event.action of a line, as MSGID: the writers put it in the "event"
 * object as "action":"...", and a JSON string can hold no bare quote, so
 * the first such key is that one. "-" when there is none. */
static void msgid_of(const char *line, size_t len, char out[MSGID_MAX + 1])
{
	static const char key[] = "\"action\":\"";
	const char *p = memmem(line, len, key, sizeof(key) - 1);
	size_t n = 0;

	if (p) {
		p += sizeof(key) - 1;
		while (p + n < line + len && p[n] != '"' && n < MSGID_MAX &&
		       p[n] > ' ' && p[n] < 0x7f)
			n++;
		if (p + n < line + len && p[n] != '"')
			n = 0;  /* too long or odd: no MSGID rather than a cut one */
	}
	if (n) {
		memcpy(out, p, n);
		out[n] = '\0';
	} else {
		strcpy(out, "-");
	}
}

/* RFC 5424 HOSTNAME: 1..255 printable US-ASCII characters, else "-". */
static void hostname_field(char *out, size_t len)
{
	char name[256];

	if (gethostname(name, sizeof(name)) != 0 || !name[0])
		goto nil;
	name[sizeof(name) - 1] = '\0';
	for (const char *c = name; *c; c++)
		if (*c <= ' ' || *c >= 0x7f)
			goto nil;
	snprintf(out, len, "%s", name);
	return;
nil:
	snprintf(out, len, "-");
}

/* The RFC 5424 message for one line into s->msg: its length. */
static size_t build_message(struct syslog_sink *s, const char *line, size_t len)
{
	char msgid[MSGID_MAX + 1], ts[TS_TEXT_LEN];
	char *m = s->msg;

	msgid_of(line, len, msgid);
	format_ts_iso(ts, wall_us());
	int h = snprintf(m, HEADER_MAX, "<%d>1 %s %s flowaudit %ld %s - ",
			 s->t.facility * 8 + severity_of(msgid), ts, s->hostname,
			 (long)getpid(), msgid);
	if (h < 0 || h >= HEADER_MAX)
		h = 0;
	memcpy(m + h, line, len);
	return (size_t)h + len;
}

/* ---- TCP queue ---- */

/* The whole length of the frame at head ("LEN SP MSG"). */
static size_t head_frame_len(const struct syslog_sink *s)
{
	size_t i = s->head, len = 0;

	while (i < s->tail && s->queue[i] >= '0' && s->queue[i] <= '9')
		len = len * 10 + (size_t)(s->queue[i++] - '0');
	return (i - s->head) + 1 + len;
}

static void consume(struct syslog_sink *s, size_t n)
{
	while (n && s->head < s->tail) {
		size_t frame = head_frame_len(s), left = frame - s->frame_sent;
		if (n < left) {
			s->frame_sent += n;
			return;
		}
		n -= left;
		s->head += frame;
		s->frame_sent = 0;
		s->n.sent++;
	}
}

/* A frame cut by a lost connection cannot be finished on the next one:
 * its rest is dropped. */
static void drop_partial_frame(struct syslog_sink *s)
{
	if (s->frame_sent && s->head < s->tail) {
		s->head += head_frame_len(s);
		s->frame_sent = 0;
		s->n.dropped++;
	}
}

/* One message framed as "LEN SP MSG" at the queue's tail, or dropped
 * when it does not fit. */
static void enqueue(struct syslog_sink *s, const char *m, size_t len)
{
	char prefix[16];
	int p = snprintf(prefix, sizeof(prefix), "%zu ", len);
	size_t total = (size_t)p + len;

	/* Compacting costs at most one queue's length, and only when the
	 * queue is nearly full: with a peer that keeps up it never is. */
	if (s->tail + total > SYSLOG_QUEUE_BYTES && s->head > 0) {
		memmove(s->queue, s->queue + s->head, s->tail - s->head);
		s->tail -= s->head;
		s->head = 0;
	}
	if (s->tail + total > SYSLOG_QUEUE_BYTES) {
		s->n.dropped++;
		return;
	}
	memcpy(s->queue + s->tail, prefix, (size_t)p);
	memcpy(s->queue + s->tail + p, m, len);
	s->tail += total;
}

/* ---- the connection ---- */

/* The host's addresses for the target's transport; NULL with a message. */
static struct addrinfo *lookup(const struct syslog_target *t, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = t->tcp ? SOCK_STREAM : SOCK_DGRAM,
				  .ai_family = AF_UNSPEC, .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res;
	int rc = getaddrinfo(t->host, t->port, &hints, &res);

	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", t->host, gai_strerror(rc));
		return NULL;
	}
	return res;
}

bool syslog_target_resolves(const struct syslog_target *t, char *err, size_t errlen)
{
	struct addrinfo *res = lookup(t, err, errlen);

	if (res)
		freeaddrinfo(res);
	return res != NULL;
}

/* The first MAX_ADDRS addresses; the ones before stay when the name gives
 * none now. */
static bool resolve(struct syslog_sink *s, char *err, size_t errlen)
{
	struct addrinfo *res = lookup(&s->t, err, errlen);
	unsigned n = 0;

	if (!res)
		return false;
	for (struct addrinfo *a = res; a && n < MAX_ADDRS; a = a->ai_next)
		if (a->ai_addrlen <= sizeof(s->addr[0]))
			n++;
	if (n) {
		s->naddr = 0;
		for (struct addrinfo *a = res; a && s->naddr < n; a = a->ai_next) {
			if (a->ai_addrlen > sizeof(s->addr[0]))
				continue;
			memcpy(&s->addr[s->naddr], a->ai_addr, a->ai_addrlen);
			s->addrlen[s->naddr++] = a->ai_addrlen;
		}
		s->next_addr = 0;
	} else {
		snprintf(err, errlen, "%s: no usable address", s->t.host);
	}
	freeaddrinfo(res);
	return n > 0;
}

static void link_down(struct syslog_sink *s, int error)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->state = LINK_DOWN;
	drop_partial_frame(s);
	s->retry_at_us = monotonic_us() + s->backoff_us;
	if (!s->said_down && !s->quiet) {
		if (s->t.tcp)
			fprintf(stderr, "flowaudit: events: %s: %s; trying again with "
				"backoff, queuing up to %u KiB meanwhile\n", s->t.url,
				strerror(error), SYSLOG_QUEUE_BYTES / 1024);
		else
			fprintf(stderr, "flowaudit: events: %s: %s; trying again with "
				"backoff, dropping events meanwhile\n", s->t.url,
				strerror(error));
	}
	s->said_down = true;
	s->backoff_us = s->backoff_us * 2 > BACKOFF_MAX_US ? BACKOFF_MAX_US : s->backoff_us * 2;
	s->next_addr = (s->next_addr + 1) % s->naddr;
}

static void link_up(struct syslog_sink *s)
{
	s->state = LINK_UP;
	s->backoff_us = BACKOFF_FIRST_US;
	if (s->said_down && !s->quiet)
		fprintf(stderr, "flowaudit: events: %s: connected\n", s->t.url);
	s->said_down = false;
}

static void start_connect(struct syslog_sink *s)
{
	const struct sockaddr *a = (const struct sockaddr *)&s->addr[s->next_addr];
	int fd = socket(a->sa_family, (s->t.tcp ? SOCK_STREAM : SOCK_DGRAM) |
			SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		link_down(s, errno);
		return;
	}
	s->fd = fd;
	if (connect(fd, a, s->addrlen[s->next_addr]) == 0)
		link_up(s);
	else if (errno == EINPROGRESS)
		s->state = LINK_CONNECTING;
	else
		link_down(s, errno);
}

/* A connect in progress: done, failed or still going (waits at most
 * wait_ms). */
static void check_connect(struct syslog_sink *s, int wait_ms)
{
	struct pollfd p = { .fd = s->fd, .events = POLLOUT };
	int error = 0;
	socklen_t len = sizeof(error);

	if (poll(&p, 1, wait_ms) <= 0)
		return;
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
		error = errno;
	if (error)
		link_down(s, error);
	else
		link_up(s);
}

/* A collector sends nothing back: a readable socket means it closed the
 * connection (a restart) or failed. Seen before a send, that costs no
 * event; a send into a closed connection would be accepted and lost. */
static bool peer_closed(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };

	return poll(&p, 1, 0) > 0 &&
	       (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR));
}

static void flush_queue(struct syslog_sink *s)
{
	if (s->state == LINK_UP && s->head < s->tail && peer_closed(s->fd))
		link_down(s, ECONNRESET);
	while (s->state == LINK_UP && s->head < s->tail) {
		ssize_t n = send(s->fd, s->queue + s->head + s->frame_sent,
				 s->tail - s->head - s->frame_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			consume(s, (size_t)n);
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		else if (n < 0 && errno == EINTR)
			continue;
		else
			link_down(s, n < 0 ? errno : ECONNRESET);
	}
	if (s->head == s->tail)
		s->head = s->tail = 0;
}

static void advance_link(struct syslog_sink *s)
{
	if (s->state == LINK_DOWN && monotonic_us() >= s->retry_at_us)
		start_connect(s);
	if (s->state == LINK_CONNECTING)
		check_connect(s, 0);
	flush_queue(s);
}

static void send_udp(struct syslog_sink *s, const char *m, size_t len)
{
	if (len > SYSLOG_UDP_MAX) {
		s->n.too_large++;
		return;
	}
	if (s->state != LINK_UP) {
		advance_link(s);
		if (s->state != LINK_UP) {
			s->n.dropped++;
			return;
		}
	}
	/* A connected UDP socket reports an earlier datagram's ICMP error
	 * (port unreachable) on a later send, which is then not sent: the
	 * earlier one was counted as sent (nothing said otherwise then), this
	 * one as dropped, and the socket stays. */
	if (send(s->fd, m, len, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)len)
		s->n.sent++;
	else
		s->n.dropped++;
}

/* One complete line from the stream. */
static void emit_line(struct syslog_sink *s)
{
	s->n.events++;
	if (s->line_too_long) {
		s->n.too_large++;
		return;
	}
	size_t len = build_message(s, s->line, s->line_len);
	if (s->t.tcp) {
		enqueue(s, s->msg, len);
		advance_link(s);
	} else {
		send_udp(s, s->msg, len);
	}
}

static ssize_t stream_write(void *cookie, const char *buf, size_t size)
{
	struct syslog_sink *s = cookie;

	for (size_t i = 0; i < size; i++) {
		if (buf[i] == '\n') {
			emit_line(s);
			s->line_len = 0;
			s->line_too_long = false;
		} else if (s->line_len < SYSLOG_EVENT_MAX) {
			s->line[s->line_len++] = buf[i];
		} else {
			s->line_too_long = true;
		}
	}
	return (ssize_t)size;
}

/* ---- the sink ---- */

struct syslog_sink *syslog_sink_open(const struct syslog_target *t, bool quiet,
				     char *err, size_t errlen)
{
	struct syslog_sink *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->t = *t;
	s->quiet = quiet;
	s->fd = -1;
	s->backoff_us = BACKOFF_FIRST_US;
	s->line = malloc(SYSLOG_EVENT_MAX);
	s->msg = malloc(HEADER_MAX + SYSLOG_EVENT_MAX);
	s->queue = t->tcp ? malloc(SYSLOG_QUEUE_BYTES) : NULL;
	cookie_io_functions_t io = { .write = stream_write };
	if (!s->line || !s->msg || (t->tcp && !s->queue)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (!resolve(s, err, errlen))
		goto fail;
	hostname_field(s->hostname, sizeof(s->hostname));
	s->stream = fopencookie(s, "w", io);
	if (!s->stream) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	start_connect(s);
	return s;
fail:
	free(s->line);
	free(s->msg);
	free(s->queue);
	free(s);
	return NULL;
}

FILE *syslog_sink_stream(struct syslog_sink *s)
{
	return s->stream;
}

void syslog_sink_service(struct syslog_sink *s)
{
	fflush(s->stream);
	if (s->t.tcp)
		advance_link(s);
}

void syslog_sink_reconnect(struct syslog_sink *s)
{
	char err[512];

	fflush(s->stream);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->state = LINK_DOWN;
	drop_partial_frame(s);
	if (!resolve(s, err, sizeof(err)))
		fprintf(stderr, "flowaudit: events: %s: %s; the address before is kept\n",
			s->t.url, err);
	s->backoff_us = BACKOFF_FIRST_US;
	s->retry_at_us = 0;
	start_connect(s);
	if (!s->quiet)
		fprintf(stderr, "flowaudit: events: %s: reconnecting\n", s->t.url);
}

void syslog_sink_counts(const struct syslog_sink *s, struct syslog_counts *out)
{
	*out = s->n;
}

void syslog_counts_print(FILE *f, const char *url, const struct syslog_counts *c)
{
	fprintf(f, "flowaudit: events to %s: %llu of %llu sent", url,
		(unsigned long long)c->sent, (unsigned long long)c->events);
	if (c->dropped)
		fprintf(f, ", %llu dropped (collector down, slow or refusing)",
			(unsigned long long)c->dropped);
	if (c->too_large && strncmp(url, "syslog+tcp:", 11) == 0)
		fprintf(f, ", %llu too large (over %u KiB)",
			(unsigned long long)c->too_large, SYSLOG_EVENT_MAX / 1024);
	else if (c->too_large)
		fprintf(f, ", %llu too large for UDP (over %u bytes; syslog+tcp:// "
			"takes them)", (unsigned long long)c->too_large, SYSLOG_UDP_MAX);
	fputc('\n', f);
}

/* TCP at the end: the queue to the peer within the time left. */
static void drain(struct syslog_sink *s, unsigned drain_ms)
{
	uint64_t deadline = monotonic_us() + (uint64_t)drain_ms * 1000u;

	for (uint64_t now = monotonic_us(); s->head < s->tail && now < deadline;
	     now = monotonic_us()) {
		int wait_ms = (int)((deadline - now + 999) / 1000);
		if (s->state == LINK_DOWN) {
			uint64_t until = s->retry_at_us < deadline ? s->retry_at_us : deadline;
			if (until > now) {
				struct timespec ts = { .tv_sec = (time_t)((until - now) / 1000000u),
						       .tv_nsec = (long)((until - now) % 1000000u) * 1000 };
				nanosleep(&ts, NULL);
			}
		} else {
			struct pollfd p = { .fd = s->fd, .events = POLLOUT };
			if (s->state == LINK_CONNECTING)
				check_connect(s, wait_ms);
			else
				poll(&p, 1, wait_ms);
		}
		advance_link(s);
	}
	/* Whatever is still queued will not be sent. */
	while (s->head < s->tail) {
		s->head += head_frame_len(s);
		s->frame_sent = 0;
		s->n.dropped++;
	}
}

void syslog_sink_close(struct syslog_sink *s, unsigned drain_ms,
		       struct syslog_counts *out)
{
	if (!s)
		return;
	fclose(s->stream);  /* the last lines into the queue */
	if (s->t.tcp)
		drain(s, drain_ms);
	if (s->fd >= 0)
		close(s->fd);
	if (out)
		*out = s->n;
	free(s->line);
	free(s->msg);
	free(s->queue);
	free(s);
}
