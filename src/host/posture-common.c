/* What the posture checks share: reading beneath the root, reporting; see
 * posture-check.h. */
#define _GNU_SOURCE
#include "posture-check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "report/json.h"

static void json_posture(struct json *j, const void *data)
{
        const struct posture_finding *pf = ((const void *const *) data)[0];
        const struct posture *pc = ((const void *const *) data)[1];

        json_object_begin(j, "posture");
        json_string(j, "check", pf->check);
        if (pf->setting)
                json_string(j, "setting", pf->setting);
        if (pf->value)
                json_string(j, "value", pf->value);
        if (pf->file) {
                json_object_begin(j, "source");
                json_string(j, "file", pf->file);
                if (pf->line)
                        json_int(j, "line", pf->line);
                if (pf->pointer)
                        json_string(j, "pointer", pf->pointer);
                json_object_end(j);
        }
        json_object_begin(j, "image");
        json_string(j, "reference", pc->image.ref ? pc->image.ref : "unknown");
        if (pc->image.from)
                json_string(j, "from", pc->image.from);
        if (pc->image.signature)
                json_string(j, "signature", pc->image.signature);
        json_object_end(j);
        json_object_end(j);
}

int posture_emit(struct posture *pc, const struct posture_finding *pf)
{
        const void *data[2] = { pf, pc };
        char allowed[512], where[64] = "";
        _cleanup_(freep) char *message = NULL;
        struct finding f;
        int r;

        finding_init(&f);
        f.rule = ruleset_rule(pc->rules, pf->rule_id);
        f.alert = pf->alert;
        f.state = !pf->alert;
        f.severity = pf->severity;
        f.category = "configuration";
        f.type = pf->alert ? "change" : "info";
        f.action = pf->action;
        f.dataset = "driftwatch.posture";
        f.path = pf->file;
        f.path_len = pf->file ? strlen(pf->file) : 0;
        f.root = pc->root;
        f.json_extra = json_posture;
        f.json_extra_data = data;
        if (pf->line)
                snprintf(where, sizeof(where), " (line %u)", pf->line);
        else if (pf->pointer && strlen(pf->pointer) < 48)
                snprintf(where, sizeof(where), " (at %s)", pf->pointer);
        if (asprintf(&message, "%s%s", pf->message, where) < 0)
                return -ENOMEM;
        f.message = message;
        if (pf->alert)
                pc->allowed += (unsigned long) allowlist_apply(pc->allow, &f, NULL, pc->now, allowed,
                                                               sizeof(allowed));
        r = output_emit(pc->out, &f);
        finding_release(&f);
        return r;
}

/* "/etc/x" as "etc/x" for open_beneath ("" for "/"). */
static const char *relative(const char *path)
{
        while (*path == '/')
                path++;
        return path;
}

int posture_read(struct posture *pc, const char *path, size_t max, char **ret, size_t *ret_len)
{
        struct stat st;

        return posture_read_stat(pc, path, max, ret, ret_len, &st);
}

int posture_exists(struct posture *pc, const char *path)
{
        _cleanup_(closep) int fd = open_beneath(pc->rootfd, relative(path), O_PATH | O_NOFOLLOW | O_CLOEXEC);

        if (fd == -ENOENT || fd == -ENOTDIR)
                return 0;
        if (fd == -ELOOP)       /* the last component or one above it is a symlink: something is there */
                return 1;
        return fd < 0 ? fd : 1;
}

/* What marks a root as ostree / bootc made: the booted marker (a live
 * host), the /ostree link and /sysroot/ostree of a deployment, the
 * directories ostree and bootc images ship in /usr/lib. */
static const char *const image_markers[] = { "run/ostree-booted", "ostree", "sysroot/ostree", "usr/lib/ostree",
                                             "usr/lib/bootc" };

/* 1 when the root is image-mode: /usr/etc is a directory (the image's /etc)
 * and a marker above says ostree or bootc made it. A /usr/etc alone is not
 * enough: other software drops files there (npm's npmrc). */
static int image_mode_root(struct posture *pc)
{
        _cleanup_(closep) int fd = open_beneath(pc->rootfd, "usr/etc", O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        size_t i;
        int r;

        if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP)
                return 0;
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return 0;
        for (i = 0; i < sizeof(image_markers) / sizeof(*image_markers); i++) {
                r = posture_exists(pc, image_markers[i]);
                if (r != 0)
                        return r;
        }
        return 0;
}

