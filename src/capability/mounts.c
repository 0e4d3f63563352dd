/* Capability: mount table snapshots and their changes; see mounts.h. */
#define _GNU_SOURCE
#include "mounts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "basic/spawn.h"
#include "capability/status.h"
#include "host/mount-store.h"
#include "host/mount-table.h"
#include "host/mounts-diff.h"
#include "image/host-status.h"
#include "report/json.h"

static const char *const change_rule[_MOUNT_CHANGE_MAX] = {
        [MOUNT_OVERLAY_NEW] = "DW-MNT-OVERLAY-NEW",
        [MOUNT_USR_RW] = "DW-MNT-USR-RW",
        [MOUNT_USR_RW_IMAGE] = "DW-MNT-USR-RW-IMAGE",
        [MOUNT_VERITY_REMOVED] = "DW-MNT-VERITY-REMOVED",
        [MOUNT_WATCHED_NEW] = "DW-MNT-WATCHED-NEW",
        [MOUNT_WATCHED_REMOVED] = "DW-MNT-WATCHED-REMOVED",
        [MOUNT_WATCHED_OPTIONS] = "DW-MNT-WATCHED-OPTIONS",
};

static const char *const change_action[_MOUNT_CHANGE_MAX] = {
        [MOUNT_OVERLAY_NEW] = "mount-overlay-added",
        [MOUNT_USR_RW] = "mount-usr-read-write",
        [MOUNT_USR_RW_IMAGE] = "mount-usr-writable",
        [MOUNT_VERITY_REMOVED] = "mount-verity-removed",
        [MOUNT_WATCHED_NEW] = "mount-added",
        [MOUNT_WATCHED_REMOVED] = "mount-removed",
        [MOUNT_WATCHED_OPTIONS] = "mount-options-changed",
};

static const char *const change_message[_MOUNT_CHANGE_MAX] = {
        [MOUNT_OVERLAY_NEW] = "an overlay was mounted over the image's /usr, /etc or /opt",
        [MOUNT_USR_RW] = "/usr was read-only in the previous snapshot and is read-write now",
        [MOUNT_USR_RW_IMAGE] = "/usr is writable on an image-mode host",
        [MOUNT_VERITY_REMOVED] = "the mount lost verity options it had in the previous snapshot",
        [MOUNT_WATCHED_NEW] = "a mount appeared over a watched path since the previous snapshot",
        [MOUNT_WATCHED_REMOVED] = "a mount over a watched path went away since the previous snapshot",
        [MOUNT_WATCHED_OPTIONS] = "the options of a mount over a watched path changed",
};

static void json_entry(struct json *j, const char *key, const struct mount_entry *e)
{
        char dev[32];

        json_object_begin(j, key);
        if (e->id >= 0)
                json_int(j, "id", e->id);
        if (e->parent >= 0)
                json_int(j, "parent", e->parent);
        snprintf(dev, sizeof(dev), "%u:%u", e->major, e->minor);
        json_string(j, "dev", dev);
        json_string(j, "root", e->root);
        json_string(j, "target", e->target);
        json_string(j, "fstype", e->fstype);
        json_string(j, "source", e->source);
        json_string(j, "options", e->options);
        json_string(j, "super_options", e->super_options);
        json_object_end(j);
}

/* driftwatch.mount of a change finding. */
static void json_change(struct json *j, const void *data)
{
        const struct mount_change *c = data;

        json_object_begin(j, "mount");
        if (c->watched)
                json_string(j, "watched", c->watched);
        if (c->detail)
                json_string(j, "removed", c->detail);
        if (c->before)
                json_entry(j, "before", c->before);
        if (c->after)
                json_entry(j, "after", c->after);
        json_object_end(j);
}

struct snapshot_view {
        const char *boot_id;
        const struct mount_table *t;
        bool baseline, image_mode;
        int64_t previous;               /* taken, seconds; 0 none */
        const struct deployment *booted;        /* bootc's, when read */
        const char *usr_overlay;
};

