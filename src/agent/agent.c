/* The agent's main loop; see agent.h and docs/agent.md.
 *
 * One thread. poll() waits on a signalfd (SIGTERM, SIGINT, SIGHUP: stop;
 * SIGCHLD: a child ended, the schedule's or the audit stream's), a timerfd
 * armed for the nearest deadline (a schedule, the heartbeat, an output's
 * retry), the pipe of the audit stream's child and the pipe of the schedule
 * running. Nothing wakes the agent when there is nothing to do.
 *
 * Findings reach the spool in three ways, each rendered by report/output.c:
 * the audit stream's child (audit-child.c: with --audit-stdin, one child
 * started with the agent owns standard input and runs the assembler and
 * detector `audit --plugin` uses in a sandbox that may write nothing; its
 * findings and stream positions come through a pipe), a schedule's child
 * process writing JSON Lines into a pipe (the capability function of the
 * command of the same name), so a crash or a hang of a parser of hostile
 * input stays in a child that can write nothing but its pipe and the
 * schedules' own state; and the agent's own events (heartbeat, spool full,
 * output failing, the audit child's end). Each batch is committed in one
 * transaction with what it advances: the audit position per node, a
 * schedule's next run, the journal cursor. */
#define _GNU_SOURCE
#include "agent/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/audit-child.h"
#include "agent/event.h"
#include "agent/guard.h"
#include "agent/lines.h"
#include "agent/output.h"
#include "agent/sandbox.h"
#include "agent/schedule.h"
#include "agent/state.h"
#include "agent/url.h"
#include "basic/buf.h"
#include "basic/fd-util.h"
#include "basic/time-util.h"
#include "capability/scan.h"
#include "journal/cursor.h"
#include "journal/sd-journal-reader.h"
#include "report/json.h"

#define OUTPUT_BATCH 256
#define OUTPUT_BATCH_BYTES ((size_t) 4 << 20)
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
/* An output that keeps failing is said again on standard error this often. */
#define OUTPUT_LOG_EVERY_MS 60000
/* Batches one output may send before the loop looks at its inputs again. */
#define BATCHES_PER_TURN 8
/* How long the audit stream's child may take to report what it holds when
 * the agent stops (then it is killed). */
#define AUDIT_STOP_MS 10000
/* The journal schedule runs at most this often when the journal grows. */
#define JOURNAL_MIN_GAP_S 5
/* The spool is no longer full below this share of its cap (percent). */
#define SPOOL_FULL_CLEAR 90

struct agent_out {
        const char *url;
        const struct agent_output_ops *ops;
        struct agent_output *o;
        int64_t id;
        bool maybe_pending;     /* the spool may hold events for it */
        bool failing;
        uint64_t backoff_ms, retry_at_ms;
        uint64_t logged_ms;     /* when its failing was last said on standard error */
        char error[512];        /* why it fails, its URL's query left out */
};

struct agent {
        const struct dw_context *ctx;
        const struct agent_config *cfg;
        agent_log_fn log;
        void *userdata;
        struct dw_error *error;

        struct agent_state *state;
        struct agent_out outputs[AGENT_STATE_MAX_OUTPUTS];
        size_t n_outputs;
        int sfd, tfd;
        bool stop;

        /* rendering */
        struct output render;
        FILE *mem;
        char *mem_buf;
        size_t mem_size;
        bool spool_full, in_health;

        /* the audit stream: its child and the child's pipe */
        pid_t audit_child;
        int audit_fd;
        struct lines audit_lines;
        bool audit_reaped;
        int audit_status;
        bool audit_done;                /* the child ended: the stream's end, or a failure */
        bool audit_failed;
        char audit_error[512];
        uint64_t audit_events, audit_resent;

        /* schedules */
        int64_t next_run[_AGENT_CAPABILITY_MAX];
        int64_t last_run[_AGENT_CAPABILITY_MAX];
        pid_t child;
        int child_fd;
        enum agent_capability child_cap;
        int64_t child_started;
        struct lines child_lines;
        char child_error[512];
        bool child_eof, child_reaped;
        int child_status;
        char *state_db, *journal_cursor;

        uint64_t next_heartbeat_ms;
        uint64_t started_ms;

        /* the journal, watched: its growth makes the journal schedule due */
        struct sd_journal_watch *journal_watch;
        bool journal_grew;              /* while the journal schedule ran */

        /* self-protection */
        struct agent_guard *guard;
        int64_t db_version;
};

static uint64_t now_ms(void)
{
        return clock_ms(CLOCK_MONOTONIC);
}

static int64_t now_realtime(void)
{
        return (int64_t) time(NULL);
}

static uint64_t random_below(uint64_t n)
{
        uint64_t v = 0;

        if (n == 0)
                return 0;
        if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
                v = (uint64_t) now_ms() * 6364136223846793005ULL + (uint64_t) getpid();
        return v % (n + 1);
}

static void logf_(struct agent *a, const char *fmt, ...) _printf_(2, 3);
static void logf_(struct agent *a, const char *fmt, ...)
{
        char msg[1024];
        va_list ap;

        if (!a->log)
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        a->log(a->userdata, msg);
}

static int state_error(struct agent *a, int r)
{
        return dw_error_set(a->error, r, a->cfg->state_dir, "cannot write agent state in '%s': %s",
                            a->cfg->state_dir, strerror(-r));
}

/* ---- the spool ---- */

static int64_t event_time_ns(const char *json, size_t len)
{
        const char *v, *dot;
        int64_t sec;
        int64_t frac = 0;
        size_t n;

        if (!agent_json_member(json, len, NULL, "@timestamp", &v, &n) || rfc3339_parse(v, n, &sec) < 0) {
                struct timespec ts;

                clock_gettime(CLOCK_REALTIME, &ts);
                return timespec_to_ns(&ts);
        }
        dot = memchr(v, '.', n);
        if (dot) {
                int digits = 0;

                for (const char *p = dot + 1; p < v + n && *p >= '0' && *p <= '9' && digits < 9; p++, digits++)
                        frac = frac * 10 + (*p - '0');
                for (; digits < 9; digits++)
                        frac *= 10;
        }
        return sec * 1000000000 + frac;
}

static int emit_health_full(struct agent *a, uint64_t dropped);

static int spool_line(struct agent *a, const char *json, size_t len, int severity)
{
        char id[AGENT_EVENT_ID_MAX];
        uint64_t dropped = 0, events, bytes;
        int r;

        while (len > 0 && (json[len - 1] == '\n' || json[len - 1] == '\r'))
                len--;
        if (len == 0)
                return 0;
        r = agent_event_id(json, len, id);
        if (r < 0)
                return dw_error_set(a->error, r, NULL, "cannot compute an event id: %s", strerror(-r));
        r = agent_state_begin(a->state);
        if (r >= 0)
                r = agent_state_spool_add(a->state, json, len, id, severity, event_time_ns(json, len), &dropped);
        if (r == -E2BIG) {
                logf_(a, "an event of %zu bytes is larger than the spool takes: dropped", len);
                return agent_state_counter_add(a->state, "dropped-oversized", 1);
        }
        if (r < 0)
                return state_error(a, r);
        for (size_t i = 0; i < a->n_outputs; i++)
                a->outputs[i].maybe_pending = true;
        agent_state_spool_depth(a->state, &events, &bytes);
        if (dropped && !a->spool_full && !a->in_health) {
                a->spool_full = true;
                r = emit_health_full(a, dropped);
                if (r < 0)
                        return r;
        } else if (a->spool_full && a->cfg->spool_max && bytes < a->cfg->spool_max / 100 * SPOOL_FULL_CLEAR)
                a->spool_full = false;
        return 0;
}

