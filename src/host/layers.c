/* The layers of the merged hierarchies; see layers.h. */
#define _GNU_SOURCE
#include "layers.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "host/fs-reader.h"
#include "host/libmount-dl.h"

#define LAYERS_MAX_LIST 65536           /* directory entries listed in an image per lookup */

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif

static void layer_release(struct layer *ly)
{
        free(ly->name);
        free(ly->dir);
        free(ly->image);
        fs_reader_free(ly->fs);
        if (ly->fd >= 0)
                close(ly->fd);
        if (ly->dirfd >= 0)
                close(ly->dirfd);
}

struct layers *layers_free(struct layers *l)
{
        size_t i, j;

        if (!l)
                return NULL;
        for (i = 0; i < l->n; i++) {
                for (j = 0; j < l->mounts[i].n; j++)
                        layer_release(&l->mounts[i].layers[j]);
                free(l->mounts[i].target);
        }
        free(l->mounts);
        free(l);
        return NULL;
}

size_t layers_lowerdir_next(const char **p, char *buf)
{
        const char *q = *p;
        size_t n = 0;

        /* overlayfs escapes a colon inside a dir as "\:" */
        for (; *q && *q != ':'; q++) {
                if (*q == '\\' && q[1])
                        q++;
                buf[n++] = *q;
        }
        buf[n] = '\0';
        *p = q + (*q == ':');
        return n;
}

enum lowerdir_kind layers_lowerdir_kind(const char *dir, const char **ret_name, size_t *ret_len, bool *ret_confext)
{
        static const char *const kinds[2] = { "extensions/", "confexts/" };
        const char *p;
        size_t k;

        if (strncmp(dir, LAYERS_WORKSPACE, strlen(LAYERS_WORKSPACE)) != 0)
                return LOWERDIR_OUTSIDE;
        p = dir + strlen(LAYERS_WORKSPACE);
        for (k = 0; k < ARRAY_SIZE(kinds); k++) {
                size_t klen = strlen(kinds[k]), n;

                if (strncmp(p, kinds[k], klen) != 0)
                        continue;
                n = strcspn(p + klen, "/");
                if (n == 0)
                        break;
                *ret_name = p + klen;
                *ret_len = n;
                *ret_confext = k == 1;
                return LOWERDIR_EXTENSION;
        }
        return LOWERDIR_META;
}

