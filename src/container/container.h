/* Container storage as podman, buildah and CRI-O keep it (containers-storage,
 * overlay driver): the containers, images and layers of a storage root
 * (/var/lib/containers/storage by default) and, for each container, its
 * writable upper directory and the image layers below it, top first.
 *
 * The formats are containers/storage's internal ones (layers.go, images.go,
 * containers.go, drivers/overlay): anything not understood is refused with a
 * reason naming the file. The JSON readers take (buf, len) so they can be
 * fuzzed; ctr_storage_load() reads the files of a root through them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"
#include "basic/strv.h"

#define CTR_STORAGE_DEFAULT "/var/lib/containers/storage"
#define CTR_DOCKER_DEFAULT "/var/lib/docker"
/* Limits on what a storage root controls. */
#define CTR_JSON_MAX ((size_t) 64 << 20)     /* one of the JSON files */
#define CTR_ENTRIES_MAX 100000               /* entries in one JSON file */
#define CTR_CHAIN_MAX 500                    /* layers below a container (overlayfs' own limit) */
#define CTR_ID_LEN 64                        /* a layer, image or container id: 64 lowercase hex */

/* One entry of overlay-layers/layers.json (or volatile-layers.json). */
struct ctr_layer {
        char *id;
        char *parent;                        /* NULL for a base layer */
        char *diff_digest;                   /* "sha256:..." of the uncompressed tar, or NULL */
        char *compressed_diff_digest;        /* or NULL */
        int64_t uncompressed_size;           /* diff-size; -1 when not recorded */
};

/* One entry of overlay-images/images.json. */
struct ctr_image {
        char *id;
        struct strv names;                   /* "quay.io/x/y:tag", ... */
        char *layer;                         /* the top layer; NULL for an image without layers */
        char *digest;                        /* the manifest digest, or NULL */
};

/* An image layer below a container, as the overlay mount stacks it. */
struct ctr_lower {
        char *layer_id;
        char *dir;                           /* STORAGE/overlay/<layer_id>/diff */
};

/* One entry of overlay-containers/containers.json with its layers resolved. */
struct container {
        char *id;
        struct strv names;
        char *image_id;                      /* NULL when made from no image */
        char *image_name;                    /* metadata's image-name, else the image's first name, or NULL */
        char *layer_id;                      /* the container's own (writable) layer */
        char *upper_dir;                     /* STORAGE/overlay/<layer_id>/diff */
        char *userdata_dir;                  /* STORAGE/overlay-containers/<id>/userdata */
        struct ctr_lower *lowers;            /* top first */
        size_t n_lowers;
        size_t n_own;                        /* the first n_own lowers are the container's own (Docker's -init) */
        struct strv mounts;                  /* mount destinations the engine recorded (or /proc shows) */
        const char *engine;                  /* "podman", "cri-o", "docker" (static); NULL: unknown (--pid) */
        /* Set when this container's layers cannot be resolved (the others still
         * can): the reason, naming the file. */
        char *error;
};

struct ctr_storage {
        char *root;
        const char *driver;                  /* "overlay", Docker's "overlay2" (static) */
        struct ctr_layer *layers;
        size_t n_layers;
        struct ctr_image *images;
        size_t n_images;
        struct container *containers;
        size_t n_containers;
};

/* Parsers of the JSON files: (buf, len) in, an array out. On success *ret
 * and *ret_n own the entries (free each with ctr_layers_free() etc.); on
 * failure they are untouched, -EBADMSG (malformed, a missing or mistyped
 * field, an id that is not 64 hex) or -E2BIG (a limit) is returned and
 * *ret_error (when given) holds one printable line. */
int ctr_parse_layers(const char *buf, size_t len, struct ctr_layer **ret, size_t *ret_n, char **ret_error);
int ctr_parse_images(const char *buf, size_t len, struct ctr_image **ret, size_t *ret_n, char **ret_error);
/* Containers as containers.json has them: id, names, image_id, image_name
 * (from metadata), layer_id and engine; no directories. */
int ctr_parse_containers(const char *buf, size_t len, struct container **ret, size_t *ret_n, char **ret_error);
void ctr_layers_free(struct ctr_layer *l, size_t n);
void ctr_images_free(struct ctr_image *i, size_t n);
void containers_free(struct container *c, size_t n);

/* Loads the storage at root (NULL: CTR_STORAGE_DEFAULT). -ENOENT when root
 * holds no container storage at all; -EOPNOTSUPP for a driver other than
 * overlay; -EBADMSG / -E2BIG for a file not understood; *ret_error names the
 * file. A container whose own layers cannot be resolved is loaded with
 * ->error set. */
int ctr_storage_load(const char *root, struct ctr_storage **ret, struct dw_error *ret_error);
struct ctr_storage *ctr_storage_free(struct ctr_storage *s);
DEFINE_FREEP(struct ctr_storage, ctr_storage_free)

/* Lookups by full id; NULL when absent. */
const struct ctr_layer *ctr_storage_layer(const struct ctr_storage *s, const char *id);
const struct ctr_image *ctr_storage_image(const struct ctr_storage *s, const char *id);

