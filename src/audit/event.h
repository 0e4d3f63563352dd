/* Assembles auditd records into events: the records of one (node, time, serial),
 * with what later steps need derived from them (the syscall summary, EXECVE
 * argv, PROCTITLE, absolute PATH names) and data-quality flags.
 *
 * Records of different events interleave in a log, and a log file has no EOE
 * records (only the audisp plugin stream does), so an event is complete at its
 * EOE, once window_events newer events of its node (node= prefix) have begun,
 * once the stream's time has moved window_ms past its last record, once
 * window_ms of the caller's clock have passed since its last record
 * (audit_assembler_tick(), for live streams that go idle), or at
 * audit_assembler_flush(). Memory is bounded: records and bytes per event,
 * bytes of all incomplete events (past it the oldest complete sooner, and
 * those with fewer than 8 newer events of their node are flagged
 * completed-early), argv entries. Nothing here allocates per field:
 * each incomplete event keeps its lines and field offsets in reused buffers, and
 * what an event derives lives in a scratch arena reset after each callback.
 * See docs/internals/audit.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/macros.h"
#include "parse/audit-record.h"

struct audit_limits {
        size_t window_events;           /* 64, per node */
        uint64_t window_ms;             /* 0 (off): for live streams, e.g. 2000 (stream and tick time) */
        size_t max_records;             /* records kept per event: 1024 (the rest are counted) */
        size_t max_event_bytes;         /* line bytes kept per event: 4 MiB */
        size_t max_pending_bytes;       /* bytes of all incomplete events (lines, fields, slots): 32 MiB */
        size_t max_argc;                /* EXECVE arguments kept: 65536 */
};

void audit_limits_default(struct audit_limits *l);

/* Data-quality flags (bits of audit_event.quality); audit_quality_name() gives
 * the stable names used in output. */
enum {
        AUDIT_Q_EXECVE_TRUNCATED = 1 << 0,      /* argc or aN_len promise more than arrived */
        AUDIT_Q_EXECVE_MALFORMED = 1 << 1,      /* aN past argc, pieces out of order, bad encoding */
        AUDIT_Q_PROCTITLE_ONLY = 1 << 2,        /* an exec with PROCTITLE but no EXECVE record */
        AUDIT_Q_PATH_UNRESOLVED = 1 << 3,       /* a relative PATH name without a usable CWD/PARENT */
        AUDIT_Q_PATH_MISSING = 1 << 4,          /* fewer PATH records than items= (no items=: keyed, none) */
        AUDIT_Q_RECORDS_DROPPED = 1 << 5,       /* over max_records or max_event_bytes */
        AUDIT_Q_RECORD_TRUNCATED = 1 << 6,      /* a line cut at the maximum, a quote never closed */
        AUDIT_Q_FIELDS_TRUNCATED = 1 << 7,      /* a record with more than AUDIT_RECORD_MAX_FIELDS */
        AUDIT_Q_MALFORMED_SKIPPED = 1 << 8,     /* malformed lines were skipped before this event */
        AUDIT_Q_SEQUENCE_GAP = 1 << 9,          /* serials missing before this one (same node) */
        AUDIT_Q_SERIAL_RESET = 1 << 10,         /* serials went back: reboot, auditd restart, other log */
        AUDIT_Q_LOST = 1 << 11,                 /* a record reported lost events (lost=, audit_lost=) */
        AUDIT_Q_SPLIT = 1 << 12,                /* records arrived after this serial's event was complete */
        AUDIT_Q_EARLY = 1 << 13,                /* completed early: max_pending_bytes reached (window < 8) */
        AUDIT_Q_NAME_UNRESOLVED = 1 << 14,      /* analytics: a relative name no earlier event placed either */
        AUDIT_Q_ANCESTRY_INFERRED = 1 << 15,    /* analytics: the process or an ancestor known from its SYSCALL
                                                 * records only (its exec, argv included, was not logged) */
        AUDIT_Q_UNIT_UNRESOLVED = 1 << 16,      /* analytics, live: the process's systemd unit is not known */
        AUDIT_Q_CONTAINER_UNRESOLVED = 1 << 17, /* analytics: in a container whose id was not logged */
        AUDIT_Q_COUNT_ = 18,
};

const char *audit_quality_name(unsigned bit_index);

/* One record of an event. */
struct audit_event_record {
        int type;
        unsigned flags;                 /* AUDIT_RECORD_* */
        bool truncated;                 /* the line was cut (LINE_TRUNCATED) */
        struct audit_str type_name;
        const char *line;
        size_t len;
        const struct audit_field *fields;       /* offsets into line */
        size_t n_fields;
};

static inline const struct audit_field *audit_event_record_find(const struct audit_event_record *r,
                                                                const char *name)
{
        return audit_fields_find(r->line, r->fields, r->n_fields, name, false);
}

