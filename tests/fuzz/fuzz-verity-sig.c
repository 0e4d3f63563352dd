/* Fuzz harness for the verity signature JSON and the PKCS#7 check: the
 * input through verity_sig_json_parse(); what parses is checked with
 * verity_signature_check() against no trusted certificate (a well-formed
 * signature can only be of an unknown signer, anything else invalid), and
 * the input itself is checked as a DER signature the same way. Reasons are
 * one printable line. Any bytes in, never a crash or a leak. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "host/verity-sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct verity_trust *trust;

static void check(const char *hash, const uint8_t *der, size_t len)
{
        struct verity_sig_result res = {};

        if (verity_signature_check(trust, hash, der, len, &res) < 0)
                abort();
        if (res.status == VERITY_SIG_VALID || (len > 0 && res.status == VERITY_SIG_NONE))
                abort();
        if (res.reason && has_control(res.reason, strlen(res.reason)))
                abort();
        verity_sig_result_release(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const no_dirs[] = { "nonexistent" };
        struct verity_sig_json j = {};
        struct dw_error err = {};
        int r;

        if (!trust && verity_trust_load("/", no_dirs, 0, &trust, NULL) < 0)
                abort();
        r = verity_sig_json_parse((const char *) data, size, &j, &err);
        if (r >= 0) {
                if (strlen(j.root_hash) % 2 || j.signature_len == 0 || j.signature_len > VERITY_SIG_MAX)
                        abort();
                check(j.root_hash, j.signature, j.signature_len);
                verity_sig_json_release(&j);
        } else if ((r != -EBADMSG && r != -EFBIG) || !err.reason || has_control(err.reason, strlen(err.reason)))
                abort();
        dw_error_release(&err);
        check("00ff", data, size);
        return 0;
}