int layers_add(struct layers *l, const char *target, const char *lowerdir)
{
        struct union_mount *m, *mounts;
        const char *p = lowerdir;
        char marker[64];
        struct stat st;

        if (l->n >= LAYERS_MAX_MOUNTS)
                return -E2BIG;
        mounts = reallocarray(l->mounts, l->n + 1, sizeof(*mounts));
        if (!mounts)
                return -ENOMEM;
        l->mounts = mounts;
        m = &l->mounts[l->n];
        *m = (struct union_mount) { .target = strdup(target) };
        if (!m->target)
                return -ENOMEM;
        l->n++;
        while (*p) {
                _cleanup_(freep) char *dir = malloc(strlen(p) + 1);
                struct layer *ly;
                bool confext = false;
                const char *name = NULL;
                size_t nlen = 0;
                enum lowerdir_kind kind;

                if (!dir)
                        return -ENOMEM;
                if (layers_lowerdir_next(&p, dir) == 0)
                        return -EBADMSG;
                if (m->n >= LAYERS_MAX)
                        return -E2BIG;
                ly = &m->layers[m->n];
                *ly = (struct layer) { .fd = -1, .dirfd = -1 };
                kind = layers_lowerdir_kind(dir, &name, &nlen, &confext);
                if (kind == LOWERDIR_META) {
                        m->meta = true; /* systemd's meta layer: the merge's own marker files */
                        continue;
                }
                if (kind == LOWERDIR_EXTENSION && !(ly->name = strndup(name, nlen)))
                        return -ENOMEM;
                m->confext |= confext;
                ly->dir = TAKE_PTR(dir);
                m->n++;
                /* the base named by the overlay's own target is the overlay now */
                if (strcmp(ly->dir, target) != 0) {
                        ly->dirfd = open(ly->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                        if (ly->dirfd >= 0)
                                ly->probe = LAYER_PROBE_DIR;
                }
        }
        snprintf(marker, sizeof(marker), "%s/%s", target, m->confext ? LAYERS_MARKER_CONFEXT : LAYERS_MARKER_SYSEXT);
        if (strlen(target) < 32 && stat(marker, &st) == 0)
                m->merge_time = (int64_t) st.st_ctim.tv_sec;
        return 0;
}

int layers_attach_image(struct layers *l, const char *name, bool confext, const char *image, const char *form)
{
        size_t i, j;
        int r;

        for (i = 0; i < l->n; i++) {
                struct union_mount *m = &l->mounts[i];

                if (m->confext != confext)
                        continue;
                for (j = 0; j < m->n; j++) {
                        struct layer *ly = &m->layers[j];
                        _cleanup_(closep) int fd = -1;

                        if (!ly->name || strcmp(ly->name, name) != 0 || ly->image)
                                continue;
                        ly->image = strdup(image);
                        if (!ly->image)
                                return -ENOMEM;
                        if (ly->probe != LAYER_PROBE_NONE || !form)
                                continue;
                        if (strcmp(form, "directory") == 0) {
                                _cleanup_(closep) int top = open(image, O_PATH | O_DIRECTORY | O_CLOEXEC);

                                /* the hierarchy inside: "usr" of "/usr" */
                                if (top >= 0 && (r = open_beneath(top, m->target + 1, O_PATH | O_DIRECTORY)) >= 0) {
                                        ly->dirfd = r;
                                        ly->probe = LAYER_PROBE_DIR;
                                }
                        } else if (strcmp(form, "squashfs") == 0 || strcmp(form, "erofs") == 0) {
                                struct stat st;
                                enum fs_type type = FS_UNKNOWN;

                                fd = open(image, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                                if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
                                    fs_probe(fd, 0, (uint64_t) st.st_size, &type) < 0 || type == FS_UNKNOWN ||
                                    fs_reader_open(fd, 0, (uint64_t) st.st_size, type, &ly->fs) < 0)
                                        continue;
                                ly->fd = TAKE_FD(fd);
                                ly->probe = LAYER_PROBE_IMAGE;
                        }
                }
        }
        return 0;
}

struct find_name {
        const char *name;
        bool found;
};

static int find_name_fn(const char *name, enum fs_entry_type type, void *userdata)
{
        struct find_name *fn = userdata;

        (void) type;
        if (strcmp(name, fn->name) == 0) {
                fn->found = true;
                return 1;
        }
        return 0;
}

/* Whether layer ly has rel (relative to its hierarchy, no leading slash):
 * 1, 0, or -errno when it cannot be looked into. */
static int layer_has(const struct layer *ly, const char *target, const char *rel)
{
        _cleanup_(freep) char *parent = strdup(rel);
        char *slash;
        const char *name;

        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        name = slash ? slash + 1 : rel;
        if (slash)
                *slash = '\0';
        else
                parent[0] = '\0';
        if (!*name)
                return -EINVAL;

        if (ly->probe == LAYER_PROBE_DIR) {
                _cleanup_(closep) int dfd = -1;
                struct stat st;

                dfd = *parent ? open_beneath(ly->dirfd, parent, O_PATH | O_DIRECTORY) : fcntl(ly->dirfd,
                                                                                               F_DUPFD_CLOEXEC, 3);
                if (dfd == -ENOENT || dfd == -ENOTDIR)
                        return 0;
                if (dfd < 0)
                        return dfd;
                if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        return 1;
                return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
        }
        if (ly->probe == LAYER_PROBE_IMAGE) {
                _cleanup_(freep) char *dir = NULL;
                struct find_name fn = { .name = name };
                int r;

                if (asprintf(&dir, "%s/%s", target, parent) < 0)
                        return -ENOMEM;
                r = fs_reader_list(ly->fs, dir, LAYERS_MAX_LIST, find_name_fn, &fn);
                if (r == -ENOENT || r == -ENOTDIR)
                        return 0;
                if (r < 0)
                        return r;
                return fn.found;
        }
        return -EOPNOTSUPP;
}

void layers_owner(const struct layers *l, const char *path, struct layer_owner *ret)
{
        struct layer_owner o = { 0 };
        size_t i, j;

        for (i = 0; l && i < l->n && !o.mount; i++) {
                size_t tlen = strlen(l->mounts[i].target);

                if (strncmp(path, l->mounts[i].target, tlen) == 0 && path[tlen] == '/' && path[tlen + 1])
                        o.mount = &l->mounts[i];
        }
        if (o.mount) {
                const char *rel = path + strlen(o.mount->target) + 1;
                const char *marker = o.mount->confext ? LAYERS_MARKER_CONFEXT : LAYERS_MARKER_SYSEXT;
                size_t mlen = strlen(marker);
                bool unknown = false;

                for (j = 0; j < o.mount->n; j++) {
                        const struct layer *ly = &o.mount->layers[j];
                        int r = layer_has(ly, o.mount->target, rel);

                        if (r < 0 && o.top)
                                o.below_unknown = true;
                        unknown |= r < 0;
                        if (r <= 0)
                                continue;
                        if (!o.top) {
                                o.top = ly;
                                continue;
                        }
                        o.below = ly;
                        break;
                }
                o.meta = !o.top && !unknown && o.mount->meta && strncmp(rel, marker, mlen) == 0 &&
                         (rel[mlen] == '\0' || rel[mlen] == '/');
        }
        *ret = o;
}

/* The base of an overlay mounted over its own lower dir (the v252 merge
 * lists "/usr" last): the directory under the overlay. It is reached through
 * a clone (open_tree, not recursive: the overlay is not in the clone) of a
 * mount of the same filesystem whose root lies above that directory and
 * whose target is not covered by the overlay; the parent mount first, "/"
 * usually. When the base is itself a mount at target (a bind mount of /usr,
 * say), its root is looked for in another mount of its filesystem. */
static void open_base(const struct libmount_api *mnt, struct libmnt_table *tb, struct libmnt_fs *over,
                      struct layer *base, const char *target)
{
        struct libmnt_iter *it = mnt->new_iter(MNT_ITER_FORWARD);
        struct libmnt_fs *fs, *parent = NULL;
        _cleanup_(freep) char *want = NULL;
        const char *ptarget, *proot;
        size_t plen;

        while (it && mnt->table_next_fs(tb, it, &fs) == 0)
                if (mnt->fs_get_id(fs) == mnt->fs_get_parent_id(over))
                        parent = fs;
        ptarget = parent ? mnt->fs_get_target(parent) : NULL;
        proot = parent ? mnt->fs_get_root(parent) : NULL;
        if (!ptarget || !proot) {
                if (it)
                        mnt->free_iter(it);
                return;
        }
        /* the base directory as a path inside its filesystem */
        if (strcmp(ptarget, target) == 0) {
                want = strdup(proot);
        } else {
                plen = strcmp(ptarget, "/") == 0 ? 0 : strlen(ptarget);
                if (strncmp(target, ptarget, plen) == 0 && target[plen] == '/' &&
                    asprintf(&want, "%s%s", strcmp(proot, "/") == 0 ? "" : proot, target + plen) < 0)
                        want = NULL;
        }
        if (it)
                mnt->free_iter(it);
        it = want ? mnt->new_iter(MNT_ITER_FORWARD) : NULL;
        while (it && base->probe == LAYER_PROBE_NONE && mnt->table_next_fs(tb, it, &fs) == 0) {
                const char *t = mnt->fs_get_target(fs), *root = mnt->fs_get_root(fs);
                size_t rlen = root && strcmp(root, "/") != 0 ? strlen(root) : 0;
                struct stat st;
                int tree;

                if (!t || !root || mnt->fs_get_devno(fs) != mnt->fs_get_devno(parent) || strcmp(t, target) == 0 ||
                    strncmp(want, root, rlen) != 0 || (want[rlen] != '/' && want[rlen] != '\0'))
                        continue;
                tree = (int) syscall(SYS_open_tree, AT_FDCWD, t, OPEN_TREE_CLONE | O_CLOEXEC);
                if (tree < 0)
                        continue;
                /* what the path reached is the mount read from the table */
                if (fstat(tree, &st) == 0 && st.st_dev == mnt->fs_get_devno(fs)) {
                        base->dirfd = want[rlen] ? open_beneath(tree, want + rlen + 1, O_PATH | O_DIRECTORY) :
                                                   fcntl(tree, F_DUPFD_CLOEXEC, 3);
                        if (base->dirfd >= 0)
                                base->probe = LAYER_PROBE_DIR;
                        else
                                base->dirfd = -1;
                }
                close(tree);
        }
        if (it)
                mnt->free_iter(it);
}

int layers_read(struct layers **ret)
{
        static const char *const targets[] = { "/usr", "/opt", "/etc" };
        _cleanup_(layers_freep) struct layers *l = calloc(1, sizeof(*l));
        const struct libmount_api *mnt;
        struct libmnt_table *tb;
        size_t i;
        int r;

        if (!l)
                return -ENOMEM;
        r = libmount_load(&mnt);
        if (r < 0)
                return r;
        tb = mnt->new_table_from_file("/proc/self/mountinfo");
        if (!tb)
                return -EIO;
        for (i = 0, r = 0; i < ARRAY_SIZE(targets) && r >= 0; i++) {
                struct libmnt_fs *fs = mnt->table_find_target(tb, targets[i], MNT_ITER_BACKWARD);
                const char *opts = fs ? mnt->fs_get_fs_options(fs) : NULL, *type = fs ? mnt->fs_get_fstype(fs) : NULL;
                _cleanup_(freep) char *lower = NULL;
                struct union_mount *m;
                char *value = NULL;
                size_t vlen = 0;

                if (!type || strcmp(type, "overlay") != 0 || !opts ||
                    mnt->optstr_get_option(opts, "lowerdir", &value, &vlen) != 0 || !value)
                        continue;
                lower = strndup(value, vlen);
                if (!lower) {
                        r = -ENOMEM;
                        break;
                }
                if (!strstr(lower, LAYERS_WORKSPACE))
                        continue;       /* an overlay, but not a merge of extensions */
                r = layers_add(l, targets[i], lower);
                if (r < 0)
                        break;
                m = &l->mounts[l->n - 1];
                if (m->n && !m->layers[m->n - 1].name && m->layers[m->n - 1].probe == LAYER_PROBE_NONE &&
                    strcmp(m->layers[m->n - 1].dir, targets[i]) == 0)
                        open_base(mnt, tb, fs, &m->layers[m->n - 1], targets[i]);
        }
        mnt->unref_table(tb);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}
