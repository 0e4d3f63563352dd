/* Capability: container digests and pod posture (driftwatch container digests,
 * driftwatch container posture). The images Kubernetes pods run (kubectl's
 * JSON: the spec's references and the digests the kubelet reports) against
 * an approved manifest, mutable tags and spec/status mismatches; and the
 * pods' and containers' security posture (privileged, privilege escalation,
 * writable root filesystems, root users, added capabilities, host
 * namespaces, hostPath volumes of /, /etc, the extension search paths and
 * runtime sockets) with the namespaces' pod-security labels. Findings are in
 * dataset driftwatch.container with container.* and driftwatch.pod set.
 * docs/container-digests.md. */
#pragma once

#include "capability/capability.h"

struct container_digests_request {
        const char *pods;               /* kubectl JSON: a file, or "-" for stdin; NULL: the local engine */
        const char *approved;           /* the approved manifest, or NULL (digests only) */
        const char *namespaces;         /* a Namespace list (posture only), or NULL */
        const char *storage_root;       /* without pods: the containers-storage root; NULL the default */
};

struct container_digests_summary {
        size_t pods, templates, containers, others;
        size_t approved, approved_without_digest;
        size_t namespaces;
};

int capability_container_digests(const struct dw_context *ctx, const struct container_digests_request *req,
                                 struct output *out, struct container_digests_summary *ret_summary,
                                 struct dw_error *ret_error);
int capability_container_posture(const struct dw_context *ctx, const struct container_digests_request *req,
                                  struct output *out, struct container_digests_summary *ret_summary,
                                  struct dw_error *ret_error);
