/* The findings model every capability reports through, and the two outputs:
 * human text and JSON Lines with Elastic Common Schema names (DESIGN.md). */
#pragma once

#include "basic/time-util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "basic/arena.h"
#include "basic/buf.h"
#include "basic/macros.h"
#include "rules/rules.h"

#define FINDING_MAX_CHANGED 64
#define FINDING_MAX_VALUES 64
#define FINDING_MAX_QUALITY 16

/* One attribute's value before and after, as bytes (escaped on output). */
struct finding_value {
        const char *attr;
        const char *before;     /* NULL: absent */
        size_t before_len;
        const char *after;
        size_t after_len;
};

/* The process behind a finding (audit analytics): process.*, user.*. Strings
 * are NUL-terminated; numbers are -1 when unknown (ids: also when unset). */
struct finding_process {
        long long pid, ppid;
        const char *name;               /* comm */
        const char *executable;
        const char *title;              /* PROCTITLE, arguments joined */
        const char *const *args;
        size_t n_args;
        bool args_truncated;
        const char *parent_name, *parent_executable;
        long long uid, euid, auid;
        const char *auid_name;
        const char *unit;               /* driftwatch.systemd.unit: audit analytics, live or with a journal */
        const char *unit_source;        /* driftwatch.systemd.unit_source: "cgroup", "journal" (static) */
};

/* One known ancestor, parent first: driftwatch.ancestry. */
struct finding_ancestor {
        long long pid;
        const char *name, *executable;
        const char *const *args;
        size_t n_args;
        bool inferred;                  /* known from its SYSCALL records only: no exec, no argv logged */
};

/* Bytes as logged (any byte, not NUL-terminated); len 0: absent (in a list: empty). */
struct finding_bytes {
        const char *s;
        size_t len;
};

/* Writes folded into one event: driftwatch.audit.upgrade or .bulk. */
struct finding_fold {
        const char *upgrader, *reason;  /* upgrade: the audit.upgraders entry */
        uint64_t writes;
        uint64_t paths_count;           /* distinct paths written */
        uint64_t commands;              /* upgrade: command findings under it */
        uint64_t seconds;               /* bulk: from the first write to the last */
        const struct surface *surfaces; /* writes per surface: counts[i] to surfaces[i] (0: left out) */
        const uint64_t *counts;
        size_t n_surfaces;
        const char *paths;              /* a sample: n_paths NUL-terminated paths, one after the other */
        size_t n_paths;
};

/* Pipeline health counted since the previous report: driftwatch.audit.health. */
struct finding_health {
        uint64_t count;                 /* occurrences */
        const char *amount_name;        /* "lost", "missing" or "early": what amount counts */
        uint64_t amount;                /* 0: not shown */
        const char *key;                /* the first one's audit key; NULL or "": not shown */
};

/* A gap in the stream: driftwatch.audit.silence. */
struct finding_silence {
        const char *from;               /* the last event before it, RFC 3339 */
        uint64_t seconds;
};

/* A change of the mount table: driftwatch.audit.mount. */
struct finding_mount {
        const char *operation;          /* remount-rw, bind, mount, move, setattr, umount */
        struct finding_bytes source;    /* a bind's or move's source path, when logged */
        bool has_flags;
        uint64_t flags;                 /* the syscall's flags argument as logged */
        const char *flag_names;         /* decoded, '|'-separated ("MS_REMOUNT|MS_BIND") */
        const char *note;               /* what the record cannot say */
};

/* driftwatch.audit: where an audit analytics finding comes from in the log.
 * Rendered in this order, each member only when set (finding_audit_init()
 * leaves all unset). */
