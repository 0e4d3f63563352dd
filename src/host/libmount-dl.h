/* libmount (util-linux), loaded on first use: `driftwatch mounts` and the
 * live host's inventory read the mount table with it, and every other command
 * starts without mapping it and libblkid (tests/e2e/test-lazy-libs.sh). */
#pragma once

#include <libmount.h>

/* The entry points used, named as libmount names them without "mnt_". */
struct libmount_api {
        typeof(mnt_new_table) *new_table;
        typeof(mnt_new_table_from_file) *new_table_from_file;
        typeof(mnt_unref_table) *unref_table;
        typeof(mnt_table_parse_stream) *table_parse_stream;
        typeof(mnt_table_set_parser_errcb) *table_set_parser_errcb;
        typeof(mnt_table_set_userdata) *table_set_userdata;
        typeof(mnt_table_get_userdata) *table_get_userdata;
        typeof(mnt_table_get_nents) *table_get_nents;
        typeof(mnt_table_next_fs) *table_next_fs;
        typeof(mnt_table_find_target) *table_find_target;
        typeof(mnt_new_iter) *new_iter;
        typeof(mnt_free_iter) *free_iter;
        typeof(mnt_fs_get_id) *fs_get_id;
        typeof(mnt_fs_get_parent_id) *fs_get_parent_id;
        typeof(mnt_fs_get_devno) *fs_get_devno;
        typeof(mnt_fs_get_root) *fs_get_root;
        typeof(mnt_fs_get_target) *fs_get_target;
        typeof(mnt_fs_get_fstype) *fs_get_fstype;
        typeof(mnt_fs_get_source) *fs_get_source;
        typeof(mnt_fs_get_vfs_options) *fs_get_vfs_options;
        typeof(mnt_fs_get_fs_options) *fs_get_fs_options;
        typeof(mnt_optstr_get_option) *optstr_get_option;
};

/* The entry points, resolved once: 0 and *ret, or -ELIBACC / -ELIBBAD
 * (libmount missing or too old). */
int libmount_load(const struct libmount_api **ret);
