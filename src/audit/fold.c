/* Audit analytics, folding: what many findings become one event. Writes and
 * commands under an upgrader (`audit.upgraders`, matched on the process or an
 * ancestor) extend that upgrader's upgrade event; alerting writes to the bulk
 * surfaces go to the bucket of their process tree, held until enough distinct
 * paths fold them into one bulk event or its window ends: the shape of the
 * burst decides (a burst confined to one high-value surface never folds; one
 * with a high-value surface among others folds into an alert). An upgrader
 * known only by its pinned executable (its exec, with the verb, not logged)
 * holds its tree's writes in a bucket of its own, which becomes its upgrade
 * event when they have the shape of one (min_paths). Samples count the
 * distinct paths; the clock (the newest event time, or the wall clock through
 * audit_detect_tick()) closes what is due. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/hash.h"
#include "detect-internal.h"

#define MAX_DISTINCT ((size_t) 1 << 16)

static void due_at(struct audit_detect *d, uint64_t due);

static bool any_equal(const struct strv *v, const char *s)
{
        size_t i;

        for (i = 0; i < v->n; i++)
                if (strcmp(v->v[i], s) == 0)
                        return true;
        return false;
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

int fold_sample_add(struct sample *s, const char *path, size_t len)
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

/* driftwatch.audit.upgrade or .bulk: the counts and the sample. */
static void fold_of(const struct audit_detect *d, const uint64_t *by_surface, const struct sample *s,
                    struct finding_fold *ret)
{
        ret->paths_count = s->distinct;
        ret->surfaces = d->rs->surfaces;
        ret->counts = by_surface;
        ret->n_surfaces = d->rs->n_surfaces;
        ret->paths = s->paths.data;
        ret->n_paths = s->n;
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
        match_pview_of_proc(&v, p, args);
        p->tag = 0;
        for (i = 0; i < pol->n_upgraders; i++)
                if (match_process(&pol->upgraders[i].match, &v, NULL) ||
                    match_process_pinned(&pol->upgraders[i].match, &v)) {
                        p->tag = (int16_t) (i + 1);
                        break;
                }
        return p->tag;
}

/* The nearest upgrader among self (when given) and the ancestors whose exec
 * we saw, else the nearest known by its pinned executable alone: under an
 * exec'd `bootc upgrade`, its ostree child without an exec record belongs to
 * the upgrade of bootc. */
struct proc *fold_upgrade_ancestor(struct audit_detect *d, struct proc *self)
{
        struct proc *inferred = NULL, *p;
        size_t i;

        if (!d->rs->audit.n_upgraders)
                return NULL;
        for (i = self ? 0 : 1; i <= d->n_chain; i++) {
                p = i ? d->chain[i - 1] : self;
                if (upgrader_of(d, p) <= 0)
                        continue;
                if (p->exec_seen)
                        return p;
                if (!inferred)
                        inferred = p;
        }
        return inferred;
}

static void upgrade_release(struct upgrade *u)
{
        arena_release(&u->arena);
        sample_release(&u->sample);
        free(u->by_surface);
        *u = (struct upgrade) { 0 };
}

