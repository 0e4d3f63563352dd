/* Container definitions that reach the extension search paths; see quadlet.h. */
#define _GNU_SOURCE
#include "quadlet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "basic/fd-util.h"
#include "basic/path-util.h"
#include "host/inventory.h"

#define QUADLET_MAX_DEPTH 4             /* /etc/containers/systemd/users/UID/... */
#define DIR_MAX_NAMES 4096
#define VALUE_SHOWN 200                 /* bytes of a value quoted in a grant */

/* The rootful quadlet directories (podman-systemd.unit(5)), below the root;
 * /etc/containers/systemd/users (rootless, for every user) is inside the second. */
static const char *const quadlet_dirs[] = {
        "run/containers/systemd", "etc/containers/systemd", "usr/share/containers/systemd",
        "root/.config/containers/systemd",
};
#define HOME_QUADLET_DIR ".config/containers/systemd"
#define OCI_CONTAINERS_DIR "var/lib/containers/storage/overlay-containers"

/* What the bind source src reaches, into buf, or NULL: the search path or /etc
 * it is or lies in, else one below it. */
static const char *source_reaches(const char *src, char *buf, size_t size)
{
        char norm[4096];

        if (!path_normalize_lexical(src, norm, sizeof(norm)))
                return NULL;
        if (strcmp(norm, "/") == 0)
                return "the host's root, every search path and /etc in it";
        for (int below = 0; below < 2; below++) {
                for (size_t i = 0; i < n_search_dirs; i++)
                        if (below ? path_is_within(search_dirs[i].path, norm) : path_is_within(norm, search_dirs[i].path)) {
                                snprintf(buf, size, "the %s search path %s%s", image_class_name(search_dirs[i].class),
                                         search_dirs[i].path, below ? " below it" : "");
                                return buf;
                        }
                if (below ? path_is_within("/etc", norm) : path_is_within(norm, "/etc"))
                        return below ? "/etc below it" : "/etc";
        }
        return NULL;
}

struct reach {
        struct strv *grants;
        unsigned first;
        bool sys_admin, privileged;
        char *pid_host;                 /* where the host PID namespace is asked for */
};

static int grant(struct reach *g, unsigned line, const char *fmt, ...) _printf_(3, 4);
static int grant(struct reach *g, unsigned line, const char *fmt, ...)
{
        _cleanup_(freep) char *msg = NULL, *full = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0 || (line > 0 && asprintf(&full, "line %u: %s", line, msg) < 0))
                return -ENOMEM;
        if (g->first == 0 || (line > 0 && line < g->first))
                g->first = line;
        return strv_push(g->grants, full ?: msg);
}

static int check_bind(struct reach *g, unsigned line, const char *what, const char *src, const char *dst)
{
        const char *reached;
        char buf[256];

        reached = source_reaches(src, buf, sizeof(buf));
        if (!reached)
                return 0;
        return grant(g, line, "%s binds %.*s into the container%s%.*s: %s", what, VALUE_SHOWN, src,
                     dst ? " at " : "", VALUE_SHOWN, dst ?: "", reached);
}

int quadlet_volume_bind(const char *v, char **ret_src, char **ret_dst)
{
        _cleanup_(freep) char *copy = strdup(v), *dst = NULL;
        char *colon;

        if (!copy)
                return -ENOMEM;
        colon = strchr(copy, ':');
        if (copy[0] != '/' || !colon)
                return 0;
        *colon = '\0';
        colon[1 + strcspn(colon + 1, ":")] = '\0';
        if (!(dst = strdup(colon + 1)))
                return -ENOMEM;
        *ret_src = TAKE_PTR(copy);
        *ret_dst = TAKE_PTR(dst);
        return 1;
}

