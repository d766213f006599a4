/* huge_pages.h - large arrays backed by huge pages where the kernel has
 * them.
 *
 * Why: the tables that grow with traffic (flow slots, their TCP content,
 * the flow index) are touched a 4 KiB page at a time as flows arrive, and
 * every first touch is a page fault. On a virtual machine a fault can cost
 * 10 us (measured here: 65,536 first touches of fresh memory in 0.66 s):
 * `audit` on the bench capture took 24,000 of them, about 0.24 s of its
 * 1.7 s. With
 * transparent huge pages allowed for the range ("madvise" in
 * /sys/kernel/mm/transparent_hugepage/enabled, Debian's default), one
 * fault maps 2 MiB. At most 2 MiB per array is mapped that a 4 KiB page
 * would have left untouched. Only advice: where the kernel has no huge
 * pages, or refuses, nothing changes. */
#ifndef FLOWAUDIT_COMMON_HUGE_PAGES_H
#define FLOWAUDIT_COMMON_HUGE_PAGES_H

#include <stddef.h>

/* Asks for huge pages for the whole 2 MiB blocks inside [p, p + len). */
void huge_pages_advise(void *p, size_t len);

/* A zeroed array of count elements of size bytes, for a table sized up
 * front for the most traffic it may hold (a million flow slots, say):
 * mapped straight from the kernel, so nothing is resident until touched;
 * advised as above; followed by an inaccessible guard page, so a write
 * past its end faults at once. NULL when out of memory or when count *
 * size overflows. Free it with huge_pages_free and the same count and
 * size.
 *
 * Only for arrays that hold no pointer to the heap: a leak checker
 * (LeakSanitizer, valgrind) looks for pointers in the heap and in
 * globals, not in mappings of one's own, and would report what only
 * such an array points to as leaked. (Putting the name index's entries
 * here did that: a fuzz target's leak check flagged their CNAME chains.)
 *
 * Why not calloc: glibc maps arrays this large on its own too, but a
 * sanitizer build marks the whole of a malloc'd block in its shadow
 * memory when it is allocated and again when it is freed. For the flow
 * table that was 45,000 page faults, most of the 0.8 s an ASan build
 * took to audit a ten-packet capture. */
void *huge_pages_alloc(size_t count, size_t size);
void huge_pages_free(void *p, size_t count, size_t size);

#endif
