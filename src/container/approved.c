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

static int entry_cmp(const void *x, const void *y)
{
        const struct approved_entry *a = x, *b = y;
        int c = strcmp(a->ref.name, b->ref.name);

        if (c)
                return c;
        c = strcmp(a->ref.digest, b->ref.digest);
        return c ? c : (a->line > b->line) - (a->line < b->line);
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
        /* Sorted by name, digest: lookups are binary searches. */
        if (a->n > 1)
                qsort(a->v, a->n, sizeof(*a->v), entry_cmp);
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

/* The first entry (in sort order) whose name is name and, when digest is
 * given, whose digest is digest; NULL when none. */
static const struct approved_entry *lower_bound(const struct approved *a, const char *name, const char *digest)
{
        size_t lo = 0, hi = a->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(a->v[mid].ref.name, name);

                if (c == 0 && digest)
                        c = strcmp(a->v[mid].ref.digest, digest);
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo == a->n || strcmp(a->v[lo].ref.name, name) != 0 || (digest && strcmp(a->v[lo].ref.digest, digest) != 0))
                return NULL;
        return &a->v[lo];
}

const struct approved_entry *approved_find(const struct approved *a, const char *name, const char *digest)
{
        return lower_bound(a, name, digest);
}

const struct approved_entry *approved_find_name(const struct approved *a, const char *name)
{
        return lower_bound(a, name, NULL);
}
