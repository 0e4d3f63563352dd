/* Fuzz harness for what `driftwatch status` reads: the bootc and rpm-ostree
 * status parsers (host_status_parse), the policy and ticket parsers, and the
 * findings for whatever parses, rendered in both outputs. Any bytes in, a
 * status or -EBADMSG / -E2BIG out, never a crash, a leak or a reason with a
 * control character. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "image/host-status.h"
#include "image/status-findings.h"
#include "image/status-policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reason(char *reason)
{
        for (const char *c = reason; c && *c; c++)
                if (*c < 0x20 || *c == 0x7f)
                        abort();
        free(reason);
}

/* Findings of b against a (either may be NULL), to /dev/null. */
static void report(const struct host_status *a, const struct host_status *b, const struct status_policy *policy,
                   const struct ticket_list *tickets)
{
        static struct ruleset *rules;
        static FILE *null;
        enum output_format formats[] = { OUTPUT_JSON, OUTPUT_TEXT };

        if (!rules && ruleset_default(&rules, NULL) < 0)
                abort();
        if (!null && !(null = fopen("/dev/null", "we")))
                abort();
        for (size_t i = 0; b && i < 2; i++) {
                struct output out;
                struct status_check c;

                output_init(&out, formats[i], null, "fuzz");
                c = (struct status_check) { .rules = rules, .out = &out, .policy = policy, .tickets = tickets,
                                            .since = 0, .now = 1700000000 };
                (void) status_report(&c, a, b);
        }
}

/* Fixed counterparts for what the input gives: a status to compare with, a
 * policy and tickets to check against. */
static const char fixed_status[] =
        "{\"apiVersion\":\"org.containers.bootc/v1\",\"kind\":\"BootcHost\",\"status\":{"
        "\"staged\":{\"image\":{\"imageDigest\":\"sha256:aa\",\"version\":\"2\"},\"pinned\":false},"
        "\"booted\":{\"image\":{\"imageDigest\":\"sha256:bb\",\"timestamp\":\"2023-01-01T00:00:00Z\"},"
        "\"pinned\":true,\"ostree\":{\"checksum\":\"b\",\"deploySerial\":0,\"stateroot\":\"default\"}},"
        "\"rollback\":{\"image\":{\"imageDigest\":\"sha256:cc\"},\"pinned\":false}}}";
static const char fixed_policy[] = "minimum-version = 1.5\nminimum-timestamp = 2022-01-01T00:00:00Z\n"
                                   "allowed-digest = sha256:bb\n";
static const char fixed_tickets[] = "CHG-1 sha256:aa 2000-01-01T00:00:00Z 2999-01-01T00:00:00Z\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct host_status *base;
        static struct status_policy *base_policy;
        static struct ticket_list *base_tickets;
        const char *buf = (const char *) data;
        struct host_status *bootc = NULL, *rpm = NULL;
        struct status_policy *policy = NULL;
        struct ticket_list *tickets = NULL;
        char *reason = NULL;

        if ((!base && host_status_parse(HOST_SOURCE_BOOTC, fixed_status, sizeof(fixed_status) - 1, &base, NULL) < 0) ||
            (!base_policy && status_policy_parse(fixed_policy, sizeof(fixed_policy) - 1, &base_policy, NULL) < 0) ||
            (!base_tickets && ticket_list_parse(fixed_tickets, sizeof(fixed_tickets) - 1, &base_tickets, NULL) < 0))
                abort();

        if (host_status_parse(HOST_SOURCE_BOOTC, buf, size, &bootc, &reason) < 0)
                check_reason(reason);
        reason = NULL;
        if (host_status_parse(HOST_SOURCE_RPM_OSTREE, buf, size, &rpm, &reason) < 0)
                check_reason(reason);
        reason = NULL;
        if (status_policy_parse(buf, size, &policy, &reason) < 0)
                check_reason(reason);
        reason = NULL;
        if (ticket_list_parse(buf, size, &tickets, &reason) < 0)
                check_reason(reason);

        report(NULL, bootc, base_policy, base_tickets);
        report(base, bootc, base_policy, base_tickets);
        report(bootc, base, NULL, base_tickets);
        report(base, rpm, base_policy, base_tickets);
        report(rpm, base, NULL, base_tickets);
        if (bootc)
                (void) host_status_equal(bootc, base);
        if (policy || tickets)
                report(NULL, base, policy, tickets);
        host_status_free(bootc);
        host_status_free(rpm);
        status_policy_free(policy);
        ticket_list_free(tickets);
        return 0;
}
