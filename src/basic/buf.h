/* Growable byte buffer with a hard maximum size. Every buffer that an input can
 * grow has one, so a hostile input hits -E2BIG instead of exhausting memory. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "macros.h"

struct buf {
        char *data;     /* always NUL-terminated when non-NULL */
        size_t len;
        size_t cap;
        size_t max;     /* 0 means BUF_DEFAULT_MAX */
};

#define BUF_DEFAULT_MAX ((size_t) 64 << 20)

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);

int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_putc(struct buf *b, char c);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) _printf_(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* Hands the data over (NUL-terminated, never NULL) and leaves the buffer empty. */
char *buf_steal(struct buf *b);