/* The layers of a chain from layer_id down to its base layer, top first,
 * following layers.json's parents: *ret (n entries, the caller frees with
 * ctr_lowers_free()) names each layer and its diff directory. -ELOOP on a
 * parent cycle, -E2BIG past CTR_CHAIN_MAX, -EBADMSG for a parent that is
 * not in layers.json; *ret_error names the layer. */
int ctr_storage_layer_chain(const struct ctr_storage *s, const char *layer_id, struct ctr_lower **ret,
                            size_t *ret_n, struct dw_error *ret_error);
/* The same from an image id (its top layer); an image without layers gives 0
 * entries. -ENOENT for an image not in images.json. */
int ctr_storage_image_chain(const struct ctr_storage *s, const char *image_id, struct ctr_lower **ret,
                            size_t *ret_n, struct dw_error *ret_error);
void ctr_lowers_free(struct ctr_lower *l, size_t n);

/* The overlay driver's `lower` file rel below rootfd (root names it) against
 * the layer directories it must name, ids top first: each entry "l/SHORT",
 * each short link in driver/l ("overlay", Docker's "overlay2") pointing to
 * "../<id>/diff" of the next id. An absent file is fine for no ids. -EBADMSG
 * otherwise, *err naming the file and what (the index the ids come from). */
int ctr_lower_check(int rootfd, const char *root, const char *driver, const char *rel, char *const *ids, size_t n,
                    const char *what, struct dw_error *err);
/* An empty ctr_storage of root (driver static) and root opened O_PATH into
 * *ret_rootfd; what names root in the error ("container storage"). */
int ctr_storage_new(const char *root, const char *driver, const char *what, struct ctr_storage **ret,
                    int *ret_rootfd, struct dw_error *ret_error);
/* For the readers here: *ret_error (when given and still NULL) becomes the
 * reason, escaped whole (it quotes the input); returns r. */
int ctr_fail(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
/* Whether s is a 64-character lowercase hex id. */
bool ctr_id_valid(const char *s);

/* Docker's overlay2 layout (docker.c). */

/* containers/<id>/config.v2.json (buf, len) into c: id ("ID"), names
 * ("Name" without its slash), image_id (the hex of "Image"), image_name
 * ("Config.Image"), mounts (the keys of "MountPoints"), engine "docker".
 * -EOPNOTSUPP for a "Driver" other than overlay2, -EBADMSG / -E2BIG for what
 * is not understood; *ret_error (free()) says which. */
int ctr_docker_parse_config(const char *buf, size_t len, struct container *c, char **ret_error);
/* Loads a Docker root (NULL: CTR_DOCKER_DEFAULT) as a ctr_storage (driver
 * "overlay2"): every container of containers/ with its read-write layer
 * (overlay2/<mount-id>/diff) over its -init layer (n_own 1) and its image's
 * layers from layerdb, checked against the driver's `lower` file; images
 * hold the containers' image ids, digest "sha256:<id>". -ENOENT when root
 * has no containers/, -EOPNOTSUPP for another driver's directory; a
 * container that cannot be resolved is loaded with ->error naming the file. */
int ctr_docker_load(const char *root, struct ctr_storage **ret, struct dw_error *ret_error);

/* The live-process fallback (live.c), for any runtime that mounts overlayfs. */

/* The upper and lower directories of an overlay mount's options as
 * /proc/PID/mountinfo shows them (the kernel's octal escapes, then
 * overlayfs' backslash escapes undone; lowerdir "a:b:c" top first). On
 * success *ret_upper (free()) and *ret_lowers own them. A relative lowerdir
 * (containers-storage's and Docker's "l/SHORT", which the kernel shows as
 * given) is resolved in the layer store root the mount was made from, known
 * from upperdir ROOT/ID/diff with workdir ROOT/ID/work; it may not leave it.
 * -EOPNOTSUPP for a read-only overlay (no upperdir) or data-only layers
 * ("::"), -EBADMSG for a relative upperdir, a relative lowerdir of another
 * shape of mount or with "..", or an escaped NUL, -E2BIG past CTR_CHAIN_MAX
 * layers; *ret_error (free()) says which. */
int ctr_parse_overlay_options(const char *opts, char **ret_upper, struct strv *ret_lowers, char **ret_error);
/* The container /proc/PID/cgroup (buf, len) names: a libpod-, crio- or
 * docker- scope (or cgroupfs' /docker/<id>) with a 64-hex id. 1 and
 * *ret_id (free()) and *ret_runtime (static) when found, 0 when not. */
int ctr_parse_cgroup(const char *buf, size_t len, char **ret_id, const char **ret_runtime);
/* The container process pid runs in: the overlay mount at the root of its
 * mount namespace, its id and runtime from its cgroup (else the name
 * "pid PID"), its other mount points (injected by the runtime) as ->mounts.
 * *ret (containers_free(c, 1)) on success; -ESRCH when the process is
 * gone, -EOPNOTSUPP when its root is not a writable overlay; *ret_error
 * names the /proc file. */
int ctr_pid_load(int pid, struct container **ret, struct dw_error *ret_error);
