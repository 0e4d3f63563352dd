/* Capabilities of image-mode hosts; see image.h. */
#define _GNU_SOURCE
#include "image.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "basic/escape.h"
#include "basic/fd-util.h"
#include "fim/findings.h"
#include "capability/union.h"
#include "report/json.h"
#include "image/allowlist.h"
#include "image/etc-diff.h"
#include "image/ostree-source.h"

int capability_open_sysroot(const char *sysroot, const char *which, bool boot_entries_suffice,
                            struct sysroot **ret_ds, const struct sysroot_deployment **ret_d,
                            struct dw_error *ret_error)
{
        _cleanup_(sysroot_freep) struct sysroot *ds = NULL;
        _cleanup_(freep) char *msg = NULL;
        const struct sysroot_deployment *d = NULL;
        bool ambiguous = false;
        int r;

        /* What the boot loader entries say is enough to walk a deployment,
         * and reading them does not load libostree; else libostree reads it. */
        r = boot_entries_suffice ? sysroot_load_boot(sysroot, &ds) : -EOPNOTSUPP;
        if (r == -EOPNOTSUPP)
                r = sysroot_load(sysroot, &ds, &msg);
        if (r == -ENOENT && !sysroot)
                return dw_error_set(ret_error, r, NULL,
                                    "this host has no ostree deployment (no /run/ostree-booted); use --sysroot DIR");
        if (r == -ENOENT) {
                struct stat st;
                /* A typo in --sysroot: say that the path is not there, not that
                 * an existing directory holds no deployment. */
                int e = stat(sysroot, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;

                if (e != 0)
                        return dw_error_set(ret_error, -e, sysroot, "cannot read sysroot '%s': %s", sysroot,
                                            strerror(e));
                return dw_error_set(ret_error, r, sysroot, "cannot read sysroot '%s': no ostree deployments there",
                                    sysroot);
        }
        if (r < 0)
                return dw_error_set(ret_error, r, sysroot, "cannot read sysroot '%s': %s", sysroot ? sysroot : "/",
                                    msg ? msg : strerror(-r));
        if (which) {
                d = sysroot_find(ds, which, &ambiguous);
                if (!d && ambiguous)
                        return dw_error_set(ret_error, -EINVAL, which, "deployment '%s' is ambiguous in sysroot '%s'",
                                            which, ds->sysroot);
                if (!d)
                        return dw_error_set(ret_error, -ENOENT, which, "no deployment '%s' in sysroot '%s'", which,
                                            ds->sysroot);
        }
        if (ret_d)
                *ret_d = d;
        *ret_ds = TAKE_PTR(ds);
        return 0;
}

static int emit_deployment(struct output *out, const struct rule *rule, const struct sysroot *ds,
                           const struct sysroot_deployment *d)
{
        struct finding f;
        char serial[16], ts[TIMESTAMP_LEN];
        int r = 0;

        finding_init(&f);
        f.alert = false;
        f.rule = rule;
        f.category = "host";
        f.type = "info";
        f.action = "deployment";
        f.dataset = "driftwatch.image";
        f.path = d->path;
        f.path_len = strlen(d->path);
        snprintf(serial, sizeof(serial), "%d", d->serial);
#define VALUE(name, v) \
        if (r >= 0 && (v) != NULL) \
                r = finding_add_value(&f, name, NULL, 0, (v), strlen(v))
        VALUE("role", sysroot_role_label(ds, d));
        VALUE("os", d->osname);
        VALUE("commit", d->checksum);
        r = finding_add_value(&f, "serial", NULL, 0, serial, strlen(serial));
        VALUE("refspec", d->refspec);
        VALUE("image", d->image);
        VALUE("version", d->version);
        if (d->timestamp) {
                format_timestamp_sec(ts, d->timestamp, 0);
                if (r >= 0)
                        r = finding_add_value(&f, "timestamp", NULL, 0, ts, strlen(ts));
        }
        VALUE("pinned", d->pinned ? "yes" : "no");
        VALUE("unlocked", d->unlocked);
        VALUE("commit_present", d->commit_present ? "yes" : "no");
#undef VALUE
        if (r >= 0)
                r = output_emit(out, &f);
        finding_release(&f);
        return r;
}

int capability_deployments(const struct dw_context *ctx, const struct sysroot *ds, struct output *out,
                           struct dw_error *ret_error)
{
        const struct rule *rule = ruleset_rule(ctx->rules, "DW-IMG-DEPLOYMENT");
        size_t i;
        int r;

