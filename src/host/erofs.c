/* A small bounded reader of uncompressed erofs images, in userspace: the
 * superblock, inodes, directory blocks and file data, enough to look a path
 * up from the root directory and read a small file or list one directory.
 * Written from the on-disk format (the kernel's Documentation/filesystems/
 * erofs.rst and erofs_fs.h); the structures below are our own.
 *
 * What it reads: the superblock at 1024 (magic, block size 2^9..2^16, root
 * nid, metadata block address, its crc32c when the image carries one),
 * compact (32-byte) and extended (64-byte) inodes, the data layouts
 * FLAT_PLAIN, FLAT_INLINE (the tail packed after the inode) and CHUNK_BASED
 * (block map or chunk indexes on the primary device; holes read as zeros).
 * What it refuses with -EOPNOTSUPP: incompat feature bits it does not know,
 * compressed files and directories (the layouts the caller reports as
 * "compressed erofs not read"), chunks on an extra device, inode format bits
 * it does not know.
 *
 * Symlinks are never followed: a symlink where a directory is needed (a
 * middle component of a path, or the directory to list) is -ELOOP; a symlink
 * as the file to read is -EINVAL (not a regular file). ".." in a path is
 * -EINVAL; "." and empty components are skipped.
 *
 * Bounds: every offset and length the image gives is checked against the
 * extent [offset, offset + size) with overflow-checked arithmetic before a
 * pread; a path has at most EROFS_PATH_MAX bytes and EROFS_COMPONENTS_MAX
 * components (-ENAMETOOLONG); a directory at most EROFS_DIR_SIZE_MAX bytes
 * (-EBADMSG); a file is read only up to the caller's max (-EFBIG). Nothing
 * recurses, and a lookup reads one directory per component, so a loop in the
 * directory graph costs at most the path's components. Never mmap, only
 * pread. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "basic/macros.h"
#include "host/fs-impl.h"

#define EROFS_SUPER_OFFSET      1024
#define EROFS_SUPER_SIZE        128
#define EROFS_MAGIC             UINT32_C(0xE0F5E1E2)
#define EROFS_ISLOT_SIZE        32              /* nid * 32: an inode's place in the metadata area */
#define EROFS_NAME_LEN          255
#define EROFS_NULL_ADDR         UINT32_C(0xFFFFFFFF)

#define EROFS_PATH_MAX          4096
#define EROFS_COMPONENTS_MAX    64
#define EROFS_DIR_SIZE_MAX      (UINT64_C(4) << 20)   /* tens of thousands of entries */

/* Superblock feature bits. */
#define EROFS_COMPAT_SB_CHKSUM          0x00000001u
#define EROFS_INCOMPAT_ZERO_PADDING     0x00000001u     /* compressed data only */
#define EROFS_INCOMPAT_COMPR_CFGS       0x00000002u     /* compressed data only */
#define EROFS_INCOMPAT_CHUNKED_FILE     0x00000004u
#define EROFS_INCOMPAT_DEVICE_TABLE     0x00000008u     /* extra devices: chunks there are refused */
#define EROFS_INCOMPAT_ZTAILPACKING     0x00000010u     /* compressed data only */
#define EROFS_INCOMPAT_FRAGMENTS        0x00000020u     /* compressed data only */
#define EROFS_INCOMPAT_KNOWN                                                            \
        (EROFS_INCOMPAT_ZERO_PADDING | EROFS_INCOMPAT_COMPR_CFGS | EROFS_INCOMPAT_CHUNKED_FILE | \
         EROFS_INCOMPAT_DEVICE_TABLE | EROFS_INCOMPAT_ZTAILPACKING | EROFS_INCOMPAT_FRAGMENTS)

/* i_format: bit 0 the inode version, bits 1-3 the data layout. */
#define EROFS_I_VERSION_MASK    0x1u
#define EROFS_I_LAYOUT_SHIFT    1
#define EROFS_I_LAYOUT_MASK     0x7u
#define EROFS_I_KNOWN           0xfu

enum {
        EROFS_FLAT_PLAIN = 0,
        EROFS_COMPRESSED_FULL = 1,
        EROFS_FLAT_INLINE = 2,
        EROFS_COMPRESSED_COMPACT = 3,
        EROFS_CHUNK_BASED = 4,
};

