/* Unit tests for src/image/host-status.c: bootc and rpm-ostree status JSON to
 * the normalized model (the project's fixtures in tests/data/status, and small
 * inputs written here), roles, the /usr overlay and a queued rollback, and the
 * refusal of malformed, mistyped, foreign and hostile input with -EBADMSG or
 * -E2BIG and a one-line printable reason. Hostile strings that parse come out
 * escaped in both outputs. One case reads the upstream fixtures in ../shared
 * (DW_SHARED, from CTest) as an extra oracle: it skips with the reason when
 * they are absent, and fails then under CI=true. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "image/host-status.h"
#include "image/status-findings.h"

#define BOOTC_HEAD "{\"apiVersion\":\"org.containers.bootc/v1alpha1\",\"kind\":\"BootcHost\","

#ifndef DW_TESTDATA
#error "DW_TESTDATA: the tests/data directory, from tests/CMakeLists.txt"
#endif

/* The contents of DW_TESTDATA/status/NAME; the test fails if it cannot be read. */
static char *fixture(const char *name, size_t *ret_len)
{
        char path[4096], *text = NULL;
        int r;

        assert_true((size_t) snprintf(path, sizeof(path), "%s/status/%s", DW_TESTDATA, name) < sizeof(path));
        r = read_file(path, HOST_STATUS_MAX_BYTES, &text, ret_len);
        if (r < 0)
                fail_msg("cannot read fixture '%s': %s", path, strerror(-r));
        return text;
}

/* Parses the fixture NAME into *ret. */
static void parse_fixture(enum host_source src, const char *name, struct host_status **ret)
{
        _cleanup_(freep) char *text = NULL;
        _cleanup_(freep) char *reason = NULL;
        size_t len;

        text = fixture(name, &len);
        if (host_status_parse(src, text, len, ret, &reason) < 0)
                fail_msg("fixture '%s' refused: %s", name, reason);
}

static int parse(enum host_source src, const char *s, struct host_status **ret, char **ret_error)
{
        return host_status_parse(src, s, strlen(s), ret, ret_error);
}

static void test_bootc(void **state)
{
        _cleanup_(host_status_freep) struct host_status *hs = NULL;
        const struct deployment *d;

        parse_fixture(HOST_SOURCE_BOOTC, "bootc-staged-download-only.json", &hs);
        assert_int_equal(hs->source, HOST_SOURCE_BOOTC);
        assert_int_equal(hs->n_deployments, 2);
        assert_false(hs->rollback_queued);
        assert_null(hs->usr_overlay);
        assert_null(host_status_get(hs, ROLE_ROLLBACK));

        d = host_status_get(hs, ROLE_STAGED);
        assert_non_null(d);
        assert_string_equal(d->image, "registry.example.com/fleet/edge-node:stable");
        assert_string_equal(d->transport, "registry");
        assert_string_equal(d->digest, "sha256:b2e08bc9e07eb19e42741cb167ed517501c6032133a946aa517917d463846edd");
        assert_string_equal(d->version, "2025.3.1");
        assert_int_equal(d->timestamp, 1741767342);    /* 2025-03-12T08:15:42.5Z, fraction dropped */
        assert_string_equal(d->checksum, "101e3347f33dcfc7e30c5e2cb0ba8a51610e75d7e5231067c042f133e48aeef3");
        assert_int_equal(d->serial, 0);
        assert_string_equal(d->stateroot, "default");
        assert_true(d->download_only);
        assert_false(d->pinned);

        d = host_status_get(hs, ROLE_BOOTED);
        assert_non_null(d);
        assert_int_equal(d->timestamp, 1740549607);    /* 2025-02-26T06:00:07Z */
        assert_false(d->download_only);                 /* absent: false */
        assert_false(deployment_same(d, host_status_get(hs, ROLE_STAGED)));
        assert_true(deployment_same(d, d));
}

