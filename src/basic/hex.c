/* Hexadecimal decoding; see hex.h. */
#include "hex.h"

#include <errno.h>

int hex_digit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

bool hex_valid(const char *s, size_t n, bool lower_only)
{
        size_t i;

        if (n == 0)
                return false;
        for (i = 0; i < n; i++)
                if (hex_digit(s[i]) < 0 || (lower_only && s[i] >= 'A' && s[i] <= 'F'))
                        return false;
        return true;
}

int hex_decode(const char *s, size_t n, void *out)
{
        unsigned char *o = out;
        size_t i;

        if (n % 2)
                return -EBADMSG;
        for (i = 0; i < n; i += 2) {
                int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);

                if (hi < 0 || lo < 0)
                        return -EBADMSG;
                o[i / 2] = (unsigned char) (hi << 4 | lo);
        }
        return (int) (n / 2);
}
