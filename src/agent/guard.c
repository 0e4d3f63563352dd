/* The agent's watch over its own files; see guard.h and docs/agent.md.
 *
 * inotify watches directories, not the files: a file replaced by a rename
 * (how editors and package managers write) is a new inode the old watch
 * would not see. Each watched directory reports events on its entries by
 * name; the names the agent guards are marked and compared once their
 * events settled (AGENT_GUARD_SETTLE_MS).
 *
 * inotify does not say who wrote, and the agent writes its database all the
 * time: a second group, fanotify's, watches agent.db and its WAL for writes
 * and reports the writer's pid, so bytes written into them by another process
 * (not through SQLite) are seen too. The group is made before the agent drops
 * its capabilities when it can be (it then reports every writer's pid; one
 * made without CAP_SYS_ADMIN reports 0 for another process's, the agent's own
 * all the same). One epoll descriptor stands for both. */
#define _GNU_SOURCE
#include "agent/guard.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/sha256.h"

#define GUARD_MAX_DIRS 16
/* A digest reads at most this much of a file (a binary, a configuration). */
#define GUARD_DIGEST_MAX ((uint64_t) 1 << 30)
#define DIR_MASK (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | \
                  IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)

struct guard_file {
        char *path;
        const char *name;       /* in path: the entry's name in its directory */
        int dir;                /* index into dirs */
        enum agent_guard_kind kind;
        bool exists, digest_known;
        struct stat st;
        uint8_t sha256[SHA256_LEN];
        bool pending;
        uint64_t marked_ms;
        bool fan_marked;        /* agent.db and its WAL: fanotify watches writes to this inode */
        ino_t fan_ino;
};

struct guard_dir {
        char *path;
        int wd;
        bool rules;             /* a rules directory: new *.yaml are guarded too */
};

struct agent_guard {
        int fd;                 /* epoll: ino and fan */
        int ino, fan;
        pid_t self;
        bool foreign;           /* another process wrote agent.db or its WAL (fanotify) */
        uint64_t foreign_ms;
        struct agent_guard_writer writer;
        struct guard_dir dirs[GUARD_MAX_DIRS];
        size_t n_dirs;
        struct guard_file files[AGENT_GUARD_MAX_FILES];
        size_t n_files;
        struct hasher *hasher;
        bool db_written;
};

static const char *const kind_names[_GUARD_KIND_MAX] = {
        [GUARD_BINARY] = "binary",
        [GUARD_CONFIG] = "configuration",
        [GUARD_RULES] = "rules",
        [GUARD_STATE] = "state",
};

const char *agent_guard_kind_name(enum agent_guard_kind k)
{
        return k < _GUARD_KIND_MAX ? kind_names[k] : NULL;
}

