/* Audit analytics, one finding per logical write: real programs change a file
 * in several syscalls. sed -i, editors, python's and ansible's atomic writes
 * create a temporary file next to the target and rename it over the target;
 * install and cp create a file, then chmod, chown or label it. Each create on
 * a surface that would be reported (past the allowlist and the upgraders) is
 * held for REPLACE_WINDOW_MS of stream time, keyed by its process (pid and
 * tree entry: one process image). A rename of it onto the surface by the same
 * process makes the rename the one finding (`from_written` names the create,
 * which is reported as suppressed, "joined"); a chmod, chown, xattr or times
 * change of it by the same process joins it (driftwatch.changed; the change is
 * suppressed). Any other write naming it (an unlink, a rename away, a rename
 * by another process) reports it first, as it was, as do the window's end,
 * the end of input, and a full table (the oldest). A create reported goes on
 * as every write does: to its bulk bucket or out. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect-internal.h"

/* The temporary file of sed -i, install, python's and ansible's atomic writes
 * is renamed (or chmod'ed) within milliseconds of its creation by the same
 * process: one file copy. Two seconds leave room for a large file on a slow
 * disk; longer would only delay the alert of a create nothing follows (a bulk
 * surface's bucket holds it longer anyway). */
#define REPLACE_WINDOW_MS 2000
#define REPLACE_HELD_MAX 64
#define REPLACE_HELD_BYTES ((size_t) 256 << 10)         /* a held create's copies; a larger one is not held */

struct replace_held {
        bool used;
        uint64_t generation;            /* the creating process's tree entry */
        uint64_t due_ms;
        uint64_t seq;                   /* the order it was held in: the oldest goes first */
        struct write_origin origin;     /* pid, event and tree */
        uint64_t quality;               /* AUDIT_Q_* */
        unsigned changed;               /* AUDIT_CHANGED_*: what its process set after the create */
        size_t surface_index;
        bool alert;
        const struct rule *rule;
        const char *path;               /* in the arena */
        size_t path_len;
        struct held_process proc;
        struct finding_audit audit;
        struct held_file file;
        struct arena arena;
        char id[AUDIT_EVENT_ID_MAX];
};

static void held_free(struct audit_detect *d, struct replace_held *h)
{
        arena_release(&h->arena);
        *h = (struct replace_held) { 0 };
        d->n_replace_held--;
}

/* The create as its finding shows it, in f (ts, a, file: its storage). */
static void held_finding(const struct replace_held *h, struct finding *f, char ts[TIMESTAMP_LEN],
                         char id[AUDIT_EVENT_ID_MAX], struct finding_audit *a, struct finding_file *file)
{
        *a = h->audit;
        audit_event_id_format(id, h->origin.sec, h->origin.msec, h->origin.serial);
        a->id = id;
        fold_held_finding(&h->proc, h->origin.sec, h->origin.msec, f, ts);
        f->alert = h->alert;
        f->rule = h->rule;
        f->action = "file-added";
        f->type = "creation";
        f->outcome = "success";
        f->path = h->path;
        f->path_len = h->path_len;
        f->audit = a;
        detect_set_quality(f, h->quality);
        detect_set_changed(f, h->changed);
        held_file_use(&h->file, h->changed, f, file);
}

/* Reports a held create as it was (on to its bucket, or out), or (reason
 * given) as suppressed, joined to the write it was part of. */
static int held_report(struct audit_detect *d, struct replace_held *h, const char *reason)
{
        char ts[TIMESTAMP_LEN], id[AUDIT_EVENT_ID_MAX];
        struct finding_audit a;
        struct finding_file file;
        struct finding f;
        int r;

        held_finding(h, &f, ts, id, &a, &file);
        if (reason)
                r = detect_emit_suppressed(d, &f, "joined", reason);
        else
                r = detect_report_write(d, &f, &h->origin, h->surface_index, h->quality, h->changed);
        finding_release(&f);
        held_free(d, h);
        return r;
}

static bool held_is(const struct replace_held *h, const char *path, size_t len)
{
        return h->used && h->path_len == len && memcmp(h->path, path, len) == 0;
}

