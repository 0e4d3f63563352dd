/* Image verification; see verify.h.
 *
 * The commit's layout (dirtree and dirmeta objects, file object checksums) is
 * read without touching content. The deployment is walked in parallel; each
 * regular file is hashed the way ostree names its object: the serialized file
 * header (big-endian uid, gid, mode, rdev 0, symlink target, sorted xattrs,
 * behind a 4-byte big-endian length and 4 bytes of padding) followed by the
 * content, through libcrypto's SHA-256. Equal checksums prove the file equal.
 * Only a mismatch costs more: the repository object is loaded to say which
 * attributes differ, unless it is the deployed inode itself. */
#define _GNU_SOURCE
#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <ostree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/fd-util.h"
#include "image/ostree-impl.h"

#define VERIFY_ATTRS (ATTR_TYPE | ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_SIZE | ATTR_CONTENT | ATTR_TARGET | \
                      ATTR_XATTRS)

static GVariant *xattrs_variant(const struct fim_entry *e)
{
        struct xattr_iter it = { e->xattrs, e->xattrs_len };
        GVariantBuilder b;
        const uint8_t *v;
        const char *n;
        size_t nl, vl;

        g_variant_builder_init(&b, G_VARIANT_TYPE("a(ayay)"));
        while (xattr_next(&it, &n, &nl, &v, &vl)) {
                g_autofree char *name = g_strndup(n, nl);

                g_variant_builder_add(&b, "(@ay@ay)", g_variant_new_bytestring(name),
                                      g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, v, vl, 1));
        }
        return g_variant_builder_end(&b);
}

/* Feeds ostree's file object header for e into h. */
static int feed_header(const struct fim_entry *e, struct hasher *h)
{
        g_autoptr(GVariant) header = NULL;
        uint32_t size_be, pad = 0;
        int r;

        header = g_variant_ref_sink(g_variant_new("(uuuus@a(ayay))", GUINT32_TO_BE(e->uid), GUINT32_TO_BE(e->gid),
                                                  GUINT32_TO_BE(e->type | e->mode), 0,
                                                  e->target ? e->target : "", xattrs_variant(e)));
        size_be = GUINT32_TO_BE((uint32_t) g_variant_get_size(header));
        r = hasher_update(h, &size_be, sizeof(size_be));
        if (r >= 0)
                r = hasher_update(h, &pad, sizeof(pad));
        if (r >= 0)
                r = hasher_update(h, g_variant_get_data(header), g_variant_get_size(header));
        return r;
}

static int content_prefix(const struct fim_entry *e, struct hasher *h, void *userdata)
{
        return feed_header(e, h);
}

static int symlink_checksum(const struct fim_entry *e, uint8_t out[SHA256_LEN])
{
        struct hasher *h = NULL;
        int r;

        r = hasher_new(&h);
        if (r >= 0)
                r = hasher_begin(h);
        if (r >= 0)
                r = feed_header(e, h);
        if (r >= 0)
                r = hasher_end(h, out);
        hasher_free(h);
        return r;
}

/* What the repository object says the file is, as an entry in 'a'. */
static int load_object(OstreeRepo *repo, const uint8_t csum[SHA256_LEN], struct arena *a,
                       struct fim_entry *ret, char **ret_error)
{
        char hex[OSTREE_SHA256_STRING_LEN + 1];
        g_autoptr(GInputStream) in = NULL;
        g_autoptr(GFileInfo) info = NULL;
        g_autoptr(GVariant) xattrs = NULL;
        g_autoptr(GError) err = NULL;
        struct hasher *h = NULL;
        int r = 0;

        ostree_checksum_inplace_from_bytes(csum, hex);
        if (!ostree_repo_load_file(repo, hex, &in, &info, &xattrs, NULL, &err)) {
                if (ret_error && !*ret_error)
                        *ret_error = strdup(err->message);
                return -ENOENT;
        }
        ret->uid = g_file_info_get_attribute_uint32(info, "unix::uid");
        ret->gid = g_file_info_get_attribute_uint32(info, "unix::gid");
        ret->mode = g_file_info_get_attribute_uint32(info, "unix::mode") & 07777;
        if (g_file_info_get_file_type(info) == G_FILE_TYPE_SYMBOLIC_LINK) {
                const char *t = g_file_info_get_symlink_target(info);

                ret->type = S_IFLNK;
                ret->target = arena_strndup(a, t ? t : "", t ? strlen(t) : 0);
                ret->target_len = t ? (uint32_t) strlen(t) : 0;
                ret->size = ret->target_len;
        } else {
                char chunk[65536];
                gssize k;

                ret->type = S_IFREG;
                r = hasher_new(&h);
                if (r >= 0)
                        r = hasher_begin(h);
                while (r >= 0 && in && (k = g_input_stream_read(in, chunk, sizeof(chunk), NULL, NULL)) > 0) {
                        r = hasher_update(h, chunk, (size_t) k);
                        ret->size += (uint64_t) k;
                }
                if (r >= 0)
                        r = hasher_end(h, ret->sha256);
                hasher_free(h);
                if (r < 0)
                        return r;
                ret->flags |= ENTRY_HAS_HASH;
        }
        return ostree_xattrs_pack(a, xattrs, &ret->xattrs, &ret->xattrs_len);
}

