/* Unit tests for src/parse/cgroup-unit.c: the systemd unit of a process from
 * /proc/PID/cgroup on cgroup v1, v2 and hybrid hosts, and text no kernel
 * writes (hostile or cut lines, long paths, NUL bytes, bad unit names); the
 * container id from a table of real cgroup lines of podman, CRI-O, Docker and
 * containerd. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/cgroup-unit.h"

/* The unit parsed from s, or NULL; kept in a static buffer. */
static const char *unit_of(const char *s, size_t len)
{
        static char unit[CGROUP_UNIT_MAX];

        strcpy(unit, "untouched");
        if (cgroup_unit_parse(s, len, unit) == 1)
                return unit;
        assert_string_equal(unit, "untouched");
        return NULL;
}

#define UNIT(s) unit_of(s, strlen(s))

static void test_v2(void **state)
{
        (void) state;
        assert_string_equal(UNIT("0::/system.slice/bootc-fetch-apply-updates.service\n"),
                            "bootc-fetch-apply-updates.service");
        assert_string_equal(UNIT("0::/user.slice/user-1000.slice/session-3.scope\n"), "session-3.scope");
        /* The last unit on the path: a user manager's own units. */
        assert_string_equal(UNIT("0::/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service"),
                            "foo.service");
        /* A cgroup below the unit (delegation) still names it. */
        assert_string_equal(UNIT("0::/system.slice/podman.service/libpod-payload\n"), "podman.service");
        assert_string_equal(UNIT("0::/system.slice/var-lib-x.mount\n"), "var-lib-x.mount");
        assert_string_equal(UNIT("0::/system.slice/sshd.socket\n"), "sshd.socket");
        assert_string_equal(UNIT("0::/system.slice/fstrim.timer\n"), "fstrim.timer");
        assert_string_equal(UNIT("0::/system.slice/getty@tty1.service\n"), "getty@tty1.service");
        /* systemd's escape of a name starting with '_'. */
        assert_string_equal(UNIT("0::/system.slice/__x.service\n"), "_x.service");
        assert_null(UNIT("0::/\n"));
        assert_null(UNIT("0::/init.scope.d\n"));
        assert_null(UNIT("0::/system.slice\n"));
        assert_null(UNIT(""));
}

static void test_v1(void **state)
{
        (void) state;
        assert_string_equal(UNIT("12:pids:/system.slice/a.service\n"
                                 "11:cpu,cpuacct:/\n"
                                 "1:name=systemd:/system.slice/rpm-ostreed.service\n"),
                            "rpm-ostreed.service");
        /* Only name=systemd counts on v1: a controller hierarchy may lag. */
        assert_null(UNIT("12:pids:/system.slice/a.service\n3:memory:/system.slice/b.service\n"));
        assert_null(UNIT("1:name=systemd:/\n"));
        /* name=systemd among other names in the list. */
        assert_string_equal(UNIT("2:cpu,name=systemd:/system.slice/x.service\n"), "x.service");
        assert_null(UNIT("2:name=systemdx:/system.slice/x.service\n"));
}

static void test_hybrid(void **state)
{
        (void) state;
        /* systemd manages name=systemd on a hybrid host; it wins over 0:: in any order. */
        assert_string_equal(UNIT("0::/user.slice/user-0.slice/session-1.scope\n"
                                 "1:name=systemd:/driftwatch-test-run42.service\n"),
                            "driftwatch-test-run42.service");
        assert_string_equal(UNIT("1:name=systemd:/driftwatch-test-run42.service\n"
                                 "0::/user.slice/user-0.slice/session-1.scope\n"),
                            "driftwatch-test-run42.service");
        /* No name=systemd line: the v2 one. */
        assert_string_equal(UNIT("5:pids:/x.service\n0::/system.slice/y.service\n"), "y.service");
}

