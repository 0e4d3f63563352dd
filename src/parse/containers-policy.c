/* The containers signature policy reader and scope lookup; see
 * containers-policy.h. */
#define _GNU_SOURCE
#include "containers-policy.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/buf.h"
#include "basic/escape.h"
#include "parse/json-util.h"

const char *cpolicy_type_name(enum cpolicy_type t)
{
        static const char *const names[] = {
                [CPR_INSECURE_ACCEPT_ANYTHING] = "insecureAcceptAnything", [CPR_REJECT] = "reject",
                [CPR_SIGNED_BY] = "signedBy", [CPR_SIGNED_BASE_LAYER] = "signedBaseLayer",
                [CPR_SIGSTORE_SIGNED] = "sigstoreSigned",
        };
        return (size_t) t < ARRAY_SIZE(names) ? names[t] : "unknown";
}

static void scope_release(struct cpolicy_scope *s)
{
        size_t i;

        free(s->transport);
        free(s->scope);
        free(s->pointer);
        for (i = 0; i < s->n_reqs; i++) {
                free(s->reqs[i].pointer);
                strv_release(&s->reqs[i].key_paths);
        }
        free(s->reqs);
}

struct cpolicy *cpolicy_free(struct cpolicy *p)
{
        size_t i;

        if (!p)
                return NULL;
        scope_release(&p->def);
        for (i = 0; i < p->n_scopes; i++)
                scope_release(&p->scopes[i]);
        free(p->scopes);
        free(p);
        return NULL;
}

#define CPOLICY_MAX_REASON 1024

