/* Parallel walk of a live tree; see walk.h.
 *
 * Two passes, each spread over the worker threads. The metadata pass takes
 * directories from a shared stack: a worker opens one (below the root, never
 * through a symlink), records the directory and every non-directory child, and
 * pushes the child directories. Regular files whose content must be read are
 * marked; the read pass then hashes them, largest first, so one big file does
 * not leave the other cores idle at the end. */
#define _GNU_SOURCE
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "basic/macros.h"
#include "basic/path-util.h"
#include "basic/time-util.h"
#include "basic/workers.h"
#include "basic/xattr-util.h"

#define ENTRY_NEEDS_READ (1u << 8)      /* internal to the walk */
#define TARGET_MAX (PATH_MAX - 1)       /* longest symlink target the kernel stores */
#define SMALL_FILE ((off_t) 1 << 20)       /* read during the metadata pass */

struct dir_task {
        struct dir_task *next;
        dev_t parent_dev;               /* (dev_t) -1: unknown, check the filesystem */
        int fd;                         /* opened through the parent, or -1: open by path */
        size_t len;
        char path[];
};

/* Directories waiting on the stack hold at most this many descriptors; past it
 * they are opened by path when their turn comes. */
#define MAX_TASK_FDS 512

struct walker;

struct worker {
        struct walker *w;
        struct fim_tree *local;
        struct hasher *hasher;
        struct xattr_scratch xattrs;
        unsigned long long hashed, cached, bytes, errors;
        int error;                      /* fatal: allocation failure */
};

struct walker {
        int rootfd;
        const struct walk_opts *opts;
        unsigned attrs;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        struct dir_task *stack;
        size_t pending;                 /* tasks on the stack or being processed */
        atomic_int fatal;
        atomic_int task_fds;            /* descriptors held by tasks on the stack */
        atomic_size_t children;         /* seen so far, against opts->max_entries */
        atomic_ullong over_limit, too_deep, skipped;
        struct fim_index cache_index;   /* over opts->cache */
        /* read pass */
        struct fim_tree *tree;
        size_t *to_read;
        size_t n_to_read;
        atomic_size_t next_read;
};

static bool cancelled(struct walker *w)
{
        return (w->opts->cancel && *w->opts->cancel) || atomic_load(&w->fatal) != 0;
}

static void set_fatal(struct walker *w, int r)
{
        int expected = 0;

        atomic_compare_exchange_strong(&w->fatal, &expected, r);
}

static bool is_pseudo_fs(int fd)
{
        struct statfs sfs;

        if (fstatfs(fd, &sfs) < 0)
                return false;
        switch ((unsigned long) sfs.f_type) {
        case PROC_SUPER_MAGIC:
        case SYSFS_MAGIC:
        case CGROUP_SUPER_MAGIC:
        case CGROUP2_SUPER_MAGIC:
        case DEBUGFS_MAGIC:
        case TRACEFS_MAGIC:
        case SECURITYFS_MAGIC:
        case BPF_FS_MAGIC:
        case PSTOREFS_MAGIC:
        case DEVPTS_SUPER_MAGIC:
        case 0x19800202:        /* mqueue */
        case 0x62656570:        /* configfs */
        case BINFMTFS_MAGIC:
        case EFIVARFS_MAGIC:
        case 0x65735543:        /* fusectl */
                return true;
        default:
                return false;
        }
}

static void task_free(struct dir_task *t)
{
        if (t->fd >= 0)
                close(t->fd);
        free(t);
}

static struct dir_task *task_new(const char *path, size_t len, dev_t parent_dev)
{
        struct dir_task *t = malloc(sizeof(*t) + len + 1);

        if (!t)
                return NULL;
        t->next = NULL;
        t->parent_dev = parent_dev;
        t->fd = -1;
        t->len = len;
        memcpy(t->path, path, len);
        t->path[len] = '\0';
        return t;
}

/* Pushes a chain of tasks (head .. tail) in one lock round trip. */
static void push_tasks(struct walker *w, struct dir_task *head, struct dir_task *tail, size_t n)
{
        if (!head)
                return;
        pthread_mutex_lock(&w->lock);
        tail->next = w->stack;
        w->stack = head;
        w->pending += n;
        pthread_cond_broadcast(&w->cond);
        pthread_mutex_unlock(&w->lock);
}

static struct dir_task *pop_task(struct walker *w, struct dir_task *done)
{
        struct dir_task *t;

        pthread_mutex_lock(&w->lock);
        if (done)
                w->pending--;
        if (w->pending == 0 || cancelled(w))
                pthread_cond_broadcast(&w->cond);
        while (!w->stack && w->pending > 0 && !cancelled(w))
                pthread_cond_wait(&w->cond, &w->lock);
        t = w->stack;
        if (t && !cancelled(w))
                w->stack = t->next;
        else
                t = NULL;
        pthread_mutex_unlock(&w->lock);
        return t;
}

static const char *rel_of(const char *path)
{
        return path[1] ? path + 1 : ".";
}

static int read_xattrs(struct worker *wk, int fd, struct fim_entry *e)
{
        size_t n;
        int r;

        r = xattr_read_fd(fd, &wk->xattrs, &n);
        if (r < 0)
                return r;
        return xattr_pack(&wk->local->arena, wk->xattrs.pairs, n, &e->xattrs, &e->xattrs_len);
}