/* driftwatch.mounts of the snapshot event: the whole table. */
static void json_snapshot(struct json *j, const void *data)
{
        const struct snapshot_view *v = data;
        char ts[TIMESTAMP_LEN];

        json_object_begin(j, "mounts");
        json_string(j, "boot_id", v->boot_id);
        json_int(j, "count", (int64_t) v->t->n);
        json_bool(j, "baseline", v->baseline);
        json_bool(j, "image_mode", v->image_mode);
        if (v->previous > 0) {
                format_timestamp_sec(ts, (uint64_t) v->previous, 0);
                json_string(j, "previous", ts);
        }
        if (v->booted || v->usr_overlay) {
                json_object_begin(j, "bootc");
                if (v->usr_overlay)
                        json_string(j, "usr_overlay", v->usr_overlay);
                if (v->booted && v->booted->composefs) {
                        json_object_begin(j, "composefs");
                        if (v->booted->composefs_verity)
                                json_string(j, "verity", v->booted->composefs_verity);
                        json_bool(j, "missing_verity_allowed", v->booted->missing_verity_allowed);
                        json_object_end(j);
                }
                json_object_end(j);
        }
        json_array_begin(j, "list");
        for (size_t i = 0; i < v->t->n; i++)
                json_entry(j, NULL, &v->t->entries[i]);
        json_array_end(j);
        json_object_end(j);
}

struct report {
        const struct dw_context *ctx;
        struct output *out;
};

static int emit(struct report *rep, const char *rule_id, bool alert, const char *action, const char *message,
                const char *path, struct finding *f)
{
        int r;

        f->rule = ruleset_rule(rep->ctx->rules, rule_id);
        f->alert = alert;
        f->category = "configuration";
        f->type = alert ? "change" : "info";
        f->action = action;
        f->dataset = "driftwatch.mounts";
        f->message = message;
        if (path) {
                f->path = path;
                f->path_len = strlen(path);
        }
        r = output_emit(rep->out, f);
        finding_release(f);
        return r;
}

static int report_change(const struct mount_change *c, void *userdata)
{
        const struct mount_entry *e = c->after ?: c->before;
        struct finding f;
        int r = 0;

        finding_init(&f);
        f.json_extra = json_change;
        f.json_extra_data = c;
        if (c->before && c->after) {
                if (strcmp(c->before->options, c->after->options) != 0)
                        r = finding_add_value(&f, "options", c->before->options, strlen(c->before->options),
                                              c->after->options, strlen(c->after->options));
                if (r >= 0 && strcmp(c->before->super_options, c->after->super_options) != 0)
                        r = finding_add_value(&f, "super_options", c->before->super_options,
                                              strlen(c->before->super_options), c->after->super_options,
                                              strlen(c->after->super_options));
                if (r >= 0 && strcmp(c->before->fstype, c->after->fstype) != 0)
                        r = finding_add_value(&f, "fstype", c->before->fstype, strlen(c->before->fstype),
                                              c->after->fstype, strlen(c->after->fstype));
                if (r >= 0 && strcmp(c->before->source, c->after->source) != 0)
                        r = finding_add_value(&f, "source", c->before->source, strlen(c->before->source),
                                              c->after->source, strlen(c->after->source));
        }
        for (size_t i = 0; r >= 0 && i < f.n_values; i++)
                r = finding_add_changed(&f, f.values[i].attr, strlen(f.values[i].attr));
        if (r < 0) {
                finding_release(&f);
                return r;
        }
        return emit(userdata, change_rule[c->kind], true, change_action[c->kind], change_message[c->kind], e->target,
                    &f);
}

/* bootc's composefs state of the booted deployment against the root mount. */
static int report_composefs(struct report *rep, const struct deployment *booted, const struct mount_table *t)
{
        const struct mount_entry *root = mount_table_covering(t, "/");
        struct finding f;

        if (!booted || !booted->composefs)
                return 0;
        if (booted->missing_verity_allowed && booted->composefs_verity) {
                finding_init(&f);
                return emit(rep, "DW-MNT-COMPOSEFS-VERITY-OPTIONAL", true, "composefs-verity-optional",
                            "bootc says fs-verity is optional (missingVerityAllowed) for the booted composefs "
                            "deployment, whose image has a verity digest", "/", &f);
        }
        if (booted->composefs_verity && !booted->missing_verity_allowed && root && mount_verity_level(root) == 0) {
                finding_init(&f);
                f.json_extra = json_change;
                f.json_extra_data = &(struct mount_change) { .after = root };
                return emit(rep, "DW-MNT-COMPOSEFS-VERITY-LOST", true, "composefs-verity-lost",
                            "bootc's booted composefs deployment has a verity digest and requires it, but the root "
                            "mount has no verity option", "/", &f);
        }
        return 0;
}

