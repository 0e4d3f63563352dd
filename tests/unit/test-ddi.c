/* Unit tests for the DDI reader (src/host/ddi.c) and the verity signature
 * check (src/host/verity-sig.c), on images systemd-repart builds: a squashfs
 * /usr partition, its verity hash partition and its signature partition,
 * signed with a throwaway certificate openssl makes. The root hash is
 * compared with the one systemd-repart prints (--json=pretty). Crafted GPTs
 * (python3 writing the headers and their CRCs) give the bad input: 10,000
 * partitions, a table that is not a DDI's, a truncated image. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmpdir.h"
#include "basic/base64.h"
#include "basic/fd-util.h"
#include "basic/macros.h"
#include "basic/spawn.h"
#include "host/ddi.h"
#include "host/verity-sig.h"

/* The fixture every image test shares, built once. */
static struct {
        char dir[TMPDIR_LEN];
        char image[256];                /* the signed DDI systemd-repart made */
        char roothash[129];             /* as systemd-repart printed it */
        const char *skip;               /* why the image could not be built */
} fx;

static bool ci(void)
{
        return getenv("CI") && strcmp(getenv("CI"), "true") == 0;
}

/* Skips a test that needs the fixture when a tool is missing (fails under CI=true). */
#define NEED_IMAGE()                                                            \
        do {                                                                    \
                if (fx.skip) {                                                  \
                        if (ci())                                               \
                                fail_msg("%s", fx.skip);                        \
                        print_message("skipped: %s\n", fx.skip);                \
                        skip();                                                 \
                }                                                               \
        } while (0)

static char *path_in(const char *name)
{
        char *p;

        assert_true(asprintf(&p, "%s/%s", fx.dir, name) > 0);
        return p;
}

/* Runs argv[0] (a path), 0 when it exits 0; its stdout in *ret_out if given. */
static int run(char *const argv[], char **ret_out)
{
        struct spawn_result res = {};
        int r = spawn_capture(argv[0], argv, 1 << 20, 120000, NULL, &res);

        if (r == 0 && res.status != 0) {
                print_message("%s exited with %d: %s\n", argv[0], res.status, res.err_line ? res.err_line : "");
                r = -EIO;
        }
        if (r == 0 && ret_out)
                *ret_out = TAKE_PTR(res.out);
        spawn_result_release(&res);
        return r;
}

static int make_cert(const char *name, const char *cn)
{
        _cleanup_(freep) char *key = NULL, *crt = NULL, *subj = NULL;

        assert_true(asprintf(&key, "%s/%s.key", fx.dir, name) > 0);
        assert_true(asprintf(&crt, "%s/%s.crt", fx.dir, name) > 0);
        assert_true(asprintf(&subj, "/CN=%s", cn) > 0);
        char *argv[] = { "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", subj,
                         "-days", "2", "-keyout", key, "-out", crt, NULL };
        return run(argv, NULL);
}

/* The roothash systemd-repart printed for its verity partition. */
static int repart_roothash(const char *json)
{
        json_t *root = json_loads(json, 0, NULL), *e;
        size_t i;
        int r = -ENOENT;

        if (!json_is_array(root))
                r = -EBADMSG;
        json_array_foreach(root, i, e) {
                const char *h = json_string_value(json_object_get(e, "roothash"));

                if (h && strlen(h) < sizeof(fx.roothash)) {
                        strcpy(fx.roothash, h);
                        r = 0;
                }
        }
        json_decref(root);
        return r;
}

