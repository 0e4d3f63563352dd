/* bootc and rpm-ostree status JSON -> struct host_status; see host-status.h.
 *
 * jansson builds the tree (duplicate keys refused, every number read as a
 * double so that a huge integer in a field we ignore is no error); we walk
 * only the fields we know, checking each one's type, and copy what we keep
 * into the status's arena. jansson allocates through a counting allocator so
 * that one input cannot take more than HOST_STATUS_MAX_MEMORY. */
#define _GNU_SOURCE
#include "host-status.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "basic/time-util.h"

#define MAX_REASON 200

static const char *const source_names[] = { "bootc", "rpm-ostree" };
static const char *const role_names[] = { "booted", "staged", "rollback", "other" };

/* The index of s in names, or -EINVAL. */
static int name_index(const char *const *names, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(s, names[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

const char *host_source_name(enum host_source s)
{
        return (size_t) s < ARRAY_SIZE(source_names) ? source_names[s] : "unknown";
}

int host_source_from_name(const char *s, enum host_source *ret)
{
        int i = name_index(source_names, ARRAY_SIZE(source_names), s);

        if (i < 0)
                return i;
        *ret = (enum host_source) i;
        return 0;
}

const char *deployment_role_name(enum deployment_role r)
{
        return (size_t) r < ARRAY_SIZE(role_names) ? role_names[r] : "unknown";
}

int deployment_role_from_name(const char *s, enum deployment_role *ret)
{
        int i = name_index(role_names, ARRAY_SIZE(role_names), s);

        if (i < 0)
                return i;
        *ret = (enum deployment_role) i;
        return 0;
}

struct host_status *host_status_new(enum host_source source)
{
        struct host_status *hs = calloc(1, sizeof(*hs));

        if (!hs)
                return NULL;
        hs->source = source;
        arena_init(&hs->arena);
        return hs;
}

struct host_status *host_status_free(struct host_status *hs)
{
        if (hs) {
                arena_release(&hs->arena);
                free(hs);
        }
        return NULL;
}

struct deployment *host_status_add(struct host_status *hs, enum deployment_role role)
{
        struct deployment *d;

        if (hs->n_deployments >= HOST_STATUS_MAX_DEPLOYMENTS)
                return NULL;
        d = &hs->deployments[hs->n_deployments++];
        *d = (struct deployment) { .role = role, .timestamp = HOST_TIME_UNKNOWN, .serial = -1 };
        return d;
}

const char *host_status_strdup(struct host_status *hs, const char *s)
{
        const char *copy;

        if (!s)
                return NULL;
        copy = arena_strndup(&hs->arena, s, strlen(s));
        if (!copy)
                errno = ENOMEM;
        return copy;
}

const struct deployment *host_status_get(const struct host_status *hs, enum deployment_role role)
{
        for (size_t i = 0; i < hs->n_deployments; i++)
                if (hs->deployments[i].role == role)
                        return &hs->deployments[i];
        return NULL;
}

static bool str_eq(const char *a, const char *b)
{
        return a == b || (a && b && strcmp(a, b) == 0);
}

bool deployment_same(const struct deployment *a, const struct deployment *b)
{
        if (a->checksum && b->checksum)
                return strcmp(a->checksum, b->checksum) == 0;
        if (a->digest && b->digest)
                return strcmp(a->digest, b->digest) == 0;
        return str_eq(a->image, b->image) && str_eq(a->version, b->version);
}

static bool deployment_equal(const struct deployment *a, const struct deployment *b)
{
        return a->role == b->role && str_eq(a->image, b->image) && str_eq(a->transport, b->transport) &&
               str_eq(a->digest, b->digest) && str_eq(a->version, b->version) && a->timestamp == b->timestamp &&
               str_eq(a->checksum, b->checksum) && a->serial == b->serial && str_eq(a->stateroot, b->stateroot) &&
               a->pinned == b->pinned && a->download_only == b->download_only &&
               a->incompatible == b->incompatible;
}

bool host_status_equal(const struct host_status *a, const struct host_status *b)
{
        if (a->source != b->source || a->n_deployments != b->n_deployments ||
            a->rollback_queued != b->rollback_queued || !str_eq(a->usr_overlay, b->usr_overlay))
                return false;
        for (size_t i = 0; i < a->n_deployments; i++)
                if (!deployment_equal(&a->deployments[i], &b->deployments[i]))
                        return false;
        return true;
}

/* jansson's allocations, counted against a per-thread budget while a parse
 * runs. Installed before main() so that every jansson object in the process
 * (ours only, today) has the size header free() expects. */
static __thread size_t json_budget;             /* bytes left; 0 when no parse runs */
static __thread bool json_over_budget;

struct json_block {
        size_t size;
        max_align_t data[];
};

static void *json_budget_malloc(size_t n)
{
        struct json_block *b;

        if (json_budget) {
                if (n >= json_budget) {
                        json_over_budget = true;
                        return NULL;
                }
                json_budget -= n;
        }
        b = malloc(sizeof(*b) + n);
        if (!b)
                return NULL;
        b->size = n;
        return b->data;
}

static void json_budget_free(void *p)
{
        struct json_block *b;

        if (!p)
                return;
        b = (struct json_block *) ((char *) p - offsetof(struct json_block, data));
        if (json_budget)
                json_budget += b->size;
        free(b);
}

__attribute__((constructor)) static void json_budget_install(void)
{
        json_set_alloc_funcs(json_budget_malloc, json_budget_free);
}

struct parse {
        struct host_status *hs;
        char *error;
};

static int fail(struct parse *p, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(struct parse *p, int r, const char *fmt, ...)
{
        va_list ap;
        int q;

        if (p->error)
                return r;
        /* Values from the input appear in reasons: escaped, one line. */
        va_start(ap, fmt);
        q = escape_message(&p->error, MAX_REASON, fmt, ap);
        va_end(ap);
        return q < 0 ? q : r;
}

/* Field names in reasons: "status.booted.image.imageDigest", "deployments[1].checksum". */
#define FIELD(where, key) (where), (*(where) ? "." : ""), (key)

static int get_string(struct parse *p, json_t *obj, const char *where, const char *key, const char **ret)
{
        json_t *v = json_object_get(obj, key);
        const char *s;
        size_t n;

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return fail(p, -EBADMSG, "%s%s%s: expected a string", FIELD(where, key));
        n = json_string_length(v);
        if (n > HOST_STATUS_MAX_STRING)
                return fail(p, -E2BIG, "%s%s%s: longer than %d bytes", FIELD(where, key), HOST_STATUS_MAX_STRING);
        s = arena_strndup(&p->hs->arena, json_string_value(v), n);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int get_bool(struct parse *p, json_t *obj, const char *where, const char *key, bool *ret)
{
        json_t *v = json_object_get(obj, key);

        *ret = false;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_boolean(v))
                return fail(p, -EBADMSG, "%s%s%s: expected true or false", FIELD(where, key));
        *ret = json_is_true(v);
        return 0;
}

static int get_object(struct parse *p, json_t *obj, const char *where, const char *key, json_t **ret)
{
        json_t *v = json_object_get(obj, key);

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_object(v))
                return fail(p, -EBADMSG, "%s%s%s: expected an object", FIELD(where, key));
        *ret = v;
        return 0;
}

/* A whole number in [min, max]; *ret untouched when absent or null. */
static int get_integer(struct parse *p, json_t *obj, const char *where, const char *key, double min, double max,
                       int64_t *ret)
{
        json_t *v = json_object_get(obj, key);
        double d;

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_number(v))
                return fail(p, -EBADMSG, "%s%s%s: expected a number", FIELD(where, key));
        d = json_number_value(v);
        if (!isfinite(d) || d < min || d > max || (double) (int64_t) d != d)     /* range first: the cast needs it */
                return fail(p, -EBADMSG, "%s%s%s: %g is out of range", FIELD(where, key), d);
        *ret = (int64_t) d;
        return 0;
}

static int get_time(struct parse *p, json_t *obj, const char *where, const char *key, int64_t *ret)
{
        const char *s;
        int r;

        r = get_string(p, obj, where, key, &s);
        if (r < 0 || !s)
                return r;
        if (rfc3339_parse(s, strlen(s), ret) < 0)
                return fail(p, -EBADMSG, "%s%s%s: '%.40s' is not an RFC 3339 time", FIELD(where, key), s);
        return 0;
}

/* bootc ImageSignature: "containerPolicy", "insecure" or {"ostreeRemote": NAME};
 * anything else (a newer bootc) stays unknown. */
static const char *bootc_signature(struct host_status *hs, json_t *sig)
{
        const char *remote = json_string_value(json_object_get(sig, "ostreeRemote"));
        char buf[HOST_STATUS_MAX_STRING + 16];

        if (json_is_string(sig) && json_string_length(sig) < HOST_STATUS_MAX_STRING &&
            strlen(json_string_value(sig)) == json_string_length(sig))
                return host_status_strdup(hs, json_string_value(sig));
        if (remote && strlen(remote) < HOST_STATUS_MAX_STRING) {
                snprintf(buf, sizeof(buf), "ostreeRemote:%s", remote);
                return host_status_strdup(hs, buf);
        }
        return NULL;
}

/* bootc ImageStatus (at names it in messages): {image: {image, transport,
 * signature}, imageDigest, version, timestamp}. */
static int parse_bootc_image(struct parse *p, json_t *image, const char *at, struct deployment *d)
{
        json_t *ref;
        int r;

        r = get_object(p, image, at, "image", &ref);
        if (r >= 0 && ref) {
                char ref_at[112];

                snprintf(ref_at, sizeof(ref_at), "%s.image", at);
                r = get_string(p, ref, ref_at, "image", &d->image);
                if (r >= 0)
                        r = get_string(p, ref, ref_at, "transport", &d->transport);
                if (r >= 0)
                        d->signature = bootc_signature(p->hs, json_object_get(ref, "signature"));
        }
        if (r >= 0)
                r = get_string(p, image, at, "imageDigest", &d->digest);
        if (r >= 0)
                r = get_string(p, image, at, "version", &d->version);
        if (r >= 0)
                r = get_time(p, image, at, "timestamp", &d->timestamp);
        return r;
}

/* bootc BootEntry: image, pinned, downloadOnly, incompatible, composefs, ostree. */
static int parse_bootc_entry(struct parse *p, json_t *entry, const char *where, enum deployment_role role)
{
        struct deployment *d;
        json_t *image, *ostree = NULL, *composefs = NULL, *cached = NULL;
        char at[96];
        int r;

        if (!json_is_object(entry))
                return fail(p, -EBADMSG, "%s: expected an object", where);
        d = host_status_add(p->hs, role);
        if (!d)
                return fail(p, -E2BIG, "more than %d deployments", HOST_STATUS_MAX_DEPLOYMENTS);
        r = get_object(p, entry, where, "image", &image);
        snprintf(at, sizeof(at), "%s.image", where);
        if (r >= 0 && image)
                r = parse_bootc_image(p, image, at, d);
        /* the booted entry's cached update, else the staged one's (parsed first) */
        r = r ?: get_object(p, entry, where, "cachedUpdate", &cached);
        if (r >= 0 && cached && (role == ROLE_BOOTED || (role == ROLE_STAGED && !p->hs->has_cached_update))) {
                p->hs->cached_update = (struct deployment) { .role = ROLE_OTHER, .timestamp = HOST_TIME_UNKNOWN,
                                                             .serial = -1 };
                snprintf(at, sizeof(at), "%s.cachedUpdate", where);
                r = parse_bootc_image(p, cached, at, &p->hs->cached_update);
                p->hs->has_cached_update = r >= 0;
        }
        r = r ?: get_bool(p, entry, where, "pinned", &d->pinned);
        r = r ?: get_bool(p, entry, where, "downloadOnly", &d->download_only);
        r = r ?: get_bool(p, entry, where, "incompatible", &d->incompatible);
        r = r ?: get_object(p, entry, where, "composefs", &composefs);
        if (r >= 0 && composefs) {
                snprintf(at, sizeof(at), "%s.composefs", where);
                d->composefs = true;
                r = get_string(p, composefs, at, "verity", &d->composefs_verity);
                r = r ?: get_bool(p, composefs, at, "missingVerityAllowed", &d->missing_verity_allowed);
        }
        r = r ?: get_object(p, entry, where, "ostree", &ostree);
        if (r < 0 || !ostree)
                return r;
        snprintf(at, sizeof(at), "%s.ostree", where);
        r = get_string(p, ostree, at, "checksum", &d->checksum);
        r = r ?: get_integer(p, ostree, at, "deploySerial", 0, UINT32_MAX, &d->serial);
        r = r ?: get_string(p, ostree, at, "stateroot", &d->stateroot);
        return r;
}

static int parse_bootc(struct parse *p, json_t *root)
{
        static const struct {
                const char *key;
                enum deployment_role role;
        } entries[] = {
                { "staged", ROLE_STAGED },
                { "booted", ROLE_BOOTED },
                { "rollback", ROLE_ROLLBACK },
        };
        const char *api, *kind, *order = NULL, *mode, *persistence;
        json_t *spec, *status = NULL, *others, *overlay;
        bool queued;
        size_t i;
        int r;

        r = get_string(p, root, "", "apiVersion", &api);
        r = r ?: get_string(p, root, "", "kind", &kind);
        if (r < 0)
                return r;
        if (!api || !kind)
                return fail(p, -EBADMSG, "no apiVersion or kind: not bootc status output");
        if (strcmp(api, "org.containers.bootc/v1alpha1") != 0 && strcmp(api, "org.containers.bootc/v1") != 0)
                return fail(p, -EBADMSG, "unknown apiVersion '%.64s' (expected org.containers.bootc/v1 or v1alpha1)",
                            api);
        if (strcmp(kind, "BootcHost") != 0)
                return fail(p, -EBADMSG, "unknown kind '%.64s' (expected BootcHost)", kind);
        r = get_object(p, root, "", "spec", &spec);
        if (r >= 0 && spec)
                r = get_string(p, spec, "spec", "bootOrder", &order);
        r = r ?: get_object(p, root, "", "status", &status);
        if (r < 0 || !status)
                return r;

        for (i = 0; i < ARRAY_SIZE(entries); i++) {
                json_t *e = json_object_get(status, entries[i].key);
                char at[32];

                if (!e || json_is_null(e))
                        continue;
                snprintf(at, sizeof(at), "status.%s", entries[i].key);
                r = parse_bootc_entry(p, e, at, entries[i].role);
                if (r < 0)
                        return r;
        }
        others = json_object_get(status, "otherDeployments");
        if (others && !json_is_null(others)) {
                if (!json_is_array(others))
                        return fail(p, -EBADMSG, "status.otherDeployments: expected an array");
                for (i = 0; i < json_array_size(others); i++) {
                        char at[48];

                        snprintf(at, sizeof(at), "status.otherDeployments[%zu]", i);
                        r = parse_bootc_entry(p, json_array_get(others, i), at, ROLE_OTHER);
                        if (r < 0)
                                return r;
                }
        }
        r = get_bool(p, status, "status", "rollbackQueued", &queued);
        r = r ?: get_object(p, status, "status", "usrOverlay", &overlay);
        if (r < 0)
                return r;
        /* spec.bootOrder "rollback" asks for the rollback entry on the next boot. */
        p->hs->rollback_queued = host_status_get(p->hs, ROLE_ROLLBACK) &&
                                 (queued || (order && strcmp(order, "rollback") == 0));
        if (!overlay)
                return 0;
        r = get_string(p, overlay, "status.usrOverlay", "accessMode", &mode);
        r = r ?: get_string(p, overlay, "status.usrOverlay", "persistence", &persistence);
        if (r < 0)
                return r;
        if (mode && persistence) {
                char *s = arena_alloc(&p->hs->arena, strlen(mode) + strlen(persistence) + 2);

                if (!s)
                        return -ENOMEM;
                sprintf(s, "%s/%s", mode, persistence);
                p->hs->usr_overlay = s;
        } else {
                p->hs->usr_overlay = mode ?: persistence ?: "unknown";
        }
        return 0;
}

static const char *remote_signature(struct host_status *hs, const char *remote, const char *end)
{
        char buf[HOST_STATUS_MAX_STRING + 16];

        if (end - remote >= HOST_STATUS_MAX_STRING)
                return NULL;
        snprintf(buf, sizeof(buf), "ostreeRemote:%.*s", (int) (end - remote), remote);
        return host_status_strdup(hs, buf);
}

/* An ostree-container image reference ("ostree-unverified-registry:quay.io/x",
 * "ostree-remote-image:REMOTE:docker://quay.io/x" ...) as bootc writes it:
 * transport and image apart. Unknown shapes stay whole, transport unknown. */
void host_status_split_ref(struct host_status *hs, const char *ref, const char **ret_transport,
                           const char **ret_image, const char **ret_signature)
{
        static const struct {
                const char *prefix, *transport;
        } transports[] = {
                { "docker://", "registry" },
                { "registry:", "registry" },
                { "oci:", "oci" },
                { "oci-archive:", "oci-archive" },
                { "containers-storage:", "containers-storage" },
                { "dir:", "dir" },
        };
        const char *s = ref, *colon;
        size_t i;

        *ret_transport = NULL;
        *ret_image = ref;
        *ret_signature = NULL;
        if (strncmp(s, "ostree-unverified-registry:", 27) == 0) {
                *ret_transport = "registry";
                *ret_image = s + 27;
                *ret_signature = "insecure";
                return;
        }
        if (strncmp(s, "ostree-remote-registry:", 23) == 0 && (colon = strchr(s + 23, ':'))) {
                *ret_transport = "registry";
                *ret_image = colon + 1;
                *ret_signature = remote_signature(hs, s + 23, colon);
                return;
        }
        if (strncmp(s, "ostree-unverified-image:", 24) == 0) {
                s += 24;
                *ret_signature = "insecure";
        } else if (strncmp(s, "ostree-image-signed:", 20) == 0) {
                s += 20;
                *ret_signature = "containerPolicy";
        } else if (strncmp(s, "ostree-remote-image:", 20) == 0 && (colon = strchr(s + 20, ':'))) {
                *ret_signature = remote_signature(hs, s + 20, colon);
                s = colon + 1;
        }
        for (i = 0; i < ARRAY_SIZE(transports); i++)
                if (strncmp(s, transports[i].prefix, strlen(transports[i].prefix)) == 0) {
                        *ret_transport = transports[i].transport;
                        *ret_image = s + strlen(transports[i].prefix);
                        return;
                }
}

static int parse_rpm_ostree_deployment(struct parse *p, json_t *e, const char *where, struct deployment *d,
                                       const char **ret_unlocked)
{
        const char *ref, *ref_digest, *base, *origin;
        int r;

        r = get_string(p, e, where, "container-image-reference", &ref);
        r = r ?: get_string(p, e, where, "container-image-reference-digest", &ref_digest);
        r = r ?: get_string(p, e, where, "origin", &origin);
        r = r ?: get_string(p, e, where, "base-checksum", &base);
        r = r ?: get_string(p, e, where, "checksum", &d->checksum);
        r = r ?: get_string(p, e, where, "version", &d->version);
        r = r ?: get_integer(p, e, where, "timestamp", TIME_MIN_SECONDS, TIME_MAX_SECONDS, &d->timestamp);
        r = r ?: get_integer(p, e, where, "serial", 0, UINT32_MAX, &d->serial);
        r = r ?: get_string(p, e, where, "osname", &d->stateroot);
        r = r ?: get_bool(p, e, where, "pinned", &d->pinned);
        r = r ?: get_bool(p, e, where, "finalization-locked", &d->download_only);
        r = r ?: get_string(p, e, where, "unlocked", ret_unlocked);
        if (r < 0)
                return r;
        if (ref) {
                host_status_split_ref(p->hs, ref, &d->transport, &d->image, &d->signature);
        } else {
                d->image = origin;
                d->transport = origin ? "ostree" : NULL;
        }
        d->digest = ref_digest ?: base ?: d->checksum;
        return 0;
}

/* rpm-ostree lists deployments in boot order: a staged or pending one first,
 * then the booted one, then the rollback. */
static int parse_rpm_ostree(struct parse *p, json_t *root)
{
        json_t *list = json_object_get(root, "deployments"), *cached;
        size_t n, i, booted = SIZE_MAX, staged = SIZE_MAX, rollback = SIZE_MAX;
        const char *unlocked;
        int r;

        if (!json_is_array(list))
                return fail(p, -EBADMSG, "no 'deployments' array: not rpm-ostree status output");
        n = json_array_size(list);
        if (n > HOST_STATUS_MAX_DEPLOYMENTS)
                return fail(p, -E2BIG, "more than %d deployments", HOST_STATUS_MAX_DEPLOYMENTS);
        for (i = 0; i < n; i++) {
                json_t *e = json_array_get(list, i);
                char at[32];
                bool is_booted, is_staged;

                snprintf(at, sizeof(at), "deployments[%zu]", i);
                if (!json_is_object(e))
                        return fail(p, -EBADMSG, "%s: expected an object", at);
                r = get_bool(p, e, at, "booted", &is_booted);
                r = r ?: get_bool(p, e, at, "staged", &is_staged);
                if (r < 0)
                        return r;
                if (is_booted && is_staged)
                        return fail(p, -EBADMSG, "%s: booted and staged at once", at);
                if (is_booted && booted != SIZE_MAX)
                        return fail(p, -EBADMSG, "%s: a second booted deployment", at);
                if (is_staged && staged != SIZE_MAX)
                        return fail(p, -EBADMSG, "%s: a second staged deployment", at);
                if (is_booted)
                        booted = i;
                if (is_staged)
                        staged = i;
        }
        /* The rollback: the first other deployment after the booted one; when
         * there is none, one listed before it, which then boots next (that is
         * what `rpm-ostree rollback` leaves until the reboot). */
        for (i = booted == SIZE_MAX ? n : booted + 1; i < n && rollback == SIZE_MAX; i++)
                if (i != staged)
                        rollback = i;
        for (i = 0; booted != SIZE_MAX && i < booted && rollback == SIZE_MAX; i++)
                if (i != staged) {
                        rollback = i;
                        p->hs->rollback_queued = true;
                }

        for (i = 0; i < n; i++) {
                enum deployment_role role = i == booted ? ROLE_BOOTED : i == staged ? ROLE_STAGED
                                          : i == rollback ? ROLE_ROLLBACK : ROLE_OTHER;
                struct deployment *d = host_status_add(p->hs, role);
                char at[32];

                snprintf(at, sizeof(at), "deployments[%zu]", i);
                r = parse_rpm_ostree_deployment(p, json_array_get(list, i), at, d, &unlocked);
                if (r < 0)
                        return r;
                if (i == booted && unlocked && strcmp(unlocked, "none") != 0)
                        p->hs->usr_overlay = unlocked;
        }
        /* The update rpm-ostree's automatic update policy fetched: the keys
         * of a deployment (checksum, version, timestamp, origin, and for an
         * image its container-image-reference[-digest]). */
        r = get_object(p, root, "", "cached-update", &cached);
        if (r < 0 || !cached)
                return r;
        p->hs->cached_update = (struct deployment) { .role = ROLE_OTHER, .timestamp = HOST_TIME_UNKNOWN, .serial = -1 };
        r = parse_rpm_ostree_deployment(p, cached, "cached-update", &p->hs->cached_update, &unlocked);
        p->hs->has_cached_update = r >= 0;
        return r;
}

int host_status_parse(enum host_source source, const char *buf, size_t len, struct host_status **ret,
                      char **ret_error)
{
        _cleanup_(host_status_freep) struct host_status *hs = NULL;
        struct parse p = { 0 };
        json_error_t jerr;
        json_t *root;
        int r;

        if (len == 0) {
                r = fail(&p, -EBADMSG, "empty input");
                goto out;
        }
        if (len > HOST_STATUS_MAX_BYTES) {
                r = fail(&p, -E2BIG, "larger than %zu MiB", HOST_STATUS_MAX_BYTES >> 20);
                goto out;
        }
        hs = host_status_new(source);
        if (!hs)
                return -ENOMEM;
        p.hs = hs;

        json_budget = HOST_STATUS_MAX_MEMORY;
        json_over_budget = false;
        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
        if (!root) {
                json_budget = 0;
                if (json_over_budget)
                        r = fail(&p, -E2BIG, "needs more than %zu MiB of memory", HOST_STATUS_MAX_MEMORY >> 20);
                else if (json_error_code(&jerr) == json_error_out_of_memory)
                        r = -ENOMEM;
                else
                        r = fail(&p, -EBADMSG, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
                goto out;
        }
        if (!json_is_object(root))
                r = fail(&p, -EBADMSG, "expected a JSON object");
        else if (source == HOST_SOURCE_BOOTC)
                r = parse_bootc(&p, root);
        else
                r = parse_rpm_ostree(&p, root);
        json_decref(root);
        json_budget = 0;
out:
        if (r < 0) {
                if (ret_error)
                        *ret_error = TAKE_PTR(p.error);
                free(p.error);
                return r;
        }
        *ret = TAKE_PTR(hs);
        return 0;
}
