/* The overlay diff engine (see overlay-diff.h). Two views of each directory
 * are kept as stacks of directory descriptors, top first: the container's
 * (the upper directory, then the lower ones the kernel would merge under it)
 * and the image's (the lower ones alone). A name is resolved in a stack as
 * overlayfs resolves it: the first layer that has it wins, a whiteout ends
 * the search, a non-directory hides what is below, an opaque directory is
 * the last one merged, a redirect (trusted.overlay.redirect) names where the
 * lower directories are. Where both views resolve a name to the very same
 * inode nothing changed and nothing below is read. */
#define _GNU_SOURCE
#include "overlay-diff.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "basic/workers.h"
#include "basic/xattr-util.h"
#include "fim/entry.h"

#define OVL_REDIRECT_MAX 4096
#define OVL_CMP_CHUNK ((size_t) 64 << 10)   /* content is compared this much at a time */
#define OVL_BATCH 1024                          /* names of a directory prepared at once */
#define OVL_BATCH_DEEP 16                       /* ... below OVL_BATCH_DEPTH, where the batches of */
#define OVL_BATCH_DEPTH 32                      /* every level above are held: memory stays bounded */
#define OVL_PARALLEL_MIN 64                     /* fewer names than this: no threads */

/* What one thread reads with: xattr lists and values, content buffers. */
struct ovl_worker {
        struct xattr_scratch xa, xb;
        uint8_t *ba, *bb;               /* OVL_CMP_CHUNK each */
};

struct level {
        int fd;                         /* the directory, O_RDONLY */
        unsigned layer;                 /* 0: upper; i + 1: lowers[i] */
};

struct stack {
        struct level *v;
        size_t n;
};

struct ovl_run {
        const struct ctr_lower *lowers;
        size_t n_lowers;
        size_t n_own;                   /* lowers[0..n_own) are the container's, not the image's */
        int *roots;                     /* each lower layer's root */
        const volatile sig_atomic_t *cancel;
        ovl_change_fn fn;
        void *userdata;
        struct dw_error *error;
        const char *upper;
        struct ovl_worker *workers;     /* n_workers: per-thread readers; workers[0] the calling thread's */
        unsigned n_workers;
        char path[FIM_PATH_MAX + 1];
        size_t path_len;
        char old[FIM_PATH_MAX + 1];     /* a renamed directory's old path */
        char target[PATH_MAX];          /* the reported symlink's target (Linux: at most 4095 bytes) */
        struct strv renamed;            /* the old paths of the upper layer's renamed directories, sorted */
        unsigned depth;
};

/* What a name resolves to in a stack: the level (index) that has it, or -1. */
struct found {
        int level;
        bool whiteout;                  /* absent because a whiteout says so */
        struct stat st;
};

static void worker_release(struct ovl_worker *w)
{
        xattr_scratch_release(&w->xa);
        xattr_scratch_release(&w->xb);
        free(w->ba);
        free(w->bb);
        *w = (struct ovl_worker) { 0 };
}

static int worker_init(struct ovl_worker *w)
{
        *w = (struct ovl_worker) { 0 };
        w->ba = malloc(OVL_CMP_CHUNK);
        w->bb = malloc(OVL_CMP_CHUNK);
        if (!w->ba || !w->bb || xattr_scratch_init(&w->xa) < 0 || xattr_scratch_init(&w->xb) < 0) {
                worker_release(w);
                return -ENOMEM;
        }
        return 0;
}

static void stack_release(struct stack *s)
{
        size_t i;

        for (i = 0; i < s->n; i++)
                closep(&s->v[i].fd);
        free(s->v);
        *s = (struct stack) { 0 };
}

static int stack_push(struct stack *s, int fd, unsigned layer)
{
        struct level *v = realloc(s->v, (s->n + 1) * sizeof(*v));

        if (!v) {
                close(fd);
                return -ENOMEM;
        }
        s->v = v;
        s->v[s->n++] = (struct level) { fd, layer };
        return 0;
}

/* The value of the overlay xattr key ("opaque", "redirect", ...) in its
 * trusted.overlay. or user.overlay. form; length, 0 when absent. */
static ssize_t ovl_xattr(int fd, const char *key, char *value, size_t size)
{
        char name[64];
        ssize_t n;

        snprintf(name, sizeof(name), "trusted.overlay.%s", key);
        n = fgetxattr(fd, name, value, size);
        if (n < 0) {
                snprintf(name, sizeof(name), "user.overlay.%s", key);
                n = fgetxattr(fd, name, value, size);
        }
        return n < 0 ? 0 : n;
}

