/* driftwatch etc-diff: /etc against the deployment's /usr/etc, the way
 * `ostree admin config-diff` compares them and beyond, with an allowlist that
 * has owners, reasons and expiry dates, and the three-way merge predicted. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "basic/fd-util.h"
#include "cli.h"
#include "fim/findings.h"
#include "image/allowlist.h"
#include "image/etc-diff.h"
#include "image/ostree-source.h"
#include "image/sysroot.h"

static void help(FILE *f)
{
        fprintf(f, "usage: driftwatch etc-diff [--sysroot DIR] [--deployment WHICH] [--allowlist FILE]\n"
                   "                           [--merge-into TARGET] [--format text|json] [--threads N]\n\n"
                   "Compares /etc with the image's defaults in /usr/etc: the paths `ostree admin config-diff`\n"
                   "reports (modified, added, removed), and what it ignores (xattrs, SELinux labels, directory\n"
                   "metadata). Each finding names its persistence surface, severity, ATT&CK and NIST tags.\n\n"
                   "options:\n"
                   "  --sysroot DIR       an offline sysroot; default: this host\n"
                   "  --deployment WHICH  booted (default), staged, pending, rollback or a commit checksum\n"
                   "  --allowlist FILE    known local configuration (path or glob, optional sha256, owner,\n"
                   "                      reason, expires); matches become events, not alerts\n"
                   "  --merge-into TARGET predict ostree's three-way merge into TARGET: staged, pending,\n"
                   "                      rollback, a deployment checksum, or a commit or ref of the sysroot's\n"
                   "                      repository; default: the staged deployment when there is one\n"
                   "  --no-merge          do not predict the merge\n"
                   "  --format FORMAT     text (default) or json\n"
                   "  --threads N         worker threads (default: one per CPU)\n");
}

struct etc_report {
        struct fim_reporter rep;
        struct allowlist *allow;
        const char *merge_target;
        int64_t now;
        unsigned long differences, allowed, beyond, carried, shadows;
};

static const struct rule summary_fallback = { .id = "DW-ETC-SUMMARY", .name = "etc-diff summary",
                                              .severity = SEVERITY_LOW };
static const struct rule expired_fallback = { .id = "DW-ETC-ALLOW-EXPIRED",
                                              .name = "allowlist entry has expired", .severity = SEVERITY_MEDIUM };
static const struct rule unused_fallback = { .id = "DW-ETC-ALLOW-UNUSED",
                                             .name = "allowlist entry matches nothing", .severity = SEVERITY_LOW };

static int on_etc_change(const struct etc_change *ec, void *userdata)
{
        struct etc_report *er = userdata;
        const struct fim_entry *cur = ec->c->new;
        struct allow_entry *ae;
        char allowed[512];
        struct finding f;
        bool expired;
        int r;

        r = fim_finding_from_change(&er->rep, ec->c, &f);
        if (r < 0)
                return r;
        er->differences++;
        if (ec->beyond_config_diff) {
                f.quality[f.n_quality++] = "not-in-ostree-config-diff";
                er->beyond++;
        }
        if (ec->fate != MERGE_NONE) {
                f.merge = merge_fate_name(ec->fate);
                f.merge_target = er->merge_target;
                er->carried += ec->fate == MERGE_CARRIED || ec->fate == MERGE_CARRIED_SHADOWS;
                er->shadows += ec->fate == MERGE_CARRIED_SHADOWS;
        }
        ae = allowlist_match(er->allow, f.path, f.path_len,
                             cur && (cur->flags & ENTRY_HAS_HASH) ? cur->sha256 : NULL, er->now, &expired);
        if (ae && !expired) {
                snprintf(allowed, sizeof(allowed), "%s (owner %s, expires %s, line %zu)", ae->reason, ae->owner,
                         ae->expires, ae->line);
                f.allowed_by = allowed;
                f.alert = false;
                ae->matches++;
                er->allowed++;
        } else if (ae) {
                f.quality[f.n_quality++] = "allowlist-entry-expired";
                ae->matches++;
        }
        r = output_emit(er->rep.out, &f);
        finding_release(&f);
        return r;
}

/* Expired entries and entries that allowed nothing, so the list can shrink. */
static int report_allowlist(struct etc_report *er, const struct ruleset *rules)
{
        const struct rule *expired_rule = ruleset_rule(rules, expired_fallback.id) ?: &expired_fallback;
        const struct rule *unused_rule = ruleset_rule(rules, unused_fallback.id) ?: &unused_fallback;
        char line[32];
        size_t i;
        int r = 0;

        for (i = 0; er->allow && i < er->allow->n && r >= 0; i++) {
                struct allow_entry *ae = &er->allow->v[i];
                bool expired = allow_entry_expired(ae, er->now);
                struct finding f;

                if (!expired && ae->matches)
                        continue;
                finding_init(&f);
                f.alert = true;
                f.rule = expired ? expired_rule : unused_rule;
                f.category = "configuration";
                f.type = "info";
                f.action = expired ? "allowlist-expired" : "allowlist-unused";
                f.dataset = "driftwatch.etc";
                f.path = ae->path;
                f.path_len = strlen(ae->path);
                snprintf(line, sizeof(line), "%zu", ae->line);
                r = finding_add_value(&f, "owner", NULL, 0, ae->owner, strlen(ae->owner));
                if (r >= 0)
                        r = finding_add_value(&f, "reason", NULL, 0, ae->reason, strlen(ae->reason));
                if (r >= 0)
                        r = finding_add_value(&f, "expires", NULL, 0, ae->expires, strlen(ae->expires));
                if (r >= 0)
                        r = finding_add_value(&f, "line", NULL, 0, line, strlen(line));
                if (r >= 0)
                        r = output_emit(er->rep.out, &f);
                finding_release(&f);
        }
        return r;
}

