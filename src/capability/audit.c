/* Capability: audit logs; see audit.h. */
#define _GNU_SOURCE
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/event-json.h"
#include "audit/input.h"
#include "audit/rules-gen.h"
#include "basic/fd-util.h"
#include "basic/path-util.h"
#include "basic/time-util.h"
#include "capability/journal.h"
#include "container/container.h"

/* The stdio buffer of an --output file: findings are small, a log may make
 * many of them. */
#define OUTPUT_BUFFER ((size_t) 1 << 20)

struct audit_run {
        const struct audit_request *req;
        struct output *out;
        struct audit_detect *detect;    /* NULL: the event view */
        struct audit_event_json view;
        bool live_flush;                /* each line out as soon as it is made */
        audit_note_fn note;
        void *userdata;
        struct dw_error *error;
        struct audit_stats assembly;    /* the assembler's counts, at the end */
};

/* The one message for a failed write, naming the output file when there is one. */
static int write_error(struct audit_run *run, int r)
{
        if (run->req->output)
                return dw_error_set(run->error, r, run->req->output, "cannot write output '%s': %s",
                                    run->req->output, strerror(-r));
        return dw_error_set(run->error, r, NULL, "cannot write output: %s", strerror(-r));
}

static int flush_line(struct audit_run *run)
{
        if (run->live_flush && fflush(run->out->f) != 0)
                return write_error(run, negative_errno());
        return 0;
}

static int on_finding(const struct finding *f, void *userdata)
{
        struct audit_run *run = userdata;
        int r = output_emit(run->out, f);

        if (r < 0)
                return run->out->error ? write_error(run, run->out->error) : r;
        return flush_line(run);
}

static int on_event(const struct audit_event *ev, void *userdata)
{
        struct audit_run *run = userdata;
        int r;

        if (run->detect)
                return audit_detect_event(ev, run->detect);
        r = run->out->format == OUTPUT_TEXT ? audit_event_text_render(&run->view, ev)
                                            : audit_event_json_render(&run->view, ev);
        if (r < 0)
                return r;
        r = output_write(run->out, run->view.line.data, run->view.line.len);
        if (r < 0)
                return write_error(run, r);
        run->out->events++;     /* the raw view's lines are the run's events (DW-RUN-SUMMARY) */
        return flush_line(run);
}

static void on_idle(void *userdata, uint64_t now_ms)
{
        struct audit_run *run = userdata;

        if (run->detect)
                (void) audit_detect_tick(run->detect, now_ms);
        (void) fflush(run->out->f);
}

static void on_note(void *userdata, const char *message)
{
        struct audit_run *run = userdata;

        if (run->note)
                run->note(run->userdata, message);
}

static int check_request(const struct audit_request *req, struct dw_error *ret_error)
{
        if (req->since_ms && req->until_ms && req->since_ms > req->until_ms)
                return dw_error_set(ret_error, -EINVAL, NULL, "--since is after --until");
        if (req->plugin && (req->n_inputs || req->follow || req->events))
                return dw_error_set(ret_error, -EINVAL, "--plugin",
                                    "--plugin reads standard input only, without --follow or --events");
        if (req->n_journals && (req->plugin || req->follow || req->events))
                return dw_error_set(ret_error, -EINVAL, "--journal",
                                    "--journal joins the journal to logs read offline: not with --plugin, "
                                    "--follow or --events (live input reads units from /proc)");
        return 0;
}

static int on_journal_entry(const struct journal_entry *e, void *userdata)
{
        return journal_index_add(userdata, e);
}

/* The index of what the journals tell (--journal), read before the audit
 * logs; *ret is NULL without journals. Its limits reached, note says so. */
