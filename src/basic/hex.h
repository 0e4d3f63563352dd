/* Hexadecimal digits in, bytes out: the one decoder (audit values, allowlist
 * hashes, commit checksums). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The value of hex digit c (either case), or -1. */
int hex_digit(char c);
/* Whether s[0..n) is n hex digits (lower_only: no A-F); n > 0. */
bool hex_valid(const char *s, size_t n, bool lower_only);
/* Decodes the n digits at s (n even) into n / 2 bytes at out: the byte count,
 * or -EBADMSG on an odd count or a non-hex digit. */
int hex_decode(const char *s, size_t n, void *out);
