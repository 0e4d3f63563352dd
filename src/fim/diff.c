/* The diff engine; see diff.h. */
#include "diff.h"

#include <string.h>
#include <sys/stat.h>

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

int fim_diff(const struct fim_tree *base, const struct fim_tree *cur, unsigned attrs,
             char *const *prefixes, size_t n_prefixes, fim_change_fn fn, void *userdata)
{
        return fim_diff_chunk(base, cur, NULL, attrs, prefixes, n_prefixes, fn, userdata);
}

int fim_diff_chunk(const struct fim_tree *base, const struct fim_tree *cur, const struct fim_tree *unlisted,
                   unsigned attrs, char *const *prefixes, size_t n_prefixes, fim_change_fn fn, void *userdata)
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
                r = fn(&c, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}
