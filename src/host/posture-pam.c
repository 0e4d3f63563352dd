/* Posture: PAM stacks as Linux-PAM builds them (pam_handlers.c): for service
 * S the file /etc/pam.d/S, else the vendor directories /usr/lib/pam.d/S and
 * /usr/etc/pam.d/S; only when /etc/pam.d does not exist, the S lines of the
 * legacy /etc/pam.conf. "include" and "@include" bring another file's lines
 * of the type (every type for @include) in place, "substack" does the same
 * as a stack of its own (its "done" ends only the substack); an include
 * names a file of the same directories, or an absolute path inside the root.
 * A relative module path is relative to the distribution's module
 * directory; the system module directories are the ones Debian, Fedora and
 * others build libpam with. Every file is parsed once; every alert about a
 * line is made once, however many services include it. Includes nest at
 * most PAM_MAX_DEPTH deep; a file that includes itself is a loop. */
#define _GNU_SOURCE
#include "posture-check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "parse/pam.h"

#define PAM_ETC_DIR "/etc/pam.d"
#define PAM_CONF "/etc/pam.conf"
#define PAM_MAX_DEPTH 16
#define PAM_MAX_FILES 2048
#define PAM_MAX_STACK 4096

static const char *const config_dirs[] = { PAM_ETC_DIR, "/usr/lib/pam.d", "/usr/etc/pam.d" };
static const char *const module_dirs[] = {
        "/lib/x86_64-linux-gnu/security", "/usr/lib/x86_64-linux-gnu/security", "/lib/security",
        "/usr/lib64/security", "/usr/lib/security",
};
/* Modules that authenticate the user themselves: a "sufficient" one before
 * pam_unix is a second way in, not a bypass. */
static const char *const authenticators[] = {
        "pam_unix", "pam_rootok", "pam_sss", "pam_krb5", "pam_ldap", "pam_winbind", "pam_systemd_home",
        "pam_fprintd", "pam_u2f", "pam_p11", "pam_pkcs11", "pam_google_authenticator", "pam_oath", "pam_yubico",
        "pam_radius_auth", "pam_tacplus", "pam_deny", "pam_permit",
};

struct cached {
        char *path;
        struct pam_file *f;             /* NULL: missing or reported as invalid */
};

struct flat {
        const char *file;
        const struct pam_entry *e;
        unsigned level;                 /* 0: the service's own stack; more inside substacks */
};

struct pam_ctx {
        struct posture *pc;
        struct cached *files;
        size_t n_files;
        struct strv reported;           /* "RULE file line" of what was said */
        int module_dir_real[ARRAY_SIZE(module_dirs)];  /* -1 not looked, 0 no, 1 a real directory */
        bool told_image_mode, told_too_many;
};

static void ctx_release(struct pam_ctx *c)
{
        size_t i;

        for (i = 0; i < c->n_files; i++) {
                free(c->files[i].path);
                pam_file_free(c->files[i].f);
        }
        free(c->files);
        strv_release(&c->reported);
}

/* 1 when (rule, file, line) was said already; else remembers it and gives 0. */
static int once(struct pam_ctx *c, const char *rule, const char *file, unsigned line)
{
        _cleanup_(freep) char *key = NULL;
        size_t i;

        if (asprintf(&key, "%s %s %u", rule, file ? file : "-", line) < 0)
                return -ENOMEM;
        for (i = 0; i < c->reported.n; i++)
                if (strcmp(c->reported.v[i], key) == 0)
                        return 1;
        return strv_push(&c->reported, key) < 0 ? -ENOMEM : 0;
}

static int emit(struct pam_ctx *c, const char *rule, bool alert, enum severity sev, const char *action,
                const char *file, unsigned line, const char *setting, const char *value, const char *message)
{
        if (alert) {
                int r = once(c, rule, file, line);

                if (r != 0)
                        return r < 0 ? r : 0;
        }
        return posture_emit(c->pc, &(struct posture_finding) {
                .rule_id = rule, .alert = alert, .severity = sev, .check = "pam", .action = action, .file = file,
                .line = line, .setting = setting, .value = value, .message = message,
        });
}

