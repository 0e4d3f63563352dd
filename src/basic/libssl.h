/* libssl, loaded on first use like libcrypto (libcrypto.h): only the agent's
 * TLS outputs need it. One table of the entry points, typed by the headers'
 * own declarations; the ERR_ and X509_ ones come from libcrypto through
 * libssl's handle. */
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

struct libssl {
        typeof(TLS_client_method) *TLS_client_method;
        typeof(SSL_CTX_new) *SSL_CTX_new;
        typeof(SSL_CTX_free) *SSL_CTX_free;
        typeof(SSL_CTX_ctrl) *SSL_CTX_ctrl;
        typeof(SSL_CTX_set_verify) *SSL_CTX_set_verify;
        typeof(SSL_CTX_load_verify_locations) *SSL_CTX_load_verify_locations;
        typeof(SSL_CTX_set_default_verify_paths) *SSL_CTX_set_default_verify_paths;
        typeof(SSL_CTX_use_certificate_chain_file) *SSL_CTX_use_certificate_chain_file;
        typeof(SSL_CTX_use_PrivateKey_file) *SSL_CTX_use_PrivateKey_file;
        typeof(SSL_CTX_check_private_key) *SSL_CTX_check_private_key;
        typeof(SSL_new) *SSL_new;
        typeof(SSL_free) *SSL_free;
        typeof(SSL_set_fd) *SSL_set_fd;
        typeof(SSL_ctrl) *SSL_ctrl;
        typeof(SSL_set1_host) *SSL_set1_host;
        typeof(SSL_connect) *SSL_connect;
        typeof(SSL_write) *SSL_write;
        typeof(SSL_read) *SSL_read;
        typeof(SSL_shutdown) *SSL_shutdown;
        typeof(SSL_get_error) *SSL_get_error;
        typeof(SSL_get_verify_result) *SSL_get_verify_result;
        typeof(ERR_get_error) *ERR_get_error;
        typeof(ERR_error_string_n) *ERR_error_string_n;
        typeof(ERR_clear_error) *ERR_clear_error;
        typeof(X509_verify_cert_error_string) *X509_verify_cert_error_string;
};

extern struct libssl libssl;

/* 0, or -ELIBACC / -ELIBBAD (dlopen_symbols()). Thread-safe, once. */
int libssl_load(void);
