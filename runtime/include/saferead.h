/*
 * saferead.h: copies memory of this process that may be unmapped, with
 * process_vm_readv, which fails instead of faulting. Async-signal-safe;
 * about 0.3 us per call. The caller saves errno where it matters.
 */
#ifndef LLGI_SAFEREAD_H
#define LLGI_SAFEREAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <unistd.h>

/* 1 when all n bytes at addr were copied to dst. */
static inline int llgi_safe_read(uintptr_t addr, void *dst, size_t n) {
  struct iovec local = {dst, n};
  struct iovec remote = {(void *)addr, n};
  return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)n;
}

#endif /* LLGI_SAFEREAD_H */
