/* Audit analytics inside containers: the container article's rules
 * (Drift Detected, Container Shell Spawned, Package Manager Execution,
 * Container File System Write) as DW-AUD-CTR-*.
 *
 * Which container a process runs in: live, its own /proc/PID/cgroup at its
 * first event (units.c reads it once per tree entry; cgroup-unit.c names the
 * container: libpod-ID.scope, crio-ID.scope, docker-ID.scope,
 * cri-containerd-ID.scope ...); otherwise (offline, or the process was
 * gone) its ancestry in the process tree: a process below a runtime's shim
 * (conmon, containerd-shim-*) or an OCI runtime's create, run or exec (runc,
 * crun ...) runs in that container. The shim's id (conmon -c, the shim's
 * -id, the runtime's last argument) and name (conmon -n) come from its
 * EXECVE record, read whole at its exec (containers_observe()): a shim whose
 * exec was not logged leaves the id unknown, and the finding says
 * container-unresolved. The runtimes themselves, their engines and their
 * exit commands are not container processes.
 *
 * Drift (an executable from the container's upper layer) is resolved live
 * only: the upperdir of the overlay mounted on the root of the process (or
 * of a living ancestor in the same container) in its /proc/PID/mountinfo,
 * and the executable's path below it; a regular file there that is not a
 * metacopy (data still from the image) was added or modified after the
 * image. Offline, and when nothing of the container is alive, drift is not
 * resolved and not reported. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "basic/hash.h"
#include "container/container.h"
#include "detect-internal.h"
#include "host/mount-table.h"

/* Writes already reported: (process image, directory) hashes. */
#define CTR_WRITTEN_MAX 1024u
/* /proc/PID/mountinfo of a container: a few dozen lines, more in pods. */
#define CTR_MOUNTINFO_MAX ((size_t) 4 << 20)
/* Live, containers-storage is read again for an id not in it, at most this often. */
#define STORAGE_REREAD_MS 10000

static const char *base_name(const char *p)
{
        const char *s = strrchr(p, '/');

        return s ? s + 1 : p;
}

static bool in_list(const char *s, const char *const *list)
{
        for (; *list; list++)
                if (strcmp(s, *list) == 0)
                        return true;
        return false;
}

/* ---- runtimes ---- */

enum ctr_kind {
        KIND_NONE,
        KIND_SHIM,              /* the monitor of one container: its children run in it */
        KIND_OCI,               /* an OCI runtime: its create, run or exec starts a container process */
        KIND_ENGINE,            /* engines and tools of the host: never in a container */
};

static const char *const shims[] = { "conmon", NULL };
static const char *const oci_runtimes[] = { "runc", "crun", "runsc", "youki", "krun", NULL };
static const char *const engines[] = { "podman", "crio", "containerd", "dockerd", "docker", "buildah", "skopeo",
                                       "ctr", "crictl", "nerdctl", "kubelet", NULL };

static enum ctr_kind kind_of(const char *exe, const char *comm)
{
        const char *b = base_name(exe);

        if (in_list(b, shims) || strncmp(b, "containerd-shim", 15) == 0 || strncmp(comm, "containerd-shim", 15) == 0)
                return KIND_SHIM;
        /* runc's stages rename themselves runc:[0:PARENT] ... runc:[2:INIT]. */
        if (in_list(b, oci_runtimes) || strncmp(comm, "runc:[", 6) == 0)
                return KIND_OCI;
        if (in_list(b, engines))
                return KIND_ENGINE;
        return KIND_NONE;
}

static bool id_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-' || c == '.';
}

/* Copies a container id (engines' ids: [A-Za-z0-9_.-], at most 64) or a name
 * (printable, cut) into dst; false (dst untouched) for what is neither. */
static bool copy_token(char *dst, size_t size, struct audit_str s, bool is_id)
{
        size_t i;

        if (!s.s || s.len == 0 || (is_id && s.len >= size))
                return false;
        for (i = 0; i < s.len && i < size - 1; i++)
                if (is_id ? !id_char(s.s[i]) : (unsigned char) s.s[i] < 0x20 || s.s[i] == 0x7f)
                        return false;
        memcpy(dst, s.s, i);
        dst[i] = '\0';
        return true;
}