static void fill_stat(struct fim_entry *e, const struct stat *st)
{
        e->type = st->st_mode & S_IFMT;
        e->mode = st->st_mode & 07777;
        e->uid = st->st_uid;
        e->gid = st->st_gid;
        e->nlink = (uint32_t) st->st_nlink;
        e->size = (S_ISREG(st->st_mode) || S_ISLNK(st->st_mode)) ? (uint64_t) st->st_size : 0;
        e->mtime_ns = timespec_to_ns(&st->st_mtim);
        e->ctime_ns = timespec_to_ns(&st->st_ctim);
        e->dev = st->st_dev;
        e->ino = st->st_ino;
        e->rdev = (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) ? st->st_rdev : 0;
        e->flags |= ENTRY_HAS_STAT;
}

/* c, the cached entry of e's path, when its identity proves the content unchanged. */
static const struct fim_entry *cache_hit(struct walker *w, const struct fim_entry *e, const struct fim_entry *c)
{
        if (!c || !(c->flags & ENTRY_HAS_STAT) || c->err)
                return NULL;
        if (c->dev != e->dev || c->ino != e->ino || c->ctime_ns != e->ctime_ns ||
            c->mtime_ns != e->mtime_ns || c->size != e->size || c->type != e->type ||
            c->mode != e->mode || c->uid != e->uid || c->gid != e->gid)
                return NULL;
        if (e->type == S_IFREG && (w->attrs & ATTR_CONTENT) && !(c->flags & ENTRY_HAS_HASH))
                return NULL;
        return c;
}

/* The cached hash, xattrs and target are shared, not copied: the result of a
 * walk with a cache points into it (see walk.h). */
static int take_cached(struct worker *wk, struct fim_entry *e, const struct fim_entry *c)
{
        if (wk->w->opts->progress && e->type == S_IFREG)
                atomic_fetch_add_explicit(&wk->w->opts->progress->done_bytes, e->size, memory_order_relaxed);
        if (c->flags & ENTRY_HAS_HASH) {
                memcpy(e->sha256, c->sha256, SHA256_LEN);
                e->flags |= ENTRY_HAS_HASH;
        }
        e->xattrs = c->xattrs;
        e->xattrs_len = c->xattrs_len;
        e->target = c->target;
        e->target_len = c->target_len;
        wk->cached++;
        return 0;
}

/* A new entry for path; *ret_known is the cache's entry for the same path (or
 * NULL), whose path string the new entry shares. */
static struct fim_entry *new_entry(struct worker *wk, const char *path, size_t len,
                                   const struct fim_entry **ret_known)
{
        const struct fim_entry *known = NULL;
        struct fim_entry *e = fim_tree_add(wk->local);

        if (!e)
                return NULL;
        if (wk->w->cache_index.slots)
                known = fim_index_find(&wk->w->cache_index, path, len);
        e->path = known ? known->path : arena_strndup(&wk->local->arena, path, len);
        if (!e->path) {
                wk->local->n--;
                return NULL;
        }
        if (ret_known)
                *ret_known = known;
        e->path_len = (uint32_t) len;
        if (wk->w->opts->progress)
                atomic_fetch_add_explicit(&wk->w->opts->progress->entries, 1, memory_order_relaxed);
        return e;
}

/* Notes an error on e; NULL (a directory out of the walk's range) is not recorded. */
static void entry_error(struct worker *wk, struct fim_entry *e, int r)
{
        if (!e)
                return;
        if (!e->err)
                wk->errors++;
        e->err = -r;
}

static int read_entry_fd(struct worker *wk, struct fim_entry *e, int fd, const struct stat *st);

/* Records a non-directory child 'name' of dirfd, whose stat is st. */
static int record_child(struct worker *wk, int dirfd, const char *name, const char *path,
                        size_t len, const struct stat *st)
{
        struct walker *w = wk->w;
        const struct fim_entry *c, *known = NULL;
        struct fim_entry *e;
        int r;

        e = new_entry(wk, path, len, &known);
        if (!e)
                return -ENOMEM;
        fill_stat(e, st);
        c = cache_hit(w, e, known);
        if (c)
                return take_cached(wk, e, c);

        if (S_ISREG(st->st_mode)) {
                if (!(w->attrs & (ATTR_CONTENT | ATTR_XATTRS)))
                        return 0;
                /* Small files are read right here, through the directory already
                 * open; large ones wait for the read pass, largest first, so no
                 * core is left idle behind one big file. */
                if (st->st_size > SMALL_FILE) {
                        e->flags |= ENTRY_NEEDS_READ;
                        return 0;
                }
                struct stat now;
                int fd = open_regular_at(dirfd, name, &now);

                return read_entry_fd(wk, e, fd, &now);
        }
        if (S_ISLNK(st->st_mode) && (w->attrs & ATTR_TARGET)) {
                char target[TARGET_MAX + 1];
                ssize_t n = readlinkat(dirfd, name, target, sizeof(target));

                if (n < 0) {
                        entry_error(wk, e, negative_errno());
                } else if ((size_t) n >= sizeof(target)) {
                        entry_error(wk, e, -ENAMETOOLONG);
                } else {
                        e->target = arena_strndup(&wk->local->arena, target, (size_t) n);
                        if (!e->target)
                                return -ENOMEM;
                        e->target_len = (uint32_t) n;
                }
        }
        if (w->attrs & ATTR_XATTRS) {
                _cleanup_(closep) int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

                r = fd < 0 ? negative_errno() : read_xattrs(wk, fd, e);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 && r != -ENOENT)
                        entry_error(wk, e, r);
        }
        return 0;
}

