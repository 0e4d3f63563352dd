/* Unit tests for the agent's small parsers: output URLs (src/agent/url.c,
 * and their redaction: no query, where credentials go, in what is shown),
 * members of rendered ECS lines (src/agent/event.c), schedules, durations
 * and sizes (src/agent/schedule.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/event.h"
#include "agent/url.h"
#include "rules/rules.h"

static void test_url(void **state)
{
        struct url u;
        const char *why;

        assert_int_equal(url_parse("syslog+tls://siem.example:6514?ca=/etc/pki/ca%20x.pem&name=siem", &u, &why), 0);
        assert_string_equal(u.scheme, "syslog+tls");
        assert_string_equal(u.host, "siem.example");
        assert_int_equal(u.port, 6514);
        assert_string_equal(u.path, "");
        assert_string_equal(url_param(&u, "ca"), "/etc/pki/ca x.pem");
        assert_string_equal(url_param(&u, "name"), "siem");
        assert_null(url_param(&u, "cert"));
        url_release(&u);

        assert_int_equal(url_parse("syslog+tcp://[::1]:514", &u, &why), 0);
        assert_string_equal(u.host, "::1");
        assert_int_equal(u.port, 514);
        url_release(&u);

        assert_int_equal(url_parse("file:/var/log/dw.jsonl?max=1000&keep=3", &u, &why), 0);
        assert_string_equal(u.scheme, "file");
        assert_string_equal(u.host, "");
        assert_string_equal(u.path, "/var/log/dw.jsonl");
        assert_string_equal(url_param(&u, "keep"), "3");
        {
                static const char *const known[] = { "max", NULL };

                assert_string_equal(url_unknown_param(&u, known), "keep");
        }
        url_release(&u);

        assert_int_equal(url_parse("https://h/x/_bulk", &u, &why), 0);
        assert_string_equal(u.path, "/x/_bulk");
        url_release(&u);

        assert_int_equal(url_parse("no-scheme", &u, &why), -EINVAL);
        assert_int_equal(url_parse("syslog+tcp://h:99999", &u, &why), -EINVAL);
        assert_int_equal(url_parse("syslog+tcp://h:12x", &u, &why), -EINVAL);
        assert_int_equal(url_parse("syslog+tcp://[::1", &u, &why), -EINVAL);
        assert_int_equal(url_parse("syslog+tcp://user@h:1", &u, &why), -EINVAL);
        assert_int_equal(url_parse("file:/x?a=%zz", &u, &why), -EINVAL);
        assert_int_equal(url_parse("file:/x?a=%00", &u, &why), -EINVAL);
        assert_int_equal(url_parse("Bad:x", &u, &why), -EINVAL);
}

static void test_redact(void **state)
{
        static const char url[] = "https://siem:9200/_bulk?ca=/etc/ca.pem&token=t0k&password=pw&user=u";
        char out[160];

        url_redact(url, out, sizeof(out));
        assert_string_equal(out, "https://siem:9200/_bulk");
        url_redact_in("https output 'https://siem:9200/_bulk?ca=/etc/ca.pem&token=t0k&password=pw&user=u': 401; "
                      "again https://siem:9200/_bulk?token=t0k", url, out, sizeof(out));
        assert_string_equal(out, "https output 'https://siem:9200/_bulk?ca=/etc/ca.pem&token=***&password=***&user=u': "
                                 "401; again https://siem:9200/_bulk?token=***");
        url_redact_in("no URL here", url, out, sizeof(out));
        assert_string_equal(out, "no URL here");
        /* a reason cut short inside the token */
        url_redact_in("cut: 'https://siem:9200/_bulk?ca=/etc/ca.pem&token=t0", url, out, sizeof(out));
        assert_string_equal(out, "cut: 'https://siem:9200/_bulk?ca=/etc/ca.pem&token=***");
        url_redact_in("cut: https://siem:9200/_bulk?token=t0k", url, out, 20);
        assert_string_equal(out, "cut: https://siem:9");
}

