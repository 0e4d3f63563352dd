/* Capability: scan, the main job. Every host check that applies, into one
 * output: on an image-mode host (or an offline sysroot) the deployments, the
 * booted deployment's /usr verified, its /etc against /usr/etc with the merge
 * predicted, and the bootc / rpm-ostree status transitions; elsewhere the file
 * drift of what scan_coverage() names against a baseline kept in the state
 * directory, which remembers that baseline's digest: a baseline that goes
 * missing or is replaced is an alert, recording one an event. On this host
 * (not an offline --root or --sysroot, unless a saved mountinfo is given) the
 * mount table snapshot and its changes (capability/mounts.h) in the state
 * directory's state.db, then the extension inventory, then the posture of
 * the root (capability/posture.h; its /var executables recorded in the same
 * state.db), then every container of each container engine whose storage
 * the root holds against its image (capability/container.h). */
#pragma once

#include "basic/strv.h"

#include "capability/container.h"
#include "capability/image.h"
#include "capability/inventory.h"
#include "capability/mounts.h"
#include "capability/posture.h"
#include "capability/status.h"
#include "capability/tree-check.h"

/* What scan walks on a host that is not image mode: /usr, /boot, /etc, the
 * ~/.ssh of root and of the users in the root's /etc/passwd (at most
 * SCAN_MAX_HOMES), the cron and at spools, and the sysext / confext search
 * paths outside /usr and /etc; those that do not exist under the root are
 * skipped, and listed as such. */
#define SCAN_MAX_HOMES 1000
struct scan_coverage {
        struct strv paths;              /* covered, in the order above */
        struct strv skipped;            /* absent under the root */
};

int scan_coverage(const char *root, struct scan_coverage *ret);
void scan_coverage_release(struct scan_coverage *c);
/* "/usr /boot /etc ..." (and " (absent: ...)"), allocated. */
int scan_coverage_text(const struct scan_coverage *c, bool skipped, char **ret);

struct scan_request {
        const char *state_dir;          /* baselines and state; made (0700) when missing */
        const char *root;               /* the host's root, "/" for this host */
        const char *sysroot;            /* an offline sysroot: image mode; NULL: this host */
        const char *allowlist;          /* etc-diff allowlist (image mode), else the FIM allowlist, given by the
                                         * user, or NULL (the default of each when present) */
        const char *approved;           /* approved extension images, or NULL (the default when present) */
        bool verify_verity;             /* inventory: verify each image's verity hash tree */
        const char *status_input;       /* saved bootc / rpm-ostree status, or NULL */
        enum host_source status_source;
        const char *mountinfo;          /* a saved mountinfo for the mounts step; NULL: this host's when live */
        bool full;                      /* re-hash everything */
        const struct scan_coverage *coverage; /* what to walk (not image mode); NULL: scan_coverage(root) */
        /* Optional: called once the inputs are checked, before the first
         * finding of the file drift (a person's first line). */
        void (*started)(void *userdata);
        void *started_data;
};

struct scan_summary {
        bool image_mode;
        /* a host that is not image mode */
        bool baseline_recorded;         /* this run recorded the baseline */
        bool baseline_was_gone;         /* ... because the one remembered vanished */
        size_t baseline_entries;
        char *baseline_path;            /* free() it */
        struct tree_check_summary check;
        /* image mode */
        char *deployment;               /* CHECKSUM.SERIAL of the booted one; free() it */
        struct verify_stats verify;
        unsigned long verify_alerts;
        struct etc_diff_summary etc;
        unsigned long etc_alerts;
        bool status_ran;
        char *state_path;               /* the state database status and mounts share; free() it */
        struct status_summary status;
        /* the mount table: run on this host (or a given mountinfo), else skipped */
        bool mounts_ran;
        const char *mounts_skipped;     /* why not (static), or NULL */
        struct mounts_summary mounts;
        /* the extension images of the root (not of an offline --sysroot) */
        bool inventory_ran;
        struct inventory_summary inventory;
        /* the posture of the root (not of an offline --sysroot) */
        bool posture_ran;
        const char *posture_skipped;    /* why not (static), or NULL */
        struct posture_summary posture;
        /* the containers of the engines whose storage the root holds */
        struct container_diff_summary containers;
        /* new since the last scan: the finding ids of each run in the state
         * directory (report/seen.h) */
        bool seen_previous;             /* a previous scan was recorded ... */
        int64_t seen_previous_ns;       /* ... starting then */
        unsigned long seen_new;         /* alerts of this run it did not have */
        int seen_error;                 /* this run's ids could not be recorded (not fatal) */
};

void scan_summary_release(struct scan_summary *s);

/* Below the state directory: librpm's private copies (fim/packages-rpm.h). */
#define SCAN_SCRATCH_DIR "scratch"
/* The allowlist used when none is given, if it exists. */
#define SCAN_DEFAULT_ALLOWLIST "/etc/driftwatch/etc-allowlist.yaml"
/* The FIM allowlist (not image mode) used when none is given, if it exists. */
#define SCAN_DEFAULT_FIM_ALLOWLIST "/etc/driftwatch/allowlist.yaml"
/* The approved extension images used when none are given, if the file exists. */
#define SCAN_DEFAULT_APPROVED "/etc/driftwatch/approved-images.yaml"

/* Whether scan treats the request's host as image mode. */
bool scan_is_image_mode(const struct scan_request *req);

int capability_scan(const struct dw_context *ctx, const struct scan_request *req, struct output *out,
                    struct scan_summary *ret_summary, struct dw_error *ret_error);
