/* dm-verity root hash signatures, checked in userspace the way systemd does
 * when the kernel's keyring does not vouch for them (dissect-image.c,
 * validate_signature_userspace()): a detached PKCS#7 signature (DER) over the
 * root hash written as lowercase hex digits, no newline, made by a
 * certificate found in one of the verity.d directories systemd reads. Two
 * carriers: the signature partition of a DDI (a JSON object: rootHash,
 * signature, certificateFingerprint) and the sidecar files of a bare image
 * (NAME.roothash and NAME.roothash.p7s).
 *
 * libcrypto is loaded on first use (basic/libcrypto.h); parsing the JSON and
 * the sidecars does not load it. Library code: never prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"
#include "basic/macros.h"
#include "basic/strv.h"

/* The longest root hash accepted: SHA-512, in hex. */
#define VERITY_ROOTHASH_HEX_MAX 128
/* The largest signature (DER) accepted; systemd-repart's is under 2 KiB. */
#define VERITY_SIG_MAX ((size_t) 64 << 10)
/* The JSON of a signature partition read at most (the partition's size, capped). */
#define VERITY_SIG_JSON_MAX ((size_t) 64 << 10)
/* Trusted certificates loaded at most, and the size of one certificate file. */
#define VERITY_TRUST_CERTS_MAX 256
#define VERITY_CERT_FILE_MAX ((size_t) 64 << 10)

/* systemd's verity.d directories (CONF_PATHS("verity.d")), highest precedence
 * first, relative to the root: a *.crt name in an earlier one hides the same
 * name in the later ones. */
extern const char *const verity_trust_dirs_default[4];

/* The certificates a host trusts for verity signatures. */
struct verity_trust;

/* Loads the first PEM certificate of each *.crt file (sorted by name, as
 * systemd does) in dirs (n of them, relative to root; NULL: the default four)
 * below root (NULL: "/"). A file that is empty or a symlink to /dev/null masks
 * the name; a directory that does not exist is skipped. Below a root other
 * than "/" no symlink is followed (the root is another system's); on "/"
 * directories and certificate files may be symlinks, as systemd allows. A
 * file that cannot be read or holds no certificate, and a symlink not
 * followed, is skipped and named in verity_trust_ignored(). More than
 * VERITY_TRUST_CERTS_MAX files: -E2BIG. -ELIBACC/-ELIBBAD: libcrypto missing. */
int verity_trust_load(const char *root, const char *const *dirs, size_t n_dirs, struct verity_trust **ret,
                      struct dw_error *ret_error);
struct verity_trust *verity_trust_free(struct verity_trust *t);
DEFINE_FREEP(struct verity_trust, verity_trust_free);
/* How many certificates are trusted, and the files skipped ("PATH: reason"). */
size_t verity_trust_count(const struct verity_trust *t);
const struct strv *verity_trust_ignored(const struct verity_trust *t);

enum verity_sig_status {
        VERITY_SIG_NONE,                /* no signature to check */
        VERITY_SIG_VALID,               /* signed by a trusted certificate */
        VERITY_SIG_INVALID,             /* malformed, or does not match the root hash */
        VERITY_SIG_UNKNOWN_SIGNER,      /* well-formed, but no trusted certificate made it */
};
const char *verity_sig_status_name(enum verity_sig_status s);  /* "none", "valid", "invalid", "unknown-signer" */

struct verity_sig_result {
        enum verity_sig_status status;
        /* VALID: the trusted certificate that signed; UNKNOWN_SIGNER: the one
         * the signature carries (untrusted, for the report), if any. */
        char *signer;                   /* subject, "/CN=..." (OpenSSL's one-line form), or NULL */
        char fingerprint[65];           /* SHA-256 of its DER, lowercase hex, or "" */
        char *cert_path;                /* VALID: the trusted file, below the root */
        char *reason;                   /* INVALID / UNKNOWN_SIGNER: one printable line */
};
void verity_sig_result_release(struct verity_sig_result *r);

/* Checks der (len bytes, PKCS#7 DER; NULL or 0: VERITY_SIG_NONE) as a
 * detached signature over roothash_hex (either case; checked lowercased, as
 * systemd re-encodes it) against trust. 0 with *ret filled whatever the
 * verdict; -EINVAL when roothash_hex is not an even number of hex digits
 * (at most VERITY_ROOTHASH_HEX_MAX); -ENOMEM; -ELIBACC/-ELIBBAD. */
int verity_signature_check(const struct verity_trust *trust, const char *roothash_hex, const uint8_t *der,
                           size_t len, struct verity_sig_result *ret);

/* The JSON object of a verity signature partition. */
struct verity_sig_json {
        char *root_hash;                /* lowercase hex, as in the JSON */
        uint8_t *signature;             /* decoded from base64 */
        size_t signature_len;
        char *certificate_fingerprint;  /* lowercase hex (64 digits), or NULL when absent */
};
void verity_sig_json_release(struct verity_sig_json *j);

/* Parses buf[0..len) (NUL padding after the object is allowed, as DPS pads to
 * 4096 bytes): rootHash (mandatory, lowercase hex), signature (mandatory,
 * base64 of at most VERITY_SIG_MAX bytes), certificateFingerprint (optional,
 * 64 lowercase hex digits); other fields are ignored. -EBADMSG with a reason
 * in *ret_error; -EFBIG past VERITY_SIG_JSON_MAX. */
int verity_sig_json_parse(const char *buf, size_t len, struct verity_sig_json *ret, struct dw_error *ret_error);

/* The sidecar files of a bare image: for "NAME.raw" (or "NAME"),
 * NAME.roothash or else NAME.usrhash (hex digits, trailing whitespace
 * allowed), and the signature beside it (the same name + ".p7s"). */
struct verity_sidecar {
        const char *kind;               /* "roothash" or "usrhash" */
        char *root_hash;                /* lowercase hex */
        uint8_t *signature;             /* NULL when there is no .p7s */
        size_t signature_len;
};
void verity_sidecar_release(struct verity_sidecar *s);

/* Reads the sidecars of image (a name in dirfd) without following symlinks.
 * 0 when a hash file exists; -ENOENT when none does; -EBADMSG (reason in
 * *ret_error) when it is not hex; -EFBIG past the size caps. */
int verity_sidecar_read(int dirfd, const char *image, struct verity_sidecar *ret, struct dw_error *ret_error);