/* The value of option short_opt or long_opt in argv ("-c ID", "--cid ID",
 * "--cid=ID", "-id ID" of Go's flags); a value of {NULL, 0} when absent. */
static struct audit_str option_value(const struct audit_event *ev, const char *short_opt, const char *long_opt)
{
        size_t i, m = strlen(long_opt);

        for (i = 1; i < ev->argc; i++) {
                struct audit_str a = ev->argv[i];

                if (!a.s)
                        continue;
                if ((audit_str_eq(a, short_opt) || audit_str_eq(a, long_opt)) && i + 1 < ev->argc)
                        return ev->argv[i + 1];
                if (a.len > m + 1 && memcmp(a.s, long_opt, m) == 0 && a.s[m] == '=')
                        return (struct audit_str) { a.s + m + 1, a.len - m - 1 };
        }
        return (struct audit_str) { NULL, 0 };
}

void containers_observe(struct audit_detect *d, const struct audit_event *ev, struct proc *self)
{
        char exe[PROC_EXE_MAX], comm[17];
        size_t i;

        (void) d;
        if (!self || !ev->has_execve || ev->argc == 0 || ev->syscall.success == 0)
                return;
        audit_str_to_cstr(exe, sizeof(exe), ev->syscall.exe);
        audit_str_to_cstr(comm, sizeof(comm), ev->syscall.comm);
        switch (kind_of(exe, comm)) {
        case KIND_SHIM:
                self->ctr_state = PROC_CTR_SHIM;
                if (strcmp(base_name(exe), "conmon") == 0) {
                        (void) copy_token(self->ctr_id, sizeof(self->ctr_id), option_value(ev, "-c", "--cid"), true);
                        (void) copy_token(self->ctr_name, sizeof(self->ctr_name), option_value(ev, "-n", "--name"),
                                          false);
                } else {
                        self->ctr_runtime = "containerd";
                        (void) copy_token(self->ctr_id, sizeof(self->ctr_id), option_value(ev, "-id", "--id"), true);
                }
                return;
        case KIND_OCI:
                /* runc [global options] create|run|exec [options] ID: the id
                 * is the last argument (podman, CRI-O and containerd put it
                 * there). Other verbs (state, kill, delete) start nothing. */
                for (i = 1; i < ev->argc; i++)
                        if (audit_str_eq(ev->argv[i], "create") || audit_str_eq(ev->argv[i], "run") ||
                            audit_str_eq(ev->argv[i], "exec"))
                                break;
                if (i == ev->argc)
                        return;
                self->ctr_state = PROC_CTR_SHIM;
                (void) copy_token(self->ctr_id, sizeof(self->ctr_id), ev->argv[ev->argc - 1], true);
                return;
        default:
                return;
        }
}

/* ---- which container ---- */

struct ctr_of {
        bool in;
        const char *id, *name, *runtime;        /* NULL: not known */
        const char *image;                      /* containers-storage's image name, or NULL */
        const char *upper;                      /* containers-storage's upper directory, or NULL */
        enum ctr_kind parent_kind;              /* what started the process: a shim: its entrypoint */
        const struct proc *pkg;                 /* a package manager among its ancestors in the container */
};

static bool is_package_manager_proc(const struct proc *p);

/* The container of the process self (the event's: exe and comm as logged),
 * its ancestors in d->chain. */
static void container_of(const struct audit_detect *d, const char *exe, const char *comm, const struct proc *self,
                         struct ctr_of *ret)
{
        size_t i, j, inside = 0;       /* d->chain[0 .. inside): ancestors in the container */
        bool shim = false;