static int upgrade_close(struct audit_detect *d, struct upgrade *u)
{
        struct finding_fold fold = { .upgrader = u->by->id, .reason = u->by->reason, .writes = u->writes,
                                     .commands = u->commands };
        const struct journal_deployment *j = NULL;
        struct finding_audit a;
        char msg[600], ts[TIMESTAMP_LEN];
        struct finding f;
        int r;

        fold_of(d, u->by_surface, &u->sample, &fold);
        finding_audit_init(&a);
        a.id = u->id;
        a.upgrade = &fold;
        /* With a journal, the deployment the upgrader logged names its image whole. */
        if (d->o.journal)
                j = journal_index_deployment(d->o.journal, u->process->pid,
                                             u->first_ms * 1000 > JOURNAL_INDEX_WINDOW_US ?
                                             u->first_ms * 1000 - JOURNAL_INDEX_WINDOW_US : 0,
                                             u->last_ms * 1000 + JOURNAL_INDEX_WINDOW_US);
        if (j) {
                a.target = j->image;
                a.target_from = "journal";
        }
        finding_init(&f);
        if (u->inferred)
                detect_set_quality(&f, AUDIT_Q_ANCESTRY_INFERRED);
        format_timestamp_sec(ts, u->sec, u->msec);
        f.timestamp = ts;
        f.dataset = "driftwatch.audit";
        f.rule = ruleset_rule(d->rs, "DW-AUD-UPGRADE");
        f.category = "configuration";
        f.type = "change";
        f.action = "upgrade";
        f.process = u->process;
        /* The unit that ran the upgrade (bootc-fetch-apply-updates.service,
         * rpm-ostreed.service), when live mode or the journal tell it. */
        snprintf(msg, sizeof(msg), "%llu writes to %zu paths under upgrader %s%s%.256s folded into one event%s",
                 (unsigned long long) u->writes, u->sample.distinct, u->by->id,
                 u->process->unit ? " run by unit " : "", u->process->unit ? u->process->unit : "",
                 u->inferred ? " (upgrader known by its executable and the burst: its exec was not logged)" : "");
        f.message = msg;
        f.audit = &a;
        r = detect_emit(d, &f);
        d->stats.upgrades++;
        upgrade_release(u);
        return r;
}

struct upgrade *fold_upgrade_find(struct audit_detect *d, const struct proc *up)
{
        size_t i;

        for (i = 0; i < MAX_UPGRADES; i++)
                if (d->upgrades[i].open && d->upgrades[i].generation == up->generation)
                        return &d->upgrades[i];
        return NULL;
}

int fold_upgrade_reason(struct audit_detect *d, const struct proc *up, const struct upgrade *u)
{
        buf_reset(&d->reason);
        if (u->inferred)
                return buf_printf(&d->reason, "ancestor %s[%lld] is upgrader %s by its executable %s and a burst "
                                  "of writes; its exec was not logged (upgrade event %s)",
                                  up->comm, (long long) up->pid, u->by->id, up->exe, u->id);
        return buf_printf(&d->reason, "ancestor %s[%lld] is upgrader %s (upgrade event %s)", up->comm,
                          (long long) up->pid, u->by->id, u->id);
}

/* The open upgrade event of an upgrader entry, opened (from the event at
 * hand) when needed. */
struct upgrade *fold_upgrade_get(struct audit_detect *d, const struct write_origin *o, struct proc *up, int *ret_r)
{
        const struct audit_upgrader *by = &d->rs->audit.upgraders[up->tag - 1];
        struct upgrade *u, *slot = NULL, *oldest = NULL;
        const struct finding_ancestor *none;
        struct finding_process fp;
        const char *args[PROC_MAX_ARGS];
        size_t i;

