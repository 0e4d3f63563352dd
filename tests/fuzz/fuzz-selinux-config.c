/* Fuzz harness for src/parse/selinux-config.c: any bytes as
 * /etc/selinux/config. A mode comes with the line it was read from, within
 * the input's lines; a type is at most SELINUX_TYPE_MAX bytes without a NUL,
 * never ends in a blank (but when it is one byte), and comes with its line; a
 * failure is -EBADMSG or -E2BIG with a printable reason. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "parse/selinux-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct selinux_config c = { 0 };
        char *reason = NULL;
        unsigned lines = 1;
        int r;

        for (size_t i = 0; i < size; i++)
                lines += data[i] == '\n';
        r = selinux_config_parse((const char *) data, size, &c, &reason);
        if (r < 0) {
                if (r != -EBADMSG && r != -E2BIG && r != -ENOMEM)
                        abort();
                if (r != -ENOMEM && (!reason || !*reason || has_control(reason, strlen(reason))))
                        abort();
                free(reason);
                return 0;
        }
        if (reason || (c.mode == SELINUX_MODE_UNSET) != (c.mode_line == 0) || c.mode_line > lines ||
            c.mode > SELINUX_MODE_DISABLED || !selinux_mode_name(c.mode))
                abort();
        if (c.type) {
                size_t n = strlen(c.type);

                if (n > SELINUX_TYPE_MAX || c.type_line == 0 || c.type_line > lines ||
                    (n > 1 && (c.type[n - 1] == ' ' || c.type[n - 1] == '\t')))
                        abort();
        } else if (c.type_line) {
                abort();
        }
        selinux_config_release(&c);
        return 0;
}
