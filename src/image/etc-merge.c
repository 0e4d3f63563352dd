/* ostree's /etc merge, simulated; see etc-merge.h.
 *
 * ostree lists the differences between the running deployment's /usr/etc
 * and /etc (ignoring xattrs), then works on a fresh copy of the next image's
 * /usr/etc ("N" below): every removed path is removed there with its subtree;
 * then, for every modified and every added path in turn:
 *   1. the directory holding it is made to exist in N (created from the local
 *      directory when missing, through a parent chain if need be) and takes
 *      the local directory's mode, owner and xattrs, whatever N had;
 *   2. a directory already in N at the path: a local non-directory fails the
 *      deploy ("newly defaults to directory"), a local directory is left as is;
 *   3. anything else in N at the path is unlinked;
 *   4. a local directory is copied whole (before ostree 2024.2 a special file
 *      inside fails the deploy), a file or symlink is copied, a special file is
 *      not copied at all.
 * Paths are resolved in N following symlinks, so a symlink the image puts
 * where /etc had a directory sends the writes and removals elsewhere. The
 * first error fails the deploy and leaves the booted deployment as it was.
 * The simulation keeps what it changed in N as sets of directories: those
 * copied whole from /etc and those created from /etc's. */
#define _GNU_SOURCE
#include "etc-merge.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/hash.h"
#include "etc-diff.h"

enum item_kind { ITEM_REMOVED, ITEM_MODIFIED, ITEM_ADDED, ITEM_BEYOND, ITEM_UNREADABLE };

struct item {
        enum item_kind kind;
        const struct fim_entry *image, *local;  /* in the image's /usr/etc, in /etc */
        bool retyped;
        struct merge_result res;
};

/* A set of paths (pointers into the trees, which outlive it). */
struct path_set {
        const char **path;
        size_t *len;
        size_t n, mask;
};

struct etc_merge {
        const struct fim_tree *image, *local, *next;
        unsigned version;
        struct item *items;
        size_t n, cap, blockers;
        struct path_set copied;         /* directories copied whole from /etc into N */
        struct path_set created;        /* directories created in N from /etc's */
        struct path_set applied;        /* directories of N that took /etc's metadata */
        struct path_set reverted;       /* image directory updates already reported lost */
        struct arena arena;             /* reasons and lost paths */
        struct item *cur;               /* the item being replayed */
};

const char *merge_fate_name(enum merge_fate f)
{
        switch (f) {
        case MERGE_CARRIED: return "carried";
        case MERGE_CARRIED_SHADOWS: return "carried-shadows-image-update";
        case MERGE_REMOVAL_APPLIED: return "removal-applied";
        case MERGE_DROPPED: return "dropped";
        case MERGE_BLOCKS_DEPLOY: return "blocks-deploy";
        case MERGE_REDIRECTED: return "redirected";
        case MERGE_UNKNOWN: return "unknown";
        default: return "none";
        }
}

static bool set_has(const struct path_set *s, const char *p, size_t len)
{
        size_t i;

        if (!s->n)
                return false;
        for (i = hash_bytes(p, len) & s->mask; s->path[i]; i = (i + 1) & s->mask)
                if (s->len[i] == len && memcmp(s->path[i], p, len) == 0)
                        return true;
        return false;
}

static int set_add(struct path_set *s, const char *p, size_t len)
{
        size_t i;

        if (set_has(s, p, len))
                return 0;
        if ((s->n + 1) * 2 > (s->mask ? s->mask + 1 : 0)) {
                size_t cap = s->mask ? (s->mask + 1) * 2 : 64, j;
                struct path_set g = { .mask = cap - 1, .n = s->n };

                g.path = calloc(cap, sizeof(*g.path));
                g.len = calloc(cap, sizeof(*g.len));
                if (!g.path || !g.len) {
                        free(g.path);
                        free(g.len);
                        return -ENOMEM;
                }
                for (j = 0; s->mask && j <= s->mask; j++) {
                        if (!s->path[j])
                                continue;
                        for (i = hash_bytes(s->path[j], s->len[j]) & g.mask; g.path[i]; i = (i + 1) & g.mask)
                                ;
                        g.path[i] = s->path[j];
                        g.len[i] = s->len[j];
                }
                free(s->path);
                free(s->len);
                *s = g;
        }
        for (i = hash_bytes(p, len) & s->mask; s->path[i]; i = (i + 1) & s->mask)
                ;
        s->path[i] = p;
        s->len[i] = len;
        s->n++;
        return 0;
}

