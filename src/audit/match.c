/* Audit analytics, matching: a process (the event's, or a process tree
 * entry) against the process match of a command rule, an upgrader or an allow
 * entry (program, exe, comm, interactive, verbs, options), and a finding
 * against the allowlist (`audit.allow`). Pure: no detector state, no output. */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <string.h>

#include "detect-internal.h"

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

/* comm keeps 15 bytes: "systemd-tmpfiles" is logged as "systemd-tmpfile". */
static bool comm_is(const char *want, const char *comm)
{
        size_t n = strlen(comm);

        return strcmp(want, comm) == 0 || (n == 15 && strncmp(want, comm, 15) == 0);
}

void match_pview_of_proc(struct pview *v, const struct proc *p, const char **args_buf)
{
        size_t i;

        for (i = 0; i < p->n_args; i++)
                args_buf[i] = proc_arg(p, i);
        *v = (struct pview) { .exe = p->exe, .comm = p->comm, .args = args_buf, .n_args = p->n_args,
                              .have_args = p->exec_seen, .auid = p->auid,
                              .unit = p->unit_state == PROC_UNIT_FOUND || p->unit_state == PROC_UNIT_ANCESTOR ? p->unit
                                                                                                            : NULL };
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

bool match_process(const struct audit_match *m, const struct pview *v, size_t *ret_after)
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

bool match_process_pinned(const struct audit_match *m, const struct pview *v)
{
        struct audit_match pinned = *m;

        /* Shallow: the lists are only read, and the ones left out by their count. */
        if (!m->exes.n || v->have_args)
                return false;
        pinned.verbs.n = pinned.options.n = 0;
        pinned.interactive = -1;
        return match_process(&pinned, v, NULL);
}

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

const struct audit_allow *match_allowed(const struct audit_policy *p, const struct audit_event *ev,
                                        const struct pview *self, struct proc *const *chain, size_t n_chain,
                                        const struct rule *rule, const char *path)
{
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
                /* Only live: offline no process has a unit, and the entry never applies. */
                if (a->units.n) {
                        for (k = 0, ok = false; self->unit && k < a->units.n && !ok; k++)
                                ok = fnmatch(a->units.v[k], self->unit, 0) == 0;
                        if (!ok)
                                continue;
                }
                if (a->parents.n) {
                        for (k = 0, ok = false; k < n_chain && !ok; k++)
                                ok = any_glob(&a->parents, chain[k]->exe);
                        if (!ok)
                                continue;
                }
                return a;
        }
        return NULL;
}

