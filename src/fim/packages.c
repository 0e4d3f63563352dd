/* Package ownership and digests of a tree (dpkg, rpm); see packages.h. */
#define _GNU_SOURCE
#include "packages.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "basic/arena.h"
#include "basic/fd-util.h"
#include "basic/hex.h"
#include "basic/sha256.h"
#include "packages-rpm.h"

/* One line of buf from *p (without its newline): false at the end. */
static bool next_line(const char **p, const char *end, const char **ret, size_t *ret_len)
{
        const char *nl;

        if (*p >= end)
                return false;
        nl = memchr(*p, '\n', (size_t) (end - *p));
        *ret = *p;
        *ret_len = (size_t) ((nl ? nl : end) - *p);
        *p = nl ? nl + 1 : end;
        return true;
}

static struct dpkg_field field_value(const char *s, size_t len)
{
        while (len && (*s == ' ' || *s == '\t')) {
                s++;
                len--;
        }
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
                len--;
        return (struct dpkg_field) { s, len };
}

static bool field_is(const char *line, size_t name_len, const char *name)
{
        return strlen(name) == name_len && strncasecmp(line, name, name_len) == 0;
}

int dpkg_status_parse(const char *buf, size_t len, int (*fn)(const struct dpkg_paragraph *p, void *userdata),
                      void *userdata, unsigned *ret_line)
{
        const char *p = buf, *end = buf + len, *l;
        struct dpkg_paragraph para = { 0 };
        struct dpkg_field *last = NULL, other;
        bool in_para = false;
        unsigned line = 0;
        size_t n, n_para = 0;
        int r;

        for (;;) {
                bool more = next_line(&p, end, &l, &n);

                line += more;
                if (more && n > PKG_LINE_MAX)
                        goto too_big;
                if (!more || n == 0 || (n == 1 && l[0] == '\r')) {
                        if (in_para && para.package.len) {
                                if (++n_para > PKG_MAX_PACKAGES)
                                        goto too_big;
                                r = fn(&para, userdata);
                                if (r < 0)
                                        return r;
                        }
                        if (!more)
                                return 0;
                        in_para = false;
                        last = NULL;
                        continue;
                }
                if (!in_para) {
                        para = (struct dpkg_paragraph) { .line = line };
                        in_para = true;
                }
                if (l[0] == ' ' || l[0] == '\t') {
                        if (!last)
                                goto bad;       /* a continuation of nothing */
                        if (last == &para.conffiles) {
                                if (!last->s)
                                        last->s = l;
                                last->len = (size_t) (l + n - last->s) + (l + n < end);
                        }
                        continue;
                }
                const char *colon = memchr(l, ':', n);
                if (!colon || colon == l)
                        goto bad;
                size_t name_len = (size_t) (colon - l);
                struct dpkg_field v = field_value(colon + 1, n - name_len - 1);

                last = field_is(l, name_len, "Package")        ? &para.package
                       : field_is(l, name_len, "Version")      ? &para.version
                       : field_is(l, name_len, "Architecture") ? &para.architecture
                       : field_is(l, name_len, "Status")       ? &para.status
                       : field_is(l, name_len, "Conffiles")    ? &para.conffiles
                                                               : &other;        /* its continuations skipped */
                *last = last == &para.conffiles ? (struct dpkg_field) { 0 } : v;  /* conffiles: the lines follow */
        }
bad:
        if (ret_line)
                *ret_line = line;
        return -EBADMSG;
too_big:
        if (ret_line)
                *ret_line = line;
        return -E2BIG;
}