        for (i = 0; i < ds->n; i++) {
                r = emit_deployment(out, rule, ds, &ds->v[i]);
                if (r < 0)
                        return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
        }
        return 0;
}

int capability_deployments_text(const struct sysroot *ds, struct output *out, struct dw_error *ret_error)
{
        _cleanup_(buf_release) struct buf b = { 0 };
        size_t i;
        int r;

        /* what it covered, in the summary; the list below it */
        buf_init(&b, 0);
        r = buf_puts(&b, "sysroot ");
        if (r >= 0)
                r = escape_text_token(&b, ds->sysroot, strlen(ds->sysroot));
        if (r >= 0)
                r = buf_puts(&b, ds->live ? " (this host)" :
                             " (offline: nothing is booted; in the boot loader's order, the default first)");
        if (r >= 0)
                r = output_note(out, "%s", b.data);
        buf_reset(&b);
        for (i = 0; r >= 0 && i < ds->n; i++) {
                const struct sysroot_deployment *d = &ds->v[i];

                r = buf_printf(&b, "%c %-8s ", ds->live && d->role == SYSROOT_BOOTED ? '*' : ' ',
                               sysroot_role_label(ds, d));
                if (r >= 0)
                        r = escape_text_token(&b, d->osname, strlen(d->osname));
                if (r >= 0)
                        r = buf_putc(&b, ' ');
                if (r >= 0)
                        r = escape_text(&b, d->checksum, strlen(d->checksum));
                if (r >= 0)
                        r = buf_printf(&b, ".%d%s%s\n", d->serial, d->pinned ? " (pinned)" : "",
                                       strcmp(d->unlocked, "none") ? " (unlocked)" : "");
                /* From commits and origin files: escaped, so none starts a line. */
                if (r >= 0 && d->image)
                        r = escape_text_line(&b, "    image:   ", d->image);
                if (r >= 0 && d->refspec)
                        r = escape_text_line(&b, "    refspec: ", d->refspec);
                if (r >= 0 && d->version)
                        r = escape_text_line(&b, "    version: ", d->version);
                if (r >= 0 && !d->commit_present)
                        r = buf_puts(&b, "    commit missing from the repository\n");
        }
        if (r >= 0 && b.len)
                r = output_text(out, b.data, b.len);
        if (r < 0)
                return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
        return 0;
}

/* The verification of the running deployment: each finding also says which
 * extensions sit on top of /usr (driftwatch.extensions_on_top). */
struct verify_report {
        struct fim_reporter rep;
        const struct verify_stats *stats;
};

static void json_on_top(struct json *j, const void *data)
{
        const struct verify_stats *stats = data;

        json_string(j, "extensions_on_top", stats->on_top);
}

static int report_verify_change(const struct fim_change *c, void *userdata)
{
        struct verify_report *vr = userdata;
        struct finding f;
        int r;

        r = fim_finding_from_change(&vr->rep, c, &f);
        if (r < 0)
                return r;
        if (vr->stats->n_on_top) {
                f.json_extra = json_on_top;
                f.json_extra_data = vr->stats;
        }
        r = output_emit(vr->rep.out, &f);
        finding_release(&f);
        return r;
}

int capability_image_verify(const struct dw_context *ctx, const struct sysroot *ds,
                            const struct sysroot_deployment *d, struct output *out,
                            struct verify_stats *ret_stats, struct dw_error *ret_error)
{
        _cleanup_(freep) char *msg = NULL;
        struct verify_opts vo = { .threads = ctx->threads, .progress = ctx->progress, .cancel = ctx->cancel };
        struct verify_stats stats = { 0 }, on_top = { 0 };
        struct verify_report vr = {
                .rep = {
                        .rules = ctx->rules,
                        .out = out,
                        .root = d->path,
                        .rule = ruleset_rule(ctx->rules, "DW-IMG-VERIFY"),
                        .dataset = "driftwatch.image",
                },
                .stats = &on_top,
        };
        int r;

