/* Capability: the extension image inventory; see inventory.h. The
 * collection is host/inventory.c's; this file turns it into findings. */
#define _GNU_SOURCE
#include "inventory.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "basic/fd-util.h"
#include "basic/buf.h"
#include "basic/escape.h"
#include "basic/time-util.h"
#include "host/inventory.h"
#include "host/layers.h"
#include "host/quadlet.h"
#include "image/allowlist.h"

#define DATASET "driftwatch.inventory"

struct inv_report {
        const struct dw_context *ctx;
        struct output *out;
        const struct inventory *inv;
        struct allowlist *approved;
        int64_t now;
        const char *arch;
        const char *root;               /* driftwatch.root: an offline root, else NULL */
};

/* A disk image's partitions, and the signature and verity results of any
 * image, into fi (the partition array in f's arena). */
static int describe_ddi(struct finding *f, const struct inv_image *im, struct finding_image *fi)
{
        const struct ddi *d = im->ddi;
        struct finding_partition *parts;
        size_t i;

        if (im->sig_checked || im->sig_error) {
                fi->sig_source = d ? "partition" : "sidecar";
                fi->sig_status = im->sig_checked ? verity_sig_status_name(im->sig.status) : NULL;
                fi->sig_signer = im->sig.signer;
                fi->sig_fingerprint = im->sig.fingerprint[0] ? im->sig.fingerprint : NULL;
                fi->sig_reason = im->sig.reason;
                fi->sig_error = im->sig_error;
        }
        if (im->verity_checked) {
                fi->verity_status = verity_status_name(im->verity.status);
                fi->verity_reason = im->verity.reason;
                fi->verity_has_block = im->verity.status == VERITY_MISMATCH;
                fi->verity_level = im->verity.bad_level;
                fi->verity_block = im->verity.bad_block;
        } else {
                fi->verity_reason = im->verity_error;
        }
        if (im->form && strcmp(im->form, "ddi") == 0 && !d)
                fi->partitions_error = im->error_reason;
        if (!d)
                return 0;
        if (d->sig) {
                fi->sig_json_roothash = d->sig->root_hash;
                fi->sig_json_fingerprint = d->sig->certificate_fingerprint;
        }
        parts = arena_alloc(&f->arena, (d->n_partitions ?: 1) * sizeof(*parts));
        if (!parts)
                return -ENOMEM;
        for (i = 0; i < d->n_partitions; i++) {
                const struct ddi_partition *p = &d->partitions[i];

                parts[i] = (struct finding_partition) { .number = p->number, .type_uuid = p->type_uuid,
                                                        .type = p->type ? p->type->name : NULL, .uuid = p->uuid,
                                                        .label = p->label, .offset = p->offset, .size = p->size };
        }
        fi->partitions = parts;
        fi->n_partitions = d->n_partitions;
        return 0;
}

/* The finding's driftwatch.image, with the strings it points to in f's arena. */
static int describe(struct finding *f, const struct inv_report *ir, const struct inv_image *im,
                    struct finding_image *fi)
{
        const struct search_dir *sd = &search_dirs[im->dir];
        const char **sc, **rel;
        char mtime[RFC3339_LEN], reason[256];
        size_t i, n = 0;
        int r;

