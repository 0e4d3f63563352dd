/* Audit analytics, offline: what audit records lack, from the journal
 * (`driftwatch audit --journal`). Journal entries in (the export parser's
 * shape, from a journal file, a directory or an export stream), an index out:
 *  - per process id, the systemd unit its entries were logged from
 *    (_SYSTEMD_CGROUP's unit as /proc/PID/cgroup gives it live, else
 *    _SYSTEMD_USER_UNIT, else _SYSTEMD_UNIT), kept as runs: entries of one
 *    pid, unit and boot no more than a window apart are one run;
 *  - the deployment messages of bootc (switch, staging) and rpm-ostree with
 *    the pid that logged them and their image reference, whole (audit's argv
 *    may have cut it).
 * Looked up by pid and time: pids are reused, so only what lies within a
 * window of the event counts, the nearest first, and only the boot whose time
 * range holds the event when exactly one does.
 *
 * Memory is bounded: at most JOURNAL_INDEX_RUNS_MAX runs, UNITS_MAX distinct
 * units, BOOTS_MAX boots, DEPLOYMENTS_MAX deployments with references of at
 * most IMAGE_MAX bytes; what is past them is counted as dropped, not stored.
 * Pure: no I/O, no output. */
#pragma once

#include <stdint.h>

#include "basic/macros.h"
#include "parse/journal-export.h"

#define JOURNAL_INDEX_RUNS_MAX ((size_t) 1 << 20)     /* 24 MiB */
#define JOURNAL_INDEX_UNITS_MAX 4096
#define JOURNAL_INDEX_BOOTS_MAX 256
#define JOURNAL_INDEX_DEPLOYMENTS_MAX 4096
#define JOURNAL_INDEX_IMAGE_MAX 2048
/* Entries further apart than this are not one run; lookups use it as their window. */
#define JOURNAL_INDEX_WINDOW_US (60 * 1000000ULL)

enum journal_deployment_kind {
        JOURNAL_DEPLOYMENT_RPM_OSTREE,  /* "Created new deployment": DEPLOYMENT_REFSPEC */
        JOURNAL_DEPLOYMENT_BOOTC_STAGE, /* bootc's staging: bootc.image.reference */
        JOURNAL_DEPLOYMENT_BOOTC_SWITCH,/* bootc switch: bootc.new_image_reference */
};

struct journal_deployment {
        int64_t pid;                    /* _PID of the writer */
        uint64_t us;                    /* __REALTIME_TIMESTAMP */
        enum journal_deployment_kind kind;
        const char *image;              /* the whole image reference (or refspec) */
        const char *unit;               /* the writer's unit, or NULL */
};

struct journal_index_stats {
        uint64_t entries;               /* handed to journal_index_add() */
        uint64_t with_unit;             /* of them, with a pid, a time and a unit */
        uint64_t runs, deployments;     /* stored */
        uint64_t dropped;               /* not stored: a limit was reached */
        uint64_t dropped_first_us;      /* the first dropped entry's time */
};

struct journal_index;

int journal_index_new(struct journal_index **ret);
void journal_index_free(struct journal_index *x);
DEFINE_FREEP(struct journal_index, journal_index_free)

/* Indexes what the entry tells: 0, or -ENOMEM. Entries after
 * journal_index_seal() are ignored. */
int journal_index_add(struct journal_index *x, const struct journal_entry *e);
/* Done adding: makes the index ready for lookups. */
void journal_index_seal(struct journal_index *x);

/* The unit of the process pid at time us: the unit of its nearest run within
 * window_us of us; NULL when there is none. */
const char *journal_index_unit(const struct journal_index *x, int64_t pid, uint64_t us, uint64_t window_us);
/* The deployment message pid logged within [from_us, to_us]: a switch before
 * a staging before rpm-ostree's, the latest of a kind; NULL when none. */
const struct journal_deployment *journal_index_deployment(const struct journal_index *x, int64_t pid,
                                                          uint64_t from_us, uint64_t to_us);
const struct journal_index_stats *journal_index_stats(const struct journal_index *x);