        /* What is verified stays the deployment; the report says what is merged on it. */
        if (ds->live && d->booted)
                on_top.n_on_top = union_usr_extensions(on_top.on_top, sizeof(on_top.on_top));
        r = image_verify(ds, d, &vo, report_verify_change, &vr, &stats, &msg);
        fflush(out->f);
        if (r == -ECANCELED)
                return dw_error_set(ret_error, r, NULL, "interrupted");
        if (r < 0)
                return dw_error_set(ret_error, r, ds->sysroot, "cannot verify deployment %s.%d in sysroot '%s': %s",
                                    d->checksum, d->serial, ds->sysroot, msg ? msg : strerror(-r));
        stats.n_on_top = on_top.n_on_top;
        memcpy(stats.on_top, on_top.on_top, sizeof(stats.on_top));
        if (ret_stats)
                *ret_stats = stats;
        return 0;
}

struct etc_report {
        struct fim_reporter rep;
        struct allowlist *allow;
        const char *merge_target;
        const char *model;              /* "ostree 2022.7": whose merge rules apply */
        int64_t now;
        unsigned long differences, allowed, beyond, carried, shadows, blockers;
};

/* A change the merge fails on, or that the new image's symlink sends
 * elsewhere: an alert of its own, beside the change's finding. */
static int emit_merge_alert(struct etc_report *er, const struct finding *change, const struct merge_result *mr)
{
        bool blocked = mr->fate == MERGE_BLOCKS_DEPLOY;
        struct finding f;
        int r;

        finding_init(&f);
        f.alert = true;
        f.rule = ruleset_rule(er->rep.rules, blocked ? "DW-ETC-MERGE-BLOCKED" : "DW-ETC-MERGE-REDIRECT");
        f.category = "configuration";
        f.type = "info";
        f.action = blocked ? "merge-blocked" : "merge-redirected";
        f.dataset = "driftwatch.etc";
        f.path = change->path;
        f.path_len = change->path_len;
        f.root = change->root;
        f.merge = merge_fate_name(mr->fate);
        f.merge_target = er->merge_target;
        f.merge_reason = mr->reason;
        f.merge_model = er->model;
        f.message = blocked ? "ostree admin deploy will fail on this local change, this upgrade and every later one"
                            : "the merge writes outside /etc through a symlink of the new image";
        r = output_emit(er->rep.out, &f);
        finding_release(&f);
        return r;
}

static int on_etc_change(const struct etc_change *ec, void *userdata)
{
        struct etc_report *er = userdata;
        const struct fim_entry *cur = ec->c->new;
        const struct merge_result *mr = ec->merge;
        char allowed[512];
        struct finding f;
        int r;

        r = fim_finding_from_change(&er->rep, ec->c, &f);
        if (r < 0)
                return r;
        er->differences++;
        if (ec->beyond_config_diff) {
                f.quality[f.n_quality++] = "not-in-ostree-config-diff";
                er->beyond++;
        }
        if (mr && mr->fate != MERGE_NONE) {
                f.merge = merge_fate_name(mr->fate);
                f.merge_target = er->merge_target;
                f.merge_reason = mr->reason;
                f.merge_model = er->model;
                f.merge_loses = mr->loses;
                f.n_merge_loses = mr->n_loses;
                f.merge_loses_total = mr->loses_total;
                er->carried += mr->fate == MERGE_CARRIED || mr->fate == MERGE_CARRIED_SHADOWS;
                er->shadows += mr->fate == MERGE_CARRIED_SHADOWS;
                er->blockers += mr->fate == MERGE_BLOCKS_DEPLOY;
        }
        er->allowed += (unsigned long) allowlist_apply(er->allow, &f,
                                                       cur && (cur->flags & ENTRY_HAS_HASH) ? cur->sha256 : NULL,
                                                       er->now, allowed, sizeof(allowed));
        r = output_emit(er->rep.out, &f);
        /* An allowlist entry accepts the drift, not a broken upgrade. */
        if (r >= 0 && mr && (mr->fate == MERGE_BLOCKS_DEPLOY || mr->fate == MERGE_REDIRECTED))
                r = emit_merge_alert(er, &f, mr);
        finding_release(&f);
        return r;
}

static int emit_summary(struct etc_report *er, const struct ruleset *rules, const char *deployment)
{
        struct finding f;
        char v[6][32];
        int r = 0;

        finding_init(&f);
        f.alert = false;
        f.rule = ruleset_rule(rules, "DW-ETC-SUMMARY");
        f.category = "configuration";
        f.type = "info";
        f.action = "etc-diff-summary";
        f.dataset = "driftwatch.etc";
        snprintf(v[0], sizeof(v[0]), "%lu", er->differences);
        snprintf(v[1], sizeof(v[1]), "%lu", er->allowed);
        snprintf(v[2], sizeof(v[2]), "%lu", er->beyond);
        snprintf(v[3], sizeof(v[3]), "%lu", er->carried);
        snprintf(v[4], sizeof(v[4]), "%lu", er->shadows);
        snprintf(v[5], sizeof(v[5]), "%lu", er->blockers);
        r = finding_add_value(&f, "deployment", NULL, 0, deployment, strlen(deployment));
        r = r ?: finding_add_value(&f, "differences", NULL, 0, v[0], strlen(v[0]));
        r = r ?: finding_add_value(&f, "allowlisted", NULL, 0, v[1], strlen(v[1]));
        r = r ?: finding_add_value(&f, "beyond_config_diff", NULL, 0, v[2], strlen(v[2]));
        if (er->merge_target) {
                r = r ?: finding_add_value(&f, "merge_target", NULL, 0, er->merge_target, strlen(er->merge_target));
                r = r ?: finding_add_value(&f, "carried", NULL, 0, v[3], strlen(v[3]));
                r = r ?: finding_add_value(&f, "shadowing_image_updates", NULL, 0, v[4], strlen(v[4]));
                r = r ?: finding_add_value(&f, "deploy_blockers", NULL, 0, v[5], strlen(v[5]));
        }
        if (r >= 0)
                r = output_emit(er->rep.out, &f);
        finding_release(&f);
        return r;
}

void etc_diff_summary_release(struct etc_diff_summary *s)
{
        free(s->deployment);
        free(s->merge_target);
        *s = (struct etc_diff_summary) { 0 };
}

int capability_check_allowlist(const char *path, struct dw_error *ret_error)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return dw_error_set(ret_error, -errno, path, "cannot read allowlist '%s': %s", path, strerror(errno));
        if (S_ISDIR(st.st_mode))
                return dw_error_set(ret_error, -EISDIR, path, "cannot read allowlist '%s': %s", path,
                                    strerror(EISDIR));
        return 0;
}

