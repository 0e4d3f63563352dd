/* The GLib key file reader; see keyfile.h. */
#define _GNU_SOURCE
#include "keyfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"

struct keyfile *keyfile_free(struct keyfile *kf)
{
        size_t i;

        if (!kf)
                return NULL;
        for (i = 0; i < kf->n; i++) {
                free(kf->v[i].group);
                free(kf->v[i].key);
                free(kf->v[i].value);
        }
        free(kf->v);
        free(kf);
        return NULL;
}

const struct keyfile_entry *keyfile_get(const struct keyfile *kf, const char *group, const char *key)
{
        size_t i;

        for (i = 0; kf && i < kf->n; i++)
                if (strcmp(kf->v[i].group, group) == 0 && strcmp(kf->v[i].key, key) == 0)
                        return &kf->v[i];
        return NULL;
}

int keyfile_boolean(const char *value, bool *ret)
{
        if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
                *ret = true;
        else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static char *unescape(const char *s, size_t n)
{
        char *out = malloc(n + 1), *o = out;
        size_t i;

        if (!out)
                return NULL;
        for (i = 0; i < n; i++) {
                if (s[i] != '\\' || i + 1 == n) {
                        *o++ = s[i];
                        continue;
                }
                switch (s[++i]) {
                case 's': *o++ = ' '; break;
                case 'n': *o++ = '\n'; break;
                case 't': *o++ = '\t'; break;
                case 'r': *o++ = '\r'; break;
                case '\\': *o++ = '\\'; break;
                default: *o++ = '\\'; *o++ = s[i]; break;
                }
        }
        *o = 0;
        return out;
}

static int set(struct keyfile *kf, const char *group, const char *key, size_t key_len, const char *value,
               size_t value_len, unsigned line)
{
        _cleanup_(freep) char *k = strndup(key, key_len), *v = unescape(value, value_len), *g = NULL;
        struct keyfile_entry *e;
        size_t i;

        if (!k || !v)
                return -ENOMEM;
        for (i = 0; i < kf->n; i++)
                if (strcmp(kf->v[i].group, group) == 0 && strcmp(kf->v[i].key, k) == 0) {
                        free(kf->v[i].value);
                        kf->v[i].value = TAKE_PTR(v);
                        kf->v[i].line = line;
                        return 0;
                }
        if (kf->n >= KEYFILE_MAX_ENTRIES)
                return -E2BIG;
        g = strdup(group);
        e = reallocarray(kf->v, kf->n + 1, sizeof(*e));
        if (!g || !e)
                return -ENOMEM;
        kf->v = e;
        kf->v[kf->n++] = (struct keyfile_entry) { .group = TAKE_PTR(g), .key = TAKE_PTR(k), .value = TAKE_PTR(v),
                                                  .line = line };
        return 0;
}

int keyfile_parse(const char *buf, size_t len, struct keyfile **ret, char **ret_error)
{
        _cleanup_(keyfile_freep) struct keyfile *kf = calloc(1, sizeof(*kf));
        _cleanup_(freep) char *group = NULL;
        const char *p = buf, *end = buf + len;
        unsigned line = 0;
        int r;

        if (!kf)
                return -ENOMEM;
        if (len > KEYFILE_MAX_BYTES)
                goto too_big;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p)), *e = nl ?: end, *eq, *k_end, *v;

                line++;
                while (p < e && is_space(*p))
                        p++;
                while (e > p && is_space(e[-1]))
                        e--;
                if (memchr(p, 0, (size_t) (e - p)) || !utf8_valid(p, (size_t) (e - p))) {
                        r = -EBADMSG;
                        if (ret_error && asprintf(ret_error, "line %u: not UTF-8 text", line) < 0)
                                *ret_error = NULL;
                        return r;
                }
                if (p == e || *p == '#') {
                        /* blank or comment */
                } else if (*p == '[') {
                        if (e[-1] != ']' || e - p < 3 || memchr(p + 1, '[', (size_t) (e - p - 2)) ||
                            memchr(p + 1, ']', (size_t) (e - p - 2)))
                                goto bad_group;
                        free(group);
                        group = strndup(p + 1, (size_t) (e - p - 2));
                        if (!group)
                                return -ENOMEM;
                } else if (!(eq = memchr(p, '=', (size_t) (e - p)))) {
                        goto bad_line;
                } else if (!group) {
                        if (ret_error && asprintf(ret_error, "line %u: a key before the first group", line) < 0)
                                *ret_error = NULL;
                        return -EBADMSG;
                } else {
                        for (k_end = eq; k_end > p && is_space(k_end[-1]); k_end--)
                                ;
                        if (k_end == p)
                                goto bad_line;
                        for (v = eq + 1; v < e && is_space(*v); v++)
                                ;
                        r = set(kf, group, p, (size_t) (k_end - p), v, (size_t) (e - v), line);
                        if (r == -E2BIG)
                                goto too_big;
                        if (r < 0)
                                return r;
                }
                p = nl ? nl + 1 : end;
        }
        *ret = TAKE_PTR(kf);
        return 0;
bad_group:
        if (ret_error && asprintf(ret_error, "line %u: a malformed group name", line) < 0)
                *ret_error = NULL;
        return -EBADMSG;
bad_line:
        if (ret_error && asprintf(ret_error, "line %u: not a key-value pair, group or comment", line) < 0)
                *ret_error = NULL;
        return -EBADMSG;
too_big:
        if (ret_error && asprintf(ret_error, "line %u: more than %d keys or %zu bytes", line, KEYFILE_MAX_ENTRIES,
                                  KEYFILE_MAX_BYTES) < 0)
                *ret_error = NULL;
        return -E2BIG;
}
