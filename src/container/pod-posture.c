/* The posture of a pod and its containers; see pod-posture.h. */
#define _GNU_SOURCE
#include "pod-posture.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "basic/macros.h"
#include "container/privilege.h"

struct judge {
        pod_posture_fn fn;
        void *userdata;
};

static int say(struct judge *j, const char *rule_id, enum severity sev, const char *action, const struct kube_pod *p,
               const struct kube_container *c, const char *fmt, ...) _printf_(7, 8);
static int say(struct judge *j, const char *rule_id, enum severity sev, const char *action, const struct kube_pod *p,
               const struct kube_container *c, const char *fmt, ...)
{
        _cleanup_(freep) char *msg = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0) {
                msg = NULL;
                return -ENOMEM;
        }
        return j->fn(j->userdata, rule_id, sev, action, p, c, msg);
}

static int check_caps(struct judge *j, const struct kube_pod *p, const struct kube_container *c)
{
        _cleanup_(freep) char *list = NULL;
        enum severity sev;
        int r;

        if (c->cap_add.n == 0)
                return 0;
        r = caps_judge(&c->cap_add, &list, &sev);
        if (r < 0)
                return r;
        return say(j, "DW-CTR-POD-CAPS", sev, "pod-capabilities-added", p, c,
                    "adds capabilities %s", list);
}

static int check_container_posture(struct judge *j, const struct kube_pod *p, const struct kube_container *c)
{
        int non_root = c->run_as_non_root >= 0 ? c->run_as_non_root : p->run_as_non_root;
        long long user = c->run_as_user >= 0 ? c->run_as_user : p->run_as_user;
        int r = 0;

        if (c->privileged == 1)
                r = say(j, "DW-CTR-POD-PRIVILEGED", 0, "pod-privileged", p, c,
                         "runs privileged (every capability, every device, no seccomp or LSM confinement)");
        if (r >= 0 && c->allow_privilege_escalation != 0)
                r = say(j, "DW-CTR-POD-PRIV-ESCALATION", 0, "pod-privilege-escalation", p, c,
                         "allowPrivilegeEscalation is %s: setuid binaries and file capabilities work (no "
                         "no_new_privs)", c->allow_privilege_escalation == 1 ? "true" : "not set (true)");
        if (r >= 0 && c->read_only_root_filesystem != 1)
                r = say(j, "DW-CTR-POD-RW-ROOTFS", 0, "pod-writable-root", p, c,
                         "readOnlyRootFilesystem is %s: the container can drift from its image",
                         c->read_only_root_filesystem == 0 ? "false" : "not set (false)");
        if (r >= 0 && non_root != 1) {
                char u[64] = "";

                if (user >= 0)
                        snprintf(u, sizeof(u), ", runAsUser %lld", user);
                r = say(j, "DW-CTR-POD-RUN-AS-ROOT", user == 0 ? SEVERITY_HIGH : 0, "pod-run-as-root", p, c,
                         "runAsNonRoot is %s (%s)%s: it may run as root",
                         non_root == 0 ? "false" : "not set",
                         c->run_as_non_root >= 0 ? "container" : p->run_as_non_root >= 0 ? "pod" : "neither level",
                         u);
        }
        return r < 0 ? r : check_caps(j, p, c);
}

static int judge_pod(struct judge *j, const struct kube_pod *p)
{
        int r = 0;

        if (p->host_pid == 1)
                r = say(j, "DW-CTR-POD-HOST-PID", 0, "pod-host-pid", p, NULL,
                         "hostPID: the host's processes are visible and signalable (and /proc/1/root with "
                         "privileges)");
        if (r >= 0 && p->host_ipc == 1)
                r = say(j, "DW-CTR-POD-HOST-IPC", 0, "pod-host-ipc", p, NULL,
                         "hostIPC: the host's shared memory and semaphores are shared");
        if (r >= 0 && p->host_network == 1)
                r = say(j, "DW-CTR-POD-HOST-NETWORK", 0, "pod-host-network", p, NULL,
                         "hostNetwork: the host's interfaces and local services are reachable");
        for (size_t i = 0; r >= 0 && i < p->n_volumes; i++) {
                const struct kube_volume *v = &p->volumes[i];
                char what[256];

                if (host_path_classify(v->host_path, what, sizeof(what)) == HOST_PATH_SENSITIVE)
                        r = say(j, "DW-CTR-POD-HOSTPATH", SEVERITY_CRITICAL, "pod-host-path", p, NULL,
                                 "hostPath volume %s mounts %s: %s", v->name ?: "(unnamed)", v->host_path, what);
                else
                        r = say(j, "DW-CTR-POD-HOSTPATH", SEVERITY_MEDIUM, "pod-host-path", p, NULL,
                                 "hostPath volume %s mounts the host directory %s", v->name ?: "(unnamed)",
                                 v->host_path);
        }
        for (size_t i = 0; r >= 0 && i < p->n_containers; i++)
                r = check_container_posture(j, p, &p->containers[i]);
        return r;
}

int pod_posture_judge(const struct kube_pod *p, pod_posture_fn fn, void *userdata)
{
        struct judge j = { .fn = fn, .userdata = userdata };

        return judge_pod(&j, p);
}