int quadlet_mount_bind(const char *v, char **ret_src, char **ret_dst)
{
        _cleanup_(freep) char *copy = strdup(v), *s = NULL, *d = NULL;
        const char *type = NULL, *src = NULL, *dst = NULL;
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
                char *eq;

                f += strspn(f, " \"");
                f[strcspn(f, "\"")] = '\0';
                eq = strchr(f, '=');
                if (!eq)
                        continue;
                *eq++ = '\0';
                if (strcmp(f, "type") == 0)
                        type = eq;
                else if (strcmp(f, "source") == 0 || strcmp(f, "src") == 0)
                        src = eq;
                else if (strcmp(f, "destination") == 0 || strcmp(f, "dst") == 0 || strcmp(f, "target") == 0)
                        dst = eq;
        }
        if (!type || strcmp(type, "bind") != 0 || !src)
                return 0;
        if (!(s = strdup(src)) || (dst && !(d = strdup(dst))))
                return -ENOMEM;
        *ret_src = TAKE_PTR(s);
        *ret_dst = TAKE_PTR(d);
        return 1;
}

/* Volume= / -v: a named or anonymous volume binds nothing of the host's. */
static int check_volume(struct reach *g, unsigned line, const char *what, const char *v)
{
        _cleanup_(freep) char *src = NULL, *dst = NULL;
        int r = quadlet_volume_bind(v, &src, &dst);

        return r <= 0 ? r : check_bind(g, line, what, src, dst);
}

/* Mount= / --mount: type=bind,source=SRC,destination=DST,... */
static int check_mount(struct reach *g, unsigned line, const char *what, const char *v)
{
        _cleanup_(freep) char *src = NULL, *dst = NULL;
        int r = quadlet_mount_bind(v, &src, &dst);

        return r <= 0 ? r : check_bind(g, line, what, src, dst);
}

/* One capability name of AddCapability= or --cap-add (CAP_ prefix optional). */
static int check_cap(struct reach *g, unsigned line, const char *what, const char *cap, size_t n)
{
        if (n > 4 && strncasecmp(cap, "CAP_", 4) == 0) {
                cap += 4;
                n -= 4;
        }
        if (!((n == 9 && strncasecmp(cap, "SYS_ADMIN", 9) == 0) || (n == 3 && strncasecmp(cap, "ALL", 3) == 0)))
                return 0;
        g->sys_admin = true;
        return grant(g, line, "%s grants %s", what,
                     n == 3 ? "every capability, CAP_SYS_ADMIN among them" : "CAP_SYS_ADMIN");
}

static int check_caps(struct reach *g, unsigned line, const char *what, const char *list, const char *sep)
{
        int r;

        for (const char *p = list; *p;) {
                size_t n;

                p += strspn(p, sep);
                n = strcspn(p, sep);
                if (n == 0)
                        break;
                r = check_cap(g, line, what, p, n);
                if (r < 0)
                        return r;
                p += n;
        }
        return 0;
}

/* PodmanArgs= / GlobalArgs=: podman run options, split at whitespace. */
static int check_args(struct reach *g, unsigned line, const char *key, const char *v)
{
        _cleanup_(freep) char *copy = strdup(v), *what = NULL;
        char *save = NULL, *prev = NULL;
        int r = 0;

        if (!copy)
                return -ENOMEM;
        if (asprintf(&what, "%s=", key) < 0)
                return -ENOMEM;
        for (char *t = strtok_r(copy, " \t", &save); t && r >= 0; prev = t, t = strtok_r(NULL, " \t", &save)) {
                const char *opt = prev && prev[0] == '-' && !strchr(prev, '=') ? prev : NULL;
                size_t n = strlen(t);

                if (n >= 2 && (t[0] == '"' || t[0] == '\'') && t[n - 1] == t[0]) {
                        t[n - 1] = '\0';
                        t++;
                }
                if (strcmp(t, "--privileged") == 0 || strcmp(t, "--privileged=true") == 0) {
                        g->privileged = true;
                        r = grant(g, line, "%s runs the container --privileged", what);
                } else if (strcmp(t, "--pid=host") == 0 || (opt && strcmp(opt, "--pid") == 0 &&
                                                            strcmp(t, "host") == 0)) {
                        if (!g->pid_host && asprintf(&g->pid_host, "%s--pid=host (line %u)", what, line) < 0)
                                return -ENOMEM;
                } else if (strncmp(t, "--cap-add=", 10) == 0) {
                        r = check_caps(g, line, what, t + 10, ",");
                } else if (opt && strcmp(opt, "--cap-add") == 0) {
                        r = check_caps(g, line, what, t, ",");
                } else if (strncmp(t, "--volume=", 9) == 0 || strncmp(t, "-v=", 3) == 0) {
                        r = check_volume(g, line, what, strchr(t, '=') + 1);
                } else if (opt && (strcmp(opt, "-v") == 0 || strcmp(opt, "--volume") == 0)) {
                        r = check_volume(g, line, what, t);
                } else if (strncmp(t, "--mount=", 8) == 0) {
                        r = check_mount(g, line, what, t + 8);
                } else if (opt && strcmp(opt, "--mount") == 0) {
                        r = check_mount(g, line, what, t);
                }
        }
        return r;
}