static int group_setup(void **state)
{
        _cleanup_(freep) char *defs = NULL, *key = NULL, *crt = NULL, *out = NULL, *src = NULL;
        char *copy;

        tmpdir_make(fx.dir, "ddi");
        snprintf(fx.image, sizeof(fx.image), "%s/ext.raw", fx.dir);
        if (access("/usr/bin/systemd-repart", X_OK) < 0) {
                fx.skip = "systemd-repart is not installed (Debian package systemd)";
                return 0;
        }
        if (access("/usr/bin/mksquashfs", X_OK) < 0) {
                fx.skip = "mksquashfs is not installed (Debian package squashfs-tools)";
                return 0;
        }
        if (access("/usr/bin/openssl", X_OK) < 0) {
                fx.skip = "openssl is not installed (Debian package openssl)";
                return 0;
        }
        if (make_cert("signer", "test") < 0 || make_cert("other", "other") < 0) {
                fx.skip = "openssl could not make a certificate";
                return 0;
        }
        /* The extension's /usr: an extension-release file and one more. */
        assert_int_equal(mkdir(src = path_in("src"), 0755), 0);
        tmpdir_write(fx.dir, "src/hello", "hello\n");
        assert_int_equal(mkdir(defs = path_in("defs"), 0755), 0);
        assert_true(asprintf(&copy, "[Partition]\nType=usr\nFormat=squashfs\nCopyFiles=%s:/\nVerity=data\n"
                                    "VerityMatchKey=usr\n", src) > 0);
        tmpdir_write(fx.dir, "defs/10-usr.conf", copy);
        free(copy);
        tmpdir_write(fx.dir, "defs/20-usr-verity.conf", "[Partition]\nType=usr-verity\nVerity=hash\nVerityMatchKey=usr\n");
        tmpdir_write(fx.dir, "defs/30-usr-verity-sig.conf",
                     "[Partition]\nType=usr-verity-sig\nVerity=signature\nVerityMatchKey=usr\n");
        assert_true(asprintf(&key, "--private-key=%s/signer.key", fx.dir) > 0);
        assert_true(asprintf(&crt, "--certificate=%s/signer.crt", fx.dir) > 0);
        assert_true(asprintf(&copy, "--definitions=%s", defs) > 0);
        {
                char *argv[] = { "/usr/bin/systemd-repart", "--empty=create", "--size=auto", "--dry-run=no",
                                 "--json=pretty", copy, key, crt, fx.image, NULL };

                if (run(argv, &out) < 0)
                        /* v252 formats squashfs on a loop device: it needs root and /dev/loop-control. */
                        fx.skip = "systemd-repart could not build the image (it needs root and a loop device)";
        }
        free(copy);
        if (!fx.skip && repart_roothash(out) < 0)
                fail_msg("systemd-repart printed no roothash: %s", out);
        return 0;
}

static int group_teardown(void **state)
{
        tmpdir_remove(fx.dir);
        return 0;
}

static struct ddi *read_image(const char *path, int expect)
{
        struct dw_error err = {};
        struct ddi *d = NULL;
        _cleanup_(closep) int fd = open(path, O_RDONLY | O_CLOEXEC);
        int r;

        assert_true(fd >= 0);
        r = ddi_read(fd, path, NULL, &d, &err);
        if (r != expect)
                fail_msg("ddi_read('%s') = %d (%s), expected %d", path, r, dw_error_reason(&err), expect);
        if (r < 0) {
                /* One printable line naming the image. */
                assert_non_null(err.reason);
                assert_non_null(strstr(err.reason, path));
                assert_null(strchr(err.reason, '\n'));
                print_message("%s\n", err.reason);
        }
        dw_error_release(&err);
        return d;
}

static void test_partitions(void **state)
{
        _cleanup_(ddi_freep) struct ddi *d = NULL;
        char name[64];

        NEED_IMAGE();
        d = read_image(fx.image, 0);
        assert_int_equal(d->n_partitions, 3);
        snprintf(name, sizeof(name), "usr-%s", dps_host_arch());
        assert_non_null(d->partitions[0].type);
        assert_string_equal(d->partitions[0].type->name, name);
        assert_int_equal(d->partitions[0].type->role, DPS_DATA);
        snprintf(name, sizeof(name), "usr-%s-verity", dps_host_arch());
        assert_string_equal(d->partitions[1].type->name, name);
        snprintf(name, sizeof(name), "usr-%s-verity-sig", dps_host_arch());
        assert_string_equal(d->partitions[2].type->name, name);
        assert_ptr_equal(d->data, &d->partitions[0]);
        assert_ptr_equal(d->verity, &d->partitions[1]);
        assert_ptr_equal(d->signature, &d->partitions[2]);
        assert_int_equal(d->partitions[0].number, 1);
        assert_int_equal(d->partitions[0].offset, 1 << 20);
        assert_true(d->partitions[2].offset + d->partitions[2].size <= d->image_size);
        /* The root hash of the UUIDs is the one systemd-repart computed. */
        assert_string_equal(d->roothash, fx.roothash);
        assert_non_null(d->sig);
        assert_null(d->signature_error);
        assert_string_equal(d->sig->root_hash, fx.roothash);
        assert_true(d->roothash_consistent);
        assert_non_null(d->sig->certificate_fingerprint);
        assert_true(d->sig->signature_len > 256);
}

