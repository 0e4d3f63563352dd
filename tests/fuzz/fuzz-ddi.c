/* Fuzz harness for the DDI reader: the input as a disk image (a memfd)
 * through ddi_read(); on success every partition inside the image and
 * within the limits, the extension's partitions among them, the root hash
 * hex; on failure one of the documented errors with a printable reason
 * naming the image. Any bytes in, never a crash, a leak or a hang. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "basic/escape.h"
#include "basic/fd-util.h"
#include "basic/hex.h"
#include "host/ddi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct ddi *d, size_t size)
{
        if (d->image_size != size || d->n_partitions > DDI_PARTITIONS_MAX)
                abort();
        for (size_t i = 0; i < d->n_partitions; i++) {
                const struct ddi_partition *p = &d->partitions[i];

                if (p->offset > size || p->size > size - p->offset || strlen(p->uuid) > 36 ||
                    strlen(p->type_uuid) > 36)
                        abort();
                if (p->type && p->type != dps_type_lookup(p->type_uuid))
                        abort();
        }
        if ((d->verity || d->signature) && !d->data)
                abort();
        if (d->roothash[0] && (strlen(d->roothash) != 64 || !hex_valid(d->roothash, 64, false)))
                abort();
        if (d->sig && d->signature_error)
                abort();
        if (d->signature_error && has_control(d->signature_error, strlen(d->signature_error)))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct dw_error err = {};
        struct ddi *d = NULL;
        int fd = memfd_create("ddi", MFD_CLOEXEC), r;

        if (fd < 0 || write_all(fd, data, size) < 0)
                abort();
        r = ddi_read(fd, "fuzz.raw", NULL, &d, &err);
        if (r >= 0)
                check(d, size);
        else if (r != -EMEDIUMTYPE && r != -EBADMSG && r != -E2BIG)
                abort();
        else if (!err.reason || has_control(err.reason, strlen(err.reason)) || !strstr(err.reason, "fuzz.raw"))
                abort();
        ddi_free(d);
        dw_error_release(&err);
        close(fd);
        return 0;
}