/* Components of an absolute path: "/var/lib" has 2. */
static unsigned path_depth(const char *path, size_t len)
{
        unsigned n = 0;

        for (size_t i = 0; i < len; i++)
                n += path[i] == '/';
        return n;
}

/* Whether the directory path is one of opts->skip, or one more than
 * max_depth components deep; each counted in the walker. */
static bool dir_left_out(struct walker *w, const char *path, size_t len)
{
        const struct walk_opts *o = w->opts;

        for (size_t i = 0; i < o->n_skip; i++)
                if (strlen(o->skip[i]) == len && memcmp(o->skip[i], path, len) == 0) {
                        atomic_fetch_add(&w->skipped, 1);
                        return true;
                }
        if (o->max_depth && path_depth(path, len) > o->max_depth) {
                atomic_fetch_add(&w->too_deep, 1);
                return true;
        }
        return false;
}

static int stat_child(struct worker *wk, int dirfd, const char *name, const char *path,
                      size_t len, dev_t dir_dev, struct dir_task **head, struct dir_task **tail,
                      size_t *n_tasks, unsigned char d_type)
{
        const struct path_range *range = wk->w->opts->range;
        bool record = path_range_contains(range, path, len);
        struct dir_task *t;
        struct stat st;

        if (wk->w->opts->max_entries && atomic_fetch_add(&wk->w->children, 1) >= wk->w->opts->max_entries) {
                atomic_fetch_add(&wk->w->over_limit, 1);
                return 0;
        }
        if (d_type == DT_DIR && dir_left_out(wk->w, path, len))
                return 0;

        /* Out of range, only a directory with something in range below it
         * matters: no stat for the rest when readdir tells their type. */
        if (!record && ((d_type != DT_DIR && d_type != DT_UNKNOWN) || !path_range_meets_subtree(range, path, len)))
                return 0;
        if (d_type != DT_DIR) {
                if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        struct fim_entry *e;

                        if (errno == ENOENT || !record)
                                return 0;       /* vanished since readdir, or not ours */
                        e = new_entry(wk, path, len, NULL);
                        if (!e)
                                return -ENOMEM;
                        entry_error(wk, e, negative_errno());
                        return 0;
                }
                if (!S_ISDIR(st.st_mode))
                        return record ? record_child(wk, dirfd, name, path, len, &st) : 0;
                if (dir_left_out(wk->w, path, len))
                        return 0;
        }
        t = task_new(path, len, dir_dev);
        if (!t)
                return -ENOMEM;
        /* Opening it here, relative to the open parent, spares a path lookup from
         * the root later; O_NOFOLLOW keeps it beneath the parent. */
        if (atomic_fetch_add(&wk->w->task_fds, 1) < MAX_TASK_FDS) {
                t->fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                if (t->fd < 0)
                        atomic_fetch_sub(&wk->w->task_fds, 1);
        } else {
                atomic_fetch_sub(&wk->w->task_fds, 1);
        }
        if (!*head)
                *tail = t;
        t->next = *head;
        *head = t;
        (*n_tasks)++;
        return 0;
}

