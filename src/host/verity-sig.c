/* dm-verity root hash signatures; see verity-sig.h.
 *
 * The check mirrors systemd's userspace one: PKCS7_verify() with the trusted
 * certificates as the only candidates for the signer (PKCS7_NOINTERN: a
 * certificate the signature carries is never taken on its own word), no chain
 * or validity-period check of that certificate (PKCS7_NOVERIFY: trust is
 * being listed in verity.d, as for systemd and the kernel's keyring; a
 * throwaway self-signed certificate is the norm), and the content hashed as
 * the exact bytes (PKCS7_BINARY: no MIME canonicalisation of line ends; the
 * hex string has none, so this only makes the intent explicit). Before that,
 * PKCS7_get0_signers() with the same flags tells an unknown signer apart from
 * a bad signature. */
#define _GNU_SOURCE
#include "verity-sig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <jansson.h>

#include "basic/base64.h"
#include "basic/fd-util.h"
#include "basic/hex.h"
#include "basic/libcrypto.h"

const char *const verity_trust_dirs_default[4] = {
        "etc/verity.d",
        "run/verity.d",
        "usr/local/lib/verity.d",
        "usr/lib/verity.d",
};

struct verity_cert {
        char *path;                     /* below the root, "/etc/verity.d/a.crt" */
        X509 *x509;
};

struct verity_trust {
        struct verity_cert *certs;
        size_t n_certs;
        OPENSSL_STACK *stack;           /* STACK_OF(X509), borrowing certs[].x509 */
        struct strv ignored;
};

struct verity_trust *verity_trust_free(struct verity_trust *t)
{
        if (!t)
                return NULL;
        /* Certificates exist only once libcrypto is loaded. */
        if (t->stack)
                libcrypto.OPENSSL_sk_free(t->stack);
        for (size_t i = 0; i < t->n_certs; i++) {
                libcrypto.X509_free(t->certs[i].x509);
                free(t->certs[i].path);
        }
        free(t->certs);
        strv_release(&t->ignored);
        free(t);
        return NULL;
}

size_t verity_trust_count(const struct verity_trust *t)
{
        return t->n_certs;
}

const struct strv *verity_trust_ignored(const struct verity_trust *t)
{
        return &t->ignored;
}

/* One *.crt name and the directory (index) it is taken from. */
struct cert_name {
        char *name;
        size_t dir;
};

static int cert_name_cmp(const void *a, const void *b)
{
        return strcmp(((const struct cert_name *) a)->name, ((const struct cert_name *) b)->name);
}

static void cert_names_release(struct cert_name *names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(names[i].name);
        free(names);
}

/* Adds the *.crt names of dirfd not already taken from an earlier directory. */
static int collect_names(int dirfd, size_t dir, struct cert_name **names, size_t *n)
{
        _cleanup_(strv_release) struct strv found = { 0 };
        int r;

        r = dir_names_with_suffix(dirfd, ".crt", VERITY_TRUST_CERTS_MAX, &found);
        if (r < 0)
                return r;
        for (size_t i = 0; i < found.n; i++) {
                struct cert_name *grown;
                bool seen = false;

                for (size_t k = 0; k < *n && !seen; k++)
                        seen = strcmp((*names)[k].name, found.v[i]) == 0;
                if (seen)
                        continue;
                if (*n >= VERITY_TRUST_CERTS_MAX)
                        return -E2BIG;
                grown = realloc(*names, (*n + 1) * sizeof(**names));
                if (!grown)
                        return -ENOMEM;
                *names = grown;
                (*names)[(*n)++] = (struct cert_name) { .name = TAKE_PTR(found.v[i]), .dir = dir };
        }
        return 0;
}

static bool is_dev_null(const struct stat *st)
{
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3);
}

/* Opens the certificate file name in dirfd: an fd, 0 when the name is masked
 * (empty, or a symlink to /dev/null), or -errno (-ELOOP: a symlink below a
 * foreign root, not followed). */
