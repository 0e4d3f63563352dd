/* The JSON documents of container images: OCI index.json, image manifests,
 * image configs and docker-archive manifest.json; see oci-image.h. Every
 * reader takes a buffer and checks each field it uses: a malformed document
 * is one reason naming the field, never a crash. */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/hex.h"
#include "basic/macros.h"
#include "oci-image.h"
#include "oci-internal.h"

#define REF_NAME "org.opencontainers.image.ref.name"
#define INDEX_TYPE "application/vnd.oci.image.index.v1+json"
#define DOCKER_LIST_TYPE "application/vnd.docker.distribution.manifest.list.v2+json"

int oci_fail(char **ret_reason, int r, const char *fmt, ...)
{
        va_list ap;

        if (ret_reason) {
                va_start(ap, fmt);
                if (vasprintf(ret_reason, fmt, ap) < 0)
                        *ret_reason = NULL;
                va_end(ap);
        }
        return r;
}

static int load(const char *buf, size_t len, const char *what, json_t **ret, char **ret_reason)
{
        json_error_t jerr;
        json_t *root;

        if (len > OCI_JSON_MAX)
                return oci_fail(ret_reason, -E2BIG, "%s larger than %zu bytes", what, OCI_JSON_MAX);
        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root)
                return oci_fail(ret_reason, -EBADMSG, "%s: not JSON (line %d: %s)", what, jerr.line, jerr.text);
        if (!json_is_object(root) && !json_is_array(root)) {
                json_decref(root);
                return oci_fail(ret_reason, -EBADMSG, "%s: not a JSON object", what);
        }
        *ret = root;
        return 0;
}

/* "sha256:" and 64 lowercase hex digits. */
static int parse_digest(const char *s, uint8_t out[SHA256_LEN])
{
        if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s + 7) != 2 * SHA256_LEN ||
            !hex_valid(s + 7, 2 * SHA256_LEN, true))
                return -EBADMSG;
        return hex_decode(s + 7, 2 * SHA256_LEN, out) < 0 ? -EBADMSG : 0;
}

void oci_descriptor_release(struct oci_descriptor *d)
{
        free(d->media_type);
        *d = (struct oci_descriptor) { 0 };
}

static int parse_descriptor(json_t *j, const char *what, struct oci_descriptor *ret, char **ret_reason)
{
        json_t *type = json_object_get(j, "mediaType"), *size = json_object_get(j, "size");
        const char *digest = json_string_value(json_object_get(j, "digest"));
        struct oci_descriptor d = { 0 };

        if (!json_is_object(j))
                return oci_fail(ret_reason, -EBADMSG, "%s is not an object", what);
        if (parse_digest(digest, d.digest) < 0)
                return oci_fail(ret_reason, -EBADMSG, "%s: digest is not sha256:<64 hex digits>", what);
        if (!json_is_integer(size) || json_integer_value(size) < 0)
                return oci_fail(ret_reason, -EBADMSG, "%s: size is not a non-negative integer", what);
        d.size = (uint64_t) json_integer_value(size);
        if (type && !json_is_string(type))
                return oci_fail(ret_reason, -EBADMSG, "%s: mediaType is not a string", what);
        if (type) {
                d.media_type = strdup(json_string_value(type));
                if (!d.media_type)
                        return -ENOMEM;
        }
        *ret = d;
        return 0;
}

int oci_index_select(const char *buf, size_t len, const char *tag, struct oci_descriptor *ret,
                     char **ret_reason)
{
        _cleanup_(json_decrefp) json_t *root = NULL;
        json_t *manifests, *m, *chosen = NULL;
        size_t i, n = 0;
        const char *type;
        int r;

        r = load(buf, len, "index.json", &root, ret_reason);
        if (r < 0)
                return r;
        manifests = json_object_get(root, "manifests");
        if (!json_is_array(manifests))
                return oci_fail(ret_reason, -EBADMSG, "index.json: no manifests array");
        if (json_array_size(manifests) > OCI_MANIFESTS_MAX)
                return oci_fail(ret_reason, -E2BIG, "index.json: more than %d manifests", OCI_MANIFESTS_MAX);
        json_array_foreach(manifests, i, m) {
                const char *name = json_string_value(json_object_get(json_object_get(m, "annotations"), REF_NAME));

                n++;
                if (tag && name && strcmp(name, tag) == 0) {
                        if (chosen)
                                return oci_fail(ret_reason, -EBADMSG, "index.json: tag '%s' names several manifests",
                                            tag);
                        chosen = m;
                }
        }
        if (!tag) {
                if (n != 1)
                        return oci_fail(ret_reason, n ? -EINVAL : -ENOENT, "index.json holds %zu manifests%s", n,
                                    n ? ": name one with :TAG" : "");
                chosen = json_array_get(manifests, 0);
        }
        if (!chosen)
                return oci_fail(ret_reason, -ENOENT, "index.json: no manifest tagged '%s'", tag);
        type = json_string_value(json_object_get(chosen, "mediaType"));
        if (type && (strcmp(type, INDEX_TYPE) == 0 || strcmp(type, DOCKER_LIST_TYPE) == 0))
                return oci_fail(ret_reason, -EBADMSG,
                            "index.json: the manifest selected is a nested index (a multi-platform image): "
                            "copy one platform's image first");
        return parse_descriptor(chosen, "index.json manifest", ret, ret_reason);
}