/* Makes ROOT/dir/name a copy of the certificate cert ("signer", "other"), or a
 * symlink to /dev/null when cert is NULL. */
static void trust_file(const char *root, const char *dir, const char *name, const char *cert)
{
        _cleanup_(freep) char *d = NULL, *p = NULL, *from = NULL, *pem = NULL;
        size_t len;

        assert_true(asprintf(&d, "%s/%s", root, dir) > 0);
        for (char *s = d + strlen(root) + 1; (s = strchr(s, '/')); s++) {
                *s = '\0';
                (void) mkdir(d, 0755);
                *s = '/';
        }
        (void) mkdir(d, 0755);
        assert_true(asprintf(&p, "%s/%s", d, name) > 0);
        (void) unlink(p);
        if (!cert) {
                assert_int_equal(symlink("/dev/null", p), 0);
                return;
        }
        assert_true(asprintf(&from, "%s/%s.crt", fx.dir, cert) > 0);
        assert_int_equal(read_file(from, 1 << 16, &pem, &len), 0);
        tmpdir_write(d, name, pem);
}

/* An empty directory in the fixture, a root for verity.d directories. */
static char *make_root(const char *name)
{
        char *p = path_in(name);

        assert_int_equal(mkdir(p, 0755), 0);
        return p;
}

static struct verity_trust *load_trust(const char *root)
{
        struct verity_trust *t = NULL;
        struct dw_error err = {};
        int r = verity_trust_load(root, NULL, 0, &t, &err);

        if (r < 0)
                fail_msg("verity_trust_load('%s') = %d: %s", root, r, dw_error_reason(&err));
        return t;
}

static void test_signature_valid(void **state)
{
        _cleanup_(ddi_freep) struct ddi *d = NULL;
        _cleanup_(verity_trust_freep) struct verity_trust *t = NULL;
        _cleanup_(freep) char *root = NULL;
        struct verity_sig_result res = {};

        NEED_IMAGE();
        root = make_root("root-valid");
        trust_file(root, "usr/lib/verity.d", "other.crt", "other");
        trust_file(root, "run/verity.d", "signer.crt", "signer");
        t = load_trust(root);
        assert_int_equal(verity_trust_count(t), 2);
        d = read_image(fx.image, 0);
        assert_int_equal(ddi_signature_check(d, t, &res), 0);
        assert_int_equal(res.status, VERITY_SIG_VALID);
        assert_string_equal(verity_sig_status_name(res.status), "valid");
        assert_string_equal(res.signer, "/CN=test");
        assert_string_equal(res.cert_path, "/run/verity.d/signer.crt");
        /* The fingerprint systemd-repart wrote is the signer's. */
        assert_string_equal(res.fingerprint, d->sig->certificate_fingerprint);
        verity_sig_result_release(&res);
}