/* i_u of a chunk-based inode: the chunk size and the kind of index. */
#define EROFS_CHUNK_BLKBITS_MASK        0x001fu
#define EROFS_CHUNK_INDEXES             0x0020u
#define EROFS_CHUNK_KNOWN               (EROFS_CHUNK_BLKBITS_MASK | EROFS_CHUNK_INDEXES)

/* Directory entries: 12 bytes each at the start of a directory block, the
 * names after them; the first entry's nameoff says how many there are. */
#define EROFS_DIRENT_SIZE       12
enum {
        EROFS_FT_REG_FILE = 1,
        EROFS_FT_DIR = 2,
        EROFS_FT_SYMLINK = 7,
};

struct erofs {
        int fd;
        uint64_t offset;                /* of the image in fd */
        uint64_t size;                  /* of the image */
        unsigned blkszbits;
        uint32_t blksz;
        uint64_t meta_base;             /* byte offset of the metadata area in the image */
        uint64_t root_nid;
};

struct erofs_inode {
        uint64_t nid;
        uint64_t pos;                   /* byte offset of the inode in the image */
        uint64_t size;                  /* of the file's data */
        uint64_t tail_pos;              /* what follows the inode and its xattrs */
        uint32_t u;                     /* raw_blkaddr, or the chunk format in its low 16 bits */
        uint16_t mode;
        unsigned layout;
};

