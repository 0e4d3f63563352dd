/* driftwatch status: the image status of this host (bootc or rpm-ostree),
 * compared with the snapshot the previous run recorded in the state database.
 * Reports staged, booted and rollback transitions, changes no change ticket
 * covers, policy minimums and allowed digests, the /usr overlay, pins. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "basic/path-util.h"
#include "basic/spawn.h"
#include "basic/time-util.h"
#include "cli.h"
#include "image/host-status.h"
#include "image/status-findings.h"
#include "image/status-policy.h"
#include "image/status-store.h"

#define DEFAULT_STATE_DB DEFAULT_STATE_DIR "/state.db"

static void help(FILE *f)
{
        fprintf(f, "usage: driftwatch status [--bootc-json FILE|-] [--rpm-ostree-json FILE|-] [--state DB]\n"
                   "                         [--policy FILE] [--tickets FILE] [--format text|json]\n"
                   "                         [--timeout SECONDS]\n\n"
                   "Reads the image status of this host (`bootc status --format=json`, or `rpm-ostree status\n"
                   "--json` where there is no bootc; or the file given), records it in the state database and\n"
                   "reports what changed since the previous run: staged image new or changed, booted image\n"
                   "changed, rollback performed, rollback target changed, newly pinned deployments. Every run\n"
                   "also reports an unlocked /usr (overlay), a queued rollback, and deployments below the\n"
                   "policy's minimum or with a digest it does not allow. The first run records the first\n"
                   "snapshot and says so. docs/status.md describes the policy and ticket formats.\n\n"
                   "options:\n"
                   "  --bootc-json FILE       `bootc status --format=json` output ('-': standard input)\n"
                   "  --rpm-ostree-json FILE  `rpm-ostree status --json` output ('-': standard input)\n"
                   "  --state DB              the state database (default " DEFAULT_STATE_DB ")\n"
                   "  --policy FILE           minimum-version, minimum-timestamp, allowed-digest lines\n"
                   "  --tickets FILE          change tickets, 'TICKET DIGEST FROM UNTIL' lines: a staged,\n"
                   "                          booted or rollback change no ticket covers is an alert\n"
                   "  --format FORMAT         text (default) or json (JSON Lines, ECS field names)\n"
                   "  --timeout SECONDS       how long bootc or rpm-ostree may take (default 120)\n");
}

/* The status text: from the file, standard input, or the tool on PATH. On
 * success *ret_label says where it came from, for messages ("'FILE'", "from
 * standard input", "from 'bootc status --format=json'"). */
static int read_status(const struct status_request *req, enum host_source *ret_source, char **ret_text,
                       size_t *ret_len, char **ret_label)
{
        static char *const bootc_argv[] = { "bootc", "status", "--format=json", NULL };
        static char *const rpm_ostree_argv[] = { "rpm-ostree", "status", "--json", NULL };
        _cleanup_(freep) char *path = NULL, *label = NULL;
        _cleanup_(spawn_result_release) struct spawn_result res = { 0 };
        char *const *argv;
        int r;

        *ret_source = req->source;
        if (req->input) {
                bool in = strcmp(req->input, "-") == 0;

                if (in ? !(label = strdup("from standard input")) : asprintf(&label, "'%s'", req->input) < 0)
                        return error("out of memory");
                r = in ? read_fd_all(STDIN_FILENO, HOST_STATUS_MAX_BYTES, ret_text, ret_len)
                       : read_file(req->input, HOST_STATUS_MAX_BYTES, ret_text, ret_len);
                if (r < 0)
                        return error("cannot read status %s: %s", label,
                                     r == -EFBIG ? "larger than 16 MiB" : strerror(-r));
                *ret_label = TAKE_PTR(label);
                return 0;
        }

        if (find_executable("bootc", &path) >= 0) {
                *ret_source = HOST_SOURCE_BOOTC;
                argv = bootc_argv;
        } else if (find_executable("rpm-ostree", &path) >= 0) {
                *ret_source = HOST_SOURCE_RPM_OSTREE;
                argv = rpm_ostree_argv;
        } else {
                return error("neither bootc nor rpm-ostree is in PATH: pass --bootc-json FILE or "
                             "--rpm-ostree-json FILE");
        }
        if (asprintf(&label, "from '%s %s %s'", argv[0], argv[1], argv[2]) < 0)
                return error("out of memory");
        r = spawn_capture(path, argv, HOST_STATUS_MAX_BYTES, req->timeout_s * 1000, &cli_cancel, &res);
        if (r == -ECANCELED)
                return error("interrupted");
        if (r < 0)
                return error("cannot read status %s: %s", label,
                             r == -EFBIG ? "more than 16 MiB of output" :
                             r == -ETIMEDOUT ? "timed out" : strerror(-r));
        if (res.status != 0)
                return error("cannot read status %s: exit status %d%s%s", label, res.status,
                             res.err_line ? ": " : "", res.err_line ?: "");
        *ret_len = res.out_len;
        *ret_text = TAKE_PTR(res.out);
        *ret_label = TAKE_PTR(label);
        return 0;
}

