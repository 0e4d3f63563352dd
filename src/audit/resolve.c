/* Audit analytics, names: relative PATH names the event alone does not place
 * (no CWD record, as public rule sets exclude them; a syscall relative to a
 * directory fd, for which the kernel logs the working directory as the
 * PARENT's name but the fd's directory as its inode) placed from what earlier
 * events said. Three small memories, learned from every event with paths: a
 * directory's path by (node, dev, inode), a process's working directory by
 * (node, pid), and the one directory events of a watch key were written in.
 * A name is placed from, in order: the process's working directory (not for a
 * directory fd), its PARENT item's inode, the watch key's directory (a key of
 * `driftwatch audit-rules` names its surface's directory; another key the one
 * directory its events were seen in: a guess, since a directory watch covers
 * a whole tree, so the exact inode goes first), and last the name alone when
 * its directories match a surface's (crontabs/NAME), still flagged
 * name-unresolved. See docs/internals/audit.md. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/hash.h"
#include "detect-internal.h"
#include "rules-gen.h"

#define NAMES_SLOTS 4096                /* power of two */
#define NAMES_PROBE 8
#define NAMES_VALUE_MAX 4096            /* longer paths are not remembered */

enum { NAME_INODE = 1, NAME_CWD, NAME_KEY };

struct name_entry {
        uint64_t hash;
        uint64_t stamp;                 /* when last used: the least recent of a probe run is replaced */
        uint8_t kind;
        bool ambiguous;                 /* NAME_KEY: events in several directories */
        uint64_t a, b;                  /* (dev, inode), (pid, 0) */
        char *key;                      /* NAME_KEY: the key */
        char *value;                    /* the path, NUL-terminated */
};

struct names {
        struct name_entry *slots;
        uint64_t clock;
};

static uint64_t entry_hash(uint8_t kind, struct audit_str node, uint64_t a, uint64_t b, const char *key)
{
        uint64_t h = hash_bytes(node.s ? node.s : "", node.len);

        h ^= hash_bytes(&kind, 1) * 31;
        h = (h ^ a) * 0x100000001b3ULL;
        h = (h ^ b) * 0x100000001b3ULL;
        if (key)
                h ^= hash_bytes(key, strlen(key));
        return h;
}

static bool entry_is(const struct name_entry *e, uint64_t h, uint8_t kind, uint64_t a, uint64_t b, const char *key)
{
        return e->kind == kind && e->hash == h && e->a == a && e->b == b &&
               (!key || (e->key && strcmp(e->key, key) == 0));
}

static void entry_clear(struct name_entry *e)
{
        free(e->key);
        free(e->value);
        *e = (struct name_entry) { 0 };
}

static struct name_entry *names_find(struct names *n, uint8_t kind, struct audit_str node, uint64_t a, uint64_t b,
                                     const char *key)
{
        uint64_t h = entry_hash(kind, node, a, b, key);
        size_t i;

        if (!n || !n->slots)
                return NULL;
        for (i = 0; i < NAMES_PROBE; i++) {
                struct name_entry *e = &n->slots[(h + i) & (NAMES_SLOTS - 1)];

                if (entry_is(e, h, kind, a, b, key)) {
                        e->stamp = ++n->clock;
                        return e;
                }
        }
        return NULL;
}

/* The entry for the key, made (replacing the least recently used of its probe
 * run) when missing; *ret_new says so. NULL only on allocation failure. */
static struct name_entry *names_get(struct names *n, uint8_t kind, struct audit_str node, uint64_t a, uint64_t b,
                                    const char *key, bool *ret_new)
{
        uint64_t h = entry_hash(kind, node, a, b, key);
        struct name_entry *e, *victim = NULL;
        size_t i;

        if (!n->slots) {
                n->slots = calloc(NAMES_SLOTS, sizeof(*n->slots));
                if (!n->slots)
                        return NULL;
        }
        for (i = 0; i < NAMES_PROBE; i++) {
                e = &n->slots[(h + i) & (NAMES_SLOTS - 1)];
                if (entry_is(e, h, kind, a, b, key)) {
                        e->stamp = ++n->clock;
                        *ret_new = false;
                        return e;
                }
                if (!victim || !e->kind || (victim->kind && e->stamp < victim->stamp))
                        victim = e;
        }
        entry_clear(victim);
        if (key && !(victim->key = strdup(key)))
                return NULL;
        victim->kind = kind;
        victim->hash = h;
        victim->a = a;
        victim->b = b;
        victim->stamp = ++n->clock;
        *ret_new = true;
        return victim;
}

