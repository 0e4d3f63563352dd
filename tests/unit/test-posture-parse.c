/* Unit tests for the posture parsers: src/parse/containers-policy.c (the
 * expected scopes are containers/image's own test tables, cited per case),
 * src/parse/toml.c (the registries.conf subset, bad and hostile input) and
 * src/parse/keyfile.c (GKeyFile's rules for ostree remotes). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/containers-policy.h"
#include "parse/keyfile.h"
#include "parse/toml.h"

/* containers/image docker/policyconfiguration/naming_test.go TestDockerReference:
 * the input name, then the namespaces DockerReferenceNamespaces gives. */
static void test_namespaces(void **state)
{
        static const char *const cases[][8] = {
                { "example.com/ns/repo", "example.com/ns/repo", "example.com/ns", "example.com", "*.com" },
                { "example.com/repo", "example.com/repo", "example.com", "*.com" },
                { "localhost/ns/repo", "localhost/ns/repo", "localhost/ns", "localhost" },
                { "localhost/repo", "localhost/repo", "localhost" },
                { "notlocalhost/repo", "docker.io/notlocalhost/repo", "docker.io/notlocalhost", "docker.io", "*.io" },
                { "docker.io/ns/repo", "docker.io/ns/repo", "docker.io/ns", "docker.io", "*.io" },
                { "docker.io/repo", "docker.io/library/repo", "docker.io/library", "docker.io", "*.io" },
                { "ns/repo", "docker.io/ns/repo", "docker.io/ns", "docker.io", "*.io" },
                { "repo", "docker.io/library/repo", "docker.io/library", "docker.io", "*.io" },
                { "yet.another.example.com:8443/ns/repo", "yet.another.example.com:8443/ns/repo",
                  "yet.another.example.com:8443/ns", "yet.another.example.com:8443", "*.another.example.com",
                  "*.example.com", "*.com" },
        };
        size_t i, k;

        (void) state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *name = NULL, *identity = NULL;
                struct strv ns = { 0 };

                assert_int_equal(docker_reference_normalize(cases[i][0], &name, &identity), 0);
                assert_string_equal(name, cases[i][1]);
                assert_int_equal(docker_reference_namespaces(name, &ns), 0);
                for (k = 0; cases[i][k + 1]; k++) {
                        assert_true(k < ns.n);
                        assert_string_equal(ns.v[k], cases[i][k + 1]);
                }
                assert_int_equal(ns.n, k);
                strv_release(&ns);
                free(name);
                free(identity);
        }
}

static void test_identity(void **state)
{
        char *name = NULL, *identity = NULL;

        (void) state;
        /* TagNameOnly: no tag and no digest is :latest (docker/docker_transport.go ParseReference). */
        assert_int_equal(docker_reference_normalize("quay.io/fedora/fedora-bootc", &name, &identity), 0);
        assert_string_equal(identity, "quay.io/fedora/fedora-bootc:latest");
        free(name), free(identity);
        assert_int_equal(docker_reference_normalize("quay.io/x/y:42", &name, &identity), 0);
        assert_string_equal(identity, "quay.io/x/y:42");
        free(name), free(identity);
        assert_int_equal(docker_reference_normalize("r.example:5000/x@sha256:abcd", &name, &identity), 0);
        assert_string_equal(name, "r.example:5000/x");
        assert_string_equal(identity, "r.example:5000/x@sha256:abcd");
        free(name), free(identity);
        assert_int_equal(docker_reference_normalize("index.docker.io/busybox", &name, &identity), 0);
        assert_string_equal(identity, "docker.io/library/busybox:latest");
        free(name), free(identity);
        assert_int_equal(docker_reference_normalize("", &name, &identity), -EINVAL);
        assert_int_equal(docker_reference_normalize("quay.io/UPPER/x", &name, &identity), -EINVAL);
        assert_int_equal(docker_reference_normalize("quay.io/x:", &name, &identity), -EINVAL);
        assert_int_equal(docker_reference_normalize("quay.io/x y", &name, &identity), -EINVAL);
        assert_int_equal(docker_reference_normalize("/x", &name, &identity), -EINVAL);
}

/* containers/image signature/policy_eval_test.go
 * TestPolicyContextRequirementsForImageRef: the scopes of its table, each
 * input and the scope it must select ("default" for the default). */
