/* verity-verify: src/host/verity.c on the command line, in the shape of
 * `veritysetup verify`, so bench/inventory.sh can time both on the same
 * images until `driftwatch inventory --verify-verity` calls it.
 *
 *   verity-verify [--threads N] [--hash-offset BYTES] DATA HASH ROOTHASH [DATA HASH ROOTHASH...]
 *
 * Each triple is verified in turn (a superblock is required). Exit 0 when all
 * verify, 1 on a mismatch or a malformed tree, 2 on an error; one line per
 * image that does not verify. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/macros.h"
#include "host/verity.h"

static int verify_one(const char *data, const char *hash, const char *root, uint64_t hash_offset,
                      const struct verity_params *opt)
{
        _cleanup_(closep) int dfd = open(data, O_RDONLY | O_CLOEXEC);
        _cleanup_(closep) int hfd = open(hash, O_RDONLY | O_CLOEXEC);
        struct verity_result res;
        int r;

        if (dfd < 0 || hfd < 0) {
                fprintf(stderr, "verity-verify: cannot open '%s': %s\n", dfd < 0 ? data : hash, strerror(errno));
                return 2;
        }
        r = verity_verify(dfd, 0, UINT64_MAX, hfd, hash_offset, root, opt, &res);
        if (r < 0) {
                fprintf(stderr, "verity-verify: cannot verify '%s': %s\n", data, strerror(-r));
                return 2;
        }
        if (res.status == VERITY_VERIFIED)
                return 0;
        fprintf(stderr, "verity-verify: '%s': %s: %s (level %u, data block %" PRIu64 ")\n", data,
                verity_status_name(res.status), res.reason, res.bad_level, res.bad_block);
        return 1;
}

int main(int argc, char **argv)
{
        struct verity_params opt = { .superblock = true };
        uint64_t hash_offset = 0;
        int i = 1, rc = 0;

        for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
                if (strcmp(argv[i], "--threads") == 0)
                        opt.threads = (unsigned) strtoul(argv[i + 1], NULL, 10);
                else if (strcmp(argv[i], "--hash-offset") == 0)
                        hash_offset = strtoull(argv[i + 1], NULL, 10);
                else
                        break;
        }
        if (argc - i < 3 || (argc - i) % 3 != 0) {
                fprintf(stderr, "usage: verity-verify [--threads N] [--hash-offset BYTES] DATA HASH ROOTHASH...\n");
                return 2;
        }
        for (; i < argc; i += 3) {
                int r = verify_one(argv[i], argv[i + 1], argv[i + 2], hash_offset, &opt);
                if (r > rc)
                        rc = r;
        }
        return rc;
}
