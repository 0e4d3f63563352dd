/* libcrypto loaded on first use; see libcrypto.h. */
#include "libcrypto.h"

#include <openssl/opensslv.h>
#include <pthread.h>

#include "dlopen-util.h"
#include "macros.h"

#define STR_(x) #x
#define STR(x) STR_(x)
/* The library of the major version the headers describe. */
#define LIBCRYPTO_SONAME "libcrypto.so." STR(OPENSSL_SHLIB_VERSION)

struct libcrypto libcrypto;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_error;

#define SYM(name) DL_SYMBOL(#name, libcrypto.name)

static void load(void)
{
        const struct dl_symbol symbols[] = {
                SYM(EVP_MD_fetch),
                SYM(EVP_MD_free),
                SYM(EVP_MD_CTX_new),
                SYM(EVP_MD_CTX_free),
                SYM(EVP_DigestInit_ex),
                SYM(EVP_DigestUpdate),
                SYM(EVP_DigestFinal_ex),
                SYM(BIO_new_mem_buf),
                SYM(BIO_free),
                SYM(d2i_PKCS7),
                SYM(PKCS7_free),
                SYM(PKCS7_verify),
                SYM(PKCS7_get0_signers),
                SYM(PEM_read_bio_X509),
                SYM(X509_free),
                SYM(X509_get_subject_name),
                SYM(X509_NAME_oneline),
                SYM(X509_digest),
                SYM(EVP_sha256),
                SYM(OPENSSL_sk_new_null),
                SYM(OPENSSL_sk_push),
                SYM(OPENSSL_sk_num),
                SYM(OPENSSL_sk_value),
                SYM(OPENSSL_sk_free),
                SYM(ERR_clear_error),
                SYM(CRYPTO_free),
        };

        load_error = dlopen_symbols(LIBCRYPTO_SONAME, symbols, ARRAY_SIZE(symbols));
}

int libcrypto_load(void)
{
        pthread_once(&load_once, load);
        return load_error;
}
