/* Posture: the dynamic linker and the login shells. ld.so reads
 * /etc/ld.so.preload (glibc elf/rtld.c: names separated by blanks, ':' or
 * newlines, '#' to the end of the line a comment) and loads each library into
 * every dynamically linked program; ldconfig reads /etc/ld.so.conf (glibc
 * elf/ldconfig.c parse_conf: '#' starts a comment, "include GLOB" reads the
 * files the glob matches, relative to the including file's directory unless
 * absolute, "hwcap" lines are ignored, any other line is a library
 * directory). Login shells read /etc/environment (pam_env), /etc/profile and
 * /etc/profile.d/NAME.sh, bash /etc/bash.bashrc, root's ~/.bashrc,
 * ~/.profile and ~/.bash_profile: their LD_PRELOAD, LD_LIBRARY_PATH and PATH
 * assignments and the files they source are judged line by line (a shell is
 * not interpreted: variables are not expanded). */
#define _GNU_SOURCE
#include "posture-check.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LD_CHECK "dynamic-linker"
#define SHELL_CHECK "shell"
#define LD_MAX_BYTES ((size_t) 1 << 20)
#define LD_MAX_DEPTH 8          /* nested includes */
#define LD_MAX_FILES 256        /* files ld.so.conf and its includes read in all */
#define SHELL_MAX_BYTES ((size_t) 1 << 20)

struct ld {
        struct posture *pc;
        bool said;
        struct strv seen;       /* files read: loop detection and the file cap */
};

static int emit(struct posture *pc, const char *rule, bool alert, const char *check, const char *action,
                const char *file, unsigned line, const char *setting, const char *value, const char *message)
{
        return posture_emit(pc, &(struct posture_finding) {
                .rule_id = rule, .alert = alert, .check = check, .action = action, .file = file, .line = line,
                .setting = setting, .value = value, .message = message,
        });
}

/* Reads path (at most max) or reports why not: 1 read, 0 missing or reported. */
static int read_or_report(struct posture *pc, const char *check, const char *path, size_t max, char **ret,
                          size_t *ret_len)
{
        int r = posture_read(pc, path, max, ret, ret_len);

        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0) {
                r = posture_invalid(pc, check, path, posture_read_error(r));
                return r < 0 ? r : 0;
        }
        if (memchr(*ret, '\0', *ret_len)) {
                free(*ret);
                *ret = NULL;
                r = posture_invalid(pc, check, path, "a NUL byte: not a text file");
                return r < 0 ? r : 0;
        }
        return 1;
}

/* The next line of [*p, end): NUL-terminated in place, its number in *line. */
static char *next_line(char **p, char *end, unsigned *line)
{
        char *s = *p, *eol;

        if (s >= end)
                return NULL;
        eol = memchr(s, '\n', (size_t) (end - s));
        if (eol)
                *eol = '\0';
        *p = eol ? eol + 1 : end;
        (*line)++;
        return s;
}

/* Calls fn for each line of path (read beneath the root, at most max bytes,
 * NUL-terminated in place, numbered from 1). A missing file has none; one
 * that cannot be read or holds a NUL byte is reported instead. */
typedef int (*line_fn)(void *data, const char *path, unsigned line, char *s);

static int each_line(struct posture *pc, const char *check, const char *path, size_t max, line_fn fn, void *data)
{
        _cleanup_(freep) char *text = NULL;
        size_t len = 0;
        unsigned line = 0;
        char *p, *s;
        int r = read_or_report(pc, check, path, max, &text, &len);

        if (r <= 0)
                return r;
        p = text;
        while ((s = next_line(&p, text + len, &line))) {
                if (pc->cancel && *pc->cancel)
                        return -ECANCELED;
                r = fn(data, path, line, s);
                if (r < 0)
                        return r;
        }
        return 0;
}

static char *trim(char *s)
{
        size_t n;

        while (*s == ' ' || *s == '\t')
                s++;
        n = strlen(s);
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                s[--n] = '\0';
        return s;
}