/* Every fixture in tests/data/status: source, deployments by role, overlay. */
static void test_fixtures(void **state)
{
        static const struct {
                const char *name;
                enum host_source src;
                const char *roles;      /* one letter per deployment: b(ooted) s(taged) r(ollback) o(ther) */
                const char *usr_overlay;
                bool rollback_queued;
        } cases[] = {
                { "bootc-staged-download-only.json", HOST_SOURCE_BOOTC, "sb", NULL, false },
                { "bootc-staged-rollback.json", HOST_SOURCE_BOOTC, "sr", NULL, false },
                { "bootc-booted-pinned.json", HOST_SOURCE_BOOTC, "bo", NULL, false },
                { "bootc-booted-usroverlay.json", HOST_SOURCE_BOOTC, "b", "readWrite/transient", false },
                { "bootc-v1-null.json", HOST_SOURCE_BOOTC, "", NULL, false },
                { "rpm-ostree-workstation.json", HOST_SOURCE_RPM_OSTREE, "br", NULL, false },
        };
        static const char role_letters[] = { [ROLE_BOOTED] = 'b', [ROLE_STAGED] = 's', [ROLE_ROLLBACK] = 'r',
                                             [ROLE_OTHER] = 'o' };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_(host_status_freep) struct host_status *hs = NULL;
                char roles[HOST_STATUS_MAX_DEPLOYMENTS + 1] = "";

                parse_fixture(cases[i].src, cases[i].name, &hs);
                assert_int_equal(hs->source, cases[i].src);
                for (size_t k = 0; k < hs->n_deployments; k++)
                        roles[k] = role_letters[hs->deployments[k].role];
                if (strcmp(roles, cases[i].roles) != 0)
                        fail_msg("%s: roles '%s', expected '%s'", cases[i].name, roles, cases[i].roles);
                if (cases[i].usr_overlay)
                        assert_string_equal(hs->usr_overlay, cases[i].usr_overlay);
                else
                        assert_null(hs->usr_overlay);
                assert_int_equal(hs->rollback_queued, cases[i].rollback_queued);
        }
}

static void test_bootc_flags(void **state)
{
        _cleanup_(host_status_freep) struct host_status *a = NULL, *b = NULL, *c = NULL, *e = NULL, *o = NULL;
        static const char entry[] = "{\"image\":null,\"pinned\":true,\"incompatible\":true,\"ostree\":{\"checksum\":"
                                    "\"aa\",\"deploySerial\":4294967295,\"stateroot\":\"default\"}}";
        char buf[1024];

        snprintf(buf, sizeof(buf), BOOTC_HEAD "\"status\":{\"booted\":%s,\"usrOverlay\":{\"accessMode\":"
                 "\"readWrite\",\"persistence\":\"transient\"},\"rollbackQueued\":true}}", entry);
        assert_int_equal(parse(HOST_SOURCE_BOOTC, buf, &a, NULL), 0);
        assert_string_equal(a->usr_overlay, "readWrite/transient");
        assert_false(a->rollback_queued);               /* no rollback to queue */
        assert_true(a->deployments[0].pinned);
        assert_true(a->deployments[0].incompatible);
        assert_int_equal(a->deployments[0].serial, 4294967295LL);
        assert_null(a->deployments[0].image);
        assert_int_equal(a->deployments[0].timestamp, HOST_TIME_UNKNOWN);

        snprintf(buf, sizeof(buf), BOOTC_HEAD "\"status\":{\"booted\":%s,\"rollback\":%s,\"rollbackQueued\":true}}",
                 entry, entry);
        assert_int_equal(parse(HOST_SOURCE_BOOTC, buf, &b, NULL), 0);
        assert_true(b->rollback_queued);
        snprintf(buf, sizeof(buf), BOOTC_HEAD "\"spec\":{\"bootOrder\":\"rollback\"},\"status\":{\"booted\":%s,"
                 "\"rollback\":%s}}", entry, entry);
        assert_int_equal(parse(HOST_SOURCE_BOOTC, buf, &c, NULL), 0);
        assert_true(c->rollback_queued);
        assert_false(host_status_equal(a, b));
        assert_true(host_status_equal(b, c));

        snprintf(buf, sizeof(buf), BOOTC_HEAD "\"status\":{\"otherDeployments\":[%s,%s]}}", entry, entry);
        assert_int_equal(parse(HOST_SOURCE_BOOTC, buf, &o, NULL), 0);
        assert_int_equal(o->n_deployments, 2);
        assert_int_equal(o->deployments[1].role, ROLE_OTHER);
        assert_null(host_status_get(o, ROLE_BOOTED));

        /* The whole status may be missing, as the schema's default. */
        assert_int_equal(parse(HOST_SOURCE_BOOTC, BOOTC_HEAD "\"status\":null}", &e, NULL), 0);
        assert_int_equal(e->n_deployments, 0);
}

static void test_bootc_null_fixture(void **state)
{
        _cleanup_(host_status_freep) struct host_status *hs = NULL;

        parse_fixture(HOST_SOURCE_BOOTC, "bootc-v1-null.json", &hs);
        assert_int_equal(hs->n_deployments, 0);
        assert_false(hs->rollback_queued);
        assert_null(hs->usr_overlay);
}