static int open_cert(int dirfd, const char *name, bool follow)
{
        char target[16];
        struct stat st;
        ssize_t k;
        int fd;

        k = readlinkat(dirfd, name, target, sizeof(target) - 1);
        if (k >= 0) {
                target[k] = '\0';
                if (strcmp(target, "/dev/null") == 0)
                        return 0;
                if (!follow)
                        return -ELOOP;
        }
        fd = follow ? openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
                    : open_regular_at(dirfd, name, NULL);
        if (fd < 0)
                return follow ? negative_errno() : fd;
        if (fstat(fd, &st) < 0 || is_dev_null(&st) || (S_ISREG(st.st_mode) && st.st_size == 0)) {
                close(fd);
                return 0;
        }
        if (!S_ISREG(st.st_mode)) {
                close(fd);
                return -EINVAL;
        }
        return fd;
}

static void bio_freep(BIO **b)
{
        if (*b)
                libcrypto.BIO_free(*b);
}

/* The first PEM certificate in fd, or NULL. */
static int read_cert(int fd, X509 **ret)
{
        _cleanup_(freep) char *pem = NULL;
        _cleanup_(bio_freep) BIO *bio = NULL;
        size_t len;
        int r;

        r = read_fd_all(fd, VERITY_CERT_FILE_MAX, &pem, &len);
        if (r < 0)
                return r;
        bio = libcrypto.BIO_new_mem_buf(pem, (int) len);
        if (!bio)
                return -ENOMEM;
        *ret = libcrypto.PEM_read_bio_X509(bio, NULL, NULL, NULL);
        libcrypto.ERR_clear_error();
        return *ret ? 0 : -EBADMSG;
}

static int trust_add(struct verity_trust *t, const char *dir, const char *name, X509 *x)
{
        struct verity_cert *grown = realloc(t->certs, (t->n_certs + 1) * sizeof(*t->certs));
        char *path;

        if (!grown)
                return -ENOMEM;
        t->certs = grown;
        if (asprintf(&path, "/%s/%s", dir, name) < 0)
                return -ENOMEM;
        if (libcrypto.OPENSSL_sk_push(t->stack, x) <= 0) {
                free(path);
                return -ENOMEM;
        }
        t->certs[t->n_certs++] = (struct verity_cert) { .path = path, .x509 = x };
        return 0;
}

static int trust_ignore(struct verity_trust *t, const char *dir, const char *name, int r)
{
        _cleanup_(freep) char *line = NULL;

        if (asprintf(&line, "/%s%s%s: %s", dir, *name ? "/" : "", name,
                     r == -EBADMSG ? "no PEM certificate"
                     : r == -ELOOP ? "a symlink below the root, not followed"
                     : r == -EINVAL ? "not a regular file"
                     : strerror(-r)) < 0)
                return -ENOMEM;
        return strv_push(&t->ignored, line);
}

/* Opens the directory rel below rootfd: an fd, -ENOENT/-ENOTDIR when there is
 * none, -ELOOP when a symlink is on the way and follow is false (below
 * another system's root); on the live host symlinks are followed, as systemd
 * does. */
