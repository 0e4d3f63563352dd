/* Unit tests for the network-free halves of the agent's shipping outputs:
 * output URLs (src/agent/output-url.c), the RFC 5424 message
 * (src/agent/rfc5424.c), and the _bulk and HEC responses
 * (src/agent/output-http.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "agent/output-http.h"
#include "agent/output-url.h"
#include "agent/rfc5424.h"
#include "basic/buf.h"
#include "rules/rules.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static void test_url_parts(void **state)
{
        struct agent_url u = { 0 };
        struct dw_error e = { 0 };

        assert_int_equal(agent_url_parse("relp+tls://relay.example:2514?ca=/etc/ca.pem&peer=a%20b", &u, &e), 0);
        assert_string_equal(u.scheme, "relp+tls");
        assert_string_equal(u.host, "relay.example");
        assert_string_equal(u.port, "2514");
        assert_string_equal(u.path, "");
        assert_null(u.user);
        assert_string_equal(agent_url_option(&u, "ca"), "/etc/ca.pem");
        assert_string_equal(agent_url_option(&u, "peer"), "a b");
        assert_null(agent_url_option(&u, "cert"));
        agent_url_release(&u);

        assert_int_equal(agent_url_parse("https://elastic:p%40ss@[::1]:9200/logs-dw/_bulk", &u, &e), 0);
        assert_string_equal(u.user, "elastic");
        assert_string_equal(u.password, "p@ss");
        assert_string_equal(u.host, "::1");
        assert_string_equal(u.port, "9200");
        assert_string_equal(u.path, "/logs-dw/_bulk");
        assert_int_equal(u.n_query, 0);
        agent_url_release(&u);
        assert_int_equal(e.r, 0);
}

/* Each bad URL: refused with a reason that does not show its password or query. */
static void test_url_refused(void **state)
{
        static const char *const bad[] = {
                "relp//host:1",                 /* no :// */
                "://host:1",
                "re lp://host:1",
                "relp://:1",                    /* no host */
                "relp://host:0",
                "relp://host:65536",
                "relp://host:12a",
                "relp://[::1:1",
                "https://h/_bulk#frag",
                "https://h/_bulk?ca=a&ca=b",    /* twice */
                "https://h/_bulk?=x",
                "https://h/_bulk?token=%zz",
                "https://u:secret@h/_bulk?token=%zz",
                "https://h/_bulk?token=a%00b",  /* a NUL */
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct agent_url u = { 0 };
                struct dw_error e = { 0 };
                assert_true(agent_url_parse(bad[i], &u, &e) < 0);
                assert_non_null(e.reason);
                assert_null(strstr(e.reason, "secret"));
                assert_null(strstr(e.reason, "token="));
                dw_error_release(&e);
        }
}

static void test_url_limits_and_options(void **state)
{
        static const char *const allowed[] = { "ca", "timeout", "tls", NULL };
        struct agent_url u = { 0 };
        struct dw_error e = { 0 };
        struct buf b;
        unsigned v;
        int t;

        buf_init(&b, 0);
        assert_int_equal(buf_puts(&b, "relp://h:1?"), 0);
        for (int i = 0; i < 33; i++)
                assert_true(buf_printf(&b, "k%d=v&", i) >= 0);
        assert_int_equal(agent_url_parse(b.data, &u, &e), -E2BIG);
        dw_error_release(&e);
        buf_release(&b);

        assert_int_equal(agent_url_parse("relp://h:1?timeout=5&tls=yes&ca=x", &u, &e), 0);
        assert_int_equal(agent_url_check_options(&u, allowed, "relp://h:1", &e), 0);
        assert_int_equal(agent_url_option_uint(&u, "timeout", 10, 1, 60, &v, "", &e), 0);
        assert_int_equal(v, 5);
        assert_int_equal(agent_url_option_uint(&u, "window", 7, 1, 60, &v, "", &e), 0);
        assert_int_equal(v, 7);
        assert_int_equal(agent_url_option_bool(&u, "tls", 0, &t, "", &e), 0);
        assert_int_equal(t, 1);
        assert_int_equal(agent_url_option_uint(&u, "timeout", 10, 6, 60, &v, "", &e), -EINVAL);
        dw_error_release(&e);
        agent_url_release(&u);

        assert_int_equal(agent_url_parse("relp://h:1?timeuot=5", &u, &e), 0);
        assert_int_equal(agent_url_check_options(&u, allowed, "relp://h:1", &e), -EINVAL);
        assert_non_null(strstr(e.reason, "timeuot"));
        dw_error_release(&e);
        agent_url_release(&u);
}

