/* driftwatch audit: reads auditd logs (files, rotated directories, globs,
 * standard input as an audisp plugin, --follow) and reports what the audit
 * analytics find (src/audit/detect.c): writes to persistence surfaces, program
 * runs that unlock or switch the image, pipeline health. `--events` prints the
 * raw event view instead: one JSON line per assembled event. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/detect.h"
#include "audit/event.h"
#include "audit-input.h"
#include "basic/buf.h"
#include "basic/strv.h"
#include "basic/time-range.h"
#include "cli.h"
#include "report/json.h"



static void help(FILE *f)
{
        fprintf(f, "usage: driftwatch audit [OPTIONS] [FILE|DIR|GLOB]...\n\n"
                   "Reads auditd logs (raw or ENRICHED format, node= prefixes, the audisp plugin stream)\n"
                   "and reports writes to persistence surfaces, program runs that unlock /usr or switch\n"
                   "the image, and audit pipeline problems, each with the process and its ancestry.\n"
                   "Upgrades (bootc, ostree, rpm-ostree process trees) and bulk configuration runs are\n"
                   "folded into one event each; expected writers are allowlisted (rules: docs/audit.md).\n\n"
                   "inputs (read in the order given; standard input when none):\n"
                   "  FILE          an audit log\n"
                   "  DIR           its rotated logs, oldest first: audit.log.N ... audit.log.1 audit.log\n"
                   "  'GLOB'        a quoted pattern, expanded in the same rotation order\n\n"
                   "options:\n"
                   "  --format F         text (default) or json (JSON Lines, ECS field names)\n"
                   "  --show-suppressed  also report what was allowlisted, suppressed by an upgrader\n"
                   "                     ancestor or folded into a bulk event, with the reason\n"
                   "  --since T, --until T\n"
                   "                     report events in this time range only (as ausearch -ts/-te):\n"
                   "                     now, recent, boot, today, yesterday, this-week, week-ago,\n"
                   "                     this-month, this-year, YYYY-MM-DD[ HH:MM[:SS]], RFC 3339, @EPOCH\n"
                   "  --follow           keep reading the last log as it grows, across rotation\n"
                   "  --silence SECONDS  report a stream without events for this long (DW-AUD-SILENCE)\n"
                   "  --output FILE      append the findings to FILE instead of standard output\n"
                   "  --plugin           run as an auditd plugin (contrib/audit/plugins.d): standard\n"
                   "                     input, --format json, --output " DEFAULT_STATE_DIR "/audit.jsonl,\n"
                   "                     SIGHUP (auditd's reload) ignored\n"
                   "  --events           print every assembled event as one JSON line instead\n"
                   "  --window N         an event is complete once N newer events of its node began\n"
                   "                     (default 64)\n\n"
                   "Exit status: 0 no alert, 1 alerts, 2 error. Malformed lines are counted and skipped;\n"
                   "the summary goes to stderr (not with --quiet).\n");
}

/* ---- the raw event view ---- */

struct view {
        bool events;
        FILE *out;
        struct buf json;
        struct buf tmp;                 /* decoded values of records without SYSCALL */
        int error;                      /* first write error */
        uint64_t ts_sec;                /* the second ts_text was made for */
        char ts_text[TIMESTAMP_LEN];
};

static void json_str(struct json *j, const char *key, struct audit_str s)
{
        if (s.s)
                json_string_n(j, key, s.s, s.len);
}

static const char *timestamp(struct view *v, const struct audit_event *ev)
{
        uint64_t sec = ev->sec > MAX_TIMESTAMP_SEC ? MAX_TIMESTAMP_SEC : ev->sec;
        char *dot;

        if (!v->ts_text[0] || sec != v->ts_sec) {
                format_timestamp_sec(v->ts_text, sec, 0);
                v->ts_sec = sec;
        }
        /* "....:SS.mmmZ": only the milliseconds change within a second. */
        dot = strrchr(v->ts_text, '.');
        if (dot && strlen(dot) == 5) {
                dot[1] = (char) ('0' + ev->msec / 100 % 10);
                dot[2] = (char) ('0' + ev->msec / 10 % 10);
                dot[3] = (char) ('0' + ev->msec % 10);
        }
        return v->ts_text;
}

/* A value of the first record (USER_* and other records without SYSCALL):
 * decoded into v->tmp, which holds every such value of one event. */
static struct audit_str first_record_value(struct view *v, const struct audit_event *ev, const char *name)
{
        const struct audit_field *f;
        struct audit_str s = { NULL, 0 };
        size_t at;

