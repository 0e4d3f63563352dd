/* driftwatch image deployments | verify: the ostree deployments of a host (live
 * or an offline sysroot) and the verification of one deployment's /usr against
 * its commit. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "cli.h"
#include "fim/findings.h"
#include "image/sysroot.h"
#include "image/verify.h"
#include "report/json.h"

static void help(FILE *f)
{
        fprintf(f, "usage: driftwatch image deployments [--sysroot DIR] [--format text|json]\n"
                   "       driftwatch image verify [--sysroot DIR] [--deployment WHICH] [--format text|json]\n"
                   "                               [--threads N]\n\n"
                   "deployments  lists the ostree deployments: os, commit, serial, origin refspec or\n"
                   "             container image, role (booted, staged, pending, rollback), pinned, unlocked\n"
                   "verify       checks every entry under the deployment's /usr against its ostree commit:\n"
                   "             content, type, mode, uid, gid, symlink target and xattrs, by ostree's own\n"
                   "             object checksums (an in-place edit of a hardlinked file is caught)\n\n"
                   "options:\n"
                   "  --sysroot DIR      an offline sysroot (a mounted disk image); default: this host\n"
                   "  --deployment WHICH booted (default), staged, pending, rollback, or a commit checksum\n"
                   "                     (a prefix of 6+ hex digits, or CHECKSUM.SERIAL)\n"
                   "                     offline, 'booted' is the default (first) deployment\n"
                   "  --format FORMAT    text (default) or json\n"
                   "  --threads N        worker threads (default: one per CPU)\n");
}

/* Loads the deployments named by --sysroot, or this host's; prints errors. */
int cli_load_deployments(const char *sysroot, struct sysroot **ret)
{
        _cleanup_(freep) char *msg = NULL;
        int r;

        r = sysroot_load(sysroot, ret, &msg);
        if (r == -ENOENT && !sysroot)
                return error("this host has no ostree deployment (no /run/ostree-booted); use --sysroot DIR");
        if (r == -ENOENT)
                return error("cannot read sysroot '%s': no ostree deployments there", sysroot);
        if (r < 0)
                return error("cannot read sysroot '%s': %s", sysroot ? sysroot : "/", msg ? msg : strerror(-r));
        return EXIT_CLEAN;
}

int cli_open_sysroot(const char *sysroot, const char *which, struct ruleset **ret_rules, struct sysroot **ret_ds,
                     const struct sysroot_deployment **ret_d)
{
        int r;

        r = cli_load_rules(ret_rules);
        if (r == EXIT_CLEAN)
                r = cli_load_deployments(sysroot, ret_ds);
        if (r == EXIT_CLEAN && which)
                r = cli_pick_deployment(*ret_ds, which, ret_d);
        return r;
}

int cli_pick_deployment(const struct sysroot *ds, const char *which, const struct sysroot_deployment **ret)
{
        bool ambiguous = false;

        *ret = sysroot_find(ds, which, &ambiguous);
        if (*ret)
                return EXIT_CLEAN;
        if (ambiguous)
                return error("deployment '%s' is ambiguous in sysroot '%s'", which, ds->sysroot);
        return error("no deployment '%s' in sysroot '%s'", which, ds->sysroot);
}

static int emit_deployment(struct output *out, const struct rule *rule, const struct sysroot_deployment *d)
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
        VALUE("role", sysroot_role_name(d->role));
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

static const struct rule deployment_fallback = { .id = "DW-IMG-DEPLOYMENT", .name = "ostree deployment",
                                                 .severity = SEVERITY_LOW };
static const struct rule verify_fallback = { .id = "DW-IMG-VERIFY",
                                             .name = "deployed file differs from its ostree commit",
                                             .severity = SEVERITY_CRITICAL };

int run_deployments_inventory(struct output *out, const struct ruleset *rules, const struct sysroot *ds)
{
        const struct rule *rule = ruleset_rule(rules, deployment_fallback.id) ?: &deployment_fallback;
        size_t i;
        int r;

        for (i = 0; i < ds->n; i++) {
                r = emit_deployment(out, rule, &ds->v[i]);
                if (r < 0)
                        return error("cannot write output: %s", strerror(-r));
        }
        return EXIT_CLEAN;
}