/* Whether the directory fd is opaque ("y"; "x" only says it holds xattr whiteouts). */
static bool dir_opaque(int fd)
{
        char v[2];

        return ovl_xattr(fd, "opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

/* Whether name in dirfd (stat st; pfd its O_PATH descriptor, if open) is a whiteout. */
static bool is_whiteout(int dirfd, const char *name, int pfd, const struct stat *st)
{
        _cleanup_(closep) int fd = -1;
        char v[1];

        if (S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0))
                return true;
        /* The xattr form (Linux 6.7): an empty regular file marked whiteout. */
        if (!S_ISREG(st->st_mode) || st->st_size != 0)
                return false;
        fd = pfd >= 0 ? fd_reopen(pfd, O_RDONLY | O_NOCTTY | O_NONBLOCK) : open_regular_at(dirfd, name, NULL);
        if (fd < 0)
                return false;
        return fgetxattr(fd, "trusted.overlay.whiteout", v, 0) >= 0 ||
               fgetxattr(fd, "user.overlay.whiteout", v, 0) >= 0;
}

/* Opens name in dirfd O_PATH (no symlink followed, nothing but the inode
 * opened) and stats it: the descriptor, -ENOENT, or -errno. */
static int open_path_stat(int dirfd, const char *name, struct stat *ret_st)
{
        _cleanup_(closep) int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0 || fstat(fd, ret_st) < 0)
                return negative_errno();
        return TAKE_FD(fd);
}

/* Resolves name in the stack from level start on. With ret_pfd, an entry of
 * the upper directory (which root in the container writes while we read) is
 * looked up as an O_PATH descriptor handed back in *ret_pfd, so that what
 * is read from it later is the inode stat()ed here; every other level (image
 * layers, which the container cannot write) is stat()ed by name. */
