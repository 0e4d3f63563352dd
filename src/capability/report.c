/* The evidence report; see report.h and docs/report.md. */
#define _GNU_SOURCE
#include "capability/report.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/state.h"
#include "basic/buf.h"
#include "basic/escape.h"
#include "basic/macros.h"
#include "basic/time-util.h"
#include "image/allowlist.h"
#include "parse/json-util.h"

/* The controls the report has a section for, in this order. */
static const char *const report_controls[] = {
        "CM-2", "CM-3", "CM-5", "CM-6", "CM-7", "CM-8", "SI-4", "SI-7", "AU-2", "AU-6",
        "AU-12", "SR-3", "SR-4", "SR-11", "SC-28", "AC-3", "AC-6", "CA-7", "SA-10", "SA-11",
};
#define N_CONTROLS ARRAY_SIZE(report_controls)
#define MAX_CHECKS 64

struct alert_item {
        int64_t time;
        char *rule, *message, *path;
        enum severity severity;
};

struct check_item {
        char *name;                     /* the event.dataset */
        uint64_t events;
        int64_t last;
};

struct control {
        struct check_item checks[MAX_CHECKS];
        size_t n_checks;
        uint64_t alerts[SEVERITY_CRITICAL + 1], events;
        struct alert_item latest[REPORT_LATEST];        /* ring, by time */
        size_t n_latest;
        bool allowlisted;               /* an allowlist kind maps here */
};

struct point {
        int64_t time;
        char *label;
        uint64_t alerts, allowed;
        struct strv in_use;             /* the distinct allowlist entries that allowed something */
        size_t order;                   /* as read */
};

struct run_item {
        char *source, *command;
        int64_t time;
        uint64_t alerts, events;
        bool summary;
};

struct named_list {
        char *file;
        const char *kind;               /* "etc" or "fim" */
        struct allowlist *list;
};

struct report {
        const struct ruleset *rules;
        const struct report_request *req;
        struct control controls[N_CONTROLS];
        struct point *points;
        size_t n_points;
        struct run_item *runs;
        size_t n_runs;
        struct named_list *lists;
        size_t n_lists;
        json_t *agent;                  /* schedules, outputs, counters (NULL: no agent state) */
        struct run_item *cur;           /* the run the lines being read belong to */
        struct point *cur_point;
};

int report_format_from_name(const char *name, enum report_format *ret)
{
        static const char *const names[] = { [REPORT_HTML] = "html", [REPORT_JSON] = "json",
                                             [REPORT_MARKDOWN] = "markdown" };

        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                if (strcmp(name, names[i]) == 0) {
                        *ret = (enum report_format) i;
                        return 0;
                }
        return -EINVAL;
}

static void report_release(struct report *r)
{
        for (size_t c = 0; c < N_CONTROLS; c++) {
                struct control *k = &r->controls[c];

                for (size_t i = 0; i < k->n_checks; i++)
                        free(k->checks[i].name);
                for (size_t i = 0; i < k->n_latest && i < REPORT_LATEST; i++)
                        free(k->latest[i].rule), free(k->latest[i].message), free(k->latest[i].path);
        }
        for (size_t i = 0; i < r->n_points; i++)
                free(r->points[i].label), strv_release(&r->points[i].in_use);
        free(r->points);
        for (size_t i = 0; i < r->n_runs; i++)
                free(r->runs[i].source), free(r->runs[i].command);
        free(r->runs);
        for (size_t i = 0; i < r->n_lists; i++)
                free(r->lists[i].file), allowlist_free(r->lists[i].list);
        free(r->lists);
        json_decref(r->agent);
}

static int control_index(const char *id)
{
        for (size_t i = 0; i < N_CONTROLS; i++)
                if (strcmp(report_controls[i], id) == 0)
                        return (int) i;
        return -1;
}

static const char *jstr(json_t *o, const char *a, const char *b, const char *c)
{
        json_t *v = json_object_get(o, a);

        if (b)
                v = json_object_get(v, b);
        if (c)
                v = json_object_get(v, c);
        return json_string_value(v);
}

static int64_t event_time(json_t *ev)
{
        const char *ts = jstr(ev, "@timestamp", NULL, NULL);
        int64_t t;

        return ts && rfc3339_parse(ts, strlen(ts), &t) >= 0 ? t : 0;
}

/* Room for item n of an array whose capacity is n rounded up to a power of two. */
static int grow(void **v, size_t n, size_t size)
{
        void *p;

        if (n > 0 && (n & (n - 1)) != 0)       /* not full */
                return 0;
        p = reallocarray(*v, n ? 2 * n : 1, size);
        if (!p)
                return -ENOMEM;
        *v = p;
        return 0;
}

