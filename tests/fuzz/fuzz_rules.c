/* fuzz_rules.c - matrix and site files. The first byte says which the
 * input is; the other file is the shipped one. Diagnostics are formatted
 * (to /dev/null) as they would be for a user. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rules/rules.h"

#ifndef FUZZ_SRCDIR
#error FUZZ_SRCDIR must name the source tree
#endif

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct diag d = { 0 };

	if (size < 1)
		return 0;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	d.out = devnull;
	int fd = memfd_create("fuzz-rules", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	bool as_matrix = data[0] & 1;
	struct ruleset *rs = as_matrix
		? ruleset_load(path, FUZZ_SRCDIR "/tests/e2e/sites/separate.json", &d)
		: ruleset_load(FUZZ_SRCDIR "/rules/speechexec-enterprise.json", path, &d);
	if (rs) {
		char filter[8192];
		ruleset_capture_filter(rs, filter, sizeof(filter));
		ruleset_print(rs, devnull);
	}
	ruleset_free(rs);
	close(fd);
	return 0;
}
