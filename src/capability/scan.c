/* Capability: scan; see scan.h. */
#define _GNU_SOURCE
#include "scan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "basic/path-util.h"
#include "basic/fd-util.h"
#include "basic/spawn.h"
#include "capability/baseline.h"
#include "capability/union.h"
#include "fim/store.h"
#include "report/seen.h"

/* What the rules name, besides ~/.ssh of the users. Paths below /usr or
 * /etc (/etc/extensions, /usr/lib/confexts ...) are covered by those. */
static const char *const scan_places[] = {
        "/usr", "/boot", "/etc", "/root/.ssh", "/var/spool/cron", "/var/spool/at",
        "/run/extensions", "/var/lib/extensions", "/run/confexts", "/var/lib/confexts",
};

void scan_coverage_release(struct scan_coverage *c)
{
        strv_release(&c->paths);
        strv_release(&c->skipped);
}

/* Adds path to the coverage when it exists under root, else to the skipped,
 * unless a path already covered holds it. */
static int coverage_add(const char *root, const char *path, bool say_absent, struct scan_coverage *c)
{
        _cleanup_(freep) char *full = NULL;
        struct stat st;

        for (size_t i = 0; i < c->paths.n; i++)
                if (path_has_prefix(path, strlen(path), c->paths.v[i]))
                        return 0;
        for (size_t i = 0; i < c->skipped.n; i++)
                if (strcmp(path, c->skipped.v[i]) == 0)
                        return 0;
        if (asprintf(&full, "%s%s", strcmp(root, "/") == 0 ? "" : root, path) < 0)
                return -ENOMEM;
        if (lstat(full, &st) == 0)
                return strv_push(&c->paths, path);
        return say_absent ? strv_push(&c->skipped, path) : 0;
}

/* The users' home directories from the root's /etc/passwd, as ~/.ssh paths.
 * Any account's ~/.ssh that exists is covered; only those of root and login
 * users (uid 1000 and up, not nobody) are said to be absent: the service
 * accounts' would be a long list of noise. */
static int coverage_add_homes(const char *root, struct scan_coverage *c)
{
        _cleanup_(freep) char *passwd = NULL, *data = NULL;
        size_t len = 0, homes = 0;
        int r;

        if (asprintf(&passwd, "%s/etc/passwd", strcmp(root, "/") == 0 ? "" : root) < 0)
                return -ENOMEM;
        if (read_file(passwd, (size_t) 4 << 20, &data, &len) < 0)
                return 0;       /* no passwd: root's ~/.ssh only */
        for (char *line = data, *nl; line < data + len && homes < SCAN_MAX_HOMES; line = nl + 1) {
                _cleanup_(freep) char *ssh = NULL;
                char *field = line, *home = NULL, *end, *uid_field = NULL;
                unsigned long uid;

                nl = memchr(line, '\n', (size_t) (data + len - line));
                if (!nl)
                        nl = data + len;
                *nl = '\0';
                for (int i = 0; i < 5 && field; i++) {
                        field = strchr(field, ':');
                        field = field ? field + 1 : NULL;
                        if (i == 1)
                                uid_field = field;
                }
                if (!field)
                        continue;
                end = strchr(field, ':');
                if (end)
                        *end = '\0';
                home = field;
                if (home[0] != '/' || strcmp(home, "/") == 0 || path_has_dotdot(home) || strlen(home) > 1024)
                        continue;
                if (asprintf(&ssh, "%s%s.ssh", home, home[strlen(home) - 1] == '/' ? "" : "/") < 0)
                        return -ENOMEM;
                homes++;
                uid = strtoul(uid_field, NULL, 10);
                r = coverage_add(root, ssh, uid == 0 || (uid >= 1000 && uid != 65534), c);
                if (r < 0)
                        return r;
        }
        return 0;
}