static int add_point(struct report *r, int64_t time, const char *label)
{
        struct point *p;

        if (grow((void **) &r->points, r->n_points, sizeof(*r->points)) < 0)
                return -ENOMEM;
        p = &r->points[r->n_points];
        *p = (struct point) { .time = time, .label = strdup(label), .order = r->n_points };
        if (!p->label)
                return -ENOMEM;
        r->n_points++;
        r->cur_point = p;
        return 0;
}

static int add_run(struct report *r, const char *source)
{
        struct run_item *x;

        if (grow((void **) &r->runs, r->n_runs, sizeof(*r->runs)) < 0)
                return -ENOMEM;
        x = &r->runs[r->n_runs];
        *x = (struct run_item) { .source = strdup(source) };
        if (!x->source)
                return -ENOMEM;
        r->n_runs++;
        r->cur = x;
        return add_point(r, 0, source);
}

static int note_check(struct control *k, const char *dataset, int64_t t)
{
        size_t i;

        for (i = 0; i < k->n_checks; i++)
                if (strcmp(k->checks[i].name, dataset) == 0)
                        break;
        if (i == k->n_checks) {
                if (i == MAX_CHECKS)
                        return 0;
                k->checks[i].name = strdup(dataset);
                if (!k->checks[i].name)
                        return -ENOMEM;
                k->n_checks++;
        }
        k->checks[i].events++;
        if (t > k->checks[i].last)
                k->checks[i].last = t;
        return 0;
}

static int note_alert(struct control *k, json_t *ev, const struct rule *r, const char *rule, enum severity sev,
                      int64_t t)
{
        const char *message = jstr(ev, "message", NULL, NULL) ?: (r ? r->name : "");

        struct alert_item *a;
        size_t slot = k->n_latest % REPORT_LATEST;

        k->alerts[sev]++;
        /* a ring: the newest REPORT_LATEST in the order read (inputs are in time order) */
        a = &k->latest[slot];
        if (k->n_latest >= REPORT_LATEST)
                free(a->rule), free(a->message), free(a->path);
        *a = (struct alert_item) { .time = t, .severity = sev, .rule = strdup(rule),
                                   .message = strdup(message),
                                   .path = strdup(jstr(ev, "file", "path", NULL) ?: "") };
        k->n_latest++;
        return a->rule && a->message && a->path ? 0 : -ENOMEM;
}

