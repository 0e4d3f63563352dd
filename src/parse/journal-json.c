/* `journalctl -o json` lines; see journal-json.h.
 *
 * Bytes are gathered into the line buffer up to the newline; a line that
 * outgrows it is only counted from then on. jansson parses a whole line
 * (at most JOURNAL_JSON_LINE_MAX bytes, so its tree is bounded too), and
 * its members become fields of one entry. */
#define _GNU_SOURCE
#include "journal-json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

struct journal_json {
        uint64_t line;                  /* the current line's number, from 1 */
        size_t len;                     /* bytes of it in buf */
        uint64_t skipped;               /* bytes of a line too long: counted, not kept */
        bool skipping;
        const char *error;
        char error_buf[256];
        unsigned char value[JOURNAL_FIELD_MAX];   /* a byte array's bytes */
        char buf[JOURNAL_JSON_LINE_MAX];
};

int journal_json_new(struct journal_json **ret)
{
        struct journal_json *j = calloc(1, sizeof(*j));

        if (!j)
                return -ENOMEM;
        j->line = 1;
        *ret = j;
        return 0;
}

struct journal_json *journal_json_free(struct journal_json *j)
{
        free(j);
        return NULL;
}

const char *journal_json_error(const struct journal_json *j)
{
        return j->error;
}

uint64_t journal_json_line(const struct journal_json *j)
{
        return j->line;
}

#define FAIL(j, ...) \
        (snprintf((j)->error_buf, sizeof((j)->error_buf), __VA_ARGS__), (j)->error = (j)->error_buf, -EBADMSG)

/* An array of byte numbers: 1 with the bytes in j->value (*ret_len of
 * them; over JOURNAL_FIELD_MAX only counted), 0 when it is not one. */
static int byte_array(struct journal_json *j, const json_t *v, size_t *ret_len)
{
        size_t i, n = json_array_size(v);
        const json_t *x;

        json_array_foreach(v, i, x) {
                json_int_t b;

                if (!json_is_integer(x) || (b = json_integer_value(x)) < 0 || b > 255)
                        return 0;
                if (i < sizeof(j->value))
                        j->value[i] = (unsigned char) b;
        }
        *ret_len = n;
        return 1;
}

/* One value of field name: a string, null, or a byte array. */
static int add_value(struct journal_json *j, struct export_parser *p, const char *name, const json_t *v)
{
        size_t len;

        if (json_is_string(v))
                return export_parser_add_field(p, name, strlen(name), json_string_value(v), json_string_length(v));
        if (json_is_null(v))
                /* A value journalctl left out (over its size threshold): counted as dropped. */
                return export_parser_add_field(p, "", 0, "", 0);
        if (json_is_array(v) && byte_array(j, v, &len))
                /* Over the limit only its size is given: the parser drops it and notes it. */
                return export_parser_add_field(p, name, strlen(name), len <= sizeof(j->value) ? (char *) j->value : NULL,
                                               len);
        return FAIL(j, "field '%.64s' is not a string, null or an array of bytes", name);
}

static int parse_line(struct journal_json *j, struct export_parser *p, export_entry_fn fn, void *userdata)
{
        json_t *root, *v;
        json_error_t err;
        const char *name;
        size_t i;
        int r = 0;

        while (j->len > 0 && (j->buf[j->len - 1] == '\r' || j->buf[j->len - 1] == ' ' || j->buf[j->len - 1] == '\t'))
                j->len--;
        if (j->len == 0)
                return 0;
        root = json_loadb(j->buf, j->len, JSON_ALLOW_NUL, &err);
        if (!root)
                return FAIL(j, "%s (column %d)", err.text, err.column);
        if (!json_is_object(root)) {
                json_decref(root);
                return FAIL(j, "not a JSON object");
        }
        json_object_foreach(root, name, v) {
                if (json_is_array(v) && !byte_array(j, v, &i)) {
                        /* A repeated field: each of its values. */
                        const json_t *x;

                        json_array_foreach(v, i, x) {
                                r = add_value(j, p, name, x);
                                if (r < 0)
                                        break;
                        }
                } else
                        r = add_value(j, p, name, v);
                if (r < 0)
                        break;
        }
        json_decref(root);
        if (r < 0) {
                /* The fields read so far are no entry: drop them. */
                return r;
        }
        return export_parser_end_entry(p, fn, userdata);
}

static int line_end(struct journal_json *j, struct export_parser *p, export_entry_fn fn, journal_json_skip_fn skip,
                    void *userdata)
{
        int r;

        if (j->skipping)
                r = skip ? skip(j->line, j->skipped, userdata) : 0;
        else
                r = parse_line(j, p, fn, userdata);
        if (r < 0)
                return r;
        j->len = 0;
        j->skipped = 0;
        j->skipping = false;
        j->line++;
        return 0;
}

int journal_json_feed(struct journal_json *j, struct export_parser *p, const char *buf, size_t len,
                      export_entry_fn fn, journal_json_skip_fn skip, void *userdata)
{
        if (j->error)
                return -EBADMSG;
        while (len > 0) {
                const char *nl = memchr(buf, '\n', len);
                size_t n = nl ? (size_t) (nl - buf) : len;
                int r;

                if (!j->skipping && j->len + n > sizeof(j->buf)) {
                        j->skipping = true;
                        j->skipped = j->len;
                }
                if (j->skipping)
                        j->skipped += n;
                else {
                        memcpy(j->buf + j->len, buf, n);
                        j->len += n;
                }
                if (!nl)
                        return 0;
                r = line_end(j, p, fn, skip, userdata);
                if (r < 0)
                        return r;
                buf += n + 1;
                len -= n + 1;
        }
        return 0;
}

int journal_json_finish(struct journal_json *j, struct export_parser *p, export_entry_fn fn,
                        journal_json_skip_fn skip, void *userdata)
{
        if (j->error)
                return -EBADMSG;
        if (j->len == 0 && !j->skipping)
                return 0;
        return line_end(j, p, fn, skip, userdata);
}