        *fi = (struct finding_image) { .name = im->name, .class = image_class_name(im->class), .form = im->form,
                                       .search_path = sd->path, .lifetime = sd->lifetime,
                                       .has_size = im->has_stat && strcmp(im->form ?: "", "directory") != 0,
                                       .size = im->size, .roothash = im->roothash,
                                       .release_file = im->release_file,
                                       .release_note = im->release_note, .merged = im->merged };
        if (im->has_stat) {
                rfc3339_format(im->mtime, mtime);
                fi->mtime = arena_strndup(&f->arena, mtime, strlen(mtime));
        }
        if (im->hashed) {
                _cleanup_(buf_release) struct buf b = { 0 };

                buf_init(&b, 2 * SHA256_LEN + 1);
                if (hex_encode(&b, im->sha256, SHA256_LEN) < 0)
                        return -ENOMEM;
                fi->sha256 = arena_strndup(&f->arena, b.data, b.len);
        }
        sc = arena_alloc(&f->arena, _SIDECAR_MAX * sizeof(*sc));
        if (!sc)
                return -ENOMEM;
        for (i = 0; i < _SIDECAR_MAX; i++)
                if (im->sidecars[i])
                        sc[n++] = sidecar_suffix[i];
        fi->sidecars = sc;
        fi->n_sidecars = n;
        if (im->release && im->release->n) {
                rel = arena_alloc(&f->arena, 2 * im->release->n * sizeof(*rel));
                if (!rel)
                        return -ENOMEM;
                for (i = 0; i < im->release->n; i++) {
                        rel[2 * i] = im->release->v[i].key;
                        rel[2 * i + 1] = im->release->v[i].value;
                }
                fi->release = rel;
                fi->n_release = im->release->n;
        }
        if (im->release && im->class != IMAGE_PORTABLE && ir->inv->host_release) {
                enum release_verdict v = release_validate(im->release, ir->inv->host_release,
                                                          im->class == IMAGE_CONFEXT, "system", ir->arch, reason,
                                                          sizeof(reason));

                fi->compatible = release_verdict_name(v);
                fi->compatible_reason = arena_strndup(&f->arena, reason, strlen(reason));
        }
        if (im->shadowed_by >= 0)
                fi->shadowed_by = ir->inv->images[im->shadowed_by].path;
        r = describe_ddi(f, im, fi);
        if (r < 0)
                return r;
        f->image = fi;
        f->path = im->path;
        f->path_len = strlen(im->path);
        return 0;
}

/* One finding about an image (im) or, with im NULL, about a path. */
static int emit(struct inv_report *ir, const struct inv_image *im, const char *path, const char *rule_id,
                bool alert, const char *action, const char *message, const char *allowed_by)
{
        struct finding_image fi;
        struct finding f;
        int r = 0;

        finding_init(&f);
        f.category = "configuration";
        f.dataset = DATASET;
        f.root = ir->root;
        if (im) {
                r = describe(&f, ir, im, &fi);
        } else {
                f.path = path;
                f.path_len = strlen(path);
        }
        if (r >= 0) {
                f.alert = alert;
                f.rule = ruleset_rule(ir->ctx->rules, rule_id);
                f.type = "info";
                f.action = action;
                f.message = message;
                f.allowed_by = allowed_by;
                r = output_emit(ir->out, &f);
        }
        finding_release(&f);
        return r;
}

static int emitf(struct inv_report *ir, const struct inv_image *im, const char *rule_id, const char *action,
                 const char *fmt, ...) _printf_(5, 6);
static int emitf(struct inv_report *ir, const struct inv_image *im, const char *rule_id, const char *action,
                 const char *fmt, ...)
{
        _cleanup_(freep) char *msg = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return emit(ir, im, NULL, rule_id, true, action, msg, NULL);
}

/* The signature and verity verdicts of one image. */
static int report_integrity(struct inv_report *ir, const struct inv_image *im)
{
        const char *cls = image_class_name(im->class);
        const struct ddi *d = im->ddi;
        int r = 0;

        if (im->sig_checked && im->sig.status == VERITY_SIG_INVALID)
                r = emitf(ir, im, "DW-INV-SIGNATURE-INVALID", "signature-invalid",
                          "%s '%s': its root hash signature does not verify: %s", cls, im->path,
                          im->sig.reason ?: "invalid");
        else if (d && d->sig && d->roothash[0] && !d->roothash_consistent)
                r = emitf(ir, im, "DW-INV-SIGNATURE-INVALID", "signature-roothash-mismatch",
                          "%s '%s': its signature partition signs root hash %s, its partitions' UUIDs say %s", cls,
                          im->path, d->sig->root_hash, d->roothash);
        else if (im->sig_checked && im->sig.status == VERITY_SIG_UNKNOWN_SIGNER)
                r = emitf(ir, im, "DW-INV-SIGNER-UNKNOWN", "signer-unknown",
                          "%s '%s' is signed by %s%s%s%s, a certificate not in the root's verity.d", cls, im->path,
                          im->sig.signer ?: "a certificate", im->sig.fingerprint[0] ? " (SHA-256 " : "",
                          im->sig.fingerprint, im->sig.fingerprint[0] ? ")" : "");
        if (r < 0)
                return r;
        if (im->verity_checked && im->verity.status == VERITY_MISMATCH)
                return emitf(ir, im, "DW-INV-VERITY-MISMATCH", "verity-mismatch",
                             "%s '%s' does not match its verity root hash: %s (hash level %u, data block %llu)", cls,
                             im->path, im->verity.reason ?: "mismatch", im->verity.bad_level,
                             (unsigned long long) im->verity.bad_block);
        if (im->verity_checked && im->verity.status == VERITY_MALFORMED)
                return emitf(ir, im, "DW-INV-VERITY-MISMATCH", "verity-malformed",
                             "%s '%s': its verity hash tree is malformed: %s", cls, im->path,
                             im->verity.reason ?: "malformed");
        return 0;
}

