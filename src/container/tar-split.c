/* A layer's tar stream from its tar-split file and diff directory; see tar-split.h. */
#define _GNU_SOURCE
#include "tar-split.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/base64.h"
#include "basic/fd-util.h"
#include "fim/entry.h"
#include "layer-flatten.h"
#include "libarchive-dl.h"
#include "oci-internal.h"

#define CHUNK 65536

struct tarsplit {
        struct archive *gz;             /* the JSON lines, decompressed */
        int difffd;
        char *line;                     /* bytes read and not yet parsed: [0, used) */
        size_t used, cap;
        bool eof;
        struct tarsplit_entry cur;      /* the segment being handed out */
        size_t cur_off;
        int file_fd;                    /* the member being handed out */
        long long file_left;
        char *file_name;
        char buf[CHUNK];
};

void tarsplit_entry_release(struct tarsplit_entry *e)
{
        free(e->name);
        free(e->payload);
        *e = (struct tarsplit_entry) { 0 };
}

int tarsplit_parse_line(const char *buf, size_t len, struct tarsplit_entry *ret, char **ret_reason)
{
        _cleanup_(json_decrefp) json_t *j = NULL;
        struct tarsplit_entry e = { 0 };
        json_t *type, *size, *name, *raw, *payload;
        json_error_t jerr;
        int r;

        j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(j))
                return oci_fail(ret_reason, -EBADMSG, "not a JSON object (%s)", j ? "wrong type" : jerr.text);
        type = json_object_get(j, "type");
        if (!json_is_integer(type) || (json_integer_value(type) != 1 && json_integer_value(type) != 2))
                return oci_fail(ret_reason, -EBADMSG, "type is not 1 (file) or 2 (segment)");
        e.type = (int) json_integer_value(type);
        if (e.type == 2) {
                payload = json_object_get(j, "payload");
                if (json_is_null(payload)) {
                        *ret = e;       /* an empty segment */
                        return 0;
                }
                if (!json_is_string(payload))
                        return oci_fail(ret_reason, -EBADMSG, "segment without a payload");
                r = base64_decode(json_string_value(payload), json_string_length(payload), TARSPLIT_LINE_MAX,
                                  &e.payload, &e.payload_len);
                if (r < 0)
                        return oci_fail(ret_reason, -EBADMSG, "segment payload is not base64");
                *ret = e;
                return 0;
        }
        size = json_object_get(j, "size");
        name = json_object_get(j, "name");
        raw = json_object_get(j, "name_raw");
        if (size && (!json_is_integer(size) || json_integer_value(size) < 0))
                return oci_fail(ret_reason, -EBADMSG, "file size is not a non-negative integer");
        e.size = size ? json_integer_value(size) : 0;
        if (json_is_string(raw)) {
                uint8_t *n = NULL;
                size_t nlen;

                if (base64_decode(json_string_value(raw), json_string_length(raw), FIM_PATH_MAX, &n, &nlen) < 0 ||
                    memchr(n, '\0', nlen)) {
                        free(n);
                        return oci_fail(ret_reason, -EBADMSG, "file name_raw is not base64 of a name");
                }
                e.name = strndup((char *) n, nlen);
                free(n);
        } else if (json_is_string(name) && json_string_length(name) < FIM_PATH_MAX &&
                   strlen(json_string_value(name)) == json_string_length(name)) {
                e.name = strdup(json_string_value(name));
        } else {
                return oci_fail(ret_reason, -EBADMSG, "file without a name");
        }
        if (!e.name)
                return -ENOMEM;
        *ret = e;
        return 0;
}

int tarsplit_open(const char *path, int difffd, struct tarsplit **ret, char **ret_reason)
{
        _cleanup_(tarsplit_freep) struct tarsplit *t = calloc(1, sizeof(*t));
        struct archive_entry *ae;
        int r;

        if (!t)
                return -ENOMEM;
        t->file_fd = -1;
        t->difffd = difffd;
        r = libarchive_load();
        if (r < 0)
                return oci_fail(ret_reason, r, "cannot read tar-split '%s': libarchive: %s", path, strerror(-r));
        t->gz = libarchive.archive_read_new();
        if (!t->gz)
                return -ENOMEM;
        libarchive.archive_read_support_format_raw(t->gz);
        libarchive.archive_read_support_filter_gzip(t->gz);
        if (libarchive.archive_read_open_filename(t->gz, path, CHUNK) != ARCHIVE_OK ||
            libarchive.archive_read_next_header(t->gz, &ae) != ARCHIVE_OK)
                return oci_fail(ret_reason, -EBADMSG, "cannot read tar-split '%s': %s", path,
                                libarchive.archive_error_string(t->gz) ?: "empty");
        *ret = TAKE_PTR(t);
        return 0;
}

