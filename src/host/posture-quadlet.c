/* Posture of podman quadlet definitions (podman-systemd.unit(5)): the
 * .container files of the rootful and rootless quadlet directories read for
 * the same posture `driftwatch container posture` judges in pods, with the
 * same rules (DW-CTR-POD-*, DW-CTR-MUTABLE-TAG): Privileged=, AddCapability=,
 * Network=host, SecurityLabelDisable=, SeccompProfile=unconfined, Volume= and
 * Mount= of host paths (/, /etc, the extension search paths, the runtime
 * sockets), ReadOnly=, NoNewPrivileges=, User=, Image= without a digest, and
 * the podman run options of PodmanArgs= (--privileged, --cap-add, --pid=host,
 * --network=host, --ipc=host, --security-opt label=disable|seccomp=unconfined,
 * -v, --mount, --read-only, --user). Files are parsed with the quadlet
 * reader (parse/unit-file.c); binds are split as the extension-reach check
 * splits them (host/quadlet.c). A .kube file's pod YAML (Yaml=) is read
 * beneath the root and judged as `container posture` judges pods
 * (container/pod-posture.c). One DW-CTR-QUADLET state record per definition. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "container/kube.h"
#include "container/pod-posture.h"
#include "container/privilege.h"
#include "host/posture-check.h"
#include "host/quadlet.h"
#include "parse/unit-file.h"

#define CHECK "quadlet"
#define QUADLET_MAX_HOMES 1024
#define QUADLET_MAX_USERS 1024
#define KUBE_YAML_MAX_BYTES ((size_t) 4 << 20)

static const char *const rootful_dirs[] = {
        "/etc/containers/systemd", "/usr/share/containers/systemd", "/run/containers/systemd",
};

/* What one definition grants, with the line of each. */
struct judged {
        struct posture *pc;
        const char *file;
        unsigned privileged, host_network, host_pid, host_ipc;
        struct strv caps;
        unsigned caps_line;
        struct strv unconfined;         /* "SecurityLabelDisable=true", "--security-opt seccomp=unconfined" */
        unsigned unconfined_line;
        int read_only;                  /* -1 not set */
        unsigned read_only_line;
        int no_new_privileges;
        unsigned nnp_line;
        char *user;                     /* owned: PodmanArgs= values do not outlive their parse */
        unsigned user_line;
        const char *image;
        unsigned image_line;
};

static void judged_release(struct judged *j)
{
        strv_release(&j->caps);
        strv_release(&j->unconfined);
        free(j->user);
}

static int set_user(struct judged *j, unsigned line, const char *v)
{
        char *u = strdup(v);

        if (!u)
                return -ENOMEM;
        free(j->user);
        j->user = u;
        j->user_line = line;
        return 0;
}

static int emit(struct judged *j, const char *rule_id, enum severity sev, const char *action, unsigned line,
                const char *setting, const char *value, const char *fmt, ...) _printf_(8, 9);
static int emit(struct judged *j, const char *rule_id, enum severity sev, const char *action, unsigned line,
                const char *setting, const char *value, const char *fmt, ...)
{
        _cleanup_(freep) char *body = NULL, *msg = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&body, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        if (asprintf(&msg, "quadlet %s: %s", j->file, body) < 0)
                return -ENOMEM;
        return posture_emit(j->pc, &(struct posture_finding) {
                .rule_id = rule_id, .alert = strcmp(rule_id, "DW-CTR-QUADLET") != 0, .severity = sev,
                .check = CHECK, .action = action, .file = j->file, .line = line, .setting = setting,
                .value = value, .message = msg,
        });
}

static bool is_true(const char *v)
{
        return strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0 ||
               strcasecmp(v, "on") == 0;
}

static int judge_bind(struct judged *j, unsigned line, const char *key, const char *src)
{
        char what[256];

        if (host_path_classify(src, what, sizeof(what)) == HOST_PATH_SENSITIVE)
                return emit(j, "DW-CTR-POD-HOSTPATH", SEVERITY_CRITICAL, "quadlet-host-path", line, key, src,
                            "%s binds %s into the container: %s", key, src, what);
        return emit(j, "DW-CTR-POD-HOSTPATH", SEVERITY_MEDIUM, "quadlet-host-path", line, key, src,
                    "%s binds the host directory %s into the container", key, src);
}

