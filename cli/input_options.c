/* input_options.c - options shared by the commands that read packets. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/safe_text.h"
#include "pipeline_threads.h"

/* Messages quote arguments, file names and what libraries say of them:
 * made safe for the terminal as a whole (common/safe_text.h). */
void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("flowaudit: ", stderr);
	va_start(ap, fmt);
	text_vprintf_safe(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *plural_s(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

void input_options_init(struct input_options *in)
{
	memset(in, 0, sizeof(*in));
	capture_options_default(&in->capture);
}

void input_options_free(struct input_options *in)
{
	free(in->files);
	in->files = NULL;
	in->nfiles = 0;
}

bool input_add_file(struct input_options *in, const char *path)
{
	const char **f = realloc(in->files, (in->nfiles + 1) * sizeof(*f));
	if (!f)
		return false;
	f[in->nfiles++] = path;
	in->files = f;
	return true;
}

static bool parse_uint(const char *s, unsigned long long max,
		       unsigned long long *out)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_duration(const char *s, uint64_t *us)
{
	char *end;

	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v <= 0)
		return false;
	double scale = 1;
	if (*end == 's' || *end == '\0')
		scale = 1;
	else if (*end == 'm')
		scale = 60;
	else if (*end == 'h')
		scale = 3600;
	else if (*end == 'd')
		scale = 86400;
	else
		return false;
	if (*end && end[1])
		return false;
	double total = v * scale;
	if (total > 366.0 * 86400)
		return false;
	*us = (uint64_t)(total * 1e6);
	return true;
}

/* "vlan", "tunnel", "vlan,tunnel" or "none". */
static bool parse_flow_key(const char *arg, struct flow_table_config *c)
{
	char buf[64];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", arg);
	c->key_vlan = c->key_tunnel_id = false;
	for (char *item = strtok_r(buf, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		if (strcmp(item, "vlan") == 0)
			c->key_vlan = true;
		else if (strcmp(item, "tunnel") == 0)
			c->key_tunnel_id = true;
		else if (strcmp(item, "none") != 0) {
			cli_error("--flow-key: unknown item \"%s\" (vlan, tunnel, none)",
				  item);
			return false;
		}
	}
	return true;
}

int input_option(struct input_options *in, int opt, const char *arg)
{
	struct capture_options *c = &in->capture;
	unsigned long long v;
	char err[256];

	switch (opt) {
	case OPT_READ:
		return input_add_file(in, arg) ? 1 : -1;
	case OPT_INTERFACE:
		in->iface = arg;
		return 1;
	case OPT_QUIET:
		c->quiet = true;
		return 1;
	case OPT_BPF:
		c->bpf = arg;
		return 1;
	case OPT_MAX_FLOWS:
		if (!parse_uint(arg, 1u << 30, &v) || v < 16) {
			cli_error("--max-flows wants a number from 16 to %u, not \"%s\"",
				  1u << 30, arg);
			return -1;
		}
		c->flows.max_flows = (uint32_t)v;
		return 1;
	case OPT_TIMEOUT:
		if (!capture_parse_timeouts(arg, &c->flows, err, sizeof(err))) {
			cli_error("--timeout: %s", err);
			return -1;
		}
		return 1;
	case OPT_VALIDATE_CHECKSUMS:
		c->decode.validate_checksums = true;
		return 1;
	case OPT_SNAPLEN:
		if (!parse_uint(arg, 262144, &v) || v < 64) {
			cli_error("--snaplen wants 64 to 262144, not \"%s\"", arg);
			return -1;
		}
		c->snaplen = (int)v;
		return 1;
	case OPT_NO_PROMISC:
		c->promisc = false;
		return 1;
	case OPT_BUFFER_SIZE:
		if (!parse_uint(arg, 4096, &v) || v < 1) {
			cli_error("--buffer-size wants MiB from 1 to 4096, not \"%s\"", arg);
			return -1;
		}
		c->buffer_mb = (int)v;
		return 1;
	case OPT_DURATION:
		if (!parse_duration(arg, &c->duration_us)) {
			cli_error("--duration wants a time like 30s, 15m or 2h, not \"%s\"", arg);
			return -1;
		}
		return 1;
	case OPT_NO_DPI:
		in->no_dpi = true;
		return 1;
	case OPT_GEOIP:
		in->geoip_path = arg;
		return 1;
	case OPT_ASN:
		in->asn_path = arg;
		return 1;
	case OPT_FLOW_KEY:
		return parse_flow_key(arg, &c->flows) ? 1 : -1;
	case OPT_USER:
		c->drop_privileges = true;
		c->user = arg;
		return 1;
	case OPT_IMMEDIATE:
		c->immediate = true;
		return 1;
	case OPT_THREADS:
		if (!parse_uint(arg, SHARD_WORKERS_MAX, &v) || v < 1) {
			cli_error("--threads wants 1 to %d, not \"%s\"",
				  SHARD_WORKERS_MAX, arg);
			return -1;
		}
		in->threads = (unsigned)v;
		return 1;
	default:
		return 0;
	}
}

bool input_options_check(const struct input_options *in, const char *cmd)
{
	if (in->nfiles == 0 && !in->iface) {
		cli_error("%s: nothing to read: give capture files (or -r FILE, "
			  "-r - for standard input) or -i INTERFACE", cmd);
		return false;
	}
	if (in->nfiles && in->iface) {
		cli_error("%s: read either files or an interface, not both", cmd);
		return false;
	}
	return true;
}

void input_options_apply(const struct input_options *in, struct capture *cap)
{
	for (unsigned i = 0; i < in->nfiles; i++)
		capture_add_file(cap, in->files[i]);
	if (in->iface)
		capture_add_interface(cap, in->iface);
}

const char *input_options_help(void)
{
	return
	"Input:\n"
	"  FILE...                  pcap or pcapng captures, read in order\n"
	"  -r, --read FILE          same; \"-\" reads a capture from standard input\n"
	"  -i, --interface IFACE    capture live from an interface\n"
	"      --bpf FILTER         libpcap filter expression (tcpdump syntax)\n"
	"      --snaplen N          live: bytes kept per packet (default 262144)\n"
	"      --no-promisc         live: do not put the interface in promiscuous mode\n"
	"      --buffer-size MiB    live: kernel buffer size (default 32)\n"
	"      --immediate          live: deliver each packet at once (no batching)\n"
	"      --duration TIME      live: stop after TIME (30s, 15m, 2h)\n"
	"      --user USER          live: once the interface is open, become USER\n"
	"                           (when root) and drop every capability\n"
	"Flows:\n"
	"      --max-flows N        flows kept in memory at once (default 1000000);\n"
	"                           when full the longest-idle flow is finished early\n"
	"                           and counted as evicted\n"
	"      --timeout SPEC       idle timeouts in seconds, e.g. tcp=300,udp=60;\n"
	"                           classes: tcp tcp-attempt tcp-closed udp icmp other\n"
	"                           (defaults 300, 60, 5, 60, 60, 60)\n"
	"      --flow-key ITEMS     what tells flows apart besides the 5-tuple:\n"
	"                           vlan (default), tunnel (VNI/GRE key), both\n"
	"                           (vlan,tunnel) or none\n"
	"      --validate-checksums drop bad IPv4 headers and mark bad TCP/UDP\n"
	"                           checksums (history C/c) as Zeek does; off by\n"
	"                           default since captures from a sending host carry\n"
	"                           offloaded (unset) checksums\n"
	"Classification:\n"
	"      --no-dpi             track flows only, skip application detection\n"
	"      --geoip MMDB         MaxMind country database (GeoLite2-Country format)\n"
	"      --asn MMDB           MaxMind ASN database (GeoLite2-ASN format)\n"
	"      --threads N          1 to 64: 1, everything on one thread; N > 1,\n"
	"                           reading on one, flows sharded by address pair\n"
	"                           over N workers (same findings, flows in another\n"
	"                           order); default $FLOWAUDIT_THREADS, else the\n"
	"                           usable CPUs (at most 8) for audit and 1 for\n"
	"                           the other commands\n"
	"  -q, --quiet              no warnings or summary on standard error\n";
}
