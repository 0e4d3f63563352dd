/* RFC 3339 timestamps <-> seconds since the epoch (UTC), without the C
 * library's time zone state: what image status, policy and ticket files carry. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Years 0001 to 9999: what RFC 3339 can write. */
#define TIME_MIN_SECONDS (-62135596800LL)      /* 0001-01-01T00:00:00Z */
#define TIME_MAX_SECONDS 253402300799LL        /* 9999-12-31T23:59:59Z */
#define RFC3339_LEN 21                         /* "2026-11-22T04:59:37Z" and NUL */

/* Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" ('t', 'z' and a space
 * for 'T' accepted); fractions are dropped. The n bytes at s need no NUL.
 * Returns 0 or -EINVAL; *ret untouched on failure. */
int rfc3339_parse(const char *s, size_t n, int64_t *ret);

/* Days in month m (1-12) of year y, proleptic Gregorian. */
int time_month_days(int64_t y, int m);

/* Writes t (within TIME_MIN/MAX_SECONDS, clamped) as "YYYY-MM-DDTHH:MM:SSZ". */
void rfc3339_format(int64_t t, char out[RFC3339_LEN]);
/* The same with milliseconds, "YYYY-MM-DDTHH:MM:SS.mmmZ": ECS @timestamp. */
#define RFC3339_MS_LEN 25
void rfc3339_format_ms(int64_t t, unsigned ms, char out[RFC3339_MS_LEN]);

/* ts in nanoseconds since the epoch, saturated to INT64_MIN / INT64_MAX
 * outside what 64 bits hold (before 1677, after 2262): a file's owner sets
 * any mtime, and the arithmetic must not overflow. */
int64_t timespec_to_ns(const struct timespec *ts);

/* The clock's time in milliseconds (CLOCK_MONOTONIC, CLOCK_REALTIME). */
uint64_t clock_ms(clockid_t clock);
