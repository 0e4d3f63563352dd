/* The process tree audit analytics explain findings with, built from the
 * events themselves: every SYSCALL record tells a process's pid, ppid, exe and
 * comm, and a successful execve its argv. An entry is one process image, keyed
 * by (pid, exec event): a new exec of the same pid replaces the entry with a
 * new generation, and a record whose exe or parent no longer fits the entry
 * (the pid was reused without an exec we saw) replaces it too, so a reused pid
 * never inherits another program's arguments or ancestry.
 *
 * Memory is fixed: at most `capacity` entries of fixed size (exe, comm and the
 * first arguments, truncated), the least recently seen replaced first. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/macros.h"
#include "parse/cgroup-unit.h"
#include "event.h"

#define PROC_EXE_MAX 256
#define PROC_ARGS_BYTES 512
#define PROC_MAX_ARGS 16
#define PROC_ANCESTRY_MAX 16

/* What is known of an entry's systemd unit (live mode only, units.c). */
enum proc_unit {
        PROC_UNIT_UNKNOWN,              /* not looked up */
        PROC_UNIT_FOUND,                /* from its own /proc/PID/cgroup */
        PROC_UNIT_ANCESTOR,             /* it was gone: its nearest living ancestor's */
        PROC_UNIT_NONE,                 /* it runs in no unit, or it and its ancestors are gone */
        PROC_UNIT_GONE,                 /* its /proc entry was gone */
};

/* What is known of an entry's container. */
enum proc_ctr {
        PROC_CTR_UNKNOWN,               /* its cgroup not read (offline, gone), not a shim */
        PROC_CTR_CGROUP,                /* its own cgroup names a container: ctr_id, ctr_runtime */
        PROC_CTR_HOST,                  /* its own cgroup names none */
        PROC_CTR_SHIM,                  /* a shim or runtime exec'd for a container: ctr_id, ctr_name */
};

struct proc {
        int64_t pid, ppid;
        uint64_t generation;            /* unique per entry: (pid, exec event) */
        bool exec_seen;                 /* exe and args come from an exec event */
        uint64_t exec_sec, exec_serial; /* that event */
        uint32_t exec_msec;
        uint64_t last_ms;               /* stream time of its last record */
        int64_t auid, ses;
        char exe[PROC_EXE_MAX];         /* NUL-terminated, cut at PROC_EXE_MAX - 1 */
        char comm[17];
        char args[PROC_ARGS_BYTES];     /* n_args NUL-terminated strings */
        uint8_t n_args;
        bool args_truncated;            /* more arguments or bytes than kept */
        uint8_t unit_state;             /* enum proc_unit */
        char unit[CGROUP_UNIT_MAX];     /* NUL-terminated when unit_state is FOUND or ANCESTOR */
        /* Its container (containers.c): live, from its own /proc/PID/cgroup
         * (read with the unit); for a runtime's shim (conmon,
         * containerd-shim) or an OCI runtime's create, run or exec, the
         * container it runs, from its argv. */
        uint8_t ctr_state;              /* enum proc_ctr */
        char ctr_id[CGROUP_CONTAINER_ID_MAX];   /* "" when not known */
        char ctr_name[64];
        const char *ctr_runtime;        /* static, or NULL */
        int16_t tag;                    /* the caller's: -1 until it classifies the entry */
        uint32_t hash_next, lru_prev, lru_next; /* 1-based slots, 0: none */
};

struct proctree;

int proctree_new(size_t capacity, struct proctree **ret);
void proctree_free(struct proctree *t);
DEFINE_FREEP(struct proctree, proctree_free)

/* Updates the tree from an event with a SYSCALL record and returns the
 * process's entry (NULL: no pid, or out of memory: the tree is best effort). */
struct proc *proctree_observe(struct proctree *t, const struct audit_event *ev);
struct proc *proctree_get(struct proctree *t, int64_t pid);

/* The known ancestors of a process whose parent is ppid, parent first, up to
 * max (<= PROC_ANCESTRY_MAX); stops at an unknown pid, pid 1 (included when
 * known) or a loop. Returns how many. */
size_t proctree_ancestry(struct proctree *t, int64_t ppid, struct proc **out, size_t max);

/* The i-th argument of an entry (i < p->n_args). */
const char *proc_arg(const struct proc *p, size_t i);

size_t proctree_size(const struct proctree *t);
