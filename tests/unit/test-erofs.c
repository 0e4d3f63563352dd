/* Unit tests for src/host/erofs.c, the bounded erofs reader, on real images:
 * mkfs.erofs builds them from a tree written here (files around the block
 * size, 100 KiB, nested and deep directories, a symlink, a directory of 300
 * entries over several dirent blocks, names of 254 bytes, the longest
 * mkfs.erofs 1.5 writes), in every layout
 * mkfs.erofs 1.5 writes (compact and extended inodes, inline tails or none,
 * chunk-based files with block maps and chunk indexes, compressed files); every
 * file and listing is compared with the tree. Then the images are damaged:
 * truncated, superblock and inode bytes flipped, read at an offset inside a
 * larger file. Without mkfs.erofs (package erofs-utils) the tests skip, and
 * fail under CI=true. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tmpdir.h"
#include "basic/macros.h"
#include "basic/spawn.h"
#include "host/fs-impl.h"

#define BLOCK 4096
#define DEEP 64                 /* directories of the chain /d/d/.../d */

static char dir[TMPDIR_LEN];
static char *mkfs;              /* mkfs.erofs, or NULL */

static void require_mkfs(void)
{
        if (mkfs)
                return;
        if (getenv("CI") && strcmp(getenv("CI"), "true") == 0)
                fail_msg("mkfs.erofs not found (package erofs-utils; a failure under CI=true)");
        print_message("skipped: mkfs.erofs not found (package erofs-utils)\n");
        skip();
}

static char *pathf(const char *fmt, ...) _printf_(1, 2);
static char *pathf(const char *fmt, ...)
{
        va_list ap;
        char *p;

        va_start(ap, fmt);
        assert_true(vasprintf(&p, fmt, ap) > 0);
        va_end(ap);
        return p;
}

/* Writes size bytes to path: random-looking (incompressible) or, with text,
 * a repeated line. */
static void write_file(const char *path, size_t size, uint32_t seed, bool text)
{
        _cleanup_(freep) uint8_t *buf = malloc(size + 1);
        int fd;

        assert_non_null(buf);
        for (size_t i = 0; i < size; i++) {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                buf[i] = text ? (uint8_t) "driftwatch reads erofs\n"[i % 23] : (uint8_t) seed;
        }
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, buf, size), (ssize_t) size);
        assert_int_equal(close(fd), 0);
}

static void make_dir(const char *path)
{
        assert_int_equal(mkdir(path, 0755), 0);
}

/* Xattrs sit between an inode and its inline tail: two of different sizes. */
static void add_xattrs(const char *path)
{
        static const char big[100] = "driftwatch";

        assert_int_equal(lsetxattr(path, "user.dw.small", "x", 1, 0), 0);
        assert_int_equal(lsetxattr(path, "user.dw.big", big, sizeof(big), 0), 0);
}