static void test_hostile(void **state)
{
        static const char nul[] = "0::/system.slice/a\0b.service\n0::/z.service\n";

        (void) state;
        assert_null(UNIT("garbage\n"));
        assert_null(UNIT("0:/system.slice/a.service\n"));
        assert_null(UNIT("0::system.slice/a.service\n"));     /* not absolute */
        assert_null(UNIT("1:name=systemd:\n"));
        assert_null(UNIT(":::::\n\n\n"));
        assert_null(UNIT("0::/system.slice/.service\n"));     /* nothing before the suffix */
        assert_null(UNIT("0::/system.slice/a b.service\n"));
        assert_null(UNIT("0::/system.slice/a\"b.service\n"));
        assert_null(UNIT("0::/system.slice/\x1b[31m.service\n"));
        /* A NUL byte inside a name: not a name; the first 0:: line is the one read. */
        assert_null(unit_of(nul, sizeof(nul) - 1));
        /* A path with ':' is still one path. */
        assert_string_equal(UNIT("0::/system.slice/a:b.service\n"), "a:b.service");
        /* Cut mid-line (no final newline): what is there. */
        assert_string_equal(UNIT("0::/system.slice/a.service"), "a.service");
        assert_null(UNIT("0::/system.slice/a.servi"));
        /* CRLF: the CR is part of the name, which is then not a unit. */
        assert_null(UNIT("0::/system.slice/a.service\r\n"));
}

static void test_long(void **state)
{
        size_t n = 1 << 20, i;
        char *s = malloc(n + 64), *p;

        (void) state;
        assert_non_null(s);
        /* A name of 255 bytes is a unit; 256 is not. */
        p = s + sprintf(s, "0::/");
        memset(p, 'a', 255 - strlen(".service"));
        strcpy(p + 255 - strlen(".service"), ".service");
        assert_int_equal(strlen(p), 255);
        assert_non_null(unit_of(s, strlen(s)));
        p = s + sprintf(s, "0::/");
        memset(p, 'a', 256 - strlen(".service"));
        strcpy(p + 256 - strlen(".service"), ".service");
        assert_null(unit_of(s, strlen(s)));
        /* A megabyte line of components, the unit last. */
        p = s + sprintf(s, "1:name=systemd:");
        for (i = 0; (size_t) (p - s) < n; i++)
                p += sprintf(p, "/c%zu.slice", i);
        strcpy(p, "/deep.service\n");
        assert_string_equal(unit_of(s, strlen(s)), "deep.service");
        /* A megabyte of one component: no unit, no overflow. */
        memset(s, 'x', n);
        memcpy(s, "0::/", 4);
        strcpy(s + n, ".service");
        assert_null(unit_of(s, strlen(s)));
        free(s);
}

#define EXITING(s) proc_stat_exiting(s, strlen(s))

/* /proc/PID/stat: a live process, an exiting one (PF_EXITING, state still R
 * or D: a v1 hierarchy already shows it in the root cgroup), a zombie, and
 * text no kernel writes. */
static void test_stat_exiting(void **state)
{
        (void) state;
        assert_false(EXITING("1234 (sh) S 1200 1234 1200 34816 1234 4194304 120 0 0 0 0 0\n"));
        assert_false(EXITING("1234 (sh) R 1200 1234 1200 0 -1 4194560 120 0 0 0"));
        /* 4210756 = 0x404044: PF_EXITING (0x4) with the usual bits. */
        assert_true(EXITING("1234 (sh) R 1200 1234 1200 0 -1 4210756 120 0 0 0"));
        assert_true(EXITING("1234 (sh) D 1200 1234 1200 0 -1 4 0 0"));
        assert_true(EXITING("1234 (sh) Z 1200 1234 1200 0 -1 4194304 0"));
        assert_true(EXITING("1234 (sh) X 1200 1234 1200 0 -1 4194304 0"));
        /* The command name may hold ") Z" and spaces: only the last ')' counts. */
        assert_false(EXITING("1234 (a) Z b) S 1 1 1 0 -1 4194304 0"));
        assert_true(EXITING("1234 (a) S b) Z 1 1 1 0 -1 4194304 0"));
        /* Cut before the flags: the state alone decides. */
        assert_false(EXITING("1234 (sh) S 1200 1234"));
        assert_true(EXITING("1234 (sh) Z 1200"));
        /* Not a stat line, or a flags field that is no number. */
        assert_true(EXITING(""));
        assert_true(EXITING("garbage"));
        assert_true(EXITING("1 (x)"));
        assert_false(EXITING("1234 (sh) S 1 1 1 0 -1 x 0"));
        assert_false(EXITING("1234 (sh) S 1 1 1 0 -1 99999999999999999999999999 0"));
}

/* ---- containers ---- */