static int invalid(struct pam_ctx *c, const char *file, unsigned line, const char *reason)
{
        int r = once(c, "DW-POS-CONFIG-INVALID", file, line);

        return r != 0 ? (r < 0 ? r : 0) : posture_invalid(c->pc, "pam", file, reason);
}

static int parse_pamd(const char *buf, size_t len, void *ret, char **ret_error)
{
        return pam_parse(buf, len, false, ret, ret_error);
}

static int parse_pamconf(const char *buf, size_t len, void *ret, char **ret_error)
{
        return pam_parse(buf, len, true, ret, ret_error);
}

/* The parsed file at path (read once), or NULL when it is missing or was reported. */
static int load(struct pam_ctx *c, const char *path, bool conf, const struct pam_file **ret,
                const char **ret_path)
{
        struct pam_file *f = NULL;
        struct cached *v;
        size_t i;
        int r;

        for (i = 0; i < c->n_files; i++)
                if (strcmp(c->files[i].path, path) == 0) {
                        *ret = c->files[i].f;
                        if (ret_path)
                                *ret_path = c->files[i].path;
                        return 0;
                }
        if (c->n_files >= PAM_MAX_FILES) {
                *ret = NULL;
                if (c->told_too_many)
                        return 0;
                c->told_too_many = true;
                return invalid(c, path, 0, "more than 2048 PAM files: the rest not read");
        }
        r = posture_load(c->pc, "pam", path, PAM_MAX_BYTES, conf ? parse_pamconf : parse_pamd, &f);
        if (r < 0)
                return r;
        if (r == POSTURE_REPORTED && once(c, "DW-POS-CONFIG-INVALID", path, 0) < 0) {
                pam_file_free(f);
                return -ENOMEM;
        }
        v = realloc(c->files, (c->n_files + 1) * sizeof(*v));
        if (!v) {
                pam_file_free(f);
                return -ENOMEM;
        }
        c->files = v;
        v[c->n_files] = (struct cached) { .path = strdup(path), .f = r == POSTURE_LOADED ? f : NULL };
        if (!v[c->n_files].path) {
                pam_file_free(v[c->n_files].f);
                return -ENOMEM;
        }
        if (ret_path)
                *ret_path = v[c->n_files].path;
        c->n_files++;
        *ret = r == POSTURE_LOADED ? f : NULL;
        return 0;
}

/* Where Linux-PAM finds the configuration 'name' (a service or an include):
 * an absolute path as it is, else the first of the configuration
 * directories that has it. *ret NULL: nowhere. */
static int find_config(struct pam_ctx *c, const char *name, char **ret)
{
        size_t k;
        int r;

        *ret = NULL;
        if (name[0] == '/')
                return (*ret = strdup(name)) ? 0 : -ENOMEM;
        if (strchr(name, '/') || strcmp(name, "..") == 0 || strcmp(name, ".") == 0)
                return 0;
        for (k = 0; k < ARRAY_SIZE(config_dirs); k++) {
                _cleanup_(freep) char *path = NULL;

                if (asprintf(&path, "%s/%s", config_dirs[k], name) < 0)
                        return -ENOMEM;
                r = posture_exists(c->pc, path);
                if (r < 0)
                        return r;
                if (r > 0) {
                        *ret = TAKE_PTR(path);
                        return 0;
                }
        }
        return 0;
}

struct stack {
        struct flat v[PAM_MAX_STACK];
        size_t n;
        const char *chain[PAM_MAX_DEPTH + 1];   /* the files being included, for loops */
        unsigned depth;
};

static int flatten(struct pam_ctx *c, const char *path, const struct pam_file *f, const char *service,
                   const char *type, unsigned level, struct stack *s);

