/* test_event_sink.c - the syslog sink on loopback: destinations parsed,
 * RFC 5424 messages as sent, UDP's size limit, a TCP peer that reads
 * nothing (bounded: dropped and counted, never blocking, whole frames
 * only), a peer that is not there, and a reconnection (SIGHUP). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/event_sink.h"
#include "tap.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void parse_cases(void)
{
	struct syslog_target t;
	char err[256];

	ok(syslog_target_parse("syslog://collector.example", &t, err, sizeof(err)) &&
	   !t.tcp && strcmp(t.host, "collector.example") == 0 && strcmp(t.port, "514") == 0 &&
	   t.facility == 16, "syslog://host: UDP, port 514, local0");
	ok(syslog_target_parse("syslog+tcp://[::1]:6514", &t, err, sizeof(err)) &&
	   t.tcp && strcmp(t.host, "::1") == 0 && strcmp(t.port, "6514") == 0,
	   "syslog+tcp://[::1]:6514: TCP, the address without brackets");
	ok(syslog_target_parse("syslog://10.0.0.5:5514?facility=local3", &t, err, sizeof(err)) &&
	   t.facility == 19, "?facility=local3 is facility 19");
	ok(syslog_target_parse("syslog://h:514?facility=4", &t, err, sizeof(err)) &&
	   t.facility == 4, "?facility=4 by number");
	static const char *const bad[] = {
		"syslog://", "syslog://::1:514", "syslog://h:0", "syslog://h:65536",
		"syslog://h:51x", "syslog://h?facility=local9", "syslog://h?x=1",
		"syslog://[::1", "syslog://[::1]x", "http://h:514", "syslog://a b",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ok(!syslog_target_parse(bad[i], &t, err, sizeof(err)) && err[0],
		   "refused with a reason: %s (%s)", bad[i], err);
	}
	err[0] = '\0';
	ok(syslog_target_parse("syslog://no-such-host.invalid", &t, err, sizeof(err)) &&
	   !syslog_target_resolves(&t, err, sizeof(err)) && strstr(err, "no-such-host.invalid"),
	   "a host that does not resolve is said, by name, before any read (%s)", err);
	ok(syslog_target_parse("syslog+tcp://127.0.0.1:9", &t, err, sizeof(err)) &&
	   syslog_target_resolves(&t, err, sizeof(err)), "an address resolves");
	ok(event_dest_is_syslog("syslog://x") && event_dest_is_syslog("syslog+tcp://x") &&
	   !event_dest_is_syslog("syslog.jsonl") && !event_dest_is_syslog("-"),
	   "syslog destinations told from file names");
}

/* A loopback socket of the type given, bound to a free port. */
static int bound_socket(int type, char port[8])
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	snprintf(port, 8, "%u", ntohs(a.sin_port));
	return fd;
}

/* accept() and recv() that give up after two seconds: a sink that does
 * not connect, or sends nothing, fails a check instead of hanging. */
static int accept_within(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	return poll(&p, 1, 2000) > 0 ? accept(lfd, NULL, NULL) : -1;
}

static ssize_t recv_within(int fd, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (fd < 0 || poll(&p, 1, 2000) <= 0)
		return -1;
	return recv(fd, buf, len, 0);
}

static struct syslog_sink *open_to(bool tcp, const char *port, const char *query)
{
	struct syslog_target t;
	char url[128], err[256];

	snprintf(url, sizeof(url), "%s://127.0.0.1:%s%s", tcp ? "syslog+tcp" : "syslog",
		 port, query);
	if (!syslog_target_parse(url, &t, err, sizeof(err)))
		return NULL;
	return syslog_sink_open(&t, true, err, sizeof(err));
}