        *ret_r = 0;
        u = fold_upgrade_find(d, up);
        if (u)
                return u;
        for (i = 0; i < MAX_UPGRADES; i++) {
                u = &d->upgrades[i];
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
        *u = (struct upgrade) { .open = true, .generation = up->generation, .by = by, .sec = o->sec,
                                .msec = o->msec, .inferred = !up->exec_seen };
        arena_init(&u->arena);
        u->first_ms = u->last_ms = audit_ms(o->sec, o->msec);
        due_at(d, audit_ms_add(u->last_ms, (uint64_t) d->rs->audit.upgrade_idle_s * 1000));
        audit_event_id_format(u->id, o->sec, o->msec, o->serial);
        buf_init(&u->sample.paths, 0);
        u->by_surface = calloc(d->rs->n_surfaces ? d->rs->n_surfaces : 1, sizeof(uint64_t));
        for (i = 0; i < up->n_args; i++)
                args[i] = proc_arg(up, i);
        fp = (struct finding_process) {
                .pid = up->pid, .ppid = up->ppid, .name = up->comm, .executable = up->exe, .args = args,
                .n_args = up->n_args, .uid = -1, .euid = -1, .auid = up->auid,
                .unit = units_of(d, up), .unit_source = units_source(d, up),
        };
        if (!u->by_surface || finding_process_copy(&u->arena, &fp, NULL, 0, &u->process, &none) < 0) {
                upgrade_release(u);
                *ret_r = -ENOMEM;
                return NULL;
        }
        return u;
}

/* ---- bulk buckets ---- */

bool fold_bulk_surface(const struct audit_detect *d, const struct surface *s)
{
        return any_equal(&d->rs->audit.bulk_surfaces, s->surface);
}

static bool high_value(const struct audit_detect *d, size_t surface_index)
{
        return any_equal(&d->rs->audit.bulk_high_value, d->rs->surfaces[surface_index].surface);
}

/* The highest severity among the high-value surfaces a bucket's writes went
 * to (0: none), and whether they all went to one high-value surface. */
static enum severity bucket_high_value(const struct audit_detect *d, const struct bucket *b, bool *ret_confined)
{
        enum severity sev = 0;
        size_t i, n = 0;
        bool confined = true;

        for (i = 0; i < d->rs->n_surfaces; i++) {
                if (!b->by_surface[i])
                        continue;
                n++;
                if (!high_value(d, i)) {
                        confined = false;
                        continue;
                }
                if (d->rs->surfaces[i].severity > sev)
                        sev = d->rs->surfaces[i].severity;
        }
        *ret_confined = confined && n == 1;
        return sev;
}

/* Whether a bucket's writes have the shape of a bulk run (or of its
 * upgrader's upgrade): enough distinct paths, and for a bulk run not all on
 * one high-value surface. */
static bool bucket_folds(const struct audit_detect *d, const struct bucket *b)
{
        bool confined;

        if (b->sample.distinct < d->rs->audit.bulk_min_paths && b->n_held < BUCKET_HELD_MAX)
                return false;
        if (b->by)
                return true;
        (void) bucket_high_value(d, b, &confined);
        return !confined;
}

/* The origin of the event at hand by self (or NULL), with d->chain its
 * ancestry. The process tree a bucket stands for (key): one login session
 * (ses), or, outside sessions, the tree under the first writer's parent (the
 * writer itself when its parent is init or unknown), so a shell's own writes
 * and its children's land in one bucket. */
void fold_origin(const struct audit_detect *d, const struct audit_event *ev, const struct proc *self,
                 struct write_origin *ret)
{
        size_t i;

