/* Audit analytics, mounts: a mount(2), umount, mount_setattr or move_mount
 * whose target is one of audit.mount_targets (/usr, /boot, /etc and below) is
 * a DW-AUD-MOUNT-* alert of its own, whoever made it: what `rpm-ostree
 * usroverlay` and `bootc usr-overlay` leave in the log, and what anyone with
 * CAP_SYS_ADMIN can do by hand. The target is the PATH record the kernel logs
 * for the syscall's path argument; the flags are the SYSCALL record's aN.
 * Only the allowlist suppresses these (an upgrader's tree is not folded). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "detect-internal.h"

/* include/uapi/linux/mount.h and fcntl.h: the same values on every architecture. */
#define DW_MS_RDONLY 0x1u
#define DW_MS_REMOUNT 0x20u
#define DW_MS_BIND 0x1000u
#define DW_MS_MOVE 0x2000u
#define DW_MS_PROPAGATION 0x1e0000u     /* MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED */
#define DW_MS_MGC_MASK 0xffff0000u
#define DW_MS_MGC_VAL 0xc0ed0000u

struct flag_name {
        uint64_t bit;
        const char *name;
};

static const struct flag_name ms_names[] = {
        { 0x1, "MS_RDONLY" },         { 0x2, "MS_NOSUID" },          { 0x4, "MS_NODEV" },
        { 0x8, "MS_NOEXEC" },         { 0x10, "MS_SYNCHRONOUS" },    { 0x20, "MS_REMOUNT" },
        { 0x40, "MS_MANDLOCK" },      { 0x80, "MS_DIRSYNC" },        { 0x100, "MS_NOSYMFOLLOW" },
        { 0x400, "MS_NOATIME" },      { 0x800, "MS_NODIRATIME" },    { 0x1000, "MS_BIND" },
        { 0x2000, "MS_MOVE" },        { 0x4000, "MS_REC" },          { 0x8000, "MS_SILENT" },
        { 0x10000, "MS_POSIXACL" },   { 0x20000, "MS_UNBINDABLE" },  { 0x40000, "MS_PRIVATE" },
        { 0x80000, "MS_SLAVE" },      { 0x100000, "MS_SHARED" },     { 0x200000, "MS_RELATIME" },
        { 0x800000, "MS_I_VERSION" }, { 0x1000000, "MS_STRICTATIME" }, { 0x2000000, "MS_LAZYTIME" },
};

static const struct flag_name umount_names[] = {
        { 0x1, "MNT_FORCE" }, { 0x2, "MNT_DETACH" }, { 0x4, "MNT_EXPIRE" }, { 0x8, "UMOUNT_NOFOLLOW" },
};

static const struct flag_name at_names[] = {
        { 0x100, "AT_SYMLINK_NOFOLLOW" }, { 0x800, "AT_NO_AUTOMOUNT" }, { 0x1000, "AT_EMPTY_PATH" },
        { 0x8000, "AT_RECURSIVE" },
};

/* "NAME|NAME|0x..." for flags (the bits no name covers in hex at the end). */
static int flag_names(struct buf *b, uint64_t flags, const struct flag_name *t, size_t n)
{
        uint64_t rest = flags;
        size_t i;
        int r = 0;

        buf_reset(b);
        for (i = 0; i < n && r >= 0; i++)
                if (flags & t[i].bit) {
                        r = buf_printf(b, "%s%s", b->len ? "|" : "", t[i].name);
                        rest &= ~t[i].bit;
                }
        if (r >= 0 && rest)
                r = buf_printf(b, "%s0x%" PRIx64, b->len ? "|" : "", rest);
        if (r >= 0 && !b->len)
                r = buf_puts(b, "0");
        return r < 0 ? -ENOMEM : 0;
}

