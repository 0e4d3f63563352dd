/* Capability: container digests and pod posture; see container-digests.h. */
#define _GNU_SOURCE
#include "container-digests.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "basic/fd-util.h"
#include "capability/container.h"
#include "container/approved.h"
#include "container/container.h"
#include "container/privilege.h"
#include "container/kube.h"
#include "container/pod-posture.h"
#include "container/reference.h"
#include "report/json.h"

/* What a finding says about its pod: driftwatch.pod. */
struct pod_info {
        const struct kube_pod *pod;
        const struct kube_container *c;         /* or NULL: the pod itself */
};

static void json_pod(struct json *j, const void *data)
{
        const struct pod_info *pi = data;

        json_object_begin(j, "pod");
        json_string(j, "kind", pi->pod->kind);
        if (pi->pod->namespace)
                json_string(j, "namespace", pi->pod->namespace);
        if (pi->pod->name)
                json_string(j, "name", pi->pod->name);
        if (pi->c) {
                json_string(j, "container_kind", kube_container_kind_name(pi->c->kind));
                json_string(j, "pointer", pi->c->pointer);
        } else {
                json_string(j, "pointer", pi->pod->pointer);
        }
        json_object_end(j);
}

struct run {
        const struct dw_context *ctx;
        struct output *out;
        const struct container *local;  /* a findings' container of the local engine (no pod) */
};

/* "pod default/web container nginx", "Deployment default/web", "namespace dev". */
static char *describe(const struct kube_pod *p, const struct kube_container *c)
{
        const char *kind = strcmp(p->kind, "Pod") == 0 ? "pod" : p->kind;
        char *s;
        int r;

        if (strcmp(p->kind, "Namespace") == 0)
                r = asprintf(&s, "namespace %s", p->name);
        else if (c)
                r = asprintf(&s, "%s %s/%s %s %s", kind, p->namespace ?: "default", p->name ?: "(unnamed)",
                             kube_container_kind_name(c->kind), c->name);
        else
                r = asprintf(&s, "%s %s/%s", kind, p->namespace ?: "default", p->name ?: "(unnamed)");
        return r < 0 ? NULL : s;
}

static int emit(struct run *run, const char *rule_id, enum severity sev, const char *action,
                const struct kube_pod *p, const struct kube_container *c, const struct image_ref *ref,
                const char *digest, const char *fmt, ...) _printf_(9, 10);
static int emit(struct run *run, const char *rule_id, enum severity sev, const char *action,
                const struct kube_pod *p, const struct kube_container *c, const struct image_ref *ref,
                const char *digest, const char *fmt, ...)
{
        _cleanup_(freep) char *what = NULL, *msg = NULL, *body = NULL, *id = NULL, *runtime = NULL;
        struct pod_info pi = { .pod = p, .c = c };
        struct finding_container fc = { 0 };
        struct finding f;
        va_list ap;
        int r;

        if (p ? !(what = describe(p, c))
              : asprintf(&what, "%s container %s", run->local->engine,
                         run->local->names.n ? run->local->names.v[0] : run->local->id) < 0)
                return -ENOMEM;
        va_start(ap, fmt);
        r = vasprintf(&body, fmt, ap);
        va_end(ap);
        if (r < 0) {
                body = NULL;
                return -ENOMEM;
        }
        if (asprintf(&msg, "%s: %s", what, body) < 0) {
                msg = NULL;
                return -ENOMEM;
        }
        if (c) {
                const char *rt, *cid;
                size_t rt_len;

                fc.name = c->name;
                if (c->container_id && container_id_split(c->container_id, &rt, &rt_len, &cid) == 0) {
                        if (!(id = strdup(cid)) || !(runtime = strndup(rt, rt_len)))
                                return -ENOMEM;
                        fc.id = id;
                        fc.runtime = runtime;
                } else if (c->container_id) {
                        fc.id = c->container_id;
                }
                fc.image_name = ref ? ref->name : c->image;
                fc.image_tag = ref ? ref->tag : NULL;
                fc.image_digest = digest;
        } else if (!p) {
                fc.id = run->local->id;
                fc.name = run->local->names.n ? run->local->names.v[0] : NULL;
                fc.runtime = run->local->engine;
                fc.image_name = ref ? ref->name : run->local->image_name;
                fc.image_tag = ref ? ref->tag : NULL;
                fc.image_digest = digest;
        }
        container_finding_init(&f, run->ctx, rule_id, "configuration", "info", action, msg, c || !p ? &fc : NULL);
        f.severity = sev;
        f.json_extra = p ? json_pod : NULL;
        f.json_extra_data = &pi;
        r = output_emit(run->out, &f);
        finding_release(&f);
        return r;
}

