/* libssl loaded on first use; see libssl.h. */
#include "libssl.h"

#include <openssl/opensslv.h>
#include <pthread.h>

#include "dlopen-util.h"
#include "macros.h"

#define STR_(x) #x
#define STR(x) STR_(x)
/* The library of the major version the headers describe. */
#define LIBSSL_SONAME "libssl.so." STR(OPENSSL_SHLIB_VERSION)

struct libssl libssl;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_error;

#define SYM(name) DL_SYMBOL(#name, libssl.name)

static void load(void)
{
        const struct dl_symbol symbols[] = {
                SYM(TLS_client_method),
                SYM(SSL_CTX_new),
                SYM(SSL_CTX_free),
                SYM(SSL_CTX_ctrl),
                SYM(SSL_CTX_set_verify),
                SYM(SSL_CTX_load_verify_locations),
                SYM(SSL_CTX_set_default_verify_paths),
                SYM(SSL_CTX_use_certificate_chain_file),
                SYM(SSL_CTX_use_PrivateKey_file),
                SYM(SSL_CTX_check_private_key),
                SYM(SSL_new),
                SYM(SSL_free),
                SYM(SSL_set_fd),
                SYM(SSL_ctrl),
                SYM(SSL_set1_host),
                SYM(SSL_connect),
                SYM(SSL_write),
                SYM(SSL_read),
                SYM(SSL_shutdown),
                SYM(SSL_get_error),
                SYM(SSL_get_verify_result),
                SYM(ERR_get_error),
                SYM(ERR_error_string_n),
                SYM(ERR_clear_error),
                SYM(X509_verify_cert_error_string),
        };

        load_error = dlopen_symbols(LIBSSL_SONAME, symbols, ARRAY_SIZE(symbols));
}

int libssl_load(void)
{
        pthread_once(&load_once, load);
        return load_error;
}