void oci_manifest_release(struct oci_manifest *m)
{
        oci_descriptor_release(&m->config);
        for (size_t i = 0; i < m->n_layers; i++)
                oci_descriptor_release(&m->layers[i]);
        free(m->layers);
        *m = (struct oci_manifest) { 0 };
}

static bool layer_type_known(const char *t)
{
        static const char *const known[] = {
                "application/vnd.oci.image.layer.v1.tar",
                "application/vnd.oci.image.layer.v1.tar+gzip",
                "application/vnd.oci.image.layer.v1.tar+zstd",
                "application/vnd.docker.image.rootfs.diff.tar",
                "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "application/vnd.docker.image.rootfs.diff.tar.zstd",
        };

        for (size_t i = 0; t && i < ARRAY_SIZE(known); i++)
                if (strcmp(t, known[i]) == 0)
                        return true;
        return false;
}

int oci_manifest_parse(const char *buf, size_t len, struct oci_manifest *ret, char **ret_reason)
{
        _cleanup_(json_decrefp) json_t *root = NULL;
        _cleanup_(oci_manifest_release) struct oci_manifest m = { 0 };
        json_t *layers, *l;
        const char *type;
        size_t i;
        int r;

        r = load(buf, len, "manifest", &root, ret_reason);
        if (r < 0)
                return r;
        type = json_string_value(json_object_get(root, "mediaType"));
        if (type && (strcmp(type, INDEX_TYPE) == 0 || strcmp(type, DOCKER_LIST_TYPE) == 0))
                return oci_fail(ret_reason, -EBADMSG, "manifest is an index (a multi-platform image): not followed");
        r = parse_descriptor(json_object_get(root, "config"), "manifest config", &m.config, ret_reason);
        if (r < 0)
                return r;
        layers = json_object_get(root, "layers");
        if (!json_is_array(layers))
                return oci_fail(ret_reason, -EBADMSG, "manifest: no layers array");
        if (json_array_size(layers) > OCI_LAYERS_MAX)
                return oci_fail(ret_reason, -E2BIG, "manifest: more than %d layers", OCI_LAYERS_MAX);
        m.layers = calloc(json_array_size(layers) + 1, sizeof(*m.layers));
        if (!m.layers)
                return -ENOMEM;
        json_array_foreach(layers, i, l) {
                char what[64];

                snprintf(what, sizeof(what), "manifest layer %zu", i + 1);
                r = parse_descriptor(l, what, &m.layers[i], ret_reason);
                if (r < 0)
                        return r;
                m.n_layers++;
                if (!layer_type_known(m.layers[i].media_type))
                        return oci_fail(ret_reason, -EBADMSG, "%s: media type '%s' is not a tar layer", what,
                                    m.layers[i].media_type ? m.layers[i].media_type : "(none)");
        }
        *ret = m;
        m = (struct oci_manifest) { 0 };
        return 0;
}

