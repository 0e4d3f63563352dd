/* SHA-256 of file descriptors and buffers through libcrypto, which uses the
 * CPU's SHA extensions where present, loaded on first use. One hasher per
 * thread. */
#pragma once

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "macros.h"

#define SHA256_LEN 32

struct hasher;

/* Fails with -ELIBACC when libcrypto cannot be loaded (it is loaded on first
 * use), -ELIBBAD when it lacks an entry point. */
int hasher_new(struct hasher **ret);
/* A hasher of another digest libcrypto knows by name ("MD5": what package
 * databases record), of len bytes (at most SHA256_LEN); hasher_end() and
 * hasher_fd() then write len bytes. */
int hasher_new_digest(const char *name, unsigned len, struct hasher **ret);
/* From now on, hasher_feed_fd() adds the bytes it feeds to *counter as it
 * reads (a progress line's count of a large file); NULL: no counter. */
void hasher_set_progress(struct hasher *h, atomic_ullong *counter);
struct hasher *hasher_free(struct hasher *h);
DEFINE_FREEP(struct hasher, hasher_free);

/* Reading a stream to its end rather than up to a size known from fstat(). */
#define HASH_TO_EOF UINT64_MAX

/* Feeds fd's content from offset 0 into a hash begun with hasher_begin(): at
 * most 'size' bytes, the size fstat() gave (a file that keeps growing is not
 * read forever), or a stream to its end with HASH_TO_EOF. Holes of a sparse
 * file are hashed as the zeros they read as, without reading them. Checks
 * *cancel (if given) between chunks: -ECANCELED. *ret_size (if given)
 * receives the number of bytes hashed, less than size if the file shrank. */
int hasher_feed_fd(struct hasher *h, int fd, uint64_t size, const volatile sig_atomic_t *cancel,
                   uint64_t *ret_size);
/* hasher_begin(), hasher_feed_fd() and hasher_end() in one. */
int hasher_fd(struct hasher *h, int fd, uint64_t size, const volatile sig_atomic_t *cancel,
              uint8_t out[SHA256_LEN], uint64_t *ret_size);

int hasher_begin(struct hasher *h);
int hasher_update(struct hasher *h, const void *p, size_t n);
int hasher_end(struct hasher *h, uint8_t out[SHA256_LEN]);

int sha256_buf(const void *p, size_t n, uint8_t out[SHA256_LEN]);
