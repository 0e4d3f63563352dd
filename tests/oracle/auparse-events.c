/* Test oracle: prints one line per event that libauparse assembles from an
 * audit log file, "SERIAL SECONDS.MILLIS NRECORDS", in libauparse's order.
 * NRECORDS leaves out EOE records: auparse counts an EOE when it arrives
 * before auparse considers the event finished and drops it otherwise, while
 * driftwatch never counts it (it only ends the event). Used by
 * tests/e2e/test-audit-oracle.sh against `driftwatch audit --events`.
 * Test-only: driftwatch itself does not link libauparse (see DESIGN.md). */
#include <auparse.h>
#include <stdio.h>

#define TYPE_EOE 1320

int main(int argc, char **argv)
{
        auparse_state_t *au;
        unsigned n;
        int r;

        if (argc != 2) {
                fprintf(stderr, "usage: auparse-events FILE\n");
                return 2;
        }
        au = auparse_init(AUSOURCE_FILE, argv[1]);
        if (!au) {
                perror(argv[1]);
                return 2;
        }
        while ((r = auparse_next_event(au)) > 0) {
                n = 0;
                if (auparse_first_record(au) > 0)
                        do
                                n += auparse_get_type(au) != TYPE_EOE;
                        while (auparse_next_record(au) > 0);
                printf("%lu %lld.%03u %u\n", auparse_get_serial(au), (long long) auparse_get_time(au),
                       auparse_get_milli(au), n);
        }
        auparse_destroy(au);
        if (r < 0) {
                fprintf(stderr, "auparse-events: cannot parse '%s'\n", argv[1]);
                return 1;
        }
        return 0;
}
