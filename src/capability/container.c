/* Container drift: the containers of a storage root compared with their
 * images (see capability/container.h). */
#define _GNU_SOURCE
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/buf.h"
#include "basic/fd-util.h"
#include "container/container.h"
#include "container/overlay-diff.h"
#include "fim/entry.h"
#include "fim/packages.h"

#define CTR_CONFIG_MAX ((size_t) 4 << 20)       /* userdata/config.json */
#define CTR_PKGDB_MAX ((size_t) 64 << 20)       /* a text package database */
#define CTR_PKG_NAMES_MAX 64                    /* packages named in one finding */

/* Package databases: a change to any of these paths is a package install. */
enum pkg_manager { PKG_RPM, PKG_DPKG, PKG_APK, PKG_N };

static const struct {
        const char *name;
        const char *paths[3];           /* the path or the directory below which it lives */
        const char *text_db;            /* the text database whose packages can be named; NULL: librpm's */
        const char *key;                /* its line that names a package */
} pkg_managers[PKG_N] = {
        [PKG_RPM] = { "rpm", { "/var/lib/rpm", "/usr/lib/sysimage/rpm" }, NULL, NULL },
        [PKG_DPKG] = { "dpkg", { "/var/lib/dpkg/status", "/var/lib/dpkg/info" }, "/var/lib/dpkg/status", "Package: " },
        [PKG_APK] = { "apk", { "/lib/apk/db/installed" }, "/lib/apk/db/installed", "P:" },
};

/* What every runtime puts in a container (podman diff leaves these out). */
static const char *const injected[] = {
        "/dev", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/etc/mtab", "/proc", "/run",
        "/run/notify", "/run/.containerenv", "/run/secrets", "/sys",
};

static const char *const path_dirs[] = {
        "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin",
};

struct ctr_run {
        const struct dw_context *ctx;
        const struct container_diff_request *req;
        struct output *out;
        const struct container *c;
        struct finding_container fc;
        struct strv mounts;             /* the container's mount destinations (userdata/config.json) */
        bool pkg_changed[PKG_N];
        const char *pkg_layer[PKG_N];
        const char *pkg_path[PKG_N];    /* where the first change was (pkg_managers[].paths) */
        struct container_diff_summary *sum;
};

static bool path_is(const char *path, size_t len, const char *p)
{
        return strlen(p) == len && memcmp(path, p, len) == 0;
}

static bool path_below(const char *path, size_t len, const char *dir)
{
        size_t n = strlen(dir);

        return len >= n && memcmp(path, dir, n) == 0 && (len == n || path[n] == '/');
}

static bool is_injected(const struct ctr_run *run, const char *path, size_t len)
{
        size_t i;

        for (i = 0; i < ARRAY_SIZE(injected); i++)
                if (path_is(path, len, injected[i]))
                        return true;
        for (i = 0; i < run->mounts.n; i++)
                if (path_is(path, len, run->mounts.v[i]))
                        return true;
        for (i = 0; i < run->c->mounts.n; i++)
                if (path_is(path, len, run->c->mounts.v[i]))
                        return true;
        return false;
}

/* ELF or a script by its first bytes, a set-id bit, or a file in a PATH directory. */
static bool is_executable(const struct ovl_change_entry *e)
{
        size_t i, dir_len;

        if (!S_ISREG(e->after.st_mode))
                return false;
        if (e->after.st_mode & (S_ISUID | S_ISGID))
                return true;
        if (e->head_len >= 4 && memcmp(e->head, "\177ELF", 4) == 0)
                return true;
        if (e->head_len >= 2 && memcmp(e->head, "#!", 2) == 0)
                return true;
        for (i = 0; i < ARRAY_SIZE(path_dirs); i++) {
                dir_len = strlen(path_dirs[i]);
                if (e->path_len > dir_len + 1 && memcmp(e->path, path_dirs[i], dir_len) == 0 &&
                    e->path[dir_len] == '/' && !memchr(e->path + dir_len + 1, '/', e->path_len - dir_len - 1))
                        return true;
        }
        return false;
}

