/* Fuzz harness for the squashfs reader (src/host/squashfs.c through
 * fs-reader.h): the input is an image file; fs_probe() and, when it says
 * squashfs, fs_reader_open(), a few reads of the files the inventory asks for
 * listings of directories and user.extension-release.strict of each file
 * (extended attributes). Errors are the documented -errno values, data
 * stays within the bound asked for and is NUL-terminated, listings stay
 * within their entry bound. Never a crash, a leak, a read outside the image
 * or a hang. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host/fs-reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(const char *name, enum fs_entry_type type, void *userdata)
{
        size_t *n = userdata;

        if (!name[0] || strchr(name, '/') || (unsigned) type > FS_ENTRY_OTHER)
                abort();
        (*n)++;
        return 0;
}

static bool known_error(int r)
{
        return r == -ENOENT || r == -EISDIR || r == -EINVAL || r == -EFBIG || r == -EBADMSG || r == -ENOTDIR ||
               r == -EOPNOTSUPP || r == -E2BIG || r == -ENOMEM || r == -ENAMETOOLONG || r == -ELOOP || r == -EIO ||
               r == -ENODATA;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const files[] = { "/usr/lib/extension-release.d/extension-release.x", "/usr/lib/os-release",
                                             "/", "/a", "/etc/extension-release.d/extension-release.x" };
        static const char *const dirs[] = { "/", "/usr/lib/extension-release.d", "/usr", "/a/b" };
        struct fs_reader *rd = NULL;
        enum fs_type type = FS_UNKNOWN;
        int fd = memfd_create("fuzz-squashfs", MFD_CLOEXEC), r;

        if (fd < 0)
                return 0;
        if (size && write(fd, data, size) != (ssize_t) size) {
                close(fd);
                return 0;
        }
        if (fs_probe(fd, 0, size, &type) < 0)
                abort();
        if (type == FS_SQUASHFS) {
                r = fs_reader_open(fd, 0, size, type, &rd);
                if (r < 0 && (rd || !known_error(r)))
                        abort();
        }
        for (size_t i = 0; rd && i < sizeof(files) / sizeof(files[0]); i++) {
                char *text = NULL;
                size_t len = 0;

                r = fs_reader_read_file(rd, files[i], 4096, &text, &len);
                if (r < 0 ? !known_error(r) || text : len > 4096 || !text || text[len] != 0)
                        abort();
                free(text);
                text = NULL;
                r = fs_reader_get_xattr(rd, files[i], "user.extension-release.strict", 16, &text, &len);
                if (r < 0 ? !known_error(r) || text : len > 16 || !text || text[len] != 0)
                        abort();
                free(text);
        }
        for (size_t i = 0; rd && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                size_t n = 0;

                r = fs_reader_list(rd, dirs[i], 64, count, &n);
                if ((r < 0 && !known_error(r)) || n > 64 + 1)
                        abort();
        }
        fs_reader_free(rd);
        close(fd);
        return 0;
}