int scan_coverage(const char *root, struct scan_coverage *ret)
{
        _cleanup_(scan_coverage_release) struct scan_coverage c = { 0 };
        int r = 0;

        for (size_t i = 0; i < ARRAY_SIZE(scan_places) && r >= 0; i++) {
                r = coverage_add(root, scan_places[i], true, &c);
                if (r >= 0 && i == 3)
                        r = coverage_add_homes(root, &c);
        }
        if (r < 0)
                return r;
        *ret = c;
        c = (struct scan_coverage) { 0 };
        return 0;
}

int scan_coverage_text(const struct scan_coverage *c, bool skipped, char **ret)
{
        _cleanup_(freep) char *covered = strv_join(&c->paths, " "), *absent = NULL;

        if (!covered)
                return -ENOMEM;
        if (skipped && c->skipped.n) {
                absent = strv_join(&c->skipped, " ");
                if (!absent || asprintf(ret, "%s (absent, skipped: %s)", covered, absent) < 0)
                        return -ENOMEM;
                return 0;
        }
        *ret = TAKE_PTR(covered);
        return 0;
}

/* The state directory remembers the digest of its baseline here. */
#define BASELINE_RECORD "baseline.record"

enum baseline_finding { BASELINE_MISSING, BASELINE_REPLACED, BASELINE_RECORDED };

static const struct {
        const char *rule, *action, *type;
} baseline_findings[] = {
        [BASELINE_MISSING] = { "DW-FIM-BASELINE-MISSING", "baseline-missing", "deletion" },
        [BASELINE_REPLACED] = { "DW-FIM-BASELINE-REPLACED", "baseline-replaced", "change" },
        [BASELINE_RECORDED] = { "DW-FIM-BASELINE-RECORDED", "baseline-recorded", "creation" },
};

void scan_summary_release(struct scan_summary *s)
{
        free(s->baseline_path);
        free(s->deployment);
        free(s->state_path);
        etc_diff_summary_release(&s->etc);
        *s = (struct scan_summary) { 0 };
}

/* One finding on the baseline at path, with its digest before and after. */
static int report_baseline(const struct dw_context *ctx, struct output *out, enum baseline_finding which,
                           const char *path, const char *before, const char *after, const char *message,
                           struct dw_error *ret_error)
{
        struct finding f;
        int r;

        finding_init(&f);
        f.alert = which != BASELINE_RECORDED;
        f.rule = ruleset_rule(ctx->rules, baseline_findings[which].rule);
        f.category = "file";
        f.type = baseline_findings[which].type;
        f.action = baseline_findings[which].action;
        f.dataset = "driftwatch.fim";
        f.message = message;
        f.path = path;
        f.path_len = strlen(path);
        r = finding_add_value(&f, "digest", before, before ? strlen(before) : 0, after, after ? strlen(after) : 0);
        if (r >= 0)
                r = output_emit(out, &f);
        finding_release(&f);
        if (r >= 0 && fflush(out->f) != 0)
                r = negative_errno();
        if (r < 0)
                return dw_error_set(ret_error, out->error ?: r, NULL, "cannot write output: %s",
                                    strerror(-(out->error ?: r)));
        return 0;
}

/* Records a baseline of the scanned places (the first run, or after the old
 * one vanished), remembers its digest and reports it as an event. */
static int record_baseline(const struct dw_context *ctx, const struct scan_request *req, const char *path,
                           const char *record, struct output *out, struct scan_summary *sum,
                           struct dw_error *ret_error)
{
        _cleanup_(freep) char *source = NULL, *message = NULL, *covered = NULL;
        struct baseline_create_summary created = { 0 };
        char digest[BASELINE_DIGEST_HEX + 1];
        const char *reason = NULL;
        int r;