/* Records a path that turned out not to be an openable directory. */
static int record_nondir(struct worker *wk, const char *path, size_t len)
{
        _cleanup_(closep) int parent = -1;
        const char *slash = memrchr(path, '/', len);
        size_t plen = (size_t) (slash - path);
        _cleanup_(freep) char *parent_rel = strndup(path, plen);
        struct stat st;

        if (!parent_rel)
                return -ENOMEM;
        parent = open_beneath(wk->w->rootfd, plen ? parent_rel + 1 : ".", O_PATH | O_DIRECTORY);
        if (parent < 0 || fstatat(parent, slash + 1, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return 0;       /* gone: nothing to record */
        if (S_ISDIR(st.st_mode)) {
                /* Replaced by a directory while we looked: record it, do not chase it. */
                struct fim_entry *e = new_entry(wk, path, len, NULL);

                if (!e)
                        return -ENOMEM;
                fill_stat(e, &st);
                entry_error(wk, e, -ESTALE);
                return 0;
        }
        return record_child(wk, parent, slash + 1, path, len, &st);
}

static int process_dir(struct worker *wk, struct dir_task *task)
{
        struct walker *w = wk->w;
        struct dir_task *head = NULL, *tail = NULL;
        _cleanup_(closep) int fd = -1;
        const struct fim_entry *c, *known = NULL;
        struct fim_entry *e = NULL;
        struct dirent *de;
        struct stat st;
        _cleanup_(freep) char *path = NULL;
        size_t n_tasks = 0;
        bool via_parent = false;
        /* A directory in the range is recorded and listed in full (so whether
         * it can be listed is known where it is recorded); one out of it only
         * listed when something below it is in the range. */
        bool record = path_range_contains(w->opts->range, task->path, task->len);
        DIR *d;
        int r = 0;

        if (task->fd >= 0) {
                fd = TAKE_FD(task->fd);
                atomic_fetch_sub(&w->task_fds, 1);
                via_parent = true;
        } else {
                if (!record && !path_range_meets_subtree(w->opts->range, task->path, task->len))
                        return 0;       /* a prefix with nothing in this range */
                fd = open_beneath(w->rootfd, rel_of(task->path), O_RDONLY | O_DIRECTORY | O_NOCTTY);
        }
        if (fd == -ENOTDIR || fd == -ELOOP)
                return record ? record_nondir(wk, task->path, task->len) : 0;
        if (fd == -ENOENT)
                return 0;
        if (record) {
                e = new_entry(wk, task->path, task->len, &known);
                if (!e)
                        return -ENOMEM;
                e->type = S_IFDIR;
                /* Until it is listed, its children are unknown: a diff must not
                 * call them removed. */
                e->flags |= ENTRY_UNLISTED;
        }
        if (fd < 0) {
                entry_error(wk, e, fd);
                return 0;
        }
        if (fstat(fd, &st) < 0) {
                entry_error(wk, e, negative_errno());
                return 0;
        }
        if (e)
                fill_stat(e, &st);
        /* Opened through its parent a while ago: if it has been moved since
         * (out of the root, say), it is not listed where it went. */
        r = via_parent ? fd_verify_beneath(w->rootfd, rel_of(task->path), fd) : 0;
        if (r < 0) {
                entry_error(wk, e, r);
                return 0;
        }
        c = e ? cache_hit(w, e, known) : NULL;
        if (c) {
                r = take_cached(wk, e, c);
        } else if (e && (w->attrs & ATTR_XATTRS)) {
                r = read_xattrs(wk, fd, e);
                if (r < 0 && r != -ENOMEM) {
                        entry_error(wk, e, r);
                        r = 0;
                }
        }
        if (r < 0)
                return r;
        if (st.st_dev != task->parent_dev && is_pseudo_fs(fd))
                return 0;

        d = fdopendir(fd);
        if (!d) {
                entry_error(wk, e, negative_errno());
                return 0;
        }
        fd = -1;        /* owned by d now */
        /* The children's paths: this one's, '/' and a name (at most 255 bytes). */
        path = malloc(task->len + 1 + sizeof(de->d_name));
        if (!path) {
                closedir(d);
                return -ENOMEM;
        }
        if (e)
                e->flags &= ~ENTRY_UNLISTED;
        memcpy(path, task->path, task->len);
        for (;;) {
                size_t nlen, len;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno && e) {
                                entry_error(wk, e, negative_errno());
                                e->flags |= ENTRY_UNLISTED;
                        }
                        break;
                }
                if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
                        continue;
                if (cancelled(w))
                        break;
                nlen = strlen(de->d_name);
                len = task->len == 1 ? 0 : task->len;
                if (len + 1 + nlen > FIM_PATH_MAX) {
                        /* Past the bound on paths: say so on the directory. */
                        entry_error(wk, e, -ENAMETOOLONG);
                        continue;
                }
                path[len] = '/';
                memcpy(path + len + 1, de->d_name, nlen + 1);
                r = stat_child(wk, dirfd(d), de->d_name, path, len + 1 + nlen, st.st_dev,
                               &head, &tail, &n_tasks, de->d_type);
                if (r < 0)
                        break;
        }
        closedir(d);
        push_tasks(w, head, tail, n_tasks);
        return r;
}

static void *walk_thread(void *arg)
{
        struct worker *wk = arg;
        struct dir_task *t = NULL;

        while ((t = pop_task(wk->w, t))) {
                int r = process_dir(wk, t);

                task_free(t);
                if (r < 0) {
                        set_fatal(wk->w, r);
                        pthread_mutex_lock(&wk->w->lock);
                        pthread_cond_broadcast(&wk->w->cond);
                        pthread_mutex_unlock(&wk->w->lock);
                }
        }
        /* The last pop returned NULL: our previous task (if any) was counted done. */
        return NULL;
}

/* Reads xattrs and content of the regular file e through fd (closed here),
 * whose stat open_regular_*() took: the inode fd refers to. */
static int read_entry_fd(struct worker *wk, struct fim_entry *e, int fd_, const struct stat *stp)
{
        _cleanup_(closep) int fd = fd_;
        struct walker *w = wk->w;
        uint64_t bytes = 0;
        struct stat st;
        int r;

        if (fd < 0) {
                /* ELOOP: a symlink now stands where the file was; ESTALE:
                 * something else that is not a regular file, never opened. */
                entry_error(wk, e, fd == -ELOOP ? -ESTALE : fd);
                return 0;
        }
        st = *stp;
        fill_stat(e, &st);
        if (w->attrs & ATTR_XATTRS) {
                r = read_xattrs(wk, fd, e);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        entry_error(wk, e, r);
        }
        if (w->attrs & ATTR_CONTENT) {
                r = hasher_begin(wk->hasher);
                if (r >= 0 && w->opts->content_prefix)
                        r = w->opts->content_prefix(e, wk->hasher, w->opts->userdata);
                if (r >= 0)
                        r = hasher_feed_fd(wk->hasher, fd, (uint64_t) st.st_size, w->opts->cancel, &bytes);
                if (r >= 0)
                        r = hasher_end(wk->hasher, e->sha256);
                if (r < 0) {
                        entry_error(wk, e, r);
                        return 0;
                }
                e->flags |= ENTRY_HAS_HASH | ENTRY_HASHED_NOW;
                e->size = bytes;
                wk->hashed++;
                wk->bytes += bytes;
                if (w->opts->progress) {
                        atomic_fetch_add_explicit(&w->opts->progress->hashed, 1, memory_order_relaxed);
                        atomic_fetch_add_explicit(&w->opts->progress->bytes, bytes, memory_order_relaxed);
                }
        }
        return 0;
}

