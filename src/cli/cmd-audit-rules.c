/* driftwatch audit-rules: the option table over capability_audit_rules(),
 * which prints the auditd rules the audit analytics expect, generated from the
 * loaded detection content (src/audit/rules-gen.h; docs/audit-rules.md). */
#include <stdio.h>

#include "capability/audit.h"
#include "cli.h"
#include "options.h"

int cmd_audit_rules(int argc, char **argv)
{
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        struct audit_rules_request req = { 0 };
        const struct option_spec options[] = {
                OPT_BOOL("existing", &req.existing,
                         "watch only paths that exist here (none for /etc/ld.so.preload before it does)"),
                OPT_STRING("format", &req.format, "auditctl", "auditctl rule syntax (the default and only format)"),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "audit-rules",
                .description =
                        "Prints the auditd rules that 'driftwatch audit' expects, generated from the detection\n"
                        "content (--rules FILE changes them): execve logging for the process tree and the command\n"
                        "rules, the mount-table syscalls (key dw-mount), then a write/attribute watch\n"
                        "(-w PATH -p wa -k dw-<surface>) for every surface path that is not a glob, more\n"
                        "specific paths first, and one on each home root (audit.home_roots) with a glob below\n"
                        "it, for users' ~/.ssh. Surfaces with 'audit: off' are not watched.\n"
                        "Paths whose parent directory is missing on this host are left out (the kernel refuses\n"
                        "them), so the output loads without errors here. Nothing in it deletes other rules.\n\n"
                        "  driftwatch audit-rules > /etc/audit/rules.d/50-driftwatch.rules && augenrules --load\n\n"
                        "docs/audit-rules.md explains each rule.",
                .options = options,
        };
        struct dw_context ctx;
        int r = options_run(&spec, argc, argv, NULL, NULL);

        if (r != PARSE_OK)
                return options_exit(r);
        r = cli_load_rules(&rules);
        if (r != EXIT_CLEAN)
                return r;
        req.rules_path = cli.rules_path;
        cli_context(&ctx, rules, 0, NULL);
        r = capability_audit_rules(&ctx, &req, stdout, &err);
        return r < 0 ? cli_fail(&err) : EXIT_CLEAN;
}
