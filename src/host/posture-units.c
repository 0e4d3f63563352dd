/* Posture: systemd units as the service manager loads them (systemd.unit(5),
 * "Unit File Load Path"): /etc/systemd/system (and /etc/systemd/user, and
 * ~/.config/systemd/user for /root and /home/<user>) holds units that replace
 * those of /usr/lib/systemd/system with the same name, UNIT.d/NAME.conf drop-ins
 * that extend them (an empty "ExecStart=" resets the list, so "ExecStart="
 * then "ExecStart=X" replaces the image's command), UNIT.wants/ and
 * UNIT.requires/ symlinks that enable units, and generators that run as root
 * at every boot (systemd.generator(7)). Each file is read with systemd's own
 * leniency (parse/unit-file.c, unit_file_parse_systemd()). Exec* programs and
 * Environment=, EnvironmentFile=, WorkingDirectory= are judged against the
 * fixed list of writable places (posture_writable_path()); systemd's
 * specifier and variable expansion is not attempted. */
#define _GNU_SOURCE
#include "posture-check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parse/unit-file.h"

#define UNITS_CHECK "units"
#define SYSTEM_DIR "/etc/systemd/system"
#define USER_DIR "/etc/systemd/user"
#define VENDOR_DIR "/usr/lib/systemd/system"
#define HOME_UNITS ".config/systemd/user"
#define UNITS_MAX_HOMES 256     /* home directories looked at (/root first) */

enum scope {
        SCOPE_SYSTEM,           /* /etc/systemd/system */
        SCOPE_USER,             /* /etc/systemd/user: every user's manager */
        SCOPE_HOME,             /* ~/.config/systemd/user */
};

struct units {
        struct posture *pc;
        bool said;                      /* the root is not image-mode: said once */
        struct strv writable;           /* units (of the directory at hand) that run from writable places */
};

static const char *const unit_types[] = { ".service", ".socket", ".timer", ".path", ".mount", ".automount",
                                          ".swap", ".target", ".slice", ".scope" };

static const char *const exec_keys[] = { "ExecStart", "ExecStartPre", "ExecStartPost", "ExecStop", "ExecStopPost",
                                         "ExecReload", "ExecCondition" };

static bool ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);

        return n > m && strcmp(s + n - m, suffix) == 0;
}

static bool is_unit_name(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(unit_types); i++)
                if (ends_with(name, unit_types[i]))
                        return true;
        return false;
}

static bool is_exec_key(const char *key)
{
        for (size_t i = 0; i < ARRAY_SIZE(exec_keys); i++)
                if (strcmp(key, exec_keys[i]) == 0)
                        return true;
        return false;
}

static bool in_strv(const struct strv *v, const char *s)
{
        for (size_t i = 0; i < v->n; i++)
                if (strcmp(v->v[i], s) == 0)
                        return true;
        return false;
}

static int parse_unit(const char *buf, size_t len, void *ret, char **ret_error)
{
        return unit_file_parse_systemd(buf, len, ret, ret_error);
}

static const char *scope_name(enum scope s)
{
        return s == SCOPE_SYSTEM ? "system" : s == SCOPE_USER ? "user (every user)" : "user (home)";
}

/* The command of an Exec* value past systemd's prefixes (systemd.service(5),
 * "Command lines": @ - : + ! !!). */
static const char *exec_command(const char *v)
{
        while (*v == '@' || *v == '-' || *v == ':' || *v == '+' || *v == '!')
                v++;
        return v;
}

/* The paths an Environment= value sets (each NAME=VALUE word, VALUE split at
 * ':'), an EnvironmentFile= or WorkingDirectory= value (a leading '-' is
 * "ignore when missing"): the first in a writable place. */
static int setting_writable(const char *key, const char *value, char **ret_path)
{
        _cleanup_(freep) char *copy = NULL;
        char *save = NULL, *w;

        if (strcmp(key, "EnvironmentFile") == 0 || strcmp(key, "WorkingDirectory") == 0) {
                if (*value == '-')
                        value++;
                if (posture_writable_path(value))
                        return (*ret_path = strdup(value)) ? 1 : -ENOMEM;
                return 0;
        }
        copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        for (w = strtok_r(copy, " \t\"'", &save); w; w = strtok_r(NULL, " \t\"'", &save)) {
                char *eq = strchr(w, '='), *save2 = NULL, *p;

                if (!eq)
                        continue;
                for (p = strtok_r(eq + 1, ":", &save2); p; p = strtok_r(NULL, ":", &save2))
                        if (posture_writable_path(p))
                                return (*ret_path = strdup(p)) ? 1 : -ENOMEM;
        }
        return 0;
}