/* A workstation: booted first, with layered packages, the rollback after it. */
struct workstation {
        const char *image, *digest, *checksum, *version, *stateroot, *rollback_version;
        int64_t timestamp;
};

static void assert_workstation(const char *text, size_t len, const struct workstation *w)
{
        _cleanup_(host_status_freep) struct host_status *hs = NULL;
        _cleanup_(freep) char *reason = NULL;
        const struct deployment *d;

        if (host_status_parse(HOST_SOURCE_RPM_OSTREE, text, len, &hs, &reason) < 0)
                fail_msg("rpm-ostree status of %s refused: %s", w->version, reason);
        assert_int_equal(hs->n_deployments, 2);
        assert_false(hs->rollback_queued);
        assert_null(hs->usr_overlay);                   /* "unlocked": "none" */
        d = host_status_get(hs, ROLE_BOOTED);
        assert_ptr_equal(d, &hs->deployments[0]);
        assert_string_equal(d->image, w->image);
        assert_string_equal(d->transport, "ostree");
        assert_string_equal(d->digest, w->digest);     /* the base commit */
        assert_string_equal(d->checksum, w->checksum);
        assert_string_equal(d->version, w->version);
        assert_int_equal(d->timestamp, w->timestamp);
        assert_string_equal(d->stateroot, w->stateroot);
        assert_int_equal(d->serial, 0);
        d = host_status_get(hs, ROLE_ROLLBACK);
        assert_ptr_equal(d, &hs->deployments[1]);
        assert_string_equal(d->version, w->rollback_version);
}

static void test_rpm_ostree_fixture(void **state)
{
        _cleanup_(freep) char *text = NULL;
        size_t len;

        text = fixture("rpm-ostree-workstation.json", &len);
        assert_workstation(text, len, &(const struct workstation) {
                .image = "fedora:fedora/41/x86_64/silverblue",
                .digest = "4faf9bd0ef95e053b4c8c3f0a018be9b68a3bed1cca86c15525c80757685f986",
                .checksum = "03d5e6f3cb7b5d7b55851b4741b7d6fc4afd6e16f13e8926c511381d7e442312",
                .version = "41.20250110.0",
                .timestamp = 1736502115,
                .stateroot = "fedora",
                .rollback_version = "41.20241219.0",
        });
}

/* The upstream fixtures in DW_SHARED/fixtures: bootc's JSON one and a real
 * rpm-ostree status. Without them the case skips, printing why; under
 * CI=true, where ../shared lies beside the checkout, that is a failure. */
static void test_upstream_fixtures(void **state)
{
        _cleanup_(host_status_freep) struct host_status *null_hs = NULL;
        _cleanup_(freep) char *null_text = NULL, *text = NULL;
        const char *dir = getenv("DW_SHARED"), *ci = getenv("CI");
        char null_path[4096], path[4096], missing[4200] = "";
        size_t null_len, len;

        if (!dir || !*dir)
                snprintf(missing, sizeof(missing), "DW_SHARED is not set");
        else if ((size_t) snprintf(null_path, sizeof(null_path), "%s/fixtures/bootc-spec-v1-null.json", dir) >=
                         sizeof(null_path) ||
                 (size_t) snprintf(path, sizeof(path), "%s/fixtures/rpm-ostree-workstation-status.json", dir) >=
                         sizeof(path) ||
                 access(null_path, F_OK) < 0 || access(path, F_OK) < 0)
                snprintf(missing, sizeof(missing), "no upstream fixtures in '%s/fixtures'", dir);
        if (*missing) {
                if (ci && strcmp(ci, "true") == 0)
                        fail_msg("cannot run: %s (a failure under CI=true)", missing);
                print_message("SKIP: %s\n", missing);
                skip();
        }

        assert_int_equal(read_file(null_path, HOST_STATUS_MAX_BYTES, &null_text, &null_len), 0);
        assert_int_equal(host_status_parse(HOST_SOURCE_BOOTC, null_text, null_len, &null_hs, NULL), 0);
        assert_int_equal(null_hs->n_deployments, 0);
        assert_false(null_hs->rollback_queued);
        assert_null(null_hs->usr_overlay);

        assert_int_equal(read_file(path, HOST_STATUS_MAX_BYTES, &text, &len), 0);
        assert_workstation(text, len, &(const struct workstation) {
                .image = "fedora/33/x86_64/silverblue",
                .digest = "229387d3c0bb8ad698228ca5702eca72aed8b298a7c800be1dc72bab160a9f7f",
                .checksum = "63335a77f9853618ba1a5f139c5805e82176a2a040ef5e34d7402e12263af5bb",
                .version = "33.21",
                .timestamp = 1612555369,
                .stateroot = "fedora-silverblue",
                .rollback_version = "33.17",
        });
}

