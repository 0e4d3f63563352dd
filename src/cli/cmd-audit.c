/* driftwatch audit: the option table over capability_audit() (reads auditd
 * logs: files, rotated directories, globs, standard input as an audisp plugin,
 * --follow; reports what the audit analytics find, or with --events the raw
 * event view), then the summary (text: above the findings, or below them
 * with --follow; JSON: on stderr, and DW-RUN-SUMMARY as the last line, also
 * of the raw event view) and the exit status. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "basic/time-range.h"
#include "capability/audit.h"
#include "container/container.h"
#include "cli.h"
#include "options.h"

/* "N of them": the count and its noun, singular for 1. */
static void count(struct buf *b, const char *sep, unsigned long long n, const char *one, const char *many)
{
        (void) buf_printf(b, "%s%llu %s", sep, n, n == 1 ? one : many);
}

static void summary(const struct audit_summary *sum, struct output *o)
{
        _cleanup_(buf_release) struct buf b = { 0 };
        const struct audit_stats *st = &sum->assembly;
        const struct audit_detect_stats *ds = &sum->detect;

        buf_init(&b, 4096);
        /* the text view's counts line has the alerts and events already */
        if (o->format == OUTPUT_TEXT)
                count(&b, "read ", st->events, "audit event", "audit events");
        else
                count(&b, "audit: ", st->events, "event", "events");
        count(&b, " from ", st->records, "record", "records");
        count(&b, " in ", sum->files, "input", "inputs");
        if (st->malformed)
                count(&b, "; ", st->malformed, "malformed line skipped", "malformed lines skipped");
        if (st->truncated_lines)
                count(&b, "; ", st->truncated_lines, "over-long line cut", "over-long lines cut");
        if (st->gaps) {
                count(&b, "; ", st->gaps, "sequence gap", "sequence gaps");
                count(&b, " (", st->missing_serials, "serial missing)", "serials missing)");
        }
        if (st->split_events)
                count(&b, "; ", st->split_events, "split event", "split events");
        if (st->early_events)
                count(&b, "; ", st->early_events, "event completed early (reorder memory limit)",
                      "events completed early (reorder memory limit)");
        if (st->dropped_records)
                count(&b, "; ", st->dropped_records, "record over the limits dropped", "records over the limits dropped");
        if (sum->joined) {
                count(&b, "; journal: ", sum->journal.entries, "entry", "entries");
                count(&b, ", ", sum->journal.runs, "process run", "process runs");
                count(&b, ", ", sum->journal.deployments, "deployment message", "deployment messages");
        }
        if (sum->analysed) {
                count(&b, "; ", ds->writes, "surface write", "surface writes");
                count(&b, ", ", ds->commands, "watched command", "watched commands");
                if (o->format != OUTPUT_TEXT) {
                        count(&b, "; ", o->alerts, "alert", "alerts");
                        count(&b, ", ", o->events, "event", "events");
                }
                if (ds->allowed || ds->by_ancestry || ds->folded) {
                        (void) buf_printf(&b, "; suppressed: %llu allowlisted, %llu under upgraders",
                                          (unsigned long long) ds->allowed, (unsigned long long) ds->by_ancestry);
                        count(&b, " (", ds->upgrades, "upgrade event)", "upgrade events)");
                        (void) buf_printf(&b, ", %llu folded", (unsigned long long) ds->folded);
                        count(&b, " (", ds->bulks, "bulk event)", "bulk events)");
                }
                if (ds->joined)
                        (void) buf_printf(&b, "; %llu joined to the write they were part of (a temporary file "
                                          "renamed over its target, a chmod after a create)",
                                          (unsigned long long) ds->joined);
        }
        cli_note(o, "%s", b.data ?: "audit");
}

static void on_note(void *userdata, const char *message)
{
        warning("%s", message);
}

/* A --since/--until value, in milliseconds since the epoch (0: not given);
 * --until as ausearch -te takes it (time_range_parse_end()). */
static int time_option(const char *name, const char *arg, uint64_t *ret)
{
        bool end = strcmp(name, "until") == 0;

        if (arg && (end ? time_range_parse_end(arg, time(NULL), ret) : time_range_parse(arg, time(NULL), ret)) < 0)
                return usage_error("audit", "--%s: cannot understand the time '%s'", name, arg);
        return EXIT_CLEAN;
}