static int emit_writable(struct units *uc, const char *file, unsigned line, const char *setting, const char *value,
                         const char *where, const char *unit)
{
        _cleanup_(freep) char *message = NULL;

        if (asprintf(&message, "%s of %s runs from or points into a writable place: %s", setting, unit, where) < 0)
                return -ENOMEM;
        return posture_emit(uc->pc, &(struct posture_finding) {
                .rule_id = "DW-POS-UNIT-WRITABLE-EXEC", .alert = true, .check = UNITS_CHECK,
                .action = "unit-writable-exec", .file = file, .line = line, .setting = setting, .value = value,
                .message = message,
        });
}

/* One unit file or drop-in (path) of unit 'unit': its Exec* lines (state),
 * the writable places they use (alerts), and for a drop-in of an image unit
 * an ExecStart= reset followed by a new one. */
static int check_file(struct units *uc, const char *path, const char *unit, enum scope scope, bool dropin)
{
        _cleanup_(unit_file_freep) struct unit_file *u = NULL;
        _cleanup_(freep) char *message = NULL;
        bool reset = false, writable = false;
        int r;

        r = posture_load(uc->pc, UNITS_CHECK, path, UNIT_FILE_MAX_BYTES, parse_unit, &u);
        if (r != POSTURE_LOADED)
                return r < 0 ? r : 0;
        if (asprintf(&message, "%s %s of %s (%s)", dropin ? "drop-in" : "unit", path, unit, scope_name(scope)) < 0)
                return -ENOMEM;
        r = posture_emit(uc->pc, &(struct posture_finding) {
                .rule_id = "DW-POS-UNIT-STATE", .check = UNITS_CHECK, .action = dropin ? "unit-dropin" : "unit",
                .file = path, .setting = "unit", .value = unit, .message = message,
        });
        for (size_t i = 0; r >= 0 && i < u->n; i++) {
                const struct unit_entry *e = &u->v[i];
                _cleanup_(freep) char *where = NULL, *msg = NULL;
                bool exec = is_exec_key(e->key);

                if (uc->pc->cancel && *uc->pc->cancel)
                        return -ECANCELED;
                if (exec) {
                        if (asprintf(&msg, "%s of %s: %s", e->key, unit, *e->value ? e->value : "(reset)") < 0)
                                return -ENOMEM;
                        r = posture_emit(uc->pc, &(struct posture_finding) {
                                .rule_id = "DW-POS-UNIT-STATE", .check = UNITS_CHECK, .action = "unit-exec",
                                .file = path, .line = e->line, .setting = e->key, .value = e->value,
                                .message = msg,
                        });
                        if (r < 0)
                                return r;
                        r = posture_command_writable(exec_command(e->value), &where);
                } else if (strcmp(e->key, "Environment") == 0 || strcmp(e->key, "EnvironmentFile") == 0 ||
                           strcmp(e->key, "WorkingDirectory") == 0) {
                        r = setting_writable(e->key, e->value, &where);
                } else {
                        continue;
                }
                if (r < 0)
                        return r;
                if (r > 0) {
                        writable = true;
                        r = emit_writable(uc, path, e->line, e->key, e->value, where, unit);
                        if (r < 0)
                                return r;
                }
                if (dropin && strcmp(e->key, "ExecStart") == 0) {
                        _cleanup_(freep) char *vendor = NULL, *m = NULL;

                        if (!*e->value) {
                                reset = true;
                                continue;
                        }
                        if (!reset || scope != SCOPE_SYSTEM)
                                continue;
                        reset = false;          /* one alert per replacement */
                        if (asprintf(&vendor, VENDOR_DIR "/%s", unit) < 0)
                                return -ENOMEM;
                        r = posture_exists(uc->pc, vendor);
                        if (r <= 0)
                                continue;
                        if (asprintf(&m, "drop-in replaces the ExecStart of the image unit %s with: %s", vendor,
                                     e->value) < 0)
                                return -ENOMEM;
                        r = posture_emit(uc->pc, &(struct posture_finding) {
                                .rule_id = "DW-POS-UNIT-EXEC-OVERRIDE", .alert = true, .check = UNITS_CHECK,
                                .action = "unit-exec-override", .file = path, .line = e->line,
                                .setting = "ExecStart", .value = e->value, .message = m,
                        });
                }
                r = r < 0 ? r : 0;
        }
        if (r >= 0 && writable && !in_strv(&uc->writable, unit) && strv_push(&uc->writable, unit) < 0)
                return -ENOMEM;
        return r;
}