static int index_journals(const struct dw_context *ctx, const struct audit_request *req, audit_note_fn note,
                          void *userdata, struct journal_index **ret, struct dw_error *ret_error)
{
        _cleanup_(journal_index_freep) struct journal_index *x = NULL;
        const struct journal_index_stats *st;
        char msg[512], when[RFC3339_MS_LEN];
        struct stat sb;
        size_t i;
        int r;

        *ret = NULL;
        if (!req->n_journals)
                return 0;
        r = journal_index_new(&x);
        if (r < 0)
                return dw_error_set(ret_error, r, NULL, "out of memory");
        for (i = 0; i < req->n_journals; i++) {
                _cleanup_(export_parser_freep) struct export_parser *p = NULL;
                const char *path = req->journals[i];
                struct journal_input in = { JOURNAL_INPUT_EXPORT, path };

                if (strcmp(path, "-") == 0)
                        return dw_error_set(ret_error, -EINVAL, path,
                                            "--journal reads files and directories, not standard input");
                if (stat(path, &sb) < 0)
                        return dw_error_set(ret_error, negative_errno(), path, "cannot open journal '%s': %s", path,
                                            strerror(errno));
                if (S_ISDIR(sb.st_mode))
                        in.kind = JOURNAL_INPUT_DIRECTORY;
                r = export_parser_new(&p);
                if (r < 0)
                        return dw_error_set(ret_error, r, NULL, "out of memory");
                r = journal_read_input(ctx, &in, p, on_journal_entry, x, ret_error);
                if (r < 0)
                        return r;
        }
        journal_index_seal(x);
        st = journal_index_stats(x);
        if (note && st->dropped) {
                rfc3339_format_ms((int64_t) (st->dropped_first_us / 1000000),
                                  (unsigned) (st->dropped_first_us / 1000 % 1000), when);
                snprintf(msg, sizeof(msg), "--journal: %llu entries from %s on were not indexed (at most %zu "
                         "process runs, %d units, %d deployment messages): their units are not known",
                         (unsigned long long) st->dropped, when, JOURNAL_INDEX_RUNS_MAX, JOURNAL_INDEX_UNITS_MAX,
                         JOURNAL_INDEX_DEPLOYMENTS_MAX);
                note(userdata, msg);
        }
        if (note && !st->with_unit) {
                snprintf(msg, sizeof(msg), "--journal: no entry of the %llu read names a process and its unit",
                         (unsigned long long) st->entries);
                note(userdata, msg);
        }
        *ret = TAKE_PTR(x);
        return 0;
}

static int expand_inputs(const struct audit_request *req, struct audit_inputs *in, struct dw_error *ret_error)
{
        size_t i;
        int r;

        for (i = 0; i < req->n_inputs; i++) {
                r = audit_inputs_add(in, req->inputs[i], ret_error);
                if (r < 0)
                        return r;
        }
        return req->n_inputs ? 0 : audit_inputs_add(in, "-", ret_error);
}

/* The --output file, appended to (never through a symlink), with its own
 * buffer: *ret_buffer lives until the file is closed. */
static int open_output(const char *path, FILE **ret, char **ret_buffer, struct dw_error *ret_error)
{
        _cleanup_(freep) char *buffer = malloc(OUTPUT_BUFFER);
        FILE *f;
        int fd;

        if (!buffer)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (fd < 0)
                return dw_error_set(ret_error, -errno, path, "cannot open output '%s': %s", path, strerror(errno));
        f = fdopen(fd, "a");
        if (!f) {
                int r = negative_errno();

                close(fd);
                return dw_error_set(ret_error, r, path, "cannot open output '%s': %s", path, strerror(-r));
        }
        setvbuf(f, buffer, _IOFBF, OUTPUT_BUFFER);
        *ret = f;
        *ret_buffer = TAKE_PTR(buffer);
        return 0;
}

/* Offline without a journal, an allow entry that names a unit never
 * applies: say so once. */
static void note_offline_units(const struct ruleset *rs, audit_note_fn note, void *userdata)
{
        char msg[512];
        size_t i;

        for (i = 0; note && rs && i < rs->audit.n_allow; i++)
                if (rs->audit.allow[i].units.n) {
                        snprintf(msg, sizeof(msg),
                                 "allow entry '%.200s' names a unit, which a log file does not tell: "
                                 "it applies to --plugin, --follow and --journal only", rs->audit.allow[i].id);
                        note(userdata, msg);
                }
}