        if (asprintf(&source, "dir:%s", req->root) < 0)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        struct baseline_create_request br = {
                .source = source, .out = path, .paths = req->coverage->paths.v, .n_paths = req->coverage->paths.n,
        };
        r = capability_baseline_create(ctx, &br, &created, ret_error);
        free(created.commit);
        if (r < 0)
                return r;
        r = baseline_read_digest(path, digest, &reason);
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot read baseline '%s': %s", path, reason ?: strerror(-r));
        r = baseline_record_write(record, digest);
        if (r < 0)
                return dw_error_set(ret_error, r, record, "cannot write baseline record '%s': %s", record,
                                    strerror(-r));
        if (scan_coverage_text(req->coverage, false, &covered) < 0 ||
            asprintf(&message, "recorded a baseline of %s: %zu entr%s", covered, created.entries,
                     created.entries == 1 ? "y" : "ies") < 0)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        sum->baseline_recorded = true;
        sum->baseline_entries = created.entries;
        sum->check.walk = created.walk;
        return report_baseline(ctx, out, BASELINE_RECORDED, path, NULL, digest, message, ret_error);
}

/* The approved extension images: the list given, else the default one when it exists. */
static const char *approved_list(const struct scan_request *req)
{
        if (!req->approved && access(SCAN_DEFAULT_APPROVED, F_OK) == 0)
                return SCAN_DEFAULT_APPROVED;
        return req->approved;
}

/* check's allowlist: the one given, else the default one when it exists. */
static const char *fim_allowlist(const struct scan_request *req)
{
        if (!req->allowlist && access(SCAN_DEFAULT_FIM_ALLOWLIST, F_OK) == 0)
                return SCAN_DEFAULT_FIM_ALLOWLIST;
        return req->allowlist;
}

/* File drift of a host that is not image mode, against the baseline in the
 * state directory; the baseline's own fate first. */
static int scan_files(const struct dw_context *ctx, const struct scan_request *req, struct output *out,
                      struct scan_summary *sum, struct dw_error *ret_error)
{
        _cleanup_(freep) char *baseline = NULL, *record = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta meta = { 0 };
        _cleanup_(strv_release) struct strv prefixes = { 0 };
        char remembered[BASELINE_DIGEST_HEX + 1], digest[BASELINE_DIGEST_HEX + 1];
        const char *reason = NULL;
        struct stat st;
        bool known;
        int r;

        if (req->started)
                req->started(req->started_data);
        if (asprintf(&baseline, "%s/baseline.db", req->state_dir) < 0 ||
            asprintf(&record, "%s/" BASELINE_RECORD, req->state_dir) < 0)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        r = baseline_record_read(record, remembered);
        if (r < 0 && r != -ENOENT)
                return dw_error_set(ret_error, r, record, "cannot read baseline record '%s': %s", record,
                                    r == -EBADMSG ? "malformed (delete it to accept the current baseline)"
                                                  : strerror(-r));
        known = r >= 0;
        sum->baseline_path = strdup(baseline);
        if (!sum->baseline_path)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");

        if (stat(baseline, &st) < 0) {
                if (errno != ENOENT)
                        return dw_error_set(ret_error, -errno, baseline, "cannot read baseline '%s': %s", baseline,
                                            strerror(errno));
                if (known) {
                        r = report_baseline(ctx, out, BASELINE_MISSING, baseline, remembered, NULL,
                                            "the baseline this state directory held is gone: a new one is "
                                            "recorded from the tree as it is now",
                                            ret_error);
                        if (r < 0)
                                return r;
                        sum->baseline_was_gone = true;
                }
                return record_baseline(ctx, req, baseline, record, out, sum, ret_error);
        }

