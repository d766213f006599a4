/* capture.c - sources (files, stdin, live interface) feeding decoder and
 * flow table (see capture.h). */
#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "common/safe_text.h"
#include "capture.h"
#include "flow_table.h"
#include "pcap_file.h"
#include "privdrop.h"

#define TICK_US 1000000ull
/* A frame this much older than the latest is a clock set back, not a
 * frame late (clock_steps_back): NTP steps a clock by more than 0.128 s,
 * and frames of one link are never a minute out of order. */
#define CLOCK_STEP_BACK_US (60ull * 1000000)

struct capture {
	struct capture_options opt;
	struct capture_consumer consumer;
	struct decoder *dec;
	struct flow_table *flows;        /* NULL in a reader */
	struct capture_router router;    /* a reader's; .packet NULL otherwise */
	struct flow_table_stats routed_stats;  /* a reader's workers', summed */

	struct capture_input *inputs;
	unsigned ninputs;
	unsigned inputs_cap;

	volatile sig_atomic_t stop;
	bool fatal;              /* privileges could not be dropped */
	bool dropped;            /* privileges are dropped */
	char *bpf;               /* owned copy of the filter in force */
	pcap_t *volatile active;
	struct capture_input *active_in;
	/* A file read by pcap_file.h rather than libpcap, with its filter,
	 * compiled for the file's link type on a handle of libpcap's made
	 * for that (file_dead). */
	struct pcap_file *active_file;
	pcap_t *file_dead;
	struct bpf_program file_prog;
	bool file_filtered;

	uint64_t now_us;         /* latest packet time seen */
	uint64_t next_tick_us;
	/* Progress reports: wall-clock start, and the next report time. */
	uint64_t run_started_us, next_progress_us;
	uint64_t frames_read;
	char *read_buffer;       /* the open file's stdio buffer, or NULL */
	struct packet out[DECODE_MAX_OUT];
};

void capture_options_default(struct capture_options *o)
{
	memset(o, 0, sizeof(*o));
	decoder_options_default(&o->decode);
	flow_table_config_default(&o->flows);
	o->snaplen = 262144;
	o->promisc = true;
	o->buffer_mb = 32;
	o->timeout_ms = 100;
	o->immediate = false;
}

static void on_flow_end(void *ctx, const struct flow_record *r, uint32_t slot)
{
	struct capture *cap = ctx;
	if (cap->consumer.flow_end)
		cap->consumer.flow_end(cap->consumer.ctx, r, slot);
}

static void on_flow_ending(void *ctx, uint32_t slot)
{
	struct capture *cap = ctx;
	cap->consumer.flow_ending(cap->consumer.ctx, slot);
}

static struct capture *capture_make(const struct capture_options *o,
				     const struct capture_consumer *c,
				     const struct capture_router *r)
{
	struct capture *cap = calloc(1, sizeof(*cap));
	if (!cap)
		return NULL;
	cap->opt = *o;
	if (c)
		cap->consumer = *c;
	if (r)
		cap->router = *r;
	cap->dec = decoder_new(&o->decode);
	if (!r)
		cap->flows = flow_table_new(&o->flows, on_flow_end, cap);
	if (cap->flows && c && c->flow_ending)
		flow_table_on_ending(cap->flows, on_flow_ending);
	cap->opt.flows.server_ports = NULL;  /* the table keeps its own copy */
	if (!cap->dec || (!r && !cap->flows)) {
		capture_free(cap);
		return NULL;
	}
	return cap;
}

struct capture *capture_new(const struct capture_options *o,
			    const struct capture_consumer *c)
{
	return capture_make(o, c, NULL);
}

struct capture *capture_new_reader(const struct capture_options *o,
				   const struct capture_consumer *c,
				   const struct capture_router *r)
{
	return r && r->packet ? capture_make(o, c, r) : NULL;
}

void capture_set_flow_stats(struct capture *reader,
			    const struct flow_table_stats *s)
{
	reader->routed_stats = *s;
}