static void note_package_db(struct ctr_run *run, const struct ovl_change_entry *e)
{
        size_t m, k;

        for (m = 0; m < PKG_N; m++)
                for (k = 0; k < ARRAY_SIZE(pkg_managers[m].paths) && pkg_managers[m].paths[k]; k++)
                        if (path_below(e->path, e->path_len, pkg_managers[m].paths[k])) {
                                if (!run->pkg_changed[m])
                                        run->pkg_path[m] = pkg_managers[m].paths[k];
                                run->pkg_changed[m] = true;
                                if (!run->pkg_layer[m])
                                        run->pkg_layer[m] = e->layer;
                        }
}

static int add_changed(struct finding *f, unsigned changed)
{
        unsigned bit;
        int r;

        for (bit = 0; bit < 16; bit++)
                if ((changed & (1u << bit)) && attr_name(bit)) {
                        r = finding_add_changed(f, attr_name(bit), strlen(attr_name(bit)));
                        if (r < 0)
                                return r;
                }
        return 0;
}

/* ECS file.*: the entry as the container has it now (added, modified; a
 * deleted one has its path only). Content is compared, not hashed: no hash;
 * the inode is the storage's, not the container's: none. */
static void change_file(const struct ovl_change_entry *e, struct finding_file *ret)
{
        const struct stat *st = &e->after;

        *ret = (struct finding_file) {
                .type = fim_type_name(st->st_mode & S_IFMT),
                .has_stat = true,
                .mode = st->st_mode,
                .uid = st->st_uid,
                .gid = st->st_gid,
                .has_size = S_ISREG(st->st_mode),
                .size = (uint64_t) st->st_size,
                .mtime_ns = (int64_t) st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
                .target = e->target,
                .target_len = e->target_len,
        };
}

static int emit_change(const struct ovl_change_entry *e, void *userdata)
{
        static const char *const kinds[] = { "added", "modified", "deleted" };
        static const char *const rules[] = { "DW-CTR-DRIFT-ADDED", "DW-CTR-DRIFT-MODIFIED", "DW-CTR-DRIFT-DELETED" };
        static const char *const types[] = { "creation", "change", "deletion" };
        struct ctr_run *run = userdata;
        struct finding_container fc = run->fc;
        _cleanup_(freep) char *msg = NULL, *path = NULL;
        struct finding_file file;
        struct finding f;
        bool exec;
        int r;

        if (!run->req->all && ((e->notes & OVL_NOTE_INJECTED) || is_injected(run, e->path, e->path_len)))
                return 0;
        note_package_db(run, e);
        exec = e->change != OVL_DELETED && is_executable(e);
        path = strndup(e->path, e->path_len);
        if (!path)
                return -ENOMEM;
        fc.path = path;
        fc.layer = e->layer;
        if (e->renamed_from) {
                _cleanup_(freep) char *old = strndup(e->renamed_from, e->renamed_from_len);

                if (!old || asprintf(&msg, "renamed from %s in container %s: %s", old, fc.name ? fc.name : fc.id,
                                     path) < 0)
                        return -ENOMEM;
        } else if (asprintf(&msg, "%s%s in container %s: %s", exec ? "executable " : "", kinds[e->change],
                            fc.name ? fc.name : fc.id, path) < 0) {
                return -ENOMEM;
        }
        container_finding_init(&f, run->ctx,
                               exec ? "DW-CTR-NEW-EXECUTABLE" : e->renamed_from ? "DW-CTR-DRIFT-RENAMED" :
                                                                                  rules[e->change],
                               "file", e->renamed_from ? "change" : types[e->change],
                               exec ? "container-new-executable" : e->renamed_from ? "container-drift-renamed" :
                               e->change == OVL_ADDED ? "container-drift-added" :
                               e->change == OVL_MODIFIED ? "container-drift-modified" : "container-drift-deleted",
                               msg, &fc);
        f.path = e->path;
        f.path_len = e->path_len;
        if (e->change != OVL_DELETED) {
                change_file(e, &file);
                f.file = &file;
        }
        r = add_changed(&f, e->changed);
        if (r >= 0 && (e->notes & OVL_NOTE_METACOPY))
                r = finding_add_changed(&f, "metacopy", 8);
        if (r >= 0 && (e->notes & OVL_NOTE_OPAQUE))
                r = finding_add_changed(&f, "opaque", 6);
        if (r >= 0 && (e->notes & OVL_NOTE_REDIRECT))
                r = finding_add_changed(&f, "redirect", 8);
        if (r >= 0 && e->renamed_from)
                r = finding_add_value(&f, "path", e->renamed_from, e->renamed_from_len, e->path, e->path_len);
        if (r >= 0)
                r = output_emit(run->out, &f);
        finding_release(&f);
        if (e->change == OVL_ADDED)
                run->sum->added++;
        else if (e->change == OVL_MODIFIED)
                run->sum->modified++;
        else
                run->sum->deleted++;
        return r;
}

