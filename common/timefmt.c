/* timefmt.c - packet times as text (see timefmt.h). */
#include <stdio.h>
#include <time.h>

#include "timefmt.h"

void format_ts_iso(char out[TS_TEXT_LEN], uint64_t us)
{
	time_t secs = (time_t)(us / 1000000u);
	struct tm tm;

	gmtime_r(&secs, &tm);
	size_t n = strftime(out, TS_TEXT_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, TS_TEXT_LEN - n, ".%06uZ", (unsigned)(us % 1000000u));
}
