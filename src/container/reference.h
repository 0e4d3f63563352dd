/* Container image references as the engines read them (distribution's
 * reference grammar and ParseNormalizedNamed, which containers/image, podman,
 * CRI-O, containerd and the kubelet all use): [DOMAIN/]PATH[:TAG][@DIGEST].
 * The domain is the first '/'-separated component when it holds '.' or ':',
 * is "localhost", or holds an upper case letter; otherwise docker.io, and a
 * docker.io name of one component is in library/ (index.docker.io is
 * docker.io). The path is lower case. A reference with neither tag nor digest
 * gets the tag "latest"; one with a digest gets no default tag. Digests are
 * "sha256:" and 64 lower case hex digits (sha384: 96, sha512: 128). Also the
 * image and container ids the kubelet reports (status.imageID,
 * status.containerID). Pure: never prints. docs/container-digests.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define IMAGE_REF_MAX 4096              /* a whole reference, bytes */
#define IMAGE_NAME_MAX 255              /* domain and path (distribution's NameTotalLengthMax) */
#define IMAGE_TAG_MAX 128

struct image_ref {
        char *name;                     /* "docker.io/library/nginx": domain and path */
        size_t domain_len;              /* bytes of name before the '/' after the domain */
        char *tag;                      /* "1.25", "latest" when defaulted; NULL with a digest and no tag */
        bool tag_default;               /* tag is the default "latest" */
        char *digest;                   /* "sha256:<hex>" or NULL */
        char *string;                   /* the normalized whole: name[:tag][@digest] */
};

/* Parses and normalizes s (len bytes, no NUL inside). 0 with *ret filled
 * (image_ref_release()), -EINVAL with *ret_reason a static phrase ("the
 * repository name must be lower case"), -ENOMEM. */
int image_ref_parse(const char *s, size_t len, struct image_ref *ret, const char **ret_reason);
void image_ref_release(struct image_ref *r);

/* Whether s is a digest of a known algorithm: 0, or -EINVAL with *ret_reason. */
int image_digest_check(const char *s, size_t len, const char **ret_reason);

/* The kubelet's status.imageID: "docker-pullable://REF@DIGEST", "docker://ID",
 * "REF@DIGEST" (containerd, CRI-O) or a bare "sha256:..." image id.
 * IMAGE_ID_REPO_DIGEST with *ret (the reference, with its digest),
 * IMAGE_ID_IMAGE_ID when it names the image's configuration only (no
 * manifest digest to compare), -EINVAL with *ret_reason. */
enum {
        IMAGE_ID_IMAGE_ID = 0,
        IMAGE_ID_REPO_DIGEST = 1,
};
int image_id_parse(const char *s, struct image_ref *ret, const char **ret_reason);

/* status.containerID "RUNTIME://ID": *ret_runtime ("containerd", "cri-o",
 * "docker", ...) and *ret_id point into s (runtime_len bytes); -EINVAL when
 * it has no "://". */
int container_id_split(const char *s, const char **ret_runtime, size_t *ret_runtime_len, const char **ret_id);
