/*
 * threadsig.h: the calling thread's id, and a signal sent to that thread
 * alone, for the fault handler (crash.c). Linux: gettid and tgkill
 * (runtime/src/linux/threadsig.c).
 *
 * Async-signal-safe, thread-safe, allocation- and lock-free.
 */
#ifndef LLGI_THREADSIG_H
#define LLGI_THREADSIG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The calling thread's id as the OS numbers threads; *main is set to 1 on
 * the process's main thread, else 0. */
int64_t llgi_thread_id(int *main);

/* Sends `sig` to the calling thread only, as a fault would. */
void llgi_thread_raise(int sig);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_THREADSIG_H */
