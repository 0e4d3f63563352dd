/* The finding ids (ECS event.id, stable across runs) a run reported, kept
 * for the next run to tell what is new since: scan keeps them in its state
 * directory (SEEN_FILE). The output marks each finding it emits against the
 * previous run's (driftwatch.new_since_last_run, the text view's "new") and
 * records it for this run's. Library code: never prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/buf.h"
#include "basic/macros.h"

#define SEEN_FILE "findings.seen"
#define SEEN_MAX_IDS 1000000            /* ids kept from one run; past it, the rest count as new next time */
#define SEEN_ID_LEN 32                  /* hex digits */

struct seen_ids {
        bool previous;                  /* a previous run was recorded */
        int64_t previous_ns;            /* ... when it started */
        char *prev;                     /* its ids, sorted, SEEN_ID_LEN bytes each */
        size_t n_prev;
        char *cur;                      /* this run's, as they come */
        size_t n_cur, cap_cur;
        unsigned long new_alerts;       /* alerts of this run not in the previous (the output counts them) */
};

/* Parses a SEEN_FILE: "driftwatch-seen 1 START_NS" and one id per line.
 * -EBADMSG when malformed, -E2BIG past SEEN_MAX_IDS. On success *s (which
 * the caller gives zeroed) holds the previous run. */
int seen_ids_parse(const char *buf, size_t len, struct seen_ids *s);
/* Reads path: a missing file is no previous run (0). */
int seen_ids_load(const char *path, struct seen_ids *s);
/* Whether id (SEEN_ID_LEN hex digits and a NUL) is new since the previous
 * run (every id is when there was none); records it for this run. */
bool seen_ids_note(struct seen_ids *s, const char *id);
/* This run's ids as a SEEN_FILE's content, started at start_ns. */
int seen_ids_format(const struct seen_ids *s, int64_t start_ns, struct buf *out);
void seen_ids_release(struct seen_ids *s);