static int judge_volume(struct judged *j, unsigned line, const char *key, const char *v, bool mount)
{
        _cleanup_(freep) char *src = NULL, *dst = NULL;
        int r = mount ? quadlet_mount_bind(v, &src, &dst) : quadlet_volume_bind(v, &src, &dst);

        return r <= 0 ? r : judge_bind(j, line, key, src);
}

static int add_caps(struct judged *j, unsigned line, const char *list, const char *sep)
{
        for (const char *p = list; *p;) {
                _cleanup_(freep) char *cap = NULL;
                size_t n;

                p += strspn(p, sep);
                n = strcspn(p, sep);
                if (n == 0)
                        break;
                if (!(cap = strndup(p, n)) || strv_push(&j->caps, cap) < 0)
                        return -ENOMEM;
                if (!j->caps_line)
                        j->caps_line = line;
                p += n;
        }
        return 0;
}

static int add_unconfined(struct judged *j, unsigned line, const char *what)
{
        if (!j->unconfined_line)
                j->unconfined_line = line;
        return strv_push(&j->unconfined, what);
}

/* One podman run option (opt "--pid", val "host"; val NULL for a flag). */
static int judge_option(struct judged *j, unsigned line, const char *opt, const char *val)
{
        if (strcmp(opt, "--privileged") == 0 && (!val || is_true(val))) {
                j->privileged = j->privileged ?: line;
        } else if (!val) {
                if (strcmp(opt, "--read-only") == 0) {
                        j->read_only = 1;
                        j->read_only_line = line;
                }
        } else if (strcmp(opt, "--cap-add") == 0) {
                return add_caps(j, line, val, ",");
        } else if (strcmp(opt, "--pid") == 0 && strcmp(val, "host") == 0) {
                j->host_pid = j->host_pid ?: line;
        } else if (strcmp(opt, "--ipc") == 0 && strcmp(val, "host") == 0) {
                j->host_ipc = j->host_ipc ?: line;
        } else if ((strcmp(opt, "--network") == 0 || strcmp(opt, "--net") == 0) && strcmp(val, "host") == 0) {
                j->host_network = j->host_network ?: line;
        } else if (strcmp(opt, "--security-opt") == 0 &&
                   (strcmp(val, "label=disable") == 0 || strcmp(val, "label:disable") == 0 ||
                    strcmp(val, "seccomp=unconfined") == 0 || strcmp(val, "apparmor=unconfined") == 0)) {
                _cleanup_(freep) char *what = NULL;

                if (asprintf(&what, "PodmanArgs=--security-opt %s", val) < 0)
                        return -ENOMEM;
                return add_unconfined(j, line, what);
        } else if (strcmp(opt, "-v") == 0 || strcmp(opt, "--volume") == 0) {
                return judge_volume(j, line, "PodmanArgs=--volume", val, false);
        } else if (strcmp(opt, "--mount") == 0) {
                return judge_volume(j, line, "PodmanArgs=--mount", val, true);
        } else if (strcmp(opt, "--read-only") == 0) {
                j->read_only = is_true(val);
                j->read_only_line = line;
        } else if (strcmp(opt, "--user") == 0 || strcmp(opt, "-u") == 0) {
                return set_user(j, line, val);
        }
        return 0;
}

/* PodmanArgs=: split at whitespace (quotes around a word dropped);
 * "--opt=value", or "--opt value" for the options that take one. */
