/* Deployment discovery through libostree's sysroot API: part of the ostree
 * module (see ostree-module.h); the model lives in sysroot.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <ostree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/ostree-impl.h"
#include "image/sysroot.h"

static const char *unlocked_name(OstreeDeploymentUnlockedState s)
{
        switch (s) {
        case OSTREE_DEPLOYMENT_UNLOCKED_NONE: return "none";
        case OSTREE_DEPLOYMENT_UNLOCKED_DEVELOPMENT: return "development";
        case OSTREE_DEPLOYMENT_UNLOCKED_HOTFIX: return "hotfix";
        case OSTREE_DEPLOYMENT_UNLOCKED_TRANSIENT: return "transient";
        default: return "unknown";
        }
}

static char *origin_string(OstreeDeployment *od, const char *key)
{
        GKeyFile *origin = ostree_deployment_get_origin(od);
        g_autofree char *v = NULL;

        if (!origin)
                return NULL;
        v = g_key_file_get_string(origin, "origin", key, NULL);
        return v ? strdup(v) : NULL;
}

static void read_commit(OstreeRepo *repo, struct sysroot_deployment *x)
{
        g_autoptr(GVariant) commit = NULL, meta = NULL;
        const char *version = NULL;

        if (!ostree_repo_load_variant_if_exists(repo, OSTREE_OBJECT_TYPE_COMMIT, x->checksum, &commit, NULL) ||
            !commit)
                return;
        x->commit_present = true;
        x->timestamp = ostree_commit_get_timestamp(commit);
        meta = g_variant_get_child_value(commit, 0);
        if (g_variant_lookup(meta, "version", "&s", &version) && version)
                x->version = strdup(version);
}

int sysroot_load_ostree(const char *sysroot, struct sysroot **ret, char **ret_error)
{
        _cleanup_(sysroot_freep) struct sysroot *d = NULL;
        g_autoptr(OstreeSysroot) sr = NULL;
        g_autoptr(GPtrArray) list = NULL;
        g_autoptr(GError) err = NULL;
        OstreeDeployment *booted, *staged;
        OstreeRepo *repo;
        const char *real;
        int r;
        size_t i;

        if (ret_error)
                *ret_error = NULL;
        r = sysroot_new(sysroot, &d);
        if (r < 0)
                return r;
        real = d->sysroot;
        {
                g_autoptr(GFile) root = g_file_new_for_path(real);

                sr = ostree_sysroot_new(root);
        }
        if (!ostree_sysroot_load(sr, NULL, &err) || !ostree_sysroot_get_repo(sr, &repo, NULL, &err)) {
                if (ret_error)
                        *ret_error = strdup(err->message);
                return -EBADMSG;
        }
        list = ostree_sysroot_get_deployments(sr);
        booted = d->live ? ostree_sysroot_get_booted_deployment(sr) : NULL;
        staged = d->live ? ostree_sysroot_get_staged_deployment(sr) : NULL;

        d->v = calloc(list->len ? list->len : 1, sizeof(*d->v));
        if (!d->v) {
                g_object_unref(repo);
                return -ENOMEM;
        }
        for (i = 0; i < list->len; i++) {
                OstreeDeployment *od = list->pdata[i];
                struct sysroot_deployment *x = &d->v[d->n++];
                g_autofree char *rel = ostree_sysroot_get_deployment_dirpath(sr, od);

                x->index = (unsigned) i;
                x->osname = strdup(ostree_deployment_get_osname(od));
                x->checksum = strdup(ostree_deployment_get_csum(od));
                x->serial = ostree_deployment_get_deployserial(od);
                x->refspec = origin_string(od, "refspec");
                x->image = origin_string(od, "container-image-reference");
                x->pinned = ostree_deployment_is_pinned(od);
                x->staged = (staged && ostree_deployment_equal(od, staged)) || ostree_deployment_is_staged(od);
                x->booted = booted && ostree_deployment_equal(od, booted);
                x->unlocked = unlocked_name(ostree_deployment_get_unlocked(od));
                if (!x->osname || !x->checksum ||
                    asprintf(&x->path, "%s/%s", strcmp(real, "/") ? real : "", rel) < 0) {
                        g_object_unref(repo);
                        return -ENOMEM;
                }
                read_commit(repo, x);
        }
        g_object_unref(repo);

        sysroot_assign_roles(d);
        *ret = TAKE_PTR(d);
        return 0;
}