/* Remembers a path (bytes of a normalized absolute path). */
static int names_put(struct names *n, uint8_t kind, struct audit_str node, uint64_t a, uint64_t b,
                     struct audit_str path)
{
        struct name_entry *e;
        bool fresh;
        char *v;

        if (!path.len || path.len >= NAMES_VALUE_MAX || memchr(path.s, '\0', path.len))
                return 0;
        e = names_get(n, kind, node, a, b, NULL, &fresh);
        if (!e)
                return -ENOMEM;
        if (e->value && strlen(e->value) == path.len && memcmp(e->value, path.s, path.len) == 0)
                return 0;
        v = strndup(path.s, path.len);
        if (!v)
                return -ENOMEM;
        free(e->value);
        e->value = v;
        return 0;
}

void resolve_release(struct audit_detect *d)
{
        struct names *n = d->names;
        size_t i;

        arena_release(&d->view_arena);
        free(d->view);
        d->view = NULL;
        if (!n)
                return;
        for (i = 0; n->slots && i < NAMES_SLOTS; i++)
                entry_clear(&n->slots[i]);
        free(n->slots);
        free(n);
        d->names = NULL;
}

static bool is_dir(const struct audit_path *p)
{
        return p->mode >= 0 && S_ISDIR((mode_t) p->mode);
}

static bool dir_known(const struct audit_path *p)
{
        return p->inode >= 0 && p->dev >= 0;
}

/* The event's first key (several are separated by 0x01), as a C string in
 * buf; NULL when none. */
static const char *first_key(const struct audit_event *ev, char *buf, size_t size)
{
        struct audit_str k = ev->syscall.key;
        const char *sep = k.len ? memchr(k.s, 0x01, k.len) : NULL;

        if (!k.len)
                return NULL;
        if (sep)
                k.len = (size_t) (sep - k.s);
        if (k.len >= size || memchr(k.s, '\0', k.len))
                return NULL;
        memcpy(buf, k.s, k.len);
        buf[k.len] = '\0';
        return buf;
}

/* The directory of a key of `driftwatch audit-rules`: the one path P of its
 * surface that also has P followed by "/" and "**" (a directory watch), or NULL. */
static const char *own_key_dir(const struct ruleset *rs, const char *key)
{
        char want[AUDIT_RULES_KEY_MAX + 1];
        const char *dir = NULL;
        size_t i, j, k;

        if (strncmp(key, "dw-", 3) != 0)
                return NULL;
        for (i = 0; i < rs->n_surfaces; i++) {
                const struct surface *s = &rs->surfaces[i];

                if (audit_surface_key(s, want) < 0 || strcmp(want, key) != 0)
                        continue;
                for (j = 0; j < s->paths.n; j++) {
                        const char *p = s->paths.v[j];
                        size_t n = strlen(p);

                        if (strpbrk(p, "*?["))
                                continue;
                        for (k = 0; k < s->paths.n; k++)
                                if (strncmp(s->paths.v[k], p, n) == 0 && strcmp(s->paths.v[k] + n, "/**") == 0)
                                        break;
                        if (k == s->paths.n)
                                continue;
                        if (dir)
                                return NULL;    /* several: the key names none of them */
                        dir = p;
                }
                return dir;
        }
        return NULL;
}

/* A path of bytes base + "/" + rel into the view arena, NUL-terminated. */
static int join(struct audit_detect *d, const char *base, size_t base_len, struct audit_str rel,
                struct audit_str *ret)
{
        char *out = arena_alloc(&d->view_arena, base_len + rel.len + 2);
        size_t o = base_len;

        if (!out)
                return -ENOMEM;
        memcpy(out, base, base_len);
        if (!o || out[o - 1] != '/')
                out[o++] = '/';
        memcpy(out + o, rel.s, rel.len);
        o += rel.len;
        out[o] = '\0';
        *ret = (struct audit_str) { out, o };
        return 0;
}