/* One finding: counted under each control of its rule. */
static int add_event(struct report *r, json_t *ev)
{
        const char *rule_id = jstr(ev, "rule", "id", NULL) ?: "";
        const char *dataset = jstr(ev, "event", "dataset", NULL) ?: "driftwatch";
        const char *kind = jstr(ev, "event", "kind", NULL) ?: "";
        const char *sevname = jstr(ev, "driftwatch", "severity", NULL);
        const char *allowed = jstr(ev, "driftwatch", "allowlist", NULL);
        const struct rule *rule = ruleset_rule(r->rules, rule_id);
        bool alert = strcmp(kind, "alert") == 0;
        enum severity sev = SEVERITY_LOW;
        int64_t t = event_time(ev);
        json_t *controls = json_object_get(json_object_get(ev, "driftwatch"), "controls");
        size_t n = rule ? rule->controls.n : json_array_size(controls);
        int q;

        if (sevname)
                (void) severity_from_name(sevname, &sev);
        if (!r->cur_point && add_point(r, t, "agent") < 0)
                return -ENOMEM;
        if (t > r->cur_point->time)
                r->cur_point->time = t;
        if (r->cur && t > r->cur->time)
                r->cur->time = t;
        /* a run's alerts and events as its DW-RUN-SUMMARY counts them */
        if (r->cur && !alert)
                r->cur->events++;
        if (alert) {
                r->cur_point->alerts++;
                if (r->cur)
                        r->cur->alerts++;
        }
        if (allowed) {
                size_t i;

                r->cur_point->allowed++;
                for (i = 0; i < r->cur_point->in_use.n; i++)
                        if (strcmp(r->cur_point->in_use.v[i], allowed) == 0)
                                break;
                if (i == r->cur_point->in_use.n && strv_push(&r->cur_point->in_use, allowed) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                const char *c = rule ? rule->controls.v[i] : json_string_value(json_array_get(controls, i));
                struct control *k;

                q = c ? control_index(c) : -1;
                if (q < 0)
                        continue;
                k = &r->controls[q];
                k->events++;
                if (note_check(k, dataset, t) < 0)
                        return -ENOMEM;
                if (alert && note_alert(k, ev, rule, rule_id, sev, t) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* The end of a run (its DW-RUN-SUMMARY): the next line starts another. */
static void end_run(struct report *r, json_t *ev)
{
        json_t *run = json_object_get(json_object_get(ev, "driftwatch"), "run");
        const char *cmd = json_string_value(json_object_get(run, "command"));

        r->cur->summary = true;
        if (cmd) {      /* the command the summary names, over the one guessed from the dataset */
                char *c = strdup(cmd);

                if (c)
                        free(r->cur->command), r->cur->command = c;
        }
        r->cur = NULL;
        r->cur_point = NULL;
}

static int bad_line(struct dw_error *e, const char *file, size_t line, const char *why)
{
        return dw_error_set(e, -EBADMSG, file, "cannot read runs '%s': line %zu %s", file, line, why);
}

static int read_runs(struct report *r, const char *file, struct dw_error *e)
{
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_(freep) char *line = NULL;
        size_t cap = 0, n = 0;
        uint64_t total = 0;
        ssize_t len;

        f = strcmp(file, "-") == 0 ? fdopen(dup(STDIN_FILENO), "re") : fopen(file, "re");
        if (!f)
                return dw_error_set(e, -errno, file, "cannot open runs '%s': %s", file, strerror(errno));
        r->cur = NULL;
        r->cur_point = NULL;
        while ((len = getline(&line, &cap, f)) >= 0) {
                _cleanup_(json_decrefp) json_t *ev = NULL;
                struct json_shape shape;
                bool last = len == 0 || line[len - 1] != '\n';

                n++;
                total += (uint64_t) len;
                if ((size_t) len > REPORT_LINE_MAX || total > REPORT_FILE_MAX)
                        return bad_line(e, file, n, "is past the size limit");
                while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                        len--;
                if (len == 0)
                        continue;
                shape = json_shape(line, (size_t) len, 32, REPORT_LINE_MAX);
                if (shape.depth > 32)
                        return bad_line(e, file, n, "nests too deep");
                ev = json_loadb(line, (size_t) len, JSON_REJECT_DUPLICATES, NULL);
                if (!json_is_object(ev))
                        return bad_line(e, file, n, last ? "is cut short (a truncated file?)" : "is not a JSON object");
                if (!r->cur) {
                        int q = add_run(r, file);

                        if (q < 0)
                                return dw_error_set(e, q, NULL, "out of memory");
                }
                if (!r->cur->command) {
                        const char *ds = jstr(ev, "event", "dataset", NULL);

                        if (ds && strncmp(ds, "driftwatch.", 11) == 0 && strcmp(ds, "driftwatch.run") != 0)
                                r->cur->command = strdup(ds + 11);
                }
                if (strcmp(jstr(ev, "rule", "id", NULL) ?: "", "DW-RUN-SUMMARY") == 0) {
                        int64_t t = event_time(ev);

                        if (t > r->cur->time)
                                r->cur->time = t;
                        if (t > r->cur_point->time)
                                r->cur_point->time = t;
                        end_run(r, ev);
                        continue;
                }
                if (add_event(r, ev) < 0)
                        return dw_error_set(e, -ENOMEM, NULL, "out of memory");
        }
        if (ferror(f))
                return dw_error_set(e, -EIO, file, "cannot read runs '%s': %s", file, strerror(EIO));
        r->cur = NULL;
        r->cur_point = NULL;
        return 0;
}

/* The agent's history: one trend point per hour of events. */
static int history_event(const struct agent_event *ev, void *u)
{
        struct report *r = u;
        _cleanup_(json_decrefp) json_t *j = json_loadb(ev->json, ev->len, 0, NULL);
        int64_t t = ev->time_ns / 1000000000, hour = t - t % 3600;

        if (!json_is_object(j))
                return 0;       /* the agent wrote it: not ours to judge, skipped */
        if (!r->cur_point || r->cur_point->time - r->cur_point->time % 3600 != hour) {
                char label[RFC3339_LEN];

                rfc3339_format(hour, label);
                if (add_point(r, hour, label) < 0)
                        return -ENOMEM;
        }
        return add_event(r, j);
}

/* A JSON string of s (""for NULL); not valid UTF-8: escaped as text. Not
 * json_string(): report/json.h has a function of that name. */
static json_t *jtext(const char *s)
{
        _cleanup_(freep) char *esc = NULL;
        json_t *v = json_stringn(s ?: "", s ? strlen(s) : 0);

        if (v || !s || escape_text_alloc(s, &esc) < 0)
                return v;
        return json_stringn(esc, strlen(esc));
}

static int schedule_row(const char *capability, const struct agent_schedule_state *st, void *u)
{
        json_t *a = json_object_get(u, "schedules");

        return json_array_append_new(a, json_pack("{s:o,s:I,s:I,s:o}", "check", jtext(capability), "last_run",
                                                  (json_int_t) st->last_run, "next_run", (json_int_t) st->next_run,
                                                  "last_status", jtext(st->last_status))) < 0 ? -ENOMEM : 0;
}

static int counter_row(const char *name, int64_t value, void *u)
{
        return json_object_set_new(json_object_get(u, "counters"), name, json_integer(value)) < 0 ? -ENOMEM : 0;
}

static int output_row(const char *url, const struct agent_output_counts *c, void *u)
{
        return json_array_append_new(json_object_get(u, "outputs"),
                                     json_pack("{s:o,s:I,s:I,s:I}", "url", jtext(url), "delivered",
                                               (json_int_t) c->delivered, "failed", (json_int_t) c->failed,
                                               "pending", (json_int_t) c->pending)) < 0 ? -ENOMEM : 0;
}

static int read_agent(struct report *r, const char *dir, struct dw_error *e)
{
        _cleanup_(agent_state_freep) struct agent_state *s = NULL;
        int q;

        q = agent_state_open_readonly(dir, &s, e);
        if (q < 0)
                return q;
        r->agent = json_pack("{s:o,s:[],s:[],s:{}}", "state_dir", jtext(dir), "schedules", "outputs", "counters");
        if (!r->agent)
                return dw_error_set(e, -ENOMEM, NULL, "out of memory");
        q = agent_state_foreach_schedule(s, schedule_row, r->agent);
        q = q ?: agent_state_foreach_counter(s, counter_row, r->agent);
        q = q ?: agent_state_foreach_output(s, output_row, r->agent);
        r->cur = NULL;
        r->cur_point = NULL;
        q = q ?: agent_state_foreach_history(s, history_event, r);
        r->cur_point = NULL;
        if (q == -EBADMSG)
                return dw_error_set(e, q, dir, "cannot read agent state '%s/%s': %s", dir, AGENT_STATE_DB,
                                    "tables of an unknown shape");
        if (q < 0)
                return dw_error_set(e, q, dir, "cannot read agent state '%s/%s': %s", dir, AGENT_STATE_DB,
                                    strerror(-q));
        return 0;
}

/* The controls an allowlist kind maps to: those of its two rules. */
static void mark_allowlist_controls(struct report *r, const char *kind)
{
        static const char *const suffix[] = { "-ALLOW-EXPIRED", "-ALLOW-UNUSED" };

        for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
                char id[64];
                const struct rule *rule;

                snprintf(id, sizeof(id), "DW-%s%s", strcmp(kind, "etc") == 0 ? "ETC" : "FIM", suffix[i]);
                rule = ruleset_rule(r->rules, id);
                for (size_t c = 0; rule && c < rule->controls.n; c++) {
                        int q = control_index(rule->controls.v[c]);

                        if (q >= 0)
                                r->controls[q].allowlisted = true;
                }
        }
}

static int read_allowlists(struct report *r, char **files, size_t n, const char *kind, struct dw_error *e)
{
        for (size_t i = 0; i < n; i++) {
                struct named_list *l;
                int q;

                if (grow((void **) &r->lists, r->n_lists, sizeof(*r->lists)) < 0)
                        return dw_error_set(e, -ENOMEM, NULL, "out of memory");
                l = &r->lists[r->n_lists];
                *l = (struct named_list) { .kind = kind, .file = strdup(files[i]) };
                if (!l->file)
                        return dw_error_set(e, -ENOMEM, NULL, "out of memory");
                r->n_lists++;
                q = allowlist_load(files[i], false, &l->list, e);
                if (q < 0)
                        return q;
                mark_allowlist_controls(r, kind);
        }
        return 0;
}

/* ---- the model as JSON (the json format, and what the others render) ---- */

static json_t *time_json(int64_t t)
{
        char buf[RFC3339_LEN];

        if (t <= 0)
                return json_null();
        rfc3339_format(t, buf);
        return jtext(buf);
}

static int point_cmp(const void *a, const void *b)
{
        const struct point *x = a, *y = b;

        if (x->time != y->time)
                return x->time < y->time ? -1 : 1;
        return x->order < y->order ? -1 : x->order > y->order;     /* qsort is not stable: as read */
}

static json_t *model(struct report *r)
{
        json_t *root = json_object(), *controls = json_array(), *trend = json_array(), *runs = json_array(),
               *lists = json_array();
        size_t first = r->n_points > REPORT_TREND_MAX ? r->n_points - REPORT_TREND_MAX : 0;

        json_object_set_new(root, "generated", time_json(r->req->now));
        json_object_set_new(root, "agent", r->agent ? json_incref(r->agent) : json_null());
        for (size_t i = 0; i < r->n_runs; i++)
                json_array_append_new(runs, json_pack("{s:o,s:o,s:o,s:I,s:I,s:b}", "source", jtext(r->runs[i].source),
                                                      "command", jtext(r->runs[i].command ?: "unknown"), "time",
                                                      time_json(r->runs[i].time), "alerts",
                                                      (json_int_t) r->runs[i].alerts, "events",
                                                      (json_int_t) r->runs[i].events, "summary",
                                                      r->runs[i].summary));
        json_object_set_new(root, "runs", runs);
        for (size_t i = 0; i < r->n_lists; i++) {
                json_t *entries = json_array();

                for (size_t k = 0; k < r->lists[i].list->n; k++) {
                        const struct allow_entry *a = &r->lists[i].list->v[k];

                        json_array_append_new(entries,
                                              json_pack("{s:o,s:o,s:o,s:o,s:o,s:b,s:I}", "path", jtext(a->path),
                                                        "owner", jtext(a->owner), "reason", jtext(a->reason),
                                                        "expires", jtext(a->expires), "ticket", jtext(a->ticket),
                                                        "expired", allow_entry_expired(a, r->req->now), "line",
                                                        (json_int_t) a->line));
                }
                json_array_append_new(lists, json_pack("{s:o,s:s,s:o}", "file", jtext(r->lists[i].file), "kind",
                                                       r->lists[i].kind, "entries", entries));
        }
        json_object_set_new(root, "allowlists", lists);
        for (size_t c = 0; c < N_CONTROLS; c++) {
                struct control *k = &r->controls[c];
                json_t *checks = json_array(), *latest = json_array(), *sev = json_object(), *al = json_array();
                size_t shown = MIN(k->n_latest, (size_t) REPORT_LATEST);

                for (size_t i = 0; i < k->n_checks; i++)
                        json_array_append_new(checks, json_pack("{s:o,s:I,s:o}", "check", jtext(k->checks[i].name),
                                                                "events", (json_int_t) k->checks[i].events, "last",
                                                                time_json(k->checks[i].last)));
                for (size_t i = 0; i < shown; i++) {
                        const struct alert_item *a = &k->latest[(k->n_latest - 1 - i) % REPORT_LATEST];

                        json_array_append_new(latest, json_pack("{s:o,s:o,s:s,s:o,s:o}", "time", time_json(a->time),
                                                                "rule", jtext(a->rule), "severity",
                                                                severity_name(a->severity), "message",
                                                                jtext(a->message), "path", jtext(a->path)));
                }
                for (int s = SEVERITY_CRITICAL; s >= SEVERITY_LOW; s--)
                        json_object_set_new(sev, severity_name(s), json_integer((json_int_t) k->alerts[s]));
                for (size_t i = 0; k->allowlisted && i < r->n_lists; i++)
                        json_array_append_new(al, jtext(r->lists[i].file));
                json_array_append_new(controls, json_pack("{s:s,s:o,s:I,s:o,s:o,s:o}", "id", report_controls[c],
                                                          "checks", checks, "events", (json_int_t) k->events,
                                                          "alerts", sev, "latest", latest, "allowlists", al));
        }
        json_object_set_new(root, "controls", controls);
        for (size_t i = first; i < r->n_points; i++)
                json_array_append_new(trend, json_pack("{s:o,s:o,s:I,s:I,s:I}", "time", time_json(r->points[i].time),
                                                       "label", jtext(r->points[i].label), "alerts",
                                                       (json_int_t) r->points[i].alerts, "allowed",
                                                       (json_int_t) r->points[i].allowed, "allowlist_in_use",
                                                       (json_int_t) r->points[i].in_use.n));
        json_object_set_new(root, "trend", trend);
        return root;
}

/* ---- rendering ---- */

/* s for HTML text and attribute values (Markdown too: it passes HTML through). */
static void put_html(FILE *f, const char *s, bool markdown)
{
        for (; s && *s; s++)
                switch (*s) {
                case '&': fputs("&amp;", f); break;
                case '<': fputs("&lt;", f); break;
                case '>': fputs("&gt;", f); break;
                case '"': fputs("&quot;", f); break;
                case '\'': fputs("&#39;", f); break;
                case '|': fputs(markdown ? "\\|" : "|", f); break;
                case '`': case '*': case '_': case '[': case ']': case '\\':
                        if (markdown)
                                fputc('\\', f);
                        fputc(*s, f);
                        break;
                case '\n': case '\r': case '\t': fputc(' ', f); break;
                default: fputc(*s, f);
                }
}

static const char *js(json_t *o, const char *key)
{
        return json_string_value(json_object_get(o, key)) ?: "never";
}

static long long ji(json_t *o, const char *key)
{
        return (long long) json_integer_value(json_object_get(o, key));
}

/* The trend as an SVG line chart: alerts (red) and allowlist entries in use
 * (blue) per point; no script, no external reference. */
static void svg_chart(FILE *f, json_t *trend)
{
        const int w = 900, h = 260, left = 50, bottom = 40, top = 20, right = 20;
        size_t n = json_array_size(trend);
        long long ymax = 1;
        static const struct { const char *key, *color, *name; } series[] = {
                { "alerts", "#c0392b", "alerts" },
                { "allowlist_in_use", "#2e6fba", "allowlist entries in use" },
        };

        for (size_t i = 0; i < n; i++)
                for (size_t s = 0; s < ARRAY_SIZE(series); s++)
                        ymax = MAX(ymax, ji(json_array_get(trend, i), series[s].key));
        ymax = (ymax + 3) / 4 * 4;      /* whole numbers on the 4 grid lines */
        fprintf(f, "<svg id=\"trend-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                   "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"alerts and allowlist use over time\">\n",
                w, h, w, h);
        fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", w, h);
        for (size_t i = 0; i < n; i += MAX(n - 1, (size_t) 1)) {
                int x = left + (n > 1 ? (int) (i * (size_t) (w - left - right) / (n - 1)) : (w - left - right) / 2);

                fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"%s\">", x, h - bottom + 14,
                        i == 0 && n > 1 ? "start" : "end");
                put_html(f, js(json_array_get(trend, i), "time"), false);
                fputs("</text>\n", f);
        }

        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", left, h - bottom, w - right,
                h - bottom);
        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", left, top, left, h - bottom);
        for (int g = 0; g <= 4; g++) {
                int y = h - bottom - g * (h - bottom - top) / 4;

                fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                           "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%lld</text>\n",
                        left, y, w - right, y, left - 6, y + 4, ymax * g / 4);
        }
        for (size_t s = 0; s < ARRAY_SIZE(series); s++) {
                fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", series[s].color);
                for (size_t i = 0; i < n; i++) {
                        int x = left + (n > 1 ? (int) (i * (size_t) (w - left - right) / (n - 1)) : (w - left - right) / 2);
                        int y = h - bottom - (int) (ji(json_array_get(trend, i), series[s].key) * (h - bottom - top) / ymax);

                        fprintf(f, "%d,%d ", x, y);
                }
                fputs("\"/>\n", f);
                for (size_t i = 0; i < n; i++) {
                        int x = left + (n > 1 ? (int) (i * (size_t) (w - left - right) / (n - 1)) : (w - left - right) / 2);
                        int y = h - bottom - (int) (ji(json_array_get(trend, i), series[s].key) * (h - bottom - top) / ymax);

                        fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"%s\"><title>", x, y, series[s].color);
                        put_html(f, js(json_array_get(trend, i), "time"), false);
                        fprintf(f, ": %lld %s</title></circle>\n", ji(json_array_get(trend, i), series[s].key),
                                series[s].name);
                }
                fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"4\" fill=\"%s\"/>"
                           "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>\n",
                        left + 10 + (int) s * 220, h - 14, series[s].color, left + 28 + (int) s * 220, h - 9,
                        series[s].name);
        }
        fputs("</svg>\n", f);
}

