/*
 * threadstack.c (Linux): the calling thread's stack bounds (threadstack.h),
 * from its pthread attributes.
 */
#define _GNU_SOURCE
#include "threadstack.h"

#include <pthread.h>

int llgi_thread_stack(uintptr_t *lo, uintptr_t *hi) {
  pthread_attr_t attr;
  void *addr;
  size_t size;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  int ok = pthread_attr_getstack(&attr, &addr, &size) == 0;
  if (ok) {
    *lo = (uintptr_t)addr;
    *hi = (uintptr_t)addr + size;
  }
  pthread_attr_destroy(&attr);
  return ok;
}
