/* libarchive loaded on first use, like libcrypto (basic/libcrypto.h): linked,
 * it and what it links (libxml2, ICU, libstdc++, six compressors) would be
 * mapped and relocated by every run of every command, four times the start-up
 * of `driftwatch --version`; only the image sources read archives. */
#pragma once

#include <archive.h>
#include <archive_entry.h>

struct libarchive {
        typeof(archive_error_string) *archive_error_string;
        typeof(archive_set_error) *archive_set_error;
        typeof(archive_read_next_header) *archive_read_next_header;
        typeof(archive_read_new) *archive_read_new;
        typeof(archive_read_data) *archive_read_data;
        typeof(archive_read_support_filter_gzip) *archive_read_support_filter_gzip;
        typeof(archive_entry_uid) *archive_entry_uid;
        typeof(archive_entry_size) *archive_entry_size;
        typeof(archive_entry_gid) *archive_entry_gid;
        typeof(archive_read_support_format_tar) *archive_read_support_format_tar;
        typeof(archive_read_support_format_raw) *archive_read_support_format_raw;
        typeof(archive_read_support_filter_zstd) *archive_read_support_filter_zstd;
        typeof(archive_read_open_filename) *archive_read_open_filename;
        typeof(archive_read_open) *archive_read_open;
        typeof(archive_read_free) *archive_read_free;
        typeof(archive_entry_size_is_set) *archive_entry_size_is_set;
        typeof(archive_entry_pathname) *archive_entry_pathname;
        typeof(archive_entry_filetype) *archive_entry_filetype;
        typeof(archive_entry_xattr_reset) *archive_entry_xattr_reset;
        typeof(archive_entry_xattr_next) *archive_entry_xattr_next;
        typeof(archive_entry_symlink) *archive_entry_symlink;
        typeof(archive_entry_rdevminor) *archive_entry_rdevminor;
        typeof(archive_entry_rdevmajor) *archive_entry_rdevmajor;
        typeof(archive_entry_perm) *archive_entry_perm;
        typeof(archive_entry_mtime_nsec) *archive_entry_mtime_nsec;
        typeof(archive_entry_mtime) *archive_entry_mtime;
        typeof(archive_entry_hardlink) *archive_entry_hardlink;
};

/* The entry points, valid once libarchive_load() returned 0. */
extern struct libarchive libarchive;

/* Loads libarchive once per process (later calls return the first result):
 * 0, -ELIBACC when it cannot be loaded, -ELIBBAD when it lacks an entry point.
 * Thread-safe. */
int libarchive_load(void);