int oci_config_diff_ids(const char *buf, size_t len, uint8_t (**ret)[SHA256_LEN], size_t *ret_n,
                        char **ret_reason)
{
        _cleanup_(json_decrefp) json_t *root = NULL;
        _cleanup_(freep) uint8_t(*ids)[SHA256_LEN] = NULL;
        json_t *rootfs, *diff_ids, *d;
        const char *type;
        size_t i;
        int r;

        r = load(buf, len, "config", &root, ret_reason);
        if (r < 0)
                return r;
        rootfs = json_object_get(root, "rootfs");
        type = json_string_value(json_object_get(rootfs, "type"));
        if (!type || strcmp(type, "layers") != 0)
                return oci_fail(ret_reason, -EBADMSG, "config: rootfs.type is not \"layers\"");
        diff_ids = json_object_get(rootfs, "diff_ids");
        if (!json_is_array(diff_ids))
                return oci_fail(ret_reason, -EBADMSG, "config: no rootfs.diff_ids array");
        if (json_array_size(diff_ids) > OCI_LAYERS_MAX)
                return oci_fail(ret_reason, -E2BIG, "config: more than %d diff_ids", OCI_LAYERS_MAX);
        ids = calloc(json_array_size(diff_ids) + 1, sizeof(*ids));
        if (!ids)
                return -ENOMEM;
        json_array_foreach(diff_ids, i, d)
                if (parse_digest(json_string_value(d), ids[i]) < 0)
                        return oci_fail(ret_reason, -EBADMSG, "config: diff_ids[%zu] is not sha256:<64 hex digits>", i);
        *ret = TAKE_PTR(ids);
        *ret_n = json_array_size(diff_ids);
        return 0;
}

void docker_manifest_release(struct docker_manifest *m)
{
        free(m->config);
        for (size_t i = 0; i < m->n_layers; i++)
                free(m->layers[i]);
        free(m->layers);
        *m = (struct docker_manifest) { 0 };
}

/* A file name inside the archive: relative, no "..", no NUL, bounded. */
static bool archive_name_ok(const char *s)
{
        const char *p;

        if (!s || !*s || s[0] == '/' || strlen(s) > 4096)
                return false;
        for (p = s; p; p = strchr(p, '/')) {
                p += *p == '/';
                if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
                        return false;
        }
        return true;
}

static bool tag_matches(json_t *tags, const char *tag)
{
        json_t *t;
        size_t i;

        json_array_foreach(tags, i, t) {
                const char *s = json_string_value(t), *colon;

                if (!s)
                        continue;
                colon = strrchr(s, ':');
                if (strcmp(s, tag) == 0 || (colon && !strchr(colon, '/') && strcmp(colon + 1, tag) == 0))
                        return true;
        }
        return false;
}

int docker_manifest_parse(const char *buf, size_t len, const char *tag, struct docker_manifest *ret,
                          char **ret_reason)
{
        _cleanup_(json_decrefp) json_t *root = NULL;
        _cleanup_(docker_manifest_release) struct docker_manifest m = { 0 };
        json_t *chosen = NULL, *e, *layers, *l;
        size_t i;
        int r;

        r = load(buf, len, "manifest.json", &root, ret_reason);
        if (r < 0)
                return r;
        if (!json_is_array(root))
                return oci_fail(ret_reason, -EBADMSG, "manifest.json is not an array");
        if (json_array_size(root) > OCI_MANIFESTS_MAX)
                return oci_fail(ret_reason, -E2BIG, "manifest.json: more than %d images", OCI_MANIFESTS_MAX);
        if (!tag && json_array_size(root) != 1)
                return oci_fail(ret_reason, json_array_size(root) ? -EINVAL : -ENOENT,
                            "manifest.json holds %zu images: name one with :TAG", json_array_size(root));
        json_array_foreach(root, i, e)
                if (!tag || tag_matches(json_object_get(e, "RepoTags"), tag)) {
                        chosen = e;
                        break;
                }
        if (!chosen)
                return oci_fail(ret_reason, -ENOENT, "manifest.json: no image tagged '%s'", tag);
        if (!archive_name_ok(json_string_value(json_object_get(chosen, "Config"))))
                return oci_fail(ret_reason, -EBADMSG, "manifest.json: Config is not a relative file name");
        layers = json_object_get(chosen, "Layers");
        if (!json_is_array(layers))
                return oci_fail(ret_reason, -EBADMSG, "manifest.json: no Layers array");
        if (json_array_size(layers) > OCI_LAYERS_MAX)
                return oci_fail(ret_reason, -E2BIG, "manifest.json: more than %d layers", OCI_LAYERS_MAX);
        m.config = strdup(json_string_value(json_object_get(chosen, "Config")));
        m.layers = calloc(json_array_size(layers) + 1, sizeof(*m.layers));
        if (!m.config || !m.layers)
                return -ENOMEM;
        json_array_foreach(layers, i, l) {
                if (!archive_name_ok(json_string_value(l)))
                        return oci_fail(ret_reason, -EBADMSG, "manifest.json: Layers[%zu] is not a relative file name",
                                    i);
                m.layers[i] = strdup(json_string_value(l));
                if (!m.layers[i])
                        return -ENOMEM;
                m.n_layers++;
        }
        *ret = m;
        m = (struct docker_manifest) { 0 };
        return 0;
}
