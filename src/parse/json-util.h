/* What the JSON readers (jansson underneath) check before handing a buffer
 * to jansson: how deep it nests and how long its longest string is, in one
 * pass that stops early past the limits. Pure. */
#pragma once

#include <stddef.h>

struct json_shape {
        size_t depth;                   /* deepest nesting of objects and arrays */
        size_t longest_string;          /* bytes between the quotes of the longest string, escapes counted raw */
};

/* The shape of buf; the scan stops once depth passes max_depth or a string
 * passes max_string (the shape then says so). */
struct json_shape json_shape(const char *buf, size_t len, size_t max_depth, size_t max_string);
