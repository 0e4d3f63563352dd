/* passwd(5) names by uid; see passwd.h. */
#include "passwd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The uid field: decimal, at most 2^32 - 2 (-1 is no uid); -1 when not. */
static long long parse_uid(const char *s, size_t n)
{
        long long v = 0;
        size_t i;

        if (n == 0 || n > 10)
                return -1;
        for (i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        return v < UINT32_MAX ? v : -1;
}

static int by_uid(const void *a, const void *b)
{
        const struct passwd_user *x = a, *y = b;

        if (x->uid != y->uid)
                return x->uid < y->uid ? -1 : 1;
        /* The earlier line first: names are copied in line order. */
        return x->name < y->name ? -1 : x->name > y->name;
}

int passwd_map_parse(const char *buf, size_t len, struct passwd_map *ret)
{
        _cleanup_(freep) struct passwd_user *users = NULL;
        _cleanup_(freep) char *names = NULL;
        size_t n = 0, cap = 0, at = 0, used = 0, i, k;

        if (len > PASSWD_MAX_BYTES)
                return -EFBIG;
        names = malloc(len + 1);
        if (!names)
                return -ENOMEM;
        while (at < len) {
                const char *line = buf + at, *eol = memchr(line, '\n', len - at);
                size_t llen = eol ? (size_t) (eol - line) : len - at;
                const char *c1 = memchr(line, ':', llen), *c2, *c3;
                long long uid;

                at += llen + 1;
                if (!c1 || c1 == line || (size_t) (c1 - line) > PASSWD_MAX_NAME || line[0] == '#' || line[0] == '+' ||
                    line[0] == '-' || memchr(line, '\0', (size_t) (c1 - line)))
                        continue;
                c2 = memchr(c1 + 1, ':', llen - (size_t) (c1 + 1 - line));
                if (!c2)
                        continue;
                c3 = memchr(c2 + 1, ':', llen - (size_t) (c2 + 1 - line));
                uid = parse_uid(c2 + 1, c3 ? (size_t) (c3 - c2 - 1) : llen - (size_t) (c2 + 1 - line));
                if (uid < 0)
                        continue;
                if (n == PASSWD_MAX_USERS)
                        return -EFBIG;
                if (n == cap) {
                        struct passwd_user *p;

                        cap = cap ? cap * 2 : 64;
                        p = reallocarray(users, cap, sizeof(*p));
                        if (!p)
                                return -ENOMEM;
                        users = p;
                }
                memcpy(names + used, line, (size_t) (c1 - line));
                users[n++] = (struct passwd_user) { .uid = (uint32_t) uid, .name = names + used };
                used += (size_t) (c1 - line);
                names[used++] = '\0';
        }
        if (n)                  /* qsort() wants a base even for nothing */
                qsort(users, n, sizeof(*users), by_uid);
        for (i = 0, k = 0; i < n; i++)
                if (k == 0 || users[k - 1].uid != users[i].uid)
                        users[k++] = users[i];
        *ret = (struct passwd_map) { .users = TAKE_PTR(users), .n = k, .names = TAKE_PTR(names) };
        return 0;
}

const char *passwd_map_name(const struct passwd_map *m, long long uid)
{
        size_t lo = 0, hi;

        if (!m || uid < 0 || uid >= UINT32_MAX)
                return NULL;
        hi = m->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (m->users[mid].uid == (uint32_t) uid)
                        return m->users[mid].name;
                if (m->users[mid].uid < (uint32_t) uid)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

void passwd_map_release(struct passwd_map *m)
{
        free(m->users);
        free(m->names);
        *m = (struct passwd_map) { 0 };
}