static int read_entry(struct worker *wk, struct fim_entry *e)
{
        struct stat st;
        int fd = open_regular_beneath(wk->w->rootfd, rel_of(e->path), &st);

        return read_entry_fd(wk, e, fd, &st);
}

static void *read_thread(void *arg)
{
        struct worker *wk = arg;
        struct walker *w = wk->w;

        for (;;) {
                size_t i = atomic_fetch_add(&w->next_read, 1);
                int r;

                if (i >= w->n_to_read || cancelled(w))
                        break;
                r = read_entry(wk, &w->tree->entries[w->to_read[i]]);
                if (r < 0) {
                        set_fatal(w, r);
                        break;
                }
        }
        return NULL;
}

static int by_size_desc(const void *x, const void *y, void *tree)
{
        const struct fim_entry *a = &((struct fim_tree *) tree)->entries[*(const size_t *) x];
        const struct fim_entry *b = &((struct fim_tree *) tree)->entries[*(const size_t *) y];

        return a->size < b->size ? 1 : a->size > b->size ? -1 : 0;
}

static char *normalize_prefix(const char *p)
{
        size_t n = strlen(p), i, o = 0;
        char *out = malloc(n + 2);

        if (!out)
                return NULL;
        out[o++] = '/';
        for (i = 0; i < n; i++) {
                if (p[i] == '/' && (o > 0 && out[o - 1] == '/'))
                        continue;
                out[o++] = p[i];
        }
        while (o > 1 && out[o - 1] == '/')
                o--;
        out[o] = '\0';
        return out;
}

static void workers_release(struct worker *wks, unsigned n)
{
        unsigned i;

        for (i = 0; i < n; i++) {
                fim_tree_free(wks[i].local);
                hasher_free(wks[i].hasher);
                xattr_scratch_release(&wks[i].xattrs);
        }
        free(wks);
}

void walk_stats_add(struct walk_stats *sum, const struct walk_stats *s)
{
        sum->entries += s->entries;
        sum->hashed += s->hashed;
        sum->cached += s->cached;
        sum->bytes_hashed += s->bytes_hashed;
        sum->errors += s->errors;
        sum->over_limit += s->over_limit;
        sum->too_deep += s->too_deep;
        sum->skipped += s->skipped;
}

void walk_range_done(void)
{
#ifdef __GLIBC__
        /* Also returns free pages inside the heap and the threads' arenas. */
        (void) malloc_trim(0);
#endif
}

/* The normalised prefix i into *ret, or NULL there when another prefix
 * covers it (a prefix inside another one is walked once) or when it is
 * longer than any entry's path may be. */
static int seed_at(char *const *prefixes, size_t n_prefixes, size_t i, char **ret)
{
        _cleanup_(freep) char *p = normalize_prefix(prefixes[i]);

        if (!p)
                return -ENOMEM;
        if (path_has_dotdot(p))
                return -EINVAL;
        if (strlen(p) > FIM_PATH_MAX) {
                *ret = NULL;    /* nothing there can be recorded */
                return 0;
        }
        for (size_t j = 0; j < n_prefixes; j++) {
                _cleanup_(freep) char *q = j == i ? NULL : normalize_prefix(prefixes[j]);

                if (q && path_has_prefix(p, strlen(p), q) && (strcmp(p, q) != 0 || j < i)) {
                        *ret = NULL;
                        return 0;
                }
        }
        *ret = TAKE_PTR(p);
        return 0;
}

static int seed_prefixes(struct walker *w, char *const *prefixes, size_t n_prefixes)
{
        struct dir_task *head = NULL, *tail = NULL;
        size_t i, n = 0;
        int r;

        for (i = 0; i < n_prefixes; i++) {
                _cleanup_(freep) char *p = NULL;
                struct dir_task *t;

                r = seed_at(prefixes, n_prefixes, i, &p);
                if (r < 0)
                        return r;
                if (!p)
                        continue;
                t = task_new(p, strlen(p), (dev_t) -1);
                if (!t)
                        return -ENOMEM;
                if (!head)
                        tail = t;
                t->next = head;
                head = t;
                n++;
        }
        push_tasks(w, head, tail, n);
        return 0;
}

/* The plan: names in path order. A directory's children sort by name, except
 * that everything below child "n" sorts as "n/": "/a", "/a-b", "/a/x". */
struct plan_item {
        char *key;                      /* a name, or a name and '/' for what lies below it */
        size_t len;
};

/* A directory being planned: its names in path order and the next to take.
 * Kept on a heap stack, not the C stack: a tree may be thousands deep. */
struct plan_level {
        struct plan_item *items;
        size_t n, next;
        struct arena names;
        dev_t dev;
        size_t base;                    /* its path's length in planner.path; 0 for "/" */
};

