/* SHA-256 through libcrypto's EVP interface; see sha256.h.
 *
 * libcrypto is loaded on first use, not linked (basic/libcrypto.h). */
#define _GNU_SOURCE
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "libcrypto.h"
#include "macros.h"

#define READ_CHUNK ((size_t) 256 << 10)
#define SPARSE_MIN ((uint64_t) 4 << 20)

struct hasher {
        EVP_MD_CTX *ctx;
        EVP_MD *md;
        unsigned char *chunk;
        atomic_ullong *progress;        /* optional: bytes fed from files, as they go */
        unsigned len;                   /* the digest's length */
};

struct hasher *hasher_free(struct hasher *h)
{
        if (!h)
                return NULL;
        /* A hasher exists only once libcrypto is loaded. */
        if (h->ctx)
                libcrypto.EVP_MD_CTX_free(h->ctx);
        if (h->md)
                libcrypto.EVP_MD_free(h->md);
        free(h->chunk);
        free(h);
        return NULL;
}

int hasher_new(struct hasher **ret)
{
        return hasher_new_digest("SHA256", SHA256_LEN, ret);
}

int hasher_new_digest(const char *name, unsigned len, struct hasher **ret)
{
        struct hasher *h;
        int r;

        r = libcrypto_load();
        if (r < 0)
                return r;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        /* An explicit fetch once per hasher avoids libcrypto's per-call lookup. */
        h->md = libcrypto.EVP_MD_fetch(NULL, name, NULL);
        h->len = len;
        h->ctx = libcrypto.EVP_MD_CTX_new();
        h->chunk = malloc(READ_CHUNK);
        if (!h->md || !h->ctx || !h->chunk || len > SHA256_LEN) {
                hasher_free(h);
                return -ENOMEM;
        }
        *ret = h;
        return 0;
}

int hasher_begin(struct hasher *h)
{
        return libcrypto.EVP_DigestInit_ex(h->ctx, h->md, NULL) == 1 ? 0 : -EIO;
}

int hasher_update(struct hasher *h, const void *p, size_t n)
{
        return libcrypto.EVP_DigestUpdate(h->ctx, p, n) == 1 ? 0 : -EIO;
}

int hasher_end(struct hasher *h, uint8_t out[SHA256_LEN])
{
        unsigned int len = 0;

        if (libcrypto.EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != h->len)
                return -EIO;
        return 0;
}

/* Feeds n zero bytes: a hole of a sparse file, hashed without reading it. */
static int feed_zeros(struct hasher *h, uint64_t n, const volatile sig_atomic_t *cancel)
{
        static const unsigned char zeros[READ_CHUNK];

        while (n > 0) {
                size_t k = n < READ_CHUNK ? (size_t) n : READ_CHUNK;
                int r;

                if (cancel && *cancel)
                        return -ECANCELED;
                r = hasher_update(h, zeros, k);
                if (r < 0)
                        return r;
                if (h->progress)
                        atomic_fetch_add_explicit(h->progress, k, memory_order_relaxed);
                n -= k;
        }
        return 0;
}

/* Where the data at or after 'at' begins and ends (the next hole), for a
 * file of 'size' bytes: both are the end when only a hole is left (the end is
 * where the file now ends, if it shrank). -errno when the file has no hole
 * support (then it is read whole). */
static int next_data(int fd, uint64_t at, uint64_t size, uint64_t *ret_data, uint64_t *ret_end)
{
        off_t data = lseek(fd, (off_t) at, SEEK_DATA), hole;
        struct stat st;

        if (data < 0 && errno == ENXIO) {
                if (fstat(fd, &st) < 0)
                        return negative_errno();
                *ret_data = *ret_end = (uint64_t) st.st_size < size ? (uint64_t) st.st_size : size;
                if (*ret_data < at)
                        *ret_data = *ret_end = at;
                return 0;
        }
        if (data < 0)
                return negative_errno();
        hole = lseek(fd, data, SEEK_HOLE);
        if (hole < 0 || lseek(fd, data, SEEK_SET) < 0)
                return negative_errno();
        *ret_data = (uint64_t) data < size ? (uint64_t) data : size;
        *ret_end = (uint64_t) hole < size ? (uint64_t) hole : size;
        return 0;
}

void hasher_set_progress(struct hasher *h, atomic_ullong *counter)
{
        h->progress = counter;
}

int hasher_feed_fd(struct hasher *h, int fd, uint64_t size, const volatile sig_atomic_t *cancel,
                   uint64_t *ret_size)
{
        /* Holes are looked for only in large files: reading a small one whole
         * costs less than asking the filesystem where its data lies. */
        bool sparse = size != HASH_TO_EOF && size > SPARSE_MIN;
        uint64_t total = 0, data_end = 0;
        int r;

        (void) posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        while (total < size) {
                uint64_t left;
                ssize_t n;

                if (cancel && *cancel)
                        return -ECANCELED;
                if (sparse && total >= data_end) {
                        uint64_t data;

                        if (next_data(fd, total, size, &data, &data_end) < 0) {
                                sparse = false;
                                if (lseek(fd, (off_t) total, SEEK_SET) < 0)
                                        return negative_errno();
                        } else if (data > total) {
                                r = feed_zeros(h, data - total, cancel);
                                if (r < 0)
                                        return r;
                                total = data;
                                continue;
                        }
                }
                left = (sparse ? data_end : size) - total;
                n = read_retry(fd, h->chunk, left < READ_CHUNK ? (size_t) left : READ_CHUNK);
                if (n == -EINTR)
                        continue;       /* the cancel flag decides, above */
                if (n < 0)
                        return (int) n;
                if (n == 0)
                        break;          /* shorter than stat'ed: it shrank meanwhile */
                r = hasher_update(h, h->chunk, (size_t) n);
                if (r < 0)
                        return r;
                total += (uint64_t) n;
                if (h->progress)
                        atomic_fetch_add_explicit(h->progress, (uint64_t) n, memory_order_relaxed);
        }
        if (ret_size)
                *ret_size = total;
        return 0;
}

int hasher_fd(struct hasher *h, int fd, uint64_t size, const volatile sig_atomic_t *cancel,
              uint8_t out[SHA256_LEN], uint64_t *ret_size)
{
        int r;

        r = hasher_begin(h);
        if (r >= 0)
                r = hasher_feed_fd(h, fd, size, cancel, ret_size);
        if (r >= 0)
                r = hasher_end(h, out);
        return r;
}

int sha256_buf(const void *p, size_t n, uint8_t out[SHA256_LEN])
{
        _cleanup_(hasher_freep) struct hasher *h = NULL;
        int r;

        r = hasher_new(&h);
        if (r >= 0)
                r = hasher_begin(h);
        if (r >= 0)
                r = hasher_update(h, p, n);
        if (r >= 0)
                r = hasher_end(h, out);
        return r;
}