static void test_signature_unknown_signer(void **state)
{
        _cleanup_(ddi_freep) struct ddi *d = NULL;
        _cleanup_(verity_trust_freep) struct verity_trust *t = NULL, *none = NULL;
        _cleanup_(freep) char *root = NULL, *empty = NULL;
        struct verity_sig_result res = {};

        NEED_IMAGE();
        d = read_image(fx.image, 0);
        root = make_root("root-other");
        trust_file(root, "etc/verity.d", "other.crt", "other");
        /* The signer's certificate masked in /etc, present in /usr/lib: masked. */
        trust_file(root, "etc/verity.d", "signer.crt", NULL);
        trust_file(root, "usr/lib/verity.d", "signer.crt", "signer");
        t = load_trust(root);
        assert_int_equal(verity_trust_count(t), 1);
        assert_int_equal(ddi_signature_check(d, t, &res), 0);
        assert_int_equal(res.status, VERITY_SIG_UNKNOWN_SIGNER);
        /* The certificate the signature carries is named, not trusted. */
        assert_string_equal(res.signer, "/CN=test");
        assert_null(res.cert_path);
        assert_non_null(res.reason);
        verity_sig_result_release(&res);

        empty = make_root("root-empty");
        none = load_trust(empty);
        assert_int_equal(verity_trust_count(none), 0);
        assert_int_equal(ddi_signature_check(d, none, &res), 0);
        assert_int_equal(res.status, VERITY_SIG_UNKNOWN_SIGNER);
        assert_string_equal(res.reason, "no trusted verity certificates on the host");
        verity_sig_result_release(&res);
}

/* Below a root that is not "/", no symlink is followed; what is skipped is named. */
static void test_trust_ignored(void **state)
{
        _cleanup_(verity_trust_freep) struct verity_trust *t = NULL;
        _cleanup_(freep) char *root = make_root("root-links"), *p = NULL;
        const struct strv *ignored;

        assert_true(asprintf(&p, "%s/etc", root) > 0);
        assert_int_equal(mkdir(p, 0755), 0);
        free(p);
        assert_true(asprintf(&p, "%s/etc/verity.d", root) > 0);
        assert_int_equal(symlink("../usr/lib/verity.d", p), 0);
        trust_file(root, "usr/lib/verity.d", "x.crt", NULL);
        tmpdir_write(root, "usr/lib/verity.d/bad.crt", "not a certificate\n");
        trust_file(root, "run/verity.d", "x.crt", NULL);
        free(p);
        assert_true(asprintf(&p, "%s/run/verity.d/link.crt", root) > 0);
        assert_int_equal(symlink("../../usr/lib/verity.d/bad.crt", p), 0);
        t = load_trust(root);
        assert_int_equal(verity_trust_count(t), 0);
        ignored = verity_trust_ignored(t);
        assert_int_equal(ignored->n, 3);
        assert_string_equal(ignored->v[0], "/etc/verity.d: a symlink below the root, not followed");
        assert_string_equal(ignored->v[1], "/usr/lib/verity.d/bad.crt: no PEM certificate");
        assert_string_equal(ignored->v[2], "/run/verity.d/link.crt: a symlink below the root, not followed");
}

/* Copies the fixture image to name and returns the copy's path. */
static char *copy_image(const char *name)
{
        _cleanup_(closep) int in = open(fx.image, O_RDONLY | O_CLOEXEC), out = -1;
        char *path = path_in(name), buf[65536];
        ssize_t n;

        out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(in >= 0 && out >= 0);
        while ((n = read(in, buf, sizeof(buf))) > 0)
                assert_int_equal(write_all(out, buf, (size_t) n), 0);
        assert_int_equal(n, 0);
        return path;
}

/* Replaces the character at offset 'at' of the JSON's field value (after
 * '"field":"') in the image at path with a different one of the same class. */
static void tamper_json(const char *path, const struct ddi *d, const char *field, size_t at)
{
        _cleanup_(closep) int fd = open(path, O_RDWR | O_CLOEXEC);
        char buf[16384], key[64], *p;
        size_t n = d->signature->size < sizeof(buf) ? (size_t) d->signature->size : sizeof(buf);

        assert_true(fd >= 0);
        assert_int_equal(pread(fd, buf, n, (off_t) d->signature->offset), (ssize_t) n);
        snprintf(key, sizeof(key), "\"%s\":\"", field);
        p = memmem(buf, n, key, strlen(key));
        assert_non_null(p);
        p += strlen(key) + at;
        *p = *p == 'a' ? 'b' : 'a';
        assert_int_equal(pwrite(fd, buf, n, (off_t) d->signature->offset), (ssize_t) n);
}

