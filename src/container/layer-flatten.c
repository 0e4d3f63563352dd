/* Image layers flattened into one tree; see layer-flatten.h.
 *
 * Three path sets, each a vector of entries with an open-addressing index:
 * the tree as the committed layers make it (a removed entry stays in place,
 * marked dead, and comes back to life when a later layer names it again),
 * the layer being staged, and that layer's removals (whiteouts: the path and
 * below; opaque directories: below only).
 *
 * Within a layer, order matters as it does for extraction: a non-directory
 * staged over a directory removes what was below it, staged before it or
 * present below. Staged entries and such cuts carry a sequence number (in
 * ctime_ns, which layers do not record): an entry staged before a cut of one
 * of its ancestors is gone. Parents no member names are staged as implicit
 * directories, so the tree always holds every parent of its entries and a
 * file over such a directory cuts what lies below it too. */
#define _GNU_SOURCE
#include "layer-flatten.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/hash.h"
#include "basic/macros.h"

#define FLAT_DEAD (1u << 31)            /* in fim_entry.flags of the tree: removed */
#define FLAT_IMPLICIT (1u << 30)        /* a staged parent no member named: a directory
                                         * unless the tree already has one */
#define GONE_SELF 1u                    /* in fim_entry.mode of a removal: the path itself */
#define GONE_BELOW 2u                   /* everything below the path */

#define WHITEOUT ".wh."
#define OPAQUE ".wh..wh..opq"

struct entry_set {
        struct fim_entry *v;
        size_t n, cap;
        uint32_t *slots;                /* entry index + 1; 0 is empty */
        size_t mask;
};

struct layer_flatten {
        struct arena arena;             /* every path, target and xattr set */
        struct entry_set tree, layer, gone;
        uint64_t next_ino;
        int64_t seq;                    /* of the staged entries and cuts */
};

static void set_release(struct entry_set *s)
{
        free(s->v);
        free(s->slots);
        *s = (struct entry_set) { 0 };
}

static void set_clear(struct entry_set *s)
{
        s->n = 0;
        if (s->slots)
                memset(s->slots, 0, (s->mask + 1) * sizeof(*s->slots));
}

static size_t set_find(const struct entry_set *s, const char *path, size_t len)
{
        size_t i;

        if (!s->slots)
                return SIZE_MAX;
        for (i = hash_bytes(path, len) & s->mask; s->slots[i]; i = (i + 1) & s->mask) {
                const struct fim_entry *e = &s->v[s->slots[i] - 1];

                if (e->path_len == len && memcmp(e->path, path, len) == 0)
                        return s->slots[i] - 1;
        }
        return SIZE_MAX;
}

static int set_grow(struct entry_set *s)
{
        size_t size = s->slots ? (s->mask + 1) * 2 : 1024, i;
        uint32_t *slots = calloc(size, sizeof(*slots));

        if (!slots)
                return -ENOMEM;
        for (i = 0; i < s->n; i++) {
                size_t k = hash_bytes(s->v[i].path, s->v[i].path_len) & (size - 1);

                while (slots[k])
                        k = (k + 1) & (size - 1);
                slots[k] = (uint32_t) (i + 1);
        }
        free(s->slots);
        s->slots = slots;
        s->mask = size - 1;
        return 0;
}

/* The entry for path: the existing one, or a new zeroed one whose path is
 * copied into the arena. *ret_new says which. */
static int set_get(struct entry_set *s, struct arena *a, const char *path, size_t len, size_t *ret_index,
                   bool *ret_new)
{
        size_t i = set_find(s, path, len), k;
        struct fim_entry *e;
        int r;

        if (i != SIZE_MAX) {
                *ret_index = i;
                if (ret_new)
                        *ret_new = false;
                return 0;
        }
        if (s->n >= LAYER_ENTRIES_MAX)
                return -E2BIG;
        if (!s->slots || (s->n + 1) * 2 > s->mask + 1) {
                r = set_grow(s);
                if (r < 0)
                        return r;
        }
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 1024;
                struct fim_entry *v = realloc(s->v, cap * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                s->v = v;
                s->cap = cap;
        }
        e = &s->v[s->n];
        *e = (struct fim_entry) { .path = arena_strndup(a, path, len), .path_len = (uint32_t) len };
        if (!e->path)
                return -ENOMEM;
        for (k = hash_bytes(path, len) & s->mask; s->slots[k]; k = (k + 1) & s->mask)
                ;
        s->slots[k] = (uint32_t) (s->n + 1);
        *ret_index = s->n++;
        if (ret_new)
                *ret_new = true;
        return 0;
}

