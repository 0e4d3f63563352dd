/* The posture of a pod (or a workload's pod template) and its containers,
 * judged alike for `container posture` (kubectl JSON) and for the pod YAML of
 * a quadlet .kube file (`posture`): privileged, allowPrivilegeEscalation,
 * readOnlyRootFilesystem, runAsNonRoot (the container's value over the pod's),
 * added capabilities (container/privilege.h), hostPID, hostIPC, hostNetwork,
 * hostPath volumes. Rules DW-CTR-POD-*. Pure: each finding goes to a callback. */
#pragma once

#include "container/kube.h"
#include "rules/rules.h"

/* One finding: the rule, a severity (0: the rule's), event.action, the pod,
 * the container (NULL: the pod itself) and the message (without the pod's
 * name). Returns 0 or -errno, which stops the judging. */
typedef int (*pod_posture_fn)(void *userdata, const char *rule_id, enum severity sev, const char *action,
                              const struct kube_pod *p, const struct kube_container *c, const char *message);

int pod_posture_judge(const struct kube_pod *p, pod_posture_fn fn, void *userdata);
