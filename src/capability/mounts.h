/* Capability: the mount table (driftwatch mounts). Reads /proc/self/mountinfo
 * (or a saved copy) with libmount, records it as a snapshot in the state
 * database beside the status snapshots, and reports what changed since the
 * previous snapshot of the same boot: new overlays on /usr, /etc or /opt, /usr
 * made writable, verity options removed, mounts that came, went or changed
 * over the watched paths (rules' mounts.watch). Every run also reports the
 * whole table as one event the SIEM can diff, and joins bootc's composefs
 * state when there is one. docs/mounts.md describes it for users. */
#pragma once

#include <stdint.h>

#include "capability/capability.h"

#define MOUNTS_BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

struct mounts_request {
        const char *mountinfo;          /* a saved mountinfo; NULL: /proc/self/mountinfo (this host, live) */
        const char *boot_id;            /* NULL: MOUNTS_BOOT_ID_PATH */
        const char *state_path;
        bool create_state_dir;          /* make the state's directory when missing (the default place only) */
        const char *bootc_status;       /* `bootc status --format=json` output; NULL: run bootc when live and there */
        int timeout_s;                  /* for bootc */
        bool flush_output;              /* the text view is written (output_flush()) before the snapshot is
                                         * recorded, as status_request's */
};

struct mounts_summary {
        bool baseline;                  /* no earlier snapshot of this boot: this one is the baseline */
        bool image_mode;
        size_t n_mounts;
        int64_t last_taken;             /* of the earlier snapshot */
        unsigned long alerts, events;
};

/* The mount table of mountinfo (a saved copy; NULL: /proc/self/mountinfo),
 * parsed; a failure names the file. */
struct mount_table;
int capability_read_mount_table(const char *mountinfo, struct mount_table **ret, struct dw_error *ret_error);

/* Reads the table, reports into out, records the snapshot (only once the
 * findings are written: nothing is recorded by a run that fails). */
int capability_mounts(const struct dw_context *ctx, const struct mounts_request *req, struct output *out,
                      struct mounts_summary *ret_summary, struct dw_error *ret_error);