/* "2022.7" as OSTREE_VERSION_NUM(2022, 7). */
static int parse_ostree_version(const char *s, unsigned *ret)
{
        unsigned y, m;
        int n = 0;

        if (sscanf(s, "%4u.%2u%n", &y, &m, &n) != 2 || s[n] != '\0' || y < 2011 || y > 2999 || m < 1 || m > 12)
                return -EINVAL;
        *ret = OSTREE_VERSION_NUM(y, m);
        return 0;
}

/* The merge target's /usr/etc: a deployment of the sysroot, else a commit or ref. */
static int load_merge_target(const struct dw_context *ctx, const struct sysroot *ds, const char *which,
                             struct fim_tree **ret, char **ret_name, struct dw_error *ret_error)
{
        static char *const usr_etc[] = { "/usr/etc" };
        const struct sysroot_deployment *d;
        _cleanup_(freep) char *msg = NULL, *commit = NULL, *dir = NULL;
        bool ambiguous = false;
        int r;

        d = sysroot_find(ds, which, &ambiguous);
        if (d) {
                if (asprintf(&dir, "%s/usr/etc", d->path) < 0 || asprintf(ret_name, "%s.%d", d->checksum, d->serial) < 0)
                        return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
                r = etc_walk(dir, ctx->threads, ctx->cancel, ret);
                if (r < 0)
                        return dw_error_set(ret_error, r, dir, "cannot read merge target '%s': %s", dir, strerror(-r));
                return 0;
        }
        if (ambiguous)
                return dw_error_set(ret_error, -EINVAL, which, "merge target '%s' is ambiguous in sysroot '%s'", which,
                                    ds->sysroot);
        r = ostree_tree_from_ref(ds->repo, which, usr_etc, 1, ctx->threads, ret, &commit, NULL, &msg);
        if (r < 0)
                return dw_error_set(ret_error, r, which, "cannot read merge target '%s' in repository '%s': %s", which,
                                    ds->repo, msg ? msg : strerror(-r));
        fim_tree_reroot(*ret, "/usr/etc");
        *ret_name = TAKE_PTR(commit);
        return 0;
}

