/* /etc/selinux/config as libselinux reads it; see selinux-config.h. */
#define _GNU_SOURCE
#include "selinux-config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void selinux_config_release(struct selinux_config *c)
{
        free(c->type);
        *c = (struct selinux_config) { 0 };
}

const char *selinux_mode_name(enum selinux_mode m)
{
        switch (m) {
        case SELINUX_MODE_ENFORCING:
                return "enforcing";
        case SELINUX_MODE_PERMISSIVE:
                return "permissive";
        case SELINUX_MODE_DISABLED:
                return "disabled";
        default:
                return "unset";
        }
}

static bool blank(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* The mode a SELINUX= value (blanks skipped) starts with, in any case. */
static enum selinux_mode mode_of(const char *v, size_t n)
{
        static const char *const names[] = { "enforcing", "permissive", "disabled" };

        while (n > 0 && blank(*v))
                v++, n--;
        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                size_t k = strlen(names[i]);

                if (n >= k && strncasecmp(v, names[i], k) == 0)
                        return (enum selinux_mode) (SELINUX_MODE_ENFORCING + i);
        }
        return SELINUX_MODE_UNSET;
}

int selinux_config_parse(const char *buf, size_t len, struct selinux_config *ret, char **ret_error)
{
        struct selinux_config c = { 0 };
        unsigned line = 0;
        size_t pos = 0;

        if (memchr(buf, '\0', len)) {
                size_t at = (size_t) ((const char *) memchr(buf, '\0', len) - buf);
                unsigned l = 1;

                for (size_t i = 0; i < at; i++)
                        l += buf[i] == '\n';
                return asprintf(ret_error, "line %u: a NUL byte: not a text file", l) < 0 ? -ENOMEM : -EBADMSG;
        }
        while (pos < len) {
                const char *s = buf + pos, *nl = memchr(s, '\n', len - pos);
                size_t n = nl ? (size_t) (nl - s) : len - pos;
                const char *p = s;
                size_t m = n;

                pos += n + (nl ? 1 : 0);
                line++;
                /* selinux_getenforcemode(): the tag at the very start. */
                if (!c.mode && n >= 8 && memcmp(s, "SELINUX=", 8) == 0) {
                        c.mode = mode_of(s + 8, n - 8);
                        c.mode_line = c.mode ? line : 0;
                }
                /* init_selinux_config(): blanks, comments, the tag in any case. */
                while (m > 0 && blank(*p))
                        p++, m--;
                if (m == 0 || *p == '#' || m < 12 || strncasecmp(p, "SELINUXTYPE=", 12) != 0)
                        continue;
                p += 12, m -= 12;
                while (m > 0 && blank(*p))
                        p++, m--;
                while (m > 1 && (blank(p[m - 1]) || (unsigned char) p[m - 1] < 0x20 || p[m - 1] == 0x7f))
                        m--;
                if (m > SELINUX_TYPE_MAX) {
                        free(c.type);
                        return asprintf(ret_error, "line %u: SELINUXTYPE longer than %d bytes", line,
                                        SELINUX_TYPE_MAX) < 0 ? -ENOMEM : -E2BIG;
                }
                free(c.type);
                c.type = strndup(p, m);
                if (!c.type)
                        return -ENOMEM;
                c.type_line = line;
        }
        *ret = c;
        return 0;
}
