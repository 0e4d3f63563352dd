/* Capabilities of image-mode hosts: the ostree deployments of a sysroot (live
 * or offline), the verification of one deployment's /usr against its commit
 * (driftwatch image deployments | verify), and its /etc against /usr/etc with
 * the allowlist and the merge predicted (driftwatch etc-diff). */
#pragma once

#include <stdio.h>

#include "capability/capability.h"
#include "image/sysroot.h"
#include "image/verify.h"

/* The deployments of sysroot (NULL: this host, live) and, unless which is
 * NULL, the one it names (booted, staged, pending, rollback, a checksum).
 * boot_entries_suffice: the caller needs no commit metadata, so the boot
 * loader entries are read without libostree when they say it all
 * (sysroot_load_boot()). */
int capability_open_sysroot(const char *sysroot, const char *which, bool boot_entries_suffice,
                            struct sysroot **ret_ds, const struct sysroot_deployment **ret_d,
                            struct dw_error *ret_error);

/* One event per deployment (DW-IMG-DEPLOYMENT) into out. */
int capability_deployments(const struct dw_context *ctx, const struct sysroot *ds, struct output *out,
                           struct dw_error *ret_error);
/* The same as a list for a person into out's text view (output_text()),
 * every value from the image escaped, and the sysroot it read as a line of
 * the summary (output_note()). */
int capability_deployments_text(const struct sysroot *ds, struct output *out, struct dw_error *ret_error);

/* Every entry of d's /usr against its commit; one finding per difference. */
int capability_image_verify(const struct dw_context *ctx, const struct sysroot *ds,
                            const struct sysroot_deployment *d, struct output *out,
                            struct verify_stats *ret_stats, struct dw_error *ret_error);

struct etc_diff_request {
        const char *allowlist;          /* NULL: none */
        const char *merge;              /* NULL: the staged deployment, when there is one */
        bool no_merge;
        /* "YEAR.N": the ostree release whose merge rules apply; NULL: the
         * libostree driftwatch was built with. */
        const char *ostree_version;
};

struct etc_diff_summary {
        char *deployment;               /* CHECKSUM.SERIAL; free() it */
        char *merge_target;             /* or NULL; free() it */
        unsigned long differences, allowed, beyond, carried, shadows;
        unsigned long blockers;         /* changes the next deploy fails on */
};

void etc_diff_summary_release(struct etc_diff_summary *s);

/* An allowlist given by a user must exist: -errno with *ret_error if not. */
int capability_check_allowlist(const char *path, struct dw_error *ret_error);

/* d's /etc against its /usr/etc, allowlisted, with the merge predicted. */
int capability_etc_diff(const struct dw_context *ctx, const struct sysroot *ds, const struct sysroot_deployment *d,
                        const struct etc_diff_request *req, struct output *out, struct etc_diff_summary *ret_summary,
                        struct dw_error *ret_error);
