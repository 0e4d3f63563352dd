/* dm-verity hash trees verified in userspace: the data of an extension image
 * hashed block by block, each level of the hash tree checked against the one
 * above it and the top against the root hash, as `veritysetup verify` does,
 * without the kernel and without libcryptsetup (verity.c says why).
 *
 * The data lies at [data_offset, data_offset + data_size) of one file, the
 * hash area at hash_offset of another or the same one (a bare image and its
 * .verity sidecar, a DDI's usr and usr-verity partitions, an image formatted
 * with --hash-offset). Memory does not grow with the image: the data is
 * streamed in chunks of 1 MiB per worker. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VERITY_SALT_MAX 256             /* the superblock's salt field */
#define VERITY_LEVELS_MAX 63            /* the kernel's DM_VERITY_MAX_LEVELS */
#define VERITY_BLOCK_MIN 512
#define VERITY_BLOCK_MAX (512 * 1024)   /* cryptsetup's limit on both block sizes */

/* How to read the hash area. With superblock set, the parameters below are
 * ignored and read from the 512-byte superblock at hash_offset (what
 * `veritysetup format` and systemd-repart's Verity=hash partitions write);
 * otherwise they are the ones given to `veritysetup format --no-superblock`. */
struct verity_params {
        bool superblock;
        uint32_t hash_type;             /* 1 (salt first, the default) or 0 (Chrome OS: salt last) */
        uint32_t data_block_size;       /* 512 .. 512 KiB, a power of two */
        uint32_t hash_block_size;
        uint64_t data_blocks;           /* 0: data_size / data_block_size */
        const uint8_t *salt;
        size_t salt_size;               /* at most VERITY_SALT_MAX */
        unsigned threads;               /* 0: one per CPU, at most 2 (the speed-up stops there) */
        const volatile sig_atomic_t *cancel;    /* checked between chunks: -ECANCELED */
};

enum verity_status {
        VERITY_VERIFIED,                /* every block and the root hash agree */
        VERITY_MISMATCH,                /* a block does not hash to what is stored above it */
        VERITY_MALFORMED,               /* the superblock, sizes or offsets are impossible */
};

struct verity_result {
        enum verity_status status;
        const char *reason;             /* MISMATCH and MALFORMED: a static phrase, "root hash differs" */
        /* The parameters used, from the superblock or the caller. */
        uint32_t hash_type;
        uint32_t data_block_size;
        uint32_t hash_block_size;
        uint64_t data_blocks;
        size_t salt_size;
        uint8_t salt[VERITY_SALT_MAX];
        unsigned levels;                /* hash levels below the root hash (0 for one data block) */
        /* MISMATCH: where. bad_level 0: data block bad_block does not hash to
         * its digest in the lowest level; bad_level L (1 .. levels - 1): a
         * hash block of level L - 1 does not hash to its digest in level L,
         * and bad_block is the first data block below it; bad_level ==
         * levels: the top hash block (or the one data block) does not hash to
         * the root hash, bad_block 0. A non-zero byte in the padding after a
         * level's last digest is reported at that level. */
        unsigned bad_level;
        uint64_t bad_block;
};

/* Verifies the hash tree of the data at [data_offset, data_offset + data_size)
 * of data_fd (data_size UINT64_MAX: up to the end of the file) against the
 * hash area at hash_offset of hash_fd and roothash_hex (64 hex digits). Both
 * descriptors are read with pread() only. Returns 0 with *ret filled for each
 * of the three outcomes (a mismatch or a malformed tree is a result, not an
 * error); -EINVAL for a root hash that is not 64 hex digits or parameters the
 * caller got wrong, -EOPNOTSUPP for a superblock naming another algorithm
 * than sha256, -EIO and other -errno for reads that fail, -ELIBACC without
 * libcrypto, -ECANCELED; *ret is untouched then. */
int verity_verify(int data_fd, uint64_t data_offset, uint64_t data_size, int hash_fd, uint64_t hash_offset,
                  const char *roothash_hex, const struct verity_params *opt, struct verity_result *ret);

const char *verity_status_name(enum verity_status s);      /* "verified", "mismatch", "malformed" */
