/* Reading files out of a filesystem image in userspace, never through the
 * kernel: an extension image is untrusted input, and mounting it would hand
 * its metadata to the kernel's filesystem code. One interface, one
 * implementation per format (squashfs through libsquashfs, erofs with a small
 * bounded reader of our own); the inventory asks for a handful of small files
 * (extension-release, os-release), lists one directory and reads an
 * extended attribute (user.extension-release.strict).
 *
 * The filesystem lies at [offset, offset + size) of an open file, so a bare
 * image (offset 0, the file's size) and a partition of a disk image (its
 * extent from the partition table) are read the same way. Every reader bounds
 * what the image controls: path depth and length, symlinks followed (none by
 * default), directory entries listed, bytes read (the caller's max), and
 * reports a malformed image as -EBADMSG, never a crash. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum fs_type {
        FS_UNKNOWN,
        FS_SQUASHFS,
        FS_EROFS,
};

/* The filesystem whose superblock lies at offset of fd, by its magic
 * (squashfs "hsqs" at 0, erofs 0xE0F5E1E2 at 1024), or FS_UNKNOWN; reads
 * only the bytes it needs. -errno when fd cannot be read. */
int fs_probe(int fd, uint64_t offset, uint64_t size, enum fs_type *ret_type);

const char *fs_type_name(enum fs_type type);      /* "squashfs", "erofs", "unknown" */

struct fs_reader;

/* Opens the filesystem of type at [offset, offset + size) of fd (which must
 * stay open until fs_reader_free). -EBADMSG: not a valid image of that type;
 * -EOPNOTSUPP: a feature the reader does not implement (the caller says so
 * rather than guessing). */
int fs_reader_open(int fd, uint64_t offset, uint64_t size, enum fs_type type, struct fs_reader **ret);
struct fs_reader *fs_reader_free(struct fs_reader *r);
void fs_reader_freep(struct fs_reader **r);

/* The regular file at path (absolute inside the image, "/usr/lib/os-release"),
 * whole, NUL-terminated; symlinks are not followed. -ENOENT: no such name;
 * -EISDIR / -EINVAL: not a regular file; -EFBIG: larger than max bytes. */
int fs_reader_read_file(struct fs_reader *r, const char *path, size_t max, char **ret_data, size_t *ret_len);

/* Calls fn for each entry of the directory at path (no "." or ".."), in the
 * image's order, at most max_entries times (-E2BIG after that). A non-zero
 * return of fn stops the walk and is returned. */
enum fs_entry_type {
        FS_ENTRY_REGULAR,
        FS_ENTRY_DIRECTORY,
        FS_ENTRY_SYMLINK,
        FS_ENTRY_OTHER,
};
typedef int (*fs_entry_fn)(const char *name, enum fs_entry_type type, void *userdata);
int fs_reader_list(struct fs_reader *r, const char *path, size_t max_entries, fs_entry_fn fn, void *userdata);

/* The value of the extended attribute name (whole: "user.NAME") of the entry
 * at path, symlinks not followed, NUL-terminated. -ENODATA: the entry has no
 * such attribute; -E2BIG: its value is larger than max bytes; -EOPNOTSUPP:
 * the format's reader does not read extended attributes (erofs). */
int fs_reader_get_xattr(struct fs_reader *r, const char *path, const char *name, size_t max, char **ret_value,
                        size_t *ret_len);
