/* fs_squashfs_ops: squashfs images read in userspace through libsquashfs
 * (squashfs-tools-ng), never mounted. Reads go through one bounded pread
 * callback that refuses anything outside the image's extent, so a truncated
 * or lying image fails with -EBADMSG instead of reading past its end.
 * libsquashfs (and its compressors) is loaded on first use, like libcrypto:
 * commands that read no squashfs image do not pay for mapping it.
 *
 * Extended attributes: libsquashfs resolves an inode's xattr index to the
 * place of its key-value pairs; the pairs are walked here through its
 * metadata reader, because its own value reader allocates whatever size the
 * image states (up to 4 GiB) before reading. Here a key is at most 255 bytes
 * and a value at most 64 KiB (Linux's own limits), an entry at most
 * SQUASHFS_XATTR_PAIRS_MAX pairs, the id table no more entries than inodes. */
#include "fs-impl.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqfs/compressor.h>
#include <sqfs/data_reader.h>
#include <sqfs/dir.h>
#include <sqfs/dir_reader.h>
#include <sqfs/error.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/meta_reader.h>
#include <sqfs/super.h>
#include <sqfs/xattr.h>
#include <sqfs/xattr_reader.h>

#include "basic/dlopen-util.h"
#include "basic/macros.h"

#define LIBSQUASHFS_SONAME "libsquashfs.so.1"

/* The entry points used, typed by the headers' own declarations. */
static struct {
        typeof(sqfs_super_read) *super_read;
        typeof(sqfs_compressor_config_init) *compressor_config_init;
        typeof(sqfs_compressor_create) *compressor_create;
        typeof(sqfs_dir_reader_create) *dir_reader_create;
        typeof(sqfs_data_reader_create) *data_reader_create;
        typeof(sqfs_data_reader_load_fragment_table) *load_fragment_table;
        typeof(sqfs_dir_reader_find_by_path) *find_by_path;
        typeof(sqfs_dir_reader_get_root_inode) *get_root_inode;
        typeof(sqfs_dir_reader_open_dir) *open_dir;
        typeof(sqfs_dir_reader_read) *dir_read;
        typeof(sqfs_inode_get_file_size) *get_file_size;
        typeof(sqfs_data_reader_read) *data_read;
        typeof(sqfs_free) *free;
        typeof(sqfs_inode_get_xattr_index) *get_xattr_index;
        typeof(sqfs_xattr_reader_create) *xattr_reader_create;
        typeof(sqfs_xattr_reader_load) *xattr_reader_load;
        typeof(sqfs_xattr_reader_get_desc) *xattr_get_desc;
        typeof(sqfs_meta_reader_create) *meta_create;
        typeof(sqfs_meta_reader_seek) *meta_seek;
        typeof(sqfs_meta_reader_get_position) *meta_position;
        typeof(sqfs_meta_reader_read) *meta_read;
} sq;
static pthread_once_t sq_once = PTHREAD_ONCE_INIT;
static int sq_error;

static void sq_load(void)
{
        const struct dl_symbol symbols[] = {
                DL_SYMBOL("sqfs_super_read", sq.super_read),
                DL_SYMBOL("sqfs_compressor_config_init", sq.compressor_config_init),
                DL_SYMBOL("sqfs_compressor_create", sq.compressor_create),
                DL_SYMBOL("sqfs_dir_reader_create", sq.dir_reader_create),
                DL_SYMBOL("sqfs_data_reader_create", sq.data_reader_create),
                DL_SYMBOL("sqfs_data_reader_load_fragment_table", sq.load_fragment_table),
                DL_SYMBOL("sqfs_dir_reader_find_by_path", sq.find_by_path),
                DL_SYMBOL("sqfs_dir_reader_get_root_inode", sq.get_root_inode),
                DL_SYMBOL("sqfs_dir_reader_open_dir", sq.open_dir),
                DL_SYMBOL("sqfs_dir_reader_read", sq.dir_read),
                DL_SYMBOL("sqfs_inode_get_file_size", sq.get_file_size),
                DL_SYMBOL("sqfs_data_reader_read", sq.data_read),
                DL_SYMBOL("sqfs_free", sq.free),
                DL_SYMBOL("sqfs_inode_get_xattr_index", sq.get_xattr_index),
                DL_SYMBOL("sqfs_xattr_reader_create", sq.xattr_reader_create),
                DL_SYMBOL("sqfs_xattr_reader_load", sq.xattr_reader_load),
                DL_SYMBOL("sqfs_xattr_reader_get_desc", sq.xattr_get_desc),
                DL_SYMBOL("sqfs_meta_reader_create", sq.meta_create),
                DL_SYMBOL("sqfs_meta_reader_seek", sq.meta_seek),
                DL_SYMBOL("sqfs_meta_reader_get_position", sq.meta_position),
                DL_SYMBOL("sqfs_meta_reader_read", sq.meta_read),
        };

        sq_error = dlopen_symbols(LIBSQUASHFS_SONAME, symbols, ARRAY_SIZE(symbols));
}

