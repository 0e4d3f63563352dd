/* The auditd rules the audit analytics expect, generated from the detection
 * content; see rules-gen.h. */
#define _GNU_SOURCE
#include "rules-gen.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "basic/buf.h"
#include "basic/escape.h"
#include "basic/strv.h"

#define MAX_KEY_LEN AUDIT_RULES_KEY_MAX

struct watch {
        char *path;
        const struct surface *surface;  /* whose key it carries */
        char *named;                    /* a home root as the rules name it, when path is its real path */
};

struct watch_set {
        struct watch *v;
        size_t n;
        struct strv globs;              /* patterns auditctl cannot watch */
        struct strv absent;             /* literal paths not watchable on this host */
        struct strv unusable;           /* paths a rules line cannot express */
        struct strv shadowed;           /* literal paths whose surface is 'audit: off' */
};

static int strv_push_once(struct strv *v, const char *s)
{
        size_t i;

        for (i = 0; i < v->n; i++)
                if (strcmp(v->v[i], s) == 0)
                        return 0;
        return strv_push(v, s);
}

static void watch_set_release(struct watch_set *ws)
{
        size_t i;

        for (i = 0; i < ws->n; i++) {
                free(ws->v[i].path);
                free(ws->v[i].named);
        }
        free(ws->v);
        strv_release(&ws->globs);
        strv_release(&ws->absent);
        strv_release(&ws->unusable);
        strv_release(&ws->shadowed);
}

