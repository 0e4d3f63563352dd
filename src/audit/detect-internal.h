/* What the parts of audit analytics share (not an interface): the
 * detector's state and the helpers each part lends the others. The parts:
 * match.c (a process against a rule's process match, the allowlist), resolve.c
 * (relative names placed from earlier events), replace.c (the writes of one
 * logical change by one process joined: a temporary file renamed over its
 * target, a create and its chmod), fold.c
 * (samples of paths, upgrade events, bulk buckets, the stream clock that closes
 * them), health.c (pipeline health and silence) and detect.c (the entry
 * points and the dispatch of commands and writes). See detect.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/buf.h"
#include "detect.h"
#include "parse/passwd.h"
#include "proctree.h"

#define MAX_UPGRADES 32
#define MAX_BUCKETS 64
#define SAMPLE_PATHS 20
#define MAX_EVENT_ARGS 4096
#define ANCESTRY_SHOWN 8

/* ---- what is folded ---- */

/* Where a write comes from, as folding places it: its event and its process
 * tree, by generations, so that a held write outlives the tree's entries. */
struct write_origin {
        uint64_t sec, serial;
        uint32_t msec;
        int64_t ses, pid;
        uint64_t key;                   /* the tree a new bucket for it stands for */
        uint64_t self;                  /* the writer's tree entry (generation; 0: unknown) */
        uint64_t chain[PROC_ANCESTRY_MAX];      /* its ancestors' */
        size_t n_chain;
};

/* What else a write set (driftwatch.changed), besides what its action says. */
enum {
        AUDIT_CHANGED_MODE = 1u << 0,
        AUDIT_CHANGED_UID = 1u << 1,
        AUDIT_CHANGED_GID = 1u << 2,
        AUDIT_CHANGED_XATTRS = 1u << 3,
        AUDIT_CHANGED_MTIME = 1u << 4,
        AUDIT_CHANGED_COUNT_ = 5,
};

struct sample {
        struct buf paths;               /* NUL-separated, first SAMPLE_PATHS distinct */
        unsigned n;
        uint64_t *seen;                 /* hashes of every distinct path (open addressing) */
        size_t seen_cap, distinct;
};

struct upgrade {
        bool open;
        uint64_t generation;            /* the upgrader's process entry */
        const struct audit_upgrader *by;
        uint64_t sec;                   /* the first event: the upgrade event's time */
        uint32_t msec;
        const struct finding_process *process;  /* the upgrader, copied when opened */
        struct arena arena;
        uint64_t first_ms, last_ms;
        uint64_t writes, commands;
        bool inferred;                  /* the upgrader is known by its executable: its exec was not logged */
        uint64_t *by_surface;           /* writes per surface */
        struct sample sample;
        char id[AUDIT_EVENT_ID_MAX];    /* the first folded event */
};

/* A process as findings show it (process.*, user.*, driftwatch.ancestry),
 * copied into a bucket's arena. */
struct held_process {
        const struct finding_process *process;
        const struct finding_ancestor *ancestry;
        size_t n_ancestry;
};

/* An alerting write a bucket holds until it folds (then it is reported as
 * suppressed) or its window ends (then as it was): what its finding needs
 * besides the process, which is a reference to one of the bucket's. */
/* A held write's file.*, by value: the names point into the passwd and
 * group maps, which outlive every held write. */
struct held_file {
        bool has;
        struct finding_file file;
};

struct held_write {
        uint64_t sec, serial;           /* the event: @timestamp and id */
        uint32_t msec;
        uint32_t proc;                  /* bucket.procs[proc] */
        uint64_t quality;               /* AUDIT_Q_* */
        unsigned changed;               /* AUDIT_CHANGED_* */
        const struct rule *rule;
        const char *action, *type, *outcome;    /* static strings */
        const char *path;               /* file.path, bytes in the bucket's arena */
        size_t path_len;
        struct finding_audit audit;     /* its strings in the bucket's arena; id unset */
        struct held_file file;
};

#define BUCKET_HELD_MAX 64              /* held writes: the bucket folds when this many are held */
#define BUCKET_HELD_BYTES ((size_t) 512 << 10)  /* arena bytes; a write past them is reported at once */