        *ret = (struct write_origin) { .sec = ev->sec, .msec = ev->msec, .serial = ev->serial,
                                       .ses = ev->syscall.ses, .pid = ev->syscall.pid,
                                       .self = self ? self->generation : 0 };
        for (i = 0; i < d->n_chain && i < PROC_ANCESTRY_MAX; i++)
                ret->chain[i] = d->chain[i]->generation;
        ret->n_chain = i;
        if (audit_id_set(ret->ses))
                ret->key = (1ULL << 63) | (uint64_t) ret->ses;
        else if (d->n_chain && d->chain[0]->pid > 1)
                ret->key = d->chain[0]->generation;
        else if (self)
                ret->key = self->generation;
        else
                ret->key = (1ULL << 62) | (uint64_t) ret->pid;
}

/* Whether a write belongs to a bucket's tree. */
static bool in_tree(const struct bucket *b, const struct write_origin *o)
{
        size_t i;

        if (b->key >> 63)
                return audit_id_set(o->ses) && b->key == ((1ULL << 63) | (uint64_t) o->ses);
        if (audit_id_set(o->ses))
                return false;
        if (o->self && o->self == b->key)
                return true;
        for (i = 0; i < o->n_chain; i++)
                if (o->chain[i] == b->key)
                        return true;
        return b->key == ((1ULL << 62) | (uint64_t) o->pid);
}

static void bucket_release(struct bucket *b)
{
        arena_release(&b->arena);
        sample_release(&b->sample);
        free(b->by_surface);
        *b = (struct bucket) { 0 };
}

static int bucket_reason(struct audit_detect *d, const struct bucket *b)
{
        buf_reset(&d->reason);
        return buf_printf(&d->reason, "bulk write %s: many writes across surfaces or directories by one process tree",
                          b->id);
}

/* A finding at the time of one of a bucket's writes, by one of its processes, in f. */
void fold_held_finding(const struct held_process *p, uint64_t sec, uint32_t msec, struct finding *f,
                       char ts[TIMESTAMP_LEN])
{
        finding_init(f);
        format_timestamp_sec(ts, sec, msec);
        f->timestamp = ts;
        f->dataset = "driftwatch.audit";
        f->category = "file";
        f->process = p->process;
        f->ancestry = p->ancestry;
        f->n_ancestry = p->n_ancestry;
}

/* Reports a held write: as it was, or (reason given) as suppressed by what
 * it folded into (by: "bucket", "ancestry"). */
static int held_emit(struct audit_detect *d, const struct bucket *b, const struct held_write *h, const char *by,
                     const char *reason)
{
        char ts[TIMESTAMP_LEN], id[AUDIT_EVENT_ID_MAX];
        struct finding_audit a = h->audit;
        struct finding_file file;
        struct finding f;

        audit_event_id_format(id, h->sec, h->msec, h->serial);
        a.id = id;
        fold_held_finding(&b->procs[h->proc], h->sec, h->msec, &f, ts);
        held_file_use(&h->file, h->changed, &f, &file);
        f.alert = true;
        f.rule = h->rule;
        f.action = h->action;
        f.type = h->type;
        f.outcome = h->outcome;
        f.path = h->path;
        f.path_len = h->path_len;
        f.audit = &a;
        detect_set_quality(&f, h->quality);
        detect_set_changed(&f, h->changed);
        return reason ? detect_emit_suppressed(d, &f, by, reason) : detect_emit(d, &f);
}

static int bucket_close(struct audit_detect *d, struct bucket *b)
{
        struct finding_fold fold = { .writes = b->writes, .seconds = (b->last_ms - b->first_ms) / 1000 };
        struct finding_audit a;
        char msg[200], ts[TIMESTAMP_LEN];
        enum severity high;
        struct finding f;
        bool confined;
        size_t n = 0;
        unsigned i;
        int r = 0;

        if (!b->folded) {
                /* Too few writes for a bulk event: each is reported as it was. */
                for (i = 0; i < b->n_held && r >= 0; i++)
                        r = held_emit(d, b, &b->held[i], NULL, NULL);
                bucket_release(b);
                return r;
        }
        fold_of(d, b->by_surface, &b->sample, &fold);
        finding_audit_init(&a);
        a.id = b->id;
        a.bulk = &fold;
        /* The bulk event names the first writer and its tree. */
        fold_held_finding(&b->procs[0], b->first_sec, b->first_msec, &f, ts);
        f.rule = ruleset_rule(d->rs, "DW-AUD-BULK");
        f.action = "bulk-write";
        f.type = "change";
        /* Nothing disappears: with a high-value surface among them, the
         * bulk event is an alert at that surface's severity. */
        high = bucket_high_value(d, b, &confined);
        f.alert = high != 0;
        f.severity = high;
        for (i = 0; i < d->rs->n_surfaces; i++)
                n += b->by_surface[i] != 0;
        snprintf(msg, sizeof(msg), "%llu writes to %zu paths on %zu surfaces by one process tree in %llu s%s",
                 (unsigned long long) b->writes, b->sample.distinct, n, (unsigned long long) fold.seconds,
                 high ? ", high-value surfaces among them" : "");
        f.message = msg;
        f.audit = &a;
        r = detect_emit(d, &f);
        d->stats.bulks++;
        bucket_release(b);
        return r;
}

/* The bytes a held string of n bytes takes at most in an arena. */
static size_t held_size(size_t n)
{
        return n + 1 + sizeof(max_align_t);
}

/* A bucket for the tree of the writer in f (or of the upgrader by), opened
 * at the write from o. Only -ENOMEM is an error: a writer too large to hold
 * leaves *ret NULL. */
static int bucket_open(struct audit_detect *d, struct bucket *b, const struct write_origin *o, uint64_t key,
                       const struct audit_upgrader *by, const struct finding *f, struct bucket **ret)
{
        uint64_t now = audit_ms(o->sec, o->msec);
        size_t size = held_size(BUCKET_HELD_MAX * sizeof(*b->held)) +
                      held_size((BUCKET_HELD_MAX + 1) * sizeof(*b->procs)) +
                      finding_process_size(f->process, f->ancestry, f->n_ancestry);
        struct held_process *first;

        *ret = NULL;
        if (size > BUCKET_HELD_BYTES)
                return 0;
        *b = (struct bucket) { .open = true, .key = key, .by = by, .first_sec = o->sec, .first_msec = o->msec,
                               .first_ms = now };
        arena_init(&b->arena);
        buf_init(&b->sample.paths, 0);
        audit_event_id_format(b->id, o->sec, o->msec, o->serial);
        b->by_surface = calloc(d->rs->n_surfaces ? d->rs->n_surfaces : 1, sizeof(uint64_t));
        b->held = arena_alloc(&b->arena, BUCKET_HELD_MAX * sizeof(*b->held));
        b->procs = arena_alloc(&b->arena, (BUCKET_HELD_MAX + 1) * sizeof(*b->procs));
        if (!b->by_surface || !b->held || !b->procs)
                goto oom;
        first = &b->procs[b->n_procs++];
        first->n_ancestry = f->n_ancestry;
        if (finding_process_copy(&b->arena, f->process, f->ancestry, f->n_ancestry, &first->process,
                                 &first->ancestry) < 0)
                goto oom;
        due_at(d, audit_ms_add(now, (uint64_t) d->rs->audit.bulk_window_s * 1000));
        *ret = b;
        return 0;
oom:
        bucket_release(b);
        return -ENOMEM;
}

/* The bytes of s in arena a ("" when empty). */
static struct finding_bytes held_bytes(struct arena *a, struct finding_bytes s, bool *oom)
{
        struct finding_bytes c = { s.len ? arena_memdup(a, s.s, s.len) : "", s.len };

