/* Fuzz harness for the dpkg database parsers of src/fim/packages.c: any bytes
 * as a status file, an .md5sums, a status Conffiles block, a .list, a
 * diversions file and a dpkg.log. Every item handed out lies inside the
 * input, with a package name, a path within PKG_PATH_MAX and a .list path
 * starting with '/'; a diversion has two absolute paths and a package name
 * (none for a local one) on consecutive lines; a failure is -EBADMSG or
 * -E2BIG with a line inside the input. And the same bytes as the record
 * stream of the rpm backend's child (packages-rpm.h): packages and files
 * inside the input, files absolute with a 16- or 32-byte digest or none. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fim/packages-rpm.h"
#include "fim/packages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct span {
        const char *buf;
        size_t len;
        unsigned lines;
};

static void inside(const struct span *s, const char *p, size_t n)
{
        if (n && (p < s->buf || p + n > s->buf + s->len))
                abort();
}

static int on_md5(const char *path, size_t len, const uint8_t md5[PKG_MD5_LEN], void *userdata);

static int on_para(const struct dpkg_paragraph *p, void *userdata)
{
        const struct span *s = userdata;

        if (!p->package.len || p->line == 0 || p->line > s->lines)
                abort();
        inside(s, p->package.s, p->package.len);
        inside(s, p->version.s, p->version.len);
        inside(s, p->architecture.s, p->architecture.len);
        inside(s, p->status.s, p->status.len);
        inside(s, p->conffiles.s, p->conffiles.len);
        if (p->conffiles.len) {
                /* the Conffiles block goes through its own parser */
                struct span c = { p->conffiles.s, p->conffiles.len, 0 };
                unsigned line = 0;
                int r = dpkg_md5sums_parse(c.buf, c.len, true, on_md5, &c, &line);

                if (r < 0 && r != -EBADMSG && r != -E2BIG)
                        abort();
        }
        return 0;
}

static int on_md5(const char *path, size_t len, const uint8_t md5[PKG_MD5_LEN], void *userdata)
{
        if (!len || len > PKG_PATH_MAX || !md5)
                abort();
        inside(userdata, path, len);
        return 0;
}

static int on_list(const char *path, size_t len, void *userdata)
{
        if (!len || len > PKG_PATH_MAX || path[0] != '/')
                abort();
        inside(userdata, path, len);
        return 0;
}

static int on_diversion(const struct dpkg_diversion *d, void *userdata)
{
        const struct span *s = userdata;

        if (!d->from.len || d->from.len > PKG_PATH_MAX || d->from.s[0] != '/' || !d->to.len ||
            d->to.len > PKG_PATH_MAX || d->to.s[0] != '/' || d->local != !d->package.len ||
            d->package.len > PKG_NAME_MAX || d->line == 0 || d->line + 2 > s->lines ||
            d->to.s != d->from.s + d->from.len + 1 || (!d->local && d->package.s != d->to.s + d->to.len + 1))
                abort();
        inside(s, d->from.s, d->from.len);
        inside(s, d->to.s, d->to.len);
        inside(s, d->package.s, d->package.len);
        return 0;
}

static int on_rpm_package(const struct rpmdb_package *p, void *userdata)
{
        if (!p->name_len)
                abort();
        inside(userdata, p->name, p->name_len);
        inside(userdata, p->version, p->version_len);
        inside(userdata, p->arch, p->arch_len);
        return 0;
}

static int on_rpm_file(const struct rpmdb_file *f, void *userdata)
{
        if (!f->path_len || f->path[0] != '/' || (f->digest_len != 0 && f->digest_len != 16 && f->digest_len != 32) ||
            !f->digest != !f->digest_len)
                abort();
        inside(userdata, f->path, f->path_len);
        inside(userdata, (const char *) f->digest, f->digest_len);
        return 0;
}

static void check(int r, unsigned line, const struct span *s)
{
        if (r < 0 && ((r != -EBADMSG && r != -E2BIG) || line == 0 || line > s->lines))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct span s = { (const char *) data, size, 1 };
        unsigned line = 0;
        int r;

        for (size_t i = 0; i < size; i++)
                s.lines += data[i] == '\n';
        r = dpkg_status_parse(s.buf, s.len, on_para, &s, &line);
        check(r, line, &s);
        line = 0;
        r = dpkg_md5sums_parse(s.buf, s.len, false, on_md5, &s, &line);
        check(r, line, &s);
        line = 0;
        r = dpkg_md5sums_parse(s.buf, s.len, true, on_md5, &s, &line);
        check(r, line, &s);
        line = 0;
        r = dpkg_list_parse(s.buf, s.len, on_list, &s, &line);
        check(r, line, &s);
        line = 0;
        r = dpkg_diversions_parse(s.buf, s.len, on_diversion, &s, &line);
        check(r, line, &s);
        r = rpmdb_records_parse(s.buf, s.len, on_rpm_package, on_rpm_file, &s);
        if (r < 0 && r != -EBADMSG)
                abort();
        (void) dpkg_log_installed(s.buf, s.len, "acl", "amd64", "2.3.1-3");
        return 0;
}