/* The SYSCALL record's fields later rules need. Numbers are -1 when absent;
 * strings have len 0 (s NULL) when absent, (null) or ?. */
struct audit_syscall {
        int64_t number;                 /* syscall= */
        struct audit_str name;          /* ENRICHED SYSCALL= */
        uint32_t arch;                  /* AUDIT_ARCH_* from arch= (0: absent) */
        struct audit_str arch_name;     /* ENRICHED ARCH= */
        int success;                    /* 1 yes, 0 no, -1 absent */
        int64_t exit;
        bool has_exit;
        uint64_t a[4];                  /* a0..a3 */
        unsigned has_a;                 /* bit i: a[i] present */
        int64_t items;
        int64_t pid, ppid, auid, uid, euid, gid, ses;
        struct audit_str comm, exe, key, tty;
        struct audit_str auid_name, uid_name;   /* ENRICHED AUID=, UID= */
};

enum audit_nametype {
        AUDIT_NAMETYPE_NONE,            /* absent */
        AUDIT_NAMETYPE_NORMAL,
        AUDIT_NAMETYPE_PARENT,
        AUDIT_NAMETYPE_CREATE,
        AUDIT_NAMETYPE_DELETE,
        AUDIT_NAMETYPE_UNKNOWN,
        AUDIT_NAMETYPE_OTHER,           /* a word this code does not know */
};

const char *audit_nametype_name(enum audit_nametype t);

/* One PATH record. */
struct audit_path {
        int64_t item;                   /* item=, -1 absent */
        struct audit_str name;          /* as logged, decoded; len 0 for (null) */
        struct audit_str path;          /* absolute and normalized when resolved, else name */
        bool resolved;
        enum audit_nametype nametype;   /* nametype= (objtype= before kernel 4.x) */
        int64_t inode;                  /* -1 absent */
        int64_t dev;                    /* dev=MAJOR:MINOR as (major << 32 | minor), -1 absent */
        int64_t mode;                   /* st_mode from the octal mode=, -1 absent */
        int64_t ouid, ogid;
};

struct audit_event {
        struct audit_str node;          /* node= prefix; len 0: none */
        uint64_t sec;
        uint32_t msec;
        uint64_t serial;
        int type;                       /* the first record's type */
        struct audit_str type_name;

        const struct audit_event_record *records;       /* in arrival order, EOE not kept */
        size_t n_records;
        size_t n_records_seen;          /* including dropped ones, excluding EOE */

        bool has_syscall;
        struct audit_syscall syscall;

        struct audit_str cwd;           /* the CWD record, decoded; len 0: none */
        struct audit_path *paths;       /* in arrival order */
        size_t n_paths;

        bool has_execve;
        const struct audit_str *argv;   /* EXECVE argv, decoded and reassembled */
        size_t argc;                    /* entries in argv (<= argc=) */
        int64_t execve_argc;            /* argc= as logged, -1 absent */

        struct audit_str proctitle;     /* PROCTITLE decoded (NUL-separated); len 0: none */
        const struct audit_str *proctitle_argv;
        size_t proctitle_argc;

        uint64_t quality;               /* AUDIT_Q_* */
        uint64_t malformed_before;      /* malformed lines skipped since the previous event began */
        uint64_t gap_first, gap_missing;        /* serials missing just before this one */
        uint64_t lost;                  /* lost events reported by a record */
};

/* The PARENT item a relative name of paths[i] was looked up under, or -1. The
 * kernel logs a PARENT's name as the user's string up to its last '/' (so a
 * name with a directory part pairs with the PARENT named that part) or, for a
 * name without one, as the process's working directory, whatever directory
 * fd the syscall used: such a name pairs with a PARENT whose name is no other
 * item's directory part. With two of those (a rename between two directory
 * fds), the kernel logs the new name's parent first. */
ssize_t audit_path_parent(const struct audit_path *paths, size_t n, size_t i);
/* Whether PARENT item k's name is the directory part of another item's name;
 * one that is not was logged with the working directory's name. */
bool audit_path_parent_claimed(const struct audit_path *paths, size_t n, size_t k);

/* Milliseconds since the epoch of an audit time, saturating at UINT64_MAX: a
 * hostile time past 2^64 ms must not wrap round into the past. */
static inline uint64_t audit_ms(uint64_t sec, uint32_t msec)
{
        /* msec < 1000: the parser takes three digits. */
        return sec > (UINT64_MAX - 999) / 1000 ? UINT64_MAX : sec * 1000 + msec;
}

static inline uint64_t audit_event_ms(const struct audit_event *ev)
{
        return audit_ms(ev->sec, ev->msec);
}

/* Adds a duration to a time in milliseconds, saturating at UINT64_MAX. */
static inline uint64_t audit_ms_add(uint64_t ms, uint64_t add)
{
        return ms > UINT64_MAX - add ? UINT64_MAX : ms + add;
}