/* The create of path held for process (pid, generation), or NULL. */
static struct replace_held *held_find(struct audit_detect *d, int64_t pid, uint64_t generation, const char *path,
                                      size_t len)
{
        size_t i;

        for (i = 0; i < REPLACE_HELD_MAX; i++)
                if (held_is(&d->replace_held[i], path, len) && d->replace_held[i].origin.pid == pid &&
                    d->replace_held[i].generation == generation)
                        return &d->replace_held[i];
        return NULL;
}

static bool name_has(struct audit_str n, const char *part)
{
        return n.len && memmem(n.s, n.len, part, strlen(part));
}

/* What an attribute syscall set: chown's -1 leaves an id as it was. */
static unsigned attrs_of(const struct audit_syscall *sc)
{
        struct audit_str n = audit_syscall_get_name(sc);
        unsigned k, changed = 0;

        if (name_has(n, "chmod"))
                return AUDIT_CHANGED_MODE;
        if (name_has(n, "xattr"))
                return AUDIT_CHANGED_XATTRS;
        if (name_has(n, "utime"))
                return AUDIT_CHANGED_MTIME;
        if (!name_has(n, "chown"))
                return 0;
        k = audit_str_eq(n, "fchownat") ? 2 : 1;        /* the owner's argument; the group's follows */
        if (!(sc->has_a & (1u << k)) || (uint32_t) sc->a[k] != UINT32_MAX)
                changed |= AUDIT_CHANGED_UID;
        if (!(sc->has_a & (1u << (k + 1))) || (uint32_t) sc->a[k + 1] != UINT32_MAX)
                changed |= AUDIT_CHANGED_GID;
        return changed;
}

int replace_join(struct audit_detect *d, const struct audit_event *ev, const struct proc *self,
                 const struct finding_bytes *from, unsigned *ret_changed, bool *ret_taken)
{
        struct replace_held *h = NULL;
        size_t i, k;
        int r;

        *ret_taken = false;
        *ret_changed = 0;
        if (!d->replace_held || !d->n_replace_held)
                return 0;
        if (self && ev->syscall.success != 0 && from)
                h = held_find(d, ev->syscall.pid, self->generation, from->s, from->len);
        if (h) {
                /* The temporary file renamed onto the surface: the rename is the write. */
                memcpy(d->replace_from, h->id, sizeof(d->replace_from));
                d->audit.from_written = d->replace_from;
                *ret_changed = h->changed;
                detect_set_changed(&d->f, h->changed);
                d->stats.joined++;
                buf_reset(&d->reason);
                r = buf_printf(&d->reason, "temporary file of the atomic replace of %.*s (event %s)",
                               (int) d->f.path_len, d->f.path, d->audit.id);
                return r < 0 ? r : held_report(d, h, d->reason.data);
        }
        if (self && ev->syscall.success != 0 && strcmp(d->f.action, "file-attributes-changed") == 0)
                h = held_find(d, ev->syscall.pid, self->generation, d->f.path, d->f.path_len);
        if (h) {
                /* What the creator set right after the create is part of it. */
                h->changed |= attrs_of(&ev->syscall);
                d->stats.joined++;
                *ret_taken = true;
                buf_reset(&d->reason);
                r = buf_printf(&d->reason, "set by its creator after the create of %.*s (event %s)",
                               (int) h->path_len, h->path, h->id);
                return r < 0 ? r : detect_emit_suppressed(d, &d->f, "joined", d->reason.data);
        }
        /* Anything else done to a held name (an unlink, a rename away, or by
         * another process): the create was not part of a replace. */
        for (i = 0; i < ev->n_paths && d->n_replace_held; i++) {
                const struct audit_path *p = &d->view[i];

                if (!p->resolved || p->nametype == AUDIT_NAMETYPE_PARENT)
                        continue;
                for (k = 0; k < REPLACE_HELD_MAX; k++)
                        if (held_is(&d->replace_held[k], p->path.s, p->path.len)) {
                                r = held_report(d, &d->replace_held[k], NULL);
                                if (r < 0)
                                        return r;
                        }
        }
        return 0;
}

