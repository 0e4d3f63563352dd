/* Audit analytics: the systemd unit of each process the tree learns of,
 * looked up once per tree entry at its first event: live, from
 * /proc/PID/cgroup (the process's own, or its nearest living ancestor's when
 * it is gone); offline with a journal (--journal), from the journal entries
 * of its pid (or its nearest ancestor's) near that time. Audit records carry
 * no unit, and a log read later without a journal cannot tell one: such
 * analysis never comes here. Live, the same read of /proc/PID/cgroup tells
 * the entry's container (containers.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "detect-internal.h"

/* /proc/PID/cgroup is a line per hierarchy (a dozen on cgroup v1), each at
 * most a path; what is past this is ignored. */
#define CGROUP_FILE_MAX ((size_t) 64 << 10)

/* Whether pid is gone, exiting or a zombie (proc_stat_exiting()). */
static bool process_exited(int64_t pid)
{
        char path[64], buf[512];
        ssize_t k;
        int fd;

        snprintf(path, sizeof(path), "/proc/%lld/stat", (long long) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return true;
        k = read_retry(fd, buf, sizeof(buf));
        close(fd);
        return k <= 0 || proc_stat_exiting(buf, (size_t) k);
}

/* 1 with the unit in ret, 0: the process lives but runs in no unit,
 * -ESRCH: it is gone (or never was), other -errno: unreadable. With entry
 * (the tree's entry of pid), its container from the same text too. */
static int read_unit(struct audit_detect *d, int64_t pid, char ret[CGROUP_UNIT_MAX], struct proc *entry)
{
        char path[64];
        size_t len = 0;
        ssize_t k;
        int fd, r = 0;

        if (pid <= 0)
                return -ESRCH;
        if (!d->cgroup_buf) {
                d->cgroup_buf = malloc(CGROUP_FILE_MAX);
                if (!d->cgroup_buf)
                        return -ENOMEM;
        }
        snprintf(path, sizeof(path), "/proc/%lld/cgroup", (long long) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        while (len < CGROUP_FILE_MAX) {
                k = read_retry(fd, d->cgroup_buf + len, CGROUP_FILE_MAX - len);
                if (k < 0)
                        r = (int) k;
                if (k <= 0)
                        break;
                len += (size_t) k;
        }
        close(fd);
        /* A process that exits while the file is read gives ESRCH, or nothing. */
        if (r < 0)
                return r;
        if (len == 0)
                return -ESRCH;
        if (len == CGROUP_FILE_MAX) {
                /* Cut: the last line may be a part of a path. */
                char *nl = memrchr(d->cgroup_buf, '\n', len);

                len = nl ? (size_t) (nl - d->cgroup_buf) : 0;
        }
        r = cgroup_unit_parse(d->cgroup_buf, len, ret);
        /* An exiting process (or an exited one not yet reaped) shows the
         * root cgroup on v1 hierarchies: no unit. It is gone, not unit-less. */
        if (r == 0 && process_exited(pid))
                return -ESRCH;
        if (entry && entry->ctr_state != PROC_CTR_SHIM) {
                struct cgroup_container c;

                if (cgroup_container_parse(d->cgroup_buf, len, &c) > 0) {
                        memcpy(entry->ctr_id, c.id, sizeof(entry->ctr_id));
                        entry->ctr_runtime = c.runtime;
                        entry->ctr_state = PROC_CTR_CGROUP;
                } else {
                        entry->ctr_state = PROC_CTR_HOST;
                }
        }
        return r;
}

/* The unit of pid at stream time ms: 1 with it in ret, 0: the process runs
 * in no unit, -ESRCH: not known (live: gone; offline: the journal has no
 * entry of it near ms), other -errno: unreadable. */
static int pid_unit(struct audit_detect *d, int64_t pid, uint64_t ms, char ret[CGROUP_UNIT_MAX],
                    struct proc *entry)
{
        const char *unit;

        if (!d->o.journal)
                return read_unit(d, pid, ret, entry);
        unit = journal_index_unit(d->o.journal, pid, ms * 1000, JOURNAL_INDEX_WINDOW_US);
        if (!unit)
                return -ESRCH;
        snprintf(ret, CGROUP_UNIT_MAX, "%s", unit);
        return 1;
}

/* The state of entry p, looked up when not yet known. */
static enum proc_unit entry_unit(struct audit_detect *d, struct proc *p, uint64_t ms)
{
        int r;

        if (p->unit_state != PROC_UNIT_UNKNOWN)
                return p->unit_state;
        r = pid_unit(d, p->pid, ms, p->unit, p);
        p->unit_state = r > 0 ? PROC_UNIT_FOUND : r == 0 ? PROC_UNIT_NONE : PROC_UNIT_GONE;
        return p->unit_state;
}

bool units_enabled(const struct audit_detect *d)
{
        return d->o.resolve_units || d->o.journal;
}

void units_resolve(struct audit_detect *d, struct proc *self, uint64_t ms)
{
        char unit[CGROUP_UNIT_MAX];
        struct proc *a;
        int64_t pid;
        size_t i;
        int r;

        /* The journal may place a process at a later event that it could
         * not at an earlier one (a daemon quiet for hours after its exec):
         * one not placed yet is looked up again; live, a gone process stays
         * gone. */
        if (d->o.journal && self->unit_state == PROC_UNIT_GONE)
                self->unit_state = PROC_UNIT_UNKNOWN;
        if (entry_unit(d, self, ms) != PROC_UNIT_GONE)
                return;
        /* Gone (or not in the journal): the unit of its nearest living
         * ancestor, which it shared unless it moved (a unit's processes stay
         * in its cgroup). */
        for (i = 0, pid = self->ppid; i < PROC_ANCESTRY_MAX && pid > 0 && pid != self->pid; i++) {
                a = proctree_get(d->tree, pid);
                if (a) {
                        switch (entry_unit(d, a, ms)) {
                        case PROC_UNIT_FOUND:
                        case PROC_UNIT_ANCESTOR:
                                memcpy(self->unit, a->unit, sizeof(self->unit));
                                self->unit_state = PROC_UNIT_ANCESTOR;
                                return;
                        case PROC_UNIT_NONE:
                                return;
                        default:
                                pid = a->ppid;
                                continue;
                        }
                }
                /* Not in the tree: alive or not, its parent is not known. */
                r = pid_unit(d, pid, ms, unit, NULL);
                if (r > 0) {
                        memcpy(self->unit, unit, sizeof(self->unit));
                        self->unit_state = PROC_UNIT_ANCESTOR;
                }
                return;
        }
}

const char *units_of(const struct audit_detect *d, const struct proc *p)
{
        if (!units_enabled(d) || !p)
                return NULL;
        return p->unit_state == PROC_UNIT_FOUND || p->unit_state == PROC_UNIT_ANCESTOR ? p->unit : NULL;
}

const char *units_source(const struct audit_detect *d, const struct proc *p)
{
        if (!units_of(d, p))
                return NULL;
        return d->o.journal ? "journal" : "cgroup";
}