struct finding_audit {
        const char *id;                 /* the event ("sec.msec:serial"), or the first folded or counted one */
        struct finding_bytes node, syscall;    /* syscall: its name, when known */
        int64_t syscall_number;         /* syscall= as logged; -1: unset */
        int success;                    /* 1, 0; -1: unset */
        bool has_exit;
        int64_t exit;
        struct finding_bytes key, tty;
        int64_t ses;                    /* set when audit_id_set() */
        const char *target;             /* a command's image, package or file */
        const char *target_from;        /* "journal": target is the journal's whole reference (static) */
        const char *target_logged;      /* ... and this is what the audit record had (cut), or NULL */
        const char *via;                /* a write that came by "rename" or "link" */
        struct finding_bytes from, to;  /* ... from this name (onto the surface), or to it (away) */
        const char *from_written;       /* the event that wrote the old name first (an atomic replace) */
        const char *dir_from;           /* how a relative name's directory was found from earlier events */
        bool has_paths;                 /* paths: every PATH record's path (of events with several) */
        const struct finding_bytes *paths;
        size_t n_paths;
        const struct finding_fold *upgrade, *bulk;
        const struct finding_health *health;
        const struct finding_silence *silence;
        const struct finding_mount *mount;
};

void finding_audit_init(struct finding_audit *a);

struct json;
/* One partition of a disk image: driftwatch.image.partitions[]. */
struct finding_partition {
        unsigned number;
        const char *type_uuid;
        const char *type;               /* the DPS name ("usr-x86-64-verity"), NULL: not a DPS type */
        const char *uuid;
        const char *label;
        uint64_t offset, size;          /* bytes */
};

/* One extension image of the inventory: driftwatch.image. Strings are
 * NUL-terminated; NULL (or has_* false) leaves a member out. */
struct finding_image {
        const char *name;
        const char *class;              /* sysext, confext, portable */
        const char *form;               /* directory, squashfs, erofs, ddi, unknown, fifo, ... */
        const char *search_path;        /* the directory it was found in */
        const char *lifetime;           /* what keeps it: reboot, soft-reboot (/run), image (/usr) */
        bool has_size;
        uint64_t size;
        const char *mtime;              /* RFC 3339 */
        const char *sha256;
        const char *const *sidecars;    /* .roothash, .usrhash, ... found beside it */
        size_t n_sidecars;
        const char *roothash;           /* the .roothash or .usrhash sidecar's content */
        const char *release_file;       /* the extension-release read, inside the image */
        const char *release_note;       /* why a file of another name was taken (or not) */
        const char *const *release;     /* key, value, key, value, ... */
        size_t n_release;               /* pairs */
        const char *compatible;         /* systemd's verdict against the host: compatible, id-mismatch, ... */
        const char *compatible_reason;
        const char *shadowed_by;        /* the image of the same name that wins */
        int merged;                     /* 1, 0; -1: not known (an offline root) */
        const struct finding_partition *partitions;     /* DDI: its GPT */
        size_t n_partitions;
        const char *partitions_error;   /* DDI: why the GPT was not read */
        /* driftwatch.image.signature: the root hash signature against verity.d */
        const char *sig_source;         /* "partition" (DDI), "sidecar" (.p7s); NULL: no signature object */
        const char *sig_status;         /* valid, invalid, unknown-signer, none; NULL: not checked (sig_error) */
        const char *sig_signer, *sig_fingerprint, *sig_reason, *sig_error;
        const char *sig_json_roothash, *sig_json_fingerprint;  /* the DDI signature partition's JSON */
        /* driftwatch.image.verity: --verify-verity */
        const char *verity_status;      /* verified, mismatch, malformed; NULL: not run (verity_error, if any) */
        const char *verity_reason;
        bool verity_has_block;
        unsigned verity_level;
        uint64_t verity_block;
};

/* The container a finding is about: ECS container.* (container diff, container
 * digests, audit analytics inside a container). NULL members are left out. */
struct finding_container {
        const char *id;                 /* container.id: the engine's full id */
        const char *name;               /* container.name */
        const char *image_name;         /* container.image.name: the reference it was created from */
        const char *image_tag;          /* container.image.tag */
        const char *image_digest;       /* container.image.hash.all[0]: "sha256:..." */
        const char *runtime;            /* container.runtime: podman, cri-o, docker */
        const char *path;               /* driftwatch.container.path: the path inside the container */
        const char *layer;              /* driftwatch.container.layer: where the original came from */
};