static void make_tree(const char *t)
{
        static const size_t sizes[] = { 0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 100 * 1024 };
        char long_name[256];
        _cleanup_(freep) char *p = NULL;

        make_dir(t);
        for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
                _cleanup_(freep) char *f = pathf("%s/size-%zu", t, sizes[i]);
                write_file(f, sizes[i], (uint32_t) i + 1, false);
                if (i % 2)
                        add_xattrs(f);
        }
        p = pathf("%s/text", t);
        write_file(p, 64 * 1024, 7, true);
        /* mkfs.erofs 1.5 fails on a name of 255 bytes ("Could not format the
         * device: No such file or directory"): 254 is the longest it writes. */
        memset(long_name, 'n', 254);
        long_name[254] = '\0';
        free(p);
        p = pathf("%s/%s", t, long_name);
        write_file(p, 10, 8, false);

        free(p);
        p = pathf("%s/a", t);
        make_dir(p);
        free(p);
        p = pathf("%s/a/b", t);
        make_dir(p);
        free(p);
        p = pathf("%s/a/b/c", t);
        make_dir(p);
        free(p);
        p = pathf("%s/a/empty", t);
        make_dir(p);
        add_xattrs(p);
        free(p);
        p = pathf("%s/a/b/c/deep.txt", t);
        write_file(p, 300, 9, true);
        add_xattrs(p);
        free(p);
        p = pathf("%s/a/b/other", t);
        write_file(p, 5000, 10, false);
        add_xattrs(p);
        free(p);
        p = pathf("%s/link", t);
        assert_int_equal(symlink("a/b", p), 0);
        free(p);
        p = pathf("%s/fifo", t);
        assert_int_equal(mkfifo(p, 0644), 0);

        free(p);
        p = pathf("%s/usr", t);
        make_dir(p);
        free(p);
        p = pathf("%s/usr/lib", t);
        make_dir(p);
        free(p);
        p = pathf("%s/usr/lib/extension-release.d", t);
        make_dir(p);
        free(p);
        p = pathf("%s/usr/lib/extension-release.d/extension-release.test", t);
        write_file(p, 40, 11, true);

        /* 300 entries with names of 10 to 250 bytes, and one of 254: several dirent blocks. */
        free(p);
        p = pathf("%s/many", t);
        make_dir(p);
        add_xattrs(p);
        for (int i = 0; i < 300; i++) {
                char name[256];
                int n = snprintf(name, sizeof(name), "entry-%03d-", i);
                int len = n + (i % 9) * 30;
                _cleanup_(freep) char *f = NULL;

                memset(name + n, 'x', (size_t) (len - n));
                name[len] = '\0';
                f = pathf("%s/%s", p, name);
                write_file(f, (size_t) i, (uint32_t) i + 100, false);
        }
        free(p);
        p = pathf("%s/many/%s", t, long_name);
        write_file(p, 3, 12, false);

        /* The chain: the file at /d/.../d/f with DEEP - 1 directories is DEEP components. */
        free(p);
        p = pathf("%s", t);
        for (int i = 0; i < DEEP; i++) {
                char *q = pathf("%s/d", p);
                free(p);
                p = q;
                make_dir(p);
                if (i == DEEP - 2) {
                        _cleanup_(freep) char *f = pathf("%s/f", p);
                        write_file(f, 2, 13, true);
                }
        }
}

/* Builds image from the tree with mkfs.erofs and opts (space-separated). */
static void build_image(const char *image, const char *opts)
{
        _cleanup_(freep) char *copy = strdup(opts);
        _cleanup_(freep) char *tree = pathf("%s/tree", dir);
        char *argv[16] = { "mkfs.erofs", "--quiet" };
        struct spawn_result res = {};
        size_t n = 2;

        assert_non_null(copy);
        for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " "))
                argv[n++] = tok;
        argv[n++] = (char *) image;
        argv[n++] = tree;
        argv[n] = NULL;
        assert_int_equal(spawn_capture(mkfs, argv, 1 << 20, 60000, NULL, &res), 0);
        if (res.status != 0)
                fail_msg("mkfs.erofs %s failed: %s", opts, res.err_line ? res.err_line : "?");
        spawn_result_release(&res);
}

/* Builds dir/name with opts, or skips without mkfs.erofs: the path. */
static char *image_new(const char *name, const char *opts)
{
        char *image;

        require_mkfs();
        image = pathf("%s/%s", dir, name);
        build_image(image, opts);
        return image;
}

/* The image open now (one at a time) and its descriptor, which the reader
 * borrows. */
static int image_fd = -1;

static int open_image(const char *image, uint64_t offset, uint64_t size, void **ret)
{
        struct stat st;
        int r;

        assert_int_equal(image_fd, -1);
        image_fd = open(image, O_RDONLY | O_CLOEXEC);
        assert_true(image_fd >= 0);
        assert_int_equal(fstat(image_fd, &st), 0);
        if (size == UINT64_MAX)
                size = (uint64_t) st.st_size - offset;
        r = fs_erofs_ops.open(image_fd, offset, size, ret);
        if (r < 0) {
                close(image_fd);
                image_fd = -1;
        }
        return r;
}