/* The i-th PATH record that is not a PARENT item (-1: the last), or NULL. */
static const struct audit_path *path_at(const struct audit_event *ev, int i)
{
        const struct audit_path *last = NULL;
        size_t k;
        int seen = 0;

        for (k = 0; k < ev->n_paths; k++) {
                const struct audit_path *p = &ev->paths[k];

                if (p->nametype == AUDIT_NAMETYPE_PARENT || !p->path.len)
                        continue;
                if (seen++ == i)
                        return p;
                last = p;
        }
        return i < 0 ? last : NULL;
}

static bool str_same(struct audit_str a, struct audit_str b)
{
        return a.len == b.len && memcmp(a.s, b.s, a.len) == 0;
}

enum mount_kind { KIND_NEW, KIND_REMOUNT_RW, KIND_BIND, KIND_MOVE, KIND_UMOUNT, KIND_SETATTR };

static const struct {
        const char *rule_id, *operation;
        const char *before, *after;     /* the message: before + target + after */
} kinds[] = {
        [KIND_NEW] = { "DW-AUD-MOUNT-NEW", "mount", "mounted a file system over ", "" },
        [KIND_REMOUNT_RW] = { "DW-AUD-MOUNT-REMOUNT-RW", "remount-rw", "remounted ", " read-write" },
        [KIND_BIND] = { "DW-AUD-MOUNT-BIND", "bind", "bind-mounted a directory over ", "" },
        [KIND_MOVE] = { "DW-AUD-MOUNT-MOVE", "move", "moved or attached a mount at ", "" },
        [KIND_UMOUNT] = { "DW-AUD-MOUNT-UMOUNT", "umount", "unmounted ", "" },
        [KIND_SETATTR] = { "DW-AUD-MOUNT-SETATTR", "setattr", "changed the attributes of the mount at ", "" },
};

struct mount_call {
        enum mount_kind kind;
        const char *note;
        const struct audit_path *target, *source;
        const struct flag_name *names;
        size_t n_names;
        int flags_arg;                  /* a<n> holds the flags; -1: none */
};

/* What a mount-table syscall did to its target, from the syscall and its
 * flags; false when it opens nothing (a read-only remount, a bind of a
 * directory onto itself, a propagation change, fsmount's detached mount). */
static bool classify(enum audit_mount op, const struct audit_event *ev, struct mount_call *c)
{
        const struct audit_syscall *sc = &ev->syscall;
        uint64_t fl;

        *c = (struct mount_call) { .flags_arg = -1 };
        switch (op) {
        case AUDIT_MOUNT_MOUNT:
                c->target = path_at(ev, 0);
                c->names = ms_names, c->n_names = sizeof(ms_names) / sizeof(ms_names[0]);
                c->flags_arg = 3;
                if (!(sc->has_a & 8)) {
                        c->kind = KIND_NEW;
                        c->note = "the flags (a3) are not in the record";
                        return true;
                }
                fl = sc->a[3] & 0xffffffffu;
                if ((fl & DW_MS_MGC_MASK) == DW_MS_MGC_VAL)
                        fl &= ~(uint64_t) DW_MS_MGC_MASK;
                /* In the kernel's order (path_mount()). */
                if (fl & DW_MS_REMOUNT) {
                        if (fl & DW_MS_RDONLY)
                                return false;
                        c->kind = KIND_REMOUNT_RW;
                } else if (fl & DW_MS_BIND) {
                        c->source = path_at(ev, 1);
                        if (c->source && c->target && str_same(c->source->path, c->target->path))
                                return false;
                        c->kind = KIND_BIND;
                } else if (fl & DW_MS_PROPAGATION) {
                        return false;
                } else if (fl & DW_MS_MOVE) {
                        c->source = path_at(ev, 1);
                        c->kind = KIND_MOVE;
                } else {
                        c->kind = KIND_NEW;
                }
                return true;
        case AUDIT_MOUNT_UMOUNT:
                c->target = path_at(ev, 0);
                c->names = umount_names, c->n_names = sizeof(umount_names) / sizeof(umount_names[0]);
                c->flags_arg = audit_str_eq(audit_syscall_get_name(sc), "umount") ? -1 : 1;
                c->kind = KIND_UMOUNT;
                c->note = "what the mount was (read-only or not) is not in the record";
                return true;
        case AUDIT_MOUNT_SETATTR:
                c->target = path_at(ev, 0);
                c->names = at_names, c->n_names = sizeof(at_names) / sizeof(at_names[0]);
                c->flags_arg = 2;
                c->kind = KIND_SETATTR;
                c->note = "the attributes set and cleared are behind a pointer (a3), not in the record: "
                          "MOUNT_ATTR_RDONLY may have been cleared";
                return true;
        case AUDIT_MOUNT_MOVE:
                /* from_path is looked up before to_path; an empty from_path
                 * (MOVE_MOUNT_F_EMPTY_PATH: an fsmount or open_tree fd) logs none. */
                c->target = path_at(ev, -1);
                c->source = path_at(ev, 1) ? path_at(ev, 0) : NULL;
                c->kind = KIND_MOVE;
                return true;
        case AUDIT_MOUNT_FSMOUNT:
        case AUDIT_MOUNT_NONE:
                break;
        }
        return false;
}

