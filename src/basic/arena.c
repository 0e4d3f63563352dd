/* Bump allocator; see arena.h. */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE ((size_t) 256 << 10)

struct arena_chunk {
        struct arena_chunk *next;
        size_t used, size;
        max_align_t data[];
};

void arena_init(struct arena *a)
{
        a->head = NULL;
        a->total = 0;
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
        if (keep && keep->size != CHUNK_SIZE)
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
                size = n > CHUNK_SIZE / 4 ? n : CHUNK_SIZE;
                c = malloc(sizeof(*c) + size);
                if (!c)
                        return NULL;
                c->used = 0;
                c->size = size;
                if (size == n && a->head) {
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