static void test_signature_invalid(void **state)
{
        _cleanup_(ddi_freep) struct ddi *d = NULL, *bad_sig = NULL, *bad_hash = NULL;
        _cleanup_(verity_trust_freep) struct verity_trust *t = NULL;
        _cleanup_(freep) char *root = NULL, *img1 = NULL, *img2 = NULL, *hash = NULL;
        struct verity_sig_result res = {};

        NEED_IMAGE();
        root = make_root("root-invalid");
        trust_file(root, "etc/verity.d", "signer.crt", "signer");
        t = load_trust(root);
        d = read_image(fx.image, 0);

        /* A byte of the signature (its RSA value, near the end) changed. */
        img1 = copy_image("bad-sig.raw");
        tamper_json(img1, d, "signature", 4 * (d->sig->signature_len / 3) - 40);
        bad_sig = read_image(img1, 0);
        assert_non_null(bad_sig->sig);
        assert_int_equal(ddi_signature_check(bad_sig, t, &res), 0);
        assert_int_equal(res.status, VERITY_SIG_INVALID);
        verity_sig_result_release(&res);

        /* The root hash in the JSON changed: no longer what the UUIDs say, and not what was signed. */
        img2 = copy_image("bad-hash.raw");
        tamper_json(img2, d, "rootHash", 10);
        bad_hash = read_image(img2, 0);
        assert_false(bad_hash->roothash_consistent);
        assert_int_equal(ddi_signature_check(bad_hash, t, &res), 0);
        assert_int_equal(res.status, VERITY_SIG_INVALID);
        assert_string_equal(res.reason, "the signature does not match the root hash");
        verity_sig_result_release(&res);

        /* Something after the JSON's NUL padding: the partitions are still read, the signature is not. */
        {
                _cleanup_(ddi_freep) struct ddi *junk = NULL;
                _cleanup_(freep) char *img3 = copy_image("junk.raw");
                _cleanup_(closep) int fd = open(img3, O_WRONLY | O_CLOEXEC);

                assert_int_equal(pwrite(fd, "x", 1, (off_t) d->signature->offset + 4000), 1);
                junk = read_image(img3, 0);
                assert_int_equal(junk->n_partitions, 3);
                assert_null(junk->sig);
                assert_string_equal(junk->signature_error, "signature JSON: data after the NUL padding");
                assert_int_equal(ddi_signature_check(junk, t, &res), 0);
                assert_int_equal(res.status, VERITY_SIG_NONE);
        }

        /* The same signature over another root hash, and a DER cut short by a byte. */
        hash = strdup(fx.roothash);
        hash[63] = hash[63] == '0' ? '1' : '0';
        assert_int_equal(verity_signature_check(t, hash, d->sig->signature, d->sig->signature_len, &res), 0);
        assert_int_equal(res.status, VERITY_SIG_INVALID);
        verity_sig_result_release(&res);
        assert_int_equal(verity_signature_check(t, fx.roothash, d->sig->signature, d->sig->signature_len - 1, &res), 0);
        assert_int_equal(res.status, VERITY_SIG_INVALID);
        verity_sig_result_release(&res);
        /* Upper case hex is the same root hash: systemd re-encodes it. */
        for (char *s = hash; *s; s++)
                *s = (char) (*s >= 'a' && *s <= 'f' ? *s - 'a' + 'A' : *s);
        memcpy(hash + 60, fx.roothash + 60, 5);
        assert_int_equal(verity_signature_check(t, hash, d->sig->signature, d->sig->signature_len, &res), 0);
        assert_int_equal(res.status, VERITY_SIG_VALID);
        verity_sig_result_release(&res);
        assert_int_equal(verity_signature_check(t, "abc", d->sig->signature, d->sig->signature_len, &res), -EINVAL);
        assert_int_equal(verity_signature_check(t, fx.roothash, NULL, 0, &res), 0);
        assert_int_equal(res.status, VERITY_SIG_NONE);
}

