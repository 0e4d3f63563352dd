/* Audit analytics: rules, expected writers, upgrade and bulk folding, pipeline
 * health; see detect.h. Per event: the process tree is updated, then (inside
 * --since/--until) a successful exec is matched against the command rules and
 * a write against the surfaces. A candidate finding goes through, in order:
 * the allowlist, the upgraders in its ancestry, the bulk bucket of its process
 * tree; what none of them claims is reported at once. */
#define _GNU_SOURCE
#include "detect.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/buf.h"
#include "basic/hash.h"
#include "proctree.h"
#include "report/json.h"

#define MAX_UPGRADES 32
#define MAX_BUCKETS 64
#define SAMPLE_PATHS 20
#define MAX_EVENT_ARGS 4096
#define ANCESTRY_SHOWN 8

/* ---- what is folded ---- */

struct sample {
        struct buf paths;               /* NUL-separated, first SAMPLE_PATHS distinct */
        unsigned n;
        uint64_t *seen;                 /* hashes of every distinct path (open addressing) */
        size_t seen_cap, distinct;
};

#define MAX_DISTINCT ((size_t) 1 << 16)

struct upgrade {
        bool open;
        uint64_t generation;            /* the upgrader's process entry */
        const struct audit_upgrader *by;
        struct finding f;               /* the upgrader's process, copied when opened */
        uint64_t first_ms, last_ms;
        uint64_t writes, commands;
        uint64_t *by_surface;           /* writes per surface */
        struct sample sample;
        char id[AUDIT_EVENT_ID_MAX];    /* the first folded event */
};

struct bucket {
        bool open, folded;
        uint64_t key;                   /* the process tree: a session, or a process generation (tree_key) */
        uint64_t first_ms, last_ms;
        uint64_t writes;
        uint64_t *by_surface;
        struct sample sample;
        struct finding pending[64];     /* the first writes, until the bucket folds or closes */
        unsigned n_pending;
        struct finding f;               /* the first writer */
        char id[AUDIT_EVENT_ID_MAX];
};

struct health {
        const struct rule *rule;
        uint64_t count, amount;         /* occurrences, and lost events or missing serials */
        uint64_t last_emit_ms;
        bool emitted;
        char first_id[AUDIT_EVENT_ID_MAX];
        char key[128];
};

enum { HEALTH_PATH_MISSING, HEALTH_LOST, HEALTH_GAP, HEALTH_SPLIT, HEALTH_N_ };

struct audit_detect {
        struct audit_detect_options o;
        const struct ruleset *rs;
        audit_finding_fn fn;
        void *userdata;
        struct proctree *tree;
        struct audit_detect_stats stats;

        uint64_t clock_ms;              /* the newest event time seen */
        uint64_t next_due_ms;           /* the earliest bucket or upgrade deadline (0: none) */
        uint64_t last_event_ms;
        bool silence_reported;

        struct upgrade upgrades[MAX_UPGRADES];
        struct bucket buckets[MAX_BUCKETS];
        struct health health[HEALTH_N_];

        /* Scratch for the event being looked at. */
        struct finding f;
        struct finding_process proc;
        struct finding_ancestor ancestry[ANCESTRY_SHOWN];
        const char *ancestor_args[ANCESTRY_SHOWN][PROC_MAX_ARGS];
        struct proc *chain[PROC_ANCESTRY_MAX];
        size_t n_chain;
        const char *args[MAX_EVENT_ARGS];
        size_t n_args;
        struct buf argbuf;              /* the event's argv, NUL-terminated strings */
        const char *proc_args[PROC_MAX_ARGS];
        char exe[PROC_EXE_MAX], comm[17], timestamp[TIMESTAMP_LEN], title[256];
        struct buf extra, text, reason;
};

static void due_at(struct audit_detect *d, uint64_t due);

/* ---- small helpers ---- */

static const char *base_name(const char *p)
{
        const char *s = strrchr(p, '/');

        return s ? s + 1 : p;
}

static bool any_glob(const struct strv *globs, const char *s)
{
        size_t i;

        for (i = 0; i < globs->n; i++)
                if (path_glob(globs->v[i], s, strlen(s)))
                        return true;
        return false;
}

static bool any_equal(const struct strv *v, const char *s)
{
        size_t i;

        for (i = 0; i < v->n; i++)
                if (strcmp(v->v[i], s) == 0)
                        return true;
        return false;
}

/* comm keeps 15 bytes: "systemd-tmpfiles" is logged as "systemd-tmpfile". */
static bool comm_is(const char *want, const char *comm)
{
        size_t n = strlen(comm);

        return strcmp(want, comm) == 0 || (n == 15 && strncmp(want, comm, 15) == 0);
}

/* 0 marks an empty slot of sample.seen. */
static uint64_t path_hash(const char *p, size_t len)
{
        uint64_t h = hash_bytes(p, len);

        return h ? h : 1;
}

/* Counts path once; past MAX_DISTINCT paths every write counts. */
static int sample_count(struct sample *s, uint64_t h)
{
        size_t i, k;

        if (s->distinct >= MAX_DISTINCT) {
                s->distinct++;
                return 0;
        }
        if ((s->distinct + 1) * 2 > s->seen_cap) {
                size_t cap = s->seen_cap ? s->seen_cap * 2 : 64;
                uint64_t *t = calloc(cap, sizeof(*t));

                if (!t)
                        return -ENOMEM;
                for (i = 0; i < s->seen_cap; i++)
                        if (s->seen[i]) {
                                for (k = s->seen[i] & (cap - 1); t[k]; k = (k + 1) & (cap - 1))
                                        ;
                                t[k] = s->seen[i];
                        }
                free(s->seen);
                s->seen = t;
                s->seen_cap = cap;
        }
        for (k = h & (s->seen_cap - 1); s->seen[k]; k = (k + 1) & (s->seen_cap - 1))
                if (s->seen[k] == h)
                        return 0;
        s->seen[k] = h;
        s->distinct++;
        return 0;
}

static void sample_release(struct sample *s)
{
        buf_release(&s->paths);
        free(s->seen);
        *s = (struct sample) { 0 };
}

static int sample_add(struct sample *s, const char *path, size_t len)
{
        const char *p;
        size_t i;
        int r;

        r = sample_count(s, path_hash(path, len));
        if (r < 0 || s->n >= SAMPLE_PATHS)
                return r;
        for (i = 0, p = s->paths.data; i < s->n; i++, p += strlen(p) + 1)
                if (strlen(p) == len && memcmp(p, path, len) == 0)
                        return 0;
        if (buf_append(&s->paths, path, len) < 0 || buf_putc(&s->paths, '\0') < 0)
                return -ENOMEM;
        s->n++;
        return 0;
}