static int read_boot_id(const struct mounts_request *req, char ret[MOUNT_BOOT_ID_MAX + 1], struct dw_error *ret_error)
{
        _cleanup_(freep) char *text = NULL;
        const char *id = req->boot_id;
        size_t len;
        int r;

        if (!id) {
                r = read_file(MOUNTS_BOOT_ID_PATH, 256, &text, &len);
                if (r < 0)
                        return dw_error_set(ret_error, r, MOUNTS_BOOT_ID_PATH, "cannot read the boot id '%s': %s",
                                            MOUNTS_BOOT_ID_PATH, strerror(-r));
                text[strcspn(text, "\n")] = '\0';
                id = text;
        }
        len = strlen(id);
        if (len == 0 || len > MOUNT_BOOT_ID_MAX || strspn(id, "0123456789abcdefABCDEF-") != len)
                return dw_error_set(ret_error, -EINVAL, id, "invalid boot id '%s': expected hex digits and dashes",
                                    id);
        memcpy(ret, id, len + 1);
        return 0;
}

int capability_read_mount_table(const char *mountinfo, struct mount_table **ret, struct dw_error *ret_error)
{
        const char *path = mountinfo ?: "/proc/self/mountinfo";
        _cleanup_(freep) char *text = NULL, *msg = NULL;
        size_t len = 0;
        int r;

        r = read_file(path, MOUNT_TABLE_MAX_BYTES, &text, &len);
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot read mount table '%s': %s", path,
                                    r == -EFBIG ? "larger than 32 MiB" : strerror(-r));
        r = mount_table_parse(text, len, ret, &msg);
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot read mount table '%s': %s", path,
                                    msg ?: strerror(-r));
        return 0;
}

/* bootc's status, when given or when bootc is here (live only): NULL if neither. */
static int read_bootc(const struct dw_context *ctx, const struct mounts_request *req, struct host_status **ret,
                      struct dw_error *ret_error)
{
        struct status_request sreq = { .input = req->bootc_status, .source = HOST_SOURCE_BOOTC,
                                       .timeout_s = req->timeout_s };
        _cleanup_(freep) char *text = NULL, *label = NULL, *msg = NULL, *path = NULL;
        enum host_source source;
        size_t len = 0;
        int r;

        *ret = NULL;
        if (!req->bootc_status && (req->mountinfo || find_executable("bootc", &path) < 0))
                return 0;
        r = status_read_input(ctx, &sreq, &source, &text, &len, &label, ret_error);
        if (r < 0)
                return r;
        r = host_status_parse(HOST_SOURCE_BOOTC, text, len, ret, &msg);
        if (r < 0)
                return dw_error_set(ret_error, r, req->bootc_status, "cannot read status %s: %s", label,
                                    msg ?: strerror(-r));
        return 0;
}

/* The text summary's line: the baseline recorded, or what this run
 * compared with (alerts and events: the output's counts before it). */
static int mounts_note(struct output *out, const struct mounts_request *req, size_t n,
                       const struct mount_snapshot_info *prev, unsigned long alerts, unsigned long events)
{
        char seen[RFC3339_LEN];

        if (!prev)
                return output_note(out, "no mount snapshot of this boot yet: recorded the baseline (%zu mount%s) in "
                                        "'%s'; later runs report what changed", n, n == 1 ? "" : "s",
                                   req->state_path);
        rfc3339_format(prev->taken, seen);
        alerts = out->alerts - alerts;
        events = out->events - events;
        return output_note(out, "%zu mount%s compared with the snapshot taken %s: %lu alert%s, %lu event%s", n,
                           n == 1 ? "" : "s", seen, alerts, alerts == 1 ? "" : "s", events, events == 1 ? "" : "s");
}