static int judge_args(struct judged *j, unsigned line, const char *v)
{
        static const char *const with_value[] = { "--cap-add", "--pid", "--ipc", "--network", "--net",
                                                  "--security-opt", "-v", "--volume", "--mount", "--user", "-u" };
        _cleanup_(freep) char *copy = strdup(v);
        char *save = NULL, *pending = NULL;
        int r = 0;

        if (!copy)
                return -ENOMEM;
        for (char *t = strtok_r(copy, " \t", &save); t && r >= 0; t = strtok_r(NULL, " \t", &save)) {
                size_t n = strlen(t);
                char *eq;

                if (n >= 2 && (t[0] == '"' || t[0] == '\'') && t[n - 1] == t[0]) {
                        t[n - 1] = '\0';
                        t++;
                }
                if (pending) {
                        r = judge_option(j, line, pending, t);
                        pending = NULL;
                        continue;
                }
                if (t[0] != '-')
                        continue;
                eq = strchr(t, '=');
                if (eq) {
                        *eq = '\0';
                        r = judge_option(j, line, t, eq + 1);
                        continue;
                }
                pending = NULL;
                for (size_t i = 0; i < ARRAY_SIZE(with_value); i++)
                        if (strcmp(t, with_value[i]) == 0)
                                pending = t;
                if (!pending)
                        r = judge_option(j, line, t, NULL);
        }
        return r;
}

static int judge_entry(struct judged *j, const struct unit_entry *e)
{
        const char *k = e->key, *v = e->value;

        if (strcmp(k, "Image") == 0) {
                j->image = v;
                j->image_line = e->line;
        } else if (strcmp(k, "Privileged") == 0) {
                j->privileged = is_true(v) ? e->line : 0;
        } else if (strcmp(k, "AddCapability") == 0) {
                return add_caps(j, e->line, v, " \t");
        } else if (strcmp(k, "Network") == 0 && strcmp(v, "host") == 0) {
                j->host_network = e->line;
        } else if (strcmp(k, "SecurityLabelDisable") == 0 && is_true(v)) {
                return add_unconfined(j, e->line, "SecurityLabelDisable=true");
        } else if (strcmp(k, "SeccompProfile") == 0 && strcmp(v, "unconfined") == 0) {
                return add_unconfined(j, e->line, "SeccompProfile=unconfined");
        } else if (strcmp(k, "Volume") == 0) {
                return judge_volume(j, e->line, "Volume=", v, false);
        } else if (strcmp(k, "Mount") == 0) {
                return judge_volume(j, e->line, "Mount=", v, true);
        } else if (strcmp(k, "ReadOnly") == 0) {
                j->read_only = is_true(v);
                j->read_only_line = e->line;
        } else if (strcmp(k, "NoNewPrivileges") == 0) {
                j->no_new_privileges = is_true(v);
                j->nnp_line = e->line;
        } else if (strcmp(k, "User") == 0) {
                return set_user(j, e->line, v);
        } else if (strcmp(k, "PodmanArgs") == 0) {
                return judge_args(j, e->line, v);
        }
        return 0;
}

