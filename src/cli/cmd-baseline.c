/* driftwatch baseline create | show | accept: option tables over
 * capability/baseline.h and capability/accept.h. */
#define _GNU_SOURCE
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "capability/accept.h"
#include "capability/baseline.h"
#include "cli.h"
#include "options.h"

/* The line that says what was recorded: on standard output (text), on
 * standard error beside the JSON run summary; none with --quiet. */
static int created_line(const struct baseline_create_request *req, const struct baseline_create_summary *sum,
                        struct output *out)
{
        _cleanup_(buf_release) struct buf b = { 0 };
        int r;

        buf_init(&b, 0);
        r = buf_printf(&b, "baseline '%s': %zu entr%s from %s", req->out, sum->entries,
                       sum->entries == 1 ? "y" : "ies", req->source);
        if (r >= 0 && sum->commit)
                r = buf_printf(&b, " (%s %s)", strncmp(req->source, "ostree:", 7) == 0 ? "commit" : "image",
                               sum->commit);
        if (r >= 0) {
                char size[32];

                human_bytes(size, sizeof(size), (double) sum->walk.bytes_hashed);
                r = buf_printf(&b, ", %llu file%s hashed (%s)", sum->walk.hashed, plural_s(sum->walk.hashed), size);
        }
        if (r < 0)
                return error("out of memory");
        if (cli.quiet)
                return EXIT_CLEAN;
        if (out->format == OUTPUT_TEXT)
                printf("%s\n", b.data);
        else
                cli_note(out, "%s", b.data);
        if (sum->walk.errors)
                warning("%llu entries could not be read fully; they are recorded as unreadable", sum->walk.errors);
        return EXIT_CLEAN;
}

static int baseline_create(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        struct baseline_create_request req = { .paths_must_match = true };
        struct baseline_create_summary sum = { 0 };
        struct walk_progress progress = { 0 };
        enum output_format format = OUTPUT_TEXT;
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
                OPT_FORMAT(&format),
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
                        "                     layers flattened (whiteouts, opaque directories), nothing extracted\n\n"
                        "--format json writes the run's summary event (DW-RUN-SUMMARY: the source, the paths,\n"
                        "the baseline written, the exit status) and says what was recorded on standard error.",
                .options = options,
        };
        struct progress_ui *ui;
        struct dw_context ctx;
        _cleanup_(output_release) struct output out = { 0 };
        int r = options_run(&spec, argc, argv, NULL, NULL);

        if (r != PARSE_OK) {
                cli_strv_free(paths, n_paths);
                return options_exit(r);
        }
        req.paths = paths;
        req.n_paths = n_paths;
        r = cli_load_rules(&rules);
        if (r == EXIT_CLEAN) {
                cli_context(&ctx, rules, threads, &progress);
                cli_output_init(&out, format, ctx.host);
                if (strncmp(req.source, "dir:", 4) == 0)
                        cli_output_analysed(&out, req.source + 4);
                cli_run_cover(req.source);
                for (size_t i = 0; i < n_paths; i++)
                        cli_run_cover(paths[i]);
                cli_run_baseline(req.out);
                ui = progress_start("baseline create", &progress);
                r = capability_baseline_create(&ctx, &req, &sum, &err);
                progress_stop(ui);
                if (r < 0)
                        r = cli_fail(&err);
                else
                        r = created_line(&req, &sum, &out);
                /* JSON: the run summary (text: the line says it) */
                if (r == EXIT_CLEAN && format == OUTPUT_JSON)
                        r = cli_exit_status(&out);
        }
        free(sum.commit);
        cli_strv_free(paths, n_paths);
        return r;
}

static int baseline_show(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        _cleanup_(output_release) struct output out = { 0 };
        _cleanup_(freep) char **operands = NULL;
        struct baseline_show_request req = { 0 };
        const struct option_spec options[] = {
                OPT_STRING("baseline", &req.path, "FILE", "the baseline to describe (as check names it), or FILE"),
                OPT_BOOL("entries", &req.entries, "list every entry as well"),
                OPT_FORMAT(&req.format),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "baseline show",
                .description = "Describes a baseline; --entries lists every entry as well.",
                .operands = "[FILE]",
                .min_operands = 0,
                .max_operands = 1,
                .options = options,
        };
        size_t n = 0;
        int r = options_run(&spec, argc, argv, &operands, &n);

        if (r != PARSE_OK)
                return options_exit(r);
        if (!!req.path == (n == 1))
                return usage_error("baseline show", req.path ? "--baseline and FILE name the same thing: give one"
                                                             : "which baseline? give FILE or --baseline FILE");
        if (n == 1)
                req.path = operands[0];
        r = cli_load_rules(&rules);
        if (r != EXIT_CLEAN)
                return r;
        /* JSON: the records, then the run summary (the text view is a description, not findings) */
        cli_output_init(&out, req.format, cli_observer()->name);
        cli_run_cover(req.path);
        cli_run_baseline(req.path);
        r = capability_baseline_show(&req, stdout, &err);
        if (r >= 0 && !req.entries)
                r = capability_accepts_show(req.path, req.format, stdout, &err);
        if (r < 0)
                return cli_fail(&err);
        if (req.format == OUTPUT_JSON)
                return cli_exit_status(&out);
        return EXIT_CLEAN;
}

