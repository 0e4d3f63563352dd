/* Posture: the containers signature policy the host's next image pull is
 * judged by. The file is chosen, parsed and evaluated as containers/image
 * does (v5, signature/policy_config.go defaultPolicyPathWithHomeDir: the
 * user's $HOME/.config/containers/policy.json when it exists, else
 * /etc/containers/policy.json; bootc and rpm-ostree pull as root, so $HOME is
 * /root); the scope that applies to the host image is the one
 * signature/policy_eval.go requirementsForImageRef picks; every requirement
 * in it must pass (PolicyContext.IsRunningImageAllowed). */
#define _GNU_SOURCE
#include "posture-check.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/buf.h"
#include "parse/containers-policy.h"

#define POLICY_SYSTEM "/etc/containers/policy.json"
#define POLICY_ROOT_USER "/root/.config/containers/policy.json"

/* "signedBy, sigstoreSigned" for a scope's requirements. */
static char *scope_value(const struct cpolicy_scope *s)
{
        _cleanup_(buf_release) struct buf b;
        size_t i;
        int r = 0;

        buf_init(&b, 1 << 16);
        for (i = 0; r >= 0 && i < s->n_reqs; i++)
                r = buf_printf(&b, "%s%s", i ? ", " : "", cpolicy_type_name(s->reqs[i].type));
        return r < 0 ? NULL : buf_steal(&b);
}

static char *scope_name(const struct cpolicy_scope *s)
{
        char *ret;

        if (!s->transport)
                return strdup("default");
        if (asprintf(&ret, "transports/%s/%s", s->transport, s->scope[0] ? s->scope : "\"\"") < 0)
                return NULL;
        return ret;
}

static int emit_scope_state(struct posture *pc, const char *file, const struct cpolicy_scope *s)
{
        _cleanup_(freep) char *name = scope_name(s), *value = scope_value(s), *message = NULL;

        if (!name || !value || asprintf(&message, "signature policy %s: %s", name, value) < 0)
                return -ENOMEM;
        return posture_emit(pc, &(struct posture_finding) {
                .rule_id = "DW-POS-POLICY-STATE", .check = "signature-policy", .action = "policy-scope",
                .file = file, .pointer = s->pointer, .setting = name, .value = value, .message = message,
        });
}

/* A key or certificate file of a requirement, as containers/image opens it:
 * relative names from the policy file's directory. */
static int check_key(struct posture *pc, const char *file, const struct cpolicy_req *q, const char *key,
                     const char *scope)
{
        _cleanup_(freep) char *dir_copy = strdup(file), *path = NULL, *message = NULL;
        int r;

        if (!dir_copy)
                return -ENOMEM;
        if (key[0] == '/' ? !(path = strdup(key)) : asprintf(&path, "%s/%s", dirname(dir_copy), key) < 0)
                return -ENOMEM;
        r = posture_exists(pc, path);
        if (r > 0)
                return 0;
        if (asprintf(&message, "%s requirement of %s names key '%s', which %s under the root: the signature "
                               "check fails and the host cannot upgrade", cpolicy_type_name(q->type), scope, path,
                     r == 0 ? "does not exist" : "cannot be looked up") < 0)
                return -ENOMEM;
        return posture_emit(pc, &(struct posture_finding) {
                .rule_id = "DW-POS-POLICY-KEY-MISSING", .alert = true, .check = "signature-policy",
                .action = "policy-key-missing", .file = file, .pointer = q->pointer, .setting = scope,
                .value = path, .message = message,
        });
}