/* What the collected settings amount to, in the pods' order of rules. */
static int judge_finish(struct judged *j)
{
        _cleanup_(freep) char *list = NULL, *unconfined = NULL;
        enum severity sev;
        int r = 0;

        r = emit(j, "DW-CTR-QUADLET", 0, "quadlet", j->image_line, "Image", j->image ?: "(none)",
                 "a container definition of image %s", j->image ?: "(none)");
        if (r >= 0 && j->image && !strchr(j->image, '@') && !strstr(j->image, ".image") &&
            !strstr(j->image, ".build"))
                r = emit(j, "DW-CTR-MUTABLE-TAG", 0, "quadlet-mutable-tag", j->image_line, "Image", j->image,
                         "Image=%s has no @sha256 digest: what it pulls can change", j->image);
        if (r >= 0 && j->privileged)
                r = emit(j, "DW-CTR-POD-PRIVILEGED", 0, "quadlet-privileged", j->privileged, "Privileged", "true",
                         "runs the container privileged (every capability, every device, no confinement)");
        if (r >= 0 && j->no_new_privileges != 1)
                r = emit(j, "DW-CTR-POD-PRIV-ESCALATION", 0, "quadlet-privilege-escalation", j->nnp_line,
                         "NoNewPrivileges", j->no_new_privileges == 0 ? "false" : "(not set)",
                         "NoNewPrivileges is %s: setuid binaries and file capabilities work",
                         j->no_new_privileges == 0 ? "false" : "not set (false)");
        if (r >= 0 && j->read_only != 1)
                r = emit(j, "DW-CTR-POD-RW-ROOTFS", 0, "quadlet-writable-root", j->read_only_line, "ReadOnly",
                         j->read_only == 0 ? "false" : "(not set)",
                         "ReadOnly is %s: the container can drift from its image",
                         j->read_only == 0 ? "false" : "not set (false)");
        if (r >= 0 && (!j->user || strcmp(j->user, "root") == 0 || strcmp(j->user, "0") == 0 ||
                       strncmp(j->user, "0:", 2) == 0 || strncmp(j->user, "root:", 5) == 0))
                r = emit(j, "DW-CTR-POD-RUN-AS-ROOT", j->user ? SEVERITY_HIGH : 0, "quadlet-run-as-root",
                         j->user_line, "User", j->user ?: "(not set)", "%s",
                         j->user ? "User= is root" : "User= is not set: the image's user, often root");
        if (r >= 0 && j->caps.n) {
                r = caps_judge(&j->caps, &list, &sev);
                r = r < 0 ? r : emit(j, "DW-CTR-POD-CAPS", sev, "quadlet-capabilities-added", j->caps_line,
                                     "AddCapability", list, "adds capabilities %s", list);
        }
        if (r >= 0 && j->host_pid)
                r = emit(j, "DW-CTR-POD-HOST-PID", 0, "quadlet-host-pid", j->host_pid, "PodmanArgs", "--pid=host",
                         "shares the host's PID namespace");
        if (r >= 0 && j->host_ipc)
                r = emit(j, "DW-CTR-POD-HOST-IPC", 0, "quadlet-host-ipc", j->host_ipc, "PodmanArgs", "--ipc=host",
                         "shares the host's IPC namespace");
        if (r >= 0 && j->host_network)
                r = emit(j, "DW-CTR-POD-HOST-NETWORK", 0, "quadlet-host-network", j->host_network, "Network",
                         "host", "shares the host's network namespace");
        if (r >= 0 && j->unconfined.n) {
                if (!(unconfined = strv_join(&j->unconfined, ", ")))
                        return -ENOMEM;
                r = emit(j, "DW-CTR-UNCONFINED", 0, "quadlet-unconfined", j->unconfined_line, "SecurityLabelDisable",
                         unconfined, "runs without its confinement: %s", unconfined);
        }
        return r;
}

static int parse_quadlet(const char *buf, size_t len, void *ret, char **ret_error)
{
        return unit_file_parse(buf, len, ret, ret_error);
}

struct kube_report {
        struct judged *j;
        const char *yaml;               /* the YAML file, absolute in the root */
        unsigned line;                  /* of Yaml= */
};

static const char *pod_what(const struct kube_pod *p)
{
        return p->name ?: "(unnamed)";
}

/* A pod posture finding of a .kube file's YAML, as the .kube file's alert. */
static int kube_report(void *userdata, const char *rule_id, enum severity sev, const char *action,
                       const struct kube_pod *p, const struct kube_container *c, const char *message)
{
        struct kube_report *kr = userdata;
        _cleanup_(freep) char *act = NULL;

        if (asprintf(&act, "quadlet-kube-%s", action) < 0)
                return -ENOMEM;
        return emit(kr->j, rule_id, sev, act, kr->line, "Yaml", kr->yaml, "%s %s%s%s (%s): %s", p->kind, pod_what(p),
                    c ? " container " : "", c ? c->name : "", kr->yaml, message);
}

/* Yaml= of a .kube file: the pod YAML podman kube play runs (absolute, or
 * relative to the .kube file's directory), read beneath the root, judged as
 * `container posture` judges pods; its images without a digest too. */