static void json_sample(struct json *j, const char *key, const struct sample *s)
{
        const char *p = s->paths.data;
        unsigned i;

        json_array_begin(j, key);
        for (i = 0; i < s->n; i++, p += strlen(p) + 1)
                json_string(j, NULL, p);
        json_array_end(j);
}

static void json_surfaces(struct json *j, const struct ruleset *rs, const uint64_t *counts)
{
        size_t i;

        json_object_begin(j, "surfaces");
        for (i = 0; i < rs->n_surfaces; i++)
                if (counts[i])
                        json_int(j, rs->surfaces[i].surface, (int64_t) counts[i]);
        json_object_end(j);
}

/* Turns a json writer's "{...}" into the members string extra_json wants. */
static const char *members_of(struct buf *b)
{
        if (b->len < 2)
                return NULL;
        b->data[b->len - 1] = '\0';
        return b->data + 1;
}

/* ---- matching processes ---- */

/* The process a rule is matched against: the event's own, or a tree entry. */
struct pview {
        const char *exe, *comm;
        const char *const *args;
        size_t n_args;
        bool have_args;                 /* args come from an exec we saw */
        bool tty;
        int64_t auid;
        struct audit_str auid_name;
};

static void pview_of_proc(struct pview *v, const struct proc *p, const char **args_buf)
{
        size_t i;

        for (i = 0; i < p->n_args; i++)
                args_buf[i] = proc_arg(p, i);
        *v = (struct pview) { .exe = p->exe, .comm = p->comm, .args = args_buf, .n_args = p->n_args,
                              .have_args = p->exec_seen, .auid = p->auid };
}

/* Where the program's own arguments start: after argv[0], or after the
 * script's name when an interpreter runs it (argv: /bin/sh /usr/bin/x ...). */
static size_t program_args_start(const struct audit_match *m, const struct pview *v)
{
        size_t i, k;

        for (i = 0; i < v->n_args && i < 3; i++)
                for (k = 0; k < m->programs.n; k++)
                        if (strcmp(base_name(v->args[i]), m->programs.v[k]) == 0)
                                return i + 1;
        return v->n_args ? 1 : 0;
}

static bool program_matches(const struct audit_match *m, const struct pview *v)
{
        size_t i, k;

        for (k = 0; k < m->programs.n; k++) {
                const char *want = m->programs.v[k];

                if (strcmp(base_name(v->exe), want) == 0 || comm_is(want, v->comm))
                        return true;
                for (i = 0; i < v->n_args && i < 3; i++)
                        if (strcmp(base_name(v->args[i]), want) == 0)
                                return true;
        }
        return false;
}

/* A phrase's words in argv order from start; the index after its last word,
 * or 0 when it does not match. */
static size_t phrase_matches(const char *phrase, const struct pview *v, size_t start)
{
        const char *w = phrase, *end;
        size_t at = start, n;

        while (*w) {
                end = strchrnul(w, ' ');
                n = (size_t) (end - w);
                while (at < v->n_args && !(strlen(v->args[at]) == n && memcmp(v->args[at], w, n) == 0))
                        at++;
                if (at >= v->n_args)
                        return 0;
                at++;
                w = *end ? end + 1 : end;
        }
        return at;
}

/* One option: alternatives separated by '|'; each is one word (matching
 * "--json" or "--json=...") or consecutive words ("--format json"). */
static bool option_present(const char *spec, const struct pview *v, size_t start)
{
        char alt[128];
        const char *p = spec, *bar;
        size_t i, n;

        while (*p) {
                bar = strchrnul(p, '|');
                n = (size_t) (bar - p) < sizeof(alt) - 1 ? (size_t) (bar - p) : sizeof(alt) - 1;
                memcpy(alt, p, n);
                alt[n] = '\0';
                if (strchr(alt, ' ')) {
                        if (phrase_matches(alt, v, start))
                                return true;
                } else {
                        for (i = start; i < v->n_args; i++)
                                if (strcmp(v->args[i], alt) == 0 ||
                                    (strncmp(v->args[i], alt, n) == 0 && v->args[i][n] == '='))
                                        return true;
                }
                p = *bar ? bar + 1 : bar;
        }
        return false;
}

/* Whether v matches m; *ret_after (if given) is the index after the verb. */
static bool match_process(const struct audit_match *m, const struct pview *v, size_t *ret_after)
{
        size_t start, after = 0, i;
        bool ok;

        if (m->programs.n && !program_matches(m, v))
                return false;
        if (m->exes.n && !any_glob(&m->exes, v->exe))
                return false;
        if (m->comms.n) {
                for (i = 0, ok = false; i < m->comms.n && !ok; i++)
                        ok = comm_is(m->comms.v[i], v->comm);
                if (!ok)
                        return false;
        }
        if (m->interactive >= 0 && (int) v->tty != m->interactive)
                return false;
        if (!m->verbs.n && !m->options.n) {
                if (ret_after)
                        *ret_after = v->n_args ? 1 : 0;
                return true;
        }
        if (!v->have_args)
                return false;
        start = program_args_start(m, v);
        for (i = 0; i < m->verbs.n && !after; i++)
                after = phrase_matches(m->verbs.v[i], v, start);
        if (m->verbs.n && !after)
                return false;
        for (i = 0; i < m->options.n; i++)
                if (!option_present(m->options.v[i], v, start))
                        return false;
        if (ret_after)
                *ret_after = after ? after : start;
        return true;
}

/* ---- the finding being built ---- */

/* A fresh finding in d->f, stamped with a stream time. */
static void begin_finding(struct audit_detect *d, uint64_t sec, unsigned msec)
{
        finding_release(&d->f);
        finding_init(&d->f);
        format_timestamp_sec(d->timestamp, sec, msec);
        d->f.timestamp = d->timestamp;
        d->f.dataset = "driftwatch.audit";
        buf_reset(&d->extra);
        buf_reset(&d->text);
        buf_reset(&d->reason);
}

static void set_quality(struct finding *f, uint64_t quality)
{
        unsigned b;

        for (b = 0; b < AUDIT_Q_COUNT_ && f->n_quality < FINDING_MAX_QUALITY; b++)
                if (quality & (1ULL << b))
                        f->quality[f->n_quality++] = audit_quality_name(b);
}

