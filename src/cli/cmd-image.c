/* driftwatch image deployments | verify: option tables over capability/image.h. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "capability/image.h"
#include "capability/pending-image.h"
#include "cli.h"
#include "options.h"

void cli_report_verify(const char *deployment, const struct verify_stats *stats, unsigned long alerts,
                       struct output *out)
{
        if (out->format != OUTPUT_TEXT)
                return;
        cli_note(out, "verified %llu entr%s (%llu file%s) of deployment %s against its commit: %lu alert%s, "
                      "%llu file%s differ%s, %llu repository object%s modified in place",
                 stats->entries, stats->entries == 1 ? "y" : "ies", stats->files, plural_s(stats->files), deployment,
                 alerts, plural_s(alerts), stats->mismatched, plural_s(stats->mismatched),
                 stats->mismatched == 1 ? "s" : "", stats->corrupt_objects, plural_s(stats->corrupt_objects));
        if (stats->n_on_top)
                cli_note(out, "%u extension%s merged on top of its /usr (not part of the deployment, not verified): %s",
                         stats->n_on_top, plural_s(stats->n_on_top), stats->on_top);
}

struct image_options {
        const char *sysroot, *which;
        enum output_format format;
        unsigned threads;
};

/* The rules and the sysroot (and deployment, unless which is NULL) an image
 * command starts with. */
static int open_image(const struct image_options *o, const char *which, struct ruleset **ret_rules,
                      struct sysroot **ret_ds, const struct sysroot_deployment **ret_d)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        int r = cli_load_rules(ret_rules);

        if (r != EXIT_CLEAN)
                return r;
        return capability_open_sysroot(o->sysroot, which, false, ret_ds, ret_d, &err) < 0 ? cli_fail(&err) : EXIT_CLEAN;
}

static int image_deployments(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(sysroot_freep) struct sysroot *ds = NULL;
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        struct image_options o = { 0 };
        const struct option_spec options[] = {
                OPT_STRING("sysroot", &o.sysroot, "DIR", "an offline sysroot (a mounted disk image); default: this host"),
                OPT_FORMAT(&o.format),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "image deployments",
                .description = "Lists the ostree deployments: os, commit, serial, origin refspec or container image,\n"
                               "role (booted, staged, pending, rollback), pinned, unlocked.",
                .options = options,
        };
        struct dw_context ctx;
        _cleanup_(output_release) struct output out = { 0 };   /* what a failed run held */
        int r = options_run(&spec, argc, argv, NULL, NULL);

        if (r != PARSE_OK)
                return options_exit(r);
        r = open_image(&o, NULL, &rules, &ds, NULL);
        if (r != EXIT_CLEAN)
                return r;
        cli_context(&ctx, rules, 0, NULL);
        cli_output_init(&out, o.format, ctx.host);
        cli_output_analysed(&out, ds->live ? "/" : ds->n ? ds->v[0].path : NULL);
        cli_run_cover(ds->sysroot);
        /* text: the summary, then the list (as ostree admin status) that shows the events */
        out.events_listed = true;
        if (o.format == OUTPUT_TEXT && capability_deployments_text(ds, &out, &err) < 0)
                return cli_fail(&err);
        if (capability_deployments(&ctx, ds, &out, &err) < 0)
                return cli_fail(&err);
        return cli_exit_status(&out);
}

static int image_verify_cmd(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(freep) char *name = NULL;
        struct verify_stats stats = { 0 };
        struct progress_ui *ui;
        _cleanup_(sysroot_freep) struct sysroot *ds = NULL;
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        struct image_options o = { .which = "booted" };
        const struct option_spec options[] = {
                OPT_STRING("sysroot", &o.sysroot, "DIR", "an offline sysroot (a mounted disk image); default: this host"),
                OPT_STRING("deployment", &o.which, "WHICH",
                           "booted (default; offline: 'default', the boot loader's first), staged, pending, "
                           "rollback, or a commit checksum (6+ hex digits, or CHECKSUM.SERIAL)"),
                OPT_FORMAT(&o.format),
                OPT_THREADS(&o.threads),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "image verify",
                .description = "Checks every entry under the deployment's /usr against its ostree commit: content,\n"
                               "type, mode, uid, gid, symlink target and xattrs, by ostree's own object checksums\n"
                               "(an in-place edit of a hardlinked file is caught).",
                .options = options,
        };
        const struct sysroot_deployment *d = NULL;
        struct walk_progress progress = { 0 };
        struct dw_context ctx;
        _cleanup_(output_release) struct output out = { 0 };   /* what a failed run held */
        int r = options_run(&spec, argc, argv, NULL, NULL);

        if (r != PARSE_OK)
                return options_exit(r);
        r = open_image(&o, o.which, &rules, &ds, &d);
        if (r != EXIT_CLEAN)
                return r;
        cli_context(&ctx, rules, o.threads, &progress);
        cli_output_init(&out, o.format, ctx.host);
        cli_output_analysed(&out, ds->live ? "/" : d->path);
        cli_run_cover(d->path);
        ui = progress_start("image verify", &progress);
        r = capability_image_verify(&ctx, ds, d, &out, &stats, &err);
        progress_stop(ui);
        if (r < 0)
                return cli_fail(&err);
        if (asprintf(&name, "%s.%d", d->checksum, d->serial) < 0)
                return error("out of memory");
        cli_report_verify(name, &stats, out.alerts, &out);
        return cli_exit_status(&out);
}