struct planner {
        int rootfd;
        size_t per, count;
        struct walk_progress *progress; /* NULL, or counts entries and bytes */
        const volatile sig_atomic_t *cancel;
        struct path_cuts *cuts;
        char *path;                     /* FIM_PATH_MAX + 1 bytes */
        struct plan_level *levels;
        size_t depth, cap;
};

static int plan_item_cmp(const void *x, const void *y)
{
        const struct plan_item *a = x, *b = y;

        return path_compare(a->key, a->len, b->key, b->len);
}

static int plan_count(struct planner *pl, size_t len)
{
        if (pl->progress)
                atomic_fetch_add_explicit(&pl->progress->total_entries, 1, memory_order_relaxed);
        if (pl->count++ % pl->per != 0 || pl->count == 1)
                return 0;
        return path_cuts_add(pl->cuts, pl->path, len);
}

static void plan_pop(struct planner *pl)
{
        struct plan_level *l = &pl->levels[--pl->depth];

        free(l->items);
        arena_release(&l->names);
}

static void planner_release(struct planner *pl)
{
        while (pl->depth > 0)
                plan_pop(pl);
        free(pl->levels);
        free(pl->path);
}

/* Lists the directory pl->path[0, len) onto the stack of levels, its names
 * sorted; nothing when it cannot be listed (a walk would record nothing below). */
