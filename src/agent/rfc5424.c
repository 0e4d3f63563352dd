/* RFC 5424 syslog messages for spooled events; see rfc5424.h. */
#include "agent/rfc5424.h"

#include <string.h>
#include <unistd.h>

#include "agent/event.h"
#include "report/finding.h"
#include "rules/rules.h"

static int syslog_severity(int sev)
{
        return sev >= SEVERITY_CRITICAL ? 2 : sev == SEVERITY_HIGH ? 3 : sev == SEVERITY_MEDIUM ? 4 : 5;
}

/* An SD-PARAM value: '"', '\' and ']' escaped (RFC 5424 6.3.3). */
static int sd_value(struct buf *b, const char *v, size_t n)
{
        int r = 0;

        for (size_t i = 0; i < n && r >= 0; i++) {
                if (v[i] == '"' || v[i] == '\\' || v[i] == ']')
                        r = buf_putc(b, '\\');
                if (r >= 0)
                        r = buf_putc(b, v[i]);
        }
        return r;
}

/* A header field (HOSTNAME): printable US-ASCII, no space, at most max; "-" when empty. */
static int header_field(struct buf *b, const char *v, size_t n, size_t max)
{
        size_t k = 0;
        int r = 0;

        for (size_t i = 0; i < n && k < max && r >= 0; i++)
                if (v[i] > 32 && v[i] < 127) {
                        r = buf_putc(b, v[i]);
                        k++;
                }
        return r < 0 ? r : k ? 0 : buf_putc(b, '-');
}

int rfc5424_format(const struct agent_event *ev, unsigned facility, struct buf *msg)
{
        char ts[TIMESTAMP_LEN];
        const char *v;
        size_t n;
        int r;

        int sev = ev->severity > SEVERITY_CRITICAL ? agent_event_severity(ev->json, ev->len) : ev->severity;

        format_timestamp(ts, ev->time_ns);
        r = buf_printf(msg, "<%u>1 %s ", facility * 8 + (unsigned) syslog_severity(sev), ts);
        if (r >= 0)
                r = agent_json_member(ev->json, ev->len, "host", "name", &v, &n) ? header_field(msg, v, n, 255) :
                                                                                  buf_putc(msg, '-');
        if (r >= 0)
                r = buf_printf(msg, " driftwatch %d finding [driftwatch@32473 id=\"", (int) getpid());
        if (r >= 0)
                r = sd_value(msg, ev->id, strlen(ev->id));
        if (r >= 0)
                r = buf_printf(msg, "\" severity=\"%s\"",
                               sev >= SEVERITY_LOW && sev <= SEVERITY_CRITICAL ? severity_name(sev) : "low");
        if (r >= 0 && agent_json_member(ev->json, ev->len, "rule", "id", &v, &n)) {
                r = buf_puts(msg, " rule=\"");
                if (r >= 0)
                        r = sd_value(msg, v, n);
                if (r >= 0)
                        r = buf_putc(msg, '"');
        }
        if (r >= 0)
                r = buf_puts(msg, "] ");
        if (r >= 0)
                r = buf_append(msg, ev->json, ev->len);
        return r < 0 ? r : 0;
}
