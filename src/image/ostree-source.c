/* ostree commits as fim_trees; see ostree-source.h.
 *
 * The directory structure is read on the calling thread (dirtree objects are
 * small). Content objects are then hashed by worker threads, each with its own
 * OstreeRepo handle, and each distinct object only once: a commit holds many
 * files with identical content. */
#define _GNU_SOURCE
#include "ostree-impl.h"

#include <errno.h>
#include <ostree.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/macros.h"
#include "basic/workers.h"

#define OSTREE_MAX_DEPTH 256

struct file_ref {
        size_t entry;                   /* index into the tree */
        char csum[OSTREE_SHA256_STRING_LEN + 1];
};

struct reader {
        OstreeRepo *repo;
        bool layout_only;               /* record object checksums, read no content */
        struct fim_tree *tree;
        char *const *prefixes;
        size_t n_prefixes;
        struct file_ref *files;
        size_t n_files, cap_files;
        GError *error;
};

static bool wanted(const struct reader *rd, const char *path, size_t len, bool is_dir)
{
        size_t i;

        if (rd->n_prefixes == 0)
                return true;
        for (i = 0; i < rd->n_prefixes; i++) {
                /* Inside a prefix, or a directory on the way to one. */
                if (path_has_prefix(path, len, rd->prefixes[i]))
                        return true;
                if (is_dir && path_has_prefix(rd->prefixes[i], strlen(rd->prefixes[i]), path))
                        return true;
        }
        return false;
}

static bool selected(const struct reader *rd, const char *path, size_t len)
{
        size_t i;

        for (i = 0; i < rd->n_prefixes; i++)
                if (path_has_prefix(path, len, rd->prefixes[i]))
                        return true;
        return rd->n_prefixes == 0;
}

int ostree_xattrs_pack(struct arena *a, GVariant *xattrs, const uint8_t **ret, uint32_t *ret_len)
{
        _cleanup_(freep) struct xattr_pair *pairs = NULL;
        size_t n, i;

        n = xattrs ? g_variant_n_children(xattrs) : 0;
        if (n == 0)
                return xattr_pack(a, NULL, 0, ret, ret_len);
        if (n > XATTR_MAX_COUNT)
                return -E2BIG;
        pairs = calloc(n, sizeof(*pairs));
        if (!pairs)
                return -ENOMEM;
        for (i = 0; i < n; i++) {
                g_autoptr(GVariant) name = NULL, value = NULL;
                const char *nm;
                const void *val;
                gsize nlen, vlen;

                g_variant_get_child(xattrs, i, "(@ay@ay)", &name, &value);
                nm = g_variant_get_fixed_array(name, &nlen, 1);
                val = g_variant_get_fixed_array(value, &vlen, 1);
                while (nlen && nm[nlen - 1] == '\0')
                        nlen--;         /* names are stored with their NUL */
                if (nlen > XATTR_MAX_BYTES || vlen > XATTR_MAX_BYTES)
                        return -E2BIG;
                pairs[i] = (struct xattr_pair) {
                        .name = arena_strndup(a, nm, nlen), .name_len = nlen,
                        .value = arena_memdup(a, val, vlen), .value_len = vlen,
                };
                if (!pairs[i].name || !pairs[i].value)
                        return -ENOMEM;
        }
        return xattr_pack(a, pairs, n, ret, ret_len);
}

static struct fim_entry *add_entry(struct reader *rd, const char *path, size_t len)
{
        struct fim_entry *e = fim_tree_add(rd->tree);

        if (!e)
                return NULL;
        e->path = arena_strndup(&rd->tree->arena, path, len);
        e->path_len = (uint32_t) len;
        return e->path ? e : NULL;
}

/* The path of child 'name' of the directory path[0, len) into a heap string:
 * -EBADMSG for a name no tree may hold, or a path past FIM_PATH_MAX. */
static int child_path(const char *path, size_t len, const char *name, char **ret, size_t *ret_len)
{
        size_t base = len == 1 ? 0 : len, nlen = strlen(name);
        char *c;

        if (strchr(name, '/') || !strcmp(name, "..") || !strcmp(name, ".") || base + 1 + nlen > FIM_PATH_MAX)
                return -EBADMSG;
        c = malloc(base + 1 + nlen + 1);
        if (!c)
                return -ENOMEM;
        memcpy(c, path, base);
        c[base] = '/';
        memcpy(c + base + 1, name, nlen + 1);
        *ret = c;
        *ret_len = base + 1 + nlen;
        return 0;
}