/* With --output the run summary goes where the findings went (appended). */
static int exit_into_output(struct output *out, const char *path)
{
        int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;
        int r;

        if (!f) {
                r = error("cannot open output '%s': %s", path, strerror(errno));
                if (fd >= 0)
                        close(fd);
                return r;
        }
        out->f = f;
        r = cli_exit_status(out);
        if (fclose(f) != 0 && r != EXIT_TROUBLE)
                r = error("cannot write output '%s': %s", path, strerror(errno));
        out->f = stdout;
        return r;
}

static int run_audit(struct audit_request *req, enum output_format format, bool plugin)
{
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        struct audit_summary sum = { 0 };
        struct dw_context ctx;
        _cleanup_(output_release) struct output out = { 0 };   /* what a failed run held */
        int r;

        if (plugin) {
                /* auditd passes at most two arguments: `audit --plugin` says it all. */
                req->plugin = true;
                format = OUTPUT_JSON;
                if (!req->output)
                        req->output = DEFAULT_STATE_DIR "/audit.jsonl";
                signal(SIGHUP, SIG_IGN);        /* auditd reloads its configuration with it */
        }
        /* the raw event view too: its run summary is a rule's event */
        r = cli_load_rules(&rules);
        if (r != EXIT_CLEAN)
                return r;
        /* the raw event view: one line per event, JSON Lines (the summary on
         * stderr, DW-RUN-SUMMARY the last line) or text (the summary after
         * the events, which are not held) */
        cli_context(&ctx, rules, 0, NULL);
        cli_output_init(&out, format, ctx.host);
        /* Whose log it is: a record's node says (output.c); else this host's
         * when it comes from auditd or its log directory, unknown otherwise. */
        for (size_t i = 0; i < req->n_inputs; i++) {
                cli_run_cover(req->inputs[i]);
                if (!plugin && strcmp(req->inputs[i], "-") != 0 &&
                    strncmp(req->inputs[i], AUDIT_LOG_DIR, strlen(AUDIT_LOG_DIR)) != 0)
                        cli_output_analysed(&out, NULL);
        }
        if (!req->n_inputs)
                cli_run_cover("-");
        /* Endless or elsewhere: the findings as they come, the summary last. */
        if (req->follow)
                output_text_stream(&out, "following the log: findings as they come, the summary when it stops");
        else if (req->output)
                out.streaming = true;   /* into a file: no header */
        r = capability_audit(&ctx, req, &out, on_note, NULL, &sum, &err);
        if (r < 0)
                return cli_fail(&err);
        summary(&sum, &out);
        if (req->output && format == OUTPUT_JSON)
                return exit_into_output(&out, req->output);
        return cli_exit_status(&out);
}