/* The pods input (a file, "-" stdin) parsed; what an error names. */
static int load_kube(const char *path, const char *what, struct kube_objects **ret, struct dw_error *ret_error)
{
        _cleanup_(freep) char *buf = NULL, *why = NULL;
        size_t len = 0;
        int r;

        if (strcmp(path, "-") == 0)
                r = read_fd_all(0, KUBE_MAX_BYTES, &buf, &len);
        else
                r = read_file(path, KUBE_MAX_BYTES, &buf, &len);
        if (r == -EFBIG)
                return dw_error_set(ret_error, r, path, "cannot read %s '%s': larger than %zu MiB", what, path,
                                    KUBE_MAX_BYTES >> 20);
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot read %s '%s': %s", what, path, strerror(-r));
        r = kube_parse(buf, len, ret, &why);
        if (r == -ENOMEM)
                return dw_error_set(ret_error, r, NULL, "out of memory");
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot read %s '%s': %s", what, path,
                                    why ? why : strerror(-r));
        return 0;
}

static int load_pods(const struct container_digests_request *req, struct kube_objects **ret,
                     struct container_digests_summary *sum, struct dw_error *ret_error)
{
        _cleanup_(kube_objects_freep) struct kube_objects *k = NULL;
        int r;

        if (!req->pods)
                return dw_error_set(ret_error, -EINVAL, NULL, "no pods given (--pods FILE)");
        r = load_kube(req->pods, "pods", &k, ret_error);
        if (r < 0)
                return r;
        for (size_t i = 0; i < k->n_pods; i++) {
                if (strcmp(k->pods[i].kind, "Pod") == 0)
                        sum->pods++;
                else
                        sum->templates++;
                sum->containers += k->pods[i].n_containers;
        }
        sum->others = k->others + k->n_namespaces;
        if (k->n_pods == 0)
                return dw_error_set(ret_error, -ENODATA, req->pods,
                                    "pods '%s' holds no pods and no pod templates (%zu objects of other kinds)",
                                    req->pods, sum->others);
        *ret = TAKE_PTR(k);
        return 0;
}

static int load_approved(const char *path, struct approved **ret, struct dw_error *ret_error)
{
        _cleanup_(freep) char *buf = NULL, *why = NULL;
        size_t len = 0;
        int r;

        r = read_file(path, APPROVED_MAX_BYTES, &buf, &len);
        if (r == -EFBIG)
                return dw_error_set(ret_error, r, path, "cannot read approved list '%s': larger than %zu MiB", path,
                                    APPROVED_MAX_BYTES >> 20);
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot read approved list '%s': %s", path, strerror(-r));
        r = approved_parse(buf, len, ret, &why);
        if (r == -ENOMEM)
                return dw_error_set(ret_error, r, NULL, "out of memory");
        if (r < 0)
                return dw_error_set(ret_error, r, path, "bad approved list '%s': %s", path, why ? why : strerror(-r));
        return 0;
}

static const char *entry_where(const struct approved_entry *e, char *buf, size_t size)
{
        if (e->line)
                snprintf(buf, size, "line %u", e->line);
        else
                snprintf(buf, size, "%s", e->where ?: "?");
        return buf;
}

/* The digest findings of one image reference: running is what runs (its
 * digest, or none known), pinned_vs_running whether a pinned digest is to be
 * compared with it (the kubelet's status.imageID names the manifest run). */