static struct audit_str last_component(struct audit_str n)
{
        for (size_t i = n.len; i > 0; i--)
                if (n.s[i - 1] == '/')
                        return (struct audit_str) { n.s + i, n.len - i };
        return n;
}

/* A name with a directory part ("crontabs/root", "sudoers.d/x") placed where
 * one of the surfaces' literal directories ends with its first component:
 * the alerting surface of the highest severity that matches the result. */
static int place_by_surface(struct audit_detect *d, struct audit_str name, struct audit_str *ret)
{
        const struct surface *best = NULL;
        struct audit_str first = name, cand, found = { NULL, 0 };
        const char *slash = memchr(name.s, '/', name.len);
        size_t i, j;
        int r;

        if (!slash || slash == name.s)
                return 0;
        first.len = (size_t) (slash - name.s);
        if ((first.len == 1 && first.s[0] == '.') || (first.len == 2 && first.s[0] == '.' && first.s[1] == '.'))
                return 0;
        for (i = 0; i < d->rs->n_surfaces; i++) {
                const struct surface *s = &d->rs->surfaces[i];

                if (s->audit == SURFACE_AUDIT_OFF || (best && s->severity <= best->severity))
                        continue;
                for (j = 0; j < s->paths.n; j++) {
                        const char *p = s->paths.v[j], *at;
                        const struct surface *m;

                        /* "/dir/FIRST" or "/dir/FIRST/..." in its literal part */
                        for (at = strstr(p, "/"); at; at = strstr(at + 1, "/")) {
                                const char *c = at + 1;

                                if (strpbrk(p, "*?[") && strpbrk(p, "*?[") < c)
                                        break;
                                if (strncmp(c, first.s, first.len) != 0 || (c[first.len] && c[first.len] != '/'))
                                        continue;
                                r = join(d, p, (size_t) (at - p), name, &cand);
                                if (r < 0)
                                        return r;
                                m = ruleset_match(d->rs, cand.s, cand.len);
                                if (m == s) {
                                        best = s, found = cand;
                                        break;
                                }
                        }
                        if (best == s)
                                break;
                }
        }
        if (best)
                *ret = found;
        return 0;
}

/* The view of ev's paths in d->view, unplaced names placed where earlier
 * events allow. */
