/* One structured error: what failed (the input: a file, a directory, a
 * command-line value), the reason as one printable line, and the -errno. The
 * one way library code reports why it failed; the edges (CLI, agent) print or
 * ship it. */
#pragma once

#include "macros.h"

struct dw_error {
        int r;                  /* negative errno */
        char *input;            /* the input as given (raw), or NULL */
        char *reason;           /* one line, inputs quoted and escaped */
};

#define ERROR_REASON_MAX 1024

/* Fills *e (when e is given and still empty: the first error wins) and
 * returns r, so a failure reads `return dw_error_set(err, -EINVAL, path, ...)`.
 * The reason is formatted like printf and escaped whole (escape_message()),
 * so an input quoted in it cannot break the line or reach a terminal. On
 * ENOMEM the reason stays NULL: dw_error_reason() falls back to strerror. */
int dw_error_set(struct dw_error *e, int r, const char *input, const char *fmt, ...) _printf_(4, 5);
void dw_error_release(struct dw_error *e);
/* The reason, or strerror(-e->r) when there is none. */
const char *dw_error_reason(const struct dw_error *e);

/* For parsers: *ret_error (when given) becomes "line N: what" (just what for
 * line 0); returns r, or -ENOMEM when the message cannot be made. */
int line_error(char **ret_error, int r, unsigned line, const char *what);

/* For parsers: *ret_error (when given and still NULL) becomes the printf-style
 * reason, escaped whole and cut at ERROR_REASON_MAX (escape_message()); left
 * NULL out of memory. Returns r. */
int reason_set(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
