/* Fuzz harness for the containers-storage JSON readers (src/container/
 * storage.c): the input as layers.json, images.json and containers.json.
 * Each gives entries or -EBADMSG / -E2BIG with a one-line printable reason;
 * every id read is 64 lowercase hex, entries are sorted by id without
 * duplicates, and a layer is never its own parent. The same input as the
 * options of an overlay mount (live.c: absolute directories, or a printable
 * reason), as /proc/PID/cgroup (an id is 64 hex) and as Docker's
 * config.v2.json (ids 64 hex, mount points absolute). Never a crash, a leak
 * or a hang. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "container/container.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(int r, const char *err)
{
        if (r != -EBADMSG && r != -E2BIG && r != -ELOOP && r != -ENOMEM)
                abort();
        if (err && has_control(err, strlen(err)))
                abort();
}

static void check_id(const char *id, bool optional)
{
        if (optional && !id)
                return;
        if (!ctr_id_valid(id))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *buf = (const char *) data;
        struct ctr_layer *l = NULL;
        struct ctr_image *im = NULL;
        struct container *c = NULL;
        char *err = NULL;
        size_t n = 0, i;
        int r;

        r = ctr_parse_layers(buf, size, &l, &n, &err);
        if (r < 0) {
                check_error(r, err);
                if (l)
                        abort();
        } else {
                for (i = 0; i < n; i++) {
                        check_id(l[i].id, false);
                        check_id(l[i].parent, true);
                        if ((l[i].parent && strcmp(l[i].parent, l[i].id) == 0) ||
                            (i && strcmp(l[i - 1].id, l[i].id) >= 0))
                                abort();
                }
                ctr_layers_free(l, n);
        }
        free(err), err = NULL;

        r = ctr_parse_images(buf, size, &im, &n, &err);
        if (r < 0) {
                check_error(r, err);
        } else {
                for (i = 0; i < n; i++) {
                        check_id(im[i].id, false);
                        check_id(im[i].layer, true);
                        if (i && strcmp(im[i - 1].id, im[i].id) >= 0)
                                abort();
                }
                ctr_images_free(im, n);
        }
        free(err), err = NULL;

        r = ctr_parse_containers(buf, size, &c, &n, &err);
        if (r < 0) {
                check_error(r, err);
        } else {
                for (i = 0; i < n; i++) {
                        check_id(c[i].id, false);
                        check_id(c[i].layer_id, false);
                        check_id(c[i].image_id, true);
                        if (!c[i].engine || (i && strcmp(c[i - 1].id, c[i].id) >= 0))
                                abort();
                }
                containers_free(c, n);
        }
        free(err), err = NULL;

        char *text = strndup(buf, size), *upper = NULL, *id = NULL;
        struct strv lowers = { 0 };
        const char *runtime = NULL;

        if (!text)
                return 0;
        r = ctr_parse_overlay_options(text, &upper, &lowers, &err);
        if (r < 0) {
                if (r != -EBADMSG && r != -E2BIG && r != -EOPNOTSUPP && r != -ENOMEM)
                        abort();
                if (err && has_control(err, strlen(err)))
                        abort();
        } else {
                if (upper[0] != '/' || lowers.n == 0)
                        abort();
                for (i = 0; i < lowers.n; i++)
                        if (lowers.v[i][0] != '/')
                                abort();
        }
        free(upper);
        strv_release(&lowers);
        free(err), err = NULL;
        free(text);
        struct container *dc = calloc(1, sizeof(*dc));

        if (!dc)
                return 0;
        r = ctr_docker_parse_config(buf, size, dc, &err);
        if (r < 0) {
                check_error(r == -EOPNOTSUPP ? -EBADMSG : r, err);
        } else {
                check_id(dc->id, false);
                check_id(dc->image_id, true);
                for (i = 0; i < dc->mounts.n; i++)
                        if (dc->mounts.v[i][0] != '/')
                                abort();
        }
        free(err), err = NULL;
        containers_free(dc, 1);
        r = ctr_parse_cgroup(buf, size, &id, &runtime);
        if (r > 0 && (!ctr_id_valid(id) || !runtime))
                abort();
        free(id);
        return 0;
}
