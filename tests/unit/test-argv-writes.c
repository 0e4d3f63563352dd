/* Unit tests for src/audit/argv-writes.c: the files a writer's command line
 * names, parsed as each program parses its options (clusters, values attached
 * or separate, long options and their abbreviations, '--', -t DIR, of=, sed's
 * script operand), made absolute with the working directory. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "audit/argv-writes.h"
#include "basic/buf.h"

static int collect(const char *path, size_t len, enum argv_write_kind kind, void *userdata)
{
        struct buf *out = userdata;

        assert_int_equal(strlen(path), len);
        return buf_printf(out, "%s%s%s", out->len ? " " : "", kind == ARGV_WRITE_CREATE ? "+" : "", path);
}

/* The destinations of the command line in words (space-separated), run in /w. */
static void check(const char *words, const char *want)
{
        char *copy = strdup(words), *save = NULL, *w;
        const char *args[64];
        size_t n = 0;
        struct buf out = { 0 }, scratch = { 0 };
        const char *base;
        int writer;

        buf_init(&out, 0);
        buf_init(&scratch, 0);
        for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
                args[n++] = strcmp(w, "''") == 0 ? "" : w;
        base = strrchr(args[0], '/');
        writer = argv_writer_find(base ? base + 1 : args[0]);
        assert_true(argv_writes(writer, args, n, "/w", &scratch, collect, &out) >= 0);
        (void) buf_putc(&out, '\0');
        if (strcmp(out.data, want) != 0)
                fail_msg("'%s': got '%s', want '%s'", words, out.data, want);
        buf_release(&out);
        buf_release(&scratch);
        free(copy);
}

static void test_copy(void **state)
{
        (void) state;
        check("cp a /etc/sudoers.d/x", "/etc/sudoers.d/x");
        check("/usr/bin/cp -p a b ../etc/c", "/etc/c/a /etc/c/b");
        check("cp -t /etc/cron.d a dir/b", "/etc/cron.d/a /etc/cron.d/b");
        check("cp -vt/etc/cron.d a", "/etc/cron.d/a");
        check("cp --target-directory=/etc/pam.d x", "/etc/pam.d/x");
        check("cp --target /etc/pam.d x", "/etc/pam.d/x");
        check("cp -S .bak a b", "/w/b");
        check("cp --suffix .bak -- -a -b", "/w/-b");
        check("cp -T a b c", "/w/c");
        check("mv ./tmp.XXXX /etc/ssh/sshd_config.d/50.conf", "/etc/ssh/sshd_config.d/50.conf");
        check("install -m 0440 -o root -g root f /etc/sudoers.d/f", "/etc/sudoers.d/f");
        check("install -m0600 -t /root/.ssh key", "/root/.ssh/key");
        check("install -d -m 0700 /root/.ssh /etc/x", "+/root/.ssh +/etc/x");
        check("ln -sf /tmp/evil /etc/ld.so.preload", "+/etc/ld.so.preload");
        check("ln -s /tmp/evil.so", "+/w/evil.so");
        check("cp a", "");
        check("cp", "");
}

static void test_tee_dd_sed(void **state)
{
        (void) state;
        check("tee -a /etc/environment - /etc/profile.d/x.sh", "/etc/environment /etc/profile.d/x.sh");
        check("dd if=/dev/zero of=/boot/efi/x bs=1M count=1", "/boot/efi/x");
        check("dd if=a", "");
        check("sed -i s/a/b/ /etc/ssh/sshd_config f", "/etc/ssh/sshd_config /w/f");
        check("sed -i.bak -e s/a/b/ /etc/pam.d/sshd", "/etc/pam.d/sshd");
        check("sed -ni -f script.sed /etc/hosts", "/etc/hosts");
        check("sed --in-place=.orig --expression s/x/y/ /etc/hosts", "/etc/hosts");
        check("sed -e s/a/b/ /etc/hosts", "");
        check("sed -n p /etc/hosts", "");
}

static void test_network(void **state)
{
        (void) state;
        check("curl -fsSL -o /etc/yum.repos.d/x.repo https://h/x", "/etc/yum.repos.d/x.repo");
        check("curl -fsSLo /usr/local/bin/tool https://h/t", "/usr/local/bin/tool");
        check("curl -H -o -o out https://h/", "/w/out");
        check("curl --output-dir /etc/cron.d -o job https://h/", "/etc/cron.d/job");
        check("curl -o - https://h/", "");
        check("curl https://h/x", "");
        check("wget -q -O /etc/profile.d/p.sh https://h/p", "/etc/profile.d/p.sh");
        check("wget --output-document=/root/.ssh/authorized_keys https://h/k", "/root/.ssh/authorized_keys");
        check("wget -O- https://h/", "");
        check("rsync -a src/ /etc/systemd/system/", "/etc/systemd/system");
        check("rsync -av -e ssh a b /etc/cron.d", "/etc/cron.d/a /etc/cron.d/b");
        check("rsync -a a /etc/cron.d/job", "/etc/cron.d/job");
        check("rsync -a /etc/x host:/etc/x", "");
        check("rsync --exclude /x a rsync://h/m", "");
}

static void test_not_writers(void **state)
{
        const char *args[] = { "cat", "/etc/passwd" };
        struct buf s = { 0 };

        (void) state;
        assert_int_equal(argv_writer_find("cat"), -1);
        assert_int_equal(argv_writer_find(NULL), -1);
        assert_int_equal(argv_writes(-1, args, 2, "/w", &s, collect, NULL), 0);
        assert_string_equal(argv_writer_name(argv_writer_find("dd")), "dd");
        buf_release(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_copy),
                cmocka_unit_test(test_tee_dd_sed),
                cmocka_unit_test(test_network),
                cmocka_unit_test(test_not_writers),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