static bool is_reader(const struct capture *cap)
{
	return cap->router.packet != NULL;
}

void capture_release_flow_memory(struct capture *cap)
{
	if (cap->flows)
		flow_table_release_memory(cap->flows);
}

void capture_free(struct capture *cap)
{
	if (!cap)
		return;
	decoder_free(cap->dec);
	flow_table_free(cap->flows);
	free(cap->inputs);
	free(cap->bpf);
	free(cap->read_buffer);
	free(cap);
}

static struct capture_input *add_input(struct capture *cap, const char *name,
				       bool live)
{
	if (cap->ninputs == cap->inputs_cap) {
		unsigned n = cap->inputs_cap ? cap->inputs_cap * 2 : 4;
		struct capture_input *in = realloc(cap->inputs, n * sizeof(*in));
		if (!in)
			return NULL;
		cap->inputs = in;
		cap->inputs_cap = n;
	}
	struct capture_input *in = &cap->inputs[cap->ninputs++];
	memset(in, 0, sizeof(*in));
	snprintf(in->name, sizeof(in->name), "%s", name);
	in->live = live;
	return in;
}

void capture_add_file(struct capture *cap, const char *path)
{
	add_input(cap, path, false);
}

void capture_add_interface(struct capture *cap, const char *iface)
{
	add_input(cap, iface, true);
}

void capture_stop(struct capture *cap)
{
	cap->stop = 1;
	pcap_t *p = cap->active;
	if (p)
		pcap_breakloop(p);
}

/* An input not read whole is said even under -q: quiet ends the chatter,
 * never the reason a run read less than it was given. */
static void say_input_error(const struct capture_input *in)
{
	if (in->error[0]) {
		/* The file's name and libpcap's words about it, made safe. */
		text_printf_safe(stderr, "flowaudit: %s: %s",
				 strcmp(in->name, "-") ? in->name : "(standard input)",
				 in->error);
		fputc('\n', stderr);
	}
}

static void deliver(struct capture *cap, const struct packet *p)
{
	struct flow_update u;

	if (is_reader(cap)) {
		cap->router.packet(cap->router.ctx, p, true);
		return;
	}
	if (!flow_table_packet(cap->flows, p, &u))
		return;
	if (u.want_packets && cap->consumer.packet &&
	    !cap->consumer.packet(cap->consumer.ctx, &u, p))
		flow_table_stop_packets(cap->flows, u.slot);
}

/* Fragment trains given up still bring their first bytes to the flow. */
static void expire_fragments(struct capture *cap, uint64_t now)
{
	struct packet p;
	struct flow_update u;

	while (decoder_expire(cap->dec, now, &p)) {
		if (is_reader(cap))
			cap->router.packet(cap->router.ctx, &p, false);
		else
			flow_table_packet(cap->flows, &p, &u);
	}
}

/* Every open flow ends, here or on the workers. */
static void finish_flows(struct capture *cap)
{
	if (is_reader(cap))
		cap->router.finish(cap->router.ctx);
	else
		flow_table_finish(cap->flows);
}

/* Advances packet time: gives up stale fragments and ends idle flows. */
static void tick(struct capture *cap, uint64_t now)
{
	expire_fragments(cap, now);
	if (is_reader(cap))
		cap->router.tick(cap->router.ctx, now);
	else
		flow_table_expire(cap->flows, now);
	if (cap->consumer.tick)
		cap->consumer.tick(cap->consumer.ctx, now);
}

void capture_feed_packet(struct capture *cap, const struct packet *p,
			 bool to_consumer)
{
	struct flow_update u;

	if (to_consumer)
		deliver(cap, p);
	else
		flow_table_packet(cap->flows, p, &u);
}

void capture_feed_expire(struct capture *cap, uint64_t now_us)
{
	flow_table_expire(cap->flows, now_us);
}

void capture_feed_finish(struct capture *cap)
{
	flow_table_finish(cap->flows);
}

