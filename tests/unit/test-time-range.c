/* Unit tests for src/basic/time-range.c: every form --since / --until take
 * (ausearch's words and dates, ISO 8601 local times, RFC 3339, epoch seconds),
 * in UTC and in a time zone with daylight saving time (POSIX TZ strings, so no
 * zoneinfo files are needed), and what is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "basic/time-range.h"
#include "basic/time-util.h"

/* 2024-03-14T15:09:26Z, a Thursday. */
#define NOW 1710428966
#define BOOT 1710000000
#define UTC "UTC0"
#define NEW_YORK "EST5EDT,M3.2.0,M11.1.0"       /* 2024: EDT from March 10, 02:00 */

static void use_tz(const char *tz)
{
        assert_int_equal(setenv("TZ", tz, 1), 0);
        tzset();
}

struct case_ {
        const char *s;
        uint64_t ms;
        time_t now;             /* 0: NOW */
};

static void check(const char *tz, const struct case_ *cases, size_t n)
{
        size_t i;

        use_tz(tz);
        for (i = 0; i < n; i++) {
                uint64_t ms = 0;

                if (time_range_parse_boot(cases[i].s, cases[i].now ? cases[i].now : NOW, BOOT, &ms) < 0)
                        fail_msg("TZ=%s: '%s' was refused", tz, cases[i].s);
                if (ms != cases[i].ms)
                        fail_msg("TZ=%s: '%s' gave %llu, want %llu", tz, cases[i].s, (unsigned long long) ms,
                                 (unsigned long long) cases[i].ms);
        }
}

#define CHECK(tz, cases) check(tz, cases, sizeof(cases) / sizeof(cases[0]))

static void test_words_utc(void **state)
{
        static const struct case_ cases[] = {
                { "now", 1710428966000ULL },
                { "recent", 1710428366000ULL },
                { "boot", 1710000000000ULL },
                { "today", 1710374400000ULL },
                { "yesterday", 1710288000000ULL },
                { "this-week", 1710028800000ULL },                      /* Sunday the 10th */
                { "week-ago", 1709769600000ULL },
                { "this-month", 1709251200000ULL },
                { "this-year", 1704067200000ULL },
                /* A day word and a time, as "ausearch -ts yesterday 10:30". */
                { "yesterday 10:30", (1710288000ULL + 37800) * 1000 },
                { "today 10:20:30", 1710411630000ULL },
                /* On a Sunday, this-week is today; across a year and a month. */
                { "this-week", 1710028800000ULL, 1710028800 + 3600 },
                { "yesterday", 1703980800000ULL, 1704067200 + 60 },     /* 2023-12-31 */
                { "week-ago", 1708646400000ULL, 1709251200 + 60 },      /* 2024-02-23 */
        };
        uint64_t ms = 0;

        CHECK(UTC, cases);
        /* time_range_parse() takes boot from the system: before now. */
        assert_int_equal(time_range_parse("boot", NOW, &ms), 0);
        assert_true(ms > 0 && ms <= (uint64_t) NOW * 1000);
        assert_int_equal(time_range_parse("now", NOW, &ms), 0);
        assert_int_equal(ms, 1710428966000ULL);
}

static void test_dates_utc(void **state)
{
        static const struct case_ cases[] = {
                { "2024-03-14", 1710374400000ULL },
                { "2024-03-14 10:20", 1710411600000ULL },
                { "2024-03-14 10:20:30", 1710411630000ULL },
                { "2024-03-14T10:20:30", 1710411630000ULL },
                { "2024-03-14T10:20:30.250", 1710411630250ULL },
                { "2024-02-29", 1709164800000ULL },
                { "10:20", 1710411600000ULL },
                { "9:05:07", 1710407107000ULL },
                { "03/14/2024", 1710374400000ULL },
                { "3/14/2024 10:20:30", 1710411630000ULL },
                { "03/14/24", 1710374400000ULL },
                { "1/1/70", 0 },
                { "12/31/99", 946598400000ULL },
                { "@1710428966", 1710428966000ULL },
                { "@1710428966.5", 1710428966500ULL },
                { "@1710428966.123456", 1710428966123ULL },
                { "@0", 0 },
                { "@253402300799", 253402300799000ULL },
        };

        CHECK(UTC, cases);
}

static void test_rfc3339(void **state)
{
        /* An explicit offset wins over TZ. */
        static const struct case_ cases[] = {
                { "2024-03-14T10:20:30Z", 1710411630000ULL },
                { "2024-03-14t10:20:30.25z", 1710411630250ULL },
                { "2024-03-14T10:20:30+02:00", 1710404430000ULL },
                { "2024-03-14T10:20:30.999-05:30", 1710431430999ULL },
                { "2024-03-14 10:20:30Z", 1710411630000ULL },
                { "1970-01-01T00:00:00Z", 0 },
        };

        CHECK(NEW_YORK, cases);
}

/* The formatter every output's times go through: fixed widths, milliseconds
 * zero-padded, times past either end of years 1-9999 clamped to it. */
