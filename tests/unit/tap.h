/* tap.h - a tiny Test Anything Protocol writer for the unit tests.
 * Each check prints "ok N - name" or "not ok N - name"; automake's TAP
 * driver counts every line as one test. */
#ifndef FLOWAUDIT_TAP_H
#define FLOWAUDIT_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

#define is_str(got, want, name)                                               \
	do {                                                                  \
		const char *g_ = (got), *w_ = (want);                         \
		if (!ok(g_ && strcmp(g_, w_) == 0, "%s", name))               \
			printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", w_); \
	} while (0)

#define is_int(got, want, name)                                               \
	do {                                                                  \
		long long g_ = (long long)(got), w_ = (long long)(want);      \
		if (!ok(g_ == w_, "%s", name))                                \
			printf("#   got %lld, want %lld\n", g_, w_);          \
	} while (0)

static inline int done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