        if (!ev->n_records || !(f = audit_event_record_find(&ev->records[0], name)))
                return s;
        at = v->tmp.len;
        if (buf_reserve(&v->tmp, f->value_len) < 0)
                return s;
        if (audit_value_decode(ev->records[0].line, f, v->tmp.data + at, &s) == AUDIT_VALUE_HEX)
                v->tmp.len += s.len;
        return s;
}

static int64_t first_record_number(const struct audit_event *ev, const char *name)
{
        const struct audit_field *f = ev->n_records ? audit_event_record_find(&ev->records[0], name) : NULL;
        int64_t n;

        return f && audit_parse_i64(audit_field_raw(ev->records[0].line, f), &n) >= 0 ? n : -1;
}

static const struct audit_path *main_path(const struct audit_event *ev)
{
        size_t i;

        /* The first PATH that names the object, not its directory. */
        for (i = 0; i < ev->n_paths; i++)
                if (ev->paths[i].nametype != AUDIT_NAMETYPE_PARENT && ev->paths[i].path.s)
                        return &ev->paths[i];
        return ev->n_paths && ev->paths[0].path.s ? &ev->paths[0] : NULL;
}

static void json_paths(struct json *j, const struct audit_event *ev)
{
        size_t i;
        char mode[24];

        json_array_begin(j, "paths");
        for (i = 0; i < ev->n_paths; i++) {
                const struct audit_path *p = &ev->paths[i];

                json_object_begin(j, NULL);
                if (p->item >= 0)
                        json_int(j, "item", p->item);
                json_str(j, "name", p->name);
                if (p->resolved)
                        json_str(j, "path", p->path);
                if (p->nametype != AUDIT_NAMETYPE_NONE)
                        json_string(j, "nametype", audit_nametype_name(p->nametype));
                if (p->inode >= 0)
                        json_int(j, "inode", p->inode);
                if (p->mode >= 0) {
                        snprintf(mode, sizeof(mode), "0%llo", (unsigned long long) p->mode);
                        json_string(j, "mode", mode);
                }
                json_id(j, "ouid", p->ouid);
                json_id(j, "ogid", p->ogid);
                json_object_end(j);
        }
        json_array_end(j);
}