static void test_lookup(void **state)
{
        static const char policy[] =
                "{\"default\":[{\"type\":\"reject\"}],\"transports\":{"
                "\"docker\":{\"\":[{\"type\":\"reject\"}],\"unmatched\":[{\"type\":\"reject\"}],"
                "\"deep.com\":[{\"type\":\"reject\"}],\"*.very.deep.com\":[{\"type\":\"reject\"}],"
                "\"*.deep.com\":[{\"type\":\"reject\"}],\"deep.com/n1\":[{\"type\":\"reject\"}],"
                "\"deep.com/n1/n2\":[{\"type\":\"reject\"}],\"deep.com/n1/n2/n3\":[{\"type\":\"reject\"}],"
                "\"deep.com/n1/n2/n3/repo\":[{\"type\":\"reject\"}],"
                "\"deep.com/n1/n2/n3/repo:tag2\":[{\"type\":\"reject\"}]},"
                "\"atomic\":{\"unmatched\":[{\"type\":\"reject\"}]}}}";
        static const char *const cases[][3] = {
                { "docker", "deep.com/n1/n2/n3/repo:tag2", "deep.com/n1/n2/n3/repo:tag2" },
                { "docker", "deep.com/n1/n2/n3/repo:nottag2", "deep.com/n1/n2/n3/repo" },
                { "docker", "deep.com/n1/n2/n3/notrepo:tag2", "deep.com/n1/n2/n3" },
                { "docker", "deep.com/n1/n2/notn3/repo:tag2", "deep.com/n1/n2" },
                { "docker", "deep.com/n1/notn2/n3/repo:tag2", "deep.com/n1" },
                { "docker", "deep.com/notn1/n2/n3/repo:tag2", "deep.com" },
                { "docker", "very.deep.com/n1/n2/n3/repo:tag2", "*.deep.com" },
                { "docker", "not.very.deep.com/n1/n2/n3/repo:tag2", "*.very.deep.com" },
                { "docker", "this.does-not/match:anything", "" },
                /* a transport without a "" scope falls back to the default */
                { "atomic", "this.does-not/match:anything", "default" },
                { "dir", "what/ever", "default" },
        };
        struct cpolicy *p = NULL;
        char *err = NULL;
        size_t i;

        (void) state;
        assert_int_equal(cpolicy_parse(policy, strlen(policy), &p, &err), 0);
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *name = NULL, *identity = NULL;
                struct strv ns = { 0 };
                const struct cpolicy_scope *s;

                assert_int_equal(docker_reference_normalize(cases[i][1], &name, &identity), 0);
                assert_int_equal(docker_reference_namespaces(name, &ns), 0);
                s = cpolicy_lookup(p, cases[i][0], identity, &ns);
                if (strcmp(cases[i][2], "default") == 0) {
                        assert_ptr_equal(s, &p->def);
                } else {
                        assert_non_null(s->transport);
                        assert_string_equal(s->transport, cases[i][0]);
                        assert_string_equal(s->scope, cases[i][2]);
                }
                strv_release(&ns);
                free(name);
                free(identity);
        }
        cpolicy_free(p);
}

static int parse_policy(const char *s, char **err)
{
        struct cpolicy *p = NULL;
        int r;

        *err = NULL;
        r = cpolicy_parse(s, strlen(s), &p, err);
        cpolicy_free(p);
        return r;
}

/* What containers/image refuses (signature/policy_config.go): each is an
 * invalid policy, so every pull fails. */
static void test_policy_invalid(void **state)
{
        static const char *const bad[] = {
                "{}",                                                   /* "Default policy is missing" */
                "{\"default\":[]}",                                     /* "must not be empty" */
                "{\"default\":[{\"type\":\"acceptAll\"}]}",            /* unknown requirement type */
                "{\"default\":[{\"type\":\"reject\",\"x\":1}]}",       /* ParanoidUnmarshalJSONObjectExactFields */
                "{\"default\":[{\"type\":\"reject\"}],\"extra\":{}}",  /* unknown top-level key */
                "{\"default\":[{\"type\":\"reject\"}],\"default\":[{\"type\":\"insecureAcceptAnything\"}]}",
                "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\"}]}",      /* no key source */
                "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\",\"keyData\":\"eA==\"}]}",
                "[1,2]",
                "{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker\":[]}}",
                "\x7f" "ELF\x01\x02",
        };
        char *err;
        size_t i;

        (void) state;
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(parse_policy(bad[i], &err), -EBADMSG);
                assert_non_null(err);
                assert_null(strchr(err, '\n'));
                free(err);
        }
}

