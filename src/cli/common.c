/* Helpers shared by the subcommands; see cli.h. */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/error.h"
#include "basic/escape.h"
#include "basic/fd-util.h"
#include "basic/path-util.h"
#include "capability/capability.h"
#include "parse/passwd.h"
#include "report/host-id.h"

struct cli_globals cli;
volatile sig_atomic_t cli_cancel;
/* The rules the command loaded (cli_load_rules()): the run summary's rule. */
static const struct ruleset *cli_rules;

int error(const char *fmt, ...)
{
        va_list ap;

        fputs("driftwatch: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return EXIT_TROUBLE;
}

void warning(const char *fmt, ...)
{
        va_list ap;

        fputs("driftwatch: warning: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

int usage_error(const char *cmd, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "driftwatch %s: ", cmd);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, " (see 'driftwatch %s --help')\n", cmd);
        return EXIT_TROUBLE;
}

double cli_seconds_since(const struct timespec *start)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (double) (now.tv_sec - start->tv_sec) + (double) (now.tv_nsec - start->tv_nsec) / 1e9;
}

/* The run: what DW-RUN-SUMMARY says (cli_run_*), and the output it goes to. */
#define CLI_RUN_MAX_COVERAGE 64
static struct {
        const char *coverage[CLI_RUN_MAX_COVERAGE];
        size_t n_coverage;
        const char *baseline;
        long long start_ns;
        struct timespec start;
        struct output *out;
        bool done;
} cli_run;

void cli_run_begin(void)
{
        struct timespec now;

        clock_gettime(CLOCK_REALTIME, &now);
        cli_run.start_ns = (long long) now.tv_sec * 1000000000 + now.tv_nsec;
        clock_gettime(CLOCK_MONOTONIC, &cli_run.start);
}

void cli_run_cover(const char *what)
{
        if (what && cli_run.n_coverage < CLI_RUN_MAX_COVERAGE)
                cli_run.coverage[cli_run.n_coverage++] = what;
}

void cli_run_baseline(const char *path)
{
        cli_run.baseline = path;
}

/* Writes the run summary once, as the last line of the run's JSON output.
 * The text view writes none: its own summary, first on stdout, already says
 * the command and its counts, and the exit status says the rest. */
static void cli_run_summary(int exit_status)
{
        const struct output_run run = {
                .command = cli.command,
                .coverage = cli_run.coverage,
                .n_coverage = cli_run.n_coverage,
                .baseline = cli_run.baseline,
                .start_ns = cli_run.start_ns,
                .duration_ns = (long long) (cli_seconds_since(&cli_run.start) * 1e9),
                .exit_status = exit_status,
        };
        struct output *o = cli_run.out;

        if (!o || cli_run.done || o->error || !cli_rules || o->format != OUTPUT_JSON)
                return;
        cli_run.done = true;
        (void) output_run_summary(o, ruleset_rule(cli_rules, "DW-RUN-SUMMARY"), &run);
}

int cli_fail(const struct dw_error *e)
{
        /* The reader went away (`| head`): end as quietly as SIGPIPE would. */
        if (e->r == -EPIPE)
                return EXIT_CLOSED_OUTPUT;
        cli_run_summary(EXIT_TROUBLE);
        return error("%s", dw_error_reason(e));
}

static const char *cli_hostname(void)
{
        static char host[256];

        if (!host[0] && gethostname(host, sizeof(host) - 1) < 0)
                snprintf(host, sizeof(host), "localhost");
        return host;
}

void cli_context(struct dw_context *ret, const struct ruleset *rules, unsigned threads,
                 struct walk_progress *progress)
{
        *ret = (struct dw_context) {
                .rules = rules,
                .cancel = &cli_cancel,
                .threads = threads,
                .host = cli_hostname(),
                .progress = progress,
        };
}

static void on_signal(int sig)
{
        (void) sig;
        cli_cancel = 1;
}

/* The first SIGINT, SIGTERM or SIGHUP asks the command to stop: loops look at
 * cli_cancel, and blocking reads return EINTR (no SA_RESTART) to let them.
 * The handler is reset by its first delivery (SA_RESETHAND), so a second
 * Ctrl-C kills at once, whatever the command is waiting for. */
void cli_install_signals(void)
{
        struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND };

        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
}

int cli_load_rules(struct ruleset **ret)
{
        _cleanup_(freep) char *msg = NULL;
        const char *files[] = { cli.rules_path };
        struct stat st;
        int r;

        if (cli.fail_on && severity_from_name(cli.fail_on, &cli.fail_on_level) < 0)
                return error("--fail-on takes low, medium, high or critical, not '%s'", cli.fail_on);
        if (cli.min_severity && severity_from_name(cli.min_severity, &cli.min_level) < 0)
                return error("--min-severity takes low, medium, high or critical, not '%s'",
                             cli.min_severity);
        if (cli_color_choose(cli.color, isatty(STDOUT_FILENO), &cli.use_color) < 0)
                return error("--color takes auto, always or never, not '%s'", cli.color);
        /* The default directory may be missing; one named on the command line may not. */
        if (cli.rules_dir && stat(cli.rules_dir, &st) < 0)
                return error("cannot open rules directory '%s': %s", cli.rules_dir, strerror(errno));
        r = ruleset_load(files, cli.rules_path ? 1 : 0, cli.rules_dir ?: DEFAULT_RULES_DIR, ret, &msg);
        if (r < 0)
                return error("%s", msg ? msg : strerror(-r));
        cli_rules = *ret;
        return 0;
}

