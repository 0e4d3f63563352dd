/* File descriptor helpers that never follow a symlink and never leave a root. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "strv.h"

/* Opens 'rel' (relative, no leading slash; "" or "." for the root itself) below
 * the directory rootfd without following any symlink or leaving the root:
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), or a component-by-component
 * O_NOFOLLOW walk on kernels without openat2. rel may be longer than PATH_MAX:
 * it is then resolved in pieces, each beneath the directory the one before
 * reached. Returns an fd or -errno. */
int open_beneath(int rootfd, const char *rel, int flags);
/* Retries of a lookup that raced a rename (openat2's EAGAIN) before giving up. */
#define OPEN_BENEATH_RETRIES 32
/* The component-by-component walk open_beneath falls back to (for tests). */
int open_beneath_fallback(int rootfd, const char *rel, int flags);

/* Opens what fd (an O_PATH descriptor, say) refers to anew, with flags:
 * the very inode, no path lookup. Returns an fd or -errno. */
int fd_reopen(int fd, int flags);

/* Opens the regular file 'name' in dirfd for reading without ever opening anything else:
 * O_PATH | O_NOFOLLOW first, fstat() of that, then the reopen. A device, FIFO
 * or socket swapped in gives -ESTALE, a symlink -ELOOP, and neither is opened.
 * *ret_st (if given) receives the file's stat. Returns an fd or -errno. */
int open_regular_at(int dirfd, const char *name, struct stat *ret_st);
/* The same below a root, as open_beneath() resolves rel. */
int open_regular_beneath(int rootfd, const char *rel, struct stat *ret_st);

/* 0 when rel (below rootfd, as open_beneath resolves it) still names the
 * inode fd refers to; -ESTALE when it names something else or nothing (the
 * directory was moved or replaced). */
int fd_verify_beneath(int rootfd, const char *rel, int fd);

/* Reads a whole small file below rootfd into a NUL-terminated heap buffer,
 * failing with -EFBIG past max bytes. */
int read_file_beneath(int rootfd, const char *rel, size_t max, char **ret, size_t *ret_len);

/* One read(): bytes read (0 at the end) or -errno. A signal that interrupts it
 * gives -EINTR, not a retry: every handler this program installs asks it to
 * stop, so a read of a silent pipe or FIFO must not outlive Ctrl-C. */
ssize_t read_retry(int fd, void *p, size_t n);

/* Reads exactly n bytes at offset off of fd (a file or block device):
 * 0, -ENODATA when the file ends first, or -errno. */
int pread_full(int fd, void *p, size_t n, uint64_t off);

/* Reads fd to its end into a NUL-terminated heap buffer (-EFBIG past max). */
int read_fd_all(int fd, size_t max, char **ret, size_t *ret_len);
/* Reads the file at path (following symlinks: for paths a user names). */
int read_file(const char *path, size_t max, char **ret, size_t *ret_len);

/* Writes all of p to fd, retrying short writes and EINTR. */
int write_all(int fd, const void *p, size_t n);

/* The names in the directory dirfd that end in suffix (and are longer than
 * it), hidden ones skipped, sorted (strcmp); -E2BIG past max of them.
 * On success *ret (which the caller gives empty) owns them. */
int dir_names_with_suffix(int dirfd, const char *suffix, size_t max, struct strv *ret);