        *oom |= s.len && !c.s;
        return c;
}

/* At least the arena bytes held_audit_copy() takes for a. */
size_t held_audit_size(const struct finding_audit *a)
{
        size_t size = held_size(a->node.len) + held_size(a->syscall.len) + held_size(a->key.len) +
                      held_size(a->tty.len) + held_size(a->from.len) + held_size(a->to.len) +
                      held_size(a->from_written ? strlen(a->from_written) : 0) +
                      held_size(a->n_paths * sizeof(*a->paths)), i;

        for (i = 0; i < a->n_paths; i++)
                size += held_size(a->paths[i].len);
        return size;
}

/* The audit context of a write (the event's: no id, target, fold or health)
 * with its bytes copied into arena a. */
int held_audit_copy(struct arena *a, const struct finding_audit *src, struct finding_audit *ret)
{
        struct finding_bytes *paths = NULL;
        bool oom = false;
        size_t i;

        *ret = *src;
        ret->id = NULL;
        ret->node = held_bytes(a, src->node, &oom);
        ret->syscall = held_bytes(a, src->syscall, &oom);
        ret->key = held_bytes(a, src->key, &oom);
        ret->tty = held_bytes(a, src->tty, &oom);
        if (src->from.s)
                ret->from = held_bytes(a, src->from, &oom);
        if (src->to.s)
                ret->to = held_bytes(a, src->to, &oom);
        if (src->from_written) {
                ret->from_written = arena_strndup(a, src->from_written, strlen(src->from_written));
                oom |= !ret->from_written;
        }
        if (src->n_paths) {
                paths = arena_alloc(a, src->n_paths * sizeof(*paths));
                oom |= !paths;
                for (i = 0; paths && i < src->n_paths; i++)
                        paths[i] = held_bytes(a, src->paths[i], &oom);
        }
        ret->paths = paths;
        return oom ? -ENOMEM : 0;
}

/* Holds the write from o in f (quality: its AUDIT_Q_*, changed: its
 * AUDIT_CHANGED_*). -E2BIG: it does not fit in the bucket's bytes. */
static int bucket_hold(struct bucket *b, const struct write_origin *o, const struct finding *f, uint64_t quality,
                       unsigned changed)
{
        struct held_write *h = &b->held[b->n_held];
        struct held_process *p;
        size_t size;
        unsigned k;

        /* Most writes of a tree come from a process already held: a reference. */
        for (k = 0; k < b->n_procs; k++)
                if (finding_process_equal(b->procs[k].process, b->procs[k].ancestry, b->procs[k].n_ancestry,
                                          f->process, f->ancestry, f->n_ancestry))
                        break;
        size = held_size(f->path_len) + held_audit_size(f->audit);
        if (k == b->n_procs)
                size += finding_process_size(f->process, f->ancestry, f->n_ancestry);
        if (b->arena.total + size > BUCKET_HELD_BYTES)
                return -E2BIG;
        if (k == b->n_procs) {
                p = &b->procs[k];
                p->n_ancestry = f->n_ancestry;
                if (finding_process_copy(&b->arena, f->process, f->ancestry, f->n_ancestry, &p->process,
                                         &p->ancestry) < 0)
                        return -ENOMEM;
                b->n_procs++;
        }
        *h = (struct held_write) {
                .sec = o->sec, .msec = o->msec, .serial = o->serial, .proc = k, .quality = quality, .changed = changed,
                .rule = f->rule, .action = f->action, .type = f->type, .outcome = f->outcome,
                .path = arena_strndup(&b->arena, f->path, f->path_len), .path_len = f->path_len,
        };
        if (!h->path || held_audit_copy(&b->arena, f->audit, &h->audit) < 0)
                return -ENOMEM;
        held_file_keep(&h->file, f);
        b->n_held++;
        return 0;
}

/* The writes an upgrader's bucket held have the shape of an upgrade: they
 * open its upgrade event, suppressed there as its later writes will be. */
static int bucket_to_upgrade(struct audit_detect *d, struct bucket *b, struct finding *f, const struct write_origin *o,
                             struct proc *up, bool *ret_taken)
{
        struct upgrade *u;
        unsigned i;
        size_t k;
        int r;