        *ret = (struct ctr_of) { 0 };
        if (kind_of(exe, comm) != KIND_NONE)
                return;         /* the runtime itself, or an engine */
        if (self && self->ctr_state == PROC_CTR_HOST)
                return;         /* live: the kernel says no container */
        if (self && self->ctr_state == PROC_CTR_CGROUP)
                *ret = (struct ctr_of) { .in = true, .id = self->ctr_id, .runtime = self->ctr_runtime };
        if (d->n_chain)
                ret->parent_kind = kind_of(d->chain[0]->exe, d->chain[0]->comm);
        for (i = 0; i < d->n_chain; i++) {
                const struct proc *a = d->chain[i];
                enum ctr_kind k = kind_of(a->exe, a->comm);

                if (k == KIND_ENGINE)
                        break;
                if (k == KIND_SHIM || k == KIND_OCI) {
                        /* The shim (or the runtime's exec) of the container:
                         * its id when the cgroup did not tell, its name; a
                         * shim of another container is not this one's. */
                        if (ret->id && a->ctr_id[0] && strcmp(a->ctr_id, ret->id) != 0)
                                break;
                        if (!shim)
                                inside = i;
                        ret->in = shim = true;
                        if (!ret->id && a->ctr_id[0])
                                ret->id = a->ctr_id;
                        if (!ret->name && a->ctr_name[0])
                                ret->name = a->ctr_name;
                        if (!ret->runtime && a->ctr_runtime)
                                ret->runtime = a->ctr_runtime;
                        continue;
                }
                if (shim || a->ctr_state == PROC_CTR_HOST)
                        break;          /* above the shim, or a living process on the host */
                if (!ret->in && a->ctr_state == PROC_CTR_CGROUP) {
                        ret->in = true;
                        ret->id = a->ctr_id, ret->runtime = a->ctr_runtime;
                }
                inside = i + 1;
        }
        if (ret->id && !ret->id[0])
                ret->id = NULL;
        /* Only then (most processes are on the host): a package manager above it. */
        for (j = 0; ret->in && j < inside && !ret->pkg; j++)
                if (is_package_manager_proc(d->chain[j]))
                        ret->pkg = d->chain[j];
}

/* The containers-storage entry of container id: the storage is read when
 * first needed and, live, again (at most every STORAGE_REREAD_MS of stream
 * time) when id is not in it: a container created since. An unreadable
 * storage is none (the CLI checked the one it was given). */
static const struct container *storage_container(struct audit_detect *d, const char *id, uint64_t now)
{
        struct dw_error e = { 0 };
        bool reread = false;
        size_t i;

        if (!d->o.storage_root || !id)
                return NULL;
        for (;;) {
                for (i = 0; d->storage && i < d->storage->n_containers; i++)
                        if (strcmp(d->storage->containers[i].id, id) == 0)
                                return &d->storage->containers[i];
                if (reread || (d->storage_read_ms &&
                               (!d->o.resolve_units || now < d->storage_read_ms + STORAGE_REREAD_MS)))
                        return NULL;
                d->storage = ctr_storage_free(d->storage);
                if (ctr_storage_load(d->o.storage_root, &d->storage, &e) < 0)
                        d->storage = NULL;
                dw_error_release(&e);
                d->storage_read_ms = now ? now : 1;
                reread = true;
        }
}

/* The name, image and upper directory of c from containers-storage. */
static void storage_fill(struct audit_detect *d, struct ctr_of *c, uint64_t now)
{
        const struct container *s = storage_container(d, c->id, now);

        if (!s)
                return;
        if (s->names.n)
                c->name = s->names.v[0];
        c->image = s->image_name;
        if (!c->runtime)
                c->runtime = s->engine;
        if (!s->error)
                c->upper = s->upper_dir;
}

/* container.* of the finding at hand; a container whose id was not logged
 * (its shim known from SYSCALL records alone) is container-unresolved, with
 * container.* only when its name or runtime is known. */
static void set_container(struct audit_detect *d, const struct ctr_of *c)
{
        d->ctr = (struct finding_container) { .id = c->id, .name = c->name, .runtime = c->runtime,
                                              .image_name = c->image };
        if (c->id || c->name || c->runtime)
                d->f.container = &d->ctr;
        if (!c->id)
                detect_set_quality(&d->f, AUDIT_Q_CONTAINER_UNRESOLVED);
}

/* "name (id12)", "id12" or "an unknown container" for messages. */
static int describe_container(struct buf *b, const struct ctr_of *c)
{
        if (c->name && c->id)
                return buf_printf(b, "%s (%.12s)", c->name, c->id);
        if (c->name || c->id)
                return c->name ? buf_printf(b, "%.64s", c->name) : buf_printf(b, "%.12s", c->id);
        return buf_puts(b, "a container whose id was not logged");
}

/* ---- programs ---- */

