/* Escaping of untrusted bytes (file names, log values) for the two outputs: JSON
 * strings and terminal text. Neither output can be used to inject a line. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "macros.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when s[0] starts none. */
size_t utf8_sequence(const unsigned char *s, size_t n, unsigned *ret_cp);
bool utf8_valid(const char *s, size_t n);

/* The one table of characters no output prints raw: C0 and C1 controls, DEL,
 * and the bidirectional marks, embeddings, overrides and isolates and the line
 * and paragraph separators (U+061C, U+200E, U+200F, U+2028..U+202E,
 * U+2066..U+2069), which reorder or break what a terminal or viewer shows.
 * escape_json writes them as \uXXXX, escape_text as \uXXXX or \xHH. */
bool char_never_raw(unsigned cp);

/* Whether s holds a control character (C0, DEL or C1): what an option value
 * that is stored or shown as one line may not contain. */
bool has_control(const char *s, size_t n);

/* Appends the JSON string body of s (no quotes): quote, backslash and every
 * character of char_never_raw() escaped. Invalid UTF-8 bytes become U+FFFD;
 * *ret_lossy (if given) says whether that happened. */
int escape_json(struct buf *b, const char *s, size_t n, bool *ret_lossy);

/* Appends s quoted for JSON, including the quotes. */
int json_quote(struct buf *b, const char *s, size_t n);

/* Appends s for a terminal: backslash, invalid UTF-8 and every character of
 * char_never_raw() become C-style escapes, so every name is one unambiguous
 * token on one line. */
int escape_text(struct buf *b, const char *s, size_t n);

/* Appends "LABEL<s escaped>\n": one labelled line of a text report whose
 * value comes from an input and so cannot start a line of its own. */
int escape_text_line(struct buf *b, const char *label, const char *s);

/* s escaped as escape_text does, in a new string (for messages that quote an
 * input); -E2BIG past ESCAPE_ALLOC_MAX bytes. */
#define ESCAPE_ALLOC_MAX ((size_t) 64 << 10)
int escape_text_alloc(const char *s, char **ret);

/* A message about an input (a parse error quoting a key or value): formatted,
 * escaped as escape_text does, and cut to at most max bytes (max >= 4) at a
 * character boundary with "..." at the end. One line, nothing a terminal obeys. */
int escape_message(char **ret, size_t max, const char *fmt, va_list ap) _printf_(3, 0);

int hex_encode(struct buf *b, const void *p, size_t n);

/* Like escape_text, and wraps the result in single quotes when it contains a
 * space or a single or double quote or is empty, so it stays one token between other columns. */
int escape_text_token(struct buf *b, const char *s, size_t n);