        r = baseline_read_digest(baseline, digest, &reason);
        if (r < 0)
                return dw_error_set(ret_error, r, baseline, "cannot read baseline '%s': %s", baseline,
                                    reason ?: strerror(-r));
        if (known && strcmp(remembered, digest) != 0) {
                r = report_baseline(ctx, out, BASELINE_REPLACED, baseline, remembered, digest,
                                    "the baseline in this state directory is not the one recorded there", ret_error);
                if (r < 0)
                        return r;
        }
        if (!known || strcmp(remembered, digest) != 0) {
                r = baseline_record_write(record, digest);
                if (r < 0)
                        return dw_error_set(ret_error, r, record, "cannot write baseline record '%s': %s", record,
                                            strerror(-r));
        }
        /* The baseline's paths, and what the host has now that it did not
         * have then (a new user's ~/.ssh): added drift. */
        r = baseline_read_meta(baseline, &meta, &reason);
        if (r < 0)
                return dw_error_set(ret_error, r, baseline, "cannot read baseline '%s': %s", baseline,
                                    reason ?: strerror(-r));
        for (size_t i = 0; i < meta.n_paths; i++)
                if (strv_push(&prefixes, meta.paths[i]) < 0)
                        return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        for (size_t i = 0; i < req->coverage->paths.n; i++) {
                const char *p = req->coverage->paths.v[i];
                bool known_path = false;

                for (size_t k = 0; k < meta.n_paths && !known_path; k++)
                        known_path = path_has_prefix(p, strlen(p), meta.paths[k]);
                if (!known_path && strv_push(&prefixes, p) < 0)
                        return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        }
        struct tree_check_request tr = { .baseline_path = baseline, .root = req->root, .full = req->full,
                                         .approved_path = approved_list(req), .paths = prefixes.v,
                                         .n_paths = prefixes.n, .record_reported = true,
                                         .allowlist_path = fim_allowlist(req) };

        r = capability_tree_check(ctx, &tr, out, &sum->check, ret_error);
        if (r == -EBADMSG && ret_error && ret_error->input && strcmp(ret_error->input, baseline) == 0) {
                /* A baseline that fails its own checks was changed behind our
                 * back: the SIEM must see it, not only a failed run. */
                (void) report_baseline(ctx, out, BASELINE_REPLACED, baseline, remembered, NULL,
                                       "the baseline in this state directory is corrupt or was edited: "
                                       "nothing can be checked against it",
                                       NULL);
        }
        return r;
}

/* The state database of status and mounts, in the state directory, made once. */
static int state_path(const struct scan_request *req, struct scan_summary *sum)
{
        if (!sum->state_path && asprintf(&sum->state_path, "%s/state.db", req->state_dir) < 0)
                return -ENOMEM;
        return 0;
}

/* The image-mode checks of one sysroot into one output. */
static int scan_image(const struct dw_context *ctx, const struct scan_request *req, struct output *out,
                      struct scan_summary *sum, struct dw_error *ret_error)
{
        _cleanup_(sysroot_freep) struct sysroot *ds = NULL;
        _cleanup_(freep) char *tool = NULL;
        const struct sysroot_deployment *d;
        struct etc_diff_request etc = { .allowlist = req->allowlist };
        unsigned long alerts;
        int r;

        if (!etc.allowlist && access(SCAN_DEFAULT_ALLOWLIST, F_OK) == 0)
                etc.allowlist = SCAN_DEFAULT_ALLOWLIST;
        sum->image_mode = true;
        r = capability_open_sysroot(req->sysroot, "booted", false, &ds, &d, ret_error);
        if (r < 0)
                return r;
        if (asprintf(&sum->deployment, "%s.%d", d->checksum, d->serial) < 0)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        r = capability_deployments(ctx, ds, out, ret_error);
        if (r < 0)
                return r;
        alerts = out->alerts;
        r = capability_image_verify(ctx, ds, d, out, &sum->verify, ret_error);
        if (r < 0)
                return r;
        sum->verify_alerts = out->alerts - alerts;
        alerts = out->alerts;
        r = capability_etc_diff(ctx, ds, d, &etc, out, &sum->etc, ret_error);
        if (r < 0)
                return r;
        sum->etc_alerts = out->alerts - alerts;
        /* The running host: extension images changed since they were merged
         * on top of the deployment (what check reports on other hosts). */
        if (ds->live) {
                r = union_report_merged_live(ctx, approved_list(req), out, ret_error);
                if (r < 0)
                        return r;
        }
        /* bootc / rpm-ostree status describes the running host (or comes saved
         * from it). */
        if (!req->status_input && !(ds->live && (find_executable("bootc", &tool) >= 0 ||
                                                 find_executable("rpm-ostree", &tool) >= 0)))
                return 0;
        if (state_path(req, sum) < 0)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        struct status_request st = {
                .input = req->status_input, .source = req->status_source, .state_path = sum->state_path,
                .timeout_s = 120,
        };
        sum->status_ran = true;
        return capability_status(ctx, &st, out, &sum->status, ret_error);
}