void capture_feed_icmp_evidence(struct capture *cap, const struct packet *p)
{
	flow_table_icmp_evidence(cap->flows, p);
}

/* Packet time never runs backwards for timers, whatever the file says: a
 * frame from the past is accounted at the latest time. Unless the clock
 * was set back (clock_steps_back): then waiting for the old time to come
 * round again would stop every timer and window for as long as the step,
 * so open flows end where they are and time restarts at the frame's, with
 * a tick at once. */
static void advance_time(struct capture *cap, uint64_t ts)
{
	if (ts > cap->now_us) {
		cap->now_us = ts;
	} else if (cap->opt.clock_steps_back && cap->now_us - ts > CLOCK_STEP_BACK_US) {
		finish_flows(cap);
		cap->now_us = ts;
		cap->next_tick_us = ts;
	}
}

/* libpcap's largest snapshot length: no frame a capture can hold is longer
 * on the wire (a mirror port sees frames of at most a jumbo frame's size). */
#define WIRE_LEN_MAX 262144u

/* A frame's length on the wire as its record states it, unless the record
 * is corrupt: shorter than what it holds, or longer than any frame. A
 * cut-short or damaged file must not claim 524501 bytes from 239; such a
 * frame counts what was captured of it. */
static uint32_t frame_wire_len(const struct pcap_pkthdr *h)
{
	if (h->len < h->caplen || h->len > WIRE_LEN_MAX)
		return h->caplen;
	return h->len;
}

static void process_frame(struct capture *cap, struct capture_input *in,
			  int linktype, const struct pcap_pkthdr *h,
			  const uint8_t *data)
{
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000ull +
		      (uint64_t)h->ts.tv_usec;
	uint32_t wire_len = frame_wire_len(h);
	int n = 0;

	/* The tick this frame brings comes before the frame is counted, as
	 * before it is decoded: a tick sees the input's figures and the flows
	 * agree, both without it (watch closes a window there, and this
	 * frame belongs to the next). */
	advance_time(cap, ts);
	if (cap->now_us >= cap->next_tick_us) {
		tick(cap, cap->now_us);
		cap->next_tick_us = cap->now_us + TICK_US;
	}
	in->packets++;
	in->bytes += wire_len;
	if (!in->first_us || ts < in->first_us)
		in->first_us = ts;
	if (ts > in->last_us)
		in->last_us = ts;

	if (decode_frame(cap->dec, linktype, data, h->caplen, wire_len, ts,
			 in->packets, cap->out, &n) != DECODE_OK)
		return;
	for (int i = 0; i < n; i++)
		deliver(cap, &cap->out[i]);
}

/* bpf compiled for p's link type and snapshot length; one message for a
 * bad filter, whoever runs the program. */
static bool compile_filter(pcap_t *p, const char *bpf, struct bpf_program *prog,
			   char *err, size_t errlen)
{
	if (pcap_compile(p, prog, bpf, 1, PCAP_NETMASK_UNKNOWN) == 0)
		return true;
	snprintf(err, errlen, "bad filter \"%s\": %s", bpf, pcap_geterr(p));
	return false;
}

static bool set_filter(pcap_t *p, const char *bpf, char *err, size_t errlen)
{
	struct bpf_program prog;

	if (!compile_filter(p, bpf, &prog, err, errlen))
		return false;
	int rc = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (rc < 0) {
		snprintf(err, errlen, "cannot set filter: %s", pcap_geterr(p));
		return false;
	}
	return true;
}

/* The filter an input starts with: the last one set, else the option's. */
static const char *filter_in_force(const struct capture *cap)
{
	return cap->bpf ? cap->bpf : cap->opt.bpf;
}

static bool apply_filter(const struct capture *cap, pcap_t *p,
			 struct capture_input *in)
{
	const char *bpf = filter_in_force(cap);
	return !bpf || set_filter(p, bpf, in->error, sizeof(in->error));
}

/* The filter for a file pcap_file.h reads, replacing any it had: the
 * program libpcap's pcap_next_ex would run, run by read_claimed_packets. */
