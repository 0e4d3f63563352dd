/* Unit tests for the SIEM fields of the JSON output: every ATT&CK technique
 * the default rules name has its tactics (src/rules/attack.c), a host's
 * identity from its files (src/report/host-id.c), and the stable event id
 * (finding_event_id(): the same finding on the same host, the same id). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "report/finding.h"
#include "report/host-id.h"
#include "rules/attack.h"
#include "rules/rules.h"

static void test_every_technique_has_a_tactic(void **state)
{
        const char *p = default_rules_yaml, *end = default_rules_yaml + default_rules_yaml_len;
        unsigned n = 0;

        (void) state;
        for (; p + 5 <= end; p++) {
                char id[16];
                size_t k = 1;

                if (p[0] != 'T' || (p > default_rules_yaml && (p[-1] != '[' && p[-1] != ' ')))
                        continue;
                while (p + k < end && k < sizeof(id) - 1 && ((p[k] >= '0' && p[k] <= '9') || p[k] == '.'))
                        k++;
                if (k < 5)
                        continue;
                memcpy(id, p, k);
                id[k] = '\0';
                if (!attack_technique_find(id))
                        fail_msg("technique %s of rules/default.yaml has no row in src/rules/attack.c", id);
                assert_non_null(attack_technique_find(id)->tactics[0]);
                n++;
        }
        assert_true(n > 50);
        assert_string_equal(attack_technique_find("T1548.003")->name, "Abuse Elevation Control Mechanism");
        assert_null(attack_technique_find("T9999"));
        assert_null(attack_technique_find("T15"));
        assert_null(attack_technique_find(""));
}

static void test_host_identity(void **state)
{
        struct host_identity_buf h;
        char big[600];

        (void) state;
        host_identity_parse_name("# comment\n\n  web-07.example  \n", 30, &h);
        assert_string_equal(h.name, "web-07.example");
        host_identity_parse_name("bad name\n", 9, &h);
        assert_string_equal(h.name, "");
        host_identity_parse_name("evil\033[31m\n", 10, &h);
        assert_string_equal(h.name, "");
        memset(big, 'a', sizeof(big));
        host_identity_parse_name(big, sizeof(big), &h);
        assert_string_equal(h.name, "");
        host_identity_parse_machine_id("3D1219C7C4C5404AAA1F6D2A48ADFDA4\n", 33, &h);
        assert_string_equal(h.machine_id, "3d1219c7c4c5404aaa1f6d2a48adfda4");
        host_identity_parse_machine_id("uninitialized\n", 14, &h);
        assert_string_equal(h.machine_id, "");
        host_identity_parse_machine_id("00000000000000000000000000000000", 32, &h);
        assert_string_equal(h.machine_id, "");
        host_identity_parse_machine_id("3d1219c7c4c5404aaa1f6d2a48adfdaz", 32, &h);
        assert_string_equal(h.machine_id, "");
}

static void test_event_id(void **state)
{
        struct rule rule = { .id = (char *) "DW-FIM-CONFIG", .name = (char *) "configuration changed" };
        char a[EVENT_ID_LEN], b[EVENT_ID_LEN], c[EVENT_ID_LEN];
        struct output o;
        struct finding f;

        (void) state;
        output_init(&o, OUTPUT_JSON, NULL, "web-07");
        o.host_id = "3d1219c7c4c5404aaa1f6d2a48adfda4";
        finding_init(&f);
        f.alert = true;
        f.rule = &rule;
        f.action = "file-modified";
        f.path = "/etc/motd";
        f.path_len = strlen(f.path);
        assert_int_equal(finding_add_value(&f, "size", "3", 1, "5", 1), 0);
        assert_int_equal(finding_event_id(&o, &f, a), 0);
        assert_int_equal(strlen(a), 32);
        /* Another run (the run's time is not the finding's), another name, the same machine: the same id. */
        o.host = "renamed";
        assert_int_equal(finding_event_id(&o, &f, b), 0);
        assert_string_equal(a, b);
        /* Another after state: another id. */
        f.values[0].after = "6";
        assert_int_equal(finding_event_id(&o, &f, c), 0);
        assert_string_not_equal(a, c);
        f.values[0].after = "5";
        /* An event of its own time (a journal entry's): another time, another id. */
        f.timestamp = "2026-11-28T00:00:00.000Z";
        assert_int_equal(finding_event_id(&o, &f, c), 0);
        assert_string_not_equal(a, c);
        f.timestamp = NULL;
        /* Another host: another id. */
        o.host_id = "00000000000000000000000000000001";
        assert_int_equal(finding_event_id(&o, &f, c), 0);
        assert_string_not_equal(a, c);
        finding_release(&f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_technique_has_a_tactic),
                cmocka_unit_test(test_host_identity),
                cmocka_unit_test(test_event_id),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