static void set_release(struct path_set *s)
{
        free(s->path);
        free(s->len);
        *s = (struct path_set) { 0 };
}

static const struct fim_entry *find(const struct fim_tree *t, const char *p, size_t len)
{
        return t ? fim_tree_find(t, p, len) : NULL;
}

/* The length of p's parent ("/a/b" -> "/a"); 0 for an entry of /etc itself. */
static size_t parent_len(const char *p, size_t len)
{
        while (len > 0 && p[len - 1] != '/')
                len--;
        return len > 1 ? len - 1 : 0;
}

/* What N holds at p now: the local entry when p lies in a directory copied
 * from /etc or was created from /etc's, else the next image's. */
static const struct fim_entry *n_at(const struct etc_merge *m, const char *p, size_t len)
{
        size_t l;

        for (l = len; l > 0; l = parent_len(p, l))
                if (set_has(&m->copied, p, l))
                        return find(m->local, p, len);
        if (set_has(&m->created, p, len))
                return find(m->local, p, len);
        return find(m->next, p, len);
}

/* Whether N's entry at p is the next image's own (not one the merge put there). */
static bool n_is_image(const struct etc_merge *m, const char *p, size_t len)
{
        return n_at(m, p, len) == find(m->next, p, len) && find(m->next, p, len);
}

static bool is_special(const struct fim_entry *e)
{
        return e && e->type != S_IFREG && e->type != S_IFDIR && e->type != S_IFLNK;
}

static bool meta_differs(const struct fim_entry *a, const struct fim_entry *b)
{
        return a->mode != b->mode || a->uid != b->uid || a->gid != b->gid;
}

/* Whether the next image changed p (content, metadata, xattrs, type, or its
 * presence) against the running image. */
static bool image_updates(const struct etc_merge *m, const char *p, size_t len)
{
        const struct fim_entry *a = find(m->image, p, len), *n = find(m->next, p, len);
        unsigned attrs = m->image->attrs & m->next->attrs & ETC_ATTRS;

        if (!a || !n)
                return a != n;
        return fim_entry_compare(a, n, attrs) != 0;
}

static int lose(struct etc_merge *m, struct merge_result *res, const char *p, size_t len, const char *what)
{
        char *s;

        res->loses_total++;
        if (res->n_loses >= sizeof(res->loses) / sizeof(res->loses[0]))
                return 0;
        s = arena_printf(&m->arena, "/etc%.*s: %s", (int) len, p, what);
        if (!s)
                return -ENOMEM;
        res->loses[res->n_loses++] = s;
        return 0;
}

/* ostree's error for the deploy, with the prefixes of the modelled release. */
static int block(struct etc_merge *m, struct merge_result *res, const char *fmt, ...) _printf_(3, 4);
static int block(struct etc_merge *m, struct merge_result *res, const char *fmt, ...)
{
        _cleanup_(freep) char *msg = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        res->fate = MERGE_BLOCKS_DEPLOY;
        res->reason = arena_printf(&m->arena, "%sDuring /etc merge: %s",
                                   m->version >= OSTREE_VERSION_NUM(2023, 7) ? "Finalizing deployment: " : "", msg);
        m->blockers++;
        return res->reason ? 1 : -ENOMEM;
}

/* A symlink of the new image on the way: the write or removal lands where it points. */
static int redirect(struct etc_merge *m, struct merge_result *res, const struct fim_entry *link, const char *verb)
{
        res->fate = MERGE_REDIRECTED;
        res->reason = arena_printf(&m->arena, "the new image's /etc%.*s is a symlink to '%s': the merge %s through it",
                                   (int) link->path_len, link->path, link->target ? link->target : "", verb);
        return res->reason ? 1 : -ENOMEM;
}