static int poll_add(int epfd, int fd)
{
        struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

        return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int agent_guard_new(struct agent_guard **ret, int *ret_fanotify_error)
{
        _cleanup_(agent_guard_freep) struct agent_guard *g = calloc(1, sizeof(*g));
        int r;

        if (!g)
                return -ENOMEM;
        g->fd = g->ino = g->fan = -1;
        g->self = getpid();
        g->fd = epoll_create1(EPOLL_CLOEXEC);
        if (g->fd < 0)
                return -errno;
        g->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (g->ino < 0)
                return -errno;
        r = poll_add(g->fd, g->ino);
        if (r < 0)
                return r;
        /* File handles, not descriptors: nothing is opened for an event, and
         * an unprivileged group may only be made so. */
        g->fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_CLOEXEC);
        *ret_fanotify_error = g->fan < 0 ? -errno : 0;
        if (g->fan >= 0) {
                r = poll_add(g->fd, g->fan);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(g);
        return 0;
}

struct agent_guard *agent_guard_free(struct agent_guard *g)
{
        if (!g)
                return NULL;
        for (size_t i = 0; i < g->n_files; i++)
                free(g->files[i].path);
        for (size_t i = 0; i < g->n_dirs; i++)
                free(g->dirs[i].path);
        hasher_free(g->hasher);
        if (g->fan >= 0)
                close(g->fan);
        if (g->ino >= 0)
                close(g->ino);
        if (g->fd >= 0)
                close(g->fd);
        free(g);
        return NULL;
}

int agent_guard_fd(const struct agent_guard *g)
{
        return g->fd;
}

static int dir_watch(struct agent_guard *g, const char *path, bool rules)
{
        int wd;

        for (size_t i = 0; i < g->n_dirs; i++)
                if (strcmp(g->dirs[i].path, path) == 0) {
                        g->dirs[i].rules |= rules;
                        return (int) i;
                }
        if (g->n_dirs >= GUARD_MAX_DIRS)
                return -E2BIG;
        wd = inotify_add_watch(g->ino, path, DIR_MASK);
        if (wd < 0)
                return -errno;
        g->dirs[g->n_dirs] = (struct guard_dir) { .path = strdup(path), .wd = wd, .rules = rules };
        if (!g->dirs[g->n_dirs].path)
                return -ENOMEM;
        return (int) g->n_dirs++;
}

/* The SHA-256 of a regular file, opened without following a FIFO's open. */
static int digest(struct agent_guard *g, const char *path, uint8_t out[SHA256_LEN])
{
        _cleanup_(closep) int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        int r;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if (!g->hasher) {
                r = hasher_new(&g->hasher);
                if (r < 0)
                        return r;
        }
        return hasher_fd(g->hasher, fd, MIN((uint64_t) st.st_size, GUARD_DIGEST_MAX), NULL, out, NULL);
}

/* The file's state now: *exists false when it is gone. */
static void take(struct agent_guard *g, struct guard_file *f)
{
        f->exists = stat(f->path, &f->st) == 0;
        f->digest_known = f->exists && f->kind != GUARD_STATE && digest(g, f->path, f->sha256) >= 0;
}

static int file_add(struct agent_guard *g, const char *dir, const char *name, enum agent_guard_kind kind,
                    bool rules_dir, struct guard_file **ret)
{
        struct guard_file *f;
        int d;

        if (g->n_files >= AGENT_GUARD_MAX_FILES)
                return -E2BIG;
        d = dir_watch(g, dir, rules_dir);
        if (d < 0)
                return d;
        f = &g->files[g->n_files];
        *f = (struct guard_file) { .dir = d, .kind = kind };
        if (asprintf(&f->path, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, name) < 0) {
                f->path = NULL;
                return -ENOMEM;
        }
        f->name = strrchr(f->path, '/') + 1;
        g->n_files++;
        if (ret)
                *ret = f;
        return 0;
}

int agent_guard_add_file(struct agent_guard *g, const char *path, enum agent_guard_kind kind)
{
        _cleanup_(freep) char *dir = NULL;
        const char *slash = strrchr(path, '/');
        struct guard_file *f;
        int r;

        if (access(path, F_OK) < 0)
                return -errno;
        if (!slash)
                dir = strdup(".");
        else
                dir = slash == path ? strdup("/") : strndup(path, (size_t) (slash - path));
        if (!dir)
                return -ENOMEM;
        for (size_t i = 0; i < g->n_files; i++)
                if (strcmp(g->files[i].path, path) == 0)
                        return 0;
        r = file_add(g, dir, slash ? slash + 1 : path, kind, false, &f);
        if (r < 0)
                return r;
        take(g, f);
        return 0;
}

static bool yaml_name(const char *name)
{
        size_t n = strlen(name);

        return n > 5 && name[0] != '.' && strcmp(name + n - 5, ".yaml") == 0;
}

static struct guard_file *file_find(struct agent_guard *g, int dir, const char *name)
{
        for (size_t i = 0; i < g->n_files; i++)
                if (g->files[i].dir == dir && strcmp(g->files[i].name, name) == 0)
                        return &g->files[i];
        return NULL;
}

int agent_guard_add_rules_dir(struct agent_guard *g, const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        int r;

        if (!d)
                return -errno;
        r = dir_watch(g, dir, true);
        while (r >= 0 && (de = readdir(d))) {
                struct guard_file *f;

                if (!yaml_name(de->d_name) || file_find(g, r, de->d_name))
                        continue;
                if (file_add(g, dir, de->d_name, GUARD_RULES, true, &f) < 0) {
                        closedir(d);
                        return -E2BIG;
                }
                take(g, f);
        }
        closedir(d);
        return r < 0 ? r : 0;
}

/* agent.db and its WAL hold the data; -shm is an index of the WAL that every
 * reader writes (through a shared mapping, which no notification sees). */
static bool db_file(const struct guard_file *f)
{
        return f->kind == GUARD_STATE && (strcmp(f->name, "agent.db") == 0 || strcmp(f->name, "agent.db-wal") == 0);
}

/* fanotify's watch on a database file's current inode (the mark is the
 * inode's: a file replaced is marked again). Stats the path itself: what
 * the guard took of the file stays as it was for compare(). */
static void fan_mark(struct agent_guard *g, struct guard_file *f)
{
        struct stat st;

        if (g->fan < 0 || !db_file(f) || lstat(f->path, &st) < 0 || !S_ISREG(st.st_mode) ||
            (f->fan_marked && f->fan_ino == st.st_ino))
                return;
        if (fanotify_mark(g->fan, FAN_MARK_ADD | FAN_MARK_DONT_FOLLOW, FAN_MODIFY, AT_FDCWD, f->path) == 0) {
                f->fan_marked = true;
                f->fan_ino = st.st_ino;
        }
}

int agent_guard_add_state(struct agent_guard *g, const char *dir)
{
        static const char *const names[] = { "agent.db", "agent.db-wal", "agent.db-shm", "agent.lock" };

        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                struct guard_file *f;
                int r = file_add(g, dir, names[i], GUARD_STATE, false, &f);

                if (r < 0)
                        return r;
                take(g, f);
                fan_mark(g, f);
        }
        return 0;
}