static int open_dir(int rootfd, const char *rel, bool follow)
{
        int fd = open_beneath(rootfd, rel, O_RDONLY | O_DIRECTORY);

        /* A symlink met with O_NOFOLLOW | O_DIRECTORY is ENOTDIR or ELOOP. */
        if (fd == -ENOTDIR || fd == -ELOOP) {
                _cleanup_(closep) int pfd = open_beneath(rootfd, rel, O_PATH);
                struct stat st;

                if (pfd >= 0 && fstat(pfd, &st) == 0 && !S_ISLNK(st.st_mode))
                        return fd;      /* not a directory */
                if (pfd < 0 && pfd != -ELOOP)
                        return fd;
                if (!follow)
                        return -ELOOP;
                fd = openat(rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return negative_errno();
        }
        return fd;
}

int verity_trust_load(const char *root, const char *const *dirs, size_t n_dirs, struct verity_trust **ret,
                      struct dw_error *ret_error)
{
        _cleanup_(verity_trust_freep) struct verity_trust *t = NULL;
        _cleanup_(closep) int rootfd = -1;
        struct cert_name *names = NULL;
        int dirfds[8], r;
        size_t n_names = 0, n_open = 0;
        bool follow;

        if (!root)
                root = "/";
        if (!dirs) {
                dirs = verity_trust_dirs_default;
                n_dirs = ARRAY_SIZE(verity_trust_dirs_default);
        }
        if (n_dirs > ARRAY_SIZE(dirfds))
                return -E2BIG;
        r = libcrypto_load();
        if (r < 0)
                return dw_error_set(ret_error, r, "libcrypto", "cannot load libcrypto to check verity signatures");
        rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0) {
                r = negative_errno();
                return dw_error_set(ret_error, r, root, "cannot open root '%s': %s", root, strerror(-r));
        }
        {
                struct stat a, b;

                follow = stat("/", &a) == 0 && fstat(rootfd, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
        }
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->stack = libcrypto.OPENSSL_sk_new_null();
        if (!t->stack)
                return -ENOMEM;

        for (size_t i = 0; i < n_dirs; i++) {
                dirfds[i] = open_dir(rootfd, dirs[i], follow);
                n_open = i + 1;
                if (dirfds[i] == -ELOOP) {
                        r = trust_ignore(t, dirs[i], "", -ELOOP);
                        if (r < 0)
                                goto out;
                        continue;
                }
                if (dirfds[i] == -ENOENT || dirfds[i] == -ENOTDIR)
                        continue;
                if (dirfds[i] < 0) {
                        r = dw_error_set(ret_error, dirfds[i], dirs[i], "cannot open '%s/%s': %s", root, dirs[i],
                                         strerror(-dirfds[i]));
                        goto out;
                }
                r = collect_names(dirfds[i], i, &names, &n_names);
                if (r == -E2BIG) {
                        r = dw_error_set(ret_error, r, dirs[i], "more than %d certificates in the verity.d directories of '%s'",
                                         VERITY_TRUST_CERTS_MAX, root);
                        goto out;
                }
                if (r < 0) {
                        r = dw_error_set(ret_error, r, dirs[i], "cannot list '%s/%s': %s", root, dirs[i], strerror(-r));
                        goto out;
                }
        }
        if (n_names > 0)
                qsort(names, n_names, sizeof(*names), cert_name_cmp);
        for (size_t i = 0; i < n_names; i++) {
                _cleanup_(closep) int fd = open_cert(dirfds[names[i].dir], names[i].name, follow);
                X509 *x = NULL;

                if (fd == 0)
                        continue;       /* masked */
                r = fd < 0 ? fd : read_cert(fd, &x);
                if (r == -ENOMEM)
                        goto out;
                if (r < 0) {
                        r = trust_ignore(t, dirs[names[i].dir], names[i].name, r);
                        if (r < 0)
                                goto out;
                        continue;
                }
                r = trust_add(t, dirs[names[i].dir], names[i].name, x);
                if (r < 0) {
                        libcrypto.X509_free(x);
                        goto out;
                }
        }
        r = 0;
        *ret = TAKE_PTR(t);
out:
        for (size_t i = 0; i < n_open; i++)
                if (dirfds[i] >= 0)
                        close(dirfds[i]);
        cert_names_release(names, n_names);
        return r;
}

const char *verity_sig_status_name(enum verity_sig_status s)
{
        switch (s) {
        case VERITY_SIG_NONE:
                return "none";
        case VERITY_SIG_VALID:
                return "valid";
        case VERITY_SIG_INVALID:
                return "invalid";
        case VERITY_SIG_UNKNOWN_SIGNER:
                return "unknown-signer";
        }
        return "unknown";
}

void verity_sig_result_release(struct verity_sig_result *r)
{
        free(r->signer);
        free(r->cert_path);
        free(r->reason);
        *r = (struct verity_sig_result) {};
}

static void pkcs7_freep(PKCS7 **p)
{
        if (*p)
                libcrypto.PKCS7_free(*p);
}

static void stack_freep(OPENSSL_STACK **s)
{
        if (*s)
                libcrypto.OPENSSL_sk_free(*s);
}

/* Fills the subject and fingerprint of x into r. */
static int describe_cert(X509 *x, struct verity_sig_result *r)
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int md_len = 0;
        char *subject;

        subject = libcrypto.X509_NAME_oneline(libcrypto.X509_get_subject_name(x), NULL, 0);
        if (!subject)
                return -ENOMEM;
        r->signer = strdup(subject);
        /* OPENSSL_free() is a macro around CRYPTO_free(). */
        libcrypto.CRYPTO_free(subject, __FILE__, __LINE__);
        if (!r->signer)
                return -ENOMEM;
        if (libcrypto.X509_digest(x, libcrypto.EVP_sha256(), md, &md_len) == 1 && md_len == 32)
                for (unsigned i = 0; i < md_len; i++)
                        snprintf(r->fingerprint + 2 * i, 3, "%02x", md[i]);
        return 0;
}