/* A free slot, after reporting the oldest held create when none is free. */
static int free_slot(struct audit_detect *d, struct replace_held **ret)
{
        struct replace_held *oldest = NULL;
        size_t i;
        int r;

        if (!d->replace_held) {
                d->replace_held = calloc(REPLACE_HELD_MAX, sizeof(*d->replace_held));
                if (!d->replace_held)
                        return -ENOMEM;
        }
        for (i = 0; i < REPLACE_HELD_MAX; i++) {
                if (!d->replace_held[i].used) {
                        *ret = &d->replace_held[i];
                        return 0;
                }
                if (!oldest || d->replace_held[i].seq < oldest->seq)
                        oldest = &d->replace_held[i];
        }
        r = held_report(d, oldest, NULL);
        if (r < 0)
                return r;
        *ret = oldest;
        return 0;
}

int replace_hold(struct audit_detect *d, const struct write_origin *o, size_t surface_index, uint64_t quality,
                 bool *ret_taken)
{
        const struct finding *f = &d->f;
        struct replace_held *h;
        int r;

        *ret_taken = false;
        if (!o->self || finding_process_size(f->process, f->ancestry, f->n_ancestry) + f->path_len +
                        held_audit_size(f->audit) > REPLACE_HELD_BYTES)
                return 0;
        r = free_slot(d, &h);
        if (r < 0)
                return r;
        *h = (struct replace_held) {
                .used = true, .generation = o->self, .origin = *o, .seq = ++d->replace_seq,
                .due_ms = audit_ms_add(audit_ms(o->sec, o->msec), REPLACE_WINDOW_MS),
                .quality = quality, .surface_index = surface_index, .alert = f->alert, .rule = f->rule,
                .path_len = f->path_len, .proc.n_ancestry = f->n_ancestry,
        };
        arena_init(&h->arena);
        audit_event_id_format(h->id, o->sec, o->msec, o->serial);
        held_file_keep(&h->file, f);
        d->n_replace_held++;
        h->path = arena_strndup(&h->arena, f->path, f->path_len);
        if (!h->path || finding_process_copy(&h->arena, f->process, f->ancestry, f->n_ancestry, &h->proc.process,
                                             &h->proc.ancestry) < 0 ||
            held_audit_copy(&h->arena, f->audit, &h->audit) < 0) {
                held_free(d, h);
                return -ENOMEM;
        }
        if (!d->replace_due_ms || h->due_ms < d->replace_due_ms)
                d->replace_due_ms = h->due_ms;
        *ret_taken = true;
        return 0;
}

int replace_advance(struct audit_detect *d, uint64_t now)
{
        uint64_t next = 0;
        size_t i;
        int r;

        if (!d->replace_due_ms || now < d->replace_due_ms)
                return 0;
        /* Oldest first, so the creates go on in the order they were made. */
        for (;;) {
                struct replace_held *oldest = NULL;

                for (i = 0; i < REPLACE_HELD_MAX; i++) {
                        struct replace_held *h = &d->replace_held[i];

                        if (h->used && h->due_ms <= now && (!oldest || h->seq < oldest->seq))
                                oldest = h;
                }
                if (!oldest)
                        break;
                r = held_report(d, oldest, NULL);
                if (r < 0)
                        return r;
        }
        for (i = 0; i < REPLACE_HELD_MAX; i++)
                if (d->replace_held[i].used && (!next || d->replace_held[i].due_ms < next))
                        next = d->replace_held[i].due_ms;
        d->replace_due_ms = next;
        return 0;
}

int replace_flush(struct audit_detect *d)
{
        return replace_advance(d, UINT64_MAX);
}

void replace_release(struct audit_detect *d)
{
        size_t i;

        for (i = 0; d->replace_held && i < REPLACE_HELD_MAX; i++)
                if (d->replace_held[i].used)
                        held_free(d, &d->replace_held[i]);
        free(d->replace_held);
}