struct bucket {
        bool open, folded;
        uint64_t key;                   /* the process tree: a session, or a process generation (tree_key) */
        const struct audit_upgrader *by;        /* an upgrader known by its executable alone (key: its
                                                 * generation): its writes, until they show an upgrade */
        uint64_t first_sec;             /* the first write: the bulk event's time */
        uint32_t first_msec;
        uint64_t first_ms, last_ms;
        uint64_t writes;
        uint64_t *by_surface;
        struct sample sample;
        struct held_write *held;        /* BUCKET_HELD_MAX, in the arena */
        unsigned n_held;
        struct held_process *procs;     /* BUCKET_HELD_MAX + 1; procs[0] is the first writer */
        unsigned n_procs;
        struct arena arena;             /* held writes and processes, at most BUCKET_HELD_BYTES */
        char id[AUDIT_EVENT_ID_MAX];
};

struct health {
        const struct rule *rule;
        uint64_t count, amount;         /* occurrences, and lost events or missing serials */
        uint64_t last_emit_ms;
        bool emitted;
        char first_id[AUDIT_EVENT_ID_MAX];
        char key[128];
        char node[256];                 /* the first one's node= */
        /* Gaps: the serials of the first and the last one, and the time of
         * the event after each. */
        uint64_t range[2][2], range_ms[2];
};

enum { HEALTH_PATH_MISSING, HEALTH_LOST, HEALTH_GAP, HEALTH_SPLIT, HEALTH_N_ };

struct audit_detect {
        struct audit_detect_options o;
        const struct ruleset *rs;
        audit_finding_fn fn;
        void *userdata;
        struct proctree *tree;
        struct audit_detect_stats stats;

        uint64_t clock_ms;              /* the newest event time seen */
        uint64_t next_due_ms;           /* the earliest bucket or upgrade deadline (0: none) */
        uint64_t last_event_ms;
        bool silence_reported;

        struct upgrade upgrades[MAX_UPGRADES];
        struct bucket buckets[MAX_BUCKETS];
        struct health health[HEALTH_N_];

        /* Scratch for the event being looked at. */
        struct finding f;
        struct finding_process proc;
        struct finding_ancestor ancestry[ANCESTRY_SHOWN];
        const char *ancestor_args[ANCESTRY_SHOWN][PROC_MAX_ARGS];
        struct proc *chain[PROC_ANCESTRY_MAX];
        size_t n_chain;
        uint64_t proc_quality;          /* AUDIT_Q_ANCESTRY_INFERRED: set_process() showed an entry without its exec */
        const char *args[MAX_EVENT_ARGS];
        size_t n_args;
        struct buf argbuf;              /* the event's argv, NUL-terminated strings */
        const char *proc_args[PROC_MAX_ARGS];
        char exe[PROC_EXE_MAX], comm[17], timestamp[TIMESTAMP_LEN], title[256];
        char auid_name[PASSWD_MAX_NAME + 1];    /* ENRICHED AUID= of the finding's event */
        struct finding_audit audit;     /* driftwatch.audit of a command or a write */
        struct finding_file file;       /* file.* of a write (detect_set_file()) */
        char audit_id[AUDIT_EVENT_ID_MAX];
        struct argv_held *argv_held;    /* writes inferred from argv (detect-argv.c), allocated on first use */
        unsigned n_argv_held;
        uint64_t argv_due_ms;           /* the earliest deadline among them (0: none) */
        struct buf argv_cwd, argv_path;
        struct replace_held *replace_held;      /* creates held for what follows (replace.c), allocated on first use */
        unsigned n_replace_held;
        uint64_t replace_due_ms;        /* the earliest deadline among them (0: none) */
        uint64_t replace_seq;           /* creates held so far */
        char replace_from[AUDIT_EVENT_ID_MAX];  /* driftwatch.audit.from_written of the finding at hand */

        struct finding_mount mount;     /* driftwatch.audit.mount of a mount finding */
        struct buf mount_flags;         /* its flag names */
        struct finding_bytes *paths;    /* its paths */
        size_t paths_cap;
        struct buf text, reason;

