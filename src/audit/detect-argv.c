/* Audit analytics, writes inferred from argv: when a surface path is not
 * watched, the write itself leaves no PATH record, but the exec of a
 * well-known writer (cp, install, tee, dd of=, sed -i ...; argv-writes.c)
 * names it. Each destination on a surface is held for
 * audit.argv_window_seconds: a PATH record of a real write of that path (or a
 * file directly below it) by the same process or a child drops it (the real
 * write is the finding); otherwise it is reported with the surface's rule and
 * driftwatch.quality "inferred-from-argv". The allowlist and the upgraders
 * apply as to real writes; bulk buckets do not. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "argv-writes.h"
#include "detect-internal.h"

#define ARGV_HELD_MAX 64
#define ARGV_HELD_BYTES ((size_t) 256 << 10)    /* a held write's copies; a larger one is reported at once */

struct argv_held {
        bool used;
        int64_t pid;
        uint64_t due_ms;
        uint64_t sec, serial;
        uint32_t msec;
        uint64_t quality;
        bool alert;
        const struct rule *rule;
        const char *action, *type, *writer;     /* static strings */
        const char *path;
        size_t path_len;
        struct held_process proc;
        struct finding_audit audit;
        struct arena arena;
};

/* The exec being looked at, for the callback. */
struct infer {
        struct audit_detect *d;
        const struct audit_event *ev;
        struct proc *self;
        const struct pview *v;
        int writer;
};

static void held_release(struct audit_detect *d, struct argv_held *h)
{
        arena_release(&h->arena);
        *h = (struct argv_held) { 0 };
        d->n_argv_held--;
}

static int held_report(struct audit_detect *d, struct argv_held *h)
{
        char ts[TIMESTAMP_LEN], id[AUDIT_EVENT_ID_MAX], msg[160];
        struct finding_audit a = h->audit;
        struct finding f;
        int r;

        audit_event_id_format(id, h->sec, h->msec, h->serial);
        a.id = id;
        fold_held_finding(&h->proc, h->sec, h->msec, &f, ts);
        f.alert = h->alert;
        f.rule = h->rule;
        f.action = h->action;
        f.type = h->type;
        f.outcome = "success";
        f.path = h->path;
        f.path_len = h->path_len;
        f.audit = &a;
        detect_set_quality(&f, h->quality);
        if (f.n_quality < FINDING_MAX_QUALITY)
                f.quality[f.n_quality++] = "inferred-from-argv";
        snprintf(msg, sizeof(msg), "likely written by %s: inferred from its arguments, no PATH record of the write",
                 h->writer);
        f.message = msg;
        d->stats.inferred++;
        r = detect_emit(d, &f);
        finding_release(&f);
        held_release(d, h);
        return r;
}

static int report_pid(struct audit_detect *d, int64_t pid)
{
        size_t i;
        int r = 0;

        for (i = 0; d->argv_held && i < ARGV_HELD_MAX && d->n_argv_held && r >= 0; i++)
                if (d->argv_held[i].used && d->argv_held[i].pid == pid)
                        r = held_report(d, &d->argv_held[i]);
        return r;
}

/* A free slot, after reporting the oldest held write when none is free. */
static int free_slot(struct audit_detect *d, struct argv_held **ret)
{
        struct argv_held *oldest = NULL;
        size_t i;
        int r;

        if (!d->argv_held) {
                d->argv_held = calloc(ARGV_HELD_MAX, sizeof(*d->argv_held));
                if (!d->argv_held)
                        return -ENOMEM;
        }
        for (i = 0; i < ARGV_HELD_MAX; i++) {
                if (!d->argv_held[i].used) {
                        *ret = &d->argv_held[i];
                        return 0;
                }
                if (!oldest || d->argv_held[i].due_ms < oldest->due_ms)
                        oldest = &d->argv_held[i];
        }
        r = held_report(d, oldest);
        if (r < 0)
                return r;
        *ret = oldest;
        return 0;
}

static int hold(struct audit_detect *d, const struct audit_event *ev, const char *writer)
{
        const struct finding *f = &d->f;
        struct argv_held *h;
        int r;

        if (finding_process_size(f->process, f->ancestry, f->n_ancestry) + f->path_len > ARGV_HELD_BYTES)
                return -E2BIG;
        r = free_slot(d, &h);
        if (r < 0)
                return r;
        *h = (struct argv_held) {
                .used = true, .pid = ev->syscall.pid, .sec = ev->sec, .msec = ev->msec, .serial = ev->serial,
                .due_ms = audit_ms_add(audit_event_ms(ev), (uint64_t) d->rs->audit.argv_window_s * 1000),
                .quality = ev->quality, .alert = f->alert, .rule = f->rule, .action = f->action, .type = f->type,
                .writer = writer, .proc.n_ancestry = f->n_ancestry, .path_len = f->path_len,
        };
        arena_init(&h->arena);
        d->n_argv_held++;
        h->path = arena_strndup(&h->arena, f->path, f->path_len);
        if (!h->path || finding_process_copy(&h->arena, f->process, f->ancestry, f->n_ancestry, &h->proc.process,
                                             &h->proc.ancestry) < 0 ||
            held_audit_copy(&h->arena, f->audit, &h->audit) < 0) {
                held_release(d, h);
                return -ENOMEM;
        }
        if (!d->argv_due_ms || h->due_ms < d->argv_due_ms)
                d->argv_due_ms = h->due_ms;
        return 0;
}

static bool held_has(const struct audit_detect *d, int64_t pid, const char *path, size_t len)
{
        size_t i;

        for (i = 0; d->argv_held && i < ARGV_HELD_MAX; i++)
                if (d->argv_held[i].used && d->argv_held[i].pid == pid && d->argv_held[i].path_len == len &&
                    memcmp(d->argv_held[i].path, path, len) == 0)
                        return true;
        return false;
}

