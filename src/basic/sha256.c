/* SHA-256 through libcrypto's EVP interface; see sha256.h. */
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fd-util.h"
#include "macros.h"

#define READ_CHUNK ((size_t) 256 << 10)

struct hasher {
        EVP_MD_CTX *ctx;
        EVP_MD *md;
        unsigned char *chunk;
};

struct hasher *hasher_free(struct hasher *h)
{
        if (!h)
                return NULL;
        EVP_MD_CTX_free(h->ctx);
        EVP_MD_free(h->md);
        free(h->chunk);
        free(h);
        return NULL;
}

int hasher_new(struct hasher **ret)
{
        struct hasher *h = calloc(1, sizeof(*h));

        if (!h)
                return -ENOMEM;
        /* An explicit fetch once per hasher avoids libcrypto's per-call lookup. */
        h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
        h->ctx = EVP_MD_CTX_new();
        h->chunk = malloc(READ_CHUNK);
        if (!h->md || !h->ctx || !h->chunk) {
                hasher_free(h);
                return -ENOMEM;
        }
        *ret = h;
        return 0;
}

int hasher_begin(struct hasher *h)
{
        return EVP_DigestInit_ex(h->ctx, h->md, NULL) == 1 ? 0 : -EIO;
}

int hasher_update(struct hasher *h, const void *p, size_t n)
{
        return EVP_DigestUpdate(h->ctx, p, n) == 1 ? 0 : -EIO;
}

int hasher_end(struct hasher *h, uint8_t out[SHA256_LEN])
{
        unsigned int len = 0;

        if (EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != SHA256_LEN)
                return -EIO;
        return 0;
}

int hasher_feed_fd(struct hasher *h, int fd, uint64_t *ret_size)
{
        uint64_t total = 0;
        ssize_t n;
        int r;

        (void) posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        for (;;) {
                n = read_retry(fd, h->chunk, READ_CHUNK);
                if (n < 0)
                        return (int) n;
                if (n == 0)
                        break;
                r = hasher_update(h, h->chunk, (size_t) n);
                if (r < 0)
                        return r;
                total += (uint64_t) n;
        }
        if (ret_size)
                *ret_size = total;
        return 0;
}

int hasher_fd(struct hasher *h, int fd, uint8_t out[SHA256_LEN], uint64_t *ret_size)
{
        int r;

        r = hasher_begin(h);
        if (r >= 0)
                r = hasher_feed_fd(h, fd, ret_size);
        if (r >= 0)
                r = hasher_end(h, out);
        return r;
}

int sha256_buf(const void *p, size_t n, uint8_t out[SHA256_LEN])
{
        unsigned int len = 0;

        if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 || len != SHA256_LEN)
                return -EIO;
        return 0;
}
