/* Posture: cron, anacron and at, as they read their files: cron reads
 * /etc/crontab and /etc/cron.d/NAME (with a user field; Debian's cron skips
 * names that are not run-parts names, [A-Za-z0-9_-]+, so a file with a dot is
 * ignored: reported as such), and the users' crontabs of
 * /var/spool/cron/crontabs/USER (cronie: /var/spool/cron/USER); run-parts
 * runs the scripts of /etc/cron.{hourly,daily,weekly,monthly} with the same
 * naming rule; anacron reads /etc/anacrontab; atd runs the jobs queued in
 * /var/spool/cron/atjobs (/var/spool/at). A file with a line cron refuses is
 * ignored whole by cron: one DW-POS-CONFIG-INVALID. */
#define _GNU_SOURCE
#include "posture-check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parse/crontab.h"

#define CRON_CHECK "cron"

struct cron {
        struct posture *pc;
        bool said;
};

/* run-parts --lsbsysinit off (Debian's cron and run-parts): [A-Za-z0-9_-]+. */
static bool runparts_name(const char *name)
{
        return *name && strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
                                strlen(name);
}

static int emit(struct cron *cc, const char *rule, bool alert, const char *action, const char *file, unsigned line,
                const char *setting, const char *value, const char *message)
{
        return posture_emit(cc->pc, &(struct posture_finding) {
                .rule_id = rule, .alert = alert, .check = CRON_CHECK, .action = action, .file = file, .line = line,
                .setting = setting, .value = value, .message = message,
        });
}

/* A cron file the image does not ship (image-mode roots). */
static int check_added(struct cron *cc, const char *path)
{
        _cleanup_(freep) char *message = NULL;
        int r;

        if (strncmp(path, "/etc/", 5) != 0 || posture_exists(cc->pc, path) <= 0)
                return 0;
        r = posture_added(cc->pc, "DW-POS-CRON-STATE", CRON_CHECK, path, &cc->said);
        if (r <= 0)
                return r;
        if (asprintf(&message, "%s is not in the image's /etc", path) < 0)
                return -ENOMEM;
        return emit(cc, "DW-POS-CRON-ADDED", true, "cron-added", path, 0, "file", path, message);
}

static int parse_system(const char *buf, size_t len, void *ret, char **ret_error)
{
        return crontab_parse(buf, len, CRONTAB_SYSTEM, ret, ret_error);
}

static int parse_user(const char *buf, size_t len, void *ret, char **ret_error)
{
        return crontab_parse(buf, len, CRONTAB_USER, ret, ret_error);
}

static int parse_anacron(const char *buf, size_t len, void *ret, char **ret_error)
{
        return crontab_parse(buf, len, CRONTAB_ANACRON, ret, ret_error);
}

/* A setting cron passes to its commands that makes them run something from
 * a writable place: SHELL, PATH, LD_PRELOAD, LD_LIBRARY_PATH, BASH_ENV. */
