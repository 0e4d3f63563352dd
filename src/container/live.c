/* The runtime-agnostic fallback: a live process's container from /proc. The
 * overlay mount at the root of the process's mount namespace
 * (/proc/PID/mountinfo, read with the mount-table parser) gives the upper
 * directory and the lower ones; /proc/PID/cgroup names the container when a
 * libpod-, crio- or docker- scope holds the process. See container.h. */
#define _GNU_SOURCE
#include "container.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "host/mount-table.h"

#define CTR_CGROUP_MAX ((size_t) 64 << 10)   /* /proc/PID/cgroup */

static bool is_octal(char c)
{
        return c >= '0' && c <= '7';
}

/* The value of option name in a mountinfo option list, the kernel's octal
 * escapes (\040, \054, \134, ...) undone: a heap string, NULL when absent.
 * -EBADMSG for a NUL byte escaped in. */
static int option_value(const char *opts, const char *name, char **ret)
{
        const char *v;
        size_t len, i, k = 0;
        char *s;

        *ret = NULL;
        if (!mount_option(opts, name, &v, &len))
                return 0;
        s = malloc(len + 1);
        if (!s)
                return -ENOMEM;
        for (i = 0; i < len; i++) {
                if (v[i] == '\\' && i + 3 < len && is_octal(v[i + 1]) && is_octal(v[i + 2]) && is_octal(v[i + 3])) {
                        unsigned c = (unsigned) (v[i + 1] - '0') * 64 + (unsigned) (v[i + 2] - '0') * 8 +
                                     (unsigned) (v[i + 3] - '0');

                        if (c == 0 || c > 0xff) {
                                free(s);
                                return -EBADMSG;
                        }
                        s[k++] = (char) c;
                        i += 3;
                } else {
                        s[k++] = v[i];
                }
        }
        s[k] = 0;
        *ret = s;
        return 0;
}

/* overlayfs' own escaping of a layer path: a backslash takes the next byte
 * as it is ("\:" is a colon of the name). In place. */
static void ovl_unescape(char *s)
{
        char *w = s;

        for (; *s; s++) {
                if (*s == '\\' && s[1])
                        s++;
                *w++ = *s;
        }
        *w = 0;
}

/* The directory relative lowerdirs were resolved in at mount time, when the
 * mount's own options say it: the kernel resolves a relative layer path
 * against the mounter's working directory and shows it as given, and that
 * directory is nowhere in /proc (the process's cwd now is another's, of
 * another time). containers-storage and Docker's overlay2 mount from their
 * layer store root ("mounts are always done relative to root",
 * containers-storage-driver-overlay(5)), with upperdir ROOT/ID/diff and
 * workdir ROOT/ID/work absolute: ROOT, heap, for that shape; NULL for any
 * other (-ENOMEM only out of memory). */
static int mount_root(const char *upper, const char *work, char **ret)
{
        const char *slash = strrchr(upper, '/');
        size_t dir_len = slash ? (size_t) (slash - upper) : 0;
        const char *id;
        size_t id_len;

        *ret = NULL;
        if (!slash || strcmp(slash, "/diff") != 0 || !work || strncmp(work, upper, dir_len) != 0 ||
            strcmp(work + dir_len, "/work") != 0)
                return 0;
        id = memrchr(upper, '/', dir_len);
        if (!id || id == upper)
                return 0;
        id_len = dir_len - (size_t) (id - upper) - 1;
        if (id_len == 0 || (id_len == 1 && id[1] == '.') || (id_len == 2 && id[1] == '.' && id[2] == '.'))
                return 0;
        *ret = strndup(upper, (size_t) (id - upper));
        return *ret ? 0 : -ENOMEM;
}

/* Whether a relative layer path stays below the directory it is relative to. */
static bool rel_below(const char *rel)
{
        const char *c = rel;

        if (!*rel)
                return false;
        for (;;) {
                size_t n = strcspn(c, "/");

                if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                if (!c[n])
                        return true;
                c += n + 1;
        }
}

