/* Fuzz harness for the status policy and change-ticket files and the version
 * order (src/image/status-policy.h), alone so it runs fast: any bytes through
 * status_policy_parse and ticket_list_parse give a result or -EBADMSG /
 * -E2BIG with a one-line printable reason; what parses is checked against a
 * few deployments. The input split at NUL or newline gives versions for
 * version_compare, which must be an order: a == a, sign(a, b) == -sign(b, a),
 * a < b < c gives a < c. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "image/status-policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reason(int r, char *reason)
{
        if (r != -EBADMSG && r != -E2BIG && r != -ENOMEM)
                abort();
        if (reason && (has_control(reason, strlen(reason)) || strchr(reason, '\n')))
                abort();
        free(reason);
}

static int sign(int v)
{
        return (v > 0) - (v < 0);
}

static void check_order(char *const *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (version_compare(v[i], v[i]) != 0)
                        abort();
                for (size_t j = 0; j < n; j++) {
                        int ij = sign(version_compare(v[i], v[j]));

                        if (ij != -sign(version_compare(v[j], v[i])))
                                abort();
                        for (size_t k = 0; k < n; k++)
                                if (ij < 0 && version_compare(v[j], v[k]) < 0 && version_compare(v[i], v[k]) >= 0)
                                        abort();
                }
        }
}

/* Up to four words of the input (split at NUL or newline), NUL-terminated. */
static size_t split(const uint8_t *data, size_t size, char **v, size_t max)
{
        size_t n = 0, start = 0;

        for (size_t i = 0; i <= size && n < max; i++)
                if (i == size || data[i] == '\0' || data[i] == '\n') {
                        v[n] = strndup((const char *) data + start, i - start);
                        if (!v[n])
                                break;
                        n++;
                        start = i + 1;
                }
        return n;
}

static void check_deployments(const struct status_policy *p, const struct ticket_list *t, char *const *words,
                              size_t n_words)
{
        const struct deployment ds[] = {
                { .digest = "sha256:aa", .version = "9.6", .timestamp = 1700000000, .checksum = "c0ffee" },
                { .digest = NULL, .version = NULL, .timestamp = HOST_TIME_UNKNOWN, .checksum = NULL },
                { .digest = n_words > 0 ? words[0] : NULL, .version = n_words > 1 ? words[1] : NULL,
                  .timestamp = INT64_MIN + 1, .checksum = n_words > 2 ? words[2] : NULL },
        };
        char reason[256];

        for (size_t i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
                if (p) {
                        reason[0] = '\0';
                        if (status_policy_below_minimum(p, &ds[i], reason, sizeof(reason)) && !reason[0])
                                abort();
                        (void) status_policy_digest_allowed(p, &ds[i]);
                }
                if (t) {
                        const struct change_ticket *k = ticket_find(t, &ds[i], INT64_MIN, INT64_MAX);

                        if (k && (k < t->v || k >= t->v + t->n))
                                abort();
                        (void) ticket_find(t, &ds[i], 1700000000, 1700000000);
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *buf = (const char *) data;
        struct status_policy *p = NULL;
        struct ticket_list *t = NULL;
        char *reason = NULL, *words[4];
        size_t n_words;
        int r;

        r = status_policy_parse(buf, size, &p, &reason);
        if (r < 0)
                check_reason(r, reason);
        reason = NULL;
        r = ticket_list_parse(buf, size, &t, &reason);
        if (r < 0)
                check_reason(r, reason);
        if (t)
                for (size_t i = 0; i < t->n; i++)
                        if (t->v[i].until < t->v[i].from || !t->v[i].id || !t->v[i].digest)
                                abort();

        n_words = split(data, size, words, 4);
        check_order(words, n_words);
        check_deployments(p, t, words, n_words);
        for (size_t i = 0; i < n_words; i++)
                free(words[i]);
        status_policy_free(p);
        ticket_list_free(t);
        return 0;
}