static int include(struct pam_ctx *c, const char *from, const struct pam_entry *e, const char *type,
                   unsigned level, struct stack *s)
{
        _cleanup_(freep) char *target = NULL, *reason = NULL;
        const struct pam_file *f = NULL;
        const char *cached = NULL;
        unsigned k;
        int r;

        r = find_config(c, e->module, &target);
        if (r < 0)
                return r;
        if (!target) {
                if (asprintf(&reason, "line %u: included file '%s' does not exist (the stack fails)", e->line,
                             e->module) < 0)
                        return -ENOMEM;
                return invalid(c, from, e->line, reason);
        }
        for (k = 0; k < s->depth; k++)
                if (strcmp(s->chain[k], target) == 0) {
                        if (asprintf(&reason, "line %u: include loop through '%s'", e->line, target) < 0)
                                return -ENOMEM;
                        return invalid(c, from, e->line, reason);
                }
        if (s->depth >= PAM_MAX_DEPTH) {
                if (asprintf(&reason, "line %u: includes nested deeper than %d", e->line, PAM_MAX_DEPTH) < 0)
                        return -ENOMEM;
                return invalid(c, from, e->line, reason);
        }
        r = load(c, target, false, &f, &cached);
        if (r < 0 || !f)
                return r;
        return flatten(c, cached, f, NULL, type, level, s);
}

/* The entries of type in f (of service, for pam.conf), includes and substacks in place. */
static int flatten(struct pam_ctx *c, const char *path, const struct pam_file *f, const char *service,
                   const char *type, unsigned level, struct stack *s)
{
        size_t i;
        int r = 0;

        s->chain[s->depth++] = path;
        for (i = 0; i < f->n && r >= 0; i++) {
                const struct pam_entry *e = &f->v[i];

                if (service && (!e->service || strcasecmp(e->service, service) != 0))
                        continue;
                if (e->at_include) {
                        r = include(c, path, e, type, level, s);
                        continue;
                }
                if (strcmp(e->type, type) != 0)
                        continue;
                if (strcmp(e->control, "include") == 0 || strcmp(e->control, "substack") == 0) {
                        r = include(c, path, e, type, level + (e->control[0] == 's'), s);
                        continue;
                }
                if (s->n >= PAM_MAX_STACK) {
                        r = invalid(c, path, e->line, "a stack of more than 4096 entries");
                        break;
                }
                /* the cache keeps every file (and so every path) until the check ends */
                s->v[s->n++] = (struct flat) { .file = path, .e = e, .level = level };
        }
        s->depth--;
        return r;
}

/* "pam_unix" for "pam_unix.so", "/lib/security/pam_unix.so" ... */
static void module_name(const char *module, char *buf, size_t size)
{
        const char *base = strrchr(module, '/') ? strrchr(module, '/') + 1 : module;
        size_t n = strlen(base);

        if (n > 3 && strcmp(base + n - 3, ".so") == 0)
                n -= 3;
        snprintf(buf, size, "%.*s", (int) n, base);
}

static bool is(const char *module, const char *name)
{
        char buf[256];

        module_name(module, buf, sizeof(buf));
        return strcmp(buf, name) == 0;
}

static int add_to(char **s, const struct flat *fl)
{
        char *n;

        if (asprintf(&n, "%s%s%s%s %s (%s:%u)", *s ? *s : "", *s ? "; " : "", fl->level ? "substack " : "",
                     fl->e->control, fl->e->module, fl->file, fl->e->line) < 0)
                return -ENOMEM;
        free(*s);
        *s = n;
        return 0;
}

static int check_permit(struct pam_ctx *c, const char *service, const struct stack *s, size_t i)
{
        const struct flat *fl = &s->v[i];
        _cleanup_(freep) char *message = NULL;
        char act[16];
        bool can_fail = false;
        size_t k;

        pam_control_action(fl->e->control, "success", act, sizeof(act));
        for (k = 0; k < s->n && !can_fail; k++) {
                char def[16];

                pam_control_action(s->v[k].e->control, "auth_err", def, sizeof(def));
                can_fail = !is(s->v[k].e->module, "pam_permit") && (strcmp(def, "bad") == 0 || strcmp(def, "die") == 0);
        }
        if (strcmp(act, "done") != 0 && can_fail)
                return 0;
        if (asprintf(&message, "pam_permit (%s) lets authentication for '%s' succeed %s", fl->e->control, service,
                     strcmp(act, "done") == 0 ? "and ends the stack" : "with nothing in the stack that can fail") < 0)
                return -ENOMEM;
        return emit(c, "DW-POS-PAM-PERMIT", true, 0, "pam-permit", fl->file, fl->e->line, "auth", fl->e->module,
                    message);
}

