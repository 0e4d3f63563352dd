/* A scratch directory for unit tests: made with mkdtemp under /tmp, removed
 * with everything in it (never through a symlink). Include after cmocka.h. */
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

/* Removes a directory tmpdir_make() made. */
static inline void tmpdir_remove(const char *dir)
{
        assert_int_equal(nftw(dir, tmpdir_remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}