static int check_reference(struct run *run, const struct kube_pod *p, const struct kube_container *c,
                           const char *image, const struct image_ref *running, const char *running_from,
                           const char *id_note, const struct approved *approved)
{
        _cleanup_(image_ref_release) struct image_ref spec = { 0 };
        const struct approved_entry *e;
        const char *reason = NULL, *digest;
        char where[128];
        int r;

        r = image_ref_parse(image, strlen(image), &spec, &reason);
        if (r == -EINVAL)
                return emit(run, "DW-CTR-REF-INVALID", 0, "image-reference-invalid", p, c, NULL, NULL,
                            "image reference '%s' is not valid: %s", image, reason);
        if (r < 0)
                return r;
        digest = running->digest ?: spec.digest;
        if (!spec.digest) {
                r = emit(run, "DW-CTR-MUTABLE-TAG", 0, "image-mutable-tag", p, c, &spec, digest,
                         "runs %s by its tag '%s', no @sha256 digest: what it pulls can change", spec.string,
                         spec.tag);
                if (r < 0)
                        return r;
        }
        if (running_from && spec.digest && running->digest && strcmp(spec.digest, running->digest) != 0) {
                r = emit(run, "DW-CTR-DIGEST-MISMATCH", 0, "image-digest-mismatch", p, c, &spec, running->digest,
                         "the spec pins %s, %s image %s", spec.string, running_from, running->string);
                if (r < 0)
                        return r;
        }
        if (!approved)
                return 0;
        if (!digest)
                return emit(run, "DW-CTR-DIGEST-UNAPPROVED", 0, "image-digest-unapproved", p, c, &spec, NULL,
                            "runs %s with no digest known%s: it cannot be approved", spec.string, id_note);
        if (approved_find(approved, spec.name, digest))
                return 0;
        e = approved_find_name(approved, spec.name);
        /* "nginx:1.25 runs sha256:...", but a reference pinning that digest is not said twice */
        if (e && spec.digest && strcmp(spec.digest, digest) == 0)
                return emit(run, "DW-CTR-DIGEST-DIFFERS", 0, "image-digest-differs", p, c, &spec, digest,
                            "runs %s; the approved list has %s for %s (%s)", image, e->ref.digest, spec.name,
                            entry_where(e, where, sizeof(where)));
        if (e)
                return emit(run, "DW-CTR-DIGEST-DIFFERS", 0, "image-digest-differs", p, c, &spec, digest,
                            "%s runs %s; the approved list has %s for %s (%s)", image, digest,
                            e->ref.digest, spec.name, entry_where(e, where, sizeof(where)));
        return emit(run, "DW-CTR-DIGEST-UNAPPROVED", 0, "image-digest-unapproved", p, c, &spec, digest,
                    "runs %s@%s, which is not in the approved list", spec.name, digest);
}

static int check_digests(struct run *run, const struct kube_pod *p, const struct kube_container *c,
                         const struct approved *approved)
{
        _cleanup_(image_ref_release) struct image_ref running = { 0 };
        const char *reason = NULL, *id_note = " (a tag, and no status imageID)";
        int r;

        if (!c->image)
                return 0;
        if (c->image_id) {
                r = image_id_parse(c->image_id, &running, &reason);
                if (r == -ENOMEM)
                        return r;
                if (r == IMAGE_ID_IMAGE_ID)
                        id_note = " (status imageID is an image id, not a manifest digest)";
                else if (r < 0)
                        id_note = " (status imageID is not readable)";
        }
        return check_reference(run, p, c, c->image, &running, "the kubelet reports", id_note, approved);
}

/* A container of the local engine: its image's reference (the name it was
 * created from) and the manifest digest containers-storage records for the
 * image. Not compared with a pinned digest: images.json keeps one digest of
 * the several a multi-platform image has, so a difference proves nothing. */
static int check_local(struct run *run, const struct ctr_storage *s, const struct container *ct,
                       const struct approved *approved)
{
        const struct ctr_image *im = ct->image_id ? ctr_storage_image(s, ct->image_id) : NULL;
        struct image_ref running = { .digest = im ? im->digest : NULL };

        run->local = ct;
        if (!ct->image_name)
                return 0;
        return check_reference(run, NULL, NULL, ct->image_name, &running, NULL,
                               " (containers-storage records no manifest digest for its image)", approved);
}

static int local_digests(struct run *run, const struct container_digests_request *req,
                         const struct approved *approved, struct container_digests_summary *sum,
                         struct dw_error *ret_error)
{
        _cleanup_(ctr_storage_freep) struct ctr_storage *s = NULL;
        const char *root = req->storage_root ?: CTR_STORAGE_DEFAULT;
        int r;

        r = ctr_storage_load(root, &s, ret_error);
        if (r < 0)
                return dw_error_set(ret_error, r, root, "no container storage at '%s': %s", root, strerror(-r));
        sum->containers = s->n_containers;
        for (size_t i = 0; i < s->n_containers; i++) {
                if (run->ctx->cancel && *run->ctx->cancel)
                        return dw_error_set(ret_error, -ECANCELED, NULL, "interrupted");
                r = check_local(run, s, &s->containers[i], approved);
                if (r < 0)
                        return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
        }
        return 0;
}

