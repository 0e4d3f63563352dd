/* /etc against /usr/etc, and the merge predicted; see etc-diff.h.
 *
 * The differences are listed first (and kept: the merge's outcome for one
 * path can depend on changes listed after it, such as a directory whose
 * metadata travels with a file placed inside it), then the merge is replayed
 * on them, then each is reported with its fate. They are few next to the
 * trees, which are walked once each. */
#define _GNU_SOURCE
#include "etc-diff.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fim/walk.h"

int etc_walk(const char *dir, unsigned threads, const volatile sig_atomic_t *cancel, struct fim_tree **ret)
{
        struct walk_opts wo = { .threads = threads, .attrs = ETC_ATTRS, .cancel = cancel };
        _cleanup_(closep) int fd = -1;
        char self[64];

        /* A symlinked /etc (or /usr/etc) could lead anywhere on the host
         * reading the sysroot: it is not followed. */
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();        /* ELOOP: a symlink */
        snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
        return fim_walk(self, NULL, 0, &wo, ret, NULL);
}

struct collected {
        struct fim_change *v;
        bool *beyond;
        size_t *index;
        size_t n, cap;
        struct etc_merge *merge;
};

static int collect(const struct fim_change *c, void *userdata)
{
        struct collected *col = userdata;
        const struct fim_entry *e = c->new ? c->new : c->old;
        bool beyond;
        int r;

        if (col->n == col->cap) {
                size_t cap = col->cap ? col->cap * 2 : 64;
                struct fim_change *v = reallocarray(col->v, cap, sizeof(*v));
                bool *b;
                size_t *ix;

                if (!v)
                        return -ENOMEM;
                col->v = v;
                b = reallocarray(col->beyond, cap, sizeof(*b));
                if (!b)
                        return -ENOMEM;
                col->beyond = b;
                ix = reallocarray(col->index, cap, sizeof(*ix));
                if (!ix)
                        return -ENOMEM;
                col->index = ix;
                col->cap = cap;
        }
        /* config-diff compares neither xattrs nor /etc itself. */
        beyond = e->path_len == 1 || (c->kind == CHANGE_MODIFIED && (c->changed & ~ATTR_XATTRS) == 0);
        col->v[col->n] = *c;
        col->beyond[col->n] = beyond;
        if (col->merge) {
                r = etc_merge_add(col->merge, c, !beyond, &col->index[col->n]);
                if (r < 0)
                        return r;
        }
        col->n++;
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
        r = etc_walk(usr_etc, opts->threads, opts->cancel, &image);
        if (r < 0)
                return r;
        r = etc_walk(etc, opts->threads, opts->cancel, &local);
        if (r < 0)
                return r;
        if (opts->merge_image) {
                r = etc_merge_new(image, local, opts->merge_image, opts->ostree_version, &merge);
                if (r < 0)
                        return r;
                col.merge = merge;
        }
        r = fim_diff_folded(image, local, ETC_ATTRS, collect, &col);
        if (r >= 0 && merge)
                r = etc_merge_run(merge);
        for (i = 0; r >= 0 && i < col.n; i++) {
                struct etc_change ec = {
                        .c = &col.v[i],
                        .beyond_config_diff = col.beyond[i],
                        .merge = merge ? etc_merge_result(merge, col.index[i]) : NULL,
                };

                r = fn(&ec, userdata);
        }
        if (r >= 0 && ret_stats)
                *ret_stats = (struct etc_diff_stats) { .blockers = merge ? etc_merge_blockers(merge) : 0 };
        free(col.v);
        free(col.beyond);
        free(col.index);
        return r;
}
