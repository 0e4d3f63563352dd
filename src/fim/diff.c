/* The diff engine; see diff.h. */
#include "diff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/macros.h"

static bool bytes_differ(const void *a, size_t alen, const void *b, size_t blen)
{
        return alen != blen || (alen && memcmp(a, b, alen) != 0);
}

unsigned fim_entry_compare(const struct fim_entry *a, const struct fim_entry *b, unsigned attrs)
{
        unsigned d = 0;

        if ((attrs & ATTR_TYPE) && a->type != b->type)
                return ATTR_TYPE;       /* nothing else compares across types */
        if ((attrs & ATTR_MODE) && a->mode != b->mode)
                d |= ATTR_MODE;
        if ((attrs & ATTR_UID) && a->uid != b->uid)
                d |= ATTR_UID;
        if ((attrs & ATTR_GID) && a->gid != b->gid)
                d |= ATTR_GID;
        if (a->type != S_IFDIR) {
                if ((attrs & ATTR_SIZE) && a->size != b->size)
                        d |= ATTR_SIZE;
                if ((attrs & ATTR_MTIME) && a->mtime_ns != b->mtime_ns)
                        d |= ATTR_MTIME;
        }
        if ((attrs & ATTR_CONTENT) && a->type == S_IFREG && (a->flags & b->flags & ENTRY_HAS_HASH) &&
            memcmp(a->sha256, b->sha256, SHA256_LEN) != 0)
                d |= ATTR_CONTENT;
        if ((attrs & ATTR_TARGET) && a->type == S_IFLNK &&
            bytes_differ(a->target, a->target_len, b->target, b->target_len))
                d |= ATTR_TARGET;
        if ((attrs & ATTR_RDEV) && a->rdev != b->rdev)
                d |= ATTR_RDEV;
        if ((attrs & ATTR_LINK) && bytes_differ(a->link, a->link_len, b->link, b->link_len))
                d |= ATTR_LINK;
        if ((attrs & ATTR_XATTRS) && bytes_differ(a->xattrs, a->xattrs_len, b->xattrs, b->xattrs_len))
                d |= ATTR_XATTRS;
        return d;
}

/* Whether e lies below a directory of cur, or of 'earlier', that could not be
 * listed: then its absence from cur says nothing. */
static bool below_unlisted(const struct fim_tree *cur, const struct fim_tree *earlier, const struct fim_entry *e)
{
        size_t len = e->path_len;

        for (;;) {
                const struct fim_entry *dir;

                while (len > 0 && e->path[len - 1] != '/')
                        len--;
                if (len == 0)
                        return false;
                len = len > 1 ? len - 1 : 1;    /* "/a/b" -> "/a", "/a" -> "/" */
                dir = fim_tree_find(cur, e->path, len);
                if (!dir && earlier)
                        dir = fim_tree_find(earlier, e->path, len);
                if (dir && (dir->flags & ENTRY_UNLISTED))
                        return true;
                if (len == 1)
                        return false;
        }
}

static bool selected(const struct fim_entry *e, char *const *prefixes, size_t n)
{
        size_t i;

        if (n == 0)
                return true;
        for (i = 0; i < n; i++)
                if (path_has_prefix(e->path, e->path_len, prefixes[i]))
                        return true;
        return false;
}

/* The folded directories whose subtrees may still come: each lies between the
 * one below it in the stack and that one's end, so the stack is popped from
 * the top as the join moves past them. Paths are copies: a diff in chunks
 * frees each chunk's trees before the next. */
void fim_fold_release(struct fim_fold *f)
{
        while (f->n > 0)
                free(f->dirs[--f->n].path);
        free(f->dirs);
        f->dirs = NULL;
        f->cap = 0;
}

bool fim_fold_hides(struct fim_fold *f, const struct fim_entry *e)
{
        while (f->n > 0) {
                const char *d = f->dirs[f->n - 1].path;
                size_t dlen = f->dirs[f->n - 1].len;
                int c = memcmp(e->path, d, e->path_len < dlen ? e->path_len : dlen);

                if (c == 0 && e->path_len > dlen) {
                        if (e->path[dlen] == '/')
                                return true;
                        if ((unsigned char) e->path[dlen] < '/')
                                return false;   /* "/a.b" between "/a" and "/a/x" */
                } else if (c < 0 || (c == 0 && e->path_len <= dlen)) {
                        return false;
                }
                free(f->dirs[--f->n].path);     /* e is past d's subtree: nothing below d comes again */
        }
        return false;
}

static int count_below(struct fim_fold *f, bool in_cur, const struct fim_tree *t, const char *path, size_t len,
                       size_t *ret)
{
        if (f->count)
                return f->count(f->userdata, in_cur, path, len, ret);
        *ret = fim_tree_count_below(t, path, len);
        return 0;
}