/* The article's lists, and the shells and package managers of the images
 * in use (Alpine's ash and apk, microdnf of UBI images). */
static const char *const shells[] = { "sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", NULL };
static const char *const package_managers[] = { "apt", "apt-get", "aptitude", "dpkg", "yum", "dnf", "microdnf",
                                                "tdnf", "rpm", "apk", "zypper", "pacman", "pip", "pip3", "npm",
                                                "yarn", "pnpm", "gem", "cargo", NULL };
static const char *const multi_call[] = { "busybox", "toybox", NULL };
static const char *const interpreters[] = { "python", "python2", "python3", "node", "nodejs", "ruby", NULL };

/* name without a version suffix: "pip3.11" -> "pip3", "python3.12" -> "python3". */
static void strip_version(char *s)
{
        char *dot = strchr(s, '.');

        if (dot && dot[1] >= '0' && dot[1] <= '9')
                *dot = '\0';
}

/* The program a process runs, into ret: the executable's base name; a
 * multi-call binary's applet (argv[0], or argv[1] after "busybox"); an
 * interpreter's script or module (python3 /usr/bin/pip, python3 -m pip);
 * *ret_args: where the program's own arguments start. */
static void program_of(const char *exe, const char *const *args, size_t n_args, char ret[64], size_t *ret_args)
{
        const char *b = base_name(exe);
        char tmp[64];

        *ret_args = n_args ? 1 : 0;
        snprintf(ret, 64, "%s", b);
        strip_version(ret);
        if (in_list(ret, multi_call) && n_args) {
                b = base_name(args[0]);
                if (in_list(b, multi_call) && n_args > 1)
                        b = args[1], *ret_args = 2;
                snprintf(ret, 64, "%s", b);
        } else if (in_list(ret, interpreters) && n_args > 1) {
                if (strcmp(args[1], "-m") == 0 && n_args > 2)
                        snprintf(tmp, sizeof(tmp), "%s", args[2]), *ret_args = 3;
                else if (args[1][0] != '-')
                        snprintf(tmp, sizeof(tmp), "%s", base_name(args[1])), *ret_args = 2;
                else
                        return;
                strip_version(tmp);
                if (in_list(tmp, package_managers))
                        memcpy(ret, tmp, 64);
        }
}

static bool is_package_manager_proc(const struct proc *p)
{
        const char *args[PROC_MAX_ARGS];
        char prog[64];
        size_t i, start;

        for (i = 0; i < p->n_args; i++)
                args[i] = proc_arg(p, i);
        program_of(p->exe, args, p->n_args, prog, &start);
        return in_list(prog, package_managers);
}

/* The packages named: the arguments after the verb (dpkg, rpm: no verb)
 * that are no options, space-separated into b. */
static int packages_of(struct buf *b, const char *prog, const struct pview *v, size_t start)
{
        bool verb = !(strcmp(prog, "dpkg") == 0 || strcmp(prog, "rpm") == 0);
        size_t i;
        int r = 0;

        buf_reset(b);
        for (i = start; i < v->n_args && r >= 0 && b->len < 512; i++) {
                if (v->args[i][0] == '-' || !v->args[i][0])
                        continue;
                if (verb) {
                        verb = false;
                        continue;
                }
                r = buf_printf(b, "%s%.256s", b->len ? " " : "", v->args[i]);
        }
        return r < 0 ? -ENOMEM : 0;
}

/* ---- drift ---- */