/* process.*, user.* and driftwatch.ancestry from the event and the tree. */
static void set_process(struct audit_detect *d, const struct audit_event *ev, const struct proc *self)
{
        const struct audit_syscall *sc = &ev->syscall;
        struct finding_process *p = &d->proc;
        size_t i, k, n, at;

        audit_str_to_cstr(d->exe, sizeof(d->exe), sc->exe);
        audit_str_to_cstr(d->comm, sizeof(d->comm), sc->comm);
        *p = (struct finding_process) {
                .pid = sc->pid, .ppid = sc->ppid, .uid = sc->uid, .euid = sc->euid, .auid = sc->auid,
                .name = d->comm[0] ? d->comm : NULL, .executable = d->exe[0] ? d->exe : NULL,
        };
        if (d->n_args) {
                p->args = d->args, p->n_args = d->n_args;
                p->args_truncated = ev->execve_argc >= 0 && (size_t) ev->execve_argc > ev->argc;
        } else if (self && self->exec_seen) {
                for (i = 0; i < self->n_args; i++)
                        d->proc_args[i] = proc_arg(self, i);
                p->args = d->proc_args, p->n_args = self->n_args, p->args_truncated = self->args_truncated;
        }
        if (ev->proctitle_argc) {
                for (i = 0, at = 0; i < ev->proctitle_argc && at + 2 < sizeof(d->title); i++) {
                        n = strnlen(ev->proctitle_argv[i].s ? ev->proctitle_argv[i].s : "", ev->proctitle_argv[i].len);
                        if (at + n + 2 > sizeof(d->title))
                                n = sizeof(d->title) - at - 2;
                        if (i)
                                d->title[at++] = ' ';
                        memcpy(d->title + at, ev->proctitle_argv[i].s, n);
                        at += n;
                }
                d->title[at] = '\0';
                p->title = d->title;
        }
        if (d->n_chain) {
                p->parent_name = d->chain[0]->comm[0] ? d->chain[0]->comm : NULL;
                p->parent_executable = d->chain[0]->exe[0] ? d->chain[0]->exe : NULL;
        }
        for (i = 0; i < d->n_chain && i < ANCESTRY_SHOWN; i++) {
                const struct proc *a = d->chain[i];

                for (k = 0; k < a->n_args; k++)
                        d->ancestor_args[i][k] = proc_arg(a, k);
                d->ancestry[i] = (struct finding_ancestor) {
                        .pid = a->pid, .name = a->comm[0] ? a->comm : NULL, .executable = a->exe[0] ? a->exe : NULL,
                        .args = d->ancestor_args[i], .n_args = a->n_args,
                };
        }
        d->f.process = p;
        d->f.ancestry = d->ancestry;
        d->f.n_ancestry = i;
}

/* driftwatch.audit: where the finding comes from in the log. */
static void audit_members_begin(struct audit_detect *d, struct json *j, const struct audit_event *ev)
{
        const struct audit_syscall *sc = &ev->syscall;
        struct audit_str name = audit_syscall_get_name(sc);
        char id[AUDIT_EVENT_ID_MAX];

        json_init(j, &d->extra);
        json_object_begin(j, NULL);
        json_object_begin(j, "audit");
        audit_event_id(id, ev);
        json_string(j, "id", id);
        if (ev->node.len)
                json_string_n(j, "node", ev->node.s, ev->node.len);
        if (name.len)
                json_string_n(j, "syscall", name.s, name.len);
        if (sc->success >= 0)
                json_bool(j, "success", sc->success);
        if (sc->has_exit)
                json_int(j, "exit", sc->exit);
        if (sc->key.len)
                json_string_n(j, "key", sc->key.s, sc->key.len);
        if (sc->tty.len)
                json_string_n(j, "tty", sc->tty.s, sc->tty.len);
        if (audit_id_set(sc->ses))
                json_int_string(j, "ses", sc->ses);
}

static void audit_members_end(struct audit_detect *d, struct json *j)
{
        json_object_end(j);
        json_object_end(j);
        if (json_finish(j) >= 0)
                d->f.extra_json = members_of(&d->extra);
}

static int emit(struct audit_detect *d, const struct finding *f)
{
        return d->fn(f, d->userdata);
}

/* A suppressed finding, reported only with --show-suppressed. */
static int emit_suppressed(struct audit_detect *d, struct finding *f, const char *by, const char *reason)
{
        bool alert = f->alert;
        int r;

        if (!d->o.show_suppressed)
                return 0;
        f->alert = false;
        f->suppressed_by = by;
        f->suppressed_reason = reason;
        r = emit(d, f);
        f->alert = alert;
        f->suppressed_by = f->suppressed_reason = NULL;
        return r;
}

/* ---- the allowlist ---- */

static bool auid_matches(const struct audit_allow *a, const struct audit_event *ev)
{
        const struct audit_syscall *sc = &ev->syscall;
        size_t i;

        switch (a->auid) {
        case AUDIT_AUID_ANY:
                return true;
        case AUDIT_AUID_UNSET:
                return !audit_id_set(sc->auid);
        case AUDIT_AUID_SET:
                return audit_id_set(sc->auid);
        case AUDIT_AUID_LIST:
                for (i = 0; i < a->n_auids; i++)
                        if (a->auids[i] == sc->auid)
                                return true;
                for (i = 0; i < a->auid_names.n; i++)
                        if (audit_str_eq(sc->auid_name, a->auid_names.v[i]))
                                return true;
                return false;
        }
        return false;
}

static const struct audit_allow *allowed(struct audit_detect *d, const struct audit_event *ev,
                                         const struct pview *self, const struct rule *rule, const char *path)
{
        const struct audit_policy *p = &d->rs->audit;
        size_t i, k;

        for (i = 0; i < p->n_allow; i++) {
                const struct audit_allow *a = &p->allow[i];
                bool ok;

                if (a->rules.n) {
                        for (k = 0, ok = false; k < a->rules.n && !ok; k++)
                                ok = fnmatch(a->rules.v[k], rule->id, 0) == 0;
                        if (!ok)
                                continue;
                }
                if (a->paths.n && (!path || !any_glob(&a->paths, path)))
                        continue;
                if (!auid_matches(a, ev))
                        continue;
                if ((a->match.programs.n || a->match.exes.n || a->match.comms.n || a->match.verbs.n) &&
                    !match_process(&a->match, self, NULL))
                        continue;
                if (a->parents.n) {
                        for (k = 0, ok = false; k < d->n_chain && !ok; k++)
                                ok = any_glob(&a->parents, d->chain[k]->exe);
                        if (!ok)
                                continue;
                }
                return a;
        }
        return NULL;
}

/* ---- upgraders ---- */

/* The upgrader a tree entry is (its tag: index + 1, 0 none). */
static int upgrader_of(struct audit_detect *d, struct proc *p)
{
        const struct audit_policy *pol = &d->rs->audit;
        const char *args[PROC_MAX_ARGS];
        struct pview v;
        size_t i;

        if (p->tag >= 0 && p->exec_seen)
                return p->tag;
        pview_of_proc(&v, p, args);
        p->tag = 0;
        for (i = 0; i < pol->n_upgraders; i++)
                if (match_process(&pol->upgraders[i].match, &v, NULL)) {
                        p->tag = (int16_t) (i + 1);
                        break;
                }
        return p->tag;
}

