/* FIM changes to findings; see findings.h. */
#define _GNU_SOURCE
#include "findings.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "basic/buf.h"
#include "basic/escape.h"

static const char *error_text(int err)
{
        return err == ESTALE ? "changed while it was being read" : strerror(err);
}

/* Formats one attribute of e into b (cleared first). Returns false when e has
 * no such value. */
static bool format_attr(struct buf *b, const struct fim_entry *e, unsigned bit)
{
        char ts[TIMESTAMP_LEN];

        buf_reset(b);
        switch (bit) {
        case ATTR_TYPE:
                return buf_puts(b, fim_type_name(e->type)) >= 0;
        case ATTR_MODE:
                return buf_printf(b, "%04o", e->mode) >= 0;
        case ATTR_UID:
                return buf_printf(b, "%u", e->uid) >= 0;
        case ATTR_GID:
                return buf_printf(b, "%u", e->gid) >= 0;
        case ATTR_SIZE:
                return buf_printf(b, "%llu", (unsigned long long) e->size) >= 0;
        case ATTR_MTIME:
                format_timestamp(ts, e->mtime_ns);
                /* Keep the nanoseconds: touch -r restores them exactly, or not. */
                return buf_printf(b, "%.19s.%09lldZ", ts, (long long) (e->mtime_ns % 1000000000)) >= 0;
        case ATTR_CONTENT:
                if (!(e->flags & ENTRY_HAS_HASH))
                        return false;
                return buf_puts(b, "sha256:") >= 0 && hex_encode(b, e->sha256, SHA256_LEN) >= 0;
        case ATTR_TARGET:
                return e->target && buf_append(b, e->target, e->target_len) >= 0;
        case ATTR_RDEV:
                return buf_printf(b, "%u:%u", major(e->rdev), minor(e->rdev)) >= 0;
        case ATTR_LINK:
                return e->link && buf_append(b, e->link, e->link_len) >= 0;
        case ATTR_OBJECT:
                /* Entries compared by ostree object checksum carry it here. */
                return (e->flags & ENTRY_HAS_HASH) && hex_encode(b, e->sha256, SHA256_LEN) >= 0;
        default:
                return false;
        }
}

/* An xattr value as text when it is printable (labels end in NUL), else hex. */
static int format_xattr_value(struct buf *b, const uint8_t *v, size_t n)
{
        size_t len = n, i;

        buf_reset(b);
        while (len && v[len - 1] == '\0')
                len--;
        for (i = 0; i < len; i++)
                if (v[i] < 0x20 || v[i] >= 0x7f)
                        break;
        if (i == len && len > 0)
                return buf_append(b, v, len);
        return buf_puts(b, "hex:") < 0 ? -ENOMEM : hex_encode(b, v, n);
}

static bool xattr_find(const struct fim_entry *e, const char *name, size_t nlen,
                       const uint8_t **ret, size_t *ret_len)
{
        struct xattr_iter it = { e->xattrs, e->xattrs_len };
        const uint8_t *v;
        const char *n;
        size_t l, vl;

        while (xattr_next(&it, &n, &l, &v, &vl))
                if (l == nlen && memcmp(n, name, l) == 0) {
                        *ret = v;
                        *ret_len = vl;
                        return true;
                }
        return false;
}

/* Adds "xattr:NAME" and its values for every name whose value differs. */
static int add_xattr_changes(struct finding *f, const struct fim_entry *a, const struct fim_entry *b,
                             bool from_a, struct buf *tmp)
{
        const struct fim_entry *x = from_a ? a : b, *y = from_a ? b : a;
        struct xattr_iter it = { x->xattrs, x->xattrs_len };
        struct buf before, after;
        const uint8_t *v, *w = NULL;
        const char *n;
        size_t l, vl, wl = 0;
        int r = 0;

        buf_init(&before, 0);
        buf_init(&after, 0);
        while (r >= 0 && xattr_next(&it, &n, &l, &v, &vl)) {
                bool other = xattr_find(y, n, l, &w, &wl);

                if (other && (vl == wl && memcmp(v, w, vl) == 0))
                        continue;
                if (!from_a && other)
                        continue;       /* differing values were reported from a's side */
                buf_reset(tmp);
                r = buf_puts(tmp, "xattr:");
                r = r ?: buf_append(tmp, n, l);
                r = r ?: finding_add_changed(f, tmp->data, tmp->len);
                if (r < 0)
                        break;
                r = format_xattr_value(from_a ? &before : &after, v, vl);
                if (r >= 0 && other)
                        r = format_xattr_value(from_a ? &after : &before, w, wl);
                if (r >= 0) {
                        bool has_before = from_a || other, has_after = !from_a || other;

                        r = finding_add_value(f, tmp->data, has_before ? before.data : NULL,
                                              has_before ? before.len : 0, has_after ? after.data : NULL,
                                              has_after ? after.len : 0);
                }
        }
        buf_release(&before);
        buf_release(&after);
        return r == -E2BIG ? 0 : r;     /* past the cap, the names so far stand */
}

