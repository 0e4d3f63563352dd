/* Baseline files: a fim_tree and its description in one SQLite database,
 * written atomically (a complete temporary file renamed over the target) and
 * validated when read, down to a SHA-256 digest of everything it holds. The
 * same format serves as the stat cache of a check. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "entry.h"

#define BASELINE_FORMAT "driftwatch-baseline"
#define BASELINE_VERSION 2                     /* 1: without a digest */
#define BASELINE_MAX_ENTRIES 100000000ULL      /* refuse more rows than this */
#define BASELINE_DIGEST_HEX 64                  /* SHA-256 in hex */

struct baseline_meta {
        char *source;           /* "dir:/srv/root", "ostree:/repo:ref" */
        char *commit;           /* ostree commit, when the source had one */
        char *created;          /* RFC 3339 UTC */
        char *host;
        char **paths;           /* prefixes recorded; NULL-terminated */
        size_t n_paths;
        unsigned attrs;         /* ATTR_* recorded */
        unsigned long long entries;
        char *digest;           /* read: the digest the entries matched, in hex */
};

void baseline_meta_release(struct baseline_meta *m);

/* Writes tree and meta (its digest is computed here) to 'path' atomically.
 * On failure an existing file at 'path' is untouched and no temporary file is
 * left behind. The temporary file (".NAME.XXXXXX" beside 'path') is flock()ed
 * while it is written; ones left by killed writers (unlocked, ours) are
 * removed first. */
int baseline_write(const char *path, const struct fim_tree *tree, const struct baseline_meta *meta);

/* The same written in pieces, for trees that are never whole in memory: the
 * trees added hold disjoint paths, each after the ones before in path order.
 * Nothing is visible at 'path' before the commit; freeing an uncommitted
 * writer removes its temporary file. 'attrs': the ATTR_* recorded. */
struct baseline_writer;

int baseline_writer_new(const char *path, unsigned attrs, struct baseline_writer **ret);
int baseline_writer_add(struct baseline_writer *w, const struct fim_tree *tree);
int baseline_writer_commit(struct baseline_writer *w, const struct baseline_meta *meta);
struct baseline_writer *baseline_writer_free(struct baseline_writer *w);
DEFINE_FREEP(struct baseline_writer, baseline_writer_free)

/* Reads and validates a baseline: rows in path order, the count and the
 * digest as recorded. -EBADMSG: not a (complete) driftwatch baseline,
 * corrupt, altered or truncated; *ret_reason then says why in a few words (a
 * static string). */
int baseline_read(const char *path, struct fim_tree **ret_tree, struct baseline_meta *ret_meta,
                  const char **ret_reason);
/* The same from a database image in memory (a fuzzer's input). */
int baseline_read_buf(const void *buf, size_t len, struct fim_tree **ret_tree, struct baseline_meta *ret_meta,
                      const char **ret_reason);
/* A baseline read in chunks of path order, for checks whose memory must not
 * grow with the tree. Opening validates the whole file as baseline_read()
 * does (one pass, one row at a time) and cuts it into chunks of chunk_rows
 * rows (0: BASELINE_CHUNK_ROWS); each next_chunk() call then appends the
 * rows of the next chunk to a tree, checking order and count again (the
 * rows are read in one transaction: those verified). */
#define BASELINE_CHUNK_ROWS 16384
struct baseline_reader;

int baseline_reader_open(const char *path, size_t chunk_rows, struct baseline_reader **ret,
                         struct baseline_meta *ret_meta, const char **ret_reason);
struct baseline_reader *baseline_reader_free(struct baseline_reader *rd);
DEFINE_FREEP(struct baseline_reader, baseline_reader_free)
/* How many chunks (at least one), and the paths chunk i covers. */
size_t baseline_reader_chunks(const struct baseline_reader *rd);
/* The size total of the baseline's regular files (what a check covers). */
unsigned long long baseline_reader_bytes(const struct baseline_reader *rd);
void baseline_reader_chunk_range(const struct baseline_reader *rd, size_t i, struct path_range *ret);
int baseline_reader_next_chunk(struct baseline_reader *rd, struct fim_tree *t, const char **ret_reason);
/* 1 when a row lies at or below prefix (as path_has_prefix() says), else 0. */
int baseline_reader_has_prefix(struct baseline_reader *rd, const char *prefix);

/* Only the digest a baseline declares (meta checked, entries not read):
 * BASELINE_DIGEST_HEX hex digits and a NUL into ret_digest. */
int baseline_read_digest(const char *path, char ret_digest[static BASELINE_DIGEST_HEX + 1], const char **ret_reason);

/* Only the description (meta checked, entries not read), its digest as declared. */
int baseline_read_meta(const char *path, struct baseline_meta *ret_meta, const char **ret_reason);

/* The small file in which a state directory remembers the digest of its
 * baseline, so that a baseline that vanished or was replaced shows. Read:
 * -ENOENT when there is none, -EBADMSG when it is malformed. Written
 * atomically, like a baseline. */
int baseline_record_read(const char *path, char ret_digest[static BASELINE_DIGEST_HEX + 1]);
int baseline_record_write(const char *path, const char *digest);

/* n bytes written to path atomically and durably, as a baseline is (a
 * temporary file beside it, renamed over it). */
int store_write_atomic(const char *path, const void *p, size_t n, mode_t mode);