static int emit_summary(struct etc_report *er, const struct ruleset *rules, const char *deployment)
{
        struct finding f;
        char v[5][32];
        int r = 0;

        finding_init(&f);
        f.alert = false;
        f.rule = ruleset_rule(rules, summary_fallback.id) ?: &summary_fallback;
        f.category = "configuration";
        f.type = "info";
        f.action = "etc-diff-summary";
        f.dataset = "driftwatch.etc";
        snprintf(v[0], sizeof(v[0]), "%lu", er->differences);
        snprintf(v[1], sizeof(v[1]), "%lu", er->allowed);
        snprintf(v[2], sizeof(v[2]), "%lu", er->beyond);
        snprintf(v[3], sizeof(v[3]), "%lu", er->carried);
        snprintf(v[4], sizeof(v[4]), "%lu", er->shadows);
        r = finding_add_value(&f, "deployment", NULL, 0, deployment, strlen(deployment));
        r = r ?: finding_add_value(&f, "differences", NULL, 0, v[0], strlen(v[0]));
        r = r ?: finding_add_value(&f, "allowlisted", NULL, 0, v[1], strlen(v[1]));
        r = r ?: finding_add_value(&f, "beyond_config_diff", NULL, 0, v[2], strlen(v[2]));
        if (er->merge_target) {
                r = r ?: finding_add_value(&f, "merge_target", NULL, 0, er->merge_target, strlen(er->merge_target));
                r = r ?: finding_add_value(&f, "carried", NULL, 0, v[3], strlen(v[3]));
                r = r ?: finding_add_value(&f, "shadowing_image_updates", NULL, 0, v[4], strlen(v[4]));
        }
        if (r >= 0)
                r = output_emit(er->rep.out, &f);
        finding_release(&f);
        return r;
}

int cli_check_allowlist(const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return error("cannot read allowlist '%s': %s", path, strerror(errno));
        if (S_ISDIR(st.st_mode))
                return error("cannot read allowlist '%s': %s", path, strerror(EISDIR));
        return EXIT_CLEAN;
}

static int load_allowlist(const char *path, struct allowlist **ret)
{
        _cleanup_(freep) char *text = NULL, *msg = NULL;
        size_t len = 0;
        int r;

        r = read_file(path, ALLOWLIST_MAX_BYTES, &text, &len);
        if (r < 0)
                return error("cannot read allowlist '%s': %s", path, strerror(-r));
        r = allowlist_parse(text, len, ret, &msg);
        if (r < 0)
                return error("cannot load allowlist '%s': %s", path, msg ? msg : strerror(-r));
        return EXIT_CLEAN;
}

/* The merge target's /usr/etc: a deployment of the sysroot, else a commit or ref. */
static int load_merge_target(const struct sysroot *ds, const char *which, unsigned threads,
                             struct fim_tree **ret, char **ret_name)
{
        static char *const usr_etc[] = { "/usr/etc" };
        const struct sysroot_deployment *d;
        _cleanup_(freep) char *msg = NULL, *commit = NULL, *dir = NULL;
        bool ambiguous = false;
        int r;

        d = sysroot_find(ds, which, &ambiguous);
        if (d) {
                if (asprintf(&dir, "%s/usr/etc", d->path) < 0 || asprintf(ret_name, "%s.%d", d->checksum, d->serial) < 0)
                        return error("out of memory");
                r = etc_walk(dir, threads, &cli_cancel, ret);
                if (r < 0)
                        return error("cannot read merge target '%s': %s", dir, strerror(-r));
                return EXIT_CLEAN;
        }
        if (ambiguous)
                return error("merge target '%s' is ambiguous in sysroot '%s'", which, ds->sysroot);
        r = ostree_tree_from_ref(ds->repo, which, usr_etc, 1, threads, ret, &commit, NULL, &msg);
        if (r < 0)
                return error("cannot read merge target '%s' in repository '%s': %s", which, ds->repo,
                             msg ? msg : strerror(-r));
        fim_tree_reroot(*ret, "/usr/etc");
        *ret_name = TAKE_PTR(commit);
        return EXIT_CLEAN;
}