/* The file a finding is about as it is now (after the change): ECS file.*
 * beside file.path. Filled by file integrity findings; has_* false (or NULL)
 * leaves a member out. */
struct finding_file {
        const char *type;               /* file.type: file, dir, symlink, ... (static) */
        bool has_stat;                  /* mode, uid, gid */
        uint32_t mode, uid, gid;
        bool has_size;
        uint64_t size;
        int64_t mtime_ns;               /* 0: unknown */
        bool has_inode;
        uint64_t inode;
        bool has_sha256;
        uint8_t sha256[32];
        const char *target;             /* file.target_path: a symlink's target (bytes) */
        size_t target_len;
        const char *owner, *group;      /* file.owner, file.group: names, when known */
};

struct output_run;

struct finding {
        bool alert;                     /* event.kind alert, else event (or state) */
        bool state;                     /* not an alert: event.kind state, the recorded state of a
                                         * setting or resource (posture), counted as an event */
        const struct rule *rule;
        enum severity severity;         /* 0: the rule's */
        const char *category;           /* event.category, e.g. "file" */
        const char *type;               /* event.type: creation, deletion, change, info */
        const char *action;             /* event.action */
        const char *dataset;            /* event.dataset, e.g. "driftwatch.fim" */
        const char *timestamp;          /* @timestamp; NULL: now */
        const char *message;
        const char *path;               /* file.path, bytes */
        size_t path_len;
        const char *root;               /* driftwatch.root: the tree file.path is relative to */
        const char *surface;            /* driftwatch.surface; NULL: the rule's */
        const struct strv *techniques;  /* threat.technique.id beside the rule's (a container write to a
                                         * host surface: the surface's), or NULL */
        const char *merge;              /* driftwatch.merge.fate: what the next deployment does */
        const char *merge_target;       /* driftwatch.merge.target */
        const char *merge_reason;       /* driftwatch.merge.reason: why, or the deploy's error */
        const char *merge_model;        /* driftwatch.merge.model: whose rules ("ostree 2022.7") */
        const char *const *merge_loses; /* driftwatch.merge.loses: what the user loses */
        size_t n_merge_loses, merge_loses_total;
        const char *allowed_by;         /* driftwatch.allowlist: the entry that allowed this */
        const char *error;              /* driftwatch.error */
        const char *outcome;            /* event.outcome: success, failure */
        const struct finding_process *process;
        const struct finding_ancestor *ancestry;
        size_t n_ancestry;
        const char *suppressed_by;      /* driftwatch.suppressed.by: allowlist, ancestry, bucket */
        const char *suppressed_reason;  /* ... .reason: which entry, ancestor or bucket */
        const struct finding_audit *audit;      /* driftwatch.audit */
        const struct finding_container *container;      /* container.*, driftwatch.container */
        /* Members a capability writes into the driftwatch object itself, last
         * (driftwatch.mount, driftwatch.mounts): JSON output only. */
        void (*json_extra)(struct json *j, const void *data);
        const void *json_extra_data;
        const struct finding_image *image;      /* driftwatch.image */
        const struct finding_file *file;        /* file.* beyond the path (the after state) */
        const struct output_run *run;           /* the run summary: event.start, .end, .duration */
        const char *changed[FINDING_MAX_CHANGED];
        size_t n_changed;
        struct finding_value values[FINDING_MAX_VALUES];
        size_t n_values;
        bool text_changed_only;         /* text: only the values of changed attributes (the rest is context) */
        const char *quality[FINDING_MAX_QUALITY];
        size_t n_quality;
        struct arena arena;             /* owns strings added with finding_* */
};

void finding_init(struct finding *f);
void finding_release(struct finding *f);
/* Adds an attribute name to driftwatch.changed (copied). */
int finding_add_changed(struct finding *f, const char *name, size_t len);
/* Adds before/after values (copied; NULL for absent). */
int finding_add_value(struct finding *f, const char *attr, const char *before, size_t blen,
                      const char *after, size_t alen);