static uint16_t le16(const uint8_t *p)
{
        return (uint16_t) (p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
        return (uint64_t) le32(p) | (uint64_t) le32(p + 4) << 32;
}

/* The kernel's crc32c(~0, buf, len): reflected Castagnoli, no final xor. */
static uint32_t erofs_crc32c(uint32_t crc, const uint8_t *p, size_t len)
{
        while (len--) {
                crc ^= *p++;
                for (int k = 0; k < 8; k++)
                        crc = (crc >> 1) ^ (UINT32_C(0x82F63B78) & (0u - (crc & 1)));
        }
        return crc;
}

/* Reads len bytes at pos of the image: -EBADMSG when [pos, pos + len) leaves
 * the image or the file ends before it. The one place the image is read. */
static int erofs_pread(const struct erofs *e, uint64_t pos, void *buf, size_t len)
{
        uint64_t end, at;
        int r;

        if (__builtin_add_overflow(pos, (uint64_t) len, &end) || end > e->size)
                return -EBADMSG;
        if (__builtin_add_overflow(e->offset, pos, &at) || at > (uint64_t) INT64_MAX - len)
                return -EBADMSG;
        r = pread_full(e->fd, buf, len, at);
        return r == -ENODATA ? -EBADMSG : r;   /* the file is shorter than the extent says */
}

static int erofs_read_inode(const struct erofs *e, uint64_t nid, struct erofs_inode *ret)
{
        uint8_t raw[64];
        struct erofs_inode ino = { .nid = nid };
        uint64_t off, isize, xattr_size;
        uint16_t format, icount;
        int r;

        if (__builtin_mul_overflow(nid, (uint64_t) EROFS_ISLOT_SIZE, &off) ||
            __builtin_add_overflow(e->meta_base, off, &ino.pos))
                return -EBADMSG;
        r = erofs_pread(e, ino.pos, raw, 32);
        if (r < 0)
                return r;
        format = le16(raw);
        if (format & ~EROFS_I_KNOWN)
                return -EOPNOTSUPP;
        ino.layout = (format >> EROFS_I_LAYOUT_SHIFT) & EROFS_I_LAYOUT_MASK;
        if (ino.layout > EROFS_CHUNK_BASED)
                return -EOPNOTSUPP;
        icount = le16(raw + 2);
        ino.mode = le16(raw + 4);
        if (format & EROFS_I_VERSION_MASK) {
                r = erofs_pread(e, ino.pos + 32, raw + 32, 32);
                if (r < 0)
                        return r;
                isize = 64;
                ino.size = le64(raw + 8);
        } else {
                isize = 32;
                ino.size = le32(raw + 8);
        }
        ino.u = le32(raw + 16);
        /* The inline xattrs: a 12-byte header and 4-byte slots after the first. */
        xattr_size = icount ? 12 + ((uint64_t) icount - 1) * 4 : 0;
        ino.tail_pos = ino.pos + isize + xattr_size;    /* no overflow: pos <= size, the rest < 2^19 */
        *ret = ino;
        return 0;
}

static bool erofs_compressed(const struct erofs_inode *ino)
{
        return ino->layout == EROFS_COMPRESSED_FULL || ino->layout == EROFS_COMPRESSED_COMPACT;
}

/* Where the file's byte at off lies: *ret_pos in the image, *ret_len the bytes
 * that follow it contiguously (up to the end of the file), or *ret_hole for a
 * run of zeros of that length. off < ino->size. */
static int erofs_map(const struct erofs *e, const struct erofs_inode *ino, uint64_t off,
                     uint64_t *ret_pos, uint64_t *ret_len, bool *ret_hole)
{
        uint64_t base, pos, len = ino->size - off;

        switch (ino->layout) {
        case EROFS_FLAT_PLAIN:
        case EROFS_FLAT_INLINE: {
                /* FLAT_INLINE: the whole blocks at raw_blkaddr, the tail after the inode. */
                uint64_t whole = ino->layout == EROFS_FLAT_INLINE ?
                        (ino->size >> e->blkszbits) << e->blkszbits : ino->size;

                if (off >= whole) {
                        uint64_t tail = ino->size - whole;

                        /* The tail lies within the inode's block. */
                        if ((ino->tail_pos & (e->blksz - 1)) + tail > e->blksz)
                                return -EBADMSG;
                        pos = ino->tail_pos + (off - whole);
                } else {
                        base = (uint64_t) ino->u << e->blkszbits;
                        if (__builtin_add_overflow(base, off, &pos))
                                return -EBADMSG;
                        len = whole - off;
                }
                *ret_hole = false;
                break;
        }
        case EROFS_CHUNK_BASED: {
                uint16_t format = (uint16_t) ino->u;
                unsigned chunkbits = e->blkszbits + (format & EROFS_CHUNK_BLKBITS_MASK);
                uint64_t unit = format & EROFS_CHUNK_INDEXES ? 8 : 4;
                uint64_t chunk, index_pos, in_chunk, chunk_left;
                uint8_t idx[8];
                uint32_t blkaddr;
                int r;

                if (format & ~EROFS_CHUNK_KNOWN)
                        return -EOPNOTSUPP;
                if (chunkbits >= 48)
                        return -EBADMSG;
                chunk = off >> chunkbits;
                in_chunk = off & ((UINT64_C(1) << chunkbits) - 1);
                /* The index array follows the inode and xattrs, aligned to its unit. */
                index_pos = (ino->tail_pos + unit - 1) & ~(unit - 1);
                if (__builtin_add_overflow(index_pos, chunk * unit, &index_pos))
                        return -EBADMSG;
                r = erofs_pread(e, index_pos, idx, unit);
                if (r < 0)
                        return r;
                if (unit == 8) {
                        if (le16(idx + 2) != 0)
                                return -EOPNOTSUPP;     /* a chunk on an extra device */
                        blkaddr = le32(idx + 4);
                } else
                        blkaddr = le32(idx);
                chunk_left = (UINT64_C(1) << chunkbits) - in_chunk;
                if (chunk_left < len)
                        len = chunk_left;
                if (blkaddr == EROFS_NULL_ADDR) {
                        *ret_hole = true;
                        pos = 0;
                } else {
                        *ret_hole = false;
                        pos = ((uint64_t) blkaddr << e->blkszbits) + in_chunk;
                }
                break;
        }
        default:
                return -EOPNOTSUPP;
        }
        *ret_pos = pos;
        *ret_len = len;
        return 0;
}

/* Reads len bytes of the file from off into buf; off + len <= ino->size. */
static int erofs_read_data(const struct erofs *e, const struct erofs_inode *ino, uint64_t off, uint8_t *buf,
                           size_t len)
{
        while (len > 0) {
                uint64_t pos, n;
                bool hole;
                int r;

                r = erofs_map(e, ino, off, &pos, &n, &hole);
                if (r < 0)
                        return r;
                if (n > len)
                        n = len;
                if (hole)
                        memset(buf, 0, n);
                else {
                        r = erofs_pread(e, pos, buf, n);
                        if (r < 0)
                                return r;
                }
                buf += n;
                off += n;
                len -= n;
        }
        return 0;
}

/* Calls fn for each entry of the directory ino, with its NUL-terminated name,
 * nid and dirent file type, in the image's order, "." and ".." included. A
 * non-zero return of fn stops the walk and is returned. */
typedef int (*erofs_dirent_fn)(const char *name, size_t len, uint64_t nid, uint8_t type, void *userdata);

static int erofs_dir_walk(const struct erofs *e, const struct erofs_inode *ino, erofs_dirent_fn fn,
                          void *userdata)
{
        _cleanup_(freep) uint8_t *block = NULL;
        uint64_t off;
        int r;

        if (!S_ISDIR(ino->mode))
                return S_ISLNK(ino->mode) ? -ELOOP : -ENOTDIR;
        if (erofs_compressed(ino))
                return -EOPNOTSUPP;
        if (ino->size > EROFS_DIR_SIZE_MAX)
                return -EBADMSG;
        block = malloc(e->blksz);
        if (!block)
                return -ENOMEM;
        for (off = 0; off < ino->size; off += e->blksz) {
                size_t len = ino->size - off < e->blksz ? (size_t) (ino->size - off) : e->blksz;
                size_t count, i;

                r = erofs_read_data(e, ino, off, block, len);
                if (r < 0)
                        return r;
                if (len < EROFS_DIRENT_SIZE)
                        return -EBADMSG;
                count = le16(block + 8) / EROFS_DIRENT_SIZE;
                if (count == 0 || count * EROFS_DIRENT_SIZE > len)
                        return -EBADMSG;
                for (i = 0; i < count; i++) {
                        const uint8_t *de = block + i * EROFS_DIRENT_SIZE;
                        size_t start = le16(de + 8), end, n;
                        char name[EROFS_NAME_LEN + 1];

                        end = i + 1 < count ? le16(de + EROFS_DIRENT_SIZE + 8) : len;
                        if (start < count * EROFS_DIRENT_SIZE || start > end || end > len)
                                return -EBADMSG;
                        n = strnlen((const char *) block + start, end - start);
                        if (n == 0 || n > EROFS_NAME_LEN || memchr(block + start, '/', n))
                                return -EBADMSG;
                        memcpy(name, block + start, n);
                        name[n] = '\0';
                        r = fn(name, n, le64(de), de[10], userdata);
                        if (r != 0)
                                return r;
                }
        }
        return 0;
}

struct erofs_lookup {
        const char *name;
        size_t len;
        uint64_t nid;
        bool found;
};

static int erofs_lookup_one(const char *name, size_t len, uint64_t nid, _unused_ uint8_t type, void *userdata)
{
        struct erofs_lookup *l = userdata;

        if (len != l->len || memcmp(name, l->name, len) != 0)
                return 0;
        l->nid = nid;
        l->found = true;
        return 1;
}

/* The inode at path (absolute or not, from the root), component by component,
 * following no symlink. */
static int erofs_resolve(const struct erofs *e, const char *path, struct erofs_inode *ret)
{
        struct erofs_inode ino;
        size_t components = 0;
        const char *p = path;
        int r;

        if (strnlen(path, EROFS_PATH_MAX + 1) > EROFS_PATH_MAX)
                return -ENAMETOOLONG;
        r = erofs_read_inode(e, e->root_nid, &ino);
        if (r < 0)
                return r;
        for (;;) {
                struct erofs_lookup l = {};

                p += strspn(p, "/");
                if (*p == '\0')
                        break;
                l.name = p;
                l.len = strcspn(p, "/");
                p += l.len;
                if (l.len == 1 && l.name[0] == '.')
                        continue;
                if (l.len == 2 && l.name[0] == '.' && l.name[1] == '.')
                        return -EINVAL;
                if (l.len > EROFS_NAME_LEN || ++components > EROFS_COMPONENTS_MAX)
                        return -ENAMETOOLONG;
                r = erofs_dir_walk(e, &ino, erofs_lookup_one, &l);
                if (r < 0)
                        return r;
                if (!l.found)
                        return -ENOENT;
                r = erofs_read_inode(e, l.nid, &ino);
                if (r < 0)
                        return r;
        }
        *ret = ino;
        return 0;
}

static int erofs_open(int fd, uint64_t offset, uint64_t size, void **ret_state)
{
        _cleanup_(freep) struct erofs *e = NULL;
        _cleanup_(freep) uint8_t *sb = NULL;
        struct erofs_inode root;
        uint32_t compat, incompat;
        size_t sb_len;
        int r;

        if (size < EROFS_SUPER_OFFSET + EROFS_SUPER_SIZE)
                return -EBADMSG;
        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        *e = (struct erofs) { .fd = fd, .offset = offset, .size = size };

        /* The checksum covers the rest of the superblock's block: read that much. */
        sb = calloc(1, 1 << 16);
        if (!sb)
                return -ENOMEM;
        r = erofs_pread(e, EROFS_SUPER_OFFSET, sb, EROFS_SUPER_SIZE);
        if (r < 0)
                return r;
        if (le32(sb) != EROFS_MAGIC)
                return -EBADMSG;
        e->blkszbits = sb[12];
        if (e->blkszbits < 9 || e->blkszbits > 16)
                return -EBADMSG;
        e->blksz = UINT32_C(1) << e->blkszbits;

        compat = le32(sb + 8);
        if (compat & EROFS_COMPAT_SB_CHKSUM) {
                /* Blocks of 1 KiB and less hold no superblock tail to sum: only larger ones are checked. */
                if (e->blksz > EROFS_SUPER_OFFSET + EROFS_SUPER_SIZE) {
                        uint32_t expected = le32(sb + 4);

                        sb_len = e->blksz - EROFS_SUPER_OFFSET;
                        r = erofs_pread(e, EROFS_SUPER_OFFSET, sb, sb_len);
                        if (r < 0)
                                return r;
                        memset(sb + 4, 0, 4);
                        if (erofs_crc32c(UINT32_MAX, sb, sb_len) != expected)
                                return -EBADMSG;
                }
        }
        incompat = le32(sb + 80);
        if (incompat & ~EROFS_INCOMPAT_KNOWN)
                return -EOPNOTSUPP;

        e->root_nid = le16(sb + 14);
        e->meta_base = (uint64_t) le32(sb + 40) << e->blkszbits;
        if (e->meta_base >= size)
                return -EBADMSG;
        r = erofs_read_inode(e, e->root_nid, &root);
        if (r < 0)
                return r;
        if (!S_ISDIR(root.mode))
                return -EBADMSG;
        *ret_state = TAKE_PTR(e);
        return 0;
}

static int erofs_read_file(void *state, const char *path, size_t max, char **ret_data, size_t *ret_len)
{
        const struct erofs *e = state;
        _cleanup_(freep) char *data = NULL;
        struct erofs_inode ino;
        int r;

        r = erofs_resolve(e, path, &ino);
        if (r < 0)
                return r;
        if (S_ISDIR(ino.mode))
                return -EISDIR;
        if (!S_ISREG(ino.mode))
                return -EINVAL;
        if (erofs_compressed(&ino))
                return -EOPNOTSUPP;
        if (ino.size > max || ino.size >= SIZE_MAX)
                return -EFBIG;
        /* Only a chunk-based file has holes: any other is no larger than the image. */
        if (ino.layout != EROFS_CHUNK_BASED && ino.size > e->size)
                return -EBADMSG;
        data = malloc((size_t) ino.size + 1);
        if (!data)
                return -ENOMEM;
        r = erofs_read_data(e, &ino, 0, (uint8_t *) data, (size_t) ino.size);
        if (r < 0)
                return r;
        data[ino.size] = '\0';
        *ret_data = TAKE_PTR(data);
        *ret_len = (size_t) ino.size;
        return 0;
}

struct erofs_listing {
        size_t left;
        fs_entry_fn fn;
        void *userdata;
};

static int erofs_list_one(const char *name, size_t len, _unused_ uint64_t nid, uint8_t type, void *userdata)
{
        struct erofs_listing *l = userdata;
        enum fs_entry_type t;

        if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
                return 0;
        if (l->left == 0)
                return -E2BIG;
        l->left--;
        t = type == EROFS_FT_REG_FILE ? FS_ENTRY_REGULAR :
            type == EROFS_FT_DIR ? FS_ENTRY_DIRECTORY :
            type == EROFS_FT_SYMLINK ? FS_ENTRY_SYMLINK : FS_ENTRY_OTHER;
        return l->fn(name, t, l->userdata);
}

static int erofs_list(void *state, const char *path, size_t max_entries, fs_entry_fn fn, void *userdata)
{
        const struct erofs *e = state;
        struct erofs_listing l = { .left = max_entries, .fn = fn, .userdata = userdata };
        struct erofs_inode ino;
        int r;

        r = erofs_resolve(e, path, &ino);
        if (r < 0)
                return r;
        return erofs_dir_walk(e, &ino, erofs_list_one, &l);
}

static void erofs_close(void *state)
{
        free(state);
}

const struct fs_ops fs_erofs_ops = {
        .open = erofs_open,
        .read_file = erofs_read_file,
        .list = erofs_list,
        .close = erofs_close,
};