static void json_event(struct view *v, struct json *j, const struct audit_event *ev)
{
        const struct audit_syscall *sc = ev->has_syscall ? &ev->syscall : NULL;
        const struct audit_path *path = main_path(ev);
        struct audit_str action = sc ? audit_syscall_get_name(sc) : ev->type_name;
        struct audit_str comm = { NULL, 0 }, exe = { NULL, 0 };
        int64_t pid = -1, ppid = -1, uid = -1, auid = -1, euid = -1, ses = -1;
        char id[64];
        unsigned b;
        size_t i;

        buf_reset(&v->tmp);
        if (sc) {
                comm = sc->comm, exe = sc->exe, pid = sc->pid, ppid = sc->ppid;
                uid = sc->uid, euid = sc->euid, auid = sc->auid, ses = sc->ses;
        } else if (ev->n_records) {
                /* Reserved up front so the values decoded into tmp stay put. */
                (void) buf_reserve(&v->tmp, 2 * ev->records[0].len + 2);
                comm = first_record_value(v, ev, "comm");
                exe = first_record_value(v, ev, "exe");
                pid = first_record_number(ev, "pid");
                uid = first_record_number(ev, "uid");
                auid = first_record_number(ev, "auid");
                ses = first_record_number(ev, "ses");
        }

        json_object_begin(j, NULL);
        json_string(j, "@timestamp", timestamp(v, ev));
        json_object_begin(j, "event");
        json_string(j, "kind", "event");
        if (action.len)
                json_str(j, "action", action);
        else if (sc) {
                snprintf(id, sizeof(id), "syscall-%lld", (long long) sc->number);
                json_string(j, "action", id);
        }
        json_string(j, "module", "driftwatch");
        json_string(j, "dataset", "driftwatch.audit");
        json_object_end(j);
        if (ev->node.len) {
                json_object_begin(j, "host");
                json_str(j, "name", ev->node);
                json_object_end(j);
        }

        json_object_begin(j, "process");
        if (pid >= 0)
                json_int(j, "pid", pid);
        json_str(j, "name", comm);
        json_str(j, "executable", exe);
        if (ev->has_execve) {
                json_array_begin(j, "args");
                for (i = 0; i < ev->argc; i++)
                        json_string_n(j, NULL, ev->argv[i].s ? ev->argv[i].s : "", ev->argv[i].len);
                json_array_end(j);
        }
        if (ev->proctitle_argc) {
                /* ECS process.title: the title the process gave itself, arguments joined. */
                size_t at = v->tmp.len;

                for (i = 0; i < ev->proctitle_argc; i++) {
                        if (i)
                                (void) buf_putc(&v->tmp, ' ');
                        (void) buf_append(&v->tmp, ev->proctitle_argv[i].s, ev->proctitle_argv[i].len);
                }
                json_string_n(j, "title", v->tmp.data + at, v->tmp.len - at);
        }
        if (ppid >= 0) {
                json_object_begin(j, "parent");
                json_int(j, "pid", ppid);
                json_object_end(j);
        }
        json_object_end(j);

        json_object_begin(j, "user");
        json_id(j, "id", uid);
        if (euid >= 0 && euid != uid) {
                json_object_begin(j, "effective");
                json_id(j, "id", euid);
                json_object_end(j);
        }
        json_object_begin(j, "audit");
        json_id(j, "id", auid);
        if (sc)
                json_str(j, "name", sc->auid_name);
        json_object_end(j);
        json_object_end(j);

        if (path) {
                json_object_begin(j, "file");
                json_str(j, "path", path->path);
                json_object_end(j);
        }

        json_object_begin(j, "driftwatch");
        json_object_begin(j, "audit");
        snprintf(id, sizeof(id), "%llu.%03u:%llu", (unsigned long long) ev->sec, ev->msec,
                 (unsigned long long) ev->serial);
        json_string(j, "id", id);
        json_int(j, "serial", (int64_t) (ev->serial & INT64_MAX));
        json_str(j, "type", ev->type_name);
        if (sc) {
                if (sc->number >= 0)
                        json_int(j, "syscall", sc->number);
                if (sc->arch) {
                        snprintf(id, sizeof(id), "%x", sc->arch);
                        json_string(j, "arch", id);
                }
                if (sc->success >= 0)
                        json_bool(j, "success", sc->success);
                if (sc->has_exit)
                        json_int(j, "exit", sc->exit);
                json_str(j, "key", sc->key);
                json_str(j, "tty", sc->tty);
        }
        json_id(j, "ses", ses);
        json_str(j, "cwd", ev->cwd);
        if (ev->n_paths)
                json_paths(j, ev);
        if (ev->gap_missing) {
                json_object_begin(j, "gap");
                json_int(j, "first", (int64_t) (ev->gap_first & INT64_MAX));
                json_int(j, "missing", (int64_t) (ev->gap_missing & INT64_MAX));
                json_object_end(j);
        }
        if (ev->lost)
                json_int(j, "lost", (int64_t) (ev->lost & INT64_MAX));
        if (ev->malformed_before)
                json_int(j, "malformed_before", (int64_t) (ev->malformed_before & INT64_MAX));
        json_object_end(j);
        json_int(j, "records", (int64_t) ev->n_records_seen);
        json_array_begin(j, "quality");
        for (b = 0; b < AUDIT_Q_COUNT_; b++)
                if (ev->quality & (1ULL << b))
                        json_string(j, NULL, audit_quality_name(b));
        json_array_end(j);
        json_object_end(j);
        json_object_end(j);
}

static int on_event(const struct audit_event *ev, void *userdata)
{
        struct view *v = userdata;
        struct json j;
        int r;

        if (!v->events)
                return 0;
        buf_reset(&v->json);
        json_init(&j, &v->json);
        json_event(v, &j, ev);
        r = json_finish(&j);
        if (r >= 0)
                r = buf_putc(&v->json, '\n');
        if (r < 0)
                return r;
        if (fwrite(v->json.data, 1, v->json.len, v->out) != v->json.len) {
                v->error = errno ? -errno : -EIO;
                return v->error;
        }
        return 0;
}

/* ---- the command ---- */

struct audit_run {
        struct view view;
        struct output out;
        struct audit_detect *detect;
        struct audit_assembler *assembler;
};

static int on_finding(const struct finding *f, void *userdata)
{
        struct audit_run *run = userdata;

        return output_emit(&run->out, f);
}

static int on_run_event(const struct audit_event *ev, void *userdata)
{
        struct audit_run *run = userdata;

        return run->detect ? audit_detect_event(ev, run->detect) : on_event(ev, &run->view);
}

static void on_idle(void *userdata, uint64_t now_ms)
{
        struct audit_run *run = userdata;

        if (run->detect)
                (void) audit_detect_tick(run->detect, now_ms);
        (void) fflush(run->view.out);
}