static void close_image(void *state)
{
        fs_erofs_ops.close(state);
        assert_int_equal(close(image_fd), 0);
        image_fd = -1;
}

static void read_whole(const char *path, char **ret, size_t *ret_len)
{
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t len = 0;

        assert_non_null(f);
        {
                FILE *m = open_memstream(&buf, &len);
                char chunk[8192];
                size_t n;

                assert_non_null(m);
                while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                        assert_int_equal(fwrite(chunk, 1, n, m), n);
                assert_int_equal(fclose(m), 0);
        }
        fclose(f);
        *ret = buf;
        *ret_len = len;
}

struct names {
        char *v[400];
        enum fs_entry_type t[400];
        size_t n;
};

static int collect(const char *name, enum fs_entry_type type, void *userdata)
{
        struct names *l = userdata;

        assert_true(l->n < ARRAY_SIZE(l->v));
        l->v[l->n] = strdup(name);
        assert_non_null(l->v[l->n]);
        l->t[l->n++] = type;
        return 0;
}

static void names_release(struct names *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i]);
        l->n = 0;
}

/* Compares the image's tree below rel (as seen by the reader) with the source
 * tree: every listing, every file's bytes, symlinks and special files refused. */
static void check_tree(void *e, const char *src, const char *rel)
{
        _cleanup_(freep) char *path = pathf("%s%s", src, rel);
        struct names got = {}, want = {};
        struct dirent *de;
        DIR *d;

        assert_int_equal(fs_erofs_ops.list(e, rel[0] ? rel : "/", 1000, collect, &got), 0);
        d = opendir(path);
        assert_non_null(d);
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                collect(de->d_name,
                        de->d_type == DT_REG ? FS_ENTRY_REGULAR :
                        de->d_type == DT_DIR ? FS_ENTRY_DIRECTORY :
                        de->d_type == DT_LNK ? FS_ENTRY_SYMLINK : FS_ENTRY_OTHER, &want);
        }
        closedir(d);
        assert_int_equal(got.n, want.n);
        for (size_t i = 0; i < want.n; i++) {
                _cleanup_(freep) char *child = pathf("%s/%s", rel, want.v[i]);
                size_t j;

                for (j = 0; j < got.n; j++)
                        if (strcmp(got.v[j], want.v[i]) == 0)
                                break;
                if (j == got.n)
                        fail_msg("'%s' missing from the listing", child);
                assert_int_equal(got.t[j], want.t[i]);

                if (want.t[i] == FS_ENTRY_DIRECTORY)
                        check_tree(e, src, child);
                else if (want.t[i] == FS_ENTRY_REGULAR) {
                        _cleanup_(freep) char *data = NULL, *expect = NULL, *full = pathf("%s%s", src, child);
                        size_t len = 0, expect_len;

                        read_whole(full, &expect, &expect_len);
                        assert_int_equal(fs_erofs_ops.read_file(e, child, 1 << 20, &data, &len), 0);
                        assert_int_equal(len, expect_len);
                        assert_memory_equal(data, expect, len);
                        assert_int_equal(data[len], '\0');
                } else {
                        char *data = NULL;
                        size_t len = 0;

                        assert_int_equal(fs_erofs_ops.read_file(e, child, 1 << 20, &data, &len), -EINVAL);
                        assert_null(data);
                }
        }
        names_release(&got);
        names_release(&want);
}

static void check_image(const char *image, uint64_t offset, uint64_t size)
{
        _cleanup_(freep) char *src = pathf("%s/tree", dir);
        void *e = NULL;

        assert_int_equal(open_image(image, offset, size, &e), 0);
        check_tree(e, src, "");
        close_image(e);
}

static void test_layouts(void **state)
{
        /* Every uncompressed layout mkfs.erofs 1.5 writes. */
        static const char *variants[] = {
                "",
                "-T0",
                "-Eforce-inode-compact",
                "-Eforce-inode-extended",
                "-Enoinline_data",
                "-Enosbcrc",
                "-x-1",
                "--chunksize=4096",
                "--chunksize=8192 -Eforce-inode-blockmap",
                "--chunksize=65536 -Eforce-chunk-indexes -T0",
        };

        (void) state;
        require_mkfs();
        for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
                _cleanup_(freep) char *image = pathf("%s/layout-%zu.img", dir, i);

                print_message("mkfs.erofs %s\n", variants[i]);
                build_image(image, variants[i]);
                check_image(image, 0, UINT64_MAX);
        }
}

