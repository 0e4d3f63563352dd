/* Parsing of --since / --until times; see time-range.h. Local times go through
 * mktime() with tm_isdst -1 (the offset in force at that time), and days are
 * counted on the calendar, not as 86400 seconds, so "yesterday" just after a
 * daylight saving change is still the day before. */
#include "time-range.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "time-util.h"

struct cur {
        const char *s;
        size_t len, i;
};

static bool at_end(const struct cur *c)
{
        return c->i == c->len;
}

static bool take(struct cur *c, const char *set)
{
        if (at_end(c) || !c->s[c->i] || !strchr(set, c->s[c->i]))
                return false;
        c->i++;
        return true;
}

/* min to max decimal digits: their value, or -1 when fewer than min. */
static int number(struct cur *c, int min, int max)
{
        int n = 0, v = 0;

        while (n < max && !at_end(c) && c->s[c->i] >= '0' && c->s[c->i] <= '9') {
                v = v * 10 + (c->s[c->i++] - '0');
                n++;
        }
        return n >= min ? v : -1;
}

/* After a '.': the fraction's milliseconds (digits past three dropped), or -1. */
static int fraction(struct cur *c)
{
        int ms = 0, n;

        for (n = 0; !at_end(c) && c->s[c->i] >= '0' && c->s[c->i] <= '9'; n++, c->i++)
                if (n < 3)
                        ms = ms * 10 + (c->s[c->i] - '0');
        if (n == 0)
                return -1;
        for (; n < 3; n++)
                ms *= 10;
        return ms;
}

struct clock_time {
        int hour, min, sec, ms;
        bool has_sec;
};

/* HH:MM[:SS[.frac]] */
static int clock_time(struct cur *c, struct clock_time *ret)
{
        struct clock_time t = { 0 };

        t.hour = number(c, 1, 2);
        if (t.hour < 0 || t.hour > 23 || !take(c, ":"))
                return -EINVAL;
        t.min = number(c, 2, 2);
        if (t.min < 0 || t.min > 59)
                return -EINVAL;
        if (take(c, ":")) {
                t.sec = number(c, 2, 2);
                if (t.sec < 0 || t.sec > 60)    /* 60: a leap second, the next one */
                        return -EINVAL;
                t.has_sec = true;
                if (take(c, ".") && (t.ms = fraction(c)) < 0)
                        return -EINVAL;
        }
        *ret = t;
        return 0;
}

/* tm (date and time set) as local time. */
static int local_ms(struct tm *tm, int ms, uint64_t *ret)
{
        time_t t;

        tm->tm_isdst = -1;
        t = mktime(tm);
        if (t < 0 || t > TIME_MAX_SECONDS)
                return -EINVAL;
        *ret = (uint64_t) t * 1000 + (uint64_t) ms;
        return 0;
}

static void set_clock(struct tm *tm, const struct clock_time *t)
{
        tm->tm_hour = t->hour;
        tm->tm_min = t->min;
        tm->tm_sec = t->sec;
}

/* The time of day a date without one takes: midnight, or for an end
 * (ausearch -te) the current time of day. */
static void default_clock(struct clock_time *t, const struct tm *now_tm)
{
        *t = (struct clock_time) { 0 };
        if (now_tm) {
                t->hour = now_tm->tm_hour;
                t->min = now_tm->tm_min;
                t->sec = now_tm->tm_sec;
        }
}

/* A date, then the end (the default time), or a separator in seps and a time. */
static int date_then_time(struct cur *c, struct tm *tm, const char *seps, const struct tm *now_tm, uint64_t *ret)
{
        struct clock_time t;

        default_clock(&t, now_tm);
        if (!at_end(c) && (!take(c, seps) || clock_time(c, &t) < 0 || !at_end(c)))
                return -EINVAL;
        set_clock(tm, &t);
        return local_ms(tm, t.ms, ret);
}

static bool valid_date(int year, int mon, int day)
{
        return year >= 1 && mon >= 1 && mon <= 12 && day >= 1 && day <= time_month_days(year, mon);
}