/* One of the agent's own events rendered by the output code into the spool
 * (at severity spool_severity when not 0, else the finding's). Each happens
 * at a time, which is its timestamp: without one, the event.id of a finding
 * is that of the state it reports, and every heartbeat, or every tamper of
 * one file, would carry the same (an index that keeps one document per id
 * would keep the first). */
static int emit_finding_as(struct agent *a, struct finding *f, int spool_severity)
{
        char ts[TIMESTAMP_LEN];
        off_t len;
        int r;

        if (!f->timestamp) {
                format_timestamp(ts, (long long) clock_ms(CLOCK_REALTIME) * 1000000);
                f->timestamp = ts;
        }
        if (fseeko(a->mem, 0, SEEK_SET) < 0)
                return dw_error_set(a->error, negative_errno(), NULL, "cannot render a finding: %m");
        r = output_emit(&a->render, f);
        if (f->timestamp == ts)
                f->timestamp = NULL;
        if (r < 0)
                return dw_error_set(a->error, r, NULL, "cannot render a finding: %s", strerror(-r));
        if (fflush(a->mem) != 0 || (len = ftello(a->mem)) < 0)
                return dw_error_set(a->error, negative_errno(), NULL, "cannot render a finding: %m");
        if (len == 0)
                return 0;       /* a disabled rule */
        return spool_line(a, a->mem_buf, (size_t) len, spool_severity ?: (int) finding_severity(f));
}

/* ---- the agent's own events ---- */

struct health_data {
        struct agent *a;
        uint64_t dropped;
        const struct agent_out *output;
        bool heartbeat;
        int64_t dropped_total, dropped_since;
};

static void json_spool(struct json *j, struct agent *a)
{
        uint64_t events, bytes;

        agent_state_spool_depth(a->state, &events, &bytes);
        json_object_begin(j, "spool");
        json_int(j, "events", (int64_t) events);
        json_int(j, "bytes", (int64_t) bytes);
        json_int(j, "max_bytes", (int64_t) a->cfg->spool_max);
        json_bool(j, "full", a->spool_full);
        json_object_end(j);
}

static void json_counter(struct json *j, struct agent *a, const char *key, const char *name)
{
        int64_t v = 0;

        (void) agent_state_counter_get(a->state, name, &v);
        json_int(j, key, v);
}

static void json_heartbeat(struct json *j, const void *data)
{
        const struct health_data *h = data;
        struct agent *a = h->a;
        char url[512], when[RFC3339_LEN];

        json_object_begin(j, "agent");
        json_spool(j, a);
        if (h->heartbeat) {
                json_object_begin(j, "dropped");
                json_int(j, "policy", h->dropped_total);
                json_int(j, "policy_since_last_heartbeat", h->dropped_since);
                json_counter(j, a, "policy_low", "dropped-policy-low");
                json_counter(j, a, "policy_medium", "dropped-policy-medium");
                json_counter(j, a, "policy_high", "dropped-policy-high");
                json_counter(j, a, "policy_critical", "dropped-policy-critical");
                json_counter(j, a, "unconfigured", "dropped-unconfigured");
                json_counter(j, a, "oversized", "dropped-oversized");
                json_object_end(j);
                json_array_begin(j, "outputs");
                for (size_t i = 0; i < a->n_outputs; i++) {
                        struct agent_output_counts c = { 0 };

                        (void) agent_state_output_counts(a->state, a->outputs[i].id, &c);
                        url_redact(a->outputs[i].url, url, sizeof(url));
                        json_object_begin(j, NULL);
                        json_string(j, "url", url);
                        json_int(j, "pending", (int64_t) c.pending);
                        json_int(j, "delivered", (int64_t) c.delivered);
                        json_int(j, "failed", (int64_t) c.failed);
                        json_string(j, "state", a->outputs[i].failing ? "failing" : "ok");
                        if (a->outputs[i].failing)
                                json_string(j, "error", a->outputs[i].error);
                        json_object_end(j);
                }
                json_array_end(j);
                json_object_begin(j, "schedules");
                for (size_t c = 0; c < _AGENT_CAPABILITY_MAX; c++) {
                        struct agent_schedule_state st;

                        if (!a->cfg->schedules[c].interval_s)
                                continue;
                        json_object_begin(j, agent_capability_name(c));
                        json_int(j, "interval_seconds", (int64_t) a->cfg->schedules[c].interval_s);
                        if (agent_state_schedule_get(a->state, agent_capability_name(c), &st) >= 0 && st.last_run) {
                                rfc3339_format(st.last_run, when);
                                json_string(j, "last_run", when);
                                json_string(j, "last_status", st.last_status);
                        }
                        rfc3339_format(a->next_run[c], when);
                        json_string(j, "next_run", when);
                        json_object_end(j);
                }
                json_object_end(j);
                if (a->cfg->audit_stdin) {
                        json_object_begin(j, "audit");
                        json_int(j, "events", (int64_t) a->audit_events);
                        json_int(j, "resent_skipped", (int64_t) a->audit_resent);
                        json_object_end(j);
                }
                json_int(j, "uptime_seconds", (int64_t) ((now_ms() - a->started_ms) / 1000));
                json_int(j, "heartbeat_seconds", (int64_t) a->cfg->heartbeat_s);
        }
        if (h->dropped)
                json_int(j, "dropped_now", (int64_t) h->dropped);
        if (h->output) {
                url_redact(h->output->url, url, sizeof(url));
                json_string(j, "output", url);
        }
        json_object_end(j);
}

static int emit_own(struct agent *a, const char *rule_id, bool alert, const char *action, const char *message,
                    const char *error, struct health_data *h)
{
        struct finding f;
        int r;

        finding_init(&f);
        f.rule = ruleset_rule(a->ctx->rules, rule_id);
        f.alert = alert;
        f.category = "host";
        f.type = "info";
        f.action = action;
        f.dataset = "driftwatch.agent";
        f.message = message;
        f.error = error;
        f.json_extra = json_heartbeat;
        f.json_extra_data = h;
        a->in_health = true;
        r = emit_finding_as(a, &f, AGENT_SEVERITY_OWN);
        a->in_health = false;
        finding_release(&f);
        return r;
}

static int emit_health_full(struct agent *a, uint64_t dropped)
{
        struct health_data h = { .a = a, .dropped = dropped };
        char msg[256];

        snprintf(msg, sizeof(msg), "the agent's spool reached its cap of %llu bytes: the oldest events of the lowest "
                                   "severity are dropped to make room", (unsigned long long) a->cfg->spool_max);
        logf_(a, "%s", msg);
        return emit_own(a, "DW-AGENT-SPOOL-FULL", true, "spool-full", msg, NULL, &h);
}

static int emit_output_failed(struct agent *a, const struct agent_out *o)
{
        struct health_data h = { .a = a, .output = o };
        char msg[1024], url[512];

        url_redact(o->url, url, sizeof(url));
        snprintf(msg, sizeof(msg), "output '%s' fails: its events stay in the spool and are retried", url);
        return emit_own(a, "DW-AGENT-OUTPUT-FAILED", true, "output-failed", msg, o->error, &h);
}

static int emit_output_refused(struct agent *a, const struct agent_out *o)
{
        struct health_data h = { .a = a, .output = o };
        char msg[1024], url[512];

        url_redact(o->url, url, sizeof(url));
        snprintf(msg, sizeof(msg), "output '%s' delivers, but its receiver refused events for good: dropped", url);
        return emit_own(a, "DW-AGENT-OUTPUT-REFUSED", true, "output-refused", msg, o->error, &h);
}