static void mark(struct guard_file *f, uint64_t now_ms)
{
        if (!f->pending)
                f->marked_ms = now_ms;
        f->pending = true;
}

static void on_event(struct agent_guard *g, const struct inotify_event *ev, uint64_t now_ms)
{
        int d = -1;

        if (ev->mask & IN_Q_OVERFLOW) {
                for (size_t i = 0; i < g->n_files; i++)
                        mark(&g->files[i], now_ms);
                g->db_written = true;
                return;
        }
        for (size_t i = 0; i < g->n_dirs; i++)
                if (g->dirs[i].wd == ev->wd)
                        d = (int) i;
        if (d < 0)
                return;
        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)) {
                /* the directory itself went: each of its files is looked at by path */
                for (size_t i = 0; i < g->n_files; i++)
                        if (g->files[i].dir == d)
                                mark(&g->files[i], now_ms);
                return;
        }
        if (!ev->len || !ev->name[0])
                return;
        struct guard_file *f = file_find(g, d, ev->name);

        if (!f && g->dirs[d].rules && yaml_name(ev->name) &&
            file_add(g, g->dirs[d].path, ev->name, GUARD_RULES, true, &f) < 0)
                f = NULL;       /* past the cap: what is guarded stays guarded */
        if (!f)
                return;
        if (db_file(f) && (ev->mask & (IN_CREATE | IN_MOVED_TO)))
                fan_mark(g, f);         /* a new inode under the name: its writes watched too */
        if (f->kind == GUARD_STATE && (ev->mask & (IN_MODIFY | IN_CLOSE_WRITE))) {
                /* the agent's own writes: the caller checks who committed */
                if (db_file(f))
                        g->db_written = true;
                if (strcmp(f->name, "agent.db") != 0)
                        return;         /* only agent.db's size is compared: it never shrinks */
        }
        mark(f, now_ms);
}

/* A write by another process than the agent: the first of those that settle
 * together is the one named. */
