/* Base64 (RFC 4648, the standard alphabet with '=' padding) in, bytes out:
 * the one decoder (signatures in verity signature partitions). */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Decodes the n characters at s into a heap buffer of at most max bytes.
 * Whitespace (space, tab, CR, LF) between characters is skipped, as in PEM;
 * anything else outside the alphabet, padding anywhere but at the end, or
 * non-zero bits left over in the last character is -EBADMSG; a result
 * longer than max is -EFBIG. */
int base64_decode(const char *s, size_t n, size_t max, uint8_t **ret, size_t *ret_len);
