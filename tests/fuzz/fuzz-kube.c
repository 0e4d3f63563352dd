/* Fuzz harness for the Kubernetes JSON and YAML readers (src/container/kube.h,
 * kube-yaml.c; the same input read as both) and the image reference parser: any bytes give objects or -EBADMSG / -E2BIG with a
 * one-line printable reason. Every pod read has containers with names and
 * JSON pointers below the pod's; every image reference of a container either
 * parses to a normalized string that parses again to itself, or is refused
 * with a reason. Never a crash, a leak or a hang. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "container/kube.h"
#include "container/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ref(const char *s)
{
        struct image_ref r = { 0 }, again = { 0 };
        const char *reason = NULL;

        if (image_ref_parse(s, strlen(s), &r, &reason) < 0) {
                if (!reason || r.name)
                        abort();
                return;
        }
        if (!r.name || !r.string || (!r.tag && !r.digest))
                abort();
        /* The normalized form is a fixed point. */
        if (image_ref_parse(r.string, strlen(r.string), &again, &reason) < 0 || strcmp(again.string, r.string) != 0)
                abort();
        image_ref_release(&again);
        image_ref_release(&r);
}

static void read_as(int (*parse)(const char *, size_t, struct kube_objects **, char **), const uint8_t *data,
                    size_t size)
{
        struct kube_objects *k = NULL;
        char *err = NULL;
        int r;

        r = parse((const char *) data, size, &k, &err);
        if (r < 0) {
                if ((r != -EBADMSG && r != -E2BIG && r != -ENOMEM) || k)
                        abort();
                if (err && has_control(err, strlen(err)))
                        abort();
                free(err);
        } else {
                for (size_t i = 0; i < k->n_pods; i++)
                        for (size_t j = 0; j < k->pods[i].n_containers; j++) {
                                const struct kube_container *c = &k->pods[i].containers[j];

                                if (!c->name || strncmp(c->pointer, k->pods[i].pointer,
                                                        strlen(k->pods[i].pointer)) != 0)
                                        abort();
                                if (c->image)
                                        check_ref(c->image);
                                if (c->image_id) {
                                        struct image_ref id = { 0 };
                                        const char *reason = NULL;

                                        if (image_id_parse(c->image_id, &id, &reason) < 0 && !reason)
                                                abort();
                                        image_ref_release(&id);
                                }
                        }
                for (size_t i = 0; i < k->n_namespaces; i++)
                        if (!k->namespaces[i].name)
                                abort();
                kube_objects_free(k);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *line;

        read_as(kube_parse, data, size);
        read_as(kube_parse_yaml, data, size);
        /* The input's first line as a reference. */
        line = strndup((const char *) data, size);
        if (line) {
                line[strcspn(line, "\n")] = 0;
                check_ref(line);
                free(line);
        }
        return 0;
}
