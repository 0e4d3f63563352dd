/* dw-ship-test: drives one agent output (src/agent/output-*.c) the way the
 * agent does, for the tests and the benchmark, without the agent's spool:
 *
 *   dw-ship-test [-b BATCH] [-g SECONDS] [-p MS] [-s] URL < events.jsonl
 *
 * Reads JSON Lines (one ECS finding each) on standard input; each line's
 * event.id is its id (the SHA-256 of the line when it has none, the agent's
 * fallback). Sends them in batches of BATCH (default 500) through
 * agent_output_lookup(URL); prints the sequence number (the line number,
 * from 1) of each event the receiver acknowledged, one per line, as soon as
 * it is. A failed send is retried after a backoff (100 ms doubling to 2 s)
 * until every event is acknowledged or SECONDS (default 60) have passed.
 * -s prints "shipped N events in S s, C s CPU" on standard error at the end
 * (the benchmark's figures: input read and parsed before the clocks start;
 * CPU is this process's user + system time while shipping).
 * -p MS paces it: a pause after each send (events flow while a test
 * restarts the receiver). Errors and warnings go to standard error as
 * "error: ..." / "warning: ...", a send that delivered part of its batch as
 * "partial: K of M acknowledged".
 * Exit 0 when every event was acknowledged, 1 when time ran out, 2 on bad
 * usage or a URL the output refuses. */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "agent/output.h"
#include "basic/error.h"
#include "basic/sha256.h"
#include "basic/time-util.h"
#include "rules/rules.h"

#define LINE_MAX_BYTES (1 << 20)

struct event_store {
        struct agent_event *ev;
        bool *acked;
        size_t n, cap;
};

static void store_free(struct event_store *s)
{
        for (size_t i = 0; i < s->n; i++) {
                free((char *) s->ev[i].json);
                free((char *) s->ev[i].id);
        }
        free(s->ev);
        free(s->acked);
}