static void summary(const struct audit_stats *st, const struct audit_detect_stats *ds, const struct output *o,
                    size_t n_inputs)
{
        fprintf(stderr, "audit: %llu events from %llu records in %zu input%s", (unsigned long long) st->events,
                (unsigned long long) st->records, n_inputs, n_inputs == 1 ? "" : "s");
        if (st->malformed)
                fprintf(stderr, "; %llu malformed lines skipped", (unsigned long long) st->malformed);
        if (st->truncated_lines)
                fprintf(stderr, "; %llu over-long lines cut", (unsigned long long) st->truncated_lines);
        if (st->gaps)
                fprintf(stderr, "; %llu sequence gaps (%llu serials missing)", (unsigned long long) st->gaps,
                        (unsigned long long) st->missing_serials);
        if (st->split_events)
                fprintf(stderr, "; %llu split events", (unsigned long long) st->split_events);
        if (st->early_events)
                fprintf(stderr, "; %llu events completed early (reorder memory limit)",
                        (unsigned long long) st->early_events);
        if (st->dropped_records)
                fprintf(stderr, "; %llu records over the limits dropped", (unsigned long long) st->dropped_records);
        if (ds) {
                fprintf(stderr, "; %llu surface writes, %llu watched commands; %lu alerts, %lu events",
                        (unsigned long long) ds->writes, (unsigned long long) ds->commands, o->alerts, o->events);
                if (ds->allowed || ds->by_ancestry || ds->folded)
                        fprintf(stderr, "; suppressed: %llu allowlisted, %llu under upgraders (%llu upgrade events), "
                                "%llu folded (%llu bulk events)", (unsigned long long) ds->allowed,
                                (unsigned long long) ds->by_ancestry, (unsigned long long) ds->upgrades,
                                (unsigned long long) ds->folded, (unsigned long long) ds->bulks);
        }
        fputc('\n', stderr);
}

/* --since/--until values, in milliseconds since the epoch. */
static int time_option(const char *name, const char *arg, uint64_t *ret)
{
        if (time_range_parse(arg, time(NULL), ret) < 0)
                return usage_error("audit", "%s: cannot understand the time '%s'", name, arg);
        return EXIT_CLEAN;
}