int capability_container_digests(const struct dw_context *ctx, const struct container_digests_request *req,
                                 struct output *out, struct container_digests_summary *ret_summary,
                                 struct dw_error *ret_error)
{
        _cleanup_(kube_objects_freep) struct kube_objects *k = NULL;
        _cleanup_(approved_freep) struct approved *approved = NULL;
        struct container_digests_summary sum = { 0 };
        struct run run = { .ctx = ctx, .out = out };
        int r;

        if (req->approved) {
                r = load_approved(req->approved, &approved, ret_error);
                if (r < 0)
                        return r;
                sum.approved = approved->n;
                sum.approved_without_digest = approved->without_digest;
        }
        if (!req->pods) {
                r = local_digests(&run, req, approved, &sum, ret_error);
                if (r < 0)
                        return r;
                if (ret_summary)
                        *ret_summary = sum;
                return 0;
        }
        r = load_pods(req, &k, &sum, ret_error);
        if (r < 0)
                return r;
        for (size_t i = 0; i < k->n_pods; i++)
                for (size_t j = 0; j < k->pods[i].n_containers; j++) {
                        if (ctx->cancel && *ctx->cancel)
                                return dw_error_set(ret_error, -ECANCELED, NULL, "interrupted");
                        r = check_digests(&run, &k->pods[i], &k->pods[i].containers[j], approved);
                        if (r < 0)
                                return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
                }
        if (ret_summary)
                *ret_summary = sum;
        return 0;
}

/* Posture findings of the pods, through emit(). */
static int posture_report(void *userdata, const char *rule_id, enum severity sev, const char *action,
                          const struct kube_pod *p, const struct kube_container *c, const char *message)
{
        return emit(userdata, rule_id, sev, action, p, c, NULL, NULL, "%s", message);
}

static int check_namespaces(struct run *run, const struct kube_objects *ns)
{
        for (size_t i = 0; i < ns->n_namespaces; i++) {
                const struct kube_namespace *n = &ns->namespaces[i];
                struct kube_pod p = { .kind = "Namespace", .name = n->name, .pointer = (char *) "" };
                int r;

                if (n->enforce && strcmp(n->enforce, "restricted") == 0)
                        continue;
                r = emit(run, "DW-CTR-POD-NS-UNRESTRICTED", 0, "namespace-not-restricted", &p, NULL, NULL, NULL,
                         "pod-security.kubernetes.io/enforce is %s%s%s, not restricted: pods with host namespaces, "
                         "privileges and hostPath volumes are admitted", n->enforce ? "'" : "",
                         n->enforce ?: "not set", n->enforce ? "'" : "");
                if (r < 0)
                        return r;
        }
        return 0;
}

int capability_container_posture(const struct dw_context *ctx, const struct container_digests_request *req,
                                  struct output *out, struct container_digests_summary *ret_summary,
                                  struct dw_error *ret_error)
{
        _cleanup_(kube_objects_freep) struct kube_objects *k = NULL, *ns = NULL;
        struct container_digests_summary sum = { 0 };
        struct run run = { .ctx = ctx, .out = out };
        int r;

        if (req->namespaces) {
                r = load_kube(req->namespaces, "namespaces", &ns, ret_error);
                if (r < 0)
                        return r;
                if (ns->n_namespaces == 0)
                        return dw_error_set(ret_error, -ENODATA, req->namespaces,
                                            "namespaces '%s' holds no Namespace", req->namespaces);
                sum.namespaces = ns->n_namespaces;
        }
        r = load_pods(req, &k, &sum, ret_error);
        if (r < 0)
                return r;
        for (size_t i = 0; i < k->n_pods; i++) {
                if (ctx->cancel && *ctx->cancel)
                        return dw_error_set(ret_error, -ECANCELED, NULL, "interrupted");
                r = pod_posture_judge(&k->pods[i], posture_report, &run);
                if (r < 0)
                        return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
        }
        if (ns) {
                r = check_namespaces(&run, ns);
                if (r < 0)
                        return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
        }
        if (ret_summary)
                *ret_summary = sum;
        return 0;
}