        /* Relative names (resolve.c): what earlier events said, and the
         * event's paths with those placed. */
        struct names *names;
        struct audit_path *view;
        size_t view_cap;
        struct arena view_arena;
        uint64_t view_quality;          /* the event's AUDIT_Q_* for its findings */
        const char *view_from;          /* how a name was placed (driftwatch.audit.dir_from), or NULL */

        char *cgroup_buf;               /* units.c: /proc/PID/cgroup being read, allocated on first use */

        /* Containers (containers.c): container.* of the finding at hand, and
         * the writes already reported per (process image, directory). */
        struct finding_container ctr;
        struct buf ctr_msg, ctr_buf;    /* its message; its packages (driftwatch.audit.target) or path */
        const struct surface *ctr_surface;      /* the host surface the event's container write is on, or NULL */
        uint64_t *ctr_written;          /* CTR_WRITTEN_MAX hashes, a ring, allocated on first use */
        unsigned ctr_written_at;
        struct ctr_storage *storage;    /* o.storage_root as last read (NULL: not read, or unreadable) */
        uint64_t storage_read_ms;       /* stream time of that read (0: never) */
};


struct ctr_storage;

/* The process a rule is matched against: the event's own, or a tree entry. */
struct pview {
        const char *exe, *comm;
        const char *const *args;
        size_t n_args;
        bool have_args;                 /* args come from an exec we saw */
        bool tty;
        int64_t auid;
        struct audit_str auid_name;
        const char *unit;               /* systemd unit (live, or a journal), or NULL */
};

/* ---- units.c ---- */

/* Whether units are looked up: live, or offline with a journal. */
bool units_enabled(const struct audit_detect *d);
/* Looks up the systemd unit of a tree entry once, at stream time ms: live
 * from its /proc/PID/cgroup, offline from the journal; when that does not
 * tell, from its nearest ancestor's. */
void units_resolve(struct audit_detect *d, struct proc *self, uint64_t ms);
/* The unit of an entry (NULL: none known, or offline without a journal). */
const char *units_of(const struct audit_detect *d, const struct proc *p);
/* Where that unit came from: "cgroup" (live), "journal"; NULL: no unit. */
const char *units_source(const struct audit_detect *d, const struct proc *p);

/* ---- match.c ---- */

/* Whether v matches m; *ret_after (if given) is the index after the verb. */
bool match_process(const struct audit_match *m, const struct pview *v, size_t *ret_after);
/* Whether a process whose exec was not logged (no argv) is the program m
 * pins by executable: m's process match without its verbs, options and
 * terminal; false when m pins no executable. */
bool match_process_pinned(const struct audit_match *m, const struct pview *v);
/* A view of a tree entry; args_buf holds its PROC_MAX_ARGS argument pointers. */
void match_pview_of_proc(struct pview *v, const struct proc *p, const char **args_buf);
/* The first allow entry that covers the finding of rule (path: a write's, or
 * NULL) by the process self of ev, with ancestry chain; NULL: none. */
const struct audit_allow *match_allowed(const struct audit_policy *p, const struct audit_event *ev,
                                        const struct pview *self, struct proc *const *chain, size_t n_chain,
                                        const struct rule *rule, const char *path);

/* ---- detect.c ---- */

int detect_emit(struct audit_detect *d, const struct finding *f);
/* Whether an allow entry covers the finding in d->f (its rule; path: the
 * write's or the target's, a C string, or NULL) by the event's process v
 * and d->chain: then it is reported as suppressed and *ret_allowed is true. */
int detect_allowlist(struct audit_detect *d, const struct audit_event *ev, const struct pview *v, const char *path,
                     bool *ret_allowed);
/* A suppressed finding, reported only with --show-suppressed. */
int detect_emit_suppressed(struct audit_detect *d, struct finding *f, const char *by, const char *reason);
/* The names of the AUDIT_Q_* bits in quality, into f->quality. */
void detect_set_quality(struct finding *f, uint64_t quality);
/* The names of the AUDIT_CHANGED_* bits in changed, into f->changed. */
void detect_set_changed(struct finding *f, unsigned changed);
/* The end of a write's way, past the allowlist and the upgraders: the bulk
 * bucket of its tree (an alert on a bulk surface), or reported now. */