static int resolve_from(const struct stack *s, size_t start, const char *name, struct found *ret, int *ret_pfd)
{
        _cleanup_(closep) int pfd = -1;
        size_t i;

        *ret = (struct found) { .level = -1 };
        for (i = start; i < s->n; i++) {
                if (ret_pfd && s->v[i].layer == 0) {
                        pfd = open_path_stat(s->v[i].fd, name, &ret->st);
                        if (pfd == -ENOENT)
                                continue;
                        if (pfd < 0)
                                return pfd;
                } else if (fstatat(s->v[i].fd, name, &ret->st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return negative_errno();
                }
                if (is_whiteout(s->v[i].fd, name, pfd, &ret->st)) {
                        ret->whiteout = true;
                        return 0;
                }
                ret->level = (int) i;
                if (ret_pfd)
                        *ret_pfd = TAKE_FD(pfd);
                return 0;
        }
        return 0;
}

/* A regular file of an image layer, stat()ed a moment ago, opened for
 * reading. The layers are the image's: the container writes its upper
 * directory only, so nothing in it can swap a device in between (and
 * O_NONBLOCK | O_NOCTTY keep even that harmless for a FIFO or a tty). */
static int open_lower_regular(int dirfd, const char *name)
{
        int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

        return fd < 0 ? negative_errno() : fd;
}

static int run_fail(struct ovl_run *run, int r, const char *what)
{
        if (r == -ENOMEM)
                return dw_error_set(run->error, r, NULL, "out of memory");
        if (r == -ECANCELED)
                return dw_error_set(run->error, r, NULL, "cancelled");
        return dw_error_set(run->error, r, run->upper, "cannot %s '%s' of '%s': %s", what,
                            run->path_len ? run->path : "/", run->upper, strerror(-r));
}

/* The lower directories of the redirect target: absolute from each lower
 * layer's root, or a name in the parent's lower directories. */
static int push_redirect(struct ovl_run *run, const struct stack *parent, size_t from, const char *target,
                         struct stack *child)
{
        size_t i;
        int fd, r;

        for (i = 0; i < run->n_lowers; i++) {
                if (target[0] == '/') {
                        fd = open_beneath(run->roots[i], target + 1, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                } else {
                        size_t k;

                        for (k = from, fd = -ENOENT; k < parent->n; k++)
                                if (parent->v[k].layer == i + 1)
                                        fd = openat(parent->v[k].fd, target,
                                                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (fd < 0 && fd != -ENOENT)
                                fd = negative_errno();
                }
                if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP)
                        continue;
                if (fd < 0)
                        return fd;
                r = stack_push(child, fd, i + 1);
                if (r < 0)
                        return r;
                if (dir_opaque(fd))
                        break;
        }
        return 0;
}

/* The redirect of an upper directory into redirect: 1, 0 when it has none,
 * -EBADMSG for one that could leave the layers (a "..", a NUL byte, a
 * relative one with a slash). */
static int read_redirect(int fd, char redirect[OVL_REDIRECT_MAX + 1])
{
        ssize_t n = ovl_xattr(fd, "redirect", redirect, OVL_REDIRECT_MAX);

        redirect[n] = 0;
        if (n <= 0)
                return 0;
        if (strlen(redirect) != (size_t) n || strstr(redirect, "..") || (redirect[0] != '/' && strchr(redirect, '/')))
                return -EBADMSG;
        return 1;
}

/* The stack of directory name as overlayfs merges it below parent, from the
 * level 'first' on (which holds it as a directory). *ret_notes gets
 * OVL_NOTE_OPAQUE / _REDIRECT when the upper directory says so; redirect
 * the redirect's target ("" when none). */
static int stack_child(struct ovl_run *run, const struct stack *parent, size_t first, const char *name,
                       struct stack *child, unsigned *ret_notes, char redirect[OVL_REDIRECT_MAX + 1])
{
        struct stat st;
        size_t i;
        int fd, r;

        for (i = first; i < parent->n; i++) {
                if (fstatat(parent->v[i].fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return negative_errno();
                }
                if (!S_ISDIR(st.st_mode))       /* a whiteout or a file hides what is below */
                        return 0;
                fd = openat(parent->v[i].fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return negative_errno();
                r = stack_push(child, fd, parent->v[i].layer);
                if (r < 0)
                        return r;
                if (dir_opaque(fd)) {
                        if (parent->v[i].layer == 0)
                                *ret_notes |= OVL_NOTE_OPAQUE;
                        return 0;
                }
                if (parent->v[i].layer == 0) {
                        r = read_redirect(fd, redirect);

                        if (r < 0)
                                return r;
                        if (r > 0) {
                                *ret_notes |= OVL_NOTE_REDIRECT;
                                return push_redirect(run, parent, i + 1, redirect, child);
                        }
                }
        }
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* A fresh directory stream of the directory dirfd (its own descriptor, so
 * the stack's stays at its offset); NULL and errno on failure. */
static DIR *opendir_at(int dirfd)
{
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;

        if (fd < 0)
                return NULL;
        d = fdopendir(fd);
        if (!d) {
                int e = errno;

                close(fd);
                errno = e;
        }
        return d;
}

/* The names in every directory of both stacks, sorted, each once. */
static int union_names(const struct stack *a, const struct stack *b, struct strv *ret)
{
        const struct stack *stacks[2] = { a, b };
        struct dirent *de;
        size_t s, i, k;
        DIR *d;

        for (s = 0; s < 2; s++)
                for (i = 0; i < stacks[s]->n; i++) {
                        d = opendir_at(stacks[s]->v[i].fd);
                        if (!d)
                                return negative_errno();
                        errno = 0;
                        while ((de = readdir(d))) {
                                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                                        continue;
                                if (ret->n >= OVL_DIR_NAMES_MAX) {
                                        closedir(d);
                                        return -E2BIG;
                                }
                                if (strv_push(ret, de->d_name) < 0) {
                                        closedir(d);
                                        return -ENOMEM;
                                }
                        }
                        closedir(d);
                }
        if (ret->n == 0)
                return 0;
        qsort(ret->v, ret->n, sizeof(char *), cmp_str);
        for (i = 1, k = 1; i < ret->n; i++) {
                if (strcmp(ret->v[i], ret->v[k - 1]) == 0)
                        free(ret->v[i]);
                else
                        ret->v[k++] = ret->v[i];
        }
        ret->n = k;
        return 0;
}

static bool is_ovl_xattr(const char *name)
{
        return strncmp(name, "trusted.overlay.", 16) == 0 || strncmp(name, "user.overlay.", 13) == 0;
}

/* The xattrs of fd other than overlayfs' own, sorted: *ret_n pairs in s.
 * listed: the length of fd's name list already in s, or -1 to list it. Only
 * the values compared are read (none for a file with overlayfs' alone). */
static int user_xattrs_fd(int fd, struct xattr_scratch *s, ssize_t listed, size_t *ret_n)
{
        size_t len = (size_t) listed, n = 0, i;
        int r;

        if (listed < 0) {
                r = xattr_list_fd(fd, s, &len);
                if (r < 0)
                        return r;
        }
        r = xattr_read_listed(fd, s, len, is_ovl_xattr, &n);
        if (r < 0)
                return r;
        for (i = 1; i < n; i++)         /* few: insertion sort */
                for (size_t j = i; j > 0 && strcmp(s->pairs[j - 1].name, s->pairs[j].name) > 0; j--) {
                        struct xattr_pair t = s->pairs[j];

                        s->pairs[j] = s->pairs[j - 1];
                        s->pairs[j - 1] = t;
                }
        *ret_n = n;
        return 0;
}

static int user_xattrs(int dirfd, const char *name, struct xattr_scratch *s, size_t *ret_n)
{
        _cleanup_(closep) int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return negative_errno();
        return user_xattrs_fd(fd, s, -1, ret_n);
}

/* Whether the xattrs other than overlayfs' own differ: of two open files
 * (fda, whose name list w->xa may hold already: listed, else -1; and fdb),
 * or of name in the directories fda and fdb when name is NULL. */
static int xattrs_differ(struct ovl_worker *w, int fda, ssize_t listed, int fdb, const char *name)
{
        size_t na = 0, nb = 0, i;
        int r;

        r = name ? user_xattrs(fda, name, &w->xa, &na) : user_xattrs_fd(fda, &w->xa, listed, &na);
        if (r >= 0)
                r = name ? user_xattrs(fdb, name, &w->xb, &nb) : user_xattrs_fd(fdb, &w->xb, -1, &nb);
        if (r < 0)
                return r;
        if (na != nb)
                return 1;
        for (i = 0; i < na; i++) {
                const struct xattr_pair *a = &w->xa.pairs[i], *b = &w->xb.pairs[i];

                if (a->name_len != b->name_len || memcmp(a->name, b->name, a->name_len) != 0 ||
                    a->value_len != b->value_len || memcmp(a->value, b->value, a->value_len) != 0)
                        return 1;
        }
        return 0;
}

static int readlink_at(int dirfd, const char *name, char *buf, size_t size)
{
        ssize_t n = readlinkat(dirfd, name, buf, size - 1);

        if (n < 0)
                return negative_errno();
        buf[n] = 0;
        return (int) n;
}

/* Where the data of the regular file fd (opened at fm) lies: the file itself,
 * or for a metacopy upper file the lower file below it, which *ret_lower_fd
 * then holds open (else -1). *ret_st is the data's stat. */
static int data_source(struct ovl_worker *w, const struct stack *m, const struct found *fm, const char *name,
                       int fd, int *ret_lower_fd, struct stat *ret_st, unsigned *notes, ssize_t *ret_listed)
{
        struct found below;
        size_t len = 0;
        int r;

        *ret_lower_fd = -1;
        *ret_st = fm->st;
        *ret_listed = -1;
        /* a file of a lower layer, or one with no directory below it to take data from */
        if (m->v[fm->level].layer != 0 || (size_t) fm->level + 1 >= m->n)
                return 0;
        /* One listing says whether it is a metacopy and, kept in w->xa, which
         * xattrs there are to compare. */
        r = xattr_list_fd(fd, &w->xa, &len);
        if (r < 0)
                return r;
        *ret_listed = (ssize_t) len;
        if (!xattr_listed(&w->xa, len, "trusted.overlay.metacopy") &&
            !xattr_listed(&w->xa, len, "user.overlay.metacopy"))
                return 0;
        *notes |= OVL_NOTE_METACOPY;
        r = resolve_from(m, (size_t) fm->level + 1, name, &below, NULL);
        if (r < 0)
                return r;
        if (below.level < 0 || !S_ISREG(below.st.st_mode))
                return 0;       /* no data below: the (empty) upper file is what reads */
        r = open_regular_at(m->v[below.level].fd, name, ret_st);
        if (r < 0)
                return r;
        *ret_lower_fd = r;
        return 0;
}

/* Whether the first size bytes of fa and fb differ: 1, 0, or -errno. A file
 * that ends early, or on one side only, differs. e->head gets fa's first bytes. */
static int content_differs(const struct ovl_run *run, struct ovl_worker *w, int fa, int fb, uint64_t size,
                           struct ovl_change_entry *e)
{
        uint64_t off = 0;

        while (off < size) {
                size_t want = size - off < OVL_CMP_CHUNK ? (size_t) (size - off) : OVL_CMP_CHUNK;
                ssize_t na, nb;

                if (run->cancel && *run->cancel)
                        return -ECANCELED;
                na = pread(fa, w->ba, want, (off_t) off);
                if (na < 0)
                        return negative_errno();
                nb = pread(fb, w->bb, want, (off_t) off);
                if (nb < 0)
                        return negative_errno();
                if (off == 0) {
                        e->head_len = (size_t) na < sizeof(e->head) ? (size_t) na : sizeof(e->head);
                        memcpy(e->head, w->ba, e->head_len);
                }
                if (na != nb || na == 0)
                        return na != nb;
                if (memcmp(w->ba, w->bb, (size_t) na) != 0)
                        return 1;
                off += (uint64_t) na;
        }
        return 0;
}

static void read_head(int fd, struct ovl_change_entry *e)
{
        ssize_t n = pread(fd, e->head, sizeof(e->head), 0);

        e->head_len = n > 0 ? (size_t) n : 0;
}

static int report(struct ovl_run *run, struct ovl_change_entry *e)
{
        e->path = run->path;
        e->path_len = run->path_len;
        return run->fn(e, run->userdata);
}

static int diff_dir(struct ovl_run *run, const struct stack *m, const struct stack *img, unsigned notes);

/* Recurses into name (a directory in the merged view, at level fm->level),
 * against the image's directory of the same name (fi, if one). */
static int descend(struct ovl_run *run, const struct stack *m, const struct found *fm, const struct stack *img,
                   const struct found *fi, const char *name, unsigned notes)
{
        struct stack cm = { 0 }, ci = { 0 };
        size_t i;
        int r;

        char redirect[OVL_REDIRECT_MAX + 1] = "", ignored_target[OVL_REDIRECT_MAX + 1];

        if (run->depth >= OVL_DEPTH_MAX)
                return -ELOOP;
        r = stack_child(run, m, (size_t) fm->level, name, &cm, &notes, redirect);
        if (r >= 0 && redirect[0]) {
                /* renamed: its children against what the old path holds in the image */
                r = push_redirect(run, img, 0, redirect, &ci);
        } else if (r >= 0 && fi && fi->level >= 0 && S_ISDIR(fi->st.st_mode)) {
                unsigned ignored = 0;

                r = stack_child(run, img, (size_t) fi->level, name, &ci, &ignored, ignored_target);
        }
        if (r < 0)
                goto out;
        /* The same lower directories in both views and no upper one: nothing
         * below differs. */
        if (cm.n == ci.n && (cm.n == 0 || cm.v[0].layer != 0)) {
                for (i = 0; i < cm.n; i++) {
                        struct stat a, b;

                        if (fstat(cm.v[i].fd, &a) < 0 || fstat(ci.v[i].fd, &b) < 0 || a.st_dev != b.st_dev ||
                            a.st_ino != b.st_ino)
                                break;
                }
                if (i == cm.n)
                        goto out;
        }
        run->depth++;
        r = diff_dir(run, &cm, &ci, notes);
        run->depth--;
out:
        stack_release(&cm);
        stack_release(&ci);
        return r;
}

/* A directory of the upper layer renamed from elsewhere (redirect_dir):
 * e->renamed_from its old path, absolute, in run->old. */
static int renamed_from(struct ovl_run *run, int dirfd, const char *name, struct ovl_change_entry *e)
{
        _cleanup_(closep) int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        char redirect[OVL_REDIRECT_MAX + 1];
        const char *slash;
        size_t dir_len;
        int r;

        if (fd < 0)
                return negative_errno();
        r = read_redirect(fd, redirect);
        if (r <= 0)
                return r;
        if (redirect[0] == '/') {
                dir_len = 0;
        } else {
                slash = memrchr(run->path, '/', run->path_len);
                dir_len = slash ? (size_t) (slash - run->path) + 1 : 0;
        }
        if (dir_len + strlen(redirect) > FIM_PATH_MAX)
                return -ENAMETOOLONG;
        memcpy(run->old, run->path, dir_len);
        memcpy(run->old + dir_len, redirect, strlen(redirect) + 1);
        e->renamed_from = run->old;
        e->renamed_from_len = dir_len + strlen(redirect);
        e->notes |= OVL_NOTE_REDIRECT;
        return 0;
}

/* What one name of a directory came to: filled by prepare_name() (on any
 * thread), acted on by finish_name() in path order. */
enum slot_action {
        SLOT_NONE,                      /* nothing differs */
        SLOT_DESCEND,                   /* the very same directory in both views: only below may differ */
        SLOT_DELETED,
        SLOT_CHANGE,                    /* added or modified (reported when e.changed or added), then
                                         * descended into when a directory */
};

struct slot {
        const char *name;
        bool done;                      /* prepared (atomic: set by the worker that did) */
        int r;                          /* prepare_name()'s failure */
        enum slot_action action;
        bool report;
        struct found fm, fi;
        struct ovl_change_entry e;
};

/* Everything about name that needs no other name: resolution in both views,
 * the comparison of what both have. Reads only; touches nothing of run but
 * what it reads, so names are prepared on several threads at once. */
static int prepare_name(const struct ovl_run *run, struct ovl_worker *w, const struct stack *m,
                        const struct stack *img, struct slot *s, unsigned notes)
{
        const char *name = s->name;
        struct ovl_change_entry *e = &s->e;
        struct found *fm = &s->fm, *fi = &s->fi;
        _cleanup_(closep) int mpfd = -1;        /* the upper directory's entry, O_PATH */
        _cleanup_(closep) int mfd = -1;         /* the merged view's file */
        _cleanup_(closep) int ifd = -1;         /* the image's */
        _cleanup_(closep) int lfd = -1;         /* a metacopy's data below */
        struct stat dst;
        ssize_t listed = -1;
        bool head_read = false;
        int dfd = -1, r;

        *e = (struct ovl_change_entry) { .notes = notes };
        s->action = SLOT_NONE;
        s->report = false;
        r = resolve_from(m, 0, name, fm, &mpfd);
        if (r < 0)
                return r;
        r = resolve_from(img, 0, name, fi, NULL);
        if (r < 0)
                return r;
        if (fm->level < 0 && fi->level < 0)
                return 0;       /* a whiteout of nothing, or nothing at all */
        if (fm->level >= 0 && fi->level >= 0 && fm->st.st_dev == fi->st.st_dev && fm->st.st_ino == fi->st.st_ino) {
                /* The very same lower entry: a directory may still differ below
                 * (a redirect into it, say). */
                if (S_ISDIR(fm->st.st_mode))
                        s->action = SLOT_DESCEND;
                return 0;
        }
        if (fi->level >= 0)
                e->layer = run->lowers[img->v[fi->level].layer - 1].layer_id, e->before = fi->st;
        if (fm->level < 0) {
                e->change = OVL_DELETED;
                if (fm->whiteout)
                        e->notes |= OVL_NOTE_WHITEOUT;
                s->action = SLOT_DELETED;
                return 0;
        }
        s->action = SLOT_CHANGE;
        e->after = fm->st;
        if (m->v[fm->level].layer >= 1 && m->v[fm->level].layer <= run->n_own)
                e->notes |= OVL_NOTE_INJECTED;
        /* A regular file is opened once for all that is read from it. */
        if (S_ISREG(fm->st.st_mode)) {
                /* the upper's through the inode stat()ed (fm->st says it is regular) */
                mfd = mpfd >= 0 ? fd_reopen(mpfd, O_RDONLY | O_NOCTTY | O_NONBLOCK)
                                : open_lower_regular(m->v[fm->level].fd, name);
                if (mfd < 0)
                        return mfd;
                r = data_source(w, m, fm, name, mfd, &lfd, &dst, &e->notes, &listed);
                if (r < 0)
                        return r;
                dfd = lfd >= 0 ? lfd : mfd;
                if (fi->level >= 0 && S_ISREG(fi->st.st_mode)) {
                        ifd = open_lower_regular(img->v[fi->level].fd, name);
                        if (ifd < 0)
                                return ifd;
                }
        }
        if (fi->level < 0) {
                e->change = OVL_ADDED;
        } else {
                e->change = OVL_MODIFIED;
                if ((fm->st.st_mode & S_IFMT) != (fi->st.st_mode & S_IFMT))
                        e->changed |= ATTR_TYPE;
                if ((fm->st.st_mode & 07777) != (fi->st.st_mode & 07777))
                        e->changed |= ATTR_MODE;
                if (fm->st.st_uid != fi->st.st_uid)
                        e->changed |= ATTR_UID;
                if (fm->st.st_gid != fi->st.st_gid)
                        e->changed |= ATTR_GID;
                if (!(e->changed & ATTR_TYPE)) {
                        r = ifd >= 0 ? xattrs_differ(w, mfd, listed, ifd, NULL)
                                     : xattrs_differ(w, m->v[fm->level].fd, -1, img->v[fi->level].fd, name);
                        if (r < 0)
                                return r;
                        if (r > 0)
                                e->changed |= ATTR_XATTRS;
                }
                if (!(e->changed & ATTR_TYPE) && S_ISLNK(fm->st.st_mode)) {
                        char a[4096], b[4096];

                        r = readlink_at(m->v[fm->level].fd, name, a, sizeof(a));
                        if (r >= 0)
                                r = readlink_at(img->v[fi->level].fd, name, b, sizeof(b));
                        if (r < 0)
                                return r;
                        if (strcmp(a, b) != 0)
                                e->changed |= ATTR_TARGET;
                }
                if (!(e->changed & ATTR_TYPE) && (S_ISCHR(fm->st.st_mode) || S_ISBLK(fm->st.st_mode)) &&
                    fm->st.st_rdev != fi->st.st_rdev)
                        e->changed |= ATTR_RDEV;
                if (!(e->changed & ATTR_TYPE) && S_ISREG(fm->st.st_mode)) {
                        if (dst.st_dev == fi->st.st_dev && dst.st_ino == fi->st.st_ino) {
                                /* metacopy: the data is the image's own */
                        } else if (dst.st_size != fi->st.st_size) {
                                e->changed |= ATTR_SIZE | ATTR_CONTENT;
                        } else {
                                /* the same size: the bytes say (a same-size, same-mtime rewrite too) */
                                r = content_differs(run, w, dfd, ifd, (uint64_t) dst.st_size, e);
                                if (r < 0)
                                        return r;
                                if (r > 0)
                                        e->changed |= ATTR_CONTENT;
                                head_read = true;
                        }
                        if (dst.st_mtim.tv_sec != fi->st.st_mtim.tv_sec ||
                            dst.st_mtim.tv_nsec != fi->st.st_mtim.tv_nsec) {
                                if (fm->st.st_mtim.tv_sec != fi->st.st_mtim.tv_sec ||
                                    fm->st.st_mtim.tv_nsec != fi->st.st_mtim.tv_nsec)
                                        e->changed |= ATTR_MTIME;
                        }
                }
        }
        s->report = e->change == OVL_ADDED || e->changed;
        if (S_ISREG(fm->st.st_mode) && s->report && !head_read)
                read_head(dfd, e);
        return 0;
}

/* What is left of a prepared name, in path order (run->path is its path):
 * what needs the names before it (renames), the report, and the directory
 * below it. */
static int finish_name(struct ovl_run *run, const struct stack *m, const struct stack *img, struct slot *s,
                       unsigned notes)
{
        struct ovl_change_entry *e = &s->e;
        int r;

        switch (s->action) {
        case SLOT_NONE:
                return 0;
        case SLOT_DESCEND:
                return descend(run, m, &s->fm, img, &s->fi, s->name, notes);
        case SLOT_DELETED:
                /* the other half of a rename, which the new name reports */
                if (s->fm.whiteout && S_ISDIR(s->fi.st.st_mode) && run->renamed.n &&
                    bsearch(&(const char *) { run->path }, run->renamed.v, run->renamed.n, sizeof(char *), cmp_str))
                        return 0;
                return report(run, e);
        case SLOT_CHANGE:
                break;
        }
        if (m->v[s->fm.level].layer == 0 && S_ISDIR(s->fm.st.st_mode)) {
                r = renamed_from(run, m->v[s->fm.level].fd, s->name, e);
                if (r < 0)
                        return r;
        }
        if (s->report && S_ISLNK(s->fm.st.st_mode)) {
                r = readlink_at(m->v[s->fm.level].fd, s->name, run->target, sizeof(run->target));
                if (r < 0)
                        return r;
                e->target = run->target;
                e->target_len = (size_t) r;
        }
        if (s->report) {
                r = report(run, e);
                if (r < 0)
                        return r;
        }
        if (S_ISDIR(s->fm.st.st_mode))
                return descend(run, m, &s->fm, img,
                               s->fi.level >= 0 && S_ISDIR(s->fi.st.st_mode) ? &s->fi : NULL, s->name,
                               e->notes & ~(OVL_NOTE_METACOPY | OVL_NOTE_INJECTED));
        return 0;
}

/* Finishes slot s (prepared) with run->path extended by its name; the first
 * failure names the path. */
static int finish_slot(struct ovl_run *run, const struct stack *m, const struct stack *img, struct slot *s,
                       unsigned notes)
{
        size_t saved = run->path_len, len = strlen(s->name);
        int r;

        if (run->cancel && *run->cancel)
                return -ECANCELED;
        if (saved + 1 + len > FIM_PATH_MAX)
                return run_fail(run, -ENAMETOOLONG, "walk");
        run->path[saved] = '/';
        memcpy(run->path + saved + 1, s->name, len + 1);
        run->path_len = saved + 1 + len;
        r = s->r < 0 ? s->r : finish_name(run, m, img, s, notes);
        if (r < 0)
                r = run_fail(run, r, "read");   /* the first failure, deepest first, names its path */
        run->path_len = saved;
        run->path[saved] = 0;
        return r;
}

/* Whether finishing the prepared slot s goes below it (a directory):
 * that waits until no worker runs, as the directory below has its own. */
static bool slot_descends(const struct slot *s)
{
        return s->r >= 0 && (s->action == SLOT_DESCEND || (s->action == SLOT_CHANGE && S_ISDIR(s->fm.st.st_mode)));
}

/* A batch of names of one directory, prepared by the workers while the
 * calling thread (worker 0) finishes them in order as they come. */
struct batch {
        struct ovl_run *run;
        const struct stack *m, *img;
        struct slot *slots;
        size_t n;
        unsigned notes;
        size_t next;                    /* the next slot to prepare (atomic) */
        size_t finished;                /* slots [0, finished) finished by worker 0 */
        int r;                          /* its failure */
};

struct batch_worker {
        struct batch *b;
        struct ovl_worker *w;
        bool finisher;
};

/* Prepares the next slot nobody took: false when there is none. */
static bool prepare_next(struct batch *b, struct ovl_worker *w)
{
        size_t i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED);
        struct slot *s;

        if (i >= b->n)
                return false;
        s = &b->slots[i];
        s->r = b->run->cancel && *b->run->cancel ? -ECANCELED : prepare_name(b->run, w, b->m, b->img, s, b->notes);
        __atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
        return true;
}

static void *batch_thread(void *userdata)
{
        struct batch_worker *bw = userdata;
        struct batch *b = bw->b;
        bool finishing = bw->finisher;

        for (;;) {
                if (finishing && b->finished < b->n &&
                    __atomic_load_n(&b->slots[b->finished].done, __ATOMIC_ACQUIRE)) {
                        struct slot *s = &b->slots[b->finished];

                        if (slot_descends(s)) {
                                finishing = false;      /* the rest after the workers are done */
                                continue;
                        }
                        b->r = finish_slot(b->run, b->m, b->img, s, b->notes);
                        if (b->r < 0)
                                finishing = false;
                        else
                                b->finished++;
                        continue;
                }
                if (prepare_next(b, bw->w))
                        continue;
                if (!finishing || b->finished >= b->n)
                        break;
                sched_yield();  /* the slot to finish next is another worker's, still at work */
        }
        return NULL;
}

/* Prepares slots [0, n) and finishes them in order; one thread for few names. */
static int run_batch(struct ovl_run *run, const struct stack *m, const struct stack *img, struct slot *slots,
                     size_t n, unsigned notes)
{
        struct batch b = { .run = run, .m = m, .img = img, .slots = slots, .n = n, .notes = notes };
        struct batch_worker bw[WORKERS_MAX];
        unsigned k, nw = run->n_workers;
        size_t i;
        int r;

        if (n >= OVL_PARALLEL_MIN && nw >= 2) {
                for (k = 0; k < nw; k++)
                        bw[k] = (struct batch_worker) { &b, &run->workers[k], k == 0 };
                /* a thread that could not start leaves its share to the others */
                (void) workers_run(nw, batch_thread, bw, sizeof(bw[0]));
                if (b.r < 0)
                        return b.r;
        }
        for (i = b.finished; i < n; i++) {
                if (!slots[i].done)
                        slots[i].r = prepare_name(run, &run->workers[0], m, img, &slots[i], notes);
                r = finish_slot(run, m, img, &slots[i], notes);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int diff_dir(struct ovl_run *run, const struct stack *m, const struct stack *img, unsigned notes)
{
        struct strv names = { 0 };
        struct slot *slots = NULL;
        size_t batch = run->depth < OVL_BATCH_DEPTH ? OVL_BATCH : OVL_BATCH_DEEP, i, k, n;
        int r;

        r = union_names(m, img, &names);
        if (r < 0) {
                strv_release(&names);
                return run_fail(run, r, "list");
        }
        slots = calloc(names.n < batch ? names.n + 1 : batch, sizeof(*slots));
        if (!slots) {
                strv_release(&names);
                return run_fail(run, -ENOMEM, "list");
        }
        /* In batches of bounded memory: the workers prepare, this thread
         * finishes in path order (so the reports come in that order whatever
         * the threads did). */
        for (i = 0; r >= 0 && i < names.n; i += n) {
                n = names.n - i < batch ? names.n - i : batch;
                for (k = 0; k < n; k++)
                        slots[k] = (struct slot) { .name = names.v[i + k] };
                r = run_batch(run, m, img, slots, n, notes);
        }
        free(slots);
        strv_release(&names);
        return r < 0 ? r : 0;
}

/* The old paths of the renamed directories of the upper layer (redirect_dir)
 * into run->renamed, run->path the directory dirfd is (path_len long): a
 * walk of the upper layer alone, directories only, before the diff, so the
 * whiteout a rename leaves at the old name is not reported on its own. */
static int collect_renames(struct ovl_run *run, int dirfd, size_t path_len, unsigned depth)
{
        struct dirent *de;
        DIR *d;
        int r = 0;

        if (depth >= OVL_DEPTH_MAX)
                return -ELOOP;
        d = opendir_at(dirfd);
        if (!d)
                return negative_errno();
        while (r >= 0 && (de = readdir(d))) {
                char redirect[OVL_REDIRECT_MAX + 1];
                size_t len = strlen(de->d_name), at;
                int child;

                if (run->cancel && *run->cancel) {
                        r = -ECANCELED;
                        break;
                }
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
                    (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
                        continue;
                child = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (child < 0) {
                        if (errno == ENOTDIR || errno == ELOOP || errno == ENOENT)
                                continue;
                        r = negative_errno();
                        break;
                }
                if (path_len + 1 + len > FIM_PATH_MAX) {
                        close(child);
                        r = -ENAMETOOLONG;
                        break;
                }
                run->path[path_len] = '/';
                memcpy(run->path + path_len + 1, de->d_name, len + 1);
                r = read_redirect(child, redirect);
                if (r > 0 && run->renamed.n < OVL_DIR_NAMES_MAX) {
                        /* absolute: from the root; relative: beside the new name */
                        at = redirect[0] == '/' ? 0 : path_len + 1;
                        if (at + strlen(redirect) > FIM_PATH_MAX) {
                                r = -ENAMETOOLONG;
                        } else {
                                memcpy(run->old, run->path, at);
                                memcpy(run->old + at, redirect, strlen(redirect) + 1);
                                r = strv_push(&run->renamed, run->old) < 0 ? -ENOMEM : 0;
                        }
                }
                if (r >= 0)
                        r = collect_renames(run, child, path_len + 1 + len, depth + 1);
                close(child);
                if (r >= 0)
                        run->path[path_len] = 0;        /* else it names what failed */
        }
        closedir(d);
        return r;
}

int ovl_diff(const char *upper, const struct ctr_lower *lowers, size_t n_lowers, size_t n_own,
             unsigned threads, const volatile sig_atomic_t *cancel,
             ovl_change_fn fn, void *userdata, struct dw_error *ret_error)
{
        struct ovl_run run = {
                .lowers = lowers, .n_lowers = n_lowers, .n_own = n_own, .cancel = cancel, .fn = fn, .userdata = userdata,
                .error = ret_error, .upper = upper,
        };
        struct stack m = { 0 }, img = { 0 };
        size_t i;
        int fd, r;

        run.roots = calloc(n_lowers + 1, sizeof(int));
        if (!run.roots)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        for (i = 0; i < n_lowers; i++)
                run.roots[i] = -1;
        run.n_workers = workers_count(threads);
        run.workers = calloc(run.n_workers, sizeof(*run.workers));
        if (!run.workers) {
                r = dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
                goto out;
        }
        for (i = 0, r = 0; i < run.n_workers && r >= 0; i++)
                r = worker_init(&run.workers[i]);
        if (r < 0) {
                r = dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
                goto out;
        }
        fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                r = dw_error_set(ret_error, negative_errno(), upper, "cannot open upper directory '%s': %m", upper);
                goto out;
        }
        r = stack_push(&m, fd, 0);
        for (i = 0; r >= 0 && i < n_lowers; i++) {
                fd = open(lowers[i].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0) {
                        r = dw_error_set(ret_error, negative_errno(), lowers[i].dir,
                                         "cannot open layer directory '%s': %m", lowers[i].dir);
                        goto out;
                }
                run.roots[i] = fd;
                r = stack_push(&m, dup(fd), (unsigned) i + 1);
                if (r >= 0 && i >= n_own)
                        r = stack_push(&img, dup(fd), (unsigned) i + 1);
                if (r >= 0 && (m.v[m.n - 1].fd < 0 || (img.n && img.v[img.n - 1].fd < 0)))
                        r = -EMFILE;
        }
        if (r < 0) {
                r = run_fail(&run, r, "open");
                goto out;
        }
        run.path[0] = 0;
        r = collect_renames(&run, m.v[0].fd, 0, 0);
        if (r < 0) {
                run.path_len = strlen(run.path);
                r = run_fail(&run, r, "read");
                goto out;
        }
        if (run.renamed.n)
                qsort(run.renamed.v, run.renamed.n, sizeof(char *), cmp_str);
        run.path_len = 0;
        run.path[0] = 0;
        r = diff_dir(&run, &m, &img, 0);
out:
        strv_release(&run.renamed);
        stack_release(&m);
        stack_release(&img);
        for (i = 0; i < n_lowers; i++)
                closep(&run.roots[i]);
        free(run.roots);
        for (i = 0; run.workers && i < run.n_workers; i++)
                worker_release(&run.workers[i]);
        free(run.workers);
        return r;
}
