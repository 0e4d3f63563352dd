/* What the image readers (oci-image.c, oci-json.c) share and nothing else uses. */
#pragma once

#include "basic/macros.h"

/* *ret_reason (when given) becomes the formatted reason; returns r. */
int oci_fail(char **ret_reason, int r, const char *fmt, ...) _printf_(3, 4);
