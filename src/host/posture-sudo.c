/* Posture: sudoers as sudo reads it (sudoers(5) "Including other files from
 * within sudoers"): /etc/sudoers, then each @include / #include file where it
 * stands (a relative path is relative to the including file's directory) and
 * each @includedir / #includedir directory's files in strcmp order, skipping
 * names that end in '~' or contain a '.'. A file not owned by uid 0, world
 * writable, or group writable by a group other than 0 is one sudo refuses
 * (sudo_secure_file()): it is reported as ignored and not read. Includes nest
 * at most 128 deep (sudo's limit), a file that includes itself is a loop, at
 * most SUDO_MAX_FILES files are read. Aliases are collected from every file
 * first, as sudo matches them only after the whole parse. */
#define _GNU_SOURCE
#include "posture-check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "parse/sudoers.h"

#define SUDOERS_MAIN "/etc/sudoers"
#define SUDO_MAX_DEPTH 128
#define SUDO_MAX_FILES 1024
#define SUDO_ALIAS_DEPTH 8

struct sudo_file {
        char *path;
        struct sudoers *s;
};

struct sudo_ctx {
        struct posture *pc;
        struct sudo_file *files;        /* read order: an included file comes after its includer */
        size_t n_files;
        struct { dev_t dev; ino_t ino; } stack[SUDO_MAX_DEPTH + 1];
        unsigned depth;
        bool too_many, told_image_mode, image_requiretty;
};

static void ctx_release(struct sudo_ctx *c)
{
        size_t i;

        for (i = 0; i < c->n_files; i++) {
                free(c->files[i].path);
                sudoers_free(c->files[i].s);
        }
        free(c->files);
}

static int emit(struct posture *pc, const char *rule, bool alert, enum severity sev, const char *action,
                const char *file, unsigned line, const char *setting, const char *value, const char *message)
{
        return posture_emit(pc, &(struct posture_finding) {
                .rule_id = rule, .alert = alert, .severity = sev, .check = "sudoers", .action = action,
                .file = file, .line = line, .setting = setting, .value = value, .message = message,
        });
}

/* Why sudo refuses the file, or NULL. */
static const char *insecure(const struct stat *st, char *buf, size_t size)
{
        if (st->st_uid != 0)
                snprintf(buf, size, "owned by uid %u, not 0", (unsigned) st->st_uid);
        else if (st->st_mode & S_IWOTH)
                snprintf(buf, size, "world writable (mode %04o)", (unsigned) (st->st_mode & 07777));
        else if ((st->st_mode & S_IWGRP) && st->st_gid != 0)
                snprintf(buf, size, "writable by group %u (mode %04o)", (unsigned) st->st_gid,
                         (unsigned) (st->st_mode & 07777));
        else
                return NULL;
        return buf;
}

static int read_sudoers(struct sudo_ctx *c, const char *path, const char *how);

/* An include's path as sudo resolves it: relative to the including file's
 * directory; "." and ".." taken out (".." stops at the root), so that
 * findings name the file as a reader would. */
static char *resolve(const char *from, const char *path)
{
        const char *slash = strrchr(from, '/'), *p;
        char *joined, *out, *o;

        if (path[0] == '/')
                joined = strdup(path);
        else if (asprintf(&joined, "%.*s/%s", slash ? (int) (slash - from) : 0, from, path) < 0)
                joined = NULL;
        if (!joined)
                return NULL;
        out = o = malloc(strlen(joined) + 2);
        if (!out) {
                free(joined);
                return NULL;
        }
        for (p = joined; *p;) {
                size_t n;

                while (*p == '/')
                        p++;
                n = strcspn(p, "/");
                if (n == 0 || (n == 1 && p[0] == '.')) {
                        /* nothing */
                } else if (n == 2 && p[0] == '.' && p[1] == '.') {
                        while (o > out && *--o != '/')
                                ;
                } else {
                        *o++ = '/';
                        memcpy(o, p, n);
                        o += n;
                }
                p += n;
        }
        if (o == out)
                *o++ = '/';
        *o = '\0';
        free(joined);
        return out;
}

