/* Unit tests for src/host/verity.c on hash trees `veritysetup format` makes:
 * with and without a superblock, salts of several lengths and none, 512-byte
 * blocks (as systemd-repart writes them) and 4 KiB ones, data of 1, 127, 129
 * and 1024 blocks, the hash area after the data in the same file; every
 * verdict is compared with `veritysetup verify`. Then the trees are damaged:
 * a byte of a data block, of a hash block, of the top block, a wrong root
 * hash, a truncated hash area, superblocks with impossible sizes. Without
 * veritysetup (package cryptsetup-bin) the tests skip, and fail under
 * CI=true. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmpdir.h"
#include "basic/macros.h"
#include "basic/spawn.h"
#include "host/verity.h"

#define BLOCK 4096

static char dir[TMPDIR_LEN];
static char *veritysetup;       /* or NULL */
static unsigned serial;

static void require_veritysetup(void)
{
        if (veritysetup)
                return;
        if (getenv("CI") && strcmp(getenv("CI"), "true") == 0)
                fail_msg("veritysetup not found (package cryptsetup-bin; a failure under CI=true)");
        print_message("skipped: veritysetup not found (package cryptsetup-bin)\n");
        skip();
}

/* A fresh path in the scratch directory. */
static char *new_path(const char *what)
{
        char *p;

        assert_true(asprintf(&p, "%s/%s-%u", dir, what, serial++) > 0);
        return p;
}

/* Writes size random-looking bytes to path. */
static void write_random(const char *path, size_t size, uint32_t seed)
{
        _cleanup_(freep) uint8_t *buf = malloc(size);
        int fd;

        assert_non_null(buf);
        for (size_t i = 0; i < size; i++) {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                buf[i] = (uint8_t) seed;
        }
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, buf, size), (ssize_t) size);
        assert_int_equal(close(fd), 0);
}

static void flip_byte(const char *path, uint64_t off)
{
        int fd = open(path, O_RDWR | O_CLOEXEC);
        uint8_t b;

        assert_true(fd >= 0);
        assert_int_equal(pread(fd, &b, 1, (off_t) off), 1);
        b ^= 0x5a;
        assert_int_equal(pwrite(fd, &b, 1, (off_t) off), 1);
        assert_int_equal(close(fd), 0);
}

/* Runs veritysetup with the NULL-terminated arguments: its exit status, and
 * its stdout in *ret_out (if given). */
static int run_veritysetup(char **ret_out, ...)
{
        char *argv[32] = { "veritysetup" };
        struct spawn_result res = {};
        size_t n = 1;
        va_list ap;
        int status;

        va_start(ap, ret_out);
        while ((argv[n] = va_arg(ap, char *)))
                assert_true(++n < ARRAY_SIZE(argv));
        va_end(ap);
        assert_int_equal(spawn_capture(veritysetup, argv, 1 << 20, 120000, NULL, &res), 0);
        status = res.status;
        if (ret_out)
                *ret_out = TAKE_PTR(res.out);
        spawn_result_release(&res);
        return status;
}

/* The "Root hash:" of veritysetup format's output. */
static char *root_of(const char *out)
{
        const char *p = strstr(out, "Root hash:");
        char *root;

        assert_non_null(p);
        p += strlen("Root hash:");
        p += strspn(p, " \t");
        root = strndup(p, 64);
        assert_non_null(root);
        assert_int_equal(strlen(root), 64);
        return root;
}

/* veritysetup format with the extra arguments (NULL-terminated, at most 8)
 * of data into hash: the root hash. */
static char *format(const char *data, const char *hash, ...)
{
        char *argv[16] = { "format" };
        _cleanup_(freep) char *out = NULL;
        size_t n = 1;
        va_list ap;

        va_start(ap, hash);
        while ((argv[n] = va_arg(ap, char *)))
                assert_true(++n < 12);
        va_end(ap);
        argv[n++] = (char *) data;
        argv[n++] = (char *) hash;
        argv[n] = NULL;
        assert_int_equal(run_veritysetup(&out, argv[0], argv[1], argv[2], argv[3], argv[4], argv[5], argv[6],
                                         argv[7], argv[8], argv[9], argv[10], argv[11], argv[12], NULL),
                         0);
        return root_of(out);
}

