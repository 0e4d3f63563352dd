/* Bump allocator for the many small, same-lifetime objects of a tree walk or a
 * loaded baseline: one free releases them all. Not thread-safe; give each
 * thread its own arena. */
#pragma once

#include <stddef.h>

struct arena_chunk;

struct arena {
        struct arena_chunk *head;
        size_t total;           /* bytes handed out, for limits and reports */
        size_t next_size;       /* of the next regular chunk */
};

void arena_init(struct arena *a);
void arena_release(struct arena *a);
/* Forgets everything allocated but keeps one chunk for reuse, so an arena
 * reset per item (an audit event) does not go back to malloc each time. */
void arena_reset(struct arena *a);

/* Moves every chunk of src into dst, leaving src empty. */
void arena_merge(struct arena *dst, struct arena *src);

void *arena_alloc(struct arena *a, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t n);
/* Copies n bytes and a terminating NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* A formatted string in the arena; NULL on allocation failure. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