static int emit_heartbeat(struct agent *a)
{
        struct health_data h = { .a = a, .heartbeat = true };
        int64_t reported = 0;
        char msg[256];
        uint64_t events, bytes;
        int r;

        (void) agent_state_counter_get(a->state, "dropped-policy", &h.dropped_total);
        (void) agent_state_counter_get(a->state, "dropped-policy-reported", &reported);
        h.dropped_since = h.dropped_total - reported;
        agent_state_spool_depth(a->state, &events, &bytes);
        snprintf(msg, sizeof(msg), "driftwatch agent running: %llu events spooled, %lld dropped by the spool's policy "
                                   "since the last heartbeat", (unsigned long long) events, (long long) h.dropped_since);
        r = emit_own(a, "DW-AGENT-HEARTBEAT", false, "agent-heartbeat", msg, NULL, &h);
        if (r < 0)
                return r;
        r = agent_state_counter_add(a->state, "dropped-policy-reported", h.dropped_since);
        if (r >= 0)
                r = agent_state_commit(a->state);
        return r < 0 ? state_error(a, r) : 0;
}

/* ---- self-protection ---- */

static void json_tamper(struct json *j, const void *data)
{
        const struct agent_guard_change *c = data;

        json_object_begin(j, "agent");
        json_object_begin(j, "tamper");
        json_string(j, "file", agent_guard_kind_name(c->kind));
        json_string(j, "change", c->what);
        json_object_end(j);
        json_object_end(j);
}

/* A change; w: the process that made it, when known. */
static int tamper(struct agent *a, const struct agent_guard_change *c, const struct agent_guard_writer *w)
{
        struct finding_process p = { .pid = -1, .ppid = -1, .uid = -1, .euid = -1, .auid = -1 };
        struct finding f;
        char msg[PATH_MAX + 256], by[64] = "";
        int r = 0;

        if (w && w->pid > 0) {
                p.pid = w->pid;
                p.name = w->name[0] ? w->name : NULL;
                snprintf(by, sizeof(by), " (pid %d%s%s)", w->pid, w->name[0] ? ", " : "", w->name);
        }
        snprintf(msg, sizeof(msg), "the agent's %s file '%s' was changed by another process%s: %s",
                 agent_guard_kind_name(c->kind), c->path, by, c->what);
        logf_(a, "%s", msg);
        finding_init(&f);
        if (p.pid > 0)
                f.process = &p;
        f.rule = ruleset_rule(a->ctx->rules, "DW-AGENT-TAMPER");
        f.alert = true;
        f.category = "file";
        f.type = c->type;
        f.action = "agent-tamper";
        f.dataset = "driftwatch.agent";
        f.message = msg;
        f.path = c->path;
        f.path_len = strlen(c->path);
        f.json_extra = json_tamper;
        f.json_extra_data = c;
        for (size_t i = 0; i < c->n_changed && r >= 0; i++) {
                r = finding_add_changed(&f, c->changed[i], strlen(c->changed[i]));
                if (r >= 0)
                        r = finding_add_value(&f, c->changed[i], c->before[i], c->before[i] ? strlen(c->before[i]) : 0,
                                              c->after[i], c->after[i] ? strlen(c->after[i]) : 0);
        }
        a->in_health = true;
        if (r >= 0)
                r = emit_finding_as(a, &f, AGENT_SEVERITY_OWN);
        else
                r = dw_error_set(a->error, r, NULL, "cannot render a finding: %s", strerror(-r));
        a->in_health = false;
        finding_release(&f);
        if (r >= 0)
                r = agent_state_commit(a->state);
        return r < 0 && !(a->error && a->error->r) ? state_error(a, r) : r;
}

static int on_tamper(const struct agent_guard_change *c, void *userdata)
{
        return tamper(userdata, c, NULL);
}

/* The agent's binary (what /proc/self/exe names), configuration, rules and
 * state: a file that cannot be watched is said once and left out. */
static int guard_setup(struct agent *a)
{
        char exe[PATH_MAX];
        ssize_t n;
        int r;

        if (!a->guard)
                return 0;
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n > 0) {
                exe[n] = '\0';
                r = agent_guard_add_file(a->guard, exe, GUARD_BINARY);
                if (r < 0)
                        logf_(a, "cannot watch binary '%s': %s", exe, strerror(-r));
        }
        if (a->cfg->config_path && (r = agent_guard_add_file(a->guard, a->cfg->config_path, GUARD_CONFIG)) < 0)
                logf_(a, "cannot watch configuration '%s': %s", a->cfg->config_path, strerror(-r));
        if (a->cfg->rules_path && (r = agent_guard_add_file(a->guard, a->cfg->rules_path, GUARD_RULES)) < 0)
                logf_(a, "cannot watch rules '%s': %s", a->cfg->rules_path, strerror(-r));
        if (a->cfg->rules_dir && (r = agent_guard_add_rules_dir(a->guard, a->cfg->rules_dir)) < 0 && r != -ENOENT)
                logf_(a, "cannot watch rules directory '%s': %s", a->cfg->rules_dir, strerror(-r));
        r = agent_guard_add_state(a->guard, a->cfg->state_dir);
        if (r < 0)
                logf_(a, "cannot watch state directory '%s': %s", a->cfg->state_dir, strerror(-r));
        r = agent_state_data_version(a->state, &a->db_version);
        return r < 0 ? state_error(a, r) : 0;
}

/* What inotify said, once settled; a commit to agent.db by another
 * connection; bytes written into it or its WAL by another process. A
 * commit's writes are seen before it is (data_version changes when it
 * ends): a write by another process is judged once it settled, and is one
 * finding with the commit it was part of. */
static int guard_check(struct agent *a, uint64_t now)
{
        struct agent_guard_writer w = { 0 };
        struct agent_guard_change c = { .kind = GUARD_STATE, .type = "change" };
        char path[PATH_MAX];
        bool written, foreign;
        int64_t v;
        int r;

        if (!a->guard)
                return 0;
        r = agent_guard_check(a->guard, now, on_tamper, a);
        if (r < 0)
                return r;
        written = agent_guard_take_db_written(a->guard);
        foreign = agent_guard_take_foreign_write(a->guard, now, false, &w);
        if (!written && !foreign)
                return 0;
        r = agent_state_data_version(a->state, &v);
        if (r < 0)
                return state_error(a, r);
        if (v != a->db_version) {
                a->db_version = v;
                foreign |= agent_guard_take_foreign_write(a->guard, now, true, &w);
                c.what = "another connection committed to it";
        } else if (foreign)
                c.what = "written by another process";
        else
                return 0;
        snprintf(path, sizeof(path), "%s/" AGENT_STATE_DB, a->cfg->state_dir);
        c.path = path;
        return tamper(a, &c, foreign ? &w : NULL);
}

/* ---- schedules ---- */

static int64_t schedule_next(const struct agent_schedule *s, int64_t from)
{
        return from + (int64_t) s->interval_s + (int64_t) random_below(s->jitter_s);
}

static int schedules_load(struct agent *a)
{
        int64_t now = now_realtime();

        for (size_t c = 0; c < _AGENT_CAPABILITY_MAX; c++) {
                const struct agent_schedule *s = &a->cfg->schedules[c];
                struct agent_schedule_state st;
                int r;

                if (!s->interval_s)
                        continue;
                r = agent_state_schedule_get(a->state, agent_capability_name(c), &st);
                if (r < 0)
                        return state_error(a, r);
                a->last_run[c] = st.last_run;
                if (st.next_run)
                        /* A shorter interval configured since takes effect at once. */
                        a->next_run[c] = st.last_run ? MIN(st.next_run, st.last_run + (int64_t) s->interval_s +
                                                                        (int64_t) s->jitter_s) : st.next_run;
                else
                        /* Never run: now, or (many hosts starting together) within the jitter. */
                        a->next_run[c] = a->cfg->once ? now : now + (int64_t) random_below(s->jitter_s);
        }
        return 0;
}