/* YYYY-MM-DD[( |T)HH:MM[:SS[.frac]]], local, or RFC 3339 with Z or an offset. */
static int iso_date(struct cur *c, const struct tm *now_tm, uint64_t *ret)
{
        struct tm tm = { 0 };
        struct clock_time t;
        int year, mon, day;
        int64_t sec;

        year = number(c, 4, 4);
        if (year < 0 || !take(c, "-") || (mon = number(c, 2, 2)) < 0 || !take(c, "-") ||
            (day = number(c, 2, 2)) < 0 || !valid_date(year, mon, day))
                return -EINVAL;
        tm.tm_year = year - 1900;
        tm.tm_mon = mon - 1;
        tm.tm_mday = day;
        if (at_end(c)) {
                default_clock(&t, now_tm);
                set_clock(&tm, &t);
                return local_ms(&tm, 0, ret);
        }
        if (!take(c, "Tt ") || clock_time(c, &t) < 0)
                return -EINVAL;
        if (at_end(c)) {
                set_clock(&tm, &t);
                return local_ms(&tm, t.ms, ret);
        }
        /* An offset: RFC 3339, which wants the seconds. */
        if (!t.has_sec || rfc3339_parse(c->s, c->len, &sec) < 0 || sec < 0)
                return -EINVAL;
        *ret = (uint64_t) sec * 1000 + (uint64_t) t.ms;
        return 0;
}

/* MM/DD/YYYY or MM/DD/YY, then optionally " HH:MM[:SS]": ausearch's %x. */
static int us_date(struct cur *c, const struct tm *now_tm, uint64_t *ret)
{
        struct tm tm = { 0 };
        size_t at;
        int year, mon, day;

        mon = number(c, 1, 2);
        if (mon < 0 || !take(c, "/") || (day = number(c, 1, 2)) < 0 || !take(c, "/"))
                return -EINVAL;
        at = c->i;
        year = number(c, 2, 4);
        if (c->i - at == 2)
                year += year < 69 ? 2000 : 1900;
        else if (c->i - at != 4)
                return -EINVAL;
        if (!valid_date(year, mon, day))
                return -EINVAL;
        tm.tm_year = year - 1900;
        tm.tm_mon = mon - 1;
        tm.tm_mday = day;
        return date_then_time(c, &tm, " ", now_tm, ret);
}

/* @SECONDS[.frac] */
static int epoch(struct cur *c, uint64_t *ret)
{
        int64_t sec = 0;
        int ms = 0, n;

        for (n = 0; !at_end(c) && c->s[c->i] >= '0' && c->s[c->i] <= '9'; n++, c->i++) {
                sec = sec * 10 + (c->s[c->i] - '0');
                if (sec > TIME_MAX_SECONDS)
                        return -EINVAL;
        }
        if (n == 0 || (take(c, ".") && (ms = fraction(c)) < 0) || !at_end(c))
                return -EINVAL;
        *ret = (uint64_t) sec * 1000 + (uint64_t) ms;
        return 0;
}

enum day_word { DAY_TODAY, DAY_YESTERDAY, DAY_THIS_WEEK, DAY_WEEK_AGO, DAY_THIS_MONTH, DAY_THIS_YEAR };

static const char *const day_words[] = {
        [DAY_TODAY] = "today",           [DAY_YESTERDAY] = "yesterday",   [DAY_THIS_WEEK] = "this-week",
        [DAY_WEEK_AGO] = "week-ago",     [DAY_THIS_MONTH] = "this-month", [DAY_THIS_YEAR] = "this-year",
};

/* A day word (and maybe a time): local midnight that day, counted on the
 * calendar from now; mktime() normalizes a day of the month below 1. */