static bool is_target(const struct audit_detect *d, struct audit_str path)
{
        const struct strv *t = &d->rs->audit.mount_targets;
        size_t i;

        if (!path.len || path.s[0] != '/' || memchr(path.s, '\0', path.len))
                return false;
        for (i = 0; i < t->n; i++)
                if (path_glob(t->v[i], path.s, path.len))
                        return true;
        return false;
}

int detect_mount(struct audit_detect *d, const struct audit_event *ev, struct proc *self, const struct pview *v,
                 enum audit_mount op)
{
        const struct audit_syscall *sc = &ev->syscall;
        struct mount_call c;
        bool allowed;
        int r;

        if (!classify(op, ev, &c) || !c.target || !is_target(d, c.target->path))
                return 0;
        detect_begin_finding(d, ev->sec, ev->msec);
        d->f.rule = ruleset_rule(d->rs, kinds[c.kind].rule_id);
        if (!d->f.rule)
                return 0;
        d->stats.mounts++;
        d->f.category = "configuration";
        d->f.type = "change";
        d->f.action = op == AUDIT_MOUNT_UMOUNT ? "unmounted" : "mounted";
        d->f.outcome = sc->success == 0 ? "failure" : "success";
        d->f.alert = sc->success != 0;  /* a mount that failed opened nothing */
        d->f.path = c.target->path.s;
        d->f.path_len = c.target->path.len;
        detect_set_quality(&d->f, ev->quality);
        detect_describe(d, ev, self);

        d->mount = (struct finding_mount) { .operation = kinds[c.kind].operation, .note = c.note };
        if (c.source)
                d->mount.source = (struct finding_bytes) { c.source->path.s, c.source->path.len };
        if (c.flags_arg >= 0 && (sc->has_a & (1u << c.flags_arg))) {
                d->mount.has_flags = true;
                d->mount.flags = sc->a[c.flags_arg];
                r = flag_names(&d->mount_flags, sc->a[c.flags_arg] & 0xffffffffu, c.names, c.n_names);
                if (r < 0)
                        return r;
                d->mount.flag_names = d->mount_flags.data;
        }
        d->audit.mount = &d->mount;

        buf_reset(&d->text);
        r = buf_printf(&d->text, "%.*s: %s%.*s%s", (int) audit_syscall_get_name(sc).len,
                       audit_syscall_get_name(sc).s ?: "", kinds[c.kind].before, (int) c.target->path.len,
                       c.target->path.s, kinds[c.kind].after);
        if (r >= 0 && d->mount.flag_names)
                r = buf_printf(&d->text, " (%s)", d->mount.flag_names);
        if (r < 0)
                return -ENOMEM;
        d->f.message = d->text.data;

        buf_reset(&d->reason);
        if (buf_append(&d->reason, c.target->path.s, c.target->path.len) < 0)
                return -ENOMEM;
        r = detect_allowlist(d, ev, v, d->reason.data, &allowed);
        if (r < 0 || allowed)
                return r;
        return detect_emit(d, &d->f);
}