static int on_child_line(void *userdata, const char *line, size_t len)
{
        struct agent *a = userdata;

        if (len > 0 && line[0] == '!') {
                snprintf(a->child_error, sizeof(a->child_error), "%.*s", (int) MIN(len - 1, (size_t) 500), line + 1);
                return 0;
        }
        if (len == 0 || line[0] != '{')
                return 0;
        return spool_line(a, line, len, agent_event_severity(line, len));
}

/* The JSON output every event is rendered by, in the agent and in a
 * schedule's child alike: the host as the one-shot commands name it (so the
 * same finding has the same event.id), observer.* the agent's machine. */
static void agent_output_init(const struct agent *a, struct output *o, FILE *f)
{
        output_init(o, OUTPUT_JSON, f, a->ctx->host);
        o->show_events = true;
        o->host_id = a->cfg->host_id;
        o->observer = a->cfg->observer;
        o->rule_reference_base = a->cfg->rule_reference_base;
}

/* For the tests only (tests/e2e/test-agent-guard.sh, docs/agent.md): with
 * DW_AGENT_SANDBOX_PROBE=PATH in its environment, a schedule's child tries,
 * inside its sandbox, what the sandbox forbids (create PATH, open an
 * AF_INET socket, run /bin/true), reports what each gave as its run's
 * error, stays 2 s for the test to read its /proc/PID/status, and fails. */
static const char *errno_name(int e)
{
        return e == 0 ? "ok" : strerrorname_np(e) ?: "?";
}

__attribute__((noreturn)) static void sandbox_probe(FILE *f, const char *path, bool landlock)
{
        int create, sock, exec;
        char *const argv[] = { (char *) "true", NULL };
        struct timespec two = { .tv_sec = 2 };
        int fd;

        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        create = fd < 0 ? errno : 0;
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sock = fd < 0 ? errno : 0;
        (void) execve("/bin/true", argv, environ);
        exec = errno;
        fprintf(f, "!sandbox probe: create %s, socket %s, execve %s, landlock %s\n", errno_name(create),
                errno_name(sock), errno_name(exec), landlock ? "yes" : "no");
        fflush(f);
        while (nanosleep(&two, &two) < 0 && errno == EINTR)
                ;
        _exit(1);
}

/* In a child: its pipe as a stream, once the sandbox is applied (or the
 * probe's run: it does not return then); on failure, _exit. */
static FILE *child_confine(int fd, const char *write_dir, bool allow_exec)
{
        bool landlock;
        FILE *f = fdopen(fd, "w");
        int r;

        if (!f)
                _exit(3);
        r = agent_sandbox_child(write_dir, allow_exec, &landlock);
        if (r < 0) {
                fprintf(f, "!cannot apply the sandbox: %s\n", strerror(-r));
                _exit(fflush(f) != 0 ? 3 : 1);
        }
        if (getenv("DW_AGENT_SANDBOX_PROBE"))
                sandbox_probe(f, getenv("DW_AGENT_SANDBOX_PROBE"), landlock);
        return f;
}

/* In the child: the capability into the pipe, then _exit (no atexit, no
 * stdio buffers of the parent's written twice). */
__attribute__((noreturn)) static void child_main(struct agent *a, enum agent_capability c, int fd)
{
        char scratch[PATH_MAX];
        struct agent_run_paths paths = {
                .state_dir = a->cfg->state_dir,
                .state_db = a->state_db,
                .journal_cursor = a->journal_cursor,
                .journal_dir = a->cfg->journal_dir,
                .scan_root = a->cfg->scan_root,
                .scratch_dir = scratch,
        };
        struct dw_error e = { 0 };
        struct output out;
        sigset_t all;
        FILE *f;
        int r, null;

        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        sigemptyset(&all);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        sigprocmask(SIG_SETMASK, &all, NULL);
        null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null >= 0)
                (void) dup2(null, STDIN_FILENO);
        /* Inventory keeps no state: it may write nothing; container only
         * librpm's copies of a container's rpm database, in the scratch
         * directory. The others write beneath the state directory only;
         * status runs bootc. */
        snprintf(scratch, sizeof(scratch), "%s/" SCAN_SCRATCH_DIR, a->cfg->state_dir);
        if (c == AGENT_CONTAINER)
                (void) mkdir(scratch, 0700);
        f = child_confine(fd, c == AGENT_INVENTORY ? NULL : c == AGENT_CONTAINER ? scratch : a->cfg->state_dir,
                          c == AGENT_STATUS);
        agent_output_init(a, &out, f);
        r = agent_schedule_run(a->ctx, c, &paths, &out, &e);
        if (r < 0)
                fprintf(f, "!%s\n", dw_error_reason(&e));
        _exit(fflush(f) != 0 ? 3 : r < 0 ? 1 : 0);
}

/* A child with a pipe: in the agent, *ret_pid its pid and *ret_fd the
 * pipe's end to read (non-blocking); in the child, *ret_pid 0 and *ret_fd
 * the end to write. 0, or -errno with the error set ("cannot start WHAT"). */
static int fork_piped(struct agent *a, const char *what, pid_t *ret_pid, int *ret_fd)
{
        int p[2], r;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return dw_error_set(a->error, -errno, NULL, "cannot start %s: %m", what);
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(p[0]);
                close(p[1]);
                return dw_error_set(a->error, r, NULL, "cannot start %s: %s", what, strerror(-r));
        }
        close(p[pid == 0 ? 0 : 1]);
        if (pid > 0)
                (void) fcntl(p[0], F_SETFL, O_NONBLOCK);
        *ret_pid = pid;
        *ret_fd = p[pid == 0 ? 1 : 0];
        return 0;
}

static int schedule_start(struct agent *a, enum agent_capability c)
{
        _cleanup_(freep) char *cursor = NULL;
        char what[64];
        int fd, r;
        pid_t pid;

        if (c == AGENT_JOURNAL) {
                /* The database's cursor is the one that counts: the file is its copy for the run. */
                r = agent_state_get_text(a->state, "journal-cursor", &cursor);
                if (r < 0)
                        return state_error(a, r);
                r = cursor ? cursor_file_write(a->journal_cursor, cursor) : (unlink(a->journal_cursor) < 0 &&
                                                                            errno != ENOENT ? -errno : 0);
                if (r < 0)
                        return dw_error_set(a->error, r, a->journal_cursor, "cannot write cursor file '%s': %s",
                                            a->journal_cursor, strerror(-r));
        }
        snprintf(what, sizeof(what), "schedule '%s'", agent_capability_name(c));
        r = fork_piped(a, what, &pid, &fd);
        if (r < 0)
                return r;
        if (pid == 0)
                child_main(a, c, fd);
        a->child = pid;
        a->child_fd = fd;
        a->child_cap = c;
        a->child_started = now_realtime();
        a->child_eof = a->child_reaped = false;
        a->child_error[0] = '\0';
        lines_reset(&a->child_lines);
        return 0;
}

/* What a child wrote into its pipe *fd, line by line through fn, committed
 * in one transaction (findings with what they advance). Its end: *fd closed
 * and -1, a line begun dropped (the child died writing it). */
