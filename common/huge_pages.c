/* huge_pages.c - see huge_pages.h. */
#define _DEFAULT_SOURCE  /* madvise, MADV_HUGEPAGE, MAP_ANONYMOUS */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "huge_pages.h"

#define HUGE_PAGE ((uintptr_t)2 << 20)

void huge_pages_advise(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	uintptr_t start = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	uintptr_t end = ((uintptr_t)p + len) & ~(HUGE_PAGE - 1);

	if (p && end > start)
		(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
	(void)p;
	(void)len;
#endif
}

static size_t page_size(void)
{
	long n = sysconf(_SC_PAGESIZE);
	return n > 0 ? (size_t)n : 4096;
}

/* The array's pages, rounded up, plus the guard page after them. */
static size_t mapped_length(size_t len, size_t page)
{
	return ((len + page - 1) / page + 1) * page;
}

/* count * size, or 0 when it overflows or leaves no room for rounding
 * up to pages and the guard page. An array of no elements gets one, as
 * calloc(1, size) would. */
static size_t array_length(size_t count, size_t size, size_t page)
{
	if (size == 0)
		size = 1;
	if (count == 0)
		count = 1;
	if (count > (SIZE_MAX - 2 * page) / size)
		return 0;
	return count * size;
}

void *huge_pages_alloc(size_t count, size_t size)
{
	size_t page = page_size();
	size_t len = array_length(count, size, page);

	if (len == 0)
		return NULL;
	size_t want = mapped_length(len, page);
	char *p = mmap(NULL, want, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	(void)mprotect(p + want - page, page, PROT_NONE);
	huge_pages_advise(p, len);
	return p;
}

void huge_pages_free(void *p, size_t count, size_t size)
{
	size_t page = page_size();

	if (p)
		(void)munmap(p, mapped_length(array_length(count, size, page), page));
}
