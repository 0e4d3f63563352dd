/* Structured errors; see error.h. */
#define _GNU_SOURCE
#include "error.h"

#include "escape.h"

#include <stdarg.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int dw_error_set(struct dw_error *e, int r, const char *input, const char *fmt, ...)
{
        va_list ap;

        if (!e || e->r)
                return r;
        e->r = r;
        e->input = input ? strdup(input) : NULL;
        va_start(ap, fmt);
        if (escape_message(&e->reason, ERROR_REASON_MAX, fmt, ap) < 0)
                e->reason = NULL;
        va_end(ap);
        return r;
}

void dw_error_release(struct dw_error *e)
{
        if (!e)
                return;
        free(e->input);
        free(e->reason);
        *e = (struct dw_error) { 0 };
}

const char *dw_error_reason(const struct dw_error *e)
{
        return e->reason ? e->reason : strerror(e->r < 0 ? -e->r : EIO);
}

int line_error(char **ret_error, int r, unsigned line, const char *what)
{
        char *m = NULL;

        if (!ret_error)
                return r;
        if (line ? asprintf(&m, "line %u: %s", line, what) < 0 : !(m = strdup(what)))
                return -ENOMEM;
        *ret_error = m;
        return r;
}

int reason_set(char **ret_error, int r, const char *fmt, ...)
{
        va_list ap;

        if (ret_error && !*ret_error) {
                va_start(ap, fmt);
                if (escape_message(ret_error, ERROR_REASON_MAX, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return r;
}