static void test_rfc3339_format(void **state)
{
        char s[RFC3339_LEN], ms[RFC3339_MS_LEN];

        (void) state;
        rfc3339_format(0, s);
        assert_string_equal(s, "1970-01-01T00:00:00Z");
        rfc3339_format(1710411630, s);
        assert_string_equal(s, "2024-03-14T10:20:30Z");
        rfc3339_format(-1, s);
        assert_string_equal(s, "1969-12-31T23:59:59Z");
        rfc3339_format(INT64_MAX, s);
        assert_string_equal(s, "9999-12-31T23:59:59Z");
        rfc3339_format(INT64_MIN, s);
        assert_string_equal(s, "0001-01-01T00:00:00Z");
        rfc3339_format_ms(1710411630, 7, ms);
        assert_string_equal(ms, "2024-03-14T10:20:30.007Z");
        rfc3339_format_ms(TIME_MAX_SECONDS + 1, 999, ms);
        assert_string_equal(ms, "9999-12-31T23:59:59.999Z");
}

static void test_daylight_saving(void **state)
{
        /* Now is 11:09 EDT (UTC-4); March 10 began in EST. */
        static const struct case_ cases[] = {
                { "now", 1710428966000ULL },
                { "today", 1710388800000ULL },                          /* 00:00 EDT */
                { "yesterday", 1710302400000ULL },
                { "this-week", 1710046800000ULL },                      /* 00:00 EST, before the change */
                { "week-ago", 1709787600000ULL },
                { "this-year", 1704085200000ULL },
                { "2024-03-14 10:20", 1710426000000ULL },
                { "2024-03-14", 1710388800000ULL },
                { "03/14/2024 10:20:30", 1710426030000ULL },
                { "10:20:30", 1710426030000ULL },
                /* Half an hour into the day after the change (a 23-hour day):
                 * yesterday is the 10th, not 24 hours back (the 9th). */
                { "yesterday", 1710046800000ULL, 1710131400 },
        };

        CHECK(NEW_YORK, cases);
}

static void test_refused(void **state)
{
        static const char *const bad[] = {
                "", " now", "now ", "Now", "tomorrow", "todayx", "today ", "today 25:00", "now 10:00",
                "boot 10:00", "recent 1", "yesterday 10", "this-week 10:00:00:00",
                "2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-3-14", "24-03-14", "20240314",
                "2024-03-14x", "2024-03-14 10", "2024-03-14 24:00", "2024-03-14 10:60", "2024-03-14 10:20:61",
                "2024-03-14T10:20Z", "2024-03-14T10:20:30+2", "2024-03-14T10:20:30+02:00x",
                "2024-03-14T10:20:30.", "2024-03-14T10:20:30Zz", "1969-12-31", "1969-12-31T23:59:59Z",
                "10000-01-01", "10:2", "10:", ":10", "1:2:3", "10:20:30:40", "100:20",
                "03/14", "13/01/2024", "02/30/2024", "03/14/202", "03/14/20245", "03/14/2024T10:00",
                "03/14/2024 10", "@", "@-1", "@1.", "@1x", "@253402300800", "@99999999999999999999",
                "-1", "1710428966", "2024-03-14\n",
        };
        uint64_t ms = 42;
        size_t i;

        use_tz(UTC);
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                if (time_range_parse_boot(bad[i], NOW, BOOT, &ms) != -EINVAL)
                        fail_msg("'%s' was accepted", bad[i]);
                assert_int_equal(ms, 42);
        }
        /* An unknown boot time refuses only "boot". */
        assert_int_equal(time_range_parse_boot("boot", NOW, -1, &ms), -EINVAL);
        assert_int_equal(time_range_parse_boot("now", NOW, -1, &ms), 0);
        /* A now out of range. */
        assert_int_equal(time_range_parse_boot("now", -5, BOOT, &ms), -EINVAL);
        /* "recent" just after the epoch would be before it. */
        assert_int_equal(time_range_parse_boot("recent", 60, BOOT, &ms), -EINVAL);
}

/* --until (ausearch -te): a date without a time takes the current time of
 * day, and the end includes its whole second. */
static void test_end(void **state)
{
        static const struct case_ cases[] = {
                { "2024-03-12", 1710256166999ULL },                     /* 15:09:26 that day */
                { "03/12/2024", 1710256166999ULL },
                { "today", 1710428966999ULL },
                { "yesterday", 1710342566999ULL },
                { "yesterday 10:30", (1710288000ULL + 37800) * 1000 + 999 },
                { "2024-03-12 10:20:30", 1710238830999ULL },
                { "2024-03-12 10:20:30.250", 1710238830250ULL },
                { "now", 1710428966999ULL },
                { "@1710238830", 1710238830999ULL },
        };
        size_t i;

        use_tz(UTC);
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint64_t ms = 0;

                if (time_range_parse_end_boot(cases[i].s, NOW, BOOT, &ms) < 0)
                        fail_msg("'%s' was refused", cases[i].s);
                if (ms != cases[i].ms)
                        fail_msg("'%s' gave %llu, want %llu", cases[i].s, (unsigned long long) ms,
                                 (unsigned long long) cases[i].ms);
        }
        /* --since and --until of the same day: all of it so far. */
        {
                uint64_t since = 0, until = 0;

                assert_int_equal(time_range_parse_boot("2024-03-14", NOW, BOOT, &since), 0);
                assert_int_equal(time_range_parse_end_boot("2024-03-14", NOW, BOOT, &until), 0);
                assert_true(since < until);
        }
        assert_int_equal(time_range_parse_end_boot("2024-13-01", NOW, BOOT, &(uint64_t) { 0 }), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_words_utc),
                cmocka_unit_test(test_dates_utc),
                cmocka_unit_test(test_rfc3339),
                cmocka_unit_test(test_rfc3339_format),
                cmocka_unit_test(test_daylight_saving),
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_end),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
