/* Docker's overlay2 layout, read as moby writes it (container/container.go,
 * layer/filestore.go, daemon/graphdriver/overlay2): each container's
 * containers/<id>/config.v2.json (ID, Name, Image, Config.Image, Driver,
 * MountPoints), its read-write layer in image/overlay2/layerdb/mounts/<id>/
 * (mount-id, init-id, parent: the chain id of the image's top layer), the
 * image's layers by chain id in layerdb/sha256/<chain>/ (cache-id, parent),
 * and the driver's overlay2/<cache-id>/diff directories, whose `lower` file
 * and l/ short links are checked against that chain. Anything else is
 * refused with the file named. See container.h. */
#define _GNU_SOURCE
#include "container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "basic/hex.h"

#define DOCKER_CONFIG_MAX ((size_t) 4 << 20)    /* config.v2.json */
#define DOCKER_ID_FILE_MAX 256                  /* mount-id, cache-id, parent, ... */
#define DOCKER_MOUNTS_MAX 4096                  /* MountPoints of one container */
#define LAYERDB "image/overlay2/layerdb"

/* A small layerdb file: its content with the surrounding white space trimmed
 * (moby trims it too). -ENOENT when absent; else an error naming the file. */
static int read_id_file(int rootfd, const char *root, const char *rel, char **ret, struct dw_error *err)
{
        _cleanup_(freep) char *buf = NULL;
        size_t len = 0, start;
        int r;

        r = read_file_beneath(rootfd, rel, DOCKER_ID_FILE_MAX, &buf, &len);
        if (r == -ENOENT)
                return r;
        if (r == -EFBIG)
                return dw_error_set(err, -E2BIG, root, "'%s/%s' is larger than %d bytes", root, rel,
                                    DOCKER_ID_FILE_MAX);
        if (r < 0)
                return dw_error_set(err, r, root, "cannot read '%s/%s': %s", root, rel, strerror(-r));
        while (len > 0 && strchr(" \t\r\n", buf[len - 1]))
                buf[--len] = 0;
        start = strspn(buf, " \t\r\n");
        memmove(buf, buf + start, len - start + 1);
        if (strlen(buf) != len - start)
                return dw_error_set(err, -EBADMSG, root, "'%s/%s' holds a NUL byte", root, rel);
        *ret = TAKE_PTR(buf);
        return 0;
}

/* "sha256:<64 hex>" into its hex part. */
static const char *digest_hex(const char *s)
{
        return strncmp(s, "sha256:", 7) == 0 && ctr_id_valid(s + 7) ? s + 7 : NULL;
}