/* The unit a timer or socket activates: Unit= of its [Timer] / [Socket]
 * section, else the service of the same name (Accept=yes: NAME@.service). */
static int activated_unit(struct units *uc, const char *path, const char *name, char **ret, unsigned *ret_line)
{
        _cleanup_(unit_file_freep) struct unit_file *u = NULL;
        const char *dot = strrchr(name, '.'), *unit = NULL;
        bool accept = false;
        unsigned line = 0;
        int r;

        {
                _cleanup_(freep) char *text = NULL, *error = NULL;
                size_t len = 0;

                r = posture_read(uc->pc, path, UNIT_FILE_MAX_BYTES, &text, &len);
                r = r < 0 ? r : unit_file_parse_systemd(text, len, &u, &error);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return 0;       /* reported by check_file() */
        }
        for (size_t i = 0; i < u->n; i++) {
                const struct unit_entry *e = &u->v[i];

                if (strcmp(e->section, "Timer") != 0 && strcmp(e->section, "Socket") != 0)
                        continue;
                if (strcmp(e->key, "Unit") == 0) {
                        unit = e->value;
                        line = e->line;
                } else if (strcmp(e->key, "Accept") == 0) {
                        accept = strcmp(e->value, "yes") == 0 || strcmp(e->value, "true") == 0 ||
                                 strcmp(e->value, "1") == 0 || strcmp(e->value, "on") == 0;
                }
        }
        if (unit)
                *ret = strdup(unit);
        else if (asprintf(ret, "%.*s%s.service", (int) (dot - name), name, accept ? "@" : "") < 0)
                *ret = NULL;
        *ret_line = line;
        return *ret ? 1 : -ENOMEM;
}

static int check_activator(struct units *uc, const char *path, const char *name)
{
        _cleanup_(freep) char *target = NULL, *message = NULL;
        unsigned line = 0;
        int r = activated_unit(uc, path, name, &target, &line);

        if (r <= 0)
                return r;
        if (asprintf(&message, "%s activates %s", name, target) < 0)
                return -ENOMEM;
        r = posture_emit(uc->pc, &(struct posture_finding) {
                .rule_id = "DW-POS-UNIT-STATE", .check = UNITS_CHECK,
                .action = ends_with(name, ".timer") ? "unit-timer" : "unit-socket", .file = path, .line = line,
                .setting = "Unit", .value = target, .message = message,
        });
        if (r < 0 || !in_strv(&uc->writable, target))
                return r;
        free(message);
        if (asprintf(&message, "%s activates %s, which runs from a writable place", name, target) < 0)
                return -ENOMEM;
        return posture_emit(uc->pc, &(struct posture_finding) {
                .rule_id = "DW-POS-UNIT-WRITABLE-EXEC", .alert = true, .check = UNITS_CHECK,
                .action = "unit-writable-exec", .file = path, .line = line, .setting = "Unit", .value = target,
                .message = message,
        });
}

/* A unit name in dir that is a symlink: masked (to /dev/null), linked from
 * elsewhere; a link into a writable place is an alert. */