int dpkg_md5sums_parse(const char *buf, size_t len, bool conffiles,
                       int (*fn)(const char *path, size_t path_len, const uint8_t md5[PKG_MD5_LEN], void *userdata),
                       void *userdata, unsigned *ret_line)
{
        const char *p = buf, *end = buf + len, *l;
        uint8_t md5[PKG_MD5_LEN];
        unsigned line = 0;
        size_t n;
        int r;

        while (next_line(&p, end, &l, &n)) {
                const char *path, *digest;
                size_t plen, dlen;

                line++;
                if (n && l[n - 1] == '\r')
                        n--;
                if (n == 0)
                        continue;
                if (n > PKG_PATH_MAX + 2 * PKG_MD5_LEN + 32) {
                        r = -E2BIG;
                        goto fail;
                }
                if (conffiles) {
                        /* " /etc/x 0123...  [obsolete]": path, digest, flags */
                        const char *sp;

                        while (n && (*l == ' ' || *l == '\t')) {
                                l++;
                                n--;
                        }
                        sp = memchr(l, ' ', n);
                        if (!sp || *l != '/') {
                                r = -EBADMSG;
                                goto fail;
                        }
                        path = l;
                        plen = (size_t) (sp - l);
                        digest = sp + 1;
                        dlen = n - plen - 1;
                        sp = memchr(digest, ' ', dlen);
                        if (sp)
                                dlen = (size_t) (sp - digest);
                        if (dlen != 2 * PKG_MD5_LEN || !hex_valid(digest, dlen, false))
                                continue;       /* newconffile: nothing recorded yet */
                } else {
                        if (n < 2 * PKG_MD5_LEN + 3 || !hex_valid(l, 2 * PKG_MD5_LEN, false) ||
                            l[2 * PKG_MD5_LEN] != ' ' || (l[2 * PKG_MD5_LEN + 1] != ' ' && l[2 * PKG_MD5_LEN + 1] != '*')) {
                                r = -EBADMSG;
                                goto fail;
                        }
                        digest = l;
                        path = l + 2 * PKG_MD5_LEN + 2;
                        plen = n - 2 * PKG_MD5_LEN - 2;
                }
                if (plen == 0 || plen > PKG_PATH_MAX || memchr(path, '\0', plen)) {
                        r = plen > PKG_PATH_MAX ? -E2BIG : -EBADMSG;
                        goto fail;
                }
                if (hex_decode(digest, 2 * PKG_MD5_LEN, md5) < 0) {
                        r = -EBADMSG;
                        goto fail;
                }
                r = fn(path, plen, md5, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
fail:
        if (ret_line)
                *ret_line = line;
        return r;
}

int dpkg_list_parse(const char *buf, size_t len, int (*fn)(const char *path, size_t path_len, void *userdata),
                    void *userdata, unsigned *ret_line)
{
        const char *p = buf, *end = buf + len, *l;
        unsigned line = 0;
        size_t n;
        int r;

        while (next_line(&p, end, &l, &n)) {
                line++;
                if (n == 0)
                        continue;
                if (n > PKG_PATH_MAX || l[0] != '/' || memchr(l, '\0', n)) {
                        if (ret_line)
                                *ret_line = line;
                        return n > PKG_PATH_MAX ? -E2BIG : -EBADMSG;
                }
                if (n == 2 && l[1] == '.')
                        continue;
                r = fn(l, n, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

int dpkg_diversions_parse(const char *buf, size_t len, int (*fn)(const struct dpkg_diversion *d, void *userdata),
                          void *userdata, unsigned *ret_line)
{
        const char *p = buf, *end = buf + len, *l;
        struct dpkg_diversion d = { 0 };
        struct dpkg_field *slot[3] = { &d.from, &d.to, &d.package };
        unsigned line = 0, k = 0;
        size_t n, count = 0;
        int r;

        while (next_line(&p, end, &l, &n)) {
                line++;
                if (n > PKG_PATH_MAX) {
                        r = -E2BIG;
                        goto fail;
                }
                if (n == 0 || memchr(l, '\0', n) || (k < 2 && l[0] != '/') ||
                    (k == 2 && (n > PKG_NAME_MAX || memchr(l, '/', n)))) {
                        r = -EBADMSG;
                        goto fail;
                }
                if (k == 0)
                        d = (struct dpkg_diversion) { .line = line };
                *slot[k] = (struct dpkg_field) { l, n };
                if (++k < 3)
                        continue;
                k = 0;
                if (++count > PKG_MAX_DIVERSIONS) {
                        r = -E2BIG;
                        goto fail;
                }
                if (n == 1 && l[0] == ':') {
                        d.local = true;
                        d.package = (struct dpkg_field) { 0 };
                }
                r = fn(&d, userdata);
                if (r < 0)
                        return r;
        }
        if (k == 0)
                return 0;
        r = -EBADMSG;   /* a triple cut short */
fail:
        if (ret_line)
                *ret_line = line ? line : 1;
        return r;
}

/* "YYYY-MM-DD HH:MM:SS" as local time, or 0. */
static int64_t parse_log_time(const char *s, size_t n)
{
        struct tm tm = { .tm_isdst = -1 };
        char tmp[20];
        char *e;
        time_t t;

        if (n != 19)
                return 0;
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        e = strptime(tmp, "%Y-%m-%d %H:%M:%S", &tm);
        if (!e || *e)
                return 0;
        t = mktime(&tm);
        return t == (time_t) -1 ? 0 : (int64_t) t;
}

static bool token(const char **p, const char *end, const char **ret, size_t *ret_len)
{
        const char *s = *p, *sp;

        if (s >= end)
                return false;
        sp = memchr(s, ' ', (size_t) (end - s));
        *ret = s;
        *ret_len = (size_t) ((sp ? sp : end) - s);
        *p = sp ? sp + 1 : end;
        return *ret_len > 0;
}

static bool tok_eq(const char *t, size_t n, const char *s)
{
        return s && strlen(s) == n && memcmp(t, s, n) == 0;
}

int64_t dpkg_log_installed(const char *buf, size_t len, const char *name, const char *arch, const char *version)
{
        const char *p = buf, *end = buf + len, *l;
        int64_t last = 0;
        size_t n;

        while (next_line(&p, end, &l, &n)) {
                const char *q = l, *e = l + n, *t[6];
                size_t tn[6], k, nlen;

                for (k = 0; k < 6 && token(&q, e, &t[k], &tn[k]); k++)
                        ;
                if (k < 6 || !tok_eq(t[2], tn[2], "status") || !tok_eq(t[3], tn[3], "installed") ||
                    !tok_eq(t[5], tn[5], version))
                        continue;
                /* NAME:ARCH; an Architecture: all package logs as NAME:all */
                const char *colon = memchr(t[4], ':', tn[4]);
                nlen = colon ? (size_t) (colon - t[4]) : tn[4];
                if (!tok_eq(t[4], nlen, name))
                        continue;
                if (colon && arch && !tok_eq(colon + 1, tn[4] - nlen - 1, arch))
                        continue;
                int64_t when = parse_log_time(t[0], (size_t) (t[1] + tn[1] - t[0]));
                if (when)
                        last = when;
        }
        return last;
}

struct pkg_file {
        const char *path;
        uint32_t len;
        uint32_t pkg;
        uint8_t digest_len;             /* 0: none recorded; PKG_MD5_LEN: MD5; SHA256_LEN: SHA-256 */
        bool config, ghost;
        uint8_t digest[SHA256_LEN];
};

/* A diversion: packages other than package (every package when NULL, a
 * local one) have their file from installed as to. */
struct pkg_diversion {
        const char *from, *to, *package;
        uint32_t from_len, to_len;
};

struct pkgdb {
        char *root;
        char *scratch;                  /* librpm's copy without a mount namespace (rpmdb_read()); NULL: none */
        int rootfd;
        bool loaded;
        int error;
        char *error_text;
        struct pkg_info *pkgs;
        size_t n_pkgs;
        struct pkg_file *files;
        size_t n_files, cap_files;
        struct pkg_diversion *by_from, *by_to;  /* the same diversions, sorted by from and by to */
        size_t n_diversions;
        struct arena arena;
        struct hasher *md5, *sha256;
        const char *rpm_dir;            /* the rpm database's directory below root (rpmdb_dirs); NULL: dpkg */
        /* while loading */
        const char **conffiles;         /* each package's Conffiles block, in the status buffer */
        size_t *conffiles_len;
        uint32_t cur;
        bool cur_config;                /* parsing Conffiles */
};

int pkgdb_new(const char *root, const char *scratch, struct pkgdb **ret)
{
        struct pkgdb *db = calloc(1, sizeof(*db));

        if (!db)
                return -ENOMEM;
        db->root = strdup(root);
        db->scratch = scratch ? strdup(scratch) : NULL;
        if (!db->root || (scratch && !db->scratch)) {
                free(db->root);
                free(db);
                return -ENOMEM;
        }
        db->rootfd = -1;
        arena_init(&db->arena);
        *ret = db;
        return 0;
}

struct pkgdb *pkgdb_free(struct pkgdb *db)
{
        if (!db)
                return NULL;
        if (db->rootfd >= 0)
                close(db->rootfd);
        hasher_free(db->md5);
        hasher_free(db->sha256);
        arena_release(&db->arena);
        free(db->pkgs);
        free(db->files);
        free(db->by_from);
        free(db->by_to);
        free(db->conffiles);
        free(db->conffiles_len);
        free(db->error_text);
        free(db->root);
        free(db->scratch);
        free(db);
        return NULL;
}

bool pkgdb_present(struct pkgdb *db)
{
        _cleanup_(closep) int rootfd = open(db->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (rootfd < 0)
                return false;
        if (faccessat(rootfd, "var/lib/dpkg/status", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return true;
        for (size_t i = 0; i < ARRAY_SIZE(rpmdb_dirs); i++) {
                _cleanup_(closep) int dir = open_beneath(rootfd, rpmdb_dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                struct stat st;

                for (size_t k = 0; dir >= 0 && k < ARRAY_SIZE(rpmdb_files); k++)
                        if (fstatat(dir, rpmdb_files[k], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
                                db->rpm_dir = rpmdb_dirs[i];
                                return true;
                        }
        }
        return false;
}

static int add_file(struct pkgdb *db, const char *path, size_t len, const uint8_t *digest, size_t digest_len,
                    bool config, bool ghost)
{
        struct pkg_file *f;

        if (db->n_files == db->cap_files) {
                size_t cap = db->cap_files ? db->cap_files * 2 : 1024;
                void *v;

                if (db->n_files >= PKG_MAX_FILES)
                        return -E2BIG;
                v = reallocarray(db->files, cap, sizeof(*db->files));
                if (!v)
                        return -ENOMEM;
                db->files = v;
                db->cap_files = cap;
        }
        f = &db->files[db->n_files];
        *f = (struct pkg_file) { .len = (uint32_t) len, .pkg = db->cur, .digest_len = digest ? (uint8_t) digest_len : 0,
                                 .config = config, .ghost = ghost };
        f->path = arena_strndup(&db->arena, path, len);
        if (!f->path)
                return -ENOMEM;
        if (digest)
                memcpy(f->digest, digest, digest_len);
        db->n_files++;
        return 0;
}

static int on_list(const char *path, size_t len, void *userdata)
{
        return add_file(userdata, path, len, NULL, 0, false, false);
}

/* .md5sums paths have no leading '/'; Conffiles' have one. */
static int on_md5(const char *path, size_t len, const uint8_t md5[PKG_MD5_LEN], void *userdata)
{
        struct pkgdb *db = userdata;
        char abs[PKG_PATH_MAX + 2];

        if (path[0] == '/')
                return add_file(db, path, len, md5, PKG_MD5_LEN, db->cur_config, false);
        abs[0] = '/';
        memcpy(abs + 1, path, len);
        return add_file(db, abs, len + 1, md5, PKG_MD5_LEN, db->cur_config, false);
}

/* Whether Status says the package's files are on disk. */
static bool status_unpacked(struct dpkg_field s)
{
        static const char *const states[] = { "installed", "half-configured", "unpacked", "triggers-awaited",
                                              "triggers-pending" };
        const char *sp = s.len ? memrchr(s.s, ' ', s.len) : NULL;
        const char *w = sp ? sp + 1 : s.s;
        size_t n = (size_t) (s.s + s.len - w);

        for (size_t i = 0; i < ARRAY_SIZE(states); i++)
                if (tok_eq(w, n, states[i]))
                        return true;
        return false;
}

/* Room for one more package. */
static int grow_packages(struct pkgdb *db)
{
        size_t i = db->n_pkgs;

        if (i >= PKG_MAX_PACKAGES)
                return -E2BIG;
        if ((i & (i - 1)) == 0) {       /* grown at powers of two */
                size_t cap = i ? 2 * i : 1;
                void *a = reallocarray(db->pkgs, cap, sizeof(*db->pkgs));
                void *b = a ? reallocarray(db->conffiles, cap, sizeof(*db->conffiles)) : NULL;
                void *c = b ? reallocarray(db->conffiles_len, cap, sizeof(*db->conffiles_len)) : NULL;

                if (a)
                        db->pkgs = a;
                if (b)
                        db->conffiles = b;
                if (!c)
                        return -ENOMEM;
                db->conffiles_len = c;
        }
        return 0;
}

static int on_paragraph(const struct dpkg_paragraph *p, void *userdata)
{
        struct pkgdb *db = userdata;
        struct pkg_info *pi;
        size_t i = db->n_pkgs;
        int r;

        if (!status_unpacked(p->status))
                return 0;
        if (p->package.len > 256 || p->version.len > 256 || p->architecture.len > 64)
                return -EBADMSG;
        r = grow_packages(db);
        if (r < 0)
                return r;
        pi = &db->pkgs[i];
        *pi = (struct pkg_info) {
                .name = arena_strndup(&db->arena, p->package.s, p->package.len),
                .version = arena_strndup(&db->arena, p->version.s ? p->version.s : "", p->version.len),
                .architecture = arena_strndup(&db->arena, p->architecture.s ? p->architecture.s : "",
                                              p->architecture.len),
                .manager = "dpkg",
        };
        if (!pi->name || !pi->version || !pi->architecture)
                return -ENOMEM;
        if (memchr(pi->name, '/', p->package.len) || pi->name[0] == '.' || memchr(pi->name, '\0', p->package.len))
                return -EBADMSG;        /* it names files in info/ */
        db->conffiles[i] = p->conffiles.s;
        db->conffiles_len[i] = p->conffiles.len;
        db->n_pkgs++;
        return 0;
}

static int set_error(struct pkgdb *db, int r, const char *file, unsigned line, const char *reason)
{
        free(db->error_text);
        db->error_text = NULL;
        if (line)
                (void) asprintf(&db->error_text, "cannot read package database '%s/%s': line %u: %s", db->root, file,
                                line, reason ? reason : strerror(-r));
        else
                (void) asprintf(&db->error_text, "cannot read package database '%s/%s': %s", db->root, file,
                                reason ? reason : strerror(-r));
        db->error = r;
        return r;
}

static const char *parse_reason(int r)
{
        return r == -EBADMSG ? "malformed" : r == -E2BIG ? "past the limits of a package database" : NULL;
}

/* Reads rel below the root, a regular file of at most max bytes. */
static int read_info(struct pkgdb *db, const char *rel, size_t max, char **ret, size_t *ret_len, struct stat *ret_st)
{
        _cleanup_(closep) int fd = open_regular_beneath(db->rootfd, rel, ret_st);

        if (fd < 0)
                return fd;
        return read_fd_all(fd, max, ret, ret_len);
}

/* info/NAME:ARCH.SUFFIX, else info/NAME.SUFFIX: parsed; -ENOENT when neither exists. */
static int read_pkg_file(struct pkgdb *db, const struct pkg_info *pi, const char *suffix, struct stat *ret_st)
{
        _cleanup_(freep) char *rel = NULL, *buf = NULL;
        unsigned line = 0;
        size_t len;
        int r = -ENOENT;

        for (int k = 0; k < 2 && r == -ENOENT; k++) {
                free(rel);
                rel = NULL;
                if (k == 0 && !pi->architecture[0])
                        continue;
                if ((k == 0 ? asprintf(&rel, "var/lib/dpkg/info/%s:%s.%s", pi->name, pi->architecture, suffix)
                            : asprintf(&rel, "var/lib/dpkg/info/%s.%s", pi->name, suffix)) < 0) {
                        rel = NULL;
                        return -ENOMEM;
                }
                r = read_info(db, rel, PKG_INFO_MAX, &buf, &len, ret_st);
        }
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return set_error(db, r, rel, 0, r == -EFBIG ? "larger than 16 MiB" : NULL);
        r = strcmp(suffix, "list") == 0 ? dpkg_list_parse(buf, len, on_list, db, &line)
                                        : dpkg_md5sums_parse(buf, len, false, on_md5, db, &line);
        if (r < 0)
                return set_error(db, r, rel, line, parse_reason(r));
        return 0;
}

static int on_diversion(const struct dpkg_diversion *d, void *userdata)
{
        struct pkgdb *db = userdata;
        struct pkg_diversion *v;

        if ((db->n_diversions & (db->n_diversions - 1)) == 0) {    /* grown at powers of two */
                v = reallocarray(db->by_from, db->n_diversions ? 2 * db->n_diversions : 1, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                db->by_from = v;
        }
        v = &db->by_from[db->n_diversions];
        *v = (struct pkg_diversion) {
                .from = arena_strndup(&db->arena, d->from.s, d->from.len),
                .to = arena_strndup(&db->arena, d->to.s, d->to.len),
                .package = d->local ? NULL : arena_strndup(&db->arena, d->package.s, d->package.len),
                .from_len = (uint32_t) d->from.len,
                .to_len = (uint32_t) d->to.len,
        };
        if (!v->from || !v->to || (!d->local && !v->package))
                return -ENOMEM;
        db->n_diversions++;
        return 0;
}

static int cmp_path(const char *a, size_t alen, const char *b, size_t blen)
{
        int c = memcmp(a, b, MIN(alen, blen));

        if (c)
                return c;
        return alen < blen ? -1 : alen > blen;
}

static int cmp_from(const void *a, const void *b)
{
        const struct pkg_diversion *x = a, *y = b;

        return cmp_path(x->from, x->from_len, y->from, y->from_len);
}

static int cmp_to(const void *a, const void *b)
{
        const struct pkg_diversion *x = a, *y = b;

        return cmp_path(x->to, x->to_len, y->to, y->to_len);
}

/* var/lib/dpkg/diversions, when there is one: sorted twice. */
static int load_diversions(struct pkgdb *db)
{
        _cleanup_(freep) char *buf = NULL;
        unsigned line = 0;
        size_t len;
        int r;

        r = read_info(db, "var/lib/dpkg/diversions", PKG_INFO_MAX, &buf, &len, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return set_error(db, r, "var/lib/dpkg/diversions", 0, r == -EFBIG ? "larger than 16 MiB" : NULL);
        r = dpkg_diversions_parse(buf, len, on_diversion, db, &line);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return set_error(db, r, "var/lib/dpkg/diversions", line, parse_reason(r));
        if (!db->n_diversions)
                return 0;
        db->by_to = reallocarray(NULL, db->n_diversions, sizeof(*db->by_to));
        if (!db->by_to)
                return -ENOMEM;
        memcpy(db->by_to, db->by_from, db->n_diversions * sizeof(*db->by_to));
        qsort(db->by_from, db->n_diversions, sizeof(*db->by_from), cmp_from);
        qsort(db->by_to, db->n_diversions, sizeof(*db->by_to), cmp_to);
        return 0;
}

static int cmp_file(const void *a, const void *b)
{
        const struct pkg_file *x = a, *y = b;

        return cmp_path(x->path, x->len, y->path, y->len);
}

static int on_rpm_package(const struct rpmdb_package *p, void *userdata)
{
        struct pkgdb *db = userdata;
        struct pkg_info *pi;
        int r;

        if (p->name_len > PKG_NAME_MAX || p->version_len > 256 || p->arch_len > 64 ||
            memchr(p->name, '\0', p->name_len))
                return -EBADMSG;
        r = grow_packages(db);
        if (r < 0)
                return r;
        db->cur = (uint32_t) db->n_pkgs;
        pi = &db->pkgs[db->n_pkgs];
        *pi = (struct pkg_info) {
                .name = arena_strndup(&db->arena, p->name, p->name_len),
                .version = arena_strndup(&db->arena, p->version, p->version_len),
                .architecture = arena_strndup(&db->arena, p->arch, p->arch_len),
                .installed = p->installed > 0 ? p->installed : 0,
                .installed_from = p->installed > 0 ? "rpmdb" : NULL,
                .manager = "rpm",
        };
        if (!pi->name || !pi->version || !pi->architecture)
                return -ENOMEM;
        db->conffiles[db->n_pkgs] = NULL;
        db->conffiles_len[db->n_pkgs] = 0;
        db->n_pkgs++;
        return 0;
}

static int on_rpm_file(const struct rpmdb_file *f, void *userdata)
{
        if (f->path_len > PKG_PATH_MAX || memchr(f->path, '\0', f->path_len))
                return -EBADMSG;
        return add_file(userdata, f->path, f->path_len, f->digest, f->digest_len, f->flags & RPMDB_FILE_CONFIG,
                        f->flags & RPMDB_FILE_GHOST);
}

/* The rpm database in rpm_dir, through librpm (packages-rpm.h). */
static int load_rpm(struct pkgdb *db)
{
        _cleanup_(freep) char *buf = NULL, *reason = NULL;
        _cleanup_(closep) int dir = open_beneath(db->rootfd, db->rpm_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        size_t len = 0;
        int r;

        if (dir < 0)
                return set_error(db, dir, db->rpm_dir, 0, NULL);
        r = rpmdb_read(dir, db->scratch, &buf, &len, &reason);
        if (r < 0)
                return set_error(db, r, db->rpm_dir, 0, reason ? reason : NULL);
        r = rpmdb_records_parse(buf, len, on_rpm_package, on_rpm_file, db);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return set_error(db, r, db->rpm_dir, 0, parse_reason(r));
        if (db->n_files)
                qsort(db->files, db->n_files, sizeof(*db->files), cmp_file);
        return 0;
}

static int load(struct pkgdb *db)
{
        _cleanup_(freep) char *status = NULL, *log = NULL;
        size_t len, log_len = 0;
        unsigned line = 0;
        int r;

        db->rootfd = open(db->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (db->rootfd < 0)
                return set_error(db, -errno, db->rpm_dir ? db->rpm_dir : "var/lib/dpkg/status", 0, NULL);
        if (db->rpm_dir)
                return load_rpm(db);
        r = read_info(db, "var/lib/dpkg/status", PKG_STATUS_MAX, &status, &len, NULL);
        if (r == -ENOENT)
                return 0;       /* no dpkg database: nothing is owned */
        if (r < 0)
                return set_error(db, r, "var/lib/dpkg/status", 0, r == -EFBIG ? "larger than 64 MiB" : NULL);
        r = dpkg_status_parse(status, len, on_paragraph, db, &line);
        if (r < 0)
                return set_error(db, r, "var/lib/dpkg/status", line, parse_reason(r));

        /* The tail of dpkg.log: the last installs are at its end. */
        {
                _cleanup_(closep) int fd = open_regular_beneath(db->rootfd, "var/log/dpkg.log", NULL);
                struct stat st;

                if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0) {
                        uint64_t off = (uint64_t) st.st_size > PKG_LOG_MAX ? (uint64_t) st.st_size - PKG_LOG_MAX : 0;

                        log_len = (size_t) ((uint64_t) st.st_size - off);
                        log = malloc(log_len);
                        if (!log)
                                return -ENOMEM;
                        if (pread_full(fd, log, log_len, off) < 0)
                                log_len = 0;    /* the time then comes from the .list */
                }
        }

        for (size_t i = 0; i < db->n_pkgs; i++) {
                struct pkg_info *pi = &db->pkgs[i];
                struct stat st = { 0 };
                unsigned cline = 0;

                db->cur = (uint32_t) i;
                r = read_pkg_file(db, pi, "list", &st);
                if (r < 0 && r != -ENOENT)
                        return r;
                if (r >= 0 && st.st_mtime > 0) {
                        pi->installed = (int64_t) st.st_mtime;
                        pi->installed_from = "list-mtime";
                }
                r = read_pkg_file(db, pi, "md5sums", NULL);
                if (r < 0 && r != -ENOENT)
                        return r;
                if (db->conffiles[i]) {
                        db->cur_config = true;
                        r = dpkg_md5sums_parse(db->conffiles[i], db->conffiles_len[i], true, on_md5, db, &cline);
                        db->cur_config = false;
                        if (r < 0)
                                return set_error(db, r, "var/lib/dpkg/status", 0,
                                                 r == -EBADMSG ? "malformed Conffiles" : parse_reason(r));
                }
                if (log_len) {
                        int64_t t = dpkg_log_installed(log, log_len, pi->name, pi->architecture, pi->version);

                        if (t) {
                                pi->installed = t;
                                pi->installed_from = "dpkg.log";
                        }
                }
        }
        if (db->n_files)
                qsort(db->files, db->n_files, sizeof(*db->files), cmp_file);
        return load_diversions(db);
}

/* The MD5 (len PKG_MD5_LEN) or SHA-256 (SHA256_LEN) of the regular file rel below the root. */
static int file_digest(struct pkgdb *db, const char *rel, size_t len, uint8_t out[SHA256_LEN])
{
        struct hasher **h = len == PKG_MD5_LEN ? &db->md5 : &db->sha256;
        _cleanup_(closep) int fd = -1;
        struct stat st;
        int r;

        if (!*h) {
                r = len == PKG_MD5_LEN ? hasher_new_digest("MD5", PKG_MD5_LEN, h) : hasher_new(h);
                if (r < 0)
                        return r;
        }
        fd = open_regular_beneath(db->rootfd, rel, &st);
        if (fd < 0)
                return fd;
        return hasher_fd(*h, fd, (uint64_t) st.st_size, NULL, out, NULL);
}

/* Whether path is below /usr/bin, /usr/sbin or /usr/lib* and the root's
 * top-level directory of that name is a symlink (a merged /usr). */
static bool usr_merged_alias(struct pkgdb *db, const char *path, size_t len)
{
        static const char *const dirs[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
        struct stat st;

        if (len < 6 || memcmp(path, "/usr/", 5) != 0)
                return false;
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                size_t n = strlen(dirs[i]);

                if (len > 5 + n + 1 && memcmp(path + 5, dirs[i], n) == 0 && path[5 + n] == '/')
                        return fstatat(db->rootfd, dirs[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
        }
        return false;
}

/* The files a lookup considers: those listed at one path, less the ones a
 * diversion moves elsewhere. */
struct owners {
        const struct pkg_file *first, *end;
        const char *only, *except;      /* the package name a file must have, must not have */
};

static bool owner_kept(const struct pkgdb *db, const struct pkg_file *f, const struct owners *o)
{
        const char *name = db->pkgs[f->pkg].name;

        return (!o->only || strcmp(name, o->only) == 0) && (!o->except || strcmp(name, o->except) != 0);
}

static const struct pkg_diversion *find_diversion(const struct pkgdb *db, bool by_to, const char *path, size_t len)
{
        struct pkg_diversion key = { .from = path, .to = path, .from_len = (uint32_t) len, .to_len = (uint32_t) len };

        if (!db->n_diversions)
                return NULL;
        return bsearch(&key, by_to ? db->by_to : db->by_from, db->n_diversions, sizeof(key), by_to ? cmp_to : cmp_from);
}

/* What dpkg -S and dpkg --verify say of path: 1 with *o, 0 when no package
 * lists it, -1 when a local diversion took it from every package. A path
 * diverted from is the diverting package's (when it lists it); the path it
 * is diverted to holds the other packages' file of that path. */
static int find_owners(const struct pkgdb *db, const char *path, size_t len, struct owners *o)
{
        const struct pkg_diversion *d = find_diversion(db, false, path, len);
        const struct pkg_file *f;
        struct pkg_file key;

        *o = (struct owners) { 0 };
        if (d && !d->package)
                return -1;
        if (d)
                o->only = d->package;
        else if ((d = find_diversion(db, true, path, len))) {
                path = d->from;
                len = d->from_len;
                o->except = d->package;
        }
        key = (struct pkg_file) { .path = path, .len = (uint32_t) len };
        f = db->n_files ? bsearch(&key, db->files, db->n_files, sizeof(*f), cmp_file) : NULL;
        if (!f)
                return 0;
        for (o->first = f; o->first > db->files && cmp_file(o->first - 1, &key) == 0; o->first--)
                ;
        for (o->end = f; o->end < db->files + db->n_files && cmp_file(o->end, &key) == 0; o->end++)
                ;
        for (f = o->first; f < o->end; f++)
                if (owner_kept(db, f, o))
                        return 1;
        return 0;
}

static const char *digest_name(const struct pkgdb *db, const struct pkg_file *f)
{
        return !f || !f->digest_len ? NULL : f->digest_len == SHA256_LEN ? "sha256" : db->rpm_dir ? "md5" : "md5sum";
}

int pkgdb_load(struct pkgdb *db)
{
        if (!db->loaded) {
                int r = load(db);

                db->loaded = true;
                if (r < 0 && !db->error)
                        set_error(db, r, db->rpm_dir ? db->rpm_dir : "var/lib/dpkg/status", 0, NULL);
        }
        return db->error;
}

int pkgdb_lookup(struct pkgdb *db, const char *path, size_t path_len, bool regular, const uint8_t *sha256,
                 struct pkg_lookup *ret)
{
        const struct pkg_file *f, *listed = NULL, *with_digest = NULL;
        _cleanup_(freep) char *rel = NULL;
        uint8_t digest[SHA256_LEN];
        struct owners o;
        int found = 0, r = pkgdb_load(db);

        if (r < 0)
                return r;
        if (path_len && path_len <= PKG_PATH_MAX) {
                found = find_owners(db, path, path_len, &o);
                if (found == 0 && usr_merged_alias(db, path, path_len))
                        /* merged /usr: the package lists /bin/x for /usr/bin/x */
                        found = find_owners(db, path + 4, path_len - 4, &o);
        }
        if (found <= 0) {
                *ret = (struct pkg_lookup) { .verdict = PKG_NOT_OWNED };
                return 0;
        }
        for (f = o.first; f < o.end; f++)
                if (owner_kept(db, f, &o)) {
                        listed = listed ?: f;
                        if (f->digest_len && !with_digest)
                                with_digest = f;
                }
        if (regular && sha256 && with_digest && with_digest->digest_len == SHA256_LEN)
                memcpy(digest, sha256, SHA256_LEN);     /* the walker hashed it: no second read */
        else if (!regular || !with_digest || !(rel = strndup(path + 1, path_len - 1)) ||
                 memchr(path, '\0', path_len) || file_digest(db, rel, with_digest->digest_len, digest) < 0) {
                *ret = (struct pkg_lookup) { .verdict = PKG_LISTED, .pkg = &db->pkgs[listed->pkg],
                                             .config = listed->config, .ghost = listed->ghost };
                return 0;
        }
        /* Several packages may ship the same path (Multi-Arch: same): any that matches. */
        for (f = o.first; f < o.end; f++)
                if (f->digest_len == with_digest->digest_len && owner_kept(db, f, &o) &&
                    memcmp(f->digest, digest, f->digest_len) == 0) {
                        *ret = (struct pkg_lookup) { .verdict = PKG_MATCHES, .pkg = &db->pkgs[f->pkg],
                                                     .digest = digest_name(db, f), .config = f->config };
                        return 0;
                }
        *ret = (struct pkg_lookup) { .verdict = PKG_DIFFERS, .pkg = &db->pkgs[with_digest->pkg],
                                     .digest = digest_name(db, with_digest), .config = with_digest->config };
        return 0;
}

const char *pkgdb_error(const struct pkgdb *db)
{
        return db->error_text ? db->error_text : "cannot read package database: out of memory";
}

size_t pkgdb_index(const struct pkgdb *db, const struct pkg_info *pkg)
{
        return (size_t) (pkg - db->pkgs);
}

size_t pkgdb_count(const struct pkgdb *db)
{
        return db->n_pkgs;
}

const struct pkg_info *pkgdb_package(const struct pkgdb *db, size_t i)
{
        return &db->pkgs[i];
}
