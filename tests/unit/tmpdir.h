/* A scratch directory for unit tests: made with mkdtemp under /tmp, removed
 * with everything in it (never through a symlink, never by a shell), and files
 * written into it. The one way unit tests make and remove their files. As
 * root, the test process moves into a private mount namespace of its own and
 * the directory is a tmpfs there: the many small files cost no disk (this
 * host's /tmp is mounted with discard: every unlink is a TRIM) and nothing
 * is left behind when the test dies. Include after cmocka.h. */
#pragma once

#include <sched.h>
#include <sys/mount.h>
#include <sys/vfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TMPDIR_LEN 64

#define TMPDIR_TMPFS_MAGIC 0x01021994

/* Whether this process has a private mount namespace (made on first use, as
 * root; otherwise the scratch directories stay on /tmp's file system). */
static inline int tmpdir_private_mounts(void)
{
        static int state = -1;

        if (state < 0)
                state = geteuid() == 0 && unshare(CLONE_NEWNS) == 0 &&
                        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
        return state;
}

/* Makes /tmp/dw-test-NAME.XXXXXX into dir (TMPDIR_LEN bytes), on /tmp's own
 * file system. */
static inline void tmpdir_make_on_disk(char dir[static TMPDIR_LEN], const char *name)
{
        snprintf(dir, TMPDIR_LEN, "/tmp/dw-test-%s.XXXXXX", name);
        assert_non_null(mkdtemp(dir));
}

/* Makes /tmp/dw-test-NAME.XXXXXX into dir (TMPDIR_LEN bytes): a tmpfs of its
 * own as root. */
static inline void tmpdir_make(char dir[static TMPDIR_LEN], const char *name)
{
        tmpdir_make_on_disk(dir, name);
        if (tmpdir_private_mounts())
                (void) mount("driftwatch-unit-test", dir, "tmpfs", 0, "mode=0700");
}

/* Removes name in the directory 'at' and, for a directory, all below it
 * first: through directory descriptors, so trees whose paths pass PATH_MAX
 * go too. */
static inline void tmpdir_remove_at(int at, const char *name)
{
        int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct dirent *de;
        DIR *d;

        if (fd < 0) {
                assert_int_equal(unlinkat(at, name, 0), 0);
                return;
        }
        d = fdopendir(fd);
        assert_non_null(d);
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        tmpdir_remove_at(dirfd(d), de->d_name);
        closedir(d);
        assert_int_equal(unlinkat(at, name, AT_REMOVEDIR), 0);
}

/* Writes text into dir/name (name may start with '/'). */
static inline void tmpdir_write(const char *dir, const char *name, const char *text)
{
        char *path = NULL;
        FILE *f;

        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        f = fopen(path, "we");
        free(path);
        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
}

/* Removes a directory tmpdir_make() made: its tmpfs detached, if it has
 * one, then what is left. */
static inline void tmpdir_remove(const char *dir)
{
        struct statfs sf;

        if (statfs(dir, &sf) == 0 && sf.f_type == TMPDIR_TMPFS_MAGIC && tmpdir_private_mounts())
                (void) umount2(dir, MNT_DETACH);
        tmpdir_remove_at(AT_FDCWD, dir);
}

/* A chain of 'levels' directories of 200-byte names (d01xxx..., d02xxx...)
 * below dirfd, made through directory descriptors: its paths may pass
 * PATH_MAX. Returns the deepest one's descriptor and its path relative to
 * dirfd (*ret_rel, malloc'd, no leading '/'). */
static inline int tmpdir_chain(int dirfd, unsigned levels, char **ret_rel)
{
        char *rel = calloc(levels, 201 + 1);
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        size_t len = 0;

        assert_non_null(rel);
        assert_true(fd >= 0);
        for (unsigned i = 1; i <= levels; i++) {
                char name[201];
                int sub;

                memset(name, 'x', 200);
                name[0] = 'd';
                name[1] = (char) ('0' + i / 10 % 10);
                name[2] = (char) ('0' + i % 10);
                name[200] = '\0';
                if (mkdirat(fd, name, 0755) < 0)
                        assert_int_equal(errno, EEXIST);
                sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                assert_true(sub >= 0);
                close(fd);
                fd = sub;
                len += (size_t) sprintf(rel + len, "%s%s", i > 1 ? "/" : "", name);
        }
        *ret_rel = rel;
        return fd;
}