static int fail(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(char **ret_error, int r, const char *fmt, ...)
{
        va_list ap;

        /* Escaped whole: the reason quotes keys and types of the input. */
        if (ret_error && !*ret_error) {
                va_start(ap, fmt);
                if (escape_message(ret_error, CPOLICY_MAX_REASON, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return r;
}

/* RFC 6901: '~' as "~0", '/' as "~1". */
static char *pointer_join(const char *base, const char *token)
{
        _cleanup_(buf_release) struct buf b;
        const char *s;
        int r;

        buf_init(&b, 1 << 16);
        r = buf_puts(&b, base);
        if (r >= 0)
                r = buf_putc(&b, '/');
        for (s = token; r >= 0 && *s; s++)
                r = *s == '~' ? buf_puts(&b, "~0") : *s == '/' ? buf_puts(&b, "~1") : buf_putc(&b, *s);
        return r < 0 ? NULL : buf_steal(&b);
}

static bool one_of(const char *key, const char *const *names)
{
        for (; *names; names++)
                if (strcmp(key, *names) == 0)
                        return true;
        return false;
}

static int add_path(struct cpolicy_req *q, json_t *v, const char *at, const char *key, char **ret_error)
{
        size_t i;
        json_t *e;

        if (json_is_string(v))
                return strv_push(&q->key_paths, json_string_value(v)) < 0 ? -ENOMEM : 0;
        if (!json_is_array(v) || json_array_size(v) == 0)
                return fail(ret_error, -EBADMSG, "%s/%s: expected a string or a non-empty list of strings", at, key);
        json_array_foreach(v, i, e) {
                if (!json_is_string(e))
                        return fail(ret_error, -EBADMSG, "%s/%s/%zu: expected a string", at, key, i);
                if (strv_push(&q->key_paths, json_string_value(e)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_req(json_t *v, const char *at, struct cpolicy_req *q, char **ret_error)
{
        static const char *const signed_by[] = { "type", "keyType", "keyPath", "keyPaths", "keyData",
                                                 "signedIdentity", NULL };
        static const char *const sigstore[] = { "type", "keyPath", "keyPaths", "keyData", "keyDatas", "fulcio",
                                                "rekorPublicKeyPath", "rekorPublicKeyPaths", "rekorPublicKeyData",
                                                "rekorPublicKeyDatas", "pki", "signedIdentity", NULL };
        static const char *const base_layer[] = { "type", "baseLayerIdentity", NULL };
        static const char *const type_only[] = { "type", NULL };
        const char *const *allowed, *type, *key;
        unsigned sources = 0;
        json_t *field;
        int r;

        if (!json_is_object(v))
                return fail(ret_error, -EBADMSG, "%s: expected an object", at);
        type = json_string_value(json_object_get(v, "type"));
        if (!type)
                return fail(ret_error, -EBADMSG, "%s: no \"type\"", at);
        if (strcmp(type, "insecureAcceptAnything") == 0)
                q->type = CPR_INSECURE_ACCEPT_ANYTHING, allowed = type_only;
        else if (strcmp(type, "reject") == 0)
                q->type = CPR_REJECT, allowed = type_only;
        else if (strcmp(type, "signedBy") == 0)
                q->type = CPR_SIGNED_BY, allowed = signed_by;
        else if (strcmp(type, "signedBaseLayer") == 0)
                q->type = CPR_SIGNED_BASE_LAYER, allowed = base_layer;
        else if (strcmp(type, "sigstoreSigned") == 0)
                q->type = CPR_SIGSTORE_SIGNED, allowed = sigstore;
        else
                return fail(ret_error, -EBADMSG, "%s: unknown policy requirement type \"%s\"", at, type);
        json_object_foreach(v, key, field) {
                if (!one_of(key, allowed))
                        return fail(ret_error, -EBADMSG, "%s: unknown key \"%s\" in a %s requirement", at, key, type);
                if (strcmp(key, "keyPath") == 0 || strcmp(key, "keyPaths") == 0 ||
                    strcmp(key, "rekorPublicKeyPath") == 0 || strcmp(key, "rekorPublicKeyPaths") == 0) {
                        r = add_path(q, field, at, key, ret_error);
                        if (r < 0)
                                return r;
                        if (strncmp(key, "key", 3) == 0)
                                sources++;
                } else if (strcmp(key, "keyData") == 0 || strcmp(key, "keyDatas") == 0) {
                        q->key_data = true;
                        sources++;
                } else if (strcmp(key, "fulcio") == 0 || strcmp(key, "pki") == 0) {
                        const char *ca = strcmp(key, "fulcio") == 0 ? "caPath" : "caRootsPath";
                        json_t *path;

                        if (!json_is_object(field))
                                return fail(ret_error, -EBADMSG, "%s/%s: expected an object", at, key);
                        path = json_object_get(field, ca);
                        if (path && (r = add_path(q, path, at, key, ret_error)) < 0)
                                return r;
                        if (key[0] == 'f')
                                q->fulcio = true;
                        else
                                q->pki = true;
                        sources++;
                }
        }
        /* newPRSignedBy / newPRSigstoreSigned: exactly one source of trust. */
        if ((q->type == CPR_SIGNED_BY || q->type == CPR_SIGSTORE_SIGNED) && sources != 1)
                return fail(ret_error, -EBADMSG, "%s: a %s requirement needs exactly one of its key sources, "
                                                 "not %u", at, type, sources);
        if (q->type == CPR_SIGNED_BY && !json_is_string(json_object_get(v, "keyType")))
                return fail(ret_error, -EBADMSG, "%s: a signedBy requirement without \"keyType\"", at);
        return 0;
}

static int parse_scope(json_t *v, const char *transport, const char *scope, const char *at, struct cpolicy_scope *s,
                       char **ret_error)
{
        size_t i;
        json_t *e;
        int r;

        if (!json_is_array(v))
                return fail(ret_error, -EBADMSG, "%s: expected a list of requirements", at);
        if (json_array_size(v) == 0)
                return fail(ret_error, -EBADMSG, "%s: the list of requirements must not be empty", at);
        if (json_array_size(v) > CPOLICY_MAX_REQS)
                return fail(ret_error, -E2BIG, "%s: more than %d requirements", at, CPOLICY_MAX_REQS);
        s->transport = transport ? strdup(transport) : NULL;
        s->scope = strdup(scope);
        s->pointer = strdup(at);
        s->reqs = calloc(json_array_size(v), sizeof(*s->reqs));
        if ((transport && !s->transport) || !s->scope || !s->pointer || !s->reqs)
                return -ENOMEM;
        json_array_foreach(v, i, e) {
                struct cpolicy_req *q = &s->reqs[s->n_reqs++];
                char idx[24];

                snprintf(idx, sizeof(idx), "%zu", i);
                q->pointer = pointer_join(at, idx);
                if (!q->pointer)
                        return -ENOMEM;
                r = parse_req(e, q->pointer, q, ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_transports(json_t *transports, struct cpolicy *p, char **ret_error)
{
        const char *transport, *scope;
        json_t *scopes, *reqs;
        int r;

        if (!json_is_object(transports))
                return fail(ret_error, -EBADMSG, "/transports: expected an object");
        json_object_foreach(transports, transport, scopes) {
                _cleanup_(freep) char *tat = pointer_join("/transports", transport);

                if (!tat)
                        return -ENOMEM;
                if (!json_is_object(scopes))
                        return fail(ret_error, -EBADMSG, "%s: expected an object", tat);
                json_object_foreach(scopes, scope, reqs) {
                        _cleanup_(freep) char *sat = pointer_join(tat, scope);
                        struct cpolicy_scope *s;

                        if (!sat)
                                return -ENOMEM;
                        if (p->n_scopes >= CPOLICY_MAX_SCOPES)
                                return fail(ret_error, -E2BIG, "more than %d scopes", CPOLICY_MAX_SCOPES);
                        s = reallocarray(p->scopes, p->n_scopes + 1, sizeof(*s));
                        if (!s)
                                return -ENOMEM;
                        p->scopes = s;
                        s = &p->scopes[p->n_scopes++];
                        *s = (struct cpolicy_scope) { 0 };
                        r = parse_scope(reqs, transport, scope, sat, s, ret_error);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int cpolicy_parse(const char *buf, size_t len, struct cpolicy **ret, char **ret_error)
{
        _cleanup_(cpolicy_freep) struct cpolicy *p = NULL;
        json_error_t jerr;
        json_t *root, *def = NULL, *transports = NULL, *v;
        const char *key;
        int r = 0;

        if (ret_error)
                *ret_error = NULL;
        if (len > CPOLICY_MAX_BYTES)
                return fail(ret_error, -E2BIG, "larger than %zu bytes", CPOLICY_MAX_BYTES);
        if (json_shape(buf, len, CPOLICY_MAX_DEPTH, SIZE_MAX).depth > CPOLICY_MAX_DEPTH)
                return fail(ret_error, -EBADMSG, "nested deeper than %d levels", CPOLICY_MAX_DEPTH);
        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root)
                return fail(ret_error, -EBADMSG, "line %d: %s", jerr.line, jerr.text);
        p = calloc(1, sizeof(*p));
        if (!p) {
                json_decref(root);
                return -ENOMEM;
        }
        if (!json_is_object(root)) {
                r = fail(ret_error, -EBADMSG, "expected a JSON object");
                goto out;
        }
        json_object_foreach(root, key, v) {
                if (strcmp(key, "default") == 0)
                        def = v;
                else if (strcmp(key, "transports") == 0)
                        transports = v;
                else {
                        r = fail(ret_error, -EBADMSG, "unknown key \"%s\"", key);
                        goto out;
                }
        }
        if (!def) {
                r = fail(ret_error, -EBADMSG, "the default policy is missing");
                goto out;
        }
        r = parse_scope(def, NULL, "", "/default", &p->def, ret_error);
        if (r >= 0 && transports && !json_is_null(transports))
                r = parse_transports(transports, p, ret_error);
out:
        json_decref(root);
        if (r < 0)
                return r == -ENOMEM ? fail(ret_error, r, "out of memory") : r;
        *ret = TAKE_PTR(p);
        return 0;
}

static const struct cpolicy_scope *find_scope(const struct cpolicy *p, const char *transport, const char *scope)
{
        size_t i;

        for (i = 0; i < p->n_scopes; i++)
                if (strcmp(p->scopes[i].transport, transport) == 0 && strcmp(p->scopes[i].scope, scope) == 0)
                        return &p->scopes[i];
        return NULL;
}

const struct cpolicy_scope *cpolicy_lookup(const struct cpolicy *p, const char *transport, const char *identity,
                                           const struct strv *namespaces)
{
        const struct cpolicy_scope *s;
        bool any = false;
        size_t i;

        for (i = 0; i < p->n_scopes && !any; i++)
                any = strcmp(p->scopes[i].transport, transport) == 0;
        if (!any)
                return &p->def;
        if (identity && (s = find_scope(p, transport, identity)))
                return s;
        for (i = 0; namespaces && i < namespaces->n; i++)
                if ((s = find_scope(p, transport, namespaces->v[i])))
                        return s;
        s = find_scope(p, transport, "");
        return s ?: &p->def;
}

static bool is_domain(const char *s, size_t n)
{
        return memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && memcmp(s, "localhost", 9) == 0);
}

int docker_reference_normalize(const char *ref, char **ret_name, char **ret_identity)
{
        _cleanup_(freep) char *name = NULL, *identity = NULL;
        const char *at, *slash, *colon, *path_start, *tag = NULL, *digest = NULL;
        size_t name_len, i, n = strlen(ref);

        if (n == 0 || n > 4096)
                return -EINVAL;
        at = strchr(ref, '@');
        if (at) {
                digest = at + 1;
                if (!*digest || strchr(digest, '@'))
                        return -EINVAL;
        }
        name_len = at ? (size_t) (at - ref) : n;
        slash = memrchr(ref, '/', name_len);
        colon = memrchr(slash ? slash : ref, ':', name_len - (size_t) ((slash ? slash : ref) - ref));
        if (colon) {
                tag = colon + 1;
                if (tag == ref + name_len)
                        return -EINVAL;
                name_len = (size_t) (colon - ref);
        }
        if (name_len == 0 || ref[name_len - 1] == '/' || ref[0] == '/')
                return -EINVAL;
        for (i = 0; i < name_len; i++)
                if ((unsigned char) ref[i] <= ' ' || ref[i] == 0x7f)
                        return -EINVAL;
        slash = memchr(ref, '/', name_len);
        if (slash && is_domain(ref, (size_t) (slash - ref))) {
                size_t domain_len = (size_t) (slash - ref), path_len;

                path_start = slash + 1;
                path_len = name_len - (size_t) (path_start - ref);
                /* index.docker.io is docker.io; a docker.io repository without
                 * a namespace is in library/ (distribution's splitDockerDomain). */
                if ((domain_len == 15 && memcmp(ref, "index.docker.io", 15) == 0) ||
                    (domain_len == 9 && memcmp(ref, "docker.io", 9) == 0)) {
                        if (asprintf(&name, "docker.io/%s%.*s", memchr(path_start, '/', path_len) ? "" : "library/",
                                     (int) path_len, path_start) < 0)
                                return -ENOMEM;
                } else if (asprintf(&name, "%.*s", (int) name_len, ref) < 0) {
                        return -ENOMEM;
                }
        } else {
                path_start = ref;
                if (asprintf(&name, "docker.io/%s%.*s", slash ? "" : "library/", (int) name_len, ref) < 0)
                        return -ENOMEM;
        }
        /* The repository path is lower case (distribution's grammar). */
        for (i = (size_t) (path_start - ref); i < name_len; i++)
                if (ref[i] >= 'A' && ref[i] <= 'Z')
                        return -EINVAL;
        if (digest ? asprintf(&identity, "%s@%s", name, digest) < 0
                   : asprintf(&identity, "%s:%s", name, tag ?: "latest") < 0)
                return -ENOMEM;
        *ret_name = TAKE_PTR(name);
        *ret_identity = TAKE_PTR(identity);
        return 0;
}

int docker_reference_namespaces(const char *name, struct strv *ret)
{
        _cleanup_(strv_release) struct strv v = { 0 };
        _cleanup_(freep) char *s = strdup(name);
        char *slash, *colon, *dot, *w;

        if (!s)
                return -ENOMEM;
        for (;;) {
                if (strv_push(&v, s) < 0)
                        return -ENOMEM;
                slash = strrchr(s, '/');
                if (!slash)
                        break;
                *slash = 0;
        }
        colon = strchr(s, ':');
        if (colon)
                *colon = 0;
        for (dot = strchr(s, '.'); dot; dot = strchr(dot + 1, '.')) {
                if (asprintf(&w, "*%s", dot) < 0)
                        return -ENOMEM;
                if (strv_push(&v, w) < 0) {
                        free(w);
                        return -ENOMEM;
                }
                free(w);
        }
        *ret = v;
        v = (struct strv) { 0 };
        return 0;
}
