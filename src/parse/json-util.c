/* The shape of a JSON text before jansson parses it; see json-util.h. */
#include "json-util.h"

#include <stdbool.h>

struct json_shape json_shape(const char *buf, size_t len, size_t max_depth, size_t max_string)
{
        struct json_shape s = { 0 };
        size_t depth = 0, string_start = 0, i;
        bool in_string = false;

        for (i = 0; i < len && s.depth <= max_depth && s.longest_string <= max_string; i++) {
                char c = buf[i];

                if (in_string) {
                        if (c == '\\') {
                                i++;
                        } else if (c == '"') {
                                in_string = false;
                                if (i - string_start > s.longest_string)
                                        s.longest_string = i - string_start;
                        } else if (i - string_start > max_string) {
                                s.longest_string = i - string_start;
                        }
                } else if (c == '"') {
                        in_string = true;
                        string_start = i + 1;
                } else if (c == '{' || c == '[') {
                        if (++depth > s.depth)
                                s.depth = depth;
                } else if ((c == '}' || c == ']') && depth) {
                        depth--;
                }
        }
        if (in_string && i - string_start > s.longest_string)
                s.longest_string = i - string_start;
        return s;
}