int layer_flatten_new(struct layer_flatten **ret)
{
        struct layer_flatten *f = calloc(1, sizeof(*f));

        if (!f)
                return -ENOMEM;
        arena_init(&f->arena);
        f->next_ino = 1;
        *ret = f;
        return 0;
}

struct layer_flatten *layer_flatten_free(struct layer_flatten *f)
{
        if (!f)
                return NULL;
        set_release(&f->tree);
        set_release(&f->layer);
        set_release(&f->gone);
        arena_release(&f->arena);
        free(f);
        return NULL;
}

int layer_path_normalize(const char *name, size_t len, char *ret, size_t *ret_len)
{
        size_t out = 0, i = 0, depth = 0;

        if (len == 0 || memchr(name, '\0', len) || name[0] == '/')
                return -EBADMSG;
        while (i < len) {
                size_t start = i, n;

                while (i < len && name[i] != '/')
                        i++;
                n = i - start;
                if (i < len)
                        i++;    /* the slash */
                if (n == 0 || (n == 1 && name[start] == '.'))
                        continue;
                if (n == 2 && name[start] == '.' && name[start + 1] == '.')
                        return -EBADMSG;
                if (++depth > LAYER_PATH_DEPTH_MAX || out + 1 + n >= FIM_PATH_MAX)
                        return -ENAMETOOLONG;
                ret[out++] = '/';
                memcpy(ret + out, name + start, n);
                out += n;
        }
        if (out == 0)
                ret[out++] = '/';
        ret[out] = '\0';
        *ret_len = out;
        return 0;
}

static unsigned gone_flags(const struct layer_flatten *f, const char *path, size_t len)
{
        size_t i = set_find(&f->gone, path, len);

        return i == SIZE_MAX ? 0 : f->gone.v[i].mode;
}

/* The length of the parent of path[0, len) ("/a/b" -> 2, "/a" -> 1); path is not "/". */
static size_t parent_len(const char *path, size_t len)
{
        while (len > 1 && path[len - 1] != '/')
                len--;
        return len > 1 ? len - 1 : 1;
}

/* Whether the tree's entry at path is removed by the staged layer's removals. */
static bool removed_by_layer(const struct layer_flatten *f, const char *path, size_t len)
{
        if (f->gone.n == 0)
                return false;
        if (gone_flags(f, path, len) & GONE_SELF)
                return true;
        while (len > 1) {
                len = parent_len(path, len);
                if (gone_flags(f, path, len) & (GONE_SELF | GONE_BELOW))
                        return true;
        }
        return false;
}

/* Whether a staged entry survives the cuts staged after it. */
static bool staged_alive(const struct layer_flatten *f, const struct fim_entry *e)
{
        size_t len = e->path_len, i;

        while (f->gone.n && len > 1) {
                len = parent_len(e->path, len);
                i = set_find(&f->gone, e->path, len);
                if (i != SIZE_MAX && f->gone.v[i].ctime_ns > e->ctime_ns)
                        return false;
        }
        return true;
}

/* The entry at path as the tree stands with the staged layer over it, or NULL. */
static struct fim_entry *lookup(struct layer_flatten *f, const char *path, size_t len, bool *ret_staged)
{
        size_t i = set_find(&f->layer, path, len);

        *ret_staged = i != SIZE_MAX && staged_alive(f, &f->layer.v[i]);
        if (*ret_staged)
                return &f->layer.v[i];
        i = set_find(&f->tree, path, len);
        if (i == SIZE_MAX || (f->tree.v[i].flags & FLAT_DEAD) || removed_by_layer(f, path, len))
                return NULL;
        return &f->tree.v[i];
}