/* The verdict on the scope that applies to the host image. */
static int judge(struct posture *pc, const char *file, const struct cpolicy_scope *s)
{
        _cleanup_(freep) char *name = scope_name(s), *value = scope_value(s), *message = NULL;
        const char *image = pc->image.ref ? pc->image.ref : "unknown";
        const char *unknown = pc->image.ref ? "" : " (the host's image reference is unknown: this is the scope "
                                                   "a docker image without a more specific one gets)";
        size_t i, insecure = 0, reject = 0, verify = 0;
        const struct cpolicy_req *first_insecure = NULL, *first_reject = NULL;
        int r;

        if (!name || !value)
                return -ENOMEM;
        for (i = 0; i < s->n_reqs; i++) {
                const struct cpolicy_req *q = &s->reqs[i];

                switch (q->type) {
                case CPR_INSECURE_ACCEPT_ANYTHING:
                        insecure++;
                        first_insecure = first_insecure ?: q;
                        break;
                case CPR_REJECT:
                case CPR_SIGNED_BASE_LAYER:     /* not implemented by containers/image: it never allows */
                        reject++;
                        first_reject = first_reject ?: q;
                        break;
                case CPR_SIGNED_BY:
                case CPR_SIGSTORE_SIGNED:
                        verify++;
                        for (size_t k = 0; k < q->key_paths.n; k++) {
                                r = check_key(pc, file, q, q->key_paths.v[k], name);
                                if (r < 0)
                                        return r;
                        }
                        break;
                }
        }
        if (reject) {
                if (asprintf(&message, "the host image %s is refused by %s (%s)%s: the host cannot upgrade", image,
                             name, value, unknown) < 0)
                        return -ENOMEM;
                return posture_emit(pc, &(struct posture_finding) {
                        .rule_id = "DW-POS-POLICY-REJECT", .alert = true, .check = "signature-policy",
                        .action = "policy-rejects-host-image", .file = file, .pointer = first_reject->pointer,
                        .setting = name, .value = value, .message = message,
                });
        }
        if (insecure) {
                /* Every requirement must pass: insecureAcceptAnything beside a
                 * signature requirement does not lift it, but it says someone
                 * meant to (medium); alone, nothing is verified (critical). */
                if (asprintf(&message, verify ? "%s for the host image %s lists insecureAcceptAnything (%s)%s: the "
                                                "signature requirement beside it still applies"
                                              : "%s accepts the host image %s unsigned (%s)%s: the next upgrade "
                                                "takes any image the registry serves", name, image, value,
                             unknown) < 0)
                        return -ENOMEM;
                return posture_emit(pc, &(struct posture_finding) {
                        .rule_id = "DW-POS-POLICY-INSECURE", .alert = true,
                        .severity = verify ? SEVERITY_MEDIUM : 0, .check = "signature-policy",
                        .action = "policy-accepts-unsigned", .file = file, .pointer = first_insecure->pointer,
                        .setting = name, .value = value, .message = message,
                });
        }
        if (asprintf(&message, "the host image %s must be signed: %s (%s)%s", image, name, value, unknown) < 0)
                return -ENOMEM;
        return posture_emit(pc, &(struct posture_finding) {
                .rule_id = "DW-POS-POLICY-HOST-IMAGE", .check = "signature-policy", .action = "policy-host-image",
                .file = file, .pointer = s->pointer, .setting = name, .value = value, .message = message,
        });
}

static int parse_policy(const char *buf, size_t len, void *ret, char **ret_error)
{
        return cpolicy_parse(buf, len, ret, ret_error);
}

int posture_check_policy(struct posture *pc)
{
        _cleanup_(cpolicy_freep) struct cpolicy *p = NULL;
        const char *file = POLICY_SYSTEM;
        const struct cpolicy_scope *s;
        size_t i;
        int r;

        r = posture_exists(pc, POLICY_ROOT_USER);
        if (r < 0)
                return posture_invalid(pc, "signature-policy", POLICY_ROOT_USER, posture_read_error(r));
        if (r > 0) {
                file = POLICY_ROOT_USER;
                r = posture_emit(pc, &(struct posture_finding) {
                        .rule_id = "DW-POS-POLICY-USER", .alert = true, .check = "signature-policy",
                        .action = "policy-user-override", .file = file, .setting = "policy path", .value = file,
                        .message = "root's own signature policy replaces " POLICY_SYSTEM " for every pull root "
                                   "makes, bootc and rpm-ostree included",
                });
                if (r < 0)
                        return r;
        }
        r = posture_load(pc, "signature-policy", file, CPOLICY_MAX_BYTES, parse_policy, &p);
        if (r == POSTURE_MISSING)
                return posture_emit(pc, &(struct posture_finding) {
                        .rule_id = "DW-POS-POLICY-MISSING", .alert = true, .check = "signature-policy",
                        .action = "policy-missing", .file = file,
                        .message = "no signature policy: containers/image refuses every pull (\"no policy.json "
                                   "file found\"), and nothing says which signer the host image needs",
                });
        if (r != POSTURE_LOADED)
                return r < 0 ? r : 0;

        r = emit_scope_state(pc, file, &p->def);
        for (i = 0; r >= 0 && i < p->n_scopes; i++)
                r = emit_scope_state(pc, file, &p->scopes[i]);
        if (r < 0)
                return r;
        /* An ostree-native host pulls commits, verified by the remote's
         * gpg-verify / sign-verify (posture-ostree.c), not by this policy. */
        if (pc->image.transport && strcmp(pc->image.transport, "ostree") == 0)
                return 0;
        s = cpolicy_lookup(p, pc->image.transport ? pc->image.transport : "docker", pc->image.identity,
                           &pc->image.namespaces);
        return judge(pc, file, s);
}