struct tarsplit *tarsplit_free(struct tarsplit *t)
{
        if (!t)
                return NULL;
        if (t->gz)
                libarchive.archive_read_free(t->gz);
        if (t->file_fd >= 0)
                close(t->file_fd);
        tarsplit_entry_release(&t->cur);
        free(t->file_name);
        free(t->line);
        free(t);
        return NULL;
}

/* The next line into t->line[0, *ret_len) (without its newline); 0 at the end. */
static int next_line(struct tarsplit *t, size_t *ret_len, size_t *ret_consumed, char **ret_reason)
{
        for (;;) {
                char *nl = t->used ? memchr(t->line, '\n', t->used) : NULL;
                la_ssize_t n;

                if (nl) {
                        *ret_len = (size_t) (nl - t->line);
                        *ret_consumed = *ret_len + 1;
                        return 1;
                }
                if (t->eof) {
                        *ret_len = *ret_consumed = t->used;
                        return t->used > 0;
                }
                if (t->used + CHUNK > TARSPLIT_LINE_MAX + CHUNK)
                        return oci_fail(ret_reason, -E2BIG, "tar-split line longer than %zu bytes", TARSPLIT_LINE_MAX);
                if (t->cap - t->used < CHUNK) {
                        size_t cap = t->cap ? t->cap * 2 : 4 * CHUNK;
                        char *p = realloc(t->line, cap);

                        if (!p)
                                return -ENOMEM;
                        t->line = p;
                        t->cap = cap;
                }
                n = libarchive.archive_read_data(t->gz, t->line + t->used, CHUNK);
                if (n < 0)
                        return oci_fail(ret_reason, -EBADMSG, "tar-split: %s",
                                        libarchive.archive_error_string(t->gz) ?: "cannot decompress");
                if (n == 0)
                        t->eof = true;
                t->used += (size_t) n;
        }
}

/* Opens the member's file below the diff directory and checks its size. */
static int open_member(struct tarsplit *t, const struct tarsplit_entry *e, char **ret_reason)
{
        char path[FIM_PATH_MAX];
        struct stat st;
        size_t len;
        int fd;

        if (layer_path_normalize(e->name, strlen(e->name), path, &len) < 0 || len == 1)
                return oci_fail(ret_reason, -EBADMSG, "tar-split member '%s': not a name inside the layer", e->name);
        fd = open_regular_beneath(t->difffd, path + 1, &st);
        if (fd < 0)
                return oci_fail(ret_reason, -EBADE, "file '%s' of the layer: %s", e->name,
                                fd == -ENOENT ? "missing" : fd == -ELOOP ? "now a symlink" : strerror(-fd));
        if ((long long) st.st_size != e->size) {
                close(fd);
                return oci_fail(ret_reason, -EBADE, "file '%s' of the layer has %lld bytes, the image %lld", e->name,
                                (long long) st.st_size, e->size);
        }
        t->file_fd = fd;
        t->file_left = e->size;
        free(t->file_name);
        t->file_name = strdup(e->name);
        return t->file_name ? 0 : -ENOMEM;
}

ssize_t tarsplit_read(struct tarsplit *t, const void **ret, char **ret_reason)
{
        for (;;) {
                struct tarsplit_entry e = { 0 };
                size_t len = 0, consumed = 0;
                int r;

                if (t->cur.payload && t->cur_off < t->cur.payload_len) {
                        size_t n = t->cur.payload_len - t->cur_off;

                        *ret = t->cur.payload + t->cur_off;
                        t->cur_off += n;
                        return (ssize_t) n;
                }
                if (t->file_fd >= 0) {
                        ssize_t n = read_retry(t->file_fd, t->buf,
                                               t->file_left < CHUNK ? (size_t) t->file_left : CHUNK);

                        if (n < 0)
                                return oci_fail(ret_reason, (int) n, "cannot read file '%s' of the layer: %s",
                                                t->file_name, strerror((int) -n));
                        if (n == 0 && t->file_left > 0)
                                return oci_fail(ret_reason, -EBADE, "file '%s' of the layer shrank while read",
                                                t->file_name);
                        t->file_left -= n;
                        if (t->file_left == 0) {
                                close(t->file_fd);
                                t->file_fd = -1;
                        }
                        if (n > 0) {
                                *ret = t->buf;
                                return n;
                        }
                        continue;
                }
                tarsplit_entry_release(&t->cur);
                t->cur_off = 0;
                r = next_line(t, &len, &consumed, ret_reason);
                if (r <= 0)
                        return r;
                r = tarsplit_parse_line(t->line, len, &e, NULL);
                memmove(t->line, t->line + consumed, t->used - consumed);
                t->used -= consumed;
                if (r < 0)
                        return oci_fail(ret_reason, r, "tar-split: malformed line");
                if (e.type == 2) {
                        t->cur = e;
                        continue;
                }
                if (e.size > 0)
                        r = open_member(t, &e, ret_reason);
                tarsplit_entry_release(&e);
                if (r < 0)
                        return r;
        }
}
