/*
 * threadsig.c (Linux): thread ids and directed signals (threadsig.h), as
 * the gettid and tgkill system calls.
 */
#define _GNU_SOURCE
#include "threadsig.h"

#include <sys/syscall.h>
#include <unistd.h>

int64_t llgi_thread_id(int *main) {
  pid_t tid = (pid_t)syscall(SYS_gettid);
  *main = tid == getpid();
  return tid;
}

void llgi_thread_raise(int sig) { syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig); }
