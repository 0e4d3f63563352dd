/* The format-neutral side of the image readers (fs-reader.h): the probe by
 * magic and the reader object that hands each call to its format's fs_ops. */
#include "fs-impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "basic/macros.h"

struct fs_reader {
        enum fs_type type;
        const struct fs_ops *ops;
        void *state;
};

#define SQUASHFS_MAGIC_OFFSET 0
#define EROFS_MAGIC_OFFSET 1024
#define EROFS_MAGIC 0xE0F5E1E2u

/* Exactly n bytes at off of fd, or -EBADMSG when the file ends first. */
static int pread_exact(int fd, void *p, size_t n, uint64_t off)
{
        int r = pread_full(fd, p, n, off);

        return r == -ENODATA ? -EBADMSG : r;
}

int fs_probe(int fd, uint64_t offset, uint64_t size, enum fs_type *ret_type)
{
        uint8_t m[4];
        int r;

        if (size >= SQUASHFS_MAGIC_OFFSET + 4) {
                r = pread_exact(fd, m, 4, offset + SQUASHFS_MAGIC_OFFSET);
                if (r < 0 && r != -EBADMSG)
                        return r;
                if (r >= 0 && memcmp(m, "hsqs", 4) == 0) {
                        *ret_type = FS_SQUASHFS;
                        return 0;
                }
        }
        if (size >= EROFS_MAGIC_OFFSET + 4) {
                r = pread_exact(fd, m, 4, offset + EROFS_MAGIC_OFFSET);
                if (r < 0 && r != -EBADMSG)
                        return r;
                /* little-endian on disk */
                if (r >= 0 && ((uint32_t) m[0] | (uint32_t) m[1] << 8 | (uint32_t) m[2] << 16 |
                               (uint32_t) m[3] << 24) == EROFS_MAGIC) {
                        *ret_type = FS_EROFS;
                        return 0;
                }
        }
        *ret_type = FS_UNKNOWN;
        return 0;
}

const char *fs_type_name(enum fs_type type)
{
        switch (type) {
        case FS_SQUASHFS:
                return "squashfs";
        case FS_EROFS:
                return "erofs";
        default:
                return "unknown";
        }
}

int fs_reader_open(int fd, uint64_t offset, uint64_t size, enum fs_type type, struct fs_reader **ret)
{
        _cleanup_(freep) struct fs_reader *r = NULL;
        const struct fs_ops *ops;
        int k;

        switch (type) {
        case FS_SQUASHFS:
                ops = &fs_squashfs_ops;
                break;
        case FS_EROFS:
                ops = &fs_erofs_ops;
                break;
        default:
                return -EOPNOTSUPP;
        }
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->type = type;
        r->ops = ops;
        k = ops->open(fd, offset, size, &r->state);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(r);
        return 0;
}

struct fs_reader *fs_reader_free(struct fs_reader *r)
{
        if (!r)
                return NULL;
        if (r->state)
                r->ops->close(r->state);
        free(r);
        return NULL;
}

void fs_reader_freep(struct fs_reader **r)
{
        fs_reader_free(*r);
}

int fs_reader_read_file(struct fs_reader *r, const char *path, size_t max, char **ret_data, size_t *ret_len)
{
        if (!path || path[0] != '/')
                return -EINVAL;
        return r->ops->read_file(r->state, path, max, ret_data, ret_len);
}

int fs_reader_list(struct fs_reader *r, const char *path, size_t max_entries, fs_entry_fn fn, void *userdata)
{
        if (!path || path[0] != '/')
                return -EINVAL;
        return r->ops->list(r->state, path, max_entries, fn, userdata);
}

int fs_reader_get_xattr(struct fs_reader *r, const char *path, const char *name, size_t max, char **ret_value,
                        size_t *ret_len)
{
        if (!path || path[0] != '/' || !name)
                return -EINVAL;
        if (!r->ops->get_xattr)
                return -EOPNOTSUPP;
        return r->ops->get_xattr(r->state, path, name, max, ret_value, ret_len);
}