static bool set_file_filter(struct capture *cap, const char *bpf, char *err,
			    size_t errlen)
{
	struct bpf_program prog;

	if (!compile_filter(cap->file_dead, bpf, &prog, err, errlen))
		return false;
	if (cap->file_filtered)
		pcap_freecode(&cap->file_prog);
	cap->file_prog = prog;
	cap->file_filtered = true;
	return true;
}

bool capture_set_filter(struct capture *cap, const char *bpf, char *err,
			size_t errlen)
{
	pcap_t *p = cap->active;
	if (p && !set_filter(p, bpf, err, errlen))
		return false;
	if (cap->active_file && !set_file_filter(cap, bpf, err, errlen))
		return false;
	char *copy = strdup(bpf);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	free(cap->bpf);
	cap->bpf = copy;
	return true;
}

/* Opening the interface was the last thing privileges were for. */
static bool drop_privileges(struct capture *cap, struct capture_input *in)
{
	if (!cap->opt.drop_privileges || cap->dropped)
		return true;
	if (!privileges_drop(cap->opt.user, in->error, sizeof(in->error))) {
		cap->fatal = true;
		cap->stop = 1;
		return false;
	}
	cap->dropped = true;
	return true;
}

/* The record after in's last packet could not be read, for why; off is
 * where the reading stopped in the file, -1 if unknown. */
static void read_error(struct capture_input *in, const char *why, long long off)
{
	char where[64] = "";

	if (off >= 0)
		snprintf(where, sizeof(where), " (stopped at byte offset %lld)", off);
	snprintf(in->error, sizeof(in->error),
		 "packet %llu: %s%s; the %llu packet%s before it %s used",
		 (unsigned long long)in->packets + 1, why, where,
		 (unsigned long long)in->packets, in->packets == 1 ? "" : "s",
		 in->packets == 1 ? "was" : "were");
}

static long long libpcap_offset(const struct capture_input *in, pcap_t *p)
{
	FILE *f = in->live ? NULL : pcap_file(p);
	return f ? ftell(f) : -1;
}

static uint64_t wall_clock_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000ull + (uint64_t)tv.tv_usec;
}

/* libpcap's own read timeout may never fire on an idle Linux interface,
 * so live sources are non-blocking and waited on with poll. */
static void wait_readable(pcap_t *p, int timeout_ms)
{
	int fd = pcap_get_selectable_fd(p);
	if (fd < 0)
		return;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	poll(&pfd, 1, timeout_ms > 0 ? timeout_ms : 100);
}

#define PROGRESS_EVERY_US 500000
/* Looking at the clock costs a system call at worst: only every so many
 * frames. */
#define PROGRESS_CHECK_MASK 0x3fff

/* offset: how far into the input, -1 if it is not a file. */
static void report_progress(struct capture *cap, const struct capture_input *in,
			    long long offset, uint64_t size)
{
	uint64_t now = wall_clock_us();
	if (now < cap->next_progress_us)
		return;
	cap->next_progress_us = now + PROGRESS_EVERY_US;
	struct capture_progress pr = {
		.input = in->name,
		.bytes_done = offset > 0 ? (uint64_t)offset : 0,
		.bytes_total = size,
		.packets = cap->frames_read,
		.active_flows = capture_flow_stats(cap)->active,
		.elapsed_us = now - cap->run_started_us,
	};
	cap->consumer.progress(cap->consumer.ctx, &pr);
}