/* path lies strictly below dir. */
static bool path_below(const char *path, const char *dir)
{
        size_t n = strlen(dir);

        return strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* The literal path a surface pattern watches: the pattern itself, or the
 * directory D of a pattern "D" + "/" + "**" (which matches D itself as well). 1 and *ret (absolute,
 * without '//' or a trailing '/') for a literal path; 0 for a glob; -EINVAL for
 * what a rules line cannot hold (whitespace, control characters, '.' and '..'
 * components, '/' itself, longer than PATH_MAX). */
static int literal_path(const char *pattern, char **ret)
{
        _cleanup_(buf_release) struct buf b = { 0 };
        size_t len = strlen(pattern);
        const char *p, *end;

        if (len >= 3 && strcmp(pattern + len - 3, "/**") == 0)
                len -= 3;
        if (memchr(pattern, '*', len) || memchr(pattern, '?', len) || memchr(pattern, '[', len) ||
            memchr(pattern, '\\', len))
                return 0;
        for (p = pattern; p < pattern + len; p++)
                if ((unsigned char) *p <= ' ' || *p == 0x7f)
                        return -EINVAL;
        buf_init(&b, PATH_MAX);
        for (p = pattern; p < pattern + len; p = end) {
                while (p < pattern + len && *p == '/')
                        p++;
                if (p == pattern + len)
                        break;
                end = memchr(p, '/', (size_t) (pattern + len - p)) ?: pattern + len;
                if ((end - p == 1 && p[0] == '.') || (end - p == 2 && p[0] == '.' && p[1] == '.'))
                        return -EINVAL;
                if (buf_putc(&b, '/') < 0 || buf_append(&b, p, (size_t) (end - p)) < 0)
                        return -EINVAL;
        }
        if (b.len == 0)
                return -EINVAL; /* '/': the kernel refuses a watch on the top directory */
        *ret = buf_steal(&b);
        return 1;
}

/* auditctl accepts a watch when the path exists or its parent directory does
 * (the kernel then watches the parent for the name). */
static bool watchable_here(const char *path, bool existing)
{
        _cleanup_(freep) char *parent = NULL;
        struct stat st;
        char *slash;

        if (lstat(path, &st) == 0)
                return true;
        if (existing)
                return false;
        parent = strdup(path);
        if (!parent)
                return false;
        slash = strrchr(parent, '/');
        if (slash == parent)
                slash[1] = '\0';
        else
                *slash = '\0';
        return stat(parent, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Adds path once, before the first watch on a directory containing it, so a
 * path always comes before every path that contains it. Takes path and named. */
static int watch_set_add(struct watch_set *ws, char *path, const struct surface *s, char *named)
{
        struct watch *v;
        size_t i, at = ws->n;

        for (i = 0; i < ws->n; i++)
                if (strcmp(ws->v[i].path, path) == 0) {
                        free(path);
                        free(named);
                        return 0;
                }
        for (i = 0; i < ws->n; i++)
                if (path_below(path, ws->v[i].path)) {
                        at = i;
                        break;
                }
        v = realloc(ws->v, (ws->n + 1) * sizeof(*v));
        if (!v) {
                free(path);
                free(named);
                return -ENOMEM;
        }
        ws->v = v;
        memmove(v + at + 1, v + at, (ws->n - at) * sizeof(*v));
        v[at] = (struct watch) { .path = path, .surface = s, .named = named };
        ws->n++;
        return 0;
}

/* The first surface watched by audit with a glob strictly below dir, or NULL. */
static const struct surface *glob_below(const struct ruleset *rs, const char *dir)
{
        size_t i, j;

        for (i = 0; i < rs->n_surfaces; i++) {
                const struct surface *s = &rs->surfaces[i];

                if (s->audit == SURFACE_AUDIT_OFF)
                        continue;
                for (j = 0; j < s->paths.n; j++) {
                        const char *p = s->paths.v[j];

                        if (path_below(p, dir) && strpbrk(p + strlen(dir), "*?[\\"))
                                return s;
                }
        }
        return NULL;
}

/* A watch on each home root that has a surface glob below it and exists here
 * (auditctl makes a directory's watch the tree rule -F dir=), at its real path:
 * /home is a symlink into /var/home on image-mode hosts. Keyed by the first
 * surface with a glob below it. */
static int watch_set_add_homes(struct watch_set *ws, const struct ruleset *rs)
{
        const struct strv *homes = &rs->audit.home_roots;
        size_t i;
        int r;

        for (i = 0; i < homes->n; i++) {
                _cleanup_(freep) char *path = NULL, *real = NULL;
                const struct surface *s;
                char *named, *clean = NULL;
                struct stat st;

                r = literal_path(homes->v[i], &path);
                if (r <= 0) {
                        r = strv_push_once(&ws->unusable, homes->v[i]);
                        if (r < 0)
                                return r;
                        continue;
                }
                s = glob_below(rs, path);
                if (!s)
                        continue;
                real = realpath(path, NULL);
                if (!real || stat(real, &st) < 0 || !S_ISDIR(st.st_mode) || strcmp(real, "/") == 0) {
                        r = strv_push_once(&ws->absent, path);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = literal_path(real, &clean);
                free(clean);
                if (r <= 0) {   /* a symlink into a path a rules line cannot hold */
                        r = strv_push_once(&ws->unusable, real);
                        if (r < 0)
                                return r;
                        continue;
                }
                /* /home and /var/home may be one directory: watch_set_add keeps the first. */
                named = strcmp(real, path) != 0 ? TAKE_PTR(path) : NULL;
                r = watch_set_add(ws, TAKE_PTR(real), s, named);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int watch_set_build(struct watch_set *ws, const struct ruleset *rs, bool existing)
{
        size_t i, j;
        int r;

        for (i = 0; i < rs->n_surfaces; i++) {
                const struct surface *s = &rs->surfaces[i];

                if (s->audit == SURFACE_AUDIT_OFF)
                        continue;
                for (j = 0; j < s->paths.n; j++) {
                        const struct surface *owner;
                        char *path = NULL;

                        r = literal_path(s->paths.v[j], &path);
                        if (r == 0) {
                                r = strv_push_once(&ws->globs, s->paths.v[j]);
                        } else if (r < 0) {
                                r = strv_push_once(&ws->unusable, s->paths.v[j]);
                        } else {
                                /* The key is the surface the analytics give the
                                 * path: the first one matching it. */
                                owner = ruleset_match(rs, path, strlen(path)) ?: s;
                                if (owner->audit == SURFACE_AUDIT_OFF)
                                        r = strv_push_once(&ws->shadowed, path);
                                else if (!watchable_here(path, existing))
                                        r = strv_push_once(&ws->absent, path);
                                else
                                        r = watch_set_add(ws, TAKE_PTR(path), owner, NULL);
                                free(path);
                        }
                        if (r < 0)
                                return r;
                }
        }
        return watch_set_add_homes(ws, rs);
}

int audit_surface_key(const struct surface *s, char key[static AUDIT_RULES_KEY_MAX + 1])
{
        size_t i, n = strlen(s->key);

        if (3 + n > MAX_KEY_LEN)
                return -E2BIG;
        memcpy(key, "dw-", 3);
        for (i = 0; i < n; i++)
                key[3 + i] = (s->key[i] >= 'A' && s->key[i] <= 'Z') ? (char) (s->key[i] - 'A' + 'a') : s->key[i];
        key[3 + n] = '\0';
        return 0;
}

/* The watch containing path (the most specific: they are ordered so), or NULL;
 * a home root's watch contains the paths below the name the rules give it too. */
static const struct watch *covering_watch(const struct watch_set *ws, const char *path)
{
        size_t i;

        for (i = 0; i < ws->n; i++) {
                const char *named = ws->v[i].named;

                if (strcmp(path, ws->v[i].path) == 0 || path_below(path, ws->v[i].path) ||
                    (named && (strcmp(path, named) == 0 || path_below(path, named))))
                        return &ws->v[i];
        }
        return NULL;
}

/* The directory part of a glob before its first component with a wildcard. */
static char *glob_prefix(const char *pattern)
{
        const char *wild = pattern + strcspn(pattern, "*?[\\");
        const char *slash = wild;

        while (slash > pattern && *slash != '/')
                slash--;
        return strndup(pattern, (size_t) (slash - pattern));
}

/* A heading and one comment line per path (nothing when there is none):
 * escaped, so a file name cannot start a rule line, and, when a watch
 * contains it, which one. */
static int print_path_comments(FILE *f, const char *heading, const struct watch_set *ws, const struct strv *paths,
                               bool globs)
{
        _cleanup_(buf_release) struct buf b = { 0 };
        size_t i;
        int r;

        if (paths->n)
                fprintf(f, "\n## %s:\n", heading);
        for (i = 0; i < paths->n; i++) {
                _cleanup_(freep) char *dir = globs ? glob_prefix(paths->v[i]) : strdup(paths->v[i]);
                const struct watch *w;
                char key[MAX_KEY_LEN + 1];

                if (!dir)
                        return -ENOMEM;
                buf_reset(&b);
                r = escape_text(&b, paths->v[i], strlen(paths->v[i]));
                if (r < 0)
                        return r;
                w = covering_watch(ws, dir);
                if (w && audit_surface_key(w->surface, key) >= 0)
                        fprintf(f, "#   %-40s under the watch on %s (%s)\n", b.data, w->path, key);
                else
                        fprintf(f, "#   %s\n", b.data);
        }
        return 0;
}

/* The syscall tables of machine m: 64-bit with a 32-bit compat ABI, 32-bit
 * only, or 64-bit only. */
static void machine_arches(const char *m, bool *ret_b64, bool *ret_b32)
{
        *ret_b64 = true;
        *ret_b32 = false;
        if (strcmp(m, "x86_64") == 0 || strcmp(m, "aarch64") == 0) {
                *ret_b32 = true;
        } else if ((strlen(m) == 4 && m[0] == 'i' && strcmp(m + 2, "86") == 0) || strncmp(m, "arm", 3) == 0) {
                *ret_b64 = false;
                *ret_b32 = true;
        }
}

static int print_rules(FILE *f, const struct ruleset *rs, const struct watch_set *ws,
                       const struct audit_rules_options *o)
{
        _cleanup_(buf_release) struct buf src = { 0 };
        const char *machine = o->machine;
        struct utsname u;
        bool b64, b32, i386, off = false, existing = o->existing;
        char key[MAX_KEY_LEN + 1];
        size_t i, j;
        int r;

        if (o->rules_source) {
                r = escape_text(&src, o->rules_source, strlen(o->rules_source));
                if (r < 0)
                        return r;
        }
        if (!machine)
                machine = uname(&u) == 0 ? u.machine : "unknown";
        machine_arches(machine, &b64, &b32);
        /* The old umount(2) exists in the i386 table only (not in x86_64's or arm's). */
        i386 = strcmp(machine, "x86_64") == 0 || (strlen(machine) == 4 && machine[0] == 'i' && strcmp(machine + 2, "86") == 0);

        fprintf(f, "## driftwatch: the auditd rules 'driftwatch audit' expects, from %s%s\n"
                   "## (printed by 'driftwatch audit-rules' for this host, %s; docs/audit-rules.md explains each rule).\n"
                   "##\n"
                   "## Install:  driftwatch audit-rules > /etc/audit/rules.d/50-driftwatch.rules && augenrules --load\n"
                   "## or load into the running kernel only:  auditctl -R FILE\n"
                   "## These rules only add: no -D, so other rules stay; no -b, -f or -e, so the daemon's\n"
                   "## settings stay. Remove them with 'auditctl -D -k KEY' for each dw-... key below.\n\n",
                o->rules_source ? "the rules in " : "the built-in rules", o->rules_source ? src.data : "",
                machine);

        fprintf(f, "## Every program run, with its arguments: the process tree (who ran what under which\n"
                   "## parent) and the command rules (bootc switch, rpm-ostree usroverlay ...). The heaviest\n"
                   "## part: one event per exec on the host.\n");
        if (b64)
                fprintf(f, "-a always,exit -F arch=b64 -S execve,execveat -F key=dw-exec\n");
        if (b32)
                fprintf(f, "-a always,exit -F arch=b32 -S execve,execveat -F key=dw-exec\n");

        fprintf(f, "\n## Changes of the mount table: a remount of /usr read-write (rpm-ostree usroverlay,\n"
                   "## bootc usr-overlay, or by hand), binds and overlays over /usr, /boot or /etc, unmounts.\n"
                   "## fsmount has no path; move_mount is where its mount lands.\n");
        /* In the order of the syscall numbers, as auditctl -l lists them. */
        if (b64)
                fprintf(f, "-a always,exit -F arch=b64 -S %s,move_mount,fsmount,mount_setattr -F key=dw-mount\n",
                        strcmp(machine, "aarch64") == 0 ? "umount2,mount" : "mount,umount2");
        if (b32)
                fprintf(f, "-a always,exit -F arch=b32 -S mount,%sumount2,move_mount,fsmount,mount_setattr -F key=dw-mount\n",
                        i386 ? "umount," : "");

        fprintf(f, "\n## Writes and attribute changes on the surfaces, keyed dw-<surface id>. A watch on a\n"
                   "## directory covers everything below it; the kernel keys an event by the first rule that\n"
                   "## matches, so more specific paths come first. The analytics match paths, not keys.\n"
                   "## auditctl has no wildcards for users' ~/.ssh: each home root (audit.home_roots) with a\n"
                   "## surface glob below it is watched whole at its real path (a directory watch is the tree\n"
                   "## rule -a always,exit -F dir=PATH -F perm=wa), so every write in users' homes is logged.\n");
        for (i = 0; i < ws->n; i++) {
                r = audit_surface_key(ws->v[i].surface, key);
                if (r < 0)
                        return r;
                fprintf(f, "-w %s -p wa -k %s\n", ws->v[i].path, key);
        }

        r = print_path_comments(f, existing ? "Not on this host (--existing), so not watched"
                                            : "Not watchable on this host (the parent directory is missing; the kernel refuses a watch)",
                                ws, &ws->absent, false);
        if (r >= 0)
                r = print_path_comments(f, "Globs, which auditctl cannot watch (the analytics still match them on writes seen)",
                                        ws, &ws->globs, true);
        if (r >= 0)
                r = print_path_comments(f, "Paths a rules line cannot hold (whitespace, control characters, '.' or '..', '/')",
                                        ws, &ws->unusable, false);
        if (r >= 0)
                r = print_path_comments(f, "Paths an earlier surface with 'audit: off' takes, so not watched",
                                        ws, &ws->shadowed, false);
        if (r < 0)
                return r;
        for (i = 0; i < rs->n_surfaces; i++) {
                const struct surface *s = &rs->surfaces[i];

                if (s->audit != SURFACE_AUDIT_OFF)
                        continue;
                if (!off)
                        fprintf(f, "\n## Surfaces with 'audit: off', not watched:\n");
                off = true;
                fprintf(f, "#   %s:", s->key);
                for (j = 0; j < s->paths.n; j++) {
                        buf_reset(&src);
                        r = escape_text(&src, s->paths.v[j], strlen(s->paths.v[j]));
                        if (r < 0)
                                return r;
                        fprintf(f, " %s", src.data);
                }
                fputc('\n', f);
        }
        return 0;
}

int audit_rules_write(const struct ruleset *rs, const struct audit_rules_options *o, FILE *f,
                      struct dw_error *ret_error)
{
        _cleanup_(watch_set_release) struct watch_set ws = { 0 };
        size_t i;
        int r;

        for (i = 0; i < rs->n_surfaces; i++) {
                char key[MAX_KEY_LEN + 1];

                if (audit_surface_key(&rs->surfaces[i], key) < 0)
                        return dw_error_set(ret_error, -E2BIG, rs->surfaces[i].key,
                                            "surface id '%s' is too long for an audit key (%d bytes at most)",
                                            rs->surfaces[i].key, MAX_KEY_LEN - 3);
        }
        r = watch_set_build(&ws, rs, o->existing);
        if (r >= 0)
                r = print_rules(f, rs, &ws, o);
        if (r < 0)
                return dw_error_set(ret_error, r, NULL, "cannot generate audit rules: %s", strerror(-r));
        if (fflush(f) != 0 || ferror(f))
                return dw_error_set(ret_error, negative_errno(), NULL, "cannot write output: %s",
                                    strerror(errno ? errno : EIO));
        return 0;
}