static int pipe_read(struct agent *a, int *fd, struct lines *l, lines_fn fn)
{
        char buf[LINES_CHUNK];
        uint64_t skipped = l->skipped;
        ssize_t n = read(*fd, buf, sizeof(buf));
        int r;

        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return 0;
        if (n <= 0) {
                close(*fd);
                *fd = -1;
                lines_reset(l);
                return 0;
        }
        r = lines_feed(l, buf, (size_t) n, fn, a);
        if (r < 0)
                return r;
        if (l->skipped != skipped) {
                logf_(a, "a finding larger than the spool takes: dropped");
                r = agent_state_begin(a->state);
                if (r >= 0)
                        r = agent_state_counter_add(a->state, "dropped-oversized", (int64_t) (l->skipped - skipped));
        }
        if (r >= 0)
                r = agent_state_commit(a->state);
        return r < 0 ? state_error(a, r) : 0;
}

static int child_read(struct agent *a)
{
        int r = pipe_read(a, &a->child_fd, &a->child_lines, on_child_line);

        if (a->child_fd < 0)
                a->child_eof = true;
        return r;
}

/* Both ends seen (the pipe's end, the exit): the run is recorded. */
static int schedule_finish(struct agent *a)
{
        enum agent_capability c = a->child_cap;
        struct agent_schedule_state st = { .last_run = a->child_started };
        _cleanup_(freep) char *cursor = NULL;
        int r;

        if (WIFEXITED(a->child_status) && WEXITSTATUS(a->child_status) == 0)
                strcpy(st.last_status, "ok");
        else if (a->child_error[0])
                snprintf(st.last_status, sizeof(st.last_status), "%s", a->child_error);
        else if (WIFSIGNALED(a->child_status))
                snprintf(st.last_status, sizeof(st.last_status), "killed by signal %d", WTERMSIG(a->child_status));
        else
                snprintf(st.last_status, sizeof(st.last_status), "exited with status %d",
                         WEXITSTATUS(a->child_status));
        st.next_run = schedule_next(&a->cfg->schedules[c], a->child_started);
        r = agent_state_begin(a->state);
        if (r >= 0 && c == AGENT_JOURNAL && strcmp(st.last_status, "ok") == 0 &&
            cursor_file_read(a->journal_cursor, &cursor) >= 0)
                r = agent_state_set_text(a->state, "journal-cursor", cursor);
        if (r >= 0)
                r = agent_state_schedule_set(a->state, agent_capability_name(c), &st);
        if (r >= 0)
                r = agent_state_commit(a->state);
        if (r < 0)
                return state_error(a, r);
        if (strcmp(st.last_status, "ok") != 0)
                logf_(a, "schedule '%s' failed: %s", agent_capability_name(c), st.last_status);
        a->last_run[c] = st.last_run;
        a->next_run[c] = st.next_run;
        if (c == AGENT_JOURNAL && a->journal_grew) {
                /* entries the run may have started too early for */
                a->journal_grew = false;
                a->next_run[c] = MIN(a->next_run[c], st.last_run + JOURNAL_MIN_GAP_S);
        }
        a->child = 0;
        return 0;
}

/* Which child ended: the schedule's, the audit stream's (SIGCHLD, and every turn of the loop). */
static void reap(struct agent *a)
{
        int status;

        if (a->child > 0 && !a->child_reaped && waitpid(a->child, &status, WNOHANG) == a->child) {
                a->child_status = status;
                a->child_reaped = true;
        }
        if (a->audit_child > 0 && !a->audit_reaped && waitpid(a->audit_child, &status, WNOHANG) == a->audit_child) {
                a->audit_status = status;
                a->audit_reaped = true;
        }
}

/* The schedule due first, if any is due (and none runs). */
static int schedule_due(struct agent *a, int64_t now)
{
        int best = -1;

        for (size_t c = 0; c < _AGENT_CAPABILITY_MAX; c++)
                if (a->cfg->schedules[c].interval_s && a->next_run[c] <= now &&
                    (best < 0 || a->next_run[c] < a->next_run[best]))
                        best = (int) c;
        return best;
}

/* The journal grew: its schedule is due (at most every JOURNAL_MIN_GAP_S). */
static void journal_read(struct agent *a)
{
        int r = sd_journal_watch_process(a->journal_watch);

        if (r < 0) {
                logf_(a, "cannot watch the journal: %s: read on the journal schedule's period only", strerror(-r));
                a->journal_watch = sd_journal_watch_free(a->journal_watch);
                return;
        }
        if (r == 0)
                return;
        if (a->child && a->child_cap == AGENT_JOURNAL)
                a->journal_grew = true;
        else
                a->next_run[AGENT_JOURNAL] = MIN(a->next_run[AGENT_JOURNAL],
                                                 MAX(now_realtime(), a->last_run[AGENT_JOURNAL] + JOURNAL_MIN_GAP_S));
}

static void journal_watch_setup(struct agent *a)
{
        const char *dir = agent_journal_directory(a->cfg->journal_dir);
        int r;

        if (!a->cfg->schedules[AGENT_JOURNAL].interval_s || a->cfg->once)
                return;
        r = sd_journal_watch_open(dir, &a->journal_watch);
        if (r < 0)
                logf_(a, "cannot watch journal '%s': %s: read on the journal schedule's period only", dir,
                      strerror(-r));
}

/* ---- the audit stream ---- */

struct saved_list {
        struct audit_child_saved *v;
        size_t n;
};

static int on_saved(const char *node, const struct agent_audit_position *p, void *userdata)
{
        struct saved_list *l = userdata;

        if (strlen(node) >= AUDIT_CHILD_NODE_MAX || l->n >= AUDIT_CHILD_MAX_NODES)
                return 0;
        snprintf(l->v[l->n].node, sizeof(l->v[l->n].node), "%s", node);
        l->v[l->n++].pos = *p;
        return 0;
}

/* In the audit stream's child: nothing of the agent's but standard input,
 * standard error and the pipe, as descriptor 3 (not its database, its
 * outputs' connections, its other descriptors: the sandbox confines what
 * is opened, not what is open), the sandbox, then the analytics; _exit. */
__attribute__((noreturn)) static void audit_child_main(struct agent *a, pid_t parent, int fd,
                                                       const struct saved_list *saved)
{
        struct output out;
        FILE *f;
        int null;

        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
                _exit(1);       /* the agent died before the line above */
        signal(SIGPIPE, SIG_DFL);
        null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null >= 0)
                (void) dup2(null, STDOUT_FILENO);
        if (fd != 3) {
                if (dup2(fd, 3) < 0)
                        _exit(3);
                fd = 3;
        }
        (void) close_range(4, ~0U, 0);
        f = child_confine(fd, NULL, false);
        /* What one read of the stream makes, in one write as a rule: one read
         * and one commit in the agent. */
        (void) setvbuf(f, NULL, _IOFBF, LINES_CHUNK);
        agent_output_init(a, &out, f);
        _exit(audit_child_run(a->ctx, saved->v, saved->n, STDIN_FILENO, &out, f));
}

/* The child that owns the stream, given the positions saved; standard
 * input is then /dev/null in the agent. */
static int audit_child_start(struct agent *a)
{
        _cleanup_(freep) struct audit_child_saved *v = calloc(AUDIT_CHILD_MAX_NODES, sizeof(*v));
        struct saved_list saved = { .v = v };
        pid_t parent = getpid(), pid;
        int fd, r, null;

        if (!v)
                return dw_error_set(a->error, -ENOMEM, NULL, "out of memory");
        r = agent_state_audit_list(a->state, AUDIT_CHILD_MAX_NODES, on_saved, &saved);
        if (r < 0)
                return state_error(a, r);
        r = fork_piped(a, "the audit analytics", &pid, &fd);
        if (r < 0)
                return r;
        if (pid == 0)
                audit_child_main(a, parent, fd, &saved);
        a->audit_child = pid;
        a->audit_fd = fd;
        null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0)
                r = dw_error_set(a->error, -errno, NULL, "cannot give the audit stream to its analytics: %m");
        if (null >= 0)
                close(null);
        return r;
}

