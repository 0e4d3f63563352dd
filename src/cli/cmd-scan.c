/* driftwatch scan: the main job. Every host check that applies: on an
 * image-mode host (or --sysroot) the deployments, /usr verification, /etc
 * diff and status transitions; elsewhere the file drift of /usr, /boot and
 * /etc against a baseline kept in the state directory, recorded on the first
 * run, whose own disappearance or replacement is an alert. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capability/image.h"
#include "cli.h"
#include "basic/spawn.h"
#include "fim/store.h"
#include "image/host-status.h"
#include "image/sysroot.h"

#define DEFAULT_ETC_ALLOWLIST "/etc/driftwatch/etc-allowlist.yaml"

static const char *const scan_paths[] = { "/usr", "/boot", "/etc" };

static void help(FILE *f)
{
        fprintf(f, "usage: driftwatch scan [--state-dir DIR] [--root DIR | --sysroot DIR] [--allowlist FILE]\n"
                   "                       [--full] [--format text|json]\n\n"
                   "The main job: runs every check that applies to this host.\n"
                   "On an ostree / rpm-ostree / bootc host (or with --sysroot): the deployments, the booted\n"
                   "deployment's /usr verified against its commit, its /etc compared with /usr/etc (with\n"
                   "the merge into a staged deployment predicted), and on a live host the bootc or\n"
                   "rpm-ostree status transitions since the last scan (state in the state directory).\n"
                   "Elsewhere: the first run records a baseline of /usr, /boot and /etc in the state\n"
                   "directory and says so (an event in the JSON output); later runs check the host against\n"
                   "it. The state directory remembers the baseline's digest: a baseline that goes missing or\n"
                   "is replaced later is an alert.\n\n"
                   "options:\n"
                   "  --state-dir DIR    where baselines and state live (default " DEFAULT_STATE_DIR ")\n"
                   "  --root DIR         the host's root (default /), e.g. a mounted disk image\n"
                   "  --sysroot DIR      an offline ostree sysroot to scan as an image-mode host\n"
                   "  --allowlist FILE   etc-diff allowlist (default " DEFAULT_ETC_ALLOWLIST " when present)\n"
                   "  --bootc-json FILE, --rpm-ostree-json FILE\n"
                   "                     status output saved from the host, for an offline --sysroot scan\n"
                   "  --full             re-hash every file, trusting no cache\n"
                   "  --format FORMAT    text (default) or json\n"
                   "  --threads N        worker threads (default: one per CPU)\n");
}

static int mkdir_p(const char *dir, mode_t mode)
{
        _cleanup_(freep) char *copy = strdup(dir);
        char *p;

        if (!copy)
                return -ENOMEM;
        for (p = copy + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(copy, mode) < 0 && errno != EEXIST)
                        return negative_errno();
                *p = '/';
        }
        if (mkdir(copy, mode) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

/* The findings about the baseline itself. The state directory remembers the
 * digest of its baseline (BASELINE_RECORD): a baseline that vanished or was
 * replaced after one was recorded is an alert, and recording one is an event
 * a SIEM sees, not only a note on stderr. */
#define BASELINE_RECORD "baseline.record"

enum baseline_finding { BASELINE_MISSING, BASELINE_REPLACED, BASELINE_RECORDED };

static const struct {
        struct rule fallback;           /* when a user's rules file leaves the rule out */
        const char *action, *type;
} baseline_findings[] = {
        [BASELINE_MISSING] = { { .id = "DW-FIM-BASELINE-MISSING", .name = "the baseline of the state directory is gone",
                                 .severity = SEVERITY_CRITICAL }, "baseline-missing", "deletion" },
        [BASELINE_REPLACED] = { { .id = "DW-FIM-BASELINE-REPLACED",
                                  .name = "the baseline of the state directory was replaced",
                                  .severity = SEVERITY_HIGH }, "baseline-replaced", "change" },
        [BASELINE_RECORDED] = { { .id = "DW-FIM-BASELINE-RECORDED", .name = "a baseline was recorded",
                                  .severity = SEVERITY_LOW }, "baseline-recorded", "creation" },
};

/* One finding on the baseline at path, with its digest before and after. */
static int report_baseline(struct output *out, const struct ruleset *rules, enum baseline_finding which,
                           const char *path, const char *before, const char *after, const char *message)
{
        const struct rule *rule = ruleset_rule(rules, baseline_findings[which].fallback.id);
        struct finding f;
        int r;

        finding_init(&f);
        f.alert = which != BASELINE_RECORDED;
        f.rule = rule ?: &baseline_findings[which].fallback;
        f.category = "file";
        f.type = baseline_findings[which].type;
        f.action = baseline_findings[which].action;
        f.dataset = "driftwatch.fim";
        f.message = message;
        f.path = path;
        f.path_len = strlen(path);
        r = finding_add_value(&f, "digest", before, before ? strlen(before) : 0, after, after ? strlen(after) : 0);
        if (r >= 0)
                r = output_emit(out, &f);
        finding_release(&f);
        if (r >= 0 && fflush(out->f) != 0)
                r = -EIO;
        return r < 0 ? error("cannot write output: %s", strerror(-(out->error ?: r))) : EXIT_CLEAN;
}

