/* Splits a byte stream (a file descriptor, or any read function) into lines
 * through one fixed-size buffer, so memory stays flat whatever the input size.
 * A line longer than the maximum is returned cut to the maximum with
 * LINE_TRUNCATED and the rest of it is skipped; a last line without a newline
 * is returned with LINE_NO_NEWLINE. Lines may contain any byte, NUL included. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/macros.h"

/* auditd lines are below 9 KiB (the kernel's 8970-byte records plus ENRICHED
 * fields); anything past 64 KiB is not an audit record. */
#define LINE_READER_DEFAULT_MAX ((size_t) 64 << 10)
#define LINE_READER_MAX_MAX ((size_t) 16 << 20)

enum {
        LINE_TRUNCATED = 1 << 0,        /* longer than the maximum: the rest was skipped */
        LINE_NO_NEWLINE = 1 << 1,       /* the stream ended inside this line */
};

/* Reads up to n bytes into p: the count, 0 at the end, or -errno. */
typedef ssize_t (*line_read_fn)(void *userdata, void *p, size_t n);

struct line_reader;

/* Reads fd (not owned, not closed) until its end. max_line 0: the default. */
int line_reader_new(int fd, size_t max_line, struct line_reader **ret);
int line_reader_new_fn(line_read_fn fn, void *userdata, size_t max_line, struct line_reader **ret);
void line_reader_free(struct line_reader *r);
DEFINE_FREEP(struct line_reader, line_reader_free)

/* Next line without its newline: 1 and *ret_line, *ret_len (valid until the
 * next call) and *ret_flags, 0 at the end, or -errno from reading (a later
 * call may be retried). */
int line_reader_next(struct line_reader *r, const char **ret_line, size_t *ret_len, unsigned *ret_flags);

/* Bytes consumed so far. */
uint64_t line_reader_offset(const struct line_reader *r);