static const char css[] =
        "body{font-family:sans-serif;margin:2em;color:#222;max-width:1100px}"
        "h1{font-size:1.6em}h2{border-bottom:2px solid #2e6fba;padding-bottom:.2em;margin-top:1.6em}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;"
        "text-align:left;vertical-align:top}th{background:#eef3fa}.critical{color:#8e0000;font-weight:bold}"
        ".high{color:#c0392b}.medium{color:#b9770e}.low{color:#555}.expired{color:#c0392b;font-weight:bold}"
        ".none{color:#777;font-style:italic}nav a{margin-right:.6em}";

/* One table: header cells, then rows of cells given as JSON values. */
static void table_begin(FILE *f, bool md, const char *const *head, size_t n)
{
        fputs(md ? "\n|" : "<table><tr>", f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, md ? " %s |" : "<th>%s</th>", head[i]);
        fputs(md ? "\n|" : "</tr>\n", f);
        for (size_t i = 0; md && i < n; i++)
                fputs("---|", f);
        if (md)
                fputc('\n', f);
}

static void table_row(FILE *f, bool md, const char *const *cells, size_t n, const char *cls)
{
        fputs(md ? "|" : "<tr>", f);
        for (size_t i = 0; i < n; i++) {
                if (!md)
                        fprintf(f, cls && i == 0 ? "<td class=\"%s\">" : "<td>", cls);
                else
                        fputc(' ', f);
                put_html(f, cells[i], md);
                fputs(md ? " |" : "</td>", f);
        }
        fputs(md ? "\n" : "</tr>\n", f);
}

