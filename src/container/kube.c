/* Kubernetes pods, workloads' pod templates and namespaces from JSON; see
 * kube.h. */
#define _GNU_SOURCE
#include "kube.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/error.h"
#include "parse/json-util.h"

const char *kube_container_kind_name(enum kube_container_kind k)
{
        switch (k) {
        case KUBE_CONTAINER:
                return "container";
        case KUBE_INIT_CONTAINER:
                return "initContainer";
        case KUBE_EPHEMERAL_CONTAINER:
                return "ephemeralContainer";
        }
        return "container";
}

struct reader {
        struct kube_objects *k;
        char **ret_error;
        size_t n_objects;
};

/* A member that must be of one type when present: 0 (absent: *ret NULL),
 * -EBADMSG naming pointer/key. */
static int member(struct reader *rd, json_t *o, const char *pointer, const char *key, json_type type, json_t **ret)
{
        static const char *const type_names[] = {
                [JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array", [JSON_STRING] = "a string",
                [JSON_INTEGER] = "an integer", [JSON_REAL] = "a number", [JSON_TRUE] = "a boolean",
                [JSON_FALSE] = "a boolean", [JSON_NULL] = "null",
        };
        json_t *v = json_object_get(o, key);

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (type == JSON_TRUE ? !json_is_boolean(v) : json_typeof(v) != type)
                return reason_set(rd->ret_error, -EBADMSG, "%s/%s: not %s", pointer, key, type_names[type]);
        *ret = v;
        return 0;
}

static int get_string(struct reader *rd, json_t *o, const char *pointer, const char *key, const char **ret)
{
        json_t *v;
        int r = member(rd, o, pointer, key, JSON_STRING, &v);

        if (r < 0)
                return r;
        *ret = v ? json_string_value(v) : NULL;
        if (*ret && strlen(*ret) != json_string_length(v))
                return reason_set(rd->ret_error, -EBADMSG, "%s/%s: a NUL byte in a string", pointer, key);
        return 0;
}

static int get_bool(struct reader *rd, json_t *o, const char *pointer, const char *key, int *ret)
{
        json_t *v;
        int r = member(rd, o, pointer, key, JSON_TRUE, &v);

        if (r < 0)
                return r;
        *ret = v ? json_is_true(v) : -1;
        return 0;
}

static int get_int(struct reader *rd, json_t *o, const char *pointer, const char *key, long long *ret)
{
        json_t *v;
        int r = member(rd, o, pointer, key, JSON_INTEGER, &v);

        if (r < 0)
                return r;
        *ret = v ? (long long) json_integer_value(v) : -1;
        if (v && *ret < 0)
                return reason_set(rd->ret_error, -EBADMSG, "%s/%s: negative", pointer, key);
        return 0;
}

static char *pointer_join(const char *base, const char *key, long index)
{
        char *p;

        if (index >= 0 ? asprintf(&p, "%s/%s/%ld", base, key, index) < 0 : asprintf(&p, "%s/%s", base, key) < 0)
                return NULL;
        return p;
}

/* securityContext of a container, or of the pod (caps NULL). */
static int read_security(struct reader *rd, json_t *o, const char *pointer, int *privileged, int *ape, int *rorf,
                         int *non_root, long long *user, struct strv *caps)
{
        _cleanup_(freep) char *sp = pointer_join(pointer, "securityContext", -1), *cp = NULL;
        json_t *sc, *c = NULL, *add, *v;
        size_t i;
        int r;

        if (!sp)
                return -ENOMEM;
        r = member(rd, o, pointer, "securityContext", JSON_OBJECT, &sc);
        if (r < 0 || !sc)
                return r;
        r = get_bool(rd, sc, sp, "runAsNonRoot", non_root);
        r = r ?: get_int(rd, sc, sp, "runAsUser", user);
        if (r < 0 || !caps)
                return r;
        r = get_bool(rd, sc, sp, "privileged", privileged);
        r = r ?: get_bool(rd, sc, sp, "allowPrivilegeEscalation", ape);
        r = r ?: get_bool(rd, sc, sp, "readOnlyRootFilesystem", rorf);
        r = r ?: member(rd, sc, sp, "capabilities", JSON_OBJECT, &c);
        if (r < 0 || !c)
                return r;
        if (!(cp = pointer_join(sp, "capabilities", -1)))
                return -ENOMEM;
        r = member(rd, c, cp, "add", JSON_ARRAY, &add);
        if (r < 0 || !add)
                return r;
        if (json_array_size(add) > KUBE_MAX_CAPS)
                return reason_set(rd->ret_error, -E2BIG, "%s/add: more than %d capabilities", cp, KUBE_MAX_CAPS);
        json_array_foreach(add, i, v) {
                if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
                        return reason_set(rd->ret_error, -EBADMSG, "%s/add/%zu: not a string", cp, i);
                if (strv_push(caps, json_string_value(v)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static const char *const spec_keys[] = {
        [KUBE_CONTAINER] = "containers",
        [KUBE_INIT_CONTAINER] = "initContainers",
        [KUBE_EPHEMERAL_CONTAINER] = "ephemeralContainers",
};
static const char *const status_keys[] = {
        [KUBE_CONTAINER] = "containerStatuses",
        [KUBE_INIT_CONTAINER] = "initContainerStatuses",
        [KUBE_EPHEMERAL_CONTAINER] = "ephemeralContainerStatuses",
};

/* The status entry of container name in status/key, or NULL. */
static int find_status(struct reader *rd, json_t *status, const char *pointer, const char *key, const char *name,
                       json_t **ret)
{
        _cleanup_(freep) char *lp = NULL;
        json_t *list, *v;
        size_t i;
        int r;

        *ret = NULL;
        if (!status)
                return 0;
        r = member(rd, status, pointer, key, JSON_ARRAY, &list);
        if (r < 0 || !list)
                return r;
        if (!(lp = pointer_join(pointer, key, -1)))
                return -ENOMEM;
        json_array_foreach(list, i, v) {
                const char *n;

                if (!json_is_object(v))
                        return reason_set(rd->ret_error, -EBADMSG, "%s/%zu: not an object", lp, i);
                r = get_string(rd, v, lp, "name", &n);
                if (r < 0)
                        return r;
                if (n && strcmp(n, name) == 0) {
                        *ret = v;
                        return 0;
                }
        }
        return 0;
}

static void container_release(struct kube_container *c)
{
        strv_release(&c->cap_add);
        free(c->pointer);
}

static int read_container(struct reader *rd, json_t *o, json_t *status, const char *status_pointer,
                          enum kube_container_kind kind, char *pointer, struct kube_container *c)
{
        _cleanup_(freep) char *stp = NULL;
        json_t *st = NULL;
        int r;

        *c = (struct kube_container) { .kind = kind, .pointer = pointer, .privileged = -1,
                                       .allow_privilege_escalation = -1, .read_only_root_filesystem = -1,
                                       .run_as_non_root = -1, .run_as_user = -1 };
        if (!json_is_object(o))
                return reason_set(rd->ret_error, -EBADMSG, "%s: not an object", pointer);
        r = get_string(rd, o, pointer, "name", &c->name);
        r = r ?: get_string(rd, o, pointer, "image", &c->image);
        if (r < 0)
                return r;
        if (!c->name)
                return reason_set(rd->ret_error, -EBADMSG, "%s: a container without a name", pointer);
        r = read_security(rd, o, pointer, &c->privileged, &c->allow_privilege_escalation,
                          &c->read_only_root_filesystem, &c->run_as_non_root, &c->run_as_user, &c->cap_add);
        r = r ?: find_status(rd, status, status_pointer, status_keys[kind], c->name, &st);
        if (r < 0 || !st)
                return r;
        if (!(stp = pointer_join(status_pointer, status_keys[kind], -1)))
                return -ENOMEM;
        r = get_string(rd, st, stp, "image", &c->status_image);
        r = r ?: get_string(rd, st, stp, "imageID", &c->image_id);
        r = r ?: get_string(rd, st, stp, "containerID", &c->container_id);
        if (c->image_id && !c->image_id[0])
                c->image_id = NULL;
        if (c->container_id && !c->container_id[0])
                c->container_id = NULL;
        if (c->status_image && !c->status_image[0])
                c->status_image = NULL;
        return r;
}

static void pod_release(struct kube_pod *p)
{
        for (size_t i = 0; i < p->n_containers; i++)
                container_release(&p->containers[i]);
        free(p->containers);
        free(p->volumes);
        free(p->pointer);
}

static int read_volumes(struct reader *rd, json_t *spec, const char *pointer, struct kube_pod *p)
{
        _cleanup_(freep) char *vp = pointer_join(pointer, "volumes", -1);
        json_t *vols, *v;
        size_t i;
        int r;

        if (!vp)
                return -ENOMEM;
        r = member(rd, spec, pointer, "volumes", JSON_ARRAY, &vols);
        if (r < 0 || !vols)
                return r;
        if (json_array_size(vols) > KUBE_MAX_VOLUMES)
                return reason_set(rd->ret_error, -E2BIG, "%s: more than %d volumes", vp, KUBE_MAX_VOLUMES);
        p->volumes = calloc(json_array_size(vols) ?: 1, sizeof(*p->volumes));
        if (!p->volumes)
                return -ENOMEM;
        json_array_foreach(vols, i, v) {
                _cleanup_(freep) char *ip = pointer_join(pointer, "volumes", (long) i), *hp = NULL;
                struct kube_volume *kv = &p->volumes[p->n_volumes];
                json_t *host = NULL;

                if (!ip)
                        return -ENOMEM;
                if (!json_is_object(v))
                        return reason_set(rd->ret_error, -EBADMSG, "%s: not an object", ip);
                r = get_string(rd, v, ip, "name", &kv->name);
                r = r ?: member(rd, v, ip, "hostPath", JSON_OBJECT, &host);
                if (r < 0)
                        return r;
                if (!host)
                        continue;
                if (!(hp = pointer_join(ip, "hostPath", -1)))
                        return -ENOMEM;
                r = get_string(rd, host, hp, "path", &kv->host_path);
                if (r < 0)
                        return r;
                if (!kv->host_path)
                        return reason_set(rd->ret_error, -EBADMSG, "%s: a hostPath volume without a path", hp);
                p->n_volumes++;
        }
        return 0;
}

/* One pod spec at pointer (spec) with metadata meta and status (pods only). */
static int read_pod(struct reader *rd, const char *kind, json_t *meta, const char *meta_pointer, json_t *spec,
                    char *pointer, json_t *status, const char *status_pointer)
{
        struct kube_objects *k = rd->k;
        struct kube_pod *p, *v;
        size_t total = 0;
        json_t *list[3];
        int r;

        if (k->n_pods >= KUBE_MAX_OBJECTS) {
                free(pointer);
                return reason_set(rd->ret_error, -E2BIG, "more than %d pods", KUBE_MAX_OBJECTS);
        }
        v = reallocarray(k->pods, k->n_pods + 1, sizeof(*k->pods));
        if (!v) {
                free(pointer);
                return -ENOMEM;
        }
        k->pods = v;
        p = &k->pods[k->n_pods++];
        *p = (struct kube_pod) { .kind = kind, .pointer = pointer, .host_pid = -1, .host_ipc = -1,
                                 .host_network = -1, .run_as_non_root = -1, .run_as_user = -1 };
        if (meta) {
                r = get_string(rd, meta, meta_pointer, "namespace", &p->namespace);
                r = r ?: get_string(rd, meta, meta_pointer, "name", &p->name);
                if (r < 0)
                        return r;
        }
        if (!json_is_object(spec))
                return reason_set(rd->ret_error, -EBADMSG, "%s: not an object", pointer);
        r = get_bool(rd, spec, pointer, "hostPID", &p->host_pid);
        r = r ?: get_bool(rd, spec, pointer, "hostIPC", &p->host_ipc);
        r = r ?: get_bool(rd, spec, pointer, "hostNetwork", &p->host_network);
        r = r ?: read_security(rd, spec, pointer, NULL, NULL, NULL, &p->run_as_non_root, &p->run_as_user, NULL);
        r = r ?: read_volumes(rd, spec, pointer, p);
        for (size_t kk = 0; r >= 0 && kk < ARRAY_SIZE(spec_keys); kk++) {
                r = member(rd, spec, pointer, spec_keys[kk], JSON_ARRAY, &list[kk]);
                total += list[kk] ? json_array_size(list[kk]) : 0;
        }
        if (r < 0)
                return r;
        if (total > KUBE_MAX_CONTAINERS)
                return reason_set(rd->ret_error, -E2BIG, "%s: more than %d containers", pointer, KUBE_MAX_CONTAINERS);
        p->containers = calloc(total ?: 1, sizeof(*p->containers));
        if (!p->containers)
                return -ENOMEM;
        for (size_t kk = 0; kk < ARRAY_SIZE(spec_keys); kk++) {
                json_t *c;
                size_t i;

                json_array_foreach(list[kk], i, c) {
                        char *cp = pointer_join(pointer, spec_keys[kk], (long) i);

                        if (!cp)
                                return -ENOMEM;
                        r = read_container(rd, c, status, status_pointer, kk, cp, &p->containers[p->n_containers++]);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* The kinds read, as static strings (a typed list's items name none). */
static const char *const known_kinds[] = { "Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
                                           "ReplicationController", "CronJob", "PodTemplate", "Namespace" };

static const char *known_kind(const char *s, size_t n)
{
        for (size_t i = 0; i < ARRAY_SIZE(known_kinds); i++)
                if (strlen(known_kinds[i]) == n && memcmp(known_kinds[i], s, n) == 0)
                        return known_kinds[i];
        return NULL;
}

/* The pod spec of a workload kind: the path of keys below the object, or NULL. */
static const char *const *template_path(const char *kind)
{
        static const char *const pod[] = { "spec", NULL };
        static const char *const workload[] = { "spec", "template", "spec", NULL };
        static const char *const cronjob[] = { "spec", "jobTemplate", "spec", "template", "spec", NULL };
        static const char *const pod_template[] = { "template", "spec", NULL };
        static const char *const workloads[] = { "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
                                                 "ReplicationController" };

        if (strcmp(kind, "Pod") == 0)
                return pod;
        if (strcmp(kind, "CronJob") == 0)
                return cronjob;
        if (strcmp(kind, "PodTemplate") == 0)
                return pod_template;
        for (size_t i = 0; i < ARRAY_SIZE(workloads); i++)
                if (strcmp(kind, workloads[i]) == 0)
                        return workload;
        return NULL;
}

static int read_namespace(struct reader *rd, json_t *meta, const char *meta_pointer)
{
        _cleanup_(freep) char *lp = NULL;
        struct kube_objects *k = rd->k;
        struct kube_namespace *v, *ns;
        json_t *labels = NULL;
        int r;

        if (k->n_namespaces >= KUBE_MAX_OBJECTS)
                return reason_set(rd->ret_error, -E2BIG, "more than %d namespaces", KUBE_MAX_OBJECTS);
        v = reallocarray(k->namespaces, k->n_namespaces + 1, sizeof(*k->namespaces));
        if (!v)
                return -ENOMEM;
        k->namespaces = v;
        ns = &k->namespaces[k->n_namespaces++];
        *ns = (struct kube_namespace) { 0 };
        if (!meta)
                return reason_set(rd->ret_error, -EBADMSG, "%s: a Namespace without metadata", meta_pointer);
        r = get_string(rd, meta, meta_pointer, "name", &ns->name);
        r = r ?: member(rd, meta, meta_pointer, "labels", JSON_OBJECT, &labels);
        if (r < 0)
                return r;
        if (!ns->name)
                return reason_set(rd->ret_error, -EBADMSG, "%s: a Namespace without a name", meta_pointer);
        if (!labels)
                return 0;
        if (!(lp = pointer_join(meta_pointer, "labels", -1)))
                return -ENOMEM;
        return get_string(rd, labels, lp, "pod-security.kubernetes.io/enforce", &ns->enforce);
}

/* One object at pointer ("" for the top); kind_default for list items
 * without a kind (typed lists from the API server leave it out). */
static int read_object(struct reader *rd, json_t *o, const char *pointer, const char *kind_default)
{
        _cleanup_(freep) char *mp = NULL, *sp = NULL;
        const char *const *path;
        const char *kind;
        json_t *meta, *spec = o, *status;
        int r;

        if (++rd->n_objects > KUBE_MAX_OBJECTS)
                return reason_set(rd->ret_error, -E2BIG, "more than %d objects", KUBE_MAX_OBJECTS);
        if (!json_is_object(o))
                return reason_set(rd->ret_error, -EBADMSG, "%s: not an object", pointer[0] ? pointer : "the top level");
        r = get_string(rd, o, pointer, "kind", &kind);
        if (r < 0)
                return r;
        kind = kind ?: kind_default;
        if (!kind)
                return reason_set(rd->ret_error, -EBADMSG, "%s: an object without a kind", pointer[0] ? pointer : "the top level");
        if (!(mp = pointer_join(pointer, "metadata", -1)))
                return -ENOMEM;
        r = member(rd, o, pointer, "metadata", JSON_OBJECT, &meta);
        if (r < 0)
                return r;
        if (strcmp(kind, "Namespace") == 0)
                return read_namespace(rd, meta, mp);
        path = template_path(kind);
        if (!path) {
                rd->k->others++;
                return 0;
        }
        if (!(sp = strdup(pointer)))
                return -ENOMEM;
        for (size_t i = 0; path[i]; i++) {
                char *np;

                r = member(rd, spec, sp, path[i], JSON_OBJECT, &spec);
                if (r < 0)
                        return r;
                if (!spec)
                        return reason_set(rd->ret_error, -EBADMSG, "%s: a %s without %s", pointer[0] ? pointer : "the top level",
                                    kind, path[i]);
                if (!(np = pointer_join(sp, path[i], -1)))
                        return -ENOMEM;
                free(sp);
                sp = np;
        }
        status = NULL;
        if (strcmp(kind, "Pod") == 0) {
                r = member(rd, o, pointer, "status", JSON_OBJECT, &status);
                if (r < 0)
                        return r;
        }
        {
                _cleanup_(freep) char *stp = pointer_join(pointer, "status", -1);

                if (!stp)
                        return -ENOMEM;
                r = read_pod(rd, kind, meta, mp, spec, sp, status, stp);
                sp = NULL;
                return r;
        }
}

int kube_parse_tree(void *json, struct kube_objects **ret, char **ret_error)
{
        _cleanup_(kube_objects_freep) struct kube_objects *k = NULL;
        struct reader rd = { .ret_error = ret_error };
        json_t *root = json, *items, *v;
        const char *kind;
        size_t i;
        int r;

        k = calloc(1, sizeof(*k));
        if (!k) {
                json_decref(root);
                return -ENOMEM;
        }
        rd.k = k;
        k->json = root;
        if (!json_is_object(root))
                return reason_set(rd.ret_error, -EBADMSG, "the top level is not an object");
        r = get_string(&rd, root, "", "kind", &kind);
        if (r < 0)
                return r;
        if (kind && strlen(kind) >= 4 && strcmp(kind + strlen(kind) - 4, "List") == 0) {
                /* "PodList": items without a kind are pods; "List": each says. */
                const char *item_kind = known_kind(kind, strlen(kind) - 4) ?: "";

                r = member(&rd, root, "", "items", JSON_ARRAY, &items);
                if (r < 0)
                        return r;
                if (!items)
                        return reason_set(rd.ret_error, -EBADMSG, "a %s without items", kind);
                json_array_foreach(items, i, v) {
                        char p[32];

                        snprintf(p, sizeof(p), "/items/%zu", i);
                        r = read_object(&rd, v, p, strcmp(kind, "List") == 0 ? NULL : item_kind);
                        if (r < 0)
                                return r;
                }
        } else {
                r = read_object(&rd, root, "", NULL);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(k);
        return 0;
}


int kube_parse(const char *buf, size_t len, struct kube_objects **ret, char **ret_error)
{
        struct json_shape shape;
        json_error_t jerr;
        json_t *root;

        if (len > KUBE_MAX_BYTES)
                return reason_set(ret_error, -E2BIG, "larger than %zu MiB", KUBE_MAX_BYTES >> 20);
        shape = json_shape(buf, len, KUBE_MAX_DEPTH, KUBE_MAX_STRING);
        if (shape.depth > KUBE_MAX_DEPTH)
                return reason_set(ret_error, -EBADMSG, "nested deeper than %d levels", KUBE_MAX_DEPTH);
        if (shape.longest_string > KUBE_MAX_STRING)
                return reason_set(ret_error, -EBADMSG, "a string longer than %zu KiB", KUBE_MAX_STRING >> 10);
        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root)
                return reason_set(ret_error, -EBADMSG, "not JSON: line %d column %d: %s", jerr.line, jerr.column,
                                  jerr.text);
        return kube_parse_tree(root, ret, ret_error);
}

struct kube_objects *kube_objects_free(struct kube_objects *k)
{
        if (!k)
                return NULL;
        for (size_t i = 0; i < k->n_pods; i++)
                pod_release(&k->pods[i]);
        free(k->pods);
        free(k->namespaces);
        json_decref(k->json);
        free(k);
        return NULL;
}