int posture_image_ships(struct posture *pc, const char *etc_path, char **ret_image)
{
        _cleanup_(freep) char *image = NULL;
        int r;

        if (strncmp(etc_path, "/etc/", 5) != 0 || !etc_path[5])
                return -EINVAL;
        if (pc->image_mode < 0) {
                r = image_mode_root(pc);
                if (r < 0)
                        return r;
                pc->image_mode = r;
        }
        if (!pc->image_mode)
                return -ENODATA;
        if (asprintf(&image, "/usr%s", etc_path) < 0)
                return -ENOMEM;
        r = posture_exists(pc, image);
        if (r >= 0 && ret_image)
                *ret_image = TAKE_PTR(image);
        return r;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int posture_list(struct posture *pc, const char *dir, const char *suffix, struct strv *ret)
{
        _cleanup_(strv_release) struct strv v = { 0 };
        _cleanup_(closep) int fd = -EBADF;
        size_t sl = strlen(suffix);
        struct dirent *de;
        DIR *d;
        int r = 0;

        fd = open_beneath(pc->rootfd, relative(dir), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd == -ENOENT || fd == -ENOTDIR) {
                *ret = v;
                return 0;
        }
        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        TAKE_FD(fd);
        while ((errno = 0, de = readdir(d))) {
                size_t n = strlen(de->d_name);

                if (pc->cancel && *pc->cancel) {
                        r = -ECANCELED;
                        break;
                }
                if (de->d_name[0] == '.' || n <= sl || strcmp(de->d_name + n - sl, suffix) != 0)
                        continue;
                if (v.n >= POSTURE_MAX_DROPINS) {
                        r = -E2BIG;
                        break;
                }
                if (strv_push(&v, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
        }
        if (!de && errno && r == 0)
                r = -errno;
        closedir(d);
        if (r < 0)
                return r;
        if (v.n)
                qsort(v.v, v.n, sizeof(*v.v), cmp_str);
        *ret = v;
        v = (struct strv) { 0 };
        return 0;
}

const char *posture_read_error(int r)
{
        switch (r) {
        case -EFBIG:
                return "too large: refused by size";
        case -ELOOP:
                return "a symlink: not followed below the root";
        case -ESTALE:
                return "not a regular file";
        default:
                return strerror(-r);
        }
}

int posture_invalid(struct posture *pc, const char *check, const char *file, const char *reason)
{
        _cleanup_(freep) char *message = NULL;

        if (asprintf(&message, "cannot use '%s': %s", file, reason) < 0)
                return -ENOMEM;
        return posture_emit(pc, &(struct posture_finding) {
                .rule_id = "DW-POS-CONFIG-INVALID", .alert = true, .check = check, .action = "config-invalid",
                .file = file, .message = message,
        });
}

int posture_load(struct posture *pc, const char *check, const char *file, size_t max, posture_parse_fn parse,
                 void *ret)
{
        _cleanup_(freep) char *text = NULL, *msg = NULL;
        size_t len = 0;
        int r;

        r = posture_read(pc, file, max, &text, &len);
        if (r == -ENOENT)
                return POSTURE_MISSING;
        if (r < 0) {
                r = posture_invalid(pc, check, file, posture_read_error(r));
                return r < 0 ? r : POSTURE_REPORTED;
        }
        r = parse(text, len, ret, &msg);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = posture_invalid(pc, check, file, msg ? msg : strerror(-r));
                return r < 0 ? r : POSTURE_REPORTED;
        }
        return POSTURE_LOADED;
}

/* --- Shared by the persistence checks (units, cron, linker, dispatcher). */

bool posture_writable_path(const char *path)
{
        static const char *const places[] = { "/tmp", "/var/tmp", "/dev/shm", "/run/user", "/home", "/root",
                                              "/var/home" };

        while (path[0] == '/' && path[1] == '/')
                path++;
        for (size_t i = 0; i < ARRAY_SIZE(places); i++) {
                size_t n = strlen(places[i]);

                if (strncmp(path, places[i], n) == 0 && (path[n] == '/' || !path[n]))
                        return true;
        }
        return false;
}

#define COMMAND_MAX_WORDS 64

/* Splits s into at most max words (whitespace-separated, '...' and "..."
 * quoting, a backslash escaping the next byte outside single quotes) in buf
 * (strlen(s) + 1 bytes). Returns the number of words. */
static size_t split_words(const char *s, char *buf, char **words, size_t max)
{
        size_t n = 0;

        while (*s && n < max) {
                char quote = 0;

                while (*s == ' ' || *s == '\t')
                        s++;
                if (!*s)
                        break;
                words[n++] = buf;
                for (; *s; s++) {
                        if (quote) {
                                if (*s == quote)
                                        quote = 0;
                                else if (*s == '\\' && quote == '"' && s[1])
                                        *buf++ = *++s;
                                else
                                        *buf++ = *s;
                        } else if (*s == '\'' || *s == '"') {
                                quote = *s;
                        } else if (*s == ' ' || *s == '\t') {
                                break;
                        } else if (*s == '\\' && s[1]) {
                                *buf++ = *++s;
                        } else {
                                *buf++ = *s;
                        }
                }
                *buf++ = '\0';
        }
        return n;
}

static bool is_interpreter(const char *word)
{
        static const char *const names[] = { "sh", "bash", "dash", "zsh", "ksh", "ash", "busybox", "perl", "ruby",
                                             "python", "python2", "python3" };
        const char *base = strrchr(word, '/');

        base = base ? base + 1 : word;
        if (strncmp(base, "python3.", 8) == 0)
                return true;
        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                if (strcmp(base, names[i]) == 0)
                        return true;
        return false;
}

static int command_writable(const char *cmd, unsigned depth, char **ret_path)
{
        _cleanup_(freep) char *buf = malloc(strlen(cmd) + 1);
        char *w[COMMAND_MAX_WORDS];
        size_t n, i = 0;
        const char *base;

        if (!buf)
                return -ENOMEM;
        n = split_words(cmd, buf, w, ARRAY_SIZE(w));
        if (n == 0)
                return 0;
        base = strrchr(w[0], '/');
        if (strcmp(base ? base + 1 : w[0], "env") == 0)
                for (i = 1; i < n && (w[i][0] == '-' || strchr(w[i], '=')); i++)
                        ;
        if (i >= n)
                return 0;
        if (w[i][0] == '/' && posture_writable_path(w[i]))
                return (*ret_path = strdup(w[i])) ? 1 : -ENOMEM;
        if (!is_interpreter(w[i]))
                return 0;
        for (i++; i < n; i++) {
                if (strcmp(w[i], "-c") == 0)
                        return i + 1 < n && depth < 2 ? command_writable(w[i + 1], depth + 1, ret_path) : 0;
                if (w[i][0] == '-')
                        continue;
                if (posture_writable_path(w[i]))
                        return (*ret_path = strdup(w[i])) ? 1 : -ENOMEM;
                return 0;
        }
        return 0;
}

int posture_command_writable(const char *cmd, char **ret_path)
{
        return command_writable(cmd, 0, ret_path);
}

/* Opens the directory of the absolute path beneath the root; *ret_name is
 * its last component (in path). */
static int open_parent(struct posture *pc, const char *path, const char **ret_name)
{
        _cleanup_(freep) char *dir = NULL;
        const char *slash = strrchr(path, '/');

        if (!slash || !slash[1])
                return -EINVAL;
        dir = strndup(path, (size_t) (slash - path));
        if (!dir)
                return -ENOMEM;
        *ret_name = slash + 1;
        return open_beneath(pc->rootfd, relative(dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int posture_lstat(struct posture *pc, const char *path, struct stat *ret_st)
{
        const char *name;
        _cleanup_(closep) int fd = open_parent(pc, path, &name);

        if (fd < 0)
                return fd;
        return fstatat(fd, name, ret_st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int posture_readlink(struct posture *pc, const char *path, char **ret_target)
{
        const char *name;
        _cleanup_(closep) int fd = open_parent(pc, path, &name);
        char buf[PATH_MAX];
        ssize_t n;

        if (fd < 0)
                return fd;
        n = readlinkat(fd, name, buf, sizeof(buf));
        if (n < 0)
                return -errno;
        if ((size_t) n >= sizeof(buf))
                return -ENAMETOOLONG;
        *ret_target = strndup(buf, (size_t) n);
        return *ret_target ? 0 : -ENOMEM;
}

int posture_added(struct posture *pc, const char *rule_id, const char *check, const char *etc_path, bool *said)
{
        int r = posture_image_ships(pc, etc_path, NULL);

        if (r == -ENODATA) {
                if (*said)
                        return 0;
                *said = true;
                r = posture_emit(pc, &(struct posture_finding) {
                        .rule_id = rule_id, .check = check, .action = "not-image-mode", .setting = "image-mode",
                        .value = "no", .message = "the root has no /usr/etc (not image-mode): what the image "
                                                  "does not ship cannot be told, nothing is reported as added",
                });
                return r < 0 ? r : 0;
        }
        if (r < 0)
                return r;
        return r == 0;
}

int posture_list_reported(struct posture *pc, const char *check, const char *dir, const char *suffix,
                          struct strv *ret)
{
        int r = posture_list(pc, dir, suffix, ret);

        if (r == -ENOMEM || r == -ECANCELED)
                return r;
        if (r < 0) {
                *ret = (struct strv) { 0 };
                return posture_invalid(pc, check, dir, r == -E2BIG ? "more than 1024 entries" : strerror(-r));
        }
        return 0;
}

int posture_read_stat(struct posture *pc, const char *path, size_t max, char **ret, size_t *ret_len,
                      struct stat *ret_st)
{
        struct stat st;
        _cleanup_(closep) int fd = open_regular_beneath(pc->rootfd, relative(path), &st);
        int r;

        if (fd < 0)
                return fd;
        if (st.st_size < 0 || (uint64_t) st.st_size > max)
                return -EFBIG;
        r = read_fd_all(fd, max, ret, ret_len);
        if (r >= 0)
                *ret_st = st;
        return r;
}