int detect_report_write(struct audit_detect *d, struct finding *f, const struct write_origin *o,
                        size_t surface_index, uint64_t quality, unsigned changed);
/* file.* of the write in d->f from p, the PATH record that names its path:
 * only a created or existing name (nametype CREATE or NORMAL; not a parent,
 * not a removed name). inode and type, and unless w changes them (an
 * attribute change's record has the values before it) mode, uid and gid,
 * owner and group named from the passwd and group of the log's host. */
void detect_set_file(struct audit_detect *d, const struct audit_path *p, enum audit_write w);

/* Keeps f's file.* in a held write (struct held_file). */
void held_file_keep(struct held_file *h, const struct finding *f);
/* f->file from h (storage: the caller's, as long as f), without mode, uid
 * and gid once its process changed any of them after (changed: AUDIT_CHANGED_*). */
void held_file_use(const struct held_file *h, unsigned changed, struct finding *f, struct finding_file *storage);

/* A fresh finding in d->f, stamped with a stream time. */
void detect_begin_finding(struct audit_detect *d, uint64_t sec, unsigned msec);
/* process.*, user.*, driftwatch.ancestry (from d->chain) and driftwatch.audit
 * of d->f from the event at hand. */
void detect_describe(struct audit_detect *d, const struct audit_event *ev, struct proc *self);

/* ---- detect-argv.c ---- */

/* The writes a successful exec's argv names on surfaces, held until a real
 * write of the same path confirms them (dropped) or the window ends (reported). */
int argv_infer(struct audit_detect *d, const struct audit_event *ev, struct proc *self, const struct pview *v);
/* Drops the held writes an event with PATH records performed for real. */
void argv_confirm(struct audit_detect *d, const struct audit_event *ev);
int argv_advance(struct audit_detect *d, uint64_t now);
int argv_flush(struct audit_detect *d);
void argv_release(struct audit_detect *d);

/* ---- replace.c ---- */

/* Before the allowlist, the write in d->f (its event ev by self; from: the
 * old name of a rename onto the surface, else NULL) meets the creates its
 * process holds: a rename of a held temporary file onto the surface takes
 * its place (the temporary file's finding is suppressed, d->f says
 * from_written, *ret_changed what the temporary file's joined writes set), a
 * chmod, chown, xattr or times change of a held create joins it (*ret_taken:
 * d->f is suppressed); any other write naming a held path reports that
 * create first. */
int replace_join(struct audit_detect *d, const struct audit_event *ev, const struct proc *self,
                 const struct finding_bytes *from, unsigned *ret_changed, bool *ret_taken);
/* A create in d->f past the allowlist and the upgraders, held for what its
 * process does next (*ret_taken), unless it is too large to hold. */
int replace_hold(struct audit_detect *d, const struct write_origin *o, size_t surface_index, uint64_t quality,
                 bool *ret_taken);
/* The stream clock moved to now: reports the creates held long enough. */
int replace_advance(struct audit_detect *d, uint64_t now);
int replace_flush(struct audit_detect *d);
void replace_release(struct audit_detect *d);

/* ---- containers.c ---- */

/* An exec: remembers the container a shim or an OCI runtime runs, from its argv. */
void containers_observe(struct audit_detect *d, const struct audit_event *ev, struct proc *self);
/* DW-AUD-CTR-SHELL, -PACKAGE-MANAGER and (live) -DRIFT for a successful exec
 * inside a container; nothing outside one. */
int detect_container_exec(struct audit_detect *d, const struct audit_event *ev, struct proc *self,
                          const struct pview *v);
/* DW-AUD-CTR-WRITE: a write inside a container outside the paths where
 * containers write (/tmp, /var/tmp, /var/log, /proc, /dev, /run). */
int detect_container_write(struct audit_detect *d, const struct audit_event *ev, struct proc *self,
                           const struct pview *v, enum audit_write w);