/* Reads the digest of the baseline at path and remembers it in record. */
static int remember_baseline(const char *path, const char *record, char digest[static BASELINE_DIGEST_HEX + 1])
{
        const char *reason = NULL;
        int r;

        r = baseline_read_digest(path, digest, &reason);
        if (r < 0)
                return error("cannot read baseline '%s': %s", path, reason ?: strerror(-r));
        r = baseline_record_write(record, digest);
        if (r < 0)
                return error("cannot write baseline record '%s': %s", record, strerror(-r));
        return EXIT_CLEAN;
}

/* Records a baseline of the scanned places (the first run, or after the old
 * one vanished) and reports it as an event. */
static int record_baseline(const char *root, const char *path, const char *record, bool again, struct output *out,
                           const struct ruleset *rules, unsigned threads)
{
        _cleanup_(freep) char *message = NULL;
        char digest[BASELINE_DIGEST_HEX + 1];
        struct walk_stats stats = { 0 };
        size_t entries = 0;
        int r;

        r = cli_baseline_from_dir(root, (char *const *) scan_paths, ARRAY_SIZE(scan_paths), false, threads,
                                  path, &entries, &stats);
        if (r == EXIT_CLEAN)
                r = remember_baseline(path, record, digest);
        if (r != EXIT_CLEAN)
                return r;
        if (asprintf(&message, "recorded a baseline of /usr, /boot and /etc: %zu entries", entries) < 0)
                return error("out of memory");
        r = report_baseline(out, rules, BASELINE_RECORDED, path, NULL, digest, message);
        if (r != EXIT_CLEAN)
                return r;
        if (!cli.quiet)
                fprintf(stderr,
                        "driftwatch: %s: recorded %zu entries of /usr, /boot and /etc (%llu files hashed) in "
                        "'%s'; later scans check against it\n",
                        again ? "the baseline was gone" : "no baseline yet", entries, stats.hashed, path);
        return cli_exit_status(out);
}

/* File drift of a host that is not image mode, against the baseline in the
 * state directory; the baseline's own fate first. */
static int scan_files(struct check_request *req, const char *state_dir)
{
        _cleanup_(freep) char *baseline = NULL, *record = NULL;
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        char remembered[BASELINE_DIGEST_HEX + 1], digest[BASELINE_DIGEST_HEX + 1];
        const char *reason = NULL;
        struct output out;
        struct stat st;
        bool known;
        int r;

        if (asprintf(&baseline, "%s/baseline.db", state_dir) < 0 ||
            asprintf(&record, "%s/" BASELINE_RECORD, state_dir) < 0)
                return error("out of memory");
        r = baseline_record_read(record, remembered);
        if (r < 0 && r != -ENOENT)
                return error("cannot read baseline record '%s': %s", record,
                             r == -EBADMSG ? "malformed (delete it to accept the current baseline)" : strerror(-r));
        known = r >= 0;
        r = cli_load_rules(&rules);
        if (r != EXIT_CLEAN)
                return r;
        output_init(&out, req->format, stdout, cli_hostname());

        if (stat(baseline, &st) < 0) {
                if (errno != ENOENT)
                        return error("cannot read baseline '%s': %s", baseline, strerror(errno));
                if (known) {
                        r = report_baseline(&out, rules, BASELINE_MISSING, baseline, remembered, NULL,
                                            "the baseline this state directory held is gone: a new one is "
                                            "recorded from the tree as it is now");
                        if (r != EXIT_CLEAN)
                                return r;
                }
                return record_baseline(req->root, baseline, record, known, &out, rules, req->threads);
        }

        r = baseline_read_digest(baseline, digest, &reason);
        if (r < 0)
                return error("cannot read baseline '%s': %s", baseline, reason ?: strerror(-r));
        if (known && strcmp(remembered, digest) != 0) {
                r = report_baseline(&out, rules, BASELINE_REPLACED, baseline, remembered, digest,
                                    "the baseline in this state directory is not the one recorded there");
                if (r != EXIT_CLEAN)
                        return r;
        }
        if (!known || strcmp(remembered, digest) != 0) {
                r = baseline_record_write(record, digest);
                if (r < 0)
                        return error("cannot write baseline record '%s': %s", record, strerror(-r));
        }
        req->baseline_path = baseline;
        r = run_check(req);
        if (r == EXIT_TROUBLE)
                return r;
        return out.alerts ? EXIT_ALERT : r;
}