/* Assembles and analyses (or renders) everything the inputs hold. */
static int run_inputs(const struct dw_context *ctx, struct audit_run *run, const struct audit_inputs *in,
                      const struct audit_limits *lim)
{
        _cleanup_(audit_assembler_freep) struct audit_assembler *a = NULL;
        struct audit_input_options iopt = {
                .follow = run->req->follow,
                .cancel = ctx->cancel,
                .idle = on_idle,
                .note = on_note,
                .userdata = run,
        };
        int r;

        r = audit_assembler_new(lim, on_event, run, &a);
        if (r < 0)
                return dw_error_set(run->error, r, NULL, "cannot set up the audit assembler: %s", strerror(-r));
        r = audit_inputs_read(in, a, &iopt, run->error);
        if (r >= 0)
                r = audit_assembler_flush(a);
        run->assembly = *audit_assembler_stats(a);
        if (r >= 0 && run->detect)
                r = audit_detect_flush(run->detect);
        if (r >= 0 && fflush(run->out->f) != 0)
                r = write_error(run, negative_errno());
        /* The callbacks named what failed when they could; anything else
         * (-ENOMEM) is the analysis's. */
        if (r < 0)
                return dw_error_set(run->error, r, NULL, "cannot analyse audit events: %s", strerror(-r));
        return 0;
}

/* The containers-storage the analytics name containers from: the one given
 * (it must be readable: an error otherwise), else live the default when it
 * holds container storage; a default that cannot be read is a note. A log
 * read offline is another moment's, maybe another host's: only given. */
static int storage_root(const struct audit_request *req, audit_note_fn note, void *userdata, const char **ret,
                        struct dw_error *ret_error)
{
        _cleanup_(ctr_storage_freep) struct ctr_storage *s = NULL;
        struct dw_error e = { 0 };
        int r;

        if (!req->storage_root && !(req->plugin || req->follow)) {
                *ret = NULL;
                return 0;
        }
        r = ctr_storage_load(req->storage_root ? req->storage_root : CTR_STORAGE_DEFAULT, &s, req->storage_root ?
                             ret_error : &e);
        if (r < 0 && req->storage_root)
                return r;
        if (r < 0 && r != -ENOENT && note)
                note(userdata, dw_error_reason(&e));
        dw_error_release(&e);
        *ret = r < 0 ? NULL : req->storage_root ? req->storage_root : CTR_STORAGE_DEFAULT;
        return 0;
}

/* Whether the logs read are this host's: live, or all under AUDIT_LOG_DIR. */
static bool local_logs(const struct audit_request *req)
{
        char normal[PATH_MAX];
        size_t i;

        if (req->plugin || req->follow)
                return true;
        for (i = 0; i < req->n_inputs; i++)
                if (!path_normalize_lexical(req->inputs[i], normal, sizeof(normal)) ||
                    !path_is_within(normal, AUDIT_LOG_DIR))
                        return false;
        return req->n_inputs > 0;
}

/* The users auids and file owners are named from (--passwd, or this
 * host's for its own logs), or the groups (--group, /etc/group; what: "passwd"
 * or "group"): m empty when there is none. A file given that cannot be read
 * is an error, a missing one of this host is not. Both files have the
 * "name:x:id:" shape passwd_map_parse() reads. */
static int load_accounts(const struct audit_request *req, const char *given, const char *what,
                         struct passwd_map *m, struct dw_error *ret_error)
{
        _cleanup_(freep) char *buf = NULL, *local = NULL;
        const char *path = given;
        size_t len;
        int r;

        if (!path && local_logs(req)) {
                if (asprintf(&local, "/etc/%s", what) < 0)
                        return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
                path = local;
        }
        if (!path)
                return 0;
        r = read_file(path, PASSWD_MAX_BYTES, &buf, &len);
        if (r < 0 && !given)
                return 0;
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot read %s '%s': %s", what, path,
                                    r == -EFBIG ? "too large" : strerror(-r));
        r = passwd_map_parse(buf, len, m);
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot read %s '%s': %s", what, path,
                                    r == -EFBIG ? "too many names" : strerror(-r));
        return 0;
}