/* Whether detect_container_write() reports this write (a container's, outside
 * those paths, under a rule that is defined): the write's one finding, so
 * check_writes() leaves it to that one, with the surface's techniques. */
bool container_write_takes(struct audit_detect *d, const struct audit_event *ev, struct proc *self,
                           const struct pview *v, enum audit_write w);
void containers_release(struct audit_detect *d);

/* ---- detect.c (writes) ---- */

/* event.action and event.type of a write of a name of nametype nt. */
const char *detect_write_action(enum audit_write w, enum audit_nametype nt, const char **ret_type);

/* ---- mounts.c ---- */

/* DW-AUD-MOUNT-*: a mount-table syscall (op) whose target is one of
 * audit.mount_targets; nothing for any other. */
int detect_mount(struct audit_detect *d, const struct audit_event *ev, struct proc *self, const struct pview *v,
                 enum audit_mount op);

/* ---- fold.c ---- */

/* The nearest upgrader among self (when given) and the ancestors. */
struct proc *fold_upgrade_ancestor(struct audit_detect *d, struct proc *self);
/* The open upgrade event of an upgrader entry, opened (from the event at
 * hand) when needed. */
struct upgrade *fold_upgrade_get(struct audit_detect *d, const struct write_origin *o, struct proc *up, int *ret_r);
/* The open upgrade event of an upgrader entry, or NULL. */
struct upgrade *fold_upgrade_find(struct audit_detect *d, const struct proc *up);
/* Why a finding under upgrader up is folded into u, into d->reason. */
int fold_upgrade_reason(struct audit_detect *d, const struct proc *up, const struct upgrade *u);
int fold_sample_add(struct sample *s, const char *path, size_t len);
bool fold_bulk_surface(const struct audit_detect *d, const struct surface *s);
/* The origin of the event at hand by self (NULL: unknown), d->chain its ancestry. */
void fold_origin(const struct audit_detect *d, const struct audit_event *ev, const struct proc *self,
                 struct write_origin *ret);
/* Adds the write f from o (quality: its AUDIT_Q_*, changed: its
 * AUDIT_CHANGED_*) to its tree's bucket, or with up (an upgrader known by its
 * executable alone) to that upgrader's. *ret_taken: the bucket keeps or
 * folded it (nothing to report now). */
int fold_bucket_add(struct audit_detect *d, struct finding *f, const struct write_origin *o, struct proc *up,
                    size_t surface_index, uint64_t quality, unsigned changed, bool *ret_taken);
/* The stream clock moved to now: closes the buckets and upgrade events due. */
int fold_advance(struct audit_detect *d, uint64_t now);
/* End of input: reports every open bucket and upgrade event. */
int fold_flush(struct audit_detect *d);
void fold_release(struct audit_detect *d);
/* A fresh file finding by a held process, stamped sec.msec (into ts). */
void fold_held_finding(const struct held_process *p, uint64_t sec, uint32_t msec, struct finding *f,
                       char ts[TIMESTAMP_LEN]);
/* The audit context of a write with its bytes copied into arena a (no id),
 * and at least the bytes that takes. */
int held_audit_copy(struct arena *a, const struct finding_audit *src, struct finding_audit *ret);
size_t held_audit_size(const struct finding_audit *a);

/* ---- resolve.c ---- */

/* The event's paths in d->view, with relative names the event does not place
 * placed from earlier events where they allow; d->view_quality and
 * d->view_from say what is left and how. */
int resolve_event(struct audit_detect *d, const struct audit_event *ev);
/* Remembers what the view of ev says for later events (directories by inode,
 * the working directory of its process, the directory of its watch key). */
int resolve_learn(struct audit_detect *d, const struct audit_event *ev);
void resolve_release(struct audit_detect *d);

/* ---- health.c ---- */

void health_init(struct audit_detect *d);
int health_check(struct audit_detect *d, const struct audit_event *ev);
/* DW-AUD-SILENCE: no event from from to to (ev: the event that ended it, or NULL). */
int health_silence(struct audit_detect *d, uint64_t from, uint64_t to, const struct audit_event *ev);
/* End of input: health counted since the last report. */
int health_flush(struct audit_detect *d);
