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
        char command[128];
        const char *coverage[CLI_RUN_MAX_COVERAGE];
        size_t n_coverage;
        const char *baseline;
        long long start_ns;
        struct timespec start;
        struct output *out;
        bool done;
} cli_run;

void cli_run_begin(const char *command, const char *subcommand)
{
        struct timespec now;

        snprintf(cli_run.command, sizeof(cli_run.command), "%s%s%s", command, subcommand ? " " : "",
                 subcommand ?: "");
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

/* Writes the run summary once, to the output of the run (JSON), or as a line
 * on stderr (text, unless --quiet or the run failed: its error line says it). */
static void cli_run_summary(int exit_status)
{
        const struct output_run run = {
                .command = cli_run.command[0] ? cli_run.command : NULL,
                .coverage = cli_run.coverage,
                .n_coverage = cli_run.n_coverage,
                .baseline = cli_run.baseline,
                .start_ns = cli_run.start_ns,
                .duration_ns = (long long) (cli_seconds_since(&cli_run.start) * 1e9),
                .exit_status = exit_status,
        };
        struct output *o = cli_run.out, e;

        if (!o || cli_run.done || o->error || !cli_rules)
                return;
        cli_run.done = true;
        if (o->format == OUTPUT_TEXT) {
                if (cli.quiet || exit_status == EXIT_TROUBLE)
                        return;
                e = *o;
                e.f = stderr;
                (void) output_run_summary(&e, ruleset_rule(cli_rules, "DW-RUN-SUMMARY"), &run);
                return;
        }
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
static const struct output_host *cli_observer(void)
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

void cli_output_init(struct output *o, enum output_format format, const char *host)
{
        output_init(o, format, stdout, host);
        o->min_level = cli.min_level;
        o->observer = *cli_observer();
        if (host == o->observer.name)
                o->host_id = o->observer.id;
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
        if (!o->error)
                cli_run_summary(r);
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

static void *progress_thread(void *arg)
{
        struct progress_ui *ui = arg;
        const struct timespec tick = { 0, 100 * 1000 * 1000 };
        unsigned ticks = 0;

        while (!atomic_load(&ui->stop)) {
                unsigned long long total = atomic_load(&ui->p->hash_total);

                nanosleep(&tick, NULL);
                if (++ticks < 5)        /* quiet for short runs */
                        continue;
                if (total == 0) {
                        fprintf(stderr, "\r\033[K%s: %llu entries", ui->what,
                                (unsigned long long) atomic_load(&ui->p->entries));
                } else {
                        unsigned long long done = atomic_load(&ui->p->hashed);
                        unsigned pct = (unsigned) (done * 100 / total);
                        char bar[21];

                        memset(bar, '#', pct / 5);
                        memset(bar + pct / 5, '.', 20 - pct / 5);
                        bar[20] = '\0';
                        fprintf(stderr, "\r\033[K%s: [%s] %3u%% %llu/%llu files, %.1f MiB hashed", ui->what, bar,
                                pct, done, total, (double) atomic_load(&ui->p->bytes) / (1 << 20));
                }
        }
        if (ticks >= 5)
                fputs("\r\033[K", stderr);
        return NULL;
}

struct progress_ui *progress_start(const char *what, struct walk_progress *p)
{
        struct progress_ui *ui;

        if (cli.quiet || !isatty(STDERR_FILENO))
                return NULL;
        ui = calloc(1, sizeof(*ui));
        if (!ui)
                return NULL;
        ui->what = what;
        ui->p = p;
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