static const char *kind_action(enum argv_write_kind k, const char **ret_type)
{
        *ret_type = k == ARGV_WRITE_CREATE ? "creation" : "change";
        return k == ARGV_WRITE_CREATE ? "file-added" : k == ARGV_WRITE_RENAME ? "file-renamed" : "file-modified";
}

static int on_write(const char *path, size_t len, enum argv_write_kind kind, void *userdata)
{
        struct infer *in = userdata;
        struct audit_detect *d = in->d;
        const struct surface *s = ruleset_match(d->rs, path, len);
        const char *type;
        int r;

        if (!s || s->audit == SURFACE_AUDIT_OFF || held_has(d, in->ev->syscall.pid, path, len))
                return 0;
        if (match_allowed(&d->rs->audit, in->ev, in->v, d->chain, d->n_chain, &s->aud, path))
                return 0;
        detect_begin_finding(d, in->ev->sec, in->ev->msec);
        d->f.rule = &s->aud;
        d->f.category = "file";
        d->f.action = kind_action(kind, &type);
        d->f.type = type;
        d->f.outcome = "success";
        d->f.alert = s->audit == SURFACE_AUDIT_ALERT;
        d->f.path = path;
        d->f.path_len = len;
        detect_set_quality(&d->f, in->ev->quality);
        detect_describe(d, in->ev, in->self);
        r = hold(d, in->ev, argv_writer_name(in->writer));
        if (r != -E2BIG)
                return r;
        /* Too large to hold: reported now, without waiting for a real write. */
        if (d->f.n_quality < FINDING_MAX_QUALITY)
                d->f.quality[d->f.n_quality++] = "inferred-from-argv";
        d->stats.inferred++;
        return detect_emit(d, &d->f);
}

int argv_infer(struct audit_detect *d, const struct audit_event *ev, struct proc *self, const struct pview *v)
{
        struct infer in = { .d = d, .ev = ev, .self = self, .v = v };
        const char *base;
        int r;

        /* A new program in the process: the old one's writes are done. */
        r = report_pid(d, ev->syscall.pid);
        if (r < 0 || !v->n_args)
                return r;
        base = strrchr(v->exe, '/');
        in.writer = argv_writer_find(base ? base + 1 : v->exe);
        if (in.writer < 0) {
                base = strrchr(v->args[0], '/');
                in.writer = argv_writer_find(base ? base + 1 : v->args[0]);
        }
        if (in.writer < 0 || fold_upgrade_ancestor(d, self))
                return 0;
        buf_reset(&d->argv_cwd);
        if (ev->cwd.len && (buf_append(&d->argv_cwd, ev->cwd.s, strnlen(ev->cwd.s, ev->cwd.len)) < 0 ||
                            buf_putc(&d->argv_cwd, '\0') < 0))
                return -ENOMEM;
        r = argv_writes(in.writer, v->args, v->n_args, d->argv_cwd.len ? d->argv_cwd.data : NULL, &d->argv_path,
                        on_write, &in);
        return r < 0 ? r : 0;
}

/* path is p, or lies directly below it (p named the directory it went into). */
static bool covers(const char *p, size_t plen, struct audit_str path)
{
        if (path.len == plen)
                return memcmp(p, path.s, plen) == 0;
        return path.len > plen + 1 && memcmp(p, path.s, plen) == 0 && path.s[plen] == '/' &&
               !memchr(path.s + plen + 1, '/', path.len - plen - 1);
}

void argv_confirm(struct audit_detect *d, const struct audit_event *ev)
{
        const struct audit_syscall *sc = &ev->syscall;
        bool known, writes;
        size_t i, k;

        writes = audit_syscall_write(sc, &known) != AUDIT_WRITE_NONE;
        for (i = 0; i < ARGV_HELD_MAX && d->n_argv_held; i++) {
                struct argv_held *h = &d->argv_held[i];

                if (!h->used || (h->pid != sc->pid && h->pid != sc->ppid))
                        continue;
                for (k = 0; k < ev->n_paths; k++) {
                        const struct audit_path *p = &ev->paths[k];

                        if (!writes && p->nametype != AUDIT_NAMETYPE_CREATE && p->nametype != AUDIT_NAMETYPE_DELETE)
                                continue;
                        if (covers(h->path, h->path_len, p->path)) {
                                d->stats.inferred_confirmed++;
                                held_release(d, h);
                                break;
                        }
                }
        }
}

int argv_advance(struct audit_detect *d, uint64_t now)
{
        size_t i;
        int r = 0;

        if (!d->n_argv_held || now < d->argv_due_ms)
                return 0;
        d->argv_due_ms = 0;
        for (i = 0; i < ARGV_HELD_MAX && r >= 0; i++) {
                struct argv_held *h = &d->argv_held[i];

                if (!h->used)
                        continue;
                if (h->due_ms <= now)
                        r = held_report(d, h);
                else if (!d->argv_due_ms || h->due_ms < d->argv_due_ms)
                        d->argv_due_ms = h->due_ms;
        }
        return r;
}

int argv_flush(struct audit_detect *d)
{
        return argv_advance(d, UINT64_MAX);
}

void argv_release(struct audit_detect *d)
{
        size_t i;

        for (i = 0; d->argv_held && i < ARGV_HELD_MAX; i++)
                if (d->argv_held[i].used)
                        held_release(d, &d->argv_held[i]);
        free(d->argv_held);
        d->argv_held = NULL;
        buf_release(&d->argv_cwd);
        buf_release(&d->argv_path);
}