enum severity finding_severity(const struct finding *f);
/* A process and its ancestry as a finding shows them, copied into arena a:
 * *ret_p and *ret_an (NULL when there is none) are set on success only. */
int finding_process_copy(struct arena *a, const struct finding_process *p, const struct finding_ancestor *an,
                         size_t n_an, const struct finding_process **ret_p, const struct finding_ancestor **ret_an);
/* At least the arena bytes finding_process_copy() takes for them. */
size_t finding_process_size(const struct finding_process *p, const struct finding_ancestor *an, size_t n_an);
/* Whether two processes with ancestry show the same (every field and string). */
bool finding_process_equal(const struct finding_process *p, const struct finding_ancestor *an, size_t n_an,
                           const struct finding_process *q, const struct finding_ancestor *bn, size_t n_bn);

enum output_format {
        OUTPUT_TEXT,
        OUTPUT_JSON,
        OUTPUT_FORMAT_UNSET,            /* an option's value before --format or the configuration set it */
};

/* A machine: the analysed host (host.*) or the one driftwatch runs on
 * (observer.*). NULL members are unknown and left out. */
struct output_host {
        const char *name;               /* host.name: its hostname */
        const char *id;                 /* host.id: its machine-id (32 hex digits) */
};

/* What a run covered, for its summary event (DW-RUN-SUMMARY). NULL members
 * and an empty coverage are left out. */
struct output_run {
        const char *command;            /* "scan", "image verify" */
        const char *const *coverage;    /* the roots, paths and inputs covered */
        size_t n_coverage;
        const char *baseline;           /* the baseline or state database used */
        long long start_ns;             /* CLOCK_REALTIME when the run started */
        long long duration_ns;
        int exit_status;
};

/* Findings counted by event.action ("file-added"), for the text summary. */
#define OUTPUT_MAX_KINDS 32
struct output_kind {
        char action[32];                /* "" in the last slot: every other action */
        unsigned long alerts, events;
};

/* The text view holds the findings' lines back so that the summary can go
 * first (as AIDE's report does); past this many bytes it prints them as
 * they come and the summary after them (docs/output.md). */
#define OUTPUT_TEXT_HOLD_MAX ((size_t) 16 << 20)

/* The names of the columns of a finding's line in the text view (render_text()),
 * printed once above the first one (not with --quiet); NEW when a previous
 * scan's findings are known and a line may end in "new". */
#define OUTPUT_TEXT_HEADER "SEVERITY ACTION         PATH  RULE  [CHANGED]  MESSAGE"

struct output {
        enum output_format format;
        FILE *f;
        const char *host;               /* the analysed host's name (host.name); NULL: unknown */
        const char *host_id;            /* ... and its machine-id (host.id) */
        /* ... and its passwd and group, or NULL: file.owner, file.group by id */
        const struct passwd_map *users, *groups;
        struct output_host observer;    /* the machine driftwatch runs on (observer.*) */
        const char *rule_reference_base; /* rule.reference before "#<id>"; NULL: file:// of the installed
                                          * docs/rules.md (DW_DOCDIR) */
        bool show_events;               /* text: print events too, not only alerts */
        bool events_listed;             /* text: the command's own lines (output_text()) show the events:
                                         * counted, no line of their own (image deployments) */
        enum severity min_level;        /* print only findings at or above it (0: all); all are counted */
        unsigned long alerts, events;
        unsigned long by_severity[SEVERITY_CRITICAL + 1];
        int error;                      /* first write error */
        /* How f is written (output_write()): stdio into a regular file,
         * write(2) into anything else; decided for checked_f. */
        FILE *checked_f;
        bool direct;
        /* The text view (output_text_*): */
        const char *command;            /* what the summary names: "check", "image verify" */
        bool verbose;                   /* the details under each finding (-v) */
        bool color;                     /* severities coloured (stdout is a terminal) */
        bool no_summary;                /* --quiet: the findings' lines only */
        bool streaming;                 /* lines go out as they come, the summary after them (output_init()'s
                                         * default; output_hold() holds them for the summary) */
        unsigned long shown;            /* findings printed */
        unsigned long below, hidden;    /* not printed: below min_level; events (without -v) */
        struct output_kind kinds[OUTPUT_MAX_KINDS];
        size_t n_kinds;
        struct buf held;                /* the findings' lines until output_finish() */
        size_t hold_max;                /* at most this many bytes held (output_init(): OUTPUT_TEXT_HOLD_MAX) */
        struct buf notes;               /* the command's own summary lines */
        bool summarized;                /* output_flush() wrote the summary */
        /* scan: the previous run's finding ids; each finding emitted is marked
         * new or not (driftwatch.new_since_last_run, text "new") and recorded */
        struct seen_ids *seen;
        int emit_new;                   /* while one is rendered: 1 new, 0 seen before; -1 (or 0 unset): no mark */
        size_t notes_done;              /* ... and the notes up to here */
};