static void table_end(FILE *f, bool md)
{
        fputs(md ? "\n" : "</table>\n", f);
}

static void none(FILE *f, bool md, const char *what)
{
        fprintf(f, md ? "\n_%s_\n\n" : "<p class=\"none\">%s</p>\n", what);
}

static void heading(FILE *f, bool md, int level, const char *id, const char *text)
{
        if (md)
                fprintf(f, "\n%.*s <a id=\"%s\"></a>%s\n", level, "####", id, text);
        else
                fprintf(f, "<h%d id=\"%s\">%s</h%d>\n", level, id, text, level);
}

static void render_doc(FILE *f, json_t *m, bool md)
{
        json_t *agent = json_object_get(m, "agent"), *v;
        size_t i;

        if (md)
                fprintf(f, "# driftwatch evidence report\n\nGenerated %s. Controls: NIST SP 800-53.\n\n",
                        js(m, "generated"));
        else {
                fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                           "<title>driftwatch evidence report</title><style>%s</style></head><body>\n"
                           "<h1>driftwatch evidence report</h1>\n<p>Generated %s. Controls: NIST SP 800-53.</p>\n<nav>",
                        css, js(m, "generated"));
                for (i = 0; i < N_CONTROLS; i++)
                        fprintf(f, "<a href=\"#control-%s\">%s</a>", report_controls[i], report_controls[i]);
                fputs("</nav>\n", f);
        }

        heading(f, md, 2, "trend", "Trend: alerts and allowlist use over time");
        if (md) {
                const char *head[] = { "time", "source", "alerts", "allowed", "allowlist entries in use" };

                table_begin(f, md, head, ARRAY_SIZE(head));
                json_array_foreach(json_object_get(m, "trend"), i, v) {
                        char a[24], b[24], c[24];
                        const char *cells[] = { js(v, "time"), js(v, "label"), a, b, c };

                        snprintf(a, sizeof(a), "%lld", ji(v, "alerts"));
                        snprintf(b, sizeof(b), "%lld", ji(v, "allowed"));
                        snprintf(c, sizeof(c), "%lld", ji(v, "allowlist_in_use"));
                        table_row(f, md, cells, ARRAY_SIZE(cells), NULL);
                }
                table_end(f, md);
        } else
                svg_chart(f, json_object_get(m, "trend"));

        heading(f, md, 2, "runs", "Checks that ran");
        if (json_array_size(json_object_get(m, "runs")) > 0) {
                const char *head[] = { "command", "ended", "alerts", "events", "source", "summary" };

                table_begin(f, md, head, ARRAY_SIZE(head));
                json_array_foreach(json_object_get(m, "runs"), i, v) {
                        char a[24], b[24];
                        const char *cells[] = { js(v, "command"), js(v, "time"), a, b, js(v, "source"),
                                                json_is_true(json_object_get(v, "summary")) ? "DW-RUN-SUMMARY"
                                                                                           : "none (counted from its events)" };

                        snprintf(a, sizeof(a), "%lld", ji(v, "alerts"));
                        snprintf(b, sizeof(b), "%lld", ji(v, "events"));
                        table_row(f, md, cells, ARRAY_SIZE(cells), NULL);
                }
                table_end(f, md);
        }
        if (json_is_object(agent)) {
                const char *head[] = { "scheduled check", "last run", "last status" };

                table_begin(f, md, head, ARRAY_SIZE(head));
                json_array_foreach(json_object_get(agent, "schedules"), i, v) {
                        _cleanup_(json_decrefp) json_t *t = time_json(ji(v, "last_run"));
                        const char *cells[] = { js(v, "check"), json_string_value(t) ?: "never",
                                                js(v, "last_status") };

                        table_row(f, md, cells, ARRAY_SIZE(cells), NULL);
                }
                table_end(f, md);
                const char *ohead[] = { "output", "delivered", "failed attempts", "pending" };

                table_begin(f, md, ohead, ARRAY_SIZE(ohead));
                json_array_foreach(json_object_get(agent, "outputs"), i, v) {
                        char a[24], b[24], c[24];
                        const char *cells[] = { js(v, "url"), a, b, c };

                        snprintf(a, sizeof(a), "%lld", ji(v, "delivered"));
                        snprintf(b, sizeof(b), "%lld", ji(v, "failed"));
                        snprintf(c, sizeof(c), "%lld", ji(v, "pending"));
                        table_row(f, md, cells, ARRAY_SIZE(cells), NULL);
                }
                table_end(f, md);
        } else if (json_array_size(json_object_get(m, "runs")) == 0)
                none(f, md, "no run and no agent state was read");

        json_array_foreach(json_object_get(m, "controls"), i, v) {
                json_t *x, *sev = json_object_get(v, "alerts");
                char id[32], title[64];
                size_t k;

                snprintf(id, sizeof(id), "control-%s", js(v, "id"));
                snprintf(title, sizeof(title), "%s", js(v, "id"));
                if (!md)
                        fprintf(f, "<section id=\"%s\">\n", id);
                heading(f, md, 2, id, title);
                fprintf(f, md ? "\nAlerts: %lld critical, %lld high, %lld medium, %lld low; %lld finding%s in all.\n"
                              : "<p>Alerts: <span class=\"critical\">%lld critical</span>, <span class=\"high\">%lld "
                                "high</span>, <span class=\"medium\">%lld medium</span>, <span class=\"low\">%lld "
                                "low</span>; %lld finding%s in all.</p>\n",
                        ji(sev, "critical"), ji(sev, "high"), ji(sev, "medium"), ji(sev, "low"), ji(v, "events"),
                        ji(v, "events") == 1 ? "" : "s");
                if (json_array_size(json_object_get(v, "checks")) == 0)
                        none(f, md, "no check reported a finding for this control");
                else {
                        const char *head[] = { "check", "findings", "last" };

                        table_begin(f, md, head, ARRAY_SIZE(head));
                        json_array_foreach(json_object_get(v, "checks"), k, x) {
                                char a[24];
                                const char *cells[] = { js(x, "check"), a, js(x, "last") };

                                snprintf(a, sizeof(a), "%lld", ji(x, "events"));
                                table_row(f, md, cells, ARRAY_SIZE(cells), NULL);
                        }
                        table_end(f, md);
                }
                if (json_array_size(json_object_get(v, "latest")) > 0) {
                        const char *head[] = { "severity", "time", "rule", "path", "message" };

                        table_begin(f, md, head, ARRAY_SIZE(head));
                        json_array_foreach(json_object_get(v, "latest"), k, x) {
                                const char *cells[] = { js(x, "severity"), js(x, "time"), js(x, "rule"),
                                                        js(x, "path"), js(x, "message") };

                                table_row(f, md, cells, ARRAY_SIZE(cells), js(x, "severity"));
                        }
                        table_end(f, md);
                }
                if (json_array_size(json_object_get(v, "allowlists")) > 0) {
                        const char *head[] = { "allowlist", "path", "owner", "expires", "reason", "ticket" };
                        json_t *l, *e;
                        size_t a, b;

                        table_begin(f, md, head, ARRAY_SIZE(head));
                        json_array_foreach(json_object_get(m, "allowlists"), a, l)
                                json_array_foreach(json_object_get(l, "entries"), b, e) {
                                        bool expired = json_is_true(json_object_get(e, "expired"));
                                        char exp[96];
                                        const char *cells[] = { js(l, "file"), js(e, "path"), js(e, "owner"), exp,
                                                                js(e, "reason"), js(e, "ticket") };

                                        snprintf(exp, sizeof(exp), "%s%s", js(e, "expires"), expired ? " (expired)" : "");
                                        table_row(f, md, cells, ARRAY_SIZE(cells), NULL);
                                }
                        table_end(f, md);
                }
                if (!md)
                        fputs("</section>\n", f);
        }
        if (!md)
                fputs("</body></html>\n", f);
}

