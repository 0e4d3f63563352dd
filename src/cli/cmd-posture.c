/* driftwatch posture: option table over capability_posture (capability/posture.h). */
#include <stdio.h>
#include <string.h>

#include "capability/posture.h"
#include "cli.h"
#include "options.h"

void cli_report_posture(const struct posture_summary *sum, struct output *out)
{
        if (out->format != OUTPUT_TEXT)
                return;
        cli_note(out, "posture of the host image %s%s%s%s: %lu alert%s, %lu setting%s recorded%s",
                 sum->image_ref[0] ? sum->image_ref : "(unknown)", sum->image_from[0] ? " (from " : "",
                 sum->image_from, sum->image_from[0] ? ")" : "", sum->alerts, plural_s(sum->alerts), sum->events,
                 plural_s(sum->events), sum->allowed ? " (some allowlisted)" : "");
}

int cmd_posture(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        struct posture_request req = { 0 };
        struct posture_summary sum = { 0 };
        enum output_format format = OUTPUT_TEXT;
        long timeout = 120;
        const struct option_spec options[] = {
                OPT_STRING("root", &req.root, "DIR",
                           "an offline root (a mounted image, a fixture tree) instead of this host; every path "
                           "the configuration names is read inside it"),
                OPT_STRING("image-ref", &req.image_ref, "REF",
                           "the host's image reference (quay.io/x/y:tag, docker://..., ostree-image-signed:...); "
                           "default: bootc (else rpm-ostree) status on this host, unknown for --root"),
                OPT_STRING("allowlist", &req.allowlist, "FILE",
                           "expected settings: entries (owner, reason, expiry) naming the file an alert is about"),
                OPT_STRING("ssh-user", &req.ssh_user, "NAME",
                           "sshd: evaluate the Match blocks for this user too (root always is)"),
                OPT_STRING("ssh-connection", &req.ssh_connection, "SPEC",
                           "sshd: the connection Match blocks are evaluated for, as sshd -C takes it "
                           "(host=H,addr=A,laddr=L,lport=P); default: none of these known"),
                OPT_STRING("state", &req.state_path, "DB",
                           "the state database the executables under /var are recorded in and compared with; "
                           "default " DEFAULT_STATE_DB " for this host, none for --root"),
                OPT_STRING("mountinfo", &req.mountinfo, "FILE",
                           "a saved copy of /proc/self/mountinfo whose mount options are judged; default this "
                           "host's, none for --root"),
                OPT_FORMAT(&format),
                OPT_NUMBER("timeout", &timeout, 1, 3600, "SECONDS", "how long bootc or rpm-ostree may take; default 120"),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "posture",
                .description =
                        "Reads the settings that decide what the next upgrade accepts, as the programs that use\n"
                        "them read them, and judges them for the host's own image: the containers signature\n"
                        "policy (policy.json; the scope that applies to the host image must require a signature),\n"
                        "the ostree remotes (gpg-verify, sign-verify, http urls) and registries.conf with its\n"
                        "drop-ins (insecure registries, lifted blocks, mirrors of the host image's registry,\n"
                        "short-name resolution), persistence in units, cron, the linker, shells and dispatcher\n"
                        "scripts, the mount options of /tmp, /var/tmp, /dev/shm, /var/log, /home and /var, SELinux,\n"
                        "and executables under /var (by magic; recorded in the state database, later runs report\n"
                        "new and changed ones). Every setting is reported with the file and line or JSON pointer\n"
                        "it came from (event.kind state); problems are alerts. docs/posture.md has the details.",
                .options = options,
        };
        struct dw_context ctx;
        _cleanup_(output_release) struct output out = { 0 };   /* what a failed run held */
        int r = options_run(&spec, argc, argv, NULL, NULL);

        if (r != PARSE_OK)
                return options_exit(r);
        if (req.root && !req.root[0])
                return usage_error("posture", "--root needs a directory");
        if (req.image_ref && !req.image_ref[0])
                return usage_error("posture", "--image-ref needs a reference");
        if (req.ssh_user && (!req.ssh_user[0] || strpbrk(req.ssh_user, ",\n")))
                return usage_error("posture", "--ssh-user needs a user name");
        if (req.state_path && !req.state_path[0])
                return usage_error("posture", "--state needs a file name");
        if (req.mountinfo && !req.mountinfo[0])
                return usage_error("posture", "--mountinfo needs a file name");
        if (!req.state_path && !req.root)
                req.state_path = DEFAULT_STATE_DB;
        req.create_state_dir = req.state_path && strcmp(req.state_path, DEFAULT_STATE_DB) == 0;
        req.timeout_s = (int) timeout;
        r = cli_start_record(&rules, &ctx, &out, format);      /* events too: the settings are the point */
        if (r != EXIT_CLEAN)
                return r;
        cli_output_analysed(&out, req.root ? req.root : "/");
        cli_run_cover(req.root ? req.root : "/");
        cli_run_baseline(req.state_path);
        if (capability_posture(&ctx, &req, &out, &sum, &err) < 0)
                return cli_fail(&err);
        cli_report_posture(&sum, &out);
        return cli_exit_status(&out);
}
