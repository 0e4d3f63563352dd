/* Fuzz harness for the containers signature policy (src/parse/containers-policy.h):
 * any bytes give a policy or -EBADMSG / -E2BIG with a one-line printable
 * reason. A policy is looked up for a few references (and the input, cut at
 * its first NUL or newline, as a reference): the scope found is the default
 * or one of the policy's, never empty; every requirement has a JSON pointer
 * below its scope's. Never a crash, a leak or a hang. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "parse/containers-policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lookup(const struct cpolicy *p, const char *transport, const char *ref)
{
        const struct cpolicy_scope *s;
        char *name = NULL, *identity = NULL;
        struct strv ns = { 0 };

        if (docker_reference_normalize(ref, &name, &identity) < 0)
                return;
        if (docker_reference_namespaces(name, &ns) < 0 || ns.n == 0 || strcmp(ns.v[0], name) != 0)
                abort();
        if (p) {
                s = cpolicy_lookup(p, transport, identity, &ns);
                if (!s || s->n_reqs == 0 || (s != &p->def && (s < p->scopes || s >= p->scopes + p->n_scopes)))
                        abort();
        }
        strv_release(&ns);
        free(name);
        free(identity);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct cpolicy *p = NULL;
        char *err = NULL, *ref;
        size_t i, k;
        int r;

        r = cpolicy_parse((const char *) data, size, &p, &err);
        if (r < 0) {
                if ((r != -EBADMSG && r != -E2BIG && r != -ENOMEM) || p)
                        abort();
                if (err && has_control(err, strlen(err)))
                        abort();
                free(err);
        } else {
                for (i = 0; i < p->n_scopes; i++)
                        for (k = 0; k < p->scopes[i].n_reqs; k++)
                                if (strncmp(p->scopes[i].reqs[k].pointer, p->scopes[i].pointer,
                                            strlen(p->scopes[i].pointer)) != 0)
                                        abort();
        }
        lookup(p, "docker", "quay.io/example/os:42");
        lookup(p, "docker", "a.b.example.com:5000/x/y@sha256:00");
        lookup(p, "oci", "busybox");
        ref = strndup((const char *) data, size);
        if (ref) {
                ref[strcspn(ref, "\n")] = 0;
                lookup(p, "docker", ref);
                free(ref);
        }
        cpolicy_free(p);
        return 0;
}
