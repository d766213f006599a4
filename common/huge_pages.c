/* huge_pages.c - see huge_pages.h. */
#define _DEFAULT_SOURCE  /* madvise, MADV_HUGEPAGE */
#include <stdint.h>
#include <sys/mman.h>

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
