/* /etc against /usr/etc, and the three-way merge predicted; see etc-diff.h.
 *
 * ostree's merge at deployment time takes the changes between the running
 * deployment's /usr/etc and /etc — modified and added files are copied into
 * the new deployment's /etc, removed ones are deleted from it — on top of the
 * new image's /usr/etc. So each local change's fate follows from the change
 * alone, and whether the new image changed the same file says if the local
 * copy will hide that update. The merge compares as config-diff does, without
 * xattrs and directory metadata: such local changes are dropped. */
#define _GNU_SOURCE
#include "etc-diff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/macros.h"
#include "fim/walk.h"

const char *merge_fate_name(enum merge_fate f)
{
        switch (f) {
        case MERGE_CARRIED: return "carried";
        case MERGE_CARRIED_SHADOWS: return "carried-shadows-image-update";
        case MERGE_REMOVAL_APPLIED: return "removal-applied";
        case MERGE_DROPPED: return "dropped";
        default: return "none";
        }
}

int etc_walk(const char *dir, unsigned threads, const volatile sig_atomic_t *cancel, struct fim_tree **ret)
{
        struct walk_opts wo = { .threads = threads, .attrs = ETC_ATTRS, .cancel = cancel };

        return fim_walk(dir, NULL, 0, &wo, ret, NULL);
}

struct etc_ctx {
        const struct etc_diff_opts *opts;
        etc_change_fn fn;
        void *userdata;
};

static enum merge_fate predict(const struct fim_tree *target, const struct fim_change *c)
{
        const struct fim_entry *e = c->new ? c->new : c->old;
        const struct fim_entry *next;

        if (!target)
                return MERGE_NONE;
        if (c->kind == CHANGE_REMOVED)
                return MERGE_REMOVAL_APPLIED;
        next = fim_tree_find(target, e->path, e->path_len);
        /* The image ships something new here: a local file hides it. */
        if (next && (!c->old || fim_entry_compare(c->old, next, ATTR_TYPE | ATTR_MODE | ATTR_UID | ATTR_GID |
                                                                    ATTR_CONTENT | ATTR_TARGET)))
                return MERGE_CARRIED_SHADOWS;
        return MERGE_CARRIED;
}

static int on_change(const struct fim_change *c, void *userdata)
{
        struct etc_ctx *ctx = userdata;
        const struct fim_entry *e = c->new ? c->new : c->old;
        /* "/etc" and the entry's path, as long as that is ("/" adds nothing). */
        size_t plen = sizeof("/etc") - 1, len = plen + (e->path_len == 1 ? 0 : e->path_len);
        _cleanup_(freep) char *path = malloc(len + 1);
        struct etc_change ec = { .c = c };

        if (!path)
                return -ENOMEM;
        memcpy(path, "/etc", plen);
        memcpy(path + plen, e->path, len - plen);
        path[len] = '\0';
        ec.path = path;
        ec.path_len = len;
        if (c->kind == CHANGE_MODIFIED)
                ec.beyond_config_diff = (c->changed & ~ATTR_XATTRS) == 0 || e->type == S_IFDIR;
        if (c->kind != CHANGE_UNREADABLE && ctx->opts->merge_image)
                ec.fate = ec.beyond_config_diff ? MERGE_DROPPED : predict(ctx->opts->merge_image, c);
        return ctx->fn(&ec, ctx->userdata);
}

int etc_diff(const char *deploy_path, const struct etc_diff_opts *opts, etc_change_fn fn, void *userdata)
{
        _cleanup_(fim_tree_freep) struct fim_tree *image = NULL, *local = NULL;
        _cleanup_(freep) char *usr_etc = NULL, *etc = NULL;
        struct etc_ctx ctx = { .opts = opts, .fn = fn, .userdata = userdata };
        int r;

        if (asprintf(&usr_etc, "%s/usr/etc", deploy_path) < 0 || asprintf(&etc, "%s/etc", deploy_path) < 0)
                return -ENOMEM;
        r = etc_walk(usr_etc, opts->threads, opts->cancel, &image);
        if (r < 0)
                return r;
        r = etc_walk(etc, opts->threads, opts->cancel, &local);
        if (r < 0)
                return r;
        return fim_diff(image, local, ETC_ATTRS, NULL, 0, on_change, &ctx);
}