static int add_values(struct finding *f, const struct fim_entry *old, const struct fim_entry *new,
                      unsigned mask, struct buf *tmp)
{
        struct buf before;
        unsigned bit;
        int r = 0;

        buf_init(&before, 0);
        for (bit = 1; r >= 0 && bit <= ATTR_OBJECT; bit <<= 1) {
                bool has_old, has_new;

                if (!(mask & bit))
                        continue;
                has_old = old && format_attr(&before, old, bit);
                has_new = new && format_attr(tmp, new, bit);
                if (!has_old && !has_new)
                        continue;
                r = finding_add_value(f, attr_name((unsigned) __builtin_ctz(bit)), has_old ? before.data : NULL,
                                      has_old ? before.len : 0, has_new ? tmp->data : NULL,
                                      has_new ? tmp->len : 0);
        }
        buf_release(&before);
        return r == -E2BIG ? 0 : r;
}

/* ECS file.*: the entry as it is now, copied into the finding's arena. */
static int add_file(struct finding *f, const struct fim_entry *e)
{
        struct finding_file *ff = arena_alloc(&f->arena, sizeof(*ff));

        if (!ff)
                return -ENOMEM;
        *ff = (struct finding_file) {
                .type = fim_type_name(e->type),
                .has_stat = true,
                .mode = e->mode,
                .uid = e->uid,
                .gid = e->gid,
                .has_size = S_ISREG(e->type),
                .size = e->size,
                .mtime_ns = e->mtime_ns,
                .has_inode = (e->flags & ENTRY_HAS_STAT) && e->ino,
                .inode = e->ino,
                .has_sha256 = (e->flags & ENTRY_HAS_HASH) != 0,
        };
        if (ff->has_sha256)
                memcpy(ff->sha256, e->sha256, sizeof(ff->sha256));
        if (e->target) {
                ff->target = arena_memdup(&f->arena, e->target, e->target_len);
                if (!ff->target)
                        return -ENOMEM;
                ff->target_len = e->target_len;
        }
        f->file = ff;
        return 0;
}

/* A file that is setuid or setgid now and was not (or did not exist): a
 * privilege-escalation path of its own (T1548.001), whatever place it is in.
 * Directories are left out: setgid there only passes the group on. */
static bool gained_setid(const struct fim_change *c)
{
        const mode_t bits = S_ISUID | S_ISGID;

        if (!c->new || c->kind == CHANGE_UNREADABLE || S_ISDIR(c->new->type) || !(c->new->mode & bits))
                return false;
        return !c->old || (c->new->mode & bits & ~c->old->mode) != 0;
}

