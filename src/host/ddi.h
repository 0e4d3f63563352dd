/* Discoverable disk images (DDIs): the GPT of a disk image read through
 * libblkid, every partition named by the Discoverable Partitions
 * Specification (DPS) where its type is one of the spec's, the partitions
 * that make an extension (the /usr or root partition for an architecture,
 * its verity hash partition and its verity signature partition), the verity
 * root hash those partitions' UUIDs encode, and the signature partition's
 * JSON. Nothing is mounted and no file system is read: the file system of
 * the data partition is for fs-reader.h, at the partition's extent.
 *
 * Bounds: at most DDI_GPT_ENTRIES_MAX partition entries declared by a GPT
 * header and DDI_PARTITIONS_MAX partitions in use (-E2BIG), every extent
 * inside the image (-EBADMSG: truncated), the signature JSON read up to
 * VERITY_SIG_JSON_MAX bytes. Library code: never prints; a failure's reason
 * names the image. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"
#include "basic/macros.h"
#include "host/verity-sig.h"

#define DDI_GPT_ENTRIES_MAX 1024
#define DDI_PARTITIONS_MAX 128

/* What DPS says a partition type is for. */
enum dps_designator {
        DPS_ROOT,
        DPS_USR,
        DPS_ESP,
        DPS_XBOOTLDR,
        DPS_SWAP,
        DPS_HOME,
        DPS_SRV,
        DPS_VAR,
        DPS_TMP,
        DPS_USER_HOME,
        DPS_LINUX_GENERIC,
};

enum dps_role {
        DPS_DATA,               /* the file system (or swap) itself */
        DPS_VERITY,             /* dm-verity hash data for the data partition */
        DPS_VERITY_SIG,         /* JSON: the root hash and its PKCS#7 signature */
};

/* One row of DPS's table of partition type UUIDs. */
struct dps_type {
        const char *uuid;       /* lowercase, "4f68bce3-e8cd-4db1-96e7-fbcaf984b709" */
        const char *name;       /* systemd's name: "root-x86-64", "usr-arm64-verity-sig", "esp" */
        enum dps_designator designator;
        enum dps_role role;
        const char *arch;       /* systemd's architecture name ("x86-64", "arm64"), NULL when not per-architecture */
};

/* The DPS row of a type UUID (either case), or NULL. Every row of the spec
 * that has an SD_GPT_* name: root, usr and their -verity and -verity-sig for
 * alpha, arc, arm, arm64, ia64, loongarch64, mips-le, mips64-le, parisc,
 * ppc, ppc64, ppc64-le, riscv32, riscv64, s390, s390x, tilegx, x86 and
 * x86-64; esp, xbootldr, swap, home, srv, var, tmp, user-home and
 * linux-generic. */
const struct dps_type *dps_type_lookup(const char *type_uuid);

/* The architecture this program was built for, in systemd's naming
 * ("x86-64", "arm64", ...), or NULL for one DPS has no types for. */
const char *dps_host_arch(void);

struct ddi_partition {
        unsigned number;                /* GPT entry number, from 1 */
        char type_uuid[37];             /* lowercase */
        char uuid[37];                  /* lowercase */
        char *label;                    /* the GPT name (UTF-8), or NULL when empty */
        uint64_t offset;                /* bytes from the start of the image */
        uint64_t size;                  /* bytes */
        uint64_t attributes;            /* GPT attribute bits (63 no-auto, 60 read-only, 59 grow-fs) */
        const struct dps_type *type;    /* NULL: not a DPS type */
};

struct ddi {
        uint64_t image_size;
        struct ddi_partition *partitions;
        size_t n_partitions;
        /* The partitions that make the image an extension, for arch: the
         * first usr partition of arch, or else the first root partition, and
         * the first verity and verity signature partitions of the same
         * designator and arch. NULL when absent. */
        const char *arch;
        const struct ddi_partition *data, *verity, *signature;
        /* The verity root hash as DPS encodes it in the partition UUIDs: the
         * data partition's UUID is its first 128 bits, the verity partition's
         * its last 128 bits (lowercase hex, the UUIDs' digits in order, as
         * systemd-repart assigns them). "" when data or verity is absent. */
        char roothash[65];
        /* The signature partition's JSON; NULL when there is no signature
         * partition or its JSON is malformed (then signature_error says why). */
        struct verity_sig_json *sig;
        char *signature_error;
        /* The JSON's rootHash agrees with the UUIDs: equal for a 256-bit
         * hash; for a longer one, its first and last 128 bits match. False
         * when either is missing. */
        bool roothash_consistent;
};

/* Reads the GPT DDI open at fd (a regular file or a block device); name is
 * the image as the caller names it, for the reasons. arch: systemd's name of
 * the architecture whose partitions matter (NULL: dps_host_arch()).
 * On success *ret owns the result (ddi_free). Errors, with a reason naming
 * the image in *ret_error:
 *   -EMEDIUMTYPE  no GPT (no "EFI PART" header): not a DDI, maybe a bare file system
 *   -EBADMSG      a GPT header, but no valid table, or a partition past the end
 *                 of the image (a truncated image), or overlapping the GPT
 *   -E2BIG        more than DDI_GPT_ENTRIES_MAX entries declared, or more than
 *                 DDI_PARTITIONS_MAX partitions
 *   -EINVAL       fd is not a regular file or block device
 *   -errno        reading failed, -ENOMEM */
int ddi_read(int fd, const char *name, const char *arch, struct ddi **ret, struct dw_error *ret_error);
struct ddi *ddi_free(struct ddi *d);
DEFINE_FREEP(struct ddi, ddi_free);

/* Checks the signature partition's signature over its rootHash against
 * trust (verity_signature_check()); VERITY_SIG_NONE when there is no
 * signature partition or its JSON is malformed (see d->signature_error). */
int ddi_signature_check(const struct ddi *d, const struct verity_trust *trust, struct verity_sig_result *ret);