/* The image-mode checks of one sysroot into one output. */
static int scan_image_mode(const char *sysroot, const char *allowlist, const char *state_dir,
                           const struct status_request *status, enum output_format format, unsigned threads)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(freep) char *state = NULL, *tool = NULL;
        _cleanup_(sysroot_freep) struct sysroot *ds = NULL;
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        const struct sysroot_deployment *d;
        struct etc_diff_request etc = { .allowlist = allowlist };
        struct walk_progress progress = { 0 };
        struct dw_context ctx;
        struct output out;
        int r;

        if (!allowlist && access(DEFAULT_ETC_ALLOWLIST, F_OK) == 0)
                etc.allowlist = DEFAULT_ETC_ALLOWLIST;
        r = cli_load_rules(&rules);
        if (r != EXIT_CLEAN)
                return r;
        if (capability_open_sysroot(sysroot, "booted", &ds, &d, &err) < 0)
                return cli_fail(&err);
        cli_context(&ctx, rules, threads, &progress);
        output_init(&out, format, stdout, ctx.host);
        if (capability_deployments(&ctx, ds, &out, &err) < 0)
                return cli_fail(&err);
        r = cli_image_verify(&ctx, &out, ds, d);
        if (r == EXIT_CLEAN)
                r = cli_etc_diff(&ctx, &out, ds, d, &etc);
        /* bootc / rpm-ostree status describes the running host (or comes saved
         * from it, with --bootc-json or --rpm-ostree-json). */
        if (r == EXIT_CLEAN && (status->input || (ds->live && (find_executable("bootc", &tool) >= 0 ||
                                                               find_executable("rpm-ostree", &tool) >= 0)))) {
                struct status_request st = *status;

                if (asprintf(&state, "%s/state.db", state_dir) < 0)
                        return error("out of memory");
                st.state_path = state;
                r = run_status(&out, rules, &st);
        }
        return r != EXIT_CLEAN ? r : cli_exit_status(&out);
}

int cmd_scan(int argc, char **argv)
{
        static const struct option opts[] = {
                { "state-dir", required_argument, NULL, 's' },
                { "root",      required_argument, NULL, 'R' },
                { "sysroot",   required_argument, NULL, 'S' },
                { "allowlist", required_argument, NULL, 'a' },
                { "bootc-json", required_argument, NULL, 'B' },
                { "rpm-ostree-json", required_argument, NULL, 'P' },
                { "full",      no_argument,       NULL, 'f' },
                { "format",    required_argument, NULL, 'F' },
                { "threads",   required_argument, NULL, 't' },
                { "help",      no_argument,       NULL, 'h' },
                {}
        };
        struct check_request req = { .root = "/" };
        const char *state_dir = DEFAULT_STATE_DIR, *sysroot = NULL, *allowlist = NULL;
        struct status_request status = { .timeout_s = 120 };
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        bool root_given = false;
        struct stat st;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 's':
                        state_dir = optarg;
                        break;
                case 'R':
                        req.root = optarg;
                        root_given = true;
                        break;
                case 'S':
                        sysroot = optarg;
                        break;
                case 'a':
                        allowlist = optarg;
                        break;
                case 'B':
                case 'P':
                        if (status.input)
                                return usage_error("scan", "give one of --bootc-json and --rpm-ostree-json");
                        status.input = optarg;
                        status.source = c == 'B' ? HOST_SOURCE_BOOTC : HOST_SOURCE_RPM_OSTREE;
                        break;
                case 'f':
                        req.full = true;
                        break;
                case 'F':
                        r = cli_format_option("scan", optarg, &req.format);
                        if (r != EXIT_CLEAN)
                                return r;
                        break;
                case 't':
                        r = cli_threads_option("scan", optarg, &req.threads);
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
                return usage_error("scan", "unexpected argument '%s'", argv[optind]);
        if (root_given && sysroot)
                return usage_error("scan", "--root and --sysroot exclude each other");
        if (allowlist && capability_check_allowlist(allowlist, &err) < 0)
                return cli_fail(&err);
        if (status.input && !sysroot && !host_is_ostree_booted())
                return usage_error("scan", "--bootc-json and --rpm-ostree-json go with an image-mode host or --sysroot");
        if (sysroot || (strcmp(req.root, "/") == 0 && host_is_ostree_booted())) {
                r = mkdir_p(state_dir, 0700);
                if (r < 0)
                        return error("cannot create state directory '%s': %s", state_dir, strerror(-r));
                status.format = req.format;
                return scan_image_mode(sysroot, allowlist, state_dir, &status, req.format, req.threads);
        }
        if (stat(req.root, &st) < 0)
                return error("cannot open root '%s': %s", req.root, strerror(errno));
        if (!S_ISDIR(st.st_mode))
                return error("cannot open root '%s': not a directory", req.root);
        r = mkdir_p(state_dir, 0700);
        if (r < 0)
                return error("cannot create state directory '%s': %s", state_dir, strerror(-r));
        return scan_files(&req, state_dir);
}