#define SQUASHFS_MAX_PATH 4096
#define SQUASHFS_MAX_DEPTH 64
#define SQUASHFS_MAX_FRAGMENTS (1u << 22)      /* a 64 MiB fragment table */
#define SQUASHFS_XATTR_PAIRS_MAX 1024           /* key-value pairs of one entry */
#define SQUASHFS_XATTR_KEY_MAX 255              /* XATTR_NAME_MAX */
#define SQUASHFS_XATTR_VALUE_MAX 65536          /* XATTR_SIZE_MAX */

struct squashfs_file {
        sqfs_file_t base;               /* first: libsquashfs sees only this */
        int fd;
        uint64_t offset, size;
};

struct squashfs_state {
        struct squashfs_file file;
        sqfs_super_t super;
        sqfs_compressor_t *cmp;
        sqfs_dir_reader_t *dir;
        sqfs_data_reader_t *data;
        int xattr_state;                /* 0: not loaded yet; 1: loaded; -errno: none readable */
        sqfs_xattr_reader_t *xattr;     /* the id table */
        sqfs_meta_reader_t *kv;         /* the key-value pairs */
        uint64_t xattr_start;           /* of the key-value blocks */
};

static int sqfs_to_errno(int e)
{
        switch (e) {
        case SQFS_ERROR_ALLOC:
                return -ENOMEM;
        case SQFS_ERROR_IO:
                return -EIO;
        case SQFS_ERROR_NO_ENTRY:
                return -ENOENT;
        case SQFS_ERROR_NOT_DIR:
                return -ENOTDIR;
        case SQFS_ERROR_NOT_FILE:
                return -EINVAL;
        case SQFS_ERROR_UNSUPPORTED:
                return -EOPNOTSUPP;
        default:                        /* corrupted, out of bounds, overflow, link loop, ... */
                return -EBADMSG;
        }
}

static int file_read_at(sqfs_file_t *base, sqfs_u64 off, void *buffer, size_t size)
{
        struct squashfs_file *f = (struct squashfs_file *) base;
        size_t done = 0;

        if (off > f->size || size > f->size - off)
                return SQFS_ERROR_OUT_OF_BOUNDS;
        while (done < size) {
                ssize_t k = pread(f->fd, (char *) buffer + done, size - done, (off_t) (f->offset + off + done));

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return k == 0 ? SQFS_ERROR_OUT_OF_BOUNDS : SQFS_ERROR_IO;
                done += (size_t) k;
        }
        return 0;
}

static int file_write_at(sqfs_file_t *base, sqfs_u64 off, const void *buffer, size_t size)
{
        return SQFS_ERROR_IO;           /* read-only */
}

static sqfs_u64 file_get_size(const sqfs_file_t *base)
{
        return ((const struct squashfs_file *) base)->size;
}

static int file_truncate(sqfs_file_t *base, sqfs_u64 size)
{
        return SQFS_ERROR_IO;
}

static void file_destroy(sqfs_object_t *obj)
{
        /* embedded in struct squashfs_state: freed with it */
}

static void squashfs_close(void *p)
{
        struct squashfs_state *s = p;

        if (!s)
                return;
        if (s->kv)
                sqfs_destroy(s->kv);
        if (s->xattr)
                sqfs_destroy(s->xattr);
        if (s->data)
                sqfs_destroy(s->data);
        if (s->dir)
                sqfs_destroy(s->dir);
        if (s->cmp)
                sqfs_destroy(s->cmp);
        free(s);
}

static void squashfs_closep(struct squashfs_state **s)
{
        squashfs_close(*s);
}

