/* The deployment model: role names, lookups and freeing (no libostree here:
 * sysroot-ostree.c, in the ostree module, loads deployments); see sysroot.h. */
#define _GNU_SOURCE
#include "sysroot.h"


#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/hex.h"

static const char *const role_names[] = {
        [SYSROOT_BOOTED] = "booted",
        [SYSROOT_STAGED] = "staged",
        [SYSROOT_PENDING] = "pending",
        [SYSROOT_ROLLBACK] = "rollback",
        [SYSROOT_OTHER] = "other",
};

const char *sysroot_role_name(enum sysroot_role r)
{
        return r <= SYSROOT_OTHER ? role_names[r] : "unknown";
}

const char *sysroot_role_label(const struct sysroot *ds, const struct sysroot_deployment *d)
{
        /* Offline nothing is booted: the boot loader's default stands in. */
        if (!ds->live && d->role == SYSROOT_BOOTED)
                return "default";
        return sysroot_role_name(d->role);
}

bool host_is_ostree_booted(void)
{
        return access("/run/ostree-booted", F_OK) == 0;
}

struct sysroot *sysroot_free(struct sysroot *d)
{
        size_t i;

        if (!d)
                return NULL;
        for (i = 0; i < d->n; i++) {
                struct sysroot_deployment *x = &d->v[i];

                free(x->osname);
                free(x->checksum);
                free(x->refspec);
                free(x->image);
                free(x->version);
                free(x->path);
        }
        free(d->v);
        free(d->sysroot);
        free(d->repo);
        free(d);
        return NULL;
}

int sysroot_new(const char *sysroot, struct sysroot **ret)
{
        _cleanup_(sysroot_freep) struct sysroot *d = NULL;
        char real[PATH_MAX], probe[PATH_MAX + 16];

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        if (!sysroot) {
                if (!host_is_ostree_booted())
                        return -ENOENT;
                sysroot = "/";
                d->live = true;
        }
        if (!realpath(sysroot, real))
                return -errno;
        d->sysroot = strdup(real);
        if (!d->sysroot || asprintf(&d->repo, "%s/ostree/repo", strcmp(real, "/") ? real : "") < 0)
                return -ENOMEM;
        snprintf(probe, sizeof(probe), "%s/ostree/deploy", strcmp(real, "/") ? real : "");
        if (access(probe, F_OK) < 0)
                return -ENOENT;
        *ret = TAKE_PTR(d);
        return 0;
}

void sysroot_assign_roles(struct sysroot *d)
{
        int booted_index = -1;
        size_t i;

        /* Offline nothing runs: the first non-staged deployment, the one the
         * bootloader starts by default, stands in for the booted one. */
        for (i = 0; i < d->n; i++)
                if (d->live ? d->v[i].booted : !d->v[i].staged) {
                        booted_index = (int) i;
                        break;
                }
        for (i = 0; i < d->n; i++) {
                struct sysroot_deployment *x = &d->v[i];

                if (x->staged)
                        x->role = SYSROOT_STAGED;
                else if ((int) i == booted_index)
                        x->role = SYSROOT_BOOTED;
                else if (booted_index >= 0 && (int) i < booted_index)
                        x->role = SYSROOT_PENDING;
                else
                        x->role = SYSROOT_OTHER;
        }
        for (i = booted_index >= 0 ? (size_t) booted_index + 1 : d->n; i < d->n; i++)
                if (!d->v[i].staged && strcmp(d->v[i].osname, d->v[booted_index].osname) == 0) {
                        d->v[i].role = SYSROOT_ROLLBACK;
                        break;
                }
}

const struct sysroot_deployment *sysroot_find(const struct sysroot *d, const char *which, bool *ret_ambiguous)
{
        static const struct { const char *name; enum sysroot_role role; } roles[] = {
                { "booted", SYSROOT_BOOTED }, { "default", SYSROOT_BOOTED }, { "staged", SYSROOT_STAGED },
                { "pending", SYSROOT_PENDING }, { "rollback", SYSROOT_ROLLBACK },
        };
        const struct sysroot_deployment *found = NULL;
        const char *dot = strchr(which, '.');
        size_t len = dot ? (size_t) (dot - which) : strlen(which), i;

        if (ret_ambiguous)
                *ret_ambiguous = false;
        for (i = 0; i < ARRAY_SIZE(roles); i++)
                if (strcmp(which, roles[i].name) == 0) {
                        size_t k;

                        for (k = 0; k < d->n; k++)
                                if (d->v[k].role == roles[i].role)
                                        return &d->v[k];
                        return NULL;
                }
        if (len < 6 || len > 64 || !hex_valid(which, len, true))
                return NULL;
        for (i = 0; i < d->n; i++) {
                const struct sysroot_deployment *x = &d->v[i];

                if (strncmp(x->checksum, which, len) != 0)
                        continue;
                if (dot && atoi(dot + 1) != x->serial)
                        continue;
                if (found) {
                        if (ret_ambiguous)
                                *ret_ambiguous = true;
                        return NULL;
                }
                found = x;
        }
        return found;
}
