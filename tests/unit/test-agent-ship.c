/* Unit tests for the network-free halves of the agent's shipping outputs:
 * number parameters of output URLs (src/agent/url.c), the RFC 5424 message
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
#include <unistd.h>

#include "agent/output-http.h"
#include "agent/url.h"
#include "agent/rfc5424.h"
#include "basic/buf.h"
#include "rules/rules.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static void test_url_param_uint(void **state)
{
        struct url u = { 0 };
        unsigned v = 99;

        assert_int_equal(url_parse("relp://h:1?timeout=5&window=x&facility=24&neg=-1", &u, NULL), 0);
        assert_int_equal(url_param_uint(&u, "timeout", 1, 60, &v), 1);
        assert_int_equal(v, 5);
        assert_int_equal(url_param_uint(&u, "absent", 1, 60, &v), 0);
        assert_int_equal(v, 5);
        assert_int_equal(url_param_uint(&u, "window", 2, 65536, &v), -EINVAL);
        assert_int_equal(url_param_uint(&u, "facility", 0, 23, &v), -EINVAL);
        assert_int_equal(url_param_uint(&u, "neg", 0, 23, &v), -EINVAL);
        assert_int_equal(v, 5);
        url_release(&u);
}

static void test_rfc5424(void **state)
{
        static const char json[] = "{\"host\":{\"name\":\"node 1\"},\"rule\":{\"id\":\"DW-X\"},\"a\":1}";
        struct agent_event ev = {
                .seq = 42,
                .id = "ab\"c]d\\",
                .json = json,
                .len = sizeof(json) - 1,
                .severity = SEVERITY_HIGH,
                .time_ns = 1795836019123456789LL,
        };
        char want[512];
        struct buf b;

        buf_init(&b, 0);
        assert_int_equal(rfc5424_format(&ev, RFC5424_FACILITY_DEFAULT, &b), 0);
        /* facility 13 (log audit) * 8 + err (3); the host name without its space */
        snprintf(want, sizeof(want),
                 "<107>1 2026-11-28T03:20:19.123Z node1 driftwatch %d finding "
                 "[driftwatch@32473 id=\"ab\\\"c\\]d\\\\\" severity=\"high\" rule=\"DW-X\"] %s",
                 (int) getpid(), json);
        assert_string_equal(b.data, want);
        buf_release(&b);

        /* the buffer's maximum holds */
        buf_init(&b, 16);
        assert_int_equal(rfc5424_format(&ev, 1, &b), -E2BIG);
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
                cmocka_unit_test(test_url_param_uint),
                cmocka_unit_test(test_rfc5424),
                cmocka_unit_test(test_bulk_response),
                cmocka_unit_test(test_hec_response),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