/* Whether `veritysetup verify` accepts the tree (extra: one option or NULL). */
static bool oracle_ok(const char *data, const char *hash, const char *root, const char *extra)
{
        if (extra)
                return run_veritysetup(NULL, "verify", extra, data, hash, root, NULL) == 0;
        return run_veritysetup(NULL, "verify", data, hash, root, NULL) == 0;
}

/* verity_verify of the files: its return value, the result in *res. */
static int verify_files(const char *data, uint64_t data_size, const char *hash, uint64_t hash_offset,
                        const char *root, const struct verity_params *opt, struct verity_result *res)
{
        _cleanup_(closep) int dfd = open(data, O_RDONLY | O_CLOEXEC);
        _cleanup_(closep) int hfd = open(hash, O_RDONLY | O_CLOEXEC);

        assert_true(dfd >= 0 && hfd >= 0);
        return verity_verify(dfd, 0, data_size, hfd, hash_offset, root, opt, res);
}

static const struct verity_params with_sb = { .superblock = true };

/* Both veritysetup verify and verity_verify (superblock at 0) judge the tree:
 * the oracle accepts it exactly when we find it verified, and a mismatch is
 * where we expect it. */
static void expect(const char *data, const char *hash, const char *root, enum verity_status status,
                   unsigned level, uint64_t block)
{
        struct verity_result res;

        assert_int_equal(oracle_ok(data, hash, root, NULL), status == VERITY_VERIFIED);
        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &with_sb, &res), 0);
        assert_int_equal(res.status, status);
        if (status == VERITY_MISMATCH) {
                assert_int_equal(res.bad_level, level);
                assert_int_equal(res.bad_block, block);
        }
}

/* Formats blocks random blocks with a superblock: paths and root hash. */
static void make_image(size_t blocks, char **ret_data, char **ret_hash, char **ret_root)
{
        *ret_data = new_path("data");
        *ret_hash = new_path("hash");
        write_random(*ret_data, blocks * BLOCK, (uint32_t) blocks + 1);
        *ret_root = format(*ret_data, *ret_hash, NULL);
}

static void test_superblock_sizes(void **state)
{
        static const size_t sizes[] = { 1, 2, 127, 128, 129, 1024 };
        static const unsigned levels[] = { 0, 1, 1, 1, 2, 2 };

        require_veritysetup();
        for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
                _cleanup_(freep) char *data = NULL, *hash = NULL, *root = NULL;
                struct verity_result res;

                make_image(sizes[i], &data, &hash, &root);
                assert_true(oracle_ok(data, hash, root, NULL));
                for (unsigned threads = 1; threads <= 3; threads++) {
                        struct verity_params opt = { .superblock = true, .threads = threads };

                        memset(&res, 0xaa, sizeof(res));
                        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &opt, &res), 0);
                        assert_int_equal(res.status, VERITY_VERIFIED);
                        assert_int_equal(res.data_blocks, sizes[i]);
                        assert_int_equal(res.data_block_size, BLOCK);
                        assert_int_equal(res.hash_type, 1);
                        assert_int_equal(res.salt_size, 32);
                        assert_int_equal(res.levels, levels[i]);
                }
        }
}

/* The superblock names fewer blocks than the file holds: only those count. */
static void test_data_blocks_option(void **state)
{
        _cleanup_(freep) char *data = new_path("data"), *hash = new_path("hash"), *root = NULL;
        struct verity_result res;

        require_veritysetup();
        write_random(data, 300 * BLOCK, 9);
        root = format(data, hash, "--data-blocks=200", NULL);
        assert_true(oracle_ok(data, hash, root, NULL));
        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &with_sb, &res), 0);
        assert_int_equal(res.status, VERITY_VERIFIED);
        assert_int_equal(res.data_blocks, 200);
        /* Beyond them, damage goes unnoticed by both. */
        flip_byte(data, 250 * BLOCK);
        assert_true(oracle_ok(data, hash, root, NULL));
        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &with_sb, &res), 0);
        assert_int_equal(res.status, VERITY_VERIFIED);
}

