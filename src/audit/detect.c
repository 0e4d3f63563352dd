/* Audit analytics: rules, expected writers, upgrade and bulk folding, pipeline
 * health; see detect.h. Per event: the process tree is updated, then (inside
 * --since/--until) a successful exec is matched against the command rules and
 * a write against the surfaces. A candidate write first meets the creates its
 * process holds (a temporary file renamed over its target, a chmod after a
 * create: one write), then goes through, in order: the allowlist, the
 * upgraders in its ancestry, the hold of a create for what its process does
 * next, the bulk bucket of its process tree; what none of them claims is
 * reported at once. This file is the dispatch (the entry points, commands and
 * writes); matching, joining, folding and pipeline health are match.c,
 * replace.c, fold.c and health.c (detect-internal.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "detect-internal.h"
#include "fim/entry.h"

/* ---- the finding being built ---- */

/* A fresh finding in d->f, stamped with a stream time. */
void detect_begin_finding(struct audit_detect *d, uint64_t sec, unsigned msec)
{
        finding_release(&d->f);
        finding_init(&d->f);
        format_timestamp_sec(d->timestamp, sec, msec);
        d->f.timestamp = d->timestamp;
        d->f.dataset = "driftwatch.audit";
        buf_reset(&d->text);
        buf_reset(&d->reason);
}

void detect_set_file(struct audit_detect *d, const struct audit_path *p, enum audit_write w)
{
        struct finding_file *ff = &d->file;

        d->f.file = NULL;
        if (!p || (p->nametype != AUDIT_NAMETYPE_CREATE && p->nametype != AUDIT_NAMETYPE_NORMAL))
                return;
        *ff = (struct finding_file) {
                .type = p->mode >= 0 && (p->mode & S_IFMT) ? fim_type_name((uint32_t) p->mode & S_IFMT) : NULL,
                .has_inode = p->inode >= 0,
                .inode = (uint64_t) p->inode,
        };
        /* ids as logged: 32 bits, 4294967295 is (uid_t) -1, none */
        if (w != AUDIT_WRITE_ATTR && p->mode >= 0 && p->ouid >= 0 && p->ouid < UINT32_MAX && p->ogid >= 0 &&
            p->ogid < UINT32_MAX) {
                ff->has_stat = true;
                ff->mode = (uint32_t) p->mode;
                ff->uid = (uint32_t) p->ouid;
                ff->gid = (uint32_t) p->ogid;
                ff->owner = passwd_map_name(d->o.users, p->ouid);
                ff->group = passwd_map_name(d->o.groups, p->ogid);
        }
        if (ff->type || ff->has_inode || ff->has_stat)
                d->f.file = ff;
}

void held_file_keep(struct held_file *h, const struct finding *f)
{
        *h = (struct held_file) { .has = f->file != NULL };
        if (f->file)
                h->file = *f->file;
}

void held_file_use(const struct held_file *h, unsigned changed, struct finding *f, struct finding_file *storage)
{
        if (!h->has)
                return;
        *storage = h->file;
        if (changed & (AUDIT_CHANGED_MODE | AUDIT_CHANGED_UID | AUDIT_CHANGED_GID))
                storage->has_stat = false, storage->owner = storage->group = NULL;
        f->file = storage;
}

