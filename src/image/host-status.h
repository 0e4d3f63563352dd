/* The status of an image-mode host, normalized from `bootc status --format=json`
 * (BootcHost, org.containers.bootc/v1alpha1 or v1) or `rpm-ostree status
 * --json`: the deployments with their role (booted, staged, rollback, other),
 * image and ostree identity, and host flags (rollback queued, /usr overlay).
 * Parsers take (buf, len), never print, and fail with -EBADMSG (malformed JSON,
 * a wrong type, an unknown apiVersion or kind) or -E2BIG (a limit), with a
 * one-line reason. docs/status.md describes the model for users. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/arena.h"
#include "basic/macros.h"

#define HOST_STATUS_MAX_BYTES ((size_t) 16 << 20)
#define HOST_STATUS_MAX_DEPLOYMENTS 64
#define HOST_STATUS_MAX_STRING 4096             /* bytes in one field we keep */
#define HOST_STATUS_MAX_MEMORY ((size_t) 64 << 20)      /* the JSON tree of one input */
#define HOST_TIME_UNKNOWN INT64_MIN

enum host_source {
        HOST_SOURCE_BOOTC,
        HOST_SOURCE_RPM_OSTREE,
};

enum deployment_role {
        ROLE_BOOTED,
        ROLE_STAGED,
        ROLE_ROLLBACK,
        ROLE_OTHER,
};

/* Strings are NULL when the input has no value; they live in the status's arena. */
struct deployment {
        enum deployment_role role;
        const char *image;              /* image reference, or the ostree origin refspec */
        const char *transport;          /* registry, oci, oci-archive, containers-storage, dir, ostree */
        const char *signature;          /* how pulls are verified: "containerPolicy" (policy.json), "insecure"
                                         * (ostree-unverified-*), "ostreeRemote:NAME"; NULL unknown. Not part
                                         * of host_status_equal() nor of the status store (posture reads it) */
        const char *digest;             /* image digest (sha256:...), or the ostree base commit */
        const char *version;
        int64_t timestamp;              /* build time, seconds since the epoch, or HOST_TIME_UNKNOWN */
        const char *checksum;           /* ostree commit of the deployment */
        int64_t serial;                 /* deploy serial, -1 unknown */
        const char *stateroot;          /* bootc stateroot, rpm-ostree osname */
        bool pinned;
        bool download_only;             /* bootc downloadOnly, rpm-ostree finalization-locked */
        bool incompatible;              /* bootc: origin changes bootc does not understand */
        /* bootc BootEntry.composefs (BootEntryComposefs in bootc's
         * crates/lib/src/spec.rs, camelCase in JSON): a composefs-booted entry.
         * Not part of host_status_equal() nor of the status store: read for
         * `driftwatch mounts`, which joins them with the mount table. */
        bool composefs;
        const char *composefs_verity;   /* "verity": the fs-verity digest of the entry's erofs image */
        bool missing_verity_allowed;    /* "missingVerityAllowed": fs-verity optional at boot */
};

struct host_status {
        enum host_source source;
        struct deployment deployments[HOST_STATUS_MAX_DEPLOYMENTS];
        size_t n_deployments;
        bool rollback_queued;           /* the rollback deployment boots next */
        const char *usr_overlay;        /* NULL: /usr as the image has it; else the overlay's mode */
        /* The update fetched but not deployed (bootc `upgrade --check`, rpm-ostree's
         * automatic updates): bootc's status.booted.cachedUpdate (else the staged
         * entry's), rpm-ostree's cached-update; its role ROLE_OTHER, no ostree
         * identity for bootc. Not part of host_status_equal() nor of the status
         * store (image verify-pending reads it). */
        struct deployment cached_update;
        bool has_cached_update;
        struct arena arena;
};

const char *host_source_name(enum host_source s);
int host_source_from_name(const char *s, enum host_source *ret);
const char *deployment_role_name(enum deployment_role r);
int deployment_role_from_name(const char *s, enum deployment_role *ret);

/* Parses the output of the source's status command. On -EBADMSG or -E2BIG,
 * *ret_error (if given) holds a one-line reason (input values in it escaped); free() it. */
int host_status_parse(enum host_source source, const char *buf, size_t len, struct host_status **ret,
                      char **ret_error);

/* An ostree-container image reference ("ostree-unverified-registry:quay.io/x",
 * "ostree-remote-image:REMOTE:docker://quay.io/x", "docker://quay.io/x" ...)
 * as bootc and rpm-ostree write it: the transport ("registry", "oci", ...;
 * NULL when there is no known prefix), the image (a pointer into ref) and the
 * signature source ("insecure", "containerPolicy", "ostreeRemote:NAME" in
 * hs's arena; NULL when the reference does not say). */
void host_status_split_ref(struct host_status *hs, const char *ref, const char **ret_transport,
                           const char **ret_image, const char **ret_signature);

/* An empty status, for those that build one (the state store, tests). */
struct host_status *host_status_new(enum host_source source);
struct host_status *host_status_free(struct host_status *hs);
/* Appends a deployment with unknown timestamp and serial; NULL past the limit. */
struct deployment *host_status_add(struct host_status *hs, enum deployment_role role);
/* Copies s into the status's arena (NULL stays NULL); NULL with errno on failure. */
const char *host_status_strdup(struct host_status *hs, const char *s);

/* The first deployment with the role, or NULL. */
const struct deployment *host_status_get(const struct host_status *hs, enum deployment_role role);
/* The same deployment: the ostree commit when both have one, else the digest,
 * else the image reference and version. */
bool deployment_same(const struct deployment *a, const struct deployment *b);
/* Every field equal (roles and order included). */
bool host_status_equal(const struct host_status *a, const struct host_status *b);

DEFINE_FREEP(struct host_status, host_status_free)