static int on_audit_record(void *userdata, const char *line, size_t len)
{
        struct agent *a = userdata;
        struct audit_child_record rec;
        int r;

        if (audit_child_record_parse(line, len, &rec) < 0) {
                logf_(a, "the audit analytics wrote a record the agent does not know: '%.*s': ignored",
                      (int) MIN(len, (size_t) 200), line);
                return 0;
        }
        switch (rec.kind) {
        case AUDIT_CHILD_RECORD_FINDING:
                return spool_line(a, line, len, agent_event_severity(line, len));
        case AUDIT_CHILD_RECORD_ERROR:
                snprintf(a->audit_error, sizeof(a->audit_error), "%.*s", (int) MIN(rec.len, (size_t) 500), rec.text);
                return 0;
        case AUDIT_CHILD_RECORD_POSITION:
                /* in the transaction of the findings before it */
                r = agent_state_begin(a->state);
                if (r >= 0)
                        r = agent_state_audit_set(a->state, rec.node, &rec.pos);
                return r < 0 ? state_error(a, r) : 0;
        case AUDIT_CHILD_RECORD_COUNTS:
                a->audit_events = rec.events;
                a->audit_resent = rec.resent;
                return 0;
        case AUDIT_CHILD_RECORD_NONE:
                break;
        }
        return 0;
}

/* Findings and positions: a position is committed with the findings before it. */
static int audit_read(struct agent *a)
{
        return pipe_read(a, &a->audit_fd, &a->audit_lines, on_audit_record);
}

/* Both ends of the child seen (its pipe's end, its exit): at the stream's
 * end it exits 0; anything else is a failure, reported (DW-AGENT-AUDIT-FAILED)
 * once what it wrote is committed. */
static int audit_child_ended(struct agent *a)
{
        int st = a->audit_status, r;
        struct health_data h = { .a = a };
        char why[sizeof(a->audit_error)], msg[1024];

        a->audit_child = 0;
        a->audit_done = true;
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
                if (a->audit_error[0])
                        logf_(a, "%s", a->audit_error);
                return 0;
        }
        a->audit_failed = true;
        if (a->audit_error[0])
                snprintf(why, sizeof(why), "%s", a->audit_error);
        else if (WIFSIGNALED(st))
                snprintf(why, sizeof(why), "killed by signal %d (%s)", WTERMSIG(st), sigabbrev_np(WTERMSIG(st)) ?: "?");
        else
                snprintf(why, sizeof(why), "exited with status %d", WEXITSTATUS(st));
        snprintf(msg, sizeof(msg), "the audit stream's analytics ended: %s; what they held is lost, what they "
                                   "reported is spooled", why);
        logf_(a, "%s", msg);
        snprintf(a->audit_error, sizeof(a->audit_error), "%s", why);
        r = emit_own(a, "DW-AGENT-AUDIT-FAILED", true, "audit-failed", msg, why, &h);
        if (r >= 0)
                r = agent_state_commit(a->state);
        return r < 0 && !(a->error && a->error->r) ? state_error(a, r) : r;
}

/* A stop: the child reports what the analytics hold and ends (killed when
 * it takes longer than AUDIT_STOP_MS); what it wrote is committed. */
static int audit_child_stop(struct agent *a)
{
        uint64_t deadline = now_ms() + AUDIT_STOP_MS;
        bool killed = false;
        int r = 0;

        if (!a->audit_child)
                return 0;
        if (!a->audit_reaped)
                (void) kill(a->audit_child, SIGTERM);
        while (a->audit_fd >= 0 && r >= 0) {
                struct pollfd p = { .fd = a->audit_fd, .events = POLLIN };
                uint64_t now = now_ms();

                if (!killed && now >= deadline) {
                        logf_(a, "the audit analytics did not end within %d s: killed", AUDIT_STOP_MS / 1000);
                        (void) kill(a->audit_child, SIGKILL);
                        killed = true;
                }
                if (poll(&p, 1, killed ? -1 : (int) (deadline - now)) < 0 && errno != EINTR)
                        return dw_error_set(a->error, -errno, NULL, "poll failed: %m");
                if (p.revents)
                        r = audit_read(a);
        }
        if (r >= 0 && !a->audit_reaped && waitpid(a->audit_child, &a->audit_status, 0) == a->audit_child)
                a->audit_reaped = true;
        return r >= 0 ? audit_child_ended(a) : r;
}

/* ---- outputs ---- */