/* A subcommand of `image`, not an option of `status`: it verifies an image's
 * content as `image verify` does a deployment's (status only compares what
 * bootc reports from one run to the next), and it is the image bootc will
 * deploy next, which `image` is about. */
static int image_verify_pending(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        struct pending_image_request req = { 0 };
        struct pending_image_summary sum = { 0 };
        enum output_format format = OUTPUT_TEXT;
        const struct option_spec options[] = {
                OPT_STRING("storage-root", &req.storage_root, "DIR",
                           "the container storage (default /var/lib/containers/storage)"),
                OPT_STRING("bootc-json", &req.bootc_json, "FILE",
                           "`bootc status --format=json` output ('-': standard input); default: run bootc"),
                OPT_STRING("image", &req.image, "IMAGE", "verify this image (id, id prefix or name) instead of the staged one"),
                OPT_BOOL("no-bootc", &req.no_bootc, "with --image: compare with no bootc status"),
                OPT_FORMAT(&format),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "image verify-pending",
                .description =
                        "Verifies the host image bootc reports as staged (or --image), and the update it fetched\n"
                        "and cached (status.booted.cachedUpdate, found by its digest; when container storage does\n"
                        "not have it, a finding says which image is pending and from where), as container storage\n"
                        "holds it, before the reboot that would boot it: the manifest's digest against images.json and\n"
                        "bootc, the config against the image id, every layer's DiffID rebuilt from its tar-split\n"
                        "file and diff directory. A mismatch is a critical alert (DW-CTR-PENDING-IMAGE-TAMPERED).",
                .options = options,
        };
        struct dw_context ctx;
        _cleanup_(output_release) struct output out = { 0 };   /* what a failed run held */
        int r = options_run(&spec, argc, argv, NULL, NULL);

        if (r != PARSE_OK)
                return options_exit(r);
        if (req.no_bootc && !req.image)
                return usage_error("image verify-pending", "--no-bootc needs --image");
        r = cli_load_rules(&rules);
        if (r != EXIT_CLEAN)
                return r;
        cli_context(&ctx, rules, 0, NULL);
        cli_output_init(&out, format, ctx.host);
        cli_run_cover(req.storage_root ? req.storage_root : "/var/lib/containers/storage");
        cli_run_cover(req.bootc_json);
        r = capability_pending_image(&ctx, &req, &out, &sum, &err);
        if (r < 0)
                return cli_fail(&err);
        for (size_t i = 0; i < sum.n; i++)
                cli_note(&out, "%s image %s (manifest %s): %zu layer%s verified, %zu problem%s", sum.verified[i].role,
                         sum.verified[i].image,
                         sum.verified[i].manifest_digest[0] ? sum.verified[i].manifest_digest : "-",
                         sum.verified[i].layers, plural_s(sum.verified[i].layers), sum.verified[i].problems,
                         plural_s(sum.verified[i].problems));
        return cli_exit_status(&out);
}

int cmd_image(int argc, char **argv)
{
        static const struct subcommand subs[] = {
                { "deployments", image_deployments, "list the ostree deployments of this host or a sysroot" },
                { "verify", image_verify_cmd, "verify a deployment's /usr against its ostree commit" },
                { "verify-pending", image_verify_pending,
                  "verify the next host image in container storage against its manifest and bootc" },
        };

        return options_dispatch("image", subs, ARRAY_SIZE(subs), argc, argv);
}