static int read_dir(struct reader *rd, const char *path, size_t len, const char *tree_csum,
                    const char *meta_csum, unsigned depth)
{
        g_autoptr(GVariant) tree = NULL, meta = NULL, files = NULL, dirs = NULL, xattrs = NULL;
        guint32 uid, gid, mode;
        size_t i, n;
        int r;

        if (depth > OSTREE_MAX_DEPTH)
                return -ELOOP;
        if (!ostree_repo_load_variant(rd->repo, OSTREE_OBJECT_TYPE_DIR_META, meta_csum, &meta, &rd->error) ||
            !ostree_repo_load_variant(rd->repo, OSTREE_OBJECT_TYPE_DIR_TREE, tree_csum, &tree, &rd->error))
                return -EIO;

        if (selected(rd, path, len)) {
                struct fim_entry *e = add_entry(rd, path, len);

                if (!e)
                        return -ENOMEM;
                g_variant_get(meta, "(uuu@a(ayay))", &uid, &gid, &mode, &xattrs);
                e->type = S_IFDIR;
                e->uid = GUINT32_FROM_BE(uid);
                e->gid = GUINT32_FROM_BE(gid);
                e->mode = GUINT32_FROM_BE(mode) & 07777;
                r = ostree_xattrs_pack(&rd->tree->arena, xattrs, &e->xattrs, &e->xattrs_len);
                if (r < 0)
                        return r;
        }

        files = g_variant_get_child_value(tree, 0);
        n = g_variant_n_children(files);
        for (i = 0; i < n; i++) {
                g_autoptr(GVariant) csum_v = NULL;
                _cleanup_(freep) char *child = NULL;
                const char *name;
                size_t clen;
                struct fim_entry *e;

                g_variant_get_child(files, i, "(&s@ay)", &name, &csum_v);
                r = child_path(path, len, name, &child, &clen);
                if (r < 0)
                        return r;
                if (!selected(rd, child, clen))
                        continue;
                if (!ostree_validate_structureof_csum_v(csum_v, &rd->error))
                        return -EBADMSG;
                e = add_entry(rd, child, clen);
                if (!e)
                        return -ENOMEM;
                if (rd->layout_only) {
                        memcpy(e->sha256, g_variant_get_data(csum_v), SHA256_LEN);
                        e->flags |= ENTRY_HAS_HASH;
                        continue;
                }
                if (rd->n_files == rd->cap_files) {
                        size_t cap = rd->cap_files ? rd->cap_files * 2 : 1024;
                        struct file_ref *f = realloc(rd->files, cap * sizeof(*f));

                        if (!f)
                                return -ENOMEM;
                        rd->files = f;
                        rd->cap_files = cap;
                }
                rd->files[rd->n_files].entry = rd->tree->n - 1;
                ostree_checksum_inplace_from_bytes(g_variant_get_data(csum_v), rd->files[rd->n_files].csum);
                rd->n_files++;
        }

        dirs = g_variant_get_child_value(tree, 1);
        n = g_variant_n_children(dirs);
        for (i = 0; i < n; i++) {
                g_autoptr(GVariant) t_v = NULL, m_v = NULL;
                _cleanup_(freep) char *child = NULL;
                char t[OSTREE_SHA256_STRING_LEN + 1], m[OSTREE_SHA256_STRING_LEN + 1];
                const char *name;
                size_t clen;

                g_variant_get_child(dirs, i, "(&s@ay@ay)", &name, &t_v, &m_v);
                r = child_path(path, len, name, &child, &clen);
                if (r < 0)
                        return r;
                if (!wanted(rd, child, clen, true))
                        continue;
                if (!ostree_validate_structureof_csum_v(t_v, &rd->error) ||
                    !ostree_validate_structureof_csum_v(m_v, &rd->error))
                        return -EBADMSG;
                ostree_checksum_inplace_from_bytes(g_variant_get_data(t_v), t);
                ostree_checksum_inplace_from_bytes(g_variant_get_data(m_v), m);
                r = read_dir(rd, child, clen, t, m, depth + 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The hashing pass. */
struct hash_job {
        const char *repo_path;
        struct fim_tree *tree;
        struct file_ref *files;         /* sorted by checksum */
        size_t *starts;                 /* index of each distinct checksum's first file */
        size_t n_starts, n_files;
        atomic_size_t next;
        atomic_int error;
        atomic_ullong hashed, bytes;
        pthread_mutex_t lock;           /* guards the tree arena and the first GError */
        GError *gerror;
};

static int hash_object(struct hash_job *job, OstreeRepo *repo, struct hasher *h, size_t k)
{
        size_t first = job->starts[k], last = k + 1 < job->n_starts ? job->starts[k + 1] : job->n_files, i;
        g_autoptr(GInputStream) in = NULL;
        g_autoptr(GFileInfo) info = NULL;
        g_autoptr(GVariant) xattrs = NULL;
        GError *err = NULL;
        struct fim_entry proto = { 0 };
        char chunk[65536];
        int r = 0;

        if (!ostree_repo_load_file(repo, job->files[first].csum, &in, &info, &xattrs, NULL, &err)) {
                pthread_mutex_lock(&job->lock);
                if (!job->gerror)
                        job->gerror = err;
                else
                        g_error_free(err);
                pthread_mutex_unlock(&job->lock);
                return -EIO;
        }
        proto.uid = g_file_info_get_attribute_uint32(info, "unix::uid");
        proto.gid = g_file_info_get_attribute_uint32(info, "unix::gid");
        proto.mode = g_file_info_get_attribute_uint32(info, "unix::mode") & 07777;
        if (g_file_info_get_file_type(info) == G_FILE_TYPE_SYMBOLIC_LINK) {
                const char *target = g_file_info_get_symlink_target(info);

                proto.type = S_IFLNK;
                proto.target = target ? target : "";
                proto.target_len = (uint32_t) strlen(proto.target);
                proto.size = proto.target_len;
        } else {
                proto.type = S_IFREG;
                r = hasher_begin(h);
                while (r >= 0 && in) {
                        gssize n = g_input_stream_read(in, chunk, sizeof(chunk), NULL, &err);

                        if (n < 0) {
                                g_clear_error(&err);
                                r = -EIO;
                                break;
                        }
                        if (n == 0)
                                break;
                        r = hasher_update(h, chunk, (size_t) n);
                        proto.size += (uint64_t) n;
                }
                if (r >= 0)
                        r = hasher_end(h, proto.sha256);
                if (r < 0)
                        return r;
                proto.flags |= ENTRY_HAS_HASH;
                atomic_fetch_add(&job->hashed, 1);
                atomic_fetch_add(&job->bytes, proto.size);
        }

        pthread_mutex_lock(&job->lock);
        for (i = first; i < last && r >= 0; i++) {
                struct fim_entry *e = &job->tree->entries[job->files[i].entry];
                const char *path = e->path;
                uint32_t path_len = e->path_len;

                *e = proto;
                e->path = path;
                e->path_len = path_len;
                if (proto.target) {
                        e->target = arena_strndup(&job->tree->arena, proto.target, proto.target_len);
                        if (!e->target)
                                r = -ENOMEM;
                }
                if (r >= 0)
                        r = ostree_xattrs_pack(&job->tree->arena, xattrs, &e->xattrs, &e->xattrs_len);
        }
        pthread_mutex_unlock(&job->lock);
        return r;
}

static void *hash_thread(void *arg)
{
        struct hash_job *job = arg;
        g_autoptr(GFile) file = g_file_new_for_path(job->repo_path);
        g_autoptr(OstreeRepo) repo = ostree_repo_new(file);
        struct hasher *h = NULL;
        GError *err = NULL;
        int r;

        if (!ostree_repo_open(repo, NULL, &err)) {
                g_clear_error(&err);
                atomic_store(&job->error, -EIO);
                return NULL;
        }
        r = hasher_new(&h);
        if (r < 0) {
                atomic_store(&job->error, r);
                return NULL;
        }
        for (;;) {
                size_t k = atomic_fetch_add(&job->next, 1);

                if (k >= job->n_starts || atomic_load(&job->error))
                        break;
                r = hash_object(job, repo, h, k);
                if (r < 0) {
                        atomic_store(&job->error, r);
                        break;
                }
        }
        hasher_free(h);
        return NULL;
}

static int file_ref_cmp(const void *a, const void *b)
{
        return strcmp(((const struct file_ref *) a)->csum, ((const struct file_ref *) b)->csum);
}

static int hash_files(const char *repo_path, struct reader *rd, unsigned threads, struct walk_stats *stats,
                      char **ret_error)
{
        struct hash_job job = { .repo_path = repo_path, .tree = rd->tree, .files = rd->files,
                                .n_files = rd->n_files };
        size_t k;

        if (rd->n_files == 0)
                return 0;
        qsort(rd->files, rd->n_files, sizeof(*rd->files), file_ref_cmp);
        job.starts = malloc(rd->n_files * sizeof(*job.starts));
        if (!job.starts)
                return -ENOMEM;
        for (k = 0; k < rd->n_files; k++)
                if (k == 0 || strcmp(rd->files[k].csum, rd->files[k - 1].csum) != 0)
                        job.starts[job.n_starts++] = k;
        pthread_mutex_init(&job.lock, NULL);
        /* Every worker pulls from the same job; one that cannot start costs speed only. */
        (void) workers_run(workers_count(threads), hash_thread, &job, 0);
        pthread_mutex_destroy(&job.lock);
        free(job.starts);
        stats->hashed = atomic_load(&job.hashed);
        stats->bytes_hashed = atomic_load(&job.bytes);
        if (job.gerror) {
                if (ret_error)
                        *ret_error = strdup(job.gerror->message);
                g_error_free(job.gerror);
        }
        return atomic_load(&job.error);
}

static int read_commit(const char *repo_path, const char *ref, struct reader *rd, unsigned threads,
                       struct walk_stats *stats, char **ret_commit, char **ret_error)
{
        g_autoptr(GFile) file = g_file_new_for_path(repo_path);
        g_autoptr(OstreeRepo) repo = ostree_repo_new(file);
        g_autoptr(GVariant) commit = NULL, tree_v = NULL, meta_v = NULL;
        g_autofree char *checksum = NULL;
        char t[OSTREE_SHA256_STRING_LEN + 1], m[OSTREE_SHA256_STRING_LEN + 1];
        int r;

        rd->repo = repo;
        if (!ostree_repo_open(repo, NULL, &rd->error) ||
            !ostree_repo_resolve_rev(repo, ref, FALSE, &checksum, &rd->error) ||
            !ostree_repo_load_variant(repo, OSTREE_OBJECT_TYPE_COMMIT, checksum, &commit, &rd->error)) {
                r = -EIO;
                goto out;
        }
        tree_v = g_variant_get_child_value(commit, 6);
        meta_v = g_variant_get_child_value(commit, 7);
        if (!ostree_validate_structureof_csum_v(tree_v, &rd->error) ||
            !ostree_validate_structureof_csum_v(meta_v, &rd->error)) {
                r = -EBADMSG;
                goto out;
        }
        ostree_checksum_inplace_from_bytes(g_variant_get_data(tree_v), t);
        ostree_checksum_inplace_from_bytes(g_variant_get_data(meta_v), m);
        r = read_dir(rd, "/", 1, t, m, 0);
        if (r >= 0 && !rd->layout_only)
                r = hash_files(repo_path, rd, threads, stats, ret_error);
        if (r >= 0) {
                *ret_commit = strdup(checksum);
                if (!*ret_commit)
                        r = -ENOMEM;
        }
out:
        if (rd->error) {
                if (ret_error && !*ret_error)
                        *ret_error = strdup(rd->error->message);
                g_clear_error(&rd->error);
        }
        free(rd->files);
        rd->files = NULL;
        rd->repo = NULL;
        return r;
}

/* The commit's tree below prefixes, sorted; with layout_only no content
 * object is read (see ostree_tree_layout()). */
static int commit_tree(const char *repo_path, const char *ref, char *const *prefixes, size_t n_prefixes,
                       bool layout_only, unsigned threads, struct fim_tree **ret, char **ret_commit,
                       struct walk_stats *ret_stats, char **ret_error)
{
        _cleanup_(fim_tree_freep) struct fim_tree *tree = NULL;
        struct reader rd = { .prefixes = prefixes, .n_prefixes = n_prefixes, .layout_only = layout_only };
        struct walk_stats stats = { 0 };
        int r;

        if (ret_error)
                *ret_error = NULL;
        r = fim_tree_new(&tree);
        if (r < 0)
                return r;
        rd.tree = tree;
        r = read_commit(repo_path, ref, &rd, threads, &stats, ret_commit, ret_error);
        if (r < 0)
                return r;
        fim_tree_sort(tree);
        /* What a commit records: no timestamps, device nodes or hardlinks; a
         * layout knows files only by their object checksums. */
        tree->attrs = layout_only ? ATTR_TYPE | ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_XATTRS
                                  : ATTR_TYPE | ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_SIZE | ATTR_CONTENT |
                                            ATTR_TARGET | ATTR_XATTRS;
        stats.entries = tree->n;
        if (ret_stats)
                *ret_stats = stats;
        *ret = TAKE_PTR(tree);
        return 0;
}

int ostree_tree_read(const char *repo_path, const char *ref, char *const *prefixes, size_t n_prefixes,
                     unsigned threads, struct fim_tree **ret, char **ret_commit,
                     struct walk_stats *ret_stats, char **ret_error)
{
        return commit_tree(repo_path, ref, prefixes, n_prefixes, false, threads, ret, ret_commit, ret_stats,
                           ret_error);
}

int ostree_tree_layout(const char *repo_path, const char *ref, char *const *prefixes, size_t n_prefixes,
                       struct fim_tree **ret, char **ret_commit, char **ret_error)
{
        return commit_tree(repo_path, ref, prefixes, n_prefixes, true, 0, ret, ret_commit, NULL, ret_error);
}
