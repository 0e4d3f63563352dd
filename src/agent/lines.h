/* Complete lines out of a byte stream that arrives in pieces (a pipe read
 * when poll() says so): the agent's children's pipes and, in the audit
 * stream's child, standard input. Each line at most max bytes; a longer one
 * is skipped to its end and counted. Library code: never prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/buf.h"

/* The most read from a descriptor at once. */
#define LINES_CHUNK ((size_t) 64 << 10)

struct lines {
        struct buf b;
        size_t max;
        bool skipping;
        uint64_t skipped;
};

typedef int (*lines_fn)(void *userdata, const char *line, size_t len);

void lines_init(struct lines *l, size_t max);
void lines_release(struct lines *l);
/* Forgets a line begun (a new stream in the same buffer). */
void lines_reset(struct lines *l);
/* Appends p[0..n) and calls fn for each complete line (without its newline);
 * 0, or the first negative fn returned, or -ENOMEM. */
int lines_feed(struct lines *l, const char *p, size_t n, lines_fn fn, void *userdata);