/* The host PID namespace counts beside CAP_SYS_ADMIN or --privileged. */
static int reach_finish(struct reach *g)
{
        int r = 0;

        if (g->pid_host && (g->sys_admin || g->privileged))
                r = grant(g, 0, "with %s: the host's processes, and /proc/1/ns/mnt, are in reach", g->pid_host);
        free(g->pid_host);
        g->pid_host = NULL;
        return r;
}

int quadlet_reach(const struct unit_file *u, struct strv *grants, unsigned *ret_line)
{
        struct reach g = { .grants = grants };
        int r = 0;

        for (size_t i = 0; i < u->n && r >= 0; i++) {
                const struct unit_entry *e = &u->v[i];
                char what[64];

                if (strcmp(e->section, "Container") != 0 && strcmp(e->section, "Pod") != 0)
                        continue;
                snprintf(what, sizeof(what), "%.40s=", e->key);
                if (strcmp(e->key, "Volume") == 0)
                        r = check_volume(&g, e->line, what, e->value);
                else if (strcmp(e->key, "Mount") == 0)
                        r = check_mount(&g, e->line, what, e->value);
                else if (strcmp(e->key, "AddCapability") == 0)
                        r = check_caps(&g, e->line, what, e->value, " \t");
                else if (strcmp(e->key, "PodmanArgs") == 0 || strcmp(e->key, "GlobalArgs") == 0)
                        r = check_args(&g, e->line, e->key, e->value);
        }
        if (r >= 0)
                r = reach_finish(&g);
        else
                free(g.pid_host);
        if (r >= 0 && ret_line)
                *ret_line = g.first;
        return r;
}

static bool json_array_has(json_t *a, const char *s)
{
        size_t i;
        json_t *v;

        json_array_foreach(a, i, v)
                if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
                        return true;
        return false;
}

static bool has_namespace(json_t *nss, const char *type)
{
        size_t i;
        json_t *v;

        json_array_foreach(nss, i, v) {
                json_t *t = json_object_get(v, "type");

                if (json_is_string(t) && strcmp(json_string_value(t), type) == 0)
                        return true;
        }
        return false;
}