int capability_audit(const struct dw_context *ctx, const struct audit_request *req, struct output *out,
                     audit_note_fn note, void *userdata, struct audit_summary *ret_summary,
                     struct dw_error *ret_error)
{
        _cleanup_(audit_inputs_release) struct audit_inputs in = { 0 };
        _cleanup_(audit_detect_freep) struct audit_detect *detect = NULL;
        _cleanup_(journal_index_freep) struct journal_index *journal = NULL;
        _cleanup_(freep) char *buffer = NULL;
        _cleanup_(passwd_map_release) struct passwd_map users = { 0 }, groups = { 0 };
        struct audit_detect_options dopt = {
                .rules = ctx->rules,
                .since_ms = req->since_ms,
                .until_ms = req->until_ms,
                .show_suppressed = req->show_suppressed,
                .silence_ms = req->silence_ms,
                /* Only a live stream can ask /proc: a log's processes are long gone. */
                .resolve_units = req->plugin || req->follow,
                .whole_input = !(req->plugin || req->follow),
        };
        struct audit_run run = {
                .req = req, .out = out, .live_flush = req->plugin || req->follow,
                .note = note, .userdata = userdata, .error = ret_error,
        };
        struct audit_limits lim;
        FILE *caller_f = out->f, *file = NULL;
        int r;

        r = check_request(req, ret_error);
        if (r < 0)
                return r;
        r = expand_inputs(req, &in, ret_error);
        if (r < 0)
                return r;
        r = index_journals(ctx, req, note, userdata, &journal, ret_error);
        if (r < 0)
                return r;
        dopt.journal = journal;
        r = load_accounts(req, req->passwd, "passwd", &users, ret_error);
        if (r < 0)
                return r;
        r = load_accounts(req, req->group, "group", &groups, ret_error);
        if (r < 0)
                return r;
        dopt.users = users.n ? &users : NULL;
        dopt.groups = groups.n ? &groups : NULL;
        r = storage_root(req, note, userdata, &dopt.storage_root, ret_error);
        if (r < 0)
                return r;
        audit_limits_default(&lim);
        if (req->window)
                lim.window_events = req->window;
        if (req->follow || (in.files.n == 1 && strcmp(in.files.v[0], "-") == 0))
                lim.window_ms = 2000;   /* a live stream: events complete when it goes quiet */
        if (!req->events) {
                r = audit_detect_new(&dopt, on_finding, &run, &detect);
                if (r < 0)
                        return dw_error_set(ret_error, r, NULL, "cannot set up audit analytics: %s", strerror(-r));
                run.detect = detect;
                if (!dopt.resolve_units && !journal)
                        note_offline_units(ctx->rules, note, userdata);
        }
        if (req->output) {
                r = open_output(req->output, &file, &buffer, ret_error);
                if (r < 0)
                        return r;
                out->f = file;
        }
        out->show_events = req->show_suppressed;       /* the text view shows what was suppressed too */
        audit_event_json_init(&run.view);
        r = run_inputs(ctx, &run, &in, &lim);
        audit_event_json_release(&run.view);
        out->f = caller_f;
        if (file && fclose(file) != 0 && r >= 0)
                r = write_error(&run, negative_errno());
        if (r < 0)
                return r;
        if (ret_summary) {
                *ret_summary = (struct audit_summary) {
                        .files = in.files.n,
                        .assembly = run.assembly,
                        .analysed = detect != NULL,
                };
                if (detect)
                        ret_summary->detect = *audit_detect_stats(detect);
                if (journal) {
                        ret_summary->joined = true;
                        ret_summary->journal = *journal_index_stats(journal);
                }
        }
        return 0;
}

int capability_audit_rules(const struct dw_context *ctx, const struct audit_rules_request *req, FILE *f,
                           struct dw_error *ret_error)
{
        struct audit_rules_options o = { .existing = req->existing, .rules_source = req->rules_path };

        if (req->format && strcmp(req->format, "auditctl") != 0)
                return dw_error_set(ret_error, -EINVAL, req->format, "unknown format '%s' (auditctl)", req->format);
        return audit_rules_write(ctx->rules, &o, f, ret_error);
}