/* --no-superblock: the parameters come from the caller. */
static void test_no_superblock(void **state)
{
        static const uint8_t salt[] = { 0xde, 0xad, 0xbe, 0xef, 0x01 };
        static const struct {
                const char *salt_arg;
                const uint8_t *salt;
                size_t salt_size;
                uint32_t dbs, hbs, type;
                size_t blocks;
        } cases[] = {
                { "--salt=deadbeef01", salt, sizeof(salt), 4096, 4096, 1, 129 },
                { "--salt=-", NULL, 0, 4096, 4096, 1, 127 },
                { "--salt=deadbeef01", salt, sizeof(salt), 512, 1024, 1, 1000 },
                { "--salt=deadbeef01", salt, sizeof(salt), 4096, 4096, 0, 129 },
                { "--salt=-", NULL, 0, 1024, 512, 0, 1 },
        };

        require_veritysetup();
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_(freep) char *data = new_path("data"), *hash = new_path("hash"), *root = NULL;
                _cleanup_(freep) char *dbs = NULL, *hbs = NULL, *type = NULL;
                struct verity_params opt = {
                        .hash_type = cases[i].type,
                        .data_block_size = cases[i].dbs,
                        .hash_block_size = cases[i].hbs,
                        .salt = cases[i].salt,
                        .salt_size = cases[i].salt_size,
                };
                struct verity_result res;

                assert_true(asprintf(&dbs, "--data-block-size=%u", cases[i].dbs) > 0);
                assert_true(asprintf(&hbs, "--hash-block-size=%u", cases[i].hbs) > 0);
                assert_true(asprintf(&type, "--format=%u", cases[i].type) > 0);
                write_random(data, cases[i].blocks * cases[i].dbs, (uint32_t) i + 100);
                root = format(data, hash, "--no-superblock", cases[i].salt_arg, dbs, hbs, type, NULL);
                assert_int_equal(run_veritysetup(NULL, "verify", "--no-superblock", cases[i].salt_arg, dbs, hbs,
                                                 type, data, hash, root, NULL),
                                 0);
                assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &opt, &res), 0);
                assert_int_equal(res.status, VERITY_VERIFIED);
                assert_int_equal(res.data_blocks, cases[i].blocks);
                /* The same tree read as if it had a superblock: there is none. */
                assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &with_sb, &res), 0);
                assert_int_equal(res.status, VERITY_MALFORMED);
                /* The wrong salt gives another root. */
                if (opt.salt_size > 0) {
                        opt.salt_size--;
                        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &opt, &res), 0);
                        assert_int_equal(res.status, VERITY_MISMATCH);
                }
        }
}

/* 512-byte blocks and a superblock, as systemd-repart's Verity=hash writes. */
static void test_small_blocks(void **state)
{
        _cleanup_(freep) char *data = new_path("data"), *hash = new_path("hash"), *root = NULL;
        struct verity_result res;

        require_veritysetup();
        write_random(data, 20480 * 512, 5);
        root = format(data, hash, "--data-block-size=512", "--hash-block-size=512", NULL);
        expect(data, hash, root, VERITY_VERIFIED, 0, 0);
        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &with_sb, &res), 0);
        assert_int_equal(res.levels, 4);       /* 20480 blocks, 16 digests a block */
        flip_byte(data, 12345 * 512 + 7);
        expect(data, hash, root, VERITY_MISMATCH, 0, 12345);
}

