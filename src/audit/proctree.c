/* The process tree of audit analytics; see proctree.h. Slots live in one
 * array allocated up front (untouched pages cost nothing), chained by pid in a
 * hash table and kept in least-recently-seen order for replacement. */
#include "proctree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct proctree {
        struct proc *slots;             /* slots[0] unused: index 0 means none */
        size_t capacity, used;
        uint32_t *buckets;
        size_t n_buckets;               /* a power of two */
        uint32_t lru_head, lru_tail;    /* head: most recently seen */
        uint64_t next_generation;
};

int proctree_new(size_t capacity, struct proctree **ret)
{
        struct proctree *t;

        if (capacity < 16)
                capacity = 16;
        if (capacity > (1u << 22))
                return -E2BIG;
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->capacity = capacity;
        for (t->n_buckets = 64; t->n_buckets < capacity * 2; t->n_buckets <<= 1)
                ;
        t->slots = calloc(capacity + 1, sizeof(*t->slots));
        t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
        if (!t->slots || !t->buckets) {
                proctree_free(t);
                return -ENOMEM;
        }
        t->next_generation = 1;
        *ret = t;
        return 0;
}

void proctree_free(struct proctree *t)
{
        if (!t)
                return;
        free(t->slots);
        free(t->buckets);
        free(t);
}

size_t proctree_size(const struct proctree *t)
{
        return t->used;
}

static size_t bucket_of(const struct proctree *t, int64_t pid)
{
        uint64_t h = (uint64_t) pid * 0x9e3779b97f4a7c15ULL;

        return (size_t) (h >> 32) & (t->n_buckets - 1);
}

static void lru_unlink(struct proctree *t, uint32_t i)
{
        struct proc *p = &t->slots[i];

        if (p->lru_prev)
                t->slots[p->lru_prev].lru_next = p->lru_next;
        else
                t->lru_head = p->lru_next;
        if (p->lru_next)
                t->slots[p->lru_next].lru_prev = p->lru_prev;
        else
                t->lru_tail = p->lru_prev;
        p->lru_prev = p->lru_next = 0;
}

static void lru_push_front(struct proctree *t, uint32_t i)
{
        struct proc *p = &t->slots[i];

        p->lru_prev = 0;
        p->lru_next = t->lru_head;
        if (t->lru_head)
                t->slots[t->lru_head].lru_prev = i;
        t->lru_head = i;
        if (!t->lru_tail)
                t->lru_tail = i;
}

static void touch(struct proctree *t, uint32_t i)
{
        if (t->lru_head == i)
                return;
        lru_unlink(t, i);
        lru_push_front(t, i);
}

static uint32_t find(const struct proctree *t, int64_t pid)
{
        uint32_t i;

        for (i = t->buckets[bucket_of(t, pid)]; i; i = t->slots[i].hash_next)
                if (t->slots[i].pid == pid)
                        return i;
        return 0;
}

static void hash_remove(struct proctree *t, uint32_t i)
{
        uint32_t *link = &t->buckets[bucket_of(t, t->slots[i].pid)];

        while (*link && *link != i)
                link = &t->slots[*link].hash_next;
        if (*link)
                *link = t->slots[i].hash_next;
}

/* A fresh slot for pid: a free one, or the least recently seen. */
static uint32_t insert(struct proctree *t, int64_t pid)
{
        size_t b = bucket_of(t, pid);
        uint32_t i;

        if (t->used < t->capacity) {
                i = (uint32_t) ++t->used;
        } else {
                i = t->lru_tail;
                hash_remove(t, i);
                lru_unlink(t, i);
        }
        t->slots[i] = (struct proc) { .pid = pid, .hash_next = t->buckets[b] };
        t->buckets[b] = i;
        lru_push_front(t, i);
        return i;
}

struct proc *proctree_get(struct proctree *t, int64_t pid)
{
        uint32_t i = pid > 0 ? find(t, pid) : 0;

        return i ? &t->slots[i] : NULL;
}

/* Whether kept (from audit_str_to_cstr() into size bytes) holds s. */
static bool same_str(const char *kept, size_t size, struct audit_str s)
{
        size_t n = s.s ? strnlen(s.s, s.len) : 0;

        if (n >= size)
                n = size - 1;
        return strlen(kept) == n && memcmp(kept, s.s ? s.s : "", n) == 0;
}

