/* Capability: the next host image in container storage; see pending-image.h. */
#define _GNU_SOURCE
#include "pending-image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capability/status.h"
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
        finding_init(&f);
        f.alert = true;
        f.rule = ruleset_rule(run->ctx->rules, "DW-CTR-PENDING-IMAGE-TAMPERED");
        f.category = "file";
        f.type = "change";
        f.action = "pending-image-tampered";
        f.dataset = "driftwatch.container";
        f.message = msg;
        f.container = &fc;
        f.error = what;
        r = output_emit(run->out, &f);
        finding_release(&f);
        run->problems++;
        return r;
}

int capability_pending_image(const struct dw_context *ctx, const struct pending_image_request *req,
                             struct output *out, struct pending_image_summary *ret_summary,
                             struct dw_error *ret_error)
{
        _cleanup_(freep) char *text = NULL, *label = NULL, *why = NULL, *reason = NULL;
        struct host_status *hs = NULL;
        const struct deployment *staged = NULL;
        struct pending_run run = { .ctx = ctx, .out = out };
        struct ctr_image_verified info = { 0 };
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
                if (!staged && !req->image) {
                        host_status_free(hs);
                        return dw_error_set(ret_error, -ENOENT, req->bootc_json,
                                            "no staged image in bootc status %s: nothing to verify (name one with --image)",
                                            label);
                }
        }
        run.fc.runtime = "containers-storage";
        run.fc.image_name = req->image ? req->image : staged ? staged->image : NULL;
        run.fc.image_digest = staged ? staged->digest : NULL;
        r = ctr_image_verify(req->storage_root, req->image ? req->image : staged->image,
                             staged ? staged->digest : NULL, report, &run, &info, &reason);
        if (r < 0) {
                dw_error_set(ret_error, r, req->storage_root, "cannot verify the pending image: %s",
                             reason ? reason : strerror(-r));
                host_status_free(hs);
                return r;
        }
        if (ret_summary) {
                *ret_summary = (struct pending_image_summary) { .layers = info.layers, .problems = run.problems };
                snprintf(ret_summary->image, sizeof(ret_summary->image), "%s", info.id);
                snprintf(ret_summary->manifest_digest, sizeof(ret_summary->manifest_digest), "%s",
                         info.manifest_digest);
        }
        host_status_free(hs);
        return 0;
}
