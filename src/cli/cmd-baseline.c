/* driftwatch baseline create | show: option tables over capability/baseline.h. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capability/baseline.h"
#include "cli.h"
#include "options.h"

static int baseline_create(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        struct baseline_create_request req = { .paths_must_match = true };
        struct baseline_create_summary sum = { 0 };
        struct walk_progress progress = { 0 };
        char **paths = NULL;
        size_t n_paths = 0;
        unsigned threads = 0;
        const struct option_spec options[] = {
                OPT_REQUIRED_STRING("from", &req.source, "SOURCE", "what to record: dir:PATH, ostree:REPO:REF or an image"),
                OPT_REQUIRED_STRING("out", &req.out, "FILE",
                                    "the baseline to write; replaced only once the new one is complete"),
                OPT_PATHS("path", &paths, &n_paths, "PREFIX", "record only below PREFIX; default: everything"),
                OPT_STRING("storage-root", &req.storage_root, "DIR",
                           "containers-storage: sources: the storage (default /var/lib/containers/storage)"),
                OPT_THREADS(&threads),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "baseline create",
                .description =
                        "Records every entry below SOURCE: type, mode, uid, gid, size, mtime, SHA-256 of the\n"
                        "content, symlink target, device numbers, hardlink identity and every xattr.\n\n"
                        "sources:\n"
                        "  dir:PATH           a directory; paths are stored relative to PATH\n"
                        "  ostree:REPO:REF    a ref or commit of an ostree repository, read without a checkout\n"
                        "                     (REPO may not contain ':'; REF may, as in remote:ref)\n"
                        "  oci:DIR[:TAG]      an OCI image layout (TAG: org.opencontainers.image.ref.name)\n"
                        "  oci-archive:FILE[:TAG]      the same in a tar\n"
                        "  docker-archive:FILE[:TAG]   a docker save / skopeo docker-archive tar\n"
                        "  containers-storage:IMAGE    an image of podman / CRI-O storage (--storage-root)\n"
                        "                     images: every blob's digest and every layer's DiffID verified,\n"
                        "                     layers flattened (whiteouts, opaque directories), nothing extracted",
                .options = options,
        };
        struct progress_ui *ui;
        struct dw_context ctx;
        int r = options_run(&spec, argc, argv, NULL, NULL);

        if (r != PARSE_OK) {
                cli_strv_free(paths, n_paths);
                return options_exit(r);
        }
        req.paths = paths;
        req.n_paths = n_paths;
        cli_context(&ctx, NULL, threads, &progress);
        ui = progress_start("baseline", &progress);
        r = capability_baseline_create(&ctx, &req, &sum, &err);
        progress_stop(ui);
        cli_strv_free(paths, n_paths);
        if (r < 0)
                return cli_fail(&err);
        if (!cli.quiet) {
                printf("baseline '%s': %zu entries from %s", req.out, sum.entries, req.source);
                if (sum.commit)
                        printf(" (%s %s)", strncmp(req.source, "ostree:", 7) == 0 ? "commit" : "image", sum.commit);
                printf(", %llu files hashed (%.1f MiB)\n", sum.walk.hashed,
                       (double) sum.walk.bytes_hashed / (1 << 20));
                if (sum.walk.errors)
                        warning("%llu entries could not be read fully; they are recorded as unreadable",
                                sum.walk.errors);
        }
        free(sum.commit);
        return EXIT_CLEAN;
}

static int baseline_show(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(freep) char **operands = NULL;
        struct baseline_show_request req = { 0 };
        const struct option_spec options[] = {
                OPT_BOOL("entries", &req.entries, "list every entry as well"),
                OPT_FORMAT(&req.format),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "baseline show",
                .description = "Describes a baseline; --entries lists every entry as well.",
                .operands = "FILE",
                .min_operands = 1,
                .max_operands = 1,
                .options = options,
        };
        size_t n = 0;
        int r = options_run(&spec, argc, argv, &operands, &n);

        if (r != PARSE_OK)
                return options_exit(r);
        req.path = operands[0];
        r = capability_baseline_show(&req, stdout, &err);
        return r < 0 ? cli_fail(&err) : EXIT_CLEAN;
}

int cmd_baseline(int argc, char **argv)
{
        static const struct subcommand subs[] = {
                { "create", baseline_create, "record a baseline of a directory or an ostree commit" },
                { "show", baseline_show, "describe a baseline (and list its entries)" },
        };

        return options_dispatch("baseline", subs, ARRAY_SIZE(subs), argc, argv);
}