static bool setting_writable(const struct crontab_entry *e)
{
        static const char *const names[] = { "SHELL", "PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "BASH_ENV" };
        _cleanup_(freep) char *copy = NULL;
        char *save = NULL;
        size_t i;

        for (i = 0; i < ARRAY_SIZE(names); i++)
                if (strcmp(e->name, names[i]) == 0)
                        break;
        if (i == ARRAY_SIZE(names) || !(copy = strdup(e->value)))
                return false;
        for (char *p = strtok_r(copy, ": ", &save); p; p = strtok_r(NULL, ": ", &save))
                if (posture_writable_path(p))
                        return true;
        return false;
}

static int check_crontab(struct cron *cc, const char *path, enum crontab_kind kind, const char *owner)
{
        static const posture_parse_fn parsers[] = { parse_system, parse_user, parse_anacron };
        _cleanup_(crontab_freep) struct crontab *c = NULL;
        int r;

        r = posture_load(cc->pc, CRON_CHECK, path, CRONTAB_MAX_BYTES, parsers[kind], &c);
        if (r != POSTURE_LOADED)
                return r < 0 ? r : 0;
        for (size_t i = 0; i < c->n; i++) {
                const struct crontab_entry *e = &c->v[i];
                _cleanup_(freep) char *message = NULL, *where = NULL, *value = NULL;
                const char *user = e->user ? e->user : owner;

                if (cc->pc->cancel && *cc->pc->cancel)
                        return -ECANCELED;
                if (e->name) {
                        if (!setting_writable(e))
                                continue;
                        if (asprintf(&message, "%s sets %s=%s: a writable place", path, e->name, e->value) < 0)
                                return -ENOMEM;
                        r = emit(cc, "DW-POS-CRON-WRITABLE", true, "cron-writable", path, e->line, e->name,
                                 e->value, message);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (asprintf(&value, "%s%s%s%s%s %s", e->schedule, user ? " " : "", user ? user : "",
                             e->job ? " " : "", e->job ? e->job : "", e->command) < 0 ||
                    asprintf(&message, "cron entry: %s", value) < 0)
                        return -ENOMEM;
                r = emit(cc, "DW-POS-CRON-STATE", false, "cron-entry", path, e->line, e->schedule, value, message);
                if (r >= 0 && e->reboot) {
                        free(message);
                        if (asprintf(&message, "runs at every boot%s%s: %s", user ? " as " : "", user ? user : "",
                                     e->command) < 0)
                                return -ENOMEM;
                        r = emit(cc, "DW-POS-CRON-REBOOT", true, "cron-reboot", path, e->line, e->schedule, value,
                                 message);
                }
                if (r < 0)
                        return r;
                r = posture_command_writable(e->command, &where);
                if (r > 0) {
                        free(message);
                        if (asprintf(&message, "cron entry runs %s from a writable place", where) < 0)
                                return -ENOMEM;
                        r = emit(cc, "DW-POS-CRON-WRITABLE", true, "cron-writable", path, e->line, e->schedule,
                                 value, message);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A name cron or run-parts skips: stated, not read. */
static int ignored(struct cron *cc, const char *path, const char *name, const char *who)
{
        _cleanup_(freep) char *message = NULL;

        if (asprintf(&message, "%s ignores %s: not a run-parts name ([A-Za-z0-9_-])", who, path) < 0)
                return -ENOMEM;
        return emit(cc, "DW-POS-CRON-STATE", false, "cron-ignored", path, 0, "file", name, message);
}

static int check_cron_d(struct cron *cc)
{
        _cleanup_(strv_release) struct strv names = { 0 };
        int r = posture_list_reported(cc->pc, CRON_CHECK, "/etc/cron.d", "", &names);

        for (size_t i = 0; r >= 0 && i < names.n; i++) {
                _cleanup_(freep) char *path = NULL;

                if (asprintf(&path, "/etc/cron.d/%s", names.v[i]) < 0)
                        return -ENOMEM;
                if (!runparts_name(names.v[i])) {
                        r = ignored(cc, path, names.v[i], "cron");
                        continue;
                }
                r = check_crontab(cc, path, CRONTAB_SYSTEM, NULL);
                r = r < 0 ? r : check_added(cc, path);
        }
        return r;
}

/* The scripts run-parts runs from dir: each stated with its owner and mode;
 * a symlink into a writable place is an alert. */
static int check_scripts(struct cron *cc, const char *dir)
{
        _cleanup_(strv_release) struct strv names = { 0 };
        int r = posture_list_reported(cc->pc, CRON_CHECK, dir, "", &names);

        for (size_t i = 0; r >= 0 && i < names.n; i++) {
                _cleanup_(freep) char *path = NULL, *message = NULL, *target = NULL, *value = NULL;
                struct stat st;

                if (asprintf(&path, "%s/%s", dir, names.v[i]) < 0)
                        return -ENOMEM;
                if (posture_lstat(cc->pc, path, &st) < 0 || S_ISDIR(st.st_mode))
                        continue;
                if (!runparts_name(names.v[i])) {
                        r = ignored(cc, path, names.v[i], "run-parts");
                        continue;
                }
                if (S_ISLNK(st.st_mode) && posture_readlink(cc->pc, path, &target) < 0)
                        target = NULL;
                if (asprintf(&value, "uid %u mode %04o%s%s", (unsigned) st.st_uid, (unsigned) st.st_mode & 07777,
                             target ? " -> " : "", target ? target : "") < 0 ||
                    asprintf(&message, "cron script %s (%s)", path, value) < 0)
                        return -ENOMEM;
                r = emit(cc, "DW-POS-CRON-STATE", false, "cron-script", path, 0, "script", value, message);
                if (r >= 0 && target && posture_writable_path(target)) {
                        free(message);
                        if (asprintf(&message, "cron script %s is a link into a writable place: %s", path,
                                     target) < 0)
                                return -ENOMEM;
                        r = emit(cc, "DW-POS-CRON-WRITABLE", true, "cron-writable", path, 0, "script", target,
                                 message);
                }
                r = r < 0 ? r : check_added(cc, path);
        }
        return r;
}

/* The users' crontabs of dir (the file name is the user); cronie keeps them
 * in /var/spool/cron itself, beside Debian's crontabs/ and atjobs/. */
static int check_spool(struct cron *cc, const char *dir)
{
        _cleanup_(strv_release) struct strv names = { 0 };
        int r = posture_list_reported(cc->pc, CRON_CHECK, dir, "", &names);

        for (size_t i = 0; r >= 0 && i < names.n; i++) {
                _cleanup_(freep) char *path = NULL;
                struct stat st;

                if (asprintf(&path, "%s/%s", dir, names.v[i]) < 0)
                        return -ENOMEM;
                if (posture_lstat(cc->pc, path, &st) < 0 || S_ISDIR(st.st_mode))
                        continue;
                r = check_crontab(cc, path, CRONTAB_USER, names.v[i]);
                if (r >= 0 && strcmp(names.v[i], "root") == 0)
                        r = emit(cc, "DW-POS-CRON-ROOT", true, "cron-root", path, 0, "user", "root",
                                 "root has a user crontab");
        }
        return r;
}

static int check_at(struct cron *cc, const char *dir)
{
        _cleanup_(strv_release) struct strv names = { 0 };
        int r = posture_list_reported(cc->pc, CRON_CHECK, dir, "", &names);

        for (size_t i = 0; r >= 0 && i < names.n; i++) {
                _cleanup_(freep) char *path = NULL, *message = NULL;
                struct stat st;

                if (asprintf(&path, "%s/%s", dir, names.v[i]) < 0)
                        return -ENOMEM;
                if (posture_lstat(cc->pc, path, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                if (asprintf(&message, "at job %s queued by uid %u", names.v[i], (unsigned) st.st_uid) < 0)
                        return -ENOMEM;
                r = emit(cc, "DW-POS-AT-JOB", true, "at-job", path, 0, "job", names.v[i], message);
        }
        return r;
}

int posture_check_cron(struct posture *pc)
{
        static const char *const scripts[] = { "/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly",
                                               "/etc/cron.monthly" };
        struct cron cc = { .pc = pc };
        int r;

        r = check_crontab(&cc, "/etc/crontab", CRONTAB_SYSTEM, NULL);
        r = r ?: check_added(&cc, "/etc/crontab");
        r = r ?: check_cron_d(&cc);
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(scripts); i++)
                r = check_scripts(&cc, scripts[i]);
        r = r ?: check_crontab(&cc, "/etc/anacrontab", CRONTAB_ANACRON, "root");
        r = r ?: check_added(&cc, "/etc/anacrontab");
        r = r ?: check_spool(&cc, "/var/spool/cron/crontabs");
        r = r ?: check_spool(&cc, "/var/spool/cron");
        r = r ?: check_at(&cc, "/var/spool/cron/atjobs");
        r = r ?: check_at(&cc, "/var/spool/at");
        return r;
}
