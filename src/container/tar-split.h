/* A layer's tar stream rebuilt from containers/storage's tar-split file
 * (overlay-layers/<id>.tar-split.gz, vbatts/tar-split's storage format:
 * gzipped JSON lines, type 2 "segment" with the raw header and padding bytes
 * in base64 payload, type 1 "file" with the member's name and size, whose
 * bytes come from the layer's diff directory). The SHA-256 of the stream is
 * the layer's DiffID, so a file changed in the diff directory shows.
 *
 * What the DiffID cannot show: the metadata of the diff directory's files
 * (the headers come from the tar-split file) and files added to it; a reader
 * of the stream (libarchive) gets the members and can compare them. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#define TARSPLIT_LINE_MAX ((size_t) 4 << 20)     /* one JSON line */

struct tarsplit;

/* Opens the tar-split file at path; member contents are read below difffd
 * (kept open by the caller), never through a symlink. */
int tarsplit_open(const char *path, int difffd, struct tarsplit **ret, char **ret_reason);
struct tarsplit *tarsplit_free(struct tarsplit *t);

/* The next bytes of the tar stream in *ret: their count, 0 at the end, or
 * -errno with *ret_reason (free() it): -EBADMSG for a malformed tar-split
 * file, -EBADE for a member whose file in the diff directory is missing, not
 * a regular file, or of another size than the tar-split file records. */
ssize_t tarsplit_read(struct tarsplit *t, const void **ret, char **ret_reason);

/* Parses one JSON line (for the fuzzer): its type (1 or 2), the decoded
 * segment or the member's name and size. */
struct tarsplit_entry {
        int type;
        char *name;                     /* type 1 */
        long long size;                 /* type 1 */
        unsigned char *payload;         /* type 2 */
        size_t payload_len;
};

int tarsplit_parse_line(const char *buf, size_t len, struct tarsplit_entry *ret, char **ret_reason);
void tarsplit_entry_release(struct tarsplit_entry *e);

#include "basic/macros.h"
DEFINE_FREEP(struct tarsplit, tarsplit_free)