static void test_compressed(void **state)
{
        _cleanup_(freep) char *image = image_new("lz4.img", "-zlz4hc");
        _cleanup_(freep) char *data = NULL;
        size_t len = 0;
        void *e = NULL;

        (void) state;
        assert_int_equal(open_image(image, 0, UINT64_MAX, &e), 0);
        /* The repeated text compresses: refused, not guessed at. */
        assert_int_equal(fs_erofs_ops.read_file(e, "/text", 1 << 20, &data, &len), -EOPNOTSUPP);
        assert_null(data);
        /* What mkfs.erofs stored plain (too small to gain) still reads. */
        assert_int_equal(fs_erofs_ops.read_file(e, "/size-1", 1 << 20, &data, &len), 0);
        assert_int_equal(len, 1);
        close_image(e);
}

static int stop_at_third(const char *name, enum fs_entry_type type, void *userdata)
{
        size_t *n = userdata;

        (void) name;
        (void) type;
        return ++*n == 3 ? 42 : 0;
}

static void test_errors(void **state)
{
        _cleanup_(freep) char *image = image_new("errors.img", "");
        _cleanup_(freep) char *deep = strdup(""), *too_deep = NULL, *ok_path = NULL, *long_path = NULL;
        char name256[258];
        char *data = NULL;
        size_t len = 0, n = 0;
        struct names got = {};
        void *e = NULL;

        (void) state;
        assert_int_equal(open_image(image, 0, UINT64_MAX, &e), 0);

        assert_int_equal(fs_erofs_ops.read_file(e, "/nope", 100, &data, &len), -ENOENT);
        assert_int_equal(fs_erofs_ops.read_file(e, "/a/nope/x", 100, &data, &len), -ENOENT);
        assert_int_equal(fs_erofs_ops.read_file(e, "/a", 100, &data, &len), -EISDIR);
        assert_int_equal(fs_erofs_ops.read_file(e, "/", 100, &data, &len), -EISDIR);
        assert_int_equal(fs_erofs_ops.read_file(e, "/link", 100, &data, &len), -EINVAL);
        assert_int_equal(fs_erofs_ops.read_file(e, "/fifo", 100, &data, &len), -EINVAL);
        assert_int_equal(fs_erofs_ops.read_file(e, "/link/c/deep.txt", 1000, &data, &len), -ELOOP);
        assert_int_equal(fs_erofs_ops.read_file(e, "/size-1/x", 100, &data, &len), -ENOTDIR);
        assert_int_equal(fs_erofs_ops.read_file(e, "/a/../size-1", 100, &data, &len), -EINVAL);
        assert_int_equal(fs_erofs_ops.read_file(e, "/size-4097", 4096, &data, &len), -EFBIG);
        assert_null(data);
        assert_int_equal(len, 0);
        assert_int_equal(fs_erofs_ops.list(e, "/link", 10, collect, &got), -ELOOP);
        assert_int_equal(fs_erofs_ops.list(e, "/size-1", 10, collect, &got), -ENOTDIR);
        assert_int_equal(fs_erofs_ops.list(e, "/nope", 10, collect, &got), -ENOENT);
        assert_int_equal(got.n, 0);

        /* Exactly max, and one more. */
        assert_int_equal(fs_erofs_ops.read_file(e, "/size-4097", 4097, &data, &len), 0);
        free(data);
        data = NULL;
        assert_int_equal(fs_erofs_ops.read_file(e, "//./a/b/./c//deep.txt", 300, &data, &len), 0);
        assert_int_equal(len, 300);
        free(data);
        data = NULL;
        assert_int_equal(fs_erofs_ops.list(e, "/many", 301, collect, &got), 0);
        assert_int_equal(got.n, 301);
        names_release(&got);
        assert_int_equal(fs_erofs_ops.list(e, "/many", 300, collect, &got), -E2BIG);
        assert_int_equal(got.n, 300);
        names_release(&got);
        assert_int_equal(fs_erofs_ops.list(e, "/many", 1000, stop_at_third, &n), 42);
        assert_int_equal(n, 3);

        /* 64 components read, 65 do not; nor 4097 bytes, nor a name of 256. */
        for (int i = 0; i < DEEP - 1; i++) {
                char *q = pathf("%s/d", deep);
                free(deep);
                deep = q;
        }
        ok_path = pathf("%s/f", deep);
        too_deep = pathf("/d%s/f", deep);
        assert_int_equal(fs_erofs_ops.read_file(e, ok_path, 100, &data, &len), 0);
        assert_int_equal(len, 2);
        free(data);
        data = NULL;
        assert_int_equal(fs_erofs_ops.read_file(e, too_deep, 100, &data, &len), -ENAMETOOLONG);
        long_path = calloc(1, 4100);
        assert_non_null(long_path);
        for (int i = 0; i < 4098; i += 2)
                memcpy(long_path + i, "/.", 2);
        assert_int_equal(fs_erofs_ops.read_file(e, long_path, 100, &data, &len), -ENAMETOOLONG);
        long_path[4096] = '\0';
        assert_int_equal(fs_erofs_ops.list(e, long_path, 1000, collect, &got), 0);
        names_release(&got);
        name256[0] = '/';
        memset(name256 + 1, 'n', 256);
        name256[257] = '\0';
        assert_int_equal(fs_erofs_ops.read_file(e, name256, 100, &data, &len), -ENAMETOOLONG);
        name256[256] = '\0';
        assert_int_equal(fs_erofs_ops.read_file(e, name256, 100, &data, &len), -ENOENT);
        name256[255] = '\0';
        assert_int_equal(fs_erofs_ops.read_file(e, name256, 100, &data, &len), 0);
        assert_int_equal(len, 10);
        free(data);
        close_image(e);
}

