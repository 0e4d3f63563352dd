/* Deployment discovery on ostree / rpm-ostree / bootc hosts, live (the booted
 * system) or offline (a sysroot mounted anywhere, for forensics), through
 * libostree's sysroot API. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sysroot_role {
        SYSROOT_BOOTED,            /* running now; offline: the default (first) deployment */
        SYSROOT_STAGED,            /* staged for the next boot (finalized at shutdown) */
        SYSROOT_PENDING,           /* deployed ahead of the booted one, default at next boot */
        SYSROOT_ROLLBACK,          /* the one after the booted deployment */
        SYSROOT_OTHER,
};

const char *sysroot_role_name(enum sysroot_role r);

struct sysroot_deployment {
        unsigned index;                 /* position in boot order */
        enum sysroot_role role;
        char *osname;                   /* stateroot */
        char *checksum;                 /* commit */
        int serial;
        char *refspec;                  /* origin refspec, or NULL */
        char *image;                    /* container image reference, or NULL */
        char *version;                  /* commit metadata "version", or NULL */
        uint64_t timestamp;             /* commit timestamp (seconds), 0 when unknown */
        bool pinned, staged, booted;
        const char *unlocked;           /* "none", "development", "hotfix", "transient" */
        char *path;                     /* absolute deployment directory */
        bool commit_present;            /* the commit is in the sysroot's repository */
};

struct sysroot {
        char *sysroot;                  /* absolute */
        char *repo;                     /* sysroot/ostree/repo */
        bool live;                      /* the running system's own sysroot */
        struct sysroot_deployment *v;
        size_t n;
};

/* The role as shown: offline (--sysroot) the deployment the boot loader
 * starts by default is "default", not "booted", which only the live host can
 * tell (/run/ostree-booted and the device and inode of /). */
const char *sysroot_role_label(const struct sysroot *ds, const struct sysroot_deployment *d);

/* Loads the deployments of the sysroot at 'sysroot' (NULL: this host, live,
 * when /run/ostree-booted exists). -ENOENT when there is no ostree sysroot
 * there. *ret_error (if given) may hold libostree's reason; free() it. Runs
 * in the ostree module (see ostree-module.h): -ELIBACC when it cannot be
 * loaded. */
int sysroot_load(const char *sysroot, struct sysroot **ret, char **ret_error);
struct sysroot *sysroot_free(struct sysroot *d);

/* The same from the boot loader entries alone, without libostree (so the
 * commands that only walk a deployment do not load its ~60 libraries):
 * deployments in boot order with their path, checksum, serial and origin;
 * no commit metadata (version, timestamp) and nothing pinned or unlocked.
 * -EOPNOTSUPP for anything it does not understand (a staged deployment, an
 * entry it cannot resolve): then sysroot_load(). */
int sysroot_load_boot(const char *sysroot, struct sysroot **ret);

/* An empty model of the sysroot at 'sysroot' (NULL: this host, live): its
 * real path and repository; -ENOENT when it holds no ostree deployments. */
int sysroot_new(const char *sysroot, struct sysroot **ret);

/* Roles from boot order and the booted and staged flags. */
void sysroot_assign_roles(struct sysroot *d);

/* "booted", "staged", "pending", "rollback", or a commit checksum (or a prefix
 * of at least 6 hex digits, or CHECKSUM.SERIAL). NULL when none matches;
 * -EINVAL-style ambiguity returns NULL too, with *ret_ambiguous set. */
const struct sysroot_deployment *sysroot_find(const struct sysroot *d, const char *which, bool *ret_ambiguous);

/* True when this host is an ostree-based system (/run/ostree-booted). */
bool host_is_ostree_booted(void);

#include "basic/macros.h"
DEFINE_FREEP(struct sysroot, sysroot_free)