/* Every proper ancestor of path, below "/", must be a directory or absent. */
static int check_ancestors(struct layer_flatten *f, const char *path, size_t len, const char **ret_reason)
{
        size_t end;

        for (end = 1; end < len; end++) {
                const struct fim_entry *e;
                bool staged;

                if (path[end] != '/')
                        continue;
                e = lookup(f, path, end, &staged);
                if (!e || e->type == S_IFDIR)
                        continue;
                *ret_reason = e->type == S_IFLNK ? "path through a symlink" : "path below a non-directory";
                return -EBADMSG;
        }
        return 0;
}

/* cut: a non-directory staged over a directory, which removes what the
 * layer staged below it so far as well. */
static int stage_removal(struct layer_flatten *f, const char *path, size_t len, unsigned how, bool cut)
{
        size_t i;
        int r = set_get(&f->gone, &f->arena, path, len, &i, NULL);

        if (r < 0)
                return r;
        f->gone.v[i].mode |= how;
        if (cut)
                f->gone.v[i].ctime_ns = ++f->seq;
        return 0;
}

/* A whiteout member: 1 when e is one (staged as a removal, or ignored), 0 when not. */
static int stage_whiteout(struct layer_flatten *f, const struct fim_entry *e, const char **ret_reason)
{
        size_t plen, blen;
        const char *base;
        char target[FIM_PATH_MAX];

        if (e->path_len <= 1)
                return 0;
        plen = parent_len(e->path, e->path_len);
        base = e->path + (plen == 1 ? 1 : plen + 1);
        blen = e->path_len - (size_t) (base - e->path);
        if (blen < strlen(WHITEOUT) || memcmp(base, WHITEOUT, strlen(WHITEOUT)) != 0)
                return 0;
        if (blen == strlen(OPAQUE) && memcmp(base, OPAQUE, blen) == 0)
                return stage_removal(f, e->path, plen, GONE_BELOW, false) ?: 1;
        if (blen >= 2 * strlen(WHITEOUT) && memcmp(base + strlen(WHITEOUT), WHITEOUT, strlen(WHITEOUT)) == 0)
                return 1;       /* other ".wh..wh." names: aufs metadata, never content */
        base += strlen(WHITEOUT);
        blen -= strlen(WHITEOUT);
        if (blen == 0 || (blen == 1 && base[0] == '.') || (blen == 2 && base[0] == '.' && base[1] == '.')) {
                *ret_reason = "whiteout of no nameable path";
                return -EBADMSG;
        }
        memcpy(target, e->path, e->path_len - blen - strlen(WHITEOUT));
        memcpy(target + e->path_len - blen - strlen(WHITEOUT), base, blen);
        return stage_removal(f, target, e->path_len - strlen(WHITEOUT), GONE_SELF, false) ?: 1;
}

/* Stages the parents of path that are neither staged nor in the tree. */
static int stage_parents(struct layer_flatten *f, const char *path, size_t len)
{
        for (size_t end = 1; end < len; end++) {
                bool staged, created;
                size_t i;
                int r;

                if (path[end] != '/' || lookup(f, path, end, &staged))
                        continue;
                r = set_get(&f->layer, &f->arena, path, end, &i, &created);
                if (r < 0)
                        return r;
                f->layer.v[i] = (struct fim_entry) { .path = f->layer.v[i].path, .path_len = (uint32_t) end,
                                                     .type = S_IFDIR, .mode = 0755, .flags = FLAT_IMPLICIT,
                                                     .ctime_ns = ++f->seq };
        }
        return 0;
}

static int copy_strings(struct layer_flatten *f, struct fim_entry *dst, const struct fim_entry *src)
{
        dst->target = NULL;
        dst->xattrs = NULL;
        if (src->target) {
                dst->target = arena_strndup(&f->arena, src->target, src->target_len);
                if (!dst->target)
                        return -ENOMEM;
        }
        if (src->xattrs_len) {
                dst->xattrs = arena_memdup(&f->arena, src->xattrs, src->xattrs_len);
                if (!dst->xattrs)
                        return -ENOMEM;
        }
        return 0;
}

