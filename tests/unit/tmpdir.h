/* A scratch directory for unit tests: made with mkdtemp under /tmp, removed
 * with everything in it (never through a symlink, never by a shell), and files
 * written into it. The one way unit tests make and remove their files.
 * Include after cmocka.h. */
#pragma once

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#define TMPDIR_LEN 64

/* Makes /tmp/dw-test-NAME.XXXXXX into dir (TMPDIR_LEN bytes). */
static inline void tmpdir_make(char dir[static TMPDIR_LEN], const char *name)
{
        snprintf(dir, TMPDIR_LEN, "/tmp/dw-test-%s.XXXXXX", name);
        assert_non_null(mkdtemp(dir));
}

static inline int tmpdir_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
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

/* Removes a directory tmpdir_make() made. */
static inline void tmpdir_remove(const char *dir)
{
        assert_int_equal(nftw(dir, tmpdir_remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}
