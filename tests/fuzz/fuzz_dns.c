/* fuzz_dns.c - DNS messages as they come off the wire: over UDP (one
 * message) and over TCP (length-prefixed, possibly several), and the CNAME
 * chain walk each parsed message feeds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify/dns_parse.h"

static void on_address(void *ctx, const struct dns_record *r, const char *chain)
{
	size_t *n = ctx;
	/* Touch what a caller reads, so a bad pointer shows. */
	*n += strlen(r->owner) + strlen(chain) + r->ip_version;
}

static void on_message(void *ctx, const struct dns_message *m)
{
	dns_answers_for_question(m, on_address, ctx);
	(void)dns_rcode_name(m->rcode);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_message *m = calloc(1, sizeof(*m));
	size_t touched = 0;

	if (!m)
		return 0;
	if (dns_parse(data, size, m))
		on_message(&touched, m);
	dns_parse_tcp(data, size, on_message, &touched, m);
	free(m);
	return 0;
}