int run_etc_diff(struct output *out, const struct ruleset *rules, const struct sysroot *ds,
                 const struct sysroot_deployment *d, const struct etc_diff_request *req)
{
        _cleanup_(allowlist_freep) struct allowlist *allow = NULL;
        _cleanup_(fim_tree_freep) struct fim_tree *target = NULL;
        _cleanup_(freep) char *target_name = NULL, *deployment_name = NULL;
        struct etc_diff_opts eo = { .threads = req->threads, .cancel = &cli_cancel };
        struct etc_report er = { 0 };
        const char *merge = req->merge;
        unsigned long alerts = out->alerts;
        int r;

        if (req->allowlist) {
                r = load_allowlist(req->allowlist, &allow);
                if (r != EXIT_CLEAN)
                        return r;
        }
        /* By default the merge that is already queued: the staged deployment's. */
        if (!merge && !req->no_merge && sysroot_find(ds, "staged", NULL) && d->role != SYSROOT_STAGED)
                merge = "staged";
        if (merge) {
                r = load_merge_target(ds, merge, eo.threads, &target, &target_name);
                if (r != EXIT_CLEAN)
                        return r;
                eo.merge_image = target;
        }
        if (asprintf(&deployment_name, "%s.%d", d->checksum, d->serial) < 0)
                return error("out of memory");

        er.rep = (struct fim_reporter) { .rules = rules, .out = out, .root = d->path, .path_prefix = "/etc",
                                         .etc = true, .dataset = "driftwatch.etc" };
        er.allow = allow;
        er.merge_target = target_name;
        er.now = (int64_t) time(NULL);
        r = etc_diff(d->path, &eo, on_etc_change, &er);
        if (r >= 0)
                r = report_allowlist(&er, rules);
        if (r >= 0 && out->format == OUTPUT_JSON)
                r = emit_summary(&er, rules, deployment_name);
        fflush(out->f);
        if (r == -ECANCELED)
                return error("interrupted");
        if (r < 0)
                return error("cannot compare /etc of deployment %s in sysroot '%s': %s", deployment_name,
                             ds->sysroot, strerror(-r));
        if (!cli.quiet && out->format == OUTPUT_TEXT) {
                fprintf(stderr, "/etc of deployment %s: %lu differences from /usr/etc (%lu beyond ostree "
                                "config-diff), %lu allowlisted, %lu alerts", deployment_name, er.differences,
                        er.beyond, er.allowed, out->alerts - alerts);
                if (target_name)
                        fprintf(stderr, "; into %s the merge carries %lu local changes, %lu of them hiding an "
                                        "image update", target_name, er.carried, er.shadows);
                fputc('\n', stderr);
        }
        return EXIT_CLEAN;
}

int cmd_etc_diff(int argc, char **argv)
{
        static const struct option opts[] = {
                { "sysroot",    required_argument, NULL, 's' },
                { "deployment", required_argument, NULL, 'd' },
                { "allowlist",  required_argument, NULL, 'a' },
                { "merge-into", required_argument, NULL, 'm' },
                { "no-merge",   no_argument,       NULL, 'n' },
                { "format",     required_argument, NULL, 'F' },
                { "threads",    required_argument, NULL, 't' },
                { "help",       no_argument,       NULL, 'h' },
                {}
        };
        _cleanup_(sysroot_freep) struct sysroot *ds = NULL;
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        const char *sysroot = NULL, *which = "booted";
        enum output_format format = OUTPUT_TEXT;
        const struct sysroot_deployment *d;
        struct etc_diff_request req = { 0 };
        struct output out;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 's':
                        sysroot = optarg;
                        break;
                case 'd':
                        which = optarg;
                        break;
                case 'a':
                        req.allowlist = optarg;
                        break;
                case 'm':
                        req.merge = optarg;
                        break;
                case 'n':
                        req.no_merge = true;
                        break;
                case 'F':
                        r = cli_format_option("etc-diff", optarg, &format);
                        if (r != EXIT_CLEAN)
                                return r;
                        break;
                case 't':
                        r = cli_threads_option("etc-diff", optarg, &req.threads);
                        if (r != EXIT_CLEAN)
                                return r;
                        break;
                case 'h':
                        help(stdout);
                        return EXIT_CLEAN;
                default:
                        return EXIT_TROUBLE;
                }
        }
        if (optind < argc)
                return usage_error("etc-diff", "unexpected argument '%s'", argv[optind]);
        if (req.merge && req.no_merge)
                return usage_error("etc-diff", "--merge-into and --no-merge exclude each other");
        if (req.allowlist && cli_check_allowlist(req.allowlist) != EXIT_CLEAN)
                return EXIT_TROUBLE;

        r = cli_open_sysroot(sysroot, which, &rules, &ds, &d);
        if (r != EXIT_CLEAN)
                return r;
        output_init(&out, format, stdout, cli_hostname());
        r = run_etc_diff(&out, rules, ds, d, &req);
        return r != EXIT_CLEAN ? r : cli_exit_status(&out);
}