static int squashfs_open(int fd, uint64_t offset, uint64_t size, void **ret_state)
{
        _cleanup_(squashfs_closep) struct squashfs_state *s = NULL;
        sqfs_compressor_config_t cfg;
        int e;

        pthread_once(&sq_once, sq_load);
        if (sq_error < 0)
                return sq_error;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->file = (struct squashfs_file) { .fd = fd, .offset = offset, .size = size };
        s->file.base.base.destroy = file_destroy;
        s->file.base.read_at = file_read_at;
        s->file.base.write_at = file_write_at;
        s->file.base.get_size = file_get_size;
        s->file.base.truncate = file_truncate;

        e = sq.super_read(&s->super, &s->file.base);
        if (e)
                return e == SQFS_ERROR_IO ? -EIO : e == SQFS_ERROR_UNSUPPORTED ? -EOPNOTSUPP : -EBADMSG;
        if (s->super.bytes_used > size)
                return -EBADMSG;        /* truncated */
        /* libsquashfs allocates the fragment table whole from this count
         * (16 bytes an entry) before reading it: 2^32 of them asked for 64 GiB.
         * A fragment holds the tail of at least one file, so there are no more
         * than inodes, and no more than SQUASHFS_MAX_FRAGMENTS in any case. */
        if (s->super.fragment_entry_count > s->super.inode_count ||
            s->super.fragment_entry_count > SQUASHFS_MAX_FRAGMENTS)
                return -EBADMSG;
        e = sq.compressor_config_init(&cfg, (SQFS_COMPRESSOR) s->super.compression_id, s->super.block_size,
                                        SQFS_COMP_FLAG_UNCOMPRESS);
        if (e == 0)
                e = sq.compressor_create(&cfg, &s->cmp);
        if (e)
                return e == SQFS_ERROR_ALLOC ? -ENOMEM : -EOPNOTSUPP;
        if (s->super.flags & SQFS_FLAG_COMPRESSOR_OPTIONS) {
                e = s->cmp->read_options(s->cmp, &s->file.base);
                if (e)
                        return sqfs_to_errno(e);
        }
        s->dir = sq.dir_reader_create(&s->super, s->cmp, &s->file.base, 0);
        s->data = sq.data_reader_create(&s->file.base, s->super.block_size, s->cmp, 0);
        if (!s->dir || !s->data)
                return -ENOMEM;
        e = sq.load_fragment_table(s->data, &s->super);
        if (e)
                return sqfs_to_errno(e);
        *ret_state = TAKE_PTR(s);
        return 0;
}

/* The inode at an absolute path; symlinks are not followed (libsquashfs
 * resolves components as directory entries only). */
static int lookup(struct squashfs_state *s, const char *path, sqfs_inode_generic_t **ret)
{
        size_t depth = 0;
        const char *p;
        int e;

        if (strlen(path) > SQUASHFS_MAX_PATH)
                return -ENAMETOOLONG;
        for (p = path; *p; p++)
                if (*p == '/' && ++depth > SQUASHFS_MAX_DEPTH)
                        return -ELOOP;
        while (*path == '/')
                path++;
        e = *path ? sq.find_by_path(s->dir, NULL, path, ret)
                  : sq.get_root_inode(s->dir, ret);
        return e ? sqfs_to_errno(e) : 0;
}

static void sqfs_freep(sqfs_inode_generic_t **p)
{
        if (*p)
                sq.free(*p);
}

static int squashfs_read_file(void *state, const char *path, size_t max, char **ret_data, size_t *ret_len)
{
        struct squashfs_state *s = state;
        _cleanup_(sqfs_freep) sqfs_inode_generic_t *inode = NULL;
        _cleanup_(freep) char *buf = NULL;
        sqfs_u64 size = 0;
        size_t done = 0;
        int r;

        r = lookup(s, path, &inode);
        if (r < 0)
                return r;
        switch (inode->base.type) {
        case SQFS_INODE_FILE:
        case SQFS_INODE_EXT_FILE:
                break;
        case SQFS_INODE_DIR:
        case SQFS_INODE_EXT_DIR:
                return -EISDIR;
        default:
                return -EINVAL;
        }
        if (sq.get_file_size(inode, &size))
                return -EBADMSG;
        if (size > max)
                return -EFBIG;
        buf = malloc((size_t) size + 1);
        if (!buf)
                return -ENOMEM;
        while (done < size) {
                sqfs_u32 chunk = size - done > (1u << 20) ? (1u << 20) : (sqfs_u32) (size - done);
                sqfs_s32 k = sq.data_read(s->data, inode, done, buf + done, chunk);

                if (k < 0)
                        return sqfs_to_errno(k);
                if (k == 0)
                        return -EBADMSG;
                done += (size_t) k;
        }
        buf[done] = 0;
        *ret_len = done;
        *ret_data = TAKE_PTR(buf);
        return 0;
}

