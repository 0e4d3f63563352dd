/* libcrypto, loaded on first use rather than linked: mapping and relocating
 * it is most of a process's start-up, and commands that hash or verify
 * nothing (--version, help, audit, status) should not pay for it. One table
 * of the entry points every user needs (SHA-256 in sha256.c, PKCS#7 and X.509
 * in host/verity-sig.c), one loader, typed by the headers' own declarations.
 *
 * OpenSSL's stack macros (sk_X509_*) are inline functions calling
 * OPENSSL_sk_*: callers use the OPENSSL_sk_* entries below with casts. */
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

struct libcrypto {
        /* SHA-256 */
        typeof(EVP_MD_fetch) *EVP_MD_fetch;
        typeof(EVP_MD_free) *EVP_MD_free;
        typeof(EVP_MD_CTX_new) *EVP_MD_CTX_new;
        typeof(EVP_MD_CTX_free) *EVP_MD_CTX_free;
        typeof(EVP_DigestInit_ex) *EVP_DigestInit_ex;
        typeof(EVP_DigestUpdate) *EVP_DigestUpdate;
        typeof(EVP_DigestFinal_ex) *EVP_DigestFinal_ex;
        /* PKCS#7 signatures and X.509 certificates */
        typeof(BIO_new_mem_buf) *BIO_new_mem_buf;
        typeof(BIO_free) *BIO_free;
        typeof(d2i_PKCS7) *d2i_PKCS7;
        typeof(PKCS7_free) *PKCS7_free;
        typeof(PKCS7_verify) *PKCS7_verify;
        typeof(PKCS7_get0_signers) *PKCS7_get0_signers;
        typeof(PEM_read_bio_X509) *PEM_read_bio_X509;
        typeof(X509_free) *X509_free;
        typeof(X509_get_subject_name) *X509_get_subject_name;
        typeof(X509_NAME_oneline) *X509_NAME_oneline;
        typeof(X509_digest) *X509_digest;
        typeof(EVP_sha256) *EVP_sha256;
        typeof(OPENSSL_sk_new_null) *OPENSSL_sk_new_null;
        typeof(OPENSSL_sk_push) *OPENSSL_sk_push;
        typeof(OPENSSL_sk_num) *OPENSSL_sk_num;
        typeof(OPENSSL_sk_value) *OPENSSL_sk_value;
        typeof(OPENSSL_sk_free) *OPENSSL_sk_free;
        typeof(ERR_clear_error) *ERR_clear_error;
        typeof(CRYPTO_free) *CRYPTO_free;
};

/* The entry points, valid once libcrypto_load() returned 0. */
extern struct libcrypto libcrypto;

/* Loads libcrypto once per process (later calls return the first result):
 * 0, -ELIBACC when it cannot be loaded, -ELIBBAD when it lacks an entry point.
 * Thread-safe. */
int libcrypto_load(void);