/* The nearest upgrader among self (when given) and the ancestors. */
static struct proc *upgrade_ancestor(struct audit_detect *d, struct proc *self)
{
        size_t i;

        if (!d->rs->audit.n_upgraders)
                return NULL;
        if (self && upgrader_of(d, self) > 0)
                return self;
        for (i = 0; i < d->n_chain; i++)
                if (upgrader_of(d, d->chain[i]) > 0)
                        return d->chain[i];
        return NULL;
}

static void upgrade_release(struct upgrade *u)
{
        finding_release(&u->f);
        sample_release(&u->sample);
        free(u->by_surface);
        *u = (struct upgrade) { 0 };
}

static int upgrade_close(struct audit_detect *d, struct upgrade *u)
{
        struct json j;
        struct buf b;
        int r;

        buf_init(&b, 0);
        json_init(&j, &b);
        json_object_begin(&j, NULL);
        json_object_begin(&j, "audit");
        json_string(&j, "id", u->id);
        json_object_begin(&j, "upgrade");
        json_string(&j, "upgrader", u->by->id);
        json_string(&j, "reason", u->by->reason);
        json_int(&j, "writes", (int64_t) u->writes);
        json_int(&j, "paths_count", (int64_t) u->sample.distinct);
        json_int(&j, "commands", (int64_t) u->commands);
        json_surfaces(&j, d->rs, u->by_surface);
        json_sample(&j, "paths", &u->sample);
        json_object_end(&j);
        json_object_end(&j);
        json_object_end(&j);
        r = json_finish(&j);
        if (r >= 0) {
                char msg[200];

                snprintf(msg, sizeof(msg), "%llu writes to %zu paths under upgrader %s folded into one event",
                         (unsigned long long) u->writes, u->sample.distinct, u->by->id);
                u->f.message = msg;
                u->f.extra_json = members_of(&b);
                r = emit(d, &u->f);
                u->f.extra_json = NULL;
                u->f.message = NULL;
        }
        buf_release(&b);
        d->stats.upgrades++;
        upgrade_release(u);
        return r;
}

/* The open upgrade event of an upgrader entry, opened (from the event at
 * hand) when needed. */
static struct upgrade *upgrade_get(struct audit_detect *d, const struct audit_event *ev, struct proc *up, int *ret_r)
{
        const struct audit_upgrader *by = &d->rs->audit.upgraders[up->tag - 1];
        struct upgrade *u, *slot = NULL, *oldest = NULL;
        struct finding_process fp;
        struct finding uf;
        const char *args[PROC_MAX_ARGS];
        size_t i;
        char ts[TIMESTAMP_LEN];

        *ret_r = 0;
        for (i = 0; i < MAX_UPGRADES; i++) {
                u = &d->upgrades[i];
                if (u->open && u->generation == up->generation)
                        return u;
                if (!u->open && !slot)
                        slot = u;
                if (u->open && (!oldest || u->last_ms < oldest->last_ms))
                        oldest = u;
        }
        if (!slot) {
                *ret_r = upgrade_close(d, oldest);
                if (*ret_r < 0)
                        return NULL;
                slot = oldest;
        }
        u = slot;
        *u = (struct upgrade) { .open = true, .generation = up->generation, .by = by };
        u->first_ms = u->last_ms = audit_event_ms(ev);
        due_at(d, audit_ms_add(u->last_ms, (uint64_t) d->rs->audit.upgrade_idle_s * 1000));
        audit_event_id(u->id, ev);
        buf_init(&u->sample.paths, 0);
        u->by_surface = calloc(d->rs->n_surfaces ? d->rs->n_surfaces : 1, sizeof(uint64_t));
        for (i = 0; i < up->n_args; i++)
                args[i] = proc_arg(up, i);
        fp = (struct finding_process) {
                .pid = up->pid, .ppid = up->ppid, .name = up->comm, .executable = up->exe, .args = args,
                .n_args = up->n_args, .uid = -1, .euid = -1, .auid = up->auid,
        };
        finding_init(&uf);
        format_timestamp_sec(ts, ev->sec, ev->msec);
        uf.timestamp = ts;
        uf.dataset = "driftwatch.audit";
        uf.rule = ruleset_rule(d->rs, "DW-AUD-UPGRADE");
        uf.category = "configuration";
        uf.type = "change";
        uf.action = "upgrade";
        uf.process = &fp;
        if (!u->by_surface || finding_copy(&uf, &u->f) < 0) {
                upgrade_release(u);
                *ret_r = -ENOMEM;
                return NULL;
        }
        return u;
}

/* ---- bulk buckets ---- */

static bool bulk_surface(const struct audit_detect *d, const struct surface *s)
{
        return any_equal(&d->rs->audit.bulk_surfaces, s->surface);
}

/* The process tree a bucket stands for: one login session (ses), or, outside
 * sessions, the tree under the first writer's parent (the writer itself when
 * its parent is init or unknown), so a shell's own writes and its children's
 * land in one bucket. */
static uint64_t tree_key(const struct audit_detect *d, const struct audit_event *ev, const struct proc *self)
{
        if (audit_id_set(ev->syscall.ses))
                return (1ULL << 63) | (uint64_t) ev->syscall.ses;
        if (d->n_chain && d->chain[0]->pid > 1)
                return d->chain[0]->generation;
        if (self)
                return self->generation;
        return (1ULL << 62) | (uint64_t) ev->syscall.pid;
}

/* Whether a write belongs to a bucket's tree. */
static bool in_tree(const struct audit_detect *d, const struct bucket *b, const struct audit_event *ev,
                    const struct proc *self)
{
        size_t i;

        if (b->key >> 63)
                return audit_id_set(ev->syscall.ses) && b->key == ((1ULL << 63) | (uint64_t) ev->syscall.ses);
        if (audit_id_set(ev->syscall.ses))
                return false;
        if (self && self->generation == b->key)
                return true;
        for (i = 0; i < d->n_chain; i++)
                if (d->chain[i]->generation == b->key)
                        return true;
        return b->key == ((1ULL << 62) | (uint64_t) ev->syscall.pid);
}

static void bucket_release(struct bucket *b)
{
        unsigned i;

        for (i = 0; i < b->n_pending; i++)
                finding_release(&b->pending[i]);
        finding_release(&b->f);
        sample_release(&b->sample);
        free(b->by_surface);
        b->open = false;
}