int oci_config_reach(const char *buf, size_t len, struct strv *grants, char **ret_error)
{
        _cleanup_(json_decrefp) json_t *root = NULL;
        static const char *const sets[] = { "bounding", "effective", "permitted" };
        struct reach g = { .grants = grants };
        json_t *mounts, *caps, *nss, *v;
        json_error_t jerr;
        size_t i;
        int r = 0;

        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(root)) {
                if (ret_error && asprintf(ret_error, "not a JSON object%s%s", root ? "" : ": ",
                                          root ? "" : jerr.text) < 0)
                        *ret_error = NULL;
                return -EBADMSG;
        }
        mounts = json_object_get(root, "mounts");
        json_array_foreach(mounts, i, v) {
                json_t *src = json_object_get(v, "source"), *dst = json_object_get(v, "destination"),
                       *type = json_object_get(v, "type"), *opts = json_object_get(v, "options");
                char what[64];

                if (!json_is_string(src) || !((json_is_string(type) && strcmp(json_string_value(type), "bind") == 0) ||
                                              json_array_has(opts, "bind") || json_array_has(opts, "rbind")))
                        continue;
                snprintf(what, sizeof(what), "mounts[%zu]", i);
                r = check_bind(&g, 0, what, json_string_value(src), json_is_string(dst) ? json_string_value(dst) : NULL);
                if (r < 0)
                        return r;
        }
        caps = json_object_get(json_object_get(root, "process"), "capabilities");
        for (i = 0; i < ARRAY_SIZE(sets); i++)
                if (json_array_has(json_object_get(caps, sets[i]), "CAP_SYS_ADMIN")) {
                        g.sys_admin = true;
                        r = grant(&g, 0, "process.capabilities.%s holds CAP_SYS_ADMIN", sets[i]);
                        if (r < 0)
                                return r;
                        break;
                }
        /* A namespace the config does not list is the runtime's: the host's. */
        nss = json_object_get(json_object_get(root, "linux"), "namespaces");
        if (!has_namespace(nss, "mount")) {
                r = grant(&g, 0, "linux.namespaces has no mount namespace: the container shares the host's mounts");
                if (r < 0)
                        return r;
        }
        if (!has_namespace(nss, "pid") && !(g.pid_host = strdup("no pid namespace in linux.namespaces")))
                return -ENOMEM;
        return reach_finish(&g);
}

struct collect {
        int rootfd;
        const volatile sig_atomic_t *cancel;
        struct container_reaches *c;
};