static void test_members(void **state)
{
        static const char line[] =
                "{\"@timestamp\":\"2026-11-28T03:15:20.100Z\",\"message\":\"a \\\"event\\\":{\\\"id\\\":\\\"x\\\"}\","
                "\"event\":{\"kind\":\"alert\",\"category\":[\"file\"],\"severity\":73,\"nested\":{\"id\":\"no\"},"
                "\"id\":\"AbC123\"},\"host\":{\"name\":\"web-01\"},\"rule\":{\"id\":\"DW-AUD-USR\"}}";
        char id[AGENT_EVENT_ID_MAX];
        const char *v;
        size_t n;

        assert_true(agent_json_member(line, strlen(line), "host", "name", &v, &n));
        assert_int_equal(n, 6);
        assert_memory_equal(v, "web-01", 6);
        assert_true(agent_json_member(line, strlen(line), NULL, "@timestamp", &v, &n));
        assert_int_equal(n, 24);
        assert_false(agent_json_member(line, strlen(line), "file", "path", &v, &n));
        assert_int_equal(agent_event_id(line, strlen(line), id), 0);
        assert_string_equal(id, "abc123");
        assert_int_equal(agent_event_severity(line, strlen(line)), SEVERITY_HIGH);
        /* No id: the line's SHA-256; no severity: low; not JSON: nothing found. */
        assert_int_equal(agent_event_id("{}", 2, id), 0);
        assert_string_equal(id, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
        assert_int_equal(agent_event_severity("{}", 2), SEVERITY_LOW);
        assert_false(agent_json_member("[1]", 3, "event", "id", &v, &n));
        assert_false(agent_json_member("{\"event\":{\"id\":\"unterminated", 27, "event", "id", &v, &n));
}

static void test_schedules(void **state)
{
        struct agent_schedule s[_AGENT_CAPABILITY_MAX];
        const char *why;
        uint64_t v;

        agent_schedules_default(s);
        assert_int_equal(s[AGENT_SCAN].interval_s, 6 * 3600);
        assert_int_equal(s[AGENT_SCAN].jitter_s, 6 * 360);
        assert_int_equal(agent_parse_schedule("scan=12h/1h", s, &why), 0);
        assert_int_equal(s[AGENT_SCAN].interval_s, 12 * 3600);
        assert_int_equal(s[AGENT_SCAN].jitter_s, 3600);
        assert_int_equal(agent_parse_schedule("all=off", s, &why), 0);
        for (size_t i = 0; i < _AGENT_CAPABILITY_MAX; i++)
                assert_int_equal(s[i].interval_s, 0);
        assert_int_equal(agent_parse_schedule("mounts=30s", s, &why), 0);
        assert_int_equal(s[AGENT_MOUNTS].interval_s, 30);
        assert_int_equal(s[AGENT_MOUNTS].jitter_s, 3);
        assert_int_equal(agent_parse_schedule("mounts=0", s, &why), -EINVAL);
        assert_int_equal(agent_parse_schedule("mounts", s, &why), -EINVAL);
        assert_int_equal(agent_parse_schedule("nothing=5m", s, &why), -EINVAL);
        assert_int_equal(agent_parse_schedule("scan=5x", s, &why), -EINVAL);
        assert_int_equal(agent_parse_duration("1d", &v), 0);
        assert_int_equal(v, 86400);
        assert_int_equal(agent_parse_duration("99999999999999999999", &v), -EINVAL);
        assert_int_equal(agent_parse_size("256M", &v), 0);
        assert_int_equal(v, 256u << 20);
        assert_int_equal(agent_parse_size("18446744073709551615K", &v), -EINVAL);
        assert_int_equal(agent_parse_size("", &v), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_url),
                cmocka_unit_test(test_redact),
                cmocka_unit_test(test_members),
                cmocka_unit_test(test_schedules),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