static int set_reason(struct verity_sig_result *r, enum verity_sig_status status, const char *reason)
{
        r->status = status;
        r->reason = strdup(reason);
        return r->reason ? 0 : -ENOMEM;
}

/* The verdict on p7 over the content in bio; fills r. */
static int check_pkcs7(const struct verity_trust *trust, PKCS7 *p7, BIO *bio, struct verity_sig_result *r)
{
        _cleanup_(stack_freep) OPENSSL_STACK *signers = NULL;
        int k;

        signers = (OPENSSL_STACK *) libcrypto.PKCS7_get0_signers(p7, (STACK_OF(X509) *) trust->stack,
                                                                 PKCS7_NOINTERN);
        if (!signers || libcrypto.OPENSSL_sk_num(signers) < 1) {
                _cleanup_(stack_freep) OPENSSL_STACK *embedded = NULL;

                libcrypto.ERR_clear_error();
                /* Name the certificate the signature carries, untrusted. */
                embedded = (OPENSSL_STACK *) libcrypto.PKCS7_get0_signers(p7, NULL, 0);
                if (embedded && libcrypto.OPENSSL_sk_num(embedded) >= 1) {
                        k = describe_cert(libcrypto.OPENSSL_sk_value(embedded, 0), r);
                        if (k < 0)
                                return k;
                }
                return set_reason(r, VERITY_SIG_UNKNOWN_SIGNER,
                                  trust->n_certs == 0 ? "no trusted verity certificates on the host"
                                                      : "signed by a certificate the host does not trust");
        }
        k = libcrypto.PKCS7_verify(p7, (STACK_OF(X509) *) trust->stack, NULL, bio, NULL,
                                   PKCS7_NOINTERN | PKCS7_NOVERIFY | PKCS7_BINARY);
        if (k != 1)
                return set_reason(r, VERITY_SIG_INVALID, "the signature does not match the root hash");
        r->status = VERITY_SIG_VALID;
        {
                X509 *x = libcrypto.OPENSSL_sk_value(signers, 0);

                for (size_t i = 0; i < trust->n_certs; i++)
                        if (trust->certs[i].x509 == x) {
                                r->cert_path = strdup(trust->certs[i].path);
                                if (!r->cert_path)
                                        return -ENOMEM;
                        }
                return describe_cert(x, r);
        }
}