static void udp_cases(void)
{
	char port[8], buf[20000];
	int rx = bound_socket(SOCK_DGRAM, port);
	struct syslog_sink *s = open_to(false, port, "");
	struct syslog_counts n;

	if (!ok(rx >= 0 && s, "UDP sink opened to a loopback port")) {
		if (s)
			syslog_sink_close(s, 0, NULL);
		return;
	}
	FILE *f = syslog_sink_stream(s);
	/* The message's escaped "action":"x" comes first and is not the
	 * MSGID. */
	const char *ev = "{\"message\":\"say \\\"action\\\":\\\"x\\\"\","
			 "\"event\":{\"kind\":\"alert\",\"action\":\"flow-missing\"}}";
	fprintf(f, "%s\n", ev);
	char *big = malloc(SYSLOG_UDP_MAX + 10);
	memset(big, 'a', SYSLOG_UDP_MAX + 9);
	big[SYSLOG_UDP_MAX + 9] = '\0';
	fprintf(f, "{\"x\":\"%s\"}\n{\"plain\":1}\n", big);
	free(big);
	syslog_sink_service(s);
	ssize_t len = recv(rx, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[len > 0 ? len : 0] = '\0';
	ok(strncmp(buf, "<131>1 ", 7) == 0, "local0 + err (missing) is <131>, version 1");
	char want[256];
	snprintf(want, sizeof(want), " flowaudit %ld flow-missing - %s", (long)getpid(), ev);
	ok(strstr(buf, want) && strcmp(strstr(buf, want) + strlen(want), "") == 0,
	   "APP-NAME, PROCID, MSGID from event.action, no SD, the line as MSG");
	len = recv(rx, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[len > 0 ? len : 0] = '\0';
	ok(len > 0 && strncmp(buf, "<134>1 ", 7) == 0 && strstr(buf, " - - {\"plain\":1}"),
	   "a line without event.action: info, MSGID \"-\"; the too-large one not sent");
	syslog_sink_close(s, 0, &n);
	is_int(n.events, 3, "UDP: three events");
	is_int(n.sent, 2, "UDP: two sent");
	is_int(n.too_large, 1, "UDP: one over SYSLOG_UDP_MAX counted as too large");
	close(rx);
}

/* Every byte a TCP reader gets as "LEN SP MSG" frames, each one event:
 * the count of whole frames, -1 if anything but the last is not one.
 * *cut: the stream ended inside a frame (one cut by the end of the
 * drain, counted as dropped by the sender). */
static long read_frames(int fd, double timeout, bool *cut)
{
	static char data[8 << 20];
	size_t have = 0;
	double end = now_s() + timeout;

	while (have < sizeof(data) && now_s() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = recv(fd, data + have, sizeof(data) - have, 0);
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	long frames = 0;
	*cut = false;
	for (size_t i = 0; i < have;) {
		size_t len = 0, j = i;
		while (j < have && data[j] >= '0' && data[j] <= '9')
			len = len * 10 + (size_t)(data[j++] - '0');
		if (j + 1 + len > have) {
			*cut = true;
			break;
		}
		if (j == i || data[j] != ' ' || data[j + 1] != '<' || data[j + len] != '}')
			return -1;
		i = j + 1 + len;
		frames++;
	}
	return frames;
}

static void tcp_slow_peer(void)
{
	char port[8], line[1001];
	int lfd = bound_socket(SOCK_STREAM, port);
	int small = 4096;

	setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	listen(lfd, 1);
	struct syslog_sink *s = open_to(true, port, "");
	if (!ok(lfd >= 0 && s, "TCP sink opened to a peer that accepts and reads nothing"))
		return;
	memset(line, 'b', sizeof(line) - 1);
	line[0] = '{';
	line[sizeof(line) - 2] = '}';
	line[sizeof(line) - 1] = '\0';
	FILE *f = syslog_sink_stream(s);
	double t0 = now_s();
	for (int i = 0; i < 4000; i++) {  /* 4 MB, four times the queue */
		fprintf(f, "%s\n", line);
		if (i % 50 == 0)
			syslog_sink_service(s);
	}
	syslog_sink_service(s);
	double took = now_s() - t0;
	/* A blocking send would hang here for good; 10 s leaves room for
	 * valgrind and the sanitizers. */
	ok(took < 10.0, "4000 events to a peer that reads nothing take %.2f s: nothing blocks",
	   took);
	struct syslog_counts n;
	syslog_sink_counts(s, &n);
	ok(n.dropped > 0, "what the queue cannot hold is dropped and counted (%llu)",
	   (unsigned long long)n.dropped);
	t0 = now_s();
	syslog_sink_close(s, 200, &n);
	ok(now_s() - t0 < 1.5, "close waits at most its drain time");
	is_int(n.sent + n.dropped, 4000, "TCP: every event sent or dropped, none lost uncounted");
	int c = accept_within(lfd);
	bool cut = false;
	long frames = c >= 0 ? read_frames(c, 60.0, &cut) : -1;  /* ends at EOF */
	ok(frames >= 0, "the reader gets whole frames, each one event%s",
	   cut ? ", and the one the drain's end cut" : "");
	is_int(frames, (long long)n.sent, "whole frames read = events counted as sent");
	if (c >= 0)
		close(c);
	close(lfd);
}

static void tcp_peer_down(void)
{
	char port[8];
	int lfd = bound_socket(SOCK_STREAM, port);

	close(lfd);  /* nobody listens there now */
	struct syslog_sink *s = open_to(true, port, "");
	if (!ok(s != NULL, "TCP sink opened to a port nobody listens on"))
		return;
	fprintf(syslog_sink_stream(s), "{\"a\":1}\n{\"a\":2}\n");
	syslog_sink_service(s);
	double t0 = now_s();
	struct syslog_counts n;
	syslog_sink_close(s, 300, &n);
	ok(now_s() - t0 < 1.5, "closing with the peer down is bounded");
	ok(n.events == 2 && n.sent == 0 && n.dropped == 2,
	   "peer down: both events counted as dropped");
}

/* Services the sink until k events are sent (a loopback connect may
 * still be in progress at the first try, a reconnection waits for its
 * backoff), for at most three seconds. */
static void wait_sent(struct syslog_sink *s, uint64_t k)
{
	struct syslog_counts n;
	double end = now_s() + 3.0;

	do {
		syslog_sink_service(s);
		syslog_sink_counts(s, &n);
	} while (n.sent < k && now_s() < end && usleep(1000) == 0);
}

static void tcp_reconnect(void)
{
	char port[8];
	int lfd = bound_socket(SOCK_STREAM, port);

	listen(lfd, 4);
	struct syslog_sink *s = open_to(true, port, "?facility=local7");
	if (!ok(lfd >= 0 && s, "TCP sink for a reconnection"))
		return;
	FILE *f = syslog_sink_stream(s);
	fprintf(f, "{\"n\":1}\n");
	wait_sent(s, 1);
	int c1 = accept_within(lfd);
	syslog_sink_reconnect(s);  /* what SIGHUP does in watch */
	fprintf(f, "{\"n\":2}\n");
	wait_sent(s, 2);
	int c2 = accept_within(lfd);
	struct syslog_counts n;
	syslog_sink_close(s, 1000, &n);
	char a[512] = "", b[512] = "";
	ssize_t la = recv_within(c1, a, sizeof(a) - 1);
	ssize_t lb = recv_within(c2, b, sizeof(b) - 1);
	a[la > 0 ? la : 0] = '\0';
	b[lb > 0 ? lb : 0] = '\0';
	ok(strstr(a, "<190>1 ") && strstr(a, "{\"n\":1}") && !strstr(a, "\"n\":2"),
	   "the first event went on the first connection (local7 + info = <190>)");
	ok(strstr(b, "{\"n\":2}") != NULL, "after reconnecting, the next one on a new connection");
	is_int(n.sent, 2, "both counted as sent");
	if (c1 >= 0)
		close(c1);
	if (c2 >= 0)
		close(c2);
	close(lfd);
}

/* A collector that restarts closes the connection: the next event is not
 * sent into it (where it would be lost) but waits, and goes on the next
 * connection once the backoff allows. */
static void tcp_peer_closed(void)
{
	char port[8];
	int lfd = bound_socket(SOCK_STREAM, port);

	listen(lfd, 4);
	struct syslog_sink *s = open_to(true, port, "");
	if (!ok(lfd >= 0 && s, "TCP sink for a collector that closes the connection"))
		return;
	FILE *f = syslog_sink_stream(s);
	fprintf(f, "{\"n\":1}\n");
	wait_sent(s, 1);
	int c1 = accept_within(lfd);
	char a[512] = "";
	ssize_t la = recv_within(c1, a, sizeof(a) - 1);
	if (c1 >= 0)
		close(c1);  /* the collector goes away */
	usleep(50000);
	fprintf(f, "{\"n\":2}\n");
	wait_sent(s, 2);
	int c2 = accept_within(lfd);
	struct syslog_counts n;
	syslog_sink_close(s, 1000, &n);
	char b[512] = "";
	ssize_t lb = recv_within(c2, b, sizeof(b) - 1);
	b[lb > 0 ? lb : 0] = '\0';
	ok(la > 0 && strstr(b, "{\"n\":2}") != NULL,
	   "the event after the collector closed arrives on a new connection");
	ok(n.sent == 2 && n.dropped == 0, "both sent, none dropped");
	if (c2 >= 0)
		close(c2);
	close(lfd);
}

int main(void)
{
	parse_cases();
	udp_cases();
	tcp_slow_peer();
	tcp_peer_down();
	tcp_reconnect();
	tcp_peer_closed();
	return done_testing();
}