static uint64_t input_size(const struct capture_input *in, pcap_t *p)
{
	struct stat st;
	FILE *file = in->live ? NULL : pcap_file(p);

	if (!file || fstat(fileno(file), &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	return (uint64_t)st.st_size;
}

static void read_packets(struct capture *cap, struct capture_input *in,
			 pcap_t *p)
{
	int linktype = pcap_datalink(p);
	uint64_t started = wall_clock_us();
	uint64_t size = cap->consumer.progress ? input_size(in, p) : 0;

	cap->active = p;
	cap->active_in = in;
	while (!cap->stop) {
		struct pcap_pkthdr *h;
		const u_char *data;
		int rc = pcap_next_ex(p, &h, &data);

		if (rc == 1) {
			process_frame(cap, in, linktype, h, data);
			if (cap->consumer.progress &&
			    (++cap->frames_read & PROGRESS_CHECK_MASK) == 0)
				report_progress(cap, in, libpcap_offset(in, p), size);
		} else if (rc == 0) {
			/* No packet ready: wait a little, and let time pass
			 * (flows expire on a quiet link too). */
			wait_readable(p, cap->opt.timeout_ms);
			uint64_t before = cap->now_us;
			advance_time(cap, wall_clock_us());
			if (cap->now_us != before)
				tick(cap, cap->now_us);
		} else if (rc == PCAP_ERROR_BREAK) {
			break;
		} else if (rc == PCAP_ERROR) {
			read_error(in, pcap_geterr(p), libpcap_offset(in, p));
			break;
		} else {
			break;  /* end of file */
		}
		if (in->live && cap->opt.duration_us &&
		    wall_clock_us() - started >= cap->opt.duration_us)
			break;
	}
	cap->active = NULL;
	cap->active_in = NULL;
}

static void record_live_stats(pcap_t *p, struct capture_input *in)
{
	struct pcap_stat st;

	if (pcap_stats(p, &st) == 0) {
		in->kernel_drops = st.ps_drop;
		in->interface_drops = st.ps_ifdrop;
	}
}

static pcap_t *open_live(const struct capture *cap, struct capture_input *in)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(in->name, errbuf);

	if (!p) {
		snprintf(in->error, sizeof(in->error), "%s", errbuf);
		return NULL;
	}
	pcap_set_snaplen(p, cap->opt.snaplen);
	pcap_set_promisc(p, cap->opt.promisc);
	pcap_set_timeout(p, cap->opt.timeout_ms);
	pcap_set_buffer_size(p, cap->opt.buffer_mb * 1024 * 1024);
	if (cap->opt.immediate)
		pcap_set_immediate_mode(p, 1);
	int rc = pcap_activate(p);
	if (rc < 0) {
		snprintf(in->error, sizeof(in->error), "cannot capture: %s",
			 rc == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(rc));
		pcap_close(p);
		return NULL;
	}
	if (pcap_setnonblock(p, 1, errbuf) < 0) {
		snprintf(in->error, sizeof(in->error), "%s", errbuf);
		pcap_close(p);
		return NULL;
	}
	return p;
}

/* libpcap starts its message about a file it cannot open with the file's
 * name ("/x.pcap: No such file or directory"); ours names it already. */
static const char *without_name(const char *msg, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(msg, name, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
		return msg + n + 2;
	return msg;
}

/* libpcap reads a file through stdio's default buffer, one 4 KiB read(2)
 * per buffer: a quarter of a million system calls per GiB. Opened here,
 * the stream reads through a larger buffer (glibc sizes a buffer it
 * allocates itself by the file, so it is given one). Inputs are read one
 * at a time, so one buffer of the capture's serves every file; the FILE
 * is libpcap's once opened (pcap_close closes it, before the next input).
 * Standard input outlives any capture: its buffer lives as long, and is
 * set only before its first read, as setvbuf requires. */
#define FILE_READ_BUFFER (1u << 16)

static FILE *open_stdin(void)
{
	static char buffer[FILE_READ_BUFFER];
	static bool buffered;

	if (!buffered)
		(void)setvbuf(stdin, buffer, _IOFBF, sizeof(buffer));
	buffered = true;
	return stdin;
}

static FILE *open_stream(struct capture *cap, const char *name)
{
	if (strcmp(name, "-") == 0)
		return open_stdin();

	FILE *f = fopen(name, "rb");
	if (!f)
		return NULL;
	if (!cap->read_buffer)
		cap->read_buffer = malloc(FILE_READ_BUFFER);
	if (cap->read_buffer)
		(void)setvbuf(f, cap->read_buffer, _IOFBF, FILE_READ_BUFFER);
	return f;
}

static pcap_t *open_file(struct capture *cap, struct capture_input *in)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	FILE *f = open_stream(cap, in->name);

	if (!f) {
		snprintf(in->error, sizeof(in->error), "%s", strerror(errno));
		return NULL;
	}
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(
		f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);

	if (!p) {
		if (f != stdin)
			fclose(f);
		if (strstr(errbuf, "unknown file format") ||
		    strstr(errbuf, "bad dump file format"))
			snprintf(in->error, sizeof(in->error),
				 "not a pcap or pcapng capture (%s)", errbuf);
		else if (strstr(errbuf, "truncated"))
			snprintf(in->error, sizeof(in->error),
				 "the capture header is cut short (%s)", errbuf);
		else
			snprintf(in->error, sizeof(in->error), "%s", without_name(errbuf, in->name));
	}
	return p;
}

/* Every record of a file pcap_file.h claimed, through the filter in
 * force, as read_packets reads a file through libpcap. */
static void read_claimed_packets(struct capture *cap, struct capture_input *in,
				 struct pcap_file *pf)
{
	int linktype = pcap_file_datalink(pf);
	uint64_t size = pcap_file_size(pf);

	cap->active_file = pf;
	cap->active_in = in;
	while (!cap->stop) {
		struct pcap_pkthdr h;
		const uint8_t *data;
		int rc = pcap_file_next(pf, &h, &data);

		if (rc < 0)
			read_error(in, pcap_file_error(pf), (long long)pcap_file_offset(pf));
		if (rc <= 0)
			break;
		if (cap->file_filtered && !pcap_offline_filter(&cap->file_prog, &h, data))
			continue;
		process_frame(cap, in, linktype, &h, data);
		if (cap->consumer.progress &&
		    (++cap->frames_read & PROGRESS_CHECK_MASK) == 0)
			report_progress(cap, in, (long long)pcap_file_offset(pf), size);
	}
	cap->active_file = NULL;
	cap->active_in = NULL;
}

/* A file pcap_file.h claimed: every link type it claims is one the
 * decoder reads. */
static void read_claimed_file(struct capture *cap, struct capture_input *in,
			      struct pcap_file *pf)
{
	const char *bpf = filter_in_force(cap);

	in->opened = true;
	in->linktype = pcap_file_datalink(pf);
	cap->file_dead = pcap_open_dead_with_tstamp_precision(
		in->linktype, pcap_file_snapshot(pf), PCAP_TSTAMP_PRECISION_MICRO);
	if (!cap->file_dead)
		snprintf(in->error, sizeof(in->error), "out of memory");
	else if (!bpf || set_file_filter(cap, bpf, in->error, sizeof(in->error)))
		read_claimed_packets(cap, in, pf);
	say_input_error(in);
	if (cap->file_filtered)
		pcap_freecode(&cap->file_prog);
	cap->file_filtered = false;
	if (cap->file_dead)
		pcap_close(cap->file_dead);
	cap->file_dead = NULL;
	pcap_file_close(pf);
}

static void read_input(struct capture *cap, struct capture_input *in)
{
	if (!in->live && strcmp(in->name, "-") != 0) {
		struct pcap_file *pf = pcap_file_open(in->name);
		if (pf) {
			read_claimed_file(cap, in, pf);
			return;
		}
	}
	pcap_t *p = in->live ? open_live(cap, in) : open_file(cap, in);

	if (!p) {
		say_input_error(in);
		return;
	}
	in->opened = true;
	in->linktype = pcap_datalink(p);
	if (!decoder_supports_linktype(in->linktype)) {
		snprintf(in->error, sizeof(in->error),
			 "link type %d (%s) is not supported", in->linktype,
			 decoder_linktype_name(in->linktype));
	} else if (apply_filter(cap, p, in) && (!in->live || drop_privileges(cap, in))) {
		if (in->live && !cap->opt.quiet) {
			text_printf_safe(stderr, "flowaudit: listening on %s, link type %s, "
					 "snapshot length %d bytes%s", in->name,
					 decoder_linktype_name(in->linktype), pcap_snapshot(p),
					 cap->dropped ? ", privileges dropped" : "");
			fputc('\n', stderr);
		}
		read_packets(cap, in, p);
		if (in->live)
			record_live_stats(p, in);
	}
	say_input_error(in);
	pcap_close(p);
}

int capture_run(struct capture *cap)
{
	uint64_t packets = 0;
	bool failed = false;

	cap->run_started_us = wall_clock_us();
	cap->next_progress_us = cap->run_started_us + PROGRESS_EVERY_US;
	for (unsigned i = 0; i < cap->ninputs && !cap->stop; i++) {
		read_input(cap, &cap->inputs[i]);
		packets += cap->inputs[i].packets;
		failed |= cap->inputs[i].error[0] != '\0';
	}
	/* The end of input: pending fragments, then every open flow in the
	 * order it began. */
	expire_fragments(cap, UINT64_MAX);
	finish_flows(cap);
	return (packets == 0 && failed) || cap->fatal ? 2 : 0;
}

bool capture_failed_fatally(const struct capture *cap)
{
	return cap->fatal;
}

void capture_each_active_flow(const struct capture *cap,
			      void (*fn)(void *ctx, const struct flow_record *r,
					 uint32_t slot),
			      void *ctx)
{
	if (cap->flows)
		flow_table_each_active(cap->flows, fn, ctx);
}

void capture_refresh_stats(struct capture *cap)
{
	if (cap->active && cap->active_in && cap->active_in->live)
		record_live_stats(cap->active, cap->active_in);
}

unsigned capture_input_count(const struct capture *cap)
{
	return cap->ninputs;
}

const struct capture_input *capture_input(const struct capture *cap, unsigned i)
{
	return i < cap->ninputs ? &cap->inputs[i] : NULL;
}

const struct decode_stats *capture_decode_stats(const struct capture *cap)
{
	return decoder_stats(cap->dec);
}

const struct flow_table_stats *capture_flow_stats(const struct capture *cap)
{
	return cap->flows ? flow_table_stats(cap->flows) : &cap->routed_stats;
}

uint64_t capture_malformed_total(const struct capture *cap)
{
	const struct decode_stats *s = decoder_stats(cap->dec);
	uint64_t n = 0;

	for (int r = 0; r < DR_COUNT; r++)
		if (decode_reason_is_drop(r))
			n += s->reasons[r];
	return n;
}

static int timer_class_by_name(const char *name, size_t len)
{
	for (int c = 0; c < TIMER_CLASS_COUNT; c++) {
		const char *n = timer_class_name(c);
		if (strlen(n) == len && strncmp(n, name, len) == 0)
			return c;
	}
	return -1;
}

bool capture_parse_timeouts(const char *spec, struct flow_table_config *c,
			    char *err, size_t errlen)
{
	const char *p = spec;

	while (*p) {
		const char *eq = strchr(p, '=');
		const char *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		int cls = eq && eq < end ? timer_class_by_name(p, (size_t)(eq - p)) : -1;
		if (cls < 0) {
			snprintf(err, errlen,
				 "unknown timeout \"%.*s\" (known: tcp, tcp-attempt, "
				 "tcp-closed, udp, icmp, other)", (int)(end - p), p);
			return false;
		}
		char *num_end;
		errno = 0;
		double secs = strtod(eq + 1, &num_end);
		if (errno || num_end != end || secs <= 0 || secs > 31536000) {
			snprintf(err, errlen, "bad number of seconds in \"%.*s\"",
				 (int)(end - p), p);
			return false;
		}
		c->timeout_us[cls] = (uint64_t)(secs * 1e6);
		p = *end ? end + 1 : end;
	}
	return true;
}
