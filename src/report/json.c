/* Streaming JSON writer; see json.h. */
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "basic/escape.h"
#include "parse/audit-record.h"

void json_init(struct json *j, struct buf *b)
{
        *j = (struct json) { .b = b };
}

static void note(struct json *j, int r)
{
        if (r < 0 && !j->error)
                j->error = r;
}

/* Whether a key needs no escaping (printable ASCII, no quote or backslash):
 * the keys of this code base; keys taken from an input (xattr names) may not. */
static bool plain(const char *s, size_t n)
{
        size_t i;

        for (i = 0; i < n; i++)
                if ((unsigned char) s[i] < 0x20 || (unsigned char) s[i] >= 0x7f || s[i] == '"' || s[i] == '\\')
                        return false;
        return true;
}

static void prefix(struct json *j, const char *key)
{
        size_t n;
        char *p;

        if (j->error)
                return;
        if (j->depth > 0) {
                if (j->comma[j->depth - 1])
                        note(j, buf_putc(j->b, ','));
                j->comma[j->depth - 1] = true;
        }
        if (!key)
                return;
        n = strlen(key);
        if (!plain(key, n) || buf_reserve(j->b, n + 3) < 0) {
                note(j, json_quote(j->b, key, n));
                note(j, buf_putc(j->b, ':'));
                return;
        }
        /* "key": in one go; a JSON line has dozens of keys. */
        p = j->b->data + j->b->len;
        p[0] = '"';
        memcpy(p + 1, key, n);
        p[n + 1] = '"';
        p[n + 2] = ':';
        p[n + 3] = '\0';
        j->b->len += n + 3;
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

/* v's decimal digits, ending at end; returns where they start (no printf:
 * a JSON line may hold a dozen numbers). */
static char *format_int(char *end, int64_t v)
{
        uint64_t u = v < 0 ? 0 - (uint64_t) v : (uint64_t) v;
        char *p = end;

        do
                *--p = (char) ('0' + u % 10);
        while (u /= 10);
        if (v < 0)
                *--p = '-';
        return p;
}

void json_int(struct json *j, const char *key, int64_t v)
{
        char digits[24], *p = format_int(digits + sizeof(digits), v);

        prefix(j, key);
        if (!j->error)
                note(j, buf_append(j->b, p, (size_t) (digits + sizeof(digits) - p)));
}

void json_int_string(struct json *j, const char *key, int64_t v)
{
        char digits[24], *p = format_int(digits + sizeof(digits), v);

        json_string_n(j, key, p, (size_t) (digits + sizeof(digits) - p));
}

void json_bool(struct json *j, const char *key, bool v)
{
        prefix(j, key);
        if (!j->error)
                note(j, buf_puts(j->b, v ? "true" : "false"));
}

void json_hex(struct json *j, const char *key, const void *p, size_t n)
{
        prefix(j, key);
        if (j->error)
                return;
        note(j, buf_putc(j->b, '"'));
        if (!j->error)
                note(j, hex_encode(j->b, p, n));
        if (!j->error)
                note(j, buf_putc(j->b, '"'));
}

void json_hex_unless_utf8(struct json *j, const char *key, const char *s, size_t n)
{
        if (!utf8_valid(s, n))
                json_hex(j, key, s, n);
}

int json_finish(struct json *j)
{
        if (!j->error && j->depth != 0)
                j->error = -EINVAL;
        return j->error;
}

void json_id(struct json *j, const char *key, int64_t v)
{
        if (audit_id_set(v))
                json_int_string(j, key, v);
}