/* The mount destinations of userdata/config.json (the OCI runtime spec podman
 * wrote), when it is there. */
static void read_mounts(struct ctr_run *run)
{
        _cleanup_(freep) char *buf = NULL, *rel = NULL;
        json_t *root, *mounts, *m, *dest;
        size_t len = 0, i;

        if (asprintf(&rel, "%s/config.json", run->c->userdata_dir) < 0 || read_file(rel, CTR_CONFIG_MAX, &buf, &len) < 0)
                return;
        root = json_loadb(buf, len, 0, NULL);
        mounts = json_object_get(root, "mounts");
        json_array_foreach(mounts, i, m) {
                dest = json_object_get(m, "destination");
                if (json_is_string(dest) && json_string_value(dest)[0] == '/' && i < 4096)
                        (void) strv_push(&run->mounts, json_string_value(dest));
        }
        json_decref(root);
}

/* The text database at rel of the first lower layer that has it (the image's
 * copy), or of the upper directory (the container's). */
static int read_db(const char *dir, const char *rel, char **ret, size_t *ret_len)
{
        _cleanup_(closep) int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return negative_errno();
        return read_file_beneath(fd, rel + 1, CTR_PKGDB_MAX, ret, ret_len);
}

static bool db_has(const char *db, const char *key, const char *name, size_t len)
{
        const char *p = db;
        size_t klen = strlen(key);

        for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, key, klen) == 0 && strncmp(p + klen, name, len) == 0 &&
                    (p[klen + len] == '\n' || p[klen + len] == 0))
                        return true;
        return false;
}

static void name_add(struct buf *b, size_t *named, const char *name, size_t len)
{
        if ((*named)++ >= CTR_PKG_NAMES_MAX)
                return;
        if (b->len)
                (void) buf_puts(b, ", ");
        (void) buf_append(b, name, len);
}

static bool rpm_has(const struct pkgdb *db, const char *name)
{
        for (size_t i = 0; i < pkgdb_count(db); i++)
                if (strcmp(pkgdb_package(db, i)->name, name) == 0)
                        return true;
        return false;
}

/* An rpm database, read by librpm (a copy of it: librpm writes when it
 * reads), in the container's upper directory and in the topmost layer of
 * its image that has one: the names only the container's has. A database
 * that cannot be read: *ret_reason says why (the finding stands). */
static void new_rpm_packages(const struct ctr_run *run, struct buf *b, char **ret_reason)
{
        _cleanup_(pkgdb_freep) struct pkgdb *now = NULL, *before = NULL;
        const struct container *c = run->c;
        size_t named = 0;

        if (pkgdb_new(c->upper_dir, run->ctx->scratch_dir, &now) < 0 || !pkgdb_present(now))
                return;         /* the database's file is the image's: the container changed only its WAL or lock */
        if (pkgdb_load(now) < 0) {
                *ret_reason = strdup(pkgdb_error(now));
                return;
        }
        for (size_t i = 0; i < c->n_lowers && !before; i++)
                if (pkgdb_new(c->lowers[i].dir, run->ctx->scratch_dir, &before) < 0 || !pkgdb_present(before))
                        before = pkgdb_free(before);
        if (before && pkgdb_load(before) < 0) {
                *ret_reason = strdup(pkgdb_error(before));
                return;
        }
        for (size_t i = 0; i < pkgdb_count(now); i++) {
                const char *name = pkgdb_package(now, i)->name;

                if (!before || !rpm_has(before, name))
                        name_add(b, &named, name, strlen(name));
        }
}

/* The packages the container's database has and the image's does not,
 * comma-separated into b. */