static void test_rfc5424(void **state)
{
        struct agent_event ev = {
                .seq = 42,
                .id = "ab\"c]d\\",
                .json = "{\"a\":1}",
                .len = 7,
                .severity = SEVERITY_HIGH,
                .time_ns = 1795836019123456789LL,
        };
        struct rfc5424_origin o = { .hostname = "node1", .pid = 77 };
        struct buf b;

        buf_init(&b, 0);
        assert_int_equal(rfc5424_format(&ev, &o, &b), 0);
        /* facility 13 (log audit) * 8 + err (3) */
        assert_string_equal(b.data, "<107>1 2026-11-28T03:20:19.123456Z node1 driftwatch 77 finding "
                                    "[driftwatch@32473 id=\"ab\\\"c\\]d\\\\\" seq=\"42\"] {\"a\":1}");
        buf_reset(&b);
        /* no usable host name, no pid, an unknown severity: NILVALUEs and info */
        o = (struct rfc5424_origin) { .hostname = "bad host" };
        ev.severity = 0;
        ev.id = "01";
        assert_int_equal(rfc5424_format(&ev, &o, &b), 0);
        assert_true(strncmp(b.data, "<110>1 2026-11-28T03:20:19.123456Z - driftwatch - finding", 57) == 0);
        buf_release(&b);

        /* the buffer's maximum holds */
        buf_init(&b, 16);
        assert_int_equal(rfc5424_format(&ev, &o, &b), -E2BIG);
        buf_release(&b);
}

static void test_bulk_response(void **state)
{
        static const char ok[] =
                "{\"took\":3,\"errors\":true,\"items\":["
                "{\"create\":{\"_index\":\"dw\",\"_id\":\"1\",\"status\":201,\"result\":\"created\"}},"
                "{\"create\":{\"_index\":\"dw\",\"_id\":\"2\",\"status\":409,\"error\":{\"type\":"
                "\"version_conflict_engine_exception\",\"reason\":\"exists\"}}},"
                "{\"create\":{\"_index\":\"dw\",\"_id\":\"3\",\"status\":429,\"error\":{\"type\":\"es_rejected\"}}},"
                "{\"create\":{\"_index\":\"dw\",\"_id\":\"4\",\"status\":400,\"error\":{\"type\":"
                "\"mapper_parsing_exception\",\"reason\":\"failed to parse\"}}},"
                "{\"create\":{\"_index\":\"dw\",\"_id\":\"5\",\"status\":503}}]}";
        enum http_item it[5];
        char *why = NULL;

        assert_int_equal(http_bulk_response(S(ok), 5, it, &why), 0);
        assert_int_equal(it[0], HTTP_ITEM_ACKED);
        assert_int_equal(it[1], HTTP_ITEM_ACKED);
        assert_int_equal(it[2], HTTP_ITEM_RETRY);
        assert_int_equal(it[3], HTTP_ITEM_REFUSED);
        assert_int_equal(it[4], HTTP_ITEM_RETRY);
        assert_string_equal(why, "400 mapper_parsing_exception: failed to parse");
        free(why);

        /* another count of items, no items, no JSON, an item without a status */
        assert_int_equal(http_bulk_response(S(ok), 4, it, NULL), -EBADMSG);
        assert_int_equal(http_bulk_response(S("{\"took\":1,\"errors\":false}"), 1, it, NULL), -EBADMSG);
        assert_int_equal(http_bulk_response(S("<html>busy</html>"), 1, it, NULL), -EBADMSG);
        assert_int_equal(http_bulk_response(S("{\"items\":[{\"create\":{\"_id\":\"1\"}}]}"), 1, it, NULL),
                         -EBADMSG);
}

static void test_hec_response(void **state)
{
        long long ack, invalid;
        char *text = NULL;
        int code;

        assert_int_equal(http_hec_response(S("{\"text\":\"Success\",\"code\":0}"), &code, &ack, &invalid, &text), 0);
        assert_int_equal(code, 0);
        assert_int_equal(ack, -1);
        assert_int_equal(invalid, -1);
        assert_string_equal(text, "Success");
        free(text);
        assert_int_equal(http_hec_response(S("{\"text\":\"Success\",\"code\":0,\"ackId\":7}"), &code, &ack, &invalid,
                                           NULL),
                         0);
        assert_int_equal(ack, 7);
        assert_int_equal(http_hec_response(S("{\"text\":\"Invalid data format\",\"code\":6,"
                                             "\"invalid-event-number\":3}"),
                                           &code, &ack, &invalid, NULL),
                         0);
        assert_int_equal(code, 6);
        assert_int_equal(invalid, 3);
        assert_int_equal(http_hec_response(S("Service Unavailable"), &code, &ack, &invalid, NULL), -EBADMSG);

        assert_int_equal(http_hec_ack_response(S("{\"acks\":{\"7\":true,\"8\":false}}"), 7), 1);
        assert_int_equal(http_hec_ack_response(S("{\"acks\":{\"7\":true,\"8\":false}}"), 8), 0);
        assert_int_equal(http_hec_ack_response(S("{\"acks\":{}}"), 9), 0);
        assert_int_equal(http_hec_ack_response(S("[]"), 9), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_url_parts),
                cmocka_unit_test(test_url_refused),
                cmocka_unit_test(test_url_limits_and_options),
                cmocka_unit_test(test_rfc5424),
                cmocka_unit_test(test_bulk_response),
                cmocka_unit_test(test_hec_response),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
