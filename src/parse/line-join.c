/* Physical and logical lines; see line-join.h. */
#define _GNU_SOURCE
#include "line-join.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int line_join_init(struct line_join *lj, size_t len, size_t max_bytes, size_t max, char **ret_error)
{
        if (len > max_bytes) {
                if (ret_error && asprintf(ret_error, "larger than %zu MiB", max_bytes >> 20) < 0)
                        *ret_error = NULL;
                return -E2BIG;
        }
        *lj = (struct line_join) { .max = max };
        lj->text = malloc(max + 2);
        return lj->text ? 0 : -ENOMEM;
}

void line_join_release(struct line_join *lj)
{
        free(lj->text);
        lj->text = NULL;
}

static bool blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

int line_next(const char *buf, size_t len, size_t *pos, char **ret, size_t *ret_n)
{
        const char *p = buf + *pos, *nl;
        size_t n, i;
        char *copy;

        if (*pos >= len)
                return 0;
        nl = memchr(p, '\n', len - *pos);
        n = nl ? (size_t) (nl - p) : len - *pos;
        *pos += n + (nl ? 1 : 0);
        if (n > 0 && p[n - 1] == '\r')
                n--;            /* a CRLF line end */
        for (i = 0; i < n; i++)
                if (((unsigned char) p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
                        return -EBADMSG;
        copy = malloc(n + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, p, n);
        copy[n] = '\0';
        *ret = copy;
        *ret_n = n;
        return 1;
}

int line_join_add(struct line_join *lj, const char *p, size_t cut, bool may_continue, unsigned lineno)
{
        while (cut > 0 && blank(p[cut - 1]))
                cut--;
        if (!lj->continued) {
                lj->start = lineno;
                lj->n = 0;
        }
        lj->continued = may_continue && cut > 0 && p[cut - 1] == '\\' && (cut < 2 || p[cut - 2] != '\\');
        if (lj->continued)
                cut--;
        if (lj->n + cut + 1 > lj->max)
                return -E2BIG;
        memcpy(lj->text + lj->n, p, cut);
        lj->n += cut;
        lj->text[lj->n++] = ' ';
        lj->text[lj->n] = '\0';
        return lj->continued ? 0 : 1;
}

size_t printable_word(const char *s, size_t max)
{
        size_t n = 0;

        while (n < max && s[n] > 0x20 && s[n] < 0x7f)
                n++;
        return n;
}