static void test_sidecar(void **state)
{
        _cleanup_(ddi_freep) struct ddi *d = NULL;
        _cleanup_(verity_trust_freep) struct verity_trust *t = NULL;
        _cleanup_(freep) char *root = NULL, *dir = NULL, *line = NULL, *p7s = NULL;
        _cleanup_(closep) int dfd = -1, fd = -1;
        struct verity_sidecar sc = {};
        struct verity_sig_result res = {};

        NEED_IMAGE();
        d = read_image(fx.image, 0);
        root = make_root("root-sidecar");
        trust_file(root, "usr/local/lib/verity.d", "signer.crt", "signer");
        t = load_trust(root);

        dir = path_in("sidecar");
        assert_int_equal(mkdir(dir, 0755), 0);
        assert_true(asprintf(&line, "%s\n", fx.roothash) > 0);
        tmpdir_write(dir, "ext.roothash", line);
        assert_true(asprintf(&p7s, "%s/ext.roothash.p7s", dir) > 0);
        fd = open(p7s, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write_all(fd, d->sig->signature, d->sig->signature_len), 0);
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(verity_sidecar_read(dfd, "ext.raw", &sc, NULL), 0);
        assert_string_equal(sc.kind, "roothash");
        assert_string_equal(sc.root_hash, fx.roothash);
        assert_int_equal(verity_signature_check(t, sc.root_hash, sc.signature, sc.signature_len, &res), 0);
        assert_int_equal(res.status, VERITY_SIG_VALID);
        assert_string_equal(res.cert_path, "/usr/local/lib/verity.d/signer.crt");
        verity_sig_result_release(&res);
        verity_sidecar_release(&sc);

        assert_int_equal(verity_sidecar_read(dfd, "none.raw", &sc, NULL), -ENOENT);
        tmpdir_write(dir, "bad.usrhash", "not hex\n");
        assert_int_equal(verity_sidecar_read(dfd, "bad", &sc, NULL), -EBADMSG);
}

static void test_truncated(void **state)
{
        _cleanup_(freep) char *img = NULL;
        struct stat st;

        NEED_IMAGE();
        img = copy_image("truncated.raw");
        assert_int_equal(stat(img, &st), 0);
        /* The signature partition and the backup GPT cut off. */
        assert_int_equal(truncate(img, st.st_size - 32768), 0);
        assert_null(read_image(img, -EBADMSG));
        assert_int_equal(truncate(img, 4096), 0);
        assert_null(read_image(img, -EBADMSG));
}

/* Writes a GPT with 'declared' entries of which 'used' are one-sector
 * linux-generic partitions (python3 computing the CRCs). */
static int craft_gpt(const char *path, unsigned declared, unsigned used)
{
        static const char script[] =
                "import struct,sys,zlib,uuid\n"
                "path,decl,used=sys.argv[1],int(sys.argv[2]),int(sys.argv[3])\n"
                "ss=512; es=128; elbas=(decl*es+ss-1)//ss; first=2+elbas\n"
                "last=first+max(used,1)+8; total=last+1+elbas+1\n"
                "f=bytearray(total*ss)\n"
                "f[446:462]=bytes([0,0,2,0,0xee,0xff,0xff,0xff])+struct.pack('<II',1,min(total-1,0xffffffff))\n"
                "f[510:512]=b'\\x55\\xaa'\n"
                "ents=bytearray(decl*es)\n"
                "t=uuid.UUID('0fc63daf-8483-4772-8e79-3d69d8477de4').bytes_le\n"
                "for i in range(used):\n"
                "    ents[i*es:(i+1)*es]=t+uuid.uuid4().bytes_le+struct.pack('<QQQ',first+i,first+i,0)+'p'.encode('utf-16-le').ljust(72,b'\\0')\n"
                "disk=uuid.uuid4().bytes_le; ecrc=zlib.crc32(ents)\n"
                "def hdr(my,alt,elba):\n"
                "    h=struct.pack('<8sIIIIQQQQ16sQIII',b'EFI PART',0x10000,92,0,0,my,alt,first,last,disk,elba,decl,es,ecrc)\n"
                "    return h[:16]+struct.pack('<I',zlib.crc32(h))+h[20:]\n"
                "f[ss:ss+92]=hdr(1,total-1,2)\n"
                "f[2*ss:2*ss+len(ents)]=ents\n"
                "b=total-1-elbas\n"
                "f[b*ss:b*ss+len(ents)]=ents\n"
                "f[(total-1)*ss:(total-1)*ss+92]=hdr(total-1,1,b)\n"
                "open(path,'wb').write(f)\n";
        char d[16], u[16];

        snprintf(d, sizeof(d), "%u", declared);
        snprintf(u, sizeof(u), "%u", used);
        char *argv[] = { "/usr/bin/python3", "-c", (char *) script, (char *) path, d, u, NULL };
        return run(argv, NULL);
}

