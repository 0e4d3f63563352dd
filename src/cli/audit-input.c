/* The inputs of driftwatch audit: files, rotated log directories and globs in
 * rotation order, or standard input, fed line by line into an assembler. */
#define _GNU_SOURCE
#include "audit-input.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/reader.h"
#include "cli.h"

/* "audit.log.7" -> base "audit.log", rotation 7; "audit.log" -> rotation -1. */
static long rotation_of(const char *p, size_t *ret_base_len)
{
        const char *dot = strrchr(p, '.'), *c;
        long n = 0;

        *ret_base_len = strlen(p);
        if (!dot || !dot[1] || strchr(dot, '/'))
                return -1;
        for (c = dot + 1; *c; c++) {
                if (*c < '0' || *c > '9' || n > 100000000)
                        return -1;
                n = n * 10 + (*c - '0');
        }
        *ret_base_len = (size_t) (dot - p);
        return n;
}

/* Rotated logs oldest first: the same base with a higher number is older,
 * the base itself (the live log) comes last. */
static int cmp_rotation(const void *x, const void *y)
{
        const char *a = *(char *const *) x, *b = *(char *const *) y;
        size_t la, lb;
        long na = rotation_of(a, &la), nb = rotation_of(b, &lb);
        int c = memcmp(a, b, la < lb ? la : lb);

        if (c != 0 || la != lb)
                return c != 0 ? c : la < lb ? -1 : 1;
        if (na == nb)
                return 0;
        if (na < 0 || nb < 0)
                return na < 0 ? 1 : -1;
        return na > nb ? -1 : 1;
}

static int add_directory(const char *dir, struct strv *files)
{
        _cleanup_(strv_release) struct strv found = { 0 };
        DIR *d = opendir(dir);
        struct dirent *de;
        size_t i, base;
        int r = 0;

        if (!d)
                return error("cannot open audit log directory '%s': %s", dir, strerror(errno));
        while (r >= 0 && (de = readdir(d))) {
                _cleanup_(freep) char *p = NULL;

                if (strcmp(de->d_name, "audit.log") != 0 &&
                    !(rotation_of(de->d_name, &base) >= 0 && base == 9 && strncmp(de->d_name, "audit.log", 9) == 0))
                        continue;
                if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
                        r = -ENOMEM;
                else
                        r = strv_push(&found, p);
        }
        closedir(d);
        if (r < 0)
                return error("cannot list audit log directory '%s': %s", dir, strerror(-r));
        if (found.n == 0)
                return error("no audit.log files in directory '%s'", dir);
        qsort(found.v, found.n, sizeof(char *), cmp_rotation);
        for (i = 0; i < found.n; i++)
                if (strv_push(files, found.v[i]) < 0)
                        return error("out of memory");
        return EXIT_CLEAN;
}

int audit_input_add(const char *arg, struct strv *files)
{
        struct stat st;
        glob_t g;
        size_t i;
        int r;

        if (strcmp(arg, "-") == 0)
                return strv_push(files, "-") < 0 ? error("out of memory") : EXIT_CLEAN;
        if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
                return add_directory(arg, files);
        if (access(arg, F_OK) == 0 || !strpbrk(arg, "*?[")) {
                /* Opened later; a missing or unreadable file is reported then. */
                return strv_push(files, arg) < 0 ? error("out of memory") : EXIT_CLEAN;
        }
        r = glob(arg, GLOB_NOSORT, NULL, &g);
        if (r == GLOB_NOMATCH)
                return error("no audit log matches '%s'", arg);
        if (r != 0)
                return error("cannot expand '%s'", arg);
        qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_rotation);
        for (i = 0, r = 0; i < g.gl_pathc && r >= 0; i++)
                r = strv_push(files, g.gl_pathv[i]);
        globfree(&g);
        return r < 0 ? error("out of memory") : EXIT_CLEAN;
}

static int read_one(struct audit_assembler *a, const char *path, int fd)
{
        _cleanup_(line_reader_freep) struct line_reader *lr = NULL;
        const char *line;
        size_t len;
        unsigned flags;
        uint64_t n = 0;
        int r;

        r = line_reader_new(fd, 0, &lr);
        if (r < 0)
                return error("cannot read audit log '%s': %s", path, strerror(-r));
        while ((r = line_reader_next(lr, &line, &len, &flags)) > 0) {
                if ((++n & 0xffff) == 0 && cli_cancel)
                        return error("interrupted");
                r = audit_assembler_feed(a, line, len, flags);
                if (r < 0)
                        return r;       /* the consumer's error: the caller reports it */
        }
        if (r < 0)
                return error("cannot read audit log '%s': %s", path, strerror(-r));
        return EXIT_CLEAN;
}

int audit_inputs_read(const struct strv *files, struct audit_assembler *a)
{
        size_t i;
        int r = EXIT_CLEAN;

        for (i = 0; i < files->n && r == EXIT_CLEAN; i++) {
                bool is_stdin = strcmp(files->v[i], "-") == 0;
                const char *name = is_stdin ? "standard input" : files->v[i];
                int fd = is_stdin ? STDIN_FILENO : open(files->v[i], O_RDONLY | O_CLOEXEC);

                if (fd < 0)
                        return error("cannot open audit log '%s': %s", name, strerror(errno));
                r = read_one(a, name, fd);
                if (!is_stdin)
                        close(fd);
        }
        return r;
}