        u = fold_upgrade_get(d, o, up, &r);
        if (!u)
                return r;
        /* The upgrade began with the bucket's first write. */
        u->sec = b->first_sec, u->msec = b->first_msec, u->first_ms = b->first_ms;
        memcpy(u->id, b->id, sizeof(u->id));
        u->writes += b->writes;
        u->last_ms = b->last_ms;
        for (k = 0; k < d->rs->n_surfaces; k++)
                u->by_surface[k] += b->by_surface[k];
        r = fold_upgrade_reason(d, up, u);
        for (i = 0; i < b->n_held && r >= 0; i++) {
                d->stats.by_ancestry++;
                r = fold_sample_add(&u->sample, b->held[i].path, b->held[i].path_len);
                if (r >= 0)
                        r = held_emit(d, b, &b->held[i], "ancestry", d->reason.data);
        }
        if (r >= 0 && !*ret_taken) {
                *ret_taken = true;
                d->stats.by_ancestry++;
                r = fold_sample_add(&u->sample, f->path, f->path_len);
                if (r >= 0)
                        r = detect_emit_suppressed(d, f, "ancestry", d->reason.data);
        }
        bucket_release(b);
        return r;
}

/* Adds the alerting write f from o (quality: its AUDIT_Q_*, changed: its
 * AUDIT_CHANGED_*) to its tree's bucket, or, with up, to the bucket of that
 * upgrader known by its executable alone. *ret_taken: the bucket holds or
 * folded it (nothing to report now); not when every bucket is busy or the
 * write does not fit in its bucket. */
int fold_bucket_add(struct audit_detect *d, struct finding *f, const struct write_origin *o, struct proc *up,
                    size_t surface_index, uint64_t quality, unsigned changed, bool *ret_taken)
{
        const struct audit_upgrader *by = up ? &d->rs->audit.upgraders[up->tag - 1] : NULL;
        struct bucket *b = NULL, *slot = NULL;
        unsigned i;
        int r;

        *ret_taken = false;
        for (i = 0; i < MAX_BUCKETS; i++) {
                struct bucket *c = &d->buckets[i];

                if (c->open && c->by == by && (!up || c->key == up->generation) && in_tree(c, o)) {
                        b = c;
                        break;
                }
                if (!c->open && !slot)
                        slot = c;
        }
        if (!b) {
                if (!slot)
                        return 0;       /* every bucket busy: reported as a single write */
                r = bucket_open(d, slot, o, up ? up->generation : o->key, by, f, &b);
                if (r < 0 || !b)
                        return r;
        }
        b->writes++;
        b->last_ms = audit_ms(o->sec, o->msec);
        b->by_surface[surface_index]++;
        r = fold_sample_add(&b->sample, f->path, f->path_len);
        if (r < 0)
                return r;
        if (b->folded) {
                *ret_taken = true;
                d->stats.folded++;
                r = bucket_reason(d, b);
                return r < 0 ? r : detect_emit_suppressed(d, f, "bucket", d->reason.data);
        }
        if (b->n_held < BUCKET_HELD_MAX) {
                r = bucket_hold(b, o, f, quality, changed);
                if (r < 0 && r != -E2BIG)
                        return r;
                *ret_taken = r >= 0;
        }
        if (!bucket_folds(d, b))
                return 0;
        if (b->by)
                return bucket_to_upgrade(d, b, f, o, up, ret_taken);
        /* The shape of a bulk run: fold what was held and what follows. */
        b->folded = true;
        r = bucket_reason(d, b);
        for (i = 0; i < b->n_held && r >= 0; i++) {
                d->stats.folded++;
                r = held_emit(d, b, &b->held[i], "bucket", d->reason.data);
        }
        b->n_held = 0;
        if (r >= 0 && !*ret_taken) {
                *ret_taken = true;
                d->stats.folded++;
                r = detect_emit_suppressed(d, f, "bucket", d->reason.data);
        }
        return r;
}

/* ---- the clock: closing what is due ---- */

int fold_advance(struct audit_detect *d, uint64_t now)
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


int fold_flush(struct audit_detect *d)
{
        size_t i;
        int r = 0;

        for (i = 0; i < MAX_BUCKETS && r >= 0; i++)
                if (d->buckets[i].open)
                        r = bucket_close(d, &d->buckets[i]);
        for (i = 0; i < MAX_UPGRADES && r >= 0; i++)
                if (d->upgrades[i].open)
                        r = upgrade_close(d, &d->upgrades[i]);
        return r;
}

void fold_release(struct audit_detect *d)
{
        size_t i;

        for (i = 0; i < MAX_BUCKETS; i++)
                if (d->buckets[i].open)
                        bucket_release(&d->buckets[i]);
        for (i = 0; i < MAX_UPGRADES; i++)
                if (d->upgrades[i].open)
                        upgrade_release(&d->upgrades[i]);
}
