/* Journal files and directories read through sd-journal (libsystemd), loaded
 * on first use like libcrypto (basic/sha256.c): commands that read no journal
 * file start without it. Entries come out in the shape of the export parser
 * (parse/journal-export.h), under its limits. */
#pragma once

#include <signal.h>
#include <stdbool.h>

#include "parse/journal-export.h"

/* Reads every entry of the journal file (directory: is_dir) at path into fn,
 * through the entry buffer of p. 0, fn's error, -ECANCELED, -ELIBACC when
 * libsystemd cannot be loaded, or the -errno of sd-journal (the file is
 * missing, not a journal file, corrupt past reading). */
int sd_journal_read_path(const char *path, bool is_dir, struct export_parser *p, export_entry_fn fn,
                         void *userdata, const volatile sig_atomic_t *cancel);
