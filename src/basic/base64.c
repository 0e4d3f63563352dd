/* Base64 decoding; see base64.h. */
#include "base64.h"

#include <errno.h>
#include <stdlib.h>

#include "macros.h"

static int b64_value(char c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

int base64_decode(const char *s, size_t n, size_t max, uint8_t **ret, size_t *ret_len)
{
        _cleanup_(freep) uint8_t *out = NULL;
        size_t len = 0, digits = 0, pad = 0;
        uint32_t acc = 0;

        /* Three bytes per four characters bounds the result before decoding. */
        out = malloc(n / 4 * 3 + 3);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                int v;

                if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
                        continue;
                if (c == '=') {
                        pad++;
                        continue;
                }
                v = b64_value(c);
                if (v < 0 || pad > 0)
                        return -EBADMSG;
                acc = acc << 6 | (uint32_t) v;
                if (++digits % 4 == 0) {
                        if (len + 3 > max)
                                return -EFBIG;
                        out[len++] = (uint8_t) (acc >> 16);
                        out[len++] = (uint8_t) (acc >> 8);
                        out[len++] = (uint8_t) acc;
                        acc = 0;
                }
        }
        /* What is left: 2 characters are one byte, 3 are two; 1 is no byte. */
        switch (digits % 4) {
        case 0:
                if (pad != 0)
                        return -EBADMSG;
                break;
        case 2:
                if ((pad != 0 && pad != 2) || (acc & 0xf))
                        return -EBADMSG;
                if (len + 1 > max)
                        return -EFBIG;
                out[len++] = (uint8_t) (acc >> 4);
                break;
        case 3:
                if ((pad != 0 && pad != 1) || (acc & 0x3))
                        return -EBADMSG;
                if (len + 2 > max)
                        return -EFBIG;
                out[len++] = (uint8_t) (acc >> 10);
                out[len++] = (uint8_t) (acc >> 2);
                break;
        default:
                return -EBADMSG;
        }
        *ret = TAKE_PTR(out);
        *ret_len = len;
        return 0;
}
