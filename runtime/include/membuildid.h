/*
 * membuildid.h: the identity of an image mapped in this process, read from
 * its headers in memory with llgi_safe_read (a bad image or an unmapped page
 * fails the read; nothing faults), for crash records. Linux: the ELF image's
 * GNU build-id (runtime/src/linux/membuildid.c). Async-signal-safe, no
 * allocation, no lock.
 */
#ifndef LLGI_MEMBUILDID_H
#define LLGI_MEMBUILDID_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Writes the build-id of the 64-bit ELF image whose first byte is mapped at
 * `base` as NUL-terminated lowercase hex into hex[0..cap) and returns 1; 0
 * when the image has none, is not one, or the id does not fit.
 */
int llgi_mem_build_id(uintptr_t base, char *hex, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* LLGI_MEMBUILDID_H */