int ctr_parse_overlay_options(const char *opts, char **ret_upper, struct strv *ret_lowers, char **ret_error)
{
        _cleanup_(freep) char *upper = NULL, *lower = NULL, *work = NULL, *root = NULL;
        struct strv lowers = { 0 };
        char *p, *start;
        int r;

        r = option_value(opts, "upperdir", &upper);
        if (r >= 0)
                r = option_value(opts, "lowerdir", &lower);
        if (r >= 0)
                r = option_value(opts, "workdir", &work);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return ctr_fail(ret_error, r, "an overlay option holds an escaped NUL byte");
        if (!upper)
                return ctr_fail(ret_error, -EOPNOTSUPP, "a read-only overlay (no upperdir): nothing can have changed");
        if (!lower || !lower[0])
                return ctr_fail(ret_error, -EBADMSG, "an overlay without lowerdir");
        ovl_unescape(upper);
        if (upper[0] != '/')
                return ctr_fail(ret_error, -EBADMSG, "upperdir '%s' is relative to a directory this process cannot know",
                            upper);
        if (work)
                ovl_unescape(work);
        r = mount_root(upper, work, &root);
        if (r < 0)
                return r;
        /* "a:b:c", top first; "::" starts the data-only layers (Linux 6.8),
         * which hold the data of metacopy files and are never merged. */
        for (p = start = lower;; p++) {
                if (*p == '\\' && p[1]) {
                        p++;
                        continue;
                }
                if (*p != ':' && *p)
                        continue;
                if (*p == ':' && p[1] == ':') {
                        strv_release(&lowers);
                        return ctr_fail(ret_error, -EOPNOTSUPP,
                                    "lowerdir has data-only layers ('::', Linux 6.8): not read");
                }
                bool end = !*p;

                *p = 0;
                ovl_unescape(start);
                if (start[0] != '/' && (!root || !rel_below(start))) {
                        r = ctr_fail(ret_error, -EBADMSG, root ?
                                     "lowerdir '%s' leaves the layer store it is relative to" :
                                     "lowerdir '%s' is relative to a directory this process cannot know "
                                     "(upperdir is not ROOT/ID/diff with workdir ROOT/ID/work)", start);
                        strv_release(&lowers);
                        return r;
                }
                if (lowers.n >= CTR_CHAIN_MAX) {
                        strv_release(&lowers);
                        return ctr_fail(ret_error, -E2BIG, "lowerdir has more than %d layers", CTR_CHAIN_MAX);
                }
                if (start[0] == '/') {
                        r = strv_push(&lowers, start);
                } else {
                        _cleanup_(freep) char *abs = NULL;

                        /* relative: in the layer store root the mount was made from */
                        r = asprintf(&abs, "%s/%s", root, start) < 0 ? -ENOMEM : strv_push(&lowers, abs);
                }
                if (r < 0) {
                        strv_release(&lowers);
                        return -ENOMEM;
                }
                if (end)
                        break;
                start = p + 1;
        }
        *ret_upper = TAKE_PTR(upper);
        *ret_lowers = lowers;
        return 0;
}

/* Whether the component [p, end) is PREFIX<64 hex>[.scope]: the id into id. */
static bool scope_id(const char *p, const char *end, const char *prefix, char id[CTR_ID_LEN + 1])
{
        size_t n = strlen(prefix), len = (size_t) (end - p);

        if (len < n + CTR_ID_LEN || memcmp(p, prefix, n) != 0)
                return false;
        if (len != n + CTR_ID_LEN && !(len == n + CTR_ID_LEN + 6 && memcmp(p + n + CTR_ID_LEN, ".scope", 6) == 0))
                return false;
        memcpy(id, p + n, CTR_ID_LEN);
        id[CTR_ID_LEN] = 0;
        return ctr_id_valid(id);
}

int ctr_parse_cgroup(const char *buf, size_t len, char **ret_id, const char **ret_runtime)
{
        static const struct {
                const char *prefix, *runtime;
        } scopes[] = { { "libpod-", "podman" }, { "crio-", "cri-o" }, { "docker-", "docker" } };
        const char *line = buf, *end = buf + len;
        char id[CTR_ID_LEN + 1];

        while (line < end) {
                const char *nl = memchr(line, '\n', (size_t) (end - line)), *eol = nl ? nl : end;
                const char *c = eol, *prev_end = NULL;
                size_t i;

                /* "N:controllers:/path": each component of the path, last first */
                while (c > line && c[-1] != ':') {
                        const char *ce = c;

                        while (c > line && c[-1] != '/' && c[-1] != ':')
                                c--;
                        for (i = 0; i < ARRAY_SIZE(scopes); i++)
                                if (scope_id(c, ce, scopes[i].prefix, id))
                                        goto found;
                        /* cgroupfs: /docker/<id> */
                        if (prev_end && ce - c == 6 && memcmp(c, "docker", 6) == 0 &&
                            scope_id(ce + 1, prev_end, "", id)) {
                                i = 2;
                                goto found;
                        }
                        prev_end = ce;
                        if (c > line && c[-1] == '/')
                                c--;
                }
                line = eol + 1;
                continue;
        found:
                *ret_id = strdup(id);
                if (!*ret_id)
                        return -ENOMEM;
                *ret_runtime = scopes[i].runtime;
                return 1;
        }
        return 0;
}

/* The layer id an overlay layer directory stands for: containers-storage and
 * Docker's overlay2 pass short links "l/XXXX" whose target is
 * "../<64 hex>/diff"; else the directory itself names the layer. */
static char *layer_label(const char *dir)
{
        char target[CTR_ID_LEN + 16];
        const char *slash = strrchr(dir, '/');
        ssize_t n = readlink(dir, target, sizeof(target) - 1);

        if (slash && slash - dir >= 2 && memcmp(slash - 2, "/l", 2) == 0 && n == 3 + CTR_ID_LEN + 5) {
                target[n] = 0;
                if (strncmp(target, "../", 3) == 0 && strcmp(target + 3 + CTR_ID_LEN, "/diff") == 0) {
                        target[3 + CTR_ID_LEN] = 0;
                        if (ctr_id_valid(target + 3))
                                return strdup(target + 3);
                }
        }
        return strdup(dir);
}