/* Copies the first size bytes of src to dst after 'before' zero bytes and with
 * 'after' bytes of 0xff behind. */
static void copy_image(const char *src, const char *dst, uint64_t before, size_t size, size_t after)
{
        _cleanup_(freep) char *buf = NULL;
        size_t len;
        int fd;

        read_whole(src, &buf, &len);
        if (size > len)
                size = len;
        fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, (off_t) before), 0);
        assert_int_equal(pwrite(fd, buf, size, (off_t) before), (ssize_t) size);
        for (size_t i = 0; i < after; i++)
                assert_int_equal(pwrite(fd, "\xff", 1, (off_t) (before + size + i)), 1);
        assert_int_equal(close(fd), 0);
}

/* Reads what a damaged image offers: any result, but no crash, and a result
 * is either an error or the right bytes. */
static void poke(void *e)
{
        static const char *files[] = { "/size-1", "/size-4095", "/size-102400", "/a/b/c/deep.txt",
                                       "/usr/lib/extension-release.d/extension-release.test", "/many/entry-007-" };
        struct names got = {};

        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                char *data = NULL;
                size_t len = 0;

                if (fs_erofs_ops.read_file(e, files[i], 1 << 20, &data, &len) >= 0) {
                        assert_non_null(data);
                        assert_int_equal(data[len], '\0');
                        free(data);
                } else
                        assert_null(data);
        }
        (void) fs_erofs_ops.list(e, "/", 1000, collect, &got);
        names_release(&got);
        (void) fs_erofs_ops.list(e, "/many", 1000, collect, &got);
        names_release(&got);
}

/* Opens image with the extent size, pokes it when it opens, closes it: the
 * result of the open. */
static int open_poke(const char *image, uint64_t size)
{
        void *e = NULL;
        int r = open_image(image, 0, size, &e);

        if (r >= 0) {
                poke(e);
                close_image(e);
        }
        return r;
}