/* An event's id in findings and the event view (driftwatch.audit.id):
 * "SECONDS.MILLIS:SERIAL", as in the msg=audit(...) of its records. The one
 * place this format is written. */
#define AUDIT_EVENT_ID_MAX 64
void audit_event_id_format(char out[AUDIT_EVENT_ID_MAX], uint64_t sec, uint32_t msec, uint64_t serial);

static inline void audit_event_id(char out[AUDIT_EVENT_ID_MAX], const struct audit_event *ev)
{
        audit_event_id_format(out, ev->sec, ev->msec, ev->serial);
}

/* Called for each complete event; the event and everything it points to live
 * until the callback returns. A negative return stops the feed and is
 * returned by it. */
typedef int (*audit_event_fn)(const struct audit_event *ev, void *userdata);

struct audit_stats {
        uint64_t lines, records, events;
        uint64_t blank, comments;       /* ignored lines */
        uint64_t malformed;             /* lines that are not records: counted, skipped */
        uint64_t truncated_lines;
        uint64_t dropped_records;
        uint64_t split_events;
        uint64_t early_events;
        uint64_t gaps, missing_serials;
};

struct audit_assembler;

/* limits NULL: the defaults. */
int audit_assembler_new(const struct audit_limits *limits, audit_event_fn fn, void *userdata,
                        struct audit_assembler **ret);
void audit_assembler_free(struct audit_assembler *a);
DEFINE_FREEP(struct audit_assembler, audit_assembler_free)

/* One line (without its newline); line_flags from the line reader (LINE_*).
 * Blank lines and '#' comments are ignored; malformed lines are counted and
 * skipped. Returns 0 or the callback's negative return, or -ENOMEM. */
int audit_assembler_feed(struct audit_assembler *a, const char *line, size_t len, unsigned line_flags);
/* For live streams: completes the incomplete events whose last record arrived
 * at least window_ms ago by the caller's clock now_ms (milliseconds of any
 * clock that does not go back, e.g. CLOCK_MONOTONIC). The assembler does not
 * read a clock: a record fed since the previous tick counts as arrived at this
 * one, so an event completes window_ms to window_ms plus one tick interval
 * after its last record, never sooner; tick at least every window_ms / 4 or so
 * while waiting for input. Nothing with window_ms 0. Returns 0 or the
 * callback's negative return (the remaining events stay for the next tick). */
int audit_assembler_tick(struct audit_assembler *a, uint64_t now_ms);
/* Completes every incomplete event (end of input). */
int audit_assembler_flush(struct audit_assembler *a);
const struct audit_stats *audit_assembler_stats(const struct audit_assembler *a);

/* Syscall helpers (syscalls.c). The name of (arch, number) for x86_64, i386
 * and aarch64 (NULL otherwise); an event's syscall name, ENRICHED's or the
 * table's (len 0: unknown); whether it executes a program; whether it resolved
 * its paths relative to a directory fd other than AT_FDCWD. */
const char *audit_syscall_name(uint32_t arch, int64_t number);
struct audit_str audit_syscall_get_name(const struct audit_syscall *sc);
bool audit_syscall_is_exec(const struct audit_syscall *sc);
bool audit_syscall_uses_dirfd(const struct audit_syscall *sc);

/* What a syscall does to the file system at its path. */
enum audit_write {
        AUDIT_WRITE_NONE,               /* reads, or not a file syscall */
        AUDIT_WRITE_OPEN,               /* an open whose flags are not in the log (openat2) */
        AUDIT_WRITE_CREATE,             /* creat, mkdir, mknod, link, symlink, open with O_CREAT */
        AUDIT_WRITE_MODIFY,             /* open for writing or with O_TRUNC, truncate */
        AUDIT_WRITE_DELETE,             /* unlink, rmdir */
        AUDIT_WRITE_RENAME,
        AUDIT_WRITE_ATTR,               /* chmod, chown, xattrs, times */
};

/* *ret_known: whether the syscall's name is known at all (ENRICHED or the
 * table), so callers can fall back on PATH nametypes. */
enum audit_write audit_syscall_write(const struct audit_syscall *sc, bool *ret_known);

/* A syscall that changes the mount table. */
enum audit_mount {
        AUDIT_MOUNT_NONE,
        AUDIT_MOUNT_MOUNT,              /* mount(2): a3 holds the MS_* flags */
        AUDIT_MOUNT_UMOUNT,             /* umount, umount2 (a1: MNT_* flags) */
        AUDIT_MOUNT_SETATTR,            /* mount_setattr: the attributes are behind a pointer */
        AUDIT_MOUNT_MOVE,               /* move_mount: attaches a mount (fsmount, open_tree) at a path */
        AUDIT_MOUNT_FSMOUNT,            /* fsmount: a detached mount, no path yet (a2: MOUNT_ATTR_*) */
};

enum audit_mount audit_syscall_mount(const struct audit_syscall *sc);
