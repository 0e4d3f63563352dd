/* The containers-storage reader (overlay driver): layers.json, images.json and
 * containers.json parsed into structs, the overlay driver's `lower` files and
 * l/ short links resolved, each container's layer stack checked against the
 * parent chain of layers.json. See container.h. */
#define _GNU_SOURCE
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/escape.h"
#include "basic/fd-util.h"
#include "basic/hex.h"

#define CTR_REASON_MAX 1024
#define CTR_LOWER_MAX ((size_t) 64 << 10)    /* an overlay `lower` file */
#define CTR_SHORT_MAX 64                     /* an l/ short link name */
#define CTR_NAMES_MAX 1024                   /* names of one image or container */

bool ctr_id_valid(const char *s)
{
        return s && strlen(s) == CTR_ID_LEN && hex_valid(s, CTR_ID_LEN, true);
}

int ctr_fail(char **ret_error, int r, const char *fmt, ...)
{
        va_list ap;

        /* Escaped whole: the reason quotes values of the input. */
        if (ret_error && !*ret_error) {
                va_start(ap, fmt);
                if (escape_message(ret_error, CTR_REASON_MAX, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return r;
}

/* The top-level array of a storage JSON file; NULL (and *ret_error) otherwise. */
static int load_array(const char *buf, size_t len, json_t **ret, char **ret_error)
{
        json_error_t jerr;
        json_t *root;

        /* containers/storage writes an empty file for an empty store at times. */
        if (len == 0 || strspn(buf, " \t\r\n") == len) {
                *ret = json_array();
                return *ret ? 0 : -ENOMEM;
        }
        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root)
                return ctr_fail(ret_error, -EBADMSG, "line %d: %s", jerr.line, jerr.text);
        if (!json_is_array(root)) {
                json_decref(root);
                return ctr_fail(ret_error, -EBADMSG, "expected a JSON array");
        }
        if (json_array_size(root) > CTR_ENTRIES_MAX) {
                json_decref(root);
                return ctr_fail(ret_error, -E2BIG, "more than %d entries", CTR_ENTRIES_MAX);
        }
        *ret = root;
        return 0;
}

/* A string field: absent or null gives NULL when optional; a string is
 * duplicated into *ret. */
static int get_string(json_t *o, size_t i, const char *key, bool required, char **ret, char **ret_error)
{
        json_t *v = json_object_get(o, key);

        if (!v || json_is_null(v)) {
                if (required)
                        return ctr_fail(ret_error, -EBADMSG, "entry %zu: no \"%s\"", i, key);
                *ret = NULL;
                return 0;
        }
        if (!json_is_string(v))
                return ctr_fail(ret_error, -EBADMSG, "entry %zu: \"%s\" is not a string", i, key);
        if (strlen(json_string_value(v)) != json_string_length(v))
                return ctr_fail(ret_error, -EBADMSG, "entry %zu: \"%s\" holds a NUL byte", i, key);
        if (!required && json_string_length(v) == 0) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : -ENOMEM;
}

static int get_id(json_t *o, size_t i, const char *key, bool required, char **ret, char **ret_error)
{
        char *s = NULL;
        int r;

        r = get_string(o, i, key, required, &s, ret_error);
        if (r < 0)
                return r;
        if (s && !ctr_id_valid(s)) {
                r = ctr_fail(ret_error, -EBADMSG, "entry %zu: \"%s\" '%s' is not 64 lowercase hex digits", i, key, s);
                free(s);
                return r;
        }
        *ret = s;
        return 0;
}

static int get_names(json_t *o, size_t i, struct strv *ret, char **ret_error)
{
        json_t *v = json_object_get(o, "names"), *e;
        size_t k;

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_array(v))
                return ctr_fail(ret_error, -EBADMSG, "entry %zu: \"names\" is not a list", i);
        if (json_array_size(v) > CTR_NAMES_MAX)
                return ctr_fail(ret_error, -E2BIG, "entry %zu: more than %d names", i, CTR_NAMES_MAX);
        json_array_foreach(v, k, e) {
                if (!json_is_string(e) || strlen(json_string_value(e)) != json_string_length(e))
                        return ctr_fail(ret_error, -EBADMSG, "entry %zu: names[%zu] is not a string", i, k);
                if (strv_push(ret, json_string_value(e)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* The three kinds of entry: each struct starts with its char *id. */
struct entry_kind {
        const char *what;
        size_t size;
        int (*parse)(json_t *e, size_t i, void *entry, char **ret_error);
        void (*release)(void *entry);
};

static int cmp_id(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void entries_free(const struct entry_kind *k, void *v, size_t n)
{
        size_t i;

        for (i = 0; v && i < n; i++)
                k->release((char *) v + i * k->size);
        free(v);
}

/* Sorted by id, so lookups can bisect and the order of reports does not
 * depend on the file; an id twice is refused. */
static int entries_sort(const struct entry_kind *k, void *v, size_t n, char **ret_error)
{
        char *const *prev, *const *at;
        size_t i;

        if (n == 0)
                return 0;
        qsort(v, n, k->size, cmp_id);
        for (i = 1; i < n; i++) {
                prev = (char *const *) ((char *) v + (i - 1) * k->size);
                at = (char *const *) ((char *) v + i * k->size);
                if (strcmp(*prev, *at) == 0)
                        return ctr_fail(ret_error, -EBADMSG, "%s '%s' listed twice", k->what, *at);
        }
        return 0;
}

/* Parses the array in buf and appends its entries to *v (*n of them), unsorted. */
static int entries_append(const struct entry_kind *k, const char *buf, size_t len, void **v, size_t *n,
                          char **ret_error)
{
        json_t *root = NULL, *e;
        size_t i;
        char *m;
        int r;

        r = load_array(buf, len, &root, ret_error);
        if (r < 0)
                return r;
        if (*n + json_array_size(root) > CTR_ENTRIES_MAX) {
                r = ctr_fail(ret_error, -E2BIG, "more than %d entries", CTR_ENTRIES_MAX);
                goto out;
        }
        m = realloc(*v, (*n + json_array_size(root) + 1) * k->size);
        if (!m) {
                r = -ENOMEM;
                goto out;
        }
        *v = m;
        json_array_foreach(root, i, e) {
                void *entry = m + *n * k->size;

                memset(entry, 0, k->size);
                if (!json_is_object(e)) {
                        r = ctr_fail(ret_error, -EBADMSG, "entry %zu: not an object", i);
                        goto out;
                }
                (*n)++;
                r = k->parse(e, i, entry, ret_error);
                if (r < 0)
                        goto out;
        }
        r = 0;
out:
        json_decref(root);
        return r;
}

static int entries_parse(const struct entry_kind *k, const char *buf, size_t len, void **ret, size_t *ret_n,
                         char **ret_error)
{
        void *v = NULL;
        size_t n = 0;
        int r;

        r = entries_append(k, buf, len, &v, &n, ret_error);
        if (r >= 0)
                r = entries_sort(k, v, n, ret_error);
        if (r < 0) {
                entries_free(k, v, n);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static void layer_release(void *p)
{
        struct ctr_layer *l = p;

        free(l->id);
        free(l->parent);
        free(l->diff_digest);
        free(l->compressed_diff_digest);
}

static int layer_parse(json_t *e, size_t i, void *p, char **ret_error)
{
        struct ctr_layer *l = p;
        json_t *v;
        int r;

        l->uncompressed_size = -1;
        r = get_id(e, i, "id", true, &l->id, ret_error);
        if (r >= 0)
                r = get_id(e, i, "parent", false, &l->parent, ret_error);
        if (r >= 0)
                r = get_string(e, i, "diff-digest", false, &l->diff_digest, ret_error);
        if (r >= 0)
                r = get_string(e, i, "compressed-diff-digest", false, &l->compressed_diff_digest, ret_error);
        if (r < 0)
                return r;
        v = json_object_get(e, "diff-size");
        if (v && !json_is_null(v)) {
                if (!json_is_integer(v) || json_integer_value(v) < 0)
                        return ctr_fail(ret_error, -EBADMSG, "entry %zu: \"diff-size\" is not a size", i);
                l->uncompressed_size = json_integer_value(v);
        }
        if (l->parent && strcmp(l->parent, l->id) == 0)
                return ctr_fail(ret_error, -ELOOP, "layer '%s' is its own parent", l->id);
        return 0;
}

static const struct entry_kind layer_kind = { "layer", sizeof(struct ctr_layer), layer_parse, layer_release };

static void image_release(void *p)
{
        struct ctr_image *im = p;

        free(im->id);
        strv_release(&im->names);
        free(im->layer);
        free(im->digest);
}

static int image_parse(json_t *e, size_t i, void *p, char **ret_error)
{
        struct ctr_image *im = p;
        int r;

        r = get_id(e, i, "id", true, &im->id, ret_error);
        if (r >= 0)
                r = get_id(e, i, "layer", false, &im->layer, ret_error);
        if (r >= 0)
                r = get_string(e, i, "digest", false, &im->digest, ret_error);
        if (r >= 0)
                r = get_names(e, i, &im->names, ret_error);
        return r;
}

static const struct entry_kind image_kind = { "image", sizeof(struct ctr_image), image_parse, image_release };

static void container_release(void *p)
{
        struct container *c = p;

        free(c->id);
        strv_release(&c->names);
        free(c->image_id);
        free(c->image_name);
        free(c->layer_id);
        free(c->upper_dir);
        free(c->userdata_dir);
        ctr_lowers_free(c->lowers, c->n_lowers);
        strv_release(&c->mounts);
        free(c->error);
}

/* containers.json's "metadata" is a string holding the engine's own JSON:
 * podman's and CRI-O's both have "image-name"; CRI-O's has "pod-id" too. */
static int parse_metadata(json_t *e, size_t i, struct container *c, char **ret_error)
{
        json_t *v = json_object_get(e, "metadata"), *md, *name;
        json_error_t jerr;
        int r = 0;

        c->engine = "podman";
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return ctr_fail(ret_error, -EBADMSG, "entry %zu: \"metadata\" is not a string", i);
        if (json_string_length(v) == 0)
                return 0;
        md = json_loadb(json_string_value(v), json_string_length(v), JSON_REJECT_DUPLICATES, &jerr);
        if (!md || !json_is_object(md)) {
                json_decref(md);
                return ctr_fail(ret_error, -EBADMSG, "entry %zu: \"metadata\" is not a JSON object", i);
        }
        name = json_object_get(md, "image-name");
        if (name && !json_is_string(name))
                r = ctr_fail(ret_error, -EBADMSG, "entry %zu: metadata's \"image-name\" is not a string", i);
        else if (name && json_string_length(name) > 0)
                r = get_string(md, i, "image-name", true, &c->image_name, ret_error);
        if (json_object_get(md, "pod-id"))
                c->engine = "cri-o";
        json_decref(md);
        return r;
}

static int container_parse(json_t *e, size_t i, void *p, char **ret_error)
{
        struct container *c = p;
        int r;

        r = get_id(e, i, "id", true, &c->id, ret_error);
        if (r >= 0)
                r = get_id(e, i, "layer", true, &c->layer_id, ret_error);
        if (r >= 0)
                r = get_id(e, i, "image", false, &c->image_id, ret_error);
        if (r >= 0)
                r = get_names(e, i, &c->names, ret_error);
        if (r >= 0)
                r = parse_metadata(e, i, c, ret_error);
        return r;
}

static const struct entry_kind container_kind = { "container", sizeof(struct container), container_parse,
                                                  container_release };

int ctr_parse_layers(const char *buf, size_t len, struct ctr_layer **ret, size_t *ret_n, char **ret_error)
{
        return entries_parse(&layer_kind, buf, len, (void **) ret, ret_n, ret_error);
}

int ctr_parse_images(const char *buf, size_t len, struct ctr_image **ret, size_t *ret_n, char **ret_error)
{
        return entries_parse(&image_kind, buf, len, (void **) ret, ret_n, ret_error);
}

int ctr_parse_containers(const char *buf, size_t len, struct container **ret, size_t *ret_n, char **ret_error)
{
        return entries_parse(&container_kind, buf, len, (void **) ret, ret_n, ret_error);
}

void ctr_layers_free(struct ctr_layer *l, size_t n)
{
        entries_free(&layer_kind, l, n);
}

void ctr_images_free(struct ctr_image *im, size_t n)
{
        entries_free(&image_kind, im, n);
}

void containers_free(struct container *c, size_t n)
{
        entries_free(&container_kind, c, n);
}

void ctr_lowers_free(struct ctr_lower *l, size_t n)
{
        size_t i;

        for (i = 0; l && i < n; i++) {
                free(l[i].layer_id);
                free(l[i].dir);
        }
        free(l);
}

struct ctr_storage *ctr_storage_free(struct ctr_storage *s)
{
        if (!s)
                return NULL;
        free(s->root);
        ctr_layers_free(s->layers, s->n_layers);
        ctr_images_free(s->images, s->n_images);
        containers_free(s->containers, s->n_containers);
        free(s);
        return NULL;
}

const struct ctr_layer *ctr_storage_layer(const struct ctr_storage *s, const char *id)
{
        struct ctr_layer key = { .id = (char *) id };

        if (!id || s->n_layers == 0)
                return NULL;
        return bsearch(&key, s->layers, s->n_layers, sizeof(key), cmp_id);
}

const struct ctr_image *ctr_storage_image(const struct ctr_storage *s, const char *id)
{
        struct ctr_image key = { .id = (char *) id };

        if (!id || s->n_images == 0)
                return NULL;
        return bsearch(&key, s->images, s->n_images, sizeof(key), cmp_id);
}

static char *layer_dir(const char *root, const char *id)
{
        char *p;

        return asprintf(&p, "%s/overlay/%s/diff", root, id) < 0 ? NULL : p;
}

int ctr_storage_layer_chain(const struct ctr_storage *s, const char *layer_id, struct ctr_lower **ret,
                            size_t *ret_n, struct dw_error *ret_error)
{
        struct ctr_lower *l = NULL;
        const struct ctr_layer *at;
        const char *id = layer_id;
        size_t n = 0, i;
        int r;

        while (id) {
                at = ctr_storage_layer(s, id);
                if (!at) {
                        r = dw_error_set(ret_error, -EBADMSG, s->root,
                                         "layer '%s' is not in '%s/overlay-layers/layers.json'", id, s->root);
                        goto fail;
                }
                /* A cycle revisits a layer already in the chain; the chain is
                 * at most CTR_CHAIN_MAX long, so the check stays cheap. */
                for (i = 0; i < n; i++)
                        if (strcmp(l[i].layer_id, at->id) == 0) {
                                r = dw_error_set(ret_error, -ELOOP, s->root,
                                                 "layer '%s' in '%s/overlay-layers/layers.json' is its own ancestor",
                                                 at->id, s->root);
                                goto fail;
                        }
                if (n >= CTR_CHAIN_MAX) {
                        r = dw_error_set(ret_error, -E2BIG, s->root,
                                         "layer '%s' in '%s/overlay-layers/layers.json' has more than %d ancestors",
                                         layer_id, s->root, CTR_CHAIN_MAX);
                        goto fail;
                }
                if (n % 16 == 0) {
                        struct ctr_lower *m = realloc(l, (n + 16) * sizeof(*l));

                        if (!m) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        l = m;
                }
                l[n].layer_id = strdup(at->id);
                l[n].dir = layer_dir(s->root, at->id);
                n++;
                if (!l[n - 1].layer_id || !l[n - 1].dir) {
                        r = -ENOMEM;
                        goto fail;
                }
                id = at->parent;
        }
        *ret = l;
        *ret_n = n;
        return 0;
fail:
        if (r == -ENOMEM)
                dw_error_set(ret_error, r, NULL, "out of memory");
        ctr_lowers_free(l, n);
        return r;
}

int ctr_storage_image_chain(const struct ctr_storage *s, const char *image_id, struct ctr_lower **ret,
                            size_t *ret_n, struct dw_error *ret_error)
{
        const struct ctr_image *im = ctr_storage_image(s, image_id);

        if (!im)
                return dw_error_set(ret_error, -ENOENT, image_id, "image '%s' is not in '%s/overlay-images/images.json'",
                                    image_id, s->root);
        if (!im->layer) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        return ctr_storage_layer_chain(s, im->layer, ret, ret_n, ret_error);
}

/* Reads rel below rootfd (at most max bytes): 0, -ENOENT when absent, or an
 * error set on *err naming the file. */
static int read_storage_file(int rootfd, const char *root, const char *rel, size_t max, char **ret, size_t *ret_len,
                             struct dw_error *err)
{
        int r;

        r = read_file_beneath(rootfd, rel, max, ret, ret_len);
        if (r == -ENOENT)
                return r;
        if (r == -EFBIG)
                return dw_error_set(err, -E2BIG, root, "'%s/%s' is larger than %zu bytes", root, rel, max);
        if (r < 0)
                return dw_error_set(err, r, root, "cannot read '%s/%s': %s", root, rel, strerror(-r));
        return 0;
}

/* Appends the entries of the file rel (an absent file has none). */
static int load_json(int rootfd, const char *root, const char *rel, const struct entry_kind *k, void **v, size_t *n,
                     bool *found, struct dw_error *err)
{
        _cleanup_(freep) char *buf = NULL, *reason = NULL;
        size_t len = 0;
        int r;

        r = read_storage_file(rootfd, root, rel, CTR_JSON_MAX, &buf, &len, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        *found = true;
        r = entries_append(k, buf, len, v, n, &reason);
        if (r == -ENOMEM)
                return dw_error_set(err, r, NULL, "out of memory");
        if (r < 0)
                return dw_error_set(err, r, root, "cannot parse '%s/%s': %s", root, rel,
                                    reason ? reason : strerror(-r));
        return 0;
}

/* Loads file and its volatile- sibling (containers/storage keeps layers and
 * containers of --transient-store or volatile containers there), sorted. */
static int load_kind(int rootfd, const char *root, const char *dir, const char *file, const struct entry_kind *k,
                     void **v, size_t *n, bool *found, struct dw_error *err)
{
        _cleanup_(freep) char *rel = NULL, *vrel = NULL, *reason = NULL;
        int r;

        if (asprintf(&rel, "%s/%s", dir, file) < 0 || asprintf(&vrel, "%s/volatile-%s", dir, file) < 0)
                return dw_error_set(err, -ENOMEM, NULL, "out of memory");
        r = load_json(rootfd, root, rel, k, v, n, found, err);
        if (r >= 0)
                r = load_json(rootfd, root, vrel, k, v, n, found, err);
        if (r < 0)
                return r;
        r = entries_sort(k, *v, *n, &reason);
        if (r < 0)
                return dw_error_set(err, r, root, "cannot parse '%s/%s': %s", root, rel,
                                    reason ? reason : strerror(-r));
        return 0;
}

/* The driver whose "<driver>-layers" directory root holds, or NULL. */
static int storage_driver(int rootfd, const char *root, struct dw_error *err)
{
        static const char *const others[] = { "vfs", "btrfs", "zfs", "devmapper", "aufs" };
        struct stat st;
        char rel[32];
        size_t i;

        if (fstatat(rootfd, "overlay-layers", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
                return 0;
        if (fstatat(rootfd, "overlay-containers", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
                return 0;
        for (i = 0; i < ARRAY_SIZE(others); i++) {
                snprintf(rel, sizeof(rel), "%s-layers", others[i]);
                if (fstatat(rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        return dw_error_set(err, -EOPNOTSUPP, root,
                                            "unsupported storage driver '%s' in '%s' (only overlay is read)",
                                            others[i], root);
        }
        return dw_error_set(err, -ENOENT, root, "no container storage in '%s'", root);
}

/* Whether s names a layer directory of a driver: a 64-hex id, or Docker's
 * "<id>-init". */
static bool layer_name_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == CTR_ID_LEN + 5 && strcmp(s + CTR_ID_LEN, "-init") == 0)
                return hex_valid(s, CTR_ID_LEN, true);
        return ctr_id_valid(s);
}

int ctr_lower_check(int rootfd, const char *root, const char *driver, const char *rel, char *const *ids, size_t n,
                    const char *what, struct dw_error *err)
{
        _cleanup_(freep) char *lower = NULL, *ldir = NULL;
        _cleanup_(closep) int linkfd = -1;
        char *p, *tok, *save = NULL;
        size_t len = 0, k = 0;
        int r;

        r = read_storage_file(rootfd, root, rel, CTR_LOWER_MAX, &lower, &len, err);
        if (r == -ENOENT) {
                if (n > 0)
                        return dw_error_set(err, -EBADMSG, root, "'%s/%s' is missing", root, rel);
                return 0;
        }
        if (r < 0)
                return r;
        if (asprintf(&ldir, "%s/l", driver) < 0)
                return dw_error_set(err, -ENOMEM, NULL, "out of memory");
        linkfd = open_beneath(rootfd, ldir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (linkfd < 0)
                return dw_error_set(err, linkfd, root, "cannot open '%s/%s': %s", root, ldir, strerror(-linkfd));
        lower[strcspn(lower, "\n")] = 0;
        for (p = lower; (tok = strtok_r(p, ":", &save)); p = NULL) {
                char target[CTR_SHORT_MAX + 16], id[CTR_ID_LEN + 6];
                const char *shortname = tok + 2;
                ssize_t m;

                if (strncmp(tok, "l/", 2) != 0 || strlen(shortname) == 0 || strlen(shortname) > CTR_SHORT_MAX ||
                    strspn(shortname, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") !=
                            strlen(shortname))
                        return dw_error_set(err, -EBADMSG, root, "'%s/%s': unexpected entry '%s'", root, rel, tok);
                m = readlinkat(linkfd, shortname, target, sizeof(target) - 1);
                if (m < 0)
                        return dw_error_set(err, negative_errno(), root, "cannot read link '%s/%s/%s': %m", root,
                                            driver, tok);
                target[m] = 0;
                /* "../<id>/diff", the id one of a layer directory's names */
                if (m < 3 + 5 || strncmp(target, "../", 3) != 0 || strcmp(target + m - 5, "/diff") != 0 ||
                    (size_t) m - 8 >= sizeof(id))
                        return dw_error_set(err, -EBADMSG, root, "link '%s/%s/%s' points to '%s', not a layer", root,
                                            driver, tok, target);
                memcpy(id, target + 3, (size_t) m - 8);
                id[m - 8] = 0;
                if (!layer_name_valid(id))
                        return dw_error_set(err, -EBADMSG, root, "link '%s/%s/%s' points to '%s', not a layer", root,
                                            driver, tok, target);
                if (k >= n || strcmp(id, ids[k]) != 0)
                        return dw_error_set(err, -EBADMSG, root, "'%s/%s' names layer '%s' where %s has %s%s%s", root,
                                            rel, id, what, k < n ? "'" : "", k < n ? ids[k] : "none", k < n ? "'" : "");
                k++;
        }
        if (k != n)
                return dw_error_set(err, -EBADMSG, root, "'%s/%s' lists %zu layers where %s has %zu", root, rel, k,
                                    what, n);
        return 0;
}

/* A container's image layers: layers.json's parent chain below its layer,
 * checked against the overlay driver's `lower` file. On failure c->error
 * says why. */
static int resolve_container(const struct ctr_storage *s, int rootfd, struct container *c)
{
        _cleanup_(dw_error_release) struct dw_error e = { 0 };
        _cleanup_(freep) char *rel = NULL;
        _cleanup_(freep) char **ids = NULL;
        struct ctr_lower *chain = NULL;
        const struct ctr_image *im;
        size_t n = 0, i;
        int r;

        if (!c->image_name && (im = ctr_storage_image(s, c->image_id)) && im->names.n > 0) {
                c->image_name = strdup(im->names.v[0]);
                if (!c->image_name)
                        return -ENOMEM;
        }
        if (asprintf(&c->upper_dir, "%s/overlay/%s/diff", s->root, c->layer_id) < 0 ||
            asprintf(&c->userdata_dir, "%s/overlay-containers/%s/userdata", s->root, c->id) < 0)
                return -ENOMEM;
        r = ctr_storage_layer_chain(s, c->layer_id, &chain, &n, &e);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                goto fail;
        /* chain[0] is the container's own layer, the rest its image's. */
        ids = calloc(n, sizeof(char *));
        if (!ids || asprintf(&rel, "overlay/%s/lower", c->layer_id) < 0) {
                ctr_lowers_free(chain, n);
                return -ENOMEM;
        }
        for (i = 1; i < n; i++)
                ids[i - 1] = chain[i].layer_id;
        r = ctr_lower_check(rootfd, s->root, "overlay", rel, ids, n - 1, "layers.json", &e);
        if (r == -ENOMEM) {
                ctr_lowers_free(chain, n);
                return r;
        }
        if (r < 0)
                goto fail;
        /* the image's layers move into c->lowers */
        c->lowers = chain;
        c->n_lowers = n - 1;
        free(chain[0].layer_id);
        free(chain[0].dir);
        memmove(chain, chain + 1, (n - 1) * sizeof(*chain));
        if (n == 1) {
                free(chain);
                c->lowers = NULL;
        }
        return 0;
fail:
        ctr_lowers_free(chain, n);
        c->error = strdup(dw_error_reason(&e));
        return c->error ? 0 : -ENOMEM;
}

int ctr_storage_new(const char *root, const char *driver, const char *what, struct ctr_storage **ret,
                    int *ret_rootfd, struct dw_error *ret_error)
{
        _cleanup_(ctr_storage_freep) struct ctr_storage *s = calloc(1, sizeof(*s));
        int fd;

        if (!s || !(s->root = strdup(root)))
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        s->driver = driver;
        fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return dw_error_set(ret_error, negative_errno(), root, "cannot open %s '%s': %m", what, root);
        *ret = TAKE_PTR(s);
        *ret_rootfd = fd;
        return 0;
}

int ctr_storage_load(const char *root, struct ctr_storage **ret, struct dw_error *ret_error)
{
        _cleanup_(ctr_storage_freep) struct ctr_storage *s = NULL;
        _cleanup_(closep) int rootfd = -1;
        bool found = false;
        size_t i;
        int r;

        if (!root)
                root = CTR_STORAGE_DEFAULT;
        r = ctr_storage_new(root, "overlay", "container storage", &s, &rootfd, ret_error);
        if (r < 0)
                return r;
        r = storage_driver(rootfd, root, ret_error);
        if (r < 0)
                return r;
        r = load_kind(rootfd, root, "overlay-layers", "layers.json", &layer_kind, (void **) &s->layers, &s->n_layers,
                      &found, ret_error);
        if (r >= 0)
                r = load_kind(rootfd, root, "overlay-images", "images.json", &image_kind, (void **) &s->images,
                              &s->n_images, &found, ret_error);
        if (r >= 0)
                r = load_kind(rootfd, root, "overlay-containers", "containers.json", &container_kind,
                              (void **) &s->containers, &s->n_containers, &found, ret_error);
        if (r < 0)
                return r;
        if (!found)
                return dw_error_set(ret_error, -ENOENT, root, "no container storage in '%s'", root);
        for (i = 0; i < s->n_containers; i++) {
                r = resolve_container(s, rootfd, &s->containers[i]);
                if (r < 0)
                        return dw_error_set(ret_error, r, NULL, "out of memory");
        }
        *ret = TAKE_PTR(s);
        return 0;
}