static int day_word(struct cur *c, time_t now, const struct tm *now_tm, uint64_t *ret)
{
        struct tm tm;
        size_t w, n;

        for (w = 0; w < sizeof(day_words) / sizeof(day_words[0]); w++) {
                n = strlen(day_words[w]);
                if (c->len >= n && memcmp(c->s, day_words[w], n) == 0 && (c->len == n || c->s[n] == ' '))
                        break;
        }
        if (w == sizeof(day_words) / sizeof(day_words[0]) || !localtime_r(&now, &tm))
                return -EINVAL;
        c->i = n;
        switch ((enum day_word) w) {
        case DAY_TODAY:
                break;
        case DAY_YESTERDAY:
                tm.tm_mday -= 1;
                break;
        case DAY_THIS_WEEK:
                tm.tm_mday -= tm.tm_wday;       /* back to Sunday */
                break;
        case DAY_WEEK_AGO:
                tm.tm_mday -= 7;
                break;
        case DAY_THIS_MONTH:
                tm.tm_mday = 1;
                break;
        case DAY_THIS_YEAR:
                tm.tm_mon = 0;
                tm.tm_mday = 1;
                break;
        }
        return date_then_time(c, &tm, " ", now_tm, ret);
}

/* now, recent, boot: 1 and *ret_ms, 0 for another word, or -EINVAL. */
static int instant_word(const char *s, time_t now, time_t boot, uint64_t *ret_ms)
{
        time_t at;

        if (strcmp(s, "now") == 0)
                at = now;
        else if (strcmp(s, "recent") == 0)
                at = now - 10 * 60;
        else if (strcmp(s, "boot") == 0)
                at = boot;
        else
                return 0;
        if (at < 0)
                return -EINVAL;
        *ret_ms = (uint64_t) at * 1000;
        return 1;
}

static int parse(const char *s, time_t now, time_t boot, bool end, uint64_t *ret_ms)
{
        struct cur c = { s, strlen(s), 0 };
        struct clock_time t;
        struct tm tm, now_tm;
        const struct tm *end_tm = NULL;
        uint64_t ms;
        size_t digits;
        int r;

        tzset();                        /* a TZ changed since the last call counts */
        if (now < 0 || now > TIME_MAX_SECONDS)
                return -EINVAL;
        if (end) {
                if (!localtime_r(&now, &now_tm))
                        return -EINVAL;
                end_tm = &now_tm;
        }
        r = instant_word(s, now, boot, &ms);
        if (r != 0)
                ;               /* now, recent, boot, or -EINVAL */
        else if (take(&c, "@"))
                r = epoch(&c, &ms);
        else if (c.len && c.s[0] >= 'a' && c.s[0] <= 'z')
                r = day_word(&c, now, end_tm, &ms);
        else {
                /* What follows the leading digits tells the form. */
                for (digits = 0; digits < c.len && s[digits] >= '0' && s[digits] <= '9'; digits++)
                        ;
                if (digits == c.len)
                        return -EINVAL;
                switch (s[digits]) {
                case '-':
                        r = iso_date(&c, end_tm, &ms);
                        break;
                case '/':
                        r = us_date(&c, end_tm, &ms);
                        break;
                case ':':
                        if (clock_time(&c, &t) < 0 || !at_end(&c) || !localtime_r(&now, &tm))
                                return -EINVAL;
                        set_clock(&tm, &t);
                        r = local_ms(&tm, t.ms, &ms);
                        break;
                default:
                        return -EINVAL;
                }
        }
        if (r < 0)
                return r;
        /* An end includes its whole second unless milliseconds were given. */
        if (end && !strchr(s, '.'))
                ms += 999;
        *ret_ms = ms;
        return 0;
}

int time_range_parse_boot(const char *s, time_t now, time_t boot, uint64_t *ret_ms)
{
        return parse(s, now, boot, false, ret_ms);
}

int time_range_parse_end_boot(const char *s, time_t now, time_t boot, uint64_t *ret_ms)
{
        return parse(s, now, boot, true, ret_ms);
}

static time_t boot_time(time_t now)
{
        struct timespec up;

        if (clock_gettime(CLOCK_BOOTTIME, &up) < 0)
                return -1;      /* "boot" unknown: -EINVAL */
        return now - up.tv_sec;
}

int time_range_parse(const char *s, time_t now, uint64_t *ret_ms)
{
        return parse(s, now, boot_time(now), false, ret_ms);
}

int time_range_parse_end(const char *s, time_t now, uint64_t *ret_ms)
{
        return parse(s, now, boot_time(now), true, ret_ms);
}
