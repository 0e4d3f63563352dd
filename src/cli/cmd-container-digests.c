/* driftwatch container digests | posture: option tables over
 * capability/container-digests.h. */
#include <stdio.h>
#include <string.h>

#include "capability/container-digests.h"
#include "cli.h"
#include "options.h"

static void report(const struct container_digests_summary *sum, struct output *out)
{
        char approved[128] = "", unused[64] = "", templates[64] = "", namespaces[64] = "";

        if (out->format != OUTPUT_TEXT)
                return;
        /* what was read; a count of none is left out (the first line has the alerts) */
        if (sum->approved_without_digest)
                snprintf(unused, sizeof(unused), " (%zu without a digest, not used)", sum->approved_without_digest);
        if (sum->approved || sum->approved_without_digest)
                snprintf(approved, sizeof(approved), ", %zu approved reference%s%s", sum->approved,
                         plural_s(sum->approved), unused);
        if (sum->templates)
                snprintf(templates, sizeof(templates), ", %zu pod template%s", sum->templates,
                         plural_s(sum->templates));
        if (sum->namespaces)
                snprintf(namespaces, sizeof(namespaces), ", %zu namespace%s", sum->namespaces,
                         plural_s(sum->namespaces));
        cli_note(out, "read %zu pod%s%s, %zu container%s%s%s", sum->pods, plural_s(sum->pods), templates,
                 sum->containers, plural_s(sum->containers), approved, namespaces);
}

static int run(const char *name, int argc, char **argv, bool posture)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        struct container_digests_request req = { 0 };
        struct container_digests_summary sum = { 0 };
        enum output_format format = OUTPUT_TEXT;
        const struct option_spec digests_options[] = {
                OPT_STRING("pods", &req.pods, "FILE",
                           "`kubectl get pods -o json` output (a List of Pods, or workloads' pod templates); "
                           "- for stdin"),
                OPT_STRING("approved", &req.approved, "FILE",
                           "the approved images: one reference with its @sha256: digest per line (# comments), "
                           "or Deployment / Pod / List specs in JSON"),
                OPT_STRING("storage-root", &req.storage_root, "DIR",
                           "without --pods: the local engine's containers-storage (podman, CRI-O); default "
                           "/var/lib/containers/storage"),
                OPT_FORMAT(&format),
                OPT_END(),
        };
        const struct option_spec posture_options[] = {
                OPT_STRING("pods", &req.pods, "FILE",
                           "`kubectl get pods -o json` output, or workloads (Deployments, ...) in JSON; - for stdin"),
                OPT_STRING("namespaces", &req.namespaces, "FILE",
                           "`kubectl get namespaces -o json`: namespaces without pod-security enforce=restricted"),
                OPT_FORMAT(&format),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = name,
                .description = posture
                        ? "Judges each pod (or workload's pod template) and container: privileged,\n"
                          "allowPrivilegeEscalation, readOnlyRootFilesystem, runAsNonRoot (the container's\n"
                          "overrides the pod's), added capabilities, hostPID, hostIPC, hostNetwork, hostPath volumes\n"
                          "(/, /etc, the extension search paths, the runtime sockets); with --namespaces, every\n"
                          "namespace without pod-security.kubernetes.io/enforce=restricted. docs/container-digests.md."
                        : "Compares the images pods run (the spec's references, the digests the kubelet reports in\n"
                          "status.imageID) with an approved manifest after normalizing references as the engines\n"
                          "do (docker.io/library/, :latest): digests not approved, another digest than the approved\n"
                          "one for the same repository, tags without a digest, status digests that differ from the\n"
                          "spec's pin. Without --pods, the containers of the local engine's containers-storage\n"
                          "(their image name and the manifest digest recorded for the image). docs/container-digests.md.",
                .options = posture ? posture_options : digests_options,
        };
        struct dw_context ctx;
        _cleanup_(output_release) struct output out = { 0 };   /* what a failed run held */
        int r = options_run(&spec, argc, argv, NULL, NULL);

        if (r != PARSE_OK)
                return options_exit(r);
        if (req.pods && !req.pods[0])
                return usage_error(name, "--pods needs a file name (or -)");
        if (req.approved && !req.approved[0])
                return usage_error(name, "--approved needs a file name");
        if (req.namespaces && !req.namespaces[0])
                return usage_error(name, "--namespaces needs a file name");
        if (posture && !req.pods)
                return usage_error(name, "--pods is required");
        if (req.pods && req.storage_root)
                return usage_error(name, "--storage-root reads the local engine: not with --pods");
        r = cli_load_rules(&rules);
        if (r != EXIT_CLEAN)
                return r;
        cli_context(&ctx, rules, 1, NULL);
        cli_output_init(&out, format, ctx.host);
        cli_run_cover(req.pods ? req.pods : req.storage_root ? req.storage_root : "/var/lib/containers/storage");
        cli_run_cover(req.approved);
        r = posture ? capability_container_posture(&ctx, &req, &out, &sum, &err)
                    : capability_container_digests(&ctx, &req, &out, &sum, &err);
        if (r < 0)
                return cli_fail(&err);
        report(&sum, &out);
        return cli_exit_status(&out);
}

int cmd_container_digests(int argc, char **argv)
{
        return run("container digests", argc, argv, false);
}

int cmd_container_posture(int argc, char **argv)
{
        return run("container posture", argc, argv, true);
}