int capability_mounts(const struct dw_context *ctx, const struct mounts_request *req, struct output *out,
                      struct mounts_summary *ret_summary, struct dw_error *ret_error)
{
        _cleanup_(mount_table_freep) struct mount_table *t = NULL;
        _cleanup_(host_status_freep) struct host_status *bootc = NULL;
        _cleanup_(mount_store_freep) struct mount_store *store = NULL;
        const struct mount_table *prev = NULL;
        struct mount_snapshot_info info = { 0 };
        char boot_id[MOUNT_BOOT_ID_MAX + 1];
        const char *reason = NULL, *msg;
        struct report rep = { ctx, out };
        struct mounts_policy policy = { .watch = &ctx->rules->mount_watch };
        struct snapshot_view view;
        struct finding f;
        unsigned long alerts = out->alerts, events = out->events;
        int64_t now = (int64_t) time(NULL);
        int r;

        r = capability_read_mount_table(req->mountinfo, &t, ret_error);
        r = r ?: read_boot_id(req, boot_id, ret_error);
        r = r ?: read_bootc(ctx, req, &bootc, ret_error);
        if (r < 0)
                return r;
        view = (struct snapshot_view) { .boot_id = boot_id, .t = t,
                                        .booted = bootc ? host_status_get(bootc, ROLE_BOOTED) : NULL,
                                        .usr_overlay = bootc ? bootc->usr_overlay : NULL };
        policy.image_mode = mount_table_image_mode(t) || (view.booted && view.booted->composefs) ||
                            (!req->mountinfo && (access("/run/ostree-booted", F_OK) == 0 ||
                                                 access("/ostree", F_OK) == 0 || access("/sysroot/ostree", F_OK) == 0));
        view.image_mode = policy.image_mode;

        /* Only a table that parsed reaches the database. */
        if (req->create_state_dir) {
                r = state_mkdir(req->state_path, ret_error);
                if (r < 0)
                        return r;
        }
        r = mount_store_open(req->state_path, ctx->cancel, &store, &reason);
        if (r >= 0)
                r = mount_store_last(store, boot_id, &prev, &info, &reason);
        if (r < 0)
                return state_open_error(r, req->state_path, reason, ret_error);
        view.baseline = !prev;
        view.previous = prev ? info.taken : 0;

        if (prev)
                r = mounts_diff(prev, t, &policy, report_change, &rep);
        r = r ?: mounts_posture(t, &policy, report_change, &rep);
        r = r ?: report_composefs(&rep, view.booted, t);
        if (r >= 0 && !prev) {
                finding_init(&f);
                r = emit(&rep, "DW-MNT-BASELINE", false, "mount-baseline",
                         "no mount snapshot of this boot yet: this one is the baseline later runs compare with",
                         NULL, &f);
        }
        if (r >= 0) {
                finding_init(&f);
                f.json_extra = json_snapshot;
                f.json_extra_data = &view;
                msg = arena_printf(&f.arena, "the mount table: %zu mounts, boot %s", t->n, boot_id);
                r = msg ? emit(&rep, "DW-MNT-SNAPSHOT", false, "mount-snapshot", msg, NULL, &f) : -ENOMEM;
                if (!msg)
                        finding_release(&f);
        }
        if (r >= 0 && out->format == OUTPUT_TEXT)
                r = mounts_note(out, req, t->n, prev ? &info : NULL, alerts, events);
        if (r >= 0 && req->flush_output)
                r = output_flush(out);
        if (fflush(out->f) != 0 && r >= 0)
                r = negative_errno();
        if (r < 0)      /* nothing is recorded: the next run compares with the same snapshot */
                return dw_error_set(ret_error, out->error ?: r, NULL, "cannot write output: %s",
                                    strerror(-(out->error ?: r)));
        r = mount_store_record(store, boot_id, t, now, &reason);
        if (r >= 0)
                r = mount_store_commit(store, &reason);
        if (r < 0)
                return dw_error_set(ret_error, r, req->state_path, "cannot write state '%s': %s", req->state_path,
                                    reason ?: strerror(-r));
        if (ret_summary)
                *ret_summary = (struct mounts_summary) {
                        .baseline = !prev, .image_mode = policy.image_mode, .n_mounts = t->n,
                        .last_taken = info.taken, .alerts = out->alerts - alerts, .events = out->events - events,
                };
        return 0;
}
