/*
 * vmread.h: the platform's read of this process's memory that fails instead
 * of faulting, for the walk off a thread's own stack (walk.c, once per
 * frame: hence a static inline function) and for llgi_safe_read
 * (saferead.c). Every platform's folder has one; a file that includes it
 * defines _GNU_SOURCE first (Linux needs glibc's extensions for it).
 *
 * static inline int llgi_vm_read(uintptr_t addr, void *dst, size_t n):
 * 1 when all n bytes at addr were copied to dst; 0 when they are not all
 * readable; -1 when the platform refuses the read itself (then every later
 * call would be refused too). Async-signal-safe, thread-safe, no allocation,
 * no lock; may change errno.
 *
 * Linux: process_vm_readv on this process, one system call (about 0.3 us).
 */
#ifndef LLGI_VMREAD_H
#define LLGI_VMREAD_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <unistd.h>

static inline int llgi_vm_read(uintptr_t addr, void *dst, size_t n) {
  struct iovec local = {dst, n};
  struct iovec remote = {(void *)addr, n};
  ssize_t r = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
  if (r == (ssize_t)n) return 1;
  return r < 0 && (errno == ENOSYS || errno == EPERM) ? -1 : 0;
}

#endif /* LLGI_VMREAD_H */
