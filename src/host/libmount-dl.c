/* libmount loaded on first use; see libmount-dl.h. */
#include "libmount-dl.h"

#include <pthread.h>

#include "basic/dlopen-util.h"
#include "basic/macros.h"

static struct libmount_api api;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_error;

static void load(void)
{
        const struct dl_symbol symbols[] = {
                DL_SYMBOL("mnt_new_table", api.new_table),
                DL_SYMBOL("mnt_new_table_from_file", api.new_table_from_file),
                DL_SYMBOL("mnt_unref_table", api.unref_table),
                DL_SYMBOL("mnt_table_parse_stream", api.table_parse_stream),
                DL_SYMBOL("mnt_table_set_parser_errcb", api.table_set_parser_errcb),
                DL_SYMBOL("mnt_table_set_userdata", api.table_set_userdata),
                DL_SYMBOL("mnt_table_get_userdata", api.table_get_userdata),
                DL_SYMBOL("mnt_table_get_nents", api.table_get_nents),
                DL_SYMBOL("mnt_table_next_fs", api.table_next_fs),
                DL_SYMBOL("mnt_table_find_target", api.table_find_target),
                DL_SYMBOL("mnt_new_iter", api.new_iter),
                DL_SYMBOL("mnt_free_iter", api.free_iter),
                DL_SYMBOL("mnt_fs_get_id", api.fs_get_id),
                DL_SYMBOL("mnt_fs_get_parent_id", api.fs_get_parent_id),
                DL_SYMBOL("mnt_fs_get_devno", api.fs_get_devno),
                DL_SYMBOL("mnt_fs_get_root", api.fs_get_root),
                DL_SYMBOL("mnt_fs_get_target", api.fs_get_target),
                DL_SYMBOL("mnt_fs_get_fstype", api.fs_get_fstype),
                DL_SYMBOL("mnt_fs_get_source", api.fs_get_source),
                DL_SYMBOL("mnt_fs_get_vfs_options", api.fs_get_vfs_options),
                DL_SYMBOL("mnt_fs_get_fs_options", api.fs_get_fs_options),
                DL_SYMBOL("mnt_optstr_get_option", api.optstr_get_option),
        };

        load_error = dlopen_symbols("libmount.so.1", symbols, ARRAY_SIZE(symbols));
}

int libmount_load(const struct libmount_api **ret)
{
        pthread_once(&once, load);
        if (load_error < 0)
                return load_error;
        *ret = &api;
        return 0;
}
