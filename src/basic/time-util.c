/* RFC 3339 timestamps; see time-util.h. Calendar arithmetic on the proleptic
 * Gregorian calendar, in days since 1970-01-01, so no TZ or locale is read. */
#include "time-util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool leap(int64_t y)
{
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int time_month_days(int64_t y, int m)
{
        static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

        return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d: whole 400-year eras (146097 days each) from
 * year 0, then days within the era, counting years from March so that the
 * leap day comes last. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
        int64_t era, yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
        int64_t era, doe, yoe, doy, mp;

        z += 719468;
        era = (z >= 0 ? z : z - 146096) / 146097;
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        *d = (int) (doy - (153 * mp + 2) / 5 + 1);
        *m = (int) (mp < 10 ? mp + 3 : mp - 9);
        *y = yoe + era * 400 + (*m <= 2);
}

/* n decimal digits at s[*i], advancing *i; -1 when they are not digits. */
static int digits(const char *s, size_t len, size_t *i, int n)
{
        int v = 0;

        if (len - *i < (size_t) n)
                return -1;
        for (; n > 0; n--, (*i)++) {
                if (s[*i] < '0' || s[*i] > '9')
                        return -1;
                v = v * 10 + (s[*i] - '0');
        }
        return v;
}

static bool expect(const char *s, size_t len, size_t *i, const char *set)
{
        const char *c;

        if (*i >= len)
                return false;
        for (c = set; *c; c++)
                if (s[*i] == *c) {
                        (*i)++;
                        return true;
                }
        return false;
}

int rfc3339_parse(const char *s, size_t len, int64_t *ret)
{
        int year, mon, day, hh, mm, ss, oh = 0, om = 0, sign = 0;
        size_t i = 0;
        int64_t t;

        year = digits(s, len, &i, 4);
        if (year < 1 || !expect(s, len, &i, "-"))
                return -EINVAL;
        mon = digits(s, len, &i, 2);
        if (mon < 1 || mon > 12 || !expect(s, len, &i, "-"))
                return -EINVAL;
        day = digits(s, len, &i, 2);
        if (day < 1 || day > time_month_days(year, mon) || !expect(s, len, &i, "Tt "))
                return -EINVAL;
        hh = digits(s, len, &i, 2);
        if (hh < 0 || hh > 23 || !expect(s, len, &i, ":"))
                return -EINVAL;
        mm = digits(s, len, &i, 2);
        if (mm < 0 || mm > 59 || !expect(s, len, &i, ":"))
                return -EINVAL;
        ss = digits(s, len, &i, 2);
        if (ss < 0 || ss > 60)          /* 60: a leap second, counted as the next one */
                return -EINVAL;
        if (expect(s, len, &i, ".")) {
                size_t start = i;

                while (i < len && s[i] >= '0' && s[i] <= '9')
                        i++;
                if (i == start)
                        return -EINVAL;
        }
        if (expect(s, len, &i, "+"))
                sign = -1;              /* local time ahead of UTC: subtract the offset */
        else if (expect(s, len, &i, "-"))
                sign = 1;
        else if (!expect(s, len, &i, "Zz"))
                return -EINVAL;
        if (sign) {
                oh = digits(s, len, &i, 2);
                if (oh < 0 || oh > 23 || !expect(s, len, &i, ":"))
                        return -EINVAL;
                om = digits(s, len, &i, 2);
                if (om < 0 || om > 59)
                        return -EINVAL;
        }
        if (i != len)
                return -EINVAL;
        t = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss;
        t += sign * (oh * 3600 + om * 60);
        if (t < TIME_MIN_SECONDS || t > TIME_MAX_SECONDS)
                return -EINVAL;
        *ret = t;
        return 0;
}

/* t (clamped to years 1-9999) as "YYYY-MM-DDTHH:MM:SS": 19 bytes, no NUL. */
#define SECONDS_LEN 19
static void format_seconds(int64_t t, char out[static SECONDS_LEN + 1])
{
        int64_t days, secs, y;
        int m, d;

        if (t < TIME_MIN_SECONDS)
                t = TIME_MIN_SECONDS;
        if (t > TIME_MAX_SECONDS)
                t = TIME_MAX_SECONDS;
        days = (t >= 0 ? t : t - 86399) / 86400;
        secs = t - days * 86400;
        civil_from_days(days, &y, &m, &d);
        /* The modulos are no-ops on these ranges; they show the compiler the widths. */
        snprintf(out, SECONDS_LEN + 1, "%04u-%02u-%02uT%02u:%02u:%02u", (unsigned) y % 10000u,
                 (unsigned) m % 100u, (unsigned) d % 100u, (unsigned) (secs / 3600) % 100u,
                 (unsigned) (secs / 60 % 60), (unsigned) (secs % 60));
}

void rfc3339_format(int64_t t, char out[RFC3339_LEN])
{
        format_seconds(t, out);
        memcpy(out + SECONDS_LEN, "Z", 2);
}

void rfc3339_format_ms(int64_t t, unsigned ms, char out[RFC3339_MS_LEN])
{
        format_seconds(t, out);
        snprintf(out + SECONDS_LEN, RFC3339_MS_LEN - SECONDS_LEN, ".%03uZ", ms % 1000);
}

uint64_t clock_ms(clockid_t clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

int64_t timespec_to_ns(const struct timespec *ts)
{
        int64_t ns;

        if (__builtin_mul_overflow((int64_t) ts->tv_sec, (int64_t) 1000000000, &ns) ||
            __builtin_add_overflow(ns, (int64_t) ts->tv_nsec, &ns))
                return ts->tv_sec < 0 ? INT64_MIN : INT64_MAX;
        return ns;
}
