/* Bump allocator; see arena.h. */
#include "arena.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Regular chunks start small and double up to CHUNK_SIZE: an arena that holds
 * one finding's strings costs a page, one that holds a tree's grows to big
 * chunks after a few steps. */
#define FIRST_CHUNK_SIZE ((size_t) 4 << 10)
#define CHUNK_SIZE ((size_t) 256 << 10)

struct arena_chunk {
        struct arena_chunk *next;
        size_t used, size;
        bool large;                     /* one large object's own chunk */
        max_align_t data[];
};

void arena_init(struct arena *a)
{
        a->head = NULL;
        a->total = 0;
        a->next_size = FIRST_CHUNK_SIZE;
}

void arena_release(struct arena *a)
{
        struct arena_chunk *c = a->head, *next;

        for (; c; c = next) {
                next = c->next;
                free(c);
        }
        arena_init(a);
}

void arena_reset(struct arena *a)
{
        struct arena_chunk *keep = a->head, *c, *next;

        /* Only a regular chunk is worth keeping; a large object's is freed. */
        if (keep && keep->large)
                keep = NULL;
        for (c = a->head; c; c = next) {
                next = c->next;
                if (c != keep)
                        free(c);
        }
        if (keep) {
                keep->next = NULL;
                keep->used = 0;
        }
        a->head = keep;
        a->total = 0;
        if (!keep)
                a->next_size = FIRST_CHUNK_SIZE;
}

void arena_merge(struct arena *dst, struct arena *src)
{
        struct arena_chunk *c = src->head;

        if (!c)
                return;
        while (c->next)
                c = c->next;
        c->next = dst->head;
        dst->head = src->head;
        dst->total += src->total;
        if (src->next_size > dst->next_size)
                dst->next_size = src->next_size;
        arena_init(src);
}

void *arena_alloc(struct arena *a, size_t n)
{
        const size_t align = sizeof(max_align_t);
        struct arena_chunk *c = a->head;
        size_t size;
        void *p;

        if (n > SIZE_MAX - align)
                return NULL;
        n = (n + align - 1) & ~(align - 1);
        if (!c || c->size - c->used < n) {
                bool large = n > CHUNK_SIZE / 4;

                size = a->next_size ? a->next_size : FIRST_CHUNK_SIZE;
                while (!large && size < n)
                        size *= 2;
                if (large)
                        size = n;
                c = malloc(sizeof(*c) + size);
                if (!c)
                        return NULL;
                c->used = 0;
                c->size = size;
                c->large = large;
                if (!large && size < CHUNK_SIZE)
                        a->next_size = size * 2;
                if (large && a->head) {
                        /* A large object gets its own chunk behind the current one,
                         * so the current chunk's free space stays usable. */
                        c->next = a->head->next;
                        a->head->next = c;
                } else {
                        c->next = a->head;
                        a->head = c;
                }
        }
        p = (char *) c->data + c->used;
        c->used += n;
        a->total += n;
        return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t n)
{
        void *q = arena_alloc(a, n ? n : 1);

        if (q && n)
                memcpy(q, p, n);
        return q;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
        char *q = arena_alloc(a, n + 1);

        if (q) {
                memcpy(q, s, n);
                q[n] = '\0';
        }
        return q;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
        va_list ap;
        char *q;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return NULL;
        q = arena_alloc(a, (size_t) n + 1);
        if (!q)
                return NULL;
        va_start(ap, fmt);
        vsnprintf(q, (size_t) n + 1, fmt, ap);
        va_end(ap);
        return q;
}
