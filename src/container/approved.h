/* The approved image manifest of `driftwatch container digests --approved`:
 * a text file with one image reference with its digest per line
 * ("quay.io/x/y@sha256:...", "nginx:1.25@sha256:..."; '#' starts a comment,
 * blank lines are skipped), or Kubernetes objects in JSON (kube.h: Pods,
 * Deployments and the other workloads, Lists of them), whose every container
 * image reference is approved. Each reference is normalized (reference.h). A
 * text line that is no reference or has no digest refuses the whole file; a
 * JSON image without a digest approves nothing and is counted. Pure. */
#pragma once

#include <stddef.h>

#include "basic/macros.h"
#include "container/reference.h"

#define APPROVED_MAX_BYTES ((size_t) 64 << 20)
#define APPROVED_MAX_ENTRIES 100000

struct approved_entry {
        struct image_ref ref;           /* with a digest */
        unsigned line;                  /* text: the line, from 1; JSON: 0 */
        char *where;                    /* JSON: the container's pointer; text: NULL */
};

struct approved {
        struct approved_entry *v;
        size_t n;
        size_t without_digest;          /* JSON images that approve nothing */
};

/* -EBADMSG, -E2BIG (past the limits, or an empty list: -ENODATA) with
 * *ret_error one line ("line 3: 'x@sha256:12': the digest does not have
 * the length of its algorithm"), -ENOMEM. */
int approved_parse(const char *buf, size_t len, struct approved **ret, char **ret_error);
struct approved *approved_free(struct approved *a);
DEFINE_FREEP(struct approved, approved_free)

/* The entry approving exactly this repository and digest, or NULL. */
const struct approved_entry *approved_find(const struct approved *a, const char *name, const char *digest);
/* An entry for the repository name (any digest; the lowest digest), or NULL.
 * Entries are sorted by name and digest: both lookups are binary searches. */
const struct approved_entry *approved_find_name(const struct approved *a, const char *name);
