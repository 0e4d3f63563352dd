/* Fuzz harness for the journal export parser and the journal analytics:
 * the input (its first byte picking the chunk size) through
 * export_parser_feed in uneven chunks and export_parser_finish, every entry
 * checked (fields within the entry buffer, names valid, values NUL-ended)
 * and handed to the analyzer with the default rules, a policy with windows
 * and a ticket, findings rendered as JSON to /dev/null. Any bytes in, entries
 * or one printable reason out, never a crash or a leak. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "journal/analyze.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_entry(const struct journal_entry *e, void *userdata)
{
        if (e->n_fields > JOURNAL_FIELDS_MAX)
                abort();
        for (size_t i = 0; i < e->n_fields; i++) {
                const struct journal_field *f = &e->fields[i];
                size_t n = strlen(f->name);

                if (n == 0 || n > JOURNAL_NAME_MAX || f->len > JOURNAL_FIELD_MAX || f->value[f->len] != '\0')
                        abort();
        }
        if (e->oversized[0] && e->oversized_size <= JOURNAL_FIELD_MAX)
                abort();
        return journal_analyzer_entry(userdata, e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char policy_text[] = "maintenance-window = Sat 02:00-06:00\n";
        static const char ticket_text[] = "CHG-1 debug-tools 2026-01-01T00:00:00Z 2027-01-01T00:00:00Z\n";
        static struct ruleset *rules;
        struct status_policy *policy = NULL;
        struct ticket_list *tickets = NULL;
        struct export_parser *p = NULL;
        struct journal_analyzer *a = NULL;
        struct journal_check check;
        struct output out;
        size_t chunk = size ? (size_t) data[0] % 61 + 1 : 1;
        FILE *f;
        int r = 0;

        if (!rules && ruleset_default(&rules, NULL) < 0)
                abort();
        f = fopen("/dev/null", "we");
        if (!f || status_policy_parse(policy_text, sizeof(policy_text) - 1, &policy, NULL) < 0 ||
            ticket_list_parse(ticket_text, sizeof(ticket_text) - 1, &tickets, NULL) < 0)
                abort();
        output_init(&out, OUTPUT_JSON, f, "fuzz");
        check = (struct journal_check) { .rules = rules, .out = &out, .policy = policy, .tickets = tickets };
        if (journal_analyzer_new(&check, &a) < 0 || export_parser_new(&p) < 0)
                abort();
        journal_analyzer_input(a, "fuzz");
        for (size_t i = 0; r >= 0 && i < size; i += chunk)
                r = export_parser_feed(p, (const char *) data + i, size - i < chunk ? size - i : chunk, check_entry, a);
        if (r >= 0)
                r = export_parser_finish(p, check_entry, a);
        if (r < 0) {
                const char *why = export_parser_error(p);

                if (r != -EBADMSG || !why || has_control(why, strlen(why)))
                        abort();
        }
        if (journal_analyzer_finish(a, NULL) < 0)
                abort();
        export_parser_free(p);
        journal_analyzer_free(a);
        status_policy_free(policy);
        ticket_list_free(tickets);
        fclose(f);
        return 0;
}
