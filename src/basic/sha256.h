/* SHA-256 of file descriptors and buffers through libcrypto, which uses the
 * CPU's SHA extensions where present. One hasher per thread. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct hasher;

int hasher_new(struct hasher **ret);
struct hasher *hasher_free(struct hasher *h);

/* Hashes everything readable from fd (from its current offset) into out.
 * *ret_size (if given) receives the number of bytes hashed. */
int hasher_fd(struct hasher *h, int fd, uint8_t out[SHA256_LEN], uint64_t *ret_size);

/* Feeds everything readable from fd into a hash begun with hasher_begin(). */
int hasher_feed_fd(struct hasher *h, int fd, uint64_t *ret_size);

int hasher_begin(struct hasher *h);
int hasher_update(struct hasher *h, const void *p, size_t n);
int hasher_end(struct hasher *h, uint8_t out[SHA256_LEN]);

int sha256_buf(const void *p, size_t n, uint8_t out[SHA256_LEN]);
