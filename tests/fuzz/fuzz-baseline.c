/* Fuzz harness for baseline_read: any bytes as a baseline file give a tree or
 * a negative errno with a reason, never a crash or a leak. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fim/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fim_tree *tree = NULL;
        struct baseline_meta meta = { 0 };
        const char *reason = NULL;
        char path[64];
        int fd = memfd_create("baseline", MFD_CLOEXEC);

        if (fd < 0)
                return 0;
        if (write(fd, data, size) == (ssize_t) size) {
                snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
                if (baseline_read(path, &tree, &meta, &reason) >= 0) {
                        fim_tree_free(tree);
                        baseline_meta_release(&meta);
                }
        }
        close(fd);
        return 0;
}
