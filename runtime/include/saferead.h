/*
 * saferead.h: copies memory of this process that may be unmapped, for the
 * fault handler and its helpers (crash.c, callsite.c, membuildid.c).
 *
 * The platform's read that fails instead of faulting (llgi_vm_read, a
 * static inline function in the platform's vmread.h; Linux:
 * process_vm_readv, about 0.3 us a call) does the copy. Where that read is
 * missing or refused (qemu-user has no process_vm_readv; a seccomp profile
 * may refuse it), the bytes are copied directly, but only when the mappings
 * (procmaps.h) show them inside one readable mapping. The last such mapping
 * is remembered, so a walk up one stack scans the maps once.
 *
 * Async-signal-safe, thread-safe, no allocation, no lock. Saves and
 * restores errno. The remembered mapping is shared by all threads, behind a
 * sequence word: a thread never uses a range another is replacing.
 */
#ifndef LLGI_SAFEREAD_H
#define LLGI_SAFEREAD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when all n bytes at addr were copied to dst. */
int llgi_safe_read(uintptr_t addr, void *dst, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_SAFEREAD_H */
