/* The inputs of driftwatch audit (audit-input.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "audit/event.h"
#include "basic/strv.h"

/* Adds one command-line input: "-" (standard input), a file, a directory (its
 * audit.log.N ... audit.log.1 audit.log, oldest first) or a quoted glob
 * (expanded in the same rotation order). EXIT_CLEAN, or the error printed and
 * EXIT_TROUBLE. */
int audit_input_add(const char *arg, struct strv *files);

struct audit_input_options {
        bool follow;            /* after the last input's end, keep reading it as it grows, across rotation */
        unsigned poll_ms;       /* follow/stdin: how often to look for growth or rotation (0: 250) */
        void (*idle)(void *userdata, uint64_t now_ms);   /* called when no line arrived for poll_ms (may be NULL) */
        void *userdata;
        /* For each file, the command-line input it came from (a file, a
         * directory, a glob): one whose files read to their end hold no audit
         * record at all is an error. NULL: no such check. Standard input and
         * the followed input are never checked (a live stream may be quiet). */
        const struct strv *inputs;
};

/* Feeds every input in order into a; o NULL: all zero (no follow). Standard
 * input is read with poll() as data arrives, to its end, whatever follow says.
 * With follow, the last input (a regular file; anything else is read like
 * standard input) is read on at its end as it grows: when the path names
 * another file (auditd's rotation: audit.log renamed, a new one created), the
 * old one is read to its end and the new one from its start, once it exists;
 * when the file shrinks below what was read (copytruncate), it is read again
 * from its start. A change is noticed through inotify on the file's directory,
 * or within poll_ms.
 *
 * While standard input or a followed file has nothing to read, the assembler
 * is ticked (audit_assembler_tick() with CLOCK_MONOTONIC milliseconds, so that
 * limits.window_ms completes idle events; set it, e.g. 2000, for live use) and
 * o->idle is called with CLOCK_REALTIME milliseconds since the epoch each time
 * poll_ms pass without a line. A SIGINT/SIGTERM/SIGHUP (cli_cancel) interrupts
 * the wait: when following or reading standard input this is the normal end,
 * EXIT_CLEAN, and the caller flushes the assembler.
 *
 * Returns EXIT_CLEAN; EXIT_TROUBLE with the error printed (an input that cannot
 * be opened or read, an input without audit records (o->inputs), an
 * interruption of plain file reading); or the negative
 * error the assembler's callback returned, not printed. */
int audit_inputs_read(const struct strv *files, struct audit_assembler *a, const struct audit_input_options *o);