static void test_crafted_gpt(void **state)
{
        _cleanup_(ddi_freep) struct ddi *d = NULL;
        _cleanup_(freep) char *small = path_in("small.raw"), *many = path_in("many.raw"), *huge = path_in("huge.raw");

        if (access("/usr/bin/python3", X_OK) < 0) {
                if (ci())
                        fail_msg("/usr/bin/python3 is not installed (Debian package python3)");
                print_message("skipped: /usr/bin/python3 is not installed (Debian package python3)\n");
                skip();
        }
        /* A valid GPT of three generic partitions: a GPT, but no extension in it. */
        assert_int_equal(craft_gpt(small, 128, 3), 0);
        d = read_image(small, 0);
        assert_int_equal(d->n_partitions, 3);
        assert_non_null(d->partitions[0].type);
        assert_string_equal(d->partitions[0].type->name, "linux-generic");
        assert_string_equal(d->partitions[0].label, "p");
        assert_null(d->data);
        assert_null(d->signature);
        assert_string_equal(d->roothash, "");
        /* 200 partitions in a table of 256 entries: more than are read. */
        assert_int_equal(craft_gpt(many, 256, 200), 0);
        assert_null(read_image(many, -E2BIG));
        /* 10,000 partitions: refused before libblkid reads the entries. */
        assert_int_equal(craft_gpt(huge, 10000, 10000), 0);
        assert_null(read_image(huge, -E2BIG));
}

static void test_not_gpt(void **state)
{
        _cleanup_(freep) char *zeros = path_in("zeros.raw"), *fifo = path_in("fifo");
        _cleanup_(closep) int fd = -1;
        struct ddi *d = NULL;
        struct dw_error err = {};

        fd = open(zeros, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, 1 << 20), 0);
        assert_null(read_image(zeros, -EMEDIUMTYPE));
        tmpdir_write(fx.dir, "empty.raw", "");
        {
                _cleanup_(freep) char *empty = path_in("empty.raw");

                assert_null(read_image(empty, -EMEDIUMTYPE));
        }
        assert_int_equal(mkfifo(fifo, 0600), 0);
        closep(&fd);
        fd = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(ddi_read(fd, fifo, NULL, &d, &err), -EINVAL);
        assert_null(d);
        dw_error_release(&err);
}