int capability_etc_diff(const struct dw_context *ctx, const struct sysroot *ds, const struct sysroot_deployment *d,
                        const struct etc_diff_request *req, struct output *out, struct etc_diff_summary *ret_summary,
                        struct dw_error *ret_error)
{
        _cleanup_(allowlist_freep) struct allowlist *allow = NULL;
        _cleanup_(fim_tree_freep) struct fim_tree *target = NULL;
        _cleanup_(freep) char *target_name = NULL, *deployment_name = NULL;
        struct etc_diff_opts eo = { .threads = ctx->threads, .cancel = ctx->cancel };
        struct etc_report er = { 0 };
        struct etc_diff_stats stats = { 0 };
        const char *merge = req->merge, *version = req->ostree_version ?: DW_OSTREE_VERSION;
        char model[64];
        int r;

        r = parse_ostree_version(version, &eo.ostree_version);
        if (r < 0)
                return dw_error_set(ret_error, r, version, "invalid ostree version '%s' (expected YEAR.N, as 2022.7)",
                                    version);
        snprintf(model, sizeof(model), "ostree %s", version);
        er.model = model;

        if (req->allowlist) {
                r = allowlist_load(req->allowlist, false, &allow, ret_error);
                if (r < 0)
                        return r;
        }
        /* By default the merge that is already queued: the staged deployment's. */
        if (!merge && !req->no_merge && sysroot_find(ds, "staged", NULL) && d->role != SYSROOT_STAGED)
                merge = "staged";
        if (merge) {
                r = load_merge_target(ctx, ds, merge, &target, &target_name, ret_error);
                if (r < 0)
                        return r;
                eo.merge_image = target;
        }
        if (asprintf(&deployment_name, "%s.%d", d->checksum, d->serial) < 0)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");

        er.rep = (struct fim_reporter) { .rules = ctx->rules, .out = out, .root = d->path, .path_prefix = "/etc",
                                         .etc = true, .dataset = "driftwatch.etc" };
        er.allow = allow;
        er.merge_target = target_name;
        er.now = (int64_t) time(NULL);
        for (size_t k = 0; k < 2; k++) {
                /* ostree follows a symlinked /etc or /usr/etc; reading a
                 * sysroot, that could lead anywhere on the host: refused. */
                _cleanup_(freep) char *dir = NULL;
                char link[PATH_MAX];
                ssize_t n;

                if (asprintf(&dir, "%s/%s", d->path, k == 0 ? "etc" : "usr/etc") < 0)
                        return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
                n = readlink(dir, link, sizeof(link) - 1);
                if (n >= 0) {
                        link[n] = '\0';
                        return dw_error_set(ret_error, -ELOOP, dir,
                                            "'%s' is a symlink to '%s': not followed out of the deployment", dir,
                                            link);
                }
        }
        r = etc_diff(d->path, &eo, on_etc_change, &er, &stats);
        if (r >= 0)
                r = allowlist_report(er.allow, er.now, ruleset_rule(ctx->rules, "DW-ETC-ALLOW-EXPIRED"),
                                     ruleset_rule(ctx->rules, "DW-ETC-ALLOW-UNUSED"), "allowlist", "driftwatch.etc",
                                     er.rep.out);
        if (r >= 0 && out->format == OUTPUT_JSON)
                r = emit_summary(&er, ctx->rules, deployment_name);
        fflush(out->f);
        if (r == -ECANCELED)
                return dw_error_set(ret_error, r, NULL, "interrupted");
        if (r < 0)
                return dw_error_set(ret_error, r, ds->sysroot, "cannot compare /etc of deployment %s in sysroot '%s': %s",
                                    deployment_name, ds->sysroot, strerror(-r));
        if (ret_summary)
                *ret_summary = (struct etc_diff_summary) {
                        .deployment = TAKE_PTR(deployment_name), .merge_target = TAKE_PTR(target_name),
                        .differences = er.differences, .allowed = er.allowed, .beyond = er.beyond,
                        .carried = er.carried, .shadows = er.shadows, .blockers = stats.blockers,
                };
        return 0;
}