/* Who accepts: the user sudo ran for, else the login uid's name, else this
 * uid's name, else the uid. */
static void accepting_user(char *buf, size_t size)
{
        _cleanup_(freep) char *login = NULL;
        const char *sudo = getenv("SUDO_USER");
        uid_t uid = getuid();
        struct passwd *pw;
        size_t len = 0;
        char *end;

        if (sudo && *sudo) {
                snprintf(buf, size, "%s", sudo);
                return;
        }
        if (read_file("/proc/self/loginuid", 32, &login, &len) >= 0) {
                unsigned long v = strtoul(login, &end, 10);

                if (end != login && v < 4294967295UL)
                        uid = (uid_t) v;
        }
        pw = getpwuid(uid);
        if (pw && pw->pw_name)
                snprintf(buf, size, "%s", pw->pw_name);
        else
                snprintf(buf, size, "%u", (unsigned) uid);
}

static int baseline_accept(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        _cleanup_(freep) char **operands = NULL;
        _cleanup_(freep) char *state_baseline = NULL, *record = NULL;
        struct accept_request req = { 0 };
        struct accept_summary sum = { 0 };
        struct walk_progress progress = { 0 };
        enum output_format format = OUTPUT_TEXT;
        const char *state_dir = NULL;
        unsigned threads = 0;
        char user[256];
        const struct option_spec options[] = {
                OPT_STRING("baseline", &req.baseline_path, "FILE", "the baseline to accept into"),
                OPT_STRING("state-dir", &state_dir, "DIR",
                           "the baseline of scan's state directory (default " DEFAULT_STATE_DIR ")"),
                OPT_STRING("root", &req.root, "DIR", "the tree to take the paths from (default: the baseline's "
                                                     "dir: source, else /)"),
                OPT_STRING("reason", &req.reason, "TEXT", "why: recorded with who and when"),
                OPT_FORMAT(&format),
                OPT_THREADS(&threads),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "baseline accept",
                .description =
                        "Takes the current state of each PATH (the path and everything below it) into the\n"
                        "baseline, as aide --update does for the whole tree; with no PATH, everything the last\n"
                        "check or scan of that baseline reported. The new baseline replaces the old one\n"
                        "atomically; the old one is kept as FILE.1 (up to FILE.5, newest first); who accepted\n"
                        "what, when and why is recorded in FILE.accepts (see baseline show). Each accepted\n"
                        "change is a DW-FIM-ACCEPTED event, then one for the baseline with its digests.",
                .operands = "[PATH...]",
                .min_operands = 0,
                .max_operands = 100000,
                .options = options,
        };
        struct progress_ui *ui;
        struct dw_context ctx;
        _cleanup_(output_release) struct output out = { 0 };   /* what a failed run held */
        size_t n = 0;
        int r = options_run(&spec, argc, argv, &operands, &n);

        if (r != PARSE_OK)
                return options_exit(r);
        if (req.baseline_path && state_dir)
                return usage_error("baseline accept", "--baseline and --state-dir exclude each other");
        if (!req.baseline_path) {
                if (!state_dir)
                        state_dir = DEFAULT_STATE_DIR;
                if (asprintf(&state_baseline, "%s/baseline.db", state_dir) < 0 ||
                    asprintf(&record, "%s/baseline.record", state_dir) < 0)
                        return error("out of memory");
                req.baseline_path = state_baseline;
                req.record_path = record;
        }
        req.paths = n ? operands : NULL;
        req.n_paths = n;
        accepting_user(user, sizeof(user));
        req.user = user;
        r = cli_load_rules(&rules);
        if (r != EXIT_CLEAN)
                return r;
        cli_context(&ctx, rules, threads, &progress);
        cli_output_init(&out, format, ctx.host);
        out.show_events = true;         /* the accepted changes are the point */
        cli_run_baseline(req.baseline_path);
        for (size_t i = 0; i < req.n_paths; i++)
                cli_run_cover(req.paths[i]);
        ui = progress_start("baseline accept", &progress);
        r = capability_baseline_accept(&ctx, &req, &out, &sum, &err);
        progress_stop(ui);
        fflush(stdout);
        if (r < 0)
                return cli_fail(&err);
        if (sum.nothing_reported) {
                cli_note(&out, "nothing to accept: the last check of '%s' reported nothing", req.baseline_path);
                return cli_exit_status(&out);
        }
        if (format == OUTPUT_TEXT)
                cli_note(&out, "accepted %lu %s below %zu %s into '%s' by %s (digest %.12s -> %.12s); the previous "
                               "baseline is kept as '%s'",
                         sum.changes, sum.changes == 1 ? "change" : "changes", sum.n_paths,
                         sum.n_paths == 1 ? "path" : "paths", req.baseline_path, user, sum.before, sum.after,
                         sum.history);
        free(sum.history);
        return cli_exit_status(&out);
}

int cmd_baseline(int argc, char **argv)
{
        static const struct subcommand subs[] = {
                { "create", baseline_create, "record a baseline of a directory or an ostree commit" },
                { "show", baseline_show, "describe a baseline (and list its entries)" },
                { "accept", baseline_accept, "take the current state of paths into a baseline" },
        };

        return options_dispatch("baseline", subs, ARRAY_SIZE(subs), argc, argv);
}
