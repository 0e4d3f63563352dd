/* Capability: the extension image inventory (driftwatch inventory): every
 * sysext, confext and portable image on systemd's search paths of this host
 * or an offline root, each reported as an event (the record a SIEM keeps),
 * and alerts for what a defender should look at: images no approved list
 * names in writable or soft-reboot-surviving places, images systemd would
 * refuse (or merged by force), unreadable images, writable search paths,
 * attached portable services, unsigned images on a verity-protected host. */
#pragma once

#include "capability/capability.h"

struct inventory_request {
        const char *root;               /* NULL or "/": this host; else an offline root */
        const char *approved_path;      /* approved images (YAML), or NULL */
        bool verify_verity;             /* verify each image's hash tree against its root hash */
};

struct inventory_summary {
        size_t images, merged, shadowed, unreadable;
        bool live;
        unsigned long alerts, events;
};

int capability_inventory(const struct dw_context *ctx, const struct inventory_request *req, struct output *out,
                         struct inventory_summary *ret_summary, struct dw_error *ret_error);
