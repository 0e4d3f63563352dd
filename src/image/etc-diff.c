/* /etc against /usr/etc, and the merge predicted; see etc-diff.h.
 *
 * Without a merge target the two trees are walked and compared range by
 * range (cuts planned from both), so memory follows the ranges, not the size
 * of /etc; a directory folded into one change has its subtree counted by a
 * walk of that subtree alone. With a merge target the whole trees are kept:
 * the differences are listed first (the merge's outcome for one path can
 * depend on changes listed after it, such as a directory whose metadata
 * travels with a file placed inside it), then the merge is replayed on them,
 * then each is reported with its fate. */
#define _GNU_SOURCE
#include "etc-diff.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fim/walk.h"

/* Entries of each tree per range of a comparison without a merge target:
 * the two trees of one range at a time, not of all /etc. */
#define ETC_RANGE_ENTRIES 4096

/* dir opened without following a symlink, named through /proc/self/fd. */
struct etc_root {
        int fd;
        char self[64];
};

static void etc_root_close(struct etc_root *root)
{
        if (root->fd >= 0)
                close(root->fd);
        root->fd = -1;
}

static int etc_root_open(const char *dir, struct etc_root *ret)
{
        /* A symlinked /etc (or /usr/etc) could lead anywhere on the host
         * reading the sysroot: it is not followed. */
        ret->fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (ret->fd < 0)
                return negative_errno();        /* ELOOP or ENOTDIR: a symlink */
        snprintf(ret->self, sizeof(ret->self), "/proc/self/fd/%d", ret->fd);
        return 0;
}

static int walk_range(const struct etc_root *root, unsigned threads, const struct path_range *range,
                      char *const *prefixes, size_t n_prefixes, unsigned attrs,
                      const volatile sig_atomic_t *cancel, struct fim_tree **ret)
{
        struct walk_opts wo = { .threads = threads, .attrs = attrs, .range = range, .cancel = cancel };

        return fim_walk(root->self, prefixes, n_prefixes, &wo, ret, NULL);
}

int etc_walk(const char *dir, unsigned threads, const volatile sig_atomic_t *cancel, struct fim_tree **ret)
{
        _cleanup_(etc_root_close) struct etc_root root = { .fd = -1 };
        int r;

        r = etc_root_open(dir, &root);
        return r < 0 ? r : walk_range(&root, threads, NULL, NULL, 0, ETC_ATTRS, cancel, ret);
}

/* config-diff compares neither xattrs nor /etc itself. */
static bool beyond_config_diff(const struct fim_change *c)
{
        const struct fim_entry *e = c->new ? c->new : c->old;

        return e->path_len == 1 || (c->kind == CHANGE_MODIFIED && (c->changed & ~ATTR_XATTRS) == 0);
}

struct streamed {
        struct etc_root image, local;
        const struct etc_diff_opts *opts;
        etc_change_fn fn;
        void *userdata;
};

/* What lies below a removed or retyped directory: a walk of that subtree alone,
 * names and types only. */
static int count_subtree(void *userdata, bool in_cur, const char *path, size_t len, size_t *ret)
{
        struct streamed *st = userdata;
        _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;
        _cleanup_(freep) char *prefix = strndup(path, len);
        char *const prefixes[] = { prefix };
        int r;

        if (!prefix)
                return -ENOMEM;
        r = walk_range(in_cur ? &st->local : &st->image, 1, NULL, prefixes, 1, ATTR_TYPE, st->opts->cancel, &t);
        if (r >= 0)
                *ret = fim_tree_count_below(t, path, len);
        return r;
}

static int on_streamed(const struct fim_change *c, void *userdata)
{
        struct streamed *st = userdata;
        struct etc_change ec = { .c = c, .beyond_config_diff = beyond_config_diff(c) };

        return st->fn(&ec, st->userdata);
}

/* Without a merge to replay, /etc and /usr/etc are compared range by range:
 * memory follows the ranges, not the size of /etc. */