int output_format_from_name(const char *s, enum output_format *ret);
void output_init(struct output *o, enum output_format format, FILE *f, const char *host);
int output_emit(struct output *o, const struct finding *f);
/* The run's summary event, DW-RUN-SUMMARY (rule from rules, NULL: none): the
 * last JSON line, not counted; nothing in the text view, whose own summary
 * comes first. 0 or -errno. */
int output_run_summary(struct output *o, const struct rule *rule, const struct output_run *run);
/* ECS event.id of a finding on the analysed host: 32 hex digits and a NUL,
 * stable across runs (docs/output.md). 0 or -errno (-ENOMEM). */
#define EVENT_ID_LEN 33
int finding_event_id(const struct output *o, const struct finding *f, char ret[EVENT_ID_LEN]);

/* Writes p[0..n) whole to o->f, or sets o->error (returned; -EPIPE when
 * the reader went away). For a capability's own lines (audit --events). */
int output_write(struct output *o, const char *p, size_t n);

/* Text: lines of a capability's own (a state it shows above its findings),
 * in order with the findings' lines. */
int output_text(struct output *o, const char *s, size_t n);
/* Text: a line of the command's own summary ("checked 12 entries under /"),
 * printed after the counts; one line, no newline at the end. */
int output_note(struct output *o, const char *fmt, ...) _printf_(2, 3);
/* Text: hold the findings' lines back until output_finish(), for the
 * summary to go first (up to OUTPUT_TEXT_HOLD_MAX). */
void output_hold(struct output *o);
/* Text: from now on print findings as they come (an endless input, --follow):
 * a one-line header now, the summary at output_finish(). */
int output_text_stream(struct output *o, const char *what);
/* Text: the summary and the findings held so far, now (a capability that
 * records state only once its report is out, so a run whose output went
 * nowhere reports it again); later lines follow as they come, and later
 * notes at output_finish(). 0 or the first write error. */
int output_flush(struct output *o);
/* Text: the summary (counts by severity and by kind, the notes), then the
 * findings held back. JSON: nothing. Frees what the output holds; 0 or the
 * first write error (also in o->error). */
int output_finish(struct output *o);
/* Frees what the output holds, unwritten (a run that failed); also after
 * output_finish(), and on an output that is all zeros. */
void output_release(struct output *o);
#define TIMESTAMP_LEN 64

/* Writes "2026-11-22T04:59:37.612Z" for the given time in nanoseconds. */
void format_timestamp(char out[TIMESTAMP_LEN], long long ns);
/* The same from seconds and milliseconds, any value: times past 9999-12-31T23:59:59Z
 * (hostile logs, corrupt commits) are shown as it. */
void format_timestamp_sec(char out[TIMESTAMP_LEN], uint64_t sec, unsigned msec);
/* "2026-11-22T04:59:37Z" for "2026-11-22T04:59:37.612Z", in buf, as the text
 * view gives times (JSON keeps the fraction); anything else as it is. */
const char *timestamp_to_second(const char *ts, char buf[TIMESTAMP_LEN]);