/* The hash area after the data in the same file (--hash-offset). */
static void test_hash_offset(void **state)
{
        _cleanup_(freep) char *img = new_path("img"), *root = NULL, *arg = NULL;
        const uint64_t data_size = 129 * BLOCK, hash_offset = 132 * BLOCK;
        struct verity_result res;
        int fd;

        require_veritysetup();
        write_random(img, data_size, 77);
        assert_true(asprintf(&arg, "--hash-offset=%llu", (unsigned long long) hash_offset) > 0);
        root = format(img, img, arg, "--data-blocks=129", NULL);
        assert_true(oracle_ok(img, img, root, arg));
        fd = open(img, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(verity_verify(fd, 0, data_size, fd, hash_offset, root, &with_sb, &res), 0);
        assert_int_equal(res.status, VERITY_VERIFIED);
        /* The whole file as data: the superblock names 129 blocks, so still fine. */
        assert_int_equal(verity_verify(fd, 0, UINT64_MAX, fd, hash_offset, root, &with_sb, &res), 0);
        assert_int_equal(res.status, VERITY_VERIFIED);
        /* A data area shorter than the superblock's blocks. */
        assert_int_equal(verity_verify(fd, 0, 100 * BLOCK, fd, hash_offset, root, &with_sb, &res), 0);
        assert_int_equal(res.status, VERITY_MALFORMED);
        /* A hash offset that is not a multiple of 512: the caller's mistake. */
        assert_int_equal(verity_verify(fd, 0, data_size, fd, hash_offset + 100, root, &with_sb, &res), -EINVAL);
        /* No superblock there. */
        assert_int_equal(verity_verify(fd, 0, data_size, fd, 0, root, &with_sb, &res), 0);
        assert_int_equal(res.status, VERITY_MALFORMED);
        close(fd);
}

/* A data area at an offset inside a larger file (a partition of a DDI). */
static void test_data_offset(void **state)
{
        _cleanup_(freep) char *data = NULL, *hash = NULL, *root = NULL, *disk = new_path("disk");
        _cleanup_(freep) uint8_t *buf = malloc(129 * BLOCK);
        struct verity_result res;
        int in, out;

        require_veritysetup();
        make_image(129, &data, &hash, &root);
        in = open(data, O_RDONLY | O_CLOEXEC);
        out = open(disk, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(in >= 0 && out >= 0 && buf);
        assert_int_equal(read(in, buf, 129 * BLOCK), 129 * BLOCK);
        assert_int_equal(pwrite(out, buf, 129 * BLOCK, 1 << 20), 129 * BLOCK);
        assert_int_equal(ftruncate(out, 4 << 20), 0);
        close(in);
        close(out);
        {
                _cleanup_(closep) int dfd = open(disk, O_RDONLY | O_CLOEXEC);
                _cleanup_(closep) int hfd = open(hash, O_RDONLY | O_CLOEXEC);

                assert_int_equal(verity_verify(dfd, 1 << 20, 129 * BLOCK, hfd, 0, root, &with_sb, &res), 0);
                assert_int_equal(res.status, VERITY_VERIFIED);
                assert_int_equal(verity_verify(dfd, 0, 129 * BLOCK, hfd, 0, root, &with_sb, &res), 0);
                assert_int_equal(res.status, VERITY_MISMATCH);
                assert_int_equal(verity_verify(dfd, 8 << 20, 129 * BLOCK, hfd, 0, root, &with_sb, &res), 0);
                assert_int_equal(res.status, VERITY_MALFORMED);
        }
}

static void test_flipped_data(void **state)
{
        static const size_t blocks[] = { 1, 127, 129, 1024 };

        require_veritysetup();
        for (size_t i = 0; i < ARRAY_SIZE(blocks); i++) {
                _cleanup_(freep) char *data = NULL, *hash = NULL, *root = NULL;
                uint64_t bad = blocks[i] * 3 / 5;
                struct verity_result res;

                make_image(blocks[i], &data, &hash, &root);
                flip_byte(data, bad * BLOCK + 1234);
                assert_false(oracle_ok(data, hash, root, NULL));
                for (unsigned threads = 1; threads <= 2; threads++) {
                        struct verity_params opt = { .superblock = true, .threads = threads };

                        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &opt, &res), 0);
                        assert_int_equal(res.status, VERITY_MISMATCH);
                        /* With one block (no hash levels) the data block is
                         * checked against the root hash: level 0 as well. */
                        assert_int_equal(res.bad_level, 0);
                        assert_int_equal(res.bad_block, bad);
                }
                /* More bad blocks in later chunks (of 256 blocks): the first is named. */
                if (blocks[i] == 1024) {
                        flip_byte(data, 1000 * BLOCK);
                        flip_byte(data, 900 * BLOCK);
                        for (unsigned threads = 1; threads <= 2; threads++) {
                                struct verity_params opt = { .superblock = true, .threads = threads };

                                assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &opt, &res), 0);
                                assert_int_equal(res.status, VERITY_MISMATCH);
                                assert_int_equal(res.bad_block, bad);
                        }
                }
        }
}