int resolve_event(struct audit_detect *d, const struct audit_event *ev)
{
        bool dirfd = audit_syscall_uses_dirfd(&ev->syscall), unresolved = false;
        char keybuf[AUDIT_RULES_KEY_MAX + 1];
        const char *key = first_key(ev, keybuf, sizeof(keybuf)), *from = NULL;
        uint64_t q = ev->quality & ~(uint64_t) AUDIT_Q_PATH_UNRESOLVED;
        size_t i;
        int r;

        arena_reset(&d->view_arena);
        if (ev->n_paths > d->view_cap) {
                struct audit_path *v = reallocarray(d->view, ev->n_paths, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                d->view = v;
                d->view_cap = ev->n_paths;
        }
        memcpy(d->view, ev->paths, ev->n_paths * sizeof(*d->view));
        for (i = 0; i < ev->n_paths; i++) {
                struct audit_path *p = &d->view[i];
                const struct name_entry *e = NULL;
                struct audit_str rel = p->name, got = { NULL, 0 };
                const char *how = NULL;
                ssize_t k;

                if (p->resolved || !p->name.len)
                        continue;
                k = audit_path_parent(ev->paths, ev->n_paths, i);
                if (p->nametype == AUDIT_NAMETYPE_PARENT) {
                        /* A directory fd's directory, logged by its inode. */
                        if (dir_known(p) && (e = names_find(d->names, NAME_INODE, ev->node, (uint64_t) p->dev,
                                                            (uint64_t) p->inode, NULL))) {
                                p->path = (struct audit_str) { e->value, strlen(e->value) };
                                p->resolved = true;
                        }
                        continue;
                }
                if (!dirfd && (e = names_find(d->names, NAME_CWD, ev->node, (uint64_t) ev->syscall.pid, 0, NULL)))
                        how = "process-cwd";
                else if (k >= 0 && dir_known(&ev->paths[k]) &&
                         (e = names_find(d->names, NAME_INODE, ev->node, (uint64_t) ev->paths[k].dev,
                                         (uint64_t) ev->paths[k].inode, NULL)))
                        how = "directory-inode", rel = last_component(p->name);
                if (e) {
                        r = join(d, e->value, strlen(e->value), rel, &got);
                } else if (key && !memchr(p->name.s, '/', p->name.len)) {
                        const char *dir = own_key_dir(d->rs, key);

                        if (!dir && (e = names_find(d->names, NAME_KEY, ev->node, 0, 0, key)) && !e->ambiguous)
                                dir = e->value;
                        r = dir ? join(d, dir, strlen(dir), p->name, &got) : 0;
                        how = "watch-key";
                } else {
                        r = 0;
                }
                if (r < 0)
                        return r;
                if (!got.len) {
                        unresolved = true;
                        r = place_by_surface(d, p->name, &got);
                        if (r < 0)
                                return r;
                        how = "surface-pattern";
                }
                if (got.len) {
                        p->path = got;
                        p->resolved = true;
                        from = from ?: how;
                }
        }
        if (unresolved)
                q |= AUDIT_Q_NAME_UNRESOLVED;
        d->view_quality = q;
        d->view_from = from;
        return 0;
}

/* What the view of ev says for later events: directories by inode, the
 * process's working directory, the directory of the key's events. */
int resolve_learn(struct audit_detect *d, const struct audit_event *ev)
{
        bool dirfd = audit_syscall_uses_dirfd(&ev->syscall);
        char keybuf[AUDIT_RULES_KEY_MAX + 1];
        const char *key;
        size_t i;
        int r;

        if (!d->names && !(d->names = calloc(1, sizeof(*d->names))))
                return -ENOMEM;
        if (ev->cwd.len && ev->cwd.s[0] == '/') {
                r = names_put(d->names, NAME_CWD, ev->node, (uint64_t) ev->syscall.pid, 0, ev->cwd);
                if (r < 0)
                        return r;
        }
        for (i = 0; i < ev->n_paths; i++) {
                const struct audit_path *p = &d->view[i], *orig = &ev->paths[i];
                /* A PARENT no name is under: the kernel logged the working directory. */
                if (orig->nametype == AUDIT_NAMETYPE_PARENT && orig->name.len && orig->name.s[0] == '/' &&
                    !audit_path_parent_claimed(ev->paths, ev->n_paths, i)) {
                        r = names_put(d->names, NAME_CWD, ev->node, (uint64_t) ev->syscall.pid, 0,
                                      dirfd ? orig->name : orig->path);
                        if (r < 0)
                                return r;
                }
                if (p->resolved && is_dir(p) && dir_known(p) && p->path.s[0] == '/') {
                        r = names_put(d->names, NAME_INODE, ev->node, (uint64_t) p->dev, (uint64_t) p->inode,
                                      p->path);
                        if (r < 0)
                                return r;
                }
        }
        key = first_key(ev, keybuf, sizeof(keybuf));
        if (!key || strncmp(key, "dw-", 3) == 0)
                return 0;
        for (i = 0; i < ev->n_paths; i++) {
                const struct audit_path *p = &ev->paths[i];
                struct audit_str dir = p->path;
                struct name_entry *e;
                bool fresh;

                if (!p->resolved || p->nametype == AUDIT_NAMETYPE_PARENT || !p->path.len)
                        continue;
                dir.len = p->path.len - last_component(p->path).len;
                if (dir.len > 1)
                        dir.len--;
                if (!dir.len || dir.len >= NAMES_VALUE_MAX || memchr(dir.s, '\0', dir.len))
                        continue;
                e = names_get(d->names, NAME_KEY, ev->node, 0, 0, key, &fresh);
                if (!e)
                        return -ENOMEM;
                if (fresh || !e->value) {
                        if (!(e->value = strndup(dir.s, dir.len)))
                                return -ENOMEM;
                } else if (strlen(e->value) != dir.len || memcmp(e->value, dir.s, dir.len) != 0) {
                        e->ambiguous = true;
                }
        }
        return 0;
}
