/* The approved image manifest; see approved.h. */
#define _GNU_SOURCE
#include "approved.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/error.h"
#include "container/kube.h"

static int add(struct approved *a, struct image_ref *ref, unsigned line, const char *where, char **ret_error)
{
        struct approved_entry *v;

        if (a->n >= APPROVED_MAX_ENTRIES)
                return reason_set(ret_error, -E2BIG, "more than %d references", APPROVED_MAX_ENTRIES);
        v = reallocarray(a->v, a->n + 1, sizeof(*a->v));
        if (!v)
                return -ENOMEM;
        a->v = v;
        v = &a->v[a->n];
        *v = (struct approved_entry) { .ref = *ref, .line = line };
        if (where && !(v->where = strdup(where)))
                return -ENOMEM;
        *ref = (struct image_ref) { 0 };
        a->n++;
        return 0;
}

static int parse_text(const char *buf, size_t len, struct approved *a, char **ret_error)
{
        unsigned line = 0;

        for (size_t i = 0; i < len;) {
                _cleanup_(image_ref_release) struct image_ref ref = { 0 };
                const char *nl = memchr(buf + i, '\n', len - i), *s = buf + i, *hash, *reason = NULL;
                size_t n = nl ? (size_t) (nl - s) : len - i, start = 0, end;
                int r;

                i += n + 1;
                line++;
                if (memchr(s, '\0', n))
                        return reason_set(ret_error, -EBADMSG, "line %u: a NUL byte", line);
                hash = memchr(s, '#', n);
                end = hash ? (size_t) (hash - s) : n;
                while (start < end && (s[start] == ' ' || s[start] == '\t' || s[start] == '\r'))
                        start++;
                while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r'))
                        end--;
                if (start == end)
                        continue;
                if (memchr(s + start, ' ', end - start) || memchr(s + start, '\t', end - start))
                        return reason_set(ret_error, -EBADMSG, "line %u: more than one word: '%.*s'", line,
                                    (int) (end - start), s + start);
                r = image_ref_parse(s + start, end - start, &ref, &reason);
                if (r == -EINVAL)
                        return reason_set(ret_error, -EBADMSG, "line %u: '%.*s': %s", line, (int) (end - start), s + start,
                                    reason);
                if (r < 0)
                        return r;
                if (!ref.digest)
                        return reason_set(ret_error, -EBADMSG, "line %u: '%.*s' has no @sha256: digest", line,
                                    (int) (end - start), s + start);
                r = add(a, &ref, line, NULL, ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_json(const char *buf, size_t len, struct approved *a, char **ret_error)
{
        _cleanup_(kube_objects_freep) struct kube_objects *k = NULL;
        int r = kube_parse(buf, len, &k, ret_error);

        if (r < 0)
                return r;
        for (size_t i = 0; i < k->n_pods; i++)
                for (size_t j = 0; j < k->pods[i].n_containers; j++) {
                        _cleanup_(image_ref_release) struct image_ref ref = { 0 };
                        const struct kube_container *c = &k->pods[i].containers[j];
                        const char *reason = NULL;

                        if (!c->image)
                                continue;
                        r = image_ref_parse(c->image, strlen(c->image), &ref, &reason);
                        if (r == -EINVAL)
                                return reason_set(ret_error, -EBADMSG, "%s/image: '%s': %s", c->pointer, c->image, reason);
                        if (r < 0)
                                return r;
                        if (!ref.digest) {
                                a->without_digest++;
                                continue;
                        }
                        r = add(a, &ref, 0, c->pointer, ret_error);
                        if (r < 0)
                                return r;
                }
        return 0;
}

int approved_parse(const char *buf, size_t len, struct approved **ret, char **ret_error)
{
        _cleanup_(approved_freep) struct approved *a = NULL;
        size_t i = 0;
        int r;

        if (len > APPROVED_MAX_BYTES)
                return reason_set(ret_error, -E2BIG, "larger than %zu MiB", APPROVED_MAX_BYTES >> 20);
        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        while (i < len && strchr(" \t\r\n", buf[i]) && buf[i])
                i++;
        r = i < len && buf[i] == '{' ? parse_json(buf, len, a, ret_error) : parse_text(buf, len, a, ret_error);
        if (r < 0)
                return r;
        if (a->n == 0)
                return reason_set(ret_error, -ENODATA, "no image reference with a digest%s",
                            a->without_digest ? " (the images it names have tags only)" : "");
        *ret = TAKE_PTR(a);
        return 0;
}

struct approved *approved_free(struct approved *a)
{
        if (!a)
                return NULL;
        for (size_t i = 0; i < a->n; i++) {
                image_ref_release(&a->v[i].ref);
                free(a->v[i].where);
        }
        free(a->v);
        free(a);
        return NULL;
}

const struct approved_entry *approved_find(const struct approved *a, const char *name, const char *digest)
{
        for (size_t i = 0; i < a->n; i++)
                if (strcmp(a->v[i].ref.name, name) == 0 && strcmp(a->v[i].ref.digest, digest) == 0)
                        return &a->v[i];
        return NULL;
}

const struct approved_entry *approved_find_name(const struct approved *a, const char *name)
{
        for (size_t i = 0; i < a->n; i++)
                if (strcmp(a->v[i].ref.name, name) == 0)
                        return &a->v[i];
        return NULL;
}
