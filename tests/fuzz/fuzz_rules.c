/* fuzz_rules.c - what fuzz_matrix.c and fuzz_site.c share (each includes
 * this file; it is not a target by itself): the input written to a memory
 * file and loaded with ruleset_load (rules/rules.h) as the matrix or as the
 * site, the other being a shipped file. Diagnostics are formatted as for a
 * user, into /dev/null. A rule set that loads is then used as flowaudit
 * uses it: printed (`flowaudit check`), turned into a capture filter that
 * libpcap must accept (`flowaudit watch`), asked which roles addresses and
 * names hold, and given to the verdict engine, whose findings (every
 * required flow missing) are listed. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "audit/verdict.h"
#include "rules/rules.h"

#ifndef FUZZ_SRCDIR
#error FUZZ_SRCDIR must name the source tree (build.sh defines it)
#endif

static FILE *devnull;
static pcap_t *dead;

/* A memory file holding the input; its name goes to path. */
static int input_file(const uint8_t *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("fuzz-rules", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

static void use_ruleset(const struct ruleset *rs)
{
	static char filter[65536];  /* flowaudit watch's BPF_MAX */
	char buf[256];
	size_t touched = 0;

	ruleset_print(rs, devnull, 1700000000000000ull);
	if (ruleset_capture_filter(rs, filter, sizeof(filter))) {
		/* flowaudit watch hands this to libpcap: it must compile. */
		struct bpf_program prog;
		if (pcap_compile(dead, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			fprintf(stderr, "capture filter does not compile: %s\n%s\n",
				pcap_geterr(dead), filter);
			abort();
		}
		pcap_freecode(&prog);
	}
	touched += strlen(ruleset_site_name(rs)) + strlen(ruleset_matrix_name(rs));
	for (unsigned i = 0; i < ruleset_rule_count(rs); i++) {
		const struct rule *r = ruleset_rule(rs, i);
		for (unsigned s = 0; s < r->nservices; s++) {
			service_format(&r->services[s], buf, sizeof(buf));
			touched += strlen(buf);
		}
	}
	for (unsigned i = 0; i < ruleset_role_count(rs); i++) {
		const struct cidr *c;
		const char *const *names;
		unsigned n = ruleset_role_hosts(rs, i, &c);
		for (unsigned k = 0; k < n; k++)
			touched += ruleset_roles_of_addr(rs, c[k].ip_version, &c[k].addr) != 0;
		n = ruleset_role_names(rs, i, &names);
		for (unsigned k = 0; k < n; k++)
			touched += ruleset_roles_of_name(rs, names[k]) != 0;
	}
	touched += ruleset_roles_of_name(rs, "livebroker.speechexec.com") != 0;
	(void)touched;

	struct verdict *v = verdict_new(rs);
	if (!v)
		abort();
	struct findings f;
	if (verdict_findings(v, &f))
		findings_free(&f);
	verdict_free(v);
}

static int fuzz_rules(const uint8_t *data, size_t size, int as_matrix)
{
	/* A fuzzed matrix is bound by one of these shipped sites, picked by
	 * the input's size (so one input always meets the same site). */
	static const char *const sites[] = {
		FUZZ_SRCDIR "/tests/e2e/sites/separate.json",
		FUZZ_SRCDIR "/tests/e2e/sites/combined.json",
		FUZZ_SRCDIR "/tests/e2e/sites/ipv6.json",
	};
	char path[64];

	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	if (!dead && !(dead = pcap_open_dead(DLT_EN10MB, 65535)))
		abort();
	int fd = input_file(data, size, path, sizeof(path));
	struct diag d = { .out = devnull };
	struct ruleset *rs = as_matrix
		? ruleset_load(path, sites[size % (sizeof(sites) / sizeof(sites[0]))], &d)
		: ruleset_load(FUZZ_SRCDIR "/rules/speechexec-enterprise.json", path, &d);
	if (rs) {
		use_ruleset(rs);
		ruleset_free(rs);
	} else if (!d.errors) {
		abort();  /* refused without saying why */
	}
	close(fd);
	return 0;
}
