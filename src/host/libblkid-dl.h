/* libblkid (util-linux), loaded on first use: only ddi.c reads partition
 * tables with it, and only for an image that has a GPT header, so every
 * other command (and the inventory of hosts without disk images) starts
 * without mapping it (tests/e2e/test-lazy-libs.sh). */
#pragma once

#include <blkid/blkid.h>

/* The entry points used, named as libblkid names them without "blkid_". */
struct libblkid_api {
        typeof(blkid_new_probe) *new_probe;
        typeof(blkid_free_probe) *free_probe;
        typeof(blkid_probe_set_device) *probe_set_device;
        typeof(blkid_probe_enable_superblocks) *probe_enable_superblocks;
        typeof(blkid_probe_enable_partitions) *probe_enable_partitions;
        typeof(blkid_probe_get_partitions) *probe_get_partitions;
        typeof(blkid_partlist_get_table) *partlist_get_table;
        typeof(blkid_partlist_numof_partitions) *partlist_numof_partitions;
        typeof(blkid_partlist_get_partition) *partlist_get_partition;
        typeof(blkid_parttable_get_type) *parttable_get_type;
        typeof(blkid_partition_get_table) *partition_get_table;
        typeof(blkid_partition_get_start) *partition_get_start;
        typeof(blkid_partition_get_size) *partition_get_size;
        typeof(blkid_partition_get_partno) *partition_get_partno;
        typeof(blkid_partition_get_type_string) *partition_get_type_string;
        typeof(blkid_partition_get_uuid) *partition_get_uuid;
        typeof(blkid_partition_get_name) *partition_get_name;
        typeof(blkid_partition_get_flags) *partition_get_flags;
};

/* The entry points, resolved once: 0 and *ret, or -ELIBACC / -ELIBBAD
 * (libblkid missing or too old). */
int libblkid_load(const struct libblkid_api **ret);
