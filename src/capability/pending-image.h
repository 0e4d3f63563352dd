/* Capability: the next host image waiting in container storage (driftwatch
 * image verify-pending). The image `bootc status` reports as staged (or the
 * one named), and the update bootc fetched and cached (status.booted.cachedUpdate),
 * are verified as containers-storage holds them, before the reboot
 * that would boot it: manifest digest, config digest, every layer's DiffID
 * rebuilt from its tar-split file and diff directory (container/oci-image.h).
 * Every mismatch is a critical alert, DW-CTR-PENDING-IMAGE-TAMPERED. */
#pragma once

#include "capability/capability.h"

struct pending_image_request {
        const char *storage_root;       /* NULL: /var/lib/containers/storage */
        const char *image;              /* an id, id prefix or name; NULL: bootc's staged image */
        const char *bootc_json;         /* `bootc status --format=json` file, "-", or NULL: run bootc */
        bool no_bootc;                  /* --image without any bootc status */
};

struct pending_image_verified {
        const char *role;               /* "staged", "cached update" or "named" (--image) */
        char image[65];                 /* the image id verified */
        char manifest_digest[72];
        size_t layers, problems;
};

/* The images verified: the staged one (or --image), then bootc's cached
 * update when it is another image and container storage has it (when it
 * does not, a finding DW-CTR-PENDING-IMAGE-CACHED says which image is
 * pending and from where). */
struct pending_image_summary {
        struct pending_image_verified verified[2];
        size_t n;
};

int capability_pending_image(const struct dw_context *ctx, const struct pending_image_request *req,
                             struct output *out, struct pending_image_summary *ret_summary,
                             struct dw_error *ret_error);
