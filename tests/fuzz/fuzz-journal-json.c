/* Fuzz harness for the `journalctl -o json` line parser and journal
 * cursors: the input (its first byte picking the chunk size) through
 * journal_json_feed in uneven chunks and journal_json_finish; every entry
 * within the export parser's limits, a skipped line no longer than what
 * came in, a failure one printable reason; the input also parsed as a
 * cursor. Any bytes in, never a crash or a leak. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "journal/cursor.h"
#include "parse/journal-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_entry(const struct journal_entry *e, void *userdata)
{
        (void) userdata;
        if (e->n_fields > JOURNAL_FIELDS_MAX)
                abort();
        for (size_t i = 0; i < e->n_fields; i++)
                if (e->fields[i].len > JOURNAL_FIELD_MAX || e->fields[i].value[e->fields[i].len] != '\0')
                        abort();
        return 0;
}

static int check_skip(uint64_t line, uint64_t size, void *userdata)
{
        if (line == 0 || size <= JOURNAL_JSON_LINE_MAX || size > *(size_t *) userdata)
                abort();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct journal_json *j = NULL;
        struct export_parser *p = NULL;
        struct journal_cursor c;
        size_t chunk = size ? (size_t) data[0] % 61 + 1 : 1;
        int r = 0;

        (void) journal_cursor_parse((const char *) data, size, &c);
        if (journal_json_new(&j) < 0 || export_parser_new(&p) < 0)
                abort();
        for (size_t i = 0; r >= 0 && i < size; i += chunk)
                r = journal_json_feed(j, p, (const char *) data + i, size - i < chunk ? size - i : chunk, check_entry,
                                      check_skip, &size);
        if (r >= 0)
                r = journal_json_finish(j, p, check_entry, check_skip, &size);
        if (r < 0) {
                const char *why = journal_json_error(j);

                if (r != -EBADMSG || !why || has_control(why, strlen(why)))
                        abort();
        }
        journal_json_free(j);
        export_parser_free(p);
        return 0;
}