static int plan_push(struct planner *pl, size_t len, dev_t parent_dev)
{
        _cleanup_(closep) int fd = -1;
        struct plan_level *l;
        struct dirent *de;
        struct stat st;
        size_t cap = 0;
        DIR *d;
        int r = 0;

        pl->path[len] = '\0';
        fd = open_beneath(pl->rootfd, rel_of(pl->path), O_RDONLY | O_DIRECTORY | O_NOCTTY);
        if (fd < 0 || fstat(fd, &st) < 0 || (st.st_dev != parent_dev && is_pseudo_fs(fd)))
                return 0;
        if (pl->depth == pl->cap) {
                size_t ncap = pl->cap ? pl->cap * 2 : 16;
                struct plan_level *g = reallocarray(pl->levels, ncap, sizeof(*g));

                if (!g)
                        return -ENOMEM;
                pl->levels = g;
                pl->cap = ncap;
        }
        d = fdopendir(fd);
        if (!d)
                return 0;
        fd = -1;
        l = &pl->levels[pl->depth++];
        *l = (struct plan_level) { .dev = st.st_dev, .base = len == 1 ? 0 : len };
        arena_init(&l->names);
        while ((de = readdir(d))) {
                size_t nlen = strlen(de->d_name);
                bool dir = de->d_type == DT_DIR;
                struct stat cst;

                if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
                        continue;
                if (l->base + 1 + nlen > FIM_PATH_MAX)
                        continue;
                if (de->d_type == DT_UNKNOWN)
                        dir = fstatat(dirfd(d), de->d_name, &cst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(cst.st_mode);
                /* Only for a progress line: the bytes the walk will hash. */
                if (pl->progress && (de->d_type == DT_REG || de->d_type == DT_UNKNOWN) &&
                    fstatat(dirfd(d), de->d_name, &cst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(cst.st_mode))
                        atomic_fetch_add_explicit(&pl->progress->total_bytes, (unsigned long long) cst.st_size,
                                                  memory_order_relaxed);
                if (l->n + 2 > cap) {
                        struct plan_item *g = reallocarray(l->items, cap ? cap * 2 : 64, sizeof(*g));

                        if (!g) {
                                r = -ENOMEM;
                                break;
                        }
                        l->items = g;
                        cap = cap ? cap * 2 : 64;
                }
                l->items[l->n].key = arena_alloc(&l->names, nlen + 1);
                if (!l->items[l->n].key) {
                        r = -ENOMEM;
                        break;
                }
                memcpy(l->items[l->n].key, de->d_name, nlen);
                l->items[l->n].key[nlen] = '/';
                l->items[l->n++].len = nlen;
                if (dir) {
                        l->items[l->n] = (struct plan_item) { l->items[l->n - 1].key, nlen + 1 };
                        l->n++;
                }
        }
        closedir(d);
        if (r < 0)
                return r;
        if (l->n > 1)
                qsort(l->items, l->n, sizeof(*l->items), plan_item_cmp);
        return 0;
}

/* Counts the prefix pl->path[0, len) and what lies below it, in path order. */
static int plan_prefix(struct planner *pl, size_t len)
{
        int r;

        r = plan_count(pl, len);
        r = r ?: plan_push(pl, len, (dev_t) -1);
        while (r >= 0 && pl->depth > 0) {
                struct plan_level *l = &pl->levels[pl->depth - 1];
                const struct plan_item *it;
                size_t nlen, base = l->base;
                bool below;

                if (l->next == l->n) {
                        plan_pop(pl);
                        continue;
                }
                if (pl->cancel && *pl->cancel)
                        return -ECANCELED;
                it = &l->items[l->next++];
                below = it->key[it->len - 1] == '/';
                nlen = it->len - below;
                pl->path[base] = '/';
                memcpy(pl->path + base + 1, it->key, nlen);
                r = below ? plan_push(pl, base + 1 + nlen, l->dev) : plan_count(pl, base + 1 + nlen);
        }
        return r;
}

static void place_store(struct walk_progress *p, const char *s, size_t n)
{
        unsigned unlocked = 0;

        if (n > sizeof(p->place) - 1)
                n = sizeof(p->place) - 1;
        while (!atomic_compare_exchange_weak(&p->place_lock, &unlocked, 1))
                unlocked = 0;
        memcpy(p->place, s, n);
        p->place[n] = '\0';
        atomic_store(&p->place_lock, 0);
}

void walk_progress_set_place(struct walk_progress *p, const char *path)
{
        size_t n = path[0] == '/' ? 1 + strcspn(path + 1, "/") : strcspn(path, "/");

        place_store(p, path, n);
}

void walk_progress_get_place(struct walk_progress *p, char *buf, size_t n)
{
        unsigned unlocked = 0;

        while (!atomic_compare_exchange_weak(&p->place_lock, &unlocked, 1))
                unlocked = 0;
        snprintf(buf, n, "%s", p->place);
        atomic_store(&p->place_lock, 0);
}

/* The place a walk shows: the top directory where its range starts, or every
 * prefix when it walks them whole. */
static void progress_place(struct walk_progress *p, const struct path_range *range, char *const *prefixes,
                           size_t n_prefixes)
{
        char all[sizeof(p->place)];
        size_t n = 0;

        if (range && range->lo) {
                walk_progress_set_place(p, range->lo);
                return;
        }
        for (size_t i = 0; i < n_prefixes && n < sizeof(all) - 1; i++)
                n += (size_t) snprintf(all + n, sizeof(all) - n, "%s%s", i ? " " : "", prefixes[i]);
        place_store(p, all, n < sizeof(all) ? n : sizeof(all) - 1);
}

int fim_walk_plan(const char *root, char *const *prefixes, size_t n_prefixes, size_t per_range,
                  struct walk_progress *progress, const volatile sig_atomic_t *cancel, struct path_cuts *ret)
{
        static char *const everything[] = { "/" };
        _cleanup_(path_cuts_release) struct path_cuts cuts = { 0 };
        _cleanup_(planner_release) struct planner pl = { .per = per_range ? per_range : 1, .cancel = cancel,
                                                         .cuts = &cuts };
        _cleanup_(closep) int rootfd = -1;
        int r;

        if (n_prefixes == 0) {
                prefixes = everything;
                n_prefixes = 1;
        }
        rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return negative_errno();
        pl.rootfd = rootfd;
        if (progress && atomic_load(&progress->wanted)) {
                pl.progress = progress;
                atomic_store(&progress->total_entries, 0);
                atomic_store(&progress->total_bytes, 0);
                atomic_store(&progress->phase, WALK_PHASE_PLAN);
        }
        pl.path = malloc(FIM_PATH_MAX + 1);
        if (!pl.path)
                return -ENOMEM;
        for (size_t i = 0; i < n_prefixes; i++) {
                _cleanup_(freep) char *p = NULL;
                size_t len;

                r = seed_at(prefixes, n_prefixes, i, &p);
                if (r < 0)
                        return r;
                if (!p)
                        continue;
                len = strlen(p);
                if (pl.progress)
                        walk_progress_set_place(pl.progress, p);
                memcpy(pl.path, p, len);
                r = plan_prefix(&pl, len);
                if (r < 0)
                        return r;
        }
        /* Prefixes are planned one after the other: their cuts interleave. */
        path_cuts_sort(&cuts);
        *ret = cuts;
        cuts = (struct path_cuts) { 0 };
        return 0;
}

int fim_walk(const char *root, char *const *prefixes, size_t n_prefixes,
             const struct walk_opts *opts, struct fim_tree **ret, struct walk_stats *ret_stats)
{
        static char *const everything[] = { "/" };
        _cleanup_(fim_tree_freep) struct fim_tree *tree = NULL;
        _cleanup_(closep) int rootfd = -1;
        struct walker w = { .opts = opts };
        struct worker *wks;
        struct walk_stats stats = { 0 };
        unsigned n_threads = opts->threads, i, biggest = 0;
        size_t total = 0, k;
        int r;

        n_threads = workers_count(n_threads);
        if (n_prefixes == 0) {
                prefixes = everything;
                n_prefixes = 1;
        }
        w.attrs = opts->attrs ? opts->attrs : ATTR_ALL_LIVE;
        if (opts->progress) {
                atomic_store(&opts->progress->phase, WALK_PHASE_METADATA);
                if (atomic_load(&opts->progress->wanted))
                        progress_place(opts->progress, opts->range, prefixes, n_prefixes);
        }

        rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return negative_errno();
        w.rootfd = rootfd;

        if (opts->cache && !opts->full) {
                r = fim_index_build(opts->cache, &w.cache_index);
                if (r < 0)
                        return r;
        }
        wks = calloc(n_threads, sizeof(*wks));
        if (!wks) {
                fim_index_release(&w.cache_index);
                return -ENOMEM;
        }
        for (i = 0; i < n_threads; i++) {
                wks[i].w = &w;
                r = xattr_scratch_init(&wks[i].xattrs);
                if (r >= 0)
                        r = fim_tree_new(&wks[i].local);
                if (r >= 0)
                        r = hasher_new(&wks[i].hasher);
                if (r >= 0 && opts->progress)
                        hasher_set_progress(wks[i].hasher, &opts->progress->done_bytes);
                /* With a cache the tree's size is known: reserve it up front (large
                 * allocations are mapped lazily, so only what is used is paid for)
                 * instead of growing by copies. */
                if (r >= 0 && opts->cache && opts->cache->n > 1024) {
                        wks[i].local->entries = malloc(opts->cache->n * 5 / 4 * sizeof(struct fim_entry));
                        if (wks[i].local->entries)
                                wks[i].local->cap = opts->cache->n * 5 / 4;
                }
                if (r < 0) {
                        workers_release(wks, n_threads);
                        fim_index_release(&w.cache_index);
                        return -ENOMEM;
                }
        }
        pthread_mutex_init(&w.lock, NULL);
        pthread_cond_init(&w.cond, NULL);

        r = seed_prefixes(&w, prefixes, n_prefixes);
        /* No directory to descend into (every prefix missing, or a file):
         * the calling thread alone, none started. */
        if (r >= 0)
                r = workers_run(w.pending > 0 ? n_threads : 1, walk_thread, wks, sizeof(*wks));
        while (w.stack) {
                struct dir_task *t = w.stack;

                w.stack = t->next;
                task_free(t);
        }
        if (r >= 0)
                r = atomic_load(&w.fatal);
        if (r >= 0 && opts->cancel && *opts->cancel)
                r = -ECANCELED;

        /* Gather every worker's entries into one tree: the largest array grows
         * to take the others, each freed as soon as it is copied, so the walk
         * never holds two copies of every entry. */
        if (r >= 0)
                r = fim_tree_new(&tree);
        for (i = 0; r >= 0 && i < n_threads; i++) {
                total += wks[i].local->n;
                if (wks[i].local->n > wks[biggest].local->n)
                        biggest = i;
        }
        if (r >= 0 && total > 0) {
                struct fim_tree *b = wks[biggest].local;
                struct fim_entry *grown = realloc(b->entries, total * sizeof(*grown));

                if (!grown) {
                        r = -ENOMEM;
                } else {
                        tree->entries = grown;
                        tree->n = b->n;
                        tree->cap = total;
                        b->entries = NULL;
                        b->n = b->cap = 0;
                }
        }
        for (i = 0; r >= 0 && i < n_threads; i++) {
                struct fim_tree *l = wks[i].local;

                if (l->n)
                        memcpy(tree->entries + tree->n, l->entries, l->n * sizeof(*l->entries));
                tree->n += l->n;
                free(l->entries);
                l->entries = NULL;
                l->n = l->cap = 0;
                arena_merge(&tree->arena, &l->arena);
        }

        /* Read pass: content and xattrs of the regular files that need it. */
        if (r >= 0) {
                for (k = 0; k < tree->n; k++)
                        if (tree->entries[k].flags & ENTRY_NEEDS_READ)
                                w.n_to_read++;
                if (w.n_to_read) {
                        w.to_read = malloc(w.n_to_read * sizeof(*w.to_read));
                        if (!w.to_read)
                                r = -ENOMEM;
                }
        }
        if (r >= 0 && w.n_to_read) {
                size_t j = 0;

                for (k = 0; k < tree->n; k++)
                        if (tree->entries[k].flags & ENTRY_NEEDS_READ) {
                                tree->entries[k].flags &= ~ENTRY_NEEDS_READ;
                                w.to_read[j++] = k;
                        }
                qsort_r(w.to_read, w.n_to_read, sizeof(*w.to_read), by_size_desc, tree);
                if (opts->progress) {
                        /* The progress bar now counts the large files left. */
                        atomic_store(&opts->progress->hashed, 0);
                        atomic_store(&opts->progress->hash_total, w.n_to_read);
                        atomic_store(&opts->progress->phase, WALK_PHASE_HASHING);
                }
                w.tree = tree;
                r = workers_run((unsigned) MIN((size_t) n_threads, w.n_to_read), read_thread, wks, sizeof(*wks));
                if (r >= 0)
                        r = atomic_load(&w.fatal);
                if (r >= 0 && opts->cancel && *opts->cancel)
                        r = -ECANCELED;
                for (i = 0; i < n_threads; i++)
                        arena_merge(&tree->arena, &wks[i].local->arena);
        }
        free(w.to_read);

        for (i = 0; i < n_threads; i++) {
                stats.hashed += wks[i].hashed;
                stats.cached += wks[i].cached;
                stats.bytes_hashed += wks[i].bytes;
                stats.errors += wks[i].errors;
        }
        stats.over_limit = atomic_load(&w.over_limit);
        stats.too_deep = atomic_load(&w.too_deep);
        stats.skipped = atomic_load(&w.skipped);
        workers_release(wks, n_threads);
        fim_index_release(&w.cache_index);
        pthread_mutex_destroy(&w.lock);
        pthread_cond_destroy(&w.cond);
        if (r < 0)
                return r;

        fim_tree_sort(tree);
        tree->attrs = w.attrs;
        if (w.attrs & ATTR_LINK) {
                r = fim_tree_link_groups(tree, opts->links);
                if (r < 0)
                        return r;
        }
        stats.entries = tree->n;
        if (ret_stats)
                *ret_stats = stats;
        *ret = TAKE_PTR(tree);
        return 0;
}