void detect_set_quality(struct finding *f, uint64_t quality)
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
        bool inferred = false;
        size_t i, k, n, at;

        audit_str_to_cstr(d->exe, sizeof(d->exe), sc->exe);
        audit_str_to_cstr(d->comm, sizeof(d->comm), sc->comm);
        audit_str_to_cstr(d->auid_name, sizeof(d->auid_name), sc->auid_name);
        *p = (struct finding_process) {
                .pid = sc->pid, .ppid = sc->ppid, .uid = sc->uid, .euid = sc->euid, .auid = sc->auid,
                .auid_name = d->auid_name[0] ? d->auid_name : passwd_map_name(d->o.users, sc->auid),
                .name = d->comm[0] ? d->comm : NULL, .executable = d->exe[0] ? d->exe : NULL,
                .unit = units_of(d, self), .unit_source = units_source(d, self),
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
                        .args = d->ancestor_args[i], .n_args = a->n_args, .inferred = !a->exec_seen,
                };
                inferred |= !a->exec_seen;
        }
        d->f.process = p;
        d->f.ancestry = d->ancestry;
        d->f.n_ancestry = i;
        /* Rule sets that log execve only for logged-in users leave a service's
         * processes known from their SYSCALL records alone: say so, and never
         * make up the argv that was not logged. */
        d->proc_quality = inferred ? AUDIT_Q_ANCESTRY_INFERRED : 0;
        /* Live or with a journal, a process whose unit (and its ancestors')
         * could not be found says so; offline without a journal no finding
         * has one, which is no news. */
        if (units_enabled(d) && !p->unit)
                d->proc_quality |= AUDIT_Q_UNIT_UNRESOLVED;
        detect_set_quality(&d->f, d->proc_quality);
}

static const char *const changed_names[AUDIT_CHANGED_COUNT_] = { "mode", "uid", "gid", "xattrs", "mtime" };

void detect_set_changed(struct finding *f, unsigned changed)
{
        unsigned b;

        for (b = 0; b < AUDIT_CHANGED_COUNT_ && f->n_changed < FINDING_MAX_CHANGED; b++)
                if (changed & (1u << b))
                        f->changed[f->n_changed++] = changed_names[b];
}

static struct finding_bytes bytes_of(struct audit_str s)
{
        return (struct finding_bytes) { s.s, s.len };
}

/* driftwatch.audit: where the finding comes from in the log (the event and
 * its syscall; commands add their target, writes the paths). */
static void set_audit(struct audit_detect *d, const struct audit_event *ev)
{
        const struct audit_syscall *sc = &ev->syscall;
        struct finding_audit *a = &d->audit;

        finding_audit_init(a);
        audit_event_id(d->audit_id, ev);
        a->id = d->audit_id;
        a->node = bytes_of(ev->node);
        a->syscall = bytes_of(audit_syscall_get_name(sc));
        a->syscall_number = ev->has_syscall ? sc->number : -1;
        a->success = sc->success;
        a->has_exit = sc->has_exit;
        a->exit = sc->exit;
        a->key = bytes_of(sc->key);
        a->tty = bytes_of(sc->tty);
        a->ses = sc->ses;
        d->f.audit = a;
}

/* driftwatch.audit.paths: every PATH record's path (as placed), of an event with several. */
static int set_audit_paths(struct audit_detect *d, const struct audit_event *ev)
{
        struct finding_audit *a = &d->audit;
        size_t i;

        if (ev->n_paths <= 1)
                return 0;
        if (ev->n_paths > d->paths_cap) {
                struct finding_bytes *p = reallocarray(d->paths, ev->n_paths, sizeof(*p));

                if (!p)
                        return -ENOMEM;
                d->paths = p;
                d->paths_cap = ev->n_paths;
        }
        a->has_paths = true;
        a->paths = d->paths;
        for (i = 0, a->n_paths = 0; i < ev->n_paths; i++)
                if (d->view[i].path.s)
                        d->paths[a->n_paths++] = bytes_of(d->view[i].path);
        return 0;
}

void detect_describe(struct audit_detect *d, const struct audit_event *ev, struct proc *self)
{
        set_process(d, ev, self);
        set_audit(d, ev);
}

int detect_emit(struct audit_detect *d, const struct finding *f)
{
        return d->fn(f, d->userdata);
}

