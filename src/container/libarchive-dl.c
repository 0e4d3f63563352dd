/* libarchive loaded on first use; see libarchive-dl.h. */
#include "libarchive-dl.h"

#include <pthread.h>

#include "basic/dlopen-util.h"
#include "basic/macros.h"

/* The library of the major version the headers describe (ARCHIVE_VERSION_NUMBER 3xxxyyy: soname 13). */
#define LIBARCHIVE_SONAME "libarchive.so.13"

struct libarchive libarchive;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_error;

#define SYM(name) DL_SYMBOL(#name, libarchive.name)

static void load(void)
{
        const struct dl_symbol symbols[] = {
                SYM(archive_error_string),
                SYM(archive_set_error),
                SYM(archive_read_next_header),
                SYM(archive_read_new),
                SYM(archive_read_data),
                SYM(archive_read_support_filter_gzip),
                SYM(archive_entry_uid),
                SYM(archive_entry_size),
                SYM(archive_entry_gid),
                SYM(archive_read_support_format_tar),
                SYM(archive_read_support_format_raw),
                SYM(archive_read_support_filter_zstd),
                SYM(archive_read_open_filename),
                SYM(archive_read_open),
                SYM(archive_read_free),
                SYM(archive_entry_size_is_set),
                SYM(archive_entry_pathname),
                SYM(archive_entry_filetype),
                SYM(archive_entry_xattr_reset),
                SYM(archive_entry_xattr_next),
                SYM(archive_entry_symlink),
                SYM(archive_entry_rdevminor),
                SYM(archive_entry_rdevmajor),
                SYM(archive_entry_perm),
                SYM(archive_entry_mtime_nsec),
                SYM(archive_entry_mtime),
                SYM(archive_entry_hardlink),
        };

        load_error = dlopen_symbols(LIBARCHIVE_SONAME, symbols, ARRAY_SIZE(symbols));
}

int libarchive_load(void)
{
        pthread_once(&load_once, load);
        return load_error;
}
