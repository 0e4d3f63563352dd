/* What the posture checks share: reading beneath the root, reporting; see
 * posture-check.h. */
#define _GNU_SOURCE
#include "posture-check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
        _cleanup_(closep) int fd = open_regular_beneath(pc->rootfd, relative(path), &st);

        if (fd < 0)
                return fd;
        if (st.st_size < 0 || (uint64_t) st.st_size > max)     /* refused by size, before a byte is read */
                return -EFBIG;
        return read_fd_all(fd, max, ret, ret_len);
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

int posture_image_ships(struct posture *pc, const char *etc_path, char **ret_image)
{
        _cleanup_(freep) char *image = NULL;
        int r;

        if (strncmp(etc_path, "/etc/", 5) != 0 || !etc_path[5])
                return -EINVAL;
        if (pc->image_mode < 0) {
                struct stat st;
                _cleanup_(closep) int fd = open_beneath(pc->rootfd, "usr/etc", O_PATH | O_NOFOLLOW | O_CLOEXEC);

                if (fd < 0 && fd != -ENOENT && fd != -ENOTDIR && fd != -ELOOP)
                        return fd;
                pc->image_mode = fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
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

bool posture_writable_place(const char *path)
{
        static const char *const places[] = { "/tmp", "/var/tmp", "/dev/shm", "/home", "/run/user" };
        size_t k;

        if (path[0] != '/')
                return true;
        while (path[0] == '/' && path[1] == '/')
                path++;
        for (k = 0; k < ARRAY_SIZE(places); k++) {
                size_t n = strlen(places[k]);

                if (strncmp(path, places[k], n) == 0 && (path[n] == '/' || !path[n]))
                        return true;
        }
        return false;
}
