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
};

struct container_diff_summary {
        size_t n_containers;            /* compared */
        size_t n_failed;                /* not compared: the error names the first */
        unsigned long added, modified, deleted;
};

/* 0, or -errno: the storage cannot be read, a name matches no container (or
 * several), or a container could not be compared (the others still were:
 * *ret_error names the first that failed). */
int capability_container_diff(const struct dw_context *ctx, const struct container_diff_request *req,
                              struct output *out, struct container_diff_summary *ret_summary,
                              struct dw_error *ret_error);
