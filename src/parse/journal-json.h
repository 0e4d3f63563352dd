/* `journalctl -o json` (and json-seq-less `-o json` lines of any source): one
 * JSON object per line, each member a field. Values are strings, null (a
 * value journalctl did not print: too large without --all), arrays of byte
 * numbers (binary or non-UTF-8 values), or arrays of those (a field repeated
 * in the entry). Each line is parsed with jansson and its fields go through
 * the export parser's export_parser_add_field()/end_entry(), so the entry
 * and its limits are the same as for the export format. A line is kept in
 * a fixed buffer of JOURNAL_JSON_LINE_MAX bytes; a longer one is skipped as
 * it streams past, never stored, and reported to the caller. */
#pragma once

#include <stdint.h>

#include "parse/journal-export.h"

#define JOURNAL_JSON_LINE_MAX JOURNAL_ENTRY_MAX

struct journal_json;
/* A line over JOURNAL_JSON_LINE_MAX was skipped: its number (from 1) and size. */
typedef int (*journal_json_skip_fn)(uint64_t line, uint64_t size, void *userdata);

int journal_json_new(struct journal_json **ret);
struct journal_json *journal_json_free(struct journal_json *j);
DEFINE_FREEP(struct journal_json, journal_json_free)

/* Feeds len bytes of the stream; every complete line is an entry to fn
 * (empty lines are skipped). A callback's negative return stops the parse
 * and is returned; -EBADMSG: a line is not a journal entry in JSON,
 * journal_json_error() says why and journal_json_line() where. */
int journal_json_feed(struct journal_json *j, struct export_parser *p, const char *buf, size_t len,
                      export_entry_fn fn, journal_json_skip_fn skip, void *userdata);
/* The end of the stream: a last line without its newline is still an entry. */
int journal_json_finish(struct journal_json *j, struct export_parser *p, export_entry_fn fn,
                        journal_json_skip_fn skip, void *userdata);
const char *journal_json_error(const struct journal_json *j);
uint64_t journal_json_line(const struct journal_json *j);