static int push_lower(struct container *c, size_t *allocated, const char *root, const char *cache_id)
{
        if (c->n_lowers == *allocated) {
                size_t n = *allocated ? *allocated * 2 : 8;
                struct ctr_lower *m = reallocarray(c->lowers, n, sizeof(*m));

                if (!m)
                        return -ENOMEM;
                c->lowers = m;
                *allocated = n;
        }
        c->lowers[c->n_lowers] = (struct ctr_lower) { 0 };
        if (!(c->lowers[c->n_lowers].layer_id = strdup(cache_id)))
                return -ENOMEM;
        c->n_lowers++;
        if (asprintf(&c->lowers[c->n_lowers - 1].dir, "%s/overlay2/%s/diff", root, cache_id) < 0) {
                c->lowers[c->n_lowers - 1].dir = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* The image layers of chain id 'chain' down to the base, top first, by
 * their cache ids. */
static int walk_chain(int rootfd, const char *root, const char *chain, struct container *c, size_t *allocated,
                      struct dw_error *err)
{
        _cleanup_(freep) char *next = NULL;
        char hex[CTR_ID_LEN + 1];
        size_t depth = c->n_lowers;
        int r;

        snprintf(hex, sizeof(hex), "%s", chain);
        for (;;) {
                _cleanup_(freep) char *rel = NULL, *cache = NULL, *parent = NULL;
                size_t i;

                if (c->n_lowers - depth >= CTR_CHAIN_MAX)
                        return dw_error_set(err, -E2BIG, root, "layer chain '%s' in '%s/" LAYERDB "' has more than %d layers",
                                            chain, root, CTR_CHAIN_MAX);
                if (asprintf(&rel, LAYERDB "/sha256/%s/cache-id", hex) < 0)
                        return -ENOMEM;
                r = read_id_file(rootfd, root, rel, &cache, err);
                if (r == -ENOENT)
                        return dw_error_set(err, -EBADMSG, root, "'%s/%s' is missing", root, rel);
                if (r < 0)
                        return r;
                if (!ctr_id_valid(cache))
                        return dw_error_set(err, -EBADMSG, root, "'%s/%s': '%s' is not a cache id", root, rel, cache);
                for (i = depth; i < c->n_lowers; i++)
                        if (strcmp(c->lowers[i].layer_id, cache) == 0)
                                return dw_error_set(err, -ELOOP, root, "layer '%s' in '%s/" LAYERDB
                                                    "' is its own ancestor", hex, root);
                r = push_lower(c, allocated, root, cache);
                if (r < 0)
                        return r;
                free(rel);
                if (asprintf(&rel, LAYERDB "/sha256/%s/parent", hex) < 0)
                        return -ENOMEM;
                r = read_id_file(rootfd, root, rel, &parent, err);
                if (r == -ENOENT)
                        return 0;       /* the base layer */
                if (r < 0)
                        return r;
                if (!digest_hex(parent))
                        return dw_error_set(err, -EBADMSG, root, "'%s/%s': '%s' is not a sha256 chain id", root, rel,
                                            parent);
                memcpy(hex, digest_hex(parent), CTR_ID_LEN + 1);
        }
}

/* The string member key of o: NULL when absent or null, -EBADMSG when not a
 * string (or holding a NUL). */
static int json_str(json_t *o, const char *key, const char **ret)
{
        json_t *v = json_object_get(o, key);

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
                return -EBADMSG;
        *ret = json_string_value(v);
        return 0;
}

int ctr_docker_parse_config(const char *buf, size_t len, struct container *c, char **ret_error)
{
        json_t *root, *cfg, *mps, *mp;
        const char *id = NULL, *name = NULL, *image = NULL, *ref = NULL, *driver = NULL, *key;
        json_error_t jerr;
        int r = 0;

        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root)
                return ctr_fail(ret_error, -EBADMSG, "line %d: %s", jerr.line, jerr.text);
        if (!json_is_object(root)) {
                r = ctr_fail(ret_error, -EBADMSG, "expected a JSON object");
                goto out;
        }
        cfg = json_object_get(root, "Config");
        if (json_str(root, "ID", &id) < 0 || json_str(root, "Name", &name) < 0 || json_str(root, "Image", &image) < 0 ||
            json_str(root, "Driver", &driver) < 0 || (cfg && !json_is_object(cfg) && !json_is_null(cfg)) ||
            (json_is_object(cfg) && json_str(cfg, "Image", &ref) < 0)) {
                r = ctr_fail(ret_error, -EBADMSG, "\"ID\", \"Name\", \"Image\", \"Driver\" or \"Config\" mistyped");
                goto out;
        }
        if (!ctr_id_valid(id)) {
                r = ctr_fail(ret_error, -EBADMSG, "\"ID\" '%s' is not 64 lowercase hex digits", id ? id : "");
                goto out;
        }
        if (!driver || strcmp(driver, "overlay2") != 0) {
                r = ctr_fail(ret_error, -EOPNOTSUPP, "storage driver '%s' (only overlay2 is read)",
                             driver ? driver : "");
                goto out;
        }
        if (image && image[0] && !digest_hex(image)) {
                r = ctr_fail(ret_error, -EBADMSG, "\"Image\" '%s' is not a sha256 image id", image);
                goto out;
        }
        mps = json_object_get(root, "MountPoints");
        if (mps && !json_is_null(mps) && !json_is_object(mps)) {
                r = ctr_fail(ret_error, -EBADMSG, "\"MountPoints\" is not an object");
                goto out;
        }
        if (json_object_size(mps) > DOCKER_MOUNTS_MAX) {
                r = ctr_fail(ret_error, -E2BIG, "more than %d \"MountPoints\"", DOCKER_MOUNTS_MAX);
                goto out;
        }
        c->id = strdup(id);
        c->image_id = image && image[0] ? strdup(digest_hex(image)) : NULL;
        c->image_name = ref && ref[0] ? strdup(ref) : NULL;
        if (!c->id || (image && image[0] && !c->image_id) || (ref && ref[0] && !c->image_name) ||
            (name && name[0] && strv_push(&c->names, name[0] == '/' ? name + 1 : name) < 0)) {
                r = -ENOMEM;
                goto out;
        }
        json_object_foreach(mps, key, mp) {
                if (key[0] == '/' && strv_push(&c->mounts, key) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        c->engine = "docker";
out:
        json_decref(root);
        return r;
}

/* One container of containers/<id>: its config, read-write layer and image
 * layers. On a failure the container keeps ->error (naming the file). */
static int load_container(int rootfd, const char *root, const char *id, struct container *c)
{
        _cleanup_(dw_error_release) struct dw_error e = { 0 };
        _cleanup_(freep) char *rel = NULL, *buf = NULL, *reason = NULL, *mount = NULL, *init = NULL,
                                *parent = NULL;
        _cleanup_(freep) char **ids = NULL;
        size_t len = 0, allocated = 0, i;
        int r;

        if (asprintf(&rel, "containers/%s/config.v2.json", id) < 0)
                return -ENOMEM;
        r = read_file_beneath(rootfd, rel, DOCKER_CONFIG_MAX, &buf, &len);
        if (r == -EFBIG)
                r = dw_error_set(&e, -E2BIG, root, "'%s/%s' is larger than %zu bytes", root, rel, DOCKER_CONFIG_MAX);
        else if (r < 0)
                r = dw_error_set(&e, r, root, "cannot read '%s/%s': %s", root, rel, strerror(-r));
        if (r < 0)
                goto fail;
        r = ctr_docker_parse_config(buf, len, c, &reason);
        if (r == -ENOMEM)
                return r;
        if (r >= 0 && strcmp(c->id, id) != 0)
                r = ctr_fail(&reason, -EBADMSG, "\"ID\" '%s' is not its directory's", c->id);
        if (r < 0) {
                dw_error_set(&e, r, root, "cannot parse '%s/%s': %s", root, rel, reason ? reason : strerror(-r));
                goto fail;
        }
        /* the read-write layer */
        free(rel);
        if (asprintf(&rel, LAYERDB "/mounts/%s/mount-id", id) < 0)
                return -ENOMEM;
        r = read_id_file(rootfd, root, rel, &mount, &e);
        if (r == -ENOENT)
                r = dw_error_set(&e, -EBADMSG, root, "'%s/%s' is missing", root, rel);
        else if (r >= 0 && !ctr_id_valid(mount))
                r = dw_error_set(&e, -EBADMSG, root, "'%s/%s': '%s' is not a mount id", root, rel, mount);
        if (r < 0)
                goto fail;
        c->layer_id = strdup(mount);
        if (!c->layer_id || asprintf(&c->upper_dir, "%s/overlay2/%s/diff", root, mount) < 0)
                return -ENOMEM;
        free(rel);
        if (asprintf(&rel, LAYERDB "/mounts/%s/init-id", id) < 0)
                return -ENOMEM;
        r = read_id_file(rootfd, root, rel, &init, &e);
        if (r >= 0 && (strlen(init) != CTR_ID_LEN + 5 || strcmp(init + CTR_ID_LEN, "-init") != 0 ||
                       !hex_valid(init, CTR_ID_LEN, true)))
                r = dw_error_set(&e, -EBADMSG, root, "'%s/%s': '%s' is not an init layer id", root, rel, init);
        if (r < 0 && r != -ENOENT)
                goto fail;
        if (r >= 0) {
                r = push_lower(c, &allocated, root, init);
                if (r < 0)
                        return r;
                c->n_own = 1;
        }
        free(rel);
        if (asprintf(&rel, LAYERDB "/mounts/%s/parent", id) < 0)
                return -ENOMEM;
        r = read_id_file(rootfd, root, rel, &parent, &e);
        if (r >= 0 && !digest_hex(parent))
                r = dw_error_set(&e, -EBADMSG, root, "'%s/%s': '%s' is not a sha256 chain id", root, rel, parent);
        if (r < 0 && r != -ENOENT)
                goto fail;
        if (r >= 0) {
                r = walk_chain(rootfd, root, digest_hex(parent), c, &allocated, &e);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        goto fail;
        }
        /* the driver's own record of the same stack */
        ids = calloc(c->n_lowers + 1, sizeof(char *));
        free(rel);
        if (!ids || asprintf(&rel, "overlay2/%s/lower", mount) < 0)
                return -ENOMEM;
        for (i = 0; i < c->n_lowers; i++)
                ids[i] = c->lowers[i].layer_id;
        r = ctr_lower_check(rootfd, root, "overlay2", rel, ids, c->n_lowers, "layerdb", &e);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                goto fail;
        return 0;
fail:
        ctr_lowers_free(c->lowers, c->n_lowers);
        c->lowers = NULL;
        c->n_lowers = c->n_own = 0;
        if (!c->id && !(c->id = strdup(id)))
                return -ENOMEM;
        c->engine = "docker";
        c->error = strdup(dw_error_reason(&e));
        return c->error ? 0 : -ENOMEM;
}

static int cmp_container(const void *a, const void *b)
{
        return strcmp(((const struct container *) a)->id, ((const struct container *) b)->id);
}

static int cmp_image(const void *a, const void *b)
{
        return strcmp(((const struct ctr_image *) a)->id, ((const struct ctr_image *) b)->id);
}

/* The images the containers name, by id, their digest the image id (Docker's
 * image id is the digest of the image's config). */
static int collect_images(struct ctr_storage *s)
{
        size_t i, k;

        s->images = calloc(s->n_containers + 1, sizeof(*s->images));
        if (!s->images)
                return -ENOMEM;
        for (i = 0; i < s->n_containers; i++) {
                struct ctr_image *im = &s->images[s->n_images];

                if (!s->containers[i].image_id)
                        continue;
                s->n_images++;
                if (!(im->id = strdup(s->containers[i].image_id)) ||
                    asprintf(&im->digest, "sha256:%s", im->id) < 0) {
                        im->digest = NULL;
                        return -ENOMEM;
                }
        }
        if (s->n_images == 0)
                return 0;
        qsort(s->images, s->n_images, sizeof(*s->images), cmp_image);
        for (i = 1, k = 1; i < s->n_images; i++) {
                if (strcmp(s->images[i].id, s->images[k - 1].id) == 0) {
                        free(s->images[i].id);
                        free(s->images[i].digest);
                } else {
                        s->images[k++] = s->images[i];
                }
        }
        s->n_images = k;
        return 0;
}

int ctr_docker_load(const char *root, struct ctr_storage **ret, struct dw_error *ret_error)
{
        static const char *const others[] = { "btrfs", "zfs", "devicemapper", "vfs", "aufs", "fuse-overlayfs" };
        _cleanup_(ctr_storage_freep) struct ctr_storage *s = NULL;
        _cleanup_(closep) int rootfd = -1;
        _cleanup_(strv_release) struct strv ids = { 0 };
        struct dirent *de;
        struct stat st;
        DIR *d;
        size_t i;
        int fd, r;

        if (!root)
                root = CTR_DOCKER_DEFAULT;
        r = ctr_storage_new(root, "overlay2", "Docker root", &s, &rootfd, ret_error);
        if (r < 0)
                return r;
        fd = open_beneath(rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd == -ENOENT) {
                for (i = 0; i < ARRAY_SIZE(others); i++)
                        if (fstatat(rootfd, others[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
                                return dw_error_set(ret_error, -EOPNOTSUPP, root,
                                                    "unsupported storage driver '%s' in '%s' (only overlay2 is read)",
                                                    others[i], root);
                return dw_error_set(ret_error, -ENOENT, root, "no Docker containers in '%s'", root);
        }
        if (fd < 0)
                return dw_error_set(ret_error, fd, root, "cannot open '%s/containers': %s", root, strerror(-fd));
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        }
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                if (ids.n >= CTR_ENTRIES_MAX) {
                        closedir(d);
                        return dw_error_set(ret_error, -E2BIG, root, "'%s/containers' holds more than %d entries",
                                            root, CTR_ENTRIES_MAX);
                }
                if (strv_push(&ids, de->d_name) < 0) {
                        closedir(d);
                        return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
                }
        }
        closedir(d);
        s->containers = calloc(ids.n + 1, sizeof(*s->containers));
        if (!s->containers)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        for (i = 0; i < ids.n; i++) {
                struct container *c = &s->containers[s->n_containers++];

                if (!ctr_id_valid(ids.v[i])) {
                        /* moby names each directory by the container's id */
                        c->engine = "docker";
                        if (!(c->id = strdup(ids.v[i])) ||
                            asprintf(&c->error, "'%s/containers/%s' is not named by a container id", root,
                                     ids.v[i]) < 0)
                                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
                        continue;
                }
                r = load_container(rootfd, root, ids.v[i], c);
                if (r < 0)
                        return dw_error_set(ret_error, r, NULL, "out of memory");
        }
        qsort(s->containers, s->n_containers, sizeof(*s->containers), cmp_container);
        if (collect_images(s) < 0)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        *ret = TAKE_PTR(s);
        return 0;
}