static int add_reach(struct collect *st, const char *rel, const char *kind, struct strv *grants, unsigned line,
                     const char *error)
{
        struct container_reaches *c = st->c;
        struct container_reach *v, *e;

        if (!error && grants->n == 0)
                return 0;
        v = reallocarray(c->v, c->n + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        c->v = v;
        e = &c->v[c->n];
        *e = (struct container_reach) { .kind = kind, .line = line };
        if (asprintf(&e->path, "/%s", rel) < 0 || (error && !(e->error = strdup(error)))) {
                free(e->path);
                return -ENOMEM;
        }
        e->grants = *grants;
        *grants = (struct strv) { 0 };
        c->n++;
        return 0;
}

static int read_quadlet(struct collect *st, int dirfd, const char *name, const char *rel)
{
        _cleanup_(unit_file_freep) struct unit_file *u = NULL;
        _cleanup_(freep) char *buf = NULL, *reason = NULL;
        _cleanup_(strv_release) struct strv grants = { 0 };
        _cleanup_(closep) int fd = -1;
        unsigned line = 0;
        size_t len;
        int r;

        if (++st->c->files > QUADLET_MAX_FILES)
                return -E2BIG;
        fd = open_regular_at(dirfd, name, NULL);
        r = fd < 0 ? fd : read_fd_all(fd, UNIT_FILE_MAX_BYTES, &buf, &len);
        if (r < 0)
                return add_reach(st, rel, "quadlet", &grants, 0,
                                 r == -EFBIG ? "larger than 1 MiB" : r == -ELOOP ? "a symbolic link (not followed)"
                                                                                 : strerror(-r));
        r = unit_file_parse(buf, len, &u, &reason);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return add_reach(st, rel, "quadlet", &grants, 0, reason ?: strerror(-r));
        r = quadlet_reach(u, &grants, &line);
        if (r < 0)
                return r;
        return add_reach(st, rel, "quadlet", &grants, line, NULL);
}

static bool is_quadlet(const char *name)
{
        size_t n = strlen(name);

        return (n > 10 && strcmp(name + n - 10, ".container") == 0) || (n > 4 && strcmp(name + n - 4, ".pod") == 0);
}

/* The quadlet files in the directory fd (rel below the root), and below it. */
static int walk_quadlets(struct collect *st, int fd, const char *rel, unsigned depth)
{
        _cleanup_(strv_release) struct strv names = { 0 };
        int r;

        r = dir_names_with_suffix(fd, "", DIR_MAX_NAMES, &names);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        for (size_t i = 0; i < names.n; i++) {
                _cleanup_(freep) char *sub = NULL;
                struct stat sb;

                if (st->cancel && *st->cancel)
                        return -ECANCELED;
                if (fstatat(fd, names.v[i], &sb, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (asprintf(&sub, "%s/%s", rel, names.v[i]) < 0)
                        return -ENOMEM;
                if (S_ISDIR(sb.st_mode) && depth < QUADLET_MAX_DEPTH) {
                        _cleanup_(closep) int sfd = openat(fd, names.v[i],
                                                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                        r = sfd < 0 ? 0 : walk_quadlets(st, sfd, sub, depth + 1);
                } else if (is_quadlet(names.v[i]) && !S_ISDIR(sb.st_mode)) {
                        r = read_quadlet(st, fd, names.v[i], sub);
                } else {
                        r = 0;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int walk_quadlet_dir(struct collect *st, const char *rel)
{
        _cleanup_(closep) int fd = open_beneath(st->rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        return fd < 0 ? 0 : walk_quadlets(st, fd, rel, 0);
}

static int read_oci_configs(struct collect *st)
{
        _cleanup_(strv_release) struct strv ids = { 0 };
        _cleanup_(closep) int fd = open_beneath(st->rootfd, OCI_CONTAINERS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r;

        if (fd < 0 || dir_names_with_suffix(fd, "", DIR_MAX_NAMES, &ids) < 0)
                return 0;
        for (size_t i = 0; i < ids.n; i++) {
                _cleanup_(freep) char *rel = NULL, *full = NULL, *buf = NULL, *reason = NULL;
                _cleanup_(strv_release) struct strv grants = { 0 };
                size_t len;

                if (st->cancel && *st->cancel)
                        return -ECANCELED;
                if (++st->c->files > QUADLET_MAX_FILES)
                        return -E2BIG;
                if (asprintf(&rel, "%s/userdata/config.json", ids.v[i]) < 0 ||
                    asprintf(&full, OCI_CONTAINERS_DIR "/%s", rel) < 0)
                        return -ENOMEM;
                r = read_file_beneath(fd, rel, OCI_CONFIG_MAX_BYTES, &buf, &len);
                if (r == -ENOENT || r == -ENOTDIR)
                        continue;
                if (r >= 0)
                        r = oci_config_reach(buf, len, &grants, &reason);
                if (r == -ENOMEM)
                        return r;
                r = add_reach(st, full, "oci-config", &grants, 0,
                              r >= 0 ? NULL : r == -EFBIG ? "larger than 4 MiB" : reason ?: strerror(-r));
                if (r < 0)
                        return r;
        }
        return 0;
}

struct container_reaches *container_reaches_free(struct container_reaches *c)
{
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n; i++) {
                free(c->v[i].path);
                free(c->v[i].error);
                strv_release(&c->v[i].grants);
        }
        free(c->v);
        free(c);
        return NULL;
}

int container_reach_collect(const char *root, const volatile sig_atomic_t *cancel, struct container_reaches **ret)
{
        _cleanup_(container_reaches_freep) struct container_reaches *c = calloc(1, sizeof(*c));
        _cleanup_(strv_release) struct strv homes = { 0 };
        _cleanup_(closep) int rootfd = -1, homefd = -1;
        struct collect st;
        int r = 0;

        if (!c)
                return -ENOMEM;
        rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return negative_errno();
        st = (struct collect) { .rootfd = rootfd, .cancel = cancel, .c = c };
        for (size_t i = 0; i < ARRAY_SIZE(quadlet_dirs) && r >= 0; i++)
                r = walk_quadlet_dir(&st, quadlet_dirs[i]);
        homefd = open_beneath(rootfd, "home", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (r >= 0 && homefd >= 0 && dir_names_with_suffix(homefd, "", DIR_MAX_NAMES, &homes) >= 0)
                for (size_t i = 0; i < homes.n && r >= 0; i++) {
                        _cleanup_(freep) char *rel = NULL;

                        if (asprintf(&rel, "home/%s/" HOME_QUADLET_DIR, homes.v[i]) < 0)
                                return -ENOMEM;
                        r = walk_quadlet_dir(&st, rel);
                }
        if (r >= 0)
                r = read_oci_configs(&st);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}
