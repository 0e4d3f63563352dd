/* Container images as fim_trees; see oci-image.h.
 *
 * A layer is read as a pipeline of three streams: the blob (a file of the
 * layout directory or a member of the archive; its SHA-256 and size checked
 * against the descriptor), the blob decompressed by libarchive's raw format
 * (gzip, zstd or nothing; its SHA-256 is the DiffID) and the tar read from
 * that. Members are staged in the flattener while the stream is read; the
 * layer is committed only once both digests matched. Nothing is extracted:
 * names, symlink targets and hardlinks are data, never followed. */
#define _GNU_SOURCE
#include "oci-image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "basic/hex.h"
#include "basic/macros.h"
#include "container.h"
#include "layer-flatten.h"
#include "libarchive-dl.h"
#include "tar-split.h"
#include "oci-internal.h"

#define CHUNK 65536
#define TARGET_MAX (PATH_MAX - 1)

enum source_kind { SOURCE_OCI, SOURCE_OCI_ARCHIVE, SOURCE_DOCKER_ARCHIVE, SOURCE_STORAGE };

struct image_source {
        enum source_kind kind;
        const char *spec;               /* as given, for messages */
        char *path;                     /* the directory or archive file */
        char *tag;                      /* NULL: the only image */
        int dirfd;                      /* SOURCE_OCI */
        const char *storage_root;       /* SOURCE_STORAGE; NULL: the default */
};

static void image_source_release(struct image_source *s)
{
        free(s->path);
        free(s->tag);
        if (s->dirfd >= 0)
                close(s->dirfd);
}

static void archive_freep(struct archive **a)
{
        if (*a)
                libarchive.archive_read_free(*a);
}


/* The reason a JSON reader gave, or strerror. */
static int fail_json(char **ret_reason, int r)
{
        return *ret_reason ? r : oci_fail(ret_reason, r, "%s", strerror(-r));
}

bool oci_image_source(const char *source)
{
        return strncmp(source, "oci:", 4) == 0 || strncmp(source, "oci-archive:", 12) == 0 ||
               strncmp(source, "docker-archive:", 15) == 0 || strncmp(source, "containers-storage:", 19) == 0;
}