int detect_allowlist(struct audit_detect *d, const struct audit_event *ev, const struct pview *v, const char *path,
                     bool *ret_allowed)
{
        const struct audit_allow *a = match_allowed(&d->rs->audit, ev, v, d->chain, d->n_chain, d->f.rule, path);
        int r = 0;

        if (a) {
                d->stats.allowed++;
                buf_reset(&d->reason);
                r = buf_printf(&d->reason, "allow entry %s: %s", a->id, a->reason);
                if (r >= 0)
                        r = detect_emit_suppressed(d, &d->f, "allowlist", d->reason.data);
                if (r < 0)
                        return r;
        }
        *ret_allowed = a != NULL;
        return 0;
}

/* A suppressed finding, reported only with --show-suppressed. */
int detect_emit_suppressed(struct audit_detect *d, struct finding *f, const char *by, const char *reason)
{
        bool alert = f->alert;
        int r;

        if (!d->o.show_suppressed)
                return 0;
        f->alert = false;
        f->suppressed_by = by;
        f->suppressed_reason = reason;
        r = detect_emit(d, f);
        f->alert = alert;
        f->suppressed_by = f->suppressed_reason = NULL;
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

static void pview_of_event(struct audit_detect *d, const struct audit_event *ev, const struct proc *self,
                           struct pview *v)
{
        audit_str_to_cstr(d->exe, sizeof(d->exe), ev->syscall.exe);
        audit_str_to_cstr(d->comm, sizeof(d->comm), ev->syscall.comm);
        *v = (struct pview) {
                .exe = d->exe, .comm = d->comm, .args = d->args, .n_args = d->n_args, .have_args = ev->has_execve,
                .tty = ev->syscall.tty.len > 0, .auid = ev->syscall.auid, .auid_name = ev->syscall.auid_name,
                .unit = units_of(d, self),
        };
}

/* With a journal: the whole image reference of the deployment message the
 * command's process logged close to its exec (bootc logs the switch from the
 * process audit saw exec), when audit's is missing, a part of it, or from an
 * argv the record cut. A target that differs otherwise is left as logged. */
static void journal_target(struct audit_detect *d, const struct audit_event *ev)
{
        const struct journal_deployment *j;
        uint64_t us = audit_event_ms(ev) * 1000;
        const char *t = d->audit.target;

        if (!d->o.journal)
                return;
        j = journal_index_deployment(d->o.journal, ev->syscall.pid, us > JOURNAL_INDEX_WINDOW_US ?
                                     us - JOURNAL_INDEX_WINDOW_US : 0, us + JOURNAL_INDEX_WINDOW_US);
        if (!j || (t && strcmp(t, j->image) == 0))
                return;
        if (t && strncmp(j->image, t, strlen(t)) != 0 && !(ev->quality & AUDIT_Q_EXECVE_TRUNCATED))
                return;
        d->audit.target = j->image;
        d->audit.target_from = "journal";
        d->audit.target_logged = t;
}

static int check_commands(struct audit_detect *d, const struct audit_event *ev, struct proc *self,
                          const struct pview *v)
{
        const struct audit_policy *pol = &d->rs->audit;
        const struct audit_command *c = NULL;
        bool allowed;
        struct proc *up;
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
        detect_begin_finding(d, ev->sec, ev->msec);
        d->f.alert = true;
        d->f.rule = &c->rule;
        d->f.category = "process";
        d->f.type = "start";
        d->f.action = "process-started";
        d->f.outcome = "success";
        detect_set_quality(&d->f, ev->quality);
        set_process(d, ev, self);
        set_audit(d, ev);
        if (c->target) {
                /* The last non-option argument after the verb: the image, package or file. */
                for (t = v->n_args, i = after; i < v->n_args; i++)
                        if (v->args[i][0] != '-')
                                t = i;
                if (t < v->n_args)
                        d->audit.target = v->args[t];
                journal_target(d, ev);
        }
        /* The text view's line: the command as run (argv is in process.args). */
        buf_reset(&d->text);
        for (i = 0; i < v->n_args && d->text.len < 200; i++)
                (void) buf_printf(&d->text, "%s%.*s", i ? " " : "", (int) (200 - d->text.len), v->args[i]);
        if (i < v->n_args || d->text.len >= 200)
                (void) buf_puts(&d->text, " ...");
        d->f.message = d->text.len ? d->text.data : NULL;

        r = detect_allowlist(d, ev, v, NULL, &allowed);
        if (r < 0 || allowed)
                return r;
        up = fold_upgrade_ancestor(d, NULL);        /* the command itself may be an upgrader: keep it */
        /* An upgrader known by its executable alone is one once its writes showed it. */
        if (up && !up->exec_seen && !fold_upgrade_find(d, up))
                up = NULL;
        if (up) {
                struct write_origin o;
                struct upgrade *u;

                fold_origin(d, ev, NULL, &o);
                u = fold_upgrade_get(d, &o, up, &r);
                if (!u)
                        return r;
                u->commands++;
                u->last_ms = audit_event_ms(ev);
                d->stats.by_ancestry++;
                r = fold_upgrade_reason(d, up, u);
                return r < 0 ? r : detect_emit_suppressed(d, &d->f, "ancestry", d->reason.data);
        }
        return detect_emit(d, &d->f);
}

/* ---- writes ---- */

const char *detect_write_action(enum audit_write w, enum audit_nametype nt, const char **ret_type)
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

/* A rename (or link) moves a name: from the DELETE item (link: the existing
 * NORMAL one) to the CREATE item; a DELETE of the new name means it replaced a
 * file. */
struct move {
        const char *via;                /* "rename", "link"; NULL: no move */
        const struct audit_path *from, *to;
        bool replaced;
};

static bool path_eq(const struct audit_path *a, const struct audit_path *b)
{
        return a->path.len == b->path.len && memcmp(a->path.s, b->path.s, a->path.len) == 0;
}

static bool is_link_syscall(const struct audit_syscall *sc)
{
        struct audit_str n = audit_syscall_get_name(sc);

        return audit_str_eq(n, "link") || audit_str_eq(n, "linkat");
}

static void find_move(const struct audit_path *paths, size_t n, const struct audit_syscall *sc, enum audit_write w,
                      struct move *ret)
{
        size_t i;

        *ret = (struct move) { 0 };
        if (w != AUDIT_WRITE_RENAME && w != AUDIT_WRITE_CREATE)
                return;
        for (i = 0; i < n; i++)
                if (paths[i].nametype == AUDIT_NAMETYPE_CREATE && paths[i].resolved)
                        ret->to = &paths[i];
        if (!ret->to)
                return;
        for (i = 0; i < n; i++) {
                const struct audit_path *p = &paths[i];

                if (!p->resolved || p == ret->to)
                        continue;
                if (w == AUDIT_WRITE_RENAME && p->nametype == AUDIT_NAMETYPE_DELETE) {
                        if (path_eq(p, ret->to))
                                ret->replaced = true;
                        else if (!ret->from)
                                ret->from = p;
                } else if (w == AUDIT_WRITE_CREATE && p->nametype == AUDIT_NAMETYPE_NORMAL && !ret->from) {
                        ret->from = p;
                }
        }
        if (!ret->from || (w == AUDIT_WRITE_CREATE && !is_link_syscall(sc)))
                *ret = (struct move) { 0 };
        else
                ret->via = w == AUDIT_WRITE_RENAME ? "rename" : "link";
}

static const struct surface *surface_of(const struct audit_detect *d, const struct audit_path *p)
{
        const struct surface *s;

        if (!p || !p->path.len || p->path.s[0] != '/')
                return NULL;
        s = ruleset_match(d->rs, p->path.s, p->path.len);
        return s && s->audit != SURFACE_AUDIT_OFF ? s : NULL;
}

int detect_report_write(struct audit_detect *d, struct finding *f, const struct write_origin *o,
                        size_t surface_index, uint64_t quality, unsigned changed)
{
        bool taken;
        int r;

        if (f->alert && fold_bulk_surface(d, &d->rs->surfaces[surface_index])) {
                r = fold_bucket_add(d, f, o, NULL, surface_index, quality, changed, &taken);
                if (r < 0 || taken)
                        return r;
        }
        return detect_emit(d, f);
}

static int check_writes(struct audit_detect *d, const struct audit_event *ev, struct proc *self,
                        const struct pview *v, enum audit_write w, bool known)
{
        const struct audit_syscall *sc = &ev->syscall;
        const struct audit_path *paths = d->view;
        const struct surface *best = NULL, *s_to, *s_from;
        const struct audit_path *best_path = NULL;
        const char *type, *action = NULL;
        struct write_origin o;
        struct proc *up;
        struct move mv;
        bool taken, only_parents = true;
        size_t i, best_index = 0;
        uint64_t quality;
        unsigned changed = 0;
        int r;

        if (w == AUDIT_WRITE_NONE && known)
                return 0;
        /* A name moved onto a surface is a write there, whatever it was
         * called before; one moved off a surface is a removal from it. */
        find_move(paths, ev->n_paths, sc, w, &mv);
        s_to = mv.via ? surface_of(d, mv.to) : NULL;
        s_from = mv.via ? surface_of(d, mv.from) : NULL;
        if (s_to && (!s_from || s_to->severity >= s_from->severity)) {
                best = s_to, best_path = mv.to;
                action = mv.replaced ? "file-modified" : "file-added";
                type = mv.replaced ? "change" : "creation";
        } else if (s_from && mv.via && w == AUDIT_WRITE_RENAME) {
                best = s_from, best_path = mv.from;
                action = "file-removed";
                type = "deletion";
        } else {
                mv.via = NULL;
        }
        for (i = 0; i < ev->n_paths && !best; i++)
                if (paths[i].nametype != AUDIT_NAMETYPE_PARENT)
                        only_parents = false;
        for (i = 0; i < ev->n_paths && !action; i++) {
                const struct audit_path *p = &paths[i];
                const struct surface *s;
                bool writes = w != AUDIT_WRITE_NONE && w != AUDIT_WRITE_OPEN;

                if (p->nametype == AUDIT_NAMETYPE_PARENT && !only_parents)
                        continue;
                /* Without flags (openat2) or a syscall name, only a created or
                 * deleted name proves a write. */
                if (!writes && p->nametype != AUDIT_NAMETYPE_CREATE && p->nametype != AUDIT_NAMETYPE_DELETE)
                        continue;
                s = surface_of(d, p);
                if (s && (!best || s->severity > best->severity))
                        best = s, best_path = p;
        }
        if (!best)
                return 0;
        /* Inside a container the path is the container's own: one finding,
         * DW-AUD-CTR-WRITE, naming the surface and its techniques. */
        if (container_write_takes(d, ev, self, v, w)) {
                d->ctr_surface = best;
                return 0;
        }
        best_index = (size_t) (best - d->rs->surfaces);
        d->stats.writes++;

        detect_begin_finding(d, ev->sec, ev->msec);
        d->f.rule = &best->aud;
        d->f.category = "file";
        if (!action)
                action = detect_write_action(w, best_path->nametype, &type);
        d->f.action = action;
        d->f.type = type;
        d->f.path = best_path->path.s;
        d->f.path_len = best_path->path.len;
        detect_set_file(d, best_path, w);
        d->f.outcome = sc->success == 0 ? "failure" : "success";
        /* A write that failed did not change anything: recorded, not an alert. */
        d->f.alert = best->audit == SURFACE_AUDIT_ALERT && sc->success != 0;
        detect_set_quality(&d->f, d->view_quality);
        set_process(d, ev, self);
        set_audit(d, ev);
        quality = d->view_quality | d->proc_quality;
        d->audit.dir_from = d->view_from;
        if (mv.via) {
                d->audit.via = mv.via;
                if (best_path == mv.to)
                        d->audit.from = bytes_of(mv.from->path);
                else
                        d->audit.to = bytes_of(mv.to->path);
        }
        r = set_audit_paths(d, ev);
        if (r < 0)
                return r;
        /* One logical write, one finding: a temporary file renamed onto the
         * surface, a chmod after a create (replace.c). */
        fold_origin(d, ev, self, &o);
        if (d->n_replace_held) {
                r = replace_join(d, ev, self, mv.via && w == AUDIT_WRITE_RENAME && best_path == mv.to ?
                                 &d->audit.from : NULL, &changed, &taken);
                if (r < 0 || taken)
                        return r;
        }
        /* file.path must be a C string for the allowlist's globs. */
        buf_reset(&d->text);
        if (buf_append(&d->text, best_path->path.s, best_path->path.len) < 0)
                return -ENOMEM;

        r = detect_allowlist(d, ev, v, d->text.data, &taken);
        if (r < 0 || taken)
                return r;
        up = fold_upgrade_ancestor(d, self);
        if (up && !up->exec_seen && !fold_upgrade_find(d, up)) {
                /* Known by its pinned executable alone (the rule set did not
                 * log its exec): an upgrade once its writes have the shape of
                 * one, each write reported as it was otherwise. */
                if (d->f.alert) {
                        r = fold_bucket_add(d, &d->f, &o, up, best_index, quality, changed, &taken);
                        if (r < 0 || taken)
                                return r;
                }
                return detect_emit(d, &d->f);
        }
        if (up) {
                struct upgrade *u = fold_upgrade_get(d, &o, up, &r);

                if (!u)
                        return r;
                u->writes++;
                u->by_surface[best_index]++;
                u->last_ms = audit_event_ms(ev);
                r = fold_sample_add(&u->sample, d->text.data, d->text.len);
                if (r < 0)
                        return r;
                d->stats.by_ancestry++;
                r = fold_upgrade_reason(d, up, u);
                return r < 0 ? r : detect_emit_suppressed(d, &d->f, "ancestry", d->reason.data);
        }
        /* A create waits for what its process does next: a rename over
         * the surface name, a chmod. */
        if (!mv.via && self && sc->success != 0 && strcmp(action, "file-added") == 0) {
                r = replace_hold(d, &o, best_index, quality, &taken);
                if (r < 0 || taken)
                        return r;
        }
        return detect_report_write(d, &d->f, &o, best_index, quality, changed);
}

/* ---- the entry points ---- */

int audit_detect_event(const struct audit_event *ev, void *userdata)
{
        struct audit_detect *d = userdata;
        uint64_t now = audit_event_ms(ev);
        struct proc *self;
        struct pview v;
        enum audit_write w;
        enum audit_mount m;
        bool exec, known = false;
        int r;

        d->stats.events++;
        if (d->o.silence_ms && d->last_event_ms && now > audit_ms_add(d->last_event_ms, d->o.silence_ms)) {
                r = health_silence(d, d->last_event_ms, now, ev);
                if (r < 0)
                        return r;
        }
        if (now > d->last_event_ms)
                d->last_event_ms = now;
        d->silence_reported = false;
        r = replace_advance(d, now);
        if (r >= 0)
                r = fold_advance(d, now);
        if (r >= 0)
                r = argv_advance(d, now);
        if (r < 0)
                return r;

        self = ev->has_syscall ? proctree_observe(d->tree, ev) : NULL;
        if (self && audit_syscall_is_exec(&ev->syscall))
                containers_observe(d, ev, self);
        if (self && units_enabled(d))
                units_resolve(d, self, now);
        if (ev->has_syscall && ev->n_paths) {
                /* Names placed from earlier events, then remembered for later ones. */
                r = resolve_event(d, ev);
                if (r >= 0)
                        r = resolve_learn(d, ev);
                if (r < 0)
                        return r;
        }
        if ((d->o.since_ms && now < d->o.since_ms) || (d->o.until_ms && now > d->o.until_ms))
                return 0;
        d->stats.in_range++;
        r = health_check(d, ev);
        if (r < 0 || !ev->has_syscall)
                return r;
        if (d->n_argv_held && ev->n_paths)
                argv_confirm(d, ev);

        exec = audit_syscall_is_exec(&ev->syscall) && ev->syscall.success != 0 && ev->has_execve;
        w = ev->n_paths ? audit_syscall_write(&ev->syscall, &known) : AUDIT_WRITE_NONE;
        m = ev->n_paths && w == AUDIT_WRITE_NONE ? audit_syscall_mount(&ev->syscall) : AUDIT_MOUNT_NONE;
        if (m != AUDIT_MOUNT_NONE) {
                d->n_chain = proctree_ancestry(d->tree, ev->syscall.ppid, d->chain, PROC_ANCESTRY_MAX);
                d->n_args = 0;
                pview_of_event(d, ev, self, &v);
                return detect_mount(d, ev, self, &v, m);
        }
        if (!exec && (!ev->n_paths || (w == AUDIT_WRITE_NONE && known)))
                return 0;       /* most events: nothing a rule looks at */

        d->n_chain = proctree_ancestry(d->tree, ev->syscall.ppid, d->chain, PROC_ANCESTRY_MAX);
        r = event_args(d, ev);
        if (r < 0)
                return r;
        pview_of_event(d, ev, self, &v);
        if (exec)
                r = check_commands(d, ev, self, &v);
        if (r >= 0 && exec)
                r = argv_infer(d, ev, self, &v);
        if (r >= 0 && exec)
                r = detect_container_exec(d, ev, self, &v);
        d->ctr_surface = NULL;
        if (r >= 0 && ev->n_paths)
                r = check_writes(d, ev, self, &v, w, known);
        if (r >= 0 && ev->n_paths && !exec)
                r = detect_container_write(d, ev, self, &v, w);
        return r;
}

int audit_detect_tick(struct audit_detect *d, uint64_t now_ms)
{
        int r = 0;

        if (d->o.silence_ms && d->last_event_ms && !d->silence_reported &&
            now_ms > d->last_event_ms + d->o.silence_ms) {
                d->silence_reported = true;
                r = health_silence(d, d->last_event_ms, now_ms, NULL);
        }
        if (r >= 0)
                r = replace_advance(d, now_ms);
        if (r >= 0)
                r = fold_advance(d, now_ms);
        return r < 0 ? r : argv_advance(d, now_ms);
}

int audit_detect_flush(struct audit_detect *d)
{
        int r = replace_flush(d);

        if (r >= 0)
                r = fold_flush(d);
        if (r >= 0)
                r = argv_flush(d);
        return r < 0 ? r : health_flush(d);
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
        buf_init(&d->text, 0);
        buf_init(&d->reason, 0);
        arena_init(&d->view_arena);
        buf_init(&d->mount_flags, 0);
        buf_init(&d->argv_cwd, 0);
        buf_init(&d->argv_path, 0);
        buf_init(&d->ctr_msg, 0);
        buf_init(&d->ctr_buf, 0);
        health_init(d);
        r = proctree_new(o->max_processes ? o->max_processes : 8192, &d->tree);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(d);
        return 0;
}

void audit_detect_free(struct audit_detect *d)
{
        if (!d)
                return;
        replace_release(d);
        fold_release(d);
        resolve_release(d);
        argv_release(d);
        containers_release(d);
        finding_release(&d->f);
        buf_release(&d->argbuf);
        free(d->paths);
        buf_release(&d->text);
        buf_release(&d->reason);
        buf_release(&d->mount_flags);
        proctree_free(d->tree);
        free(d->cgroup_buf);
        free(d);
}