static void new_packages(const struct ctr_run *run, enum pkg_manager m, struct buf *b, char **ret_reason)
{
        _cleanup_(freep) char *now = NULL, *before = NULL;
        const struct container *c = run->c;
        const char *rel = pkg_managers[m].text_db, *key = pkg_managers[m].key, *p;
        size_t len = 0, i, named = 0;

        if (!rel) {
                new_rpm_packages(run, b, ret_reason);
                return;
        }
        if (read_db(c->upper_dir, rel, &now, &len) < 0)
                return;
        for (i = 0; i < c->n_lowers && !before; i++)
                if (read_db(c->lowers[i].dir, rel, &before, &len) < 0)
                        before = NULL;
        for (p = now; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                size_t n;

                if (strncmp(p, key, strlen(key)) != 0)
                        continue;
                n = strcspn(p + strlen(key), "\n");
                if (n > 0 && !(before && db_has(before, key, p + strlen(key), n)))
                        name_add(b, &named, p + strlen(key), n);
        }
}

static int emit_packages(struct ctr_run *run)
{
        size_t m;
        int r = 0;

        for (m = 0; m < PKG_N && r >= 0; m++) {
                _cleanup_(buf_release) struct buf names;
                _cleanup_(freep) char *msg = NULL, *reason = NULL;
                struct finding_container fc = run->fc;
                struct finding f;

                if (!run->pkg_changed[m])
                        continue;
                buf_init(&names, 1 << 16);
                new_packages(run, m, &names, &reason);
                fc.path = run->pkg_path[m];
                fc.layer = run->pkg_layer[m];
                if (asprintf(&msg, "package database of %s changed in container %s%s%s%s%s", pkg_managers[m].name,
                             fc.name ? fc.name : fc.id, names.len ? ": added " : "", names.len ? names.data : "",
                             reason ? "; its packages cannot be named: " : "", reason ? reason : "") < 0)
                        return -ENOMEM;
                container_finding_init(&f, run->ctx, "DW-CTR-PACKAGE-INSTALL", "package", "installation",
                                       "container-package-install", msg, &fc);
                f.path = run->pkg_path[m];
                f.path_len = strlen(f.path);
                r = finding_add_value(&f, "package.manager", NULL, 0, pkg_managers[m].name,
                                      strlen(pkg_managers[m].name));
                if (r >= 0 && names.len)
                        r = finding_add_value(&f, "package.added", NULL, 0, names.data, names.len);
                if (r >= 0)
                        r = output_emit(run->out, &f);
                finding_release(&f);
        }
        return r;
}

/* "quay.io/a/b:tag@sha256:..." into name and tag (NULL when none). */
static void split_image(const char *ref, char **ret_name, char **ret_tag)
{
        const char *at = strchr(ref, '@'), *slash, *colon;
        size_t len = at ? (size_t) (at - ref) : strlen(ref);

        slash = memrchr(ref, '/', len);
        colon = memrchr(slash ? slash : ref, ':', len - (size_t) ((slash ? slash : ref) - ref));
        if (colon) {
                *ret_name = strndup(ref, (size_t) (colon - ref));
                *ret_tag = strndup(colon + 1, len - (size_t) (colon + 1 - ref));
        } else {
                *ret_name = strndup(ref, len);
                *ret_tag = NULL;
        }
}

/* One container against its image: image_digest NULL when unknown. */
static int diff_one(const struct dw_context *ctx, const struct container_diff_request *req, struct output *out,
                    const char *image_digest, const struct container *c, struct container_diff_summary *sum,
                    struct dw_error *err)
{
        _cleanup_(freep) char *image_name = NULL, *tag = NULL;
        struct ctr_run run = { .ctx = ctx, .req = req, .out = out, .c = c, .sum = sum };
        int r;

        if (c->error) {
                return dw_error_set(err, -EBADMSG, c->id, "container '%s': %s", c->names.n ? c->names.v[0] : c->id,
                                    c->error);
        }
        if (c->image_name)
                split_image(c->image_name, &image_name, &tag);
        run.fc = (struct finding_container) {
                .id = c->id,
                .name = c->names.n ? c->names.v[0] : NULL,
                .image_name = image_name,
                .image_tag = tag,
                .image_digest = image_digest,
                .runtime = c->engine,
        };
        if (c->userdata_dir)
                read_mounts(&run);
        r = ovl_diff(c->upper_dir, c->lowers, c->n_lowers, c->n_own, ctx->threads, ctx->cancel, emit_change, &run, err);
        if (r >= 0)
                r = emit_packages(&run);
        strv_release(&run.mounts);
        if (r == -ENOENT || (r < 0 && r != -ECANCELED && r != -ENOMEM && r != -EPIPE)) {
                /* name the container in front of what the engine said */
                struct dw_error inner = *err;

                *err = (struct dw_error) { 0 };
                dw_error_set(err, r, c->id, "container '%s': %s", c->names.n ? c->names.v[0] : c->id,
                             dw_error_reason(&inner));
                dw_error_release(&inner);
        }
        return r;
}