static bool includedir_skips(const char *name)
{
        size_t n = strlen(name);

        return strchr(name, '.') || (n > 0 && name[n - 1] == '~');
}

static int report_added(struct sudo_ctx *c, const char *path)
{
        _cleanup_(freep) char *message = NULL;
        int r = posture_image_ships(c->pc, path, NULL);

        if (r == -ENODATA) {
                if (c->told_image_mode)
                        return 0;
                c->told_image_mode = true;
                return emit(c->pc, "DW-POS-SUDO-FILE", false, 0, "sudoers-image-mode", NULL, 0, "image-mode", "no",
                            "not an image-mode root (no /usr/etc): sudoers.d files are not compared with an image");
        }
        if (r != 0)
                return r == -EINVAL || r > 0 ? 0 : r;
        if (asprintf(&message, "sudoers drop-in '%s' is not shipped by the image", path) < 0)
                return -ENOMEM;
        return emit(c->pc, "DW-POS-SUDO-ADDED", true, 0, "sudoers-added", path, 0, "file", path, message);
}

static int read_dir(struct sudo_ctx *c, const char *from, unsigned line, const char *dir)
{
        _cleanup_(strv_release) struct strv names = { 0 };
        _cleanup_(freep) char *how = NULL;
        size_t i;
        int r;

        r = posture_list(c->pc, dir, "", &names);
        if (r == -E2BIG) {
                _cleanup_(freep) char *reason = NULL;

                if (asprintf(&reason, "more than %d entries: not read (included from %s, line %u)",
                             POSTURE_MAX_DROPINS, from, line) < 0)
                        return -ENOMEM;
                return posture_invalid(c->pc, "sudoers", dir, reason);
        }
        if (r < 0)
                return posture_invalid(c->pc, "sudoers", dir, strerror(-r));
        if (asprintf(&how, "@includedir %s (%s, line %u)", dir, from, line) < 0)
                return -ENOMEM;
        for (i = 0; i < names.n; i++) {
                _cleanup_(freep) char *path = NULL;

                if (includedir_skips(names.v[i]))
                        continue;
                if (asprintf(&path, "%s/%s", dir, names.v[i]) < 0)
                        return -ENOMEM;
                r = read_sudoers(c, path, how);
                if (r == -ENOENT)
                        continue;       /* gone since the listing */
                if (r < 0)
                        return r;
                if (strncmp(path, "/etc/", 5) == 0) {
                        r = report_added(c, path);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int follow_includes(struct sudo_ctx *c, size_t index)
{
        size_t i;
        int r;

        for (i = 0; i < c->files[index].s->n; i++) {
                /* c->files may move as files are added: look it up each time. */
                const struct sudoers_entry *e = &c->files[index].s->v[i];
                _cleanup_(freep) char *target = NULL, *how = NULL;

                if (e->kind != SUDOERS_INCLUDE && e->kind != SUDOERS_INCLUDEDIR)
                        continue;
                if (!(target = resolve(c->files[index].path, e->path)))
                        return -ENOMEM;
                if (e->kind == SUDOERS_INCLUDEDIR) {
                        r = read_dir(c, c->files[index].path, e->line, target);
                } else {
                        if (asprintf(&how, "@include %s (%s, line %u)", e->path, c->files[index].path, e->line) < 0)
                                return -ENOMEM;
                        r = read_sudoers(c, target, how);
                        if (r == -ENOENT) {
                                _cleanup_(freep) char *reason = NULL;

                                if (asprintf(&reason, "line %u: included file '%s' does not exist (sudo refuses "
                                                      "the file)", e->line, target) < 0)
                                        return -ENOMEM;
                                r = posture_invalid(c->pc, "sudoers", c->files[index].path, reason);
                        }
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Reads path and what it includes, depth first. -ENOENT when path does not exist. */
static int read_sudoers(struct sudo_ctx *c, const char *path, const char *how)
{
        _cleanup_(freep) char *text = NULL, *error = NULL, *value = NULL, *message = NULL;
        _cleanup_(sudoers_freep) struct sudoers *s = NULL;
        struct sudo_file *v;
        char why[128];
        struct stat st;
        size_t len = 0, index;
        unsigned k;
        int r;

        if (c->pc->cancel && *c->pc->cancel)
                return -ECANCELED;
        if (c->depth >= SUDO_MAX_DEPTH)
                return posture_invalid(c->pc, "sudoers", path, "includes nested deeper than 128 (sudo's limit)");
        if (c->n_files >= SUDO_MAX_FILES) {
                if (c->too_many)
                        return 0;
                c->too_many = true;
                return posture_invalid(c->pc, "sudoers", path, "more than 1024 sudoers files: the rest not read");
        }
        r = posture_read_stat(c->pc, path, SUDOERS_MAX_BYTES, &text, &len, &st);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return posture_invalid(c->pc, "sudoers", path, posture_read_error(r));
        for (k = 0; k < c->depth; k++)
                if (c->stack[k].dev == st.st_dev && c->stack[k].ino == st.st_ino)
                        return posture_invalid(c->pc, "sudoers", path, "include loop: the file includes itself");
        if (insecure(&st, why, sizeof(why))) {
                if (asprintf(&message, strcmp(path, SUDOERS_MAIN) == 0 ? "sudo refuses to run with '%s': %s" :
                                       "sudo ignores '%s': %s", path, why) < 0)
                        return -ENOMEM;
                return emit(c->pc, "DW-POS-SUDO-IGNORED", true, 0, "sudoers-ignored", path, 0, "file", why, message);
        }
        r = sudoers_parse(text, len, &s, &error);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return posture_invalid(c->pc, "sudoers", path, error ? error : strerror(-r));
        if (asprintf(&value, "uid %u gid %u mode %04o, %s", (unsigned) st.st_uid, (unsigned) st.st_gid,
                     (unsigned) (st.st_mode & 07777), how) < 0 ||
            asprintf(&message, "sudoers file %s (%s)", path, how) < 0)
                return -ENOMEM;
        r = emit(c->pc, "DW-POS-SUDO-FILE", false, 0, "sudoers-file", path, 0, "file", value, message);
        if (r < 0)
                return r;
        v = realloc(c->files, (c->n_files + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        c->files = v;
        index = c->n_files;
        v[index] = (struct sudo_file) { .path = strdup(path), .s = TAKE_PTR(s) };
        c->n_files++;
        if (!v[index].path)
                return -ENOMEM;
        c->stack[c->depth].dev = st.st_dev;
        c->stack[c->depth].ino = st.st_ino;
        c->depth++;
        r = follow_includes(c, index);
        c->depth--;
        return r;
}

/* --- judging what was read */

struct expansion {
        bool all;                       /* a non-negated ALL among the members */
        struct strv items;              /* non-negated members, aliases expanded */
};

static const struct sudoers_entry *find_alias(const struct sudo_ctx *c, const char *type, const char *name)
{
        const struct sudoers_entry *found = NULL;
        size_t f, i;

        for (f = 0; f < c->n_files; f++)
                for (i = 0; i < c->files[f].s->n; i++) {
                        const struct sudoers_entry *e = &c->files[f].s->v[i];

                        if (e->kind == SUDOERS_ALIAS && strcmp(e->alias_type, type) == 0 && strcmp(e->name, name) == 0)
                                found = e;      /* a later definition replaces an earlier one */
                }
        return found;
}

/* item ("!x", "ALIAS", "ALL", "/bin/sh") with aliases of type expanded into x. */
static int expand(const struct sudo_ctx *c, const char *type, const char *item, bool negated, unsigned depth,
                  struct expansion *x)
{
        const struct sudoers_entry *alias;
        size_t i;
        int r;

        while (*item == '!') {
                negated = !negated;
                item++;
        }
        alias = depth < SUDO_ALIAS_DEPTH && sudoers_is_alias_name(item) ? find_alias(c, type, item) : NULL;
        if (alias) {
                for (i = 0; i < alias->members.n; i++) {
                        r = expand(c, type, alias->members.v[i], negated, depth + 1, x);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        if (negated)
                return 0;
        if (strcmp(item, "ALL") == 0)
                x->all = true;
        if (x->items.n < SUDOERS_MAX_ITEMS && strv_push(&x->items, item) < 0)
                return -ENOMEM;
        return 0;
}

static bool admin(const char *who)
{
        return strcmp(who, "root") == 0 || strcmp(who, "%sudo") == 0 || strcmp(who, "%wheel") == 0 ||
               strcmp(who, "%admin") == 0 || strcmp(who, "%root") == 0 || strcmp(who, "#0") == 0;
}

/* *s with "; " and a appended. */
static int append(char **s, const char *a)
{
        char *n;

        if (asprintf(&n, "%s%s%s", *s ? *s : "", *s && **s ? "; " : "", a) < 0)
                return -ENOMEM;
        free(*s);
        *s = n;
        return 0;
}

/* The runas of a command as sudo reads it: root when none is given. */
static bool runas_full(const struct sudo_ctx *c, const struct sudoers_cmnd *cm)
{
        struct expansion x = { 0 };
        const char *p;
        bool full = false;

        if (!cm->runas_users)
                return true;    /* no runas list: as root */
        for (p = cm->runas_users; *p && !full;) {
                size_t n = strcspn(p, ",");
                char *one = strndup(p, n);

                if (!one || expand(c, "Runas_Alias", one, false, 0, &x) < 0) {
                        free(one);
                        break;
                }
                free(one);
                p += n + (p[n] == ',');
        }
        for (size_t i = 0; i < x.items.n; i++)
                full = full || strcmp(x.items.v[i], "ALL") == 0 || strcmp(x.items.v[i], "root") == 0 ||
                       strcmp(x.items.v[i], "#0") == 0;
        strv_release(&x.items);
        return full || (!*cm->runas_users && !cm->runas_groups);
}

static int judge_spec(struct sudo_ctx *c, const char *file, const struct sudoers_entry *e)
{
        _cleanup_(freep) char *who = NULL, *value = NULL, *message = NULL, *nopasswd = NULL, *granted = NULL;
        _cleanup_(strv_release) struct strv users = { 0 };
        bool nopasswd_all = false, grant = false;
        struct expansion ux = { 0 };
        size_t i, k;
        int r;

        for (i = 0; i < e->users.n; i++) {
                r = expand(c, "User_Alias", e->users.v[i], false, 0, &ux);
                if (r < 0) {
                        strv_release(&ux.items);
                        return r;
                }
        }
        users = ux.items;
        who = strdup(e->users.n ? e->users.v[0] : "");
        for (i = 1; who && i < e->users.n; i++) {
                char *n;

                if (asprintf(&n, "%s,%s", who, e->users.v[i]) < 0)
                        n = NULL;
                free(who);
                who = n;
        }
        if (!who)
                return -ENOMEM;
        for (i = 0; i < e->n_cmnds; i++) {
                const struct sudoers_cmnd *cm = &e->cmnds[i];
                _cleanup_(freep) char *spec = NULL;
                struct expansion cx = { 0 };

                if (asprintf(&spec, "%s=(%s%s%s)%s%s%s %s%s", cm->hosts, cm->runas_users ? cm->runas_users : "root",
                             cm->runas_groups ? ":" : "", cm->runas_groups ?: "", cm->tags ? " " : "",
                             cm->tags ?: "", cm->tags ? ":" : "", cm->negated ? "!" : "", cm->command) < 0 ||
                    append(&value, spec) < 0)
                        return -ENOMEM;
                if (cm->negated)
                        continue;
                r = expand(c, "Cmnd_Alias", cm->command, false, 0, &cx);
                for (k = 0; r >= 0 && k < cx.items.n; k++) {
                        const char *cmd = cx.items.v[k];
                        _cleanup_(freep) char *msg = NULL;

                        if (strncmp(cmd, "sudoedit ", 9) == 0 || cmd[0] != '/' || !posture_writable_path(cmd))
                                continue;
                        if (asprintf(&msg, "sudo lets %s run '%s' from a place others can write to", who, cmd) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        r = emit(c->pc, "DW-POS-SUDO-WRITABLE", true, 0, "sudoers-writable-command", file, e->line,
                                 who, cmd, msg);
                }
                if (r >= 0 && cm->nopasswd) {
                        nopasswd_all = nopasswd_all || cx.all;
                        r = append(&nopasswd, cm->command);
                }
                if (r >= 0 && cx.all && runas_full(c, cm))
                        grant = true;
                strv_release(&cx.items);
                if (r < 0)
                        return r;
        }
        if (asprintf(&message, "sudo rule: %s %s", who, value ? value : "") < 0)
                return -ENOMEM;
        r = emit(c->pc, "DW-POS-SUDO-RULE", false, 0, "sudoers-rule", file, e->line, who, value, message);
        if (r < 0)
                return r;
        if (nopasswd) {
                free(message);
                if (asprintf(&message, "sudo runs %s for %s without a password (NOPASSWD)", nopasswd, who) < 0)
                        return -ENOMEM;
                r = emit(c->pc, "DW-POS-SUDO-NOPASSWD", true, nopasswd_all ? SEVERITY_CRITICAL : 0,
                         "sudoers-nopasswd", file, e->line, who, nopasswd, message);
                if (r < 0)
                        return r;
        }
        if (!grant)
                return 0;
        for (i = 0; i < users.n; i++)
                if (!admin(users.v[i]) && append(&granted, users.v[i]) < 0)
                        return -ENOMEM;
        if (!granted)
                return 0;
        free(message);
        if (asprintf(&message, "sudo grants %s every command as root (%s)", granted, value) < 0)
                return -ENOMEM;
        return emit(c->pc, "DW-POS-SUDO-GRANT", true, 0, "sudoers-grant", file, e->line, granted, value, message);
}

static bool env_names_ld(const char *value)
{
        return strstr(value, "LD_PRELOAD") || strstr(value, "LD_LIBRARY_PATH") || strstr(value, "LD_AUDIT") ||
               strstr(value, "LD_*");
}

/* A directory of secure_path others can write to: a writable place, or world writable in the root. */
static bool writable_dir(struct sudo_ctx *c, const char *dir)
{
        struct stat st;
        _cleanup_(closep) int fd = -EBADF;

        if (dir[0] != '/' || posture_writable_path(dir))
                return true;
        while (*dir == '/')
                dir++;
        fd = open_beneath(c->pc->rootfd, dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & S_IWOTH);
}

/* Why setting d weakens sudo, or NULL. */
static int weakens(struct sudo_ctx *c, const struct sudoers_default *d, char **ret)
{
        static const char *const off[] = { "syslog", "logfile", "use_pty", "env_reset", "log_allowed", "log_denied" };

        *ret = NULL;
        for (size_t k = 0; k < ARRAY_SIZE(off); k++)
                if (d->negated && strcmp(d->name, off[k]) == 0)
                        return asprintf(ret, "!%s turns %s off", d->name,
                                        k < 2 || k >= 4 ? "logging of sudo commands" :
                                        k == 2 ? "the pseudo-terminal that keeps a command from the caller's tty" :
                                                 "the environment reset") < 0 ? -ENOMEM : 1;
        if (d->negated && strcmp(d->name, "requiretty") == 0 && c->image_requiretty)
                return asprintf(ret, "!requiretty undoes the image's requiretty") < 0 ? -ENOMEM : 1;
        if ((strcmp(d->name, "env_keep") == 0 || strcmp(d->name, "env_check") == 0) && d->value &&
            d->op != '-' && env_names_ld(d->value))
                return asprintf(ret, "%s keeps the dynamic linker's variables (%s) for the commands sudo runs",
                                d->name, d->value) < 0 ? -ENOMEM : 1;
        if (strcmp(d->name, "secure_path") == 0 && d->value) {
                const char *p = d->value;

                while (*p) {
                        size_t n = strcspn(p, ":");
                        _cleanup_(freep) char *dir = strndup(p, n);

                        if (!dir)
                                return -ENOMEM;
                        if (writable_dir(c, dir))
                                return asprintf(ret, "secure_path has '%s', a directory others can write to",
                                                dir) < 0 ? -ENOMEM : 1;
                        p += n + (p[n] == ':');
                }
        }
        return 0;
}

static int judge_defaults(struct sudo_ctx *c, const char *file, const struct sudoers_entry *e)
{
        size_t i;
        int r;

        for (i = 0; i < e->n_defaults; i++) {
                const struct sudoers_default *d = &e->defaults[i];
                _cleanup_(freep) char *setting = NULL, *value = NULL, *message = NULL, *why = NULL;
                const char *bound = e->bound.n ? e->bound.v[0] : "";

                if (asprintf(&setting, "Defaults%s%s%s %s", e->binding ? (char[]) { e->binding, 0 } : "", bound,
                             e->bound.n > 1 ? ",..." : "", d->name) < 0 ||
                    asprintf(&value, "%s%s%s%s", d->negated ? "!" : "", d->name,
                             d->op == '=' ? "=" : d->op == '+' ? "+=" : d->op == '-' ? "-=" : "",
                             d->value ?: "") < 0 ||
                    asprintf(&message, "sudo setting %s", value) < 0)
                        return -ENOMEM;
                r = emit(c->pc, "DW-POS-SUDO-SETTING", false, 0, "sudoers-setting", file, e->line, setting, value,
                         message);
                if (r < 0)
                        return r;
                if (d->negated && strcmp(d->name, "authenticate") == 0) {
                        free(message);
                        if (asprintf(&message, "sudo asks no password (%s%s%s)", value,
                                     e->binding ? " for " : " for every rule", e->binding ? setting : "") < 0)
                                return -ENOMEM;
                        r = emit(c->pc, "DW-POS-SUDO-NOPASSWD", true, e->binding ? 0 : SEVERITY_CRITICAL,
                                 "sudoers-nopasswd", file, e->line, setting, value, message);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = weakens(c, d, &why);
                if (r <= 0)
                        return r;
                free(message);
                if (asprintf(&message, "sudo setting %s: %s", value, why) < 0)
                        return -ENOMEM;
                r = emit(c->pc, "DW-POS-SUDO-DEFAULTS", true, 0, "sudoers-defaults", file, e->line, setting, value,
                         message);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Whether the image's own sudoers sets requiretty (then !requiretty undoes it). */
static int image_requiretty(struct sudo_ctx *c)
{
        _cleanup_(freep) char *image = NULL, *text = NULL, *error = NULL;
        _cleanup_(sudoers_freep) struct sudoers *s = NULL;
        size_t len = 0, i, k;
        int r;

        r = posture_image_ships(c->pc, SUDOERS_MAIN, &image);
        if (r <= 0)
                return r == -ENODATA || r == 0 ? 0 : r;
        if (posture_read(c->pc, image, SUDOERS_MAX_BYTES, &text, &len) < 0 ||
            sudoers_parse(text, len, &s, &error) < 0)
                return 0;       /* the image's copy is not judged here */
        for (i = 0; i < s->n; i++)
                for (k = 0; s->v[i].kind == SUDOERS_DEFAULTS && k < s->v[i].n_defaults; k++)
                        if (strcmp(s->v[i].defaults[k].name, "requiretty") == 0)
                                c->image_requiretty = !s->v[i].defaults[k].negated;
        return 0;
}

int posture_check_sudo(struct posture *pc)
{
        _cleanup_(ctx_release) struct sudo_ctx c = { .pc = pc };
        size_t f, i;
        int r;

        r = image_requiretty(&c);
        if (r < 0)
                return r;
        r = read_sudoers(&c, SUDOERS_MAIN, "sudo's main file");
        if (r == -ENOENT)
                return emit(pc, "DW-POS-SUDO-FILE", false, 0, "sudoers-file", SUDOERS_MAIN, 0, "file", "absent",
                            "no /etc/sudoers: sudo grants nothing");
        if (r < 0)
                return r;
        for (f = 0; f < c.n_files; f++)
                for (i = 0; i < c.files[f].s->n; i++) {
                        const struct sudoers_entry *e = &c.files[f].s->v[i];

                        if (pc->cancel && *pc->cancel)
                                return -ECANCELED;
                        if (e->kind == SUDOERS_SPEC)
                                r = judge_spec(&c, c.files[f].path, e);
                        else if (e->kind == SUDOERS_DEFAULTS)
                                r = judge_defaults(&c, c.files[f].path, e);
                        if (r < 0)
                                return r;
                }
        return 0;
}
