/* Points in time as a user types them for --since / --until: what ausearch's
 * -ts / -te take, in one argument, plus ISO 8601 / RFC 3339 and epoch seconds.
 * Pure: the current time (and boot time) come from the caller. Times without an
 * offset are local time, as the C library's TZ says (unlike time-util.h). */
#pragma once

#include <stdint.h>
#include <time.h>

/* Parses s into milliseconds since the epoch:
 *
 *   now, recent                  now, 10 minutes ago
 *   boot                         when the system booted
 *   today, yesterday, this-week, week-ago, this-month, this-year
 *                                local midnight starting that day (this-week:
 *                                the last Sunday, as ausearch), optionally
 *                                followed by " HH:MM[:SS]" for that time instead
 *   YYYY-MM-DD                   local midnight
 *   YYYY-MM-DD HH:MM[:SS[.mmm]]  local time ('T' for the space too)
 *   YYYY-MM-DDTHH:MM:SS[.mmm]Z   RFC 3339, with Z or an offset (+HH:MM, -HH:MM)
 *   HH:MM[:SS]                   today, local time
 *   @SECONDS[.mmm]               since the epoch
 *   MM/DD/YYYY [HH:MM[:SS]]      ausearch's date (en_US); MM/DD/YY: 19YY from 69
 *
 * Fractions past milliseconds are dropped. Returns 0, or -EINVAL for anything
 * else, before 1970 or after 9999 (*ret_ms untouched). */
int time_range_parse(const char *s, time_t now, uint64_t *ret_ms);

/* The same for an end (--until), as ausearch -te takes it: a date or day word
 * without a time takes the current time of day (not midnight), and the time
 * includes its whole second (.999) unless milliseconds are given. */
int time_range_parse_end(const char *s, time_t now, uint64_t *ret_ms);
int time_range_parse_end_boot(const char *s, time_t now, time_t boot, uint64_t *ret_ms);

/* The same with the boot time (seconds since the epoch) given rather than
 * taken from CLOCK_BOOTTIME against now. */
int time_range_parse_boot(const char *s, time_t now, time_t boot, uint64_t *ret_ms);
