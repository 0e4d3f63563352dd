/* Unit tests for src/parse/unit-file.c and the quadlet check of
 * src/host/quadlet.c: systemd unit syntax (sections, comments, continuations,
 * repeated keys), its errors and limits, and what a .container or a
 * config.json grants. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/quadlet.h"

static struct unit_file *parse_ok(const char *s)
{
        struct unit_file *u = NULL;
        char *reason = NULL;

        assert_int_equal(unit_file_parse(s, strlen(s), &u, &reason), 0);
        assert_null(reason);
        return u;
}

/* The error of s: its return value, its reason compared with want. */
static void parse_fails(const char *s, size_t len, int r, const char *want)
{
        struct unit_file *u = (struct unit_file *) (uintptr_t) 1;
        char *reason = NULL;

        assert_int_equal(unit_file_parse(s, len, &u, &reason), r);
        assert_ptr_equal(u, (struct unit_file *) (uintptr_t) 1);
        assert_string_equal(reason, want);
        free(reason);
}

static void test_syntax(void **state)
{
        struct unit_file *u = parse_ok("# head\n[Unit]\nDescription = a  b \n\n[Container]\n; note\n"
                                       "Volume=/a:/b\nVolume=/c:/d\nAddCapability=CHOWN \\\n  # skipped\n"
                                       "  SYS_ADMIN\nEmpty=\n");

        assert_int_equal(u->n, 5);
        assert_string_equal(u->v[0].section, "Unit");
        assert_string_equal(u->v[0].key, "Description");
        assert_string_equal(u->v[0].value, "a  b");
        assert_int_equal(u->v[0].line, 3);
        assert_string_equal(u->v[1].value, "/a:/b");
        assert_string_equal(u->v[2].key, "Volume");
        assert_string_equal(u->v[2].value, "/c:/d");
        assert_string_equal(u->v[3].section, "Container");
        assert_string_equal(u->v[3].value, "CHOWN  SYS_ADMIN");
        assert_int_equal(u->v[3].line, 9);
        assert_string_equal(u->v[4].value, "");
        assert_int_equal(u->v[4].line, 12);
        unit_file_free(u);
        /* A continuation of nothing, at the end of the file too. */
        u = parse_ok("[A]\n \\\n K=v\nL=w \\");
        assert_int_equal(u->n, 2);
        assert_string_equal(u->v[0].key, "K");
        assert_string_equal(u->v[1].value, "w");
        unit_file_free(u);
        (void) state;
}

static void test_errors(void **state)
{
        char *big;

        parse_fails("K=v\n", 4, -EBADMSG, "line 1: an assignment before the first [section]");
        parse_fails("[A]\nnothing\n", 12, -EBADMSG, "line 2: neither a [section] nor a KEY=VALUE line");
        parse_fails("[A]\n=v\n", 7, -EBADMSG, "line 2: an assignment without a key");
        parse_fails("[A]\n \\\n =v\n", 11, -EBADMSG, "line 2: an assignment without a key");
        parse_fails("[A\n", 3, -EBADMSG, "line 1: a section header that is not [NAME]");
        parse_fails("[A]\n\nK=\0v\n", 10, -EBADMSG, "line 3: a NUL byte");
        big = malloc(UNIT_FILE_MAX_BYTES + 1);
        assert_non_null(big);
        memset(big, 'a', UNIT_FILE_MAX_BYTES + 1);
        parse_fails(big, UNIT_FILE_MAX_BYTES + 1, -E2BIG, "larger than 1 MiB");
        memcpy(big, "[A]\nK=", 6);
        parse_fails(big, UNIT_FILE_MAX_LINE + 10, -E2BIG, "line 2: a line longer than 64 KiB");
        free(big);
        (void) state;
}

/* The grants of a quadlet text, joined by '|'. */
static char *grants_of(const char *s, unsigned *ret_line)
{
        struct unit_file *u = parse_ok(s);
        struct strv g = { 0 };
        char *all = calloc(1, 4096);

        assert_non_null(all);
        assert_int_equal(quadlet_reach(u, &g, ret_line), 0);
        for (size_t i = 0; i < g.n; i++)
                snprintf(all + strlen(all), 4096 - strlen(all), "%s%s", i ? "|" : "", g.v[i]);
        strv_release(&g);
        unit_file_free(u);
        return all;
}

static void test_quadlet(void **state)
{
        unsigned line = 99;
        char *g;

        g = grants_of("[Container]\nImage=x\nVolume=data:/d\nVolume=/srv:/srv\nVolume=/var/lib/extensions\n"
                      "PodmanArgs=--pid=host\nAddCapability=NET_ADMIN\n", &line);
        assert_string_equal(g, "");
        assert_int_equal(line, 0);
        free(g);
        g = grants_of("[Container]\nVolume=//var//lib/./confexts/x.raw:/x:ro\n", &line);
        assert_string_equal(g, "line 2: Volume= binds //var//lib/./confexts/x.raw into the container at /x: "
                               "the confext search path /var/lib/confexts");
        assert_int_equal(line, 2);
        free(g);
        g = grants_of("[Pod]\nPodmanArgs=--cap-add sys_admin -v /:/host\n[Container]\n"
                      "Mount=type=bind,src=/etc/../etc,dst=/e\nPodmanArgs=--pid host\n", &line);
        assert_string_equal(g, "line 2: PodmanArgs= grants CAP_SYS_ADMIN|"
                               "line 2: PodmanArgs= binds / into the container at /host: the host's root, every "
                               "search path and /etc in it|line 4: Mount= binds /etc/../etc into the container at /e: "
                               "/etc|with PodmanArgs=--pid=host (line 5): the host's "
                               "processes, and /proc/1/ns/mnt, are in reach");
        assert_int_equal(line, 2);
        free(g);
        g = grants_of("[Container]\nVolume=/var/lib:/v\n", &line);
        assert_string_equal(g, "line 2: Volume= binds /var/lib into the container at /v: the sysext search path "
                               "/var/lib/extensions below it");
        free(g);
        /* Other sections pass to systemd: not the container's. */
        g = grants_of("[Service]\nVolume=/etc:/etc\nAddCapability=ALL\n", &line);
        assert_string_equal(g, "");
        free(g);
        (void) state;
}

static void test_oci(void **state)
{
        struct strv g = { 0 };
        char *reason = NULL;
        const char *clean = "{\"mounts\":[{\"source\":\"/etc\",\"destination\":\"/e\",\"type\":\"tmpfs\"},"
                            "{\"source\":\"/srv\",\"destination\":\"/s\",\"options\":[\"rbind\"]}],"
                            "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}]}}";
        const char *bad = "{\"process\":{\"capabilities\":{\"effective\":[\"CAP_SYS_ADMIN\"]}},"
                          "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}";

        assert_int_equal(oci_config_reach(clean, strlen(clean), &g, &reason), 0);
        assert_int_equal(g.n, 0);
        assert_int_equal(oci_config_reach(bad, strlen(bad), &g, &reason), 0);
        assert_int_equal(g.n, 2);
        assert_string_equal(g.v[0], "process.capabilities.effective holds CAP_SYS_ADMIN");
        assert_string_equal(g.v[1], "with no pid namespace in linux.namespaces: the host's processes, and "
                                    "/proc/1/ns/mnt, are in reach");
        strv_release(&g);
        assert_int_equal(oci_config_reach("[1]", 3, &g, &reason), -EBADMSG);
        assert_string_equal(reason, "not a JSON object");
        free(reason);
        (void) state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_syntax),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_quadlet),
                cmocka_unit_test(test_oci),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