static int64_t now_ns(int clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double cpu_seconds(void)
{
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        return (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
               ru.ru_stime.tv_usec / 1e6;
}

static int add_event(struct event_store *s, const char *line, size_t len)
{
        json_t *root = json_loadb(line, len, 0, NULL);
        const char *id = json_string_value(json_object_get(json_object_get(root, "event"), "id"));
        json_t *sev = json_object_get(json_object_get(root, "event"), "severity");
        const char *ts = json_string_value(json_object_get(root, "@timestamp"));
        struct agent_event *ev;
        char hex[2 * SHA256_LEN + 1];
        int64_t t;

        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 1024;
                struct agent_event *e2 = reallocarray(s->ev, cap, sizeof(*e2));
                bool *a2;
                if (!e2)
                        return -ENOMEM;
                s->ev = e2;
                a2 = reallocarray(s->acked, cap, sizeof(*a2));
                if (!a2)
                        return -ENOMEM;
                s->acked = a2;
                s->cap = cap;
        }
        ev = &s->ev[s->n];
        *ev = (struct agent_event) { .seq = (int64_t) s->n + 1, .len = len };
        ev->json = strndup(line, len);
        if (!id) {
                /* no event.id: the SHA-256 of the line, as the agent falls back to */
                uint8_t d[SHA256_LEN];
                if (sha256_buf(line, len, d) < 0)
                        return -EIO;
                for (size_t i = 0; i < SHA256_LEN; i++)
                        snprintf(hex + 2 * i, 3, "%02x", d[i]);
                id = hex;
        }
        ev->id = strdup(id);
        if (!ev->json || !ev->id)
                return -ENOMEM;
        switch (json_is_integer(sev) ? json_integer_value(sev) : 0) {
        case 99: ev->severity = SEVERITY_CRITICAL; break;
        case 73: ev->severity = SEVERITY_HIGH; break;
        case 47: ev->severity = SEVERITY_MEDIUM; break;
        case 21: ev->severity = SEVERITY_LOW; break;
        default: ev->severity = 0; break;
        }
        ev->time_ns = ts && rfc3339_parse(ts, strlen(ts), &t) == 0 ? t * 1000000000 : now_ns(CLOCK_REALTIME);
        s->acked[s->n++] = false;
        json_decref(root);
        return 0;
}

int main(int argc, char **argv)
{
        const struct agent_output_ops *ops;
        struct agent_output *out = NULL;
        struct event_store s = { 0 };
        struct dw_error e = { 0 };
        size_t batch = 500, done = 0, cursor = 0, cap = 0;
        unsigned seconds = 60, wait_ms = 100, pause_ms = 0;
        bool stats = false;
        int64_t t0;
        double cpu0;
        char *line = NULL;
        ssize_t len;
        int64_t end;
        int c, r;

        while ((c = getopt(argc, argv, "b:g:p:s")) != -1)
                switch (c) {
                case 'b':
                        batch = strtoul(optarg, NULL, 10);
                        break;
                case 'g':
                        seconds = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'p':
                        pause_ms = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 's':
                        stats = true;
                        break;
                default:
                        return 2;
                }
        if (optind + 1 != argc || batch == 0) {
                fprintf(stderr, "usage: dw-ship-test [-b BATCH] [-g SECONDS] [-p MS] [-s] URL < events.jsonl\n");
                return 2;
        }
        signal(SIGPIPE, SIG_IGN);       /* as the agent: a closed socket is an error, not a death */
        ops = agent_output_lookup(argv[optind]);
        if (!ops) {
                fprintf(stderr, "error: no output for '%s'\n", argv[optind]);
                return 2;
        }
        while ((len = getline(&line, &cap, stdin)) > 0) {
                while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                        line[--len] = '\0';
                if (len == 0)
                        continue;
                if (len > LINE_MAX_BYTES || add_event(&s, line, (size_t) len) < 0) {
                        fprintf(stderr, "error: cannot take line %zu\n", s.n + 1);
                        return 2;
                }
        }
        free(line);
        r = ops->open(argv[optind], &out, &e);
        if (r < 0) {
                fprintf(stderr, "error: %s\n", dw_error_reason(&e));
                dw_error_release(&e);
                store_free(&s);
                return 2;
        }
        t0 = now_ns(CLOCK_MONOTONIC);
        cpu0 = cpu_seconds();
        end = t0 + (int64_t) seconds * 1000000000;
        while (done < s.n && now_ns(CLOCK_MONOTONIC) < end) {
                struct agent_event *b = calloc(batch, sizeof(*b));
                bool *acked = calloc(batch, sizeof(*acked));
                size_t *idx = calloc(batch, sizeof(*idx)), m = 0;

                if (!b || !acked || !idx)
                        return 2;
                /* the next BATCH unacknowledged events, oldest first, as a spool hands them */
                for (size_t k = 0; k < s.n && m < batch; k++) {
                        size_t i = (cursor + k) % s.n;
                        if (s.acked[i])
                                continue;
                        idx[m] = i;
                        b[m++] = s.ev[i];
                }
                dw_error_release(&e);
                r = ops->send(out, b, m, acked, &e);
                size_t nacked = 0;
                for (size_t k = 0; k < m; k++)
                        nacked += acked[k];
                for (size_t k = 0; k < m; k++)
                        if (acked[k] && !s.acked[idx[k]]) {
                                s.acked[idx[k]] = true;
                                done++;
                                printf("%lld\n", (long long) s.ev[idx[k]].seq);
                        }
                fflush(stdout);
                if (r >= 0 && nacked < m)
                        fprintf(stderr, "partial: %zu of %zu acknowledged\n", nacked, m);
                if (r < 0) {
                        fprintf(stderr, "error: %s\n", dw_error_reason(&e));
                        usleep(wait_ms * 1000);
                        wait_ms = wait_ms * 2 > 2000 ? 2000 : wait_ms * 2;
                } else {
                        if (e.r)
                                fprintf(stderr, "warning: %s\n", dw_error_reason(&e));
                        wait_ms = 100;
                        if (pause_ms)
                                usleep(pause_ms * 1000);
                }
                cursor = 0;
                free(b);
                free(acked);
                free(idx);
        }
        dw_error_release(&e);
        ops->close(out);
        if (stats)
                fprintf(stderr, "shipped %zu events in %.3f s, %.3f s CPU\n", done,
                        (double) (now_ns(CLOCK_MONOTONIC) - t0) / 1e9, cpu_seconds() - cpu0);
        r = done < s.n;
        if (r)
                fprintf(stderr, "error: %zu of %zu events not acknowledged in %u s\n", s.n - done, s.n, seconds);
        store_free(&s);
        return r;
}
