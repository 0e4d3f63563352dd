/* Union-aware file integrity: on a host whose /usr, /opt or /etc is an
 * overlay of systemd-sysext / confext extensions, the changes `check` and
 * `scan` find under them are attributed to the layer that provides the path
 * (host/layers.h): an approved extension's files are events naming it, an
 * unapproved one's stay alerts naming it, an extension file shadowing a lower
 * layer's is DW-INV-SHADOWS-BASE, and a merged image modified after the merge
 * is DW-INV-CHANGED-SINCE-MERGE. docs/inventory.md has what the user sees. */
#pragma once

#include "capability/capability.h"
#include "fim/findings.h"

struct union_check;

/* For the live host only: the merged hierarchies and their images (the
 * inventory of "/"), and the approved list at approved_path (NULL: none).
 * 0 with *ret NULL when nothing is merged; -errno with *ret_error on a bad
 * approved list or an inventory that cannot be read. */
int union_check_open(const struct dw_context *ctx, const char *approved_path, struct union_check **ret,
                     struct dw_error *ret_error);
struct union_check *union_check_free(struct union_check *u);
DEFINE_FREEP(struct union_check, union_check_free)

/* DW-INV-CHANGED-SINCE-MERGE for every merged image modified after its merge. */
int union_report_merged(struct union_check *u, struct output *out);

/* The same for a run that attributes no file changes (scan of a live
 * image-mode host, where /usr is verified against its commit, not walked
 * against a baseline): opens the merged hierarchies of this host, reports
 * the images changed since their merge, closes them. 0 when nothing is
 * merged; -errno with *ret_error as union_check_open(), or on output. */
int union_report_merged_live(const struct dw_context *ctx, const char *approved_path, struct output *out,
                             struct dw_error *ret_error);

/* A fim_change_fn: userdata is the union_check, whose reporter (set by
 * union_check_set_reporter) builds the finding that is then attributed. */
void union_check_set_reporter(struct union_check *u, struct fim_reporter *rep);
int union_report_change(const struct fim_change *c, void *userdata);

/* The names of the extensions merged on top of this host's /usr (its
 * sysext overlay), topmost first, comma-separated into buf (cut short with
 * "..."): their number, 0 when none or the mount table cannot be read. */
unsigned union_usr_extensions(char *buf, size_t size);