static int bucket_reason(struct audit_detect *d, const struct bucket *b)
{
        buf_reset(&d->reason);
        return buf_printf(&d->reason, "bulk write %s: many writes by one process tree", b->id);
}

static int bucket_close(struct audit_detect *d, struct bucket *b)
{
        struct json j;
        struct buf out;
        unsigned i;
        int r = 0;

        if (!b->folded) {
                /* Too few writes for a bulk event: each is reported as it was. */
                for (i = 0; i < b->n_pending && r >= 0; i++)
                        r = emit(d, &b->pending[i]);
                bucket_release(b);
                return r;
        }
        buf_init(&out, 0);
        json_init(&j, &out);
        json_object_begin(&j, NULL);
        json_object_begin(&j, "audit");
        json_string(&j, "id", b->id);
        json_object_begin(&j, "bulk");
        json_int(&j, "writes", (int64_t) b->writes);
        json_int(&j, "paths_count", (int64_t) b->sample.distinct);
        json_int(&j, "seconds", (int64_t) ((b->last_ms - b->first_ms) / 1000));
        json_surfaces(&j, d->rs, b->by_surface);
        json_sample(&j, "paths", &b->sample);
        json_object_end(&j);
        json_object_end(&j);
        json_object_end(&j);
        r = json_finish(&j);
        if (r >= 0) {
                char msg[160];

                snprintf(msg, sizeof(msg), "%llu writes to %zu paths by one process tree in %llu s",
                         (unsigned long long) b->writes, b->sample.distinct,
                         (unsigned long long) ((b->last_ms - b->first_ms) / 1000));
                b->f.message = msg;
                b->f.extra_json = members_of(&out);
                r = emit(d, &b->f);
                b->f.message = NULL;
        }
        buf_release(&out);
        d->stats.bulks++;
        bucket_release(b);
        return r;
}

/* Adds the write in d->f to its tree's bucket. *ret_taken: the bucket keeps
 * or folded it (nothing to report now). */