static void test_policy_requirements(void **state)
{
        static const char good[] =
                "{\"default\":[{\"type\":\"insecureAcceptAnything\"}],\"transports\":{\"docker\":{"
                "\"quay.io/a\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPaths\":[\"/k1\",\"/k2\"]}],"
                "\"quay.io/b\":[{\"type\":\"sigstoreSigned\",\"fulcio\":{\"caPath\":\"/ca\",\"oidcIssuer\":\"x\"},"
                "\"rekorPublicKeyPath\":\"/rekor\",\"signedIdentity\":{\"type\":\"matchRepository\"}}]}}}";
        struct cpolicy *p = NULL;
        char *err = NULL;

        (void) state;
        assert_int_equal(cpolicy_parse(good, strlen(good), &p, &err), 0);
        assert_int_equal(p->def.reqs[0].type, CPR_INSECURE_ACCEPT_ANYTHING);
        assert_string_equal(p->def.reqs[0].pointer, "/default/0");
        assert_int_equal(p->n_scopes, 2);
        assert_string_equal(p->scopes[0].pointer, "/transports/docker/quay.io~1a");
        assert_int_equal(p->scopes[0].reqs[0].key_paths.n, 2);
        assert_int_equal(p->scopes[1].reqs[0].type, CPR_SIGSTORE_SIGNED);
        assert_true(p->scopes[1].reqs[0].fulcio);
        assert_int_equal(p->scopes[1].reqs[0].key_paths.n, 2);         /* the CA and the rekor key */
        cpolicy_free(p);
}