static void test_rpm_ostree_roles(void **state)
{
        _cleanup_(host_status_freep) struct host_status *a = NULL, *b = NULL, *c = NULL;

        /* Staged first, booted, the rollback after it, then others. */
        assert_int_equal(parse(HOST_SOURCE_RPM_OSTREE,
                               "{\"deployments\":[{\"checksum\":\"s\",\"staged\":true},{\"checksum\":\"b\",\"booted\":true,"
                               "\"unlocked\":\"hotfix\"},{\"checksum\":\"r\",\"finalization-locked\":true},"
                               "{\"checksum\":\"o\",\"pinned\":true}]}",
                               &a, NULL), 0);
        assert_int_equal(a->deployments[0].role, ROLE_STAGED);
        assert_int_equal(a->deployments[1].role, ROLE_BOOTED);
        assert_int_equal(a->deployments[2].role, ROLE_ROLLBACK);
        assert_int_equal(a->deployments[3].role, ROLE_OTHER);
        assert_true(a->deployments[2].download_only);
        assert_true(a->deployments[3].pinned);
        assert_string_equal(a->deployments[0].digest, "s");    /* no base-checksum: the commit */
        assert_string_equal(a->usr_overlay, "hotfix");
        assert_false(a->rollback_queued);

        /* After `rpm-ostree rollback`: the rollback is listed first and boots next. */
        assert_int_equal(parse(HOST_SOURCE_RPM_OSTREE,
                               "{\"deployments\":[{\"checksum\":\"r\"},{\"checksum\":\"b\",\"booted\":true}]}", &b, NULL),
                         0);
        assert_int_equal(b->deployments[0].role, ROLE_ROLLBACK);
        assert_true(b->rollback_queued);

        /* No booted deployment (a --sysroot listing): no rollback either. */
        assert_int_equal(parse(HOST_SOURCE_RPM_OSTREE, "{\"deployments\":[{\"checksum\":\"x\"},{}]}", &c, NULL), 0);
        assert_int_equal(c->deployments[0].role, ROLE_OTHER);
        assert_int_equal(c->deployments[1].role, ROLE_OTHER);
        assert_null(c->deployments[1].digest);
}

/* The update fetched and not deployed: bootc's status.booted.cachedUpdate
 * (an ImageStatus; else the staged entry's), rpm-ostree's cached-update;
 * null or absent is none; a mistyped one is refused, naming the field. */