static int bucket_add(struct audit_detect *d, const struct audit_event *ev, const struct proc *self,
                      size_t surface_index, bool *ret_taken)
{
        const struct audit_policy *pol = &d->rs->audit;
        uint64_t key = tree_key(d, ev, self), now = audit_event_ms(ev);
        struct bucket *b = NULL, *slot = NULL;
        unsigned i;
        int r;

        *ret_taken = false;
        for (i = 0; i < MAX_BUCKETS; i++) {
                if (d->buckets[i].open && in_tree(d, &d->buckets[i], ev, self)) {
                        b = &d->buckets[i];
                        break;
                }
                if (!d->buckets[i].open && !slot)
                        slot = &d->buckets[i];
        }
        if (!b) {
                if (!slot)
                        return 0;       /* every bucket busy: reported as a single write */
                b = slot;
                *b = (struct bucket) { .open = true, .key = key, .first_ms = now };
                due_at(d, audit_ms_add(now, (uint64_t) pol->bulk_window_s * 1000));
                audit_event_id(b->id, ev);
                buf_init(&b->sample.paths, 0);
                b->by_surface = calloc(d->rs->n_surfaces ? d->rs->n_surfaces : 1, sizeof(uint64_t));
                if (!b->by_surface)
                        return -ENOMEM;
                /* The bulk event names the first writer and its tree: a shallow
                 * copy of the write with the bulk event's own fields, then a deep one. */
                {
                        struct finding first = d->f;

                        first.rule = ruleset_rule(d->rs, "DW-AUD-BULK");
                        first.action = "bulk-write", first.type = "change", first.path = NULL, first.path_len = 0;
                        first.outcome = NULL, first.surface = NULL, first.extra_json = NULL, first.n_quality = 0;
                        first.alert = false;
                        r = finding_copy(&first, &b->f);
                        if (r < 0)
                                return r;
                }
        }
        b->writes++;
        b->last_ms = now;
        if (b->by_surface)
                b->by_surface[surface_index]++;
        r = sample_add(&b->sample, d->f.path, d->f.path_len);
        if (r < 0)
                return r;
        *ret_taken = true;
        if (b->folded) {
                d->stats.folded++;
                r = bucket_reason(d, b);
                return r < 0 ? r : emit_suppressed(d, &d->f, "bucket", d->reason.data);
        }
        if (b->n_pending < sizeof(b->pending) / sizeof(b->pending[0])) {
                r = finding_copy(&d->f, &b->pending[b->n_pending]);
                if (r < 0)
                        return r;
                b->n_pending++;
        }
        if (b->sample.distinct >= pol->bulk_min_paths ||
            b->n_pending >= sizeof(b->pending) / sizeof(b->pending[0])) {
                /* The shape of a bulk run: fold what was held and what follows. */
                b->folded = true;
                r = bucket_reason(d, b);
                for (i = 0; i < b->n_pending && r >= 0; i++) {
                        d->stats.folded++;
                        r = emit_suppressed(d, &b->pending[i], "bucket", d->reason.data);
                }
                for (i = 0; i < b->n_pending; i++)
                        finding_release(&b->pending[i]);
                b->n_pending = 0;
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- the clock: closing what is due ---- */

static int advance(struct audit_detect *d, uint64_t now)
{
        const struct audit_policy *pol = &d->rs->audit;
        uint64_t due, next = 0;
        size_t i;
        int r;

        if (now <= d->clock_ms)
                return 0;
        d->clock_ms = now;
        if (!d->next_due_ms || now < d->next_due_ms)
                return 0;
        for (i = 0; i < MAX_BUCKETS; i++) {
                if (!d->buckets[i].open)
                        continue;
                due = audit_ms_add(d->buckets[i].first_ms, (uint64_t) pol->bulk_window_s * 1000);
                if (now >= due) {
                        r = bucket_close(d, &d->buckets[i]);
                        if (r < 0)
                                return r;
                } else if (!next || due < next)
                        next = due;
        }
        for (i = 0; i < MAX_UPGRADES; i++) {
                if (!d->upgrades[i].open)
                        continue;
                due = audit_ms_add(d->upgrades[i].last_ms, (uint64_t) pol->upgrade_idle_s * 1000);
                if (now >= due) {
                        r = upgrade_close(d, &d->upgrades[i]);
                        if (r < 0)
                                return r;
                } else if (!next || due < next)
                        next = due;
        }
        d->next_due_ms = next;
        return 0;
}

/* A bucket or upgrade event got a deadline. */
static void due_at(struct audit_detect *d, uint64_t due)
{
        if (!d->next_due_ms || due < d->next_due_ms)
                d->next_due_ms = due;
}

/* ---- pipeline health ---- */

static int health_emit(struct audit_detect *d, struct health *h, const struct audit_event *ev, uint64_t now)
{
        struct json j;
        char msg[256];
        int r;

        /* The event's own time when there is one (times past 2^64 ms included). */
        begin_finding(d, ev ? ev->sec : now / 1000, ev ? ev->msec : (unsigned) (now % 1000));
        d->f.alert = true;
        d->f.rule = h->rule;
        d->f.category = "host";
        d->f.type = "info";
        if (h == &d->health[HEALTH_PATH_MISSING]) {
                d->f.action = "path-records-missing";
                snprintf(msg, sizeof(msg), "%llu watched syscall%s logged without PATH records",
                         (unsigned long long) h->count, h->count == 1 ? "" : "s");
        } else if (h == &d->health[HEALTH_LOST]) {
                d->f.action = "events-lost";
                snprintf(msg, sizeof(msg), "the audit subsystem reported %llu lost event%s",
                         (unsigned long long) h->amount, h->amount == 1 ? "" : "s");
        } else if (h == &d->health[HEALTH_SPLIT]) {
                d->f.action = "events-split";
                snprintf(msg, sizeof(msg), "%llu audit event%s assembled without all their records (%llu completed "
                         "early at the reorder memory limit, the rest split by late records)",
                         (unsigned long long) h->count, h->count == 1 ? "" : "s", (unsigned long long) h->amount);
        } else {
                d->f.action = "sequence-gap";
                snprintf(msg, sizeof(msg), "%llu serial%s missing in %llu gap%s", (unsigned long long) h->amount,
                         h->amount == 1 ? "" : "s", (unsigned long long) h->count, h->count == 1 ? "" : "s");
        }
        d->f.message = msg;
        json_init(&j, &d->extra);
        json_object_begin(&j, NULL);
        json_object_begin(&j, "audit");
        json_string(&j, "id", h->first_id);
        json_object_begin(&j, "health");
        json_int(&j, "count", (int64_t) h->count);
        if (h->amount)
                json_int(&j, h == &d->health[HEALTH_LOST]    ? "lost"
                             : h == &d->health[HEALTH_SPLIT] ? "early"
                                                             : "missing",
                         (int64_t) h->amount);
        if (h->key[0])
                json_string(&j, "key", h->key);
        json_object_end(&j);
        json_object_end(&j);
        json_object_end(&j);
        if (json_finish(&j) >= 0)
                d->f.extra_json = members_of(&d->extra);
        h->count = h->amount = 0;
        h->first_id[0] = h->key[0] = '\0';
        h->emitted = true;
        h->last_emit_ms = now;
        d->stats.health++;
        r = emit(d, &d->f);
        d->f.message = NULL;
        return r;
}

static int health_note(struct audit_detect *d, struct health *h, const struct audit_event *ev, uint64_t amount)
{
        uint64_t now = audit_event_ms(ev);

        if (!h->count) {
                audit_event_id(h->first_id, ev);
                if (ev->has_syscall && ev->syscall.key.len)
                        audit_str_to_cstr(h->key, sizeof(h->key), ev->syscall.key);
        }
        h->count++;
        h->amount += amount;
        /* The first occurrence at once, then at most once per interval. */
        if (!h->emitted || now >= audit_ms_add(h->last_emit_ms, (uint64_t) d->rs->audit.health_interval_s * 1000))
                return health_emit(d, h, ev, now);
        return 0;
}

static int check_health(struct audit_detect *d, const struct audit_event *ev)
{
        int r = 0;

        if ((ev->quality & AUDIT_Q_PATH_MISSING) && ev->has_syscall)
                r = health_note(d, &d->health[HEALTH_PATH_MISSING], ev, 0);
        if (r >= 0 && (ev->quality & AUDIT_Q_LOST))
                r = health_note(d, &d->health[HEALTH_LOST], ev, ev->lost);
        if (r >= 0 && (ev->quality & AUDIT_Q_SEQUENCE_GAP))
                r = health_note(d, &d->health[HEALTH_GAP], ev, ev->gap_missing);
        /* The assembler gave up waiting for its records (the memory limit), or
         * its records came after that: writes and paths go missing. */
        if (r >= 0 && (ev->quality & (AUDIT_Q_EARLY | AUDIT_Q_SPLIT)))
                r = health_note(d, &d->health[HEALTH_SPLIT], ev, !!(ev->quality & AUDIT_Q_EARLY));
        return r;
}

static int silence(struct audit_detect *d, uint64_t from, uint64_t to, const struct audit_event *ev)
{
        char msg[160], from_ts[TIMESTAMP_LEN];
        struct json j;
        int r;

        /* The event's own time when there is one (times past 2^64 ms included). */
        begin_finding(d, ev ? ev->sec : to / 1000, ev ? ev->msec : (unsigned) (to % 1000));
        d->f.alert = true;
        d->f.rule = ruleset_rule(d->rs, "DW-AUD-SILENCE");
        d->f.category = "host";
        d->f.type = "info";
        d->f.action = "silence";
        snprintf(msg, sizeof(msg), "no audit events for %llu seconds", (unsigned long long) ((to - from) / 1000));
        d->f.message = msg;
        json_init(&j, &d->extra);
        json_object_begin(&j, NULL);
        json_object_begin(&j, "audit");
        json_object_begin(&j, "silence");
        format_timestamp_sec(from_ts, from / 1000, (unsigned) (from % 1000));
        json_string(&j, "from", from_ts);
        json_int(&j, "seconds", (int64_t) ((to - from) / 1000));
        json_object_end(&j);
        json_object_end(&j);
        json_object_end(&j);
        if (json_finish(&j) >= 0)
                d->f.extra_json = members_of(&d->extra);
        d->stats.health++;
        r = emit(d, &d->f);
        d->f.message = NULL;
        return r;
}

/* ---- commands ---- */

static int event_args(struct audit_detect *d, const struct audit_event *ev)
{
        size_t i, n;
        const char *base;

        d->n_args = 0;
        buf_reset(&d->argbuf);
        if (!ev->has_execve)
                return 0;
        n = ev->argc < MAX_EVENT_ARGS ? ev->argc : MAX_EVENT_ARGS;
        for (i = 0; i < n; i++) {
                size_t len = ev->argv[i].s ? strnlen(ev->argv[i].s, ev->argv[i].len) : 0;

                if (buf_append(&d->argbuf, ev->argv[i].s ? ev->argv[i].s : "", len) < 0 ||
                    buf_putc(&d->argbuf, '\0') < 0)
                        return -ENOMEM;
        }
        /* Pointers once the buffer stopped moving. */
        for (i = 0, base = d->argbuf.data; i < n; i++, base += strlen(base) + 1)
                d->args[i] = base;
        d->n_args = n;
        return 0;
}

static void pview_of_event(struct audit_detect *d, const struct audit_event *ev, struct pview *v)
{
        audit_str_to_cstr(d->exe, sizeof(d->exe), ev->syscall.exe);
        audit_str_to_cstr(d->comm, sizeof(d->comm), ev->syscall.comm);
        *v = (struct pview) {
                .exe = d->exe, .comm = d->comm, .args = d->args, .n_args = d->n_args, .have_args = ev->has_execve,
                .tty = ev->syscall.tty.len > 0, .auid = ev->syscall.auid, .auid_name = ev->syscall.auid_name,
        };
}

static int check_commands(struct audit_detect *d, const struct audit_event *ev, struct proc *self,
                          const struct pview *v)
{
        const struct audit_policy *pol = &d->rs->audit;
        const struct audit_command *c = NULL;
        const struct audit_allow *a;
        struct proc *up;
        struct json j;
        size_t i, after = 0, t;
        int r;

        for (i = 0; i < pol->n_commands; i++)
                if (match_process(&pol->commands[i].match, v, &after)) {
                        c = &pol->commands[i];
                        break;
                }
        if (!c)
                return 0;
        d->stats.commands++;
        begin_finding(d, ev->sec, ev->msec);
        d->f.alert = true;
        d->f.rule = &c->rule;
        d->f.category = "process";
        d->f.type = "start";
        d->f.action = "process-started";
        d->f.outcome = "success";
        set_quality(&d->f, ev->quality);
        set_process(d, ev, self);
        audit_members_begin(d, &j, ev);
        if (c->target) {
                /* The last non-option argument after the verb: the image, package or file. */
                for (t = v->n_args, i = after; i < v->n_args; i++)
                        if (v->args[i][0] != '-')
                                t = i;
                if (t < v->n_args)
                        json_string(&j, "target", v->args[t]);
        }
        audit_members_end(d, &j);
        /* The text view's line: the command as run (argv is in process.args). */
        buf_reset(&d->text);
        for (i = 0; i < v->n_args && d->text.len < 200; i++)
                (void) buf_printf(&d->text, "%s%.*s", i ? " " : "", (int) (200 - d->text.len), v->args[i]);
        if (i < v->n_args || d->text.len >= 200)
                (void) buf_puts(&d->text, " ...");
        d->f.message = d->text.len ? d->text.data : NULL;

        a = allowed(d, ev, v, &c->rule, NULL);
        if (a) {
                d->stats.allowed++;
                buf_reset(&d->reason);
                r = buf_printf(&d->reason, "allow entry %s: %s", a->id, a->reason);
                return r < 0 ? r : emit_suppressed(d, &d->f, "allowlist", d->reason.data);
        }
        up = upgrade_ancestor(d, NULL);        /* the command itself may be an upgrader: keep it */
        if (up) {
                struct upgrade *u = upgrade_get(d, ev, up, &r);

                if (!u)
                        return r;
                u->commands++;
                u->last_ms = audit_event_ms(ev);
                d->stats.by_ancestry++;
                buf_reset(&d->reason);
                r = buf_printf(&d->reason, "ancestor %s[%lld] is upgrader %s (upgrade event %s)", up->comm,
                               (long long) up->pid, u->by->id, u->id);
                return r < 0 ? r : emit_suppressed(d, &d->f, "ancestry", d->reason.data);
        }
        return emit(d, &d->f);
}

/* ---- writes ---- */

static const char *write_action(enum audit_write w, enum audit_nametype nt, const char **ret_type)
{
        if (nt == AUDIT_NAMETYPE_CREATE || (w == AUDIT_WRITE_CREATE && nt != AUDIT_NAMETYPE_DELETE)) {
                *ret_type = w == AUDIT_WRITE_RENAME ? "change" : "creation";
                return w == AUDIT_WRITE_RENAME ? "file-renamed" : "file-added";
        }
        if (nt == AUDIT_NAMETYPE_DELETE || w == AUDIT_WRITE_DELETE) {
                *ret_type = "deletion";
                return w == AUDIT_WRITE_RENAME ? "file-renamed" : "file-removed";
        }
        *ret_type = "change";
        if (w == AUDIT_WRITE_ATTR)
                return "file-attributes-changed";
        return w == AUDIT_WRITE_RENAME ? "file-renamed" : "file-modified";
}

static int check_writes(struct audit_detect *d, const struct audit_event *ev, struct proc *self,
                        const struct pview *v, enum audit_write w, bool known)
{
        const struct audit_syscall *sc = &ev->syscall;
        const struct surface *best = NULL;
        const struct audit_path *best_path = NULL;
        const struct audit_allow *a;
        struct proc *up;
        bool taken, only_parents = true;
        size_t i, best_index = 0;
        struct json j;
        const char *type;
        int r;

        if (w == AUDIT_WRITE_NONE && known)
                return 0;
        for (i = 0; i < ev->n_paths; i++)
                if (ev->paths[i].nametype != AUDIT_NAMETYPE_PARENT)
                        only_parents = false;
        for (i = 0; i < ev->n_paths; i++) {
                const struct audit_path *p = &ev->paths[i];
                const struct surface *s;
                bool writes = w != AUDIT_WRITE_NONE && w != AUDIT_WRITE_OPEN;

                if (!p->path.s || !p->path.len || p->path.s[0] != '/')
                        continue;
                if (p->nametype == AUDIT_NAMETYPE_PARENT && !only_parents)
                        continue;
                /* Without flags (openat2) or a syscall name, only a created or
                 * deleted name proves a write. */
                if (!writes && p->nametype != AUDIT_NAMETYPE_CREATE && p->nametype != AUDIT_NAMETYPE_DELETE)
                        continue;
                s = ruleset_match(d->rs, p->path.s, p->path.len);
                if (!s || s->audit == SURFACE_AUDIT_OFF)
                        continue;
                if (!best || s->severity > best->severity) {
                        best = s, best_path = p;
                        best_index = (size_t) (s - d->rs->surfaces);
                }
        }
        if (!best)
                return 0;
        d->stats.writes++;

        begin_finding(d, ev->sec, ev->msec);
        d->f.rule = &best->aud;
        d->f.category = "file";
        d->f.action = write_action(w, best_path->nametype, &type);
        d->f.type = type;
        d->f.path = best_path->path.s;
        d->f.path_len = best_path->path.len;
        d->f.outcome = sc->success == 0 ? "failure" : "success";
        /* A write that failed did not change anything: recorded, not an alert. */
        d->f.alert = best->audit == SURFACE_AUDIT_ALERT && sc->success != 0;
        set_quality(&d->f, ev->quality);
        set_process(d, ev, self);
        audit_members_begin(d, &j, ev);
        if (ev->n_paths > 1) {
                json_array_begin(&j, "paths");
                for (i = 0; i < ev->n_paths; i++)
                        if (ev->paths[i].path.s)
                                json_string_n(&j, NULL, ev->paths[i].path.s, ev->paths[i].path.len);
                json_array_end(&j);
        }
        audit_members_end(d, &j);
        /* file.path must be a C string for the allowlist's globs. */
        buf_reset(&d->text);
        if (buf_append(&d->text, best_path->path.s, best_path->path.len) < 0)
                return -ENOMEM;

        a = allowed(d, ev, v, &best->aud, d->text.data);
        if (a) {
                d->stats.allowed++;
                buf_reset(&d->reason);
                r = buf_printf(&d->reason, "allow entry %s: %s", a->id, a->reason);
                return r < 0 ? r : emit_suppressed(d, &d->f, "allowlist", d->reason.data);
        }
        up = upgrade_ancestor(d, self);
        if (up) {
                struct upgrade *u = upgrade_get(d, ev, up, &r);

                if (!u)
                        return r;
                u->writes++;
                u->by_surface[best_index]++;
                u->last_ms = audit_event_ms(ev);
                r = sample_add(&u->sample, d->text.data, d->text.len);
                if (r < 0)
                        return r;
                d->stats.by_ancestry++;
                buf_reset(&d->reason);
                r = buf_printf(&d->reason, "ancestor %s[%lld] is upgrader %s (upgrade event %s)", up->comm,
                               (long long) up->pid, u->by->id, u->id);
                return r < 0 ? r : emit_suppressed(d, &d->f, "ancestry", d->reason.data);
        }
        if (d->f.alert && bulk_surface(d, best)) {
                r = bucket_add(d, ev, self, best_index, &taken);
                if (r < 0 || taken)
                        return r;
        }
        return emit(d, &d->f);
}

/* ---- the entry points ---- */

int audit_detect_event(const struct audit_event *ev, void *userdata)
{
        struct audit_detect *d = userdata;
        uint64_t now = audit_event_ms(ev);
        struct proc *self;
        struct pview v;
        enum audit_write w;
        bool exec, known = false;
        int r;

        d->stats.events++;
        if (d->o.silence_ms && d->last_event_ms && now > audit_ms_add(d->last_event_ms, d->o.silence_ms)) {
                r = silence(d, d->last_event_ms, now, ev);
                if (r < 0)
                        return r;
        }
        if (now > d->last_event_ms)
                d->last_event_ms = now;
        d->silence_reported = false;
        r = advance(d, now);
        if (r < 0)
                return r;

        self = ev->has_syscall ? proctree_observe(d->tree, ev) : NULL;
        if ((d->o.since_ms && now < d->o.since_ms) || (d->o.until_ms && now > d->o.until_ms))
                return 0;
        d->stats.in_range++;
        r = check_health(d, ev);
        if (r < 0 || !ev->has_syscall)
                return r;

        exec = audit_syscall_is_exec(&ev->syscall) && ev->syscall.success != 0 && ev->has_execve;
        w = ev->n_paths ? audit_syscall_write(&ev->syscall, &known) : AUDIT_WRITE_NONE;
        if (!exec && (!ev->n_paths || (w == AUDIT_WRITE_NONE && known)))
                return 0;       /* most events: nothing a rule looks at */

        d->n_chain = proctree_ancestry(d->tree, ev->syscall.ppid, d->chain, PROC_ANCESTRY_MAX);
        r = event_args(d, ev);
        if (r < 0)
                return r;
        pview_of_event(d, ev, &v);
        if (exec)
                r = check_commands(d, ev, self, &v);
        if (r >= 0 && ev->n_paths)
                r = check_writes(d, ev, self, &v, w, known);
        return r;
}

int audit_detect_tick(struct audit_detect *d, uint64_t now_ms)
{
        int r = 0;

        if (d->o.silence_ms && d->last_event_ms && !d->silence_reported &&
            now_ms > d->last_event_ms + d->o.silence_ms) {
                d->silence_reported = true;
                r = silence(d, d->last_event_ms, now_ms, NULL);
        }
        return r < 0 ? r : advance(d, now_ms);
}

int audit_detect_flush(struct audit_detect *d)
{
        size_t i;
        int r = 0;

        for (i = 0; i < MAX_BUCKETS && r >= 0; i++)
                if (d->buckets[i].open)
                        r = bucket_close(d, &d->buckets[i]);
        for (i = 0; i < MAX_UPGRADES && r >= 0; i++)
                if (d->upgrades[i].open)
                        r = upgrade_close(d, &d->upgrades[i]);
        /* Health counted since the last report. */
        for (i = 0; i < HEALTH_N_ && r >= 0; i++)
                if (d->health[i].count)
                        r = health_emit(d, &d->health[i], NULL, d->clock_ms);
        return r;
}

const struct audit_detect_stats *audit_detect_stats(const struct audit_detect *d)
{
        return &d->stats;
}

int audit_detect_new(const struct audit_detect_options *o, audit_finding_fn fn, void *userdata,
                     struct audit_detect **ret)
{
        _cleanup_(audit_detect_freep) struct audit_detect *d = NULL;
        int r;

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->o = *o;
        d->rs = o->rules;
        d->fn = fn;
        d->userdata = userdata;
        finding_init(&d->f);
        buf_init(&d->argbuf, (size_t) 8 << 20);
        buf_init(&d->extra, (size_t) 16 << 20);
        buf_init(&d->text, 0);
        buf_init(&d->reason, 0);
        d->health[HEALTH_PATH_MISSING].rule = ruleset_rule(d->rs, "DW-AUD-PATH-MISSING");
        d->health[HEALTH_LOST].rule = ruleset_rule(d->rs, "DW-AUD-LOST");
        d->health[HEALTH_GAP].rule = ruleset_rule(d->rs, "DW-AUD-SEQUENCE-GAP");
        d->health[HEALTH_SPLIT].rule = ruleset_rule(d->rs, "DW-AUD-EVENT-SPLIT");
        r = proctree_new(o->max_processes ? o->max_processes : 8192, &d->tree);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(d);
        return 0;
}

void audit_detect_free(struct audit_detect *d)
{
        size_t i;

        if (!d)
                return;
        for (i = 0; i < MAX_BUCKETS; i++)
                if (d->buckets[i].open)
                        bucket_release(&d->buckets[i]);
        for (i = 0; i < MAX_UPGRADES; i++)
                if (d->upgrades[i].open)
                        upgrade_release(&d->upgrades[i]);
        finding_release(&d->f);
        buf_release(&d->argbuf);
        buf_release(&d->extra);
        buf_release(&d->text);
        buf_release(&d->reason);
        proctree_free(d->tree);
        free(d);
}