static int etc_diff_streamed(const char *usr_etc, const char *etc, const struct etc_diff_opts *opts,
                             etc_change_fn fn, void *userdata)
{
        struct streamed st = { .image.fd = -1, .local.fd = -1, .opts = opts, .fn = fn, .userdata = userdata };
        _cleanup_(fim_fold_release) struct fim_fold fold = { .count = count_subtree, .userdata = &st };
        _cleanup_(path_cuts_release) struct path_cuts cuts = { 0 }, more = { 0 };
        _cleanup_(fim_tree_freep) struct fim_tree *unlisted = NULL;
        size_t i;
        int r;

        r = etc_root_open(usr_etc, &st.image);
        if (r >= 0)
                r = etc_root_open(etc, &st.local);
        /* Cuts from both trees, so that no range is large in either. */
        if (r >= 0)
                r = fim_walk_plan(st.local.self, NULL, 0, ETC_RANGE_ENTRIES, NULL, opts->cancel, &cuts);
        if (r >= 0)
                r = fim_walk_plan(st.image.self, NULL, 0, ETC_RANGE_ENTRIES, NULL, opts->cancel, &more);
        for (i = 0; r >= 0 && i < more.n; i++)
                r = path_cuts_add(&cuts, more.cuts[i].path, more.cuts[i].len);
        if (r >= 0) {
                path_cuts_sort(&cuts);
                r = fim_tree_new(&unlisted);
        }
        for (i = 0; r >= 0 && i <= cuts.n; i++) {
                _cleanup_(fim_tree_freep) struct fim_tree *image = NULL, *local = NULL;
                struct path_range range;

                path_cuts_range(&cuts, i, &range);
                r = walk_range(&st.image, opts->threads, &range, NULL, 0, ETC_ATTRS, opts->cancel, &image);
                if (r >= 0)
                        r = walk_range(&st.local, opts->threads, &range, NULL, 0, ETC_ATTRS, opts->cancel, &local);
                if (r >= 0)
                        r = fim_diff_chunk_folded(image, local, unlisted, ETC_ATTRS, &fold, on_streamed, &st);
                if (r >= 0)
                        r = fim_tree_keep_unlisted(unlisted, local);
                image = fim_tree_free(image);
                local = fim_tree_free(local);
                walk_range_done();
        }
        etc_root_close(&st.image);
        etc_root_close(&st.local);
        return r;
}

/* The differences, kept for the report after the merge is replayed: the
 * merge's item i is change i. */
struct collected {
        struct fim_change *v;
        size_t n, cap;
        struct etc_merge *merge;
};

static int collect(const struct fim_change *c, void *userdata)
{
        struct collected *col = userdata;
        size_t index;
        int r;

        if (col->n == col->cap) {
                size_t cap = col->cap ? col->cap * 2 : 64;
                struct fim_change *v = reallocarray(col->v, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                col->v = v;
                col->cap = cap;
        }
        r = etc_merge_add(col->merge, c, !beyond_config_diff(c), &index);
        if (r < 0)
                return r;
        assert(index == col->n);
        col->v[col->n++] = *c;
        return 0;
}

int etc_diff(const char *deploy_path, const struct etc_diff_opts *opts, etc_change_fn fn, void *userdata,
             struct etc_diff_stats *ret_stats)
{
        _cleanup_(fim_tree_freep) struct fim_tree *image = NULL, *local = NULL;
        _cleanup_(etc_merge_freep) struct etc_merge *merge = NULL;
        _cleanup_(freep) char *usr_etc = NULL, *etc = NULL;
        struct collected col = { 0 };
        size_t i;
        int r;

        if (asprintf(&usr_etc, "%s/usr/etc", deploy_path) < 0 || asprintf(&etc, "%s/etc", deploy_path) < 0)
                return -ENOMEM;
        if (!opts->merge_image) {
                r = etc_diff_streamed(usr_etc, etc, opts, fn, userdata);
                if (r >= 0 && ret_stats)
                        *ret_stats = (struct etc_diff_stats) { 0 };
                return r;
        }
        r = etc_walk(usr_etc, opts->threads, opts->cancel, &image);
        if (r < 0)
                return r;
        r = etc_walk(etc, opts->threads, opts->cancel, &local);
        if (r < 0)
                return r;
        r = etc_merge_new(image, local, opts->merge_image, opts->ostree_version, &merge);
        if (r < 0)
                return r;
        col.merge = merge;
        r = fim_diff_folded(image, local, ETC_ATTRS, collect, &col);
        if (r >= 0)
                r = etc_merge_run(merge);
        for (i = 0; r >= 0 && i < col.n; i++) {
                struct etc_change ec = {
                        .c = &col.v[i],
                        .beyond_config_diff = beyond_config_diff(&col.v[i]),
                        .merge = etc_merge_result(merge, i),
                };

                r = fn(&ec, userdata);
        }
        if (r >= 0 && ret_stats)
                *ret_stats = (struct etc_diff_stats) { .blockers = etc_merge_blockers(merge) };
        free(col.v);
        return r;
}
