/* Fuzz harness for the escaping every output goes through (src/basic/escape.h):
 * any bytes through escape_json, json_quote, escape_text, escape_text_token and
 * escape_message (as dw_error_set uses it). Each result must be valid UTF-8
 * with no character that is never printed raw, and must give the input back:
 * the JSON string decodes (jansson) to the input unless bytes were replaced,
 * and the text escapes decode to the input byte for byte, so no two inputs
 * print alike. */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/error.h"
#include "basic/escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Valid UTF-8 without a character of char_never_raw(). */
static void check_printable(const char *s, size_t n)
{
        const unsigned char *p = (const unsigned char *) s;
        size_t i, l;
        unsigned cp;

        for (i = 0; i < n; i += l) {
                l = utf8_sequence(p + i, n - i, &cp);
                if (l == 0 || char_never_raw(cp))
                        abort();
        }
}

static int hex_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* Appends the UTF-8 encoding of cp (below U+10000: all that is escaped). */
static size_t put_utf8(unsigned cp, char *out)
{
        if (cp < 0x80) {
                out[0] = (char) cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char) (0xc0 | (cp >> 6));
                out[1] = (char) (0x80 | (cp & 0x3f));
                return 2;
        }
        out[0] = (char) (0xe0 | (cp >> 12));
        out[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char) (0x80 | (cp & 0x3f));
        return 3;
}

/* Undoes escape_text: \\ \n \t \r \xHH \uXXXX, every other byte as it is.
 * Aborts on an escape escape_text never writes. Returns the decoded length. */
static size_t unescape_text(const char *s, size_t n, char *out)
{
        size_t i = 0, o = 0;

        while (i < n) {
                int h[4];

                if (s[i] != '\\') {
                        out[o++] = s[i++];
                        continue;
                }
                if (i + 1 >= n)
                        abort();
                switch (s[i + 1]) {
                case '\\': out[o++] = '\\'; i += 2; break;
                case 'n': out[o++] = '\n'; i += 2; break;
                case 't': out[o++] = '\t'; i += 2; break;
                case 'r': out[o++] = '\r'; i += 2; break;
                case 'x':
                        if (i + 4 > n || (h[0] = hex_value(s[i + 2])) < 0 || (h[1] = hex_value(s[i + 3])) < 0)
                                abort();
                        out[o++] = (char) (h[0] << 4 | h[1]);
                        i += 4;
                        break;
                case 'u':
                        if (i + 6 > n)
                                abort();
                        for (int k = 0; k < 4; k++)
                                if ((h[k] = hex_value(s[i + 2 + k])) < 0)
                                        abort();
                        o += put_utf8((unsigned) (h[0] << 12 | h[1] << 8 | h[2] << 4 | h[3]), out + o);
                        i += 6;
                        break;
                default:
                        abort();
                }
        }
        return o;
}

static void check_text(const char *in, size_t n, const struct buf *b)
{
        char *back;
        size_t m;

        check_printable(b->data, b->len);
        back = malloc(b->len + 1);
        if (!back)
                abort();
        m = unescape_text(b->data, b->len, back);
        if (m != n || memcmp(back, in, n) != 0)
                abort();
        free(back);
}

static void check_json(const char *in, size_t n, const struct buf *b, bool lossy)
{
        json_error_t err;
        json_t *j;

        check_printable(b->data, b->len);
        /* b holds a whole JSON string, quotes included. */
        j = json_loadb(b->data, b->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
        if (!j || !json_is_string(j))
                abort();
        if (!lossy && (json_string_length(j) != n || memcmp(json_string_value(j), in, n) != 0))
                abort();
        if (lossy && utf8_valid(in, n))
                abort();
        json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *in = (const char *) data;
        struct buf b;
        bool lossy = false;
        struct dw_error e = { 0 };
        char *z;

        buf_init(&b, 0);
        if (escape_json(&b, in, size, &lossy) < 0)
                abort();
        if (has_control(b.data, b.len))
                abort();
        buf_reset(&b);
        if (json_quote(&b, in, size) < 0)
                abort();
        check_json(in, size, &b, lossy);

        buf_reset(&b);
        if (escape_text(&b, in, size) < 0)
                abort();
        check_text(in, size, &b);

        /* A token: one word, quoted when it holds a space or a quote. */
        buf_reset(&b);
        if (escape_text_token(&b, in, size) < 0)
                abort();
        check_printable(b.data, b.len);
        if (b.len == 0 || (b.data[0] != '\'' && memchr(b.data, ' ', b.len)))
                abort();
        buf_release(&b);

        /* An error quoting the input (escape_message), cut to
         * ERROR_REASON_MAX bytes: one printable line. */
        z = strndup(in, size);
        if (!z)
                return 0;
        (void) dw_error_set(&e, -EBADMSG, z, "cannot read '%s'", z);
        if (!e.reason || strlen(e.reason) > ERROR_REASON_MAX)
                abort();
        check_printable(e.reason, strlen(e.reason));
        dw_error_release(&e);
        free(z);
        return 0;
}
