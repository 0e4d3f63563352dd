/* Path helpers; see path-util.h. */
#define _GNU_SOURCE
#include "path-util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "macros.h"

/* Creates dir, and first its parents when they are missing. */
static int mkdir_with_parents(char *dir, mode_t mode, unsigned depth)
{
        char *slash;
        int r;

        if (mkdir(dir, mode) == 0 || errno == EEXIST)
                return 0;
        if (errno != ENOENT || depth > 255)
                return negative_errno();
        slash = strrchr(dir, '/');
        if (!slash || slash == dir)
                return -ENOENT;
        *slash = '\0';
        r = mkdir_with_parents(dir, mode, depth + 1);
        *slash = '/';
        if (r < 0)
                return r;
        return mkdir(dir, mode) == 0 || errno == EEXIST ? 0 : negative_errno();
}

int mkdir_parents(const char *path, mode_t mode)
{
        _cleanup_(freep) char *dir = strdup(path);
        char *slash;

        if (!dir)
                return -ENOMEM;
        while ((slash = strrchr(dir, '/')) && slash > dir && slash[1] == '\0')
                *slash = '\0';          /* trailing slashes */
        slash = strrchr(dir, '/');
        if (!slash || slash == dir)
                return 0;               /* in the current or the root directory */
        *slash = '\0';
        return mkdir_with_parents(dir, mode, 0);
}

int mkdir_p(const char *dir, mode_t mode)
{
        _cleanup_(freep) char *copy = strdup(dir);
        size_t n;

        if (!copy)
                return -ENOMEM;
        n = strlen(copy);
        while (n > 1 && copy[n - 1] == '/')
                copy[--n] = '\0';
        return mkdir_with_parents(copy, mode, 0);
}

bool path_has_dotdot(const char *p)
{
        const char *c;

        for (c = p; (c = strstr(c, "..")); c += 2)
                if ((c == p || c[-1] == '/') && (c[2] == '\0' || c[2] == '/'))
                        return true;
        return false;
}

/* The lexical normal form of the absolute path p ("//", "." and ".." resolved,
 * no trailing '/') into buf; false when p is not absolute or too long. */
bool path_normalize_lexical(const char *p, char *buf, size_t size)
{
        size_t w = 0;

        if (p[0] != '/')
                return false;
        while (*p) {
                size_t n;

                while (*p == '/')
                        p++;
                n = strcspn(p, "/");
                if (n == 0 || (n == 1 && p[0] == '.')) {
                        p += n;
                        continue;
                }
                if (n == 2 && p[0] == '.' && p[1] == '.') {
                        while (w > 0 && buf[--w] != '/')
                                ;
                        p += n;
                        continue;
                }
                if (w + 1 + n + 1 > size)
                        return false;
                buf[w++] = '/';
                memcpy(buf + w, p, n);
                w += n;
                p += n;
        }
        if (w == 0)
                buf[w++] = '/';
        buf[w] = '\0';
        return true;
}

/* a is b or lies below it. */
bool path_is_within(const char *a, const char *b)
{
        size_t lb = strlen(b);

        if (lb == 1 && b[0] == '/')
                return a[0] == '/';
        return strncmp(a, b, lb) == 0 && (a[lb] == '/' || a[lb] == '\0');
}