static int check_link(struct units *uc, const char *path, const char *name, const char *rule_id, bool alert_added,
                      bool home)
{
        _cleanup_(freep) char *target = NULL, *message = NULL;
        int r = posture_readlink(uc->pc, path, &target);

        if (r < 0)
                return posture_invalid(uc->pc, UNITS_CHECK, path, strerror(-r));
        if (asprintf(&message, "%s -> %s", path, target) < 0)
                return -ENOMEM;
        r = posture_emit(uc->pc, &(struct posture_finding) {
                .rule_id = "DW-POS-UNIT-STATE", .check = UNITS_CHECK,
                .action = strcmp(target, "/dev/null") == 0 ? "unit-masked" : "unit-link", .file = path,
                .setting = name, .value = target, .message = message,
        });
        if (r >= 0 && target[0] == '/' && posture_writable_path(target))
                r = emit_writable(uc, path, 0, "link", target, target, name);
        if (r < 0 || !rule_id)
                return r;
        /* An enabling link (DIR.wants/NAME): added to what the image has? */
        if (!home) {
                _cleanup_(freep) char *vendor = NULL;
                const char *rel = strstr(path, "/systemd/");

                r = alert_added ? posture_added(uc->pc, "DW-POS-UNIT-STATE", UNITS_CHECK, path, &uc->said) : 0;
                if (r <= 0)
                        return r;
                /* the image may enable it in /usr/lib instead of /usr/etc */
                if (rel && asprintf(&vendor, "/usr/lib%s", rel) < 0)
                        return -ENOMEM;
                if (vendor && posture_exists(uc->pc, vendor) > 0)
                        return 0;
        }
        free(message);
        if (asprintf(&message, "%s is enabled by %s, which the %s", name, path,
                     home ? "user added in their home" : "image does not ship") < 0)
                return -ENOMEM;
        return posture_emit(uc->pc, &(struct posture_finding) {
                .rule_id = rule_id, .alert = true, .check = UNITS_CHECK, .action = "unit-enabled-added",
                .file = path, .setting = name, .value = target, .message = message,
        });
}

/* systemd-delta's [OVERRIDDEN] (a unit of /etc replacing the image's of
 * the same name) and [EXTENDED] (a drop-in of /etc for a unit there or in
 * the image): state. */
static int check_delta(struct units *uc, const char *dir, const char *unit, const char *path, bool dropin)
{
        _cleanup_(freep) char *vendor = NULL, *own = NULL, *message = NULL;
        int r, v;

        if (asprintf(&vendor, VENDOR_DIR "/%s", unit) < 0 || asprintf(&own, "%s/%s", dir, unit) < 0)
                return -ENOMEM;
        v = posture_exists(uc->pc, vendor);
        if (v < 0)
                return v;
        r = dropin && !v ? posture_exists(uc->pc, own) : v;
        if (r <= 0)
                return r;
        if (asprintf(&message, "%s %s %s", path, dropin ? "extends" : "overrides", v ? vendor : own) < 0)
                return -ENOMEM;
        return posture_emit(uc->pc, &(struct posture_finding) {
                .rule_id = "DW-POS-UNIT-STATE", .check = UNITS_CHECK,
                .action = dropin ? "unit-extended" : "unit-overridden", .file = path, .setting = unit,
                .value = v ? vendor : own, .message = message,
        });
}

/* The unit files (and symlinks) of dir, then its drop-ins, then timers and
 * sockets (which need the services' verdicts), then its .wants/.requires. */