int layer_flatten_add(struct layer_flatten *f, const struct fim_entry *e, const char *hardlink,
                      const char **ret_reason)
{
        struct fim_entry *src = NULL, *dst;
        bool src_staged = false, old_staged;
        const char *path;
        uint32_t path_len;
        size_t i;
        int r;

        if (e->path_len == 1)
                return 0;       /* the root is the runtime's, see LAYER_ROOT_MODE */
        r = check_ancestors(f, e->path, e->path_len, ret_reason);
        if (r < 0)
                return r;
        r = stage_whiteout(f, e, ret_reason);
        if (r != 0)
                return r < 0 ? r : 0;
        r = stage_parents(f, e->path, e->path_len);
        if (r < 0)
                return r;
        if (hardlink) {
                src = lookup(f, hardlink, strlen(hardlink), &src_staged);
                if (!src || src->type == S_IFDIR) {
                        *ret_reason = src ? "hardlink to a directory" : "hardlink to nothing";
                        return -EBADMSG;
                }
                if (src_staged && src->ino == 0)
                        src->ino = f->next_ino++;
        }
        if ((src ? src->type : e->type) != S_IFDIR) {
                const struct fim_entry *old = lookup(f, e->path, e->path_len, &old_staged);

                if (old && old->type == S_IFDIR) {
                        r = stage_removal(f, e->path, e->path_len, GONE_BELOW, true);
                        if (r < 0)
                                return r;
                }
        }
        r = set_get(&f->layer, &f->arena, e->path, e->path_len, &i, NULL);
        if (r < 0)
                return r;
        if (src) {
                /* src may move when the vector grows: copied only after set_get(). */
                src = lookup(f, hardlink, strlen(hardlink), &src_staged);
                e = src;
        }
        dst = &f->layer.v[i];
        path = dst->path;
        path_len = dst->path_len;
        *dst = *e;
        dst->path = path;
        dst->path_len = path_len;
        dst->flags &= ~FLAT_DEAD;
        /* One inode only within a layer: a link to a lower layer's file is a copy. */
        dst->ino = src && src_staged ? src->ino : e->type == S_IFREG ? f->next_ino++ : 0;
        dst->ctime_ns = ++f->seq;
        return copy_strings(f, dst, e);
}

int layer_flatten_commit(struct layer_flatten *f)
{
        size_t i, k;
        int r;

        for (i = 0; f->gone.n && i < f->tree.n; i++) {
                struct fim_entry *t = &f->tree.v[i];

                if (!(t->flags & FLAT_DEAD) && removed_by_layer(f, t->path, t->path_len))
                        t->flags |= FLAT_DEAD;
        }
        for (i = 0; i < f->layer.n; i++) {
                const char *path;
                uint32_t path_len;

                if (!staged_alive(f, &f->layer.v[i]))
                        continue;
                if (f->layer.v[i].flags & FLAT_IMPLICIT) {
                        k = set_find(&f->tree, f->layer.v[i].path, f->layer.v[i].path_len);
                        if (k != SIZE_MAX && !(f->tree.v[k].flags & FLAT_DEAD))
                                continue;       /* the directory the layers below made */
                        f->layer.v[i].flags &= ~FLAT_IMPLICIT;
                }
                r = set_get(&f->tree, &f->arena, f->layer.v[i].path, f->layer.v[i].path_len, &k, NULL);
                if (r < 0)
                        return r;
                path = f->tree.v[k].path;
                path_len = f->tree.v[k].path_len;
                f->tree.v[k] = f->layer.v[i];
                f->tree.v[k].path = path;
                f->tree.v[k].path_len = path_len;
        }
        layer_flatten_drop(f);
        return 0;
}

