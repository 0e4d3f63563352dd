/* Capability: container drift (driftwatch container diff). Each container of
 * a containers-storage root (podman, CRI-O) compared with its image through
 * the overlay diff engine: one finding per path added, modified or deleted
 * (new executables and package database changes as alerts of their own),
 * each naming the container (ECS container.*) and the image layer the
 * original came from. docs/container.md describes it for users. */
#pragma once

#include "capability/capability.h"

struct container_diff_request {
        const char *storage_root;       /* NULL: /var/lib/containers/storage */
        char *const *containers;        /* names or id prefixes; none: every container */
        size_t n_containers;
        bool all;                       /* also the files every runtime injects (podman diff hides them) */
        bool report_errors;             /* a container that cannot be compared is a finding, not an error */
        int pid;                        /* > 0: the container this process runs in, from /proc (any runtime) */
        const char *docker_root;        /* Docker's overlay2 layout (/var/lib/docker) instead of storage_root */
};

struct container_diff_summary {
        size_t n_containers;            /* compared */
        size_t n_failed;                /* not compared: the error names the first */
        unsigned long added, modified, deleted;
        size_t n_storages;              /* scan: the engines' storages found */
        size_t n_unreadable;            /* scan: ... reported unreadable (an error finding each) */
};

/* 0, or -errno: the storage cannot be read, a name matches no container (or
 * several), or a container could not be compared (the others still were:
 * *ret_error names the first that failed). */
int capability_container_diff(const struct dw_context *ctx, const struct container_diff_request *req,
                              struct output *out, struct container_diff_summary *ret_summary,
                              struct dw_error *ret_error);

/* Starts *f as an alert of the container dataset (driftwatch.container):
 * rule_id's rule of ctx's rules, the ECS category and type, the action, the
 * message and the container fc (NULL: none). The caller sets the rest, emits
 * it and releases it. For every container capability (container.c,
 * container-digests.c, pending-image.c). */
void container_finding_init(struct finding *f, const struct dw_context *ctx, const char *rule_id,
                            const char *category, const char *type, const char *action, const char *message,
                            const struct finding_container *fc);

/* Scan's step: every container of each engine whose storage is present
 * below root (podman / CRI-O: var/lib/containers/storage; Docker:
 * var/lib/docker). An absent storage
 * is nothing; one that cannot be read, or a container that cannot be
 * compared, is one finding (DW-CTR-UNREADABLE) naming it, and the rest goes
 * on. Only a cancel, a full memory or a failed output is an error (-errno). */
int capability_container_scan(const struct dw_context *ctx, const char *root, struct output *out,
                              struct container_diff_summary *ret_summary, struct dw_error *ret_error);