/* The mount table of this host (or of the saved mountinfo given) against the
 * snapshots in the state directory's state.db; an offline root has no mount
 * table of its own, so it is skipped and the summary says why. */
static int scan_mounts(const struct dw_context *ctx, const struct scan_request *req, struct output *out,
                       struct scan_summary *sum, struct dw_error *ret_error)
{
        if (!req->mountinfo && (req->sysroot || strcmp(req->root, "/") != 0)) {
                sum->mounts_skipped = req->sysroot ? "an offline --sysroot has no mount table of its own" :
                                                     "an offline --root has no mount table of its own";
                return 0;
        }
        if (state_path(req, sum) < 0)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        struct mounts_request mr = { .mountinfo = req->mountinfo, .state_path = sum->state_path, .timeout_s = 120 };

        sum->mounts_ran = true;
        return capability_mounts(ctx, &mr, out, &sum->mounts, ret_error);
}

/* The posture of the root, its /var executables recorded in the state
 * directory's state.db. An offline --sysroot is left out, and the summary
 * says why: posture reads a root, and a sysroot's deployment root would
 * have to be found and its /var joined from the stateroot first. */
static int scan_posture(const struct dw_context *ctx, const struct scan_request *req, struct output *out,
                        struct scan_summary *sum, struct dw_error *ret_error)
{
        if (req->sysroot) {
                sum->posture_skipped = "an offline --sysroot is not a root: run driftwatch posture --root on its "
                                       "deployment";
                return 0;
        }
        if (state_path(req, sum) < 0)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        struct posture_request pr = { .root = req->root, .state_path = sum->state_path, .mountinfo = req->mountinfo,
                                      .allowlist = req->allowlist, .timeout_s = 120 };

        sum->posture_ran = true;
        return capability_posture(ctx, &pr, out, &sum->posture, ret_error);
}

bool scan_is_image_mode(const struct scan_request *req)
{
        return req->sysroot || (strcmp(req->root, "/") == 0 && host_is_ostree_booted());
}

int capability_scan(const struct dw_context *ctx_in, const struct scan_request *req_in, struct output *out,
                    struct scan_summary *ret_summary, struct dw_error *ret_error)
{
        _cleanup_(scan_coverage_release) struct scan_coverage coverage = { 0 };
        _cleanup_(seen_ids_release) struct seen_ids seen = { 0 };
        _cleanup_(freep) char *seen_path = NULL, *scratch = NULL;
        struct scan_request copy = *req_in, *req = &copy;
        struct dw_context ctx_copy = *ctx_in;
        const struct dw_context *ctx = &ctx_copy;
        struct timespec now;
        int64_t start_ns;
        bool image = scan_is_image_mode(req);
        struct scan_summary sum = { 0 };
        struct stat st;
        int r;

        clock_gettime(CLOCK_REALTIME, &now);
        start_ns = (int64_t) now.tv_sec * 1000000000 + now.tv_nsec;
        if (!image && !req->coverage) {
                r = scan_coverage(req->root, &coverage);
                if (r < 0)
                        return dw_error_set(ret_error, r, NULL, "out of memory");
                req->coverage = &coverage;
        }
        /* A root that holds none of them is a mistake (a wrong --root), not a
         * baseline of nothing. (A root that is not there is said below.) */
        if (!image && req->coverage->paths.n == 0 && stat(req->root, &st) == 0) {
                _cleanup_(freep) char *absent = strv_join(&req->coverage->skipped, " ");

                return dw_error_set(ret_error, -ENOENT, req->root, "nothing to scan under '%s': none of %s exists there",
                                    req->root, absent ? absent : "the places scan covers");
        }