static void on_fan_event(struct agent_guard *g, const struct fanotify_event_metadata *m, uint64_t now_ms)
{
        _cleanup_(closep) int fd = -1;
        char path[64];
        ssize_t n;

        if (m->vers != FANOTIFY_METADATA_VERSION || !(m->mask & FAN_MODIFY) || m->pid == g->self || g->foreign)
                return;
        g->foreign = true;
        g->foreign_ms = now_ms;
        g->writer = (struct agent_guard_writer) { .pid = m->pid };
        if (m->pid <= 0)
                return;
        /* comm is readable without ptrace access; the process may be gone */
        snprintf(path, sizeof(path), "/proc/%d/comm", (int) m->pid);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 || (n = read(fd, g->writer.name, sizeof(g->writer.name) - 1)) <= 0)
                return;
        g->writer.name[n] = '\0';
        g->writer.name[strcspn(g->writer.name, "\n")] = '\0';
}

/* Events with file handles are of any length: the next one's metadata may
 * be misaligned, so each is copied out before it is read. */
static void fan_events(struct agent_guard *g, const char *buf, size_t n, uint64_t now_ms)
{
        struct fanotify_event_metadata m;

        for (size_t off = 0; n - off >= sizeof(m); off += m.event_len) {
                memcpy(&m, buf + off, sizeof(m));
                if (m.event_len < sizeof(m) || m.event_len > n - off)
                        return;
                on_fan_event(g, &m, now_ms);
        }
}

static void ino_events(struct agent_guard *g, const char *buf, size_t n, uint64_t now_ms)
{
        for (const char *p = buf; p < buf + n;) {
                const struct inotify_event *ev = (const struct inotify_event *) (const void *) p;

                on_event(g, ev, now_ms);
                p += sizeof(*ev) + ev->len;
        }
}

/* Reads fd (non-blocking) until it has nothing, each read's events to fn. */
static int drain(struct agent_guard *g, int fd, uint64_t now_ms,
                 void (*fn)(struct agent_guard *g, const char *buf, size_t n, uint64_t now_ms))
{
        char buf[16384] __attribute__((aligned(8)));

        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return 0;
                if (n <= 0)
                        return n < 0 ? -errno : -EIO;
                fn(g, buf, (size_t) n, now_ms);
        }
}

int agent_guard_read(struct agent_guard *g, uint64_t now_ms)
{
        /* fanotify first: a write both groups saw has its writer known when
         * the caller looks at what inotify said */
        int r = g->fan >= 0 ? drain(g, g->fan, now_ms, fan_events) : 0;

        return r < 0 ? r : drain(g, g->ino, now_ms, ino_events);
}

uint64_t agent_guard_deadline(const struct agent_guard *g)
{
        uint64_t t = UINT64_MAX;

        for (size_t i = 0; i < g->n_files; i++)
                if (g->files[i].pending)
                        t = MIN(t, g->files[i].marked_ms + AGENT_GUARD_SETTLE_MS);
        if (g->foreign)
                t = MIN(t, g->foreign_ms + AGENT_GUARD_SETTLE_MS);
        return t;
}

bool agent_guard_take_foreign_write(struct agent_guard *g, uint64_t now_ms, bool at_once,
                                    struct agent_guard_writer *ret)
{
        if (!g->foreign || (!at_once && now_ms < g->foreign_ms + AGENT_GUARD_SETTLE_MS))
                return false;
        g->foreign = false;
        *ret = g->writer;
        return true;
}

bool agent_guard_take_db_written(struct agent_guard *g)
{
        bool w = g->db_written;

        g->db_written = false;
        return w;
}

struct values {
        char v[6][2][80];
};

static void add(struct agent_guard_change *c, struct values *v, const char *attr, const char *fmt_before,
                const char *fmt_after)
{
        size_t i = c->n_changed;

        if (i >= ARRAY_SIZE(c->changed))
                return;
        c->changed[i] = attr;
        c->before[i] = fmt_before ? snprintf(v->v[i][0], sizeof(v->v[i][0]), "%s", fmt_before), v->v[i][0] : NULL;
        c->after[i] = fmt_after ? snprintf(v->v[i][1], sizeof(v->v[i][1]), "%s", fmt_after), v->v[i][1] : NULL;
        c->n_changed++;
}

