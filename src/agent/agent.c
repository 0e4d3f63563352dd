/* The agent's main loop; see agent.h and docs/agent.md.
 *
 * One thread. poll() waits on a signalfd (SIGTERM, SIGINT, SIGHUP: stop;
 * SIGCHLD: a schedule ended), a timerfd armed for the nearest deadline (a
 * schedule, the heartbeat, an output's retry, the audit assembler's tick),
 * the audit stream and the pipe of the schedule running. Nothing wakes the
 * agent when there is nothing to do.
 *
 * Findings reach the spool in three ways, each rendered by report/output.c:
 * the audit analytics in this process (the assembler and detector `audit
 * --plugin` uses, fed line by line), a schedule's child process writing JSON
 * Lines into a pipe (the capability function of the command of the same
 * name: a crash or a hang of a parser stays in the child), and the agent's
 * own events (heartbeat, spool full, output failing). Each batch is
 * committed in one transaction with what it advances: the audit position per
 * node, a schedule's next run, the journal cursor. */
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

#include "agent/event.h"
#include "agent/guard.h"
#include "agent/output.h"
#include "agent/sandbox.h"
#include "agent/schedule.h"
#include "agent/state.h"
#include "audit/detect.h"
#include "audit/event.h"
#include "audit/reader.h"
#include "basic/buf.h"
#include "basic/fd-util.h"
#include "basic/time-util.h"
#include "journal/cursor.h"
#include "journal/sd-journal-reader.h"
#include "report/json.h"

#define OUTPUT_BATCH 256
#define OUTPUT_BATCH_BYTES ((size_t) 4 << 20)
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
/* Batches one output may send before the loop looks at its inputs again. */
#define BATCHES_PER_TURN 8
#define AUDIT_CHUNK ((size_t) 64 << 10)
#define AUDIT_WINDOW_MS 2000
#define AUDIT_TICK_MS 500
/* How long after the last audit line the detector is still ticked past the
 * longest it may hold something (its buckets and upgrade events close by the
 * wall clock). */
#define AUDIT_TICK_MARGIN_MS 30000
#define AUDIT_MAX_NODES 256
#define CHILD_CHUNK ((size_t) 64 << 10)
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
        char error[512];
};

/* Complete lines out of a byte stream, each at most max bytes (longer ones
 * are skipped to their end and counted). */
struct lines {
        struct buf b;
        size_t max;
        bool skipping;
        uint64_t skipped;
};

/* Per node: the newest event handed to the analytics (pos: a resent event
 * at or before it is skipped), and the position saved in the state, which
 * lags it by the analytics' longest hold (replay_s of stream time): the
 * findings of every event up to the saved position are out, whatever the
 * analytics still held when the agent was killed; the events after it are
 * analysed again when sent again (duplicates of the same findings). The
 * ring keeps one candidate per second of stream time. */
#define POSITION_RING 256
struct node_position {
        char node[128];
        struct agent_audit_position pos, saved;
        bool known, dirty;
        struct agent_audit_position ring[POSITION_RING];
        unsigned ring_head, ring_n;
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