static void test_truncated(void **state)
{
        _cleanup_(freep) char *image = image_new("trunc-src.img", ""), *cut = pathf("%s/trunc.img", dir);
        struct stat st;

        (void) state;
        assert_int_equal(stat(image, &st), 0);
        for (uint64_t size = 0; size < (uint64_t) st.st_size; size += size < 8192 ? 64 : 4093) {
                int r;

                copy_image(image, cut, 0, size, 0);
                /* The extent as the file is, then as the caller believed it. */
                r = open_poke(cut, UINT64_MAX);
                if (size < 1024 + 128)
                        assert_int_equal(r, -EBADMSG);
                r = open_poke(cut, (uint64_t) st.st_size);
                if (r < 0)
                        assert_int_equal(r, -EBADMSG);
        }
}

static void flip_at(const char *path, uint64_t pos, uint8_t mask)
{
        uint8_t b;
        int fd = open(path, O_RDWR | O_CLOEXEC);

        assert_true(fd >= 0);
        assert_int_equal(pread(fd, &b, 1, (off_t) pos), 1);
        b ^= mask;
        assert_int_equal(pwrite(fd, &b, 1, (off_t) pos), 1);
        assert_int_equal(close(fd), 0);
}

static void test_flipped(void **state)
{
        _cleanup_(freep) char *image = image_new("flip.img", ""), *plain = image_new("flip-nocrc.img", "-Enosbcrc");
        void *e = NULL;

        (void) state;

        /* The superblock's checksum catches every byte, but for the one
         * feature byte that says there is a checksum. */
        for (uint64_t pos = 1024; pos < 1024 + 128; pos++) {
                int r;

                flip_at(image, pos, 0xff);
                r = open_poke(image, UINT64_MAX);
                if (r != -EBADMSG && !(pos == 1024 + 8 && r >= 0))
                        fail_msg("superblock byte %" PRIu64 " flipped: %d", pos, r);
                flip_at(image, pos, 0xff);
        }
        assert_int_equal(open_image(image, 0, UINT64_MAX, &e), 0);
        close_image(e);

        /* Without one, and in the inodes and directories (the metadata of this
         * tree lies in the first blocks), whatever a flipped bit makes. */
        for (uint64_t pos = 1024; pos < 4 * BLOCK; pos++) {
                uint8_t mask = (uint8_t) (1u << (pos % 8));

                if (pos >= 1024 + 128 && pos < BLOCK)
                        continue;
                flip_at(plain, pos, mask);
                (void) open_poke(plain, UINT64_MAX);
                flip_at(plain, pos, mask);
        }
        check_image(plain, 0, UINT64_MAX);
}

static void test_offset(void **state)
{
        _cleanup_(freep) char *image = image_new("inner.img", ""), *outer = pathf("%s/outer.img", dir);
        struct stat st;
        void *e = NULL;

        (void) state;
        assert_int_equal(stat(image, &st), 0);
        copy_image(image, outer, 1 << 20, (size_t) st.st_size, 4096);
        check_image(outer, 1 << 20, (uint64_t) st.st_size);
        /* The zeros before it are no image; nor does the image go on past its extent. */
        assert_int_equal(open_image(outer, 0, UINT64_MAX, &e), -EBADMSG);
        assert_int_equal(open_image(outer, 1 << 20, 1024, &e), -EBADMSG);
}

static int setup(void **state)
{
        _cleanup_(freep) char *tree = NULL;

        (void) state;
        if (find_executable("mkfs.erofs", &mkfs) < 0)
                mkfs = NULL;
        /* mkfs.erofs --chunksize fails with EIO writing its image on tmpfs. */
        tmpdir_make_on_disk(dir, "erofs");
        tree = pathf("%s/tree", dir);
        make_tree(tree);
        return 0;
}

static int teardown(void **state)
{
        (void) state;
        tmpdir_remove(dir);
        free(mkfs);
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_layouts),
                cmocka_unit_test(test_compressed),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_flipped),
                cmocka_unit_test(test_offset),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
