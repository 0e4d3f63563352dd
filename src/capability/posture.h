/* Capability: posture (driftwatch posture). The settings that decide what
 * the host's next upgrade accepts, read beneath a root as the programs that
 * use them read them: the containers signature policy evaluated for the
 * host's own image, the ostree remotes, the registries configuration. Each
 * setting is reported as it is (event.kind state) with the file and line or
 * JSON pointer it came from; each problem is an alert (rules DW-POS-*), which
 * an allowlist entry (owner, reason, expiry; the /etc allowlist's format)
 * naming the file turns into an event. docs/posture.md for users,
 * docs/internals/host.md for the checks. */
#pragma once

#include "capability/capability.h"

struct posture_request {
        const char *root;               /* NULL: "/" (this host, live) */
        const char *image_ref;          /* NULL: bootc / rpm-ostree status on a live host, else unknown */
        const char *allowlist;          /* NULL: none */
        int timeout_s;                  /* for bootc / rpm-ostree */
        const char *ssh_user;           /* sshd: a user evaluated besides root, or NULL */
        const char *ssh_connection;     /* sshd: the connection Match blocks are evaluated for (sshd -C syntax) */
        const char *state_path;         /* the /var executables' recorded set; NULL: stated, not compared */
        bool create_state_dir;          /* make the state's directory when missing (the default place only) */
        const char *mountinfo;          /* a saved mountinfo; NULL: this host's when live, none for --root */
};

struct posture_summary {
        char image_ref[512];            /* "" unknown */
        char image_from[64];
        unsigned long alerts, events, allowed;
};

int capability_posture(const struct dw_context *ctx, const struct posture_request *req, struct output *out,
                       struct posture_summary *ret_summary, struct dw_error *ret_error);