        if (req->sysroot && strcmp(req->root, "/") != 0)
                return dw_error_set(ret_error, -EINVAL, req->sysroot, "--root and --sysroot exclude each other");
        if (req->allowlist) {
                r = capability_check_allowlist(req->allowlist, ret_error);
                if (r < 0)
                        return r;
        }
        if (req->approved) {
                r = capability_check_allowlist(req->approved, ret_error);
                if (r < 0)
                        return r;
        }
        if (req->status_input && !image)
                return dw_error_set(ret_error, -EINVAL, req->status_input,
                                    "--bootc-json and --rpm-ostree-json go with an image-mode host or --sysroot");
        /* A bad --root is refused before the state directory is made. */
        if (!image && stat(req->root, &st) < 0)
                return dw_error_set(ret_error, -errno, req->root, "cannot open root '%s': %s", req->root,
                                    strerror(errno));
        if (!image && !S_ISDIR(st.st_mode))
                return dw_error_set(ret_error, -ENOTDIR, req->root, "cannot open root '%s': not a directory",
                                    req->root);
        r = mkdir_p(req->state_dir, 0700);
        if (r < 0)
                return dw_error_set(ret_error, r, req->state_dir, "cannot create state directory '%s': %s",
                                    req->state_dir, strerror(-r));
        if (asprintf(&seen_path, "%s/" SEEN_FILE, req->state_dir) < 0)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        /* Where librpm's copy of an rpm database goes when the scan may not
         * make a mount namespace (the agent's sandbox, the scan's unit). */
        if (!ctx_copy.scratch_dir) {
                if (asprintf(&scratch, "%s/" SCAN_SCRATCH_DIR, req->state_dir) < 0)
                        return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
                ctx_copy.scratch_dir = scratch;
        }
        r = seen_ids_load(seen_path, &seen);
        if (r < 0)
                return dw_error_set(ret_error, r, seen_path, "cannot read scan state '%s': %s", seen_path,
                                    r == -EBADMSG ? "malformed (delete it: the next scan marks every finding new)"
                                                  : r == -E2BIG ? "too large" : strerror(-r));
        out->seen = &seen;
        r = image ? scan_image(ctx, req, out, &sum, ret_error) : scan_files(ctx, req, out, &sum, ret_error);
        if (r >= 0)
                r = scan_mounts(ctx, req, out, &sum, ret_error);
        if (r >= 0 && !req->sysroot) {
                struct inventory_request ir = { .root = req->root, .approved_path = approved_list(req),
                                                .verify_verity = req->verify_verity };
                sum.inventory_ran = true;
                r = capability_inventory(ctx, &ir, out, &sum.inventory, ret_error);
        }
        if (r >= 0)
                r = scan_posture(ctx, req, out, &sum, ret_error);
        if (r >= 0 && !req->sysroot)
                r = capability_container_scan(ctx, req->root, out, &sum.containers, ret_error);
        out->seen = NULL;
        if (r >= 0) {
                _cleanup_(buf_release) struct buf b = { 0 };

                sum.seen_previous = seen.previous;
                sum.seen_previous_ns = seen.previous_ns;
                sum.seen_new = seen.new_alerts;
                buf_init(&b, (size_t) 64 << 20);
                sum.seen_error = seen_ids_format(&seen, start_ns, &b);
                if (sum.seen_error >= 0)
                        sum.seen_error = store_write_atomic(seen_path, b.data, b.len, 0600);
        }
        if (r < 0 || !ret_summary)
                scan_summary_release(&sum);
        else
                *ret_summary = sum;
        return r;
}
