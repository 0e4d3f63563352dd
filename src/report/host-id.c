/* The identity of an analysed host from its files; see host-id.h. */
#include "host-id.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fd-util.h"
#include "basic/macros.h"
#include "parse/passwd.h"

/* hostname(5): one line, comments allowed; a name of letters, digits, '-',
 * '_' and '.' (anything else is not a name a SIEM should see). */
void host_identity_parse_name(const char *buf, size_t len, struct host_identity_buf *ret)
{
        const char *p = buf, *end = buf + len;

        ret->name[0] = '\0';
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *e = nl ? nl : end, *s = p;
                size_t n;

                p = nl ? nl + 1 : end;
                while (s < e && (*s == ' ' || *s == '\t'))
                        s++;
                while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                        e--;
                if (s == e || *s == '#')
                        continue;
                n = (size_t) (e - s);
                if (n > HOST_NAME_MAX_LEN)
                        return;
                for (size_t i = 0; i < n; i++)
                        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                              (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
                                return;
                memcpy(ret->name, s, n);
                ret->name[n] = '\0';
                return;
        }
}

/* machine-id(5): 32 hex digits and a newline; "uninitialized" is no id. */
void host_identity_parse_machine_id(const char *buf, size_t len, struct host_identity_buf *ret)
{
        bool zero = true;

        ret->machine_id[0] = '\0';
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
                len--;
        if (len != MACHINE_ID_LEN)
                return;
        for (size_t i = 0; i < len; i++) {
                char c = buf[i];

                if (c >= 'A' && c <= 'F')
                        c = (char) (c - 'A' + 'a');
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                        ret->machine_id[0] = '\0';
                        return;
                }
                zero &= c == '0';
                ret->machine_id[i] = c;
        }
        ret->machine_id[len] = '\0';
        if (zero)
                ret->machine_id[0] = '\0';
}

/* A small regular file below the root, never a device or a FIFO. */
static int read_small(int rootfd, const char *rel, char **ret, size_t *ret_len)
{
        _cleanup_(closep) int fd = open_regular_beneath(rootfd, rel, NULL);

        if (fd < 0)
                return fd;
        return read_fd_all(fd, 4096, ret, ret_len);
}

static void read_map(int rootfd, const char *rel, struct passwd_map *ret)
{
        _cleanup_(closep) int fd = open_regular_beneath(rootfd, rel, NULL);
        _cleanup_(freep) char *buf = NULL;
        size_t len;

        *ret = (struct passwd_map) { 0 };
        if (fd >= 0 && read_fd_all(fd, PASSWD_MAX_BYTES, &buf, &len) >= 0)
                (void) passwd_map_parse(buf, len, ret);
}

void host_accounts_read(int rootfd, struct passwd_map *ret_users, struct passwd_map *ret_groups)
{
        read_map(rootfd, "etc/passwd", ret_users);
        read_map(rootfd, "etc/group", ret_groups);
}

void host_identity_read(int rootfd, struct host_identity_buf *ret)
{
        _cleanup_(freep) char *name = NULL, *id = NULL;
        size_t len;

        *ret = (struct host_identity_buf) { 0 };
        if (read_small(rootfd, "etc/hostname", &name, &len) >= 0)
                host_identity_parse_name(name, len, ret);
        if (read_small(rootfd, "etc/machine-id", &id, &len) >= 0)
                host_identity_parse_machine_id(id, len, ret);
}