/* A symlink of the next image on the way to p (p itself excluded), or NULL. */
static const struct fim_entry *symlink_on_path(const struct etc_merge *m, const char *p, size_t len)
{
        const struct fim_entry *found = NULL;
        size_t l;

        for (l = parent_len(p, len); l > 0; l = parent_len(p, l)) {
                const struct fim_entry *e = n_at(m, p, l);

                if (e && e->type == S_IFLNK)
                        found = e;      /* the outermost one is the one followed first */
        }
        return found;
}

/* The local directory's metadata reaches N's directory d. */
static int apply_meta(struct etc_merge *m, const char *d, size_t len)
{
        const struct fim_entry *l = find(m->local, d, len), *n = find(m->next, d, len), *a;
        int r;

        r = set_add(&m->applied, l ? l->path : d, len);
        if (r < 0 || !l || !n || n->type != S_IFDIR || !n_is_image(m, d, len) || !meta_differs(l, n))
                return r;
        /* The image's directory takes the local mode and owner: an update the
         * image made to them is undone. */
        a = find(m->image, d, len);
        if ((!a || meta_differs(a, n)) && !set_has(&m->reverted, n->path, len)) {
                char what[128];

                r = set_add(&m->reverted, n->path, len);
                snprintf(what, sizeof(what), "the new image's mode %04o and owner %u:%u are reverted to %04o %u:%u",
                         n->mode, n->uid, n->gid, l->mode, l->uid, l->gid);
                if (r >= 0)
                        r = lose(m, &m->cur->res, d, len, what);
        }
        return r;
}

/* ostree's ensure_directory_from_template(): > 0 when it fails the deploy
 * or is redirected (res says how). */
static int ensure_dir(struct etc_merge *m, struct merge_result *res, const char *d, size_t len)
{
        const struct fim_entry *n = n_at(m, d, len), *link;
        size_t pl;
        int r;

        /* d and what is above it (d is a prefix of the path being placed,
         * so d[len] is its '/'). */
        link = symlink_on_path(m, d, len + 1);
        if (link)
                return redirect(m, res, link, "writes");
        if (n) {
                if (n->type != S_IFDIR)
                        return block(m, res, "opendir(%.*s): Not a directory", (int) len - 1, d + 1);
                return apply_meta(m, d, len);
        }
        pl = parent_len(d, len);
        if (pl > 0) {
                const struct fim_entry *p = n_at(m, d, pl);

                if (p && p->type != S_IFDIR)
                        return block(m, res, "mkdirat: Not a directory");
                if (!p) {
                        r = ensure_dir(m, res, d, pl);
                        if (r != 0)
                                return r;
                }
        }
        if (!find(m->local, d, len))
                return 0;       /* not in /etc either: the diff would not have listed below it */
        r = set_add(&m->created, find(m->local, d, len)->path, len);
        return r < 0 ? r : apply_meta(m, d, len);
}

/* The first special file in the local subtree below p, or NULL. */
static const struct fim_entry *special_below(const struct etc_merge *m, const char *p, size_t len)
{
        size_t lo, hi;

        fim_tree_below(m->local, p, len, &lo, &hi);
        for (; lo < hi; lo++)
                if (is_special(&m->local->entries[lo]))
                        return &m->local->entries[lo];
        return NULL;
}

static const char *base_name(const struct fim_entry *e)
{
        const char *s = memrchr(e->path, '/', e->path_len);

        return s ? s + 1 : e->path;
}

static int carried(struct etc_merge *m, struct merge_result *res, const char *p, size_t len)
{
        const struct fim_entry *n = find(m->next, p, len);

        res->fate = MERGE_CARRIED;
        if (!image_updates(m, p, len))
                return 0;
        res->fate = MERGE_CARRIED_SHADOWS;
        return lose(m, res, p, len,
                    !n ? "the new image deletes it; the local copy keeps it"
                       : "the new image's update is hidden by the local copy");
}

