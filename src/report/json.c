/* Streaming JSON writer; see json.h. */
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "basic/escape.h"

void json_init(struct json *j, struct buf *b)
{
        *j = (struct json) { .b = b };
}

static void note(struct json *j, int r)
{
        if (r < 0 && !j->error)
                j->error = r;
}

static void prefix(struct json *j, const char *key)
{
        if (j->error)
                return;
        if (j->depth > 0) {
                if (j->comma[j->depth - 1])
                        note(j, buf_putc(j->b, ','));
                j->comma[j->depth - 1] = true;
        }
        if (key) {
                note(j, json_quote(j->b, key, strlen(key)));
                note(j, buf_putc(j->b, ':'));
        }
}

static void open_scope(struct json *j, const char *key, char c)
{
        prefix(j, key);
        if (j->error)
                return;
        if (j->depth >= JSON_MAX_DEPTH) {
                note(j, -EINVAL);
                return;
        }
        note(j, buf_putc(j->b, c));
        j->comma[j->depth++] = false;
}

static void close_scope(struct json *j, char c)
{
        if (j->error)
                return;
        if (j->depth == 0) {
                note(j, -EINVAL);
                return;
        }
        j->depth--;
        note(j, buf_putc(j->b, c));
}

void json_object_begin(struct json *j, const char *key)
{
        open_scope(j, key, '{');
}

void json_object_end(struct json *j)
{
        close_scope(j, '}');
}

void json_array_begin(struct json *j, const char *key)
{
        open_scope(j, key, '[');
}

void json_array_end(struct json *j)
{
        close_scope(j, ']');
}

void json_string_n(struct json *j, const char *key, const char *s, size_t n)
{
        prefix(j, key);
        if (!j->error)
                note(j, json_quote(j->b, s, n));
}

void json_string(struct json *j, const char *key, const char *s)
{
        json_string_n(j, key, s, strlen(s));
}

void json_int(struct json *j, const char *key, int64_t v)
{
        prefix(j, key);
        if (!j->error)
                note(j, buf_printf(j->b, "%" PRId64, v));
}

void json_bool(struct json *j, const char *key, bool v)
{
        prefix(j, key);
        if (!j->error)
                note(j, buf_puts(j->b, v ? "true" : "false"));
}

int json_finish(struct json *j)
{
        if (!j->error && j->depth != 0)
                j->error = -EINVAL;
        return j->error;
}
