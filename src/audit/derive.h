/* Internal to src/audit: deriving a complete event's summary from its records
 * (derive.c), called by the assembler (event.c) once per event. */
#pragma once

#include "basic/arena.h"
#include "basic/buf.h"
#include "event.h"

struct audit_derive {
        struct arena *scratch;          /* derived strings and arrays; reset by the caller */
        struct buf *arg;                /* one EXECVE argument being reassembled */
        size_t max_argc;
};

/* Fills the derived members of ev (syscall, cwd, paths, argv, proctitle, lost)
 * from ev->records and adds the quality flags they imply. 0 or -ENOMEM. */
int audit_event_derive(const struct audit_derive *d, struct audit_event *ev);
