/* The systemd unit file syntax, bounded; see unit-file.h. */
#define _GNU_SOURCE
#include "unit-file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/error.h"

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct unit_file *unit_file_free(struct unit_file *u)
{
        if (!u)
                return NULL;
        free(u->v);
        free(u->storage);
        free(u);
        return NULL;
}

/* Trims the whitespace at both ends of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
        while (*n > 0 && is_space(**s)) {
                (*s)++;
                (*n)--;
        }
        while (*n > 0 && is_space((*s)[*n - 1]))
                (*n)--;
}

static int add_entry(struct unit_file *u, size_t *cap, const char *section, const char *key, const char *value,
                     unsigned line)
{
        if (u->n == *cap) {
                size_t c = *cap ? *cap * 2 : 16;
                struct unit_entry *v;

                if (c > UNIT_FILE_MAX_ENTRIES)
                        c = UNIT_FILE_MAX_ENTRIES;
                v = reallocarray(u->v, c, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                u->v = v;
                *cap = c;
        }
        u->v[u->n++] = (struct unit_entry) { .section = section, .key = key, .value = value, .line = line };
        return 0;
}

static int parse(const char *buf, size_t len, bool lenient, struct unit_file **ret, char **ret_error)
{
        _cleanup_(unit_file_freep) struct unit_file *u = NULL;
        const char *nul, *section = NULL;
        size_t pos = 0, w = 0, cap = 0;
        unsigned lineno = 0;
        int r;

        if (len > UNIT_FILE_MAX_BYTES)
                return line_error(ret_error, -E2BIG, 0, "larger than 1 MiB");
        nul = memchr(buf, '\0', len);
        if (nul) {
                unsigned l = 1;

                for (const char *p = buf; p < nul; p++)
                        l += *p == '\n';
                return line_error(ret_error, -EBADMSG, l, "a NUL byte");
        }
        u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        /* Every logical line shrinks or keeps its length, plus one NUL. */
        u->storage = malloc(2 * len + 2);
        if (!u->storage)
                return -ENOMEM;

        while (pos < len) {
                size_t w0 = w;
                unsigned start = lineno + 1;
                bool cont = false;
                char *s, *eq;

                for (;;) {
                        const char *p = buf + pos, *eol = memchr(p, '\n', len - pos);
                        size_t n = eol ? (size_t) (eol - p) : len - pos;

                        lineno++;
                        pos += n + (eol ? 1 : 0);
                        trim(&p, &n);
                        if (n > 0 && (p[0] == '#' || p[0] == ';')) {
                                /* a comment, also inside a continuation */
                                if (cont && pos < len)
                                        continue;
                                break;
                        }
                        if (n == 0 && !cont)
                                break;
                        if (n > 0 && p[n - 1] == '\\') {
                                cont = true;
                                n--;
                        } else {
                                cont = false;
                        }
                        if (w - w0 + n + 1 > UNIT_FILE_MAX_LINE)
                                return line_error(ret_error, -E2BIG, start, "a line longer than 64 KiB");
                        memcpy(u->storage + w, p, n);
                        w += n;
                        if (!cont || pos >= len)
                                break;
                        u->storage[w++] = ' ';
                }
                if (w == w0)
                        continue;
                /* a continuation of nothing leaves a space at the start */
                s = u->storage + w0;
                while (w > w0 && is_space(u->storage[w - 1]))
                        w--;
                u->storage[w++] = '\0';
                while (is_space(*s))
                        s++;
                if (!*s)
                        continue;
                if (s[0] == '[') {
                        size_t n = strlen(s);

                        if (n < 3 || s[n - 1] != ']' || memchr(s + 1, '[', n - 2) || memchr(s + 1, ']', n - 2))
                                return line_error(ret_error, -EBADMSG, start, "a section header that is not [NAME]");
                        s[n - 1] = '\0';
                        section = s + 1;
                        continue;
                }
                eq = strchr(s, '=');
                if (lenient && (!eq || !section || eq == s)) {
                        if (!u->ignored++)
                                u->first_ignored = start;
                        continue;
                }
                if (!eq)
                        return line_error(ret_error, -EBADMSG, start, "neither a [section] nor a KEY=VALUE line");
                if (!section)
                        return line_error(ret_error, -EBADMSG, start, "an assignment before the first [section]");
                if (eq == s)
                        return line_error(ret_error, -EBADMSG, start, "an assignment without a key");
                for (char *k = eq; k > s && is_space(k[-1]); k--)
                        k[-1] = '\0';
                *eq++ = '\0';
                while (is_space(*eq))
                        eq++;
                if (u->n == UNIT_FILE_MAX_ENTRIES)
                        return line_error(ret_error, -E2BIG, start, "more than 4096 assignments");
                r = add_entry(u, &cap, section, s, eq, start);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(u);
        return 0;
}

int unit_file_parse(const char *buf, size_t len, struct unit_file **ret, char **ret_error)
{
        return parse(buf, len, false, ret, ret_error);
}

int unit_file_parse_systemd(const char *buf, size_t len, struct unit_file **ret, char **ret_error)
{
        return parse(buf, len, true, ret, ret_error);
}