#define ID "4b1ea4b3b7a6c0b0a6f7a9b7f06b3c2b1d6e8f9a0b1c2d3e4f5a6b7c8d9e0f1a"
#define ID2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct {
        const char *cgroup;     /* /proc/PID/cgroup as the kernel writes it */
        const char *id;         /* NULL: no container */
        const char *runtime;
} container_table[] = {
        /* podman, systemd cgroup manager (rootful: machine.slice; rootless: the user's manager) */
        { "0::/machine.slice/libpod-" ID ".scope\n", ID, "podman" },
        { "0::/machine.slice/libpod-" ID ".scope/container\n", ID, "podman" },
        { "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope\n", ID, "podman" },
        /* podman, cgroupfs manager */
        { "0::/libpod_parent/libpod-" ID "\n", ID, "podman" },
        /* conmon, the monitor: outside its container */
        { "0::/machine.slice/libpod-conmon-" ID ".scope\n", NULL, NULL },
        { "0::/system.slice/crio-conmon-" ID ".scope\n", NULL, NULL },
        /* CRI-O under a kubelet, systemd manager */
        { "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6f2c1a7e_1b2c_4d5e_8f90_a1b2c3d4e5f6.slice/crio-" ID ".scope\n",
          ID, "cri-o" },
        /* containerd under a kubelet, systemd and cgroupfs managers */
        { "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234.slice/cri-containerd-" ID ".scope\n",
          ID, "containerd" },
        { "0::/kubepods/besteffort/pod6f2c1a7e-1b2c-4d5e-8f90-a1b2c3d4e5f6/" ID "\n", ID, NULL },
        /* Docker: systemd and cgroupfs managers, cgroup v1 */
        { "0::/system.slice/docker-" ID ".scope\n", ID, "docker" },
        { "12:pids:/docker/" ID "\n11:cpu,cpuacct:/docker/" ID "\n1:name=systemd:/docker/" ID "\n0::/\n", ID, "docker" },
        /* the innermost container: podman inside a podman container */
        { "0::/machine.slice/libpod-" ID2 ".scope/container/libpod_parent/libpod-" ID "\n", ID, "podman" },
        /* not containers: services, sessions, docker's daemon, ids of the wrong length or case */
        { "0::/system.slice/docker.service\n", NULL, NULL },
        { "0::/user.slice/user-0.slice/session-1.scope\n", NULL, NULL },
        { "0::/machine.slice/libpod-" ID "0.scope\n", NULL, NULL },
        { "0::/machine.slice/libpod-4B1EA4B3B7A6C0B0A6F7A9B7F06B3C2B1D6E8F9A0B1C2D3E4F5A6B7C8D9E0F1A.scope\n", NULL, NULL },
        { "0::/" ID "\n", NULL, NULL },
        { "0::/\n", NULL, NULL },
        { "", NULL, NULL },
        /* v1, cgroupfs manager leaving name=systemd where it was: the controllers tell */
        { "9:name=systemd:/\n8:pids:/libpod_parent/libpod-" ID "\n4:memory:/libpod_parent/libpod-" ID "\n0::/\n",
          ID, "podman" },
        { "4:memory:/docker/" ID "\n1:name=systemd:/system.slice/docker.service\n", ID, "docker" },
        /* lines of no known form name nothing */
        { "4:memory\n" ID "\n::\n", NULL, NULL },
};

static void test_container(void **state)
{
        struct cgroup_container c;
        size_t i;

        (void) state;
        for (i = 0; i < sizeof(container_table) / sizeof(container_table[0]); i++) {
                const char *s = container_table[i].cgroup;

                memset(&c, 0x7f, sizeof(c));
                if (!container_table[i].id) {
                        if (cgroup_container_parse(s, strlen(s), &c) != 0)
                                fail_msg("a container in '%s'", s);
                        assert_int_equal((unsigned char) c.id[0], 0x7f);
                        continue;
                }
                if (cgroup_container_parse(s, strlen(s), &c) != 1)
                        fail_msg("no container in '%s'", s);
                assert_string_equal(c.id, container_table[i].id);
                if (container_table[i].runtime)
                        assert_string_equal(c.runtime, container_table[i].runtime);
                else
                        assert_null(c.runtime);
        }
        /* A path cut in the middle of the id (a read stopped short): no id. */
        assert_int_equal(cgroup_container_parse("0::/machine.slice/libpod-4b1e", 29, &c), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_v2),     cmocka_unit_test(test_v1),   cmocka_unit_test(test_hybrid),
                cmocka_unit_test(test_hostile), cmocka_unit_test(test_long), cmocka_unit_test(test_stat_exiting),
                cmocka_unit_test(test_container),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
