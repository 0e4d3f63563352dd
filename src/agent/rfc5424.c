/* RFC 5424 syslog messages for spooled events; see rfc5424.h. */
#include "agent/rfc5424.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "rules/rules.h"

static int syslog_severity(int severity)
{
        switch (severity) {
        case SEVERITY_CRITICAL:
                return 2;
        case SEVERITY_HIGH:
                return 3;
        case SEVERITY_MEDIUM:
                return 4;
        case SEVERITY_LOW:
                return 5;
        default:
                return 6;
        }
}

/* A header field: 1..max printable US-ASCII characters (RFC 5424 section 6),
 * else the NILVALUE. */
static int put_field(struct buf *out, const char *s, size_t max)
{
        size_t n = s ? strlen(s) : 0;

        if (n == 0 || n > max)
                return buf_puts(out, "-");
        for (size_t i = 0; i < n; i++)
                if (s[i] < 33 || s[i] > 126)
                        return buf_puts(out, "-");
        return buf_append(out, s, n);
}

/* A PARAM-VALUE: '"', '\' and ']' escaped with a backslash (section 6.3.3). */
static int put_param(struct buf *out, const char *name, const char *v)
{
        int r = buf_printf(out, " %s=\"", name);

        for (; r >= 0 && v && *v; v++) {
                if (*v == '"' || *v == '\\' || *v == ']')
                        r = buf_putc(out, '\\');
                if (r >= 0)
                        r = buf_putc(out, *v);
        }
        return r < 0 ? r : buf_putc(out, '"');
}

int rfc5424_format(const struct agent_event *ev, const struct rfc5424_origin *origin, struct buf *out)
{
        int64_t s = ev->time_ns / 1000000000, us = (ev->time_ns % 1000000000) / 1000;
        struct tm tm;
        time_t t;
        int r;

        if (us < 0) {
                us += 1000000;
                s--;
        }
        t = (time_t) s;
        if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999)
                tm = (struct tm) { .tm_year = 70, .tm_mday = 1 };

        r = buf_printf(out, "<%d>1 %04d-%02d-%02dT%02d:%02d:%02d.%06dZ ",
                       RFC5424_FACILITY * 8 + syslog_severity(ev->severity), tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) us);
        if (r >= 0)
                r = put_field(out, origin ? origin->hostname : NULL, 255);
        if (r >= 0)
                r = buf_putc(out, ' ');
        if (r >= 0)
                r = put_field(out, origin && origin->app_name ? origin->app_name : "driftwatch", 48);
        if (r >= 0)
                r = origin && origin->pid > 0 ? buf_printf(out, " %d finding [" RFC5424_SD_ID, (int) origin->pid)
                                              : buf_puts(out, " - finding [" RFC5424_SD_ID);
        if (r >= 0)
                r = put_param(out, "id", ev->id);
        if (r >= 0)
                r = buf_printf(out, " seq=\"%lld\"] ", (long long) ev->seq);
        if (r >= 0)
                r = buf_append(out, ev->json, ev->len);
        return r < 0 ? r : 0;
}