int fim_fold_change(struct fim_fold *f, struct fim_change *c, const struct fim_tree *base, const struct fim_tree *cur)
{
        const struct fim_entry *e = c->old ? c->old : c->new;
        bool dir_old = c->old && c->old->type == S_IFDIR, dir_new = c->new && c->new->type == S_IFDIR;
        int r = 0;

        if (e->path_len == 1 || !(dir_old || dir_new))
                return 0;
        if (c->kind == CHANGE_REMOVED)
                r = count_below(f, false, base, e->path, e->path_len, &c->folded_old);
        else if (c->kind == CHANGE_MODIFIED && (c->changed & ATTR_TYPE)) {
                if (dir_old)
                        r = count_below(f, false, base, e->path, e->path_len, &c->folded_old);
                if (r >= 0 && dir_new)
                        r = count_below(f, true, cur, e->path, e->path_len, &c->folded_new);
        } else
                return 0;
        if (r < 0)
                return r;
        if (f->n == f->cap) {
                size_t cap = f->cap ? f->cap * 2 : 16;
                typeof(f->dirs) v = reallocarray(f->dirs, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                f->dirs = v;
                f->cap = cap;
        }
        f->dirs[f->n].path = strndup(e->path, e->path_len);
        if (!f->dirs[f->n].path)
                return -ENOMEM;
        f->dirs[f->n++].len = e->path_len;
        return 0;
}

static int diff_join(const struct fim_tree *base, const struct fim_tree *cur, const struct fim_tree *unlisted,
                     unsigned attrs, char *const *prefixes, size_t n_prefixes, struct fim_fold *fold,
                     fim_change_fn fn, void *userdata);

int fim_diff(const struct fim_tree *base, const struct fim_tree *cur, unsigned attrs,
             char *const *prefixes, size_t n_prefixes, fim_change_fn fn, void *userdata)
{
        return diff_join(base, cur, NULL, attrs, prefixes, n_prefixes, NULL, fn, userdata);
}

int fim_diff_folded(const struct fim_tree *base, const struct fim_tree *cur, unsigned attrs, fim_change_fn fn,
                    void *userdata)
{
        _cleanup_(fim_fold_release) struct fim_fold fold = { 0 };

        return diff_join(base, cur, NULL, attrs, NULL, 0, &fold, fn, userdata);
}

int fim_diff_chunk(const struct fim_tree *base, const struct fim_tree *cur, const struct fim_tree *unlisted,
                   unsigned attrs, char *const *prefixes, size_t n_prefixes, fim_change_fn fn, void *userdata)
{
        return diff_join(base, cur, unlisted, attrs, prefixes, n_prefixes, NULL, fn, userdata);
}

int fim_diff_chunk_folded(const struct fim_tree *base, const struct fim_tree *cur, const struct fim_tree *unlisted,
                          unsigned attrs, struct fim_fold *fold, fim_change_fn fn, void *userdata)
{
        return diff_join(base, cur, unlisted, attrs, NULL, 0, fold, fn, userdata);
}

static int diff_join(const struct fim_tree *base, const struct fim_tree *cur, const struct fim_tree *unlisted,
                     unsigned attrs, char *const *prefixes, size_t n_prefixes, struct fim_fold *fold,
                     fim_change_fn fn, void *userdata)
{
        unsigned mask = base->attrs & cur->attrs & ATTR_COMPARED;
        bool any_unlisted = unlisted && unlisted->n > 0;
        size_t i = 0, j = 0;
        int r;

        if (attrs)
                mask &= attrs;
        for (j = 0; j < cur->n && !any_unlisted; j++)
                any_unlisted = cur->entries[j].flags & ENTRY_UNLISTED;
        j = 0;
        while (i < base->n || j < cur->n) {
                const struct fim_entry *a = i < base->n ? &base->entries[i] : NULL;
                const struct fim_entry *b = j < cur->n ? &cur->entries[j] : NULL;
                struct fim_change c = { 0 };
                int cmp;

                if (!a)
                        cmp = 1;
                else if (!b)
                        cmp = -1;
                else
                        cmp = path_compare(a->path, a->path_len, b->path, b->path_len);

                if (fold && fim_fold_hides(fold, cmp <= 0 ? a : b)) {
                        i += cmp <= 0;
                        j += cmp >= 0;
                        continue;
                }
                if (cmp < 0) {
                        i++;
                        if (!selected(a, prefixes, n_prefixes) || (any_unlisted && below_unlisted(cur, unlisted, a)))
                                continue;
                        c = (struct fim_change) { .kind = CHANGE_REMOVED, .old = a };
                } else if (cmp > 0) {
                        j++;
                        if (!selected(b, prefixes, n_prefixes))
                                continue;
                        c = (struct fim_change) { .kind = b->err ? CHANGE_UNREADABLE : CHANGE_ADDED, .new = b };
                        if (b->err) {
                                /* Say it is new, and that it could not be read. */
                                struct fim_change added = { .kind = CHANGE_ADDED, .new = b };

                                r = fn(&added, userdata);
                                if (r < 0)
                                        return r;
                        }
                } else {
                        i++, j++;
                        if (!selected(b, prefixes, n_prefixes))
                                continue;
                        if (b->err) {
                                /* What could be read is still compared: a chmod 000
                                 * is a mode change, and then the file is unreadable;
                                 * content read despite xattrs over the limit is a
                                 * content change (the hash is there only then). */
                                c.changed = (b->flags & ENTRY_HAS_STAT)
                                                    ? fim_entry_compare(a, b, mask & ~ATTR_XATTRS)
                                                    : 0;
                                if (c.changed) {
                                        struct fim_change mod = { CHANGE_MODIFIED, a, b, c.changed };

                                        r = fn(&mod, userdata);
                                        if (r < 0)
                                                return r;
                                }
                                c = (struct fim_change) { .kind = CHANGE_UNREADABLE, .old = a, .new = b };
                        } else {
                                c.changed = fim_entry_compare(a, b, mask);
                                if (!c.changed)
                                        continue;
                                c.kind = CHANGE_MODIFIED;
                                c.old = a;
                                c.new = b;
                        }
                }
                r = fold ? fim_fold_change(fold, &c, base, cur) : 0;
                if (r >= 0)
                        r = fn(&c, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}