/* 129 blocks: two hash levels, laid out after the superblock's block as
 * [level 1: 1 block][level 0: 2 blocks]. */
static void test_flipped_hash(void **state)
{
        _cleanup_(freep) char *data = NULL, *hash = NULL, *root = NULL;

        require_veritysetup();
        make_image(129, &data, &hash, &root);

        /* The second block of level 0 holds the digest of data block 128:
         * it no longer hashes to its digest in level 1. */
        flip_byte(hash, 3 * BLOCK + 3);
        expect(data, hash, root, VERITY_MISMATCH, 1, 128);
        flip_byte(hash, 3 * BLOCK + 3);
        expect(data, hash, root, VERITY_VERIFIED, 0, 0);

        /* The padding of that block, after its one digest. */
        flip_byte(hash, 3 * BLOCK + 100);
        expect(data, hash, root, VERITY_MISMATCH, 1, 128);
        flip_byte(hash, 3 * BLOCK + 100);

        /* The top block: the root hash no longer matches. */
        flip_byte(hash, 1 * BLOCK + 40);
        expect(data, hash, root, VERITY_MISMATCH, 2, 0);
}

static void test_wrong_root(void **state)
{
        _cleanup_(freep) char *data = NULL, *hash = NULL, *root = NULL;
        struct verity_result res;
        char wrong[65];

        require_veritysetup();
        make_image(127, &data, &hash, &root);
        memcpy(wrong, root, sizeof(wrong));
        wrong[10] = wrong[10] == '0' ? '1' : '0';
        assert_false(oracle_ok(data, hash, wrong, NULL));
        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, wrong, &with_sb, &res), 0);
        assert_int_equal(res.status, VERITY_MISMATCH);
        assert_int_equal(res.bad_level, res.levels);
        assert_string_equal(res.reason, "root hash differs");
        /* Upper case is the same hash. */
        for (char *p = root; *p; p++)
                if (*p >= 'a' && *p <= 'f')
                        *p = (char) (*p - 'a' + 'A');
        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &with_sb, &res), 0);
        assert_int_equal(res.status, VERITY_VERIFIED);
        /* Not a root hash: the caller's error, *res untouched. */
        memset(&res, 0x11, sizeof(res));
        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, "abcd", &with_sb, &res), -EINVAL);
        assert_int_equal(res.bad_level, 0x11111111);
        root[5] = 'x';
        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &with_sb, &res), -EINVAL);
}

static void test_truncated_hash(void **state)
{
        _cleanup_(freep) char *data = NULL, *hash = NULL, *root = NULL;
        struct verity_result res;

        require_veritysetup();
        make_image(1024, &data, &hash, &root);
        assert_int_equal(truncate(hash, 5 * BLOCK), 0);
        assert_false(oracle_ok(data, hash, root, NULL));
        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &with_sb, &res), 0);
        assert_int_equal(res.status, VERITY_MALFORMED);
        assert_int_equal(truncate(hash, 100), 0);
        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &with_sb, &res), 0);
        assert_int_equal(res.status, VERITY_MALFORMED);
        /* Truncated data: fewer blocks than the superblock names. */
        assert_int_equal(truncate(data, 1000 * BLOCK), 0);
        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &with_sb, &res), 0);
        assert_int_equal(res.status, VERITY_MALFORMED);
}

static void put_le(uint8_t *p, uint64_t v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

/* Superblocks edited to impossible values: malformed, at once, with no
 * allocation that follows them (the walk never reads past the checks). */
static void test_absurd_superblock(void **state)
{
        static const struct {
                size_t off, len;
                uint64_t value;
        } edits[] = {
                { 72, 8, UINT64_C(1) << 62 },           /* data blocks */
                { 72, 8, UINT64_MAX },
                { 72, 8, 0 },
                { 64, 4, 3 },                           /* data block size */
                { 68, 4, 1u << 30 },                    /* hash block size */
                { 68, 4, 256 },
                { 80, 2, 300 },                         /* salt size */
                { 8, 4, 2 },                            /* version */
                { 12, 4, 7 },                           /* hash type */
                { 0, 1, 'V' },                          /* signature */
        };
        _cleanup_(freep) char *data = NULL, *hash = NULL, *root = NULL;

        require_veritysetup();
        make_image(129, &data, &hash, &root);
        for (size_t i = 0; i < ARRAY_SIZE(edits); i++) {
                uint8_t sb[512], saved[512];
                struct verity_result res;
                int fd = open(hash, O_RDWR | O_CLOEXEC);

                assert_true(fd >= 0);
                assert_int_equal(pread(fd, saved, sizeof(saved), 0), 512);
                memcpy(sb, saved, sizeof(sb));
                put_le(sb + edits[i].off, edits[i].value, edits[i].len);
                assert_int_equal(pwrite(fd, sb, sizeof(sb), 0), 512);
                assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &with_sb, &res), 0);
                assert_int_equal(res.status, VERITY_MALFORMED);
                assert_non_null(res.reason);
                assert_int_equal(pwrite(fd, saved, sizeof(saved), 0), 512);
                close(fd);
        }
}