static void hex(const uint8_t *p, char out[2 * SHA256_LEN + 1])
{
        for (size_t i = 0; i < SHA256_LEN; i++)
                snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void number(char out[32], bool octal, unsigned long long v)
{
        if (octal)
                snprintf(out, 32, "%04llo", v);
        else
                snprintf(out, 32, "%llu", v);
}

/* One file compared with what was taken: *c filled when it changed. */
static bool compare(struct guard_file *f, const struct guard_file *now, struct agent_guard_change *c, struct values *v)
{
        char b[2 * SHA256_LEN + 1], a[2 * SHA256_LEN + 1], nb[32], na[32];

        *c = (struct agent_guard_change) { .path = f->path, .kind = f->kind, .type = "change" };
        if (f->exists && !now->exists) {
                c->type = "deletion";
                c->what = "removed";
                return true;
        }
        if (!f->exists && now->exists) {
                c->type = "creation";
                c->what = "created";
        }
        if (!f->exists || !now->exists)
                return now->exists;
        if (f->st.st_ino != now->st.st_ino || f->st.st_dev != now->st.st_dev) {
                number(nb, false, (unsigned long long) f->st.st_ino);
                number(na, false, (unsigned long long) now->st.st_ino);
                add(c, v, "inode", nb, na);
                c->what = "replaced";
        }
        if (f->digest_known && now->digest_known && memcmp(f->sha256, now->sha256, SHA256_LEN) != 0) {
                hex(f->sha256, b);
                hex(now->sha256, a);
                add(c, v, "sha256", b, a);
                c->what = c->what ?: "content changed";
        }
        if ((f->st.st_mode & 07777) != (now->st.st_mode & 07777)) {
                number(nb, true, (unsigned long long) (f->st.st_mode & 07777));
                number(na, true, (unsigned long long) (now->st.st_mode & 07777));
                add(c, v, "mode", nb, na);
                c->what = c->what ?: "mode changed";
        }
        if (f->st.st_uid != now->st.st_uid || f->st.st_gid != now->st.st_gid) {
                number(nb, false, (unsigned long long) f->st.st_uid);
                number(na, false, (unsigned long long) now->st.st_uid);
                add(c, v, "uid", nb, na);
                number(nb, false, (unsigned long long) f->st.st_gid);
                number(na, false, (unsigned long long) now->st.st_gid);
                add(c, v, "gid", nb, na);
                c->what = c->what ?: "owner changed";
        }
        if (f->kind == GUARD_STATE && strcmp(f->name, "agent.db") == 0 && now->st.st_size < f->st.st_size) {
                number(nb, false, (unsigned long long) f->st.st_size);
                number(na, false, (unsigned long long) now->st.st_size);
                add(c, v, "size", nb, na);
                c->what = c->what ?: "truncated";
        }
        return c->what != NULL;
}

int agent_guard_check(struct agent_guard *g, uint64_t now_ms,
                      int (*fn)(const struct agent_guard_change *c, void *userdata), void *userdata)
{
        for (size_t i = 0; i < g->n_files; i++) {
                struct guard_file *f = &g->files[i], now;
                struct agent_guard_change c;
                struct values v;
                bool changed;

                if (!f->pending || now_ms < f->marked_ms + AGENT_GUARD_SETTLE_MS)
                        continue;
                f->pending = false;
                now = *f;
                take(g, &now);
                changed = compare(f, &now, &c, &v);
                f->exists = now.exists;
                f->st = now.st;
                f->digest_known = now.digest_known;
                memcpy(f->sha256, now.sha256, SHA256_LEN);
                fan_mark(g, f);
                if (changed) {
                        int r = fn(&c, userdata);

                        if (r < 0)
                                return r;
                }
        }
        return 0;
}
