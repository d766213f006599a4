/* array.h - the length of a fixed array, counted by the compiler. */
#ifndef FLOWAUDIT_COMMON_ARRAY_H
#define FLOWAUDIT_COMMON_ARRAY_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