static void test_policy_limits(void **state)
{
        size_t n = 10000, i;
        char *s = malloc(2 * n + 64), *err = NULL;

        (void) state;
        /* 10,000 levels: refused by the depth check before jansson parses it. */
        for (i = 0; i < n; i++)
                s[i] = '[';
        for (i = 0; i < n; i++)
                s[n + i] = ']';
        s[2 * n] = 0;
        assert_int_equal(parse_policy(s, &err), -EBADMSG);
        assert_non_null(strstr(err, "nested deeper"));
        free(err);
        /* Brackets inside strings do not count. */
        sprintf(s, "{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"x\":{\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                   "[[[[[[\":[{\"type\":\"reject\"}]}}}");
        assert_int_equal(parse_policy(s, &err), 0);
        free(s);
}

static struct toml_value *toml(const char *s, int want)
{
        struct toml_value *v = NULL;
        char *err = NULL;

        assert_int_equal(toml_parse(s, strlen(s), &v, &err), want);
        if (want < 0) {
                assert_non_null(err);
                assert_null(strchr(err, '\n'));
                assert_true(strncmp(err, "line ", 5) == 0);
        }
        free(err);
        return v;
}

static void test_toml_registries(void **state)
{
        static const char conf[] =
                "# containers-registries.conf(5) example\n"
                "unqualified-search-registries = [\"registry.fedoraproject.org\", 'docker.io',\n"
                "   # a comment inside an array\n"
                "   ]\n"
                "short-name-mode = \"enforcing\"\r\n"
                "\n"
                "[[registry]]\n"
                "prefix = \"example.com/foo\"\n"
                "insecure = false\n"
                "blocked = true\n"
                "location = \"internal-registry-for-example.com/bar\"\n"
                "\n"
                "[[registry.mirror]]\n"
                "location = \"example-mirror-0.local/mirror-for-foo\"\n"
                "[[registry.mirror]]\n"
                "location = \"example-mirror-1.local/mirrors/foo\"\n"
                "insecure = true\n"
                "[[registry]]\n"
                "location = \"b.example\\u00e9\"\n"
                "[aliases]\n"
                "\"fedora\" = \"registry.fedoraproject.org/fedora\"\n"
                "a.b.c = 5\n";
        struct toml_value *root = toml(conf, 0);
        const struct toml_value *v, *r0, *m;

        (void) state;
        v = toml_get(root, "unqualified-search-registries");
        assert_int_equal(v->type, TOML_ARRAY);
        assert_int_equal(v->n_items, 2);
        assert_string_equal(v->items[1]->str, "docker.io");
        assert_int_equal(v->line, 2);
        v = toml_get(root, "registry");
        assert_true(v->table_array);
        assert_int_equal(v->n_items, 2);
        r0 = v->items[0];
        assert_int_equal(r0->line, 7);
        assert_true(toml_get(r0, "blocked")->boolean);
        m = toml_get(r0, "mirror");
        assert_int_equal(m->n_items, 2);
        assert_true(toml_get(m->items[1], "insecure")->boolean);
        assert_string_equal(toml_get(v->items[1], "location")->str, "b.example\xc3\xa9");
        assert_string_equal(toml_get(toml_get(root, "aliases"), "fedora")->str, "registry.fedoraproject.org/fedora");
        assert_int_equal(toml_get(toml_get(toml_get(toml_get(root, "aliases"), "a"), "b"), "c")->integer, 5);
        toml_free(root);
}

static void test_toml_bad(void **state)
{
        static const char *const bad[] = {
                "a = \"unterminated\n",
                "a = 'unterminated\n",
                "a = [\"x\",\n",
                "a = \"\"\"multi\"\"\"\n",
                "a = { b = 1 }\n",
                "a = 1.5\n",
                "a = 1979-05-27\n",
                "a = 1\na = 2\n",
                "[t]\n[t]\n",
                "[[t]]\n[t]\n",
                "a = 1\n[a]\n",
                "a = truex\n",
                "a = \"\\q\"\n",
                "a = \"\\uD800\"\n",
                "a = 1 b = 2\n",
                "= 1\n",
                "[a\n",
                "a = \"\xff\"\n",
                "a = \"x\x01\"\n",
                "\x7f" "ELF\x02\x01\x01\0\0\0",
        };
        size_t i;

        (void) state;
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_null(toml(bad[i], -EBADMSG));
}

static void test_toml_limits(void **state)
{
        size_t n = 10000, i;
        char *s = malloc(2 * n + 16), *p;
        struct toml_value *v = NULL;
        char *err = NULL;

        (void) state;
        /* 10,000 nested arrays: refused at TOML_MAX_DEPTH, no recursion beyond it. */
        strcpy(s, "a = ");
        for (i = 0; i < n; i++)
                s[4 + i] = '[';
        s[4 + n] = 0;
        assert_int_equal(toml_parse(s, strlen(s), &v, &err), -E2BIG);
        assert_non_null(strstr(err, "nested"));
        free(err);
        free(s);
        /* More values than TOML_MAX_VALUES. */
        s = malloc(4 * (TOML_MAX_VALUES + 10) + 16);
        p = stpcpy(s, "a = [");
        for (i = 0; i < TOML_MAX_VALUES + 10; i++)
                p = stpcpy(p, "1,");
        strcpy(p, "]\n");
        err = NULL;
        assert_int_equal(toml_parse(s, strlen(s), &v, &err), -E2BIG);
        free(err);
        free(s);
}

static void test_keyfile(void **state)
{
        static const char conf[] =
                "# ostree remote\n"
                "[remote \"fedora\"]\n"
                "url = https://ostree.fedoraproject.org  \n"
                "gpg-verify=true\n"
                "\n"
                "[remote \"other\"]\n"
                "url=http://x\\sy\n"
                "[remote \"fedora\"]\n"
                "gpg-verify = false\n";
        struct keyfile *kf = NULL;
        const struct keyfile_entry *e;
        char *err = NULL;
        bool b;

        (void) state;
        assert_int_equal(keyfile_parse(conf, strlen(conf), &kf, &err), 0);
        e = keyfile_get(kf, "remote \"fedora\"", "url");
        assert_string_equal(e->value, "https://ostree.fedoraproject.org");
        assert_int_equal(e->line, 3);
        /* A group named twice merges; a key set twice takes the later value. */
        e = keyfile_get(kf, "remote \"fedora\"", "gpg-verify");
        assert_string_equal(e->value, "false");
        assert_int_equal(e->line, 9);
        assert_string_equal(keyfile_get(kf, "remote \"other\"", "url")->value, "http://x y");
        keyfile_free(kf);
        assert_int_equal(keyfile_boolean("1", &b), 0);
        assert_true(b);
        assert_int_equal(keyfile_boolean("yes", &b), -EINVAL);

        assert_int_equal(keyfile_parse("a=b\n", 4, &kf, &err), -EBADMSG);
        assert_non_null(strstr(err, "before the first group"));
        free(err);
        assert_int_equal(keyfile_parse("[g]\njunk\n", 9, &kf, &err), -EBADMSG);
        free(err);
        assert_int_equal(keyfile_parse("[g]\n\x7f" "ELF\0\x01", 10, &kf, &err), -EBADMSG);
        free(err);
        assert_int_equal(keyfile_parse("[g\n", 3, &kf, &err), -EBADMSG);
        free(err);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_namespaces),      cmocka_unit_test(test_identity),
                cmocka_unit_test(test_lookup),          cmocka_unit_test(test_policy_invalid),
                cmocka_unit_test(test_policy_requirements), cmocka_unit_test(test_policy_limits),
                cmocka_unit_test(test_toml_registries), cmocka_unit_test(test_toml_bad),
                cmocka_unit_test(test_toml_limits),     cmocka_unit_test(test_keyfile),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