static void copy_args(struct proc *p, const struct audit_event *ev)
{
        size_t i, at = 0, n;

        p->n_args = 0;
        p->args_truncated = ev->execve_argc >= 0 && (size_t) ev->execve_argc > ev->argc;
        for (i = 0; i < ev->argc; i++) {
                const struct audit_str *a = &ev->argv[i];

                n = a->s ? a->len : 0;
                if (p->n_args >= PROC_MAX_ARGS || at + 1 >= sizeof(p->args)) {
                        p->args_truncated = true;
                        break;
                }
                if (at + n + 1 > sizeof(p->args)) {
                        n = sizeof(p->args) - at - 1;
                        p->args_truncated = true;
                }
                if (n)
                        memcpy(p->args + at, a->s, n);
                p->args[at + n] = '\0';
                /* An embedded NUL would shift every later argument: cut there. */
                at += strlen(p->args + at) + 1;
                p->n_args++;
        }
}

const char *proc_arg(const struct proc *p, size_t i)
{
        const char *s = p->args;

        while (i-- > 0)
                s += strlen(s) + 1;
        return s;
}

struct proc *proctree_observe(struct proctree *t, const struct audit_event *ev)
{
        const struct audit_syscall *sc = &ev->syscall;
        uint64_t now = audit_event_ms(ev);
        bool exec = audit_syscall_is_exec(sc) && sc->success != 0 && ev->has_execve;
        struct proc *p;
        uint32_t i, parent;

        if (!ev->has_syscall || sc->pid <= 0)
                return NULL;
        /* A process with a child is alive: keep its entry. */
        parent = sc->ppid > 0 ? find(t, sc->ppid) : 0;
        if (parent)
                touch(t, parent);

        i = find(t, sc->pid);
        p = i ? &t->slots[i] : NULL;
        if (p && !exec) {
                /* The same process image: same exe, same parent (or reparented
                 * to init when its parent died). Otherwise the pid was reused. */
                bool fits = same_str(p->exe, sizeof(p->exe), sc->exe) &&
                            (p->ppid == sc->ppid || sc->ppid == 1 || sc->ppid < 0);

                if (fits) {
                        touch(t, i);
                        p->ppid = sc->ppid >= 0 ? sc->ppid : p->ppid;
                        if (now > p->last_ms)
                                p->last_ms = now;
                        audit_str_to_cstr(p->comm, sizeof(p->comm), sc->comm);
                        return p;
                }
        }
        if (!p) {
                i = insert(t, sc->pid);
                p = &t->slots[i];
        } else {
                uint32_t keep_hash = p->hash_next, prev = p->lru_prev, next = p->lru_next;

                *p = (struct proc) { .pid = sc->pid, .hash_next = keep_hash, .lru_prev = prev, .lru_next = next };
                touch(t, i);
        }
        p->generation = t->next_generation++;
        p->ppid = sc->ppid;
        p->auid = sc->auid;
        p->ses = sc->ses;
        p->last_ms = now;
        p->tag = -1;
        audit_str_to_cstr(p->exe, sizeof(p->exe), sc->exe);
        audit_str_to_cstr(p->comm, sizeof(p->comm), sc->comm);
        if (exec) {
                p->exec_seen = true;
                p->exec_sec = ev->sec;
                p->exec_msec = ev->msec;
                p->exec_serial = ev->serial;
                copy_args(p, ev);
        }
        return p;
}

size_t proctree_ancestry(struct proctree *t, int64_t ppid, struct proc **out, size_t max)
{
        size_t n = 0, k;
        struct proc *p;

        if (max > PROC_ANCESTRY_MAX)
                max = PROC_ANCESTRY_MAX;
        while (n < max && ppid > 0 && (p = proctree_get(t, ppid))) {
                for (k = 0; k < n; k++)
                        if (out[k] == p)
                                return n;       /* a loop: stale entries */
                out[n++] = p;
                if (p->pid == 1)
                        break;
                ppid = p->ppid;
        }
        return n;
}