static int deliver_one(struct agent *a, struct agent_out *o, bool *ret_more)
{
        bool acked[OUTPUT_BATCH] = { false };
        struct dw_error e = { 0 };
        const struct agent_event *ev;
        size_t n, n_acked = 0;
        int r, s;

        *ret_more = false;
        r = agent_state_commit(a->state);       /* what is spooled, before anything leaves */
        if (r >= 0)
                r = agent_state_pending(a->state, o->id, OUTPUT_BATCH, OUTPUT_BATCH_BYTES, &ev, &n);
        if (r < 0)
                return state_error(a, r);
        if (n == 0) {
                o->maybe_pending = false;
                return 0;
        }
        s = o->ops->send(o->o, ev, n, acked, &e);
        for (size_t i = 0; i < n; i++)
                n_acked += acked[i];
        r = agent_state_begin(a->state);
        if (r >= 0 && n_acked)
                r = agent_state_ack(a->state, o->id, ev, acked, n);
        if (r >= 0 && s < 0)
                r = agent_state_output_failed(a->state, o->id);
        if (r >= 0)
                r = agent_state_commit(a->state);
        if (r < 0) {
                dw_error_release(&e);
                return state_error(a, r);
        }
        if (s < 0) {
                bool was = o->failing;
                uint64_t now = now_ms();

                url_redact_in(dw_error_reason(&e), o->url, o->error, sizeof(o->error));
                dw_error_release(&e);
                o->failing = true;
                o->backoff_ms = o->backoff_ms ? MIN(o->backoff_ms * 2, (uint64_t) BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
                o->retry_at_ms = now + o->backoff_ms;
                /* On standard error (the journal under systemd), whatever the
                 * spool's outputs do: when it starts failing, then at most once
                 * a minute while it keeps failing. */
                if (!was || now - o->logged_ms >= OUTPUT_LOG_EVERY_MS) {
                        char url[512];

                        url_redact(o->url, url, sizeof(url));
                        logf_(a, "output '%s': failing: %s; retrying in %llu s", url, o->error,
                              (unsigned long long) o->backoff_ms / 1000);
                        o->logged_ms = now;
                }
                if (!was) {
                        r = emit_output_failed(a, o);
                        if (r < 0)
                                return r;
                        r = agent_state_commit(a->state);
                        if (r < 0)
                                return state_error(a, r);
                }
                return 0;
        }
        if (e.r) {
                /* delivered, with a warning: the receiver refused some events for
                 * good (an HTTP 4xx item) and the output dropped them, counted */
                url_redact_in(dw_error_reason(&e), o->url, o->error, sizeof(o->error));
                logf_(a, "%s", o->error);
                r = emit_output_refused(a, o);
                if (r >= 0)
                        r = agent_state_commit(a->state);
                if (r < 0) {
                        dw_error_release(&e);
                        return state_error(a, r);
                }
        }
        dw_error_release(&e);
        if (o->failing) {
                char url[512];

                url_redact(o->url, url, sizeof(url));
                logf_(a, "output '%s': delivers again", url);
        }
        o->failing = false;
        o->backoff_ms = 0;
        if (n_acked < n) {
                /* The receiver refused some: they are retried, after a pause. */
                o->retry_at_ms = now_ms() + BACKOFF_MIN_MS;
                return 0;
        }
        *ret_more = n == OUTPUT_BATCH;
        if (!*ret_more)
                o->maybe_pending = false;
        return 0;
}

/* Each output ready (a failing one once its retry is due): a few batches,
 * up to the first that fails. *ret_busy: one has more to send now. */
static int deliver(struct agent *a, bool *ret_busy)
{
        uint64_t now = now_ms();

        *ret_busy = false;
        for (size_t i = 0; i < a->n_outputs; i++) {
                struct agent_out *o = &a->outputs[i];
                bool more = true;

                if (!o->maybe_pending || now < o->retry_at_ms)
                        continue;
                for (int k = 0; k < BATCHES_PER_TURN && more; k++) {
                        int r = deliver_one(a, o, &more);

                        if (r < 0)
                                return r;
                        if (o->failing)
                                break;  /* backed off: retried at retry_at_ms */
                }
                if (more && !o->failing)
                        *ret_busy = true;
        }
        return 0;
}

/* The end: every output takes what it accepts now (one attempt for one that fails). */
static int drain(struct agent *a)
{
        for (size_t i = 0; i < a->n_outputs; i++) {
                struct agent_out *o = &a->outputs[i];
                bool more = true;

                o->maybe_pending = true;
                while (more && !a->stop) {
                        bool was = o->failing;
                        int r = deliver_one(a, o, &more);

                        if (r < 0)
                                return r;
                        if (o->failing && was)
                                break;  /* failed before and again now */
                        if (o->failing)
                                break;
                        if (!more && o->retry_at_ms > now_ms())
                                break;  /* refused items: they stay */
                }
        }
        return 0;
}

/* ---- the loop ---- */

static int signals_read(struct agent *a)
{
        struct signalfd_siginfo si;

        while (read(a->sfd, &si, sizeof(si)) == sizeof(si)) {
                if (si.ssi_signo == SIGCHLD)
                        reap(a);
                else
                        a->stop = true;
        }
        return 0;
}

static void arm_timer(struct agent *a, uint64_t wake_ms, uint64_t now)
{
        struct itimerspec its = { 0 };

        if (wake_ms != UINT64_MAX) {
                uint64_t d = wake_ms > now ? wake_ms - now : 1;

                its.it_value.tv_sec = (time_t) (d / 1000);
                its.it_value.tv_nsec = (long) (d % 1000) * 1000000;
        }
        (void) timerfd_settime(a->tfd, 0, &its, NULL);
}

static uint64_t next_wake(struct agent *a, uint64_t now, int64_t now_rt, bool draining)
{
        uint64_t wake = UINT64_MAX;

        if (a->cfg->heartbeat_s && !a->cfg->once)
                wake = MIN(wake, a->next_heartbeat_ms);
        for (size_t c = 0; c < _AGENT_CAPABILITY_MAX && !a->child && !draining; c++)
                if (a->cfg->schedules[c].interval_s)
                        wake = MIN(wake, now + (uint64_t) MAX(a->next_run[c] - now_rt, (int64_t) 0) * 1000);
        for (size_t i = 0; i < a->n_outputs; i++)
                if (a->outputs[i].maybe_pending && a->outputs[i].retry_at_ms > now)
                        wake = MIN(wake, a->outputs[i].retry_at_ms);
        if (a->guard)
                wake = MIN(wake, agent_guard_deadline(a->guard));
        return wake;
}

static int open_outputs(struct agent *a)
{
        char shown[512], reason[ERROR_REASON_MAX];
        const char *urls[AGENT_STATE_MAX_OUTPUTS];
        int64_t ids[AGENT_STATE_MAX_OUTPUTS];
        int r;

        if (a->cfg->n_outputs > AGENT_STATE_MAX_OUTPUTS)
                return dw_error_set(a->error, -E2BIG, NULL, "more than %d outputs", AGENT_STATE_MAX_OUTPUTS);
        for (size_t i = 0; i < a->cfg->n_outputs; i++) {
                struct agent_out *o = &a->outputs[i];

                o->url = urls[i] = a->cfg->outputs[i];
                o->ops = agent_output_lookup(o->url);
                url_redact(o->url, shown, sizeof(shown));
                if (!o->ops)
                        return dw_error_set(a->error, -EINVAL, shown, "unknown output '%s' (file:/PATH, "
                                            "syslog+tcp://HOST:PORT, syslog+tls://HOST:PORT, journal:)", shown);
                r = o->ops->open(o->url, &o->o, a->error);
                if (r < 0) {
                        if (!a->error || !a->error->r)
                                return dw_error_set(a->error, r, shown, "cannot use output '%s': %s", shown,
                                                    strerror(-r));
                        /* The reason may quote the URL: never its token or password. */
                        url_redact_in(dw_error_reason(a->error), o->url, reason, sizeof(reason));
                        free(a->error->reason);
                        a->error->reason = strdup(reason);
                        free(a->error->input);
                        a->error->input = strdup(shown);
                        return r;
                }
                a->n_outputs = i + 1;
                o->maybe_pending = true;
        }
        r = agent_state_begin(a->state);
        if (r >= 0)
                r = agent_state_set_outputs(a->state, urls, a->cfg->n_outputs, ids);
        if (r >= 0)
                r = agent_state_commit(a->state);
        if (r < 0)
                return state_error(a, r);
        for (size_t i = 0; i < a->n_outputs; i++)
                a->outputs[i].id = ids[i];
        return 0;
}

static int setup_fds(struct agent *a)
{
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return dw_error_set(a->error, -errno, NULL, "cannot block signals: %m");
        a->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (a->sfd < 0)
                return dw_error_set(a->error, -errno, NULL, "cannot create a signalfd: %m");
        a->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (a->tfd < 0)
                return dw_error_set(a->error, -errno, NULL, "cannot create a timerfd: %m");
        return 0;
}

static void agent_release(struct agent *a)
{
        if (a->child > 0) {
                /* A run cut short is run again at the next start. */
                (void) kill(a->child, SIGTERM);
                (void) waitpid(a->child, NULL, 0);
        }
        if (a->child_fd >= 0)
                close(a->child_fd);
        for (size_t i = 0; i < a->n_outputs; i++)
                a->outputs[i].ops->close(a->outputs[i].o);
        agent_guard_free(a->guard);
        sd_journal_watch_free(a->journal_watch);
        if (a->audit_child > 0 && !a->audit_reaped) {
                (void) kill(a->audit_child, SIGKILL);
                (void) waitpid(a->audit_child, NULL, 0);
        }
        if (a->audit_fd >= 0)
                close(a->audit_fd);
        lines_release(&a->audit_lines);
        lines_release(&a->child_lines);
        if (a->mem)
                fclose(a->mem);
        free(a->mem_buf);
        if (a->state)
                agent_state_commit(a->state);
        agent_state_free(a->state);
        if (a->sfd >= 0)
                close(a->sfd);
        if (a->tfd >= 0)
                close(a->tfd);
        free(a->state_db);
        free(a->journal_cursor);
}

static int loop(struct agent *a)
{
        bool draining = false, busy = false;
        int r;

        for (;;) {
                struct pollfd p[6];
                size_t n = 0;
                int audit_i = -1, child_i = -1, guard_i = -1, journal_i = -1;
                uint64_t now = now_ms();
                int64_t now_rt = now_realtime();
                int due;

                if (a->stop)
                        return 0;
                if (a->child && a->child_eof && a->child_reaped) {
                        r = schedule_finish(a);
                        if (r < 0)
                                return r;
                }
                if (a->audit_child && a->audit_fd < 0 && a->audit_reaped) {
                        r = audit_child_ended(a);
                        if (r < 0)
                                return r;
                }
                if (!a->child && !draining) {
                        due = schedule_due(a, now_rt);
                        if (due >= 0) {
                                r = schedule_start(a, (enum agent_capability) due);
                                if (r < 0)
                                        return r;
                        }
                }
                if (a->cfg->heartbeat_s && !a->cfg->once && now >= a->next_heartbeat_ms) {
                        r = emit_heartbeat(a);
                        if (r < 0)
                                return r;
                        a->next_heartbeat_ms = now + a->cfg->heartbeat_s * 1000;
                }
                /* The end: the audit stream ended (or its analytics failed), or (--once) nothing is due
                 * or running. */
                if (!draining && !a->child &&
                    ((a->cfg->audit_stdin && a->audit_done) ||
                     (a->cfg->once && !a->cfg->audit_stdin && schedule_due(a, now_rt) < 0)))
                        draining = true;
                if (draining && !a->child) {
                        if (a->cfg->heartbeat_s) {
                                r = emit_heartbeat(a);
                                if (r < 0)
                                        return r;
                        }
                        r = drain(a);
                        if (r >= 0 && a->audit_failed)
                                /* auditd starts its plugin again */
                                r = dw_error_set(a->error, -ECHILD, NULL, "the audit stream's analytics ended: %s",
                                                 a->audit_error);
                        return r;
                }
                r = guard_check(a, now);
                if (r < 0)
                        return r;
                r = deliver(a, &busy);
                if (r < 0)
                        return r;

                p[n++] = (struct pollfd) { .fd = a->sfd, .events = POLLIN };
                p[n++] = (struct pollfd) { .fd = a->tfd, .events = POLLIN };
                if (a->audit_fd >= 0) {
                        audit_i = (int) n;
                        p[n++] = (struct pollfd) { .fd = a->audit_fd, .events = POLLIN };
                }
                if (a->child && a->child_fd >= 0) {
                        child_i = (int) n;
                        p[n++] = (struct pollfd) { .fd = a->child_fd, .events = POLLIN };
                }
                if (a->guard) {
                        guard_i = (int) n;
                        p[n++] = (struct pollfd) { .fd = agent_guard_fd(a->guard), .events = POLLIN };
                }
                if (a->journal_watch) {
                        journal_i = (int) n;
                        p[n++] = (struct pollfd) { .fd = sd_journal_watch_fd(a->journal_watch), .events = POLLIN };
                }
                arm_timer(a, next_wake(a, now, now_rt, draining), now);
                if (poll(p, n, busy ? 0 : -1) < 0 && errno != EINTR)
                        return dw_error_set(a->error, -errno, NULL, "poll failed: %m");
                if (p[0].revents)
                        signals_read(a);
                if (p[1].revents) {
                        uint64_t expirations;

                        (void) read(a->tfd, &expirations, sizeof(expirations));
                }
                if (audit_i >= 0 && p[audit_i].revents) {
                        r = audit_read(a);
                        if (r < 0)
                                return r;
                }
                if (child_i >= 0 && p[child_i].revents) {
                        r = child_read(a);
                        if (r < 0)
                                return r;
                }
                if (guard_i >= 0 && p[guard_i].revents && agent_guard_read(a->guard, now_ms()) < 0) {
                        logf_(a, "cannot read the watch on the agent's own files: %m: no longer watched");
                        a->guard = agent_guard_free(a->guard);
                }
                if (journal_i >= 0 && p[journal_i].revents)
                        journal_read(a);
                reap(a);
        }
}

int agent_run(const struct dw_context *ctx, const struct agent_config *cfg, agent_log_fn log, void *userdata,
              struct dw_error *e)
{
        struct agent a = {
                .ctx = ctx, .cfg = cfg, .log = log, .userdata = userdata, .error = e,
                .sfd = -1, .tfd = -1, .audit_fd = -1, .child_fd = -1,
        };
        _cleanup_(closep) int lock = -1;
        _cleanup_(freep) char *lock_path = NULL;
        bool bounding;
        int fan_error = 0, r;

        a.started_ms = now_ms();
        /* While the agent may still have CAP_SYS_ADMIN: fanotify then names
         * every process that writes its database. */
        r = agent_guard_new(&a.guard, &fan_error);
        if (r < 0)
                logf_(&a, "cannot watch the agent's own files: %s", strerror(-r));
        else if (fan_error)
                logf_(&a, "fanotify: %s: bytes written into the agent's database by another process "
                          "are not told from the agent's own", strerror(-fan_error));
        /* Before anything is read: the capabilities the agent does not need go. */
        r = agent_privileges_drop(agent_privileges_kept(), &bounding);
        if (r < 0) {
                r = dw_error_set(e, r, NULL, "cannot drop the agent's privileges: %s", strerror(-r));
                goto out;
        }
        if (!bounding)
                logf_(&a, "without CAP_SETPCAP: the capability bounding set keeps more than CAP_DAC_READ_SEARCH");
        r = agent_state_open(cfg->state_dir, cfg->spool_max, &a.state, e);
        if (r < 0)
                goto out;
        /* One agent per state directory: two would send each other's spool. */
        if (asprintf(&lock_path, "%s/agent.lock", cfg->state_dir) < 0) {
                lock_path = NULL;
                r = dw_error_set(e, -ENOMEM, NULL, "out of memory");
                goto out;
        }
        lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0) {
                r = -errno;
                if (r == -EWOULDBLOCK)
                        r = dw_error_set(e, r, cfg->state_dir, "state directory '%s' is in use by another agent",
                                         cfg->state_dir);
                else
                        r = dw_error_set(e, r, cfg->state_dir, "cannot lock state directory '%s': %s",
                                         cfg->state_dir, strerror(-r));
                goto out;
        }
        if (asprintf(&a.state_db, "%s/state.db", cfg->state_dir) < 0 ||
            asprintf(&a.journal_cursor, "%s/agent-journal.cursor", cfg->state_dir) < 0) {
                r = dw_error_set(e, -ENOMEM, NULL, "out of memory");
                goto out;
        }
        a.mem = open_memstream(&a.mem_buf, &a.mem_size);
        if (!a.mem) {
                r = dw_error_set(e, -ENOMEM, NULL, "out of memory");
                goto out;
        }
        agent_output_init(&a, &a.render, a.mem);
        lines_init(&a.child_lines, AGENT_EVENT_MAX_BYTES);
        lines_init(&a.audit_lines, AGENT_EVENT_MAX_BYTES);
        r = setup_fds(&a);
        if (r < 0)
                goto out;
        /* Before the outputs open: the child is forked from a smaller agent (it
         * closes their descriptors all the same). */
        if (cfg->audit_stdin) {
                r = audit_child_start(&a);
                if (r < 0)
                        goto out;
        }
        r = open_outputs(&a);
        if (r < 0)
                goto out;
        r = schedules_load(&a);
        if (r < 0)
                goto out;
        r = guard_setup(&a);
        if (r < 0)
                goto out;
        journal_watch_setup(&a);
        a.next_heartbeat_ms = a.started_ms;     /* one at the start: a restart is visible */
        r = loop(&a);
        if (r >= 0 && a.stop)
                r = audit_child_stop(&a);       /* what the analytics hold goes to the spool */
out:
        agent_release(&a);
        return r;
}