static int check_kube_yaml(struct judged *j, const char *dir, const struct unit_entry *e)
{
        _cleanup_(kube_objects_freep) struct kube_objects *k = NULL;
        _cleanup_(freep) char *path = NULL, *buf = NULL, *why = NULL;
        struct kube_report kr = { .j = j, .line = e->line };
        size_t len = 0;
        int r;

        if (e->value[0] == '/' ? !(path = strdup(e->value)) : asprintf(&path, "%s/%s", dir, e->value) < 0)
                return -ENOMEM;
        kr.yaml = path;
        r = emit(j, "DW-CTR-QUADLET", 0, "quadlet-kube", e->line, "Yaml", path, "a pod from the Kubernetes YAML %s",
                 path);
        if (r < 0)
                return r;
        r = posture_read(j->pc, path, KUBE_YAML_MAX_BYTES, &buf, &len);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return posture_invalid(j->pc, CHECK, path, posture_read_error(r));
        r = kube_parse_yaml(buf, len, &k, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return posture_invalid(j->pc, CHECK, path, why ?: strerror(-r));
        for (size_t i = 0; i < k->n_pods; i++) {
                const struct kube_pod *p = &k->pods[i];

                r = pod_posture_judge(p, kube_report, &kr);
                for (size_t c = 0; r >= 0 && c < p->n_containers; c++) {
                        const char *image = p->containers[c].image;

                        if (image && !strchr(image, '@'))
                                r = emit(j, "DW-CTR-MUTABLE-TAG", 0, "quadlet-kube-mutable-tag", e->line, "Yaml", path,
                                         "%s %s container %s (%s): image %s has no @sha256 digest", p->kind,
                                         pod_what(p), p->containers[c].name, path, image);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_file(struct posture *pc, const char *dir, const char *name)
{
        _cleanup_(unit_file_freep) struct unit_file *u = NULL;
        _cleanup_(judged_release) struct judged j = { .pc = pc, .read_only = -1, .no_new_privileges = -1 };
        _cleanup_(freep) char *path = NULL;
        int r;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        j.file = path;
        r = posture_load(pc, CHECK, path, UNIT_FILE_MAX_BYTES, parse_quadlet, &u);
        if (r != POSTURE_LOADED)
                return r < 0 ? r : 0;
        if (strlen(name) > 5 && strcmp(name + strlen(name) - 5, ".kube") == 0) {
                for (size_t i = 0; i < u->n; i++)
                        if (strcmp(u->v[i].section, "Kube") == 0 && strcmp(u->v[i].key, "Yaml") == 0) {
                                r = check_kube_yaml(&j, dir, &u->v[i]);
                                if (r < 0)
                                        return r;
                        }
                return 0;
        }
        for (size_t i = 0; i < u->n; i++) {
                if (strcmp(u->v[i].section, "Container") != 0)
                        continue;
                r = judge_entry(&j, &u->v[i]);
                if (r < 0)
                        return r;
        }
        return judge_finish(&j);
}

static int check_dir(struct posture *pc, const char *dir)
{
        static const char *const suffixes[] = { ".container", ".kube" };
        int r;

        for (size_t s = 0; s < ARRAY_SIZE(suffixes); s++) {
                _cleanup_(strv_release) struct strv names = { 0 };

                r = posture_list_reported(pc, CHECK, dir, suffixes[s], &names);
                for (size_t i = 0; r >= 0 && i < names.n; i++)
                        r = check_file(pc, dir, names.v[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int posture_check_quadlet(struct posture *pc)
{
        _cleanup_(strv_release) struct strv users = { 0 }, homes = { 0 };
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(rootful_dirs); i++) {
                r = check_dir(pc, rootful_dirs[i]);
                if (r < 0)
                        return r;
        }
        /* Rootless: /etc/containers/systemd/users (every user) and users/UID. */
        r = check_dir(pc, "/etc/containers/systemd/users");
        r = r < 0 ? r : posture_list_reported(pc, CHECK, "/etc/containers/systemd/users", "", &users);
        for (size_t i = 0; r >= 0 && i < users.n && i < QUADLET_MAX_USERS; i++) {
                _cleanup_(freep) char *dir = NULL;

                if (asprintf(&dir, "/etc/containers/systemd/users/%s", users.v[i]) < 0)
                        return -ENOMEM;
                if (strspn(users.v[i], "0123456789") == strlen(users.v[i]))
                        r = check_dir(pc, dir);
        }
        r = r < 0 ? r : check_dir(pc, "/root/.config/containers/systemd");
        r = r < 0 ? r : posture_list_reported(pc, CHECK, "/home", "", &homes);
        for (size_t i = 0; r >= 0 && i < homes.n && i < QUADLET_MAX_HOMES; i++) {
                _cleanup_(freep) char *dir = NULL;

                if (asprintf(&dir, "/home/%s/.config/containers/systemd", homes.v[i]) < 0)
                        return -ENOMEM;
                r = check_dir(pc, dir);
        }
        return r;
}
