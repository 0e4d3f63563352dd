/* Capability: posture; see posture.h. Finds the host image, opens the root,
 * runs each check of src/host/posture-*.c. */
#define _GNU_SOURCE
#include "posture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "basic/path-util.h"
#include "capability/image.h"
#include "capability/mounts.h"
#include "capability/status.h"
#include "host/exec-store.h"
#include "host/posture-check.h"
#include "image/allowlist.h"
#include "image/host-status.h"
#include "parse/containers-policy.h"

static void image_release(struct posture_image *im)
{
        free(im->name);
        free(im->identity);
        strv_release(&im->namespaces);
        free(im->ostree_remote);
}

/* containers/image's transport name for a bootc / rpm-ostree one. */
static const char *transport_name(const char *t)
{
        if (!t || strcmp(t, "registry") == 0)
                return "docker";
        return t;
}

/* Fills im from a reference ref (kept by the caller): its transport, the
 * docker policy identity and scopes, how it is verified. */
static int image_from_ref(struct host_status *arena, const char *ref, const char *transport, const char *signature,
                          struct posture_image *im)
{
        const char *t = transport, *image = ref, *sig = signature;
        int r;

        im->ref = ref;
        if (!transport && strncmp(ref, "ostree:", 7) == 0) {
                t = "ostree";           /* --image-ref ostree:REMOTE:REF, an ostree-native host */
                image = ref + 7;
        } else if (!transport) {
                host_status_split_ref(arena, ref, &t, &image, &sig);
        }
        if (t && strcmp(t, "ostree") == 0) {
                /* An ostree origin refspec: "REMOTE:REF". */
                const char *colon = strchr(image, ':');

                im->transport = "ostree";
                if (colon && !(im->ostree_remote = strndup(image, (size_t) (colon - image))))
                        return -ENOMEM;
                return 0;
        }
        im->transport = transport_name(t);
        im->signature = sig;
        if (sig && strncmp(sig, "ostreeRemote:", 13) == 0 && !(im->ostree_remote = strdup(sig + 13)))
                return -ENOMEM;
        if (strcmp(im->transport, "docker") != 0)
                return 0;
        r = docker_reference_normalize(image, &im->name, &im->identity);
        if (r == -EINVAL)
                return 0;       /* not a docker reference: judged as an unknown one */
        if (r < 0)
                return r;
        return docker_reference_namespaces(im->name, &im->namespaces);
}

/* The booted image from bootc (else rpm-ostree) status, on a live host. Any
 * failure leaves it unknown (*ret_why says why): posture does not need it to
 * run. */
static int image_from_status(const struct dw_context *ctx, const struct posture_request *req,
                             struct host_status **ret_status, const char **ret_from, char **ret_why)
{
        struct status_request sreq = { .timeout_s = req->timeout_s };
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(freep) char *text = NULL, *label = NULL, *msg = NULL;
        enum host_source source;
        size_t len = 0;
        int r;

        r = status_read_input(ctx, &sreq, &source, &text, &len, &label, &err);
        if (r == -ECANCELED || r == -ENOMEM)
                return r;
        if (r == -ENOENT && !err.input)
                return (*ret_why = strdup("neither bootc nor rpm-ostree is installed (give --image-ref)")) ? 0
                                                                                                           : -ENOMEM;
        if (r < 0)
                return (*ret_why = strdup(dw_error_reason(&err))) ? 0 : -ENOMEM;
        r = host_status_parse(source, text, len, ret_status, &msg);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return asprintf(ret_why, "cannot read status %s: %s", label, msg ? msg : strerror(-r)) < 0 ? -ENOMEM
                                                                                                          : 0;
        *ret_from = source == HOST_SOURCE_BOOTC ? "bootc status" : "rpm-ostree status";
        return 0;
}

static int report_image(struct posture *pc, const char *why)
{
        _cleanup_(freep) char *message = NULL;
        const struct posture_image *im = &pc->image;

        if (im->ref ? asprintf(&message, "host image %s (from %s%s%s)", im->ref, im->from,
                               im->signature ? ", signature source " : "", im->signature ?: "") < 0
                    : asprintf(&message, "host image unknown%s%s: the checks judge what any image would get",
                               why ? ": " : "", why ?: "") < 0)
                return -ENOMEM;
        return posture_emit(pc, &(struct posture_finding) {
                .rule_id = "DW-POS-IMAGE", .check = "image", .action = "host-image", .setting = "image",
                .value = im->ref ? im->ref : "unknown", .message = message,
        });
}

/* The state database of the /var executables, made when it is the default
 * one and checked before anything is reported: a bad --state is an error
 * of the run, not a finding. */
static int check_state(const struct dw_context *ctx, const struct posture_request *req, struct dw_error *ret_error)
{
        _cleanup_(exec_store_freep) struct exec_store *store = NULL;
        const char *reason = NULL;
        int r;

        if (req->create_state_dir) {
                r = state_mkdir(req->state_path, ret_error);
                if (r < 0)
                        return r;
        }
        r = exec_store_open(req->state_path, ctx->cancel, &store, &reason);
        return r < 0 ? state_open_error(r, req->state_path, reason, ret_error) : 0;
}