static bool standard_authenticator(const char *module)
{
        char buf[256];
        size_t k;

        if (strchr(module, '/'))
                return false;   /* a standard name by another path is judged by DW-POS-PAM-MODULE, not trusted */
        module_name(module, buf, sizeof(buf));
        for (k = 0; k < ARRAY_SIZE(authenticators); k++)
                if (strcmp(buf, authenticators[k]) == 0)
                        return true;
        return false;
}

static int check_auth(struct pam_ctx *c, const char *service, const struct stack *s)
{
        size_t i, unix_at = s->n;
        int r;

        for (i = 0; i < s->n; i++)
                if (s->v[i].level == 0 && is(s->v[i].e->module, "pam_unix") && !strchr(s->v[i].e->module, '/')) {
                        unix_at = i;
                        break;
                }
        for (i = 0; i < s->n; i++) {
                const struct flat *fl = &s->v[i];
                _cleanup_(freep) char *message = NULL;
                char act[16];
                bool bypass;

                if (is(fl->e->module, "pam_permit")) {
                        r = check_permit(c, service, s, i);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (i >= unix_at || fl->level > 0 || standard_authenticator(fl->e->module))
                        continue;
                pam_control_action(fl->e->control, "success", act, sizeof(act));
                bypass = strcmp(act, "done") == 0 ||
                         (act[0] >= '1' && act[0] <= '9' && unix_at < s->n && i + (size_t) atoi(act) >= unix_at);
                if (!bypass)
                        continue;
                if (asprintf(&message, "%s (%s) can end authentication for '%s' before pam_unix", fl->e->module,
                             fl->e->control, service) < 0)
                        return -ENOMEM;
                r = emit(c, "DW-POS-PAM-SUFFICIENT", true, 0, "pam-sufficient", fl->file, fl->e->line, "auth",
                         fl->e->module, message);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_service(struct pam_ctx *c, const char *service, const char *path, const struct pam_file *f,
                         bool conf)
{
        _cleanup_(freep) struct stack *s = calloc(1, sizeof(*s));
        _cleanup_(freep) char *value = NULL, *message = NULL;
        size_t i;
        int r;

        if (!s)
                return -ENOMEM;
        r = flatten(c, path, f, conf ? service : NULL, "auth", 0, s);
        if (r < 0)
                return r;
        for (i = 0; i < s->n; i++)
                if (add_to(&value, &s->v[i]) < 0)
                        return -ENOMEM;
        if (asprintf(&message, "PAM service '%s' (%s): auth %s", service, path, value ? value : "(no entries)") < 0)
                return -ENOMEM;
        r = emit(c, "DW-POS-PAM-STACK", false, 0, "pam-stack", path, 0, service, value ? value : "(none)", message);
        if (r < 0)
                return r;
        r = check_auth(c, service, s);
        if (r < 0)
                return r;
        /* the other types: their files and includes get read (and so judged line by line) too */
        for (i = 0; i < 3; i++) {
                static const char *const others[] = { "account", "session", "password" };

                s->n = 0;
                s->depth = 0;
                r = flatten(c, path, f, conf ? service : NULL, others[i], 0, s);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Whether module dir k is a real directory in the root (no symlink on the way). */
static bool module_dir_real(struct pam_ctx *c, size_t k)
{
        if (c->module_dir_real[k] < 0) {
                _cleanup_(closep) int fd = open_beneath(c->pc->rootfd, module_dirs[k] + 1,
                                                        O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                c->module_dir_real[k] = fd >= 0;
        }
        return c->module_dir_real[k] > 0;
}

static bool in_module_dir(const char *path)
{
        size_t k;

        for (k = 0; k < ARRAY_SIZE(module_dirs); k++) {
                size_t n = strlen(module_dirs[k]);

                if (strncmp(path, module_dirs[k], n) == 0 && path[n] == '/' && !strchr(path + n + 1, '/'))
                        return true;
        }
        return false;
}

/* 1 the module file is there (or cannot be told: no module directory in the root), 0 it is missing. */
static int module_exists(struct pam_ctx *c, const char *module)
{
        bool any = false;
        size_t k;
        int r;

        if (module[0] == '/') {
                _cleanup_(freep) char *dir = strndup(module, (size_t) (strrchr(module, '/') - module));
                _cleanup_(closep) int fd = -EBADF;

                if (!dir)
                        return -ENOMEM;
                fd = open_beneath(c->pc->rootfd, dir[0] ? dir + 1 : ".", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return 1;
                return posture_exists(c->pc, module);
        }
        for (k = 0; k < ARRAY_SIZE(module_dirs); k++) {
                _cleanup_(freep) char *path = NULL;

                if (!module_dir_real(c, k))
                        continue;
                any = true;
                if (asprintf(&path, "%s/%s", module_dirs[k], module) < 0)
                        return -ENOMEM;
                r = posture_exists(c->pc, path);
                if (r != 0)
                        return r;
        }
        return !any;
}

/* The program pam_exec runs: its first argument that is not an option. */
static const char *exec_program(const struct pam_entry *e)
{
        static const char *const options[] = { "debug", "expose_authtok", "quiet", "quiet_log", "seteuid",
                                               "stdout", "log=", "type=" };
        size_t i, k;

        for (i = 0; i < e->args.n; i++) {
                bool option = false;

                for (k = 0; k < ARRAY_SIZE(options) && !option; k++)
                        option = strncmp(e->args.v[i], options[k], strlen(options[k])) == 0 &&
                                 (options[k][strlen(options[k]) - 1] == '=' || !e->args.v[i][strlen(options[k])]);
                if (!option)
                        return e->args.v[i];
        }
        return NULL;
}

static int check_line(struct pam_ctx *c, const char *file, const struct pam_entry *e)
{
        _cleanup_(freep) char *message = NULL;
        int r;

        if (e->at_include || strcmp(e->control, "include") == 0 || strcmp(e->control, "substack") == 0)
                return 0;
        if (e->module[0] == '/' || strchr(e->module, '/')) {
                bool system = e->module[0] == '/' && in_module_dir(e->module) && !strstr(e->module, "/../") &&
                              !strstr(e->module, "/./");

                if (asprintf(&message, "PAM module by %s path '%s'%s", e->module[0] == '/' ? "absolute" : "relative",
                             e->module, system ? "" : ", outside the system module directories") < 0)
                        return -ENOMEM;
                r = emit(c, "DW-POS-PAM-MODULE", true, system ? SEVERITY_MEDIUM : 0, "pam-module", file, e->line,
                         e->type, e->module, message);
                if (r < 0)
                        return r;
        }
        if (is(e->module, "pam_exec")) {
                const char *prog = exec_program(e);
                bool writable = prog && (prog[0] != '/' || posture_writable_path(prog));

                free(message);
                if (asprintf(&message, "pam_exec runs '%s' in the %s stack%s", prog ? prog : "(no program)", e->type,
                             writable ? ", from a place others can write to" : "") < 0)
                        return -ENOMEM;
                r = emit(c, "DW-POS-PAM-EXEC", true, writable ? SEVERITY_CRITICAL : 0, "pam-exec", file, e->line,
                         e->type, prog ? prog : "", message);
                if (r < 0)
                        return r;
        }
        if (e->silent || (strchr(e->module, '/') && e->module[0] != '/'))
                return 0;
        r = module_exists(c, e->module);
        if (r != 0)
                return r < 0 ? r : 0;
        free(message);
        if (asprintf(&message, "PAM module '%s' does not exist in the root (the %s stack fails)", e->module,
                     e->type) < 0)
                return -ENOMEM;
        return emit(c, "DW-POS-PAM-MISSING", true, 0, "pam-module-missing", file, e->line, e->type, e->module,
                    message);
}

static int report_added(struct pam_ctx *c, const char *path)
{
        _cleanup_(freep) char *message = NULL;
        int r = posture_image_ships(c->pc, path, NULL);

        if (r == -ENODATA) {
                if (c->told_image_mode)
                        return 0;
                c->told_image_mode = true;
                return emit(c, "DW-POS-PAM-STACK", false, 0, "pam-image-mode", NULL, 0, "image-mode", "no",
                            "not an image-mode root (no /usr/etc): pam.d files are not compared with an image");
        }
        if (r != 0)
                return r == -EINVAL || r > 0 ? 0 : r;
        if (asprintf(&message, "PAM file '%s' is not shipped by the image", path) < 0)
                return -ENOMEM;
        return emit(c, "DW-POS-PAM-ADDED", true, 0, "pam-added", path, 0, "file", path, message);
}

static int check_pamd(struct pam_ctx *c)
{
        _cleanup_(strv_release) struct strv names = { 0 };
        size_t k, i, j;
        int r;

        for (k = 0; k < ARRAY_SIZE(config_dirs); k++) {
                _cleanup_(strv_release) struct strv v = { 0 };

                r = posture_list(c->pc, config_dirs[k], "", &v);
                if (r == -E2BIG) {
                        r = invalid(c, config_dirs[k], 0, "more than 1024 entries: not read");
                        if (r < 0)
                                return r;
                        continue;
                }
                if (r < 0)
                        return invalid(c, config_dirs[k], 0, strerror(-r));
                for (i = 0; i < v.n; i++) {
                        bool seen = false;

                        for (j = 0; j < names.n && !seen; j++)
                                seen = strcmp(names.v[j], v.v[i]) == 0;
                        if (!seen && strv_push(&names, v.v[i]) < 0)
                                return -ENOMEM;
                }
                for (i = 0; k == 0 && i < v.n; i++) {
                        _cleanup_(freep) char *path = NULL;

                        if (asprintf(&path, PAM_ETC_DIR "/%s", v.v[i]) < 0)
                                return -ENOMEM;
                        r = report_added(c, path);
                        if (r < 0)
                                return r;
                }
        }
        for (i = 0; i < names.n; i++) {
                _cleanup_(freep) char *path = NULL;
                const struct pam_file *f = NULL;
                const char *cached = NULL;

                if (c->pc->cancel && *c->pc->cancel)
                        return -ECANCELED;
                r = find_config(c, names.v[i], &path);
                if (r < 0)
                        return r;
                if (!path)
                        continue;
                r = load(c, path, false, &f, &cached);
                if (r < 0)
                        return r;
                if (!f)
                        continue;
                r = check_service(c, names.v[i], cached, f, false);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_pamconf(struct pam_ctx *c)
{
        const struct pam_file *f = NULL;
        _cleanup_(strv_release) struct strv services = { 0 };
        size_t i, j;
        int r;

        r = load(c, PAM_CONF, true, &f, NULL);
        if (r < 0 || !f)
                return r;
        for (i = 0; i < f->n; i++) {
                bool seen = false;

                for (j = 0; j < services.n && !seen; j++)
                        seen = strcasecmp(services.v[j], f->v[i].service) == 0;
                if (!seen && strv_push(&services, f->v[i].service) < 0)
                        return -ENOMEM;
        }
        for (i = 0; i < services.n; i++) {
                r = check_service(c, services.v[i], PAM_CONF, f, true);
                if (r < 0)
                        return r;
        }
        return 0;
}

int posture_check_pam(struct posture *pc)
{
        _cleanup_(ctx_release) struct pam_ctx c = { .pc = pc };
        size_t i, k;
        int r;

        for (k = 0; k < ARRAY_SIZE(module_dirs); k++)
                c.module_dir_real[k] = -1;
        r = posture_exists(pc, PAM_ETC_DIR);
        if (r < 0)
                return r;
        r = r > 0 ? check_pamd(&c) : check_pamconf(&c);
        if (r < 0)
                return r;
        /* Every line of every file read, once. */
        for (i = 0; i < c.n_files; i++)
                for (k = 0; c.files[i].f && k < c.files[i].f->n; k++) {
                        r = check_line(&c, c.files[i].path, &c.files[i].f->v[k]);
                        if (r < 0)
                                return r;
                }
        return 0;
}
