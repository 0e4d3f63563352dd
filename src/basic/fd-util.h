/* File descriptor helpers that never follow a symlink and never leave a root. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Opens 'rel' (relative, no leading slash; "" or "." for the root itself) below
 * the directory rootfd without following any symlink or leaving the root:
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), or a component-by-component
 * O_NOFOLLOW walk on kernels without openat2. Returns an fd or -errno. */
int open_beneath(int rootfd, const char *rel, int flags);

/* Reads a whole small file below rootfd into a NUL-terminated heap buffer,
 * failing with -EFBIG past max bytes. */
int read_file_beneath(int rootfd, const char *rel, size_t max, char **ret, size_t *ret_len);

/* One read(), retried on EINTR: bytes read (0 at the end) or -errno. */
ssize_t read_retry(int fd, void *p, size_t n);

/* Reads fd to its end into a NUL-terminated heap buffer (-EFBIG past max). */
int read_fd_all(int fd, size_t max, char **ret, size_t *ret_len);
/* Reads the file at path (following symlinks: for paths a user names). */
int read_file(const char *path, size_t max, char **ret, size_t *ret_len);

/* Writes all of p to fd, retrying short writes and EINTR. */
int write_all(int fd, const void *p, size_t n);