static int report_image(struct inv_report *ir, const struct inv_image *im, bool *ret_approved)
{
        const struct search_dir *sd = &search_dirs[im->dir];
        const char *cls = image_class_name(im->class);
        struct allow_entry *ae = NULL;
        _cleanup_(freep) char *allowed = NULL;
        bool expired = false;
        int r;

        if (ir->approved) {
                ae = allowlist_match_image(ir->approved, im->name, im->hashed ? im->sha256 : NULL, im->roothash,
                                           ir->now, &expired);
                if (ae) {
                        ae->matches++;
                        if (asprintf(&allowed, "%s (owner %s, line %zu%s)", ae->path, ae->owner, ae->line,
                                     expired ? ", expired" : "") < 0)
                                return -ENOMEM;
                }
        }
        *ret_approved = ae && !expired;

        /* The record: every image is an event. */
        r = emit(ir, im, NULL, "DW-INV-IMAGE", false, "image-present",
                 im->shadowed_by >= 0 ? "shadowed by an image of the same name earlier in the search path" :
                 im->merged == 1 ? "merged now" : NULL, *ret_approved ? allowed : NULL);
        if (r < 0)
                return r;

        if (im->error)
                return emitf(ir, im, "DW-INV-IMAGE-UNREADABLE", "image-unreadable", "%s '%s': %s", cls, im->path,
                             im->error_reason ?: strerror(-im->error));

        if (!*ret_approved && !sd->vendor) {
                const char *why = expired ? "its approval expired" : ir->approved ? "no approved entry names it" :
                                                                              "no approved list was given";

                if (strcmp(sd->lifetime, "soft-reboot") == 0)
                        r = emitf(ir, im, "DW-INV-RUNTIME-IMAGE", "image-runtime",
                                  "%s '%s' in %s survives a soft reboot; %s", cls, im->name, sd->path, why);
                else if (im->class == IMAGE_CONFEXT)
                        r = emitf(ir, im, "DW-INV-CONFEXT-UNAPPROVED", "image-unapproved",
                                  "confext '%s' overlays /etc; %s", im->name, why);
                else
                        r = emitf(ir, im, "DW-INV-UNAPPROVED", "image-unapproved", "%s '%s' in %s: %s", cls,
                                  im->name, sd->path, why);
                if (r < 0)
                        return r;
        }

        if (im->class != IMAGE_PORTABLE && im->form) {
                if (im->release_error == -EFBIG || im->release_error == -E2BIG)
                        r = emitf(ir, im, "DW-INV-RELEASE-INVALID", "release-invalid",
                                  "%s '%s': its extension-release is larger than %zu KiB: refused", cls, im->path,
                                  RELEASE_MAX_BYTES >> 10);
                else if (im->release_error == -ENOTUNIQ)
                        r = emitf(ir, im, "DW-INV-RELEASE-INVALID", "release-ambiguous",
                                  "%s '%s' has no extension-release.%s and %s", cls, im->path, im->name,
                                  im->release_note ?: "more than one file of another name to choose from");
                else if (im->release_error == -ENOENT || (!im->release && !im->release_error))
                        r = emitf(ir, im, "DW-INV-RELEASE-INVALID", "release-missing",
                                  "%s '%s' has no extension-release.%s%s%s: systemd refuses it", cls, im->path,
                                  im->name, im->release_note ? "; " : "", im->release_note ?: "");
                else if (im->release_error)
                        r = emitf(ir, im, "DW-INV-RELEASE-INVALID", "release-invalid",
                                  "%s '%s': cannot read its extension-release: %s", cls, im->path,
                                  im->release_error == -ELOOP ? "a symbolic link (not followed)" :
                                  strerror(-im->release_error));
                if (r < 0)
                        return r;
        }

        if (im->release && im->class != IMAGE_PORTABLE && ir->inv->host_release && im->shadowed_by < 0) {
                char reason[256];
                enum release_verdict v = release_validate(im->release, ir->inv->host_release,
                                                          im->class == IMAGE_CONFEXT, "system", ir->arch, reason,
                                                          sizeof(reason));

                if (v != RELEASE_COMPATIBLE) {
                        r = emitf(ir, im, "DW-INV-INCOMPATIBLE", im->merged == 1 ? "image-forced" : "image-refused",
                                  im->merged == 1 ? "%s '%s' is merged although it does not match the host (%s): "
                                                    "merged with --force or a relaxed check" :
                                                    "%s '%s' does not match the host (%s): systemd refuses it "
                                                    "unless forced",
                                  cls, im->name, reason);
                        if (r < 0)
                                return r;
                }
        }

        r = report_integrity(ir, im);
        if (r < 0)
                return r;

        if (im->class != IMAGE_PORTABLE && im->shadowed_by < 0 && (ir->inv->usr_verity == 1 ||
                                                                  ir->inv->require_signature)) {
                const char *why = ir->inv->usr_verity == 1 ? "whose /usr is verity-protected" :
                                                             "that requires signed extensions";
                const char *reason = ir->inv->usr_verity == 1 ? ir->inv->usr_verity_reason :
                                                                ir->inv->require_signature_reason;

                if (!im->roothash)
                        r = emitf(ir, im, "DW-INV-UNVERIFIED", "image-unverified",
                                  "%s '%s' has no verity root hash on a host %s (%s)", cls, im->name, why,
                                  reason ?: "verity");
                else if (!im->sig_checked || im->sig.status != VERITY_SIG_VALID)
                        r = emitf(ir, im, "DW-INV-UNVERIFIED", "image-unverified",
                                  "%s '%s' has no valid signature (%s) on a host %s (%s)", cls, im->name,
                                  im->sig_checked ? verity_sig_status_name(im->sig.status) : "not checked", why,
                                  reason ?: "verity");
                if (r < 0)
                        return r;
        }
        return 0;
}

