/* The containers signature policy (containers-policy.json(5)) as
 * containers/image reads it (signature/policy_config.go): "default" is
 * required, "transports" maps transport names to scopes, each scope (and the
 * default) a non-empty list of requirements that must all pass; unknown keys,
 * duplicate keys and unknown requirement types make the whole file invalid
 * (ParanoidUnmarshalJSONObject), and an invalid policy makes every pull fail.
 * Parsed with jansson (JSON_REJECT_DUPLICATES), nesting capped before it.
 * Also the Docker reference normalization and the scope lookup of
 * signature/policy_eval.go (requirementsForImageRef) and
 * docker/policyconfiguration/naming.go. Pure; never prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/macros.h"
#include "basic/strv.h"

#define CPOLICY_MAX_BYTES ((size_t) 4 << 20)
#define CPOLICY_MAX_DEPTH 32
#define CPOLICY_MAX_SCOPES 4096
#define CPOLICY_MAX_REQS 256            /* in one scope */

enum cpolicy_type {
        CPR_INSECURE_ACCEPT_ANYTHING,
        CPR_REJECT,
        CPR_SIGNED_BY,
        CPR_SIGNED_BASE_LAYER,
        CPR_SIGSTORE_SIGNED,
};

struct cpolicy_req {
        enum cpolicy_type type;
        char *pointer;                  /* JSON pointer (RFC 6901) of the requirement */
        struct strv key_paths;          /* keyPath, keyPaths */
        bool key_data;                  /* keyData, keyDatas: the key is in the file */
        bool fulcio, pki;               /* sigstoreSigned: certificate roots (paths or data inside) */
};

struct cpolicy_scope {
        char *transport;                /* NULL: "default" */
        char *scope;                    /* "" for the transport's default */
        char *pointer;
        struct cpolicy_req *reqs;
        size_t n_reqs;
};

struct cpolicy {
        struct cpolicy_scope def;
        struct cpolicy_scope *scopes;
        size_t n_scopes;
};

const char *cpolicy_type_name(enum cpolicy_type t);

/* -EBADMSG (what containers/image refuses, or deeper than CPOLICY_MAX_DEPTH)
 * or -E2BIG with *ret_error one line (free()). */
int cpolicy_parse(const char *buf, size_t len, struct cpolicy **ret, char **ret_error);
struct cpolicy *cpolicy_free(struct cpolicy *p);
DEFINE_FREEP(struct cpolicy, cpolicy_free)

/* The scope containers/image applies to an image of this transport with
 * this policy identity and namespaces (most specific first): the transport's
 * scope equal to identity, else to the first namespace that has one, else
 * its "" scope, else the default. */
const struct cpolicy_scope *cpolicy_lookup(const struct cpolicy *p, const char *transport, const char *identity,
                                           const struct strv *namespaces);

/* A docker reference ("quay.io/x/y:tag", "busybox", "r:5000/x@sha256:...")
 * normalized as distribution's ParseNormalizedNamed does (docker.io and
 * library/ added, :latest when there is neither tag nor digest): *ret_name
 * "quay.io/x/y", *ret_identity "quay.io/x/y:tag" or "...@sha256:...".
 * -EINVAL for what is no reference. */
int docker_reference_normalize(const char *ref, char **ret_name, char **ret_identity);
/* PolicyConfigurationNamespaces of a normalized name: the name, each parent
 * path, the host, then "*.<parent domains>" (port dropped). */
int docker_reference_namespaces(const char *name, struct strv *ret);