struct verifier {
        const struct sysroot *ds;
        const struct sysroot_deployment *d;
        OstreeRepo *repo;
        int repo_fd;
        int deploy_fd;
        struct arena arena;
        struct verify_stats stats;
        const volatile sig_atomic_t *cancel;
        char **error;
};

/* True when the object file of a bare repository is the deployed inode. */
static bool object_is_inode(struct verifier *v, const uint8_t csum[SHA256_LEN], const struct fim_entry *live)
{
        char hex[OSTREE_SHA256_STRING_LEN + 1], rel[128];
        struct stat st;

        ostree_checksum_inplace_from_bytes(csum, hex);
        snprintf(rel, sizeof(rel), "objects/%.2s/%s.file", hex, hex + 2);
        return fstatat(v->repo_fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == live->dev &&
               st.st_ino == live->ino;
}

static int live_content_hash(struct verifier *v, const struct fim_entry *live, uint8_t out[SHA256_LEN])
{
        struct stat st;
        _cleanup_(closep) int fd = open_regular_beneath(v->deploy_fd, live->path + 1, &st);
        struct hasher *h = NULL;
        int r;

        if (fd < 0)
                return fd;
        r = hasher_new(&h);
        if (r >= 0)
                r = hasher_fd(h, fd, (uint64_t) st.st_size, v->cancel, out, NULL);
        hasher_free(h);
        return r;
}

/* Points c at arena copies of a and b: the tree entries themselves are const. */
static int copy_pair(struct verifier *v, const struct fim_entry *a, const struct fim_entry *b, struct fim_change *c)
{
        struct fim_entry *x = arena_memdup(&v->arena, a, sizeof(*a));
        struct fim_entry *y = b ? arena_memdup(&v->arena, b, sizeof(*b)) : NULL;

        if (!x || (b && !y))
                return -ENOMEM;
        c->old = x;
        c->new = y;
        return 0;
}

/* A removed file: what the repository object says it was, when it says. */
static int describe_removed(struct verifier *v, const struct fim_entry *want, struct fim_change *c)
{
        struct fim_entry obj = { .path = want->path, .path_len = want->path_len };

        if (want->type == S_IFDIR || load_object(v->repo, want->sha256, &v->arena, &obj, NULL) < 0)
                return 0;
        return copy_pair(v, &obj, NULL, c);
}

/* A file whose checksum differs: which attributes? */
static int explain_mismatch(struct verifier *v, const struct fim_entry *want, const struct fim_entry *live,
                            struct fim_change *c)
{
        struct fim_entry obj = { .path = want->path, .path_len = want->path_len };
        struct fim_entry cur = *live;
        int r;

        v->stats.mismatched++;
        c->kind = CHANGE_MODIFIED;
        c->changed = ATTR_OBJECT;
        if (live->type == S_IFREG && object_is_inode(v, want->sha256, live)) {
                /* Edited in place through the hardlink: the object is the
                 * deployed file, so only its name (the checksum) is left to
                 * say what it was. */
                v->stats.corrupt_objects++;
                c->quality = "repository-object-modified";
                return 0;
        }
        r = load_object(v->repo, want->sha256, &v->arena, &obj, v->error);
        if (r < 0)
                return r;
        if (cur.type == S_IFREG) {
                r = live_content_hash(v, live, cur.sha256);
                if (r < 0)
                        return r;
                cur.flags |= ENTRY_HAS_HASH;
        }
        /* Entries are const in the tree; the caller reports from copies. */
        c->changed = fim_entry_compare(&obj, &cur, VERIFY_ATTRS);
        if (!c->changed) {
                c->changed = ATTR_OBJECT;       /* only the checksums say so */
                return 0;
        }
        return copy_pair(v, &obj, &cur, c);
}

static int compare_entry(struct verifier *v, const struct fim_entry *want, const struct fim_entry *live,
                         struct fim_change *c)
{
        uint8_t csum[SHA256_LEN];
        int r;

        c->old = want;
        c->new = live;
        if (live->err) {
                c->kind = CHANGE_UNREADABLE;
                return 1;
        }
        if (want->type == S_IFDIR) {
                c->changed = fim_entry_compare(want, live, ATTR_TYPE | ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_XATTRS);
                c->kind = CHANGE_MODIFIED;
                return c->changed != 0;
        }
        v->stats.files++;
        if (live->type == S_IFLNK) {
                r = symlink_checksum(live, csum);
                if (r < 0)
                        return r;
                if (memcmp(csum, want->sha256, SHA256_LEN) == 0)
                        return 0;
        } else if (live->type == S_IFREG && (live->flags & ENTRY_HAS_HASH) &&
                   memcmp(live->sha256, want->sha256, SHA256_LEN) == 0) {
                return 0;
        }
        r = explain_mismatch(v, want, live, c);
        return r < 0 ? r : 1;
}

int image_verify_ostree(const struct sysroot *ds, const struct sysroot_deployment *d,
                        const struct verify_opts *opts, fim_change_fn fn, void *userdata,
                        struct verify_stats *ret_stats, char **ret_error)
{
        static char *const usr[] = { "/usr" };
        _cleanup_(fim_tree_freep) struct fim_tree *want = NULL, *live = NULL;
        _cleanup_(closep) int repo_fd = -1, deploy_fd = -1;
        _cleanup_(freep) char *commit = NULL;
        g_autoptr(GFile) repo_file = NULL;
        g_autoptr(OstreeRepo) repo = NULL;
        g_autoptr(GError) err = NULL;
        char *const *prefixes = opts->prefixes ? opts->prefixes : usr;
        size_t n_prefixes = opts->prefixes ? opts->n_prefixes : 1, i = 0, j = 0;
        struct walk_opts wo = {
                .threads = opts->threads,
                .attrs = VERIFY_ATTRS,
                .content_prefix = content_prefix,
                .progress = opts->progress,
                .cancel = opts->cancel,
        };
        struct verifier v = { .ds = ds, .d = d, .cancel = opts->cancel, .error = ret_error };
        _cleanup_(fim_fold_release) struct fim_fold fold = { 0 };
        int r;

        if (ret_error)
                *ret_error = NULL;
        if (!d->commit_present) {
                if (ret_error && asprintf(ret_error, "commit %s of deployment %s.%d is not in the repository '%s'",
                                          d->checksum, d->checksum, d->serial, ds->repo) < 0)
                        *ret_error = NULL;
                return -ENOENT;
        }
        r = ostree_tree_layout(ds->repo, d->checksum, prefixes, n_prefixes, &want, &commit, ret_error);
        if (r < 0)
                return r;
        r = fim_walk(d->path, prefixes, n_prefixes, &wo, &live, NULL);
        if (r < 0)
                return r;

        repo_file = g_file_new_for_path(ds->repo);
        repo = ostree_repo_new(repo_file);
        if (!ostree_repo_open(repo, NULL, &err)) {
                if (ret_error)
                        *ret_error = strdup(err->message);
                return -EIO;
        }
        repo_fd = open(ds->repo, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        deploy_fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (repo_fd < 0 || deploy_fd < 0)
                return negative_errno();
        v.repo = repo;
        v.repo_fd = repo_fd;
        v.deploy_fd = deploy_fd;
        arena_init(&v.arena);

        while (r >= 0 && (i < want->n || j < live->n)) {
                const struct fim_entry *a = i < want->n ? &want->entries[i] : NULL;
                const struct fim_entry *b = j < live->n ? &live->entries[j] : NULL;
                struct fim_change c = { 0 };
                int cmp = !a ? 1 : !b ? -1 : path_compare(a->path, a->path_len, b->path, b->path_len);

                /* Listed as ostree diff lists: a removed or retyped directory once. */
                if (fim_fold_hides(&fold, cmp <= 0 ? a : b)) {
                        i += cmp <= 0;
                        j += cmp >= 0;
                        continue;
                }
                if (cmp < 0) {
                        c = (struct fim_change) { .kind = CHANGE_REMOVED, .old = a };
                        i++;
                        r = describe_removed(&v, a, &c);
                        if (r >= 0)
                                r = 1;
                } else if (cmp > 0) {
                        c = (struct fim_change) { .kind = b->err ? CHANGE_UNREADABLE : CHANGE_ADDED, .new = b };
                        j++;
                        r = 1;
                } else {
                        r = compare_entry(&v, a, b, &c);
                        i++, j++;
                }
                if (r > 0)
                        r = fim_fold_change(&fold, &c, want, live) ?: fn(&c, userdata);
        }
        v.stats.entries = live->n;
        arena_release(&v.arena);
        if (r < 0)
                return r;
        if (ret_stats)
                *ret_stats = v.stats;
        return 0;
}