/* A small text file (policy, tickets), read and handed to parse. */
static int load_text(const char *what, const char *path, size_t max,
                     int (*parse)(const char *buf, size_t len, void *ret, char **ret_error), void *ret)
{
        _cleanup_(freep) char *text = NULL, *msg = NULL;
        size_t len = 0;
        int r;

        r = read_file(path, max, &text, &len);
        if (r < 0)
                return error("cannot read %s '%s': %s", what, path, r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
        r = parse(text, len, ret, &msg);
        if (r < 0)
                return error("cannot load %s '%s': %s", what, path, msg ?: strerror(-r));
        return 0;
}

static int parse_policy(const char *buf, size_t len, void *ret, char **ret_error)
{
        return status_policy_parse(buf, len, ret, ret_error);
}

static int parse_tickets(const char *buf, size_t len, void *ret, char **ret_error)
{
        return ticket_list_parse(buf, len, ret, ret_error);
}

int run_status(struct output *out, const struct ruleset *rules, const struct status_request *req)
{
        _cleanup_(status_policy_freep) struct status_policy *policy = NULL;
        _cleanup_(ticket_list_freep) struct ticket_list *tickets = NULL;
        _cleanup_(host_status_freep) struct host_status *cur = NULL;
        _cleanup_(status_store_freep) struct status_store *store = NULL;
        _cleanup_(freep) char *text = NULL, *msg = NULL, *label = NULL;
        const struct host_status *prev = NULL;
        struct status_snapshot_info info = { 0 };
        struct status_check check;
        enum host_source source;
        const char *reason = NULL;
        unsigned long alerts = out->alerts, events = out->events;
        unsigned long by_severity[SEVERITY_CRITICAL + 1];
        size_t len = 0;
        int64_t now = (int64_t) time(NULL);
        int r;

        memcpy(by_severity, out->by_severity, sizeof(by_severity));
        if (req->policy_path) {
                r = load_text("policy", req->policy_path, STATUS_POLICY_MAX_BYTES, parse_policy, &policy);
                if (r != EXIT_CLEAN)
                        return r;
        }
        if (req->tickets_path) {
                r = load_text("tickets", req->tickets_path, STATUS_POLICY_MAX_BYTES, parse_tickets, &tickets);
                if (r != EXIT_CLEAN)
                        return r;
        }
        r = read_status(req, &source, &text, &len, &label);
        if (r != EXIT_CLEAN)
                return r;
        r = host_status_parse(source, text, len, &cur, &msg);
        if (r < 0)
                return error("cannot read status %s: %s", label, msg ?: strerror(-r));

        /* Only a status that parsed reaches the database. Its directory is
         * made only for the default: a missing one elsewhere is an error, not
         * a new history. */
        if (strcmp(req->state_path, DEFAULT_STATE_DB) == 0) {
                r = mkdir_parents(req->state_path, 0700);
                if (r < 0)
                        return error("cannot create the directory of state '%s': %s", req->state_path,
                                     strerror(-r));
        }
        r = status_store_open(req->state_path, &cli_cancel, &store, &reason);
        if (r >= 0)
                r = status_store_last(store, &prev, &info, &reason);
        if (r == -ECANCELED)
                return error("interrupted");
        if (r == -ENOENT)
                return error("cannot open state '%s': its directory does not exist", req->state_path);
        if (r < 0)
                return error("cannot open state '%s': %s", req->state_path, reason ?: strerror(-r));

        check = (struct status_check) { .rules = rules, .out = out, .policy = policy, .tickets = tickets,
                                        .since = prev ? info.last_seen : now, .now = now };
        r = status_report(&check, prev, cur);
        if (fflush(out->f) != 0 && r >= 0)
                r = -EIO;
        if (r < 0)      /* nothing is recorded: the next run reports it again */
                return error("cannot write output: %s", strerror(-(out->error ?: r)));
        r = status_store_record(store, cur, now, &reason);
        if (r >= 0)
                r = status_store_commit(store, &reason);
        if (r < 0)
                return error("cannot write state '%s': %s", req->state_path, reason ?: strerror(-r));

        if (!prev && !cli.quiet)
                fprintf(stderr, "driftwatch: no status snapshot yet: recorded the first one (%s, %zu deployment%s) "
                                "in '%s'; later runs report what changed\n",
                        host_source_name(cur->source), cur->n_deployments, cur->n_deployments == 1 ? "" : "s",
                        req->state_path);
        else if (!cli.quiet && out->format == OUTPUT_TEXT) {
                char seen[RFC3339_LEN];

                rfc3339_format(info.last_seen, seen);
                fprintf(stderr, "%s status compared with the snapshot last seen %s: %lu alerts (%lu critical, "
                                "%lu high, %lu medium, %lu low), %lu events\n",
                        host_source_name(cur->source), seen, out->alerts - alerts,
                        out->by_severity[SEVERITY_CRITICAL] - by_severity[SEVERITY_CRITICAL],
                        out->by_severity[SEVERITY_HIGH] - by_severity[SEVERITY_HIGH],
                        out->by_severity[SEVERITY_MEDIUM] - by_severity[SEVERITY_MEDIUM],
                        out->by_severity[SEVERITY_LOW] - by_severity[SEVERITY_LOW], out->events - events);
        }
        return EXIT_CLEAN;
}

static int status_command(const struct status_request *req)
{
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        struct output out;
        int r;

        r = cli_load_rules(&rules);
        if (r != EXIT_CLEAN)
                return r;
        output_init(&out, req->format, stdout, cli_hostname());
        out.show_events = true;         /* a handful of lines: pins and covered changes too */
        r = run_status(&out, rules, req);
        return r != EXIT_CLEAN ? r : cli_exit_status(&out);
}

static int set_input(struct status_request *req, enum host_source source, const char *arg)
{
        if (req->input)
                return usage_error("status", "give one of --bootc-json and --rpm-ostree-json");
        req->input = arg;
        req->source = source;
        return EXIT_CLEAN;
}

int cmd_status(int argc, char **argv)
{
        static const struct option opts[] = {
                { "bootc-json",      required_argument, NULL, 'b' },
                { "rpm-ostree-json", required_argument, NULL, 'o' },
                { "state",           required_argument, NULL, 's' },
                { "policy",          required_argument, NULL, 'p' },
                { "tickets",         required_argument, NULL, 'T' },
                { "format",          required_argument, NULL, 'F' },
                { "timeout",         required_argument, NULL, 't' },
                { "help",            no_argument,       NULL, 'h' },
                {}
        };
        struct status_request req = { .state_path = DEFAULT_STATE_DB, .timeout_s = 120 };
        int c, r = EXIT_CLEAN;

        while (r == EXIT_CLEAN && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 'b':
                        r = set_input(&req, HOST_SOURCE_BOOTC, optarg);
                        break;
                case 'o':
                        r = set_input(&req, HOST_SOURCE_RPM_OSTREE, optarg);
                        break;
                case 's':
                        req.state_path = optarg;
                        break;
                case 'p':
                        req.policy_path = optarg;
                        break;
                case 'T':
                        req.tickets_path = optarg;
                        break;
                case 'F':
                        r = cli_format_option("status", optarg, &req.format);
                        break;
                case 't': {
                        long v;

                        if (cli_parse_range(optarg, 1, 3600, &v) < 0)
                                r = usage_error("status", "--timeout takes a number of seconds from 1 to 3600");
                        else
                                req.timeout_s = (int) v;
                        break;
                }
                case 'h':
                        help(stdout);
                        return EXIT_CLEAN;
                default:
                        r = EXIT_TROUBLE;
                }
        }
        if (r == EXIT_CLEAN && optind < argc)
                r = usage_error("status", "unexpected argument '%s'", argv[optind]);
        if (r == EXIT_CLEAN && !req.state_path[0])
                r = usage_error("status", "--state needs a file name");
        if (r == EXIT_CLEAN)
                r = status_command(&req);
        return r;
}
