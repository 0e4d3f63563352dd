/* Deployment discovery on ostree / rpm-ostree / bootc hosts, live (the booted
 * system) or offline (a sysroot mounted anywhere, for forensics), through
 * libostree's sysroot API. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum deployment_role {
        ROLE_BOOTED,            /* running now; offline: the default (first) deployment */
        ROLE_STAGED,            /* staged for the next boot (finalized at shutdown) */
        ROLE_PENDING,           /* deployed ahead of the booted one, default at next boot */
        ROLE_ROLLBACK,          /* the one after the booted deployment */
        ROLE_OTHER,
};

const char *deployment_role_name(enum deployment_role r);

struct deployment {
        unsigned index;                 /* position in boot order */
        enum deployment_role role;
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

struct deployments {
        char *sysroot;                  /* absolute */
        char *repo;                     /* sysroot/ostree/repo */
        bool live;                      /* the running system's own sysroot */
        struct deployment *v;
        size_t n;
};

/* Loads the deployments of the sysroot at 'sysroot' (NULL: this host, live,
 * when /run/ostree-booted exists). -ENOENT when there is no ostree sysroot
 * there. *ret_error (if given) may hold libostree's reason; free() it. */
int deployments_load(const char *sysroot, struct deployments **ret, char **ret_error);
struct deployments *deployments_free(struct deployments *d);

/* "booted", "staged", "pending", "rollback", or a commit checksum (or a prefix
 * of at least 6 hex digits, or CHECKSUM.SERIAL). NULL when none matches;
 * -EINVAL-style ambiguity returns NULL too, with *ret_ambiguous set. */
const struct deployment *deployments_find(const struct deployments *d, const char *which, bool *ret_ambiguous);

/* True when this host is an ostree-based system (/run/ostree-booted). */
bool host_is_ostree_booted(void);

#include "basic/macros.h"
DEFINE_FREEP(struct deployments, deployments_free)