int verity_signature_check(const struct verity_trust *trust, const char *roothash_hex, const uint8_t *der,
                           size_t len, struct verity_sig_result *ret)
{
        struct verity_sig_result r = {};
        _cleanup_(pkcs7_freep) PKCS7 *p7 = NULL;
        _cleanup_(bio_freep) BIO *bio = NULL;
        char hex[VERITY_ROOTHASH_HEX_MAX + 1];
        size_t n = strlen(roothash_hex);
        const unsigned char *p = der;
        int k;

        if (n == 0 || n % 2 || n > VERITY_ROOTHASH_HEX_MAX || !hex_valid(roothash_hex, n, false))
                return -EINVAL;
        if (!der || len == 0) {
                *ret = (struct verity_sig_result) { .status = VERITY_SIG_NONE };
                return 0;
        }
        if (len > VERITY_SIG_MAX)
                k = set_reason(&r, VERITY_SIG_INVALID, "the signature is larger than 64 KiB");
        else {
                k = libcrypto_load();
                if (k < 0)
                        return k;
                for (size_t i = 0; i <= n; i++)
                        hex[i] = roothash_hex[i] >= 'A' && roothash_hex[i] <= 'F' ? roothash_hex[i] - 'A' + 'a'
                                                                                 : roothash_hex[i];
                p7 = libcrypto.d2i_PKCS7(NULL, &p, (long) len);
                if (!p7 || p != der + len)
                        k = set_reason(&r, VERITY_SIG_INVALID, "the signature is not one PKCS#7 structure (DER)");
                else {
                        bio = libcrypto.BIO_new_mem_buf(hex, (int) n);
                        k = bio ? check_pkcs7(trust, p7, bio, &r) : -ENOMEM;
                }
                libcrypto.ERR_clear_error();
        }
        if (k < 0) {
                verity_sig_result_release(&r);
                return k;
        }
        *ret = r;
        return 0;
}

void verity_sig_json_release(struct verity_sig_json *j)
{
        free(j->root_hash);
        free(j->signature);
        free(j->certificate_fingerprint);
        *j = (struct verity_sig_json) {};
}

int verity_sig_json_parse(const char *buf, size_t len, struct verity_sig_json *ret, struct dw_error *ret_error)
{
        _cleanup_(json_decrefp) json_t *root = NULL;
        struct verity_sig_json j = {};
        const char *hash, *sig, *fp = NULL;
        json_t *v;
        json_error_t jerr;
        size_t n;
        int r;

        if (len > VERITY_SIG_JSON_MAX)
                return dw_error_set(ret_error, -EFBIG, NULL, "signature JSON larger than %zu bytes", VERITY_SIG_JSON_MAX);
        /* The object is padded with NUL bytes; nothing but NULs may follow the first one. */
        n = strnlen(buf, len);
        for (size_t i = n; i < len; i++)
                if (buf[i] != '\0')
                        return dw_error_set(ret_error, -EBADMSG, NULL, "signature JSON: data after the NUL padding");
        if (n == 0)
                return dw_error_set(ret_error, -EBADMSG, NULL, "signature JSON: empty");
        root = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &jerr);
        if (!root)
                return dw_error_set(ret_error, -EBADMSG, NULL, "signature JSON: %s (line %d)", jerr.text, jerr.line);
        if (!json_is_object(root))
                return dw_error_set(ret_error, -EBADMSG, NULL, "signature JSON: not an object");

        v = json_object_get(root, "rootHash");
        hash = json_string_value(v);
        if (!hash)
                return dw_error_set(ret_error, -EBADMSG, NULL, "signature JSON: no rootHash string");
        n = json_string_length(v);
        if (n == 0 || n % 2 || n > VERITY_ROOTHASH_HEX_MAX || strlen(hash) != n || !hex_valid(hash, n, true))
                return dw_error_set(ret_error, -EBADMSG, NULL, "signature JSON: rootHash '%s' is not lowercase hex",
                                    hash);
        v = json_object_get(root, "signature");
        sig = json_string_value(v);
        if (!sig)
                return dw_error_set(ret_error, -EBADMSG, NULL, "signature JSON: no signature string");
        v = json_object_get(root, "certificateFingerprint");
        if (v) {
                fp = json_string_value(v);
                if (!fp || json_string_length(v) != 64 || strlen(fp) != 64 || !hex_valid(fp, 64, true))
                        return dw_error_set(ret_error, -EBADMSG, NULL,
                                            "signature JSON: certificateFingerprint is not 64 lowercase hex digits");
        }

        r = base64_decode(sig, json_string_length(json_object_get(root, "signature")), VERITY_SIG_MAX, &j.signature,
                          &j.signature_len);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || j.signature_len == 0) {
                verity_sig_json_release(&j);
                return dw_error_set(ret_error, -EBADMSG, NULL, "signature JSON: signature is not base64%s",
                                    r == -EFBIG ? " of at most 64 KiB" : "");
        }
        j.root_hash = strdup(hash);
        j.certificate_fingerprint = fp ? strdup(fp) : NULL;
        if (!j.root_hash || (fp && !j.certificate_fingerprint)) {
                verity_sig_json_release(&j);
                return -ENOMEM;
        }
        *ret = j;
        return 0;
}