/* ostree's copy_modified_config_file() for one modified or added path. */
static int copy_modified(struct etc_merge *m, struct item *it)
{
        const struct fim_entry *l = it->local, *n, *link;
        struct merge_result *res = &it->res;
        const char *p = l->path;
        size_t len = l->path_len, pl = parent_len(p, len), k;
        int r;

        /* Inside a directory already copied whole: it came with it. */
        for (k = pl; k > 0; k = parent_len(p, k))
                if (set_has(&m->copied, p, k)) {
                        if (is_special(l) && m->version >= OSTREE_VERSION_NUM(2024, 2)) {
                                res->fate = MERGE_DROPPED;
                                res->reason = "ostree does not copy special files";
                                return 0;
                        }
                        return carried(m, res, p, len);
                }
        if (pl > 0) {
                r = ensure_dir(m, res, p, pl);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        link = symlink_on_path(m, p, len);
        if (link)
                return redirect(m, res, link, "writes");
        n = n_at(m, p, len);
        if (n && n->type == S_IFDIR) {
                if (l->type != S_IFDIR)
                        return block(m, res, "Modified config file newly defaults to directory '%.*s', cannot merge",
                                     (int) len - 1, p + 1);
                if (it->retyped) {
                        char what[96];

                        res->fate = MERGE_DROPPED;
                        res->reason = "the new image has a directory here: ostree keeps it and copies nothing of "
                                      "the local directory";
                        snprintf(what, sizeof(what), "the local directory and the %zu entries below it",
                                 fim_tree_count_below(m->local, p, len));
                        return lose(m, res, p, len, what);
                }
                return 0;       /* a directory's own change: decided once all is replayed */
        }
        if (l->type == S_IFDIR) {
                const struct fim_entry *s = special_below(m, p, len);

                if (s && m->version < OSTREE_VERSION_NUM(2024, 2))
                        return block(m, res, "Copying %s: Cannot copy non-regular/non-symlink file: %s", base_name(s),
                                     base_name(s));
                r = set_add(&m->copied, p, len);
                if (r >= 0)
                        r = set_add(&m->applied, p, len);
                return r < 0 ? r : carried(m, res, p, len);
        }
        if (is_special(l)) {
                res->fate = MERGE_DROPPED;
                res->reason = "ostree does not copy special files (FIFOs, sockets, devices)";
                if (n)
                        return lose(m, res, p, len, "the new image's entry here is deleted and not replaced");
                return 0;
        }
        return carried(m, res, p, len);
}

/* A local removal: rm -rf of the path in N. */
static int remove_path(struct etc_merge *m, struct item *it)
{
        const struct fim_entry *a = it->image, *n, *link;
        struct merge_result *res = &it->res;
        size_t lo, hi, lost = 0;
        char what[96];
        int r = 0;

        link = symlink_on_path(m, a->path, a->path_len);
        if (link)
                return redirect(m, res, link, "removes");
        res->fate = MERGE_REMOVAL_APPLIED;
        n = find(m->next, a->path, a->path_len);
        if (!n)
                return 0;
        if (image_updates(m, a->path, a->path_len))
                r = lose(m, res, a->path, a->path_len,
                         n->type == S_IFDIR && a->type != S_IFDIR ? "the new image's directory here is removed"
                                                                   : "the new image's update is removed");
        if (n->type != S_IFDIR || r < 0)
                return r;
        /* What the new image adds or changes below a removed directory goes too. */
        fim_tree_below(m->next, a->path, a->path_len, &lo, &hi);
        for (; lo < hi; lo++) {
                const struct fim_entry *e = &m->next->entries[lo];

                if (image_updates(m, e->path, e->path_len))
                        lost++;
        }
        if (lost) {
                snprintf(what, sizeof(what), "%zu entr%s the new image adds or changes below it", lost,
                         lost == 1 ? "y" : "ies");
                r = lose(m, res, a->path, a->path_len, what);
        }
        return r;
}

int etc_merge_new(const struct fim_tree *image, const struct fim_tree *local, const struct fim_tree *next,
                  unsigned ostree_version, struct etc_merge **ret)
{
        struct etc_merge *m = calloc(1, sizeof(*m));

        if (!m)
                return -ENOMEM;
        m->image = image;
        m->local = local;
        m->next = next;
        m->version = ostree_version;
        arena_init(&m->arena);
        *ret = m;
        return 0;
}

struct etc_merge *etc_merge_free(struct etc_merge *m)
{
        if (!m)
                return NULL;
        set_release(&m->copied);
        set_release(&m->created);
        set_release(&m->applied);
        set_release(&m->reverted);
        arena_release(&m->arena);
        free(m->items);
        free(m);
        return NULL;
}

int etc_merge_add(struct etc_merge *m, const struct fim_change *c, bool in_config_diff, size_t *ret_index)
{
        struct item *it;

        if (m->n == m->cap) {
                size_t cap = m->cap ? m->cap * 2 : 64;
                struct item *v = reallocarray(m->items, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                m->items = v;
                m->cap = cap;
        }
        it = &m->items[m->n];
        *it = (struct item) { .image = c->old, .local = c->new };
        switch (c->kind) {
        case CHANGE_REMOVED: it->kind = ITEM_REMOVED; break;
        case CHANGE_ADDED: it->kind = ITEM_ADDED; break;
        case CHANGE_UNREADABLE: it->kind = ITEM_UNREADABLE; break;
        case CHANGE_MODIFIED:
                it->kind = in_config_diff ? ITEM_MODIFIED : ITEM_BEYOND;
                it->retyped = c->changed & ATTR_TYPE;
                break;
        }
        *ret_index = m->n++;
        return 0;
}

/* A directory's own change (metadata, or added where the image has one too)
 * travels only with the metadata ostree applies while placing what is in it. */
static void decide_dir(struct etc_merge *m, struct item *it)
{
        const struct fim_entry *l = it->local, *n = n_at(m, l->path, l->path_len);

        if (it->res.fate != MERGE_NONE)
                return;
        if (set_has(&m->applied, l->path, l->path_len) || (n && n->type == S_IFDIR && !meta_differs(l, n) &&
                                                           it->kind != ITEM_BEYOND)) {
                it->res.fate = MERGE_CARRIED;
                return;
        }
        it->res.fate = MERGE_DROPPED;
        it->res.reason = it->kind == ITEM_BEYOND
                                 ? "ostree's merge ignores xattrs, and applies a directory's only while placing a "
                                   "change made inside it"
                                 : "ostree applies a directory's mode and owner only while placing a change made "
                                   "inside it";
}

int etc_merge_run(struct etc_merge *m)
{
        size_t i;
        int r = 0;

        if (!m->next)
                return 0;
        for (i = 0; i < m->n && r >= 0; i++) {
                struct item *it = &m->items[i];

                m->cur = it;
                if (it->kind == ITEM_UNREADABLE && it->local->type == S_IFDIR)
                        r = block(m, &it->res,
                                  "While computing configuration diff: Error opening directory '/etc%s': %s",
                                  it->local->path, strerror(it->local->err));
                else if (it->kind == ITEM_UNREADABLE)
                        it->res.fate = MERGE_UNKNOWN;
                else if (it->kind == ITEM_REMOVED)
                        r = remove_path(m, it);
        }
        for (int pass = 0; pass < 2 && r >= 0; pass++)
                for (i = 0; i < m->n && r >= 0; i++) {
                        struct item *it = &m->items[i];

                        if (it->kind != (pass == 0 ? ITEM_MODIFIED : ITEM_ADDED) || it->res.fate != MERGE_NONE)
                                continue;
                        m->cur = it;
                        r = copy_modified(m, it);
                }
        for (i = 0; i < m->n && r >= 0; i++) {
                struct item *it = &m->items[i];

                if (it->kind == ITEM_BEYOND && it->local->type != S_IFDIR) {
                        it->res.fate = MERGE_DROPPED;
                        it->res.reason = "ostree's merge ignores xattrs";
                } else if ((it->kind == ITEM_MODIFIED || it->kind == ITEM_ADDED || it->kind == ITEM_BEYOND) &&
                           it->local->type == S_IFDIR) {
                        decide_dir(m, it);
                }
        }
        return r < 0 ? r : 0;
}

const struct merge_result *etc_merge_result(const struct etc_merge *m, size_t index)
{
        return &m->items[index].res;
}

size_t etc_merge_blockers(const struct etc_merge *m)
{
        return m->blockers;
}
