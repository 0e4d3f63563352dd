/* Fuzz harness for the audit log path: bytes through the line reader (in
 * uneven chunks), the record parser and the event assembler, once with tight
 * limits (tiny window, few records, short lines) and once with the defaults
 * and the analytics behind them (default rules, every suppressed finding
 * rendered as JSON). Any bytes in, events or skipped lines out, never a crash
 * or a leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "audit/detect.h"
#include "audit/event.h"
#include "audit/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct source {
        const uint8_t *p;
        size_t left;
        size_t chunk;
};

static ssize_t read_chunk(void *userdata, void *p, size_t n)
{
        struct source *s = userdata;

        if (n > s->chunk)
                n = s->chunk;
        if (n > s->left)
                n = s->left;
        memcpy(p, s->p, n);
        s->p += n;
        s->left -= n;
        return (ssize_t) n;
}

static volatile size_t sink;

/* Reads every byte the event points to, so a bad pointer or length shows. */
static void touch(struct audit_str s)
{
        size_t i;

        for (i = 0; s.s && i < s.len; i++)
                sink += (unsigned char) s.s[i];
}

static int on_finding(const struct finding *f, void *userdata)
{
        return output_emit(userdata, f);
}

static int on_event(const struct audit_event *ev, void *userdata)
{
        size_t i, k;

        touch(ev->node);
        touch(ev->type_name);
        touch(ev->cwd);
        touch(ev->proctitle);
        for (i = 0; i < ev->n_records; i++) {
                touch((struct audit_str) { ev->records[i].line, ev->records[i].len });
                for (k = 0; k < ev->records[i].n_fields; k++) {
                        touch(audit_field_name(ev->records[i].line, &ev->records[i].fields[k]));
                        touch(audit_field_raw(ev->records[i].line, &ev->records[i].fields[k]));
                }
        }
        for (i = 0; i < ev->argc; i++)
                touch(ev->argv[i]);
        for (i = 0; i < ev->proctitle_argc; i++)
                touch(ev->proctitle_argv[i]);
        for (i = 0; i < ev->n_paths; i++) {
                touch(ev->paths[i].name);
                touch(ev->paths[i].path);
        }
        if (ev->has_syscall) {
                touch(ev->syscall.comm);
                touch(ev->syscall.exe);
                touch(ev->syscall.key);
                touch(audit_syscall_get_name(&ev->syscall));
        }
        return userdata ? audit_detect_event(ev, userdata) : 0;
}

static void run(const uint8_t *data, size_t size, const struct audit_limits *lim, size_t max_line, size_t chunk,
                struct audit_detect *detect)
{
        struct source src = { data, size, chunk };
        struct audit_assembler *a = NULL;
        struct line_reader *lr = NULL;
        const char *line;
        size_t len;
        unsigned flags;

        if (audit_assembler_new(lim, on_event, detect, &a) < 0 ||
            line_reader_new_fn(read_chunk, &src, max_line, &lr) < 0)
                goto out;
        while (line_reader_next(lr, &line, &len, &flags) > 0)
                if (audit_assembler_feed(a, line, len, flags) < 0)
                        break;
        (void) audit_assembler_flush(a);
        if (detect) {
                (void) audit_detect_tick(detect, 4102444800000ULL);
                (void) audit_detect_flush(detect);
        }
out:
        line_reader_free(lr);
        audit_assembler_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct audit_limits tight = {
                .window_events = 3,
                .window_ms = 1000,
                .max_records = 6,
                .max_event_bytes = 2048,
                .max_pending_bytes = 4096,
                .max_argc = 8,
        };

        static struct ruleset *rules;
        static FILE *devnull;
        struct audit_detect *detect = NULL;
        struct output out;

        if (!rules && ruleset_default(&rules, NULL) < 0)
                return 0;
        if (!devnull && !(devnull = fopen("/dev/null", "we")))
                return 0;
        output_init(&out, OUTPUT_JSON, devnull, "fuzz");
        run(data, size, &tight, 200, 1 + (size ? data[0] % 61 : 0), NULL);
        if (audit_detect_new(&(struct audit_detect_options) { .rules = rules, .show_suppressed = true,
                                                              .silence_ms = 60000, .max_processes = 32 },
                             on_finding, &out, &detect) < 0)
                return 0;
        run(data, size, NULL, 0, 4096, detect);
        audit_detect_free(detect);
        return 0;
}
