/* driftwatch container diff: option table over capability_container_diff
 * (capability/container.h); the container subcommands' table (digests and
 * posture are in cmd-container-digests.c). */
#include <stdio.h>
#include <stdlib.h>

#include "capability/container.h"
#include "cli.h"
#include "options.h"

static int container_diff(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        _cleanup_(freep) char **operands = NULL;
        struct container_diff_request req = { 0 };
        struct container_diff_summary sum = { 0 };
        enum output_format format = OUTPUT_TEXT;
        size_t n_operands = 0;
        long pid = 0;
        unsigned threads = 0;
        const struct option_spec options[] = {
                OPT_STRING("storage-root", &req.storage_root, "DIR",
                           "the containers-storage root; default /var/lib/containers/storage"),
                OPT_STRING("docker-root", &req.docker_root, "DIR",
                           "Docker's overlay2 layout instead (its root, /var/lib/docker by default)"),
                OPT_NUMBER("pid", &pid, 1, 4194304, "PID",
                        "the container process PID runs in, from its root overlay mount in /proc (any runtime)"),
                OPT_BOOL("all", &req.all,
                         "also the files every runtime injects (/etc/hosts, /etc/resolv.conf, /run/.containerenv, "
                         "mount points), which podman diff hides"),
                OPT_THREADS(&threads),
                OPT_FORMAT(&format),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "container diff",
                .description =
                        "Compares each container (podman, CRI-O: containers-storage with the overlay driver;\n"
                        "Docker's overlay2 with --docker-root) with\n"
                        "its image: files added, modified (content byte by byte, mode, owner, type, xattrs, symlink\n"
                        "target) and deleted, resolved as overlayfs does (whiteouts, opaque directories, redirects,\n"
                        "metacopy), with the image layer each original came from. New executables and package\n"
                        "database changes are alerts of their own. Every container by default; a name or an id\n"
                        "prefix picks one. --pid PID compares the container a live process runs in, whatever\n"
                        "its runtime, from the overlay mount at its root (/proc/PID/mountinfo). docs/container.md\n"
                        "has the details.",
                .operands = "[CONTAINER...]",
                .max_operands = 1024,
                .options = options,
        };
        struct dw_context ctx;
        _cleanup_(output_release) struct output out = { 0 };   /* what a failed run held */
        int r = options_parse(&spec, argc, argv, &operands, &n_operands);

        if (r != PARSE_OK)
                return options_exit(r);
        if (req.storage_root && !req.storage_root[0])
                return usage_error("container diff", "--storage-root needs a directory");
        req.pid = (int) pid;
        if (req.pid && (n_operands || req.storage_root || req.docker_root))
                return usage_error("container diff", "--pid goes without containers, --storage-root and --docker-root");
        if (req.storage_root && req.docker_root)
                return usage_error("container diff", "--storage-root and --docker-root exclude each other");
        if (req.docker_root && !req.docker_root[0])
                return usage_error("container diff", "--docker-root needs a directory");
        req.containers = operands;
        req.n_containers = n_operands;
        r = cli_load_rules(&rules);
        if (r != EXIT_CLEAN)
                return r;
        cli_context(&ctx, rules, threads, NULL);
        cli_output_init(&out, format, ctx.host);
        cli_run_cover(req.pid ? "pid" : req.docker_root ? req.docker_root :
                      req.storage_root ? req.storage_root : "/var/lib/containers/storage");
        for (size_t i = 0; i < n_operands; i++)
                cli_run_cover(operands[i]);
        r = capability_container_diff(&ctx, &req, &out, &sum, &err);
        if (r < 0 && sum.n_containers == 0 && sum.n_failed == 0)
                return cli_fail(&err);
        if (format == OUTPUT_TEXT)
                cli_note(&out, "%zu container%s compared with %s: %lu added, %lu modified, %lu deleted",
                         sum.n_containers, plural_s(sum.n_containers), sum.n_containers == 1 ? "its image" : "their images",
                         sum.added, sum.modified, sum.deleted);
        if (r < 0)
                return cli_fail(&err);
        return cli_exit_status(&out);
}

int cmd_container(int argc, char **argv)
{
        static const struct subcommand subs[] = {
                { "diff", container_diff, "compare containers with their images: added, modified, deleted files" },
                { "digests", cmd_container_digests,
                  "running image digests against an approved manifest; mutable tags (kubectl pods JSON)" },
                { "posture", cmd_container_posture,
                  "pod and container security posture from kubectl JSON: privileges, host namespaces, hostPath" },
        };

        return options_dispatch("container", subs, ARRAY_SIZE(subs), argc, argv);
}