static void test_cached_update(void **state)
{
        _cleanup_(host_status_freep) struct host_status *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
        _cleanup_(freep) char *reason = NULL;

        assert_int_equal(parse(HOST_SOURCE_BOOTC,
                               BOOTC_HEAD "\"status\":{\"staged\":{\"cachedUpdate\":{\"image\":{\"image\":\"q/s\","
                               "\"transport\":\"registry\"},\"imageDigest\":\"sha256:5\",\"architecture\":\"arm64\"}},"
                               "\"booted\":{\"image\":{\"image\":{\"image\":\"q/os:1\",\"transport\":\"registry\"},"
                               "\"imageDigest\":\"sha256:1\",\"architecture\":\"amd64\"},\"cachedUpdate\":{\"image\":"
                               "{\"image\":\"q/os:1\",\"transport\":\"registry\"},\"version\":\"42.1\","
                               "\"timestamp\":\"2026-11-20T10:00:00Z\",\"imageDigest\":\"sha256:2\",\"architecture\":\"amd64\"}}}}",
                               &a, NULL), 0);
        assert_true(a->has_cached_update);
        assert_int_equal(a->cached_update.role, ROLE_OTHER);
        assert_string_equal(a->cached_update.image, "q/os:1");         /* the booted entry's wins */
        assert_string_equal(a->cached_update.transport, "registry");
        assert_string_equal(a->cached_update.digest, "sha256:2");
        assert_string_equal(a->cached_update.version, "42.1");
        assert_int_equal(a->cached_update.timestamp, 1795168800);
        assert_null(a->cached_update.checksum);
        assert_int_equal(a->n_deployments, 2);                         /* not a deployment */

        /* the staged entry's when the booted one has none; null: none */
        assert_int_equal(parse(HOST_SOURCE_BOOTC,
                               BOOTC_HEAD "\"status\":{\"staged\":{\"cachedUpdate\":{\"imageDigest\":\"sha256:5\"}},"
                               "\"booted\":{\"cachedUpdate\":null}}}", &b, NULL), 0);
        assert_true(b->has_cached_update);
        assert_string_equal(b->cached_update.digest, "sha256:5");
        assert_int_equal(parse(HOST_SOURCE_BOOTC, BOOTC_HEAD "\"status\":{\"booted\":{\"cachedUpdate\":null}}}",
                               &c, NULL), 0);
        assert_false(c->has_cached_update);

        /* rpm-ostree: the keys of a deployment */
        assert_int_equal(parse(HOST_SOURCE_RPM_OSTREE,
                               "{\"deployments\":[{\"checksum\":\"b\",\"booted\":true}],\"cached-update\":"
                               "{\"checksum\":\"c3\",\"version\":\"43.1\",\"timestamp\":1612641769,"
                               "\"container-image-reference\":\"ostree-unverified-registry:quay.io/x:43\","
                               "\"container-image-reference-digest\":\"sha256:ee\"}}", &d, NULL), 0);
        assert_true(d->has_cached_update);
        assert_string_equal(d->cached_update.image, "quay.io/x:43");
        assert_string_equal(d->cached_update.transport, "registry");
        assert_string_equal(d->cached_update.digest, "sha256:ee");
        assert_string_equal(d->cached_update.checksum, "c3");
        assert_int_equal(d->n_deployments, 1);

        assert_int_equal(parse(HOST_SOURCE_BOOTC, BOOTC_HEAD "\"status\":{\"booted\":{\"cachedUpdate\":"
                               "{\"imageDigest\":5}}}}", &e, &reason), -EBADMSG);
        assert_non_null(strstr(reason, "status.booted.cachedUpdate"));
}

static void test_container_references(void **state)
{
        static const struct {
                const char *ref, *transport, *image, *signature;
        } cases[] = {
                /* The signature source is ostree-ext's SignatureSource: ostree-unverified-*
                 * ContainerPolicyAllowInsecure, ostree-image-signed ContainerPolicy,
                 * ostree-remote-* OstreeRemote (bootc names them insecure, containerPolicy, ostreeRemote). */
                { "ostree-unverified-registry:quay.io/fedora/fedora-bootc:41", "registry", "quay.io/fedora/fedora-bootc:41",
                  "insecure" },
                { "ostree-remote-registry:fedora:quay.io/x:1", "registry", "quay.io/x:1", "ostreeRemote:fedora" },
                { "ostree-remote-image:fedora:docker://quay.io/x:1", "registry", "quay.io/x:1", "ostreeRemote:fedora" },
                { "ostree-image-signed:docker://quay.io/x@sha256:ab", "registry", "quay.io/x@sha256:ab",
                  "containerPolicy" },
                { "ostree-unverified-image:oci:/var/tmp/img", "oci", "/var/tmp/img", "insecure" },
                { "ostree-unverified-image:oci-archive:/tmp/a.tar", "oci-archive", "/tmp/a.tar", "insecure" },
                { "ostree-unverified-image:containers-storage:localhost/x", "containers-storage", "localhost/x",
                  "insecure" },
                { "ostree-unverified-image:dir:/srv/x", "dir", "/srv/x", "insecure" },
                { "something-else:x", NULL, "something-else:x", NULL },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_(host_status_freep) struct host_status *hs = NULL;
                char buf[512];

                snprintf(buf, sizeof(buf),
                         "{\"deployments\":[{\"booted\":true,\"container-image-reference\":\"%s\","
                         "\"container-image-reference-digest\":\"sha256:cd\",\"base-checksum\":\"b\",\"origin\":\"o\"}]}",
                         cases[i].ref);
                assert_int_equal(parse(HOST_SOURCE_RPM_OSTREE, buf, &hs, NULL), 0);
                if (cases[i].transport)
                        assert_string_equal(hs->deployments[0].transport, cases[i].transport);
                else
                        assert_null(hs->deployments[0].transport);
                assert_string_equal(hs->deployments[0].image, cases[i].image);
                assert_string_equal(hs->deployments[0].digest, "sha256:cd");
                if (cases[i].signature)
                        assert_string_equal(hs->deployments[0].signature, cases[i].signature);
                else
                        assert_null(hs->deployments[0].signature);
        }
}

/* bootc's ImageReference.signature: a string, or {"ostreeRemote": NAME};
 * another shape (a newer bootc) stays unknown and does not fail the parse. */
