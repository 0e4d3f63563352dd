/* driftwatch inventory: option table over capability_inventory
 * (capability/inventory.h). */
#include <stdio.h>
#include <string.h>

#include "capability/inventory.h"
#include "cli.h"
#include "options.h"

void cli_report_inventory(const struct inventory_summary *sum, struct output *out)
{
        if (out->format == OUTPUT_TEXT)
                cli_note(out, "inventory: %zu extension image%s (%zu merged, %zu shadowed, %zu unreadable)%s: "
                              "%lu alert%s",
                         sum->images, plural_s(sum->images), sum->merged, sum->shadowed, sum->unreadable,
                         sum->live ? "" : " in an offline root (merged state not read)", sum->alerts,
                         plural_s(sum->alerts));
}

int cmd_inventory(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        struct inventory_request req = { 0 };
        struct inventory_summary sum = { 0 };
        enum output_format format = OUTPUT_TEXT;
        const struct option_spec options[] = {
                OPT_STRING("root", &req.root, "DIR",
                           "an offline root (a mounted disk image, a fixture tree) instead of this host"),
                OPT_STRING("approved", &req.approved_path, "FILE",
                           "approved images (YAML: name, sha256 or roothash, owner, reason, expires)"),
                OPT_BOOL("verify-verity", &req.verify_verity,
                         "verify each image's dm-verity hash tree (DDI verity partition, .verity sidecar)"),
                OPT_FORMAT(&format),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "inventory",
                .description =
                        "Lists every system extension (sysext), configuration extension (confext) and portable\n"
                        "service image on systemd's search paths, read without mounting them: form (directory,\n"
                        "squashfs, erofs, disk image), size, mtime, SHA-256, sidecars (.roothash, .usrhash,\n"
                        ".p7s, .verity), the extension-release fields and whether systemd would accept them on\n"
                        "this host, which image of a name wins, and (on the running host) which are merged now.\n"
                        "Each image is an event; alerts for images no approved list names in /etc, /run or\n"
                        "/var/lib, images systemd would refuse or was forced to merge, unreadable images,\n"
                        "search paths writable by non-root, attached portable services and images without\n"
                        "verity on a verity-protected host. docs/inventory.md describes the approved list.",
                .options = options,
        };
        struct dw_context ctx;
        _cleanup_(output_release) struct output out = { 0 };   /* what a failed run held */
        int r = options_run(&spec, argc, argv, NULL, NULL);

        if (r != PARSE_OK)
                return options_exit(r);
        if (req.root && !req.root[0])
                return usage_error("inventory", "--root needs a directory");
        r = cli_start_record(&rules, &ctx, &out, format);     /* the inventory itself is the record */
        if (r != EXIT_CLEAN)
                return r;
        cli_output_analysed(&out, req.root ? req.root : "/");
        cli_run_cover(req.root ? req.root : "/");
        if (capability_inventory(&ctx, &req, &out, &sum, &err) < 0)
                return cli_fail(&err);
        cli_report_inventory(&sum, &out);
        return cli_exit_status(&out);
}