/* PATH[:TAG]: the whole when it exists, else split at the last ':'. */
static int parse_source(const char *spec, struct image_source *ret, char **ret_reason)
{
        const char *rest = strchr(spec, ':') + 1, *colon;
        struct image_source s = { .spec = spec, .dirfd = -1 };
        struct stat st;

        s.kind = strncmp(spec, "oci:", 4) == 0                  ? SOURCE_OCI
                 : strncmp(spec, "oci-archive:", 12) == 0        ? SOURCE_OCI_ARCHIVE
                 : strncmp(spec, "containers-storage:", 19) == 0 ? SOURCE_STORAGE
                                                                 : SOURCE_DOCKER_ARCHIVE;
        if (s.kind == SOURCE_STORAGE) {
                /* An image name or id: the whole rest (names hold colons). */
                if (!*rest)
                        return oci_fail(ret_reason, -EINVAL, "no image in '%s'", spec);
                s.path = strdup(rest);
                if (!s.path)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }
        colon = strrchr(rest, ':');
        if (colon && stat(rest, &st) < 0) {
                s.path = strndup(rest, (size_t) (colon - rest));
                s.tag = strdup(colon + 1);
                if (s.tag && !*s.tag)
                        return free(s.path), free(s.tag), oci_fail(ret_reason, -EINVAL, "empty tag in '%s'", spec);
        } else {
                s.path = strdup(rest);
        }
        if (!s.path || (colon && !s.tag && stat(rest, &st) < 0)) {
                image_source_release(&s);
                return -ENOMEM;
        }
        if (!*s.path) {
                image_source_release(&s);
                return oci_fail(ret_reason, -EINVAL, "no path in '%s'", spec);
        }
        if (s.kind == SOURCE_OCI) {
                s.dirfd = open(s.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (s.dirfd < 0) {
                        int r = -errno;

                        oci_fail(ret_reason, r, "cannot open image layout '%s': %s", s.path, strerror(errno));
                        image_source_release(&s);
                        return r;
                }
        }
        *ret = s;
        return 0;
}

/* A member name of an archive in the form manifests use: no "./" prefix. */
static const char *member_name(struct archive_entry *e)
{
        const char *n = libarchive.archive_entry_pathname(e);

        while (n && n[0] == '.' && n[1] == '/')
                n += 2;
        return n;
}

/* libarchive opens the file itself (O_CLOEXEC) and closes it when a is freed. */
static int archive_open_file(const char *path, struct archive **ret, char **ret_reason)
{
        _cleanup_(archive_freep) struct archive *a = NULL;
        struct stat st;
        int r = libarchive_load();

        if (r < 0)
                return oci_fail(ret_reason, r, "cannot read image archive '%s': libarchive: %s", path, strerror(-r));
        a = libarchive.archive_read_new();
        if (!a)
                return -ENOMEM;
        if (stat(path, &st) < 0)
                return oci_fail(ret_reason, -errno, "cannot open image archive '%s': %s", path, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return oci_fail(ret_reason, -EINVAL, "cannot open image archive '%s': not a regular file", path);
        libarchive.archive_read_support_format_tar(a);
        libarchive.archive_read_support_filter_gzip(a);
        libarchive.archive_read_support_filter_zstd(a);
        if (libarchive.archive_read_open_filename(a, path, CHUNK) != ARCHIVE_OK)
                return oci_fail(ret_reason, -EBADMSG, "cannot read image archive '%s': %s", path, libarchive.archive_error_string(a));
        *ret = TAKE_PTR(a);
        return 0;
}

/* Positions a fresh reader of the archive on member 'name': -ENOENT when absent. */
static int archive_find(const struct image_source *src, const char *name, struct archive **ret,
                        struct archive_entry **ret_entry, char **ret_reason)
{
        _cleanup_(archive_freep) struct archive *a = NULL;
        struct archive_entry *e;
        int r, st;

        r = archive_open_file(src->path, &a, ret_reason);
        if (r < 0)
                return r;
        while ((st = libarchive.archive_read_next_header(a, &e)) == ARCHIVE_OK || st == ARCHIVE_WARN) {
                const char *n = member_name(e);

                if (n && strcmp(n, name) == 0 && libarchive.archive_entry_filetype(e) == AE_IFREG) {
                        *ret = TAKE_PTR(a);
                        *ret_entry = e;
                        return 0;
                }
        }
        if (st != ARCHIVE_EOF)
                return oci_fail(ret_reason, -EBADMSG, "cannot read image archive '%s': %s", src->path,
                            libarchive.archive_error_string(a));
        return oci_fail(ret_reason, -ENOENT, "image archive '%s' has no file '%s'", src->path, name);
}

/* The bytes of one blob or file, as they are read. */
struct blob_stream {
        int fd;
        struct archive *a;              /* positioned on the member; or NULL */
        struct tarsplit *ts;            /* a containers-storage layer; or NULL */
        char *reason;                   /* why ts failed */
        struct hasher *h;               /* of the bytes read, or NULL */
        uint64_t bytes, limit;          /* read so far; more than limit is an error */
        bool over;
        char buf[CHUNK];
};

static ssize_t blob_read(struct blob_stream *b, const void **ret)
{
        ssize_t n;

        if (b->ts) {
                n = tarsplit_read(b->ts, ret, b->reason ? NULL : &b->reason);
                if (n <= 0)
                        return n;
                if (b->bytes + (uint64_t) n > b->limit) {
                        b->over = true;
                        return -EFBIG;
                }
                b->bytes += (uint64_t) n;
                return b->h && hasher_update(b->h, *ret, (size_t) n) < 0 ? -ENOMEM : n;
        }
        if (b->a)
                n = libarchive.archive_read_data(b->a, b->buf, sizeof(b->buf));
        else
                n = read_retry(b->fd, b->buf, sizeof(b->buf));
        if (n <= 0)
                return n < 0 ? (b->a ? -EIO : n) : 0;
        if (b->bytes + (uint64_t) n > b->limit) {
                b->over = true;
                return -EFBIG;
        }
        b->bytes += (uint64_t) n;
        if (b->h && hasher_update(b->h, b->buf, (size_t) n) < 0)
                return -ENOMEM;
        *ret = b->buf;
        return n;
}

struct open_blob {
        struct blob_stream s;
        struct archive *owner;
        int fd;
};

static void open_blob_release(struct open_blob *o)
{
        archive_freep(&o->owner);
        closep(&o->fd);
        tarsplit_free(o->s.ts);
        free(o->s.reason);
}

static int storage_layer_open(const struct image_source *src, const char *layer, struct open_blob *o,
                              uint64_t *ret_size, char **ret_reason);

/* Opens file 'name' of the source (a blob path or a docker-archive member);
 * *ret_size is its size. */
static int blob_open(const struct image_source *src, const char *name, struct open_blob *o, uint64_t *ret_size,
                     char **ret_reason)
{
        struct archive_entry *e = NULL;
        struct stat st;
        int r;

        o->fd = -1;
        o->owner = NULL;
        o->s = (struct blob_stream) { .fd = -1, .limit = UINT64_MAX };
        if (src->kind == SOURCE_STORAGE)
                return storage_layer_open(src, name, o, ret_size, ret_reason);
        if (src->kind == SOURCE_OCI) {
                o->fd = open_regular_beneath(src->dirfd, name, &st);
                if (o->fd < 0)
                        return oci_fail(ret_reason, o->fd, "cannot open '%s' in image layout '%s': %s", name, src->path,
                                    strerror(-o->fd));
                o->s.fd = o->fd;
                *ret_size = (uint64_t) st.st_size;
                return 0;
        }
        r = archive_find(src, name, &o->owner, &e, ret_reason);
        if (r < 0)
                return r;
        o->s.a = o->owner;
        *ret_size = libarchive.archive_entry_size_is_set(e) ? (uint64_t) libarchive.archive_entry_size(e) : UINT64_MAX;
        return 0;
}

static void digest_hex(const uint8_t d[SHA256_LEN], char out[2 * SHA256_LEN + 1])
{
        for (size_t i = 0; i < SHA256_LEN; i++)
                sprintf(out + 2 * i, "%02x", d[i]);
}

static void blob_name(const uint8_t d[SHA256_LEN], char out[sizeof("blobs/sha256/") + 2 * SHA256_LEN])
{
        memcpy(out, "blobs/sha256/", 13);
        digest_hex(d, out + 13);
}

/* A small file (a JSON document) whole, checked against a descriptor when one is given. */
static int read_small(const struct image_source *src, const char *name, const struct oci_descriptor *desc,
                      const char *what, char **ret, size_t *ret_len, char **ret_reason)
{
        _cleanup_(open_blob_release) struct open_blob o = { .fd = -1 };
        _cleanup_(freep) char *buf = NULL;
        uint8_t digest[SHA256_LEN];
        uint64_t size;
        size_t len = 0;
        int r;

        r = blob_open(src, name, &o, &size, ret_reason);
        if (r < 0)
                return r;
        if (size != UINT64_MAX && size > OCI_JSON_MAX)
                return oci_fail(ret_reason, -E2BIG, "%s '%s' is larger than %zu bytes", what, name,
                            OCI_JSON_MAX);
        if (desc && desc->size != UINT64_MAX && size != desc->size)
                return oci_fail(ret_reason, -EBADE, "%s '%s' has %llu bytes, its descriptor says %llu", what,
                            name, (unsigned long long) size, (unsigned long long) desc->size);
        buf = malloc(OCI_JSON_MAX + 1);
        if (!buf)
                return -ENOMEM;
        o.s.limit = OCI_JSON_MAX;
        for (;;) {
                const void *p;
                ssize_t n = blob_read(&o.s, &p);

                if (n < 0)
                        return oci_fail(ret_reason, (int) n, "cannot read %s '%s': %s", what, name,
                                    n == -EFBIG ? "too large" : strerror((int) -n));
                if (n == 0)
                        break;
                memcpy(buf + len, p, (size_t) n);
                len += (size_t) n;
        }
        buf[len] = '\0';
        if (desc) {
                r = sha256_buf(buf, len, digest);
                if (r < 0)
                        return r;
                if ((desc->size != UINT64_MAX && len != desc->size) || memcmp(digest, desc->digest, SHA256_LEN) != 0)
                        return oci_fail(ret_reason, -EBADE, "%s '%s' does not match its digest", what, name);
        }
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

/* One layer being read. */
struct layer_read {
        const struct image_source *src;
        const char *name;               /* the blob or member, for messages */
        struct blob_stream *blob;
        struct archive *raw;            /* decompressed blob */
        struct hasher *diff;            /* DiffID */
        uint64_t bytes;                 /* uncompressed */
        const volatile sig_atomic_t *cancel;
        char buf[CHUNK];
        int error;                      /* first error of a callback */
};

static ssize_t raw_read_cb(struct archive *a, void *data, const void **ret)
{
        struct layer_read *lr = data;
        ssize_t n = blob_read(lr->blob, ret);

        (void) a;
        if (n < 0) {
                lr->error = lr->error ?: (int) n;
                libarchive.archive_set_error(a, EIO, "read error");
                return -1;
        }
        return n;
}

static ssize_t tar_read_cb(struct archive *a, void *data, const void **ret)
{
        struct layer_read *lr = data;
        la_ssize_t n;

        if (lr->cancel && *lr->cancel) {
                lr->error = -ECANCELED;
                libarchive.archive_set_error(a, ECANCELED, "interrupted");
                return -1;
        }
        n = libarchive.archive_read_data(lr->raw, lr->buf, sizeof(lr->buf));
        if (n < 0) {
                lr->error = lr->error ?: -EBADMSG;
                libarchive.archive_set_error(a, EIO, "%s", libarchive.archive_error_string(lr->raw) ?: "cannot decompress");
                return -1;
        }
        if (lr->bytes + (uint64_t) n > OCI_LAYER_BYTES_MAX) {
                lr->error = -E2BIG;
                libarchive.archive_set_error(a, E2BIG, "layer larger than the limit");
                return -1;
        }
        lr->bytes += (uint64_t) n;
        if (n > 0 && hasher_update(lr->diff, lr->buf, (size_t) n) < 0) {
                lr->error = -ENOMEM;
                return -1;
        }
        *ret = lr->buf;
        return n;
}

/* The xattrs libarchive collected (PAX SCHILY.xattr.*, LIBARCHIVE.xattr.*). */
static int entry_xattrs(struct archive_entry *ae, struct arena *a, struct fim_entry *e)
{
        _cleanup_(freep) struct xattr_pair *pairs = NULL;
        size_t n = (size_t) libarchive.archive_entry_xattr_reset(ae), i = 0;
        const char *name;
        const void *value;
        size_t size;

        if (n == 0)
                return 0;
        if (n > XATTR_MAX_COUNT)
                return -E2BIG;
        pairs = calloc(n, sizeof(*pairs));
        if (!pairs)
                return -ENOMEM;
        while (i < n && libarchive.archive_entry_xattr_next(ae, &name, &value, &size) == ARCHIVE_OK) {
                if (size > XATTR_MAX_BYTES)
                        return -E2BIG;
                pairs[i++] = (struct xattr_pair) { .name = name, .name_len = strlen(name), .value = value,
                                                   .value_len = size };
        }
        return xattr_pack(a, pairs, i, &e->xattrs, &e->xattrs_len);
}

static uint32_t entry_type(struct archive_entry *ae)
{
        switch (libarchive.archive_entry_filetype(ae)) {
        case AE_IFREG: return S_IFREG;
        case AE_IFDIR: return S_IFDIR;
        case AE_IFLNK: return S_IFLNK;
        case AE_IFCHR: return S_IFCHR;
        case AE_IFBLK: return S_IFBLK;
        case AE_IFIFO: return S_IFIFO;
        case AE_IFSOCK: return S_IFSOCK;
        default: return 0;
        }
}

struct member_ctx {
        struct layer_read *lr;
        struct layer_flatten *flat;
        struct hasher *content;
        struct arena scratch;
        struct oci_image_info *info;
};

static int member_fail(struct member_ctx *m, const char *path, const char *what, char **ret_reason)
{
        return oci_fail(ret_reason, -EBADMSG, "layer '%s': member '%s': %s", m->lr->name,
                    path, what);
}

/* Stages one tar member, hashing a regular file's content as it is read. */
static int read_member(struct member_ctx *m, struct archive *tar, struct archive_entry *ae, char **ret_reason)
{
        char path[FIM_PATH_MAX], link[FIM_PATH_MAX];
        const char *name = libarchive.archive_entry_pathname(ae), *hardlink = libarchive.archive_entry_hardlink(ae), *reason = NULL;
        struct fim_entry e = { 0 };
        size_t len, link_len;
        int r;

        arena_reset(&m->scratch);
        if (!name)
                return member_fail(m, "?", "name not readable", ret_reason);
        r = layer_path_normalize(name, strlen(name), path, &len);
        if (r < 0)
                return member_fail(m, name,
                                   r == -ENAMETOOLONG ? "name too long or too deep"
                                                      : "absolute name, '..' or empty name refused",
                                   ret_reason);
        e.path = path;
        e.path_len = (uint32_t) len;
        if (hardlink) {
                r = layer_path_normalize(hardlink, strlen(hardlink), link, &link_len);
                if (r < 0)
                        return member_fail(m, name, "hardlink target absolute, '..' or too long", ret_reason);
                r = layer_flatten_add(m->flat, &e, link, &reason);
                if (r < 0)
                        return r == -EBADMSG ? member_fail(m, name, reason, ret_reason) : r;
                return 0;
        }
        e.type = entry_type(ae);
        if (!e.type)
                return member_fail(m, name, "unknown member type", ret_reason);
        if (libarchive.archive_entry_uid(ae) < 0 || libarchive.archive_entry_uid(ae) > UINT32_MAX || libarchive.archive_entry_gid(ae) < 0 ||
            libarchive.archive_entry_gid(ae) > UINT32_MAX)
                return member_fail(m, name, "uid or gid out of range", ret_reason);
        e.mode = libarchive.archive_entry_perm(ae) & 07777;
        e.uid = (uint32_t) libarchive.archive_entry_uid(ae);
        e.gid = (uint32_t) libarchive.archive_entry_gid(ae);
        e.mtime_ns = (int64_t) libarchive.archive_entry_mtime(ae) * 1000000000LL + libarchive.archive_entry_mtime_nsec(ae);
        if (e.type == S_IFCHR || e.type == S_IFBLK)
                e.rdev = makedev(libarchive.archive_entry_rdevmajor(ae), libarchive.archive_entry_rdevminor(ae));
        if (e.type == S_IFLNK) {
                const char *t = libarchive.archive_entry_symlink(ae);

                if (!t || strlen(t) > TARGET_MAX)
                        return member_fail(m, name, "symlink target missing or too long", ret_reason);
                /* Recorded as data, never followed: an absolute target is only a string. */
                e.target = t;
                e.target_len = (uint32_t) strlen(t);
                e.size = e.target_len;
        }
        r = entry_xattrs(ae, &m->scratch, &e);
        if (r < 0)
                return r == -E2BIG ? member_fail(m, name, "too many or too large xattrs", ret_reason) : r;
        if (e.type == S_IFREG) {
                uint64_t declared = libarchive.archive_entry_size_is_set(ae) ? (uint64_t) libarchive.archive_entry_size(ae) : 0;
                char buf[CHUNK];
                la_ssize_t n = 0;

                if (libarchive.archive_entry_size(ae) < 0 || declared > OCI_ENTRY_SIZE_MAX)
                        return member_fail(m, name, "declared size out of range", ret_reason);
                r = hasher_begin(m->content);
                while (r >= 0 && (n = libarchive.archive_read_data(tar, buf, sizeof(buf))) > 0) {
                        r = hasher_update(m->content, buf, (size_t) n);
                        e.size += (uint64_t) n;
                }
                if (r < 0)
                        return r;
                if (n < 0)
                        return m->lr->error ? m->lr->error
                                            : member_fail(m, name, libarchive.archive_error_string(tar) ?: "truncated",
                                                          ret_reason);
                if (e.size != declared)
                        return member_fail(m, name, "content shorter than its declared size", ret_reason);
                r = hasher_end(m->content, e.sha256);
                if (r < 0)
                        return r;
                e.flags |= ENTRY_HAS_HASH;
                m->info->hashed++;
        }
        r = layer_flatten_add(m->flat, &e, NULL, &reason);
        if (r == -EBADMSG)
                return member_fail(m, name, reason, ret_reason);
        return r == -E2BIG ? member_fail(m, name, "too many entries", ret_reason) : r;
}

/* Reads one layer into the flattener's staging and checks both digests;
 * desc is NULL for docker-archive members (DiffID only). */
static int read_layer(const struct image_source *src, const char *name, const struct oci_descriptor *desc,
                      const uint8_t diff_id[SHA256_LEN], struct layer_flatten *flat, struct member_ctx *m,
                      const volatile sig_atomic_t *cancel, char **ret_reason)
{
        _cleanup_(open_blob_release) struct open_blob o = { .fd = -1 };
        _cleanup_(hasher_freep) struct hasher *blob_h = NULL;
        _cleanup_(hasher_freep) struct hasher *diff_h = NULL;
        _cleanup_(archive_freep) struct archive *raw = NULL;
        _cleanup_(archive_freep) struct archive *tar = NULL;
        _cleanup_(freep) struct layer_read *lr = NULL;
        struct archive_entry *ae;
        uint8_t got[SHA256_LEN];
        uint64_t size;
        const void *p;
        int r, st;

        r = blob_open(src, name, &o, &size, ret_reason);
        if (r < 0)
                return r;
        if (desc && size != UINT64_MAX && size != desc->size)
                return oci_fail(ret_reason, -EBADE, "layer '%s' has %llu bytes, its descriptor says %llu", name, (unsigned long long) size, (unsigned long long) desc->size);
        r = hasher_new(&blob_h);
        r = r ?: hasher_new(&diff_h);
        r = r ?: hasher_begin(blob_h);
        r = r ?: hasher_begin(diff_h);
        r = r ?: libarchive_load();
        if (r < 0)
                return oci_fail(ret_reason, r, "cannot read layer '%s': libarchive: %s", name, strerror(-r));
        lr = calloc(1, sizeof(*lr));
        raw = libarchive.archive_read_new();
        tar = libarchive.archive_read_new();
        if (!lr || !raw || !tar)
                return -ENOMEM;
        o.s.h = blob_h;
        if (desc)
                o.s.limit = desc->size;
        *lr = (struct layer_read) { .src = src, .name = name, .blob = &o.s, .raw = raw, .diff = diff_h,
                                    .cancel = cancel };
        m->lr = lr;
        libarchive.archive_read_support_format_raw(raw);
        libarchive.archive_read_support_filter_gzip(raw);
        libarchive.archive_read_support_filter_zstd(raw);
        libarchive.archive_read_support_format_tar(tar);
        if (libarchive.archive_read_open(raw, lr, NULL, raw_read_cb, NULL) != ARCHIVE_OK ||
            libarchive.archive_read_next_header(raw, &ae) != ARCHIVE_OK)
                goto broken;
        if (libarchive.archive_read_open(tar, lr, NULL, tar_read_cb, NULL) != ARCHIVE_OK)
                goto broken;
        while ((st = libarchive.archive_read_next_header(tar, &ae)) == ARCHIVE_OK || st == ARCHIVE_WARN) {
                if (cancel && *cancel)
                        return -ECANCELED;
                r = read_member(m, tar, ae, ret_reason);
                if (r < 0)
                        return r;
        }
        if (st != ARCHIVE_EOF)
                goto broken;
        /* The DiffID covers the whole stream, padding after the end-of-archive blocks included. */
        while ((r = (int) tar_read_cb(tar, lr, &p)) > 0)
                ;
        if (r < 0)
                goto broken;
        while ((r = (int) blob_read(&o.s, &p)) > 0)
                ;
        if (r < 0 && !o.s.over)
                goto broken;
        if (desc) {
                r = hasher_end(blob_h, got);
                if (r < 0)
                        return r;
                if (o.s.over || o.s.bytes != desc->size || memcmp(got, desc->digest, SHA256_LEN) != 0)
                        return oci_fail(ret_reason, -EBADE, "layer '%s' does not match its digest%s", name, o.s.over || o.s.bytes != desc->size ? " (size differs)" : "");
        }
        r = hasher_end(diff_h, got);
        if (r < 0)
                return r;
        if (memcmp(got, diff_id, SHA256_LEN) != 0) {
                char hex[2 * SHA256_LEN + 1];

                digest_hex(got, hex);
                return oci_fail(ret_reason, -EBADE,
                            "layer '%s': uncompressed content sha256:%s does not match the config's diff_id",
                            name, hex);
        }
        m->info->bytes += lr->bytes;
        return 0;

broken:
        if (lr->error == -ECANCELED)
                return -ECANCELED;
        /* A blob that is not what its descriptor says is told as such, whatever broke first. */
        while (desc && !o.s.over && (r = (int) blob_read(&o.s, &p)) > 0)
                ;
        if (desc && (o.s.over || (r == 0 && hasher_end(blob_h, got) >= 0 &&
                                  (o.s.bytes != desc->size || memcmp(got, desc->digest, SHA256_LEN) != 0))))
                return oci_fail(ret_reason, -EBADE, "layer '%s' does not match its digest%s", name,
                            o.s.over || o.s.bytes != desc->size ? " (size differs)" : "");
        if (o.s.reason)
                return oci_fail(ret_reason, lr->error == -EBADE ? -EBADE : -EBADMSG, "layer '%s': %s", name,
                                o.s.reason);
        return oci_fail(ret_reason, lr->error == -E2BIG ? -E2BIG : -EBADMSG, "cannot read layer '%s': %s",
                    name,
                    libarchive.archive_error_string(tar) ?: libarchive.archive_error_string(raw) ?: "not a tar, or truncated");
}

static int read_layers(const struct image_source *src, char *const *names, const struct oci_descriptor *descs,
                       uint8_t (*diff_ids)[SHA256_LEN], size_t n, char *const *prefixes, size_t n_prefixes,
                       const volatile sig_atomic_t *cancel, struct fim_tree **ret, struct oci_image_info *info,
                       char **ret_reason)
{
        _cleanup_(layer_flatten_freep) struct layer_flatten *flat = NULL;
        _cleanup_(hasher_freep) struct hasher *content = NULL;
        struct member_ctx m = { .info = info };
        int r;

        r = layer_flatten_new(&flat);
        r = r ?: hasher_new(&content);
        if (r < 0)
                return r;
        m.flat = flat;
        m.content = content;
        arena_init(&m.scratch);
        for (size_t i = 0; i < n && r >= 0; i++) {
                r = read_layer(src, names[i], descs ? &descs[i] : NULL, diff_ids[i], flat, &m, cancel, ret_reason);
                if (r >= 0)
                        r = layer_flatten_commit(flat);
                else
                        layer_flatten_drop(flat);       /* its entries are never trusted */
        }
        arena_release(&m.scratch);
        if (r < 0)
                return r;
        info->layers = n;
        return layer_flatten_finish(flat, prefixes, n_prefixes, ret);
}

/* The config (checked against desc when given; desc->size UINT64_MAX: any
 * size), its digest and its diff_ids, one per layer the manifest lists. */
static int read_config(const struct image_source *src, const char *name, const struct oci_descriptor *desc,
                       size_t n_layers, uint8_t (**ret_ids)[SHA256_LEN], uint8_t ret_digest[SHA256_LEN],
                       char **ret_reason)
{
        _cleanup_(freep) uint8_t(*diff_ids)[SHA256_LEN] = NULL;
        _cleanup_(freep) char *config = NULL;
        size_t len, n_ids;
        int r;

        r = read_small(src, name, desc, "config", &config, &len, ret_reason);
        if (r < 0)
                return r;
        r = oci_config_diff_ids(config, len, &diff_ids, &n_ids, ret_reason);
        if (r < 0)
                return fail_json(ret_reason, r);
        if (n_ids != n_layers)
                return oci_fail(ret_reason, -EBADMSG, "the manifest has %zu layers, the config %zu diff_ids", n_layers, n_ids);
        r = sha256_buf(config, len, ret_digest);
        if (r < 0)
                return r;
        *ret_ids = TAKE_PTR(diff_ids);
        return 0;
}

static int oci_read(const struct image_source *src, char *const *prefixes, size_t n_prefixes,
                    const volatile sig_atomic_t *cancel, struct fim_tree **ret, struct oci_image_info *info,
                    char **ret_reason)
{
        _cleanup_(oci_descriptor_release) struct oci_descriptor mdesc = { 0 };
        _cleanup_(oci_manifest_release) struct oci_manifest man = { 0 };
        _cleanup_(freep) char *index = NULL, *manifest = NULL;
        _cleanup_(freep) uint8_t(*diff_ids)[SHA256_LEN] = NULL;
        _cleanup_(freep) char **names = NULL;
        _cleanup_(freep) char *name_buf = NULL;
        char blob[sizeof("blobs/sha256/") + 2 * SHA256_LEN];
        size_t len;
        int r;

        r = read_small(src, "index.json", NULL, "index", &index, &len, ret_reason);
        if (r < 0)
                return r;
        r = oci_index_select(index, len, src->tag, &mdesc, ret_reason);
        if (r < 0)
                return fail_json(ret_reason, r);
        blob_name(mdesc.digest, blob);
        r = read_small(src, blob, &mdesc, "manifest", &manifest, &len, ret_reason);
        if (r < 0)
                return r;
        r = oci_manifest_parse(manifest, len, &man, ret_reason);
        if (r < 0)
                return fail_json(ret_reason, r);
        blob_name(man.config.digest, blob);
        r = read_config(src, blob, &man.config, man.n_layers, &diff_ids, info->config_digest, ret_reason);
        if (r < 0)
                return r;
        names = calloc(man.n_layers + 1, sizeof(*names));
        name_buf = malloc((man.n_layers + 1) * sizeof(blob));
        if (!names || !name_buf)
                return -ENOMEM;
        for (size_t i = 0; i < man.n_layers; i++) {
                names[i] = name_buf + i * sizeof(blob);
                blob_name(man.layers[i].digest, names[i]);
        }
        return read_layers(src, names, man.layers, diff_ids, man.n_layers, prefixes, n_prefixes, cancel, ret,
                           info, ret_reason);
}

/* "<64 hex>.json" or "blobs/sha256/<64 hex>": the digest a docker-archive config's name declares. */
static bool name_digest(const char *name, uint8_t out[SHA256_LEN])
{
        size_t len = strlen(name);
        const char *hex = NULL;

        if (len == 2 * SHA256_LEN + 5 && strcmp(name + 2 * SHA256_LEN, ".json") == 0)
                hex = name;
        else if (len == 13 + 2 * SHA256_LEN && strncmp(name, "blobs/sha256/", 13) == 0)
                hex = name + 13;
        return hex && hex_valid(hex, 2 * SHA256_LEN, true) && hex_decode(hex, 2 * SHA256_LEN, out) >= 0;
}

static int docker_read(const struct image_source *src, char *const *prefixes, size_t n_prefixes,
                       const volatile sig_atomic_t *cancel, struct fim_tree **ret, struct oci_image_info *info,
                       char **ret_reason)
{
        _cleanup_(docker_manifest_release) struct docker_manifest man = { 0 };
        _cleanup_(freep) uint8_t(*diff_ids)[SHA256_LEN] = NULL;
        _cleanup_(freep) char *manifest = NULL;
        struct oci_descriptor cdesc = { .size = UINT64_MAX };
        size_t len;
        int r;

        r = read_small(src, "manifest.json", NULL, "manifest", &manifest, &len, ret_reason);
        if (r < 0)
                return r;
        r = docker_manifest_parse(manifest, len, src->tag, &man, ret_reason);
        if (r < 0)
                return fail_json(ret_reason, r);
        /* A config named by its digest is checked against it. */
        r = read_config(src, man.config, name_digest(man.config, cdesc.digest) ? &cdesc : NULL, man.n_layers,
                        &diff_ids, info->config_digest, ret_reason);
        if (r < 0)
                return r;
        return read_layers(src, man.layers, NULL, diff_ids, man.n_layers, prefixes, n_prefixes, cancel, ret, info,
                           ret_reason);
}

/* containers-storage: a layer is its tar stream rebuilt from
 * overlay-layers/<id>.tar-split.gz and overlay/<id>/diff. */
static int storage_layer_open(const struct image_source *src, const char *layer, struct open_blob *o,
                              uint64_t *ret_size, char **ret_reason)
{
        _cleanup_(freep) char *diff = NULL, *ts = NULL;
        const char *root = src->storage_root ?: CTR_STORAGE_DEFAULT;
        int r;

        if (!ctr_id_valid(layer))
                return oci_fail(ret_reason, -EBADMSG, "layer id '%s' is not 64 hex digits", layer);
        if (asprintf(&diff, "%s/overlay/%s/diff", root, layer) < 0 ||
            asprintf(&ts, "%s/overlay-layers/%s.tar-split.gz", root, layer) < 0)
                return -ENOMEM;
        o->fd = open(diff, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (o->fd < 0)
                return oci_fail(ret_reason, -errno, "cannot open layer directory '%s': %s", diff, strerror(errno));
        r = tarsplit_open(ts, o->fd, &o->s.ts, ret_reason);
        if (r < 0)
                return r;
        *ret_size = UINT64_MAX;
        return 0;
}

/* containers/storage's name of a big-data item of an image: the key itself
 * when it is lowercase letters, digits and dots, else "=" and its base64. */
static int big_data_name(const char *key, char **ret)
{
        static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t n = strlen(key), i, o = 1;
        char *s;

        if (strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789.") == n) {
                *ret = strdup(key);
                return *ret ? 0 : -ENOMEM;
        }
        s = malloc(1 + (n + 2) / 3 * 4 + 1);
        if (!s)
                return -ENOMEM;
        s[0] = '=';
        for (i = 0; i < n; i += 3) {
                uint32_t v = (uint32_t) (unsigned char) key[i] << 16 |
                             (i + 1 < n ? (uint32_t) (unsigned char) key[i + 1] << 8 : 0) |
                             (i + 2 < n ? (unsigned char) key[i + 2] : 0);

                s[o++] = alphabet[v >> 18 & 63];
                s[o++] = alphabet[v >> 12 & 63];
                s[o++] = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
                s[o++] = i + 2 < n ? alphabet[v & 63] : '=';
        }
        s[o] = '\0';
        *ret = s;
        return 0;
}

/* An image of the storage by id, id prefix (12 digits or more) or name
 * ("NAME", "NAME:latest", "localhost/NAME[:latest]"). */
static const struct ctr_image *storage_find(const struct ctr_storage *s, const char *want)
{
        size_t wlen = strlen(want);

        for (size_t i = 0; i < s->n_images; i++) {
                const struct ctr_image *im = &s->images[i];

                if (strcmp(im->id, want) == 0 || (wlen >= 12 && strncmp(im->id, want, wlen) == 0))
                        return im;
                for (size_t k = 0; k < im->names.n; k++) {
                        const char *n = im->names.v[k];
                        size_t nlen = strlen(n);

                        if (strncmp(n, "localhost/", 10) == 0 && strncmp(want, "localhost/", 10) != 0) {
                                n += 10;
                                nlen -= 10;
                        }
                        if (strcmp(n, want) == 0 ||
                            (nlen == wlen + 7 && strncmp(n, want, wlen) == 0 && strcmp(n + wlen, ":latest") == 0))
                                return im;
                }
        }
        return NULL;
}

static int storage_read(struct image_source *src, char *const *prefixes, size_t n_prefixes,
                        const volatile sig_atomic_t *cancel, struct fim_tree **ret, struct oci_image_info *info,
                        char **ret_reason)
{
        _cleanup_(ctr_storage_freep) struct ctr_storage *s = NULL;
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(freep) uint8_t(*diff_ids)[SHA256_LEN] = NULL;
        _cleanup_(freep) char *key = NULL, *name = NULL, *rel = NULL;
        _cleanup_(freep) char **names = NULL;
        struct oci_descriptor cdesc = { .size = UINT64_MAX };
        struct ctr_lower *lowers = NULL;
        const struct ctr_image *im;
        size_t n = 0;
        int r;

        r = ctr_storage_load(src->storage_root, &s, &err);
        if (r < 0)
                return oci_fail(ret_reason, r, "%s", dw_error_reason(&err));
        im = storage_find(s, src->path);
        if (!im)
                return oci_fail(ret_reason, -ENOENT, "no image '%s' in container storage '%s'", src->path, s->root);
        if (!ctr_id_valid(im->id) || hex_decode(im->id, 2 * SHA256_LEN, cdesc.digest) < 0)
                return oci_fail(ret_reason, -EBADMSG, "image id '%s' is not 64 hex digits", im->id);
        if (asprintf(&key, "sha256:%s", im->id) < 0)
                return -ENOMEM;
        r = big_data_name(key, &name);
        if (r < 0)
                return r;
        r = ctr_storage_image_chain(s, im->id, &lowers, &n, &err);
        if (r < 0)
                return oci_fail(ret_reason, r, "%s", dw_error_reason(&err));
        /* The config is stored under its digest, which is the image id. */
        src->dirfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (src->dirfd < 0 || asprintf(&rel, "overlay-images/%s/%s", im->id, name) < 0) {
                r = src->dirfd < 0 ? -errno : -ENOMEM;
                goto out;
        }
        src->kind = SOURCE_OCI;         /* read_small() reads beneath the root */
        r = read_config(src, rel, &cdesc, n, &diff_ids, info->config_digest, ret_reason);
        src->kind = SOURCE_STORAGE;
        if (r < 0)
                goto out;
        names = calloc(n + 1, sizeof(*names));
        if (!names) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                const struct ctr_layer *l = ctr_storage_layer(s, lowers[n - 1 - i].layer_id);
                uint8_t d[SHA256_LEN];

                names[i] = lowers[n - 1 - i].layer_id;  /* base first */
                if (!l || !l->diff_digest || strncmp(l->diff_digest, "sha256:", 7) != 0 ||
                    strlen(l->diff_digest) != 7 + 2 * SHA256_LEN || hex_decode(l->diff_digest + 7, 2 * SHA256_LEN, d) < 0 ||
                    memcmp(d, diff_ids[i], SHA256_LEN) != 0) {
                        r = oci_fail(ret_reason, -EBADE, "layer '%s': layers.json's diff-digest is not the config's diff_id",
                                     names[i]);
                        goto out;
                }
        }
        r = read_layers(src, names, NULL, diff_ids, n, prefixes, n_prefixes, cancel, ret, info, ret_reason);
out:
        if (r < 0 && !*ret_reason)
                oci_fail(ret_reason, r, "cannot read image '%s' in '%s': %s", src->path, s->root, strerror(-r));
        ctr_lowers_free(lowers, n);
        return r;
}

/* Hashes a storage layer's rebuilt tar: its DiffID, or -errno with the reason. */
static int storage_layer_diff_id(const struct image_source *src, const char *layer, uint8_t ret[SHA256_LEN],
                                 char **ret_reason)
{
        _cleanup_(open_blob_release) struct open_blob o = { .fd = -1, .s = { .fd = -1, .limit = UINT64_MAX } };
        _cleanup_(hasher_freep) struct hasher *h = NULL;
        uint64_t size;
        const void *p;
        ssize_t n;
        int r;

        r = hasher_new(&h);
        r = r ?: hasher_begin(h);
        r = r ?: storage_layer_open(src, layer, &o, &size, ret_reason);
        if (r < 0)
                return r;
        o.s.h = h;
        while ((n = blob_read(&o.s, &p)) > 0)
                ;
        if (n < 0)
                return o.s.reason ? (r = (int) n, *ret_reason = TAKE_PTR(o.s.reason), r) : (int) n;
        return hasher_end(h, ret);
}

static bool digest_equal(const char *s, const uint8_t d[SHA256_LEN])
{
        uint8_t v[SHA256_LEN];

        return s && strncmp(s, "sha256:", 7) == 0 && strlen(s) == 7 + 2 * SHA256_LEN &&
               hex_decode(s + 7, 2 * SHA256_LEN, v) >= 0 && memcmp(v, d, SHA256_LEN) == 0;
}

int ctr_image_verify(const char *storage_root, const char *want, const char *want_digest,
                     ctr_image_problem_fn problem, void *userdata, struct ctr_image_verified *ret_info,
                     char **ret_reason)
{
        _cleanup_(image_source_release) struct image_source src = { .dirfd = -1, .kind = SOURCE_STORAGE };
        _cleanup_(ctr_storage_freep) struct ctr_storage *s = NULL;
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(freep) uint8_t(*diff_ids)[SHA256_LEN] = NULL;
        _cleanup_(freep) char *key = NULL, *name = NULL, *rel = NULL, *buf = NULL, *why = NULL;
        struct ctr_image_verified info = { 0 };
        struct ctr_lower *lowers = NULL;
        const struct ctr_image *im = NULL;
        uint8_t d[SHA256_LEN], id[SHA256_LEN];
        char hex[2 * SHA256_LEN + 1];
        size_t n = 0, len, n_ids = 0;
        int r;

        src.storage_root = storage_root;
        r = ctr_storage_load(storage_root, &s, &err);
        if (r < 0)
                return oci_fail(ret_reason, r, "%s", dw_error_reason(&err));
        /* The image with the digest bootc reports, else the one of that name
         * (whose digest then differs: reported below). */
        for (size_t i = 0; want_digest && i < s->n_images && !im; i++)
                if (s->images[i].digest && strcmp(s->images[i].digest, want_digest) == 0)
                        im = &s->images[i];
        if (!im && want)
                im = storage_find(s, want);
        if (!im)
                return oci_fail(ret_reason, -ENOENT, "no image '%s' in container storage '%s'", want ?: want_digest,
                                s->root);
        if (!ctr_id_valid(im->id) || hex_decode(im->id, 2 * SHA256_LEN, id) < 0)
                return oci_fail(ret_reason, -EBADMSG, "image id '%s' is not 64 hex digits", im->id);
        snprintf(info.id, sizeof(info.id), "%s", im->id);
        snprintf(info.digest, sizeof(info.digest), "%s", im->digest ?: "");
        src.dirfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (src.dirfd < 0)
                return oci_fail(ret_reason, -errno, "cannot open '%s': %s", s->root, strerror(errno));
        src.kind = SOURCE_OCI;          /* read_small() reads beneath the root */

        /* The manifest: the digest images.json and bootc name it by. */
        if (asprintf(&rel, "overlay-images/%s/manifest", im->id) < 0)
                return -ENOMEM;
        r = read_small(&src, rel, NULL, "manifest", &buf, &len, &why);
        if (r < 0) {
                r = problem(userdata, NULL, why);
        } else {
                r = sha256_buf(buf, len, d);
                digest_hex(d, hex);
                snprintf(info.manifest_digest, sizeof(info.manifest_digest), "sha256:%s", hex);
                if (r >= 0 && im->digest && !digest_equal(im->digest, d))
                        r = problem(userdata, NULL, "the stored manifest does not hash to the image's digest in images.json");
                if (r >= 0 && want_digest && strcmp(want_digest, info.manifest_digest) != 0)
                        r = problem(userdata, NULL, "the stored manifest's digest is not the one bootc status reports");
        }
        if (r < 0)
                goto out;
        free(why);
        why = NULL;

        /* The config: stored under its digest, the image id. */
        if (asprintf(&key, "sha256:%s", im->id) < 0 || big_data_name(key, &name) < 0) {
                r = -ENOMEM;
                goto out;
        }
        free(rel);
        if (asprintf(&rel, "overlay-images/%s/%s", im->id, name) < 0) {
                rel = NULL;
                r = -ENOMEM;
                goto out;
        }
        free(buf);
        buf = NULL;
        r = read_small(&src, rel, NULL, "config", &buf, &len, &why);
        if (r >= 0 && (r = sha256_buf(buf, len, d)) >= 0 && memcmp(d, id, SHA256_LEN) != 0)
                r = problem(userdata, NULL, "the stored config does not hash to the image id");
        else if (r >= 0 && oci_config_diff_ids(buf, len, &diff_ids, &n_ids, &why) < 0)
                r = problem(userdata, NULL, why);
        else if (r < 0)
                r = problem(userdata, NULL, why);
        if (r < 0)
                goto out;
        free(why);
        why = NULL;

        r = ctr_storage_image_chain(s, im->id, &lowers, &n, &err);
        if (r < 0) {
                r = oci_fail(ret_reason, r, "%s", dw_error_reason(&err));
                goto out;
        }
        if (diff_ids && n_ids != n)
                r = problem(userdata, NULL, "the config's diff_ids do not count the image's layers");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const char *layer = lowers[n - 1 - i].layer_id;        /* base first */
                const struct ctr_layer *l = ctr_storage_layer(s, layer);

                info.layers++;
                if (diff_ids && i < n_ids && !(l && digest_equal(l->diff_digest, diff_ids[i]))) {
                        r = problem(userdata, layer, "layers.json's diff-digest is not the config's diff_id");
                        continue;
                }
                r = storage_layer_diff_id(&src, layer, d, &why);
                if (r == -ENOMEM)
                        break;
                if (r < 0)
                        r = problem(userdata, layer, why ?: strerror(-r));
                else if (!(l && digest_equal(l->diff_digest, d))) {
                        digest_hex(d, hex);
                        free(why);
                        why = NULL;
                        r = asprintf(&why, "the layer's content (sha256:%s) is not its DiffID %s", hex,
                                     l && l->diff_digest ? l->diff_digest : "(none)") < 0
                                    ? -ENOMEM
                                    : problem(userdata, layer, why);
                }
                free(why);
                why = NULL;
        }
out:
        ctr_lowers_free(lowers, n);
        if (r >= 0 && ret_info)
                *ret_info = info;
        return r < 0 && !*ret_reason ? oci_fail(ret_reason, r, "%s", strerror(-r)) : r;
}

int oci_image_tree(const char *source, const char *storage_root, char *const *prefixes, size_t n_prefixes,
                   const volatile sig_atomic_t *cancel, struct fim_tree **ret, struct oci_image_info *ret_info,
                   char **ret_reason)
{
        _cleanup_(image_source_release) struct image_source src = { .dirfd = -1 };
        struct oci_image_info info = { 0 };
        struct fim_tree *t = NULL;
        char *reason = NULL;
        int r;

        r = oci_image_source(source) ? parse_source(source, &src, &reason)
                                     : oci_fail(&reason, -EINVAL, "unknown image source '%s'", source);
        src.storage_root = storage_root;
        if (r >= 0)
                r = src.kind == SOURCE_DOCKER_ARCHIVE ? docker_read(&src, prefixes, n_prefixes, cancel, &t, &info, &reason)
                    : src.kind == SOURCE_STORAGE      ? storage_read(&src, prefixes, n_prefixes, cancel, &t, &info, &reason)
                                                      : oci_read(&src, prefixes, n_prefixes, cancel, &t, &info, &reason);
        if (r < 0) {
                if (ret_reason)
                        *ret_reason = reason;
                else
                        free(reason);
                return r;
        }
        free(reason);
        *ret = t;
        if (ret_info)
                *ret_info = info;
        return 0;
}