static void test_other_algorithm(void **state)
{
        _cleanup_(freep) char *data = new_path("data"), *hash = new_path("hash"), *root = NULL;
        _cleanup_(freep) char *out = NULL;
        struct verity_result res;

        require_veritysetup();
        write_random(data, 10 * BLOCK, 3);
        assert_int_equal(run_veritysetup(&out, "format", "--hash=sha1", data, hash, NULL), 0);
        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0,
                                      "0000000000000000000000000000000000000000000000000000000000000000", &with_sb,
                                      &res),
                         -EOPNOTSUPP);
}

/* Explicit parameters the caller got wrong. */
static void test_bad_params(void **state)
{
        _cleanup_(freep) char *data = NULL, *hash = NULL, *root = NULL;
        struct verity_params opt = { .hash_type = 1, .data_block_size = 4096, .hash_block_size = 4096 };
        struct verity_result res;

        require_veritysetup();
        make_image(2, &data, &hash, &root);
        opt.data_block_size = 4000;
        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &opt, &res), -EINVAL);
        opt.data_block_size = 4096;
        opt.salt_size = 300;
        opt.salt = (const uint8_t *) root;
        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &opt, &res), -EINVAL);
        opt.salt_size = 0;
        assert_int_equal(verify_files(data, UINT64_MAX, hash, 100, root, &opt, &res), -EINVAL);
        opt.hash_type = 2;
        assert_int_equal(verify_files(data, UINT64_MAX, hash, 0, root, &opt, &res), -EINVAL);
        /* A FIFO is no image. */
        {
                _cleanup_(freep) char *fifo = new_path("fifo");
                _cleanup_(closep) int ffd = -1, hfd = open(hash, O_RDONLY | O_CLOEXEC);

                assert_int_equal(mkfifo(fifo, 0600), 0);
                ffd = open(fifo, O_RDWR | O_CLOEXEC);
                assert_true(ffd >= 0 && hfd >= 0);
                assert_int_equal(verity_verify(ffd, 0, UINT64_MAX, hfd, 0, root, &with_sb, &res), -EINVAL);
        }
}

static int setup(void **state)
{
        tmpdir_make(dir, "verity");
        if (find_executable("veritysetup", &veritysetup) < 0) {
                /* Also where root's PATH has it. */
                if (access("/usr/sbin/veritysetup", X_OK) == 0)
                        veritysetup = strdup("/usr/sbin/veritysetup");
                else if (access("/sbin/veritysetup", X_OK) == 0)
                        veritysetup = strdup("/sbin/veritysetup");
        }
        return 0;
}

static int teardown(void **state)
{
        tmpdir_remove(dir);
        free(veritysetup);
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_superblock_sizes),
                cmocka_unit_test(test_data_blocks_option),
                cmocka_unit_test(test_no_superblock),
                cmocka_unit_test(test_small_blocks),
                cmocka_unit_test(test_hash_offset),
                cmocka_unit_test(test_data_offset),
                cmocka_unit_test(test_flipped_data),
                cmocka_unit_test(test_flipped_hash),
                cmocka_unit_test(test_wrong_root),
                cmocka_unit_test(test_truncated_hash),
                cmocka_unit_test(test_absurd_superblock),
                cmocka_unit_test(test_other_algorithm),
                cmocka_unit_test(test_bad_params),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