static int report_dirs(struct inv_report *ir)
{
        size_t i, k;
        int r;

        for (i = 0; i < n_search_dirs; i++) {
                const struct search_dir *sd = &search_dirs[i];
                const struct search_dir_state *ds = &ir->inv->dirs[i];
                _cleanup_(freep) char *msg = NULL;

                if (!ds->exists || !ds->writable_by_others)
                        continue;
                if (asprintf(&msg, "%s search path %s can be written by %s (owner uid %u, mode %04o)",
                             image_class_name(sd->class), sd->path,
                             ds->uid != 0 ? "its non-root owner" : "a group or other users", (unsigned) ds->uid,
                             (unsigned) (ds->mode & 07777)) < 0)
                        return -ENOMEM;
                r = emit(ir, NULL, sd->path, "DW-INV-SEARCH-PATH-WRITABLE", true, "search-path-writable", msg, NULL);
                if (r < 0)
                        return r;
        }
        for (k = 0; k < ARRAY_SIZE(ir->inv->merged_gone); k++)
                for (i = 0; i < ir->inv->merged_gone[k].n; i++) {
                        const char *cls = k == 0 ? "sysext" : "confext", *name = ir->inv->merged_gone[k].v[i];
                        _cleanup_(freep) char *msg = NULL, *path = NULL;

                        /* the lower dir the merge mounted it at (host/layers.h) */
                        if (asprintf(&path, "%s%s/%s", LAYERS_WORKSPACE, k == 0 ? "extensions" : "confexts",
                                     name) < 0 ||
                            asprintf(&msg, "%s '%s' is merged, but no image of that name is on a search path "
                                           "(removed after the merge?)", cls, name) < 0)
                                return -ENOMEM;
                        r = emit(ir, NULL, path, "DW-INV-MERGED-WITHOUT-IMAGE", true, "merged-without-image", msg,
                                 NULL);
                        if (r < 0)
                                return r;
                }
        for (i = 0; i < ir->inv->n_attached; i++) {
                r = emit(ir, NULL, ir->inv->attached[i], "DW-INV-PORTABLE-ATTACHED", true, "portable-attached",
                         "a portable service is attached (portablectl attach)", NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Container definitions that reach the search paths or /etc (host/quadlet.h):
 * one alert per file, its grants in the message. */
static int report_containers(struct inv_report *ir, const struct container_reaches *c)
{
        for (size_t i = 0; i < c->n; i++) {
                const struct container_reach *e = &c->v[i];
                _cleanup_(freep) char *msg = NULL, *list = NULL;
                const char *what = strcmp(e->kind, "quadlet") == 0 ? "quadlet file" : "container config";
                int r;

                for (size_t k = 0; k < e->grants.n; k++) {
                        char *l = NULL;

                        if (asprintf(&l, "%s%s%s", list ?: "", list ? "; " : "", e->grants.v[k]) < 0)
                                return -ENOMEM;
                        free(list);
                        list = l;
                }
                if (e->error ? asprintf(&msg, "cannot read %s '%s': %s", what, e->path, e->error) < 0 :
                               asprintf(&msg, "%s '%s' reaches the extension search paths or /etc: %s", what, e->path,
                                        list) < 0)
                        return -ENOMEM;
                r = emit(ir, NULL, e->path,
                         e->error ? "DW-INV-CONTAINER-UNREADABLE" : "DW-INV-CONTAINER-REACHES-EXTENSIONS", true,
                         e->error ? "container-unreadable" : "container-reaches-extensions", msg, NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

int capability_inventory(const struct dw_context *ctx, const struct inventory_request *req, struct output *out,
                         struct inventory_summary *ret_summary, struct dw_error *ret_error)
{
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_(allowlist_freep) struct allowlist *approved = NULL;
        _cleanup_(container_reaches_freep) struct container_reaches *containers = NULL;
        _cleanup_(freep) char *reason = NULL;
        const char *root = req->root ?: "/";
        unsigned long alerts = out->alerts, events = out->events;
        struct inventory_summary sum = { 0 };
        struct inv_report ir;
        size_t i;
        int r;

        if (req->approved_path) {
                r = allowlist_load(req->approved_path, true, &approved, ret_error);
                if (r < 0)
                        return r;
        }
        r = inventory_collect_opt(root, &(struct inventory_options) { .verify_verity = req->verify_verity },
                                  ctx->cancel, &inv, &reason);
        if (r == -ECANCELED)
                return dw_error_set(ret_error, r, NULL, "interrupted");
        if (r < 0)
                return dw_error_set(ret_error, r, root, "cannot read the extension images of '%s': %s", root,
                                    reason ?: strerror(-r));
        r = container_reach_collect(root, ctx->cancel, &containers);
        if (r == -ECANCELED)
                return dw_error_set(ret_error, r, NULL, "interrupted");
        if (r < 0)
                return dw_error_set(ret_error, r, root, "cannot read the container definitions of '%s': %s", root,
                                    r == -E2BIG ? "more than 4096 of them" : strerror(-r));

        ir = (struct inv_report) { .ctx = ctx, .out = out, .inv = inv, .approved = approved,
                                   .now = (int64_t) time(NULL), .arch = release_native_architecture(),
                                   .root = inv->live ? NULL : root };
        for (i = 0; i < inv->n_images && r >= 0; i++) {
                const struct inv_image *im = &inv->images[i];
                bool ok = false;

                r = report_image(&ir, im, &ok);
                sum.images++;
                sum.merged += im->merged == 1;
                sum.shadowed += im->shadowed_by >= 0;
                sum.unreadable += im->error != 0;
        }
        if (r >= 0)
                r = report_dirs(&ir);
        if (r >= 0)
                r = report_containers(&ir, containers);
        if (r >= 0 && approved)
                r = allowlist_report(approved, ir.now, ruleset_rule(ctx->rules, "DW-INV-APPROVAL-EXPIRED"),
                                     ruleset_rule(ctx->rules, "DW-INV-APPROVAL-UNUSED"), "approval", DATASET, out);
        if (fflush(out->f) != 0 && r >= 0)
                r = negative_errno();
        if (r < 0)
                return dw_error_set(ret_error, out->error ?: r, NULL, "cannot write output: %s",
                                    strerror(-(out->error ?: r)));
        if (ret_summary) {
                sum.live = inv->live;
                sum.alerts = out->alerts - alerts;
                sum.events = out->events - events;
                *ret_summary = sum;
        }
        return 0;
}
