/* Escaping of untrusted bytes for JSON and terminal output; see escape.h. */
#define _GNU_SOURCE
#include "escape.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t utf8_sequence(const unsigned char *s, size_t n, unsigned *ret_cp)
{
        unsigned cp, min;
        size_t len, i;

        if (n == 0)
                return 0;
        if (s[0] < 0x80) {
                len = 1, cp = s[0], min = 0;
        } else if ((s[0] & 0xe0) == 0xc0) {
                len = 2, cp = s[0] & 0x1f, min = 0x80;
        } else if ((s[0] & 0xf0) == 0xe0) {
                len = 3, cp = s[0] & 0x0f, min = 0x800;
        } else if ((s[0] & 0xf8) == 0xf0) {
                len = 4, cp = s[0] & 0x07, min = 0x10000;
        } else
                return 0;
        if (len > n)
                return 0;
        for (i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        /* Overlong forms, UTF-16 surrogates and values past Unicode are invalid. */
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        if (ret_cp)
                *ret_cp = cp;
        return len;
}

bool utf8_valid(const char *s, size_t n)
{
        const unsigned char *p = (const unsigned char *) s;
        size_t i = 0, l;

        while (i < n) {
                if (p[i] < 0x80) {
                        i++;
                        continue;
                }
                l = utf8_sequence(p + i, n - i, NULL);
                if (l == 0)
                        return false;
                i += l;
        }
        return true;
}

static const char hexdigits[] = "0123456789abcdef";

bool char_never_raw(unsigned cp)
{
        return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||       /* C0, DEL, C1 */
               cp == 0x061c || cp == 0x200e || cp == 0x200f ||  /* ALM, LRM, RLM */
               (cp >= 0x2028 && cp <= 0x202e) ||                /* LS, PS, LRE..RLO */
               (cp >= 0x2066 && cp <= 0x2069);                  /* LRI..PDI */
}

bool has_control(const char *s, size_t n)
{
        const unsigned char *p = (const unsigned char *) s;
        size_t i, l;
        unsigned cp;

        for (i = 0; i < n; i += l ? l : 1) {
                l = utf8_sequence(p + i, n - i, &cp);
                if (l > 0 && cp < 0xa0 && char_never_raw(cp))
                        return true;
        }
        return false;
}

int escape_json(struct buf *b, const char *s, size_t n, bool *ret_lossy)
{
        const unsigned char *p = (const unsigned char *) s;
        bool lossy = false;
        size_t i = 0, start = 0, l;
        int r;

        r = buf_reserve(b, n + 2);
        if (r < 0)
                return r;

        while (i < n) {
                unsigned char c = p[i];
                char esc[7];
                const char *out = NULL;
                size_t outlen = 0;
                unsigned cp = c;

                if (c < 0x80 && !char_never_raw(c) && c != '"' && c != '\\') {
                        i++;
                        continue;
                }
                l = 1;
                if (c >= 0x80) {
                        l = utf8_sequence(p + i, n - i, &cp);
                        if (l > 0 && !char_never_raw(cp)) {
                                i += l;
                                continue;
                        }
                }
                if (l == 0) {
                        out = "\xef\xbf\xbd", outlen = 3;       /* U+FFFD */
                        lossy = true;
                        l = 1;
                } else if (c == '"') {
                        out = "\\\"", outlen = 2;
                } else if (c == '\\') {
                        out = "\\\\", outlen = 2;
                } else if (c == '\n') {
                        out = "\\n", outlen = 2;
                } else if (c == '\t') {
                        out = "\\t", outlen = 2;
                } else if (c == '\r') {
                        out = "\\r", outlen = 2;
                } else {
                        /* Everything never printed raw is below U+10000: one \uXXXX. */
                        esc[0] = '\\', esc[1] = 'u';
                        esc[2] = hexdigits[(cp >> 12) & 15];
                        esc[3] = hexdigits[(cp >> 8) & 15];
                        esc[4] = hexdigits[(cp >> 4) & 15];
                        esc[5] = hexdigits[cp & 15];
                        out = esc, outlen = 6;
                }
                r = buf_append(b, s + start, i - start);
                if (r >= 0)
                        r = buf_append(b, out, outlen);
                if (r < 0)
                        return r;
                i += l;
                start = i;
        }
        r = buf_append(b, s + start, n - start);
        if (r < 0)
                return r;
        if (ret_lossy)
                *ret_lossy = lossy;
        return 0;
}

int json_quote(struct buf *b, const char *s, size_t n)
{
        int r;

        r = buf_putc(b, '"');
        if (r >= 0)
                r = escape_json(b, s, n, NULL);
        if (r >= 0)
                r = buf_putc(b, '"');
        return r;
}

int escape_text(struct buf *b, const char *s, size_t n)
{
        const unsigned char *p = (const unsigned char *) s;
        size_t i = 0, l;
        unsigned cp;
        int r = 0;

        while (i < n && r >= 0) {
                unsigned char c = p[i];

                if (c < 0x80 && !char_never_raw(c) && c != '\\') {
                        r = buf_putc(b, (char) c);
                        i++;
                        continue;
                }
                if (c >= 0x80 && (l = utf8_sequence(p + i, n - i, &cp)) > 0) {
                        if (char_never_raw(cp))
                                r = buf_printf(b, "\\u%04x", cp);
                        else
                                r = buf_append(b, s + i, l);
                        i += l;
                        continue;
                }
                switch (c) {
                case '\\':
                        r = buf_puts(b, "\\\\");
                        break;
                case '\n':
                        r = buf_puts(b, "\\n");
                        break;
                case '\t':
                        r = buf_puts(b, "\\t");
                        break;
                case '\r':
                        r = buf_puts(b, "\\r");
                        break;
                default:
                        r = buf_printf(b, "\\x%02x", c);
                }
                i++;
        }
        return r;
}

int escape_text_line(struct buf *b, const char *label, const char *s)
{
        int r;

        r = buf_puts(b, label);
        if (r >= 0)
                r = escape_text(b, s, strlen(s));
        if (r >= 0)
                r = buf_putc(b, '\n');
        return r;
}

int escape_text_alloc(const char *s, char **ret)
{
        _cleanup_(buf_release) struct buf b = { 0 };
        int r;

        buf_init(&b, ESCAPE_ALLOC_MAX);
        r = escape_text(&b, s, strlen(s));
        if (r < 0)
                return r;
        *ret = buf_steal(&b);
        return 0;
}

int escape_message(char **ret, size_t max, const char *fmt, va_list ap)
{
        _cleanup_(buf_release) struct buf b = { 0 };
        _cleanup_(freep) char *s = NULL;
        size_t i, l, n, cut = 0;
        int r;

        if (max < 4)
                return -EINVAL;
        if (vasprintf(&s, fmt, ap) < 0) {
                s = NULL;       /* undefined after a failure */
                return -ENOMEM;
        }
        n = strlen(s);
        buf_init(&b, 0);
        r = buf_reserve(&b, max < n ? max : n);
        for (i = 0; r >= 0 && i < n; i += l) {
                l = utf8_sequence((const unsigned char *) s + i, n - i, NULL) ?: 1;
                r = escape_text(&b, s + i, l);
                if (r >= 0 && b.len <= max - 3)
                        cut = b.len;
                if (r >= 0 && b.len > max) {
                        b.len = cut;
                        b.data[cut] = '\0';
                        r = buf_puts(&b, "...");
                        break;
                }
        }
        if (r < 0)
                return r;
        *ret = buf_steal(&b);
        return 0;
}

int hex_encode(struct buf *b, const void *p, size_t n)
{
        const unsigned char *u = p;
        size_t i;
        int r;

        r = buf_reserve(b, 2 * n);
        if (r < 0)
                return r;
        for (i = 0; i < n; i++) {
                b->data[b->len++] = hexdigits[u[i] >> 4];
                b->data[b->len++] = hexdigits[u[i] & 15];
        }
        b->data[b->len] = '\0';
        return 0;
}

int escape_text_token(struct buf *b, const char *s, size_t n)
{
        bool quote = n == 0 || memchr(s, ' ', n) || memchr(s, '\'', n) || memchr(s, '"', n);
        size_t i, start;
        int r = 0;

        if (!quote)
                return escape_text(b, s, n);
        r = buf_putc(b, '\'');
        for (i = start = 0; r >= 0 && i <= n; i++) {
                if (i < n && s[i] != '\'')
                        continue;
                r = escape_text(b, s + start, i - start);
                if (r >= 0 && i < n)
                        r = buf_puts(b, "\\'");
                start = i + 1;
        }
        if (r >= 0)
                r = buf_putc(b, '\'');
        return r;
}