int cmd_audit(int argc, char **argv)
{
        _cleanup_(freep) char **operands = NULL;
        struct audit_request req = { 0 };
        char **journals = NULL;
        size_t n_journals = 0;
        enum output_format format = OUTPUT_FORMAT_UNSET;
        const char *since = NULL, *until = NULL;
        long window = 0, silence = 0;
        bool plugin = false;
        const struct option_spec options[] = {
                OPT_FORMAT(&format),
                OPT_BOOL("show-suppressed", &req.show_suppressed,
                         "also report what was allowlisted, under an upgrader or folded, and why"),
                OPT_STRING("since", &since, "TIME", "report events from TIME on (times: see above)"),
                OPT_STRING("until", &until, "TIME", "report events up to TIME"),
                OPT_BOOL("follow", &req.follow, "keep reading the last log as it grows, across rotation"),
                OPT_NUMBER("silence", &silence, 1, 30L * 24 * 3600, "SECONDS",
                           "report a stream without events for this long (DW-AUD-SILENCE)"),
                OPT_STRING("output", &req.output, "FILE", "append the findings to FILE instead of standard output"),
                OPT_BOOL("plugin", &plugin, "run as an auditd plugin (contrib/audit/plugins.d; see above)"),
                OPT_BOOL("events", &req.events,
                         "print every assembled event instead: one JSON line each (--format text: one text line)"),
                OPT_NUMBER("window", &window, 1, 65536, "N",
                           "an event is complete once N newer ones of its node began (64)"),
                OPT_FILES("journal", &journals, &n_journals, "FILE|DIR",
                          "join a journal (file, directory or export stream) to the logs read: units of "
                          "processes, whole image references"),
                OPT_STRING("passwd", &req.passwd, "FILE",
                           "name auids from the passwd of the host that wrote the logs (this host's own for "
                           AUDIT_LOG_DIR ", --follow, --plugin)"),
                OPT_STRING("group", &req.group, "FILE",
                           "name the groups of written files from the group file of that host (this host's own "
                           "for " AUDIT_LOG_DIR ", --follow, --plugin)"),
                OPT_STRING("storage-root", &req.storage_root, "DIR",
                         "containers-storage naming the containers of findings, and offline their upper layers "
                         "(live: " CTR_STORAGE_DEFAULT " when present)"),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "audit",
                .description =
                        "Reads auditd logs (raw or ENRICHED format, node= prefixes, the audisp plugin stream)\n"
                        "and reports writes to persistence surfaces, program runs that unlock /usr or switch\n"
                        "the image, and audit pipeline problems, each with the process and its ancestry.\n"
                        "Upgrades (bootc, ostree, rpm-ostree process trees) and bulk configuration runs are\n"
                        "folded into one event each; expected writers are allowlisted (rules: docs/audit.md).\n\n"
                        "inputs (read in the order given; none: " AUDIT_LOG_DIR " when standard input is a\n"
                        "terminal, as ausearch, else standard input):\n"
                        "  FILE          an audit log\n"
                        "  DIR           its rotated logs, oldest first: audit.log.N ... audit.log.1 audit.log\n"
                        "  'GLOB'        a quoted pattern, expanded in the same rotation order\n\n"
                        "--since and --until take what ausearch -ts/-te take: now, recent, boot, today,\n"
                        "yesterday, this-week, week-ago, this-month, this-year, YYYY-MM-DD[ HH:MM[:SS]],\n"
                        "MM/DD/YYYY, RFC 3339, @EPOCH. As with -te, --until includes that second, and a\n"
                        "day without a time means the current time of day that day.\n\n"
                        "--plugin: standard input, --format json, --output " DEFAULT_STATE_DIR "/audit.jsonl,\n"
                        "SIGHUP (auditd's reload) ignored.\n\n"
                        "--journal: read first; each process's systemd unit comes from the journal entries of\n"
                        "its pid (or an ancestor's) within 60 s of its first event, and a command's cut image\n"
                        "reference from bootc's deployment message; not with --plugin or --follow.\n\n"
                        "Exit status: 0 no alert, 1 alerts, 2 error. Malformed lines are counted and skipped;\n"
                        "the summary comes first in the text view (last with --follow), on stderr with --format\n"
                        "json (not with --quiet).",
                .operands = "[FILE|DIR|GLOB]...",
                .max_operands = SIZE_MAX,
                .options = options,
        };
        size_t n = 0;
        int r = options_run(&spec, argc, argv, &operands, &n);

        if (r != PARSE_OK) {
                cli_strv_free(journals, n_journals);
                return options_exit(r);
        }
        if (time_option("since", since, &req.since_ms) != EXIT_CLEAN ||
            time_option("until", until, &req.until_ms) != EXIT_CLEAN) {
                cli_strv_free(journals, n_journals);
                return EXIT_TROUBLE;
        }
        /* ausearch's default: the log directory, unless records are piped in. */
        if (n == 0 && !plugin && isatty(STDIN_FILENO)) {
                static char log_dir[] = AUDIT_LOG_DIR;
                static char *const default_inputs[] = { log_dir };

                req.inputs = default_inputs;
                req.n_inputs = 1;
        } else {
                req.inputs = operands;
                req.n_inputs = n;
        }
        req.window = (size_t) window;
        req.silence_ms = (uint64_t) silence * 1000;
        req.journals = (const char *const *) journals;
        req.n_journals = n_journals;
        /* The raw event view is JSON Lines unless text is asked for; the
         * findings are text unless JSON is. */
        if (format == OUTPUT_FORMAT_UNSET)
                format = req.events ? OUTPUT_JSON : OUTPUT_TEXT;
        r = run_audit(&req, format, plugin);
        cli_strv_free(journals, n_journals);
        return r;
}
