/* The inputs of an audit analysis: files, rotated log directories and globs in
 * rotation order, or standard input, fed line by line into an assembler; for
 * live use, standard input (the audisp plugin stream) read as it arrives and
 * the last file followed as it grows, across rotation and truncation. Library
 * code: it never prints; errors come back as -errno with a struct dw_error,
 * warnings through a callback. See docs/internals/audit.md. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "audit/event.h"
#include "basic/error.h"
#include "basic/strv.h"

/* Files one directory or glob may add: more is not a log rotation. */
#define AUDIT_INPUT_MAX_FILES 100000

struct audit_inputs {
        struct strv files;      /* in reading order; "-" is standard input */
        struct strv sources;    /* for each file, the input it came from (a file, a directory, a glob) */
};

void audit_inputs_release(struct audit_inputs *in);

/* Adds one input: "-" (standard input), a file, a directory (its
 * audit.log.N ... audit.log.1 audit.log, oldest first) or a glob (expanded in
 * the same rotation order; a path that exists is taken as it is, wildcard
 * characters and all). A file is only opened when read, so a missing one is
 * reported then. 0, or -errno with *ret_error naming the input (-ENOENT: a
 * directory without audit.log files, a glob that matches nothing; -E2BIG:
 * more than AUDIT_INPUT_MAX_FILES files). */
int audit_inputs_add(struct audit_inputs *in, const char *arg, struct dw_error *ret_error);

struct audit_input_options {
        bool follow;            /* after the last input's end, keep reading it as it grows, across rotation */
        unsigned poll_ms;       /* follow/stdin: how often to look for growth or rotation (0: 250) */
        const volatile sig_atomic_t *cancel;    /* set: stop (NULL: never) */
        /* Called when no line arrived for poll_ms, with CLOCK_REALTIME
         * milliseconds since the epoch (may be NULL). */
        void (*idle)(void *userdata, uint64_t now_ms);
        /* A warning: one line, inputs quoted and escaped (may be NULL). */
        void (*note)(void *userdata, const char *message);
        void *userdata;
};

/* Feeds every file of in, in order, into a; o NULL: all zero (no follow).
 * Standard input is read with poll() as data arrives, to its end, whatever
 * follow says. With follow, the last file (a regular file; anything else is
 * read like standard input) is read on at its end as it grows: when the path
 * names another file (auditd's rotation: audit.log renamed, a new one
 * created), the old one is read to its end and the new one from its start,
 * once it exists; when the file shrinks below what was read, or the bytes
 * before the offset change (copytruncate), it is read again from its start.
 * A path that is briefly not a regular file (a FIFO) is waited out, never
 * opened, with one note. A change is noticed through inotify on the file's
 * directory, or within poll_ms.
 *
 * While standard input or a followed file has nothing to read, the assembler
 * is ticked (audit_assembler_tick() with CLOCK_MONOTONIC milliseconds, so that
 * limits.window_ms completes idle events; set it, e.g. 2000, for live use) and
 * o->idle is called each time poll_ms pass without a line. Setting *o->cancel
 * (from a signal handler: the wait is interrupted) ends the reading: when
 * following or reading standard input this is the normal end, 0, and the
 * caller flushes the assembler; otherwise -ECANCELED.
 *
 * An input whose files, read to their end, hold no audit record at all is an
 * error (-ENOMSG): the wrong file, not a quiet host. Standard input and the
 * followed file are exempt (a live stream may be quiet).
 *
 * Returns 0, or -errno with *ret_error naming the input (cannot open, cannot
 * read, no audit records, interrupted). A negative return of the assembler's
 * callback stops the reading and is returned as it is, with *ret_error left to
 * the callback, which knows what failed. */
int audit_inputs_read(const struct audit_inputs *in, struct audit_assembler *a, const struct audit_input_options *o,
                      struct dw_error *ret_error);