int fim_finding_from_change(const struct fim_reporter *rep, const struct fim_change *c, struct finding *ret)
{
        const struct fim_entry *e = c->new ? c->new : c->old;
        const struct surface *s;
        _cleanup_(buf_release) struct buf tmp;
        struct finding f;
        unsigned bit;
        int r = 0;

        buf_init(&tmp, 0);
        finding_init(&f);
        f.path = e->path;
        f.path_len = e->path_len;
        if (rep->path_prefix) {
                /* Entries below a subtree ("/x" under /etc) are reported by full path. */
                size_t plen = strlen(rep->path_prefix), len = plen + (e->path_len == 1 ? 0 : e->path_len);
                char *full = arena_alloc(&f.arena, len + 1);

                if (!full) {
                        finding_release(&f);
                        return -ENOMEM;
                }
                memcpy(full, rep->path_prefix, plen);
                memcpy(full + plen, e->path, len - plen);
                full[len] = '\0';
                f.path = full;
                f.path_len = len;
        }
        s = ruleset_match(rep->rules, f.path, f.path_len);
        f.alert = true;
        f.category = "file";
        f.dataset = rep->dataset ? rep->dataset : "driftwatch.fim";
        f.root = rep->root;
        /* Rules by id: the loader guarantees those the code names (ruleset_required_ids). */
        if (rep->rule)
                f.rule = rep->rule;
        else if (rep->etc)
                f.rule = s ? &s->etc : ruleset_rule(rep->rules, "DW-ETC-DRIFT");
        else
                f.rule = s ? &s->fim : ruleset_rule(rep->rules, "DW-FIM-DRIFT");
        if (s)
                f.surface = s->surface;
        if (c->quality)
                f.quality[f.n_quality++] = c->quality;

        switch (c->kind) {
        case CHANGE_ADDED:
                f.action = "file-added";
                f.type = "creation";
                if (!rep->rule && !rep->etc && gained_setid(c))
                        f.rule = ruleset_rule(rep->rules, "DW-FIM-SETUID");
                r = add_values(&f, NULL, c->new, ATTR_TYPE | ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_SIZE |
                               ATTR_CONTENT | ATTR_TARGET | ATTR_LINK, &tmp);
                break;
        case CHANGE_REMOVED:
                f.action = "file-removed";
                f.type = "deletion";
                r = add_values(&f, c->old, NULL, ATTR_TYPE | ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_SIZE |
                               ATTR_CONTENT | ATTR_TARGET | ATTR_LINK, &tmp);
                break;
        case CHANGE_MODIFIED:
                f.action = "file-modified";
                f.type = "change";
                if (c->changed == ATTR_MTIME && !rep->rule && !rep->etc)
                        f.rule = ruleset_rule(rep->rules, "DW-FIM-MTIME");
                if ((c->changed & ATTR_MODE) && !rep->rule && !rep->etc && gained_setid(c))
                        f.rule = ruleset_rule(rep->rules, "DW-FIM-SETUID");
                for (bit = 1; r >= 0 && bit <= ATTR_OBJECT; bit <<= 1)
                        if ((c->changed & bit) && bit != ATTR_XATTRS && bit != ATTR_STATCACHE)
                                r = finding_add_changed(&f, attr_name((unsigned) __builtin_ctz(bit)),
                                                        strlen(attr_name((unsigned) __builtin_ctz(bit))));
                if (r >= 0)
                        r = add_values(&f, c->old, c->new, c->changed, &tmp);
                if (r >= 0 && (c->changed & ATTR_XATTRS)) {
                        r = add_xattr_changes(&f, c->old, c->new, true, &tmp);
                        if (r >= 0)
                                r = add_xattr_changes(&f, c->old, c->new, false, &tmp);
                }
                break;
        case CHANGE_UNREADABLE:
                f.action = "file-unreadable";
                f.type = "info";
                f.rule = ruleset_rule(rep->rules, "DW-FIM-UNREADABLE");
                f.error = error_text(c->new->err);
                break;
        }
        if (r >= 0 && (c->folded_old || c->folded_new)) {
                /* A removed or retyped directory, its subtree counted, not listed. */
                char before[24], after[24];
                int bn = snprintf(before, sizeof(before), "%zu", c->folded_old);
                int an = snprintf(after, sizeof(after), "%zu", c->folded_new);

                r = finding_add_value(&f, "entries_below", c->old ? before : NULL, c->old ? (size_t) bn : 0,
                                      c->new ? after : NULL, c->new ? (size_t) an : 0);
        }
        if (r >= 0 && c->new && c->kind != CHANGE_UNREADABLE)
                r = add_file(&f, c->new);
        if (r >= 0 && rep->amend)
                r = rep->amend(&f, c, rep->amend_data);
        if (r < 0) {
                finding_release(&f);
                return r;
        }
        *ret = f;
        return r;       /* > 0: the amend folded it into another finding */
}

int fim_report_change(const struct fim_change *c, void *userdata)
{
        struct fim_reporter *rep = userdata;
        struct finding f;
        int r;

        r = fim_finding_from_change(rep, c, &f);
        if (r < 0)
                return r;
        r = r > 0 ? 0 : output_emit(rep->out, &f);
        finding_release(&f);
        return r;
}
