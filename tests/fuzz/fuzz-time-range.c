/* Fuzz harness for the --since / --until parser (src/basic/time-range.h): the
 * input is split at its first NUL or newline into the two arguments, each
 * parsed with time_range_parse and time_range_parse_boot at a few "now" and
 * boot times (the ends of the range included) in a time zone the first byte
 * picks. A time is 0 or -EINVAL, within 1970..9999, the same every time it is
 * parsed, and only "boot" depends on the boot time; never a crash. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/time-range.h"
#include "basic/time-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MS ((uint64_t) TIME_MAX_SECONDS * 1000 + 999)

/* Zones with daylight saving, half-hour offsets and a date-line jump. */
static const char *const zones[] = {
        "UTC0", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia", "Asia/Kolkata",
};

static void parse(const char *s)
{
        static const time_t nows[] = { 1700000000, 0, 86399, TIME_MAX_SECONDS };
        uint64_t ms, again, boot_ms;
        int r, r2;

        for (size_t i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
                time_t now = nows[i];

                ms = UINT64_MAX;
                r = time_range_parse_boot(s, now, now / 2, &ms);
                if (r != 0 && r != -EINVAL)
                        abort();
                if (r < 0 && ms != UINT64_MAX)
                        abort();                /* *ret_ms untouched on failure */
                if (r == 0 && ms > MAX_MS)
                        abort();
                r2 = time_range_parse_boot(s, now, now / 2, &again);
                if (r2 != r || (r == 0 && again != ms))
                        abort();
                /* Another boot time: only "boot" may change. */
                r2 = time_range_parse_boot(s, now, -1, &boot_ms);
                if (strcmp(s, "boot") != 0 && (r2 != r || (r == 0 && boot_ms != ms)))
                        abort();
                (void) time_range_parse(s, now, &again);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *since, *until;
        size_t cut;

        if (size == 0)
                return 0;
        if (setenv("TZ", zones[data[0] % (sizeof(zones) / sizeof(zones[0]))], 1) < 0)
                return 0;
        data++, size--;
        for (cut = 0; cut < size && data[cut] != '\0' && data[cut] != '\n'; cut++)
                ;
        since = strndup((const char *) data, cut);
        until = cut < size ? strndup((const char *) data + cut + 1, size - cut - 1) : strdup("");
        if (since && until) {
                parse(since);
                parse(until);
        }
        free(since);
        free(until);
        return 0;
}
