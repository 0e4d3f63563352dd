/* Capability: the next host image in container storage; see pending-image.h. */
#define _GNU_SOURCE
#include "pending-image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capability/container.h"
#include "capability/status.h"
#include "container/container.h"
#include "container/oci-image.h"
#include "image/host-status.h"

struct pending_run {
        const struct dw_context *ctx;
        struct output *out;
        struct finding_container fc;
        size_t problems;
};

static int report(void *userdata, const char *layer, const char *what)
{
        struct pending_run *run = userdata;
        _cleanup_(freep) char *msg = NULL;
        struct finding_container fc = run->fc;
        struct finding f;
        int r;

        if (asprintf(&msg, "the next host image %s in container storage was altered%s%s: %s",
                     fc.image_name ? fc.image_name : fc.image_digest ? fc.image_digest : "?", layer ? ", layer " : "", layer ? layer : "", what) < 0)
                return -ENOMEM;
        fc.layer = layer;
        container_finding_init(&f, run->ctx, "DW-CTR-PENDING-IMAGE-TAMPERED", "file", "change",
                               "pending-image-tampered", msg, &fc);
        f.error = what;
        r = output_emit(run->out, &f);
        finding_release(&f);
        run->problems++;
        return r;
}

/* The cached update bootc fetched is not in container storage (bootc keeps
 * what it pulls itself in the ostree repository): one finding, not an alert,
 * saying which image is pending and from where, so the reader knows what was
 * not verified. */
static int report_not_stored(const struct dw_context *ctx, struct output *out, const struct deployment *cu,
                             const char *storage_root)
{
        _cleanup_(freep) char *msg = NULL;
        struct finding_container fc = { .image_name = cu->image, .image_digest = cu->digest };
        const char *root = storage_root ? storage_root : CTR_STORAGE_DEFAULT;
        struct finding f;
        int r;

        if (asprintf(&msg, "bootc's cached update %s%s%s%s%s (from %s) is not in container storage %s: not verified",
                     cu->image ? cu->image : "?", cu->digest ? " @ " : "", cu->digest ? cu->digest : "",
                     cu->version ? ", version " : "", cu->version ? cu->version : "",
                     cu->transport ? cu->transport : "an unknown transport", root) < 0)
                return -ENOMEM;
        container_finding_init(&f, ctx, "DW-CTR-PENDING-IMAGE-CACHED", "file", "info", "pending-image-not-stored",
                               msg, &fc);
        f.alert = false;
        f.path = root;
        f.path_len = strlen(root);
        r = finding_add_value(&f, "transport", NULL, 0, cu->transport ? cu->transport : "",
                              cu->transport ? strlen(cu->transport) : 0);
        if (r >= 0)
                r = output_emit(out, &f);
        finding_release(&f);
        return r;
}

/* Verifies one image (want: a name, or NULL to find it by digest alone)
 * into *ret (role its label). -ENOENT when the storage has no such image. */
static int verify_one(const struct dw_context *ctx, const struct pending_image_request *req, struct output *out,
                      const char *role, const char *want, const char *name, const char *digest,
                      struct pending_image_verified *ret, char **ret_reason)
{
        struct pending_run run = { .ctx = ctx, .out = out };
        struct ctr_image_verified info = { 0 };
        int r;

        run.fc.runtime = "containers-storage";
        run.fc.image_name = name;
        run.fc.image_digest = digest;
        r = ctr_image_verify(req->storage_root, want, digest, report, &run, &info, ret_reason);
        if (r < 0)
                return r;
        *ret = (struct pending_image_verified) { .role = role, .layers = info.layers, .problems = run.problems };
        snprintf(ret->image, sizeof(ret->image), "%s", info.id);
        snprintf(ret->manifest_digest, sizeof(ret->manifest_digest), "%s", info.manifest_digest);
        return 0;
}

int capability_pending_image(const struct dw_context *ctx, const struct pending_image_request *req,
                             struct output *out, struct pending_image_summary *ret_summary,
                             struct dw_error *ret_error)
{
        _cleanup_(freep) char *text = NULL, *label = NULL, *why = NULL, *reason = NULL;
        _cleanup_(host_status_freep) struct host_status *hs = NULL;
        const struct deployment *staged = NULL, *cached = NULL;
        struct pending_image_summary sum = { 0 };
        size_t len = 0;
        int r;

        if (!req->no_bootc) {
                struct status_request sreq = { .input = req->bootc_json, .source = HOST_SOURCE_BOOTC,
                                               .timeout_s = 60 };
                enum host_source source;

                r = status_read_input(ctx, &sreq, &source, &text, &len, &label, ret_error);
                if (r < 0)
                        return r;
                r = host_status_parse(source, text, len, &hs, &why);
                if (r < 0)
                        return dw_error_set(ret_error, r, req->bootc_json, "cannot parse bootc status %s: %s", label,
                                            why ? why : strerror(-r));
                staged = host_status_get(hs, ROLE_STAGED);
                /* the update fetched and not staged (bootc upgrade --check):
                 * the next image as well, unless it is the staged one */
                if (hs->has_cached_update && !req->image &&
                    !(staged && staged->digest && hs->cached_update.digest &&
                      strcmp(staged->digest, hs->cached_update.digest) == 0))
                        cached = &hs->cached_update;
                if (!staged && !cached && !req->image)
                        return dw_error_set(ret_error, -ENOENT, req->bootc_json,
                                            "no staged image nor cached update in bootc status %s: nothing to verify "
                                            "(name one with --image)", label);
        }
        if (req->image || staged) {
                r = verify_one(ctx, req, out, req->image ? "named" : "staged", req->image ? req->image : staged->image,
                               req->image ? req->image : staged->image, staged ? staged->digest : NULL,
                               &sum.verified[sum.n], &reason);
                if (r < 0)
                        return dw_error_set(ret_error, r, req->storage_root, "cannot verify the pending image: %s",
                                            reason ? reason : strerror(-r));
                sum.n++;
        }
        if (cached) {
                /* by its digest alone: an older image of the same name is not it */
                free(reason);
                reason = NULL;
                r = cached->digest ? verify_one(ctx, req, out, "cached update", NULL, cached->image, cached->digest,
                                                &sum.verified[sum.n], &reason)
                                   : -ENOENT;
                if (r == -ENOENT) {
                        r = report_not_stored(ctx, out, cached, req->storage_root);
                        if (r < 0)
                                return dw_error_set(ret_error, r, NULL, "cannot report: %s", strerror(-r));
                } else if (r < 0) {
                        return dw_error_set(ret_error, r, req->storage_root,
                                            "cannot verify bootc's cached update: %s", reason ? reason : strerror(-r));
                } else {
                        sum.n++;
                }
        }
        if (ret_summary)
                *ret_summary = sum;
        return 0;
}