static void test_bootc_signature(void **state)
{
        static const struct {
                const char *sig, *want;
        } cases[] = {
                { "\"containerPolicy\"", "containerPolicy" },
                { "\"insecure\"", "insecure" },
                { "{\"ostreeRemote\":\"fleet\"}", "ostreeRemote:fleet" },
                { "{\"future\":1}", NULL },
                { "7", NULL },
        };

        (void) state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_(host_status_freep) struct host_status *hs = NULL;
                char buf[512];

                snprintf(buf, sizeof(buf),
                         "{\"apiVersion\":\"org.containers.bootc/v1\",\"kind\":\"BootcHost\",\"status\":{"
                         "\"booted\":{\"image\":{\"image\":{\"image\":\"quay.io/x:1\",\"transport\":\"registry\","
                         "\"signature\":%s},\"imageDigest\":\"sha256:ab\"}}}}",
                         cases[i].sig);
                assert_int_equal(parse(HOST_SOURCE_BOOTC, buf, &hs, NULL), 0);
                assert_string_equal(hs->deployments[0].image, "quay.io/x:1");
                if (cases[i].want)
                        assert_string_equal(hs->deployments[0].signature, cases[i].want);
                else
                        assert_null(hs->deployments[0].signature);
        }
}

/* Each input is refused with err and a reason containing want. */
static void refused(enum host_source src, const char *input, size_t len, int err, const char *want)
{
        struct host_status *hs = NULL;
        char *reason = NULL;

        assert_int_equal(host_status_parse(src, input, len, &hs, &reason), err);
        assert_null(hs);
        assert_non_null(reason);
        if (!strstr(reason, want))
                fail_msg("reason '%s' does not contain '%s'", reason, want);
        for (const char *c = reason; *c; c++)
                assert_true(*c >= 0x20 && *c < 0x7f);
        assert_true(strlen(reason) <= 200);
        free(reason);
}