void container_finding_init(struct finding *f, const struct dw_context *ctx, const char *rule_id,
                            const char *category, const char *type, const char *action, const char *message,
                            const struct finding_container *fc)
{
        finding_init(f);
        f->alert = true;
        f->rule = ruleset_rule(ctx->rules, rule_id);
        f->category = category;
        f->type = type;
        f->action = action;
        f->dataset = "driftwatch.container";
        f->message = message;
        f->container = fc;
}

/* A storage or a container that could not be compared: one finding naming
 * it (c is NULL for the storage as a whole), for scan. */
static int report_unreadable(const struct dw_context *ctx, struct output *out, const char *storage,
                             const struct container *c, const char *runtime, const char *reason)
{
        _cleanup_(freep) char *msg = NULL;
        struct finding_container fc = { .runtime = runtime };
        struct finding f;
        int r;

        if (c) {
                fc.id = c->id;
                fc.name = c->names.n ? c->names.v[0] : NULL;
        }
        if (asprintf(&msg, "%s %s not compared with %s: %s", c ? "container" : "container storage",
                     c ? (fc.name ? fc.name : fc.id) : storage, c ? "its image" : "its images", reason) < 0)
                return -ENOMEM;
        container_finding_init(&f, ctx, "DW-CTR-UNREADABLE", "file", "info", "container-unreadable", msg,
                               c || runtime ? &fc : NULL);
        f.outcome = "failure";
        f.path = storage;
        f.path_len = strlen(storage);
        f.error = reason;
        r = output_emit(out, &f);
        finding_release(&f);
        return r;
}

/* The container name or id prefix q names: exactly one. */
static int find_container(const struct ctr_storage *s, const char *q, const struct container **ret,
                          struct dw_error *err)
{
        const struct container *found = NULL;
        size_t i, k, n = 0;

        for (i = 0; i < s->n_containers; i++)
                for (k = 0; k < s->containers[i].names.n; k++)
                        if (strcmp(s->containers[i].names.v[k], q) == 0) {
                                *ret = &s->containers[i];
                                return 0;
                        }
        for (i = 0; q[0] && i < s->n_containers; i++)
                if (strncmp(s->containers[i].id, q, strlen(q)) == 0)
                        found = &s->containers[i], n++;
        if (n == 0)
                return dw_error_set(err, -ENOENT, q, "no container '%s' in '%s'", q, s->root);
        if (n > 1)
                return dw_error_set(err, -EINVAL, q, "'%s' names %zu containers in '%s'", q, n, s->root);
        *ret = found;
        return 0;
}

/* The container a live process runs in, from /proc. */
static int diff_pid(const struct dw_context *ctx, const struct container_diff_request *req, struct output *out,
                    struct container_diff_summary *ret_summary, struct dw_error *ret_error)
{
        struct container_diff_summary sum = { 0 };
        struct container *c = NULL;
        int r;

        r = ctr_pid_load(req->pid, &c, ret_error);
        if (r < 0)
                return r;
        r = diff_one(ctx, req, out, NULL, c, &sum, ret_error);
        containers_free(c, 1);
        fflush(out->f);
        if (r >= 0)
                sum.n_containers = 1;
        else
                sum.n_failed = 1;
        if (ret_summary)
                *ret_summary = sum;
        return r < 0 ? r : 0;
}

int capability_container_diff(const struct dw_context *ctx, const struct container_diff_request *req,
                              struct output *out, struct container_diff_summary *ret_summary,
                              struct dw_error *ret_error)
{
        _cleanup_(ctr_storage_freep) struct ctr_storage *s = NULL;
        _cleanup_(freep) const struct container **list = NULL;
        struct container_diff_summary sum = { 0 };
        struct dw_error first = { 0 };
        size_t i, n = 0;
        int r, failed = 0;

