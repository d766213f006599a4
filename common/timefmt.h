/* timefmt.h - packet times as text. */
#ifndef FLOWAUDIT_COMMON_TIMEFMT_H
#define FLOWAUDIT_COMMON_TIMEFMT_H

#include <stdint.h>

/* "2023-11-14T22:13:20.123456Z" */
#define TS_TEXT_LEN 32
void format_ts_iso(char out[TS_TEXT_LEN], uint64_t us);

#endif