int capability_posture(const struct dw_context *ctx, const struct posture_request *req, struct output *out,
                       struct posture_summary *ret_summary, struct dw_error *ret_error)
{
        _cleanup_(allowlist_freep) struct allowlist *allow = NULL;
        _cleanup_(host_status_freep) struct host_status *status = NULL, *arena = NULL;
        _cleanup_(image_release) struct posture_image im = { 0 };
        _cleanup_(closep) int rootfd = -EBADF;
        _cleanup_(freep) char *why = NULL;
        _cleanup_(mount_table_freep) struct mount_table *mounts = NULL;
        const char *root = req->root ? req->root : "/";
        bool live = strcmp(root, "/") == 0;
        unsigned long alerts = out->alerts, events = out->events;
        struct posture pc;
        int r;

        if (req->allowlist) {
                r = capability_check_allowlist(req->allowlist, ret_error);
                r = r ?: allowlist_load(req->allowlist, false, &allow, ret_error);
                if (r < 0)
                        return r;
        }
        r = posture_sshd_spec(req->ssh_connection, &why);
        if (r < 0)
                return dw_error_set(ret_error, r, req->ssh_connection, "%s", why ? why : strerror(-r));
        rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return dw_error_set(ret_error, -errno, root, "cannot open root '%s': %s", root, strerror(errno));
        if (req->mountinfo || live) {
                r = capability_read_mount_table(req->mountinfo, &mounts, ret_error);
                if (r < 0)
                        return r;
        }
        if (req->state_path) {
                r = check_state(ctx, req, ret_error);
                if (r < 0)
                        return r;
        }
        arena = host_status_new(HOST_SOURCE_BOOTC);
        if (!arena)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");

        if (req->image_ref) {
                im.from = "--image-ref";
                r = image_from_ref(arena, req->image_ref, NULL, NULL, &im);
        } else if (live) {
                const char *from = NULL;
                const struct deployment *d;

                r = image_from_status(ctx, req, &status, &from, &why);
                d = r >= 0 && status ? host_status_get(status, ROLE_BOOTED) : NULL;
                if (r >= 0 && d && d->image) {
                        im.from = from;
                        r = image_from_ref(arena, d->image, d->transport, d->signature, &im);
                } else if (r >= 0 && status && !why && !(why = strdup("no booted deployment with an image"))) {
                        r = -ENOMEM;
                }
        } else {
                r = (why = strdup("not given (--image-ref) for an offline root")) ? 0 : -ENOMEM;
        }
        if (r == -ECANCELED)
                return dw_error_set(ret_error, r, NULL, "interrupted");
        if (r < 0)
                return dw_error_set(ret_error, r, NULL, "cannot find the host image: %s", strerror(-r));

        pc = (struct posture) { .rules = ctx->rules, .cancel = ctx->cancel, .out = out, .rootfd = rootfd,
                                .root = root, .allow = allow, .now = (int64_t) time(NULL), .image = im,
                                .image_mode = -1, .live = live, .state_path = req->state_path,
                                .mounts = mounts, .mounts_from = req->mountinfo ?: (mounts ? "/proc/self/mountinfo" : NULL) };
        pc.ssh_user = req->ssh_user;
        pc.ssh_connection = req->ssh_connection;
        r = report_image(&pc, why);
        r = r ?: posture_check_policy(&pc);
        r = r ?: posture_check_ostree(&pc);
        r = r ?: posture_check_registries(&pc);
        r = r ?: posture_check_units(&pc);
        r = r ?: posture_check_cron(&pc);
        r = r ?: posture_check_linker(&pc);
        r = r ?: posture_check_shells(&pc);
        r = r ?: posture_check_nm(&pc);
        r = r ?: posture_check_sshd(&pc);
        r = r ?: posture_check_sudo(&pc);
        r = r ?: posture_check_pam(&pc);
        r = r ?: posture_check_mounts(&pc);
        r = r ?: posture_check_selinux(&pc);
        r = r ?: posture_check_var(&pc);
        r = r ?: posture_check_quadlet(&pc);
        if (r == -ECANCELED || (ctx->cancel && *ctx->cancel))
                return dw_error_set(ret_error, -ECANCELED, NULL, "interrupted");
        if (r < 0 && out->error)
                return dw_error_set(ret_error, out->error, NULL, "cannot write output: %s", strerror(-out->error));
        if (r < 0)
                return dw_error_set(ret_error, r, root, "cannot check the posture of '%s': %s", root, strerror(-r));
        if (fflush(out->f) != 0) {
                r = negative_errno();
                return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
        }
        if (ret_summary) {
                *ret_summary = (struct posture_summary) { .alerts = out->alerts - alerts,
                                                          .events = out->events - events, .allowed = pc.allowed };
                snprintf(ret_summary->image_ref, sizeof(ret_summary->image_ref), "%s", im.ref ? im.ref : "");
                snprintf(ret_summary->image_from, sizeof(ret_summary->image_from), "%s", im.from ? im.from : "");
        }
        return 0;
}