static int preload_line(void *data, const char *path, unsigned line, char *s)
{
        struct posture *pc = data;
        char *hash = strchr(s, '#'), *save = NULL;
        int r;

        if (hash)
                *hash = '\0';
        for (char *lib = strtok_r(s, " \t:\r", &save); lib; lib = strtok_r(NULL, " \t:\r", &save)) {
                _cleanup_(freep) char *message = NULL;

                if (asprintf(&message, "ld.so preloads %s into every program", lib) < 0)
                        return -ENOMEM;
                r = emit(pc, "DW-POS-LD-STATE", false, LD_CHECK, "ld-preload", path, line, "preload", lib, message);
                r = r < 0 ? r : emit(pc, "DW-POS-LD-PRELOAD", true, LD_CHECK, "ld-preload", path, line, "preload",
                                     lib, message);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int ld_conf(struct ld *lc, const char *path, unsigned depth);

/* "include PATTERN" of file: the files its last component's glob matches, in
 * strcmp order (glob(3)'s). */
static int ld_include(struct ld *lc, const char *file, unsigned line, const char *pattern, unsigned depth)
{
        _cleanup_(freep) char *abs = NULL, *dir = NULL;
        _cleanup_(strv_release) struct strv names = { 0 };
        const char *slash, *glob;
        int r;

        if (pattern[0] == '/') {
                abs = strdup(pattern);
        } else {
                slash = strrchr(file, '/');
                if (asprintf(&abs, "%.*s/%s", (int) (slash - file), file, pattern) < 0)
                        abs = NULL;
        }
        if (!abs)
                return -ENOMEM;
        slash = strrchr(abs, '/');
        glob = slash + 1;
        dir = strndup(abs, (size_t) (slash - abs));
        if (!dir)
                return -ENOMEM;
        if (strpbrk(dir, "*?[")) {
                _cleanup_(freep) char *message = NULL;

                if (asprintf(&message, "line %u: include %s: a glob in a directory component is not followed",
                             line, pattern) < 0)
                        return -ENOMEM;
                return posture_invalid(lc->pc, LD_CHECK, file, message);
        }
        if (!strpbrk(glob, "*?["))
                return ld_conf(lc, abs, depth + 1);
        r = posture_list_reported(lc->pc, LD_CHECK, *dir ? dir : "/", "", &names);
        for (size_t i = 0; r >= 0 && i < names.n; i++) {
                _cleanup_(freep) char *path = NULL;

                if (fnmatch(glob, names.v[i], FNM_PERIOD) != 0)
                        continue;
                if (asprintf(&path, "%s/%s", dir, names.v[i]) < 0)
                        return -ENOMEM;
                r = ld_conf(lc, path, depth + 1);
        }
        return r;
}

struct ld_file {
        struct ld *lc;
        unsigned depth;
};

static int ld_line(void *data, const char *path, unsigned line, char *s)
{
        const struct ld_file *lf = data;
        struct ld *lc = lf->lc;
        _cleanup_(freep) char *message = NULL;
        char *hash = strchr(s, '#');
        int r = 0;

        if (hash)
                *hash = '\0';
        s = trim(s);
        if (!*s)
                return 0;
        if (strncmp(s, "include", 7) == 0 && (s[7] == ' ' || s[7] == '\t')) {
                char *save = NULL;

                for (char *g = strtok_r(s + 8, " \t", &save); r >= 0 && g; g = strtok_r(NULL, " \t", &save))
                        r = ld_include(lc, path, line, g, lf->depth);
                return r;
        }
        if (strncmp(s, "hwcap", 5) == 0 && (s[5] == ' ' || s[5] == '\t'))
                return 0;
        if (asprintf(&message, "ldconfig library directory %s", s) < 0)
                return -ENOMEM;
        r = emit(lc->pc, "DW-POS-LD-STATE", false, LD_CHECK, "ld-directory", path, line, "directory", s, message);
        if (r < 0 || !posture_writable_path(s))
                return r;
        free(message);
        if (asprintf(&message, "ldconfig library directory %s is in a writable place", s) < 0)
                return -ENOMEM;
        return emit(lc->pc, "DW-POS-LD-WRITABLE", true, LD_CHECK, "ld-writable", path, line, "directory", s,
                    message);
}

static int ld_conf(struct ld *lc, const char *path, unsigned depth)
{
        struct ld_file lf = { .lc = lc, .depth = depth };
        int r;

        for (size_t i = 0; i < lc->seen.n; i++)
                if (strcmp(lc->seen.v[i], path) == 0)
                        return posture_invalid(lc->pc, LD_CHECK, path, "included again: an include loop");
        if (depth > LD_MAX_DEPTH)
                return posture_invalid(lc->pc, LD_CHECK, path, "includes nested deeper than 8");
        if (lc->seen.n >= LD_MAX_FILES)
                return posture_invalid(lc->pc, LD_CHECK, path, "more than 256 files included");
        if (strv_push(&lc->seen, path) < 0)
                return -ENOMEM;
        if (depth > 0 && strncmp(path, "/etc/", 5) == 0 && posture_exists(lc->pc, path) > 0) {
                r = posture_added(lc->pc, "DW-POS-LD-STATE", LD_CHECK, path, &lc->said);
                if (r > 0)
                        r = emit(lc->pc, "DW-POS-LD-ADDED", true, LD_CHECK, "ld-added", path, 0, "include", path,
                                 "ld.so.conf includes a file the image does not ship");
                if (r < 0)
                        return r;
        }
        return each_line(lc->pc, LD_CHECK, path, LD_MAX_BYTES, ld_line, &lf);
}

/* A PATH-like value: the first of its ':'-separated parts in a writable place. */
static const char *writable_part(char *value)
{
        char *save = NULL;

        for (char *p = strtok_r(value, ":", &save); p; p = strtok_r(NULL, ":", &save))
                if (posture_writable_path(p))
                        return p;
        return NULL;
}

/* One line of a shell startup file: an assignment of LD_PRELOAD,
 * LD_LIBRARY_PATH or PATH (after "export "), or a ". FILE" / "source FILE". */
struct shell_file {
        struct posture *pc;
        bool root_rc;           /* root's own rc file: PATH is root's business */
};

static int shell_line(void *data, const char *path, unsigned line, char *s)
{
        const struct shell_file *sf = data;
        struct posture *pc = sf->pc;
        bool root_rc = sf->root_rc;
        static const char *const names[] = { "LD_PRELOAD", "LD_LIBRARY_PATH", "PATH" };
        _cleanup_(freep) char *message = NULL, *value = NULL;
        const char *bad = NULL;
        int r;

        s = trim(s);
        if (strncmp(s, "export ", 7) == 0)
                s = trim(s + 7);
        if ((s[0] == '.' && (s[1] == ' ' || s[1] == '\t')) || strncmp(s, "source ", 7) == 0) {
                char *f = trim(s + (s[0] == '.' ? 1 : 7)), *end;

                if (*f == '"' || *f == '\'')
                        f++;
                end = f + strcspn(f, " \t\"';");
                *end = '\0';
                if (!posture_writable_path(f))
                        return 0;
                if (asprintf(&message, "%s sources %s from a writable place", path, f) < 0)
                        return -ENOMEM;
                return emit(pc, "DW-POS-SHELL-ENV", true, SHELL_CHECK, "shell-source", path, line, "source", f,
                            message);
        }
        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                size_t n = strlen(names[i]);
                size_t vl;

                if (strncmp(s, names[i], n) != 0 || s[n] != '=')
                        continue;
                value = strndup(s + n + 1, strcspn(s + n + 1, " \t;#"));
                if (!value)
                        return -ENOMEM;
                vl = strlen(value);
                if (vl >= 2 && (value[0] == '"' || value[0] == '\'') && value[vl - 1] == value[0]) {
                        memmove(value, value + 1, vl - 2);
                        value[vl - 2] = '\0';
                }
                if (asprintf(&message, "%s sets %s=%s", path, names[i], value) < 0)
                        return -ENOMEM;
                r = emit(pc, "DW-POS-SHELL-STATE", false, SHELL_CHECK, "shell-env", path, line, names[i], value,
                         message);
                if (r < 0)
                        return r;
                if (i == 0 && *value)
                        bad = value;
                else if (!root_rc || i == 0)
                        bad = writable_part(value);
                if (!bad)
                        return 0;
                free(message);
                if (asprintf(&message, "%s sets %s to %s%s", path, names[i], bad,
                             i == 0 ? ": every program its shells start loads it" : ", a writable place") < 0)
                        return -ENOMEM;
                return emit(pc, "DW-POS-SHELL-ENV", true, SHELL_CHECK, "shell-env", path, line, names[i], bad,
                            message);
        }
        return 0;
}

static int check_shell_file(struct posture *pc, const char *path, bool root_rc)
{
        struct shell_file sf = { .pc = pc, .root_rc = root_rc };

        return each_line(pc, SHELL_CHECK, path, SHELL_MAX_BYTES, shell_line, &sf);
}

static int check_profile_d(struct posture *pc)
{
        _cleanup_(strv_release) struct strv names = { 0 };
        bool said = false;
        int r = posture_list_reported(pc, SHELL_CHECK, "/etc/profile.d", ".sh", &names);

        for (size_t i = 0; r >= 0 && i < names.n; i++) {
                _cleanup_(freep) char *path = NULL, *message = NULL;

                if (asprintf(&path, "/etc/profile.d/%s", names.v[i]) < 0 ||
                    asprintf(&message, "login shells source %s", path) < 0)
                        return -ENOMEM;
                r = emit(pc, "DW-POS-SHELL-STATE", false, SHELL_CHECK, "shell-profile", path, 0, "profile.d",
                         names.v[i], message);
                r = r < 0 ? r : check_shell_file(pc, path, false);
                r = r < 0 ? r : posture_added(pc, "DW-POS-SHELL-STATE", SHELL_CHECK, path, &said);
                if (r > 0)
                        r = emit(pc, "DW-POS-SHELL-ADDED", true, SHELL_CHECK, "shell-added", path, 0, "profile.d",
                                 names.v[i], "a profile.d script the image does not ship: every login shell runs it");
        }
        return r;
}

int posture_check_linker(struct posture *pc)
{
        struct ld lc = { .pc = pc };
        int r;

        r = each_line(pc, LD_CHECK, "/etc/ld.so.preload", LD_MAX_BYTES, preload_line, pc);
        r = r ?: ld_conf(&lc, "/etc/ld.so.conf", 0);
        strv_release(&lc.seen);
        return r;
}

int posture_check_shells(struct posture *pc)
{
        static const char *const system[] = { "/etc/environment", "/etc/profile", "/etc/bash.bashrc" };
        static const char *const root[] = { "/root/.bashrc", "/root/.profile", "/root/.bash_profile" };
        int r = 0;

        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(system); i++)
                r = check_shell_file(pc, system[i], false);
        r = r ?: check_profile_d(pc);
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(root); i++)
                r = check_shell_file(pc, root[i], true);
        return r;
}