static enum fs_entry_type entry_type(unsigned type)
{
        switch (type) {
        case SQFS_INODE_FILE:
        case SQFS_INODE_EXT_FILE:
                return FS_ENTRY_REGULAR;
        case SQFS_INODE_DIR:
        case SQFS_INODE_EXT_DIR:
                return FS_ENTRY_DIRECTORY;
        case SQFS_INODE_SLINK:
        case SQFS_INODE_EXT_SLINK:
                return FS_ENTRY_SYMLINK;
        default:
                return FS_ENTRY_OTHER;
        }
}

static int squashfs_list(void *state, const char *path, size_t max_entries, fs_entry_fn fn, void *userdata)
{
        struct squashfs_state *s = state;
        _cleanup_(sqfs_freep) sqfs_inode_generic_t *inode = NULL;
        size_t n = 0;
        int r, e;

        r = lookup(s, path, &inode);
        if (r < 0)
                return r;
        if (inode->base.type != SQFS_INODE_DIR && inode->base.type != SQFS_INODE_EXT_DIR)
                return -ENOTDIR;
        e = sq.open_dir(s->dir, inode, 0);
        if (e)
                return sqfs_to_errno(e);
        for (;;) {
                sqfs_dir_entry_t *ent = NULL;
                char name[257];
                size_t len;

                e = sq.dir_read(s->dir, &ent);
                if (e > 0)
                        return 0;
                if (e < 0)
                        return sqfs_to_errno(e);
                len = (size_t) ent->size + 1;   /* stored off by one; at most 256 */
                memcpy(name, ent->name, len);
                name[len] = 0;
                r = entry_type(ent->type);
                sq.free(ent);
                if (strlen(name) != len || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                        return -EBADMSG;
                if (++n > max_entries)
                        return -E2BIG;
                r = fn(name, (enum fs_entry_type) r, userdata);
                if (r != 0)
                        return r;
        }
}

static uint16_t get_le16(const uint8_t *p)
{
        return (uint16_t) (p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* The xattr tables, on first use: -ENODATA for an image without them. The
 * id table header (where the key-value blocks start, how many ids) is read
 * here first so its count is bounded before libsquashfs sizes anything by it. */
static int xattr_load(struct squashfs_state *s)
{
        uint8_t hdr[16];
        uint32_t ids;
        int e;

        if (s->xattr_state)
                return s->xattr_state < 0 ? s->xattr_state : 0;
        s->xattr_state = -ENODATA;
        if ((s->super.flags & SQFS_FLAG_NO_XATTRS) || s->super.xattr_id_table_start == UINT64_MAX)
                return s->xattr_state;
        s->xattr_state = -EBADMSG;
        if (s->super.xattr_id_table_start > s->super.bytes_used ||
            s->super.bytes_used - s->super.xattr_id_table_start < sizeof(hdr) ||
            file_read_at(&s->file.base, s->super.xattr_id_table_start, hdr, sizeof(hdr)))
                return s->xattr_state;
        s->xattr_start = (uint64_t) get_le32(hdr) | (uint64_t) get_le32(hdr + 4) << 32;
        ids = get_le32(hdr + 8);
        if (ids > s->super.inode_count || s->xattr_start >= s->super.xattr_id_table_start)
                return s->xattr_state;
        s->xattr = sq.xattr_reader_create(0);
        s->kv = sq.meta_create(&s->file.base, s->cmp, s->xattr_start, s->super.xattr_id_table_start);
        if (!s->xattr || !s->kv)
                return (s->xattr_state = -ENOMEM);
        e = sq.xattr_reader_load(s->xattr, &s->super, &s->file.base, s->cmp);
        if (e)
                return (s->xattr_state = sqfs_to_errno(e));
        s->xattr_state = 1;
        return 0;
}

/* Reads n bytes of the key-value pairs (n at most 64 KiB: buf's size). */
static int kv_read(struct squashfs_state *s, void *buf, size_t n)
{
        int e = sq.meta_read(s->kv, buf, n);

        return e ? sqfs_to_errno(e) : 0;
}

static int squashfs_get_xattr(void *state, const char *path, const char *name, size_t max, char **ret_value,
                              size_t *ret_len)
{
        struct squashfs_state *s = state;
        _cleanup_(sqfs_freep) sqfs_inode_generic_t *inode = NULL;
        _cleanup_(freep) char *value = NULL;
        char key[SQUASHFS_XATTR_KEY_MAX + 1];
        sqfs_xattr_id_t desc;
        sqfs_u32 idx;
        uint32_t i;
        int r, e;

        /* squashfs stores the namespace as a number: user. is 0 */
        if (strncmp(name, "user.", 5) != 0)
                return -ENODATA;
        r = lookup(s, path, &inode);
        if (r < 0)
                return r;
        if (sq.get_xattr_index(inode, &idx) || idx == UINT32_MAX)
                return -ENODATA;
        r = xattr_load(s);
        if (r < 0)
                return r;
        e = sq.xattr_get_desc(s->xattr, idx, &desc);
        if (e)
                return sqfs_to_errno(e);
        if (desc.count > SQUASHFS_XATTR_PAIRS_MAX)
                return -EBADMSG;
        e = sq.meta_seek(s->kv, s->xattr_start + (desc.xattr >> 16), desc.xattr & 0xFFFF);
        if (e)
                return sqfs_to_errno(e);
        value = malloc(SQUASHFS_XATTR_VALUE_MAX + 1);
        if (!value)
                return -ENOMEM;
        for (i = 0; i < desc.count; i++) {
                uint8_t h[8];
                uint16_t type, klen;
                uint32_t vlen;
                sqfs_u64 back_block = 0;
                size_t back_off = 0;
                bool match;

                /* the key: type, length, the name without its namespace */
                if ((r = kv_read(s, h, 4)) < 0)
                        return r;
                type = get_le16(h);
                klen = get_le16(h + 2);
                if (klen > SQUASHFS_XATTR_KEY_MAX)
                        return -EBADMSG;
                if ((r = kv_read(s, key, klen)) < 0)
                        return r;
                key[klen] = 0;
                match = (type & SQFS_XATTR_PREFIX_MASK) == SQFS_XATTR_USER && strlen(name + 5) == klen &&
                        memcmp(key, name + 5, klen) == 0;
                /* the value, inline or (SQFS_XATTR_FLAG_OOL) a reference to it */
                if ((r = kv_read(s, h, 4)) < 0)
                        return r;
                if (type & SQFS_XATTR_FLAG_OOL) {
                        uint64_t ref;

                        if ((r = kv_read(s, h, 8)) < 0)
                                return r;
                        ref = (uint64_t) get_le32(h) | (uint64_t) get_le32(h + 4) << 32;
                        sq.meta_position(s->kv, &back_block, &back_off);
                        e = sq.meta_seek(s->kv, s->xattr_start + (ref >> 16), ref & 0xFFFF);
                        if (e)
                                return sqfs_to_errno(e);
                        if ((r = kv_read(s, h, 4)) < 0)
                                return r;
                }
                vlen = get_le32(h);
                if (vlen > SQUASHFS_XATTR_VALUE_MAX)
                        return -EBADMSG;
                if ((r = kv_read(s, value, vlen)) < 0)
                        return r;
                if ((type & SQFS_XATTR_FLAG_OOL) && (e = sq.meta_seek(s->kv, back_block, back_off)))
                        return sqfs_to_errno(e);
                if (!match)
                        continue;
                if (vlen > max)
                        return -E2BIG;
                value[vlen] = 0;
                *ret_len = vlen;
                *ret_value = TAKE_PTR(value);
                return 0;
        }
        return -ENODATA;
}

const struct fs_ops fs_squashfs_ops = {
        .open = squashfs_open,
        .read_file = squashfs_read_file,
        .list = squashfs_list,
        .get_xattr = squashfs_get_xattr,
        .close = squashfs_close,
};