/* The upper directory of the overlay on the root of pid, into a fresh fd. */
static int upper_dir_of(int64_t pid)
{
        _cleanup_(mount_table_freep) struct mount_table *t = NULL;
        _cleanup_(freep) char *text = NULL, *err = NULL, *upper = NULL;
        const struct mount_entry *root = NULL;
        const char *v;
        char path[64];
        size_t len, i;
        int r, fd;

        snprintf(path, sizeof(path), "/proc/%lld/mountinfo", (long long) pid);
        r = read_file(path, CTR_MOUNTINFO_MAX, &text, &len);
        if (r < 0)
                return r;
        r = mount_table_parse(text, len, &t, &err);
        if (r < 0)
                return r;
        /* The last mount on "/" is the one the process sees. */
        for (i = 0; i < t->n; i++)
                if (strcmp(t->entries[i].target, "/") == 0)
                        root = &t->entries[i];
        if (!root || strcmp(root->fstype, "overlay") != 0)
                return -EMEDIUMTYPE;
        if (!mount_option(root->super_options, "upperdir", &v, &len) || len == 0)
                return -ENOENT;
        upper = strndup(v, len);
        if (!upper)
                return -ENOMEM;
        /* The path is the mounter's: another mount namespace's may not be reachable. */
        fd = open(upper, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* Whether exe (an absolute path inside the container) is in the upper
 * directory upper: 1 yes (added or modified after the image), 0 no (the
 * image's), -errno when that cannot be told. */
static int upper_has(int upper, const char *exe)
{
        _cleanup_(closep) int fd = -1;
        char fdpath[64], x[8];
        struct stat st;

        fd = open_beneath(upper, exe + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd == -ENOENT || fd == -ENOTDIR)
                return 0;
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return 0;       /* a whiteout or a directory: not what ran */
        /* A metacopy upper file holds the metadata alone (a chmod): its data,
         * what ran, is the image's. */
        snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
        if (getxattr(fdpath, "trusted.overlay.metacopy", x, sizeof(x)) >= 0 ||
            getxattr(fdpath, "user.overlay.metacopy", x, sizeof(x)) >= 0)
                return 0;
        return 1;
}

/* The same for the upper directory of the root overlay of pid (live): -errno
 * when the process is gone, its root is no overlay or its upper directory
 * is out of reach. */
static int exe_in_upper(int64_t pid, const char *exe)
{
        _cleanup_(closep) int upper = -1;

        upper = upper_dir_of(pid);
        if (upper < 0)
                return upper;
        return upper_has(upper, exe);
}

/* The same for an upper directory of containers-storage. */
static int exe_in_storage_upper(const char *dir, const char *exe)
{
        _cleanup_(closep) int upper = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (upper < 0)
                return -errno;
        return upper_has(upper, exe);
}

/* ---- findings ---- */

static int emit(struct audit_detect *d, const struct audit_event *ev, const struct pview *v, const char *path)
{
        bool allowed;
        int r;

        r = detect_allowlist(d, ev, v, path, &allowed);
        if (r < 0 || allowed)
                return r;
        return detect_emit(d, &d->f);
}

static bool begin(struct audit_detect *d, const struct audit_event *ev, struct proc *self, const char *rule_id,
                  const struct ctr_of *c)
{
        const struct rule *rule = ruleset_rule(d->rs, rule_id);

        if (!rule)
                return false;   /* not defined (a rules file of its own): nothing to report under */
        detect_begin_finding(d, ev->sec, ev->msec);
        d->f.rule = rule;
        d->f.alert = true;
        d->f.outcome = "success";
        detect_set_quality(&d->f, ev->quality);
        detect_describe(d, ev, self);
        set_container(d, c);
        return true;
}

/* A finding of an exec (path: the executable of a drift; target: the
 * packages of a package manager; else NULL). */
static int exec_finding(struct audit_detect *d, const struct audit_event *ev, struct proc *self,
                        const struct pview *v, const char *rule_id, const struct ctr_of *c, const char *what,
                        const char *path, const char *target)
{
        int r;

        if (!begin(d, ev, self, rule_id, c))
                return 0;
        d->stats.containers++;
        d->f.category = "process";
        d->f.type = "start";
        d->f.action = "process-started";
        d->audit.target = target;
        if (path) {
                d->f.path = path;
                d->f.path_len = strlen(path);
                d->ctr.path = path;
        }
        buf_reset(&d->ctr_msg);
        r = buf_printf(&d->ctr_msg, "%s in ", what);
        if (r >= 0)
                r = describe_container(&d->ctr_msg, c);
        if (r < 0)
                return -ENOMEM;
        d->f.message = d->ctr_msg.data;
        return emit(d, ev, v, path);
}

int detect_container_exec(struct audit_detect *d, const struct audit_event *ev, struct proc *self,
                          const struct pview *v)
{
        char prog[64], tty[64];
        struct ctr_of c;
        size_t start;
        int r = 0;

        container_of(d, v->exe, v->comm, self, &c);
        if (!c.in)
                return 0;
        storage_fill(d, &c, audit_event_ms(ev));
        program_of(v->exe, v->args, v->n_args, prog, &start);
        if (in_list(prog, package_managers)) {
                char what[1024];

                if (c.pkg) {
                        /* Run by a package manager (apt runs dpkg): the first one is the finding. */
                        if (!begin(d, ev, self, "DW-AUD-CTR-PACKAGE-MANAGER", &c))
                                return 0;
                        d->f.category = "process", d->f.type = "start", d->f.action = "process-started";
                        buf_reset(&d->reason);
                        if (buf_printf(&d->reason, "run by the package manager %s (pid %lld)", c.pkg->comm,
                                       (long long) c.pkg->pid) < 0)
                                return -ENOMEM;
                        return detect_emit_suppressed(d, &d->f, "ancestry", d->reason.data);
                }
                r = packages_of(&d->ctr_buf, prog, v, start);
                if (r < 0)
                        return r;
                snprintf(what, sizeof(what), "package manager %s run%s%.900s%s", prog, d->ctr_buf.len ? " (" : "",
                         d->ctr_buf.len ? d->ctr_buf.data : "", d->ctr_buf.len ? ")" : "");
                r = exec_finding(d, ev, self, v, "DW-AUD-CTR-PACKAGE-MANAGER", &c, what, NULL,
                                 d->ctr_buf.len ? d->ctr_buf.data : NULL);
                if (r < 0)
                        return r;
        } else if (in_list(prog, shells)) {
                char what[192];

                /* The container's own entrypoint (started by the shim, no
                 * terminal) is how images run: the article's
                 * container_entrypoint exception. A shell the runtime execs
                 * into a running container (podman exec, kubectl exec) or
                 * any process starts is the finding; a terminal says
                 * interactive. */
                if (c.parent_kind == KIND_SHIM && !v->tty)
                        return 0;
                if (c.pkg)
                        return 0;       /* a package's scripts: the package manager is the finding */
                audit_str_to_cstr(tty, sizeof(tty), ev->syscall.tty);
                if (v->tty && strcmp(tty, "(none)") != 0)
                        snprintf(what, sizeof(what), "interactive shell %s (%s) started", prog, tty);
                else
                        snprintf(what, sizeof(what), "shell %s started", prog);
                r = exec_finding(d, ev, self, v, "DW-AUD-CTR-SHELL", &c, what, NULL, NULL);
                if (r < 0)
                        return r;
        }

        /* Drift: an executable of the upper layer, live through the
         * process's own mounts (or a living ancestor's in the container),
         * else through containers-storage's upper directory as it is now. */
        if (c.parent_kind != KIND_SHIM && v->exe[0] == '/' && v->exe[1]) {
                char what[PROC_EXE_MAX + 64];
                size_t i;

                r = -ENOENT;
                if (d->o.resolve_units) {
                        r = exe_in_upper(self ? self->pid : ev->syscall.pid, v->exe);
                        for (i = 0; r < 0 && i < d->n_chain; i++) {
                                if (kind_of(d->chain[i]->exe, d->chain[i]->comm) != KIND_NONE)
                                        break;
                                r = exe_in_upper(d->chain[i]->pid, v->exe);
                        }
                }
                if (r < 0 && c.upper)
                        r = exe_in_storage_upper(c.upper, v->exe);
                if (r <= 0)
                        return 0;
                snprintf(what, sizeof(what), "%s, not in the image, executed", v->exe);
                r = exec_finding(d, ev, self, v, "DW-AUD-CTR-DRIFT", &c, what, v->exe, NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The article's paths where a container writes as it runs. */
static const char *const write_ok[] = { "/tmp", "/var/tmp", "/var/log", "/proc", "/dev", "/run", NULL };

static bool write_allowed(const char *path)
{
        const char *const *p;

        for (p = write_ok; *p; p++)
                if (path_is_under(path, *p))
                        return true;
        return false;
}

/* Whether (process image, directory of path) was reported before; remembers it. */
static int written_before(struct audit_detect *d, const struct proc *self, const char *path, bool *ret)
{
        const char *slash = strrchr(path, '/');
        uint64_t h = hash_bytes(path, slash ? (size_t) (slash - path) : 0) ^ (self ? self->generation : 0) * 31;
        unsigned i;

        if (!d->ctr_written) {
                d->ctr_written = calloc(CTR_WRITTEN_MAX, sizeof(*d->ctr_written));
                if (!d->ctr_written)
                        return -ENOMEM;
        }
        for (i = 0; i < CTR_WRITTEN_MAX; i++)
                if (d->ctr_written[i] == h) {
                        *ret = true;
                        return 0;
                }
        d->ctr_written[d->ctr_written_at++ % CTR_WRITTEN_MAX] = h;
        *ret = false;
        return 0;
}

/* The name a successful write of the event made (the first that is not a
 * parent), or NULL. */
static const struct audit_path *written_path(const struct audit_detect *d, const struct audit_event *ev,
                                             enum audit_write w)
{
        size_t i;

        if (ev->syscall.success == 0 || w == AUDIT_WRITE_NONE)
                return NULL;
        for (i = 0; i < ev->n_paths; i++) {
                const struct audit_path *q = &d->view[i];

                if (q->nametype == AUDIT_NAMETYPE_PARENT || !q->path.len || q->path.s[0] != '/')
                        continue;
                /* Without the flags (openat2), only a created or deleted name proves a write. */
                if (w == AUDIT_WRITE_OPEN && q->nametype != AUDIT_NAMETYPE_CREATE &&
                    q->nametype != AUDIT_NAMETYPE_DELETE)
                        continue;
                return q;
        }
        return NULL;
}

bool container_write_takes(struct audit_detect *d, const struct audit_event *ev, struct proc *self,
                           const struct pview *v, enum audit_write w)
{
        const struct audit_path *p = written_path(d, ev, w);
        struct ctr_of c;

        if (!p || !ruleset_rule(d->rs, "DW-AUD-CTR-WRITE"))
                return false;
        container_of(d, v->exe, v->comm, self, &c);
        if (!c.in)
                return false;
        buf_reset(&d->ctr_buf);
        if (buf_append(&d->ctr_buf, p->path.s, p->path.len) < 0)
                return false;
        return !write_allowed(d->ctr_buf.data);
}

int detect_container_write(struct audit_detect *d, const struct audit_event *ev, struct proc *self,
                           const struct pview *v, enum audit_write w)
{
        const struct audit_path *p = written_path(d, ev, w);
        const char *type, *action, *path;
        struct ctr_of c;
        bool before;
        int r;

        if (!p)
                return 0;
        container_of(d, v->exe, v->comm, self, &c);
        if (!c.in)
                return 0;
        storage_fill(d, &c, audit_event_ms(ev));
        buf_reset(&d->ctr_buf);
        if (buf_append(&d->ctr_buf, p->path.s, p->path.len) < 0)
                return -ENOMEM;
        path = d->ctr_buf.data;
        if (write_allowed(path))
                return 0;
        r = written_before(d, self, path, &before);
        if (r < 0)
                return r;
        if (!begin(d, ev, self, "DW-AUD-CTR-WRITE", &c))
                return 0;
        d->f.category = "file";
        action = detect_write_action(w, p->nametype, &type);
        d->f.action = action;
        d->f.type = type;
        d->f.path = p->path.s;
        d->f.path_len = p->path.len;
        detect_set_file(d, p, w);
        d->ctr.path = path;
        if (d->ctr_surface) {
                /* the path is a host surface: this is the write's one finding */
                d->f.surface = d->ctr_surface->surface;
                d->f.techniques = &d->ctr_surface->aud.techniques;
        }
        if (before)
                return detect_emit_suppressed(d, &d->f, "joined", "the same process wrote in this directory before");
        d->stats.containers++;
        buf_reset(&d->ctr_msg);
        r = buf_printf(&d->ctr_msg, "%s: %s in ", action, path);
        if (r >= 0)
                r = describe_container(&d->ctr_msg, &c);
        if (r < 0)
                return -ENOMEM;
        d->f.message = d->ctr_msg.data;
        return emit(d, ev, v, path);
}

void containers_release(struct audit_detect *d)
{
        buf_release(&d->ctr_msg);
        buf_release(&d->ctr_buf);
        free(d->ctr_written);
        d->ctr_written = NULL;
        d->storage = ctr_storage_free(d->storage);
}
