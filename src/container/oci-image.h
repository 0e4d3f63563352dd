/* Container images as fim_trees, without extracting anything: an OCI image
 * layout directory (oci:DIR[:TAG]), the same layout in a tar
 * (oci-archive:FILE[:TAG]) and `docker save` / skopeo docker-archive tars
 * (docker-archive:FILE[:TAG]). Every blob is verified against its descriptor
 * (SHA-256 and size) and every layer's DiffID (the SHA-256 of its
 * uncompressed tar) against the config's rootfs.diff_ids before its entries
 * are used; layers are then flattened in order (layer-flatten.h).
 *
 * The JSON readers take a buffer, so they can be fuzzed. */
#pragma once

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/sha256.h"
#include "fim/entry.h"

#define OCI_JSON_MAX ((size_t) 4 << 20)         /* index, manifest, config */
#define OCI_LAYERS_MAX 1000
#define OCI_MANIFESTS_MAX 10000
#define OCI_ENTRY_SIZE_MAX ((uint64_t) 64 << 30) /* one member of a layer */
#define OCI_LAYER_BYTES_MAX ((uint64_t) 1 << 40) /* one layer, uncompressed */

struct oci_descriptor {
        char *media_type;               /* NULL when absent */
        uint8_t digest[SHA256_LEN];
        uint64_t size;
};

void oci_descriptor_release(struct oci_descriptor *d);

/* index.json: the manifest whose org.opencontainers.image.ref.name is tag,
 * or the only one when tag is NULL. -EBADMSG (malformed, a nested index),
 * -ENOENT (no such tag) or -EINVAL (several manifests and no tag), each with
 * a one-line *ret_reason to free(). */
int oci_index_select(const char *buf, size_t len, const char *tag, struct oci_descriptor *ret,
                     char **ret_reason);

struct oci_manifest {
        struct oci_descriptor config;
        struct oci_descriptor *layers;
        size_t n_layers;
};

void oci_manifest_release(struct oci_manifest *m);
/* An OCI (or Docker schema 2) image manifest. Layers of a type that is not a
 * tar (plain, gzip or zstd) are refused: -EBADMSG with *ret_reason. */
int oci_manifest_parse(const char *buf, size_t len, struct oci_manifest *ret, char **ret_reason);

/* An image config's rootfs.diff_ids (type "layers"). */
int oci_config_diff_ids(const char *buf, size_t len, uint8_t (**ret)[SHA256_LEN], size_t *ret_n,
                        char **ret_reason);

/* docker-archive manifest.json: the entry whose RepoTags hold tag (as
 * "NAME:TAG" or just its TAG part), or the only one when tag is NULL; its
 * Config and Layers file names (relative, checked for ".." and absolute
 * names), to free(). */
struct docker_manifest {
        char *config;
        char **layers;
        size_t n_layers;
};

void docker_manifest_release(struct docker_manifest *m);
int docker_manifest_parse(const char *buf, size_t len, const char *tag, struct docker_manifest *ret,
                          char **ret_reason);

struct oci_image_info {
        uint8_t config_digest[SHA256_LEN];      /* the image ID */
        size_t layers;
        uint64_t bytes;                         /* uncompressed layer bytes */
        uint64_t hashed;                        /* regular files hashed */
};

/* Reads the image that source ("oci:DIR[:TAG]", "oci-archive:FILE[:TAG]",
 * "docker-archive:FILE[:TAG]", "containers-storage:IMAGE" of the storage at
 * storage_root, NULL: the default; each layer's tar rebuilt from its
 * tar-split file and diff directory, see tar-split.h) names and flattens its layers into a tree
 * (only the entries at or below prefixes when n_prefixes > 0). On failure
 * *ret_reason is one line naming the blob or file and what was wrong (free()
 * it): -EBADMSG for a malformed or hostile image, -EBADE for a digest or size
 * that does not match, -errno otherwise. */
int oci_image_tree(const char *source, const char *storage_root, char *const *prefixes, size_t n_prefixes,
                   const volatile sig_atomic_t *cancel, struct fim_tree **ret, struct oci_image_info *ret_info,
                   char **ret_reason);

/* Whether source names one of the sources above. */
bool oci_image_source(const char *source);

/* The image of containers-storage at storage_root (NULL: the default) whose
 * manifest digest (images.json) is want_digest, else the one want names (an
 * id, id prefix or name), verified as it is stored: its
 * manifest against images.json's digest and against want_digest (bootc's
 * staged digest, when given), its config against the image id, each layer's
 * diff-digest against the config's DiffID and each layer's tar rebuilt from
 * its tar-split file and diff directory against its DiffID. Each mismatch is
 * reported through problem (layer NULL: the image's own files); a negative
 * return from it stops. 0 when the image could be checked (problems or not),
 * -errno with *ret_reason (NULL on entry; free() it) when not. */
typedef int (*ctr_image_problem_fn)(void *userdata, const char *layer, const char *what);

struct ctr_image_verified {
        char id[2 * SHA256_LEN + 1];
        char digest[7 + 2 * SHA256_LEN + 1];            /* images.json's, or "" */
        char manifest_digest[7 + 2 * SHA256_LEN + 1];   /* of the stored manifest, or "" */
        size_t layers;
};

int ctr_image_verify(const char *storage_root, const char *want, const char *want_digest,
                     ctr_image_problem_fn problem, void *userdata, struct ctr_image_verified *ret_info,
                     char **ret_reason);
