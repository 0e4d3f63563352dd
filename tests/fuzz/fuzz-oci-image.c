/* Fuzz harness for src/container/oci-json.c, src/container/tar-split.c and
 * src/container/layer-flatten.c. The first byte picks the reader: '0'
 * index.json (tag "v1" and no tag), '1' an image manifest, '2' a config's
 * diff_ids, '3' docker-archive manifest.json, '4' one tar-split line;
 * anything else reads the rest as layers for the flattener,
 * one member per line ("f PATH", "d PATH", "l PATH", "h PATH TARGET"; a line
 * "--" ends a layer, "!" drops it). Invariants: failures are -EBADMSG,
 * -E2BIG, -EINVAL, -ENOENT (or -ENOMEM) with a reason; results hold no more
 * than the limits; a finished tree is sorted, holds "/", and every entry's
 * parent is a directory in it. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "container/layer-flatten.h"
#include "container/oci-image.h"
#include "container/tar-split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_failure(int r, char *reason)
{
        if (r != -EBADMSG && r != -E2BIG && r != -EINVAL && r != -ENOENT && r != -ENOMEM)
                abort();
        if (r != -ENOMEM && (!reason || !*reason))
                abort();
        free(reason);
}

static void json_readers(char kind, const char *buf, size_t len)
{
        char *reason = NULL;
        int r;

        if (kind == '0') {
                struct oci_descriptor d = { 0 };

                for (int i = 0; i < 2; i++) {
                        reason = NULL;
                        r = oci_index_select(buf, len, i ? NULL : "v1", &d, &reason);
                        if (r < 0)
                                check_failure(r, reason);
                        else
                                oci_descriptor_release(&d);
                }
        } else if (kind == '1') {
                struct oci_manifest m = { 0 };

                r = oci_manifest_parse(buf, len, &m, &reason);
                if (r < 0)
                        check_failure(r, reason);
                else if (m.n_layers > OCI_LAYERS_MAX)
                        abort();
                oci_manifest_release(&m);
        } else if (kind == '2') {
                uint8_t(*ids)[SHA256_LEN] = NULL;
                size_t n = 0;

                r = oci_config_diff_ids(buf, len, &ids, &n, &reason);
                if (r < 0)
                        check_failure(r, reason);
                else if (n > OCI_LAYERS_MAX)
                        abort();
                free(ids);
        } else {
                struct docker_manifest m = { 0 };

                r = docker_manifest_parse(buf, len, NULL, &m, &reason);
                if (r < 0)
                        check_failure(r, reason);
                for (size_t i = 0; r >= 0 && i < m.n_layers; i++)
                        if (m.layers[i][0] == '/' || strstr(m.layers[i], "../") == m.layers[i])
                                abort();
                docker_manifest_release(&m);
        }
}

static void check_tree(const struct fim_tree *t)
{
        if (t->n == 0 || strcmp(t->entries[0].path, "/") != 0)
                abort();
        for (size_t i = 1; i < t->n; i++) {
                const struct fim_entry *e = &t->entries[i], *p;
                size_t plen = e->path_len;

                if (path_compare(t->entries[i - 1].path, t->entries[i - 1].path_len, e->path, e->path_len) >= 0)
                        abort();
                while (plen > 1 && e->path[plen - 1] != '/')
                        plen--;
                plen = plen > 1 ? plen - 1 : 1;
                p = fim_tree_find(t, e->path, plen);
                if (!p || p->type != S_IFDIR)
                        abort();
        }
}

static void layers(const char *buf, size_t len)
{
        struct layer_flatten *f = NULL;
        struct fim_tree *t = NULL;
        const char *p = buf, *end = buf + len;

        if (layer_flatten_new(&f) < 0)
                return;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p)), *sp, *sp2;
                size_t n = nl ? (size_t) (nl - p) : (size_t) (end - p), plen, llen;
                char path[FIM_PATH_MAX], link[FIM_PATH_MAX];
                struct fim_entry e = { .mode = 0644 };
                const char *reason = NULL;
                int r;

                if (n == 2 && memcmp(p, "--", 2) == 0) {
                        if (layer_flatten_commit(f) < 0)
                                break;
                } else if (n == 1 && p[0] == '!') {
                        layer_flatten_drop(f);
                } else if (n > 2 && p[1] == ' ') {
                        sp = p + 2;
                        sp2 = memchr(sp, ' ', n - 2);
                        if (layer_path_normalize(sp, sp2 ? (size_t) (sp2 - sp) : n - 2, path, &plen) >= 0) {
                                e.path = path;
                                e.path_len = (uint32_t) plen;
                                e.type = p[0] == 'd' ? S_IFDIR : p[0] == 'l' ? S_IFLNK : S_IFREG;
                                if (e.type == S_IFLNK) {
                                        e.target = "/etc";
                                        e.target_len = 4;
                                }
                                if (p[0] == 'h' && (!sp2 || layer_path_normalize(sp2 + 1, n - 2 - (size_t) (sp2 + 1 - sp),
                                                                                 link, &llen) < 0))
                                        goto next;
                                r = layer_flatten_add(f, &e, p[0] == 'h' ? link : NULL, &reason);
                                if (r < 0 && r != -EBADMSG && r != -E2BIG && r != -ENOMEM)
                                        abort();
                                if (r == -EBADMSG && !reason)
                                        abort();
                        }
                }
        next:
                p += n + 1;
        }
        if (layer_flatten_commit(f) >= 0 && layer_flatten_finish(f, NULL, 0, &t) >= 0) {
                check_tree(t);
                fim_tree_free(t);
        }
        layer_flatten_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size == 0)
                return 0;
        if (data[0] == '4') {
                struct tarsplit_entry e = { 0 };
                char *reason = NULL;
                int r = tarsplit_parse_line((const char *) data + 1, size - 1, &e, &reason);

                if (r < 0)
                        check_failure(r, reason);
                else if ((e.type != 1 && e.type != 2) || (e.type == 1 && (!e.name || e.size < 0)))
                        abort();
                tarsplit_entry_release(&e);
        } else if (data[0] >= '0' && data[0] <= '3')
                json_readers((char) data[0], (const char *) data + 1, size - 1);
        else
                layers((const char *) data + 1, size - 1);
        return 0;
}
