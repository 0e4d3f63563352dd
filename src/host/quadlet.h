/* Container definitions that reach the extension search paths or /etc: podman
 * quadlet files (.container and .pod, podman-systemd.unit(5)) in the rootful
 * and rootless quadlet directories, and the OCI configs of containers podman
 * has created (containers-storage's overlay-containers/ID/userdata/config.json).
 * A definition reaches them when it bind-mounts a search path, /etc, or a
 * directory above or below one, runs privileged, grants CAP_SYS_ADMIN (or all
 * capabilities), or (an OCI config) shares the host's mount namespace; the
 * host PID namespace is named beside CAP_SYS_ADMIN (/proc/1/ns/mnt is then one
 * setns away). The inventory (capability/inventory.c) reports each as a finding. */
#pragma once

#include <signal.h>
#include <stddef.h>

#include "basic/macros.h"
#include "basic/strv.h"
#include "parse/unit-file.h"

#define QUADLET_MAX_FILES 4096          /* definitions read, in all */
#define OCI_CONFIG_MAX_BYTES ((size_t) 4 << 20)

struct container_reach {
        char *path;                     /* the definition, absolute on the analysed host */
        unsigned line;                  /* of the first grant; 0 for an OCI config */
        const char *kind;               /* "quadlet" or "oci-config" (static) */
        struct strv grants;             /* "line 4: Volume= binds /var/lib/extensions (sysext search path ...)" */
        char *error;                    /* could not be read or parsed: why (grants empty) */
};

struct container_reaches {
        struct container_reach *v;
        size_t n;
        size_t files;                   /* definitions read */
};

/* What the parsed quadlet file u grants that reaches the search paths, one
 * line each into *grants (given empty); *ret_line the first such line.
 * 0 (nothing found leaves *grants empty) or -ENOMEM. */
int quadlet_reach(const struct unit_file *u, struct strv *grants, unsigned *ret_line);
/* The same for an OCI runtime config (config.json, buf/len); -EBADMSG with
 * *ret_error when it is no JSON object. */
int oci_config_reach(const char *buf, size_t len, struct strv *grants, char **ret_error);

/* The host source and container destination of a Volume= (-v) value
 * "SRC:DST[:OPTIONS]" with an absolute SRC, or of a Mount= (--mount) value
 * of type=bind: 1 with both set (*ret_dst NULL when a mount names none), 0
 * when it binds nothing of the host's, -ENOMEM. */
int quadlet_volume_bind(const char *v, char **ret_src, char **ret_dst);
int quadlet_mount_bind(const char *v, char **ret_src, char **ret_dst);

/* Reads the definitions below root ("/" this host). A file that cannot be
 * read or parsed is recorded with its error, not a failure of the whole;
 * -ECANCELED when cancel is raised, -ENOMEM, -E2BIG past QUADLET_MAX_FILES. */
int container_reach_collect(const char *root, const volatile sig_atomic_t *cancel, struct container_reaches **ret);
struct container_reaches *container_reaches_free(struct container_reaches *c);
DEFINE_FREEP(struct container_reaches, container_reaches_free)
