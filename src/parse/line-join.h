/* Physical and logical lines of the configuration files whose lines go on
 * after a '\' (sudoers, PAM): one physical line at a time as a NUL-terminated
 * copy, refused when it holds a NUL or another control character (binary
 * data), and the logical line they join into, bounded. Pure; never prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct line_join {
        char *text;                     /* the logical line so far, NUL-terminated, a blank per joint */
        size_t n, max;
        unsigned start;                 /* its first physical line */
        bool continued;                 /* the last line added ended in '\' */
};

/* Ready for an input of len bytes, logical lines of at most max: -E2BIG
 * when len passes max_bytes (*ret_error, if given, says so: "larger than
 * N MiB"), -ENOMEM. */
int line_join_init(struct line_join *lj, size_t len, size_t max_bytes, size_t max, char **ret_error);
void line_join_release(struct line_join *lj);

/* The physical line at *pos of buf (without its '\n', or "\r\n") as a new
 * NUL-terminated string; *pos moves past it (also when it is refused). 1 a
 * line, 0 at the end, -EBADMSG a control character other than a tab in it,
 * -ENOMEM. */
int line_next(const char *buf, size_t len, size_t *pos, char **ret, size_t *ret_n);

/* Adds the first cut bytes of physical line 'lineno' (its comment already
 * cut off): blanks at its end dropped, and a '\' there (unless may_continue
 * is false) continues the logical line. 1 a logical line is complete in
 * lj->text, 0 it goes on, -E2BIG it would pass max. */
int line_join_add(struct line_join *lj, const char *p, size_t cut, bool may_continue, unsigned lineno);

/* How many of the first max bytes of s are printable ASCII other than a
 * blank: the part of an input word an error message may quote. */
size_t printable_word(const char *s, size_t max);