static void test_sig_json(void **state)
{
        struct verity_sig_json j = {};
        struct dw_error err = {};
        static const char good[] = "{\"rootHash\":\"00ff\",\"signature\":\"AAEC\",\"x\":1}\0\0\0";
        static const char fp[] = "{\"rootHash\":\"00ff\",\"signature\":\"AAEC\",\"certificateFingerprint\":"
                                 "\"0000000000000000000000000000000000000000000000000000000000000000\"}";
        static const char *const bad[] = {
                "",
                "[]",
                "{\"signature\":\"AAEC\"}",
                "{\"rootHash\":\"00FF\",\"signature\":\"AAEC\"}",
                "{\"rootHash\":\"0ff\",\"signature\":\"AAEC\"}",
                "{\"rootHash\":\"00ff\"}",
                "{\"rootHash\":\"00ff\",\"signature\":\"A*EC\"}",
                "{\"rootHash\":\"00ff\",\"signature\":\"\"}",
                "{\"rootHash\":\"00ff\",\"signature\":\"AAEC\",\"certificateFingerprint\":\"00\"}",
                "{\"rootHash\":\"00ff\",\"rootHash\":\"00ff\",\"signature\":\"AAEC\"}",
                "{\"rootHash\":\"00\\u0000ff\",\"signature\":\"AAEC\"}",
        };

        assert_int_equal(verity_sig_json_parse(good, sizeof(good) - 1, &j, NULL), 0);
        assert_string_equal(j.root_hash, "00ff");
        assert_int_equal(j.signature_len, 3);
        assert_memory_equal(j.signature, "\x00\x01\x02", 3);
        assert_null(j.certificate_fingerprint);
        verity_sig_json_release(&j);
        assert_int_equal(verity_sig_json_parse(fp, strlen(fp), &j, NULL), 0);
        assert_non_null(j.certificate_fingerprint);
        verity_sig_json_release(&j);
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                if (verity_sig_json_parse(bad[i], strlen(bad[i]), &j, &err) != -EBADMSG)
                        fail_msg("accepted: %s", bad[i]);
                assert_non_null(err.reason);
                assert_null(strchr(err.reason, '\n'));
                dw_error_release(&err);
        }
        /* Data after the NUL padding. */
        assert_int_equal(verity_sig_json_parse("{}\0x", 4, &j, NULL), -EBADMSG);
}

static void test_base64(void **state)
{
        uint8_t *out = NULL;
        size_t n;

        assert_int_equal(base64_decode("aGVsbG8=", 8, 16, &out, &n), 0);
        assert_int_equal(n, 5);
        assert_memory_equal(out, "hello", 5);
        free(out);
        assert_int_equal(base64_decode("aGVs\nbG8h", 9, 16, &out, &n), 0);
        assert_int_equal(n, 6);
        free(out);
        assert_int_equal(base64_decode("aGVsbG8h", 8, 5, &out, &n), -EFBIG);
        assert_int_equal(base64_decode("aGVsbG9=", 8, 16, &out, &n), -EBADMSG);  /* stray bits */
        assert_int_equal(base64_decode("aG=sbG8=", 8, 16, &out, &n), -EBADMSG);  /* padding inside */
        assert_int_equal(base64_decode("a", 1, 16, &out, &n), -EBADMSG);
        assert_int_equal(base64_decode("", 0, 16, &out, &n), 0);
        assert_int_equal(n, 0);
        free(out);
}

static void test_dps_table(void **state)
{
        const struct dps_type *t;

        t = dps_type_lookup("8484680C-9521-48C6-9C11-B0720656F69E");
        assert_non_null(t);
        assert_string_equal(t->name, "usr-x86-64");
        t = dps_type_lookup("c23ce4ff-44bd-4b00-b2d4-b41b3419e02a");
        assert_non_null(t);
        assert_string_equal(t->name, "usr-arm64-verity-sig");
        assert_int_equal(t->designator, DPS_USR);
        assert_int_equal(t->role, DPS_VERITY_SIG);
        assert_string_equal(t->arch, "arm64");
        t = dps_type_lookup("c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
        assert_string_equal(t->name, "esp");
        assert_null(t->arch);
        assert_null(dps_type_lookup("00000000-0000-0000-0000-000000000000"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_dps_table),
                cmocka_unit_test(test_base64),
                cmocka_unit_test(test_sig_json),
                cmocka_unit_test(test_not_gpt),
                cmocka_unit_test(test_trust_ignored),
                cmocka_unit_test(test_crafted_gpt),
                cmocka_unit_test(test_partitions),
                cmocka_unit_test(test_signature_valid),
                cmocka_unit_test(test_signature_unknown_signer),
                cmocka_unit_test(test_signature_invalid),
                cmocka_unit_test(test_sidecar),
                cmocka_unit_test(test_truncated),
        };

        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