int cmd_audit(int argc, char **argv)
{
        static const struct option opts[] = {
                { "events",          no_argument,       NULL, 'e' },
                { "window",          required_argument, NULL, 'w' },
                { "format",          required_argument, NULL, 'f' },
                { "show-suppressed", no_argument,       NULL, 'S' },
                { "since",           required_argument, NULL, 's' },
                { "until",           required_argument, NULL, 'u' },
                { "follow",          no_argument,       NULL, 'F' },
                { "silence",         required_argument, NULL, 'q' },
                { "output",          required_argument, NULL, 'o' },
                { "plugin",          no_argument,       NULL, 'P' },
                { "help",            no_argument,       NULL, 'h' },
                {}
        };
        _cleanup_(audit_assembler_freep) struct audit_assembler *a = NULL;
        _cleanup_(audit_detect_freep) struct audit_detect *detect = NULL;
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        _cleanup_(strv_release) struct strv files = { 0 };
        _cleanup_(strv_release) struct strv inputs = { 0 };     /* the argument each file came from */
        struct audit_run run = { .view = { .out = stdout } };
        struct audit_detect_options dopt = { 0 };
        struct audit_input_options iopt = { .idle = on_idle, .userdata = &run };
        enum output_format format = OUTPUT_TEXT;
        const char *output = NULL;
        bool plugin = false;
        FILE *out = stdout;
        struct audit_limits lim;
        static char outbuf[1 << 20];
        size_t i;
        long n;
        int c, r = EXIT_CLEAN;

        audit_limits_default(&lim);
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 'e':
                        run.view.events = true;
                        break;
                case 'w':
                        if (cli_parse_range(optarg, 1, 65536, &n) < 0)
                                return usage_error("audit", "--window must be a number from 1 to 65536");
                        lim.window_events = (size_t) n;
                        break;
                case 'f':
                        if (cli_format_option("audit", optarg, &format) != EXIT_CLEAN)
                                return EXIT_TROUBLE;
                        break;
                case 'S':
                        dopt.show_suppressed = true;
                        break;
                case 's':
                        if (time_option("--since", optarg, &dopt.since_ms) != EXIT_CLEAN)
                                return EXIT_TROUBLE;
                        break;
                case 'u':
                        if (time_option("--until", optarg, &dopt.until_ms) != EXIT_CLEAN)
                                return EXIT_TROUBLE;
                        break;
                case 'F':
                        iopt.follow = true;
                        break;
                case 'q':
                        if (cli_parse_range(optarg, 1, 30L * 24 * 3600, &n) < 0)
                                return usage_error("audit", "--silence must be a number of seconds from 1 to 2592000");
                        dopt.silence_ms = (uint64_t) n * 1000;
                        break;
                case 'o':
                        output = optarg;
                        break;
                case 'P':
                        plugin = true;
                        break;
                case 'h':
                        help(stdout);
                        return EXIT_CLEAN;
                default:
                        return usage_error("audit", "unknown option");
                }
        }
        if (dopt.since_ms && dopt.until_ms && dopt.since_ms > dopt.until_ms)
                return usage_error("audit", "--since is after --until");
        if (plugin) {
                /* auditd passes at most two arguments: `audit --plugin` says it all. */
                if (optind < argc || iopt.follow || run.view.events)
                        return usage_error("audit", "--plugin reads standard input only, without --follow or --events");
                format = OUTPUT_JSON;
                if (!output)
                        output = DEFAULT_STATE_DIR "/audit.jsonl";
                signal(SIGHUP, SIG_IGN);        /* auditd reloads its configuration with it */
        }
        if (output) {
                int fd = open(output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);

                if (fd < 0 || !(out = fdopen(fd, "a"))) {
                        if (fd >= 0)
                                close(fd);
                        return error("cannot open output '%s': %s", output, strerror(errno));
                }
                run.view.out = out;
        }
        for (i = (size_t) optind; i < (size_t) argc && r == EXIT_CLEAN; i++) {
                r = audit_input_add(argv[i], &files);
                while (r == EXIT_CLEAN && inputs.n < files.n)
                        if (strv_push(&inputs, argv[i]) < 0)
                                r = error("out of memory");
        }
        if (r != EXIT_CLEAN)
                return r;
        iopt.inputs = &inputs;
        if (files.n == 0 && strv_push(&files, "-") < 0)
                return error("out of memory");
        if (iopt.follow || (files.n == 1 && strcmp(files.v[0], "-") == 0))
                lim.window_ms = 2000;   /* a live stream: events complete when it goes quiet */

        if (!run.view.events) {
                r = cli_load_rules(&rules);
                if (r != EXIT_CLEAN)
                        return r;
                dopt.rules = rules;
                r = audit_detect_new(&dopt, on_finding, &run, &detect);
                if (r < 0)
                        return error("cannot set up audit analytics: %s", strerror(-r));
                run.detect = detect;
        }
        output_init(&run.out, format, out, cli_hostname());
        run.out.show_events = dopt.show_suppressed;    /* the text view shows what was suppressed too */
        r = audit_assembler_new(&lim, on_run_event, &run, &a);
        if (r < 0)
                return error("cannot set up the audit assembler: %s", strerror(-r));
        run.assembler = a;
        buf_init(&run.view.json, 0);
        buf_init(&run.view.tmp, 0);
        /* Live streams: each finding as soon as it is made. */
        setvbuf(out, outbuf, plugin || iopt.follow ? _IOLBF : _IOFBF, sizeof(outbuf));

        r = audit_inputs_read(&files, a, &iopt);
        if (r < 0)
                r = error("cannot write output: %s", strerror(run.view.error ? -run.view.error : -r));
        if (r == EXIT_CLEAN && audit_assembler_flush(a) < 0)
                r = error("cannot write output: %s", strerror(run.view.error ? -run.view.error : ENOMEM));
        if (r == EXIT_CLEAN && detect && audit_detect_flush(detect) < 0)
                r = error("cannot write output: %s", strerror(run.out.error ? -run.out.error : ENOMEM));
        if (fflush(out) != 0 && r == EXIT_CLEAN)
                r = error("cannot write output: %s", strerror(errno));
        if (out != stdout && fclose(out) != 0 && r == EXIT_CLEAN)
                r = error("cannot write output '%s': %s", output, strerror(errno));
        if (r == EXIT_CLEAN && !cli.quiet)
                summary(audit_assembler_stats(a), detect ? audit_detect_stats(detect) : NULL, &run.out, files.n);
        buf_release(&run.view.json);
        buf_release(&run.view.tmp);
        if (r == EXIT_CLEAN && detect)
                r = cli_exit_status(&run.out);
        return r;
}
