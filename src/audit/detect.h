/* Audit analytics: complete events in, findings out. Writes to the surfaces of
 * the detection content (detected from the PATH records and the syscall, so
 * any reasonable watch set works whatever its keys), program runs of the
 * `audit.commands` rules, each explained by the process and its ancestry from
 * the process tree. Tuning that stays auditable: expected writers
 * (`audit.allow`), process trees of upgraders folded into one upgrade event,
 * bursts of configuration writes folded into one bulk event, and every
 * suppressed finding available with its reason. Pipeline health: PATH records
 * missing, lost events, sequence gaps, silence. See docs/audit.md and
 * docs/internals/audit.md.
 *
 * Time is the stream's (event timestamps), so a log read later gives the same
 * findings as the live stream did; audit_detect_tick() adds the wall clock for
 * live inputs that go idle. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "basic/macros.h"
#include "event.h"
#include "journal-index.h"
#include "parse/passwd.h"
#include "report/finding.h"
#include "rules/rules.h"

struct audit_detect_options {
        const struct ruleset *rules;
        uint64_t since_ms, until_ms;    /* report events in [since, until]; 0: open */
        bool show_suppressed;           /* report suppressed findings too, as events with the reason */
        uint64_t silence_ms;            /* DW-AUD-SILENCE past this gap between events; 0: off */
        size_t max_processes;           /* process tree entries (0: 8192) */
        bool resolve_units;             /* live input: each process's systemd unit from /proc/PID/cgroup */
        /* Offline (--journal): each process's unit from the journal entries of
         * its pid near its first event, and the whole image of a command's
         * target from a deployment message of its pid. NULL: none. */
        const struct journal_index *journal;
        /* containers-storage (podman, CRI-O): the name and image of a
         * container found by id, and offline its upper layer for drift
         * (containers.c). Read when first needed and again, at most every
         * 10 s of stream time, when an id is not in it. NULL: none. */
        const char *storage_root;
        /* The passwd of the host that wrote the log: auids shown with their
         * name when the log does not say it (ENRICHED). NULL: none. */
        const struct passwd_map *users;
        /* ... and its group file: file.group of a write. NULL: none. */
        const struct passwd_map *groups;
        /* A log read to its end (not --plugin, not --follow): sequence gaps
         * are reported at the end, and as an event, not an alert, when most
         * events follow one (an excerpt: ausearch's output, a filtered copy). */
        bool whole_input;
};

/* Receives each finding; it and everything it points to live only during the
 * call. A negative return stops processing and is returned. */
typedef int (*audit_finding_fn)(const struct finding *f, void *userdata);

struct audit_detect_stats {
        uint64_t events;                /* seen */
        uint64_t in_range;              /* within --since/--until */
        uint64_t writes, commands;      /* matched a surface or a command rule */
        uint64_t allowed, by_ancestry, folded;  /* suppressed, by reason */
        uint64_t upgrades, bulks;       /* events made of folded writes */
        uint64_t health;                /* pipeline-health findings */
        uint64_t mounts;                /* mount changes on audit.mount_targets */
        uint64_t inferred, inferred_confirmed;  /* writes inferred from argv; of them, seen in a PATH record */
        uint64_t joined;                /* suppressed: parts of one write (a temporary file renamed, a chmod) */
        uint64_t containers;            /* DW-AUD-CTR-* findings: shells, package managers, drift, writes */
};

struct audit_detect;

int audit_detect_new(const struct audit_detect_options *o, audit_finding_fn fn, void *userdata,
                     struct audit_detect **ret);
void audit_detect_free(struct audit_detect *d);
DEFINE_FREEP(struct audit_detect, audit_detect_free)

/* An audit_event_fn: feed it to the assembler with the detector as userdata. */
int audit_detect_event(const struct audit_event *ev, void *userdata);
/* Wall clock for idle live streams: closes buckets and upgrade events that
 * are due, reports silence. */
int audit_detect_tick(struct audit_detect *d, uint64_t now_ms);
/* End of input: everything still open is reported. */
int audit_detect_flush(struct audit_detect *d);
const struct audit_detect_stats *audit_detect_stats(const struct audit_detect *d);