/* This machine: its hostname and /etc/machine-id, read once. */
const struct output_host *cli_observer(void)
{
        static struct host_identity_buf id;
        static struct output_host h;
        static bool read;

        if (!read) {
                _cleanup_(closep) int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

                if (fd >= 0)
                        host_identity_read(fd, &id);
                read = true;
                h = (struct output_host) { cli_hostname(), id.machine_id[0] ? id.machine_id : NULL };
        }
        return &h;
}

int cli_color_choose(const char *when, bool tty, bool *ret)
{
        const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");

        if (!when || strcmp(when, "auto") == 0)
                /* no-color.org: NO_COLOR set and not empty; git: TERM unset or dumb */
                *ret = tty && !(no_color && no_color[0]) && term && strcmp(term, "dumb") != 0;
        else if (strcmp(when, "always") == 0)
                *ret = true;
        else if (strcmp(when, "never") == 0)
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

void cli_output_init(struct output *o, enum output_format format, const char *host)
{
        output_init(o, format, stdout, host);
        o->min_level = cli.min_level;
        o->command = cli.command;
        o->verbose = cli.verbose;
        o->color = cli.use_color && format == OUTPUT_TEXT;
        o->no_summary = cli.quiet;
        output_hold(o);
        o->observer = *cli_observer();
        if (host == o->observer.name)
                o->host_id = o->observer.id;
        o->rule_reference_base = cli_rule_reference_base();
        cli_run.out = o;
}

void cli_output_analysed(struct output *o, const char *root)
{
        /* One analysed host a run: kept until the process ends. */
        static struct host_identity_buf id;
        static struct passwd_map users, groups;
        _cleanup_(closep) int fd = -EBADF;

        passwd_map_release(&users);
        passwd_map_release(&groups);
        o->users = o->groups = NULL;
        if (root)
                fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
                host_accounts_read(fd, &users, &groups);
                o->users = &users;
                o->groups = &groups;
        }
        if (root && strcmp(root, "/") == 0) {
                o->host = o->observer.name;
                o->host_id = o->observer.id;
                return;
        }
        id = (struct host_identity_buf) { 0 };
        if (fd >= 0)
                host_identity_read(fd, &id);
        o->host = id.name[0] ? id.name : NULL;
        o->host_id = id.machine_id[0] ? id.machine_id : NULL;
}

void cli_note(struct output *o, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        if (o->format == OUTPUT_TEXT) {
                _cleanup_(freep) char *line = NULL;

                if (vasprintf(&line, fmt, ap) < 0 || output_note(o, "%s", line) < 0)
                        o->error = o->error ?: -ENOMEM;
        } else if (!cli.quiet) {
                vfprintf(stderr, fmt, ap);
                fputc('\n', stderr);
        }
        va_end(ap);
}

int cli_start_record(struct ruleset **ret_rules, struct dw_context *ret_ctx, struct output *ret_out,
                     enum output_format format)
{
        int r = cli_load_rules(ret_rules);

        if (r != EXIT_CLEAN)
                return r;
        cli_context(ret_ctx, *ret_rules, 0, NULL);
        cli_output_init(ret_out, format, ret_ctx->host);
        ret_out->show_events = true;
        return EXIT_CLEAN;
}

int cli_parse_range(const char *s, long min, long max, long *ret)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || *end || end == s || v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

int cli_add_path(const char *cmd, const char *p, char ***paths, size_t *n)
{
        char **v;

        /* Prefixes are stored one a line in a baseline's description. */
        if (has_control(p, strlen(p))) {
                _cleanup_(freep) char *e = NULL;

                (void) escape_text_alloc(p, &e);
                return usage_error(cmd, "--path '%s' contains a control character", e ?: "?");
        }
        if (path_has_dotdot(p))
                return usage_error(cmd, "--path '%s' must not contain '..'", p);
        v = realloc(*paths, (*n + 2) * sizeof(char *));
        if (!v)
                return error("out of memory");
        *paths = v;
        if (asprintf(&v[*n], "%s%s", p[0] == '/' ? "" : "/", p) < 0)
                return error("out of memory");
        v[++*n] = NULL;
        return 0;
}