/* Whether pid is a process that has not exited (not a zombie), by the
 * state in /proc/PID/stat. */
static bool process_alive(int pid)
{
        _cleanup_(freep) char *stat = NULL;
        char path[64];
        size_t len = 0;
        const char *p;

        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        if (read_file(path, 4096, &stat, &len) < 0)
                return false;
        p = memrchr(stat, ')', len);    /* the name before it may hold anything */
        return p && (size_t) (p - stat) + 2 < len && p[2] != 'Z' && p[2] != 'X';
}

int ctr_pid_load(int pid, struct container **ret, struct dw_error *ret_error)
{
        _cleanup_(mount_table_freep) struct mount_table *t = NULL;
        _cleanup_(freep) char *path = NULL, *text = NULL, *reason = NULL, *upper = NULL, *cg = NULL, *name = NULL;
        _cleanup_(strv_release) struct strv lowers = { 0 };
        struct strv mounts = { 0 };
        const struct mount_entry *root = NULL;
        struct container *c;
        const char *runtime = NULL;
        size_t len = 0, i;
        int r;

        if (pid <= 0)
                return dw_error_set(ret_error, -EINVAL, NULL, "pid %d is not a process id", pid);
        if (asprintf(&path, "/proc/%d/mountinfo", pid) < 0)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        r = read_file(path, MOUNT_TABLE_MAX_BYTES, &text, &len);
        if (r == -ENOENT || r == -ESRCH)
                return dw_error_set(ret_error, -ESRCH, path, "no process %d", pid);
        if (r == -EINVAL)       /* a zombie's mount namespace is gone */
                return dw_error_set(ret_error, -ESRCH, path, "process %d has exited: '%s' cannot be read", pid,
                                    path);
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot read '%s': %s", path, strerror(-r));
        if (len == 0 && !process_alive(pid))   /* a zombie has no mounts */
                return dw_error_set(ret_error, -ESRCH, path, "process %d has exited: '%s' is empty", pid, path);
        if (len == 0)   /* the kernel lists no mount whose top the process's root can reach */
                return dw_error_set(ret_error, -EOPNOTSUPP, path,
                                    "'%s' shows no mount at the root of process %d (a chroot below a mount's top?)",
                                    path, pid);
        r = mount_table_parse(text, len, &t, &reason);
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot parse '%s': %s", path, reason ?: strerror(-r));
        for (i = 0; i < t->n; i++)
                if (strcmp(t->entries[i].target, "/") == 0)
                        root = &t->entries[i];  /* the last one mounted there is the one seen */
        if (!root)
                return dw_error_set(ret_error, -ENOENT, path, "'%s' has no mount at the root", path);
        if (strcmp(root->fstype, "overlay") != 0)
                return dw_error_set(ret_error, -EOPNOTSUPP, path,
                                    "the root of process %d is not an overlay mount ('%s' of '%s')", pid,
                                    root->fstype, root->source);
        if (strcmp(root->root, "/") != 0)      /* a chroot or a bind of a subdirectory */
                return dw_error_set(ret_error, -EOPNOTSUPP, path,
                                    "the root of process %d is the directory '%s' of an overlay mount, not its top: "
                                    "not read", pid, root->root);
        r = ctr_parse_overlay_options(root->super_options, &upper, &lowers, &reason);
        if (r == -ENOMEM)
                return dw_error_set(ret_error, r, NULL, "out of memory");
        if (r < 0)
                return dw_error_set(ret_error, r, path, "the root overlay of process %d in '%s': %s", pid, path,
                                    reason ?: strerror(-r));
        for (i = 0; i < t->n; i++)
                if (&t->entries[i] != root && strcmp(t->entries[i].target, "/") != 0 && i < 4096 &&
                    strv_push(&mounts, t->entries[i].target) < 0)
                        goto nomem;

        c = calloc(1, sizeof(*c));
        if (!c)
                goto nomem;
        free(path);
        path = NULL;
        if (asprintf(&path, "/proc/%d/cgroup", pid) >= 0 && read_file(path, CTR_CGROUP_MAX, &cg, &len) >= 0 &&
            ctr_parse_cgroup(cg, len, &c->id, &runtime) < 0)
                goto nomem_c;
        if (!c->id && asprintf(&name, "pid %d", pid) < 0)
                goto nomem_c;
        if (name && strv_push(&c->names, name) < 0)
                goto nomem_c;
        c->engine = runtime;    /* NULL: the runtime is unknown */
        c->upper_dir = TAKE_PTR(upper);
        c->lowers = calloc(lowers.n ? lowers.n : 1, sizeof(*c->lowers));
        if (!c->lowers)
                goto nomem_c;
        for (i = 0; i < lowers.n; i++) {
                c->lowers[i].dir = strdup(lowers.v[i]);
                c->lowers[i].layer_id = layer_label(lowers.v[i]);
                c->n_lowers = i + 1;
                if (!c->lowers[i].dir || !c->lowers[i].layer_id)
                        goto nomem_c;
        }
        c->mounts = mounts;
        *ret = c;
        return 0;
nomem_c:
        containers_free(c, 1);
nomem:
        strv_release(&mounts);
        return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
}
