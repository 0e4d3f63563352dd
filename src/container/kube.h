/* Kubernetes objects in JSON as `kubectl get -o json` writes them: a v1 List
 * (or a typed list, PodList, DeploymentList, ...) or one object. Pods, and
 * the pod templates of workloads (Deployment, ReplicaSet, StatefulSet,
 * DaemonSet, Job, CronJob, ReplicationController, PodTemplate), read into one
 * shape: the containers of each kind (containers, initContainers,
 * ephemeralContainers) with their image, security context and (pods) the
 * status the kubelet reports; the pod's host namespaces, security context
 * and hostPath volumes. Also a v1 Namespace list's pod-security labels.
 * Strict about types (a field of the wrong type refuses the input, as the
 * API server would), bounded in size, depth, string length and counts.
 * Pure: (buf, len) in, structs out; never prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/macros.h"
#include "basic/strv.h"

#define KUBE_MAX_BYTES ((size_t) 256 << 20)
#define KUBE_MAX_DEPTH 64
#define KUBE_MAX_STRING ((size_t) 1 << 20)      /* the API server caps annotations at 256 KiB in all */
#define KUBE_MAX_OBJECTS 100000
#define KUBE_MAX_CONTAINERS 1024                /* of one pod, all kinds */
#define KUBE_MAX_VOLUMES 1024
#define KUBE_MAX_CAPS 64

enum kube_container_kind {
        KUBE_CONTAINER,
        KUBE_INIT_CONTAINER,
        KUBE_EPHEMERAL_CONTAINER,
};
const char *kube_container_kind_name(enum kube_container_kind k);      /* "container", "initContainer", ... */

/* Tri-state booleans: -1 not set. */
struct kube_container {
        enum kube_container_kind kind;
        const char *name;
        const char *image;              /* spec; NULL: none given */
        const char *status_image;       /* status: the image the runtime reports, or NULL */
        const char *image_id;           /* status.imageID, or NULL ("" counts as NULL) */
        const char *container_id;       /* status.containerID, or NULL */
        int privileged, allow_privilege_escalation, read_only_root_filesystem, run_as_non_root;
        long long run_as_user;          /* -1: not set */
        struct strv cap_add;            /* securityContext.capabilities.add, as written */
        char *pointer;                  /* where it is: "items/3/spec/containers/0" (JSON pointer) */
};

struct kube_volume {
        const char *name;
        const char *host_path;          /* hostPath.path */
};

struct kube_pod {
        const char *kind;               /* "Pod", "Deployment", ... */
        const char *namespace;          /* metadata.namespace, or NULL */
        const char *name;               /* metadata.name, or NULL */
        int host_pid, host_ipc, host_network;
        int run_as_non_root;
        long long run_as_user;
        struct kube_container *containers;
        size_t n_containers;
        struct kube_volume *volumes;
        size_t n_volumes;
        char *pointer;                  /* the pod spec's JSON pointer: "items/3/spec/template/spec" */
};

struct kube_namespace {
        const char *name;
        const char *enforce;            /* label pod-security.kubernetes.io/enforce, or NULL */
};

struct kube_objects {
        struct kube_pod *pods;          /* pods and pod templates, in input order */
        size_t n_pods;
        struct kube_namespace *namespaces;
        size_t n_namespaces;
        size_t others;                  /* objects of other kinds, skipped */
        void *json;                     /* owns the strings (a jansson root) */
};

/* -EBADMSG (not JSON, a wrong type, deeper than KUBE_MAX_DEPTH, a string past
 * KUBE_MAX_STRING) or -E2BIG (a count past its limit) with *ret_error one
 * line naming where (free()), -ENOMEM. */
int kube_parse(const char *buf, size_t len, struct kube_objects **ret, char **ret_error);
/* The same from a parsed jansson tree (a json_t *; the reference is taken,
 * also on failure). */
int kube_parse_tree(void *json, struct kube_objects **ret, char **ret_error);
/* The same from YAML (kubectl's, podman kube play's): every document of the
 * stream, as the items of one List. Plain scalars are typed as YAML 1.2's
 * core schema does (true/false, null, integers); quoted ones are strings.
 * Aliases are refused (no expansion), so are duplicate keys, depth past
 * KUBE_MAX_DEPTH, strings past KUBE_MAX_STRING and more than
 * KUBE_MAX_YAML_NODES nodes. */
#define KUBE_MAX_YAML_NODES 1000000
int kube_parse_yaml(const char *buf, size_t len, struct kube_objects **ret, char **ret_error);
struct kube_objects *kube_objects_free(struct kube_objects *k);
DEFINE_FREEP(struct kube_objects, kube_objects_free)