        /* the audit stream */
        int audit_fd;
        bool audit_eof;
        struct lines audit_lines;
        struct audit_assembler *assembler;
        struct audit_detect *detect;
        struct node_position nodes[AUDIT_MAX_NODES];
        size_t n_nodes;
        uint64_t audit_last_ms;
        uint64_t audit_events, audit_resent;
        uint64_t replay_s;              /* the analytics' longest hold, in stream seconds */
        uint64_t tick_for_ms;           /* how long the analytics are ticked after the last line */

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
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
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

/* The URL as it may be shown: without its query (a token, a key's path). */
static void url_shown(const char *url, char *out, size_t n)
{
        size_t k = strcspn(url, "?");

        snprintf(out, n, "%.*s", (int) MIN(k, (size_t) 400), url);
}

/* ---- lines ---- */

static void lines_init(struct lines *l, size_t max)
{
        buf_init(&l->b, max + CHILD_CHUNK);
        l->max = max;
}

/* Appends p[0..n) and calls fn for each complete line. */
static int lines_feed(struct lines *l, const char *p, size_t n, int (*fn)(void *u, const char *line, size_t len),
                      void *u)
{
        while (n > 0) {
                const char *nl = memchr(p, '\n', n);
                size_t take = nl ? (size_t) (nl - p) : n;
                int r;

                if (l->skipping) {
                        if (nl)
                                l->skipping = false;
                } else if (l->b.len + take > l->max) {
                        buf_reset(&l->b);
                        l->skipped++;
                        l->skipping = !nl;
                } else {
                        r = buf_append(&l->b, p, take);
                        if (r < 0)
                                return r;
                        if (nl) {
                                r = fn(u, l->b.data ?: "", l->b.len);
                                buf_reset(&l->b);
                                if (r < 0)
                                        return r;
                        }
                }
                p += take + (nl ? 1 : 0);
                n -= take + (nl ? 1 : 0);
        }
        return 0;
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

/* One finding rendered by the output code into the spool (at severity
 * spool_severity when not 0, else the finding's). */
static int emit_finding_as(struct agent *a, const struct finding *f, int spool_severity)
{
        off_t len;
        int r;

        if (fseeko(a->mem, 0, SEEK_SET) < 0)
                return dw_error_set(a->error, negative_errno(), NULL, "cannot render a finding: %m");
        r = output_emit(&a->render, f);
        if (r < 0)
                return dw_error_set(a->error, r, NULL, "cannot render a finding: %s", strerror(-r));
        if (fflush(a->mem) != 0 || (len = ftello(a->mem)) < 0)
                return dw_error_set(a->error, negative_errno(), NULL, "cannot render a finding: %m");
        if (len == 0)
                return 0;       /* a disabled rule */
        return spool_line(a, a->mem_buf, (size_t) len, spool_severity ?: (int) finding_severity(f));
}

static int emit_finding(struct agent *a, const struct finding *f)
{
        return emit_finding_as(a, f, 0);
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
                        url_shown(a->outputs[i].url, url, sizeof(url));
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
                url_shown(h->output->url, url, sizeof(url));
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

        url_shown(o->url, url, sizeof(url));
        snprintf(msg, sizeof(msg), "output '%s' fails: its events stay in the spool and are retried", url);
        return emit_own(a, "DW-AGENT-OUTPUT-FAILED", true, "output-failed", msg, o->error, &h);
}

static int emit_output_refused(struct agent *a, const struct agent_out *o)
{
        struct health_data h = { .a = a, .output = o };
        char msg[1024], url[512];

        url_shown(o->url, url, sizeof(url));
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

static int on_tamper(const struct agent_guard_change *c, void *userdata)
{
        struct agent *a = userdata;
        struct finding f;
        char msg[PATH_MAX + 256];
        int r = 0;

        snprintf(msg, sizeof(msg), "the agent's %s file '%s' was changed by another process: %s",
                 agent_guard_kind_name(c->kind), c->path, c->what);
        logf_(a, "%s", msg);
        finding_init(&f);
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

/* The agent's binary (what /proc/self/exe names), configuration, rules and
 * state: a file that cannot be watched is said once and left out. */
static int guard_setup(struct agent *a)
{
        char exe[PATH_MAX];
        ssize_t n;
        int r;

        r = agent_guard_new(&a->guard);
        if (r < 0) {
                logf_(a, "cannot watch the agent's own files: %s", strerror(-r));
                return 0;
        }
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

/* What inotify said, once settled; and a commit to agent.db by another connection. */
static int guard_check(struct agent *a, uint64_t now)
{
        int64_t v;
        int r;

        if (!a->guard)
                return 0;
        r = agent_guard_check(a->guard, now, on_tamper, a);
        if (r < 0 || !agent_guard_take_db_written(a->guard))
                return r;
        r = agent_state_data_version(a->state, &v);
        if (r < 0)
                return state_error(a, r);
        if (v != a->db_version) {
                char path[PATH_MAX];
                struct agent_guard_change c = {
                        .path = path, .kind = GUARD_STATE, .type = "change",
                        .what = "another connection committed to it",
                };

                a->db_version = v;
                snprintf(path, sizeof(path), "%s/" AGENT_STATE_DB, a->cfg->state_dir);
                return on_tamper(&c, a);
        }
        return 0;
}

/* ---- the audit stream ---- */

static struct node_position *node_get(struct agent *a, const struct audit_str *node)
{
        char name[128];
        size_t n = MIN(node->len, sizeof(name) - 1);
        struct node_position *p;
        bool found;

        memcpy(name, node->s ?: "", n);
        name[n] = '\0';
        for (size_t i = 0; i < a->n_nodes; i++)
                if (strcmp(a->nodes[i].node, name) == 0)
                        return &a->nodes[i];
        if (a->n_nodes >= AUDIT_MAX_NODES)
                return NULL;    /* more nodes than tracked: no dedupe for the rest */
        p = &a->nodes[a->n_nodes];
        *p = (struct node_position) { 0 };
        strcpy(p->node, name);
        if (agent_state_audit_get(a->state, name, &p->pos, &found) < 0)
                return NULL;
        p->known = found;
        p->saved = p->pos;
        a->n_nodes++;
        return p;
}

static bool position_after(const struct audit_event *ev, const struct agent_audit_position *p)
{
        if (ev->sec != p->sec)
                return ev->sec > p->sec;
        if (ev->msec != p->msec)
                return ev->msec > p->msec;
        return ev->serial > p->serial;
}

/* The newest event of each second goes into the ring; the candidates older
 * than the hold become the saved position (the ring full: the oldest). */
static void position_advance(struct agent *a, struct node_position *p)
{
        struct agent_audit_position *last = p->ring_n ?
                &p->ring[(p->ring_head + p->ring_n - 1) % POSITION_RING] : NULL;

        if (last && last->sec == p->pos.sec)
                *last = p->pos;
        else {
                if (p->ring_n == POSITION_RING) {
                        p->saved = p->ring[p->ring_head];
                        p->ring_head = (p->ring_head + 1) % POSITION_RING;
                        p->ring_n--;
                        p->dirty = true;
                }
                p->ring[(p->ring_head + p->ring_n++) % POSITION_RING] = p->pos;
        }
        while (p->ring_n > 0 && p->ring[p->ring_head].sec + a->replay_s < p->pos.sec) {
                p->saved = p->ring[p->ring_head];
                p->ring_head = (p->ring_head + 1) % POSITION_RING;
                p->ring_n--;
                p->dirty = true;
        }
}

/* Everything analysed is out (the end of the stream, a stop): the saved
 * position is the newest. */
static void positions_settle(struct agent *a)
{
        for (size_t i = 0; i < a->n_nodes; i++) {
                struct node_position *p = &a->nodes[i];

                if (p->known) {
                        p->saved = p->pos;
                        p->ring_n = 0;
                        p->dirty = true;
                }
        }
}

/* An event of the stream: one already handed to the analytics before a
 * restart (auditd's dispatcher may send it again) is skipped. */
static int on_audit_event(const struct audit_event *ev, void *userdata)
{
        struct agent *a = userdata;
        struct node_position *p = node_get(a, &ev->node);

        if (p && p->known && !position_after(ev, &p->pos)) {
                a->audit_resent++;
                return 0;
        }
        if (p) {
                p->pos = (struct agent_audit_position) { .sec = ev->sec, .msec = ev->msec, .serial = ev->serial };
                p->known = true;
                position_advance(a, p);
        }
        a->audit_events++;
        return audit_detect_event(ev, a->detect);
}

static int on_audit_finding(const struct finding *f, void *userdata)
{
        return emit_finding(userdata, f);
}

static int on_audit_line(void *userdata, const char *line, size_t len)
{
        struct agent *a = userdata;

        return audit_assembler_feed(a->assembler, line, len, 0);
}

/* The positions reached, in the transaction of the findings they made. */
static int audit_commit(struct agent *a)
{
        int r = agent_state_begin(a->state);

        for (size_t i = 0; i < a->n_nodes && r >= 0; i++)
                if (a->nodes[i].dirty) {
                        r = agent_state_audit_set(a->state, a->nodes[i].node, &a->nodes[i].saved);
                        a->nodes[i].dirty = false;
                }
        if (r >= 0)
                r = agent_state_commit(a->state);
        return r < 0 ? state_error(a, r) : 0;
}

static int audit_error(struct agent *a, int r)
{
        if (a->error && a->error->r)
                return r;
        return dw_error_set(a->error, r, NULL, "cannot analyse the audit stream: %s", strerror(-r));
}

static int audit_setup(struct agent *a)
{
        struct audit_detect_options o = {
                .rules = a->ctx->rules,
                .resolve_units = true,  /* a live stream: units from /proc */
        };
        struct audit_limits lim;
        int r;

        audit_limits_default(&lim);
        lim.window_ms = AUDIT_WINDOW_MS;
        /* What the analytics may hold back: a create for its rename (2 s), a
         * write inferred from argv, a bulk bucket; the assembler's window on top. */
        a->replay_s = MAX(MAX(a->ctx->rules->audit.argv_window_s, a->ctx->rules->audit.bulk_window_s), 2u) +
                      AUDIT_WINDOW_MS / 1000 + 1;
        a->tick_for_ms = (uint64_t) MAX(a->replay_s, (uint64_t) a->ctx->rules->audit.upgrade_idle_s) * 1000 +
                         AUDIT_TICK_MARGIN_MS;
        r = audit_detect_new(&o, on_audit_finding, a, &a->detect);
        if (r >= 0)
                r = audit_assembler_new(&lim, on_audit_event, a, &a->assembler);
        if (r < 0)
                return dw_error_set(a->error, r, NULL, "cannot set up the audit analytics: %s", strerror(-r));
        lines_init(&a->audit_lines, LINE_READER_DEFAULT_MAX);
        return 0;
}

/* The end of the stream (or of the agent): everything still open is reported. */
static int audit_finish(struct agent *a)
{
        int r = 0;

        if (!a->assembler)
                return 0;
        if (a->audit_lines.b.len > 0) {
                r = audit_assembler_feed(a->assembler, a->audit_lines.b.data, a->audit_lines.b.len, LINE_NO_NEWLINE);
                buf_reset(&a->audit_lines.b);
        }
        if (r >= 0)
                r = audit_assembler_flush(a->assembler);
        if (r >= 0)
                r = audit_detect_flush(a->detect);
        if (r < 0)
                return audit_error(a, r);
        positions_settle(a);
        return audit_commit(a);
}

static int audit_read(struct agent *a)
{
        char buf[AUDIT_CHUNK];
        ssize_t n = read(a->audit_fd, buf, sizeof(buf));
        int r;

        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return 0;
        if (n <= 0) {
                if (n < 0)
                        logf_(a, "cannot read the audit stream: %m: taken as its end");
                a->audit_eof = true;
                return audit_finish(a);
        }
        a->audit_last_ms = now_ms();
        r = lines_feed(&a->audit_lines, buf, (size_t) n, on_audit_line, a);
        if (r < 0)
                return audit_error(a, r);
        return audit_commit(a);
}

static int audit_tick(struct agent *a, uint64_t now)
{
        int r = audit_assembler_tick(a->assembler, now);
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        if (r >= 0)
                r = audit_detect_tick(a->detect, (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000);
        if (r < 0)
                return audit_error(a, r);
        return audit_commit(a);
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

/* In the child: the capability into the pipe, then _exit (no atexit, no
 * stdio buffers of the parent's written twice). */
__attribute__((noreturn)) static void child_main(struct agent *a, enum agent_capability c, int fd)
{
        struct agent_run_paths paths = {
                .state_dir = a->cfg->state_dir,
                .state_db = a->state_db,
                .journal_cursor = a->journal_cursor,
                .journal_dir = a->cfg->journal_dir,
        };
        struct dw_error e = { 0 };
        struct output out;
        sigset_t all;
        bool landlock;
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
        f = fdopen(fd, "w");
        if (!f)
                _exit(3);
        /* Inventory and container keep no state: they may write nothing. The
         * others write beneath the state directory only; status runs bootc. */
        r = agent_sandbox_child(c == AGENT_INVENTORY || c == AGENT_CONTAINER ? NULL : a->cfg->state_dir,
                                c == AGENT_STATUS, &landlock);
        if (r < 0) {
                fprintf(f, "!cannot apply the sandbox: %s\n", strerror(-r));
                _exit(fflush(f) != 0 ? 3 : 1);
        }
        if (getenv("DW_AGENT_SANDBOX_PROBE"))
                sandbox_probe(f, getenv("DW_AGENT_SANDBOX_PROBE"), landlock);
        agent_output_init(a, &out, f);
        r = agent_schedule_run(a->ctx, c, &paths, &out, &e);
        if (r < 0)
                fprintf(f, "!%s\n", dw_error_reason(&e));
        _exit(fflush(f) != 0 ? 3 : r < 0 ? 1 : 0);
}

static int schedule_start(struct agent *a, enum agent_capability c)
{
        _cleanup_(freep) char *cursor = NULL;
        int p[2], r;
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
        if (pipe2(p, O_CLOEXEC) < 0)
                return dw_error_set(a->error, -errno, NULL, "cannot start schedule '%s': %m", agent_capability_name(c));
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(p[0]);
                close(p[1]);
                return dw_error_set(a->error, r, NULL, "cannot start schedule '%s': %s", agent_capability_name(c),
                                    strerror(-r));
        }
        if (pid == 0) {
                close(p[0]);
                child_main(a, c, p[1]);
        }
        close(p[1]);
        (void) fcntl(p[0], F_SETFL, O_NONBLOCK);
        a->child = pid;
        a->child_fd = p[0];
        a->child_cap = c;
        a->child_started = now_realtime();
        a->child_eof = a->child_reaped = false;
        a->child_error[0] = '\0';
        buf_reset(&a->child_lines.b);
        a->child_lines.skipping = false;
        return 0;
}

static int child_read(struct agent *a)
{
        char buf[CHILD_CHUNK];
        ssize_t n = read(a->child_fd, buf, sizeof(buf));
        int r;

        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return 0;
        if (n <= 0) {
                close(a->child_fd);
                a->child_fd = -1;
                a->child_eof = true;
                return 0;
        }
        r = lines_feed(&a->child_lines, buf, (size_t) n, on_child_line, a);
        if (r < 0)
                return r;
        r = agent_state_commit(a->state);
        return r < 0 ? state_error(a, r) : 0;
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

static void reap(struct agent *a)
{
        int status;

        if (a->child > 0 && !a->child_reaped && waitpid(a->child, &status, WNOHANG) == a->child) {
                a->child_status = status;
                a->child_reaped = true;
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

                snprintf(o->error, sizeof(o->error), "%s", dw_error_reason(&e));
                dw_error_release(&e);
                o->failing = true;
                o->backoff_ms = o->backoff_ms ? MIN(o->backoff_ms * 2, (uint64_t) BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
                o->retry_at_ms = now_ms() + o->backoff_ms;
                if (!was) {
                        logf_(a, "%s; events stay spooled, retried in %llu s", o->error,
                              (unsigned long long) o->backoff_ms / 1000);
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
                snprintf(o->error, sizeof(o->error), "%s", dw_error_reason(&e));
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

                url_shown(o->url, url, sizeof(url));
                logf_(a, "output '%s' delivers again", url);
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
        if (a->assembler && !a->audit_eof && a->audit_last_ms && now - a->audit_last_ms < a->tick_for_ms)
                wake = MIN(wake, now + AUDIT_TICK_MS);
        if (a->guard)
                wake = MIN(wake, agent_guard_deadline(a->guard));
        return wake;
}

static int open_outputs(struct agent *a)
{
        const char *urls[AGENT_STATE_MAX_OUTPUTS];
        int64_t ids[AGENT_STATE_MAX_OUTPUTS];
        int r;

        if (a->cfg->n_outputs > AGENT_STATE_MAX_OUTPUTS)
                return dw_error_set(a->error, -E2BIG, NULL, "more than %d outputs", AGENT_STATE_MAX_OUTPUTS);
        for (size_t i = 0; i < a->cfg->n_outputs; i++) {
                struct agent_out *o = &a->outputs[i];

                o->url = urls[i] = a->cfg->outputs[i];
                o->ops = agent_output_lookup(o->url);
                if (!o->ops)
                        return dw_error_set(a->error, -EINVAL, o->url, "unknown output '%s' (file:/PATH, "
                                            "syslog+tcp://HOST:PORT, syslog+tls://HOST:PORT, journal:)", o->url);
                r = o->ops->open(o->url, &o->o, a->error);
                if (r < 0)
                        return a->error && a->error->r ? r :
                               dw_error_set(a->error, r, o->url, "cannot use output '%s': %s", o->url, strerror(-r));
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
        audit_assembler_free(a->assembler);
        audit_detect_free(a->detect);
        buf_release(&a->audit_lines.b);
        buf_release(&a->child_lines.b);
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
                /* The end: the audit stream ended, or (--once) nothing is due or running. */
                if (!draining && !a->child &&
                    ((a->cfg->audit_stdin && a->audit_eof) ||
                     (a->cfg->once && !a->cfg->audit_stdin && schedule_due(a, now_rt) < 0)))
                        draining = true;
                if (draining && !a->child) {
                        if (a->cfg->heartbeat_s) {
                                r = emit_heartbeat(a);
                                if (r < 0)
                                        return r;
                        }
                        return drain(a);
                }
                r = guard_check(a, now);
                if (r < 0)
                        return r;
                r = deliver(a, &busy);
                if (r < 0)
                        return r;

                p[n++] = (struct pollfd) { .fd = a->sfd, .events = POLLIN };
                p[n++] = (struct pollfd) { .fd = a->tfd, .events = POLLIN };
                if (a->assembler && !a->audit_eof) {
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
                } else if (a->assembler && !a->audit_eof && a->audit_last_ms &&
                           now_ms() - a->audit_last_ms >= AUDIT_TICK_MS &&
                           now_ms() - a->audit_last_ms < a->tick_for_ms + AUDIT_TICK_MS) {
                        r = audit_tick(a, now_ms());
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
                .sfd = -1, .tfd = -1, .audit_fd = STDIN_FILENO, .child_fd = -1,
        };
        _cleanup_(closep) int lock = -1;
        _cleanup_(freep) char *lock_path = NULL;
        bool bounding;
        int r;

        a.started_ms = now_ms();
        /* Before anything is read: the capabilities the agent does not need go. */
        r = agent_privileges_drop(agent_privileges_kept(), &bounding);
        if (r < 0)
                return dw_error_set(e, r, NULL, "cannot drop the agent's privileges: %s", strerror(-r));
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
        r = open_outputs(&a);
        if (r < 0)
                goto out;
        r = setup_fds(&a);
        if (r < 0)
                goto out;
        r = schedules_load(&a);
        if (r < 0)
                goto out;
        r = guard_setup(&a);
        if (r < 0)
                goto out;
        journal_watch_setup(&a);
        if (cfg->audit_stdin) {
                r = audit_setup(&a);
                if (r < 0)
                        goto out;
        }
        a.next_heartbeat_ms = a.started_ms;     /* one at the start: a restart is visible */
        r = loop(&a);
        if (r >= 0 && a.stop && a.assembler && !a.audit_eof)
                r = audit_finish(&a);   /* stopped: what the analytics hold goes to the spool */
out:
        agent_release(&a);
        return r;
}