        if (req->pid > 0)
                return diff_pid(ctx, req, out, ret_summary, ret_error);
        r = req->docker_root ? ctr_docker_load(req->docker_root, &s, ret_error) :
                               ctr_storage_load(req->storage_root, &s, ret_error);
        if (r < 0)
                return r;
        list = calloc(req->n_containers ? req->n_containers : s->n_containers + 1, sizeof(*list));
        if (!list)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        if (req->n_containers) {
                for (i = 0; i < req->n_containers; i++) {
                        r = find_container(s, req->containers[i], &list[n++], ret_error);
                        if (r < 0)
                                return r;
                }
        } else {
                for (i = 0; i < s->n_containers; i++)
                        list[n++] = &s->containers[i];
        }
        for (i = 0; i < n; i++) {
                struct dw_error e = { 0 };

                const struct ctr_image *im = ctr_storage_image(s, list[i]->image_id);

                r = diff_one(ctx, req, out, im ? im->digest : NULL, list[i], &sum, &e);
                if (r == -ECANCELED || r == -ENOMEM || r == -EPIPE) {
                        dw_error_release(&first);
                        *ret_error = e;
                        return r;
                }
                if (r < 0 && req->report_errors) {
                        sum.n_failed++;
                        r = report_unreadable(ctx, out, s->root, list[i], list[i]->engine, dw_error_reason(&e));
                        dw_error_release(&e);
                        if (r < 0)
                                return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
                        continue;
                }
                if (r < 0) {
                        sum.n_failed++;
                        if (!failed) {
                                first = e;
                                failed = r;
                        } else {
                                dw_error_release(&e);
                        }
                        continue;
                }
                dw_error_release(&e);
                sum.n_containers++;
        }
        fflush(out->f);
        if (ret_summary)
                *ret_summary = sum;
        if (failed) {
                *ret_error = first;
                return failed;
        }
        return 0;
}

/* The engines' storages below a root, as scan looks for them. */
static const struct {
        const char *rel;                /* below the root */
        const char *runtime;
        bool docker;
} scan_storages[] = {
        { CTR_STORAGE_DEFAULT, "podman", false },
        { CTR_DOCKER_DEFAULT, "docker", true },
};

int capability_container_scan(const struct dw_context *ctx, const char *root, struct output *out,
                              struct container_diff_summary *ret_summary, struct dw_error *ret_error)
{
        struct container_diff_summary total = { 0 };
        size_t i;
        int r;

        for (i = 0; i < ARRAY_SIZE(scan_storages); i++) {
                _cleanup_(freep) char *dir = NULL;
                struct container_diff_summary sum = { 0 };
                struct dw_error e = { 0 };
                struct stat st;

                if (asprintf(&dir, "%s%s", strcmp(root, "/") == 0 ? "" : root, scan_storages[i].rel) < 0)
                        return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
                if (lstat(dir, &st) < 0 && errno == ENOENT)
                        continue;       /* no such engine here: nothing to say */
                struct container_diff_request req = { .report_errors = true };

                if (scan_storages[i].docker)
                        req.docker_root = dir;
                else
                        req.storage_root = dir;

                r = capability_container_diff(ctx, &req, out, &sum, &e);
                total.n_containers += sum.n_containers;
                total.n_failed += sum.n_failed;
                total.added += sum.added;
                total.modified += sum.modified;
                total.deleted += sum.deleted;
                if (r == -ECANCELED || r == -ENOMEM || r == -EPIPE) {
                        *ret_error = e;
                        return r;
                }
                if (r == -ENOENT && sum.n_containers == 0 && sum.n_failed == 0 && S_ISDIR(st.st_mode)) {
                        dw_error_release(&e);   /* a directory holding no storage yet */
                        continue;
                }
                total.n_storages++;
                if (r < 0) {
                        total.n_unreadable++;
                        r = report_unreadable(ctx, out, dir, NULL, scan_storages[i].runtime, dw_error_reason(&e));
                        dw_error_release(&e);
                        if (r < 0)
                                return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
                }
        }
        if (ret_summary)
                *ret_summary = total;
        return 0;
}