static int print_deployments(const struct sysroot *ds)
{
        _cleanup_(buf_release) struct buf b = { 0 };
        size_t i;
        int r;

        buf_init(&b, 0);
        r = buf_puts(&b, "sysroot ");
        if (r >= 0)
                r = escape_text_token(&b, ds->sysroot, strlen(ds->sysroot));
        if (r >= 0)
                r = buf_puts(&b, ds->live ? " (this host)\n" : "\n");
        for (i = 0; r >= 0 && i < ds->n; i++) {
                const struct sysroot_deployment *d = &ds->v[i];

                r = buf_printf(&b, "%c %-8s ", d->role == SYSROOT_BOOTED ? '*' : ' ', sysroot_role_name(d->role));
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
        if (r < 0)
                return error("cannot write output: %s", strerror(-r));
        if (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) != 0)
                return error("cannot write output: %s", strerror(errno));
        return EXIT_CLEAN;
}

int run_image_verify(struct output *out, const struct ruleset *rules, const struct sysroot *ds,
                     const struct sysroot_deployment *d, unsigned threads)
{
        _cleanup_(freep) char *msg = NULL;
        struct walk_progress progress = { 0 };
        struct verify_opts vo = { .threads = threads, .progress = &progress, .cancel = &cli_cancel };
        struct verify_stats stats = { 0 };
        unsigned long alerts = out->alerts;
        struct fim_reporter rep = {
                .rules = rules,
                .out = out,
                .root = d->path,
                .rule = ruleset_rule(rules, verify_fallback.id) ?: &verify_fallback,
                .dataset = "driftwatch.image",
        };
        struct progress_ui *ui;
        int r;

        ui = progress_start("verify", &progress);
        r = image_verify(ds, d, &vo, fim_report_change, &rep, &stats, &msg);
        progress_stop(ui);
        fflush(out->f);
        if (r == -ECANCELED)
                return error("interrupted");
        if (r < 0)
                return error("cannot verify deployment %s.%d in sysroot '%s': %s", d->checksum, d->serial,
                             ds->sysroot, msg ? msg : strerror(-r));
        if (!cli.quiet && out->format == OUTPUT_TEXT)
                fprintf(stderr, "verified %llu entries (%llu files) of deployment %s.%d against its commit: "
                                "%lu alerts, %llu files differ, %llu repository objects modified in place\n",
                        stats.entries, stats.files, d->checksum, d->serial, out->alerts - alerts, stats.mismatched,
                        stats.corrupt_objects);
        return EXIT_CLEAN;
}

static int image_cmd(const char *action, const char *sysroot, const char *which, enum output_format format,
                     unsigned threads)
{
        _cleanup_(sysroot_freep) struct sysroot *ds = NULL;
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        const struct sysroot_deployment *d;
        struct output out;
        int r;

        r = cli_open_sysroot(sysroot, NULL, &rules, &ds, NULL);
        if (r != EXIT_CLEAN)
                return r;
        output_init(&out, format, stdout, cli_hostname());
        if (strcmp(action, "deployments") == 0) {
                if (format == OUTPUT_TEXT)
                        return print_deployments(ds);
                r = run_deployments_inventory(&out, rules, ds);
        } else {
                r = cli_pick_deployment(ds, which, &d);
                if (r == EXIT_CLEAN)
                        r = run_image_verify(&out, rules, ds, d, threads);
        }
        return r != EXIT_CLEAN ? r : cli_exit_status(&out);
}

int cmd_image(int argc, char **argv)
{
        static const struct option opts[] = {
                { "sysroot",    required_argument, NULL, 's' },
                { "deployment", required_argument, NULL, 'd' },
                { "format",     required_argument, NULL, 'F' },
                { "threads",    required_argument, NULL, 't' },
                { "help",       no_argument,       NULL, 'h' },
                {}
        };
        enum output_format format = OUTPUT_TEXT;
        const char *sysroot = NULL, *which = "booted", *action;
        unsigned threads = 0;
        int c, r;

        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                help(argc < 2 ? stderr : stdout);
                return argc < 2 ? EXIT_TROUBLE : EXIT_CLEAN;
        }
        action = argv[1];
        argc--, argv++;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 's':
                        sysroot = optarg;
                        break;
                case 'd':
                        which = optarg;
                        break;
                case 'F':
                        r = cli_format_option("image", optarg, &format);
                        if (r != EXIT_CLEAN)
                                return r;
                        break;
                case 't':
                        r = cli_threads_option("image", optarg, &threads);
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
                return usage_error("image", "unexpected argument '%s'", argv[optind]);
        if (strcmp(action, "deployments") == 0 || strcmp(action, "verify") == 0)
                return image_cmd(action, sysroot, which, format, threads);
        return usage_error("image", "unknown action '%s' (deployments or verify)", action);
}
