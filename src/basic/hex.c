/* Hexadecimal decoding; see hex.h. */
#include "hex.h"

#include <errno.h>

/* Each byte's value as a hex digit plus one, 0 for the others (so the
 * table needs no initializer for them): the audit parser decodes every
 * hex-encoded argument and path through it. */
static const unsigned char digit_value1[256] = {
        ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
        ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
        ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

int hex_digit(char c)
{
        return (int) digit_value1[(unsigned char) c] - 1;
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
                int hi = (int) digit_value1[(unsigned char) s[i]] - 1, lo = (int) digit_value1[(unsigned char) s[i + 1]] - 1;

                if ((hi | lo) < 0)
                        return -EBADMSG;
                o[i / 2] = (unsigned char) (hi << 4 | lo);
        }
        return (int) (n / 2);
}
