/* The per-format side of fs-reader.h: what fs-reader.c dispatches to. Each
 * format implements the operations on its own state (get_xattr may be NULL); fs-reader.c owns
 * the probe and the struct fs_reader that carries the format and the state. */
#pragma once

#include "fs-reader.h"

struct fs_ops {
        int (*open)(int fd, uint64_t offset, uint64_t size, void **ret_state);
        int (*read_file)(void *state, const char *path, size_t max, char **ret_data, size_t *ret_len);
        int (*list)(void *state, const char *path, size_t max_entries, fs_entry_fn fn, void *userdata);
        int (*get_xattr)(void *state, const char *path, const char *name, size_t max, char **ret_value,
                         size_t *ret_len);
        void (*close)(void *state);
};

extern const struct fs_ops fs_squashfs_ops;     /* squashfs.c, through libsquashfs */
extern const struct fs_ops fs_erofs_ops;        /* erofs.c, our own bounded reader */
