/* Discoverable disk images; see ddi.h.
 *
 * libblkid (loaded on the first image with a GPT header, libblkid-dl.h)
 * reads the GPT (its CRCs, the backup header when the primary is damaged, the
 * UTF-16 names); before it does, the headers' declared entry count is checked
 * here, since libblkid reads whatever entry array a header declares (up to
 * 4 GiB of a sparse file). */
#define _GNU_SOURCE
#include "ddi.h"
#include "libblkid-dl.h"

#include <errno.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* DPS's table of partition type UUIDs (../shared/fixtures/discoverable-partitions-spec.md),
 * every row with an SD_GPT_* name, in the spec's order. */
static const struct dps_type dps_types[] = {
        { "6523f8ae-3eb1-4e2a-a05a-18b695ae656f", "root-alpha", DPS_ROOT, DPS_DATA, "alpha" },
        { "d27f46ed-2919-4cb8-bd25-9531f3c16534", "root-arc", DPS_ROOT, DPS_DATA, "arc" },
        { "69dad710-2ce4-4e3c-b16c-21a1d49abed3", "root-arm", DPS_ROOT, DPS_DATA, "arm" },
        { "b921b045-1df0-41c3-af44-4c6f280d3fae", "root-arm64", DPS_ROOT, DPS_DATA, "arm64" },
        { "993d8d3d-f80e-4225-855a-9daf8ed7ea97", "root-ia64", DPS_ROOT, DPS_DATA, "ia64" },
        { "77055800-792c-4f94-b39a-98c91b762bb6", "root-loongarch64", DPS_ROOT, DPS_DATA, "loongarch64" },
        { "37c58c8a-d913-4156-a25f-48b1b64e07f0", "root-mips-le", DPS_ROOT, DPS_DATA, "mips-le" },
        { "700bda43-7a34-4507-b179-eeb93d7a7ca3", "root-mips64-le", DPS_ROOT, DPS_DATA, "mips64-le" },
        { "1aacdb3b-5444-4138-bd9e-e5c2239b2346", "root-parisc", DPS_ROOT, DPS_DATA, "parisc" },
        { "1de3f1ef-fa98-47b5-8dcd-4a860a654d78", "root-ppc", DPS_ROOT, DPS_DATA, "ppc" },
        { "912ade1d-a839-4913-8964-a10eee08fbd2", "root-ppc64", DPS_ROOT, DPS_DATA, "ppc64" },
        { "c31c45e6-3f39-412e-80fb-4809c4980599", "root-ppc64-le", DPS_ROOT, DPS_DATA, "ppc64-le" },
        { "60d5a7fe-8e7d-435c-b714-3dd8162144e1", "root-riscv32", DPS_ROOT, DPS_DATA, "riscv32" },
        { "72ec70a6-cf74-40e6-bd49-4bda08e8f224", "root-riscv64", DPS_ROOT, DPS_DATA, "riscv64" },
        { "08a7acea-624c-4a20-91e8-6e0fa67d23f9", "root-s390", DPS_ROOT, DPS_DATA, "s390" },
        { "5eead9a9-fe09-4a1e-a1d7-520d00531306", "root-s390x", DPS_ROOT, DPS_DATA, "s390x" },
        { "c50cdd70-3862-4cc3-90e1-809a8c93ee2c", "root-tilegx", DPS_ROOT, DPS_DATA, "tilegx" },
        { "44479540-f297-41b2-9af7-d131d5f0458a", "root-x86", DPS_ROOT, DPS_DATA, "x86" },
        { "4f68bce3-e8cd-4db1-96e7-fbcaf984b709", "root-x86-64", DPS_ROOT, DPS_DATA, "x86-64" },
        { "e18cf08c-33ec-4c0d-8246-c6c6fb3da024", "usr-alpha", DPS_USR, DPS_DATA, "alpha" },
        { "7978a683-6316-4922-bbee-38bff5a2fecc", "usr-arc", DPS_USR, DPS_DATA, "arc" },
        { "7d0359a3-02b3-4f0a-865c-654403e70625", "usr-arm", DPS_USR, DPS_DATA, "arm" },
        { "b0e01050-ee5f-4390-949a-9101b17104e9", "usr-arm64", DPS_USR, DPS_DATA, "arm64" },
        { "4301d2a6-4e3b-4b2a-bb94-9e0b2c4225ea", "usr-ia64", DPS_USR, DPS_DATA, "ia64" },
        { "e611c702-575c-4cbe-9a46-434fa0bf7e3f", "usr-loongarch64", DPS_USR, DPS_DATA, "loongarch64" },
        { "0f4868e9-9952-4706-979f-3ed3a473e947", "usr-mips-le", DPS_USR, DPS_DATA, "mips-le" },
        { "c97c1f32-ba06-40b4-9f22-236061b08aa8", "usr-mips64-le", DPS_USR, DPS_DATA, "mips64-le" },
        { "dc4a4480-6917-4262-a4ec-db9384949f25", "usr-parisc", DPS_USR, DPS_DATA, "parisc" },
        { "7d14fec5-cc71-415d-9d6c-06bf0b3c3eaf", "usr-ppc", DPS_USR, DPS_DATA, "ppc" },
        { "2c9739e2-f068-46b3-9fd0-01c5a9afbcca", "usr-ppc64", DPS_USR, DPS_DATA, "ppc64" },
        { "15bb03af-77e7-4d4a-b12b-c0d084f7491c", "usr-ppc64-le", DPS_USR, DPS_DATA, "ppc64-le" },
        { "b933fb22-5c3f-4f91-af90-e2bb0fa50702", "usr-riscv32", DPS_USR, DPS_DATA, "riscv32" },
        { "beaec34b-8442-439b-a40b-984381ed097d", "usr-riscv64", DPS_USR, DPS_DATA, "riscv64" },
        { "cd0f869b-d0fb-4ca0-b141-9ea87cc78d66", "usr-s390", DPS_USR, DPS_DATA, "s390" },
        { "8a4f5770-50aa-4ed3-874a-99b710db6fea", "usr-s390x", DPS_USR, DPS_DATA, "s390x" },
        { "55497029-c7c1-44cc-aa39-815ed1558630", "usr-tilegx", DPS_USR, DPS_DATA, "tilegx" },
        { "75250d76-8cc6-458e-bd66-bd47cc81a812", "usr-x86", DPS_USR, DPS_DATA, "x86" },
        { "8484680c-9521-48c6-9c11-b0720656f69e", "usr-x86-64", DPS_USR, DPS_DATA, "x86-64" },
        { "fc56d9e9-e6e5-4c06-be32-e74407ce09a5", "root-alpha-verity", DPS_ROOT, DPS_VERITY, "alpha" },
        { "24b2d975-0f97-4521-afa1-cd531e421b8d", "root-arc-verity", DPS_ROOT, DPS_VERITY, "arc" },
        { "7386cdf2-203c-47a9-a498-f2ecce45a2d6", "root-arm-verity", DPS_ROOT, DPS_VERITY, "arm" },
        { "df3300ce-d69f-4c92-978c-9bfb0f38d820", "root-arm64-verity", DPS_ROOT, DPS_VERITY, "arm64" },
        { "86ed10d5-b607-45bb-8957-d350f23d0571", "root-ia64-verity", DPS_ROOT, DPS_VERITY, "ia64" },
        { "f3393b22-e9af-4613-a948-9d3bfbd0c535", "root-loongarch64-verity", DPS_ROOT, DPS_VERITY, "loongarch64" },
        { "d7d150d2-2a04-4a33-8f12-16651205ff7b", "root-mips-le-verity", DPS_ROOT, DPS_VERITY, "mips-le" },
        { "16b417f8-3e06-4f57-8dd2-9b5232f41aa6", "root-mips64-le-verity", DPS_ROOT, DPS_VERITY, "mips64-le" },
        { "d212a430-fbc5-49f9-a983-a7feef2b8d0e", "root-parisc-verity", DPS_ROOT, DPS_VERITY, "parisc" },
        { "906bd944-4589-4aae-a4e4-dd983917446a", "root-ppc64-le-verity", DPS_ROOT, DPS_VERITY, "ppc64-le" },
        { "9225a9a3-3c19-4d89-b4f6-eeff88f17631", "root-ppc64-verity", DPS_ROOT, DPS_VERITY, "ppc64" },
        { "98cfe649-1588-46dc-b2f0-add147424925", "root-ppc-verity", DPS_ROOT, DPS_VERITY, "ppc" },
        { "ae0253be-1167-4007-ac68-43926c14c5de", "root-riscv32-verity", DPS_ROOT, DPS_VERITY, "riscv32" },
        { "b6ed5582-440b-4209-b8da-5ff7c419ea3d", "root-riscv64-verity", DPS_ROOT, DPS_VERITY, "riscv64" },
        { "7ac63b47-b25c-463b-8df8-b4a94e6c90e1", "root-s390-verity", DPS_ROOT, DPS_VERITY, "s390" },
        { "b325bfbe-c7be-4ab8-8357-139e652d2f6b", "root-s390x-verity", DPS_ROOT, DPS_VERITY, "s390x" },
        { "966061ec-28e4-4b2e-b4a5-1f0a825a1d84", "root-tilegx-verity", DPS_ROOT, DPS_VERITY, "tilegx" },
        { "2c7357ed-ebd2-46d9-aec1-23d437ec2bf5", "root-x86-64-verity", DPS_ROOT, DPS_VERITY, "x86-64" },
        { "d13c5d3b-b5d1-422a-b29f-9454fdc89d76", "root-x86-verity", DPS_ROOT, DPS_VERITY, "x86" },
        { "8cce0d25-c0d0-4a44-bd87-46331bf1df67", "usr-alpha-verity", DPS_USR, DPS_VERITY, "alpha" },
        { "fca0598c-d880-4591-8c16-4eda05c7347c", "usr-arc-verity", DPS_USR, DPS_VERITY, "arc" },
        { "c215d751-7bcd-4649-be90-6627490a4c05", "usr-arm-verity", DPS_USR, DPS_VERITY, "arm" },
        { "6e11a4e7-fbca-4ded-b9e9-e1a512bb664e", "usr-arm64-verity", DPS_USR, DPS_VERITY, "arm64" },
        { "6a491e03-3be7-4545-8e38-83320e0ea880", "usr-ia64-verity", DPS_USR, DPS_VERITY, "ia64" },
        { "f46b2c26-59ae-48f0-9106-c50ed47f673d", "usr-loongarch64-verity", DPS_USR, DPS_VERITY, "loongarch64" },
        { "46b98d8d-b55c-4e8f-aab3-37fca7f80752", "usr-mips-le-verity", DPS_USR, DPS_VERITY, "mips-le" },
        { "3c3d61fe-b5f3-414d-bb71-8739a694a4ef", "usr-mips64-le-verity", DPS_USR, DPS_VERITY, "mips64-le" },
        { "5843d618-ec37-48d7-9f12-cea8e08768b2", "usr-parisc-verity", DPS_USR, DPS_VERITY, "parisc" },
        { "ee2b9983-21e8-4153-86d9-b6901a54d1ce", "usr-ppc64-le-verity", DPS_USR, DPS_VERITY, "ppc64-le" },
        { "bdb528a5-a259-475f-a87d-da53fa736a07", "usr-ppc64-verity", DPS_USR, DPS_VERITY, "ppc64" },
        { "df765d00-270e-49e5-bc75-f47bb2118b09", "usr-ppc-verity", DPS_USR, DPS_VERITY, "ppc" },
        { "cb1ee4e3-8cd0-4136-a0a4-aa61a32e8730", "usr-riscv32-verity", DPS_USR, DPS_VERITY, "riscv32" },
        { "8f1056be-9b05-47c4-81d6-be53128e5b54", "usr-riscv64-verity", DPS_USR, DPS_VERITY, "riscv64" },
        { "b663c618-e7bc-4d6d-90aa-11b756bb1797", "usr-s390-verity", DPS_USR, DPS_VERITY, "s390" },
        { "31741cc4-1a2a-4111-a581-e00b447d2d06", "usr-s390x-verity", DPS_USR, DPS_VERITY, "s390x" },
        { "2fb4bf56-07fa-42da-8132-6b139f2026ae", "usr-tilegx-verity", DPS_USR, DPS_VERITY, "tilegx" },
        { "77ff5f63-e7b6-4633-acf4-1565b864c0e6", "usr-x86-64-verity", DPS_USR, DPS_VERITY, "x86-64" },
        { "8f461b0d-14ee-4e81-9aa9-049b6fb97abd", "usr-x86-verity", DPS_USR, DPS_VERITY, "x86" },
        { "d46495b7-a053-414f-80f7-700c99921ef8", "root-alpha-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "alpha" },
        { "143a70ba-cbd3-4f06-919f-6c05683a78bc", "root-arc-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "arc" },
        { "42b0455f-eb11-491d-98d3-56145ba9d037", "root-arm-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "arm" },
        { "6db69de6-29f4-4758-a7a5-962190f00ce3", "root-arm64-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "arm64" },
        { "e98b36ee-32ba-4882-9b12-0ce14655f46a", "root-ia64-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "ia64" },
        { "5afb67eb-ecc8-4f85-ae8e-ac1e7c50e7d0", "root-loongarch64-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "loongarch64" },
        { "c919cc1f-4456-4eff-918c-f75e94525ca5", "root-mips-le-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "mips-le" },
        { "904e58ef-5c65-4a31-9c57-6af5fc7c5de7", "root-mips64-le-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "mips64-le" },
        { "15de6170-65d3-431c-916e-b0dcd8393f25", "root-parisc-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "parisc" },
        { "d4a236e7-e873-4c07-bf1d-bf6cf7f1c3c6", "root-ppc64-le-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "ppc64-le" },
        { "f5e2c20c-45b2-4ffa-bce9-2a60737e1aaf", "root-ppc64-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "ppc64" },
        { "1b31b5aa-add9-463a-b2ed-bd467fc857e7", "root-ppc-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "ppc" },
        { "3a112a75-8729-4380-b4cf-764d79934448", "root-riscv32-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "riscv32" },
        { "efe0f087-ea8d-4469-821a-4c2a96a8386a", "root-riscv64-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "riscv64" },
        { "3482388e-4254-435a-a241-766a065f9960", "root-s390-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "s390" },
        { "c80187a5-73a3-491a-901a-017c3fa953e9", "root-s390x-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "s390x" },
        { "b3671439-97b0-4a53-90f7-2d5a8f3ad47b", "root-tilegx-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "tilegx" },
        { "41092b05-9fc8-4523-994f-2def0408b176", "root-x86-64-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "x86-64" },
        { "5996fc05-109c-48de-808b-23fa0830b676", "root-x86-verity-sig", DPS_ROOT, DPS_VERITY_SIG, "x86" },
        { "5c6e1c76-076a-457a-a0fe-f3b4cd21ce6e", "usr-alpha-verity-sig", DPS_USR, DPS_VERITY_SIG, "alpha" },
        { "94f9a9a1-9971-427a-a400-50cb297f0f35", "usr-arc-verity-sig", DPS_USR, DPS_VERITY_SIG, "arc" },
        { "d7ff812f-37d1-4902-a810-d76ba57b975a", "usr-arm-verity-sig", DPS_USR, DPS_VERITY_SIG, "arm" },
        { "c23ce4ff-44bd-4b00-b2d4-b41b3419e02a", "usr-arm64-verity-sig", DPS_USR, DPS_VERITY_SIG, "arm64" },
        { "8de58bc2-2a43-460d-b14e-a76e4a17b47f", "usr-ia64-verity-sig", DPS_USR, DPS_VERITY_SIG, "ia64" },
        { "b024f315-d330-444c-8461-44bbde524e99", "usr-loongarch64-verity-sig", DPS_USR, DPS_VERITY_SIG, "loongarch64" },
        { "3e23ca0b-a4bc-4b4e-8087-5ab6a26aa8a9", "usr-mips-le-verity-sig", DPS_USR, DPS_VERITY_SIG, "mips-le" },
        { "f2c2c7ee-adcc-4351-b5c6-ee9816b66e16", "usr-mips64-le-verity-sig", DPS_USR, DPS_VERITY_SIG, "mips64-le" },
        { "450dd7d1-3224-45ec-9cf2-a43a346d71ee", "usr-parisc-verity-sig", DPS_USR, DPS_VERITY_SIG, "parisc" },
        { "c8bfbd1e-268e-4521-8bba-bf314c399557", "usr-ppc64-le-verity-sig", DPS_USR, DPS_VERITY_SIG, "ppc64-le" },
        { "0b888863-d7f8-4d9e-9766-239fce4d58af", "usr-ppc64-verity-sig", DPS_USR, DPS_VERITY_SIG, "ppc64" },
        { "7007891d-d371-4a80-86a4-5cb875b9302e", "usr-ppc-verity-sig", DPS_USR, DPS_VERITY_SIG, "ppc" },
        { "c3836a13-3137-45ba-b583-b16c50fe5eb4", "usr-riscv32-verity-sig", DPS_USR, DPS_VERITY_SIG, "riscv32" },
        { "d2f9000a-7a18-453f-b5cd-4d32f77a7b32", "usr-riscv64-verity-sig", DPS_USR, DPS_VERITY_SIG, "riscv64" },
        { "17440e4f-a8d0-467f-a46e-3912ae6ef2c5", "usr-s390-verity-sig", DPS_USR, DPS_VERITY_SIG, "s390" },
        { "3f324816-667b-46ae-86ee-9b0c0c6c11b4", "usr-s390x-verity-sig", DPS_USR, DPS_VERITY_SIG, "s390x" },
        { "4ede75e2-6ccc-4cc8-b9c7-70334b087510", "usr-tilegx-verity-sig", DPS_USR, DPS_VERITY_SIG, "tilegx" },
        { "e7bb33fb-06cf-4e81-8273-e543b413e2e2", "usr-x86-64-verity-sig", DPS_USR, DPS_VERITY_SIG, "x86-64" },
        { "974a71c0-de41-43c3-be5d-5c5ccd1ad2c0", "usr-x86-verity-sig", DPS_USR, DPS_VERITY_SIG, "x86" },
        { "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "esp", DPS_ESP, DPS_DATA, NULL },
        { "bc13c2ff-59e6-4262-a352-b275fd6f7172", "xbootldr", DPS_XBOOTLDR, DPS_DATA, NULL },
        { "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f", "swap", DPS_SWAP, DPS_DATA, NULL },
        { "933ac7e1-2eb4-4f13-b844-0e14e2aef915", "home", DPS_HOME, DPS_DATA, NULL },
        { "3b8f8425-20e0-4f3b-907f-1a25a76f98e8", "srv", DPS_SRV, DPS_DATA, NULL },
        { "4d21b016-b534-45c2-a9fb-5c16e091fd2d", "var", DPS_VAR, DPS_DATA, NULL },
        { "7ec6f557-3bc5-4aca-b293-16ef5df639d1", "tmp", DPS_TMP, DPS_DATA, NULL },
        { "773f91ef-66d4-49b5-bd83-d683bf40ad16", "user-home", DPS_USER_HOME, DPS_DATA, NULL },
        { "0fc63daf-8483-4772-8e79-3d69d8477de4", "linux-generic", DPS_LINUX_GENERIC, DPS_DATA, NULL },
};

const struct dps_type *dps_type_lookup(const char *type_uuid)
{
        for (size_t i = 0; i < ARRAY_SIZE(dps_types); i++)
                if (strcasecmp(dps_types[i].uuid, type_uuid) == 0)
                        return &dps_types[i];
        return NULL;
}

const char *dps_host_arch(void)
{
#if defined(__x86_64__)
        return "x86-64";
#elif defined(__aarch64__)
        return "arm64";
#elif defined(__i386__)
        return "x86";
#elif defined(__arm__)
        return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
        return "riscv64";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        return "ppc64-le";
#elif defined(__s390x__)
        return "s390x";
#elif defined(__loongarch64)
        return "loongarch64";
#else
        return NULL;
#endif
}

struct ddi *ddi_free(struct ddi *d)
{
        if (!d)
                return NULL;
        for (size_t i = 0; i < d->n_partitions; i++)
                free(d->partitions[i].label);
        free(d->partitions);
        if (d->sig) {
                verity_sig_json_release(d->sig);
                free(d->sig);
        }
        free(d->signature_error);
        free(d);
        return NULL;
}

/* Reads exactly n bytes at offset: 0, -EIO when the image ends before, -errno. */
static int pread_full(int fd, void *buf, size_t n, uint64_t offset)
{
        char *p = buf;

        while (n > 0) {
                ssize_t k = pread(fd, p, n, (off_t) offset);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return negative_errno();
                if (k == 0)
                        return -EIO;
                p += k;
                n -= (size_t) k;
                offset += (uint64_t) k;
        }
        return 0;
}

static uint32_t le32(const uint8_t *p)
{
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* Looks at every place a GPT header may be (LBA 1 and the last LBA, for 512-
 * and 4096-byte sectors): 1 when one is there, 0 when none, -E2BIG (with
 * the count in *ret_declared) when one declares more entries than we read. */
static int gpt_headers_check(int fd, uint64_t size, uint32_t *ret_declared)
{
        const uint64_t sectors[] = { 512, 4096 };
        int found = 0;

        for (size_t s = 0; s < ARRAY_SIZE(sectors); s++) {
                uint64_t at[2] = { sectors[s], size >= 2 * sectors[s] ? size - sectors[s] : 0 };

                for (size_t i = 0; i < 2; i++) {
                        uint8_t h[92];
                        uint32_t entries;

                        if (at[i] == 0 || at[i] + sizeof(h) > size || pread_full(fd, h, sizeof(h), at[i]) < 0)
                                continue;
                        if (memcmp(h, "EFI PART", 8) != 0)
                                continue;
                        found = 1;
                        entries = le32(h + 80);
                        if (entries > DDI_GPT_ENTRIES_MAX) {
                                *ret_declared = entries;
                                return -E2BIG;
                        }
                }
        }
        return found;
}

/* libblkid's entry points, once ddi_read() loaded them (always the same table). */
static const struct libblkid_api *bk;

static void blkid_probe_freep(blkid_probe *pr)
{
        if (*pr)
                bk->free_probe(*pr);
}

static void lowercase_uuid(char out[37], const char *in)
{
        size_t i;

        for (i = 0; in && in[i] && i < 36; i++)
                out[i] = in[i] >= 'A' && in[i] <= 'Z' ? (char) (in[i] - 'A' + 'a') : in[i];
        out[i] = '\0';
}

/* Copies the partitions of the GPT in pl into d, each extent checked. */
static int copy_partitions(struct ddi *d, blkid_partlist pl, const char *name, struct dw_error *ret_error)
{
        blkid_parttable table = bk->partlist_get_table(pl);
        int n = bk->partlist_numof_partitions(pl);

        if (n < 0)
                return dw_error_set(ret_error, -EBADMSG, name, "'%s': cannot read the GPT's partitions", name);
        if (n > DDI_PARTITIONS_MAX)
                return dw_error_set(ret_error, -E2BIG, name, "'%s': %d partitions (at most %d are read)", name, n,
                                    DDI_PARTITIONS_MAX);
        d->partitions = calloc(n > 0 ? (size_t) n : 1, sizeof(*d->partitions));
        if (!d->partitions)
                return -ENOMEM;
        for (int i = 0; i < n; i++) {
                blkid_partition par = bk->partlist_get_partition(pl, i);
                struct ddi_partition *p = &d->partitions[d->n_partitions];
                blkid_loff_t start, len;
                const char *label;

                if (!par || bk->partition_get_table(par) != table)
                        continue;       /* a nested table's, not the GPT's */
                start = bk->partition_get_start(par);
                len = bk->partition_get_size(par);
                p->number = (unsigned) bk->partition_get_partno(par);
                lowercase_uuid(p->type_uuid, bk->partition_get_type_string(par));
                lowercase_uuid(p->uuid, bk->partition_get_uuid(par));
                label = bk->partition_get_name(par);
                if (label && *label) {
                        p->label = strdup(label);
                        if (!p->label)
                                return -ENOMEM;
                }
                p->attributes = bk->partition_get_flags(par);
                p->type = dps_type_lookup(p->type_uuid);
                d->n_partitions++;
                /* libblkid counts in 512-byte sectors whatever the device's. */
                if (start < 0 || len < 0 || (uint64_t) start > UINT64_MAX / 512 || (uint64_t) len > UINT64_MAX / 512)
                        return dw_error_set(ret_error, -EBADMSG, name, "'%s': partition %u has an impossible extent",
                                            name, p->number);
                p->offset = (uint64_t) start * 512;
                p->size = (uint64_t) len * 512;
                if (p->offset > d->image_size || p->size > d->image_size - p->offset)
                        return dw_error_set(ret_error, -EBADMSG, name,
                                            "'%s': partition %u ends at byte %llu, past the end of the image (%llu bytes): truncated",
                                            name, p->number, (unsigned long long) p->offset + p->size,
                                            (unsigned long long) d->image_size);
                if (p->offset < 1024)
                        return dw_error_set(ret_error, -EBADMSG, name,
                                            "'%s': partition %u overlaps the partition table", name, p->number);
        }
        return 0;
}

static const struct ddi_partition *find_partition(const struct ddi *d, enum dps_designator des, enum dps_role role,
                                                  const char *arch)
{
        for (size_t i = 0; i < d->n_partitions; i++) {
                const struct dps_type *t = d->partitions[i].type;

                if (t && t->designator == des && t->role == role && t->arch && arch && strcmp(t->arch, arch) == 0)
                        return &d->partitions[i];
        }
        return NULL;
}

static void uuid_hex(char out[33], const char *uuid)
{
        size_t k = 0;

        for (size_t i = 0; uuid[i] && k < 32; i++)
                if (uuid[i] != '-')
                        out[k++] = uuid[i];
        out[k] = '\0';
}

/* The root hash the UUIDs of data and verity encode (ddi.h). */
static void roothash_from_uuids(struct ddi *d)
{
        char a[33], b[33];

        if (!d->data || !d->verity)
                return;
        uuid_hex(a, d->data->uuid);
        uuid_hex(b, d->verity->uuid);
        if (strlen(a) != 32 || strlen(b) != 32)
                return;
        snprintf(d->roothash, sizeof(d->roothash), "%s%s", a, b);
}

/* Reads the signature partition's JSON into d->sig, or its failure into d->signature_error. */
static int read_signature(struct ddi *d, int fd)
{
        struct dw_error err = {};
        _cleanup_(freep) char *buf = NULL;
        _cleanup_(freep) struct verity_sig_json *j = NULL;
        size_t n = d->signature->size < VERITY_SIG_JSON_MAX ? (size_t) d->signature->size : VERITY_SIG_JSON_MAX;
        int r;

        buf = malloc(n + 1);
        j = calloc(1, sizeof(*j));
        if (!buf || !j)
                return -ENOMEM;
        r = pread_full(fd, buf, n, d->signature->offset);
        if (r < 0)
                return r;
        buf[n] = '\0';
        if (d->signature->size > n && strnlen(buf, n) == n)
                r = dw_error_set(&err, -EFBIG, NULL, "signature JSON larger than %zu bytes", VERITY_SIG_JSON_MAX);
        else
                r = verity_sig_json_parse(buf, n, j, &err);
        if (r == -ENOMEM) {
                dw_error_release(&err);
                return r;
        }
        if (r < 0) {
                d->signature_error = strdup(dw_error_reason(&err));
                dw_error_release(&err);
                return d->signature_error ? 0 : -ENOMEM;
        }
        d->sig = TAKE_PTR(j);
        return 0;
}

static bool roothash_consistent(const struct ddi *d)
{
        size_t n;

        if (!d->sig || !d->roothash[0])
                return false;
        n = strlen(d->sig->root_hash);
        if (n < 64)
                return false;
        return strncmp(d->sig->root_hash, d->roothash, 32) == 0 &&
               strcmp(d->sig->root_hash + n - 32, d->roothash + 32) == 0;
}

int ddi_read(int fd, const char *name, const char *arch, struct ddi **ret, struct dw_error *ret_error)
{
        _cleanup_(ddi_freep) struct ddi *d = NULL;
        _cleanup_(blkid_probe_freep) blkid_probe pr = NULL;
        blkid_partlist pl;
        blkid_parttable table;
        const char *type;
        struct stat st;
        uint32_t declared = 0;
        int r;

        if (fstat(fd, &st) < 0) {
                r = negative_errno();
                return dw_error_set(ret_error, r, name, "cannot stat '%s': %s", name, strerror(-r));
        }
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        if (S_ISREG(st.st_mode))
                d->image_size = (uint64_t) st.st_size;
        else if (S_ISBLK(st.st_mode)) {
                if (ioctl(fd, BLKGETSIZE64, &d->image_size) < 0) {
                        r = negative_errno();
                        return dw_error_set(ret_error, r, name, "cannot size '%s': %s", name, strerror(-r));
                }
        } else
                return dw_error_set(ret_error, -EINVAL, name, "'%s' is not a regular file or block device", name);
        d->arch = arch ? arch : dps_host_arch();

        r = gpt_headers_check(fd, d->image_size, &declared);
        if (r == -E2BIG)
                return dw_error_set(ret_error, r, name, "'%s': the GPT declares %u partition entries (at most %d are read)",
                                    name, declared, DDI_GPT_ENTRIES_MAX);
        if (r == 0)
                return dw_error_set(ret_error, -EMEDIUMTYPE, name, "'%s' has no GPT partition table", name);

        r = libblkid_load(&bk);
        if (r < 0)
                return dw_error_set(ret_error, r, name, "cannot read the GPT of '%s': libblkid cannot be loaded", name);
        pr = bk->new_probe();
        if (!pr)
                return -ENOMEM;
        errno = 0;
        if (bk->probe_set_device(pr, fd, 0, 0) < 0)
                return dw_error_set(ret_error, errno > 0 ? -errno : -EIO, name, "'%s': libblkid cannot probe it", name);
        bk->probe_enable_superblocks(pr, 0);
        bk->probe_enable_partitions(pr, 1);
        pl = bk->probe_get_partitions(pr);
        table = pl ? bk->partlist_get_table(pl) : NULL;
        type = table ? bk->parttable_get_type(table) : NULL;
        if (!type)
                return dw_error_set(ret_error, -EBADMSG, name,
                                    "'%s' has a GPT header but no valid partition table: truncated or corrupt", name);
        if (strcmp(type, "gpt") != 0)
                return dw_error_set(ret_error, -EBADMSG, name,
                                    "'%s' has a GPT header but libblkid reads a '%s' partition table: corrupt", name,
                                    type);
        r = copy_partitions(d, pl, name, ret_error);
        if (r < 0)
                return r;

        d->data = find_partition(d, DPS_USR, DPS_DATA, d->arch);
        if (!d->data)
                d->data = find_partition(d, DPS_ROOT, DPS_DATA, d->arch);
        if (d->data) {
                enum dps_designator des = d->data->type->designator;

                d->verity = find_partition(d, des, DPS_VERITY, d->arch);
                d->signature = find_partition(d, des, DPS_VERITY_SIG, d->arch);
        }
        roothash_from_uuids(d);
        if (d->signature) {
                r = read_signature(d, fd);
                if (r < 0)
                        return dw_error_set(ret_error, r, name, "cannot read the signature partition of '%s': %s", name,
                                            strerror(-r));
        }
        d->roothash_consistent = roothash_consistent(d);
        *ret = TAKE_PTR(d);
        return 0;
}

int ddi_signature_check(const struct ddi *d, const struct verity_trust *trust, struct verity_sig_result *ret)
{
        if (!d->sig) {
                *ret = (struct verity_sig_result) { .status = VERITY_SIG_NONE };
                return 0;
        }
        return verity_signature_check(trust, d->sig->root_hash, d->sig->signature, d->sig->signature_len, ret);
}
