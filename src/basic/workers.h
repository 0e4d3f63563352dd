/* The worker threads of a parallel job: how many, and running them. The one
 * pool the walk, the ostree reader and image verification share. */
#pragma once

#include <stddef.h>

#define WORKERS_MAX 64

/* 'requested' threads, or one per online CPU for 0; at most WORKERS_MAX. */
unsigned workers_count(unsigned requested);

/* Runs fn on n threads, the calling thread being the first, and waits for all.
 * Worker i gets (char *) args + i * size (size 0: every worker gets args), so
 * per-worker state lives in an array the caller owns; the work itself comes
 * from a queue fn pulls from, so a worker that could not start costs speed,
 * not work. 0, or -EAGAIN when not every thread could be started. */
int workers_run(unsigned n, void *(*fn)(void *), void *args, size_t size);
