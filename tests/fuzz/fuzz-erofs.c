/* Fuzz harness for src/host/erofs.c: the input bytes are an erofs image (in a
 * memfd, read through pread as a real one is), opened at offset 0; a few fixed
 * paths are read and two directories listed. A file read is NUL-terminated and
 * no longer than the max asked; a listing names at most max_entries entries,
 * each a name of 1..255 bytes without '/' and not "." or "..". */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host/fs-impl.h"

#define MAX_ENTRIES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_entry(const char *name, enum fs_entry_type type, void *userdata)
{
        size_t *count = userdata;
        size_t n = strlen(name);

        if (n == 0 || n > 255 || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                abort();
        if (type > FS_ENTRY_OTHER || ++*count > MAX_ENTRIES)
                abort();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *files[] = {
                "/usr/lib/extension-release.d/extension-release.test",
                "/usr/lib/os-release",
                "/etc/os-release",
                "/link/os-release",
                "/dir/sub/file",
        };
        static const char *dirs[] = { "/", "/usr/lib/extension-release.d" };
        void *state = NULL;
        int fd, r;

        fd = memfd_create("fuzz-erofs", MFD_CLOEXEC);
        if (fd < 0)
                return 0;
        if (write(fd, data, size) != (ssize_t) size) {
                close(fd);
                return 0;
        }
        if (fs_erofs_ops.open(fd, 0, size, &state) < 0) {
                close(fd);
                return 0;
        }
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                char *buf = NULL;
                size_t len = 0;

                r = fs_erofs_ops.read_file(state, files[i], 8192, &buf, &len);
                if (r >= 0) {
                        if (!buf || len > 8192 || buf[len] != '\0')
                                abort();
                        free(buf);
                } else if (buf)
                        abort();
        }
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                size_t count = 0;

                r = fs_erofs_ops.list(state, dirs[i], MAX_ENTRIES, check_entry, &count);
                if (r == -E2BIG && count != MAX_ENTRIES)
                        abort();
        }
        fs_erofs_ops.close(state);
        close(fd);
        return 0;
}
