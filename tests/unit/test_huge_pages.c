/* test_huge_pages.c - huge_pages_advise marks the 2 MiB blocks inside a
 * range as eligible for transparent huge pages, and nothing outside it;
 * huge_pages_alloc gives zeroed, guarded arrays so advised.
 *
 * The kernel says what it made of the advice in /proc/self/smaps: the
 * mapping holding an advised block reads "THPeligible: 1" (when the
 * system allows huge pages at all; the test is skipped where
 * /sys/kernel/mm/transparent_hugepage/enabled says "never" or is absent). */
#define _DEFAULT_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/flow_table.h"
#include "classify/classify.h"
#include "common/huge_pages.h"
#include "tap.h"

#define MIB ((size_t)1 << 20)

static bool thp_possible(void)
{
	char line[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	return strstr(line, "[always]") || strstr(line, "[madvise]");
}

/* THPeligible of the mapping holding address a: 1, 0, or -1 when not
 * found. Reading smaps splits nothing: madvise already split the
 * mapping where the advice begins and ends. */
static int eligible_at(const void *a)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	bool inside = false;
	int found = -1;
	uintptr_t x = (uintptr_t)a;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			inside = x >= lo && x < hi;
			continue;
		}
		int v;
		if (inside && sscanf(line, "THPeligible: %d", &v) == 1) {
			found = v;
			break;
		}
	}
	fclose(f);
	return found;
}

/* Mappings the kernel would back with huge pages, and their size. */
static size_t eligible_bytes(void)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	unsigned long lo = 0, hi = 0;
	size_t sum = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		int v;
		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			lo = a;
			hi = b;
		} else if (sscanf(line, "THPeligible: %d", &v) == 1 && v == 1) {
			sum += hi - lo;
		}
	}
	fclose(f);
	return sum;
}

static void no_flow_end(void *ctx, const struct flow_record *r, uint32_t slot)
{
	(void)ctx;
	(void)r;
	(void)slot;
}

/* The tables a million flows may fill ask for huge pages once they exist
 * (the classifier's advice once went to its arrays before they were
 * allocated, and did nothing). */
static void test_tables_advised(void)
{
	struct classify_options co;
	struct flow_table_config fc;
	char err[256];

	classify_options_default(&co);
	co.dpi = false;
	co.max_flows = 1u << 20;
	size_t before = eligible_bytes();
	struct classifier *c = classifier_new(&co, err, sizeof(err));
	ok(c && eligible_bytes() >= before + 2 * MIB,
	   "a classifier for a million flows: its arrays are eligible");
	classifier_free(c);

	flow_table_config_default(&fc);
	fc.max_flows = 1u << 20;
	before = eligible_bytes();
	struct flow_table *t = flow_table_new(&fc, no_flow_end, NULL);
	ok(t && eligible_bytes() >= before + 2 * MIB,
	   "a flow table for a million flows: its slots are eligible");
	flow_table_free(t);
}

/* Whether writing the byte at p kills a child process (a fault, or
 * the sanitizer's report of one). */
static bool write_faults(volatile uint8_t *p)
{
	pid_t child = fork();
	int status = 0;

	if (child < 0)
		return false;
	if (child == 0) {
		*p = 1;
		_exit(0);
	}
	if (waitpid(child, &status, 0) != child)
		return false;
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* huge_pages_alloc: zeroed, writable to its last byte, guarded just
 * past its pages, and refusing sizes that overflow. */
static void test_alloc(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t count = 1000, size = 24, len = count * size;
	uint8_t *p = huge_pages_alloc(count, size);
	bool zero = p != NULL;

	for (size_t i = 0; p && i < len; i++)
		zero = zero && p[i] == 0;
	ok(zero, "an array of 1,000 elements of 24 bytes: there, and zeroed");
	if (p) {
		memset(p, 0xa5, len);
		ok(p[0] == 0xa5 && p[len - 1] == 0xa5, "writable from first byte to last");
		size_t pages = (len + page - 1) / page * page;
		ok(!write_faults(p + pages - 1), "the rest of its last page is too");
		ok(write_faults(p + pages), "the byte after its last page faults: a guard");
	}
	huge_pages_free(p, count, size);

	uint8_t *one = huge_pages_alloc(0, 64);
	ok(one && one[63] == 0, "no elements: room for one, as calloc(1, size)");
	huge_pages_free(one, 0, 64);
	ok(huge_pages_alloc(SIZE_MAX / 8, 16) == NULL, "count * size overflows: NULL");
	huge_pages_free(NULL, 10, 10);
	ok(1, "freeing NULL: no harm");
}

int main(void)
{
	test_alloc();
	if (!thp_possible()) {
		printf("# transparent huge pages are off here: the advice is not checked\n");
		return done_testing();
	}
	/* Our own mapping, so that the advice is the only thing that can
	 * make it eligible (with THP "always", all of it is already). */
	size_t len = 9 * MIB;
	uint8_t *map = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		printf("# cannot map 9 MiB: the advice is not checked\n");
		return done_testing();
	}
	uint8_t *aligned = (uint8_t *)(((uintptr_t)map + 2 * MIB - 1) & ~(2 * MIB - 1));
	bool always = eligible_at(aligned) == 1;

	if (!always) {
		test_tables_advised();
		uint8_t *array = huge_pages_alloc(9, MIB);
		size_t inside = (((uintptr_t)array + 2 * MIB - 1) & ~(2 * MIB - 1)) -
				(uintptr_t)array;
		ok(array && eligible_at(array + inside) == 1,
		   "a 9 MiB array from huge_pages_alloc is eligible");
		huge_pages_free(array, 9, MIB);
	}

	/* From 1 MiB before an aligned block to half a MiB into the block
	 * after the next: two whole blocks inside, a part of one at each end. */
	uint8_t *start = aligned + 1 * MIB;
	huge_pages_advise(start, 5 * MIB + MIB / 2);
	is_int(eligible_at(aligned + 2 * MIB), 1, "the first whole block inside is eligible");
	is_int(eligible_at(aligned + 4 * MIB), 1, "the second whole block is eligible");
	if (!always) {
		is_int(eligible_at(aligned + 1 * MIB), 0,
		       "the partial block at the start is left alone");
		is_int(eligible_at(aligned + 6 * MIB), 0,
		       "the partial block at the end is left alone");
	}
	huge_pages_advise(NULL, 8 * MIB);
	huge_pages_advise(map, 1 * MIB);
	ok(1, "NULL, and a range holding no whole block: no advice, no harm");
	memset(map, 1, len);
	ok(map[len - 1] == 1, "the advised memory reads and writes as before");
	munmap(map, len);
	return done_testing();
}
