/* driftwatch scan: the main job. Every host check that applies: today the file
 * drift of /usr, /boot and /etc against a baseline kept in the state directory,
 * recorded on the first run. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "image/sysroot.h"

#define DEFAULT_ETC_ALLOWLIST "/etc/driftwatch/etc-allowlist.yaml"

static const char *const scan_paths[] = { "/usr", "/boot", "/etc" };

static void help(FILE *f)
{
        fprintf(f, "usage: driftwatch scan [--state-dir DIR] [--root DIR | --sysroot DIR] [--allowlist FILE]\n"
                   "                       [--full] [--format text|json]\n\n"
                   "The main job: runs every check that applies to this host.\n"
                   "On an ostree / rpm-ostree / bootc host (or with --sysroot): the deployments, the booted\n"
                   "deployment's /usr verified against its commit, and its /etc compared with /usr/etc (with\n"
                   "the merge into a staged deployment predicted).\n"
                   "Elsewhere: the first run records a baseline of /usr, /boot and /etc in the state\n"
                   "directory and says so; later runs check the host against it.\n\n"
                   "options:\n"
                   "  --state-dir DIR    where baselines and state live (default " DEFAULT_STATE_DIR ")\n"
                   "  --root DIR         the host's root (default /), e.g. a mounted disk image\n"
                   "  --sysroot DIR      an offline ostree sysroot to scan as an image-mode host\n"
                   "  --allowlist FILE   etc-diff allowlist (default " DEFAULT_ETC_ALLOWLIST " when present)\n"
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

static int record_first_baseline(const char *root, const char *path, unsigned threads)
{
        struct walk_stats stats = { 0 };
        size_t entries = 0;
        int r;

        r = cli_baseline_from_dir(root, (char *const *) scan_paths, ARRAY_SIZE(scan_paths), threads, path,
                                  &entries, &stats);
        if (r != EXIT_CLEAN)
                return r;
        if (!cli.quiet)
                fprintf(stderr,
                        "driftwatch: no baseline yet: recorded %zu entries of /usr, /boot and /etc (%llu files "
                        "hashed) in '%s'; later scans check against it\n",
                        entries, stats.hashed, path);
        return EXIT_CLEAN;
}

/* The image-mode checks of one sysroot into one output. */
static int scan_image_mode(const char *sysroot, const char *allowlist, enum output_format format, unsigned threads)
{
        _cleanup_(sysroot_freep) struct sysroot *ds = NULL;
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        const struct sysroot_deployment *d;
        struct etc_diff_request etc = { .allowlist = allowlist, .threads = threads };
        struct output out;
        int r;

        if (!allowlist && access(DEFAULT_ETC_ALLOWLIST, F_OK) == 0)
                etc.allowlist = DEFAULT_ETC_ALLOWLIST;
        r = cli_load_rules(&rules);
        if (r == EXIT_CLEAN)
                r = cli_load_deployments(sysroot, &ds);
        if (r == EXIT_CLEAN)
                r = cli_pick_deployment(ds, "booted", &d);
        if (r != EXIT_CLEAN)
                return r;
        output_init(&out, format, stdout, cli_hostname());
        r = run_deployments_inventory(&out, rules, ds);
        if (r == EXIT_CLEAN)
                r = run_image_verify(&out, rules, ds, d, threads);
        if (r == EXIT_CLEAN)
                r = run_etc_diff(&out, rules, ds, d, &etc);
        return r != EXIT_CLEAN ? r : cli_exit_status(&out);
}

int cmd_scan(int argc, char **argv)
{
        static const struct option opts[] = {
                { "state-dir", required_argument, NULL, 's' },
                { "root",      required_argument, NULL, 'R' },
                { "sysroot",   required_argument, NULL, 'S' },
                { "allowlist", required_argument, NULL, 'a' },
                { "full",      no_argument,       NULL, 'f' },
                { "format",    required_argument, NULL, 'F' },
                { "threads",   required_argument, NULL, 't' },
                { "help",      no_argument,       NULL, 'h' },
                {}
        };
        struct check_request req = { .root = "/" };
        const char *state_dir = DEFAULT_STATE_DIR, *sysroot = NULL, *allowlist = NULL;
        _cleanup_(freep) char *baseline = NULL;
        struct stat st;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 's':
                        state_dir = optarg;
                        break;
                case 'R':
                        req.root = optarg;
                        break;
                case 'S':
                        sysroot = optarg;
                        break;
                case 'a':
                        allowlist = optarg;
                        break;
                case 'f':
                        req.full = true;
                        break;
                case 'F':
                        if (output_format_from_name(optarg, &req.format) < 0)
                                return usage_error("scan", "unknown format '%s' (text or json)", optarg);
                        break;
                case 't':
                        if (cli_parse_threads(optarg, &req.threads) < 0)
                                return usage_error("scan", "--threads takes a number from 1 to 64");
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
        if (sysroot || (strcmp(req.root, "/") == 0 && host_is_ostree_booted()))
                return scan_image_mode(sysroot, allowlist, req.format, req.threads);
        if (stat(req.root, &st) < 0)
                return error("cannot open root '%s': %s", req.root, strerror(errno));
        if (!S_ISDIR(st.st_mode))
                return error("cannot open root '%s': not a directory", req.root);
        r = mkdir_p(state_dir, 0700);
        if (r < 0)
                return error("cannot create state directory '%s': %s", state_dir, strerror(-r));
        if (asprintf(&baseline, "%s/baseline.db", state_dir) < 0)
                return error("out of memory");

        if (stat(baseline, &st) < 0) {
                if (errno != ENOENT)
                        return error("cannot read baseline '%s': %s", baseline, strerror(errno));
                return record_first_baseline(req.root, baseline, req.threads);
        }
        req.baseline_path = baseline;
        return run_check(&req);
}
