/* Growable byte buffer with a maximum size; see buf.h. */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
        *b = (struct buf) { .max = max ? max : BUF_DEFAULT_MAX };
}

void buf_release(struct buf *b)
{
        free(b->data);
        b->data = NULL;
        b->len = b->cap = 0;
}

void buf_reset(struct buf *b)
{
        b->len = 0;
        if (b->data)
                b->data[0] = '\0';
}

int buf_reserve(struct buf *b, size_t extra)
{
        size_t max = b->max ? b->max : BUF_DEFAULT_MAX;
        size_t need, cap;
        char *p;

        /* The common case, first: there is room (cap never exceeds max + 1). */
        if (b->data && extra < b->cap - b->len)
                return 0;
        if (extra > max || b->len > max - extra)
                return -E2BIG;
        need = b->len + extra + 1;
        if (need <= b->cap)
                return 0;
        cap = b->cap ? b->cap : 64;
        while (cap < need)
                cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        if (cap > max + 1)
                cap = max + 1;
        p = realloc(b->data, cap);
        if (!p)
                return -ENOMEM;
        p[b->len] = '\0';
        b->data = p;
        b->cap = cap;
        return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
        int r = buf_reserve(b, n);

        if (r < 0)
                return r;
        if (n)
                memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
}

int buf_putc(struct buf *b, char c)
{
        if (b->data && b->cap - b->len > 1) {
                b->data[b->len++] = c;
                b->data[b->len] = '\0';
                return 0;
        }
        return buf_append(b, &c, 1);
}

int buf_puts(struct buf *b, const char *s)
{
        return buf_append(b, s, strlen(s));
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
        va_list aq;
        int n, r;

        va_copy(aq, ap);
        n = vsnprintf(NULL, 0, fmt, aq);
        va_end(aq);
        if (n < 0)
                return -EINVAL;
        r = buf_reserve(b, (size_t) n);
        if (r < 0)
                return r;
        vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
        b->len += (size_t) n;
        return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = buf_vprintf(b, fmt, ap);
        va_end(ap);
        return r;
}

char *buf_steal(struct buf *b)
{
        char *p;

        if (!b->data && buf_reserve(b, 0) < 0)
                return NULL;
        p = b->data;
        b->data = NULL;
        b->len = b->cap = 0;
        return p;
}