static int check_dir(struct units *uc, const char *dir, enum scope scope)
{
        _cleanup_(strv_release) struct strv names = { 0 };
        const char *enable_rule = scope == SCOPE_SYSTEM ? "DW-POS-UNIT-ENABLED-ADDED" : "DW-POS-UNIT-USER";
        int r;

        strv_release(&uc->writable);
        r = posture_list_reported(uc->pc, UNITS_CHECK, dir, "", &names);
        if (r < 0)
                return r;
        for (int pass = 0; pass < 4; pass++)
                for (size_t i = 0; i < names.n; i++) {
                        const char *name = names.v[i];
                        _cleanup_(freep) char *path = NULL;
                        bool activator = ends_with(name, ".timer") || ends_with(name, ".socket");
                        struct stat st;

                        if (uc->pc->cancel && *uc->pc->cancel)
                                return -ECANCELED;
                        if (asprintf(&path, "%s/%s", dir, name) < 0)
                                return -ENOMEM;
                        if (posture_lstat(uc->pc, path, &st) < 0)
                                continue;
                        if (pass == 0 && is_unit_name(name) && S_ISLNK(st.st_mode)) {
                                r = check_link(uc, path, name, NULL, false, false);
                        } else if (pass == 0 && is_unit_name(name) && !activator && S_ISREG(st.st_mode)) {
                                r = check_file(uc, path, name, scope, false);
                                if (r >= 0 && scope == SCOPE_SYSTEM)
                                        r = check_delta(uc, dir, name, path, false);
                        } else if (pass == 1 && ends_with(name, ".d") && S_ISDIR(st.st_mode)) {
                                _cleanup_(strv_release) struct strv confs = { 0 };
                                _cleanup_(freep) char *unit = strndup(name, strlen(name) - 2);

                                if (!unit)
                                        return -ENOMEM;
                                r = posture_list_reported(uc->pc, UNITS_CHECK, path, ".conf", &confs);
                                for (size_t k = 0; r >= 0 && k < confs.n; k++) {
                                        _cleanup_(freep) char *conf = NULL;

                                        if (asprintf(&conf, "%s/%s", path, confs.v[k]) < 0)
                                                return -ENOMEM;
                                        r = check_file(uc, conf, unit, scope, true);
                                        if (r >= 0 && scope == SCOPE_SYSTEM)
                                                r = check_delta(uc, dir, unit, conf, true);
                                }
                        } else if (pass == 2 && activator && S_ISREG(st.st_mode)) {
                                r = check_file(uc, path, name, scope, false);
                                r = r < 0 ? r : check_activator(uc, path, name);
                                if (r >= 0 && scope == SCOPE_SYSTEM)
                                        r = check_delta(uc, dir, name, path, false);
                        } else if (pass == 3 && S_ISDIR(st.st_mode) &&
                                   (ends_with(name, ".wants") || ends_with(name, ".requires") ||
                                    ends_with(name, ".upholds"))) {
                                _cleanup_(strv_release) struct strv links = { 0 };

                                r = posture_list_reported(uc->pc, UNITS_CHECK, path, "", &links);
                                for (size_t k = 0; r >= 0 && k < links.n; k++) {
                                        _cleanup_(freep) char *link = NULL;
                                        struct stat lst;

                                        if (asprintf(&link, "%s/%s", path, links.v[k]) < 0)
                                                return -ENOMEM;
                                        if (posture_lstat(uc->pc, link, &lst) < 0)
                                                continue;
                                        if (S_ISLNK(lst.st_mode))
                                                r = check_link(uc, link, links.v[k], enable_rule,
                                                               scope != SCOPE_HOME, scope == SCOPE_HOME);
                                        else if (S_ISREG(lst.st_mode))
                                                r = check_file(uc, link, links.v[k], scope, false);
                                }
                        } else {
                                continue;
                        }
                        if (r < 0)
                                return r;
                }
        return 0;
}

/* Generators run as root (or as the user manager) early at every boot and
 * daemon-reload, and can write any unit: every one in /etc is an alert. */
static int check_generators(struct units *uc, const char *dir)
{
        _cleanup_(strv_release) struct strv names = { 0 };
        int r = posture_list_reported(uc->pc, UNITS_CHECK, dir, "", &names);

        if (r < 0)
                return r;
        for (size_t i = 0; i < names.n; i++) {
                _cleanup_(freep) char *path = NULL, *message = NULL;

                if (asprintf(&path, "%s/%s", dir, names.v[i]) < 0 ||
                    asprintf(&message, "generator %s runs at every boot and daemon-reload before any unit", path) < 0)
                        return -ENOMEM;
                r = posture_emit(uc->pc, &(struct posture_finding) {
                        .rule_id = "DW-POS-UNIT-GENERATOR", .alert = true, .check = UNITS_CHECK,
                        .action = "unit-generator", .file = path, .setting = "generator", .value = names.v[i],
                        .message = message,
                });
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_homes(struct units *uc)
{
        _cleanup_(strv_release) struct strv homes = { 0 };
        int r = posture_list_reported(uc->pc, UNITS_CHECK, "/home", "", &homes);

        if (r < 0)
                return r;
        for (size_t i = 0; i <= homes.n && i < UNITS_MAX_HOMES; i++) {
                _cleanup_(freep) char *dir = NULL;

                if (i == 0 ? !(dir = strdup("/root/" HOME_UNITS))
                           : asprintf(&dir, "/home/%s/" HOME_UNITS, homes.v[i - 1]) < 0)
                        return -ENOMEM;
                r = check_dir(uc, dir, SCOPE_HOME);
                if (r < 0)
                        return r;
        }
        return 0;
}

int posture_check_units(struct posture *pc)
{
        static const char *const generators[] = {
                "/etc/systemd/system-generators", "/etc/systemd/system-environment-generators",
                "/etc/systemd/user-generators", "/etc/systemd/user-environment-generators",
        };
        struct units uc = { .pc = pc };
        int r;

        r = check_dir(&uc, SYSTEM_DIR, SCOPE_SYSTEM);
        r = r ?: check_dir(&uc, USER_DIR, SCOPE_USER);
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(generators); i++)
                r = check_generators(&uc, generators[i]);
        r = r ?: check_homes(&uc);
        strv_release(&uc.writable);
        return r;
}