void verity_sidecar_release(struct verity_sidecar *s)
{
        free(s->root_hash);
        free(s->signature);
        *s = (struct verity_sidecar) {};
}

/* Reads the sidecar base.kind and base.kind.p7s; -ENOENT when base.kind does not exist. */
static int read_sidecar(int dirfd, const char *base, const char *kind, struct verity_sidecar *s,
                        struct dw_error *ret_error)
{
        _cleanup_(freep) char *path = NULL, *hash = NULL, *sig = NULL;
        _cleanup_(closep) int fd = -1;
        size_t n, sig_len = 0;
        int r;

        if (asprintf(&path, "%s.%s", base, kind) < 0)
                return -ENOMEM;
        fd = open_regular_at(dirfd, path, NULL);
        if (fd < 0)
                return fd == -ENOENT ? -ENOENT
                                     : dw_error_set(ret_error, fd, path, "cannot open '%s': %s", path, strerror(-fd));
        r = read_fd_all(fd, VERITY_ROOTHASH_HEX_MAX + 64, &hash, &n);
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot read '%s': %s", path,
                                    r == -EFBIG ? "larger than a root hash" : strerror(-r));
        while (n > 0 && (hash[n - 1] == '\n' || hash[n - 1] == ' ' || hash[n - 1] == '\t' || hash[n - 1] == '\r'))
                hash[--n] = '\0';
        if (n == 0 || n % 2 || n > VERITY_ROOTHASH_HEX_MAX || strlen(hash) != n || !hex_valid(hash, n, false))
                return dw_error_set(ret_error, -EBADMSG, path, "'%s' is not a root hash in hex", path);
        for (size_t i = 0; i < n; i++)
                if (hash[i] >= 'A' && hash[i] <= 'F')
                        hash[i] = (char) (hash[i] - 'A' + 'a');

        closep(&fd);
        free(path);
        if (asprintf(&path, "%s.%s.p7s", base, kind) < 0) {
                path = NULL;
                return -ENOMEM;
        }
        fd = open_regular_at(dirfd, path, NULL);
        if (fd >= 0) {
                r = read_fd_all(fd, VERITY_SIG_MAX, &sig, &sig_len);
                if (r < 0)
                        return dw_error_set(ret_error, r, path, "cannot read '%s': %s", path,
                                            r == -EFBIG ? "larger than 64 KiB" : strerror(-r));
        } else if (fd != -ENOENT)
                return dw_error_set(ret_error, fd, path, "cannot open '%s': %s", path, strerror(-fd));
        *s = (struct verity_sidecar) {
                .kind = kind,
                .root_hash = TAKE_PTR(hash),
                .signature = (uint8_t *) TAKE_PTR(sig),
                .signature_len = sig_len,
        };
        return 0;
}

int verity_sidecar_read(int dirfd, const char *image, struct verity_sidecar *ret, struct dw_error *ret_error)
{
        _cleanup_(freep) char *base = strdup(image);
        size_t n;
        int r;

        if (!base)
                return -ENOMEM;
        n = strlen(base);
        if (n > 4 && strcmp(base + n - 4, ".raw") == 0)
                base[n - 4] = '\0';
        r = read_sidecar(dirfd, base, "roothash", ret, ret_error);
        if (r == -ENOENT)
                r = read_sidecar(dirfd, base, "usrhash", ret, ret_error);
        return r;
}