void cli_strv_free(char **v, size_t n)
{
        size_t i;

        for (i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

int cli_exit_status(struct output *o)
{
        int r = EXIT_CLEAN;

        for (int s = cli.fail_on_level ?: SEVERITY_LOW; s <= SEVERITY_CRITICAL; s++)
                if (o->by_severity[s])
                        r = EXIT_ALERT;
        /* text: its summary and the findings held; JSON: the run summary last */
        (void) output_finish(o);
        cli_run_summary(r);
        if (o->error == -EPIPE)
                return EXIT_CLOSED_OUTPUT;
        if (o->error)
                return error("cannot write output: %s", strerror(-o->error));
        return r;
}

struct progress_ui {
        pthread_t thread;
        const char *what;
        struct walk_progress *p;
        atomic_bool stop;
};

void human_bytes(char *buf, size_t n, double v)
{
        static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
        size_t u = 0;

        while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
                v /= 1024;
                u++;
        }
        snprintf(buf, n, u == 0 || v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
}

#define PROGRESS_TICK_MS 250            /* at most 4 redraws a second */
#define PROGRESS_WINDOW 12              /* ticks the rate is measured over (3 s) */

/* One progress line: the phase, and with a known total "X of Y, rate, time
 * left" (the rate over the last few seconds of bytes done). */
static void progress_draw(struct progress_ui *ui, const unsigned long long *window, unsigned filled)
{
        struct walk_progress *p = ui->p;
        unsigned long long total = atomic_load(&p->total_bytes), done = atomic_load(&p->done_bytes);
        int phase = atomic_load(&p->phase);
        char place[sizeof(p->place)], d[32], t[32], r[32], line[256];
        double rate = filled > 1 ? (double) (window[filled - 1] - window[0]) * 1000 /
                                   ((filled - 1) * PROGRESS_TICK_MS) : 0;
        size_t n;

        walk_progress_get_place(p, place, sizeof(place));
        if (phase == WALK_PHASE_PLAN) {
                n = (size_t) snprintf(line, sizeof(line), "scanning %s: metadata, %llu entries", place,
                                      (unsigned long long) atomic_load(&p->total_entries));
        } else if (phase == WALK_PHASE_METADATA && !total) {
                n = (size_t) snprintf(line, sizeof(line), "scanning %s: metadata, %llu entries", place,
                                      (unsigned long long) atomic_load(&p->entries));
        } else if (!total) {
                human_bytes(d, sizeof(d), (double) atomic_load(&p->bytes));
                n = (size_t) snprintf(line, sizeof(line), "hashing %llu of %llu files, %s",
                                      (unsigned long long) atomic_load(&p->hashed),
                                      (unsigned long long) atomic_load(&p->hash_total), d);
        } else {
                if (done > total)
                        done = total;
                human_bytes(d, sizeof(d), (double) done);
                human_bytes(t, sizeof(t), (double) total);
                n = phase == WALK_PHASE_HASHING ?
                        (size_t) snprintf(line, sizeof(line), "hashing %s of %s", d, t) :
                        (size_t) snprintf(line, sizeof(line), "scanning %s: metadata, %s of %s", place, d, t);
                if (rate > 0 && n < sizeof(line)) {
                        human_bytes(r, sizeof(r), rate);
                        n += (size_t) snprintf(line + n, sizeof(line) - n, ", %s/s, %.0f s left", r,
                                               (double) (total - done) / rate + 0.5);
                }
        }
        (void) n;
        fprintf(stderr, "\r\033[Kdriftwatch %s: %s", ui->what, line);
        fflush(stderr);
}

static void *progress_thread(void *arg)
{
        struct progress_ui *ui = arg;
        const struct timespec tick = { 0, PROGRESS_TICK_MS * 1000 * 1000 };
        unsigned long long window[PROGRESS_WINDOW];
        unsigned filled = 0;
        bool drawn = false;

        while (!atomic_load(&ui->stop)) {
                nanosleep(&tick, NULL);
                if (atomic_load(&ui->stop))
                        break;
                if (filled == PROGRESS_WINDOW) {
                        memmove(window, window + 1, (PROGRESS_WINDOW - 1) * sizeof(*window));
                        filled--;
                }
                window[filled++] = atomic_load(&ui->p->done_bytes);
                if (atomic_load(&ui->p->phase) == WALK_PHASE_NONE)
                        continue;
                progress_draw(ui, window, filled);
                drawn = true;
        }
        if (drawn) {
                fputs("\r\033[K", stderr);
                fflush(stderr);
        }
        return NULL;
}

struct progress_ui *progress_start(const char *what, struct walk_progress *p)
{
        struct progress_ui *ui;

        if (cli.quiet || !(cli.progress || isatty(STDERR_FILENO)))
                return NULL;
        ui = calloc(1, sizeof(*ui));
        if (!ui)
                return NULL;
        ui->what = what;
        ui->p = p;
        atomic_store(&p->wanted, true);
        if (pthread_create(&ui->thread, NULL, progress_thread, ui) != 0) {
                free(ui);
                return NULL;
        }
        return ui;
}

void progress_stop(struct progress_ui *ui)
{
        if (!ui)
                return;
        atomic_store(&ui->stop, true);
        pthread_join(ui->thread, NULL);
        free(ui);
}