static void test_refused(void **state)
{
        static const struct {
                enum host_source src;
                const char *input;
                int err;
                const char *want;
        } cases[] = {
                { HOST_SOURCE_BOOTC, "", -EBADMSG, "empty input" },
                { HOST_SOURCE_BOOTC, "{", -EBADMSG, "line 1" },
                { HOST_SOURCE_BOOTC, "[]", -EBADMSG, "expected a JSON object" },
                { HOST_SOURCE_BOOTC, "{}", -EBADMSG, "not bootc status output" },
                { HOST_SOURCE_BOOTC, "{\"apiVersion\":\"v1\",\"kind\":\"BootcHost\"}", -EBADMSG, "unknown apiVersion 'v1'" },
                { HOST_SOURCE_BOOTC, "{\"apiVersion\":\"org.containers.bootc/v1\",\"kind\":\"Host\"}", -EBADMSG,
                  "unknown kind 'Host'" },
                { HOST_SOURCE_BOOTC, "{\"apiVersion\":5,\"kind\":\"BootcHost\"}", -EBADMSG, "apiVersion: expected a string" },
                { HOST_SOURCE_BOOTC, BOOTC_HEAD "\"status\":[]}", -EBADMSG, "status: expected an object" },
                { HOST_SOURCE_BOOTC, BOOTC_HEAD "\"status\":{\"booted\":true}}", -EBADMSG, "status.booted: expected an object" },
                { HOST_SOURCE_BOOTC, BOOTC_HEAD "\"status\":{\"booted\":{\"ostree\":{\"deploySerial\":1.5}}}}", -EBADMSG,
                  "status.booted.ostree.deploySerial: 1.5 is out of range" },
                { HOST_SOURCE_BOOTC, BOOTC_HEAD "\"status\":{\"booted\":{\"ostree\":{\"deploySerial\":4294967296}}}}",
                  -EBADMSG, "out of range" },
                { HOST_SOURCE_BOOTC, BOOTC_HEAD "\"status\":{\"staged\":{\"image\":{\"timestamp\":\"2023-02-30T00:00:00Z\"}}}}",
                  -EBADMSG, "status.staged.image.timestamp: '2023-02-30T00:00:00Z' is not an RFC 3339 time" },
                { HOST_SOURCE_BOOTC, BOOTC_HEAD "\"status\":{\"rollbackQueued\":\"yes\"}}", -EBADMSG, "expected true or false" },
                { HOST_SOURCE_BOOTC, BOOTC_HEAD "\"status\":{\"usrOverlay\":{\"accessMode\":[]}}}", -EBADMSG,
                  "status.usrOverlay.accessMode: expected a string" },
                { HOST_SOURCE_BOOTC, BOOTC_HEAD "\"status\":{\"otherDeployments\":[1]}}", -EBADMSG,
                  "status.otherDeployments[0]: expected an object" },
                { HOST_SOURCE_BOOTC, "{\"apiVersion\":\"org.containers.bootc/v1\",\"apiVersion\":\"x\",\"kind\":\"BootcHost\"}",
                  -EBADMSG, "duplicate" },
                { HOST_SOURCE_BOOTC, BOOTC_HEAD "\"status\":null} x", -EBADMSG, "end of file expected" },
                { HOST_SOURCE_BOOTC, BOOTC_HEAD "\"x\":\"a\\u0000b\"}", -EBADMSG, "line 1" },
                { HOST_SOURCE_BOOTC, BOOTC_HEAD "\"x\":\"\xff\xfe\"}", -EBADMSG, "line 1" },
                { HOST_SOURCE_BOOTC, BOOTC_HEAD "\"x\":1e400}", -EBADMSG, "line 1" },
                { HOST_SOURCE_BOOTC, "{\"apiVersion\":\"\\u001b[2J\\n\",\"kind\":\"BootcHost\"}", -EBADMSG,
                  "unknown apiVersion '\\x1b[2J\\n'" },
                { HOST_SOURCE_RPM_OSTREE, "{}", -EBADMSG, "no 'deployments' array" },
                { HOST_SOURCE_RPM_OSTREE, "{\"deployments\":{}}", -EBADMSG, "no 'deployments' array" },
                { HOST_SOURCE_RPM_OSTREE, "{\"deployments\":[[]]}", -EBADMSG, "deployments[0]: expected an object" },
                { HOST_SOURCE_RPM_OSTREE, "{\"deployments\":[{\"booted\":1}]}", -EBADMSG,
                  "deployments[0].booted: expected true or false" },
                { HOST_SOURCE_RPM_OSTREE, "{\"deployments\":[{\"booted\":true},{\"booted\":true}]}", -EBADMSG,
                  "deployments[1]: a second booted deployment" },
                { HOST_SOURCE_RPM_OSTREE, "{\"deployments\":[{\"staged\":true},{\"staged\":true}]}", -EBADMSG,
                  "a second staged deployment" },
                { HOST_SOURCE_RPM_OSTREE, "{\"deployments\":[{\"staged\":true,\"booted\":true}]}", -EBADMSG,
                  "booted and staged at once" },
                { HOST_SOURCE_RPM_OSTREE, "{\"deployments\":[{\"timestamp\":\"2021\"}]}", -EBADMSG,
                  "deployments[0].timestamp: expected a number" },
                { HOST_SOURCE_RPM_OSTREE, "{\"deployments\":[{\"timestamp\":99999999999999999999}]}", -EBADMSG,
                  "out of range" },
                { HOST_SOURCE_RPM_OSTREE, "{\"deployments\":[{\"timestamp\":-1e18}]}", -EBADMSG, "out of range" },
                { HOST_SOURCE_RPM_OSTREE, "{\"deployments\":[{\"checksum\":{}}]}", -EBADMSG,
                  "deployments[0].checksum: expected a string" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                refused(cases[i].src, cases[i].input, strlen(cases[i].input), cases[i].err, cases[i].want);
        /* Bytes after a NUL are input too. */
        refused(HOST_SOURCE_BOOTC, BOOTC_HEAD "}\0junk", sizeof(BOOTC_HEAD "}\0junk") - 1, -EBADMSG, "line 1");
}

static void test_limits(void **state)
{
        _cleanup_(freep) char *big = NULL;
        size_t n, i;
        char *p;

        /* 65 deployments. */
        big = malloc(65 * 4 + 64);
        assert_non_null(big);
        p = big + sprintf(big, "{\"deployments\":[");
        for (i = 0; i < 65; i++)
                p += sprintf(p, "%s{}", i ? "," : "");
        strcpy(p, "]}");
        refused(HOST_SOURCE_RPM_OSTREE, big, strlen(big), -E2BIG, "more than 64 deployments");
        free(big);

        /* A string longer than we keep. */
        n = HOST_STATUS_MAX_STRING + 100;
        big = malloc(n + 64);
        assert_non_null(big);
        p = big + sprintf(big, "{\"deployments\":[{\"version\":\"");
        memset(p, 'v', n);
        strcpy(p + n, "\"}]}");
        refused(HOST_SOURCE_RPM_OSTREE, big, strlen(big), -E2BIG, "deployments[0].version: longer than 4096 bytes");
        free(big);

        /* Too large; and an input the size limit allows but whose JSON tree would
         * take hundreds of MiB. */
        refused(HOST_SOURCE_BOOTC, "{}", HOST_STATUS_MAX_BYTES + 1, -E2BIG, "larger than 16 MiB");
        n = HOST_STATUS_MAX_BYTES - 16;
        big = malloc(n + 1);
        assert_non_null(big);
        big[0] = '[';
        for (i = 1; i + 1 < n; i += 2)
                memcpy(big + i, "0,", 2);
        big[i - 1] = ']';
        refused(HOST_SOURCE_BOOTC, big, i, -E2BIG, "needs more than 64 MiB of memory");
        free(big);

        /* Deep nesting. */
        n = 200000;
        big = malloc(n + 1);
        assert_non_null(big);
        memset(big, '[', n);
        refused(HOST_SOURCE_BOOTC, big, n, -EBADMSG, "line 1");

        /* Huge numbers where we do not look are no error. */
        {
                _cleanup_(host_status_freep) struct host_status *hs = NULL;

                assert_int_equal(parse(HOST_SOURCE_RPM_OSTREE,
                                       "{\"deployments\":[{\"booted\":true,\"x\":99999999999999999999999999,\"y\":1e308,"
                                       "\"z\":-1e-320}],\"transaction\":18446744073709551616}",
                                       &hs, NULL), 0);
                assert_int_equal(hs->n_deployments, 1);
        }
}

/* Control characters, escapes and bidi overrides in strings that parse come
 * out escaped: one line per JSON finding, no raw control byte in either output. */
static void test_hostile_strings_escaped(void **state)
{
        _cleanup_(host_status_freep) struct host_status *hs = NULL;
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        static const char input[] =
                "{\"deployments\":[{\"booted\":true,\"unlocked\":\"dev\\u001b]0;pwned\\u0007\\nx\","
                "\"origin\":\"evil\\r\\n{\\\"fake\\\":1}\\u202e\",\"version\":\"\\u0085\\t9\","
                "\"checksum\":\"c\\\\d\"}]}";
        enum output_format formats[] = { OUTPUT_JSON, OUTPUT_TEXT };

        assert_int_equal(parse(HOST_SOURCE_RPM_OSTREE, input, &hs, NULL), 0);
        assert_string_equal(hs->usr_overlay, "dev\x1b]0;pwned\a\nx");
        assert_string_equal(hs->deployments[0].image, "evil\r\n{\"fake\":1}\xe2\x80\xae");
        assert_int_equal(ruleset_default(&rules, NULL), 0);

        for (size_t k = 0; k < 2; k++) {
                struct output out;
                struct status_check c;
                char *text = NULL;
                size_t len = 0, lines = 0;
                FILE *f = open_memstream(&text, &len);

                assert_non_null(f);
                output_init(&out, formats[k], f, "host");
                c = (struct status_check) { .rules = rules, .out = &out, .now = 0 };
                assert_int_equal(status_report(&c, NULL, hs), 0);
                fclose(f);
                assert_int_equal(out.alerts, 1);
                for (size_t i = 0; i < len; i++) {
                        unsigned char ch = (unsigned char) text[i];

                        lines += ch == '\n';
                        assert_true(ch == '\n' || (ch >= 0x20 && ch != 0x7f));
                        if (formats[k] == OUTPUT_TEXT)      /* a bidi override, raw */
                                assert_false(ch == 0xe2 && i + 2 < len && (unsigned char) text[i + 2] == 0xae);
                }
                if (formats[k] == OUTPUT_JSON) {
                        assert_int_equal(lines, 1);
                        assert_non_null(strstr(text, "\\u001b]0;pwned\\u0007\\nx"));
                } else {
                        assert_non_null(strstr(text, "\\x1b]0;pwned"));
                }
                free(text);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_bootc),
                cmocka_unit_test(test_fixtures),
                cmocka_unit_test(test_bootc_flags),
                cmocka_unit_test(test_bootc_null_fixture),
                cmocka_unit_test(test_rpm_ostree_fixture),
                cmocka_unit_test(test_upstream_fixtures),
                cmocka_unit_test(test_rpm_ostree_roles),
                cmocka_unit_test(test_cached_update),
                cmocka_unit_test(test_container_references), cmocka_unit_test(test_bootc_signature),
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_hostile_strings_escaped),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