int capability_report(const struct ruleset *rules, const struct report_request *req, FILE *f, struct dw_error *e)
{
        _cleanup_(report_release) struct report r = { .rules = rules, .req = req };
        _cleanup_(json_decrefp) json_t *m = NULL;
        int q;

        if (req->state_dir) {
                q = read_agent(&r, req->state_dir, e);
                if (q < 0)
                        return q;
        }
        for (size_t i = 0; i < req->n_from; i++) {
                q = read_runs(&r, req->from[i], e);
                if (q < 0)
                        return q;
        }
        q = read_allowlists(&r, req->etc_allowlists, req->n_etc_allowlists, "etc", e);
        q = q ?: read_allowlists(&r, req->fim_allowlists, req->n_fim_allowlists, "fim", e);
        if (q < 0)
                return q;
        /* the trend in time order, whatever order the inputs came in */
        if (r.n_points > 0)
                qsort(r.points, r.n_points, sizeof(*r.points), point_cmp);
        m = model(&r);
        if (!m)
                return dw_error_set(e, -ENOMEM, NULL, "out of memory");
        if (req->format == REPORT_JSON) {
                if (json_dumpf(m, f, JSON_INDENT(1) | JSON_ENSURE_ASCII) < 0)
                        return dw_error_set(e, -EIO, NULL, "cannot write the report: %s", strerror(EIO));
                fputc('\n', f);
        } else
                render_doc(f, m, req->format == REPORT_MARKDOWN);
        if (fflush(f) != 0 || ferror(f))
                return dw_error_set(e, -errno ?: -EIO, NULL, "cannot write the report: %s", strerror(errno ?: EIO));
        return 0;
}