void layer_flatten_drop(struct layer_flatten *f)
{
        set_clear(&f->layer);
        set_clear(&f->gone);
}

/* Adds the directories no layer named above each live entry. */
static int add_parents(struct layer_flatten *f)
{
        size_t i, k;
        bool created;
        int r;

        r = set_get(&f->tree, &f->arena, "/", 1, &k, &created);
        if (r < 0)
                return r;
        f->tree.v[k] = (struct fim_entry) { .path = f->tree.v[k].path, .path_len = 1, .type = S_IFDIR,
                                            .mode = LAYER_ROOT_MODE };
        for (i = 0; i < f->tree.n; i++) {
                const char *path = f->tree.v[i].path;
                size_t len = f->tree.v[i].path_len;

                if ((f->tree.v[i].flags & FLAT_DEAD) || len <= 1)
                        continue;
                len = parent_len(path, len);
                r = set_get(&f->tree, &f->arena, path, len, &k, &created);
                if (r < 0)
                        return r;
                if (created || (f->tree.v[k].flags & FLAT_DEAD))
                        f->tree.v[k] = (struct fim_entry) { .path = f->tree.v[k].path, .path_len = (uint32_t) len,
                                                            .type = S_IFDIR, .mode = 0755 };
        }
        return 0;
}

static int ino_cmp(const void *x, const void *y)
{
        uint64_t a = *(const uint64_t *) x, b = *(const uint64_t *) y;

        return a < b ? -1 : a > b;
}

/* nlink of every regular file: how many live entries share its inode. */
static int count_links(struct fim_tree *t)
{
        _cleanup_(freep) uint64_t *inos = malloc((t->n + 1) * sizeof(*inos));
        size_t n = 0, i;

        if (!inos)
                return -ENOMEM;
        for (i = 0; i < t->n; i++)
                if (t->entries[i].type == S_IFREG)
                        inos[n++] = t->entries[i].ino;
        qsort(inos, n, sizeof(*inos), ino_cmp);
        for (i = 0; i < t->n; i++) {
                struct fim_entry *e = &t->entries[i];
                uint64_t *lo, *hi;

                if (e->type != S_IFREG)
                        continue;
                lo = bsearch(&e->ino, inos, n, sizeof(*inos), ino_cmp);
                for (hi = lo; lo > inos && lo[-1] == e->ino; lo--)
                        ;
                while (hi < inos + n && *hi == e->ino)
                        hi++;
                e->nlink = (uint32_t) (hi - lo);
                e->dev = 1;
        }
        return 0;
}

static bool in_prefixes(const struct fim_entry *e, char *const *prefixes, size_t n)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (path_has_prefix(e->path, e->path_len, prefixes[i]))
                        return true;
        return n == 0;
}

int layer_flatten_finish(struct layer_flatten *f, char *const *prefixes, size_t n_prefixes,
                         struct fim_tree **ret)
{
        _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;
        size_t i;
        int r;

        layer_flatten_drop(f);
        r = add_parents(f);
        r = r ?: fim_tree_new(&t);
        if (r < 0)
                return r;
        for (i = 0; i < f->tree.n; i++) {
                const struct fim_entry *e = &f->tree.v[i];
                struct fim_entry *d;

                if ((e->flags & FLAT_DEAD) || !in_prefixes(e, prefixes, n_prefixes))
                        continue;
                d = fim_tree_add(t);
                if (!d)
                        return -ENOMEM;
                *d = *e;
        }
        arena_merge(&t->arena, &f->arena);
        set_release(&f->tree);
        fim_tree_sort(t);
        r = count_links(t);
        r = r ?: fim_tree_link_groups(t, NULL);
        if (r < 0)
                return r;
        /* What a layer records: no inode identity or change time. */
        for (i = 0; i < t->n; i++) {
                t->entries[i].dev = t->entries[i].ino = 0;
                t->entries[i].ctime_ns = 0;
                t->entries[i].flags &= ENTRY_HAS_HASH;
        }
        t->attrs = ATTR_COMPARED;
        *ret = TAKE_PTR(t);
        return 0;
}
