/* libblkid loaded on first use; see libblkid-dl.h. */
#include "libblkid-dl.h"

#include <pthread.h>

#include "basic/dlopen-util.h"
#include "basic/macros.h"

static struct libblkid_api api;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_error;

static void load(void)
{
        const struct dl_symbol symbols[] = {
                DL_SYMBOL("blkid_new_probe", api.new_probe),
                DL_SYMBOL("blkid_free_probe", api.free_probe),
                DL_SYMBOL("blkid_probe_set_device", api.probe_set_device),
                DL_SYMBOL("blkid_probe_enable_superblocks", api.probe_enable_superblocks),
                DL_SYMBOL("blkid_probe_enable_partitions", api.probe_enable_partitions),
                DL_SYMBOL("blkid_probe_get_partitions", api.probe_get_partitions),
                DL_SYMBOL("blkid_partlist_get_table", api.partlist_get_table),
                DL_SYMBOL("blkid_partlist_numof_partitions", api.partlist_numof_partitions),
                DL_SYMBOL("blkid_partlist_get_partition", api.partlist_get_partition),
                DL_SYMBOL("blkid_parttable_get_type", api.parttable_get_type),
                DL_SYMBOL("blkid_partition_get_table", api.partition_get_table),
                DL_SYMBOL("blkid_partition_get_start", api.partition_get_start),
                DL_SYMBOL("blkid_partition_get_size", api.partition_get_size),
                DL_SYMBOL("blkid_partition_get_partno", api.partition_get_partno),
                DL_SYMBOL("blkid_partition_get_type_string", api.partition_get_type_string),
                DL_SYMBOL("blkid_partition_get_uuid", api.partition_get_uuid),
                DL_SYMBOL("blkid_partition_get_name", api.partition_get_name),
                DL_SYMBOL("blkid_partition_get_flags", api.partition_get_flags),
        };

        load_error = dlopen_symbols("libblkid.so.1", symbols, ARRAY_SIZE(symbols));
}

int libblkid_load(const struct libblkid_api **ret)
{
        pthread_once(&once, load);
        if (load_error < 0)
                return load_error;
        *ret = &api;
        return 0;
}
