/* Worker threads; see workers.h. */
#include "workers.h"

#include <errno.h>
#include <pthread.h>
#include <unistd.h>

unsigned workers_count(unsigned requested)
{
        long c;

        if (requested == 0) {
                c = sysconf(_SC_NPROCESSORS_ONLN);
                requested = c > 0 ? (unsigned) c : 1;
        }
        return requested > WORKERS_MAX ? WORKERS_MAX : requested;
}

int workers_run(unsigned n, void *(*fn)(void *), void *args, size_t size)
{
        pthread_t tids[WORKERS_MAX];
        unsigned i, started = 0;
        int r = 0;

        if (n > WORKERS_MAX)
                n = WORKERS_MAX;
        for (i = 1; i < n; i++) {
                if (pthread_create(&tids[started], NULL, fn, (char *) args + i * size) != 0) {
                        r = -EAGAIN;
                        break;
                }
                started++;
        }
        fn(args);       /* the calling thread is worker 0 */
        for (i = 0; i < started; i++)
                pthread_join(tids[i], NULL);
        return r;
}
